#!/usr/bin/env python3
"""End-to-end tests of `scripts/install`, `oauthtop service` and desktop notifications.

Run by scripts/test as `.venv/bin/python Tests/E2E/service.py`. Reuses the Peer and Home helpers of headless.py.

- install_script: `scripts/install --prefix TMP` with OAUTHTOP_INSTALL_BINARY (no release build), the files and
  their modes, the installed binary, `--uninstall` leaving the prefix as it was.
- service_*: `oauthtop service install|uninstall|status` against a stand-in `systemctl` on PATH that records its
  arguments (there is no systemd user manager in CI); the unit written, with the real binary, config and state
  paths; `--dry-run` changing nothing; the one line and exit 1 without a user manager; `systemd-analyze verify`
  on the written unit when systemd-analyze is installed (skipped, with the reason, when it is not).
- notify_*: `oauthtop serve` against the peer with a stand-in `notify-send` on PATH that records its arguments:
  one notification per change to "needs a sign-in", none with --no-notify or `"notifications": false`, no token;
  the dashboard under tmux (its own `tmux -L` server) notifying too, and not with --no-notify.

Environment: OAUTHTOP (binary), E2E_ONLY (comma-separated scenario names). Ends with `N passed, N failed`.
"""
import hashlib
import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import headless  # noqa: E402
from headless import BIN, ROOT, SECRETS, Home, Peer, check, eventually, fast_refresh, server  # noqa: E402

UNIT_TEMPLATE = os.path.join(ROOT, "Resources/systemd/oauthtop.service")
INSTALL = os.path.join(ROOT, "scripts/install")

STANDIN_SYSTEMCTL = r"""#!/usr/bin/env bash
# A stand-in for systemctl: records its arguments, one call a line, and answers like a user manager would.
printf '%s\n' "$*" >>"$STANDIN_LOG"
if [[ -n "${STANDIN_FAIL:-}" && "$*" == *"$STANDIN_FAIL"* ]]; then
    echo "Failed to $STANDIN_FAIL: stand-in says no" >&2
    exit 1
fi
case "$*" in
"--user show-environment")
    if [[ -n "${STANDIN_NO_MANAGER:-}" ]]; then
        echo "Failed to connect to bus: No medium found" >&2
        exit 1
    fi
    echo "HOME=$HOME"
    ;;
"--user is-active oauthtop.service")
    echo "${STANDIN_ACTIVE:-active}"
    [[ "${STANDIN_ACTIVE:-active}" == active ]] || exit 3
    ;;
"--user show oauthtop.service -p MainPID -p ActiveEnterTimestamp")
    echo "MainPID=4242"
    echo "ActiveEnterTimestamp=Tue 2026-12-08 09:00:00 UTC"
    ;;
esac
exit 0
"""

STANDIN_NOTIFY_SEND = """#!{python}
# A stand-in for notify-send: records its arguments as one JSON line.
import json, os, sys
with open(os.environ["NOTIFY_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def write_script(path, text):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o755)


class ServiceHome(Home):
    """A Home with its own HOME, XDG folders and stand-ins (systemctl, notify-send) first on PATH."""

    def __init__(self, servers, refresh=None):
        super().__init__(servers, refresh=refresh)
        self.home = os.path.join(self.dir, "home")
        self.xdg_config = os.path.join(self.dir, "xdg-config")
        self.runtime = os.path.join(self.dir, "run")
        self.bin = os.path.join(self.dir, "bin")
        for folder in (self.home, self.xdg_config, self.bin):
            os.makedirs(folder)
        os.makedirs(self.runtime, mode=0o700)
        self.systemctl_log = os.path.join(self.dir, "systemctl.log")
        self.notify_log = os.path.join(self.dir, "notify-send.log")
        write_script(os.path.join(self.bin, "systemctl"), STANDIN_SYSTEMCTL)
        write_script(os.path.join(self.bin, "notify-send"), STANDIN_NOTIFY_SEND.format(python=sys.executable))
        self.extra = {}

    def env(self):
        env = dict(super().env(), HOME=self.home, XDG_CONFIG_HOME=self.xdg_config, XDG_RUNTIME_DIR=self.runtime,
                   PATH=self.bin + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   STANDIN_LOG=self.systemctl_log, NOTIFY_LOG=self.notify_log)
        env.update(self.extra)
        return {k: v for k, v in env.items() if v is not None}

    @property
    def unit_path(self):
        return os.path.join(self.xdg_config, "systemd/user/oauthtop.service")

    def systemctl_calls(self):
        if not os.path.exists(self.systemctl_log):
            return []
        return open(self.systemctl_log).read().splitlines()

    def notifications(self):
        if not os.path.exists(self.notify_log):
            return []
        return [json.loads(line) for line in open(self.notify_log).read().splitlines() if line]

    def reset_calls(self):
        if os.path.exists(self.systemctl_log):
            os.remove(self.systemctl_log)


def expected_unit(config, state):
    text = open(UNIT_TEMPLATE).read()
    return (text.replace("@BINARY@", os.path.realpath(BIN)).replace("@CONFIG@", config)
            .replace("@STATE_DIR@", state))


def tree(folder):
    """Every path under `folder` with its mode and content hash: to compare a prefix before and after."""
    snapshot = {}
    for base, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(base, name)
            info = os.lstat(path)
            digest = None
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            snapshot[os.path.relpath(path, folder)] = (stat.S_IMODE(info.st_mode), stat.S_IFMT(info.st_mode), digest)
    return snapshot


# ---------------------------------------------------------------------------------------------------------------


def scenario_install_script():
    """scripts/install --prefix TMP with a given binary; the files and modes; the binary runs; --uninstall."""
    work = tempfile.mkdtemp(prefix="svc-install-")
    try:
        prefix = os.path.join(work, "prefix")
        os.makedirs(os.path.join(prefix, "bin"))
        os.makedirs(os.path.join(prefix, "share/man/man1"))
        write_script(os.path.join(prefix, "bin/other-tool"), "#!/bin/sh\necho other\n")
        with open(os.path.join(prefix, "share/man/man1/other.1"), "w") as handle:
            handle.write(".TH OTHER 1\n")
        before = tree(prefix)
        env = dict(os.environ, OAUTHTOP_INSTALL_BINARY=BIN)

        def install(*args):
            return subprocess.run([INSTALL, *args], capture_output=True, text=True, env=env, timeout=120)

        result = install("--help")
        check("install --help: exit 0, names --prefix and --uninstall",
              result.returncode == 0 and "--prefix" in result.stdout and "--uninstall" in result.stdout, result.stderr)
        result = install("--frobnicate")
        check("install: an unknown argument exits 2 with one line", result.returncode == 2
              and "unknown argument '--frobnicate'" in result.stderr and result.stderr.count("\n") == 1, result.stderr)
        result = subprocess.run([INSTALL, "--prefix", prefix], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, OAUTHTOP_INSTALL_BINARY=os.path.join(work, "nothing")))
        check("install: a missing OAUTHTOP_INSTALL_BINARY exits 1 and says so, installs nothing",
              result.returncode == 1 and "is not an executable file" in result.stderr and tree(prefix) == before,
              result.stderr)

        result = install("--prefix", prefix)
        check("install: exit 0", result.returncode == 0, result.stdout + result.stderr)
        files = {
            "bin/oauthtop": (0o755, BIN),
            "share/man/man1/oauthtop.1": (0o644, os.path.join(ROOT, "Resources/man/oauthtop.1")),
            "share/bash-completion/completions/oauthtop":
                (0o644, os.path.join(ROOT, "Resources/completions/oauthtop.bash")),
            "share/zsh/site-functions/_oauthtop": (0o644, os.path.join(ROOT, "Resources/completions/oauthtop.zsh")),
            "share/fish/vendor_completions.d/oauthtop.fish":
                (0o644, os.path.join(ROOT, "Resources/completions/oauthtop.fish")),
        }
        for relative, (mode, source) in files.items():
            path = os.path.join(prefix, relative)
            good = (os.path.isfile(path) and stat.S_IMODE(os.stat(path).st_mode) == mode
                    and open(path, "rb").read() == open(source, "rb").read())
            check(f"install: {relative}, mode {mode:o}, a copy of {os.path.relpath(source, ROOT)}", good)
        manifest = os.path.join(prefix, "share/oauthtop/installed-files")
        listed = [line.split("\t", 1) for line in open(manifest).read().splitlines() if not line.startswith("#")]
        check("install: the manifest lists exactly the five files",
              sorted(path for kind, path in listed if kind == "file")
              == sorted(os.path.join(prefix, relative) for relative in files), str(listed))
        check("install: the manifest lists only folders the install created",
              all(kind == "dir" and os.path.relpath(path, prefix) not in before for kind, path in listed
                  if kind != "file"), str(listed))
        installed = os.path.join(prefix, "bin/oauthtop")
        version = subprocess.run([installed, "--version"], capture_output=True, text=True, timeout=30)
        check("install: the installed binary's --version", version.returncode == 0
              and version.stdout.strip() == "0.1.0", version.stdout + version.stderr)
        helped = subprocess.run([installed, "--help"], capture_output=True, text=True, timeout=30)
        check("install: the installed binary's --help lists service", helped.returncode == 0
              and "service" in helped.stdout, helped.stderr)
        again = install("--prefix", prefix)
        relisted = [line for line in open(manifest).read().splitlines() if not line.startswith("#")]
        check("install: a second install succeeds and keeps one manifest with the same entries",
              again.returncode == 0 and sorted(relisted) == sorted("\t".join(entry) for entry in listed),
              again.stderr + str(relisted))

        removed = install("--prefix", prefix, "--uninstall")
        check("uninstall: exit 0", removed.returncode == 0, removed.stderr)
        after = tree(prefix)
        check("uninstall: the prefix is back to what it was (other files untouched)", after == before,
              f"added {sorted(set(after) - set(before))}, lost {sorted(set(before) - set(after))}")
        twice = install("--prefix", prefix, "--uninstall")
        check("uninstall: again, exit 1 'nothing to uninstall'", twice.returncode == 1
              and "nothing to uninstall" in twice.stderr, twice.stderr)

        fresh = os.path.join(work, "new", "prefix")
        result = install("--prefix", fresh)
        removed = install("--prefix", fresh, "--uninstall")
        check("install into a prefix that did not exist; uninstall removes every folder it created",
              result.returncode == 0 and removed.returncode == 0 and not os.path.exists(os.path.join(work, "new"))
              and os.path.isdir(work), removed.stdout + removed.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def scenario_service_install():
    """service install: the stand-in systemctl is asked exactly what it should be; the unit names our paths."""
    home = ServiceHome({"wiki": {"url": "https://wiki.example.com/mcp"}})
    try:
        result = home.run("service", "install")
        check("service install: exit 0", result.returncode == 0, result.stdout + result.stderr)
        check("service install: systemctl asked, in order, show-environment, daemon-reload, enable --now",
              home.systemctl_calls() == ["--user show-environment", "--user daemon-reload",
                                         "--user enable --now oauthtop.service"], str(home.systemctl_calls()))
        written = open(home.unit_path).read() if os.path.exists(home.unit_path) else ""
        check("service install: the unit is the shipped one with the real binary, config and state paths",
              written == expected_unit(home.config, home.state), written[:400])
        check("service install: ExecStart names the binary and both paths",
              f'ExecStart="{os.path.realpath(BIN)}" serve --config "{home.config}" --state-dir "{home.state}"'
              in written)
        analyze = shutil.which("systemd-analyze")
        if analyze:
            verify = subprocess.run([analyze, "--user", "verify", home.unit_path], capture_output=True, text=True,
                                    env=dict(os.environ, XDG_RUNTIME_DIR=home.runtime), timeout=60)
            check("systemd-analyze --user verify accepts the written unit",
                  verify.returncode == 0 and not verify.stderr.strip(), verify.stdout + verify.stderr)
        else:
            print("skip - systemd-analyze verify: systemd-analyze is not installed (Debian package systemd)")

        home.reset_calls()
        again = home.run("service", "install")
        check("service install again, same unit: no restart",
              again.returncode == 0 and home.systemctl_calls() == [
                  "--user show-environment", "--user daemon-reload", "--user enable --now oauthtop.service"],
              str(home.systemctl_calls()))
        home.reset_calls()
        moved = os.path.join(home.dir, "other-state")
        changed = home.run("service", "install", "--state-dir", moved)
        check("service install with another state folder: the unit is rewritten and the service restarted",
              changed.returncode == 0 and home.systemctl_calls() == [
                  "--user show-environment", "--user daemon-reload", "--user enable --now oauthtop.service",
                  "--user restart oauthtop.service"]
              and open(home.unit_path).read() == expected_unit(home.config, moved), str(home.systemctl_calls()))

        home.reset_calls()
        home.extra["STANDIN_FAIL"] = "enable"
        failed = home.run("service", "install")
        check("service install: a failing systemctl exits 1 naming the command and its error",
              failed.returncode == 1 and "systemctl --user enable --now oauthtop.service failed" in failed.stderr
              and "stand-in says no" in failed.stderr and failed.stderr.count("\n") == 1, failed.stderr)
        del home.extra["STANDIN_FAIL"]

        home.reset_calls()
        status = home.run("service", "status")
        check("service status: exit 0 while active; asks is-active and show",
              status.returncode == 0 and home.systemctl_calls() == [
                  "--user show-environment", "--user is-active oauthtop.service",
                  "--user show oauthtop.service -p MainPID -p ActiveEnterTimestamp"],
              f"{status.returncode} {home.systemctl_calls()} {status.stderr}")
        check("service status: says active with the pid, and the health counts",
              "service: active (pid 4242, since Tue 2026-12-08 09:00:00 UTC)" in status.stdout
              and "servers: 0 healthy, 1 degraded, 0 unhealthy; 1 need a sign-in (wiki)" in status.stdout,
              status.stdout)
        as_json = home.run("service", "status", "--json")
        try:
            document = json.loads(as_json.stdout)
        except ValueError:
            document = {}
        check("service status --json: one object on stdout with the service and the counts",
              document.get("service", {}).get("active_state") == "active"
              and document.get("service", {}).get("main_pid") == 4242
              and document.get("servers") == {"healthy": 0, "degraded": 1, "unhealthy": 0,
                                              "sign_in_needed": ["wiki"]}, as_json.stdout + as_json.stderr)
        doctor = home.run("doctor")
        check("doctor: 'ok    service: oauthtop.service is active (pid 4242)'",
              "ok    service: oauthtop.service is active (pid 4242)" in doctor.stdout, doctor.stdout)
        home.extra["STANDIN_ACTIVE"] = "failed"
        down = home.run("service", "status")
        check("service status: exit 1 when the service is not active",
              down.returncode == 1 and "service: failed" in down.stdout, down.stdout + down.stderr)
        doctor = home.run("doctor")
        check("doctor with the service failed: exit 1, says where to look and how to restart",
              doctor.returncode == 1 and "FAIL  service: oauthtop.service is failed; see why: journalctl --user -u "
              "oauthtop.service; then: systemctl --user restart oauthtop.service" in doctor.stdout, doctor.stdout)
        del home.extra["STANDIN_ACTIVE"]

        home.reset_calls()
        gone = home.run("service", "uninstall")
        check("service uninstall: exit 0; disable --now, remove, daemon-reload",
              gone.returncode == 0 and home.systemctl_calls() == [
                  "--user show-environment", "--user disable --now oauthtop.service", "--user daemon-reload"]
              and not os.path.exists(home.unit_path), f"{home.systemctl_calls()} {gone.stderr}")
        home.reset_calls()
        nothing = home.run("service", "uninstall")
        check("service uninstall when not installed: exit 0, says so, asks systemctl nothing",
              nothing.returncode == 0 and "not installed" in nothing.stderr and home.systemctl_calls() == [],
              nothing.stderr)
    finally:
        home.close()


def scenario_service_dry_run():
    """--dry-run prints the unit and the commands, runs nothing, writes nothing."""
    home = ServiceHome({"wiki": {"url": "https://wiki.example.com/mcp"}})
    try:
        result = home.run("service", "install", "--dry-run")
        check("install --dry-run: exit 0, the unit exactly on stdout",
              result.returncode == 0 and result.stdout == expected_unit(home.config, home.state), result.stderr)
        check("install --dry-run: says where it would write and what it would run, on stderr",
              f"would write {home.unit_path}" in result.stderr
              and "would run: systemctl --user daemon-reload" in result.stderr
              and "would run: systemctl --user enable --now oauthtop.service" in result.stderr, result.stderr)
        check("install --dry-run: no systemctl call, no unit file",
              home.systemctl_calls() == [] and not os.path.exists(home.unit_path), str(home.systemctl_calls()))
        home.run("service", "install")
        before = open(home.unit_path).read()
        home.reset_calls()
        dry = home.run("service", "uninstall", "--dry-run")
        check("uninstall --dry-run: exit 0, says what it would do, changes nothing",
              dry.returncode == 0 and "would run: systemctl --user disable --now oauthtop.service" in dry.stderr
              and f"would remove {home.unit_path}" in dry.stderr and home.systemctl_calls() == []
              and open(home.unit_path).read() == before, dry.stderr)
    finally:
        home.close()


def scenario_service_without_systemd():
    """No user manager: one line on stderr with the command to run instead, exit 1, nothing written."""
    home = ServiceHome({"wiki": {"url": "https://wiki.example.com/mcp"}})
    try:
        cases = [
            ("no systemctl on PATH", {"PATH": os.path.join(home.dir, "empty")}),
            ("systemctl --user show-environment fails", {"STANDIN_NO_MANAGER": "1"}),
            ("no XDG_RUNTIME_DIR", {"XDG_RUNTIME_DIR": None}),
        ]
        for label, extra in cases:
            home.extra = dict(extra)
            result = home.run("service", "install")
            lines = result.stderr.splitlines()
            check(f"without a user manager ({label}): exit 1, one line on stderr, stdout empty",
                  result.returncode == 1 and len(lines) == 1 and result.stdout == "", result.stdout + result.stderr)
            check(f"without a user manager ({label}): the line says so and gives the command to run instead",
                  bool(lines) and "no systemd user manager" in lines[0]
                  and f"nohup {os.path.realpath(BIN)} serve --config {home.config} --state-dir {home.state}"
                  in lines[0], result.stderr)
            check(f"without a user manager ({label}): no unit written", not os.path.exists(home.unit_path))
            status = home.run("service", "status")
            check(f"without a user manager ({label}): status exits 1 and says why",
                  status.returncode == 1 and "service: unknown: no systemd user manager" in status.stdout,
                  status.stdout + status.stderr)
        home.extra = {}
        home.reset_calls()
        bad = home.run("service", "install", "--config", os.path.join(home.dir, "missing.json"))
        check("service install with a missing config: exit 2 naming the file, no systemctl call",
              bad.returncode == 2 and "missing.json" in bad.stderr and home.systemctl_calls() == []
              and not os.path.exists(home.unit_path), bad.stderr)
    finally:
        home.close()


# ---------------------------------------------------------------------------------------------------------------


def notify_stage(*serve_args, config_key=None):
    """A peer, a config with `jira` (signed in) and `wiki` (never signed in), and `serve` with stand-ins."""
    peer = Peer(ACCESS_TTL=3)
    home = ServiceHome({"jira": server(peer), "wiki": {"url": peer.url + "/wiki-mcp"}}, refresh=fast_refresh())
    if config_key is not None:
        home.write_config_key("notifications", config_key)
    home.import_session("jira", peer.issue())
    process = home.serve(*serve_args)
    return peer, home, process


def jira_row(home):
    return home.list().get("jira", {})


def scenario_notify_once_per_change():
    """One notification when a server newly needs a sign-in, none while it stays so, one after it recovers."""
    peer, home, process = notify_stage()
    try:
        told = eventually(lambda: home.notifications(), 10)
        check("notify: the server that needs a sign-in at startup is told once",
              told == [["--app-name=oauthtop", "oauthtop: wiki needs you",
                        "Sign-in required — run: oauthtop login wiki"]], str(told))
        time.sleep(3)
        check("notify: nothing for a healthy server (3 s of refreshes)", len(home.notifications()) == 1,
              str(home.notifications()))
        peer.revoke_all()
        told = eventually(lambda: len(home.notifications()) >= 2 and home.notifications(), 20)
        check("notify: refresh token revoked -> one notification with the name and the summary",
              bool(told) and told[1] == ["--app-name=oauthtop", "oauthtop: jira needs you",
                                         "Refresh token expired — run: oauthtop login jira"], str(told))
        time.sleep(3)
        check("notify: no repeat while it still needs a sign-in", len(home.notifications()) == 2,
              str(home.notifications()))
        rotations = peer.stats()["rotations"]
        home.import_session("jira", peer.issue())
        healthy = eventually(lambda: jira_row(home).get("level") == "healthy", 20)
        check("notify: jira healthy again after a new session", healthy, json.dumps(jira_row(home)))
        # serve adopts the new session at its next store sync: with nothing scheduled, its loop wakes every 30 s.
        adopted = eventually(lambda: peer.stats()["rotations"] > rotations, 45, interval=0.5)
        check("notify: serve adopted and refreshed the new session", adopted, str(peer.stats()))
        peer.revoke_all()
        told = eventually(lambda: len(home.notifications()) >= 3 and home.notifications(), 25)
        check("notify: needing a sign-in again after recovering -> one more notification",
              bool(told) and len(told) == 3 and told[2][1] == "oauthtop: jira needs you", str(told))
        time.sleep(2)
        check("notify: three notifications in all (wiki once, jira twice)", len(home.notifications()) == 3,
              str(home.notifications()))
        recorded = open(home.notify_log).read() if os.path.exists(home.notify_log) else ""
        leaked = [secret for secret in SECRETS if secret and secret in recorded]
        check(f"notify: no token value in what notify-send received ({len(SECRETS)} known)",
              not leaked and len(SECRETS) >= 2)
        check("notify: serve logs each notification", home.log().count('"msg":"Desktop notification sent"') == 3)
        process.send_signal(signal.SIGTERM)
        check("notify: serve still stops cleanly on SIGTERM", process.wait(10) == 0)
    finally:
        home.close()
        peer.stop()


def scenario_notify_off():
    """--no-notify, and "notifications": false in the config: no notification at all."""
    for label, args, key in (("--no-notify", ("--no-notify",), None), ('"notifications": false', (), False)):
        peer, home, process = notify_stage(*args, config_key=key)
        try:
            time.sleep(1)
            peer.revoke_all()
            failed = eventually(lambda: jira_row(home).get("refresh_state") == "failed", 20)
            time.sleep(2)
            check(f"{label}: jira failed and wiki needs a sign-in, yet no notification",
                  failed and home.notifications() == [] and process.poll() is None, str(home.notifications()))
        finally:
            home.close()
            peer.stop()
    home = ServiceHome({"wiki": {"url": "https://wiki.example.com/mcp"}})
    try:
        home.write_config_key("notifications", "no")
        result = home.run("serve", timeout=30)
        check('"notifications": "no" -> exit 2 naming the file and the key',
              result.returncode == 2 and home.config in result.stderr and "key 'notifications'" in result.stderr,
              result.stderr)
    finally:
        home.close()


def scenario_notify_missing():
    """No notify-send on PATH: serve runs as before and says nothing about it."""
    peer, home, process = None, None, None
    peer = Peer(ACCESS_TTL=3)
    home = ServiceHome({"jira": server(peer)}, refresh=fast_refresh())
    try:
        os.remove(os.path.join(home.bin, "notify-send"))
        home.extra["PATH"] = home.bin + ":/usr/bin:/bin"
        if shutil.which("notify-send", path=home.extra["PATH"]):
            print("skip - no notify-send: this machine has a real notify-send in /usr/bin or /bin")
            return
        home.import_session("jira", peer.issue())
        process = home.serve()
        time.sleep(1)
        peer.revoke_all()
        failed = eventually(lambda: jira_row(home).get("refresh_state") == "failed", 20)
        process.send_signal(signal.SIGTERM)
        code = process.wait(10)
        errors = process.stderr.read()
        check("no notify-send: serve keeps running, stops with 0, no word about notifications",
              failed and code == 0 and "notif" not in errors.lower(), errors)
    finally:
        home.close()
        peer.stop()


def scenario_notify_dashboard():
    """The dashboard (under tmux) notifies too: once for a server that needs a sign-in; none with --no-notify."""
    if not shutil.which("tmux"):
        print("skip - notify_dashboard: tmux is not installed")
        return
    for label, args, expected in (("dashboard", (), 1), ("dashboard --no-notify", ("--no-notify",), 0)):
        home = ServiceHome({"wiki": {"url": "https://wiki.example.com/mcp"}})
        socket = f"svc-notify-{os.getpid()}-{expected}"
        try:
            env = home.env()
            command = " ".join(["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()
                                         if k.startswith(("OAUTHTOP_", "XDG_", "NOTIFY_", "PATH", "HOME", "LANG"))),
                                shlex.quote(BIN), "dashboard", *args])
            subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "30",
                            command], check=True, env=env, timeout=30)
            shown = eventually(lambda: "wiki" in subprocess.run(
                ["tmux", "-L", socket, "capture-pane", "-p"], capture_output=True, text=True).stdout, 20)
            told = eventually(lambda: len(home.notifications()) >= expected, 10) if expected else None
            time.sleep(2)
            notes = home.notifications()
            want = [["--app-name=oauthtop", "oauthtop: wiki needs you",
                     "Sign-in required — run: oauthtop login wiki"]] if expected else []
            check(f"{label}: the screen shows wiki, {expected} notification(s)", shown and notes == want, str(notes))
            subprocess.run(["tmux", "-L", socket, "send-keys", "q"], timeout=10)
            eventually(lambda: subprocess.run(["tmux", "-L", socket, "has-session"],
                                              capture_output=True).returncode != 0, 10)
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)
            leftover = f"/tmp/tmux-{os.getuid()}/{socket}"
            if os.path.exists(leftover):
                os.remove(leftover)
            home.close()


SCENARIOS = [
    ("install_script", scenario_install_script),
    ("service_install", scenario_service_install),
    ("service_dry_run", scenario_service_dry_run),
    ("service_without_systemd", scenario_service_without_systemd),
    ("notify_once_per_change", scenario_notify_once_per_change),
    ("notify_off", scenario_notify_off),
    ("notify_missing", scenario_notify_missing),
    ("notify_dashboard", scenario_notify_dashboard),
]


def main():
    headless.run_scenarios(SCENARIOS)

if __name__ == "__main__":
    main()
