import Foundation

/// The MCP authorization spec's transport rule (2025-11-25, "Communication Security"): every authorization
/// server endpoint, every metadata document and the MCP URL that receives the bearer token is `https`. Plain `http`
/// is taken only on a loopback host (`localhost`, `127.0.0.0/8`, `::1`), where nothing leaves the machine: local
/// servers, tests, development. Anywhere else it would carry codes, verifiers and refresh tokens in cleartext.
public enum SecureTransport {
    /// True for `https` URLs with a host, and for `http` URLs on a loopback host.
    public static func allows(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "https" || (scheme == "http" && isLoopback(host: host))
    }

    /// `nil` when `url` may be used; else why not, naming it and `what` it is ("the token endpoint"), for an error.
    public static func problem(with url: URL, what: String) -> String? {
        if allows(url) { return nil }
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host?.isEmpty == false
        else {
            return "\(what) \(url.absoluteString) is not an absolute https URL"
        }
        return "\(what) \(url.absoluteString) uses plain http; oauthtop sends tokens only over https "
            + "(http is accepted only on a loopback host: localhost, 127.0.0.1, ::1)"
    }

    /// `localhost` (and names under it, RFC 6761), `127.0.0.0/8` and `::1`, with or without brackets.
    public static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isASCII) && UInt8(octet) != nil
        }
    }
}
