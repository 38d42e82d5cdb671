import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Discovery stays on the public side: a URL an MCP server or its metadata names (the protected resource metadata,
/// the authorization server, every endpoint of its metadata) may not send the user's machine into a network the
/// server itself is not on. A server on a public host that names `https://169.254.169.254/…` (cloud metadata),
/// `10.0.0.1` (a router) or `127.0.0.1` (a local service) would otherwise make oauthtop request it from inside.
///
/// The rule compares where the MCP server is (`reach(of:)` of its URL) with where the named URL is:
/// a public URL is always allowed; a server on a loopback host may name anything (local development, tests); any
/// other server may name only URLs in its own kind of network (a company server on `10.x` may name `10.y`).
///
/// Hosts are judged by their literal IP address, read the way the resolver reads it (`inet_aton` for IPv4, so
/// `2130706433`, `0x7f.1` and `012.0.0.1` are the addresses they are; `inet_pton` for IPv6, with IPv4-mapped,
/// -compatible and NAT64 addresses judged by the IPv4 address inside). Host names are not resolved: a name counts as
/// public, except `localhost` and names under it.
public enum NetworkBoundary {
    public enum Reach: String, Sendable, Equatable {
        case `public`
        /// `127.0.0.0/8`, `::1`, `localhost`.
        case loopback
        /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10` (CGNAT), `fc00::/7`.
        case `private`
        /// `169.254.0.0/16`, `fe80::/10`.
        case linkLocal
        /// `0.0.0.0/8`, `::`.
        case unspecified

        /// For messages: "a link-local address (169.254.0.0/16, fe80::/10)".
        var words: String {
            switch self {
            case .public: "a public address"
            case .loopback: "a loopback address (127.0.0.0/8, ::1, localhost)"
            case .private: "a private-network address (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)"
            case .linkLocal: "a link-local address (169.254.0.0/16, fe80::/10; cloud metadata lives there)"
            case .unspecified: "the unspecified address (0.0.0.0, ::)"
            }
        }
    }

    /// Where `url`'s host is; `nil` without a host.
    public static func reach(of url: URL) -> Reach? {
        guard let host = url.host, !host.isEmpty else { return nil }
        return reach(ofHost: host)
    }

    /// Where `host` (a name, an IPv4 address in any form the resolver takes, or an IPv6 address with or without
    /// brackets and zone) is.
    public static func reach(ofHost host: String) -> Reach {
        var name = (host.removingPercentEncoding ?? host).lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if !name.allSatisfy(\.isASCII) {
            // Full-width digits and dots: the URL loader may map them to ASCII (IDNA), so judge them as it would.
            name = name.precomposedStringWithCompatibilityMapping
            for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] { name = name.replacingOccurrences(of: dot, with: ".") }
        }
        if let zone = name.firstIndex(of: "%"), name.contains(":") { name = String(name[..<zone]) }
        if name.hasSuffix(".") { name.removeLast() }
        if let ipv4 = ipv4(name) { return reach(ipv4: ipv4) }
        if let ipv6 = ipv6(name) { return reach(ipv6: ipv6) }
        return SecureTransport.isLoopback(host: name) ? .loopback : .public
    }

    /// `nil` when a server at `serverURL` may send oauthtop to `url`; else why not, naming `what` and the URL.
    public static func problem(with url: URL, what: String, serverURL: URL) -> String? {
        guard let target = reach(of: url), target != .public else { return nil }
        let server = reach(of: serverURL) ?? .public
        if server == .loopback || server == target { return nil }
        return "\(what) \(url.absoluteString) is on \(target.words), but the MCP server \(serverURL.absoluteString) is "
            + "on \(server.words); oauthtop does not let a server send it into another network. If this is "
            + "intended, set oauth.authorization_endpoint and oauth.token_endpoint in the config"
    }

    // MARK: Addresses

    static func reach(ipv4 address: UInt32) -> Reach {
        func within(_ network: UInt32, _ bits: UInt32) -> Bool {
            address >> (32 - bits) == network >> (32 - bits)
        }
        if within(0x0000_0000, 8) { return .unspecified }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) || within(0x6440_0000, 10) {
            return .private
        }
        return .public
    }

    static func reach(ipv6 bytes: [UInt8]) -> Reach {
        let prefix = bytes.prefix(12)
        let embedded = bytes.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes.dropLast().allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): the IPv4 address decides.
        let mapped = prefix.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let compatible = prefix.allSatisfy { $0 == 0 }
        let nat64 = Array(prefix) == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        if mapped || compatible || nat64 { return reach(ipv4: embedded) }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }
        if bytes[0] & 0xFE == 0xFC { return .private }
        return .public
    }

    /// The address as the resolver reads it (`inet_aton`: one to four parts, each decimal, octal with a leading 0,
    /// or hexadecimal with 0x), in host byte order; `nil` when `text` is not one.
    static func ipv4(_ text: String) -> UInt32? {
        // inet_aton stops at white space and takes the rest as ignored; a URL host has none, but refuse it anyway.
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "." || $0 == "x") }) else {
            return nil
        }
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// The 16 bytes of an IPv6 address; `nil` when `text` is not one.
    static func ipv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
