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
        var object: [String: Any] = [:]
        for (key, value) in metadata {
            object[key] = Redaction.isSecretKey(key) ? Redaction.mask : Self.json(value)
        }
        object["ts"] = date.formatted(
            .iso8601.time(includingFractionalSeconds: true).year().month().day()
                .dateTimeSeparator(.standard).timeZone(separator: .omitted))
        object["level"] = level.rawValue
        object["msg"] = Redaction.scrub(message)
        object["label"] = label
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else { return #"{"level":"error","msg":"unencodable log event"}"# }
        return text
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): Redaction.scrub(text)
        case .stringConvertible(let convertible): Redaction.scrub(convertible.description)
        case .array(let values): values.map(json)
        case .dictionary(let dictionary):
            Dictionary(
                uniqueKeysWithValues: dictionary.map { key, value in
                    (key, Redaction.isSecretKey(key) ? Redaction.mask as Any : json(value))
                })
        }
    }
}
