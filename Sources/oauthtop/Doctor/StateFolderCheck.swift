import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The state folder and the files in it belong to the user and nobody else can read or write them: the folder
/// 0700, the store, its WAL and shared-memory files, the log and the key file 0600 at most. Read only: doctor reports,
/// the next oauthtop run that opens the store repairs the modes.
struct StateFolderCheck {
    var folder: String
    var uid: uid_t = getuid()

    static let files = [
        "oauthtop.sqlite", "oauthtop.sqlite-wal", "oauthtop.sqlite-shm", "oauthtop.sqlite-journal", "oauthtop.log",
        "store.key",
    ]

    func run() -> Finding {
        var status = stat()
        guard lstat(folder, &status) == 0 else {
            if errno == ENOENT {
                return .ok("state folder", "\(folder) does not exist yet (the first run creates it, 0700)")
            }
            return .fail("state folder", "cannot read \(folder): \(String(cString: strerror(errno)))")
        }
        var problems: [String] = []
        var fixes: [String] = []
        if (status.st_mode & S_IFMT) != S_IFDIR {
            return .fail(
                "state folder",
                "\(folder) is not a folder (a symlink or a file); move it away and run oauthtop again to create it")
        }
        if status.st_uid != uid {
            problems.append("\(folder) belongs to uid \(status.st_uid), not you (uid \(uid))")
            fixes.append("move it away (oauthtop will create its own)")
        }
        if status.st_mode & 0o002 != 0 {
            // A shared folder such as /tmp: not one to make private, but one to stop using.
            problems.append("\(folder) is \(Self.octal(status.st_mode)): anyone can write in it")
            fixes.append("point oauthtop at a folder of its own (OAUTHTOP_STATE_DIR or --state-dir)")
        } else if status.st_mode & 0o077 != 0 {
            problems.append("\(folder) is \(Self.octal(status.st_mode)): others can reach it")
            fixes.append("chmod 700 \(ShellWords.quote(folder))")
        }
        var loose: [String] = []
        for name in Self.files {
            let path = folder + "/" + name
            var file = stat()
            guard lstat(path, &file) == 0 else { continue }
            if (file.st_mode & S_IFMT) != S_IFREG {
                problems.append("\(path) is not a regular file")
                fixes.append("remove \(ShellWords.quote(path))")
            } else if file.st_uid != uid {
                problems.append("\(path) belongs to uid \(file.st_uid)")
                fixes.append("move it away")
            } else if file.st_mode & 0o077 != 0 {
                problems.append("\(name) is \(Self.octal(file.st_mode))")
                loose.append(ShellWords.quote(path))
            }
        }
        if !loose.isEmpty { fixes.append("chmod 600 " + loose.joined(separator: " ")) }
        if problems.isEmpty {
            return .ok("state folder", "\(folder) is 0700 and its files 0600, all yours")
        }
        return .fail(
            "state folder",
            problems.joined(separator: "; ") + "; tokens may have been read by others: run "
                + fixes.joined(separator: " && ") + ", then sign in again where that matters")
    }

    static func octal(_ mode: mode_t) -> String { "0" + String(mode & 0o777, radix: 8) }
}
