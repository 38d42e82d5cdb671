/// A configuration mistake, named by file, server and key, in words the user can act on. Exit code 2.
struct ConfigError: Error, Equatable, CustomStringConvertible {
    var file: String
    var server: String?
    var key: String?
    var problem: String

    var description: String {
        var where_ = file
        if let server { where_ += ": server '\(server)'" }
        if let key { where_ += ": key '\(key)'" }
        return "\(where_): \(problem)"
    }
}
