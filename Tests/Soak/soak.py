#!/usr/bin/env python3
"""scripts/soak: a reliability run against the real mcp SDK peer on 127.0.0.1 that reports and judges, ending with

    soak: minutes=M servers=N refreshes=R sessions_lost=L reuse_detected=U crashes=C longest_expired_s=X max_rss_kb=K

and exit 0 only when L = 0, U = 0, C = 0, X < 5 s and the long-running `serve`'s memory stayed flat.

While it runs, on one store:
  * `oauthtop serve` (A) killed with kill -9 and started again at random intervals (2-20 s);
  * a second `serve` (B) that runs throughout (its resident memory is sampled) and the dashboard under tmux;
  * `token` and `refresh` calls from other processes in a loop;
  * at the peer (2-second access tokens, rotation, reuse detection, a 2 s grace window): bursts of 503, 429 with
    Retry-After, answers slower than `request_timeout` (lost after the rotation is committed) and malformed bodies;
  * the store held busy by another writer for seconds;
  * clock jumps of every oauthtop process's wall clock forward by minutes to hours (Tests/Soak/wall_clock_shift.c,
    preloaded: one shared offset file so that the processes keep one clock between them, as on a real machine; the
    monotonic and boot clocks and all timers are left alone; it says there why not libfaketime).

sessions_lost: servers needing a sign-in at the end although the peer never revoked their family. reuse_detected:
the peer's count. crashes: exits other than our kills (a signal, or a code outside 0, 1, 3). longest_expired_s: the
longest a server's access token stayed expired while the peer was answering normally (the peer measures it).

Run through scripts/soak (which builds the binary and the peer's venv). Environment: OAUTHTOP (binary).
"""
import argparse
import concurrent.futures
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests/E2E"))
import headless  # noqa: E402

CLOCK_SHIFT_LIB = os.environ.get("WALL_CLOCK_SHIFT_LIB", "")
# Tokens live 2 s and are refreshed at 1.6 s. A request without an answer after 1 s is asked again at once, inside
# the peer's 2 s grace window, so an answer lost after the peer committed a rotation is survivable; the second
# request has the other second to get there on this loaded machine (at 1.5 s, a slow peer let three of 17,520
# refreshes in ten minutes arrive after the window). Keep `request_timeout` well under a provider's grace window.
POLICY = {"min_attempt_interval": 0.5, "retry_backoff_base": 0.5, "max_retry_backoff": 2, "request_timeout": 1.0}


class Soak:
    def __init__(self, minutes, servers, seed, keep=False):
        self.minutes = minutes
        self.keep = keep
        self.deadline = time.monotonic() + minutes * 60
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.crashes = []
        self.signins_asked = []
        self.rss = []  # (seconds since start, VmRSS kB) of serve B
        self.started = time.monotonic()
        self.stop = threading.Event()
        peer_log = f"/tmp/oauthtop-soak-peer-{os.getpid()}.log" if keep else None
        self.peer = headless.Peer(log_path=peer_log, PEER_LOG="info" if keep else "warning", ACCESS_TTL=2, GRACE_SECONDS=2, ROTATE=1, REUSE_REVOKES_FAMILY=1)
        self.names = [f"server-{i:02d}" for i in range(servers)]
        self.home = headless.Home({name: headless.server(self.peer) for name in self.names}, refresh=POLICY)
        self.clock_file = os.path.join(self.home.dir, "wall-clock-offset")
        with open(self.clock_file, "w") as handle:
            handle.write("+0\n")
        self.offset_s = 0
        self.shift_clock = os.path.exists(CLOCK_SHIFT_LIB)

    # -- processes -------------------------------------------------------------------------------------------

    def env(self):
        env = self.home.env()
        if self.shift_clock:
            env.update(LD_PRELOAD=CLOCK_SHIFT_LIB, WALL_CLOCK_SHIFT_FILE=self.clock_file)
        return env

    def command(self, *args):
        return [headless.BIN, *args]

    def spawn(self, *args, **kwargs):
        return subprocess.Popen(self.command(*args), env=self.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, **kwargs)

    def judge_exit(self, what, process, killed=False):
        code = process.returncode
        if killed and code in (-signal.SIGKILL, 128 + signal.SIGKILL, 137):
            return
        if code in (0, 1, 3):
            if code == 3:
                with self.lock:
                    self.signins_asked.append(what)
            return
        stderr = process.stderr.read()[-300:] if process.stderr else ""
        with self.lock:
            self.crashes.append(f"{what}: exit {code} {stderr!r}")

    # -- the load --------------------------------------------------------------------------------------------

    def killer(self):
        """serve A: started, killed with -9 after 2-20 s, again and again."""
        while not self.stop.is_set():
            process = self.spawn("serve")
            self.stop.wait(self.rng.uniform(2, 20))
            if process.poll() is not None:
                self.judge_exit("serve A", process)
                continue
            process.kill()
            process.wait()
            self.judge_exit("serve A", process, killed=True)

    def clients(self, seed):
        """`token` and now and then `refresh` for random servers, as MCP clients and people do."""
        rng = random.Random(seed)
        while not self.stop.is_set():
            name = rng.choice(self.names)
            what = "refresh" if rng.random() < 0.2 else "token"
            process = self.spawn(what, name)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                self.dump_stacks(process.pid, f"{what}-{name}")
                process.kill()
                process.wait()
                with self.lock:
                    self.crashes.append(f"{what} {name} (pid {process.pid}): hung for 120 s")
                continue
            self.judge_exit(f"{what} {name}", process)
            self.stop.wait(rng.uniform(0.05, 0.3))

    def faults(self):
        """Bursts of provider trouble, a few seconds apart."""
        kinds = [
            {"status": 503, "count": 3},
            {"status": 429, "retry_after": "1", "count": 2},
            {"delay": 2, "count": 1},  # slower than request_timeout (1 s): the rotation is committed, the answer lost
            {"status": 200, "body": "html", "count": 2},  # malformed
            {"status": 200, "body": "error_in_200", "error": "server_error", "count": 1},
        ]
        while not self.stop.wait(self.rng.uniform(3, 8)):
            fault = dict(self.rng.choice(kinds), path="/token")
            try:
                self.peer.fault(**fault)
            except Exception as error:  # the peer refusing a fault is a bug of this script
                with self.lock:
                    self.crashes.append(f"fault {fault}: {error}")

    def busy_store(self):
        """Another writer holds the store's write lock for 1-3 s now and then."""
        path = os.path.join(self.home.state, "oauthtop.sqlite")
        while not self.stop.wait(self.rng.uniform(5, 12)):
            try:
                db = sqlite3.connect(path, isolation_level=None, timeout=10)
                db.execute("BEGIN IMMEDIATE")
                time.sleep(self.rng.uniform(1, 3))
                db.execute("COMMIT")
                db.close()
            except sqlite3.Error:
                pass

    def clock_jumps(self):
        """Every oauthtop process's wall clock jumps forward by minutes to hours, as after a night's sleep."""
        while not self.stop.wait(self.rng.uniform(15, 40)):
            self.offset_s += self.rng.choice([60, 600, 3600, 8 * 3600])
            with open(self.clock_file + ".new", "w") as handle:
                handle.write(f"+{self.offset_s}\n")
            os.replace(self.clock_file + ".new", self.clock_file)

    def dump_stacks(self, pid, what):
        """Every thread's stack of a hung process, into the kept folder (gdb, when installed)."""
        gdb = shutil.which("gdb")
        if not gdb or not self.keep:
            return
        path = f"/tmp/oauthtop-soak-hang-{what}-{pid}.txt"
        with open(path, "w") as out:
            subprocess.run([gdb, "-p", str(pid), "-batch", "-ex", "thread apply all bt"], stdout=out,
                           stderr=subprocess.STDOUT, timeout=60)
        print(f"hung: {what} (pid {pid}): stacks in {path}", file=sys.stderr)

    def sample_memory(self, process):
        pid = process.pid
        while not self.stop.wait(1):
            try:
                with open(f"/proc/{pid}/status") as handle:
                    for line in handle:
                        if line.startswith("VmRSS:"):
                            self.rss.append((time.monotonic() - self.started, int(line.split()[1])))
            except OSError:
                return

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda name: self.home.import_session(name, self.peer.issue()), self.names))
        bad = [r.stderr for r in results if r.returncode != 0]
        if bad:
            raise RuntimeError(f"import failed: {bad[0]}")
        serve_b = self.spawn("serve")
        tmux = shutil.which("tmux")
        session = f"soak-{os.getpid()}"
        if tmux:
            env = " ".join(f"{k}={v}" for k, v in self.env().items() if k.startswith(("OAUTHTOP_", "LD_", "WALL_CLOCK")))
            subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "160", "-y", "60",
                            f"env {env} TERM=xterm-256color {headless.BIN}"], check=True)
        threads = [threading.Thread(target=self.killer), threading.Thread(target=self.faults),
                   threading.Thread(target=self.busy_store), threading.Thread(target=self.sample_memory, args=(serve_b,))]
        threads += [threading.Thread(target=self.clients, args=(seed,)) for seed in range(3)]
        if self.shift_clock:
            threads.append(threading.Thread(target=self.clock_jumps))
        for thread in threads:
            thread.start()
        while time.monotonic() < self.deadline:
            time.sleep(0.5)
        self.stop.set()
        for thread in threads:
            thread.join()

        # Settle: no more faults, kills or jumps; B and the dashboard keep running a few token lifetimes.
        self.peer.fault(clear=True)
        time.sleep(8)
        rows = self.home.list()
        stats = self.peer.stats()
        dashboard_alive = True
        if tmux:
            screen = subprocess.run([tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            dashboard_alive = f"{len(self.names)} servers" in screen
            if self.keep:
                with open(os.path.join(self.home.dir, "screen.txt"), "w") as handle:
                    handle.write(screen)
            subprocess.run([tmux, "kill-session", "-t", session], capture_output=True)
        if serve_b.poll() is not None:
            self.judge_exit("serve B (ended by itself)", serve_b)
            if serve_b.returncode in (0, 1):
                self.crashes.append(f"serve B ended by itself with {serve_b.returncode}")
        else:
            serve_b.terminate()
            serve_b.wait(10)
            self.judge_exit("serve B", serve_b)
        if not dashboard_alive:
            self.crashes.append("the dashboard is no longer showing the servers")
        if self.keep:
            print(f"kept: {self.home.dir} (config, state, log); peer log: {self.peer.log.name}", file=sys.stderr)
            print(json.dumps(stats), file=sys.stderr)
        else:
            self.home.close()
        self.peer.stop()

        # Families the peer revoked on purpose are not ours to lose; those it revoked for a reuse are.
        revoked_on_purpose = sum(n for reason, n in stats["families_revoked_by"].items() if reason != "reuse")
        lost = sum(row.get("action") == "login" for row in rows.values()) if rows else len(self.names)
        lost = max(0, lost - revoked_on_purpose)
        kb = [k for _, k in self.rss]
        third = max(1, len(kb) // 3)
        flat = not kb or max(kb[-third:]) <= max(kb[:third]) * 1.25 + 2048
        line = (f"soak: minutes={self.minutes:g} servers={len(self.names)} refreshes={stats['rotations']} "
                f"sessions_lost={lost} reuse_detected={stats['reuse_detected']} crashes={len(self.crashes)} "
                f"longest_expired_s={stats['longest_expired_s']:.1f} max_rss_kb={max(kb, default=0)}")
        for crash in self.crashes[:10]:
            print("crash:", crash, file=sys.stderr)
        for name, row in sorted(rows.items()):
            if row.get("action") == "login":
                print(f"needs sign-in: {name}: {row.get('summary')}: {row.get('detail')}", file=sys.stderr)
        if self.signins_asked:
            print(f"token calls answered 'sign in': {len(self.signins_asked)}", file=sys.stderr)
        if not flat:
            print(f"memory grew: first third max {max(kb[:third])} kB, last third max {max(kb[-third:])} kB",
                  file=sys.stderr)
        if not self.shift_clock:
            print("no clock jumps: WALL_CLOCK_SHIFT_LIB (built by scripts/soak) is missing", file=sys.stderr)
        print(line, flush=True)
        ok = lost == 0 and stats["reuse_detected"] == 0 and not self.crashes and stats["longest_expired_s"] < 5 and flat
        return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(prog="scripts/soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--keep", action="store_true", help="keep the config, state and log folder")
    arguments = parser.parse_args()
    return Soak(arguments.minutes, arguments.servers, arguments.seed, arguments.keep).run()


if __name__ == "__main__":
    sys.exit(main())
