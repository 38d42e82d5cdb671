"""The floor for recovery: what the provider can give. A bare client, no oauthtop code: `threads` threads, each with
one keep-alive HTTP connection (http.client), refreshing its share of `sessions` at the token endpoint, as fast as
the peer answers. Each session is (client_id, refresh_token) from the peer's /_issue.

As a whole process, as oauthtop is measured: `python bare_client.py TOKEN_ENDPOINT SESSIONS.json [THREADS]`, where
the file holds [[client_id, refresh_token], ...]; exit 0 once every refresh got its new tokens."""
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


def refresh_all(token_endpoint: str, sessions: list[tuple[str, str]], threads: int = 8) -> float:
    """Refreshes every session once; returns the wall time in seconds. Raises if any refresh fails."""
    url = urllib.parse.urlsplit(token_endpoint)
    shares = [sessions[i::threads] for i in range(threads)]
    failures: list[str] = []

    def work(share: list[tuple[str, str]]) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        connection.connect()
        # http.client writes the headers and the body separately: without TCP_NODELAY the body waits for the
        # peer's delayed ACK of the headers (40 ms a request). Real clients (libcurl) set it too.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for client_id, refresh_token in share:
            body = urllib.parse.urlencode(
                {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}).encode()
            connection.request(
                "POST", url.path, body,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or "access_token" not in json.loads(answer):
                failures.append(f"HTTP {response.status}")
        connection.close()

    workers = [threading.Thread(target=work, args=(share,)) for share in shares if share]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"bare client: {len(failures)} of {len(sessions)} refreshes failed ({failures[0]})")
    return elapsed


def run_process(python: str, token_endpoint: str, sessions_file: str, threads: int = 8) -> float:
    """The bare client as a whole process, from spawn to exit, in seconds (as `oauthtop serve` is timed)."""
    import subprocess
    start = time.perf_counter()
    subprocess.run([python, __file__, token_endpoint, sessions_file, str(threads)], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    with open(sys.argv[2]) as handle:
        pairs = [tuple(pair) for pair in json.load(handle)]
    refresh_all(sys.argv[1], pairs, int(sys.argv[3]) if len(sys.argv) > 3 else 8)
