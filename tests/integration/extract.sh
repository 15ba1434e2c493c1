#!/bin/sh
# extract.sh — `yogi extract` end to end: a generated timetable is read, and
# every kind of bad input ends in a named error through the workflow's Catch
# (NotifyFailure → ExtractionFailed), exit status 1, never a crash.
#
# Fixtures are made here: images with ImageMagick's convert, PDFs written by
# hand (Debian's ImageMagick policy forbids writing PDF).
. tests/lib.sh
. tests/fixture_lib.sh

need extract convert plugin:classify plugin:preprocess plugin:ocr plugin:pdftext plugin:timetable \
    plugin:validate plugin:review plugin:save plugin:notify
F=$TMP/fixtures
mkdir -p "$F"
FONT=DejaVu-Sans

# ---- fixtures ----------------------------------------------------------------

write_pdf() { # write_pdf FILE PAGES [ENCRYPT]
    {
        printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
        kids=""; i=0
        while [ $i -lt "$2" ]; do kids="$kids $((3 + i)) 0 R"; i=$((i + 1)); done
        printf '2 0 obj << /Type /Pages /Kids [%s] /Count %d >> endobj\n' "$kids" "$2"
        i=0
        while [ $i -lt "$2" ]; do
            printf '%d 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n' $((3 + i))
            i=$((i + 1))
        done
        if [ "${3:-}" = encrypt ]; then
            printf '99 0 obj << /Filter /Standard /V 1 /R 2 /P -44 /O <%s> /U <%s> >> endobj\n' \
                0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
                fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
            printf 'trailer << /Root 1 0 R /Encrypt 99 0 R /ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>] >>\n%%%%EOF\n'
        else
            printf 'trailer << /Root 1 0 R >>\n%%%%EOF\n'
        fi
    } >"$1"
}

# A scanned PDF: the timetable as a JPEG image on an A4-wide page, no text.
write_scanned_pdf() { # write_scanned_pdf IMAGE.jpg OUT.pdf
    w=$(identify -format %w "$1"); h=$(identify -format %h "$1"); n=$(wc -c <"$1")
    ph=$((842 * h / w)); content="q 842 0 0 $ph 0 0 cm /Im0 Do Q"
    {
        printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
        printf '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'
        printf '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 842 %d] ' "$ph"
        printf '/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >> endobj\n'
        printf '4 0 obj << /Type /XObject /Subtype /Image /Width %d /Height %d ' "$w" "$h"
        printf '/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n' "$n"
        cat "$1"
        printf '\nendstream\nendobj\n5 0 obj << /Length %d >>\nstream\n%s\nendstream\nendobj\n' \
            "${#content}" "$content"
        printf 'trailer << /Root 1 0 R >>\n%%%%EOF\n'
    } >"$2"
}

# The same grid with its time header only: no day, no lesson to read.
make_template() {
    set -- -size 1500x700 xc:white -font "$FONT" -pointsize 28 -fill black -stroke none
    x=0; for t in "Day" "9:00-10:00" "10:00-11:00" "11:00-12:00" "13:00-14:00"; do
        set -- "$@" -annotate "+$((30 + x * 290))+60" "$t"; x=$((x + 1)); done
    set -- "$@" -stroke black -strokewidth 2 -fill none
    for i in 0 1 2 3 4 5; do set -- "$@" -draw "line 10,$((85 + i * 110 - 110 + 20)) 1490,$((85 + i * 110 - 110 + 20))"; done
    for i in 0 1 2 3 4 5; do set -- "$@" -draw "line $((10 + i * 290)),15 $((10 + i * 290)),665"; done
    convert "$@" "$F/template.png"
}

make_timetable "$F/timetable.png" Monday Tuesday Wednesday Thursday Friday
make_template
convert "$F/timetable.png" -colorspace Gray -quality 92 "$F/timetable.jpg"
write_scanned_pdf "$F/timetable.jpg" "$F/scanned.pdf"
: >"$F/empty.png"
convert -size 400x300 xc:white -fill black -draw "rectangle 50,50 350,120" "$F/whole.png"
head -c 300 "$F/whole.png" >"$F/truncated.png"
convert -size 400x300 plasma:fractal -quality 90 "$F/whole.jpg"
head -c 2000 "$F/whole.jpg" >"$F/truncated.jpg"
write_pdf "$F/whole.pdf" 1
head -c 60 "$F/whole.pdf" >"$F/truncated.pdf"
head -c 4096 /dev/urandom | tr '\211\377' 'xx' >"$F/random.png"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\001\206\240\000\001\206\240\010\000\000\000\000' >"$F/huge.png"
convert -size 1x1 xc:white "$F/tiny.png"
convert -size 1200x900 plasma:fractal -blur 0x8 -quality 85 "$F/photo.jpg"
convert -size 1400x1000 xc:white -font "$FONT" -pointsize 30 -fill black \
    -annotate +60+100 "It was a bright cold day in April, and the clocks were striking" \
    -annotate +60+160 "thirteen. Winston Smith, his chin nuzzled into his breast in an" \
    -annotate +60+220 "effort to escape the vile wind, slipped quickly through the glass" \
    -annotate +60+280 "doors of Victory Mansions, though not quickly enough to prevent" \
    -annotate +60+340 "a swirl of gritty dust from entering along with him. The hallway" \
    -annotate +60+400 "smelt of boiled cabbage and old rag mats. At one end of it a" \
    -annotate +60+460 "coloured poster, too large for indoor display, had been tacked" \
    -annotate +60+520 "to the wall. It depicted simply an enormous face, more than a" \
    "$F/prose.png"
printf '%%PDF-1.7\nthis is not a PDF body at all\n' >"$F/malformed.pdf"
write_pdf "$F/encrypted.pdf" 1 encrypt
write_pdf "$F/long.pdf" 50

# ---- a timetable is read -----------------------------------------------------

if out=$("$YOGI" extract "$F/timetable.png" 2>"$TMP/err"); then
    if printf '%s' "$out" | grep -q '"Monday"' && printf '%s' "$out" | grep -q '"Maths"'; then
        ok "a generated timetable is extracted"
    else
        not_ok "a generated timetable is extracted" "$(printf '%s' "$out" | head -c 400)"
    fi
else
    not_ok "a generated timetable is extracted" "$(tail -3 "$TMP/err")"
fi

if out=$("$YOGI" extract "$F/scanned.pdf" 2>"$TMP/err") &&
    printf '%s' "$out" | grep -q '"Tuesday"' && printf '%s' "$out" | grep -q '"History"'; then
    ok "a scanned PDF is rendered, OCRed and extracted"
else
    not_ok "a scanned PDF is rendered, OCRed and extracted" "$(tail -2 "$TMP/err" | tr '\n' ' ') $(printf '%s' "$out" | head -c 200)"
fi

# A page that shows a timetable but gives no entry is not refused: it waits
# for a person as an empty draft at confidence 0 (docs/timetable.md).
out=$("$YOGI" extract --data "$TMP/unread" "$F/template.png" 2>"$TMP/err")
rc=$?
if [ $rc -eq 0 ] && [ "$(printf '%s' "$out" | jq -c '[.needs_review, .confidence, (.entries | length), .layout]')" = '[true,0,0,"unread"]' ]; then
    ok "a timetable with nothing readable is an empty draft for review, not refused"
else
    not_ok "a timetable with nothing readable is an empty draft for review, not refused" \
        "exit $rc: $(tail -2 "$TMP/err" | tr '\n' ' ') $(printf '%s' "$out" | head -c 300)"
fi
if command -v sqlite3 >/dev/null 2>&1; then
    st=$(sqlite3 "$TMP/unread/yogi.db" "SELECT status || ':' || needs_review || ':' || route FROM documents" 2>&1)
    [ "$st" = "needs_review:1:review" ] && ok "the empty draft's document waits for review" ||
        not_ok "the empty draft's document waits for review" "$st"
else
    skip "the empty draft's document waits for review" "sqlite3 CLI not installed"
fi

# ---- bad input: a named error, exit 1, no crash ------------------------------

expect_error() { # expect_error FIXTURE ERROR
    "$YOGI" extract "$F/$1" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "$2" "$TMP/err" && [ ! -s "$TMP/out" ]; then
        ok "$1: $2"
    else
        not_ok "$1: $2" "exit $rc: $(tail -2 "$TMP/err" | tr '\n' ' ')"
    fi
}
expect_error empty.png Document.Empty
expect_error truncated.png Document.Corrupt
expect_error truncated.jpg Document.Corrupt
expect_error truncated.pdf Document.Corrupt
expect_error random.png Document.Unsupported
expect_error huge.png Document.TooLarge
expect_error tiny.png Document.TooSmall
expect_error photo.jpg Document.NotATimetable
expect_error prose.png Document.NotATimetable
expect_error malformed.pdf Document.Corrupt
expect_error encrypted.pdf Document.Encrypted
expect_error long.pdf Document.TooManyPages
expect_error missing.png Document.NotFound

# ---- several files: one line each, the failure named, the rest extracted -----

"$YOGI" extract --data "$TMP/data" "$F/timetable.png" "$F/empty.png" >"$TMP/lines" 2>"$TMP/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$TMP/lines")" -eq 2 ] &&
    grep -q '"error":"Document.Empty"' "$TMP/lines" && grep -q '"timetable"' "$TMP/lines"; then
    ok "several files: one JSON line each, exit 1 for the failure"
else
    not_ok "several files: one JSON line each, exit 1 for the failure" "exit $rc: $(head -c 300 "$TMP/lines")"
fi
# Nothing lost: both originals were kept, and the failure is recorded.
if command -v sqlite3 >/dev/null 2>&1; then
    st=$(sqlite3 "$TMP/data/yogi.db" "SELECT status || ':' || COALESCE(error,'') FROM documents ORDER BY status" 2>&1)
    kept=$(find "$TMP/data/documents" -type f | wc -l)
    if [ "$st" = "completed:
failed:Document.Empty" ] || [ "$st" = "$(printf 'completed:\nfailed:Document.Empty')" ] && [ "$kept" -eq 2 ]; then
        ok "documents recorded: completed and failed, both originals kept"
    else
        not_ok "documents recorded: completed and failed, both originals kept" "$st / $kept files"
    fi
else
    skip "documents recorded" "sqlite3 CLI not installed"
fi

# ---- a draft sent to review ---------------------------------------------------
# A workflow of the same name in YOGI_WORKFLOW_DIR whose "builder" is a Pass
# state with a low confidence: the real review plugin marks the document and
# the execution waits; `yogi extract` prints the draft with needs_review.
mkdir -p "$TMP/wf"
cat >"$TMP/wf/document_processing.yaml" <<'YAML'
StartAt: ClassifyDocument
States:
  ClassifyDocument:
    Type: Task
    Resource: plugin:classify
    Parameters: {path.$: $.document.path}
    ResultPath: $.classification
    Next: Draft
  Draft:
    Type: Pass
    Result: {confidence: 0.5, entries: [{day: Monday, start: "09:00", end: "10:00", subject: Maths}]}
    ResultPath: $.timetable
    Next: HumanReview
  HumanReview:
    Type: Task
    Resource: plugin:review.waitForTaskToken
    Parameters: {token.$: $$.Task.Token, document_id.$: $.document.id, draft.$: $.timetable}
    ResultPath: $.timetable
    End: true
YAML
out=$(YOGI_WORKFLOW_DIR="$TMP/wf" "$YOGI" extract --data "$TMP/review" "$F/timetable.png" 2>"$TMP/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '"needs_review": true' &&
    printf '%s' "$out" | grep -q '"confidence": 0.5'; then
    ok "a draft sent to review is printed with needs_review, exit 0"
else
    not_ok "a draft sent to review is printed with needs_review, exit 0" "exit $rc: $(head -c 300 "$TMP/err")"
fi
if command -v sqlite3 >/dev/null 2>&1; then
    st=$(sqlite3 "$TMP/review/yogi.db" "SELECT status || ':' || needs_review || ':' || route FROM documents" 2>&1)
    if [ "$st" = "needs_review:1:review" ]; then
        ok "the document waiting for review is marked needs_review"
    else
        not_ok "the document waiting for review is marked needs_review" "$st"
    fi
else
    skip "the document waiting for review is marked needs_review" "sqlite3 CLI not installed"
fi
# The waiting execution is resumed by the next run on the same data and does
# not hold that run up.
if timeout 60 env YOGI_WORKFLOW_DIR="$TMP/wf" "$YOGI" extract --data "$TMP/review" \
    "$F/timetable.png" >/dev/null 2>&1; then
    ok "a later run on the same data is not held up by a waiting review"
else
    not_ok "a later run on the same data is not held up by a waiting review"
fi

# A scanned page whose 300-dpi rendering would be just over the pixel limit
# (21.08 in square: 6325 x 6325 px) is rendered smaller and read, not refused.
if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
    /usr/bin/python3 - "$TMP/poster.pdf" <<'PY'
import sys
from PIL import Image, ImageDraw, ImageFont
im = Image.new("L", (6325, 6325), 255)
d = ImageDraw.Draw(im)
f = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 120)
for i, t in enumerate(["09:00-10:00", "10:00-11:00", "11:00-12:00"]):
    d.text((1400 + i * 1500, 400), t, font=f, fill=0)
for j, day in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]):
    d.text((200, 800 + j * 600), day, font=f, fill=0)
    for i, s in enumerate(["Maths", "English", "Art"]):
        d.text((1400 + i * 1500, 800 + j * 600), s, font=f, fill=0)
im.save(sys.argv[1], resolution=300)
PY
    n=$(timeout 300 "$YOGI" extract "$TMP/poster.pdf" 2>"$TMP/err" | jq '[.entries[] | select(.subject == "Art")] | length')
    [ "$n" = 5 ] && ok "a poster-sized scanned page is rendered smaller and read" ||
        not_ok "a poster-sized scanned page is rendered smaller and read" "$n Art entries: $(tail -2 "$TMP/err" | tr '\n' ' ')"
else
    skip "a poster-sized scanned page is rendered smaller and read" "python3-pil not installed"
fi

done_testing
