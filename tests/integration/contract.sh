#!/bin/sh
# contract.sh — the API says what docs/openapi.yaml says: stopping an ended
# execution is 409, every time is an ISO 8601 string, a document event is
# sent once per change with the record's own "type", `yogi invoke --help`
# is help; and every response of this suite validates against the schemas.
. tests/lib.sh
. tests/serve_lib.sh

need contract curl jq
trap 'serve_stop; rm -rf "$TMP"' EXIT
"$YOGI" invoke --help >"$TMP/help" 2>"$TMP/help.err"
[ $? -eq 0 ] && grep -q '^usage: yogi invoke' "$TMP/help" && [ ! -s "$TMP/help.err" ] &&
    ok "yogi invoke --help prints help and exits 0" || not_ok "invoke --help" "$(cat "$TMP/help.err")"

WF=$TMP/workflows; mkdir -p "$WF"
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n' >"$WF/quick.yaml"
serve_start --workflows "$WF" --workers 1 --upload-workflow quick ||
    { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
iso='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
curl -s -N --max-time 3 -H "Authorization: Bearer $ADMIN" "$BASE/v1/events?types=document" >"$TMP/sse" &
SSE=$!
sleep 0.3
printf '\211PNG\r\n\032\nx' >"$TMP/tt.png"
call "$ADMIN" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"; expect "upload" 202
DOC=$(json .id); EX=$(json .execution_id)
sleep 0.5
call "$ADMIN" POST "/v1/executions/$EX/stop"; expect "stopping an ended execution: 409" 409 .error.code ExecutionNotRunning
call "$ADMIN" GET /v1/workflows
json '.workflows[0].created' | grep -Eq "$iso" && ok "workflow created is ISO 8601" || not_ok "workflow created" "$(json '.workflows[0].created')"
call "$ADMIN" GET /v1/tokens
json '.tokens[0].created' | grep -Eq "$iso" && ok "token created is ISO 8601" || not_ok "token created" "$(json '.tokens[0].created')"
call "$ADMIN" GET "/v1/documents/$DOC"
json .created | grep -Eq "$iso" && json .updated | grep -Eq "$iso" && ok "document times are ISO 8601" || not_ok "document times"
call "$ADMIN" GET "/v1/executions/$EX"
json .started | grep -Eq "$iso" && ok "execution started is ISO 8601" || not_ok "execution started" "$(json .started)"
wait "$SSE"
n=$(grep -c "^data: .*\"id\":\"$DOC\"" "$TMP/sse")
[ "$n" = 1 ] && ok "the upload's document event is sent once" || not_ok "document event once" "$n events: $(cat "$TMP/sse" | head -c 400)"
grep "^data: .*\"id\":\"$DOC\"" "$TMP/sse" | grep -q '"type":null' && ok "the event keeps the record's type (not \"document\")" ||
    not_ok "type untouched" "$(grep "$DOC" "$TMP/sse" | head -c 300)"
serve_stop
contract_check
done_testing
