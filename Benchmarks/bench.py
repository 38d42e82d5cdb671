#!/usr/bin/env python3
"""scripts/bench: oauthtop's speed and cost, each figure beside a baseline measured in the same run, as a ratio.
Run through scripts/bench (it builds the release binary and the peer's venv first)."""
import argparse
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests/E2E"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
os.environ.setdefault("OAUTHTOP", os.path.join(ROOT, ".build/release/oauthtop"))

import recovery  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--sizes", default="10,100,1000", help="recovery sizes N (comma-separated)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed")
    arguments = parser.parse_args()
    print(f"binary: {os.environ['OAUTHTOP']}")
    print("recovery after a restart: N expired sessions, `serve` start to the N-th refresh committed, "
          "against a bare keep-alive client (8 threads) refreshing N other sessions of the same peer")
    for n in [int(x) for x in arguments.sizes.split(",")]:
        runs = [recovery.measure(n) for _ in range(arguments.runs)]
        floor = statistics.median(r["floor_s"] for r in runs)
        ours = statistics.median(r["oauthtop_s"] for r in runs)
        lost = max(r["sessions_lost"] for r in runs)
        reuse = max(r["reuse_detected"] for r in runs)
        print(f"  N={n:5d}  floor {floor:7.3f} s  oauthtop {ours:7.3f} s  ratio {ours / floor:5.2f}  "
              f"(runs: {', '.join('%.3f/%.3f' % (r['oauthtop_s'], r['floor_s']) for r in runs)}; "
              f"lost {lost}, reuse {reuse})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
