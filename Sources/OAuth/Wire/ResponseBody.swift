import Foundation

/// A response body sorted into JSON, form, HTML or unknown, with a short description that never quotes the body.
struct ResponseBody {
    enum Format: Equatable {
        case empty
        case html
        /// JSON object or form pairs, read into `fields`.
        case fields(TokenJSON)
        /// JSON that does not parse, or text that is neither JSON, form nor HTML.
        case unreadable
    }

    let format: Format
    /// Lowercased, parameters dropped: `text/html`.
    let mediaType: String?
    let size: Int

    init(data: Data, contentType: String?) {
        size = data.count
        mediaType = contentType.flatMap { header in
            let media = header.split(separator: ";", maxSplits: 1).first.map(String.init) ?? header
            let trimmed = media.trimmingCharacters(in: .whitespaces).lowercased()
            return trimmed.isEmpty ? nil : trimmed
        }
        format = Self.sort(data, mediaType: mediaType)
    }

    /// "HTML page (text/html, 2.3 KiB)", "empty body", "application/json, 12 B".
    var summary: String {
        switch format {
        case .empty: "empty body"
        case .html: "HTML page (\(typeAndSize))"
        case .fields, .unreadable: typeAndSize
        }
    }

    var typeAndSize: String { "\(mediaType ?? "no content type"), \(Self.byteCount(size))" }

    static func byteCount(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : String(format: "%.1f KiB", Double(bytes) / 1024)
    }

    // Sniffing beats the declared type: JSON sent as text/html or text/plain is common behind proxies and in
    // hand-written servers, and GitHub answers a form unless asked for JSON.
    private static func sort(_ data: Data, mediaType: String?) -> Format {
        guard let first = data.first(where: { !isWhitespace($0) }) else { return .empty }
        let media = mediaType ?? ""
        if first == UInt8(ascii: "{") || media.hasSuffix("json") {
            return TokenJSON(json: data).map(Format.fields) ?? .unreadable
        }
        if first == UInt8(ascii: "<") || media.contains("html") {
            return .html
        }
        if media == "application/x-www-form-urlencoded" || media == "text/plain" || media.isEmpty {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return TokenJSON(form: text).map(Format.fields) ?? .unreadable
        }
        return .unreadable
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
