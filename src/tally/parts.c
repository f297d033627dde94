/* parts.c - the key sets of the parts of a split input and their union (parts.h). */
#include "parts.h"
#include "sets.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define N_SHARDS PT_DEDUP_SHARDS

/* A spilled set (parts.h): each key a pair (key, shard << 8 | tier) in the buffer of its
 * group of shards; a full buffer is written as a block of the file, listed with its
 * group. A group read back is SPILL_GROUPS-th of the set: 25 bytes a key while sorted,
 * so well under a byte per piece of the set's memory. */
#define SPILL_GROUPS 64
#define SHARDS_PER_GROUP (N_SHARDS / SPILL_GROUPS)
#define BLOCK_PAIRS 1024
_Static_assert(N_SHARDS % SPILL_GROUPS == 0, "a group is whole shards");

typedef struct pt_spill {
    FILE *f;
    uint64_t *buf;                  /* [SPILL_GROUPS][BLOCK_PAIRS][2] */
    uint32_t fill[SPILL_GROUPS];
    uint64_t in_group[SPILL_GROUPS];   /* keys of each group, blocks and buffer */
    uint64_t *block_at;             /* where each block is in f, and its group */
    uint8_t *block_group;
    size_t n_blocks, cap_blocks;
    uint64_t end;                   /* bytes written */
    int loaded;                     /* the group in keys/tier/from, or -1 */
    bool failed;
} pt_spill;

pt_partkeys *pt_partkeys_new(uint32_t part)
{
    pt_partkeys *pk = pt_xcalloc(1, sizeof *pk);
    pk->part = part;
    return pk;
}

pt_partkeys *pt_partkeys_on_disk(uint32_t part, FILE *f, uint64_t at, uint64_t len,
                                 unsigned version)
{
    pt_partkeys *pk = pt_partkeys_new(part);
    pk->f = f;
    pk->at = at;
    pk->len = len;
    pk->version = version;
    return pk;
}

static void spill_free(pt_spill *sp)
{
    if (!sp) return;
    if (sp->f) fclose(sp->f);
    free(sp->buf);
    free(sp->block_at);
    free(sp->block_group);
    free(sp);
}

void pt_partkeys_free(pt_partkeys *pk)
{
    while (pk) {
        pt_partkeys *next = pk->next;
        spill_free(pk->spill);
        free(pk->keys);
        free(pk->shard);
        free(pk->tier);
        free(pk->from);
        free(pk);
        pk = next;
    }
}

void pt_partkeys_spill(pt_partkeys *pk, FILE *f)
{
    pt_spill *sp = pt_xcalloc(1, sizeof *sp);
    sp->f = f;
    sp->buf = pt_xmalloc((size_t)SPILL_GROUPS * BLOCK_PAIRS * 2 * sizeof *sp->buf);
    sp->loaded = -1;
    pk->spill = sp;
}

bool pt_partkeys_failed(const pt_partkeys *chain)
{
    for (const pt_partkeys *pk = chain; pk; pk = pk->next)
        if (pk->spill && pk->spill->failed) return true;
    return false;
}

/* Group g's full buffer to the end of the file, listed. */
static void spill_block(pt_spill *sp, unsigned g)
{
    if (sp->n_blocks == sp->cap_blocks) {
        sp->cap_blocks = sp->cap_blocks ? 2 * sp->cap_blocks : 256;
        sp->block_at = pt_xrealloc(sp->block_at, sp->cap_blocks * sizeof *sp->block_at);
        sp->block_group = pt_xrealloc(sp->block_group, sp->cap_blocks);
    }
    size_t bytes = BLOCK_PAIRS * 2 * sizeof *sp->buf;
    if (fseeko(sp->f, (off_t)sp->end, SEEK_SET) != 0 ||
        fwrite(sp->buf + (size_t)g * BLOCK_PAIRS * 2, 1, bytes, sp->f) != bytes)
        sp->failed = true;
    sp->block_at[sp->n_blocks] = sp->end;
    sp->block_group[sp->n_blocks++] = (uint8_t)g;
    sp->end += bytes;
    sp->fill[g] = 0;
}

static void spill_push(pt_partkeys *pk, unsigned shard, uint64_t key, unsigned tier)
{
    pt_spill *sp = pk->spill;
    unsigned g = shard / SHARDS_PER_GROUP;
    uint64_t *pair = sp->buf + ((size_t)g * BLOCK_PAIRS + sp->fill[g]) * 2;
    pair[0] = key;
    pair[1] = (uint64_t)shard << 8 | tier;
    sp->in_group[g]++;
    pk->n++;
    sp->loaded = -1;   /* a group read back no longer holds every key of it */
    if (++sp->fill[g] == BLOCK_PAIRS) spill_block(sp, g);
}

void pt_partkeys_push(pt_partkeys *pk, unsigned shard, uint64_t key, unsigned tier)
{
    if (pk->spill) {
        spill_push(pk, shard, key, tier);
        return;
    }
    if (pk->n == pk->cap) {
        pk->cap = pk->cap ? 2 * pk->cap : 1024;
        pk->keys = pt_xrealloc(pk->keys, pk->cap * sizeof *pk->keys);
        pk->shard = pt_xrealloc(pk->shard, pk->cap);
        pk->tier = pt_xrealloc(pk->tier, pk->cap);
    }
    pk->keys[pk->n] = key;
    pk->shard[pk->n] = (uint8_t)shard;
    pk->tier[pk->n] = (uint8_t)tier;
    pk->n++;
    free(pk->from);   /* no longer sorted */
    pk->from = NULL;
}

void pt_partkeys_add(pt_partkeys *pk, const pt_fp_item *items, size_t n)
{
    /* as the set holds them (fpset.c): shard from the top byte of fp[1], key fp[0], 0
     * kept as 1 */
    for (size_t i = 0; i < n; i++)
        if (items[i].new_in_input)
            pt_partkeys_push(pk, (unsigned)(items[i].fp[1] >> 56),
                             items[i].fp[0] ? items[i].fp[0] : 1, items[i].tier);
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* Group by shard (a counting sort), then sort each shard's keys. */
static void sort_keys(pt_partkeys *pk)
{
    pk->from = pt_xcalloc(N_SHARDS + 1, sizeof *pk->from);
    for (size_t i = 0; i < pk->n; i++) pk->from[pk->shard[i] + 1]++;
    for (unsigned s = 0; s < N_SHARDS; s++) pk->from[s + 1] += pk->from[s];
    uint64_t *pairs = pt_xmalloc((pk->n ? pk->n : 1) * 2 * sizeof *pairs);
    size_t *at = pt_xmalloc(N_SHARDS * sizeof *at);
    memcpy(at, pk->from, N_SHARDS * sizeof *at);
    for (size_t i = 0; i < pk->n; i++) {
        size_t k = at[pk->shard[i]]++;
        pairs[2 * k] = pk->keys[i];
        pairs[2 * k + 1] = pk->tier[i];
    }
    for (unsigned s = 0; s < N_SHARDS; s++)
        if (pk->from[s + 1] > pk->from[s])
            qsort(pairs + 2 * pk->from[s], pk->from[s + 1] - pk->from[s], 2 * sizeof *pairs,
                  by_key);
    for (size_t i = 0; i < pk->n; i++) {
        pk->keys[i] = pairs[2 * i];
        pk->tier[i] = (uint8_t)pairs[2 * i + 1];
    }
    for (unsigned s = 0; s < N_SHARDS; s++)
        for (size_t i = pk->from[s]; i < pk->from[s + 1]; i++) pk->shard[i] = (uint8_t)s;
    free(at);
    free(pairs);
}

static int by_shard_key(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    if (x[1] >> 8 != y[1] >> 8) return x[1] >> 8 < y[1] >> 8 ? -1 : 1;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Group g's pairs: its blocks from the file, then what its buffer holds. false when the
 * file did not give them back. */
static bool spill_read_group(pt_spill *sp, unsigned g, uint64_t *pairs)
{
    size_t bytes = BLOCK_PAIRS * 2 * sizeof *pairs, n = 0;
    for (size_t b = 0; b < sp->n_blocks; b++) {
        if (sp->block_group[b] != g) continue;
        if (fseeko(sp->f, (off_t)sp->block_at[b], SEEK_SET) != 0 ||
            fread(pairs + 2 * n, 1, bytes, sp->f) != bytes)
            return false;
        n += BLOCK_PAIRS;
    }
    memcpy(pairs + 2 * n, sp->buf + (size_t)g * BLOCK_PAIRS * 2,
           sp->fill[g] * 2 * sizeof *pairs);
    return n + sp->fill[g] == sp->in_group[g];
}

/* Group g of a spilled set into keys, shard, tier and from (its shards' entries), sorted
 * as sort_keys sorts a whole set. A group that cannot be read back reads as empty, and
 * the set is marked failed. */
static void spill_load(pt_partkeys *pk, unsigned g)
{
    pt_spill *sp = pk->spill;
    size_t m = sp->in_group[g];
    uint64_t *pairs = pt_xmalloc((m ? m : 1) * 2 * sizeof *pairs);
    if (fflush(sp->f) != 0 || !spill_read_group(sp, g, pairs)) {
        sp->failed = true;
        m = 0;
    }
    qsort(pairs, m, 2 * sizeof *pairs, by_shard_key);
    free(pk->keys);
    free(pk->shard);
    free(pk->tier);
    pk->keys = pt_xmalloc((m ? m : 1) * sizeof *pk->keys);
    pk->shard = pt_xmalloc(m ? m : 1);
    pk->tier = pt_xmalloc(m ? m : 1);
    if (!pk->from) pk->from = pt_xcalloc(N_SHARDS + 1, sizeof *pk->from);
    unsigned first = g * SHARDS_PER_GROUP;
    for (unsigned s = first; s <= first + SHARDS_PER_GROUP; s++) pk->from[s] = 0;
    for (size_t i = 0; i < m; i++) {
        pk->keys[i] = pairs[2 * i];
        pk->shard[i] = (uint8_t)(pairs[2 * i + 1] >> 8);
        pk->tier[i] = (uint8_t)pairs[2 * i + 1];
        pk->from[pk->shard[i] + 1]++;
    }
    for (unsigned s = first; s < first + SHARDS_PER_GROUP; s++) pk->from[s + 1] += pk->from[s];
    free(pairs);
    sp->loaded = (int)g;
}

size_t pt_partkeys_shard(pt_partkeys *pk, unsigned s, const uint64_t **keys,
                         const uint8_t **tiers)
{
    if (pk->spill && pk->spill->loaded != (int)(s / SHARDS_PER_GROUP))
        spill_load(pk, s / SHARDS_PER_GROUP);
    else if (!pk->spill && !pk->from) sort_keys(pk);
    *keys = pk->keys + pk->from[s];
    *tiers = pk->tier + pk->from[s];
    return pk->from[s + 1] - pk->from[s];
}

/* ---- the union ---- */

typedef struct {
    uint64_t key;
    uint32_t rank;   /* the part's place in the chain: the earliest part's tier counts */
    uint8_t tier;
} ranked;

static int by_key_rank(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

typedef struct {
    ranked *v;
    size_t n, cap;
} ranked_list;

static void push(ranked_list *l, uint64_t key, uint32_t rank, unsigned tier)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->v = pt_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (ranked){key, rank, (uint8_t)tier};
}

/* Shard s of a set on disk: its next run, from *pos on. */
static bool read_run(pt_partkeys *pk, uint64_t *pos, uint32_t rank, ranked_list *l,
                     pt_state_run *r)
{
    pt_state_stream st = {pk->f, pk->at + pk->len - *pos, false, 0, 0, 0, pk->version};
    if (*pos > pk->at + pk->len || fseeko(pk->f, (off_t)*pos, SEEK_SET) != 0) return false;
    if (!pt_state_run_open(r, &st, PT_RUN_PART, 0)) return false;
    uint64_t key;
    unsigned tier;
    while (pt_state_run_next(r, &key, &tier)) push(l, key, rank, tier);
    if (st.bad || r->i != r->n) return false;
    *pos = pk->at + pk->len - st.left;
    return true;
}

bool pt_partkeys_count(pt_partkeys *chain, pt_counts *c)
{
    c->pieces.distinct = 0;
    for (int t = 0; t < PT_MAX_TIERS; t++) c->tiers[t].distinct = 0;
    size_t n_parts = 0;
    for (pt_partkeys *pk = chain; pk; pk = pk->next) n_parts++;
    uint64_t *pos = pt_xcalloc(n_parts ? n_parts : 1, sizeof *pos);
    size_t i = 0;
    for (pt_partkeys *pk = chain; pk; pk = pk->next) pos[i++] = pk->at;
    ranked_list l = {0};
    pt_state_run run = {0};
    bool ok = true;
    for (unsigned s = 0; s < N_SHARDS && ok; s++) {
        l.n = 0;
        uint32_t rank = 0;
        for (pt_partkeys *pk = chain; pk && ok; pk = pk->next, rank++) {
            if (pk->f) {
                ok = read_run(pk, &pos[rank], rank, &l, &run);
                continue;
            }
            const uint64_t *keys;
            const uint8_t *tiers;
            size_t n = pt_partkeys_shard(pk, s, &keys, &tiers);
            for (size_t k = 0; k < n; k++) push(&l, keys[k], rank, tiers[k]);
        }
        if (l.n) qsort(l.v, l.n, sizeof *l.v, by_key_rank);
        for (size_t k = 0; k < l.n; k++) {
            if (k > 0 && l.v[k].key == l.v[k - 1].key) continue;
            c->pieces.distinct++;
            c->tiers[l.v[k].tier].distinct++;
        }
    }
    i = 0;
    for (pt_partkeys *pk = chain; pk && ok; pk = pk->next, i++)
        if (pk->f && pos[i] != pk->at + pk->len) ok = false;   /* every byte of it is runs */
    pt_state_run_free(&run);
    free(l.v);
    free(pos);
    return ok && !pt_partkeys_failed(chain);
}
