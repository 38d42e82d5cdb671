import Foundation

/// The small HTML pages the browser shows at the redirect URI. They never contain the code or the state.
enum CallbackPage {
    static func html(_ reply: CallbackInbox.Reply) -> (status: Int, body: String) {
        switch reply {
        case .page(.signedIn(let server)):
            return (
                200,
                page(
                    title: "Signed in", tone: "#1a7f37",
                    lines: [
                        "oauthtop is signed in to <b>\(escape(server))</b>.",
                        "You can close this tab and go back to the terminal.",
                    ])
            )
        case .page(.failed(let message)):
            return (
                200,
                page(
                    title: "Sign-in failed", tone: "#cf222e",
                    lines: [escape(message), "Close this tab; the terminal says what to do next."])
            )
        case .wrongState:
            return (
                400,
                page(
                    title: "Not this sign-in", tone: "#cf222e",
                    lines: [
                        "This link does not belong to the sign-in oauthtop is waiting for (its state does not match), so it was ignored.",
                        "The sign-in is still waiting: use the link oauthtop opened or printed.",
                    ])
            )
        case .alreadyHandled:
            return (
                400,
                page(
                    title: "Already handled", tone: "#9a6700",
                    lines: ["This sign-in has already finished. You can close this tab."])
            )
        }
    }

    static let notFound = page(title: "Not found", tone: "#9a6700", lines: ["oauthtop only answers at /callback."])

    private static func page(title: String, tone: String, lines: [String]) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>oauthtop: \(title)</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#1f2328}
        h1{color:\(tone);font-size:1.5em}</style></head>
        <body><h1>\(title)</h1>
        \(lines.map { "<p>\($0)</p>" }.joined(separator: "\n"))
        </body></html>

        """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
