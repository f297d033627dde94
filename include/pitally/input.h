/* input.h - stage 1: bytes in. Reads the raw bytes of one logical input through a
 * pt_raw_input that the program opened (the library never opens files: see
 * pitally/fileio.h for files and stdin), inflates gzip (detected by its magic bytes,
 * every member of a multi-member file), detects the text encoding and decodes it to
 * UTF-8. What comes out of pt_source_read is always valid UTF-8 with no
 * BOM; damage on the way (a truncated gzip member, invalid byte sequences) is appended
 * to the caller's error list with its offset and never stops the stream early unless
 * nothing more can be read.
 *
 * One pt_source is used by one thread (the pipeline's reader) at a time.
 */
#ifndef PITALLY_INPUT_H
#define PITALLY_INPUT_H

#include <sys/types.h>

#include "pitally/common.h"

typedef enum { PT_COMP_NONE = 0, PT_COMP_GZIP } pt_compression;

typedef enum {
    PT_ENC_AUTO = 0,
    PT_ENC_UTF8,
    PT_ENC_GB18030,
    PT_ENC_UTF16LE,
    PT_ENC_UTF16BE
} pt_encoding;

const char *pt_compression_name(pt_compression c);     /* "none", "gzip" */
const char *pt_encoding_name(pt_encoding e);           /* "utf-8", "gb18030", "utf-16le", "utf-16be" */
/* Parse a --encoding argument ("auto", "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312",
 * "utf-16le", "utf-16be"). Returns 0, or -1 when unknown. */
int pt_encoding_parse(const char *s, pt_encoding *out);

typedef struct pt_source pt_source;

/* Limits and choices of one pt_source. Start from pt_source_options_default.
 *
 * Decompression bombs: a gzip input stops with an error of kind "gzip_bomb" (offset =
 * compressed bytes consumed) when its decompressed output passes max_output bytes, or
 * when, past the first ratio_after bytes of output, output exceeds max_ratio times the
 * compressed bytes consumed so far. Everything inflated before still counts, and memory
 * stays bounded either way. 0 disables a limit. The defaults:
 *   max_ratio 200   real dumps (CSV, SQL, JSON Lines, logs) inflate 3-30x and very
 *                   repetitive ones rarely 100x, while one deflate layer of constant bytes
 *                   reaches its ceiling of about 1030x: 200 sits between the two.
 *   ratio_after 64 MiB  small, very compressible files (a header and a few rows) are
 *                   never judged by ratio; a bomb is caught after 64 MiB of output.
 *   max_output 1 TiB    larger than any single dump file met so far; a hostile stream
 *                   is still bounded in time.
 * Binary inputs (a known image/archive/executable magic number, or more than 5% control
 * characters in the first 64 KiB) give one error of kind "binary" and are skipped (read
 * returns 0 at once) unless scan_binary is set. */
typedef struct {
    pt_encoding encoding;   /* PT_ENC_AUTO: detect */
    uint64_t max_output;    /* decompressed bytes of one gzip input; 0: no limit */
    uint64_t max_ratio;     /* decompressed per compressed byte; 0: no limit */
    uint64_t ratio_after;   /* output bytes before the ratio is checked */
    bool scan_binary;       /* read binary inputs as text anyway */
} pt_source_options;

#define PT_GZIP_MAX_OUTPUT_DEFAULT (1ULL << 40)
#define PT_GZIP_MAX_RATIO_DEFAULT 200u
#define PT_GZIP_RATIO_AFTER_DEFAULT (64ULL << 20)

void pt_source_options_default(pt_source_options *o);

/* The raw bytes of one logical input: a file, stdin, an archive member, a buffer.
 * read returns the bytes read, 0 at the end, -1 on an error (errno set); close (may be
 * NULL) is called once by pt_source_close, or by pt_source_open_raw when it fails. */
typedef struct {
    ssize_t (*read)(void *ctx, void *buf, size_t cap);
    void (*close)(void *ctx);
    void *ctx;
    uint64_t size;          /* when known (a regular file), else 0 */
} pt_raw_input;

/* Custody hashes of a byte stream: MD5 and SHA-256, as md5sum and sha256sum print
 * them (lower-case hex). */
typedef struct pt_digest pt_digest;
pt_digest *pt_digest_new(void);
void pt_digest_update(pt_digest *d, const void *p, size_t n);
void pt_digest_final(pt_digest *d, char md5_hex[33], char sha256_hex[65]);
void pt_digest_free(pt_digest *d);
/* Start again, as new (after pt_digest_final): one digest serves many short messages. */
void pt_digest_reset(pt_digest *d);
/* Which of libcrypto's code paths hash here, in words for the run record: SHA-256 with
 * the CPU's SHA extensions (SHA-NI) or without, MD5 in assembly. */
const char *pt_digest_path(void);

/* A buffer in memory as a raw input; m holds the position and must outlive it. */
typedef struct {
    const uint8_t *data;
    size_t len, pos;
} pt_memory_input;
pt_raw_input pt_raw_memory(pt_memory_input *m, const void *data, size_t len);

/* Open a source over raw bytes (o == NULL: the defaults). The encoding is detected
 * from the first decompressed bytes unless o->encoding forces one (BOM; UTF-16 by BOM
 * or NUL pattern; UTF-8 validity; GB18030). Returns NULL, after one "read" error in
 * errs, when not a single byte could be read. */
pt_source *pt_source_open_raw(const pt_raw_input *raw, const pt_source_options *o,
                              pt_errlist *errs);
/* True when the input was found binary and skipped (its "binary" error is in errs). */
bool pt_source_skipped(const pt_source *s);

/* Read up to cap (>= 16) bytes of decoded UTF-8. Returns the number of bytes, 0 at
 * the end. Never cuts a UTF-8 sequence in two. Problems go to the errs given at open:
 *   "gzip"     corrupt or truncated stream; offset = compressed bytes consumed before it
 *   "gzip_bomb" a decompression limit was hit (see pt_source_options); same offset
 *   "encoding" invalid sequences, replaced by U+FFFD; one error per input, giving the
 *              count and the offset (in decompressed bytes) of the first one
 *   "read"     an I/O error; offset = bytes read before it */
size_t pt_source_read(pt_source *s, char *buf, size_t cap);

pt_compression pt_source_compression(const pt_source *s);
pt_encoding pt_source_encoding(const pt_source *s);
/* The custody hashes of the whole raw input: what was not read yet (after a
 * decompression limit, or of a binary input that was skipped) is read now, for the
 * hash only. Returns false, with no hash, when the raw input could not be read to its
 * end (an I/O error, recorded). */
bool pt_source_digests(pt_source *s, char md5_hex[33], char sha256_hex[65]);
/* Hash no more of what is read: the caller will not ask for the hashes (a part of a split
 * input that ends before the file does; its reader still reads the text before it).
 * pt_source_digests then returns false. */
void pt_source_stop_digests(pt_source *s);
/* The text is all read and was the raw bytes unchanged (plain UTF-8, no BOM, nothing
 * replaced): whoever kept the text may hash it instead (pt_source_stop_digests). */
bool pt_source_text_is_raw(const pt_source *s);

/* Raw bytes consumed so far (compressed bytes for gzip): the input's "bytes" in the
 * report once the source is exhausted, and the progress numerator. */
uint64_t pt_source_bytes_in(const pt_source *s);
/* The raw input's size when known, else 0. */
uint64_t pt_source_size(const pt_source *s);
void pt_source_close(pt_source *s);

#endif
