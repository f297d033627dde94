/* fuzz_sql.c - libFuzzer target: SQL records (see fuzz_records.h for what one run
 * does and checks). */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_records_one(data, size, PT_FMT_SQL);
}
