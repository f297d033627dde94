/* decode.c - stage 1 decoders: validate UTF-8, decode UTF-16 by hand and GB18030 through
 * glibc iconv, always producing valid UTF-8 in whole sequences, and guess the encoding of
 * an input from its first bytes.
 *
 * Damage is never fatal: every invalid sequence becomes U+FFFD (EF BF BD) and is counted
 * in a pt_badseq so that source.c can report one "encoding" error per input. UTF-8
 * replacement follows the Unicode "maximal subpart" practice: one U+FFFD for each longest
 * prefix of a would-be valid sequence, or for a single byte that cannot start one.
 *
 * Long stretches of UTF-8 are first vouched for 16 or 32 bytes at a time by utf8_simd.c;
 * the byte-by-byte check here still decides every stop, so offsets and counts are its.
 * The prefix that the encoding guess already found valid (pt_decode_step.vouched) is
 * copied without a second check: it holds no stop, so the output is the same.
 */
#include "input_internal.h"
#include "utf8_simd.h"

#include <errno.h>
#include <string.h>

static const uint8_t replacement_utf8[3] = {0xEF, 0xBF, 0xBD};

static void note_bad(pt_badseq *bad, uint64_t offset)
{
    if (bad->count++ == 0) bad->first = offset;
}

/* Writes U+FFFD; the caller has checked there are 3 bytes of room. */
static size_t put_replacement(uint8_t *out)
{
    memcpy(out, replacement_utf8, 3);
    return 3;
}

/* ---- UTF-8 ---- */

/* Checks the sequence starting at p[0] (avail >= 1 bytes available). Returns PT_U8_ALL
 * for a complete valid sequence of *len bytes, PT_U8_INVALID with *len the length of the
 * maximal subpart to replace, or PT_U8_CUT when the bytes so far are valid but the
 * sequence needs more than avail bytes. Ranges are those of Unicode Table 3-7. */
static pt_utf8_stop utf8_sequence(const uint8_t *p, size_t avail, size_t *len)
{
    uint8_t c = p[0];
    size_t need;
    uint8_t first_lo = 0x80, first_hi = 0xBF;
    if (c < 0x80) {
        *len = 1;
        return PT_U8_ALL;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) first_lo = 0xA0;      /* no overlong forms */
        else if (c == 0xED) first_hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) first_lo = 0x90;      /* no overlong forms */
        else if (c == 0xF4) first_hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        *len = 1;
        return PT_U8_INVALID;
    }
    for (size_t k = 1; k < need; k++) {
        if (k >= avail) {
            *len = avail;
            return PT_U8_CUT;
        }
        uint8_t lo = k == 1 ? first_lo : 0x80, hi = k == 1 ? first_hi : 0xBF;
        if (p[k] < lo || p[k] > hi) {
            *len = k;
            return PT_U8_INVALID;
        }
    }
    *len = need;
    return PT_U8_ALL;
}

/* Index of the first byte >= 0x80 in p[0..n), or n. Checks 32 bytes per step, then 8:
 * the scalar check's way over ASCII runs (short ones: long ones go to utf8_simd.c). */
static size_t skip_ascii(const uint8_t *p, size_t n)
{
    const uint64_t high = 0x8080808080808080ULL;
    size_t i = 0;
    while (i + 32 <= n) {
        uint64_t a, b, c, d;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        memcpy(&d, p + i + 24, 8);
        if ((a | b | c | d) & high) break;
        i += 32;
    }
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & high) break;
        i += 8;
    }
    while (i < n && p[i] < 0x80) i++;
    return i;
}

/* True when p[0..3) is a 3-byte sequence needing no range check beyond "continuation":
 * leads E1-EC and EE-EF, where all CJK text lives. */
static inline bool common_3byte(const uint8_t *p)
{
    uint8_t c = p[0];
    return ((c >= 0xE1 && c <= 0xEC) || c >= 0xEE) && c <= 0xEF && (p[1] & 0xC0) == 0x80 &&
           (p[2] & 0xC0) == 0x80;
}

size_t pt_input_utf8_valid_prefix_scalar(const uint8_t *p, size_t n, pt_utf8_stop *stop)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            /* a long ASCII run is worth the word loop; a comma between names is not */
            if (i + 8 <= n) i += skip_ascii(p + i, n - i);
            else i++;
            continue;
        }
        /* the frequent multi-byte cases inline, the rest through the full check */
        if (i + 3 <= n && common_3byte(p + i)) {
            i += 3;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF && i + 2 <= n && (p[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        size_t len;
        pt_utf8_stop s = utf8_sequence(p + i, n - i, &len);
        if (s != PT_U8_ALL) {
            *stop = s;
            return i;
        }
        i += len;
    }
    *stop = PT_U8_ALL;
    return n;
}

/* Short stretches (a few names between commas, the tail after a bad byte) are not worth
 * setting up vectors for. */
#define VECTOR_MIN 64

/* The vector check vouches for a valid prefix; the scalar code goes on from there and
 * finds the exact stop, so the answer is always the scalar one (utf8_simd.h). A short
 * scalar look comes first: in badly damaged text (GBK read as UTF-8) the next error is
 * usually a few bytes away, and finding it needs no vectors. */
size_t pt_input_utf8_valid_prefix(const uint8_t *p, size_t n, pt_utf8_stop *stop)
{
    size_t head = n < VECTOR_MIN ? n : VECTOR_MIN;
    size_t i = pt_input_utf8_valid_prefix_scalar(p, head, stop);
    if (head == n || *stop == PT_U8_INVALID) return i; /* a cut at head is no stop */
    if (n - i >= VECTOR_MIN) i += pt_utf8_valid_upto(p + i, n - i);
    return i + pt_input_utf8_valid_prefix_scalar(p + i, n - i, stop);
}

/* How many of the vouched bytes p[0..vouched) to copy into window bytes of room: all
 * that fit, less a sequence the window would cut (the byte after the copy must then be a
 * lead byte; valid UTF-8 has at most 3 continuation bytes in a row). */
static size_t vouched_copy(const uint8_t *p, size_t vouched, size_t window)
{
    if (vouched <= window) return vouched;
    size_t copy = window;
    while (copy > 0 && (p[copy] & 0xC0) == 0x80) copy--;
    return copy;
}

void pt_input_decode_utf8(pt_decode_step *st)
{
    size_t i = 0, o = 0;
    const size_t n = st->in_len;
    const size_t vouched = st->vouched < n ? st->vouched : n;
    while (i < n && st->out_cap - o >= 4) {
        size_t left = n - i, room = st->out_cap - o;
        size_t window = left < room ? left : room;
        if (i < vouched) { /* checked by the encoding guess: copied, not checked again */
            size_t copy = vouched_copy(st->in + i, vouched - i, window);
            memcpy(st->out + o, st->in + i, copy);
            o += copy;
            i += copy;
            continue;
        }
        pt_utf8_stop stop;
        size_t valid = pt_input_utf8_valid_prefix(st->in + i, window, &stop);
        memcpy(st->out + o, st->in + i, valid);
        o += valid;
        i += valid;
        if (stop == PT_U8_ALL) continue;
        size_t bad_len;
        if (stop == PT_U8_CUT) {
            if (window < left) break; /* cut by the room left: the next call goes on */
            if (!st->at_eof) break;   /* the rest of the sequence has not arrived yet */
            bad_len = n - i;          /* input ends inside a sequence: one fragment */
        } else {
            utf8_sequence(st->in + i, n - i, &bad_len);
        }
        if (st->out_cap - o < 3) break;
        note_bad(st->bad, st->in_offset + i);
        o += put_replacement(st->out + o);
        i += bad_len;
    }
    st->in_used = i;
    st->out_made = o;
}

/* ---- UTF-16 ---- */

static size_t put_utf8(uint8_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static uint32_t utf16_unit(const uint8_t *p, bool big_endian)
{
    return big_endian ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

void pt_input_decode_utf16(pt_decode_step *st, bool big_endian)
{
    size_t i = 0, o = 0;
    const size_t n = st->in_len;
    while (i < n && st->out_cap - o >= 4) {
        size_t left = n - i;
        if (left < 2) {
            if (!st->at_eof) break;
            note_bad(st->bad, st->in_offset + i); /* a trailing odd byte */
            o += put_replacement(st->out + o);
            i++;
            continue;
        }
        uint32_t u = utf16_unit(st->in + i, big_endian);
        if (u < 0xD800 || u > 0xDFFF) {
            o += put_utf8(st->out + o, u);
            i += 2;
            continue;
        }
        if (u <= 0xDBFF) { /* high surrogate: needs a low one next */
            if (left < 4 && !st->at_eof) break;
            uint32_t low = left >= 4 ? utf16_unit(st->in + i + 2, big_endian) : 0;
            if (low >= 0xDC00 && low <= 0xDFFF) {
                o += put_utf8(st->out + o, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                i += 4;
                continue;
            }
        }
        note_bad(st->bad, st->in_offset + i); /* a lone surrogate */
        o += put_replacement(st->out + o);
        i += 2;
    }
    st->in_used = i;
    st->out_made = o;
}

/* ---- GB18030 (and its subsets GBK, GB2312) through iconv ---- */

void pt_input_decode_iconv(pt_decode_step *st, iconv_t cd)
{
    size_t i = 0, o = 0;
    const size_t n = st->in_len;
    while (i < n && st->out_cap - o >= 4) {
        char *in = (char *)(uintptr_t)(st->in + i);
        char *out = (char *)(st->out + o);
        size_t in_left = n - i, out_left = st->out_cap - o;
        size_t r = iconv(cd, &in, &in_left, &out, &out_left);
        int err = errno;
        i = n - in_left;
        o = st->out_cap - out_left;
        if (r != (size_t)-1) break;                 /* everything converted */
        if (err == E2BIG) break;                    /* out of room */
        if (err == EINVAL && !st->at_eof) break;    /* a sequence continues in the next bytes */
        if (i >= n || st->out_cap - o < 3) break;
        note_bad(st->bad, st->in_offset + i);       /* EILSEQ, or EINVAL at the very end */
        o += put_replacement(st->out + o);
        i++;
    }
    st->in_used = i;
    st->out_made = o;
}

/* ---- sniffing ---- */

/* UTF-16 without a BOM: ASCII-range text leaves a zero in every other byte. A fifth of
 * the units having a zero on one side and four times fewer on the other is far beyond
 * what UTF-8 or GB18030 text (where NUL is rare) shows. */
static bool utf16_by_nul_pattern(const uint8_t *p, size_t n, pt_encoding *enc)
{
    size_t units = n / 2, even_zeros = 0, odd_zeros = 0;
    if (units == 0) return false;
    for (size_t i = 0; i < units * 2; i += 2) {
        even_zeros += p[i] == 0;
        odd_zeros += p[i + 1] == 0;
    }
    if (odd_zeros * 5 >= units && even_zeros * 4 <= odd_zeros && odd_zeros > 0) {
        *enc = PT_ENC_UTF16LE; /* the high byte, second in LE, is the zero */
        return true;
    }
    if (even_zeros * 5 >= units && odd_zeros * 4 <= even_zeros && even_zeros > 0) {
        *enc = PT_ENC_UTF16BE;
        return true;
    }
    return false;
}

/* Counts valid multi-byte and invalid UTF-8 sequences; a sequence cut by the end of the
 * sample is neither (the sample boundary, not the data, cut it). */
static void utf8_stats(const uint8_t *p, size_t n, size_t *multi, size_t *invalid)
{
    *multi = *invalid = 0;
    size_t i = 0;
    while (i < n) {
        i += skip_ascii(p + i, n - i);
        if (i >= n) break;
        size_t len;
        pt_utf8_stop s = utf8_sequence(p + i, n - i, &len);
        if (s == PT_U8_CUT) break;
        if (s == PT_U8_ALL) (*multi)++;
        else (*invalid)++;
        i += len;
    }
}

/* Counts bytes >= 0x80 and structurally invalid GB18030 sequences: one byte 00-7F; two
 * bytes 81-FE + 40-7E/80-FE; four bytes 81-FE 30-39 81-FE 30-39. A cut at the end of
 * the sample is not an error. */
static void gb18030_stats(const uint8_t *p, size_t n, size_t *nonascii, size_t *invalid)
{
    *nonascii = *invalid = 0;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        (*nonascii)++;
        if (c == 0x80 || c == 0xFF) {
            (*invalid)++;
            i++;
            continue;
        }
        if (i + 1 >= n) break;
        uint8_t b = p[i + 1];
        if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE)) {
            (*nonascii) += b >= 0x80;
            i += 2;
        } else if (b >= 0x30 && b <= 0x39) {
            if (i + 3 >= n) break;
            if (p[i + 2] >= 0x81 && p[i + 2] <= 0xFE && p[i + 3] >= 0x30 && p[i + 3] <= 0x39) {
                (*nonascii)++;
                i += 4;
            } else {
                (*invalid)++;
                i++;
            }
        } else {
            (*invalid)++;
            i++;
        }
    }
}

pt_encoding pt_input_sniff_encoding(const uint8_t *p, size_t n)
{
    size_t utf8_valid;
    return pt_input_sniff_encoding_vouched(p, n, &utf8_valid);
}

pt_encoding pt_input_sniff_encoding_vouched(const uint8_t *p, size_t n, size_t *utf8_valid)
{
    *utf8_valid = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return PT_ENC_UTF8;
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) return PT_ENC_UTF16LE;
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) return PT_ENC_UTF16BE;
    /* The common case first, clean UTF-8: a sample with no NUL cannot show the UTF-16
     * NUL pattern, and the vector check vouches for all but a tail that the scalar
     * count below then decides (utf8_stats counts from a sequence boundary). For small
     * files the sample is the whole file, so this is a per-byte cost of every input. */
    size_t multi, u8_invalid;
    if (!memchr(p, 0, n)) {
        size_t ok = pt_utf8_valid_upto(p, n);
        *utf8_valid = ok; /* whatever the verdict: the decoder need not check these again */
        utf8_stats(p + ok, n - ok, &multi, &u8_invalid);
        if (u8_invalid == 0) return PT_ENC_UTF8;
    }
    pt_encoding enc;
    if (utf16_by_nul_pattern(p, n, &enc)) return enc;

    utf8_stats(p, n, &multi, &u8_invalid);
    /* Valid UTF-8, or mostly valid with some damage: GBK text only rarely forms valid
     * UTF-8 sequences by accident, so four valid ones per invalid one means UTF-8. */
    if (u8_invalid == 0 || multi >= 4 * u8_invalid) return PT_ENC_UTF8;

    size_t nonascii, gb_invalid;
    gb18030_stats(p, n, &nonascii, &gb_invalid);
    if (gb_invalid * 50 <= nonascii && gb_invalid < u8_invalid) return PT_ENC_GB18030;
    return PT_ENC_UTF8;
}

size_t pt_input_bom_length(pt_encoding e, const uint8_t *p, size_t n)
{
    static const uint8_t utf8_bom[] = {0xEF, 0xBB, 0xBF};
    static const uint8_t le_bom[] = {0xFF, 0xFE};
    static const uint8_t be_bom[] = {0xFE, 0xFF};
    static const uint8_t gb_bom[] = {0x84, 0x31, 0x95, 0x33}; /* U+FEFF in GB18030 */
    const uint8_t *bom = NULL;
    size_t len = 0;
    switch (e) {
    case PT_ENC_UTF8: bom = utf8_bom; len = sizeof utf8_bom; break;
    case PT_ENC_UTF16LE: bom = le_bom; len = sizeof le_bom; break;
    case PT_ENC_UTF16BE: bom = be_bom; len = sizeof be_bom; break;
    case PT_ENC_GB18030: bom = gb_bom; len = sizeof gb_bom; break;
    default: return 0;
    }
    return n >= len && memcmp(p, bom, len) == 0 ? len : 0;
}
