#!/bin/sh
# extract_speed.sh — seconds per document for `yogi extract` against plain
# `tesseract FILE - --psm 11` on the same files, side by side in one run,
# and the peak memory (RSS) of the extraction.
#
# The goal (issue 3): median time per document <= 1.5x tesseract's. A third
# column runs tesseract with OMP_THREAD_LIMIT=1, as yogi's OCR worker does:
# on a busy machine tesseract's default OpenMP threads cost it much time. The
# dataset is $YOGI_SHARED/datasets/timetables-dev; without it the benchmark
# says so and exits 0. BENCH_LIMIT=N uses the first N documents only.
#
# Peak RSS: GNU time's "Maximum resident set size" of the yogi process tree
# is the largest single process among the CLI, the engine and its workers
# (getrusage RUSAGE_CHILDREN reports the largest descendant), i.e. the
# biggest worker — the one that holds tesseract.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$PWD/$BUILD/yogi
[ -d ../shared ] && YOGI_SHARED=${YOGI_SHARED:-$(cd ../shared && pwd)}
DATA=${YOGI_SHARED:-/nonexistent}/datasets/timetables-dev
if [ ! -d "$DATA" ]; then
    echo "extract_speed: SKIP: no dataset at $DATA"
    exit 0
fi
command -v tesseract >/dev/null 2>&1 || { echo "extract_speed: SKIP: no tesseract CLI"; exit 0; }
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""
tmp=$(mktemp -d /tmp/yogi-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
n=0
printf '%-12s %8s %8s %8s %8s %12s\n' document yogi_s tess_s ratio tess1_s yogi_rss_mb
for f in "$DATA"/*.png "$DATA"/*.jpg "$DATA"/*.pdf; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    [ -n "${BENCH_LIMIT:-}" ] && [ "$n" -gt "$BENCH_LIMIT" ] && break
    t0=$(now)
    if [ -n "$TIME" ]; then
        $TIME -f '%M' -o "$tmp/rss" "$YOGI" extract "$f" >/dev/null 2>&1
    else
        "$YOGI" extract "$f" >/dev/null 2>&1
    fi
    t1=$(now)
    case "$f" in
    *.pdf) tess=NA; tess1=NA ;; # tesseract cannot read PDF: no baseline for these
    *)
        tesseract "$f" - --psm 11 >/dev/null 2>&1
        t2=$(now)
        OMP_THREAD_LIMIT=1 tesseract "$f" - --psm 11 >/dev/null 2>&1
        tess=$(printf '%.2f' "$(echo "$t2 - $t1" | bc)")
        tess1=$(printf '%.2f' "$(echo "$(now) - $t2" | bc)")
        ;;
    esac
    yogi=$(echo "$t1 - $t0" | bc)
    rss=$([ -s "$tmp/rss" ] && echo "scale=1; $(tail -1 "$tmp/rss") / 1024" | bc || echo NA)
    ratio=$([ "$tess" = NA ] && echo NA || printf '%.2f' "$(echo "scale=3; $yogi / $tess" | bc)")
    printf '%-12s %8.2f %8s %8s %8s %12s\n' "$(basename "$f")" "$yogi" "$tess" "$ratio" "$tess1" "$rss"
    echo "$yogi $tess $rss $tess1" >>"$tmp/rows"
done
[ -s "$tmp/rows" ] || { echo "extract_speed: no documents"; exit 0; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ym=$(awk '$2 != "NA" {print $1}' "$tmp/rows" | median)
tm=$(awk '$2 != "NA" {print $2}' "$tmp/rows" | median)
all=$(awk '{print $1}' "$tmp/rows" | median)
peak=$(awk '$3 != "NA" {print $3}' "$tmp/rows" | sort -n | tail -1)
echo "median s/doc on images: yogi extract $ym, tesseract --psm 11 $tm, ratio $(printf '%.2f' "$(echo "scale=3; $ym / $tm" | bc)") (goal <= 1.5)"
echo "median s/doc, tesseract with OMP_THREAD_LIMIT=1: $(awk '$4 != "NA" {print $4}' "$tmp/rows" | median)"
echo "median s/doc, all documents (PDFs included): yogi extract $all"
echo "peak RSS of the largest yogi process (a worker): ${peak:-NA} MB"
