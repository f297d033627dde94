/* fuzz_split.c - libFuzzer target: the splitter and the iterator agree (see
 * fuzz_split.h). CSV, TSV, delimited text, JSON Lines, SQL and lines;
 * fuzz_split_formats.c does JSON documents, pg_dump COPY and SQL Server scripts.
 *
 * Byte 0: bits 0-2 the format, bits 3-7 the step by which the offered buffer grows.
 */
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const pt_format formats[8] = {PT_FMT_CSV, PT_FMT_TSV, PT_FMT_DELIMITED, PT_FMT_JSONL,
                                         PT_FMT_SQL, PT_FMT_LINES, PT_FMT_CSV, PT_FMT_SQL};
    if (size < 1) return 0;
    pt_dialect d = {.format = formats[data[0] & 7]};
    if (d.format == PT_FMT_CSV) memcpy(d.delim, ",", d.delim_len = 1);
    if (d.format == PT_FMT_TSV) memcpy(d.delim, "\t", d.delim_len = 1);
    if (d.format == PT_FMT_DELIMITED) memcpy(d.delim, "----", d.delim_len = 4);
    size_t step = (size_t)(data[0] >> 3) + 1;
    fuzz_split_compare((const char *)data + 1, size - 1, d, step);
    return 0;
}
