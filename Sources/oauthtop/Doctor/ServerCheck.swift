import Foundation
import OAuth

/// Does each enabled server's MCP URL answer, and its authorization server (the configured token endpoint, else
/// the one discovery finds)? Every answer with a `Date` header is also a sample for the clock check.
struct ServerCheck {
    var timeout: TimeInterval = 10

    struct Outcome {
        var findings: [Finding]
        var clockSamples: [(host: String, server: Date, local: Date)]
    }

    func run(_ servers: [ServerConfig]) async -> Outcome {
        let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, server) in servers.enumerated() {
                group.addTask { (index, await self.check(server)) }
            }
            var collected: [(Int, Outcome)] = []
            for await outcome in group { collected.append(outcome) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return Outcome(
            findings: outcomes.flatMap(\.findings), clockSamples: outcomes.flatMap(\.clockSamples))
    }

    private func check(_ server: ServerConfig) async -> Outcome {
        let reachability = Reachability(timeout: timeout)
        var outcome = Outcome(findings: [], clockSamples: [])
        func ask(_ url: URL, what: String) async throws(SignInError) -> Reachability.Answer {
            let before = Date()
            let answer = try await reachability.ask(url, what: what)
            if let serverDate = answer.serverDate {
                let local = before.addingTimeInterval(Date().timeIntervalSince(before) / 2)
                outcome.clockSamples.append((url.host ?? url.absoluteString, serverDate, local))
            }
            return answer
        }
        let subject = "\(server.name)"
        guard let url = URL(string: server.url) else {
            outcome.findings.append(.fail(subject, "url \(server.url) is not a URL; fix it in the config"))
            return outcome
        }
        do {
            let answer = try await ask(url, what: "the MCP server")
            outcome.findings.append(.ok(subject, "MCP server \(server.url) answers (HTTP \(answer.status))"))
        } catch {
            outcome.findings.append(
                .fail(subject, "\(error.message); check the url in the config and your network"))
            return outcome
        }
        if let tokenEndpoint = server.oauth.tokenEndpoint {
            do {
                let answer = try await ask(tokenEndpoint, what: "the token endpoint")
                outcome.findings.append(
                    .ok(subject, "token endpoint \(tokenEndpoint.absoluteString) answers (HTTP \(answer.status))"))
            } catch {
                outcome.findings.append(.fail(subject, "\(error.message); check oauth.token_endpoint in the config"))
            }
            return outcome
        }
        do {
            let found = try await Discovery(timeout: timeout).discover(serverURL: url)
            var text = "authorization server \(found.issuer) answers"
            if let metadata = URL(string: found.metadataURL), let answer = try? await ask(metadata, what: "metadata") {
                text += " (metadata HTTP \(answer.status))"
            }
            outcome.findings.append(.ok(subject, text))
        } catch {
            outcome.findings.append(
                .fail(
                    subject,
                    "authorization server: \(error.message)"
                        + (error.kind == .network ? "; try again later, or check your network" : "")))
        }
        return outcome
    }
}
