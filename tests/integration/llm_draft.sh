#!/bin/sh
# llm_draft.sh — the document workflow's routing through the language model
# (docs/llm.md, "Routing"), end to end with `yogi extract` on generated
# timetables and tests/llm_server.py as the model:
#
#   - below 0.80 with a model: the model's answer is the reviewer's draft,
#     each entry marked with its source and disagreements, the extractor's
#     draft beside it; a person still reviews it (approved through the API,
#     the document is completed with source "reviewed");
#   - each model failure (429, 5xx, a reply that is not JSON, a timeout)
#     still reaches review, with the extractor's draft and the error named;
#   - without a model nothing is asked and the extractor's draft is reviewed;
#   - 0.80-0.98: a passing answer is saved (route llm), and what it changed
#     is recorded and shown in /metrics; an answer that does not pass leaves
#     the extractor's draft to review (Llm.NotPassed);
#   - the day's budget: once spent, no request is made and the document is
#     reviewed with the extractor's draft and a notice; /metrics shows the
#     spend against the budget.
#
# The workflow is the real file with its retry intervals and back-off rates
# set to 1 s (sed), so that a failure exhausts its retries in seconds; its
# states, Choices and Catches are untouched.
. tests/lib.sh
. tests/fixture_lib.sh

need "llm draft" convert curl plugin:classify plugin:preprocess plugin:ocr plugin:timetable \
    plugin:validate plugin:review plugin:save plugin:notify plugin:llm

KEY="sk-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export YOGI_TEST_LLM_KEY="$KEY"
mkdir -p "$TMP/workflows"
sed -e 's/IntervalSeconds: [0-9]*/IntervalSeconds: 1/' -e 's/BackoffRate: [0-9]*/BackoffRate: 1/' \
    workflows/document_processing.yaml >"$TMP/workflows/document_processing.yaml"
export YOGI_WORKFLOW_DIR="$TMP/workflows"
SERVERS=""
trap 'for s in $SERVERS; do kill $s 2>/dev/null; wait $s 2>/dev/null; done; rm -rf "$TMP"' EXIT

# ---- fixtures ------------------------------------------------------------------

# A ruled grid, days down the side: (Mon Tue Thu Fri) scores below 0.80 (a
# day missing in the middle), (Mon..Thu) 0.80-0.98 (four days), (Mon..Fri) 1.
make_timetable "$TMP/low.png" Monday Tuesday Thursday Friday
make_timetable "$TMP/mid.png" Monday Tuesday Wednesday Thursday
make_timetable "$TMP/high.png" Monday Tuesday Wednesday Thursday Friday

# The model's answers: the printed grid with Monday 09:00 read as "Art", and
# for the low document a Wednesday lesson the page does not have.
python3 - "$TMP" <<'EOF'
import json, sys
tmp = sys.argv[1]
slots = [("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00"), ("13:00", "14:00")]
def grid(days):
    return [{"day": d, "start": s, "end": e, "subject": sub}
            for d in days for (s, e), sub in zip(slots, ["Maths", "English", "Science", "History"])]
low = grid(["Monday", "Tuesday", "Thursday", "Friday"])
low[0]["subject"] = "Art"
low.append({"day": "Wednesday", "start": "09:00", "end": "10:00", "subject": "Music"})
json.dump({"title": None, "entries": low}, open(tmp + "/low.answer.json", "w"))
mid = grid(["Monday", "Tuesday", "Wednesday", "Thursday"])
mid[0]["subject"] = "Art"
json.dump({"title": None, "entries": mid}, open(tmp + "/mid.answer.json", "w"))
EOF

# start_server NAME ANSWER → port in $TMP/NAME.port, requests in $TMP/NAME.log
start_server() {
    python3 tests/llm_server.py --port-file "$TMP/$1.port" --key "$KEY" --log "$TMP/$1.log" \
        --answer "$2" --lifetime 240 --stall 30 &
    SERVERS="$SERVERS $!"
    i=0
    while [ ! -s "$TMP/$1.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    touch "$TMP/$1.log"
}
start_server low "$TMP/low.answer.json"
start_server mid "$TMP/mid.answer.json"

# config NAME SERVER MODE [extra lines...] → $TMP/NAME.conf
config() {
    f="$TMP/$1.conf"
    {
        echo "llm.provider = anthropic"
        echo "llm.base_url = http://127.0.0.1:$(cat "$TMP/$2.port")"
        echo "llm.model = test-$3"
        echo "llm.api_key_env = YOGI_TEST_LLM_KEY"
        echo "llm.allow_http_loopback = true"
        echo "llm.timeout_seconds = 2"
        echo "llm.price_input_per_mtok = 3"
        echo "llm.price_output_per_mtok = 15"
        shift 3
        for line in "$@"; do echo "$line"; done
    } >"$f"
}

# extract NAME FILE CONFIG DATA → $TMP/NAME.out (the document's JSON line)
extract() {
    timeout 120 "$YOGI" extract "$2" --json-lines --data "$4" --config "$3" \
        --plugins "$PLUGIN_DIR" >"$TMP/$1.out" 2>"$TMP/$1.err"
    cat "$TMP/$1.err" >>"$TMP/all-output"
}

# requests SERVER MODE → how many requests of that mode the server saw
requests() { grep -c "\"test-$2\"" "$TMP/$1.log"; }

# ---- the runs ------------------------------------------------------------------

D="$TMP/data"
config low-valid low valid
extract low-valid "$TMP/low.png" "$TMP/low-valid.conf" "$D"
for mode in 429-short 500 not-json stall; do
    config "low-$mode" low "$mode"
    extract "low-$mode" "$TMP/low.png" "$TMP/low-$mode.conf" "$D"
done
printf '' >"$TMP/none.conf"
extract low-none "$TMP/low.png" "$TMP/none.conf" "$D"
config mid-valid mid valid
extract mid-valid "$TMP/mid.png" "$TMP/mid-valid.conf" "$D"
config mid-overlap mid overlap
extract mid-overlap "$TMP/mid.png" "$TMP/mid-overlap.conf" "$D"
config high-valid mid valid
before_high=$(wc -l <"$TMP/mid.log")
extract high-valid "$TMP/high.png" "$TMP/high-valid.conf" "$D"

# The day's budget, in a data directory of its own: 1000 tokens, and each
# answer costs 1801, so the first document spends it all.
B="$TMP/budget"
start_server budget "$TMP/low.answer.json"
config budget budget valid "llm.budget_tokens_per_day = 1000" "llm.budget_cost_per_day = 5"
extract budget-1 "$TMP/low.png" "$TMP/budget.conf" "$B"
extract budget-2 "$TMP/low.png" "$TMP/budget.conf" "$B"

# ---- what a reviewer and an operator see, through the API ---------------------

# serve DATA NAME → /v1/tasks in $TMP/NAME.tasks, /metrics in $TMP/NAME.metrics;
# the server stays up as $serve_pid on $sport.
serve() {
    start_yogi "$1" "$TMP/$2.serve.log" --no-auth --workers 1
    serve_pid=$PID; sport=$PORT
    curl -s --max-time 10 "http://127.0.0.1:$sport/v1/tasks?limit=100" >"$TMP/$2.tasks"
    curl -s --max-time 10 "http://127.0.0.1:$sport/metrics" >"$TMP/$2.metrics"
}
stop_serve() {
    kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null
    cat "$TMP"/*.serve.log >>"$TMP/all-output"
}

# review_check NAME PYTHON-CONDITION — on the review task of NAME's document:
# `t` is the task's input, `o` the extract output line.
review_check() {
    desc=$1 run=$2 cond=$3
    if python3 - "$TMP/$run.out" "$TMP/data.tasks" "$cond" 2>"$TMP/check.err" <<'EOF'
import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[0])
tasks = json.load(open(sys.argv[2]))["tasks"]
t = [x["input"] for x in tasks if x["input"].get("document_id") == o["document_id"]]
assert len(t) == 1, "no review task for %s" % o["document_id"]
t = t[0]
extractor = lambda: all(e.get("source") == "extractor" and e.get("disagree") is False
                        for e in t["draft"]["entries"])
assert eval("(" + sys.argv[3].strip() + "\n)"), sys.argv[3]
EOF
    then ok "$desc"
    else not_ok "$desc" "$(tail -1 "$TMP/check.err") $(head -c 300 "$TMP/$run.out") $(tail -2 "$TMP/$run.err")"; fi
}

serve "$D" data

review_check "below 0.80 with a model: the model's answer is the review draft" low-valid \
    'o["needs_review"] is True and t["draft_source"] == "model" and t["reason"] is None
     and len(t["draft"]["entries"]) == 17 and len(t["extractor_draft"]["entries"]) == 16
     and t["extractor_draft"]["confidence"] < 0.8'
review_check "the review draft marks agreement, disagreement and the model's additions" low-valid \
    '[(e["day"], e["start"], e["subject"], e["source"], e["disagree"]) for e in t["draft"]["entries"]
      if e["source"] != "both"] == [("Monday", "09:00", "Art", "model", True),
                                    ("Wednesday", "09:00", "Music", "model", False)]
     and [e["extractor"]["subject"] for e in t["draft"]["entries"] if e["disagree"]] == ["Maths"]
     and sum(e["source"] == "both" for e in t["draft"]["entries"]) == 15'
review_check "429 on every try: review with the extractor's draft, Llm.RateLimited" low-429-short \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.RateLimited" and extractor()
     and len(t["draft"]["entries"]) == 16 and "HTTP 429" in t["notice"]'
review_check "500 on every try: review with the extractor's draft, Llm.Unavailable" low-500 \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.Unavailable" and extractor()
     and "HTTP 500" in t["notice"]'
review_check "a reply that is not JSON: review with the extractor's draft, Llm.BadResponse" low-not-json \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.BadResponse" and extractor()
     and "not JSON" in t["notice"]'
review_check "a model that never answers: review with the extractor's draft, Llm.Unavailable" low-stall \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.Unavailable" and extractor()
     and "within 2 s" in t["notice"]'
[ "$(requests low 429-short)" -eq 5 ] && [ "$(requests low 500)" -eq 4 ] &&
    [ "$(requests low not-json)" -eq 1 ] && [ "$(requests low stall)" -eq 4 ] &&
    ok "failures were retried as the workflow says (429: 5 tries, 500 and timeout: 4, bad JSON: 1)" ||
    not_ok "failures retried as the workflow says" \
        "429:$(requests low 429-short) 500:$(requests low 500) json:$(requests low not-json) stall:$(requests low stall)"
review_check "no model configured: the extractor's draft, no reason, nothing asked" low-none \
    't["draft_source"] == "extractor" and t["reason"] is None and t["notice"] is None
     and extractor() and len(t["draft"]["entries"]) == 16'
review_check "0.80-0.98, an answer that does not pass: the extractor's draft, Llm.NotPassed" mid-overlap \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.NotPassed" and extractor()
     and t["draft"]["confidence"] >= 0.8'

if python3 - "$TMP/mid-valid.out" "$TMP/high-valid.out" "$D/yogi.db" <<'EOF'
import json, sqlite3, sys
mid = json.loads(open(sys.argv[1]).read().splitlines()[0])
high = json.loads(open(sys.argv[2]).read().splitlines()[0])
db = sqlite3.connect(sys.argv[3])
row = lambda o: db.execute("SELECT status, route FROM documents WHERE id = ?", (o["document_id"],)).fetchone()
assert not mid.get("needs_review") and row(mid) == ("completed", "llm"), (mid, row(mid))
source, tt = db.execute("SELECT source, timetable FROM timetables WHERE document_id = ?"
                        " ORDER BY version DESC", (mid["document_id"],)).fetchone()
entries = json.loads(tt)["entries"]
assert source == "llm" and len(entries) == 16 and entries[0]["subject"] == "Art", (source, entries[:1])
assert all("source" not in e for e in entries), "provenance leaked into the saved timetable"
assert not high.get("needs_review") and row(high) == ("completed", "auto"), row(high)
EOF
then ok "0.80-0.98 with a passing answer: saved with source llm, as before; >= 0.98: auto"
else not_ok "0.80-0.98 with a passing answer is saved with source llm"; fi
[ "$(wc -l <"$TMP/mid.log")" -eq "$before_high" ] &&
    ok "a document scored 1.0 is never sent to the model" ||
    not_ok "a document scored 1.0 is never sent to the model"

# What the model changed: one subject in the medium document (16 slots), one
# subject and one addition in the low one (17 slots). The overlap answer
# (two lessons against sixteen) is recorded for its document, but did not
# pass its checks, so it is left out of the totals; nothing is recorded for
# a failed call.
if grep -qx 'yogi_llm_compared_documents_total 2' "$TMP/data.metrics" &&
   grep -qx 'yogi_llm_changed_documents_total 2' "$TMP/data.metrics" &&
   python3 - "$D/yogi.db" "$TMP/mid-valid.out" "$TMP/mid-overlap.out" "$TMP/data.metrics" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
doc = lambda f: json.loads(open(f).read().splitlines()[0])["document_id"]
row = lambda f: db.execute("SELECT passed, compared, changed, changes FROM llm_changes"
                           " WHERE document_id = ?", (doc(f),)).fetchone()
passed, compared, changed, changes = row(sys.argv[2])
assert (passed, compared, changed) == (1, 16, 1), (passed, compared, changed)
assert json.loads(changes) == [{"change": "subject",
    "model": {"day": "Monday", "start": "09:00", "end": "10:00", "subject": "Art"},
    "extractor": {"day": "Monday", "start": "09:00", "end": "10:00", "subject": "Maths"}}], changes
assert row(sys.argv[3])[:3] == (0, 16, 15), row(sys.argv[3])[:3]
assert db.execute("SELECT COUNT(*) FROM llm_changes").fetchone()[0] == 3
total, total_changed = db.execute("SELECT SUM(compared), SUM(changed) FROM llm_changes"
                                  " WHERE passed").fetchone()
assert (total, total_changed) == (33, 3), (total, total_changed)
metrics = dict(l.rsplit(" ", 1) for l in open(sys.argv[4]).read().splitlines() if l and l[0] != "#")
assert int(metrics["yogi_llm_compared_entries_total"]) == 33
assert int(metrics["yogi_llm_changed_entries_total"]) == 3
assert abs(float(metrics["yogi_llm_changed_entries_share"]) - 3 / 33) < 1e-6
assert int(metrics['yogi_llm_changes_total{kind="subject"}']) == 2
assert int(metrics['yogi_llm_changes_total{kind="added"}']) == 1
assert int(metrics['yogi_llm_changes_total{kind="removed"}']) == 0
EOF
then ok "the entries the model changed are recorded per document and their share is in /metrics"
else not_ok "the changed entries are recorded and their share exported" \
    "$(grep -E 'llm_(compared|changed|changes)' "$TMP/data.metrics" | tr '\n' ' ')"; fi

# A person approves the model's draft: the review did happen, and the
# document is completed with the reviewer's timetable.
token=$(python3 - "$TMP/low-valid.out" "$TMP/data.tasks" <<'EOF'
import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[0])
for t in json.load(open(sys.argv[2]))["tasks"]:
    if t["input"].get("document_id") == o["document_id"]:
        print(t["token"])
        entries = [{k: e[k] for k in ("day", "start", "end", "subject")} for e in t["input"]["draft"]["entries"]]
        json.dump({"output": dict(t["input"]["draft"], entries=entries, confidence=1)},
                  open(sys.argv[1] + ".approve", "w"))
EOF
)
curl -s --max-time 10 -X POST -H 'Content-Type: application/json' \
    --data @"$TMP/low-valid.out.approve" "http://127.0.0.1:$sport/v1/tasks/$token/success" >/dev/null
doc=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[0])['document_id'])" "$TMP/low-valid.out")
i=0; status=""
while [ $i -lt 50 ] && [ "$status" != completed ]; do
    sleep 0.2; i=$((i + 1))
    status=$(curl -s --max-time 5 "http://127.0.0.1:$sport/v1/documents/$doc" |
        python3 -c "import json,sys; print(json.load(sys.stdin).get('status'))" 2>/dev/null)
done
stop_serve
if [ "$status" = completed ] && python3 - "$D/yogi.db" "$doc" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
route, conf = db.execute("SELECT route, confidence FROM documents WHERE id = ?", (sys.argv[2],)).fetchone()
source, tt = db.execute("SELECT source, timetable FROM timetables WHERE document_id = ?"
                        " ORDER BY version DESC", (sys.argv[2],)).fetchone()
assert (route, source) == ("review", "reviewed"), (route, source)
assert len(json.loads(tt)["entries"]) == 17
EOF
then ok "the reviewer approves the model's draft: completed, route review, source reviewed"
else not_ok "the reviewer approves the model's draft" "status=$status"; fi

# ---- the budget ----------------------------------------------------------------

serve "$B" budget
stop_serve
cp "$TMP/budget.tasks" "$TMP/data.tasks"
review_check "within the budget: the model's draft" budget-1 't["draft_source"] == "model"'
review_check "budget spent: review with the extractor's draft and a notice, Llm.BudgetSpent" budget-2 \
    't["draft_source"] == "extractor" and t["reason"] == "Llm.BudgetSpent" and extractor()
     and "1801 of 1000 tokens" in t["notice"]'
[ "$(requests budget valid)" -eq 1 ] && ok "the spent budget stopped the second request" ||
    not_ok "the spent budget stopped the second request" "$(requests budget valid) requests"
if grep -qx 'yogi_llm_spend_tokens_today 1801' "$TMP/budget.metrics" &&
   grep -qx 'yogi_llm_budget_tokens_per_day 1000' "$TMP/budget.metrics" &&
   grep -qx 'yogi_llm_spend_cost_today 0.012207' "$TMP/budget.metrics" &&
   grep -qx 'yogi_llm_budget_cost_per_day 5.000000' "$TMP/budget.metrics" &&
   grep -qx 'yogi_llm_budget_refused_today 1' "$TMP/budget.metrics"; then
    ok "/metrics shows the day's spend against the budget, and the refusal"
else not_ok "/metrics shows spend against budget" "$(grep -E 'llm_(spend|budget)' "$TMP/budget.metrics" | tr '\n' ' ')"; fi

# ---- hygiene -------------------------------------------------------------------

if python3 - "$TMP"/low.log "$TMP"/mid.log "$TMP"/budget.log <<'EOF'
import json, sys
reqs = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
bad = [r for r in reqs if r.get("problems")]
assert reqs and not bad, bad[:2]
EOF
then ok "every request passed the server's checks"
else not_ok "every request passed the server's checks"; fi
if grep -qF "$KEY" "$TMP/all-output" "$TMP"/*.out "$TMP"/*.tasks 2>/dev/null; then
    not_ok "the API key appears in no output"
else ok "the API key appears in no output"; fi
no_sanitizer_report "no sanitizer reports" "$TMP/all-output"

done_testing
