/* tally.c - the tally of a run (see pitally/tally.h): inputs, per-pattern counters,
 * samples and the two dedup sets, and the merge of two tallies. The scan commits into
 * it one chunk at a time, in input order, from one thread at a time; nothing here
 * takes a lock beyond the sets' own. */
#include "pitally/tally.h"
#include "sets.h"
#include "parts.h"
#include "pitally/classify.h"
#include "pitally/columns.h"

#include <stdlib.h>
#include <string.h>

pt_tally *pt_tally_new(size_t n_patterns)
{
    pt_tally *t = pt_xcalloc(1, sizeof *t);
    t->n_patterns = n_patterns;
    t->pattern_matched = pt_xcalloc(n_patterns ? n_patterns : 1, sizeof *t->pattern_matched);
    t->pattern_rejected = pt_xcalloc(n_patterns ? n_patterns : 1, sizeof *t->pattern_rejected);
    pt_samples_init(&t->samples, n_patterns);
    t->pieces = pt_fpset_new();
    t->subjects = pt_hashset_new();
    return t;
}

static void free_input(pt_input_result *in)
{
    if (!in) return;
    free(in->path);
    pt_errlist_free(&in->errors);
    pt_colstats_free(in->columns);
    pt_partkeys_free(in->part_keys);
    free(in);
}

void pt_tally_free(pt_tally *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_inputs; i++) free_input(t->inputs[i]);
    free(t->inputs);
    free(t->pattern_matched);
    free(t->pattern_rejected);
    pt_samples_free(&t->samples);
    pt_fpset_free(t->pieces);
    pt_hashset_free(t->subjects);
    free(t->shards_held);
    free(t);
}

void pt_tally_set_shard(pt_tally *t, uint32_t k, uint32_t n, uint64_t table)
{
    free(t->shards_held);
    t->shard_n = n;
    t->shard_table = table;
    t->shards_held = pt_xcalloc((n + 7) / 8, 1);
    if (k >= 1 && k <= n) t->shards_held[(k - 1) / 8] |= (uint8_t)(1u << ((k - 1) % 8));
}

static bool holds(const pt_tally *t, uint32_t k)
{
    return (t->shards_held[(k - 1) / 8] >> ((k - 1) % 8)) & 1;
}

uint32_t pt_tally_shards_missing(const pt_tally *t, char *buf, size_t len)
{
    uint32_t missing = 0;
    size_t o = 0;
    if (len) buf[0] = '\0';
    for (uint32_t k = 1; t->shard_n && k <= t->shard_n; k++) {
        if (holds(t, k)) continue;
        uint32_t last = k;
        while (last < t->shard_n && !holds(t, last + 1)) last++;
        missing += last - k + 1;
        if (o < len)
            o += (size_t)snprintf(buf + o, len - o, last > k ? "%s%u-%u" : "%s%u", o ? ", " : "",
                                  k, last);
        k = last;
    }
    return missing;
}

/* Shards of the same collection, none held twice: then src's are added to dst's. */
static int merge_shards(pt_tally *dst, const pt_tally *src, char *err, size_t errlen)
{
    if (!dst->shard_n && !src->shard_n) return 0;
    if (dst->shard_n != src->shard_n || dst->shard_table != src->shard_table) {
        snprintf(err, errlen, "%s", !dst->shard_n || !src->shard_n
                 ? "a whole scan's state and a shard's (--shard) do not merge"
                 : dst->shard_n != src->shard_n
                 ? "a shard of another division (--shard K/N with another N)"
                 : "a shard of another collection: the shards did not see the same files "
                   "(added, removed or changed between their starts?)");
        return -1;
    }
    for (uint32_t k = 1; k <= src->shard_n; k++)
        if (holds(src, k) && holds(dst, k)) {
            snprintf(err, errlen, "shard %u/%u is given twice", k, src->shard_n);
            return -1;
        }
    for (uint32_t i = 0; i < (src->shard_n + 7) / 8; i++) dst->shards_held[i] |= src->shards_held[i];
    return 0;
}

static void push_input(pt_tally *t, pt_input_result *in)
{
    if (t->n_inputs == t->cap_inputs) {
        t->cap_inputs = t->cap_inputs ? t->cap_inputs * 2 : 16;
        t->inputs = pt_xrealloc(t->inputs, t->cap_inputs * sizeof *t->inputs);
    }
    t->inputs[t->n_inputs++] = in;
}

pt_input_result *pt_tally_add_input(pt_tally *t, const char *path)
{
    pt_input_result *in = pt_xcalloc(1, sizeof *in);
    in->path = pt_xstrdup(path);
    in->compression = in->encoding = in->format = "-";
    push_input(t, in);
    return in;
}

void pt_tally_set_counts(const pt_tally *t, uint64_t distinct[PT_MAX_TIERS], uint64_t *subjects)
{
    if (t->sets_on_disk) {
        memcpy(distinct, t->streamed_distinct, sizeof t->streamed_distinct);
        *subjects = t->streamed_subjects;
        return;
    }
    pt_fpset_count_tiers(t->pieces, distinct);
    *subjects = pt_hashset_size(t->subjects);
}

/* A part's set, in the scratch file the program gives when it gives one. */
static pt_partkeys *new_part_keys(const pt_tally *t, uint32_t part)
{
    pt_partkeys *pk = pt_partkeys_new(part);
    FILE *f = t->spill_open ? t->spill_open(t->spill_ctx) : NULL;
    if (f) pt_partkeys_spill(pk, f);
    return pk;
}

void pt_tally_commit(pt_tally *t, uint32_t input, pt_input_result *in, pt_counts *local,
                     pt_fp_item *items, size_t n_items, uint64_t *subjects, size_t n_subjects)
{
    pt_fpset_insert_batch(t->pieces, input, items, n_items);
    if (in->parts > 1 && !t->part_keys_unused) {   /* a part: its own set, for the join's
                                                      union (parts.h) */
        if (!in->part_keys) in->part_keys = new_part_keys(t, in->part);
        pt_partkeys_add(in->part_keys, items, n_items);
    }
    for (size_t i = 0; i < n_items; i++) {
        if (!items[i].new_in_input) continue;
        local->pieces.distinct++;
        local->tiers[items[i].tier].distinct++;
    }
    pt_hashset_insert_batch(t->subjects, subjects, n_subjects);
    pt_counts_add(&in->counts, local);
}

/* "Never silent" (issue 9): records that cover less than half of an input's text mean
 * it was read in a layout it is not in, or its data is in statements pitally does not
 * read. A dump's schema and comments are a few KiB, so below that the share says
 * nothing and no entry is made. Only whole records count as covered. */
#define UNCOVERED_MIN_BYTES 4096u

void pt_input_judge(pt_input_result *res, uint64_t text, uint64_t covered)
{
    if (!res->readable || res->skipped) return;
    if (res->bytes > 0 && res->counts.records == 0) {
        pt_errlist_add(&res->errors, "no_records", 0,
                       "%llu bytes read as %s, but no record found in them",
                       (unsigned long long)res->bytes, res->format);
        return;
    }
    if (covered > text) covered = text;
    uint64_t outside = text - covered;
    if (res->counts.records == 0 || outside < UNCOVERED_MIN_BYTES || outside * 2 <= text) return;
    pt_errlist_add(&res->errors, "mostly_no_records", 0,
                   "%llu of the %llu bytes of text (%llu%%), read as %s, fall in no record: "
                   "the data may be in another layout (--format) or in statements not read",
                   (unsigned long long)outside, (unsigned long long)text,
                   (unsigned long long)(outside * 100 / text), res->format);
}

typedef struct {
    uint64_t order;
    uint32_t part;
    uint32_t index;
} order_ref;

/* By place; the parts of a split input (one place) by part number, whichever shard's
 * state brought them */
static int by_order(const void *a, const void *b)
{
    const order_ref *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    if (x->part != y->part) return x->part < y->part ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;   /* stable */
}

static bool in_order(const pt_input_result *a, const pt_input_result *b)
{
    return a->order < b->order || (a->order == b->order && a->part <= b->part);
}

/* Put the inputs in order of their order field, stably (O(n log n): a merge of many
 * shards interleaves their inputs). Returns, for each old index, the new one, or NULL
 * when they were in order already. */
static uint32_t *sort_inputs(pt_tally *t)
{
    bool sorted = true;
    for (size_t i = 1; i < t->n_inputs && sorted; i++)
        sorted = in_order(t->inputs[i - 1], t->inputs[i]);
    if (sorted) return NULL;
    size_t n = t->n_inputs;
    order_ref *refs = pt_xmalloc(n * sizeof *refs);
    for (size_t i = 0; i < n; i++)
        refs[i] = (order_ref){t->inputs[i]->order, t->inputs[i]->part, (uint32_t)i};
    qsort(refs, n, sizeof *refs, by_order);
    uint32_t *new_of = pt_xmalloc(n * sizeof *new_of);
    pt_input_result **v = pt_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i] = t->inputs[refs[i].index];
        new_of[refs[i].index] = (uint32_t)i;
    }
    memcpy(t->inputs, v, n * sizeof *v);
    free(v);
    free(refs);
    return new_of;
}

/* ---- the join of a split input's parts (docs/shards.md) ---- */

/* Do inputs[i..] hold every part of one split input, in order? */
static size_t whole_group(const pt_tally *t, size_t i)
{
    const pt_input_result *first = t->inputs[i];
    uint32_t parts = first->parts;
    if (parts < 2 || first->part != 0 || t->n_inputs - i < parts) return 0;
    for (uint32_t p = 1; p < parts; p++) {
        const pt_input_result *in = t->inputs[i + p];
        if (in->parts != parts || in->part != p || in->order != first->order ||
            strcmp(in->path, first->path) != 0)
            return 0;
    }
    return parts;
}

/* The column counts of a later part into the earlier ones'. Every part took its
 * decisions from the same sample (the input's head), so a cell's decision is copied
 * from whichever part has it. */
static void join_columns(pt_input_result *d, pt_input_result *p)
{
    if (!p->columns) return;
    if (!d->columns) {
        d->columns = p->columns;
        p->columns = NULL;
        return;
    }
    pt_colstats_merge(d->columns, p->columns);
    pt_colstats_finish(d->columns, p->columns);   /* its decisions, for the columns it added */
}

/* Part p into d (the parts before it, joined): sums, its errors, the bytes and hashes of
 * the part that read the file to its end. */
static void join_part(pt_input_result *d, pt_input_result *p)
{
    pt_counts_add(&d->counts, &p->counts);   /* distinct: the union's, counted after */
    d->bytes += p->bytes;                    /* one part's only: the others hold 0 */
    if (!d->md5[0] && p->md5[0]) {
        memcpy(d->md5, p->md5, sizeof d->md5);
        memcpy(d->sha256, p->sha256, sizeof d->sha256);
    }
    if (p->text_bytes > d->text_bytes) d->text_bytes = p->text_bytes;
    d->record_bytes += p->record_bytes;
    d->readable = d->readable && p->readable;
    d->skipped = d->skipped || p->skipped;
    pt_errlist_move(&d->errors, &p->errors);
    join_columns(d, p);
    pt_partkeys *tail = d->part_keys;
    while (tail && tail->next) tail = tail->next;
    if (tail) tail->next = p->part_keys;
    else d->part_keys = p->part_keys;
    p->part_keys = NULL;
}

/* Count a joined input's distinct pieces from its parts' sets when they are in memory
 * (a streamed merge counts those on disk: statemerge.c). */
static void count_joined(pt_input_result *in)
{
    for (const pt_partkeys *pk = in->part_keys; pk; pk = pk->next)
        if (pk->f) return;
    if (in->part_keys) pt_partkeys_count(in->part_keys, &in->counts);
    else {
        in->counts.pieces.distinct = 0;
        for (int k = 0; k < PT_MAX_TIERS; k++) in->counts.tiers[k].distinct = 0;
    }
    pt_partkeys_free(in->part_keys);
    in->part_keys = NULL;
}

/* Join every split input whose parts are all here (adjacent, once sorted) into its
 * first part's entry, judged as one input. Returns for each index its new one, or NULL
 * when nothing was joined. A merge of some shards (--partial) keeps the parts of a file
 * it does not hold whole as they are, for a later merge. */
static uint32_t *join_parts(pt_tally *t)
{
    uint32_t *new_of = NULL;
    size_t out = 0;
    for (size_t i = 0; i < t->n_inputs;) {
        size_t n = whole_group(t, i);
        if (n && !new_of) {
            new_of = pt_xmalloc(t->n_inputs * sizeof *new_of);
            for (size_t k = 0; k < i; k++) new_of[k] = (uint32_t)k;
        }
        if (new_of) new_of[i] = (uint32_t)out;
        pt_input_result *d = t->inputs[i];
        t->inputs[out++] = d;
        if (!n) {
            i++;
            continue;
        }
        for (size_t p = 1; p < n; p++) {
            new_of[i + p] = (uint32_t)(out - 1);
            join_part(d, t->inputs[i + p]);
            free_input(t->inputs[i + p]);
        }
        d->part = d->parts = 0;
        pt_input_judge(d, d->text_bytes, d->record_bytes);
        pt_errlist_sort(&d->errors);
        d->text_bytes = d->record_bytes = 0;
        count_joined(d);
        i += n;
    }
    t->n_inputs = out;
    return new_of;
}

static int check_mergeable(const pt_tally *dst, const pt_tally *src, char *err, size_t errlen)
{
    if (dst->n_patterns != src->n_patterns) {
        snprintf(err, errlen, "made with %zu patterns, not %zu", src->n_patterns, dst->n_patterns);
        return -1;
    }
    if (dst->key_id != src->key_id) {
        snprintf(err, errlen, "made with another case key (key id %016llx, not %016llx): "
                 "every shard of a case must use the same --case-key file",
                 (unsigned long long)src->key_id, (unsigned long long)dst->key_id);
        return -1;
    }
    return 0;
}

/* Two whole scans (not shards of one collection) are of different collections: one scan
 * of their paths in the order given lists the first's inputs before the second's. So the
 * second's places (file number << 32 | member, pt_scan_set_order) move past the first's
 * last file; shards keep theirs, which interleave as one scan's list did. A place of 0 (an
 * input given without one) moves too, so it stays after what came before it. */
static void follow_on(const pt_tally *dst, pt_tally *src)
{
    if (dst->shard_n || src->shard_n) return;
    uint64_t last = 0;
    for (size_t i = 0; i < dst->n_inputs; i++)
        if (dst->inputs[i]->order >> 32 > last) last = dst->inputs[i]->order >> 32;
    for (size_t i = 0; i < src->n_inputs; i++) src->inputs[i]->order += (last + 1) << 32;
}

int pt_tally_merge_all(pt_tally *dst, pt_tally *const *srcs, size_t n, size_t *bad, char *err,
                       size_t errlen)
{
    for (size_t k = 0; k < n; k++)
        if (check_mergeable(dst, srcs[k], err, errlen) != 0) {
            *bad = k;
            return -1;
        }
    /* the shards: checked on a copy, so that a refusal leaves dst as it was */
    uint8_t *held = dst->shards_held ? pt_xmalloc((dst->shard_n + 7) / 8) : NULL;
    if (held) memcpy(held, dst->shards_held, (dst->shard_n + 7) / 8);
    for (size_t k = 0; k < n; k++)
        if (merge_shards(dst, srcs[k], err, errlen) != 0) {
            if (held) memcpy(dst->shards_held, held, (dst->shard_n + 7) / 8);
            free(held);
            *bad = k;
            return -1;
        }
    free(held);
    for (size_t k = 0; k < n; k++) {
        pt_tally *src = srcs[k];
        uint32_t shift = (uint32_t)dst->n_inputs;
        follow_on(dst, src);
        for (size_t i = 0; i < src->n_inputs; i++) push_input(dst, src->inputs[i]);
        src->n_inputs = 0;
        for (size_t p = 0; p < dst->n_patterns; p++) {
            dst->pattern_matched[p] += src->pattern_matched[p];
            dst->pattern_rejected[p] += src->pattern_rejected[p];
        }
        /* src's samples point at src's inputs, which now follow those before them */
        for (size_t i = 0; i < src->samples.n_patterns * src->samples.per; i++)
            src->samples.v[i].input += shift;
    }
    /* every list is renumbered to the final order before they merge, so "first" means
     * first in it; one sort for all the inputs, then the parts of a split input joined */
    uint32_t *new_of = sort_inputs(dst);
    size_t n_sorted = dst->n_inputs;
    uint32_t *joined = join_parts(dst);
    if (joined && new_of)
        for (size_t i = 0; i < n_sorted; i++) new_of[i] = joined[new_of[i]];
    else if (joined) {
        free(new_of);
        new_of = joined;
        joined = NULL;
    }
    free(joined);
    if (new_of) pt_samples_renumber(&dst->samples, new_of);
    for (size_t k = 0; k < n; k++) {
        if (new_of) pt_samples_renumber(&srcs[k]->samples, new_of);
        pt_samples_merge(&dst->samples, &srcs[k]->samples);
        pt_fpset_merge(dst->pieces, srcs[k]->pieces);
        pt_hashset_merge(dst->subjects, srcs[k]->subjects);
    }
    free(new_of);
    /* every shard of the collection together: a whole collection, which merges with others */
    char none[1];
    if (dst->shard_n && pt_tally_shards_missing(dst, none, 0) == 0) {
        free(dst->shards_held);
        dst->shards_held = NULL;
        dst->shard_n = 0;
        dst->shard_table = 0;
    }
    return 0;
}

int pt_tally_merge(pt_tally *dst, pt_tally *src, char *err, size_t errlen)
{
    size_t bad;
    return pt_tally_merge_all(dst, &src, 1, &bad, err, errlen);
}

void pt_tally_subjects_by_kind(const pt_tally *t, uint64_t by_kind[PT_SUBJECT_KINDS])
{
    memset(by_kind, 0, PT_SUBJECT_KINDS * sizeof *by_kind);
    if (t->sets_on_disk) {   /* a streamed merge counted them */
        memcpy(by_kind, t->streamed_subjects_by, sizeof t->streamed_subjects_by);
        return;
    }
    uint64_t *keys = NULL;
    size_t cap = 0;
    for (unsigned s = 0; s < PT_DEDUP_SHARDS; s++) {
        size_t n = pt_hashset_shard_items(t->subjects, s, NULL);
        if (n > cap) {
            cap = n;
            keys = pt_xrealloc(keys, cap * sizeof *keys);
        }
        if (n) pt_hashset_shard_items(t->subjects, s, keys);
        for (size_t i = 0; i < n; i++) by_kind[keys[i] & (PT_SUBJECT_KINDS - 1)]++;
    }
    free(keys);
}
