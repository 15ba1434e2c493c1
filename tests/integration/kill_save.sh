#!/bin/sh
# kill_save.sh — a SIGKILL of the service while a timetable is being saved
# loses nothing and saves nothing twice (issue 10's end-to-end check).
#
# `yogi serve` runs the real workflows/document_processing.yaml on a
# generated timetable (tests/fixture_lib.sh; the automatic route). The save
# plugin is held between its two host calls (YOGI_TEST_SAVE_PAUSE_MS, see
# states/save/save.c): the timetable version is committed, the task's result
# is not. When that version shows in the API the service is killed with
# SIGKILL, then started again on the same data directory without the pause.
# The execution resumes and SaveToDatabase runs again (the document's
# "completed" is written only by the save's second host call, which the
# first run never reached); its save carries the same key, which the store
# applies once. Checked as a user would: the
# document ends completed, with exactly one timetable version (in the API
# and in the database), holding what the page says.
. tests/lib.sh
. tests/serve_lib.sh
. tests/fixture_lib.sh

need kill_save curl jq convert plugin:classify plugin:preprocess plugin:ocr plugin:timetable \
    plugin:validate plugin:save plugin:notify
trap 'serve_stop; rm -rf "$TMP"' EXIT
DATA=$TMP/data
make_timetable "$TMP/timetable.png" Monday Tuesday Wednesday Thursday Friday

export YOGI_TEST_SAVE_PAUSE_MS=20000
serve_start --workflows "$PWD/workflows" --workers 1 ||
    { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
unset YOGI_TEST_SAVE_PAUSE_MS
UP=$(new_token uploader)
call "$UP" POST /v1/documents -F "file=@$TMP/timetable.png;type=image/png"
expect "upload a timetable: 202" 202
D=$(json .id); E=$(json .execution_id)

# The save's first host call has committed a version; its task has not ended.
n=0
while [ $n -lt 600 ]; do
    call "$UP" GET "/v1/documents/$D/versions"
    [ "$(json '.versions | length')" = 1 ] && break
    sleep 0.1; n=$((n + 1))
done
[ "$(json '.versions | length')" = 1 ] && ok "the timetable is saved while the save task is held" ||
    not_ok "a version appears" "$(head -c 300 "$TMP/body"); $(tail -3 "$TMP/server.log")"
call "$UP" GET "/v1/documents/$D"
expect "the document is not completed yet" 200 .status processing

kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=""
ok "the service is killed with SIGKILL inside the save"

serve_start --workflows "$PWD/workflows" --workers 1 ||
    { not_ok "server restarts on the same data" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
wait_doc "$UP" "$D" completed 600 && ok "after the restart the document ends completed" ||
    not_ok "document completes" "$(head -c 300 "$TMP/body")"
expect "on the automatic route" 200 .route auto
call "$UP" GET "/v1/documents/$D/versions"
expect "exactly one timetable version" 200 '.versions | length' 1
call "$UP" GET "/v1/documents/$D/timetable"
expect "it holds the page's 20 lessons" 200 '.entries | length' 20
expect "Monday starts with Maths at 09:00" 200 \
    '[.entries[] | select(.day == "Monday")] | sort_by(.start) | .[0] | [.start, .subject] | join(" ")' \
    "09:00 Maths"
call "$ADMIN" GET "/v1/executions/$E"
expect "its execution succeeded" 200 .status SUCCEEDED
call "$ADMIN" GET "/v1/executions/$E/history"
[ "$(json '[.events[] | select(.type == "TaskSucceeded" and .state == "SaveToDatabase")] | length')" = 1 ] &&
    ok "the save task's result is recorded once" ||
    not_ok "one TaskSucceeded for SaveToDatabase" "$(jq -c '[.events[] | [.type, .state]]' "$TMP/body" | head -c 600)"
serve_stop

if /usr/bin/python3 -c 'import sqlite3' 2>/dev/null; then
    rows=$(/usr/bin/python3 - "$DATA/yogi.db" "$D" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT COUNT(*) FROM timetables WHERE document_id = ?", (sys.argv[2],)).fetchone()[0])
PY
)
    [ "$rows" = 1 ] && ok "one timetable row in the database" || not_ok "one timetable row" "$rows rows"
else
    skip "one timetable row in the database" "python3 sqlite3 is needed"
fi
done_testing
