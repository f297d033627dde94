/* rowids.c - the list's row identities, sorted with bounded memory (rowids.h).
 *
 * Why sorted: an examiner may sort the rows of the list in a spreadsheet, so the digest
 * of the file must not depend on their order, and the list may hold millions of rows,
 * so the identities cannot all stay in memory (they used to: 64 bytes a row, a quarter
 * of the peak memory of a large run). A sum or XOR of the identities would stream but
 * can be forged: with many rows of free content, a generalised birthday search finds a
 * replacement set with the same sum. Sorting keeps the digest what it was, so pitally
 * review and the directories written before are unchanged. A run of RUN_IDS identities
 * (1 MiB: it is held for the whole scan beside the chunks, and the merge's heap of ~55
 * runs for 1.8M rows costs little) is sorted in memory (a counting sort on the first
 * two bytes, then each bucket: they are hashes, so the buckets are small) and appended
 * to a temporary file;
 * the digest merges the runs, reading each through a window, all the windows together
 * MERGE_BYTES whatever the number of runs. A list that fits in one run never touches
 * the file. */
#include "rowids.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pitally/common.h"

#define RUN_IDS (1u << 15)         /* 1 MiB of identities a run (and 1 MiB to sort it in) */
#define MERGE_BYTES (2u << 20)     /* the windows of all the runs while merging */

typedef struct {
    uint8_t b[32];
} row_id;

struct pt_rowids {
    char *tmp_path;
    int fd;                    /* -1 until the first run is written */
    row_id *ids, *sorted;      /* the current run, and room to sort it */
    size_t n, run_ids;
    uint64_t *run_len;         /* identities in each run written */
    size_t n_runs;
    int error;                 /* errno of the first failed write */
};

pt_rowids *pt_rowids_new(const char *tmp_path, size_t run_ids)
{
    pt_rowids *r = pt_xcalloc(1, sizeof *r);
    r->tmp_path = pt_xstrdup(tmp_path);
    r->fd = -1;
    r->run_ids = run_ids ? run_ids : RUN_IDS;
    return r;
}

static int by_bytes(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(row_id));
}

/* Sorts v[0, n) (into r->sorted, then back): counting sort by the first two bytes,
 * then each bucket by all 32 (insertion for the usual few, qsort for a crowd). */
static void sort_run(pt_rowids *r, row_id *v, size_t n)
{
    static const size_t buckets = 1u << 16;
    size_t *start = pt_xcalloc(buckets + 1, sizeof *start);
    for (size_t i = 0; i < n; i++) start[((size_t)v[i].b[0] << 8 | v[i].b[1]) + 1]++;
    for (size_t k = 0; k < buckets; k++) start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++) r->sorted[start[(size_t)v[i].b[0] << 8 | v[i].b[1]]++] = v[i];
    /* start[k] is now the end of bucket k, the start of bucket k + 1 */
    for (size_t k = 0, from = 0; k < buckets; from = start[k++]) {
        row_id *b = r->sorted + from;
        size_t m = start[k] - from;
        if (m > 16) {
            qsort(b, m, sizeof *b, by_bytes);
            continue;
        }
        for (size_t i = 1; i < m; i++)
            for (size_t j = i; j > 0 && memcmp(&b[j - 1], &b[j], sizeof *b) > 0; j--) {
                row_id t = b[j];
                b[j] = b[j - 1];
                b[j - 1] = t;
            }
    }
    memcpy(v, r->sorted, n * sizeof *v);
    free(start);
}

static void write_all(pt_rowids *r, const void *p, size_t n)
{
    const char *c = p;
    while (n && !r->error) {
        ssize_t k = write(r->fd, c, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) r->error = k < 0 ? errno : EIO;
        else c += k, n -= (size_t)k;
    }
}

static void spill(pt_rowids *r)
{
    if (r->fd < 0 && !r->error) {
        r->fd = open(r->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (r->fd < 0) r->error = errno;
        else unlink(r->tmp_path);   /* held open only: nothing left behind */
    }
    sort_run(r, r->ids, r->n);
    if (r->fd >= 0) write_all(r, r->ids, r->n * sizeof *r->ids);
    r->run_len = pt_xrealloc(r->run_len, (r->n_runs + 1) * sizeof *r->run_len);
    r->run_len[r->n_runs++] = r->n;
    r->n = 0;
}

void pt_rowids_add(pt_rowids *r, const uint8_t id[32])
{
    if (!r->ids) {
        r->ids = pt_xmalloc(r->run_ids * sizeof *r->ids);
        r->sorted = pt_xmalloc(r->run_ids * sizeof *r->sorted);
    }
    if (r->n == r->run_ids) spill(r);
    memcpy(r->ids[r->n++].b, id, 32);
}

/* ---- the digest ---- */

typedef struct {
    EVP_MD_CTX *ctx;
    char text[64 * 65];        /* hex lines, hashed a batch at a time */
    size_t len;
} hex_digest;

static void hex_add(hex_digest *h, const row_id *id)
{
    static const char hex[] = "0123456789abcdef";
    if (h->len + 65 > sizeof h->text) {
        EVP_DigestUpdate(h->ctx, h->text, h->len);
        h->len = 0;
    }
    char *o = h->text + h->len;
    for (size_t i = 0; i < 32; i++) {
        o[2 * i] = hex[id->b[i] >> 4];
        o[2 * i + 1] = hex[id->b[i] & 15];
    }
    o[64] = '\n';
    h->len += 65;
}

/* One run being merged: its identities not yet read, through a window. */
typedef struct {
    off_t at;                  /* next byte to read in the file */
    uint64_t left;             /* identities not yet read into the window */
    row_id *win;
    size_t n, pos;             /* in the window */
} cursor;

static bool refill(pt_rowids *r, cursor *c, size_t win_ids)
{
    size_t want = c->left < win_ids ? (size_t)c->left : win_ids;
    size_t bytes = want * sizeof(row_id), got = 0;
    while (got < bytes) {
        ssize_t k = pread(r->fd, (char *)c->win + got, bytes - got, c->at + (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            r->error = k < 0 ? errno : EIO;
            return false;
        }
        got += (size_t)k;
    }
    c->at += (off_t)bytes;
    c->left -= want;
    c->n = want;
    c->pos = 0;
    return want > 0;
}

static int cursor_cmp(const cursor *a, const cursor *b)
{
    return memcmp(&a->win[a->pos], &b->win[b->pos], sizeof(row_id));
}

static void sift(cursor **heap, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cursor_cmp(heap[l], heap[m]) < 0) m = l;
        if (l + 1 < n && cursor_cmp(heap[l + 1], heap[m]) < 0) m = l + 1;
        if (m == i) return;
        cursor *t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

typedef void each_fn(void *ctx, const uint8_t id[32]);

static void hex_each(void *ctx, const uint8_t id[32])
{
    hex_add(ctx, (const row_id *)(const void *)id);
}

/* The runs in the file, merged in order into fn. */
static void merge_runs(pt_rowids *r, each_fn *fn, void *ctx)
{
    size_t win_ids = MERGE_BYTES / sizeof(row_id) / r->n_runs;
    if (win_ids == 0) win_ids = 1;
    cursor *cs = pt_xcalloc(r->n_runs, sizeof *cs);
    cursor **heap = pt_xmalloc(r->n_runs * sizeof *heap);
    size_t n = 0;
    off_t at = 0;
    for (size_t i = 0; i < r->n_runs; i++) {
        cs[i] = (cursor){.at = at, .left = r->run_len[i], .win = pt_xmalloc(win_ids * sizeof(row_id))};
        at += (off_t)(r->run_len[i] * sizeof(row_id));
        if (refill(r, &cs[i], win_ids)) heap[n++] = &cs[i];
    }
    for (size_t i = n; i-- > 0;) sift(heap, n, i);
    while (n && !r->error) {
        cursor *c = heap[0];
        fn(ctx, c->win[c->pos++].b);
        if (c->pos == c->n && !refill(r, c, win_ids)) heap[0] = heap[--n];
        sift(heap, n, 0);
    }
    for (size_t i = 0; i < r->n_runs; i++) free(cs[i].win);
    free(cs);
    free(heap);
}

/* Every identity added, in order, to fn; the identities are gone after it. */
static void walk(pt_rowids *r, each_fn *fn, void *ctx)
{
    if (r->n_runs == 0) {   /* one run: sorted in memory, no file */
        if (r->n) sort_run(r, r->ids, r->n);
        for (size_t i = 0; i < r->n; i++) fn(ctx, r->ids[i].b);
        return;
    }
    if (r->n) spill(r);
    free(r->ids);
    free(r->sorted);
    r->ids = r->sorted = NULL;   /* the merge windows take their place */
    if (!r->error) merge_runs(r, fn, ctx);
}

int pt_rowids_each(pt_rowids *r, void (*fn)(void *ctx, const uint8_t id[32]), void *ctx)
{
    walk(r, fn, ctx);
    if (r->error) {
        errno = r->error;
        return -1;
    }
    return 0;
}

int pt_rowids_digest(pt_rowids *r, char out[65])
{
    hex_digest *h = pt_xmalloc(sizeof *h);
    h->ctx = EVP_MD_CTX_new();
    h->len = 0;
    if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
        fprintf(stderr, "pitally: libcrypto cannot hash (SHA-256)\n");
        abort();
    }
    walk(r, hex_each, h);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestUpdate(h->ctx, h->text, h->len);
    EVP_DigestFinal_ex(h->ctx, md, &len);
    EVP_MD_CTX_free(h->ctx);
    free(h);
    for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
    if (r->error) {
        errno = r->error;
        return -1;
    }
    return 0;
}

void pt_rowids_free(pt_rowids *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    free(r->ids);
    free(r->sorted);
    free(r->run_len);
    free(r->tmp_path);
    free(r);
}
