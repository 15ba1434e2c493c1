#!/bin/sh
# http_hostile.sh — request smuggling shapes are refused, task tokens do
# not reach the access log, and a server error's body names no file.
. tests/lib.sh
. tests/serve_lib.sh

if ! command -v curl >/dev/null || ! command -v jq >/dev/null || ! command -v python3 >/dev/null; then
    skip "http_hostile" "curl, jq and python3 are needed"; done_testing; exit 0
fi
trap 'serve_stop; rm -rf "$TMP"' EXIT
DATA=$TMP/data
serve_start --workers 1 --access-log || { not_ok "server starts" "$(tail -5 "$TMP/server.log")"; done_testing; exit 1; }
UP=$(new_token uploader)

# raw HEAD-LINES: send the request as written; print the status code of the
# first answer and whether the connection was then closed.
raw() {
    python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().replace(b"\\r\\n", b"\r\n"))
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none", data.count(b"HTTP/1.1 "))
PY
}
AUTH="Authorization: Bearer $UP"
got=$(raw "POST /v1/documents HTTP/1.1\\r\\nHost: x\\r\\n$AUTH\\r\\nContent-Type: image/png\\r\\nContent-Length: 5\\r\\nContent-Length: 44\\r\\n\\r\\nhelloGET /v1/documents HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
[ "$got" = "400 1" ] && ok "two different Content-Lengths: 400, and the smuggled request is not served" || not_ok "conflicting Content-Length" "$got"
got=$(raw "POST /v1/documents HTTP/1.1\\r\\nHost: x\\r\\n$AUTH\\r\\nContent-Type: image/png\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n")
[ "${got% *}" = 400 ] && ok "Content-Length with Transfer-Encoding: 400" || not_ok "CL + TE" "$got"
got=$(raw "POST /v1/documents HTTP/1.1\\r\\nHost: x\\r\\n$AUTH\\r\\nContent-Type: image/png\\r\\nContent-Length: +5\\r\\n\\r\\nhello")
[ "${got% *}" = 400 ] && ok "a signed Content-Length: 400" || not_ok "signed CL" "$got"
got=$(raw "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n")
[ "${got% *}" = 400 ] && ok "two Host headers: 400" || not_ok "two Hosts" "$got"
got=$(raw "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
[ "$got" = "200 1" ] && ok "a plain request is still served" || not_ok "plain request" "$got"
call "$UP" GET /v1/documents; expect "the document smuggled in was never stored" 200 '.documents | length' 0

# Task tokens are bearer capabilities: not in the access log.
ADMINTOK=$ADMIN
call "$ADMINTOK" POST /v1/tasks/ex_secret.1.0123456789abcdef/heartbeat
grep -q 'POST /v1/tasks/<token>/heartbeat 404' "$TMP/server.log" && ! grep -q '0123456789abcdef' "$TMP/server.log" &&
    ok "the access log redacts task tokens" || not_ok "token redaction" "$(grep tasks "$TMP/server.log" | tail -2)"

# A storage failure: the 503 names no file (the log does).
rm -rf "$DATA/documents"; echo "not a directory" >"$DATA/documents"
printf '\211PNG\r\n\032\nx' >"$TMP/tt.png"
call "$UP" POST /v1/documents -H 'Content-Type: image/png' --data-binary @"$TMP/tt.png"
if [ "$STATUS" = 503 ] && ! grep -q "$TMP" "$TMP/body" && ! grep -q '"/' "$TMP/body"; then
    ok "a 503 body shows no server path ($(json .error.message))"
else not_ok "no paths in 503" "$STATUS $(cat "$TMP/body")"; fi
grep -q "yogi: 503 Engine.Storage: .*$TMP" "$TMP/server.log" && ok "the log keeps the detail" ||
    not_ok "detail logged" "$(tail -3 "$TMP/server.log")"
rm -f "$DATA/documents"
serve_stop
contract_check
done_testing
