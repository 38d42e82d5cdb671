/// One JSON member as a token endpoint may send it. Anything that is not a string or a number (objects, arrays,
/// booleans, null) is kept as `.other`, so a mistyped field never makes the whole body unreadable.
enum WireValue: Decodable, Equatable, Sendable {
    case string(String)
    case number(Double)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if (try? container.decode(Bool.self)) != nil {
            // Checked before numbers: some decoders read `true` as 1.
            self = .other
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .other
        }
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }
}
