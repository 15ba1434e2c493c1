# tests/serve_lib.sh — a `yogi serve` on a free loopback port for integration
# scripts (sourced after tests/lib.sh).
#
#   serve_start [serve args...]    start_yogi (tests/lib.sh) with DATA and $TMP/server.log
#   serve_stop                     stop_yogi: SIGTERM, wait; a sanitizer report fails the run
#   call TOKEN METHOD PATH [curl args]   STATUS, body in $TMP/body
#   json JQ-EXPR / expect NAME STATUS [JQ-EXPR EXPECTED] / json_post TOKEN PATH BODY
#   new_token ROLE                 a token made through the API
#   contract_check                 every response recorded by call, against docs/openapi.yaml
PID=""
serve_start() { start_yogi "${DATA:-$TMP/data}" "$TMP/server.log" "$@"; }
serve_stop() { stop_yogi "$TMP/server.log" || :; }
call() {
    tok=$1; m=$2; p=$3; shift 3
    if [ -n "$tok" ]; then set -- -H "Authorization: Bearer $tok" "$@"; fi
    STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" --max-time 10 "$@" "$BASE$p")
    _cn=$((_cn + 1))
    echo "$m ${p%%\?*} $STATUS $_cn" >>"$TMP/contract/index"
    cp "$TMP/body" "$TMP/contract/$_cn" 2>/dev/null || : >"$TMP/contract/$_cn"
}
# Every response so far, against docs/openapi.yaml (tests/tools/openapi_check.py).
mkdir -p "$TMP/contract"; : >"$TMP/contract/index"; _cn=0
contract_check() {
    if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then skip "contract check" "python3-yaml is needed"; return; fi
    if /usr/bin/python3 tests/tools/openapi_check.py docs/openapi.yaml "$TMP/contract" >"$TMP/contract.out"; then
        ok "every response matches docs/openapi.yaml ($(tail -1 "$TMP/contract.out"))"
    else not_ok "every response matches docs/openapi.yaml" "$(head -20 "$TMP/contract.out" | tr '\n' ';')"; fi
}
json() { jq -r "$1" <"$TMP/body" 2>/dev/null; }
expect() {
    name=$1; want=$2
    if [ "$STATUS" != "$want" ]; then not_ok "$name" "HTTP $STATUS, wanted $want: $(head -c 300 "$TMP/body")"; return; fi
    if [ $# -ge 4 ]; then
        got=$(json "$3")
        [ "$got" = "$4" ] || { not_ok "$name" "$3 = '$got', wanted '$4'"; return; }
    fi
    ok "$name"
}
json_post() { call "$1" POST "$2" -H 'Content-Type: application/json' --data-binary "$3"; }
new_token() { json_post "$ADMIN" /v1/tokens "{\"role\":\"$1\",\"label\":\"test\"}"; json .token; }
# wait_for TOKEN PATH JQ-EXPR VALUE [tenths]: GET PATH until JQ-EXPR is VALUE
# (every 0.1 s, 10 s unless told); false when it never is.
wait_for() {
    n=0
    while [ $n -lt "${5:-100}" ]; do
        call "$1" GET "$2"
        [ "$(json "$3")" = "$4" ] && return 0
        sleep 0.1; n=$((n + 1))
    done
    return 1
}
# wait_doc TOKEN ID STATUS [tenths]: until the document has STATUS.
wait_doc() { wait_for "$1" "/v1/documents/$2" .status "$3" "${4:-100}"; }
# wait_task_where TOKEN JQ-CONDITION [tenths]: the token of the first waiting
# task that meets the condition into TASK.
wait_task_where() {
    n=0; TASK=""
    while [ $n -lt "${3:-100}" ]; do
        call "$1" GET /v1/tasks
        TASK=$(json "[.tasks[] | select($2)][0].token // empty")
        [ -n "$TASK" ] && return 0
        sleep 0.1; n=$((n + 1))
    done
    return 1
}
# wait_task_for TOKEN DOC: the waiting task of document DOC into TASK.
wait_task_for() { wait_task_where "$1" ".input.document_id == \"$2\""; }
