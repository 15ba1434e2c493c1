#!/bin/sh
# data_dir_lost.sh — fail closed: a database file deleted or replaced, or
# the data directory deleted, while the server runs, stops it with a clear
# message instead of answering 202 into an unlinked database.
. tests/lib.sh
. tests/serve_lib.sh

need data_dir_lost curl jq
trap 'serve_stop; rm -rf "$TMP"' EXIT
printf '\211PNG\r\n\032\nx' >"$TMP/tt.png"

# wait_exit SECONDS: the server process ends; its status in RC.
wait_exit() {
    n=0
    while [ $n -lt $(($1 * 10)) ] && kill -0 "$PID" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
    if kill -0 "$PID" 2>/dev/null; then RC=running; else wait "$PID"; RC=$?; PID=""; fi
}

# 1. The data directory is deleted.
DATA=$TMP/data1
serve_start --workers 1 || { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
call "$ADMIN" GET /readyz; expect "ready" 200
rm -rf "$DATA"
call "$ADMIN" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
[ "$STATUS" != 202 ] && ok "an upload after the directory is deleted is not accepted ($STATUS)" ||
    not_ok "no 202 into a deleted directory" "$(cat "$TMP/body")"
wait_exit 3
[ "$RC" != running ] && [ "$RC" != 0 ] && ok "the server stops (exit $RC)" || not_ok "server stops" "$RC"
grep -q 'data directory was deleted\|database file was deleted\|database file is gone' "$TMP/server.log" &&
    ok "and says why" || not_ok "clear message" "$(tail -3 "$TMP/server.log")"

# 2. The database file is replaced by another (a restore gone wrong).
DATA=$TMP/data2
serve_start --workers 1 || { not_ok "server restarts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
cp "$DATA/yogi.db" "$TMP/copy.db" && mv "$TMP/copy.db" "$DATA/yogi.db"
call "$ADMIN" GET /readyz; expect "/readyz: 503 once the database file was replaced" 503 .error.code Engine.Storage
wait_exit 3
[ "$RC" != running ] && [ "$RC" != 0 ] && ok "the server stops (exit $RC)" || not_ok "server stops" "$RC"
grep -q 'database file was replaced' "$TMP/server.log" && ok "and says the file was replaced" ||
    not_ok "replaced message" "$(tail -3 "$TMP/server.log")"
contract_check
done_testing
