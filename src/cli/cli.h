/* cli.h - the command-line front end (scan, patterns, explain). */
#ifndef PITALLY_CLI_H
#define PITALLY_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "pitally/tally.h"

/* Exit statuses of SPEC section 4. */
enum { PT_EXIT_OK = 0, PT_EXIT_USAGE = 1, PT_EXIT_NO_INPUT = 2, PT_EXIT_PATTERNS = 3 };

int pt_cli_main(int argc, char **argv);

/* pitally --version: version, commit, the rule files with their SHA-256 (as the run
 * record gives them), the libraries in use (src/main.c). Returns the exit status. */
int pt_cli_version(const char *argv0);

/* Default pattern directory: beside the binary (a build tree), or installed under
 * PREFIX/share/pitally/patterns. Writes into buf; returns buf, or NULL if none found. */
const char *pt_default_patterns_dir(const char *argv0, char *buf, size_t len);

/* A new scratch file (read and written, owner-only, unnamed) in the directory of the
 * file whose path is ctx, for the tally's spilled sets (pt_tally.spill_open); NULL after
 * saying on stderr why none could be made (scratch.c). */
FILE *pt_scratch_beside(void *path);

/* pitally verify REPORT.json (verify.c): exit 0 reproduced, 1 not. */
int pt_cmd_verify(int argc, char **argv);

/* pitally review DIR (review.c): the examiner's marks in an evidence directory. */
int pt_cmd_review(int argc, char **argv);

/* The case key (casekey.c). pitally keygen FILE makes one. load: read FILE. for_state:
 * the key beside a state (STATE.key), made now if there is none. Each returns 0, or -1
 * after saying why on stderr. */
int pt_cmd_keygen(int argc, char **argv);
int pt_case_key_load(const char *path, pt_casekey *k);
int pt_case_key_for_state(const char *state_path, pt_casekey *k);

/* Every *.yaml of a pattern directory, as DIR/NAME in byte order of NAME (malloc'd
 * array of malloc'd paths; the caller frees both). */
char **pt_rule_file_paths(const char *patterns_dir, size_t *n);

/* A fingerprint of the pattern files, the policy file and the --tier overrides: the
 * rules a tally was made with (state files record it; merge compares it). */
uint64_t pt_rules_digest(const char *patterns_dir, const char *policy_file,
                         const char *const *tiers, size_t n_tiers);

#endif
