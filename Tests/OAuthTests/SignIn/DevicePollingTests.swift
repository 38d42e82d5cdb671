import Foundation
import Testing

@testable import OAuth

/// RFC 8628 section 3.5 as a value: every answer of the token endpoint against a hand-set time.
@Suite struct DevicePollingTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let codes = DeviceAuthorization(
        deviceCode: "dc_secret", userCode: "BCDF-GHJK", verificationURI: "https://auth.example.com/device",
        expiresIn: 60, interval: 5)
    static let tokens = TokenResponse(accessToken: "at", tokenType: "Bearer", refreshToken: "rt", expiresIn: 3600)

    static func error(_ code: String, _ description: String? = nil) -> Result<TokenResponse, any Error> {
        .failure(TokenEndpointError(kind: .http, status: 400, code: code, errorDescription: description))
    }

    func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    @Test func pendingWaitsTheIntervalAndTokensEndIt() {
        var polling = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        #expect(polling.start(now: Self.start) == .poll(after: 5))
        #expect(polling.answered(Self.error("authorization_pending"), now: at(5)) == .poll(after: 5))
        #expect(polling.answered(.success(Self.tokens), now: at(10)) == .signedIn)
    }

    @Test func slowDownAddsFiveSecondsEachTime() {
        var polling = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        #expect(polling.answered(Self.error("slow_down"), now: at(5)) == .poll(after: 10))
        #expect(polling.answered(Self.error("slow_down"), now: at(15)) == .poll(after: 15))
        #expect(polling.answered(Self.error("authorization_pending"), now: at(30)) == .poll(after: 15))
        #expect(polling.slowDowns == 2 && polling.interval == 15)
    }

    @Test func deniedAndExpiredEndTheSignIn() {
        var denied = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        #expect(
            denied.answered(Self.error("access_denied", "The user said no"), now: at(5))
                == .failed(SignInError(.denied, "the sign-in was denied at the provider (The user said no)")))
        var expired = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        let gone = SignInError(
            .timedOut, "the code expired before the sign-in was approved; run oauthtop login jira again")
        #expect(expired.answered(Self.error("expired_token"), now: at(5)) == .failed(gone))
        // No request is sent that could only come back after the code has expired.
        var late = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        #expect(late.answered(Self.error("authorization_pending"), now: at(55)) == .failed(gone))
    }

    @Test func transportFailuresBackOffExponentiallyUpToAMinute() {
        let long = DeviceAuthorization(
            deviceCode: "d", userCode: "u", verificationURI: "https://a.example/device", expiresIn: 3600, interval: 5)
        var polling = DevicePolling(long, server: "jira", startedAt: Self.start)
        let down: Result<TokenResponse, any Error> = .failure(TokenEndpointError.network("connection refused"))
        let unavailable: Result<TokenResponse, any Error> = .failure(TokenEndpointError(kind: .http, status: 503))
        #expect(polling.answered(down, now: at(5)) == .poll(after: 10))
        #expect(polling.answered(unavailable, now: at(15)) == .poll(after: 20))
        #expect(polling.answered(down, now: at(35)) == .poll(after: 40))
        #expect(polling.answered(down, now: at(75)) == .poll(after: 60))
    }

    @Test func anyOtherErrorIsTheProvidersRefusal() {
        var polling = DevicePolling(Self.codes, server: "jira", startedAt: Self.start)
        guard case .failed(let error) = polling.answered(Self.error("invalid_client", "unknown client"), now: at(5))
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .provider)
        #expect(error.message.contains("invalid_client") && !error.message.contains("dc_secret"))
    }

    @Test func theResponseIsReadLeniently() throws {
        let body =
            #"{"device_code":"dc_1","user_code":"WDJB-MJHT","verification_url":"https://a.example/d","#
            + #""expires_in":1800}"#
        let read = try DeviceAuthorization.read(try #require(JSONObject(Data(body.utf8)))).get()
        #expect(read.verificationURI == "https://a.example/d" && read.interval == 5 && read.expiresIn == 1800)
        #expect("\(read)".contains("dc_1") == false && "\(read)".contains("WDJB") == false)
        let missing = DeviceAuthorization.read(try #require(JSONObject(Data(#"{"device_code":"d"}"#.utf8))))
        #expect((try? missing.get()) == nil)
    }
}
