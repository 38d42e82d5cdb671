import AtRest
import Foundation

/// How the store's tokens are protected, and whether the desktop keyring answers. Opening the store is what
/// every oauthtop command does (it seals plaintext rows left by an older version); a store that does not exist
/// yet is not created here.
enum ProtectionCheck {
    static func run(_ paths: Paths) -> [Finding] {
        let keyring = StoreKey.keyringStatus(stateFolder: paths.stateDirectory)
        guard FileManager.default.fileExists(atPath: paths.store) else {
            return [
                .skip("store", "no store yet at \(paths.store) (the first sign-in or import creates it)"),
                keyringFinding(keyring, storeUsesKeyring: false),
            ]
        }
        do {
            let (_, protection) = try Runtime.openStore(paths)
            let usesKeyring = if case .keyring = protection { true } else { false }
            return [.ok("store", protection.description), keyringFinding(keyring, storeUsesKeyring: usesKeyring)]
        } catch {
            return [
                .fail("store", "\(error)"),
                keyringFinding(keyring, storeUsesKeyring: Self.needsKeyring(error)),
            ]
        }
    }

    /// The store could not be opened because its key is in a keyring that is not there.
    static func needsKeyring(_ error: any Error) -> Bool {
        switch error as? StoreKeyError {
        case .keyringUnreachable, .keyringKeyMissing: true
        default: false
        }
    }

    /// An unreachable keyring fails only when the store's key is there; a store keyed by `store.key` works
    /// without one (with less protection: docs/security.md).
    static func keyringFinding(_ status: KeyringStatus, storeUsesKeyring: Bool) -> Finding {
        switch status {
        case .reachable: return .ok("keyring", status.description)
        case .off: return .skip("keyring", status.description)
        case .unreachable:
            if storeUsesKeyring {
                return .fail(
                    "keyring",
                    status.description + "; the store's key is there: unlock the keyring (log in to the desktop) "
                        + "or run oauthtop where it is reachable")
            }
            return .skip("keyring", status.description + "; the store's key is kept in store.key instead")
        }
    }
}
