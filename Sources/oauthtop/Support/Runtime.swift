import ArgumentParser
import AtRest
import Foundation
import Logging
import Metrics
import OAuth
import RefreshEngine
import SignIn
import Telemetry
import TokenStore

/// What every command starts from: the checked config, the opened store and the JSON-lines log.
struct Runtime {
    let paths: Paths
    let config: Config
    let store: SQLiteTokenStore
    /// Where the key that seals the store's tokens lives (`oauthtop doctor` prints its description).
    let protection: Protection
    let logger: Logger

    /// Loads the config (a mistake ends the process with exit 2 and one message), opens the store and the log.
    /// `ephemeralKey`: the store's key lives in this process only (the demo, whose state folder is removed at exit,
    /// leaves no item in the keyring and no key file behind).
    static func open(_ options: GlobalOptions, ephemeralKey: Bool = false) throws -> Runtime {
        let paths = Paths(options)
        let config: Config
        do {
            config = try ConfigLoader(path: paths.config).load()
        } catch {
            throw fail(.usage, error.description)
        }
        let (store, protection): (SQLiteTokenStore, Protection)
        do {
            (store, protection) = try openStore(paths, ephemeralKey: ephemeralKey)
        } catch {
            throw fail(.usage, "\(error)")
        }
        for file in store.exposedFiles { warnExposed(file) }
        return Runtime(paths: paths, config: config, store: store, protection: protection, logger: makeLogger(paths))
    }

    /// Said once: the next run finds the file 0600.
    static func warnExposed(_ file: String) {
        printError(
            "\(file) was readable by other users; it is 0600 now. What it held may have been read: sign in again "
                + "where that matters (oauthtop logout NAME, then oauthtop login NAME)")
    }

    /// Opens the store with its tokens sealed under the state folder's key (`StoreKey`: the desktop keyring, else
    /// a 0600 key file), found while the store holds its opening lock.
    static func openStore(_ paths: Paths, ephemeralKey: Bool = false) throws -> (SQLiteTokenStore, Protection) {
        if ephemeralKey {
            let cipher = StoreCipher.ephemeral()
            return (try SQLiteTokenStore(path: paths.store, sealing: cipher), cipher.protection)
        }
        var cipher: StoreCipher?
        let store = try SQLiteTokenStore(path: paths.store) { recorded in
            let found = try StoreKey.resolve(stateFolder: paths.stateDirectory, recorded: recorded)
            cipher = found
            return found
        }
        guard let cipher else { preconditionFailure("SQLiteTokenStore asks for its key while it opens") }
        return (store, cipher.protection)
    }

    /// The named server, or exit 2 naming the config file.
    func server(_ name: String) throws -> ServerConfig {
        guard let server = config.server(named: name) else {
            let known = config.servers.map(\.name).joined(separator: ", ")
            throw fail(
                .usage,
                "no server named '\(name)' in \(config.path)"
                    + (known.isEmpty ? "" : " (servers: \(known))"))
        }
        return server
    }

    /// An engine over the store. `signIn` enables `login` and revocation at `logout`; `probes` turns on the
    /// connection probe (every `OAUTHTOP_PROBE_INTERVAL` seconds, default 300, and after every refresh).
    func engine(
        _ definitions: [ServerDefinition]? = nil, metrics: (any MetricsFactory)? = nil,
        signIn: (any SignInService)? = nil, probes: Bool = false
    ) -> RefreshEngine {
        var policy = config.refresh
        // Test knobs (docs/testing.md): compress the 5-minute probe interval and the 1-minute rejection window.
        if let interval = Self.seconds(environment: "OAUTHTOP_PROBE_INTERVAL") { policy.probeInterval = interval }
        if let window = Self.seconds(environment: "OAUTHTOP_REJECTION_WINDOW") { policy.rejectionWindow = window }
        return RefreshEngine(
            servers: definitions ?? config.definitions, store: store,
            refresher: TokenClient(timeout: config.refresh.requestTimeout), signIn: signIn,
            prober: probes ? ConnectionProbe(timeout: min(config.refresh.requestTimeout, 10)) : nil, policy: policy,
            logger: logger, metricsFactory: metrics)
    }

    /// The browser sign-in over this config and store. It waits `OAUTHTOP_LOGIN_TIMEOUT` seconds for the browser
    /// (default 300; meant for tests).
    func browserSignIn(browser: BrowserSignIn.Browser, say: @escaping @Sendable (String) -> Void) -> BrowserSignIn {
        BrowserSignIn(
            servers: Dictionary(
                config.servers.map { ($0.name, $0.signInSettings) }, uniquingKeysWith: { first, _ in first }),
            records: store, browser: browser,
            timeout: Self.seconds(environment: "OAUTHTOP_LOGIN_TIMEOUT") ?? BrowserSignIn.defaultTimeout,
            requestTimeout: config.refresh.requestTimeout, say: say)
    }

    /// The environment knobs' range (docs/testing.md): more than 0 and at most a day.
    static let knobRange: ClosedRange<TimeInterval> = 0.001...86_400

    /// A number of seconds from the environment within `knobRange`, else `nil`; a value that is set but is not such
    /// a number (`inf`, `nan`, `1e300`, `-1`) is ignored with one line on stderr naming the variable and the range.
    static func seconds(environment name: String) -> TimeInterval? {
        guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
        guard let value = Double(text), value.isFinite, knobRange.contains(value) else {
            printError(
                "\(name)=\(TerminalText.safe(String(text.prefix(40)))) ignored: it must be a number of seconds from "
                    + "\(knobRange.lowerBound) to \(Int(knobRange.upperBound)); using the default")
            return nil
        }
        return value
    }

    private static func makeLogger(_ paths: Paths) -> Logger {
        do {
            // The store has created the state folder (0700) already.
            let file = try LogFile(path: paths.log)
            if file.wasExposed { warnExposed(paths.log) }
            return Logger(label: "oauthtop", factory: { JSONLinesLogHandler(label: $0, file: file) })
        } catch {
            printError("\(error); logging is off for this run")
            return Logger(label: "oauthtop", factory: { _ in SwiftLogNoOpLogHandler() })
        }
    }
}
