/* test_utf8.c - the vector UTF-8 check (src/input/utf8_simd.c) against the scalar
 * reference of decode.c, and both against positions worked out by hand: every class of
 * invalid sequence (Unicode Table 3-7) planted at every offset of ASCII and CJK text
 * around the 16/32/64-byte block boundaries, cut sequences at the end, and random
 * mixtures. Each available implementation (scalar, SSSE3, AVX2) is run.
 */
#include "check.h"
#include "../../src/input/utf8_simd.h"

#include <stdlib.h>

static const pt_utf8_impl impls[] = {PT_UTF8_SCALAR, PT_UTF8_SSSE3, PT_UTF8_AVX2, PT_UTF8_AUTO};
#define N_IMPLS (sizeof impls / sizeof impls[0])

/* Whether impl runs vector code here (AUTO does when the CPU has SSSE3 or AVX2). */
static bool vectorized(pt_utf8_impl impl)
{
    if (impl == PT_UTF8_AUTO)
        return pt_utf8_impl_available(PT_UTF8_SSSE3) || pt_utf8_impl_available(PT_UTF8_AVX2);
    return impl != PT_UTF8_SCALAR && pt_utf8_impl_available(impl);
}

/* Invalid sequences, each with the length of its valid prefix (always 0 here: the bad
 * sequence is the first thing it holds) and what the scalar replacement consumes. */
typedef struct {
    const char *bytes;
    size_t len;
    const char *what;
} bad_seq;

static const bad_seq bad_seqs[] = {
    {"\xC0\xAF", 2, "overlong 2-byte (C0)"},
    {"\xC1\xBF", 2, "overlong 2-byte (C1)"},
    {"\xE0\x80\xAF", 3, "overlong 3-byte"},
    {"\xE0\x9F\xBF", 3, "overlong 3-byte, top"},
    {"\xF0\x80\x80\xAF", 4, "overlong 4-byte"},
    {"\xF0\x8F\xBF\xBF", 4, "overlong 4-byte, top"},
    {"\xED\xA0\x80", 3, "surrogate D800"},
    {"\xED\xBF\xBF", 3, "surrogate DFFF"},
    {"\xF4\x90\x80\x80", 4, "U+110000"},
    {"\xF5\x80\x80\x80", 4, "lead F5"},
    {"\xF7\xBF\xBF\xBF", 4, "lead F7"},
    {"\xF8\x88\x80\x80\x80", 5, "5-byte form"},
    {"\xFC\x84\x80\x80\x80\x80", 6, "6-byte form"},
    {"\xFE", 1, "FE"},
    {"\xFF", 1, "FF"},
    {"\x80", 1, "stray continuation 80"},
    {"\xBF", 1, "stray continuation BF"},
    {"\xC3", 1, "2-byte lead then ASCII"},
    {"\xE4\xB8", 2, "3-byte lead, one continuation, then ASCII"},
    {"\xE4", 1, "3-byte lead then ASCII"},
    {"\xF0\x9F\x98", 3, "4-byte lead, two continuations, then ASCII"},
    {"\xF0\x9F", 2, "4-byte lead, one continuation, then ASCII"},
    {"\xC3\xA9\x80", 3, "continuation after a whole 2-byte sequence"},
    {"\xE4\xB8\xAD\x80", 4, "continuation after a whole 3-byte sequence"},
    {"\xF0\x9F\x98\x80\x80", 5, "continuation after a whole 4-byte sequence"},
    {"\xC3\xC3", 2, "2-byte lead then lead"},
    {"\xE4\xE4\xB8\xAD", 4, "3-byte lead then a whole 3-byte sequence"},
};
#define N_BAD (sizeof bad_seqs / sizeof bad_seqs[0])

/* Where the first invalid byte of each bad_seq is, counted from its start: the valid
 * sequences some of them begin with are skipped by the scalar scan. */
static size_t bad_offset(const bad_seq *b)
{
    if (!strcmp(b->what, "continuation after a whole 2-byte sequence")) return 2;
    if (!strcmp(b->what, "continuation after a whole 3-byte sequence")) return 3;
    if (!strcmp(b->what, "continuation after a whole 4-byte sequence")) return 4;
    return 0;
}

/* Fill p[0..n) with whole valid sequences: ASCII only, or the 3-byte 中 (E4 B8 AD) and
 * ',' mixed, or 2- and 4-byte ones (é C3 A9, 😀 F0 9F 98 80), cycling; any room left
 * at the end becomes ASCII. */
static void fill_valid(uint8_t *p, size_t n, int style)
{
    static const char *pieces[3][3] = {{"a", "b", ","},
                                       {"\xE4\xB8\xAD", ",", "\xE4\xB8\xAD"},
                                       {"\xC3\xA9", "\xF0\x9F\x98\x80", "x"}};
    size_t i = 0, k = 0;
    while (i < n) {
        const char *piece = pieces[style][k++ % 3];
        size_t len = strlen(piece);
        if (i + len > n) piece = "z", len = 1;
        memcpy(p + i, piece, len);
        i += len;
    }
}

/* Back up from i to a sequence boundary of valid text (never more than 3 bytes). */
static size_t boundary_at_or_before(const uint8_t *p, size_t i)
{
    while (i > 0 && (p[i] & 0xC0) == 0x80) i--;
    return i;
}

/* What every implementation promises: b <= n, p[0..b) whole and valid per the scalar
 * reference, and the combined check equal to the scalar one. */
static int check_contract(pt_utf8_impl impl, const uint8_t *p, size_t n)
{
    size_t b = pt_utf8_valid_upto_with(impl, p, n);
    pt_utf8_stop stop;
    size_t ref = pt_input_utf8_valid_prefix_scalar(p, n, &stop);
    if (b > ref) return 0;
    size_t rest;
    pt_utf8_stop stop_rest;
    if (b > 0 && pt_input_utf8_valid_prefix_scalar(p, b, &stop_rest) != b) return 0;
    rest = pt_input_utf8_valid_prefix_scalar(p + b, n - b, &stop_rest);
    if (b + rest != ref || stop_rest != stop) return 0;
    pt_utf8_stop stop_all;
    return pt_input_utf8_valid_prefix(p, n, &stop_all) == ref && stop_all == stop;
}

/* ---- tests ---- */

static void test_valid_text_all_lengths(void)
{
    uint8_t buf[400];
    for (int style = 0; style < 3; style++) {
        for (size_t n = 0; n <= 300; n++) {
            fill_valid(buf, n, style);
            pt_utf8_stop stop;
            CHECK_EQ(pt_input_utf8_valid_prefix_scalar(buf, n, &stop), n);
            CHECK_EQ(stop, PT_U8_ALL);
            for (size_t k = 0; k < N_IMPLS; k++) {
                if (!pt_utf8_impl_available(impls[k])) continue;
                size_t b = pt_utf8_valid_upto_with(impls[k], buf, n);
                /* vector code must vouch for all of valid text (it is the fast path) */
                if (vectorized(impls[k])) CHECK_EQ(b, n);
                else CHECK_EQ(b, 0);
            }
        }
    }
}

/* Each bad sequence planted at each offset 0..200 of valid text, with valid text after:
 * the valid prefix ends exactly at the plant (moved back to the sequence boundary the
 * fill left there) plus the bad sequence's own valid start. */
static void test_every_invalid_class_everywhere(void)
{
    uint8_t buf[300];
    int failures = 0;
    for (size_t c = 0; c < N_BAD; c++) {
        const bad_seq *bs = &bad_seqs[c];
        for (int style = 0; style < 3; style++) {
            for (size_t at = 0; at <= 200; at++) {
                size_t n = 260;
                fill_valid(buf, n, style);
                size_t pos = boundary_at_or_before(buf, at);
                memcpy(buf + pos, bs->bytes, bs->len);
                /* what follows the plant must start a sequence: ASCII keeps that simple */
                for (size_t j = pos + bs->len; j < pos + bs->len + 4 && j < n; j++) buf[j] = 'q';
                pt_utf8_stop stop;
                size_t want = pos + bad_offset(bs);
                size_t got = pt_input_utf8_valid_prefix_scalar(buf, n, &stop);
                if (got != want || stop != PT_U8_INVALID) {
                    if (failures++ < 5)
                        printf("#   scalar: %s at %zu: prefix %zu (stop %d), expected %zu\n",
                               bs->what, pos, got, (int)stop, want);
                }
                for (size_t k = 0; k < N_IMPLS; k++) {
                    if (!pt_utf8_impl_available(impls[k])) continue;
                    size_t b = pt_utf8_valid_upto_with(impls[k], buf, n);
                    bool ok = check_contract(impls[k], buf, n) && b <= want &&
                              (!vectorized(impls[k]) || b + 64 + 4 >= want);
                    if (!ok && failures++ < 5)
                        printf("#   impl %d: %s at %zu: vouched for %zu, invalid at %zu\n",
                               (int)impls[k], bs->what, pos, b, want);
                }
            }
        }
    }
    CHECK_EQ(failures, 0);
}

/* A sequence cut by the end of the buffer: PT_U8_CUT at its start, for every length
 * and for each of the 2-, 3- and 4-byte leads cut after each of their bytes. */
static void test_cut_at_end(void)
{
    static const char *seqs[] = {"\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xED\x9F\xBF",
                                 "\xF4\x8F\xBF\xBF"};
    uint8_t buf[320];
    int failures = 0;
    for (size_t s = 0; s < sizeof seqs / sizeof seqs[0]; s++) {
        size_t len = strlen(seqs[s]);
        for (size_t keep = 1; keep < len; keep++) {
            for (size_t n0 = 0; n0 <= 300; n0++) {
                fill_valid(buf, n0, (int)(n0 % 3));
                memcpy(buf + n0, seqs[s], keep);
                size_t n = n0 + keep;
                pt_utf8_stop stop;
                size_t got = pt_input_utf8_valid_prefix_scalar(buf, n, &stop);
                if ((got != n0 || stop != PT_U8_CUT) && failures++ < 5)
                    printf("#   scalar: cut %zu/%zu at %zu: %zu stop %d\n", keep, len, n0, got,
                           (int)stop);
                for (size_t k = 0; k < N_IMPLS; k++) {
                    if (!pt_utf8_impl_available(impls[k])) continue;
                    size_t b = pt_utf8_valid_upto_with(impls[k], buf, n);
                    bool ok = check_contract(impls[k], buf, n) &&
                              (vectorized(impls[k]) ? b == n0 : b == 0);
                    if (!ok && failures++ < 5)
                        printf("#   impl %d: cut %zu/%zu at %zu: vouched for %zu\n",
                               (int)impls[k], keep, len, n0, b);
                }
            }
        }
    }
    CHECK_EQ(failures, 0);
}

/* Random bytes drawn from a small alphabet that makes every kind of pair likely
 * (ASCII, each continuation range, each lead with a special second-byte range). */
static void test_random_against_scalar(void)
{
    static const uint8_t alphabet[] = {'a', ',', '\n', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                       0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                       0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF};
    static const char *valid[] = {"\xE4\xB8\xAD", "\xC3\xA9", "\xF0\x9F\x98\x80", "ab", "\xE0\xA0\x80",
                                  "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF", "\xEE\x80\x80"};
    uint8_t buf[600];
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int failures = 0;
    for (int round = 0; round < 40000; round++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t n = (size_t)(seed >> 33) % 520;
        /* mostly valid text with rare damage, so errors land anywhere, late ones too */
        unsigned damage = (unsigned)(seed >> 20) % 4;   /* 0: none .. 3: heavy */
        size_t i = 0;
        while (i < n) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(seed >> 40);
            if (damage && r % (damage == 3 ? 3 : 200) == 0) {
                buf[i++] = alphabet[(r >> 8) % sizeof alphabet];
            } else {
                const char *v = valid[(r >> 8) % (sizeof valid / sizeof valid[0])];
                size_t len = strlen(v);
                if (len > n - i) len = n - i;   /* a cut sequence at the very end */
                memcpy(buf + i, v, len);
                i += len;
            }
        }
        for (size_t k = 0; k < N_IMPLS; k++) {
            if (!pt_utf8_impl_available(impls[k])) continue;
            if (!check_contract(impls[k], buf, n) && failures++ < 5)
                printf("#   impl %d: round %d (n %zu) breaks the contract\n", (int)impls[k], round, n);
        }
    }
    CHECK_EQ(failures, 0);
}

/* Every 1- and 2-byte input, and every 3-byte one starting with a lead byte, against a
 * direct reading of Table 3-7: the vector code sees them with zero padding around. */
static bool table_3_7_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c <= 0x7F) len = 1;
        else if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) len = 3, lo = 0xA0;
        else if (c == 0xED) len = 3, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF) len = 3;
        else if (c == 0xF0) len = 4, lo = 0x90;
        else if (c == 0xF4) len = 4, hi = 0x8F;
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; k++) {
            uint8_t b = p[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
        }
        i += len;
    }
    return true;
}

static void test_short_inputs_exhaustive(void)
{
    uint8_t buf[3];
    int failures = 0;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            for (unsigned c = 0; c < (a >= 0xE0 ? 256u : 1u); c++) {
                size_t n = a >= 0xE0 ? 3 : 2;
                buf[0] = (uint8_t)a, buf[1] = (uint8_t)b, buf[2] = (uint8_t)c;
                bool want = table_3_7_valid(buf, n);
                for (size_t k = 1; k < N_IMPLS; k++) {
                    if (!vectorized(impls[k])) continue;
                    /* a whole valid input is vouched for in full, nothing else is */
                    bool whole = pt_utf8_valid_upto_with(impls[k], buf, n) == n;
                    if (whole != want && failures++ < 5)
                        printf("#   impl %d: %02X %02X %02X: valid %d, vouched %d\n",
                               (int)impls[k], a, b, c, (int)want, (int)whole);
                }
                pt_utf8_stop stop;
                bool scalar = pt_input_utf8_valid_prefix_scalar(buf, n, &stop) == n;
                if (scalar != want && failures++ < 5)
                    printf("#   scalar: %02X %02X %02X: valid %d\n", a, b, c, (int)want);
            }
        }
    }
    CHECK_EQ(failures, 0);
}

/* The decoder's replacement count and first offset come out as worked out by hand
 * whatever the vector code does: 3 bad bytes in 300 KB of CJK text at known places. */
static void test_decoder_counts_unchanged(void)
{
    size_t n = 300000;
    uint8_t *in = malloc(n), *orig = malloc(n), *out = malloc(n * 3 + 16);
    fill_valid(orig, n, 1);
    memcpy(in, orig, n);
    size_t plants[3] = {1000, 70001, 299990};
    uint64_t want = 0;
    for (int k = 0; k < 3; k++) {
        plants[k] = boundary_at_or_before(in, plants[k]);
        in[plants[k]] = 0xFF;
        /* FF over the lead of 中 (E4 B8 AD) leaves two stray continuations after it, each
         * replaced on its own; FF over ',' is one replacement */
        want += orig[plants[k]] == 0xE4 ? 3 : 1;
    }
    pt_badseq bad = {0};
    pt_decode_step st = {.in = in, .in_len = n, .in_offset = 5, .at_eof = true, .out = out,
                         .out_cap = n * 3 + 16, .bad = &bad};
    pt_input_decode_utf8(&st);
    CHECK_EQ(st.in_used, n);
    CHECK_EQ(bad.first, 5 + plants[0]);
    CHECK_EQ(bad.count, want);
    CHECK_EQ(st.out_made, n + 2 * want);   /* each replaced byte became 3 bytes of U+FFFD */
    free(in);
    free(orig);
    free(out);
}

/* Decodes in[0..n) through out_cap-byte steps as source.c does, passing on what is left
 * of the vouched prefix; returns the bytes made into out. */
static size_t decode_in_steps(const uint8_t *in, size_t n, size_t vouched, size_t out_cap,
                              uint8_t *out, pt_badseq *bad)
{
    size_t i = 0, o = 0;
    while (i < n) {
        pt_decode_step st = {.in = in + i, .in_len = n - i, .in_offset = i, .at_eof = true,
                             .out = out + o, .out_cap = out_cap, .bad = bad,
                             .vouched = vouched};
        pt_input_decode_utf8(&st);
        if (st.in_used == 0) break; /* never happens: room is at least 4 */
        pt_utf8_stop stop; /* each step makes whole sequences (a consumer may cut there) */
        CHECK_EQ(pt_input_utf8_valid_prefix_scalar(out + o, st.out_made, &stop), st.out_made);
        i += st.in_used;
        o += st.out_made;
        vouched = st.in_used < vouched ? vouched - st.in_used : 0;
    }
    return o;
}

/* A head the encoding guess vouched for and a tail with a bad byte: copying the vouched
 * bytes unchecked gives what checking them gives, even when a step's room cuts a
 * vouched 3-byte sequence (out_cap 4 and 7 cut 中 E4 B8 AD mid-way). */
static void test_decoder_vouched_head_invalid_tail(void)
{
    size_t n = 40000;
    uint8_t *in = malloc(n), *orig = malloc(n), *out = malloc(n * 3 + 16);
    uint8_t *expect = malloc(n * 3 + 16);
    fill_valid(orig, n, 1);
    memcpy(in, orig, n);
    size_t plant = boundary_at_or_before(in, 30001);
    in[plant] = 0xFF;
    /* FF over the lead of 中 leaves its two continuations stray: 3 replacements, the
     * first at plant; FF over ',' is 1 */
    size_t stray = orig[plant] == 0xE4 ? 2 : 0, want = 1 + stray;
    memcpy(expect, orig, plant);
    for (size_t k = 0; k < want; k++) memcpy(expect + plant + 3 * k, "\xEF\xBF\xBD", 3);
    size_t rest = n - plant - want;
    memcpy(expect + plant + 3 * want, orig + plant + want, rest);
    size_t expect_len = plant + 3 * want + rest;

    size_t sniffed;
    CHECK_EQ(pt_input_sniff_encoding_vouched(in, n, &sniffed), PT_ENC_UTF8);
    CHECK(sniffed <= plant); /* the guess never vouches for the bad byte */
    size_t vouched[] = {0, sniffed, plant};
    size_t caps[] = {4, 7, 4093, n * 3 + 16};
    for (size_t v = 0; v < sizeof vouched / sizeof vouched[0]; v++) {
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
            pt_badseq bad = {0};
            size_t made = decode_in_steps(in, n, vouched[v], caps[c], out, &bad);
            CHECK_EQ(made, expect_len);
            CHECK(made == expect_len && memcmp(out, expect, made) == 0);
            CHECK_EQ(bad.count, want);
            CHECK_EQ(bad.first, plant);
        }
    }
    free(in);
    free(orig);
    free(out);
    free(expect);
}

int main(void)
{
    RUN(test_valid_text_all_lengths);
    RUN(test_every_invalid_class_everywhere);
    RUN(test_cut_at_end);
    RUN(test_random_against_scalar);
    RUN(test_short_inputs_exhaustive);
    RUN(test_decoder_counts_unchanged);
    RUN(test_decoder_vouched_head_invalid_tail);
    return CHECK_DONE();
}
