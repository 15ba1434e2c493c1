#!/bin/sh
# tls.sh — `yogi serve --tls-cert FILE --tls-key FILE`: HTTPS with a
# self-signed certificate made here, TLS 1.2 as the floor, and plain HTTP
# to the TLS port failing cleanly (the server goes on serving HTTPS).
. tests/lib.sh
. tests/serve_lib.sh

if ! command -v curl >/dev/null || ! command -v jq >/dev/null || ! command -v openssl >/dev/null; then
    skip "tls" "curl, jq and openssl are needed"; done_testing; exit 0
fi
trap 'serve_stop; rm -rf "$TMP"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null ||
    { not_ok "make a self-signed certificate"; done_testing; exit 1; }

"$YOGI" serve --data "$TMP/other" --listen 127.0.0.1:0 --tls-cert "$TMP/cert.pem" >"$TMP/usage" 2>&1
[ $? -ne 0 ] && grep -q 'tls-key' "$TMP/usage" && ok "--tls-cert without --tls-key is refused" ||
    not_ok "cert without key" "$(cat "$TMP/usage")"
"$YOGI" serve --data "$TMP/other" --listen 127.0.0.1:0 --tls-cert "$TMP/cert.pem" --tls-key "$TMP/nokey.pem" >"$TMP/usage" 2>&1
[ $? -ne 0 ] && grep -q 'TLS.Config' "$TMP/usage" && ok "a missing key file is a clear error" ||
    not_ok "missing key" "$(cat "$TMP/usage")"

serve_start --workers 1 --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" ||
    { not_ok "server starts with TLS" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
grep -q "listening on https://127.0.0.1:$PORT" "$TMP/server.log" && ok "it says https" || not_ok "https in the log"
BASE="https://127.0.0.1:$PORT"
call "" GET /healthz --cacert "$TMP/cert.pem"; expect "GET /healthz over TLS, certificate verified" 200 .status ok
call "$ADMIN" GET /v1/workflows --cacert "$TMP/cert.pem"; expect "an authenticated call over TLS" 200
curl -s -o /dev/null --cacert "$TMP/cert.pem" --tlsv1.0 --tls-max 1.1 "$BASE/healthz"
rc=$?
[ $rc -ne 0 ] && ok "TLS 1.1 is refused (curl exit $rc)" || not_ok "TLS 1.1 refused"
curl -s -o /dev/null --cacert "$TMP/cert.pem" --tlsv1.2 --tls-max 1.2 -w '%{http_code}' "$BASE/healthz" >"$TMP/code"
[ "$(cat "$TMP/code")" = 200 ] && ok "TLS 1.2 is served" || not_ok "TLS 1.2" "$(cat "$TMP/code")"
code=$(curl -s -o "$TMP/plain" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/healthz")
rc=$?
[ "$code" != 200 ] && ! grep -qs '"status"' "$TMP/plain" && [ $rc -ne 28 ] &&
    ok "plain HTTP to the TLS port fails cleanly (curl exit $rc, no answer, no hang)" ||
    not_ok "plain HTTP refused" "code $code rc $rc"
call "" GET /healthz --cacert "$TMP/cert.pem"; expect "HTTPS still served afterwards" 200 .status ok
serve_stop
done_testing
