/* columns.c - column tables (pitally/columns.h): exact per-column counts, merged in
 * input order, and the decisions of column-level evidence (classify.h).
 *
 * A table is an array of columns in the order they were first seen, with an
 * open-addressing index on the hash of (position, name). Nothing here runs per field
 * once a column is known: the scanner remembers the column of each field position
 * (scanner.c) and touches a counter.
 *
 * An input's table is held until the report, for every input of the run: once the input
 * is done, pt_colstats_compact moves its columns, cells, doubts and keys into one
 * allocation of their exact size and drops the index (10,000 small CSV files held about
 * 4 KiB each in arrays grown by doubling). Such a table may still grow (a merge of a
 * split input's parts): an array of capacity 0 is the block's, copied out to grow.
 */
#include <stdlib.h>
#include <string.h>

#include "pitally/classify.h"
#include "pitally/columns.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

pt_colstats *pt_colstats_new(bool by_key)
{
    pt_colstats *t = pt_xcalloc(1, sizeof *t);
    t->by_key = by_key;
    return t;
}

/* The keys and cells of the columns that are not in the block. */
static void free_column_parts(pt_colstats *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (i >= t->n_packed) free(t->cols[i].key);
        if (t->cols[i].cap_pats) free(t->cols[i].pats);
    }
}

/* The arrays and the block: what is left once free_column_parts has run. */
static void free_arrays(pt_colstats *t)
{
    if (t->cap) free(t->cols);
    if (t->cap_doubts) free(t->doubts);
    free(t->index);
    free(t->block);
    t->cols = NULL;
    t->doubts = NULL;
    t->index = NULL;
    t->block = NULL;
    t->cap = t->cap_doubts = t->index_cap = t->n_packed = 0;
}

static void free_columns(pt_colstats *t)
{
    free_column_parts(t);
    for (size_t k = 0; k < PT_MAX_SHAPES; k++) {
        free(t->shape_why[k]);
        t->shape_why[k] = NULL;
    }
    t->shapes_hold = t->shapes_partial = 0;
}

void pt_colstats_free(pt_colstats *t)
{
    if (!t) return;
    free_columns(t);
    free_arrays(t);
    free(t);
}

void pt_colstats_reset(pt_colstats *t, const pt_colstats *like)
{
    free_columns(t);
    if (t->block) free_arrays(t);   /* a compacted table's arrays are the block's */
    t->n = 0;
    t->n_doubts = 0;
    t->truncated = false;
    t->sample_records = 0;
    t->by_key = like->by_key;
    t->stable_keys = like->stable_keys;
    if (t->index) memset(t->index, 0, t->index_cap * sizeof *t->index);
}

static uint64_t column_hash(int32_t position, const char *key, size_t len)
{
    return XXH3_64bits_withSeed(key ? key : "", key ? len : 0, (uint64_t)(int64_t)position + 2);
}

static void index_put(pt_colstats *t, size_t col)
{
    size_t mask = t->index_cap - 1, i = (size_t)t->cols[col].hash & mask;
    while (t->index[i]) i = (i + 1) & mask;
    t->index[i] = (uint32_t)col + 1;
}

/* Room for one more column (from none: a compacted table's index is made again). */
static void index_grow(pt_colstats *t)
{
    size_t cap = t->index_cap ? t->index_cap * 2 : 64;
    while ((t->n + 1) * 2 > cap) cap *= 2;
    free(t->index);
    t->index = pt_xcalloc(cap, sizeof *t->index);
    t->index_cap = cap;
    for (size_t c = 0; c < t->n; c++) index_put(t, c);
}

static bool same_column(const pt_column *c, uint64_t h, int32_t position, const char *key,
                        size_t len)
{
    if (c->hash != h || c->position != position) return false;
    if (!key) return c->key == NULL;
    return c->key && c->key_len == len && memcmp(c->key, key, len) == 0;
}

static int32_t find_column(const pt_colstats *t, uint64_t h, int32_t position, const char *key,
                           size_t len)
{
    if (!t->index_cap) {   /* a compacted table keeps no index: it is seldom looked into */
        for (size_t c = 0; c < t->n; c++)
            if (same_column(&t->cols[c], h, position, key, len)) return (int32_t)c;
        return -1;
    }
    size_t mask = t->index_cap - 1;
    for (size_t i = (size_t)h & mask; t->index[i]; i = (i + 1) & mask) {
        uint32_t c = t->index[i] - 1;
        if (same_column(&t->cols[c], h, position, key, len)) return (int32_t)c;
    }
    return -1;
}

/* Room for item n of an array of size-byte items with capacity *cap, which is 0 when
 * the array is in a compacted table's block (or is none): it is then copied out. */
static void *grow_items(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap) return v;
    size_t grown = n ? 2 * n : first;
    void *out;
    if (*cap) {
        out = pt_xrealloc(v, grown * size);
    } else {
        out = pt_xmalloc(grown * size);
        if (n) memcpy(out, v, n * size);
    }
    *cap = grown;
    return out;
}

/* The column, added (with the given first offset) when absent and limit allows. */
static int32_t column_of(pt_colstats *t, int32_t position, const char *key, size_t len,
                         size_t limit)
{
    if (t->by_key && key) position = -1;
    if (key && len > PT_COLUMN_KEY_MAX) len = PT_COLUMN_KEY_MAX;
    uint64_t h = column_hash(position, key, len);
    int32_t c = find_column(t, h, position, key, len);
    if (c >= 0) return c;
    if (t->n >= limit) {
        t->truncated = true;
        return -1;
    }
    if ((t->n + 1) * 2 > t->index_cap) index_grow(t);
    t->cols = grow_items(t->cols, t->n, &t->cap, sizeof *t->cols, 16);
    pt_column *col = &t->cols[t->n];
    memset(col, 0, sizeof *col);
    if (key) {
        col->key = pt_xmalloc(len + 1);
        memcpy(col->key, key, len);
        col->key[len] = '\0';
        col->key_len = (uint32_t)len;
    }
    col->position = position;
    col->hash = h;
    col->first = UINT64_MAX;
    col->plan_col = -2;
    index_put(t, t->n);
    return (int32_t)t->n++;
}

int32_t pt_colstats_column(pt_colstats *t, int32_t position, const char *key, size_t key_len)
{
    /* a chunk holds at most its own bytes' worth of columns; an input keeps the first
     * PT_COLUMNS_MAX (pt_colstats_merge) */
    return column_of(t, position, key, key_len, SIZE_MAX);
}

const pt_column_pattern *pt_colstats_find_cell(const pt_colstats *t, int32_t col, uint32_t pattern)
{
    if (col < 0 || (size_t)col >= t->n) return NULL;
    const pt_column *c = &t->cols[col];
    for (uint32_t k = 0; k < c->n_pats; k++)
        if (c->pats[k].pattern == pattern) return &c->pats[k];
    return NULL;
}

pt_column_pattern *pt_colstats_cell_slow(pt_colstats *t, int32_t col, uint32_t pattern)
{
    pt_column *c = &t->cols[col];
    for (uint32_t k = 0; k < c->n_pats; k++)
        if (c->pats[k].pattern == pattern) {
            c->hint = k;
            return &c->pats[k];
        }
    size_t cap = c->cap_pats;
    c->pats = grow_items(c->pats, c->n_pats, &cap, sizeof *c->pats, 4);
    c->cap_pats = (uint32_t)cap;
    c->hint = c->n_pats;
    pt_column_pattern *p = &c->pats[c->n_pats++];
    memset(p, 0, sizeof *p);
    p->pattern = pattern;
    return p;
}

static void add_doubt(pt_colstats *t, int from, int to, uint32_t col, uint32_t pattern,
                      uint64_t pieces)
{
    for (size_t k = 0; k < t->n_doubts; k++) {
        pt_doubt *d = &t->doubts[k];
        if (d->from == from && d->to == to && d->column == col && d->pattern == pattern) {
            d->pieces += pieces;
            return;
        }
    }
    t->doubts = grow_items(t->doubts, t->n_doubts, &t->cap_doubts, sizeof *t->doubts, 8);
    t->doubts[t->n_doubts++] = (pt_doubt){from, to, col, pattern, pieces};
}

void pt_colstats_add_doubt(pt_colstats *t, int from, int to, int32_t col, uint32_t pattern,
                           uint64_t pieces)
{
    add_doubt(t, from, to, col < 0 ? UINT32_MAX : (uint32_t)col, pattern, pieces);
}

/* src's columns into dst, taken in the order order[0..n) (NULL: src's own order): a
 * column new to dst is made where it is first taken, so the order names dst's columns. */
static void merge_in_order(pt_colstats *dst, const pt_colstats *src, const size_t *order)
{
    uint32_t *map = pt_xmalloc((src->n ? src->n : 1) * sizeof *map);
    if (src->truncated) dst->truncated = true;
    for (size_t r = 0; r < src->n; r++) {
        size_t i = order ? order[r] : r;
        const pt_column *s = &src->cols[i];
        int32_t c = column_of(dst, s->position, s->key, s->key_len, PT_COLUMNS_MAX);
        map[i] = c < 0 ? UINT32_MAX : (uint32_t)c;
        if (c < 0) continue;
        pt_column *d = &dst->cols[c];
        if (s->first < d->first) d->first = s->first;
        d->fill += s->fill;
        for (uint32_t k = 0; k < s->n_pats; k++) {
            const pt_column_pattern *sp = &s->pats[k];
            pt_column_pattern *dp = pt_colstats_cell(dst, c, sp->pattern);
            dp->matches += sp->matches;
            dp->checked += sp->checked;
            dp->passed += sp->passed;
            dp->accepted += sp->accepted;
        }
    }
    for (size_t k = 0; k < src->n_doubts; k++) {
        const pt_doubt *d = &src->doubts[k];
        uint32_t col = d->column < src->n ? map[d->column] : UINT32_MAX;
        add_doubt(dst, d->from, d->to, col, d->pattern, d->pieces);
    }
    free(map);
}

void pt_colstats_merge(pt_colstats *dst, const pt_colstats *src)
{
    merge_in_order(dst, src, NULL);
}

/* ---- a table done growing, in one allocation (pt_colstats_compact) ----------------- */

/* The block's layout: columns, every column's cells, doubts, keys (each part a whole
 * number of the next part's alignment). */
_Static_assert(sizeof(pt_column) % _Alignof(pt_column_pattern) == 0, "cells follow columns");
_Static_assert(sizeof(pt_column_pattern) % _Alignof(pt_doubt) == 0, "doubts follow cells");

static size_t all_cells(const pt_colstats *t)
{
    size_t n = 0;
    for (size_t c = 0; c < t->n; c++) n += t->cols[c].n_pats;
    return n;
}

static size_t key_bytes(const pt_colstats *t)
{
    size_t n = 0;
    for (size_t c = 0; c < t->n; c++)
        if (t->cols[c].key) n += t->cols[c].key_len + 1;
    return n;
}

/* Copy t's columns, cells, doubts and keys into block (laid out as above), pointing the
 * copies at each other. */
static void pack_into(const pt_colstats *t, char *block, size_t n_cells)
{
    pt_column *cols = (pt_column *)block;
    pt_column_pattern *cells = (pt_column_pattern *)(block + t->n * sizeof *cols);
    pt_doubt *doubts = (pt_doubt *)((char *)cells + n_cells * sizeof *cells);
    char *keys = (char *)doubts + t->n_doubts * sizeof *doubts;
    for (size_t c = 0; c < t->n; c++) {
        const pt_column *from = &t->cols[c];
        pt_column *to = &cols[c];
        *to = *from;
        to->pats = cells;
        to->cap_pats = 0;
        if (from->n_pats) memcpy(cells, from->pats, from->n_pats * sizeof *cells);
        cells += from->n_pats;
        if (from->key) {
            memcpy(keys, from->key, from->key_len);
            keys[from->key_len] = '\0';
            to->key = keys;
            keys += from->key_len + 1;
        }
    }
    if (t->n_doubts) memcpy(doubts, t->doubts, t->n_doubts * sizeof *doubts);
}

void pt_colstats_compact(pt_colstats *t)
{
    if (!t) return;
    size_t n_cells = all_cells(t);
    size_t bytes = t->n * sizeof *t->cols + n_cells * sizeof(pt_column_pattern) +
                   t->n_doubts * sizeof *t->doubts + key_bytes(t);
    char *block = bytes ? pt_xmalloc(bytes) : NULL;
    if (block) pack_into(t, block, n_cells);
    size_t n = t->n, n_doubts = t->n_doubts;
    free_column_parts(t);
    free_arrays(t);
    if (!block) return;
    t->block = block;
    t->n_packed = n;
    t->cols = n ? (pt_column *)block : NULL;
    t->doubts = n_doubts ? (pt_doubt *)(block + n * sizeof *t->cols + n_cells * sizeof(pt_column_pattern))
                         : NULL;
}

/* ---- decisions -------------------------------------------------------------------- */

/* Is pattern p (with column_evidence) disabled by the sample counts of cell? Exact: a
 * share below P% is passed * 100 < checked * P. */
static bool too_rare(const pt_pattern *p, const pt_column_pattern *cell)
{
    return cell->checked >= p->col_min_sample &&
           cell->passed * 100 < cell->checked * (uint64_t)p->col_min_pass_percent;
}

/* ---- record shapes ------------------------------------------------------------------ */

/* Does column col of the sample fill role r: do the passing values of one of its
 * patterns make min_percent of the column's values? Exact: passed * 100 >= fill * P. */
static bool fills_role(const pt_colstats *plan, size_t col, const pt_shape_role *r)
{
    const pt_column *c = &plan->cols[col];
    if (!c->fill) return false;
    for (size_t k = 0; k < r->n_patterns; k++) {
        const pt_column_pattern *cell = pt_colstats_find_cell(plan, (int32_t)col, r->patterns[k]);
        uint64_t passed = cell ? cell->passed : 0;
        if (passed > c->fill) passed = c->fill;   /* an embedded pattern can pass twice a field */
        if (passed && passed * 100 >= c->fill * (uint64_t)r->min_percent) return true;
    }
    return false;
}

typedef struct {
    size_t missing;               /* roles short of columns */
    size_t met;                   /* roles with their columns */
    char why[512];
} alt_result;

static void why_append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(buf);
    if (used + 1 < len) snprintf(buf + used, len - used, fmt, a, b);
}

/* One alternative: its roles in the shape's order each take the first unused columns
 * that fill them, as many as it wants. words: say so in res->why (only for the
 * alternative chosen: every input's plan tries them all). */
static void try_alt(const pt_colstats *plan, const pt_shape *sh, const pt_shape_alt *a,
                    bool *used, alt_result *res, bool words)
{
    memset(used, 0, plan->n * sizeof *used);
    res->missing = res->met = 0;
    res->why[0] = '\0';
    for (size_t r = 0; r < sh->n_roles; r++) {
        if (!a->min[r]) continue;
        unsigned got = 0;
        if (words)
            why_append(res->why, sizeof res->why, "%s%s:", res->why[0] ? "; " : "", sh->roles[r].name);
        for (size_t c = 0; c < plan->n && got < a->min[r]; c++) {
            if (used[c] || !fills_role(plan, c, &sh->roles[r])) continue;
            used[c] = true;
            got++;
            if (!words) continue;
            char name[PT_COLUMN_KEY_MAX + 16];
            if (plan->cols[c].key) snprintf(name, sizeof name, "%s", plan->cols[c].key);
            else snprintf(name, sizeof name, "#%d", plan->cols[c].position + 1);
            why_append(res->why, sizeof res->why, "%s%s", got > 1 ? ", " : " ", name);
        }
        if (got >= a->min[r]) {
            res->met++;
            continue;
        }
        res->missing++;
        if (!words) continue;
        char want[48];
        snprintf(want, sizeof want, "%u of %u columns", got, (unsigned)a->min[r]);
        why_append(res->why, sizeof res->why, " (MISSING: %s%s)", want, "");
    }
}

/* Did a value of a pattern that needs shape k pass in the sample, one that no holding
 * shape counts already? A shape whose values are nowhere is not worth a doubt note. */
static bool shape_values_seen(const pt_colstats *plan, const pt_patterns *ps, size_t k)
{
    for (size_t c = 0; c < plan->n; c++)
        for (uint32_t j = 0; j < plan->cols[c].n_pats; j++) {
            const pt_column_pattern *cell = &plan->cols[c].pats[j];
            uint32_t needs = ps->v[cell->pattern].shapes;
            if (cell->passed && (needs >> k & 1) && !(needs & plan->shapes_hold)) return true;
        }
    return false;
}

/* Shape k holds (an alternative finds all its roles): the alternative and its columns. */
static bool decide_hold(pt_colstats *plan, const pt_shape *sh, size_t k, bool *used)
{
    alt_result res;
    for (size_t a = 0; a < sh->n_alts; a++) {
        try_alt(plan, sh, &sh->alts[a], used, &res, false);
        if (res.missing) continue;
        try_alt(plan, sh, &sh->alts[a], used, &res, true);
        plan->shapes_hold |= (uint32_t)1 << k;
        plan->shape_alt[k] = (uint8_t)a;
        plan->shape_why[k] = pt_xstrdup(res.why);
        return true;
    }
    return false;
}

/* Shape k is partial: an alternative short of one role with at least two others there,
 * and the shape's values in the sample; the columns of the first such alternative. */
static void decide_partial(pt_colstats *plan, const pt_patterns *ps, size_t k, bool *used)
{
    const pt_shape *sh = &ps->shapes[k];
    alt_result res;
    if (!shape_values_seen(plan, ps, k)) return;
    for (size_t a = 0; a < sh->n_alts; a++) {
        try_alt(plan, sh, &sh->alts[a], used, &res, false);
        if (res.missing != 1 || res.met < 2) continue;
        try_alt(plan, sh, &sh->alts[a], used, &res, true);
        plan->shapes_partial |= (uint32_t)1 << k;
        plan->shape_why[k] = pt_xstrdup(res.why);
        return;
    }
}

/* Which shapes hold, then which of the others are partial (a value counted by a shape
 * that holds is no doubt of another). */
static void decide_shapes(pt_colstats *plan, const pt_patterns *ps)
{
    bool *used = pt_xmalloc((plan->n ? plan->n : 1) * sizeof *used);
    size_t n = ps->n_shapes < PT_MAX_SHAPES ? ps->n_shapes : PT_MAX_SHAPES;
    plan->shapes_hold = plan->shapes_partial = 0;
    for (size_t k = 0; k < n; k++) {
        free(plan->shape_why[k]);
        plan->shape_why[k] = NULL;
        decide_hold(plan, &ps->shapes[k], k, used);
    }
    for (size_t k = 0; k < n; k++)
        if (!(plan->shapes_hold >> k & 1)) decide_partial(plan, ps, k, used);
    free(used);
}

void pt_colplan_decide(pt_colstats *plan, const pt_patterns *ps)
{
    decide_shapes(plan, ps);
    for (size_t c = 0; c < plan->n; c++) {
        pt_column *col = &plan->cols[c];
        for (uint32_t k = 0; k < col->n_pats; k++) {
            pt_column_pattern *cell = &col->pats[k];
            const pt_pattern *p = &ps->v[cell->pattern];
            cell->sample_checked = cell->checked;
            cell->sample_passed = cell->passed;
            cell->judged = p->column_evidence && cell->checked >= p->col_min_sample;
            cell->disabled = p->column_evidence && too_rare(p, cell);
        }
    }
}

bool pt_colplan_any_disabled(const pt_colstats *plan)
{
    for (size_t c = 0; plan && c < plan->n; c++)
        for (uint32_t k = 0; k < plan->cols[c].n_pats; k++)
            if (plan->cols[c].pats[k].disabled) return true;
    return false;
}

void pt_colstats_finish(pt_colstats *cols, const pt_colstats *plan)
{
    if (!cols || !plan) return;
    cols->shapes_hold = plan->shapes_hold;
    cols->shapes_partial = plan->shapes_partial;
    memcpy(cols->shape_alt, plan->shape_alt, sizeof cols->shape_alt);
    for (size_t k = 0; k < PT_MAX_SHAPES; k++) {
        free(cols->shape_why[k]);
        cols->shape_why[k] = plan->shape_why[k] ? pt_xstrdup(plan->shape_why[k]) : NULL;
    }
    for (size_t c = 0; c < cols->n; c++) {
        pt_column *col = &cols->cols[c];
        int32_t pc = find_column(plan, col->hash, col->position, col->key, col->key_len);
        if (pc < 0) continue;
        const pt_column *pcol = &plan->cols[pc];
        for (uint32_t k = 0; k < pcol->n_pats; k++) {
            const pt_column_pattern *src = &pcol->pats[k];
            if (!src->judged && !src->disabled) continue;
            pt_column_pattern *dst = pt_colstats_cell(cols, (int32_t)c, src->pattern);
            dst->judged = src->judged;
            dst->disabled = src->disabled;
            dst->sample_checked = src->sample_checked;
            dst->sample_passed = src->sample_passed;
        }
    }
}

int32_t pt_colplan_column(const pt_colstats *plan, const pt_column *col)
{
    return find_column(plan, col->hash, col->position, col->key, col->key_len);
}

void pt_colstats_note_record(pt_colstats *t, const pt_policy *pol, const pt_record_class *cls,
                             uint64_t declared, int counted)
{
    if (!cls->doubt_piece && !cls->doubt_categories) return;
    if (!cls->piece && !cls->doubt_piece) return;   /* not a piece under either reading */
    int other = pt_policy_tier_of_mask(pol, cls->categories | cls->doubt_categories | declared);
    if (other < 0) other = (int)pol->n_tiers - 1;
    if (other == counted) return;
    pt_colstats_add_doubt(t, counted, other, cls->doubt_column, (uint32_t)cls->doubt_pattern, 1);
}

/* ---- one pass for a whole small input (pipeline.c) ---------------------------------- */

bool pt_colplan_skips(const pt_colstats *plan, const pt_pattern *p)
{
    uint32_t live = plan ? plan->shapes_hold | plan->shapes_partial : 0;
    return p->role_only || (p->shapes && !(p->shapes & live));
}

bool pt_colplan_shadow_exact(const pt_patterns *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        for (size_t k = 0; k < ps->v[i].n_yields_to; k++) {
            const pt_pattern *to = &ps->v[ps->v[i].yields_to[k]];
            if (to->role_only || to->shapes) return false;
        }
    return true;
}

/* Is every cell disabled in a disabled in b too (the same column by position and name)? */
static bool disabled_within(const pt_colstats *a, const pt_colstats *b)
{
    for (size_t c = 0; c < a->n; c++) {
        const pt_column *col = &a->cols[c];
        int32_t bc = -2;
        for (uint32_t k = 0; k < col->n_pats; k++) {
            if (!col->pats[k].disabled) continue;
            if (bc == -2) bc = find_column(b, col->hash, col->position, col->key, col->key_len);
            const pt_column_pattern *cell = bc >= 0 ? pt_colstats_find_cell(b, bc, col->pats[k].pattern)
                                                    : NULL;
            if (!cell || !cell->disabled) return false;
        }
    }
    return true;
}

bool pt_colplan_same(const pt_colstats *a, const pt_colstats *b)
{
    if (a->shapes_hold != b->shapes_hold || a->shapes_partial != b->shapes_partial) return false;
    for (size_t k = 0; k < PT_MAX_SHAPES; k++)
        if ((a->shapes_hold >> k & 1) && a->shape_alt[k] != b->shape_alt[k]) return false;
    return disabled_within(a, b) && disabled_within(b, a);
}

void pt_colstats_drop_skipped(pt_colstats *t, const pt_patterns *ps, const pt_colstats *plan)
{
    for (size_t c = 0; c < t->n; c++) {
        pt_column *col = &t->cols[c];
        uint32_t kept = 0;
        for (uint32_t k = 0; k < col->n_pats; k++)
            if (!pt_colplan_skips(plan, &ps->v[col->pats[k].pattern])) col->pats[kept++] = col->pats[k];
        col->n_pats = kept;
        col->hint = 0;
    }
}

/* ---- a cheaper shadow: which skipped patterns a decision needs (pipeline.c) --------- */

static size_t pattern_words(const pt_patterns *ps)
{
    size_t w = (ps->n + 63) / 64;
    return w ? w : 1;
}

static bool has_bit(const uint64_t *bits, size_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }
static void put_bit(uint64_t *bits, size_t i) { bits[i >> 6] |= (uint64_t)1 << (i & 63); }

/* Does pattern p, counted exactly, fill a role of min_percent in column c (fills_role's
 * test of one pattern)? */
static bool pattern_fills(const pt_colstats *t, size_t c, uint32_t p, unsigned min_percent)
{
    const pt_column *col = &t->cols[c];
    const pt_column_pattern *cell = pt_colstats_find_cell(t, (int32_t)c, p);
    uint64_t passed = cell ? cell->passed : 0;
    if (passed > col->fill) passed = col->fill;
    return passed && passed * 100 >= col->fill * (uint64_t)min_percent;
}

/* May column c fill role r under some counts of the unknown patterns (row: the patterns
 * that may run there)? *by_known: a known pattern fills it, whatever the unknown do. */
static bool may_fill(const pt_colstats *t, size_t c, const pt_shape_role *r,
                     const uint64_t *unknown, const uint64_t *row, bool *by_known)
{
    bool may = false;
    *by_known = false;
    if (!t->cols[c].fill) return false;
    for (size_t m = 0; m < r->n_patterns; m++) {
        uint32_t p = r->patterns[m];
        if (has_bit(unknown, p)) {
            may = may || has_bit(row, p);
        } else if (pattern_fills(t, c, p, r->min_percent)) {
            *by_known = true;
            return true;
        }
    }
    return may;
}

/* May pattern p run in some column with values? */
static bool runs_somewhere(const pt_colstats *t, size_t p, const uint64_t *cands, size_t words)
{
    for (size_t c = 0; c < t->n; c++)
        if (t->cols[c].fill && has_bit(cands + c * words, p)) return true;
    return false;
}

/* Might a value of a pattern needing shape k pass somewhere (shape_values_seen, which
 * also leaves out those a holding shape counts: here, none is left out)? */
static bool shape_values_may_pass(const pt_colstats *t, const pt_patterns *ps, size_t k,
                                  const uint64_t *unknown, const uint64_t *cands, size_t words)
{
    for (size_t p = 0; p < ps->n; p++) {
        if (!(ps->v[p].shapes >> k & 1)) continue;
        for (size_t c = 0; c < t->n; c++) {
            if (has_bit(unknown, p)) {
                if (runs_somewhere(t, p, cands, words)) return true;
                break;
            }
            const pt_column_pattern *cell = pt_colstats_find_cell(t, (int32_t)c, (uint32_t)p);
            if (cell && cell->passed) return true;
        }
    }
    return false;
}

/* Can shape k hold, or be partial (*partial), under some counts of the unknown patterns?
 * A role's columns in try_alt are columns that fill it, so at most those that may: an
 * alternative holds only if each role may have its columns, and is partial (one role
 * missing, two met) only if at most one role may not and two may. */
static bool shape_possible(const pt_colstats *t, const pt_patterns *ps, size_t k,
                           const uint64_t *unknown, const uint64_t *cands, size_t words,
                           bool *partial)
{
    const pt_shape *sh = &ps->shapes[k];
    size_t may[PT_SHAPE_ROLES_MAX] = {0};
    for (size_t r = 0; r < sh->n_roles; r++)
        for (size_t c = 0; c < t->n; c++) {
            bool by_known;
            may[r] += may_fill(t, c, &sh->roles[r], unknown, cands + c * words, &by_known);
        }
    bool hold = false;
    *partial = false;
    for (size_t a = 0; a < sh->n_alts; a++) {
        size_t missing = 0, met = 0;
        for (size_t r = 0; r < sh->n_roles; r++) {
            if (!sh->alts[a].min[r]) continue;
            if (may[r] >= sh->alts[a].min[r]) met++;
            else missing++;
        }
        hold = hold || missing == 0;
        *partial = *partial || (missing <= 1 && met >= 2);
    }
    *partial = *partial && shape_values_may_pass(t, ps, k, unknown, cands, words);
    return hold || *partial;
}

/* The unknown patterns of shape k's roles that may run in a column no known pattern
 * fills the role in: their counts may decide the role. */
static void role_patterns_relevant(const pt_colstats *t, const pt_shape *sh, const uint64_t *unknown,
                                   const uint64_t *cands, size_t words, uint64_t *rel)
{
    for (size_t r = 0; r < sh->n_roles; r++)
        for (size_t c = 0; c < t->n; c++) {
            bool by_known;
            const uint64_t *row = cands + c * words;
            if (!may_fill(t, c, &sh->roles[r], unknown, row, &by_known) || by_known) continue;
            for (size_t m = 0; m < sh->roles[r].n_patterns; m++) {
                uint32_t p = sh->roles[r].patterns[m];
                if (has_bit(unknown, p) && has_bit(row, p)) put_bit(rel, p);
            }
        }
}

void pt_colplan_relevant(const pt_colstats *t, const pt_patterns *ps, const uint64_t *unknown,
                         const uint64_t *cands, uint64_t *rel)
{
    size_t words = pattern_words(ps);
    memset(rel, 0, words * sizeof *rel);
    for (size_t p = 0; p < ps->n; p++)   /* judged and disabled cells are the plan's */
        if (ps->v[p].column_evidence && has_bit(unknown, p)) put_bit(rel, p);
    size_t n = ps->n_shapes < PT_MAX_SHAPES ? ps->n_shapes : PT_MAX_SHAPES;
    for (size_t k = 0; k < n; k++) {
        bool partial;
        if (!shape_possible(t, ps, k, unknown, cands, words, &partial)) continue;
        role_patterns_relevant(t, &ps->shapes[k], unknown, cands, words, rel);
        if (!partial) continue;
        for (size_t p = 0; p < ps->n; p++)   /* shape_values_seen's, where they may run */
            if ((ps->v[p].shapes >> k & 1) && has_bit(unknown, p) && runs_somewhere(t, p, cands, words))
                put_bit(rel, p);
    }
}

/* What counting pattern p on every field cost in t, roughly: its matches. */
static uint64_t pattern_matches(const pt_colstats *t, uint32_t p)
{
    uint64_t sum = 0;
    for (size_t c = 0; c < t->n; c++) {
        const pt_column_pattern *cell = pt_colstats_find_cell(t, (int32_t)c, p);
        if (cell) sum += cell->matches;
    }
    return sum;
}

/* Greedy: while some unknown pattern matters, count the one of them that matched least
 * (a pattern that passes nowhere often rules out a whole shape: the coordinate pair of
 * whereabouts makes its time column's pattern matter to nothing). Each pattern made
 * known can only take shapes out of the possible ones, so the loop ends. */
void pt_colplan_shadow_needed(const pt_colstats *t, const pt_patterns *ps, const uint64_t *skipped,
                              const uint64_t *cands, uint64_t *needed)
{
    size_t words = pattern_words(ps);
    uint64_t *unknown = pt_xmalloc(2 * words * sizeof *unknown), *rel = unknown + words;
    memcpy(unknown, skipped, words * sizeof *unknown);
    memset(needed, 0, words * sizeof *needed);
    for (;;) {
        pt_colplan_relevant(t, ps, unknown, cands, rel);
        size_t best = SIZE_MAX;
        uint64_t best_cost = 0;
        for (size_t p = 0; p < ps->n; p++) {
            if (!has_bit(rel, p)) continue;
            uint64_t cost = pattern_matches(t, (uint32_t)p);
            if (best == SIZE_MAX || cost < best_cost) best = p, best_cost = cost;
        }
        if (best == SIZE_MAX) break;
        unknown[best >> 6] &= ~((uint64_t)1 << (best & 63));
        put_bit(needed, best);
    }
    free(unknown);
}

/* ---- a whole input's plan in its sample's column order (pipeline.c) ----------------- */

typedef struct {
    uint64_t first;
    int32_t position;
    size_t index;
} sample_rank;

static int cmp_sample_rank(const void *a, const void *b)
{
    const sample_rank *x = a, *y = b;
    if (x->first != y->first) return x->first < y->first ? -1 : 1;
    if (x->position != y->position) return x->position < y->position ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void pt_colplan_merge_sample_order(pt_colstats *plan, const pt_colstats *t)
{
    sample_rank *rank = pt_xmalloc((t->n ? t->n : 1) * sizeof *rank);
    size_t *order = pt_xmalloc((t->n ? t->n : 1) * sizeof *order);
    for (size_t i = 0; i < t->n; i++) rank[i] = (sample_rank){t->cols[i].first, t->cols[i].position, i};
    qsort(rank, t->n, sizeof *rank, cmp_sample_rank);
    for (size_t r = 0; r < t->n; r++) order[r] = rank[r].index;
    merge_in_order(plan, t, order);
    free(order);
    free(rank);
}
