"""Resources/benchmarks/recovery.png: recovery time against N, oauthtop beside the floor (after a restart and after
a wake), log axes, from the --json file of scripts/bench. `python plot.py FIGURES.json OUT.png`"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

with open(sys.argv[1]) as handle:
    figures = json.load(handle)
fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
recovery = figures["recovery"]
ns = [r["n"] for r in recovery]
ax.plot(ns, [r["floor_s"] for r in recovery], "o--", color="grey", label="floor: bare keep-alive client, 8 threads")
if all(r.get("stack_floor_s") for r in recovery):
    ax.plot(ns, [r["stack_floor_s"] for r in recovery], "^:", color="black",
            label="URLSession alone, same work, 8 at a time")
ax.plot(ns, [r["oauthtop_s"] for r in recovery], "o-", color="tab:blue", label="oauthtop serve, after a restart")
if "wake" in figures:
    wake = figures["wake"]
    ax.plot([r["n"] for r in wake], [r["oauthtop_s"] for r in wake], "s-", color="tab:orange",
            label="oauthtop serve, after an 8 h wake")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("expired sessions N")
ax.set_ylabel("seconds to the N-th refresh committed")
ax.set_title("Recovery against the mcp SDK peer on 127.0.0.1 (2 cores)")
ax.grid(True, which="both", alpha=0.3)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2])
print(f"wrote {sys.argv[2]}")
