"""`oauthtop token NAME` with a fresh token, as a whole process, beside a Python script reading the same store
read-only (token_reader.py) and, when Debian's `gh` is installed, `gh auth token` reading its own config: median
wall time of `runs` runs each, after one warm-up run."""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import headless

HERE = os.path.dirname(os.path.abspath(__file__))


def median_wall(command: list[str], env: dict, runs: int) -> float:
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gh_environment(folder: str) -> dict:
    """A `gh` config of its own holding one token (no keyring, no network)."""
    with open(os.path.join(folder, "hosts.yml"), "w") as handle:
        handle.write("github.com:\n    oauth_token: gho_benchmarkbenchmarkbenchmark0000\n    user: bench\n"
                     "    git_protocol: https\n")
    return dict(os.environ, GH_CONFIG_DIR=folder, GH_NO_UPDATE_NOTIFIER="1")


def measure(runs: int = 30) -> dict:
    peer = headless.Peer(ACCESS_TTL=3600)
    home = headless.Home({"jira": headless.server(peer)})
    try:
        result = home.import_session("jira", peer.issue())
        if result.returncode != 0:
            raise RuntimeError(f"import failed: {result.stderr}")
        figures = {
            "oauthtop_s": median_wall([headless.BIN, "token", "jira"], home.env(), runs),
            "reader_s": median_wall(
                [headless.PYTHON, os.path.join(HERE, "token_reader.py"),
                 os.path.join(home.state, "oauthtop.sqlite"), "jira"], home.env(), runs),
        }
        gh = shutil.which("gh")
        if gh:
            with tempfile.TemporaryDirectory() as folder:
                figures["gh_s"] = median_wall([gh, "auth", "token"], gh_environment(folder), runs)
        return figures
    finally:
        home.close()
        peer.stop()
