/* test_split.c - the CSV cut of src/records/split.c (64-byte bitmask blocks, vector and
 * portable masks) against a byte-by-byte reading of its rules written here: a quote
 * opens a quoted field only at the start of a field (chunk start, after the delimiter
 * or a newline), "" inside is a quote, any other quote is literal; the cut goes after
 * the last newline outside quoted fields; a field still open at the end (or closed by
 * the very last byte, which may yet be doubled) keeps its line for the next chunk.
 * Every mask builder the machine has (portable, SSE2, AVX2) is run.
 */
#include "check.h"
#include "pitally/records.h"
#include "../../src/records/split_internal.h"

#include <stdlib.h>
#include <string.h>

/* The rules, one byte at a time. */
static size_t oracle_cut(const char *b, size_t n, char delim)
{
    size_t cut = 0, i = 0;
    bool field_start = true;
    while (i < n) {
        if (b[i] == '"' && field_start) {
            size_t j = i + 1;
            for (;;) {
                if (j >= n) return cut;          /* still open at the end */
                if (b[j] == '"') {
                    if (j + 1 >= n) return cut;  /* last byte: may be half of a "" */
                    if (b[j + 1] != '"') break;
                    j += 2;
                    continue;
                }
                j++;
            }
            i = j + 1;   /* after the closing quote: not a field start */
            field_start = false;
            continue;
        }
        if (b[i] == '\n') cut = i + 1;
        field_start = b[i] == delim || b[i] == '\n';
        i++;
    }
    return cut;
}

static size_t splitter_cut(const char *b, size_t n, char delim)
{
    pt_dialect d = {.format = PT_FMT_CSV, .delim_len = 1};
    d.delim[0] = delim;
    pt_splitter *s = pt_splitter_new(&d);
    size_t cut = pt_splitter_cut(s, b, n, false);
    pt_splitter_free(s);
    return cut;
}

static const pt_split_masks ways[] = {PT_SPLIT_PORTABLE, PT_SPLIT_SSE2, PT_SPLIT_AVX2};
static const char *const way_names[] = {"portable", "sse2", "avx2"};
#define N_WAYS (sizeof ways / sizeof ways[0])

/* 0 when every mask builder the machine has, and the splitter itself, agree with the
 * oracle on b[0..n); else prints the case. */
static int compare(const char *b, size_t n, char delim, const char *label)
{
    size_t want = oracle_cut(b, n, delim);
    int bad = 0;
    for (size_t k = 0; k < N_WAYS; k++) {
        if (!pt_split_masks_available(ways[k])) continue;
        size_t got = pt_split_csv_with(b, n, delim, ways[k]);
        if (got != want) {
            printf("#   %s (n %zu, delim '%c'): oracle %zu, %s %zu\n", label, n, delim, want,
                   way_names[k], got);
            bad = 1;
        }
    }
    size_t full = splitter_cut(b, n, delim);
    if (full != want) {
        printf("#   %s (n %zu, delim '%c'): oracle %zu, splitter %zu\n", label, n, delim, want, full);
        bad = 1;
    }
    return bad;
}

/* ---- worked by hand ---- */

static void test_hand_cases(void)
{
    /* a,"x\ny"\nb,c\n: the newline at 4 is quoted, those at 7 and 11 are not */
    CHECK_EQ(pt_split_csv_with("a,\"x\ny\"\nb,c\n", 12, ',', PT_SPLIT_AUTO), 12);
    CHECK_EQ(pt_split_csv_with("a,\"x\ny\"\nb,c\n", 5, ',', PT_SPLIT_AUTO), 0);
    /* a stray quote in an unquoted field is literal: 5'10" then a real quoted field */
    CHECK_EQ(pt_split_csv_with("h,5'10\",x\nq,\"a\nb\"\nz", 19, ',', PT_SPLIT_AUTO), 18);
    /* "" pairs keep the field open: "a""\n""b"\n -> only the last newline counts */
    CHECK_EQ(pt_split_csv_with("\"a\"\"\n\"\"b\"\n", 10, ',', PT_SPLIT_AUTO), 10);
    /* a closing quote as the last byte may be half a "": the line stays */
    CHECK_EQ(pt_split_csv_with("x\n\"ab\"", 6, ',', PT_SPLIT_AUTO), 2);
    /* no newline at all */
    CHECK_EQ(pt_split_csv_with("abc,def", 7, ',', PT_SPLIT_AUTO), 0);
    CHECK_EQ(pt_split_csv_with("", 0, ',', PT_SPLIT_AUTO), 0);
}

/* A long quoted field crossing many blocks, with "" and newlines placed at every offset
 * around the 64-byte block edges. */
static void test_quoted_field_across_blocks(void)
{
    char buf[400];
    int failures = 0;
    for (size_t at = 0; at < 300; at++) {
        /* x,"<filler with "" at `at` and \n after it>"\ny\n  */
        size_t n = 0;
        memcpy(buf, "x,\"", 3);
        n = 3;
        while (n < 3 + at) buf[n++] = 'f';
        memcpy(buf + n, "\"\"\n", 3);
        n += 3;
        while (n < 330) buf[n++] = 'g';
        memcpy(buf + n, "\"\nyy\n", 5);
        n += 5;
        /* by hand: the field closes at 330, newlines outside it at 331 and 334 */
        size_t want = 335;
        for (size_t k = 0; k < N_WAYS; k++) {
            if (!pt_split_masks_available(ways[k])) continue;
            size_t got = pt_split_csv_with(buf, n, ',', ways[k]);
            if (got != want && failures++ < 5)
                printf("#   \"\" at %zu, %s: cut %zu, expected %zu\n", at, way_names[k], got, want);
            /* cut just before the closing quote: only the field's line is lost -> 0 */
            got = pt_split_csv_with(buf, 330, ',', ways[k]);
            if (got != 0 && failures++ < 5)
                printf("#   \"\" at %zu, %s, open: cut %zu, expected 0\n", at, way_names[k], got);
        }
        failures += compare(buf, n, ',', "quoted field across blocks");
    }
    CHECK_EQ(failures, 0);
}

/* Every length 0..300 of random text over a quote-heavy alphabet, for three delimiters
 * (the delimiter itself may appear as data). */
static void test_random_against_oracle(void)
{
    static const char alphabet[] = "\"\"\"\",,;\n\naab\r\t";
    static const char delims[] = {',', ';', '\t'};
    char buf[320];
    uint64_t seed = 12345;
    int failures = 0;
    for (int round = 0; round < 20; round++) {
        for (size_t n = 0; n <= 300; n++) {
            for (size_t d = 0; d < sizeof delims; d++) {
                for (size_t i = 0; i < n; i++) {
                    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                    /* rounds differ in quote density: some with none at all */
                    unsigned r = (unsigned)(seed >> 33);
                    char c = alphabet[r % (sizeof alphabet - 1)];
                    if (c == '"' && (unsigned)round % 4 == 0) c = 'q';
                    if (c == '"' && (unsigned)round % 4 == 1 && (r >> 8) % 16) c = 'q';
                    buf[i] = c;
                }
                if (compare(buf, n, delims[d], "random") && ++failures > 5) {
                    CHECK_EQ(failures, 0);
                    return;
                }
            }
        }
    }
    CHECK_EQ(failures, 0);
}

/* Realistic records, long enough to make runs of quote-free blocks and memchr skips:
 * well-formed quoted fields, then the same with stray literal quotes sprinkled in. */
static void test_long_records(void)
{
    size_t cap = 200000, n = 0;
    char *buf = malloc(cap);
    uint64_t seed = 99;
    int failures = 0;
    while (n + 300 < cap) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(seed >> 33);
        n += (size_t)sprintf(buf + n, "name%u,%u,", r % 1000, r);
        if (r % 4 == 0) n += (size_t)sprintf(buf + n, "\"addr, %u\nline \"\"two\"\"\"", r % 77);
        else n += (size_t)sprintf(buf + n, "plain address %u", r % 77);
        if (r % 97 == 0) n += (size_t)sprintf(buf + n, ",5'10\" tall");   /* literal quote */
        n += (size_t)sprintf(buf + n, ",%u\n", r % 13);
    }
    for (size_t len = n - 700; len <= n; len++) failures += compare(buf, len, ',', "records");
    for (size_t len = 0; len < 2000; len += 7) failures += compare(buf, len, ',', "records");
    CHECK_EQ(failures, 0);
    free(buf);
}

/* The newline count (line numbers), every way the machine has, against a byte loop: each
 * start offset 0..63 in a buffer (every alignment of the vector loads) and each length
 * 0..300, over random text whose newline density changes by round (none, some, all).
 * Then 40,000 newlines in a row: far past the 255 blocks after which a byte lane of a
 * vector accumulator must be summed (one lane would count 625 per 64-byte stride). */
static size_t oracle_newlines(const char *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += b[i] == '\n';
    return k;
}

static int compare_newlines(const char *b, size_t n, const char *label)
{
    uint64_t want = oracle_newlines(b, n);
    int bad = 0;
    for (size_t k = 0; k < N_WAYS; k++) {
        if (!pt_split_masks_available(ways[k])) continue;
        uint64_t got = pt_count_newlines_with(b, n, ways[k]);
        if (got != want) {
            printf("#   %s (n %zu, at %p): %llu newlines, %s counts %llu\n", label, n,
                   (const void *)b, (unsigned long long)want, way_names[k], (unsigned long long)got);
            bad = 1;
        }
    }
    if (pt_count_newlines(b, n) != want) bad = 1;
    return bad;
}

static void test_newline_count(void)
{
    static char buf[64 + 300];
    uint64_t seed = 7;
    int failures = 0;
    for (unsigned round = 0; round < 4; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(seed >> 33);
            /* round 0: no newline; 1: one byte in 16; 2: one in 2; 3: all; \r and a
             * byte with the high bit (a \n ^ 0x80 look-alike) as the others */
            bool nl = round == 3 || (round == 1 && r % 16 == 0) || (round == 2 && r % 2 == 0);
            buf[i] = nl ? '\n' : "a\r\x8a,"[r % 4];
        }
        for (size_t at = 0; at < 64; at++)
            for (size_t n = 0; n <= 300; n++)
                if (compare_newlines(buf + at, n, "random") && ++failures > 5) {
                    CHECK_EQ(failures, 0);
                    return;
                }
    }
    size_t big = 40000;
    char *all = malloc(big + 1);
    memset(all, '\n', big);
    for (size_t at = 0; at < 2; at++) failures += compare_newlines(all + at, big - at, "all newlines");
    CHECK_EQ(pt_count_newlines(all, big), 40000);
    free(all);
    CHECK_EQ(pt_count_newlines("a\nb\n\n", 5), 3);
    CHECK_EQ(failures, 0);
}

int main(void)
{
    RUN(test_hand_cases);
    RUN(test_quoted_field_across_blocks);
    RUN(test_random_against_oracle);
    RUN(test_long_records);
    RUN(test_newline_count);
    return CHECK_DONE();
}
