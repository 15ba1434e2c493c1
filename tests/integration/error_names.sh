#!/bin/sh
# error_names.sh — every error name the host gives is in the one table,
# engine/errors.def (HACKING.md, "Errors"), so its kind — and the HTTP
# status the API answers with — is decided there and nowhere else. Reads the
# names given to host_fail in engine/, api/ and cli/, as literals or macros
# (RUNTIME); a name that a family ("Document.*") covers counts as listed. A
# route that names a listed error by hand must give it the status of its
# kind, and the plugin ABI's error values stay at the plugin boundary.
. tests/lib.sh

# The names host_fail (or yogi_fail) is called with, one a line; calls may
# span lines, and a name may be a macro defined in any of the files read
# (sources and engine/, api/, cli/ headers).
given_names() {
    perl -e '
        my (%macro, @text);
        for my $f (@ARGV) {
            open(my $h, "<", $f) or next;
            local $/;
            my $t = <$h>;
            $macro{$1} = $2 while $t =~ /#define\s+(\w+)\s+"([^"]+)"/g;
            push @text, $t if $f =~ /\.c$/;
        }
        for (@text) {
            while (/\b(?:host|yogi)_fail\(\s*&?[\w.>\-\[\]]+\s*,\s*(?:"([^"]*)"|(\w+))/g) {
                if (defined $1) { print "$1\n" } elsif (exists $macro{$2}) { print "$macro{$2}\n" }
            }
        }' "$@" $(find engine api cli -name '*.h') | sort -u
}

# The table's names, one a line.
table_names() { sed -n 's/^YOGI_ERROR([A-Z_0-9]*, *"\([^"]*\)".*/\1/p' "$1" | sort -u; }

listed() { # NAME TABLE_NAMES_FILE
    grep -qxF "$1" "$2" && return 0
    for fam in $(grep '\.\*$' "$2"); do
        case "$1" in "${fam%\*}"?*) return 0 ;; esac
    done
    return 1
}

unlisted() { # TABLE_NAMES_FILE SOURCE...
    t=$1; shift
    given_names "$@" | while read -r n; do listed "$n" "$t" || printf '%s ' "$n"; done
}

table_names engine/errors.def >"$TMP/table"
given_names $(find engine api cli -name '*.c' | sort) >"$TMP/given"
[ -s "$TMP/given" ] && [ "$(wc -l <"$TMP/given")" -ge 40 ] &&
    ok "host_fail names found in the source ($(wc -l <"$TMP/given"))" ||
    not_ok "host_fail names found in the source" "only $(wc -l <"$TMP/given")"
bad=$(unlisted "$TMP/table" $(find engine api cli -name '*.c' | sort))
if [ -z "$bad" ]; then ok "every host_fail name is in engine/errors.def"
else not_ok "every host_fail name is in engine/errors.def" "not listed: $bad"; fi

# YOGI_OK / YOGI_FAILED / yogi_fail are the plugin ABI's: in the host only
# where a plugin is called or calls (engine/worker_child.c).
abi=$(grep -lE '\b(yogi_fail\(|YOGI_FAILED|YOGI_OK)' $(find engine api cli -name '*.c') |
      grep -vx 'engine/worker_child.c' | tr '\n' ' ')
if [ -z "$abi" ]; then ok "the plugin ABI's error values only at the plugin boundary"
else not_ok "the plugin ABI's error values only at the plugin boundary" \
    "also in: $abi(use host_fail and 0 / -1, engine/host_error.h)"; fi

dups=$(sed -n 's/^YOGI_ERROR(\([A-Z_0-9]*\),.*/\1/p' engine/errors.def | sort | uniq -d | tr '\n' ' ')
if [ -z "$dups" ]; then ok "every id in engine/errors.def is listed once"
else not_ok "every id in engine/errors.def is listed once" "twice: $dups"; fi

# A route that answers with a listed name by hand (reply_error(r, 503,
# "Engine.Storage", ...)) gives the status the name's kind gets from
# http_status in api/json_reply.c: the table decides, not the call site.
kind_of() { # NAME -> KIND, from the table (its own line, else its family's)
    k=$(sed -n "s/^YOGI_ERROR([A-Z_0-9]*, *\"$1\", *\([A-Z_]*\)).*/\1/p" engine/errors.def)
    [ -n "$k" ] && { echo "$k"; return; }
    for fam in $(grep '\.\*$' "$TMP/table"); do
        case "$1" in "${fam%\*}"?*)
            sed -n "s/^YOGI_ERROR([A-Z_0-9]*, *\"${fam%\*}\*\", *\([A-Z_]*\)).*/\1/p" \
                engine/errors.def
            return ;;
        esac
    done
}
status_of_kind() { # KIND -> the status http_status gives it (500 when it has no case)
    st=$(sed -n "s/^ *case $1: return \([0-9]*\);.*/\1/p" api/json_reply.c)
    echo "${st:-500}"
}
[ "$(status_of_kind ERROR_NOT_FOUND)" = 404 ] && [ "$(status_of_kind ERROR_INTERNAL)" = 500 ] &&
    ok "http_status read from api/json_reply.c" ||
    not_ok "http_status read from api/json_reply.c" "NOT_FOUND -> $(status_of_kind ERROR_NOT_FOUND)"
by_hand() { # SOURCE... -> "STATUS NAME" lines of reply_error calls with literal arguments
    perl -0777 -ne 'print "$1 $2\n" while /\breply_error\(\s*[\w>-]+\s*,\s*(\d+)\s*,\s*"([^"]+)"/g' "$@" |
        sort -u
}
mismatched() { # SOURCE...
    by_hand "$@" | while read -r st n; do
        listed "$n" "$TMP/table" || continue
        want=$(status_of_kind "$(kind_of "$n")")
        [ "$st" = "$want" ] || printf '%s %s (its kind gives %s); ' "$n" "$st" "$want"
    done
}
bad=$(mismatched api/*.c)
if [ -z "$bad" ]; then ok "routes answer listed names with the status of their kind"
else not_ok "routes answer listed names with the status of their kind" "$bad"; fi

# The checks must be able to fail: a planted name is caught, a family member is not.
printf 'int f(yogi_error *err);\nint f(yogi_error *err)\n{\n    return host_fail(err,\n        "Planted.Name", "x");\n}\nint g(yogi_error *e) { return host_fail(e, "Document.Planted", "y"); }\n' \
    >"$TMP/planted.c"
bad=$(unlisted "$TMP/table" "$TMP/planted.c")
if [ "$bad" = "Planted.Name " ]; then ok "a planted unlisted name is caught, a family member is not"
else not_ok "a planted unlisted name is caught, a family member is not" "got: '$bad'"; fi
printf 'void h(api_request *r)\n{\n    reply_error(r, 500,\n        "Engine.Storage", "x");\n    reply_error(r, 400, "Document.Planted", "y");\n}\n' \
    >"$TMP/planted_route.c"
bad=$(mismatched "$TMP/planted_route.c")
if [ "$bad" = "Engine.Storage 500 (its kind gives 503); " ]; then
    ok "a planted route status that contradicts the table is caught"
else
    not_ok "a planted route status that contradicts the table is caught" "got: '$bad'"
fi
done_testing
