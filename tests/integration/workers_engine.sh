#!/bin/sh
# workers_engine.sh — the worker pool under the engine: a crashing plugin
# fails its task with a named cause that Retry and Catch see, and a hanging
# one is stopped by the state's TimeoutSeconds.
. tests/lib.sh

cat >"$TMP/crash.json" <<'JSON'
{"StartAt": "Crash", "States": {
  "Crash": {"Type": "Task", "Resource": "plugin:testkit", "Parameters": {"action": "crash"},
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After", "ResultPath": "$.error"}],
            "Next": "After"},
  "After": {"Type": "Task", "Resource": "plugin:testkit",
            "Parameters": {"action": "echo", "value.$": "$.error"}, "End": true}}}
JSON
out=$("$YOGI" run "$TMP/crash.json" --plugins "$PLUGIN_DIR" --history 2>"$TMP/err")
case "$out" in
*'"status":"SUCCEEDED"'*'"Cause":"worker for plugin testkit died: SIGSEGV (Segmentation fault)"'*)
    ok "a crash is caught with its signal as the cause" ;;
*) not_ok "a crash is caught with its signal as the cause" "$out $(tail -3 "$TMP/err")" ;;
esac
retries=$(printf '%s' "$out" | grep -o '"TaskFailed"' | wc -l)
[ "$retries" -eq 2 ] && ok "the crash was retried once in a new worker" \
    || not_ok "the crash was retried once" "$retries TaskFailed events: $out"

cat >"$TMP/hang.json" <<'JSON'
{"StartAt": "Hang", "States": {
  "Hang": {"Type": "Task", "Resource": "plugin:testkit", "Parameters": {"action": "hang"},
           "TimeoutSeconds": 1, "End": true}}}
JSON
start=$(date +%s)
out=$("$YOGI" run "$TMP/hang.json" --plugins "$PLUGIN_DIR" 2>"$TMP/err")
elapsed=$(( $(date +%s) - start ))
case "$out" in
*'"error":"States.Timeout"'*) ok "a hanging plugin times out" ;;
*) not_ok "a hanging plugin times out" "$out" ;;
esac
[ "$elapsed" -le 5 ] && ok "the timeout is prompt" || not_ok "the timeout is prompt" "${elapsed}s"

cat >"$TMP/missing.json" <<'JSON'
{"StartAt": "Nope", "States": {
  "Nope": {"Type": "Task", "Resource": "plugin:badabi", "End": true}}}
JSON
out=$("$YOGI" run "$TMP/missing.json" --plugins "$PLUGIN_DIR" 2>"$TMP/err")
case "$out" in
*'"error":"Plugin.AbiMismatch"'*) ok "a wrong-ABI plugin fails the execution by name" ;;
*) not_ok "a wrong-ABI plugin fails the execution by name" "$out $(tail -3 "$TMP/err")" ;;
esac

done_testing
