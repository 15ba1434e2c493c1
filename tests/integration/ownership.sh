#!/bin/sh
# ownership.sh — each third-party library has one owner in the tree
# (HACKING.md): only the files listed for a header may include it. A new
# includer fails here, so a library cannot leak into a second layer
# unnoticed. Tests, fuzz harnesses and bench tools that exercise an owner
# directly are allowed where listed.
. tests/lib.sh

SOURCES=$(find engine api cli states include -name '*.[ch]' | sort)

# owns HEADER_REGEX "ALLOWED_PATH_REGEX" DESCRIPTION
owns() {
    header=$1; allowed=$2; what=$3
    bad=$(grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$header" $SOURCES 2>/dev/null |
          grep -vE "^($allowed)$" | tr '\n' ' ')
    if [ -z "$bad" ]; then ok "$what"; else not_ok "$what" "also included by: $bad"; fi
}

owns 'sqlite3\.h' 'engine/store[a-z_]*\.[ch]' "sqlite3.h only in the store (engine/store*.c)"
owns 'yaml\.h' 'engine/workflow\.c' "yaml.h only in the workflow loader"
owns 'event2/' 'api/[a-z_]+\.[ch]' "event2 only in api/"
owns 'tesseract/' 'states/ocr/[a-z_]+\.c' "tesseract only in the OCR plugin"
owns 'sodium\.h' 'api/password\.c' "libsodium only in api/password.c"
owns 'pcre2\.h' 'engine/jsonata_regex\.c' "PCRE2 only in the JSONata regex module"
owns 'seccomp\.h' 'engine/sandbox\.c' "libseccomp only in the worker sandbox"
owns 'openssl/' 'api/tls\.c' "OpenSSL only in api/tls.c"
owns 'curl/' 'cli/worker_http\.c|states/notify/notify\.c|states/llm/http\.c' \
     "libcurl only in the remote worker's client and the notify and llm plugins"
owns 'leptonica/|allheaders\.h' 'states/[a-z]+/[a-z_]+\.[ch]' "leptonica only in the pipeline plugins"
owns 'poppler' 'states/([a-z]+/)?[a-z_]+\.[ch]' "poppler only in the pipeline plugins (and their shared states/pdf_open.h)"

# The check must be able to fail: a planted includer is caught.
mkdir -p "$TMP/engine"
printf '#include <sqlite3.h>\n' >"$TMP/engine/planted.c"
if grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<sqlite3\.h' "$TMP/engine/planted.c" |
   sed "s|^$TMP/||" | grep -qvE '^(engine/store[a-z_]*\.[ch])$'; then
    ok "a planted includer outside the store is caught"
else
    not_ok "a planted includer outside the store is caught"
fi
done_testing
