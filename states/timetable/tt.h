/*
 * tt.h — internals of the timetable builder (plugin:timetable).
 *
 * The builder turns OCR words (WORDS FORMAT, see docs/timetable.md) into a
 * weekly timetable. It works in passes, one file each:
 *
 *   words.c      parse the input, group words into lines and phrases
 *   timeparse.c  times ("9.00", "1:15pm", "08:45 – 09:30", "9 to 10") and
 *                the 12-hour rule (1:15 after 12:30 is 13:15)
 *   days.c       day names (Monday, MON, Tue., Th, M Tu W Th F)
 *   rules.c      ruling lines from the page image (leptonica)
 *   headers.c    day and time headers
 *   grid.c       bands, cells, merged cells
 *   list.c       list layouts: a block of "time – subject" lines per day
 *   cells.c      a cell's words into subject, class code and room
 *   confidence.c the document confidence from evidence
 *   structure.c  whether an unread page still shows a timetable
 *   figure.c     the structure drawn over the page (YOGI_TIMETABLE_DRAW)
 *   plugin.c     the plugin entry, output JSON
 *
 * Coordinates are page pixels of the input image, y growing downwards.
 * Times are minutes after midnight; -1 means "unknown".
 */
#ifndef YOGI_TT_H
#define YOGI_TT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "yogi/plugin.h"

#define TT_MAX_WORDS 20000
#define TT_MAX_DAYS 7
#define TT_MAX_SLOTS 64
#define TT_MAX_ENTRIES 512
#define TT_TEXT 256

typedef struct tt_rules tt_rules;

/* One OCR word. */
typedef struct tt_word {
    char text[96];
    int x, y, w, h;
    double conf;     /* 0..100 */
    int line;        /* its phrase (tt_page.lines), -1 before grouping */
    bool used;       /* consumed by a header, a cell, the title */
    bool title;      /* part of the title */
    bool disputed;   /* read twice by OCR, the readings differing */
    bool clipped;    /* ink right beside it that no word holds: read in part */
    bool stacked;    /* letters spelled one per line, joined */
} tt_word;

/* Words on one text line, left to right (a phrase: no wide gap inside). */
typedef struct tt_line {
    int first, count; /* into tt_page.order */
    int x0, y0, x1, y1;
} tt_line;

typedef struct tt_page {
    tt_word *words;
    int nwords;
    int *order;       /* word indices grouped by line, left to right */
    tt_line *lines;
    int nlines;
    int width, height;
    int median_h;     /* median word height: the page's text size */
    char image[1024]; /* path of the page image, may be empty */
    tt_rules *rules;  /* ruling lines of the image, or NULL */
    bool pdf_text;    /* words from a PDF text layer (exact) */
    double deskew;    /* radians the words were turned by, 0 if not */
} tt_page;

/* A time or a range found in text. */
typedef struct tt_time_range {
    int start, end;       /* minutes; end -1 when only a start was written */
    bool start_ampm, end_ampm; /* am/pm was written */
    int chars_used;       /* characters of the input consumed */
} tt_time_range;

/* One entry of the output. */
typedef struct tt_entry {
    int day;              /* 0 = Monday */
    int start, end;       /* minutes */
    char subject[TT_TEXT];
    char room[64];
    char klass[64];
    char notes[TT_TEXT];  /* smaller text under the subject ("Anti Bullying") */
    double word_conf;     /* lowest OCR confidence of its subject words, 0..100 */
    bool guessed;         /* a time placed by proportion, not read */
    bool disputed;        /* a word of it (subject or printed time) read two ways */
    bool clipped;         /* a subject word read in part: unread ink beside it ("raphy"),
                           * or a stacked word in pieces ("REG" "STRA") */
    int y0, y1;           /* lists: where its rows are on the page */
} tt_entry;

/* Evidence collected while building, read by the confidence model
 * (confidence.c) and reported in the output's "evidence". */
typedef struct tt_evidence {
    int days_found;        /* distinct day headers */
    bool days_in_order;    /* the day headers increase */
    bool days_consecutive; /* no day missing between the first and last */
    int days_inferred;     /* days placed where OCR lost their name */
    int slots;             /* time slots (grid) or time lines (list) */
    int slots_unparsed;    /* slots whose end had to be guessed */
    bool times_increasing; /* starts increase, ends follow starts */
    bool ruled;            /* ruling lines agreed with the headers */
    double rule_agreement; /* share of header boundaries backed by a line */
    int wide_bands;        /* time bands over 1.8 times the median width */
    int text_across_rules; /* phrases crossing a separator seen in a ruled grid */
    int partial_breaks;       /* break columns with empty days, ruled grid */
    int page_words;        /* words on the page */
    int page_words_used;   /* of which headers, cells or title took */
    int stray_words;       /* unused words inside the table's box */
    int subjects_with_times; /* subjects holding a time: a header misread */
    int subjects_with_codes; /* subjects holding a room or class code: a cell not split */
    int cells_ambiguous;   /* merged-cell spans inferred without lines */
    int cells_crowded;     /* cells holding two phrases side by side */
    int empty_days;        /* days without any entry */
    int low_conf_entries;  /* entries with a subject word under 60 */
    double min_word_conf;  /* lowest subject word confidence */
    double mean_word_conf; /* mean of the entries' lowest */
    int warnings;          /* sense problems found (tt_check_entries) */
    bool pdf_text;         /* words from a PDF's text layer */
    bool list_like;        /* a grid with as many times in its body as its header */
    int guessed_times;     /* entries whose times were placed by proportion */
    int disputed_words;    /* words used whose two OCR readings differ */
    int clipped_words;     /* entries with a subject word read in part */
    int missed_cells;      /* grid cells empty where most days have an entry */
    int short_days;        /* days with far fewer entries than the others */
    int untiled_days;      /* list days with a gap most other days fill */
    bool grid;             /* built as a grid (missed_cells checks it instead) */
    bool unproven;         /* read by a reader the gate was not validated on */
    bool days_unread;      /* no day names: rows taken for days in order (a draft) */
    int odd_times;         /* entries far longer than the rest, or ending far after the other days */
    int breaks_missing;    /* break times some days have and another day leaves empty */
    int shared_gaps;       /* list gaps over ten minutes every day shares (a lost block) */
    bool unread;           /* no entry read, but the page shows a timetable: an empty draft */
} tt_evidence;

typedef struct tt_result {
    const char *layout;   /* "days_rows", "days_cols", "days_rows_starts", "list" */
    char title[TT_TEXT];
    tt_entry entries[TT_MAX_ENTRIES];
    int nentries;
    json_t *warnings;     /* array of strings, owned */
    tt_evidence ev;
    double confidence;
} tt_result;

/* words.c */
int tt_page_load(tt_page *page, const json_t *words_json, yogi_error *err);
void tt_page_free(tt_page *page);
void tt_line_text(const tt_page *page, const tt_line *line, char *buf, size_t size);
void tt_words_text(const tt_page *page, const int *idx, int n, char *buf, size_t size);
int tt_type_size(const tt_page *page, const tt_word *w);

/* timeparse.c */
bool tt_parse_time_range(const char *s, tt_time_range *out);
int tt_find_time_range(const char *s, tt_time_range *out);
void tt_resolve_12h(int *starts, int *ends, const bool *ampm_start, const bool *ampm_end, int n);
void tt_format_time(int minutes, char out[6]);

/* days.c */
int tt_day_of(const char *text);
int tt_day_letter(const char *text);
unsigned tt_day_group(const char *text);
const char *tt_day_name(int day);

/* rules.c */
/* Rules of the page image turned by angle (radians, clockwise) about its
 * centre, as the words were; NULL without an image or on failure. */
tt_rules *tt_rules_detect(const char *image, int page_w, int page_h, int text_h, double angle);
/* Share of the vertical segment (x, y0..y1) backed by a vertical rule, best
 * over x in [xa, xb]; *at (may be NULL) gets that x. 0 without rules. */
double tt_rules_vsep(const tt_rules *r, int xa, int xb, int y0, int y1, int *at);
/* The same for a horizontal segment (x0..x1, y), best over y in [ya, yb]. */
double tt_rules_hsep(const tt_rules *r, int ya, int yb, int x0, int x1, int *at);
/* Share of the box (word coordinates) that is dark but no rule: text or a
 * picture. 0 without an image. */
double tt_rules_ink(const tt_rules *r, int x0, int y0, int x1, int y1);
void tt_rules_free(tt_rules *r);

/* runs.c */
/* bin (1 bpp) opened with a line len long, across (false) or down (true):
 * the runs of ink at least len long; pixOpenBrick's result, found faster. */
struct Pix;
struct Pix *tt_open_runs(struct Pix *bin, int len, bool vertical);

/* A box seen along the time axis (t) and the day axis (d): for days as
 * rows, t is x and d is y; for days as columns, the other way round. */
typedef struct tt_box {
    int t0, t1, d0, d1;
} tt_box;

/* A day header: the day and where it is printed. */
typedef struct tt_day_hdr {
    int day;
    int line;         /* its phrase */
    tt_box box;
    int lo, hi;       /* its band along the day axis */
} tt_day_hdr;

/* A time header: one column (or row) of the grid. */
typedef struct tt_slot {
    int start, end;   /* minutes; end -1 when only a start is printed */
    bool ampm_start, ampm_end;
    int line;
    int line2;        /* the second line of a wrapped range, or -1 */
    tt_box box;
    int lo, hi;       /* its band along the time axis */
} tt_slot;

typedef struct tt_grid {
    bool days_as_rows;
    tt_day_hdr days[TT_MAX_DAYS];
    int ndays;
    tt_slot slots[TT_MAX_SLOTS];
    int nslots;
    const tt_rules *rules; /* the page's, may be NULL */
} tt_grid;

tt_box tt_box_of(bool days_as_rows, int x, int y, int w, int h);
int tt_find_days(tt_page *page, tt_day_hdr *days, bool *as_rows);
int tt_find_time_header(tt_page *page, tt_grid *g);
/* Coverage of a separator between time bands (tt_rules_vsep or _hsep). */
double tt_time_sep(const tt_grid *g, int pa, int pb, int s0, int s1, int *at);
bool tt_line_is_time(const tt_page *page, int line, tt_time_range *tr);

/* grid.c / list.c: 0 when a timetable was found, -1 otherwise */
int tt_build_grid(tt_page *page, tt_result *res);
int tt_build_list(tt_page *page, tt_result *res);
/* timedcells.c: a grid whose cells print their own times, no time header */
int tt_build_timed_cells(tt_page *page, tt_result *res);
/* structure.c: whether a page no reading gave an entry still shows a
 * timetable (aligned times, day labels, a ruled grid); why says which. */
bool tt_page_structure(const tt_page *page, char *why, size_t size);

/* spans.c: the times a cell really covers */
#define TT_PIECE_WORDS 64
/* A cell of the grid as printed: days dmin..dmax, between t0 and t1
 * along the time axis (its rules, which need not be header edges). */
typedef struct tt_piece {
    int dmin, dmax, t0, t1;
    int idx[TT_PIECE_WORDS], n;
    int printed_start, printed_end; /* a time printed inside, -1 if none */
    int start, end;                 /* resolved, minutes */
    bool guessed;                   /* a time placed by proportion, not read */
    bool disputed;                  /* a word of it read two ways by OCR */
} tt_piece;
typedef struct tt_pieces {
    tt_piece *p;
    int n, max;
} tt_pieces;
/* The end of time header j: its own, the next one's start, or (the last
 * header giving only a start) the median length of the others. */
int tt_slot_end(const tt_grid *g, int j);
/* A time printed inside a cell's words idx[0..n): 0 with *start (and *end,
 * -1 when only a start is printed) resolved to the 12-hour reading nearest
 * `near`, its words taken out of idx (n shrinks, idx is put in reading
 * order); -1 when there is none. */
int tt_cell_time(const tt_page *page, int *idx, int *n, int near, int *start, int *end);
/* Rules across the time axis strictly inside t0..t1 between d0 and d1:
 * positions, increasing. */
int tt_span_cuts(const tt_page *page, const tt_grid *g, int t0, int t1, int d0, int d1,
                 int *cuts, int max);
/* Every piece's start and end: printed, a neighbour's printed time at a
 * shared edge, a header edge near its edge, or proportion (guessed). */
void tt_piece_times(const tt_page *page, const tt_grid *g, const int *tb, int ns, tt_pieces *ps);

/* cells.c */
/* Word indices in reading order: rows top to bottom, each left to right. */
void tt_sort_reading(const tt_page *page, int *idx, int n);
void tt_cell_fill(const tt_page *page, const int *idx, int n, tt_entry *e);
/* Every word a code (holds a digit, or "Rm"/"Room"/"Lab" before one). */
bool tt_codes_only(const tt_page *page, const int *words, int n);
const char *tt_kind_of(const char *subject);
void tt_set_title(tt_page *page, tt_result *res, int table_top);

/* figure.c: drawing for YOGI_TIMETABLE_DRAW; NULL figures draw nothing */
typedef struct tt_figure tt_figure;
tt_figure *tt_figure_open(const tt_page *page);
void tt_figure_line(tt_figure *f, int x0, int y0, int x1, int y1, unsigned rgb, int width);
void tt_figure_box(tt_figure *f, int x0, int y0, int x1, int y1, unsigned rgb, int width);
void tt_figure_close(tt_figure *f);

/* confidence.c */
void tt_check_entries(tt_result *res);
double tt_confidence(const tt_evidence *ev, int nentries);

#endif
