/* parts.h - the key set of one part of a split input (scan --shard, docs/shards.md).
 *
 * A huge text file scanned as P parts by several shards is P entries until the merge
 * joins them. Its records, raw counts and categories are sums, but its distinct pieces
 * (by tier) are not: a piece in two parts is one piece of the file. So each part keeps
 * the keys of its own distinct pieces, as the run's set holds them (shard, enciphered
 * key), each with the tier of its first occurrence in the part - the tier a whole scan
 * counts it in is the one of its first occurrence in the file, that is in the earliest
 * part that holds it. The join counts the union of its parts' sets, one set shard at a
 * time, in part order: memory is one shard (1/256) of the file's parts at a time.
 *
 * A part's set is in memory (a scan's, collected at each commit; a loaded state's) or
 * on disk (a state being merged: where its runs are, read when the join counts them).
 * In a state file (state.c) it is the part section: for each part entry of the head, in
 * head order, a varint length L and L bytes of 256 runs with tiers (pt_state_put_run),
 * coded as the file's version codes them (a set from a file of version 7 or 6 is coded
 * again when a merge writes it into a state of version 8). */
#ifndef PITALLY_TALLY_PARTS_H
#define PITALLY_TALLY_PARTS_H

#include <stdio.h>

#include "pitally/tally.h"
#include "state_internal.h"

typedef struct pt_partkeys {
    uint32_t part;
    /* in memory: keys, their set shards and tiers; grouped by shard and sorted by key
     * once sorted (from[s]..from[s + 1] is shard s) */
    uint64_t *keys;
    uint8_t *shard, *tier;
    size_t n, cap;
    size_t *from;             /* [PT_DEDUP_SHARDS + 1] once sorted, else NULL */
    /* spilled (a scan's, pt_partkeys_spill): keys, shard, tier and from hold one group
     * of shards at a time (parts.c) */
    struct pt_spill *spill;
    /* on disk: the 256 runs at byte at of f, len bytes, of a file of version version
     * (keys unused) */
    FILE *f;
    uint64_t at, len;
    unsigned version;
    struct pt_partkeys *next; /* after a join: the next part's, in part order */
} pt_partkeys;

/* A new, empty set of part `part`, in memory. */
pt_partkeys *pt_partkeys_new(uint32_t part);
/* Keep the empty set pk's keys in f (read and written from its start; pk owns it and
 * closes it when freed) instead of memory. */
void pt_partkeys_spill(pt_partkeys *pk, FILE *f);
/* true when a spilled set of the chain could not be written or read back: its shards
 * then read as empty, and nothing made from them may be believed. */
bool pt_partkeys_failed(const pt_partkeys *chain);
/* A set on disk: len bytes of runs at byte at of f, a state of version version. */
pt_partkeys *pt_partkeys_on_disk(uint32_t part, FILE *f, uint64_t at, uint64_t len,
                                 unsigned version);
/* The chain from pk on. */
void pt_partkeys_free(pt_partkeys *pk);
/* One key of set shard `shard` (a loaded state's). */
void pt_partkeys_push(pt_partkeys *pk, unsigned shard, uint64_t key, unsigned tier);
/* The pieces of a committed batch that were new in the input (new_in_input). */
void pt_partkeys_add(pt_partkeys *pk, const pt_fp_item *items, size_t n);
/* Shard s of an in-memory or spilled set, sorted by key (sorts it the first time; a
 * spilled set reads the group of shard s back, so ask for shards in order). */
size_t pt_partkeys_shard(pt_partkeys *pk, unsigned s, const uint64_t **keys,
                         const uint8_t **tiers);
/* The union of the chain's sets into c's distinct counts (pieces and tiers), each key in
 * the tier it has in the earliest part holding it. false when a set on disk is
 * malformed. Leaves the files' positions anywhere. */
bool pt_partkeys_count(pt_partkeys *chain, pt_counts *c);

#endif
