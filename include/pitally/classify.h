/* classify.h - stage 3c: per-thread scanners that classify the fields of a record.
 *
 * Like YARA's scanners: the compiled pattern set is shared, each worker thread owns a
 * pt_scanner holding its PCRE2 match data, JIT stack and scratch buffers, so that
 * classifying a field allocates nothing and takes no lock. Key (column name) context is
 * resolved once per distinct key and cached in the scanner, not matched per field.
 */
#ifndef PITALLY_CLASSIFY_H
#define PITALLY_CLASSIFY_H

#include <stdio.h>

#include "pitally/columns.h"
#include "pitally/patterns.h"
#include "pitally/policy.h"
#include "pitally/records.h"
#include "pitally/samples.h"

typedef struct {
    uint64_t categories;   /* bit c set: category c found in the record */
    bool piece;            /* at least one identifier accepted */
    uint64_t fp[2];        /* 128-bit fingerprint of the normalized personal-information
                              content: the multiset of (category, normalized value) of
                              every accepted match, order-independent. Set when piece. */
    bool has_subject;
    uint64_t subject;      /* hash of the normalized primary identifier (lowest
                              subject_rank among accepted matches), its low 4 bits
                              replaced by the pattern's subject_kind (tally.h) */
    /* The other reading (column-level evidence, pt_scanner_set_columns): values that
     * passed their validator in a column where their pattern is disabled. Under that
     * reading the record would have categories | doubt_categories, and be a piece when
     * piece || doubt_piece. doubt_column / doubt_pattern: the first such value (column
     * in the scanner's column table), -1 when none. */
    uint64_t doubt_categories;
    bool doubt_piece;
    int32_t doubt_column;
    int doubt_pattern;
} pt_record_class;

typedef struct pt_scanner pt_scanner;

pt_scanner *pt_scanner_new(const pt_patterns *ps, const pt_policy *pol);
void pt_scanner_free(pt_scanner *s);

/* Classify one record. matched[i] and rejected[i] (arrays of ps->n counters owned by
 * the caller) count accepted and rejected values of pattern i: rejected means the value
 * matched the regex but failed the validator, or matched the pattern's masked form. */
void pt_scanner_classify(pt_scanner *s, const pt_record *rec, pt_record_class *out,
                         uint64_t *matched, uint64_t *rejected);

/* One accepted value of a classified record. */
typedef struct {
    uint32_t pattern;      /* index in the pattern set */
    const char *value;     /* as found (not masked); valid until the next record */
    size_t len;
} pt_match;

/* Keep the accepted values of each record (off by default: it costs a copy of every
 * pointer); pt_scanner_matches gives those of the last record classified. */
void pt_scanner_log_matches(pt_scanner *s, bool on);
size_t pt_scanner_matches(const pt_scanner *s, const pt_match **out);

/* File masked copies of the first accepted values of each pattern into samples (NULL:
 * none), under input number input, until the next call. */
void pt_scanner_set_samples(pt_scanner *s, pt_samples *samples, uint32_t input);
/* How a sample's record offset becomes its line (line_of(ctx, offset); NULL: line 0,
 * unknown). Called only for a value the samples keep, so it may count lazily. */
/* Also file the first rejected values of each pattern, as found (cut to fit), with why
 * (PT_REJECT_*), into rejects (NULL: none; a list made by pt_samples_init_per), under the
 * input and with the lines of pt_scanner_set_samples / _set_sample_lines. */
void pt_scanner_set_rejects(pt_scanner *s, pt_samples *rejects);
void pt_scanner_set_sample_lines(pt_scanner *s, uint64_t (*line_of)(void *ctx, uint64_t offset),
                                 void *ctx);

/* Column-level evidence (pitally/columns.h). stats (NULL: none) gets the exact counts of
 * every field classified until the next call (fill, matches, validator passes, accepted
 * values per column and pattern), complete once the next call (NULL, NULL) returns; plan (NULL: none) holds the decisions of the input's
 * sample (pt_colplan_decide): a value of a pattern disabled for its column is not
 * accepted but noted in the record's doubt_* fields. A plan needs stats. */
void pt_scanner_set_columns(pt_scanner *s, const pt_colstats *plan, pt_colstats *stats);

/* Decide a sample's table into a plan: the cells of the patterns with column_evidence
 * get judged / disabled (and their sample counts). */
void pt_colplan_decide(pt_colstats *plan, const pt_patterns *ps);
bool pt_colplan_any_disabled(const pt_colstats *plan);
/* The column of plan that is col (of another table), or -1. */
int32_t pt_colplan_column(const pt_colstats *plan, const pt_column *col);
/* Copy plan's decisions into the cells of an input's table cols (for the report). */
void pt_colstats_finish(pt_colstats *cols, const pt_colstats *plan);

/* One pass for an input that its sample covers whole (pipeline.c): classify it under a
 * guessed plan with shadow on, decide its plan from the counts, and keep the result if
 * the plan is the guess.
 * Does a scan under plan (NULL: a sample being classified) skip pattern p? Role-only
 * patterns, and those needing a shape that neither holds nor is partial. */
bool pt_colplan_skips(const pt_colstats *plan, const pt_pattern *p);
/* With shadow on, the patterns the plan skips still run, for their column counts only
 * (matches, validator passes, as a sample counts them), and nothing else: no value, no
 * rejection, no doubt. The counts are then a sample's, exactly, when no pattern yields
 * to one that a plan may skip (pt_colplan_shadow_exact). */
void pt_scanner_set_shadow(pt_scanner *s, bool on);
bool pt_colplan_shadow_exact(const pt_patterns *ps);
/* In shadow, only the skipped patterns with a bit in needed (words of (ps->n + 63) / 64
 * bits; copied; NULL: all) run; the others not at all, and their counts are then
 * missing: pt_colplan_relevant says when that changes no decision. */
void pt_scanner_set_shadow_needed(pt_scanner *s, const uint64_t *needed);
/* The patterns that may run on a field of key (NULL: a field without one), a bit each. */
void pt_scanner_key_patterns(pt_scanner *s, const char *key, size_t len, uint64_t *bits);
/* Which patterns' counts in table t could change what pt_colplan_decide makes of it,
 * when those with a bit in unknown may have any counts on the columns where they may
 * run (cands: t->n rows of words, pt_scanner_key_patterns of each column's key) and
 * the others' counts are exact: rel gets those of the unknown ones whose counts matter
 * (none: the decision is exact). Sound, not tight: a shape that may hold or be partial
 * makes all its roles' patterns matter, where no known pattern fills the role. */
void pt_colplan_relevant(const pt_colstats *t, const pt_patterns *ps, const uint64_t *unknown,
                         const uint64_t *cands, uint64_t *rel);
/* For the inputs after one shadowed in full (t, its exact counts): the skipped patterns
 * (skipped) to keep counting on every field so that the others' counts matter to no
 * decision, cheapest first by their matches in t. needed gets them. */
void pt_colplan_shadow_needed(const pt_colstats *t, const pt_patterns *ps, const uint64_t *skipped,
                              const uint64_t *cands, uint64_t *needed);
/* Merge the table of a whole input's pass into an empty plan with its columns in the
 * order the reader's sample makes them (classify_sample: a column is made at its first
 * value, so by the first record with a value in it, then by position), which decides
 * which of several columns fills a role (try_alt takes the first). A CSV pass makes its
 * columns as patterns first touch them, in another order. */
void pt_colplan_merge_sample_order(pt_colstats *plan, const pt_colstats *t);
/* Do plans a and b decide alike everything a scan under them reads (shapes that hold or
 * are partial, the alternatives that hold, the disabled cells)? */
bool pt_colplan_same(const pt_colstats *a, const pt_colstats *b);
/* Remove from t the cells of the patterns that a scan under plan skips (the shadow's). */
void pt_colstats_drop_skipped(pt_colstats *t, const pt_patterns *ps, const pt_colstats *plan);
/* The doubt of one record into t (the table the scanner filled, whose columns
 * doubt_column points into): counted is the tier it counts in (-1: not a piece),
 * declared the categories the examiner declared for the input. */
void pt_colstats_note_record(pt_colstats *t, const pt_policy *pol, const pt_record_class *cls,
                             uint64_t declared, int counted);

/* `pitally explain`: write to out, for a human, which patterns match value (with the
 * optional header as key context), what each validator said, and the resulting
 * categories, identifier status and tier. Returns the number of accepted matches. */
int pt_explain(const pt_patterns *ps, const pt_policy *pol, const char *value,
               const char *header, FILE *out);
/* `pitally explain --header H V1 V2 ...`: values[0..n) as one column (position 1, key
 * header): its counts per pattern and what column-level evidence decides for it. */
void pt_explain_column(const pt_patterns *ps, const pt_policy *pol, const char *const *values,
                       size_t n, const char *header, FILE *out);
/* `pitally explain --record H1=V1 H2=V2 ...`: one record of named fields, judged as an
 * input whose whole sample is this record: what each column passes, which record shapes
 * (patterns.h) hold or are partial and why, and what the record counts under them.
 * Returns the number of accepted values, or -1 when a field is not HEADER=VALUE. */
int pt_explain_record(const pt_patterns *ps, const pt_policy *pol, const char *const *fields,
                      size_t n, FILE *out);

#endif
