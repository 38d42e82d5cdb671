import FlyingFox
import Foundation
import OAuth
import Testing

/// Failures: OAuth errors in every dress, pages that are not token responses, limits, deadlines, the network.
@Suite struct TokenClientErrorTests {
    @Test func jsonError400() async throws {
        let error = try await Exchange.failure(
            Reply.json(400, #"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 400, code: "invalid_grant", errorDescription: "Refresh token revoked"))
        #expect(error.description == "HTTP 400 invalid_grant: Refresh token revoked")
    }

    // FoundationNetworking turns these into authentication challenges and, left alone, waits until the deadline
    // (30 s here, far from the answer's milliseconds, so that a busy machine cannot blur the two).
    @Test(arguments: [
        #"Basic realm="oauth""#, "Basic", #"Bearer realm="mcp", error="invalid_token""#,
        #"Bearer error="invalid_token""#,
        #"Digest realm="x", nonce="y""#, "Negotiate",
    ])
    func invalidClient401WithChallengeIsAnsweredAtOnce(challenge: String) async throws {
        let started = ContinuousClock.now
        let error = try await Exchange.failure(
            Reply.json(401, #"{"error":"invalid_client"}"#, headers: ["WWW-Authenticate": challenge]), timeout: 30)
        #expect(error == TokenEndpointError(kind: .http, status: 401, code: "invalid_client"))
        #expect(ContinuousClock.now - started < .seconds(10), "answered, not left to the 30 s deadline")
    }

    @Test func subSecondTimeoutStillLetsFastAnswersThrough() async throws {
        let endpoint = try await FakeTokenEndpoint.start { _ in Reply.json(#"{"access_token":"at-new"}"#) }
        let request = Exchange.defaultRequest(endpoint.url)
        // The first exchange, with time to spare, pays for the first use of the HTTP machinery, which a busy machine
        // stretches past half a second; the second measures the 0.5 s deadline against a plain exchange.
        var answers: [Result<TokenResponse, any Error>] = []
        for timeout in [30, 0.5] {
            do {
                answers.append(.success(try await TokenClient(timeout: timeout).refresh(request)))
            } catch {
                answers.append(.failure(error))
            }
        }
        await endpoint.stop()
        #expect(try answers[0].get() == TokenResponse(accessToken: "at-new"))
        #expect(try answers[1].get() == TokenResponse(accessToken: "at-new"))
    }

    @Test func errorInside200() async throws {
        // GitHub answers a bad code or refresh token with 200 and an error.
        let error = try await Exchange.failure(
            Reply.json(
                #"{"error":"bad_refresh_token","error_description":"The refresh token passed is incorrect or expired.","#
                    + #""error_uri":"https://docs.github.com/apps"}"#))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 200, code: "bad_refresh_token",
                    errorDescription: "The refresh token passed is incorrect or expired."))
    }

    @Test func errorWinsOverAccessTokenInside200() async throws {
        let error = try await Exchange.failure(Reply.json(#"{"access_token":"at-new","error":"server_error"}"#))
        #expect(error == TokenEndpointError(kind: .http, status: 200, code: "server_error"))
    }

    @Test func formEncodedError() async throws {
        let error = try await Exchange.failure(
            Reply.form(
                400,
                "error=incorrect_client_credentials&error_description=The+client_id+and%2For+client_secret+passed+are+incorrect.&error_uri=https%3A%2F%2Fdocs.github.com"
            ))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 400, code: "incorrect_client_credentials",
                    errorDescription: "The client_id and/or client_secret passed are incorrect."))
    }

    @Test func htmlPage503KeepsRetryAfter() async throws {
        let error = try await Exchange.failure(Reply.html(503, bytes: 2355, headers: ["Retry-After": "120"]))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 503, retryAfter: "120", detail: "HTML page (text/html, 2.3 KiB)"))
        #expect(error.description == "HTTP 503: HTML page (text/html, 2.3 KiB)")
    }

    @Test func retryAfterKeptVerbatimOnJSONError429() async throws {
        let error = try await Exchange.failure(
            Reply.json(
                429, #"{"error":"slow_down"}"#, headers: ["Retry-After": "Fri, 15 Jan 2027 08:02:00 GMT"]))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 429, code: "slow_down", retryAfter: "Fri, 15 Jan 2027 08:02:00 GMT"))
    }

    @Test func emptyBody400() async throws {
        let error = try await Exchange.failure(Reply.raw(400, Data()))
        #expect(error == TokenEndpointError(kind: .http, status: 400, detail: "empty body"))
    }

    @Test func jsonWithoutErrorCode500() async throws {
        let error = try await Exchange.failure(Reply.json(500, #"{"message":"internal failure"}"#))
        #expect(
            error
                == TokenEndpointError(
                    kind: .http, status: 500, detail: "no OAuth error in body (application/json, 30 B)"))
    }

    @Test func plainText502() async throws {
        let error = try await Exchange.failure(Reply.form(502, "Bad Gateway", contentType: "text/plain"))
        #expect(
            error == TokenEndpointError(kind: .http, status: 502, detail: "no OAuth error in body (text/plain, 11 B)"))
    }

    @Test func htmlPageWith200IsMalformed() async throws {
        // A captive portal or a login page in front of the provider.
        let error = try await Exchange.failure(Reply.html(200, bytes: 1024))
        #expect(
            error == TokenEndpointError(kind: .malformedResponse, status: 200, detail: "HTML page (text/html, 1.0 KiB)")
        )
    }

    @Test func missingAccessTokenIsMalformed() async throws {
        let error = try await Exchange.failure(Reply.json(#"{"token_type":"Bearer","expires_in":3600}"#))
        #expect(
            error
                == TokenEndpointError(
                    kind: .malformedResponse, status: 200, detail: "not a token response: no access_token"))
    }

    @Test(arguments: [#"{"access_token":""}"#, #"{"access_token":42}"#, #"{"access_token":null}"#])
    func unusableAccessTokenIsMalformed(json: String) async throws {
        let error = try await Exchange.failure(Reply.json(json))
        #expect(
            error
                == TokenEndpointError(
                    kind: .malformedResponse, status: 200, detail: "not a token response: no access_token"))
    }

    @Test func invalidJSON200IsMalformed() async throws {
        let error = try await Exchange.failure(Reply.json(#"{"access_token":"at-"#))
        #expect(
            error
                == TokenEndpointError(
                    kind: .malformedResponse, status: 200, detail: "not a token response (application/json, 20 B)"))
    }

    @Test func emptyBody200IsMalformed() async throws {
        let error = try await Exchange.failure(Reply.raw(200, Data(), headers: ["Content-Type": "application/json"]))
        #expect(error == TokenEndpointError(kind: .malformedResponse, status: 200, detail: "empty body"))
    }

    @Test func errorCodeAndDescriptionFlattenedAndCapped() async throws {
        let long = String(repeating: "d", count: 600)
        let error = try await Exchange.failure(
            Reply.json(400, #"{"error":"invalid_grant\n","error_description":"line one\r\nline two\t\#(long)"}"#))
        #expect(error.code == "invalid_grant")
        let description = try #require(error.errorDescription)
        #expect(description.count == 500)
        #expect(description.hasPrefix("line one  line two "))
        #expect(description.hasSuffix("ddd..."))
    }

    @Test func redirectIsNotFollowed() async throws {
        let exchange = try await Exchange.refresh { request in
            request.path == "/token"
                ? Reply.raw(307, Data(), headers: ["Location": "http://127.0.0.1:1/elsewhere?next=1"])
                : Reply.json(#"{"access_token":"at-new"}"#)
        }
        #expect(exchange.received.map(\.path) == ["/token"])
        #expect(
            try exchange.failure
                == TokenEndpointError(kind: .http, status: 307, detail: "redirect to 127.0.0.1 not followed"))
    }

    @Test func bodyOver1MiBRefused() async throws {
        let error = try await Exchange.failure(Reply.raw(200, Data(count: (1 << 20) + 1)))
        #expect(error == TokenEndpointError(kind: .malformedResponse, status: 200, detail: "response body over 1 MiB"))
    }

    @Test func declaredBodyOver1MiBStopsTheTransfer() async throws {
        // 1 GiB announced; refused from Content-Length, and the download must not go on behind our back.
        let produced = PacedBytes.Counter()
        let chunk = Array(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        let huge = PacedBytes(chunk: chunk, count: 16 * 1024, produced: produced)
        let endpoint = try await FakeTokenEndpoint.start { _ in
            Reply.streamed(200, huge, declaredLength: chunk.count * 16 * 1024)
        }
        let client = TokenClient(timeout: 10)
        let error = await #expect(throws: TokenEndpointError.self) {
            try await client.refresh(Exchange.defaultRequest(endpoint.url))
        }
        // Wait for the server to stop sending: its count holds still for 300 ms (within 10 s at most).
        var sent = produced.count
        var stopped = false
        let deadline = ContinuousClock.now + .seconds(10)
        while !stopped, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            stopped = produced.count == sent
            sent = produced.count
        }
        await endpoint.stop()
        #expect(error == TokenEndpointError(kind: .malformedResponse, status: 200, detail: "response body over 1 MiB"))
        #expect(stopped, "the server was still sending after 10 s: \(sent) of 16384 chunks")
        #expect(sent < 1024, "the server sent \(sent) of 16384 chunks of 64 KiB")
    }

    @Test func streamedBodyOver1MiBRefusedWhileReading() async throws {
        // Chunked and endless: without the cap this would run into the deadline instead.
        let endless = PacedBytes(chunk: Array(repeating: UInt8(ascii: "x"), count: 16 * 1024), count: .max)
        let error = try await Exchange.failure(
            Reply.streamed(502, endless, headers: ["Retry-After": "30", "Content-Type": "text/html"]), timeout: 10)
        #expect(
            error == TokenEndpointError(kind: .http, status: 502, retryAfter: "30", detail: "response body over 1 MiB"))
    }

    @Test func trickleHitsOverallDeadline() async throws {
        // One byte every 100 ms keeps an idle timeout happy for 60 s; the overall deadline is 0.5 s.
        let trickle = PacedBytes(chunk: [UInt8(ascii: " ")], count: 600, pause: .milliseconds(100))
        let started = ContinuousClock.now
        let error = try await Exchange.failure(Reply.streamed(200, trickle, declaredLength: 600), timeout: 0.5)
        let elapsed = ContinuousClock.now - started
        #expect(error == .timeout(after: 0.5))
        #expect(elapsed < .seconds(10), "cut by the deadline, not at the trickle's end (60 s)")
    }

    @Test func silentServerTimesOut() async throws {
        let started = ContinuousClock.now
        let exchange = try await Exchange.refresh(timeout: 0.5) { _ in
            try await Task.sleep(for: .seconds(60))
            return Reply.json(#"{"access_token":"at-late"}"#)
        }
        #expect(try exchange.failure == .timeout(after: 0.5))
        #expect(ContinuousClock.now - started < .seconds(10), "cut by the deadline, not at the answer (60 s)")
    }

    @Test func cancellationPropagates() async throws {
        let endpoint = try await FakeTokenEndpoint.start { _ in
            try await Task.sleep(for: .seconds(60))
            return Reply.json(#"{"access_token":"at-late"}"#)
        }
        let client = TokenClient(timeout: 120)
        let request = Exchange.defaultRequest(endpoint.url)
        let task = Task { try await client.refresh(request) }
        // Cancel once the request is at the server, which holds its answer for 60 s.
        let deadline = ContinuousClock.now + .seconds(10)
        while endpoint.received.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(endpoint.received.count == 1)
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let elapsed = ContinuousClock.now - cancelled
        await endpoint.stop()
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(elapsed < .seconds(10), "the answer would have taken 60 s")
    }

    @Test func connectionRefusedIsNetwork() async throws {
        let endpoint = try await FakeTokenEndpoint.start { _ in Reply.raw(500, Data()) }
        let url = endpoint.url
        await endpoint.stop()
        let client = TokenClient(timeout: 5)
        await #expect(throws: TokenEndpointError.network("connection refused")) {
            try await client.refresh(Exchange.defaultRequest(url))
        }
    }

    @Test func secretsNeverInErrorText() async throws {
        let secrets = ["rt-SECRET-1", "cs-SECRET-2", "at-SECRET-3", "ac-SECRET-4"]
        let replies: [@Sendable (ReceivedRequest) -> HTTPResponse] = [
            { request in
                Reply.raw(400, Data("<html>\(request.body)</html>".utf8), headers: ["Content-Type": "text/html"])
            },
            { request in Reply.form(500, request.body, contentType: "text/plain") },
            { request in
                Reply.json(
                    502, #"{"message":"\#(request.body)","authorization":"\#(request.headers["authorization"] ?? "")"}"#
                )
            },
            { _ in Reply.json(#"{"refresh_token":"rt-SECRET-1","id_token":"at-SECRET-3"}"#) },
            { _ in Reply.json(#"{"access_token":"at-SECRET-3","refresh_token":"rt-SECRET-1","error":"server_error"}"#)
            },
            { _ in Reply.form("refresh_token=rt-SECRET-1&code=ac-SECRET-4") },
            { request in
                Reply.raw(200, Data("not json \(request.body)".utf8), headers: ["Content-Type": "application/x-thing"])
            },
            { request in Reply.json(#"{"access_token":"at-SECRET-3","#) },
        ]
        // What each reply reads as: real text, so that the secrets' absence below means something.
        let descriptions = [
            "HTTP 400: HTML page (text/html, 108 B)", "HTTP 500: no OAuth error in body (text/plain, 69 B)",
            "HTTP 502: no OAuth error in body (application/json, 128 B)",
            "HTTP 200: not a token response: no access_token",
            "HTTP 200 server_error", "HTTP 200: not a token response: no access_token",
            "HTTP 200: not a token response (application/x-thing, 104 B)",
            "HTTP 200: not a token response (application/json, 30 B)",
        ]
        for (index, reply) in replies.enumerated() {
            let exchange = try await Exchange.refresh(
                request: { endpoint in
                    RefreshRequest(
                        tokenEndpoint: endpoint, refreshToken: "rt-SECRET-1", clientID: "client-1",
                        clientSecret: "cs-SECRET-2",
                        authMethod: index.isMultiple(of: 2) ? .clientSecretPost : .clientSecretBasic)
                }, respond: reply)
            let error = try exchange.failure
            #expect(error.description == descriptions[index], "reply \(index)")
            let texts = [
                error.description, String(reflecting: error), "\(error)", error.localizedDescription,
                error.detail ?? "",
            ]
            for text in texts {
                for secret in secrets {
                    #expect(!text.contains(secret), "reply \(index) leaked \(secret) in: \(text)")
                }
            }
        }
    }
}
