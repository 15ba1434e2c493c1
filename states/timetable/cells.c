/*
 * cells.c — what a cell says: subject, class code, room; and the title.
 *
 * A cell's words are read in rows (top to bottom, each left to right). The
 * first row starts the subject. Later rows that look like a class code
 * ("10A4", "7Z2") or a room ("Rm 22", "Lab 29", "M19", "L7") fill those
 * fields, also when OCR read its digits as letters ("Ell" for E11); any
 * other row continues the subject (a wrapped "Business / Studies"). A
 * cell holding a word spelled one letter per line in pieces marks its
 * entry read in part (clipped). Cells whose words are all single letters are letter-spaced or
 * vertical text ("B R E A K") and are joined without spaces. OCR debris
 * (punctuation alone, doubtful scraps beside well-read words) is left out.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tt.h"

static const tt_page *sort_page;
static int cmp_reading(const void *a, const void *b)
{
    const tt_word *p = &sort_page->words[*(const int *)a], *q = &sort_page->words[*(const int *)b];
    int h = (p->h < q->h ? p->h : q->h) / 2;
    int pc = p->y + p->h / 2, qc = q->y + q->h / 2;
    if (pc < qc - h)
        return -1;
    if (pc > qc + h)
        return 1;
    return (p->x > q->x) - (p->x < q->x);
}

void tt_sort_reading(const tt_page *page, int *idx, int n)
{
    sort_page = page;
    qsort(idx, (size_t)n, sizeof *idx, cmp_reading);
}

/* 10A4, 7Z2, 13X3, 9Y: digits, one to three letters, optional digits. */
static bool looks_like_class(const char *s)
{
    size_t i = 0, d = 0, l = 0, d2 = 0;
    while (isdigit((unsigned char)s[i])) i++, d++;
    while (isalpha((unsigned char)s[i])) i++, l++;
    while (isdigit((unsigned char)s[i])) i++, d2++;
    return s[i] == '\0' && d >= 1 && d <= 2 && l >= 1 && l <= 3 && d2 <= 2;
}

/* Rm 22, Room 4, Lab 29, M19, L7, S20, R34A. */
static bool looks_like_room(const char *s)
{
    static const char *const words[] = {"rm ", "rm. ", "room ", "lab ", "hall", "gym", "studio"};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strncasecmp(s, words[k], strlen(words[k])) == 0)
            return true;
    size_t i = 0, l = 0, d = 0;
    while (isupper((unsigned char)s[i])) i++, l++;
    while (isdigit((unsigned char)s[i])) i++, d++;
    if (isalpha((unsigned char)s[i]) && s[i + 1] == '\0') i++;
    return s[i] == '\0' && l >= 1 && l <= 2 && d >= 1 && d <= 3;
}

/* A room or class code OCR read with letters for digits ("Ell" for E11:
 * l, I and | for 1, O for 0 after the first character), in `out`. Only a
 * word OCR doubted (under 80) and only when the digits make it a code. */
static bool misread_code(const tt_page *page, const int *idx, int n, const char *row, char *out,
                         size_t size)
{
    size_t len = strlen(row), changed = 0;
    if (n != 1 || page->words[idx[0]].conf >= 80.0 || len < 2 || len > 5 || len >= size)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = row[i];
        out[i] = i > 0 && strchr("lI|", c) && c ? '1' : i > 0 && c == 'O' ? '0' : c;
        changed += out[i] != c;
    }
    return changed > 0 && (looks_like_room(out) || looks_like_class(out));
}

/* Short and holding a digit: a code of some kind, not words of a subject. */
static bool is_code(const char *s)
{
    return strlen(s) <= 8 && strpbrk(s, "0123456789") != NULL;
}

static void append(char *dst, size_t size, const char *src)
{
    size_t len = strlen(dst), sl = strlen(src);
    if (len && len + 1 < size)
        dst[len++] = ' ', dst[len] = '\0';
    if (len + sl >= size)
        sl = size - len - 1;
    memcpy(dst + len, src, sl);
    dst[len + sl] = '\0';
}

/* The entry's confidence is that of its subject words: a misread room
 * code costs the scorer nothing, a misread subject costs the entry. */
static void note_conf(const tt_page *page, const int *idx, int n, tt_entry *e)
{
    for (int k = 0; k < n; k++) {
        if (page->words[idx[k]].conf < e->word_conf)
            e->word_conf = page->words[idx[k]].conf;
        e->disputed |= page->words[idx[k]].disputed;
        e->clipped |= page->words[idx[k]].clipped;
    }
}

/* Letters or digits, counting non-ASCII letters ("é") but not the
 * punctuation block U+2000-U+206F (dashes, quotes: E2 80 xx, E2 81 xx). */
static bool has_alnum(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        if (s[0] == 0xe2 && (s[1] == 0x80 || s[1] == 0x81) && s[2]) {
            s += 3;
            continue;
        }
        if (isalnum(*s) || *s >= 0x80)
            return true;
        s++;
    }
    return false;
}

/* OCR debris beside real words: punctuation alone ("—", "}", ":"), or a
 * short word tesseract doubts ("eee", "sn,") next to one it reads well on
 * the same row. A doubtful word alone stays: it may be the subject. */
static bool is_debris(const tt_page *page, const int *idx, int n, int k)
{
    const tt_word *w = &page->words[idx[k]];
    if (!has_alnum(w->text) && !strpbrk(w->text, "&+/"))
        return n > 1;
    if (w->conf >= 50.0 || strlen(w->text) > 3)
        return false;
    for (int j = 0; j < n; j++) {
        const tt_word *o = &page->words[idx[j]];
        if (j != k && o->conf >= 80.0 && has_alnum(o->text) &&
            abs((o->y + o->h / 2) - (w->y + w->h / 2)) <= o->h / 2)
            return true;
    }
    return false;
}

/* "Rm", "Room", "Lab": a word naming a room, before its number. */
static bool room_word(const char *t)
{
    static const char *const words[] = {"rm", "rm.", "room", "lab"};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strcasecmp(t, words[k]) == 0)
            return true;
    return false;
}

/* Codes only: every word holds a digit ("M33", "13Y2", a misread "7¥1")
 * or names a room before one ("Rm 20"). Subjects are words. */
bool tt_codes_only(const tt_page *page, const int *words, int n)
{
    for (int k = 0; k < n; k++) {
        const char *t = page->words[words[k]].text;
        bool named = room_word(t) && k + 1 < n;
        if (!named && !strpbrk(t, "0123456789"))
            return false;
    }
    return n > 0;
}

/* A trailing phrase of codes one of which OCR read with letters for
 * digits ("El 8B3" for E1 8B3): every word a code, or one once l, I, |
 * are read as 1 and O as 0 after its first character, and one word with
 * a real digit there or in the codes after it (`digit`). Set off from the
 * subject by a wide gap, such a phrase is no part of it whatever OCR's
 * confidence. */
static bool misread_codes(const tt_page *page, const int *words, int n, bool digit)
{
    for (int k = 0; k < n; k++) {
        const char *t = page->words[words[k]].text;
        char fixed[16];
        size_t len = strlen(t);
        digit |= strpbrk(t, "0123456789") != NULL;
        if (strpbrk(t, "0123456789") || (room_word(t) && k + 1 < n))
            continue;
        if (len < 2 || len >= sizeof fixed)
            return false;
        for (size_t i = 0; i <= len; i++)
            fixed[i] = i > 0 && t[i] && strchr("lI|", t[i]) ? '1' : i > 0 && t[i] == 'O' ? '0' : t[i];
        if (strcmp(fixed, t) == 0 || !(looks_like_room(fixed) || looks_like_class(fixed)))
            return false;
    }
    return digit;
}

/* Rooms and classes printed at the end of a row, phrases of their own
 * after the subject's ("Spanish ........ Rm 20", "Geography    G28  13Y2"):
 * the number of words they take off the row's end (0 when there are
 * none). The row's first phrase is never taken. */
static int trailing_code(const tt_page *page, const int *row, int n)
{
    int first = n;
    while (first > 1) {
        int line = page->words[row[first - 1]].line, start = first - 1;
        while (start > 0 && page->words[row[start - 1]].line == line)
            start--;
        if (start == 0)
            break;
        char text[TT_TEXT];
        tt_words_text(page, row + start, first - start, text, sizeof text);
        if (!looks_like_room(text) && !looks_like_class(text) &&
            !tt_codes_only(page, row + start, first - start) &&
            !misread_codes(page, row + start, first - start, first < n))
            break;
        first = start;
    }
    return n - first;
}

/* Trailing codes into room and class: a class code ("13Y2") is the
 * class, "Rm 20" or any other code the room, the rest the class. */
static void fill_code(const tt_page *page, const int *words, int n, tt_entry *e)
{
    for (int k = 0; k < n; k++) {
        const char *t = page->words[words[k]].text;
        if (room_word(t) && k + 1 < n && !e->room[0]) {
            append(e->room, sizeof e->room, t);
            append(e->room, sizeof e->room, page->words[words[++k]].text);
        } else if (looks_like_class(t) && !e->klass[0]) {
            append(e->klass, sizeof e->klass, t);
        } else if (!e->room[0] && (looks_like_room(t) || !e->klass[0] || k + 1 < n)) {
            append(e->room, sizeof e->room, t);
        } else {
            append(e->klass, sizeof e->klass, t);
        }
    }
}

void tt_cell_fill(const tt_page *page, const int *idx_in, int n_in, tt_entry *e)
{
    int idx[256], n = 0;
    if (n_in > 256)
        n_in = 256;
    for (int k = 0; k < n_in; k++)
        if (!is_debris(page, idx_in, n_in, k))
            idx[n++] = idx_in[k];
    sort_page = page;
    qsort(idx, (size_t)n, sizeof *idx, cmp_reading);
    e->word_conf = 100.0;
    e->subject[0] = e->room[0] = e->klass[0] = e->notes[0] = '\0';
    int singles = 0, stacked = 0;
    for (int k = 0; k < n; k++) {
        singles += strlen(page->words[idx[k]].text) == 1;
        stacked += page->words[idx[k]].stacked;
    }
    /* A word spelled down a merged cell comes whole; in pieces, letters
     * were lost between them ("REG" "STRA" for REGISTRATION). */
    e->clipped = stacked >= 2;
    if (n >= 3 && singles == n) {
        tt_words_text(page, idx, n, e->subject, sizeof e->subject);
        note_conf(page, idx, n, e);
        return;
    }
    int subject_h = 0, subject_cw = 0; /* the subject's first row's size, char width */
    for (int k = 0; k < n;) {
        const tt_word *first = &page->words[idx[k]];
        int end = k + 1;
        while (end < n && abs(page->words[idx[end]].y + page->words[idx[end]].h / 2 -
                              (first->y + first->h / 2)) <= first->h / 2)
            end++;
        int tail = trailing_code(page, idx + k, end - k);
        end -= tail;
        char row[TT_TEXT];
        tt_words_text(page, idx + k, end - k, row, sizeof row);
        int row_h = 0, row_cw = 0;
        for (int q = k; q < end; q++) {
            const tt_word *w = &page->words[idx[q]];
            int len = (int)strlen(w->text);
            if (tt_type_size(page, w) > row_h)
                row_h = tt_type_size(page, w);
            if (len >= 3 && w->w * 10 / len > row_cw)
                row_cw = w->w * 10 / len;
        }
        /* Smaller print by both measures (an OCR box may be too tall, a
         * word of capitals too wide): a note. */
        bool smaller = subject_h > 0 && row_h * 100 < subject_h * 85 &&
                       (!subject_cw || !row_cw || row_cw * 100 < subject_cw * 85);
        char code[16];
        if (k > 0 && misread_code(page, idx + k, end - k, row, code, sizeof code))
            memcpy(row, code, strlen(code) + 1); /* "Ell": E11, read as a code below */
        if (k > 0 && !e->klass[0] && looks_like_class(row))
            append(e->klass, sizeof e->klass, row);
        else if (k > 0 && !e->room[0] && looks_like_room(row))
            append(e->room, sizeof e->room, row);
        else if (k > 0 && is_code(row))
            append(e->klass[0] ? e->room : e->klass, e->klass[0] ? sizeof e->room : sizeof e->klass,
                   row); /* a misread code ("724" for "7Z4") is still no subject */
        else if (subject_h > 0 && (e->notes[0] || smaller))
            append(e->notes, sizeof e->notes, row); /* smaller print: a note, and what follows */
        else if (!e->klass[0] && !e->room[0]) {
            append(e->subject, sizeof e->subject, row);
            note_conf(page, idx + k, end - k, e);
            if (!subject_h)
                subject_h = row_h, subject_cw = row_cw;
        }
        if (tail)
            fill_code(page, idx + end, tail, e);
        k = end + tail;
    }
    /* Punctuation alone ("-", a dash left beside a printed time) names
     * nothing: no subject, so no entry. */
    if (!has_alnum(e->subject))
        e->subject[0] = '\0';
}

const char *tt_kind_of(const char *subject)
{
    char low[TT_TEXT];
    size_t n = 0;
    for (const char *p = subject; *p && n + 1 < sizeof low; p++)
        low[n++] = (char)tolower((unsigned char)*p);
    low[n] = '\0';
    if (strstr(low, "lunch"))
        return "lunch";
    if (strstr(low, "break") || strstr(low, "playtime") || strstr(low, "recess"))
        return "break";
    if (strstr(low, "registration") || strstr(low, "tutor") || strstr(low, "form time") ||
        strstr(low, "assembly"))
        return "registration";
    return "lesson";
}

/* The title: the tallest phrase above the table, with the phrases beside it. */
void tt_set_title(tt_page *page, tt_result *res, int table_top)
{
    int best = -1;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        if (l->y1 > table_top || page->words[page->order[l->first]].used)
            continue;
        if (best < 0 || l->y1 - l->y0 > page->lines[best].y1 - page->lines[best].y0)
            best = li;
    }
    res->title[0] = '\0';
    if (best < 0)
        return;
    const tt_line *t = &page->lines[best];
    int idx[128], n = 0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        if (l->y1 > table_top || l->y0 >= t->y1 || t->y0 >= l->y1)
            continue;
        for (int k = 0; k < l->count && n < 128; k++)
            idx[n++] = page->order[l->first + k];
    }
    sort_page = page;
    qsort(idx, (size_t)n, sizeof *idx, cmp_reading);
    for (int k = 0; k < n; k++)
        page->words[idx[k]].used = page->words[idx[k]].title = true;
    tt_words_text(page, idx, n, res->title, sizeof res->title);
}
