#!/bin/sh
# timetables.sh — after a document is read: corrections as new versions
# (who, when; 422 field errors; "9.00" normalised), the version list, the
# calendar feed (secret URL, no header, parsed with python3-icalendar: weekly
# events until the term end, breaks optional, UIDs stable across a
# correction, revocable), DELETE (row, versions, file and work files gone;
# an audit line without the content), and the retention of originals.
. tests/lib.sh

PY=/usr/bin/python3
DATA=$TMP/data; WF=$TMP/wf; PID=""; mkdir -p "$WF"
trap 'stop_yogi "$TMP/server.log"; rm -rf "$TMP"' EXIT
cat >"$WF/document_processing.yaml" <<'Y'
StartAt: Save
States:
  Save:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.save_timetable
      args:
        id.$: $.document_id
        source: extracted
        timetable:
          confidence: 0.99
          entries:
            - {day: Monday, start: "09:00", end: "10:00", subject: Maths, room: B1, class: 5W, kind: lesson}
            - {day: Monday, start: "10:00", end: "10:20", subject: Break, kind: break}
            - {day: Tuesday, start: "11:00", end: "13:00", subject: Science, kind: lesson}
    ResultPath: null
    Next: Linger
  Linger:
    Type: Wait
    Seconds: 2
    Next: Done
  Done:
    Type: Task
    Resource: plugin:testkit
    Parameters:
      action: call
      op: documents.update
      args:
        id.$: $.document_id
        status: completed
    End: true
Y
start_server() { start_yogi "$DATA" "$TMP/server.log" --workflows "$WF" --term-end 2027-07-16 "$@"; }
stop_server() { stop_yogi "$TMP/server.log"; }
req() {
    m=$1; p=$2; shift 2
    STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" --max-time 20 "$@" "$BASE$p")
}
field() { jq -r "$1" <"$TMP/body" 2>/dev/null; }
is() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "got '$2', wanted '$3': $(head -c 300 "$TMP/body")"; }
J='Content-Type: application/json'

printf 'teachpass1\n' | "$YOGI" user add tina --role teacher --data "$DATA" 2>/dev/null
printf 'teachpass2\n' | "$YOGI" user add tom --role teacher --data "$DATA" 2>/dev/null
printf 'reviewpass\n' | "$YOGI" user add rita --role reviewer --data "$DATA" 2>/dev/null
T=$("$YOGI" token create --user tina --data "$DATA" 2>/dev/null)
TOM=$("$YOGI" token create --user tom --data "$DATA" 2>/dev/null)
R=$("$YOGI" token create --user rita --data "$DATA" 2>/dev/null)
ADMIN=$("$YOGI" token create --role admin --data "$DATA" 2>/dev/null)
start_server || { not_ok "server starts" "$(tail -3 "$TMP/server.log")"; done_testing; exit 1; }
A="Authorization: Bearer $T"
printf 'a week' >"$TMP/week.png"
req POST '/v1/documents?filename=my-week.png' -H "$A" -H 'Content-Type: image/png' --data-binary @"$TMP/week.png"
DOC=$(field .id); WORK="$DATA/work/$(field .execution_id)"
mkdir -p "$WORK"; : >"$WORK/page-1.png"   # as the pipeline's plugins leave page images
i=0; while [ $i -lt 100 ]; do req GET "/v1/documents/$DOC" -H "$A"; [ "$(field .status)" = completed ] && break; sleep 0.1; i=$((i + 1)); done
is "the document is read" "$(field .status)" completed
sleep 0.5
[ ! -e "$WORK" ] && ok "its work files are removed when it finishes" || not_ok "work files after finishing" "$(ls -R "$WORK")"
FILE=$(ls "$DATA"/documents/*/"$DOC")
mkdir -p "$WORK"; : >"$WORK/page-1.png"

# Corrections.
req PUT "/v1/documents/$DOC/timetable" -H "$A" -H "$J" --data '{"entries":[{"day":"Monday","start":"25:00","end":"10:00","subject":""},{"day":"Someday","start":"9.00","end":"8.00","subject":"X"}]}'
is "a wrong correction: 422 with the fields" "$STATUS/$(field .error.code)/$(field '[.error.fields[].field] | join(",")')" "422/Timetable.Invalid/entries[0].start,entries[0].subject,entries[1].day,entries[1].end"
req PUT "/v1/documents/$DOC/timetable" -H "$A" -H "$J" --data '{"confidence":1,"entries":[{"day":"Monday","start":"9.00","end":"10.00","subject":"Algebra","room":"B1","class":"5W","kind":"lesson"},{"day":"Monday","start":"10:00","end":"10:20","subject":"Break","kind":"break"},{"day":"Tuesday","start":"11:00","end":"13:00","subject":"Science","kind":"lesson"}]}'
is "a teacher corrects their own timetable: version 2" "$STATUS/$(field .version)" 200/2
is '"9.00" is saved as "09:00"' "$(field '.timetable.entries[0].start')" 09:00
req PUT "/v1/documents/$DOC/timetable" -H "Authorization: Bearer $TOM" -H "$J" --data '{"entries":[{"day":"Monday","start":"09:00","end":"10:00","subject":"X"}]}'
is "another teacher may not (404)" "$STATUS" 404
req GET "/v1/documents/$DOC/versions" -H "Authorization: Bearer $R"
is "a reviewer sees the versions with who and when" "$STATUS/$(field '[.versions[] | "\(.version):\(.source):\(.author)"] | join(",")')" "200/2:corrected:tina,1:extracted:null"
req GET "/v1/documents/$DOC/timetable?version=1" -H "$A"
is "an older version stays readable" "$(field '.entries[0].subject')" Maths
req GET "/v1/documents/$DOC/timetable" -H "$A"
is "the latest is the correction" "$(field '.entries[0].subject')" Algebra

# The feed.
req GET /v1/feed -H "$A"; is "no feed at first" "$(field .active)" false
req POST /v1/feed -H "$A"; URL=$(field .url)
case "$URL" in /feeds/*.ics) ok "a secret feed URL" ;; *) not_ok "feed url" "$URL" ;; esac
curl -s -o "$TMP/feed.ics" -w '%{http_code} %{content_type}' "$BASE$URL" >"$TMP/st"
grep -q '^200 text/calendar' "$TMP/st" && ok "the feed needs no header" || not_ok "feed fetch" "$(cat "$TMP/st")"
cat >"$TMP/parse.py" <<'P'
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for ev in cal.walk('VEVENT'):
    rr = ev.get('RRULE')
    until = rr.get('UNTIL')[0].strftime('%Y-%m-%d') if rr and rr.get('UNTIL') else '-'
    print(ev.get('UID'), ev.get('SUMMARY'), ev.decoded('DTSTART').strftime('%a %H:%M'),
          ev.decoded('DTEND').strftime('%H:%M'), rr.get('FREQ')[0], until, sep='|')
P
if [ -x "$PY" ] && $PY -c 'import icalendar' 2>/dev/null; then
    $PY "$TMP/parse.py" "$TMP/feed.ics" >"$TMP/ev1" 2>&1
    is "python3-icalendar parses the feed: two lessons, no break" "$(cut -d'|' -f2,3,4 "$TMP/ev1" | sort | tr '\n' ';')" "Algebra|Mon 09:00|10:00;Science|Tue 11:00|13:00;"
    is "weekly events end at the term end" "$(cut -d'|' -f5,6 "$TMP/ev1" | sort -u)" "WEEKLY|2027-07-16"
    curl -s "$BASE$URL?breaks=1" -o "$TMP/feedb.ics"; $PY "$TMP/parse.py" "$TMP/feedb.ics" >"$TMP/evb"
    grep -q '|Break|' "$TMP/evb" && ok "breaks when asked for" || not_ok "breaks" "$(cat "$TMP/evb")"
    req PUT "/v1/documents/$DOC/timetable" -H "Authorization: Bearer $R" -H "$J" --data '{"entries":[{"day":"Monday","start":"09:00","end":"10:00","subject":"Geometry"},{"day":"Tuesday","start":"11:00","end":"13:00","subject":"Science"}]}'
    is "a reviewer corrects it too: version 3" "$STATUS/$(field .version)" 200/3
    curl -s "$BASE$URL" -o "$TMP/feed2.ics"; $PY "$TMP/parse.py" "$TMP/feed2.ics" >"$TMP/ev2"
    is "the feed follows the latest version with the same UIDs" "$(cut -d'|' -f1 "$TMP/ev2" | sort | tr '\n' ' ')/$(grep -c Geometry "$TMP/ev2")" "$(cut -d'|' -f1 "$TMP/ev1" | sort | tr '\n' ' ')/1"
else
    skip "feed parsed with python3-icalendar" "/usr/bin/python3 with icalendar is absent"
fi
req POST /v1/feed -H "$A"; URL2=$(field .url)
is "a new feed URL ends the old one" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$URL")/$(curl -s -o /dev/null -w '%{http_code}' "$BASE$URL2")" 404/200
req DELETE /v1/feed -H "$A"
is "revoking ends it" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$URL2")" 404
is "a made-up feed is 404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/feeds/$(printf '%064d' 1).ics")" 404

# Delete.
req DELETE "/v1/documents/$DOC" -H "Authorization: Bearer $R"
is "a reviewer may not delete" "$STATUS" 403
req DELETE "/v1/documents/$DOC" -H "Authorization: Bearer $TOM"
is "another teacher may not (404)" "$STATUS" 404
EXEC_DIR=$(ls -d "$DATA"/work/* 2>/dev/null | head -1)
req DELETE "/v1/documents/$DOC" -H "$A"
is "the owner deletes the document" "$STATUS/$(field .deleted)" 200/true
[ ! -e "$FILE" ] && ok "its original file is gone" || not_ok "file gone" "$FILE"
[ -z "$EXEC_DIR" ] || [ ! -e "$EXEC_DIR" ] && ok "its work files (page images) are gone" || not_ok "work files" "$EXEC_DIR"
req GET "/v1/documents/$DOC/timetable?version=1" -H "$A"
is "its timetables are gone" "$STATUS" 404
req GET /v1/audit -H "Authorization: Bearer $ADMIN"
is "the audit log names the erasure" "$(field "[.entries[] | select(.action == \"document.delete\")][0] | \"\(.actor) \(.subject)\"")" "tina $DOC"
grep -q 'my-week' "$TMP/body" && not_ok "the audit log keeps no content" || ok "the audit log keeps no content"

# Retention: an old finished document loses its original, keeps its timetable.
req POST '/v1/documents?filename=old.png' -H "$A" -H 'Content-Type: image/png' --data-binary @"$TMP/week.png"
OLD=$(field .id)
i=0; while [ $i -lt 100 ]; do req GET "/v1/documents/$OLD" -H "$A"; [ "$(field .status)" = completed ] && break; sleep 0.1; i=$((i + 1)); done
is "a second document is read" "$(field .status)" completed
stop_server
if command -v sqlite3 >/dev/null; then
    sqlite3 "$DATA/yogi.db" "UPDATE documents SET created = created - 40*86400000 WHERE id = '$OLD'"
    start_server --retention-days 30
    OLDFILE=$(ls "$DATA"/documents/*/"$OLD" 2>/dev/null)
    [ -z "$OLDFILE" ] && ok "retention removes an old original at start" || not_ok "retention" "$OLDFILE"
    req GET "/v1/documents/$OLD/timetable" -H "$A"
    is "and keeps its timetable" "$STATUS" 200
    req GET "/v1/documents/$OLD" -H "$A"
    [ "$(field .original_removed)" != null ] && ok "the document says when its original was removed" || not_ok "original_removed"
    stop_server
else
    skip "retention" "the sqlite3 shell is absent"
fi
done_testing
