#!/bin/sh
# bench/run.sh — run every benchmark script bench/*.sh (but this one).
cd "$(dirname "$0")/.." || exit 2
rc=0
for b in bench/*.sh; do
    [ "$b" = bench/run.sh ] && continue
    [ -x "$b" ] || continue
    echo "== $b"
    "$b" || rc=1
done
exit $rc
