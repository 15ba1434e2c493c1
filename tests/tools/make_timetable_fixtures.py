#!/usr/bin/env python3
"""Generate the timetable builder's test fixtures (tests/fixtures/timetable/).

    tests/tools/make_timetable_fixtures.py [OUTDIR]

Each fixture is a synthetic page laid out here: NAME.words.json in WORDS
FORMAT (word boxes computed from the layout, as OCR would report them),
NAME.expect.json with the entries the builder must produce (or the error it
must fail with) and NAME.png: the page drawn with ImageMagick (text, and
rules for ruled tables), which the builder reads its ruling lines from.
The word geometry is exact, so the fixtures test the structure logic, not
OCR. Run it again after changing a fixture; the output is committed.
"""
import json, os, subprocess, sys

CH, TH = 10, 20          # character width and text height, pixels
FONT = "DejaVu-Sans"


class Page:
    def __init__(self, width, height):
        self.w, self.h = width, height
        self.words, self.lines, self.texts = [], [], []

    def text(self, s, cx, cy, conf=95.0, left=None, small=False, tight=False):
        """Words of s centred on (cx, cy), or starting at x=left; small:
        smaller print (a note), 0.7 of the size; tight: each word's box as
        OCR gives it, as tall as its letters (x-height, plus ascenders and
        descenders when it has them)."""
        ch, th = (7, 14) if small else (CH, TH)
        parts = s.split(" ")
        total = sum(len(p) * ch for p in parts) + ch * (len(parts) - 1)
        x = left if left is not None else cx - total // 2
        y = cy - th // 2
        self.texts.append((x, y, s, 11 if small else 16, th))
        for p in parts:
            wy, wh = y, th
            if tight:
                up = any(c.isupper() or c.isdigit() or c in "bdfhklt" for c in p)
                down = any(c in "gjpqy" for c in p)
                wh = th * (5 + 2 * up + 2 * down) // 9
                wy = y + (th * 2 // 9 if not up else 0)
            self.words.append({"text": p, "x": x, "y": wy, "w": len(p) * ch, "h": wh,
                               "conf": conf, "block": 1, "par": 1, "line": 1})
            x += (len(p) + 1) * ch

    def stacked(self, s, cx, cy):
        """s written one letter per line, centred on (cx, cy)."""
        top = cy - len(s) * (TH + 2) // 2
        for k, ch in enumerate(s):
            self.text(ch, cx, top + k * (TH + 2) + TH // 2)

    def line(self, x0, y0, x1, y1):
        self.lines.append((x0, y0, x1, y1))

    def save(self, outdir, name, ruled=True):
        words = {"source": "ocr", "pages": [{"page": 1, "width": self.w, "height": self.h,
                                             "dpi": 300, "image": "", "words": self.words}]}
        png = os.path.join(outdir, name + ".png")
        subprocess.run(["convert", "-size", "%dx%d" % (self.w, self.h), "xc:white",
                        "-stroke", "black", "-strokewidth", "2", "-fill", "none"] +
                       line_args(self.lines) +
                       ["-stroke", "none", "-fill", "black", "-font", FONT,
                        "-pointsize", "16"] + text_args(self.texts) +
                       ["-type", "Grayscale", "-depth", "8", "-strip",
                        "-define", "png:exclude-chunks=date,time", png], check=True)
        words["pages"][0]["image"] = name + ".png"
        with open(os.path.join(outdir, name + ".words.json"), "w") as f:
            json.dump(words, f, indent=0)


def line_args(lines):
    out = []
    for x0, y0, x1, y1 in lines:
        out += ["-draw", "line %d,%d %d,%d" % (x0, y0, x1, y1)]
    return out


def text_args(texts):
    out = []
    for x, y, s, size, th in texts:
        out += ["-pointsize", str(size), "-draw", "text %d,%d '%s'" % (x, y + th - 4, s.replace("'", ""))]
    return out


def grid(outdir, name, days, headers, cells, *, days_as_rows=True, ruled=True,
         title="Weekly Timetable", notes=None, expect=None, cell_w=170, cell_h=80,
         rules_through_merges=False, stacked_days=False):
    """days: labels; headers: time header labels; cells: (d0, d1, s0, s1, [lines]).
    Days as rows: days down the left, headers across the top."""
    nd, ns = len(days), len(headers)
    lab_w, hdr_h, top, left = 150, 50, 80, 20
    if days_as_rows:
        W, H = left * 2 + lab_w + ns * cell_w, top + hdr_h + nd * cell_h + 80
    else:
        W, H = left * 2 + lab_w + nd * cell_w, top + hdr_h + ns * cell_h + 80
    p = Page(W, H)
    p.text(title, 0, 40, left=left)

    def rect(d0, d1, s0, s1):
        """Page box of days d0..d1 x slots s0..s1 (inclusive)."""
        if days_as_rows:
            return (left + lab_w + s0 * cell_w, top + hdr_h + d0 * cell_h,
                    left + lab_w + (s1 + 1) * cell_w, top + hdr_h + (d1 + 1) * cell_h)
        return (left + lab_w + d0 * cell_w, top + hdr_h + s0 * cell_h,
                left + lab_w + (d1 + 1) * cell_w, top + hdr_h + (s1 + 1) * cell_h)

    # Headers.
    for i, d in enumerate(days):
        if days_as_rows and stacked_days:
            p.stacked(d, left + lab_w // 2, top + hdr_h + i * cell_h + cell_h // 2)
        elif days_as_rows:
            p.text(d, left + lab_w // 2, top + hdr_h + i * cell_h + cell_h // 2)
        else:
            p.text(d, left + lab_w + i * cell_w + cell_w // 2, top + hdr_h // 2)
    for j, h in enumerate(headers):
        if days_as_rows:
            p.text(h, left + lab_w + j * cell_w + cell_w // 2, top + hdr_h // 2)
        else:
            p.text(h, left + lab_w // 2, top + hdr_h + j * cell_h + cell_h // 2)
    # Cells, and which virtual cells they cover (for the rules).
    owner = {}
    for k, (d0, d1, s0, s1, lines) in enumerate(cells):
        x0, y0, x1, y1 = rect(d0, d1, s0, s1)
        cy = (y0 + y1) // 2 - (len(lines) - 1) * (TH + 4) // 2
        for n, ln in enumerate(lines):
            p.text(ln, (x0 + x1) // 2, cy + n * (TH + 4), conf=95.0 if n == 0 else 80.0)
        for d in range(d0, d1 + 1):
            for s in range(s0, s1 + 1):
                owner[(d, s)] = k
    if ruled:
        x_end = rect(nd - 1, nd - 1, ns - 1, ns - 1)[2]
        y_end = rect(nd - 1, nd - 1, ns - 1, ns - 1)[3]
        p.line(left, top, x_end, top)
        p.line(left, top, left, y_end)
        p.line(left, top + hdr_h, x_end, top + hdr_h)
        p.line(left + lab_w, top, left + lab_w, y_end)
        p.line(x_end, top, x_end, y_end)
        p.line(left, y_end, x_end, y_end)
        # Header separators and body separators unless one cell spans both.
        for d in range(nd):
            for s in range(ns):
                x0, y0, x1, y1 = rect(d, d, s, s)
                o = owner.get((d, s), ("free", d, s))
                right = owner.get((d, s + 1), ("free", d, s + 1)) if days_as_rows else owner.get((d + 1, s), ("free", d + 1, s))
                below = owner.get((d + 1, s), ("free", d + 1, s)) if days_as_rows else owner.get((d, s + 1), ("free", d, s + 1))
                if right != o or rules_through_merges:
                    p.line(x1, y0, x1, y1)
                if below != o or rules_through_merges:
                    p.line(x0, y1, x1, y1)
        for i in range(nd if days_as_rows else ns):
            y = top + hdr_h + (i + 1) * cell_h
            p.line(left, y, left + lab_w, y)
        for j in range(ns if days_as_rows else nd):
            x = left + lab_w + (j + 1) * cell_w
            p.line(x, top, x, top + hdr_h)
    if notes:
        p.text(notes, 0, H - 40, left=left)
    p.save(outdir, name, ruled)
    write_expect(outdir, name, expect)


def split_cells(outdir, name):
    """A ruled grid whose cells do not keep to the header's columns: a
    header wrapped after its dash over two lines, bare-hour ranges; a cell
    with a printed time and a rule inside a column, the neighbour taking its
    start from it; a single printed start splitting a column; a note in
    smaller print under a subject."""
    left, lab_w, top, hdr_h, cw, ch = 20, 150, 80, 60, 200, 90
    days = ["Monday", "Tuesday", "Wednesday"]
    W, H = left * 2 + lab_w + 3 * cw, top + hdr_h + 3 * ch + 60
    p = Page(W, H)
    p.text("Class 4M", 0, 40, left=left)
    x0 = left + lab_w
    xs = [x0 + k * cw for k in range(4)]
    # Headers: "9 -" over "10am", then "10 - 11am", "11 - 12pm".
    p.text("9 -", xs[0] + cw // 2, top + 18)
    p.text("10am", xs[0] + cw // 2, top + 42)
    p.text("10 - 11am", xs[1] + cw // 2, top + hdr_h // 2)
    p.text("11 - 12pm", xs[2] + cw // 2, top + hdr_h // 2)
    for i, d in enumerate(days):
        p.text(d, left + lab_w // 2, top + hdr_h + i * ch + ch // 2)
    yb = [top + hdr_h + i * ch for i in range(4)]
    # Outer frame, header rule, row rules, day column rule.
    p.line(left, top, xs[3], top)
    p.line(left, top, left, yb[3])
    p.line(xs[3], top, xs[3], yb[3])
    for y in yb:
        p.line(left, y, xs[3], y)
    p.line(x0, top, x0, yb[3])
    for x in xs[1:3]:
        p.line(x, top, x, top + hdr_h)
    mid = lambda a, b: (a + b) // 2
    # Monday: three plain cells, the last with a note in smaller print.
    p.line(xs[1], yb[0], xs[1], yb[1])
    p.line(xs[2], yb[0], xs[2], yb[1])
    p.text("Maths", mid(xs[0], xs[1]), mid(yb[0], yb[1]))
    p.text("English", mid(xs[1], xs[2]), mid(yb[0], yb[1]))
    p.text("History", mid(xs[2], xs[3]), mid(yb[0], yb[1]) - 12, tight=True)
    p.text("Bring an atlas", mid(xs[2], xs[3]), mid(yb[0], yb[1]) + 14, small=True, tight=True)
    # Tuesday: English; "10.00-10.40 Music" ends inside the second column at
    # a rule of its own; Maths runs from there to the end of the third.
    split = xs[1] + cw * 2 // 3
    p.line(xs[1], yb[1], xs[1], yb[2])
    p.line(split, yb[1], split, yb[2])
    p.text("English", mid(xs[0], xs[1]), mid(yb[1], yb[2]))
    p.text("10.00-10.40", mid(xs[1], split), mid(yb[1], yb[2]) - 12)
    p.text("Music", mid(xs[1], split), mid(yb[1], yb[2]) + 12)
    p.text("Maths", mid(split, xs[3]), mid(yb[1], yb[2]))
    # Wednesday: Science over two columns; the third split by "11.30 Assembly".
    split = xs[2] + cw // 2
    p.line(xs[2], yb[2], xs[2], yb[3])
    p.line(split, yb[2], split, yb[3])
    p.text("Science", mid(xs[0], xs[2]), mid(yb[2], yb[3]))
    p.text("Art", mid(xs[2], split), mid(yb[2], yb[3]))
    p.text("11.30", mid(split, xs[3]), mid(yb[2], yb[3]) - 12)
    p.text("Assembly", mid(split, xs[3]), mid(yb[2], yb[3]) + 12)
    p.save(outdir, name)
    expect = entries([
        ("Monday", "09:00", "10:00", "Maths"), ("Monday", "10:00", "11:00", "English"),
        ("Monday", "11:00", "12:00", "History"),
        ("Tuesday", "09:00", "10:00", "English"), ("Tuesday", "10:00", "10:40", "Music"),
        ("Tuesday", "10:40", "12:00", "Maths"),
        ("Wednesday", "09:00", "11:00", "Science"), ("Wednesday", "11:00", "11:30", "Art"),
        ("Wednesday", "11:30", "12:00", "Assembly")])
    expect["entries"][2]["notes"] = "Bring an atlas"
    write_expect(outdir, name, expect)


def day_groups(outdir, name):
    """Daily schedules side by side, one per group of days ("Monday,
    Tuesday, Thursday"), numbered rows, a row with a single time."""
    groups = [("Monday, Tuesday, Thursday", [("8:35", "Doors open"), ("9:00-9:30", "Morning Work"),
                                            ("9:30-10:15", "Phonics"), ("10:15-10:30", "Recess")]),
              ("Wednesday", [("8:35", "Doors open"), ("9:00-9:45", "Assembly"),
                             ("9:45-10:30", "Reading")]),
              ("Friday", [("8:35", "Doors open"), ("9:00-10:30", "Spelling Test")])]
    colw = 380
    p = Page(20 + colw * len(groups), 320)
    for k, (head, rows) in enumerate(groups):
        x = 20 + k * colw
        p.text("Daily Schedule", x + colw // 2, 30)
        p.text(head, x + colw // 2, 60)
        for r, (t, subj) in enumerate(rows):
            y = 100 + r * 34
            p.text(str(r + 1), 0, y, left=x)
            p.text(t, 0, y, left=x + 40)
            p.text(subj, 0, y, left=x + 170)
    p.save(outdir, name, False)
    out = []
    for head, rows in groups:
        names = [d.strip() for d in head.split(",")]
        for d in names:
            for r, (t, subj) in enumerate(rows):
                a, _, b = t.partition("-")
                if not b:
                    b = rows[r + 1][0].partition("-")[0]
                fix = lambda s: "%02d:%s" % (int(s.split(":")[0]), s.split(":")[1])
                out.append({"day": d, "start": fix(a), "end": fix(b), "subject": subj})
    write_expect(outdir, name, {"entries": out})


def timed_cells(outdir, name):
    """Days as rows, lesson numbers across the top, each cell printing its
    subject over its own time; RECESS printed once, between the lessons,
    for every day; no rules."""
    p = Page(1000, 420)
    p.text("Timetable 8B", 0, 30, left=20)
    xs = [220, 400, 600, 780]
    for k, x in enumerate([220, 400, 780]):
        p.text(str(k + 1), x, 80)
    days = [("MON", [("Maths", "9.00 to 10.00"), ("English", "10.00 to 10.50"), ("Art", "11.10 to 12.00")]),
            ("TUE", [("Science", "9.00 to 10.00"), ("History", "10.00 to 10.50"), ("PE", "11.10 to 12.00")]),
            ("WED", [("French", "9.00 to 10.00"), ("Music", "10.00 to 10.50"), ("Drama", "11.10 to 12.00")])]
    for i, (d, cells) in enumerate(days):
        y = 140 + i * 90
        p.text(d, 0, y, left=40)
        for (subj, t), x in zip(cells, [xs[0], xs[1], xs[3]]):
            p.text(subj, x, y - 12)
            p.text(t, x, y + 12)
    p.text("RECESS", xs[2], 230)
    p.save(outdir, name, False)
    rows = []
    for d, full in (("MON", "Monday"), ("TUE", "Tuesday"), ("WED", "Wednesday")):
        cells = dict(days)[d]
        for subj, t in cells:
            a, b = t.split(" to ")
            rows.append((full, "%05s" % a.replace(".", ":").rjust(5, "0"), b.replace(".", ":").rjust(5, "0"), subj))
        rows.append((full, "10:50", "11:10", "RECESS"))
    write_expect(outdir, name, entries(rows))


def turned_labels(outdir, name):
    """Labels turned on their side, as word processors write them up a
    merged column: for the OCR plugin's second pass (no words file)."""
    W, H = 900, 700
    draws = ["-draw", "text 60,80 'Monday'", "-draw", "text 60,230 'Tuesday'",
             "-draw", "text 60,380 'Wednesday'",
             "-draw", "translate 420,560 rotate -90 text 0,0 'Registration'",
             "-draw", "translate 700,520 rotate -90 text 0,0 'Break'"]
    subprocess.run(["convert", "-size", "%dx%d" % (W, H), "xc:white", "-fill", "black",
                    "-font", FONT, "-pointsize", "40"] + draws +
                   ["-type", "Grayscale", "-depth", "8", "-strip",
                    "-define", "png:exclude-chunks=date,time",
                    os.path.join(outdir, name + ".png")], check=True)


def dark_letters(outdir, name):
    """White day letters (M Tu W Th F) on a dark header column, beside
    black lessons on white: for the OCR plugin's pass over dark fills (no
    words file)."""
    W, H = 900, 700
    draws = ["-fill", "#1e3c78", "-draw", "rectangle 40,40 860,110",
             "-draw", "rectangle 40,40 150,660", "-fill", "white",
             "-draw", "text 190,90 '9:00-10:00'", "-draw", "text 520,90 '10:00-11:00'"]
    for k, d in enumerate(["M", "Tu", "W", "Th", "F"]):
        draws += ["-draw", "text 80,%d '%s'" % (175 + k * 115, d)]
    draws += ["-fill", "black"]
    for k in range(5):
        draws += ["-draw", "text 200,%d 'Maths'" % (175 + k * 115),
                  "-draw", "text 530,%d 'History'" % (175 + k * 115)]
    subprocess.run(["convert", "-size", "%dx%d" % (W, H), "xc:white", "-font", FONT,
                    "-pointsize", "40"] + draws +
                   ["-type", "Grayscale", "-depth", "8", "-strip",
                    "-define", "png:exclude-chunks=date,time",
                    os.path.join(outdir, name + ".png")], check=True)


def write_expect(outdir, name, expect):
    with open(os.path.join(outdir, name + ".expect.json"), "w") as f:
        json.dump(expect, f, indent=1)
        f.write("\n")


def entries(rows):
    """rows: (day, start, end, subject[, class, room])."""
    out = []
    for r in rows:
        e = {"day": r[0], "start": r[1], "end": r[2], "subject": r[3]}
        if len(r) > 4:
            e["class"], e["room"] = r[4], r[5]
        out.append(e)
    return {"entries": out}


def listing(outdir, name, blocks, *, side_by_side=False, subject_below=False, expect=None,
            title="Weekly Timetable", notes=None):
    """blocks: (day label, [(time text, subject), ...])."""
    W = 20 + (len(blocks) * 330 if side_by_side else 600)
    rows = max(len(b[1]) for b in blocks) * (2 if subject_below else 1)
    H = 120 + (rows + 2) * 30 * (1 if side_by_side else len(blocks)) + 60
    p = Page(W, H)
    p.text(title, 0, 40, left=20)
    x, y = 20, 100
    for day, items in blocks:
        p.text(day, 0, y, left=x)
        yy = y + 34
        for t, subj in items:
            if subject_below:
                p.text(t, 0, yy, left=x + 20)
                p.text(subj, 0, yy + 28, left=x + 20)
                yy += 58
            else:
                p.text(t, 0, yy, left=x + 20)
                wrap = subj.split("|")
                p.text(wrap[0], 0, yy, left=x + 20 + (len(t) + 3) * CH)
                for extra in wrap[1:]:
                    yy += 24
                    p.text(extra, 0, yy, left=x + 20 + (len(t) + 3) * CH)
                yy += 30
        if side_by_side:
            x += 330
        else:
            y = yy + 30
    if notes:
        p.text(notes, 0, H - 30, left=20)
    p.save(outdir, name, False)
    write_expect(outdir, name, expect)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "timetable")
    os.makedirs(out, exist_ok=True)
    days5 = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

    # 1. Days as rows, ranges in the header (24-hour, "to"), ruled; a double
    #    lesson and a break down every day; subject, class and room on lines.
    grid(out, "rows_ranges_ruled", days5,
         ["8:50 to 9:50", "9:50 to 10:50", "10:50 to 11:10", "11:10 to 12:10"],
         [(0, 0, 0, 1, ["Maths", "7A2", "Rm 4"]), (1, 1, 0, 0, ["English"]),
          (1, 1, 1, 1, ["Art", "8B1", "Lab 2"]), (2, 2, 0, 0, ["Science"]),
          (3, 3, 1, 1, ["History"]), (4, 4, 0, 0, ["French"]), (4, 4, 1, 1, ["PE"]),
          (0, 4, 2, 2, ["Break"]), (0, 0, 3, 3, ["Music"]), (2, 3, 3, 3, ["Drama"])],
         notes="Updated September 2025",
         expect=entries([
             ("Monday", "08:50", "10:50", "Maths", "7A2", "Rm 4"),
             ("Monday", "10:50", "11:10", "Break"), ("Monday", "11:10", "12:10", "Music"),
             ("Tuesday", "08:50", "09:50", "English"),
             ("Tuesday", "09:50", "10:50", "Art", "8B1", "Lab 2"),
             ("Tuesday", "10:50", "11:10", "Break"),
             ("Wednesday", "08:50", "09:50", "Science"), ("Wednesday", "10:50", "11:10", "Break"),
             ("Wednesday", "11:10", "12:10", "Drama"),
             ("Thursday", "09:50", "10:50", "History"), ("Thursday", "10:50", "11:10", "Break"),
             ("Thursday", "11:10", "12:10", "Drama"),
             ("Friday", "08:50", "09:50", "French"), ("Friday", "09:50", "10:50", "PE"),
             ("Friday", "10:50", "11:10", "Break")]))

    # 1b. The same page with rules drawn through its merged cells, as a
    #     misread image would show them: text crosses a rule, the break has
    #     empty days beside it. The entries cannot all be right, and the
    #     confidence must say so (no expected entries: only the evidence).
    grid(out, "rows_rules_through_merges", days5,
         ["8:50 to 9:50", "9:50 to 10:50", "10:50 to 11:10", "11:10 to 12:10"],
         [(0, 0, 0, 1, ["Maths"]), (1, 1, 0, 0, ["English"]), (0, 4, 2, 2, ["Break"]),
          (4, 4, 3, 3, ["Music"])],
         rules_through_merges=True, expect={"confidence_below": 0.98})

    # 2. Days as rows with only start times (am/pm), the last header a range
    #    with an en dash; short day names; ruled.
    grid(out, "rows_starts_ampm_ruled", ["Mon", "Tue", "Wed"],
         ["8:50am", "9:00am", "10:15am", "12:20pm", "1:10pm \u2013 2:05pm"],
         [(0, 2, 0, 0, ["Tutor Time"]), (0, 0, 1, 1, ["German"]), (1, 1, 1, 2, ["Spanish"]),
          (2, 2, 2, 2, ["Biology"]), (0, 2, 3, 3, ["LUNCH"]), (1, 1, 4, 4, ["Drama"])],
         expect=entries([
             ("Monday", "08:50", "09:00", "Tutor Time"), ("Monday", "09:00", "10:15", "German"),
             ("Monday", "12:20", "13:10", "LUNCH"),
             ("Tuesday", "08:50", "09:00", "Tutor Time"), ("Tuesday", "09:00", "12:20", "Spanish"),
             ("Tuesday", "12:20", "13:10", "LUNCH"), ("Tuesday", "13:10", "14:05", "Drama"),
             ("Wednesday", "08:50", "09:00", "Tutor Time"),
             ("Wednesday", "10:15", "12:20", "Biology"), ("Wednesday", "12:20", "13:10", "LUNCH")]))

    # 3. Days as columns, upper case; 12-hour times without am/pm ("12:40 -
    #    1:30"); borderless (no image): a break alone in its row covers every
    #    day, a lesson centred on a row edge covers both rows.
    grid(out, "cols_12h_borderless", ["MONDAY", "TUESDAY", "WEDNESDAY"],
         ["11:40 - 12:40", "12:40 - 1:30", "1:30 - 2:30", "2:30 - 3:30"],
         [(0, 0, 0, 0, ["Maths"]), (1, 1, 0, 0, ["RE"]), (2, 2, 0, 0, ["Art"]),
          (1, 1, 1, 1, ["Lunch"]), (0, 0, 2, 3, ["Topic"]), (1, 1, 2, 2, ["Phonics"]),
          (1, 1, 3, 3, ["Reading"]), (2, 2, 2, 2, ["Music"])],
         days_as_rows=False, ruled=False,
         expect=entries([
             ("Monday", "11:40", "12:40", "Maths"), ("Monday", "12:40", "13:30", "Lunch"),
             ("Monday", "13:30", "15:30", "Topic"),
             ("Tuesday", "11:40", "12:40", "RE"), ("Tuesday", "12:40", "13:30", "Lunch"),
             ("Tuesday", "13:30", "14:30", "Phonics"), ("Tuesday", "14:30", "15:30", "Reading"),
             ("Wednesday", "11:40", "12:40", "Art"), ("Wednesday", "12:40", "13:30", "Lunch"),
             ("Wednesday", "13:30", "14:30", "Music")]))

    # 4. Single-letter days (M Tu W Th F), dotted times, borderless, and a
    #    letter-spaced break ("B R E A K").
    grid(out, "rows_letters_dots", ["M", "Tu", "W", "Th", "F"],
         ["9.00-10.00", "10.00-10.20", "10.20-11.20"],
         [(0, 0, 0, 0, ["Maths"]), (1, 1, 0, 0, ["English"]), (2, 2, 0, 0, ["Science"]),
          (3, 3, 0, 0, ["Art"]), (4, 4, 0, 0, ["PE"]), (2, 2, 1, 1, ["B R E A K"]),
          (0, 0, 2, 2, ["Music"]), (4, 4, 2, 2, ["Computing"])],
         ruled=False,
         expect=entries([
             ("Monday", "09:00", "10:00", "Maths"), ("Monday", "10:00", "10:20", "BREAK"),
             ("Monday", "10:20", "11:20", "Music"),
             ("Tuesday", "09:00", "10:00", "English"), ("Tuesday", "10:00", "10:20", "BREAK"),
             ("Wednesday", "09:00", "10:00", "Science"), ("Wednesday", "10:00", "10:20", "BREAK"),
             ("Thursday", "09:00", "10:00", "Art"), ("Thursday", "10:00", "10:20", "BREAK"),
             ("Friday", "09:00", "10:00", "PE"), ("Friday", "10:00", "10:20", "BREAK"),
             ("Friday", "10:20", "11:20", "Computing")]))

    # 4b. Vertical text: a break down every day written one letter per line,
    #     in a ruled grid with 24-hour padded times.
    grid(out, "rows_vertical_break_ruled", ["Monday", "Tuesday", "Wednesday"],
         ["09:00-10:00", "10:00-10:15", "10:15-11:15"],
         [(0, 0, 0, 0, ["Maths"]), (1, 1, 0, 0, ["English"]), (2, 2, 0, 0, ["Art"]),
          (0, 2, 1, 1, ["B", "R", "E", "A", "K"]), (0, 0, 2, 2, ["Science"]),
          (2, 2, 2, 2, ["Music"])],
         expect=entries([
             ("Monday", "09:00", "10:00", "Maths"), ("Monday", "10:00", "10:15", "BREAK"),
             ("Monday", "10:15", "11:15", "Science"),
             ("Tuesday", "09:00", "10:00", "English"), ("Tuesday", "10:00", "10:15", "BREAK"),
             ("Wednesday", "09:00", "10:00", "Art"), ("Wednesday", "10:00", "10:15", "BREAK"),
             ("Wednesday", "10:15", "11:15", "Music")]))

    # 4c. Days spelled one letter per line (M O N) and a break spelled one
    #     letter per day down its column (B R E A K), ruled.
    grid(out, "rows_stacked_letters_ruled", ["MON", "TUE", "WED", "THU", "FRI"],
         ["9.00-10.00", "10.00-10.20", "10.20-11.20"],
         [(0, 0, 0, 0, ["Maths"]), (1, 1, 0, 0, ["English"]), (2, 2, 0, 0, ["Science"]),
          (3, 3, 0, 0, ["Art"]), (4, 4, 0, 0, ["PE"]), (0, 0, 1, 1, ["B"]), (1, 1, 1, 1, ["R"]),
          (2, 2, 1, 1, ["E"]), (3, 3, 1, 1, ["A"]), (4, 4, 1, 1, ["K"]),
          (0, 0, 2, 2, ["Music"]), (4, 4, 2, 2, ["Computing"])],
         stacked_days=True, cell_h=110,
         expect=entries([
             ("Monday", "09:00", "10:00", "Maths"), ("Monday", "10:00", "10:20", "BREAK"),
             ("Monday", "10:20", "11:20", "Music"),
             ("Tuesday", "09:00", "10:00", "English"), ("Tuesday", "10:00", "10:20", "BREAK"),
             ("Wednesday", "09:00", "10:00", "Science"), ("Wednesday", "10:00", "10:20", "BREAK"),
             ("Thursday", "09:00", "10:00", "Art"), ("Thursday", "10:00", "10:20", "BREAK"),
             ("Friday", "09:00", "10:00", "PE"), ("Friday", "10:00", "10:20", "BREAK"),
             ("Friday", "10:20", "11:20", "Computing")]))

    # 4d. Cells off the header's columns, printed times, bare-hour and
    #     wrapped headers, a note.
    split_cells(out, "rows_split_cells_ruled")

    # 4e. Day-group columns, numbered rows, single-time rows.
    day_groups(out, "list_day_groups")

    # 4f. Cells printing their own times under lesson numbers.
    timed_cells(out, "rows_timed_cells")

    # 4g. Turned labels, for plugin:ocr.
    turned_labels(out, "turned_labels")

    # 4h. White day letters on a dark column, for plugin:ocr.
    dark_letters(out, "dark_letters")

    # 5. A list, one block per day down the page; padded 24-hour times; a
    #    wrapped subject; a note at the end.
    listing(out, "list_blocks",
            [("MONDAY", [("08:50 - 09:00", "Form Time"), ("09:00 - 09:45", "Design|Technology"),
                         ("09:45 - 10:00", "Playtime")]),
             ("TUESDAY", [("08:50 - 09:00", "Form Time"), ("09:00 - 09:45", "PSHE")]),
             ("Wed.", [("13:05 - 13:50", "French")])],
            notes="PPA: Thursday afternoon",
            expect=entries([
                ("Monday", "08:50", "09:00", "Form Time"),
                ("Monday", "09:00", "09:45", "Design Technology"),
                ("Monday", "09:45", "10:00", "Playtime"),
                ("Tuesday", "08:50", "09:00", "Form Time"), ("Tuesday", "09:00", "09:45", "PSHE"),
                ("Wednesday", "13:05", "13:50", "French")]))

    # 6. A list with blocks side by side, am/pm ranges, the subject on the
    #    line under its time.
    listing(out, "list_side_by_side",
            [("Monday", [("9:00am - 9:55am", "Geography"), ("12:45pm - 1:45pm", "History")]),
             ("Tuesday", [("9:00am - 9:55am", "Art"), ("11:05am - 12:00pm", "Maths")]),
             ("Friday", [("1:45pm - 2:40pm", "Physics")])],
            side_by_side=True, subject_below=True,
            expect=entries([
                ("Monday", "09:00", "09:55", "Geography"), ("Monday", "12:45", "13:45", "History"),
                ("Tuesday", "09:00", "09:55", "Art"), ("Tuesday", "11:05", "12:00", "Maths"),
                ("Friday", "13:45", "14:40", "Physics")]))

    # 7. A page of prose: no timetable.
    p = Page(900, 300)
    prose = ["Dear parents, the school trip on Monday leaves at nine and returns",
             "in the afternoon. Please bring a packed lunch and a coat."]
    for i, s in enumerate(prose):
        p.text(s, 0, 60 + 30 * i, left=20)
    p.save(out, "prose", False)
    write_expect(out, "prose", {"error": "Document.NotATimetable"})


if __name__ == "__main__":
    main()
