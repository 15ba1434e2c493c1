#!/bin/sh
# browser.sh — the web app in headless Chromium (tests/browser/*.mjs).
#
# Uploads a timetable from the shared dataset through the page, watches its
# status change live, reviews it (corrects a cell, adds an entry, approves)
# and checks the saved timetable — with the stand-in document workflow of
# api.sh (review, then save what the reviewer sent), so that the review step
# always happens whatever the extraction's confidence. Then, when the real
# document workflow's plugins are built, tests/browser/pipeline.mjs uploads
# the same image through the real workflow (OCR and all) and opens the
# timetable it produced.
# Skips without the dataset, Chromium or Node; installs playwright-core into
# tests/browser/node_modules from the lock file when it is missing.
. tests/lib.sh

IMAGE=${YOGI_SHARED:-}/datasets/timetables-dev/tt001.png
if ! have_shared || [ ! -f "$IMAGE" ]; then skip "browser" "the shared dataset is absent"; done_testing; exit 0; fi
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then skip "browser" "chromium or node is absent"; done_testing; exit 0; fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        { skip "browser" "playwright-core could not be installed"; done_testing; exit 0; }
fi

DATA=$TMP/data; WF=$TMP/workflows; mkdir -p "$WF"
cat >"$WF/document_processing.yaml" <<'Y'
StartAt: Review
States:
  Review:
    Type: Task
    Resource: plugin:testkit.waitForTaskToken
    Parameters:
      action: call
      op: documents.update
      args:
        id.$: $.document_id
        status: needs_review
      document_id.$: $.document_id
      draft:
        confidence: 0.5
        entries:
          - {day: Monday, start: "09:00", end: "10:00", subject: Mahts, room: B1}
          - {day: Tuesday, start: "10:00", end: "11:00", subject: English}
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
PID=""
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
# start_server WORKFLOW-DIR: a fresh data directory with an uploader and a reviewer token.
start_server() {
    DATA=$(mktemp -d "$TMP/data-XXXXXX")
    UPLOADER=$("$YOGI" token create --role uploader --data "$DATA" 2>/dev/null)
    REVIEWER=$("$YOGI" token create --role reviewer --data "$DATA" 2>/dev/null)
    ADMIN=$("$YOGI" token create --role admin --data "$DATA" 2>/dev/null)
    "$YOGI" serve --data "$DATA" --listen 127.0.0.1:0 --workflows "$1" --plugins "$PLUGIN_DIR" \
        >"$TMP/server.log" 2>&1 &
    PID=$!
    i=0
    while [ $i -lt 300 ] && ! grep -q "listening on" "$TMP/server.log" && kill -0 "$PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    PORT=$(sed -n 's|^yogi: listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$TMP/server.log")
    [ -n "$PORT" ] || { not_ok "server starts" "$(tail -3 "$TMP/server.log")"; return 1; }
}
stop_server() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }
# run_script FILE ARGS...: run a browser script and re-number its lines into this suite.
run_script() {
    script=$1; shift
    ADMIN_TOKEN=${ADMIN_TOKEN:-} SHOTS=${SHOTS:-} CHROMIUM="$CHROMIUM" timeout 400 node "tests/browser/$script" \
        "http://127.0.0.1:$PORT" "$UPLOADER" "$REVIEWER" "$@" >"$TMP/tap" 2>&1
    rc=$?
    before=$_failed
    while IFS= read -r line; do
        case "$line" in
            "ok "*) ok "${line#ok [0-9]* }" ;;
            "not ok "*) not_ok "${line#not ok [0-9]* }" ;;
            "# "*) echo "$line" ;;
        esac
    done <"$TMP/tap"
    [ $rc -eq 0 ] || [ "$_failed" -gt "$before" ] || not_ok "$script" "exit $rc: $(tail -3 "$TMP/tap")"
}

# 1. The review round trip, with the stand-in workflow.
if start_server "$WF"; then
    ADMIN_TOKEN="$ADMIN" run_script webapp.mjs "$IMAGE"
    stop_server
fi

# 2. The real document workflow (OCR and all), when its plugins are built.
if [ -f workflows/document_processing.yaml ] && [ -f "$PLUGIN_DIR/ocr.so" ] &&
   [ -f "$PLUGIN_DIR/classify.so" ] && [ -f "$PLUGIN_DIR/save.so" ]; then
    # A subject printed in tt001.png (see its .truth.json).
    if start_server "$PWD/workflows"; then
        run_script pipeline.mjs "$IMAGE" Spelling
        stop_server
    fi
else
    skip "the web app with the real document workflow" "its plugins are not built"
fi
done_testing
