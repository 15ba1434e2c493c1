#!/bin/sh
# activities_api.sh — the Step Functions Activity endpoint of `yogi serve`
# (POST /, api/routes_activities.c) spoken by curl, with auth on:
# GetActivityTask long poll (empty answer, and woken by a new task), the
# worker name in the history, SendTaskSuccess / Heartbeat / Failure, AWS
# error shapes (TaskDoesNotExist, InvalidToken, InvalidOutput, InvalidArn,
# UnknownOperationException, SerializationException), the worker role
# (may poll, may not list documents), uploader tokens refused, SigV4 signed
# by curl (--aws-sigv4) accepted with the server's key pair and refused
# with another secret, and files fetched and stored by task token.
. tests/lib.sh

need activities_api curl jq
DATA=$TMP/data
WF=$TMP/workflows
mkdir -p "$WF"
PID=""
trap 'stop_yogi "$TMP/server.log"; rm -rf "$TMP"' EXIT

cat >"$WF/remote.yaml" <<'Y'
StartAt: Work
States:
  Work:
    Type: Task
    Resource: arn:aws:states:us-east-1:123456789012:activity:echo
    HeartbeatSeconds: 30
    ResultPath: $.result
    End: true
Y

export YOGI_AWS_ACCESS_KEY_ID=AKIDYOGITEST YOGI_AWS_SECRET_ACCESS_KEY=test-secret-key
start_yogi "$DATA" "$TMP/server.log" --workflows "$WF" --activity-poll 2
[ -n "$PORT" ] && [ -n "$ADMIN" ] && ok "server up with auth" || { not_ok "server up" "$(cat "$TMP/server.log")"; done_testing; exit 1; }
WORKER=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"role":"worker","label":"it"}' "$BASE/v1/tokens" | jq -r .token)
UPLOADER=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"role":"uploader"}' "$BASE/v1/tokens" | jq -r .token)
case "$WORKER" in ygt_*) ok "a worker token is created" ;; *) not_ok "a worker token is created" "$WORKER" ;; esac

# amz TOKEN TARGET BODY [curl args]: status in STATUS, body in $TMP/body
amz() {
    tok=$1; target=$2; body=$3; shift 3
    [ -n "$tok" ] && set -- -H "Authorization: Bearer $tok" "$@"
    STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 70 -X POST \
        -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: AWSStepFunctions.$target" \
        -d "$body" "$@" "$BASE/")
}
type_of() { jq -r '.__type // empty' "$TMP/body" | sed 's/.*#//'; }
ARN=arn:aws:states:us-east-1:123456789012:activity:echo

amz "$WORKER" GetActivityTask "{\"activityArn\":\"$ARN\",\"workerName\":\"w-idle\"}"
[ "$STATUS" = 200 ] && [ "$(jq -r '.taskToken // "none"' "$TMP/body")" = none ] &&
    ok "an idle poll ends empty after --activity-poll" || not_ok "idle poll" "$STATUS $(cat "$TMP/body")"

# A parked poll is woken by a new task.
( amz "$WORKER" GetActivityTask "{\"activityArn\":\"$ARN\",\"workerName\":\"w-one\"}"
  cp "$TMP/body" "$TMP/task.json" ) &
POLL=$!
sleep 0.5
mkdir -p "$DATA/documents"
printf 'page bytes' >"$DATA/documents/in.txt"
EX=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"workflow\":\"remote\",\"input\":{\"path\":\"$DATA/documents/in.txt\"}}" "$BASE/v1/executions" | jq -r .id)
wait $POLL
TOKEN=$(jq -r '.taskToken // empty' "$TMP/task.json")
[ -n "$TOKEN" ] && ok "a parked poll gets the new task" || not_ok "parked poll" "$(cat "$TMP/task.json")"
[ "$(jq -r '.input | fromjson | .path' "$TMP/task.json")" = "$DATA/documents/in.txt" ] &&
    ok "input is JSON text" || not_ok "input is JSON text" "$(cat "$TMP/task.json")"
SHA=$(jq -r '.yogiFiles[0].sha256' "$TMP/task.json")
[ "$(jq -r .yogiHeartbeatSeconds "$TMP/task.json")" = 30 ] && ok "the task says its HeartbeatSeconds" ||
    not_ok "yogiHeartbeatSeconds" "$(cat "$TMP/task.json")"
[ "$SHA" = "$(printf 'page bytes' | sha256sum | cut -d' ' -f1)" ] &&
    ok "the input's file is listed by SHA-256" || not_ok "yogiFiles" "$(cat "$TMP/task.json")"

# Files by task token.
[ "$(curl -s -H "X-Yogi-Task-Token: $TOKEN" "$BASE/v1/activity/blobs/$SHA")" = "page bytes" ] &&
    ok "the file is fetched with the task token" || not_ok "blob fetch"
S=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/activity/blobs/$SHA")
[ "$S" = 401 ] && ok "no task token: 401" || not_ok "no task token" "$S"
OUT_SHA=$(printf 'result bytes' | sha256sum | cut -d' ' -f1)
STORED=$(curl -s -X PUT -H "X-Yogi-Task-Token: $TOKEN" --data-binary 'result bytes' \
    "$BASE/v1/activity/blobs/$OUT_SHA?name=out.txt" | jq -r .path)
[ -f "$STORED" ] && [ "$(cat "$STORED")" = "result bytes" ] && ok "an output is stored by hash" ||
    not_ok "blob store" "$STORED"
S=$(curl -s -o "$TMP/body" -w '%{http_code}' -X PUT -H "X-Yogi-Task-Token: $TOKEN" \
    --data-binary 'other bytes' "$BASE/v1/activity/blobs/$OUT_SHA?name=out.txt")
[ "$S" = 400 ] && [ "$(jq -r .error.code "$TMP/body")" = DigestMismatch ] &&
    ok "a body that does not hash to its name: DigestMismatch" || not_ok "digest mismatch" "$S"

amz "$WORKER" SendTaskHeartbeat "{\"taskToken\":\"$TOKEN\"}"
[ "$STATUS" = 200 ] && ok "SendTaskHeartbeat" || not_ok "SendTaskHeartbeat" "$STATUS $(cat "$TMP/body")"
amz "$WORKER" SendTaskSuccess "{\"taskToken\":\"$TOKEN\",\"output\":\"not json\"}"
[ "$STATUS" = 400 ] && [ "$(type_of)" = InvalidOutput ] && ok "output that is not JSON: InvalidOutput" ||
    not_ok "InvalidOutput" "$STATUS $(cat "$TMP/body")"
amz "$WORKER" SendTaskSuccess "{\"taskToken\":\"$TOKEN\",\"output\":\"{\\\"n\\\":7}\"}"
[ "$STATUS" = 200 ] && ok "SendTaskSuccess" || not_ok "SendTaskSuccess" "$STATUS $(cat "$TMP/body")"
amz "$WORKER" SendTaskSuccess "{\"taskToken\":\"$TOKEN\",\"output\":\"{}\"}"
[ "$STATUS" = 400 ] && [ "$(type_of)" = TaskDoesNotExist ] &&
    jq -e '.message | length > 0' "$TMP/body" >/dev/null &&
    ok "a second answer: TaskDoesNotExist in AWS's shape" || not_ok "second answer" "$STATUS $(cat "$TMP/body")"
sleep 0.3
H=$(curl -s -H "Authorization: Bearer $ADMIN" "$BASE/v1/executions/$EX/history")
[ "$(echo "$H" | jq -r '[.events[] | select(.type == "ActivityStarted")][0].details.workerName')" = w-one ] &&
    ok "the worker's name is in the history" || not_ok "workerName in history" "$H"
[ "$(curl -s -H "Authorization: Bearer $ADMIN" "$BASE/v1/executions/$EX" | jq -c .output.result)" = '{"n":7}' ] &&
    ok "the execution has the worker's output" || not_ok "execution output"

# Bad requests, in AWS's shapes.
amz "$WORKER" SendTaskFailure '{}'
[ "$STATUS" = 400 ] && [ "$(type_of)" = InvalidToken ] && ok "no taskToken: InvalidToken" || not_ok "InvalidToken" "$STATUS"
amz "$WORKER" GetActivityTask '{"activityArn":"arn:aws:lambda:us-east-1:1:function:x"}'
[ "$STATUS" = 400 ] && [ "$(type_of)" = InvalidArn ] && ok "not an activity ARN: InvalidArn" || not_ok "InvalidArn" "$STATUS"
amz "$WORKER" StartExecution '{}'
[ "$STATUS" = 400 ] && [ "$(type_of)" = UnknownOperationException ] && ok "another operation: UnknownOperationException" ||
    not_ok "UnknownOperation" "$STATUS"
amz "$WORKER" GetActivityTask 'not json'
[ "$STATUS" = 400 ] && [ "$(type_of)" = SerializationException ] && ok "a body that is not JSON: SerializationException" ||
    not_ok "SerializationException" "$STATUS"
S=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $WORKER" \
    -H 'Content-Type: application/json' -H 'X-Amz-Target: AWSStepFunctions.GetActivityTask' -d '{}' "$BASE/")
[ "$S" = 400 ] && [ "$(type_of)" = SerializationException ] && ok "application/json refused" || not_ok "content type" "$S"

# Who may call.
amz "" GetActivityTask "{\"activityArn\":\"$ARN\"}"
[ "$STATUS" = 403 ] && [ "$(type_of)" = MissingAuthenticationTokenException ] && ok "no credentials: 403" ||
    not_ok "no credentials" "$STATUS"
amz "$UPLOADER" GetActivityTask "{\"activityArn\":\"$ARN\"}"
[ "$STATUS" = 400 ] && [ "$(type_of)" = AccessDeniedException ] && ok "an uploader token may not poll" ||
    not_ok "uploader refused" "$STATUS $(cat "$TMP/body")"
S=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WORKER" "$BASE/v1/documents")
[ "$S" = 403 ] && ok "a worker token may not list documents" || not_ok "worker limited" "$S"
S=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $WORKER" "$BASE/v1/whoami")
[ "$S" = 200 ] && [ "$(jq -r .role "$TMP/body")" = worker ] && ok "whoami says worker" || not_ok "whoami" "$S"

# SigV4, signed by curl as an AWS SDK would sign.
sig() {
    STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 10 -X POST \
        --aws-sigv4 "aws:amz:us-east-1:states" --user "$1" \
        -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: AWSStepFunctions.SendTaskHeartbeat' \
        -d '{"taskToken":"nope.1.00"}' "$BASE/")
}
sig "AKIDYOGITEST:test-secret-key"
[ "$STATUS" = 400 ] && [ "$(type_of)" = TaskDoesNotExist ] && ok "a SigV4-signed request is accepted" ||
    not_ok "SigV4 accepted" "$STATUS $(cat "$TMP/body")"
sig "AKIDYOGITEST:wrong-secret"
[ "$STATUS" = 403 ] && [ "$(type_of)" = InvalidSignatureException ] && ok "a wrong secret: InvalidSignatureException" ||
    not_ok "SigV4 wrong secret" "$STATUS $(cat "$TMP/body")"
sig "AKIDOTHER:test-secret-key"
[ "$STATUS" = 403 ] && [ "$(type_of)" = UnrecognizedClient ] && ok "an unknown key: UnrecognizedClient" ||
    not_ok "SigV4 unknown key" "$STATUS $(cat "$TMP/body")"

# A task waiting for a worker shows in /metrics.
curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"workflow":"remote","input":{}}' "$BASE/v1/executions" >/dev/null
curl -s -H "Authorization: Bearer $ADMIN" "$BASE/metrics" | grep -qx 'yogi_activity_tasks_queued{activity="echo"} 1' &&
    ok "/metrics counts the queued activity task" || not_ok "activity metric"
S=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$BASE/v1/activities")
[ "$S" = 200 ] && jq -e '.workers | map(.name) | index("w-one") != null' "$TMP/body" >/dev/null &&
    ok "GET /v1/activities lists the workers seen" || not_ok "activities list" "$S $(cat "$TMP/body")"
stop_yogi "$TMP/server.log"
done_testing
