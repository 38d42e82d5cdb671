"""Wake recovery: N sessions with an hour left, `oauthtop serve` running and idle; then its wall clock jumps 8 h
forward, as after a night's sleep, and the time from the jump to the N-th refresh committed is taken, beside the
bare client refreshing N other sessions of the same peer in the same run (the floor of recovery.py).

The jump: Tests/Soak/wall_clock_shift.c preloaded (built by scripts/bench), which moves only the wall clock and, as
the kernel does when the wall clock is set or the machine resumes, ends timers armed with TFD_TIMER_CANCEL_ON_SET."""
import concurrent.futures
import os
import subprocess
import time

import headless
from recovery import count_in_log, figures, floor_seconds, stack_floor_seconds

JUMP_S = 8 * 3600


def measure(n: int, shift_lib: str, threads: int = 8) -> dict:
    peer = headless.Peer(ACCESS_TTL=3600)
    names = [f"server-{i:04d}" for i in range(n)]
    home = headless.Home({name: headless.server(peer) for name in names})
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda name: home.import_session(name, peer.issue()), names))
        failed = [r.stderr for r in results if r.returncode != 0]
        if failed:
            raise RuntimeError(f"import failed: {failed[0]}")
        floors = floor_seconds(peer, n, home.dir, threads), stack_floor_seconds(peer, n, home.dir, threads)

        offset_file = os.path.join(home.dir, "wall-clock-offset")
        with open(offset_file, "w") as handle:
            handle.write("+0\n")
        env = dict(home.env(), LD_PRELOAD=shift_lib, WALL_CLOCK_SHIFT_FILE=offset_file)
        process = subprocess.Popen([headless.BIN, "serve"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        log = os.path.join(home.state, "oauthtop.log")
        # Idle first: started, every startup probe answered, then a quiet second.
        count_in_log(log, "OAuth client connection successful", n, timeout=60 + n * 0.05)
        time.sleep(1)
        before = peer.stats()["rotations"]
        start = time.monotonic()
        with open(offset_file + ".new", "w") as handle:
            handle.write(f"+{JUMP_S}\n")
        os.replace(offset_file + ".new", offset_file)
        seen, end = count_in_log(log, "OAuth token refresh succeeded", n, timeout=60 + n * 0.1)
        process.terminate()
        process.wait(10)
        return figures(n, floors, end - start, seen, before, peer, home)
    finally:
        home.close()
        peer.stop()
