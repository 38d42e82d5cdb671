/// At most one frame per `minimumInterval` seconds on a monotonic clock (60 frames a second by default). Pure,
/// so the loop's frame-rate rule can be tested without a terminal.
public struct FramePacer: Sendable {
    public let minimumInterval: Double
    public private(set) var lastFrame: Double?

    public init(framesPerSecond: Double = 60) {
        minimumInterval = 1 / framesPerSecond
    }

    /// Seconds to wait before the next frame may be painted; 0 means now.
    public func wait(at now: Double) -> Double {
        guard let lastFrame else { return 0 }
        return max(0, lastFrame + minimumInterval - now)
    }

    public mutating func painted(at now: Double) {
        lastFrame = now
    }
}
