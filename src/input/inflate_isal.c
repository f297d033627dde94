/* inflate_isal.c - the ISA-L (igzip) backend of the stage 1 inflater: the same contract
 * as inflate_zlib.c (see input_internal.h), several times faster, which is what the gzip
 * throughput target of SPEC.md section 6 needs.
 *
 * Compiled in only with PT_HAVE_ISAL (src/input/isal.mk sets it when libisal-dev is
 * installed). Without it, or with PITALLY_INFLATE=zlib in the environment,
 * pt_input_isal_open returns NULL and source.c keeps using zlib, so one build can test
 * both paths.
 *
 * One member per stream, crc_flag ISAL_GZIP: isal_read_gzip_header parses the header
 * (FHCRC checked), isal_inflate inflates and compares the trailer with the CRC-32 and
 * the length mod 2^32 of the output. When a member ends ISA-L gives back the bytes it
 * had buffered past the trailer, so what it reports as consumed ends exactly where the
 * next member begins. Where ISA-L differs from zlib on damaged input (reserved header
 * flags, output held back at an error, reads before its buffer) this file evens it out;
 * see the comments below.
 */
#include "input_internal.h"

#include <stdlib.h>
#include <string.h>

/* PITALLY_INFLATE=zlib forces zlib even when ISA-L is built in (tests, comparisons). */
static bool zlib_forced(void)
{
    const char *v = getenv("PITALLY_INFLATE");
    return v && strcmp(v, "zlib") == 0;
}

#ifdef PT_HAVE_ISAL

#include <isa-l/igzip_lib.h>

#define GZIP_FLG_INDEX 3
#define GZIP_FLG_RESERVED 0xE0
#define LOOKBACK_GUARD (32u * 1024) /* the longest deflate distance */

struct pt_isal_inflater {
    /* ISA-L's fast decoder copies a match before it checks the distance. A corrupt
     * distance near the start of a member (up to 32 KiB back, while the output still
     * goes to tmp_out_buffer, ~21 KiB into the state) reads before the state: this
     * zeroed guard keeps those reads inside our allocation and their bytes (garbage
     * after damage, delivered before the error) the same on every run. */
    uint8_t guard[LOOKBACK_GUARD];
    struct inflate_state state;
    /* isal_inflate parses a gzip header with a header struct of its own that it forgets
     * between calls, and so loses the flags of a header split across two feeds (FNAME
     * then FCOMMENT/FHCRC); feed parses the header itself with one that lasts. */
    struct isal_gzip_header header;
    /* bytes of the current member seen so far, up to the FLG byte */
    unsigned header_seen;
    int failure; /* the ISA-L error, once one happened (0: none) */
};

const char *pt_input_inflate_backend(void)
{
    return zlib_forced() ? "zlib" : "isa-l";
}

pt_isal_inflater *pt_input_isal_open(void)
{
    if (zlib_forced()) return NULL;
    pt_isal_inflater *inf = calloc(1, sizeof *inf); /* ~120 KiB: guard, window, tables */
    if (!inf) return NULL;                          /* zlib needs far less; let it try */
    isal_inflate_init(&inf->state);
    inf->state.crc_flag = ISAL_GZIP;
    isal_gzip_header_init(&inf->header);
    inf->header_seen = 0;
    return inf;
}

static const char *isal_error_text(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid code in deflate data";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check (CRC-32 or length)";
    case ISAL_NEED_DICT: return "stream needs a preset dictionary";
    default: return "corrupt data";
    }
}

/* zlib refuses a header whose reserved flag bits are set (RFC 1952: they must be zero)
 * and ISA-L ignores them; checking the FLG byte here makes both reject the same
 * members. Returns false when in[] holds a bad FLG byte. */
static bool header_flags_ok(pt_isal_inflater *inf, const uint8_t *in, size_t in_len)
{
    if (inf->header_seen > GZIP_FLG_INDEX) return true;
    size_t at = GZIP_FLG_INDEX - inf->header_seen;
    if (at >= in_len) {
        inf->header_seen += (unsigned)in_len; /* still before FLG: in_len < 4 */
        return true;
    }
    if (in[at] & GZIP_FLG_RESERVED) return false;
    inf->header_seen = GZIP_FLG_INDEX + 1;
    return true;
}

/* After an error, ISA-L may still hold decoded output in tmp_out_buffer (it decodes
 * ahead into it, then copies as much as the caller has room for). That output comes
 * before the damage, so it is delivered first, as zlib would have delivered it; the
 * error is reported once it is all out. Returns the bytes copied. */
static size_t drain_held_output(pt_isal_inflater *inf, uint8_t *out, size_t out_cap)
{
    struct inflate_state *st = &inf->state;
    size_t held = st->tmp_out_valid > st->tmp_out_processed
                      ? (size_t)(st->tmp_out_valid - st->tmp_out_processed) : 0;
    size_t n = held < out_cap ? held : out_cap;
    memcpy(out, st->tmp_out_buffer + st->tmp_out_processed, n);
    st->tmp_out_processed += (int32_t)n;
    return n;
}

static pt_inflate_status report_failure(pt_isal_inflater *inf, uint8_t *out, size_t out_cap,
                                        size_t *out_made, const char **why)
{
    *out_made += drain_held_output(inf, out + *out_made, out_cap - *out_made);
    struct inflate_state *st = &inf->state;
    if (st->tmp_out_processed < st->tmp_out_valid) return PT_INF_MORE;
    *why = isal_error_text(inf->failure);
    return PT_INF_ERROR;
}

/* One isal_inflate step (after the header, which it parses here with inf->header). */
static int inflate_step(pt_isal_inflater *inf)
{
    struct inflate_state *st = &inf->state;
    int rc = ISAL_DECOMP_OK;
    if (!st->wrapper_flag) rc = isal_read_gzip_header(st, &inf->header); /* sets the flag */
    if (rc == ISAL_DECOMP_OK && st->wrapper_flag) return isal_inflate(st);
    return rc > 0 ? ISAL_DECOMP_OK : rc; /* > 0: the header goes on in the next input */
}

pt_inflate_status pt_input_isal_feed(pt_isal_inflater *inf, const uint8_t *in, size_t in_len,
                                     size_t *in_used, uint8_t *out, size_t out_cap,
                                     size_t *out_made, const char **why)
{
    *in_used = *out_made = 0;
    if (inf->failure) return report_failure(inf, out, out_cap, out_made, why);
    if (!header_flags_ok(inf, in, in_len)) {
        /* consumed up to and including FLG, as zlib reports it */
        *in_used = GZIP_FLG_INDEX - inf->header_seen + 1;
        *why = "unknown header flags set";
        return PT_INF_ERROR;
    }
    struct inflate_state *st = &inf->state;
    /* ISA-L counts in uint32_t; the callers' buffers are far smaller, but stay correct */
    uint32_t avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
    uint32_t avail_out = out_cap > UINT32_MAX ? UINT32_MAX : (uint32_t)out_cap;
    st->next_in = (uint8_t *)(uintptr_t)in;
    st->avail_in = avail_in;
    st->next_out = out;
    st->avail_out = avail_out;
    int rc = inflate_step(inf);
    size_t used = avail_in - st->avail_in;
    *out_made = avail_out - st->avail_out;
    if (rc == ISAL_DECOMP_OK) {
        *in_used = used;
        return st->block_state == ISAL_BLOCK_FINISH ? PT_INF_END : PT_INF_MORE;
    }
    /* The decoder had bytes loaded ahead of the symbol it rejected: count them as
     * unread, so that the error offset is near the damage (within 8 bytes of zlib's). */
    size_t ahead = st->read_in_length > 0 ? (size_t)st->read_in_length / 8 : 0;
    *in_used = used > ahead ? used - ahead : 0;
    inf->failure = rc;
    return report_failure(inf, out, out_cap, out_made, why);
}

void pt_input_isal_reset(pt_isal_inflater *inf)
{
    isal_inflate_reset(&inf->state);
    inf->state.crc_flag = ISAL_GZIP;
    isal_gzip_header_init(&inf->header);
    inf->header_seen = 0;
    inf->failure = 0;
}

void pt_input_isal_close(pt_isal_inflater *inf)
{
    free(inf);
}

#else /* built without ISA-L: zlib does all the work */

const char *pt_input_inflate_backend(void)
{
    (void)zlib_forced;
    return "zlib";
}

pt_isal_inflater *pt_input_isal_open(void)
{
    return NULL;
}

pt_inflate_status pt_input_isal_feed(pt_isal_inflater *inf, const uint8_t *in, size_t in_len,
                                     size_t *in_used, uint8_t *out, size_t out_cap,
                                     size_t *out_made, const char **why)
{
    (void)inf, (void)in, (void)in_len, (void)out, (void)out_cap;
    *in_used = *out_made = 0;
    *why = "built without ISA-L";
    return PT_INF_ERROR;
}

void pt_input_isal_reset(pt_isal_inflater *inf)
{
    (void)inf;
}

void pt_input_isal_close(pt_isal_inflater *inf)
{
    (void)inf;
}

#endif
