#!/bin/sh
# invoke.sh — `yogi invoke` runs one plugin task through a real worker pool.
. tests/lib.sh
# An ASan build cannot take an address-space limit (the worker says so).
asan=false
{ [ "${YOGI_SANITIZER:-}" = address ] || ldd "$YOGI" 2>/dev/null | grep -q libasan; } && asan=true

# expect_error NAME PLUGIN ERROR CAUSE-SUBSTRING [invoke args...]
expect_error() {
    name=$1 plugin=$2 error=$3 cause=$4; shift 4
    if "$YOGI" invoke "$plugin" --plugins "$PLUGIN_DIR" "$@" >"$TMP/out" 2>"$TMP/err"; then
        not_ok "$name" "succeeded: $(cat "$TMP/out")"
    elif ! grep -q "\"error\":\"$error\"" "$TMP/err"; then
        not_ok "$name" "wrong error: $(tail -1 "$TMP/err")"
    elif ! grep -qF "$cause" "$TMP/err"; then
        not_ok "$name" "cause lacks '$cause': $(tail -1 "$TMP/err")"
    else
        ok "$name"
    fi
}

out=$("$YOGI" invoke echo --plugins "$PLUGIN_DIR" --input '{"a":[1,2,{"b":"ü"}]}' 2>"$TMP/err")
if [ "$(printf '%s' "$out" | tr -d ' \n')" = '{"a":[1,2,{"b":"ü"}]}' ]; then ok "echo returns its input"
else not_ok "echo returns its input" "$out"; fi

printf '[1, 2, 3]' >"$TMP/in.json"
out=$("$YOGI" invoke echo --plugins "$PLUGIN_DIR" --input @"$TMP/in.json" 2>"$TMP/err" | tr -d ' \n')
[ "$out" = "[1,2,3]" ] && ok "input from @FILE" || not_ok "input from @FILE" "$out"

out=$(printf '"from stdin"' | "$YOGI" invoke echo --plugins "$PLUGIN_DIR" --input @- 2>"$TMP/err")
[ "$out" = '"from stdin"' ] && ok "input from @-" || not_ok "input from @-" "$out"

out=$("$YOGI" invoke mock --plugins "$PLUGIN_DIR" --resource-config '{"return":{"x":1}}' 2>"$TMP/err" | tr -d ' \n')
[ "$out" = '{"x":1}' ] && ok "mock returns its configured value" || not_ok "mock return" "$out"

expect_error "mock fails exactly as configured" mock Lambda.Boom "it went <uuid:1>" \
    --resource-config '{"fail":{"error":"Lambda.Boom","cause":"it went <uuid:1>"}}'
expect_error "a crashing plugin names the signal" testkit States.TaskFailed \
    "worker for plugin testkit died: SIGSEGV (Segmentation fault)" --input '{"action":"crash"}'
expect_error "an aborting plugin names SIGABRT" testkit States.TaskFailed "SIGABRT" \
    --input '{"action":"abort"}'
if $asan; then
    skip "memory limit reported" "RLIMIT_AS is not applied under AddressSanitizer"
else
    expect_error "memory limit reported" testkit States.TaskFailed "memory limit 128 MB" \
        --memory-mb 128 --input '{"action":"oom"}'
fi
expect_error "missing plugin" nosuchplugin Plugin.NotFound "nosuchplugin" 
expect_error "not a plugin" notaplugin Plugin.NotAPlugin "yogi_plugin_entry"
expect_error "wrong ABI" badabi Plugin.AbiMismatch "ABI 42"
if $asan; then
    skip "a plugin that cannot load under the limit" "RLIMIT_AS is not applied under AddressSanitizer"
else
    expect_error "a plugin that cannot load under the limit" echo Plugin.LoadFailed "echo.so" \
        --memory-mb 1
fi
expect_error "path traversal refused" ../echo Plugin.NotFound "not a plugin name"
expect_error "plugin failure keeps its name" testkit My.Error "because" \
    --input '{"action":"fail","error":"My.Error","cause":"because"}'
expect_error "host calls need an engine" testkit Host.Unsupported "" --input '{"action":"call"}'

start=$(date +%s)
expect_error "timeout kills a hanging plugin" testkit States.Timeout "within 1 s" \
    --timeout 1 --input '{"action":"hang"}'
[ $(( $(date +%s) - start )) -le 5 ] && ok "timeout is prompt" || not_ok "timeout is prompt"

out=$("$YOGI" invoke testkit --plugins "$PLUGIN_DIR" --input '{"action":"stdout"}' 2>/dev/null)
[ "$out" = '"printed"' ] && ok "a plugin's printf does not corrupt stdout" || not_ok "stdout kept clean" "$out"

printf '# plugin settings\nllm.provider = "local"\n' >"$TMP/yogi.conf"
out=$("$YOGI" invoke testkit --plugins "$PLUGIN_DIR" --config "$TMP/yogi.conf" \
      --input '{"action":"env","config":"llm.provider"}' 2>"$TMP/err")
printf '%s' "$out" | grep -q '"config": "local"' && ok "config file read" || not_ok "config file read" "$out"
out=$(YOGI_LLM_PROVIDER=env "$YOGI" invoke testkit --plugins "$PLUGIN_DIR" --config "$TMP/yogi.conf" \
      --input '{"action":"env","config":"llm.provider"}' 2>"$TMP/err")
printf '%s' "$out" | grep -q '"config": "env"' && ok "YOGI_ env overrides config" || not_ok "env override" "$out"

"$YOGI" invoke echo --bogus >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "unknown option exits 2" || not_ok "unknown option exits 2" "rc=$rc"
"$YOGI" invoke echo --plugins "$PLUGIN_DIR" --input '{bad' >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "bad JSON input exits 2" || not_ok "bad JSON input exits 2" "rc=$rc"

# The documented example plugin compiles with the documented command and runs.
mkdir -p "$TMP/plugins"
if cc -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -fvisibility=hidden -Iinclude \
      $(pkg-config --cflags jansson) -o "$TMP/plugins/hello.so" docs/examples/hello_plugin.c \
      $(pkg-config --libs jansson) 2>"$TMP/cc.err"; then
    ok "docs/examples/hello_plugin.c compiles"
    out=$(YOGI_HELLO_GREETING=Bonjour "$YOGI" invoke hello --plugins "$TMP/plugins" \
          --input '{"name":"Ada"}' --repeat 3 2>"$TMP/err" | tr -d ' \n')
    [ "$out" = '{"greeting":"Bonjour,Ada!","served":3}' ] && ok "hello plugin runs warm" \
        || not_ok "hello plugin runs warm" "$out"
    expect_error "hello plugin's named error" hello Hello.NoName "input.name" --plugins "$TMP/plugins"
else
    not_ok "docs/examples/hello_plugin.c compiles" "$(head -5 "$TMP/cc.err")"
fi

done_testing
