import Foundation

/// The polling of the device authorization grant (RFC 8628 section 3.5) as a value: given each answer of the token
/// endpoint and the time, it says what to do next. No clock and no sockets inside, so tests drive it directly.
public struct DevicePolling: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// Ask the token endpoint again after this many seconds.
        case poll(after: Double)
        /// The token endpoint answered with tokens.
        case signedIn
        /// The sign-in is over without tokens.
        case failed(SignInError)
    }

    /// Seconds between token requests; `slow_down` adds 5 (RFC 8628 section 3.5).
    public private(set) var interval: Double
    /// When the device code expires.
    public let expiresAt: Date
    /// How many `slow_down` answers came.
    public private(set) var slowDowns = 0
    private let server: String

    /// A transport failure doubles the wait, up to this (RFC 8628 section 3.5: exponential backoff).
    static let maxInterval: Double = 60

    public init(_ authorization: DeviceAuthorization, server: String, startedAt: Date) {
        interval = authorization.interval
        expiresAt = startedAt.addingTimeInterval(authorization.expiresIn)
        self.server = server
    }

    /// The first request goes out one interval after the codes arrived.
    public func start(now: Date) -> Step { wait(now: now) }

    /// What the token endpoint's answer means.
    public mutating func answered(_ result: Result<TokenResponse, any Error>, now: Date) -> Step {
        let error: TokenEndpointError
        switch result {
        case .success:
            return .signedIn
        case .failure(let failure as TokenEndpointError):
            error = failure
        case .failure(let failure as SignInError):
            return .failed(failure)
        case .failure(is CancellationError):
            return .failed(SignInError(.cancelled, "sign-in cancelled"))
        case .failure(let other):
            return .failed(.network("device sign-in: \(type(of: other))"))
        }
        switch error.code {
        case "authorization_pending":
            return wait(now: now)
        case "slow_down":
            slowDowns += 1
            interval += 5
            return wait(now: now)
        case "access_denied":
            return .failed(
                SignInError(
                    .denied,
                    "the sign-in was denied at the provider"
                        + (error.errorDescription.map { " (\($0))" } ?? "")))
        case "expired_token":
            return .failed(expired)
        case nil
        where error.kind == .network || error.kind == .timeout
            || (error.status.map { $0 >= 500 || $0 == 429 } ?? false):
            interval = min(interval * 2, Self.maxInterval)
            return wait(now: now)
        default:
            return .failed(SignInError.from(error, step: "device sign-in"))
        }
    }

    private func wait(now: Date) -> Step {
        guard now.addingTimeInterval(interval) < expiresAt else { return .failed(expired) }
        return .poll(after: interval)
    }

    private var expired: SignInError {
        SignInError(
            .timedOut, "the code expired before the sign-in was approved; run oauthtop login \(server) again")
    }
}
