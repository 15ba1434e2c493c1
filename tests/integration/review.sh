#!/bin/sh
# review.sh — the review round trip of the real workflows/document_processing.yaml.
#
# The workflow is used as written, except that it starts with a Choice and
# a Pass state that put a draft timetable in place and go to HumanReview (reading a
# photo is the pipeline suites' business). Asserts what a user would check:
# one Reject ends the document "rejected" (and is not retried), a redrive of
# it is refused with 409, a malformed correction is answered 422 with its
# field errors while the review goes on waiting, and a good correction
# completes the document with exactly that timetable.
. tests/lib.sh
. tests/serve_lib.sh

need review curl jq
trap 'serve_stop; rm -rf "$TMP"' EXIT
WF=$TMP/workflows
mkdir -p "$WF"
sed 's/^StartAt: ClassifyDocument$/StartAt: SkipReading/' workflows/document_processing.yaml \
    >"$WF/document_processing.yaml"
# (the Choice keeps every original state reachable, as the validator wants)
cat >>"$WF/document_processing.yaml" <<'Y'

  SkipReading:
    Type: Choice
    Choices:
      - Variable: $.document.id
        IsPresent: true
        Next: InjectDraft
    Default: ClassifyDocument

  InjectDraft:
    Type: Pass
    Result:
      confidence: 0.5
      entries:
        - {day: Monday, start: "09:00", end: "10:00", subject: Mathz}
    ResultPath: $.timetable
    Next: InjectReview

  # What the gate leaves for the reviewer (the extractor's draft, no model).
  InjectReview:
    Type: Pass
    Result:
      source: extractor
      reason: null
      notice: null
      extractor_draft:
        confidence: 0.5
        entries:
          - {day: Monday, start: "09:00", end: "10:00", subject: Mathz}
    ResultPath: $.review
    Next: HumanReview
Y
grep -q '^StartAt: SkipReading' "$WF/document_processing.yaml" || { not_ok "derive the workflow"; done_testing; exit 1; }

serve_start --workflows "$WF" --workers 2 || { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
UP=$(new_token uploader); REV=$(new_token reviewer)
curl -s -N --max-time 8 -H "Authorization: Bearer $REV" "$BASE/v1/events?types=document" >"$TMP/rev.sse" &
SSE=$!
printf '\211PNG\r\n\032\nthe draft is injected, this is never read' >"$TMP/tt.png"

# ---- one Reject is final ------------------------------------------------------
call "$UP" POST /v1/documents -F "file=@$TMP/tt.png;type=image/png"; expect "upload" 202
A=$(json .id); AEXEC=$(json .execution_id)
wait_task_for "$REV" "$A" && ok "the review waits" || not_ok "review task" "$(cat "$TMP/body")"
json_post "$REV" "/v1/tasks/$TASK/failure" '{"error":"Review.Rejected","cause":"not a timetable"}'
expect "POST failure (reject)" 200
wait_doc "$UP" "$A" rejected 50 && ok "one Reject ends the document rejected" ||
    not_ok "document rejected" "$(cat "$TMP/body")"
expect "its error is Review.Rejected" 200 .error Review.Rejected
sleep 2.5 # the old transient retrier brought the review back after 1 s
call "$REV" GET /v1/tasks
[ "$(json "[.tasks[] | select(.input.document_id == \"$A\")] | length")" = 0 ] &&
    ok "the rejected review is not retried" || not_ok "no retry of a reject" "$(cat "$TMP/body")"
call "$UP" GET "/v1/documents/$A"; expect "the document stays rejected" 200 .status rejected
call "$ADMIN" GET "/v1/executions/$AEXEC"; expect "its execution failed with Review.Rejected" 200 .error Review.Rejected
call "$ADMIN" GET "/v1/executions/$AEXEC/history"
[ "$(json '[.events[] | select(.type == "TaskScheduled" and .state == "HumanReview")] | length')" = 1 ] &&
    ok "HumanReview ran once" || not_ok "HumanReview ran once" "$(jq -c '[.events[] | [.type, .state]]' "$TMP/body" | head -c 400)"
call "$ADMIN" POST "/v1/executions/$AEXEC/redrive"
expect "redrive of a rejected document: 409" 409 .error.code ExecutionNotRedrivable
call "$UP" GET "/v1/documents/$A"; expect "the refused redrive changes nothing" 200 .status rejected

# ---- a correction is validated when it is posted -----------------------------
call "$UP" POST /v1/documents -F "file=@$TMP/tt.png;type=image/png"; expect "second upload" 202
B=$(json .id)
wait_task_for "$REV" "$B" && ok "the second review waits" || not_ok "second review task"
json_post "$REV" "/v1/tasks/$TASK/success" \
    '{"output":{"confidence":1,"entries":[{"day":"Funday","start":"25:00","end":"10:00","subject":"Maths"}]}}'
expect "a correction with day Funday and start 25:00: 422" 422 .error.code Timetable.Invalid
[ "$(json '[.error.fields[].field] | sort | join(",")')" = "entries[0].day,entries[0].start" ] &&
    ok "the 422 names each bad field" || not_ok "field errors" "$(cat "$TMP/body")"
call "$UP" GET "/v1/documents/$B"; expect "nothing changes: still needs_review" 200 .status needs_review
call "$REV" GET /v1/tasks
[ "$(json "[.tasks[] | select(.token == \"$TASK\")] | length")" = 1 ] &&
    ok "the review still waits on the same token" || not_ok "review still waits" "$(cat "$TMP/body")"
json_post "$REV" "/v1/tasks/$TASK/success" '{"output":{"confidence":1,"entries":"none"}}'
expect "entries that are not an array: 422" 422 .error.fields[0].field entries
json_post "$REV" "/v1/tasks/$TASK/success" \
    '{"output":{"confidence":1,"entries":[{"day":"Tuesday","start":"08:30","end":"09:15","subject":"Maths","room":"B2"}]}}'
expect "a good correction: 200" 200 .accepted true
wait_doc "$UP" "$B" completed 100 && ok "the corrected document completes" ||
    not_ok "document completes" "$(cat "$TMP/body")"
expect "it was reviewed" 200 .route review
call "$UP" GET "/v1/documents/$B/timetable"
expect "the saved timetable is the correction" 200 '.entries[0] | [.day,.start,.subject,.room] | join(" ")' "Tuesday 08:30 Maths B2"

wait "$SSE"
grep -q "\"id\":\"$A\".*\"status\":\"rejected\"" "$TMP/rev.sse" &&
    ok "the reviewer's event stream shows a reviewed document leaving the queue" ||
    not_ok "reviewer events" "$(grep -c '^event:' "$TMP/rev.sse") events"
serve_stop
contract_check
done_testing
