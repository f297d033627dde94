/* result.c - a finalised tally as a pt_scan_result (see pitally/report.h): the inputs
 * in order, totals summed over them except the distinct counts, which come from the
 * run's fingerprint set (each piece in its most serious tier), and the verdict the
 * policy gives those distinct counts. This is the one place a verdict is computed, so
 * a scan, a merge of shard states and a reloaded state decide the same way. */
#include "pitally/report.h"
#include "pitally/columns.h"

#include <stdlib.h>
#include <string.h>

void pt_scan_result_from_tally(pt_scan_result *r, pt_tally *t, const pt_policy *pol,
                               const pt_case_facts *facts)
{
    memset(r, 0, sizeof *r);
    r->facts = *facts;
    r->n_inputs = t->n_inputs;
    r->inputs = pt_xcalloc(t->n_inputs ? t->n_inputs : 1, sizeof *r->inputs);
    for (size_t i = 0; i < t->n_inputs; i++) {
        pt_input_result *in = t->inputs[i];
        r->inputs[i] = *in;
        in->path = NULL;
        in->columns = NULL;
        memset(&in->errors, 0, sizeof in->errors);
        pt_counts_add(&r->totals, &in->counts);
        r->total_bytes += in->bytes;
        if (in->counts.records) r->n_scanned++;
    }
    uint64_t distinct[PT_MAX_TIERS];
    pt_tally_set_counts(t, distinct, &r->subjects);
    r->totals.pieces.distinct = 0;
    for (int k = 0; k < PT_MAX_TIERS; k++) {
        r->totals.tiers[k].distinct = distinct[k];
        r->totals.pieces.distinct += distinct[k];
    }
    r->pattern_matched = pt_xcalloc(t->n_patterns ? t->n_patterns : 1, sizeof *r->pattern_matched);
    r->pattern_rejected = pt_xcalloc(t->n_patterns ? t->n_patterns : 1, sizeof *r->pattern_rejected);
    memcpy(r->pattern_matched, t->pattern_matched, t->n_patterns * sizeof *r->pattern_matched);
    memcpy(r->pattern_rejected, t->pattern_rejected, t->n_patterns * sizeof *r->pattern_rejected);
    pt_samples_init(&r->samples, t->n_patterns);
    pt_samples_merge(&r->samples, &t->samples);
    pt_verdict_compute(pol, distinct, facts, &r->verdict);
}

void pt_scan_result_free(pt_scan_result *r)
{
    if (!r) return;
    for (size_t i = 0; r->inputs && i < r->n_inputs; i++) {
        free(r->inputs[i].path);
        pt_errlist_free(&r->inputs[i].errors);
        pt_colstats_free(r->inputs[i].columns);
    }
    free(r->inputs);
    free(r->pattern_matched);
    free(r->pattern_rejected);
    pt_samples_free(&r->samples);
    memset(r, 0, sizeof *r);
}
