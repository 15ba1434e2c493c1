#!/bin/sh
# documents_life.sh — a document's life has one owner (engine/documents.c):
# file names that are not UTF-8 are transcoded, never turned into an input
# of {}; a document whose execution fails ends failed (never "processing");
# the start-up check settles documents a crash left "processing" without a
# running execution; `yogi extract` records its documents the same way.
. tests/lib.sh
. tests/serve_lib.sh

need documents_life curl jq
trap 'serve_stop; rm -rf "$TMP"' EXIT
WF=$TMP/workflows; mkdir -p "$WF"
DATA=$TMP/data
cat >"$WF/namecheck.yaml" <<'Y'
StartAt: Look
States:
  Look:
    Type: Pass
    Parameters:
      filename.$: $.document.filename
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
serve_start --workflows "$WF" --workers 1 --upload-workflow namecheck ||
    { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
UP=$(new_token uploader); REV=$(new_token reviewer)
curl -s -N --max-time 3 -H "Authorization: Bearer $REV" "$BASE/v1/events?types=document" >"$TMP/rev.sse" &
SSE=$!
printf '\211PNG\r\n\032\nnever read' >"$TMP/tt.png"

# A Latin-1 query parameter: caf\xe9.png
call "$UP" POST '/v1/documents?filename=caf%E9.png' -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
expect "upload with a Latin-1 ?filename=: 202" 202
D1=$(json .id); E1=$(json .execution_id)
call "$UP" GET "/v1/documents/$D1"; expect "the name is transcoded to UTF-8" 200 .filename "café.png"
n=0; while [ $n -lt 50 ]; do call "$ADMIN" GET "/v1/executions/$E1"; [ "$(json .status)" = SUCCEEDED ] && break; sleep 0.1; n=$((n + 1)); done
expect "the execution's input is the document, not {}" 200 .output.filename "café.png"

# A Latin-1 multipart filename, built byte by byte.
{ printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="Stundenplan_M\374ller.png"\r\n'
  printf 'Content-Type: image/png\r\n\r\n'; cat "$TMP/tt.png"; printf '\r\n--XyZ--\r\n'; } >"$TMP/latin1.body"
call "$UP" POST /v1/documents -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$TMP/latin1.body"
expect "upload with a Latin-1 multipart filename: 202" 202
D2=$(json .id)
call "$UP" GET "/v1/documents/$D2"; expect "that name is transcoded too" 200 .filename "Stundenplan_Müller.png"
wait "$SSE"
grep -q ': connected' "$TMP/rev.sse" && ! grep -q '^event: document' "$TMP/rev.sse" &&
    ok "a reviewer's event stream leaves out documents not sent to review" ||
    not_ok "reviewer event scope" "$(head -c 300 "$TMP/rev.sse")"
serve_stop

# A document whose execution fails ends failed, with the execution's error.
serve_start --workflows "$WF" --workers 1 --upload-workflow failer ||
    { not_ok "server restarts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
call "$UP" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
expect "upload to a failing workflow: 202" 202
D3=$(json .id)
wait_doc "$UP" "$D3" failed 100 && ok "its document ends failed" || not_ok "document fails" "$(cat "$TMP/body")"
[ "$(json .error)" != null ] && ok "with the execution's error ($(json .error))" || not_ok "error recorded" "$(cat "$TMP/body")"
serve_stop

# A crash between storing a document and starting it: the row says
# "processing" and names no execution. The start-up check settles it.
if /usr/bin/python3 -c 'import sqlite3' 2>/dev/null; then
    /usr/bin/python3 - "$DATA/yogi.db" "$D2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE documents SET status='processing', execution_id=NULL WHERE id=?", (sys.argv[2],))
db.commit()
PY
    serve_start --workflows "$WF" --workers 1 ||
        { not_ok "server restarts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
    call "$UP" GET "/v1/documents/$D2"
    expect "a document stuck in processing is failed at start-up" 200 .status failed
    expect "as Document.NotStarted" 200 .error Document.NotStarted
    grep -q 'settled 1 document' "$TMP/server.log" && ok "the start-up check says what it did" ||
        not_ok "start-up message" "$(tail -3 "$TMP/server.log")"
    call "$UP" GET "/v1/documents?status=processing"
    expect "no document is left processing" 200 '.documents | length' 0
    serve_stop
else
    skip "start-up check" "Debian's python3 with sqlite3 is needed"
fi
contract_check
done_testing
