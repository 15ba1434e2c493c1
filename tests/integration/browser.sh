#!/bin/sh
# browser.sh — the web app in headless Chromium (tests/browser/*.mjs).
#
# tests/browser/teacher.mjs runs every flow of the teacher's app — sign in,
# upload from the camera input, review beside the photo, the week calendar,
# a correction and its versions, the calendar feed, reject, delete, offline —
# at a phone's 390×844 and a desktop's 1280×900, each against a fresh server
# with the stand-in review workflow below (so the review step always
# happens), with axe-core on every page. GALLERY=DIR saves a screenshot of
# each screen there (docs/gallery is made that way). Then, when the real
# document workflow's plugins and the shared dataset are there,
# tests/browser/pipeline.mjs uploads a dataset image through the real
# workflow (OCR and all) and opens the timetable it produced.
# Skips without Chromium or Node; installs playwright-core and axe-core into
# tests/browser/node_modules from the lock file when they are missing.
. tests/lib.sh

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then skip "browser" "chromium or node is absent"; done_testing; exit 0; fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
    (cd tests/browser && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        { skip "browser" "playwright-core could not be installed"; done_testing; exit 0; }
fi

IMAGE=$TMP/timetable-photo.png
/usr/bin/python3 - "$IMAGE" <<'P' 2>/dev/null || { skip "browser" "python3-pil is absent"; done_testing; exit 0; }
import sys
from PIL import Image, ImageDraw
im = Image.new('RGB', (900, 560), 'white')
d = ImageDraw.Draw(im)
days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']
for i, day in enumerate(days):
    d.text((110 + i * 155, 20), day, fill='black')
for r, t in enumerate(['09:00', '10:00', '11:00', '13:00']):
    d.text((20, 60 + r * 120), t, fill='black')
    d.line((0, 50 + r * 120, 900, 50 + r * 120), fill='black')
d.text((110, 70), 'Maths B1 5W', fill='black'); d.text((110, 190), 'Maths B1 5W', fill='black')
d.text((265, 70), 'English C2 5W', fill='black'); d.text((420, 430), 'Science Lab 5W', fill='black')
im.save(sys.argv[1])
P

WF=$TMP/workflows; mkdir -p "$WF"
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
        confidence: 0.6
      document_id.$: $.document_id
      draft_source: model
      notice: The model read 4 slots as the extractor did and 1 differently.
      draft:
        confidence: 0.6
        title: Year 5 Willow
        entries:
          - {day: Monday, start: "09:00", end: "10:00", subject: Maths, room: B1, class: 5W, kind: lesson, confidence: 0.95, source: both}
          - {day: Monday, start: "10:00", end: "11:00", subject: Maths, room: B1, class: 5W, kind: lesson, confidence: 0.55, source: model, disagree: true,
             extractor: {day: Monday, start: "10:00", end: "11:00", subject: Music}}
          - {day: Monday, start: "11:00", end: "11:20", subject: Break, kind: break, confidence: 0.99}
          - {day: Tuesday, start: "9", end: "10:00", subject: Englsh, room: C2, class: 5W, kind: lesson, confidence: 0.6, source: extractor}
          - {day: Wednesday, start: "13:00", end: "14:00", subject: Science, room: Lab, class: 5W, kind: lesson, confidence: 0.9}
        extractor_draft:
          confidence: 0.5
          entries:
            - {day: Monday, start: "09:00", end: "10:00", subject: Maths, room: B1}
    ResultPath: $.review
    Catch:
      - ErrorEquals: [Review.Rejected]
        ResultPath: $.rejection
        Next: Rejected
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
  Rejected:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.update
      args:
        id.$: $.document_id
        status: rejected
    End: true
Y
PID=""
trap 'stop_yogi "$TMP/server.log"; rm -rf "$TMP"' EXIT
# start_server WORKFLOW-DIR: a fresh data directory with a teacher, a reviewer and an admin.
start_server() {
    DATA=$(mktemp -d "$TMP/data-XXXXXX")
    printf 'teachpass1\n' | "$YOGI" user add tina --role teacher --data "$DATA" 2>/dev/null
    printf 'reviewpass\n' | "$YOGI" user add rita --role reviewer --data "$DATA" 2>/dev/null
    printf 'rootpass1\n' | "$YOGI" user add root --role admin --data "$DATA" 2>/dev/null
    start_yogi "$DATA" "$TMP/server.log" --workflows "$1" --term-end 2027-07-16 ||
        { not_ok "server starts" "$(tail -3 "$TMP/server.log")"; return 1; }
}
stop_server() { stop_yogi "$TMP/server.log"; }
# run_script FILE ARGS...: run a browser script and re-number its lines into this suite.
run_script() {
    script=$1; shift
    GALLERY=${GALLERY:-} SHOTS=${SHOTS:-} CHROMIUM="$CHROMIUM" timeout 400 node "tests/browser/$script" \
        "http://127.0.0.1:$PORT" "$@" >"$TMP/tap" 2>&1
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

# 1. Every flow, at a phone's and a desktop's size.
for size in "390 844" "1280 900"; do
    if start_server "$WF"; then
        # shellcheck disable=SC2086
        run_script teacher.mjs "$DATA" "$IMAGE" $size
        stop_server
    fi
done

# 2. The real document workflow (OCR and all), when its plugins and the dataset are there.
REAL=${YOGI_SHARED:-}/datasets/timetables-dev/tt001.png
if have_shared && [ -f "$REAL" ] && [ -f workflows/document_processing.yaml ] && [ -f "$PLUGIN_DIR/ocr.so" ] &&
   [ -f "$PLUGIN_DIR/classify.so" ] && [ -f "$PLUGIN_DIR/save.so" ]; then
    # A subject printed in tt001.png (see its .truth.json).
    if start_server "$PWD/workflows"; then
        run_script pipeline.mjs tina:teachpass1 rita:reviewpass "$REAL" Spelling
        stop_server
    fi
else
    skip "the web app with the real document workflow" "its plugins or the shared dataset are absent"
fi
done_testing
