import Testing

@testable import Dashboard

@Suite struct FramePacerTests {
    @Test func theFirstFramePaintsAtOnceAndLaterOnesWaitTheirSixtieth() {
        var pacer = FramePacer()
        #expect(pacer.wait(at: 100) == 0)
        pacer.painted(at: 100)
        #expect(abs(pacer.wait(at: 100.005) - (1.0 / 60 - 0.005)) < 1e-9)
        #expect(pacer.wait(at: 100.02) == 0)
    }

    @Test func aBurstOfEventsNeverPaintsMoreThanSixtyFramesASecond() {
        // Events arrive every millisecond for two seconds; the loop paints whenever the pacer allows.
        var pacer = FramePacer()
        var frames: [Double] = []
        var t = 0.0
        while t < 2 {
            if pacer.wait(at: t) == 0 {
                pacer.painted(at: t)
                frames.append(t)
            }
            t += 0.001
        }
        #expect(frames.count <= 121)
        #expect(zip(frames.dropFirst(), frames).allSatisfy { $0 - $1 >= 1.0 / 60 - 1e-9 })
    }
}
