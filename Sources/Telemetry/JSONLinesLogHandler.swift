import Foundation
import Logging

/// Writes one JSON object per event to a `LogFile`: `ts`, `level`, `msg`, `label`, then the metadata as keys.
public struct JSONLinesLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let file: LogFile

    public init(label: String, file: LogFile) {
        self.label = label
        self.file = file
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        file.append(
            Self.line(level: event.level, message: "\(event.message)", label: label, metadata: merged, date: Date()))
    }

    static func line(level: Logger.Level, message: String, label: String, metadata: Logger.Metadata, date: Date)
        -> String
    {
        var object: [String: LogValue] = [:]
        for (key, value) in metadata {
            object[key] = Redaction.isSecretKey(key) ? .string(Redaction.mask) : LogValue(value)
        }
        object["ts"] = .string(date.formatted(timestampStyle))
        object["level"] = .string(level.rawValue)
        object["msg"] = .string(Redaction.scrub(message))
        object["label"] = .string(label)
        object["pid"] = .string(Self.processID)
        var text = ""
        text.reserveCapacity(256)
        LogValue.object(object).write(into: &text)
        return text
    }

    /// Several processes (serve, the dashboard, token calls) write one log file; the pid tells their lines apart.
    private static let processID = String(ProcessInfo.processInfo.processIdentifier)

    /// `2026-11-27T10:42:07.123Z`. Built once: making the style costs more than formatting with it.
    private static let timestampStyle = Date.ISO8601FormatStyle.iso8601
        .time(includingFractionalSeconds: true).year().month().day()
        .dateTimeSeparator(.standard).timeZone(separator: .omitted)

}

/// A metadata value as it goes into the line: free text scrubbed, values under secret keys masked.
///
/// Written straight into the line, keys sorted so that lines diff well. JSONSerialization (`[String: Any]`, sorting
/// through `AnyHashable`) was a quarter of `serve`'s CPU while it refreshed a thousand servers, and JSONEncoder,
/// which replaced it, still 5 % (perf, 2026-12-07); a log line is only strings, lists and objects.
enum LogValue {
    case string(String)
    case array([LogValue])
    case object([String: LogValue])

    init(_ value: Logger.MetadataValue) {
        switch value {
        case .string(let text): self = .string(Redaction.scrub(text))
        case .stringConvertible(let convertible): self = .string(Redaction.scrub(convertible.description))
        case .array(let values): self = .array(values.map(LogValue.init))
        case .dictionary(let dictionary):
            self = .object(
                dictionary.reduce(into: [:]) { object, entry in
                    object[entry.key] =
                        Redaction.isSecretKey(entry.key) ? .string(Redaction.mask) : LogValue(entry.value)
                })
        }
    }

    func write(into text: inout String) {
        switch self {
        case .string(let string): Self.write(string, into: &text)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.write(into: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                Self.write(key, into: &text)
                text += ":"
                object[key]!.write(into: &text)
            }
            text += "}"
        }
    }

    /// A JSON string (RFC 8259 section 7): quote, backslash and control characters escaped, the rest as is.
    static func write(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
