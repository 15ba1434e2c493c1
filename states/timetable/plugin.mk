# plugin:timetable reads ruling lines from the page image with leptonica.
PLUGIN_PKGS_timetable := lept
