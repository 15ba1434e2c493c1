#!/bin/sh
# api.sh — the REST API against a real `yogi serve` on a loopback port.
#
# Every endpoint, auth per role, idempotent start, stop, redrive, the review
# round trip (with a restart of the server while the review waits), live
# events, and bad input answered with a clear 4xx. The workflows are small
# ones written here (Pass, Wait, echo/testkit tasks), including a stand-in
# document_processing that waits for a review and saves what the reviewer
# sent through the documents.save_timetable host call.
. tests/lib.sh
. tests/serve_lib.sh

need api curl jq
DATA=$TMP/data
WF=$TMP/workflows
mkdir -p "$WF"
PID=""
# Stop the server; its log must hold no sanitizer report (as Redis's tests do).
stop_server() {
    if ! stop_yogi "$TMP/server.log" && [ -n "${KEEP_LOGS:-}" ]; then
        cp "$TMP/server.log" "$KEEP_LOGS/server-$(date +%s%N).log"
    fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# ---- workflows --------------------------------------------------------------
cat >"$WF/hello.yaml" <<'Y'
StartAt: Hello
States:
  Hello:
    Type: Pass
    Parameters:
      greeting.$: States.Format('hello {}', $.who)
    End: true
Y
cat >"$WF/waiter.yaml" <<'Y'
StartAt: Wait
States:
  Wait:
    Type: Wait
    Seconds: 600
    End: true
Y
cat >"$WF/failer.yaml" <<'Y'
StartAt: Boom
States:
  Boom:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: fail
    End: true
Y
cat >"$WF/sleeper.yaml" <<'Y'
StartAt: Sleep
States:
  Sleep:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: sleep
      seconds: 2
    End: true
Y
cat >"$WF/document_processing.yaml" <<'Y'
StartAt: MarkReview
States:
  MarkReview:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.update
      args:
        id.$: $.document_id
        status: needs_review
    ResultPath: null
    Next: Review
  Review:
    Type: Task
    Resource: plugin:echo.waitForTaskToken
    Parameters:
      document_id.$: $.document_id
      token.$: $$.Task.Token
      timetable:
        entries:
          - {day: Monday, start: "09:00", end: "10:00", subject: Mathz}
    ResultPath: $.review
    Next: Save
  Save:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.save_timetable
      args:
        id.$: $.document_id
        timetable.$: $.review
        source: reviewed
    ResultPath: null
    Next: Done
  Done:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.update
      args:
        id.$: $.document_id
        status: completed
    End: true
Y

# ---- helpers ----------------------------------------------------------------
start_server() { start_yogi "$DATA" "$TMP/server.log" --workflows "$WF" --workers 2 "$@"; }

# wait_status TOKEN EXECUTION-ID STATUS: poll describe for up to 15 s.
wait_status() { wait_for "$1" "/v1/executions/$2" .status "$3" 150; }
wait_task() { wait_task_where "$1" true 150; } # the first waiting task's token into TASK

# ---- start ------------------------------------------------------------------
if ! start_server; then
    not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1
fi
ok "server starts on a free loopback port"
ADMIN=$(sed -n 's/^yogi: admin token: //p' "$TMP/server.log")
[ -n "$ADMIN" ] && ok "first start prints an admin token" || not_ok "first start prints an admin token"
UPLOADER=$(new_token uploader)
UPLOADER2=$(new_token uploader)
REVIEWER=$(new_token reviewer)
check "POST /v1/tokens (uploader, reviewer)" test -n "$UPLOADER" -a -n "$REVIEWER" -a "$UPLOADER" != null
json_post "$ADMIN" /v1/tokens '{"role":"wizard"}'; expect "POST /v1/tokens refuses an unknown role" 400 .error.code InvalidRole
call "$ADMIN" GET /v1/tokens; expect "GET /v1/tokens lists them, without secrets" 200 '[.tokens[] | has("token") or has("hash")] | any' false
json_post "$UPLOADER" /v1/tokens '{"role":"admin"}'; expect "an uploader may not make tokens: 403" 403
"$YOGI" token create --role admin --data "$DATA" >"$TMP/tok.out" 2>"$TMP/tok.err"
LIVE=$(cat "$TMP/tok.out")
call "$LIVE" GET /v1/whoami
[ "$STATUS" = 200 ] && ok "yogi token create works while the service runs" || not_ok "yogi token while serving" "$(cat "$TMP/tok.err") $STATUS"

# ---- operations -------------------------------------------------------------
call "" GET /healthz; expect "GET /healthz" 200 .status ok
call "" GET /readyz; expect "GET /readyz" 200 .status ready
call "" GET /metrics; expect "GET /metrics needs a token" 401 .error.code Unauthorized
call "$ADMIN" GET /metrics
if [ "$STATUS" = 200 ] && grep -q '^yogi_transitions_total ' "$TMP/body" && grep -q '^# TYPE yogi_executions gauge' "$TMP/body"; then
    ok "GET /metrics in Prometheus text format"; else not_ok "GET /metrics" "$STATUS $(head -c 200 "$TMP/body")"; fi

# ---- auth -------------------------------------------------------------------
call "" GET /v1/documents; expect "no token: 401" 401 .error.code Unauthorized
call "ygt_0000000000000000_$(printf '%064d' 0)" GET /v1/documents; expect "unknown token: 401" 401
call "not-a-token" GET /v1/documents; expect "malformed token: 401" 401
call "$UPLOADER" GET /v1/executions; expect "uploader may not list executions: 403" 403 .error.code Forbidden
call "$REVIEWER" POST /v1/documents -H 'Content-Type: image/png' --data-binary x; expect "reviewer may not upload: 403" 403
call "$UPLOADER" GET /v1/tasks; expect "uploader may not see tasks: 403" 403
call "$REVIEWER" GET /v1/workflows; expect "reviewer may not see workflows: 403" 403
call "$REVIEWER" GET /v1/whoami; expect "GET /v1/whoami names the role" 200 .role reviewer

# ---- workflows --------------------------------------------------------------
call "$ADMIN" GET /v1/workflows; expect "GET /v1/workflows lists the registered ones" 200 \
    '[.workflows[].name] | index("hello") != null' true
call "$ADMIN" GET /v1/workflows/hello; expect "GET /v1/workflows/{name}" 200 .definition.StartAt Hello
V1=$(json .version)
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: 2\n    End: true\n' >"$TMP/v2.yaml"
call "$ADMIN" PUT /v1/workflows/hello -H 'Content-Type: application/yaml' --data-binary @"$TMP/v2.yaml"
expect "PUT /v1/workflows/{name} makes a new version" 200 .version $((V1 + 1))
call "$ADMIN" PUT /v1/workflows/hello -H 'Content-Type: application/yaml' --data-binary @"$TMP/v2.yaml"
expect "PUT of the same text is not a new version" 200 .version $((V1 + 1))
call "$ADMIN" GET "/v1/workflows/hello?version=$V1"; expect "GET ?version= keeps old versions" 200 .definition.StartAt Hello
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: Nowhere\n' >"$TMP/bad.yaml"
call "$ADMIN" PUT /v1/workflows/broken -H 'Content-Type: application/yaml' --data-binary @"$TMP/bad.yaml"
expect "invalid workflow: 400 InvalidDefinition" 400 .error.code InvalidDefinition
json '.error.diagnostics[0]' | grep -q '[0-9]:[0-9]' && ok "diagnostics carry line:column" || not_ok "diagnostics carry line:column" "$(cat "$TMP/body")"
printf 'StartAt: [unclosed\n' >"$TMP/bad2.yaml"
call "$ADMIN" PUT /v1/workflows/broken -H 'Content-Type: application/yaml' --data-binary @"$TMP/bad2.yaml"
expect "unparsable YAML: 400" 400 .error.code InvalidDefinition
call "$ADMIN" PUT /v1/workflows/hello -H 'Content-Type: image/png' --data-binary @"$TMP/v2.yaml"
expect "workflow with a wrong content type: 415" 415 .error.code UnsupportedMediaType
call "$ADMIN" GET /v1/workflows/..%2f..%2fetc; expect "path traversal in a workflow name: 400" 400 .error.code InvalidName
call "$ADMIN" GET /v1/workflows/nope; expect "unknown workflow: 404" 404
# Restore v1 semantics for the executions below.
call "$ADMIN" PUT /v1/workflows/hello -H 'Content-Type: application/yaml' --data-binary @"$WF/hello.yaml"

# ---- executions -------------------------------------------------------------
json_post "$ADMIN" /v1/executions '{"workflow":"hello","name":"run-1","input":{"who":"Ana"}}'
expect "POST /v1/executions" 201
EX1=$(json .id)
json_post "$ADMIN" /v1/executions '{"workflow":"hello","name":"run-1","input":{"who":"Ana"}}'
[ "$(json .id)" = "$EX1" ] && ok "start is idempotent by name" || not_ok "start is idempotent by name" "$(cat "$TMP/body")"
json_post "$ADMIN" /v1/executions '{"workflow":"hello","name":"run-1","input":{"who":"Bob"}}'
expect "same name, other input: 409" 409 .error.code ExecutionAlreadyExists
wait_status "$ADMIN" "$EX1" SUCCEEDED && ok "execution succeeds" || not_ok "execution succeeds" "$(cat "$TMP/body")"
call "$ADMIN" GET "/v1/executions/$EX1"; expect "GET /v1/executions/{id} has the output" 200 .output.greeting "hello Ana"
call "$ADMIN" GET "/v1/executions/$EX1/history?limit=2"; expect "GET history is paged" 200 '.events | length' 2
call "$ADMIN" GET "/v1/executions?status=SUCCEEDED&workflow=hello"
expect "GET /v1/executions filters" 200 "[.executions[].id] | index(\"$EX1\") != null" true
call "$ADMIN" GET "/v1/executions?status=BOGUS"; expect "bad status filter: 400" 400
json_post "$ADMIN" /v1/executions '{"workflow":"nope"}'; expect "unknown workflow: 404" 404 .error.code StateMachineDoesNotExist
json_post "$ADMIN" /v1/executions '{"workflow":"../etc/passwd"}'; expect "traversal in a workflow name: 400" 400 .error.code InvalidName
json_post "$ADMIN" /v1/executions '{"workflow":'; expect "malformed JSON: 400" 400 .error.code InvalidJson
call "$ADMIN" POST /v1/executions -H 'Content-Type: text/plain' --data-binary '{"workflow":"hello"}'
expect "JSON with a wrong content type: 415" 415
call "$ADMIN" GET /v1/executions/does-not-exist; expect "unknown execution: 404" 404 .error.code ExecutionDoesNotExist
call "$ADMIN" GET "/v1/executions/..%2F..%2Fyogi.db"; expect "path traversal in an execution id: 400" 400 .error.code InvalidName
call "$ADMIN" DELETE "/v1/executions/$EX1"; expect "wrong method: 405" 405 .error.code MethodNotAllowed

json_post "$ADMIN" /v1/executions '{"workflow":"waiter"}'; WAIT_EX=$(json .id)
json_post "$ADMIN" "/v1/executions/$WAIT_EX/stop" '{"error":"Test.Stop","cause":"enough"}'
expect "POST stop" 200 .status ABORTED
json_post "$ADMIN" /v1/executions '{"workflow":"failer"}'; FAIL_EX=$(json .id)
wait_status "$ADMIN" "$FAIL_EX" FAILED && ok "failing execution fails" || not_ok "failing execution fails"
call "$ADMIN" POST "/v1/executions/$FAIL_EX/redrive"; expect "POST redrive" 200
wait_status "$ADMIN" "$FAIL_EX" FAILED
expect "redriven execution ran again" 200 .redrive_count 1
call "$ADMIN" POST "/v1/executions/$EX1/redrive"; expect "redrive of a succeeded execution: 409" 409
call "$ADMIN" GET "/v1/executions?limit=1"; FIRST=$(json '.executions[0].id'); CURSOR=$(json '.next')
call "$ADMIN" GET "/v1/executions?limit=1&cursor=$CURSOR"
[ "$CURSOR" != null ] && [ "$(json '.executions[0].id')" != "$FIRST" ] &&
    ok "GET /v1/executions pages with next" || not_ok "executions paging" "$FIRST $CURSOR $(cat "$TMP/body")"

# ---- documents --------------------------------------------------------------
printf '\211PNG\r\n\032\nnot really an image, the test workflow never looks' >"$TMP/tt.png"
call "$UPLOADER" POST /v1/documents -F "file=@$TMP/tt.png;type=image/png"
expect "POST /v1/documents (multipart): 202" 202 .status processing
DOC=$(json .id)
call "$UPLOADER" GET "/v1/documents/$DOC"; expect "GET /v1/documents/{id} (owner)" 200 .filename tt.png
call "$UPLOADER2" GET "/v1/documents/$DOC"; expect "another uploader gets 404" 404
call "$UPLOADER2" GET /v1/documents; expect "another uploader's list is empty" 200 '.documents | length' 0
call "$UPLOADER" GET "/v1/documents/$DOC/file"
cmp -s "$TMP/tt.png" "$TMP/body" && ok "GET /v1/documents/{id}/file returns the original" || not_ok "file round trip"
call "$UPLOADER" GET "/v1/documents/$DOC/timetable"; expect "no timetable yet: 404" 404 .error.code TimetableNotReady
call "$UPLOADER" POST "/v1/documents?filename=raw.jpg" -H 'Content-Type: image/jpeg' --data-binary @"$TMP/tt.png"
expect "POST /v1/documents (raw body): 202" 202
call "$UPLOADER" POST "/v1/documents?filename=..%2F..%2Fetc%2Fpasswd" -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
call "$UPLOADER" GET "/v1/documents/$(json .id)"; expect "a file name with a path keeps its last component only" 200 .filename passwd
call "$UPLOADER" POST /v1/documents -H 'Content-Type: text/plain' --data-binary 'hello'
expect "upload of text/plain: 415" 415 .error.code UnsupportedMediaType
call "$UPLOADER" POST /v1/documents -F "file=@$TMP/tt.png;type=text/html"
expect "multipart part of text/html: 415" 415
printf -- '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\ntruncated' >"$TMP/bad.mp"
call "$UPLOADER" POST /v1/documents -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary @"$TMP/bad.mp"
expect "malformed multipart: 400" 400 .error.code MalformedMultipart
call "$UPLOADER" POST /v1/documents -H 'Content-Type: multipart/form-data' --data-binary @"$TMP/bad.mp"
expect "multipart without a boundary: 400" 400 .error.code MalformedMultipart
call "$UPLOADER" POST /v1/documents -H 'Content-Type: image/png' --data-binary ''
expect "empty upload: 400" 400
call "$UPLOADER" GET "/v1/documents/..%2F..%2F..%2Fetc%2Fpasswd/file"; expect "path traversal in a document id: 400" 400
call "$UPLOADER" GET "/v1/documents/%00x"; expect "NUL in an id: 400" 400
head -c 20000 /dev/zero | tr '\0' a >"$TMP/bighdr"
call "$UPLOADER" GET /v1/documents -H "X-Big: $(cat "$TMP/bighdr")"
case "$STATUS" in 4*) ok "oversized headers: $STATUS" ;; *) not_ok "oversized headers" "HTTP $STATUS" ;; esac
head -c $((26 * 1024 * 1024)) /dev/zero >"$TMP/huge.png"
call "$UPLOADER" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/huge.png"
expect "body over the 25 MB default: 413" 413
call "$ADMIN" GET "/v1/documents?limit=0"; expect "bad limit: 400" 400
call "$UPLOADER" GET "/v1/documents?limit=1"; FIRST=$(json '.documents[0].id'); CURSOR=$(json '.next')
call "$UPLOADER" GET "/v1/documents?limit=1&cursor=$CURSOR"
[ "$CURSOR" != null ] && [ -n "$(json '.documents[0].id')" ] && [ "$(json '.documents[0].id')" != "$FIRST" ] &&
    ok "GET /v1/documents pages with next" || not_ok "documents paging" "$FIRST $CURSOR $(cat "$TMP/body")"
call "$UPLOADER" GET "/v1/documents/$DOC"; ST=$(json .status)
call "$UPLOADER" GET "/v1/documents?status=$ST"; expect "GET /v1/documents?status= filters" 200 \
    "[.documents[].status] | unique | join(\",\")" "$ST"

# ---- live events ------------------------------------------------------------
curl -s -N --max-time 4 -H "Authorization: Bearer $ADMIN" "$BASE/v1/events?types=execution&workflow=hello" >"$TMP/sse" &
SSE=$!
sleep 0.5
json_post "$ADMIN" /v1/executions '{"workflow":"hello","input":{"who":"SSE"}}'
wait "$SSE"
grep -q '^event: execution' "$TMP/sse" && grep -q '"status":"SUCCEEDED"' "$TMP/sse" &&
    ok "GET /v1/events streams execution events" || not_ok "SSE" "$(head -c 300 "$TMP/sse")"
curl -s -N --max-time 3 -H "Authorization: Bearer $UPLOADER2" "$BASE/v1/events" >"$TMP/sse2" &
SSE=$!
sleep 0.5
call "$UPLOADER" POST /v1/documents -F "file=@$TMP/tt.png;type=image/png"
wait "$SSE"
! grep -q '^event: ' "$TMP/sse2" && ok "an uploader's stream does not show others' documents" ||
    not_ok "uploader isolation in events" "$(head -c 300 "$TMP/sse2")"

# ---- review round trip, across a restart -----------------------------------
wait_task "$REVIEWER" && ok "GET /v1/tasks shows the waiting review" || not_ok "review task appears" "$(cat "$TMP/body")"
call "$REVIEWER" GET /v1/documents; expect "reviewer lists the review queue" 200 '.documents[0].status' needs_review
stop_server
ok "server stops on SIGTERM"
# With the service stopped, the command line manages tokens.
"$YOGI" token create --role wizard --data "$DATA" >/dev/null 2>&1
[ $? -eq 2 ] && ok "yogi token create refuses an unknown role" || not_ok "unknown role refused"
REVIEWER2=$("$YOGI" token create --role reviewer --label "second" --data "$DATA" 2>/dev/null)
check "yogi token create" test -n "$REVIEWER2"
RID2=$(printf '%s' "$REVIEWER2" | cut -d_ -f2)
"$YOGI" token list --data "$DATA" | grep "$RID2" | grep -q second && ok "yogi token list" || not_ok "yogi token list"
"$YOGI" token revoke "$RID2" --data "$DATA" 2>/dev/null && ok "yogi token revoke" || not_ok "yogi token revoke"
# A file left by a crash between its fsync and its row's commit.
ORPHAN="$DATA/documents/ab/ab$(printf '%030d' 7)"
mkdir -p "$(dirname "$ORPHAN")" && echo orphan >"$ORPHAN"
start_server || not_ok "server restarts" "$(tail -5 "$TMP/server.log")"
[ ! -e "$ORPHAN" ] && ok "files that no row names are swept at start" || not_ok "orphan sweep" "$(ls "$(dirname "$ORPHAN")")"
call "$UPLOADER" GET "/v1/documents/$DOC/file"
cmp -s "$TMP/tt.png" "$TMP/body" && ok "stored documents survive the sweep" || not_ok "documents survive the sweep"
grep -q 'admin token' "$TMP/server.log" && not_ok "no new admin token after the first start" || ok "no new admin token after the first start"
call "$REVIEWER" GET /v1/tasks
RTASK=$(json "[.tasks[] | select(.input.document_id == \"$DOC\")][0].token")
[ -n "$RTASK" ] && [ "$RTASK" != null ] && ok "the review survives a restart" || not_ok "review survives restart" "$(cat "$TMP/body")"
call "$REVIEWER" POST "/v1/tasks/$RTASK/heartbeat"; expect "POST heartbeat" 200
json_post "$REVIEWER" "/v1/tasks/$RTASK/success" \
    '{"output":{"confidence":1,"entries":[{"day":"Monday","start":"09:00","end":"10:00","subject":"Maths"}]}}'
expect "POST success with the corrected timetable" 200
json_post "$REVIEWER" "/v1/tasks/$RTASK/success" '{"output":{}}'
expect "reused task token: 404" 404 .error.code TaskDoesNotExist
json_post "$REVIEWER" /v1/tasks/no-such-token/failure '{"error":"X"}'; expect "unknown task token: 404" 404
json_post "$REVIEWER" "/v1/tasks/$RTASK/success" '{"nooutput":1}'; expect "success without output: 400" 400
n=0; while [ $n -lt 100 ]; do
    call "$UPLOADER" GET "/v1/documents/$DOC"; [ "$(json .status)" = completed ] && break; sleep 0.1; n=$((n + 1)); done
[ "$(json .status)" = completed ] || { call "$ADMIN" GET "/v1/executions/$(json .execution_id)/history"; jq -c ".events[] | [.type,.state,.details]" "$TMP/body"; }
expect "the document completes after the review" 200 .status completed
call "$UPLOADER" GET "/v1/documents/$DOC/timetable"; expect "the corrected timetable is saved" 200 '.entries[0].subject' Maths
call "$UPLOADER" GET "/v1/documents/$DOC/timetable?format=ics&from=2026-11-30"
if [ "$STATUS" = 200 ] && grep -q 'DTSTART:20261130T090000' "$TMP/body" && grep -q 'RRULE:FREQ=WEEKLY' "$TMP/body"; then
    ok "timetable as iCalendar"; else not_ok "ics" "$STATUS $(head -c 200 "$TMP/body")"; fi
call "$UPLOADER" GET "/v1/documents/$DOC/timetable?format=csv"
grep -q '^Monday,09:00,10:00,Maths' "$TMP/body" && ok "timetable as CSV" || not_ok "csv" "$(cat "$TMP/body")"
call "$UPLOADER" GET "/v1/documents/$DOC/timetable?format=xml"; expect "unknown format: 400" 400
# Reject: the next review fails its execution and the document with it.
wait_task "$ADMIN"
json_post "$REVIEWER" "/v1/tasks/$TASK/failure" '{"error":"Review.Rejected","cause":"not a timetable"}'
expect "POST failure (reject)" 200

# ---- tokens -----------------------------------------------------------------
call "$REVIEWER2" GET /v1/tasks; expect "a token revoked with yogi token is refused" 401
RID=$(printf '%s' "$UPLOADER2" | cut -d_ -f2)
call "$ADMIN" DELETE "/v1/tokens/$RID"; expect "DELETE /v1/tokens/{id}" 200 .revoked true
call "$UPLOADER2" GET /v1/documents; expect "a revoked token is refused at once" 401
call "$ADMIN" DELETE "/v1/tokens/$RID"; expect "revoking twice: 404" 404 .error.code TokenDoesNotExist
AID=$(printf '%s' "$ADMIN" | cut -d_ -f2)
call "$ADMIN" DELETE "/v1/tokens/$AID"; expect "a token cannot revoke itself: 409" 409

# ---- backup -----------------------------------------------------------------
call "$ADMIN" POST /v1/backup; expect "POST /v1/backup" 201
BK=$(json .path)
case "$BK" in "$DATA"/backups/yogi-*.db) ok "the backup is written under DATA/backups" ;; *) not_ok "backup path" "$BK" ;; esac
[ "$(head -c 15 "$BK" 2>/dev/null)" = "SQLite format 3" ] && ok "the backup is a database" || not_ok "backup file" "$BK"
call "$UPLOADER" POST /v1/backup; expect "an uploader may not take backups: 403" 403

# ---- the web app ------------------------------------------------------------
call "" GET /; expect "GET / serves the web app" 200
grep -q '<script src="/app.js"' "$TMP/body" && ok "index.html loads app.js" || not_ok "index.html"
call "" GET /app.js; expect "GET /app.js" 200

# ---- limits and refusals ----------------------------------------------------
stop_server
start_server --rate-limit 5 --max-upload-mb 1 || not_ok "server restarts with limits"
codes=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do call "" GET /healthz; codes="$codes $STATUS"; done
case "$codes" in *429*) ok "over the rate limit: 429" ;; *) not_ok "rate limit" "$codes" ;; esac
sleep 1.2
head -c $((2 * 1024 * 1024)) /dev/zero >"$TMP/2mb.png"
call "$UPLOADER" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/2mb.png"
expect "body over a configured 1 MB limit: 413" 413
stop_server
# One worker busy and one task queued behind it: the next upload is refused.
start_server --workers 1 --max-pending 1 --upload-workflow sleeper || not_ok "server restarts with a backlog limit"
codes=""
for i in 1 2 3; do
    call "$UPLOADER" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
    codes="$codes $STATUS"; sleep 0.3
done
[ "$codes" = " 202 202 429" ] && ok "uploads beyond the processing backlog: 429" || not_ok "backlog limit" "$codes"
"$YOGI" serve --data "$DATA" --workers x >/dev/null 2>"$TMP/usage"
[ $? -eq 2 ] && grep -q -- "--workers wants a number" "$TMP/usage" && ok "a bad number is a usage error" || not_ok "usage error" "$(cat "$TMP/usage")"
stop_server
start_server --max-connections 2 --access-log || not_ok "server restarts with a connection limit"
curl -s -N --max-time 10 -H "Authorization: Bearer $ADMIN" "$BASE/v1/events" >/dev/null & S1=$!
curl -s -N --max-time 10 -H "Authorization: Bearer $ADMIN" "$BASE/v1/events" >/dev/null & S2=$!
sleep 0.5
call "" GET /healthz; expect "a connection over --max-connections: 503" 503 .error.code ServiceUnavailable
kill "$S1" "$S2" 2>/dev/null; wait "$S1" "$S2" 2>/dev/null
sleep 0.3
call "" GET /healthz; expect "closed connections free their slots" 200
grep -q '^yogi: 127.0.0.1 GET /healthz 200 [0-9.]*ms -$' "$TMP/server.log" && ok "--access-log writes one line per request" ||
    not_ok "access log" "$(tail -3 "$TMP/server.log")"
stop_server
start_server --no-auth || not_ok "server restarts without auth"
call "" GET /v1/workflows; expect "no auth on loopback: every caller is admin" 200
call "" GET /v1/workflows -H "Host: attacker.example:$PORT"
expect "no auth: a foreign Host (DNS rebinding) is refused" 403 .error.code HostNotAllowed
stop_server
"$YOGI" serve --data "$DATA" --no-auth --listen 0.0.0.0:0 >"$TMP/refuse.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q refusing "$TMP/refuse.log" && ok "no auth on a non-loopback address is refused" ||
    not_ok "non-loopback without auth" "rc=$rc $(cat "$TMP/refuse.log")"

# ---- the contract: every response above, against docs/openapi.yaml ------------
contract_check
done_testing
