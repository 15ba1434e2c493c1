#!/bin/sh
# variation.sh — extraction on 40 generated timetables from the held-out
# seeds of bench/variation/gen.py (never looked at while developing), as a
# regression check: overall F1, documents rejected, and wrong auto-accepts
# (confidence >= 0.98 with F1 < 0.99 — saved unreviewed, and wrong).
#
# The thresholds are what the extractor on main reaches, set honestly (a
# little under the measured figures so that noise does not fail the run);
# raise them as the extractor improves. `make bench` (bench/variation.sh)
# gives the full per-axis table on 300 documents.
# Needs Debian's python3 with Pillow and numpy and the fonts of
# scripts/install-deps.sh; skipped without them. Needs no ../shared.
. tests/lib.sh

# Thresholds: measured on the first 40 held-out seeds with main's extractor
# at f2043ed (F1 0.876, 0 rejected, 0 wrong auto-accepts; 0.862, 1, 0 at
# 7dd62fd; 0.835, 3, 0 at
# fcdb5d0; 0.765, 6, 1 at 2fa950c; before issue 8's reading work 0.501, 14,
# 2; docs/performance.md), set under them by what one document timing out
# on a loaded machine costs. Raise them as the extractor improves; the goal
# is F1 >= 0.97, 0 rejected, 0 wrong auto-accepts.
VARIATION_N=${VARIATION_N:-40}
MIN_F1=${MIN_F1:-0.85}
MAX_REJECTED=${MAX_REJECTED:-1}       # of VARIATION_N
MAX_WRONG_ACCEPTS=${MAX_WRONG_ACCEPTS:-0}

PY=/usr/bin/python3
if ! $PY -c 'import PIL, numpy' 2>/dev/null; then
    skip "variation suite" "no python3-pil/python3-numpy (scripts/install-deps.sh)"
    done_testing; exit
fi
if ! "$YOGI" extract --help >/dev/null 2>&1; then
    skip "variation suite" "yogi extract is not available in this build"
    done_testing; exit
fi

# the generator: same seed, same document, with its truth
mkdir -p "$TMP/a" "$TMP/b"
$PY bench/variation/gen.py "$TMP/a" 900000 900001 >/dev/null 2>"$TMP/gen.err" &&
    $PY bench/variation/gen.py "$TMP/b" 900000 900001 >/dev/null 2>>"$TMP/gen.err"
same_dirs() {
    [ "$(ls "$1" | wc -l)" -eq 4 ] || return 1
    for f in "$1"/*; do cmp -s "$f" "$2/$(basename "$f")" || return 1; done
}
if same_dirs "$TMP/a" "$TMP/b"; then
    ok "generator: the same seed gives the same document and truth"
else
    not_ok "generator: the same seed gives the same document and truth" "$(tail -3 "$TMP/gen.err")"
fi

# the scorer: a perfect prediction scores 1, a missing day does not, spacing is not held against it
$PY - "$TMP/a/v900000.truth.json" >"$TMP/scorer" 2>&1 <<'PYEOF'
import json, sys
sys.path.insert(0, "bench/variation")
import score
t = json.load(open(sys.argv[1]))
assert score.score(t, {"entries": t["entries"]})["f1"] == 1.0
part = [e for e in t["entries"] if e["day"] != "Friday"]
assert score.score(t, {"entries": part})["f1"] < 0.95
spaced = [dict(e, subject=" ".join(e["subject"].upper())) for e in t["entries"]]
assert score.score(t, {"timetable": {"entries": spaced}})["f1"] == 1.0
shifted = [dict(e, start="07:00") for e in t["entries"]]
assert score.score(t, {"entries": shifted})["f1"] == 0.0
print("scorer ok")
PYEOF
check "scorer: right, partial, letter-spaced and wrong predictions" grep -q "scorer ok" "$TMP/scorer"

nice -n 5 $PY bench/variation/run.py --heldout "$VARIATION_N" --jobs 2 --yogi "$YOGI" >"$TMP/run" 2>&1
last=$(tail -1 "$TMP/run")
val() { printf '%s\n' "$last" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
f1=$(val f1); rej=$(val rejected); wrong=$(val wrong_accepts)
if [ -z "$f1" ]; then
    not_ok "variation suite ran" "$(tail -5 "$TMP/run" | tr '\n' ' ')"
else
    $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$f1" "$MIN_F1" &&
        ok "F1 $f1 >= $MIN_F1 on $VARIATION_N held-out documents" ||
        not_ok "F1 $f1 >= $MIN_F1 on $VARIATION_N held-out documents" "$(grep -E 'REJECTED|WRONG' "$TMP/run" | head -5 | tr '\n' ' ')"
    [ "$rej" -le "$MAX_REJECTED" ] && ok "rejected $rej <= $MAX_REJECTED" ||
        not_ok "rejected $rej <= $MAX_REJECTED" "$(grep REJECTED "$TMP/run" | head -5 | tr '\n' ' ')"
    [ "$wrong" -le "$MAX_WRONG_ACCEPTS" ] && ok "wrong auto-accepts $wrong <= $MAX_WRONG_ACCEPTS" ||
        not_ok "wrong auto-accepts $wrong <= $MAX_WRONG_ACCEPTS" "$(grep WRONG "$TMP/run" | head -5 | tr '\n' ' ')"
fi
echo "# $last"
done_testing
