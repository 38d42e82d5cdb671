/// The engine's records in one array, found by name through an index. (A dictionary of these 500-byte values
/// spends most of its memory on empty buckets: 10,000 servers cost 9 MB that way, 5 MB this way.)
///
/// Records are read by subscript and changed only through `update`, whose body is meant to call one transition.
struct ServerTable {
    private var index: [String: Int] = [:]
    private var records: [ServerRecord] = []
    /// Counts updates; `changedAt[i]` is the count at record i's last update. A store read that began at `serial`
    /// must not be applied to a record updated since: it may predate that record's own commit.
    private(set) var serial: UInt64 = 0
    private var changedAt: [UInt64] = []

    subscript(name: String) -> ServerRecord? {
        index[name].map { records[$0] }
    }

    /// Adds a server; records are never removed: a server leaves the engine only with a new configuration.
    mutating func add(_ record: ServerRecord) {
        guard index[record.name] == nil else { return }
        index[record.name] = records.count
        records.append(record)
        changedAt.append(serial)
    }

    /// Runs `transition` on the record of `name` in place; `nil` when there is no such server.
    @discardableResult
    mutating func update<Result>(_ name: String, _ transition: (inout ServerRecord) -> Result) -> Result? {
        guard let position = index[name] else { return nil }
        serial &+= 1
        changedAt[position] = serial
        return transition(&records[position])
    }

    /// Whether `name` was updated after `serial` was read.
    func changed(_ name: String, since serial: UInt64) -> Bool {
        index[name].map { changedAt[$0] > serial } ?? false
    }

    var values: [ServerRecord] { records }
}
