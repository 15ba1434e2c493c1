#!/bin/sh
# perspective.sh — the preprocess plugin straightens a photographed table and
# reads an image-only PDF at the picture's own resolution.
#
# A ruled timetable from the variation generator (bench/variation/gen.py,
# a development seed) is photographed in software: put on a desk and warped
# by a known perspective. After preprocess its rules must be straight again:
# rows of the page image that are mostly dark (a horizontal rule across the
# table) and columns likewise (vertical rules); the warped input has none.
# The unwarped page must be left alone (no perspective correction).
# Needs Debian's python3 with Pillow and numpy; skipped without them.
. tests/lib.sh

PY=/usr/bin/python3
if ! $PY -c 'import PIL, numpy' 2>/dev/null; then
    skip "perspective" "no python3-pil/python3-numpy (scripts/install-deps.sh)"
    done_testing; exit
fi
SEED=227 # a development seed: a plain ruled days-by-columns grid, clean PNG
$PY bench/variation/gen.py "$TMP" $SEED >/dev/null 2>"$TMP/gen.err" ||
    { not_ok "generate a timetable" "$(tail -2 "$TMP/gen.err")"; done_testing; exit; }
$PY - "$TMP/v000227.png" "$TMP" <<'PYEOF' 2>"$TMP/warp.err"
import sys
sys.path.insert(0, "bench/variation")
from PIL import Image
import gen
src, out = sys.argv[1], sys.argv[2]
im = Image.open(src).convert("RGB")
w, h = im.size
pad = w // 12
desk = Image.new("RGB", (w + 2 * pad, h + 2 * pad), (170, 160, 150))
desk.paste(im, (pad, pad))
W, H = desk.size
page = [(pad, pad), (pad + w, pad), (pad + w, pad + h), (pad, pad + h)]
# the far edge narrower, the near edge wider, a little turn
shot = [(0.12 * W, 0.10 * H), (0.86 * W, 0.05 * H), (0.97 * W, 0.93 * H), (0.03 * W, 0.88 * H)]
desk.transform((W, H), Image.PERSPECTIVE, gen.perspective_coeffs(page, shot), Image.BICUBIC,
               fillcolor=(170, 160, 150)).save(out + "/warped.jpg", quality=90)
im.save(out + "/scan.pdf", "PDF", resolution=200)   # an image-only PDF, 200 dpi
PYEOF
[ -s "$TMP/warped.jpg" ] || { not_ok "warp the timetable" "$(tail -2 "$TMP/warp.err")"; done_testing; exit; }

preprocess() { # FILE TYPE FORMAT -> page JSON in $TMP/pre.json, image path printed
    (cd "$TMP" && "$YOGI" invoke preprocess --plugins "$PLUGIN_DIR" --input \
        "{\"path\":\"$1\",\"classification\":{\"type\":\"$2\",\"format\":\"$3\",\"pages\":1}}" \
        >"$TMP/pre.json" 2>"$TMP/pre.err")
}
field() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['pages'][0][sys.argv[2]])" "$TMP/pre.json" "$1"; }
# rules: how many rows and columns of the image are at least 30 % dark
rules() {
    $PY - "$1" <<'PYEOF'
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("L")) < 128
print(int((a.mean(axis=1) >= 0.3).sum()), int((a.mean(axis=0) >= 0.3).sum()))
PYEOF
}

preprocess "$TMP/warped.jpg" image jpeg
if [ ! -s "$TMP/pre.json" ]; then
    not_ok "preprocess a photographed table" "$(tail -2 "$TMP/pre.err")"
else
    moved=$(field perspective_px)
    set -- $(rules "$TMP/warped.jpg"); in_rows=${1:-0} in_cols=${2:-0}
    set -- $(cd "$TMP" && rules "$(field path)"); out_rows=${1:-0} out_cols=${2:-0}
    $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) > 20 else 1)" "$moved" &&
        ok "a photographed table's perspective is undone (corners moved ${moved} px)" ||
        not_ok "a photographed table's perspective is undone" "perspective_px=$moved"
    [ "$in_cols" -eq 0 ] && [ "$out_cols" -ge 3 ] && [ "$out_rows" -ge $((3 * in_rows + 3)) ] &&
        ok "its rules are straight again ($out_rows rows, $out_cols columns of rule; $in_rows, $in_cols before)" ||
        not_ok "its rules are straight again" "rows $in_rows -> $out_rows, columns $in_cols -> $out_cols"
fi

preprocess "$TMP/v000227.png" image png
[ -s "$TMP/pre.json" ] && [ "$(field perspective_px)" = "0.0" ] &&
    ok "an upright page is not resampled for perspective" ||
    not_ok "an upright page is not resampled for perspective" "$(cat "$TMP/pre.json" "$TMP/pre.err" | tail -3)"

# image-only PDF: the picture's pixels, not a 300-dpi rendering of them
img_w=$($PY -c "from PIL import Image; print(Image.open('$TMP/v000227.png').size[0])")
preprocess "$TMP/scan.pdf" pdf-scanned pdf
if [ -s "$TMP/pre.json" ]; then
    w=$(field width); scale=$(field scale)
    $PY -c "import sys; w,s,i=map(float,sys.argv[1:]); sys.exit(0 if abs(w - i*s) <= 3 else 1)" "$w" "$scale" "$img_w" &&
        ok "an image-only PDF is read at its picture's resolution ($img_w px x $scale)" ||
        not_ok "an image-only PDF is read at its picture's resolution" "width $w, scale $scale, picture $img_w px"
else
    not_ok "an image-only PDF is read at its picture's resolution" "$(tail -2 "$TMP/pre.err")"
fi
printf '%%PDF-1.4\n1 0 obj <<>> endobj\n' >"$TMP/broken.pdf"
preprocess "$TMP/broken.pdf" pdf-scanned pdf
grep -q '"error":"Document.Corrupt"' "$TMP/pre.err" && ok "a broken scanned PDF is Document.Corrupt" ||
    not_ok "a broken scanned PDF is Document.Corrupt" "$(tail -1 "$TMP/pre.err")"
done_testing
