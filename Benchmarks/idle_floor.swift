// The floor for `serve`'s idle cost: a Swift process that does nothing but wait in `Task.sleep`. On Linux,
// libdispatch's manager thread still wakes once a second (its worker-pool monitor), so no Swift program that uses
// Swift concurrency idles below this. Built by scripts/bench with `swiftc -O -parse-as-library`.
@main struct IdleFloor {
    static func main() async throws {
        try await Task.sleep(for: .seconds(3600))
    }
}
