#!/usr/bin/env python3
"""scripts/bench: oauthtop's speed and cost, each figure beside a baseline measured in the same run, as a ratio.
Run through scripts/bench (it builds the release binary, the peer's venv and the wall-clock shift first).

  recovery  restart recovery at N against the bare client (recovery.py)
  wake      recovery after an 8 h jump of the wall clock, against the same floor (wake.py)
  token     `oauthtop token NAME` against a Python store reader and `gh auth token` (token_speed.py)
  memory    `serve`'s resident memory at N sessions against N = 1 (resident.py)
  idle      `serve` at rest with 1,000 sessions against the engine's 30 s looks (resident.py)
"""
import argparse
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests/E2E"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
os.environ.setdefault("OAUTHTOP", os.path.join(ROOT, ".build/release/oauthtop"))

import recovery  # noqa: E402
import resident  # noqa: E402
import token_speed  # noqa: E402
import wake  # noqa: E402

ALL = ["recovery", "wake", "token", "memory", "idle"]


def recoveries(title: str, measure, sizes: list[int], runs: int) -> list[dict]:
    print(title)
    results = []
    for n in sizes:
        rs = [measure(n) for _ in range(runs)]
        floor = statistics.median(r["floor_s"] for r in rs)
        ours = statistics.median(r["oauthtop_s"] for r in rs)
        stacks = [r["stack_floor_s"] for r in rs if r["stack_floor_s"] is not None]
        stack = statistics.median(stacks) if stacks else None
        lost = max(r["sessions_lost"] for r in rs)
        reuse = max(r["reuse_detected"] for r in rs)
        against_stack = f"  URLSession alone {stack:7.3f} s  ratio {ours / stack:5.2f}" if stack else ""
        print(f"  N={n:5d}  floor {floor:7.3f} s  oauthtop {ours:7.3f} s  ratio {ours / floor:5.2f}{against_stack}  "
              f"(runs: {', '.join('%.3f/%.3f' % (r['oauthtop_s'], r['floor_s']) for r in rs)}; "
              f"lost {lost}, reuse {reuse})", flush=True)
        results.append({"n": n, "floor_s": floor, "stack_floor_s": stack, "oauthtop_s": ours, "lost": lost,
                        "reuse": reuse})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated, of: {', '.join(ALL)}")
    parser.add_argument("--sizes", default="10,100,1000", help="recovery and wake sizes N (comma-separated)")
    parser.add_argument("--runs", type=int, default=3, help="runs per recovery figure; the median is printed")
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--json", help="also write the figures to this file (for the plot)")
    arguments = parser.parse_args()
    only = arguments.only.split(",")
    sizes = [int(x) for x in arguments.sizes.split(",")]
    figures = {}
    print(f"binary: {os.environ['OAUTHTOP']}")
    if "recovery" in only:
        figures["recovery"] = recoveries(
            "recovery after a restart: N expired sessions, `serve` start to the N-th refresh committed, against a "
            "bare keep-alive client (8 threads) refreshing N other sessions of the same peer, and against URLSession "
            "alone doing the same (8 at a time)",
            recovery.measure, sizes, arguments.runs)
    if "wake" in only:
        shift = os.environ.get("WALL_CLOCK_SHIFT_LIB", "")
        if os.path.exists(shift):
            figures["wake"] = recoveries(
                "recovery after a wake: N sessions with an hour left, `serve` idle, the wall clock jumps 8 h; from "
                "the jump to the N-th refresh committed, against the same floor",
                lambda n: wake.measure(n, shift), sizes, arguments.runs)
        else:
            print("wake: skipped (no C compiler to build Tests/Soak/wall_clock_shift.c)")
    if "token" in only:
        t = token_speed.measure()
        line = (f"token: `oauthtop token NAME` {t['oauthtop_s'] * 1000:6.1f} ms  Python store reader "
                f"{t['reader_s'] * 1000:6.1f} ms  ratio {t['oauthtop_s'] / t['reader_s']:4.2f}")
        if "gh_s" in t:
            line += f"  `gh auth token` {t['gh_s'] * 1000:6.1f} ms  ratio {t['oauthtop_s'] / t['gh_s']:4.2f}"
        else:
            line += "  (`gh` not installed)"
        print(line, flush=True)
        figures["token"] = t
    if "memory" in only:
        m = resident.memory()
        base = m[1]
        print("memory: `serve` at rest, resident " + "  ".join(
            f"N={n}: {kb / 1024:6.1f} MB ({kb / base:4.2f}x N=1)" for n, kb in m.items()), flush=True)
        largest = max(m)
        print(f"  growth per session: {(m[largest] - base) / (largest - 1):.2f} kB (N=1 to N={largest})")
        figures["memory_kb"] = m
    if "idle" in only:
        i = resident.idle(seconds=arguments.idle_seconds, floor_binary=os.environ.get("IDLE_FLOOR_BIN", ""))
        line = (f"idle: `serve` with 1,000 sessions between deadlines: {i['cpu_s_per_hour']:.2f} CPU s/h "
                f"({i['cpu_s_per_hour'] / 36:.4f} % of a core), {i['wakeups_per_hour']:.0f} wake-ups/h")
        if "floor_wakeups_per_hour" in i:
            line += (f"; floor: a Swift process in Task.sleep, {i['floor_wakeups_per_hour']:.0f} wake-ups/h, "
                     f"{i['floor_cpu_s_per_hour']:.2f} CPU s/h; ratio "
                     f"{i['wakeups_per_hour'] / max(1, i['floor_wakeups_per_hour']):.2f}")
        print(line, flush=True)
        figures["idle"] = i
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
