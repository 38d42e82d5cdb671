import Foundation

/// The systemd user unit that `oauthtop service install` writes: `Resources/systemd/oauthtop.service`, embedded
/// so that an installed binary needs no source tree (`ServiceUnitTests` checks that the two are equal byte for
/// byte; after editing the resource, paste it here). `@BINARY@`, `@CONFIG@` and `@STATE_DIR@` are placeholders.
enum ServiceUnit {
    static let name = "oauthtop.service"

    static let template = #"""
        # oauthtop: keeps the OAuth sessions of your MCP servers alive (systemd user unit).
        # Written by `oauthtop service install`; remove it with `oauthtop service uninstall`.
        # The binary, config and state paths below were filled in at install time (docs/service.md).
        [Unit]
        Description=oauthtop: keep the OAuth sessions of MCP servers alive
        # At most 5 starts in 5 minutes.
        StartLimitIntervalSec=300
        StartLimitBurst=5

        [Service]
        Type=exec
        ExecStart="@BINARY@" serve --config "@CONFIG@" --state-dir "@STATE_DIR@"
        Restart=on-failure
        # Exit 2 is a config error: restarting would not help (fix the file, then `systemctl --user restart oauthtop`).
        RestartPreventExitStatus=2
        RestartSec=10s
        TimeoutStopSec=45s

        # Hardening a user unit can apply (docs/service.md says what a user unit cannot restrict).
        UMask=0077
        NoNewPrivileges=yes
        # Sockets: local ones (D-Bus for notifications) and IPv4/IPv6 to the providers; no raw, packet or netlink sockets.
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        # Link-local (cloud metadata services) and multicast: nothing in a config needs them. Enforced only where the
        # manager can attach cgroup BPF filters.
        IPAddressDeny=link-local multicast
        LockPersonality=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        RestrictNamespaces=yes
        SystemCallArchitectures=native

        [Install]
        WantedBy=default.target

        """#

    /// The unit for this binary, config and state folder (absolute paths). Each path is quoted as systemd reads
    /// `ExecStart=`: `\\` and `"` escaped, `%` (specifiers) and `$` (variables) doubled.
    static func render(binary: String, config: String, stateDirectory: String) throws(ServiceError) -> String {
        for (what, path) in [("binary", binary), ("config file", config), ("state folder", stateDirectory)] {
            guard path.hasPrefix("/"), !path.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw ServiceError(
                    "the \(what) path \(path.debugDescription) cannot go into a unit file (absolute, one line)")
            }
        }
        return template.replacingOccurrences(of: "@BINARY@", with: quoted(binary))
            .replacingOccurrences(of: "@CONFIG@", with: quoted(config))
            .replacingOccurrences(of: "@STATE_DIR@", with: quoted(stateDirectory))
    }

    /// The inside of a double-quoted `ExecStart=` word.
    static func quoted(_ path: String) -> String {
        var text = ""
        for character in path {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "%": text += "%%"
            case "$": text += "$$"
            default: text.append(character)
            }
        }
        return text
    }
}

/// A service command that cannot go on; the message says what to do.
struct ServiceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
