/* fuzz_split_formats.c - libFuzzer target: the splitter and the iterator agree (see
 * fuzz_split.h) on the formats of issue 9: JSON documents (plain and wrapped), pg_dump
 * COPY blocks, SQL Server scripts and labelled blocks. For the last two the input follows a fixed
 * statement ("COPY t (a, b) FROM stdin;" or a CREATE TABLE in brackets), so that the
 * fuzzer starts inside a block of rows or a script without ';'.
 *
 * Byte 0: bits 0-2 the format, bits 3-7 the step by which the offered buffer grows.
 */
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefixes[8] = {
        "", "", "COPY public.t (a, \"b c\") FROM stdin;\n",
        "CREATE TABLE [dbo].[T]([a] [nvarchar](9) NULL, [b] [int])\nGO\n", "",
        "姓名：张三\n", "", "COPY t FROM stdin;\n"};
    static const pt_format formats[8] = {PT_FMT_JSON, PT_FMT_JSON, PT_FMT_SQL, PT_FMT_SQL,
                                         PT_FMT_BLOCKS, PT_FMT_BLOCKS, PT_FMT_JSON, PT_FMT_SQL};
    if (size < 1) return 0;
    unsigned kind = data[0] & 7;
    pt_dialect d = {.format = formats[kind], .json_wrapper = kind == 1 || kind == 6};
    size_t step = (size_t)(data[0] >> 3) + 1;
    size_t pl = strlen(prefixes[kind]), n = pl + size - 1;
    char *text = malloc(n ? n : 1);
    memcpy(text, prefixes[kind], pl);
    memcpy(text + pl, data + 1, size - 1);
    fuzz_split_compare(text, n, d, step);
    free(text);
    return 0;
}
