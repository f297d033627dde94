/* test_records.c - stage 2: format and header detection, splitting, and the record
 * iterator for CSV, TSV, delimited text, JSON Lines, SQL dumps and plain lines.
 * Expected values are worked out by hand from SPEC section 2 (byte counts in comments).
 */
#include "check.h"
#include "pitally/records.h"
#include "../../src/records/findbyte.h"
#include "../../src/records/internal.h"

#include <dirent.h>
#include <stdlib.h>
#include <strings.h>

static pt_dialect detect(const char *s)
{
    pt_dialect none = {0};
    return pt_detect_dialect(s, strlen(s), true, none);
}

static pt_dialect dialect_of(pt_format f, const char *delim)
{
    pt_dialect d = {0};
    d.format = f;
    if (delim) {
        d.delim_len = strlen(delim);
        memcpy(d.delim, delim, d.delim_len);
    }
    return d;
}

/* Iterate text as one chunk; the iterator is returned for the caller to step. */
static pt_reciter *iter_over(const char *text, size_t len, uint64_t offset, pt_dialect d,
                             const pt_columns *header, const pt_sql_table *tables)
{
    pt_reciter *it = pt_reciter_new();
    pt_chunk_view v = {.text = text, .len = len, .offset = offset, .dialect = d,
                       .header = header, .sql_tables = tables};
    pt_reciter_reset(it, &v);
    return it;
}

static void test_names(void)
{
    pt_format f = PT_FMT_LINES;
    CHECK_STR(pt_format_name(PT_FMT_CSV), "csv");
    CHECK_STR(pt_format_name(PT_FMT_TSV), "tsv");
    CHECK_STR(pt_format_name(PT_FMT_DELIMITED), "delimited");
    CHECK_STR(pt_format_name(PT_FMT_JSONL), "jsonl");
    CHECK_STR(pt_format_name(PT_FMT_SQL), "sql");
    CHECK_STR(pt_format_name(PT_FMT_LINES), "lines");
    CHECK_EQ(pt_format_parse("auto", &f), 0);
    CHECK_EQ(f, PT_FMT_AUTO);
    CHECK_EQ(pt_format_parse("jsonl", &f), 0);
    CHECK_EQ(f, PT_FMT_JSONL);
    CHECK_EQ(pt_format_parse("delimited", &f), 0);
    CHECK_EQ(f, PT_FMT_DELIMITED);
    CHECK_EQ(pt_format_parse("xml", &f), -1);
    pt_header_mode m = PT_HEADER_AUTO;
    CHECK_EQ(pt_header_mode_parse("yes", &m), 0);
    CHECK_EQ(m, PT_HEADER_YES);
    CHECK_EQ(pt_header_mode_parse("no", &m), 0);
    CHECK_EQ(m, PT_HEADER_NO);
    CHECK_EQ(pt_header_mode_parse("auto", &m), 0);
    CHECK_EQ(m, PT_HEADER_AUTO);
    CHECK_EQ(pt_header_mode_parse("maybe", &m), -1);
}

static void test_detect_formats(void)
{
    pt_dialect d = detect("{\"a\":1}\n{\"b\":{\"c\":2}}\n");
    CHECK_EQ(d.format, PT_FMT_JSONL);
    d = detect("{not json at all, x, y\n{more, a, b\n");   /* '{' but not an object */
    CHECK(d.format != PT_FMT_JSONL);
    d = detect("-- MySQL dump 10.13  Distrib 5.7.30\n--\n-- Host: localhost\n");
    CHECK_EQ(d.format, PT_FMT_SQL);
    d = detect("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n");
    CHECK_EQ(d.format, PT_FMT_SQL);
    d = detect("SET NAMES utf8;\n\ncreate table t (a int);\ninsert into t values (1);\n");
    CHECK_EQ(d.format, PT_FMT_SQL);
    /* "INSERT INTO" only inside a block comment: not SQL; "a b" lines have no delimiter. */
    d = detect("/*\nINSERT INTO x\n*/\nhello world\nfoo bar\n");
    CHECK_EQ(d.format, PT_FMT_LINES);
    d = detect("hello world\nfoo bar\n");
    CHECK_EQ(d.format, PT_FMT_LINES);
}

static void test_detect_delimiters(void)
{
    pt_dialect d = detect("name,phone,email\nzhang,13812345678,z@x.cn\nli,13912345678,l@x.cn\n");
    CHECK_EQ(d.format, PT_FMT_CSV);
    CHECK_MEM(d.delim, d.delim_len, ",");
    /* Quote-aware: the comma in "Li, Wei" does not count; the record spans two lines. */
    d = detect("name,addr\n\"Li, Wei\",\"Road 1\nBeijing\"\nwang,\"x, y\"\n");
    CHECK_EQ(d.format, PT_FMT_CSV);
    d = detect("a\tb\tc\n1\t2\t3\n");
    CHECK_EQ(d.format, PT_FMT_TSV);
    CHECK_MEM(d.delim, d.delim_len, "\t");
    d = detect("zhang|138|a@b.cn\nli|139|c@d.cn\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, "|");
    /* Combo lists (account + password, one delimiter a line) are read as lines: split,
     * the combo patterns would never see account and password together. */
    d = detect("user1@qq.com----pass123\nuser2@163.com----abc456\n");
    CHECK_EQ(d.format, PT_FMT_LINES);
    d = detect("user1@qq.com:pass123\n13812345678:abc456\r\nuser3@163.com:x!y@z#\n");
    CHECK_EQ(d.format, PT_FMT_LINES);
    d = detect("zhangsan----pass123\n123456789----abc456\n");   /* user name, QQ number */
    CHECK_EQ(d.format, PT_FMT_LINES);
    d = detect("a@b.cn|secret1\nc@d.cn|secret2\n");
    CHECK_EQ(d.format, PT_FMT_LINES);
    /* not combos: key:value text, a user name before ':' (too common a shape), names */
    d = detect("name:Tom\nage:12\ncity:Beijing\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, ":");
    d = detect("zhangsan:pass123\nlisi:abc456\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    d = detect("a@b.cn|张三\nc@d.cn|李四\n");   /* the second field is no password */
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    d = detect("user1@qq.com----pass123\nhello----world----again\nfoo bar----baz\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);   /* one line in three is a combo */
    d = detect("张三 # 13812345678\n李四 # 13912345678\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, " # ");
    d = detect("a;b;c\n1;2,5;3\n4;5;6\n");   /* decimal commas: ';' is the consistent one */
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, ";");
    d = detect("alice:secret\nbob:hunter2\n");
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, ":");
    /* ',' and ':' both consistent: the earlier candidate wins. */
    d = detect("12:30,x\n13:45,y\n");
    CHECK_EQ(d.format, PT_FMT_CSV);
}

static void test_detect_forced(void)
{
    pt_dialect forced = dialect_of(PT_FMT_AUTO, "|");
    pt_dialect d = pt_detect_dialect("a,b\n1,2\n", 8, true, forced);
    CHECK_EQ(d.format, PT_FMT_DELIMITED);
    CHECK_MEM(d.delim, d.delim_len, "|");
    forced = dialect_of(PT_FMT_AUTO, "\t");
    d = pt_detect_dialect("a,b\n", 4, true, forced);
    CHECK_EQ(d.format, PT_FMT_TSV);
    forced = dialect_of(PT_FMT_AUTO, ",");
    d = pt_detect_dialect("a|b\n", 4, true, forced);
    CHECK_EQ(d.format, PT_FMT_CSV);
    forced = dialect_of(PT_FMT_CSV, NULL);
    d = pt_detect_dialect("a|b\n", 4, true, forced);
    CHECK_EQ(d.format, PT_FMT_CSV);
    CHECK_MEM(d.delim, d.delim_len, ",");
    forced = dialect_of(PT_FMT_LINES, NULL);
    d = pt_detect_dialect("a,b\n", 4, true, forced);
    CHECK_EQ(d.format, PT_FMT_LINES);
}

static void test_header_detection(void)
{
    pt_dialect csv = dialect_of(PT_FMT_CSV, ",");
    pt_columns cols = {0};
    const char *cn = "姓名,身份证号,手机号\n张伟,11010519491231002X,13812345678\n";
    /* 姓名 6 bytes + ',' + 身份证号 12 + ',' + 手机号 9 + '\n' = 30 */
    CHECK_EQ(pt_detect_header(&csv, cn, strlen(cn), true, PT_HEADER_AUTO, &cols), 30);
    CHECK_EQ(cols.n, 3);
    if (cols.n == 3) {
        CHECK_STR(cols.names[0], "姓名");
        CHECK_STR(cols.names[1], "身份证号");
        CHECK_STR(cols.names[2], "手机号");
        CHECK_EQ(cols.lens[1], 12);
    }
    pt_columns_free(&cols);

    const char *data = "张伟,11010519491231002X,13812345678\n李娜,110105194912310029,13912345678\n";
    CHECK_EQ(pt_detect_header(&csv, data, strlen(data), true, PT_HEADER_AUTO, &cols), 0);
    CHECK_EQ(cols.n, 0);
    /* 张伟 6 + ',' + 18 + ',' + 11 + '\n' = 38 */
    CHECK_EQ(pt_detect_header(&csv, data, strlen(data), true, PT_HEADER_YES, &cols), 38);
    CHECK_EQ(cols.n, 3);
    pt_columns_free(&cols);

    const char *named = "name,phone\nzhang,13812345678\n";
    CHECK_EQ(pt_detect_header(&csv, named, strlen(named), true, PT_HEADER_NO, &cols), 0);
    CHECK_EQ(pt_detect_header(&csv, named, strlen(named), true, PT_HEADER_AUTO, &cols), 11);
    pt_columns_free(&cols);

    /* Words without column names and a second row of words: no header. */
    const char *words = "apple,pear\nplum,fig\n";
    CHECK_EQ(pt_detect_header(&csv, words, strlen(words), true, PT_HEADER_AUTO, &cols), 0);
    /* Unknown column words, but the second row holds data: header. */
    const char *colx = "foo,bar\nxyz,13812345678\n";
    CHECK_EQ(pt_detect_header(&csv, colx, strlen(colx), true, PT_HEADER_AUTO, &cols), 8);
    pt_columns_free(&cols);

    /* Quoted CSV names with CRLF: "\"Name\",\" Phone \"\r\n" is 6+1+9+2 = 18 bytes. */
    const char *quoted = "\"Name\",\" Phone \"\r\n\"x\",\"13800000000\"\r\n";
    CHECK_EQ(pt_detect_header(&csv, quoted, strlen(quoted), true, PT_HEADER_AUTO, &cols), 18);
    CHECK_EQ(cols.n, 2);
    if (cols.n == 2) {
        CHECK_STR(cols.names[0], "Name");
        CHECK_STR(cols.names[1], "Phone");
        CHECK_EQ(cols.lens[1], 5);
    }
    pt_columns_free(&cols);

    pt_dialect tsv = dialect_of(PT_FMT_TSV, "\t");
    const char *t = "id\temail\n1\ta@b.cn\n";
    CHECK_EQ(pt_detect_header(&tsv, t, strlen(t), true, PT_HEADER_AUTO, &cols), 9);
    CHECK_EQ(cols.n, 2);
    pt_columns_free(&cols);

    pt_dialect jl = dialect_of(PT_FMT_JSONL, NULL);
    CHECK_EQ(pt_detect_header(&jl, "{\"a\":1}\n", 8, true, PT_HEADER_YES, &cols), 0);
}

static void test_csv_records(void)
{
    /* Record 1 is 38 bytes: a, (2) "b,c", (6) "say ""hi""", (13) "line1\nline2", (14)
     * e\r\n (3); then a blank CRLF line (2); record 2 starts at 40. */
    const char *text = "a,\"b,c\",\"say \"\"hi\"\"\",\"line1\nline2\",e\r\n\r\nx,,z\r\n";
    char *names[] = {"k1", "k2", "k3"};
    size_t lens[] = {2, 2, 2};
    pt_columns header = {names, lens, 3};
    pt_reciter *it = iter_over(text, strlen(text), 1000, dialect_of(PT_FMT_CSV, ","), &header, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 1000);
    CHECK_EQ(r.n, 5);
    if (r.n == 5) {
        CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "a");
        CHECK_MEM(r.fields[0].key, r.fields[0].key_len, "k1");
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "b,c");
        CHECK_MEM(r.fields[1].key, r.fields[1].key_len, "k2");
        CHECK_MEM(r.fields[2].val, r.fields[2].val_len, "say \"hi\"");
        CHECK_MEM(r.fields[3].val, r.fields[3].val_len, "line1\nline2");
        CHECK(r.fields[3].key == NULL);   /* beyond the header's width */
        CHECK_MEM(r.fields[4].val, r.fields[4].val_len, "e");
    }
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 1040);
    CHECK_EQ(r.n, 2);   /* the empty middle field is not reported */
    if (r.n == 2) {
        CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "x");
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "z");
        CHECK_MEM(r.fields[1].key, r.fields[1].key_len, "k3");
    }
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    CHECK_EQ(pt_reciter_next(it, &r), 0);

    /* The same iterator on another chunk: a last line without newline. */
    pt_chunk_view v = {.text = "p,q", .len = 3, .offset = 7, .dialect = dialect_of(PT_FMT_CSV, ",")};
    pt_reciter_reset(it, &v);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.offset, 7);
    if (r.n == 2) {
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "q");
        CHECK(r.fields[1].key == NULL);
    }
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static void test_csv_runaway_quote(void)
{
    /* An unterminated quote at the end of the input: reported, then the text is read
     * with quotes taken literally so its data still counts. */
    const char *text = "a,\"b\nc,d\n";
    pt_reciter *it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_CSV, ","), NULL, NULL);
    pt_record r;
    const char *kind, *msg;
    uint64_t off = 99;
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_STR(kind, "csv");
    CHECK_EQ(off, 0);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "\"b");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 5);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static void test_split_csv(void)
{
    pt_dialect csv = dialect_of(PT_FMT_CSV, ",");
    pt_splitter *s = pt_splitter_new(&csv);
    /* a,"x\n (5, 1 quote: odd) y"\n (8, even) b,c\n (12, even) d,"e\n (17, odd) */
    const char *buf = "a,\"x\ny\"\nb,c\nd,\"e\n";
    CHECK_EQ(pt_splitter_cut(s, buf, strlen(buf), false), 12);
    CHECK_EQ(pt_splitter_cut(s, buf, 5, false), 0);      /* only a newline inside quotes */
    CHECK_EQ(pt_splitter_cut(s, buf, 8, false), 8);
    CHECK_EQ(pt_splitter_cut(s, "abc", 3, false), 0);
    CHECK_EQ(pt_splitter_cut(s, buf, strlen(buf), true), strlen(buf));
    CHECK(pt_splitter_tables(s) == NULL);
    pt_splitter_free(s);

    /* The 12-byte prefix holds two whole records. */
    pt_reciter *it = iter_over(buf, 12, 0, csv, NULL, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "x\ny");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 8);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);

    pt_dialect lines = dialect_of(PT_FMT_LINES, NULL);
    s = pt_splitter_new(&lines);
    CHECK_EQ(pt_splitter_cut(s, "ab\ncd\nef", 8, false), 6);
    CHECK_EQ(pt_splitter_cut(s, "ab\ncd\nef", 8, true), 8);
    pt_splitter_free(s);
}

static void test_tsv_delimited(void)
{
    const char *text = "a\tb\t\r\n\t\t\nc\td\n";
    pt_reciter *it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_TSV, "\t"), NULL, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "b");
    CHECK_EQ(pt_reciter_next(it, &r), 1);   /* "\t\t\n" is blank: skipped */
    CHECK_EQ(r.offset, 9);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);

    const char *dash = "u@qq.com----pw----x|y\r\n";
    char *names[] = {"email", "password"};
    size_t lens[] = {5, 8};
    pt_columns header = {names, lens, 2};
    it = iter_over(dash, strlen(dash), 0, dialect_of(PT_FMT_DELIMITED, "----"), &header, NULL);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 3);
    if (r.n == 3) {
        CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "u@qq.com");
        CHECK_MEM(r.fields[0].key, r.fields[0].key_len, "email");
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "pw");
        CHECK_MEM(r.fields[2].val, r.fields[2].val_len, "x|y");
        CHECK(r.fields[2].key == NULL);
    }
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);

    const char *hash = "张三 # 13812345678\n";
    it = iter_over(hash, strlen(hash), 0, dialect_of(PT_FMT_DELIMITED, " # "), NULL, NULL);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) {
        CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "张三");
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "13812345678");
    }
    pt_reciter_free(it);
}

static void test_lines(void)
{
    /* "  hello  \r\n" is 11 bytes, then "\n" and "\t\n": world starts at 14. */
    const char *text = "  hello  \r\n\n\t\nworld\n   ";
    pt_reciter *it = iter_over(text, strlen(text), 100, dialect_of(PT_FMT_LINES, NULL), NULL, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.offset, 100);
    CHECK(r.fields[0].key == NULL);
    CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "hello");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 114);
    CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "world");
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static const char *field_val(const pt_record *r, const char *key, size_t *len)
{
    for (size_t i = 0; i < r->n; i++) {
        const pt_field *f = &r->fields[i];
        if (f->key && f->key_len == strlen(key) && memcmp(f->key, key, f->key_len) == 0) {
            *len = f->val_len;
            return f->val;
        }
    }
    *len = 0;
    return "";
}

#define CHECK_FIELD(r, key, want)                                                   \
    do {                                                                            \
        size_t fl_;                                                                 \
        const char *fv_ = field_val(&(r), key, &fl_);                               \
        CHECK_MEM(fv_, fl_, want);                                                  \
    } while (0)

static void test_jsonl(void)
{
    const char *l1 = "{\"user\":{\"name\":\"\\u5f20\\u4f1f\",\"phone\":\"13812345678\"},"
                     "\"phones\":[\"1\",{\"m\":\"2\"}],\"n\":-12.5e3,\"ok\":true,\"no\":false,"
                     "\"x\":null,\"e\":\"\",\"emoji\":\"\\ud83d\\ude00\",\"esc\":\"a\\\"b\\\\c\\/d\\n\"}\r\n";
    const char *l2 = "{\"a\": 1,, }\n";
    const char *l3 = "  \n{ \"a\" : \"b\" }\n";
    const char *l4 = "[1,2]\n";
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s%s", l1, l2, l3, l4);
    size_t o2 = strlen(l1), o3 = o2 + strlen(l2) + 3, o4 = o3 + strlen(l3) - 3;
    pt_reciter *it = iter_over(text, strlen(text), 10, dialect_of(PT_FMT_JSONL, NULL), NULL, NULL);
    pt_record r;
    const char *kind, *msg;
    uint64_t off;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 10);
    CHECK_EQ(r.n, 9);   /* null and "" skipped */
    CHECK_FIELD(r, "user.name", "张伟");
    CHECK_FIELD(r, "user.phone", "13812345678");
    CHECK_FIELD(r, "phones.0", "1");
    CHECK_FIELD(r, "phones.1.m", "2");
    CHECK_FIELD(r, "n", "-12.5e3");
    CHECK_FIELD(r, "ok", "true");
    CHECK_FIELD(r, "no", "false");
    CHECK_FIELD(r, "emoji", "\xF0\x9F\x98\x80");   /* U+1F600 */
    CHECK_FIELD(r, "esc", "a\"b\\c/d\n");
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_STR(kind, "json");
    CHECK_EQ(off, 10 + o2);
    CHECK(msg && msg[0]);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 10 + o3);
    CHECK_EQ(r.n, 1);
    CHECK_FIELD(r, "a", "b");
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_EQ(off, 10 + o4);
    CHECK_EQ(pt_reciter_next(it, &r), 0);

    /* Empty keys nested: the flattened key is empty, a real (non-NULL) string; the
     * fuzzer found NULL + 0 here (UBSan: applying zero offset to null pointer). */
    {
        const char *empty = "{\"\":{\"\":\"n\"}}\n";
        pt_reciter *e = iter_over(empty, strlen(empty), 0, dialect_of(PT_FMT_JSONL, NULL), NULL, NULL);
        CHECK_EQ(pt_reciter_next(e, &r), 1);
        CHECK_EQ(r.n, 1);
        CHECK(r.n == 1 && r.fields[0].key != NULL && r.fields[0].key_len == 0);
        CHECK(r.n == 1 && r.fields[0].val_len == 1 && r.fields[0].val[0] == 'n');
        pt_reciter_free(e);
    }

    /* 200 nested arrays: an error, not a stack overflow. */
    char deep[512];
    size_t k = 0;
    k += (size_t)snprintf(deep, sizeof deep, "{\"a\":");
    for (int i = 0; i < 200; i++) deep[k++] = '[';
    deep[k++] = '\n';
    pt_chunk_view v = {.text = deep, .len = k, .dialect = dialect_of(PT_FMT_JSONL, NULL)};
    pt_reciter_reset(it, &v);
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static const char *sql_dump =
    "-- MySQL dump 10.13\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "DROP TABLE IF EXISTS `users`;\n"
    "CREATE TABLE `users` (\n"
    "  `id` int(11) NOT NULL,\n"
    "  `name` varchar(50) DEFAULT NULL,\n"
    "  `note` decimal(10,2) DEFAULT '0,5',\n"
    "  PRIMARY KEY (`id`),\n"
    "  KEY `idx_name` (`name`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
    "LOCK TABLES `users` WRITE;\n"
    "INSERT INTO `users` VALUES (1,'O\\'Brien','a''b'),(2,'x,y)',NULL),"
    "(3,'semi;colon\\n','tab\\there');\n"
    "INSERT INTO users (name, id) VALUES ('Li', 7);\n"
    "UNLOCK TABLES;\n";

static void test_sql_records(void)
{
    size_t len = strlen(sql_dump);
    pt_reciter *it = iter_over(sql_dump, len, 0, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    pt_record r;
    const char *t1 = strstr(sql_dump, "(1,'O");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, (uint64_t)(t1 - sql_dump));
    CHECK_EQ(r.n, 3);
    CHECK_FIELD(r, "id", "1");
    CHECK_FIELD(r, "name", "O'Brien");
    CHECK_FIELD(r, "note", "a'b");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);   /* NULL skipped */
    CHECK_FIELD(r, "id", "2");
    CHECK_FIELD(r, "name", "x,y)");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_FIELD(r, "name", "semi;colon\n");
    CHECK_FIELD(r, "note", "tab\there");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    CHECK_FIELD(r, "name", "Li");
    CHECK_FIELD(r, "id", "7");
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static void test_sql_malformed(void)
{
    const char *text = "INSERT INTO t VALUES (1,'ok'),(2,,3),(4,x'4142');\n"
                       "INSERT INTO t VALUES (5,'cut";
    pt_reciter *it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    pt_record r;
    const char *kind, *msg;
    uint64_t off;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) {
        CHECK(r.fields[0].key == NULL);   /* no column names known */
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "ok");
    }
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_STR(kind, "sql");
    CHECK_EQ(off, (uint64_t)(strstr(text, "(2,,") - text));
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "x'4142'");
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_STR(kind, "sql");
    CHECK_EQ(off, (uint64_t)(strstr(text, "(5,") - text));
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

static void test_sql_tables_across_chunks(void)
{
    const char *part1 =
        "CREATE TABLE public.people (\n  \"name\" text,\n  \"phone\" text,\n"
        "  CONSTRAINT people_pk PRIMARY KEY (phone)\n);\n"
        "INSERT INTO public.people VALUES ('Wang', '13800000000');\n"
        "INSERT INTO people VALUES ('Zhao', '139";
    const char *part2 = "00000000');\n";
    pt_dialect sql = dialect_of(PT_FMT_SQL, NULL);
    pt_splitter *s = pt_splitter_new(&sql);
    size_t n1 = strlen(part1);
    size_t cut = pt_splitter_cut(s, part1, n1, false);
    const char *second = strstr(part1, "INSERT INTO people");
    CHECK_EQ(cut, (size_t)(second - part1));
    const pt_sql_table *tables = pt_splitter_tables(s);
    CHECK(tables != NULL);
    if (tables) {
        CHECK_STR(tables->name, "public.people");
        CHECK_EQ(tables->cols.n, 2);
        if (tables->cols.n == 2) {
            CHECK_STR(tables->cols.names[0], "name");
            CHECK_STR(tables->cols.names[1], "phone");
        }
    }
    /* Chunk 1: the CREATE TABLE is in the chunk itself. */
    pt_reciter *it = iter_over(part1, cut, 0, sql, NULL, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_FIELD(r, "name", "Wang");
    CHECK_FIELD(r, "phone", "13800000000");
    CHECK_EQ(pt_reciter_next(it, &r), 0);

    /* Chunk 2: the rest, keys only known from the splitter's table list. */
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", part1 + cut, part2);
    size_t n2 = strlen(buf);
    CHECK_EQ(pt_splitter_cut(s, buf, n2, false), n2);
    CHECK(pt_splitter_tables(s) == tables);   /* nothing new registered */
    pt_chunk_view v = {.text = buf, .len = n2, .offset = cut, .dialect = sql,
                       .sql_tables = tables};
    pt_reciter_reset(it, &v);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, cut + strlen("INSERT INTO people VALUES "));
    CHECK_FIELD(r, "name", "Zhao");
    CHECK_FIELD(r, "phone", "13900000000");
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
    pt_splitter_free(s);
}

static void test_sql_split_strings(void)
{
    /* ";\n" inside a string and inside a comment is not a boundary. */
    const char *buf = "INSERT INTO t VALUES ('a;\nb');\n/* x;\n */INSERT INTO t VALUES (1);\nINSERT";
    pt_dialect sql = dialect_of(PT_FMT_SQL, NULL);
    pt_splitter *s = pt_splitter_new(&sql);
    size_t want = (size_t)(strstr(buf, "(1);\n") - buf) + 5;
    CHECK_EQ(pt_splitter_cut(s, buf, strlen(buf), false), want);
    CHECK_EQ(pt_splitter_cut(s, buf, 20, false), 0);
    CHECK_EQ(pt_splitter_cut(s, buf, strlen(buf), true), strlen(buf));
    pt_splitter_free(s);
}

/* Append every record of the chunk to out as "offset:val|val|...;" */
static void records_text(pt_reciter *it, const pt_chunk_view *v, char *out, size_t cap)
{
    pt_record r;
    int rc;
    pt_reciter_reset(it, v);
    while ((rc = pt_reciter_next(it, &r)) != 0) {
        size_t l = strlen(out);
        if (rc < 0) {
            snprintf(out + l, cap - l, "E;");
            continue;
        }
        l += (size_t)snprintf(out + l, cap - l, "%llu:", (unsigned long long)r.offset);
        for (size_t i = 0; i < r.n && l < cap; i++)
            l += (size_t)snprintf(out + l, cap - l, "%.*s=%.*s|", (int)r.fields[i].key_len,
                                  r.fields[i].key ? r.fields[i].key : "",
                                  (int)r.fields[i].val_len, r.fields[i].val);
        snprintf(out + l, cap - l, ";");
    }
}

/* Feeding the text to the splitter in steps of every size gives the same records as
 * reading it whole: no cut inside a quoted newline, a string or a statement. */
static void check_split_equivalence(const char *text, pt_dialect d)
{
    static char whole[8192], parts[8192];
    size_t n = strlen(text);
    pt_reciter *it = pt_reciter_new();
    pt_splitter *all = pt_splitter_new(&d);
    pt_splitter_cut(all, text, n, true);
    pt_chunk_view v = {.text = text, .len = n, .dialect = d, .sql_tables = pt_splitter_tables(all)};
    whole[0] = '\0';
    records_text(it, &v, whole, sizeof whole);
    for (size_t step = 1; step <= n; step++) {
        pt_splitter *s = pt_splitter_new(&d);
        size_t start = 0, avail = 0;
        parts[0] = '\0';
        while (start < n) {
            avail = avail + step > n - start ? n - start : avail + step;
            size_t c = pt_splitter_cut(s, text + start, avail, start + avail == n);
            if (c == 0) continue;
            pt_chunk_view cv = {.text = text + start, .len = c, .offset = start, .dialect = d,
                                .sql_tables = pt_splitter_tables(s)};
            records_text(it, &cv, parts, sizeof parts);
            start += c;
            avail -= c;
        }
        CHECK_STR(parts, whole);
        pt_splitter_free(s);
    }
    pt_splitter_free(all);
    pt_reciter_free(it);
}

static void test_split_equivalence(void)
{
    check_split_equivalence("id,note\r\n1,\"a\nb\"\r\n\n2,\"x\"\"\ny\"\n3,plain\n",
                            dialect_of(PT_FMT_CSV, ","));
    check_split_equivalence(sql_dump, dialect_of(PT_FMT_SQL, NULL));
    check_split_equivalence("{\"a\":{\"b\":\"c\\nd\"}}\n\n{\"x\":[1,\n{\"y\":2}\n",
                            dialect_of(PT_FMT_JSONL, NULL));
}

static void test_hostile_inputs(void)
{
    /* Odd bytes in every format must never crash or loop. */
    const char *inputs[] = {"\"", "\"\"\"", ",,,\n", "{", "{\"a\":\"\\u", "{\"a\":\"\\ud800\"}",
                            "INSERT", "INSERT INTO", "INSERT INTO t VALUES (", "INSERT INTO t VALUES",
                            "CREATE TABLE", "CREATE TABLE t (", "'", "/*", "--", "\\", "\r\n\r\n"};
    pt_format fmts[] = {PT_FMT_CSV, PT_FMT_TSV, PT_FMT_DELIMITED, PT_FMT_JSONL, PT_FMT_SQL,
                        PT_FMT_LINES};
    pt_reciter *it = pt_reciter_new();
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++) {
            pt_chunk_view v = {.text = inputs[i], .len = strlen(inputs[i]),
                               .dialect = dialect_of(fmts[f], f == 2 ? "----" : NULL)};
            pt_reciter_reset(it, &v);
            pt_record r;
            int steps = 0;
            while (pt_reciter_next(it, &r) != 0 && steps < 100) steps++;
            CHECK(steps < 100);
            pt_splitter *s = pt_splitter_new(&v.dialect);
            CHECK(pt_splitter_cut(s, v.text, v.len, false) <= v.len);
            pt_splitter_free(s);
        }
        pt_dialect d = detect(inputs[i]);
        CHECK(d.format != PT_FMT_AUTO);
    }
    pt_reciter_free(it);
}

/* ---- damage that cuts records (issue 5) ---- */

static void test_split_csv_stray_quote(void)
{
    /* a0 ,1 b2 "3 c4 \n5 "6 x7 \n8 y9 "10 ,11 z12 \n13 q14
     * The quote at 3 is inside an unquoted field: a literal, as the iterator reads it.
     * Counting it would make the parity odd at 13 and even at 8, cutting inside the
     * quoted field "x\ny"; read as the iterator does, the last safe newline is 13. */
    const char *buf = "a,b\"c\n\"x\ny\",z\nq";
    pt_dialect csv = dialect_of(PT_FMT_CSV, ",");
    pt_splitter *s = pt_splitter_new(&csv);
    CHECK_EQ(pt_splitter_cut(s, buf, 15, false), 14);
    CHECK_EQ(pt_splitter_cut(s, buf, 9, false), 6);   /* "x\n is still open at 9 */
    CHECK_EQ(pt_splitter_cut(s, buf, 11, false), 6);  /* a closing quote as the last byte may be doubled */
    pt_splitter_free(s);
    pt_reciter *it = iter_over(buf, 14, 0, csv, NULL, NULL);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 2);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "b\"c");
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 6);
    if (r.n == 2) CHECK_MEM(r.fields[0].val, r.fields[0].val_len, "x\ny");
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
    /* ';' as the delimiter: a quote after ';' opens a field, after ',' it does not */
    pt_dialect semi = dialect_of(PT_FMT_CSV, ";");
    s = pt_splitter_new(&semi);
    CHECK_EQ(pt_splitter_cut(s, "a;\"b\nc\";d\ne,\"f\ng\n", 17, false), 17);
    pt_splitter_free(s);
}

/* A chunk that starts inside an INSERT's VALUES list (the reader's forced cut of a
 * statement longer than the record cap): one error, then its tuples, without names. */
static void test_sql_chunk_starts_mid_values(void)
{
    const char *text = "345678','x'),(2,'13812345678'),(3,'y');\n"
                       "INSERT INTO t (a,b) VALUES (4,'z');\n";
    pt_reciter *it = iter_over(text, strlen(text), 1000, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    pt_record r;
    const char *kind, *msg;
    uint64_t off;
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_STR(kind, "sql");
    CHECK_EQ(off, 1000);
    CHECK(strstr(msg, "starts no statement") != NULL);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 1000 + 13);   /* "345678','x')," is 13 bytes */
    CHECK_EQ(r.n, 2);
    if (r.n == 2) {
        CHECK(r.fields[1].key == NULL);
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "13812345678");
    }
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "y");
    CHECK_EQ(pt_reciter_next(it, &r), 1);   /* the next statement as usual */
    CHECK_EQ(r.n, 2);
    if (r.n == 2) {
        CHECK_MEM(r.fields[1].key, r.fields[1].key_len, "b");
        CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "z");
    }
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);

    /* cut after a newline of a multi-line VALUES list: the chunk starts with a tuple */
    text = "(5,'a'),\n(6,'b');\n";
    it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 0);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 9);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);

    /* ordinary statements and garbage without tuples are skipped without an error */
    text = "SET NAMES utf8mb4;\nLOCK TABLES t WRITE;\nsome garbage;\nUNLOCK TABLES;\n";
    it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
}

/* A tuple is read only up to the end of its statement, where the splitter cuts. */
static void test_sql_tuple_bounded_by_statement(void)
{
    const char *text = "INSERT INTO t VALUES (1,a;\nb),(2,'c');\nINSERT INTO t VALUES (3,'d');\n";
    pt_reciter *it = iter_over(text, strlen(text), 0, dialect_of(PT_FMT_SQL, NULL), NULL, NULL);
    pt_record r;
    const char *kind, *msg;
    uint64_t off;
    CHECK_EQ(pt_reciter_next(it, &r), -1);   /* (1,a; is cut by its statement's end */
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_EQ(off, 21);
    /* "b),(2,'c');" starts no statement: resumed at its "(2," */
    CHECK_EQ(pt_reciter_next(it, &r), -1);
    pt_reciter_error(it, &kind, &msg, &off);
    CHECK_EQ(off, 27);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.offset, 30);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    if (r.n == 2) CHECK_MEM(r.fields[1].val, r.fields[1].val_len, "d");
    CHECK_EQ(pt_reciter_next(it, &r), 0);
    pt_reciter_free(it);
    check_split_equivalence(text, dialect_of(PT_FMT_SQL, NULL));
    check_split_equivalence("id,note\na,b\"c\n\"x\ny\",z\nq,\"r\"\"\ns\"\n",
                            dialect_of(PT_FMT_CSV, ","));
}

/* An INSERT's tuples are read before its end is lexed (sql.c); where the lexer would
 * end it inside the tuples, or between them, they are read as bounded by that end. */
static void test_sql_lazy_tuples(void)
{
    static const struct {
        const char *text, *want;   /* want: records_text of the text read whole */
    } cases[] = {
        /* a newline starting a statement line ends the first INSERT without its ';' */
        {"INSERT INTO t VALUES (1,'a;b'),(2,'c')\nINSERT INTO t VALUES (3,'d');\n",
         "21:=1|=a;b|;31:=2|=c|;60:=3|=d|;"},
        /* a comment between tuples, holding a ';' the lexer skips */
        {"INSERT INTO t VALUES (1,2) -- c;\n,(3,4);", "21:=1|=2|;34:=3|=4|;"},
        /* a tail after the tuples: the statement ends at its ';' outside the string */
        {"INSERT INTO t VALUES (1,'x') ON DUPLICATE KEY UPDATE a='y;z';INSERT INTO t VALUES "
         "(2,'w');", "21:=1|=x|;82:=2|=w|;"},
        /* a negative number (one '-') and a newline between tuples: no statement ends */
        {"INSERT INTO t VALUES (-1,'a'),\n(2,'b');", "21:=-1|=a|;31:=2|=b|;"},
        /* names from the column list; a ';' in a value outside strings ends the statement
         * and cuts the tuple (one error); "4);" after it starts nothing and holds no "),(" */
        {"INSERT INTO `t` (`id`,`n`) VALUES (1,'\xe5\xbc\xa0'),(2,3;4);",
         "34:id=1|n=\xe5\xbc\xa0|;E;"},
    };
    static char got[1024];
    pt_reciter *it = pt_reciter_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pt_chunk_view v = {.text = cases[i].text, .len = strlen(cases[i].text),
                           .dialect = dialect_of(PT_FMT_SQL, NULL)};
        got[0] = '\0';
        records_text(it, &v, got, sizeof got);
        CHECK_STR(got, cases[i].want);
        check_split_equivalence(cases[i].text, dialect_of(PT_FMT_SQL, NULL));
    }
    pt_reciter_free(it);
}

/* The JSONL fast path gives the fields the general parser gives, and a record it gives
 * up on halfway (a MongoDB key) is read again without the fields it had added. */
static void test_jsonl_fast_path(void)
{
    static const struct {
        const char *line, *want;
    } cases[] = {
        /* a nested empty key keeps its dot; an empty top key adds none; arrays index */
        {"{\"a\":{\"b\":\"x\",\"\":{\"c\":1}},\"\":{\"d\":true},\"t\":[1,{\"u\":\"v\"},[2]],"
         "\"n\":null,\"e\":\"\",\"f\":false}\n",
         "0:a.b=x|a..c=1|d=true|t.0=1|t.1.u=v|t.2.0=2|f=false|;"},
        {"{\"a\":{\"b\":\"x\\u0021\"}}\n", "0:a.b=x!|;"},   /* an escape: the general parser */
        {"{ \"k\" : [ \"v\" , 2 ] , \"m\":-0.5e+3 }\n", "0:k.0=v|k.1=2|m=-0.5e+3|;"},
        {"{\"p\":\"1\",\"q\":{\"r\":\"2\",\"$oid\":\"3\"}}\n", "0:p=1|q.r=2|q=3|;"},
        {"{\"p\":\"1\",\"q\":tru}\n", "E;"},
        {"{\"p\":\"1\"} x\n", "E;"},
        /* an index of two digits */
        {"{\"a\":[1,2,3,4,5,6,7,8,9,10,\"x\"]}\n",
         "0:a.0=1|a.1=2|a.2=3|a.3=4|a.4=5|a.5=6|a.6=7|a.7=8|a.8=9|a.9=10|a.10=x|;"},
    };
    static char got[1024];
    pt_reciter *it = pt_reciter_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pt_chunk_view v = {.text = cases[i].line, .len = strlen(cases[i].line),
                           .dialect = dialect_of(PT_FMT_JSONL, NULL)};
        got[0] = '\0';
        records_text(it, &v, got, sizeof got);
        CHECK_STR(got, cases[i].want);
    }
    pt_reciter_free(it);
}

/* Fields of every record of v as "key=val|...;" ("E;" for an error), no offsets. */
static void fields_text(pt_reciter *it, const pt_chunk_view *v, char *out, size_t cap)
{
    pt_record r;
    int rc;
    size_t l = strlen(out);
    pt_reciter_reset(it, v);
    while ((rc = pt_reciter_next(it, &r)) != 0 && l < cap) {
        if (rc < 0) {
            l += (size_t)snprintf(out + l, cap - l, "E;");
            continue;
        }
        for (size_t i = 0; i < r.n && l < cap; i++)
            l += (size_t)snprintf(out + l, cap - l, "%.*s=%.*s|", (int)r.fields[i].key_len,
                                  r.fields[i].key ? r.fields[i].key : "",
                                  (int)r.fields[i].val_len, r.fields[i].val);
        if (l < cap) l += (size_t)snprintf(out + l, cap - l, ";");
    }
}

/* JSON Lines read by a template (the skeleton of the record before, jsonl.c) give the
 * fields the fast and general parsers give. Each case follows one record of the same
 * shape, so its line is read against that template first: equal skeleton, values of
 * another kind, a backslash, \u surrogates, brackets inside strings, another key, an
 * object where a scalar was, a cut-off line, a BOM, CRLF, trailing text. */
static void test_jsonl_templates(void)
{
    const char *first = "{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}\n";
    const char *first_want = "a=x|b.c=1|b.d.0=true|b.d.1=y|;";   /* null: no field */
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}\n",
         "a=x|b.c=1|b.d.0=true|b.d.1=y|;"},
        /* brackets in a string, a number of another form, "" skipped, null -> string, CRLF */
        {"{\"a\":\"{}[],:\",\"b\":{\"c\":-2.5e3,\"d\":[false,\"\"]},\"e\":\"z\"}\r\n",
         "a={}[],:|b.c=-2.5e3|b.d.0=false|e=z|;"},
        {"{\"a\":\"q\\\"r\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}\n",   /* escape */
         "a=q\"r|b.c=1|b.d.0=true|b.d.1=y|;"},
        {"{\"a\":\"\\ud83d\\ude00\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}\n",
         "a=\xF0\x9F\x98\x80|b.c=1|b.d.0=true|b.d.1=y|;"},   /* U+1F600 from its surrogates */
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"\n", "E;"},   /* cut off */
        {"\xEF\xBB\xBF{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}\n", "E;"},
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"f\":7}\n",   /* another key */
         "a=x|b.c=1|b.d.0=true|b.d.1=y|f=7|;"},
        {"{\"a\":\"x\",\"b\":{\"c\":{\"z\":1},\"d\":[true,\"y\"]},\"e\":null}\n",
         "a=x|b.c.z=1|b.d.0=true|b.d.1=y|;"},   /* an object where a scalar was */
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null} x\n", "E;"},
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":nul}\n", "E;"},
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}", /* no newline at the end */
         "a=x|b.c=1|b.d.0=true|b.d.1=y|;"},
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":null}  \t\n",   /* blanks after */
         "a=x|b.c=1|b.d.0=true|b.d.1=y|;"},
        {"{\"a\":\"x\",\"b\":{\"c\":1,\"d\":[true,\"y\"]},\"e\":\"\\\\\"}\n",
         "a=x|b.c=1|b.d.0=true|b.d.1=y|e=\\|;"},
        {"{\"a\":\"x\",\"b\":{\"c\":-,\"d\":[true,\"y\"]},\"e\":null}\n", "E;"},   /* no digit */
    };
    static char text[512], got[1024], ref[1024], want[1024];
    pt_reciter *it = pt_reciter_new(), *plain = pt_reciter_new();
    pt_reciter_json_templates(plain, false);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "%s%s", first, cases[i].line);
        snprintf(want, sizeof want, "%s%s", first_want, cases[i].want);
        pt_chunk_view v = {.text = text, .len = strlen(text),
                           .dialect = dialect_of(PT_FMT_JSONL, NULL)};
        pt_reciter_json_templates(it, true);   /* a new template from the first line */
        got[0] = ref[0] = '\0';
        fields_text(it, &v, got, sizeof got);
        fields_text(plain, &v, ref, sizeof ref);
        CHECK_STR(got, want);
        CHECK_STR(ref, want);
    }

    /* the second record is read by the template: its keys are the template's */
    snprintf(text, sizeof text, "%s%s", first, cases[1].line);
    pt_chunk_view v = {.text = text, .len = strlen(text), .dialect = dialect_of(PT_FMT_JSONL, NULL)};
    pt_reciter_json_templates(it, true);
    pt_reciter_reset(it, &v);
    pt_record r;
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(pt_reciter_next(it, &r), 1);
    CHECK_EQ(r.n, 4);
    CHECK(r.fields[0].key >= it->tpl.keys.p && r.fields[0].key < it->tpl.keys.p + it->tpl.keys.len);
    CHECK_MEM(r.fields[1].key, r.fields[1].key_len, "b.c");
    CHECK(r.fields[1].val == text + strlen(first) + 23);   /* -2.5e3 in the text itself */
    pt_reciter_free(it);
    pt_reciter_free(plain);
}

/* Random lines of a few shapes with random scalars, containers, escapes, blanks, cuts
 * and stray bytes read with templates give the records read without them. */
static void test_jsonl_templates_agree_with_plain(void)
{
    static const char *const shapes[] = {
        "{\"a\":%s,\"b\":{\"c\":%s,\"d\":[%s,%s]},\"e\":%s}",
        "{ \"a\" : %s , \"n\":[%s,%s] ,\"m\":{\"k\":%s}, \"e\":%s }",
        "{\"x\":{\"$oid\":%s},\"y\":%s,\"z\":[%s,[%s]],\"w\":%s}",
        "{\"\":{\"\":%s},\"b\":%s,\"c\":[%s,%s,%s]}",
    };
    static const char *const values[] = {
        "\"plain\"", "\"\"", "\"q\\\"r\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "12", "-0.5e+3",
        "true", "false", "null", "\"{[,:]}\"", "tru", "-", "{\"o\":1}", "[1,\"t\"]", "[]", "{}",
        "\"\xe5\xbc\xa0\xe4\xbc\x9f\"", "\"13812345678\"", "1.5x", "\"a\\\\\"", "\"a",
    };
    static char text[40000], got[200000], ref[200000];
    unsigned long bad = 0;
    uint64_t r = 7;
#define RND(m) ((r = r * 6364136223846793005ull + 1442695040888963407ull), (size_t)(r >> 33) % (m))
    pt_reciter *it = pt_reciter_new(), *plain = pt_reciter_new();
    pt_reciter_json_templates(plain, false);
    for (int round = 0; round < 300; round++) {
        size_t n = 0, shape = RND(4);
        for (int line = 0; line < 150 && n < sizeof text - 400; line++) {
            if (RND(8) == 0) shape = RND(4);
            const char *v[5];
            for (int k = 0; k < 5; k++) v[k] = RND(3) ? values[RND(10) < 7 ? 5 + RND(5) : RND(22)]
                                                      : values[0];
            size_t start = n;
            if (RND(40) == 0) n += (size_t)snprintf(text + n, sizeof text - n, "\xEF\xBB\xBF");
            n += (size_t)snprintf(text + n, sizeof text - n, shapes[shape], v[0], v[1], v[2], v[3], v[4]);
            size_t cut = RND(30);
            if (cut == 0 && n > start + 1) n = start + 1 + RND(n - start - 1);   /* cut off */
            else if (cut == 1) n += (size_t)snprintf(text + n, sizeof text - n, " x");
            else if (cut == 2) n += (size_t)snprintf(text + n, sizeof text - n, "\r");
            else if (cut == 3) n += (size_t)snprintf(text + n, sizeof text - n, " ");
            text[n++] = '\n';
        }
        if (RND(2)) n--;   /* no newline after the last line */
        pt_chunk_view cv = {.text = text, .len = n, .dialect = dialect_of(PT_FMT_JSONL, NULL)};
        got[0] = ref[0] = '\0';
        fields_text(it, &cv, got, sizeof got);
        fields_text(plain, &cv, ref, sizeof ref);
        bad += strcmp(got, ref) != 0;
    }
#undef RND
    CHECK_EQ(bad, 0);
    pt_reciter_free(it);
    pt_reciter_free(plain);
}

/* The 16-bytes-a-step searches give the index a byte-by-byte search gives: stop bytes
 * at every position (block edges included), none at all, and bytes >= 0x80 around. */
static void test_find_bytes_agree_with_a_loop(void)
{
    char buf[100];
    unsigned long bad = 0;
    uint64_t r = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 97);
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            unsigned x = (unsigned)(r >> 33) % 64;
            buf[i] = x < 2 ? '"' : x < 3 ? '\\' : x < 4 ? ';' : x < 5 ? '`' : x < 20 ? (char)(0x80 + x) : 'a';
        }
        size_t from = n ? (size_t)(r >> 40) % (n + 1) : 0;
        size_t want2 = from;
        while (want2 < n && buf[want2] != '"' && buf[want2] != '\\') want2++;
        bad += pt_find_byte2(buf, from, n, '"', '\\') != want2;
        size_t want_set = from;
        while (want_set < n && !strchr(";`", buf[want_set])) want_set++;
        bad += pt_find_byte_set(buf, from, n, ";`", 2) != want_set;
    }
    CHECK_EQ(bad, 0);
    const char *s = "0123456789abcdef0123456789abcdef\"";
    CHECK_EQ(pt_find_byte2(s, 0, strlen(s), '"', '\\'), 32);   /* after two whole blocks */
    CHECK_EQ(pt_find_byte2(s, 0, 32, '"', '\\'), 32);           /* none: n */
    CHECK_EQ(pt_find_byte_set(s, 3, strlen(s), "fa", 2), 10);
}

/* Where a statement ends, the lexer as it was before it went 16 bytes a step: the next
 * byte of ;'"`-/ or newline, strings skipped one stop byte at a time. */
static size_t ref_skip_quoted(const char *t, size_t n, size_t p)
{
    char q = t[p++];
    while (p < n) {
        if (t[p] == '\\' && q != '`') {
            p += 2;
        } else if (t[p] == q) {
            if (p + 1 < n && t[p + 1] == q) p += 2;
            else return p + 1;
        } else {
            p++;
        }
    }
    return n;
}

static size_t ref_statement_end(const char *t, size_t n, size_t p, bool *found)
{
    *found = false;
    while (p < n) {
        char c = t[p];
        if (c == ';') {
            *found = true;
            return p + 1;
        }
        if (c == '\n' && p + 1 < n) {   /* the statement words, as statement_line_at */
            static const char *const words[] = {"INSERT ", "GO\n", "GO 2\n", NULL};
            for (int w = 0; words[w]; w++) {
                size_t k = strlen(words[w]);
                if (p + k < n && strncmp(t + p + 1, words[w], k) == 0) {
                    *found = true;
                    return p + 1;
                }
            }
        }
        if (c == '\'' || c == '"' || c == '`') p = ref_skip_quoted(t, n, p);
        else if ((c == '-' && p + 1 < n && t[p + 1] == '-') ||
                 (c == '/' && p + 1 < n && t[p + 1] == '*'))
            p = pt_sql_skip_space(t, n, p);
        else p++;
    }
    return n;
}

/* The statement end of random text made of the lexer's bytes (strings, escapes, doubled
 * quotes, comments, statement lines, around block edges) is the reference lexer's. */
static void test_sql_statement_end_agrees_with_a_loop(void)
{
    static const char *const atoms[] = {"'", "\"", "`", "\\", ";", "-", "--", "/", "/*",
                                        "*/", "\n", "\nINSERT ", "\nGO\n", "\nGO 2\n", "''",
                                        "a", "abcdefghijklmno", "\xe5\xbc\xa0", " ", "x"};
    /* mostly tuples of plain '...' strings, so that runs of 64 plain bytes are met, with
     * now and then a byte that makes a block not plain, in a string or out of it */
    static const char *const tuple_atoms[] = {
        "'", "'", "'", "'", "''", ",", ",", "(", "),(", "12", "5282.70", "'2024-04-08'",
        "'\xe5\xbc\xa0\xe4\xbc\x9f'", "'13812345678'", "abcdefghijklmno", "a", "'a;b'", "'x\\'y'",
        ";", "-", "\n", "\nINSERT ", "`", "\"", "/*", "--"};
    char buf[400];
    unsigned long bad = 0;
    uint64_t r = 99;
    for (int round = 0; round < 80000; round++) {
        bool tuples = round >= 50000;
        size_t n = 0, want = (size_t)(round % (tuples ? 390 : 180));
        while (n < want) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            size_t pick = (r >> 33) % (tuples ? (r >> 20) % 8 ? 17 : 26 : 20);
            const char *a = tuples ? tuple_atoms[pick] : atoms[pick];
            size_t k = strlen(a);
            if (n + k > sizeof buf) break;
            memcpy(buf + n, a, k);
            n += k;
        }
        size_t from = n ? (size_t)(r >> 40) % n : 0;
        bool f1, f2;
        size_t e1 = pt_sql_statement_end(buf, n, from, &f1);
        size_t e2 = ref_statement_end(buf, n, from, &f2);
        if (e1 != e2 || f1 != f2) {
            if (!bad) printf("#   from %zu of \"%.*s\": %zu %d, expected %zu %d\n", from, (int)n,
                             buf, e1, f1, e2, f2);
            bad++;
        }
    }
    CHECK_EQ(bad, 0);
    const char *s = "INSERT INTO t VALUES ('a;b','c''d;','e\\';f'),(`g;`);x";
    bool found;
    /* 64 plain bytes (up to the '(' of "(3,"), then the ';' outside strings at 70 */
    const char *plain = "INSERT INTO t VALUES ('a;b','2024-01-02','c''d',2),('e','f-g'),(3,'h');";
    CHECK_EQ(pt_sql_statement_end(plain, strlen(plain), 0, &found), 71);
    CHECK(found);
    CHECK_EQ(pt_sql_statement_end(s, strlen(s), 0, &found), 52);   /* after the ";" before x */
    CHECK(found);
}

/* ---- detection as it was: the reference for the one-pass detector ------------------ *
 * pt_detect_dialect and pt_blocks_detect were made cheaper per input (issue 13: 10,000
 * small files cost detection 10,000 times) without changing any decision. Below is the
 * format part of detect.c and pt_blocks_detect as they were before (names prefixed
 * ref_), kept only to compare with: both must decide alike on the fixtures, the fuzz
 * seeds and generated texts, whole and cut. */

#define REF_SAMPLE_MAX (64 * 1024)
#define REF_SAMPLE_LINES 50

static bool ref_is_space_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void ref_trim(const char *t, size_t *b, size_t *e)
{
    while (*b < *e && ref_is_space_byte(t[*b])) ++*b;
    while (*e > *b && ref_is_space_byte(t[*e - 1])) --*e;
}

static bool ref_pt_blocks_detect(const char *t, size_t n, bool at_eof)
{
    enum { MAX_LINES = 200, MAX_DISTINCT = 64 };
    size_t lines = 0, labelled = 0, blocks = 0, distinct = 0;
    bool in_block = false;
    struct label { const char *s; size_t len; } seen[MAX_DISTINCT];
    if (!memmem(t, n, "\n\n", 2) && !memmem(t, n, "\n\r\n", 3)) return false;   /* no blank line */
    for (size_t p = 0; p < n && lines < MAX_LINES;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;
        size_t le = nl ? (size_t)(nl - t) : n, b = p, e = le;
        p = le + 1;
        ref_trim(t, &b, &e);
        if (b == e) {
            in_block = false;
            continue;
        }
        lines++;
        if (!in_block) blocks++;
        in_block = true;
        size_t lab_end, vb;
        if (!pt_blocks_label(t, b, e, &lab_end, &vb)) continue;
        labelled++;
        bool known = false;
        for (size_t i = 0; i < distinct && !known; i++)
            known = seen[i].len == lab_end - b && memcmp(seen[i].s, t + b, lab_end - b) == 0;
        if (!known && distinct < MAX_DISTINCT) seen[distinct++] = (struct label){t + b, lab_end - b};
    }
    /* Several blocks of two lines or more, four in five lines labelled, and a third of
     * the labels repeating one met before (the same fields, person after person). */
    return blocks >= 2 && lines >= 2 * blocks && labelled >= 4 && labelled * 5 >= lines * 4 &&
           (labelled - distinct) * 3 >= labelled;
}


static bool ref_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool ref_starts_with_ci(const char *t, size_t n, size_t p, const char *word)
{
    size_t k = strlen(word);
    return n - p >= k && strncasecmp(t + p, word, k) == 0;
}

/* The first line holds one object; not when it is the only line and wraps an array of
 * objects ({"data":[{...},{...}]} on one line is a JSON document of several records). */
static bool ref_looks_like_jsonl(const char *t, size_t n, bool at_eof)
{
    size_t p = 0;
    while (p < n && ref_is_blank(t[p])) p++;
    if (p >= n || t[p] != '{') return false;
    const char *nl = memchr(t + p, '\n', n - p);
    /* A first line longer than the sample: a document when an array of objects starts
     * in it ({"data":[{...},... on one line of any length), else a long JSON Lines line. */
    if (!nl && !at_eof) return !pt_json_has_record_array(t, p, n);
    size_t le = nl ? (size_t)(nl - t) : n;
    if (!pt_json_line_is_object(t + p, le - p)) return false;
    size_t q = le;
    while (q < n && ref_is_blank(t[q])) q++;
    if (q >= n && at_eof && pt_json_has_record_array(t, p, le)) return false;
    return true;
}

/* A JSON document: '[' then an object, or '{' then a key or '}' (and not JSON Lines). */
static bool ref_looks_like_json(const char *t, size_t n)
{
    size_t p = 0;
    while (p < n && ref_is_blank(t[p])) p++;
    if (p >= n || (t[p] != '{' && t[p] != '[')) return false;
    char open = t[p];
    p++;
    while (p < n && ref_is_blank(t[p])) p++;
    if (p >= n) return false;
    if (open == '{') return t[p] == '"' || t[p] == '}';
    if (t[p] != '{') return false;
    p++;
    while (p < n && ref_is_blank(t[p])) p++;
    return p < n && (t[p] == '"' || t[p] == '}');
}

static bool ref_contains_ci(const char *t, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(t + i, word, k) == 0) return true;
    return false;
}

/* A dump header comment (pg_dump puts one on its second line), or CREATE TABLE / INSERT INTO starting a line outside comments. */
static bool ref_looks_like_sql(const char *t, size_t n)
{
    static const char *const dump_headers[] = {"-- MySQL dump", "-- MariaDB dump",
                                               "-- PostgreSQL database dump",
                                               "-- Dumped from database", NULL};
    bool in_block = false;
    for (size_t line = 0; line < n;) {
        const char *nl = memchr(t + line, '\n', n - line);
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = line;
        if (in_block) {
            const char *e = memmem(t + q, le - q, "*/", 2);
            if (e) {
                in_block = false;
                q = (size_t)(e - t) + 2;
            } else {
                q = le;
            }
        }
        while (q < le && (t[q] == ' ' || t[q] == '\t')) q++;
        for (int i = 0; dump_headers[i]; i++)
            if (ref_starts_with_ci(t, le, q, dump_headers[i])) return true;
        if (q + 1 < le && t[q] == '/' && t[q + 1] == '*') {
            const char *e = memmem(t + q + 2, le - q - 2, "*/", 2);
            if (!e) in_block = true;
        } else if (ref_starts_with_ci(t, le, q, "CREATE TABLE") ||
                   ref_starts_with_ci(t, le, q, "INSERT INTO") ||
                   ref_starts_with_ci(t, le, q, "INSERT IGNORE INTO") ||
                   ref_starts_with_ci(t, le, q, "REPLACE INTO")) {
            return true;
        } else if ((ref_starts_with_ci(t, le, q, "INSERT [") || ref_starts_with_ci(t, le, q, "INSERT \"")) &&
                   ref_contains_ci(t + q, le - q, "VALUES")) {
            return true;   /* SQL Server: INSERT [dbo].[T] (...) VALUES (...) */
        } else if (ref_starts_with_ci(t, le, q, "COPY ") && ref_contains_ci(t + q, le - q, "FROM stdin")) {
            return true;   /* pg_dump without its header comment */
        }
        line = le + 1;
    }
    return false;
}

typedef struct {
    const char *s;
    size_t len;
} ref_delim_candidate;

static const ref_delim_candidate ref_candidates[] = {
    {",", 1}, {"\t", 1}, {"|", 1}, {";", 1}, {"----", 4}, {" # ", 3}, {":", 1}};
#define ref_N_CANDIDATES (sizeof ref_candidates / sizeof *ref_candidates)

/* Occurrences of delim in t[b..e), non-overlapping; for "," quoted text is skipped and
 * *in_quote carries an open quote into the next line. */
static size_t ref_count_delims(const char *t, size_t b, size_t e, const ref_delim_candidate *d,
                           bool quote_aware, bool *in_quote)
{
    size_t count = 0;
    if (quote_aware) {
        for (size_t i = b; i < e; i++) {
            if (t[i] == '"') *in_quote = !*in_quote;
            else if (t[i] == d->s[0] && !*in_quote) count++;
        }
        return count;
    }
    for (size_t i = b; i + d->len <= e;) {
        /* memchr for one byte: memmem's setup costs more than a short line's search */
        const char *hit = d->len == 1 ? memchr(t + i, d->s[0], e - i) : memmem(t + i, e - i, d->s, d->len);
        if (!hit) break;
        count++;
        i = (size_t)(hit - t) + d->len;
    }
    return count;
}

/* How consistent delimiter d is over the first complete lines: the number of lines
 * carrying its most common non-zero count, or 0 when it does not qualify (it must be
 * on most lines and that count on more than half of them). */
static size_t ref_delimiter_score(const char *t, size_t n, bool at_eof, const ref_delim_candidate *d)
{
    enum { MAXC = 64 };
    size_t hist[MAXC + 1] = {0}, lines = 0, with = 0;
    bool quote_aware = d->len == 1 && d->s[0] == ',', in_quote = false;
    size_t pending = 0;   /* count of a CSV record spanning lines */
    for (size_t p = 0; p < n && lines < REF_SAMPLE_LINES;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;   /* incomplete last line */
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = p;
        while (q < le && ref_is_blank(t[q])) q++;
        if (q < le || in_quote) {
            pending += ref_count_delims(t, p, le, d, quote_aware, &in_quote);
            if (!in_quote) {
                lines++;
                if (pending) with++;
                hist[pending > MAXC ? MAXC : pending]++;
                pending = 0;
            }
        }
        p = le + 1;
    }
    if (lines == 0 || with * 2 <= lines) return 0;
    size_t best = 0;
    for (size_t c = 1; c <= MAXC; c++)
        if (hist[c] > best) best = hist[c];
    return best * 2 > lines ? best : 0;
}

/* The best delimiter candidate, or -1. */
static int ref_best_delimiter(const char *t, size_t n, bool at_eof)
{
    int best = -1;
    size_t best_score = 0;
    for (size_t i = 0; i < ref_N_CANDIDATES; i++) {
        size_t sc = ref_delimiter_score(t, n, at_eof, &ref_candidates[i]);
        if (sc > best_score) {
            best_score = sc;
            best = (int)i;
        }
    }
    return best;
}

/* ---- combo lists ------------------------------------------------------------------ *
 * A credential list (撞库 combo list: "account:password", "account----password") has two
 * fields on every line and looks delimited. Split, its lines lose what makes them
 * account passwords (the combo patterns see the whole line), so such a file is read as
 * lines. It is one when most sample lines are one account (an e-mail address, a mobile
 * or QQ number; after "----" also a user name), the delimiter once, and a password of 3
 * to 64 printable ASCII characters. */

static bool ref_is_email_account(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || n > 100) return false;
    size_t rest = n - (size_t)(at - s) - 1;
    const char *dot = memchr(at + 1, '.', rest);
    if (!dot || dot == at + 1 || dot == s + n - 1) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

static bool ref_is_number_account(const char *s, size_t n)
{
    size_t i = n && s[0] == '+' ? 1 : 0;
    if (n - i < 5 || n - i > 13) return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static bool ref_is_user_name(const char *s, size_t n)
{
    if (n < 3 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '_' && c != '.') return false;   /* ASCII, whatever the locale */
    }
    return true;
}

static bool ref_is_password(const char *s, size_t n)
{
    if (n < 3 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* line t[b..e) is "account<d>password" with d once. */
static bool ref_combo_line(const char *t, size_t b, size_t e, const ref_delim_candidate *d)
{
    while (e > b && (t[e - 1] == '\r' || t[e - 1] == ' ')) e--;
    const char *hit = memmem(t + b, e - b, d->s, d->len);
    if (!hit) return false;
    size_t a_len = (size_t)(hit - (t + b)), p = a_len + d->len;
    if (memmem(hit + d->len, e - b - p, d->s, d->len)) return false;
    const char *acc = t + b;
    bool account = ref_is_email_account(acc, a_len) || ref_is_number_account(acc, a_len) ||
                   (d->len == 4 && ref_is_user_name(acc, a_len));
    return account && ref_is_password(t + b + p, e - b - p);
}

static bool ref_looks_like_combo_list(const char *t, size_t n, bool at_eof, const ref_delim_candidate *d)
{
    if (!(d->len == 1 && (d->s[0] == ':' || d->s[0] == '|' || d->s[0] == ';')) && d->len != 4)
        return false;
    size_t lines = 0, combos = 0;
    for (size_t p = 0; p < n && lines < REF_SAMPLE_LINES;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = p;
        while (q < le && ref_is_blank(t[q])) q++;
        if (q < le) {
            lines++;
            combos += ref_combo_line(t, q, le, d);
        }
        p = le + 1;
    }
    return lines > 0 && combos * 5 >= lines * 4;   /* 80% */
}

static void ref_set_delim(pt_dialect *d, const char *s, size_t len)
{
    memset(d->delim, 0, sizeof d->delim);
    memcpy(d->delim, s, len);
    d->delim_len = len;
}

static pt_format ref_format_for_delim(const pt_dialect *d)
{
    if (d->delim_len == 1 && d->delim[0] == ',') return PT_FMT_CSV;
    if (d->delim_len == 1 && d->delim[0] == '\t') return PT_FMT_TSV;
    return PT_FMT_DELIMITED;
}

static pt_dialect ref_pt_detect_dialect(const char *sample, size_t n, bool at_eof, pt_dialect forced)
{
    pt_dialect d = forced;
    if (d.delim_len > 7) d.delim_len = 7;
    if (!sample) n = 0;
    if (n > REF_SAMPLE_MAX) {
        n = REF_SAMPLE_MAX;
        at_eof = false;
    }
    if (d.format == PT_FMT_AUTO && d.delim_len) {
        d.format = ref_format_for_delim(&d);
        return d;
    }
    if (d.format == PT_FMT_AUTO) {
        if (ref_looks_like_jsonl(sample, n, at_eof)) d.format = PT_FMT_JSONL;
        else if (ref_looks_like_json(sample, n)) d.format = PT_FMT_JSON;
        else if (ref_looks_like_sql(sample, n)) d.format = PT_FMT_SQL;
        else if (ref_pt_blocks_detect(sample, n, at_eof)) d.format = PT_FMT_BLOCKS;
    }
    if (d.format == PT_FMT_JSON) d.json_wrapper = pt_json_detect_wrapper(sample, n);
    if (d.format == PT_FMT_JSONL || d.format == PT_FMT_SQL || d.format == PT_FMT_LINES ||
        d.format == PT_FMT_JSON || d.format == PT_FMT_BLOCKS)
        return d;
    if (d.delim_len) return d;
    /* CSV, TSV, DELIMITED without a delimiter, or AUTO still undecided. */
    if (d.format == PT_FMT_CSV) {
        ref_set_delim(&d, ",", 1);
        return d;
    }
    if (d.format == PT_FMT_TSV) {
        ref_set_delim(&d, "\t", 1);
        return d;
    }
    int best = ref_best_delimiter(sample, n, at_eof);
    if (d.format == PT_FMT_DELIMITED) {
        const ref_delim_candidate *c = &ref_candidates[best >= 0 ? best : 2];   /* default "|" */
        ref_set_delim(&d, c->s, c->len);
        return d;
    }
    if (best < 0 || ref_looks_like_combo_list(sample, n, at_eof, &ref_candidates[best])) {
        d.format = PT_FMT_LINES;
        return d;
    }
    ref_set_delim(&d, ref_candidates[best].s, ref_candidates[best].len);
    d.format = ref_format_for_delim(&d);
    return d;
}


static bool same_dialect(pt_dialect a, pt_dialect b)
{
    return a.format == b.format && a.delim_len == b.delim_len &&
           memcmp(a.delim, b.delim, a.delim_len) == 0 && a.json_wrapper == b.json_wrapper;
}

static size_t detect_cases, detect_mismatches;

/* Both detectors on t[0..n) as a whole input and as a sample of a longer one, with no
 * format forced and with DELIMITED forced (the delimiter still guessed). */
static void compare_detectors_at(const char *t, size_t n, const char *what)
{
    const pt_format forced[] = {PT_FMT_AUTO, PT_FMT_DELIMITED};
    for (int eof = 0; eof < 2; eof++) {
        for (size_t f = 0; f < sizeof forced / sizeof *forced; f++) {
            pt_dialect want_in = {0};
            want_in.format = forced[f];
            pt_dialect got = pt_detect_dialect(t, n, eof, want_in);
            pt_dialect want = ref_pt_detect_dialect(t, n, eof, want_in);
            detect_cases++;
            if (!same_dialect(got, want) && detect_mismatches++ < 5)
                printf("#   %s: %zu bytes, at_eof %d, forced %s: %s \"%.*s\", before %s \"%.*s\"\n",
                       what, n, eof, pt_format_name(forced[f]), pt_format_name(got.format),
                       (int)got.delim_len, got.delim, pt_format_name(want.format),
                       (int)want.delim_len, want.delim);
        }
        bool blocks = pt_blocks_detect(t, n, eof), blocks_before = ref_pt_blocks_detect(t, n, eof);
        detect_cases++;
        if (blocks != blocks_before && detect_mismatches++ < 5)
            printf("#   %s: %zu bytes, at_eof %d: blocks %d, before %d\n", what, n, eof, blocks,
                   blocks_before);
    }
}

/* The whole text and some of its starts: after the first line, mid-line, halves. */
static void compare_detectors(const char *t, size_t n, const char *what, uint64_t *rng)
{
    compare_detectors_at(t, n, what);
    if (!n) return;
    const char *nl = memchr(t, '\n', n);
    if (nl) compare_detectors_at(t, (size_t)(nl - t) + 1, what);
    compare_detectors_at(t, n - 1, what);
    compare_detectors_at(t, n / 2, what);
    for (int i = 0; i < 3; i++) {
        *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
        compare_detectors_at(t, (size_t)(*rng >> 33) % n, what);
    }
}

/* Every file of dir (the demo fixtures, the fuzz seeds) through both; the count read. */
static size_t compare_on_files(const char *dir, uint64_t *rng)
{
    size_t files = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *buf = malloc(256 * 1024);
        size_t n = fread(buf, 1, 256 * 1024, f);
        fclose(f);
        compare_detectors(buf, n, path, rng);
        free(buf);
        files++;
    }
    closedir(d);
    return files;
}

/* Lines that make or break each format and delimiter: a generated text is lines of one
 * family with others mixed in, so that scores come close and ties, quotes across lines,
 * blank lines, combo lists, SQL starts and labelled blocks all occur. */
static const char *const gen_lines[] = {
    "张三,110105194912310021,13812345678", "a,b,c", "\"a,b\",c,d", "\"multi", "line\",x,y",
    "\"a", "", "b\",c", "a\"b,c", "a\tb\tc", "a\tb", "a|b|c", "qq|123456", "a;b;c", "x;y",
    "x----y----z", "user@mail.com----pass123", "zhangsan----abc123", "13812345678:abc123",
    "a@b.cn:pw1234", "a@b.cn|secret", "13912345678;pass", "u # p # q", "u # p", " # # ", "------",
    "-----", "--------", "a:b:c", "a:b", "姓名：张三", "手机：13812345678", "Name: Bob",
    "地址：北京市", "电话: 1", "身份证号：110105194912310021", " ", "\t", "\r", "  \t ",
    "-- MySQL dump 10.13", "CREATE TABLE t (a int);", "insert into t values (1);", "/* comment",
    "end */ INSERT INTO x VALUES (1);", "/* c */ create table u (b int);",
    "COPY t (a) FROM stdin;", "copy t from STDIN", "INSERT [dbo].[T] VALUES (1)",
    "INSERT \"T\" values (2)", "Replace into t values (3)", "  -- PostgreSQL database dump",
    "-- Dumped from database version 14", "REPLACE", "insert", "{\"a\":1}", "{\"a\":[{\"b\":1}]}",
    "[{\"a\":1}]", "{\"data\":[{\"a\":1},{\"b\":2}]}", "{", "[", "}", "]", "plain words here",
    "1,2", "1|2", "1;2", "1\t2", "-,-,-", "\",\",\",\""};
#define N_GEN_LINES (sizeof gen_lines / sizeof *gen_lines)
#define N_GEN_PLAIN 40   /* the lines before "-- MySQL dump" */

static uint64_t gen_next(uint64_t *rng, uint64_t bound)
{
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    return (*rng >> 33) % bound;
}

/* A text of lines: mostly one family line (or fields joined by one candidate), some
 * others, "\n" or "\r\n" endings, maybe no final newline. */
static size_t gen_text(char *out, size_t cap, uint64_t *rng)
{
    static const char *const delims[] = {",", "\t", "|", ";", "----", " # ", ":", "，"};
    const char *family = gen_lines[gen_next(rng, N_GEN_LINES)];
    const char *delim = delims[gen_next(rng, sizeof delims / sizeof *delims)];
    size_t fields = 1 + gen_next(rng, 5), lines = 1 + gen_next(rng, 130), n = 0;
    bool crlf = gen_next(rng, 4) == 0;
    unsigned mix = (unsigned)gen_next(rng, 3);   /* 0: joined fields, 1: family line, 2: any */
    for (size_t l = 0; l < lines && n + 300 < cap; l++) {
        uint64_t r = gen_next(rng, 10);
        if (r < 2 || mix == 2) {   /* SQL and JSON starts rarely, or they would decide most */
            size_t pool = mix == 2 || gen_next(rng, 40) == 0 ? N_GEN_LINES : N_GEN_PLAIN;
            n += (size_t)snprintf(out + n, cap - n, "%s", gen_lines[gen_next(rng, pool)]);
        } else if (mix == 1) {
            n += (size_t)snprintf(out + n, cap - n, "%s", family);
        } else {
            size_t k = fields + (r == 2) - (r == 3 && fields > 1);   /* now and then one more or less */
            for (size_t f = 0; f < k; f++)
                n += (size_t)snprintf(out + n, cap - n, "%s%s%u", f ? delim : "",
                                      gen_next(rng, 8) ? "v" : "\"q", (unsigned)gen_next(rng, 100));
        }
        if (l + 1 < lines || gen_next(rng, 2)) n += (size_t)snprintf(out + n, cap - n, crlf ? "\r\n" : "\n");
        if (gen_next(rng, 12) == 0) n += (size_t)snprintf(out + n, cap - n, crlf ? "\r\n" : "\n");
    }
    return n;
}

/* A long input: only the first 64 KiB are looked at, so what lies after must not count
 * (a CREATE TABLE line after 64 KiB of CSV; a quote open across the cut). */
static void compare_on_long_input(uint64_t *rng)
{
    size_t cap = 80 * 1024, n = 0;
    char *t = malloc(cap);
    while (n < 64 * 1024 - 20) n += (size_t)snprintf(t + n, cap - n, "a,b,\"c\n%zu\",d\n", n);
    n += (size_t)snprintf(t + n, cap - n, "\"open,x\nCREATE TABLE t (a int);\n");
    compare_detectors(t, n, "long input", rng);
    compare_detectors_at(t, 64 * 1024, "long input at 64 KiB");
    compare_detectors_at(t, 64 * 1024 + 1, "long input at 64 KiB + 1");
    free(t);
}

/* The one-pass detector decides as the one it replaced, on every case. */
static void test_detect_same_as_before(void)
{
    uint64_t rng = 13;
    size_t fixtures = compare_on_files("tests/fixtures/demo", &rng);
    CHECK(fixtures >= 4);
    size_t seeds = 0;
    const char *const corpora[] = {"csv", "delimited", "split_formats", "blocks", "sql", "jsonl",
                                   "json", "split", "pgcopy", "source"};
    for (size_t i = 0; i < sizeof corpora / sizeof *corpora; i++) {
        char dir[128];
        snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", corpora[i]);
        seeds += compare_on_files(dir, &rng);
    }
    CHECK(seeds >= 50);
    compare_on_long_input(&rng);
    char *t = malloc(64 * 1024);
    CHECK_STR(gen_lines[N_GEN_PLAIN], "-- MySQL dump 10.13");
    for (int i = 0; i < 4000; i++) {
        size_t n = gen_text(t, 64 * 1024, &rng);
        compare_detectors(t, n, "generated", &rng);
    }
    free(t);
    CHECK(detect_cases > 100000);
    CHECK_EQ(detect_mismatches, 0);
}

int main(void)
{
    RUN(test_find_bytes_agree_with_a_loop);
    RUN(test_names);
    RUN(test_detect_formats);
    RUN(test_detect_delimiters);
    RUN(test_detect_forced);
    RUN(test_header_detection);
    RUN(test_csv_records);
    RUN(test_csv_runaway_quote);
    RUN(test_split_csv);
    RUN(test_tsv_delimited);
    RUN(test_lines);
    RUN(test_jsonl);
    RUN(test_sql_records);
    RUN(test_sql_malformed);
    RUN(test_sql_tables_across_chunks);
    RUN(test_sql_split_strings);
    RUN(test_split_equivalence);
    RUN(test_hostile_inputs);
    RUN(test_split_csv_stray_quote);
    RUN(test_sql_chunk_starts_mid_values);
    RUN(test_sql_tuple_bounded_by_statement);
    RUN(test_sql_statement_end_agrees_with_a_loop);
    RUN(test_sql_lazy_tuples);
    RUN(test_jsonl_fast_path);
    RUN(test_jsonl_templates);
    RUN(test_jsonl_templates_agree_with_plain);
    RUN(test_detect_same_as_before);
    return CHECK_DONE();
}
