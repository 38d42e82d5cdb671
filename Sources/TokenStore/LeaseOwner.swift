import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a refresh lease, as the others are told: `pid-<pid>-<tag>`. Written into the lease's lock file
/// (`LeaseLocks`), so that a process finding a server's refresh taken can say which process is refreshing it.
public enum LeaseOwner {
    /// The owner string of this process, with `tag` (unique per engine) after the pid.
    public static func current(tag: String = String(UUID().uuidString.prefix(8))) -> String {
        "pid-\(getpid())-\(tag)"
    }
}
