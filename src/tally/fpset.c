/* fpset.c - the dedup sets behind "distinct" and "subjects".
 *
 * pt_fpset holds one 16-byte entry per distinct piece: 64 + 32 bits of the 128-bit
 * fingerprint (another 8 bits choose the shard, so 104 bits tell pieces apart: no
 * collision is expected below ~10^15 pieces) and the number of the last input that
 * inserted it. One set then answers both "new in this input?" (last input differs) and
 * "new in this run?" (absent), because inputs are scanned one after another.
 * pt_hashset holds 64-bit subject hashes.
 *
 * Both are split into 256 shards by the top byte of the hash, each an open-addressing
 * table with linear probing and its own mutex, grown at 3/4 load. Callers insert a whole
 * chunk's worth at once, sorted by shard, so a worker takes each lock once per chunk.
 */
#include "pitally/tally.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_BITS 8
#define N_SHARDS (1u << SHARD_BITS)
#define INITIAL_SLOTS 1024

static unsigned shard_of(uint64_t h)
{
    return (unsigned)(h >> (64 - SHARD_BITS));
}

/* ---- fingerprint set ---- */

typedef struct {
    uint64_t key;        /* fp[0] */
    uint32_t key2;       /* low 32 bits of fp[1] */
    uint32_t input_plus1;/* 0 marks an empty slot */
} fp_slot;

typedef struct {
    pthread_mutex_t lock;
    fp_slot *slots;
    size_t mask, used;
} fp_shard;

struct pt_fpset {
    fp_shard shards[N_SHARDS];
};

pt_fpset *pt_fpset_new(void)
{
    pt_fpset *s = pt_xcalloc(1, sizeof *s);
    for (unsigned i = 0; i < N_SHARDS; i++) {
        pthread_mutex_init(&s->shards[i].lock, NULL);
        s->shards[i].slots = pt_xcalloc(INITIAL_SLOTS, sizeof(fp_slot));
        s->shards[i].mask = INITIAL_SLOTS - 1;
    }
    return s;
}

void pt_fpset_free(pt_fpset *s)
{
    if (!s) return;
    for (unsigned i = 0; i < N_SHARDS; i++) {
        pthread_mutex_destroy(&s->shards[i].lock);
        free(s->shards[i].slots);
    }
    free(s);
}

static fp_slot *fp_find_slot(fp_slot *slots, size_t mask, uint64_t key, uint32_t key2)
{
    size_t i = (size_t)(key ^ (key >> 29)) & mask;
    while (slots[i].input_plus1 && (slots[i].key != key || slots[i].key2 != key2))
        i = (i + 1) & mask;
    return &slots[i];
}

static void fp_grow(fp_shard *sh)
{
    size_t new_mask = sh->mask * 2 + 1;
    fp_slot *n = pt_xcalloc(new_mask + 1, sizeof *n);
    for (size_t i = 0; i <= sh->mask; i++) {
        fp_slot *old = &sh->slots[i];
        if (old->input_plus1) *fp_find_slot(n, new_mask, old->key, old->key2) = *old;
    }
    free(sh->slots);
    sh->slots = n;
    sh->mask = new_mask;
}

static int by_fp_shard(const void *a, const void *b)
{
    unsigned x = shard_of(((const pt_fp_item *)a)->fp[1]);
    unsigned y = shard_of(((const pt_fp_item *)b)->fp[1]);
    return (x > y) - (x < y);
}

void pt_fpset_insert_batch(pt_fpset *s, uint32_t input_id, pt_fp_item *items, size_t n)
{
    if (n == 0) return;
    qsort(items, n, sizeof *items, by_fp_shard);
    uint32_t tag = input_id + 1;
    size_t i = 0;
    while (i < n) {
        unsigned sh_no = shard_of(items[i].fp[1]);
        fp_shard *sh = &s->shards[sh_no];
        pthread_mutex_lock(&sh->lock);
        for (; i < n && shard_of(items[i].fp[1]) == sh_no; i++) {
            pt_fp_item *it = &items[i];
            fp_slot *slot = fp_find_slot(sh->slots, sh->mask, it->fp[0], (uint32_t)it->fp[1]);
            it->new_in_run = slot->input_plus1 == 0;
            it->new_in_input = slot->input_plus1 != tag;
            if (it->new_in_run) {
                slot->key = it->fp[0];
                slot->key2 = (uint32_t)it->fp[1];
                sh->used++;
            }
            slot->input_plus1 = tag;
            if (sh->used * 4 > (sh->mask + 1) * 3) fp_grow(sh);
        }
        pthread_mutex_unlock(&sh->lock);
    }
}

uint64_t pt_fpset_size(const pt_fpset *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < N_SHARDS; i++) n += s->shards[i].used;
    return n;
}

size_t pt_fpset_memory(const pt_fpset *s)
{
    size_t bytes = sizeof *s;
    for (unsigned i = 0; i < N_SHARDS; i++) bytes += (s->shards[i].mask + 1) * sizeof(fp_slot);
    return bytes;
}

/* ---- 64-bit hash set ---- */

typedef struct {
    pthread_mutex_t lock;
    uint64_t *slots;     /* 0 marks an empty slot; hash 0 is stored as 1 */
    size_t mask, used;
} hash_shard;

struct pt_hashset {
    hash_shard shards[N_SHARDS];
};

pt_hashset *pt_hashset_new(void)
{
    pt_hashset *s = pt_xcalloc(1, sizeof *s);
    for (unsigned i = 0; i < N_SHARDS; i++) {
        pthread_mutex_init(&s->shards[i].lock, NULL);
        s->shards[i].slots = pt_xcalloc(INITIAL_SLOTS, sizeof(uint64_t));
        s->shards[i].mask = INITIAL_SLOTS - 1;
    }
    return s;
}

void pt_hashset_free(pt_hashset *s)
{
    if (!s) return;
    for (unsigned i = 0; i < N_SHARDS; i++) {
        pthread_mutex_destroy(&s->shards[i].lock);
        free(s->shards[i].slots);
    }
    free(s);
}

static uint64_t *hash_find_slot(uint64_t *slots, size_t mask, uint64_t h)
{
    size_t i = (size_t)(h ^ (h >> 31)) & mask;
    while (slots[i] && slots[i] != h) i = (i + 1) & mask;
    return &slots[i];
}

static void hash_grow(hash_shard *sh)
{
    size_t new_mask = sh->mask * 2 + 1;
    uint64_t *n = pt_xcalloc(new_mask + 1, sizeof *n);
    for (size_t i = 0; i <= sh->mask; i++)
        if (sh->slots[i]) *hash_find_slot(n, new_mask, sh->slots[i]) = sh->slots[i];
    free(sh->slots);
    sh->slots = n;
    sh->mask = new_mask;
}

static int by_hash_shard(const void *a, const void *b)
{
    unsigned x = shard_of(*(const uint64_t *)a), y = shard_of(*(const uint64_t *)b);
    return (x > y) - (x < y);
}

uint64_t pt_hashset_insert_batch(pt_hashset *s, uint64_t *hashes, size_t n)
{
    if (n == 0) return 0;
    qsort(hashes, n, sizeof *hashes, by_hash_shard);
    uint64_t added = 0;
    size_t i = 0;
    while (i < n) {
        unsigned sh_no = shard_of(hashes[i]);
        hash_shard *sh = &s->shards[sh_no];
        pthread_mutex_lock(&sh->lock);
        for (; i < n && shard_of(hashes[i]) == sh_no; i++) {
            uint64_t h = hashes[i] ? hashes[i] : 1;
            uint64_t *slot = hash_find_slot(sh->slots, sh->mask, h);
            if (*slot) continue;
            *slot = h;
            sh->used++;
            added++;
            if (sh->used * 4 > (sh->mask + 1) * 3) hash_grow(sh);
        }
        pthread_mutex_unlock(&sh->lock);
    }
    return added;
}

uint64_t pt_hashset_size(const pt_hashset *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < N_SHARDS; i++) n += s->shards[i].used;
    return n;
}
