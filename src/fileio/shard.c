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
 * - pt_shard_assign_split also splits a big plain text file (the caller says which may
 *   be split) into parts cut at record boundaries, each part placed like a file of its
 *   nominal size (docs/shards.md); the pipeline finds the exact boundaries
 *   (pt_input_attrs.part), the same in every shard.
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

/* The order files (and parts) are placed in: bigger first, then by path, then by list
 * position (a path named twice is in the list twice), then by part. */
typedef struct {
    const pt_input_path *p;
    size_t index;
    uint64_t bytes;   /* the file's size, or the part's nominal size */
    uint32_t part;
} placed;

static int bigger_first(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    int c = strcmp(x->p->path, y->p->path);
    if (c) return c;
    if (x->index != y->index) return x->index < y->index ? -1 : 1;
    return x->part < y->part ? -1 : x->part > y->part;
}

/* Nominal offset p/parts of size, without overflow (the pipeline cuts at the same). */
static uint64_t nominal_cut(uint64_t size, uint32_t p, uint32_t parts)
{
    return size / parts * p + size % parts * p / parts;
}

/* How many parts a file goes in: 1 unless it is splittable, at least split_min bytes
 * and more than a shard's mean share; then parts of about half the mean, at most n. */
static uint32_t parts_of(const pt_input_path *p, unsigned n, uint64_t mean, uint64_t split_min)
{
    if (n < 2 || !p->split_ok || p->unreadable || p->members_shared || mean == 0 ||
        p->size < split_min || p->size <= mean)
        return 1;
    uint64_t half = mean / 2 ? mean / 2 : 1;
    uint64_t want = (p->size + half - 1) / half;
    return want < n ? (uint32_t)want : n;
}

void pt_shard_assign_split(pt_path_list *l, unsigned n, uint64_t split_min)
{
    if (n < 1) n = 1;
    size_t n_archives = 0, n_items = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < l->n; i++) {
        pt_input_path *p = &l->v[i];
        p->members_shared = n > 1 && !p->unreadable && strcmp(p->path, "-") != 0 &&
                            pt_shard_is_archive_name(p->path);
        if (p->members_shared) p->shard = (unsigned)(n_archives++ % n) + 1;
        else total += p->size;
    }
    for (size_t i = 0; i < l->n; i++) {
        pt_input_path *p = &l->v[i];
        free(p->part_shards);
        p->part_shards = NULL;
        p->parts = p->members_shared ? 1 : parts_of(p, n, total / n, split_min);
        if (p->parts > 1) p->part_shards = pt_xcalloc(p->parts, sizeof *p->part_shards);
        if (!p->members_shared) n_items += p->parts;
    }
    placed *order = pt_xcalloc(n_items ? n_items : 1, sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        const pt_input_path *p = &l->v[i];
        if (p->members_shared) continue;
        for (uint32_t part = 0; part < p->parts; part++)
            order[k++] = (placed){p, i,
                                  nominal_cut(p->size, part + 1, p->parts) -
                                      nominal_cut(p->size, part, p->parts),
                                  part};
    }
    if (n_items) qsort(order, n_items, sizeof *order, bigger_first);
    /* every shard starts at 0 bytes: heap order is shard order already */
    shard_load *heap = pt_xcalloc(n, sizeof *heap);
    for (unsigned s = 0; s < n; s++) heap[s] = (shard_load){0, s + 1};
    for (size_t i = 0; i < n_items; i++) {
        pt_input_path *p = &l->v[order[i].index];
        if (p->parts > 1) p->part_shards[order[i].part] = heap[0].shard;
        if (order[i].part == 0) p->shard = heap[0].shard;
        heap[0].bytes += order[i].bytes;
        sift_down(heap, n, 0);
    }
    free(heap);
    free(order);
}

void pt_shard_assign(pt_path_list *l, unsigned n)
{
    pt_shard_assign_split(l, n, UINT64_MAX);
}
