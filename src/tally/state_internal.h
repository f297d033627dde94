/* state_internal.h - the parts of the state file format (state.c) that the streaming
 * merge (statemerge.c) shares: the framed writer, the checked reader of a file, and the
 * sorted runs of keys that hold the sets. */
#ifndef PITALLY_STATE_INTERNAL_H
#define PITALLY_STATE_INTERNAL_H

#include <stdio.h>
#include <xxhash.h>

#include "pitally/tally.h"

/* A writer to a file (hashing every byte for the final checksum) or, with f NULL, to a
 * memory buffer. */
typedef struct {
    FILE *f;
    XXH64_state_t *h;
    bool failed;
    bool count_only;           /* with f NULL: only len grows (the size of what would be put) */
    uint8_t *buf;
    size_t len, cap;
    unsigned version;          /* runs are coded as this version codes them; 0: the current */
    const char *why;           /* with failed: why, when it is not the file's fault */
} pt_state_writer;

/* Header and head: magic, version, rules digest, key id, head length, then the head
 * (patterns, inputs, counters, samples) of t. Sets follow (pt_state_put_run), then
 * pt_state_end. */
void pt_state_begin(pt_state_writer *w, FILE *f, uint64_t rules_digest, const pt_tally *t);
/* For the tests: t saved as a file of version 6 or 7 (their runs; the head as t makes
 * it: give no part start, and for 6 no part). 0, or -1 with err. */
int pt_state_save_version(const pt_tally *t, uint64_t rules_digest, unsigned version, FILE *f,
                          char *err, size_t errlen);
/* The evidence section (its bytes from section's start to its end, or none when NULL)
 * and its length: after the runs, before pt_state_end. */
void pt_state_put_section(pt_state_writer *w, FILE *section);
/* What a run holds, which decides how it is coded (state.c):
 *  - PT_RUN_PART: a part's own pieces (parts.h), and
 *  - PT_RUN_PIECES: the run's pieces of one set shard, both with their tiers;
 *  - PT_RUN_SUBJECTS: the subjects of one set shard, each key's low 4 bits its kind.
 *    Before version 8: n, the tiers 4 bits each (none for the subjects), the gaps between
 *    the keys Rice-coded. From version 8 compact: the tiers or kinds as a common value
 *    with exceptions when that is shorter, and a subject's key without what every key of
 *    the shard shares (its top byte, the shard) and without its kind. */
typedef enum { PT_RUN_PART, PT_RUN_PIECES, PT_RUN_SUBJECTS } pt_run_kind;

/* One sorted run of set shard `shard`: keys ascending, tiers (not for subjects). */
void pt_state_put_run(pt_state_writer *w, pt_run_kind kind, unsigned shard, const uint64_t *keys,
                      const uint8_t *tiers, size_t n);
/* The checksum; closes the writer. 0, or -1 with err. */
int pt_state_end(pt_state_writer *w, char *err, size_t errlen);

/* A state file being read: checked whole (checksum) before anything is believed, then
 * read in one pass. left: bytes before the checksum not read yet. */
typedef struct {
    FILE *f;
    uint64_t left;
    bool bad;
    uint64_t section_at, section_len;   /* the evidence section: where in f, bytes (0: none) */
    uint64_t runs_at;          /* where the pieces' runs start, after the part section */
    unsigned version;          /* of the file: how its pieces' and subjects' runs are coded */
} pt_state_stream;

/* Check f (magic, version, checksum, rules digest) and read its head into a new tally
 * (sets empty, key_id set); the stream is then at the first run. NULL with err. */
pt_tally *pt_state_open(FILE *f, uint64_t rules_digest, pt_state_stream *st, char *err,
                        size_t errlen);

/* The part section (parts.h): the key sets of t's part entries, in t's order; a set on
 * disk is copied as it is. After the head, before the pieces' runs. */
void pt_state_put_parts(pt_state_writer *w, const pt_tally *t);
/* The part section of a stream opened by pt_state_open whose head is t: each part
 * entry's set located (on disk, in the stream's file) or, with load, read into memory;
 * the stream is then at the pieces' runs (runs_at). false when malformed. */
bool pt_state_get_parts(pt_state_stream *st, pt_tally *t, bool load);

/* A cursor over one run. */
typedef struct {
    pt_state_stream *st;
    size_t n, i;
    bool with_tiers;           /* tiers (pieces, parts) or kinds (compact subjects) held */
    bool compact_subjects;     /* a version 8 subject run: value and kind apart */
    uint8_t *tiers;            /* the tiers or kinds, 4 bits each */
    size_t tiers_cap;
    uint64_t key;
    uint64_t base, value;      /* compact subjects: the shard's top byte, the value so far */
    unsigned k;                /* Rice parameter of the run's gaps */
    uint64_t acc;              /* bits read, not used yet */
    unsigned nbits;
} pt_state_run;

/* Start the stream's next run, of set shard `shard` (the cursor's buffer is reused).
 * false when malformed. */
bool pt_state_run_open(pt_state_run *r, pt_state_stream *st, pt_run_kind kind, unsigned shard);
/* The next key (ascending) and its tier; false at the end of the run or when malformed. */
bool pt_state_run_next(pt_state_run *r, uint64_t *key, unsigned *tier);
void pt_state_run_free(pt_state_run *r);

#endif
