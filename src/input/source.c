/* source.c - stage 1: a pt_source reads the raw bytes of one logical input through the
 * pt_raw_input the program opened (a file, stdin, an archive member, memory) with large
 * reads, inflates gzip members (found by magic bytes) and decodes the text to UTF-8; see
 * include/pitally/input.h for the contract. It never opens a file itself.
 *
 * Data path:  raw --read--> [zin] --inflate--> [pending] --decode--> caller's buffer
 * For plain files the read goes straight into [pending] (no zin). For plain UTF-8, the
 * sniffed prefix was checked by the encoding guess, which says how far it is valid: the
 * decoder copies that far unchecked (a small file is checked once, not twice). Once it
 * is drained, read(2) goes straight into the caller's buffer and the bytes are only
 * validated in place: the one per-byte cost of the fast path. Anything that is not valid
 * (rare) is moved back into [pending] for the replacing decoder.
 *
 * Custody hashes are of the raw bytes as read. Those of the first reads are held back
 * (hash_unless_whole): when they are the whole plain input and its text unchanged
 * (pt_source_text_is_raw), the caller may hash the text it kept instead, on another
 * thread, and stop the source's digests; else pt_source_digests hashes them.
 *
 * Memory is bounded: two 256 KiB buffers, zlib's window and iconv's state, whatever the
 * size of the input.
 */
#include "input_internal.h"
#include "binary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (256u * 1024)   /* one read(2) of compressed input */
#define PENDING_CAP (256u * 1024)  /* decompressed bytes waiting for the decoder */
#define SNIFF_BYTES (64u * 1024)   /* what the encoding guess looks at */
#define MIN_ROOM 4                 /* one UTF-8 sequence always fits */

struct pt_source {
    pt_raw_input raw;
    pt_digest *digest;   /* of every raw byte read; NULL once stopped (pt_source_stop_digests) */
    bool hold;           /* the raw bytes read are not hashed yet: all of them are still in
                            pending[0, len) or zin[0, zlen) (see hash_held) */
    pt_errlist *errs;
    pt_errlist own_errs; /* used when the caller passed no list */
    pt_source_options opt;
    bool skipped;        /* binary input, not read */
    pt_compression comp;
    pt_encoding enc;
    size_t bom;          /* bytes of BOM stepped over */
    uint64_t size;
    uint64_t bytes_in;   /* bytes read from the file */
    bool raw_eof;        /* read(2) said end of file (or failed) */
    bool read_failed;

    /* decompressed bytes waiting to be decoded: pending[pos..len) */
    uint8_t *pending;
    size_t pos, len;
    uint64_t pending_offset; /* decompressed-byte offset of pending[pos] */
    bool pending_eof;        /* no more decompressed bytes will come */
    size_t vouched;          /* pending[pos..pos+vouched) checked as UTF-8 by the guess */

    /* gzip only: compressed bytes zin[zpos..zlen) */
    uint8_t *zin;
    size_t zpos, zlen;
    pt_inflater inflater;     /* zlib, used when isal is NULL */
    pt_isal_inflater *isal;   /* ISA-L, when built in and not PITALLY_INFLATE=zlib */
    bool in_member;
    uint64_t members;
    uint64_t inflated;   /* decompressed bytes so far, for the bomb limits */

    iconv_t gb_cd;
    bool has_gb_cd;
    pt_badseq bad;
    bool finished;
};

/* ---- reading the file ---- */

/* One read(2), retried on EINTR. Returns the byte count; 0 at the end or after an error,
 * which is recorded as a "read" error with the offset reached. */
static size_t read_raw(pt_source *s, uint8_t *buf, size_t want)
{
    if (s->raw_eof || want == 0) return 0;
    for (;;) {
        ssize_t n = s->raw.read(s->raw.ctx, buf, want);
        if (n > 0) {
            s->bytes_in += (uint64_t)n;
            if (s->digest && !s->hold) pt_digest_update(s->digest, buf, (size_t)n);
            return (size_t)n;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            pt_errlist_add(s->errs, "read", s->bytes_in, "%s", strerror(errno));
            s->read_failed = true;
        }
        s->raw_eof = true;
        return 0;
    }
}

static size_t pending_bytes(const pt_source *s)
{
    return s->len - s->pos;
}

static void compact_pending(pt_source *s)
{
    if (s->pos == 0) return;
    memmove(s->pending, s->pending + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = 0;
}

static void read_more_plain(pt_source *s)
{
    s->len += read_raw(s, s->pending + s->len, PENDING_CAP - s->len);
    if (s->raw_eof) s->pending_eof = true;
}

/* ---- gzip ---- */

/* Offset in the compressed file of the next byte the inflater will see. */
static uint64_t compressed_offset(const pt_source *s)
{
    return s->bytes_in - (uint64_t)(s->zlen - s->zpos);
}

/* Records a "gzip" error at the current compressed offset and ends the stream there:
 * everything inflated before stays pending and is still delivered. */
static void gzip_fail(pt_source *s, const char *what, const char *detail)
{
    pt_errlist_add(s->errs, "gzip", compressed_offset(s), "%s%s%s", what,
                   detail ? ": " : "", detail ? detail : "");
    s->pending_eof = true;
}

/* The backend switch: ISA-L when pt_input_isal_open gave one, zlib otherwise. */
static pt_inflate_status feed_inflater(pt_source *s, size_t *used, size_t *made,
                                       const char **why)
{
    const uint8_t *in = s->zin + s->zpos;
    size_t in_len = s->zlen - s->zpos;
    uint8_t *out = s->pending + s->len;
    size_t out_cap = PENDING_CAP - s->len;
    if (s->isal) return pt_input_isal_feed(s->isal, in, in_len, used, out, out_cap, made, why);
    return pt_input_inflater_feed(&s->inflater, in, in_len, used, out, out_cap, made, why);
}

static void reset_inflater(pt_source *s)
{
    if (s->isal) pt_input_isal_reset(s->isal);
    else pt_input_inflater_reset(&s->inflater);
}

/* The decompression bomb limits of pt_source_options, checked after every inflate
 * step: true (and the stream ends, keeping what came out) when one is passed. */
static bool bomb_limit_hit(pt_source *s, size_t made)
{
    const pt_source_options *o = &s->opt;
    s->inflated += made;
    uint64_t in = compressed_offset(s);
    bool too_big = o->max_output && s->inflated > o->max_output;
    bool too_dense = o->max_ratio && s->inflated > o->ratio_after && in > 0 &&
                     s->inflated / in >= o->max_ratio;
    if (!too_big && !too_dense) return false;
    pt_errlist_add(s->errs, "gzip_bomb", in,
                   "decompression stopped after %llu bytes from %llu compressed bytes: %s",
                   (unsigned long long)s->inflated, (unsigned long long)in,
                   too_big ? "output limit passed" : "expansion ratio limit passed");
    s->pending_eof = true;
    return true;
}

/* Keep the unread compressed bytes and read more after them (at a member boundary the
 * two magic bytes may straddle two reads). */
static void top_up_zin(pt_source *s)
{
    memmove(s->zin, s->zin + s->zpos, s->zlen - s->zpos);
    s->zlen -= s->zpos;
    s->zpos = 0;
    s->zlen += read_raw(s, s->zin + s->zlen, READ_CHUNK - s->zlen);
}

/* Between members: another member must start with 1f 8b, anything else is garbage. */
static bool start_member(pt_source *s)
{
    size_t avail = s->zlen - s->zpos;
    if (avail < 2 && !s->raw_eof) {
        top_up_zin(s);
        return true; /* look again with more bytes */
    }
    if (avail >= 2 && s->zin[s->zpos] == 0x1f && s->zin[s->zpos + 1] == 0x8b) {
        if (s->members++ > 0) reset_inflater(s);
        s->in_member = true;
        return true;
    }
    gzip_fail(s, "trailing garbage after gzip member", NULL);
    return false;
}

static void end_of_compressed_input(pt_source *s)
{
    if (s->in_member && !s->read_failed)
        gzip_fail(s, "truncated gzip stream (unexpected end of file)", NULL);
    s->pending_eof = true;
}

/* Inflate into the free end of pending until it is full, the input ends, or some output
 * exists and more would need another (possibly blocking) read. */
static void inflate_more(pt_source *s)
{
    size_t produced = 0;
    while (!s->pending_eof && s->len < PENDING_CAP) {
        if (s->zpos == s->zlen) {
            if (s->raw_eof) {
                end_of_compressed_input(s);
                break;
            }
            if (produced > 0) break;
            s->zpos = 0;
            s->zlen = read_raw(s, s->zin, READ_CHUNK);
            continue;
        }
        if (!s->in_member) {
            if (!start_member(s)) break;
            continue;
        }
        size_t used, made;
        const char *why = NULL;
        pt_inflate_status st = feed_inflater(s, &used, &made, &why);
        s->zpos += used;
        s->len += made;
        produced += made;
        if (bomb_limit_hit(s, made)) break;
        if (st == PT_INF_END) {
            s->in_member = false;
        } else if (st == PT_INF_ERROR) {
            gzip_fail(s, "corrupt gzip stream", why ? why : "corrupt data");
            break;
        } else if (used == 0 && made == 0) {
            gzip_fail(s, "corrupt gzip stream", "inflate made no progress");
            break;
        }
    }
}

static void refill(pt_source *s)
{
    compact_pending(s);
    if (s->comp == PT_COMP_GZIP) inflate_more(s);
    else read_more_plain(s);
}

/* ---- opening: compression, then encoding ---- */

/* Reads the first bytes into pending; 1f 8b means gzip, and they move to zin. */
static void detect_compression(pt_source *s)
{
    while (s->len < 2 && !s->raw_eof)
        s->len += read_raw(s, s->pending + s->len, PENDING_CAP - s->len);
    if (s->len >= 2 && s->pending[0] == 0x1f && s->pending[1] == 0x8b) {
        s->comp = PT_COMP_GZIP;
        s->zin = pt_xmalloc(READ_CHUNK);
        memcpy(s->zin, s->pending, s->len); /* PENDING_CAP == READ_CHUNK */
        s->zlen = s->len;
        s->len = 0;
        s->isal = pt_input_isal_open();
        if (!s->isal && pt_input_inflater_init(&s->inflater) != 0)
            gzip_fail(s, "cannot start the inflater (out of memory)", NULL);
    } else {
        s->comp = PT_COMP_NONE;
        if (s->raw_eof) s->pending_eof = true;
    }
}

static void choose_encoding(pt_source *s, pt_encoding forced)
{
    bool known = forced == PT_ENC_UTF8 || forced == PT_ENC_GB18030 ||
                 forced == PT_ENC_UTF16LE || forced == PT_ENC_UTF16BE;
    size_t need = known ? 4 : SNIFF_BYTES;
    while (pending_bytes(s) < need && !s->pending_eof) refill(s);

    const uint8_t *p = s->pending + s->pos;
    size_t n = pending_bytes(s);
    size_t utf8_valid = 0;
    s->enc = known ? forced : pt_input_sniff_encoding_vouched(p, n, &utf8_valid);
    size_t bom = pt_input_bom_length(s->enc, p, n);
    s->bom = bom;
    s->pos += bom;
    s->pending_offset += bom;
    /* a guess that found a BOM checked nothing; only UTF-8 decoding uses the rest */
    s->vouched = bom == 0 ? utf8_valid : 0;

    if (s->enc == PT_ENC_GB18030) {
        s->gb_cd = iconv_open("UTF-8", "GB18030");
        if (s->gb_cd == (iconv_t)-1) {
            pt_errlist_add(s->errs, "encoding", 0,
                           "GB18030 conversion unavailable (%s); decoding as utf-8",
                           strerror(errno));
            s->enc = PT_ENC_UTF8;
        } else {
            s->has_gb_cd = true;
        }
    }
}

void pt_source_options_default(pt_source_options *o)
{
    *o = (pt_source_options){
        .encoding = PT_ENC_AUTO,
        .max_output = PT_GZIP_MAX_OUTPUT_DEFAULT,
        .max_ratio = PT_GZIP_MAX_RATIO_DEFAULT,
        .ratio_after = PT_GZIP_RATIO_AFTER_DEFAULT,
    };
}

/* A binary input gets one "binary" error and reads as empty (see binary.c). */
static void skip_if_binary(pt_source *s)
{
    char why[128];
    if (s->opt.scan_binary ||
        !pt_input_looks_binary(s->pending + s->pos, pending_bytes(s), s->enc, why, sizeof why))
        return;
    pt_errlist_add(s->errs, "binary", 0, "binary data (%s); not scanned", why);
    s->skipped = true;
    s->finished = true;
}

/* The raw bytes read while held, hashed now: from here on read_raw hashes as it reads. */
static void hash_held(pt_source *s, const uint8_t *p, size_t n)
{
    if (!s->hold) return;
    s->hold = false;
    if (s->digest) pt_digest_update(s->digest, p, n);
}

/* The first reads are held unhashed (read_raw): an input that they read whole, plain,
 * stays so until pt_source_digests hashes it, or the caller hashes the text it kept (a
 * worker, in parallel, where this thread would hash file after file: see
 * pt_source_text_is_raw) and stops the digests.
 * gzip's first bytes are in zin, which inflating overwrites: hashed at once. */
static void hash_unless_whole(pt_source *s)
{
    if (s->comp == PT_COMP_GZIP) hash_held(s, s->zin, s->zlen);
    else if (!(s->raw_eof && s->len == s->bytes_in)) hash_held(s, s->pending, s->len);
}

pt_source *pt_source_open_raw(const pt_raw_input *raw, const pt_source_options *opt,
                             pt_errlist *errs)
{
    pt_source *s = pt_xcalloc(1, sizeof *s);
    s->raw = *raw;
    s->size = raw->size;
    s->digest = pt_digest_new();
    s->errs = errs ? errs : &s->own_errs;
    s->pending = pt_xmalloc(PENDING_CAP);
    if (opt) s->opt = *opt;
    else pt_source_options_default(&s->opt);

    s->hold = true;
    detect_compression(s);
    if (s->comp == PT_COMP_GZIP) hash_unless_whole(s);
    if (s->read_failed && s->bytes_in == 0) { /* nothing at all could be read */
        pt_source_close(s);
        return NULL;
    }
    choose_encoding(s, s->opt.encoding);
    hash_unless_whole(s);   /* plain: pending[0, len) is every byte read (pos moved by a BOM only) */
    skip_if_binary(s);
    return s;
}

/* ---- reading decoded text ---- */

static size_t decode_pending(pt_source *s, uint8_t *out, size_t cap)
{
    pt_decode_step st = {
        .in = s->pending + s->pos,
        .in_len = pending_bytes(s),
        .in_offset = s->pending_offset,
        .at_eof = s->pending_eof,
        .out = out,
        .out_cap = cap,
        .bad = &s->bad,
        .vouched = s->enc == PT_ENC_UTF8 ? s->vouched : 0,
    };
    switch (s->enc) {
    case PT_ENC_UTF16LE: pt_input_decode_utf16(&st, false); break;
    case PT_ENC_UTF16BE: pt_input_decode_utf16(&st, true); break;
    case PT_ENC_GB18030: pt_input_decode_iconv(&st, s->gb_cd); break;
    default: pt_input_decode_utf8(&st); break;
    }
    s->pos += st.in_used;
    s->pending_offset += st.in_used;
    s->vouched = st.in_used < s->vouched ? s->vouched - st.in_used : 0;
    return st.out_made;
}

/* The plain UTF-8 fast path applies once only a cut sequence (at most 3 bytes) waits. */
static bool can_read_direct(const pt_source *s, size_t cap)
{
    return s->comp == PT_COMP_NONE && s->enc == PT_ENC_UTF8 && !s->pending_eof &&
           pending_bytes(s) < MIN_ROOM && cap >= 16;
}

/* read(2) into the caller's buffer after the waiting bytes, and hand out the valid
 * prefix. What follows it (a cut sequence, or everything from an invalid byte on) goes
 * back to pending; the read is capped so that it always fits there. */
static size_t read_utf8_direct(pt_source *s, uint8_t *out, size_t cap)
{
    size_t carry = pending_bytes(s);
    memcpy(out, s->pending + s->pos, carry);
    s->pos = s->len = 0;
    s->vouched = 0; /* the carried bytes are checked again below */
    size_t want = cap - carry;
    if (want > PENDING_CAP - carry) want = PENDING_CAP - carry;
    size_t n = read_raw(s, out + carry, want);
    if (s->raw_eof) s->pending_eof = true;
    size_t total = carry + n;
    pt_utf8_stop stop = PT_U8_ALL;
    size_t valid = n > 0 ? pt_input_utf8_valid_prefix(out, total, &stop) : 0;
    if (valid < total) {
        memcpy(s->pending, out + valid, total - valid);
        s->len = total - valid;
    }
    s->pending_offset += valid;
    return valid;
}

/* The stream is over: the one "encoding" error for the whole input, if any. */
static void finish(pt_source *s)
{
    if (s->finished) return;
    s->finished = true;
    if (s->bad.count == 0) return;
    pt_errlist_add(s->errs, "encoding", s->bad.first,
                   "%llu invalid %s sequence%s replaced by U+FFFD; first at byte %llu",
                   (unsigned long long)s->bad.count, pt_encoding_name(s->enc),
                   s->bad.count == 1 ? "" : "s", (unsigned long long)s->bad.first);
}

size_t pt_source_read(pt_source *s, char *buf, size_t cap)
{
    if (!s || !buf || cap < MIN_ROOM || s->finished) return 0;
    uint8_t *out = (uint8_t *)buf;
    size_t made = 0;
    bool refilled = false;
    for (;;) {
        if (made == 0 && can_read_direct(s, cap)) {
            made = read_utf8_direct(s, out, cap);
            if (made > 0) return made;
            refilled = true;
        }
        made += decode_pending(s, out + made, cap - made);
        if (cap - made < MIN_ROOM) return made;
        if (s->pending_eof) {
            if (pending_bytes(s) > 0) { /* decoders consume all at EOF; never spin if not */
                if (s->bad.count++ == 0) s->bad.first = s->pending_offset;
                s->pos = s->len;
            }
            finish(s);
            return made;
        }
        if (made > 0 && refilled) return made;
        refill(s);
        refilled = true;
    }
}

/* ---- accessors ---- */

void pt_source_stop_digests(pt_source *s)
{
    pt_digest_free(s->digest);
    s->digest = NULL;
    s->hold = false;
}

bool pt_source_text_is_raw(const pt_source *s)
{
    return s->finished && !s->skipped && !s->read_failed && s->comp == PT_COMP_NONE &&
           s->enc == PT_ENC_UTF8 && s->bom == 0 && s->bad.count == 0;
}

bool pt_source_digests(pt_source *s, char md5_hex[33], char sha256_hex[65])
{
    if (!s->digest) return false;
    hash_held(s, s->pending, s->len);
    uint8_t *buf = s->raw_eof ? NULL : pt_xmalloc(READ_CHUNK);   /* a small file: read whole */
    while (!s->raw_eof) {   /* the rest, hashed only: bytes_in keeps what was scanned */
        ssize_t n = s->raw.read(s->raw.ctx, buf, READ_CHUNK);
        if (n > 0) pt_digest_update(s->digest, buf, (size_t)n);
        else if (n < 0 && errno == EINTR) continue;
        else {
            if (n < 0) {
                pt_errlist_add(s->errs, "read", s->bytes_in, "reading the rest for its hash: %s",
                               strerror(errno));
                s->read_failed = true;
            }
            s->raw_eof = true;
        }
    }
    free(buf);
    if (s->read_failed) return false;
    pt_digest_final(s->digest, md5_hex, sha256_hex);
    return true;
}

pt_compression pt_source_compression(const pt_source *s)
{
    return s ? s->comp : PT_COMP_NONE;
}

pt_encoding pt_source_encoding(const pt_source *s)
{
    return s ? s->enc : PT_ENC_UTF8;
}

uint64_t pt_source_bytes_in(const pt_source *s)
{
    return s ? s->bytes_in : 0;
}

bool pt_source_skipped(const pt_source *s)
{
    return s && s->skipped;
}

uint64_t pt_source_size(const pt_source *s)
{
    return s ? s->size : 0;
}

void pt_source_close(pt_source *s)
{
    if (!s) return;
    if (s->raw.close) s->raw.close(s->raw.ctx);
    pt_digest_free(s->digest);
    if (s->comp == PT_COMP_GZIP) pt_input_inflater_end(&s->inflater);
    pt_input_isal_close(s->isal);
    if (s->has_gb_cd) iconv_close(s->gb_cd);
    free(s->zin);
    free(s->pending);
    pt_errlist_free(&s->own_errs);
    free(s);
}

/* ---- raw input from memory ---- */

static ssize_t memory_read(void *ctx, void *buf, size_t cap)
{
    pt_memory_input *m = ctx;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

pt_raw_input pt_raw_memory(pt_memory_input *m, const void *data, size_t len)
{
    *m = (pt_memory_input){data, len, 0};
    return (pt_raw_input){.read = memory_read, .close = NULL, .ctx = m, .size = len};
}
