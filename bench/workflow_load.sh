#!/bin/sh
# bench/workflow_load.sh — how long `yogi validate` takes to load and check
# definitions: a typical one (a few dozen states) many times over, and the
# largest a definition may be (just under WORKFLOW_MAX_BYTES: a chain of
# ~110 000 Pass states, every one reached). The goal: a typical workflow
# in well under 10 ms, the largest in a few seconds and under 200 MB.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$BUILD/yogi
[ -x "$YOGI" ] || { echo "bench/workflow_load.sh: build $YOGI first" >&2; exit 2; }
dir=$(mktemp -d /tmp/yogi-bench-wf-XXXXXX)
trap 'rm -rf "$dir"' EXIT

chain() { # $1 states
    awk -v n="$1" 'BEGIN {
        print "StartAt: S0"; print "States:"
        for (i = 0; i < n; i++) printf "  S%d: {Type: Pass, Next: S%d}\n", i, i + 1
        printf "  S%d: {Type: Succeed}\n", n }'
}
chain 40 >"$dir/typical.yaml"
chain 110000 >"$dir/largest.yaml"

runs=200
start=$(date +%s%N)
i=0
while [ $i -lt $runs ]; do
    "$YOGI" validate "$dir/typical.yaml" >/dev/null || exit 1
    i=$((i + 1))
done
end=$(date +%s%N)
echo "typical (41 states): $(( (end - start) / runs / 1000 )) us per yogi validate (process included)"
label="largest ($(wc -c <"$dir/largest.yaml") bytes)"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label: %e s, %M KB peak" "$YOGI" validate "$dir/largest.yaml" >/dev/null
else
    start=$(date +%s%N)
    "$YOGI" validate "$dir/largest.yaml" >/dev/null || exit 1
    echo "$label: $(( ($(date +%s%N) - start) / 1000000 )) ms"
fi
