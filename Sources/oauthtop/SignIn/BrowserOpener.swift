import Foundation

/// Opens the authorization URL in the user's browser: `$BROWSER` (the first of its `:`-separated commands; `%s`
/// stands for the URL, else the URL is the last argument), else `xdg-open`. The URL reaches the command as a
/// positional argument of `/bin/sh`, never spliced into shell text, and the command's output goes to /dev/null so
/// it cannot disturb the terminal.
struct BrowserOpener: Sendable {
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The command line that would be used (for messages), or `nil` when there is none.
    var command: String? {
        if let browser = environment["BROWSER"]?.split(separator: ":").first.map(String.init),
            !browser.trimmingCharacters(in: .whitespaces).isEmpty
        {
            return browser
        }
        return Self.onPath("xdg-open", environment: environment) != nil ? "xdg-open" : nil
    }

    /// Starts the browser and returns at once. False when no browser command exists or it could not be started.
    func open(_ url: URL) -> Bool {
        guard let command else { return false }
        let script = command.contains("%s") ? command.replacingOccurrences(of: "%s", with: "\"$1\"") : command + " \"$1\""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "oauthtop-browser", url.absoluteString]
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return false
        }
        return true
    }

    static func onPath(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
