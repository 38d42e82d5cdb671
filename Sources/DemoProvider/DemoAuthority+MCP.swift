import Foundation

/// The MCP endpoint: 401 with a resource-metadata challenge without a valid bearer token, `initialize` with one.
extension DemoAuthority {
    func mcp(authorization: String?, body: Data) -> Reply {
        let challenge = "Bearer resource_metadata=\"\(resourceMetadataURL)\""
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            return .json(
                401, ["error": "invalid_token", "error_description": "a bearer token is required"],
                headers: ["WWW-Authenticate": challenge])
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let entry = accessTokens[token], entry.expires > now() else {
            return .json(
                401, ["error": "invalid_token", "error_description": "the access token is invalid or expired"],
                headers: ["WWW-Authenticate": challenge + ", error=\"invalid_token\""])
        }
        let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let id = request?["id"]
        guard let id, !(id is NSNull) else { return Reply(status: 202, headers: [:], body: Data()) }
        guard request?["method"] as? String == "initialize" else {
            return .json(200, ["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "Method not found"]])
        }
        return .json(
            200,
            [
                "jsonrpc": "2.0", "id": id,
                "result": [
                    "protocolVersion": "2025-06-18",
                    "capabilities": ["tools": ["listChanged": false]],
                    "serverInfo": ["name": "oauthtop-demo", "version": "1.0.0"],
                ],
            ])
    }
}
