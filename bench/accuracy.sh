#!/bin/sh
# bench/accuracy.sh — extraction accuracy on the shared dev set, by the
# project's scorer run the official way (`ttscore.py DATASET -- yogi extract
# {}`): per-document lines, F1 by layout and degradation, seconds per
# document; then the confidence gate figures on the same predictions.
#   bench/accuracy.sh [DATASET]
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
shared=${YOGI_SHARED:-../shared}
data=${1:-$shared/datasets/timetables-dev}
if [ ! -d "$data" ]; then
    echo "accuracy: no dataset at $data (set YOGI_SHARED)"; exit 0
fi
pred=$(mktemp -d /tmp/yogi-accuracy-XXXXXX)
trap 'rm -rf "$pred"' EXIT
# Each prediction is also kept (by document name) for the gate figures.
python3 "$shared/bench/ttscore.py" "$data" -- sh -c \
    'f=$(basename "$1"); "$0" extract --data "$2/data" "$1" | tee "$2/${f%.*}.json"' \
    "$PWD/$BUILD/yogi" {} "$pred"
python3 bench/tools/confidence_report.py "$data" "$pred" | tail -3
