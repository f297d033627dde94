/* fpset.c - the dedup sets behind "distinct" and "subjects".
 *
 * Memory is the budget here (SPEC section 6: 32 bytes per distinct piece), so a slot is
 * as small as it can be: a 64-bit key, plus for pieces a 32-bit tag.
 *  - pt_fpset (pieces): key = fp[0], shard = top byte of fp[1], so 72 bits of the
 *    128-bit fingerprint tell pieces apart (about 1e-4 expected collisions at 10^9
 *    distinct pieces). The tag holds, in its low 29 bits, the number (+1) of the last
 *    input that inserted the piece: one set answers both "new in this input?" (tag
 *    differs) and "new in this run?" (absent), because the scan commits chunks in input
 *    order. Its top 3 bits hold the piece's tier: the most serious tier any occurrence
 *    had, so the run's distinct count of a tier is defined whatever the order, and two
 *    sets merge (pt_fpset_merge) into the set one scan over both would have built.
 *  - pt_hashset (subjects): key = the 64-bit hash, no tag.
 * Key 0 marks an empty slot; a key that is 0 is stored as 1.
 *
 * Both are split into 256 shards by the top byte of the hash, each an open-addressing
 * table with linear probing and its own mutex. A shard grows when 4/5 full: by half
 * while small, by a quarter once large (pt_dedup_grown_capacity), so a large table's
 * load stays between 0.64 and 0.8 and both sets together cost at most 20 / 0.64 = 31.25
 * bytes per distinct piece. Callers insert a whole chunk's worth at once, sorted by
 * shard, so a worker takes each lock once per chunk.
 */
#include "pitally/tally.h"
#include "sets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SHARD_BITS 8   /* PT_DEDUP_SHARDS = 1 << SHARD_BITS */
#define N_SHARDS (1u << SHARD_BITS)
#define INITIAL_SLOTS PT_DEDUP_INITIAL_SLOTS
_Static_assert(N_SHARDS == PT_DEDUP_SHARDS, "tally.h tells the tests the shard count");

/* A tagged slot: key and tag side by side, so an insert touches one cache line, not
 * one in each of two arrays (the tables outgrow every cache: each probe is a miss). */
typedef struct __attribute__((packed)) {
    uint64_t key;
    uint32_t tag;
} tagged_slot;

typedef struct {
    pthread_mutex_t lock;
    uint64_t *keys;      /* untagged sets */
    tagged_slot *slots;  /* tagged sets */
    size_t cap, used;
} shard;

typedef struct {
    shard shards[N_SHARDS];
} sharded_table;

struct pt_fpset {
    sharded_table t;
};

struct pt_hashset {
    sharded_table t;
};

static unsigned shard_of(uint64_t h)
{
    return (unsigned)(h >> (64 - SHARD_BITS));
}

/* A shard's table, zeroed. Large ones are mapped directly, not taken from malloc: a
 * shard frees its old table each time it grows, and glibc raises its mmap threshold to
 * the size of a freed mapping, so the next tables came from the heap, where the freed
 * ones stayed resident as holes too small for the next growth. At 9M pieces that was
 * 2 bytes a piece over the 32 of the budget (SPEC section 6); mapped, a freed table
 * goes back to the system at once. */
#define MAPPED_TABLE_BYTES (256u << 10)

static void *table_alloc(size_t n, size_t size)
{
    if (n * size < MAPPED_TABLE_BYTES) return pt_xcalloc(n, size);
    void *p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "pitally: out of memory (%zu bytes for a dedup table)\n", n * size);
        abort();
    }
    return p;
}

static void table_free(void *p, size_t n, size_t size)
{
    if (!p) return;
    if (n * size < MAPPED_TABLE_BYTES) free(p);
    else munmap(p, n * size);
}

static void table_init(sharded_table *t, bool tagged)
{
    for (unsigned i = 0; i < N_SHARDS; i++) {
        shard *s = &t->shards[i];
        pthread_mutex_init(&s->lock, NULL);
        s->cap = INITIAL_SLOTS;
        s->used = 0;
        s->keys = tagged ? NULL : table_alloc(s->cap, sizeof *s->keys);
        s->slots = tagged ? table_alloc(s->cap, sizeof *s->slots) : NULL;
    }
}

static void table_destroy(sharded_table *t)
{
    for (unsigned i = 0; i < N_SHARDS; i++) {
        shard *s = &t->shards[i];
        pthread_mutex_destroy(&s->lock);
        table_free(s->keys, s->cap, sizeof *s->keys);
        table_free(s->slots, s->cap, sizeof *s->slots);
    }
}

/* Home slot: the keys of one shard share their top byte, so mix before taking the high
 * bits of key * cap (a multiply by an odd constant is a bijection). */
static size_t home_slot(uint64_t key, size_t cap)
{
    uint64_t mixed = key * 0x9E3779B97F4A7C15ull;
    return (size_t)(((unsigned __int128)mixed * cap) >> 64);
}

/* The slot holding key, or the empty slot where it belongs (untagged, tagged). */
static size_t find_key(const uint64_t *keys, size_t cap, uint64_t key)
{
    size_t i = home_slot(key, cap);
    while (keys[i] && keys[i] != key)
        if (++i == cap) i = 0;
    return i;
}

static size_t find_tagged(const tagged_slot *slots, size_t cap, uint64_t key)
{
    size_t i = home_slot(key, cap);
    while (slots[i].key && slots[i].key != key)
        if (++i == cap) i = 0;
    return i;
}

/* Growing by half costs fewer rehashes, but leaves a table only 0.53 full: 37.7 bytes
 * per piece for both sets, over SPEC section 6's 32 once the tables outgrow the 64 MiB
 * of its base. From LARGE_SHARD_SLOTS (256 shards: about 3.4M pieces, 80 MB of tables)
 * a shard grows by a quarter instead: 0.64 full at worst, 31.25 bytes per piece. */
#define LARGE_SHARD_SLOTS 16384

size_t pt_dedup_grown_capacity(size_t cap)
{
    return cap < LARGE_SHARD_SLOTS ? cap + cap / 2 : cap + cap / 4;
}

static void grow(shard *s)
{
    size_t cap = pt_dedup_grown_capacity(s->cap);
    if (s->slots) {
        tagged_slot *slots = table_alloc(cap, sizeof *slots);
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].key) slots[find_tagged(slots, cap, s->slots[i].key)] = s->slots[i];
        table_free(s->slots, s->cap, sizeof *s->slots);
        s->slots = slots;
    } else {
        uint64_t *keys = table_alloc(cap, sizeof *keys);
        for (size_t i = 0; i < s->cap; i++)
            if (s->keys[i]) keys[find_key(keys, cap, s->keys[i])] = s->keys[i];
        table_free(s->keys, s->cap, sizeof *s->keys);
        s->keys = keys;
    }
    s->cap = cap;
}

static void count_new(shard *s)
{
    s->used++;
    if (s->used * 5 > s->cap * 4) grow(s);
}

#define TAG_INPUT_BITS 29
#define TAG_INPUT_MASK ((1u << TAG_INPUT_BITS) - 1)
_Static_assert(PT_MAX_TIERS <= 8, "a tier fits the tag's top 3 bits");

static uint32_t make_tag(uint32_t input_tag, unsigned tier)
{
    return ((uint32_t)tier << TAG_INPUT_BITS) | (input_tag & TAG_INPUT_MASK);
}

static unsigned tag_tier(uint32_t tag)
{
    return tag >> TAG_INPUT_BITS;
}

/* Insert key into a tagged shard for input_tag (input + 1, or 0 for none) and tier; the
 * slot keeps the most serious (lowest) tier seen. *was_present tells whether it was
 * there, *raised whether this tier is more serious than the one it had; returns the
 * input tag it had (0 when absent). Caller holds the lock. */
static uint32_t shard_insert_tagged(shard *s, uint64_t key, uint32_t input_tag, unsigned tier,
                                    bool *was_present, bool *raised)
{
    if (key == 0) key = 1;
    tagged_slot *slot = &s->slots[find_tagged(s->slots, s->cap, key)];
    *was_present = slot->key != 0;
    uint32_t old = *was_present ? slot->tag : 0;
    *raised = *was_present && tier < tag_tier(old);
    if (*was_present && tag_tier(old) < tier) tier = tag_tier(old);
    slot->key = key;
    slot->tag = make_tag(input_tag, tier);
    if (!*was_present) count_new(s);
    return old & TAG_INPUT_MASK;
}

/* Insert key into an untagged shard: whether it was new. Caller holds the lock. */
static bool shard_insert_key(shard *s, uint64_t key)
{
    if (key == 0) key = 1;
    size_t i = find_key(s->keys, s->cap, key);
    if (s->keys[i]) return false;
    s->keys[i] = key;
    count_new(s);
    return true;
}

static uint64_t table_size(const sharded_table *t)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < N_SHARDS; i++) n += t->shards[i].used;
    return n;
}

static size_t table_memory(const sharded_table *t)
{
    size_t bytes = sizeof *t;
    for (unsigned i = 0; i < N_SHARDS; i++) {
        const shard *s = &t->shards[i];
        bytes += s->cap * (s->slots ? sizeof *s->slots : sizeof *s->keys);
    }
    return bytes;
}

/* Reorder a batch so that items of one shard are adjacent: a counting sort on the shard
 * numbers (a chunk brings thousands of items and there are 256 shards: linear, where a
 * comparison sort was a visible share of the scan). Scratch is per batch, not per item. */
static void group_by_shard(void *items, size_t n, size_t size, const uint8_t *shard_no)
{
    size_t start[N_SHARDS + 1] = {0};
    for (size_t i = 0; i < n; i++) start[shard_no[i] + 1]++;
    for (unsigned s = 0; s < N_SHARDS; s++) start[s + 1] += start[s];
    char *copy = pt_xmalloc(n * size);
    memcpy(copy, items, n * size);
    for (size_t i = 0; i < n; i++)
        memcpy((char *)items + start[shard_no[i]]++ * size, copy + i * size, size);
    free(copy);
}

/* The slots a shard's run of a batch will probe, fetched before the first probe: the
 * tables are far larger than the caches, each probe would wait for memory in turn, and
 * fetched together the waits overlap (a third less time for the dedup of 8M pieces).
 * At most PREFETCH_RUN at once, about what the memory system keeps in flight. */
#define PREFETCH_RUN 64

/* A small input's batch (a few hundred items) has about one item per shard, so a run
 * holds one probe and nothing to overlap it with: such a batch fetches every slot it
 * will probe first, across shards (halves the dedup time of 10,000 files of 200
 * records, perf). The other shards' tables are read without their locks: one thread
 * commits at a time (pipeline.c), so none is being resized, and a prefetch of a stale
 * address would be harmless anyway. */
#define SMALL_BATCH 512

/* ---- pieces ---- */

pt_fpset *pt_fpset_new(void)
{
    pt_fpset *s = pt_xcalloc(1, sizeof *s);
    table_init(&s->t, true);
    return s;
}

void pt_fpset_free(pt_fpset *s)
{
    if (!s) return;
    table_destroy(&s->t);
    free(s);
}

void pt_fpset_insert_batch(pt_fpset *s, uint32_t input_id, pt_fp_item *items, size_t n)
{
    if (n == 0) return;
    uint8_t *shard_no = pt_xmalloc(n);
    for (size_t i = 0; i < n; i++) shard_no[i] = (uint8_t)shard_of(items[i].fp[1]);
    group_by_shard(items, n, sizeof *items, shard_no);
    free(shard_no);
    uint32_t tag = (input_id + 1) & TAG_INPUT_MASK;
    size_t i = 0;
    if (n <= SMALL_BATCH)
        for (size_t k = 0; k < n; k++) {
            const shard *sh = &s->t.shards[shard_of(items[k].fp[1])];
            __builtin_prefetch(&sh->slots[home_slot(items[k].fp[0] ? items[k].fp[0] : 1, sh->cap)], 1);
        }
    while (i < n) {
        unsigned no = shard_of(items[i].fp[1]);
        shard *sh = &s->t.shards[no];
        pthread_mutex_lock(&sh->lock);
        for (size_t k = i; k < n && k < i + PREFETCH_RUN && shard_of(items[k].fp[1]) == no; k++)
            __builtin_prefetch(&sh->slots[home_slot(items[k].fp[0] ? items[k].fp[0] : 1, sh->cap)], 1);
        for (; i < n && shard_of(items[i].fp[1]) == no; i++) {
            bool present, raised;
            uint32_t last = shard_insert_tagged(sh, items[i].fp[0], tag, items[i].tier, &present,
                                                &raised);
            items[i].new_in_run = !present;
            items[i].tier_raised = raised;
            items[i].new_in_input = last != tag;
        }
        pthread_mutex_unlock(&sh->lock);
    }
}

/* One walk of every slot at the end of a run, serial: an empty slot adds 0 (its tag is
 * 0, tier 0, as the zeroed table left it) rather than taking a branch that a table
 * 60-80% full mispredicts every few slots. */
void pt_fpset_count_tiers(const pt_fpset *s, uint64_t per_tier[PT_MAX_TIERS])
{
    _Static_assert((1u << (32 - TAG_INPUT_BITS)) <= PT_MAX_TIERS, "a tag's tier indexes count");
    uint64_t count[PT_MAX_TIERS] = {0};
    for (unsigned i = 0; i < N_SHARDS; i++) {
        const shard *sh = &s->t.shards[i];
        for (size_t k = 0; k < sh->cap; k++) count[tag_tier(sh->slots[k].tag)] += sh->slots[k].key != 0;
    }
    memcpy(per_tier, count, PT_MAX_TIERS * sizeof *per_tier);
}

size_t pt_fpset_shard_items(const pt_fpset *s, unsigned shard_no, uint64_t *keys, uint8_t *tiers)
{
    const shard *sh = &s->t.shards[shard_no];
    size_t n = 0;
    for (size_t k = 0; k < sh->cap; k++) {
        if (!sh->slots[k].key) continue;
        if (keys) keys[n] = sh->slots[k].key;
        if (tiers) tiers[n] = (uint8_t)tag_tier(sh->slots[k].tag);
        n++;
    }
    return n;
}

void pt_fpset_add(pt_fpset *s, unsigned shard_no, uint64_t key, unsigned tier)
{
    shard *sh = &s->t.shards[shard_no % N_SHARDS];
    bool present, raised;
    pthread_mutex_lock(&sh->lock);
    shard_insert_tagged(sh, key, 0, tier, &present, &raised);
    pthread_mutex_unlock(&sh->lock);
}

int pt_fpset_tier_of(const pt_fpset *s, unsigned shard_no, uint64_t key)
{
    const shard *sh = &s->t.shards[shard_no % N_SHARDS];
    if (key == 0) key = 1;   /* as stored */
    const tagged_slot *slot = &sh->slots[find_tagged(sh->slots, sh->cap, key)];
    return slot->key ? (int)tag_tier(slot->tag) : -1;
}

void pt_fpset_merge(pt_fpset *dst, const pt_fpset *src)
{
    for (unsigned i = 0; i < N_SHARDS; i++) {
        const shard *sh = &src->t.shards[i];
        for (size_t k = 0; k < sh->cap; k++)
            if (sh->slots[k].key) pt_fpset_add(dst, i, sh->slots[k].key, tag_tier(sh->slots[k].tag));
    }
}

uint64_t pt_fpset_size(const pt_fpset *s)
{
    return table_size(&s->t);
}

size_t pt_fpset_memory(const pt_fpset *s)
{
    return table_memory(&s->t);
}

/* ---- subjects ---- */

pt_hashset *pt_hashset_new(void)
{
    pt_hashset *s = pt_xcalloc(1, sizeof *s);
    table_init(&s->t, false);
    return s;
}

void pt_hashset_free(pt_hashset *s)
{
    if (!s) return;
    table_destroy(&s->t);
    free(s);
}

uint64_t pt_hashset_insert_batch(pt_hashset *s, uint64_t *hashes, size_t n)
{
    if (n == 0) return 0;
    uint8_t *shard_no = pt_xmalloc(n);
    for (size_t i = 0; i < n; i++) shard_no[i] = (uint8_t)shard_of(hashes[i]);
    group_by_shard(hashes, n, sizeof *hashes, shard_no);
    free(shard_no);
    uint64_t added = 0;
    size_t i = 0;
    if (n <= SMALL_BATCH)
        for (size_t k = 0; k < n; k++) {
            const shard *sh = &s->t.shards[shard_of(hashes[k])];
            __builtin_prefetch(&sh->keys[home_slot(hashes[k] ? hashes[k] : 1, sh->cap)], 1);
        }
    while (i < n) {
        unsigned no = shard_of(hashes[i]);
        shard *sh = &s->t.shards[no];
        pthread_mutex_lock(&sh->lock);
        for (size_t k = i; k < n && k < i + PREFETCH_RUN && shard_of(hashes[k]) == no; k++)
            __builtin_prefetch(&sh->keys[home_slot(hashes[k] ? hashes[k] : 1, sh->cap)], 1);
        for (; i < n && shard_of(hashes[i]) == no; i++) {
            added += shard_insert_key(sh, hashes[i]);
        }
        pthread_mutex_unlock(&sh->lock);
    }
    return added;
}

size_t pt_hashset_shard_items(const pt_hashset *s, unsigned shard_no, uint64_t *keys)
{
    const shard *sh = &s->t.shards[shard_no];
    size_t n = 0;
    if (!keys) {   /* a count (the callers size their arrays with it): no branch a slot */
        for (size_t k = 0; k < sh->cap; k++) n += sh->keys[k] != 0;
        return n;
    }
    for (size_t k = 0; k < sh->cap; k++)
        if (sh->keys[k]) {
            if (keys) keys[n] = sh->keys[k];
            n++;
        }
    return n;
}

bool pt_hashset_contains(const pt_hashset *s, uint64_t hash)
{
    const shard *sh = &s->t.shards[shard_of(hash)];
    if (hash == 0) hash = 1;   /* as stored */
    return sh->keys[find_key(sh->keys, sh->cap, hash)] != 0;
}

void pt_hashset_merge(pt_hashset *dst, const pt_hashset *src)
{
    for (unsigned i = 0; i < N_SHARDS; i++) {
        const shard *sh = &src->t.shards[i];
        shard *d = &dst->t.shards[i];
        pthread_mutex_lock(&d->lock);
        for (size_t k = 0; k < sh->cap; k++)
            if (sh->keys[k]) shard_insert_key(d, sh->keys[k]);
        pthread_mutex_unlock(&d->lock);
    }
}

uint64_t pt_hashset_size(const pt_hashset *s)
{
    return table_size(&s->t);
}
