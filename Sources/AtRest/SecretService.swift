import CSecretShim
import Foundation
import Synchronization

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

    /// How long a keyring call may take. A locked keyring may show an unlock dialog and wait for it; `token` and
    /// `headers` (a client's helper, which must not hang) give up after this and say why.
    static let deadline: TimeInterval = 10

    /// The key stored for `stateFolder`, `nil` when the keyring answered that it has none.
    static func lookup(stateFolder: String) throws(Unreachable) -> String? {
        try bounded { () throws(Unreachable) -> String? in try lookupNow(stateFolder: stateFolder) }
    }

    /// Runs a blocking libsecret call on a thread of its own and waits at most `deadline` for it. On time-out the
    /// thread is left to finish on its own (libsecret's sync calls cannot be interrupted from here); its answer is
    /// dropped.
    static func bounded<T: Sendable>(
        seconds: TimeInterval = deadline, _ call: @escaping @Sendable () throws(Unreachable) -> T
    ) throws(Unreachable) -> T {
        let answer = Mutex<Result<T, Unreachable>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result: Result<T, Unreachable>
            do throws(Unreachable) { result = .success(try call()) } catch { result = .failure(error) }
            answer.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success, let result = answer.withLock({ $0 }) else {
            throw Unreachable(
                reason: "the desktop keyring did not answer within "
                    + "\(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s (locked? unlock it, or log in to "
                    + "the desktop)")
        }
        return try result.get()
    }

    private static func lookupNow(stateFolder: String) throws(Unreachable) -> String? {
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
        try bounded { () throws(Unreachable) in try storeNow(stateFolder: stateFolder, secret: secret) }
    }

    private static func storeNow(stateFolder: String, secret: String) throws(Unreachable) {
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
