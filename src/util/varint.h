/* varint.h - the unsigned LEB128 varint of the state file and of its evidence section
 * (7 bits a byte, low first, the high bit set on every byte but the last): one encoder
 * for both writers (src/tally/state.c, src/report/evrecord.c). */
#ifndef PT_UTIL_VARINT_H
#define PT_UTIL_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define PT_VARINT_MAX 10   /* bytes of the longest, 2^64 - 1 */

/* Writes v into out; returns how many bytes it took (1 to PT_VARINT_MAX). */
static inline size_t pt_varint_put(uint8_t out[PT_VARINT_MAX], uint64_t v)
{
    size_t n = 0;
    do {
        out[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) out[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

#endif
