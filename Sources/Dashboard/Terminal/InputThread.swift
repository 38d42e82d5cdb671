import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A thread that waits for keys and signals and says so on the event stream. It only `poll()`s: it never calls
/// ncurses, which is not thread-safe (`wgetch` even repaints). After announcing input it waits until the main
/// actor has drained every key (`ack()`), so `poll` does not report the same bytes again and spin.
final class InputThread: Sendable {
    private let onInput: @Sendable (_ hangup: Bool) -> Void
    private let onSignal: @Sendable (Int32) -> Void
    private let drained = DispatchSemaphore(value: 0)

    init(onInput: @escaping @Sendable (_ hangup: Bool) -> Void, onSignal: @escaping @Sendable (Int32) -> Void) {
        self.onInput = onInput
        self.onSignal = onSignal
    }

    func start() {
        startDetachedThread { [self] in self.run() }
    }

    /// The main actor read every pending key.
    func ack() { drained.signal() }

    /// Ends the thread: a zero byte on the wake pipe means "stop".
    func stop() {
        WakePipe.post(0)
        drained.signal()
    }

    private func run() {
        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: WakePipe.fds.read, events: Int16(POLLIN), revents: 0),
        ]
        var stdinOpen = true
        while true {
            fds[0].fd = stdinOpen ? STDIN_FILENO : -1  // a negative fd is ignored by poll
            let n = poll(&fds, nfds_t(fds.count), -1)  // no timeout: no idle wake-ups
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = read(WakePipe.fds.read, &buffer, buffer.count)
                for byte in buffer.prefix(max(0, count)) {
                    if byte == 0 { return }
                    onSignal(Int32(byte))
                }
            }
            let revents = fds[0].revents
            if stdinOpen, revents & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 {
                let hangup = revents & Int16(POLLIN) == 0  // the terminal went away
                onInput(hangup)
                if hangup {
                    stdinOpen = false
                    continue
                }
                drained.wait()
            }
        }
    }
}

/// The self-pipe the signal handlers write to (`write` is async-signal-safe). The read end is polled by the
/// input thread.
enum WakePipe {
    static let fds: (read: Int32, write: Int32) = {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe() failed")  // pipe2 is not visible from Swift's Glibc
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }()

    static func post(_ byte: UInt8) {
        var byte = byte
        _ = write(fds.write, &byte, 1)
    }
}

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// A plain pthread: Foundation's `Thread` would pull in Foundation for nothing more than this.
private func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    pthread_detach(thread)
}
