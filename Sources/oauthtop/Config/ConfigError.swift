/// A configuration mistake, named by file, server and key, in words the user can act on. Exit code 2.
struct ConfigError: Error, Equatable, CustomStringConvertible {
    var file: String
    var server: String?
    var key: String?
    var problem: String

    var description: String {
        var location = file
        if let server { location += ": server '\(server)'" }
        if let key { location += ": key '\(key)'" }
        return "\(location): \(problem)"
    }
}
