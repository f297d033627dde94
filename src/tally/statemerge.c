/* statemerge.c - pitally merge in bounded memory: many state files merged in one pass.
 *
 * Loading every state into one tally would need the whole union of the sets in memory,
 * 31 bytes a piece. But the report needs only the sets' counts, and a merged state only
 * their union written out in the same sorted runs. Every state file holds its runs in
 * shard order (state.c), so the merge reads the files side by side, one shard at a time:
 * the runs of shard s of every file, each sorted, are merged through a small heap into
 * their union (a key in several files counted once, at its most serious tier), counted,
 * and written out if asked. Memory: the heads (per input and per pattern), one cursor per
 * file, and one shard of the union when a merged state is written (1/256 of it) -
 * whatever the number of pieces.
 */
#include "pitally/tally.h"
#include "sets.h"
#include "state_internal.h"

#include <stdlib.h>
#include <string.h>

#define N_SHARDS PT_DEDUP_SHARDS

typedef struct {
    uint64_t key;
    unsigned tier;
    size_t file;
} head_item;

/* a min-heap of the files' current keys */
typedef struct {
    head_item *v;
    size_t n;
} heap;

static bool less(const head_item *a, const head_item *b)
{
    return a->key < b->key || (a->key == b->key && a->file < b->file);
}

static void heap_push(heap *h, head_item x)
{
    size_t i = h->n++;
    for (; i > 0 && less(&x, &h->v[(i - 1) / 2]); i = (i - 1) / 2) h->v[i] = h->v[(i - 1) / 2];
    h->v[i] = x;
}

static head_item heap_pop(heap *h)
{
    head_item top = h->v[0], x = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && less(&h->v[c + 1], &h->v[c])) c++;
        if (!less(&h->v[c], &x)) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n) h->v[i] = x;
    return top;
}

typedef struct {
    size_t k;
    pt_state_stream *st;
    pt_state_run *runs;
    heap h;
    pt_state_writer *w;        /* NULL: count only */
    const pt_tally *base;      /* NULL, or a baseline to count what is new against */
    pt_tally *all;
    uint64_t *keys;            /* one shard of the union, when written */
    uint8_t *tiers;
    size_t cap;
} merger;

static void keep(merger *m, size_t *n, uint64_t key, unsigned tier)
{
    if (!m->w) return;
    if (*n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 4096;
        m->keys = pt_xrealloc(m->keys, m->cap * sizeof *m->keys);
        m->tiers = pt_xrealloc(m->tiers, m->cap);
    }
    m->keys[*n] = key;
    m->tiers[*n] = (uint8_t)tier;
    (*n)++;
}

static void advance(merger *m, size_t file)
{
    head_item x = {.file = file};
    if (pt_state_run_next(&m->runs[file], &x.key, &x.tier)) heap_push(&m->h, x);
}

/* A piece or subject of the union against the baseline (as baseline.c counts them). */
static void against_base(merger *m, unsigned shard, bool piece, uint64_t key, unsigned tier)
{
    if (!m->base) return;
    if (!piece) {
        m->all->streamed_subjects_new += !pt_hashset_contains(m->base->subjects, key);
        return;
    }
    int was = pt_fpset_tier_of(m->base->pieces, shard, key);
    if (was < 0) m->all->streamed_new[tier]++;
    else if ((int)tier < was) m->all->streamed_raised[tier]++;   /* lower: more serious */
}

/* The union of shard s's runs of every file: counted into the tally's streamed counts. */
static void merge_shard(merger *m, unsigned shard, bool with_tiers)
{
    m->h.n = 0;
    for (size_t i = 0; i < m->k; i++)
        if (pt_state_run_open(&m->runs[i], &m->st[i], with_tiers)) advance(m, i);
    size_t n = 0;
    while (m->h.n) {
        head_item x = heap_pop(&m->h);
        advance(m, x.file);
        unsigned tier = x.tier;
        while (m->h.n && m->h.v[0].key == x.key) {   /* the same piece in other files */
            head_item y = heap_pop(&m->h);
            advance(m, y.file);
            if (y.tier < tier) tier = y.tier;         /* tiers are ordered most serious first */
        }
        if (with_tiers) m->all->streamed_distinct[tier]++;
        else {
            m->all->streamed_subjects++;
            m->all->streamed_subjects_by[x.key & (PT_SUBJECT_KINDS - 1)]++;
        }
        against_base(m, shard, with_tiers, x.key, tier);
        keep(m, &n, x.key, tier);
    }
    if (m->w) pt_state_put_run(m->w, m->keys, m->tiers, n, with_tiers);
}

/* Every file's head into one tally (inputs in order, key ids alike). */
static pt_tally *merge_heads(FILE *const *files, size_t k, uint64_t digest, pt_state_stream *st,
                             size_t *bad_file, char *err, size_t errlen)
{
    pt_tally **heads = pt_xcalloc(k, sizeof *heads);
    size_t n = 0;
    for (; n < k; n++)
        if (!(heads[n] = pt_state_open(files[n], digest, &st[n], err, errlen))) break;
    pt_tally *all = NULL;
    size_t bad = 0;
    if (n < k) *bad_file = n;
    else if (pt_tally_merge_all(heads[0], heads + 1, k - 1, &bad, err, errlen) != 0)
        *bad_file = bad + 1;
    else all = heads[0];
    for (size_t i = all ? 1 : 0; i < n; i++) pt_tally_free(heads[i]);
    free(heads);
    return all;
}

int pt_tally_merge_files(FILE *const *files, size_t k, uint64_t rules_digest,
                         const pt_tally *base, FILE *out, pt_tally **result, size_t *bad_file,
                         char *err, size_t errlen)
{
    *result = NULL;
    *bad_file = 0;
    if (k == 0) {
        snprintf(err, errlen, "no state to merge");
        return -1;
    }
    merger m = {.k = k, .st = pt_xcalloc(k, sizeof *m.st), .runs = pt_xcalloc(k, sizeof *m.runs),
                .base = base};
    m.h.v = pt_xmalloc(k * sizeof *m.h.v);
    pt_tally *all = merge_heads(files, k, rules_digest, m.st, bad_file, err, errlen);
    m.all = all;
    if (all && base && base->key_id != all->key_id) m.base = NULL;   /* compare refuses it */
    pt_state_writer w;
    if (all && out) {
        pt_state_begin(&w, out, rules_digest, all);
        m.w = &w;
    }
    for (unsigned s = 0; all && s < N_SHARDS; s++) merge_shard(&m, s, true);
    for (unsigned s = 0; all && s < N_SHARDS; s++) merge_shard(&m, s, false);
    for (size_t i = 0; all && i < k; i++)
        if (m.st[i].bad || m.st[i].left != 0) {
            *bad_file = i;
            snprintf(err, errlen, "malformed contents behind a valid checksum");
            pt_tally_free(all);
            all = NULL;
        }
    int rc = all ? 0 : -1;
    if (m.w && all && pt_state_end(&w, err, errlen) != 0) rc = -2;
    else if (m.w && !all) pt_state_end(&w, err, 0);   /* frees the hash; the file is dropped */
    if (all) all->sets_on_disk = true;
    for (size_t i = 0; i < k; i++) pt_state_run_free(&m.runs[i]);
    free(m.runs);
    free(m.st);
    free(m.h.v);
    free(m.keys);
    free(m.tiers);
    *result = rc == 0 ? all : NULL;
    if (rc != 0) pt_tally_free(all);
    return rc;
}
