#!/usr/bin/python3
"""Seeded generator of weekly timetables with their truth (the variation suite).

    gen.py OUTDIR SEED [SEED ...]        one document per seed
    gen.py OUTDIR --range A B            seeds A..B-1
    gen.py OUTDIR --heldout N            the first N held-out seeds
    gen.py OUTDIR --dev N                the first N development seeds

Each seed gives NAME.{png,jpg,pdf} and NAME.truth.json (the format of
../shared/datasets/timetables-dev: "file", "layout", "degradation",
"entries" [{day, start, end, subject[, room, class]}], plus "axes", the
value drawn on every axis, for the per-axis report). The same seed gives the
same document on the same fonts and Pillow: everything random comes from one
random.Random(seed), and the choice of a font is by name from a fixed list.

Design: a document is drawn first as a *scene* — rectangles, lines and text
runs in PDF points on a page — by one of the layout functions; a scene is
then either rasterised with Pillow (then degraded: low resolution, scan,
phone photo, JPEG) or written as a PDF with a real text layer (embedded
TrueType/OpenType fonts, see pdf_scene). Truth is produced from the same
timetable model the scene is drawn from, never from the picture.

Needs Debian's /usr/bin/python3 with python3-pil and python3-numpy and the
fonts-* packages of scripts/install-deps.sh. Axes and seed ranges: README.md.
"""
import json, os, random, sys, time, zlib

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps
import numpy as np

DEV_SEEDS = (1, 100000)           # develop, look, tune here
HELDOUT_SEEDS = (900000, 1000000)  # the bench and tests; never looked at

FIXED_DATE = time.gmtime(1756684800)  # a PDF's dates; not the clock (determinism)
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

# family class -> [(name, regular file, bold file)]
FONT_DIRS = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype"]
FONTS = {
    "sans": [("DejaVu Sans", "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
             ("Liberation Sans", "liberation2/LiberationSans-Regular.ttf", "liberation2/LiberationSans-Bold.ttf"),
             ("FreeSans", "freefont/FreeSans.ttf", "freefont/FreeSansBold.ttf"),
             ("Roboto", "roboto/unhinted/RobotoTTF/Roboto-Regular.ttf", "roboto/unhinted/RobotoTTF/Roboto-Bold.ttf"),
             ("Open Sans", "open-sans/OpenSans-Regular.ttf", "open-sans/OpenSans-Bold.ttf"),
             ("Carlito", "crosextra/Carlito-Regular.ttf", "crosextra/Carlito-Bold.ttf"),
             ("Nimbus Sans", "urw-base35/NimbusSans-Regular.otf", "urw-base35/NimbusSans-Bold.otf")],
    "serif": [("Liberation Serif", "liberation2/LiberationSerif-Regular.ttf", "liberation2/LiberationSerif-Bold.ttf"),
              ("DejaVu Serif", "dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
              ("FreeSerif", "freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf"),
              ("Nimbus Roman", "urw-base35/NimbusRoman-Regular.otf", "urw-base35/NimbusRoman-Bold.otf"),
              ("C059", "urw-base35/C059-Roman.otf", "urw-base35/C059-Bold.otf"),
              ("P052", "urw-base35/P052-Roman.otf", "urw-base35/P052-Bold.otf"),
              ("EB Garamond", "ebgaramond/EBGaramond12-Regular.otf", "ebgaramond/EBGaramond12-Bold.otf")],
    "condensed": [("Roboto Condensed", "roboto/unhinted/RobotoCondensed-Regular.ttf", "roboto/unhinted/RobotoCondensed-Bold.ttf"),
                  ("DejaVu Sans Condensed", "dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
                  ("Nimbus Sans Narrow", "urw-base35/NimbusSansNarrow-Regular.otf", "urw-base35/NimbusSansNarrow-Bold.otf"),
                  ("Open Sans Condensed", "open-sans/OpenSans-CondLight.ttf", "open-sans/OpenSans-CondBold.ttf")],
    "rounded": [("Cantarell", "cantarell/Cantarell-Regular.otf", "cantarell/Cantarell-Bold.otf"),
                ("URW Gothic", "urw-base35/URWGothic-Book.otf", "urw-base35/URWGothic-Demi.otf")],
    "handwriting": [("Comic Neue", "comic-neue/ComicNeue-Regular.otf", "comic-neue/ComicNeue-Bold.otf"),
                    ("Z003", "urw-base35/Z003-MediumItalic.otf", "urw-base35/Z003-MediumItalic.otf")],
}


def font_file(rel):
    """The installed path of a font given relative to a font directory;
    falls back to a search by file name (layouts differ between releases)."""
    for d in FONT_DIRS:
        p = os.path.join(d, rel)
        if os.path.exists(p):
            return p
    base = os.path.basename(rel)
    for d in FONT_DIRS:
        for root, _, files in os.walk(d):
            if base in files:
                return os.path.join(root, base)
    return None


class Fonts:
    """Pillow fonts by (file, pixel size), cached."""
    def __init__(self):
        self.cache = {}

    def get(self, path, size):
        k = (path, int(round(size)))
        if k not in self.cache:
            self.cache[k] = ImageFont.truetype(path, max(4, k[1]))
        return self.cache[k]

    def length(self, path, size, text):
        return self.get(path, 1000).getlength(text) * size / 1000.0

    def metrics(self, path, size):
        a, d = self.get(path, 1000).getmetrics()
        return a * size / 1000.0, d * size / 1000.0


FONTCACHE = Fonts()

# ---------------------------------------------------------------- the model

PRIMARY = ["Maths", "English", "Phonics", "Reading", "Science", "History", "Geography",
           "Art", "Music", "PE", "RE", "Computing", "French", "Spelling", "Guided Reading",
           "Handwriting", "Topic", "Forest School", "Design Technology", "PSHE", "Story Time",
           "Writing", "Swimming"]
SECONDARY = ["Maths", "English", "Biology", "Chemistry", "Physics", "History", "Geography",
             "French", "Spanish", "German", "Computing", "Drama", "Music", "PE", "RE", "Art",
             "Psychology", "Business Studies", "Food Technology", "Sociology", "Latin"]
BREAKS = {"registration": ["Registration", "Register", "Form Time", "Tutor Time"],
          "break": ["Break", "Playtime", "Morning Break", "Recess"],
          "lunch": ["Lunch", "Lunchtime", "Lunch Break"],
          "assembly": ["Assembly"]}


def hm(m):
    return "%02d:%02d" % (m // 60, m % 60)


def make_slots(r, kind):
    """The day's blocks: [(start_min, end_min, kind)] tiling the day."""
    t = r.choice([8 * 60 + 30, 8 * 60 + 40, 8 * 60 + 45, 8 * 60 + 50, 9 * 60])
    slots = []
    if r.random() < 0.6:
        d = r.choice([10, 15, 20])
        slots.append((t, t + d, "registration")); t += d
    if kind == "primary":
        plan = ["L", "L", "break", "L", "L", "lunch", "L", "L"]
        if r.random() < 0.4:
            plan.append("L")
        lens = [40, 45, 50, 55, 60, 30]
    else:
        plan = ["L", "L", "break", "L", "L", "lunch", "L", "L"]
        if r.random() < 0.5:
            plan.insert(2, "L")
        lens = [45, 50, 55, 60]
    for p in plan:
        if p == "L":
            d = r.choice(lens)
            slots.append((t, t + d, "lesson"))
        else:
            d = r.choice([15, 20]) if p == "break" else r.choice([40, 45, 50, 60])
            slots.append((t, t + d, p))
        t += d
        if r.random() < 0.15:
            t += 5 * r.randint(1, 2)  # a changeover gap between blocks (rare)
            slots[-1] = (slots[-1][0], t, slots[-1][2])
    return slots


def make_week(r, kind, slots, with_room, with_class, doubles):
    """cells[day][slot] = {"subject", "room", "class", "span"} or None (empty);
    span > 1 starts a double lesson, span 0 marks its continuation."""
    pool = PRIMARY if kind == "primary" else SECONDARY
    labels = {k: r.choice(v) for k, v in BREAKS.items()}
    week = []
    for d in range(5):
        row = []
        for i, (s, e, k) in enumerate(slots):
            if k != "lesson":
                row.append({"subject": labels[k], "span": 1, "fixed": k})
                continue
            if kind == "secondary" and r.random() < 0.06:
                row.append(None)
                continue
            c = {"subject": r.choice(pool), "span": 1}
            if with_room:
                c["room"] = r.choice(["S", "L", "M", "H", "E", "G"]) + str(r.randint(1, 40)) \
                    if r.random() < 0.5 else "Rm " + str(r.randint(1, 30))
            if with_class:
                c["class"] = "%d%s%s" % (r.randint(7, 13), r.choice("ABCDXY"), r.choice(["", "1", "2", "3"]))
            row.append(c)
        week.append(row)
    if doubles:
        for d in range(5):
            row = week[d]
            for i in range(len(row) - 1):
                a, b = row[i], row[i + 1]
                if a and b and "fixed" not in a and "fixed" not in b and a["span"] == 1 \
                        and b["span"] == 1 and r.random() < 0.25:
                    a["span"] = 2
                    b.clear(); b.update({"span": 0})
    return week, labels


def truth_entries(slots, week, day_names=DAYS):
    out = []
    for d, row in enumerate(week):
        for i, c in enumerate(row):
            if not c or c.get("span", 1) == 0:
                continue
            end = slots[i + c["span"] - 1][1]
            e = {"day": day_names[d], "start": hm(slots[i][0]), "end": hm(end),
                 "subject": c["subject"]}
            for f in ("room", "class"):
                if c.get(f):
                    e[f] = c[f]
            out.append(e)
    return out

# ---------------------------------------------------------------- notations

def day_label(style, d):
    full = DAYS[d]
    return {"full": full, "short": full[:3], "upper": full.upper(), "upper3": full[:3].upper(),
            "lower": full.lower(), "dotted": full[:3] + ".",
            "letters": ["M", "Tu", "W", "Th", "F"][d],
            "vertical": full[:3].upper()}[style]


def time_text(style, m, is_end=False):
    h, mi = divmod(m, 60)
    if style == "24":
        return "%02d:%02d" % (h, mi)
    if style == "24nopad":
        return "%d:%02d" % (h, mi)
    if style == "dot":
        return "%d.%02d" % (h, mi)
    if style == "ampm":
        return "%d:%02d%s" % ((h - 1) % 12 + 1, mi, "am" if h < 12 else "pm")
    if style == "ampm_space":
        return "%d:%02d %s" % ((h - 1) % 12 + 1, mi, "AM" if h < 12 else "PM")
    if style == "12":
        return "%d:%02d" % ((h - 1) % 12 + 1, mi)
    raise ValueError(style)


def range_text(style, s, e, dash):
    return time_text(style, s) + dash + time_text(style, e, True)

# ---------------------------------------------------------------- scenes

class Scene:
    """Drawing operations in points (1/72 in), origin top left."""
    def __init__(self, w, h, bg=(255, 255, 255)):
        self.w, self.h, self.bg, self.ops = w, h, bg, []

    def rect(self, x0, y0, x1, y1, fill=None, stroke=None, lw=1.0):
        self.ops.append(("rect", x0, y0, x1, y1, fill, stroke, lw))

    def line(self, x0, y0, x1, y1, color=(0, 0, 0), lw=1.0):
        self.ops.append(("line", x0, y0, x1, y1, color, lw))

    def text(self, x, y, s, font, size, color=(0, 0, 0), anchor="m", angle=0):
        """A run centred (anchor m), left-aligned (l) or right-aligned (r)
        on the point x, its middle (between ascender and descender) at y;
        angle 90 turns it to read bottom to top around that point."""
        self.ops.append(("text", x, y, s, font, size, color, anchor, angle))


def text_w(font, size, s):
    return FONTCACHE.length(font, size, s)


def fit_size(font, size, s, width):
    """The largest size <= size at which s fits width."""
    w = text_w(font, size, s)
    return size if w <= width else max(size * width / w, 4.0)


class Style:
    """Everything drawn alike across a document."""
    def __init__(self, r, axes):
        fam = axes["font"]
        name, reg, bold = r.choice(FONTS[fam])
        self.font_name = name
        self.reg, self.bold = font_file(reg), font_file(bold)
        if not self.reg:
            raise SystemExit("gen.py: font %s is not installed (scripts/install-deps.sh)" % reg)
        self.bold = self.bold or self.reg
        self.size = {"small": 8.0, "medium": 10.0, "large": 12.5}[axes["size"]]
        col = axes["colour"]
        self.palette = None
        self.head_fill, self.head_text = None, (0, 0, 0)
        if col in ("fills", "dark_header"):
            self.palette = r.choice([
                [(255, 228, 225), (224, 240, 255), (230, 250, 230), (255, 250, 210), (240, 230, 255)],
                [(250, 210, 160), (190, 225, 245), (205, 240, 190), (245, 200, 220), (255, 245, 170)],
                [(235, 235, 235), (215, 230, 245), (250, 235, 215)]])
        if col == "dark_header":
            self.head_fill, self.head_text = r.choice([(40, 40, 40), (30, 60, 120), (120, 20, 40)]), (255, 255, 255)
        elif col == "fills":
            self.head_fill = r.choice([(220, 220, 220), (200, 220, 240), None])
        self.text_col = (0, 0, 0) if col != "coloured_text" else r.choice([(20, 40, 140), (120, 30, 30), (20, 90, 40)])
        self.line_col = (0, 0, 0) if r.random() < 0.7 else (110, 110, 110)
        self.lw = r.choice([0.5, 0.8, 1.2])
        self.subject_fill = {}

    def fill_for(self, subject, r):
        if not self.palette:
            return None
        if subject not in self.subject_fill:
            self.subject_fill[subject] = r.choice(self.palette)
        return self.subject_fill[subject]


def cell_text(sc, st, x0, y0, x1, y1, lines, bold=False, color=None, label_mode="plain"):
    """Lines centred in a box; the first is the subject, the rest (room,
    class, a time) smaller. label_mode draws a merged label differently:
    letterspaced (B R E A K), rotated (reads bottom to top), stacked (one
    letter per line)."""
    color = color or st.text_col
    font = st.bold if bold else st.reg
    w, h = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if label_mode != "plain" and lines:
        word = lines[0]
        if label_mode == "letterspaced":
            s = " ".join(word.upper())
            sc.text(cx, cy, s, font, fit_size(font, st.size * 1.1, s, w - 6), color)
            return
        if label_mode == "rotated":
            size = fit_size(font, st.size * 1.1, word, h - 8)
            if size * 1.3 < w:
                sc.text(cx, cy, word, font, size, color, angle=90)
                return
        if label_mode == "stacked":
            letters = [ch for ch in word.upper() if ch != " "]
            step = min((h - 6) / len(letters), st.size * 1.6)
            size = min(st.size * 1.1, step * 0.8)
            top = cy - step * (len(letters) - 1) / 2
            for k, ch in enumerate(letters):
                sc.text(cx, top + k * step, ch, font, size, color)
            return
    sizes = [st.size] + [st.size * 0.8] * (len(lines) - 1)
    sizes = [fit_size(font if i == 0 else st.reg, s, t, w - 6) for i, (s, t) in enumerate(zip(sizes, lines))]
    lh = [s * 1.25 for s in sizes]
    y = cy - sum(lh) / 2
    for i, (t, s) in enumerate(zip(lines, sizes)):
        sc.text(cx, y + lh[i] / 2, t, font if i == 0 else st.reg, s, color)
        y += lh[i]


def cell_lines(c, axes, slot_text=None):
    ls = [c["subject"]]
    extra = [c.get("room"), c.get("class")]
    extra = [e for e in extra if e]
    if extra:
        ls.append("  ".join(extra) if len(extra) == 2 and len(" ".join(extra)) < 12 else extra[0])
        if len(extra) == 2 and len(ls[-1]) < len("  ".join(extra)):
            ls.append(extra[1])
    if slot_text:
        ls.append(slot_text)
    return ls

# ---------------------------------------------------------------- layouts

def grid_layout(sc, r, st, axes, slots, week, box, days_rows, ruled):
    """The school grid: days down the side (days_rows) or across the top.
    Fixed blocks (break, lunch, registration) are merged across all days
    when axes["merged"] says so; double lessons span two slots."""
    x0, y0, x1, y1 = box
    n = len(slots)
    tstyle = axes["time"]
    periods = axes["layout"] == "periods"
    in_cell = tstyle == "in_cell"
    notation = axes["time_notation"]
    dash = r.choice(["-", " - ", "\u2013", " \u2013 ", " to "]) if axes["format"] != "pdf_text" else r.choice(["-", " - "])
    head_rows = 2 if periods else 1
    # label strings for the slot axis
    slot_heads = []
    lesson_no = 0
    for i, (s, e, k) in enumerate(slots):
        if k == "lesson":
            lesson_no += 1
        if periods:
            slot_heads.append([("P%d" % lesson_no if r.random() < 0 else str(lesson_no)) if k == "lesson" else "",
                               range_text(notation, s, e, dash)])
        elif in_cell:
            slot_heads.append([str(lesson_no) if k == "lesson" else ""])
        elif tstyle == "starts":
            slot_heads.append([time_text(notation, s) if i < n - 1 else range_text(notation, s, e, dash)])
        else:
            slot_heads.append([range_text(notation, s, e, dash)])
    day_heads = [day_label(axes["days"], d) for d in range(5)]
    corner = r.choice(["", "Day", "Time", "Day/Time"]) if not periods else "Period"
    # geometry: axis A = slots, axis B = days
    if days_rows:
        head_w = max(text_w(st.bold, st.size, day_label(axes["days"], d)) for d in range(5)) + 16
        if axes["days"] == "vertical":
            head_w = st.size * 2.5
        head_w = max(head_w, 40)
        cols = [x0, x0 + head_w]
        # widths half proportional to duration, half equal: a 10-minute
        # registration column still holds its header
        wts = [(e - s) / sum(e2 - s2 for s2, e2, _ in slots) + 1.0 / n for s, e, k in slots]
        for wt in wts:
            cols.append(cols[-1] + (x1 - cols[1]) * wt / sum(wts))
        rh_head = st.size * (2.2 if not periods else 1.8)
        min_row = st.size * (2.6 + 1.0 * (("room" in axes["extras"]) + ("class" in axes["extras"]) + in_cell))
        if axes["days"] == "vertical":
            min_row = max(min_row, st.size * 4.8)
        rows = [y0]
        for _ in range(head_rows):
            rows.append(rows[-1] + rh_head)
        rh = max(min_row, min((y1 - rows[-1]) / 5, st.size * 5))
        for _ in range(5):
            rows.append(rows[-1] + rh)
    else:
        head_w = max(text_w(st.bold, st.size * 0.9, " ".join(h)) for h in slot_heads) + 14
        cols = [x0]
        for _ in range(head_rows):
            cols.append(cols[-1] + (head_w if not periods or _ else st.size * 4))
        cw = (x1 - cols[-1]) / 5
        for _ in range(5):
            cols.append(cols[-1] + cw)
        rows = [y0, y0 + st.size * 2.4]
        per_min = st.size * (2.5 + (("room" in axes["extras"]) + ("class" in axes["extras"]) + in_cell)) / 40
        per_min = max(per_min, st.size * 2.2 / min(e - s for s, e, k in slots))
        for s, e, k in slots:
            rows.append(rows[-1] + (e - s) * per_min)
    sc_h = rows[-1]
    if sc_h > sc.h - 20 or cols[-1] > sc.w - 10:
        return None  # does not fit: the caller picks a bigger page / smaller font

    def cell_box(d, i, span=1, head=False):
        if days_rows:
            return cols[i + 1], rows[head_rows + d], cols[i + 1 + span], rows[head_rows + d + 1]
        return cols[head_rows + d], rows[1 + i], cols[head_rows + d + 1], rows[1 + i + span]

    lines_ops = []
    # headers
    hf = st.head_fill
    if days_rows:
        if hf:
            sc.rect(x0, y0, x1, rows[head_rows], fill=hf)
            sc.rect(x0, y0, cols[1], rows[-1], fill=hf)
        for h in range(head_rows):
            for i in range(n):
                t = slot_heads[i][h]
                if t:
                    cell_text(sc, st, cols[i + 1], rows[h], cols[i + 2], rows[h + 1], [t], bold=True, color=st.head_text)
        cell_text(sc, st, cols[0], rows[0], cols[1], rows[head_rows], [corner] if corner else [], bold=True, color=st.head_text)
        for d in range(5):
            bx = (cols[0], rows[head_rows + d], cols[1], rows[head_rows + d + 1])
            if axes["days"] == "vertical":
                cell_text(sc, st, *bx, [day_heads[d]], bold=True, color=st.head_text, label_mode="stacked")
            else:
                cell_text(sc, st, *bx, [day_heads[d]], bold=True, color=st.head_text)
    else:
        if hf:
            sc.rect(x0, y0, x1, rows[1], fill=hf)
            sc.rect(x0, y0, cols[head_rows], rows[-1], fill=hf)
        for d in range(5):
            bx = (cols[head_rows + d], rows[0], cols[head_rows + d + 1], rows[1])
            if axes["days"] == "vertical":  # spelled letter by letter across is odd; stack in a taller header
                cell_text(sc, st, *bx, [day_heads[d]], bold=True, color=st.head_text)
            else:
                cell_text(sc, st, *bx, [day_heads[d]], bold=True, color=st.head_text)
        for i in range(n):
            for h in range(head_rows):
                t = slot_heads[i][h]
                if t:
                    cell_text(sc, st, cols[h], rows[1 + i], cols[h + 1], rows[2 + i], [t], bold=True, color=st.head_text)
        if corner:
            cell_text(sc, st, cols[0], rows[0], cols[head_rows], rows[1], [corner], bold=True, color=st.head_text)
    # body
    merged = axes["merged"]
    for i, (s, e, k) in enumerate(slots):
        if k != "lesson" and merged != "none":
            bx = (cols[i + 1], rows[head_rows], cols[i + 2], rows[-1]) if days_rows else \
                 (cols[head_rows], rows[1 + i], cols[-1], rows[2 + i])
            f = st.fill_for(week[0][i]["subject"], r)
            if f:
                sc.rect(*bx, fill=f)
            mode = {"letterspaced": "letterspaced", "vertical": "rotated" if days_rows else "letterspaced",
                    "stacked": "stacked" if days_rows else "letterspaced"}.get(merged, "plain")
            lines = [week[0][i]["subject"]]
            if in_cell:
                lines.append(range_text(notation, s, e, dash))
            cell_text(sc, st, *bx, lines, label_mode=mode)
            continue
        for d in range(5):
            c = week[d][i]
            if c is None or c.get("span", 1) == 0:
                continue
            bx = cell_box(d, i, c["span"])
            f = st.fill_for(c["subject"], r)
            if f:
                sc.rect(*bx, fill=f)
            slot_t = range_text(notation, s, slots[i + c["span"] - 1][1], dash) if in_cell else None
            cell_text(sc, st, *bx, cell_lines(c, axes, slot_t))
    if ruled:
        lw, lc = st.lw, st.line_col
        sc.rect(cols[0], rows[0], cols[-1], rows[-1], stroke=lc, lw=lw * 1.5)
        # lines between cells, skipping the inside of merged ones
        for d in range(5 + 1):
            for i in range(n):
                # the boundary before day d, along slot i
                if 0 < d < 5:
                    top = week[d][i]
                    if merged != "none" and slots[i][2] != "lesson":
                        continue
                    if top is not None and top.get("span", 1) == 0 and False:
                        continue
                if days_rows:
                    yy = rows[head_rows + d]
                    sc.line(cols[i + 1], yy, cols[i + 2], yy, lc, lw)
                else:
                    xx = cols[head_rows + d]
                    sc.line(xx, rows[1 + i], xx, rows[2 + i], lc, lw)
        for i in range(n + 1):
            for d in range(5):
                if 0 < i < n:
                    prev = week[d][i - 1] if i - 1 >= 0 else None
                    cur = week[d][i]
                    if cur is not None and cur.get("span", 1) == 0:
                        continue  # inside a double lesson
                    if merged != "none" and slots[i][2] != "lesson" and slots[i - 1][2] != "lesson":
                        pass
                if days_rows:
                    xx = cols[i + 1]
                    sc.line(xx, rows[head_rows + d], xx, rows[head_rows + d + 1], lc, lw)
                else:
                    yy = rows[1 + i]
                    sc.line(cols[head_rows + d], yy, cols[head_rows + d + 1], yy, lc, lw)
        # header lines
        if days_rows:
            for h in range(head_rows + 1):
                sc.line(cols[0], rows[h], cols[-1], rows[h], lc, lw)
            for i in range(n + 2):
                sc.line(cols[i], rows[0], cols[i], rows[head_rows], lc, lw)
            for d in range(6):
                sc.line(cols[0], rows[head_rows + d], cols[1], rows[head_rows + d], lc, lw)
            sc.line(cols[1], rows[0], cols[1], rows[-1], lc, lw)
        else:
            for h in range(head_rows + 1):
                sc.line(cols[h], rows[0], cols[h], rows[-1], lc, lw)
            for d in range(6):
                sc.line(cols[head_rows + d], rows[0], cols[head_rows + d], rows[1], lc, lw)
            for i in range(n + 2):
                sc.line(cols[0], rows[i], cols[head_rows], rows[i], lc, lw)
            sc.line(cols[0], rows[1], cols[-1], rows[1], lc, lw)
    elif axes["layout"] == "unruled" and st.palette is None and r.random() < 0.5:
        # zebra stripes help the eye in unruled tables
        pass
    return rows[-1]


def list_layout(sc, r, st, axes, slots, week, box):
    """Each day a heading, then one line per block: time range, subject,
    room/class. Days flow down one or two page columns."""
    x0, y0, x1, y1 = box
    notation = axes["time_notation"]
    dash = r.choice([" - ", "-", " \u2013 "]) if axes["format"] != "pdf_text" else " - "
    ncol = 2 if r.random() < 0.5 else 1
    colw = (x1 - x0 - 20 * (ncol - 1)) / ncol
    lh = st.size * 1.55
    per_day = [sum(1 for c in week[d] if c and c.get("span", 1)) for d in range(5)]
    need = sum(per_day) * lh + 5 * lh * 1.8
    if need / ncol > (y1 - y0):
        return None
    tw = max(text_w(st.reg, st.size, range_text(notation, s, e, dash)) for s, e, k in slots) + 14
    x, y = x0, y0
    col = 0
    limit = y0 + need / ncol + lh * 2
    for d in range(5):
        if y + (per_day[d] + 2) * lh > limit and col < ncol - 1:
            col += 1; x = x0 + col * (colw + 20); y = y0
        head = day_label(axes["days"], d) if axes["days"] != "vertical" else DAYS[d].upper()
        sc.text(x, y + lh * 0.6, head, st.bold, st.size * 1.2, st.text_col, anchor="l")
        y += lh * 1.4
        if st.head_fill is None or st.palette:
            sc.line(x, y - lh * 0.3, x + colw, y - lh * 0.3, st.line_col, 0.6)
        for i, (s, e, k) in enumerate(slots):
            c = week[d][i]
            if c is None or c.get("span", 1) == 0:
                continue
            end = slots[i + c["span"] - 1][1]
            f = st.fill_for(c["subject"], r)
            if f:
                sc.rect(x, y, x + colw, y + lh, fill=f)
            sc.text(x + 4, y + lh / 2, range_text(notation, s, end, dash), st.reg, st.size, st.text_col, anchor="l")
            rest = [t for t in (c.get("room"), c.get("class")) if t]
            subj = c["subject"]
            sc.text(x + tw, y + lh / 2, subj, st.reg, st.size, st.text_col, anchor="l")
            if rest:
                sc.text(x + colw - 4, y + lh / 2, "  ".join(rest), st.reg, st.size * 0.9, st.text_col, anchor="r")
            y += lh
        y += lh * 0.6
    return y


def groups_layout(sc, r, st, axes, slots, week, box):
    """Day-group columns: days that share a schedule are one column headed
    "Monday, Tuesday, Thursday"; each row of a column holds a time range
    and the subject (the week model is rewritten so the truth agrees)."""
    x0, y0, x1, y1 = box
    notation = axes["time_notation"]
    dash = " - " if axes["format"] == "pdf_text" else r.choice([" - ", "-", " \u2013 "])
    groups = r.choice([[[0, 1, 3], [2], [4]], [[0, 2], [1, 3], [4]], [[0, 1, 2, 3], [4]], [[0, 1], [2, 3, 4]]])
    for g in groups:
        for d in g[1:]:
            week[d] = [dict(c) if c else None for c in week[g[0]]]
    # each group column: header + rows
    n = len(slots)
    colw = (x1 - x0) / len(groups)
    hh = st.size * 3.2
    rh = st.size * 2.6
    if y0 + hh + rh * n > y1:
        return None
    for gi, g in enumerate(groups):
        cx0, cx1 = x0 + gi * colw, x0 + (gi + 1) * colw
        names = [day_label(axes["days"] if axes["days"] != "vertical" else "full", d) for d in g]
        head = ", ".join(names) if len(g) < 4 else names[0] + " - " + names[-1] if False else ", ".join(names)
        if st.head_fill:
            sc.rect(cx0, y0, cx1, y0 + hh, fill=st.head_fill)
        cell_text(sc, st, cx0, y0, cx1, y0 + hh, [head], bold=True, color=st.head_text)
        y = y0 + hh
        row = week[g[0]]
        for i, (s, e, k) in enumerate(slots):
            c = row[i]
            if c is None or c.get("span", 1) == 0:
                continue
            end = slots[i + c["span"] - 1][1]
            hgt = rh * c["span"]
            f = st.fill_for(c["subject"], r)
            if f:
                sc.rect(cx0, y, cx1, y + hgt, fill=f)
            tt = range_text(notation, s, end, dash)
            sc.text(cx0 + 5, y + hgt / 2, tt, st.reg, st.size * 0.9, st.text_col, anchor="l")
            tw = text_w(st.reg, st.size * 0.9, tt) + 12
            sc.text(cx0 + tw, y + hgt / 2, c["subject"], st.reg, fit_size(st.reg, st.size, c["subject"], colw - tw - 6),
                    st.text_col, anchor="l")
            sc.line(cx0, y + hgt, cx1, y + hgt, st.line_col, st.lw)
            y += hgt
        sc.rect(cx0, y0, cx1, y, stroke=st.line_col, lw=st.lw)
    return y0 + hh + rh * n


PAGES = {"a4_landscape": (842, 595), "a4_portrait": (595, 842), "letter_landscape": (792, 612),
         "screen_16x9": (960, 540),
         # not drawn: where a timetable that does not fit its page goes
         "a3_landscape": (1191, 842), "a3_portrait": (842, 1191)}

# ---------------------------------------------------------------- axes

AXES = {
    "font": ["sans", "serif", "condensed", "rounded", "handwriting"],
    "size": ["small", "medium", "large"],
    "days": ["full", "short", "upper", "upper3", "lower", "dotted", "letters", "vertical"],
    "time_notation": ["24", "24nopad", "dot", "ampm", "ampm_space", "12"],
    "time": ["ranges", "starts", "in_cell"],
    "layout": ["days_rows", "days_cols", "unruled", "list", "day_groups", "periods"],
    "merged": ["none", "plain", "letterspaced", "vertical", "stacked"],
    "doubles": ["no", "yes"],
    "colour": ["plain", "fills", "dark_header", "coloured_text"],
    "extras": ["none", "room", "class", "room+class"],
    "page": ["a4_landscape", "a4_portrait", "letter_landscape", "screen_16x9"],
    "degradation": ["clean", "lowres", "scan", "photo", "jpeg"],
    "format": ["png", "jpg", "pdf_text", "pdf_scan"],
}
# draw weights where the axis is not uniform (the rest are uniform)
WEIGHTS = {"format": [4, 3, 2, 1], "degradation": [4, 2, 2, 2, 1]}


def draw_axes(r):
    a = {k: r.choices(v, WEIGHTS[k])[0] if k in WEIGHTS else r.choice(v) for k, v in AXES.items()}
    a["kind"] = "secondary" if a["extras"] != "none" or r.random() < 0.3 else "primary"
    # combinations that do not exist on paper are redrawn into ones that do
    if a["layout"] in ("list", "day_groups"):
        a["time"] = "ranges"
        a["merged"] = "none"
    if a["layout"] == "periods" and a["time"] != "ranges":
        a["time"] = "ranges"
    if a["days"] == "vertical" and a["layout"] not in ("days_rows", "unruled", "periods"):
        a["days"] = "upper3"
    if a["format"] == "pdf_text":
        a["degradation"] = "clean"
    if a["format"] == "pdf_scan" and a["degradation"] in ("clean", "photo"):
        a["degradation"] = "scan"
    if a["degradation"] in ("photo", "jpeg") and a["format"] == "png":
        a["format"] = "jpg"
    if a["layout"] == "unruled" and a["merged"] in ("stacked", "vertical"):
        a["merged"] = "plain"
    if a["layout"] == "day_groups":
        a["extras"] = "none"
    return a


def build_scene(seed, r, a):
    st = Style(r, a)
    slots = make_slots(r, a["kind"])
    week, _ = make_week(r, a["kind"], slots, "room" in a["extras"], "class" in a["extras"], a["doubles"] == "yes")
    for attempt in range(6):
        pw, ph = PAGES[a["page"]]
        sc = Scene(pw, ph)
        margin = 36
        title = r.choice(["Weekly Timetable", "Timetable 2025/26", "Class Timetable", "My Timetable",
                          "Autumn Term Timetable", "Spring Term"]) + r.choice(["", " - " + r.choice(
                              ["Year 3 Oak", "Class 4B", "Mr Nowak", "Miss Jones", "Reception", "Dr Adeyemi", "Year 6"])])
        sc.text(margin, margin + st.size, title, st.bold, st.size * 1.6, (0, 0, 0), anchor="l")
        box = (margin, margin + st.size * 3.5, pw - margin, ph - margin)
        lay = a["layout"]
        if lay in ("days_rows", "days_cols", "periods", "unruled"):
            days_rows = lay == "days_rows" or (lay in ("periods", "unruled") and (a["days"] == "vertical" or r.random() < 0.5))
            bottom = grid_layout(sc, r, st, a, slots, week, box, days_rows, ruled=lay != "unruled")
        elif lay == "list":
            bottom = list_layout(sc, r, st, a, slots, week, box)
        else:
            bottom = groups_layout(sc, r, st, a, slots, week, box)
        if bottom is not None:
            if r.random() < 0.5:
                sc.text(margin, min(bottom + 20, ph - 20), r.choice(["Updated September 2025", "Please bring PE kit on Wednesdays",
                                                                     "Page 1 of 1"]), st.reg, st.size * 0.8, (80, 80, 80), anchor="l")
            return sc, st, slots, week
        # did not fit: smaller text, then a bigger page
        st.size *= 0.85
        if attempt >= 2:
            a["page"] = "a4_portrait" if lay in ("list", "day_groups") or a["layout"] == "days_cols" else "a4_landscape"
            if attempt >= 3:
                a["page"] = a["page"].replace("a4", "a3")
    raise RuntimeError("seed %d: layout does not fit" % seed)

# ---------------------------------------------------------------- raster

def rasterise(sc, dpi):
    k = dpi / 72.0
    im = Image.new("RGB", (int(sc.w * k), int(sc.h * k)), sc.bg)
    dr = ImageDraw.Draw(im)
    for op in sc.ops:
        if op[0] == "rect":
            _, x0, y0, x1, y1, fill, stroke, lw = op
            dr.rectangle([x0 * k, y0 * k, x1 * k, y1 * k], fill=fill, outline=stroke,
                         width=max(1, int(round(lw * k))) if stroke else 0)
        elif op[0] == "line":
            _, x0, y0, x1, y1, col, lw = op
            dr.line([x0 * k, y0 * k, x1 * k, y1 * k], fill=col, width=max(1, int(round(lw * k))))
        else:
            _, x, y, s, font, size, col, anchor, angle = op
            f = FONTCACHE.get(font, size * k)
            asc, desc = f.getmetrics()
            if angle == 0:
                dr.text((x * k, y * k + (asc - desc) / 2), s, font=f, fill=col,
                        anchor={"m": "ms", "l": "ls", "r": "rs"}[anchor])
            else:
                w = int(f.getlength(s)) + 4
                tmp = Image.new("L", (w, asc + desc + 4), 0)
                ImageDraw.Draw(tmp).text((2, 2), s, font=f, fill=255)
                tmp = tmp.rotate(angle, expand=True)
                px, py = int(x * k - tmp.width / 2), int(y * k - tmp.height / 2)
                im.paste(Image.new("RGB", tmp.size, col), (px, py), tmp)
    return im


def perspective_coeffs(src, dst):
    """Coefficients for Image.transform(PERSPECTIVE), mapping output points
    dst to input points src (4 pairs)."""
    A, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    return np.linalg.solve(np.array(A, float), np.array(b, float)).tolist()


def degrade(im, r, a, dpi):
    """Returns (image, effective dpi)."""
    d = a["degradation"]
    if d == "lowres":
        f = r.uniform(0.45, 0.6)
        im = im.resize((int(im.width * f), int(im.height * f)), Image.LANCZOS)
        return im, dpi * f
    if d == "scan":
        im = im.convert("L") if r.random() < 0.6 else im
        im = im.rotate(r.uniform(-1.8, 1.8), resample=Image.BICUBIC, expand=True, fillcolor=255 if im.mode == "L" else (255, 255, 255))
        im = im.filter(ImageFilter.GaussianBlur(r.uniform(0.5, 1.1)))
        arr = np.asarray(im).astype(np.float32)
        rng = np.random.default_rng(r.randrange(1 << 30))
        arr = arr * r.uniform(0.88, 0.97) + rng.normal(0, r.uniform(4, 10), arr.shape) + 8
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        return im, dpi
    if d == "photo":
        w, h = im.size
        pad = int(0.08 * max(w, h))
        bgc = r.choice([(120, 95, 70), (60, 60, 65), (150, 150, 140), (90, 110, 130)])
        canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), bgc)
        canvas.paste(im, (pad, pad))
        W, H = canvas.size
        j = lambda s: r.uniform(0, s)
        src = [(pad, pad), (pad + w, pad), (pad + w, pad + h), (pad, pad + h)]
        s = r.uniform(0.03, 0.09)
        dst = [(j(s) * W + pad * 0.3, j(s) * H + pad * 0.3), (W - j(s) * W - pad * 0.3, j(s) * H + pad * 0.3),
               (W - j(s) * W - pad * 0.3, H - j(s) * H - pad * 0.3), (j(s) * W + pad * 0.3, H - j(s) * H - pad * 0.3)]
        im = canvas.transform((W, H), Image.PERSPECTIVE, perspective_coeffs(src, dst), Image.BICUBIC,
                              fillcolor=bgc)
        # lighting: a brighter spot and a darker side
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        cx, cy = r.uniform(0.2, 0.8) * W, r.uniform(0.2, 0.8) * H
        light = 1.0 - r.uniform(0.15, 0.35) * np.sqrt(((xx - cx) / W) ** 2 + ((yy - cy) / H) ** 2)
        arr = np.asarray(im).astype(np.float32) * light[..., None] * np.array([1.0, r.uniform(0.95, 1.0), r.uniform(0.85, 0.97)])
        rng = np.random.default_rng(r.randrange(1 << 30))
        arr += rng.normal(0, 3, arr.shape)
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(r.uniform(0.4, 0.9)))
        f = r.uniform(0.7, 1.0)
        im = im.resize((int(W * f), int(H * f)), Image.LANCZOS)
        return im, dpi * f
    return im, dpi

# ---------------------------------------------------------------- PDF with a text layer

WINANSI_EXTRA = {"\u2013": 0x96, "\u2014": 0x97, "\u2019": 0x92}


def pdf_escape(s):
    out = bytearray()
    for ch in s:
        c = WINANSI_EXTRA.get(ch, ord(ch))
        if c > 255:
            c = ord("?")
        if ch in "()\\":
            out += b"\\"
        out.append(c)
    return bytes(out)


def pdf_scene(sc, path):
    """A one-page PDF drawing sc, text as real text in embedded fonts
    (FontFile2 for TrueType, FontFile3/OpenType for CFF), WinAnsi encoding,
    widths measured with Pillow."""
    fonts = {}
    for op in sc.ops:
        if op[0] == "text" and op[4] not in fonts:
            fonts[op[4]] = "F%d" % (len(fonts) + 1)
    H = sc.h
    c = []
    col = lambda rgb: "%.3f %.3f %.3f" % tuple(v / 255 for v in rgb)
    for op in sc.ops:
        if op[0] == "rect":
            _, x0, y0, x1, y1, fill, stroke, lw = op
            if fill:
                c.append("%s rg %.2f %.2f %.2f %.2f re f" % (col(fill), x0, H - y1, x1 - x0, y1 - y0))
            if stroke:
                c.append("%s RG %.2f w %.2f %.2f %.2f %.2f re S" % (col(stroke), lw, x0, H - y1, x1 - x0, y1 - y0))
        elif op[0] == "line":
            _, x0, y0, x1, y1, cl, lw = op
            c.append("%s RG %.2f w %.2f %.2f m %.2f %.2f l S" % (col(cl), lw, x0, H - y0, x1, H - y1))
        else:
            _, x, y, s, font, size, cl, anchor, angle = op
            asc, desc = FONTCACHE.metrics(font, size)
            w = text_w(font, size, s)
            base = (asc - desc) / 2  # baseline below the middle
            if angle == 0:
                dx = {"m": -w / 2, "l": 0, "r": -w}[anchor]
                tm = "1 0 0 1 %.2f %.2f Tm" % (x + dx, H - (y + base))
            else:  # reads bottom to top, centred on (x, y)
                tm = "0 1 -1 0 %.2f %.2f Tm" % (x + base, H - y - w / 2)
            c.append("BT /%s %.2f Tf %s rg %s (" % (fonts[font], size, col(cl), tm))
            c.append(None)
            c.append(pdf_escape(s))
            c.append(b") Tj ET")
    content = bytearray()
    pending = False
    for part in c:
        if part is None:
            pending = True
            continue
        if isinstance(part, str):
            part = part.encode()
            content += part
            if not pending:
                content += b"\n"
        else:
            content += part
            if part.endswith(b"ET"):
                content += b"\n"
                pending = False
    objs = []

    def add(body):
        objs.append(body)
        return len(objs)
    font_refs = {}
    for path_, name in fonts.items():
        data = open(path_, "rb").read()
        otf = data[:4] == b"OTTO"
        ff = add(b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (0, b"/Subtype /OpenType " if otf else b"")
                 + zlib.compress(data) + b"\nendstream")
        f1000 = FONTCACHE.get(path_, 1000)
        asc, desc = f1000.getmetrics()
        widths = []
        for code in range(32, 256):
            ch = bytes([code]).decode("cp1252", errors="replace")
            widths.append(int(round(f1000.getlength(ch))) if ch != "\ufffd" else 0)
        desc_obj = add(("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [-200 -%d 1200 %d] "
                        "/ItalicAngle 0 /Ascent %d /Descent -%d /CapHeight %d /StemV 80 /%s %d 0 R >>" % (
                            name + "Emb", desc, asc, asc, desc, int(asc * 0.7),
                            "FontFile3" if otf else "FontFile2", ff)).encode())
        font_refs[name] = add(("<< /Type /Font /Subtype /%s /BaseFont /%s /FirstChar 32 /LastChar 255 /Widths [%s] "
                               "/Encoding /WinAnsiEncoding /FontDescriptor %d 0 R >>" % (
                                   "Type1" if otf else "TrueType", name + "Emb", " ".join(map(str, widths)), desc_obj)).encode())
    stream = zlib.compress(bytes(content))
    cont = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    res = "<< /Font << %s >> >>" % " ".join("/%s %d 0 R" % (n, font_refs[n]) for n in font_refs)
    pages_no = len(objs) + 2
    page = add(("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R /Resources %s >>" % (
        pages_no, sc.w, sc.h, cont, res)).encode())
    add(("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page).encode())
    cat = add(("<< /Type /Catalog /Pages %d 0 R >>" % pages_no).encode())
    # fix the font file lengths (written as 0 above)
    for i, o in enumerate(objs):
        if o.startswith(b"<< /Length 0 /Filter /FlateDecode"):
            s0 = o.index(b"stream\n") + 7
            n = len(o) - s0 - len(b"\nendstream")
            objs[i] = o.replace(b"/Length 0 ", b"/Length %d " % n, 1)
    out = bytearray(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, cat, xref)
    with open(path, "wb") as f:
        f.write(out)

# ---------------------------------------------------------------- one document

def generate(seed, outdir):
    r = random.Random(seed)
    a = draw_axes(r)
    sc, st, slots, week = build_scene(seed, r, a)
    name = "v%06d" % seed
    fmt = a["format"]
    if fmt == "pdf_text":
        fn = name + ".pdf"
        pdf_scene(sc, os.path.join(outdir, fn))
    else:
        dpi = r.choice([200, 200, 240, 300]) if a["degradation"] != "scan" else r.choice([200, 300])
        im, eff = degrade(rasterise(sc, dpi), r, a, dpi)
        if fmt == "png":
            fn = name + ".png"
            im.save(os.path.join(outdir, fn), dpi=(round(eff), round(eff)))
        elif fmt == "jpg":
            fn = name + ".jpg"
            q = r.randint(25, 45) if a["degradation"] == "jpeg" else r.randint(70, 92)
            im.convert("RGB").save(os.path.join(outdir, fn), quality=q)
        else:
            fn = name + ".pdf"
            im.convert("RGB" if im.mode != "L" else "L").save(os.path.join(outdir, fn), "PDF", resolution=eff,
                                                                   creationDate=FIXED_DATE, modDate=FIXED_DATE)
    truth = {"id": seed, "file": fn, "layout": a["layout"], "degradation": a["degradation"],
             "kind": a["kind"], "font": st.font_name, "axes": a,
             "entries": truth_entries(slots, week)}
    with open(os.path.join(outdir, name + ".truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return name


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out, rest = argv[0], argv[1:]
    os.makedirs(out, exist_ok=True)
    if rest[0] == "--range":
        seeds = range(int(rest[1]), int(rest[2]))
    elif rest[0] == "--heldout":
        seeds = range(HELDOUT_SEEDS[0], HELDOUT_SEEDS[0] + int(rest[1]))
    elif rest[0] == "--dev":
        seeds = range(DEV_SEEDS[0], DEV_SEEDS[0] + int(rest[1]))
    else:
        seeds = [int(s) for s in rest]
    for s in seeds:
        print(generate(s, out))


if __name__ == "__main__":
    main(sys.argv[1:])
