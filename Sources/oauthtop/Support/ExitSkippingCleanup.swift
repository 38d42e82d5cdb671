import Foundation

/// Ends a command whose answer is printed: closing the store would checkpoint its write-ahead log (two fsyncs)
/// for nothing, since the next writer checkpoints anyway. Committed data is durable either way.
func exitSkippingCleanup() -> Never {
    fflush(nil)
    Foundation.exit(0)
}
