import Foundation
import RefreshEngine

/// Everything that can happen to the dashboard, on one stream (htop's `ScreenManager_run`). Engine statuses do not
/// travel here: the loop takes them from the engine's mailbox a batch at a time (`DashboardLoop.follow`).
enum Event: Sendable {
    /// Keys are waiting on stdin (or the terminal hung up).
    case input(hangup: Bool)
    case signal(Int32)
    /// A countdown or the clock on screen moved on.
    case tick
    /// Paint now: queued behind everything already pending, so a burst of events costs one frame.
    case paint
    case refreshed(String, Result<RefreshOutcome, EngineError>)
    case refreshedAll([String: RefreshOutcome])
    case loggedOut(String, error: String?)
    case logLines(String, [String])
    /// A message for the flash line (how a sign-in ended).
    case flash(String)
}
