import Foundation
import OAuth
import Testing

@testable import SignIn

@Suite struct CallbackPageTests {
    @Test func pagesEscapeWhatTheyQuote() {
        let failed = CallbackPage.html(.page(.failed("The provider said: <script>&\"'")))
        #expect(failed.status == 200)
        #expect(failed.body.contains("<p>The provider said: &lt;script&gt;&amp;&quot;&#39;</p>"))
        #expect(CallbackPage.html(.wrongState).status == 400)
        #expect(CallbackPage.html(.alreadyHandled).body.contains("<title>oauthtop: Already handled</title>"))
    }
}
