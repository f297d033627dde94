/* test_input.c - unit tests of stage 1 (src/input/): gzip members, encodings, error
 * reporting and chunking. Every expected byte string is written out by hand (UTF-8 and
 * GBK code tables, the UTF-16 surrogate formula), never taken from the program. */
#include "check.h"
#include "../../src/input/binary.h"
#include "pitally/fileio.h"
#include "pitally/input.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers ---- */

typedef struct {
    char *data;
    size_t len;
    pt_compression comp;
    pt_encoding enc;
    uint64_t bytes_in;
    uint64_t size;
    int opened;
} result;

static char *temp_file(const void *data, size_t n)
{
    char *path = strdup("/tmp/pitally_input_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); exit(2); }
    if (n && write(fd, data, n) != (ssize_t)n) { perror("write"); exit(2); }
    close(fd);
    return path;
}

static void remove_temp(char *path)
{
    unlink(path);
    free(path);
}

static void *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) { perror("fread"); exit(2); }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* data compressed as one gzip member by zlib's own gz* writer */
static void *gzip_member(const void *data, size_t n, size_t *gz_len)
{
    char *path = temp_file("", 0);
    gzFile g = gzopen(path, "wb");
    if (!g || (n && gzwrite(g, data, (unsigned)n) != (int)n) || gzclose(g) != Z_OK) {
        fprintf(stderr, "gzwrite failed\n");
        exit(2);
    }
    void *bytes = slurp(path, gz_len);
    remove_temp(path);
    return bytes;
}

/* Every chunk of pt_source_read must hold whole UTF-8 sequences (structure check). */
static int whole_utf8(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

static result read_path_with(const char *path, const pt_source_options *o, pt_errlist *errs,
                             size_t cap)
{
    result r = {0};
    pt_source *s = pt_source_open_with(path, o, errs);
    if (!s) return r;
    r.opened = 1;
    char *buf = malloc(cap);
    size_t n, total = 0, room = 1 << 16;
    r.data = malloc(room);
    while ((n = pt_source_read(s, buf, cap)) > 0) {
        CHECK(n <= cap);
        CHECK(whole_utf8(buf, n));
        if (total + n > room) {
            while (total + n > room) room *= 2;
            r.data = realloc(r.data, room);
        }
        memcpy(r.data + total, buf, n);
        total += n;
    }
    CHECK_EQ(pt_source_read(s, buf, cap), 0); /* stays at the end */
    r.len = total;
    r.comp = pt_source_compression(s);
    r.enc = pt_source_encoding(s);
    r.bytes_in = pt_source_bytes_in(s);
    r.size = pt_source_size(s);
    pt_source_close(s);
    free(buf);
    return r;
}

static result read_path(const char *path, pt_encoding forced, pt_errlist *errs, size_t cap)
{
    pt_source_options o;
    pt_source_options_default(&o);
    o.encoding = forced;
    return read_path_with(path, &o, errs, cap);
}

static result read_bytes_with(const void *data, size_t n, const pt_source_options *o,
                              pt_errlist *errs, size_t cap)
{
    char *path = temp_file(data, n);
    result r = read_path_with(path, o, errs, cap);
    remove_temp(path);
    return r;
}

static result read_bytes(const void *data, size_t n, pt_encoding forced, pt_errlist *errs,
                         size_t cap)
{
    char *path = temp_file(data, n);
    result r = read_path(path, forced, errs, cap);
    remove_temp(path);
    return r;
}

static int count_kind(const pt_errlist *l, const char *kind)
{
    int n = 0;
    for (size_t i = 0; i < l->n; i++) n += strcmp(l->v[i].kind, kind) == 0;
    return n;
}

/* ---- names ---- */

static void test_names(void)
{
    CHECK_STR(pt_compression_name(PT_COMP_NONE), "none");
    CHECK_STR(pt_compression_name(PT_COMP_GZIP), "gzip");
    CHECK_STR(pt_encoding_name(PT_ENC_UTF8), "utf-8");
    CHECK_STR(pt_encoding_name(PT_ENC_GB18030), "gb18030");
    CHECK_STR(pt_encoding_name(PT_ENC_UTF16LE), "utf-16le");
    CHECK_STR(pt_encoding_name(PT_ENC_UTF16BE), "utf-16be");
    pt_encoding e = PT_ENC_UTF16BE;
    CHECK_EQ(pt_encoding_parse("auto", &e), 0);
    CHECK_EQ(e, PT_ENC_AUTO);
    CHECK_EQ(pt_encoding_parse("utf-8", &e), 0);
    CHECK_EQ(e, PT_ENC_UTF8);
    e = PT_ENC_AUTO;
    CHECK_EQ(pt_encoding_parse("utf8", &e), 0);
    CHECK_EQ(e, PT_ENC_UTF8);
    CHECK_EQ(pt_encoding_parse("gbk", &e), 0);
    CHECK_EQ(e, PT_ENC_GB18030);
    e = PT_ENC_AUTO;
    CHECK_EQ(pt_encoding_parse("gb2312", &e), 0);
    CHECK_EQ(e, PT_ENC_GB18030);
    e = PT_ENC_AUTO;
    CHECK_EQ(pt_encoding_parse("gb18030", &e), 0);
    CHECK_EQ(e, PT_ENC_GB18030);
    CHECK_EQ(pt_encoding_parse("utf-16le", &e), 0);
    CHECK_EQ(e, PT_ENC_UTF16LE);
    CHECK_EQ(pt_encoding_parse("utf-16be", &e), 0);
    CHECK_EQ(e, PT_ENC_UTF16BE);
    CHECK_EQ(pt_encoding_parse("latin1", &e), -1);
    CHECK_EQ(pt_encoding_parse("", &e), -1);
    CHECK_EQ(e, PT_ENC_UTF16BE); /* untouched on failure */
}

/* ---- plain text ---- */

static void test_plain_utf8(void)
{
    /* 张 U+5F20 = E5 BC A0, 三 U+4E09 = E4 B8 89 */
    const char *text = "name,phone\n\xE5\xBC\xA0\xE4\xB8\x89,13800138000\n";
    pt_errlist errs = {0};
    result r = read_bytes(text, strlen(text), PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK_MEM(r.data, r.len, text);
    CHECK_EQ(r.comp, PT_COMP_NONE);
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_EQ(r.bytes_in, strlen(text));
    CHECK_EQ(r.size, strlen(text));
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_utf8_bom_stripped(void)
{
    pt_errlist errs = {0};
    result r = read_bytes("\xEF\xBB\xBF" "a,b\n", 7, PT_ENC_AUTO, &errs, 4096);
    CHECK_MEM(r.data, r.len, "a,b\n");
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    /* a forced encoding strips its BOM too */
    r = read_bytes("\xEF\xBB\xBF" "a,b\n", 7, PT_ENC_UTF8, &errs, 4096);
    CHECK_MEM(r.data, r.len, "a,b\n");
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_empty_file(void)
{
    pt_errlist errs = {0};
    result r = read_bytes("", 0, PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(r.comp, PT_COMP_NONE);
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_EQ(r.bytes_in, 0);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_missing_file(void)
{
    pt_errlist errs = {0};
    pt_source *s = pt_source_open("/tmp/pitally_no_such_file_for_test_input", PT_ENC_AUTO, &errs);
    CHECK(s == NULL);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "open");
        CHECK(strstr(errs.v[0].message, "No such file") != NULL);
    }
    pt_errlist_free(&errs);
}

static void test_directory(void)
{
    pt_errlist errs = {0};
    pt_source *s = pt_source_open("/tmp", PT_ENC_AUTO, &errs);
    CHECK(s == NULL);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "open");
        CHECK_STR(errs.v[0].message, "is a directory");
    }
    pt_errlist_free(&errs);
}

/* "-" reads fd 0 and leaves it open */
static void test_stdin(void)
{
    char *path = temp_file("from stdin\n", 11);
    int saved = dup(0);
    FILE *f = fopen(path, "rb");
    dup2(fileno(f), 0);
    pt_errlist errs = {0};
    result r = read_path("-", PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK_MEM(r.data, r.len, "from stdin\n");
    CHECK_EQ(errs.n, 0);
    CHECK(lseek(0, 0, SEEK_CUR) == 11); /* fd 0 still open, read to its end */
    dup2(saved, 0);
    close(saved);
    fclose(f);
    free(r.data);
    pt_errlist_free(&errs);
    remove_temp(path);
}

/* ---- gzip ---- */

static void test_gzip_single_member(void)
{
    const char *text = "id,mobile\n1,13800138000\n2,13912345678\n";
    size_t gz_len;
    void *gz = gzip_member(text, strlen(text), &gz_len);
    pt_errlist errs = {0};
    result r = read_bytes(gz, gz_len, PT_ENC_AUTO, &errs, 4096);
    CHECK_MEM(r.data, r.len, text);
    CHECK_EQ(r.comp, PT_COMP_GZIP);
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_EQ(r.bytes_in, gz_len); /* compressed bytes */
    CHECK_EQ(r.size, gz_len);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    free(gz);
    pt_errlist_free(&errs);
}

static void test_gzip_two_members(void)
{
    size_t a_len, b_len;
    void *a = gzip_member("first\n", 6, &a_len);
    void *b = gzip_member("second\n", 7, &b_len);
    char *both = malloc(a_len + b_len);
    memcpy(both, a, a_len);
    memcpy(both + a_len, b, b_len);
    pt_errlist errs = {0};
    result r = read_bytes(both, a_len + b_len, PT_ENC_AUTO, &errs, 4096);
    CHECK_MEM(r.data, r.len, "first\nsecond\n");
    CHECK_EQ(r.comp, PT_COMP_GZIP);
    CHECK_EQ(r.bytes_in, a_len + b_len);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    free(a);
    free(b);
    free(both);
    pt_errlist_free(&errs);
}

/* Lines of pseudo-random digits: they do not compress to nothing, so the last bytes of
 * the deflate stream carry real text. */
static char *digit_lines(size_t n)
{
    char *text = malloc(n + 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        text[i] = i % 40 == 39 ? '\n' : (char)('0' + (x >> 16) % 10);
    }
    text[n] = '\0';
    return text;
}

static void test_gzip_truncated(void)
{
    char *text = digit_lines(20000);
    size_t gz_len;
    void *gz = gzip_member(text, 20000, &gz_len);
    pt_errlist errs = {0};
    result r = read_bytes(gz, gz_len - 20, PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK(r.len > 0);
    CHECK(r.len < 20000);
    CHECK(memcmp(r.data, text, r.len) == 0); /* what came out is the start of the text */
    CHECK_EQ(errs.n, 1);
    CHECK_EQ(count_kind(&errs, "gzip"), 1);
    if (errs.n == 1) CHECK_EQ(errs.v[0].offset, gz_len - 20); /* the end of the cut file */
    free(r.data);
    free(gz);
    free(text);
    pt_errlist_free(&errs);
}

static void test_gzip_trailing_garbage(void)
{
    size_t gz_len;
    void *gz = gzip_member("hello\n", 6, &gz_len);
    char *file = malloc(gz_len + 8);
    memcpy(file, gz, gz_len);
    memcpy(file + gz_len, "GARBAGE!", 8);
    pt_errlist errs = {0};
    result r = read_bytes(file, gz_len + 8, PT_ENC_AUTO, &errs, 4096);
    CHECK_MEM(r.data, r.len, "hello\n");
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "gzip");
        CHECK_EQ(errs.v[0].offset, gz_len); /* where the garbage starts */
        CHECK(strstr(errs.v[0].message, "trailing garbage") != NULL);
    }
    free(r.data);
    free(gz);
    free(file);
    pt_errlist_free(&errs);
}

/* A flipped byte in the deflate data: one "gzip" error, never a crash. */
static void test_gzip_corrupt(void)
{
    char *text = digit_lines(20000);
    size_t gz_len;
    unsigned char *gz = gzip_member(text, 20000, &gz_len);
    for (size_t i = gz_len / 2; i < gz_len / 2 + 8; i++) gz[i] ^= 0x5A;
    pt_errlist errs = {0};
    result r = read_bytes(gz, gz_len, PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK(r.len < 20000 + 3 * 20000); /* bounded, whatever was inflated */
    CHECK_EQ(count_kind(&errs, "gzip"), 1);
    free(r.data);
    free(gz);
    free(text);
    pt_errlist_free(&errs);
}

/* ---- GB18030 ---- */

static void test_gb18030_detected(void)
{
    /* GBK: 张 D5 C5, 伟 CE B0, 李 C0 EE, 娜 C4 C8
     * UTF-8: 张 U+5F20 E5 BC A0, 伟 U+4F1F E4 BC 9F, 李 U+674E E6 9D 8E, 娜 U+5A1C E5 A8 9C */
    const char *gbk = "\xD5\xC5\xCE\xB0,13800138000\n\xC0\xEE\xC4\xC8,13912345678\n";
    const char *utf8 = "\xE5\xBC\xA0\xE4\xBC\x9F,13800138000\n\xE6\x9D\x8E\xE5\xA8\x9C,13912345678\n";
    pt_errlist errs = {0};
    result r = read_bytes(gbk, strlen(gbk), PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_GB18030);
    CHECK_MEM(r.data, r.len, utf8);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_gb18030_invalid_bytes(void)
{
    /* FF is never valid in GB18030; D5 alone at the end is a cut sequence */
    pt_errlist errs = {0};
    result r = read_bytes("a\xFF" "b\xD5", 4, PT_ENC_GB18030, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_GB18030);
    CHECK_MEM(r.data, r.len, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "encoding");
        CHECK_EQ(errs.v[0].offset, 1);
        CHECK_STR(errs.v[0].message,
                  "2 invalid gb18030 sequences replaced by U+FFFD; first at byte 1");
    }
    free(r.data);
    pt_errlist_free(&errs);
}

/* Many reads: 2-byte GBK characters cut by buffer refills and by a 16-byte cap. */
static void test_gb18030_long_input(void)
{
    /* 张伟, in GBK is D5 C5 CE B0 2C (5 bytes); in UTF-8 E5 BC A0 E4 BC 9F 2C (7 bytes) */
    const size_t units = 100001; /* 500 005 bytes: several refills of the 256 KiB buffer */
    char *gbk = malloc(units * 5), *utf8 = malloc(units * 7 + 1);
    for (size_t i = 0; i < units; i++) {
        memcpy(gbk + 5 * i, "\xD5\xC5\xCE\xB0,", 5);
        memcpy(utf8 + 7 * i, "\xE5\xBC\xA0\xE4\xBC\x9F,", 7);
    }
    utf8[units * 7] = '\0';
    size_t caps[] = {16, 65536};
    for (size_t c = 0; c < 2; c++) {
        pt_errlist errs = {0};
        result r = read_bytes(gbk, units * 5, PT_ENC_AUTO, &errs, caps[c]);
        CHECK_EQ(r.enc, PT_ENC_GB18030);
        CHECK_EQ(r.len, units * 7);
        CHECK(r.len == units * 7 && memcmp(r.data, utf8, r.len) == 0);
        CHECK_EQ(errs.n, 0);
        free(r.data);
        pt_errlist_free(&errs);
    }
    free(gbk);
    free(utf8);
}

/* ---- UTF-16 ---- */

/* U+1F600 = D83D DE00 (0x1F600 - 0x10000 = 0x0F600: high 0x3D, low 0x200), UTF-8 F0 9F 98 80 */
static void test_utf16le_bom_surrogate_pair(void)
{
    const unsigned char le[] = {0xFF, 0xFE, 'A', 0, 0x3D, 0xD8, 0x00, 0xDE, '\n', 0};
    pt_errlist errs = {0};
    result r = read_bytes(le, sizeof le, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16LE);
    CHECK_MEM(r.data, r.len, "A\xF0\x9F\x98\x80\n");
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_utf16be_bom_surrogate_pair(void)
{
    /* also U+5F20 张 = 5F 20 -> E5 BC A0 */
    const unsigned char be[] = {0xFE, 0xFF, 0, 'A', 0xD8, 0x3D, 0xDE, 0x00, 0x5F, 0x20, 0, '\n'};
    pt_errlist errs = {0};
    result r = read_bytes(be, sizeof be, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16BE);
    CHECK_MEM(r.data, r.len, "A\xF0\x9F\x98\x80\xE5\xBC\xA0\n");
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

static void test_utf16_without_bom(void)
{
    const unsigned char le[] = {'i', 0, 'd', 0, ',', 0, 0xE9, 0, '\n', 0}; /* é U+00E9 */
    const unsigned char be[] = {0, 'i', 0, 'd', 0, ',', 0, 0xE9, 0, '\n'};
    pt_errlist errs = {0};
    result r = read_bytes(le, sizeof le, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16LE);
    CHECK_MEM(r.data, r.len, "id,\xC3\xA9\n");
    free(r.data);
    r = read_bytes(be, sizeof be, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16BE);
    CHECK_MEM(r.data, r.len, "id,\xC3\xA9\n");
    free(r.data);
    CHECK_EQ(errs.n, 0);
    pt_errlist_free(&errs);
}

static void test_utf16_lone_surrogate_and_odd_byte(void)
{
    /* BOM, 'A', lone low surrogate DC00 at byte 4, 'B', then one odd byte at byte 8 */
    const unsigned char le[] = {0xFF, 0xFE, 'A', 0, 0x00, 0xDC, 'B', 0, 'C'};
    pt_errlist errs = {0};
    result r = read_bytes(le, sizeof le, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16LE);
    CHECK_MEM(r.data, r.len, "A\xEF\xBF\xBD" "B\xEF\xBF\xBD");
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "encoding");
        CHECK_EQ(errs.v[0].offset, 4);
        CHECK_STR(errs.v[0].message,
                  "2 invalid utf-16le sequences replaced by U+FFFD; first at byte 4");
    }
    free(r.data);
    pt_errlist_free(&errs);
}

/* ---- invalid UTF-8 ---- */

/* o k FF | C3 A9 | E4 BD x | F0 9F 98 <eof>
 * byte 2: FF cannot start a sequence            -> U+FFFD
 * byte 5: E4 BD is cut short by 'x'              -> one U+FFFD for the 2-byte fragment
 * byte 8: F0 9F 98 ends the file                 -> one U+FFFD */
static const char damaged[] = "ok\xFF\xC3\xA9\xE4\xBDx\xF0\x9F\x98";
static const char repaired[] = "ok\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBDx\xEF\xBF\xBD";

static void test_invalid_utf8_replaced(void)
{
    pt_errlist errs = {0};
    result r = read_bytes(damaged, strlen(damaged), PT_ENC_UTF8, &errs, 4096);
    CHECK_MEM(r.data, r.len, repaired);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "encoding");
        CHECK_EQ(errs.v[0].offset, 2);
        CHECK_STR(errs.v[0].message,
                  "3 invalid utf-8 sequences replaced by U+FFFD; first at byte 2");
    }
    free(r.data);
    pt_errlist_free(&errs);
}

/* Offsets count decompressed bytes, BOM included; here auto-detected through the BOM. */
static void test_invalid_utf8_offset_after_bom(void)
{
    char with_bom[64] = "\xEF\xBB\xBF";
    strcat(with_bom, damaged);
    pt_errlist errs = {0};
    result r = read_bytes(with_bom, strlen(with_bom), PT_ENC_AUTO, &errs, 16);
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_MEM(r.data, r.len, repaired);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) CHECK_EQ(errs.v[0].offset, 5);
    free(r.data);
    pt_errlist_free(&errs);
}

/* Mostly valid UTF-8 Chinese with one stray byte must not be mistaken for GB18030. */
static void test_damaged_utf8_still_utf8(void)
{
    /* 王芳 U+738B U+82B3 = E7 8E 8B E8 8A B3, repeated; one 0xB3 alone at byte 10 */
    const char *text = "\xE7\x8E\x8B\xE8\x8A\xB3,1,\n" "\xB3" "\xE7\x8E\x8B\xE8\x8A\xB3,2,\n"
                       "\xE7\x8E\x8B\xE8\x8A\xB3,3,\n";
    pt_errlist errs = {0};
    result r = read_bytes(text, strlen(text), PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF8);
    CHECK_MEM(r.data, r.len,
              "\xE7\x8E\x8B\xE8\x8A\xB3,1,\n" "\xEF\xBF\xBD" "\xE7\x8E\x8B\xE8\x8A\xB3,2,\n"
              "\xE7\x8E\x8B\xE8\x8A\xB3,3,\n");
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) CHECK_EQ(errs.v[0].offset, 10);
    free(r.data);
    pt_errlist_free(&errs);
}

/* ---- chunking ---- */

/* With cap 16, 3-byte and 4-byte sequences must never be cut (read_path checks each
 * chunk); the concatenation is the text itself, for every path through the code. */
static void test_small_cap_never_splits(void)
{
    /* 张三李四 then U+1F600 F0 9F 98 80, repeated */
    const char *unit = "\xE5\xBC\xA0\xE4\xB8\x89\xE6\x9D\x8E\xE5\x9B\x9B\xF0\x9F\x98\x80,";
    char text[17 * 40 + 1] = "";
    for (int i = 0; i < 40; i++) strcat(text, unit);
    pt_errlist errs = {0};
    result r = read_bytes(text, strlen(text), PT_ENC_AUTO, &errs, 16);
    CHECK_MEM(r.data, r.len, text);
    free(r.data);

    size_t gz_len;
    void *gz = gzip_member(text, strlen(text), &gz_len);
    r = read_bytes(gz, gz_len, PT_ENC_AUTO, &errs, 16);
    CHECK_MEM(r.data, r.len, text);
    free(r.data);
    free(gz);

    /* the same in UTF-16LE: 5F20 4E09 674E 56DB D83D DE00 002C */
    unsigned char le[14 * 40];
    const unsigned char le_unit[14] = {0x20, 0x5F, 0x09, 0x4E, 0x4E, 0x67, 0xDB, 0x56,
                                       0x3D, 0xD8, 0x00, 0xDE, ',', 0};
    for (int i = 0; i < 40; i++) memcpy(le + 14 * i, le_unit, 14);
    r = read_bytes(le, sizeof le, PT_ENC_UTF16LE, &errs, 16);
    CHECK_MEM(r.data, r.len, text);
    free(r.data);
    CHECK_EQ(errs.n, 0);
    pt_errlist_free(&errs);
}

/* ---- big inputs: several reads, buffer refills, direct path ---- */

#define BIG_UNIT "\xE5\xBC\xA0\xE4\xB8\x89,13800138000,\xF0\x9F\x98\x80\n" /* 6+13+4+1 = 24 bytes */
#define BIG_LINES 40000                                                 /* 960 000 bytes */

static char *big_text(size_t *len)
{
    size_t unit = strlen(BIG_UNIT);
    char *t = malloc(unit * BIG_LINES + 1);
    for (size_t i = 0; i < BIG_LINES; i++) memcpy(t + i * unit, BIG_UNIT, unit);
    t[unit * BIG_LINES] = '\0';
    *len = unit * BIG_LINES;
    return t;
}

static void test_big_plain_with_damage(void)
{
    size_t len;
    char *text = big_text(&len);
    /* Replace one whole 3-byte 张 far past the first reads with FF FF FF: three
     * replacements, the first at its offset. */
    size_t at = 24 * 20000; /* start of line 20000, its 张; far past the 64 KiB sniff */
    char *damaged_text = malloc(len);
    memcpy(damaged_text, text, len);
    memset(damaged_text + at, 0xFF, 3);
    char *expect = malloc(len + 6 + 1);
    memcpy(expect, text, at);
    memcpy(expect + at, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9);
    memcpy(expect + at + 9, text + at + 3, len - at - 3);
    expect[len + 6] = '\0';

    size_t caps[] = {16, 4093, 65536, 1 << 20};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        pt_errlist errs = {0};
        result r = read_bytes(damaged_text, len, PT_ENC_AUTO, &errs, caps[c]);
        CHECK_EQ(r.enc, PT_ENC_UTF8);
        CHECK_EQ(r.len, len + 6);
        CHECK(r.len == len + 6 && memcmp(r.data, expect, len + 6) == 0);
        CHECK_EQ(r.bytes_in, len);
        CHECK_EQ(errs.n, 1);
        if (errs.n == 1) {
            CHECK_EQ(errs.v[0].offset, at);
            CHECK(strncmp(errs.v[0].message, "3 invalid utf-8 sequences", 25) == 0);
        }
        free(r.data);
        pt_errlist_free(&errs);
    }
    free(text);
    free(damaged_text);
    free(expect);
}

/* A small file (all of it in the 64 KiB the encoding guess checks) with a valid head and
 * a damaged tail: the decoder copies what the guess vouched for and still finds every
 * bad byte. 1500 lines of 24 bytes = 36000; 张 of line 1400 (offset 24 * 1400 = 33600)
 * becomes FF FF FF (3 replacements), and the file ends in E4 B8, a 中 cut by the end
 * of the file (1 replacement): 4 in all, the first at 33600. Still UTF-8: 4499 valid
 * multi-byte sequences (3 a line, less the 张) against 3 invalid ones. */
static void test_small_file_valid_head_invalid_tail(void)
{
    size_t unit = strlen(BIG_UNIT), lines = 1500, at = 24 * 1400;
    size_t len = unit * lines + 2;
    char *text = malloc(len), *expect = malloc(len + 6 + 1 + 1);
    for (size_t i = 0; i < lines; i++) memcpy(text + i * unit, BIG_UNIT, unit);
    memcpy(text + unit * lines, "\xE4\xB8", 2);
    memcpy(expect, text, at);
    memcpy(expect + at, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9);
    memset(text + at, 0xFF, 3);
    memcpy(expect + at + 9, text + at + 3, unit * lines - at - 3);
    memcpy(expect + unit * lines + 6, "\xEF\xBF\xBD", 3); /* 2 cut bytes become 3 */
    size_t expect_len = unit * lines + 6 + 3;

    size_t caps[] = {16, 4093, 65536};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        pt_errlist errs = {0};
        result r = read_bytes(text, len, PT_ENC_AUTO, &errs, caps[c]);
        CHECK_EQ(r.enc, PT_ENC_UTF8);
        CHECK_EQ(r.len, expect_len);
        CHECK(r.len == expect_len && memcmp(r.data, expect, expect_len) == 0);
        CHECK_EQ(errs.n, 1);
        if (errs.n == 1) {
            CHECK_EQ(errs.v[0].offset, at);
            CHECK(strncmp(errs.v[0].message, "4 invalid utf-8 sequences", 25) == 0);
        }
        free(r.data);
        pt_errlist_free(&errs);
    }
    free(text);
    free(expect);
}

static void test_big_gzip_three_members(void)
{
    size_t len;
    char *text = big_text(&len);
    size_t cut1 = 100001, cut2 = 700003; /* inside UTF-8 sequences on purpose */
    size_t l1, l2, l3;
    void *g1 = gzip_member(text, cut1, &l1);
    void *g2 = gzip_member(text + cut1, cut2 - cut1, &l2);
    void *g3 = gzip_member(text + cut2, len - cut2, &l3);
    char *file = malloc(l1 + l2 + l3);
    memcpy(file, g1, l1);
    memcpy(file + l1, g2, l2);
    memcpy(file + l1 + l2, g3, l3);
    pt_errlist errs = {0};
    result r = read_bytes(file, l1 + l2 + l3, PT_ENC_AUTO, &errs, 100000);
    CHECK_EQ(r.comp, PT_COMP_GZIP);
    CHECK_EQ(r.len, len);
    CHECK(r.len == len && memcmp(r.data, text, len) == 0);
    CHECK_EQ(r.bytes_in, l1 + l2 + l3);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    free(g1);
    free(g2);
    free(g3);
    free(file);
    free(text);
    pt_errlist_free(&errs);
}

/* ---- decompression bombs ---- */

/* 8 MiB of "x\n": deflate packs it about 1000:1, like a bomb, yet it is text. */
#define BOMB_TEXT (8u << 20)
static char *bomb_text(void)
{
    char *t = malloc(BOMB_TEXT);
    for (size_t i = 0; i < BOMB_TEXT; i += 2) memcpy(t + i, "x\n", 2);
    return t;
}

static void test_gzip_bomb_ratio(void)
{
    char *text = bomb_text();
    size_t gz_len;
    void *gz = gzip_member(text, BOMB_TEXT, &gz_len);
    CHECK(gz_len * 200 < BOMB_TEXT); /* the premise: far denser than 200:1 */
    pt_source_options o;
    pt_source_options_default(&o);
    o.max_ratio = 100;
    o.ratio_after = 1u << 20;
    pt_errlist errs = {0};
    result r = read_bytes_with(gz, gz_len, &o, &errs, 65536);
    /* stops at the first inflate step past 1 MiB; one step makes at most 256 KiB */
    CHECK(r.len > (1u << 20));
    CHECK(r.len <= (1u << 20) + (256u << 10));
    CHECK(r.len <= BOMB_TEXT && memcmp(r.data, text, r.len) == 0);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "gzip_bomb");
        CHECK(errs.v[0].offset > 0);
        CHECK(errs.v[0].offset * 100 <= r.len); /* the ratio held where it stopped */
        CHECK(strstr(errs.v[0].message, "ratio") != NULL);
    }
    free(r.data);
    pt_errlist_free(&errs);

    /* the defaults judge ratio only past 64 MiB: the same file reads whole, no error */
    r = read_bytes(gz, gz_len, PT_ENC_AUTO, &errs, 65536);
    CHECK_EQ(r.len, BOMB_TEXT);
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
    free(gz);
    free(text);
}

static void test_gzip_bomb_output_cap(void)
{
    char *text = bomb_text();
    size_t gz_len;
    void *gz = gzip_member(text, BOMB_TEXT, &gz_len);
    pt_source_options o;
    pt_source_options_default(&o);
    o.max_ratio = 0;
    o.max_output = 300000;
    pt_errlist errs = {0};
    result r = read_bytes_with(gz, gz_len, &o, &errs, 4096);
    CHECK(r.len > 300000);
    CHECK(r.len <= 300000 + (256u << 10));
    CHECK_EQ(count_kind(&errs, "gzip_bomb"), 1);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) CHECK(strstr(errs.v[0].message, "output limit") != NULL);
    free(r.data);
    pt_errlist_free(&errs);
    free(gz);
    free(text);
}

/* ---- binary inputs ---- */

static void check_binary(const void *data, size_t n, const char *what)
{
    pt_errlist errs = {0};
    result r = read_bytes(data, n, PT_ENC_AUTO, &errs, 4096);
    CHECK(r.opened);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_STR(errs.v[0].kind, "binary");
        CHECK_EQ(errs.v[0].offset, 0);
        if (!strstr(errs.v[0].message, what)) {
            printf("#   message \"%s\" lacks \"%s\"\n", errs.v[0].message, what);
            CHECK(0);
        }
    }
    free(r.data);
    pt_errlist_free(&errs);
}

/* n pseudo-random bytes (an LCG's high bytes) */
static unsigned char *random_bytes(size_t n, uint32_t seed)
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 24);
    }
    return p;
}

static void test_binary_magic(void)
{
    /* each magic followed by ordinary text, so only the magic can give it away */
    static const struct { const char *bytes; size_t len; const char *what; } cases[] = {
        {"\x89PNG\r\n\x1a\nhello,world\n", 20, "PNG"},
        {"\xFF\xD8\xFF\xE0hello,world\n", 16, "JPEG"},
        {"PK\x03\x04hello,world\n", 16, "zip"},
        {"7z\xBC\xAF\x27\x1Chello,world\n", 18, "7z"},
        {"\xFD" "7zXZ\x00hello,world\n", 18, "xz"},
        {"\x28\xB5\x2F\xFDhello,world\n", 16, "zstd"},
        {"BZh91AY&SYhello,world\n", 22, "bzip2"},
        {"\x7F" "ELFhello,world\n", 16, "ELF"},
        {"SQLite format 3\x00hello\n", 22, "SQLite"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_binary(cases[i].bytes, cases[i].len, cases[i].what);
    /* "BZh9" without the block magic is text */
    pt_errlist errs = {0};
    result r = read_bytes("BZh9 is a bzip2 header,x\n", 25, PT_ENC_AUTO, &errs, 4096);
    CHECK_MEM(r.data, r.len, "BZh9 is a bzip2 header,x\n");
    CHECK_EQ(errs.n, 0);
    free(r.data);
    pt_errlist_free(&errs);
}

/* The control count that decides "binary", against its definition (bytes below 0x20
 * less SOH, TAB to CR, SUB and ESC; and DEL), on buffers of every length and alignment
 * around the vector widths: text bytes, newlines and about one odd control in seven. */
static void test_binary_control_count(void)
{
    srand(11);
    int bad = 0;
    static uint8_t buf[4200];
    for (int round = 0; round < 3000; round++) {
        size_t at = (size_t)(rand() % 64), n = 32 + (size_t)(rand() % (round < 2000 ? 200 : 4000));
        uint8_t *p = buf + at;
        for (size_t i = 0; i < n; i++) {
            int r = rand() % 12;
            p[i] = r == 0 ? (uint8_t)(rand() % 0x20) : r == 1 ? 0x7F : r == 2 ? '\n'
                   : (uint8_t)(0x20 + rand() % 0xE0);
        }
        p[0] = 'a';   /* no magic by chance */
        size_t want = 0;
        for (size_t i = 0; i < n; i++) {
            bool allowed = p[i] == 0x01 || (p[i] >= 0x09 && p[i] <= 0x0D) || p[i] == 0x1A ||
                           p[i] == 0x1B;
            want += (p[i] < 0x20 && !allowed) || p[i] == 0x7F;
        }
        char why[128], expect[128];
        bool binary = pt_input_looks_binary(p, n, PT_ENC_UTF8, why, sizeof why);
        snprintf(expect, sizeof expect, "%zu control characters in the first %zu bytes", want, n);
        if (binary != (want * 20 > n) || (binary && strcmp(why, expect) != 0)) {
            if (bad++ < 3) printf("#   n %zu at %zu: want %zu, binary %d, why %s\n", n, at, want, binary, binary ? why : "");
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_binary_random_and_nested_gzip(void)
{
    unsigned char *rnd = random_bytes(8192, 7);
    rnd[0] = 'a'; /* no magic by chance */
    check_binary(rnd, 8192, "control characters");
    /* gzip of random bytes: the outer gzip is read, what comes out is binary */
    size_t gz_len;
    void *gz = gzip_member(rnd, 8192, &gz_len);
    check_binary(gz, gz_len, "control characters");
    /* gzip of a gzip: the inner magic */
    size_t gz2_len;
    void *gz2 = gzip_member(gz, gz_len, &gz2_len);
    check_binary(gz2, gz2_len, "gzip inside gzip");
    free(gz);
    free(gz2);
    free(rnd);
}

static void test_text_with_some_controls_is_text(void)
{
    /* one NUL and one BEL per 100 bytes: 2%, under the 5% threshold; SOH (Hive's
     * separator), ESC and SUB do not count at all */
    char text[10000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = i % 100 == 50 ? '\0' : i % 100 == 51 ? '\a' : i % 100 == 99 ? '\n'
                : i % 10 == 3 ? '\x01' : i % 10 == 4 ? '\x1b' : 'a';
    pt_errlist errs = {0};
    result r = read_bytes(text, sizeof text, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.len, sizeof text);
    CHECK(r.len == sizeof text && memcmp(r.data, text, sizeof text) == 0);
    CHECK_EQ(count_kind(&errs, "binary"), 0);
    free(r.data);
    pt_errlist_free(&errs);
}

/* The density threshold counted exactly, whatever the controls' places in the blocks
 * the count takes at a time: 1000 bytes with 50 odd controls (NUL, BEL, DEL, 0x1F) is
 * 5%, not over it: text; one more is binary. The controls text holds (TAB LF VT FF CR,
 * SOH, SUB, ESC) count for nothing however many there are. */
static void test_control_density_exact(void)
{
    static const char odd[] = {'\0', '\a', '\x7f', '\x1f'};
    static const char fine[] = {'\t', '\n', '\v', '\f', '\r', '\x01', '\x1a', '\x1b'};
    for (size_t shift = 0; shift < 17; shift += 8) {
        char text[1000];
        for (size_t i = 0; i < sizeof text; i++) text[i] = i % 3 ? 'a' : fine[i % 8];
        for (size_t k = 0; k < 50; k++) text[k * 19 + shift + 3] = odd[k % 4];
        char why[128];
        CHECK(!pt_input_looks_binary((const uint8_t *)text, sizeof text, PT_ENC_UTF8, why, sizeof why));
        text[50 * 19 + shift + 4] = '\0';
        CHECK(pt_input_looks_binary((const uint8_t *)text, sizeof text, PT_ENC_UTF8, why, sizeof why));
        CHECK(strstr(why, "51 control characters") != NULL);
    }
}

static void test_scan_binary_option(void)
{
    pt_source_options o;
    pt_source_options_default(&o);
    o.scan_binary = true;
    o.encoding = PT_ENC_UTF8; /* "\x89P" alone would pass for a GBK character */
    pt_errlist errs = {0};
    /* PNG magic: 89 is invalid UTF-8 (one U+FFFD), 1A is SUB, the rest ASCII */
    result r = read_bytes_with("\x89PNG\r\n\x1a\nab\n", 11, &o, &errs, 4096);
    CHECK_MEM(r.data, r.len, "\xEF\xBF\xBDPNG\r\n\x1a\nab\n");
    CHECK_EQ(count_kind(&errs, "binary"), 0);
    CHECK_EQ(count_kind(&errs, "encoding"), 1);
    free(r.data);
    pt_errlist_free(&errs);
}

/* ---- more UTF-16 damage ---- */

static void test_utf16_more_surrogates(void)
{
    /* BE: BOM, high D83D then 'A' (not a low surrogate) -> U+FFFD and 'A' kept;
     * 'B'; a high surrogate D800 as the last unit -> U+FFFD; then an odd byte */
    const unsigned char be[] = {0xFE, 0xFF, 0xD8, 0x3D, 0, 'A', 0, 'B', 0xD8, 0x00, 'Z'};
    pt_errlist errs = {0};
    result r = read_bytes(be, sizeof be, PT_ENC_AUTO, &errs, 4096);
    CHECK_EQ(r.enc, PT_ENC_UTF16BE);
    CHECK_MEM(r.data, r.len, "\xEF\xBF\xBD" "AB\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_EQ(errs.n, 1);
    if (errs.n == 1) {
        CHECK_EQ(errs.v[0].offset, 2);
        CHECK_STR(errs.v[0].message,
                  "3 invalid utf-16be sequences replaced by U+FFFD; first at byte 2");
    }
    free(r.data);
    pt_errlist_free(&errs);
    /* the same damage read 16 bytes at a time, where the pair test meets a buffer end */
    r = read_bytes(be, sizeof be, PT_ENC_AUTO, &errs, 16);
    CHECK_MEM(r.data, r.len, "\xEF\xBF\xBD" "AB\xEF\xBF\xBD\xEF\xBF\xBD");
    free(r.data);
    pt_errlist_free(&errs);
}

/* ---- custody hashes held back (hash_unless_whole) and text that is the raw input ---- */

/* Open over memory and read all the text. */
static pt_source *open_drained(pt_memory_input *m, const void *data, size_t n)
{
    pt_raw_input raw = pt_raw_memory(m, data, n);
    pt_source *s = pt_source_open_raw(&raw, NULL, NULL);
    char buf[4096];
    while (pt_source_read(s, buf, sizeof buf) > 0) {}
    return s;
}

static void test_held_digests_of_small_inputs(void)
{
    pt_memory_input m;
    char md5[33], sha[65];
    /* read whole by the first read and held unhashed, then hashed when asked: "abc" and
     * "" are the test vectors of RFC 1321 (MD5) and FIPS 180-2 (SHA-256) */
    pt_source *s = open_drained(&m, "abc", 3);
    CHECK(pt_source_digests(s, md5, sha));
    CHECK_STR(md5, "900150983cd24fb0d6963f7d28e17f72");
    CHECK_STR(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    pt_source_close(s);
    pt_raw_input r = pt_raw_memory(&m, "abc", 3);   /* asked before any text is read */
    s = pt_source_open_raw(&r, NULL, NULL);
    CHECK(pt_source_digests(s, md5, sha));
    CHECK_STR(md5, "900150983cd24fb0d6963f7d28e17f72");
    pt_source_close(s);
    s = open_drained(&m, "", 0);
    CHECK(pt_source_digests(s, md5, sha));
    CHECK_STR(md5, "d41d8cd98f00b204e9800998ecf8427e");
    CHECK_STR(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pt_source_close(s);
    /* stopped: the caller hashes the text it kept, the source gives none */
    s = open_drained(&m, "abc", 3);
    pt_source_stop_digests(s);
    CHECK(!pt_source_digests(s, md5, sha));
    pt_source_close(s);
}

static void test_held_digests_of_big_and_gzip(void)
{
    pt_memory_input m;
    char md5[33], sha[65];
    /* a million "a" (FIPS 180-2's long vector) is more than the first reads take: hashed
     * as read, from its first byte */
    size_t n = 1000000;
    char *big = malloc(n);
    memset(big, 'a', n);
    pt_source *s = open_drained(&m, big, n);
    CHECK(pt_source_digests(s, md5, sha));
    CHECK_STR(md5, "7707d6ae4e027c70eea2a935c2296f21");
    CHECK_STR(sha, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    pt_source_close(s);
    free(big);
    /* gzip: its first bytes are hashed at once (inflating overwrites them); the hashes
     * are the compressed bytes' */
    size_t gz_len;
    void *gz = gzip_member("abc\n", 4, &gz_len);
    s = open_drained(&m, gz, gz_len);
    CHECK(!pt_source_text_is_raw(s));
    CHECK(pt_source_digests(s, md5, sha));
    pt_digest *d = pt_digest_new();
    char want_md5[33], want_sha[65];
    pt_digest_update(d, gz, gz_len);
    pt_digest_final(d, want_md5, want_sha);
    pt_digest_free(d);
    CHECK_STR(md5, want_md5);
    CHECK_STR(sha, want_sha);
    pt_source_close(s);
    free(gz);
}

static void test_text_is_raw_only_when_unchanged(void)
{
    pt_memory_input m;
    char buf[64];
    /* valid UTF-8 (张 = E5 BC A0), all read: the text was the raw bytes */
    const char *text = "name\n\xE5\xBC\xA0\n";
    pt_source *s = open_drained(&m, text, strlen(text));
    CHECK(pt_source_text_is_raw(s));
    pt_source_close(s);
    /* not before its end, nor when decoding changed the bytes (a BOM, an invalid byte,
     * UTF-16) */
    const char *longer = "name\nzhang san\nli si\nwang wu\nzhao liu\n";   /* 38 bytes */
    pt_raw_input r = pt_raw_memory(&m, longer, strlen(longer));
    s = pt_source_open_raw(&r, NULL, NULL);
    CHECK(!pt_source_text_is_raw(s));
    CHECK_EQ(pt_source_read(s, buf, 16), 16);
    CHECK(!pt_source_text_is_raw(s));   /* 22 bytes still to read */
    while (pt_source_read(s, buf, sizeof buf) > 0) {}
    CHECK(pt_source_text_is_raw(s));
    pt_source_close(s);
    static const char bom[] = "\xEF\xBB\xBF" "a\n", bad[] = "a\xFF" "b\n",
                      u16[] = "\xFF\xFE" "a\0\n\0";
    const struct { const char *p; size_t n; } changed[] = {{bom, 5}, {bad, 4}, {u16, 6}};
    for (size_t i = 0; i < 3; i++) {
        s = open_drained(&m, changed[i].p, changed[i].n);
        CHECK(!pt_source_text_is_raw(s));
        pt_source_close(s);
    }
}

int main(void)
{
    RUN(test_names);
    RUN(test_plain_utf8);
    RUN(test_utf8_bom_stripped);
    RUN(test_empty_file);
    RUN(test_missing_file);
    RUN(test_directory);
    RUN(test_stdin);
    RUN(test_gzip_single_member);
    RUN(test_gzip_two_members);
    RUN(test_gzip_truncated);
    RUN(test_gzip_trailing_garbage);
    RUN(test_gzip_corrupt);
    RUN(test_gb18030_detected);
    RUN(test_gb18030_invalid_bytes);
    RUN(test_gb18030_long_input);
    RUN(test_utf16le_bom_surrogate_pair);
    RUN(test_utf16be_bom_surrogate_pair);
    RUN(test_utf16_without_bom);
    RUN(test_utf16_lone_surrogate_and_odd_byte);
    RUN(test_invalid_utf8_replaced);
    RUN(test_invalid_utf8_offset_after_bom);
    RUN(test_damaged_utf8_still_utf8);
    RUN(test_small_cap_never_splits);
    RUN(test_big_plain_with_damage);
    RUN(test_small_file_valid_head_invalid_tail);
    RUN(test_big_gzip_three_members);
    RUN(test_gzip_bomb_ratio);
    RUN(test_gzip_bomb_output_cap);
    RUN(test_binary_magic);
    RUN(test_binary_random_and_nested_gzip);
    RUN(test_binary_control_count);
    RUN(test_text_with_some_controls_is_text);
    RUN(test_control_density_exact);
    RUN(test_scan_binary_option);
    RUN(test_utf16_more_surrogates);
    RUN(test_held_digests_of_small_inputs);
    RUN(test_held_digests_of_big_and_gzip);
    RUN(test_text_is_raw_only_when_unchanged);
    return CHECK_DONE();
}
