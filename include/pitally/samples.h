/* samples.h - evidence: for every pattern, the first few values it accepted, masked, with
 * the input and the byte offset and line of their record, so that an examiner can open the file at
 * that place and see what was counted. "First" is by (input, offset), not by which thread
 * got there first: each worker keeps its own best few per pattern and the lists are
 * merged at the end, so the samples are the same for any thread count.
 */
#ifndef PITALLY_SAMPLES_H
#define PITALLY_SAMPLES_H

#include "pitally/common.h"

#define PT_SAMPLES_PER_PATTERN 3
#define PT_REJECTS_PER_PATTERN 20u    /* rejected values kept for the evidence (rejected.csv) */
#define PT_SAMPLE_VALUE_MAX 96

/* Why a value was rejected (the lists of rejected values; 0 in the lists of samples). */
enum { PT_REJECT_NONE = 0, PT_REJECT_MASKED, PT_REJECT_VALIDATOR };

typedef struct {
    uint32_t input;                   /* index of the input in the run */
    uint64_t offset;                  /* of the record, in the input's decoded text */
    uint64_t line;                    /* of the record's first byte there, from 1; 0 unknown */
    uint8_t reason;                   /* PT_REJECT_*: a list of rejected values */
    char value[PT_SAMPLE_VALUE_MAX];  /* masked (a list of rejected values: as found, cut at
                                         a character), NUL-terminated UTF-8 */
} pt_sample;

typedef struct {
    size_t n_patterns;
    pt_sample *v;                     /* [n_patterns][per], sorted */
    uint8_t *count;                   /* [n_patterns] */
    uint8_t per;                      /* kept per pattern: PT_SAMPLES_PER_PATTERN unless
                                         pt_samples_init_per said otherwise */
} pt_samples;

void pt_samples_init(pt_samples *s, size_t n_patterns);
void pt_samples_init_per(pt_samples *s, size_t n_patterns, uint8_t per);
void pt_samples_free(pt_samples *s);
/* Does position (input, offset) come before sample x? Inputs are scanned in order. */
static inline bool pt_sample_before(uint32_t input, uint64_t offset, const pt_sample *x)
{
    return input < x->input || (input == x->input && offset < x->offset);
}

/* Would a value of pattern p at (input, offset) make it into the list? Cheap and inline:
 * called for every accepted value, it only compares with the current last sample. */
static inline bool pt_samples_wants(const pt_samples *s, size_t p, uint32_t input,
                                    uint64_t offset)
{
    if (p >= s->n_patterns) return false;
    size_t n = s->count[p];
    if (n < s->per) return true;
    return pt_sample_before(input, offset, &s->v[p * s->per + n - 1]);
}
/* Keep the masked value (already cut to fit) if it is among the first. A second value
 * of the same record (same input and offset) is not kept: one sample per record. */
void pt_samples_add(pt_samples *s, size_t p, uint32_t input, uint64_t offset, const char *masked);
/* The same, with the record's line (from 1; 0 unknown). Returns the sample kept, or NULL. */
pt_sample *pt_samples_add_line(pt_samples *s, size_t p, uint32_t input, uint64_t offset,
                               uint64_t line, const char *masked);
/* Merge src into dst (same number of patterns). */
void pt_samples_merge(pt_samples *dst, const pt_samples *src);
/* Inputs were renumbered: input i is now new_index[i]; each list is sorted again. */
void pt_samples_renumber(pt_samples *s, const uint32_t *new_index);
/* The samples of pattern p: count and array. */
size_t pt_samples_of(const pt_samples *s, size_t p, const pt_sample **out);

/* Mask value for display: keep the first head and last tail characters (UTF-8), replace
 * the middle with '*' (at most 8); a value too short for both keeps fewer. Writes a
 * NUL-terminated string of at most cap bytes to out. */
void pt_mask_value(const char *v, size_t n, unsigned head, unsigned tail, char *out, size_t cap);

#endif
