/* fuzz_json.c - libFuzzer target: JSON documents (see fuzz_records.h for what one run
 * does and checks; bit 6 of byte 0 reads the document as a wrapper). */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_records_one(data, size, PT_FMT_JSON);
}
