/// What a key asks the loop to do after the model has updated itself (htop's `Htop_Reaction`). No handler paints
/// or talks to the engine itself.
public enum Effect: Sendable, Equatable {
    /// Nothing changed on screen.
    case none
    /// The screen changed: paint.
    case redraw
    /// Force a refresh of one server through the engine.
    case refresh(String)
    case refreshAll
    case logout(String)
    /// Browser sign-in through the engine; the detail pane shows the authorization URL meanwhile.
    case login(String)
    /// `A`: these servers' sign-ins, one after another.
    case loginAll([String])
    /// Esc while a sign-in waits for the browser.
    case cancelLogin(String)
    /// Fetch the server's recent log lines for the log pane.
    case loadLogs(String)
    case quit
}
