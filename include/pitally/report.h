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
#include "pitally/pipeline.h"
#include "pitally/policy.h"
#include "pitally/samples.h"
#include "pitally/tally.h"

/* What was run, for the record of an expert opinion: filled by the program, printed by
 * the reports. Strings are the program's; NULL or empty ones are left out. */
typedef struct {
    const char *path;
    char sha256[65];
} pt_rule_file;

typedef struct {
    const char *version, *commit;
    const char *command;          /* the command line, shell-quoted */
    const char *const *argv;      /* the same, word by word (pitally verify reruns it) */
    size_t argc;
    const char *cwd;              /* where it ran: relative paths are relative to it */
    char started_utc[32], ended_utc[32];
    const char *host;
    const char *hash_path;        /* libcrypto's code path for the custody hashes */
    const char *patterns_dir, *policy_file;
    pt_rule_file *rule_files;     /* every pattern file and the policy, with SHA-256 */
    size_t n_rule_files;
    const char *const *overrides; /* every option that changed a count or the verdict */
    size_t n_overrides;
    char case_key_id[17];         /* the case key's id (never the key), "" when none: the
                                     state and the evidence draw are keyed by it */
} pt_run_record;

/* scan --baseline PREV.pst: the state compared with, and what is new since it. */
typedef struct {
    const char *path;             /* as given */
    char sha256[65];              /* of the state file */
    char modified_utc[32];        /* its modification time; "" when unknown */
    pt_baseline_diff diff;
} pt_baseline_info;

typedef struct {
    const pt_run_record *run;     /* NULL: none */
    const char *lang;             /* "en" (NULL) or "zh": the language of the reports */
    unsigned threads;
    double elapsed_s;
    pt_input_result *inputs;
    size_t n_inputs;
    size_t n_scanned;          /* inputs that gave at least one record */
    pt_counts totals;          /* distinct: deduplicated across inputs */
    uint64_t total_bytes;
    uint64_t subjects;
    uint64_t subjects_by[PT_SUBJECT_KINDS];   /* by the kind of identifier that decided */
    uint64_t *pattern_matched; /* [patterns->n] */
    uint64_t *pattern_rejected;
    pt_samples samples;        /* first masked values of each pattern, by position */
    pt_case_facts facts;
    pt_verdict verdict;
    const pt_baseline_info *baseline;   /* --baseline: what is new since it; NULL: none */
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

/* Several report sinks, each to its path. They only read the result, so when more than
 * one is asked for each is written on a thread of its own (a report of 10,000 inputs
 * takes a few hundred ms to format), unless two share a target ("-", a device, the
 * same path): those are written one after another, in the given order. A sink with no
 * path is skipped. Returns how many failed; err of each that failed says why. */
typedef struct {
    const char *path;
    pt_report_fn fn;
    int rc;            /* out: 0, or -1 */
    char err[1024];    /* out: what failed */
} pt_report_sink;
size_t pt_reports_to_paths(pt_report_sink *sinks, size_t n, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps);

/* Write the JSON report. Returns 0, or -1 on a write error (errno set). */
int pt_report_json(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps);
/* The JSON report to a path (pt_report_to_path with pt_report_json). */
int pt_report_json_to_path(const char *path, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps,
                           char *err, size_t errlen);
/* One word for what happened to an input: "scanned", "no records", "skipped" (binary),
 * "container" (an archive, workbook or database: its members are inputs of their own),
 * "not read" (a FIFO in a directory, a duplicate, a symlink loop), "unreadable". */
const char *pt_input_status(const pt_input_result *in);
/* The evidence directory (--evidence DIR; see src/report/evidence.c): every distinct
 * piece of the most serious tier, and a keyed bottom-N sample of each other tier. DIR
 * is created 0700 (or must be empty). pt_evidence_piece is a piece sink's callback
 * (ctx = the pt_evidence); pt_evidence_finish writes the samples and the manifest. */
typedef struct pt_evidence pt_evidence;
pt_evidence *pt_evidence_open(const char *dir, const pt_policy *pol, const pt_patterns *ps,
                              size_t sample_n, uint64_t seed, bool mask, char *err, size_t errlen);
/* Draw the samples and tag their rows under the case key (same key and seed, same
 * sample); without it the tags are under a random key and --mask draws by one too. */
void pt_evidence_set_case_key(pt_evidence *ev, const pt_casekey *k);
/* scan --state with --evidence: keep what merge --evidence needs (the pieces listed and
 * each tier's sample candidates, values as found) for the state's evidence section; after
 * pt_evidence_set_case_key. 0, or -1 with err. */
int pt_evidence_capture(pt_evidence *ev, char *err, size_t errlen);
/* The evidence section (src/report/evmerge.c says what it holds), after the scan and
 * before pt_evidence_finish: a file read from its start, for pt_tally_save_section; the
 * caller closes it. NULL when nothing was captured, or with err. */
FILE *pt_evidence_section(pt_evidence *ev, char *err, size_t errlen);
void pt_evidence_piece(void *ctx, const pt_piece_event *e);
/* A piece sink's prepare (ctx = the pt_evidence): the row of a piece of the list,
 * formatted on the worker. */
bool pt_evidence_prepare(const void *ctx, const pt_piece_event *e, pt_piece_bytes *out);
/* A piece sink's end_batch: the rows of the list held since the last one are written. */
void pt_evidence_end_batch(void *ctx);
/* A piece sink's rejected callback: the first rejected values of each pattern, for
 * rejected.csv. */
void pt_evidence_rejected(void *ctx, const pt_rejected_event *e);
int pt_evidence_finish(pt_evidence *ev, const pt_scan_result *r, char *err, size_t errlen);
void pt_evidence_free(pt_evidence *ev);

/* The attachable HTML report: self-contained, prints to A4, in r->lang. */
/* Text for an HTML page: & < > " ' and control characters as references (html.c; the
 * review page uses it too). */
void pt_html_text(FILE *out, const char *s);
/* The pages' style sheet (A4, CJK fonts, tables, the verdict box), without <style>. */
extern const char pt_html_style[];
int pt_report_html(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps);

/* The text report. */
int pt_report_text(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                    const pt_patterns *ps);

#endif
