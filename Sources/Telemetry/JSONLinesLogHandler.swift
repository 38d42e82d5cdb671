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
        guard let data = try? encoder.encode(object), let text = String(data: data, encoding: .utf8) else {
            return #"{"level":"error","msg":"unencodable log event"}"#
        }
        return text
    }

    /// Several processes (serve, the dashboard, token calls) write one log file; the pid tells their lines apart.
    private static let processID = String(ProcessInfo.processInfo.processIdentifier)

    /// `2026-11-27T10:42:07.123Z`. Built once: making the style costs more than formatting with it.
    private static let timestampStyle = Date.ISO8601FormatStyle.iso8601
        .time(includingFractionalSeconds: true).year().month().day()
        .dateTimeSeparator(.standard).timeZone(separator: .omitted)

    /// Keys sorted, so that lines diff well; JSONEncoder rather than JSONSerialization, whose `[String: Any]` and
    /// sorting through `AnyHashable` were a quarter of `serve`'s CPU while it refreshed a thousand servers.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// A metadata value as it goes into the line: free text scrubbed, values under secret keys masked.
private enum LogValue: Encodable {
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

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .array(let values): try container.encode(values)
        case .object(let object): try container.encode(object)
        }
    }
}
