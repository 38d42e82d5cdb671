"""`oauthtop serve` at rest with N sessions: resident memory (N = 100, 1,000, 10,000 beside N = 1 in the same run,
and the growth per session), and the idle cost with 1,000 sessions between deadlines (CPU seconds and wake-ups per
hour, over `seconds` after the startup probes ended, beside the engine's own floor: one look at the clocks every
30 s, 120 an hour).

The sessions are one imported session copied in the store under N names (imports of 10,000 would take minutes);
their tokens live an hour, so no refresh falls in the window. The servers' URL is a closed loopback port: the
startup probes fail at once (as for servers that are down), and the next probe is a day away
(OAUTHTOP_PROBE_INTERVAL), so the window holds no deadline."""
import os
import sqlite3
import subprocess
import time

import headless

CLOSED = "http://127.0.0.1:9/mcp"


def prepared_home(peer, n: int) -> headless.Home:
    names = [f"server-{i:05d}" for i in range(n)]
    home = headless.Home({name: {"url": CLOSED} for name in names})
    result = home.import_session(names[0], peer.issue())
    if result.returncode != 0:
        raise RuntimeError(f"import failed: {result.stderr}")
    db = sqlite3.connect(os.path.join(home.state, "oauthtop.sqlite"))
    columns = [row[1] for row in db.execute("PRAGMA table_info(sessions)")]
    others = ", ".join(c for c in columns if c != "server")
    db.executemany(f"INSERT INTO sessions (server, {others}) SELECT ?, {others} FROM sessions WHERE server = ?",
                   [(name, names[0]) for name in names[1:]])
    db.commit()
    db.close()
    return home


def process_figures(pid: int) -> tuple[float, dict, int]:
    """(CPU seconds, context switches per thread id, resident kB) of a running process."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as handle:
                switches[task] = sum(int(line.split()[1]) for line in handle
                                     if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        except OSError:
            pass
    with open(f"/proc/{pid}/status") as handle:
        rss = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    return cpu, switches, rss


def switches_between(before: dict, after: dict) -> int:
    """Context switches in between: growth of the threads alive at both ends, all of those born meanwhile (threads
    that ended in between are not counted)."""
    return sum(count - before.get(task, 0) for task, count in after.items())


def serve_at_rest(home: headless.Home, n: int, settle: float) -> subprocess.Popen:
    env = dict(home.env(), OAUTHTOP_PROBE_INTERVAL="86400")
    process = subprocess.Popen([headless.BIN, "serve"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    from recovery import count_in_log
    count_in_log(os.path.join(home.state, "oauthtop.log"), "OAuth client connection failed", n, timeout=60 + n * 0.01)
    time.sleep(settle)
    return process


def memory(sizes=(1, 100, 1000, 10000)) -> dict:
    """Resident kB of `serve` at rest, per N."""
    peer = headless.Peer(ACCESS_TTL=3600)
    figures = {}
    try:
        for n in sizes:
            home = prepared_home(peer, n)
            try:
                process = serve_at_rest(home, n, settle=2)
                figures[n] = process_figures(process.pid)[2]
                process.terminate()
                process.wait(10)
            finally:
                home.close()
    finally:
        peer.stop()
    return figures


def idle(n: int = 1000, seconds: float = 60, timeline: bool = False, floor_binary: str = "") -> dict:
    """CPU seconds and wake-ups per hour of `serve` at rest with n sessions, measured over `seconds`; with
    `floor_binary` (Benchmarks/idle_floor.swift, built), the same of that bare Swift process over the same window."""
    peer = headless.Peer(ACCESS_TTL=3600)
    home = prepared_home(peer, n)
    floor = subprocess.Popen([floor_binary]) if floor_binary and os.path.exists(floor_binary) else None
    try:
        process = serve_at_rest(home, n, settle=1)
        floor_before = process_figures(floor.pid) if floor else None
        cpu0, switches0, _ = process_figures(process.pid)
        samples = []
        start = time.monotonic()
        previous = switches0
        while time.monotonic() - start < seconds:
            time.sleep(1)
            if timeline:
                now = process_figures(process.pid)[1]
                samples.append(switches_between(previous, now))
                previous = now
        cpu1, switches1, _ = process_figures(process.pid)
        floor_after = process_figures(floor.pid) if floor else None
        elapsed = time.monotonic() - start
        process.terminate()
        process.wait(10)
        per_hour = 3600 / elapsed
        figures = {"cpu_s_per_hour": (cpu1 - cpu0) * per_hour,
                   "wakeups_per_hour": switches_between(switches0, switches1) * per_hour, "timeline": samples}
        if floor:
            figures["floor_wakeups_per_hour"] = switches_between(floor_before[1], floor_after[1]) * per_hour
            figures["floor_cpu_s_per_hour"] = (floor_after[0] - floor_before[0]) * per_hour
        return figures
    finally:
        if floor:
            floor.kill()
            floor.wait()
        home.close()
        peer.stop()
