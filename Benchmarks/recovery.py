"""Restart recovery: N sessions whose access tokens expired while oauthtop was down, from starting `oauthtop serve`
to the N-th refresh committed (the N-th `OAuth token refresh succeeded` in its log, written after the commit),
beside the bare client refreshing N other sessions of the same peer in the same run, both timed as whole processes
from spawn (the bare client to its exit)."""
import concurrent.futures
import json
import os
import subprocess
import time

import bare_client
import headless


def short_lived_session(peer) -> dict:
    """A session as `oauthtop import` reads it, whose access token lives one second: by the time `serve` starts it
    has expired, as a user's tokens do overnight (issued before they expired, unlike an import with a past
    `expires_at`)."""
    return peer.issue(access_ttl=1)


def count_in_log(path: str, message: str, want: int, timeout: float) -> tuple[int, float]:
    """Waits until `message` appears `want` times in the JSON-lines log; returns (count, monotonic time)."""
    seen, offset, rest = 0, 0, b""
    deadline = time.monotonic() + timeout
    needle = json.dumps(message).encode()
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            offset += len(chunk)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            seen += sum(needle in line for line in lines)
            if seen >= want:
                return seen, time.monotonic()
        time.sleep(0.002)
    return seen, time.monotonic()


def floor_seconds(peer, n: int, folder: str, threads: int) -> float:
    """The bare client refreshing N fresh sessions of `peer`, a whole process: what the provider can give."""
    sessions = [(s["client_id"], s["refresh_token"]) for s in (peer.issue(access_ttl=0) for _ in range(n))]
    sessions_file = os.path.join(folder, "floor-sessions.json")
    with open(sessions_file, "w") as handle:
        json.dump(sessions, handle)
    return bare_client.run_process(headless.PYTHON, peer.url + "/token", sessions_file, threads)


def stack_floor_seconds(peer, n: int, folder: str, threads: int) -> float | None:
    """The same work done by URLSession alone (Benchmarks/bare_urlsession.swift, built by scripts/bench into
    $URLSESSION_FLOOR_BIN), a whole process: what the HTTP stack oauthtop is built on can give. None without it."""
    binary = os.environ.get("URLSESSION_FLOOR_BIN", "")
    if not os.path.exists(binary):
        return None
    sessions = [(s["client_id"], s["refresh_token"]) for s in (peer.issue(access_ttl=0) for _ in range(n))]
    sessions_file = os.path.join(folder, "stack-floor-sessions.json")
    with open(sessions_file, "w") as handle:
        json.dump(sessions, handle)
    start = time.perf_counter()
    subprocess.run([binary, peer.url + "/token", sessions_file, str(threads)], check=True)
    return time.perf_counter() - start


def figures(n: int, floors: tuple[float, float | None], seconds: float, seen: int, rotations_before: int, peer,
            home) -> dict:
    """One run's figures, with what the peer and `list` say about reuse and lost sessions."""
    rows = home.list()
    stats = peer.stats()
    return {
        "n": n, "floor_s": floors[0], "stack_floor_s": floors[1], "oauthtop_s": seconds, "refreshed": seen,
        "rotations": stats["rotations"] - rotations_before, "reuse_detected": stats["reuse_detected"],
        "sessions_lost": sum(row["action"] == "login" for row in rows.values()),
    }


def measure(n: int, threads: int = 8) -> dict:
    peer = headless.Peer(ACCESS_TTL=600)
    names = [f"server-{i:04d}" for i in range(n)]
    home = headless.Home({name: headless.server(peer) for name in names})
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda name: home.import_session(name, short_lived_session(peer)), names))
        failed = [r.stderr for r in results if r.returncode != 0]
        if failed:
            raise RuntimeError(f"import failed: {failed[0]}")

        time.sleep(1.2)  # every imported access token has expired
        floors = floor_seconds(peer, n, home.dir, threads), stack_floor_seconds(peer, n, home.dir, threads)

        log = os.path.join(home.state, "oauthtop.log")
        before = peer.stats()["rotations"]
        start = time.monotonic()
        process = home.serve()
        seen, end = count_in_log(log, "OAuth token refresh succeeded", n, timeout=120 + n * 0.1)
        process.terminate()
        process.wait(10)
        return figures(n, floors, end - start, seen, before, peer, home)
    finally:
        home.close()
        peer.stop()
