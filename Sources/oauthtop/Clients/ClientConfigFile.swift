import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An MCP client's JSON config file (Claude Code's `~/.claude.json` or a project's `.mcp.json`) that oauthtop adds
/// `mcpServers` entries to. Every other key is kept; the file as it was is copied beside it first; a file that is
/// not a JSON object, or whose `mcpServers` is not an object, is never touched.
struct ClientConfigFile {
    /// What a merge did, by server name.
    struct Merge: Equatable {
        var added: [String] = []
        var replaced: [String] = []
        var unchanged: [String] = []
        var changed: Bool { !added.isEmpty || !replaced.isEmpty }
    }

    enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case notJSON(path: String, reason: String)
        case notAnObject(path: String, key: String)
        case unwritable(path: String, reason: String)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason); nothing was changed"
            case .notJSON(let path, let reason):
                "\(path) is not valid JSON (\(reason)); nothing was changed: fix the file, or print the entries "
                    + "without --write and add them by hand"
            case .notAnObject(let path, let key):
                "\(key) in \(path) is not a JSON object; nothing was changed: fix the file, or print the entries "
                    + "without --write and add them by hand"
            case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    /// The file as given; writes go to what a symlink points to, so a link into a dotfiles repository stays a link.
    let path: String

    /// The merged document and what changed. A missing file starts from `{}`.
    func merged(with entries: [String: [String: String]]) throws(Problem) -> (document: [String: Any], merge: Merge) {
        var top = try read()
        var servers: [String: Any]
        switch top["mcpServers"] {
        case nil: servers = [:]
        case let object as [String: Any]: servers = object
        default: throw .notAnObject(path: path, key: "mcpServers")
        }
        var merge = Merge()
        for name in entries.keys.sorted() {
            let entry = entries[name]!
            switch servers[name] {
            case nil: merge.added.append(name)
            case let existing as [String: Any] where NSDictionary(dictionary: existing).isEqual(to: entry):
                merge.unchanged.append(name)
            default: merge.replaced.append(name)
            }
            servers[name] = entry
        }
        top["mcpServers"] = servers
        return (top, merge)
    }

    /// Merges `entries` into the file: a backup of the old file beside it (`FILE.bak-YYYYMMDDTHHMMSSZ`, same mode),
    /// then the new content through a temporary file renamed over it (a crash leaves the old file or the new one).
    /// Returns what changed and the backup's path (`nil` when nothing changed or there was no file).
    func write(_ entries: [String: [String: String]], now: Date = Date()) throws(Problem) -> (
        merge: Merge, backup: String?
    ) {
        let (document, merge) = try merged(with: entries)
        guard merge.changed else { return (merge, nil) }
        let target = (path as NSString).resolvingSymlinksInPath
        let existing = FileManager.default.fileExists(atPath: target)
        let mode =
            existing
            ? (try? FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) ?? 0o600 : 0o600
        let data: Data
        do {
            data = try JSONSerialization.data(
                withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        var backup: String?
        if existing {
            let old = try Data(contentsOfFile: target, path: path)
            backup = try Self.createBackup(of: target, contents: old, mode: mode, stamp: Self.stamp(now))
        }
        let temporary = target + ".oauthtop-\(getpid())"
        try Self.create(temporary, contents: data + Data("\n".utf8), mode: mode)
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: target, reason: reason)
        }
        return (merge, backup)
    }

    private func read() throws(Problem) -> [String: Any] {
        let target = (path as NSString).resolvingSymlinksInPath
        guard FileManager.default.fileExists(atPath: target) else { return [:] }
        let data = try Data(contentsOfFile: target, path: path)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw .notJSON(path: path, reason: ConfigLoader.jsonProblem(data, error: error))
        }
        guard let object = root as? [String: Any] else { throw .notAnObject(path: path, key: "the top level") }
        return object
    }

    /// `FILE.bak-STAMP`, or `FILE.bak-STAMP-2`, … when a backup of the same second exists: never overwritten.
    private static func createBackup(of target: String, contents: Data, mode: Int, stamp: String) throws(Problem)
        -> String
    {
        for attempt in 1...100 {
            let name = target + ".bak-" + stamp + (attempt == 1 ? "" : "-\(attempt)")
            if FileManager.default.fileExists(atPath: name) { continue }
            try create(name, contents: contents, mode: mode)
            return name
        }
        throw .unwritable(path: target + ".bak-" + stamp, reason: "100 backups of the same second exist")
    }

    /// Creates `name` (which must not exist) with `contents`, `mode`, on disk before returning.
    private static func create(_ name: String, contents: Data, mode: Int) throws(Problem) {
        let descriptor = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode & 0o777))
        guard descriptor >= 0 else { throw .unwritable(path: name, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { bytes in Glibc.write(descriptor, bytes.baseAddress, bytes.count) }
        guard written == contents.count, fchmod(descriptor, mode_t(mode & 0o777)) == 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(name)
            throw .unwritable(path: name, reason: reason)
        }
    }

    private static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

extension Data {
    fileprivate init(contentsOfFile target: String, path: String) throws(ClientConfigFile.Problem) {
        do {
            self = try Data(contentsOf: URL(fileURLWithPath: target))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
