/// What the loop paints on and reads keys from: the ncurses terminal (`TerminalScreen`), or a fake in tests.
@MainActor
protocol Screen: AnyObject {
    /// Columns and rows now.
    var size: (width: Int, height: Int) { get }
    /// Starts reporting input: `post` is told when keys wait, the terminal hangs up or a signal arrives.
    func startInput(_ post: @escaping @Sendable (Event) -> Void)
    /// The loop has read every waiting key; the input source may look for more.
    func inputDrained()
    /// The next waiting key; `nil` when none waits.
    func readKey() -> Key?
    /// The window changed size: take the new size before the next paint.
    func resized()
    func paint(_ frame: Frame)
    /// Stops the input and restores the terminal; called once, on every exit path.
    func end()
}
