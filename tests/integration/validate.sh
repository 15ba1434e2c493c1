#!/bin/sh
# validate.sh — `yogi validate`: exit codes, the output format, resource
# resolution (plugins, resource map), every workflow shipped in workflows/,
# JSONata syntax errors and variables, and (with ../shared) every
# conformance definition.
. tests/lib.sh

# $1 name, $2 expected exit status, then the command; output in $TMP/out, $TMP/err.
expect_status() {
    name=$1 want=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else
        not_ok "$name" "exit $got, expected $want: $(head -3 "$TMP/err" | tr '\n' ' ')"; fi
}

# $1 name, $2 file, $3 extended regex that every line must match.
expect_lines() {
    if [ -s "$2" ] && ! grep -Evq "$3" "$2"; then ok "$1"; else
        not_ok "$1" "$(grep -Ev "$3" "$2" | head -3 | tr '\n' ' ')"; fi
}

# $1 name, $2 file, $3 fixed string that must appear.
expect_text() {
    if grep -Fq -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in: $(head -3 "$2" | tr '\n' ' ')"; fi
}

mkdir -p "$TMP/plugins"
: >"$TMP/plugins/echo.so"
cat >"$TMP/good.yaml" <<'EOF'
Comment: a good workflow
StartAt: Hello
States:
  Hello:
    Type: Task
    Resource: plugin:echo
    Retry:
      - ErrorEquals: [States.ALL]
        MaxAttempts: 2
    Next: Done
  Done:
    Type: Succeed
EOF
cat >"$TMP/bad.yaml" <<'EOF'
StartAt: Hello
States:
  Hello:
    Type: Task
    Resource: plugin:missing
    Nxet: Done
  Done:
    Type: Succeed
EOF
printf '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}\n' >"$TMP/aws.json"
printf '{"arn:aws:states:::lambda:invoke": {"plugin": "echo"}}\n' >"$TMP/map.json"
printf '{"arn:aws:states:::lambda:invoke": "plugin:ghost"}\n' >"$TMP/ghost-map.json"
printf '{"arn:aws:states:::lambda:invoke": {"return": 1}}\n' >"$TMP/mock-map.json"
printf '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": true}}}\n' >"$TMP/aws-callback.json"
printf '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "plugin:echo.waitForTaskToken", "End": true}}}\n' >"$TMP/callback.json"
printf '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "plugin:../echo", "End": true}}}\n' >"$TMP/traversal.json"
printf 'a: [1,\n' >"$TMP/broken.yaml"

expect_status "--help exits 0" 0 "$YOGI" validate --help
expect_text "--help shows usage" "$TMP/out" "usage: yogi validate"
expect_status "no file is a usage error" 2 "$YOGI" validate
expect_status "unknown option is a usage error" 2 "$YOGI" validate --bogus "$TMP/good.yaml"
expect_status "--plugins without a value is a usage error" 2 "$YOGI" validate --plugins

expect_status "a good file exits 0" 0 "$YOGI" validate --plugins "$TMP/plugins" "$TMP/good.yaml"
expect_lines "a good file prints FILE: ok" "$TMP/out" "^$TMP/good.yaml: ok\$"
if [ -s "$TMP/err" ]; then not_ok "a good file prints nothing on stderr" "$(head -2 "$TMP/err")"; else
    ok "a good file prints nothing on stderr"; fi

expect_status "a bad file exits 2" 2 "$YOGI" validate --plugins "$TMP/plugins" "$TMP/bad.yaml"
expect_lines "problems are FILE:LINE:COLUMN: CODE: MESSAGE" "$TMP/err" \
    "^$TMP/bad.yaml:[0-9]+:[0-9]+: [A-Za-z]+: .+"
expect_text "every problem is reported (resource)" "$TMP/err" "bad.yaml:5:15: UnknownResource:"
expect_text "every problem is reported (field)" "$TMP/err" "bad.yaml:6:5: UnknownField:"
expect_text "every problem is reported (unreachable)" "$TMP/err" "bad.yaml:7:3: UnreachableState:"
if [ -s "$TMP/out" ]; then not_ok "a bad file prints nothing on stdout"; else ok "a bad file prints nothing on stdout"; fi

expect_status "good and bad together exit 2" 2 "$YOGI" validate --plugins "$TMP/plugins" "$TMP/good.yaml" "$TMP/bad.yaml"
expect_text "the good one is still ok" "$TMP/out" "good.yaml: ok"
expect_status "a syntax error exits 2" 2 "$YOGI" validate "$TMP/broken.yaml"
expect_lines "a syntax error has a position" "$TMP/err" "^$TMP/broken.yaml:2:1: SyntaxError: "
expect_status "a missing file exits 2" 2 "$YOGI" validate "$TMP/nope.yaml"
expect_text "a missing file is a ReadError" "$TMP/err" "nope.yaml: ReadError:"

expect_status "plugin without its .so is unknown" 2 "$YOGI" validate --plugins "$TMP/nowhere" "$TMP/good.yaml"
expect_text "plugin without its .so names the resource" "$TMP/err" "UnknownResource: nothing serves 'plugin:echo'"
expect_status "--plugins=DIR form" 0 "$YOGI" validate --plugins="$TMP/plugins" "$TMP/good.yaml"
expect_status "waitForTaskToken of a known plugin" 0 "$YOGI" validate --plugins "$TMP/plugins" "$TMP/callback.json"
expect_status "a plugin name cannot leave the directory" 2 "$YOGI" validate --plugins "$TMP/plugins/sub" "$TMP/traversal.json"
expect_status "an AWS resource needs the map" 2 "$YOGI" validate --plugins "$TMP/plugins" "$TMP/aws.json"
expect_status "a mapped AWS resource is known" 0 "$YOGI" validate --plugins "$TMP/plugins" --resources "$TMP/map.json" "$TMP/aws.json"
expect_status "a mapped resource needs its plugin" 2 "$YOGI" validate --plugins "$TMP/plugins" --resources "$TMP/ghost-map.json" "$TMP/aws.json"
expect_status "a map key also serves its .waitForTaskToken form" 0 "$YOGI" validate --plugins "$TMP/plugins" --resources "$TMP/map.json" "$TMP/aws-callback.json"
expect_status "harness shorthand needs the mock plugin" 2 "$YOGI" validate --plugins "$TMP/plugins" --resources "$TMP/mock-map.json" "$TMP/aws.json"
: >"$TMP/plugins/mock.so"
expect_status "harness shorthand is served by mock" 0 "$YOGI" validate --plugins "$TMP/plugins" --resources "$TMP/mock-map.json" "$TMP/aws.json"
expect_status "a broken resource map is a usage error" 2 "$YOGI" validate --resources "$TMP/broken.yaml" "$TMP/aws.json"
expect_text "a broken resource map is named" "$TMP/err" "InvalidResourceMap"

# JSONata mode: a syntax error is shown on the line of the expression, at a
# column inside it, with JSONata's code; variables in JSONPath mode are
# checked by name.
cat >"$TMP/jsonata.yaml" <<'EOF'
QueryLanguage: JSONata
StartAt: A
States:
  A:
    Type: Pass
    Output:
      total: "{% $sum($states.input.items.price * %}"
    Assign: {n: "{% $count($states.input.items) %}"}
    End: true
EOF
expect_status "a JSONata syntax error exits 2" 2 "$YOGI" validate "$TMP/jsonata.yaml"
expect_lines "it is reported at its line and a column in the expression, with its code" \
    "$TMP/err" "^$TMP/jsonata.yaml:7:(2[0-9]|[3-5][0-9]): InvalidJSONata: S0[0-9]{3}: "
sed -i 's/ \* %}/) %}/' "$TMP/jsonata.yaml"
expect_status "the corrected JSONata workflow validates" 0 "$YOGI" validate "$TMP/jsonata.yaml"
cat >"$TMP/vars.yaml" <<'EOF'
StartAt: A
States:
  A: {Type: Pass, Assign: {count.$: $.n}, Next: B}
  B: {Type: Pass, Parameters: {n.$: $count, m.$: $cuont}, End: true}
EOF
expect_status "an unknown variable exits 2" 2 "$YOGI" validate "$TMP/vars.yaml"
expect_text "the unknown variable is named at its place" "$TMP/err" \
    "$TMP/vars.yaml:4:50: UnknownVariable: no state of this machine or an enclosing one assigns the variable '\$cuont'"

# Every workflow the project ships must validate against the plugins it builds.
set -- workflows/*.yaml
if [ -e "$1" ]; then
    for wf in "$@"; do
        check "shipped workflow $wf validates" "$YOGI" validate --plugins "$PLUGIN_DIR" "$wf"
    done
else
    skip "shipped workflows validate" "no workflows/*.yaml yet"
fi

# Conformance definitions (JSONPath and JSONata modes) that AWS accepted
# must validate. Their Resources are those of resources.json (served by the
# fake mock.so made above), so every one is known.
# Cases that need what Yogi does not support (Distributed Map) are skipped,
# never counted as passed.
conformance_case() {
    dir=$1 id=$(basename "$1")
    if ! grep -Eq '^  "status": "(SUCCEEDED|FAILED|TIMED_OUT|ABORTED)"' "$dir/expected.json"; then
        skip "conformance $id" "expects a validation failure"
        return
    fi
    set -- "$dir/definition.json"
    [ -f "$dir/resources.json" ] && set -- --resources "$dir/resources.json" "$@"
    if "$YOGI" validate --plugins "$TMP/plugins" "$@" >/dev/null 2>"$TMP/case.err"; then
        ok "conformance $id"
    elif ! grep -Evq ': (Unsupported): ' "$TMP/case.err"; then
        skip "conformance $id" "$(sed 's/.*: \([A-Za-z]*Unsupported\): \([^;]*\).*/\2/' "$TMP/case.err" | sort -u | tr '\n' ' ')"
    elif grep -q "not an AWS recording" "$dir/meta.json" && grep -q '"status": "FAILED"' "$dir/expected.json"; then
        # A library's own test expecting a runtime error, where AWS (and
        # Yogi) reject the definition before it runs.
        skip "conformance $id" "expects at run time an error AWS reports at creation"
    else
        not_ok "conformance $id" "$(head -3 "$TMP/case.err" | tr '\n' ' ')"
    fi
}
if have_shared && [ -d "$YOGI_SHARED/conformance/asl" ]; then
    for dir in "$YOGI_SHARED"/conformance/asl/*/; do
        conformance_case "${dir%/}"
    done
else
    skip "conformance definitions validate" "no \$YOGI_SHARED/conformance"
fi

done_testing
