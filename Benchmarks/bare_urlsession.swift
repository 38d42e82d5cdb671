// The second floor of recovery (Benchmarks/recovery.py): the HTTP stack oauthtop is built on, Foundation's
// URLSession (libcurl and libdispatch underneath on Linux), with no oauthtop code. The same work as
// Benchmarks/bare_client.py: `bare-urlsession TOKEN_ENDPOINT SESSIONS.json [WORKERS]` refreshes every
// [client_id, refresh_token] of the file once, WORKERS requests at a time over one session, and exits 0 once every
// refresh got its new tokens. Built by scripts/bench (swiftc -O, static Swift runtime, as oauthtop is).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@main
struct BareURLSession {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let endpoint = URL(string: arguments[1])!
        let pairs = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: URL(fileURLWithPath: arguments[2])))
        let workers = arguments.count > 3 ? Int(arguments[3])! : 8
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = workers
        let session = URLSession(configuration: configuration)
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var failed = 0
                    for index in stride(from: worker, to: pairs.count, by: workers) {
                        var request = URLRequest(url: endpoint)
                        request.httpMethod = "POST"
                        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                        request.setValue("application/json", forHTTPHeaderField: "Accept")
                        let body = "grant_type=refresh_token&refresh_token=\(pairs[index][1])&client_id=\(pairs[index][0])"
                        request.httpBody = Data(body.utf8)
                        let (data, response) = try await session.data(for: request)
                        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                        if status != 200 || !String(decoding: data, as: UTF8.self).contains("access_token") { failed += 1 }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        if failures > 0 {
            FileHandle.standardError.write(Data("bare_urlsession: \(failures) of \(pairs.count) refreshes failed\n".utf8))
            exit(1)
        }
    }
}
