/*
 * jsonata_datetime.c — integer and date/time pictures (XPath F&O 9.8 as the
 * reference's datetime.js implements them): $formatInteger, $parseInteger,
 * $fromMillis, $toMillis, $now, $millis.
 *
 * Pictures are analysed into small structs (ifmt for integers, a list of
 * literal/marker parts for date-times) over Unicode code points. Formatting
 * works on broken-down UTC time computed with days-from-civil arithmetic, so
 * no libc time zone state is involved and years outside time_t's comfort
 * zone still work. Parsing a date-time builds one regular expression from
 * the picture, as the reference does, and runs it through jsonata_regex.c.
 * $now and $millis are fixed for one evaluation.
 */
#include "jsonata_internal.h"

#include "asl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define A(i) ((i) < n ? args[i] : NULL)
#define F(name) jv *name(jctx *c, jv **args, int n, jv *input, size_t pos); \
    jv *name(jctx *c, jv **args, int n, jv *input, size_t pos)

/* ---------------------------------------------------------- code points */
typedef struct cpstr {
    uint32_t *v;
    size_t n;
} cpstr;

static cpstr cps(jctx *c, const char *s, size_t len)
{
    cpstr r;
    r.v = jalloc(c, (len + 1) * sizeof(uint32_t));
    r.n = 0;
    size_t i = 0;
    while (i < len) r.v[r.n++] = utf8_get(s, len, &i);
    return r;
}

static void jb_cp(jbuf *b, uint32_t cp)
{
    char u[4];
    size_t l = 0;
    utf8_put(u, &l, cp);
    jb_add(b, u, l);
}

/* ---------------------------------------------------------- words */
static const char *const few[] = {"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
static const char *const ordinals[] = {"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
    "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth",
    "Eighteenth", "Nineteenth"};
static const char *const decades[] = {"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"};
static const char *const magnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

static void words(jbuf *b, double num, bool prev, bool ord)
{
    if (num <= 19) {
        if (prev) jb_adds(b, " and ");
        jb_adds(b, ord ? ordinals[(int)num] : few[(int)num]);
    } else if (num < 100) {
        int tens = (int)(num / 10), rem = (int)fmod(num, 10);
        if (prev) jb_adds(b, " and ");
        const char *d = decades[tens - 2];
        if (rem > 0) {
            jb_adds(b, d);
            jb_addc(b, '-');
            words(b, rem, false, ord);
        } else if (ord) {
            jb_add(b, d, strlen(d) - 1);
            jb_adds(b, "ieth");
        } else {
            jb_adds(b, d);
        }
    } else if (num < 1000) {
        int h = (int)(num / 100), rem = (int)fmod(num, 100);
        if (prev) jb_adds(b, ", ");
        jb_adds(b, few[h]);
        jb_adds(b, " Hundred");
        if (rem > 0) words(b, rem, true, ord);
        else if (ord) jb_adds(b, "th");
    } else {
        int mag = (int)floor(log10(num) / 3);
        if (mag > 4) mag = 4;
        double factor = pow(10, mag * 3);
        double mant = floor(num / factor), rem = num - mant * factor;
        if (prev) jb_adds(b, ", ");
        words(b, mant, false, false);
        jb_addc(b, ' ');
        jb_adds(b, magnitudes[mag - 1]);
        if (rem > 0) words(b, rem, true, ord);
        else if (ord) jb_adds(b, "th");
    }
}

static double word_value(const char *w, size_t n)
{
    char lw[32];
    if (n == 0 || n >= sizeof lw) return NAN;
    for (size_t i = 0; i < n; i++) lw[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    lw[n] = 0;
    for (int i = 0; i < 20; i++) {
        char a[32], o[32];
        snprintf(a, sizeof a, "%s", few[i]);
        snprintf(o, sizeof o, "%s", ordinals[i]);
        a[0] = (char)(a[0] + 32);
        o[0] = (char)(o[0] + 32);
        if (!strcmp(lw, a) || !strcmp(lw, o)) return i;
    }
    for (int i = 0; i < 9; i++) {
        char a[32], o[40];
        snprintf(a, sizeof a, "%s", decades[i]);
        a[0] = (char)(a[0] + 32);
        snprintf(o, sizeof o, "%.*sieth", (int)strlen(a) - 1, a);
        if (!strcmp(lw, a) || !strcmp(lw, o)) return (i + 2) * 10;
    }
    if (!strcmp(lw, "hundredth")) return 100;
    for (int i = 0; i < 4; i++) {
        char a[32], o[40];
        snprintf(a, sizeof a, "%s", magnitudes[i]);
        a[0] = (char)(a[0] + 32);
        snprintf(o, sizeof o, "%sth", a);
        if (!strcmp(lw, a) || !strcmp(lw, o)) return pow(10, (i + 1) * 3);
    }
    return NAN;
}

static double words_to_number(const char *s, size_t len)
{
    double segs[64];
    int ns = 1;
    segs[0] = 0;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && s[j] != ' ' && s[j] != '-' && s[j] != ',') j++;
        size_t wl = j - i;
        if (wl && !(wl == 3 && !strncasecmp(s + i, "and", 3))) {
            double v = word_value(s + i, wl);
            if (v < 100) {
                double top = segs[--ns];
                if (top >= 1000) {
                    segs[ns++] = top;
                    top = 0;
                }
                if (ns < 63) segs[ns++] = top + v;
            } else {
                segs[ns - 1] *= v;
            }
        }
        i = j + 1;
    }
    double r = 0;
    for (int k = 0; k < ns; k++) r += segs[k];
    return r;
}

/* ---------------------------------------------------------- integers */
enum { P_DECIMAL, P_LETTERS, P_ROMAN, P_WORDS, P_SEQUENCE };
enum { C_LOWER, C_UPPER, C_TITLE };

typedef struct ifmt {
    int primary, tcase;
    bool ordinal;
    uint32_t zero;
    int mandatory, optional;
    bool regular;
    int reg_pos;
    uint32_t reg_char;
    int nseps;
    struct {
        int pos;
        uint32_t ch;
    } seps[32];
} ifmt;

static const uint32_t decimal_groups[] = {0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
    0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946,
    0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50,
    0xABF0, 0xFF10};

static uint32_t digit_group(uint32_t cp)
{
    for (size_t i = 0; i < sizeof decimal_groups / sizeof decimal_groups[0]; i++)
        if (cp >= decimal_groups[i] && cp <= decimal_groups[i] + 9) return decimal_groups[i];
    return 0;
}

static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

static bool cp_eq(const uint32_t *v, size_t n, const char *ascii)
{
    size_t l = strlen(ascii);
    if (l != n) return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] != (unsigned char)ascii[i]) return false;
    return true;
}

static void analyse_integer(jctx *c, const uint32_t *pic, size_t len, ifmt *f, size_t pos)
{
    memset(f, 0, sizeof *f);
    f->primary = P_DECIMAL;
    f->tcase = C_LOWER;
    f->zero = 0x30;
    size_t plen = len;
    for (size_t i = len; i-- > 0;)
        if (pic[i] == ';') {
            plen = i;
            if (i + 1 < len && pic[i + 1] == 'o') f->ordinal = true;
            break;
        }
    if (cp_eq(pic, plen, "A")) { f->tcase = C_UPPER; f->primary = P_LETTERS; return; }
    if (cp_eq(pic, plen, "a")) { f->primary = P_LETTERS; return; }
    if (cp_eq(pic, plen, "I")) { f->tcase = C_UPPER; f->primary = P_ROMAN; return; }
    if (cp_eq(pic, plen, "i")) { f->primary = P_ROMAN; return; }
    if (cp_eq(pic, plen, "W")) { f->tcase = C_UPPER; f->primary = P_WORDS; return; }
    if (cp_eq(pic, plen, "Ww")) { f->tcase = C_TITLE; f->primary = P_WORDS; return; }
    if (cp_eq(pic, plen, "w")) { f->primary = P_WORDS; return; }
    uint32_t zero = 0;
    int seppos = 0;
    for (size_t k = plen; k-- > 0;) {
        uint32_t cp = pic[k], g = digit_group(cp);
        if (g) {
            f->mandatory++;
            seppos++;
            if (!zero) zero = g;
            else if (g != zero) jerr(c, "D3131", pos, "In a decimal digit pattern, all digits must be from the same decimal group");
        } else if (cp == '#') {
            seppos++;
            f->optional++;
        } else if (f->nseps < 32) {
            f->seps[f->nseps].pos = seppos;
            f->seps[f->nseps].ch = cp;
            f->nseps++;
        }
    }
    if (f->mandatory == 0) {
        f->primary = P_SEQUENCE;
        return;
    }
    f->zero = zero;
    /* regular grouping: same character, positions multiples of their gcd */
    if (f->nseps > 0) {
        bool same = true;
        for (int i = 1; i < f->nseps; i++)
            if (f->seps[i].ch != f->seps[0].ch) same = false;
        if (same) {
            int factor = f->seps[0].pos;
            for (int i = 1; i < f->nseps; i++) factor = gcd(factor, f->seps[i].pos);
            bool ok = factor > 0;
            for (int idx = 1; ok && idx <= f->nseps; idx++) {
                bool found = false;
                for (int i = 0; i < f->nseps; i++)
                    if (f->seps[i].pos == idx * factor) found = true;
                if (!found) ok = false;
            }
            if (ok) {
                f->regular = true;
                f->reg_pos = factor;
                f->reg_char = f->seps[0].ch;
            }
        }
    }
}

static void roman(jbuf *b, double v, bool upper)
{
    if (v > 1e7) jerr(b->c, "D3130", 0, "The number is too large to write in roman numerals");
    static const struct { int v; const char *s; } rn[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"},
        {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}};
    long x = (long)v;
    for (size_t i = 0; i < sizeof rn / sizeof rn[0]; i++)
        while (x >= rn[i].v) {
            for (const char *p = rn[i].s; *p; p++) jb_addc(b, upper ? (char)(*p - 32) : *p);
            x -= rn[i].v;
        }
}

static void format_int(jctx *c, jbuf *out, double value, const ifmt *f, size_t pos)
{
    if (!isfinite(value)) jerr(c, "D1001", pos, "Number out of range");
    bool neg = value < 0;
    value = fabs(value);
    jbuf b;
    jb_init(&b, c);
    switch (f->primary) {
    case P_LETTERS: {
        char tmp[64];
        int k = 64;
        double v = value;
        while (v > 0 && k > 0) {
            tmp[--k] = (char)(fmod(v - 1, 26) + (f->tcase == C_UPPER ? 'A' : 'a'));
            v = floor((v - 1) / 26);
        }
        jb_add(&b, tmp + k, (size_t)(64 - k));
        break;
    }
    case P_ROMAN: roman(&b, value, f->tcase == C_UPPER); break;
    case P_WORDS:
        words(&b, value, false, f->ordinal);
        for (size_t i = 0; i < b.len; i++) {
            if (f->tcase == C_UPPER && b.s[i] >= 'a' && b.s[i] <= 'z') b.s[i] = (char)(b.s[i] - 32);
            if (f->tcase == C_LOWER && b.s[i] >= 'A' && b.s[i] <= 'Z') b.s[i] = (char)(b.s[i] + 32);
        }
        break;
    case P_DECIMAL: {
        char digits[400];
        jv_num_to_str(value, digits, sizeof digits);
        size_t nd = strlen(digits);
        uint32_t cpv[512];
        size_t n = 0;
        for (long k = f->mandatory - (long)nd; k > 0 && n < 200; k--) cpv[n++] = '0';
        for (size_t i = 0; i < nd && n < 400; i++) cpv[n++] = (uint32_t)(unsigned char)digits[i];
        if (f->zero != 0x30)
            for (size_t i = 0; i < n; i++)
                if (cpv[i] >= '0' && cpv[i] <= '9') cpv[i] = cpv[i] - '0' + f->zero;
        uint32_t res[600];
        size_t rn = 0;
        if (f->regular) {
            for (size_t i = 0; i < n; i++) {
                size_t from_right = n - i;
                if (i > 0 && from_right % (size_t)f->reg_pos == 0) res[rn++] = f->reg_char;
                res[rn++] = cpv[i];
            }
        } else {
            memcpy(res, cpv, n * sizeof *res);
            rn = n;
            for (int s = 0; s < f->nseps; s++) {
                long p = (long)rn - f->seps[s].pos;
                /* the reference inserts from the reversed list, recomputing from the end */
                (void)p;
            }
            /* insert separators: positions count digits from the right */
            uint32_t tmp[600];
            size_t tn = 0;
            for (size_t i = 0; i < n; i++) {
                size_t from_right = n - i;
                for (int s = f->nseps - 1; s >= 0; s--)
                    if ((size_t)f->seps[s].pos == from_right && i > 0) tmp[tn++] = f->seps[s].ch;
                tmp[tn++] = cpv[i];
            }
            memcpy(res, tmp, tn * sizeof *res);
            rn = tn;
        }
        for (size_t i = 0; i < rn; i++) jb_cp(&b, res[i]);
        if (f->ordinal) {
            char last = nd ? digits[nd - 1] : '0';
            char prev = nd > 1 ? digits[nd - 2] : 0;
            const char *suf = "th";
            if (prev != '1') suf = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
            jb_adds(&b, suf);
        }
        break;
    }
    case P_SEQUENCE:
        jerr(c, "D3130", pos, "Formatting or parsing an integer as a sequence is not supported by this implementation");
    }
    if (neg) jb_addc(out, '-');
    if (b.len) jb_add(out, b.s, b.len);
}

F(jf_format_integer)
{
    jv *v = A(0), *p = A(1);
    if (!v || !p) return NULL;
    ifmt f;
    cpstr pic = cps(c, p->u.str.s, p->u.str.len);
    analyse_integer(c, pic.v, pic.n, &f, pos);
    jbuf b;
    jb_init(&b, c);
    format_int(c, &b, floor(v->u.num), &f, pos);
    return jb_value(&b);
}

static double parse_int_with(jctx *c, const char *s, size_t len, const ifmt *f, size_t pos)
{
    switch (f->primary) {
    case P_LETTERS: {
        double d = 0;
        char a = f->tcase == C_UPPER ? 'A' : 'a';
        for (size_t i = 0; i < len; i++) d += (s[len - 1 - i] - a + 1) * pow(26, (double)i);
        return d;
    }
    case P_ROMAN: {
        double d = 0, max = 1;
        for (size_t i = len; i-- > 0;) {
            char ch = s[i];
            if (ch >= 'a') ch = (char)(ch - 32);
            double v = ch == 'M' ? 1000 : ch == 'D' ? 500 : ch == 'C' ? 100 : ch == 'L' ? 50 : ch == 'X' ? 10 : ch == 'V' ? 5 : ch == 'I' ? 1 : NAN;
            if (v < max) d -= v;
            else {
                max = v;
                d += v;
            }
        }
        return d;
    }
    case P_WORDS: return words_to_number(s, len);
    case P_DECIMAL: {
        cpstr v = cps(c, s, len);
        if (f->ordinal && v.n >= 2) v.n -= 2;
        double d = 0;
        bool any = false;
        for (size_t i = 0; i < v.n; i++) {
            uint32_t cp = v.v[i];
            bool sep = false;
            if (f->regular) sep = cp == ',' || cp == f->reg_char;
            for (int k = 0; k < f->nseps; k++)
                if (cp == f->seps[k].ch) sep = true;
            if (sep) continue;
            uint32_t dg = cp - f->zero;
            if (dg > 9) break;
            d = d * 10 + dg;
            any = true;
        }
        return any ? d : NAN;
    }
    }
    jerr(c, "D3130", pos, "Formatting or parsing an integer as a sequence is not supported by this implementation");
}

F(jf_parse_integer)
{
    jv *v = A(0), *p = A(1);
    if (!v || !p) return NULL;
    ifmt f;
    cpstr pic = cps(c, p->u.str.s, p->u.str.len);
    analyse_integer(c, pic.v, pic.n, &f, pos);
    double d = parse_int_with(c, v->u.str.s, v->u.str.len, &f, pos);
    if (isnan(d)) return NULL;
    return jv_num(c, d);
}

/* ---------------------------------------------------------- calendar */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static const double DAY = 86400000.0;

/* Date.UTC with month overflow as JavaScript allows */
static double utc_ms(double y, double mon0, double d, double h, double mi, double s, double ms)
{
    if (!(fabs(y) < 1e6) || !(fabs(mon0) < 1e7)) return NAN; /* far outside JavaScript's Date range */
    double ym = y + floor(mon0 / 12);
    int mn = (int)(mon0 - floor(mon0 / 12) * 12);
    double days = (double)asl_days_from_civil((int64_t)ym, mn + 1, 1) + d - 1;
    return days * DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

typedef struct dt {
    int64_t year;
    int month, day, hour, minute, second, milli, wday; /* month 1-12; wday 0=Sun */
    double ms;
} dt;

static dt breakdown(double ms)
{
    dt t;
    if (!(fabs(ms) <= 8.64e15)) ms = 0; /* callers check the range; never cast NaN */
    double days = floor(ms / DAY);
    double rem = ms - days * DAY;
    civil_from_days((int64_t)days, &t.year, &t.month, &t.day);
    t.hour = (int)(rem / 3600000);
    t.minute = (int)fmod(rem / 60000, 60);
    t.second = (int)fmod(rem / 1000, 60);
    t.milli = (int)fmod(rem, 1000);
    long wd = (long)fmod(days + 4, 7);
    if (wd < 0) wd += 7;
    t.wday = (int)wd;
    t.ms = ms;
    return t;
}

static double start_of_first_week(int64_t year, int month0)
{
    double jan1 = utc_ms((double)year, month0, 1, 0, 0, 0, 0);
    int dow = breakdown(jan1).wday;
    if (dow == 0) dow = 7;
    return dow > 4 ? jan1 + (8 - dow) * DAY : jan1 - (dow - 1) * DAY;
}

static double component(const dt *t, char comp)
{
    switch (comp) {
    case 'Y': return (double)t->year;
    case 'M': return t->month;
    case 'D': return t->day;
    case 'd': return floor((t->ms - utc_ms((double)t->year, 0, 1, 0, 0, 0, 0)) / DAY) + 1;
    case 'F': return t->wday == 0 ? 7 : t->wday;
    case 'W': {
        double s1 = start_of_first_week(t->year, 0);
        double today = utc_ms((double)t->year, t->month - 1, t->day, 0, 0, 0, 0);
        double week = (today - s1) / (DAY * 7) + 1;
        if (week > 52) {
            if (today >= start_of_first_week(t->year + 1, 0)) week = 1;
        } else if (week < 1) {
            week = (today - start_of_first_week(t->year - 1, 0)) / (DAY * 7) + 1;
        }
        return floor(week);
    }
    case 'w': {
        int64_t y = t->year;
        int m0 = t->month - 1;
        double s1 = start_of_first_week(y, m0);
        double today = utc_ms((double)y, m0, t->day, 0, 0, 0, 0);
        double week = (today - s1) / (DAY * 7) + 1;
        if (week > 4) {
            int64_t ny = m0 == 11 ? y + 1 : y;
            int nm = m0 == 11 ? 0 : m0 + 1;
            if (today >= start_of_first_week(ny, nm)) week = 1;
        } else if (week < 1) {
            int64_t py = m0 == 0 ? y - 1 : y;
            int pm = m0 == 0 ? 11 : m0 - 1;
            week = (today - start_of_first_week(py, pm)) / (DAY * 7) + 1;
        }
        return floor(week);
    }
    case 'X': {
        double s = start_of_first_week(t->year, 0), e = start_of_first_week(t->year + 1, 0);
        if (t->ms < s) return (double)t->year - 1;
        if (t->ms >= e) return (double)t->year + 1;
        return (double)t->year;
    }
    case 'x': {
        int64_t y = t->year;
        int m0 = t->month - 1;
        double s = start_of_first_week(y, m0);
        int64_t ny = m0 == 11 ? y + 1 : y;
        int nm = m0 == 11 ? 0 : m0 + 1;
        double e = start_of_first_week(ny, nm);
        if (t->ms < s) return m0 == 0 ? 12 : m0;
        if (t->ms >= e) return nm + 1;
        return m0 + 1;
    }
    case 'H': return t->hour;
    case 'h': return t->hour % 12 == 0 ? 12 : t->hour % 12;
    case 'm': return t->minute;
    case 's': return t->second;
    case 'f': return t->milli;
    }
    return NAN;
}

/* ---------------------------------------------------------- date pictures */
typedef struct dpart {
    bool literal;
    const char *lit;
    size_t litlen;
    char comp;
    uint32_t pres1[32];
    size_t p1n;
    char pres2;
    int names; /* -1 none, else C_* */
    bool has_min, has_max;
    int wmin, wmax;
    ifmt ifm;
    bool has_ifm;
    int yn;
} dpart;

typedef struct dpic {
    dpart *parts;
    size_t n, cap;
} dpic;

static void dp_push(jctx *c, dpic *p, dpart *x)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        dpart *np = jalloc(c, cap * sizeof *np);
        if (p->n) memcpy(np, p->parts, p->n * sizeof *np);
        p->parts = np;
        p->cap = cap;
    }
    p->parts[p->n++] = *x;
}

static void add_literal(jctx *c, dpic *p, const char *s, size_t n)
{
    if (!n) return;
    jbuf b;
    jb_init(&b, c);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ']' && i + 1 < n && s[i + 1] == ']') i++;
        jb_addc(&b, s[i]);
    }
    dpart d;
    memset(&d, 0, sizeof d);
    d.literal = true;
    d.lit = b.s;
    d.litlen = b.len;
    dp_push(c, p, &d);
}

static const char *default_pres(char comp)
{
    switch (comp) {
    case 'Y': case 'M': case 'D': case 'd': case 'W': case 'w': case 'X': case 'x': case 'H': case 'h': case 'f':
        return "1";
    case 'F': case 'P': case 'C': case 'E': return "n";
    case 'm': case 's': return "01";
    case 'Z': case 'z': return "01:01";
    }
    return NULL;
}

static int parse_width(const char *s, size_t n, bool *has)
{
    *has = false;
    if (n == 0 || (n == 1 && s[0] == '*')) return 0;
    int v = 0;
    size_t i = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        if (v < 100000) v = v * 10 + (s[i] - '0');
    if (i == 0) return 0;
    *has = true;
    return v;
}

static void analyse_marker(jctx *c, dpart *d, const char *m, size_t mn, size_t pos)
{
    d->comp = mn ? m[0] : 0;
    d->names = -1;
    if (!d->comp || d->comp == ',') jerr(c, "D3132", pos, "Unknown component specifier in date/time picture string");
    const char *comma = NULL;
    for (size_t i = mn; i-- > 0;)
        if (m[i] == ',') { comma = m + i; break; }
    const char *pres = m + 1;
    size_t presn = mn ? mn - 1 : 0;
    if (comma) {
        const char *w = comma + 1;
        size_t wn = (size_t)(m + mn - w);
        const char *dash = memchr(w, '-', wn);
        if (!dash) {
            d->wmin = parse_width(w, wn, &d->has_min);
        } else {
            d->wmin = parse_width(w, (size_t)(dash - w), &d->has_min);
            d->wmax = parse_width(dash + 1, (size_t)(w + wn - dash - 1), &d->has_max);
        }
        presn = comma > pres ? (size_t)(comma - pres) : 0;
    }
    char p1[64];
    size_t p1n = 0;
    if (presn == 1) {
        memcpy(p1, pres, 1);
        p1n = 1;
    } else if (presn > 1) {
        char last = pres[presn - 1];
        if (last && strchr("atco", last)) {
            d->pres2 = last;
            p1n = presn - 1 < sizeof p1 ? presn - 1 : sizeof p1 - 1;
            memcpy(p1, pres, p1n);
        } else {
            p1n = presn < sizeof p1 ? presn : sizeof p1 - 1;
            memcpy(p1, pres, p1n);
        }
    } else {
        const char *def = default_pres(d->comp);
        if (!def) jerr(c, "D3132", pos, "Unknown component specifier %c in date/time picture string", d->comp);
        p1n = strlen(def);
        memcpy(p1, def, p1n);
    }
    cpstr pc = cps(c, p1, p1n);
    d->p1n = pc.n < 32 ? pc.n : 31;
    memcpy(d->pres1, pc.v, d->p1n * sizeof(uint32_t));
    if (p1[0] == 'n') {
        d->names = C_LOWER;
    } else if (p1[0] == 'N') {
        d->names = p1n > 1 && p1[1] == 'n' ? C_TITLE : C_UPPER;
    } else if (d->comp && strchr("YMDdFWwXxHhmsf", d->comp)) {
        uint32_t pat[40];
        size_t pn = d->p1n;
        memcpy(pat, d->pres1, pn * sizeof(uint32_t));
        if (d->pres2) {
            pat[pn++] = ';';
            pat[pn++] = (uint32_t)d->pres2;
        }
        analyse_integer(c, pat, pn, &d->ifm, pos);
        d->has_ifm = true;
        if (d->has_min && d->ifm.mandatory < d->wmin) d->ifm.mandatory = d->wmin;
        if (d->comp == 'Y') {
            d->yn = -1;
            if (d->has_max) {
                d->yn = d->wmax;
                d->ifm.mandatory = d->yn;
            } else {
                int w = d->ifm.mandatory + d->ifm.optional;
                if (w >= 2) d->yn = w;
            }
        }
    } else if (!strchr("YMDdFWwXxHhmsfZzPCE", d->comp)) {
        jerr(c, "D3132", pos, "Unknown component specifier %c in date/time picture string", d->comp);
    }
    if (d->comp == 'Z' || d->comp == 'z') {
        analyse_integer(c, d->pres1, d->p1n, &d->ifm, pos);
        d->has_ifm = true;
    }
}

static dpic analyse_datetime(jctx *c, const char *s, size_t n, size_t pos)
{
    dpic p = {0};
    size_t start = 0, i = 0;
    while (i < n) {
        if (s[i] == '[') {
            if (i + 1 < n && s[i + 1] == '[') {
                add_literal(c, &p, s + start, i - start);
                add_literal(c, &p, "[", 1);
                i += 2;
                start = i;
                continue;
            }
            add_literal(c, &p, s + start, i - start);
            start = i;
            const char *close = memchr(s + i, ']', n - i);
            if (!close) jerr(c, "D3135", pos, "No matching closing bracket ']' in date/time picture string");
            i = (size_t)(close - s);
            char m[128];
            size_t mn = 0;
            for (size_t k = start + 1; k < i && mn < sizeof m - 1; k++)
                if (!strchr(" \t\n\r", s[k])) m[mn++] = s[k];
            dpart d;
            memset(&d, 0, sizeof d);
            analyse_marker(c, &d, m, mn, pos);
            dp_push(c, &p, &d);
            start = i + 1;
        }
        i++;
    }
    add_literal(c, &p, s + start, i > start ? i - start : 0);
    return p;
}

static const char *const day_names[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
static const char *const month_names[] = {"January", "February", "March", "April", "May", "June", "July", "August",
                                          "September", "October", "November", "December"};

static void add_cased(jbuf *b, const char *s, int names, bool has_max, int wmax)
{
    size_t n = strlen(s);
    if (has_max && (size_t)wmax < n) n = (size_t)wmax;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (names == C_UPPER && ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
        if (names == C_LOWER && ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
        jb_addc(b, ch);
    }
}

static void format_tz(jctx *c, jbuf *b, const dpart *d, int oh, int om, size_t pos)
{
    int offset = oh * 100 + om;
    jbuf t;
    jb_init(&t, c);
    if (d->ifm.regular) {
        format_int(c, &t, offset, &d->ifm, pos);
    } else {
        int nd = d->ifm.mandatory;
        if (nd == 1 || nd == 2) {
            format_int(c, &t, oh, &d->ifm, pos);
            if (om != 0) {
                char mm[8];
                snprintf(mm, sizeof mm, ":%02d", abs(om));
                jb_adds(&t, mm);
            }
        } else if (nd == 3 || nd == 4) {
            format_int(c, &t, offset, &d->ifm, pos);
        } else {
            jerr(c, "D3134", pos, "The timezone integer format specifier cannot have more than four digits");
        }
    }
    if (offset == 0 && d->pres2 == 't') {
        jb_addc(b, 'Z');
        return;
    }
    if (d->comp == 'z') jb_adds(b, "GMT");
    if (offset >= 0) jb_addc(b, '+');
    if (t.len) jb_add(b, t.s, t.len);
}

static jv *format_datetime(jctx *c, double millis, const char *pic, size_t picn, const char *tz, size_t tzn, size_t pos)
{
    /* JavaScript's Date range: beyond it the reference has no date either */
    if (!(fabs(millis) <= 8.64e15)) return NULL;
    int oh = 0, om = 0;
    if (tz) {
        char buf[32];
        size_t k = tzn < sizeof buf - 1 ? tzn : sizeof buf - 1;
        memcpy(buf, tz, k);
        buf[k] = 0;
        long off = jclamp(strtod(buf, NULL), -2400, 2400);
        oh = (int)floor(off / 100.0);
        om = (int)(off % 100);
    }
    static const char iso[] = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
    if (!pic) {
        pic = iso;
        picn = sizeof iso - 1;
    }
    dpic p = analyse_datetime(c, pic, picn, pos);
    dt t = breakdown(millis + (60.0 * oh + om) * 60000);
    jbuf b;
    jb_init(&b, c);
    for (size_t i = 0; i < p.n; i++) {
        dpart *d = &p.parts[i];
        if (d->literal) {
            jb_add(&b, d->lit, d->litlen);
            continue;
        }
        char comp = d->comp;
        if (strchr("YMDdFWwXxHhms", comp)) {
            double v = component(&t, comp);
            if (comp == 'Y' && d->yn != -1) v = fmod(v, pow(10, d->yn));
            if (d->names >= 0) {
                if (comp == 'M' || comp == 'x') add_cased(&b, month_names[(int)v - 1], d->names, d->has_max, d->wmax);
                else if (comp == 'F') add_cased(&b, day_names[(int)v], d->names, d->has_max, d->wmax);
                else jerr(c, "D3133", pos, "The 'name' modifier can only be applied to months and days in the date/time picture string, not %c", comp);
            } else {
                format_int(c, &b, v, &d->ifm, pos);
            }
        } else if (comp == 'f') {
            format_int(c, &b, component(&t, 'f'), &d->ifm, pos);
        } else if (comp == 'Z' || comp == 'z') {
            format_tz(c, &b, d, oh, om, pos);
        } else if (comp == 'P') {
            add_cased(&b, t.hour >= 12 ? "pm" : "am", d->names == C_UPPER ? C_UPPER : C_LOWER, false, 0);
        } else if (comp == 'C' || comp == 'E') {
            jb_adds(&b, "ISO");
        }
    }
    return jb_value(&b);
}

F(jf_from_millis)
{
    jv *ms = A(0), *pic = A(1), *tz = A(2);
    if (!ms) return NULL;
    return format_datetime(c, ms->u.num, pic ? pic->u.str.s : NULL, pic ? pic->u.str.len : 0,
                           tz ? tz->u.str.s : NULL, tz ? tz->u.str.len : 0, pos);
}

int64_t jnow_ms(jctx *c)
{
    if (!c->now_set) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        c->now_set = true;
    }
    return c->now_ms;
}

jv *jiso_from_millis(jctx *c, double ms) { return format_datetime(c, ms, NULL, 0, NULL, 0, 0); }

F(jf_millis) { return jv_num(c, (double)jnow_ms(c)); }

F(jf_now)
{
    jv *pic = A(0), *tz = A(1);
    return format_datetime(c, (double)jnow_ms(c), pic ? pic->u.str.s : NULL, pic ? pic->u.str.len : 0,
                           tz ? tz->u.str.s : NULL, tz ? tz->u.str.len : 0, pos);
}

/* ---------------------------------------------------------- parsing */
static bool iso8601_like(const char *s, size_t n)
{
    /* ^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$ */
    size_t i = 0;
#define DIG(k) (i + (k) < n && s[i + (k)] >= '0' && s[i + (k)] <= '9')
    if (!(DIG(0) && DIG(1) && DIG(2) && DIG(3))) return false;
    i += 4;
    while (i + 2 < n && s[i] == '-' && DIG(1) && DIG(2)) i += 3;
    while (i + 8 < n && s[i] == 'T' && DIG(1) && DIG(2) && s[i + 3] == ':' && DIG(4) && DIG(5) && s[i + 6] == ':' && DIG(7) && DIG(8)) i += 9;
    if (i < n && s[i] == '.' && DIG(1)) {
        i++;
        while (DIG(0)) i++;
    }
    if (i < n && s[i] == 'Z') i++;
    else if (i < n && (s[i] == '+' || s[i] == '-') && DIG(1) && DIG(2)) {
        i += 3;
        if (i < n && s[i] == ':') i++;
        if (DIG(0) && DIG(1)) i += 2;
        else return false;
    }
#undef DIG
    return i == n;
}

static double parse_iso(const char *s, size_t n)
{
    int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0;
    double frac = 0;
    int tzsign = 0, tzh = 0, tzm = 0;
    char buf[64];
    size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, s, k);
    buf[k] = 0;
    const char *p = buf;
    y = (int)strtol(p, (char **)&p, 10);
    if (*p == '-') mo = (int)strtol(p + 1, (char **)&p, 10);
    if (*p == '-') d = (int)strtol(p + 1, (char **)&p, 10);
    if (*p == 'T') {
        h = (int)strtol(p + 1, (char **)&p, 10);
        mi = (int)strtol(p + 1, (char **)&p, 10);
        se = (int)strtol(p + 1, (char **)&p, 10);
    }
    if (*p == '.') frac = strtod(p, (char **)&p);
    if (*p == '+' || *p == '-') {
        tzsign = *p == '-' ? -1 : 1;
        tzh = (p[1] - '0') * 10 + (p[2] - '0');
        p += 3;
        if (*p == ':') p++;
        if (*p) tzm = (p[0] - '0') * 10 + (p[1] - '0');
    }
    double ms = utc_ms(y, mo - 1, d, h, mi, se, 0) + round(frac * 1000);
    ms -= tzsign * (tzh * 60 + tzm) * 60000.0;
    return ms;
}

static void regex_escape(jbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr(".*+?^${}()|[]\\", s[i])) jb_addc(b, '\\');
        jb_addc(b, s[i]);
    }
}

static void int_regex(jbuf *b, const ifmt *f)
{
    switch (f->primary) {
    case P_LETTERS: jb_adds(b, f->tcase == C_UPPER ? "[A-Z]+" : "[a-z]+"); break;
    case P_ROMAN: jb_adds(b, f->tcase == C_UPPER ? "[MDCLXVI]+" : "[mdclxvi]+"); break;
    case P_WORDS: {
        jb_adds(b, "(?:");
        for (int i = 0; i < 20; i++) { jb_adds(b, few[i]); jb_addc(b, '|'); jb_adds(b, ordinals[i]); jb_addc(b, '|'); }
        for (int i = 0; i < 9; i++) {
            jb_adds(b, decades[i]);
            jb_addc(b, '|');
            jb_add(b, decades[i], strlen(decades[i]) - 1);
            jb_adds(b, "ieth|");
        }
        for (int i = 0; i < 4; i++) { jb_adds(b, magnitudes[i]); jb_addc(b, '|'); jb_adds(b, magnitudes[i]); jb_adds(b, "th|"); }
        jb_adds(b, "hundredth|and|[\\-, ])+");
        break;
    }
    case P_DECIMAL:
        if (f->mandatory >= 2) {
            char q[48];
            if (f->optional == 0) snprintf(q, sizeof q, "[0-9]{%d}", f->mandatory);
            else snprintf(q, sizeof q, "[0-9]{%d,%d}", f->mandatory, f->mandatory + f->optional);
            jb_adds(b, q);
        } else {
            jb_adds(b, "[0-9]+");
        }
        if (f->ordinal) jb_adds(b, "(?:th|st|nd|rd)");
        break;
    }
}

static double parse_tz(const dpart *d, const char *s, size_t n)
{
    if (d->comp == 'z' && n >= 3) {
        s += 3;
        n -= 3;
    }
    char buf[32];
    size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, s, k);
    buf[k] = 0;
    uint32_t sepch = d->ifm.regular ? d->ifm.reg_char : 0;
    double oh = 0, om = 0;
    char *sep = sepch && sepch < 128 ? strchr(buf, (int)sepch) : NULL;
    if (sep) {
        oh = strtol(buf, NULL, 10);
        om = strtol(sep + 1, NULL, 10);
    } else if (k - 1 <= 2) {
        oh = strtol(buf, NULL, 10);
    } else {
        char hh[4] = {buf[0], buf[1], buf[2], 0};
        oh = strtol(hh, NULL, 10);
        om = strtol(buf + 3, NULL, 10);
    }
    return oh * 60 + om;
}

static double lookup_name(const dpart *d, const char *s, size_t n, bool *ok)
{
    *ok = true;
    if (d->comp == 'M' || d->comp == 'x') {
        for (int i = 0; i < 12; i++) {
            size_t l = strlen(month_names[i]);
            if (d->has_max && (size_t)d->wmax < l) l = (size_t)d->wmax;
            if (l == n && !strncasecmp(month_names[i], s, n)) return i + 1;
        }
    } else if (d->comp == 'F') {
        for (int i = 1; i < 8; i++) {
            size_t l = strlen(day_names[i]);
            if (d->has_max && (size_t)d->wmax < l) l = (size_t)d->wmax;
            if (l == n && !strncasecmp(day_names[i], s, n)) return i;
        }
    } else if (d->comp == 'P') {
        if (n == 2 && !strncasecmp(s, "am", 2)) return 0;
        if (n == 2 && !strncasecmp(s, "pm", 2)) return 1;
    }
    *ok = false;
    return NAN;
}

static const char COMPS[] = "YXMxWwdDFPHhmsfZz";

static int comp_index(char comp)
{
    const char *p = strchr(COMPS, comp);
    return p ? (int)(p - COMPS) : -1;
}

static bool fill_defaults(jctx *c, double *v, bool *has, const char *order, size_t pos)
{
    bool start = false, end = false;
    dt now = breakdown((double)jnow_ms(c));
    for (const char *p = order; *p; p++) {
        int k = comp_index(*p);
        if (!has[k]) {
            if (start) {
                v[k] = strchr("MDd", *p) ? 1 : 0;
                end = true;
            } else {
                v[k] = component(&now, *p);
            }
            has[k] = true;
        } else {
            start = true;
            if (end) jerr(c, "D3136", pos, "The date/time picture string is missing specifiers required to parse the timestamp");
        }
    }
    return true;
}

static bool is_type(unsigned mask, unsigned type) { return !(~type & mask) && (type & mask); }

static jv *parse_datetime(jctx *c, const char *s, size_t n, const char *pic, size_t picn, size_t pos)
{
    dpic p = analyse_datetime(c, pic, picn, pos);
    jbuf re;
    jb_init(&re, c);
    jb_addc(&re, '^');
    for (size_t i = 0; i < p.n; i++) {
        dpart *d = &p.parts[i];
        jb_addc(&re, '(');
        if (d->literal) {
            regex_escape(&re, d->lit, d->litlen);
        } else if (d->comp == 'Z' || d->comp == 'z') {
            if (d->comp == 'z') jb_adds(&re, "GMT");
            jb_adds(&re, "[-+][0-9]+");
            if (d->ifm.regular) {
                jb_cp(&re, d->ifm.reg_char);
                jb_adds(&re, "[0-9]+");
            }
        } else if (d->has_ifm) {
            int_regex(&re, &d->ifm);
        } else {
            if (!strchr("MxFP", d->comp))
                jerr(c, "D3133", pos, "The 'name' modifier can only be applied to months and days in the date/time picture string, not %c", d->comp);
            jb_adds(&re, "[a-zA-Z]+");
        }
        jb_addc(&re, ')');
    }
    jb_addc(&re, '$');
    void *rx = jregex_compile(c, re.s, re.len, "i", pos, c->arena);
    size_t ov[2 * 64];
    int np;
    if (!jregex_exec(c, rx, s, n, 0, ov, 64, &np)) return NULL;
    double v[17];
    bool has[17] = {0};
    bool any = false;
    for (size_t i = 0; i < p.n && (int)i + 1 < np; i++) {
        dpart *d = &p.parts[i];
        if (d->literal) continue;
        const char *g = s + ov[2 * (i + 1)];
        size_t gl = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
        int k = comp_index(d->comp);
        if (k < 0) continue;
        if (d->comp == 'Z' || d->comp == 'z') v[k] = parse_tz(d, g, gl);
        else if (d->comp == 'f' && d->has_ifm && d->ifm.primary == P_DECIMAL) {
            /* fractional seconds: the digits are a fraction of a second */
            char fb[40] = "0.";
            size_t fl = gl < 30 ? gl : 30;
            memcpy(fb + 2, g, fl);
            fb[2 + fl] = 0;
            v[k] = floor(strtod(fb, NULL) * 1000 + 1e-9);
        } else if (d->has_ifm) {
            ifmt f = d->ifm;
            v[k] = parse_int_with(c, g, gl, &f, pos);
        } else {
            bool ok;
            v[k] = lookup_name(d, g, gl, &ok);
            if (!ok) continue;
        }
        has[k] = true;
        any = true;
    }
    if (!any) return NULL;
    unsigned mask = 0;
    for (const char *q = "YXMxWwdD"; *q; q++) mask = (mask << 1) | has[comp_index(*q)];
    bool dateA = is_type(mask, 161), dateB = !dateA && is_type(mask, 130);
    bool dateC = is_type(mask, 84), dateD = !dateC && is_type(mask, 72);
    mask = 0;
    for (const char *q = "PHhmsf"; *q; q++) mask = (mask << 1) | has[comp_index(*q)];
    bool timeA = is_type(mask, 23), timeB = !timeA && is_type(mask, 47);
    char order[16];
    snprintf(order, sizeof order, "%s%s", dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD", timeB ? "Phmsf" : "Hmsf");
    fill_defaults(c, v, has, order, pos);
#define V(ch) v[comp_index(ch)]
    double M = V('M') > 0 ? V('M') - 1 : 0;
    double D = V('D');
    if (dateB) {
        dt dd = breakdown(utc_ms(V('Y'), 0, 1, 0, 0, 0, 0) + (V('d') - 1) * DAY);
        M = dd.month - 1;
        D = dd.day;
    }
    if (dateC || dateD) jerr(c, "D3136", pos, "The date/time picture string is missing specifiers required to parse the timestamp");
    double H = V('H');
    if (timeB) {
        H = V('h') == 12 ? 0 : V('h');
        if (V('P') == 1) H += 12;
    }
    double ms = utc_ms(V('Y'), M, D, H, V('m'), V('s'), V('f'));
    double tz = has[comp_index('Z')] ? V('Z') : has[comp_index('z')] ? V('z') : 0;
    ms -= tz * 60000;
#undef V
    if (isnan(ms)) return NULL;
    return jv_num(c, ms);
}

F(jf_to_millis)
{
    jv *s = A(0), *pic = A(1);
    if (!s) return NULL;
    if (!pic) {
        if (!iso8601_like(s->u.str.s, s->u.str.len))
            jerr(c, "D3110", pos, "The timestamp %.*s cannot be parsed", (int)s->u.str.len, s->u.str.s);
        return jv_num(c, parse_iso(s->u.str.s, s->u.str.len));
    }
    return parse_datetime(c, s->u.str.s, s->u.str.len, pic->u.str.s, pic->u.str.len, pos);
}
