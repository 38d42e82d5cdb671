import Foundation

/// The recent lines of one server from oauthtop's JSON-lines log, made readable for the dashboard's log pane:
/// `10:42:07 info  OAuth token refresh succeeded  duration_ms=412 result=success`.
struct LogTail: Sendable {
    var path: String
    /// Only the end of the file is read: the pane shows a screenful, not the history.
    var window = 512 * 1024
    var limit = 200

    func lines(for server: String) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(window) ? size - UInt64(window) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // cut in the middle
        var result: [String] = []
        for line in lines.reversed() {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                object["server"] as? String == server
            else { continue }
            result.append(Self.format(object))
            if result.count == limit { break }
        }
        return result.reversed()
    }

    static func format(_ object: [String: Any]) -> String {
        let ts = object["ts"] as? String ?? ""
        // 2026-11-27T10:42:07.123Z -> 10:42:07
        let time = ts.count >= 19 ? String(ts.dropFirst(11).prefix(8)) : ts
        let level = (object["level"] as? String ?? "").padding(toLength: 8, withPad: " ", startingAt: 0)
        var text = "\(time) \(level)\(object["msg"] as? String ?? "")"
        let skip: Set = ["ts", "level", "msg", "label", "pid", "server"]
        let rest = object.keys.filter { !skip.contains($0) }.sorted().map { key in
            "\(key)=\(object[key].map { "\($0)" } ?? "")"
        }
        if !rest.isEmpty { text += "  " + rest.joined(separator: " ") }
        return text
    }
}
