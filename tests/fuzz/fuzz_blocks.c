/* fuzz_blocks.c - libFuzzer target: labelled blocks (see fuzz_records.h for what one
 * run does and checks). */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_records_one(data, size, PT_FMT_BLOCKS);
}
