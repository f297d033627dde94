/* nightly.h - what a nightly job adds to scan and merge (nightly.c): --baseline PREV.pst,
 * --fail-on LEVEL, --quiet and --summary FILE. */
#ifndef PITALLY_CLI_NIGHTLY_H
#define PITALLY_CLI_NIGHTLY_H

#include "pitally/report.h"

/* Exit status when the verdict reaches --fail-on (docs/exit-codes.md). */
#define PT_EXIT_FAIL_ON 5

typedef struct {
    const char *baseline_path;   /* --baseline */
    const char *summary_path;    /* --summary: one JSON line appended ("-": stderr) */
    int fail_on;                 /* --fail-on: a pt_level; 0: not given */
    bool quiet;                  /* --quiet: no text report, no notes */
    pt_tally *base;              /* the baseline, loaded before the scan */
    pt_baseline_info info;       /* filled by pt_nightly_compare */
    bool compared;
    bool summarized;             /* the --summary line is written (or was tried) */
} pt_nightly;

/* --fail-on serious|especially_serious; false for anything else. */
bool pt_nightly_parse_fail_on(const char *s, int *level);

/* Load the baseline state (refused unless made with the rules of digest) and hash it.
 * Returns an exit status (1 after saying why). */
int pt_nightly_load_baseline(pt_nightly *n, uint64_t digest);

/* scan --baseline: the case key to scan under, which must be the baseline's: --case-key
 * FILE; else STATE.key beside --state when it exists; else BASELINE.key beside the
 * baseline (copied to STATE.key when --state is given, so that tonight's state can be
 * tomorrow's baseline). Returns an exit status (1 after saying why). */
int pt_nightly_case_key(pt_nightly *n, const char *case_key_path, const char *state_path,
                        pt_casekey *key);

/* merge --baseline: the merged states must be under the baseline's key. */
int pt_nightly_check_key(const pt_nightly *n, uint64_t key_id);

/* What is new in now since the baseline; before now's inputs are taken out of it. */
int pt_nightly_compare(pt_nightly *n, const pt_tally *now);
/* The comparison for the reports, or NULL. */
const pt_baseline_info *pt_nightly_info(const pt_nightly *n);

/* The exit status of a finished run whose status so far is rc (0, 2 or 4): --fail-on
 * makes 0 into 5 when the verdict reaches its level; then the --summary line is
 * appended (4 when it cannot be). */
int pt_nightly_finish(pt_nightly *n, const pt_scan_result *r, const pt_policy *pol,
                      const char *command, int rc);

/* A run that ended without reports (refused before the scan, a usage error): its
 * --summary line, with "completed": false and the exit status rc, unless one was
 * written; nothing for rc 0 (--help). Returns rc, or 4 when the line cannot be appended. */
int pt_nightly_unfinished(pt_nightly *n, const char *command, int rc);

void pt_nightly_free(pt_nightly *n);

#endif
