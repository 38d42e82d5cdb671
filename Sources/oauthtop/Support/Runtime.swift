import ArgumentParser
import Foundation
import Logging
import Metrics
import OAuth
import RefreshEngine
import Telemetry
import TokenStore

/// What every command starts from: the checked config, the opened store and the JSON-lines log.
struct Runtime {
    let paths: Paths
    let config: Config
    let store: SQLiteTokenStore
    let logger: Logger

    /// Loads the config (a mistake ends the process with exit 2 and one message), opens the store and the log.
    static func open(_ options: GlobalOptions) throws -> Runtime {
        let paths = Paths(options)
        let config: Config
        do {
            config = try ConfigLoader(path: paths.config).load()
        } catch {
            throw fail(.usage, error.description)
        }
        let store: SQLiteTokenStore
        do {
            store = try SQLiteTokenStore(path: paths.store)
        } catch {
            throw fail(.usage, "\(error)")
        }
        return Runtime(paths: paths, config: config, store: store, logger: makeLogger(paths))
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

    func engine(_ definitions: [ServerDefinition]? = nil, metrics: (any MetricsFactory)? = nil) -> RefreshEngine {
        RefreshEngine(
            servers: definitions ?? config.definitions, store: store,
            refresher: TokenClient(timeout: config.refresh.requestTimeout), policy: config.refresh,
            logger: logger, metricsFactory: metrics)
    }

    private static func makeLogger(_ paths: Paths) -> Logger {
        do {
            // The store has created the state folder (0700) already.
            let file = try LogFile(path: paths.log)
            return Logger(label: "oauthtop", factory: { JSONLinesLogHandler(label: $0, file: file) })
        } catch {
            printError("\(error); logging is off for this run")
            return Logger(label: "oauthtop", factory: { _ in SwiftLogNoOpLogHandler() })
        }
    }
}
