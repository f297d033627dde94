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
 * The evidence sections (state.c) are another module's (src/report/evmerge.c): hooks
 * tell it where each file's is, what each file's inputs became in the merged order, and
 * the merged tier of the few pieces it asks about (its sample candidates: probes sorted
 * like the union, looked up as the union streams by, at no cost per piece).
 * The parts of a split input (parts.h) are joined with the heads (tally.c); their key
 * sets stay on disk, each located in its file's part section, and a joined input's
 * distinct pieces are counted from them (one set shard at a time) before the merged
 * head is written. A part whose file is not whole here (--partial) stays a part, its
 * set copied into the merged state as it is. Then every file is back at its pieces.
 */
#include "pitally/tally.h"
#include "sets.h"
#include "state_internal.h"
#include "parts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
    pt_tier_probe *probe, *probe_end;   /* the evidence's questions not answered yet */
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

/* The probes up to (shard, key): key's tier, those passed over absent. */
static void answer(merger *m, unsigned shard, uint64_t key, unsigned tier)
{
    for (; m->probe < m->probe_end &&
           (m->probe->shard < shard || (m->probe->shard == shard && m->probe->key <= key));
         m->probe++)
        m->probe->tier = m->probe->shard == shard && m->probe->key == key ? (int)tier : -1;
}

/* The union of shard s's runs of every file: counted into the tally's streamed counts. */
static void merge_shard(merger *m, unsigned shard, bool with_tiers)
{
    m->h.n = 0;
    for (size_t i = 0; i < m->k; i++)
        if (pt_state_run_open(&m->runs[i], &m->st[i], with_tiers ? PT_RUN_PIECES : PT_RUN_SUBJECTS,
                              shard))
            advance(m, i);
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
        if (with_tiers) {
            m->all->streamed_distinct[tier]++;
            answer(m, shard, x.key, tier);
        }
        else {
            m->all->streamed_subjects++;
            m->all->streamed_subjects_by[x.key & (PT_SUBJECT_KINDS - 1)]++;
        }
        against_base(m, shard, with_tiers, x.key, tier);
        keep(m, &n, x.key, tier);
    }
    if (m->w)
        pt_state_put_run(m->w, with_tiers ? PT_RUN_PIECES : PT_RUN_SUBJECTS, shard, m->keys, m->tiers, n);
}

typedef struct {
    const pt_input_result *in;
    uint32_t merged;
} input_place;

static int by_pointer(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const input_place *)a)->in, y = (uintptr_t)((const input_place *)b)->in;
    return x < y ? -1 : x > y;
}

/* Where each file's inputs went in the merged order: the inputs move whole (pointers)
 * into all, so each is found there by its address. */
static void place_inputs(const pt_tally *all, const pt_input_result *const *const *was,
                         pt_state_section *sec, size_t k)
{
    input_place *v = pt_xmalloc((all->n_inputs ? all->n_inputs : 1) * sizeof *v);
    for (size_t i = 0; i < all->n_inputs; i++) v[i] = (input_place){all->inputs[i], (uint32_t)i};
    if (all->n_inputs) qsort(v, all->n_inputs, sizeof *v, by_pointer);
    for (size_t f = 0; f < k; f++) {
        uint32_t *idx = pt_xmalloc((sec[f].n_inputs ? sec[f].n_inputs : 1) * sizeof *idx);
        for (size_t j = 0; j < sec[f].n_inputs; j++) {
            input_place key = {was[f][j], 0};
            input_place *hit = bsearch(&key, v, all->n_inputs, sizeof *v, by_pointer);
            idx[j] = hit ? hit->merged : UINT32_MAX;
        }
        sec[f].input = idx;
    }
    free(v);
}

static bool has_parts(const pt_tally *t)
{
    for (size_t i = 0; i < t->n_inputs; i++)
        if (t->inputs[i]->parts > 1) return true;
    return false;
}

/* The distinct pieces of every joined input, from its parts' sets on disk; false with
 * *bad_file when one is malformed. */
static bool count_joined(pt_tally *all, FILE *const *files, size_t k, size_t *bad_file)
{
    for (size_t i = 0; i < all->n_inputs; i++) {
        pt_input_result *in = all->inputs[i];
        if (in->parts > 1 || !in->part_keys) continue;
        bool ok = pt_partkeys_count(in->part_keys, &in->counts);
        for (const pt_partkeys *pk = in->part_keys; !ok && pk; pk = pk->next)
            for (size_t f = 0; f < k; f++)
                if (files[f] == pk->f) *bad_file = f;
        pt_partkeys_free(in->part_keys);
        in->part_keys = NULL;
        if (!ok) return false;
    }
    return true;
}

/* Every file back at its pieces' runs (the part sets were read or copied meanwhile). */
static bool back_to_runs(merger *m)
{
    for (size_t i = 0; i < m->k; i++)
        if (fseeko(m->st[i].f, (off_t)m->st[i].runs_at, SEEK_SET) != 0) return false;
    return true;
}

/* Every file's head into one tally (inputs in order, key ids alike); sec (when not NULL)
 * gets each file's section and input places. */
static pt_tally *merge_heads(FILE *const *files, size_t k, uint64_t digest, pt_state_stream *st,
                             pt_state_section *sec, size_t *bad_file, char *err, size_t errlen)
{
    pt_tally **heads = pt_xcalloc(k, sizeof *heads);
    const pt_input_result ***was = pt_xcalloc(k, sizeof *was);
    size_t n = 0;
    for (; n < k; n++) {
        if (!(heads[n] = pt_state_open(files[n], digest, &st[n], err, errlen))) break;
        if (!pt_state_get_parts(&st[n], heads[n], false)) {
            snprintf(err, errlen, "malformed contents behind a valid checksum");
            pt_tally_free(heads[n]);
            heads[n] = NULL;
            break;
        }
        if (sec && st[n].section_len && has_parts(heads[n])) {   /* none is made so */
            snprintf(err, errlen, "holds parts of a split input and evidence: merge "
                     "--evidence cannot join them (a scan with --evidence splits no file)");
            pt_tally_free(heads[n]);
            heads[n] = NULL;
            break;
        }
        was[n] = pt_xmalloc((heads[n]->n_inputs ? heads[n]->n_inputs : 1) * sizeof **was);
        for (size_t j = 0; j < heads[n]->n_inputs; j++) was[n][j] = heads[n]->inputs[j];
        if (sec) sec[n] = (pt_state_section){st[n].section_at, st[n].section_len, NULL, heads[n]->n_inputs};
    }
    pt_tally *all = NULL;
    size_t bad = 0;
    if (n < k) *bad_file = n;
    else if (pt_tally_merge_all(heads[0], heads + 1, k - 1, &bad, err, errlen) != 0)
        *bad_file = bad + 1;
    else all = heads[0];
    if (all && sec) place_inputs(all, (const pt_input_result *const *const *)was, sec, k);
    for (size_t i = all ? 1 : 0; i < n; i++) pt_tally_free(heads[i]);
    for (size_t i = 0; i < n; i++) free(was[i]);
    free(was);
    free(heads);
    return all;
}

int pt_tally_merge_files(FILE *const *files, size_t k, uint64_t rules_digest,
                         const pt_tally *base, FILE *out, pt_tally **result, size_t *bad_file,
                         char *err, size_t errlen)
{
    return pt_tally_merge_files_ev(files, k, rules_digest, base, NULL, out, result, bad_file, err,
                                   errlen);
}

int pt_tally_merge_files_ev(FILE *const *files, size_t k, uint64_t rules_digest,
                            const pt_tally *base, pt_merge_hooks *hooks, FILE *out,
                            pt_tally **result, size_t *bad_file, char *err, size_t errlen)
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
    pt_state_section *sec = hooks ? pt_xcalloc(k, sizeof *sec) : NULL;
    pt_tally *all = merge_heads(files, k, rules_digest, m.st, sec, bad_file, err, errlen);
    m.all = all;
    if (all && hooks && hooks->heads(hooks->ctx, all, files, sec, k, bad_file, err, errlen) != 0) {
        pt_tally_free(all);
        all = m.all = NULL;
    }
    if (all && hooks && hooks->probes) {   /* NULL + 0 is undefined */
        m.probe = hooks->probes;
        m.probe_end = hooks->probes + hooks->n_probes;
    }
    if (all && base && base->key_id != all->key_id) m.base = NULL;   /* compare refuses it */
    if (all && !count_joined(all, files, k, bad_file)) {
        snprintf(err, errlen, "malformed contents behind a valid checksum");
        pt_tally_free(all);
        all = m.all = NULL;
    }
    pt_state_writer w;
    if (all && out) {
        pt_state_begin(&w, out, rules_digest, all);
        pt_state_put_parts(&w, all);
        m.w = &w;
    }
    if (all && !back_to_runs(&m)) {
        snprintf(err, errlen, "cannot be read");
        pt_tally_free(all);
        all = m.all = NULL;
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
    for (; m.probe < m.probe_end; m.probe++) m.probe->tier = -1;
    FILE *section = NULL;
    if (all && hooks && hooks->sets(hooks->ctx, all, &section, bad_file, err, errlen) != 0) {
        pt_tally_free(all);
        all = NULL;
    }
    if (m.w && all) pt_state_put_section(&w, section);
    if (section) fclose(section);
    for (size_t i = 0; sec && i < k; i++) free((void *)sec[i].input);
    free(sec);
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
