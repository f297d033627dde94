/* fuzz_split_formats.c - libFuzzer target: the splitter and the iterator agree (see
 * fuzz_split.h) on the formats of issue 9: JSON documents (plain and wrapped), pg_dump
 * COPY blocks and SQL Server scripts. For the last two the input follows a fixed
 * statement ("COPY t (a, b) FROM stdin;" or a CREATE TABLE in brackets), so that the
 * fuzzer starts inside a block of rows or a script without ';'.
 *
 * Byte 0: bits 0-1 the format, bits 2-7 the step by which the offered buffer grows.
 */
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefixes[4] = {
        "", "", "COPY public.t (a, \"b c\") FROM stdin;\n",
        "CREATE TABLE [dbo].[T]([a] [nvarchar](9) NULL, [b] [int])\nGO\n"};
    if (size < 1) return 0;
    unsigned kind = data[0] & 3;
    pt_dialect d = {.format = kind < 2 ? PT_FMT_JSON : PT_FMT_SQL, .json_wrapper = kind == 1};
    size_t step = (size_t)(data[0] >> 2) + 1;
    size_t pl = strlen(prefixes[kind]), n = pl + size - 1;
    char *text = malloc(n ? n : 1);
    memcpy(text, prefixes[kind], pl);
    memcpy(text + pl, data + 1, size - 1);
    fuzz_split_compare(text, n, d, step);
    free(text);
    return 0;
}
