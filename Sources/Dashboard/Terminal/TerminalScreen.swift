/// The real screen: ncurses through `Terminal` and `Painter`, keys and signals through the `InputThread`.
@MainActor
final class TerminalScreen: Screen {
    private let terminal: Terminal
    private let painter: Painter
    private var input: InputThread?

    init(terminal: Terminal) {
        self.terminal = terminal
        self.painter = Painter(window: terminal.window, scheme: terminal.color ? .color : .monochrome)
    }

    var size: (width: Int, height: Int) { terminal.size }

    func startInput(_ post: @escaping @Sendable (Event) -> Void) {
        let input = InputThread(onInput: { post(.input(hangup: $0)) }, onSignal: { post(.signal($0)) })
        self.input = input
        input.start()
    }

    func inputDrained() { input?.ack() }

    func readKey() -> Key? { terminal.readKey() }

    func resized() { terminal.resize() }

    func paint(_ frame: Frame) { painter.paint(frame) }

    func end() {
        input?.stop()
        input = nil
        terminal.end()
    }
}
