/* fuzz_pgcopy.c - libFuzzer target: pg_dump COPY rows. The input follows a COPY
 * statement, so the fuzzer writes rows (tab-separated, backslash escapes, "\." ending
 * the block, statements after it); then one run is that of fuzz_records.h in SQL. */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char head[] = "COPY public.users (id, name, \"phone no\") FROM stdin;\n";
    if (size < 1) return 0;
    size_t hl = sizeof head - 1;
    uint8_t *buf = malloc(size + hl);
    buf[0] = data[0];
    memcpy(buf + 1, head, hl);
    memcpy(buf + 1 + hl, data + 1, size - 1);
    fuzz_records_one(buf, size + hl, PT_FMT_SQL);
    free(buf);
    return 0;
}
