#!/bin/sh
# ASL conformance: every case in ../shared/conformance (JSONPath and JSONata
# modes, with and without variables) runs
# through `yogi run` and must match the result (and history) AWS recorded,
# except the cases listed with a reason in tests/conformance-exclusions.txt.
# Skipped as a whole when the shared material is absent (a user's clone).
. tests/lib.sh
if ! have_shared || [ ! -d "$YOGI_SHARED/conformance/asl" ]; then
    skip "conformance" "../shared/conformance not present"
    done_testing; exit $?
fi
out=$TMP/results.jsonl
python3 "$YOGI_SHARED/conformance/run.py" --jobs "$(nproc)" --history --json \
    --cases "$YOGI_SHARED/conformance/asl" \
    --cmd "$YOGI run {definition} --input @{input} --resources {resources} --history" \
    >"$out" 2>"$TMP/stderr"
python3 - "$out" tests/conformance-exclusions.txt "$YOGI_SHARED/conformance/asl" <<'PY'
import json, os, sys
excl = []
for line in open(sys.argv[2]):
    line = line.strip()
    if line and not line.startswith("#"):
        pid, _, why = line.partition(" ")
        excl.append((pid, why.strip()))
n = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    n += 1
    cid = r["id"]
    why = next((w for p, w in excl if cid.startswith(p)), None)
    try:
        features = json.load(open(os.path.join(sys.argv[3], cid, "meta.json"))).get("features", [])
    except (OSError, ValueError):
        features = []
    if r["result"] == "PASS":
        print(f"ok {n} {cid}" + (" (listed as an exclusion but passes)" if why else ""))
    elif why:
        print(f"ok {n} {cid} # SKIP {why}")
    else:
        print(f"not ok {n} {cid}")
        print(f"# {r.get('reason', '')[:300]}")
print(f"1..{n}")
PY
