#!/usr/bin/python3
"""The project's own timetable scorer (the rules of ../shared/bench/ttscore.py,
so that the variation suite works in a fresh clone without ../shared).

An entry is correct when day, start and end equal a truth entry's and the
subjects match: case and punctuation ignored, spacing not held against a
reading ("B R E A K" read as "BREAK" is right), similarity >= 0.8. Each truth
entry matches once (greedy, best subject first). Truth entries marked
"optional" are neither required nor held against a prediction that finds
them. Room and class are counted separately, on matched entries whose truth
has them; they do not change F1.

    score.py TRUTH.json PREDICTION.json     prints one JSON line
"""
import difflib, json, re, sys

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def norm_day(d):
    d = (d or "").strip().lower().rstrip(".") if isinstance(d, str) else ""
    for full in DAYS:
        if d == full or (len(d) >= 2 and full.startswith(d)):
            return full
    return d


def norm_time(t):
    m = re.match(r"^\s*(\d{1,2})[:.](\d{2})", str(t or ""))
    return "%02d:%02d" % (int(m.group(1)), int(m.group(2))) if m else str(t)


def norm_text(s):
    return re.sub(r"[^a-z0-9]+", " ", (s if isinstance(s, str) else "").lower()).strip()


def similar(a, b):
    a, b = norm_text(a), norm_text(b)
    if a == b:
        return 1.0
    return max(difflib.SequenceMatcher(None, a, b).ratio(),
               difflib.SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio())


def key(e):
    return (norm_day(e.get("day")), norm_time(e.get("start")), norm_time(e.get("end")))


def match(truth, pred, fields=None):
    """(number matched, predictions left unmatched)."""
    slots = {}
    for i, e in enumerate(truth):
        slots.setdefault(key(e), []).append(i)
    used, rest, ok = set(), [], 0
    for p in pred:
        if not isinstance(p, dict):
            continue
        best, bs = None, 0.0
        for i in slots.get(key(p), []):
            if i not in used:
                s = similar(truth[i]["subject"], p.get("subject"))
                if s > bs:
                    best, bs = i, s
        if best is None or bs < 0.8:
            rest.append(p)
            continue
        used.add(best)
        ok += 1
        for f in ("room", "class"):
            if fields is not None and truth[best].get(f):
                c = fields.setdefault(f, [0, 0])
                c[1] += 1
                c[0] += norm_text(truth[best][f]) == norm_text(p.get(f))
    return ok, rest


def entries_of(pred):
    if isinstance(pred, dict):
        if isinstance(pred.get("entries"), list):
            return pred["entries"]
        if isinstance(pred.get("timetable"), dict):
            return entries_of(pred["timetable"])
    return []


def score(truth, pred, fields=None):
    """{"truth", "pred", "ok", "f1"} for one document."""
    pe = entries_of(pred)
    req = [e for e in truth["entries"] if not e.get("optional")]
    opt = [e for e in truth["entries"] if e.get("optional")]
    ok, rest = match(req, pe, fields)
    n_pred = len([p for p in pe if isinstance(p, dict)])
    if opt:
        _, rest2 = match(opt, rest)
        n_pred = ok + len(rest2)
    return {"truth": len(req), "pred": n_pred, "ok": ok, "f1": f1(len(req), n_pred, ok)}


def f1(t, p, ok):
    pr = ok / p if p else 0.0
    rc = ok / t if t else 0.0
    return 2 * pr * rc / (pr + rc) if pr + rc else 0.0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(score(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))))
