import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension TokenEndpointError {
    /// Any failure below HTTP; errors that are not URLErrors (none are expected) are named by type only.
    static func transport(_ error: any Error, timeout: Double) -> TokenEndpointError {
        if let urlError = error as? URLError { return transport(urlError, timeout: timeout) }
        let nsError = error as NSError
        if nsError.domain == NSURLErrorDomain {
            // Failable on Linux only; the annotation keeps both platforms warning-free.
            let code: URLError.Code? = URLError.Code(rawValue: nsError.code)
            return transport(URLError(code ?? .unknown, userInfo: nsError.userInfo), timeout: timeout)
        }
        return .network("transport failure (\(type(of: error)))")
    }

    /// A short human detail for a transport failure; a URLSession timeout reads like the overall deadline.
    static func transport(_ error: URLError, timeout: Double) -> TokenEndpointError {
        switch error.code {
        case .timedOut:
            return .timeout(after: timeout)
        case .cannotConnectToHost:
            return .network("connection refused")
        case .cannotFindHost, .dnsLookupFailed:
            return .network("host not found")
        case .networkConnectionLost:
            return .network("connection lost")
        case .notConnectedToInternet:
            return .network("no network")
        case .badServerResponse, .cannotParseResponse:
            return .network("bad HTTP response")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
            .clientCertificateRequired:
            return .network("TLS error: \(reason(error))")
        default:
            // FoundationNetworking reports curl's TLS failures as code -1 with curl's message.
            let text = reason(error)
            if text.localizedCaseInsensitiveContains("ssl") || text.localizedCaseInsensitiveContains("certificate") {
                return .network("TLS error: \(text)")
            }
            return .network("URLError \(error.code.rawValue): \(text)")
        }
    }

    // The system's message only: it names the failure, never the request.
    private static func reason(_ error: URLError) -> String {
        TokenAnswer.clean(error.localizedDescription, limit: 120)
    }
}
