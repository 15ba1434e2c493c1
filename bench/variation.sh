#!/bin/sh
# bench/variation.sh — `yogi extract` on generated timetables it was never
# tuned on: VARIATION_N (default 300) held-out seeds of bench/variation/gen.py,
# two at a time, scored by bench/variation/score.py. Prints F1, documents
# rejected and wrong auto-accepts per axis value (the table of
# docs/performance.md), then the totals. About 2 s a document per core.
#   bench/variation.sh [--markdown]
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
PY=/usr/bin/python3
if ! $PY -c 'import PIL, numpy' 2>/dev/null; then
    echo "variation: needs Debian's python3-pil and python3-numpy (scripts/install-deps.sh)"; exit 0
fi
nice -n 5 $PY bench/variation/run.py --heldout "${VARIATION_N:-300}" --jobs "${VARIATION_JOBS:-2}" \
    --yogi "$BUILD/yogi" "$@" | grep -v '^v[0-9]* f1=1.000 '
