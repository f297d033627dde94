/* test_jsonw.c - the report's JSON writer (src/report/jsonw.c) against the stdio writer it
 * replaced: the escaping table against the old escaper on every byte and on random UTF-8
 * and random bytes, the printf-free number formatting against snprintf("%.6f") on edge
 * values and random doubles, the writer's own buffer across its flushes; and by hand the
 * cases that show what each rule is for.
 */
#include "check.h"
#include "../../src/report/jsonw.h"

#include <math.h>
#include <stdlib.h>

/* ---- the replaced writer, kept here as the reference ---------------------------- */

static void old_string(FILE *out, const char *s)
{
    putc('"', out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    while (n > 0) {
        unsigned char c = *p;
        size_t len = 1;
        if (c == '"') fputs("\\\"", out);
        else if (c == '\\') fputs("\\\\", out);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '\r') fputs("\\r", out);
        else if (c == '\t') fputs("\\t", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else if (c < 0x80) putc(c, out);
        else if ((len = jw_utf8_len(p, n)) > 0) fwrite(p, 1, len, out);
        else { fputs("\\ufffd", out); len = 1; }
        p += len;
        n -= len;
    }
    putc('"', out);
}

static void old_number(char *buf, size_t len, double v)
{
    if (!isfinite(v)) v = v > 0 ? 1e308 : (v < 0 ? -1e308 : 0);
    int n = snprintf(buf, len, "%.6f", v);
    if (n < 0 || (size_t)n >= len) {
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

/* ---- capture -------------------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
    FILE *f;
} capture;

static void capture_open(capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
}

static void capture_close(capture *c)
{
    fclose(c->f);
}

/* The new and the old escaping of s agree. */
static int same_escaping(const char *s)
{
    capture a, b;
    capture_open(&a);
    capture_open(&b);
    jw_string(a.f, s);
    old_string(b.f, s);
    capture_close(&a);
    capture_close(&b);
    int same = a.len == b.len && memcmp(a.text, b.text, a.len) == 0;
    if (!same) printf("#   \"%s\": new %s, old %s\n", s, a.text, b.text);
    free(a.text);
    free(b.text);
    return same;
}

static const char *escaped(const char *s)
{
    static char out[256];
    capture a;
    capture_open(&a);
    jw_string(a.f, s);
    capture_close(&a);
    snprintf(out, sizeof out, "%s", a.text);
    free(a.text);
    return out;
}

/* ---- strings -------------------------------------------------------------------- */

static void test_escapes_by_hand(void)
{
    CHECK_STR(escaped("plain name.csv"), "\"plain name.csv\"");
    CHECK_STR(escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
    CHECK_STR(escaped("\t\n\r"), "\"\\t\\n\\r\"");
    CHECK_STR(escaped("\x01\x1f\b\f"), "\"\\u0001\\u001f\\u0008\\u000c\"");
    CHECK_STR(escaped("\x7f"), "\"\x7f\"");                 /* DEL is allowed as it is */
    CHECK_STR(escaped("姓名"), "\"姓名\"");                   /* valid UTF-8 is kept */
    CHECK_STR(escaped("\xd0\xd5\xc3\xfb"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* GBK 姓名: 4 bad bytes */
    CHECK_STR(escaped("\xe5\xa7"), "\"\\ufffd\\ufffd\"");    /* 姓 cut short: each byte replaced */
    CHECK_STR(escaped("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); /* a UTF-16 surrogate */
    CHECK_STR(escaped(""), "\"\"");
    CHECK_STR(escaped(NULL), "\"\"");
}

/* Every byte alone and at every place of an 8-byte word (the writer tests 8 at a time). */
static void test_every_byte_as_before(void)
{
    int bad = 0;
    for (int c = 1; c < 256; c++) {
        for (size_t at = 0; at < 20; at++) {
            char s[24];
            memset(s, 'a', sizeof s);
            s[at] = (char)c;
            s[20] = '\0';
            bad += !same_escaping(s);
        }
        char one[2] = {(char)c, 0};
        bad += !same_escaping(one);
    }
    CHECK_EQ(bad, 0);
}

static size_t put_utf8(unsigned char *p, uint32_t cp)
{
    if (cp < 0x80) { p[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { p[0] = (unsigned char)(0xC0 | cp >> 6); p[1] = (unsigned char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) {
        p[0] = (unsigned char)(0xE0 | cp >> 12);
        p[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        p[2] = (unsigned char)(0x80 | (cp & 63));
        return 3;
    }
    p[0] = (unsigned char)(0xF0 | cp >> 18);
    p[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
    p[2] = (unsigned char)(0x80 | (cp >> 6 & 63));
    p[3] = (unsigned char)(0x80 | (cp & 63));
    return 4;
}

/* Random code points of every length (surrogates included, which must be replaced),
 * with now and then a random byte that breaks a sequence. */
static void test_random_utf8_as_before(void)
{
    srand(13);
    int bad = 0;
    unsigned char s[400];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0, want = (size_t)(rand() % 80);
        while (n < want) {
            int kind = rand() % 10;
            if (kind == 0) s[n++] = (unsigned char)(1 + rand() % 255);
            else if (kind < 4) s[n++] = (unsigned char)(0x20 + rand() % 0x60);
            else n += put_utf8(s + n, (uint32_t)(1 + rand() % (kind < 7 ? 0x10000 : 0x10FFFF)));
        }
        s[n] = '\0';
        bad += !same_escaping((const char *)s);
    }
    CHECK_EQ(bad, 0);
}

/* ---- numbers -------------------------------------------------------------------- */

static int same_number(double v)
{
    char a[64], b[64];
    size_t n = jw_format_number(a, sizeof a, v);
    old_number(b, sizeof b, v);
    int same = strcmp(a, b) == 0 && n == strlen(a);
    if (!same) printf("#   %.17g: new %s, old %s\n", v, a, b);
    return same;
}

static void test_numbers_by_hand(void)
{
    char b[64];
    jw_format_number(b, sizeof b, 1.0);
    CHECK_STR(b, "1");
    jw_format_number(b, sizeof b, 0.98);
    CHECK_STR(b, "0.98");
    jw_format_number(b, sizeof b, -0.0000001);   /* rounds to -0.000000: written 0 */
    CHECK_STR(b, "0");
    jw_format_number(b, sizeof b, 0.0078125);    /* 1/128, an exact half: to even, ...12 */
    CHECK_STR(b, "0.007812");
    jw_format_number(b, sizeof b, 0.0234375);    /* 3/128, an exact half: to even, ...38 */
    CHECK_STR(b, "0.023438");
    jw_format_number(b, sizeof b, 0.9999996);    /* rounds up into the integer part */
    CHECK_STR(b, "1");
    jw_format_number(b, sizeof b, NAN);
    CHECK_STR(b, "0");
}

static void test_numbers_as_printf(void)
{
    static const double edges[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 0.0078125, -0.0078125, 0.0234375, 5e-7, 4.9999999e-7,
        5.0000001e-7, 1e-7, 0.9999995, 0.99999949999, 0.9999994999999999, 123456.1234565,
        9007199254740991.0, 9007199254740992.0, 9007199254740993.0, 4503599627370495.5,
        1e20, -1e-9, 1e-300, 5e-324, 1.7976931348623157e308, 3.34, 8830.974, 17.994,
        INFINITY, -INFINITY, NAN,
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) bad += !same_number(edges[i]);
    /* every multiple of 2^-20 below 2: many exact halves of a millionth's neighbours */
    for (uint32_t k = 0; k < (2u << 20); k += 7) bad += !same_number(ldexp(k, -20));
    /* random doubles of every magnitude the reports use, and random bit patterns */
    srand(7);
    for (int i = 0; i < 200000; i++) {
        double m = (double)rand() / RAND_MAX;
        int e = rand() % 80 - 40;
        bad += !same_number((rand() & 1 ? -1 : 1) * ldexp(m, e));
        uint64_t bits = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
        double d;
        memcpy(&d, &bits, sizeof d);
        bad += !same_number(d);
    }
    CHECK_EQ(bad, 0);
}

/* ---- the writer ----------------------------------------------------------------- */

/* A document several times the buffer: what reaches the FILE is what the old writer wrote
 * (checked token by token against the reference escaper), and nothing is held back once
 * the outermost value closes. */
static void test_buffer_flushes(void)
{
    capture a, b;
    capture_open(&a);
    capture_open(&b);
    jw *w = malloc(sizeof *w);
    jw_init(w, a.f);
    jw_open(w, NULL, '{', false);
    fputs("{", b.f);
    jw_open(w, "v", '[', false);
    fputs("\n  \"v\": [", b.f);
    char s[300];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(i % 290);
        for (size_t k = 0; k < n; k++) s[k] = (char)(k % 7 == 3 ? '"' : 'a' + k % 26);
        s[n] = '\0';
        jw_str(w, NULL, s);
        fputs(i ? ",\n    " : "\n    ", b.f);
        old_string(b.f, s);
        jw_u64(w, NULL, UINT64_MAX - (uint64_t)i);
        fprintf(b.f, ",\n    %" PRIu64, UINT64_MAX - (uint64_t)i);
    }
    jw_close(w, ']');
    fputs("\n  ]", b.f);
    jw_close(w, '}');
    fputs("\n}\n", b.f);
    fflush(a.f);   /* the FILE's own buffer; jw's must already be empty */
    CHECK(a.len > 4 * JW_BUF_SIZE);
    CHECK_EQ(w->len, 0);
    fflush(b.f);
    CHECK(a.len == b.len && memcmp(a.text, b.text, a.len) == 0);
    capture_close(&a);
    capture_close(&b);
    free(a.text);
    free(b.text);
    free(w);
}

int main(void)
{
    RUN(test_escapes_by_hand);
    RUN(test_every_byte_as_before);
    RUN(test_random_utf8_as_before);
    RUN(test_numbers_by_hand);
    RUN(test_numbers_as_printf);
    RUN(test_buffer_flushes);
    return CHECK_DONE();
}
