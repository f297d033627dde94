/* file.c - files and stdin as raw inputs, and the driver that scans the inputs of a
 * command line: expand the paths, open each file, hand it to the engine, show
 * progress. The engine never opens a file; this is the only place that does. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../containers/containers.h"
#include "pitally/fileio.h"
#include "progress.h"

typedef struct {
    int fd;
    bool owns;
} file_ctx;

static ssize_t file_read(void *ctx, void *buf, size_t cap)
{
    return read(((file_ctx *)ctx)->fd, buf, cap);
}

static void file_close(void *ctx)
{
    file_ctx *f = ctx;
    if (f->owns) close(f->fd);
    free(f);
}

#define FADVISE_MIN (1u << 20)

int pt_file_open(const char *path, pt_raw_input *out, pt_errlist *errs)
{
    if (!path) {
        pt_errlist_add(errs, "open", 0, "%s", "no path given");
        return -1;
    }
    int fd = 0;
    bool owns = strcmp(path, "-") != 0;
    if (owns && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        pt_errlist_add(errs, "open", 0, "%s", strerror(errno));
        return -1;
    }
    uint64_t size = 0;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            pt_errlist_add(errs, "open", 0, "%s", "is a directory");
            if (owns) close(fd);
            return -1;
        }
        if (S_ISREG(st.st_mode)) {
            size = (uint64_t)st.st_size;
            if (size > FADVISE_MIN)   /* a hint: bigger readahead (a small file: one read) */
                posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
    }
    file_ctx *f = pt_xmalloc(sizeof *f);
    *f = (file_ctx){fd, owns};
    *out = (pt_raw_input){.read = file_read, .close = file_close, .ctx = f, .size = size};
    return 0;
}

pt_source *pt_source_open_with(const char *path, const pt_source_options *o, pt_errlist *errs)
{
    pt_errlist scratch = {0};
    pt_raw_input raw;
    if (pt_file_open(path, &raw, errs ? errs : &scratch) != 0) {
        pt_errlist_free(&scratch);
        return NULL;
    }
    pt_source *s = pt_source_open_raw(&raw, o, errs);
    pt_errlist_free(&scratch);
    return s;
}

pt_source *pt_source_open(const char *path, pt_encoding forced, pt_errlist *errs)
{
    pt_source_options o;
    pt_source_options_default(&o);
    o.encoding = forced;
    return pt_source_open_with(path, &o, errs);
}

/* ---- the inputs of a command line ---- */

/* What an opened regular file is, from its first bytes (stdin is never a container:
 * its bytes cannot be read twice). */
static pt_container_kind sniff_file(const pt_raw_input *raw, const char *path)
{
    uint8_t head[4096];
    if (raw->read != file_read || raw->size == 0 || strcmp(path, "-") == 0)
        return PT_CONTAINER_NONE;
    ssize_t n = pread(((file_ctx *)raw->ctx)->fd, head, sizeof head, 0);
    return n > 0 ? pt_container_sniff(head, (size_t)n) : PT_CONTAINER_NONE;
}

/* The container itself is the item seized: its custody hashes, read from the start
 * (a second read: libarchive, expat and SQLite read it their own way). */
static void list_container(pt_scan *s, const char *path, const pt_raw_input *raw)
{
    int fd = ((file_ctx *)raw->ctx)->fd;
    pt_digest *d = pt_digest_new();
    uint8_t buf[1 << 16];
    uint64_t bytes = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, (off_t)bytes)) > 0) {
        pt_digest_update(d, buf, (size_t)n);
        bytes += (uint64_t)n;
    }
    char md5[33], sha256[65];
    pt_digest_final(d, md5, sha256);
    pt_digest_free(d);
    pt_scan_container(s, path, bytes, n == 0 ? md5 : "", n == 0 ? sha256 : "");
}

static void show_progress(void *ctx, uint64_t input_bytes, uint64_t records_done)
{
    pt_progress *p = ctx;
    pt_progress_update(p, p->bytes_before + input_bytes, records_done);
}

/* One command line's inputs being scanned (by one shard of them, or all). */
typedef struct {
    pt_scan *s;
    const pt_shard *shard;      /* NULL: every input */
    pt_attrs_fn attrs;
    void *attrs_ctx;
    pt_progress progress;
    size_t opened;
} paths_run;

static bool is_mine(const paths_run *r, const pt_input_path *p)
{
    if (!r->shard) return true;
    for (uint32_t q = 0; q < p->parts && p->part_shards; q++)
        if (p->part_shards[q] == r->shard->k) return true;
    return p->shard == r->shard->k;
}

/* ---- a big text file split into parts (docs/shards.md) ---- */

/* May p be split? Decided alike by every shard from its name and first bytes, read only
 * for a file big enough to be split: not an archive, workbook, database, compressed
 * file, SQL dump or JSON document by name, and its head neither compressed nor a
 * container nor UTF-16 (NULs) - the pipeline reads a part from the text's start, and
 * a format it cannot split goes whole as part 0 anyway; this spares the others the read. */
static bool split_candidate(const pt_input_path *p, uint64_t split_min)
{
    static const char *const whole[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".z", ".xlsx",
                                        ".xls", ".json", ".sql", ".zip"};
    if (p->unreadable || p->size < split_min || !strcmp(p->path, "-") ||
        pt_shard_is_archive_name(p->path))
        return false;
    size_t len = strlen(p->path);
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++) {
        size_t n = strlen(whole[i]);
        if (len > n && strcasecmp(p->path + len - n, whole[i]) == 0) return false;
    }
    uint8_t head[4096];
    int fd = open(p->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = pread(fd, head, sizeof head, 0);
    close(fd);
    if (n < 4 || (head[0] == 0x1f && head[1] == 0x8b)) return false;
    if (memchr(head, 0, (size_t)n) || pt_container_sniff(head, (size_t)n) != PT_CONTAINER_NONE)
        return false;
    return true;
}

/* This shard's parts of a split file, each an input of its own that the merge joins. */
static void scan_parts(paths_run *r, pt_input_path *p)
{
    for (uint32_t q = 0; q < p->parts; q++) {
        if (p->part_shards[q] != r->shard->k) continue;
        pt_raw_input raw;
        if (pt_file_open(p->path, &raw, &p->errors) != 0) {
            pt_scan_unread(r->s, p->path, &p->errors);
            continue;
        }
        pt_input_attrs a = {0};
        if (r->attrs) r->attrs(r->attrs_ctx, p->path, &a);
        a.part = q;
        a.parts = p->parts;
        a.part_size = p->size;
        r->opened += pt_scan_input(r->s, p->path, &raw, &a);
    }
}

/* Which of an archive's members this process scans: NULL for all of them. */
static const pt_member_share *member_share(const paths_run *r, const pt_input_path *p,
                                           pt_member_share *buf)
{
    if (!r->shard || !p->members_shared) return NULL;
    *buf = (pt_member_share){r->shard->k, r->shard->n, p->shard - 1, is_mine(r, p)};
    return buf;
}

/* Input number i of the list, which this process lists: read it, or list why not. */
static void scan_listed(paths_run *r, pt_input_path *p, size_t i)
{
    pt_raw_input raw;
    pt_scan_set_order(r->s, PT_ORDER_FILE(i));
    if (p->unreadable || pt_file_open(p->path, &raw, &p->errors) != 0) {
        pt_scan_unread(r->s, p->path, &p->errors);
        return;
    }
    if (p->parts > 1) {
        raw.close(raw.ctx);
        scan_parts(r, p);
        return;
    }
    pt_input_attrs a = {0};
    if (r->attrs) r->attrs(r->attrs_ctx, p->path, &a);
    pt_container_kind kind = sniff_file(&raw, p->path);
    if (kind != PT_CONTAINER_NONE) {
        /* an archive, workbook or database: its members, sheets or tables are the
         * inputs (src/containers/) */
        pt_member_share share;
        long got = pt_container_scan(r->s, p->path, kind, &a, PT_ORDER_FILE(i),
                                     member_share(r, p, &share));
        if (got >= 0) {
            pt_scan_set_order(r->s, PT_ORDER_FILE(i) + PT_ORDER_CONTAINER);
            list_container(r->s, p->path, &raw);
            raw.close(raw.ctx);
            r->opened += (size_t)got;
            return;
        }
    }
    pt_scan_set_order(r->s, PT_ORDER_FILE(i));
    r->opened += pt_scan_input(r->s, p->path, &raw, &a);
}

/* An archive another shard lists: this shard's members of it. If this shard cannot
 * open it, it says so under the archive's name (its members would be missing). */
static void scan_others_archive(paths_run *r, pt_input_path *p, size_t i)
{
    pt_raw_input raw;
    pt_errlist errs = {0};
    pt_scan_set_order(r->s, PT_ORDER_FILE(i) + PT_ORDER_CONTAINER);
    if (pt_file_open(p->path, &raw, &errs) != 0) {
        pt_errlist_add(&errs, "open", 0,
                       "shard %u/%u could not open this archive: its members of that shard "
                       "are not scanned", r->shard->k, r->shard->n);
        pt_scan_unread(r->s, p->path, &errs);
        pt_errlist_free(&errs);
        return;
    }
    pt_input_attrs a = {0};
    if (r->attrs) r->attrs(r->attrs_ctx, p->path, &a);
    pt_container_kind kind = sniff_file(&raw, p->path);
    pt_member_share share;
    if (kind != PT_CONTAINER_NONE) {
        long got = pt_container_scan(r->s, p->path, kind, &a, PT_ORDER_FILE(i),
                                     member_share(r, p, &share));
        if (got > 0) r->opened += (size_t)got;
    }
    raw.close(raw.ctx);
    pt_errlist_free(&errs);
}

/* What every shard of a collection must agree on: the expanded list, the sizes and who
 * scans what. A merge refuses shards whose digests differ (files added, removed or grown
 * between the shards' starts). */
static uint64_t table_digest(const pt_path_list *l)
{
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0x73686172u);
    for (size_t i = 0; i < l->n; i++) {
        const pt_input_path *p = &l->v[i];
        uint64_t v[3] = {p->size, p->shard, p->members_shared};
        XXH64_update(h, p->path, strlen(p->path) + 1);
        XXH64_update(h, v, sizeof v);
        if (p->parts > 1) {   /* a split file: its parts and who scans each */
            XXH64_update(h, &p->parts, sizeof p->parts);
            XXH64_update(h, p->part_shards, p->parts * sizeof *p->part_shards);
        }
    }
    uint64_t d = XXH64_digest(h);
    XXH64_freeState(h);
    return d;
}

size_t pt_scan_paths_shard(pt_scan *s, const char *const *paths, size_t n_paths,
                           const pt_shard *shard, pt_progress_mode mode, pt_attrs_fn attrs,
                           void *attrs_ctx)
{
    pt_path_list list;
    pt_paths_expand(paths, n_paths, &list);
    paths_run r = {.s = s, .shard = shard && shard->n > 1 ? shard : NULL, .attrs = attrs,
                   .attrs_ctx = attrs_ctx};
    if (r.shard) {
        uint64_t split_min = r.shard->split_min ? r.shard->split_min : PT_SPLIT_MIN_DEFAULT;
        for (size_t i = 0; i < list.n; i++)
            list.v[i].split_ok = split_min != UINT64_MAX && split_candidate(&list.v[i], split_min);
        pt_shard_assign_split(&list, r.shard->n, split_min);
        pt_scan_set_shard(s, r.shard->k, r.shard->n, table_digest(&list));
    }
    uint64_t total = 0;
    size_t count = 0;
    for (size_t i = 0; i < list.n; i++)
        if (is_mine(&r, &list.v[i]) || list.v[i].members_shared) {
            total += list.v[i].size;
            count++;
        }
    pt_progress_init(&r.progress, mode, total, count);
    pt_scan_set_progress(s, show_progress, &r.progress);
    for (size_t i = 0; i < list.n; i++) {
        pt_input_path *p = &list.v[i];
        bool mine = is_mine(&r, p);
        if (!mine && !p->members_shared) continue;
        r.progress.current = p->path;
        r.progress.current_no++;
        if (mine) scan_listed(&r, p, i);
        else scan_others_archive(&r, p, i);
        r.progress.bytes_before += p->size;
    }
    pt_scan_set_progress(s, NULL, NULL);
    pt_progress_finish(&r.progress);
    pt_paths_free(&list);
    return r.opened;
}

size_t pt_scan_paths(pt_scan *s, const char *const *paths, size_t n_paths,
                     pt_progress_mode mode, pt_attrs_fn attrs, void *attrs_ctx)
{
    return pt_scan_paths_shard(s, paths, n_paths, NULL, mode, attrs, attrs_ctx);
}
