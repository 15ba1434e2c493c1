/*
 * test_api_units.c — the parts of api/ that need no server: the
 * multipart parser, the iCalendar and CSV exports. (api.mk links the api/
 * objects in; the server itself is tested by tests/integration/api.sh.)
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "multipart.h"
#include "password.h"
#include "test.h"

static int parse(const char *body, multipart_part *parts, int max, char *why)
{
    return multipart_parse("XyZ", (const unsigned char *)body, strlen(body), parts, max, why, 128);
}

static void test_multipart_valid(void)
{
    multipart_part p[4];
    char why[128] = "";
    const char *body = "preamble\r\n--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\x\\\\tt.png\"\r\n"
                       "Content-Type: image/png\r\n\r\n"
                       "PNG\r\n--XY not a delimiter\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=note\r\n\r\nhi\r\n--XyZ--\r\nepilogue";
    int n = parse(body, p, 4, why);
    CHECK_INT(n, 2);
    if (n != 2) return;
    CHECK_STR(p[0].name, "file");
    CHECK_STR(p[0].filename, "tt.png");
    CHECK_STR(p[0].content_type, "image/png");
    CHECK_INT(p[0].len, strlen("PNG\r\n--XY not a delimiter"));
    CHECK_STR(p[1].name, "note");
    CHECK_INT(p[1].len, 2);
}

static void test_multipart_malformed(void)
{
    multipart_part p[2];
    char why[128];
    static const char *bad[] = {
        "",
        "no delimiter at all",
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ndata", /* truncated */
        "--XyZ\r\nContent-Type: image/png\r\n\r\ndata\r\n--XyZ--",         /* no disposition */
        "--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",     /* no name */
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n",         /* headers cut */
        "--XyZ garbage\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nNoColonHere\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nx\r\n--XyZ--",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        int n = parse(bad[i], p, 2, why);
        if (n != -1) test_fail_(__FILE__, __LINE__, "case %zu parsed (%d parts)", i, n);
        CHECK(why[0] != '\0');
    }
    const char *three = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n--XyZ--";
    CHECK_INT(parse(three, p, 2, why), -1); /* more parts than room */
}

static void test_multipart_boundary(void)
{
    char b[80];
    CHECK(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b));
    CHECK_STR(b, "abc");
    CHECK(multipart_boundary("multipart/form-data; charset=x; boundary=\"a b\"", b, sizeof b));
    CHECK_STR(b, "a b");
    CHECK(!multipart_boundary("multipart/form-data", b, sizeof b));
    CHECK(!multipart_boundary("multipart/form-data; boundary=", b, sizeof b));
    CHECK(!multipart_boundary("multipart/form-data; boundary=a\x01", b, sizeof b));
    CHECK(!multipart_boundary("text/plain; boundary=abc", b, sizeof b));
    char long_b[200] = "multipart/form-data; boundary=";
    memset(long_b + strlen(long_b), 'x', 80);
    CHECK(!multipart_boundary(long_b, b, sizeof b));
}

/* Mutations of a valid body (bytes flipped, cut, duplicated) never make the
 * parser read outside the body: every part it returns lies inside it.
 * Deterministic (a fixed LCG), so a failure reproduces. */
static void test_multipart_mutations(void)
{
    const char *valid = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                        "Content-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--\r\n";
    size_t n = strlen(valid);
    unsigned char buf[512];
    unsigned state = 12345;
    multipart_part parts[4];
    char why[128];
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, valid, n);
        size_t len = n;
        for (int k = 0; k < 1 + round % 4; k++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % len;
            switch ((state >> 4) % 3) {
            case 0: buf[at] = (unsigned char)(state >> 16); break;        /* flip a byte */
            case 1: len = at + 1; break;                                  /* truncate */
            default:                                                     /* duplicate a run */
                if (len + 16 < sizeof buf) {
                    memmove(buf + at + 16, buf + at, len - at);
                    len += 16;
                }
            }
        }
        unsigned char *body = malloc(len); /* exact size: ASan sees any overread */
        memcpy(body, buf, len);
        int got = multipart_parse("XyZ", body, len, parts, 4, why, sizeof why);
        for (int i = 0; i < got; i++)
            if (parts[i].data < body || parts[i].data + parts[i].len > body + len)
                test_fail_(__FILE__, __LINE__, "round %d: part %d outside the body", round, i);
        free(body);
    }
}

static json_t *sample_timetable(void)
{
    return json_pack(
        "{s:s,s:[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]}", "title",
        "Year 5; Willow, Term 1",
        "entries", "day", "Wednesday", "start", "09:00", "end", "10:00", "subject",
        "Maths, \"sets\"\nrevision", "room", "B1",
        "day", "Monday", "start", "13:10", "end", "14:00", "subject", "=HYPERLINK(\"x\")",
        "day", "Monday", "start", "08:50", "end", "09:50", "subject",
        "Éducation physique et sportive avec une description très longue qui dépasse "
        "largement soixante-quinze octets");
}

static void test_ics_render(void)
{
    json_t *tt = sample_timetable();
    char why[128];
    size_t len;
    /* 2026-11-30 is a Monday. */
    char *ics = ics_render(tt, "doc1", 2026, 11, 30, 1764500000, &len, why, sizeof why);
    CHECK(ics != NULL);
    if (!ics) return;
    CHECK(strstr(ics, "BEGIN:VCALENDAR\r\n") == ics);
    CHECK(strstr(ics, "DTSTART:20261202T090000\r\n") != NULL); /* the Wednesday after */
    CHECK(strstr(ics, "DTSTART:20261130T085000\r\n") != NULL); /* Monday is that day */
    CHECK(strstr(ics, "RRULE:FREQ=WEEKLY\r\n") != NULL);
    CHECK(strstr(ics, "SUMMARY:Maths\\, \"sets\"\\nrevision\r\n") != NULL);
    CHECK(strstr(ics, "X-WR-CALNAME:Year 5\\; Willow\\, Term 1\r\n") != NULL);
    CHECK(strstr(ics, "END:VCALENDAR\r\n") != NULL);
    /* Every line is CRLF-terminated, at most 75 octets, and never cuts a
     * UTF-8 sequence (a continuation byte never starts a folded line). */
    for (char *line = ics; *line;) {
        char *eol = strstr(line, "\r\n");
        CHECK(eol != NULL);
        if (!eol) break;
        CHECK(eol - line <= 75);
        if (line[0] == ' ') CHECK(((unsigned char)line[1] & 0xC0) != 0x80);
        line = eol + 2;
    }
    CHECK(strstr(ics, "\r\n ") != NULL); /* the long summary was folded */
    free(ics);
    json_decref(tt);
}

static void test_csv_render(void)
{
    json_t *tt = sample_timetable();
    char why[128];
    size_t len;
    char *csv = csv_render(tt, &len, why, sizeof why);
    CHECK(csv != NULL);
    if (!csv) return;
    CHECK(strncmp(csv, "day,start,end,subject,kind,room,class,teacher,notes\r\n", 53) == 0);
    const char *monday1 = strstr(csv, "Monday,08:50");
    const char *monday2 = strstr(csv, "Monday,13:10");
    const char *wed = strstr(csv, "Wednesday,09:00");
    CHECK(monday1 && monday2 && wed && monday1 < monday2 && monday2 < wed);
    CHECK(strstr(csv, "\"'=HYPERLINK(\"\"x\"\")\"") != NULL); /* formula defused */
    CHECK(strstr(csv, "\"Maths, \"\"sets\"\"\nrevision\",,B1") != NULL);
    free(csv);
    json_decref(tt);
}

static void test_export_rejects_bad_entries(void)
{
    char why[128] = "";
    size_t len;
    json_t *bad = json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "entries", "day", "Funday", "start",
                            "09:00", "end", "10:00", "subject", "X");
    CHECK(csv_render(bad, &len, why, sizeof why) == NULL);
    CHECK(why[0] != '\0');
    json_decref(bad);
    bad = json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "entries", "day", "Monday", "start", "24:00",
                    "end", "10:00", "subject", "X");
    CHECK(ics_render(bad, "d", 2026, 1, 1, 0, &len, why, sizeof why) == NULL);
    json_decref(bad);
    json_t *none = json_object();
    CHECK(csv_render(none, &len, why, sizeof why) == NULL);
    json_decref(none);
}

/* The subscription feed: breaks only when asked, UNTIL at the term end,
 * UIDs from the slot (so a corrected subject keeps its UID), SEQUENCE the
 * version, a bad document left out rather than failing the feed. */
static void test_ics_feed(void)
{
    json_t *cals = json_pack(
        "[{s:s,s:i,s:{s:[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s}]}},{s:s,s:i,s:{s:[{s:s}]}}]",
        "id", "doc1", "version", 3, "timetable", "entries", "day", "Monday", "start", "09:00",
        "end", "10:00", "subject", "Maths", "room", "B1", "day", "Monday", "start", "10:00",
        "end", "10:20", "subject", "Break", "kind", "break", "id", "bad", "version", 1,
        "timetable", "entries", "day", "Funday");
    ics_feed_options o = {.from_year = 2026, .from_month = 12, .from_day = 3, .until = "20270716"};
    size_t len;
    char why[128];
    char *text = ics_render_feed(cals, &o, 0, &len, why, sizeof why);
    CHECK(text != NULL);
    if (text) {
        CHECK(strstr(text, "UID:doc1-0-0900@yogi") != NULL);
        CHECK(strstr(text, "RRULE:FREQ=WEEKLY;UNTIL=20270716T235959") != NULL);
        CHECK(strstr(text, "SEQUENCE:3") != NULL);
        CHECK(strstr(text, "DTSTART:20261207T090000") != NULL); /* the first Monday from Dec 3 */
        CHECK(strstr(text, "Break") == NULL);
        CHECK(strstr(text, "bad-") == NULL);
        free(text);
    }
    o.breaks = true;
    o.until[0] = '\0';
    text = ics_render_feed(cals, &o, 0, &len, why, sizeof why);
    CHECK(text && strstr(text, "SUMMARY:Break") && strstr(text, "RRULE:FREQ=WEEKLY\r\n"));
    free(text);
    json_decref(cals);
}

/* Argon2id: a hash verifies its password only; short ones are refused. */
static void test_password(void)
{
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    CHECK_INT(password_hash("correct horse", h1, &err), 0);
    CHECK(strncmp(h1, "$argon2id$", 10) == 0);
    CHECK_INT(password_hash("correct horse", h2, &err), 0);
    CHECK(strcmp(h1, h2) != 0); /* salted */
    CHECK(password_verify(h1, "correct horse"));
    CHECK(!password_verify(h1, "correct horsE"));
    CHECK(!password_verify(h1, ""));
    CHECK(!password_verify("not a hash", "correct horse"));
    CHECK(!password_verify("", ""));
    CHECK(password_hash("short", h1, &err) != 0);
    CHECK_STR(err.name, "PasswordTooShort");
    char a[65], b[65];
    CHECK_INT(password_random_hex(a, 32), 0);
    CHECK_INT(password_random_hex(b, 32), 0);
    CHECK_INT((int)strlen(a), 64);
    CHECK(!password_equal(a, b));
    CHECK(password_equal(a, a));
    CHECK(!password_equal(a, "abc"));
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_multipart_valid),
        TEST(test_multipart_malformed), TEST(test_multipart_boundary),
        TEST(test_multipart_mutations),
        TEST(test_ics_render),        TEST(test_csv_render),
        TEST(test_export_rejects_bad_entries), TEST(test_password), TEST(test_ics_feed), {0},
    };
    return test_main(argc, argv, tests);
}
