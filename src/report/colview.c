/* colview.c - the columns view and the doubt note of the reports (colview.h). */
#include "colview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A column with its index: the comparator needs no context (no static table), so that
 * reports written on several threads at once can sort at the same time. */
typedef struct {
    const pt_column *col;
    size_t index;
} col_ref;

static int cmp_col(const void *a, const void *b)
{
    const col_ref *ra = a, *rb = b;
    const pt_column *x = ra->col, *y = rb->col;
    if (x->position != y->position) return x->position < y->position ? -1 : 1;
    if (x->first != y->first) return x->first < y->first ? -1 : 1;
    if (x->key && y->key) {
        int c = strcmp(x->key, y->key);
        if (c) return c;
    } else if (x->key || y->key) {
        return (x->key != NULL) - (y->key != NULL);
    }
    return ra->index < rb->index ? -1 : ra->index > rb->index;   /* ties: table order */
}

void pt_colview_order(const pt_colstats *t, size_t *out)
{
    col_ref *refs = pt_xmalloc((t->n ? t->n : 1) * sizeof *refs);
    for (size_t i = 0; i < t->n; i++) refs[i] = (col_ref){&t->cols[i], i};
    qsort(refs, t->n, sizeof *refs, cmp_col);
    for (size_t i = 0; i < t->n; i++) out[i] = refs[i].index;
    free(refs);
}

const pt_column_pattern *pt_colview_cell(const pt_column *c, int pattern)
{
    for (uint32_t k = 0; pattern >= 0 && k < c->n_pats; k++)
        if (c->pats[k].pattern == (uint32_t)pattern) return &c->pats[k];
    return NULL;
}

void pt_colview_of(const pt_column *c, const pt_patterns *ps, pt_colview *v)
{
    uint64_t per_cat[PT_MAX_CATEGORIES] = {0};
    v->category = v->pattern = v->rate_pattern = -1;
    v->any_disabled = false;
    int disabled = -1;
    for (uint32_t k = 0; k < c->n_pats; k++) {
        const pt_column_pattern *cell = &c->pats[k];
        if (cell->pattern >= ps->n) continue;
        per_cat[ps->v[cell->pattern].category] += cell->accepted;
        if (cell->disabled) {
            v->any_disabled = true;
            if (disabled < 0 || (int)cell->pattern < disabled) disabled = (int)cell->pattern;
        }
    }
    uint64_t best = 0;
    for (int k = 0; k < PT_MAX_CATEGORIES; k++)
        if (per_cat[k] > best) {
            best = per_cat[k];
            v->category = k;
        }
    best = 0;
    for (uint32_t k = 0; v->category >= 0 && k < c->n_pats; k++) {
        const pt_column_pattern *cell = &c->pats[k];
        if (cell->pattern >= ps->n || ps->v[cell->pattern].category != v->category) continue;
        if (cell->accepted > best || (cell->accepted == best && (int)cell->pattern < v->pattern)) {
            best = cell->accepted;
            v->pattern = (int)cell->pattern;
        }
    }
    if (v->pattern >= 0 && ps->v[v->pattern].validator) v->rate_pattern = v->pattern;
    else if (disabled >= 0) v->rate_pattern = disabled;
}

const char *pt_colview_decision(const pt_column_pattern *cell)
{
    return cell->disabled ? "disabled" : cell->judged ? "enabled" : "not_judged";
}

static unsigned percent(uint64_t num, uint64_t den)
{
    return den ? (unsigned)(num * 100 / den) : 0;
}

void pt_colview_why(const pt_column_pattern *cell, const pt_pattern *p, char *buf, size_t len)
{
    if (cell->disabled)
        snprintf(buf, len,
                 "%llu of %llu %s values in the sample pass %s (%u%%, below %u%%): not a %s "
                 "column; its %llu passing values here count nothing (doubt)",
                 (unsigned long long)cell->sample_passed, (unsigned long long)cell->sample_checked,
                 p->id, p->validator_name, percent(cell->sample_passed, cell->sample_checked),
                 p->col_min_pass_percent, p->id, (unsigned long long)cell->passed);
    else if (cell->judged)
        snprintf(buf, len, "%llu of %llu %s values in the sample pass %s (%u%%, at least %u%%)",
                 (unsigned long long)cell->sample_passed, (unsigned long long)cell->sample_checked,
                 p->id, p->validator_name, percent(cell->sample_passed, cell->sample_checked),
                 p->col_min_pass_percent);
    else if (p->column_evidence)
        snprintf(buf, len, "%llu %s values in the sample, fewer than %u: each value judged alone",
                 (unsigned long long)cell->sample_checked, p->id, p->col_min_sample);
    else
        snprintf(buf, len, "each value judged alone");
}

void pt_colview_name(const pt_column *c, char *buf, size_t len)
{
    if (c->key) snprintf(buf, len, "%s", c->key);
    else snprintf(buf, len, "#%d", c->position + 1);
}

const char *pt_colview_tier(const pt_policy *pol, int tier)
{
    return tier >= 0 && (size_t)tier < pol->n_tiers ? pol->tiers[tier].id : "none";
}

static int cmp_doubt(const void *a, const void *b)
{
    const pt_doubt *x = a, *y = b;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    if (x->to != y->to) return x->to < y->to ? -1 : 1;
    if (x->pattern != y->pattern) return x->pattern < y->pattern ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}

pt_doubt *pt_colview_doubts(const pt_colstats *t)
{
    pt_doubt *d = pt_xmalloc((t->n_doubts ? t->n_doubts : 1) * sizeof *d);
    if (t->n_doubts) memcpy(d, t->doubts, t->n_doubts * sizeof *d);
    qsort(d, t->n_doubts, sizeof *d, cmp_doubt);
    return d;
}

size_t pt_colview_doubt_totals(const pt_scan_result *r, pt_doubt_total **out)
{
    size_t n = 0, cap = 0;
    pt_doubt_total *v = NULL;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_colstats *t = r->inputs[i].columns;
        for (size_t k = 0; t && k < t->n_doubts; k++) {
            const pt_doubt *d = &t->doubts[k];
            size_t j = 0;
            while (j < n && !(v[j].from == d->from && v[j].to == d->to && v[j].pattern == d->pattern)) j++;
            if (j == n) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    v = pt_xrealloc(v, cap * sizeof *v);
                }
                v[n++] = (pt_doubt_total){d->from, d->to, d->pattern, 0};
            }
            v[j].pieces += d->pieces;
        }
    }
    for (size_t i = 1; i < n; i++)   /* insertion sort by (from, to, pattern) */
        for (size_t j = i; j > 0; j--) {
            pt_doubt_total *a = &v[j - 1], *b = &v[j];
            bool gt = a->from != b->from ? a->from > b->from
                      : a->to != b->to   ? a->to > b->to
                                         : a->pattern > b->pattern;
            if (!gt) break;
            pt_doubt_total tmp = *a;
            *a = *b;
            *b = tmp;
        }
    *out = v;
    return n;
}

const char *pt_colview_decide(const pt_column *c, const pt_colview *v, const pt_policy *pol,
                              const pt_patterns *ps, char *why, size_t len)
{
    const pt_column_pattern *dc = NULL;   /* the first disabled pattern, when any */
    for (uint32_t k = 0; v->any_disabled && k < c->n_pats; k++)
        if (c->pats[k].disabled && (!dc || c->pats[k].pattern < dc->pattern)) dc = &c->pats[k];
    if (dc) {
        pt_colview_why(dc, &ps->v[dc->pattern], why, len);
        return "disabled";
    }
    const pt_column_pattern *pc = pt_colview_cell(c, v->pattern);
    if (!pc) {
        snprintf(why, len, "no value accepted");
        return "none";
    }
    if (pc->judged) pt_colview_why(pc, &ps->v[v->pattern], why, len);
    else snprintf(why, len, "%llu values accepted as %s (%s)", (unsigned long long)pc->accepted,
                  ps->v[v->pattern].id, pol->categories[v->category]);
    return "counted";
}
