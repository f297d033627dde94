/* fuzz_source.c - libFuzzer target: stage 1 (gzip reader, encoding detection and
 * decoding) through pt_source on a memfd, as the pipeline reads a file.
 *
 * Byte 0 chooses: bits 0-2 the forced encoding (0 and 5-7: detect), bit 3 scan binary
 * inputs anyway, bit 4 gzip the rest first (so the decoders get fuzzed behind the
 * inflater too; the seed corpus holds raw gzip files for the inflater itself), bits 5-7
 * the read size. Contracts checked: every read fits the buffer and is whole, valid UTF-8;
 * the output is bounded by the decompression limits; the end stays the end.
 */
#include "fuzz_common.h"

#include <sys/mman.h>
#include <zlib.h>

#include "pitally/input.h"

static const size_t read_caps[8] = {16, 17, 64, 1000, 4096, 65536, 262144, 1 << 20};

/* data gzipped as one member; NULL when zlib fails */
static uint8_t *gzip_bytes(const uint8_t *data, size_t n, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&zs, n) + 32;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    uint8_t *gz = NULL;
    if (flags & 0x10) {
        size_t gz_len;
        gz = gzip_bytes(data, size, &gz_len);
        if (!gz) return 0;
        data = gz;
        size = gz_len;
    }
    /* the library reads raw inputs from anywhere: here from memory */
    pt_memory_input mem;
    pt_raw_input raw = pt_raw_memory(&mem, data, size);

    pt_source_options o;
    pt_source_options_default(&o);
    static const pt_encoding encs[8] = {PT_ENC_AUTO, PT_ENC_UTF8, PT_ENC_GB18030, PT_ENC_UTF16LE,
                                        PT_ENC_UTF16BE, PT_ENC_AUTO, PT_ENC_AUTO, PT_ENC_AUTO};
    o.encoding = encs[flags & 7];
    o.scan_binary = (flags & 8) != 0;
    o.max_output = 4u << 20;   /* a small bomb limit keeps every run short */
    o.ratio_after = 1u << 20;
    size_t cap = read_caps[flags >> 5];

    pt_errlist errs = {0};
    pt_source *s = pt_source_open_raw(&raw, &o, &errs);
    if (s) {
        char *buf = malloc(cap);
        size_t n, total = 0;
        while ((n = pt_source_read(s, buf, cap)) > 0) {
            FUZZ_REQUIRE(n <= cap);
            FUZZ_REQUIRE(fuzz_valid_utf8((const uint8_t *)buf, n));
            total += n;
            /* limit + one pending buffer of overshoot, times 3 for U+FFFD per byte */
            FUZZ_REQUIRE(total <= 3 * ((4u << 20) + (256u << 10)) + 3 * size);
        }
        FUZZ_REQUIRE(pt_source_read(s, buf, cap) == 0);
        FUZZ_REQUIRE(pt_source_bytes_in(s) <= size);
        if (pt_source_skipped(s)) FUZZ_REQUIRE(total == 0);
        pt_source_close(s);
        free(buf);
    }
    for (size_t i = 0; i < errs.n; i++) FUZZ_REQUIRE(errs.v[i].kind[0] && errs.v[i].message);
    pt_errlist_free(&errs);
    free(gz);
    return 0;
}
