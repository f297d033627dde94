/* findbyte.h - "where is the next byte of this small set", 16 bytes a step (records only).
 *
 * The JSON and SQL parsers spend most of their time walking string bodies and statement
 * text looking for the few bytes that mean something there (a closing quote, a
 * backslash, a semicolon). A byte-by-byte loop costs several instructions per byte;
 * SSE2 (every x86-64 CPU has it) compares 16 bytes against each stop byte at once and
 * only the bytes that matter reach the caller's loop. Other machines use the plain loop.
 * Both give the same answer: the lowest index i in [from, n) with s[i] in the set, or n.
 */
#ifndef PITALLY_FINDBYTE_H
#define PITALLY_FINDBYTE_H

#include <stddef.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The first index in [from, n) holding a or b, or n. */
static inline size_t pt_find_byte2(const char *s, size_t from, size_t n, char a, char b)
{
    size_t i = from;
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
        if (m) return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    while (i < n && s[i] != a && s[i] != b) i++;
    return i;
}

/* The first index in [from, n) holding a, b or c, or n. */
static inline size_t pt_find_byte3(const char *s, size_t from, size_t n, char a, char b, char c)
{
    size_t i = from;
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb));
        int m = _mm_movemask_epi8(_mm_or_si128(hit, _mm_cmpeq_epi8(v, vc)));
        if (m) return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    while (i < n && s[i] != a && s[i] != b && s[i] != c) i++;
    return i;
}

/* The first index in [from, n) holding one of the bytes set[0..k) (1 <= k <= 8), or n. */
static inline size_t pt_find_byte_set(const char *s, size_t from, size_t n, const char *set,
                                      unsigned k)
{
    size_t i = from;
#if defined(__SSE2__)
    __m128i v_set[8];
    for (unsigned j = 0; j < k; j++) v_set[j] = _mm_set1_epi8(set[j]);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit = _mm_cmpeq_epi8(v, v_set[0]);
        for (unsigned j = 1; j < k; j++) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, v_set[j]));
        int m = _mm_movemask_epi8(hit);
        if (m) return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    for (; i < n; i++)
        for (unsigned j = 0; j < k; j++)
            if (s[i] == set[j]) return i;
    return n;
}

#endif
