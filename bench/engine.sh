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
# Wall time of `yogi run` (a Pass, a Task on echo, a Succeed), process start
# to exit, 31 runs, median (timed from Python: a shell would add a process
# spawn per sample to the figure).
python3 - "$BUILD/yogi" "$scratch/three.yaml" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(31):
    t0 = time.perf_counter()
    subprocess.run([sys.argv[1], "run", sys.argv[2], "--input", '{"n":1}'],
                   stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t0) * 1000)
print("yogi run, 3 states (Pass, Task on echo, Succeed), median of 31: %.1f ms "
      "(min %.1f, max %.1f; target <= 20 ms)" % (statistics.median(times), min(times), max(times)))
PY
