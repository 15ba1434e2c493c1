/*
 * workflow.c — loading a workflow definition: YAML or JSON text becomes a
 * jansson tree plus a table of source positions keyed by JSON Pointer.
 *
 * Design. The loader reads libyaml's event stream (not yaml_parser_load's
 * document graph) and builds the jansson tree itself, so that it alone
 * decides three things a definition needs and a generic YAML loader does
 * not give:
 *   - positions: every node's line:column is recorded under its pointer
 *     ("/States/Fetch/Next"), and every object member's key position too,
 *     so the validator can point at the exact token;
 *   - typing: plain scalars are typed by the YAML 1.2 core schema (null,
 *     true/false, integers, floats; quoted scalars stay strings), integers
 *     are exact up to int64 and become reals beyond;
 *   - safety: documents are bounded in size, nesting depth and alias
 *     expansion, so a malicious file gets a named diagnostic, not an
 *     out-of-memory kill.
 *
 * Invariants. The loader stops at the first problem (a YAML syntax error
 * leaves nothing sensible to continue from) and then returns NULL with
 * exactly one more diagnostic. Recursion depth is bounded by
 * WORKFLOW_MAX_DEPTH because depth is checked before descending. Aliases are
 * expanded by deep copy (the tree is a tree, never a DAG, so the executor
 * may modify a copy freely); the number of nodes produced by expansion is
 * counted before copying, so a billion-laughs document is refused after at
 * most WORKFLOW_MAX_ALIAS_NODES copied nodes.
 *
 * JSON is read by the same path (it is YAML's flow style), with one
 * exception: libyaml refuses JSON's surrogate-pair escapes ("\ud83d\ude00"),
 * so a JSON document holding them takes its tree from jansson and its
 * positions from libyaml reading a same-length copy without them.
 *
 * This is the only file in the project that includes yaml.h.
 */
#include "workflow.h"
#include "file_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

/* Nodes that alias expansion may produce in one document. */
#define WORKFLOW_MAX_ALIAS_NODES 100000

#define CORE_TAG_PREFIX "tag:yaml.org,2002:"

/* ---- Diagnostics ------------------------------------------------------- */

void workflow_diags_add(workflow_diags *diags, int line, int column, const char *code,
                        const char *fmt, ...)
{
    if (diags->count > WORKFLOW_MAX_DIAGS) return;
    if (diags->count == diags->capacity) {
        size_t cap = diags->capacity ? diags->capacity * 2 : 8;
        workflow_diag *items = realloc(diags->items, cap * sizeof *items);
        if (!items) return; /* out of memory: the diagnostics so far stand */
        diags->items = items;
        diags->capacity = cap;
    }
    workflow_diag *d = &diags->items[diags->count++];
    d->line = line;
    d->column = column;
    if (diags->count > WORKFLOW_MAX_DIAGS) {
        snprintf(d->code, sizeof d->code, "TooManyProblems");
        snprintf(d->message, sizeof d->message,
                 "stopped after %d problems; fix these and validate again", WORKFLOW_MAX_DIAGS);
        return;
    }
    snprintf(d->code, sizeof d->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

void workflow_diags_print(const workflow_diags *diags, const char *name, FILE *out)
{
    for (size_t i = 0; i < diags->count; i++) {
        const workflow_diag *d = &diags->items[i];
        if (d->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s\n", name, d->line, d->column, d->code, d->message);
        else
            fprintf(out, "%s: %s: %s\n", name, d->code, d->message);
    }
}

void workflow_diags_clear(workflow_diags *diags)
{
    free(diags->items);
    diags->items = NULL;
    diags->count = diags->capacity = 0;
}

/* ---- The positions table ----------------------------------------------- */

/* An open-addressing hash table from pointer to position: a document of a
 * few megabytes has hundreds of thousands of nodes, so a jansson object per
 * entry would cost more than the tree itself. */
struct position {
    char *pointer;
    size_t length;            /* of pointer */
    uint32_t hash;            /* of pointer */
    int line, column;         /* the value; 0 when not recorded */
    size_t offset;            /* the value's first byte in the text */
    int key_line, key_column; /* the member's key; 0 for array elements */
};

struct workflow_doc {
    json_t *definition;
    struct position *positions;
    size_t count, capacity;
    uint32_t *slots; /* index+1 into positions; 0 = empty; size a power of 2 */
    size_t nslots;
    char *text;      /* a copy of the source, for positions inside strings */
    size_t len;
};

static uint32_t hash_pointer(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static struct position *position_find(const workflow_doc *doc, const char *p, size_t len)
{
    if (!doc->nslots) return NULL;
    uint32_t hash = hash_pointer(p, len);
    for (size_t i = hash & (doc->nslots - 1);; i = (i + 1) & (doc->nslots - 1)) {
        uint32_t slot = doc->slots[i];
        if (!slot) return NULL;
        struct position *pos = &doc->positions[slot - 1];
        if (pos->hash == hash && pos->length == len && memcmp(pos->pointer, p, len) == 0)
            return pos;
    }
}

static bool positions_grow(workflow_doc *doc)
{
    size_t nslots = doc->nslots ? doc->nslots * 2 : 256;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return false;
    for (size_t n = 0; n < doc->count; n++) {
        size_t i = doc->positions[n].hash & (nslots - 1);
        while (slots[i]) i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)(n + 1);
    }
    free(doc->slots);
    doc->slots = slots;
    doc->nslots = nslots;
    return true;
}

/* The entry for pointer p (created empty if absent), or NULL without memory. */
static struct position *position_entry(workflow_doc *doc, const char *p, size_t len)
{
    struct position *pos = position_find(doc, p, len);
    if (pos) return pos;
    if ((doc->count + 1) * 2 > doc->nslots && !positions_grow(doc)) return NULL;
    if (doc->count == doc->capacity) {
        size_t cap = doc->capacity ? doc->capacity * 2 : 256;
        struct position *grown = realloc(doc->positions, cap * sizeof *grown);
        if (!grown) return NULL;
        doc->positions = grown;
        doc->capacity = cap;
    }
    char *copy = strndup(p, len);
    if (!copy) return NULL;
    uint32_t hash = hash_pointer(p, len);
    size_t i = hash & (doc->nslots - 1);
    while (doc->slots[i]) i = (i + 1) & (doc->nslots - 1);
    doc->slots[i] = (uint32_t)(doc->count + 1);
    pos = &doc->positions[doc->count++];
    *pos = (struct position){.pointer = copy, .length = len, .hash = hash};
    return pos;
}

bool workflow_position(const workflow_doc *doc, const char *pointer, int *line, int *column)
{
    if (!doc || !pointer) return false;
    size_t len = strlen(pointer);
    for (;;) {
        const struct position *pos = position_find(doc, pointer, len);
        if (pos && pos->line > 0) {
            *line = pos->line;
            *column = pos->column;
            return true;
        }
        if (len == 0) return false;
        while (len > 0 && pointer[len - 1] != '/') len--; /* up to the parent */
        if (len > 0) len--;
    }
}

bool workflow_key_position(const workflow_doc *doc, const char *pointer, int *line, int *column)
{
    if (!doc || !pointer) return false;
    const struct position *pos = position_find(doc, pointer, strlen(pointer));
    if (pos && pos->key_line > 0) {
        *line = pos->key_line;
        *column = pos->key_column;
        return true;
    }
    return workflow_position(doc, pointer, line, column);
}

/* Source bytes that make up one character of a scalar's value, from p: an
 * escape in a double-quoted scalar, '' in a single-quoted one, a line break
 * with the indentation after it (folded into one character), or one UTF-8
 * character. */
static size_t source_char_len(const char *p, const char *end, char quote)
{
    if (quote == '"' && *p == '\\' && p + 1 < end) {
        size_t n = p[1] == 'u' ? 6 : p[1] == 'x' ? 4 : p[1] == 'U' ? 10 : 2;
        return n <= (size_t)(end - p) ? n : (size_t)(end - p);
    }
    if (quote == '\'' && *p == '\'' && p + 1 < end && p[1] == '\'') return 2;
    if (*p == '\n') {
        size_t n = 1;
        while (p + n < end && (p[n] == ' ' || p[n] == '\t')) n++;
        return n;
    }
    size_t n = 1;
    while (p + n < end && ((unsigned char)p[n] & 0xC0) == 0x80) n++;
    return n;
}

bool workflow_string_position(const workflow_doc *doc, const char *pointer, size_t index,
                              int *line, int *column)
{
    const struct position *pos = doc ? position_find(doc, pointer, strlen(pointer)) : NULL;
    if (!pos || !pos->line || !doc->text || pos->offset >= doc->len)
        return workflow_position(doc, pointer, line, column);
    const char *p = doc->text + pos->offset, *end = doc->text + doc->len;
    int l = pos->line, c = pos->column;
    char quote = (*p == '"' || *p == '\'') ? *p : 0;
    if (quote) p++, c++;
    if (*p == '|' || *p == '>') { /* a block scalar: its text starts on the next line */
        while (p < end && *p != '\n') p++;
        if (p < end) p++, l++, c = 1;
        while (p < end && *p == ' ') p++, c++;
    }
    for (size_t i = 0; i < index && p < end; i++) {
        size_t n = source_char_len(p, end, quote);
        for (size_t k = 0; k < n; k++) {
            if (p[k] == '\n') l++, c = 1;
            else if (((unsigned char)p[k] & 0xC0) != 0x80) c++;
        }
        p += n;
    }
    *line = l;
    *column = c;
    return true;
}

json_t *workflow_definition(const workflow_doc *doc)
{
    return doc ? doc->definition : NULL;
}

void workflow_free(workflow_doc *doc)
{
    if (!doc) return;
    for (size_t i = 0; i < doc->count; i++) free(doc->positions[i].pointer);
    free(doc->positions);
    free(doc->slots);
    free(doc->text);
    json_decref(doc->definition);
    free(doc);
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || n > avail) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && s[1] > 0x9F) return 0; /* surrogate */
    if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && s[1] > 0x8F) return 0; /* above U+10FFFF */
    return n;
}

static bool check_utf8(const char *text, size_t len, workflow_diags *diags)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1, column = 1;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(s + i, len - i);
        if (n == 0) {
            bool utf16 =
                len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF));
            workflow_diags_add(diags, line, column, "InvalidUtf8",
                               "byte 0x%02X at offset %zu is not valid UTF-8; %s", s[i], i,
                               utf16 ? "the file looks like UTF-16: save it as UTF-8"
                                     : "save the file as UTF-8");
            return false;
        }
        if (s[i] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        i += n;
    }
    return true;
}

/* ---- Scalars: the YAML 1.2 core schema ---------------------------------- */

static bool is_digit(char c, int base)
{
    if (base == 8) return c >= '0' && c <= '7';
    if (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return true;
    return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n, int base)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i], base)) return false;
    return true;
}

static bool one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0) return true;
    return false;
}

/* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_core_float(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    }
    if (digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        if (!all_digits(s + i, n - i, 10)) return false;
        i = n;
    }
    return i == n;
}

enum scalar_kind {
    SCALAR_STRING,
    SCALAR_NULL,
    SCALAR_BOOL,
    SCALAR_INT,
    SCALAR_FLOAT,
    SCALAR_NONFINITE, /* .inf, .nan: valid YAML, no JSON value */
};

static enum scalar_kind core_kind(const char *s, size_t n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    static const char *const nonfinite[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                            "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                            ".NaN",  ".NAN",  NULL};
    if (one_of(s, n, nulls)) return SCALAR_NULL;
    if (one_of(s, n, bools)) return SCALAR_BOOL;
    size_t sign = n > 0 && (s[0] == '-' || s[0] == '+');
    if (all_digits(s + sign, n - sign, 10)) return SCALAR_INT;
    if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8)) return SCALAR_INT;
    if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16)) return SCALAR_INT;
    if (is_core_float(s, n)) return SCALAR_FLOAT;
    if (one_of(s, n, nonfinite)) return SCALAR_NONFINITE;
    return SCALAR_STRING;
}

/* An integer literal: exact up to int64; decimal ones beyond become reals,
 * as JSON readers do. */
static json_t *integer_value(const char *buf, const char **why)
{
    int base = 10;
    if (buf[0] == '0' && buf[1] == 'o') base = 8;
    if (buf[0] == '0' && buf[1] == 'x') base = 16;
    errno = 0;
    long long v = strtoll(base == 10 ? buf : buf + 2, NULL, base);
    if (errno == 0) return json_integer((json_int_t)v);
    double d = base == 10 ? strtod(buf, NULL) : INFINITY;
    if (isfinite(d)) return json_real(d);
    *why = "integer out of range";
    return NULL;
}

/* The JSON value of a plain scalar of the given kind, or NULL with `why`. */
static json_t *core_value(const char *s, size_t n, enum scalar_kind kind, const char **why)
{
    char buf[512];
    switch (kind) {
    case SCALAR_NULL: return json_null();
    case SCALAR_BOOL: return json_boolean(s[0] == 't' || s[0] == 'T');
    case SCALAR_STRING: return json_stringn(s, n);
    case SCALAR_NONFINITE: *why = "infinity and NaN have no JSON value"; return NULL;
    case SCALAR_INT:
    case SCALAR_FLOAT: break;
    }
    if (n >= sizeof buf) {
        *why = "number literal too long";
        return NULL;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (kind == SCALAR_INT) return integer_value(buf, why);
    errno = 0;
    double d = strtod(buf, NULL);
    if (errno == ERANGE && isinf(d)) {
        *why = "number out of range";
        return NULL;
    }
    return json_real(d);
}

/* ---- The loader -------------------------------------------------------- */

struct loader {
    yaml_parser_t parser;
    const char *text; /* the input, for positions libyaml does not give */
    size_t len;
    workflow_diags *diags;
    workflow_doc *doc;
    json_t *anchors; /* anchor name → [node, expanded node count, height] */
    char *pointer;   /* the current node's JSON Pointer */
    size_t pointer_len, pointer_cap;
    size_t alias_nodes; /* nodes produced by alias expansion so far */
};

static int line_of(yaml_mark_t m)
{
    return m.line >= INT32_MAX ? INT32_MAX : (int)m.line + 1;
}

static int column_of(yaml_mark_t m)
{
    return m.column >= INT32_MAX ? INT32_MAX : (int)m.column + 1;
}

static void fail_at(struct loader *L, yaml_mark_t m, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_at(struct loader *L, yaml_mark_t m, const char *code, const char *fmt, ...)
{
    char message[sizeof L->diags->items[0].message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    workflow_diags_add(L->diags, line_of(m), column_of(m), code, "%s", message);
}

static void fail_out_of_memory(struct loader *L, yaml_mark_t m)
{
    fail_at(L, m, "OutOfMemory", "out of memory while loading the definition");
}

/* The line and column of a byte offset (libyaml's reader errors give only
 * the offset). Columns count characters, as libyaml's marks do. */
static yaml_mark_t mark_at_offset(const struct loader *L, size_t offset)
{
    yaml_mark_t m = {0, 0, 0};
    for (size_t i = 0; i < offset && i < L->len; i++) {
        unsigned char c = (unsigned char)L->text[i];
        if (c == '\n') {
            m.line++;
            m.column = 0;
        } else if ((c & 0xC0) != 0x80) { /* not a continuation byte */
            m.column++;
        }
    }
    m.index = offset;
    return m;
}

/* The next event, or false after reporting libyaml's error. */
static bool next_event(struct loader *L, yaml_event_t *ev)
{
    if (yaml_parser_parse(&L->parser, ev)) return true;
    yaml_parser_t *p = &L->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        fail_out_of_memory(L, p->mark);
        return false;
    }
    yaml_mark_t at = p->problem_mark;
    if (p->error == YAML_READER_ERROR) at = mark_at_offset(L, p->problem_offset);
    const char *problem = p->problem ? p->problem : "invalid document";
    const char *hint = strstr(problem, "Unicode character escape")
                           ? "write the character itself (or \\U0001F600 beyond U+FFFF)"
                           : "fix the YAML (or JSON) syntax here";
    fail_at(L, at, "SyntaxError", "%s%s%s; %s", p->context ? p->context : "",
            p->context ? ": " : "", problem, hint);
    return false;
}

/* Push one reference token ("Fetch", "3") onto the current pointer,
 * escaped as RFC 6901 says ('~' → "~0", '/' → "~1"). */
static bool pointer_push(struct loader *L, const char *token, size_t len)
{
    size_t need = L->pointer_len + 1 + 2 * len + 1;
    if (need > L->pointer_cap) {
        size_t cap = L->pointer_cap ? L->pointer_cap : 256;
        while (cap < need) cap *= 2;
        char *grown = realloc(L->pointer, cap);
        if (!grown) return false;
        L->pointer = grown;
        L->pointer_cap = cap;
    }
    char *out = L->pointer + L->pointer_len;
    *out++ = '/';
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '~' || token[i] == '/') {
            *out++ = '~';
            *out++ = token[i] == '~' ? '0' : '1';
        } else {
            *out++ = token[i];
        }
    }
    *out = '\0';
    L->pointer_len = (size_t)(out - L->pointer);
    return true;
}

static void pointer_pop(struct loader *L, size_t len)
{
    L->pointer_len = len;
    if (L->pointer) L->pointer[len] = '\0';
}

static bool record_value(struct loader *L, yaml_mark_t m)
{
    struct position *pos = position_entry(L->doc, L->pointer ? L->pointer : "", L->pointer_len);
    if (!pos) {
        fail_out_of_memory(L, m);
        return false;
    }
    pos->line = line_of(m);
    pos->column = column_of(m);
    pos->offset = m.index;
    return true;
}

static bool record_key(struct loader *L, yaml_mark_t m)
{
    struct position *pos = position_entry(L->doc, L->pointer, L->pointer_len);
    if (!pos) {
        fail_out_of_memory(L, m);
        return false;
    }
    pos->key_line = line_of(m);
    pos->key_column = column_of(m);
    return true;
}

/* What a subtree holds: its node count (aliases expanded) and height. */
struct subtree {
    size_t nodes;
    int height;
};

/* Remember an anchored node for later aliases (a redefined anchor replaces
 * the earlier one, as YAML says). */
static bool anchor_define(struct loader *L, const yaml_char_t *anchor, json_t *node,
                          const struct subtree *st)
{
    if (!anchor) return true;
    json_t *entry = json_pack("[OII]", node, (json_int_t)st->nodes, (json_int_t)st->height);
    return entry && json_object_set_new(L->anchors, (const char *)anchor, entry) == 0;
}

static bool load_node(struct loader *L, yaml_event_t *ev, int depth, json_t **out,
                      struct subtree *st);

static bool is_core_tag(const yaml_char_t *tag, const char *name)
{
    return tag && strncmp((const char *)tag, CORE_TAG_PREFIX, strlen(CORE_TAG_PREFIX)) == 0 &&
           strcmp((const char *)tag + strlen(CORE_TAG_PREFIX), name) == 0;
}

/* A collection may carry no tag, the non-specific "!", or its core tag. */
static bool collection_tag_ok(struct loader *L, const yaml_event_t *ev, const yaml_char_t *tag,
                              const char *core)
{
    if (!tag || strcmp((const char *)tag, "!") == 0 || is_core_tag(tag, core)) return true;
    fail_at(L, ev->start_mark, "UnsupportedTag",
            "tag '%s' is not supported: a definition holds plain JSON values; remove the tag",
            (const char *)tag);
    return false;
}

/* The kind an explicit core tag asks for, or -1 when the tag is not one. */
static int tagged_kind(const char *tag)
{
    static const struct {
        const char *name;
        enum scalar_kind kind;
    } tags[] = {{"str", SCALAR_STRING},
                {"null", SCALAR_NULL},
                {"bool", SCALAR_BOOL},
                {"int", SCALAR_INT},
                {"float", SCALAR_FLOAT}};
    if (strcmp(tag, "!") == 0) return SCALAR_STRING; /* the non-specific tag */
    if (strncmp(tag, CORE_TAG_PREFIX, strlen(CORE_TAG_PREFIX)) != 0) return -1;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(tag + strlen(CORE_TAG_PREFIX), tags[i].name) == 0) return (int)tags[i].kind;
    return -1;
}

static json_t *scalar_json(struct loader *L, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    enum scalar_kind kind = plain ? core_kind(v, n) : SCALAR_STRING;
    if (tag) {
        int want = tagged_kind(tag);
        if (want < 0) {
            fail_at(L, ev->start_mark, "UnsupportedTag",
                    "tag '%s' is not supported: a definition holds plain JSON values; "
                    "remove the tag",
                    tag);
            return NULL;
        }
        enum scalar_kind actual = core_kind(v, n);
        if (want == SCALAR_FLOAT && actual == SCALAR_INT) actual = SCALAR_FLOAT;
        if (want != SCALAR_STRING && actual != (enum scalar_kind)want) {
            fail_at(L, ev->start_mark, "TagMismatch",
                    "'%.*s' is not a valid %s; fix the value or remove the tag",
                    (int)(n > 80 ? 80 : n), v, tag + strlen(CORE_TAG_PREFIX));
            return NULL;
        }
        kind = (enum scalar_kind)want;
    }
    const char *why = NULL;
    json_t *value = core_value(v, n, kind, &why);
    if (!value && why)
        fail_at(L, ev->start_mark, "InvalidNumber", "'%.*s': %s; write a finite JSON number",
                (int)(n > 80 ? 80 : n), v, why);
    else if (!value)
        fail_out_of_memory(L, ev->start_mark);
    return value;
}

static bool load_scalar(struct loader *L, yaml_event_t *ev, json_t **out, struct subtree *st)
{
    json_t *value = scalar_json(L, ev);
    if (!value) return false;
    *st = (struct subtree){1, 0};
    if (!record_value(L, ev->start_mark)) {
        json_decref(value);
        return false;
    }
    *out = value;
    return true;
}

static bool load_alias(struct loader *L, yaml_event_t *ev, int depth, json_t **out,
                       struct subtree *st)
{
    const char *name = (const char *)ev->data.alias.anchor;
    json_t *entry = json_object_get(L->anchors, name);
    if (!entry) {
        fail_at(L, ev->start_mark, "UndefinedAlias",
                "alias *%s names no anchor defined before it; define &%s first", name, name);
        return false;
    }
    size_t nodes = (size_t)json_integer_value(json_array_get(entry, 1));
    int height = (int)json_integer_value(json_array_get(entry, 2));
    if (nodes > WORKFLOW_MAX_ALIAS_NODES - L->alias_nodes) {
        fail_at(L, ev->start_mark, "AliasBomb",
                "aliases expand to more than %d nodes (a \"billion laughs\" document?); "
                "use fewer aliases or write the values out",
                WORKFLOW_MAX_ALIAS_NODES);
        return false;
    }
    if (depth + height > WORKFLOW_MAX_DEPTH) {
        fail_at(L, ev->start_mark, "TooDeep",
                "alias *%s nests values deeper than %d levels; flatten the definition", name,
                WORKFLOW_MAX_DEPTH);
        return false;
    }
    L->alias_nodes += nodes;
    *out = json_deep_copy(json_array_get(entry, 0));
    if (!*out) {
        fail_out_of_memory(L, ev->start_mark);
        return false;
    }
    if (!record_value(L, ev->start_mark)) {
        json_decref(*out);
        return false;
    }
    *st = (struct subtree){nodes, height};
    return true;
}

static void subtree_add(struct subtree *parent, const struct subtree *child)
{
    parent->nodes += child->nodes;
    if (child->height + 1 > parent->height) parent->height = child->height + 1;
}

static bool load_sequence(struct loader *L, yaml_event_t *start, int depth, json_t **out,
                          struct subtree *st)
{
    json_t *array = json_array();
    size_t base = L->pointer_len;
    *st = (struct subtree){1, 1};
    if (!array) goto out_of_memory;
    for (size_t i = 0;; i++) {
        yaml_event_t ev;
        if (!next_event(L, &ev)) goto out_free_array;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        char index[24];
        int len = snprintf(index, sizeof index, "%zu", i);
        json_t *item;
        struct subtree child;
        if (!pointer_push(L, index, (size_t)len)) {
            yaml_event_delete(&ev);
            goto out_of_memory;
        }
        bool ok = load_node(L, &ev, depth + 1, &item, &child);
        pointer_pop(L, base);
        if (!ok) goto out_free_array;
        if (json_array_append_new(array, item) != 0) goto out_of_memory;
        subtree_add(st, &child);
    }
    *out = array;
    return true;
out_of_memory:
    fail_out_of_memory(L, start->start_mark);
out_free_array:
    json_decref(array);
    return false;
}

/* Check a mapping key event: it must be a scalar that is a string under the
 * core schema (`200:` or `true:` are not; quoted they are). */
static bool key_ok(struct loader *L, const yaml_event_t *ev)
{
    if (ev->type != YAML_SCALAR_EVENT) {
        fail_at(L, ev->start_mark, "NonStringKey",
                "a key must be a plain string, not %s; write the key as text",
                ev->type == YAML_ALIAS_EVENT ? "an alias" : "a list or mapping");
        return false;
    }
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    bool is_string =
        tag ? tagged_kind(tag) == SCALAR_STRING : !plain || core_kind(v, n) == SCALAR_STRING;
    if (!is_string) {
        fail_at(L, ev->start_mark, "NonStringKey",
                "key '%.*s' is not a string in YAML; quote it (\"%.*s\")", (int)(n > 80 ? 80 : n),
                v, (int)(n > 80 ? 80 : n), v);
        return false;
    }
    if (strlen(v) != n) {
        fail_at(L, ev->start_mark, "NonStringKey", "a key must not contain a NUL character");
        return false;
    }
    if (plain && n == 2 && memcmp(v, "<<", 2) == 0) {
        fail_at(L, ev->start_mark, "UnsupportedMergeKey",
                "YAML merge keys (<<) are not supported; write the fields out, or alias a "
                "whole value");
        return false;
    }
    return true;
}

static bool key_unique(struct loader *L, json_t *object, const yaml_event_t *ev)
{
    const char *key = (const char *)ev->data.scalar.value;
    if (!json_object_get(object, key)) return true;
    const struct position *first = position_find(L->doc, L->pointer, L->pointer_len);
    fail_at(L, ev->start_mark, "DuplicateKey",
            "key '%s' appears twice in this mapping (first on line %d); keep one", key,
            first ? first->key_line : 0);
    return false;
}

/* Push a checked key onto the pointer and record where it stands. */
static bool member_key(struct loader *L, json_t *object, const yaml_event_t *key)
{
    const char *name = (const char *)key->data.scalar.value;
    if (!pointer_push(L, name, key->data.scalar.length)) {
        fail_out_of_memory(L, key->start_mark);
        return false;
    }
    if (!key_unique(L, object, key)) return false;
    return record_key(L, key->start_mark);
}

static bool member_value(struct loader *L, json_t *object, const yaml_event_t *key, int depth,
                         struct subtree *st)
{
    yaml_event_t ev;
    json_t *value;
    struct subtree child;
    if (!next_event(L, &ev) || !load_node(L, &ev, depth + 1, &value, &child)) return false;
    if (json_object_set_new(object, (const char *)key->data.scalar.value, value) != 0) {
        fail_out_of_memory(L, key->start_mark);
        return false;
    }
    subtree_add(st, &child);
    return true;
}

/* One member: the key event `key` (consumed) and the value that follows. */
static bool load_member(struct loader *L, json_t *object, yaml_event_t *key, int depth,
                        struct subtree *st)
{
    size_t base = L->pointer_len;
    bool ok =
        key_ok(L, key) && member_key(L, object, key) && member_value(L, object, key, depth, st);
    pointer_pop(L, base);
    yaml_event_delete(key);
    return ok;
}

static bool load_mapping(struct loader *L, yaml_event_t *start, int depth, json_t **out,
                         struct subtree *st)
{
    json_t *object = json_object();
    *st = (struct subtree){1, 1};
    if (!object) {
        fail_out_of_memory(L, start->start_mark);
        return false;
    }
    for (;;) {
        yaml_event_t key;
        if (!next_event(L, &key)) goto out_free_object;
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            break;
        }
        if (!load_member(L, object, &key, depth, st)) goto out_free_object;
    }
    *out = object;
    return true;
out_free_object:
    json_decref(object);
    return false;
}

/* Load the node that starts with `ev` (consumed) at nesting `depth` (the
 * root is 0): the scalar, alias or whole collection. */
static bool load_node(struct loader *L, yaml_event_t *ev, int depth, json_t **out,
                      struct subtree *st)
{
    bool ok = false;
    const yaml_char_t *anchor = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        ok = load_scalar(L, ev, out, st);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        ok = load_alias(L, ev, depth, out, st);
    } else if (depth >= WORKFLOW_MAX_DEPTH) {
        fail_at(L, ev->start_mark, "TooDeep",
                "values nest deeper than %d levels; flatten the definition", WORKFLOW_MAX_DEPTH);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        ok = collection_tag_ok(L, ev, ev->data.sequence_start.tag, "seq") &&
             record_value(L, ev->start_mark) && load_sequence(L, ev, depth, out, st);
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        ok = collection_tag_ok(L, ev, ev->data.mapping_start.tag, "map") &&
             record_value(L, ev->start_mark) && load_mapping(L, ev, depth, out, st);
    } else {
        fail_at(L, ev->start_mark, "SyntaxError", "unexpected YAML event");
    }
    if (ok && anchor && !anchor_define(L, anchor, *out, st)) {
        fail_out_of_memory(L, ev->start_mark);
        json_decref(*out);
        ok = false;
    }
    yaml_event_delete(ev);
    return ok;
}

/* Expect an event of `type` next; anything else is reported with `code`. */
static bool expect_event(struct loader *L, yaml_event_type_t type, const char *code,
                         const char *message)
{
    yaml_event_t ev;
    if (!next_event(L, &ev)) return false;
    bool ok = ev.type == type;
    if (!ok) fail_at(L, ev.start_mark, code, "%s", message);
    yaml_event_delete(&ev);
    return ok;
}

/* The stream must hold exactly one document. */
static json_t *load_stream(struct loader *L)
{
    yaml_event_t ev;
    json_t *root = NULL;
    struct subtree st;
    if (!expect_event(L, YAML_STREAM_START_EVENT, "SyntaxError", "not a YAML stream") ||
        !next_event(L, &ev))
        return NULL;
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        fail_at(L, ev.start_mark, "EmptyDocument",
                "the file holds no definition; write a state machine (StartAt, States)");
        yaml_event_delete(&ev);
        return NULL;
    }
    yaml_event_delete(&ev);
    if (!next_event(L, &ev) || !load_node(L, &ev, 0, &root, &st)) return NULL;
    if (!expect_event(L, YAML_DOCUMENT_END_EVENT, "SyntaxError",
                      "expected the end of the document") ||
        !expect_event(L, YAML_STREAM_END_EVENT, "MultipleDocuments",
                      "the file holds more than one YAML document; keep one definition per file")) {
        json_decref(root);
        return NULL;
    }
    if (json_is_null(root)) {
        workflow_diags_add(L->diags, 1, 1, "EmptyDocument",
                           "the file holds no definition; write a state machine (StartAt, States)");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Load `text` (already checked for size and UTF-8) with libyaml. */
static workflow_doc *load_text(const char *text, size_t len, workflow_diags *diags)
{
    struct loader L = {.diags = diags, .text = text, .len = len};
    L.doc = calloc(1, sizeof *L.doc);
    L.anchors = json_object();
    if (!L.doc || !L.anchors || !yaml_parser_initialize(&L.parser)) {
        workflow_diags_add(diags, 0, 0, "OutOfMemory",
                           "out of memory while loading the definition");
        free(L.doc);
        json_decref(L.anchors);
        return NULL;
    }
    yaml_parser_set_input_string(&L.parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&L.parser, YAML_UTF8_ENCODING);
    L.doc->definition = load_stream(&L);
    yaml_parser_delete(&L.parser);
    json_decref(L.anchors);
    free(L.pointer);
    if (!L.doc->definition || !(L.doc->text = malloc(len + 1))) {
        workflow_free(L.doc);
        return NULL;
    }
    memcpy(L.doc->text, text, len);
    L.doc->text[len] = '\0';
    L.doc->len = len;
    return L.doc;
}

/* ---- JSON's surrogate pairs -------------------------------------------- */

/* JSON writes a character beyond U+FFFF as two escapes, "\ud83d\ude00";
 * libyaml, which reads YAML 1.1, refuses escaped surrogates. For such a
 * file the tree comes from jansson (JSON's own reader) and the positions
 * from libyaml reading a copy in which every surrogate escape is replaced
 * by one of the same length: the structure, hence every position, is the
 * same. */

static bool is_surrogate_escape(const char *s, size_t avail)
{
    if (avail < 6 || s[0] != '\\' || (s[1] != 'u' && s[1] != 'U')) return false;
    char hex[5] = {s[2], s[3], s[4], s[5], '\0'};
    if (!all_digits(hex, 4, 16)) return false;
    long code = strtol(hex, NULL, 16);
    return code >= 0xD800 && code <= 0xDFFF;
}

/* Index of the next surrogate escape at or after `from`, or len. */
static size_t next_surrogate_escape(const char *text, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        if (text[i] != '\\') continue;
        if (is_surrogate_escape(text + i, len - i)) return i;
        i++; /* skip the escaped character: "\\\\" is one backslash */
    }
    return len;
}

/* A copy of text with each surrogate escape replaced by "\u0020", or NULL
 * when there is none (or no memory). */
static char *without_surrogate_escapes(const char *text, size_t len)
{
    size_t at = next_surrogate_escape(text, len, 0);
    if (at == len) return NULL;
    char *copy = malloc(len);
    if (!copy) return NULL;
    memcpy(copy, text, len);
    for (; at < len; at = next_surrogate_escape(text, len, at + 6))
        memcpy(copy + at, "\\u0020", 6);
    return copy;
}

/* The second chance for a JSON document libyaml refused; on success the
 * diagnostics from `before` on (libyaml's refusal) are dropped. */
static workflow_doc *load_json_with_surrogates(const char *text, size_t len,
                                               workflow_diags *diags, size_t before)
{
    char *copy = without_surrogate_escapes(text, len);
    if (!copy) return NULL;
    json_error_t error;
    json_t *tree = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                              &error);
    workflow_diags scratch = {0};
    workflow_doc *doc = tree ? load_text(copy, len, &scratch) : NULL;
    if (doc) {
        json_decref(doc->definition);
        doc->definition = json_incref(tree);
        diags->count = before;
    }
    json_decref(tree);
    workflow_diags_clear(&scratch);
    free(copy);
    return doc;
}

workflow_doc *workflow_parse(const char *name, const char *text, size_t len, workflow_diags *diags)
{
    (void)name; /* diagnostics carry positions; the caller prints the name */
    if (len > WORKFLOW_MAX_BYTES) {
        workflow_diags_add(diags, 0, 0, "TooLarge",
                           "the definition is %zu bytes; the limit is %u bytes", len,
                           WORKFLOW_MAX_BYTES);
        return NULL;
    }
    if (!check_utf8(text, len, diags)) return NULL;
    size_t before = diags->count;
    workflow_doc *doc = load_text(text, len, diags);
    return doc ? doc : load_json_with_surrogates(text, len, diags, before);
}

workflow_doc *workflow_parse_file(const char *path, workflow_diags *diags)
{
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    char *text = read_whole_file(path, WORKFLOW_MAX_BYTES, &len, &err);
    if (!text) {
        const char *code = !strcmp(err.name, FILE_ERR_TOO_LARGE)   ? "TooLarge"
                           : !strcmp(err.name, FILE_ERR_NO_MEMORY) ? "OutOfMemory"
                                                                   : "ReadError";
        workflow_diags_add(diags, 0, 0, code, "%s", err.cause);
        return NULL;
    }
    workflow_doc *doc = workflow_parse(path, text, len, diags);
    free(text);
    return doc;
}
