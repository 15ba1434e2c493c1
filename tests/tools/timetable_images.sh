#!/bin/sh
# tests/tools/timetable_images.sh N DIR — N small generated timetables
# (DIR/t1.png ... DIR/tN.png; ImageMagick convert, DejaVu Sans): an unruled
# week of Maths/English/Science, each image labelled "Class i" so that no
# two uploads are the same document. Used by tests/integration/remote_workers.sh
# and bench/remote_workers.sh.
set -u
n=$1; dir=$2
mkdir -p "$dir"
i=1
while [ "$i" -le "$n" ]; do
    set -- -size 1000x450 xc:white -font DejaVu-Sans -pointsize 20 -fill black
    x=0; for t in Day 9:00-10:00 10:00-11:00 11:00-12:00; do
        set -- "$@" -annotate "+$((20 + x * 240))+40" "$t"; x=$((x + 1)); done
    y=1; for d in Monday Tuesday Wednesday Thursday Friday; do
        set -- "$@" -annotate "+20+$((40 + y * 75))" "$d"
        x=1; for s in Maths English Science; do
            set -- "$@" -annotate "+$((20 + x * 240))+$((40 + y * 75))" "$s"; x=$((x + 1)); done
        y=$((y + 1)); done
    convert "$@" -annotate "+760+440" "Class $i" "$dir/t$i.png" || exit 1
    i=$((i + 1))
done
