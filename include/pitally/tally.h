/* tally.h - stage 4: counting. Per-input and total counts of records, pieces (raw and
 * distinct), tiers and categories; a sharded set of piece fingerprints that tells,
 * for each piece, whether it is new within its input and new across the whole run;
 * and a set of subject hashes. Counts are sums and set sizes, so they do not depend
 * on the order in which worker threads deliver chunks.
 */
#ifndef PITALLY_TALLY_H
#define PITALLY_TALLY_H

#include "pitally/common.h"

typedef struct {
    uint64_t raw, distinct;
} pt_count2;

typedef struct {
    uint64_t records;
    pt_count2 pieces;
    pt_count2 tiers[PT_MAX_TIERS];
    uint64_t categories[PT_MAX_CATEGORIES];   /* records containing the category */
} pt_counts;

/* Add every counter of src to dst. */
void pt_counts_add(pt_counts *dst, const pt_counts *src);

/* Fingerprint set. Each entry remembers the last input that inserted it, so a single
 * set answers both questions. Thread-safe: sharded, one mutex per shard, and callers
 * insert in batches (one lock per shard per batch, not per piece). */
typedef struct pt_fpset pt_fpset;

typedef struct {
    uint64_t fp[2];
    uint8_t tier;
    /* results, filled by pt_fpset_insert_batch */
    bool new_in_input;
    bool new_in_run;
} pt_fp_item;

pt_fpset *pt_fpset_new(void);
void pt_fpset_free(pt_fpset *s);
/* Insert items for input number input_id (inputs are scanned one after another).
 * The items array may be reordered. */
void pt_fpset_insert_batch(pt_fpset *s, uint32_t input_id, pt_fp_item *items, size_t n);
uint64_t pt_fpset_size(const pt_fpset *s);
size_t pt_fpset_memory(const pt_fpset *s);
/* The capacity a full dedup shard of cap slots grows to (the memory rule of fpset.c,
 * exposed for the tests). Shards start at PT_DEDUP_INITIAL_SLOTS and grow at 4/5 full. */
#define PT_DEDUP_INITIAL_SLOTS 1024
#define PT_DEDUP_SHARDS 256
size_t pt_dedup_grown_capacity(size_t cap);

/* Set of 64-bit hashes (subjects), same sharding. Returns how many were new. */
typedef struct pt_hashset pt_hashset;
pt_hashset *pt_hashset_new(void);
void pt_hashset_free(pt_hashset *s);
uint64_t pt_hashset_insert_batch(pt_hashset *s, uint64_t *hashes, size_t n);
uint64_t pt_hashset_size(const pt_hashset *s);

#endif
