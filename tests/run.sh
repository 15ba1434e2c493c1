#!/bin/sh
# tests/run.sh — run every test suite and print one total.
#
# Suites are the unit test programs ($BUILD/tests/test_*) and the executable
# scripts tests/integration/*.sh. Each prints TAP-like lines ("ok N name",
# "not ok N name", "ok N name # SKIP reason"); this script counts them. A
# suite that exits non-zero without reporting a failure (it crashed) counts
# as one failure. The last line is "N passed, N failed, N skipped".
#
#   tests/run.sh                 everything
#   tests/run.sh engine          only suites whose name contains "engine"
#   VERBOSE=1 tests/run.sh       show passing lines too
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
export BUILD
export YOGI_ROOT="$PWD"
[ -d ../shared ] && export YOGI_SHARED="${YOGI_SHARED:-$(cd ../shared && pwd)}"
filter=${1:-}
logdir=$BUILD/test-logs
mkdir -p "$logdir"

passed=0; failed=0; skipped=0
run_suite() {
    name=$1; shift
    log="$logdir/$name.log"
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
    s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" | head -1)
    f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
    p=$((p - s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc without reporting a failure" >>"$log"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '%-32s %4d passed %4d failed %4d skipped  (%ss)\n' "$name" "$p" "$f" "$s" \
        "$(( $(date +%s) - start ))"
    if [ "$f" -gt 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
        grep -E '^(not ok|#)' "$log" | head -60 | sed 's/^/    /'
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    case "$n" in *"$filter"*) ;; *) continue ;; esac
    run_suite "$n" "$t"
done
for t in tests/integration/*.sh; do
    [ -x "$t" ] || continue
    n=$(basename "$t" .sh)
    case "$n" in *"$filter"*) ;; *) continue ;; esac
    run_suite "$n" "$t"
done

echo "logs in $logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
