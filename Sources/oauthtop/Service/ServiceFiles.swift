import Foundation

/// The absolute paths a unit names: this binary, the config file and the state folder (from the options).
struct ServiceFiles {
    var binary: String
    var config: String
    var stateDirectory: String

    /// Also checks that the config parses: a unit over a broken config would only restart and fail.
    init(_ options: GlobalOptions) throws {
        let paths = Paths(options)
        binary = Self.currentExecutable()
        config = Self.absolute(paths.config)
        stateDirectory = Self.absolute(paths.stateDirectory)
        do {
            _ = try ConfigLoader(path: config).load()
        } catch {
            throw fail(.usage, error.description)
        }
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? absolute(CommandLine.arguments[0])
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
