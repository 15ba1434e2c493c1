#!/bin/sh
# extract_speed.sh — time per document for `yogi extract` against
# `OMP_THREAD_LIMIT=1 tesseract FILE - --psm 11` on the same files, side by
# side in one run, and the peak memory (RSS) of the extraction.
#
# The goal (issue 8): median time per image document <= 1.5x single-threaded
# tesseract's. Single-threaded because yogi's OCR worker runs tesseract with
# OMP_THREAD_LIMIT=1 (parallelism comes from the worker pool); tesseract's
# default OpenMP threads only make the baseline noisy on a busy machine.
# Two ratios: wall-clock seconds, and CPU seconds (user + system of the
# process and its children, from GNU time) — on a shared machine the CPU
# ratio is the one other jobs do not blur. The dataset is
# $YOGI_SHARED/datasets/timetables-dev; without it the benchmark says so and
# exits 0. BENCH_LIMIT=N uses the first N documents only.
#
# BASE=DIR (another build directory, e.g. a build of main) runs that
# build's `yogi extract` on each file too, between the two others, and
# reports its CPU median and ratio beside this build's: on a shared machine
# only a comparison made in the same run, file by file, is worth anything.
#
# Peak RSS: GNU time's "Maximum resident set size" of the yogi process tree
# is the largest single process among the CLI, the engine and its workers
# (getrusage RUSAGE_CHILDREN reports the largest descendant), i.e. the
# biggest worker — the one that holds tesseract.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$PWD/$BUILD/yogi
BASE_YOGI=${BASE:+$(cd "$BASE" && pwd)/yogi}
[ -d ../shared ] && YOGI_SHARED=${YOGI_SHARED:-$(cd ../shared && pwd)}
DATA=${YOGI_SHARED:-/nonexistent}/datasets/timetables-dev
if [ ! -d "$DATA" ]; then
    echo "extract_speed: SKIP: no dataset at $DATA"
    exit 0
fi
command -v tesseract >/dev/null 2>&1 || { echo "extract_speed: SKIP: no tesseract CLI"; exit 0; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "extract_speed: SKIP: no GNU time at $TIME"; exit 0; }
tmp=$(mktemp -d /tmp/yogi-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# run OUT CMD...: CMD's wall seconds, CPU seconds (user + sys) and peak RSS
# (KB) into OUT, one line.
run() {
    out=$1
    shift
    $TIME -f '%e %U %S %M' -o "$out.t" "$@" >/dev/null 2>&1
    awk 'END {printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$out.t" >"$out"
}
n=0
printf '%-12s %7s %7s %6s %8s %8s %7s %8s\n' document yogi_s tess1_s ratio yogi_cpu tess1_cpu cpu_rat rss_mb
for f in "$DATA"/*.png "$DATA"/*.jpg "$DATA"/*.pdf; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    [ -n "${BENCH_LIMIT:-}" ] && [ "$n" -gt "$BENCH_LIMIT" ] && break
    run "$tmp/y" "$YOGI" extract "$f"
    read -r ys yc rss <"$tmp/y"
    bc=NA
    if [ -n "$BASE_YOGI" ]; then
        run "$tmp/b" "$BASE_YOGI" extract "$f"
        read -r _ bc _ <"$tmp/b"
    fi
    case "$f" in
    *.pdf) ts=NA; tc=NA ;; # tesseract cannot read PDF: no baseline for these
    *)
        run "$tmp/t" env OMP_THREAD_LIMIT=1 tesseract "$f" - --psm 11
        read -r ts tc _ <"$tmp/t"
        ;;
    esac
    ratio() { [ "$2" = NA ] && echo NA || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
    printf '%-12s %7s %7s %6s %8s %8s %7s %8.1f\n' "$(basename "$f")" "$ys" "$ts" \
        "$(ratio "$ys" "$ts")" "$yc" "$tc" "$(ratio "$yc" "$tc")" "$(echo "$rss" | awk '{print $1 / 1024}')"
    echo "$ys $ts $yc $tc $rss $bc" >>"$tmp/rows"
done
[ -s "$tmp/rows" ] || { echo "extract_speed: no documents"; exit 0; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v c="$1" '$2 != "NA" {print $c}' "$tmp/rows" | median; }
ys=$(col 1) ts=$(col 2) yc=$(col 3) tc=$(col 4)
all=$(awk '{print $1}' "$tmp/rows" | median)
peak=$(awk '{print $5}' "$tmp/rows" | sort -n | tail -1)
echo "median s/doc on images, wall: yogi extract $ys, OMP_THREAD_LIMIT=1 tesseract --psm 11 $ts," \
    "ratio $(awk -v a="$ys" -v b="$ts" 'BEGIN {printf "%.2f", a / b}') (goal <= 1.5)"
echo "median s/doc on images, CPU (user+sys): yogi extract $yc, tesseract $tc," \
    "ratio $(awk -v a="$yc" -v b="$tc" 'BEGIN {printf "%.2f", a / b}') (goal <= 1.5)"
if [ -n "$BASE_YOGI" ]; then
    bc=$(col 6)
    echo "median s/doc on images, CPU (user+sys), BASE=$BASE: yogi extract $bc," \
        "ratio to tesseract $(awk -v a="$bc" -v b="$tc" 'BEGIN {printf "%.2f", a / b}');" \
        "this build / BASE $(awk -v a="$yc" -v b="$bc" 'BEGIN {printf "%.3f", a / b}')"
fi
echo "median s/doc, all documents (PDFs included): yogi extract $all"
echo "peak RSS of the largest yogi process (a worker): $(awk -v k="$peak" 'BEGIN {printf "%.1f", k / 1024}') MB"
