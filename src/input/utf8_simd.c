/* utf8_simd.c - UTF-8 validation 16 or 32 bytes at a time, for the reader thread: every
 * decoded byte of every input passes through here, so with -j2 on two cores each cycle
 * spent here is taken from the workers.
 *
 * The method is the "lookup" check of Keiser and Lemire (simdjson, simdutf), written
 * from the definition of UTF-8 (Unicode Table 3-7):
 *   - every pair of adjacent bytes (prev1, cur) is classified by three 16-entry tables
 *     indexed by the high nibble of prev1, the low nibble of prev1 and the high nibble of
 *     cur; the AND of the three entries has a bit set for each error class the pair is in
 *     (lead then no continuation, ASCII then continuation, overlong, surrogate, above
 *     U+10FFFF), plus one bit for "continuation after continuation";
 *   - a continuation after a continuation is right exactly when the byte two back is a
 *     3- or 4-byte lead or the byte three back is a 4-byte lead: that is computed with
 *     saturating subtractions and compared (XOR) with the pair bit.
 * Any set bit is an error. Segments of 64 bytes that are all ASCII only check that the
 * previous segment did not end inside a sequence.
 *
 * The result is only "p[0..b) is valid": the caller (decode.c) checks what follows with
 * the scalar code, which decides the exact stop, so the vector code can never change an
 * error offset or count, only how much scalar work is left.
 */
#include "utf8_simd.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define PT_UTF8_X86 1
#include <immintrin.h>
#endif

#define SEGMENT 64
#define NO_ERROR ((size_t)-1)

#ifdef PT_UTF8_X86

/* Error classes, one bit each, of a pair (prev1, cur). */
enum {
    TOO_SHORT = 0x01,   /* lead byte, then no continuation */
    TOO_LONG = 0x02,    /* ASCII, then a continuation */
    OVERLONG_3 = 0x04,  /* E0 80-9F */
    TOO_LARGE = 0x08,   /* F4 90-BF, F5-FF 90-BF */
    SURROGATE = 0x10,   /* ED A0-BF */
    OVERLONG_2 = 0x20,  /* C0, C1 */
    F_THEN_8X = 0x40,   /* F0 80-8F (overlong) and F5-FF 80-8F (too large) */
    TWO_CONTS = 0x80    /* continuation, then continuation: right only inside a 3/4-byte sequence */
};
#define ANY_PAIR (TOO_SHORT | TOO_LONG | TWO_CONTS) /* classes that need no low-nibble test */
#define ANY_NEXT OVERLONG_2                         /* C0/C1 are wrong whatever follows */

/* Classes possible given the high nibble of the first byte of the pair. */
static const uint8_t by_first_high[16] = {
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, /* 0-7 */
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,                                     /* 8-B */
    TOO_SHORT | OVERLONG_2,                                                         /* C */
    TOO_SHORT,                                                                      /* D */
    TOO_SHORT | OVERLONG_3 | SURROGATE,                                             /* E */
    TOO_SHORT | TOO_LARGE | F_THEN_8X,                                              /* F */
};

/* Classes possible given the low nibble of the first byte. */
static const uint8_t by_first_low[16] = {
    ANY_PAIR | OVERLONG_2 | OVERLONG_3 | F_THEN_8X,  /* x0: C0, E0, F0 */
    ANY_PAIR | OVERLONG_2,                           /* x1: C1 */
    ANY_PAIR,
    ANY_PAIR,
    ANY_PAIR | TOO_LARGE,                            /* x4: F4 */
    ANY_PAIR | TOO_LARGE | F_THEN_8X,                /* x5-xF: F5-FF */
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X | SURROGATE,    /* xD: ED */
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
    ANY_PAIR | TOO_LARGE | F_THEN_8X,
};

/* Classes possible given the high nibble of the second byte. */
static const uint8_t by_second_high[16] = {
    TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT,
    TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT,
    TOO_LONG | TWO_CONTS | ANY_NEXT | OVERLONG_3 | F_THEN_8X,  /* 80-8F */
    TOO_LONG | TWO_CONTS | ANY_NEXT | OVERLONG_3 | TOO_LARGE,  /* 90-9F */
    TOO_LONG | TWO_CONTS | ANY_NEXT | SURROGATE | TOO_LARGE,   /* A0-AF */
    TOO_LONG | TWO_CONTS | ANY_NEXT | SURROGATE | TOO_LARGE,   /* B0-BF */
    TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT, TOO_SHORT | ANY_NEXT,
};

/* The last bytes of a block that leave a sequence open: a byte above the limit at its
 * position (the last byte >= C0, the one before >= E0, the one before that >= F0). */
static const uint8_t open_at_end_limit[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF,
};

/* ---- 16-byte vectors (SSSE3: pshufb and palignr) ---- */

#define SSSE3 __attribute__((target("ssse3")))
#define SSSE3_INLINE __attribute__((target("ssse3"), always_inline)) inline

/* The error bits of in, whose preceding 16 bytes are prev_in. */
SSSE3_INLINE static __m128i errors_ssse3(__m128i in, __m128i prev_in)
{
    const __m128i nibble = _mm_set1_epi8(0x0F);
    __m128i prev1 = _mm_alignr_epi8(in, prev_in, 15);
    __m128i prev2 = _mm_alignr_epi8(in, prev_in, 14);
    __m128i prev3 = _mm_alignr_epi8(in, prev_in, 13);
    __m128i first_high = _mm_and_si128(_mm_srli_epi16(prev1, 4), nibble);
    __m128i first_low = _mm_and_si128(prev1, nibble);
    __m128i second_high = _mm_and_si128(_mm_srli_epi16(in, 4), nibble);
    __m128i pair = _mm_and_si128(
        _mm_and_si128(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)by_first_high), first_high),
                      _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)by_first_low), first_low)),
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)by_second_high), second_high));
    /* 0x80 where two back is E0-FF or three back is F0-FF: a continuation must follow */
    __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80)));
    __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80)));
    __m128i must_continue = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8((char)0x80));
    return _mm_xor_si128(must_continue, pair);
}

SSSE3_INLINE static bool any_set_ssse3(__m128i v)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) != 0xFFFF;
}

/* Start of the first 64-byte segment of p[0..m) holding an error, NO_ERROR when p[0..m)
 * is valid and ends on a sequence boundary (the zero padding after the last partial
 * segment reads as ASCII, so an open sequence there is an error). */
SSSE3 static size_t first_bad_segment_ssse3(const uint8_t *p, size_t m)
{
    const __m128i limit = _mm_loadu_si128((const __m128i *)(open_at_end_limit + 16));
    __m128i prev = _mm_setzero_si128(), open_end = _mm_setzero_si128();
    uint8_t padded[SEGMENT];
    for (size_t i = 0;; i += SEGMENT) {
        const uint8_t *s = p + i;
        bool last = i + SEGMENT > m;
        if (last) {
            memset(padded, 0, SEGMENT);
            memcpy(padded, p + i, m - i);
            s = padded;
        }
        __m128i a = _mm_loadu_si128((const __m128i *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(s + 48));
        __m128i err;
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0) {
            err = open_end; /* all ASCII: only a sequence left open before is wrong */
            open_end = _mm_setzero_si128();
        } else {
            err = _mm_or_si128(_mm_or_si128(errors_ssse3(a, prev), errors_ssse3(b, a)),
                               _mm_or_si128(errors_ssse3(c, b), errors_ssse3(d, c)));
            open_end = _mm_subs_epu8(d, limit);
        }
        prev = d;
        if (any_set_ssse3(err)) return i;
        if (last) return NO_ERROR;
    }
}

/* ---- 32-byte vectors (AVX2) ---- */

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

AVX2_INLINE static __m256i errors_avx2(__m256i in, __m256i prev_in)
{
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    /* palignr works per 128-bit lane: first line up prev_in's high lane with in's low one */
    __m256i straddle = _mm256_permute2x128_si256(prev_in, in, 0x21);
    __m256i prev1 = _mm256_alignr_epi8(in, straddle, 15);
    __m256i prev2 = _mm256_alignr_epi8(in, straddle, 14);
    __m256i prev3 = _mm256_alignr_epi8(in, straddle, 13);
    __m256i first_high = _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble);
    __m256i first_low = _mm256_and_si256(prev1, nibble);
    __m256i second_high = _mm256_and_si256(_mm256_srli_epi16(in, 4), nibble);
    __m256i t1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)by_first_high));
    __m256i t2 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)by_first_low));
    __m256i t3 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)by_second_high));
    __m256i pair = _mm256_and_si256(
        _mm256_and_si256(_mm256_shuffle_epi8(t1, first_high), _mm256_shuffle_epi8(t2, first_low)),
        _mm256_shuffle_epi8(t3, second_high));
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must_continue =
        _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must_continue, pair);
}

AVX2 static size_t first_bad_segment_avx2(const uint8_t *p, size_t m)
{
    const __m256i limit = _mm256_loadu_si256((const __m256i *)open_at_end_limit);
    __m256i prev = _mm256_setzero_si256(), open_end = _mm256_setzero_si256();
    uint8_t padded[SEGMENT];
    for (size_t i = 0;; i += SEGMENT) {
        const uint8_t *s = p + i;
        bool last = i + SEGMENT > m;
        if (last) {
            memset(padded, 0, SEGMENT);
            memcpy(padded, p + i, m - i);
            s = padded;
        }
        __m256i a = _mm256_loadu_si256((const __m256i *)s);
        __m256i b = _mm256_loadu_si256((const __m256i *)(s + 32));
        __m256i err;
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
            err = open_end;
            open_end = _mm256_setzero_si256();
        } else {
            err = _mm256_or_si256(errors_avx2(a, prev), errors_avx2(b, a));
            open_end = _mm256_subs_epu8(b, limit);
        }
        prev = b;
        if (!_mm256_testz_si256(err, err)) return i;
        if (last) return NO_ERROR;
    }
}

#endif /* PT_UTF8_X86 */

bool pt_utf8_impl_available(pt_utf8_impl impl)
{
    switch (impl) {
    case PT_UTF8_AUTO:
    case PT_UTF8_SCALAR: return true;
#ifdef PT_UTF8_X86
    case PT_UTF8_SSSE3: return __builtin_cpu_supports("ssse3");
    case PT_UTF8_AVX2: return __builtin_cpu_supports("avx2");
#endif
    default: return false;
    }
}

/* n, or where a sequence cut by the end of p[0..n) starts: the vector check then sees
 * only whole sequences and the scalar code deals with the cut one. A wrong guess here
 * costs time, never correctness. */
static size_t without_cut_tail(const uint8_t *p, size_t n)
{
    size_t t = n;
    for (size_t k = 0; k < 4 && t > 0; k++) {
        t--;
        if ((p[t] & 0xC0) != 0x80) break;
    }
    if (t >= n || p[t] < 0xC0) return n;
    size_t need = p[t] >= 0xF0 ? 4 : p[t] >= 0xE0 ? 3 : 2;
    return t + need > n ? t : n;
}

/* The last sequence boundary before segment start s: every byte before s was checked
 * without error, so the last non-continuation byte before s starts a sequence and
 * everything before it is whole and valid. */
static size_t boundary_before(const uint8_t *p, size_t s)
{
    while (s > 0) {
        s--;
        if ((p[s] & 0xC0) != 0x80) break;
    }
    return s;
}

static size_t first_bad_segment(pt_utf8_impl impl, const uint8_t *p, size_t m)
{
#ifdef PT_UTF8_X86
    if (impl == PT_UTF8_AVX2) return first_bad_segment_avx2(p, m);
    if (impl == PT_UTF8_SSSE3) return first_bad_segment_ssse3(p, m);
#endif
    (void)impl, (void)p, (void)m;
    return 0;
}

size_t pt_utf8_valid_upto_with(pt_utf8_impl impl, const uint8_t *p, size_t n)
{
    if (impl == PT_UTF8_AUTO) {
        impl = pt_utf8_impl_available(PT_UTF8_AVX2)    ? PT_UTF8_AVX2
               : pt_utf8_impl_available(PT_UTF8_SSSE3) ? PT_UTF8_SSSE3
                                                       : PT_UTF8_SCALAR;
    }
    if (impl == PT_UTF8_SCALAR || !pt_utf8_impl_available(impl) || n == 0) return 0;
    size_t m = without_cut_tail(p, n);
    size_t bad = first_bad_segment(impl, p, m);
    return bad == NO_ERROR ? m : boundary_before(p, bad);
}

size_t pt_utf8_valid_upto(const uint8_t *p, size_t n)
{
    return pt_utf8_valid_upto_with(PT_UTF8_AUTO, p, n);
}
