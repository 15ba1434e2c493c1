#!/bin/sh
# bench/jsonata.sh — Yogi's JSONata evaluator against the reference (the
# jsonata npm package, installed into bench/jsonata/ for this benchmark only)
# on the reference suite's result cases, in one run: per-expression time
# (compiled once, evaluated repeatedly on its parsed input), then the median,
# mean and 90th percentile over all expressions both implementations ran.
# Needs ../shared and node; skips (exit 0) without them.
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
suite=../shared/conformance/jsonata-suite
[ -d "$suite/groups" ] || { echo "jsonata bench: skipped (no $suite)"; exit 0; }
command -v node >/dev/null || { echo "jsonata bench: skipped (no node)"; exit 0; }
[ -x "$BUILD/tests/jsonata_bench" ] || make -s "$BUILD/tests/jsonata_bench" || exit 1
if [ ! -d bench/jsonata/node_modules/jsonata ]; then
    (cd bench/jsonata && npm install --no-audit --no-fund >/dev/null 2>&1) ||
        { echo "jsonata bench: skipped (npm install failed)"; exit 0; }
fi
tmp=$(mktemp -d /tmp/yogi-jsonata-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/tests/jsonata_bench" "$suite" >"$tmp/yogi.tsv" || exit 1
node bench/jsonata/bench.mjs "$suite" >"$tmp/ref.tsv" || exit 1
ver=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' bench/jsonata/node_modules/jsonata/package.json | head -1)
/usr/bin/python3 - "$tmp/yogi.tsv" "$tmp/ref.tsv" "$ver" <<'PY'
import statistics, sys
def load(p):
    d = {}
    for line in open(p):
        k, v = line.rstrip("\n").split("\t")
        d[k] = float(v)
    return d
y, r = load(sys.argv[1]), load(sys.argv[2])
common = sorted(set(y) & set(r))
ys = [y[k] for k in common]; rs = [r[k] for k in common]
def p90(v): return sorted(v)[int(0.9 * (len(v) - 1))]
print("JSONata, %d expressions of the reference suite (ns per evaluation)" % len(common))
print("%-28s %12s %12s %12s" % ("", "median", "mean", "p90"))
print("%-28s %12.0f %12.0f %12.0f" % ("yogi (C)", statistics.median(ys), statistics.mean(ys), p90(ys)))
print("%-28s %12.0f %12.0f %12.0f" % ("jsonata %s (node)" % sys.argv[3], statistics.median(rs), statistics.mean(rs), p90(rs)))
faster = sum(1 for k in common if y[k] < r[k])
print("yogi faster on %d of %d expressions; median ratio reference/yogi %.1fx" %
      (faster, len(common), statistics.median([r[k] / y[k] for k in common])))
ok = statistics.median(ys) <= statistics.median(rs)
print("median per expression: yogi %s the reference" % ("at most" if ok else "ABOVE"))
sys.exit(0 if ok else 1)
PY
