/* split_internal.h - the CSV cut of split.c, exposed for the unit tests, which compare
 * each way of building its block masks with a byte-by-byte reading of the same rules;
 * and its newline count, which the pipeline's line numbers use (tested the same way). */
#ifndef PITALLY_SPLIT_INTERNAL_H
#define PITALLY_SPLIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PT_SPLIT_AUTO = 0,  /* the best the CPU has (what pt_splitter_cut uses) */
    PT_SPLIT_PORTABLE,  /* masks built byte by byte: machines without SSE2 */
    PT_SPLIT_SSE2,      /* x86-64 */
    PT_SPLIT_AVX2       /* x86-64 with AVX2 */
} pt_split_masks;

/* True when how can run on this machine (AUTO and PORTABLE always can). */
bool pt_split_masks_available(pt_split_masks how);

/* One past the last newline of buf[0..n) outside quoted CSV fields (delimiter delim),
 * or 0. The answer is the same whichever way the masks are built; a way the machine
 * lacks falls back to PORTABLE. */
size_t pt_split_csv_with(const char *buf, size_t n, char delim, pt_split_masks how);

/* The newlines in p[0..n), counted 32 (AVX2), 16 (SSE2) or 8 bytes at a time; the same
 * answer every way. pt_count_newlines: the best way the CPU has (the workers' line
 * numbers, src/pipeline). */
uint64_t pt_count_newlines_with(const char *p, size_t n, pt_split_masks how);
uint64_t pt_count_newlines(const char *p, size_t n);

#endif
