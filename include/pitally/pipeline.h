/* pipeline.h - the scan engine. The program hands it logical inputs one after another
 * (pt_scan_input: the raw bytes of a file, an archive member, a buffer); the calling
 * thread reads, inflates, decodes and cuts each one into chunks at record boundaries,
 * N worker threads classify the chunks, and each chunk's results are committed to the
 * tally in the order the chunks were cut. There is no barrier between inputs: the
 * next input is read while the workers finish the last one. Because commits are in
 * input order, the tally, the samples and the pieces a piece sink sees are the same for
 * any thread count. The engine opens no file and prints nothing: what to scan is the
 * program's choice (pitally/fileio.h), what to say about it is the sinks' (report.h).
 */
#ifndef PITALLY_PIPELINE_H
#define PITALLY_PIPELINE_H

#include "pitally/classify.h"
#include "pitally/input.h"
#include "pitally/records.h"
#include "pitally/tally.h"

typedef enum { PT_PROGRESS_AUTO = 0, PT_PROGRESS_ALWAYS, PT_PROGRESS_NEVER } pt_progress_mode;

/* One counted piece, as committed: in input order, then record order. Pointers are
 * valid during the call only. */
typedef struct {
    uint32_t input;          /* index in the tally */
    const char *input_name;  /* its path as reported */
    uint64_t offset;         /* of the record, in the input's decoded text */
    uint64_t line;           /* of the record's first byte in the decoded text, from 1 */
    uint64_t categories;     /* detected and declared */
    int tier;                /* most serious tier of those categories (policy) */
    uint64_t fp[2];          /* fingerprint of its personal-information content */
    bool new_in_input, new_in_run;
    bool tier_raised;        /* seen before in a less serious tier; counted in this one now */
    const pt_match *matches; /* the values accepted in the record (none when the sink's
                                prepare said they were not needed) */
    size_t n_matches;
    const char *prepared;    /* what the sink's prepare wrote for this piece, or NULL;
                                valid until the sink's end_batch returns */
    size_t prepared_len;
} pt_piece_event;

/* A growing byte buffer a sink's prepare appends to. */
typedef struct {
    char *p;
    size_t len, cap;
} pt_piece_bytes;

/* A value a pattern matched and did not accept (masked copy, failed validator), among
 * the first PT_REJECTS_PER_PATTERN of its pattern in each chunk. Pointers are valid
 * during the call only. */
typedef struct {
    uint32_t input;
    const char *input_name;
    uint64_t offset, line;   /* of its record, as for pieces */
    uint32_t pattern;
    const char *value;       /* as found, cut to PT_SAMPLE_VALUE_MAX - 1 bytes at a character */
    uint8_t reason;          /* PT_REJECT_MASKED or PT_REJECT_VALIDATOR */
} pt_rejected_event;

/* Receives every piece in order (evidence lists). piece is called from one thread at a
 * time, at the commit. prepare (optional) is called by the workers, in parallel, for
 * every piece as it is classified, before it is known to be new, with the event's line,
 * new_in_* and tier_raised not yet filled; it may append to out what it wants back
 * at the commit (in prepared, prepared_len: the costly per-piece work, done by the
 * workers), and returns whether piece needs the matches too (they are then copied
 * into the chunk until the commit). It must not change ctx. end_batch lets a sink
 * that held on to prepared bytes (to write them without a copy) be done with them. */
typedef struct {
    void *ctx;
    void (*piece)(void *ctx, const pt_piece_event *e);
    bool (*prepare)(const void *ctx, const pt_piece_event *e, pt_piece_bytes *out);
    void (*end_batch)(void *ctx);   /* optional: after the pieces of one commit */
} pt_piece_sink;

typedef struct {
    unsigned threads;           /* workers, >= 1 */
    pt_source_options source;   /* encoding (AUTO: detect), decompression limits, binary
                                   inputs; start from pt_source_options_default */
    pt_dialect dialect;         /* format AUTO / delim_len 0 to detect */
    pt_header_mode header;
    pt_progress_mode progress;  /* for the program's progress display */
    size_t chunk_size;          /* target bytes per chunk; 0: default */
    size_t max_record;          /* record cap in bytes; 0: default 16 MiB */
    pt_case_facts facts;
    const pt_piece_sink *pieces;   /* NULL: none */
    const pt_casekey *case_key; /* the sets' fingerprints are enciphered under it; NULL:
                                   the all-zero key (a tally that is not saved) */
} pt_scan_options;

/* Per-input attributes the program knows and the data does not say. */
typedef struct {
    uint64_t declared;          /* category mask declared by the examiner */
    pt_format format;           /* PT_FMT_AUTO: as the scan's dialect says; else this input's
                                   format, not detected (a spreadsheet sheet produced as CSV) */
    const char *format_name;    /* NULL, or the format reported for this input instead of the
                                   dialect's ("xlsx"); a string that outlives the tally */
    pt_encoding encoding;       /* PT_ENC_AUTO: as the scan's source options say; else this
                                   input's encoding (a sheet produced as UTF-8) */
    pt_errlist *errors;         /* NULL, or problems the program meets while this input is
                                   read (raw's read callback may add to it): moved into the
                                   input's errors when pt_scan_input returns */
    /* parts > 1: scan only part `part` (from 0) of this input's text (scan --shard,
     * docs/shards.md). Part p covers the text from the first record boundary at or after
     * p * part_size / parts to the first at or after (p + 1) * part_size / parts (the last
     * part: to the end), the header and layout taken from the input's head as a whole
     * scan takes them; lines and offsets are the whole text's. */
    uint32_t part, parts;
    uint64_t part_size;         /* what the nominal cut points divide: the file's size */
} pt_input_attrs;

typedef struct pt_scan pt_scan;

/* Start the workers. Results go to tally t (which may already hold inputs, whose sets
 * must be under the same case key); t takes the key's id. */
pt_scan *pt_scan_start(const pt_scan_options *o, const pt_patterns *ps, const pt_policy *pol,
                       pt_tally *t);
/* Scan one logical input named name, reading raw on the calling thread; raw is closed.
 * Returns once every chunk is handed out (some may still be in the workers). Returns
 * whether any byte could be read. attrs may be NULL. */
bool pt_scan_input(pt_scan *s, const char *name, const pt_raw_input *raw,
                   const pt_input_attrs *attrs);
/* List a container (archive, workbook, database) whose members were handed in as
 * inputs of their own: its size and custody hashes, for the record. */
void pt_scan_container(pt_scan *s, const char *name, uint64_t bytes, const char *md5_hex,
                       const char *sha256_hex);
/* List an input that was not read, with the reasons (moved out of errors). */
void pt_scan_unread(pt_scan *s, const char *name, pt_errlist *errors);
/* Wait for the workers and stop them; frees s. The tally then holds every input. */
void pt_scan_finish(pt_scan *s);
/* The inputs handed in from now on (scanned, listed as containers or unread) take this
 * order: their place in the whole collection when this scan is one shard of it, so that
 * a merge lists them as one scan would (pt_tally_merge). 0, the default: as they come. */
void pt_scan_set_order(pt_scan *s, uint64_t order);
/* This scan is shard k of n of a collection whose assignment table has this digest
 * (pt_tally_set_shard): a merge then checks that its shards fit together. */
void pt_scan_set_shard(pt_scan *s, uint32_t k, uint32_t n, uint64_t table);
/* fn (NULL: none) is called on the reading thread after each chunk is cut, with the
 * raw bytes read of the current input and the records committed so far. */
void pt_scan_set_progress(pt_scan *s, void (*fn)(void *ctx, uint64_t input_bytes_in,
                                                 uint64_t records_done), void *ctx);
/* fn (NULL: none) gets the first rejected values of each pattern of every chunk, in
 * commit order, from one thread at a time (rejected.csv). Set before the first input. */
void pt_scan_set_rejects(pt_scan *s, void (*fn)(void *ctx, const pt_rejected_event *e),
                         void *ctx);
/* The options the scan was started with. */
const pt_scan_options *pt_scan_get_options(const pt_scan *s);
/* Records committed so far (any thread). */
uint64_t pt_scan_records_done(const pt_scan *s);

#endif
