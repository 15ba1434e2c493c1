#!/bin/sh
# jsonata_suite.sh — the JSONata reference test suite (../shared/conformance/
# jsonata-suite) through build/tests/jsonata_suite_runner. One TAP line per
# case; cases listed in tests/jsonata-suite-skips.txt ("group/case reason")
# are reported skipped with their reason. A last line checks the pass rate
# (passed / all cases) is at least 98 %. Skipped without ../shared.
. tests/lib.sh
suite="${YOGI_SHARED:-}/conformance/jsonata-suite"
if ! have_shared || [ ! -d "$suite/groups" ]; then
    skip "jsonata reference suite" "../shared/conformance/jsonata-suite not present"
    done_testing
    exit $?
fi
runner="$PWD/$BUILD/tests/jsonata_suite_runner"
"$runner" "$suite" tests/jsonata-suite-skips.txt >"$TMP/out" 2>&1
# the runner's lines are TAP already ("ok N group/case", "not ok ...", "# SKIP reason")
cat "$TMP/out"
_n=$(grep -cE '^(not )?ok ' "$TMP/out")
_failed=$(grep -cE '^not ok ' "$TMP/out")
rate=$(sed -n 's/.*pass rate \([0-9.]*\)%.*/\1/p' "$TMP/out")
if awk "BEGIN{exit !($rate >= 98)}"; then ok "jsonata suite pass rate $rate% >= 98%"; else not_ok "jsonata suite pass rate $rate% >= 98%"; fi
done_testing
