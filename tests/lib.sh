# tests/lib.sh — helpers for integration scripts (sourced).
#
#   . tests/lib.sh
#   ok "name" / not_ok "name" "why" / skip "name" "why"
#   check "name" command args...     ok when the command succeeds
#   no_sanitizer_report "name" FILE... ok unless FILE holds a sanitizer report
#   done_testing                      prints the plan; exit status 1 on failure
#   need SUITE cmd plugin:NAME...     skip the suite unless they are there
#
# YOGI is the binary under test; TMP a scratch directory removed at exit.
set -u
BUILD=${BUILD:-build}
YOGI=${YOGI:-$PWD/$BUILD/yogi}
PLUGIN_DIR=${PLUGIN_DIR:-$PWD/$BUILD/states}
TMP=$(mktemp -d /tmp/yogi-it-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
_n=0; _failed=0
ok()     { _n=$((_n + 1)); echo "ok $_n $1"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n $1"; [ -n "${2:-}" ] && echo "# $2"; return 0; }
skip()   { _n=$((_n + 1)); echo "ok $_n $1 # SKIP ${2:-}"; }
check()  { name=$1; shift; if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$(printf '%s' "$out" | tail -5 | tr '\n' ' ')"; fi; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; }
# The shared material (datasets, conformance) exists in CI and dev machines,
# not in a user's fresh clone: tests that need it report themselves skipped.
have_shared() { [ -n "${YOGI_SHARED:-}" ] && [ -d "$YOGI_SHARED" ]; }
# need SUITE THING...: the whole suite is skipped (and the script exits)
# unless every THING is there: a command on PATH, or plugin:NAME built.
need() {
    _suite=$1; shift
    for _w in "$@"; do
        case $_w in
            plugin:*) [ -f "$PLUGIN_DIR/${_w#plugin:}.so" ] && continue
                      _why="plugin ${_w#plugin:} is not built" ;;
            *) command -v "$_w" >/dev/null 2>&1 && continue
               _why="$_w is needed" ;;
        esac
        skip "$_suite" "$_why"; done_testing; exit 0
    done
}
# sanitizer_report FILE...: true when the files hold an AddressSanitizer,
# LeakSanitizer or UBSan report, whose first lines it prints (as Redis's
# tests scan every server's stderr after it exits).
sanitizer_report() {
    grep -qsE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$@" &&
        grep -hsm3 -E 'Sanitizer|runtime error' "$@"
}
# no_sanitizer_report NAME FILE...: ok NAME, or not_ok NAME with the report.
no_sanitizer_report() {
    _name=$1; shift
    if _report=$(sanitizer_report "$@"); then not_ok "$_name" "$(printf '%s' "$_report" | tr '\n' ' ')"
    else ok "$_name"; fi
}
# start_yogi DATA LOG [serve args...]: `yogi serve` on a free loopback port
# (or on $LISTEN when set: a restart on the same port) in the background,
# its output in LOG (emptied first); sets PID, PORT and BASE, and ADMIN when
# the server prints an admin token (a first start; a restart keeps the old
# one); false when it does not come up.
start_yogi() {
    _data=$1; _log=$2; shift 2
    : >"$_log"
    "$YOGI" serve --data "$_data" --listen "${LISTEN:-127.0.0.1:0}" --plugins "$PLUGIN_DIR" \
        "$@" >>"$_log" 2>&1 &
    PID=$!
    _i=0; PORT=""
    while [ $_i -lt 300 ]; do
        PORT=$(sed -n 's|^yogi: listening on https\{0,1\}://127.0.0.1:\([0-9]*\)$|\1|p' "$_log")
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1; _i=$((_i + 1))
    done
    BASE="http://127.0.0.1:${PORT:-0}"
    _admin=$(sed -n 's/^yogi: admin token: //p' "$_log")
    ADMIN=${_admin:-${ADMIN:-}}
    [ -n "$PORT" ]
}
# stop_yogi LOG: SIGTERM the server started by start_yogi and wait for it;
# not_ok (and false) when LOG holds a sanitizer report.
stop_yogi() {
    [ -n "${PID:-}" ] || return 0
    kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
    if _report=$(sanitizer_report "$1"); then
        not_ok "no sanitizer report from the server" "$_report"
        return 1
    fi
}
