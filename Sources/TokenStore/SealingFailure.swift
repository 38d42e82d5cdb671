/// A secret of one column that could not be sealed or opened. It names the column, never the value nor the
/// sealer's own error (which could quote it); `SQLiteTokenStore.storeError` turns it into a `TokenStoreError`
/// naming the file.
struct SealingFailure: Error, Equatable {
    /// `table.column`.
    var column: String
    /// `true`: opening (the stored text was altered or sealed under another key); `false`: sealing.
    var opening: Bool

    static func sealing<T>(_ column: String, _ body: () throws -> T) throws(SealingFailure) -> T {
        do { return try body() } catch { throw SealingFailure(column: column, opening: false) }
    }

    static func opening<T>(_ column: String, _ body: () throws -> T) throws(SealingFailure) -> T {
        do { return try body() } catch { throw SealingFailure(column: column, opening: true) }
    }
}
