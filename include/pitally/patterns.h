/* patterns.h - stage 3a: pattern sets. patterns/NAME.yaml are loaded with libyaml,
 * every regex is compiled once with PCRE2 (and JIT), validators are bound by name.
 * The compiled set is immutable and shared by all worker threads.
 *
 * Pattern YAML (one file may hold several patterns):
 *   set: contact                      # set name (defaults to the file name)
 *   patterns:
 *     - id: cn_mobile                 # unique across all sets
 *       category: contact             # must be a category of the policy
 *       identifier: true              # a match makes the record a piece
 *       value: '(?<!\d)1[3-9]\d{9}(?!\d)'   # PCRE2, UTF mode
 *       match: embedded               # embedded (search in free text) | field (whole field)
 *       header: '(?i)手机|mobile|sjh' # key/column-name context regex (optional)
 *       requires_header: false        # true: only fields whose key matches header
 *       validator: luhn               # optional, by name (see validators.h)
 *       masked: '1[3-9]\d\*{4}\d{4}'  # optional: values that are masked copies: rejected
 *       normalize: digits             # none|digits|lower|upper|trim (for dedup)
 *       normalize_tail: 11            # keep the last N chars after normalizing (0: all)
 *       subject_rank: 2               # primary identifier rank for "subjects" (1 first; 0: not)
 *       subject_kind: mobile          # which identifier decided a subject, for the report's
 *                                     # subjects_by (default: the id); patterns of one kind
 *                                     # are one identifier (cn_mobile, cn_mobile_padded)
 *       mask: {head: 3, tail: 4}      # how samples are masked in output
 *       yields_to: [cn_resident_id]   # optional: a match overlapping a match (accepted
 *                                     # or rejected) of a listed pattern in the same
 *                                     # field is ignored: that pattern claimed the span
 *       description: "..."            # optional, for `pitally patterns`
 *       shape: [communication_content]  # optional: counts only in an input whose record
 *                                     # shape (below) holds; where the shape is partly
 *                                     # there its values are reported as doubt
 *       role_only: false              # true: never counts; only names a column's role
 *                                     # for record shapes (a message time, a duration)
 *       column_evidence:              # optional (needs a validator): judge a column from
 *         min_pass_percent: 50        # its values: in a column where fewer than this share
 *         min_sample: 20              # of the pattern's matches in an input's leading
 *                                     # sample pass the validator (at least min_sample
 *                                     # matches seen), the pattern counts nothing; what
 *                                     # it would have counted is reported as doubt
 *
 * Record shapes (issue 10: "the column decides together"): a pattern file may also hold
 *   shapes:
 *     - id: communication_content     # unique; patterns name it in shape:
 *       description: "..."
 *       roles:                        # what a column of the input's sample can be: a
 *         party: {patterns: [cn_mobile, qq], min_percent: 80}   # column has a role when
 *         text:  {patterns: [message_text]}                     # the passing values of
 *                                     # its patterns are min_percent (default 80) of its
 *                                     # values
 *       any_of:                       # the shape holds when one alternative finds that
 *         - {party: 2, text: 1}       # many distinct columns per role (a column fills
 *         - {party: 1, direction: 1, text: 1}   # one role of an alternative)
 * A shape is partial when it does not hold, some alternative lacks one role only with two
 * or more there, and a value of a pattern needing it (and no holding shape) passed in
 * the sample.
 * Shapes are decided once per input from its sample (pt_colplan_decide); nothing runs
 * per field beyond the patterns themselves.
 *
 * Defaults: identifier false, match field, requires_header false, normalize none,
 * normalize_tail 0, subject_rank 0, mask {head: 1, tail: 1}. header regexes are
 * case-insensitive. With requires_header: true the value regex may be omitted: any
 * non-empty value of a field whose key matches header is then accepted.
 */
#ifndef PITALLY_PATTERNS_H
#define PITALLY_PATTERNS_H

#include "pitally/common.h"
#include "pitally/policy.h"

typedef enum { PT_MATCH_FIELD = 0, PT_MATCH_EMBEDDED } pt_match_mode;
typedef enum { PT_NORM_NONE = 0, PT_NORM_DIGITS, PT_NORM_LOWER, PT_NORM_UPPER, PT_NORM_TRIM } pt_norm;

typedef bool (*pt_validator_fn)(const char *s, size_t n);

typedef struct {
    char *id;
    char *set;
    char *file;            /* where it was defined, for messages */
    int line;
    int category;          /* index into the policy's categories */
    bool identifier;
    pt_match_mode match;
    bool requires_header;
    char *value_src, *header_src, *masked_src;
    void *value_re, *header_re, *masked_re;   /* pcre2_code_8*, NULL when absent */
    /* what matching derives from the regexes (facts to skip a field without running
     * them, ASCII variants): the classifier's own (src/classify/classify_internal.h) */
    struct pt_pattern_fast *fast;
    char *validator_name;
    pt_validator_fn validator;
    pt_norm normalize;
    unsigned normalize_tail;
    unsigned subject_rank;
    unsigned mask_head, mask_tail;
    int *yields_to;        /* indices of patterns this one yields to */
    size_t n_yields_to;
    char *description;
    /* column_evidence (see above): thresholds in integers, compared exactly */
    bool column_evidence;
    unsigned col_min_pass_percent, col_min_sample;
    /* record shapes (see above): bit k set when shape k enables this pattern (0: the
     * pattern needs none); role_only: it never counts */
    uint32_t shapes;
    bool role_only;
    unsigned subject_kind;   /* 1..PT_SUBJECT_KINDS-1 when subject_rank > 0, else 0 */
} pt_pattern;

#ifndef PT_MAX_SHAPES
#define PT_MAX_SHAPES 32
#endif
/* Subject kinds: the low 4 bits of a subject's hash say which kind of identifier decided
 * it (pitally/tally.h), so kind 0 is none and at most 15 kinds exist. */
#ifndef PT_SUBJECT_KINDS
#define PT_SUBJECT_KINDS 16
#endif
#define PT_SHAPE_ROLES_MAX 8
#define PT_SHAPE_ALTS_MAX 8

typedef struct {
    char *name;
    uint32_t *patterns;    /* indices into the set */
    size_t n_patterns;
    unsigned min_percent;  /* of the column's values in the sample */
} pt_shape_role;

typedef struct {
    uint8_t min[PT_SHAPE_ROLES_MAX];   /* distinct columns wanted per role (0: any) */
} pt_shape_alt;

typedef struct {
    char *id, *file, *description;
    int line;
    pt_shape_role roles[PT_SHAPE_ROLES_MAX];
    size_t n_roles;
    pt_shape_alt alts[PT_SHAPE_ALTS_MAX];
    size_t n_alts;
} pt_shape;

typedef struct {
    pt_pattern *v;
    size_t n;
    char **set_names;
    size_t n_sets;
    size_t *order;         /* evaluation order: every pattern after those it yields to */
    uint32_t max_captures; /* largest capture count, to size match data */
    /* what the scanners derive from the set (byte classes, prefilter tables, key
     * contexts), built once by pt_patterns_load and shared read-only by every scanner;
     * NULL in a set not made by it (each scanner then builds its own) */
    struct pt_prefilter *prefilter;
    pt_shape *shapes;      /* record shapes, from the files' shapes: */
    size_t n_shapes;
    char *subject_kinds[PT_SUBJECT_KINDS];   /* names by kind ([0] unused) */
    size_t n_subject_kinds;                  /* kinds in use, plus one */
    uint8_t subject_kind_order[PT_SUBJECT_KINDS];   /* kinds 1.. by their strongest
                                                       subject_rank (resident ID first) */
} pt_patterns;

/* Load every *.yaml of dir except policy.yaml, in sorted file order, checking each
 * category against the policy. Returns 0, or -1 with err = "FILE:LINE: reason"
 * (YAML syntax, bad regex with its offset, unknown validator or category, duplicate id). */
int pt_patterns_load(pt_patterns *ps, const char *dir, const pt_policy *pol,
                     char *err, size_t errlen);
void pt_patterns_free(pt_patterns *ps);
int pt_patterns_find(const pt_patterns *ps, const char *id);  /* index or -1 */
int pt_patterns_find_shape(const pt_patterns *ps, const char *id);  /* index or -1 */

#endif
