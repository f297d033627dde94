/* columns.h - column-level evidence (issue 10): exact per-column counts of one input
 * (or of one chunk of it), the decisions taken from an input's leading sample, and the
 * doubt note.
 *
 * A column is a field position with its column name (CSV/TSV/delimited header, SQL
 * CREATE TABLE), or a key path alone (JSON Lines, where positions move). Every count
 * here is a sum: a chunk's table is merged into its input's at commit, in input order,
 * so the result is the same for any thread count and any chunk size.
 *
 * Decisions: an input's leading sample (the records of its first PT_COLUMN_SAMPLE_BYTES
 * bytes of text after the header) is classified once, on the reading thread, into a
 * table of its own (the plan); an input shorter than that, in one pass by its worker
 * (pipeline.c, classify_whole_input). A pattern with column_evidence (patterns.h) whose matches
 * in a column of the sample pass its validator too rarely (fewer than min_pass_percent of
 * at least min_sample values) is disabled for that column in the whole input: its values
 * there count nothing, and what they would have counted is doubt (存疑有利于被告).
 *
 * Record shapes (patterns.h, issue 10): from the same sample, which columns fill which
 * role (a party, a message text, a time, ...) and so which shapes hold for the whole
 * input. A pattern that needs a shape counts only where it holds; where the shape is
 * partly there (one role missing) its values are doubt.
 */
#ifndef PITALLY_COLUMNS_H
#define PITALLY_COLUMNS_H

#include "pitally/common.h"

#define PT_COLUMN_SAMPLE_BYTES (64u << 10)
#define PT_COLUMNS_MAX 1024     /* columns tracked per input (the first ones seen) */
#define PT_COLUMN_KEY_MAX 256   /* longer column names are cut there (still one column) */
#ifndef PT_MAX_SHAPES
#define PT_MAX_SHAPES 32        /* record shapes of a pattern set (patterns.h) */
#endif

/* What one pattern did in one column. */
typedef struct {
    uint32_t pattern;
    /* the decision (plan), copied in by pt_colstats_finish (here, beside pattern, the two
     * fill its padding: a cell is 56 bytes, not 64) */
    bool judged;          /* the pattern has column_evidence and the sample had enough */
    bool disabled;        /* too few sample values passed: counts nothing here */
    uint64_t matches;     /* regex matches judged (not yielded), masked copies included */
    uint64_t checked;     /* of them not masked copies: given to the validator */
    uint64_t passed;      /* of them passing it (all of them without a validator) */
    uint64_t accepted;    /* counted: passed where the pattern is not disabled, and every
                             value of a header-only pattern */
    uint64_t sample_checked, sample_passed;   /* the decision's sample counts */
} pt_column_pattern;

typedef struct {
    char *key;            /* column name (the table's own copy, in its block for the
                             first n_packed columns), NULL: none */
    uint32_t key_len;
    int32_t position;     /* field index, -1 for a JSON key path */
    uint64_t hash;        /* of (position, key) */
    uint64_t first;       /* offset of the first record with a value here */
    uint64_t fill;        /* values: non-empty, not placeholders */
    pt_column_pattern *pats;
    uint32_t n_pats, cap_pats;   /* cap_pats 0: pats is none, or in the table's block */
    uint32_t hint;        /* the cell found last (pt_colstats_cell) */
    int32_t plan_col;     /* scanner scratch: this column in the plan, -1 none, -2 unknown */
} pt_column;

/* Pieces counted in tier from that would be in tier to under the other reading of the
 * column-level evidence (a tier is an index into the policy's tiers, -1: not a piece). */
typedef struct {
    int from, to;
    uint32_t column;      /* index into cols; UINT32_MAX: a column beyond PT_COLUMNS_MAX */
    uint32_t pattern;     /* the pattern disabled there */
    uint64_t pieces;      /* raw */
} pt_doubt;

typedef struct pt_colstats {
    bool by_key;                 /* JSON: columns are key paths, not positions */
    bool stable_keys;            /* column names stay at one address while a chunk is
                                    classified (a header row): the scanner compares
                                    addresses, not bytes */
    pt_column *cols;
    size_t n, cap;               /* cap 0: cols is none, or in block */
    uint32_t *index;             /* open addressing: column number + 1, 0 empty; NULL
                                    (index_cap 0) in a compacted table: made again when
                                    a column is added */
    size_t index_cap;
    pt_doubt *doubts;
    size_t n_doubts, cap_doubts; /* cap_doubts 0: doubts is none, or in block */
    /* pt_colstats_compact: one allocation holding the columns, their cells, the doubts
     * and the keys of the first n_packed columns; an array that grows later is copied
     * out of it (its capacity is then non-zero) */
    void *block;
    size_t n_packed;
    bool truncated;              /* some columns were beyond PT_COLUMNS_MAX */
    uint64_t sample_records;     /* a plan: records in the sample */
    /* record shapes decided from the sample (bit k: shape k of the pattern set), and
     * for each shape that holds or is partial, which columns filled which role and what
     * is missing, in words (NULL: neither) */
    uint32_t shapes_hold, shapes_partial;
    char *shape_why[PT_MAX_SHAPES];
    uint8_t shape_alt[PT_MAX_SHAPES];   /* the alternative that holds (any_of index) */
} pt_colstats;

pt_colstats *pt_colstats_new(bool by_key);
void pt_colstats_free(pt_colstats *t);
/* Empty it, keeping its memory (a chunk's table, reused), with the kind of like. */
void pt_colstats_reset(pt_colstats *t, const pt_colstats *like);
/* The column of (position, key), added when absent (-1 when the table is full). */
int32_t pt_colstats_column(pt_colstats *t, int32_t position, const char *key, size_t key_len);
/* The counters of pattern in column col, added when absent. */
pt_column_pattern *pt_colstats_cell_slow(pt_colstats *t, int32_t col, uint32_t pattern);
static inline pt_column_pattern *pt_colstats_cell(pt_colstats *t, int32_t col, uint32_t pattern)
{
    pt_column *c = &t->cols[col];
    if (c->n_pats && c->pats[c->hint].pattern == pattern) return &c->pats[c->hint];
    return pt_colstats_cell_slow(t, col, pattern);
}
/* The cell of pattern in column col, NULL when absent (no change). */
const pt_column_pattern *pt_colstats_find_cell(const pt_colstats *t, int32_t col, uint32_t pattern);
/* pieces more raw pieces moving from tier from to tier to because of pattern in column
 * col (-1: a column beyond PT_COLUMNS_MAX). */
void pt_colstats_add_doubt(pt_colstats *t, int from, int to, int32_t col, uint32_t pattern,
                           uint64_t pieces);
/* Add src (a later part of the same input) into dst. */
void pt_colstats_merge(pt_colstats *dst, const pt_colstats *src);
/* Trim a table that is done growing (an input's, once it is released) to what it holds:
 * its columns, cells, doubts and keys move into one allocation of their exact size and
 * its index is dropped. Counts and lookups are unchanged, and it may still grow (a merge
 * of split parts): the index is then made again and a growing array copied out. */
void pt_colstats_compact(pt_colstats *t);

#endif
