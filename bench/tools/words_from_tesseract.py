#!/usr/bin/env python3
"""Make WORDS FORMAT JSON for one document without the pipeline (a dev tool).

    words_from_tesseract.py DOC OUT.json [--psm N] [--work DIR]

Images: grey, deskewed, small pages upscaled 2x (roughly what the preprocess
plugin does), then `tesseract IMG - --psm N tsv`.  PDFs:
the text layer via `pdftotext -bbox` (source "pdf-text"), with a page image
rendered at 150 dpi; a PDF without text is rasterised and OCRed.
Not product code: the pipeline's ocr/pdftext plugins produce the same format.
"""
import argparse, html, json, os, re, subprocess, sys

def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

def ocr_page(img, psm, work):
    w, h = map(int, run(["identify", "-format", "%w %h", img]).split())
    pre = os.path.join(work, os.path.basename(img) + ".pre.png")
    scale = ["-resize", "200%"] if max(w, h) < 1600 else []
    run(["convert", img, "-colorspace", "Gray", "-background", "white", "-deskew", "40%", "+repage"] + scale + [pre])
    img = pre
    w, h = map(int, run(["identify", "-format", "%w %h", img]).split())
    tsv = run(["tesseract", img, "-", "--psm", str(psm), "tsv"])
    words = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        words.append({"text": f[11], "x": int(f[6]), "y": int(f[7]), "w": int(f[8]),
                      "h": int(f[9]), "conf": float(f[10]), "block": int(f[2]),
                      "par": int(f[3]), "line": int(f[4])})
    return {"page": 1, "width": w, "height": h, "dpi": 300, "image": os.path.abspath(img),
            "words": words}

def pdf_pages(pdf, psm, work):
    dpi = 150
    base = os.path.join(work, os.path.basename(pdf))
    run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", pdf, base])
    img = [os.path.join(work, f) for f in sorted(os.listdir(work))
           if f.startswith(os.path.basename(pdf)) and f.endswith(".png")][0]
    xml = run(["pdftotext", "-bbox", "-f", "1", "-l", "1", pdf, "-"])
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', xml)
    s = dpi / 72.0
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', xml):
        x0, y0, x1, y1 = (float(v) * s for v in m.groups()[:4])
        words.append({"text": html.unescape(m.group(5)), "x": round(x0), "y": round(y0),
                      "w": round(x1 - x0), "h": round(y1 - y0), "conf": 100.0,
                      "block": 0, "par": 0, "line": 0})
    if not words:
        return "ocr", [ocr_page(img, psm, work)]
    return "pdf-text", [{"page": 1, "width": round(float(page.group(1)) * s),
                         "height": round(float(page.group(2)) * s), "dpi": dpi,
                         "image": os.path.abspath(img), "words": words}]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc"); ap.add_argument("out")
    ap.add_argument("--psm", type=int, default=11)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or os.path.dirname(os.path.abspath(a.out))
    os.makedirs(work, exist_ok=True)
    if a.doc.lower().endswith(".pdf"):
        source, pages = pdf_pages(a.doc, a.psm, work)
    else:
        source, pages = "ocr", [ocr_page(a.doc, a.psm, work)]
    json.dump({"source": source, "pages": pages}, open(a.out, "w"))

if __name__ == "__main__":
    sys.exit(main())
