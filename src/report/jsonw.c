/* jsonw.c - the small streaming JSON writer behind the report (see jsonw.h).
 *
 * Everything is formatted into the writer's buffer without stdio: strings through a
 * 256-entry table of what each byte needs (most bytes of a name need nothing and are
 * copied in runs), integers digit by digit, doubles by exact integer arithmetic on their
 * binary form (the digits printf's "%.6f" gives, without printf's cost per call). */
#include "jsonw.h"

#include <math.h>
#include <string.h>

void jw_init(jw *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    memset(w->first, 0, sizeof w->first);
    memset(w->inline_, 0, sizeof w->inline_);
    w->first[0] = true;
    w->len = 0;
}

/* ---- the buffer ---------------------------------------------------------------- */

/* A buffer of cap bytes in front of a FILE: the writer's, or a small one on the stack
 * for jw_string. */
typedef struct {
    FILE *out;
    char *buf;
    size_t *len;
    size_t cap;
} sink;

static void sink_flush(const sink *s)
{
    if (*s->len) fwrite_unlocked(s->buf, 1, *s->len, s->out);
    *s->len = 0;
}

/* Room for n more bytes (n <= cap): where to write them. */
static char *sink_room(const sink *s, size_t n)
{
    if (*s->len + n > s->cap) sink_flush(s);
    return s->buf + *s->len;
}

static void sink_put(const sink *s, const void *p, size_t n)
{
    if (n > s->cap) {   /* longer than the whole buffer: straight through */
        sink_flush(s);
        fwrite_unlocked(p, 1, n, s->out);
        return;
    }
    memcpy(sink_room(s, n), p, n);
    *s->len += n;
}

static void sink_byte(const sink *s, char c)
{
    *sink_room(s, 1) = c;
    (*s->len)++;
}

static sink sink_of(jw *w)
{
    return (sink){w->out, w->buf, &w->len, sizeof w->buf};
}

void jw_flush(jw *w)
{
    sink_flush(&(sink){w->out, w->buf, &w->len, sizeof w->buf});
}

/* ---- strings ------------------------------------------------------------------- */

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

/* What a byte of a string needs: nothing (copied in a run), a two-character escape,
 * a \u00XX escape, or a UTF-8 check (bytes from 0x80). NUL ends the string before. */
enum { B_PLAIN, B_SHORT, B_CONTROL, B_HIGH };

#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
#define C B_CONTROL
#define P B_PLAIN
static const unsigned char byte_class[] = {
    C, C, C, C, C, C, C, C, C, B_SHORT, B_SHORT, C, C, B_SHORT, C, C, /* \t \n \r */
    R16(C),
    P, P, B_SHORT, P, R4(P), R4(P), R4(P),                 /* 0x22 '"' */
    R16(P), R16(P),
    R4(P), R4(P), R4(P), B_SHORT, P, P, P,                 /* 0x5c '\\' */
    R16(P), R16(P),                                        /* 0x7f too, as before */
    R16(B_HIGH), R16(B_HIGH), R16(B_HIGH), R16(B_HIGH),
    R16(B_HIGH), R16(B_HIGH), R16(B_HIGH), R16(B_HIGH),
};
#undef C
#undef P
_Static_assert(sizeof byte_class == 256, "one class per byte");

/* The escape of a B_SHORT byte ('n' for a newline, '"' for a quote). */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return (char)c;   /* '"' and '\\' */
    }
}

/* Whether any of the 8 bytes in x needs more than a copy: below 0x20, from 0x80, '"'
 * or '\\' (the usual word-at-a-time tests; each is exact as a yes/no). */
static inline bool word_needs_escape(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t below_space = (x - ones * 0x20) & ~x;
    uint64_t is_quote = (quote - ones) & ~quote, is_backslash = (backslash - ones) & ~backslash;
    return ((below_space | is_quote | is_backslash) & highs) | (x & highs);
}

/* Written straight into the buffer, 8 plain bytes at a time where it can (report strings
 * are mostly ASCII names and sentences). The buffer keeps ROOM bytes free for one step
 * (8 bytes, or the longest escape, "\ufffd"), flushed when less is left. */
static void put_string(const sink *s, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    static const char replacement[6] = {'\\', 'u', 'f', 'f', 'f', 'd'};   /* U+FFFD */
    enum { ROOM = 16 };
    if (*s->len + ROOM > s->cap) sink_flush(s);
    char *o = s->buf + *s->len, *lim = s->buf + s->cap - ROOM;
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)(str ? str : "");
    const unsigned char *end = p + strlen((const char *)p);
    while (p < end) {
        if (o > lim) {
            *s->len = (size_t)(o - s->buf);
            sink_flush(s);
            o = s->buf;
        }
        if (end - p >= 8) {
            uint64_t word;
            memcpy(&word, p, 8);
            if (!word_needs_escape(word)) {
                memcpy(o, p, 8);
                o += 8;
                p += 8;
                continue;
            }
        }
        unsigned char c = *p;
        switch (byte_class[c]) {
        case B_PLAIN: {   /* a short string or a tail: up to ROOM plain bytes in a row */
            const unsigned char *stop = end - p > ROOM ? p + ROOM : end;
            do *o++ = (char)*p++;
            while (p < stop && byte_class[*p] == B_PLAIN);
            break;
        }
        case B_SHORT:
            *o++ = '\\';
            *o++ = short_escape(c);
            p++;
            break;
        case B_CONTROL:
            o[0] = '\\';
            o[1] = 'u';
            o[2] = o[3] = '0';
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
            p++;
            break;
        default: {   /* B_HIGH */
            size_t len = jw_utf8_len(p, (size_t)(end - p));
            if (len) {
                memcpy(o, p, len);
                o += len;
                p += len;
            } else {
                memcpy(o, replacement, sizeof replacement);
                o += sizeof replacement;
                p++;
            }
        }
        }
    }
    *o++ = '"';
    *s->len = (size_t)(o - s->buf);
}

void jw_string(FILE *out, const char *s)
{
    char buf[256];
    size_t len = 0;
    sink k = {out, buf, &len, sizeof buf};
    put_string(&k, s);
    sink_flush(&k);
}

/* ---- structure ----------------------------------------------------------------- */

/* A newline and two spaces per level, in one copy. */
static const char newline_spaces[] = "\n                                  ";
_Static_assert(sizeof newline_spaces - 1 >= 1 + 2 * JW_MAX_DEPTH, "indentation buffer too short");

static void newline_indent(const sink *s, int depth)
{
    sink_put(s, newline_spaces, 1 + 2 * (size_t)(depth > 0 ? depth : 0));
}

/* Comma, newline and indentation before a value, then its key if any. */
static void jw_sep(jw *w, const sink *s, const char *key)
{
    int d = w->depth;
    if (!w->first[d]) sink_byte(s, ',');
    if (d > 0) {
        if (w->inline_[d]) {
            if (!w->first[d]) sink_byte(s, ' ');
        } else {
            newline_indent(s, d);
        }
    }
    w->first[d] = false;
    if (key) {
        put_string(s, key);
        sink_put(s, ": ", 2);
    }
}

void jw_open(jw *w, const char *key, char bracket, bool on_one_line)
{
    sink s = sink_of(w);
    jw_sep(w, &s, key);
    sink_byte(&s, bracket);
    if (w->depth + 1 < JW_MAX_DEPTH) w->depth++;
    w->first[w->depth] = true;
    /* a level inside a one-line level stays on that line too */
    w->inline_[w->depth] = on_one_line || w->inline_[w->depth - 1];
}

void jw_close(jw *w, char bracket)
{
    sink s = sink_of(w);
    int d = w->depth;
    if (!w->first[d] && !w->inline_[d]) newline_indent(&s, d - 1);
    sink_byte(&s, bracket);
    if (w->depth > 0) w->depth--;
    if (w->depth == 0) {
        sink_byte(&s, '\n');
        sink_flush(&s);
    }
}

void jw_str(jw *w, const char *key, const char *str)
{
    sink s = sink_of(w);
    jw_sep(w, &s, key);
    if (str) put_string(&s, str);
    else sink_put(&s, "null", 4);
}

/* The decimal digits of v, written to end at end; returns where they start. */
static char *u64_digits(char *end, uint64_t v)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

size_t jw_format_u64(char out[21], uint64_t v)
{
    char digits[24];
    char *p = u64_digits(digits + sizeof digits, v);
    size_t n = (size_t)(digits + sizeof digits - p);
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

void jw_u64(jw *w, const char *key, uint64_t v)
{
    sink s = sink_of(w);
    jw_sep(w, &s, key);
    char digits[24];
    char *p = u64_digits(digits + sizeof digits, v);
    sink_put(&s, p, (size_t)(digits + sizeof digits - p));
}

/* ---- numbers ------------------------------------------------------------------- */

/* The fraction f (0 <= f < 1) in millionths, rounded as printf rounds in the default
 * mode: to nearest, an exact half to even. f is m * 2^-shift exactly (m below 2^53),
 * so m * 10^6 (below 2^73) is the exact scaled value before the shift. */
static uint64_t millionths(double f)
{
    if (f == 0) return 0;
    int exp;
    double mant = frexp(f, &exp);                 /* f = mant * 2^exp, 0.5 <= mant < 1 */
    uint64_t m = (uint64_t)ldexp(mant, 53);       /* exact: mant has 53 bits */
    int shift = 53 - exp;                         /* f = m * 2^-shift, shift >= 53 */
    if (shift >= 120) return 0;                   /* f < 2^-67: far below half a millionth */
    unsigned __int128 scaled = (unsigned __int128)m * 1000000u;
    unsigned __int128 one = (unsigned __int128)1 << shift;
    uint64_t q = (uint64_t)(scaled >> shift);
    unsigned __int128 rest = scaled & (one - 1), half = one >> 1;
    if (rest > half || (rest == half && (q & 1))) q++;
    return q;
}

size_t jw_format_number(char *buf, size_t len, double v)
{
    if (!isfinite(v)) v = v > 0 ? 1e308 : (v < 0 ? -1e308 : 0);   /* JSON has no inf/nan */
    double a = fabs(v);
    if (a >= 9007199254740992.0 || len < 32) {   /* 2^53 and up: rare, printf's way */
        int n = snprintf(buf, len, "%.6f", v);
        if (n < 0 || (size_t)n >= len) {   /* too long for buf: exponent form is valid JSON */
            n = snprintf(buf, len, "%.17g", v);
            return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
        }
        char *dot = strchr(buf, '.');
        if (!dot) return (size_t)n;
        char *end = buf + n;
        while (end > dot + 1 && end[-1] == '0') end--;
        if (end == dot + 1) end = dot;
        *end = '\0';
        return (size_t)(end - buf);
    }
    double whole = floor(a);                      /* exact below 2^53 */
    uint64_t ip = (uint64_t)whole, frac = millionths(a - whole);   /* a - whole: exact */
    if (frac == 1000000) {
        ip++;
        frac = 0;
    }
    bool zero = ip == 0 && frac == 0;   /* "-0" is written "0" */
    char tmp[32], *end = tmp + sizeof tmp, *p = end;
    if (frac) {
        char *dot = end - 7;
        for (char *d = end - 1; d > dot; d--, frac /= 10) *d = (char)('0' + frac % 10);
        *dot = '.';
        while (end[-1] == '0') end--;
        p = dot;
    }
    p = u64_digits(p, ip);
    if (v < 0 && !zero) *--p = '-';
    size_t n = (size_t)(end - p);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return n;
}

void jw_num(jw *w, const char *key, double v)
{
    char buf[64];
    size_t n = jw_format_number(buf, sizeof buf, v);
    sink s = sink_of(w);
    jw_sep(w, &s, key);
    sink_put(&s, buf, n);
}

void jw_bool(jw *w, const char *key, bool v)
{
    sink s = sink_of(w);
    jw_sep(w, &s, key);
    if (v) sink_put(&s, "true", 4);
    else sink_put(&s, "false", 5);
}
