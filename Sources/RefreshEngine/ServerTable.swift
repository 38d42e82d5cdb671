/// The engine's records in one array, found by name through an index. (A dictionary of these 500-byte values
/// spends most of its memory on empty buckets: 10,000 servers cost 9 MB that way, 5 MB this way.)
struct ServerTable {
    private var index: [String: Int] = [:]
    private var records: [ServerRecord] = []

    /// Records are added, never removed: a server leaves the engine only with a new configuration.
    subscript(name: String) -> ServerRecord? {
        get { index[name].map { records[$0] } }
        set {
            guard let newValue else {
                assertionFailure("servers are never removed from the engine")
                return
            }
            if let position = index[name] {
                records[position] = newValue
            } else {
                index[name] = records.count
                records.append(newValue)
            }
        }
    }

    var values: [ServerRecord] { records }
}
