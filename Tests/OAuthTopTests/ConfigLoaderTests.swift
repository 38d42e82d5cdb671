import Foundation
import RefreshEngine
import Testing

@testable import oauthtop

@Suite struct ConfigLoaderTests {
    static let file = "/home/me/.config/oauthtop/config.json"

    func load(_ json: String) throws(ConfigError) -> Config {
        try ConfigLoader(path: Self.file).parse(Data(json.utf8))
    }

    @Test func objectFormAsClaudeDesktopAndCursorWriteIt() throws {
        let config = try load(
            """
            {"mcpServers": {
              "jira": {"url": "https://mcp.atlassian.com/v1/sse"},
              "sentry": {"url": "https://mcp.sentry.dev/mcp", "enabled": false,
                         "oauth": {"client_id": "abc", "token_endpoint": "https://sentry.io/oauth/token/", "scopes": ["org:read"]}},
              "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}
            }, "globalShortcut": "Ctrl+Space"}
            """)
        #expect(config.servers.map(\.name) == ["jira", "sentry"])
        #expect(config.skipped == ["files"])
        let sentry = try #require(config.server(named: "sentry"))
        #expect(sentry.enabled == false)
        #expect(sentry.oauth.scopes == ["org:read"])
        #expect(sentry.definition.client?.clientID == "abc")
        #expect(sentry.definition.client?.authMethod == "none")
        #expect(sentry.definition.client?.resource == "https://mcp.sentry.dev/mcp")
        #expect(config.refresh == RefreshPolicy())
    }

    @Test func arrayFormAsMcpproxyWritesIt() throws {
        let config = try load(
            """
            {"mcpServers": [{"name": "linear", "url": "https://mcp.linear.app/sse", "oauth": {"redirect_port": 8765}}],
             "refresh": {"threshold": 0.5, "min_attempt_interval": 0.5, "max_parallel": 2},
             "metrics": {"listen": "127.0.0.1:9464"}}
            """)
        #expect(config.servers.map(\.name) == ["linear"])
        #expect(config.servers[0].oauth.redirectPort == 8765)
        #expect(config.refresh.threshold == 0.5)
        #expect(config.refresh.minAttemptInterval == 0.5)
        #expect(config.refresh.maxParallel == 2)
        #expect(config.metricsListen == "127.0.0.1:9464")
    }

    /// Ten kinds of mistakes: each one message naming the file, the server and the key.
    static let mistakes: [(json: String, message: String)] = [
        ("{\n \"mcpServers\": x\n}", "\(file): not valid JSON (line 2, column 16)"),
        (
            "{\"mcpServers\": {\"a\": {\"url\": \"https://x\"}",
            "\(file): not valid JSON (Unexpected end of file during JSON parse.)"
        ),
        ("[1, 2]", "\(file): the top level must be a JSON object"),
        (
            "{\"servers\": {}}",
            "\(file): key 'mcpServers': missing; add \"mcpServers\": { \"name\": { \"url\": \"https://…\" } }"
        ),
        (
            "{\"mcpServers\": \"jira\"}",
            "\(file): key 'mcpServers': must be an object keyed by server name, or an array of objects with \"name\""
        ),
        (
            "{\"mcpServers\": [{\"url\": \"https://x\"}]}",
            "\(file): key 'mcpServers[0].name': needs a \"name\" (a non-empty string)"
        ),
        (
            "{\"mcpServers\": [{\"name\": \"a\", \"url\": \"https://x\"}, {\"name\": \"a\", \"url\": \"https://y\"}]}",
            "\(file): server 'a': appears twice; server names must be unique"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"mcp.atlassian.com\"}}}",
            "\(file): server 'jira': key 'url': must be an absolute http(s) URL (got \"mcp.atlassian.com\")"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"enabled\": \"yes\"}}}",
            "\(file): server 'jira': key 'enabled': must be true or false"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"redirect_port\": 70000}}}}",
            "\(file): server 'jira': key 'oauth.redirect_port': must be a port number from 1 to 65535"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"client_secret\": \"s\"}}}}",
            "\(file): server 'jira': key 'oauth.client_id': a client_secret needs a client_id"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"clientId\": \"c\"}}}}",
            "\(file): server 'jira': key 'oauth.clientId': unknown key; known keys are authorization_endpoint, client_id, client_metadata_url, client_secret, extra_params, redirect_port, registration_endpoint, registration_metadata, resource, scopes, token_endpoint, token_endpoint_auth_method"
        ),
        (
            "{\"mcpServers\": {}, \"refresh\": {\"threshold\": 1.5}}",
            "\(file): key 'refresh.threshold': must be greater than 0 and less than 1 (got 1.5)"
        ),
        (
            "{\"mcpServers\": {}, \"refresh\": {\"min_buffer\": \"5m\"}}",
            "\(file): key 'refresh.min_buffer': must be a number (seconds, fractions allowed)"
        ),
        (
            "{\"mcpServers\": {}, \"refresh\": {\"treshold\": 0.5}}",
            "\(file): key 'refresh.treshold': unknown key; known keys are expiry_warning, jitter, max_parallel, max_retry_backoff, min_attempt_interval, min_buffer, request_timeout, retry_backoff_base, threshold"
        ),
        (
            "{\"mcpServers\": {}, \"metrics\": {\"listen\": \"0.0.0.0:9464\"}}",
            "\(file): key 'metrics.listen': must be \"127.0.0.1:PORT\" (the metrics server listens on loopback only)"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"http://mcp.example.com/mcp\"}}}",
            "\(file): server 'jira': key 'url': must be an https URL (got \"http://mcp.example.com/mcp\"); oauthtop sends tokens only over https, and plain http only to a loopback host (localhost, 127.0.0.1, ::1)"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"token_endpoint\": \"http://10.0.0.5/token\"}}}}",
            "\(file): server 'jira': key 'oauth.token_endpoint': must be an https URL (got \"http://10.0.0.5/token\"); oauthtop sends tokens only over https, and plain http only to a loopback host (localhost, 127.0.0.1, ::1)"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"registration_metadata\": [1]}}}}",
            "\(file): server 'jira': key 'oauth.registration_metadata': must be an object (fields merged into the dynamic client registration request)"
        ),
        (
            "{\"mcpServers\": {\"jira\": {\"url\": \"https://x\", \"oauth\": {\"registration_metadata\": {\"redirect_uris\": []}}}}}",
            "\(file): server 'jira': key 'oauth.registration_metadata': must not set redirect_uris (oauthtop registers the redirect URI it listens on)"
        ),
        (
            "{\"mcpServers\": {}, \"notifications\": \"off\"}",
            "\(file): key 'notifications': must be true or false (desktop notifications when a server needs a sign-in)"
        ),
        ("", "\(file): not valid JSON (the file is empty)"),
    ]

    @Test func notificationsAreOnUnlessTheConfigTurnsThemOff() throws {
        #expect(try load(#"{"mcpServers": {}}"#).notifications == true)
        #expect(try load(#"{"mcpServers": {}, "notifications": false}"#).notifications == false)
        #expect(try load(#"{"mcpServers": {}, "notifications": true}"#).notifications == true)
    }

    @Test func plainHTTPIsTakenOnALoopbackHostOnly() throws {
        let config = try load(
            #"{"mcpServers": {"a": {"url": "http://127.0.0.1:8080/mcp"}, "b": {"url": "http://localhost/mcp"}, "#
                + #""c": {"url": "http://[::1]:9/mcp", "oauth": {"token_endpoint": "http://127.0.0.2/t"}}}}"#)
        #expect(
            config.servers.map(\.url).sorted() == [
                "http://127.0.0.1:8080/mcp", "http://[::1]:9/mcp", "http://localhost/mcp",
            ])
    }

    @Test(arguments: mistakes)
    func mistakeNamesFileServerAndKey(json: String, message: String) {
        do {
            _ = try load(json)
            Issue.record("expected: \(message)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func missingFileSaysWhereItLooked() {
        let path = "/nonexistent/oauthtop/config.json"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader(path: path).load() }
        #expect(
            error
                == ConfigError(
                    file: path,
                    problem:
                        "file not found; create it with an \"mcpServers\" object (see Resources/config.example.json), or pass --config"
                ))
        #expect(error?.description.hasPrefix("\(path): file not found") == true)
    }

    @Test func pathsFollowXDGAndOverrides() throws {
        let defaults = Paths(try GlobalOptions.parse([]), environment: ["HOME": "/home/me"])
        #expect(defaults.config == "/home/me/.config/oauthtop/config.json")
        #expect(defaults.store == "/home/me/.local/state/oauthtop/oauthtop.sqlite")
        let xdg = Paths(
            try GlobalOptions.parse([]),
            environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "/cfg", "XDG_STATE_HOME": "/st"])
        #expect(xdg.config == "/cfg/oauthtop/config.json")
        #expect(xdg.log == "/st/oauthtop/oauthtop.log")
        let variables = Paths(
            try GlobalOptions.parse([]),
            environment: ["HOME": "/home/me", "OAUTHTOP_CONFIG": "/a.json", "OAUTHTOP_STATE_DIR": "/state"])
        #expect(variables.config == "/a.json" && variables.stateDirectory == "/state")
        let flags = Paths(
            try GlobalOptions.parse(["--config", "/b.json", "--state-dir", "/s2"]),
            environment: ["OAUTHTOP_CONFIG": "/a.json", "OAUTHTOP_STATE_DIR": "/state"])
        #expect(flags.config == "/b.json" && flags.stateDirectory == "/s2")
    }
}
