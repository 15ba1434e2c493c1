#!/bin/sh
# openapi.sh — docs/openapi.yaml lists exactly the server's routes.
#
# The routes come from the binary itself (`yogi serve --routes` prints the
# router's table); the document's from its "paths:" block (two-space path
# keys, four-space method keys). Both directions are checked, so a route
# added without documentation fails, and so does documentation of a route
# that does not exist.
. tests/lib.sh

"$YOGI" serve --routes | sort >"$TMP/code" || { not_ok "yogi serve --routes"; done_testing; exit 1; }
awk '
    /^paths:/ { in_paths = 1; next }
    in_paths && /^[^ ]/ { in_paths = 0 }
    in_paths && /^  \/[^ ]*:$/ { path = $1; sub(/:$/, "", path); next }
    in_paths && /^    (get|put|post|delete|patch|head):/ {
        m = $1; sub(/:$/, "", m); print toupper(m) " " path
    }' docs/openapi.yaml | sort >"$TMP/doc"
[ -s "$TMP/code" ] && ok "the router lists its routes" || not_ok "the router lists its routes"
[ -s "$TMP/doc" ] && ok "openapi.yaml has paths" || not_ok "openapi.yaml has paths"
missing=$(comm -23 "$TMP/code" "$TMP/doc" | tr '\n' ';')
extra=$(comm -13 "$TMP/code" "$TMP/doc" | tr '\n' ';')
[ -z "$missing" ] && ok "every route is in openapi.yaml" || not_ok "every route is in openapi.yaml" "missing: $missing"
[ -z "$extra" ] && ok "every openapi.yaml operation is a route" || not_ok "every openapi.yaml operation is a route" "not routed: $extra"
done_testing
