import Foundation
import OAuth
import Testing

@testable import SignIn

@Suite struct BrowserOpenerTests {
    @Test func browserCommandComesFromBROWSERThenXdgOpen() {
        #expect(
            BrowserOpener(environment: ["BROWSER": "firefox --new-tab:chromium", "PATH": "/nonexistent"]).command
                == "firefox --new-tab")
        #expect(BrowserOpener(environment: ["PATH": "/nonexistent"]).command == nil)
        #expect(BrowserOpener(environment: ["BROWSER": " ", "PATH": "/nonexistent"]).command == nil)
    }
}
