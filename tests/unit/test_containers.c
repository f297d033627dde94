/* test_containers.c - the program's container readers (src/containers/): the worksheet
 * XML to CSV converter and the shared strings on their own, and archives Python cannot
 * write (7z, tar.zst), made here with libarchive's writer and scanned through
 * pt_scan_paths. Expected output is worked out in the comments. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/containers/sheetxml.h"
#include "check.h"
#include "pitally/fileio.h"
#include "pitally/report.h"

static pt_policy pol;
static pt_patterns ps;

typedef struct {
    const char *p;
    size_t len, pos, step;
} text_pull;

/* hands out step bytes at a time, so that XML is cut anywhere */
static ssize_t pull_text(void *ctx, void *buf, size_t cap)
{
    text_pull *t = ctx;
    size_t n = t->len - t->pos;
    if (n > cap) n = cap;
    if (t->step && n > t->step) n = t->step;
    memcpy(buf, t->p + t->pos, n);
    t->pos += n;
    return (ssize_t)n;
}

static char *sheet_to_csv(const pt_sst *sst, const char *xml, size_t step, size_t cap,
                          pt_errlist *errs, size_t *len)
{
    text_pull t = {xml, strlen(xml), 0, step};
    pt_sheet_csv *c = pt_sheet_csv_new(sst, pull_text, &t);
    pt_buf out = {0};
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = pt_sheet_csv_read(c, buf, cap)) > 0) pt_buf_put(&out, buf, (size_t)n);
    free(buf);
    pt_sheet_csv_errors(c, errs);
    pt_sheet_csv_free(c);
    pt_buf_put(&out, "", 1);
    *len = out.len - 1;
    return out.p;
}

/* Strings: 0 "姓名"; 1 rich text in two runs "张" "伟" with a phonetic run (rPh) that
 * is not part of the text; 2 a value with a comma and quotes. */
static const char sst_xml[] =
    "<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"3\"><si><t>姓名</t></si>"
    "<si><r><t>张</t></r><r><t>伟</t></r><rPh sb=\"0\" eb=\"1\"><t>zhang</t></rPh></si>"
    "<si><t>a, \"b\"</t></si></sst>";

/* Row 1: A1 and C1 (B1 a gap). Row 2 (with the x: prefix): A2 string 1, B2 a number in
 * exponent form that is a whole 11-digit number (spelled out), D2 an 18-digit number
 * (lost: empty), E2 a boolean. Row 3: only styled empty cells (a blank line, so that row 4
 * stays on line 4). Row 4: an
 * inline string, a formula string, string 2 quoted, an index past the table (empty). */
static const char sheet_xml[] =
    "<worksheet xmlns=\"x\"><dimension ref=\"A1:E4\"/><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\"><v>12.5</v></c></row>"
    "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>1</x:v></x:c><x:c r=\"B2\"><x:v>1.3812345678E+10</x:v></x:c>"
    "<x:c r=\"D2\"><x:v>441900196911138000</x:v></x:c><x:c r=\"E2\" t=\"b\"><x:v>1</x:v></x:c></x:row>"
    "<row r=\"3\"><c r=\"A3\" s=\"2\"/><c r=\"B3\" s=\"2\"/></row>"
    "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>李娜</t></is></c>"
    "<c r=\"B4\" t=\"str\"><f>A1</f><v>x\ny</v></c><c r=\"C4\" t=\"s\"><v>2</v></c>"
    "<c r=\"D4\" t=\"s\"><v>7</v></c></row>"
    "</sheetData></worksheet>";

static const char sheet_csv[] = "姓名,,12.5\n"
                                "张伟,13812345678,,,TRUE\n"
                                "\n"
                                "李娜,\"x\ny\",\"a, \"\"b\"\"\",\n";

static void test_sheet_to_csv(void)
{
    pt_sst sst = {0};
    pt_errlist errs = {0};
    text_pull t = {sst_xml, strlen(sst_xml), 0, 7};
    CHECK_EQ(pt_sst_parse(&sst, pull_text, &t, 0, &errs), 0);
    CHECK_EQ(sst.n, 3);
    CHECK_EQ(errs.n, 0);
    /* whole, then cut every 1 and 13 bytes, read 1 and 5 bytes at a time */
    size_t steps[] = {0, 1, 13}, caps[] = {4096, 1, 5};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        pt_errlist e = {0};
        char *csv = sheet_to_csv(&sst, sheet_xml, steps[i], caps[i], &e, &len);
        CHECK_MEM(csv, len, sheet_csv);
        /* D2 lost its digits; D4 points past the table */
        CHECK_EQ(e.n, 2);
        if (e.n == 2) {
            CHECK_STR(e.v[0].kind, "number_precision");
            CHECK(strstr(e.v[0].message, "D2 = 441900196911138000") != NULL);
            CHECK_STR(e.v[1].kind, "xlsx");
        }
        free(csv);
        pt_errlist_free(&e);
    }
    pt_sst_free(&sst);
}

static void test_sheet_errors(void)
{
    size_t len;
    pt_errlist e = {0};
    /* malformed XML after one whole row: the row counts, then one xlsx error */
    char *csv = sheet_to_csv(NULL,
                             "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>a</t></is></c>"
                             "</row><row><c><v>1</v></c></ro",
                             0, 4096, &e, &len);
    CHECK_MEM(csv, len, "a\n");
    CHECK_EQ(e.n, 1);
    if (e.n) CHECK_STR(e.v[0].kind, "xlsx");
    free(csv);
    pt_errlist_free(&e);
    /* a DOCTYPE is refused before any entity is declared */
    csv = sheet_to_csv(NULL, "<!DOCTYPE w [<!ENTITY a \"aaaa\">]><worksheet/>", 0, 4096, &e, &len);
    CHECK_EQ(len, 0);
    CHECK_EQ(e.n, 1);
    if (e.n) CHECK(strstr(e.v[0].message, "DOCTYPE") != NULL);
    free(csv);
    pt_errlist_free(&e);
    /* a column past XFD is kept at XFD: 16383 separators, not millions */
    csv = sheet_to_csv(NULL,
                       "<worksheet><sheetData><row><c r=\"ZZZZZ1\" t=\"inlineStr\"><is><t>z</t>"
                       "</is></c></row></sheetData></worksheet>",
                       0, 4096, &e, &len);
    CHECK_EQ(len, 16383 + 2);
    free(csv);
    pt_errlist_free(&e);
}

/* 100000 rows of "r<i>,<i>": the parser is suspended many times; every row comes out
 * once, in order. */
static void test_sheet_many_rows(void)
{
    pt_buf xml = {0}, want = {0};
    pt_buf_put(&xml, "<worksheet><sheetData>", 22);
    char tmp[128];
    for (int i = 0; i < 100000; i++) {
        int k = snprintf(tmp, sizeof tmp,
                         "<row r=\"%d\"><c t=\"inlineStr\"><is><t>r%d</t></is></c><c><v>%d</v></c></row>",
                         i + 1, i, i);
        pt_buf_put(&xml, tmp, (size_t)k);
        k = snprintf(tmp, sizeof tmp, "r%d,%d\n", i, i);
        pt_buf_put(&want, tmp, (size_t)k);
    }
    pt_buf_put(&xml, "</sheetData></worksheet>", 25);
    pt_buf_put(&want, "", 1);
    size_t len;
    pt_errlist e = {0};
    char *csv = sheet_to_csv(NULL, xml.p, 0, 65536, &e, &len);
    CHECK_EQ(len, want.len - 1);
    CHECK(len == want.len - 1 && memcmp(csv, want.p, len) == 0);
    CHECK_EQ(e.n, 0);
    free(csv);
    free(xml.p);
    free(want.p);
    pt_errlist_free(&e);
}

static void test_sst_cap(void)
{
    pt_buf xml = {0};
    pt_buf_put(&xml, "<sst>", 5);
    for (int i = 0; i < 1000; i++) pt_buf_put(&xml, "<si><t>0123456789</t></si>", 26);
    pt_buf_put(&xml, "</sst>", 7);
    pt_sst sst = {0};
    pt_errlist errs = {0};
    text_pull t = {xml.p, xml.len - 1, 0, 0};
    /* each string takes 10 bytes and 8 of offset: 18 per string, 1000 do not fit 5000 */
    CHECK_EQ(pt_sst_parse(&sst, pull_text, &t, 5000, &errs), -1);
    CHECK_EQ(errs.n, 1);
    CHECK(sst.n < 300);
    pt_sst_free(&sst);
    pt_errlist_free(&errs);
    free(xml.p);
}

static void test_number_lossy(void)
{
    CHECK(pt_number_lossy("441900196911138000", 18));
    CHECK(pt_number_lossy("4.41900196911138E+17", 20));
    CHECK(pt_number_lossy("1000000000000000", 16));      /* 16 digits */
    CHECK(pt_number_lossy("-6.22202000000001E+15", 21));
    CHECK(!pt_number_lossy("999999999999999", 15));      /* 15 digits: exact */
    CHECK(!pt_number_lossy("13812345678", 11));
    CHECK(!pt_number_lossy("0.000000000000000000001", 23));
    CHECK(!pt_number_lossy("1.5E-20", 7));
    CHECK(!pt_number_lossy("abc", 3));
    CHECK(!pt_number_lossy("45292.5", 7));                /* a date */
}

/* ---- archives written by libarchive ---- */

static const char people[] =
    "姓名,身份证号,手机号\n张伟,11010519491231002X,13812345678\n"
    "李娜,11010519491231002X,13912345678\n张伟,11010519491231002X,13812345678\n";

static void write_archive(const char *path, int format, int filter)
{
    struct archive *a = archive_write_new();
    archive_write_set_format(a, format);
    if (filter) archive_write_add_filter(a, filter);
    CHECK_EQ(archive_write_open_filename(a, path), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "dump/a.csv");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(people));
    CHECK_EQ(archive_write_header(a, e), ARCHIVE_OK);
    CHECK_EQ(archive_write_data(a, people, strlen(people)), (la_ssize_t)strlen(people));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

/* One scan over path: the member's name and counts (the archive itself follows it,
 * listed for its custody hashes). */
static void scan_one(const char *path, const char *want_name)
{
    pt_scan_options o = {.threads = 2, .progress = PT_PROGRESS_NEVER};
    pt_source_options_default(&o.source);
    pt_tally *t = pt_tally_new(ps.n);
    pt_scan *s = pt_scan_start(&o, &ps, &pol, t);
    const char *paths[] = {path};
    CHECK_EQ(pt_scan_paths(s, paths, 1, PT_PROGRESS_NEVER, NULL, NULL), 1);
    pt_scan_finish(s);
    pt_scan_result r;
    pt_case_facts facts = {0};
    pt_scan_result_from_tally(&r, t, &pol, &facts);
    CHECK_EQ(r.n_inputs, 2);
    if (r.n_inputs == 2) {
        CHECK_STR(r.inputs[1].path, path);
        CHECK(r.inputs[1].container);
        CHECK_EQ(strlen(r.inputs[1].sha256), 64);
        CHECK_STR(r.inputs[0].path, want_name);
        /* 3 records, 3 raw pieces, 2 distinct (the third row repeats the first) */
        CHECK_EQ(r.inputs[0].counts.records, 3);
        CHECK_EQ(r.inputs[0].counts.pieces.raw, 3);
        CHECK_EQ(r.inputs[0].counts.pieces.distinct, 2);
        CHECK_EQ(r.inputs[0].errors.n, 0);
    }
    pt_scan_result_free(&r);
    pt_tally_free(t);
}

static void test_7z_and_tar_zst(void)
{
    char dir[] = "/tmp/pitally-ct-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p7[64], pz[64], want[96];
    snprintf(p7, sizeof p7, "%s/d.7z", dir);
    snprintf(pz, sizeof pz, "%s/d.tar.zst", dir);
    write_archive(p7, ARCHIVE_FORMAT_7ZIP, 0);
    snprintf(want, sizeof want, "%s!/dump/a.csv", p7);
    scan_one(p7, want);
    write_archive(pz, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD);
    snprintf(want, sizeof want, "%s!/dump/a.csv", pz);
    scan_one(pz, want);
    unlink(p7);
    unlink(pz);
    rmdir(dir);
}

int main(void)
{
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0 ||
        pt_patterns_load(&ps, "patterns", &pol, err, sizeof err) != 0) {
        fprintf(stderr, "not ok setup: %s\n", err);
        return 1;
    }
    RUN(test_sheet_to_csv);
    RUN(test_sheet_errors);
    RUN(test_sheet_many_rows);
    RUN(test_sst_cap);
    RUN(test_number_lossy);
    RUN(test_7z_and_tar_zst);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
