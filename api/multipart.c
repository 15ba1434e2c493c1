/*
 * multipart.c — see multipart.h.
 *
 * The body is scanned once: find "--boundary" at the start of a line, read
 * the part's header block up to the blank line, then the data up to the next
 * "\r\n--boundary". Every length is checked against the remaining body
 * before it is read, so a truncated or hostile body ends in a refusal, never
 * in a read past its end.
 */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HEADER_BLOCK_MAX 8192
#define BOUNDARY_MAX 70

static bool fail(char *why, size_t len, const char *msg)
{
    snprintf(why, len, "%s", msg);
    return false;
}

static int refuse(char *why, size_t len, const char *msg)
{
    fail(why, len, msg);
    return -1;
}

static bool boundary_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

/* Value of parameter `key` in a header value ("a; key=v; ..."), quoted or not. */
static bool header_param(const char *value, const char *key, char *out, size_t out_len)
{
    size_t klen = strlen(key);
    const char *p = strchr(value, ';');
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (!strncasecmp(p, key, klen) && p[klen] == '=') {
            p += klen + 1;
            size_t n = 0;
            if (*p == '"') {
                p++;
                while (p[n] && p[n] != '"') n++;
                if (p[n] != '"') return false;
            } else {
                n = strcspn(p, "; \t");
            }
            if (n >= out_len) return false;
            memcpy(out, p, n);
            out[n] = '\0';
            return true;
        }
        p = strchr(p, ';');
    }
    return false;
}

bool multipart_boundary(const char *content_type, char *out, size_t out_len)
{
    static const char type[] = "multipart/form-data";
    if (!content_type || strncasecmp(content_type, type, sizeof type - 1) != 0) return false;
    char b[BOUNDARY_MAX + 2];
    if (!header_param(content_type, "boundary", b, sizeof b)) return false;
    size_t n = strlen(b);
    if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ' || n >= out_len) return false;
    for (size_t i = 0; i < n; i++)
        if (!boundary_char(b[i])) return false;
    memcpy(out, b, n + 1);
    return true;
}

static const unsigned char *find(const unsigned char *hay, size_t hlen, const char *needle,
                                 size_t nlen)
{
    return memmem(hay, hlen, needle, nlen);
}

void multipart_clean_filename(const char *in, char *out, size_t out_len)
{
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    size_t o = 0;
    for (const char *p = base; *p && o + 1 < out_len; p++)
        if ((unsigned char)*p >= 0x20 && *p != 0x7f) out[o++] = *p;
    out[o] = '\0';
}

/* Parse one header line of a part into it. */
static bool part_header(const char *line, multipart_part *part, bool *has_disposition, char *why,
                        size_t why_len)
{
    const char *colon = strchr(line, ':');
    if (!colon || colon == line) return fail(why, why_len, "a part header has no name");
    size_t nlen = (size_t)(colon - line);
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t') value++;
    if (nlen == 19 && !strncasecmp(line, "Content-Disposition", 19)) {
        if (strncasecmp(value, "form-data", 9) != 0 || (value[9] && value[9] != ';'))
            return fail(why, why_len, "a part's Content-Disposition is not form-data");
        if (!header_param(value, "name", part->name, sizeof part->name) || !part->name[0])
            return fail(why, why_len, "a part has no name");
        char raw[MULTIPART_FILENAME_MAX * 2];
        if (header_param(value, "filename", raw, sizeof raw))
            multipart_clean_filename(raw, part->filename, sizeof part->filename);
        *has_disposition = true;
    } else if (nlen == 12 && !strncasecmp(line, "Content-Type", 12)) {
        if (strlen(value) >= sizeof part->content_type)
            return fail(why, why_len, "a part's Content-Type is too long");
        snprintf(part->content_type, sizeof part->content_type, "%s", value);
    }
    return true;
}

/* Parse the header block [p, p+len) (without the blank line). */
static bool part_headers(const unsigned char *p, size_t len, multipart_part *part, char *why,
                         size_t why_len)
{
    bool has_disposition = false;
    char line[HEADER_BLOCK_MAX + 1];
    while (len > 0) {
        const unsigned char *eol = find(p, len, "\r\n", 2);
        size_t n = eol ? (size_t)(eol - p) : len;
        if (memchr(p, '\0', n)) return fail(why, why_len, "a part header holds a NUL byte");
        memcpy(line, p, n);
        line[n] = '\0';
        if (!part_header(line, part, &has_disposition, why, why_len)) return false;
        if (!eol) break;
        p += n + 2;
        len -= n + 2;
    }
    if (!has_disposition) return fail(why, why_len, "a part has no Content-Disposition");
    return true;
}

int multipart_parse(const char *boundary, const unsigned char *body, size_t len,
                    multipart_part *parts, int max_parts, char *why, size_t why_len)
{
    char delim[BOUNDARY_MAX + 5]; /* "\r\n--" boundary */
    int dlen = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    if (dlen < 5 || (size_t)dlen >= sizeof delim) return refuse(why, why_len, "bad boundary");
    /* The first delimiter may open the body (no preceding CRLF). */
    const unsigned char *p;
    if (len >= (size_t)dlen - 2 && !memcmp(body, delim + 2, (size_t)dlen - 2)) p = body + dlen - 2;
    else if ((p = find(body, len, delim, (size_t)dlen))) p += dlen;
    else return refuse(why, why_len, "no boundary delimiter in the body");
    int count = 0;
    for (;;) {
        size_t left = len - (size_t)(p - body);
        if (left >= 2 && p[0] == '-' && p[1] == '-') break; /* close delimiter */
        if (left < 2 || p[0] != '\r' || p[1] != '\n')
            return refuse(why, why_len, "a delimiter is not followed by CRLF");
        p += 2, left -= 2;
        if (count == max_parts) return refuse(why, why_len, "too many parts");
        multipart_part *part = &parts[count];
        memset(part, 0, sizeof *part);
        const unsigned char *blank = find(p, left < HEADER_BLOCK_MAX ? left : HEADER_BLOCK_MAX,
                                          "\r\n\r\n", 4);
        if (!blank) return refuse(why, why_len, "a part's headers are truncated or too long");
        if (!part_headers(p, (size_t)(blank - p), part, why, why_len)) return -1;
        p = blank + 4, left = len - (size_t)(p - body);
        const unsigned char *end = find(p, left, delim, (size_t)dlen);
        if (!end) return refuse(why, why_len, "the body is truncated (no closing delimiter)");
        part->data = p;
        part->len = (size_t)(end - p);
        count++;
        p = end + dlen;
    }
    return count;
}
