/// Where the key that seals the store lives: what `oauthtop doctor` reports.
public enum Protection: Sendable, Equatable, CustomStringConvertible {
    /// An item of the desktop keyring (Secret Service), schema `org.oauthtop.StoreKey`, attribute `state_dir`.
    case keyring(stateFolder: String)
    /// A 0600 file in the state folder.
    case keyFile(path: String)
    /// A random key in this process's memory only (the demo, whose store is removed at exit; tests; benchmarks).
    case ephemeral

    /// The word the store records (`SecretSealing.keySource`) and `StoreKey.resolve` reads back.
    public var keySource: String {
        switch self {
        case .keyring: Self.keyringSource
        case .keyFile: Self.keyFileSource
        case .ephemeral: "memory"
        }
    }

    static let keyringSource = "keyring"
    static let keyFileSource = "key file"

    public var description: String {
        switch self {
        case .keyring:
            "tokens encrypted; key in the desktop keyring (Secret Service)"
        case .keyFile(let path):
            "tokens encrypted; key in \(path) (0600): protects against copies of the database and backups of it "
                + "alone, not against a process running as you"
        case .ephemeral:
            "tokens encrypted; key in memory only, gone when the process ends (the demo, tests, benchmarks)"
        }
    }
}
