import Foundation
import Testing

@testable import oauthtop

@Suite struct ServiceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func embeddedUnitEqualsTheShippedFileByteForByte() throws {
        let shipped = try Data(contentsOf: Self.root.appendingPathComponent("Resources/systemd/oauthtop.service"))
        #expect(Data(ServiceUnit.template.utf8) == shipped)
    }

    @Test func renderFillsEveryPlaceholder() throws {
        let unit = try ServiceUnit.render(
            binary: "/home/me/.local/bin/oauthtop", config: "/home/me/.config/oauthtop/config.json",
            stateDirectory: "/home/me/.local/state/oauthtop")
        #expect(!unit.contains("@"))
        #expect(
            unit.contains(
                #"ExecStart="/home/me/.local/bin/oauthtop" serve --config "/home/me/.config/oauthtop/config.json" --state-dir "/home/me/.local/state/oauthtop""#
            ))
    }

    @Test func pathsAreQuotedAsSystemdReadsThem() throws {
        #expect(ServiceUnit.quoted(#"/a b/100%/$HOME/"x"\y"#) == #"/a b/100%%/$$HOME/\"x\"\\y"#)
        #expect(throws: ServiceError.self) {
            try ServiceUnit.render(binary: "relative/oauthtop", config: "/c", stateDirectory: "/s")
        }
        #expect(throws: ServiceError.self) {
            try ServiceUnit.render(binary: "/b", config: "/c\nExecStartPre=/bin/evil", stateDirectory: "/s")
        }
    }

    @Test func fallbackCommandLineQuotesForTheShell() {
        #expect(
            ServeCommandLine.background(binary: "/usr/bin/oauthtop", config: "/c.json", stateDirectory: "/it's here")
                == #"nohup /usr/bin/oauthtop serve --config /c.json --state-dir '/it'\''s here' >/dev/null 2>&1 &"#)
    }

    @Test func unitFolderFollowsXDGConfigHome() {
        #expect(
            SystemdUser(environment: ["HOME": "/home/me", "PATH": "/nowhere"]).unitPath
                == "/home/me/.config/systemd/user/oauthtop.service")
        #expect(
            SystemdUser(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "/cfg", "PATH": "/nowhere"]).unitPath
                == "/cfg/systemd/user/oauthtop.service")
        #expect(SystemdUser(environment: ["PATH": "/nowhere"]).unavailable() == "no systemctl on PATH")
    }
}
