#!/bin/sh
# bench/api_load.sh — the HTTP API under load, on loopback only, bounded.
#
#   1. GET /v1/documents/{id} at 500 requests/s for 30 s: p99 and errors
#      (goal: p99 < 20 ms, no errors).
#   2. 50 uploads at once (50 connections): every one answered 202 and every
#      one listed afterwards (goal: none lost).
#   3. Overload: the server is given a capacity (--rate-limit 1000) and
#      driven at 5x that for 10 s; the excess must be answered 429/503
#      quickly (p99 of all replies) instead of queueing.
# The load generator is bench/tools/api_loadgen.c (libevent, open loop,
# latency from each request's scheduled time). DURATION overrides 30.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
YOGI=$PWD/$BUILD/yogi
DURATION=${DURATION:-30}
[ -x "$YOGI" ] || { echo "bench/api_load.sh: build $YOGI first" >&2; exit 2; }
command -v curl >/dev/null && command -v jq >/dev/null || { echo "api_load: needs curl and jq" >&2; exit 2; }
TMP=$(mktemp -d /tmp/yogi-bench-api-XXXXXX)
GEN=$TMP/api_loadgen
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -o "$GEN" bench/tools/api_loadgen.c $(pkg-config --cflags --libs libevent) ||
    exit 2

mkdir -p "$TMP/wf"
cat >"$TMP/wf/document_processing.yaml" <<'Y'
StartAt: Accept
States:
  Accept:
    Type: Pass
    End: true
Y
start() {
    : >"$TMP/log"
    "$YOGI" serve --data "$TMP/data" --listen 127.0.0.1:0 --workflows "$TMP/wf" \
        --plugins "$PWD/$BUILD/states" "$@" >>"$TMP/log" 2>&1 &
    PID=$!
    i=0
    while [ $i -lt 300 ] && ! grep -q "listening on" "$TMP/log" && kill -0 "$PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    PORT=$(sed -n 's|^yogi: listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$TMP/log")
    [ -n "$PORT" ] || { echo "api_load: server did not start: $(tail -3 "$TMP/log")" >&2; exit 1; }
}
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }

start --rate-limit 0
TOKEN=$(sed -n 's/^yogi: admin token: //p' "$TMP/log")
AUTH="Authorization: Bearer $TOKEN"
cp "${YOGI_SHARED:-/nonexistent}/datasets/timetables-dev/tt001.png" "$TMP/doc.png" 2>/dev/null ||
    head -c 200000 /dev/urandom >"$TMP/doc.png"
DOC=$(curl -s -H "$AUTH" -F "file=@$TMP/doc.png;type=image/png" "http://127.0.0.1:$PORT/v1/documents" | jq -r .id)

echo "GET /v1/documents/{id}, 500 req/s for ${DURATION}s, 16 connections:"
"$GEN" 127.0.0.1 "$PORT" "/v1/documents/$DOC" --rate 500 --duration "$DURATION" --conns 16 --token "$TOKEN"

before=$(curl -s -H "$AUTH" "http://127.0.0.1:$PORT/v1/documents?limit=500" | jq '.documents | length')
echo "50 concurrent uploads ($(wc -c <"$TMP/doc.png") bytes each, 50 connections):"
"$GEN" 127.0.0.1 "$PORT" "/v1/documents?filename=bench.png" --method POST --body "$TMP/doc.png" \
    --type image/png --rate 100000 --count 50 --conns 50 --token "$TOKEN"
after=$(curl -s -H "$AUTH" "http://127.0.0.1:$PORT/v1/documents?limit=500" | jq '.documents | length')
echo "documents listed: before=$before after=$after new=$((after - before)) (want 50)"

echo "Capacity probe: GET /v1/documents/{id} at 20000 req/s for 5 s, no rate limit:"
"$GEN" 127.0.0.1 "$PORT" "/v1/documents/$DOC" --rate 20000 --duration 5 --conns 64 --token "$TOKEN"
stop

start --rate-limit 1000
echo "Overload: capacity set to 1000 req/s (--rate-limit), driven at 5000 req/s for 10 s:"
"$GEN" 127.0.0.1 "$PORT" "/v1/documents/$DOC" --rate 5000 --duration 10 --conns 64 --token "$TOKEN"
stop
