/* shard.c - `scan --shard K/N`: which of N independent processes scans which input.
 *
 * Every process expands the same paths (walk.c), so every process holds the same list
 * in the same order and computes the same table here; it then scans only its own
 * part. No process talks to another: N processes on N machines given the same paths
 * cover every input exactly once, and `pitally merge` puts their states together.
 *
 * - Files are shared out by size, longest processing time first: sorted by (size
 *   descending, path ascending, list position), each goes to the shard with the least
 *   bytes so far (ties: the lowest shard). Inputs listed with an error (unreadable,
 *   duplicate, skipped) weigh 0 bytes and are placed by the same rule, so each is
 *   listed by exactly one shard.
 * - An archive or SQLite database named as one (.zip, .tar, .tar.gz, .7z, .db, ...: a
 *   name, so that no shard has to read every file to know) is opened by every shard,
 *   and each scans only its members (tables): member i goes to shard
 *   (owner - 1 + i) mod N + 1. Its owner, the shards taken in turn over these files,
 *   lists the container itself (its custody hashes and its own errors). The cost:
 *   every shard reads the whole archive (libarchive skips a member by reading past it;
 *   a compressed tar is inflated whole by each). Anything else, an archive not named
 *   as one and a workbook included, is scanned whole by one shard, like any file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pitally/fileio.h"

bool pt_shard_parse(const char *s, pt_shard *out)
{
    char *end;
    if (!s || *s < '1' || *s > '9') return false;
    unsigned long k = strtoul(s, &end, 10);
    if (*end != '/' || end[1] < '1' || end[1] > '9') return false;
    unsigned long n = strtoul(end + 1, &end, 10);
    if (*end || k > n || n > PT_SHARD_MAX) return false;
    out->k = (unsigned)k;
    out->n = (unsigned)n;
    return true;
}

bool pt_shard_is_archive_name(const char *path)
{
    static const char *const suffixes[] = {".zip", ".7z", ".rar", ".tar", ".tgz", ".tar.gz",
                                           ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".tzst",
                                           ".tar.zst", ".db", ".db3", ".sqlite", ".sqlite3"};
    size_t len = strlen(path);
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && strcasecmp(path + len - n, suffixes[i]) == 0) return true;
    }
    return false;
}

/* ---- the least loaded shard: a binary min-heap of (bytes, shard) ---- */

typedef struct {
    uint64_t bytes;
    unsigned shard;
} shard_load;

static bool lighter(const shard_load *a, const shard_load *b)
{
    return a->bytes < b->bytes || (a->bytes == b->bytes && a->shard < b->shard);
}

static void sift_down(shard_load *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && lighter(&h[l], &h[m])) m = l;
        if (r < n && lighter(&h[r], &h[m])) m = r;
        if (m == i) return;
        shard_load t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The order files are placed in: bigger first, then by path, then by list position
 * (a path named twice is in the list twice). */
typedef struct {
    const pt_input_path *p;
    size_t index;
} placed;

static int bigger_first(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    if (x->p->size != y->p->size) return x->p->size > y->p->size ? -1 : 1;
    int c = strcmp(x->p->path, y->p->path);
    if (c) return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

void pt_shard_assign(pt_path_list *l, unsigned n)
{
    if (n < 1) n = 1;
    placed *order = pt_xcalloc(l->n ? l->n : 1, sizeof *order);
    size_t n_files = 0, n_archives = 0;
    for (size_t i = 0; i < l->n; i++) {
        pt_input_path *p = &l->v[i];
        p->members_shared = n > 1 && !p->unreadable && strcmp(p->path, "-") != 0 &&
                            pt_shard_is_archive_name(p->path);
        if (p->members_shared) p->shard = (unsigned)(n_archives++ % n) + 1;
        else order[n_files++] = (placed){p, i};
    }
    if (n_files) qsort(order, n_files, sizeof *order, bigger_first);
    /* every shard starts at 0 bytes: heap order is shard order already */
    shard_load *heap = pt_xcalloc(n, sizeof *heap);
    for (unsigned s = 0; s < n; s++) heap[s] = (shard_load){0, s + 1};
    for (size_t i = 0; i < n_files; i++) {
        l->v[order[i].index].shard = heap[0].shard;
        heap[0].bytes += order[i].p->size;
        sift_down(heap, n, 0);
    }
    free(heap);
    free(order);
}
