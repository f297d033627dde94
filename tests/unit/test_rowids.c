/* test_rowids.c - the evidence list's row identities (src/report/rowids.c): the digest
 * is SHA-256 over the identities sorted, as 64 hex digits and a newline each, whether
 * they fit in one run in memory or are sorted in many runs on disk and merged, and
 * whatever the order they come in. The reference is computed here another way (qsort
 * of all of them, then pt_digest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pitally/input.h"
#include "../../src/report/rowids.h"

#define N 1000

static uint8_t ids[N][32];

/* Identities with shared prefixes and exact repeats: the buckets of the run sort get
 * more than one, and equal identities must stay (a row listed twice counts twice). */
static void make_ids(void)
{
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < 32; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;   /* xorshift64 */
            ids[i][k] = (uint8_t)x;
        }
    for (size_t i = 0; i < 100; i++) ids[i][0] = ids[i][1] = 0x42;   /* one crowded bucket */
    for (size_t i = 0; i < 10; i++) memcpy(ids[N - 1 - i], ids[i], 32);   /* repeats */
}

static int by_bytes(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static void reference(char out[65])
{
    uint8_t (*v)[32] = malloc(sizeof ids);
    memcpy(v, ids, sizeof ids);
    qsort(v, N, 32, by_bytes);
    pt_digest *d = pt_digest_new();
    for (size_t i = 0; i < N; i++) {
        char hex[66];
        for (size_t k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", v[i][k]);
        hex[64] = '\n';
        pt_digest_update(d, hex, 65);
    }
    char md5[33];
    pt_digest_final(d, md5, out);
    pt_digest_free(d);
    free(v);
}

static void digest_of(size_t run_ids, bool reversed, char out[65])
{
    char tmp[] = "/tmp/pitally-rowids-XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/ids.tmp", tmp);
    pt_rowids *r = pt_rowids_new(path, run_ids);
    for (size_t i = 0; i < N; i++) pt_rowids_add(r, ids[reversed ? N - 1 - i : i]);
    CHECK_EQ(pt_rowids_digest(r, out), 0);
    CHECK(access(path, F_OK) != 0);   /* the runs' file is never left behind */
    pt_rowids_free(r);
    rmdir(tmp);
}

static void test_one_run_and_many_agree(void)
{
    make_ids();
    char want[65], got[65];
    reference(want);
    digest_of(0, false, got);   /* the default run holds them all: sorted in memory */
    CHECK_STR(got, want);
    digest_of(7, false, got);   /* 143 runs, merged through windows */
    CHECK_STR(got, want);
    digest_of(7, true, got);    /* the order they come in does not matter */
    CHECK_STR(got, want);
    digest_of(N / 2, false, got);   /* two full runs, the second spilled by the digest */
    CHECK_STR(got, want);
}

static void test_empty(void)
{
    pt_rowids *r = pt_rowids_new("/nonexistent/ids.tmp", 4);
    char got[65];
    CHECK_EQ(pt_rowids_digest(r, got), 0);   /* nothing to spill: no file is opened */
    CHECK_STR(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");   /* of "" */
    pt_rowids_free(r);
}

static void test_write_error_is_said(void)
{
    make_ids();
    pt_rowids *r = pt_rowids_new("/nonexistent/ids.tmp", 4);
    for (size_t i = 0; i < 10; i++) pt_rowids_add(r, ids[i]);
    char got[65];
    CHECK_EQ(pt_rowids_digest(r, got), -1);   /* runs that cannot be written: no digest */
    pt_rowids_free(r);
}

int main(void)
{
    RUN(test_one_run_and_many_agree);
    RUN(test_empty);
    RUN(test_write_error_is_said);
    return CHECK_DONE();
}
