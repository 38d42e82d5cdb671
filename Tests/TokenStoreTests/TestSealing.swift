import AtRest
import TokenStore

/// Every store of these tests seals as oauthtop does (AES-GCM), under one key for the whole test process, so that
/// a test may reopen a file it wrote.
let testCipher = StoreCipher.ephemeral()

extension SQLiteTokenStore {
    convenience init(path: String) throws {
        try self.init(path: path, sealing: testCipher)
    }
}
