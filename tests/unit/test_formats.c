/* test_formats.c - the formats of issue 9 read as seized: JSON documents (arrays of
 * objects, wrapped arrays, Elasticsearch and mongoexport output), pg_dump COPY blocks,
 * SQL Server and Oracle scripts, and title rows above a header. Each is read whole and
 * cut by the splitter at buffers of every size, which must give the same records.
 * Expected records are written out by hand from the fixture text.
 */
#include "check.h"
#include "pitally/records.h"

#include <stdlib.h>

static pt_dialect dialect_of(pt_format f)
{
    pt_dialect d = {0};
    d.format = f;
    return d;
}

/* Every record of the chunk appended to out as "key=val|key=val;" (offsets with
 * with_offsets, as "@offset:"), every error as "E@offset;". */
static void records_text(pt_reciter *it, const pt_chunk_view *v, char *out, size_t cap,
                         bool with_offsets)
{
    pt_record r;
    int rc;
    pt_reciter_reset(it, v);
    while ((rc = pt_reciter_next(it, &r)) != 0) {
        size_t l = strlen(out);
        if (rc < 0) {
            const char *kind, *msg;
            uint64_t off;
            pt_reciter_error(it, &kind, &msg, &off);
            snprintf(out + l, cap - l, "E@%llu;", (unsigned long long)off);
            continue;
        }
        if (with_offsets)
            l += (size_t)snprintf(out + l, cap - l, "@%llu:", (unsigned long long)r.offset);
        for (size_t i = 0; i < r.n && l < cap; i++)
            l += (size_t)snprintf(out + l, cap - l, "%s%.*s=%.*s", i ? "|" : "",
                                  (int)r.fields[i].key_len, r.fields[i].key ? r.fields[i].key : "",
                                  (int)r.fields[i].val_len, r.fields[i].val);
        if (l < cap) snprintf(out + l, cap - l, ";");
    }
}

/* The records of text read as one chunk (after one at_eof cut, as the pipeline does
 * for a small input). */
static char *whole_text(const char *text, size_t n, pt_dialect d, bool with_offsets)
{
    static char out[16384];
    out[0] = '\0';
    pt_reciter *it = pt_reciter_new();
    pt_chunk_view v = {.text = text, .len = n, .dialect = d};
    records_text(it, &v, out, sizeof out, with_offsets);
    pt_reciter_free(it);
    return out;
}

/* Cut text like the reader does, the buffer growing by step bytes until the splitter
 * finds a cut, every chunk with the table list taken before its cut. */
static void chunked_text(const char *text, size_t n, pt_dialect d, size_t step, char *out,
                         size_t cap, size_t *chunks)
{
    pt_reciter *it = pt_reciter_new();
    pt_splitter *s = pt_splitter_new(&d);
    size_t start = 0, avail = 0;
    out[0] = '\0';
    *chunks = 0;
    while (start < n) {
        avail = avail + step > n - start ? n - start : avail + step;
        const pt_sql_table *tables = pt_splitter_tables(s);
        size_t c = pt_splitter_cut(s, text + start, avail, start + avail == n);
        if (c == 0) continue;
        char *copy = malloc(c);   /* exactly the chunk: a read past it is an ASan error */
        memcpy(copy, text + start, c);
        pt_chunk_view cv = {.text = copy, .len = c, .offset = start, .dialect = d,
                            .sql_tables = tables};
        records_text(it, &cv, out, cap, true);
        free(copy);
        ++*chunks;
        start += c;
        avail -= c;
    }
    pt_splitter_free(s);
    pt_reciter_free(it);
}

/* Chunked at every step size from 1 to the text's length: the same records, offsets
 * and errors as whole. */
static void check_chunks_agree(const char *text, pt_dialect d)
{
    static char whole[16384], parts[16384];
    size_t n = strlen(text), chunks;
    snprintf(whole, sizeof whole, "%s", whole_text(text, n, d, true));
    for (size_t step = 1; step <= n; step++) {
        chunked_text(text, n, d, step, parts, sizeof parts, &chunks);
        if (strcmp(parts, whole) != 0) {
            printf("#   step %zu:\n#   chunked %s\n#   whole   %s\n", step, parts, whole);
            CHECK(0);
            return;
        }
    }
}

/* ---------------------------------------------------------------- JSON documents */

static void test_json_detect(void)
{
    pt_dialect none = {0}, d;
    const char *arr = "[\n  {\n    \"name\": \"x\"\n  }\n]\n";
    d = pt_detect_dialect(arr, strlen(arr), true, none);
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(!d.json_wrapper);
    /* one line, one object wrapping an array of objects: a document, not JSON Lines */
    const char *wrap = "{\"code\":0,\"data\":{\"list\":[{\"a\":\"1\"},{\"a\":\"2\"}]}}\n";
    d = pt_detect_dialect(wrap, strlen(wrap), true, none);
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(d.json_wrapper);
    /* the same object on two lines of a JSON Lines file stays JSON Lines */
    char two[256];
    snprintf(two, sizeof two, "%s%s", wrap, wrap);
    d = pt_detect_dialect(two, strlen(two), true, none);
    CHECK_EQ(d.format, PT_FMT_JSONL);
    /* one object without arrays of objects on one line: JSON Lines as before */
    d = pt_detect_dialect("{\"a\":[1,2]}\n", 12, true, none);
    CHECK_EQ(d.format, PT_FMT_JSONL);
    /* pretty-printed objects one after another: each is a record */
    const char *pretty = "{\n \"a\": [{\"b\": 1}]\n}\n{\n \"a\": []\n}\n";
    d = pt_detect_dialect(pretty, strlen(pretty), true, none);
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(!d.json_wrapper);
    /* a first line longer than the sample is a document, wrapper when an object */
    const char *open_wrap = "{\"hits\":{\"hits\":[{\"_source\":{\"a\":\"1\"}}";
    d = pt_detect_dialect(open_wrap, strlen(open_wrap), false, none);
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(d.json_wrapper);
    /* a first JSON Lines line longer than the sample, without arrays of objects, stays
     * JSON Lines (a record with a long value) */
    const char *long_line = "{\"photo\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    CHECK_EQ(pt_detect_dialect(long_line, strlen(long_line), false, none).format, PT_FMT_JSONL);
    /* log lines in brackets are no JSON */
    const char *log = "[INFO] started\n[WARN] 13812345678 retried\n";
    d = pt_detect_dialect(log, strlen(log), true, none);
    CHECK(d.format != PT_FMT_JSON);
    /* forced: the wrapper is still detected */
    pt_dialect forced = {.format = PT_FMT_JSON};
    d = pt_detect_dialect(wrap, strlen(wrap), true, forced);
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(d.json_wrapper);
    pt_format f;
    CHECK_EQ(pt_format_parse("json", &f), 0);
    CHECK_EQ(f, PT_FMT_JSON);
    CHECK_STR(pt_format_name(PT_FMT_JSON), "json");
}

static void test_json_array_records(void)
{
    const char *text = "[\n"
                       "  {\"姓名\": \"张伟\", \"contact\": {\"手机\": \"13812345678\"}},\n"
                       "  {\"姓名\": \"李娜\", \"tags\": [\"a\", \"b\"], \"n\": null},\n"
                       "  \"a string is no record\", 12,\n"
                       "  [\"an\", \"array\"]\n"
                       "]\n";
    pt_dialect d = dialect_of(PT_FMT_JSON);
    /* objects flattened as in JSON Lines (null skipped); the string, the number and the
     * array in the array of records are no records */
    CHECK_STR(whole_text(text, strlen(text), d, false),
              "姓名=张伟|contact.手机=13812345678;姓名=李娜|tags.0=a|tags.1=b;");
    const char *first = strstr(text, "{"), *second = strstr(first + 1, "  {") + 2;
    char want[128];
    snprintf(want, sizeof want, "@%zu:", (size_t)(first - text));
    CHECK(strncmp(whole_text(text, strlen(text), d, true), want, strlen(want)) == 0);
    (void)second;
    check_chunks_agree(text, d);
}

static void test_json_wrappers(void)
{
    pt_dialect w = dialect_of(PT_FMT_JSON);
    w.json_wrapper = true;
    /* an API response: scalars around the array are no records */
    const char *api = "{\"code\":0,\"msg\":\"ok [1]\",\"data\":{\"total\":2,\"list\":["
                      "{\"name\":\"a\",\"phone\":\"13812345678\"},"
                      "{\"name\":\"b\",\"phone\":\"13912345678\"}]},\"ts\":[1,2]}";
    CHECK_STR(whole_text(api, strlen(api), w, false),
              "name=a|phone=13812345678;name=b|phone=13912345678;");
    check_chunks_agree(api, w);
    /* two arrays of records in one wrapper, and a scalar array between */
    const char *two = "{\"users\":[{\"u\":\"1\"}],\"ids\":[3,4],\"orders\":[{\"o\":\"2\"},{\"o\":\"3\"}]}";
    CHECK_STR(whole_text(two, strlen(two), w, false), "u=1;o=2;o=3;");
    check_chunks_agree(two, w);
    /* Elasticsearch: hits.hits[], the fields of _source without the prefix */
    const char *es = "{\"took\":5,\"_shards\":{\"total\":1},\"hits\":{\"total\":{\"value\":2},"
                     "\"hits\":[{\"_index\":\"u\",\"_id\":\"1\",\"_source\":{\"name\":\"a\","
                     "\"addr\":{\"city\":\"x\"}}},{\"_index\":\"u\",\"_id\":\"2\",\"_source\":"
                     "{\"name\":\"b\"}}]}}";
    CHECK_STR(whole_text(es, strlen(es), w, false),
              "_index=u|_id=1|name=a|addr.city=x;_index=u|_id=2|name=b;");
    check_chunks_agree(es, w);
    /* mongoexport --jsonArray with extended JSON: the inner values */
    const char *mongo = "[{\"_id\":{\"$oid\":\"5f1d\"},\"phone\":{\"$numberLong\":\"13812345678\"},"
                        "\"at\":{\"$date\":{\"$numberLong\":\"1600000000000\"}},"
                        "\"x\":{\"$other\":\"kept\"}}]";
    pt_dialect d = dialect_of(PT_FMT_JSON);
    CHECK_STR(whole_text(mongo, strlen(mongo), d, false),
              "_id=5f1d|phone=13812345678|at=1600000000000|x.$other=kept;");
    check_chunks_agree(mongo, d);
    /* not a wrapper: objects one after another, pretty-printed, arrays and all */
    const char *stream = "{\n \"a\": \"1\",\n \"l\": [{\"b\": \"2\"}]\n}\n{\"a\": \"3\"}\n";
    CHECK_STR(whole_text(stream, strlen(stream), d, false), "a=1|l.0.b=2;a=3;");
    check_chunks_agree(stream, d);
}

static void test_json_damaged(void)
{
    pt_dialect d = dialect_of(PT_FMT_JSON);
    char want[256];
    /* an array cut inside its third object: two records, one error at the third */
    const char *cut = "[{\"a\":\"1\"},\n{\"b\":\"2\"},\n{\"c\":\"3";
    size_t second = (size_t)(strstr(cut, "{\"b\"") - cut), third = (size_t)(strrchr(cut, '{') - cut);
    snprintf(want, sizeof want, "@1:a=1;@%zu:b=2;E@%zu;", second, third);
    CHECK_STR(whole_text(cut, strlen(cut), d, true), want);
    check_chunks_agree(cut, d);
    /* garbage between two records: skipped with one error at its first byte */
    const char *junk = "[{\"a\":\"1\"},\n#### not json ####\n{\"b\":\"2\"}]";
    size_t at = (size_t)(strchr(junk, '#') - junk);
    snprintf(want, sizeof want, "a=1;E@%zu;b=2;", at);
    CHECK_STR(whole_text(junk, strlen(junk), d, false), want);
    check_chunks_agree(junk, d);
    /* a malformed object: an error at its '{', the next one still read */
    const char *bad = "[{\"a\":1,,},{\"b\":\"x\" \"c\"},{\"d\":\"2\"}]";
    size_t b1 = 1, b2 = (size_t)(strstr(bad, "{\"b\"") - bad);
    snprintf(want, sizeof want, "E@%zu;E@%zu;d=2;", b1, b2);
    CHECK_STR(whole_text(bad, strlen(bad), d, false), want);
    check_chunks_agree(bad, d);
    /* the tail of an object whose head was lost (the record cap): its '}' does not end
     * the array of records, the objects after it are read */
    const char *tail = "[{\"a\":\"1\"}, \"x\": 2}, {\"b\":\"2\"}]";
    size_t brace = (size_t)(strstr(tail, "2}") - tail) + 1;   /* "x": 2 are skipped as values */
    snprintf(want, sizeof want, "a=1;E@%zu;b=2;", brace);
    CHECK_STR(whole_text(tail, strlen(tail), d, false), want);
    check_chunks_agree(tail, d);
    /* text before the document and stray closing brackets after it */
    const char *stray = "garbage [{\"a\":\"1\"}]]}";
    snprintf(want, sizeof want, "E@0;a=1;E@%zu;", strlen(stray) - 2);
    CHECK_STR(whole_text(stray, strlen(stray), d, false), want);
    check_chunks_agree(stray, d);
    /* a string never closed in a wrapper */
    pt_dialect w = d;
    w.json_wrapper = true;
    const char *open_str = "{\"data\":[{\"a\":\"1\"}],\"x\":\"never closed";
    size_t q = (size_t)(strstr(open_str, "\"never") - open_str);
    snprintf(want, sizeof want, "a=1;E@%zu;", q);
    CHECK_STR(whole_text(open_str, strlen(open_str), w, false), want);
    check_chunks_agree(open_str, w);
}

/* A long one-line array is cut between its objects: no chunk needs the whole array. */
static void test_json_streams_long_arrays(void)
{
    enum { N = 2000 };
    size_t cap = N * 64 + 64, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "{\"data\":{\"rows\":[");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s{\"phone\":\"138%08d\"}", i ? "," : "", i);
    len += (size_t)snprintf(text + len, cap - len, "]}}");
    pt_dialect d = pt_detect_dialect(text, 4096, false, (pt_dialect){0});
    CHECK_EQ(d.format, PT_FMT_JSON);
    CHECK(d.json_wrapper);
    /* one 4096-byte buffer: cut after the last whole object in it */
    pt_splitter *s = pt_splitter_new(&d);
    size_t c = pt_splitter_cut(s, text, 4096, false);
    CHECK(c > 4096 - 40 && c <= 4096);
    CHECK(text[c - 1] == '}' || text[c - 1] == ',');
    const pt_sql_table *note = pt_splitter_tables(s);
    CHECK(note != NULL && note->cut == PT_CUT_JSON);
    if (note) {
        CHECK_EQ(note->json_depth, 3);   /* {"data": {"rows": [ */
        CHECK(note->json_in_records);
    }
    pt_splitter_free(s);
    /* in 1000-byte steps: every record, each once, in many chunks */
    static char parts[1 << 17];
    size_t chunks;
    chunked_text(text, len, d, 1000, parts, sizeof parts, &chunks);
    size_t records = 0;
    for (const char *p = parts; (p = strstr(p, "phone=")) != NULL; p++) records++;
    CHECK_EQ(records, N);
    CHECK(strstr(parts, "E@") == NULL);
    CHECK(chunks > len / 1100);
    free(text);
}

/* ---------------------------------------------------------------- pg_dump COPY */

static const char *pg_dump =
    "--\n-- PostgreSQL database dump\n--\n\n"
    "SET client_encoding = 'UTF8';\n\n"
    "CREATE TABLE public.users (\n    id integer NOT NULL,\n    name text,\n"
    "    phone character varying(20),\n    note text\n);\n\n"
    "COPY public.users (id, name, phone, note) FROM stdin;\n"
    "1\t张伟\t13812345678\ta\\tb\\\\c\n"
    "2\t李娜\t13912345678\t\\N\n"
    "3\t'王芳\"\t\\N\t\\x41\\102\\n;\n"
    "\\.\n\n"
    "INSERT INTO public.users VALUES (4, 'x', '13612345678', NULL);\n"
    "COPY public.users FROM stdin;\n"
    "5\ty\t13512345678\n"
    "\\.\n"
    "COPY public.t2 (\"身份证号\") FROM stdin;\n"
    "11010519491231002X\n"
    "\\.\n";

static void test_copy_records(void)
{
    pt_dialect d = dialect_of(PT_FMT_SQL);
    /* Keys from the COPY column list; \N is NULL; \t \\ \x41 \102 (octal B) \n decoded;
     * quotes and ';' in rows are data. The INSERT keys come from CREATE TABLE, so do
     * those of the COPY without a column list. */
    CHECK_STR(whole_text(pg_dump, strlen(pg_dump), d, false),
              "id=1|name=张伟|phone=13812345678|note=a\tb\\c;"
              "id=2|name=李娜|phone=13912345678;"
              "id=3|name='王芳\"|note=AB\n;;"
              "id=4|name=x|phone=13612345678;"
              "id=5|name=y|phone=13512345678;"
              "身份证号=11010519491231002X;");
    /* a record's offset is its row's first byte */
    const char *row2 = strstr(pg_dump, "2\t李娜");
    char want[64];
    snprintf(want, sizeof want, ";@%zu:id=2|", (size_t)(row2 - pg_dump));
    CHECK(strstr(whole_text(pg_dump, strlen(pg_dump), d, true), want) != NULL);
    check_chunks_agree(pg_dump, d);
    pt_dialect none = {0};
    CHECK_EQ(pt_detect_dialect(pg_dump, strlen(pg_dump), true, none).format, PT_FMT_SQL);
    const char *bare = "COPY t (a) FROM stdin;\n1\n\\.\n";
    CHECK_EQ(pt_detect_dialect(bare, strlen(bare), true, none).format, PT_FMT_SQL);
}

static void test_copy_cut_inside_block(void)
{
    pt_dialect d = dialect_of(PT_FMT_SQL);
    /* the splitter, offered text up to the middle of row 2, cuts after row 1 and notes
     * that the next chunk starts inside the COPY of public.users (id, name, phone, note) */
    const char *row2 = strstr(pg_dump, "2\t李娜");
    size_t n = (size_t)(row2 - pg_dump) + 5;
    pt_splitter *s = pt_splitter_new(&d);
    CHECK_EQ(pt_splitter_cut(s, pg_dump, n, false), (size_t)(row2 - pg_dump));
    const pt_sql_table *note = pt_splitter_tables(s);
    CHECK(note != NULL && note->cut == PT_CUT_COPY);
    if (note && note->cut == PT_CUT_COPY) {
        CHECK_STR(note->name, "public.users");
        CHECK_EQ(note->cols.n, 4);
        if (note->cols.n == 4) CHECK_STR(note->cols.names[2], "phone");
        CHECK(note->next != NULL && note->next->cut == PT_CUT_TABLE);
    }
    /* the rest, from row 2 to the end: plain again after the block */
    size_t rest = strlen(pg_dump) - (size_t)(row2 - pg_dump);
    CHECK_EQ(pt_splitter_cut(s, row2, rest, false), rest);
    CHECK(pt_splitter_tables(s)->cut == PT_CUT_PLAIN);
    pt_splitter_free(s);

    /* A dump cut inside row 3: rows 1 and 2 count, an error at row 3's offset. */
    const char *row3 = strstr(pg_dump, "3\t'王芳");
    size_t len = (size_t)(row3 - pg_dump) + 6;
    char want[256];
    snprintf(want, sizeof want, "id=1|name=张伟|phone=13812345678|note=a\tb\\c;"
                                "id=2|name=李娜|phone=13912345678;E@%zu;",
             (size_t)(row3 - pg_dump));
    CHECK_STR(whole_text(pg_dump, len, d, false), want);
    char *cut = malloc(len + 1);
    memcpy(cut, pg_dump, len);
    cut[len] = '\0';
    check_chunks_agree(cut, d);
    free(cut);
}

/* ---------------------------------------------------------------- SQL Server, Oracle */

static const char *mssql =
    "USE [crm]\nGO\n"
    "/****** Object:  Table [dbo].[Customer] ******/\n"
    "SET ANSI_NULLS ON\nGO\n"
    "CREATE TABLE [dbo].[Customer](\n"
    "\t[Id] [int] IDENTITY(1,1) NOT NULL,\n"
    "\t[姓名] [nvarchar](50) NULL,\n"
    "\t[手机号] [nvarchar](20) NULL,\n"
    "\t[Created] [datetime] NULL\n"
    ") ON [PRIMARY]\nGO\n"
    "SET IDENTITY_INSERT [dbo].[Customer] ON\n"
    "INSERT [dbo].[Customer] ([Id], [姓名], [手机号], [Created]) VALUES (1, N'张伟', "
    "N'13812345678', CAST(N'2020-01-01T00:00:00.000' AS DateTime))\n"
    "INSERT [dbo].[Customer] VALUES (2, N'O''Neil', N'13912345678', NULL)\n"
    "GO\n"
    "REM INSERTING into CUSTOMER\nSET DEFINE OFF;\n"
    "Insert into CRM.CUSTOMER (NAME,PHONE,BIRTH) values ('王芳','13712345678',"
    "to_date('01-JAN-90','DD-MON-RR'));\n"
    "INSERT INTO \"CUSTOMER\" (\"NAME\",\"PHONE\") VALUES ('赵六', '13612345678')\n";

static void test_mssql_oracle(void)
{
    pt_dialect d = dialect_of(PT_FMT_SQL), none = {0};
    CHECK_EQ(pt_detect_dialect(mssql, strlen(mssql), true, none).format, PT_FMT_SQL);
    /* statements end at GO and at a statement word starting a line; the second INSERT
     * takes its keys from CREATE TABLE [dbo].[Customer]; function calls stay one value */
    CHECK_STR(whole_text(mssql, strlen(mssql), d, false),
              "Id=1|姓名=张伟|手机号=13812345678|Created=CAST(N'2020-01-01T00:00:00.000' AS DateTime);"
              "Id=2|姓名=O'Neil|手机号=13912345678;"
              "NAME=王芳|PHONE=13712345678|BIRTH=to_date('01-JAN-90','DD-MON-RR');"
              "NAME=赵六|PHONE=13612345678;");
    check_chunks_agree(mssql, d);
    const char *bare = "INSERT [dbo].[T] ([a]) VALUES (N'x')\nGO\n";
    CHECK_EQ(pt_detect_dialect(bare, strlen(bare), true, none).format, PT_FMT_SQL);
    /* a word that starts a statement, inside a string or not at a line start, is none */
    const char *inside = "INSERT INTO t VALUES ('a\nINSERT b'),\n ('c')\nGO";
    CHECK_STR(whole_text(inside, strlen(inside), d, false), "=a\nINSERT b;=c;");
    check_chunks_agree(inside, d);
}

/* ---------------------------------------------------------------- title rows */

static void test_title_rows(void)
{
    pt_dialect csv = {.format = PT_FMT_CSV, .delim = ",", .delim_len = 1};
    pt_columns cols = {0};
    /* 客户名单（2023年）: 4 CJK (12) + （ 3 + 2023 4 + 年 3 + ） 3 = 25, + \n = 26;
     * 导出日期：2023-01-05: 12 + ： 3 + 10 = 25, + \n = 26; a blank line 1;
     * 姓名,身份证号,手机号\n: 6 + 1 + 12 + 1 + 9 + 1 = 30. 26 + 26 + 1 + 30 = 83. */
    const char *report = "客户名单（2023年）\n导出日期：2023-01-05\n\n姓名,身份证号,手机号\n"
                         "张伟,11010519491231002X,13812345678\n李娜,,13912345678\n"
                         "王芳,,13712345678\n";
    pt_dialect d = pt_detect_dialect(report, strlen(report), true, (pt_dialect){0});
    CHECK_EQ(d.format, PT_FMT_CSV);
    CHECK_EQ(pt_detect_header(&d, report, strlen(report), true, PT_HEADER_AUTO, &cols), 83);
    CHECK_EQ(cols.n, 3);
    if (cols.n == 3) CHECK_STR(cols.names[2], "手机号");
    pt_columns_free(&cols);
    /* a spreadsheet's merged title cell: 客户名单,, is 12 + 2 + 1 = 15 bytes, the header
     * 姓名,手机号,备注\n 6 + 1 + 9 + 1 + 6 + 1 = 24: 39 */
    const char *merged = "客户名单,,\n姓名,手机号,备注\n张伟,13812345678,x\n";
    CHECK_EQ(pt_detect_header(&csv, merged, strlen(merged), true, PT_HEADER_AUTO, &cols), 39);
    CHECK_EQ(cols.n, 3);
    pt_columns_free(&cols);
    /* TSV with a title line without tabs */
    pt_dialect tsv = {.format = PT_FMT_TSV, .delim = "\t", .delim_len = 1};
    const char *t = "Customers\nname\tphone\nx\t13812345678\n";   /* 10 + 11 = 21 */
    CHECK_EQ(pt_detect_header(&tsv, t, strlen(t), true, PT_HEADER_AUTO, &cols), 21);
    pt_columns_free(&cols);
    /* a title above data, no header: nothing skipped (the title is then a record) */
    const char *no_head = "用户信息表\n张伟,13812345678\n李娜,13912345678\n";
    CHECK_EQ(pt_detect_header(&csv, no_head, strlen(no_head), true, PT_HEADER_AUTO, &cols), 0);
    CHECK_EQ(cols.n, 0);
    /* six title lines are more than a title: no header found */
    const char *six = "a\nb\nc\nd\ne\nf\nname,phone\nx,13812345678\n";
    CHECK_EQ(pt_detect_header(&csv, six, strlen(six), true, PT_HEADER_AUTO, &cols), 0);
    /* five are passed over: 5 x 2 + "name,phone\n" 11 = 21 */
    CHECK_EQ(pt_detect_header(&csv, six + 2, strlen(six + 2), true, PT_HEADER_AUTO, &cols), 21);
    pt_columns_free(&cols);
    /* a one-column file keeps its one-column header: 手机号\n is 10 bytes */
    const char *one = "手机号\n13812345678\n13912345678\n";
    CHECK_EQ(pt_detect_header(&csv, one, strlen(one), true, PT_HEADER_AUTO, &cols), 10);
    pt_columns_free(&cols);
    /* forced: the first line, title or not */
    CHECK_EQ(pt_detect_header(&csv, merged, strlen(merged), true, PT_HEADER_YES, &cols), 15);
    pt_columns_free(&cols);
}

/* ---------------------------------------------------------------- labelled blocks */

static const char *blocks =
    "\n"
    "姓名：张伟\r\n"
    "身份证号：11010519491231002X\r\n"
    "手机 : 13812345678\r\n"
    "北京市朝阳区某路1号\r\n"
    "\r\n"
    "  \n"
    "姓名：李娜\n"
    "手机号码：13912345678\n"
    "备注：时间 10:30，网址 http://x.cn\n"
    "\n"
    "姓名：王芳\n"
    "手机：";

static void test_blocks(void)
{
    pt_dialect none = {0}, d = dialect_of(PT_FMT_BLOCKS);
    CHECK_EQ(pt_detect_dialect(blocks, strlen(blocks), true, none).format, PT_FMT_BLOCKS);
    CHECK_STR(pt_format_name(PT_FMT_BLOCKS), "blocks");
    /* one record per block; a line without a label is a field without a key; a value
     * may hold colons; an empty value stays out */
    CHECK_STR(whole_text(blocks, strlen(blocks), d, false),
              "姓名=张伟|身份证号=11010519491231002X|手机=13812345678|=北京市朝阳区某路1号;"
              "姓名=李娜|手机号码=13912345678|备注=时间 10:30，网址 http://x.cn;"
              "姓名=王芳;");
    /* a record's offset is its first line: after the leading blank line, byte 1 */
    CHECK(strncmp(whole_text(blocks, strlen(blocks), d, true), "@1:", 3) == 0);
    check_chunks_agree(blocks, d);
    /* the cut goes after the last blank line; none in the buffer: no cut */
    const char *second = strstr(blocks, "姓名：王芳");
    pt_splitter *s = pt_splitter_new(&d);
    CHECK_EQ(pt_splitter_cut(s, blocks, strlen(blocks), false), (size_t)(second - blocks));
    CHECK_EQ(pt_splitter_cut(s, second, strlen(second), false), 0);
    pt_splitter_free(s);

    /* not blocks: a chat log with a blank line after every message (blocks of one
     * line), a combo list (labels with '@' and '.', none repeating), one block of
     * settings */
    const char *chat = "张三：你好\n\n李四：在吗\n\n张三：13812345678\n\n李四：好\n";
    CHECK(pt_detect_dialect(chat, strlen(chat), true, none).format != PT_FMT_BLOCKS);
    const char *combo = "a@b.cn:pw1\nc@d.cn:pw2\n\ne@f.cn:pw3\ng@h.cn:pw4\n";
    CHECK(pt_detect_dialect(combo, strlen(combo), true, none).format != PT_FMT_BLOCKS);
    const char *conf = "host: x\nport: y\nuser: z\npass: w\n";
    CHECK(pt_detect_dialect(conf, strlen(conf), true, none).format != PT_FMT_BLOCKS);
}

int main(void)
{
    RUN(test_json_detect);
    RUN(test_json_array_records);
    RUN(test_json_wrappers);
    RUN(test_json_damaged);
    RUN(test_json_streams_long_arrays);
    RUN(test_copy_records);
    RUN(test_copy_cut_inside_block);
    RUN(test_mssql_oracle);
    RUN(test_title_rows);
    RUN(test_blocks);
    return CHECK_DONE();
}
