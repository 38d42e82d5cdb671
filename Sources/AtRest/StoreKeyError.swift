import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why the store's key could not be had. One line each, naming the state folder or file and what to do; never the
/// key.
public enum StoreKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store's key is in the keyring, which cannot be reached from here.
    case keyringUnreachable(stateFolder: String, reason: String)
    /// The store's key is in the keyring, which answered that it has no key for this folder.
    case keyringKeyMissing(stateFolder: String)
    /// The store's key is in the key file, which is gone.
    case keyFileMissing(path: String)
    case keyFileUnsafe(path: String, reason: String)
    case keyFileMalformed(path: String)
    case keyFile(path: String, operation: String, errno: Int32)
    /// The store records a key source this oauthtop does not know (a newer one wrote it).
    case unknownSource(stateFolder: String, source: String)

    static let moveAway = "or move the store away (every server then needs to sign in again)"

    public var description: String {
        switch self {
        case .keyringUnreachable(let folder, let reason):
            "the token store in \(folder) is encrypted under a key in the desktop keyring, which is not reachable "
                + "here (\(reason)); unlock the keyring or run where it is reachable (a desktop session, or "
                + "DBUS_SESSION_BUS_ADDRESS set), \(Self.moveAway)"
        case .keyringKeyMissing(let folder):
            "the token store in \(folder) is encrypted under a key in the desktop keyring, but the keyring has no "
                + "key for this folder (attribute state_dir=\(folder)); restore it, \(Self.moveAway)"
        case .keyFileMissing(let path):
            "the token store's key file \(path) is missing, so its tokens cannot be read; put it back, "
                + Self.moveAway
        case .keyFileUnsafe(let path, let reason):
            "the token store's key file \(path) is not private (\(reason)); oauthtop does not use it. Check who "
                + "changed it; if it is yours, chmod 600 it"
        case .keyFileMalformed(let path):
            "the token store's key file \(path) does not hold a key (base64 of 32 bytes); put the original back, "
                + Self.moveAway
        case .keyFile(let path, let operation, let code):
            "cannot \(operation) the token store's key file \(path): \(String(cString: strerror(code)))"
        case .unknownSource(let folder, let source):
            "the token store in \(folder) keeps its key in '\(source)', which this oauthtop does not know; "
                + "upgrade oauthtop"
        }
    }
}
