/* test_parts.c - a split part's key set kept in a scratch file (pt_partkeys_spill) reads
 * back shard by shard exactly as the same set kept in memory: the same keys in the same
 * order with the same tiers, whether a group's keys are still buffered or were written as
 * blocks, and whatever order the shards are asked in; the union of a chain of spilled
 * and in-memory parts counts as by hand; a scratch file that cannot take the blocks
 * marks the set failed instead of reading as fewer keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/tally.h"
#include "../../src/tally/sets.h"
#include "../../src/tally/parts.h"

/* A deterministic key stream (xorshift64*), never 0: the sets store 0 as 1. */
static uint64_t next_key(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    uint64_t k = *s * 2685821657736338717ull;
    return k ? k : 1;
}

/* n keys pushed into a set in memory and into a spilled one alike. */
static void fill_both(pt_partkeys *mem, pt_partkeys *spilled, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t k = next_key(&seed);
        unsigned shard = (unsigned)(k >> 56) ^ (unsigned)(i % 7);   /* not the key's own bits */
        unsigned tier = (unsigned)(k % 5);
        pt_partkeys_push(mem, shard & 255, k, tier);
        pt_partkeys_push(spilled, shard & 255, k, tier);
    }
}

static int same_shard(pt_partkeys *a, pt_partkeys *b, unsigned s)
{
    const uint64_t *ka, *kb;
    const uint8_t *ta, *tb;
    size_t na = pt_partkeys_shard(a, s, &ka, &ta), nb = pt_partkeys_shard(b, s, &kb, &tb);
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++) {
        if (ka[i] != kb[i] || ta[i] != tb[i]) return 0;
        if (i && kb[i - 1] >= kb[i]) return 0;   /* sorted, and distinct as pushed */
    }
    return 1;
}

/* 200,000 keys: about 3,100 a group of 4 shards, so each group has 3 blocks of 1,024 in
 * the file and the rest in its buffer; 300 keys: all still buffered. */
static void check_same_as_memory(size_t n)
{
    pt_partkeys *mem = pt_partkeys_new(1), *sp = pt_partkeys_new(1);
    pt_partkeys_spill(sp, tmpfile());
    fill_both(mem, sp, n, 42 + n);
    int same = 1;
    for (unsigned s = 0; s < PT_DEDUP_SHARDS; s++) same &= same_shard(mem, sp, s);
    CHECK(same);
    /* out of order: shard 200 (group 50), then 3 (group 0) again, then 201 (group 50) */
    CHECK(same_shard(mem, sp, 200));
    CHECK(same_shard(mem, sp, 3));
    CHECK(same_shard(mem, sp, 201));
    CHECK(!pt_partkeys_failed(sp));
    pt_partkeys_free(mem);
    pt_partkeys_free(sp);
}

static void test_spilled_reads_as_in_memory(void)
{
    check_same_as_memory(200000);
    check_same_as_memory(300);
}

/* Part 0 (spilled): keys 10 (tier 2) and 30 (tier 1) in shard 3; part 1 (in memory): 10
 * (tier 1) and 40 (tier 2) in shard 3, 50 (tier 0) in shard 255. Union: 10, 30, 40, 50 =
 * 4 distinct; 10 counts in part 0's tier 2. Tier 0: 1 (50), tier 1: 1 (30), tier 2: 2
 * (10, 40). */
static void test_union_of_spilled_and_memory(void)
{
    pt_partkeys *p0 = pt_partkeys_new(0), *p1 = pt_partkeys_new(1);
    pt_partkeys_spill(p0, tmpfile());
    pt_partkeys_push(p0, 3, 10, 2);
    pt_partkeys_push(p0, 3, 30, 1);
    pt_partkeys_push(p1, 3, 10, 1);
    pt_partkeys_push(p1, 3, 40, 2);
    pt_partkeys_push(p1, 255, 50, 0);
    p0->next = p1;
    pt_counts c;
    memset(&c, 0, sizeof c);
    CHECK(pt_partkeys_count(p0, &c));
    CHECK_EQ(c.pieces.distinct, 4);
    CHECK_EQ(c.tiers[0].distinct, 1);
    CHECK_EQ(c.tiers[1].distinct, 1);
    CHECK_EQ(c.tiers[2].distinct, 2);
    pt_partkeys_free(p0);
}

/* A scratch file that takes 100 bytes: the first block (16 KiB, when a group's 1,024th
 * key comes) cannot be written, and the set says so; counting it fails. All keys go to
 * shard 0 (group 0). */
static void test_lost_block_marks_failed(void)
{
    static char room[100];
    pt_partkeys *pk = pt_partkeys_new(0);
    pt_partkeys_spill(pk, fmemopen(room, sizeof room, "w+b"));
    for (uint64_t k = 1; k <= 1023; k++) pt_partkeys_push(pk, 0, k, 0);
    CHECK(!pt_partkeys_failed(pk));   /* still in its buffer */
    pt_partkeys_push(pk, 0, 1024, 0);
    CHECK(pt_partkeys_failed(pk));
    pt_counts c;
    memset(&c, 0, sizeof c);
    CHECK(!pt_partkeys_count(pk, &c));
    pt_partkeys_free(pk);
}

int main(void)
{
    RUN(test_spilled_reads_as_in_memory);
    RUN(test_union_of_spilled_and_memory);
    RUN(test_lost_block_marks_failed);
    return CHECK_DONE();
}
