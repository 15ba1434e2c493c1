/*
 * jsonata_parse.c — JSONata lexer, Pratt parser and post-parse pass.
 *
 * Design: the lexer and the top-down operator-precedence parser follow the
 * reference implementation (parser.js) token for token, so that the error
 * codes (S01xx lexer, S02xx parser) and positions match it: a position is
 * the offset just past the offending token, as the reference reports.
 * process() then rewrites the raw tree as the reference's processAST does:
 * '.' chains become paths of steps, '[...]' predicates become stages or
 * predicates, '{' after a step becomes a group, '^(...)' a sort step, '@' and
 * '#' mark tuple steps, '%' parents are resolved to ancestor slots, and tail
 * calls in lambda bodies are wrapped as thunks for the trampoline.
 * Invariant: nesting deeper than PARSE_MAX_DEPTH is a U1001 error, never a C
 * stack overflow.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_MAX_DEPTH 400

enum { T_END, T_NAME, T_VAR, T_OP, T_STR, T_NUM, T_VALUE, T_REGEX };

typedef struct tok {
    int type;
    const char *s; /* name, variable, operator, string (unescaped, in arena), regex source */
    size_t len;
    double num;
    jv *val;
    const char *flags; /* regex */
    size_t pos;
} tok;

typedef struct parser {
    jctx *c;
    const char *src;
    size_t len, pos;
    tok t;
    int depth;
    int ancestor_label, ancestor_index;
} parser;

static const char *const OPS1 = ".[]{}(),@#;:?+-*/%|=<>^&!~";

static bool is_op_char(char ch) { return ch && strchr(OPS1, ch) != NULL; }
static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v'; }

static jnode *node_new(parser *p, int type, size_t pos)
{
    jnode *n = jalloc(p->c, sizeof *n);
    n->type = type;
    n->pos = pos;
    return n;
}

/* Grow a (v, n, cap) list of elem-sized items in the arena to hold one more. */
static void *grow(jctx *c, void *v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap) return v;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *nv = jalloc(c, ncap * elem);
    if (n) memcpy(nv, v, n * elem);
    *cap = ncap;
    return nv;
}

static void list_push(jctx *c, jnodelist *l, jnode *n)
{
    l->v = grow(c, l->v, l->n, &l->cap, sizeof *l->v);
    l->v[l->n++] = n;
}

static void stage_push(jctx *c, jstagelist *l, jstage s)
{
    l->v = grow(c, l->v, l->n, &l->cap, sizeof *l->v);
    l->v[l->n++] = s;
}

static void slot_push(jctx *c, jslotlist *l, jslot *s)
{
    l->v = grow(c, l->v, l->n, &l->cap, sizeof *l->v);
    l->v[l->n++] = s;
}

/* ---------------------------------------------------------------- lexer */

static bool tok_is(const tok *t, const char *op)
{
    return t->type == T_OP && t->len == strlen(op) && memcmp(t->s, op, t->len) == 0;
}

static void lex_string(parser *p, char quote)
{
    jbuf b;
    jb_init(&b, p->c);
    p->pos++;
    while (p->pos < p->len) {
        char ch = p->src[p->pos];
        if (ch == '\\') {
            p->pos++;
            ch = p->pos < p->len ? p->src[p->pos] : 0;
            const char *esc = strchr("\"\\/bfnrt", ch);
            if (ch && esc) {
                static const char out[] = "\"\\/\b\f\n\r\t";
                jb_addc(&b, out[esc - "\"\\/bfnrt"]);
            } else if (ch == 'u') {
                unsigned cp = 0;
                int k;
                for (k = 0; k < 4 && p->pos + 1 + k < p->len; k++) {
                    char h = p->src[p->pos + 1 + k];
                    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0) break;
                    cp = cp * 16 + (unsigned)d;
                }
                if (k < 4) jerr(p->c, "S0104", p->pos, "The escape sequence \\u must be followed by 4 hex digits");
                p->pos += 4;
                /* surrogate pair: combine with a following \uDCxx */
                if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 < p->len && p->src[p->pos + 1] == '\\' &&
                    p->src[p->pos + 2] == 'u') {
                    char hex[5];
                    memcpy(hex, p->src + p->pos + 3, 4);
                    hex[4] = 0;
                    char *end;
                    unsigned long lo = strtoul(hex, &end, 16);
                    if (end == hex + 4 && lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                        p->pos += 6;
                    }
                }
                char u[4];
                size_t ul = 0;
                utf8_put(u, &ul, cp);
                jb_add(&b, u, ul);
            } else {
                jerr(p->c, "S0103", p->pos, "Unsupported escape sequence: \\%c", ch);
            }
        } else if (ch == quote) {
            p->pos++;
            jv *v = jb_value(&b);
            p->t.type = T_STR;
            p->t.s = v->u.str.s;
            p->t.len = v->u.str.len;
            p->t.val = v;
            return;
        } else {
            jb_addc(&b, ch);
        }
        p->pos++;
    }
    jerr(p->c, "S0101", p->pos, "String literal must be terminated by a matching quote");
}

static void lex_regex(parser *p)
{
    /* as the reference's scanRegex: brackets of any kind nest, and a closing
     * slash is one at depth 0 preceded by an even number of backslashes */
    size_t start = p->pos;
    int depth = 0;
    while (p->pos < p->len) {
        char ch = p->src[p->pos];
        if (ch == '/' && depth == 0) {
            size_t k = 0;
            while (p->pos >= k + 1 && p->src[p->pos - k - 1] == '\\') k++;
            if (k % 2 == 0) break;
        }
        bool escaped = p->pos > 0 && p->src[p->pos - 1] == '\\';
        if ((ch == '(' || ch == '[' || ch == '{') && !escaped) depth++;
        if ((ch == ')' || ch == ']' || ch == '}') && !escaped) depth--;
        p->pos++;
    }
    if (p->pos >= p->len) jerr(p->c, "S0302", p->pos, "No terminating / in regular expression");
    size_t end = p->pos;
    if (end == start) jerr(p->c, "S0301", p->pos, "Empty regular expressions are not allowed");
    p->pos++;
    size_t fstart = p->pos;
    while (p->pos < p->len && (p->src[p->pos] == 'i' || p->src[p->pos] == 'm')) p->pos++;
    p->t.type = T_REGEX;
    p->t.s = p->src + start;
    p->t.len = end - start;
    p->t.flags = ja_strndup(p->c->arena, p->src + fstart, p->pos - fstart);
}

static bool lex_number(parser *p)
{
    size_t i = p->pos;
    const char *s = p->src;
    if (i >= p->len || !(s[i] >= '0' && s[i] <= '9')) return false;
    if (s[i] == '0') i++;
    else while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
    if (i + 1 < p->len && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i++;
        while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (s[j] == '+' || s[j] == '-')) j++;
        if (j < p->len && s[j] >= '0' && s[j] <= '9') {
            while (j < p->len && s[j] >= '0' && s[j] <= '9') j++;
            i = j;
        }
    }
    char buf[64];
    size_t n = i - p->pos;
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, s + p->pos, n);
    buf[n] = 0;
    double d = strtod(buf, NULL);
    if (!isfinite(d)) jerr(p->c, "S0102", p->pos, "Number out of range: %s", buf);
    p->pos = i;
    p->t.type = T_NUM;
    p->t.num = d;
    return true;
}

static void lex_op(parser *p, size_t n)
{
    p->t.type = T_OP;
    p->t.s = p->src + p->pos;
    p->t.len = n;
    p->pos += n;
}

/* Next token into p->t. `infix`: a '/' here is division, not a regex. */
static void lex(parser *p, bool infix)
{
    const char *s = p->src;
    memset(&p->t, 0, sizeof p->t);
    for (;;) {
        while (p->pos < p->len && is_space(s[p->pos])) p->pos++;
        if (p->pos + 1 < p->len && s[p->pos] == '/' && s[p->pos + 1] == '*') {
            size_t start = p->pos;
            p->pos += 2;
            while (!(p->pos + 1 < p->len && s[p->pos] == '*' && s[p->pos + 1] == '/')) {
                if (++p->pos >= p->len) jerr(p->c, "S0106", start, "Comment has no closing tag");
            }
            p->pos += 2;
            continue;
        }
        break;
    }
    if (p->pos >= p->len) {
        p->t.type = T_END;
        p->t.pos = p->len;
        return;
    }
    char ch = s[p->pos], nx = p->pos + 1 < p->len ? s[p->pos + 1] : 0;
    if (!infix && ch == '/') {
        p->pos++;
        lex_regex(p);
    } else if ((ch == '.' && nx == '.') || (ch == ':' && nx == '=') || (ch == '!' && nx == '=') ||
               (ch == '>' && nx == '=') || (ch == '<' && nx == '=') || (ch == '*' && nx == '*') ||
               (ch == '~' && nx == '>') || (ch == '?' && nx == ':') || (ch == '?' && nx == '?')) {
        lex_op(p, 2);
    } else if (is_op_char(ch)) {
        lex_op(p, 1);
    } else if (ch == '"' || ch == '\'') {
        lex_string(p, ch);
    } else if (lex_number(p)) {
        /* done */
    } else if (ch == '`') {
        const char *end = memchr(s + p->pos + 1, '`', p->len - p->pos - 1);
        if (!end) {
            p->pos = p->len;
            jerr(p->c, "S0105", p->pos, "Quoted property name must be terminated with a backquote (`)");
        }
        p->t.type = T_NAME;
        p->t.s = s + p->pos + 1;
        p->t.len = (size_t)(end - (s + p->pos + 1));
        p->pos = (size_t)(end - s) + 1;
    } else {
        size_t i = p->pos;
        while (i < p->len && !is_space(s[i]) && !is_op_char(s[i])) i++;
        const char *name = s + p->pos;
        size_t n = i - p->pos;
        p->pos = i;
        if (name[0] == '$') {
            p->t.type = T_VAR;
            p->t.s = name + 1;
            p->t.len = n - 1;
        } else if ((n == 2 && !memcmp(name, "or", 2)) || (n == 2 && !memcmp(name, "in", 2)) ||
                   (n == 3 && !memcmp(name, "and", 3))) {
            p->t.type = T_OP;
            p->t.s = name;
            p->t.len = n;
        } else if (n == 4 && !memcmp(name, "true", 4)) {
            p->t.type = T_VALUE;
            p->t.val = JTRUE;
        } else if (n == 5 && !memcmp(name, "false", 5)) {
            p->t.type = T_VALUE;
            p->t.val = JFALSE;
        } else if (n == 4 && !memcmp(name, "null", 4)) {
            p->t.type = T_VALUE;
            p->t.val = JNULL;
        } else {
            p->t.type = T_NAME;
            p->t.s = name;
            p->t.len = n;
        }
    }
    p->t.pos = p->pos;
}

/* --------------------------------------------------------------- parser */

static int lbp(const tok *t)
{
    static const struct { const char *op; int bp; } table[] = {
        {".", 75}, {"[", 80}, {"{", 70}, {"(", 80}, {"@", 80}, {"#", 80}, {"?", 20},
        {"+", 50}, {"-", 50}, {"*", 60}, {"/", 60}, {"%", 60}, {"=", 40}, {"<", 40},
        {">", 40}, {"^", 40}, {"!=", 40}, {"<=", 40}, {">=", 40}, {"~>", 40}, {"?:", 40},
        {"??", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50}, {":=", 10},
    };
    if (t->type != T_OP) return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (tok_is(t, table[i].op)) return table[i].bp;
    return 0;
}

static bool known_symbol(const tok *t)
{
    static const char *const syms[] = {".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":",
                                       "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "**",
                                       "..", ":=", "!=", "<=", ">=", "~>", "?:", "??", "and", "or",
                                       "in", "&"};
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (tok_is(t, syms[i])) return true;
    return false;
}

static void advance(parser *p, const char *id, bool infix)
{
    if (id && !tok_is(&p->t, id)) {
        if (p->t.type == T_END)
            jerr(p->c, "S0203", p->t.pos, "Expected \"%s\" before end of expression", id);
        jerr(p->c, "S0202", p->t.pos, "Expected \"%s\", got \"%.*s\"", id,
             (int)(p->t.type == T_OP || p->t.type == T_NAME ? p->t.len : 0), p->t.s ? p->t.s : "");
    }
    lex(p, infix);
    if (p->t.type == T_OP && !known_symbol(&p->t))
        jerr(p->c, "S0204", p->t.pos, "Unknown operator: \"%.*s\"", (int)p->t.len, p->t.s);
}

static jnode *expression(parser *p, int rbp);

static jnode *terminal(parser *p, const tok *t)
{
    jnode *n;
    switch (t->type) {
    case T_NAME: n = node_new(p, N_NAME, t->pos); break;
    case T_VAR: n = node_new(p, N_VARIABLE, t->pos); break;
    case T_STR:
        n = node_new(p, N_STRING, t->pos);
        n->value = t->val;
        break;
    case T_NUM:
        n = node_new(p, N_NUMBER, t->pos);
        n->num = t->num;
        return n;
    case T_VALUE:
        n = node_new(p, N_VALUE, t->pos);
        n->value = t->val;
        return n;
    case T_REGEX:
        n = node_new(p, N_REGEX, t->pos);
        n->regex_src = t->s;
        n->regex_srclen = t->len;
        n->regex_flags = t->flags;
        n->regex = jregex_compile(p->c, t->s, t->len, t->flags, t->pos, p->c->arena);
        return n;
    default:
        jerr(p->c, "S0211", t->pos, "The symbol cannot be used as a unary operator");
    }
    n->op = ja_strndup(p->c->arena, t->s, t->len);
    n->oplen = t->len;
    return n;
}

static void parse_pairs(parser *p, jnodelist *pairs)
{
    if (!tok_is(&p->t, "}")) {
        for (;;) {
            jnode *k = expression(p, 0);
            advance(p, ":", false);
            jnode *v = expression(p, 0);
            list_push(p->c, pairs, k);
            list_push(p->c, pairs, v);
            if (!tok_is(&p->t, ",")) break;
            advance(p, ",", false);
        }
    }
    advance(p, "}", true);
}

static jnode *nud_op(parser *p, const tok *t)
{
    jnode *n;
    if (tok_is(t, "-")) {
        n = node_new(p, N_UNARY, t->pos);
        n->op = "-";
        n->expr = expression(p, 70);
    } else if (tok_is(t, "*")) {
        n = node_new(p, N_WILDCARD, t->pos);
    } else if (tok_is(t, "**")) {
        n = node_new(p, N_DESCENDANT, t->pos);
    } else if (tok_is(t, "%")) {
        n = node_new(p, N_PARENT, t->pos);
    } else if (tok_is(t, "(")) {
        n = node_new(p, N_BLOCK, t->pos);
        while (!tok_is(&p->t, ")")) {
            list_push(p->c, &n->items, expression(p, 0));
            if (!tok_is(&p->t, ";")) break;
            advance(p, ";", false);
        }
        advance(p, ")", true);
    } else if (tok_is(t, "[")) {
        n = node_new(p, N_ARRAY, t->pos);
        if (!tok_is(&p->t, "]")) {
            for (;;) {
                jnode *item = expression(p, 0);
                if (tok_is(&p->t, "..")) {
                    jnode *r = node_new(p, N_BINARY, p->t.pos);
                    r->op = "..";
                    r->lhs = item;
                    advance(p, "..", false);
                    r->rhs = expression(p, 0);
                    item = r;
                }
                list_push(p->c, &n->items, item);
                if (!tok_is(&p->t, ",")) break;
                advance(p, ",", false);
            }
        }
        advance(p, "]", true);
    } else if (tok_is(t, "{")) {
        n = node_new(p, N_OBJECT, t->pos);
        parse_pairs(p, &n->pairs);
    } else if (tok_is(t, "|")) {
        n = node_new(p, N_TRANSFORM, t->pos);
        n->pattern = expression(p, 0);
        advance(p, "|", false);
        n->update = expression(p, 0);
        if (tok_is(&p->t, ",")) {
            advance(p, ",", false);
            n->del = expression(p, 0);
        }
        advance(p, "|", false);
    } else if (tok_is(t, "and") || tok_is(t, "or") || tok_is(t, "in")) {
        n = node_new(p, N_NAME, t->pos);
        n->op = ja_strndup(p->c->arena, t->s, t->len);
        n->oplen = t->len;
    } else {
        jerr(p->c, "S0211", t->pos, "The symbol \"%.*s\" cannot be used as a unary operator",
             (int)t->len, t->s);
    }
    return n;
}

static jnode *nud(parser *p, const tok *t)
{
    if (t->type == T_OP) return nud_op(p, t);
    if (t->type == T_END) jerr(p->c, "S0207", t->pos, "Unexpected end of expression");
    return terminal(p, t);
}

static void parse_signature_tokens(parser *p, jnode *n)
{
    size_t sigpos = p->t.pos;
    int depth = 1;
    jbuf b;
    jb_init(&b, p->c);
    jb_addc(&b, '<');
    /* the signature is re-assembled from tokens, as the reference does */
    while (depth > 0 && !tok_is(&p->t, "{") && p->t.type != T_END) {
        advance(p, NULL, false);
        if (tok_is(&p->t, ">")) depth--;
        else if (tok_is(&p->t, "<")) depth++;
        if (p->t.type == T_OP || p->t.type == T_NAME) jb_add(&b, p->t.s, p->t.len);
        else if (p->t.type == T_VAR) { jb_addc(&b, '$'); jb_add(&b, p->t.s, p->t.len); }
    }
    advance(p, ">", false);
    n->signature = jsig_parse(p->c, b.s, b.len, sigpos);
}

static jnode *led_call(parser *p, const tok *t, jnode *left)
{
    jnode *n = node_new(p, N_FUNCTION, t->pos);
    n->procedure = left;
    if (!tok_is(&p->t, ")")) {
        for (;;) {
            if (tok_is(&p->t, "?")) {
                n->type = N_PARTIAL;
                list_push(p->c, &n->items, node_new(p, N_PLACEHOLDER, p->t.pos));
                advance(p, "?", false);
            } else {
                list_push(p->c, &n->items, expression(p, 0));
            }
            if (!tok_is(&p->t, ",")) break;
            advance(p, ",", false);
        }
    }
    advance(p, ")", true);
    if (left->type == N_NAME && (!strcmp(left->op, "function") || !strcmp(left->op, "\xce\xbb"))) {
        for (size_t i = 0; i < n->items.n; i++)
            if (n->items.v[i]->type != N_VARIABLE)
                jerr(p->c, "S0208", n->items.v[i]->pos, "Parameter %zu of function definition must be a variable name (start with $)", i + 1);
        n->type = N_LAMBDA;
        if (tok_is(&p->t, "<")) parse_signature_tokens(p, n);
        advance(p, "{", false);
        n->body = expression(p, 0);
        advance(p, "}", false);
    }
    return n;
}

static jnode *led_sort(parser *p, const tok *t, jnode *left)
{
    jnode *n = node_new(p, N_BINARY, t->pos);
    n->op = "^";
    n->lhs = left;
    advance(p, "(", false);
    bool desc[256];
    for (;;) {
        bool d = false;
        if (tok_is(&p->t, "<")) advance(p, "<", false);
        else if (tok_is(&p->t, ">")) { d = true; advance(p, ">", false); }
        if (n->items.n < 256) desc[n->items.n] = d;
        list_push(p->c, &n->items, expression(p, 0));
        if (!tok_is(&p->t, ",")) break;
        advance(p, ",", false);
    }
    advance(p, ")", false);
    n->desc = jalloc(p->c, n->items.n * sizeof(bool) + 1);
    for (size_t i = 0; i < n->items.n && i < 256; i++) n->desc[i] = desc[i];
    return n;
}

static jnode *led(parser *p, const tok *t, jnode *left)
{
    int bp = lbp(t);
    jnode *n;
    if (tok_is(t, "(")) return led_call(p, t, left);
    if (tok_is(t, "^")) return led_sort(p, t, left);
    if (tok_is(t, "[")) {
        if (tok_is(&p->t, "]")) {
            jnode *step = left;
            while (step && step->type == N_BINARY && !strcmp(step->op, "[")) step = step->lhs;
            step->keep_array = true;
            advance(p, "]", false);
            return left;
        }
        n = node_new(p, N_BINARY, t->pos);
        n->op = "[";
        n->lhs = left;
        n->rhs = expression(p, 0);
        advance(p, "]", true);
        return n;
    }
    if (tok_is(t, "{")) {
        n = node_new(p, N_BINARY, t->pos);
        n->op = "{";
        n->lhs = left;
        parse_pairs(p, &n->pairs);
        return n;
    }
    if (tok_is(t, "?")) {
        n = node_new(p, N_CONDITION, t->pos);
        n->cond = left;
        n->then = expression(p, 0);
        if (tok_is(&p->t, ":")) {
            advance(p, ":", false);
            n->els = expression(p, 0);
        }
        return n;
    }
    if (tok_is(t, "?:")) {
        n = node_new(p, N_CONDITION, t->pos);
        n->cond = left;
        n->then = left;
        n->els = expression(p, 0);
        return n;
    }
    if (tok_is(t, "??")) {
        n = node_new(p, N_CONDITION, t->pos);
        jnode *call = node_new(p, N_FUNCTION, t->pos);
        jnode *proc = node_new(p, N_VARIABLE, t->pos);
        proc->op = "exists";
        proc->oplen = 6;
        call->procedure = proc;
        list_push(p->c, &call->items, left);
        n->cond = call;
        n->then = left;
        n->els = expression(p, 0);
        return n;
    }
    n = node_new(p, N_BINARY, t->pos);
    n->op = ja_strndup(p->c->arena, t->s, t->len);
    n->lhs = left;
    if (tok_is(t, ":=")) {
        if (left->type != N_VARIABLE)
            jerr(p->c, "S0212", left->pos, "The left side of := must be a variable name (start with $)");
        n->rhs = expression(p, bp - 1);
    } else if (tok_is(t, "@") || tok_is(t, "#")) {
        n->rhs = expression(p, bp);
        if (n->rhs->type != N_VARIABLE)
            jerr(p->c, "S0214", n->rhs->pos, "The right side of %s must be a variable name (start with $)", n->op);
    } else {
        if (!bp) jerr(p->c, "S0201", t->pos, "Syntax error: \"%.*s\"", (int)t->len, t->s);
        n->rhs = expression(p, bp);
    }
    return n;
}

static jnode *expression(parser *p, int rbp)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        jerr(p->c, "U1001", p->t.pos, "Stack overflow error: the expression is nested too deeply");
    tok t = p->t;
    advance(p, NULL, true);
    jnode *left = nud(p, &t);
    while (rbp < lbp(&p->t)) {
        t = p->t;
        advance(p, NULL, false);
        left = led(p, &t, left);
    }
    p->depth--;
    return left;
}

/* ------------------------------------------------------ post-parse pass */

static jnode *process(parser *p, jnode *e);

static jslot *seek_parent(parser *p, jnode *node, jslot *slot)
{
    switch (node->type) {
    case N_NAME:
    case N_WILDCARD:
        slot->level--;
        if (slot->level == 0) {
            if (node->ancestor) {
                /* reuse the existing label: the reference rewrites the slot in place */
                memcpy(slot->label, node->ancestor->label, sizeof slot->label);
            }
            node->ancestor = slot;
            node->tuple = true;
        }
        break;
    case N_PARENT:
        slot->level++;
        break;
    case N_BLOCK:
        if (node->items.n > 0) {
            node->tuple = true;
            slot = seek_parent(p, node->items.v[node->items.n - 1], slot);
        }
        break;
    case N_PATH: {
        node->tuple = true;
        long index = (long)node->steps.n - 1;
        slot = seek_parent(p, node->steps.v[index--], slot);
        while (slot->level > 0 && index >= 0) slot = seek_parent(p, node->steps.v[index--], slot);
        break;
    }
    default:
        jerr(p->c, "S0217", node->pos, "The object representing the 'parent' cannot be derived from this expression");
    }
    return slot;
}

static void push_ancestry(parser *p, jnode *result, jnode *value)
{
    if (!value) return;
    if (value->has_seeking || value->type == N_PARENT) {
        if (!result->has_seeking) result->has_seeking = true;
        for (size_t i = 0; i < value->seeking.n; i++) slot_push(p->c, &result->seeking, value->seeking.v[i]);
        if (value->type == N_PARENT) slot_push(p->c, &result->seeking, value->slot);
    }
}

static void resolve_ancestry(parser *p, jnode *path)
{
    jnode *last = path->steps.v[path->steps.n - 1];
    jslotlist slots = {0};
    for (size_t i = 0; i < last->seeking.n; i++) slot_push(p->c, &slots, last->seeking.v[i]);
    if (last->type == N_PARENT) slot_push(p->c, &slots, last->slot);
    for (size_t is = 0; is < slots.n; is++) {
        jslot *slot = slots.v[is];
        long index = (long)path->steps.n - 2;
        while (slot->level > 0) {
            if (index < 0) {
                path->has_seeking = true;
                slot_push(p->c, &path->seeking, slot);
                break;
            }
            jnode *step = path->steps.v[index--];
            while (index >= 0 && step->focus && path->steps.v[index]->focus) step = path->steps.v[index--];
            slot = seek_parent(p, step, slot);
        }
    }
}

static jnode *tail_call_optimize(parser *p, jnode *e)
{
    if (e->type == N_FUNCTION && e->predicate.n == 0) {
        jnode *th = node_new(p, N_LAMBDA, e->pos);
        th->thunk = true;
        th->body = e;
        return th;
    }
    if (e->type == N_CONDITION) {
        e->then = tail_call_optimize(p, e->then);
        if (e->els) e->els = tail_call_optimize(p, e->els);
    } else if (e->type == N_BLOCK && e->items.n > 0) {
        e->items.v[e->items.n - 1] = tail_call_optimize(p, e->items.v[e->items.n - 1]);
    }
    return e;
}

static jnode *as_path(parser *p, jnode *step)
{
    if (step->type == N_PATH) return step;
    jnode *path = node_new(p, N_PATH, step->pos);
    list_push(p->c, &path->steps, step);
    return path;
}

static void move_predicate_to_stages(jnode *step)
{
    if (step->predicate.n) {
        step->stages = step->predicate;
        memset(&step->predicate, 0, sizeof step->predicate);
    }
}

static jnode *process_dot(parser *p, jnode *e)
{
    jnode *lstep = process(p, e->lhs);
    jnode *result;
    if (lstep->type == N_PATH) {
        result = lstep;
    } else {
        result = as_path(p, lstep);
        result->pos = e->pos;
    }
    if (lstep->type == N_PARENT) {
        result->has_seeking = true;
        slot_push(p->c, &result->seeking, lstep->slot);
    }
    jnode *rest = process(p, e->rhs);
    if (rest->type == N_FUNCTION && rest->procedure->type == N_PATH && rest->procedure->steps.n == 1 &&
        rest->procedure->steps.v[0]->type == N_NAME &&
        result->steps.v[result->steps.n - 1]->type == N_FUNCTION)
        result->steps.v[result->steps.n - 1]->next_function = rest->procedure->steps.v[0]->op;
    if (rest->type == N_PATH) {
        for (size_t i = 0; i < rest->steps.n; i++) list_push(p->c, &result->steps, rest->steps.v[i]);
    } else {
        move_predicate_to_stages(rest);
        list_push(p->c, &result->steps, rest);
    }
    for (size_t i = 0; i < result->steps.n; i++) {
        jnode *st = result->steps.v[i];
        if (st->type == N_NUMBER || st->type == N_VALUE)
            jerr(p->c, "S0213", st->pos, "The literal value cannot be used as a step within a path expression");
        if (st->type == N_STRING) {
            st->type = N_NAME;
            st->op = st->value->u.str.s;
            st->oplen = st->value->u.str.len;
        }
        if (st->keep_array) result->keep_singleton_array = true;
    }
    jnode *first = result->steps.v[0];
    if (first->type == N_ARRAY) first->consarray = true;
    jnode *last = result->steps.v[result->steps.n - 1];
    if (last->type == N_ARRAY) last->consarray = true;
    resolve_ancestry(p, result);
    return result;
}

static jnode *process_predicate(parser *p, jnode *e)
{
    jnode *result = process(p, e->lhs);
    jnode *step = result;
    bool stages = false;
    if (result->type == N_PATH) {
        step = result->steps.v[result->steps.n - 1];
        stages = true;
    }
    if (step->group) jerr(p->c, "S0209", e->pos, "A predicate cannot follow a grouping expression in a step");
    jnode *pred = process(p, e->rhs);
    if (pred->has_seeking) {
        for (size_t i = 0; i < pred->seeking.n; i++) {
            jslot *slot = pred->seeking.v[i];
            if (slot->level == 1) seek_parent(p, step, slot);
            else slot->level--;
        }
        push_ancestry(p, step, pred);
    }
    jstage st = {.is_index = 0, .expr = pred, .pos = e->pos};
    stage_push(p->c, stages ? &step->stages : &step->predicate, st);
    return result;
}

static jnode *process_group(parser *p, jnode *e)
{
    jnode *result = process(p, e->lhs);
    if (result->group) jerr(p->c, "S0210", e->pos, "Each step can only have one grouping expression");
    jnodelist *g = jalloc(p->c, sizeof *g);
    for (size_t i = 0; i < e->pairs.n; i++) list_push(p->c, g, process(p, e->pairs.v[i]));
    result->group = g;
    result->group_pos = e->pos;
    return result;
}

static jnode *process_sort(parser *p, jnode *e)
{
    jnode *result = as_path(p, process(p, e->lhs));
    jnode *sort = node_new(p, N_SORT, e->pos);
    sort->desc = e->desc;
    for (size_t i = 0; i < e->items.n; i++) {
        jnode *x = process(p, e->items.v[i]);
        push_ancestry(p, sort, x);
        list_push(p->c, &sort->items, x);
    }
    list_push(p->c, &result->steps, sort);
    resolve_ancestry(p, result);
    return result;
}

static jnode *process_focus_index(parser *p, jnode *e, bool focus)
{
    jnode *result = process(p, e->lhs);
    jnode *step = result;
    if (focus) {
        if (result->type == N_PATH) step = result->steps.v[result->steps.n - 1];
        if (step->stages.n || step->predicate.n)
            jerr(p->c, "S0215", e->pos, "A context variable binding must precede any predicates on a step");
        if (step->type == N_SORT)
            jerr(p->c, "S0216", e->pos, "A context variable binding must precede the 'order-by' clause on a step");
        if (e->keep_array) step->keep_array = true;
        step->focus = e->rhs->op;
        step->tuple = true;
        return result;
    }
    if (result->type == N_PATH) {
        step = result->steps.v[result->steps.n - 1];
    } else {
        result = as_path(p, result);
        move_predicate_to_stages(step);
    }
    if (!step->stages.n) {
        step->index = e->rhs->op;
    } else {
        jstage st = {.is_index = 1, .var = e->rhs->op, .pos = e->pos};
        stage_push(p->c, &step->stages, st);
    }
    step->tuple = true;
    return result;
}

static jnode *process_binary(parser *p, jnode *e)
{
    const char *op = e->op;
    if (!strcmp(op, ".")) return process_dot(p, e);
    if (!strcmp(op, "[")) return process_predicate(p, e);
    if (!strcmp(op, "{")) return process_group(p, e);
    if (!strcmp(op, "^")) return process_sort(p, e);
    if (!strcmp(op, "@")) return process_focus_index(p, e, true);
    if (!strcmp(op, "#")) return process_focus_index(p, e, false);
    jnode *r;
    if (!strcmp(op, ":=")) {
        r = node_new(p, N_BIND, e->pos);
        r->lhs = process(p, e->lhs);
        r->rhs = process(p, e->rhs);
        push_ancestry(p, r, r->rhs);
        return r;
    }
    if (!strcmp(op, "~>")) {
        r = node_new(p, N_APPLY, e->pos);
        r->lhs = process(p, e->lhs);
        r->rhs = process(p, e->rhs);
        r->keep_array = r->lhs->keep_array || r->rhs->keep_array;
        return r;
    }
    r = node_new(p, N_BINARY, e->pos);
    r->op = op;
    r->lhs = process(p, e->lhs);
    r->rhs = process(p, e->rhs);
    push_ancestry(p, r, r->lhs);
    push_ancestry(p, r, r->rhs);
    return r;
}

static jnode *process_inner(parser *p, jnode *e)
{
    jnode *r;
    switch (e->type) {
    case N_BINARY: return process_binary(p, e);
    case N_ARRAY:
        r = node_new(p, N_ARRAY, e->pos);
        for (size_t i = 0; i < e->items.n; i++) {
            jnode *x = process(p, e->items.v[i]);
            push_ancestry(p, r, x);
            list_push(p->c, &r->items, x);
        }
        return r;
    case N_OBJECT:
        r = node_new(p, N_OBJECT, e->pos);
        for (size_t i = 0; i < e->pairs.n; i++) {
            jnode *x = process(p, e->pairs.v[i]);
            push_ancestry(p, r, x);
            list_push(p->c, &r->pairs, x);
        }
        return r;
    case N_UNARY:
        r = node_new(p, N_UNARY, e->pos);
        r->op = e->op;
        r->expr = process(p, e->expr);
        if (r->expr->type == N_NUMBER) {
            jnode *num = node_new(p, N_NUMBER, r->expr->pos);
            num->num = -r->expr->num;
            r = num;
        } else {
            push_ancestry(p, r, r->expr);
        }
        return r;
    case N_FUNCTION:
    case N_PARTIAL:
        r = node_new(p, e->type, e->pos);
        for (size_t i = 0; i < e->items.n; i++) {
            jnode *x = process(p, e->items.v[i]);
            push_ancestry(p, r, x);
            list_push(p->c, &r->items, x);
        }
        r->procedure = process(p, e->procedure);
        return r;
    case N_LAMBDA:
        r = node_new(p, N_LAMBDA, e->pos);
        r->items = e->items;
        r->signature = e->signature;
        r->body = tail_call_optimize(p, process(p, e->body));
        return r;
    case N_CONDITION:
        r = node_new(p, N_CONDITION, e->pos);
        r->cond = process(p, e->cond);
        push_ancestry(p, r, r->cond);
        r->then = e->then == e->cond ? r->cond : process(p, e->then);
        push_ancestry(p, r, r->then);
        if (e->els) {
            r->els = process(p, e->els);
            push_ancestry(p, r, r->els);
        }
        return r;
    case N_TRANSFORM:
        r = node_new(p, N_TRANSFORM, e->pos);
        r->pattern = process(p, e->pattern);
        r->update = process(p, e->update);
        if (e->del) r->del = process(p, e->del);
        return r;
    case N_BLOCK:
        r = node_new(p, N_BLOCK, e->pos);
        for (size_t i = 0; i < e->items.n; i++) {
            jnode *x = process(p, e->items.v[i]);
            push_ancestry(p, r, x);
            if (x->consarray || (x->type == N_PATH && x->steps.v[0]->consarray)) r->consarray = true;
            list_push(p->c, &r->items, x);
        }
        return r;
    case N_NAME:
        r = as_path(p, e);
        if (e->keep_array) r->keep_singleton_array = true;
        return r;
    case N_PARENT:
        r = node_new(p, N_PARENT, e->pos);
        r->slot = jalloc(p->c, sizeof *r->slot);
        snprintf(r->slot->label, sizeof r->slot->label, "!%d", p->ancestor_label++);
        r->slot->level = 1;
        r->slot->index = p->ancestor_index++;
        return r;
    default:
        return e;
    }
}

static jnode *process(parser *p, jnode *e)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        jerr(p->c, "U1001", e->pos, "Stack overflow error: the expression is nested too deeply");
    jnode *r = process_inner(p, e);
    if (e->keep_array) r->keep_array = true;
    p->depth--;
    return r;
}

jnode *jparse(jctx *c, const char *src, size_t len)
{
    parser p = {.c = c, .src = src, .len = len};
    lex(&p, false);
    if (p.t.type == T_OP && !known_symbol(&p.t))
        jerr(c, "S0204", p.t.pos, "Unknown operator: \"%.*s\"", (int)p.t.len, p.t.s);
    jnode *ast = expression(&p, 0);
    if (p.t.type != T_END) jerr(c, "S0201", p.t.pos, "Syntax error: unexpected token");
    p.depth = 0;
    ast = process(&p, ast);
    if (ast->type == N_PARENT || ast->has_seeking)
        jerr(c, "S0217", ast->pos, "The object representing the 'parent' cannot be derived from this expression");
    return ast;
}
