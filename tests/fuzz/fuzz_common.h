/* fuzz_common.h - shared by the libFuzzer targets of tests/fuzz/: walking every record
 * of a chunk while touching every byte of every field (so AddressSanitizer sees any
 * pointer outside the chunk or the scratch buffer), an independent UTF-8 checker, and a
 * temporary directory for the targets that load files.
 *
 * Each target defines LLVMFuzzerTestOneInput only; replay_main.c gives the same sources
 * a main() so that the seed corpora replay without clang (make fuzz-replay).
 */
#ifndef PITALLY_FUZZ_COMMON_H
#define PITALLY_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pitally/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A contract broken: say which and abort, which libFuzzer records as a crash. */
#define FUZZ_REQUIRE(cond)                                                              \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "fuzz: %s:%d: requirement failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                             \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* Sum of every byte of the record: reads each key and value in full. */
static inline uint64_t fuzz_touch_record(const pt_record *r)
{
    uint64_t sum = r->n;
    for (size_t i = 0; i < r->n; i++) {
        const pt_field *f = &r->fields[i];
        for (size_t k = 0; f->key && k < f->key_len; k++) sum += (uint8_t)f->key[k];
        for (size_t k = 0; k < f->val_len; k++) sum += (uint8_t)f->val[k];
    }
    return sum;
}

/* Iterate every record of view; returns the number of records, *errors the errors.
 * Records must come in order of offset, inside the chunk, and the walk must end. */
static inline size_t fuzz_walk(pt_reciter *it, const pt_chunk_view *view, size_t *errors)
{
    size_t records = 0, errs = 0, steps = 0;
    uint64_t last = 0;
    pt_record rec;
    int rc;
    pt_reciter_reset(it, view);
    while ((rc = pt_reciter_next(it, &rec)) != 0) {
        FUZZ_REQUIRE(++steps <= 2 * view->len + 4); /* no step repeats without progress */
        if (rc < 0) {
            const char *kind, *msg;
            uint64_t off;
            pt_reciter_error(it, &kind, &msg, &off);
            FUZZ_REQUIRE(kind && *kind && msg);
            FUZZ_REQUIRE(off >= view->offset && off <= view->offset + view->len);
            errs++;
            continue;
        }
        FUZZ_REQUIRE(rec.offset >= view->offset && rec.offset < view->offset + view->len);
        FUZZ_REQUIRE(rec.offset >= last);
        last = rec.offset;
        volatile uint64_t sink = fuzz_touch_record(&rec);
        (void)sink;
        records++;
    }
    if (errors) *errors = errs;
    return records;
}

/* Is p[0..n) valid UTF-8 (Unicode Table 3-7)? Written apart from src/input on purpose. */
static inline int fuzz_valid_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
        else return 0;
        if (i + len > n) return 0;
        if (p[i + 1] < lo || p[i + 1] > hi) return 0;
        for (size_t k = 2; k < len; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
        i += len;
    }
    return 1;
}

/* A directory under /tmp made once per process; path of name inside it in out. */
static inline const char *fuzz_tmpdir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pitally-fuzz-XXXXXX");
        if (!mkdtemp(dir)) { perror("mkdtemp"); abort(); }
    }
    return dir;
}

static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); abort(); }
    if (size && fwrite(data, 1, size, f) != size) { perror(path); abort(); }
    fclose(f);
}

#endif
