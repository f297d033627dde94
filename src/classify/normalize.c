/* normalize.c - what a field value is before and after a pattern looks at it.
 *
 * Trimming and placeholder detection decide which fields are worth classifying;
 * normalization decides when two accepted values are "the same information" for the
 * distinct count and the subject count (SPEC 1: +86 138 1234 5678 and 13812345678 are
 * one mobile number). All of it works in place or into caller scratch: no allocation.
 */
#include "classify_internal.h"

#include <string.h>
#include <strings.h>

static bool ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Length of a Unicode space (U+3000, U+00A0) or BOM at s, 0 when there is none. */
static size_t wide_space_at(const unsigned char *s, size_t n)
{
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) return 3;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) return 2;
    return 0;
}

static size_t wide_space_before(const unsigned char *s, size_t n)
{
    if (n >= 3 && wide_space_at(s + n - 3, 3) == 3) return 3;
    if (n >= 2 && wide_space_at(s + n - 2, 2) == 2) return 2;
    return 0;
}

void pt_field_trim(const char **sp, size_t *np)
{
    const unsigned char *s = (const unsigned char *)*sp;
    size_t n = *np, k;
    for (;;) {
        if (n && ascii_space(s[0])) { s++; n--; }
        else if ((k = wide_space_at(s, n)) != 0) { s += k; n -= k; }
        else break;
    }
    for (;;) {
        if (n && ascii_space(s[n - 1])) n--;
        else if ((k = wide_space_before(s, n)) != 0) n -= k;
        else break;
    }
    *sp = (const char *)s;
    *np = n;
}

bool pt_field_placeholder(const char *s, size_t n)
{
    static const char *const words[] = {"null", "\\n", "none", "nil", "n/a", "-", "--",
                                        "undefined", "nan", NULL};
    if (n > 9 || !strchr("nN\\-uU", s[0])) return false;   /* cheap first look */
    for (size_t i = 0; words[i]; i++)
        if (strlen(words[i]) == n && strncasecmp(words[i], s, n) == 0) return true;
    return false;
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }
static char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* Start of the last tail characters of out[0..n) (UTF-8 aware: never cuts a character). */
static size_t tail_start(const char *out, size_t n, unsigned tail)
{
    size_t i = n;
    unsigned chars = 0;
    while (i > 0 && chars < tail) {
        i--;
        if (((unsigned char)out[i] & 0xC0) != 0x80) chars++;
    }
    return i;
}

static bool ascii_upper_at(char c) { return c >= 'A' && c <= 'Z'; }
static bool ascii_lower_at(char c) { return c >= 'a' && c <= 'z'; }
static bool ascii_digit_at(char c) { return c >= '0' && c <= '9'; }

/* Eight bytes at a time (SWAR, "Bit Twiddling Hacks"): ONES * k repeats byte k. */
#define ONES 0x0101010101010101ull
#define HIGHS (ONES * 0x80)

static uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Does some byte of x lie strictly between lo and hi (lo < hi <= 128)? Bytes >= 0x80
 * never do. */
static bool swar_between(uint64_t x, uint64_t lo, uint64_t hi)
{
    uint64_t low7 = x & (ONES * 0x7F);
    return ((ONES * (127 + hi) - low7) & ~x & (low7 + ONES * (127 - lo)) & HIGHS) != 0;
}

/* Are all bytes of x ASCII digits? */
static bool swar_all_digits(uint64_t x)
{
    uint64_t below = (x - ONES * '0') & ~x & HIGHS;            /* a byte < '0' */
    uint64_t above = ((x + ONES * (127 - '9')) | x) & HIGHS;  /* a byte > '9' */
    return (below | above) == 0;
}

/* Lengths of the prefix of s[0..n) that normalizing leaves alone, 8 bytes a step. */
static size_t digits_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n && swar_all_digits(load8(s + i))) i += 8;
    while (i < n && ascii_digit_at(s[i])) i++;
    return i;
}

static size_t no_upper_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n && !swar_between(load8(s + i), 'A' - 1, 'Z' + 1)) i += 8;
    while (i < n && !ascii_upper_at(s[i])) i++;
    return i;
}

static size_t no_lower_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n && !swar_between(load8(s + i), 'a' - 1, 'z' + 1)) i += 8;
    while (i < n && !ascii_lower_at(s[i])) i++;
    return i;
}

/* Most values are already in normal form (an ID in upper case, a mobile number of
 * digits): they are only looked at, and copied to out only when something changes. */
const char *pt_value_normalized(const pt_pattern *p, const char *s, size_t *np, char *out)
{
    size_t n = *np, i, m;
    const char *r = s;
    switch (p->normalize) {
    case PT_NORM_DIGITS:
        if ((i = digits_prefix(s, n)) == n) break;
        memcpy(out, s, i);
        for (m = i; i < n; i++)
            if (ascii_digit_at(s[i])) out[m++] = s[i];
        r = out;
        n = m;
        break;
    case PT_NORM_LOWER:
        if ((i = no_upper_prefix(s, n)) == n) break;
        memcpy(out, s, i);
        for (; i < n; i++) out[i] = ascii_lower(s[i]);
        r = out;
        break;
    case PT_NORM_UPPER:
        if ((i = no_lower_prefix(s, n)) == n) break;
        memcpy(out, s, i);
        for (; i < n; i++) out[i] = ascii_upper(s[i]);
        r = out;
        break;
    case PT_NORM_TRIM:   /* the scanner trimmed the field: a match rarely needs it */
        if (n && pt_field_may_need_trim(s, n)) pt_field_trim(&r, &n);
        break;
    case PT_NORM_NONE:
    default:
        break;
    }
    if (p->normalize_tail && n > 0) {
        /* digits are one byte each: no need to look for character starts */
        size_t start = p->normalize != PT_NORM_DIGITS ? tail_start(r, n, p->normalize_tail)
                       : n > p->normalize_tail        ? n - p->normalize_tail
                                                      : 0;
        r += start;
        n -= start;
    }
    *np = n;
    return r;
}
