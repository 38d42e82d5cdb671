import Foundation

/// A JSON object read leniently: members of the wrong type read as absent, so one odd field never makes a
/// provider's whole metadata document unusable.
struct JSONObject: Sendable {
    private let strings: [String: String]
    private let lists: [String: [String]]
    private let numbers: [String: Double]
    private let booleans: [String: Bool]
    let keys: Set<String>

    /// `nil` unless `data` is a JSON object.
    init?(_ data: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        var strings: [String: String] = [:]
        var lists: [String: [String]] = [:]
        var numbers: [String: Double] = [:]
        var booleans: [String: Bool] = [:]
        for (key, value) in object {
            if let text = value as? String {
                strings[key] = text
            } else if let array = value as? [Any] {
                lists[key] = array.compactMap { $0 as? String }
            } else if let number = value as? NSNumber {
                // JSON's true and false arrive as NSNumbers of type "c" (char); they are not numbers.
                if String(cString: number.objCType) == "c" {
                    booleans[key] = number.boolValue
                } else {
                    numbers[key] = number.doubleValue
                }
            }
        }
        self.strings = strings
        self.lists = lists
        self.numbers = numbers
        self.booleans = booleans
        keys = Set(object.keys)
    }

    /// A non-empty string member.
    func string(_ key: String) -> String? {
        guard let text = strings[key], !text.isEmpty else { return nil }
        return text
    }

    /// An array member's string elements; `nil` when the member is absent or not an array.
    func strings(_ key: String) -> [String]? { lists[key] }

    func number(_ key: String) -> Double? { numbers[key] }

    /// A `true` or `false` member (not a number or a string that looks like one).
    func bool(_ key: String) -> Bool? { booleans[key] }
}
