#!/bin/sh
# sandbox.sh — plugin workers run with no_new_privs and a seccomp
# allow-list (engine/sandbox.c). A forbidden call (execve; socket() from a
# plugin without network) kills that worker: its task fails with SIGSYS,
# the execution catches it, and the next task runs on a fresh worker.
. tests/lib.sh

if ! command -v jq >/dev/null; then skip "sandbox" "jq is needed"; done_testing; exit 0; fi
case "${BUILD:-build}" in *address*|*undefined*|*thread*)
    skip "sandbox" "not applied in sanitizer builds"; done_testing; exit 0 ;; esac
# flow ACTION: Forbidden (testkit ACTION) caught, then After (testkit env).
flow() {
    cat >"$TMP/$1.yaml" <<Y
StartAt: Forbidden
States:
  Forbidden:
    Type: Task
    Resource: plugin:testkit
    Parameters: {action: $1}
    Catch:
      - ErrorEquals: [States.ALL]
        ResultPath: \$.caught
        Next: After
    Next: After
  After:
    Type: Task
    Resource: plugin:testkit
    Parameters: {action: env}
    ResultPath: \$.env
    End: true
Y
    "$YOGI" run "$TMP/$1.yaml" --input '{}' --plugins "$PLUGIN_DIR" --workers 1 >"$TMP/$1.out" 2>"$TMP/$1.err"
}
for action in exec socket; do
    flow "$action"
    out=$TMP/$action.out
    [ "$(jq -r .output.caught.Cause "$out")" = "worker for plugin testkit died: SIGSYS (Bad system call)" ] &&
        ok "testkit $action: the worker is killed by the filter" || not_ok "$action killed" "$(cat "$out" "$TMP/$action.err" | head -c 400)"
    [ "$(jq -r .status "$out")" = SUCCEEDED ] && [ "$(jq -r .output.env.tasks "$out")" = 1 ] &&
        ok "only that task failed: the next ran on a fresh worker" || not_ok "next task after $action" "$(head -c 400 "$out")"
done
[ "$(jq -r .output.env.no_new_privs "$TMP/exec.out")" = 1 ] && ok "workers run with no_new_privs" ||
    not_ok "no_new_privs" "$(head -c 300 "$TMP/exec.out")"
# A plugin declared as needing the network may open sockets.
YOGI_NETWORK_PLUGINS=testkit flow socket
[ "$(jq -r '.output.caught // "none"' "$TMP/socket.out")" = none ] && [ "$(jq -r .output.env.no_new_privs "$TMP/socket.out")" = 1 ] &&
    ok "a network plugin's worker may create a socket" || not_ok "network plugin socket" "$(head -c 400 "$TMP/socket.out")"
done_testing
