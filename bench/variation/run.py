#!/usr/bin/python3
"""Score `yogi extract` on generated timetables, per axis value.

    run.py [--heldout N | --dev N | --seeds A B] [--jobs J] [--yogi PATH]
           [--keep DIR] [--markdown] [--json FILE]

Generates the documents (gen.py, into --keep DIR or a temporary directory),
runs `yogi extract FILE` on each (J at a time, each with its own data
directory and a timeout), scores each prediction with score.py and prints:

- one line per document: name, its F1, entries truth/pred/ok, confidence,
  and "REJECTED name: cause" when extract failed;
- per axis value: documents, F1 over their entries, documents rejected
  (Document.NotATimetable or any failure), wrong auto-accepts (confidence
  >= 0.98 yet F1 < 0.99: saved with no person looking, and wrong);
- the totals, last, as "documents=N f1=F rejected=R wrong_accepts=W".

Exit status 0 whatever the figures (the test script judges them), 2 on a
usage or generator error.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen, score  # noqa: E402

AUTO_ACCEPT = 0.98


def extract(yogi, doc, work, timeout):
    """(prediction or None, error text, seconds)."""
    t0 = time.monotonic()
    d = tempfile.mkdtemp(dir=work)
    try:
        r = subprocess.run([yogi, "extract", "--data", d, doc], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout", time.monotonic() - t0
    dt = time.monotonic() - t0
    subprocess.run(["rm", "-rf", d])
    if r.returncode != 0:
        err = [l for l in r.stderr.splitlines() if "notify" not in l]
        return None, (err[-1] if err else "exit %d" % r.returncode), dt
    try:
        return json.loads(r.stdout), "", dt
    except json.JSONDecodeError:
        return None, "stdout is not JSON", dt


def confidence_of(pred):
    if isinstance(pred, dict):
        c = pred.get("confidence")
        if c is None and isinstance(pred.get("timetable"), dict):
            c = pred["timetable"].get("confidence")
        if isinstance(c, (int, float)):
            return float(c)
    return 0.0


def report(results, markdown):
    by = {}
    for res in results:
        for ax, val in sorted(res["axes"].items()):
            b = by.setdefault((ax, str(val)), {"docs": 0, "t": 0, "p": 0, "ok": 0, "rej": 0, "wrong": 0})
            b["docs"] += 1
            b["t"] += res["truth"]; b["p"] += res["pred"]; b["ok"] += res["ok"]
            b["rej"] += bool(res["error"])
            b["wrong"] += res["wrong_accept"]
    if markdown:
        print("| axis | value | documents | F1 | rejected | wrong auto-accepts |")
        print("|---|---|---|---|---|---|")
    else:
        print("%-14s %-14s %5s %6s %5s %5s" % ("axis", "value", "docs", "F1", "rej", "wrong"))
    for (ax, val), b in sorted(by.items()):
        f = score.f1(b["t"], b["p"], b["ok"])
        if markdown:
            print("| %s | %s | %d | %.3f | %d | %d |" % (ax, val, b["docs"], f, b["rej"], b["wrong"]))
        else:
            print("%-14s %-14s %5d %6.3f %5d %5d" % (ax, val, b["docs"], f, b["rej"], b["wrong"]))
    return by


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--heldout", type=int, metavar="N", help="the first N held-out seeds (default 300)")
    g.add_argument("--dev", type=int, metavar="N", help="the first N development seeds")
    g.add_argument("--seeds", type=int, nargs=2, metavar=("A", "B"), help="seeds A..B-1")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--yogi", default=os.path.join(os.environ.get("BUILD", "build"), "yogi"))
    ap.add_argument("--keep", help="generate into (and keep) this directory")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--markdown", action="store_true", help="the per-axis table as Markdown")
    ap.add_argument("--json", help="write the summary and per-document results here")
    a = ap.parse_args()
    if a.dev:
        seeds = range(gen.DEV_SEEDS[0], gen.DEV_SEEDS[0] + a.dev)
    elif a.seeds:
        seeds = range(*a.seeds)
    else:
        seeds = range(gen.HELDOUT_SEEDS[0], gen.HELDOUT_SEEDS[0] + (a.heldout or 300))
    yogi = os.path.abspath(a.yogi)
    if not os.access(yogi, os.X_OK):
        sys.exit("run.py: no yogi binary at %s" % yogi)
    work = tempfile.mkdtemp(prefix="yogi-variation-")
    out = a.keep or os.path.join(work, "docs")
    os.makedirs(out, exist_ok=True)

    def one(seed):
        name = "v%06d" % seed
        tp = os.path.join(out, name + ".truth.json")
        if not os.path.exists(tp):  # a kept directory is reused: same seed, same document
            gen.generate(seed, out)
        truth = json.load(open(tp))
        pred, err, dt = extract(yogi, os.path.join(out, truth["file"]), work, a.timeout)
        s = score.score(truth, pred) if pred is not None else \
            {"truth": len([e for e in truth["entries"] if not e.get("optional")]), "pred": 0, "ok": 0, "f1": 0.0}
        conf = confidence_of(pred)
        s.update({"name": name, "axes": truth["axes"], "error": err, "confidence": conf, "seconds": dt,
                  "wrong_accept": int(pred is not None and conf >= AUTO_ACCEPT and s["f1"] < 0.99)})
        return s

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(one, seeds))
    subprocess.run(["rm", "-rf", work])
    for s in results:
        print("%s f1=%.3f truth=%d pred=%d ok=%d conf=%.2f %.1fs%s%s" % (
            s["name"], s["f1"], s["truth"], s["pred"], s["ok"], s["confidence"], s["seconds"],
            " WRONG-AUTO-ACCEPT" if s["wrong_accept"] else "",
            (" REJECTED " + s["error"]) if s["error"] else ""))
    report(results, a.markdown)
    T = sum(s["truth"] for s in results); P = sum(s["pred"] for s in results); OK = sum(s["ok"] for s in results)
    summary = {"documents": len(results), "f1": round(score.f1(T, P, OK), 4),
               "rejected": sum(bool(s["error"]) for s in results),
               "wrong_accepts": sum(s["wrong_accept"] for s in results),
               "seconds": round(time.monotonic() - t0, 1)}
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "documents": results}, f, indent=1)
    print("documents=%d f1=%.4f rejected=%d wrong_accepts=%d seconds=%.0f" % (
        summary["documents"], summary["f1"], summary["rejected"], summary["wrong_accepts"], summary["seconds"]))


if __name__ == "__main__":
    main()
