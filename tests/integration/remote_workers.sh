#!/bin/sh
# remote_workers.sh — the document workflow with its image work on remote
# workers: `yogi serve` maps plugin:preprocess and plugin:ocr to activities
# (--resources), so its own single local worker never runs them; two
# `yogi worker` processes on loopback, each with a worker token, serve them
# over the Activity protocol, documents and page images travelling by
# content hash. 20 uploads of generated timetables (each a little
# different) must all complete. Along the way one worker is killed with
# SIGKILL while it holds a task (the task times out by heartbeat and is
# retried on the other), and the engine is restarted while the surviving
# worker polls and works (its answers wait and are delivered after). Nothing
# may be lost: every document completed, every execution SUCCEEDED.
. tests/lib.sh

need remote_workers convert curl jq plugin:classify plugin:preprocess plugin:ocr plugin:timetable \
    plugin:validate plugin:save plugin:notify
N=${REMOTE_DOCS:-20}
DATA=$TMP/data
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/wf" "$TMP/f"

# The shipped workflow, with heartbeat timeouts short enough for a test.
sed -e 's/HeartbeatSeconds: 120/HeartbeatSeconds: 4/' \
    -e '/Resource: plugin:preprocess/,/Retry/s/    TimeoutSeconds: 300/    TimeoutSeconds: 300\n    HeartbeatSeconds: 4/' \
    workflows/document_processing.yaml >"$TMP/wf/document_processing.yaml"
[ "$(grep -c 'HeartbeatSeconds: 4' "$TMP/wf/document_processing.yaml")" = 2 ] ||
    { not_ok "workflow prepared" "$(grep -n Heartbeat "$TMP/wf/document_processing.yaml")"; done_testing; exit 1; }
echo '{"plugin:preprocess": "activity:preprocess", "plugin:ocr": "activity:ocr"}' >"$TMP/resources.json"

# ---- timetables ----------------------------------------------------------------
tests/tools/timetable_images.sh "$N" "$TMP/f" && ok "$N timetable images generated" ||
    { not_ok "timetable images"; done_testing; exit 1; }

# ---- engine and workers ---------------------------------------------------------
STARTS=0
serve() { # serve [ADDR]: the log of each start is serve.N.log
    STARTS=$((STARTS + 1)); LOG=$TMP/serve.$STARTS.log
    LISTEN=${1:-}
    start_yogi "$DATA" "$LOG" --workflows "$TMP/wf" --workers 1 --resources "$TMP/resources.json"
    LISTEN=""; SERVE=$PID; PIDS="$PIDS $SERVE"
}
serve
api() { curl -s --max-time 30 -H "Authorization: Bearer $ADMIN" "$@"; }
TOKEN=$(api -X POST -H 'Content-Type: application/json' -d '{"role":"worker"}' "$BASE/v1/tokens" | jq -r .token)
case "$TOKEN" in ygt_*) ok "engine up; a worker token issued" ;; *) not_ok "engine up" "$(tail -5 "$LOG")"; done_testing; exit 1 ;; esac

worker() { # worker NAME
    "$YOGI" worker --endpoint "$BASE" --token "$TOKEN" --activity ocr --activity preprocess \
        --concurrency 1 --heartbeat 1 --name "$1" --plugins "$PLUGIN_DIR" 2>"$TMP/$1.log" &
}
worker alpha; ALPHA=$!; PIDS="$PIDS $ALPHA"
worker beta; BETA=$!; PIDS="$PIDS $BETA"

# ---- uploads ------------------------------------------------------------------------
i=1; up=0
while [ $i -le "$N" ]; do
    id=$(api -F "file=@$TMP/f/t$i.png" "$BASE/v1/documents" | jq -r '.id // empty')
    [ -n "$id" ] && up=$((up + 1))
    i=$((i + 1))
done
[ "$up" = "$N" ] && ok "$N documents uploaded" || not_ok "uploads" "$up of $N"

# started > finished in alpha's log: it holds a task and has sent no answer
# for it (the worker says "done" or "failed" before its answer leaves).
# Alpha is stopped while its log is read, so the answer cannot slip out
# between the look and the kill (on a loaded machine it did).
holds_task() {
    s=$(grep -c ' started$' "$TMP/alpha.log"); d=$(grep -cE ' (done|failed) ' "$TMP/alpha.log")
    [ "$s" -gt "$d" ]
}
i=0; held=0
while [ $i -lt 600 ]; do
    kill -STOP "$ALPHA" 2>/dev/null
    if holds_task; then held=1; break; fi
    kill -CONT "$ALPHA" 2>/dev/null
    sleep 0.05; i=$((i + 1))
done
if [ "$held" = 1 ]; then
    kill -9 "$ALPHA"; wait "$ALPHA" 2>/dev/null
    ok "worker alpha killed (SIGKILL) while it held a task"
else
    not_ok "worker alpha took a task to be killed in" "$(cat "$TMP/alpha.log")"
    kill -9 "$ALPHA"
fi

count_status() { api "$BASE/v1/documents?limit=500" | jq "[.documents[] | select(.status == \"$1\")] | length"; }
# Restart the engine once a few documents are through, while beta works on.
i=0
while [ $i -lt 600 ] && [ "$(count_status completed)" -lt 3 ]; do sleep 0.2; i=$((i + 1)); done
LOCAL_IMAGE_WORK=$(api "$BASE/metrics" | grep -cE 'plugin="(ocr|preprocess)"')
kill -TERM "$SERVE"; wait "$SERVE" 2>/dev/null
sleep 2 # beta's polls fail and back off; an answer it finishes now is kept
serve "127.0.0.1:$PORT"
[ -n "$PORT" ] && ok "engine restarted on the same address while beta works" ||
    { not_ok "engine restart" "$(tail -5 "$LOG")"; done_testing; exit 1; }

# ---- everything completes --------------------------------------------------------------
i=0
while [ $i -lt 900 ]; do
    c=$(count_status completed); r=$(count_status needs_review)
    [ $((c + r)) -ge "$N" ] && break
    sleep 0.5; i=$((i + 1))
done
c=$(count_status completed); f=$(count_status failed)
[ "$c" = "$N" ] && ok "all $N documents completed" || not_ok "all documents completed" "completed $c, failed $f, needs_review $(count_status needs_review)"
EXS=$(api "$BASE/v1/executions?limit=500" | jq -r '.executions[] | select(.workflow == "document_processing") | .id')
nex=0; nsucc=0; timed_out=0; remote_ocr=0; by_beta=0
for ex in $EXS; do
    nex=$((nex + 1))
    [ "$(api "$BASE/v1/executions/$ex" | jq -r .status)" = SUCCEEDED ] && nsucc=$((nsucc + 1))
    h=$(api "$BASE/v1/executions/$ex/history?limit=1000")
    timed_out=$((timed_out + $(echo "$h" | jq '[.events[] | select(.type == "ActivityTimedOut")] | length')))
    echo "$h" | jq -e '[.events[] | select(.type == "ActivitySucceeded" and .state == "RunOCR")] | length == 1' >/dev/null &&
        remote_ocr=$((remote_ocr + 1))
    echo "$h" | jq -e '[.events[] | select(.type == "ActivityStarted" and .details.workerName == "beta")] | length > 0' >/dev/null &&
        by_beta=$((by_beta + 1))
done
[ "$nex" = "$N" ] && [ "$nsucc" = "$N" ] && ok "$N executions, all SUCCEEDED" || not_ok "executions" "$nsucc of $nex succeeded"
[ "$remote_ocr" = "$N" ] && ok "every OCR ran as an activity on a remote worker" || not_ok "remote OCR" "$remote_ocr of $N"
[ "$timed_out" -ge 1 ] && ok "the killed worker's task timed out by heartbeat and was retried ($timed_out)" ||
    not_ok "heartbeat timeout seen" "no ActivityTimedOut in any history"
[ "$by_beta" -ge 1 ] && ok "worker beta served tasks ($by_beta executions)" || not_ok "beta served"
LOCAL_IMAGE_WORK=$((LOCAL_IMAGE_WORK + $(api "$BASE/metrics" | grep -cE 'plugin="(ocr|preprocess)"')))
[ "$LOCAL_IMAGE_WORK" = 0 ] && ok "no OCR or preprocessing on the engine's own workers" ||
    not_ok "no OCR or preprocessing on the engine's own workers" "$LOCAL_IMAGE_WORK metric lines"
grep -q 'kept and retried' "$TMP/beta.log" && ok "beta kept an answer across the engine's restart" ||
    skip "answer kept across the restart" "beta had no answer to deliver while the engine was down"
kill -TERM "$BETA"; wait "$BETA"; rc=$?
[ $rc -eq 0 ] && ok "beta drains and exits 0 on SIGTERM" || not_ok "beta drain" "rc=$rc"
kill -TERM "$SERVE"; wait "$SERVE" 2>/dev/null
done_testing
