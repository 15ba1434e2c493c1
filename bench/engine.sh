#!/bin/sh
# Engine throughput (bench/engine_bench.c) and `yogi run` latency, measured
# side by side in one run. Prints medians and ratios; targets: the Task chain
# >= 0.5x the raw commit rate, the concurrent Map >= 2x it, `yogi run` of a
# 3-state workflow <= 20 ms wall, process start to exit.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/yogi-bench-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$BUILD/bench/engine_bench" "$PWD/$BUILD/states" "$scratch" || exit 1

cat >"$scratch/three.yaml" <<'YAML'
StartAt: A
States:
  A: {Type: Pass, Next: B}
  B: {Type: Task, Resource: plugin:echo, Next: C}
  C: {Type: Succeed}
YAML
# Wall time of `yogi run` (a Pass, a Task on echo, a Succeed), 21 runs, median.
times=""
for i in $(seq 21); do
    t0=$(date +%s%N)
    "$BUILD/yogi" run "$scratch/three.yaml" --input '{"n":1}' >/dev/null || exit 1
    t1=$(date +%s%N)
    times="$times $(( (t1 - t0) / 1000 ))"
done
median=$(printf '%s\n' $times | sort -n | sed -n 11p)
printf 'yogi run, 3 states (Pass, Task on echo, Succeed), median of 21: %d.%03d ms (target <= 20 ms)\n' \
    $((median / 1000)) $((median % 1000))
