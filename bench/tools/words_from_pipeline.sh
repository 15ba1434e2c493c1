#!/bin/sh
# Cache the pipeline's OCR words for every document of a dataset, so the
# timetable builder can be iterated on them in seconds (a dev tool).
#   bench/tools/words_from_pipeline.sh DATASET OUTDIR
# Runs plugin:classify, then plugin:preprocess and plugin:ocr (images and
# scanned PDFs) or plugin:pdftext (digital PDFs) through `yogi invoke`;
# writes OUTDIR/NAME.json in WORDS FORMAT; page images stay under OUTDIR/data.
set -u
data=$1; out=$2
BUILD=${BUILD:-build}
Y="$BUILD/yogi"
mkdir -p "$out/data"
out=$(cd "$out" && pwd)
for t in "$data"/*.truth.json; do
    n=$(basename "$t" .truth.json)
    [ -s "$out/$n.json" ] && continue
    doc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$t")
    path=$(cd "$data" && pwd)/$doc
    mkdir -p "$out/data/$n"
    cls=$("$Y" invoke classify --data-dir "$out/data" --input "{\"path\":\"$path\"}") || { echo "$n: classify failed"; continue; }
    in="{\"path\":\"$path\",\"classification\":$cls}"
    case "$cls" in
    *'"pdf-text"'*)
        "$Y" invoke pdftext --data-dir "$out/data/$n" --input "$in" |
            python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["ocr"]))' >"$out/$n.json" ;;
    *)
        pages=$("$Y" invoke preprocess --data-dir "$out/data/$n" --input "$in") || { echo "$n: preprocess failed"; continue; }
        "$Y" invoke ocr --data-dir "$out/data/$n" --input "$pages" >"$out/$n.json" ;;
    esac
    [ -s "$out/$n.json" ] || echo "$n: no words"
done
