/// What one request to a loopback server may cost: the bytes of its head, the time it may take to arrive, the time
/// its handler may take, and how many connections may wait at once (DESIGN.md section 1, docs/security.md
/// "Loopback servers").
public struct RequestLimits: Sendable, Equatable {
    /// The request line and the headers together, their final empty line included.
    public var headBytes: Int
    /// From the connection's accept to the head's last byte; a client slower than this is cut off.
    public var headTime: Duration
    /// How long the handler may take to answer (a sign-in's page waits for the code exchange).
    public var handlerTime: Duration
    /// Connections still sending their head; one more closes the one that has waited longest, so a client holding
    /// many connections open cannot keep a browser's request out.
    public var waitingConnections: Int

    public init(headBytes: Int, headTime: Duration, handlerTime: Duration, waitingConnections: Int) {
        self.headBytes = max(headBytes, 256)
        self.headTime = max(headTime, .milliseconds(1))
        self.handlerTime = max(handlerTime, .milliseconds(1))
        self.waitingConnections = max(waitingConnections, 1)
    }

    /// 16 KiB of head within 10 s, 64 connections waiting; `handlerTime` is the caller's.
    public static func standard(handlerTime: Duration = .seconds(10)) -> RequestLimits {
        RequestLimits(headBytes: 16 * 1024, headTime: .seconds(10), handlerTime: handlerTime, waitingConnections: 64)
    }
}
