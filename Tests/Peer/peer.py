"""OAuth test peer for oauthtop's end-to-end tests.

A real OAuth 2.x authorization server and an OAuth-protected MCP endpoint, both from the Python
`mcp` SDK (2.3.0: `mcp.server.auth` + `mcp.server.mcpserver.MCPServer`), on 127.0.0.1 only.
What we add on top of the SDK:

* `PeerProvider`: an in-memory `OAuthAuthorizationServerProvider` that auto-approves every
  authorization request (no browser, no consent page) and owns the refresh policy: access-token
  lifetime, rotation, refresh-token lifetime, reuse detection with family revocation, grace window.
* `PeerASGI`: an ASGI wrapper around the SDK app that counts token requests, injects faults and
  serves the test-control endpoints `/_fault`, `/_revoke_all`, `/_stats`, `/_tokens`, `/_issue` (loopback only).

Run: `PORT=0 .venv/bin/python Tests/Peer/peer.py` (venv from scripts/peer-venv). Exactly one line
goes to stdout, `PEER_READY http://127.0.0.1:<port>`, once it accepts connections; logs go to
stderr (PEER_LOG=debug|info|warning, default warning). SIGTERM/SIGINT stop it.

Endpoints (issuer = http://127.0.0.1:<port>, no trailing slash; MCP resource = <issuer>/mcp):
  /.well-known/oauth-authorization-server   RFC 8414 metadata (PKCE S256 only)
  /.well-known/oauth-protected-resource/mcp RFC 9728 metadata
  /register /authorize /token /revoke        DCR, auto-approving authorize, token, RFC 7009
  /mcp                                       streamable HTTP, needs `Authorization: Bearer at_...`
                                             with scope mcp; 401 + WWW-Authenticate resource_metadata
  tool `whoami` -> {"client_id", "scopes", "expires_in"} of the presented token

Tokens: `at_`/`rt_` + secrets.token_urlsafe(32); codes `ac_...` (single use, 300 s). A family is
every token descending from one grant (a code exchange or an /_issue).

Knobs (environment):
  PORT=0                 listen port on 127.0.0.1; 0 = a free port
  ACCESS_TTL=5           access-token lifetime, seconds, fractions allowed; expires_in says the same
                         (a float such as 0.5 when fractional). /mcp answers 401 once it has passed
  REFRESH_TTL=0          refresh-token lifetime counted from that token's issue (a rotated-in token
                         gets a fresh one); 0 = never. Expired -> 400 invalid_grant "refresh token has expired"
  ROTATE=1               1: every refresh returns a new refresh_token and retires the presented one.
                         0: refresh responses carry no refresh_token; the presented one stays valid
  REUSE_REVOKES_FAMILY=1 presenting a retired RT outside the grace window is a reuse: always 400
                         invalid_grant and counted in reuse_detected; with 1 the whole family (all its
                         ATs and RTs, including the newest) is revoked too
  GRACE_SECONDS=0        a retired RT is still honoured for this long after its rotation, but only
                         while its successor is unused (only the latest retired generation). A reuse
                         in the window returns 200 with a NEW access token and the SAME successor
                         refresh token the first exchange issued (idempotent: the family keeps one
                         live RT, and a client whose answer was lost gets the committed RT back)
  LOOPBACK_ANY_PORT=1    RFC 8252 7.3: a redirect_uri on http://127.0.0.1:<any port> or
                         http://[::1]:<any port> matches a registered URI with the same host, path and
                         query. 0 = the SDK's exact string match. localhost is always exact
  ISSUE_REFRESH_TOKEN=1  0: the authorization_code grant (and /_issue) issue no refresh token
  RT_EXPIRES_IN=0        1: responses carry refresh_token_expires_in when REFRESH_TTL > 0
  MCP_JSON=0             1: /mcp answers application/json instead of text/event-stream
  MCP_STATELESS=0        1: /mcp runs stateless (no Mcp-Session-Id)
  REVOKE_COMPAT=1        /revoke accepts public clients without a client_secret field (works around
                         an SDK quirk; 0 = stock SDK: 400 "client_secret: Field required")
  AUTHORIZE_ISS=         RFC 9207: the `iss` the authorization redirect carries. Empty: none (the SDK's
                         behaviour); "issuer": the issuer; any other value: that value (a mix-up)
  ISS_SUPPORTED=0        1: the metadata says authorization_response_iss_parameter_supported: true
  DEVICE=0               1: RFC 8628 device authorization: the metadata names /device_authorization, which
                         hands out codes (DEVICE_TTL=600 s, DEVICE_INTERVAL=5 s); the token endpoint takes
                         grant_type=urn:ietf:params:oauth:grant-type:device_code: authorization_pending until
                         POST /_device {"user_code", "action": "approve"|"deny"}, then tokens or access_denied;
                         expired_token after the TTL; DEVICE_SLOW_DOWN=N answers the first N polls slow_down
  CIMD=0                 1: client ID metadata documents (MCP 2025-11-25): the metadata says
                         client_id_metadata_document_supported; a client_id that is an https URL (or http on
                         loopback) is fetched, must name itself as client_id, and its redirect_uris are used
  MCP_EXTRA_SCOPE=       a scope /mcp wants besides "mcp" (step-up): a valid token without it gets 403 with
                         WWW-Authenticate: Bearer error="insufficient_scope", scope="mcp <it>"

Test control (JSON in and out; 403 unless the caller is on loopback):
  POST /_fault   one fault object or a list; queued FIFO; each request takes the first matching one.
      match:  path (default "/token", exact), method, grant_type (form field of a /token request),
              count (default 1; -1 = until cleared). {"clear": true} drops every queued fault.
      A fault with status, body or raw SHORT-CIRCUITS: the SDK never sees the request (nothing is
      committed) and the answer is:
              status  (default 503; 200 for body error_in_200 and huge)
              body    "html" (default; nginx-style page), "empty", "json" ({"error","error_description"}),
                      "form" (the same, urlencoded), "error_in_200" (json, status 200, invalid_grant),
                      "huge" (a JSON document of `size` bytes, default 1.5 MiB), "raw" (the `raw` string)
              error, error_description  for json/form/error_in_200; default error by status: 500
                      server_error, other 5xx and 429 temporarily_unavailable, 401 invalid_client,
                      else invalid_grant
              ctype   Content-Type override
      Otherwise the request is PROCESSED NORMALLY (a rotation is committed) and:
              rewrite {key: value}: on a JSON answer, "drop" removes key, "str" turns it into a
                      string (expires_in 5 -> "5"), anything else replaces it. Server state is not
                      changed (dropping refresh_token after a rotation leaves the client a retired RT)
              delay   seconds to hold the answer back (also applies to short-circuits). If the
                      client disconnects meanwhile nothing is sent and responses_lost is incremented
      Both kinds: retry_after  Retry-After verbatim ("1" or an HTTP-date); retry_after_in: N -> an
              HTTP-date N s ahead; headers {name: value} extra response headers
      -> {"queued": n, "pending": [...]}; 400 on unknown keys or bad values
  POST /_revoke_all  {"client_id"?: str, "access_only"?: bool}: revoke every family (of that client),
      and drop its unused codes; access_only kills only access tokens (RTs keep working).
      -> {"revoked_families", "revoked_access_tokens"}
  GET  /_tokens  {"access_tokens", "refresh_tokens", "client_secrets"}: every value minted or registered so far,
      revoked and rotated ones included (the suites grep oauthtop's files and output for them)
  GET  /_stats   token_requests {grant_type: {outcome: n}} with outcome "ok", an OAuth error code,
      "fault_<status>" or "http_<status>"; token_requests_total, rotations, grace_reuses,
      reuse_detected, families_revoked (+ families_revoked_by {reuse, revoke_all,
      revocation_endpoint}), live_refresh_tokens, live_access_tokens, families, live_families,
      clients, client_ids, authorizations, issued_sessions, mcp_requests {status: n}, faults_fired,
      longest_expired_s (the longest a live family went without a valid access token, closed or still open,
      leaving out gaps in which a fault fired),
      faults_pending, responses_lost, last_token_request (grant_type, param names, client_id,
      scope, resource, client_auth, accept, content_type, user_agent), uptime, config
  POST /_issue   {"client_id"?, "scopes"? (default ["mcp"]), "confidential"? (default false),
      "access_ttl"? (seconds; 0 = already expired)}: mints a family as if a code exchange had just
      happened; without client_id it registers a client (public unless confidential; redirect URI
      http://127.0.0.1/callback; scopes mcp extra). -> {access_token, token_type, expires_in, scope,
      refresh_token (absent with ISSUE_REFRESH_TOKEN=0), client_id, client_secret (confidential
      only), token_endpoint}: what `oauthtop import NAME` reads on stdin. 404 unknown client_id,
      400 invalid_scope
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import json
import logging
import math
import os
import secrets
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

# Keep stdout clean for the PEER_READY line: anything that prints (a library, a stray debug print)
# goes to stderr instead. The real stdout is kept for that one line.
_REAL_STDOUT = sys.stdout
sys.stdout = sys.stderr

import uvicorn  # noqa: E402
from pydantic import AnyUrl  # noqa: E402

from mcp.server.auth.middleware.auth_context import get_access_token  # noqa: E402
from mcp.server.auth.provider import (  # noqa: E402
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions  # noqa: E402
from mcp.server.mcpserver import MCPServer  # noqa: E402
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull, OAuthToken  # noqa: E402

log = logging.getLogger("peer")

MCP_PATH = "/mcp"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
DEVICE_PATH = "/device_authorization"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
VALID_SCOPES = ["mcp", "extra"]  # DCR accepts these; "mcp" is the default and what /mcp requires
DEFAULT_SCOPES = ["mcp"]
CODE_TTL = 300.0  # authorization codes live 5 minutes (RFC 6749 section 4.1.2 recommends <= 10)

# Which HTTP path the current request came in on. The SDK calls `load_refresh_token` both from the
# token endpoint and from the revocation endpoint; only the token endpoint counts as "presenting"
# a refresh token for reuse detection (revoking an old token at logout is not an attack).
_ENDPOINT: contextvars.ContextVar[str] = contextvars.ContextVar("peer_endpoint", default="")


# --------------------------------------------------------------------------------------------------
# Configuration


def _env_float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"peer: {name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise SystemExit(f"peer: {name}={raw!r} must be a finite number >= {minimum}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"peer: {name}={raw!r} must be 1 or 0")


@dataclass(frozen=True)
class PeerConfig:
    port: int
    access_ttl: float  # seconds an access token lives (float allowed)
    refresh_ttl: float  # seconds a refresh token lives from its issue; 0 = never expires
    rotate: bool  # refresh issues a new refresh token (and retires the presented one)
    reuse_revokes_family: bool  # presenting a retired refresh token revokes its whole family
    grace_seconds: float  # how long a retired refresh token is still honoured (0 = not at all)
    loopback_any_port: bool  # RFC 8252 section 7.3: any port for 127.0.0.1 / [::1] redirect URIs
    issue_refresh_token: bool  # authorization_code grant (and /_issue) issue a refresh token
    rt_expires_in: bool  # add refresh_token_expires_in to token responses (when refresh_ttl > 0)
    mcp_json: bool  # MCP endpoint answers with application/json instead of SSE
    mcp_stateless: bool  # MCP endpoint in stateless mode (no Mcp-Session-Id)
    revoke_compat: bool  # let public clients call /revoke without a client_secret field (SDK quirk)
    authorize_iss: str  # RFC 9207 iss in the authorization redirect: "" none, "issuer", or a literal value
    iss_supported: bool  # metadata advertises authorization_response_iss_parameter_supported
    mcp_extra_scope: str  # /mcp answers 403 insufficient_scope to valid tokens without this scope ("" = off)
    device: bool  # RFC 8628 device authorization endpoint and grant
    cimd: bool  # client ID metadata documents
    device_ttl: float
    device_interval: float
    device_slow_down: int  # the first N polls answer slow_down
    log_level: str

    @staticmethod
    def from_env() -> PeerConfig:
        port_raw = os.environ.get("PORT", "0").strip() or "0"
        if not port_raw.isdigit() or int(port_raw) > 65535:
            raise SystemExit(f"peer: PORT={port_raw!r} must be 0..65535")
        level = os.environ.get("PEER_LOG", "warning").strip().upper() or "WARNING"
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SystemExit(f"peer: PEER_LOG={level!r} must be debug, info, warning or error")
        return PeerConfig(
            port=int(port_raw),
            access_ttl=_env_float("ACCESS_TTL", 5.0, minimum=0.001),
            refresh_ttl=_env_float("REFRESH_TTL", 0.0),
            rotate=_env_bool("ROTATE", True),
            reuse_revokes_family=_env_bool("REUSE_REVOKES_FAMILY", True),
            grace_seconds=_env_float("GRACE_SECONDS", 0.0),
            loopback_any_port=_env_bool("LOOPBACK_ANY_PORT", True),
            issue_refresh_token=_env_bool("ISSUE_REFRESH_TOKEN", True),
            rt_expires_in=_env_bool("RT_EXPIRES_IN", False),
            mcp_json=_env_bool("MCP_JSON", False),
            mcp_stateless=_env_bool("MCP_STATELESS", False),
            revoke_compat=_env_bool("REVOKE_COMPAT", True),
            authorize_iss=os.environ.get("AUTHORIZE_ISS", "").strip(),
            iss_supported=_env_bool("ISS_SUPPORTED", False),
            mcp_extra_scope=os.environ.get("MCP_EXTRA_SCOPE", "").strip(),
            device=_env_bool("DEVICE", False),
            cimd=_env_bool("CIMD", False),
            device_ttl=_env_float("DEVICE_TTL", 600.0, minimum=0.001),
            device_interval=_env_float("DEVICE_INTERVAL", 5.0, minimum=0.001),
            device_slow_down=int(_env_float("DEVICE_SLOW_DOWN", 0.0)),
            log_level=level,
        )


def _seconds(value: float) -> int | float:
    """A duration as JSON wants it: an integer when whole (5), else a float (1.5)."""
    return int(value) if float(value).is_integer() else round(value, 3)


# --------------------------------------------------------------------------------------------------
# Statistics (GET /_stats)


@dataclass
class Stats:
    # token_requests[grant_type][outcome] = count. outcome: "ok", an OAuth error code
    # ("invalid_grant", ...), "fault_<status>" for an injected fault, or "http_<status>".
    token_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    rotations: int = 0  # refresh tokens retired by rotation
    grace_reuses: int = 0  # retired refresh tokens honoured inside the grace window
    reuse_detected: int = 0  # retired refresh tokens presented outside the grace window
    families_revoked: dict[str, int] = field(default_factory=dict)  # reason -> count
    authorizations: int = 0  # codes handed out by /authorize
    issued_sessions: int = 0  # sessions minted by /_issue
    mcp_requests: dict[str, int] = field(default_factory=dict)  # HTTP status -> count
    faults_fired: int = 0
    last_fault_at: float = 0.0  # time.time() of the last fault fired
    # The longest time a family had no valid access token before it got a new one, leaving out gaps in which a
    # fault fired (the peer was not answering normally). The soak's `longest_expired_s`.
    longest_expired_s: float = 0.0
    responses_lost: int = 0  # delayed answers the client was no longer there to receive
    cimd_fetches: int = 0  # client ID metadata documents fetched
    last_token_request: dict[str, Any] | None = None

    def count_token(self, grant: str, outcome: str) -> None:
        per = self.token_requests.setdefault(grant, {})
        per[outcome] = per.get(outcome, 0) + 1


# --------------------------------------------------------------------------------------------------
# Data model


class PeerClient(OAuthClientInformationFull):
    """A registered client whose redirect-URI check can allow any loopback port (RFC 8252 §7.3).

    The SDK compares redirect URIs as exact strings. With LOOPBACK_ANY_PORT=1 a request for
    `http://127.0.0.1:<any port><path>` (or `http://[::1]:<port><path>`) is accepted when a URI with
    the same scheme, host, path and query is registered, whatever its port. `localhost` is not a
    loopback IP literal (RFC 8252 §8.3) and stays exact-match."""

    loopback_any_port: ClassVar[bool] = True

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        try:
            return super().validate_redirect_uri(redirect_uri)
        except InvalidRedirectUriError:
            if redirect_uri is not None and self.loopback_any_port and self._loopback_match(redirect_uri):
                return redirect_uri
            raise

    def _loopback_match(self, uri: AnyUrl) -> bool:
        def key(u: AnyUrl) -> tuple[str, str | None, str, str | None]:
            return (u.scheme, u.host, u.path or "/", u.query)

        if uri.scheme != "http" or uri.host not in ("127.0.0.1", "[::1]", "::1"):
            return False
        return any(key(registered) == key(uri) for registered in self.redirect_uris or [])


@dataclass
class Family:
    """Every token descending from one authorization grant (a code exchange or an /_issue)."""

    id: str
    client_id: str
    scopes: list[str]
    resource: str | None
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    revoked: str | None = None  # why: "reuse", "revoke_all", "revocation_endpoint"
    valid_until: float = 0.0  # when the family's newest access token expires (time.time())


class PeerRefreshToken(RefreshToken):
    family: str
    issued_at: float
    expires_at_exact: float | None = None  # the SDK's `expires_at` is an int; this is the real one
    rotated_at: float | None = None  # set when rotation retired this token
    successor: str | None = None  # the refresh token that replaced it
    # Only on copies handed to the SDK: the token endpoint must answer invalid_grant with this text.
    rejection: str | None = None


class PeerAccessToken(AccessToken):
    family: str
    expires_at_exact: float


class PeerToken(OAuthToken):
    """Token response. `expires_in` may be fractional (ACCESS_TTL=1.5); oauthtop parses it as a
    double. `refresh_token_expires_in` is sent only with RT_EXPIRES_IN=1 (Intuit/GitHub-app style)."""

    expires_in: int | float | None = None  # type: ignore[assignment]
    refresh_token_expires_in: int | float | None = None


# --------------------------------------------------------------------------------------------------
# The authorization server provider


class PeerProvider:
    """In-memory `OAuthAuthorizationServerProvider` with auto-approval and a configurable refresh policy.

    Everything runs on one event loop and no method awaits between reading and changing state, so
    concurrent token requests are decided in arrival order, deterministically.
    """

    def __init__(self, config: PeerConfig, stats: Stats, resource: str):
        self.config = config
        self.stats = stats
        self.resource = resource
        self.clients: dict[str, PeerClient] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.families: dict[str, Family] = {}
        self.access: dict[str, PeerAccessToken] = {}
        self.refresh: dict[str, PeerRefreshToken] = {}
        # Every token ever minted, revoked or not, in order (GET /_tokens): the values the suites look for in
        # oauthtop's files and output, now that the store holds them sealed.
        self.minted_access: list[str] = []
        self.minted_refresh: list[str] = []

    # ---- clients

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        if client_id not in self.clients and self.config.cimd and client_id.startswith(("https://", "http://")):
            document = await self._fetch_client_metadata(client_id)
            if document is not None:
                self.clients[client_id] = document
        return self.clients.get(client_id)

    async def _fetch_client_metadata(self, url: str) -> PeerClient | None:
        """A client ID metadata document: https, or http on loopback; its client_id must be its own URL."""
        import urllib.parse
        import urllib.request
        host = urllib.parse.urlsplit(url).hostname or ""
        if url.startswith("http://") and host not in ("127.0.0.1", "::1", "localhost"):
            return None
        self.stats.cimd_fetches += 1
        try:
            raw = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
            doc = json.loads(raw)
        except Exception as e:  # noqa: BLE001 - any failure means "no such client"
            log.warning("client metadata document %s: %s", url, e)
            return None
        if not isinstance(doc, dict) or doc.get("client_id") != url:
            log.warning("client metadata document %s does not name itself as client_id", url)
            return None
        return PeerClient(
            client_id=url, client_name=doc.get("client_name"),
            redirect_uris=[AnyUrl(u) for u in doc.get("redirect_uris", [])],
            grant_types=doc.get("grant_types", ["authorization_code", "refresh_token"]),
            response_types=doc.get("response_types", ["code"]),
            scope=doc.get("scope") or " ".join(VALID_SCOPES), token_endpoint_auth_method="none")

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.clients[client_info.client_id] = PeerClient.model_validate(client_info.model_dump())

    def register_test_client(self, confidential: bool) -> PeerClient:
        """A client for /_issue: public (auth method none) unless `confidential`."""
        now = int(time.time())
        client = PeerClient(
            client_id=str(uuid.uuid4()),
            client_id_issued_at=now,
            client_name="oauthtop test client (/_issue)",
            redirect_uris=[AnyUrl("http://127.0.0.1/callback")],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            scope=" ".join(VALID_SCOPES),
            token_endpoint_auth_method="client_secret_post" if confidential else "none",
            client_secret=secrets.token_hex(32) if confidential else None,
            client_secret_expires_at=0 if confidential else None,
        )
        self.clients[client.client_id] = client
        return client

    # ---- authorization code grant

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        # Auto-approve: no login or consent page; redirect straight back with a fresh code.
        code = "ac_" + secrets.token_urlsafe(32)
        scopes = params.scopes if params.scopes else (client.scope or " ".join(DEFAULT_SCOPES)).split()
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=scopes,
            expires_at=time.time() + CODE_TTL,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
        )
        self.stats.authorizations += 1
        iss = self.config.authorize_iss
        if iss == "issuer":
            iss = self.resource.removesuffix(MCP_PATH)
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state, iss=iss or None)

    async def load_authorization_code(self, client: OAuthClientInformationFull, code: str) -> AuthorizationCode | None:
        return self.codes.get(code)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, code: AuthorizationCode
    ) -> OAuthToken:
        self.codes.pop(code.code, None)  # single use: a replay gets "authorization code does not exist"
        family = self.new_family(client.client_id, code.scopes, code.resource or self.resource)
        return self.mint(family, code.scopes, with_refresh=self.config.issue_refresh_token)

    # ---- minting and revocation

    def new_family(self, client_id: str, scopes: list[str], resource: str | None) -> Family:
        family = Family(id=uuid.uuid4().hex, client_id=client_id, scopes=list(scopes), resource=resource)
        self.families[family.id] = family
        return family

    def _new_access(self, family: Family, scopes: list[str], ttl: float) -> PeerAccessToken:
        now = time.time()
        exact = now + ttl
        if family.valid_until and now > family.valid_until and self.stats.last_fault_at < family.valid_until:
            self.stats.longest_expired_s = max(self.stats.longest_expired_s, now - family.valid_until)
        family.valid_until = max(family.valid_until, exact)
        at = PeerAccessToken(
            token="at_" + secrets.token_urlsafe(32),
            client_id=family.client_id,
            scopes=list(scopes),
            expires_at=math.ceil(exact),  # the SDK's coarse check; load_access_token uses the exact one
            resource=family.resource,
            family=family.id,
            expires_at_exact=exact,
        )
        self.access[at.token] = at
        self.minted_access.append(at.token)
        family.access.add(at.token)
        return at

    def _new_refresh(self, family: Family) -> PeerRefreshToken:
        now = time.time()
        exact = now + self.config.refresh_ttl if self.config.refresh_ttl > 0 else None
        rt = PeerRefreshToken(
            token="rt_" + secrets.token_urlsafe(32),
            client_id=family.client_id,
            scopes=list(family.scopes),  # RFC 6749 §6: a new refresh token keeps the original scope
            expires_at=math.ceil(exact) if exact is not None else None,
            resource=family.resource,
            family=family.id,
            issued_at=now,
            expires_at_exact=exact,
        )
        self.refresh[rt.token] = rt
        self.minted_refresh.append(rt.token)
        family.refresh.add(rt.token)
        return rt

    def _response(self, at: PeerAccessToken, rt: PeerRefreshToken | None, ttl: float) -> PeerToken:
        rt_expires_in = None
        if rt is not None and self.config.rt_expires_in and rt.expires_at_exact is not None:
            rt_expires_in = _seconds(max(0.0, round(rt.expires_at_exact - time.time(), 3)))
        return PeerToken(
            access_token=at.token,
            token_type="Bearer",
            expires_in=_seconds(ttl),
            scope=" ".join(at.scopes),
            refresh_token=rt.token if rt is not None else None,
            refresh_token_expires_in=rt_expires_in,
        )

    def mint(self, family: Family, scopes: list[str], with_refresh: bool, access_ttl: float | None = None) -> PeerToken:
        ttl = self.config.access_ttl if access_ttl is None else access_ttl
        at = self._new_access(family, scopes, ttl)
        rt = self._new_refresh(family) if with_refresh else None
        return self._response(at, rt, ttl)

    def open_expiry_gap(self, last_fault_at: float) -> float:
        """The longest time a live family's access token has been expired right now (no fault since it expired)."""
        now = time.time()
        gaps = [now - f.valid_until for f in self.families.values()
                if not f.revoked and f.valid_until and f.valid_until < now and last_fault_at < f.valid_until]
        return max(gaps, default=0.0)

    def revoke_family(self, family: Family, reason: str) -> None:
        """Kill every access and refresh token descending from the family's original grant."""
        if family.revoked:
            return
        family.revoked = reason
        for token in family.access:
            self.access.pop(token, None)
        family.access.clear()
        # Refresh-token records stay (marked through their family) so a later presentation is
        # recognised as "revoked" rather than "unknown"; they can never be exchanged again.
        self.stats.families_revoked[reason] = self.stats.families_revoked.get(reason, 0) + 1
        log.info("family %s of client %s revoked (%s)", family.id[:8], family.client_id, reason)

    # ---- refresh token grant

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        """Decide what presenting `refresh_token` means. Returns None for "does not exist".

        A token retired by rotation ("rotated out") is handled here:
        * inside the grace window (GRACE_SECONDS after it was rotated, and only while its successor
          has not itself been used) it is honoured: exchange_refresh_token hands out its successor
          again, so a client whose response was lost ends up with the same refresh token the server
          already committed, and the family keeps exactly one live refresh token;
        * otherwise it is a reuse (RFC 6749 §10.4, RFC 9700 §4.14.2): counted in `reuse_detected`, and
          with REUSE_REVOKES_FAMILY=1 the whole family (all its access and refresh tokens) is revoked.
          The request is answered 400 invalid_grant.
        """
        rec = self.refresh.get(refresh_token)
        if rec is None or rec.client_id != client.client_id:
            return None  # the SDK answers invalid_grant "refresh token does not exist"
        family = self.families[rec.family]
        at_token_endpoint = _ENDPOINT.get() == TOKEN_PATH
        if family.revoked:
            if not at_token_endpoint:
                return None
            text = "refresh token has been revoked"
            if family.revoked == "reuse":
                text += " (reuse of a rotated-out refresh token was detected)"
            return rec.model_copy(update={"rejection": text, "expires_at": None})

        now = time.time()
        if rec.rotated_at is not None:
            successor = self.refresh.get(rec.successor or "")
            in_grace = (
                self.config.grace_seconds > 0
                and now - rec.rotated_at <= self.config.grace_seconds
                and successor is not None
                and successor.rotated_at is None  # only the latest retired generation gets leeway
                and (successor.expires_at_exact is None or now < successor.expires_at_exact)
            )
            if in_grace:
                return rec  # exchange_refresh_token sees rotated_at and re-issues the successor
            if not at_token_endpoint:
                return None  # e.g. /revoke of an old token at logout: nothing to do, not an attack
            self.stats.reuse_detected += 1
            if self.config.reuse_revokes_family:
                self.revoke_family(family, "reuse")
                text = "refresh token was already used (rotated out); reuse detected, token family revoked"
            else:
                text = "refresh token was already used (rotated out)"
            log.info(
                "reuse of rotated-out refresh token (family %s, rotated %.2f s ago, successor %s)",
                family.id[:8], now - rec.rotated_at, "used" if successor is None or successor.rotated_at else "unused",
            )
            return rec.model_copy(update={"rejection": text, "expires_at": None})

        if rec.expires_at_exact is not None and now >= rec.expires_at_exact:
            # Any past `expires_at` makes the SDK answer invalid_grant "refresh token has expired".
            return rec.model_copy(update={"expires_at": 1})
        return rec

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        if isinstance(refresh_token, PeerRefreshToken) and refresh_token.rejection:
            raise TokenError(error="invalid_grant", error_description=refresh_token.rejection)
        rec = self.refresh[refresh_token.token]
        family = self.families[rec.family]
        ttl = self.config.access_ttl

        if rec.rotated_at is not None:
            # Grace-window reuse (checked in load_refresh_token): a fresh access token, and the
            # successor refresh token that the first exchange already issued, unchanged.
            successor = self.refresh[rec.successor or ""]
            self.stats.grace_reuses += 1
            return self._response(self._new_access(family, scopes, ttl), successor, ttl)

        if not self.config.rotate:
            # No rotation: the response carries no refresh_token and the presented one stays valid.
            return self._response(self._new_access(family, scopes, ttl), None, ttl)

        at = self._new_access(family, scopes, ttl)
        new_rt = self._new_refresh(family)
        rec.rotated_at = time.time()
        rec.successor = new_rt.token
        self.stats.rotations += 1
        return self._response(at, new_rt, ttl)

    # ---- access tokens and revocation

    async def load_access_token(self, token: str) -> AccessToken | None:
        at = self.access.get(token)
        if at is None or self.families[at.family].revoked:
            return None
        if time.time() >= at.expires_at_exact:
            return None  # expired: the MCP endpoint answers 401 invalid_token
        return at

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        # RFC 7009 /revoke: revoking either kind revokes the whole grant (the SDK's recommendation).
        family_id = getattr(token, "family", None)
        if family_id in self.families:
            self.revoke_family(self.families[family_id], "revocation_endpoint")

    # ---- test control

    def revoke_all(self, client_id: str | None, access_only: bool) -> dict[str, int]:
        families = [
            f for f in self.families.values() if not f.revoked and (client_id is None or f.client_id == client_id)
        ]
        access_tokens = sum(len(f.access) for f in families)
        if access_only:
            for family in families:
                for token in family.access:
                    self.access.pop(token, None)
                family.access.clear()
            return {"revoked_families": 0, "revoked_access_tokens": access_tokens}
        for family in families:
            self.revoke_family(family, "revoke_all")
        for code, ac in list(self.codes.items()):
            if client_id is None or ac.client_id == client_id:
                del self.codes[code]
        return {"revoked_families": len(families), "revoked_access_tokens": access_tokens}

    def counts(self) -> dict[str, int]:
        now = time.time()
        live_rt = 0
        for rt in self.refresh.values():
            retired = rt.rotated_at is not None or self.families[rt.family].revoked
            expired = rt.expires_at_exact is not None and now >= rt.expires_at_exact
            if not retired and not expired:
                live_rt += 1
        live_at = sum(1 for at in self.access.values() if now < at.expires_at_exact)
        return {
            "live_refresh_tokens": live_rt,
            "live_access_tokens": live_at,
            "families": len(self.families),
            "live_families": sum(1 for f in self.families.values() if not f.revoked),
        }


# --------------------------------------------------------------------------------------------------
# Device authorization (RFC 8628)


@dataclass
class DeviceGrant:
    client_id: str
    scopes: list[str]
    resource: str | None
    user_code: str
    expires_at: float
    decision: str = "pending"  # pending, approve, deny
    last_poll: float = 0.0


class Devices:
    """The codes handed out by /device_authorization and what the person decided (POST /_device)."""

    def __init__(self, config: PeerConfig, base_url: str):
        self.config = config
        self.base_url = base_url
        self.grants: dict[str, DeviceGrant] = {}  # device_code -> grant
        self.slow_downs_left = config.device_slow_down
        self.polls = 0
        self.issued: list[str] = []  # every device code handed out, for tests that grep outputs for them

    def authorize(self, form: dict[str, str], provider: Any) -> tuple[int, dict[str, Any]]:
        client_id = form.get("client_id", "")
        if client_id not in provider.clients:
            return 401, {"error": "invalid_client", "error_description": "unknown client_id"}
        scopes = (form.get("scope") or " ".join(DEFAULT_SCOPES)).split()
        if not set(scopes) <= set(VALID_SCOPES):
            return 400, {"error": "invalid_scope", "error_description": f"valid scopes are {VALID_SCOPES}"}
        device_code = "dc_" + secrets.token_urlsafe(32)
        self.issued.append(device_code)
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(letters) for _ in range(4)) + "-" + "".join(
            secrets.choice(letters) for _ in range(4))
        self.grants[device_code] = DeviceGrant(
            client_id, scopes, form.get("resource"), user_code, time.time() + self.config.device_ttl)
        return 200, {
            "device_code": device_code, "user_code": user_code,
            "verification_uri": self.base_url + "/device",
            "verification_uri_complete": self.base_url + "/device?user_code=" + user_code,
            "expires_in": _seconds(self.config.device_ttl), "interval": _seconds(self.config.device_interval),
        }

    def decide(self, user_code: str, action: str) -> tuple[int, dict[str, Any]]:
        for grant in self.grants.values():
            if grant.user_code == user_code and grant.decision == "pending":
                grant.decision = action
                return 200, {"user_code": user_code, "decision": action}
        return 404, {"error": "no pending device grant with that user_code"}

    def pending_user_codes(self) -> list[str]:
        return [g.user_code for g in self.grants.values() if g.decision == "pending" and g.expires_at > time.time()]

    def poll(self, form: dict[str, str], provider: Any) -> tuple[int, dict[str, Any]]:
        self.polls += 1
        grant = self.grants.get(form.get("device_code", ""))
        if grant is None or grant.client_id != form.get("client_id"):
            return 400, {"error": "invalid_grant", "error_description": "unknown device_code"}
        now = time.time()
        if now >= grant.expires_at:
            return 400, {"error": "expired_token", "error_description": "the device code has expired"}
        if grant.decision == "deny":
            del self.grants[form["device_code"]]
            return 400, {"error": "access_denied", "error_description": "The user said no"}
        if grant.decision == "pending":
            if self.slow_downs_left > 0:
                self.slow_downs_left -= 1
                return 400, {"error": "slow_down"}
            return 400, {"error": "authorization_pending"}
        del self.grants[form["device_code"]]  # single use
        family = provider.new_family(grant.client_id, grant.scopes, grant.resource or provider.resource)
        token = provider.mint(family, grant.scopes, with_refresh=self.config.issue_refresh_token)
        return 200, token.model_dump(exclude_none=True)


# Fault injection

FAULT_KEYS = {
    "path", "method", "grant_type", "count", "status", "retry_after", "retry_after_in", "body", "ctype",
    "delay", "rewrite", "error", "error_description", "raw", "size", "headers",
}  # fmt: skip
BODY_KINDS = {"html", "empty", "json", "form", "error_in_200", "huge", "raw"}
HUGE_DEFAULT = 1536 * 1024  # 1.5 MiB: over the 1 MiB a client should accept from a token endpoint


class ControlError(ValueError):
    pass


@dataclass
class Fault:
    """One queued fault (see the module docstring). Short-circuits (the request never reaches the SDK) when it has a
    `status`, `body` or `raw`; otherwise the request is processed normally and `rewrite`/`delay`
    change how and when the real answer is delivered."""

    spec: dict[str, Any]
    path: str
    method: str | None
    grant_type: str | None
    remaining: int  # -1 = until cleared

    @staticmethod
    def parse(spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise ControlError("a fault must be a JSON object")
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ControlError(f"unknown fault keys: {sorted(unknown)} (allowed: {sorted(FAULT_KEYS)})")
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count == 0 or count < -1:
            raise ControlError("count must be a positive integer, or -1 for 'until cleared'")
        body = spec.get("body")
        if body is not None and body not in BODY_KINDS:
            raise ControlError(f"body must be one of {sorted(BODY_KINDS)}")
        if body == "raw" and "raw" not in spec:
            raise ControlError('body "raw" needs a "raw" string')
        status = spec.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ControlError("status must be an HTTP status code")
        for key in ("delay", "retry_after_in", "size"):
            if key in spec and (
                not isinstance(spec[key], (int, float)) or isinstance(spec[key], bool) or spec[key] < 0
            ):
                raise ControlError(f"{key} must be a non-negative number")
        if "rewrite" in spec and not isinstance(spec["rewrite"], dict):
            raise ControlError("rewrite must be an object")
        if "headers" in spec and not isinstance(spec["headers"], dict):
            raise ControlError("headers must be an object")
        path = spec.get("path", TOKEN_PATH)
        if not isinstance(path, str) or not path.startswith("/"):
            raise ControlError("path must start with /")
        method = spec.get("method")
        return Fault(
            spec=spec,
            path=path,
            method=method.upper() if isinstance(method, str) else None,
            grant_type=spec.get("grant_type"),
            remaining=count,
        )

    @property
    def short_circuits(self) -> bool:
        return any(k in self.spec for k in ("status", "body", "raw"))

    @property
    def delay(self) -> float:
        return float(self.spec.get("delay", 0))

    def matches(self, path: str, method: str, grant_type: str | None) -> bool:
        return (
            self.path == path
            and (self.method is None or self.method == method)
            and (self.grant_type is None or self.grant_type == grant_type)
        )

    def render(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The injected answer: status, headers, body."""
        s = self.spec
        kind = s.get("body") or ("raw" if "raw" in s else "html")
        status = s.get("status") or (200 if kind in ("error_in_200", "huge") else 503)
        reason = _REASONS.get(status, "Error")
        error = s.get("error") or _default_error(status)
        description = s.get("error_description") or f"injected fault ({status} {reason})"
        ctype: str | None
        if kind == "html":
            body = (
                f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n<body>\n"
                f"<center><h1>{status} {reason}</h1></center>\n<hr><center>nginx</center>\n</body></html>\n"
            ).encode()
            ctype = "text/html; charset=utf-8"
        elif kind == "empty":
            body, ctype = b"", None
        elif kind in ("json", "error_in_200"):
            body = json.dumps({"error": error, "error_description": description}).encode()
            ctype = "application/json"
        elif kind == "form":
            body = urlencode({"error": error, "error_description": description}).encode()
            ctype = "application/x-www-form-urlencoded"
        elif kind == "huge":
            size = int(s.get("size", HUGE_DEFAULT))
            body = b'{"padding":"' + b"x" * max(0, size - 14) + b'"}'
            ctype = "application/json"
        else:  # raw
            body = str(s["raw"]).encode()
            ctype = "text/plain; charset=utf-8"
        ctype = s.get("ctype", ctype)
        headers: list[tuple[bytes, bytes]] = [(b"cache-control", b"no-store")]
        if ctype:
            headers.append((b"content-type", ctype.encode()))
        headers += self.retry_after_headers()
        headers += [(str(k).lower().encode(), str(v).encode()) for k, v in s.get("headers", {}).items()]
        return status, headers, body

    def retry_after_headers(self) -> list[tuple[bytes, bytes]]:
        if "retry_after" in self.spec:
            return [(b"retry-after", str(self.spec["retry_after"]).encode())]
        if "retry_after_in" in self.spec:  # an HTTP-date this many seconds from now
            when = time.time() + float(self.spec["retry_after_in"])
            return [(b"retry-after", email.utils.formatdate(when, usegmt=True).encode())]
        return []

    def rewrite(self, body: bytes) -> bytes:
        """Mangle a JSON answer the way some providers do. Per key: "drop" removes it; for expires_in,
        "str" turns the number into a string ("5"); any other value replaces it. The server's own state
        is not changed (e.g. dropping refresh_token after a rotation leaves the client holding a retired one)."""
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        if not isinstance(doc, dict):
            return body
        for key, value in self.spec["rewrite"].items():
            if value == "drop":
                doc.pop(key, None)
            elif value == "str":
                if key in doc:
                    doc[key] = str(doc[key])
            else:
                doc[key] = value
        return json.dumps(doc).encode()


_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip


def _default_error(status: int) -> str:
    if status == 500:
        return "server_error"
    if status >= 500 or status == 429:
        return "temporarily_unavailable"
    if status == 401:
        return "invalid_client"
    return "invalid_grant"


class FaultQueue:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def take(self, path: str, method: str, grant_type: str | None) -> Fault | None:
        """The first queued fault matching this request, consuming one of its uses."""
        for fault in self.faults:
            if fault.matches(path, method, grant_type):
                if fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [{**f.spec, "remaining": f.remaining} for f in self.faults]


# --------------------------------------------------------------------------------------------------
# ASGI wrapper: control endpoints, fault injection, request accounting


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    """A `receive` that yields the already-read body once, then defers to the real one (disconnects)."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_simple(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [h for h in headers if h[0] != b"content-length"] + [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_json(send: Any, status: int, doc: Any) -> None:
    body = json.dumps(doc, indent=1).encode() + b"\n"
    await _send_simple(send, status, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")], body)


class PeerASGI:
    CONTROL = ("/_fault", "/_revoke_all", "/_stats", "/_issue", "/_device", "/_tokens")

    def __init__(self, app: Any, provider: PeerProvider, stats: Stats, config: PeerConfig, base_url: str):
        self.app = app
        self.provider = provider
        self.stats = stats
        self.config = config
        self.base_url = base_url
        self.faults = FaultQueue()
        self.devices = Devices(config, base_url)
        self.started_at = time.time()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan (starts the MCP session manager)
            return
        path, method = scope["path"], scope["method"]
        if path in self.CONTROL:
            client = scope.get("client")
            if not client or client[0] not in ("127.0.0.1", "::1"):
                await _send_json(send, 403, {"error": "control endpoints are loopback-only"})
                return
            await self.control(path, method, receive, send)
            return

        # Read small request bodies up front so faults can match on grant_type and stats can count it.
        form: dict[str, str] = {}
        if method == "POST" and path != MCP_PATH:
            body = await _read_body(receive)
            if path in (TOKEN_PATH, DEVICE_PATH):
                form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
            elif path == REVOKE_PATH and self.config.revoke_compat and b"client_secret=" not in body:
                # SDK quirk: its RevocationRequest declares `client_secret: str | None` without a
                # default, so a public client (RFC 7009 request without client_secret) gets
                # 400 "client_secret: Field required". Supply the empty field it insists on.
                body = body + (b"&" if body else b"") + b"client_secret="
            receive = _replay(body, receive)
        grant = form.get("grant_type", "(none)") if path == TOKEN_PATH else None

        fault = self.faults.take(path, method, grant)
        if fault is not None:
            self.stats.faults_fired += 1
            self.stats.last_fault_at = time.time()
            log.info("fault on %s %s: %s", method, path, fault.spec)
        if path == TOKEN_PATH:
            self.stats.last_token_request = self._describe_token_request(scope, form)
        additions: dict[str, Any] = {}
        if self.config.iss_supported:
            additions["authorization_response_iss_parameter_supported"] = True
        if self.config.device:
            additions["device_authorization_endpoint"] = self.base_url + DEVICE_PATH
        if self.config.cimd:
            additions["client_id_metadata_document_supported"] = True
        if fault is None and additions and path == "/.well-known/oauth-authorization-server":
            # The SDK's metadata model has neither field: add them as a (silent) rewrite of the real answer.
            fault = Fault.parse({"path": path, "rewrite": additions})
        if self.config.device and path == DEVICE_PATH and method == "POST":
            await _send_json(send, *self.devices.authorize(form, self.provider))
            return
        if self.config.device and grant == DEVICE_GRANT:
            status, answer = self.devices.poll(form, self.provider)
            self.stats.count_token(grant, _outcome(status, json.dumps(answer).encode()))
            await _send_json(send, status, answer)
            return

        endpoint = _ENDPOINT.set(path)
        try:
            if fault is not None and fault.short_circuits:
                # The request never reaches the SDK: nothing is committed (no rotation).
                if fault.delay and not await self._hold(receive, fault.delay):
                    return
                status, headers, body = fault.render()
                if grant is not None:
                    self.stats.count_token(grant, f"fault_{status}")
                if path == MCP_PATH:
                    self._count_mcp(status)
                await self._deliver(send, status, headers, body)
                return

            if path == MCP_PATH and self.config.mcp_extra_scope and await self._lacks_extra_scope(scope):
                wanted = f"mcp {self.config.mcp_extra_scope}"
                self._count_mcp(403)
                challenge = f'Bearer error="insufficient_scope", scope="{wanted}", error_description="needs {wanted}"'
                await _send_simple(send, 403, [(b"www-authenticate", challenge.encode()),
                                               (b"content-type", b"application/json")], b'{"error":"insufficient_scope"}')
                return

            if path != TOKEN_PATH and fault is None:
                await self.app(scope, receive, self._observe(send) if path == MCP_PATH else send)
                return

            # Buffer the real answer: to count its outcome, and to rewrite or hold it back.
            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def capture(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, capture)
            status, headers, body = start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)
            if grant is not None:
                self.stats.count_token(grant, _outcome(status, body))
            if path == MCP_PATH:
                self._count_mcp(status)
            if fault is not None:
                if "rewrite" in fault.spec:
                    body = fault.rewrite(body)
                headers += fault.retry_after_headers()
                headers += [
                    (str(k).lower().encode(), str(v).encode()) for k, v in fault.spec.get("headers", {}).items()
                ]
            if fault is not None and fault.delay and not await self._hold(receive, fault.delay):
                # Lost-response case: the SDK has already committed (e.g. rotated the refresh token)
                # and the client gave up before the answer was due.
                return
            await self._deliver(send, status, headers, body)
        finally:
            _ENDPOINT.reset(endpoint)

    async def _lacks_extra_scope(self, scope: dict[str, Any]) -> bool:
        """A valid bearer token without MCP_EXTRA_SCOPE (an invalid one is left to the SDK's 401)."""
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        if not header.lower().startswith("bearer "):
            return False
        token = await self.provider.load_access_token(header[7:].strip())
        return token is not None and self.config.mcp_extra_scope not in token.scopes

    async def _hold(self, receive: Any, delay: float) -> bool:
        """Wait `delay` seconds before answering. False (and counted in `responses_lost`) when the
        client disconnects meanwhile, e.g. because its own timeout was shorter."""

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(disconnected(), timeout=delay)
        except asyncio.TimeoutError:
            return True
        self.stats.responses_lost += 1
        log.info("client left before the delayed answer was sent")
        return False

    async def _deliver(self, send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        try:
            await _send_simple(send, status, headers, body)
        except OSError:  # the connection went away while sending
            self.stats.responses_lost += 1

    def _observe(self, send: Any) -> Any:
        async def observe(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self._count_mcp(message["status"])
            await send(message)

        return observe

    def _count_mcp(self, status: int) -> None:
        self.stats.mcp_requests[str(status)] = self.stats.mcp_requests.get(str(status), 0) + 1

    @staticmethod
    def _describe_token_request(scope: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        client_auth = "basic" if auth.lower().startswith("basic ") else "post" if "client_secret" in form else "none"
        return {
            "at": time.time(),
            "grant_type": form.get("grant_type"),
            "params": sorted(form),
            "client_id": form.get("client_id"),
            "scope": form.get("scope"),
            "resource": form.get("resource"),
            "client_auth": client_auth,
            "accept": headers.get("accept"),
            "content_type": headers.get("content-type"),
            "user_agent": headers.get("user-agent"),
        }

    # ---- control endpoints

    async def control(self, path: str, method: str, receive: Any, send: Any) -> None:
        want = "GET" if path in ("/_stats", "/_tokens") else "POST"
        if method != want:
            await _send_json(send, 405, {"error": f"use {want} {path}"})
            return
        raw = await _read_body(receive) if method == "POST" else b""
        try:
            doc = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            await _send_json(send, 400, {"error": f"body is not JSON: {e}"})
            return
        try:
            if path == "/_fault":
                status, answer = 200, self._fault(doc)
            elif path == "/_device":
                if not isinstance(doc, dict) or doc.get("action") not in ("approve", "deny"):
                    raise ControlError('body must be {"user_code": ..., "action": "approve" or "deny"}')
                status, answer = self.devices.decide(str(doc.get("user_code", "")), doc["action"])
            elif path == "/_revoke_all":
                if not isinstance(doc, dict):
                    raise ControlError("body must be a JSON object")
                answer = self.provider.revoke_all(doc.get("client_id"), bool(doc.get("access_only", False)))
                status = 200
            elif path == "/_stats":
                status, answer = 200, self._stats()
            elif path == "/_tokens":
                status, answer = 200, self._tokens()
            else:
                status, answer = self._issue(doc)
        except ControlError as e:
            status, answer = 400, {"error": str(e)}
        await _send_json(send, status, answer)

    def _fault(self, doc: Any) -> dict[str, Any]:
        if isinstance(doc, dict) and doc.get("clear"):
            cleared = len(self.faults.faults)
            self.faults.faults.clear()
            return {"cleared": cleared, "pending": []}
        specs = doc if isinstance(doc, list) else [doc]
        parsed = [Fault.parse(spec) for spec in specs]  # all or nothing
        self.faults.faults.extend(parsed)
        return {"queued": len(parsed), "pending": self.faults.pending()}

    def _tokens(self) -> dict[str, list[str]]:
        provider = self.provider
        return {
            "access_tokens": list(provider.minted_access),
            "refresh_tokens": list(provider.minted_refresh),
            "client_secrets": [c.client_secret for c in provider.clients.values() if c.client_secret],
        }

    def _stats(self) -> dict[str, Any]:
        s = self.stats
        return {
            "token_requests": s.token_requests,
            "token_requests_total": sum(sum(v.values()) for v in s.token_requests.values()),
            "rotations": s.rotations,
            "grace_reuses": s.grace_reuses,
            "reuse_detected": s.reuse_detected,
            "families_revoked": sum(s.families_revoked.values()),
            "families_revoked_by": s.families_revoked,
            **self.provider.counts(),
            "clients": len(self.provider.clients),
            "client_ids": sorted(self.provider.clients),
            "authorizations": s.authorizations,
            "issued_sessions": s.issued_sessions,
            "mcp_requests": s.mcp_requests,
            "device_polls": self.devices.polls,
            "cimd_fetches": s.cimd_fetches,
            "device_pending_user_codes": self.devices.pending_user_codes(),
            "device_codes_issued": self.devices.issued,
            "faults_fired": s.faults_fired,
            "longest_expired_s": round(max(s.longest_expired_s, self.provider.open_expiry_gap(s.last_fault_at)), 3),
            "faults_pending": self.faults.pending(),
            "responses_lost": s.responses_lost,
            "last_token_request": s.last_token_request,
            "uptime": round(time.time() - self.started_at, 3),
            "config": {
                "issuer": self.base_url,
                "resource": self.provider.resource,
                "access_ttl": self.config.access_ttl,
                "refresh_ttl": self.config.refresh_ttl,
                "rotate": self.config.rotate,
                "reuse_revokes_family": self.config.reuse_revokes_family,
                "grace_seconds": self.config.grace_seconds,
                "loopback_any_port": self.config.loopback_any_port,
                "issue_refresh_token": self.config.issue_refresh_token,
                "rt_expires_in": self.config.rt_expires_in,
                "mcp_json": self.config.mcp_json,
                "mcp_stateless": self.config.mcp_stateless,
                "revoke_compat": self.config.revoke_compat,
            },
        }

    def _issue(self, doc: Any) -> tuple[int, dict[str, Any]]:
        """Mint a session without a browser, as if a code exchange had just happened."""
        if not isinstance(doc, dict):
            raise ControlError("body must be a JSON object")
        unknown = set(doc) - {"client_id", "scopes", "confidential", "access_ttl"}
        if unknown:
            raise ControlError(f"unknown keys: {sorted(unknown)}")
        client_id = doc.get("client_id")
        if client_id is not None:
            client = self.provider.clients.get(str(client_id))
            if client is None:
                return 404, {"error": f"no client {client_id!r}; omit client_id to register one"}
        else:
            client = self.provider.register_test_client(bool(doc.get("confidential", False)))
        allowed = (client.scope or " ".join(DEFAULT_SCOPES)).split()
        scopes = doc.get("scopes") or list(DEFAULT_SCOPES)
        if not isinstance(scopes, list) or not all(isinstance(x, str) for x in scopes):
            raise ControlError("scopes must be a list of strings")
        if not set(scopes) <= set(allowed):
            return 400, {"error": "invalid_scope", "error_description": f"client may have {allowed}"}
        access_ttl = doc.get("access_ttl")
        if access_ttl is not None and (not isinstance(access_ttl, (int, float)) or access_ttl < 0):
            raise ControlError("access_ttl must be a non-negative number")
        family = self.provider.new_family(client.client_id, scopes, self.provider.resource)
        token = self.provider.mint(family, scopes, with_refresh=self.config.issue_refresh_token, access_ttl=access_ttl)
        self.stats.issued_sessions += 1
        answer = token.model_dump(exclude_none=True)
        answer["client_id"] = client.client_id
        if client.client_secret:
            answer["client_secret"] = client.client_secret
        answer["token_endpoint"] = self.base_url + TOKEN_PATH
        return 200, answer


def _outcome(status: int, body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if status == 200 and "access_token" in doc:
            return "ok"
        if isinstance(doc.get("error"), str):
            return doc["error"]
    return f"http_{status}"


# --------------------------------------------------------------------------------------------------
# Wiring


def build(config: PeerConfig, base_url: str) -> PeerASGI:
    stats = Stats()
    resource = base_url + MCP_PATH
    provider = PeerProvider(config, stats, resource)
    PeerClient.loopback_any_port = config.loopback_any_port

    server = MCPServer(
        "oauthtop-test-peer",
        version="1",
        auth_server_provider=provider,
        log_level=config.log_level,  # type: ignore[arg-type]
        auth=AuthSettings(
            # A *string*: pydantic's AnyHttpUrl("http://h:p") would publish the issuer as "http://h:p/",
            # and RFC 8414 §3.3 compares issuers as exact strings.
            issuer_url=base_url,  # type: ignore[arg-type]
            resource_server_url=resource,  # type: ignore[arg-type]
            validate_token_resource=False,
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=VALID_SCOPES, default_scopes=DEFAULT_SCOPES
            ),
            revocation_options=RevocationOptions(enabled=True),
            required_scopes=["mcp"],
        ),
    )

    @server.tool()
    def whoami() -> str:
        """Who the bearer token belongs to: client id, scopes and seconds until the token expires."""
        at = get_access_token()
        if at is None:
            return json.dumps({"client_id": None})
        exact = getattr(at, "expires_at_exact", at.expires_at)
        return json.dumps(
            {
                "client_id": at.client_id,
                "scopes": at.scopes,
                "expires_in": round(exact - time.time(), 3) if exact else None,
            }
        )

    app = server.streamable_http_app(json_response=config.mcp_json, stateless_http=config.mcp_stateless)
    return PeerASGI(app, provider, stats, config, base_url)


async def serve(config: PeerConfig) -> None:
    # proto=IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP.
    # Without it every answer on a kept-alive connection waits ~40 ms for the client's delayed ACK (Nagle), which
    # no real provider's front end (nginx: tcp_nodelay on) does; the listener's NODELAY is set too, for good measure.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", config.port))  # loopback only; port 0 = a free port chosen by the kernel
    except OSError as e:
        raise SystemExit(f"peer: cannot listen on 127.0.0.1:{config.port}: {e}") from None
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    app = build(config, base_url)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=None,  # uvicorn's own config would send access lines to stdout
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        print(f"PEER_READY {base_url}", file=_REAL_STDOUT, flush=True)

    announcer = asyncio.create_task(announce())
    await server.serve(sockets=[sock])
    announcer.cancel()


def main() -> None:
    config = PeerConfig.from_env()
    logging.basicConfig(
        level=config.log_level, stream=sys.stderr, format="%(asctime)s peer %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(serve(config))


if __name__ == "__main__":
    main()
