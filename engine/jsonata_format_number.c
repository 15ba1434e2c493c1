/*
 * jsonata_format_number.c — $formatNumber (XPath F&O 4.7 format-number), as
 * the reference implements it: split the picture into sub-pictures and
 * parts (§4.7.3 validation codes D3080-D3093), analyse grouping and digit
 * counts (§4.7.4), then render mantissa, grouping and exponent (§4.7.5).
 * Everything works on code points, since the decimal-digit family and the
 * separators may be any Unicode characters.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double jround_half_even(double x, long prec);

typedef struct u32s {
    uint32_t v[256];
    size_t n;
} u32s;

typedef struct props {
    uint32_t decimal, grouping, exponent, minus, percent, permille, zero, digit, pattern;
    jv *infinity, *nan;
} props;

static void to_u32(const char *s, size_t len, u32s *o)
{
    o->n = 0;
    size_t i = 0;
    while (i < len && o->n < 256) o->v[o->n++] = utf8_get(s, len, &i);
}

static uint32_t first_cp(jv *v, uint32_t def)
{
    if (!jv_is_str(v) || !v->u.str.len) return def;
    size_t i = 0;
    return utf8_get(v->u.str.s, v->u.str.len, &i);
}

static bool is_digit_fam(const props *p, uint32_t ch) { return ch >= p->zero && ch <= p->zero + 9; }

static bool is_active(const props *p, uint32_t ch)
{
    return is_digit_fam(p, ch) || ch == p->decimal || ch == p->exponent || ch == p->grouping || ch == p->digit ||
           ch == p->pattern;
}

static long idx_of(const uint32_t *v, size_t n, uint32_t ch, size_t from)
{
    for (size_t i = from; i < n; i++)
        if (v[i] == ch) return (long)i;
    return -1;
}

static long last_idx(const uint32_t *v, size_t n, uint32_t ch)
{
    for (size_t i = n; i-- > 0;)
        if (v[i] == ch) return (long)i;
    return -1;
}

typedef struct parts {
    const uint32_t *pic;
    size_t n;
    size_t prefix_n, suffix_start; /* prefix = pic[0..prefix_n), suffix = pic[suffix_start..n) */
    size_t act_s, act_e;            /* active part */
    size_t mant_s, mant_e;
    bool has_exp;
    size_t exp_s, exp_e;
    size_t int_s, int_e, frac_s, frac_e; /* ranges in pic */
} parts;

static void split_parts(const props *p, const uint32_t *pic, size_t n, parts *o)
{
    memset(o, 0, sizeof *o);
    o->pic = pic;
    o->n = n;
    size_t i;
    o->prefix_n = n;
    for (i = 0; i < n; i++)
        if (is_active(p, pic[i]) && pic[i] != p->exponent) { o->prefix_n = i; break; }
    o->suffix_start = n;
    for (i = n; i-- > 0;)
        if (is_active(p, pic[i]) && pic[i] != p->exponent) { o->suffix_start = i + 1; break; }
    if (o->prefix_n == n) { /* no active characters: everything is the active part */
        o->prefix_n = 0;
        o->suffix_start = n;
    }
    o->act_s = o->prefix_n;
    o->act_e = o->suffix_start > o->prefix_n ? o->suffix_start : o->prefix_n;
    long ep = idx_of(pic, n, p->exponent, o->prefix_n);
    if (ep == -1 || (size_t)ep > o->suffix_start) {
        o->mant_s = o->act_s;
        o->mant_e = o->act_e;
    } else {
        /* the reference slices the active part with an absolute index: mirror it */
        size_t a = o->act_s, e = o->act_e;
        size_t len = e - a;
        size_t me = (size_t)ep < len ? (size_t)ep : len;
        o->mant_s = a;
        o->mant_e = a + me;
        o->has_exp = true;
        o->exp_s = a + ((size_t)ep + 1 < len ? (size_t)ep + 1 : len);
        o->exp_e = e;
    }
    long dp = idx_of(pic + o->mant_s, o->mant_e - o->mant_s, p->decimal, 0);
    if (dp == -1) {
        o->int_s = o->mant_s;
        o->int_e = o->mant_e;
        o->frac_s = o->suffix_start;
        o->frac_e = n;
    } else {
        o->int_s = o->mant_s;
        o->int_e = o->mant_s + (size_t)dp;
        o->frac_s = o->int_e + 1;
        o->frac_e = o->mant_e;
    }
}

static const char *validate(const props *p, const parts *o)
{
    const uint32_t *s = o->pic;
    size_t n = o->n;
    const char *err = NULL;
    long dpos = idx_of(s, n, p->decimal, 0);
    if (dpos != last_idx(s, n, p->decimal)) err = "D3081";
    if (idx_of(s, n, p->percent, 0) != last_idx(s, n, p->percent)) err = "D3082";
    if (idx_of(s, n, p->permille, 0) != last_idx(s, n, p->permille)) err = "D3083";
    if (idx_of(s, n, p->percent, 0) != -1 && idx_of(s, n, p->permille, 0) != -1) err = "D3084";
    bool valid = false;
    for (size_t i = o->mant_s; i < o->mant_e; i++)
        if (is_digit_fam(p, s[i]) || s[i] == p->digit) { valid = true; break; }
    if (!valid) err = "D3085";
    for (size_t i = o->act_s; i < o->act_e; i++)
        if (!is_active(p, s[i])) err = "D3086";
    if (dpos != -1) {
        if ((dpos > 0 && s[dpos - 1] == p->grouping) || ((size_t)dpos + 1 < n && s[dpos + 1] == p->grouping)) err = "D3087";
    } else if (o->int_e > o->int_s && s[o->int_e - 1] == p->grouping) {
        err = "D3088";
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == p->grouping && s[i + 1] == p->grouping) err = "D3089";
    long od = idx_of(s + o->int_s, o->int_e - o->int_s, p->digit, 0);
    if (od != -1)
        for (size_t i = o->int_s; i < o->int_s + (size_t)od; i++)
            if (is_digit_fam(p, s[i])) err = "D3090";
    long lod = last_idx(s + o->frac_s, o->frac_e - o->frac_s, p->digit);
    if (lod != -1)
        for (size_t i = o->frac_s + (size_t)lod; i < o->frac_e; i++)
            if (is_digit_fam(p, s[i])) err = "D3091";
    if (o->has_exp && o->exp_e > o->exp_s &&
        (idx_of(s, n, p->percent, 0) != -1 || idx_of(s, n, p->permille, 0) != -1))
        err = "D3092";
    if (o->has_exp) {
        bool bad = o->exp_e == o->exp_s;
        for (size_t i = o->exp_s; i < o->exp_e; i++)
            if (!is_digit_fam(p, s[i])) bad = true;
        if (bad) err = "D3093";
    }
    return err;
}

typedef struct analysis {
    int int_groups[64];
    int n_int_groups;
    int regular;
    int frac_groups[64];
    int n_frac_groups;
    int min_int, scaling, min_frac, max_frac, min_exp;
    bool percent, permille;
    u32s prefix, suffix;
} analysis;

static int gcd_i(int a, int b) { return b == 0 ? a : gcd_i(b, a % b); }

static void grouping_positions(const props *p, const uint32_t *s, size_t a, size_t e, bool to_left, int *out, int *nout,
                               const parts *o)
{
    *nout = 0;
    long g = idx_of(s + a, e - a, p->grouping, 0);
    while (g != -1 && *nout < 64) {
        int count = 0;
        if (to_left) {
            for (size_t i = a; i < a + (size_t)g; i++)
                if (is_digit_fam(p, s[i]) || s[i] == p->digit) count++;
        } else {
            for (size_t i = a + (size_t)g; i < e; i++)
                if (is_digit_fam(p, s[i]) || s[i] == p->digit) count++;
        }
        out[(*nout)++] = count;
        /* the reference searches the integer part for the next one, whichever part this is */
        long nx = idx_of(s + o->int_s, o->int_e - o->int_s, p->grouping, (size_t)g + 1);
        g = nx;
    }
}

static void analyse(const props *p, const parts *o, analysis *an)
{
    memset(an, 0, sizeof *an);
    const uint32_t *s = o->pic;
    grouping_positions(p, s, o->int_s, o->int_e, false, an->int_groups, &an->n_int_groups, o);
    if (an->n_int_groups > 0) {
        int f = an->int_groups[0];
        for (int i = 1; i < an->n_int_groups; i++) f = gcd_i(f, an->int_groups[i]);
        bool ok = f > 0;
        for (int k = 1; ok && k <= an->n_int_groups; k++) {
            bool found = false;
            for (int i = 0; i < an->n_int_groups; i++)
                if (an->int_groups[i] == k * f) found = true;
            if (!found) ok = false;
        }
        an->regular = ok ? f : 0;
    }
    grouping_positions(p, s, o->frac_s, o->frac_e, true, an->frac_groups, &an->n_frac_groups, o);
    for (size_t i = o->int_s; i < o->int_e; i++)
        if (is_digit_fam(p, s[i])) an->min_int++;
    an->scaling = an->min_int;
    for (size_t i = o->frac_s; i < o->frac_e; i++) {
        if (is_digit_fam(p, s[i])) an->min_frac++;
        if (is_digit_fam(p, s[i]) || s[i] == p->digit) an->max_frac++;
    }
    if (an->min_int == 0 && an->max_frac == 0) {
        if (o->has_exp) {
            an->min_frac = 1;
            an->max_frac = 1;
        } else {
            an->min_int = 1;
        }
    }
    if (o->has_exp && an->min_int == 0 && idx_of(s + o->int_s, o->int_e - o->int_s, p->digit, 0) != -1) an->min_int = 1;
    if (an->min_int == 0 && an->min_frac == 0) an->min_frac = 1;
    if (o->has_exp)
        for (size_t i = o->exp_s; i < o->exp_e; i++)
            if (is_digit_fam(p, s[i])) an->min_exp++;
    an->prefix.n = o->prefix_n;
    memcpy(an->prefix.v, s, o->prefix_n * sizeof(uint32_t));
    an->suffix.n = o->n - o->suffix_start;
    memcpy(an->suffix.v, s + o->suffix_start, an->suffix.n * sizeof(uint32_t));
    an->percent = idx_of(s, o->n, p->percent, 0) != -1;
    an->permille = idx_of(s, o->n, p->permille, 0) != -1;
}

static void ins(u32s *s, size_t at, uint32_t ch)
{
    if (s->n >= 255 || at > s->n) return;
    memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(uint32_t));
    s->v[at] = ch;
    s->n++;
}

static void load_props(jctx *c, jv *opts, props *p, size_t pos)
{
    p->decimal = '.';
    p->grouping = ',';
    p->exponent = 'e';
    p->minus = '-';
    p->percent = '%';
    p->permille = 0x2030;
    p->zero = '0';
    p->digit = '#';
    p->pattern = ';';
    if (!opts) return;
    p->decimal = first_cp(jv_obj_get(opts, "decimal-separator", 17), p->decimal);
    p->grouping = first_cp(jv_obj_get(opts, "grouping-separator", 18), p->grouping);
    p->exponent = first_cp(jv_obj_get(opts, "exponent-separator", 18), p->exponent);
    p->minus = first_cp(jv_obj_get(opts, "minus-sign", 10), p->minus);
    p->percent = first_cp(jv_obj_get(opts, "percent", 7), p->percent);
    p->permille = first_cp(jv_obj_get(opts, "per-mille", 9), p->permille);
    p->zero = first_cp(jv_obj_get(opts, "zero-digit", 10), p->zero);
    p->digit = first_cp(jv_obj_get(opts, "digit", 5), p->digit);
    p->pattern = first_cp(jv_obj_get(opts, "pattern-separator", 17), p->pattern);
}

static void render(jctx *c, const props *p, const analysis *pic, double value, jbuf *out)
{
    double adj = value;
    if (pic->percent) adj = value * 100;
    else if (pic->permille) adj = value * 1000;
    double mant = fabs(adj);
    long exponent = 0;
    bool has_exp = pic->min_exp > 0;
    if (has_exp && mant != 0 && isfinite(mant)) {
        double maxm = pow(10, pic->scaling), minm = pow(10, pic->scaling - 1);
        while (mant < minm) { mant *= 10; exponent--; }
        while (mant > maxm) { mant /= 10; exponent++; }
    }
    double rounded = jround_half_even(mant, pic->max_frac);
    char fixed[512];
    snprintf(fixed, sizeof fixed, "%.*f", pic->max_frac, fabs(rounded));
    u32s sv;
    sv.n = 0;
    for (char *q = fixed; *q && sv.n < 255; q++) {
        uint32_t ch = (uint32_t)(unsigned char)*q;
        if (ch >= '0' && ch <= '9') ch = ch - '0' + p->zero;
        else if (ch == '.') ch = p->decimal;
        sv.v[sv.n++] = ch;
    }
    if (idx_of(sv.v, sv.n, p->decimal, 0) == -1) sv.v[sv.n++] = p->decimal;
    while (sv.n && sv.v[0] == p->zero) { memmove(sv.v, sv.v + 1, --sv.n * sizeof(uint32_t)); }
    while (sv.n && sv.v[sv.n - 1] == p->zero) sv.n--;
    long dp = idx_of(sv.v, sv.n, p->decimal, 0);
    long padl = pic->min_int - dp;
    long padr = pic->min_frac - ((long)sv.n - dp - 1);
    for (long k = 0; k < padl; k++) ins(&sv, 0, p->zero);
    for (long k = 0; k < padr && sv.n < 255; k++) sv.v[sv.n++] = p->zero;
    dp = idx_of(sv.v, sv.n, p->decimal, 0);
    if (pic->regular > 0) {
        long groups = (dp - 1) / pic->regular;
        for (long g = 1; g <= groups; g++) ins(&sv, (size_t)(dp - g * pic->regular), p->grouping);
    } else {
        for (int i = 0; i < pic->n_int_groups; i++) {
            ins(&sv, (size_t)(dp - pic->int_groups[i]), p->grouping);
            dp++;
        }
    }
    dp = idx_of(sv.v, sv.n, p->decimal, 0);
    for (int i = 0; i < pic->n_frac_groups; i++) ins(&sv, (size_t)(pic->frac_groups[i] + dp + 1), p->grouping);
    if (pic->n_frac_groups == 0 && sv.n && sv.v[sv.n - 1] == p->decimal) sv.n--;
    jbuf b;
    jb_init(&b, c);
    char u[4];
    size_t ul;
    for (size_t i = 0; i < pic->prefix.n; i++) { ul = 0; utf8_put(u, &ul, pic->prefix.v[i]); jb_add(out, u, ul); }
    for (size_t i = 0; i < sv.n; i++) { ul = 0; utf8_put(u, &ul, sv.v[i]); jb_add(out, u, ul); }
    if (has_exp) {
        ul = 0;
        utf8_put(u, &ul, p->exponent);
        jb_add(out, u, ul);
        if (exponent < 0) { ul = 0; utf8_put(u, &ul, p->minus); jb_add(out, u, ul); }
        char e[32];
        int el = snprintf(e, sizeof e, "%ld", labs(exponent));
        for (long k = pic->min_exp - el; k > 0; k--) { ul = 0; utf8_put(u, &ul, p->zero); jb_add(out, u, ul); }
        for (int i = 0; i < el; i++) { ul = 0; utf8_put(u, &ul, (uint32_t)(e[i] - '0') + p->zero); jb_add(out, u, ul); }
    }
    for (size_t i = 0; i < pic->suffix.n; i++) { ul = 0; utf8_put(u, &ul, pic->suffix.v[i]); jb_add(out, u, ul); }
}

jv *jf_format_number(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_format_number(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jv *v = n > 0 ? args[0] : NULL, *picv = n > 1 ? args[1] : NULL, *opts = n > 2 ? args[2] : NULL;
    if (!v || !picv) return NULL;
    if (!isfinite(v->u.num)) jerr(c, "D1001", pos, "Number out of range");
    props p;
    load_props(c, opts, &p, pos);
    u32s pic;
    to_u32(picv->u.str.s, picv->u.str.len, &pic);
    long sep = idx_of(pic.v, pic.n, p.pattern, 0);
    if (sep != -1 && idx_of(pic.v, pic.n, p.pattern, (size_t)sep + 1) != -1)
        jerr(c, "D3080", pos, "The picture string must not contain more than one instance of the pattern separator");
    size_t nsub = sep == -1 ? 1 : 2;
    parts prt[2];
    analysis an[2];
    split_parts(&p, pic.v, sep == -1 ? pic.n : (size_t)sep, &prt[0]);
    if (nsub == 2) split_parts(&p, pic.v + sep + 1, pic.n - (size_t)sep - 1, &prt[1]);
    for (size_t i = 0; i < nsub; i++) {
        const char *e = validate(&p, &prt[i]);
        if (e) jerr(c, e, pos, "Invalid picture string for $formatNumber (%s)", e);
    }
    for (size_t i = 0; i < nsub; i++) analyse(&p, &prt[i], &an[i]);
    if (nsub == 1) {
        an[1] = an[0];
        ins(&an[1].prefix, 0, p.minus);
    }
    jbuf b;
    jb_init(&b, c);
    render(c, &p, v->u.num >= 0 ? &an[0] : &an[1], v->u.num, &b);
    return jb_value(&b);
}
