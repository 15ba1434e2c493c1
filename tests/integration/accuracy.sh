#!/bin/sh
# accuracy.sh — extraction accuracy and the confidence gate on the shared
# dev set (../shared/datasets/timetables-dev) and on the real teachers'
# timetables (../shared/datasets/timetables-real), as a regression check.
#
# Runs `yogi extract` on every document (bounded by a timeout each), scores
# the predictions with ../shared/bench/ttscore.py and checks:
#   - overall F1 and the F1 of clean images and digital PDFs stay above the
#     thresholds below (set a little under the measured figures in
#     docs/confidence.md, so a regression fails and noise does not);
#   - no document fails with an error;
#   - the confidence gate: no document scored >= 0.98 has F1 < 0.99;
#   - on the real set: F1 >= 0.90 on each document, and the same gate.
# Skipped without the shared material or before `yogi extract` exists.
. tests/lib.sh

MIN_F1=${MIN_F1:-0.99}
MIN_F1_REAL=${MIN_F1_REAL:-0.90}
MIN_F1_CLEAN=${MIN_F1_CLEAN:-0.99}
MIN_F1_PDF=${MIN_F1_PDF:-0.99}

if ! have_shared; then
    skip "accuracy on timetables-dev" "no shared dataset (YOGI_SHARED)"
    done_testing; exit
fi
if ! "$YOGI" extract --help >/dev/null 2>&1; then
    skip "accuracy on timetables-dev" "yogi extract is not available in this build"
    done_testing; exit
fi

data=$YOGI_SHARED/datasets/timetables-dev
mkdir -p "$TMP/pred" "$TMP/data"
for t in "$data"/*.truth.json; do
    n=$(basename "$t" .truth.json)
    doc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$t")
    timeout 120 "$YOGI" extract --data "$TMP/data" "$data/$doc" >"$TMP/pred/$n.json" 2>"$TMP/pred/$n.err"
done
python3 "$YOGI_SHARED/bench/ttscore.py" "$data" --pred-dir "$TMP/pred" --json >"$TMP/score" 2>&1
summary=$(tail -1 "$TMP/score")

field() { printf '%s' "$summary" | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
at_least() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }

f1=$(field 'd["f1"]')
clean=$(field 'd["breakdown_f1"].get("degradation:clean", 0)')
pdf=$(field 'd["breakdown_f1"].get("degradation:pdf", 0)')
failed=$(field 'd["failed"]')
at_least "$f1" "$MIN_F1" && ok "F1 $f1 >= $MIN_F1" || not_ok "F1 $f1 >= $MIN_F1" "$(tail -4 "$TMP/score" | head -3)"
at_least "$clean" "$MIN_F1_CLEAN" && ok "clean images F1 $clean >= $MIN_F1_CLEAN" || not_ok "clean images F1 $clean >= $MIN_F1_CLEAN"
at_least "$pdf" "$MIN_F1_PDF" && ok "digital PDFs F1 $pdf >= $MIN_F1_PDF" || not_ok "digital PDFs F1 $pdf >= $MIN_F1_PDF"
# A document the gate sends to review still prints its draft and is no
# failure; an empty stdout is one (ttscore counts unreadable predictions).
nfail=0
for f in "$TMP"/pred/*.json; do [ -s "$f" ] || nfail=$((nfail + 1)); done
[ "$nfail" -eq 0 ] && ok "no document fails with an error" ||
    not_ok "no document fails with an error" "$nfail failed: $(grep -l . "$TMP"/pred/*.err | head -3 | xargs cat | head -3)"
if python3 bench/tools/confidence_report.py "$data" "$TMP/pred" >"$TMP/gate" 2>&1; then
    ok "confidence gate: documents >= 0.98 all have F1 >= 0.99"
else
    not_ok "confidence gate: documents >= 0.98 all have F1 >= 0.99" "$(grep VIOLATION "$TMP/gate" | head -3 | tr '\n' ' ')"
fi
grep -hE '^(breakdown|documents|gate)' "$TMP/score" "$TMP/gate" | sed 's/^/# /'

# The real teachers' timetables: each document on its own.
real=$YOGI_SHARED/datasets/timetables-real
if [ -d "$real" ]; then
    mkdir -p "$TMP/real"
    for t in "$real"/*.truth.json; do
        n=$(basename "$t" .truth.json)
        doc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$t")
        timeout 120 "$YOGI" extract --data "$TMP/data" "$real/$doc" >"$TMP/real/$n.json" 2>"$TMP/real/$n.err"
    done
    python3 "$YOGI_SHARED/bench/ttscore.py" "$real" --pred-dir "$TMP/real" >"$TMP/real-score" 2>&1
    # "NAME layout degradation truth=T pred=P ok=K": F1 = 2K / (T + P).
    while read -r n _ _ t p k _; do
        case "$t" in truth=*) ;; *) continue ;; esac
        t=${t#truth=}; p=${p#pred=}; k=${k#ok=}
        f=$(python3 -c "import sys; t,p,k=map(int,sys.argv[1:]); print('%.3f' % (2*k/(t+p) if t+p else 0))" "$t" "$p" "$k")
        at_least "$f" "$MIN_F1_REAL" && ok "real $n: F1 $f >= $MIN_F1_REAL" ||
            not_ok "real $n: F1 $f >= $MIN_F1_REAL" "$(python3 bench/tools/ttdiff.py "$real/$n.truth.json" "$TMP/real/$n.json" 2>&1 | head -5 | tr '\n' ' ')"
    done <"$TMP/real-score"
    if python3 bench/tools/confidence_report.py "$real" "$TMP/real" >"$TMP/real-gate" 2>&1; then
        ok "real set confidence gate: documents >= 0.98 all have F1 >= 0.99"
    else
        not_ok "real set confidence gate: documents >= 0.98 all have F1 >= 0.99" "$(grep VIOLATION "$TMP/real-gate" | head -3 | tr '\n' ' ')"
    fi
else
    skip "accuracy on timetables-real" "no real dataset in $YOGI_SHARED"
fi
done_testing
