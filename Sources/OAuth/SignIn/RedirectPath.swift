import Crypto
import Foundation

/// The path of the loopback redirect URI (RFC 8252 section 7.3) a sign-in listens on.
///
/// A client oauthtop registered itself gets a path of its own per authorization server
/// (`/callback/<issuer tag>`): a code that one server's redirect delivers can then only be redeemed with the client
/// registered at that server, never at another's token endpoint (the mix-up attacks of RFC 9700 section 4.4). A
/// pre-registered client (`oauth.client_id`) and a client ID metadata document list fixed redirect URIs, so those
/// use `/callback`, and the `iss` check (RFC 9207) is the defence there.
public enum RedirectPath {
    public static let fixed = "/callback"

    /// `/callback/` and the first 16 hex digits of the SHA-256 of the issuer, exactly as its metadata states it.
    public static func perIssuer(_ issuer: String) -> String {
        let digest = SHA256.hash(data: Data(issuer.utf8))
        return fixed + "/" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
