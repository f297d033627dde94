/* test_inflate.c - unit tests of the two gzip inflate backends of stage 1: zlib
 * (src/input/inflate_zlib.c) and ISA-L (src/input/inflate_isal.c, when this build has
 * it). Each case runs on every backend available, through the inflater interface fed in
 * slices down to one byte and through pt_source (PITALLY_INFLATE=zlib forces zlib), and
 * the backends must deliver the same bytes and the same kinds of error.
 *
 * Expected texts are built here; gzip members come from zlib's deflate with level 0
 * (stored blocks), Z_FIXED (fixed Huffman codes) or the default (dynamic codes), so each
 * deflate block type and every optional gzip header field is exercised. */
#include "check.h"
#include "../../src/input/input_internal.h"
#include "pitally/fileio.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

/* ---- the backends of this build ---- */

typedef struct {
    const char *name;
    bool isal;
} backend;

static backend backends[2];
static int n_backends;

static void use_backend(const backend *b)
{
    if (b->isal) unsetenv("PITALLY_INFLATE");
    else setenv("PITALLY_INFLATE", "zlib", 1);
}

static void find_backends(void)
{
    backends[n_backends++] = (backend){"zlib", false};
    unsetenv("PITALLY_INFLATE");
    if (strcmp(pt_input_inflate_backend(), "isa-l") == 0)
        backends[n_backends++] = (backend){"isa-l", true};
}

/* ---- making gzip members ---- */

typedef enum { STORED, FIXED, DYNAMIC } block_kind;

static uint8_t *gzip_with(const void *data, size_t n, block_kind kind, bool all_header_fields,
                          size_t *gz_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int level = kind == STORED ? 0 : 6;
    int strategy = kind == FIXED ? Z_FIXED : Z_DEFAULT_STRATEGY;
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, strategy) != Z_OK) exit(2);
    gz_header h;
    memset(&h, 0, sizeof h);
    if (all_header_fields) { /* FEXTRA, FNAME, FCOMMENT and FHCRC */
        h.extra = (Bytef *)"pitally-extra";
        h.extra_len = 13;
        h.name = (Bytef *)"\xE5\x90\x8D\xE5\x8D\x95.csv"; /* 名单.csv */
        h.comment = (Bytef *)"a comment";
        h.hcrc = 1;
        if (deflateSetHeader(&zs, &h) != Z_OK) exit(2);
    }
    size_t cap = deflateBound(&zs, (uLong)n) + 1024;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) exit(2);
    *gz_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static uint8_t *gzip_dynamic(const void *data, size_t n, size_t *gz_len)
{
    return gzip_with(data, n, DYNAMIC, false, gz_len);
}

/* A growing byte buffer for concatenating members and collecting output. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* Valid UTF-8 text of exactly n bytes: numbered rows of Chinese names and mobiles. */
static char *record_text(size_t n, uint32_t seed)
{
    static const char *names[] = {"\xE5\xBC\xA0\xE4\xB8\x89", "\xE6\x9D\x8E\xE5\x9B\x9B",
                                  "\xE7\x8E\x8B\xE4\xBA\x94", "Zhao Liu"};
    char *text = malloc(n + 64);
    size_t len = 0;
    uint32_t x = seed;
    for (uint64_t row = 0; len < n; row++) {
        x = x * 1103515245u + 12345u;
        len += (size_t)sprintf(text + len, "%llu,%s,1%010u\n", (unsigned long long)row,
                               names[(x >> 16) % 4], (unsigned)(x % 1000000000u));
    }
    /* the only multi-byte sequences here are 3-byte ones: blank out one cut at n */
    for (size_t i = n > 3 ? n - 3 : 0; i < n; i++)
        if ((uint8_t)text[i] >= 0xE0 && i + 3 > n) memset(text + i, 'x', n - i);
    text[n] = '\0';
    return text;
}

/* ---- the inflater interface, in slices ---- */

typedef struct {
    bool isal;
    pt_isal_inflater *fast;
    pt_inflater z;
} inflater;

static bool inflater_open(inflater *f, bool isal)
{
    memset(f, 0, sizeof *f);
    f->isal = isal;
    if (!isal) return pt_input_inflater_init(&f->z) == 0;
    unsetenv("PITALLY_INFLATE");
    f->fast = pt_input_isal_open();
    return f->fast != NULL;
}

static pt_inflate_status inflater_feed(inflater *f, const uint8_t *in, size_t in_len,
                                       size_t *used, uint8_t *out, size_t cap, size_t *made,
                                       const char **why)
{
    if (f->isal) return pt_input_isal_feed(f->fast, in, in_len, used, out, cap, made, why);
    return pt_input_inflater_feed(&f->z, in, in_len, used, out, cap, made, why);
}

static void inflater_reset(inflater *f)
{
    if (f->isal) pt_input_isal_reset(f->fast);
    else pt_input_inflater_reset(&f->z);
}

static void inflater_close(inflater *f)
{
    if (f->isal) pt_input_isal_close(f->fast);
    else pt_input_inflater_end(&f->z);
}

enum { INF_OK, INF_CORRUPT, INF_TRUNCATED, INF_STALLED };

typedef struct {
    bytes out;
    size_t ends[8];  /* compressed offsets at which members ended */
    int members;
    int outcome;
    size_t stop;     /* compressed offset of a CORRUPT/TRUNCATED stop */
} sliced;

/* Inflate gz[0..n) member after member, giving the inflater at most in_step bytes of
 * input and out_step bytes of room per call, the way source.c drives it. */
static sliced inflate_sliced(bool isal, const uint8_t *gz, size_t n, size_t in_step,
                             size_t out_step)
{
    sliced r;
    memset(&r, 0, sizeof r);
    inflater f;
    if (!inflater_open(&f, isal)) {
        r.outcome = INF_STALLED;
        return r;
    }
    uint8_t *room = malloc(out_step);
    size_t pos = 0;
    bool in_member = false;
    while (pos < n || in_member) {
        if (!in_member) {
            if (r.members > 0) inflater_reset(&f);
            in_member = true;
        }
        if (pos == n) {
            r.outcome = INF_TRUNCATED;
            r.stop = n;
            break;
        }
        size_t in_len = n - pos < in_step ? n - pos : in_step;
        size_t used = 0, made = 0;
        const char *why = NULL;
        pt_inflate_status st = inflater_feed(&f, gz + pos, in_len, &used, room, out_step,
                                             &made, &why);
        pos += used;
        bytes_add(&r.out, room, made);
        if (st == PT_INF_END) {
            if (r.members < 8) r.ends[r.members] = pos;
            r.members++;
            in_member = false;
        } else if (st == PT_INF_ERROR) {
            CHECK(why != NULL);
            r.outcome = INF_CORRUPT;
            r.stop = pos;
            break;
        } else if (used == 0 && made == 0) {
            r.outcome = INF_STALLED;
            r.stop = pos;
            break;
        }
    }
    free(room);
    inflater_close(&f);
    return r;
}

/* Five members back to back: dynamic, stored, fixed, empty, and one with every optional
 * header field. Each text is under 32 KiB, so one-byte slices stay cheap. */
static void test_sliced_members_every_block_type(void)
{
    char *a = record_text(9000, 1), *b = record_text(7001, 2), *c = record_text(12000, 3);
    char *d = record_text(5000, 4);
    const char *texts[5] = {a, b, c, "", d};
    size_t lens[5] = {9000, 7001, 12000, 0, 5000};
    block_kind kinds[5] = {DYNAMIC, STORED, FIXED, DYNAMIC, DYNAMIC};
    bytes file = {0}, expect = {0};
    size_t ends[5];
    for (int i = 0; i < 5; i++) {
        size_t gl;
        uint8_t *g = gzip_with(texts[i], lens[i], kinds[i], i == 4, &gl);
        bytes_add(&file, g, gl);
        bytes_add(&expect, texts[i], lens[i]);
        ends[i] = file.len;
        free(g);
    }
    static const size_t steps[][2] = {{1, 1}, {3, 7}, {1, 4096}, {4096, 1}, {1 << 20, 1 << 20}};
    for (int k = 0; k < n_backends; k++) {
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            sliced r = inflate_sliced(backends[k].isal, file.p, file.len, steps[s][0],
                                      steps[s][1]);
            CHECK_EQ(r.outcome, INF_OK);
            CHECK_EQ(r.members, 5);
            for (int i = 0; i < 5 && i < r.members; i++) CHECK_EQ(r.ends[i], ends[i]);
            CHECK_EQ(r.out.len, expect.len);
            CHECK(r.out.len == expect.len && memcmp(r.out.p, expect.p, expect.len) == 0);
            if (r.outcome != INF_OK)
                printf("#   backend %s, steps %zu/%zu\n", backends[k].name, steps[s][0],
                       steps[s][1]);
            free(r.out.p);
        }
    }
    free(file.p);
    free(expect.p);
    free(a), free(b), free(c), free(d);
}

/* The trailer's CRC-32 and ISIZE are both checked, whatever the slicing. */
static void test_sliced_trailer_checked(void)
{
    char *text = record_text(6000, 5);
    size_t gl;
    uint8_t *g = gzip_dynamic(text, 6000, &gl);
    for (int field = 0; field < 2; field++) { /* 0: CRC-32, 1: ISIZE */
        uint8_t *bad = malloc(gl);
        memcpy(bad, g, gl);
        bad[gl - 8 + 4 * field] ^= 0x01;
        for (int k = 0; k < n_backends; k++) {
            for (size_t step = 1; step <= 4096; step *= 4096) {
                sliced r = inflate_sliced(backends[k].isal, bad, gl, step, 4096);
                CHECK_EQ(r.outcome, INF_CORRUPT);
                CHECK_EQ(r.members, 0);
                CHECK(r.stop >= gl - 8 && r.stop <= gl);
                CHECK(r.out.len == 6000 && memcmp(r.out.p, text, 6000) == 0);
                free(r.out.p);
            }
        }
        free(bad);
    }
    free(g);
    free(text);
}

/* RFC 1952 reserved flag bits must be zero: zlib rejects such a header, and so must the
 * ISA-L backend (which checks them itself), at the same offset. */
static void test_sliced_reserved_flags(void)
{
    size_t gl;
    uint8_t *g = gzip_dynamic("hello\n", 6, &gl);
    g[3] |= 0x20;
    for (int k = 0; k < n_backends; k++) {
        for (size_t step = 1; step <= 64; step *= 64) {
            sliced r = inflate_sliced(backends[k].isal, g, gl, step, 64);
            CHECK_EQ(r.outcome, INF_CORRUPT);
            CHECK_EQ(r.out.len, 0);
            CHECK_EQ(r.stop, 4); /* just after the FLG byte */
            free(r.out.p);
        }
    }
    free(g);
}

/* A deflate stream written bit by bit (RFC 1951 3.1.1: values LSB first, Huffman codes
 * MSB first), for damage zlib's deflate never makes. */
typedef struct {
    uint8_t *p;
    size_t bit;
} bit_writer;

static void put_bits(bit_writer *w, unsigned value, int n)
{
    for (int i = 0; i < n; i++, w->bit++)
        if ((value >> i) & 1) w->p[w->bit / 8] |= (uint8_t)(1u << (w->bit % 8));
}

static void put_code(bit_writer *w, unsigned code, int n)
{
    for (int i = n - 1; i >= 0; i--, w->bit++)
        if ((code >> i) & 1) w->p[w->bit / 8] |= (uint8_t)(1u << (w->bit % 8));
}

/* A member whose fixed-code block has n_lits literals, then a 258-byte match reaching
 * 32768 bytes back, before the start of the output: invalid. zlib stops at the
 * distance; ISA-L's fast path copies the match first (from its zeroed guard and its
 * state), so it may deliver up to 258 bytes more and stop up to 8 bytes later. */
static void test_sliced_bad_distance(void)
{
    size_t n_lits = 20000, cap = n_lits + 4096;
    uint8_t *gz = calloc(1, cap);
    static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(gz, header, 10);
    bit_writer w = {gz, 80};
    put_bits(&w, 1, 1); /* BFINAL */
    put_bits(&w, 1, 2); /* BTYPE 01: fixed codes */
    char *lits = malloc(n_lits);
    for (size_t i = 0; i < n_lits; i++) {
        lits[i] = (char)('a' + i % 3);
        put_code(&w, 0x30 + (unsigned)lits[i], 8); /* literals 0-143: 00110000 + value */
    }
    put_code(&w, 0xC0 + 285 - 280, 8); /* length 258 */
    put_code(&w, 29, 5);               /* distance code 29: 24577 + 13 extra bits */
    put_bits(&w, 8191, 13);            /* = 32768 */
    size_t zlib_stop = (w.bit + 7) / 8; /* the byte that holds the distance's last bit */
    put_code(&w, 0, 7);                /* end of block; then zeros (trailer, padding) */
    static const size_t steps[][2] = {{1, 1}, {16, 300}, {4096, 1}, {1 << 20, 1 << 20}};
    for (int k = 0; k < n_backends; k++) {
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            sliced r = inflate_sliced(backends[k].isal, gz, cap, steps[s][0], steps[s][1]);
            CHECK_EQ(r.outcome, INF_CORRUPT);
            CHECK(r.out.len >= n_lits && memcmp(r.out.p, lits, n_lits) == 0);
            if (backends[k].isal) {
                CHECK(r.out.len <= n_lits + 258);
                CHECK(r.stop >= zlib_stop && r.stop <= zlib_stop + 8);
            } else {
                CHECK_EQ(r.out.len, n_lits);
                CHECK_EQ(r.stop, zlib_stop);
            }
            free(r.out.p);
        }
    }
    free(lits);
    free(gz);
}

/* ---- through pt_source ---- */

typedef struct {
    bytes data;
    int opened;
    size_t n_errors;
    int gzip_errors;
    char kind[32];          /* of the first error */
    char message[160];
    uint64_t offset;
    int chunks_whole;       /* every chunk held whole UTF-8 sequences */
} outcome;

static int whole_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

static outcome read_file_with(const backend *b, const char *path, size_t cap)
{
    outcome o;
    memset(&o, 0, sizeof o);
    o.chunks_whole = 1;
    use_backend(b);
    pt_errlist errs = {0};
    pt_source *s = pt_source_open(path, PT_ENC_UTF8, &errs);
    if (s) {
        o.opened = 1;
        char *buf = malloc(cap);
        size_t n;
        while ((n = pt_source_read(s, buf, cap)) > 0) {
            o.chunks_whole &= whole_utf8((uint8_t *)buf, n);
            bytes_add(&o.data, buf, n);
        }
        free(buf);
        pt_source_close(s);
    }
    unsetenv("PITALLY_INFLATE");
    o.n_errors = errs.n;
    if (errs.n > 0) {
        snprintf(o.kind, sizeof o.kind, "%s", errs.v[0].kind);
        snprintf(o.message, sizeof o.message, "%s", errs.v[0].message);
        o.offset = errs.v[0].offset;
    }
    for (size_t i = 0; i < errs.n; i++) o.gzip_errors += strcmp(errs.v[i].kind, "gzip") == 0;
    pt_errlist_free(&errs);
    return o;
}

/* Reads file[0..n) with every backend into res[] (one per backend) and checks that they
 * agree: same bytes, same number and kind of errors. */
static void read_all_backends(const void *file, size_t n, size_t cap, outcome *res)
{
    char path[] = "/tmp/pitally_inflate_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || (n && write(fd, file, n) != (ssize_t)n)) exit(2);
    close(fd);
    for (int k = 0; k < n_backends; k++) {
        res[k] = read_file_with(&backends[k], path, cap);
        CHECK(res[k].opened);
        CHECK(res[k].chunks_whole);
        if (k == 0) continue;
        CHECK_EQ(res[k].data.len, res[0].data.len);
        CHECK(res[k].data.len == res[0].data.len &&
              (res[0].data.len == 0 ||
               memcmp(res[k].data.p, res[0].data.p, res[0].data.len) == 0));
        CHECK_EQ(res[k].n_errors, res[0].n_errors);
        CHECK_EQ(res[k].gzip_errors, res[0].gzip_errors);
        CHECK_STR(res[k].kind, res[0].kind);
    }
    unlink(path);
}

static void free_outcomes(outcome *res)
{
    for (int k = 0; k < n_backends; k++) free(res[k].data.p);
}

static int holds(const outcome *o, const char *text)
{
    return o->data.len == strlen(text) && memcmp(o->data.p, text, o->data.len) == 0;
}

static void test_backend_choice(void)
{
    setenv("PITALLY_INFLATE", "zlib", 1);
    CHECK_STR(pt_input_inflate_backend(), "zlib");
    unsetenv("PITALLY_INFLATE");
#ifdef PT_HAVE_ISAL
    CHECK_STR(pt_input_inflate_backend(), "isa-l"); /* built with it: used by default */
    CHECK_EQ(n_backends, 2);
#else
    CHECK_STR(pt_input_inflate_backend(), "zlib");
    CHECK(pt_input_isal_open() == NULL);
#endif
}

static void test_single_member(void)
{
    const char *text = "id,name,mobile\n1,\xE5\xBC\xA0\xE4\xB8\x89,13800138000\n";
    size_t gl;
    uint8_t *g = gzip_dynamic(text, strlen(text), &gl);
    outcome res[2];
    read_all_backends(g, gl, 4096, res);
    for (int k = 0; k < n_backends; k++) {
        CHECK(holds(&res[k], text));
        CHECK_EQ(res[k].n_errors, 0);
    }
    free_outcomes(res);
    free(g);
}

/* Two members cut inside 张 (E5 BC | 89): the character is whole on the way out. */
static void test_members_split_inside_utf8(void)
{
    const char *text = "id,name\n1,\xE5\xBC\xA0\xE4\xB8\x89\n2,\xE6\x9D\x8E\xE5\x9B\x9B\n";
    size_t cut = 12; /* "id,name\n1," is 10 bytes, then E5 BC */
    CHECK_EQ((uint8_t)text[cut - 1], 0xBC);
    size_t l1, l2;
    uint8_t *g1 = gzip_dynamic(text, cut, &l1);
    uint8_t *g2 = gzip_with(text + cut, strlen(text) - cut, STORED, false, &l2);
    bytes file = {0};
    bytes_add(&file, g1, l1);
    bytes_add(&file, g2, l2);
    for (size_t cap = 16; cap <= 4096; cap *= 256) {
        outcome res[2];
        read_all_backends(file.p, file.len, cap, res);
        for (int k = 0; k < n_backends; k++) {
            CHECK(holds(&res[k], text));
            CHECK_EQ(res[k].n_errors, 0);
        }
        free_outcomes(res);
    }
    free(file.p);
    free(g1);
    free(g2);
}

/* Cut in the header, in the deflate data and in the trailer: what came before is
 * delivered, then one "gzip" error at the end of the cut file. */
static void test_truncated(void)
{
    char *text = record_text(30000, 6);
    size_t gl;
    uint8_t *g = gzip_dynamic(text, 30000, &gl);
    size_t cuts[] = {5, gl / 2, gl - 3};
    for (size_t c = 0; c < 3; c++) {
        outcome res[2];
        read_all_backends(g, cuts[c], 4096, res);
        for (int k = 0; k < n_backends; k++) {
            const outcome *o = &res[k];
            CHECK(o->data.len <= 30000 && memcmp(o->data.p ? (char *)o->data.p : "",
                                                 text, o->data.len) == 0);
            if (c == 1) CHECK(o->data.len > 0 && o->data.len < 30000);
            if (c == 2) CHECK_EQ(o->data.len, 30000); /* only the trailer is missing */
            CHECK_EQ(o->n_errors, 1);
            CHECK_STR(o->kind, "gzip");
            CHECK(strstr(o->message, "truncated") != NULL);
            CHECK_EQ(o->offset, cuts[c]);
        }
        free_outcomes(res);
    }
    free(g);
    free(text);
}

/* Damage in the middle of the deflate data: one "gzip" error, reported after the
 * damage, and both backends deliver the same bytes before it (the garbage inflated
 * before the stop may also bring an "encoding" error). */
static void test_corrupt_middle(void)
{
    char *text = record_text(40000, 7);
    size_t gl;
    uint8_t *g = gzip_dynamic(text, 40000, &gl);
    size_t at = gl / 2;
    for (size_t i = at; i < at + 4; i++) g[i] ^= 0xA5;
    outcome res[2];
    read_all_backends(g, gl, 4096, res);
    for (int k = 0; k < n_backends; k++) {
        CHECK_EQ(res[k].gzip_errors, 1);
        CHECK_STR(res[k].kind, "gzip");
        CHECK(strstr(res[k].message, "corrupt") != NULL);
        CHECK(res[k].offset > at && res[k].offset <= gl);
    }
    free_outcomes(res);
    free(g);
    free(text);
}

/* A wrong CRC-32 or ISIZE: the whole text came out, then one "gzip" error. */
static void test_bad_trailer(void)
{
    char *text = record_text(20000, 8);
    size_t gl;
    uint8_t *g = gzip_dynamic(text, 20000, &gl);
    for (int field = 0; field < 2; field++) {
        g[gl - 8 + 4 * field] ^= 0x10;
        outcome res[2];
        read_all_backends(g, gl, 4096, res);
        for (int k = 0; k < n_backends; k++) {
            CHECK_EQ(res[k].data.len, 20000);
            CHECK_EQ(res[k].n_errors, 1);
            CHECK_STR(res[k].kind, "gzip");
            CHECK(res[k].offset >= gl - 8 && res[k].offset <= gl);
        }
        free_outcomes(res);
        g[gl - 8 + 4 * field] ^= 0x10;
    }
    free(g);
    free(text);
}

static void test_trailing_garbage(void)
{
    size_t gl;
    uint8_t *g = gzip_dynamic("hello\n", 6, &gl);
    bytes file = {0};
    bytes_add(&file, g, gl);
    bytes_add(&file, "GARBAGE!", 8);
    outcome res[2];
    read_all_backends(file.p, file.len, 4096, res);
    for (int k = 0; k < n_backends; k++) {
        CHECK(holds(&res[k], "hello\n"));
        CHECK_EQ(res[k].n_errors, 1);
        CHECK_STR(res[k].kind, "gzip");
        CHECK(strstr(res[k].message, "trailing garbage") != NULL);
        CHECK_EQ(res[k].offset, gl); /* where the garbage starts */
    }
    free_outcomes(res);
    free(file.p);
    free(g);
}

/* An empty member alone, and between two others (pigz can write those). */
static void test_empty_member(void)
{
    size_t le, la, lb;
    uint8_t *e = gzip_dynamic("", 0, &le);
    uint8_t *a = gzip_dynamic("a\n", 2, &la);
    uint8_t *b = gzip_with("b\n", 2, FIXED, false, &lb);
    outcome res[2];
    read_all_backends(e, le, 4096, res);
    for (int k = 0; k < n_backends; k++) {
        CHECK_EQ(res[k].data.len, 0);
        CHECK_EQ(res[k].n_errors, 0);
    }
    free_outcomes(res);
    bytes file = {0};
    bytes_add(&file, a, la);
    bytes_add(&file, e, le);
    bytes_add(&file, b, lb);
    read_all_backends(file.p, file.len, 4096, res);
    for (int k = 0; k < n_backends; k++) {
        CHECK(holds(&res[k], "a\nb\n"));
        CHECK_EQ(res[k].n_errors, 0);
    }
    free_outcomes(res);
    free(file.p);
    free(e), free(a), free(b);
}

/* Several MiB, one member and four members cut at arbitrary bytes (inside UTF-8
 * sequences too), read with a small and a large buffer: the text comes back whole. */
static void test_large_stream(void)
{
    size_t n = 6u << 20;
    char *text = record_text(n, 9);
    size_t gl;
    uint8_t *g = gzip_dynamic(text, n, &gl);
    bytes multi = {0};
    size_t cuts[] = {0, 1000003, 2500001, 4200007, n};
    for (int i = 0; i < 4; i++) {
        size_t ml;
        uint8_t *m = gzip_with(text + cuts[i], cuts[i + 1] - cuts[i], i == 2 ? STORED : DYNAMIC,
                               i == 1, &ml);
        bytes_add(&multi, m, ml);
        free(m);
    }
    size_t caps[] = {61, 1u << 20};
    for (int c = 0; c < 2; c++) {
        outcome res[2];
        read_all_backends(g, gl, caps[c], res);
        for (int k = 0; k < n_backends; k++) {
            CHECK(res[k].data.len == n && memcmp(res[k].data.p, text, n) == 0);
            CHECK_EQ(res[k].n_errors, 0);
        }
        free_outcomes(res);
        read_all_backends(multi.p, multi.len, caps[c], res);
        for (int k = 0; k < n_backends; k++) {
            CHECK(res[k].data.len == n && memcmp(res[k].data.p, text, n) == 0);
            CHECK_EQ(res[k].n_errors, 0);
        }
        free_outcomes(res);
    }
    free(multi.p);
    free(g);
    free(text);
}

int main(void)
{
    find_backends();
    printf("inflate backends: %s%s\n", backends[0].name,
           n_backends > 1 ? ", isa-l" : "");
    RUN(test_backend_choice);
    RUN(test_sliced_members_every_block_type);
    RUN(test_sliced_trailer_checked);
    RUN(test_sliced_reserved_flags);
    RUN(test_sliced_bad_distance);
    RUN(test_single_member);
    RUN(test_members_split_inside_utf8);
    RUN(test_truncated);
    RUN(test_corrupt_middle);
    RUN(test_bad_trailer);
    RUN(test_trailing_garbage);
    RUN(test_empty_member);
    RUN(test_large_stream);
    return CHECK_DONE();
}
