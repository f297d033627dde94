/* explain.c - `pitally explain VALUE [--header H]`: the scanner's reasoning about one
 * value, for a forensic examiner who must be able to say why a field was counted.
 *
 * It does not re-implement matching: it runs the real scanner on a one-field record
 * with tracing on (so what it prints is exactly what a scan decides), then sums up
 * the categories, identifier status, subject and the tier the policy gives, and names
 * every rule that decided (pattern id, file:line, description, category and tier).
 */
#include "classify_internal.h"

#include <stdlib.h>
#include <string.h>

#include "pitally/classify.h"

static void print_categories(const pt_policy *pol, uint64_t mask, FILE *out)
{
    bool first = true;
    for (size_t c = 0; c < pol->n_categories && c < PT_MAX_CATEGORIES; c++) {
        if (!((mask >> c) & 1)) continue;
        fprintf(out, "%s%s", first ? "" : ", ", pol->categories[c]);
        first = false;
    }
    if (first) fprintf(out, "none");
}

static void print_summary(const pt_policy *pol, const pt_record_class *rc, FILE *out)
{
    fprintf(out, "categories: ");
    print_categories(pol, rc->categories, out);
    fprintf(out, "\nidentifier: %s\n",
            rc->piece ? "yes (a record holding this value is a piece)" : "no (not a piece by itself)");
    /* the classifier gives categories; the policy gives the tier, as in a scan */
    int tier = rc->categories ? pt_policy_tier_of_mask(pol, rc->categories) : -1;
    if (tier >= 0 && (size_t)tier < pol->n_tiers)
        fprintf(out, "tier: %s (%s), threshold %llu\n", pol->tiers[tier].id,
                pol->tiers[tier].label ? pol->tiers[tier].label : "",
                (unsigned long long)pol->tiers[tier].threshold);
    else
        fprintf(out, "tier: none\n");
}

/* For every pattern that accepted or rejected something: where it is defined, what it
 * means and what it is worth, so the examiner can cite the rule that counted a value. */
static void print_rules(const pt_patterns *ps, const pt_policy *pol, const uint64_t *matched,
                        const uint64_t *rejected, FILE *out)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (!matched[i] && !rejected[i]) continue;
        const pt_pattern *p = &ps->v[i];
        int t = pol->category_tier[p->category];
        fprintf(out, "rule %s (%s:%d): %s\n", p->id, p->file, p->line,
                p->description ? p->description : "(no description)");
        fprintf(out, "  %s: category %s -> tier %s; %s; validator %s\n",
                matched[i] ? "accepted" : "rejected", pol->categories[p->category],
                t >= 0 && (size_t)t < pol->n_tiers ? pol->tiers[t].id : "none",
                p->identifier ? "identifier (makes its record a piece)"
                              : "not an identifier (counts only in a record that is a piece)",
                p->validator_name ? p->validator_name : "none");
    }
}

int pt_explain(const pt_patterns *ps, const pt_policy *pol, const char *value,
               const char *header, FILE *out)
{
    if (!value) value = "";
    fprintf(out, "value: \"%s\"\n", value);
    fprintf(out, "key:   %s%s%s\n", header ? "\"" : "", header ? header : "(none)", header ? "\"" : "");
    uint64_t *matched = pt_xcalloc(ps->n ? ps->n : 1, sizeof *matched);
    uint64_t *rejected = pt_xcalloc(ps->n ? ps->n : 1, sizeof *rejected);
    pt_field field = {header, header ? strlen(header) : 0, value, strlen(value), 0};
    pt_record rec = {&field, 1, 0};
    pt_record_class rc;
    pt_scanner *s = pt_scanner_new(ps, pol);
    pt_scanner_set_trace(s, out);
    pt_scanner_classify(s, &rec, &rc, matched, rejected);
    pt_scanner_free(s);

    int accepted = 0, refused = 0;
    for (size_t i = 0; i < ps->n; i++) {
        accepted += (int)matched[i];
        refused += (int)rejected[i];
    }
    if (accepted == 0 && refused == 0) fprintf(out, "  no pattern accepts or rejects it\n");
    fprintf(out, "accepted: %d, rejected: %d\n", accepted, refused);
    print_rules(ps, pol, matched, rejected, out);
    print_summary(pol, &rc, out);
    free(matched);
    free(rejected);
    return accepted;
}

/* `pitally explain --header H V1 V2 ...`: the values as one column, judged as a scan
 * judges the column in an input's sample (column_evidence). */
void pt_explain_column(const pt_patterns *ps, const pt_policy *pol, const char *const *values,
                       size_t n, const char *header, FILE *out)
{
    pt_colstats *t = pt_colstats_new(false);
    pt_scanner *s = pt_scanner_new(ps, pol);
    pt_scanner_set_columns(s, NULL, t);
    pt_record_class rc;
    for (size_t i = 0; i < n; i++) {
        pt_field field = {header, header ? strlen(header) : 0, values[i], strlen(values[i]), 0};
        pt_record rec = {&field, 1, i};
        pt_scanner_classify(s, &rec, &rc, NULL, NULL);
    }
    pt_scanner_set_columns(s, NULL, NULL);
    pt_scanner_free(s);
    pt_colplan_decide(t, ps);
    fprintf(out, "\ncolumn %s%s%s, judged from its %zu values as a scan judges an input's sample "
                 "(the records of its first %u KiB):\n",
            header ? "\"" : "", header ? header : "(no name)", header ? "\"" : "", n,
            PT_COLUMN_SAMPLE_BYTES >> 10);
    const pt_column *c = t->n ? &t->cols[0] : NULL;
    if (c) fprintf(out, "  values: %llu of %zu (not empty, not placeholders)\n",
                   (unsigned long long)c->fill, n);
    bool any = false;
    for (size_t i = 0; c && i < ps->n; i++) {
        const pt_column_pattern *cell = pt_colstats_find_cell(t, 0, (uint32_t)i);
        if (!cell) continue;
        const pt_pattern *p = &ps->v[i];
        any = true;
        fprintf(out, "  %s (%s): %llu matched, %llu checked, %llu passed", p->id,
                pol->categories[p->category], (unsigned long long)cell->matches,
                (unsigned long long)cell->checked, (unsigned long long)cell->passed);
        if (!p->column_evidence)
            fprintf(out, "; no column-level evidence: each value judged alone\n");
        else if (cell->disabled)
            fprintf(out, "; %llu%% pass %s, below %u%% of at least %u: disabled, counts nothing in "
                         "this column (its %llu passing values would be doubt)\n",
                    (unsigned long long)(cell->passed * 100 / cell->checked), p->validator_name,
                    p->col_min_pass_percent, p->col_min_sample, (unsigned long long)cell->passed);
        else if (cell->judged)
            fprintf(out, "; %llu%% pass %s, at least %u%%: a %s column, kept\n",
                    (unsigned long long)(cell->passed * 100 / cell->checked), p->validator_name,
                    p->col_min_pass_percent, p->id);
        else
            fprintf(out, "; fewer than %u checked: not judged, each value judged alone\n",
                    p->col_min_sample);
    }
    if (!any) fprintf(out, "  no pattern matches\n");
    pt_colstats_free(t);
}

/* ---- record shapes ---------------------------------------------------------------------- */

/* The patterns whose values passed in column col of the plan, for the column list. */
static void print_passing(const pt_patterns *ps, const pt_colstats *plan, size_t col, FILE *out)
{
    bool any = false;
    for (size_t i = 0; i < ps->n; i++) {
        const pt_column_pattern *cell = pt_colstats_find_cell(plan, (int32_t)col, (uint32_t)i);
        if (!cell || !cell->passed) continue;
        fprintf(out, "%s%s%s", any ? ", " : " passes ", ps->v[i].id,
                ps->v[i].role_only ? " (role only)" : "");
        any = true;
    }
    if (!any) fprintf(out, " passes no pattern");
    fputc('\n', out);
}

static void print_shapes(const pt_patterns *ps, const pt_colstats *plan, FILE *out)
{
    fprintf(out, "\nrecord shapes, decided as a scan decides them from an input's sample:\n");
    if (!ps->n_shapes) fprintf(out, "  (the pattern set declares none)\n");
    for (size_t k = 0; k < ps->n_shapes && k < PT_MAX_SHAPES; k++) {
        const pt_shape *sh = &ps->shapes[k];
        bool holds = plan->shapes_hold >> k & 1, partial = plan->shapes_partial >> k & 1;
        fprintf(out, "  %s (%s:%d): %s\n", sh->id, sh->file, sh->line,
                holds ? "HOLDS" : partial ? "partial (one role missing): its values are doubt"
                                          : "no");
        if (sh->description) fprintf(out, "    %s\n", sh->description);
        if (plan->shape_why[k]) fprintf(out, "    %s\n", plan->shape_why[k]);
    }
}

static void print_doubt(const pt_patterns *ps, const pt_policy *pol, const pt_record_class *rc,
                        FILE *out)
{
    if (rc->doubt_pattern < 0) return;
    int other = pt_policy_tier_of_mask(pol, rc->categories | rc->doubt_categories);
    fprintf(out, "doubt: %s values are not counted here; under the other reading the record "
                 "would add ", ps->v[rc->doubt_pattern].id);
    print_categories(pol, rc->doubt_categories, out);
    fprintf(out, " and be in tier %s\n",
            other >= 0 && (size_t)other < pol->n_tiers ? pol->tiers[other].id : "none");
}

int pt_explain_record(const pt_patterns *ps, const pt_policy *pol, const char *const *fields,
                      size_t n, FILE *out)
{
    pt_field *f = pt_xcalloc(n ? n : 1, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(fields[i], '=');
        if (!eq) {
            free(f);
            return -1;
        }
        f[i] = (pt_field){fields[i], (size_t)(eq - fields[i]), eq + 1, strlen(eq + 1), 0};
    }
    pt_record rec = {f, n, 0};
    pt_record_class rc;
    pt_scanner *s = pt_scanner_new(ps, pol);
    pt_colstats *plan = pt_colstats_new(false), *stats = pt_colstats_new(false);
    pt_scanner_set_columns(s, NULL, plan);   /* the record as an input's whole sample */
    pt_scanner_classify(s, &rec, &rc, NULL, NULL);
    pt_scanner_set_columns(s, NULL, NULL);
    pt_colplan_decide(plan, ps);
    fprintf(out, "record of %zu fields, judged as an input whose sample is this record:\n", n);
    for (size_t c = 0; c < plan->n; c++) {
        const pt_column *col = &plan->cols[c];
        fprintf(out, "  column %d \"%s\":", col->position + 1, col->key ? col->key : "");
        print_passing(ps, plan, c, out);
    }
    print_shapes(ps, plan, out);
    uint64_t *matched = pt_xcalloc(ps->n ? ps->n : 1, sizeof *matched);
    uint64_t *rejected = pt_xcalloc(ps->n ? ps->n : 1, sizeof *rejected);
    pt_scanner_set_columns(s, plan, stats);  /* the record again, under those shapes */
    pt_scanner_classify(s, &rec, &rc, matched, rejected);
    pt_scanner_set_columns(s, NULL, NULL);
    fprintf(out, "\nthe record under these shapes:\n");
    print_rules(ps, pol, matched, rejected, out);
    print_summary(pol, &rc, out);
    print_doubt(ps, pol, &rc, out);
    int accepted = 0;
    for (size_t i = 0; i < ps->n; i++) accepted += (int)matched[i];
    free(matched);
    free(rejected);
    pt_colstats_free(plan);
    pt_colstats_free(stats);
    pt_scanner_free(s);
    free(f);
    return accepted;
}
