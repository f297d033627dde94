/* inflate_zlib.c - the zlib backend of the stage 1 inflater (see input_internal.h).
 * One gzip member per stream: zlib parses the gzip header, inflates, and checks the
 * CRC-32 and length of the trailer (windowBits 15 + 16 accepts gzip only, which is what
 * the magic bytes promised). Multi-member files are handled by the caller with reset.
 */
#include "input_internal.h"

#include <limits.h>
#include <string.h>

int pt_input_inflater_init(pt_inflater *inf)
{
    memset(inf, 0, sizeof *inf);
    if (inflateInit2(&inf->zs, 15 + 16) != Z_OK) return -1;
    inf->ready = true;
    return 0;
}

pt_inflate_status pt_input_inflater_feed(pt_inflater *inf, const uint8_t *in, size_t in_len,
                                         size_t *in_used, uint8_t *out, size_t out_cap,
                                         size_t *out_made, const char **why)
{
    *in_used = *out_made = 0;
    if (!inf->ready) {
        *why = "inflater not initialised";
        return PT_INF_ERROR;
    }
    /* zlib counts in uInt; the callers' buffers are far smaller, but stay correct anyway */
    uInt avail_in = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
    uInt avail_out = out_cap > UINT_MAX ? UINT_MAX : (uInt)out_cap;
    inf->zs.next_in = (Bytef *)(uintptr_t)in;
    inf->zs.avail_in = avail_in;
    inf->zs.next_out = out;
    inf->zs.avail_out = avail_out;
    int rc = inflate(&inf->zs, Z_NO_FLUSH);
    *in_used = avail_in - inf->zs.avail_in;
    *out_made = avail_out - inf->zs.avail_out;
    switch (rc) {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible without more input or room: not an error */
        return PT_INF_MORE;
    case Z_STREAM_END:
        return PT_INF_END;
    case Z_MEM_ERROR:
        *why = "out of memory";
        return PT_INF_ERROR;
    case Z_NEED_DICT:
        *why = "stream needs a preset dictionary";
        return PT_INF_ERROR;
    default:
        *why = inf->zs.msg ? inf->zs.msg : "corrupt data";
        return PT_INF_ERROR;
    }
}

void pt_input_inflater_reset(pt_inflater *inf)
{
    if (inf->ready) inflateReset(&inf->zs);
}

void pt_input_inflater_end(pt_inflater *inf)
{
    if (inf->ready) inflateEnd(&inf->zs);
    inf->ready = false;
}
