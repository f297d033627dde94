/* baseline.c - what is new in a tally since a baseline tally (pitally/tally.h), for the
 * nightly job that rescans a growing share with `scan --baseline LAST.pst`.
 *
 * Inputs are matched by their reported path: both lists are sorted by path (ties by
 * position, so repeated paths pair off one to one and the result never depends on the
 * sort) and walked side by side. The pieces need no sort: for each piece of the tally,
 * one lookup in the baseline's set (same shard, same enciphered key) says whether it was
 * there and in which tier. That is why both must be under the same case key: under
 * another key every piece would look new.
 */
#include "pitally/tally.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *path;
    size_t index;
} path_ref;

static int by_path(const void *a, const void *b)
{
    const path_ref *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c) return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static path_ref *sorted_paths(const pt_tally *t)
{
    path_ref *v = pt_xcalloc(t->n_inputs ? t->n_inputs : 1, sizeof *v);
    for (size_t i = 0; i < t->n_inputs; i++) {
        v[i].path = t->inputs[i]->path ? t->inputs[i]->path : "";
        v[i].index = i;
    }
    if (t->n_inputs > 1) qsort(v, t->n_inputs, sizeof *v, by_path);
    return v;
}

/* The same path in both: unchanged or changed when both have a SHA-256, else unhashed. */
static pt_base_kind same_path_kind(const pt_input_result *now, const pt_input_result *base)
{
    if (!now->sha256[0] || !base->sha256[0]) return PT_BASE_UNHASHED;
    return strcmp(now->sha256, base->sha256) ? PT_BASE_CHANGED : PT_BASE_UNCHANGED;
}

/* kind_now[i]: what input i of now is; gone[j]: input j of base has no match. */
static void match_inputs(const pt_tally *now, const pt_tally *base, uint8_t *kind_now, bool *gone)
{
    path_ref *a = sorted_paths(now), *b = sorted_paths(base);
    size_t i = 0, j = 0;
    while (i < now->n_inputs || j < base->n_inputs) {
        int c = i == now->n_inputs ? 1 : j == base->n_inputs ? -1 : strcmp(a[i].path, b[j].path);
        if (c < 0) {
            kind_now[a[i++].index] = PT_BASE_NEW;
        } else if (c > 0) {
            gone[b[j++].index] = true;
        } else {
            kind_now[a[i].index] =
                (uint8_t)same_path_kind(now->inputs[a[i].index], base->inputs[b[j].index]);
            i++;
            j++;
        }
    }
    free(a);
    free(b);
}

static void list_path(pt_baseline_diff *d, pt_base_kind k, const char *path)
{
    uint64_t n = d->inputs[k]++;
    if (k == PT_BASE_UNCHANGED) return;   /* counted, not listed */
    d->paths[k] = pt_xrealloc(d->paths[k], (size_t)(n + 1) * sizeof *d->paths[k]);
    d->paths[k][n] = pt_xstrdup(path ? path : "");
}

static void compare_inputs(const pt_tally *now, const pt_tally *base, pt_baseline_diff *d)
{
    uint8_t *kind_now = pt_xcalloc(now->n_inputs ? now->n_inputs : 1, 1);
    bool *gone = pt_xcalloc(base->n_inputs ? base->n_inputs : 1, sizeof *gone);
    match_inputs(now, base, kind_now, gone);
    for (size_t i = 0; i < now->n_inputs; i++)
        list_path(d, (pt_base_kind)kind_now[i], now->inputs[i]->path);
    for (size_t j = 0; j < base->n_inputs; j++)
        if (gone[j]) list_path(d, PT_BASE_GONE, base->inputs[j]->path);
    free(kind_now);
    free(gone);
}

/* Each piece of now against base, shard by shard (one buffer for all shards). */
static void compare_pieces(const pt_fpset *now, const pt_fpset *base, pt_baseline_diff *d)
{
    uint64_t *keys = NULL;
    uint8_t *tiers = NULL;
    size_t cap = 0;
    for (unsigned sh = 0; sh < PT_DEDUP_SHARDS; sh++) {
        size_t n = pt_fpset_shard_items(now, sh, NULL, NULL);
        if (n > cap) {
            cap = n;
            keys = pt_xrealloc(keys, cap * sizeof *keys);
            tiers = pt_xrealloc(tiers, cap);
        }
        if (n == 0) continue;
        pt_fpset_shard_items(now, sh, keys, tiers);
        for (size_t k = 0; k < n; k++) {
            int was = pt_fpset_tier_of(base, sh, keys[k]);
            if (was < 0) d->pieces_new[tiers[k]]++;
            else if (tiers[k] < was) d->pieces_raised[tiers[k]]++;   /* lower: more serious */
        }
    }
    free(keys);
    free(tiers);
}

static void compare_subjects(const pt_hashset *now, const pt_hashset *base, pt_baseline_diff *d)
{
    uint64_t *keys = NULL;
    size_t cap = 0;
    for (unsigned sh = 0; sh < PT_DEDUP_SHARDS; sh++) {
        size_t n = pt_hashset_shard_items(now, sh, NULL);
        if (n > cap) {
            cap = n;
            keys = pt_xrealloc(keys, cap * sizeof *keys);
        }
        if (n == 0) continue;
        pt_hashset_shard_items(now, sh, keys);
        for (size_t k = 0; k < n; k++) d->subjects_new += !pt_hashset_contains(base, keys[k]);
    }
    free(keys);
}

int pt_tally_compare(const pt_tally *now, const pt_tally *base, pt_baseline_diff *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (now->key_id != base->key_id) {
        snprintf(err, errlen, "the baseline was made under another case key (key id %016llx, "
                 "not %016llx)", (unsigned long long)base->key_id, (unsigned long long)now->key_id);
        return -1;
    }
    if (now->n_patterns != base->n_patterns) {
        snprintf(err, errlen, "the baseline has %zu patterns, this run %zu", base->n_patterns,
                 now->n_patterns);
        return -1;
    }
    compare_inputs(now, base, out);
    if (now->sets_on_disk) {   /* a streamed merge counted them against base on the way */
        memcpy(out->pieces_new, now->streamed_new, sizeof out->pieces_new);
        memcpy(out->pieces_raised, now->streamed_raised, sizeof out->pieces_raised);
        out->subjects_new = now->streamed_subjects_new;
        return 0;
    }
    compare_pieces(now->pieces, base->pieces, out);
    compare_subjects(now->subjects, base->subjects, out);
    return 0;
}

void pt_baseline_diff_free(pt_baseline_diff *d)
{
    if (!d) return;
    for (int k = 0; k < PT_BASE_KINDS; k++) {
        for (uint64_t i = 0; d->paths[k] && i < d->inputs[k]; i++) free(d->paths[k][i]);
        free(d->paths[k]);
    }
    memset(d, 0, sizeof *d);
}
