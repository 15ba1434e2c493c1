#!/bin/sh
# Sanitizer builds in the test suite: build with ASan (+LeakSanitizer) and
# with UBSan into build-address/ and build-undefined/, then run every unit
# test program (one per tests/unit/test_*.c, found by glob, so a new test
# is covered without editing this script) and the
# conformance suite on those binaries. Any sanitizer report fails the test
# that produced it (UBSan is built with -fno-sanitize-recover; LeakSanitizer
# runs at the end of every unit test).
#
# (An ASan process cannot take an address-space limit: the worker pool's
# memory-limit test reports itself skipped there.)
. tests/lib.sh
jobs=$(nproc)
for san in address undefined; do
    b=build-$san
    if make -s SANITIZER=$san BUILD=$b -j"$jobs" all >"$TMP/build-$san.log" 2>&1; then
        ok "build SANITIZER=$san"
    else
        not_ok "build SANITIZER=$san" "$(tail -5 "$TMP/build-$san.log" | tr '\n' ' ')"
        continue
    fi
    for src in tests/unit/test_*.c; do
        t=$(basename "$src" .c)
        [ -x "$b/tests/$t" ] || { not_ok "$san $t" "$b/tests/$t was not built"; continue; }
        if BUILD=$b "$b/tests/$t" >"$TMP/$san-$t.log" 2>&1 &&
           ! sanitizer_report "$TMP/$san-$t.log" >/dev/null; then
            ok "$san $t"
        else
            not_ok "$san $t" "$(grep -E '^not ok|ERROR|runtime error' "$TMP/$san-$t.log" | head -5 | tr '\n' ' ')"
        fi
    done
    # The whole conformance suite through the sanitized `yogi run`.
    if have_shared; then
        BUILD=$b YOGI=$PWD/$b/yogi tests/integration/conformance.sh >"$TMP/$san-conf.log" 2>&1
        failed=$(grep -c '^not ok' "$TMP/$san-conf.log")
        passed=$(grep -cE '^ok [0-9]+ [^#]*$' "$TMP/$san-conf.log")
        if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then
            ok "$san conformance ($passed cases)"
        else
            not_ok "$san conformance" "$(grep -A1 '^not ok' "$TMP/$san-conf.log" | head -6 | tr '\n' ' ')"
        fi
    else
        skip "$san conformance" "../shared/conformance not present"
    fi
done
done_testing
