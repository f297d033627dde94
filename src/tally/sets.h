/* sets.h - the dedup sets behind a tally's distinct counts and subjects (fpset.c). Only
 * src/tally/ and the tests use them; the rest of pitally sees the tally (pitally/tally.h).
 *
 * Fingerprint set: each entry remembers the last input that inserted it, so a single set
 * tells both "new in this input?" and "new in the run?". Thread-safe: sharded, one mutex
 * per shard, and callers insert in batches (one lock per shard per batch, not per piece).
 */
#ifndef PITALLY_TALLY_SETS_H
#define PITALLY_TALLY_SETS_H

#include "pitally/tally.h"

pt_fpset *pt_fpset_new(void);
void pt_fpset_free(pt_fpset *s);
/* Insert items for input number input_id (inputs are scanned one after another).
 * The items array may be reordered. */
void pt_fpset_insert_batch(pt_fpset *s, uint32_t input_id, pt_fp_item *items, size_t n);
uint64_t pt_fpset_size(const pt_fpset *s);
/* Distinct pieces by their most serious tier. */
void pt_fpset_count_tiers(const pt_fpset *s, uint64_t per_tier[PT_MAX_TIERS]);
/* The keys (and tiers) of one shard, in slot order; NULL arrays: only count. */
size_t pt_fpset_shard_items(const pt_fpset *s, unsigned shard_no, uint64_t *keys, uint8_t *tiers);
/* Add one piece by shard and key with its tier (the most serious stays); merge. */
void pt_fpset_add(pt_fpset *s, unsigned shard_no, uint64_t key, unsigned tier);
void pt_fpset_merge(pt_fpset *dst, const pt_fpset *src);
/* The tier of the piece with this shard and key (as pt_fpset_shard_items gives them),
 * or -1 when it is not in the set. Read-only, no lock: for a set no one inserts into. */
int pt_fpset_tier_of(const pt_fpset *s, unsigned shard_no, uint64_t key);
size_t pt_fpset_memory(const pt_fpset *s);
/* The capacity a full dedup shard of cap slots grows to (the memory rule of fpset.c,
 * exposed for the tests). Shards start at PT_DEDUP_INITIAL_SLOTS and grow at 4/5 full. */
#define PT_DEDUP_INITIAL_SLOTS 1024
#define PT_DEDUP_SHARDS 256
size_t pt_dedup_grown_capacity(size_t cap);

/* Set of 64-bit hashes (subjects), same sharding. Returns how many were new. */
pt_hashset *pt_hashset_new(void);
void pt_hashset_free(pt_hashset *s);
uint64_t pt_hashset_insert_batch(pt_hashset *s, uint64_t *hashes, size_t n);
uint64_t pt_hashset_size(const pt_hashset *s);
size_t pt_hashset_shard_items(const pt_hashset *s, unsigned shard_no, uint64_t *keys);
void pt_hashset_merge(pt_hashset *dst, const pt_hashset *src);
/* Whether the hash is in the set. Read-only, no lock, like pt_fpset_tier_of. */
bool pt_hashset_contains(const pt_hashset *s, uint64_t hash);

#endif
