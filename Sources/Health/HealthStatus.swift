/// The verdict for one server: the strings of DESIGN.md section 3, which users and scripts read.
public struct HealthStatus: Sendable, Equatable, Codable {
    public var level: HealthLevel
    public var summary: String
    public var detail: String?
    public var action: SuggestedAction?

    public init(level: HealthLevel, summary: String, detail: String? = nil, action: SuggestedAction? = nil) {
        self.level = level
        self.summary = summary
        self.detail = detail
        self.action = action
    }
}
