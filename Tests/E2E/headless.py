#!/usr/bin/env python3
"""End-to-end tests of oauthtop's headless commands against the real mcp SDK peer on 127.0.0.1.

Run by scripts/test as `.venv/bin/python Tests/E2E/headless.py`. Every scenario starts its own peer
(Tests/Peer/peer.py) and its own config and state folder, drives the real `oauthtop` binary, and asserts what a
user would see: `list --json`, exit codes, the peer's own counters (`/_stats`: rotations, reuse detected),
the `/metrics` page, and that no token value shows up anywhere but the store.

Environment: OAUTHTOP (binary, default .build/debug/oauthtop), E2E_SOAK_SECONDS (concurrency test, default 60),
E2E_ONLY (comma-separated scenario names).
Prints `ok - …` / `FAIL - …` per check and ends with `N passed, N failed`.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("OAUTHTOP", os.path.join(ROOT, ".build/debug/oauthtop"))
PYTHON = os.path.join(ROOT, ".venv/bin/python")
PEER = os.path.join(ROOT, "Tests/Peer/peer.py")
SOAK = float(os.environ.get("E2E_SOAK_SECONDS", "60"))

passed = 0
failed = 0
# Every real token value we ever saw; none may appear in logs, list output, metrics or errors.
SECRETS = set()
# Everything oauthtop printed outside `token`/`headers` stdout, plus log files, checked for SECRETS at the end.
TRANSCRIPT = []
# Every peer started, so that the tokens of those still running can be collected (Peer.collect_secrets).
PEERS = []


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok - {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL - {name}" + (f" ({detail})" if detail else ""), flush=True)
    return condition


def eventually(predicate, timeout, interval=0.1):
    """Polls `predicate` until it returns a truthy value or `timeout` seconds pass; returns the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def http(method, url, body=None, headers=None, timeout=10):
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


class Peer:
    """The mcp SDK authorization server + MCP endpoint, with our provider's knobs."""

    def __init__(self, log_path=None, **knobs):
        env = dict(os.environ, PORT="0", **{k: str(v) for k, v in knobs.items()})
        self.log = open(log_path, "w") if log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [PYTHON, PEER], env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("PEER_READY "):
            self.process.kill()
            raise RuntimeError(f"peer did not start: {line!r}")
        self.url = line.split(" ", 1)[1]
        PEERS.append(self)

    def stats(self):
        return json.loads(http("GET", self.url + "/_stats")[1])

    def tokens(self):
        """Every access token, refresh token and client secret the peer minted or registered so far."""
        minted = json.loads(http("GET", self.url + "/_tokens")[1])
        return minted["access_tokens"] + minted["refresh_tokens"] + minted["client_secrets"]

    def collect_secrets(self):
        """Adds every value the peer minted to SECRETS (the store holds them sealed, so they are read here)."""
        try:
            SECRETS.update(self.tokens())
        except (OSError, ValueError, KeyError):
            pass

    def fault(self, **fault):
        status, body = http("POST", self.url + "/_fault", fault)
        assert status == 200, body

    def issue(self, **options):
        status, body = http("POST", self.url + "/_issue", options)
        assert status == 200, body
        response = json.loads(body)
        SECRETS.update(v for k, v in response.items() if k in ("access_token", "refresh_token", "client_secret") and v)
        return response

    def revoke_all(self):
        http("POST", self.url + "/_revoke_all", {})

    def mcp_accepts(self, token):
        status, _ = http(
            "POST", self.url + "/mcp",
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "oauthtop-e2e", "version": "0"}}},
            headers={"Authorization": "Bearer " + token, "Accept": "application/json, text/event-stream"})
        return status == 200

    def stop(self):
        if self.process.poll() is None:
            self.collect_secrets()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Home:
    """A config file and a state folder of our own, and the oauthtop binary run against them."""

    def __init__(self, servers, refresh=None, metrics=None):
        self.dir = tempfile.mkdtemp(prefix="oauthtop-e2e-")
        self.config = os.path.join(self.dir, "config.json")
        self.state = os.path.join(self.dir, "state")
        document = {"mcpServers": servers}
        if refresh:
            document["refresh"] = refresh
        if metrics:
            document["metrics"] = metrics
        with open(self.config, "w") as handle:
            json.dump(document, handle)
        self.processes = []

    def env(self):
        # OAUTHTOP_KEYRING=off: each scenario's store keeps its key in its own state folder (store.key), so a run on
        # a desktop leaves no item in the user's keyring; Tests/E2E/atrest.py tests the keyring itself.
        return dict(os.environ, OAUTHTOP_CONFIG=self.config, OAUTHTOP_STATE_DIR=self.state, OAUTHTOP_KEYRING="off")

    def write_config_key(self, key, value):
        """Sets a top-level key of the config file."""
        with open(self.config) as handle:
            document = json.load(handle)
        document[key] = value
        with open(self.config, "w") as handle:
            json.dump(document, handle)

    def run(self, *args, stdin=None, timeout=60, secret_output=False):
        result = subprocess.run(
            [BIN, *args], input=stdin, capture_output=True, text=True, env=self.env(), timeout=timeout)
        TRANSCRIPT.append(result.stderr)
        if not secret_output:
            TRANSCRIPT.append(result.stdout)
        return result

    def list(self):
        result = self.run("list", "--json")
        if result.returncode != 0:
            return {}
        return {row["name"]: row for row in json.loads(result.stdout)}

    def token(self, name):
        result = self.run("token", name, secret_output=True)
        token = result.stdout.strip()
        if result.returncode == 0 and token:
            SECRETS.add(token)
        return result.returncode, token

    def import_session(self, name, response):
        return self.run("import", name, stdin=json.dumps(response))

    def serve(self, *args):
        process = subprocess.Popen(
            [BIN, "serve", *args], env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(process)
        return process

    def serve_with_metrics(self):
        process = self.serve("--metrics-listen", "127.0.0.1:0")
        line = process.stdout.readline().strip()
        if not line.startswith("metrics: "):
            raise RuntimeError(f"serve did not announce metrics: {line!r} {process.stderr.read()[-500:]}")
        return process, line.split(" ", 1)[1]

    def log(self):
        path = os.path.join(self.state, "oauthtop.log")
        return open(path).read() if os.path.exists(path) else ""

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
            for stream in (process.stdout, process.stderr):
                if stream:
                    try:
                        TRANSCRIPT.append(stream.read())
                    except ValueError:
                        pass
        TRANSCRIPT.append(self.log())
        shutil.rmtree(self.dir, ignore_errors=True)


def fast_refresh(**overrides):
    policy = {"min_attempt_interval": 0.5, "retry_backoff_base": 0.5, "max_retry_backoff": 2, "request_timeout": 5}
    policy.update(overrides)
    return policy


def server(peer):
    return {"url": peer.url + "/mcp"}


# ---------------------------------------------------------------------------------------------------------------


def scenario_rotations():
    """Import a session; serve keeps it healthy through 5+ rotations of 3-second tokens; the token works."""
    peer = Peer(ACCESS_TTL=3)
    home = Home({"jira": server(peer)}, refresh=fast_refresh())
    try:
        imported = home.import_session("jira", peer.issue())
        check("import: exit 0 and a one-line summary", imported.returncode == 0 and "session imported" in imported.stdout,
              imported.stderr)
        process, metrics_url = home.serve_with_metrics()
        rotations = eventually(lambda: peer.stats()["rotations"] >= 5, timeout=30, interval=0.5)
        stats = peer.stats()
        check("serve: at least 5 rotations of 3 s tokens", rotations, f"rotations={stats['rotations']}")
        check("serve: no refresh token reuse detected by the peer", stats["reuse_detected"] == 0, str(stats))
        row = home.list().get("jira", {})
        check("list --json: healthy, scheduled, has_refresh_token",
              row.get("level") == "healthy" and row.get("refresh_state") in ("scheduled", "refreshing")
              and row.get("has_refresh_token") is True, json.dumps(row))
        code, token = home.token("jira")
        check("token: exit 0 and the peer's MCP endpoint accepts it", code == 0 and peer.mcp_accepts(token))
        page = http("GET", metrics_url)[1]
        TRANSCRIPT.append(page)
        check("/metrics: refresh counter with result=success",
              'mcpproxy_oauth_refresh_total{server="jira",result="success"}' in page)
        check("/metrics: duration histogram with mcpproxy buckets",
              'mcpproxy_oauth_refresh_duration_seconds_bucket{server="jira",result="success",le="0.1"}' in page
              and 'le="30.0"' in page)
        check("/metrics: oauthtop_token_expires_at_seconds gauge", 'oauthtop_token_expires_at_seconds{server="jira"}' in page)
        servers = {level: next((line.split()[-1] for line in page.splitlines()
                                if line.startswith(f'oauthtop_servers{{level="{level}"}}')), None)
                   for level in ("healthy", "degraded", "unhealthy")}
        check("/metrics: oauthtop_servers counts the one server as healthy",
              servers == {"healthy": "1", "degraded": "0", "unhealthy": "0"}
              or servers == {"healthy": "1.0", "degraded": "0.0", "unhealthy": "0.0"}, str(servers))
        process.send_signal(signal.SIGTERM)
        check("serve: SIGTERM exits 0", process.wait(10) == 0)
        log = home.log()
        for message in ("OAuth token refresh scheduled", "OAuth token refresh attempt", "OAuth token refresh succeeded"):
            check(f"log: '{message}'", f'"msg":"{message}"' in log)
    finally:
        home.close()
        peer.stop()


class Single:
    """One peer, one server, one `serve` with metrics: the stage for a fault scenario."""

    def __init__(self, name, peer_knobs, refresh=None, before_serve=None):
        self.name = name
        self.peer = Peer(**peer_knobs)
        self.home = Home({name: server(self.peer)}, refresh=refresh or fast_refresh())
        self.home.import_session(name, self.peer.issue())
        if before_serve:
            before_serve(self.peer)
        self.process, self.metrics_url = self.home.serve_with_metrics()

    def row(self):
        return self.home.list().get(self.name, {})

    def watch(self, predicate, timeout):
        """Polls list --json every 50 ms; returns (row, when) for the first row matching `predicate`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.row()
            if row and predicate(row):
                return row, time.time()
            time.sleep(0.05)
        return None, None

    def metric(self, result):
        page = http("GET", self.metrics_url)[1]
        TRANSCRIPT.append(page)
        return f'mcpproxy_oauth_refresh_total{{server="{self.name}",result="{result}"}}' in page

    def close(self):
        self.home.close()
        self.peer.stop()


def healthy_again(row):
    return row["level"] == "healthy" and row["retry_count"] == 0 and row["refresh_state"] == "scheduled"


def scenario_flaky():
    """Three HTML 503s, then success: `retrying`, then healthy with the retry count reset."""
    stage = Single("flaky", {"ACCESS_TTL": 4},
                   before_serve=lambda peer: peer.fault(path="/token", count=3, status=503, body="html"))
    try:
        row, _ = stage.watch(lambda r: r["refresh_state"] == "retrying", 15)
        check("503 html: retrying, 'Token refresh pending', action view_logs",
              row is not None and row["summary"] == "Token refresh pending" and row["action"] == "view_logs",
              json.dumps(row))
        row, _ = stage.watch(lambda r: r["retry_count"] == 3, 15)
        check("503 html: the retry count reaches 3", row is not None)
        row, _ = stage.watch(healthy_again, 15)
        check("503 html: healthy again after the faults end, retry count reset", row is not None, json.dumps(stage.row()))
        check("503 html: /metrics counts failed_other and success", stage.metric("failed_other") and stage.metric("success"))
    finally:
        stage.close()


def scenario_throttled():
    """429 with Retry-After as seconds and as an HTTP date: the next attempt waits for it."""
    for label, fault, expected in (("seconds", {"retry_after": "4"}, 4.0), ("HTTP date", {"retry_after_in": 5}, 5.0)):
        stage = Single("throttled", {"ACCESS_TTL": 4},
                       before_serve=lambda peer, f=fault: peer.fault(path="/token", count=1, status=429, **f))
        try:
            row, _ = stage.watch(lambda r: r["refresh_state"] == "retrying", 15)
            # When the peer got the refresh it answered with 429 (the retry comes seconds later, after Retry-After).
            asked = (stage.peer.stats()["last_token_request"] or {}).get("at", 0)
            wait = iso_seconds(row["next_attempt"]) - asked if row and row.get("next_attempt") else -1
            # next_attempt is RFC 3339 in whole seconds (up to 1 s early); the answer reaches oauthtop a little
            # after the peer read the request.
            check(f"429 Retry-After as {label}: next attempt {expected:.0f} s after the 429 (backoff alone: 0.5 s)",
                  expected - 1 < wait <= expected + 0.3, f"wait={wait:.2f} {json.dumps(row)}")
            row, _ = stage.watch(healthy_again, expected + 10)
            check(f"429 Retry-After as {label}: healthy after the wait", row is not None, json.dumps(stage.row()))
        finally:
            stage.close()


def scenario_revoked():
    """The provider revoked the refresh token: failed, 'Refresh token expired', login; `refresh` exits 3."""
    stage = Single("revoked", {"ACCESS_TTL": 4}, before_serve=lambda peer: peer.revoke_all())
    try:
        row, _ = stage.watch(lambda r: r["refresh_state"] == "failed", 15)
        check("invalid_grant: failed, 'Refresh token expired', action login",
              row is not None and row["summary"] == "Refresh token expired" and row["action"] == "login"
              and row["level"] == "unhealthy", json.dumps(row))
        result = stage.home.run("refresh", "revoked")
        check("invalid_grant: `oauthtop refresh` exits 3 and says to sign in",
              result.returncode == 3 and "oauthtop login revoked" in result.stdout + result.stderr,
              f"{result.returncode} {result.stdout} {result.stderr}")
        check("invalid_grant: /metrics counts failed_invalid_grant", stage.metric("failed_invalid_grant"))
    finally:
        stage.close()


def scenario_echoed_secrets():
    """A provider whose errors echo the real tokens (the token endpoint's error_description, the MCP server's
    WWW-Authenticate) gets neither into the log, list --json, the refresh command's output, serve's stderr or the
    store's non-secret columns: every piece of provider text goes through one scrub."""
    import sqlite3

    issued = {}

    def inject(peer):
        access, refresh = issued["access_token"], issued["refresh_token"]
        # Echoes as they are, inside no secret-looking shape: only the known-secret pass can remove them.
        peer.fault(path="/token", count=-1, status=400, body="json", error="invalid_grant",
                   error_description=f"grant {refresh} unknown; was issued with {access}")
        peer.fault(path="/mcp", count=-1, status=401, body="json", error="invalid_token",
                   headers={"WWW-Authenticate":
                            f'Bearer error="invalid_token", error_description="{access} is not valid here"'})

    class Echoing(Single):
        def __init__(self):
            self.name = "echo"
            self.peer = Peer(ACCESS_TTL=4)
            self.home = Home({self.name: server(self.peer)}, refresh=fast_refresh())
            issued.update(self.peer.issue())
            self.home.import_session(self.name, issued)
            inject(self.peer)
            self.process, self.metrics_url = self.home.serve_with_metrics()

    stage = Echoing()
    try:
        secrets = [issued["access_token"], issued["refresh_token"]]
        row, _ = stage.watch(lambda r: r["refresh_state"] == "failed", 20)
        check("echoed secrets: the echoing provider's refusal fails the refresh", row is not None,
              json.dumps(stage.row()))
        listed = stage.home.run("list", "--json")
        refreshed = stage.home.run("refresh", "echo")
        stage.process.send_signal(signal.SIGTERM)
        try:
            stage.process.wait(10)
        except subprocess.TimeoutExpired:
            stage.process.kill()
        serve_stderr = stage.process.stderr.read()
        TRANSCRIPT.append(serve_stderr)
        columns = ""
        try:
            with sqlite3.connect(os.path.join(stage.home.state, "oauthtop.sqlite")) as db:
                # Every table but the two that hold secrets by design (their secret columns).
                tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                          if name not in ("sessions", "client_registrations")]
                for table in tables:
                    columns += table + json.dumps(db.execute(f"SELECT * FROM {table}").fetchall()) + "\n"
                columns += json.dumps(db.execute(
                    "SELECT server, token_type, scope, token_endpoint, client_id, auth_method, resource "
                    "FROM sessions").fetchall())
        except sqlite3.Error as error:
            columns = f"unreadable: {error}"
        log = stage.home.log()
        check("echoed secrets: the provider's words arrived (scrubbed), in the log and list --json",
              "unknown; was issued with [redacted]" in log + listed.stdout, (log + listed.stdout)[-2000:])
        check("echoed secrets: the server's challenge arrived (scrubbed), in the log or the store",
              "[redacted] is not valid here" in log + columns, (log + columns)[-2000:])
        for label, text in (("log", log), ("list --json", listed.stdout + listed.stderr),
                            ("refresh output", refreshed.stdout + refreshed.stderr), ("serve stderr", serve_stderr),
                            ("store's non-secret columns", columns)):
            leaked = [secret[:6] + "…" for secret in secrets if secret in text]
            check(f"echoed secrets: no real token value in the {label}", not leaked and "unreadable" not in text,
                  f"leaked: {leaked} {text[-300:] if 'unreadable' in text else ''}")
    finally:
        stage.close()


def scenario_lost_response():
    """A response slower than our deadline while the peer commits the rotation: the engine asks again at once,
    inside the peer's grace window, gets the committed refresh token and saves the session."""
    stage = Single("slow", {"ACCESS_TTL": 4, "GRACE_SECONDS": 10}, refresh=fast_refresh(request_timeout=1),
                   before_serve=lambda peer: peer.fault(path="/token", count=1, delay=2.5))
    try:
        asked_again = eventually(lambda: "OAuth token refresh answer lost; asking again at once" in stage.home.log(), 15)
        check("lost response: timeout -> asked again at once (log)", asked_again)
        row, _ = stage.watch(healthy_again, 15)
        check("lost response: the retry within the grace window saves the session", row is not None,
              json.dumps(stage.row()))
        stats = stage.peer.stats()
        check("lost response: no reuse detected, no family revoked",
              stats["reuse_detected"] == 0 and stats["families_revoked"] == 0 and stats["grace_reuses"] >= 1,
              json.dumps(stats))
        code, token = stage.home.token("slow")
        check("lost response: the token works on MCP", code == 0 and stage.peer.mcp_accepts(token))
        check("lost response: /metrics counts failed_network", stage.metric("failed_network"))
    finally:
        stage.close()


def scenario_malformed():
    """Malformed token responses never crash anything; the session survives them."""
    faults = [
        {"status": 200, "body": "html"},
        {"status": 200, "body": "huge"},
        {"status": 502, "body": "empty"},
        {"status": 200, "body": "raw", "raw": "{\"access_token\": 5}"},
        {"status": 200, "body": "raw", "raw": "not json at all"},
        # Tokens that are not RFC 6750 tokens (a header line in one, a space in the other): refused at the wire.
        {"status": 200, "body": "raw", "raw": "{\"access_token\": \"at\\r\\nX-Injected: 1\", \"expires_in\": 60}"},
        {"status": 200, "body": "raw", "raw": "{\"access_token\": \"at injected\", \"expires_in\": 60}"},
        {"rewrite": {"expires_in": "str", "token_type": "bearer"}},
    ]

    def inject(peer):
        for fault in faults:
            peer.fault(path="/token", count=1, **fault)

    stage = Single("malformed", {"ACCESS_TTL": 4}, before_serve=inject)
    try:
        row, _ = stage.watch(lambda r: r["retry_count"] >= len(faults) - 1, 40)
        check("malformed bodies: each counted as a retryable failure", row is not None, json.dumps(stage.row()))
        row, _ = stage.watch(healthy_again, 20)
        check("malformed bodies: healthy after them (string expires_in and lowercase bearer accepted)", row is not None,
              json.dumps(stage.row()))
        check("malformed bodies: serve never crashed", stage.process.poll() is None)
        code, token = stage.home.token("malformed")
        check("malformed bodies: token works on MCP", code == 0 and stage.peer.mcp_accepts(token))
        check("malformed bodies: no refused token ever stored", "injected" not in token.lower(), repr(token[:40]))
    finally:
        stage.close()


def iso_seconds(text):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def scenario_crash_safety():
    """kill -9 of serve at random moments, 20 times: no session lost, no reuse detected."""
    peer = Peer(ACCESS_TTL=2)
    home = Home({"jira": server(peer)}, refresh=fast_refresh(min_attempt_interval=0.2))
    rng = random.Random(20261127)
    try:
        home.import_session("jira", peer.issue())
        for _ in range(20):
            process = home.serve()
            time.sleep(rng.uniform(0.2, 2.5))
            process.kill()
            process.wait()
        stats = peer.stats()
        check("kill -9 x20: the peer saw rotations", stats["rotations"] >= 5, json.dumps(stats))
        check("kill -9 x20: no refresh token reuse detected", stats["reuse_detected"] == 0, json.dumps(stats))
        check("kill -9 x20: no token family revoked", stats["families_revoked"] == 0, json.dumps(stats))
        code, token = home.token("jira")
        check("kill -9 x20: session not lost; token works on MCP", code == 0 and peer.mcp_accepts(token))
    finally:
        home.close()
        peer.stop()


def scenario_dead_lease():
    """A process killed while its refresh is on the wire (the peer commits the rotation, the answer never arrives)
    leaves its lease behind. The next process takes it over at once, because the holder no longer runs, and its
    retry lands inside the provider's 2 s grace window: no wait for the lease to expire, no reuse, nothing lost."""
    peer = Peer(ACCESS_TTL=600, GRACE_SECONDS=2)
    home = Home({"jira": server(peer)})
    try:
        issued = peer.issue(access_ttl=1)
        home.import_session("jira", issued)
        time.sleep(1.1)  # the access token has expired: `token` must refresh
        peer.fault(path="/token", count=1, delay=30)
        first = subprocess.Popen([BIN, "refresh", "jira"], env=home.env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        sent = eventually(lambda: peer.stats()["token_requests"].get("refresh_token", {}).get("ok", 0) >= 1, 10, 0.02)
        first.kill()
        first.wait()
        killed_at = time.monotonic()
        check("dead lease: the killed refresh reached the peer, which rotated", sent, json.dumps(peer.stats()))
        code, token = home.token("jira")
        took = time.monotonic() - killed_at
        check(f"dead lease: token exits 0 in {took:.2f} s, well inside the 2 s grace window",
              code == 0 and took < 1.5, f"exit {code}")
        stats = peer.stats()
        check("dead lease: the retry was a grace reuse, not a detected reuse",
              stats["grace_reuses"] == 1 and stats["reuse_detected"] == 0 and stats["families_revoked"] == 0,
              json.dumps(stats))
        check("dead lease: the new token works on MCP", peer.mcp_accepts(token))
    finally:
        home.close()
        peer.stop()


def scenario_concurrency():
    """Two serve processes and a loop of token calls on one store, 2-second tokens: no reuse, no loss."""
    peer = Peer(ACCESS_TTL=2)
    home = Home({"jira": server(peer)}, refresh=fast_refresh(min_attempt_interval=0.2))
    try:
        home.import_session("jira", peer.issue())
        home.serve()
        home.serve()
        calls = failures = 0
        deadline = time.monotonic() + SOAK
        while time.monotonic() < deadline:
            code, token = home.token("jira")
            calls += 1
            if code != 0 or not token:
                failures += 1
            time.sleep(0.05)
        stats = peer.stats()
        check(f"two serves + {calls} token calls over {SOAK:.0f} s: every call succeeded", failures == 0,
              f"{failures} failed")
        check("concurrency: no refresh token reuse detected", stats["reuse_detected"] == 0, json.dumps(stats))
        check("concurrency: rotations happened", stats["rotations"] >= SOAK / 3, json.dumps(stats))
        code, token = home.token("jira")
        check("concurrency: final token works on MCP", code == 0 and peer.mcp_accepts(token))
    finally:
        home.close()
        peer.stop()


def scenario_restart_recovery():
    """200 servers whose access tokens expired while oauthtop was down are all healthy again."""
    peer = Peer(ACCESS_TTL=600)
    names = [f"server-{i:03d}" for i in range(200)]
    home = Home({name: server(peer) for name in names}, refresh=fast_refresh())
    try:
        for name in names:
            # The access token expired a minute ago while oauthtop was not running.
            response = peer.issue(access_ttl=0)
            response.pop("expires_in", None)
            response["expires_at"] = time.time() - 60
            result = home.import_session(name, response)
            if result.returncode != 0:
                check(f"import {name}", False, result.stderr)
                return
        rows = home.list()
        check("200 expired sessions before start", all(r["level"] != "healthy" for r in rows.values()) and len(rows) == 200)
        start = time.monotonic()
        home.serve()
        healthy = eventually(lambda: sum(r["level"] == "healthy" for r in home.list().values()) == 200, 30, 0.05)
        elapsed = time.monotonic() - start
        check(f"restart recovery: 200 expired servers healthy in {elapsed:.2f} s", healthy,
              f"{sum(r['level'] == 'healthy' for r in home.list().values())} healthy")
        print(f"# restart-recovery-seconds {elapsed:.2f}", flush=True)
    finally:
        home.close()
        peer.stop()


def scenario_bad_config():
    """Eleven kinds of mistakes: one line naming the file, the server and the key where there is one, and the
    problem; exit 2, nothing else."""
    # kind: (config text or None for no file, the line after "oauthtop: FILE: ")
    mistakes = {
        "missing file": (None, "file not found; create it with an \"mcpServers\" object"),
        "broken JSON": ('{"mcpServers": {"a": {"url": "https://x"},}', "not valid JSON ("),
        "top level not an object": ("[]", "the top level must be a JSON object"),
        "no mcpServers": ('{"servers": {}}', "key 'mcpServers': missing"),
        "url not a URL": ('{"mcpServers": {"jira": {"url": "mcp.atlassian.com"}}}',
                          "server 'jira': key 'url': must be an absolute http(s) URL (got \"mcp.atlassian.com\")"),
        "enabled not a boolean": ('{"mcpServers": {"jira": {"url": "https://x", "enabled": "yes"}}}',
                                  "server 'jira': key 'enabled': must be true or false"),
        "duplicate names": ('{"mcpServers": [{"name": "a", "url": "https://x"}, {"name": "a", "url": "https://y"}]}',
                            "server 'a': appears twice"),
        "redirect_port out of range": ('{"mcpServers": {"jira": {"url": "https://x", "oauth": {"redirect_port": 0}}}}',
                                       "server 'jira': key 'oauth.redirect_port': must be a port number from 1 to 65535"),
        "threshold out of range": ('{"mcpServers": {}, "refresh": {"threshold": 2}}',
                                   "key 'refresh.threshold': must be greater than 0 and less than 1 (got 2.0)"),
        "metrics not loopback": ('{"mcpServers": {}, "metrics": {"listen": "0.0.0.0:9"}}',
                                 "key 'metrics.listen': must be \"127.0.0.1:PORT\""),
        "unknown refresh key": ('{"mcpServers": {}, "refresh": {"treshold": 0.5}}',
                                "key 'refresh.treshold': unknown key; known keys are expiry_warning, jitter"),
    }
    for kind, (text, expected) in mistakes.items():
        folder = tempfile.mkdtemp(prefix="oauthtop-badconfig-")
        path = os.path.join(folder, "config.json")
        if text is not None:
            open(path, "w").write(text)
        env = dict(os.environ, OAUTHTOP_CONFIG=path, OAUTHTOP_STATE_DIR=os.path.join(folder, "state"))
        result = subprocess.run([BIN, "list"], capture_output=True, text=True, env=env, timeout=30)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        check(f"bad config ({kind}): exit 2, one line: file, server and key, problem",
              result.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"oauthtop: {path}: {expected}")
              and result.stdout == "" and not os.path.exists(os.path.join(folder, "state")),
              f"rc={result.returncode} {result.stderr!r}, expected {expected!r}")
        shutil.rmtree(folder, ignore_errors=True)


def scenario_first_open():
    """Processes that open a new store at the same moment (two MCP clients calling `token` on a fresh machine) all
    succeed: the store is created and migrated once, not raced ("database is locked", "no such table")."""
    home = Home({"jira": {"url": "http://127.0.0.1:9/mcp"}})
    failures = []
    try:
        for _ in range(25):
            shutil.rmtree(home.state, ignore_errors=True)
            processes = [
                subprocess.Popen([BIN, "list", "--json"], env=home.env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
                for _ in range(6)]
            for process in processes:
                _, stderr = process.communicate(timeout=60)
                if process.returncode != 0:
                    failures.append(stderr.strip())
        check("first open: 25 rounds of 6 processes opening a new store at once all exit 0", not failures,
              f"{len(failures)} failed, e.g. {failures[:1]}")
    finally:
        home.close()


def scenario_exit_codes():
    peer = Peer()
    home = Home({"jira": server(peer), "never": server(peer)})
    try:
        result = home.run("token", "nope")
        check("token for an unknown server: exit 2", result.returncode == 2 and "no server named 'nope'" in result.stderr,
              result.stderr)
        result = home.run("token", "never")
        check("token for a server never signed in: exit 3 with the login hint",
              result.returncode == 3 and "oauthtop login never" in result.stderr, result.stderr)
        home.import_session("jira", peer.issue())
        result = home.run("logout", "jira")
        row = home.list()["jira"]
        check("logout: forgets the session, list says Logged out / login",
              result.returncode == 0 and row["summary"] == "Logged out" and row["action"] == "login", json.dumps(row))
        result = home.run("refresh")
        check("refresh without names: usage error exit 2 saying what to pass",
              result.returncode == 2 and "name one or more servers, or pass --all" in result.stderr, result.stderr)
    finally:
        home.close()
        peer.stop()


def scenario_secrets():
    """No real token value in any log line, list output, metrics page or error message seen in this run."""
    haystack = "\n".join(part for part in TRANSCRIPT if part)
    leaked = sorted(secret for secret in SECRETS if secret and secret in haystack)
    check(f"secrets: none of {len(SECRETS)} real token values appears in {len(haystack)} bytes of output and logs",
          not leaked and len(SECRETS) > 10, f"leaked: {[s[:6] + '…' for s in leaked]}")


def scenario_state_folder():
    """A state folder nobody else can steer (issue 12): one others can write in is refused before anything is made
    there; a symlink planted as the log is refused and its target left alone; a store others could read is made
    private and said once; `serve` runs with core dumps off."""
    peer = Peer(ACCESS_TTL=3600)
    home = Home({"jira": server(peer)})
    try:
        os.makedirs(home.state, mode=0o700)
        os.chmod(home.state, 0o1777)
        refused = home.run("list")
        check("state folder others can write in (1777): exit 2, one line saying why and what to do, nothing made",
              refused.returncode == 2 and "refusing to keep tokens in" in refused.stderr
              and "group or others can write in it (mode 01777)" in refused.stderr
              and os.listdir(home.state) == [], refused.stderr)
        os.chmod(home.state, 0o700)
        target = os.path.join(home.dir, "planted-target")
        with open(target, "w") as handle:
            handle.write("not a log\n")
        os.chmod(target, 0o644)
        os.symlink(target, os.path.join(home.state, "oauthtop.log"))
        assert home.import_session("jira", peer.issue()).returncode == 0
        listed = home.run("list")
        check("a symlink planted as oauthtop.log: refused (logging off for the run), its target neither written "
              "nor chmodded", listed.returncode == 0 and "it is a symbolic link; remove it" in listed.stderr
              and open(target).read() == "not a log\n" and os.stat(target).st_mode & 0o777 == 0o644, listed.stderr)
        os.unlink(os.path.join(home.state, "oauthtop.log"))
        store = os.path.join(home.state, "oauthtop.sqlite")
        os.chmod(store, 0o644)
        first = home.run("list")
        second = home.run("list")
        check("a store others could read: made 0600 and said once on stderr, with what to do",
              first.returncode == 0 and f"{store} was readable by other users; it is 0600 now" in first.stderr
              and "sign in again" in first.stderr and os.stat(store).st_mode & 0o777 == 0o600
              and "readable by other users" not in second.stderr, first.stderr + second.stderr)
        # Started with core dumps allowed (soft limit up to the hard one), as a user's shell may have them.
        import resource
        hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
        allowed = hard if hard != resource.RLIM_INFINITY else 1 << 30
        process = subprocess.Popen([BIN, "serve"], env=home.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (allowed, hard)))
        home.processes.append(process)
        announced = process.stdout.readline()  # "serving N servers; …": main() has run its first line
        with open(f"/proc/{process.pid}/limits") as handle:
            limits = handle.read()
        core = next((line.split()[4:6] for line in limits.splitlines() if line.startswith("Max core file size")), [])
        check("serve refuses core dumps: RLIMIT_CORE soft and hard 0", announced.startswith("serving")
              and core == ["0", "0"], announced + limits)
    finally:
        home.close()
        peer.stop()


SCENARIOS = [
    ("bad_config", scenario_bad_config),
    ("exit_codes", scenario_exit_codes),
    ("first_open", scenario_first_open),
    ("state_folder", scenario_state_folder),
    ("rotations", scenario_rotations),
    ("flaky", scenario_flaky),
    ("throttled", scenario_throttled),
    ("revoked", scenario_revoked),
    ("echoed_secrets", scenario_echoed_secrets),
    ("lost_response", scenario_lost_response),
    ("malformed", scenario_malformed),
    ("crash_safety", scenario_crash_safety),
    ("dead_lease", scenario_dead_lease),
    ("restart_recovery", scenario_restart_recovery),
    ("concurrency", scenario_concurrency),
    ("secrets", scenario_secrets),
]


def run_scenarios(scenarios, always=(), after=None):
    """Runs each (name, scenario) of a suite, or those named in E2E_ONLY (and `always`), each failure of a scenario
    counted, not a crash of the suite; then `after`; prints the suite's last line and exits 1 when a check failed."""
    if not os.access(BIN, os.X_OK):
        check(f"oauthtop binary at {BIN}", False, "build first")
    else:
        only = set(filter(None, os.environ.get("E2E_ONLY", "").split(",")))
        for name, scenario in scenarios:
            if only and name not in only and name not in always:
                continue
            print(f"# {name}", flush=True)
            started = time.monotonic()
            try:
                scenario()
            except Exception as error:  # a broken scenario is a failure, not a crash of the suite
                traceback.print_exc()
                check(f"{name}: ran to the end", False, repr(error))
            print(f"# {name} took {time.monotonic() - started:.1f} s", flush=True)
        if after:
            after()
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


def main():
    run_scenarios(SCENARIOS)

if __name__ == "__main__":
    main()
