import Foundation
import Testing

@testable import OAuth

@Suite struct NetworkBoundaryTests {
    static func reach(_ url: String, sourceLocation: SourceLocation = #_sourceLocation) -> NetworkBoundary.Reach? {
        guard let parsed = URL(string: url) else {
            Issue.record("not a URL: \(url)", sourceLocation: sourceLocation)
            return nil
        }
        return NetworkBoundary.reach(of: parsed)
    }

    @Test func ipv4Ranges() {
        let cases: [(String, NetworkBoundary.Reach)] = [
            ("8.8.8.8", .public), ("1.1.1.1", .public), ("172.15.255.255", .public), ("172.32.0.1", .public),
            ("100.63.255.255", .public), ("100.128.0.1", .public), ("169.253.1.1", .public),
            ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
            ("10.0.0.1", .private), ("10.255.255.255", .private), ("172.16.0.1", .private),
            ("172.31.255.254", .private), ("192.168.1.1", .private), ("100.64.0.1", .private),
            ("100.127.255.254", .private),
            ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal),
            ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ]
        for (host, expected) in cases {
            #expect(NetworkBoundary.reach(ofHost: host) == expected, "\(host)")
        }
    }

    @Test func ipv6RangesBracketedZonedAndMapped() {
        let cases: [(String, NetworkBoundary.Reach)] = [
            ("2606:4700:4700::1111", .public), ("[2001:db8::1]", .public),
            ("::1", .loopback), ("[::1]", .loopback), ("0:0:0:0:0:0:0:1", .loopback),
            ("fe80::1", .linkLocal), ("[fe80::1%eth0]", .linkLocal), ("febf::1", .linkLocal),
            ("fc00::1", .private), ("fd12:3456:789a::1", .private),
            ("::", .unspecified), ("[::]", .unspecified),
            ("::ffff:10.0.0.1", .private), ("[::ffff:10.0.0.1]", .private), ("::ffff:a00:1", .private),
            ("::ffff:169.254.169.254", .linkLocal), ("::ffff:127.0.0.1", .loopback), ("::ffff:8.8.8.8", .public),
            ("64:ff9b::a9fe:a9fe", .linkLocal), ("::10.0.0.1", .private),
        ]
        for (host, expected) in cases {
            #expect(NetworkBoundary.reach(ofHost: host) == expected, "\(host)")
        }
    }

    @Test func numbersTheResolverReadsAsAddressesAreJudgedAsThoseAddresses() {
        // inet_aton's forms: a single 32-bit number, hexadecimal and octal parts, 2 and 3 parts.
        let cases: [(String, NetworkBoundary.Reach)] = [
            ("2130706433", .loopback), ("0x7f.1", .loopback), ("0x7f000001", .loopback), ("017700000001", .loopback),
            ("127.1", .loopback), ("0251.0376.0251.0376", .linkLocal), ("0xA9FEA9FE", .linkLocal),
            ("2852039166", .linkLocal), ("169.254.43518", .linkLocal), ("012.0.0.1", .private), ("10.1", .private),
            ("169.254.169.254.", .linkLocal), ("0", .unspecified),
            // Names stay names (not resolved): public unless they are localhost.
            ("example.com", .public), ("10.0.0.1.nip.io", .public), ("localhost", .loopback),
            ("api.localhost", .loopback), ("0x7f.example", .public),
        ]
        for (host, expected) in cases {
            #expect(NetworkBoundary.reach(ofHost: host) == expected, "\(host)")
        }
    }

    @Test func urlParsingCannotSmuggleAnAddress() {
        #expect(Self.reach("https://0x7f.1/") == .loopback)
        #expect(Self.reach("https://2130706433:8443/x") == .loopback)
        #expect(Self.reach("https://169.254.169.254./latest/meta-data") == .linkLocal)
        #expect(Self.reach("https://[::ffff:10.0.0.1]/") == .private)
        #expect(Self.reach("https://[::ffff:a9fe:a9fe]:443/") == .linkLocal)
        #expect(Self.reach("https://[fe80::1%25eth0]/") == .linkLocal)
        #expect(Self.reach("https://user:pw@10.0.0.1/") == .private)
        #expect(Self.reach("https://%31%30.0.0.1/") != .public)
        #expect(Self.reach("HTTPS://0XA9FEA9FE/") == .linkLocal)
        #expect(Self.reach("https://mcp.example.com/mcp") == .public)
    }

    static let publicServer = URL(string: "https://mcp.example.com/mcp")!

    @Test func aPublicServerMayNameOnlyPublicURLs() throws {
        let metadata = URL(string: "https://169.254.169.254/latest/meta-data")!
        let problem = try #require(
            NetworkBoundary.problem(with: metadata, what: "the authorization server", serverURL: Self.publicServer))
        #expect(problem.contains("https://169.254.169.254/latest/meta-data"))
        #expect(problem.contains("link-local"))
        #expect(problem.contains("https://mcp.example.com/mcp"))
        #expect(problem.contains("oauth.authorization_endpoint"))
        for refused in ["https://10.0.0.1/", "https://127.0.0.1/", "https://[::]/", "https://100.100.100.100/"] {
            #expect(
                NetworkBoundary.problem(with: URL(string: refused)!, what: "x", serverURL: Self.publicServer) != nil,
                "\(refused)")
        }
        for allowed in ["https://auth.example.com/", "https://8.8.8.8/", "https://[2606:4700::1]/"] {
            #expect(
                NetworkBoundary.problem(with: URL(string: allowed)!, what: "x", serverURL: Self.publicServer) == nil,
                "\(allowed)")
        }
    }

    @Test func loopbackAndPrivateServersKeepTheirNetworks() {
        let local = URL(string: "http://127.0.0.1:8080/mcp")!
        let company = URL(string: "https://10.1.2.3/mcp")!
        func allowed(_ url: String, from server: URL) -> Bool {
            NetworkBoundary.problem(with: URL(string: url)!, what: "x", serverURL: server) == nil
        }
        #expect(allowed("http://127.0.0.1:9000/", from: local))
        #expect(allowed("http://localhost:9000/", from: local))
        #expect(allowed("https://10.0.0.1/", from: local))
        #expect(allowed("https://192.168.1.10/as", from: company))
        #expect(allowed("https://auth.example.com/", from: company))
        #expect(!allowed("https://169.254.169.254/", from: company))
        #expect(!allowed("https://127.0.0.1/", from: company))
    }
}
