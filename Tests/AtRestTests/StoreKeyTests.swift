import Foundation
import Testing

@testable import AtRest

/// The key file and the choice of source. The keyring itself is tested end to end (Tests/E2E/atrest.py) against a
/// real Secret Service; here it is kept out with OAUTHTOP_KEYRING=off or an environment without a session bus.
@Suite struct StoreKeyTests {
    let noKeyring = ["OAUTHTOP_KEYRING": "off"]
    let noBus: [String: String] = [:]

    @Test func aNewStoreGetsAPrivateKeyFileThatLaterOpeningsReuse() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let first = try StoreKey.resolve(stateFolder: folder.path, recorded: nil, environment: noKeyring)
        let keyFile = folder.path + "/store.key"
        #expect(first.protection == .keyFile(path: keyFile))
        #expect(first.keySource == "key file")
        #expect(try mode(keyFile) == 0o600)
        let sealed = try first.seal("rt-1")
        for recorded in [nil, "key file"] {
            let again = try StoreKey.resolve(stateFolder: folder.path, recorded: recorded, environment: noKeyring)
            #expect(try again.open(sealed) == "rt-1")
        }
        // No session bus: the key file too, without an attempt at the keyring.
        let headless = try StoreKey.resolve(stateFolder: folder.path, recorded: nil, environment: noBus)
        #expect(try headless.open(sealed) == "rt-1")
    }

    @Test func aKeyFileOthersCouldReadIsRefused() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let keyFile = folder.path + "/store.key"
        _ = try StoreKey.resolve(stateFolder: folder.path, recorded: nil, environment: noKeyring)
        chmod(keyFile, 0o644)
        let error = #expect(throws: StoreKeyError.self) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "key file", environment: noKeyring)
        }
        #expect(error == .keyFileUnsafe(path: keyFile, reason: "mode 644, not 0600: others could read it"))
        #expect("\(error!)".contains("chmod 600"))
        // Refused, not replaced.
        #expect(
            throws: StoreKeyError.self,
            performing: { try StoreKey.resolve(stateFolder: folder.path, recorded: nil, environment: noKeyring) })
        #expect(try mode(keyFile) == 0o644)
    }

    @Test func aSymbolicLinkOrAFileWithoutAKeyIsRefused() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let keyFile = folder.path + "/store.key"
        try "not a key\n".write(toFile: folder.path + "/elsewhere", atomically: false, encoding: .utf8)
        chmod(folder.path + "/elsewhere", 0o600)
        symlink(folder.path + "/elsewhere", keyFile)
        #expect(throws: StoreKeyError.keyFileUnsafe(path: keyFile, reason: "it is a symbolic link")) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "key file", environment: noKeyring)
        }
        unlink(keyFile)
        rename(folder.path + "/elsewhere", keyFile)
        #expect(throws: StoreKeyError.keyFileMalformed(path: keyFile)) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "key file", environment: noKeyring)
        }
    }

    @Test func aRecordedSourceThatIsGoneIsAnErrorNeverANewKey() throws {
        let folder = try Folder()
        defer { folder.remove() }
        #expect(throws: StoreKeyError.keyFileMissing(path: folder.path + "/store.key")) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "key file", environment: noKeyring)
        }
        let off = #expect(throws: StoreKeyError.self) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "keyring", environment: noKeyring)
        }
        #expect(off == .keyringUnreachable(stateFolder: folder.path, reason: "OAUTHTOP_KEYRING=off"))
        let headless = #expect(throws: StoreKeyError.self) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "keyring", environment: noBus)
        }
        let message = "\(headless!)"
        #expect(message.contains("the token store in \(folder.path) is encrypted under a key in the desktop keyring"))
        #expect(message.contains("no D-Bus session bus"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/store.key"))
        #expect(throws: StoreKeyError.unknownSource(stateFolder: folder.path, source: "tpm")) {
            try StoreKey.resolve(stateFolder: folder.path, recorded: "tpm", environment: noKeyring)
        }
    }

    @Test func theKeyringStatusSaysWhyItIsNotUsed() {
        #expect(StoreKey.keyringStatus(stateFolder: "/tmp", environment: noKeyring) == .off)
        let status = StoreKey.keyringStatus(stateFolder: "/tmp", environment: noBus)
        #expect(status == .unreachable(reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"))
        #expect("\(status)".hasPrefix("the desktop keyring is not reachable: no D-Bus session bus"))
    }

    @Test func theFolderIsNamedAbsolutelyWhateverPathReachesIt() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let link = folder.path + "-link"
        symlink(folder.path, link)
        defer { unlink(link) }
        #expect(StoreKey.absolute(link + "/") == StoreKey.absolute(folder.path))
        #expect(StoreKey.absolute(folder.path).hasPrefix("/"))
    }
}

struct Folder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("oauthtop-atrest-tests-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = StoreKey.absolute(url.path)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
