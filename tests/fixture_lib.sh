# tests/fixture_lib.sh — documents for the pipeline's integration scripts,
# generated at run time with ImageMagick's convert (sourced after tests/lib.sh).
#
#   make_timetable OUT DAY...   a ruled grid, the DAYs down the side and four
#                               hours across the top (9:00-10:00 ... 13:00-14:00),
#                               Maths English Science History in every row
#
# With all five weekdays the extractor reads it with confidence 1 (the
# automatic route); a missing day lowers that (llm_draft.sh uses it).
make_timetable() {
    _out=$1; shift; _days="$*"
    set -- -size 1500x700 xc:white -font DejaVu-Sans -pointsize 28 -fill black -stroke none
    _x=0; for _t in "Day" "9:00-10:00" "10:00-11:00" "11:00-12:00" "13:00-14:00"; do
        set -- "$@" -annotate "+$((30 + _x * 290))+60" "$_t"; _x=$((_x + 1)); done
    _y=1; for _d in $_days; do
        set -- "$@" -annotate "+30+$((60 + _y * 110))" "$_d"
        _x=1; for _s in Maths English Science History; do
            set -- "$@" -annotate "+$((30 + _x * 290))+$((60 + _y * 110))" "$_s"; _x=$((_x + 1)); done
        _y=$((_y + 1)); done
    set -- "$@" -stroke black -strokewidth 2 -fill none
    for _i in 0 1 2 3 4 5; do set -- "$@" -draw "line 10,$((_i * 110 - 5)) 1490,$((_i * 110 - 5))"; done
    for _i in 0 1 2 3 4 5; do set -- "$@" -draw "line $((10 + _i * 290)),15 $((10 + _i * 290)),665"; done
    convert "$@" "$_out"
}
