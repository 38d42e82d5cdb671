import Foundation
import Testing

@testable import OAuth

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// URLError to `TokenEndpointError`, for the failures a loopback test cannot provoke.
@Suite struct TransportErrorTests {
    @Test(arguments: [
        (URLError.Code.cannotConnectToHost, TokenEndpointError.network("connection refused")),
        (.cannotFindHost, .network("host not found")),
        (.dnsLookupFailed, .network("host not found")),
        (.networkConnectionLost, .network("connection lost")),
        (.notConnectedToInternet, .network("no network")),
        (.badServerResponse, .network("bad HTTP response")),
        (.timedOut, .timeout(after: 30)),
    ])
    func urlErrorsMapToShortDetails(code: URLError.Code, expected: TokenEndpointError) {
        #expect(TokenEndpointError.transport(URLError(code), timeout: 30) == expected)
    }

    @Test func otherErrorsAreNetworkFailuresNamedByTypeOnly() {
        struct Surprise: Error { var secret = "rt-SECRET" }
        #expect(TokenEndpointError.transport(Surprise(), timeout: 30) == .network("transport failure (Surprise)"))
        let nsError = NSError(domain: NSURLErrorDomain, code: URLError.Code.cannotConnectToHost.rawValue)
        #expect(TokenEndpointError.transport(nsError, timeout: 30) == .network("connection refused"))
    }

    @Test func tlsFailuresSayTLS() {
        let error = TokenEndpointError.transport(URLError(.serverCertificateUntrusted), timeout: 30)
        #expect(error.kind == .network)
        #expect(error.detail?.hasPrefix("TLS error: ") == true)

        let curl = URLError(
            .unknown,
            userInfo: [NSLocalizedDescriptionKey: "SSL certificate problem: unable to get local issuer certificate"])
        #expect(
            TokenEndpointError.transport(curl, timeout: 30)
                == .network("TLS error: SSL certificate problem: unable to get local issuer certificate"))
    }
}
