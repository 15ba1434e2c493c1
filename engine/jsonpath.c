/*
 * jsonpath.c — JSONPath as AWS Step Functions evaluates it.
 *
 * AWS runs Jayway JsonPath; this file follows its behaviour where the
 * conformance recordings show it:
 *   - A path is parsed once into steps: member names (".a", "['a b']"),
 *     array indexes ("[0]", "[-1]"), wildcards, slices ("[1:3]", "[::2]"),
 *     unions ("['a','b']", "[0,2]") and filters ("[?(@.x > 1 && @.y)]"); any
 *     step may be preceded by ".." (deep scan: the step applies at every
 *     level below, in document order).
 *   - A path of names and indexes only is definite: it yields one value or
 *     fails, with Jayway's messages ("Missing property in path $['a']" when
 *     a step before the last is missing, "No results for path: $['a']['b']"
 *     when the last is). Any other path is indefinite and yields an array of
 *     its matches, possibly empty; it never fails at run time.
 *   - "$$" starts a path on the context object instead of the input, and
 *     "$name" (a letter or '_' after the '$') on the workflow variable
 *     `name`, which the executor passes in ctx under ASL_CTX_VARIABLES; a
 *     "$$" path never sees that member.
 *   - Filters test each element of an array (or a non-array object itself):
 *     comparisons of numbers by value and strings by code point; a
 *     comparison with a missing or mistyped operand is false; "=~" takes a
 *     /regex/ or /regex/i in POSIX extended syntax (Jayway uses Java's,
 *     which agrees on the common subset).
 *   - A quoted name keeps its backslashes (Jayway's reading: AWS resolves
 *     $['a\"b'] to the member a\"b); a backslash only stops the next
 *     character from closing the quote.
 *
 * Memory: a parsed path lives in one arena (a list of blocks freed at once),
 * so the recursive-descent parser never frees partial trees on error.
 * Bounds: paths longer than ASL_MAX_PATH_LEN bytes and filters nested deeper
 * than ASL_MAX_DEPTH are refused, so hostile input cannot exhaust the stack.
 */
#include "asl.h"
#include "asl_private.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the parsed form ---------------------------------------------------- */

enum step_kind { STEP_NAME, STEP_INDEX, STEP_WILDCARD, STEP_SLICE, STEP_UNION, STEP_FILTER };

struct filter;

struct step {
    enum step_kind kind;
    bool deep;           /* preceded by ".." */
    const char *name;    /* STEP_NAME */
    long index;          /* STEP_INDEX */
    long slice[3];       /* STEP_SLICE: start, end, step */
    bool has_slice[3];   /* which of them were written */
    size_t n_items;      /* STEP_UNION */
    struct step *items;  /* STEP_UNION: names or indexes */
    struct filter *filter; /* STEP_FILTER */
};

enum operand_kind { OPD_PATH, OPD_VALUE, OPD_REGEX };
struct operand {
    enum operand_kind kind;
    bool from_root;      /* OPD_PATH: "$..." instead of "@..." */
    asl_path *path;      /* OPD_PATH */
    json_t *value;       /* OPD_VALUE (owned by the arena's value list) */
    regex_t *regex;      /* OPD_REGEX */
};

enum filter_kind { FLT_OR, FLT_AND, FLT_NOT, FLT_EXISTS, FLT_COMPARE };
enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_MATCH };
struct filter {
    enum filter_kind kind;
    struct filter *left, *right; /* OR, AND; NOT uses left */
    struct operand a, b;         /* EXISTS uses a; COMPARE both */
    enum cmp_op op;
};

struct arena_block {
    struct arena_block *next; /* the block allocated before this one */
    size_t used, size;        /* bytes of data handed out, and available */
    max_align_t data[];
};

struct arena {
    struct arena_block *blocks;
    json_t *values;  /* literals of filters, decref'd with the arena */
    regex_t **regexes; /* compiled "=~" patterns, regfree'd with the arena */
    size_t n_regexes;
};

struct asl_path {
    struct arena *arena; /* owns it all; shared with the paths in its filters */
    bool context;        /* starts with "$$" */
    char *variable;      /* "$name...": the variable it starts on, else NULL */
    size_t n;            /* number of steps */
    struct step *steps;
};

static void *arena_alloc(struct arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct arena_block *b = a->blocks;
    if (!b || b->used + size > b->size) {
        size_t cap = size > 4096 ? size : 4096;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = a->blocks;
        b->used = 0;
        b->size = cap;
        a->blocks = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

static void arena_free(struct arena *a)
{
    if (!a) return;
    while (a->blocks) {
        struct arena_block *next = a->blocks->next;
        free(a->blocks);
        a->blocks = next;
    }
    for (size_t i = 0; i < a->n_regexes; i++) {
        regfree(a->regexes[i]);
        free(a->regexes[i]);
    }
    free(a->regexes);
    json_decref(a->values);
    free(a);
}

/* ---- the parser --------------------------------------------------------- */

struct parser {
    const char *p;       /* cursor */
    const char *end;
    struct arena *arena;
    bool in_filter;      /* names also end at operators and ')' */
    int depth;
    char *why;
    size_t why_len;
    bool failed;
};

static bool parse_fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool parse_fail(struct parser *ps, const char *fmt, ...)
{
    va_list ap;
    if (!ps->failed && ps->why && ps->why_len) {
        va_start(ap, fmt);
        vsnprintf(ps->why, ps->why_len, fmt, ap);
        va_end(ap);
    }
    ps->failed = true;
    return false;
}

static void skip_spaces(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) ps->p++;
}

static bool at(struct parser *ps, char c) { return ps->p < ps->end && *ps->p == c; }

static bool name_ends(struct parser *ps, char c)
{
    if (c == '.' || c == '[') return true;
    return ps->in_filter && strchr(" \t)=!<>&|,", c) != NULL;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    if (d) memcpy(d, s, n);
    return d;
}

/* A quoted name in brackets: 'a b' or "a b"; backslashes stay in the name
 * (see the top of the file). */
static const char *parse_quoted(struct parser *ps)
{
    char quote = *ps->p++;
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != quote) ps->p += (*ps->p == '\\' && ps->p + 1 < ps->end) ? 2 : 1;
    if (!at(ps, quote)) return parse_fail(ps, "%s", "unterminated quoted name in brackets"), NULL;
    char *out = arena_strndup(ps->arena, start, (size_t)(ps->p - start));
    if (!out) return parse_fail(ps, "%s", "out of memory"), NULL;
    ps->p++;
    return out;
}

static bool parse_long(struct parser *ps, long *v)
{
    char *endp;
    errno = 0;
    long x = strtol(ps->p, &endp, 10);
    if (endp == ps->p || endp > ps->end) return false;
    if (errno == ERANGE) return parse_fail(ps, "%s", "array index out of range");
    *v = x;
    ps->p = endp;
    return true;
}

static struct filter *parse_filter_or(struct parser *ps);

/* "[1:3]", "[:2]", "[::-1]"; the cursor is after the first number, if any. */
static bool parse_slice(struct parser *ps, struct step *st, bool have_start, long start)
{
    st->kind = STEP_SLICE;
    st->slice[0] = start;
    st->has_slice[0] = have_start;
    for (int part = 1; part < 3 && at(ps, ':'); part++) {
        ps->p++;
        skip_spaces(ps);
        if (at(ps, '-') || (ps->p < ps->end && isdigit((unsigned char)*ps->p))) {
            if (!parse_long(ps, &st->slice[part])) return parse_fail(ps, "%s", "bad slice");
            st->has_slice[part] = true;
        }
        skip_spaces(ps);
    }
    if (st->has_slice[2] && st->slice[2] == 0) return parse_fail(ps, "%s", "slice step 0");
    return true;
}

/* A list of names or of indexes, separated by commas: one item is a
 * plain name/index step, several a union. */
static bool parse_list(struct parser *ps, struct step *st, bool quoted)
{
    struct step items[64];
    size_t n = 0;
    for (;;) {
        skip_spaces(ps);
        if (n == sizeof items / sizeof items[0]) return parse_fail(ps, "%s", "union too long");
        struct step *it = &items[n++];
        memset(it, 0, sizeof *it);
        if (quoted) {
            if (!at(ps, '\'') && !at(ps, '"')) return parse_fail(ps, "%s", "expected a quoted name");
            it->kind = STEP_NAME;
            if (!(it->name = parse_quoted(ps))) return false;
        } else {
            it->kind = STEP_INDEX;
            if (!parse_long(ps, &it->index)) return parse_fail(ps, "%s", "expected an array index");
        }
        skip_spaces(ps);
        if (!at(ps, ',')) break;
        ps->p++;
    }
    if (n == 1) {
        *st = items[0];
        return true;
    }
    st->kind = STEP_UNION;
    st->n_items = n;
    st->items = arena_alloc(ps->arena, n * sizeof *st->items);
    if (!st->items) return parse_fail(ps, "%s", "out of memory");
    memcpy(st->items, items, n * sizeof *st->items);
    return true;
}

static bool parse_bracket(struct parser *ps, struct step *st)
{
    ps->p++; /* '[' */
    skip_spaces(ps);
    if (at(ps, '*')) {
        ps->p++;
        st->kind = STEP_WILDCARD;
    } else if (at(ps, '?')) {
        ps->p++;
        skip_spaces(ps);
        if (!at(ps, '(')) return parse_fail(ps, "%s", "expected '(' after '?'");
        ps->p++;
        st->kind = STEP_FILTER;
        bool was = ps->in_filter;
        ps->in_filter = true;
        st->filter = parse_filter_or(ps);
        ps->in_filter = was;
        if (!st->filter) return false;
        skip_spaces(ps);
        if (!at(ps, ')')) return parse_fail(ps, "%s", "expected ')' closing the filter");
        ps->p++;
    } else if (at(ps, '\'') || at(ps, '"')) {
        if (!parse_list(ps, st, true)) return false;
    } else if (at(ps, ':')) {
        if (!parse_slice(ps, st, false, 0)) return false;
    } else {
        const char *save = ps->p;
        long first;
        if (!parse_long(ps, &first)) return parse_fail(ps, "%s", "unexpected character in brackets");
        skip_spaces(ps);
        if (at(ps, ':')) {
            if (!parse_slice(ps, st, true, first)) return false;
        } else {
            ps->p = save;
            if (!parse_list(ps, st, false)) return false;
        }
    }
    skip_spaces(ps);
    if (!at(ps, ']')) return parse_fail(ps, "%s", "expected ']'");
    ps->p++;
    return true;
}

/* One step after '.', "..", or at '['. */
static bool parse_step(struct parser *ps, struct step *st)
{
    bool dot = false;
    if (at(ps, '.')) {
        ps->p++;
        dot = true;
        if (at(ps, '.')) {
            ps->p++;
            st->deep = true;
        }
    }
    if (at(ps, '[')) {
        if (dot && !st->deep) return parse_fail(ps, "%s", "'.' followed by '['");
        return parse_bracket(ps, st);
    }
    if (!dot) return parse_fail(ps, "unexpected character '%.1s'", ps->p);
    if (at(ps, '*')) {
        ps->p++;
        st->kind = STEP_WILDCARD;
        return true;
    }
    const char *start = ps->p;
    while (ps->p < ps->end && !name_ends(ps, *ps->p)) ps->p++;
    if (ps->p == start) return parse_fail(ps, "%s", "empty member name");
    st->kind = STEP_NAME;
    st->name = arena_strndup(ps->arena, start, (size_t)(ps->p - start));
    return st->name != NULL || parse_fail(ps, "%s", "out of memory");
}

static bool path_step_follows(struct parser *ps)
{
    return at(ps, '.') || at(ps, '[');
}

/* Steps until the end of the text, or (in a filter) the first character
 * that cannot continue a path. */
static asl_path *parse_steps(struct parser *ps, bool context)
{
    asl_path *path = arena_alloc(ps->arena, sizeof *path);
    size_t cap = 8;
    if (!path) return parse_fail(ps, "%s", "out of memory"), NULL;
    path->arena = ps->arena;
    path->context = context;
    path->steps = arena_alloc(ps->arena, cap * sizeof *path->steps);
    if (!path->steps) return parse_fail(ps, "%s", "out of memory"), NULL;
    while (path_step_follows(ps)) {
        if (path->n == cap) {
            struct step *more = arena_alloc(ps->arena, 2 * cap * sizeof *more);
            if (!more) return parse_fail(ps, "%s", "out of memory"), NULL;
            memcpy(more, path->steps, cap * sizeof *more);
            path->steps = more;
            cap *= 2;
        }
        if (!parse_step(ps, &path->steps[path->n])) return NULL;
        path->n++;
    }
    return path;
}

/* ---- filter expressions ------------------------------------------------- */

static bool parse_literal(struct parser *ps, struct operand *o)
{
    json_t *v = NULL;
    if (at(ps, '\'') || at(ps, '"')) {
        const char *s = parse_quoted(ps);
        if (!s) return false;
        v = json_string(s);
    } else if (ps->end - ps->p >= 4 && strncmp(ps->p, "true", 4) == 0) {
        ps->p += 4, v = json_true();
    } else if (ps->end - ps->p >= 5 && strncmp(ps->p, "false", 5) == 0) {
        ps->p += 5, v = json_false();
    } else if (ps->end - ps->p >= 4 && strncmp(ps->p, "null", 4) == 0) {
        ps->p += 4, v = json_null();
    } else {
        size_t len;
        if (!(v = asl_number_literal(ps->p, ps->end, &len)))
            return parse_fail(ps, "%s", "expected a value in the filter");
        ps->p += len;
    }
    if (!v || json_array_append_new(ps->arena->values, v) != 0)
        return parse_fail(ps, "%s", "out of memory");
    o->kind = OPD_VALUE;
    o->value = v;
    return true;
}

/* "/pattern/" or "/pattern/i" after =~ (POSIX extended syntax). */
static bool parse_regex(struct parser *ps, struct operand *o)
{
    if (!at(ps, '/')) return parse_fail(ps, "%s", "expected /regex/ after =~");
    const char *start = ++ps->p;
    while (ps->p < ps->end && *ps->p != '/') ps->p += (*ps->p == '\\' && ps->p + 1 < ps->end) ? 2 : 1;
    if (!at(ps, '/')) return parse_fail(ps, "%s", "unterminated regex");
    char *pattern = arena_strndup(ps->arena, start, (size_t)(ps->p - start));
    ps->p++;
    int flags = REG_EXTENDED | REG_NOSUB;
    if (at(ps, 'i')) ps->p++, flags |= REG_ICASE;
    regex_t *re = malloc(sizeof *re);
    regex_t **list = realloc(ps->arena->regexes, (ps->arena->n_regexes + 1) * sizeof *list);
    if (list) ps->arena->regexes = list;
    if (!pattern || !re || !list) return free(re), parse_fail(ps, "%s", "out of memory");
    if (regcomp(re, pattern, flags) != 0) return free(re), parse_fail(ps, "%s", "bad regex");
    list[ps->arena->n_regexes++] = re;
    o->kind = OPD_REGEX;
    o->regex = re;
    return true;
}

static bool parse_operand(struct parser *ps, struct operand *o)
{
    skip_spaces(ps);
    if (at(ps, '@') || at(ps, '$')) {
        o->kind = OPD_PATH;
        o->from_root = *ps->p == '$';
        ps->p++;
        o->path = parse_steps(ps, false);
        return o->path != NULL;
    }
    return parse_literal(ps, o);
}

static bool parse_cmp_op(struct parser *ps, enum cmp_op *op)
{
    static const struct { const char *text; enum cmp_op op; } ops[] = {
        {"==", CMP_EQ}, {"!=", CMP_NE}, {"<=", CMP_LE}, {">=", CMP_GE},
        {"=~", CMP_MATCH}, {"<", CMP_LT}, {">", CMP_GT},
    };
    skip_spaces(ps);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if ((size_t)(ps->end - ps->p) >= n && strncmp(ps->p, ops[i].text, n) == 0) {
            ps->p += n;
            *op = ops[i].op;
            return true;
        }
    }
    return false;
}

static struct filter *new_filter(struct parser *ps, enum filter_kind kind)
{
    struct filter *f = arena_alloc(ps->arena, sizeof *f);
    if (!f) parse_fail(ps, "%s", "out of memory");
    else f->kind = kind;
    return f;
}

static struct filter *parse_filter_unary(struct parser *ps)
{
    struct filter *f;
    skip_spaces(ps);
    if (++ps->depth > ASL_MAX_DEPTH) return parse_fail(ps, "%s", "filter nested too deeply"), NULL;
    if (at(ps, '!') && !(ps->p + 1 < ps->end && ps->p[1] == '=')) {
        ps->p++;
        if (!(f = new_filter(ps, FLT_NOT)) || !(f->left = parse_filter_unary(ps))) return NULL;
    } else if (at(ps, '(')) {
        ps->p++;
        if (!(f = parse_filter_or(ps))) return NULL;
        skip_spaces(ps);
        if (!at(ps, ')')) return parse_fail(ps, "%s", "expected ')'"), NULL;
        ps->p++;
    } else {
        if (!(f = new_filter(ps, FLT_EXISTS)) || !parse_operand(ps, &f->a)) return NULL;
        if (parse_cmp_op(ps, &f->op)) {
            f->kind = FLT_COMPARE;
            skip_spaces(ps);
            bool ok = f->op == CMP_MATCH ? parse_regex(ps, &f->b) : parse_operand(ps, &f->b);
            if (!ok) return NULL;
        } else if (f->a.kind != OPD_PATH) {
            return parse_fail(ps, "%s", "a filter needs a path or a comparison"), NULL;
        }
    }
    ps->depth--;
    return f;
}

static struct filter *parse_filter_binary(struct parser *ps, bool is_or)
{
    struct filter *left = is_or ? parse_filter_binary(ps, false) : parse_filter_unary(ps);
    const char *token = is_or ? "||" : "&&";
    for (;;) {
        if (!left) return NULL;
        skip_spaces(ps);
        if (ps->end - ps->p < 2 || strncmp(ps->p, token, 2) != 0) return left;
        ps->p += 2;
        struct filter *f = new_filter(ps, is_or ? FLT_OR : FLT_AND);
        if (!f) return NULL;
        f->left = left;
        f->right = is_or ? parse_filter_binary(ps, false) : parse_filter_unary(ps);
        if (!f->right) return NULL;
        left = f;
    }
}

static struct filter *parse_filter_or(struct parser *ps) { return parse_filter_binary(ps, true); }

/* ---- parsing entry points ----------------------------------------------- */

asl_path *asl_path_parse(const char *text, char *why, size_t why_len)
{
    size_t len = text ? strlen(text) : 0;
    struct parser ps = {.p = text, .end = text + len, .why = why, .why_len = why_len};
    if (!text || len == 0 || text[0] != '$') {
        parse_fail(&ps, "%s", "a path must start with '$'");
        return NULL;
    }
    if (len > ASL_MAX_PATH_LEN) {
        parse_fail(&ps, "%s", "path too long");
        return NULL;
    }
    ps.arena = calloc(1, sizeof *ps.arena);
    if (!ps.arena || !(ps.arena->values = json_array())) {
        free(ps.arena);
        parse_fail(&ps, "%s", "out of memory");
        return NULL;
    }
    bool context = len >= 2 && text[1] == '$';
    ps.p += context ? 2 : 1;
    size_t name_len = context ? 0 : asl_variable_name_length(ps.p, ps.end);
    char *variable = name_len ? arena_strndup(ps.arena, ps.p, name_len) : NULL;
    ps.p += name_len;
    asl_path *path = parse_steps(&ps, context);
    if (path) path->variable = variable;
    if (path && ps.p != ps.end) parse_fail(&ps, "unexpected text '%s'", ps.p);
    if (ps.failed || !path) {
        arena_free(ps.arena);
        return NULL;
    }
    return path;
}

void asl_path_free(asl_path *path)
{
    if (path) arena_free(path->arena);
}

bool asl_path_is_reference(const asl_path *path)
{
    for (size_t i = 0; i < path->n; i++)
        if (path->steps[i].deep ||
            (path->steps[i].kind != STEP_NAME && path->steps[i].kind != STEP_INDEX))
            return false;
    return true;
}

bool asl_path_is_context(const asl_path *path) { return path->context; }

const char *asl_path_variable(const asl_path *path) { return path->variable; }

static bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

size_t asl_variable_name_length(const char *s, const char *end)
{
    const char *p = s;
    if (p >= end || !name_start((unsigned char)*p)) return 0;
    while (p < end && (name_start((unsigned char)*p) || (*p >= '0' && *p <= '9'))) p++;
    return (size_t)(p - s);
}

size_t asl_path_length(const asl_path *path) { return path->n; }

const char *asl_path_step(const asl_path *path, size_t i, long *index)
{
    const struct step *st = &path->steps[i];
    if (st->kind == STEP_NAME) return st->name;
    *index = st->index;
    return NULL;
}

bool asl_path_check(const char *path, bool reference_only, char *why, size_t why_len)
{
    asl_path *p = asl_path_parse(path, why, why_len);
    if (!p) return false;
    bool ok = !reference_only || asl_path_is_reference(p);
    if (!ok && why && why_len)
        snprintf(why, why_len, "only a reference path (names and indexes) is allowed here");
    asl_path_free(p);
    return ok;
}

/* ---- evaluation: indefinite paths --------------------------------------- */

struct eval {
    json_t *root;   /* "$" inside filters */
    json_t *out;    /* the matches, in document order */
    bool failed;    /* out of memory */
};

static void eval_steps(struct eval *ev, const asl_path *path, size_t i, json_t *node);
static bool filter_true(struct eval *ev, const struct filter *f, json_t *node);

static void eval_slice(struct eval *ev, const asl_path *path, size_t i, const struct step *st,
                       json_t *array)
{
    long n = (long)json_array_size(array);
    long step = st->has_slice[2] ? st->slice[2] : 1;
    long lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
    long start = st->has_slice[0] ? st->slice[0] : (step > 0 ? lo : hi);
    long end = st->has_slice[1] ? st->slice[1] : (step > 0 ? hi : lo);
    if (st->has_slice[0] && start < 0) start += n;
    if (st->has_slice[1] && end < 0) end += n;
    start = start < lo ? lo : start > hi ? hi : start;
    end = end < lo ? lo : end > hi ? hi : end;
    for (long k = start; step > 0 ? k < end : k > end; k += step)
        eval_steps(ev, path, i + 1, json_array_get(array, (size_t)k));
}

static void eval_here(struct eval *ev, const asl_path *path, size_t i, const struct step *st,
                      json_t *node)
{
    const char *key;
    json_t *child;
    size_t k;
    switch (st->kind) {
    case STEP_NAME:
        if ((child = json_object_get(node, st->name))) eval_steps(ev, path, i + 1, child);
        break;
    case STEP_INDEX:
        if (json_is_array(node)) {
            long idx = st->index < 0 ? st->index + (long)json_array_size(node) : st->index;
            if (idx >= 0 && (child = json_array_get(node, (size_t)idx)))
                eval_steps(ev, path, i + 1, child);
        }
        break;
    case STEP_WILDCARD:
        if (json_is_object(node))
            json_object_foreach(node, key, child) eval_steps(ev, path, i + 1, child);
        json_array_foreach(node, k, child) eval_steps(ev, path, i + 1, child);
        break;
    case STEP_SLICE:
        if (json_is_array(node)) eval_slice(ev, path, i, st, node);
        break;
    case STEP_UNION:
        for (k = 0; k < st->n_items; k++) eval_here(ev, path, i, &st->items[k], node);
        break;
    case STEP_FILTER:
        if (json_is_array(node)) {
            json_array_foreach(node, k, child)
                if (filter_true(ev, st->filter, child)) eval_steps(ev, path, i + 1, child);
        } else if (json_is_object(node) && !st->deep && filter_true(ev, st->filter, node)) {
            eval_steps(ev, path, i + 1, node);
        }
        break;
    }
}

/* Deep scan: the step at this node, then at every node below it. */
static void eval_deep(struct eval *ev, const asl_path *path, size_t i, json_t *node)
{
    const char *key;
    json_t *child;
    size_t k;
    eval_here(ev, path, i, &path->steps[i], node);
    if (json_is_object(node))
        json_object_foreach(node, key, child) eval_deep(ev, path, i, child);
    json_array_foreach(node, k, child) eval_deep(ev, path, i, child);
}

static void eval_steps(struct eval *ev, const asl_path *path, size_t i, json_t *node)
{
    if (ev->failed) return;
    if (i == path->n) {
        if (json_array_append(ev->out, node) != 0) ev->failed = true;
        return;
    }
    if (path->steps[i].deep) eval_deep(ev, path, i, node);
    else eval_here(ev, path, i, &path->steps[i], node);
}

/* All matches of `path` from `node` as a new array (NULL: out of memory). */
static json_t *eval_all(const asl_path *path, json_t *node, json_t *root)
{
    struct eval ev = {.root = root, .out = json_array()};
    if (!ev.out) return NULL;
    eval_steps(&ev, path, 0, node);
    if (ev.failed) {
        json_decref(ev.out);
        return NULL;
    }
    return ev.out;
}

/* ---- evaluation: filters ------------------------------------------------ */

/* Follow a Reference Path from node (borrowed result, NULL on a miss):
 * the fast way for filter operands, evaluated once per array element. */
static json_t *walk_reference(const asl_path *path, json_t *node)
{
    for (size_t i = 0; i < path->n && node; i++) {
        const struct step *st = &path->steps[i];
        if (st->kind == STEP_NAME) {
            node = json_object_get(node, st->name);
        } else {
            long idx = st->index < 0 ? st->index + (long)json_array_size(node) : st->index;
            node = idx >= 0 ? json_array_get(node, (size_t)idx) : NULL;
        }
    }
    return node;
}

/* The operand's value (a new reference), or NULL when a path matches
 * nothing. An indefinite path gives the array of its matches. */
static json_t *operand_value(struct eval *ev, const struct operand *o, json_t *node)
{
    if (o->kind == OPD_VALUE) return json_incref(o->value);
    json_t *from = o->from_root ? ev->root : node;
    if (asl_path_is_reference(o->path)) return json_incref(walk_reference(o->path, from));
    return eval_all(o->path, from, ev->root);
}

static bool compare(enum cmp_op op, const json_t *a, const json_t *b, const regex_t *re)
{
    if (op == CMP_MATCH) return json_is_string(a) && regexec(re, json_string_value(a), 0, NULL, 0) == 0;
    if (op == CMP_EQ) return asl_json_equal(a, b);
    if (op == CMP_NE) return !asl_json_equal(a, b);
    int c;
    if (json_is_number(a) && json_is_number(b)) {
        double x = asl_number(a), y = asl_number(b);
        c = x < y ? -1 : x > y;
    } else if (json_is_string(a) && json_is_string(b)) {
        c = strcmp(json_string_value(a), json_string_value(b));
    } else {
        return false;
    }
    switch (op) {
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

static bool filter_true(struct eval *ev, const struct filter *f, json_t *node)
{
    json_t *a, *b;
    bool r;
    switch (f->kind) {
    case FLT_OR: return filter_true(ev, f->left, node) || filter_true(ev, f->right, node);
    case FLT_AND: return filter_true(ev, f->left, node) && filter_true(ev, f->right, node);
    case FLT_NOT: return !filter_true(ev, f->left, node);
    case FLT_EXISTS:
        a = operand_value(ev, &f->a, node);
        r = a && !(json_is_array(a) && !asl_path_is_reference(f->a.path) && json_array_size(a) == 0);
        json_decref(a);
        return r;
    case FLT_COMPARE:
        a = operand_value(ev, &f->a, node);
        b = f->op == CMP_MATCH ? NULL : operand_value(ev, &f->b, node);
        r = a && (b || f->op == CMP_MATCH) && compare(f->op, a, b, f->b.regex);
        json_decref(a);
        json_decref(b);
        return r;
    }
    return false;
}

/* ---- evaluation: definite paths ----------------------------------------- */

/* Jayway's normalized form of step i: ['name'] or [3]. */
static void add_normalized(asl_buf *b, const struct step *st)
{
    char num[32];
    if (st->kind == STEP_NAME) {
        asl_buf_adds(b, "['");
        asl_buf_adds(b, st->name);
        asl_buf_adds(b, "']");
    } else {
        snprintf(num, sizeof num, "[%ld]", st->index);
        asl_buf_adds(b, num);
    }
}

static const char *java_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING: return "java.lang.String";
    case JSON_INTEGER: return "java.lang.Integer";
    case JSON_REAL: return "java.lang.Double";
    case JSON_TRUE:
    case JSON_FALSE: return "java.lang.Boolean";
    case JSON_ARRAY: return "java.util.ArrayList";
    case JSON_OBJECT: return "java.util.LinkedHashMap";
    default: return "null";
    }
}

/* Walk a Reference Path; on a miss, describe it as Jayway does. */
static json_t *walk_definite(const asl_path *path, json_t *node, char *why, size_t why_len)
{
    asl_buf where = {0};
    asl_buf_adds(&where, "$");
    for (size_t i = 0; i < path->n && node; i++) {
        const struct step *st = &path->steps[i];
        bool last = i + 1 == path->n;
        json_t *next = NULL;
        if (st->kind == STEP_NAME && !json_is_object(node)) {
            snprintf(why, why_len,
                     "Expected to find an object with property ['%s'] in path %s but found '%s'. "
                     "This is not a json object according to the JsonProvider: "
                     "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
                     st->name, where.data ? where.data : "$", java_type(node));
            node = NULL;
            break;
        }
        if (st->kind == STEP_NAME) {
            next = json_object_get(node, st->name);
        } else if (json_is_array(node)) {
            long idx = st->index < 0 ? st->index + (long)json_array_size(node) : st->index;
            next = idx >= 0 ? json_array_get(node, (size_t)idx) : NULL;
        }
        add_normalized(&where, st);
        if (!next) {
            const char *w = where.data ? where.data : "$";
            if (last) snprintf(why, why_len, "No results for path: %s", w);
            else snprintf(why, why_len, "Missing property in path %s", w);
        }
        node = next;
    }
    free(asl_buf_take(&where));
    return node;
}

int asl_path_get(const char *path, json_t *root, json_t *ctx, json_t **out, yogi_error *err)
{
    char why[512];
    asl_path *p = asl_path_parse(path, why, sizeof why);
    if (!p) return host_fail(err, "States.Runtime", "Invalid path '%s' : %s", path ? path : "", why);
    json_t *start = p->context ? ctx : root;
    json_t *empty = NULL;
    if (p->variable) {
        start = json_object_get(json_object_get(ctx, ASL_CTX_VARIABLES), p->variable);
        if (!start) {
            host_fail(err, "States.Runtime", "Invalid path '%s': the variable '$%s' is not "
                      "defined", path, p->variable);
            asl_path_free(p);
            return -1;
        }
    } else if (p->context && json_object_get(ctx, ASL_CTX_VARIABLES)) {
        start = empty = json_copy(ctx); /* shallow: "$$" shows the context alone */
        json_object_del(empty, ASL_CTX_VARIABLES);
    }
    if (!start) start = empty = json_object();
    int rc = 0;
    if (asl_path_is_reference(p)) {
        json_t *v = walk_definite(p, start, why, sizeof why);
        if (v) *out = json_incref(v);
        else rc = host_fail(err, "States.Runtime", "Invalid path '%s' : %s", path, why);
    } else {
        json_t *all = eval_all(p, start, start);
        if (all) *out = all;
        else rc = host_fail(err, "States.Runtime", "Invalid path '%s' : out of memory", path);
    }
    json_decref(empty);
    asl_path_free(p);
    return rc;
}
