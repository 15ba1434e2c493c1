#!/bin/sh
# Score the timetable builder on cached OCR words (a dev loop, seconds).
#   bench/tools/score_cached.sh WORDS_DIR [PRED_DIR]
# WORDS_DIR holds NAME.json in WORDS FORMAT (bench/tools/words_from_tesseract.py).
set -u
words=$1; pred=${2:-/tmp/tt-pred}
BUILD=${BUILD:-build}
shared=${YOGI_SHARED:-../shared}
mkdir -p "$pred"
for f in "$words"/*.json; do
    n=$(basename "$f" .json)
    "$BUILD"/yogi invoke timetable --input "@$f" >"$pred/$n.json" 2>"$pred/$n.err" ||
        echo "$n: $(cat "$pred/$n.json" "$pred/$n.err")"
done
python3 "$shared"/bench/ttscore.py "$shared"/datasets/timetables-dev --pred-dir "$pred"
