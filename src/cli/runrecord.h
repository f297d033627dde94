/* runrecord.h - the run record of a scan or merge (see pitally/report.h). */
#ifndef PITALLY_CLI_RUNRECORD_H
#define PITALLY_CLI_RUNRECORD_H

#include "pitally/report.h"

/* Start the record: command line, start time, host, the rule files with their SHA-256;
 * overrides (kept, not copied) are the options that changed a count or the verdict. */
void pt_run_record_start(pt_run_record *rr, int argc, char **argv, const char *patterns_dir,
                         const char *policy_file, const char *const *overrides, size_t n_overrides);
void pt_run_record_end(pt_run_record *rr);
void pt_run_record_free(pt_run_record *rr);

#endif
