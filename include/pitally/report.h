/* report.h - stage 6: what a scan found, and the two ways of saying it: a text report
 * a person reads at a glance and the JSON report of SPEC section 5
 * (schema "pitally-report/1"). The pipeline fills a pt_scan_result; nothing here
 * counts or decides, it only prints.
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
    char *path;               /* as given (or as found under a directory given) */
    uint64_t bytes;           /* bytes of the file read (compressed size for gzip) */
    const char *compression;  /* "none" | "gzip" */
    const char *encoding;     /* "utf-8" | "gb18030" | "utf-16le" | "utf-16be" */
    const char *format;       /* "csv" | "tsv" | "delimited" | "jsonl" | "sql" | "lines" */
    bool readable;            /* false when it could not be opened at all */
    pt_counts counts;
    pt_errlist errors;
} pt_input_result;

typedef struct {
    unsigned threads;
    double elapsed_s;
    pt_input_result *inputs;
    size_t n_inputs;
    pt_counts totals;          /* distinct: deduplicated across inputs */
    uint64_t total_bytes;
    uint64_t subjects;
    uint64_t *pattern_matched; /* [patterns->n] */
    uint64_t *pattern_rejected;
    pt_samples samples;        /* first masked values of each pattern, by position */
    pt_case_facts facts;
    pt_verdict verdict;
} pt_scan_result;

void pt_scan_result_free(pt_scan_result *r);

/* Write the JSON report. Returns 0, or -1 on a write error (errno set). */
int pt_report_json(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps);
/* Write the JSON report to path: "-" is stdout; pipes and devices are written
 * directly; a regular file is written to a temporary file beside it, flushed and
 * renamed into place, so a failed write never leaves a partial report under the
 * final name. Returns 0, or -1 with err describing what failed. */
int pt_report_json_to_path(const char *path, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps,
                           char *err, size_t errlen);
/* The text report. */
void pt_report_text(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                    const pt_patterns *ps);

#endif
