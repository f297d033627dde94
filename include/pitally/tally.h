/* tally.h - stage 4: counting. A pt_tally accumulates what a scan found: per-input
 * counts of records, pieces (raw and distinct), tiers and categories; per-pattern
 * counters and samples; a sharded set of piece fingerprints that tells, for each piece,
 * whether it is new within its input and new across the run, and keeps each piece's
 * most serious tier; and a set of subject hashes. Like a Redis RDB file and a
 * HyperLogLog merge, a tally can be saved, loaded and merged with another: every part
 * is a sum, a set union or a first-by-position list, so the merge of the tallies of
 * two scans is the tally one scan over both would give. The parts of a huge text file
 * split among shards are entries of their own until a merge holds them all and joins
 * them into one input; the distinct pieces within it are then the union of the sets each
 * part keeps of its own (src/tally/parts.h). The verdict is computed from a finalised
 * tally (pt_tally_finalize), never inside the scan.
 */
#ifndef PITALLY_TALLY_H
#define PITALLY_TALLY_H

#include <stdio.h>

#include "pitally/common.h"
#include "pitally/samples.h"

typedef struct {
    uint64_t raw, distinct;
} pt_count2;

typedef struct {
    uint64_t records;
    pt_count2 pieces;
    pt_count2 tiers[PT_MAX_TIERS];
    uint64_t categories[PT_MAX_CATEGORIES];   /* records containing the category */
} pt_counts;

/* Add every counter of src to dst. */
void pt_counts_add(pt_counts *dst, const pt_counts *src);

/* The two dedup sets of a tally (fpset.c; their functions are the tally's own, in
 * src/tally/sets.h): the pieces' fingerprints with each one's most serious tier, and the
 * subjects' hashes. */
typedef struct pt_fpset pt_fpset;
typedef struct pt_hashset pt_hashset;

/* One piece of a chunk as the scan commits it (pt_tally_commit). */
typedef struct {
    uint64_t fp[2];
    uint8_t tier;
    uint32_t order;       /* the caller's: the batch is reordered */
    /* results, filled by the commit */
    bool new_in_input;
    bool new_in_run;
    bool tier_raised;     /* seen before in a less serious tier: now counted in this one */
} pt_fp_item;

/* A subject's low 4 bits are the kind of identifier that decided it (pt_pattern.
 * subject_kind: the resident ID, else the mobile, ...), so the per-kind counts are a
 * function of the set itself: a merge of sets merges them, and a state file that keeps
 * the subject keys keeps them (pt_tally_subjects_by_kind). */
#ifndef PT_SUBJECT_KINDS
#define PT_SUBJECT_KINDS 16
#endif

/* ---- the case key (casekey.c): the sets hold fingerprints enciphered under it ---- */

#define PT_CASEKEY_BYTES 16
typedef struct {
    uint8_t key[PT_CASEKEY_BYTES];
    uint64_t id;   /* identifies the key without revealing it; saved in states */
} pt_casekey;

/* key NULL: the all-zero key of a scan that saves no state. */
void pt_casekey_init(pt_casekey *k, const uint8_t key[PT_CASEKEY_BYTES]);
/* The text of a key file: 32 hex digits, optional blanks and end of line. 0, or -1 + err. */
int pt_casekey_parse(pt_casekey *k, const char *text, char *err, size_t errlen);
void pt_casekey_format(const pt_casekey *k, char hex[2 * PT_CASEKEY_BYTES + 1]);
/* Wipe k (OPENSSL_cleanse: not optimised away) once its owner is done with it. */
void pt_casekey_clear(pt_casekey *k);
/* Encipher n fingerprints / subject hashes in place; scratch holds 16 * n bytes. */
void pt_casekey_pieces(const pt_casekey *k, pt_fp_item *items, size_t n, uint8_t *scratch);
void pt_casekey_subjects(const pt_casekey *k, uint64_t *hashes, size_t n, uint8_t *scratch);

/* ---- the tally of a run ---- */

/* One logical input: a file, stdin, an archive member, a sheet. */
typedef struct {
    char *path;               /* as reported: as given, dir/name, outer!/member */
    uint64_t bytes;           /* raw bytes read (compressed size for gzip) */
    const char *compression;  /* "none" | "gzip"; "-" when not read */
    const char *encoding;     /* "utf-8" | "gb18030" | "utf-16le" | "utf-16be"; "-" */
    const char *format;       /* "csv" "tsv" "delimited" "jsonl" "json" "sql" "blocks" "lines"; "-" */
    bool readable;            /* false when it could not be opened at all */
    bool skipped;             /* opened but not scanned (binary, duplicate) */
    bool container;           /* an archive, workbook or database: listed for its hashes;
                                 its members, sheets or tables are the inputs scanned */
    uint64_t declared;        /* categories declared by the examiner (--declare) */
    uint64_t order;           /* its place in the whole collection when scans are shards of
                                 it (pt_scan_set_order); 0: as it came. A merge sorts by it */
    char md5[33], sha256[65]; /* custody hashes of the raw bytes; "" when not read whole */
    uint32_t part, parts;     /* parts > 1: the entry holds part `part` (from 0) of a split
                                 input (pt_input_attrs); its bytes and hashes are the whole
                                 file's in the part that read it to its end (the last; part
                                 0 when the format could not be split), 0 and "" in the
                                 others. A merge of all the parts joins them (parts 0) */
    uint64_t text_bytes, record_bytes;   /* a part's: the text read up to its end, and of
                                 it the bytes in its records; a join judges the whole input
                                 with them (pt_input_judge) */
    uint64_t text_from;       /* a part's: where its text starts in the whole text (0 for
                                 part 0); with text_bytes, the range the reports show */
    bool text_from_known;     /* false: an empty part of a file whose format is not cut
                                 (part 0 is the whole), or a part of a version 7 state */
    struct pt_partkeys *part_keys;   /* a part's own distinct pieces (src/tally/parts.h): the
                                 join's per-input distinct counts are their union */
    pt_counts counts;         /* distinct: within this input */
    pt_errlist errors;
    struct pt_colstats *columns;   /* per-column counts, decisions and doubt (columns.h);
                                      NULL when none (plain lines, not read, a loaded state) */
} pt_input_result;

typedef struct {
    size_t n_patterns;
    pt_input_result **inputs; /* stable pointers: the scan fills them while it grows */
    size_t n_inputs, cap_inputs;
    uint64_t *pattern_matched, *pattern_rejected;   /* [n_patterns] */
    pt_samples samples;
    pt_fpset *pieces;         /* fingerprints enciphered under the case key */
    pt_hashset *subjects;     /* likewise */
    uint64_t key_id;          /* pt_casekey.id of that key; a merge needs equal ids */
    /* A tally of shards of one collection (scan --shard K/N, or a merge of such): N, a
     * digest of the collection's assignment table (every shard computes the same one), and
     * which of the N it holds (a bitmap of N bits, bit K-1 for shard K). shard_n 0: not
     * shards, a whole scan. A merge refuses shards of another N or table, and a shard
     * given twice. */
    uint32_t shard_n;
    uint64_t shard_table;
    uint8_t *shards_held;
    /* The key sets of split parts (src/tally/parts.h) are only for a state to hold: a
     * scan that saves none sets part_keys_unused and keeps none; one that saves a state
     * may give spill_open, which returns a new scratch file (read and written, owner-only,
     * or NULL: the keys then stay in memory) for each part's set, out of the memory budget. */
    bool part_keys_unused;
    FILE *(*spill_open)(void *ctx);
    void *spill_ctx;
    /* a streamed merge (pt_tally_merge_files) leaves the sets on disk and keeps their
     * counts: distinct pieces by most serious tier, and subjects */
    bool sets_on_disk;
    uint64_t streamed_distinct[PT_MAX_TIERS], streamed_subjects;
    uint64_t streamed_subjects_by[PT_SUBJECT_KINDS];
    /* and, when it was given a baseline, what pt_tally_compare counts from the sets */
    uint64_t streamed_new[PT_MAX_TIERS], streamed_raised[PT_MAX_TIERS], streamed_subjects_new;
} pt_tally;

/* The judgments made on a whole input once its records are counted ("never silent"):
 * no record in bytes read, or records covering less than half of its text_bytes of text
 * (record_bytes of it in records). The scan makes them at an input's end, a merge on the
 * join of a split input's parts (a part makes none). */
void pt_input_judge(pt_input_result *res, uint64_t text_bytes, uint64_t record_bytes);

pt_tally *pt_tally_new(size_t n_patterns);
void pt_tally_free(pt_tally *t);
/* A new input at the end; its strings are "-" until set. */
pt_input_result *pt_tally_add_input(pt_tally *t, const char *path);
/* Commit one batch of pieces of input number input, whose result is in (batches in
 * input order): dedup against the run, the per-input distinct counts into local, then
 * local into in->counts. items are reordered (their order field says where they were).
 * The input is passed by pointer: the inputs array may grow meanwhile. */
void pt_tally_commit(pt_tally *t, uint32_t input, pt_input_result *in, pt_counts *local,
                     pt_fp_item *items, size_t n_items, uint64_t *subjects, size_t n_subjects);
/* Append src's inputs, counters and samples to dst and union the sets; src is emptied
 * (and may then be freed). Inputs are then in order of their order field (stable: equal
 * ones keep their place; the parts of a split input by part number), which puts the
 * inputs of shards back in the order of one scan; a split input whose parts are all there
 * is joined into one (docs/shards.md).
 * Fails (-1, err) when the pattern counts or the case keys differ. */
int pt_tally_merge(pt_tally *dst, pt_tally *src, char *err, size_t errlen);
/* The same for n tallies at once, with one sort of the inputs; on failure *bad is the
 * index of the tally refused and dst is unchanged. */
int pt_tally_merge_all(pt_tally *dst, pt_tally *const *srcs, size_t n, size_t *bad, char *err,
                       size_t errlen);
/* Distinct subjects by the kind of identifier that decided them (the low 4 bits of each
 * key; kind 0: none, e.g. keys of a state saved before kinds existed). Sums to the size
 * of the subject set. */
void pt_tally_subjects_by_kind(const pt_tally *t, uint64_t by_kind[PT_SUBJECT_KINDS]);

/* Mark t as shard k of n of the collection whose assignment table has this digest. */
void pt_tally_set_shard(pt_tally *t, uint32_t k, uint32_t n, uint64_t table);
/* The shards of t's collection t does not hold, as text ("3, 5-7"), into buf; returns how
 * many are missing (0: all, or t is not of shards). */
uint32_t pt_tally_shards_missing(const pt_tally *t, char *buf, size_t len);

/* The distinct pieces by their most serious tier, and the distinct subjects: from the
 * sets, or from a streamed merge's counts. */
void pt_tally_set_counts(const pt_tally *t, uint64_t distinct[PT_MAX_TIERS], uint64_t *subjects);

/* What is new in a tally since a baseline (baseline.c), for nightly jobs. Inputs are
 * matched by path as reported: new (not in the baseline), changed (other SHA-256),
 * gone (in the baseline only), unchanged (same SHA-256), unhashed (the path is in both,
 * but one of them has no SHA-256: not read whole, unreadable; neither claimed changed nor
 * unchanged). Pieces of the tally not in the baseline's set count as new in their tier;
 * those in it but now in a more serious tier count as raised in their new tier. Both
 * sets must be enciphered under the same case key (equal key_id), or nothing matches. */
typedef enum {
    PT_BASE_NEW, PT_BASE_CHANGED, PT_BASE_GONE, PT_BASE_UNCHANGED, PT_BASE_UNHASHED,
    PT_BASE_KINDS
} pt_base_kind;

typedef struct {
    uint64_t inputs[PT_BASE_KINDS];
    char **paths[PT_BASE_KINDS];   /* the paths of each kind (malloc'd copies): those of the
                                      tally in its order, gone ones in the baseline's order;
                                      unchanged ones are only counted (NULL) */
    uint64_t pieces_new[PT_MAX_TIERS];
    uint64_t pieces_raised[PT_MAX_TIERS];
    uint64_t subjects_new;         /* subjects of the tally not in the baseline */
} pt_baseline_diff;

/* Compare now with base (neither changes). Returns 0, or -1 with err when the case keys
 * or the pattern counts differ. */
int pt_tally_compare(const pt_tally *now, const pt_tally *base, pt_baseline_diff *out, char *err,
                     size_t errlen);
void pt_baseline_diff_free(pt_baseline_diff *d);

/* The state file: a versioned, checksummed binary copy of a tally ("PTSTATE", version
 * PT_STATE_VERSION). rules_digest identifies the patterns and policy in force: a load
 * with another digest is refused, as is a corrupt, truncated or other-version file.
 * Return 0, or -1 with err. */
#define PT_STATE_VERSION 8
int pt_tally_save(const pt_tally *t, uint64_t rules_digest, FILE *f, char *err, size_t errlen);
/* The same with an evidence section (scan --state --evidence): the bytes of section, from
 * its start to its end, carried as they are (src/report/evmerge.c reads them). */
int pt_tally_save_section(const pt_tally *t, uint64_t rules_digest, FILE *section, FILE *f,
                          char *err, size_t errlen);

/* What the evidence merge (src/report/evmerge.c) needs from the streamed merge of the
 * sets, without the tally knowing what evidence is. */
typedef struct {
    uint8_t shard;
    uint64_t key;          /* a piece as the sets hold it (shard, key) */
    int tier;              /* out: its tier in the union, -1 when absent */
} pt_tier_probe;

typedef struct {
    uint64_t at, len;      /* the file's evidence section: offset and bytes; len 0: none */
    const uint32_t *input; /* the merged index of each of the file's inputs */
    size_t n_inputs;
} pt_state_section;

typedef struct {
    void *ctx;
    /* After the heads are merged (all: the merged tally, its sets not read yet): the
     * sections of the k files. It may set probes (sorted by shard, then key) whose tiers
     * the pass over the sets fills. 0, or -1 with *bad and err to refuse a file. */
    int (*heads)(void *ctx, const pt_tally *all, FILE *const *files,
                 const pt_state_section *sections, size_t k, size_t *bad, char *err,
                 size_t errlen);
    /* After the sets: *section (NULL: none) is the merged state's evidence section. */
    int (*sets)(void *ctx, const pt_tally *all, FILE **section, size_t *bad, char *err,
                size_t errlen);
    pt_tier_probe *probes;
    size_t n_probes;
} pt_merge_hooks;

pt_tally *pt_tally_load(FILE *f, uint64_t rules_digest, char *err, size_t errlen);
/* Merge k state files (seekable) in one pass and bounded memory (statemerge.c): *result
 * is their tally with the sets left on disk (sets_on_disk, their counts kept), and out,
 * when not NULL, receives the merged state. With a baseline tally base (its sets in
 * memory, the same case key), the pieces and subjects new since it are counted on the
 * way, for pt_tally_compare(*result, base). Returns 0; -1 when files[*bad_file] is
 * refused (err says why: corrupt, other rules, other case key...); -2 when out could not
 * be written. */
int pt_tally_merge_files(FILE *const *files, size_t k, uint64_t rules_digest,
                         const pt_tally *base, FILE *out, pt_tally **result, size_t *bad_file,
                         char *err, size_t errlen);
/* The same, with the evidence merge's hooks (NULL: none). */
int pt_tally_merge_files_ev(FILE *const *files, size_t k, uint64_t rules_digest,
                            const pt_tally *base, pt_merge_hooks *hooks, FILE *out,
                            pt_tally **result, size_t *bad_file, char *err, size_t errlen);

#endif
