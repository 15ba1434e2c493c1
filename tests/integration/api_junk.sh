#!/bin/sh
# api_junk.sh — 600 malformed or random requests (tests/api/junk.py) against a
# real `yogi serve`: every one is answered or refused, none crashes the
# server, and the server's log holds no sanitizer report (run it with
# BUILD=build-address for ASan).
. tests/lib.sh
command -v python3 >/dev/null || { skip "api junk" "python3 is absent"; done_testing; exit 0; }
mkdir -p "$TMP/wf"
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n' >"$TMP/wf/document_processing.yaml"
trap 'stop_yogi "$TMP/server.log"; rm -rf "$TMP"' EXIT
start_yogi "$TMP/data" "$TMP/server.log" --workflows "$TMP/wf" --rate-limit 0 ||
    { not_ok "server starts" "$(tail -3 "$TMP/server.log")"; done_testing; exit 1; }
if out=$(timeout 600 python3 tests/api/junk.py "$ADMIN" "$PORT" 600 2>&1); then
    ok "600 junk requests sent ($out)"
else
    not_ok "junk requests" "$out"
fi
kill -0 $PID 2>/dev/null && ok "the server is still running" || not_ok "the server is still running"
[ "$(curl -s --max-time 5 "http://127.0.0.1:$PORT/healthz")" = '{"status":"ok"}' ] &&
    ok "and still answers" || not_ok "and still answers"
kill -TERM $PID; wait $PID
rc=$?; PID=""
[ $rc -eq 0 ] && ok "it stops cleanly" || not_ok "it stops cleanly" "exit $rc"
no_sanitizer_report "no sanitizer report" "$TMP/server.log"
done_testing
