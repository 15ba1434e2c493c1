#!/bin/sh
# bench/workers.sh — echo round trips per second through the worker pool.
#
# Each task is a full trip: serialize, frame, socket, worker, plugin,
# socket, parse, callback. The plugin does nothing, so this is the pool's
# own overhead per task. Runs `yogi invoke --repeat` with 1, 2 and 4
# workers; TASKS overrides the count.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$BUILD/yogi
TASKS=${TASKS:-20000}
[ -x "$YOGI" ] || { echo "bench/workers.sh: build $YOGI first" >&2; exit 2; }
input='{"teacher":"Ms Example","week":[{"day":"Mon","periods":[1,2,3,4,5,6]}]}'
for w in 1 2 4; do
    "$YOGI" invoke echo --plugins "$BUILD/states" --input "$input" \
        --repeat "$TASKS" --workers "$w" 2>&1 >/dev/null | sed 's/^yogi invoke: /workers: /'
done
# A 1 MB payload: dominated by jansson encoding and parsing it (4 times a trip).
big=$(head -c 1000000 /dev/zero | tr '\0' x)
printf '"%s"' "$big" >"${TMPDIR:-/tmp}/yogi-bench-1mb.json"
"$YOGI" invoke echo --plugins "$BUILD/states" --input @"${TMPDIR:-/tmp}/yogi-bench-1mb.json" \
    --repeat 50 --workers 2 2>&1 >/dev/null | sed 's/^yogi invoke: /workers (1 MB input): /'
rm -f "${TMPDIR:-/tmp}/yogi-bench-1mb.json"
# A crash per task: the cost of noticing a dead worker, failing its task and
# forking its replacement.
"$YOGI" invoke testkit --plugins "$BUILD/states" --input '{"action":"crash"}' \
    --repeat 200 2>&1 >/dev/null | grep tasks/s | sed 's/^yogi invoke: /workers (crash + replace): /'
