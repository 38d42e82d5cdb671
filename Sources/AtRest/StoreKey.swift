import Foundation

/// Finds (or makes) the key the token store of a state folder is sealed under.
///
/// Where it looks, given where the store says its key lives (`recorded`, `SecretSealing.keySource`):
///
/// | recorded | key |
/// | --- | --- |
/// | keyring | the keyring's item for this folder; unreachable or missing: an error, never a new key |
/// | key file | `store.key`; missing or unsafe: an error, never a new key |
/// | nothing (a new store, or one from before encryption) | an existing `store.key`; else the keyring's item, made when missing; else a new `store.key` |
///
/// `OAUTHTOP_KEYRING=off` in the environment keeps the keyring out of it (headless machines, tests): a store whose
/// key is in the keyring then fails to open, with a message that says so.
///
/// Call it where no other oauthtop process can make a key for the same folder at the same moment:
/// `SQLiteTokenStore.init(path:sealingFor:)` calls its closure under the folder's opening lock. A key it makes is
/// persisted (keyring item stored and read back, or key file fsynced) before it returns.
public enum StoreKey {
    /// The environment variable that keeps the keyring out (`off`).
    public static let keyringVariable = "OAUTHTOP_KEYRING"

    public static func resolve(
        stateFolder: String, recorded: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(StoreKeyError) -> StoreCipher {
        let folder = absolute(stateFolder)
        let keyFile = folder + "/" + KeyFile.name
        let keyringOff = environment[keyringVariable]?.lowercased() == "off"
        switch recorded {
        case Protection.keyringSource?:
            if keyringOff {
                throw .keyringUnreachable(stateFolder: folder, reason: "\(keyringVariable)=off")
            }
            do {
                try SecretService.sessionBus(environment)
                guard let exported = try SecretService.lookup(stateFolder: folder) else {
                    throw StoreKeyError.keyringKeyMissing(stateFolder: folder)
                }
                return try keyringCipher(exported, folder: folder)
            } catch let unreachable as SecretService.Unreachable {
                throw .keyringUnreachable(stateFolder: folder, reason: unreachable.reason)
            } catch let error as StoreKeyError {
                throw error
            } catch {
                throw .keyringUnreachable(stateFolder: folder, reason: "\(type(of: error))")
            }
        case Protection.keyFileSource?:
            guard let cipher = try KeyFile.read(keyFile) else { throw .keyFileMissing(path: keyFile) }
            return cipher
        case nil:
            if let cipher = try KeyFile.read(keyFile) { return cipher }
            if !keyringOff, let cipher = try? keyringCipher(creatingIn: folder, environment: environment) {
                return cipher
            }
            return try KeyFile.create(keyFile)
        case let other?:
            throw .unknownSource(stateFolder: folder, source: other)
        }
    }

    /// The keyring's key for `folder`, made and stored when it has none; `nil` (thrown) when the keyring cannot be
    /// used: the caller falls back to the key file.
    private static func keyringCipher(creatingIn folder: String, environment: [String: String]) throws -> StoreCipher {
        try SecretService.sessionBus(environment)
        if let exported = try SecretService.lookup(stateFolder: folder) {
            return try keyringCipher(exported, folder: folder)
        }
        let made = StoreCipher.generated(protection: .keyring(stateFolder: folder))
        try SecretService.store(stateFolder: folder, secret: made.exportedKey)
        // Read back: an item stored into a collection the lookup does not search would be a key lost at once.
        guard let stored = try SecretService.lookup(stateFolder: folder), stored == made.exportedKey else {
            throw SecretService.Unreachable(reason: "the key stored in the keyring did not read back")
        }
        return made
    }

    private static func keyringCipher(_ exported: String, folder: String) throws(StoreKeyError) -> StoreCipher {
        guard let cipher = StoreCipher(exportedKey: exported, protection: .keyring(stateFolder: folder)) else {
            throw .keyringUnreachable(stateFolder: folder, reason: "its item for this folder does not hold a key")
        }
        return cipher
    }

    /// The folder as an absolute path without symbolic links (the keyring item's `state_dir`), so that every way
    /// of naming the folder finds the same key. The folder exists: the store made it.
    static func absolute(_ folder: String) -> String {
        var path = folder
        if !path.hasPrefix("/") { path = FileManager.default.currentDirectoryPath + "/" + path }
        guard let resolved = realpath(path, nil) else { return (path as NSString).standardizingPath }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension StoreKey {
    /// Whether the desktop keyring can hold the key of `stateFolder` here, for `oauthtop doctor`; looks, never
    /// writes.
    public static func keyringStatus(
        stateFolder: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> KeyringStatus {
        if environment[keyringVariable]?.lowercased() == "off" { return .off }
        do {
            try SecretService.sessionBus(environment)
            return .reachable(hasKey: try SecretService.lookup(stateFolder: absolute(stateFolder)) != nil)
        } catch {
            return .unreachable(reason: error.reason)
        }
    }
}

/// What `StoreKey.keyringStatus` found.
public enum KeyringStatus: Sendable, Equatable, CustomStringConvertible {
    /// The keyring answered; `hasKey`: it holds a key for the state folder.
    case reachable(hasKey: Bool)
    /// `OAUTHTOP_KEYRING=off`.
    case off
    case unreachable(reason: String)

    public var description: String {
        switch self {
        case .reachable(let hasKey):
            "the desktop keyring answers" + (hasKey ? " and holds this state folder's key" : "")
        case .off: "the desktop keyring is not used (OAUTHTOP_KEYRING=off)"
        case .unreachable(let reason): "the desktop keyring is not reachable: \(reason)"
        }
    }
}
