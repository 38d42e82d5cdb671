import Testing

@testable import DemoProvider

@Suite struct DemoScenarioTests {
    @Test func standardScenarioHasTheSixArchetypes() {
        let names = DemoScenario.standard().servers.map(\.name)
        #expect(names == ["short-lived", "rotating", "flaky", "throttled", "no-refresh", "revoked"])
        let more = DemoScenario.standard(servers: 8).servers
        #expect(more.map(\.name).suffix(2) == ["short-lived-2", "rotating-2"])
        #expect(more[6].behaviour == .steady(lifetime: 18))
    }
}
