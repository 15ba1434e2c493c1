#!/bin/sh
# bench/remote_workers.sh — remote workers against local ones.
#
# 1. Documents per second through the shipped document workflow, DOCS
#    generated timetables (default 20) uploaded at once and timed until
#    every one is completed: with the engine's own 1, 2 and 4 worker
#    processes, then with preprocessing and OCR moved to 1, 2 and 4
#    `yogi worker` processes on loopback (--resources maps them to
#    activities; the engine keeps one local worker for the light states).
# 2. The engine's coordination cost per task: a Map of TASKS items (default
#    500) run as Pass states (the engine alone), as local echo tasks, and as
#    echo activities served by one remote worker with concurrency 4; the
#    differences per item are what a local and a remote task cost the
#    engine beyond its transitions.
# All on this machine: remote workers share its cores with the engine, so
# (1) shows the protocol's overhead, not the gain of more machines.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$PWD/$BUILD/yogi
PLUGINS=$PWD/$BUILD/states
DOCS=${DOCS:-20}
TASKS=${TASKS:-500}
[ -x "$YOGI" ] || { echo "bench/remote_workers.sh: build $YOGI first" >&2; exit 2; }
command -v convert >/dev/null && command -v curl >/dev/null && command -v jq >/dev/null ||
    { echo "bench/remote_workers.sh: needs convert, curl and jq" >&2; exit 0; }
TMP=$(mktemp -d /tmp/yogi-bench-remote-XXXXXX)
PIDS=""; WPIDS=""; SERVE=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
now() { date +%s.%N; }

mkdir -p "$TMP/f" "$TMP/wf"
cp workflows/document_processing.yaml "$TMP/wf/"
echo '{"plugin:preprocess": "activity:preprocess", "plugin:ocr": "activity:ocr"}' >"$TMP/remote.json"
tests/tools/timetable_images.sh "$DOCS" "$TMP/f" || exit 1

serve() { # serve DATA WORKERS [serve args]: sets BASE, SERVE
    data=$1; w=$2; shift 2
    "$YOGI" serve --data "$data" --workflows "$TMP/wf" --plugins "$PLUGINS" --workers "$w" \
        --listen 127.0.0.1:0 --no-auth "$@" >"$data.log" 2>&1 &
    SERVE=$!; PIDS="$PIDS $SERVE"; port=""; i=0
    while [ -z "$port" ] && [ $i -lt 300 ]; do
        port=$(sed -n 's|^yogi: listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$data.log" 2>/dev/null)
        sleep 0.1; i=$((i + 1)); done
    BASE=http://127.0.0.1:$port
}
workers() { # workers N ACTIVITY-ARGS...: N remote workers
    n=$1; shift; k=0; WPIDS=""
    while [ $k -lt "$n" ]; do
        "$YOGI" worker --endpoint "$BASE" --plugins "$PLUGINS" --name "w$k" "$@" 2>/dev/null &
        WPIDS="$WPIDS $!"; PIDS="$PIDS $!"; k=$((k + 1))
    done
}
stop() { for p in $WPIDS $SERVE; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; WPIDS=""; }

docs_per_second() { # after serve (+ workers): upload DOCS, wait for all to complete
    t0=$(now)
    i=1; while [ $i -le "$DOCS" ]; do curl -s -F "file=@$TMP/f/t$i.png" "$BASE/v1/documents" >/dev/null; i=$((i + 1)); done
    while :; do
        done_n=$(curl -s "$BASE/v1/documents?limit=500" | jq '[.documents[] | select(.status == "completed" or .status == "failed" or .status == "needs_review")] | length')
        [ "$done_n" -ge "$DOCS" ] && break
        sleep 0.2
    done
    t1=$(now)
    failed=$(curl -s "$BASE/v1/documents?limit=500" | jq '[.documents[] | select(.status != "completed")] | length')
    echo "$t0 $t1 $failed" | awk -v d="$DOCS" '{ printf "%.2f docs/s (%.1f s for %d, %d not completed)", d / ($2 - $1), $2 - $1, d, $3 }'
}

echo "documents per second ($DOCS timetables; $(nproc) CPUs shared by everything):"
for w in 1 2 4; do
    serve "$TMP/local$w" "$w"
    printf '  local workers:  %d  %s\n' "$w" "$(docs_per_second)"
    stop
done
for r in 1 2 4; do
    serve "$TMP/remote$r" 1 --resources "$TMP/remote.json"
    workers "$r" --activity ocr --activity preprocess --concurrency 1
    printf '  remote workers: %d  %s\n' "$r" "$(docs_per_second)"
    stop
done

# ---- coordination cost per task -------------------------------------------------------
map_flow() { # map_flow KIND: a Map of the input's items through one state
    case $1 in
    pass) inner='{"Type": "Pass", "End": true}' ;;
    local) inner='{"Type": "Task", "Resource": "plugin:echo", "End": true}' ;;
    remote) inner='{"Type": "Task", "Resource": "activity:echo", "HeartbeatSeconds": 30, "End": true}' ;;
    esac
    printf '{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 16, "Iterator": {"StartAt": "S", "States": {"S": %s}}, "End": true}}}\n' "$inner"
}
items=$(seq 1 "$TASKS" | jq -s -c '{items: map({n: .})}')
run_map() { # run_map KIND → seconds
    curl -s -X PUT -H 'Content-Type: application/json' --data-binary "$(map_flow "$1")" "$BASE/v1/workflows/map_$1" >/dev/null
    t0=$(now)
    id=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"workflow\":\"map_$1\",\"input\":$items}" "$BASE/v1/executions" | jq -r .id)
    while [ "$(curl -s "$BASE/v1/executions/$id" | jq -r .status)" = RUNNING ]; do sleep 0.05; done
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}
serve "$TMP/map" 4
workers 1 --activity echo --concurrency 4
sleep 0.5
tp=$(run_map pass); tl=$(run_map local); tr=$(run_map remote)
stop
echo "engine coordination per task (Map of $TASKS items, MaxConcurrency 16):"
echo "$tp $tl $tr" | awk -v n="$TASKS" '{
    printf "  Pass only (engine transitions): %.2f ms per item\n", 1000 * $1 / n
    printf "  local echo task:                %.2f ms per item (+%.2f ms for the task)\n", 1000 * $2 / n, 1000 * ($2 - $1) / n
    printf "  remote echo activity:           %.2f ms per item (+%.2f ms for the task: poll, commit of ActivityStarted, answer)\n", 1000 * $3 / n, 1000 * ($3 - $1) / n
    printf "  one engine coordinates about %.0f remote tasks/s\n", n / $3 }'
