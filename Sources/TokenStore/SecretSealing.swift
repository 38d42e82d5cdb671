/// Seals the secrets the store writes (access tokens, refresh tokens, client secrets, staged rotations) and opens
/// them when read. The store knows nothing of ciphers or keys: the executable hands it one (`AtRest.StoreCipher`),
/// so that this target stays a database layer (DESIGN.md section 1).
///
/// Sealing must be randomised (the same token sealed twice gives two texts), so the store compares secrets only
/// after opening them.
public protocol SecretSealing: Sendable {
    /// Where the key lives, as one word the store records beside its check value ("keyring", "file"), so that the
    /// next opening knows where to look and can say so when it cannot.
    var keySource: String { get }
    /// The sealed text of `plaintext`; it never contains the plaintext.
    func seal(_ plaintext: String) throws -> String
    /// The plaintext of a text `seal` made under the same key; throws when the text was altered or sealed under
    /// another key. The error never contains the text.
    func open(_ sealed: String) throws -> String
    /// Whether `text` has the form of a sealed text. Anything else is a plaintext value a store written before
    /// sealing holds until it is migrated.
    func isSealed(_ text: String) -> Bool
}

extension SecretSealing {
    /// The plaintext of a stored value: opened when sealed, as it is when written before sealing.
    func reveal(_ stored: String) throws -> String {
        isSealed(stored) ? try open(stored) : stored
    }

    func reveal(_ stored: String?) throws -> String? {
        try stored.map { try reveal($0) }
    }

    func seal(_ plaintext: String?) throws -> String? {
        try plaintext.map { try seal($0) }
    }
}
