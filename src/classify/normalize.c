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

size_t pt_value_normalize(const pt_pattern *p, const char *s, size_t n, char *out)
{
    size_t m = 0;
    switch (p->normalize) {
    case PT_NORM_DIGITS:
        for (size_t i = 0; i < n; i++)
            if (s[i] >= '0' && s[i] <= '9') out[m++] = s[i];
        break;
    case PT_NORM_LOWER:
        for (size_t i = 0; i < n; i++) out[m++] = ascii_lower(s[i]);
        break;
    case PT_NORM_UPPER:
        for (size_t i = 0; i < n; i++) out[m++] = ascii_upper(s[i]);
        break;
    case PT_NORM_TRIM:
        pt_field_trim(&s, &n);
        /* fall through */
    case PT_NORM_NONE:
    default:
        if (n) memcpy(out, s, n);
        m = n;
        break;
    }
    if (p->normalize_tail && m > 0) {
        size_t start = tail_start(out, m, p->normalize_tail);
        if (start) memmove(out, out + start, m - start);
        m -= start;
    }
    return m;
}
