#!/bin/sh
# export_aws.sh — `yogi export aws`: the shipped document workflow exported
# for AWS Step Functions. Without --map the three states that need the Yogi
# engine (LlmReview, HumanReview, SaveToDatabase) are refused by name and
# nothing is written; with --map for them the definition passes
# asl-validator (npm, installed from tests/aws/package-lock.json), both as
# written (activity ARNs as ${...} substitutions) and with the
# substitutions filled in as CloudFormation would (ARN checks on), and the
# CloudFormation template declares one activity per plugin, substitutes
# every placeholder, and carries the same definition.
. tests/lib.sh

if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v jq >/dev/null; then
    skip "export_aws" "node, npm and jq are needed"; done_testing; exit 0
fi
if [ ! -x tests/aws/node_modules/.bin/asl-validator ]; then
    (cd tests/aws && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        { skip "export_aws" "asl-validator could not be installed"; done_testing; exit 0; }
fi
VALIDATE=$PWD/tests/aws/node_modules/.bin/asl-validator
OUT=$TMP/out
WF=workflows/document_processing.yaml

"$YOGI" export aws "$WF" --out "$OUT" >"$TMP/refused.out" 2>"$TMP/refused.err"
rc=$?
[ $rc -eq 1 ] && [ ! -e "$OUT/document_processing.asl.json" ] &&
    ok "without --map the export is refused and nothing is written" || not_ok "refusal" "rc=$rc"
for s in LlmReview HumanReview SaveToDatabase; do
    grep -q "state '$s'.*has no AWS equivalent" "$TMP/refused.err" && ok "refusal names $s" ||
        not_ok "refusal names $s" "$(cat "$TMP/refused.err")"
done

"$YOGI" export aws "$WF" --out "$OUT" \
    --map plugin:llm=arn:aws:lambda:eu-west-1:123456789012:function:yogi-llm \
    --map plugin:review.waitForTaskToken=arn:aws:states:::sqs:sendMessage.waitForTaskToken \
    --map plugin:save=arn:aws:lambda:eu-west-1:123456789012:function:yogi-save >"$TMP/export.out" 2>&1
rc=$?
DEF=$OUT/document_processing.asl.json
TPL=$OUT/document_processing.template.json
[ $rc -eq 0 ] && [ -s "$DEF" ] && [ -s "$TPL" ] && ok "exported with --map" || not_ok "export" "$(cat "$TMP/export.out")"
! grep -q '"plugin:' "$DEF" && ok "no plugin: resource is left" || not_ok "plugin resources left" "$(grep plugin: "$DEF")"
"$VALIDATE" --json-path "$DEF" >"$TMP/v1" 2>&1 && ok "asl-validator accepts the definition" ||
    not_ok "asl-validator (parameterised)" "$(cat "$TMP/v1")"
# CloudFormation's substitution, done by hand: ${ActivityOcr} → the activity's ARN.
jq --slurpfile t "$TPL" '
    ($t[0].Resources | to_entries | map(select(.value.Type == "AWS::StepFunctions::Activity"))
        | map({key: ("${" + .key + "}"), value: ("arn:aws:states:eu-west-1:123456789012:activity:yogi-" + (.value.Properties.Name["Fn::Sub"] | sub("\\$\\{NamePrefix\\}"; "")))})
        | from_entries) as $arn
    | walk(if type == "object" and (.Resource | type) == "string" and $arn[.Resource] then .Resource = $arn[.Resource] else . end)' \
    "$DEF" >"$TMP/rendered.json"
! grep -q '\${' "$TMP/rendered.json" && ok "every placeholder is an activity the template declares" ||
    not_ok "placeholders" "$(grep '\${' "$TMP/rendered.json")"
"$VALIDATE" --json-path "$TMP/rendered.json" >"$TMP/v2" 2>&1 && ok "asl-validator accepts it with real ARNs" ||
    not_ok "asl-validator (rendered)" "$(cat "$TMP/v2")"
N=$(jq '[.Resources[] | select(.Type == "AWS::StepFunctions::Activity")] | length' "$TPL")
[ "$N" = 7 ] && ok "7 activities declared (classify preprocess ocr pdftext timetable validate notify)" || not_ok "activities" "$N"
[ "$(jq -c '.Resources.StateMachine.Properties.DefinitionSubstitutions | keys' "$TPL")" = \
  "$(jq -c '[.. | objects | .Resource? | strings | select(startswith("${")) | ltrimstr("${") | rtrimstr("}")] | unique' "$DEF")" ] &&
    ok "DefinitionSubstitutions covers exactly the placeholders" || not_ok "substitutions"
jq -e --slurpfile d "$DEF" '.Resources.StateMachine.Properties.Definition == $d[0]' "$TPL" >/dev/null &&
    ok "the template carries the same definition" || not_ok "template definition"
jq -e '.Resources.StateMachineRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource | length == 2' "$TPL" >/dev/null &&
    ok "the role may invoke the two mapped Lambda functions" || not_ok "role policy"
grep -q 'activity:yogi-ocr=ocr' "$TMP/export.out" && ok "the yogi worker command is printed" || not_ok "worker hint"

cat >"$TMP/odd.yaml" <<'Y'
StartAt: A
States:
  A: {Type: Task, Resource: "activity:ocr", Next: B}
  B: {Type: Task, Resource: "arn:aws:states:::lambda:invoke", Next: C}
  C: {Type: Task, Resource: "ftp://nowhere", End: true}
Y
"$YOGI" export aws "$TMP/odd.yaml" --out "$TMP/odd" 2>"$TMP/odd.err"
[ $? -eq 1 ] && grep -q "state 'C': ftp://nowhere has no AWS equivalent" "$TMP/odd.err" &&
    ok "an unknown resource is refused by name" || not_ok "unknown resource" "$(cat "$TMP/odd.err")"
sed -i 's|ftp://nowhere|plugin:echo|' "$TMP/odd.yaml"
"$YOGI" export aws "$TMP/odd.yaml" --out "$TMP/odd" --name odd >/dev/null 2>&1 &&
    jq -e '.States.A.Resource == "${ActivityOcr}" and .States.B.Resource == "arn:aws:states:::lambda:invoke" and .States.C.Resource == "${ActivityEcho}"' \
        "$TMP/odd/odd.asl.json" >/dev/null &&
    ok "activities are parameterised, AWS ARNs pass through" || not_ok "pass-through"
"$YOGI" export gcp "$WF" 2>/dev/null; [ $? -eq 2 ] && ok "an unknown target is a usage error" || not_ok "unknown target"
done_testing
