import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Exit codes of DESIGN.md section 4.
enum Exit: Int32 {
    case ok = 0
    /// Failed, but a later attempt may succeed.
    case retryable = 1
    /// Usage or configuration error.
    case usage = 2
    /// Sign-in required.
    case signIn = 3
}

/// Prints `oauthtop: <message>` to stderr and ends the command with `code`.
func fail(_ code: Exit, _ message: String) -> ExitCode {
    printError(message)
    return ExitCode(code.rawValue)
}

func printError(_ message: String) {
    var line = "oauthtop: " + TerminalText.safe(message) + "\n"
    line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
