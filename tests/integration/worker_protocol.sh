#!/bin/sh
# worker_protocol.sh — the requests `yogi worker` sends, as a real Step
# Functions endpoint reads them: a loopback stand-in (tests/activity_standin.py)
# checks every request's path, Content-Type, X-Amz-Target, JSON body and
# credentials (a bearer token; then SigV4 computed by libcurl from AWS
# credentials), hands out one task, and logs what came. Then a worker signs
# with SigV4 against `yogi serve` itself, whose verifier must accept it.
. tests/lib.sh

PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! command -v curl >/dev/null || ! command -v jq >/dev/null; then
    skip "worker_protocol" "python3, curl and jq are needed"; done_testing; exit 0
fi
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

standin() { # standin LOG ARGS... → PORT
    log=$1; shift
    "$PY" tests/activity_standin.py --log "$log" "$@" >"$log.out" 2>&1 &
    PIDS="$PIDS $!"
    i=0; PORT=""
    while [ $i -lt 100 ] && [ -z "$PORT" ]; do
        PORT=$(sed -n 's/^port //p' "$log.out" 2>/dev/null); sleep 0.1; i=$((i + 1)); done
}
# wait_for FILE JQ: until a logged request matches
wait_for() {
    i=0
    while [ $i -lt 100 ]; do
        [ -f "$1" ] && jq -e -s "$2" "$1" >/dev/null 2>&1 && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# ---- a bearer token --------------------------------------------------------
LOG=$TMP/bearer.jsonl
standin "$LOG" --token ygt_test_token --input '{"hello":"world","n":[1,2]}'
"$YOGI" worker --endpoint "http://127.0.0.1:$PORT" --activity \
    "arn:aws:states:eu-west-1:123456789012:activity:greet=echo" --token ygt_test_token \
    --name proto-worker --concurrency 1 --plugins "$PLUGIN_DIR" 2>"$TMP/worker.log" &
W=$!; PIDS="$PIDS $W"
wait_for "$LOG" 'map(select(.target == "AWSStepFunctions.SendTaskSuccess")) | length > 0' &&
    ok "the worker answers the task it polled" || not_ok "worker answered" "$(cat "$TMP/worker.log")"
kill -TERM $W; wait $W; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM drains and exits 0" || not_ok "drain exit" "rc=$rc"
[ "$(jq -s '[.[] | select(.problems | length > 0)] | length' "$LOG")" = 0 ] &&
    ok "every request passes the stand-in's checks" ||
    not_ok "request checks" "$(jq -c -s '[.[] | select(.problems | length > 0) | .problems]' "$LOG")"
POLL=$(jq -c -s 'map(select(.target == "AWSStepFunctions.GetActivityTask"))[0].body' "$LOG")
[ "$POLL" = '{"activityArn":"arn:aws:states:eu-west-1:123456789012:activity:greet","workerName":"proto-worker"}' ] &&
    ok "GetActivityTask carries the activity ARN and the worker name" || not_ok "poll body" "$POLL"
OUT=$(jq -r -s 'map(select(.target == "AWSStepFunctions.SendTaskSuccess"))[0].body.output' "$LOG")
[ "$(printf '%s' "$OUT" | jq -c .)" = '{"hello":"world","n":[1,2]}' ] &&
    ok "SendTaskSuccess carries the plugin's output as JSON text" || not_ok "success body" "$OUT"
[ "$(jq -r -s 'map(select(.target == "AWSStepFunctions.SendTaskSuccess"))[0].body.taskToken' "$LOG")" = tok-1 ] &&
    ok "SendTaskSuccess carries the task token" || not_ok "success token"
CT=$(jq -r -s '[.[].headers | to_entries[] | select(.key | ascii_downcase == "content-type") | .value] | unique | join(",")' "$LOG")
[ "$CT" = application/x-amz-json-1.0 ] && ok "Content-Type is application/x-amz-json-1.0" || not_ok "content type" "$CT"

# ---- SigV4 from AWS credentials ---------------------------------------------
LOG=$TMP/sigv4.jsonl
standin "$LOG" --sigv4 AKIDWORKER --input '{"x":1}'
AWS_ACCESS_KEY_ID=AKIDWORKER AWS_SECRET_ACCESS_KEY=secret AWS_REGION=eu-west-1 \
    "$YOGI" worker --endpoint "http://127.0.0.1:$PORT" --activity activity:greet=echo \
    --concurrency 1 --plugins "$PLUGIN_DIR" 2>"$TMP/worker2.log" &
W=$!; PIDS="$PIDS $W"
wait_for "$LOG" 'map(select(.target == "AWSStepFunctions.SendTaskSuccess")) | length > 0' &&
    ok "a SigV4 worker answers its task" || not_ok "sigv4 worker" "$(cat "$TMP/worker2.log")"
kill -TERM $W; wait $W
[ "$(jq -s '[.[] | select(.problems | length > 0)] | length' "$LOG")" = 0 ] &&
    ok "SigV4 requests name the states service and sign host" ||
    not_ok "sigv4 checks" "$(jq -c -s '[.[] | .problems]' "$LOG")"
jq -r -s '.[0].headers.Authorization' "$LOG" | grep -q '/eu-west-1/states/aws4_request' &&
    ok "the region comes from AWS_REGION" || not_ok "region"

# ---- SigV4 accepted by yogi serve's own verifier ------------------------------
mkdir -p "$TMP/wf"
cat >"$TMP/wf/remote.yaml" <<'Y'
StartAt: Work
States:
  Work:
    Type: Task
    Resource: activity:greet
    HeartbeatSeconds: 30
    End: true
Y
export YOGI_AWS_ACCESS_KEY_ID=AKIDSERVER YOGI_AWS_SECRET_ACCESS_KEY=server-secret
start_yogi "$TMP/data" "$TMP/serve.log" --workflows "$TMP/wf" --activity-poll 2
unset YOGI_AWS_ACCESS_KEY_ID YOGI_AWS_SECRET_ACCESS_KEY
S=$PID; SPORT=$PORT; PIDS="$PIDS $S"
AWS_ACCESS_KEY_ID=AKIDSERVER AWS_SECRET_ACCESS_KEY=server-secret \
    "$YOGI" worker --endpoint "http://127.0.0.1:$SPORT" --activity greet=echo --concurrency 1 \
    --plugins "$PLUGIN_DIR" 2>"$TMP/worker3.log" &
W=$!; PIDS="$PIDS $W"
mkdir -p "$TMP/data/documents"; printf 'original' >"$TMP/data/documents/in.txt"
EX=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"workflow\":\"remote\",\"input\":{\"signed\":true,\"path\":\"$TMP/data/documents/in.txt\"}}" \
    "http://127.0.0.1:$SPORT/v1/executions" | jq -r .id)
i=0; ST=""
while [ $i -lt 100 ]; do
    ST=$(curl -s -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$SPORT/v1/executions/$EX" | jq -r .status)
    [ "$ST" = SUCCEEDED ] && break; sleep 0.1; i=$((i + 1)); done
[ "$ST" = SUCCEEDED ] && ok "libcurl's SigV4 passes yogi serve's verifier end to end" ||
    not_ok "sigv4 end to end" "$ST $(tail -3 "$TMP/worker3.log")"
P=$(curl -s -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$SPORT/v1/executions/$EX" | jq -r .output.path)
[ "$P" = "$TMP/data/documents/in.txt" ] &&
    ok "an input file the output names again keeps the engine's path" || not_ok "input path in output" "$P"
kill -TERM $W; wait $W
AWS_ACCESS_KEY_ID=AKIDSERVER AWS_SECRET_ACCESS_KEY=wrong \
    timeout 10 "$YOGI" worker --endpoint "http://127.0.0.1:$SPORT" --activity greet=echo \
    --plugins "$PLUGIN_DIR" 2>"$TMP/worker4.log"
rc=$?
[ $rc -eq 1 ] && grep -q InvalidSignatureException "$TMP/worker4.log" &&
    ok "a worker with a wrong secret stops with exit 1, naming the error" || not_ok "wrong secret" "rc=$rc $(cat "$TMP/worker4.log")"
kill -TERM $S; wait $S

# ---- bad command lines: named, exit 2 (usage) or 1 (cannot serve) ----------
"$YOGI" worker --activity ocr 2>"$TMP/e1"; rc=$?
[ $rc -eq 2 ] && grep -q -- '--endpoint' "$TMP/e1" && ok "no --endpoint: usage error" || not_ok "no endpoint" "rc=$rc"
"$YOGI" worker --endpoint http://127.0.0.1:1 --activity 'no/such' 2>"$TMP/e2"; rc=$?
[ $rc -eq 2 ] && grep -q 'not an activity name' "$TMP/e2" && ok "a bad activity name: usage error" || not_ok "bad activity" "rc=$rc"
"$YOGI" worker --endpoint http://127.0.0.1:1 --activity ocr=nosuchplugin --plugins "$PLUGIN_DIR" 2>"$TMP/e3"; rc=$?
[ $rc -eq 1 ] && grep -q 'Plugin.NotFound' "$TMP/e3" && ok "a missing plugin: Plugin.NotFound, exit 1" || not_ok "missing plugin" "rc=$rc $(cat "$TMP/e3")"
"$YOGI" worker --endpoint ftp://x --activity echo --plugins "$PLUGIN_DIR" 2>"$TMP/e4"; rc=$?
[ $rc -eq 1 ] && grep -q 'Worker.Endpoint' "$TMP/e4" && ok "a non-HTTP endpoint: Worker.Endpoint" || not_ok "bad endpoint" "rc=$rc $(cat "$TMP/e4")"
done_testing
