#!/usr/bin/env bash
# The dashboard end to end, under tmux: `oauthtop demo` in a real terminal, driven by keys and signals.
#
#   Tests/E2E/dashboard.sh                  runs .build/debug/oauthtop demo
#   OAUTHTOP=path/to/oauthtop Tests/E2E/dashboard.sh
#
# Prints "ok"/"FAIL" per check and ends with "N passed, N failed"; exits 1 on any failure. Every scenario gets a
# private tmux server (tmux -L) of its own, all removed at the end. Waits poll the screen; nothing sleeps long.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

OAUTHTOP=${OAUTHTOP:-.build/debug/oauthtop}
case "$OAUTHTOP" in
*" "*) DEMO="$OAUTHTOP" ;;   # already has its arguments
*) DEMO="$OAUTHTOP demo" ;;
esac
[[ "$DEMO" = /* ]] || DEMO="$PWD/$DEMO"

command -v tmux >/dev/null || { echo "FAIL - tmux is not installed"; echo "0 passed, 1 failed"; exit 1; }

SOCK=oauthtop-e2e-$$
TMP=$(mktemp -d)
n=0
T="tmux -L $SOCK-$n"
pass=0
fail=0
ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
screen() { $T capture-pane -t e2e -p "$@"; }
# waitfor PATTERN [TRIES]: poll the screen every 0.1 s (default 10 s).
waitfor() {
    local tries=${2:-100}
    for _ in $(seq "$tries"); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
waitgone() {
    for _ in $(seq "${2:-50}"); do
        screen | grep -qE -- "$1" || return 0
        sleep 0.1
    done
    return 1
}
# line N of the screen (1-based)
line() { screen | sed -n "${1}p"; }
widest() { screen | python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in sys.stdin), default=0))'; }
# start COLS ROWS COMMAND...: a fresh tmux server with a shell that records the tty modes, runs the command, and
# reports its exit code and whether the modes came back.
start() {
    $T kill-server 2>/dev/null
    n=$((n + 1))
    T="tmux -L $SOCK-$n"
    $T -f /dev/null new-session -d -s e2e -x "$1" -y "$2" "bash --norc --noprofile"
    shift 2
    $T set -g remain-on-exit on
    $T send-keys -t e2e "PS1='$ '; stty -g > $TMP/stty; clear" Enter
    for _ in $(seq 50); do [[ -s $TMP/stty ]] && break; sleep 0.05; done
    $T send-keys -t e2e "$*; echo EXIT=\$?; stty -g | cmp -s - $TMP/stty && echo STTY=restored" Enter
}
app_pid() { pgrep -n -P "$($T display -t e2e -p '#{pane_pid}')"; }
cleanup() {
    for i in $(seq 0 "$n"); do
        tmux -L "$SOCK-$i" kill-server 2>/dev/null
        rm -f "/tmp/tmux-$(id -u)/$SOCK-$i"
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

NAMES="short-lived rotating flaky throttled no-refresh revoked"

# 1. The demo: header, rows, live changes, keys, resize, q.
start 120 30 "LANG=C.UTF-8 $DEMO"
check "demo draws the header" "waitfor '^oauthtop demo  6 servers  ● [0-9]+ healthy  ▲ [0-9]+ degraded  ✗ [0-9]+ unhealthy' 150"
check "column titles" "screen | sed -n 2p | grep -qE '^LEVEL +NAME +STATE +EXPIRES +RETRY +NEXT +ACTION +SUMMARY'"
rows_ok=1
for name in $NAMES; do
    [[ $(screen | sed -n '3,8p' | grep -cE "^. [a-z]+ +$name ") == 1 ]] || rows_ok=0
done
check "one row per server ($NAMES)" "[[ $rows_ok == 1 && -z \$(line 9) ]]"
check "colour comes with glyph and word" "screen -e | grep -q $'\x1b\\[32m● healthy'"
check "footer of key hints on the last line" "line 30 | grep -q '^q quit  ? help  r refresh  R all  l login  L logout'"
before=$(screen | sed -n '3,8p')
check "countdowns tick" "for _ in \$(seq 30); do [[ \$(screen | sed -n '3,8p') != \"\$before\" ]] && break; sleep 0.1; done; [[ \$(screen | sed -n '3,8p') != \"\$before\" ]]"

# r on the rotating row (the filter selects it): refreshing at once, then a later expiry.
$T send-keys -t e2e / r o t a t i n g Enter
waitfor '^. [a-z]+ +rotating ' >/dev/null
expiry_of() { screen | grep -E '^. [a-z]+ +rotating ' | grep -oE 'in ([0-9]+m)?[0-9]+s' | head -1 | tr -dc '0-9 m' | awk -F'm' '{ print (NF == 2 ? $1 * 60 + $2 : $1) }'; }
old=$(expiry_of)
$T send-keys -t e2e r
check "r shows refreshing at once" "waitfor '^. [a-z]+ +rotating +refreshing ' 30"
check "then the new token's expiry" "waitfor 'Refreshed rotating: the new token expires in' 50 && waitfor '^● healthy +rotating +scheduled '"
new=$(expiry_of)
check "the expiry moved later ($old s -> $new s)" "[[ -n '$old' && -n '$new' && $new -gt $old ]]"
$T send-keys -t e2e Escape
check "Esc clears the filter" "waitfor '^oauthtop demo  6 servers'"

$T send-keys -t e2e '?'
check "? opens the help" "waitfor '┌─ Keys ─' 30 && screen | grep -q 'Refresh the selected server'"
$T send-keys -t e2e '?'
check "? closes the help" "waitgone '┌─ Keys ─' && waitfor '^LEVEL +NAME' 10"

$T send-keys -t e2e / f l a k y
check "/flaky filters as you type" "waitfor '^oauthtop demo  1 of 6 servers.*filter: /flaky' 30 && [[ \$(screen | sed -n '3,8p' | grep -cE '^. ') == 1 ]] && line 3 | grep -q ' flaky '"
$T send-keys -t e2e Enter
check "Enter keeps the filter" "waitfor '^q quit' 20 && line 1 | grep -q 'filter: /flaky'"
$T send-keys -t e2e Escape
waitfor '^oauthtop demo  6 servers' >/dev/null

check "rows change live: flaky starts retrying" "waitfor '^▲ degraded +flaky +retrying +.* v logs +Token refresh pending' 300"

# Sign-in from the dashboard: the demo provider revokes "revoked"; l signs in again (the provider approves at once).
$T send-keys -t e2e / r e v o k e d Enter
check "revoked: failed, 'Refresh token expired', l login" "waitfor '^✗ unhealthy +revoked +failed .* l login +Refresh token expired' 400"
$T send-keys -t e2e l
check "l: the detail pane opens for the sign-in" "waitfor '^─ revoked ' 50"
check "l: signed in; revoked is healthy again" "waitfor 'Signed in to revoked' 100 && waitfor '^● healthy +revoked +scheduled ' 50"
$T send-keys -t e2e Escape Escape
waitfor '^oauthtop demo  6 servers' >/dev/null

$T resize-window -t e2e -x 60 -y 20
check "shrunk to 60x20: header on top, footer at the bottom" "for _ in \$(seq 30); do line 20 | grep -q '^q quit' && break; sleep 0.1; done; line 20 | grep -q '^q quit' && line 1 | grep -q '^oauthtop demo'"
check "shrunk: no line wider than 60 columns" "[[ \$(widest) -le 60 ]]"
check "shrunk: still one row per server" "[[ \$(screen | sed -n '3,8p' | grep -cE '^[●▲✗] ') == 6 ]]"
$T resize-window -t e2e -x 120 -y 30
check "grown back to 120x30: full layout again" "for _ in \$(seq 30); do line 30 | grep -q '^q quit' && break; sleep 0.1; done; line 30 | grep -q '^q quit' && line 2 | grep -q '^LEVEL' && [[ \$(widest) -le 120 ]]"

$T send-keys -t e2e q
check "q exits 0" "waitfor '^EXIT=0' 50"
check "q: stty settings restored" "waitfor '^STTY=restored' 20"
check "q: alternate screen left, cursor visible" "[[ \$($T display -t e2e -p '#{alternate_on}#{cursor_flag}') == 01 ]]"

# 2-4. Ctrl-C, SIGTERM and SIGHUP restore the terminal too.
for sig in INT TERM HUP; do
    start 100 24 "LANG=C.UTF-8 $DEMO"
    waitfor '^oauthtop demo ' 150 >/dev/null
    case $sig in
    INT) $T send-keys -t e2e C-c; code=130; what="Ctrl-C" ;;
    TERM) kill -TERM "$(app_pid)"; code=143; what="SIGTERM" ;;
    HUP) kill -HUP "$(app_pid)"; code=129; what="SIGHUP" ;;
    esac
    check "$what exits $code" "waitfor '^EXIT=$code' 50"
    check "$what: stty restored, alternate screen left, cursor visible" "waitfor '^STTY=restored' 20 && [[ \$($T display -t e2e -p '#{alternate_on}#{cursor_flag}') == 01 ]]"
done

# 5. NO_COLOR: no colour escapes, the bars still in reverse video. A C locale: ASCII glyphs.
start 100 24 "NO_COLOR=1 LANG=C.UTF-8 $DEMO"
waitfor '^oauthtop demo ' 150 >/dev/null
check "NO_COLOR: no colours, reverse video kept" "! screen -e | grep -qE $'\x1b\\[([0-9;]*;)?(3[0-7]|4[0-7])m' && screen -e | head -1 | grep -qE $'\x1b\\[([0-9;]*;)?7m'"
$T send-keys -t e2e q
waitfor '^EXIT=0' 50 >/dev/null
start 100 24 "LC_ALL=C LANG=C $DEMO"
check "C locale: ASCII glyphs" "waitfor '^oauthtop demo  6 servers  \\+ [0-9]+ healthy  ! [0-9]+ degraded  x [0-9]+ unhealthy' 150 && ! screen | grep -q '●'"
$T send-keys -t e2e q
check "C locale: q exits 0" "waitfor '^EXIT=0' 50"

# 6. Not a terminal: one clear line, exit 2, no escape codes.
out=$(LANG=C.UTF-8 $DEMO 2>&1 | cat; echo "rc=${PIPESTATUS[0]}")
check "stdout piped: exit 2 with one clear line and no escape codes" "echo \"\$out\" | grep -q '^rc=2\$' && [[ \$(echo \"\$out\" | grep -vc '^rc=') == 1 ]] && echo \"\$out\" | grep -q 'needs an interactive terminal' && ! echo \"\$out\" | grep -q $'\x1b'"
out=$(LANG=C.UTF-8 $DEMO </dev/null 2>&1; echo "rc=$?")
check "stdin not a terminal: exit 2" "echo \"\$out\" | grep -q '^rc=2\$' && echo \"\$out\" | grep -q 'needs an interactive terminal'"

# 7. Against the mcp SDK peer: a server that wants more access ("More access needed", naming the scope), then `l`
# on a machine without a browser: a device sign-in whose code and countdown the detail pane shows; approved at the
# peer, the sign-in asks for the union of the scopes and the server is connected.
BIN=${OAUTHTOP%% *}
[[ "$BIN" = /* ]] || BIN="$PWD/$BIN"
if [[ "$OAUTHTOP" != *" "* && -x .venv/bin/python ]]; then
    HOME7=$TMP/peer-home
    mkdir -p "$HOME7"
    PORT=0 ACCESS_TTL=3600 DEVICE=1 DEVICE_INTERVAL=0.2 MCP_EXTRA_SCOPE=extra .venv/bin/python Tests/Peer/peer.py \
        >"$HOME7/peer.out" 2>"$HOME7/peer.err" &
    PEER_PID=$!
    for _ in $(seq 100); do grep -q '^PEER_READY ' "$HOME7/peer.out" 2>/dev/null && break; sleep 0.1; done
    PEER_URL=$(sed -n 's/^PEER_READY //p' "$HOME7/peer.out")
    post() { .venv/bin/python -c 'import sys, urllib.request; print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"})).read().decode())' "$@"; }
    printf '{"mcpServers": {"jira": {"url": "%s/mcp"}}}' "$PEER_URL" >"$HOME7/config.json"
    ENV7="OAUTHTOP_CONFIG=$HOME7/config.json OAUTHTOP_STATE_DIR=$HOME7/state"
    post "$PEER_URL/_issue" '{}' | env $ENV7 "$BIN" import jira >/dev/null 2>&1
    start 120 30 "$ENV7 BROWSER= DISPLAY= WAYLAND_DISPLAY= LANG=C.UTF-8 $BIN"
    check "peer: a server that wants more access says so, names the scope, suggests login" "waitfor '^▲ degraded +jira .* l login +More access needed' 150"
    $T send-keys -t e2e Enter
    check "peer: the detail pane names the scope" "waitfor 'The server asks for scope mcp extra; sign in again to grant it' 50"
    $T send-keys -t e2e l
    check "peer: l without a browser starts a device sign-in; the pane shows where, the code and its countdown" "waitfor 'Sign in at +$PEER_URL/device' 100 && waitfor 'Enter code +[A-Z]{4}-[A-Z]{4}' 50 && waitfor 'the code expires in [0-9]+m' 20"
    code=$(screen | grep -oE 'Enter code +[A-Z]{4}-[A-Z]{4}' | grep -oE '[A-Z]{4}-[A-Z]{4}')
    post "$PEER_URL/_device" "{\"user_code\": \"$code\", \"action\": \"approve\"}" >/dev/null
    check "peer: approved on the other device, the sign-in ends and the server is connected" "waitfor '^● healthy +jira .*Connected' 150"
    check "peer: the code is gone from the pane" "! screen | grep -q 'Enter code'"
    $T send-keys -t e2e q
    check "peer: q exits 0" "waitfor '^EXIT=0' 50"
    kill "$PEER_PID" 2>/dev/null
    wait "$PEER_PID" 2>/dev/null
fi

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
