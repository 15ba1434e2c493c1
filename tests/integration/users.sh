#!/bin/sh
# users.sh — people, not tokens: `yogi user` (also while the service runs),
# the first admin's one-time setup link, sign-in with a session cookie
# (HttpOnly, SameSite=Strict, Secure over TLS), CSRF on state changes, the
# sign-in rate limit, tokens that belong to a user and follow its role,
# disabling, the admin's /v1/users, and old tokens that keep working.
. tests/lib.sh

DATA=$TMP/data; PID=""
trap 'stop_yogi "$TMP/server.log"; rm -rf "$TMP"' EXIT
start_server() { start_yogi "$DATA" "$TMP/server.log" --workflows "$PWD/workflows"; }
# req METHOD PATH [curl args]: STATUS, body in $TMP/body, headers in $TMP/head.
req() {
    m=$1; p=$2; shift 2
    STATUS=$(curl -s -D "$TMP/head" -o "$TMP/body" -w '%{http_code}' -X "$m" --max-time 20 "$@" "$BASE$p")
}
field() { jq -r "$1" <"$TMP/body" 2>/dev/null; }
is() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "got '$2', wanted '$3': $(head -c 200 "$TMP/body")"; }
J='Content-Type: application/json'

# An old token made before any user: it keeps working afterwards.
OLD=$("$YOGI" token create --role uploader --data "$DATA" 2>/dev/null)
start_server || { not_ok "server starts" "$(tail -3 "$TMP/server.log")"; done_testing; exit 1; }
LINK=$(sed -n 's|^yogi: setup link: ||p' "$TMP/server.log")
CODE=${LINK##*/}
case "$LINK" in http://127.0.0.1:$PORT/\#/setup/*) ok "first start prints a one-time setup link" ;;
    *) not_ok "first start prints a one-time setup link" "$(cat "$TMP/server.log")" ;; esac
grep -q 'yogi user add NAME --role admin' "$TMP/server.log" && ok "and the command that does the same" ||
    not_ok "setup command printed"
req GET /v1/setup; is "GET /v1/setup says a first admin is needed" "$(field .needed)" true
req POST /v1/setup -H "$J" --data '{"code":"0000","name":"root","password":"rootpass1"}'
is "a wrong setup code is refused" "$STATUS" 403
req POST /v1/setup -H "$J" -c "$TMP/admin.jar" --data "{\"code\":\"$CODE\",\"name\":\"root\",\"password\":\"rootpass1\"}"
is "the setup link creates the first admin and signs them in" "$STATUS/$(field .role)" 201/admin
req POST /v1/setup -H "$J" --data "{\"code\":\"$CODE\",\"name\":\"root2\",\"password\":\"rootpass1\"}"
is "the setup link works once" "$STATUS" 409

# yogi user while the service runs.
printf 'teachpass1\n' | "$YOGI" user add tina --role teacher --data "$DATA" 2>"$TMP/err"
is "yogi user add works while the service runs" "$?" 0
printf 'short\n' | "$YOGI" user add tim --role teacher --data "$DATA" 2>"$TMP/err"
[ $? -ne 0 ] && grep -q PasswordTooShort "$TMP/err" && ok "a short password is refused by name" ||
    not_ok "short password" "$(cat "$TMP/err")"
printf 'x\n' | "$YOGI" user add tim --role wizard --data "$DATA" 2>/dev/null
is "an unknown role is a usage error" "$?" 2
"$YOGI" user list --data "$DATA" >"$TMP/list"
grep -q '^tina  *teacher  *active' "$TMP/list" && grep -q '^root  *admin' "$TMP/list" &&
    ok "yogi user list" || not_ok "yogi user list" "$(cat "$TMP/list")"

# Sign in.
req POST /v1/session -H "$J" --data '{"name":"tina","password":"wrong-password"}'
is "a wrong password: 401 WrongPassword" "$STATUS/$(field .error.code)" 401/WrongPassword
req POST /v1/session -H "$J" -c "$TMP/tina.jar" --data '{"name":"tina","password":"teachpass1"}'
is "sign in" "$STATUS/$(field .user)/$(field .role)" 200/tina/teacher
COOKIE=$(grep -i '^set-cookie:' "$TMP/head")
case "$COOKIE" in *HttpOnly*SameSite=Strict*) ok "the cookie is HttpOnly and SameSite=Strict" ;;
    *) not_ok "cookie flags" "$COOKIE" ;; esac
case "$COOKIE" in *Secure*) not_ok "no Secure over plain HTTP" "$COOKIE" ;; *) ok "no Secure over plain HTTP" ;; esac
req POST /v1/session -H "$J" -H 'X-Forwarded-Proto: https' --data '{"name":"tina","password":"teachpass1"}'
grep -i '^set-cookie:' "$TMP/head" | grep -q '; Secure' && ok "Secure behind a TLS proxy" || not_ok "Secure over TLS"
req GET /v1/whoami -b "$TMP/tina.jar"
CSRF=$(field .csrf)
is "the session names its user" "$(field .user)" tina
[ ${#CSRF} -eq 64 ] && ok "the page gets a CSRF secret" || not_ok "csrf" "$CSRF"
printf 'PNG' >"$TMP/doc.png"
req POST /v1/documents -b "$TMP/tina.jar" -H 'Content-Type: image/png' --data-binary @"$TMP/doc.png"
is "an upload without the CSRF header is refused" "$STATUS/$(field .error.code)" 403/CsrfFailed
req POST /v1/documents -b "$TMP/tina.jar" -H "X-CSRF-Token: $(printf '%064d' 0)" -H 'Content-Type: image/png' --data-binary @"$TMP/doc.png"
is "and with a wrong one" "$STATUS" 403
req POST '/v1/documents?filename=week.png' -b "$TMP/tina.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: image/png' --data-binary @"$TMP/doc.png"
is "an upload with the session and its CSRF secret" "$STATUS" 202
DOC=$(field .id)

# A token that belongs to tina sees tina's documents.
TT=$("$YOGI" token create --user tina --data "$DATA" 2>/dev/null)
req GET /v1/whoami -H "Authorization: Bearer $TT"
is "a user's token carries the user's role" "$(field .user)/$(field .role)" tina/teacher
req GET "/v1/documents/$DOC" -H "Authorization: Bearer $TT"
is "a user's new token sees the user's documents" "$STATUS/$(field .owner)" "200/user:tina"
req GET "/v1/documents/$DOC" -H "Authorization: Bearer $OLD"
is "another uploader does not" "$STATUS" 404
req GET /v1/documents -H "Authorization: Bearer $OLD"
is "an old token made before users keeps working" "$STATUS" 200

# The admin's page.
req GET /v1/whoami -b "$TMP/admin.jar"; ACSRF=$(field .csrf)
req POST /v1/users -b "$TMP/admin.jar" -H "X-CSRF-Token: $ACSRF" -H "$J" --data '{"name":"rita","role":"reviewer","password":"reviewpass"}'
is "an admin adds a user" "$STATUS/$(field .role)" 201/reviewer
req POST /v1/users -b "$TMP/admin.jar" -H "X-CSRF-Token: $ACSRF" -H "$J" --data '{"name":"rita","role":"reviewer","password":"reviewpass"}'
is "a name is taken once" "$STATUS/$(field .error.code)" 409/UserExists
req GET /v1/users -b "$TMP/tina.jar"
is "a teacher may not list users" "$STATUS" 403
req GET /v1/users -b "$TMP/admin.jar"
is "GET /v1/users lists them without hashes" "$(field '[.users[].name] | join(",")')/$(grep -c argon2 "$TMP/body")" "rita,root,tina/0"

# A person changes their own password: the old sessions end, this one goes on.
req POST /v1/users -b "$TMP/admin.jar" -H "X-CSRF-Token: $ACSRF" -H "$J" --data '{"name":"uma","role":"teacher","password":"firstpass1"}'
req POST /v1/session -H "$J" -c "$TMP/uma1.jar" --data '{"name":"uma","password":"firstpass1"}'
req POST /v1/session -H "$J" -c "$TMP/uma2.jar" --data '{"name":"uma","password":"firstpass1"}'
req GET /v1/whoami -b "$TMP/uma2.jar"; UC=$(field .csrf)
req POST /v1/password -b "$TMP/uma2.jar" -H "X-CSRF-Token: $UC" -H "$J" --data '{"current":"wrong-one","password":"secondpass2"}'
is "changing a password needs the current one" "$STATUS/$(field .error.code)" 403/WrongPassword
req POST /v1/password -b "$TMP/uma2.jar" -c "$TMP/uma2.jar" -H "X-CSRF-Token: $UC" -H "$J" --data '{"current":"firstpass1","password":"secondpass2"}'
is "a person changes their own password" "$STATUS/$(field .user)" 200/uma
req GET /v1/whoami -b "$TMP/uma1.jar"
is "their other sessions end" "$STATUS" 401
req GET /v1/whoami -b "$TMP/uma2.jar"
is "this browser stays signed in" "$STATUS/$(field .user)" 200/uma
req POST /v1/session -H "$J" --data '{"name":"uma","password":"secondpass2"}'
is "the new password signs in" "$STATUS" 200

# Rate limit: five wrong passwords, then 429 even for the right one.
for i in 1 2 3 4 5; do req POST /v1/session -H "$J" --data '{"name":"rita","password":"nope-nope"}'; done
req POST /v1/session -H "$J" --data '{"name":"rita","password":"reviewpass"}'
is "sign-in attempts are rate-limited" "$STATUS/$(field .error.code)" 429/TooManyAttempts
grep -qi '^retry-after: [0-9]' "$TMP/head" && ok "with Retry-After" || not_ok "Retry-After"

# Disable: the session and the tokens stop at once.
"$YOGI" user disable tina --data "$DATA" 2>/dev/null
req GET /v1/whoami -b "$TMP/tina.jar"
is "disabling ends the user's sessions" "$STATUS" 401
req GET /v1/whoami -H "Authorization: Bearer $TT"
is "and stops the user's tokens" "$STATUS" 401
printf 'newpass123\n' | "$YOGI" user passwd root --data "$DATA" 2>/dev/null
req GET /v1/whoami -b "$TMP/admin.jar"
is "a new password ends the old sessions" "$STATUS" 401
req POST /v1/session -H "$J" --data '{"name":"root","password":"newpass123"}'
is "and the new password signs in" "$STATUS" 200

# Sign out.
req POST /v1/session -H "$J" -c "$TMP/root.jar" --data '{"name":"root","password":"newpass123"}'
req GET /v1/whoami -b "$TMP/root.jar"; RC=$(field .csrf)
req DELETE /v1/session -b "$TMP/root.jar" -H "X-CSRF-Token: $RC"
is "sign out" "$STATUS" 200
req GET /v1/whoami -b "$TMP/root.jar"
is "the cookie no longer works after signing out" "$STATUS" 401
stop_yogi "$TMP/server.log"
grep -q 'argon2\|newpass123\|teachpass1' "$TMP/server.log" && not_ok "no password or hash in the log" || ok "no password or hash in the log"
done_testing
