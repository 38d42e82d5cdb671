import Foundation

/// What a transition may read besides its record: the time, the policy, and the jitter source (called only when
/// a proactive refresh time is computed; 0..<1).
struct TransitionContext {
    var now: Date
    var policy: RefreshPolicy
    var jitter: () -> Double = { 0 }
    /// This engine has a connection prober; without one, no probe is ever planned.
    var probesEnabled = false
}
