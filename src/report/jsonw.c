/* jsonw.c - the small streaming JSON writer behind the report (see jsonw.h). */
#include "jsonw.h"

/* A report is written by one thread, byte by byte: the unlocked stdio calls skip a lock
 * per call (a report of 10,000 inputs makes millions of them). */

#include <inttypes.h>
#include <math.h>
#include <string.h>

void jw_init(jw *w, FILE *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

size_t jw_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* How many bytes from p on are printable ASCII that JSON takes as they are. */
static size_t plain_run(const unsigned char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] >= 0x20 && p[k] < 0x80 && p[k] != '"' && p[k] != '\\') k++;
    return k;
}

void jw_string(FILE *out, const char *s)
{
    putc_unlocked('"', out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    while (n > 0) {
        size_t run = plain_run(p, n);   /* names and numbers: written whole */
        if (run) {
            fwrite_unlocked(p, 1, run, out);
            p += run;
            n -= run;
            if (n == 0) break;
        }
        unsigned char c = *p;
        size_t len = 1;
        if (c == '"') fputs_unlocked("\\\"", out);
        else if (c == '\\') fputs_unlocked("\\\\", out);
        else if (c == '\n') fputs_unlocked("\\n", out);
        else if (c == '\r') fputs_unlocked("\\r", out);
        else if (c == '\t') fputs_unlocked("\\t", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else if (c < 0x80) putc_unlocked(c, out);
        else if ((len = jw_utf8_len(p, n)) > 0) fwrite_unlocked(p, 1, len, out);
        else { fputs_unlocked("\\ufffd", out); len = 1; }
        p += len;
        n -= len;
    }
    putc_unlocked('"', out);
}

/* A newline and two spaces per level, in one write. */
static const char newline_spaces[] = "\n                                  ";
_Static_assert(sizeof newline_spaces - 1 >= 1 + 2 * JW_MAX_DEPTH, "indentation buffer too short");

static void newline_indent(FILE *out, int depth)
{
    fwrite_unlocked(newline_spaces, 1, 1 + 2 * (size_t)(depth > 0 ? depth : 0), out);
}

/* Comma, newline and indentation before a value, then its key if any. */
static void jw_sep(jw *w, const char *key)
{
    int d = w->depth;
    if (!w->first[d]) putc_unlocked(',', w->out);
    if (d > 0) {
        if (w->inline_[d]) {
            if (!w->first[d]) putc_unlocked(' ', w->out);
        } else {
            newline_indent(w->out, d);
        }
    }
    w->first[d] = false;
    if (key) {
        jw_string(w->out, key);
        fputs_unlocked(": ", w->out);
    }
}

void jw_open(jw *w, const char *key, char bracket, bool on_one_line)
{
    jw_sep(w, key);
    putc_unlocked(bracket, w->out);
    if (w->depth + 1 < JW_MAX_DEPTH) w->depth++;
    w->first[w->depth] = true;
    /* a level inside a one-line level stays on that line too */
    w->inline_[w->depth] = on_one_line || w->inline_[w->depth - 1];
}

void jw_close(jw *w, char bracket)
{
    int d = w->depth;
    if (!w->first[d] && !w->inline_[d]) newline_indent(w->out, d - 1);
    putc_unlocked(bracket, w->out);
    if (w->depth > 0) w->depth--;
    if (w->depth == 0) putc_unlocked('\n', w->out);
}

void jw_str(jw *w, const char *key, const char *s)
{
    jw_sep(w, key);
    if (s) jw_string(w->out, s);
    else fputs_unlocked("null", w->out);
}

void jw_u64(jw *w, const char *key, uint64_t v)
{
    jw_sep(w, key);
    char digits[24], *p = digits + sizeof digits;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fwrite_unlocked(p, 1, (size_t)(digits + sizeof digits - p), w->out);
}

void jw_format_number(char *buf, size_t len, double v)
{
    if (!isfinite(v)) v = v > 0 ? 1e308 : (v < 0 ? -1e308 : 0);   /* JSON has no inf/nan */
    int n = snprintf(buf, len, "%.6f", v);
    if (n < 0 || (size_t)n >= len) {   /* too long for buf: exponent form is valid JSON */
        snprintf(buf, len, "%.17g", v);
        return;
    }
    char *dot = strchr(buf, '.');
    if (!dot) return;
    char *end = buf + n;
    while (end > dot + 1 && end[-1] == '0') end--;
    if (end == dot + 1) end = dot;
    *end = '\0';
    if (strcmp(buf, "-0") == 0) strcpy(buf, "0");
}

void jw_num(jw *w, const char *key, double v)
{
    char buf[64];
    jw_format_number(buf, sizeof buf, v);
    jw_sep(w, key);
    fputs_unlocked(buf, w->out);
}

void jw_bool(jw *w, const char *key, bool v)
{
    jw_sep(w, key);
    fputs_unlocked(v ? "true" : "false", w->out);
}
