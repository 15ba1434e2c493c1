#!/bin/sh
# bench/asl_eval.sh — the cost of ASL data flow in a real run: `yogi run` of
# a chain of 100 Pass states whose Parameters select with filters and deep
# scans and call intrinsics over a ~70 KB input of 1000 items, against the
# same chain with a constant template. Goal: evaluation stays a small share
# of a state's cost (well under 1 ms per state on top of persisting it).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$BUILD/yogi
[ -x "$YOGI" ] || { echo "bench/asl_eval.sh: build $YOGI first" >&2; exit 2; }
dir=$(mktemp -d /tmp/yogi-bench-asl-XXXXXX)
trap 'rm -rf "$dir"' EXIT

awk 'BEGIN {
    printf "{\"items\": ["
    for (i = 0; i < 1000; i++)
        printf "%s{\"id\": %d, \"price\": %d.5, \"tag\": \"t%d\", \"nested\": {\"k\": [%d, %d]}}",
               i ? ", " : "", i, i % 100, i % 7, i, i + 1
    printf "]}\n" }' >"$dir/input.json"

states() { # $1: number of states; $2: 1 evaluating Parameters, 0 a constant template
    awk -v n="$1" -v p="$2" 'BEGIN {
        print "{\"StartAt\": \"S0\", \"States\": {"
        for (i = 0; i < n; i++) {
            printf "\"S%d\": {\"Type\": \"Pass\", \"ResultPath\": \"$.r\", ", i
            if (p) printf "\"Parameters\": {\"cheap.$\": \"$.items[?(@.price < 10)].id\", " \
                "\"nks.$\": \"States.ArrayLength($..k[0])\", \"n.$\": \"States.ArrayLength($.items)\", " \
                "\"h.$\": \"States.Hash(States.JsonToString($.items[5]), '\''SHA-256'\'')\", " \
                "\"f.$\": \"States.Format('\''{} of {}'\'', $.items[1].tag, $.items[-1].id)\"}, "
            else printf "\"Parameters\": {\"cheap\": [1], \"n\": 1000}, "
            printf "\"Next\": \"S%d\"},\n", i + 1
        }
        printf "\"S%d\": {\"Type\": \"Succeed\"}}}\n", n }'
}
states 100 1 >"$dir/eval.json"
states 100 0 >"$dir/plain.json"

run() { # $1 definition; prints the best of 3 runs in milliseconds
    best=
    for _ in 1 2 3; do
        start=$(date +%s%N)
        "$YOGI" run "$1" --input "@$dir/input.json" >/dev/null || { echo "run failed: $1" >&2; exit 1; }
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "$best"
}
plain=$(run "$dir/plain.json")
eval=$(run "$dir/eval.json")
echo "100 Pass states over a $(wc -c <"$dir/input.json")-byte input (best of 3):" \
     "${plain} ms with a constant template, ${eval} ms evaluating a filter, a deep scan and 3 intrinsics"
echo "difference: $(( (eval - plain) * 10 )) us per state (evaluation, plus persisting the larger" \
     "result; noisy on a busy machine)"
