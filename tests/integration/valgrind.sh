#!/bin/sh
# valgrind in the test suite: `yogi run` of workflows that exercise every
# state type, retries, Map, Parallel and a plugin crash, and `yogi validate`
# on bad input, under memcheck. Any invalid read/write, use of uninitialised
# memory or definite leak in the engine process fails the test. (Worker
# processes are forked, not exec'd; their reports are silenced with
# --child-silent-after-fork: the plugins' own tests cover them.)
. tests/lib.sh
if ! command -v valgrind >/dev/null 2>&1; then
    skip "valgrind" "valgrind is not installed"; done_testing; exit $?
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes"
cat >"$TMP/flow.yaml" <<'YAML'
StartAt: Prep
States:
  Prep: {Type: Pass, Parameters: {"xs": [1, 2, 3], "s.$": "States.Format('{}!', $.name)"}, Next: Pick}
  Pick:
    Type: Choice
    Choices: [{Variable: $.s, StringMatches: "*!", Next: Fan}]
    Default: Bad
  Bad: {Type: Fail, Error: Bad}
  Fan:
    Type: Map
    ItemsPath: $.xs
    MaxConcurrency: 2
    ItemProcessor:
      StartAt: Echo
      States:
        Echo: {Type: Task, Resource: plugin:echo, End: true}
    ResultPath: $.ys
    Next: Both
  Both:
    Type: Parallel
    Branches:
      - {StartAt: W, States: {W: {Type: Wait, Seconds: 0, End: true}}}
      - StartAt: Crash
        States:
          Crash:
            Type: Task
            Resource: plugin:testkit
            Parameters: {action: crash}
            Retry: [{ErrorEquals: [States.TaskFailed], IntervalSeconds: 1, MaxAttempts: 1}]
            Catch: [{ErrorEquals: [States.ALL], Next: Fine}]
            End: true
          Fine: {Type: Pass, Result: fine, End: true}
    End: true
YAML
if out=$($VG "$YOGI" run "$TMP/flow.yaml" --input '{"name":"x"}' --history 2>&1) &&
   printf '%s' "$out" | grep -q '"status":"SUCCEEDED"'; then
    ok "valgrind yogi run (all state types, Map, Parallel, retry, crashing plugin)"
else
    not_ok "valgrind yogi run" "$(printf '%s' "$out" | tail -5 | tr '\n' ' ')"
fi
printf 'StartAt: A\nStates:\n  A: {Type: Pass, Next: Nowhere}\n  B: {Type: Bogus}\n' >"$TMP/bad.yaml"
$VG "$YOGI" validate "$TMP/bad.yaml" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ "$rc" -eq 2 ]; then ok "valgrind yogi validate (invalid workflow)"; else
    not_ok "valgrind yogi validate" "exit $rc: $(tail -3 "$TMP/bad.err" | tr '\n' ' ')"; fi
$VG "$YOGI" run "$TMP/flow.yaml" --input '{"name": ' >/dev/null 2>"$TMP/input.err"
rc=$?
if [ "$rc" -eq 2 ]; then ok "valgrind yogi run (malformed input)"; else
    not_ok "valgrind yogi run (malformed input)" "exit $rc: $(tail -3 "$TMP/input.err" | tr '\n' ' ')"; fi
done_testing
