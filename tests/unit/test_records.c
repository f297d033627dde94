/* test_records.c - stage 2: format and header detection, splitting, and the record
 * iterator for CSV, TSV, delimited text, JSON Lines, SQL dumps and plain lines.
 * Expected values are worked out by hand from SPEC section 2 (byte counts in comments).
 */
#include "check.h"
#include "pitally/records.h"
#include "../../src/records/findbyte.h"
#include "../../src/records/internal.h"

#include <stdlib.h>

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
    char buf[200];
    unsigned long bad = 0;
    uint64_t r = 99;
    for (int round = 0; round < 50000; round++) {
        size_t n = 0, want = (size_t)(round % 180);
        while (n < want) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const char *a = atoms[(r >> 33) % (sizeof atoms / sizeof *atoms)];
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
    CHECK_EQ(pt_sql_statement_end(s, strlen(s), 0, &found), 52);   /* after the ";" before x */
    CHECK(found);
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
    return CHECK_DONE();
}
