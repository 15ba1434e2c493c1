#!/usr/bin/env python3
"""The confidence gate on the dev set (a dev tool).

    confidence_report.py DATASET PRED_DIR [--gate 0.98]

For each document: F1 against its truth, the predicted confidence and the
evidence; then the gate figures: documents at or above the gate and their
worst F1, and documents below F1 0.9 that the gate let through.
"""
import argparse, json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "bench"))
shared = os.environ.get("YOGI_SHARED")
if shared:
    sys.path.insert(0, os.path.join(shared, "bench"))
import ttscore

ap = argparse.ArgumentParser()
ap.add_argument("dataset"); ap.add_argument("pred")
ap.add_argument("--gate", type=float, default=0.98)
ap.add_argument("-v", action="store_true")
a = ap.parse_args()
rows = []
for f in sorted(os.listdir(a.dataset)):
    if not f.endswith(".truth.json"):
        continue
    n = f[:-len(".truth.json")]
    truth = json.load(open(os.path.join(a.dataset, f)))
    try:
        pred = json.load(open(os.path.join(a.pred, n + ".json")))
    except (OSError, ValueError):
        pred = {}
    pe = ttscore.entries_of(pred)
    ok = ttscore.match(truth["entries"], pe)
    nt, np_ = len(truth["entries"]), len(pe)
    f1 = 2 * ok / (nt + np_) if nt + np_ else 0.0
    tt = pred.get("timetable", pred) if isinstance(pred, dict) else {}
    tt = tt if isinstance(tt, dict) else {}
    conf = tt.get("confidence", 0.0)
    rows.append((n, truth.get("layout"), truth.get("degradation"), f1, conf, tt.get("evidence", {})))
for n, lay, deg, f1, conf, ev in sorted(rows, key=lambda r: -r[4]):
    flag = "  <-- VIOLATION" if (conf >= a.gate and f1 < 0.99) else ""
    print("%s %-16s %-7s F1=%.3f conf=%.4f%s" % (n, lay, deg, f1, conf, flag))
    if a.v:
        print("    ", json.dumps(ev))
passed = [r for r in rows if r[4] >= a.gate]
bad = [r for r in rows if r[3] < 0.9]
print("gate %.2f: %d/%d documents pass; their worst F1 %.3f; mean F1 %.4f" % (
    a.gate, len(passed), len(rows), min([r[3] for r in passed], default=1.0),
    sum(r[3] for r in passed) / len(passed) if passed else 0.0))
print("documents with F1 < 0.9: %d, of which scored >= gate: %d" % (
    len(bad), sum(1 for r in bad if r[4] >= a.gate)))
print("documents scored >= gate with F1 < 0.99: %d" % sum(1 for r in passed if r[3] < 0.99))
# The requirement, as an exit status: 1 when the gate lets a bad document by.
sys.exit(1 if any(r[3] < 0.99 for r in passed) else 0)
