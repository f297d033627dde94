/* utf8_simd.h - the fast UTF-8 check of stage 1 (utf8_simd.c) and the scalar reference it
 * is tested against (decode.c). The fast check only answers "how far is this surely
 * valid"; the exact stop (invalid or cut sequence, and where) always comes from the
 * scalar code, so error offsets and counts are the scalar ones by construction.
 */
#ifndef PITALLY_UTF8_SIMD_H
#define PITALLY_UTF8_SIMD_H

#include "input_internal.h"

typedef enum {
    PT_UTF8_AUTO = 0,  /* the best the CPU has */
    PT_UTF8_SCALAR,    /* no vector code: returns 0 */
    PT_UTF8_SSSE3,     /* 16-byte vectors (x86-64 with SSSE3) */
    PT_UTF8_AVX2       /* 32-byte vectors (x86-64 with AVX2) */
} pt_utf8_impl;

/* True when impl can run on this machine (SCALAR and AUTO always can). */
bool pt_utf8_impl_available(pt_utf8_impl impl);

/* A length b <= n such that p[0..b) is made of complete, valid UTF-8 sequences and b is
 * a sequence boundary: the caller checks p[b..n) exactly (scalar) from there. Normally b
 * is n, or n minus a sequence cut by the end; on damage, b lies within about 64 bytes
 * before the first invalid byte. 0 is always a correct (slow) answer. */
size_t pt_utf8_valid_upto(const uint8_t *p, size_t n);
size_t pt_utf8_valid_upto_with(pt_utf8_impl impl, const uint8_t *p, size_t n);

/* The scalar reference of pt_input_utf8_valid_prefix (same contract), used for the
 * stretch the fast check leaves and by the tests as the oracle. */
size_t pt_input_utf8_valid_prefix_scalar(const uint8_t *p, size_t n, pt_utf8_stop *stop);

#endif
