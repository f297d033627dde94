/* binary.c - is an input binary data rather than text? Seized directories hold images,
 * archives and executables beside the dumps; scanning them as lines of text would give
 * thousands of "encoding" replacements and junk records, so stage 1 reports them as
 * kind "binary" and skips them (pt_source_options.scan_binary turns that off).
 *
 * Two tests on the first decompressed bytes: the magic number of a common non-text
 * format (an image, an archive other than the outer gzip, an executable, a database),
 * then the density of control bytes that text never holds. Random or compressed bytes
 * have about 10% of them; text, in any of the supported encodings, next to none.
 */
#include "binary.h"

#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#define DENSITY_SAMPLE (64u * 1024) /* the whole sniff window */
#define DENSITY_MIN 32              /* fewer bytes say nothing about density */

typedef struct {
    const char *magic;
    size_t len;
    const char *name;
} magic_entry;

/* The tail of each magic is distinctive enough not to start a line of a text dump. */
static const magic_entry magics[] = {
    {"\x89PNG\r\n\x1a\n", 8, "PNG image"},
    {"\xFF\xD8\xFF", 3, "JPEG image"},
    {"GIF87a", 6, "GIF image"},
    {"GIF89a", 6, "GIF image"},
    {"PK\x03\x04", 4, "zip archive"},
    {"PK\x05\x06", 4, "zip archive"},
    {"PK\x07\x08", 4, "zip archive"},
    {"7z\xBC\xAF\x27\x1C", 6, "7z archive"},
    {"\xFD" "7zXZ\x00", 6, "xz archive"},
    {"\x28\xB5\x2F\xFD", 4, "zstd archive"},
    {"Rar!\x1A\x07", 6, "rar archive"},
    {"\x1F\x8B", 2, "gzip inside gzip"},
    {"\x7F" "ELF", 4, "ELF executable"},
    {"MZ\x90\x00", 4, "Windows executable"},
    {"%PDF-", 5, "PDF document"},
    {"SQLite format 3\x00", 16, "SQLite database"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "OLE2 document (old Office)"},
};

/* bzip2: "BZh" + block size 1-9 + the block magic (pi) or the end-of-stream magic
 * (sqrt pi); "BZh9" alone could be the start of a line of text. */
static bool is_bzip2(const uint8_t *p, size_t n)
{
    static const uint8_t block[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    static const uint8_t eos[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};
    return n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
           (memcmp(p + 4, block, 6) == 0 || memcmp(p + 4, eos, 6) == 0);
}

/* Controls that text does not hold: all below 0x20 and DEL, less TAB LF VT FF CR, SUB
 * (an old DOS end of file), ESC (colour codes in logs) and SOH (Hive's default field
 * separator). A table: every input's first bytes go through it. */
static const uint8_t odd_byte[256] = {
    [0x00] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
    [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1C] = 1,
    [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [0x7F] = 1,
};

static bool is_odd_control(uint32_t c)
{
    return c < 256 && odd_byte[c];
}

/* How many bytes of p[0..n) are odd controls. Every input's first 64 KiB goes through
 * here (for a small file, all of it): vectors find the blocks holding any byte below
 * 0x20 or DEL (in text, the few with a newline) and only their such bytes are looked
 * up. AVX2 (32 bytes a step) where the CPU has it, else SSE2 (16), else byte by byte. */
static size_t odd_bytes_from(const uint8_t *p, size_t i, size_t n)
{
    size_t k = 0;
#if defined(__SSE2__)
    const __m128i below = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i ctl = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, below), v), _mm_cmpeq_epi8(v, del));
        for (unsigned m = (unsigned)_mm_movemask_epi8(ctl); m; m &= m - 1)
            k += odd_byte[p[i + (unsigned)__builtin_ctz(m)]];
    }
#endif
    for (; i < n; i++) k += odd_byte[p[i]];
    return k;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static size_t odd_bytes_avx2(const uint8_t *p, size_t n)
{
    size_t k = 0, i = 0;
    const __m256i below = _mm256_set1_epi8(0x1F), del = _mm256_set1_epi8(0x7F);
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        __m256i ctl = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(v, below), v),
                                      _mm256_cmpeq_epi8(v, del));
        for (unsigned m = (unsigned)_mm256_movemask_epi8(ctl); m; m &= m - 1)
            k += odd_byte[p[i + (unsigned)__builtin_ctz(m)]];
    }
    return k + odd_bytes_from(p, i, n);
}
#endif

static size_t odd_bytes(const uint8_t *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) return odd_bytes_avx2(p, n);
#endif
    return odd_bytes_from(p, 0, n);
}

/* Odd controls among the first units: bytes, or UTF-16 code units (where ASCII text
 * has a NUL in every other byte). */
static void control_density(const uint8_t *p, size_t n, pt_encoding enc, size_t *odd,
                            size_t *units)
{
    bool utf16 = enc == PT_ENC_UTF16LE || enc == PT_ENC_UTF16BE;
    if (n > DENSITY_SAMPLE) n = DENSITY_SAMPLE;
    *odd = 0;
    if (!utf16) {
        *odd = odd_bytes(p, n);
        *units = n;
        return;
    }
    *units = n / 2;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = enc == PT_ENC_UTF16BE ? (uint32_t)p[i] << 8 | p[i + 1]
                                           : (uint32_t)p[i + 1] << 8 | p[i];
        *odd += is_odd_control(u);
    }
}

bool pt_input_looks_binary(const uint8_t *p, size_t n, pt_encoding enc, char *why,
                           size_t why_cap)
{
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++) {
        if (n >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0) {
            snprintf(why, why_cap, "%s", magics[i].name);
            return true;
        }
    }
    if (is_bzip2(p, n)) {
        snprintf(why, why_cap, "bzip2 archive");
        return true;
    }
    size_t odd, units;
    control_density(p, n, enc, &odd, &units);
    /* 5%: half of what random bytes show, hundreds of times what damaged text shows */
    if (units >= DENSITY_MIN && odd * 20 > units) {
        bool utf16 = enc == PT_ENC_UTF16LE || enc == PT_ENC_UTF16BE;
        snprintf(why, why_cap, "%zu control characters in the first %zu %s", odd, units,
                 utf16 ? "UTF-16 units" : "bytes");
        return true;
    }
    return false;
}
