#!/usr/bin/env python3
"""Show what a prediction got wrong: ttdiff.py TRUTH.json PRED.json (a dev tool)."""
import json, sys
t = json.load(open(sys.argv[1]))["entries"]
try:
    p = json.load(open(sys.argv[2])).get("entries", [])
except Exception as e:
    print("no prediction:", e); sys.exit()
key = lambda e: (e["day"], e["start"], e["end"], e["subject"].lower())
ts, ps = set(map(key, t)), set(map(key, p))
for k in sorted(ts - ps): print("  missing", *k)
for k in sorted(ps - ts): print("  extra  ", *k)
