/* fuzz_delimited.c - libFuzzer target: delimited text, TSV and plain lines (bits 6-7 of
 * byte 0 choose; see fuzz_records.h for what one run does and checks). */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const pt_format formats[4] = {PT_FMT_DELIMITED, PT_FMT_DELIMITED, PT_FMT_TSV,
                                         PT_FMT_LINES};
    return fuzz_records_one(data, size, formats[data[0] >> 6]);
}
