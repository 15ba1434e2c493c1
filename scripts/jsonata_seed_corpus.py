#!/usr/bin/python3
"""jsonata_seed_corpus.py SUITE_DIR OUT_DIR — write the JSONata reference
suite's cases as libFuzzer seeds (expression, NUL, input JSON), one file per
case, for `make fuzz`. Reads ../shared at run time; nothing lands in the tree."""
import glob, json, os, sys

suite, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for path in sorted(glob.glob(os.path.join(suite, "groups", "*", "*.json"))):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for case in doc if isinstance(doc, list) else [doc]:
        expr = case.get("expr")
        if not isinstance(expr, str):
            continue
        data = case.get("data")
        seed = expr.encode("utf-8", "surrogatepass") + (b"\0" + json.dumps(data).encode() if data is not None else b"")
        with open(os.path.join(out, "seed%05d" % n), "wb") as f:
            f.write(seed)
        n += 1
print("%d seeds in %s" % (n, out))
