#!/usr/bin/env python3
"""End-to-end tests of tokens at rest: the real `oauthtop` binary, the real peer, the real files.

Run by scripts/test as `.venv/bin/python Tests/E2E/atrest.py`. Reuses the Peer and Home helpers of headless.py.

- key_file: with OAUTHTOP_KEYRING=off the key is a 0600 `store.key`; after an import and refreshes by `serve`, no
  token the peer minted (nor the client secret) appears in oauthtop.sqlite, its -wal, -shm or -journal, or a lease
  file, while serve runs and after; a replaced key, a key file others can read and a missing key file are refused
  with one line that says what to do.
- migration_kill: a big plaintext store (schema as this binary makes it, rows put back in plaintext with sqlite3,
  as an older oauthtop left them) is opened by `oauthtop list` and killed with SIGKILL at 40 moments spread over
  the time one opening takes (timed on a copy); after each kill the rows are all plaintext or all sealed, and at the end every token reads back
  through `oauthtop token NAME` and the files hold none in the clear.
- shared_store: `serve` refreshing 2-second tokens while `oauthtop token` calls run in a loop, both on the sealed
  store: no call fails, no refresh token is reused, no session is lost.
- keyring: a real Secret Service (`dbus-run-session` + `gnome-keyring-daemon`): the key lands in the keyring
  (`secret-tool lookup state_dir DIR`), no key file is made, a new D-Bus session on the same keyring reads the
  tokens, and without the keyring the store refuses to open with one line instead of making a new key. Skipped,
  saying why, only when dbus-run-session, gnome-keyring-daemon or secret-tool is missing.

Environment: OAUTHTOP (binary), E2E_ONLY (comma-separated scenario names), E2E_MIGRATION_ROWS (default 3000).
Ends with `N passed, N failed`.
"""
import base64
import json
import re
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import headless  # noqa: E402
from headless import BIN, Home, Peer, check, eventually, fast_refresh, server  # noqa: E402

ROWS = int(os.environ.get("E2E_MIGRATION_ROWS", "3000"))
CLOSED = "http://127.0.0.1:9/mcp"


class AtRestHome(Home):
    """A Home whose oauthtop runs with extra environment (OAUTHTOP_KEYRING=off unless told otherwise)."""

    def __init__(self, servers, refresh=None, env=None):
        super().__init__(servers, refresh=refresh)
        self.extra = {"OAUTHTOP_KEYRING": "off"} if env is None else dict(env)

    def env(self):
        environment = dict(super().env(), **self.extra)
        for name, value in self.extra.items():
            if value is None:
                environment.pop(name, None)
        return environment

    @property
    def store(self):
        return os.path.join(self.state, "oauthtop.sqlite")

    def files(self):
        """The store's files and every lease file: where a token could rest."""
        paths = [self.store + suffix for suffix in ("", "-wal", "-shm", "-journal")]
        leases = os.path.join(self.state, "leases")
        if os.path.isdir(leases):
            paths += [os.path.join(leases, name) for name in sorted(os.listdir(leases))]
        return [path for path in paths if os.path.exists(path)]

    def in_the_clear(self, secrets):
        """(secrets found in the files, names of the files read)."""
        contents = {}
        for path in self.files():
            try:
                with open(path, "rb") as handle:
                    contents[os.path.basename(path)] = handle.read()
            except OSError:
                pass
        found = sorted(s for s in secrets if s and any(s.encode() in data for data in contents.values()))
        return found, sorted(contents)

    def sql(self, query, *arguments):
        with sqlite3.connect(self.store, timeout=10) as db:
            return db.execute(query, arguments).fetchall()


def short(values):
    return [value[:8] + "…" for value in values]


# ---------------------------------------------------------------------------------------------------------------


def scenario_key_file():
    peer = Peer(ACCESS_TTL=3)
    home = AtRestHome({"jira": server(peer)}, refresh=fast_refresh())
    try:
        imported = home.import_session("jira", peer.issue(confidential=True))
        check("key file: import exits 0", imported.returncode == 0, imported.stderr)
        key = os.path.join(home.state, "store.key")
        mode = os.stat(key).st_mode & 0o777 if os.path.exists(key) else None
        check("key file: store.key made with mode 0600", mode == 0o600, oct(mode or 0))
        with open(key) as handle:
            check("key file: it holds base64 of 32 bytes", len(base64.b64decode(handle.read().strip())) == 32)
        check("key file: the store records 'key file' as the key's source",
              home.sql("SELECT key_source FROM store_protection") == [("key file",)])
        doctor = home.run("doctor")
        check("key file: doctor names the key file and what it protects against; the keyring line is a skip",
              f"ok    store: tokens encrypted; key in {key} (0600): protects against copies of the database" in doctor.stdout
              and "skip  keyring: the desktop keyring is not used (OAUTHTOP_KEYRING=off)" in doctor.stdout, doctor.stdout)

        process = home.serve()
        rotated = eventually(lambda: peer.stats()["rotations"] >= 4, timeout=40, interval=0.3)
        check("key file: serve refreshes the sealed session (4 rotations)", rotated, json.dumps(peer.stats()))
        minted = peer.tokens()
        found, files = home.in_the_clear(minted)
        check(f"key file: while serve runs, none of {len(minted)} minted values is in the clear in {files}",
              not found and len(minted) >= 9 and "oauthtop.sqlite-wal" in files, short(found))
        process.send_signal(signal.SIGTERM)
        process.wait(10)

        code, token = home.token("jira")
        check("key file: `oauthtop token` opens the sealed token, and the peer accepts it",
              code == 0 and peer.mcp_accepts(token))
        columns = home.sql("SELECT access_token, refresh_token, client_secret FROM sessions")
        check("key file: every secret column holds v1:<base64>",
              columns and all(value.startswith("v1:") for value in columns[0]), str(columns)[:80])
        minted = peer.tokens()
        found, files = home.in_the_clear(minted)
        check(f"key file: after serve, none of {len(minted)} minted values is in the clear in {files}",
              not found, short(found))

        # A key that is not the store's: refused, saying so, and the store is left alone.
        with open(key) as handle:
            original = handle.read()
        replaced = key + ".new"
        descriptor = os.open(replaced, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(descriptor, base64.b64encode(os.urandom(32)) + b"\n")
        os.close(descriptor)
        os.replace(replaced, key)
        result = home.run("list")
        lines = result.stderr.strip().splitlines()
        check("wrong key: list exits 2 with one line: the store's key does not match, move the store away",
              result.returncode == 2 and len(lines) == 1 and "the store's key does not match" in lines[0]
              and "move the store away and sign in again" in lines[0] and home.store in lines[0], result.stderr)
        with open(key, "w") as handle:
            handle.write(original)
        os.chmod(key, 0o644)
        result = home.run("token", "jira", secret_output=True)
        check("unsafe key file: mode 0644 is refused with one line naming the file and chmod 600",
              result.returncode == 2 and key in result.stderr and "chmod 600" in result.stderr
              and len(result.stderr.strip().splitlines()) == 1 and not result.stdout, result.stderr)
        os.chmod(key, 0o600)
        os.rename(key, key + ".moved")
        result = home.run("list")
        check("missing key file: refused (no new key made), naming the file",
              result.returncode == 2 and "key file" in result.stderr and key in result.stderr
              and not os.path.exists(key), result.stderr)
        os.rename(key + ".moved", key)
        code, token = home.token("jira")
        check("key file: with the original key back, the token reads again", code == 0 and peer.mcp_accepts(token))
    finally:
        home.close()
        peer.stop()


def make_plaintext_store(home, rows):
    """A store as an oauthtop from before sealing left it: this binary's schema up to v6, `rows` sessions in
    plaintext. The binary makes the file (one import), then sqlite3 takes the store back to v6 and fills it."""
    first = home.import_session("server-00000", {"access_token": "at-seed", "token_type": "Bearer"})
    if first.returncode != 0:
        raise RuntimeError(f"import failed: {first.stderr}")
    os.unlink(os.path.join(home.state, "store.key"))
    expires = time.time() + 30 * 86400
    with sqlite3.connect(home.store) as db:
        db.executescript(
            "DELETE FROM sessions; DROP TABLE store_protection;"
            "DELETE FROM grdb_migrations WHERE identifier LIKE 'v7:%';")
        db.executemany(
            "INSERT INTO sessions (server, access_token, token_type, refresh_token, issued_at, expires_at, "
            "token_endpoint, client_id, client_secret, auth_method, updated_at) "
            "VALUES (?, ?, 'Bearer', ?, ?, ?, 'http://127.0.0.1:9/token', 'client', ?, 'client_secret_post', ?)",
            [(f"server-{i:05d}", f"at-plain-{i:05d}-{os.urandom(6).hex()}", f"rt-plain-{i:05d}-{os.urandom(6).hex()}",
              time.time(), expires, f"cs-plain-{i:05d}", time.time()) for i in range(rows)])
    with sqlite3.connect(home.store) as db:
        return {name: (access, refresh, secret) for name, access, refresh, secret in db.execute(
            "SELECT server, access_token, refresh_token, client_secret FROM sessions")}


def sealed_rows(home):
    """How many rows hold sealed and plaintext access tokens."""
    rows = home.sql("SELECT substr(access_token, 1, 3) = 'v1:', count(*) FROM sessions GROUP BY 1")
    counts = dict(rows)
    return counts.get(1, 0), counts.get(0, 0)


def scenario_migration_kill():
    names = [f"server-{i:05d}" for i in range(ROWS)]
    home = AtRestHome({name: {"url": CLOSED} for name in names})
    try:
        expected = make_plaintext_store(home, ROWS)
        secrets = [value for triple in expected.values() for value in triple]
        found, _ = home.in_the_clear(secrets[:30])
        check(f"migration: the old store holds its {ROWS} sessions in plaintext", len(found) == 30)

        # How long one opening with its migration takes here: timed on a copy of the store.
        copy = os.path.join(home.dir, "copy")
        os.makedirs(copy, mode=0o700)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(home.store + suffix):
                shutil.copy2(home.store + suffix, os.path.join(copy, "oauthtop.sqlite" + suffix))
        started = time.monotonic()
        subprocess.run([BIN, "list", "--json"], env=dict(home.env(), OAUTHTOP_STATE_DIR=copy),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        whole = time.monotonic() - started
        # Kill openings at 40 moments spread over that time (seal, commit, checkpoint, VACUUM), until one is left to
        # finish. A kill before the commit leaves the rows in plaintext; one after it leaves them sealed with a scrub
        # pending, which the next opening finishes.
        moments = []
        seen = {"plaintext": 0, "sealed, scrub pending": 0, "sealed and scrubbed": 0, "torn": 0}
        for step in range(1, 41):
            delay = whole * step / 40
            process = subprocess.Popen([BIN, "list", "--json"], env=home.env(), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = process.poll() is not None
            process.kill()
            process.wait()
            if finished:
                break
            moments.append(round(delay, 2))
            sealed, plain = sealed_rows(home)
            pending = home.sql("SELECT scrub_pending FROM store_protection") if sealed else []
            if plain == ROWS and sealed == 0:
                seen["plaintext"] += 1
            elif sealed == ROWS and plain == 0:
                seen["sealed, scrub pending" if pending == [(1,)] else "sealed and scrubbed"] += 1
            else:
                seen["torn"] += 1
        print(f"# one opening takes {whole:.2f} s here; killed at {moments} s: {json.dumps(seen)}", flush=True)
        check(f"migration: after each of {len(moments)} SIGKILLs the rows are all plaintext or all sealed",
              seen["torn"] == 0 and len(moments) >= 3 and seen["plaintext"] >= 1, json.dumps(seen))
        result = home.run("list", "--json", timeout=120)
        check("migration: the next opening finishes it (list exits 0 with every server)",
              result.returncode == 0 and len(json.loads(result.stdout or "[]")) == ROWS, result.stderr[-300:])
        sealed, plain = sealed_rows(home)
        check(f"migration: all {ROWS} rows sealed", sealed == ROWS and plain == 0, f"{sealed} sealed, {plain} plain")
        check("migration: the store records its key source and no scrub is pending",
              home.sql("SELECT key_source, scrub_pending FROM store_protection") == [("key file", 0)])
        sample = [names[0], names[-1]] + random.Random(5).sample(names, 20)
        wrong = []
        for name in sample:
            code, token = home.token(name)
            if code != 0 or token != expected[name][0]:
                wrong.append(name)
        check(f"migration: `oauthtop token` reads back the original token of {len(sample)} sampled servers", not wrong,
              str(wrong[:5]))
        found, files = home.in_the_clear(secrets)
        check(f"migration: none of the {len(secrets)} old plaintext values is left in {files}", not found,
              short(found[:5]))
    finally:
        home.close()


def scenario_shared_store():
    peer = Peer(ACCESS_TTL=2)
    names = ["jira", "linear", "sentry"]
    home = AtRestHome({name: server(peer) for name in names}, refresh=fast_refresh())
    try:
        for name in names:
            result = home.import_session(name, peer.issue())
            check(f"shared store: import {name}", result.returncode == 0, result.stderr)
        home.serve()
        failures = []
        calls = [0]
        stop = threading.Event()

        def reader(name):
            while not stop.is_set():
                code, token = home.token(name)
                calls[0] += 1
                if code != 0 or not token:
                    failures.append((name, code))
                time.sleep(0.05)

        threads = [threading.Thread(target=reader, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        time.sleep(12)
        stop.set()
        for thread in threads:
            thread.join(30)
        stats = peer.stats()
        check(f"shared store: {calls[0]} `token` calls beside serve, none failed", calls[0] > 20 and not failures,
              str(failures[:5]))
        check("shared store: refreshes happened, no refresh token was reused, no family revoked",
              stats["rotations"] >= 6 and stats["reuse_detected"] == 0 and stats["families_revoked"] == 0,
              json.dumps({k: stats[k] for k in ("rotations", "reuse_detected", "families_revoked")}))
        rows = home.list()
        tokens = [home.token(name) for name in names]
        check("shared store: every session is still there, healthy, its token accepted",
              all(rows.get(name, {}).get("level") == "healthy" for name in names)
              and all(code == 0 and peer.mcp_accepts(token) for code, token in tokens),
              json.dumps({name: rows.get(name, {}).get("summary") for name in names}))
        found, files = home.in_the_clear(peer.tokens())
        check(f"shared store: no minted value in the clear in {files}", not found, short(found))
    finally:
        home.close()
        peer.stop()


KEYRING_SCRIPT = r"""
printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
if [ "$1" = import ]; then
    printf '%s' "$SESSION_JSON" | "$OAUTHTOP" import jira; echo "import_rc=$?"
fi
"$OAUTHTOP" token jira > "$WORK/token.out"; echo "token_rc=$?"
secret-tool lookup state_dir "$STATE_DIR" > "$WORK/key.out"; echo "lookup_rc=$?"
"$OAUTHTOP" doctor > "$WORK/doctor.out"; echo "doctor_rc=$?"
"""


def scenario_keyring():
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon", "secret-tool") if not shutil.which(tool)]
    if missing:
        print(f"# keyring: skipped: {', '.join(missing)} not installed (Debian: dbus, gnome-keyring, "
              f"libsecret-tools)", flush=True)
        return
    peer = Peer(ACCESS_TTL=3600)
    home = AtRestHome({"jira": server(peer)}, env={"OAUTHTOP_KEYRING": None})
    work = tempfile.mkdtemp(prefix="oauthtop-keyring-")
    try:
        os.makedirs(home.state, mode=0o700)
        state = os.path.realpath(home.state)
        session = peer.issue()
        # Its own HOME and XDG folders: the keyring file lives there, and no desktop session of the machine is used.
        environment = dict(home.env(), HOME=work, XDG_DATA_HOME=os.path.join(work, "data"),
                           XDG_RUNTIME_DIR=work, XDG_CONFIG_HOME=os.path.join(work, "config"),
                           KEYRING_PASSWORD="e2e-keyring-password", SESSION_JSON=json.dumps(session),
                           OAUTHTOP=BIN, STATE_DIR=state, WORK=work)
        environment.pop("DBUS_SESSION_BUS_ADDRESS", None)

        def in_session(*arguments):
            result = subprocess.run(["dbus-run-session", "--", "sh", "-c", KEYRING_SCRIPT, "sh", *arguments],
                                    env=environment, capture_output=True, text=True, timeout=120)
            headless.TRANSCRIPT.append(result.stdout + result.stderr)
            with open(os.path.join(work, "token.out")) as handle:
                token = handle.read().strip()
            with open(os.path.join(work, "key.out")) as handle:
                key = handle.read().strip()
            headless.SECRETS.add(key)
            return result, token, key

        result, token, key = in_session("import")
        check("keyring: import and token under a real Secret Service exit 0, the token is the one imported",
              "import_rc=0" in result.stdout and "token_rc=0" in result.stdout
              and token == session["access_token"], result.stdout + result.stderr[-400:])
        check("keyring: the key is in the keyring (secret-tool lookup state_dir DIR: base64 of 32 bytes)",
              "lookup_rc=0" in result.stdout and len(base64.b64decode(key or "x")) == 32, result.stdout)
        check("keyring: no key file was made, and the store records 'keyring'",
              not os.path.exists(os.path.join(state, "store.key"))
              and home.sql("SELECT key_source FROM store_protection") == [("keyring",)])
        found, files = home.in_the_clear(peer.tokens())
        check(f"keyring: no minted value in the clear in {files}", not found, short(found))

        with open(os.path.join(work, "doctor.out")) as handle:
            doctor = handle.read()
        check("keyring: doctor says the tokens are encrypted under the keyring's key and the keyring answers; exit 0",
              "doctor_rc=0" in result.stdout
              and "ok    store: tokens encrypted; key in the desktop keyring (Secret Service)" in doctor
              and "ok    keyring: the desktop keyring answers and holds this state folder's key" in doctor, doctor)

        result, token, again = in_session()
        check("keyring: a new D-Bus session over the same (persisted) keyring reads the token",
              "token_rc=0" in result.stdout and token == session["access_token"] and again == key,
              result.stdout + result.stderr[-400:])

        keyring_line = {
            "no session bus": r"^FAIL  keyring: the desktop keyring is not reachable: .*; the store's key is there: unlock",
            "OAUTHTOP_KEYRING=off": r"^skip  keyring: the desktop keyring is not used \(OAUTHTOP_KEYRING=off\)$",
        }
        for label, extra in (("no session bus", {}), ("OAUTHTOP_KEYRING=off", {"OAUTHTOP_KEYRING": "off"})):
            outside = dict(environment, **extra)
            outside.pop("DBUS_SESSION_BUS_ADDRESS", None)
            refused = subprocess.run([BIN, "token", "jira"], env=outside, capture_output=True, text=True, timeout=60)
            headless.TRANSCRIPT.append(refused.stderr)
            lines = refused.stderr.strip().splitlines()
            check(f"keyring: without the keyring ({label}), token exits 2 with one line naming the state folder and "
                  "the keyring, and makes no key file",
                  refused.returncode == 2 and not refused.stdout and len(lines) == 1 and state in lines[0]
                  and "desktop keyring" in lines[0] and not os.path.exists(os.path.join(state, "store.key")),
                  refused.stderr)
            doctor = subprocess.run([BIN, "doctor"], env=outside, capture_output=True, text=True, timeout=60)
            check(f"keyring: without the keyring ({label}), doctor exits 1 with 'FAIL  store:' and a keyring line "
                  "saying what to do", doctor.returncode == 1 and "FAIL  store: " in doctor.stdout
                  and re.search(keyring_line[label], doctor.stdout, re.M) is not None, doctor.stdout)
    finally:
        home.close()
        peer.stop()
        shutil.rmtree(work, ignore_errors=True)


SCENARIOS = [
    ("key_file", scenario_key_file),
    ("migration_kill", scenario_migration_kill),
    ("shared_store", scenario_shared_store),
    ("keyring", scenario_keyring),
]


def check_secrets():
    haystack = "\n".join(part for part in headless.TRANSCRIPT if part)
    leaked = sorted(secret for secret in headless.SECRETS if secret and secret in haystack)
    check(f"secrets: none of {len(headless.SECRETS)} tokens and keys appears in {len(haystack)} bytes of output "
          "and logs", not leaked and len(headless.SECRETS) > 10, f"leaked: {short(leaked)}")


def main():
    headless.run_scenarios(SCENARIOS, after=check_secrets)

if __name__ == "__main__":
    main()
