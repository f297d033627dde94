/* input_internal.h - private interfaces of stage 1 (src/input/): the inflater that
 * turns gzip members into bytes, and the decoders that turn bytes of one encoding into
 * valid UTF-8. source.c glues them together behind include/pitally/input.h.
 *
 * The inflater has two backends with the same init/feed/reset/end contract: zlib
 * (inflate_zlib.c, always there) and ISA-L's igzip (inflate_isal.c, several times
 * faster, built in when libisal-dev is installed). source.c picks one per gzip input.
 */
#ifndef PITALLY_INPUT_INTERNAL_H
#define PITALLY_INPUT_INTERNAL_H

#include "pitally/input.h"

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* ---- inflater: one gzip member at a time ---- */

typedef enum {
    PT_INF_MORE,  /* progress made (or none possible): give more input or more room */
    PT_INF_END,   /* the member ended (trailer checked); reset before the next member */
    PT_INF_ERROR  /* corrupt data; the member cannot continue */
} pt_inflate_status;

typedef struct {
    z_stream zs;
    bool ready;
} pt_inflater;

/* Returns 0, or -1 when the backend cannot start (out of memory). */
int pt_input_inflater_init(pt_inflater *inf);
/* Inflate from in[0..in_len) into out[0..out_cap). *in_used and *out_made say how much
 * was consumed and produced; on PT_INF_ERROR *why names the problem. */
pt_inflate_status pt_input_inflater_feed(pt_inflater *inf, const uint8_t *in, size_t in_len,
                                         size_t *in_used, uint8_t *out, size_t out_cap,
                                         size_t *out_made, const char **why);
/* Forget the finished member; the next feed starts a new gzip header. */
void pt_input_inflater_reset(pt_inflater *inf);
void pt_input_inflater_end(pt_inflater *inf);

/* The ISA-L backend: the same contract as the zlib functions above. */
typedef struct pt_isal_inflater pt_isal_inflater;
/* A new ISA-L inflater, or NULL when zlib must do the work: built without ISA-L,
 * PITALLY_INFLATE=zlib in the environment, or out of memory. */
pt_isal_inflater *pt_input_isal_open(void);
pt_inflate_status pt_input_isal_feed(pt_isal_inflater *inf, const uint8_t *in, size_t in_len,
                                     size_t *in_used, uint8_t *out, size_t out_cap,
                                     size_t *out_made, const char **why);
void pt_input_isal_reset(pt_isal_inflater *inf);
void pt_input_isal_close(pt_isal_inflater *inf); /* NULL is fine */
/* The backend a gzip input opened now would get: "isa-l" or "zlib". */
const char *pt_input_inflate_backend(void);

/* ---- decoders: bytes of one encoding -> valid UTF-8 ---- */

/* Replaced sequences of one input: how many, and the decompressed-byte offset of the first. */
typedef struct {
    uint64_t count;
    uint64_t first;
} pt_badseq;

/* One decoding step. The decoder reads in[0..in_len) (in_offset is the decompressed-byte
 * offset of in[0]) and writes whole UTF-8 sequences only into out[0..out_cap). It stops
 * when the input is used up, when fewer than 4 bytes of room are left, or when the input
 * ends inside a sequence and at_eof is false (the caller brings more bytes). With at_eof
 * true everything is consumed as long as there is room. */
typedef struct {
    const uint8_t *in;
    size_t in_len;
    uint64_t in_offset;
    bool at_eof;
    uint8_t *out;
    size_t out_cap;
    size_t in_used;   /* set by the decoder */
    size_t out_made;  /* set by the decoder */
    pt_badseq *bad;
    /* UTF-8 only: in[0..vouched) is known to be complete valid UTF-8 sequences (the
     * encoding guess checked them), so it is copied without a second check. 0 is safe. */
    size_t vouched;
} pt_decode_step;

void pt_input_decode_utf8(pt_decode_step *st);
void pt_input_decode_utf16(pt_decode_step *st, bool big_endian);
void pt_input_decode_iconv(pt_decode_step *st, iconv_t cd);

/* Why a UTF-8 scan stopped before the end of its input. */
typedef enum { PT_U8_ALL = 0, PT_U8_INVALID, PT_U8_CUT } pt_utf8_stop;

/* Length of the longest prefix of p[0..n) made of complete valid UTF-8 sequences.
 * *stop says why it ended: all of p is valid, an invalid sequence starts there, or a
 * sequence that is valid so far runs past n. */
size_t pt_input_utf8_valid_prefix(const uint8_t *p, size_t n, pt_utf8_stop *stop);

/* Guess the encoding of the first decompressed bytes p[0..n) (BOM, UTF-16 NUL pattern,
 * UTF-8 validity, GB18030 structure). Never returns PT_ENC_AUTO. */
pt_encoding pt_input_sniff_encoding(const uint8_t *p, size_t n);
/* The same guess; *utf8_valid is the length of a prefix of p it found to be complete
 * valid UTF-8 sequences (0 when it did not look), for pt_decode_step.vouched. For a
 * small clean UTF-8 file that is nearly all of it: its one UTF-8 check. */
pt_encoding pt_input_sniff_encoding_vouched(const uint8_t *p, size_t n, size_t *utf8_valid);
/* Length of the byte-order mark of encoding e at the start of p[0..n), or 0. */
size_t pt_input_bom_length(pt_encoding e, const uint8_t *p, size_t n);

#endif
