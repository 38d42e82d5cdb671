import Foundation
import OAuth
import RefreshEngine

/// Reads and checks a config file. Every mistake becomes one `ConfigError` naming the file, server and key.
struct ConfigLoader {
    var path: String

    func load() throws(ConfigError) -> Config {
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail(
                "file not found; create it with an \"mcpServers\" object (see Resources/config.example.json), "
                    + "or pass --config")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw fail("cannot read the file: \(error.localizedDescription)")
        }
        return try parse(data)
    }

    func parse(_ data: Data) throws(ConfigError) -> Config {
        let top = try topLevelObject(data)
        let policy = try top["refresh"].map { value throws(ConfigError) in try parseRefresh(value) } ?? RefreshPolicy()
        let metricsListen = try parseMetrics(top["metrics"])
        var (servers, skipped) = try parseServers(try serverEntries(top["mcpServers"]))
        if top["client_metadata_url"] != nil {
            let shared = try secureURL(top["client_metadata_url"], server: nil, key: "client_metadata_url")
            for index in servers.indices where servers[index].oauth.clientMetadataURL == nil {
                servers[index].oauth.clientMetadataURL = shared
            }
        }
        var config = Config(
            path: path, servers: servers, skipped: skipped, refresh: policy, metricsListen: metricsListen)
        if let value = top["notifications"] {
            guard Self.isBool(value), let flag = value as? Bool else {
                throw fail(
                    "must be true or false (desktop notifications when a server needs a sign-in)",
                    key: "notifications")
            }
            config.notifications = flag
        }
        return config
    }

    private func topLevelObject(_ data: Data) throws(ConfigError) -> [String: Any] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw fail("not valid JSON (\(Self.jsonProblem(data, error: error)))")
        }
        guard let top = root as? [String: Any] else { throw fail("the top level must be a JSON object") }
        return top
    }

    private func parseMetrics(_ value: Any?) throws(ConfigError) -> String? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else { throw fail("must be an object", key: "metrics") }
        try rejectUnknown(object, known: ["listen"], prefix: "metrics.")
        guard let listen = object["listen"] else { return nil }
        guard let text = listen as? String, Self.isLoopbackListen(text) else {
            throw fail(
                "must be \"127.0.0.1:PORT\" (the metrics server listens on loopback only)", key: "metrics.listen")
        }
        return text
    }

    /// `mcpServers` as (name, entry) pairs: an object keyed by name (Claude Desktop, Cursor) or an array of objects
    /// with `name` (mcpproxy).
    private func serverEntries(_ servers: Any?) throws(ConfigError) -> [(name: String, body: Any)] {
        guard let servers else {
            throw fail("missing; add \"mcpServers\": { \"name\": { \"url\": \"https://…\" } }", key: "mcpServers")
        }
        if let object = servers as? [String: Any] {
            return object.keys.sorted().map { ($0, object[$0]!) }
        }
        guard let array = servers as? [Any] else {
            throw fail(
                "must be an object keyed by server name, or an array of objects with \"name\"", key: "mcpServers")
        }
        var entries: [(name: String, body: Any)] = []
        for (index, element) in array.enumerated() {
            guard let body = element as? [String: Any] else {
                throw fail("must be an object with \"name\" and \"url\"", key: "mcpServers[\(index)]")
            }
            guard let name = body["name"] as? String, !name.isEmpty else {
                throw fail("needs a \"name\" (a non-empty string)", key: "mcpServers[\(index)].name")
            }
            entries.append((name, body))
        }
        return entries
    }

    /// Entries without `url` (stdio servers) are skipped, not errors.
    private func parseServers(
        _ entries: [(name: String, body: Any)]
    ) throws(ConfigError) -> (servers: [ServerConfig], skipped: [String]) {
        var parsed: [ServerConfig] = []
        var skipped: [String] = []
        var seen = Set<String>()
        for (name, body) in entries {
            guard seen.insert(name).inserted else {
                throw fail("appears twice; server names must be unique", server: name)
            }
            try checkName(name)
            guard let object = body as? [String: Any] else { throw fail("must be an object", server: name) }
            guard object["url"] != nil else {
                skipped.append(name)
                continue
            }
            parsed.append(try parseServer(name, object))
        }
        return (parsed, skipped)
    }

    // MARK: Sections

    private func parseServer(_ name: String, _ object: [String: Any]) throws(ConfigError) -> ServerConfig {
        let url = try secureURL(object["url"], server: name, key: "url")
        var enabled = true
        if let value = object["enabled"] {
            guard Self.isBool(value), let flag = value as? Bool else {
                throw fail("must be true or false", server: name, key: "enabled")
            }
            enabled = flag
        }
        if let value = object["disabled"] as? Bool, value { enabled = false }
        var oauth = OAuthSettings()
        if let block = object["oauth"] {
            guard let settings = block as? [String: Any] else {
                throw fail("must be an object", server: name, key: "oauth")
            }
            oauth = try parseOAuth(settings, server: name)
        }
        return ServerConfig(name: name, url: url.absoluteString, enabled: enabled, oauth: oauth)
    }

    private func parseOAuth(_ object: [String: Any], server: String) throws(ConfigError) -> OAuthSettings {
        let known = [
            "client_id", "client_secret", "scopes", "authorization_endpoint", "token_endpoint",
            "registration_endpoint", "resource", "redirect_port", "extra_params", "token_endpoint_auth_method",
            "registration_metadata", "client_metadata_url",
        ]
        try rejectUnknown(object, known: Set(known), prefix: "oauth.", server: server)
        var settings = OAuthSettings()
        settings.clientID = try string(object["client_id"], server: server, key: "oauth.client_id")
        settings.clientSecret = try string(object["client_secret"], server: server, key: "oauth.client_secret")
        if settings.clientSecret != nil && settings.clientID == nil {
            throw fail("a client_secret needs a client_id", server: server, key: "oauth.client_id")
        }
        if let scopes = object["scopes"] {
            if let list = scopes as? [String] {
                settings.scopes = list
            } else if let text = scopes as? String {
                settings.scopes = text.split(separator: " ").map(String.init)
            } else {
                throw fail("must be an array of strings", server: server, key: "oauth.scopes")
            }
        }
        for (key, path) in [
            ("authorization_endpoint", \OAuthSettings.authorizationEndpoint),
            ("token_endpoint", \OAuthSettings.tokenEndpoint),
            ("registration_endpoint", \OAuthSettings.registrationEndpoint),
        ] where object[key] != nil {
            settings[keyPath: path] = try secureURL(object[key], server: server, key: "oauth.\(key)")
        }
        if let resource = object["resource"] {
            settings.resource = try httpURL(resource, server: server, key: "oauth.resource").absoluteString
        }
        if let port = object["redirect_port"] {
            guard let number = port as? Int, !Self.isBool(port), (1...65535).contains(number) else {
                throw fail("must be a port number from 1 to 65535", server: server, key: "oauth.redirect_port")
            }
            settings.redirectPort = number
        }
        if let extra = object["extra_params"] {
            guard let dictionary = extra as? [String: String] else {
                throw fail("must be an object of strings", server: server, key: "oauth.extra_params")
            }
            settings.extraParams = dictionary
        }
        if object["client_metadata_url"] != nil {
            settings.clientMetadataURL = try secureURL(
                object["client_metadata_url"], server: server, key: "oauth.client_metadata_url")
        }
        if let metadata = object["registration_metadata"] {
            guard let fields = metadata as? [String: Any], JSONSerialization.isValidJSONObject(fields),
                let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            else {
                throw fail(
                    "must be an object (fields merged into the dynamic client registration request)", server: server,
                    key: "oauth.registration_metadata")
            }
            if fields["redirect_uris"] != nil {
                throw fail(
                    "must not set redirect_uris (oauthtop registers the redirect URI it listens on)", server: server,
                    key: "oauth.registration_metadata")
            }
            settings.registrationMetadata = data
        }
        if let method = try string(
            object["token_endpoint_auth_method"], server: server, key: "oauth.token_endpoint_auth_method")
        {
            guard ["none", "client_secret_post", "client_secret_basic"].contains(method) else {
                throw fail(
                    "must be none, client_secret_post or client_secret_basic (got \"\(method)\")", server: server,
                    key: "oauth.token_endpoint_auth_method")
            }
            if method != "none" && settings.clientSecret == nil {
                throw fail(
                    "\(method) needs oauth.client_secret", server: server, key: "oauth.token_endpoint_auth_method")
            }
            settings.tokenEndpointAuthMethod = method
        }
        return settings
    }

    private func parseRefresh(_ value: Any) throws(ConfigError) -> RefreshPolicy {
        guard let object = value as? [String: Any] else { throw fail("must be an object", key: "refresh") }
        let keys: [(String, WritableKeyPath<RefreshPolicy, Double>)] = [
            ("threshold", \.threshold), ("min_buffer", \.minBuffer), ("jitter", \.jitter),
            ("retry_backoff_base", \.retryBackoffBase), ("max_retry_backoff", \.maxRetryBackoff),
            ("min_attempt_interval", \.minAttemptInterval), ("expiry_warning", \.expiryWarning),
            ("request_timeout", \.requestTimeout),
        ]
        try rejectUnknown(object, known: Set(keys.map(\.0) + ["max_parallel"]), prefix: "refresh.")
        var policy = RefreshPolicy()
        for (key, path) in keys {
            guard let raw = object[key] else { continue }
            guard let number = raw as? NSNumber, !Self.isBool(raw), number.doubleValue.isFinite else {
                throw fail("must be a number (seconds, fractions allowed)", key: "refresh.\(key)")
            }
            policy[keyPath: path] = number.doubleValue
        }
        if let raw = object["max_parallel"] {
            guard let number = raw as? NSNumber, !Self.isBool(raw), number.doubleValue == number.doubleValue.rounded()
            else {
                throw fail("must be a whole number", key: "refresh.max_parallel")
            }
            policy.maxParallel = number.intValue
        }
        do {
            try policy.validate()
        } catch {
            throw fail(error.problem, key: "refresh.\(error.key)")
        }
        return policy
    }

    // MARK: Values

    private func httpURL(_ value: Any?, server: String?, key: String) throws(ConfigError) -> URL {
        guard let text = value as? String else {
            throw fail("must be a string holding an http(s) URL", server: server, key: key)
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw fail("must be an absolute http(s) URL (got \"\(text)\")", server: server, key: key)
        }
        return url
    }

    /// An http(s) URL that tokens may be sent to: https, or http on a loopback host (`SecureTransport`).
    private func secureURL(_ value: Any?, server: String?, key: String) throws(ConfigError) -> URL {
        let url = try httpURL(value, server: server, key: key)
        guard SecureTransport.allows(url) else {
            throw fail(
                "must be an https URL (got \"\(url.absoluteString)\"); oauthtop sends tokens only over https, and "
                    + "plain http only to a loopback host (localhost, 127.0.0.1, ::1)", server: server, key: key)
        }
        return url
    }

    private func string(_ value: Any?, server: String, key: String) throws(ConfigError) -> String? {
        guard let value else { return nil }
        guard let text = value as? String, !text.isEmpty else {
            throw fail("must be a non-empty string", server: server, key: key)
        }
        return text
    }

    private func checkName(_ name: String) throws(ConfigError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.@"))
        guard !name.isEmpty, name.count <= 100, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw fail("server names may use letters, digits and - _ . @ (at most 100 characters)", server: name)
        }
    }

    private func rejectUnknown(
        _ object: [String: Any], known: Set<String>, prefix: String, server: String? = nil
    ) throws(ConfigError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(
                "unknown key; known keys are \(known.sorted().joined(separator: ", "))", server: server,
                key: prefix + unknown)
        }
    }

    private func fail(_ problem: String, server: String? = nil, key: String? = nil) -> ConfigError {
        ConfigError(file: path, server: server, key: key, problem: problem)
    }

    // MARK: Helpers

    /// JSON booleans arrive as NSNumber on Linux; tell them apart from numbers.
    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func isLoopbackListen(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && (parts[0] == "127.0.0.1" || parts[0] == "localhost") && UInt16(parts[1]) != nil
    }

    /// "line 3, column 14", from the character offset Foundation reports.
    static func jsonProblem(_ data: Data, error: any Error) -> String {
        guard let text = String(data: data, encoding: .utf8) else { return "the file is not UTF-8 text" }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the file is empty" }
        let debug = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? ""
        guard let range = debug.range(of: #"character (\d+)"#, options: .regularExpression),
            let offset = Int(debug[range].split(separator: " ").last ?? "")
        else { return debug.isEmpty ? "unreadable" : debug }
        var line = 1, column = 1
        for (index, character) in text.utf8.enumerated() {
            if index >= offset { break }
            if character == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return "line \(line), column \(column)"
    }
}
