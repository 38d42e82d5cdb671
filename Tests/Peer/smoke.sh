#!/usr/bin/env bash
# Tests/Peer/smoke.sh: check that the OAuth test peer (Tests/Peer/peer.py) behaves as documented.
#
# Starts three peers on 127.0.0.1 with PORT=0 (default knobs; GRACE_SECONDS=1; ROTATE=0 with short
# lifetimes and strict redirect ports), drives them with curl, prints `ok - ...` / `FAIL - ...` per
# check and `N passed, N failed`. Exit 1 if anything failed. Needs curl and the venv from
# scripts/peer-venv (run that first). Takes about 8 s.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
PEER="$ROOT/Tests/Peer/peer.py"
[[ -x "$PY" ]] || { echo "FAIL - $PY missing; run scripts/peer-venv first"; echo "0 passed, 1 failed"; exit 1; }
command -v curl >/dev/null || { echo "FAIL - curl not found"; echo "0 passed, 1 failed"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/peer-smoke.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
ok()   { PASS=$((PASS + 1)); echo "ok - $1"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $1${2:+ ($2)}"; }
check() { local name="$1"; shift; if "$@"; then ok "$name"; else bad "$name" "${DETAIL:-}"; fi; DETAIL=""; }

# j FILE EXPR: evaluate a Python expression over the JSON document `d` in FILE; strings print bare.
j() { "$PY" - "$1" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
except Exception as e:
    v = "<%s>" % type(e).__name__
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

# start_peer NAME [VAR=value ...]: run a peer in the background; its base URL goes in $URL_<NAME>.
start_peer() {
    local name="$1"; shift
    env PORT=0 "$@" "$PY" "$PEER" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=("$!")
}
wait_peer() {
    local name="$1" i
    for ((i = 0; i < 150; i++)); do
        if grep -q '^PEER_READY ' "$WORK/$name.out" 2>/dev/null; then
            printf -v "URL_$name" '%s' "$(awk '/^PEER_READY /{print $2; exit}' "$WORK/$name.out")"
            return 0
        fi
        sleep 0.1
    done
    echo "FAIL - peer $name did not print PEER_READY within 15 s; its stderr:"; sed 's/^/    /' "$WORK/$name.err"
    echo "$PASS passed, $((FAIL + 1)) failed"; exit 1
}

# http METHOD URL OUTFILE [curl args...]: prints the status code; headers go to OUTFILE.h.
http() {
    local method="$1" url="$2" out="$3"; shift 3
    curl -s -X "$method" -o "$out" -D "$out.h" -w '%{http_code}' --max-time 10 "$@" "$url"
}
hdr() { grep -i "^$2:" "$1.h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
# token URL OUTFILE field=value...: POST /token form request; prints the status code.
token() {
    local url="$1" out="$2"; shift 2
    local args=() kv
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    http POST "$url/token" "$out" -H 'Accept: application/json' "${args[@]}"
}
refresh() { token "$1" "$2" grant_type=refresh_token "refresh_token=$3" "client_id=$4"; }
fault() { curl -s --max-time 5 -X POST -H 'Content-Type: application/json' -d "$2" "$1/_fault" >/dev/null; }
stat() { curl -s --max-time 5 "$1/_stats" >"$WORK/stats.json"; j "$WORK/stats.json" "$2"; }
# wait_stat URL EXPR VALUE: polls /_stats until EXPR is VALUE (at most 15 s); prints the last value.
wait_stat() {
    local deadline=$((SECONDS + 15)) value
    while :; do
        value=$(stat "$1" "$2")
        if [[ $value == "$3" ]] || ((SECONDS >= deadline)); then break; fi
        sleep 0.05
    done
    echo "$value"
}
mcp_init() {  # mcp_init URL TOKEN OUTFILE -> status
    http POST "$1/mcp" "$3" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"smoke","version":"1"}}}'
}

start=$SECONDS
start_peer A
start_peer G GRACE_SECONDS=1
start_peer S ROTATE=0 ACCESS_TTL=0.5 REFRESH_TTL=1.5 LOOPBACK_ANY_PORT=0
wait_peer A; wait_peer G; wait_peer S
A="$URL_A" G="$URL_G" S="$URL_S"
# The port in PEER_READY is one the kernel chose (PORT=0) and the one that answers.
read -r low high </proc/sys/net/ipv4/ip_local_port_range
port=${A##*:}
answered=$(curl -s -o /dev/null -w '%{http_code} %{remote_ip}:%{remote_port}' --max-time 10 "$A/_stats")
DETAIL="URL $A, ephemeral ports $low-$high, GET /_stats answered: $answered"
check "PEER_READY is the only stdout line, URL is http://127.0.0.1:<port>, the ephemeral port that answers" \
    eval '[[ "$(wc -l <"$WORK/A.out")" == 1 && "$A" =~ ^http://127\.0\.0\.1:[0-9]+$ && $port -ge $low && $port -le $high && "$answered" == "200 127.0.0.1:$port" ]]'

# ---- discovery -------------------------------------------------------------------------------
st=$(http POST "$A/mcp" "$WORK/u.json" -H 'Content-Type: application/json' -d '{}')
www=$(hdr "$WORK/u.json" www-authenticate)
DETAIL="status $st, WWW-Authenticate: $www"
check "unauthenticated POST /mcp -> 401 with WWW-Authenticate resource_metadata" \
    eval '[[ $st == 401 && "$www" == Bearer* && "$www" == *"resource_metadata=\"$A/.well-known/oauth-protected-resource/mcp\""* ]]'

st=$(http GET "$A/.well-known/oauth-protected-resource/mcp" "$WORK/prm.json")
DETAIL="status $st: $(cat "$WORK/prm.json")"
check "PRM names resource $A/mcp and authorization server $A" \
    eval '[[ $st == 200 && "$(j "$WORK/prm.json" "d[\"resource\"]")" == "$A/mcp" && "$(j "$WORK/prm.json" "d[\"authorization_servers\"]")" == "[\"$A\"]" ]]'

st=$(http GET "$A/.well-known/oauth-authorization-server" "$WORK/asm.json")
issuer=$(j "$WORK/asm.json" 'd["issuer"]')
DETAIL="status $st, issuer $issuer"
check "AS metadata: issuer without trailing slash, S256, registration endpoint" \
    eval '[[ $st == 200 && "$issuer" == "$A" && "$(j "$WORK/asm.json" "\"S256\" in d[\"code_challenge_methods_supported\"] and d[\"registration_endpoint\"]")" == "$A/register" ]]'

# ---- registration and authorization code flow ------------------------------------------------
st=$(http POST "$A/register" "$WORK/reg.json" -H 'Content-Type: application/json' \
    -d '{"redirect_uris":["http://127.0.0.1:53682/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"client_name":"smoke"}')
CID=$(j "$WORK/reg.json" 'd["client_id"]')
DETAIL="status $st: $(cat "$WORK/reg.json")"
check "POST /register -> 201 public client" eval '[[ $st == 201 && -n "$CID" && "$(j "$WORK/reg.json" "\"client_secret\" in d")" == false ]]'

VERIFIER="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
CHALLENGE="$("$PY" -c 'import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode().rstrip("="))' "$VERIFIER")"
authorize() {  # authorize BASE CLIENT REDIRECT -> status; Location in $WORK/az.json.h
    http GET "$1/authorize" "$WORK/az.json" -G --data-urlencode response_type=code --data-urlencode "client_id=$2" \
        --data-urlencode "redirect_uri=$3" --data-urlencode "code_challenge=$CHALLENGE" \
        --data-urlencode code_challenge_method=S256 --data-urlencode state=xyz123 --data-urlencode "resource=$1/mcp"
}
st=$(authorize "$A" "$CID" "http://127.0.0.1:53682/callback")
loc=$(hdr "$WORK/az.json" location)
CODE=$(printf '%s' "$loc" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
DETAIL="status $st, Location: $loc"
check "/authorize auto-approves: 302 to the redirect URI with code and state" \
    eval '[[ $st == 302 && "$loc" == http://127.0.0.1:53682/callback\?* && "$loc" == *state=xyz123* && -n "$CODE" ]]'

st=$(authorize "$A" "$CID" "http://127.0.0.1:40001/callback"); loc2=$(hdr "$WORK/az.json" location)
st2=$(authorize "$A" "$CID" "http://localhost:40001/callback")
DETAIL="other port: $st $loc2; localhost: $st2"
check "LOOPBACK_ANY_PORT=1: another 127.0.0.1 port is accepted, localhost is not" \
    eval '[[ $st == 302 && "$loc2" == http://127.0.0.1:40001/callback\?code=* && $st2 == 400 ]]'

st=$(token "$A" "$WORK/t1.json" grant_type=authorization_code "code=$CODE" "redirect_uri=http://127.0.0.1:53682/callback" \
    "client_id=$CID" "code_verifier=$VERIFIER" "resource=$A/mcp")
AT1=$(j "$WORK/t1.json" 'd["access_token"]'); RT1=$(j "$WORK/t1.json" 'd["refresh_token"]')
DETAIL="status $st: $(cat "$WORK/t1.json")"
check "code exchange -> 200 with at_/rt_ tokens, expires_in 5, Cache-Control no-store" \
    eval '[[ $st == 200 && $AT1 == at_* && $RT1 == rt_* && "$(j "$WORK/t1.json" "d[\"expires_in\"]")" == 5 && "$(hdr "$WORK/t1.json" cache-control)" == no-store ]]'

st=$(token "$A" "$WORK/t1r.json" grant_type=authorization_code "code=$CODE" "redirect_uri=http://127.0.0.1:53682/callback" \
    "client_id=$CID" "code_verifier=$VERIFIER")
DETAIL="status $st: $(cat "$WORK/t1r.json")"
check "replayed code -> 400 invalid_grant" eval '[[ $st == 400 && "$(j "$WORK/t1r.json" "d[\"error\"]")" == invalid_grant ]]'

st=$(mcp_init "$A" "$AT1" "$WORK/init.txt")
DETAIL="status $st: $(head -c 300 "$WORK/init.txt")"
check "MCP initialize with the bearer token -> 200" eval '[[ $st == 200 && "$(cat "$WORK/init.txt")" == *serverInfo* ]]'

# ---- rotation and reuse detection ------------------------------------------------------------
st=$(refresh "$A" "$WORK/t2.json" "$RT1" "$CID")
AT2=$(j "$WORK/t2.json" 'd["access_token"]'); RT2=$(j "$WORK/t2.json" 'd["refresh_token"]')
DETAIL="status $st: $(cat "$WORK/t2.json")"
check "refresh -> 200 with a new access token and a rotated refresh token" \
    eval '[[ $st == 200 && $AT2 == at_* && $RT2 == rt_* && $RT2 != "$RT1" && $AT2 != "$AT1" ]]'

st=$(refresh "$A" "$WORK/t3.json" "$RT1" "$CID")
DETAIL="status $st: $(cat "$WORK/t3.json")"
check "rotated-out refresh token -> 400 invalid_grant" eval '[[ $st == 400 && "$(j "$WORK/t3.json" "d[\"error\"]")" == invalid_grant ]]'
check "/_stats: reuse_detected 1 and one family revoked for reuse" \
    eval '[[ "$(stat "$A" "[d[\"reuse_detected\"], d[\"families_revoked_by\"].get(\"reuse\", 0)]")" == "[1, 1]" ]]'
st=$(refresh "$A" "$WORK/t4.json" "$RT2" "$CID")
st2=$(mcp_init "$A" "$AT2" "$WORK/init2.txt")
DETAIL="refresh with RT2: $st $(cat "$WORK/t4.json"); MCP with AT2: $st2"
check "reuse revoked the family: the successor RT -> 400 invalid_grant, its AT -> 401 at /mcp" \
    eval '[[ $st == 400 && "$(j "$WORK/t4.json" "d[\"error\"]")" == invalid_grant && $st2 == 401 ]]'

# ---- test-control: /_issue, faults -----------------------------------------------------------
st=$(http POST "$A/_issue" "$WORK/iss.json" -d '{}')
IAT=$(j "$WORK/iss.json" 'd["access_token"]'); IRT=$(j "$WORK/iss.json" 'd["refresh_token"]'); ICID=$(j "$WORK/iss.json" 'd["client_id"]')
DETAIL="status $st: $(cat "$WORK/iss.json")"
check "/_issue -> token response with client_id and token_endpoint" \
    eval '[[ $st == 200 && $IAT == at_* && $IRT == rt_* && -n "$ICID" && "$(j "$WORK/iss.json" "d[\"token_endpoint\"]")" == "$A/token" && "$(j "$WORK/iss.json" "d[\"token_type\"]")" == Bearer ]]'

# Full MCP round trip with the issued token: initialize, initialized, tools/call whoami.
st=$(mcp_init "$A" "$IAT" "$WORK/i3.txt"); SID=$(hdr "$WORK/i3.txt" mcp-session-id)
http POST "$A/mcp" "$WORK/i4.txt" -H "Authorization: Bearer $IAT" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $SID" -H 'Mcp-Protocol-Version: 2025-06-18' \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
st2=$(http POST "$A/mcp" "$WORK/i5.txt" -H "Authorization: Bearer $IAT" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $SID" -H 'Mcp-Protocol-Version: 2025-06-18' \
    -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}')
DETAIL="initialize $st, tools/call $st2: $(head -c 300 "$WORK/i5.txt")"
check "MCP tools/call whoami with the issued token names its client" eval '[[ $st == 200 && $st2 == 200 && "$(cat "$WORK/i5.txt")" == *"$ICID"* ]]'

fault "$A" '{"path":"/token","grant_type":"refresh_token","count":2,"status":503,"retry_after":"1"}'
s1=$(refresh "$A" "$WORK/f1.json" "$IRT" "$ICID"); ra=$(hdr "$WORK/f1.json" retry-after); ct=$(hdr "$WORK/f1.json" content-type)
s2=$(refresh "$A" "$WORK/f2.json" "$IRT" "$ICID")
s3=$(refresh "$A" "$WORK/f3.json" "$IRT" "$ICID"); IRT2=$(j "$WORK/f3.json" 'd["refresh_token"]')
DETAIL="$s1 ($ct, Retry-After $ra), $s2, $s3"
check "/_fault 503 html + Retry-After: 1 twice, then 200 (faulted requests commit nothing)" \
    eval '[[ $s1 == 503 && $s2 == 503 && $s3 == 200 && $ra == 1 && $ct == text/html* && "$(cat "$WORK/f1.json")" == *"<html>"* && $IRT2 == rt_* ]]'
check "/_stats counts refresh outcomes (fault_503 x2; ok x2: the first rotation and the one after the faults)" \
    eval '[[ "$(stat "$A" "[d[\"token_requests\"][\"refresh_token\"][\"fault_503\"], d[\"token_requests\"][\"refresh_token\"][\"ok\"]]")" == "[2, 2]" ]]'

fault "$A" '{"status":429,"retry_after_in":30,"body":"json"}'
st=$(refresh "$A" "$WORK/f4.json" "$IRT2" "$ICID"); ra=$(hdr "$WORK/f4.json" retry-after)
DETAIL="$st Retry-After: $ra $(cat "$WORK/f4.json")"
check "/_fault 429 with an HTTP-date Retry-After and a JSON error body" \
    eval '[[ $st == 429 && $ra == *GMT && "$(j "$WORK/f4.json" "d[\"error\"]")" == temporarily_unavailable ]]'

fault "$A" '{"rewrite":{"expires_in":"str","refresh_token":"drop","token_type":"bearer"}}'
st=$(refresh "$A" "$WORK/f5.json" "$IRT2" "$ICID")
DETAIL="$st $(cat "$WORK/f5.json")"
check "/_fault rewrite: expires_in as a string, no refresh_token, token_type bearer" \
    eval '[[ $st == 200 && "$(j "$WORK/f5.json" "[d[\"expires_in\"], \"refresh_token\" in d, d[\"token_type\"]]")" == "[\"5\", false, \"bearer\"]" ]]'

fault "$A" '{"body":"error_in_200"}'
st=$(refresh "$A" "$WORK/f6.json" "nonsense" "$ICID")
DETAIL="$st $(cat "$WORK/f6.json")"
check "/_fault error_in_200: HTTP 200 with {\"error\":\"invalid_grant\"}" eval '[[ $st == 200 && "$(j "$WORK/f6.json" "d[\"error\"]")" == invalid_grant ]]'

fault "$A" '{"body":"huge"}'
st=$(refresh "$A" "$WORK/f7.json" "nonsense" "$ICID"); size=$(wc -c <"$WORK/f7.json")
DETAIL="$st, $size bytes"
check "/_fault huge: a body over 1 MiB" eval '[[ $st == 200 && $size -gt 1048576 ]]'

# Lost response: the rotation is committed, the answer comes after the client has given up.
st=$(http POST "$A/_issue" "$WORK/iss2.json" -d '{}')
LRT=$(j "$WORK/iss2.json" 'd["refresh_token"]'); LCID=$(j "$WORK/iss2.json" 'd["client_id"]')
rot0=$(stat "$A" 'd["rotations"]')
fault "$A" '{"grant_type":"refresh_token","delay":1.5}'
curl -s -o /dev/null --max-time 0.5 -d grant_type=refresh_token --data-urlencode "refresh_token=$LRT" -d "client_id=$LCID" "$A/token"
rc=$?
rot1=$(wait_stat "$A" 'd["rotations"]' $((rot0 + 1)))
st=$(refresh "$A" "$WORK/f8.json" "$LRT" "$LCID")
lost=$(wait_stat "$A" 'd["responses_lost"]' 1)
DETAIL="curl exit $rc, rotations $rot0 -> $rot1, responses_lost $lost, retry $st $(cat "$WORK/f8.json")"
check "/_fault delay: client times out (curl 28) but the rotation is committed; the retry is a reuse -> 400" \
    eval '[[ $rc == 28 && $rot1 == $((rot0 + 1)) && $lost == 1 && $st == 400 && "$(j "$WORK/f8.json" "d[\"error\"]")" == invalid_grant ]]'

check "/_fault rejects unknown keys with 400" \
    eval '[[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d "{\"stauts\":503}" "$A/_fault")" == 400 ]]'

# ---- /_revoke_all ----------------------------------------------------------------------------
st=$(http POST "$A/_issue" "$WORK/iss3.json" -d '{}')
RAT=$(j "$WORK/iss3.json" 'd["access_token"]'); RRT=$(j "$WORK/iss3.json" 'd["refresh_token"]'); RCID=$(j "$WORK/iss3.json" 'd["client_id"]')
curl -s -o /dev/null -X POST -d '{}' "$A/_revoke_all"
st=$(refresh "$A" "$WORK/r1.json" "$RRT" "$RCID"); st2=$(mcp_init "$A" "$RAT" "$WORK/r2.txt")
DETAIL="refresh $st $(cat "$WORK/r1.json"); MCP $st2"
check "/_revoke_all: refresh -> 400 invalid_grant, old access token -> 401" \
    eval '[[ $st == 400 && "$(j "$WORK/r1.json" "d[\"error\"]")" == invalid_grant && $st2 == 401 ]]'

# ---- grace window (peer G: GRACE_SECONDS=1) --------------------------------------------------
http POST "$G/_issue" "$WORK/g0.json" -d '{}' >/dev/null
GRT1=$(j "$WORK/g0.json" 'd["refresh_token"]'); GCID=$(j "$WORK/g0.json" 'd["client_id"]')
s1=$(refresh "$G" "$WORK/g1.json" "$GRT1" "$GCID"); GRT2=$(j "$WORK/g1.json" 'd["refresh_token"]')
s2=$(refresh "$G" "$WORK/g2.json" "$GRT1" "$GCID"); again=$(j "$WORK/g2.json" 'd["refresh_token"]')
DETAIL="$s1, reuse in window $s2 (refresh_token same as successor: $([[ $again == "$GRT2" ]] && echo yes || echo no))"
check "grace window: a rotated-out RT reused within GRACE_SECONDS -> 200 with the same successor RT" \
    eval '[[ $s1 == 200 && $s2 == 200 && $again == "$GRT2" && "$(j "$WORK/g2.json" "d[\"access_token\"]")" != "$(j "$WORK/g1.json" "d[\"access_token\"]")" ]]'
# Lost response with grace: the retry within the window recovers the committed RT.
http POST "$G/_issue" "$WORK/g5.json" -d '{}' >/dev/null
LRT=$(j "$WORK/g5.json" 'd["refresh_token"]'); LCID=$(j "$WORK/g5.json" 'd["client_id"]')
rotations=$(stat "$G" 'd["rotations"]')
fault "$G" '{"grant_type":"refresh_token","delay":1.5}'
curl -s -o /dev/null --max-time 0.3 -d grant_type=refresh_token --data-urlencode "refresh_token=$LRT" -d "client_id=$LCID" "$G/token"
wait_stat "$G" 'd["rotations"]' $((rotations + 1)) >/dev/null  # the delayed request committed its rotation
st=$(refresh "$G" "$WORK/g6.json" "$LRT" "$LCID")
DETAIL="retry $st $(cat "$WORK/g6.json")"
check "grace window + delayed answer: the retry gets the RT the server already committed" \
    eval '[[ $st == 200 && "$(j "$WORK/g6.json" "d[\"refresh_token\"]")" == rt_* && "$(j "$WORK/g6.json" "d[\"refresh_token\"]")" != "$LRT" && "$(stat "$G" "d[\"grace_reuses\"]")" == 2 && "$(stat "$G" "d[\"live_refresh_tokens\"]")" == 2 ]]'
sleep 1.1
s3=$(refresh "$G" "$WORK/g3.json" "$GRT1" "$GCID")
s4=$(refresh "$G" "$WORK/g4.json" "$GRT2" "$GCID")
DETAIL="after the window: old $s3 $(cat "$WORK/g3.json"); successor $s4"
check "grace window over: the old RT is a reuse -> 400, family revoked (successor -> 400)" \
    eval '[[ $s3 == 400 && $s4 == 400 && "$(stat "$G" "d[\"reuse_detected\"]")" == 1 ]]'

# ---- ROTATE=0, lifetimes, strict redirect (peer S) -------------------------------------------
http POST "$S/_issue" "$WORK/s0.json" -d '{}' >/dev/null
SAT=$(j "$WORK/s0.json" 'd["access_token"]'); SRT=$(j "$WORK/s0.json" 'd["refresh_token"]'); SCID=$(j "$WORK/s0.json" 'd["client_id"]')
s1=$(refresh "$S" "$WORK/s1.json" "$SRT" "$SCID"); s2=$(refresh "$S" "$WORK/s2.json" "$SRT" "$SCID")
DETAIL="$s1 $(cat "$WORK/s1.json"); $s2"
check "ROTATE=0: no refresh_token in the response, the old RT keeps working; expires_in 0.5" \
    eval '[[ $s1 == 200 && $s2 == 200 && "$(j "$WORK/s1.json" "[\"refresh_token\" in d, d[\"expires_in\"]]")" == "[false, 0.5]" ]]'
st=$(http POST "$S/register" "$WORK/sreg.json" -H 'Content-Type: application/json' -d '{"redirect_uris":["http://127.0.0.1:53682/callback"],"token_endpoint_auth_method":"none"}')
st=$(authorize "$S" "$(j "$WORK/sreg.json" 'd["client_id"]')" "http://127.0.0.1:40001/callback")
DETAIL="status $st"
check "LOOPBACK_ANY_PORT=0: another port -> 400" eval '[[ $st == 400 ]]'
sleep 0.6
st=$(mcp_init "$S" "$SAT" "$WORK/s3.txt")
DETAIL="status $st"
check "ACCESS_TTL=0.5: the access token is refused by /mcp after 0.6 s (401)" eval '[[ $st == 401 ]]'
sleep 1.0
st=$(refresh "$S" "$WORK/s4.json" "$SRT" "$SCID")
DETAIL="$st $(cat "$WORK/s4.json")"
check "REFRESH_TTL=1.5: the refresh token has expired -> 400 invalid_grant" \
    eval '[[ $st == 400 && "$(j "$WORK/s4.json" "d[\"error_description\"]")" == *expired* ]]'

check "peers logged nothing to stdout but PEER_READY" \
    eval '[[ "$(cat "$WORK/A.out" "$WORK/G.out" "$WORK/S.out" | grep -vc "^PEER_READY ")" == 0 ]]'

echo "$PASS passed, $FAIL failed ($((SECONDS - start)) s)"
[[ $FAIL == 0 ]]
