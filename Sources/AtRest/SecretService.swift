import CSecretShim
import Foundation

/// The desktop keyring through libsecret (loaded at run time by `CSecretShim`, see its header for why): one item per
/// state folder holding the store's key.
enum SecretService {
    /// Why the keyring cannot be used here, in words for the user ("no D-Bus session bus", libsecret's error).
    struct Unreachable: Error, Equatable {
        var reason: String
    }

    /// Whether a session bus is there to ask at all; without one, libsecret is not even loaded. systemd user
    /// sessions may leave `DBUS_SESSION_BUS_ADDRESS` unset and provide `$XDG_RUNTIME_DIR/bus`, which GLib finds.
    static func sessionBus(_ environment: [String: String]) throws(Unreachable) {
        if let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty { return }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty,
            FileManager.default.fileExists(atPath: runtime + "/bus")
        {
            return
        }
        throw Unreachable(reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
    }

    /// The key stored for `stateFolder`, `nil` when the keyring answered that it has none.
    static func lookup(stateFolder: String) throws(Unreachable) -> String? {
        var secret: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let status = oauthtop_secret_lookup(stateFolder, &secret, &error)
        defer {
            oauthtop_secret_free(secret)
            oauthtop_secret_free(error)
        }
        switch Int(status) {
        case Int(OAUTHTOP_SECRET_OK): return secret.map { String(cString: $0) }
        case Int(OAUTHTOP_SECRET_NOT_FOUND): return nil
        default: throw Unreachable(reason: message(error))
        }
    }

    static func store(stateFolder: String, secret: String) throws(Unreachable) {
        var error: UnsafeMutablePointer<CChar>?
        let status = oauthtop_secret_store(stateFolder, "oauthtop token store key (\(stateFolder))", secret, &error)
        defer { oauthtop_secret_free(error) }
        guard status == OAUTHTOP_SECRET_OK else { throw Unreachable(reason: message(error)) }
    }

    /// Removes the item; for tests and for the user who moves a store away.
    static func clear(stateFolder: String) throws(Unreachable) {
        var error: UnsafeMutablePointer<CChar>?
        let status = oauthtop_secret_clear(stateFolder, &error)
        defer { oauthtop_secret_free(error) }
        guard status == OAUTHTOP_SECRET_OK || status == OAUTHTOP_SECRET_NOT_FOUND else {
            throw Unreachable(reason: message(error))
        }
    }

    private static func message(_ error: UnsafeMutablePointer<CChar>?) -> String {
        // GLib's messages are one line; keep them so, and short.
        let text = error.map { String(cString: $0) } ?? "the Secret Service did not answer"
        return String(text.map { $0.isNewline ? " " : $0 }.prefix(300))
    }
}
