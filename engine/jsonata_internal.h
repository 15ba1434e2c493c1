/*
 * jsonata_internal.h — shared types of the JSONata evaluator (not public).
 *
 * Design:
 *   - Values (jv) are immutable once built and live in an arena owned by one
 *     evaluation (or by a compiled expression for literals); nothing is
 *     refcounted and nothing is freed one by one, so an error can unwind with
 *     longjmp from any depth without leaking: the arena goes in one piece.
 *   - JSONata's undefined is the NULL jv pointer.
 *   - Sequences are arrays flagged JVF_SEQ, as the reference flags its JS
 *     arrays (sequence, keepSingleton, cons, outerWrapper, tupleStream).
 *   - Strings are UTF-8 with their byte length; functions that count
 *     characters count code points, as the reference does.
 *   - The AST follows the reference's post-processed tree (paths of steps,
 *     stages, predicates, group, focus/index/ancestor bindings) so that the
 *     evaluator can follow the reference's evaluation rules one to one.
 */
#ifndef YOGI_JSONATA_INTERNAL_H
#define YOGI_JSONATA_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jsonata.h"

/* ---- arena ---- */
typedef struct ja_block ja_block;
typedef struct ja_cleanup {
    void (*fn)(void *);
    void *p;
    struct ja_cleanup *next;
} ja_cleanup;
typedef struct ja_arena {
    ja_block *head;
    size_t total;
    ja_cleanup *cleanups;
} ja_arena;

void *ja_alloc(ja_arena *a, size_t n);          /* zeroed; aborts the eval on exhaustion via ctx */
void ja_arena_free(ja_arena *a);
void ja_on_free(ja_arena *a, void (*fn)(void *), void *p);
char *ja_strndup(ja_arena *a, const char *s, size_t n);

/* ---- values ---- */
enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ, JV_FUN };
enum {
    JVF_SEQ = 1,      /* a sequence (flattens into paths) */
    JVF_KEEP = 2,     /* keepSingleton */
    JVF_CONS = 4,     /* array built by an array constructor */
    JVF_OUTER = 8,    /* outerWrapper */
    JVF_TUPLES = 16,  /* tupleStream */
};

typedef struct jv jv;
typedef struct jobj_ent {
    const char *key;
    size_t klen;
    jv *val;
} jobj_ent;
typedef struct jfun jfun;

struct jv {
    uint8_t type;
    uint8_t flags;
    union {
        double num;
        bool b;
        struct {
            const char *s;
            size_t len;
        } str;
        struct {
            jv **v;
            size_t n, cap;
        } arr;
        struct {
            jobj_ent *e;
            size_t n, cap;
            int32_t *idx; /* open-addressing index into e, when n is large */
            size_t idxcap;
        } obj;
        jfun *fn;
    } u;
};

/* ---- AST ---- */
typedef struct jnode jnode;
typedef struct jslot {
    char label[16];
    int level;
    int index;
} jslot;

enum {
    N_PATH, N_BINARY, N_UNARY, N_NAME, N_STRING, N_NUMBER, N_VALUE, N_WILDCARD,
    N_DESCENDANT, N_PARENT, N_CONDITION, N_BLOCK, N_BIND, N_REGEX, N_FUNCTION,
    N_VARIABLE, N_LAMBDA, N_PARTIAL, N_APPLY, N_TRANSFORM, N_SORT, N_OPERATOR,
    N_PLACEHOLDER, N_ARRAY, N_OBJECT, N_GROUPBY, N_ORDERBY, N_FOCUS, N_INDEX,
    N_PREDICATE, N_TAIL /* tail-call thunk marker */
};

typedef struct jsig jsig;
typedef struct jstage {
    int is_index;      /* 0: filter on expr, 1: index binding to var */
    jnode *expr;
    const char *var;
    size_t pos;
} jstage;

typedef struct jnodelist {
    jnode **v;
    size_t n, cap;
} jnodelist;
typedef struct jstagelist {
    jstage *v;
    size_t n, cap;
} jstagelist;
typedef struct jslotlist {
    jslot **v;
    size_t n, cap;
} jslotlist;

struct jnode {
    int type;
    size_t pos;
    const char *op;      /* operator text for binary/unary, name/variable/string value */
    size_t oplen;
    double num;          /* N_NUMBER */
    jv *value;           /* N_VALUE (true/false/null), N_STRING */
    jnode *lhs, *rhs, *expr;     /* binary; unary/expr */
    jnode *cond, *then, *els;    /* condition */
    jnodelist items;             /* array, block, function args, lambda params */
    jnodelist pairs;             /* object constructor / group: key, value, key, value */
    jnode *procedure;
    jnode *body;
    jsig *signature;
    jnode *pattern, *update, *del;
    /* orderby terms: items = expressions, flags in desc[] */
    bool *desc;
    /* path */
    jnodelist steps;
    bool keep_singleton_array; /* path */
    bool keep_array;
    bool consarray;
    bool tuple;
    bool thunk;                  /* lambda whose body is a tail call */
    jstagelist stages;
    jstagelist predicate;
    jnodelist *group;            /* key,value pairs */
    size_t group_pos;
    const char *focus;
    const char *index;
    jslot *ancestor;             /* name/wildcard step: bind ancestor label */
    jslot *slot;                 /* parent */
    jslotlist seeking;           /* seekingParent */
    bool has_seeking;
    void *regex;                 /* compiled regex (jsonata_regex.c) */
    const char *regex_src;
    size_t regex_srclen;
    const char *regex_flags;
    const char *next_function;
};

/* ---- functions ---- */
typedef struct jctx jctx;
typedef struct jenv jenv;
typedef jv *(*jbuiltin_fn)(jctx *c, jv **args, int nargs, jv *input, size_t pos);

typedef struct jsig_param {
    char type;          /* s n b l o a f j x ( */
    char set[12];       /* accepted symbols */
    char quant;         /* 0, '?', '+' */
    bool context;       /* '-' */
    char subtype[16];
} jsig_param;
struct jsig {
    jsig_param p[12];
    int n;
    const char *text;
};

typedef struct jbuiltin {
    const char *name;
    jbuiltin_fn fn;
    const char *sig;
    jsig *parsed;
} jbuiltin;

enum { F_BUILTIN, F_LAMBDA, F_PARTIAL, F_REGEX, F_CHAIN, F_TRANSFORM };
struct jfun {
    int kind;
    const jbuiltin *bi;
    jnode *lambda;    /* N_LAMBDA node */
    jenv *env;        /* closure */
    jv *input;        /* the context the lambda was created in */
    jv *target;       /* partial: the function */
    jv **args;        /* partial: bound args (NULL = placeholder); tailcall args */
    int nargs;
    void *regex;      /* F_REGEX: compiled matcher */
};

/* ---- environment ---- */
typedef struct jbind {
    const char *name;
    size_t len;
    jv *val;
} jbind;
struct jenv {
    jenv *parent;
    jbind *b;
    size_t n, cap;
};

/* ---- evaluation context ---- */
struct jctx {
    ja_arena *arena;
    jmp_buf *jmp;
    jsonata_error *err;
    int depth;
    int max_depth;
    long time_limit_ms;
    struct timespec start;
    unsigned long ticks;
    long tail_calls;        /* iterations of the running tail-call loop */
    char *stack_floor;      /* error out before the C stack gets below this */
    int asl;
    jenv *root;
    int64_t now_ms;         /* $now/$millis: fixed for one evaluation */
    bool now_set;
    uint64_t rng;
    jenv *env_now;          /* the caller's environment, for $eval */
    jv *root_input;
};

/* A user-supplied number as an integer in [lo, hi] (NaN gives lo): casts of
 * out-of-range doubles are undefined behaviour in C. */
static inline long jclamp(double x, long lo, long hi)
{
    if (!(x >= (double)lo)) return lo;
    if (x > (double)hi) return hi;
    return (long)x;
}

/* errors: never return */
/* The arena's cap was reached: U1002, or U1001 inside a tail-call loop that
 * has run past the depth limit (its retained frames are what filled it). */
_Noreturn void jout_of_memory(jctx *c, size_t pos);
/* n zeroed bytes of the evaluation's arena; never NULL (jout_of_memory). */
void *jalloc(jctx *c, size_t n);
_Noreturn void jerr(jctx *c, const char *code, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* value helpers (jsonata_value.c) */
extern jv jv_null_v, jv_true_v, jv_false_v;
#define JNULL (&jv_null_v)
#define JTRUE (&jv_true_v)
#define JFALSE (&jv_false_v)
#define JBOOL(x) ((x) ? JTRUE : JFALSE)
jv *jv_num(jctx *c, double d);
jv *jv_str(jctx *c, const char *s, size_t len);   /* copies */
jv *jv_str_owned(jctx *c, const char *s, size_t len); /* s already in arena */
jv *jv_cstr(jctx *c, const char *s);
jv *jv_arr(jctx *c, size_t cap);
jv *jv_seq(jctx *c);
void jv_push(jctx *c, jv *arr, jv *v);
jv *jv_obj(jctx *c);
jv *jv_obj_get(const jv *o, const char *k, size_t klen);
void jv_obj_set(jctx *c, jv *o, const char *k, size_t klen, jv *v);
void jv_obj_del(jv *o, const char *k, size_t klen);
jv *jv_fun(jctx *c, jfun *f);
bool jv_is_seq(const jv *v);
bool jv_is_arr(const jv *v);
bool jv_is_fun(const jv *v);
bool jv_is_num(const jv *v);
bool jv_is_str(const jv *v);
bool jv_equal(const jv *a, const jv *b);
bool jv_truthy(jctx *c, jv *v);          /* $boolean */
jv *jv_copy_deep(jctx *c, jv *v);
jv *jv_from_json(jctx *c, json_t *j);
json_t *jv_to_json(jv *v);
void jv_num_to_str(double d, char *buf, size_t n);  /* JS Number#toString */
jv *jv_stringify(jctx *c, jv *v, bool pretty, size_t pos); /* $string */
const char *jv_type_name(const jv *v);
size_t utf8_len(const char *s, size_t n);
size_t utf8_offset(const char *s, size_t n, size_t cp); /* byte offset of code point cp */
void utf8_put(char *buf, size_t *len, uint32_t cp);
uint32_t utf8_get(const char *s, size_t n, size_t *i);

/* string builder in the arena */
typedef struct jbuf {
    jctx *c;
    char *s;
    size_t len, cap;
} jbuf;
void jb_init(jbuf *b, jctx *c);
void jb_add(jbuf *b, const char *s, size_t n);
void jb_adds(jbuf *b, const char *s);
void jb_addc(jbuf *b, char ch);
jv *jb_value(jbuf *b);

/* parser (jsonata_parse.c) */
jnode *jparse(jctx *c, const char *src, size_t len);
jsig *jsig_parse(jctx *c, const char *s, size_t len, size_t pos);
/* Parses into *out without allocating; NULL on success, else an error code. */
const char *jsig_parse_into(jsig *out, const char *s, size_t len, size_t *errpos);

/* evaluator (jsonata_eval.c) */
jv *jeval(jctx *c, jnode *n, jv *input, jenv *env);
jv *japply(jctx *c, jv *fn, jv **args, int nargs, jv *input, size_t pos);
int jfun_arity(const jv *fn);
jenv *jenv_new(jctx *c, jenv *parent);
void jenv_bind(jctx *c, jenv *e, const char *name, size_t len, jv *v);
jv *jenv_lookup(jenv *e, const char *name, size_t len, bool *found);
void jcheck_limits(jctx *c, size_t pos);
int jcompare_sort(jctx *c, jv *a, jv *b, size_t pos); /* for $sort without fn */
jv *jseq_to_array(jctx *c, jv *v);
jv *jsort_values(jctx *c, jv *arr, jv *fn, size_t pos); /* merge sort; fn NULL: natural */
jv *lookup_field(jctx *c, jv *input, const char *k, size_t klen);
jv *jappend(jctx *c, jv *a, jv *b);    /* a sequence as one value, per the evaluate() exit rule */

/* library (jsonata_func_*.c) */
const jbuiltin *jbuiltin_find(const char *name, size_t len, int asl);
jv *jsig_validate(jctx *c, const jsig *s, jv **args, int nargs, jv *input, size_t pos,
                  jv ***out_args, int *out_n);

/* regex (jsonata_regex.c) */
void *jregex_compile(jctx *c, const char *src, size_t len, const char *flags, size_t pos,
                     ja_arena *owner);
/* One match at or after byte offset `from`: returns 0 when none; else 1 and
 * fills ovector (pairs of byte offsets, ngroups+1 pairs) */
int jregex_exec(jctx *c, void *re, const char *s, size_t len, size_t from,
                size_t *ov, int maxpairs, int *npairs);
jv *jregex_match_object(jctx *c, void *re, const char *s, size_t len, size_t from); /* undefined if none */

/* number formatting (jsonata_func_num.c / jsonata_datetime.c) */
jv *jfmt_integer(jctx *c, double n, const char *pic, size_t piclen, size_t pos);
jv *jparse_integer(jctx *c, const char *s, size_t n, const char *pic, size_t piclen, size_t pos);
jv *jfrom_millis(jctx *c, double ms, const char *pic, size_t piclen, const char *tz, size_t tzlen, size_t pos);
jv *jto_millis(jctx *c, const char *s, size_t n, const char *pic, size_t piclen, size_t pos);
int64_t jnow_ms(jctx *c);
jv *jiso_from_millis(jctx *c, double ms);

#endif
