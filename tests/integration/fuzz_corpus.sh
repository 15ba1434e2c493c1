#!/bin/sh
# fuzz_corpus.sh — every libFuzzer harness (fuzz/fuzz_*.c, tests/fuzz.mk)
# runs once over its committed seed corpus (fuzz/corpus/NAME/) with ASan
# and UBSan: a crash or sanitizer report on a seed fails the suite. `make
# fuzz` is the long run; this is the regression check.
. tests/lib.sh

if ! command -v clang >/dev/null; then skip "fuzz corpus" "clang is not installed"; done_testing; exit 0; fi
if ! nice make -s fuzz-build >"$TMP/build.log" 2>&1; then
    not_ok "the fuzz harnesses build" "$(tail -5 "$TMP/build.log")"; done_testing; exit 1
fi
ok "the fuzz harnesses build"
for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c); name=${name#fuzz_}
    bin=${BUILD_FUZZ:-build-fuzz}/fuzz_$name
    corpus=fuzz/corpus/$name
    if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then not_ok "fuzz_$name has a seed corpus" "$corpus is empty"; continue; fi
    if "$bin" -runs=0 -artifact_prefix="$TMP/" "$corpus" >"$TMP/$name.log" 2>&1; then
        ok "fuzz_$name: $(ls "$corpus" | wc -l) seeds, no crash"
    else
        not_ok "fuzz_$name over its corpus" "$(grep -m3 -E 'ERROR|SUMMARY|runtime error' "$TMP/$name.log" | tr '\n' ' ')"
    fi
done
done_testing
