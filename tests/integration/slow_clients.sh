#!/bin/sh
# slow_clients.sh — hostile clients that trickle request bytes (loopback,
# bounded to about 30 s).
#
#   1. 250 sockets from three source addresses each send one header byte a
#      second (at least 200 must connect on a loaded machine): /healthz,
#      probed from a fourth address by another process, keeps a p99 under 50 ms,
#      every one of them is closed at the header deadline, the log stays
#      under 1 MB.
#   2. The per-address cap: 120 sockets from one address, cap 50: the 70
#      beyond it are closed within 2 s, the 50 within it are not.
#   2b. The body rate floor: an upload trickling its body at 1 byte/s is
#      closed after the header deadline; one at 8 KiB/s is kept.
#   3. Out of file descriptors (ulimit -n 64, 150 sockets): the server
#      stops accepting instead of spinning, says so at most once a second,
#      and answers again once the sockets are gone.
. tests/lib.sh
. tests/serve_lib.sh

if ! command -v curl >/dev/null || ! command -v jq >/dev/null || ! command -v python3 >/dev/null; then
    skip "slow_clients" "curl, jq and python3 are needed"; done_testing; exit 0
fi
trap 'serve_stop; rm -rf "$TMP"' EXIT
ATTACK="python3 tests/tools/slow_clients.py"
log_ok() { # NAME: the server log is under 1 MB
    size=$(wc -c <"$TMP/server.log")
    [ "$size" -lt 1048576 ] && ok "$1 (log $size bytes)" || not_ok "$1" "log is $size bytes"
}

# ---- 1. the slow-header attack --------------------------------------------------
serve_start --workers 1 --header-timeout 6 --max-connections-per-ip 100 ||
    { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
$ATTACK "$PORT" 250 10 --sources 3 >"$TMP/attack.json" &
APID=$!
sleep 1.5 # the attack is in place
$ATTACK "$PORT" 0 4 --probe-only >"$TMP/probe.json"
wait "$APID"
jq -cs add "$TMP/attack.json" "$TMP/probe.json" >"$TMP/a1.json"
echo "# $(cat "$TMP/a1.json")"
r() { jq -r "$1" "$TMP/a1.json"; }
OPENED=$(r .opened)
[ "$OPENED" -ge 200 ] && ok "$OPENED trickling sockets connected" || not_ok "sockets connect" "$(cat "$TMP/a1.json")"
[ "$(r .probe_failures)" = 0 ] && [ "$(r .probes)" -ge 50 ] && ok "/healthz answered every probe ($(r .probes))" ||
    not_ok "healthz during the attack" "$(cat "$TMP/a1.json")"
case "${BUILD:-build}" in
*address*|*undefined*) skip "/healthz p99 < 50 ms (p99 $(r .p99_ms) ms)" "a latency bound is for the release build" ;;
*) awk -v p="$(r .p99_ms)" 'BEGIN { exit !(p < 50) }' && ok "/healthz p99 $(r .p99_ms) ms < 50 ms during the attack" ||
    not_ok "healthz p99 < 50 ms" "p99 $(r .p99_ms) ms" ;;
esac
[ "$(r .closed_by_server)" = "$OPENED" ] && ok "every trickling socket is closed by the server" ||
    not_ok "all closed" "$(r .closed_by_server) closed"
awk -v f="$(r .first_closed_s)" -v l="$(r .last_closed_s)" 'BEGIN { exit !(f >= 5.9 && l <= 9) }' &&
    ok "at the 6 s header deadline (from $(r .first_closed_s) to $(r .last_closed_s) s)" ||
    not_ok "closed at the deadline" "$(r .first_closed_s)..$(r .last_closed_s)"
call "" GET /healthz; expect "the server answers after the attack" 200 .status ok
log_ok "the log stays small"
serve_stop

# ---- 2. the per-address cap -----------------------------------------------------
serve_start --workers 1 --header-timeout 20 --max-connections-per-ip 50 ||
    { not_ok "server restarts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
$ATTACK "$PORT" 120 4 --sources 1 --first-source 5 >"$TMP/a2.json"
echo "# $(cat "$TMP/a2.json")"
[ "$(jq -r .closed_within_2s "$TMP/a2.json")" = 70 ] && [ "$(jq -r .closed_by_server "$TMP/a2.json")" = 70 ] &&
    ok "120 sockets from one address, cap 50: the 70 beyond it are closed, the rest kept" ||
    not_ok "per-address cap" "$(cat "$TMP/a2.json")"
call "" GET /healthz; expect "other addresses are still served" 200
serve_stop

# ---- 2b. the body rate floor --------------------------------------------------
# Headers at once, then a body at 1 byte/s (closed after the 2 s deadline)
# and one at 8 KiB/s (kept: it keeps up the 1 KiB/s floor).
serve_start --workers 1 --header-timeout 2 --min-body-rate 1024 ||
    { not_ok "server restarts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
python3 - "$PORT" >"$TMP/body_rate" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def open_upload():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/documents HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
              b"Content-Length: 1000000\r\n\r\n")
    s.setblocking(False)
    return s
slow, fast = open_upload(), open_upload()
closed = {"slow": None, "fast": None}
start = time.monotonic()
while time.monotonic() - start < 5:
    for name, s, chunk in (("slow", slow, b"x"), ("fast", fast, b"x" * 2048)):
        if closed[name] is not None:
            continue
        try:
            s.send(chunk)
            if s.recv(1) == b"":
                closed[name] = time.monotonic() - start
        except BlockingIOError:
            pass
        except OSError:
            closed[name] = time.monotonic() - start
    time.sleep(0.25)
print(closed["slow"] is not None and closed["slow"] < 4.5, closed["fast"] is None)
PY
[ "$(cat "$TMP/body_rate")" = "True True" ] &&
    ok "a body under the rate floor is closed after the deadline; one above it is kept" ||
    not_ok "body rate floor" "$(cat "$TMP/body_rate")"
serve_stop

# ---- 3. out of descriptors ------------------------------------------------------
: >"$TMP/server.log"
(ulimit -n 64 && exec "$YOGI" serve --data "$TMP/data" --listen 127.0.0.1:0 --plugins "$PLUGIN_DIR" \
    --workers 1 --max-connections 1000 --max-connections-per-ip 0 --header-timeout 20 >>"$TMP/server.log" 2>&1) &
PID=$!
i=0; PORT=""
while [ $i -lt 100 ] && [ -z "$PORT" ]; do
    PORT=$(sed -n 's|^yogi: listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$TMP/server.log"); sleep 0.1; i=$((i + 1)); done
BASE="http://127.0.0.1:${PORT:-0}"
$ATTACK "$PORT" 150 6 --sources 2 >"$TMP/a3.json"
echo "# $(cat "$TMP/a3.json")"
n=$(grep -c 'yogi: accept: ' "$TMP/server.log")
secs=$(jq -r '.elapsed_s | ceil' "$TMP/a3.json")
[ "$n" -ge 1 ] && [ "$n" -le $((secs + 2)) ] && ok "out of descriptors: $n log lines in $secs s (at most one a second)" ||
    not_ok "accept errors logged once a second" "$n lines: $(grep -m2 accept "$TMP/server.log")"
kill -0 "$PID" 2>/dev/null && ok "the server survives running out of descriptors" || not_ok "server alive"
sleep 1.5
call "" GET /healthz; expect "and answers again once the sockets are gone" 200 .status ok
log_ok "the log stays small when out of descriptors"

serve_stop
done_testing
