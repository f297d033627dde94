/* fuzz_jsonl.c - libFuzzer target: JSONL records (see fuzz_records.h for what one run
 * does and checks). Then the text is read whole twice more, with record templates
 * (jsonl.c) and without: every record, error and field must be the same. */
#include "fuzz_records.h"

#include "../../src/records/internal.h"

/* A digest of every record and error of view, in order, fields byte by byte. */
static uint64_t fuzz_records_digest(pt_reciter *it, const pt_chunk_view *view)
{
    uint64_t h = 1469598103934665603ull;
    pt_record rec;
    int rc;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
    pt_reciter_reset(it, view);
    while ((rc = pt_reciter_next(it, &rec)) != 0) {
        MIX(rc + 2);
        if (rc < 0) {
            uint64_t off;
            pt_reciter_error(it, NULL, NULL, &off);
            MIX(off);
            continue;
        }
        MIX(rec.offset);
        MIX(rec.n);
        for (size_t i = 0; i < rec.n; i++) {
            const pt_field *f = &rec.fields[i];
            MIX(f->key_len);
            for (size_t k = 0; f->key && k < f->key_len; k++) MIX((uint8_t)f->key[k]);
            MIX(f->val_len);
            for (size_t k = 0; k < f->val_len; k++) MIX((uint8_t)f->val[k]);
            MIX(f->empty_before);
        }
    }
#undef MIX
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_records_one(data, size, PT_FMT_JSONL);
    if (size < 1) return 0;
    char *text = malloc(size);   /* its own copy: a read past its end is an ASan error */
    memcpy(text, data + 1, size - 1);
    pt_chunk_view v = {text, size - 1, 0, {.format = PT_FMT_JSONL}, NULL, NULL};
    pt_reciter *with = pt_reciter_new(), *without = pt_reciter_new();
    pt_reciter_json_templates(without, false);
    FUZZ_REQUIRE(fuzz_records_digest(with, &v) == fuzz_records_digest(without, &v));
    pt_reciter_free(with);
    pt_reciter_free(without);
    free(text);
    return 0;
}
