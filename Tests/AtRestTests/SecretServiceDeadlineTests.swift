import Dispatch
import Foundation
import Testing

@testable import AtRest

/// A keyring that does not answer (locked, an unlock dialog nobody sees) must not hang `token` or `headers`.
@Suite struct SecretServiceDeadlineTests {
    @Test func aCallThatDoesNotAnswerInTimeIsGivenUpWithAReason() throws {
        let never = DispatchSemaphore(value: 0)
        defer { never.signal() }  // lets the abandoned thread end
        let started = Date()
        let error = #expect(throws: SecretService.Unreachable.self) {
            try SecretService.bounded(seconds: 0.2) { () throws(SecretService.Unreachable) -> String? in
                never.wait()
                return "too late"
            }
        }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(
            error?.reason
                == "the desktop keyring did not answer within 0.2 s (locked? unlock it, or log in to the desktop)")
    }

    @Test func anAnswerInTimeAndAnErrorInTimeComeThrough() throws {
        #expect(
            try SecretService.bounded(seconds: 5) { () throws(SecretService.Unreachable) -> String? in "key" } == "key")
        let error = #expect(throws: SecretService.Unreachable.self) {
            try SecretService.bounded(seconds: 5) { () throws(SecretService.Unreachable) -> String? in
                throw SecretService.Unreachable(reason: "no such bus")
            }
        }
        #expect(error?.reason == "no such bus")
    }
}
