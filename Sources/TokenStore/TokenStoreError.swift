import Foundation

/// Why the token store could not be opened or used. Every case names the file; none ever carries a token.
public enum TokenStoreError: Error, Sendable, Equatable {
    /// The file is not an SQLite database, or is damaged. It was left exactly as it was.
    case notADatabase(path: String)
    /// The file was written by a newer oauthtop: its schema has migrations this binary does not know. It was
    /// left exactly as it was.
    case newerSchema(path: String, unknownMigrations: [String])
    /// The folder or the file could not be created or made private (folder 0700, file 0600).
    case permissions(path: String, operation: String, errno: Int32)
    /// A state folder (or a file in it) that someone else owns or can write in.
    case unsafeFolder(path: String, reason: String)
    /// The database did not accept a setting the store depends on (WAL, synchronous=FULL).
    case setting(path: String, name: String, value: String)
    /// A sealed value of `column` (`table.column`) did not open: altered, or sealed under another key.
    case unreadableSecret(path: String, column: String)
    /// A secret could not be sealed (the sealer failed); nothing was written.
    case sealingFailed(path: String, column: String)
    /// The store's check value does not open under the key this process found: the key was replaced or lost.
    /// `recordedSource` is where the store says its key lives, `currentSource` where this process found one.
    case keyMismatch(path: String, recordedSource: String, currentSource: String)
    /// SQLite refused an operation. `code` is the extended result code, `nil` for a failure outside SQLite.
    case database(path: String, code: Int32?, message: String)
}

extension TokenStoreError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .notADatabase(let path):
            "token store \(path) is not an SQLite database or is damaged; oauthtop left it untouched. "
                + "Move it aside to start a new store (every server will need to sign in again)"
        case .newerSchema(let path, let unknown):
            "token store \(path) was written by a newer version of oauthtop (unknown schema migrations: "
                + "\(unknown.joined(separator: ", "))); oauthtop left it untouched. Upgrade oauthtop to use it"
        case .permissions(let path, let operation, let code):
            "token store: cannot \(operation): \(path): \(String(cString: strerror(code)))"
        case .unsafeFolder(let path, let reason):
            "refusing to keep tokens in \(path): \(reason); use a folder of your own (--state-dir or "
                + "OAUTHTOP_STATE_DIR), or make this one yours alone (chown, chmod 700) after checking what is in it"
        case .setting(let path, let name, let value):
            "token store \(path): SQLite did not accept \(name) = \(value)"
        case .unreadableSecret(let path, let column):
            "token store \(path): a sealed value in \(column) does not open (altered, or sealed under another key); "
                + "move the store aside and sign in again"
        case .sealingFailed(let path, let column):
            "token store \(path): could not seal a value for \(column); nothing was written"
        case .keyMismatch(let path, let recorded, let current) where recorded == current:
            "token store \(path): the store's key does not match (the key in the \(recorded) is not the one its "
                + "tokens were sealed under). Put the original key back, or move the store away and sign in again"
        case .keyMismatch(let path, let recorded, let current):
            "token store \(path): its tokens were sealed under a key in the \(recorded), but this process has the "
                + "key in the \(current). Run where the \(recorded) is reachable, or move the store away and sign "
                + "in again"
        case .database(let path, let code, let message):
            "token store \(path): \(message)\(code.map { " (SQLite code \($0))" } ?? "")"
        }
    }

    public var errorDescription: String? { description }
}
