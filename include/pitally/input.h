/* input.h - stage 1: bytes in. Opens a file or stdin, inflates gzip (detected by its
 * magic bytes, every member of a multi-member file), detects the text encoding and
 * decodes it to UTF-8. What comes out of pt_source_read is always valid UTF-8 with no
 * BOM; damage on the way (a truncated gzip member, invalid byte sequences) is appended
 * to the caller's error list with its offset and never stops the stream early unless
 * nothing more can be read.
 *
 * One pt_source is used by one thread (the pipeline's reader) at a time.
 */
#ifndef PITALLY_INPUT_H
#define PITALLY_INPUT_H

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

/* Open path ("-" is stdin). forced == PT_ENC_AUTO detects the encoding from the first
 * decompressed bytes (BOM; UTF-16 by BOM or NUL pattern; UTF-8 validity; GB18030).
 * On failure returns NULL and appends one error of kind "open" (or "read") to errs. */
pt_source *pt_source_open(const char *path, pt_encoding forced, pt_errlist *errs);

/* Read up to cap (>= 16) bytes of decoded UTF-8. Returns the number of bytes, 0 at
 * the end. Never cuts a UTF-8 sequence in two. Problems go to the errs given at open:
 *   "gzip"     corrupt or truncated stream; offset = compressed bytes consumed before it
 *   "encoding" invalid sequences, replaced by U+FFFD; one error per input, giving the
 *              count and the offset (in decompressed bytes) of the first one
 *   "read"     an I/O error; offset = bytes read before it */
size_t pt_source_read(pt_source *s, char *buf, size_t cap);

pt_compression pt_source_compression(const pt_source *s);
pt_encoding pt_source_encoding(const pt_source *s);
/* Bytes of the file itself consumed so far (compressed bytes for gzip): the input's
 * "bytes" in the report once the source is exhausted, and the progress numerator. */
uint64_t pt_source_bytes_in(const pt_source *s);
/* Size of the file when known (regular files), else 0. */
uint64_t pt_source_size(const pt_source *s);
void pt_source_close(pt_source *s);

#endif
