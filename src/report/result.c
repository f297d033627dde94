/* result.c - ownership of a pt_scan_result (see pitally/report.h): the pipeline fills
 * it, the reports read it, and this frees what it owns: each input's path and error
 * list, the inputs array and the per-pattern counters. The verdict points into the
 * policy and owns nothing. */
#include "pitally/report.h"

#include <stdlib.h>
#include <string.h>

void pt_scan_result_free(pt_scan_result *r)
{
    if (!r) return;
    for (size_t i = 0; r->inputs && i < r->n_inputs; i++) {
        free(r->inputs[i].path);
        pt_errlist_free(&r->inputs[i].errors);
    }
    free(r->inputs);
    free(r->pattern_matched);
    free(r->pattern_rejected);
    pt_samples_free(&r->samples);
    memset(r, 0, sizeof *r);
}
