#!/usr/bin/env python3
"""End-to-end tests of `oauthtop login`, `logout` and the connection probe against the real mcp SDK peer.

Run by scripts/test as `.venv/bin/python Tests/E2E/signin.py`. Reuses the Peer and Home helpers of headless.py.
Each scenario starts its own peer and a config holding only the server's `url`; `$BROWSER` is Tests/E2E/browser.py,
which plays the user's browser (the peer auto-approves) and records the state and code it saw, so that the final
check can grep every output and log for them and for every token.

Test knobs used (docs/testing.md): OAUTHTOP_LOGIN_TIMEOUT (seconds the login waits for the browser),
OAUTHTOP_PROBE_INTERVAL and OAUTHTOP_REJECTION_WINDOW (compress the 5-minute probe and the 1-minute window).
Environment: OAUTHTOP (binary), E2E_ONLY (comma-separated scenario names). Ends with `N passed, N failed`.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import headless  # noqa: E402
from headless import BIN, PYTHON, ROOT, Home, Peer, check, eventually, fast_refresh, http, server  # noqa: E402

BROWSER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser.py")


class SignInHome(Home):
    """A Home whose oauthtop runs with a scripted browser and the test knobs."""

    def __init__(self, servers, refresh=None, env=None):
        super().__init__(servers, refresh=refresh)
        self.extra = dict(env or {})
        self.records = 0

    def env(self):
        return dict(super().env(), **self.extra)

    def browser(self, mode):
        """Sets $BROWSER to browser.py in `mode`; returns the file it will record to."""
        self.records += 1
        record = os.path.join(self.dir, f"browser-{self.records}.json")
        self.extra["BROWSER"] = f"{PYTHON} {BROWSER_SCRIPT} {mode} {record}"
        return record

    def login(self, name, mode="follow", *args, timeout=60):
        record = self.browser(mode)
        result = self.run("login", name, *args, timeout=timeout)
        seen = read_record(record) if mode != "nothing" else {}
        return result, seen


def read_record(path, timeout=10):
    """What browser.py saw; its values (state, code) join the secrets no output may contain. browser.py writes the
    file whole (rename), so it is complete once it exists."""
    if not eventually(lambda: os.path.exists(path), timeout):
        return {}
    with open(path) as handle:
        seen = json.load(handle)
    headless.SECRETS.update(v for v in (seen.get("state"), seen.get("code")) if v)
    return seen


def visits(seen, label):
    return [v for v in seen.get("visits", []) if v["label"] == label]


def collect_session_secrets(home, name):
    """The session's row (its tokens sealed), client registrations and discovery as the database has them. The
    tokens themselves are added to SECRETS from the peers that minted them (`/_tokens`, every peer still running),
    as the store holds only their sealed form."""
    import sqlite3
    for peer in list(headless.PEERS):
        if peer.process.poll() is None:
            peer.collect_secrets()
    path = os.path.join(home.state, "oauthtop.sqlite")
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT access_token, refresh_token FROM sessions WHERE server = ?", (name,)).fetchone()
        clients = db.execute("SELECT client_id, redirect_uri FROM client_registrations WHERE server = ?", (name,)).fetchall()
        discovery = db.execute(
            "SELECT issuer, authorization_endpoint, token_endpoint, registration_endpoint, revocation_endpoint, resource "
            "FROM discoveries WHERE server = ?", (name,)).fetchone()
    return row, clients, discovery


def output(result):
    return result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------------------------


def scenario_login():
    """Only `url` in the config: discovery, dynamic registration, PKCE, the exchange; the token works on /mcp; a
    second login reuses the registration; logout revokes."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)})
    try:
        result, seen = home.login("jira")
        check("login: exit 0, says signed in and that the MCP server accepted the token",
              result.returncode == 0 and "signed in" in result.stdout and "accepted the token" in result.stdout,
              output(result))
        check("login: the browser was opened (not the URL printed)", "opened a browser" in result.stdout
              and "state=" not in output(result), result.stdout)
        check("login: the authorization URL has PKCE S256, state, resource, scope, redirect_uri",
              seen.get("code_challenge_method") == "S256"
              and {"response_type", "client_id", "redirect_uri", "state", "code_challenge", "resource", "scope"}
              <= set(seen.get("authorization_params", [])), json.dumps(seen))
        callback = visits(seen, "callback")
        check("login: the browser got the 'Signed in' page, with Referrer-Policy no-referrer",
              callback and callback[0]["status"] == 200 and callback[0]["title"] == "Signed in"
              and callback[0]["referrer_policy"] == "no-referrer", json.dumps(seen))
        stats = peer.stats()
        last = stats["last_token_request"] or {}
        check("login: one client registered, one code exchanged with code_verifier, redirect_uri and resource",
              stats["clients"] == 1 and stats["token_requests"].get("authorization_code", {}).get("ok") == 1
              and {"code", "code_verifier", "redirect_uri", "resource", "client_id"} <= set(last.get("params", []))
              and last.get("resource") == peer.url + "/mcp", json.dumps(stats))
        row, clients, discovery = collect_session_secrets(home, "jira")
        # The redirect URI registered is the one the authorization URL carried and the one whose port answered the
        # browser with the "Signed in" page.
        redirect = seen.get("redirect_uri") or ""
        check("store: session, one client registration for the 127.0.0.1 callback that answered, and the discovered "
              "endpoints",
              row is not None and len(clients) == 1 and clients[0][1] == redirect
              and re.fullmatch(r"http://127\.0\.0\.1:[0-9]+/callback/[0-9a-f]{16}", redirect)
              and bool(callback) and callback[0]["url"] == redirect
              and discovery == (peer.url, peer.url + "/authorize", peer.url + "/token", peer.url + "/register",
                                peer.url + "/revoke", peer.url + "/mcp"), f"{clients} {redirect} {discovery}")
        code, token = home.token("jira")
        check("token: the signed-in token works on the peer's MCP endpoint", code == 0 and peer.mcp_accepts(token))
        rows = home.list()
        check("list: healthy and 'Connected' (the probe after sign-in)",
              rows.get("jira", {}).get("level") == "healthy" and rows["jira"]["summary"] == "Connected",
              json.dumps(rows.get("jira")))

        result, _ = home.login("jira")
        stats = peer.stats()
        check("second login: exit 0 and the registration is reused (the peer still has one client)",
              result.returncode == 0 and stats["clients"] == 1 and stats["authorizations"] == 2, json.dumps(stats))
        collect_session_secrets(home, "jira")
        code, token = home.token("jira")

        log = home.log()
        for message in ("OAuth sign-in started", "OAuth sign-in succeeded", "OAuth client connection successful"):
            check(f"log: '{message}'", f'"msg":"{message}"' in log)
        check("log: a probe is never logged as a refresh", '"msg":"OAuth token refresh succeeded"' not in log)

        result = home.run("logout", "jira")
        stats = peer.stats()
        check("logout: exit 0, revoked at the provider (RFC 7009) and forgotten",
              result.returncode == 0 and "revoked at the provider" in result.stdout
              and stats["families_revoked_by"].get("revocation_endpoint") == 1, output(result) + json.dumps(stats))
        check("logout: the revoked token no longer works", not peer.mcp_accepts(token))
        row = home.list().get("jira", {})
        check("list after logout: Logged out / login", row.get("summary") == "Logged out" and row.get("action") == "login",
              json.dumps(row))
    finally:
        home.close()
        peer.stop()


def scenario_no_browser():
    """--no-browser prints the URL; whoever opens it signs in."""
    peer = Peer()
    home = SignInHome({"jira": server(peer)})
    try:
        process = subprocess.Popen([BIN, "login", "jira", "--no-browser"], env=home.env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        url = None
        for line in process.stdout:
            if line.startswith("http://"):
                url = line.strip()
                break
        record = os.path.join(home.dir, "manual.json")
        if url:
            subprocess.run([PYTHON, BROWSER_SCRIPT, "follow", record, url], timeout=30)
        rest, errors = process.communicate(timeout=30)
        # The printed URL carries the state by design; it is the one output left out of the secrets grep.
        headless.TRANSCRIPT.append(rest + errors)
        check("--no-browser: the URL is printed, opening it signs in (exit 0)",
              url is not None and "/authorize?" in url and process.returncode == 0 and "signed in" in rest,
              f"rc={process.returncode} {rest} {errors}")
        read_record(record)
    finally:
        home.close()
        peer.stop()


def scenario_wrong_state():
    """A redirect with a wrong or missing state is refused (400) and does not end the sign-in."""
    peer = Peer()
    home = SignInHome({"jira": server(peer)})
    try:
        result, seen = home.login("jira", "wrong_then_right")
        wrong, missing, right = visits(seen, "wrong_state"), visits(seen, "no_state"), visits(seen, "callback")
        check("wrong state: 400 'Not this sign-in' page; missing state: 400 too",
              wrong and wrong[0]["status"] == 400 and wrong[0]["title"] == "Not this sign-in"
              and missing and missing[0]["status"] == 400, json.dumps(seen))
        check("wrong state: the sign-in went on and the right redirect signed in (exit 0)",
              result.returncode == 0 and right and right[0]["title"] == "Signed in", output(result))
        check("wrong state: the terminal says a redirect was ignored",
              "state does not match" in result.stdout, result.stdout)
    finally:
        home.close()
        peer.stop()


def scenario_missing_code():
    peer = Peer()
    home = SignInHome({"jira": server(peer)})
    try:
        result, seen = home.login("jira", "missing_code")
        page = visits(seen, "callback")
        check("missing code: exit 3, a clear message, 'Sign-in failed' page",
              result.returncode == 3 and "no authorization code" in result.stderr
              and page and page[0]["title"] == "Sign-in failed", output(result) + json.dumps(seen))
        row = home.list().get("jira", {})
        check("missing code: the server is back to 'Sign-in required'", row.get("summary") == "Sign-in required",
              json.dumps(row))
    finally:
        home.close()
        peer.stop()


def scenario_access_denied():
    peer = Peer()
    home = SignInHome({"jira": server(peer)})
    try:
        result, seen = home.login("jira", "deny")
        page = visits(seen, "callback")
        check("access_denied: exit 3, 'denied' with the provider's description",
              result.returncode == 3 and "denied" in result.stderr and "access_denied" in result.stderr
              and "The user said no" in result.stderr, output(result))
        check("access_denied: the browser gets a 'Sign-in failed' page", page and page[0]["title"] == "Sign-in failed",
              json.dumps(seen))
        check("access_denied: no token was requested", "authorization_code" not in peer.stats()["token_requests"])
    finally:
        home.close()
        peer.stop()


def scenario_timeout():
    peer = Peer()
    home = SignInHome({"jira": server(peer)}, env={"OAUTHTOP_LOGIN_TIMEOUT": "2"})
    try:
        started = time.monotonic()
        result, _ = home.login("jira", "nothing")
        took = time.monotonic() - started
        check("timeout: exit 3 after about 2 s, saying nobody completed the sign-in",
              result.returncode == 3 and "nobody completed the sign-in" in result.stderr and 1.5 < took < 10,
              f"{took:.1f}s {output(result)}")
    finally:
        home.close()
        peer.stop()


def scenario_mix_up():
    """RFC 9207: a redirect whose iss names another authorization server is refused whether the metadata advertises
    iss or not; a missing iss is refused only when advertised; the right iss signs in."""
    cases = [
        ("wrong iss, not advertised", {"AUTHORIZE_ISS": "https://evil.example"}, "refused"),
        ("wrong iss, advertised", {"AUTHORIZE_ISS": "https://evil.example", "ISS_SUPPORTED": "1"}, "refused"),
        ("no iss, advertised", {"ISS_SUPPORTED": "1"}, "missing"),
        ("right iss, advertised", {"AUTHORIZE_ISS": "issuer", "ISS_SUPPORTED": "1"}, "ok"),
    ]
    for label, knobs, expected in cases:
        peer = Peer(ACCESS_TTL=3600, **knobs)
        home = SignInHome({"jira": server(peer)})
        try:
            result, seen = home.login("jira")
            page = visits(seen, "callback")
            stats = peer.stats()["token_requests"]
            if expected == "ok":
                check(f"mix-up ({label}): exit 0, signed in", result.returncode == 0 and "signed in" in result.stdout,
                      output(result))
                continue
            words = ("RFC 9207 mix-up defence" if expected == "refused" else "the redirect carried no iss")
            check(f"mix-up ({label}): exit 3, says why, the browser gets 'Sign-in failed'",
                  result.returncode == 3 and words in result.stderr and page and page[0]["title"] == "Sign-in failed",
                  output(result) + json.dumps(seen))
            check(f"mix-up ({label}): the code was never sent to the token endpoint, no session stored",
                  "authorization_code" not in stats and home.list().get("jira", {}).get("action") == "login",
                  f"{stats} {home.list()}")
        finally:
            home.close()
            peer.stop()


def host_client_metadata(document_for):
    """Serves a client ID metadata document on 127.0.0.1 (as a user or an organisation would host
    Resources/client-metadata.json); `document_for(url)` builds it. Returns (url, server)."""
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(document_for(url)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/oauthtop/client-metadata.json"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return url, httpd


def shipped_document(url):
    with open(os.path.join(headless.ROOT, "Resources/client-metadata.json")) as handle:
        document = json.load(handle)
    document["client_id"] = url
    return document


def scenario_client_metadata_document():
    """A provider that accepts client ID metadata documents: the document's URL is the client_id, nothing is
    registered, the provider fetched the shipped document, and refreshes work with it. Without support (or without
    a document configured) dynamic registration is used, as before."""
    url, httpd = host_client_metadata(shipped_document)
    peer = Peer(ACCESS_TTL=3600, CIMD="1")
    home = SignInHome({"jira": dict(server(peer), oauth={"client_metadata_url": url})})
    try:
        result, seen = home.login("jira")
        redirect = seen.get("redirect_uri") or ""
        stats = peer.stats()
        check("metadata document: exit 0, the client_id is the document's URL, nothing was registered",
              result.returncode == 0 and stats["client_ids"] == [url] and stats["cimd_fetches"] >= 1
              and re.fullmatch(r"http://127\.0\.0\.1:[0-9]+/callback", redirect),
              output(result) + json.dumps(stats["client_ids"]) + redirect)
        _, clients, _ = collect_session_secrets(home, "jira")
        check("metadata document: no client registration stored", clients == [], str(clients))
        result = home.run("refresh", "jira")
        check("metadata document: a refresh with the document's client_id works", result.returncode == 0,
              output(result))
        collect_session_secrets(home, "jira")
    finally:
        home.close()
        peer.stop()
    # Top level, for every server; a provider without support: dynamic registration.
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)})
    home.write_config_key("client_metadata_url", url)
    try:
        result, _ = home.login("jira")
        stats = peer.stats()
        check("metadata document: a provider that does not accept them gets a dynamic registration",
              result.returncode == 0 and stats["cimd_fetches"] == 0 and len(stats["client_ids"]) == 1
              and stats["client_ids"][0] != url, output(result) + json.dumps(stats["client_ids"]))
        collect_session_secrets(home, "jira")
    finally:
        home.close()
        peer.stop()
        httpd.shutdown()


def scenario_session_belongs_to_its_server():
    """A session is bound to the MCP URL it was issued for: when the config points the name at another server, its
    token is never sent there (token, refresh, list, the probe of serve) and the server asks for a sign-in."""
    old, new = Peer(ACCESS_TTL=3600), Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(old)})
    try:
        assert home.import_session("jira", old.issue()).returncode == 0
        code, _ = home.token("jira")
        check("bound session: token works for the URL it was issued for", code == 0)
        with open(home.config) as handle:
            document = json.load(handle)
        document["mcpServers"]["jira"]["url"] = new.url + "/mcp"
        with open(home.config, "w") as handle:
            json.dump(document, handle)
        result = home.run("token", "jira", secret_output=True)
        check("bound session: token for the new URL exits 3, says where the session was issued, prints no token",
              result.returncode == 3 and f"was issued for {old.url}/mcp" in result.stderr and result.stdout == "",
              result.stderr)
        result = home.run("refresh", "jira")
        check("bound session: refresh exits 3", result.returncode == 3, output(result))
        process = home.serve()
        time.sleep(2)
        process.terminate()
        process.wait(10)
        row = home.list().get("jira", {})
        check("bound session: list says Sign-in required and why",
              row.get("summary") == "Sign-in required" and row.get("action") == "login"
              and (row.get("detail") or "").startswith(f"The stored session was issued for {old.url}/mcp"),
              json.dumps(row))
        stats = new.stats()
        check("bound session: the new server got no request with the old token (no MCP request, no token request)",
              stats["mcp_requests"] == {} and stats["token_requests_total"] == 0, json.dumps(stats["mcp_requests"]))
    finally:
        home.close()
        old.stop()
        new.stop()


def scenario_relogin_keeps_the_old_session():
    """While a new sign-in runs, and after it fails, the old session is served by `token` exactly as it was; only a
    committed sign-in replaces it."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)}, env={"OAUTHTOP_LOGIN_TIMEOUT": "3"})
    try:
        assert home.import_session("jira", peer.issue()).returncode == 0
        _, before = home.token("jira")
        home.browser("nothing")
        process = subprocess.Popen([BIN, "login", "jira"], env=home.env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        code, during = home.token("jira")
        stdout, stderr = process.communicate(timeout=30)
        headless.TRANSCRIPT.extend([stdout, stderr])
        code_after, after = home.token("jira")
        row = home.list().get("jira", {})
        check("re-login: token answers with the old session while the sign-in waits and after it timed out",
              code == 0 and code_after == 0 and before == during == after and process.returncode == 3,
              f"{process.returncode} {stderr}")
        check("re-login: the server is as it was (healthy, not logged out)", row.get("level") == "healthy",
              json.dumps(row))
    finally:
        home.close()
        peer.stop()


def scenario_list_check_and_demo_stdout():
    """`list --check` exits 0 / 1 / 3 with one line on stderr and nothing on stdout; `demo --no-tui` writes only its
    JSON on stdout."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"ok": server(peer), "expiring": server(peer), "never": server(peer)})
    try:
        assert home.import_session("ok", peer.issue()).returncode == 0
        assert home.import_session("expiring", {"access_token": "at-expiring-0123456789", "expires_in": 600}).returncode == 0
        result = home.run("list", "--check")
        check("list --check: a server needing a sign-in exits 3, one line on stderr naming each, nothing on stdout",
              result.returncode == 3 and result.stdout == "" and result.stderr.strip()
              == "oauthtop: check: 1 healthy, 1 degraded or unhealthy (expiring), 1 need a sign-in (never)",
              output(result))
        for drop, code in (("never", 1), ("expiring", 0)):
            with open(home.config) as handle:
                document = json.load(handle)
            del document["mcpServers"][drop]
            with open(home.config, "w") as handle:
                json.dump(document, handle)
            result = home.run("list", "--check")
            check(f"list --check: without '{drop}' it exits {code}", result.returncode == code, output(result))
        result = home.run("list", "--check", "--json")
        check("list --check --json: the JSON on stdout, the verdict on stderr",
              result.returncode == 0 and json.loads(result.stdout)[0]["name"] == "ok" and "check:" in result.stderr,
              output(result))
    finally:
        home.close()
        peer.stop()
    result = subprocess.run([BIN, "demo", "--no-tui", "--duration", "2"], capture_output=True, text=True, timeout=60)
    headless.TRANSCRIPT.extend([result.stdout, result.stderr])
    try:
        rows = json.loads(result.stdout)
    except ValueError:
        rows = None
    check("demo --no-tui: stdout is only the JSON array (6 servers), the note is on stderr",
          result.returncode == 0 and isinstance(rows, list) and len(rows) == 6
          and result.stderr.startswith("demo: 6 servers for 2 s"), output(result)[:500])


def scenario_token_formats_and_headers_helper():
    """`token --format` prints exactly each format; `headers` without NAME follows Claude Code's headersHelper
    environment (server name, else URL) and fails with one line that says what to run."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer), "wiki": server(peer)})
    try:
        assert home.import_session("jira", peer.issue()).returncode == 0
        assert home.import_session("wiki", peer.issue()).returncode == 0
        code, token = home.token("jira")
        credential = home.run("token", "jira", "--format", "exec-credential", secret_output=True)
        document = json.loads(credential.stdout)
        check("token --format exec-credential: a client.authentication.k8s.io/v1 ExecCredential with the token",
              credential.returncode == 0 and document["apiVersion"] == "client.authentication.k8s.io/v1"
              and document["kind"] == "ExecCredential" and document["status"]["token"] == token
              and document["status"]["expirationTimestamp"].endswith("Z"), credential.stderr)
        header = home.run("token", "jira", "--format", "header", secret_output=True)
        check("token --format header: one Authorization line", header.stdout == f"Authorization: Bearer {token}\n",
              header.stderr)
        env = dict(home.env(), CLAUDE_CODE_MCP_SERVER_NAME="wiki")
        by_name = subprocess.run([BIN, "headers"], env=env, capture_output=True, text=True, timeout=30)
        _, wiki_token = home.token("wiki")
        check("headers without NAME: CLAUDE_CODE_MCP_SERVER_NAME picks the server; one JSON object on stdout",
              by_name.returncode == 0 and json.loads(by_name.stdout) == {"Authorization": f"Bearer {wiki_token}"}
              and by_name.stderr == "", by_name.stderr)
        env = dict(home.env(), CLAUDE_CODE_MCP_SERVER_URL=peer.url + "/mcp")
        env.pop("CLAUDE_CODE_MCP_SERVER_NAME", None)
        by_url = subprocess.run([BIN, "headers"], env=env, capture_output=True, text=True, timeout=30)
        check("headers without NAME: else the server whose url is CLAUDE_CODE_MCP_SERVER_URL",
              by_url.returncode == 0 and json.loads(by_url.stdout)["Authorization"].startswith("Bearer "),
              by_url.stderr)
        env = dict(home.env(), CLAUDE_CODE_MCP_SERVER_NAME="nope")
        env.pop("CLAUDE_CODE_MCP_SERVER_URL", None)
        miss = subprocess.run([BIN, "headers"], env=env, capture_output=True, text=True, timeout=30)
        check("headers without a match: exit 2, nothing on stdout, one line saying what to run",
              miss.returncode == 2 and miss.stdout == "" and len(miss.stderr.strip().splitlines()) == 1
              and "run: oauthtop headers NAME" in miss.stderr, miss.stderr)
        for result in (by_name, by_url, miss):
            headless.TRANSCRIPT.append(result.stderr)
    finally:
        home.close()
        peer.stop()


def scenario_setup_claude_code():
    """`setup claude-code --write FILE` merges url + headersHelper entries into a Claude Code config with other keys
    and servers, leaves a backup, refuses a file it cannot parse; each helper, run through a shell the way Claude
    Code runs it (without oauthtop's environment variables), prints headers the MCP server accepts."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer), "wiki": server(peer)})
    try:
        assert home.import_session("jira", peer.issue()).returncode == 0
        assert home.import_session("wiki", peer.issue()).returncode == 0
        printed = home.run("setup", "claude-code", "jira")
        entry = json.loads(printed.stdout)["mcpServers"]["jira"]
        check("setup claude-code: prints {mcpServers: {jira: {type, url, headersHelper}}} on stdout only",
              printed.returncode == 0 and set(entry) == {"type", "url", "headersHelper"} and entry["type"] == "http"
              and entry["url"] == peer.url + "/mcp" and printed.stderr == "", printed.stdout + printed.stderr)
        target = os.path.join(home.dir, "claude.json")
        before = {"numStartups": 3, "hasCompletedOnboarding": True, "tipsHistory": {"x": 1}, "theme": None,
                  "mcpServers": {"local": {"type": "stdio", "command": "npx", "args": ["-y", "tool"]},
                                 "jira": {"type": "http", "url": "https://old.example.com/mcp"}}}
        with open(target, "w") as handle:
            json.dump(before, handle)
        os.chmod(target, 0o600)
        wrote = home.run("setup", "claude-code", "--write", target)
        with open(target) as handle:
            after = json.load(handle)
        backups = [f for f in os.listdir(home.dir) if f.startswith("claude.json.bak-")]
        check("setup --write: exit 0; every other key and server kept; jira replaced, wiki added; a 0600 backup "
              "holding the old file",
              wrote.returncode == 0 and {k: v for k, v in after.items() if k != "mcpServers"}
              == {k: v for k, v in before.items() if k != "mcpServers"}
              and after["mcpServers"]["local"] == before["mcpServers"]["local"]
              and set(after["mcpServers"]) == {"local", "jira", "wiki"} and len(backups) == 1
              and json.load(open(os.path.join(home.dir, backups[0]))) == before
              and os.stat(os.path.join(home.dir, backups[0])).st_mode & 0o777 == 0o600
              and os.stat(target).st_mode & 0o777 == 0o600
              and "added wiki; replaced jira" in wrote.stderr, wrote.stderr + json.dumps(after))
        # Claude Code runs the helper through a shell, with its own environment: no OAUTHTOP_* variables.
        bare = {k: v for k, v in os.environ.items() if not k.startswith("OAUTHTOP_")}
        for name in ("jira", "wiki"):
            helper = after["mcpServers"][name]["headersHelper"]
            env = dict(bare, CLAUDE_CODE_MCP_SERVER_NAME=name, CLAUDE_CODE_MCP_SERVER_URL=peer.url + "/mcp")
            result = subprocess.run(["sh", "-c", helper], env=env, capture_output=True, text=True, timeout=30)
            headers = json.loads(result.stdout) if result.returncode == 0 else {}
            _, token = home.token(name)
            check(f"the written headersHelper of {name}: one JSON object whose bearer token the MCP server accepts",
                  result.returncode == 0 and headers == {"Authorization": f"Bearer {token}"}
                  and peer.mcp_accepts(token) and result.stderr == "", result.stderr)
        broken = os.path.join(home.dir, "broken.json")
        with open(broken, "w") as handle:
            handle.write('{"mcpServers": {"a": ')
        refused = home.run("setup", "claude-code", "--write", broken)
        check("setup --write on a file that is not JSON: exit 2, one line, the file untouched, no backup",
              refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
              and "not valid JSON" in refused.stderr and open(broken).read() == '{"mcpServers": {"a": '
              and not [f for f in os.listdir(home.dir) if f.startswith("broken.json.")], refused.stderr)
    finally:
        home.close()
        peer.stop()


def tmux_pane(session):
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for_pane(session, predicate, timeout=15):
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = tmux_pane(session)
        if predicate(pane):
            return pane
        time.sleep(0.1)
    return pane


def scenario_list_watch():
    """`list --watch` under tmux redraws the plain table in place as the store changes; into a pipe it prints a new
    table per interval; with --json one array per line. Bad intervals exit 2."""
    if not shutil.which("tmux"):
        check("list --watch: tmux is installed", False, "scripts/test installs tmux")
        return
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer), "wiki": server(peer)})
    session = f"oauthtop-watch-{os.getpid()}"
    try:
        assert home.import_session("jira", peer.issue()).returncode == 0
        command = " ".join(["env", f"OAUTHTOP_CONFIG={home.config}", f"OAUTHTOP_STATE_DIR={home.state}", BIN, "list",
                            "--watch", "--interval", "0.3"])
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "20", command], check=True)

        def row(pane, name):
            return next((line.split() for line in pane.splitlines() if line.startswith(name + " ")), [])

        pane = wait_for_pane(session, lambda p: row(p, "jira")[1:2] == ["healthy"] and "login" in row(p, "wiki"))
        check("list --watch under tmux: the plain table with jira healthy and wiki's action login, under one "
              "heading", row(pane, "jira")[1:2] == ["healthy"] and "login" in row(pane, "wiki")
              and pane.count("oauthtop list, every 0.3 s") == 1 and pane.count("NAME") == 1, pane)
        assert home.run("logout", "jira").returncode == 0
        pane = wait_for_pane(session, lambda p: "Logged out" in " ".join(row(p, "jira")))
        check("list --watch: the logout shows on jira's row in place (still one heading, one header, two rows)",
              row(pane, "jira")[1:2] == ["unhealthy"] and "Logged out" in " ".join(row(pane, "jira")) and pane.count("oauthtop list, every") == 1
              and pane.count("NAME") == 1 and len([l for l in pane.splitlines() if l.startswith(("jira ", "wiki "))]) == 2,
              pane)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

        piped = subprocess.Popen([BIN, "list", "--watch", "--interval", "0.3"], env=home.env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        piped.terminate()
        out, _ = piped.communicate(timeout=10)
        check("list --watch into a pipe: a new table per interval, no escape sequences",
              out.count("oauthtop list, every 0.3 s") >= 3 and out.count("\nNAME ") >= 3 and "\x1b" not in out,
              out[:400])
        piped = subprocess.Popen([BIN, "list", "--watch", "--json", "--interval", "0.3"], env=home.env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.2)
        piped.terminate()
        out, _ = piped.communicate(timeout=10)
        arrays = [json.loads(line) for line in out.splitlines()]
        check("list --watch --json: one JSON array per line, every key of list --json",
              len(arrays) >= 3 and all([r["name"] for r in a] == ["jira", "wiki"] for a in arrays)
              and arrays[-1][0]["summary"] == "Logged out", out[:400])
        for args, message in ((["--interval", "0"], "--interval must be between"),
                              (["--interval", "nan"], "--interval must be between"),
                              (["--check"], "--watch and --check")):
            bad = home.run("list", "--watch", *args)
            check(f"list --watch {' '.join(args)}: exit 2 with one line", bad.returncode == 2 and message in bad.stderr
                  and bad.stdout == "", bad.stderr)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        home.close()
        peer.stop()


def clock_shift_library(folder):
    """Tests/Soak/wall_clock_shift.c built into FOLDER (the soak's wall-clock mover), or None without a compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not compiler:
        return None
    library = os.path.join(folder, "wall_clock_shift.so")
    source = os.path.join(ROOT, "Tests", "Soak", "wall_clock_shift.c")
    built = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl", "-lpthread"],
                           capture_output=True, text=True)
    return library if built.returncode == 0 else None


def scenario_doctor():
    """`doctor` passes on a healthy setup (exit 0, one line per check) and names each broken thing with what to do:
    a store others can read, a server that does not answer, a clock an hour ahead of the provider, a config that does
    not parse (exit 2)."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer), "off": dict(server(peer), enabled=False)})
    try:
        assert home.import_session("jira", peer.issue()).returncode == 0
        healthy = home.run("doctor")
        lines = healthy.stdout.strip().splitlines()
        check("doctor on a healthy setup: exit 0; config, state folder, the MCP server, its authorization server and "
              "the clock each ok",
              healthy.returncode == 0 and any(l.startswith("ok    config: ") and "2 servers, 1 enabled" in l for l in lines)
              and any(l.startswith("ok    state folder: ") for l in lines)
              and any(l.startswith("ok    jira: MCP server ") and "(HTTP 401)" in l for l in lines)
              and any(l.startswith("ok    jira: authorization server " + peer.url) for l in lines)
              and any(l.startswith("ok    clock: agrees with ") for l in lines)
              and not any(l.startswith("FAIL") for l in lines) and lines[-1].endswith(" 0 failed"),
              healthy.stdout + healthy.stderr)
        store = os.path.join(home.state, "oauthtop.sqlite")
        os.chmod(store, 0o644)
        loose = home.run("doctor")
        check("doctor with a store others can read: exit 1, says so and the chmod to run",
              loose.returncode == 1 and f"FAIL  state folder: oauthtop.sqlite is 0644" in loose.stdout
              and f"run chmod 600 {store}" in loose.stdout, loose.stdout)
        os.chmod(store, 0o600)
        library = clock_shift_library(home.dir)
        if library:
            offset = os.path.join(home.dir, "offset")
            with open(offset, "w") as handle:
                handle.write("+3600\n")
            env = dict(home.env(), LD_PRELOAD=library, WALL_CLOCK_SHIFT_FILE=offset)
            ahead = subprocess.run([BIN, "doctor"], env=env, capture_output=True, text=True, timeout=60)
            check("doctor with the clock an hour ahead: exit 1, 'FAIL  clock: ... 3600 s ahead of 127.0.0.1' and "
                  "what to turn on", ahead.returncode == 1 and re.search(
                      r"FAIL  clock: this machine's clock is 360[0-2] s ahead of 127\.0\.0\.1.*timedatectl set-ntp true",
                      ahead.stdout) is not None, ahead.stdout)
        else:
            check("doctor clock check: a C compiler to build the clock shifter", False, "no cc, gcc or clang")
        home.write_config_key("mcpServers", {"jira": server(peer), "gone": {"url": "http://127.0.0.1:9/mcp"}})
        dead = home.run("doctor")
        check("doctor with a server that does not answer: exit 1, names it and what to check; jira still ok",
              dead.returncode == 1 and re.search(r"FAIL  gone: .*127\.0\.0\.1:9.*check the url in the config",
                                                 dead.stdout) is not None
              and "ok    jira: MCP server" in dead.stdout, dead.stdout)
        with open(home.config, "w") as handle:
            handle.write("{not json")
        broken = home.run("doctor")
        check("doctor with a config that does not parse: exit 2, 'FAIL  config:' naming the file",
              broken.returncode == 2 and f"FAIL  config: {home.config}: not valid JSON" in broken.stdout, broken.stdout)
    finally:
        home.close()
        peer.stop()


def scenario_login_all():
    """`login --all` signs in to every enabled server whose health suggests login, one after another, and leaves a
    healthy one and a disabled one alone."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer), "wiki": server(peer), "ok": server(peer),
                       "off": dict(server(peer), enabled=False)})
    try:
        assert home.import_session("ok", peer.issue()).returncode == 0
        result, _ = home.login("--all")
        rows = home.list()
        check("login --all: exit 0, names the two servers that needed it, signs in to each",
              result.returncode == 0 and "signing in to 2 servers: jira, wiki" in result.stderr
              and "jira: signed in" in result.stdout and "wiki: signed in" in result.stdout
              and peer.stats()["authorizations"] == 2, output(result))
        check("login --all: every enabled server is healthy after it; the disabled one was left alone",
              all(rows[n]["level"] == "healthy" for n in ("jira", "wiki", "ok")) and rows["off"]["summary"] == "Disabled",
              json.dumps(rows))
        result, _ = home.login("--all", "nothing")
        check("login --all: with nothing to do it says so and exits 0",
              result.returncode == 0 and "no server needs a sign-in" in result.stderr, output(result))
        result = home.run("login", "jira", "--all")
        check("login: NAME and --all together is a usage error (exit 64 from the argument parser or 2)",
              result.returncode != 0 and "not both" in result.stderr, output(result))
        for name in ("jira", "wiki"):
            collect_session_secrets(home, name)
    finally:
        home.close()
        peer.stop()


def scenario_confidential_registration():
    """A provider that registered a confidential client although a public one was asked for refuses the code with
    unauthorized_client: the error says so and names oauth.registration_metadata and oauth.client_id; the
    registration request carried the config's registration_metadata."""
    peer = Peer(ACCESS_TTL=3600)
    peer.fault(path="/token", grant_type="authorization_code", status=400, body="json", error="unauthorized_client",
               error_description="client authentication required")
    home = SignInHome({"jira": dict(server(peer), oauth={"registration_metadata": {"application_type": "native"}})})
    try:
        result, _ = home.login("jira")
        check("confidential: exit 3, says the provider seems to have registered a confidential client, names both keys",
              result.returncode == 3 and "seems to have registered a confidential client" in result.stderr
              and "oauth.registration_metadata" in result.stderr and "oauth.client_id" in result.stderr,
              output(result))
        check("confidential: no session stored", home.list().get("jira", {}).get("action") == "login",
              json.dumps(home.list()))
    finally:
        home.close()
        peer.stop()


def scenario_terminal_text():
    """Escape sequences in a config value and in a provider's error never reach the terminal."""
    peer = Peer(ACCESS_TTL=3600)
    peer.fault(path="/register", method="POST", status=400, body="json", error="invalid_client_metadata",
               error_description="no \x1b[2Jway\x1b]0;pwned\x07")
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = home.login("jira", "nothing", timeout=30)
        check("terminal text: the provider's error is shown without its escape sequences",
              result.returncode == 2 and "invalid_client_metadata" in result.stderr and "\x1b" not in output(result)
              and "\x07" not in output(result), repr(output(result)))
    finally:
        home.close()
        peer.stop()
    home = SignInHome({"evil": {"url": "mcp.example.com/\x1b]0;pwned\x07\x1b[31mred"}})
    try:
        result = home.run("list")
        check("terminal text: a config error quoting the file's text exits 2 without its escape sequences",
              result.returncode == 2 and "key 'url'" in result.stderr and "\x1b" not in output(result)
              and "\x07" not in output(result), repr(output(result)))
    finally:
        home.close()


def scenario_cleartext_authorization_server():
    """An MCP server on loopback whose metadata names a plain-http token endpoint elsewhere: login refuses it with
    exit 2 naming the URL, and nothing is sent there."""
    peer = Peer(ACCESS_TTL=3600)
    peer.fault(path="/.well-known/oauth-authorization-server", method="GET", count=-1,
               rewrite={"token_endpoint": "http://tokens.example.com/token"})
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = home.login("jira", "nothing", timeout=30)
        check("cleartext: exit 2 naming the plain-http token endpoint",
              result.returncode == 2 and "http://tokens.example.com/token uses plain http" in result.stderr,
              output(result))
        check("cleartext: no authorization and no client registration happened",
              peer.stats()["authorizations"] == 0 and peer.stats()["clients"] == 0, json.dumps(peer.stats()))
    finally:
        home.close()
        peer.stop()


def scenario_step_up():
    """An MCP endpoint that answers 403 insufficient_scope until the token has the scope "extra": the health says
    more access is needed and names the scope; the next login asks for the union and the server accepts it."""
    peer = Peer(ACCESS_TTL=3600, MCP_EXTRA_SCOPE="extra")
    home = SignInHome({"jira": server(peer)})
    try:
        result, first = home.login("jira")
        check("step-up: the first login signs in and warns that the server wants more access (scope mcp extra)",
              result.returncode == 0 and "signed in" in result.stdout
              and "wants more access than the provider granted (scope mcp extra)" in result.stderr, output(result))
        row = home.list().get("jira", {})
        check("step-up: list says More access needed, names the scope, suggests login",
              row.get("summary") == "More access needed" and row.get("action") == "login"
              and row.get("detail") == "The server asks for scope mcp extra; sign in again to grant it"
              and row.get("level") == "degraded", json.dumps(row))
        result, second = home.login("jira")
        asked = second.get("scope") or ""
        check("step-up: the second login asks for the union (mcp and extra) and the server accepts the token",
              result.returncode == 0 and sorted(asked.split()) == ["extra", "mcp"]
              and "the MCP server accepted the token" in result.stdout, output(result) + json.dumps(second))
        row = home.list().get("jira", {})
        check("step-up: list says Connected afterwards", row.get("summary") == "Connected", json.dumps(row))
        check("step-up: a client was registered again for the wider scope (the first was registered for mcp)",
              peer.stats()["clients"] == 2, json.dumps(peer.stats()["client_ids"]))
        collect_session_secrets(home, "jira")
    finally:
        home.close()
        peer.stop()


def device_login(home, peer, *args, decide=None, after_polls=1, timeout=60):
    """`oauthtop login jira --device …` in the background; once the peer has a pending user code and has been polled
    `after_polls` times, `decide` it ("approve", "deny" or None to let it expire). Returns (result, the user code
    the peer handed out)."""
    process = subprocess.Popen([BIN, "login", "jira", *args], env=home.env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    codes = []
    eventually(lambda: codes.extend(peer.stats()["device_pending_user_codes"]) or codes, 20)
    eventually(lambda: peer.stats()["device_polls"] >= after_polls, 30)
    if codes and decide:
        status, body = http("POST", peer.url + "/_device", {"user_code": codes[0], "action": decide})
        assert status == 200, body
    stdout, stderr = process.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    # Device codes are secrets (only the user code is meant to be seen): the last scenario greps for them.
    headless.SECRETS.update(peer.stats()["device_codes_issued"])
    headless.TRANSCRIPT.extend([stdout, stderr])
    return result, (codes[0] if codes else None)


def scenario_device():
    """RFC 8628 with --device: the code and URI are printed; pending and one slow_down, then approval signs in;
    denial exits 3; an expired code exits 3; the device code never appears in any output."""
    peer = Peer(ACCESS_TTL=3600, DEVICE="1", DEVICE_INTERVAL="0.2", DEVICE_SLOW_DOWN="1")
    home = SignInHome({"jira": server(peer)})
    try:
        started = time.monotonic()
        result, code = device_login(home, peer, "--device", decide="approve", after_polls=2)
        took = time.monotonic() - started
        check("device: approval signs in (exit 0) and the MCP server accepts the token",
              result.returncode == 0 and "signed in" in result.stdout and "accepted the token" in result.stdout,
              output(result))
        check("device: the URI and the user code are printed, with the URI that carries the code",
              code is not None and f"open {peer.url}/device on any device and enter the code {code}" in result.stdout
              and f"{peer.url}/device?user_code={code}" in result.stdout, output(result))
        polls = peer.stats()["token_requests"].get("urn:ietf:params:oauth:grant-type:device_code", {})
        check("device: it polled through slow_down (interval + 5 s) and authorization_pending to the tokens",
              polls.get("slow_down") == 1 and polls.get("authorization_pending", 0) >= 1 and polls.get("ok") == 1
              and took >= 5, f"{polls} {took:.1f}s")
        check("device: the session is stored and healthy", home.list().get("jira", {}).get("level") == "healthy",
              json.dumps(home.list()))
        collect_session_secrets(home, "jira")
    finally:
        home.close()
        peer.stop()

    peer = Peer(ACCESS_TTL=3600, DEVICE="1", DEVICE_INTERVAL="0.2")
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = device_login(home, peer, "--device", decide="deny")
        check("device: a denial exits 3 with the provider's words, no session",
              result.returncode == 3 and "denied at the provider (The user said no)" in result.stderr
              and home.list().get("jira", {}).get("action") == "login", output(result))
    finally:
        home.close()
        peer.stop()

    peer = Peer(ACCESS_TTL=3600, DEVICE="1", DEVICE_INTERVAL="0.2", DEVICE_TTL="2")
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = device_login(home, peer, "--device")
        check("device: an expired code exits 3 and says to run login again",
              result.returncode == 3 and "the code expired before the sign-in was approved" in result.stderr,
              output(result))
    finally:
        home.close()
        peer.stop()

    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = home.login("jira", "nothing", "--device", timeout=30)
        check("device: --device against a provider without device authorization exits 2 and says so",
              result.returncode == 2 and "offers no device authorization" in result.stderr, output(result))
    finally:
        home.close()
        peer.stop()


def scenario_device_by_default():
    """No $BROWSER, no display: a provider that offers device authorization gets it without --device."""
    peer = Peer(ACCESS_TTL=3600, DEVICE="1", DEVICE_INTERVAL="0.2")
    home = SignInHome({"jira": server(peer)}, env={"BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    try:
        result, code = device_login(home, peer, decide="approve")
        check("device by default: without a browser the device flow signs in",
              result.returncode == 0 and code is not None and f"enter the code {code}" in result.stdout,
              output(result))
        collect_session_secrets(home, "jira")
    finally:
        home.close()
        peer.stop()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scenario_exact_port():
    """A provider that matches redirect URIs exactly (LOOPBACK_ANY_PORT=0) with oauth.redirect_port."""
    peer = Peer(LOOPBACK_ANY_PORT=0)
    port = free_port()
    home = SignInHome({"jira": dict(server(peer), oauth={"redirect_port": port})})
    try:
        result, _ = home.login("jira")
        _, clients, _ = collect_session_secrets(home, "jira")
        # The issuer of the peer is its URL; a client oauthtop registers gets the issuer's own path.
        tag = hashlib.sha256(peer.url.encode()).hexdigest()[:16]
        check("exact port: exit 0, registered with http://127.0.0.1:PORT/callback/<SHA-256 of the issuer, 16 hex>",
              result.returncode == 0 and clients and clients[0][1] == f"http://127.0.0.1:{port}/callback/{tag}",
              output(result) + str(clients))
        result, _ = home.login("jira")
        check("exact port: a second login reuses the registration", result.returncode == 0 and peer.stats()["clients"] == 1,
              output(result))
        collect_session_secrets(home, "jira")
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            result, _ = home.login("jira", "nothing")
        check("exact port in use: exit 1 naming oauth.redirect_port",
              result.returncode == 1 and "oauth.redirect_port" in result.stderr and str(port) in result.stderr,
              output(result))
    finally:
        home.close()
        peer.stop()


def scenario_bad_provider():
    """Sign-in refused by configuration: a disabled server (2), an unreachable one (1)."""
    peer = Peer()
    dead = free_port()
    home = SignInHome({"jira": dict(server(peer), enabled=False), "gone": {"url": f"http://127.0.0.1:{dead}/mcp"}})
    try:
        result, _ = home.login("jira", "nothing")
        check("disabled server: exit 2", result.returncode == 2 and "disabled" in result.stderr, output(result))
        result, _ = home.login("gone", "nothing")
        check("unreachable server: exit 1 with 'connection refused'",
              result.returncode == 1 and "connection refused" in result.stderr, output(result))
        result, _ = home.login("nope", "nothing")
        check("unknown server: exit 2 naming it and the config file",
              result.returncode == 2 and f"no server named 'nope' in {home.config}" in result.stderr, output(result))
    finally:
        home.close()
        peer.stop()


def scenario_probe():
    """`serve` probes after every refresh and every OAUTHTOP_PROBE_INTERVAL: Connected; the peer dropping the access
    token behind our back → 401 → reactive refresh → Connected again; 401 on a freshly refreshed token → 'Token
    rejected by server'; the refresh token revoked too → refresh fails for good."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)}, refresh=fast_refresh(),
                      env={"OAUTHTOP_PROBE_INTERVAL": "0.5", "OAUTHTOP_REJECTION_WINDOW": "2"})
    try:
        result, _ = home.login("jira")
        collect_session_secrets(home, "jira")
        check("probe: signed in", result.returncode == 0, output(result))
        home.serve()
        row = eventually(lambda: home.list().get("jira", {}).get("summary") == "Connected", 10)
        check("probe: serve shows 'Connected'", row)
        time.sleep(2.2)  # older than the rejection window
        refreshes = peer.stats()["token_requests"].get("refresh_token", {}).get("ok", 0)
        http("POST", peer.url + "/_revoke_all", {"access_only": True})
        done = eventually(lambda: peer.stats()["token_requests"].get("refresh_token", {}).get("ok", 0) > refreshes, 10)
        check("probe: a 401 on an older token triggers a reactive refresh", done, json.dumps(peer.stats()["token_requests"]))
        row = eventually(lambda: home.list().get("jira", {}).get("summary") == "Connected", 10)
        check("probe: Connected again with the refreshed token", row, json.dumps(home.list().get("jira")))
        collect_session_secrets(home, "jira")
        code, token = home.token("jira")
        check("probe: the refreshed token works", code == 0 and peer.mcp_accepts(token))
        log = home.log()
        check("log: 'OAuth token refused by server; refreshing' then a refresh",
              '"msg":"OAuth token refused by server; refreshing"' in log and '"trigger":"probe"' in log)

        peer.fault(path="/mcp", count=-1, status=401, body="json", error="invalid_token",
                   error_description="token not accepted here",
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="token not accepted here"'})
        row = eventually(lambda: (home.list().get("jira") or {}).get("summary") == "Token rejected by server" and home.list()["jira"], 15)
        check("probe: 401 on a freshly refreshed token → unhealthy 'Token rejected by server', action login, the error as detail",
              row and row["level"] == "unhealthy" and row["action"] == "login" and "invalid_token" in (row["detail"] or ""),
              json.dumps(home.list().get("jira")))
        peer.fault(clear=True)
        row = eventually(lambda: home.list().get("jira", {}).get("summary") == "Connected", 10)
        check("probe: Connected again once the server accepts the token", row, json.dumps(home.list().get("jira")))

        time.sleep(2.2)
        peer.revoke_all()
        row = eventually(lambda: (home.list().get("jira") or {}).get("refresh_state") == "failed" and home.list()["jira"], 15)
        check("probe: every token revoked → the reactive refresh gets invalid_grant → 'Refresh token expired'",
              row and row["summary"] == "Refresh token expired", json.dumps(home.list().get("jira")))
    finally:
        home.close()
        peer.stop()


def scenario_echoed_revocation():
    """A revocation endpoint whose refusal echoes the real tokens at logout: the warning on stderr, stdout and the log
    hold neither (the provider's words arrive scrubbed)."""
    peer = Peer(ACCESS_TTL=3600)
    home = SignInHome({"jira": server(peer)})
    try:
        result, _ = home.login("jira")
        check("echoed revocation: signed in", result.returncode == 0, output(result))
        collect_session_secrets(home, "jira")
        # The store holds them sealed: the real values from the peer that minted them (one sign-in: one of each).
        minted = json.loads(headless.http("GET", peer.url + "/_tokens")[1])
        access, refresh = (minted["access_tokens"] or [""])[-1], (minted["refresh_tokens"] or [""])[-1]
        peer.fault(path="/revoke", count=-1, status=400, body="json", error="invalid_request",
                   error_description=f"cannot revoke {refresh}; {access} stays active")
        result = home.run("logout", "jira")
        text = output(result) + home.log()
        check("echoed revocation: logged out with the provider's refusal as a warning, scrubbed",
              result.returncode == 0 and "did not confirm the revocation" in result.stderr
              and "cannot revoke [redacted]; [redacted] stays active" in result.stderr, output(result))
        leaked = [secret[:6] + "…" for secret in (access, refresh) if secret and secret in text]
        check("echoed revocation: no real token value in logout's output or the log", access and not leaked,
              f"leaked: {leaked}")
    finally:
        home.close()
        peer.stop()


def scenario_secrets():
    """No token, code or state in any log line, list output, error or page-less output of this suite."""
    haystack = "\n".join(part for part in headless.TRANSCRIPT if part)
    leaked = sorted(secret for secret in headless.SECRETS if secret and secret in haystack)
    check(f"secrets: none of {len(headless.SECRETS)} tokens, codes and states appears in {len(haystack)} bytes of "
          "output and logs", not leaked and len(headless.SECRETS) > 10, f"leaked: {[s[:6] + '…' for s in leaked]}")


SCENARIOS = [
    ("login", scenario_login),
    ("no_browser", scenario_no_browser),
    ("wrong_state", scenario_wrong_state),
    ("missing_code", scenario_missing_code),
    ("access_denied", scenario_access_denied),
    ("timeout", scenario_timeout),
    ("exact_port", scenario_exact_port),
    ("bad_provider", scenario_bad_provider),
    ("probe", scenario_probe),
    ("echoed_revocation", scenario_echoed_revocation),
    ("mix_up", scenario_mix_up),
    ("cleartext", scenario_cleartext_authorization_server),
    ("terminal_text", scenario_terminal_text),
    ("confidential", scenario_confidential_registration),
    ("login_all", scenario_login_all),
    ("bound_session", scenario_session_belongs_to_its_server),
    ("relogin", scenario_relogin_keeps_the_old_session),
    ("list_check", scenario_list_check_and_demo_stdout),
    ("token_formats", scenario_token_formats_and_headers_helper),
    ("setup_claude_code", scenario_setup_claude_code),
    ("list_watch", scenario_list_watch),
    ("doctor", scenario_doctor),
    ("metadata_document", scenario_client_metadata_document),
    ("step_up", scenario_step_up),
    ("device", scenario_device),
    ("device_by_default", scenario_device_by_default),
    ("secrets", scenario_secrets),
]


def main():
    headless.run_scenarios(SCENARIOS, always=("secrets",))


if __name__ == "__main__":
    main()
