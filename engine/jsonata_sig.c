/*
 * jsonata_sig.c — function signatures: parsing and argument validation.
 *
 * A signature such as <s-nn?:s> is a list of parameters, each a set of
 * accepted type symbols (s n b l a o f, m for undefined) with an optional
 * quantifier; the reference turns it into a regular expression over the
 * symbols of the supplied arguments. We match the same language with a small
 * backtracking matcher (greedy, as JavaScript's regex would be), then apply
 * the same fix-ups: a missing '-' parameter takes the context value (T0411
 * when its type does not fit), an 'a' parameter wraps a single value in an
 * array, and a<t> checks every member's type (T0412). Parsing never
 * allocates, so the built-in signatures are parsed once into static storage.
 */
#include "jsonata_internal.h"

#include <string.h>

static size_t closing(const char *s, size_t len, size_t start, char open, char close)
{
    int depth = 1;
    size_t i = start;
    while (i + 1 < len) {
        i++;
        if (s[i] == close) {
            if (--depth == 0) break;
        } else if (s[i] == open) {
            depth++;
        }
    }
    return i;
}

const char *jsig_parse_into(jsig *out, const char *s, size_t len, size_t *errpos)
{
    memset(out, 0, sizeof *out);
    jsig_param *prev = NULL;
    for (size_t i = 1; i < len; i++) {
        char ch = s[i];
        if (ch == ':') break;
        jsig_param *p = out->n < 12 ? &out->p[out->n] : NULL;
        switch (ch) {
        case 's': case 'n': case 'b': case 'l': case 'o':
        case 'a': case 'f': case 'j': case 'x':
            if (!p) return "S0402";
            p->type = ch;
            if (ch == 'a' || ch == 'x') snprintf(p->set, sizeof p->set, "asnblfom");
            else if (ch == 'f') snprintf(p->set, sizeof p->set, "f");
            else if (ch == 'j') snprintf(p->set, sizeof p->set, "asnblom");
            else snprintf(p->set, sizeof p->set, "%cm", ch);
            prev = p;
            out->n++;
            break;
        case '-':
            if (prev) {
                prev->context = true;
                if (!prev->quant) prev->quant = '?';
            }
            break;
        case '?':
        case '+':
            if (prev) prev->quant = ch;
            break;
        case '(': {
            if (!p) return "S0402";
            size_t end = closing(s, len, i, '(', ')');
            size_t n = end - i - 1;
            if (memchr(s + i + 1, '<', n)) {
                if (errpos) *errpos = i;
                return "S0402";
            }
            if (n > sizeof p->set - 2) n = sizeof p->set - 2;
            memcpy(p->set, s + i + 1, n);
            p->set[n] = 'm';
            p->type = '(';
            i = end;
            prev = p;
            out->n++;
            break;
        }
        case '<':
            if (prev && (prev->type == 'a' || prev->type == 'f')) {
                size_t end = closing(s, len, i, '<', '>');
                size_t n = end - i - 1;
                if (n >= sizeof prev->subtype) n = sizeof prev->subtype - 1;
                memcpy(prev->subtype, s + i + 1, n);
                prev->subtype[n] = 0;
                i = end;
            } else {
                if (errpos) *errpos = i;
                return "S0401";
            }
            break;
        default:
            break;
        }
    }
    out->text = NULL;
    return NULL;
}

jsig *jsig_parse(jctx *c, const char *s, size_t len, size_t pos)
{
    jsig *g = jalloc(c, sizeof *g);
    size_t ep = 0;
    const char *code = jsig_parse_into(g, s, len, &ep);
    if (code) jerr(c, code, pos + ep, "Invalid function signature");
    return g;
}

static char symbol_of(const jv *v)
{
    if (!v) return 'm';
    switch (v->type) {
    case JV_STR: return 's';
    case JV_NUM: return 'n';
    case JV_BOOL: return 'b';
    case JV_NULL: return 'l';
    case JV_ARR: return 'a';
    case JV_OBJ: return 'o';
    case JV_FUN: return 'f';
    }
    return 'm';
}

/* counts[i]: how many argument symbols parameter i took */
static bool match(const jsig *g, int pi, const char *sym, int si, int nsym, int *counts)
{
    if (pi == g->n) return si == nsym;
    const jsig_param *p = &g->p[pi];
    int max = 0;
    while (si + max < nsym && strchr(p->set, sym[si + max]) && (p->quant == '+' || max < 1)) max++;
    int min = p->quant == '?' ? 0 : 1;
    for (int k = max; k >= min; k--) {
        counts[pi] = k;
        if (match(g, pi + 1, sym, si + k, nsym, counts)) return true;
    }
    return false;
}

static int first_bad(const jsig *g, const char *sym, int nsym)
{
    int si = 0;
    for (int pi = 0; pi < g->n; pi++) {
        const jsig_param *p = &g->p[pi];
        int k = 0;
        while (si + k < nsym && strchr(p->set, sym[si + k]) && (p->quant == '+' || k < 1)) k++;
        if (k == 0 && p->quant != '?') return si;
        si += k;
    }
    return si;
}

static void check_array_subtype(jctx *c, const jsig_param *p, jv *arg, char single, int index, size_t pos)
{
    if (!p->subtype[0]) return;
    bool ok = true;
    if (single != 'a') {
        ok = p->subtype[0] == single && p->subtype[1] == 0;
    } else if (arg->u.arr.n > 0) {
        char t = symbol_of(arg->u.arr.v[0]);
        if (t != p->subtype[0]) ok = false;
        for (size_t i = 0; ok && i < arg->u.arr.n; i++)
            if (symbol_of(arg->u.arr.v[i]) != t) ok = false;
    }
    if (!ok) jerr(c, "T0412", pos, "Argument %d of function must be an array of %s", index, p->subtype);
}

jv *jsig_validate(jctx *c, const jsig *g, jv **args, int nargs, jv *input, size_t pos,
                  jv ***out_args, int *out_n)
{
    char sym[64];
    int counts[12];
    if (nargs > 60) jerr(c, "T0410", pos, "Too many arguments");
    for (int i = 0; i < nargs; i++) sym[i] = symbol_of(args[i]);
    sym[nargs] = 0;
    if (!match(g, 0, sym, 0, nargs, counts)) {
        int bad = first_bad(g, sym, nargs);
        jerr(c, "T0410", pos, "Argument %d of function does not match function signature", bad + 1);
    }
    jv **out = jalloc(c, (size_t)(nargs + g->n + 1) * sizeof(jv *));
    int n = 0, ai = 0;
    for (int pi = 0; pi < g->n; pi++) {
        const jsig_param *p = &g->p[pi];
        if (counts[pi] == 0) {
            if (p->context) {
                char t = symbol_of(input);
                if (!strchr(p->set, t))
                    jerr(c, "T0411", pos, "Context value is not a compatible type with argument %d of function", ai + 1);
                jv *v = input;
                if (p->type == 'a' && v && !jv_is_arr(v)) {
                    jv *w = jv_arr(c, 1);
                    jv_push(c, w, v);
                    v = w;
                }
                out[n++] = v;
            } else {
                /* as the reference: takes the argument at this index, if any */
                out[n++] = ai < nargs ? args[ai] : NULL;
                ai++;
            }
            continue;
        }
        for (int k = 0; k < counts[pi]; k++, ai++) {
            jv *arg = args[ai];
            if (p->type == 'a' && arg) {
                check_array_subtype(c, p, arg, sym[ai], ai + 1, pos);
                if (sym[ai] != 'a') {
                    jv *w = jv_arr(c, 1);
                    jv_push(c, w, arg);
                    arg = w;
                }
            }
            out[n++] = arg;
        }
    }
    *out_args = out;
    *out_n = n;
    return NULL;
}
