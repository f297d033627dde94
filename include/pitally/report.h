/* report.h - stage 6: what a scan found, and the ways of saying it. A finalised tally
 * becomes a pt_scan_result (pt_scan_result_from_tally, where the verdict is computed);
 * report sinks write it: the text report a person reads at a glance, the JSON report
 * (schema "pitally-report/1", docs/pitally-report.schema.json). Every sink writes
 * through pt_output_to_path, so every file is replaced atomically. A new output format
 * is a new pt_report_fn in src/report/ and one line in the CLI.
 */
#ifndef PITALLY_REPORT_H
#define PITALLY_REPORT_H

#include <stdio.h>

#include "pitally/common.h"
#include "pitally/patterns.h"
#include "pitally/policy.h"
#include "pitally/samples.h"
#include "pitally/tally.h"

typedef struct {
    unsigned threads;
    double elapsed_s;
    pt_input_result *inputs;
    size_t n_inputs;
    size_t n_scanned;          /* inputs that gave at least one record */
    pt_counts totals;          /* distinct: deduplicated across inputs */
    uint64_t total_bytes;
    uint64_t subjects;
    uint64_t *pattern_matched; /* [patterns->n] */
    uint64_t *pattern_rejected;
    pt_samples samples;        /* first masked values of each pattern, by position */
    pt_case_facts facts;
    pt_verdict verdict;
} pt_scan_result;

/* Finalise: take the inputs out of t (t keeps the sets and may then be freed), total
 * them, count the run's distinct pieces by tier and compute the verdict. */
void pt_scan_result_from_tally(pt_scan_result *r, pt_tally *t, const pt_policy *pol,
                               const pt_case_facts *facts);
void pt_scan_result_free(pt_scan_result *r);

/* A report sink: writes the result to out; 0, or -1 with errno on a write error. */
typedef int (*pt_report_fn)(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                            const pt_patterns *ps);

/* Write to path through write(out, ctx): "-" is stdout; pipes and devices are written
 * directly; a regular file is written to a temporary file beside it, flushed and
 * renamed into place, so a failed write never leaves a partial file under the final
 * name. mode: of a new file (0: the old file's, else 0666 less the umask). Returns 0,
 * or -1 with err describing what failed. */
typedef int (*pt_output_fn)(FILE *out, void *ctx);
int pt_output_to_path(const char *path, pt_output_fn write, void *ctx, unsigned mode, char *err,
                      size_t errlen);
/* A report sink to a path, through pt_output_to_path. */
int pt_report_to_path(const char *path, pt_report_fn fn, const pt_scan_result *r,
                      const pt_policy *pol, const pt_patterns *ps, char *err, size_t errlen);

/* Write the JSON report. Returns 0, or -1 on a write error (errno set). */
int pt_report_json(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps);
/* The JSON report to a path (pt_report_to_path with pt_report_json). */
int pt_report_json_to_path(const char *path, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps,
                           char *err, size_t errlen);
/* One word for what happened to an input: "scanned", "no records", "skipped" (binary),
 * "not read" (a FIFO in a directory, a duplicate, a symlink loop), "unreadable". */
const char *pt_input_status(const pt_input_result *in);
/* The text report. */
int pt_report_text(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                    const pt_patterns *ps);

#endif
