/* walk.c - expands the command line's paths into the list of inputs: files as given,
 * directories walked recursively in byte-wise sorted order (so every run, whatever
 * the file system, scans and reports in the same order), "-" for stdin.
 *
 * A regular file reached a second time (named twice, through a symlink or a hard link,
 * or inside a directory reached twice) is listed once more with a "duplicate" error
 * naming the first path, and not read: Art. 11 counts what was seized, not how often a
 * path leads to it. A directory that contains itself through a symlink is not entered
 * again (the walk would not end). What cannot be listed is reported. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pitally/fileio.h"

typedef struct {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct {
    dir_id *v;
    size_t n, cap;
} dir_stack;

/* Regular files seen so far, by (device, inode): an open-addressing table of indexes
 * into the path list (+1; 0 is empty). */
typedef struct {
    size_t *slot;
    dir_id *id;
    size_t cap, n;
} file_set;

typedef struct {
    dir_stack dirs;
    file_set files;
    pt_path_list *out;
} walker;

static pt_input_path *add_path(pt_path_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = pt_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    pt_input_path *p = &l->v[l->n++];
    memset(p, 0, sizeof *p);
    p->path = pt_xstrdup(path);
    return p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool on_stack(const dir_stack *st, const struct stat *sb)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->v[i].dev == sb->st_dev && st->v[i].ino == sb->st_ino) return true;
    return false;
}

static void walk(walker *w, const char *dir, const struct stat *dsb);

static const char *special_kind(mode_t m)
{
    if (S_ISFIFO(m)) return "FIFO";
    if (S_ISSOCK(m)) return "socket";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    return "special file";
}

static size_t id_hash(dir_id id, size_t cap)
{
    uint64_t h = ((uint64_t)id.dev * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)id.ino * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static void files_grow(file_set *f)
{
    size_t cap = f->cap ? f->cap * 2 : 64;
    size_t *slot = pt_xcalloc(cap, sizeof *slot);
    dir_id *id = pt_xcalloc(cap, sizeof *id);
    for (size_t i = 0; i < f->cap; i++) {
        if (!f->slot[i]) continue;
        size_t j = id_hash(f->id[i], cap);
        while (slot[j]) j = (j + 1) & (cap - 1);
        slot[j] = f->slot[i];
        id[j] = f->id[i];
    }
    free(f->slot);
    free(f->id);
    f->slot = slot;
    f->id = id;
    f->cap = cap;
}

/* The list index of the first path to this file, or SIZE_MAX after remembering it as
 * path number index. */
static size_t files_first(walker *w, const struct stat *sb, size_t index)
{
    file_set *f = &w->files;
    if (2 * (f->n + 1) > f->cap) files_grow(f);
    dir_id key = {sb->st_dev, sb->st_ino};
    size_t j = id_hash(key, f->cap);
    while (f->slot[j]) {
        if (f->id[j].dev == key.dev && f->id[j].ino == key.ino) return f->slot[j] - 1;
        j = (j + 1) & (f->cap - 1);
    }
    f->slot[j] = index + 1;
    f->id[j] = key;
    f->n++;
    return SIZE_MAX;
}

static void add_regular(walker *w, const char *path, const struct stat *sb)
{
    size_t first = files_first(w, sb, w->out->n);
    pt_input_path *p = add_path(w->out, path);
    if (first == SIZE_MAX) {
        p->size = (uint64_t)sb->st_size;
        return;
    }
    p->unreadable = true;
    pt_errlist_add(&p->errors, "duplicate", 0, "the same file as %s: read once, there",
                   w->out->v[first].path);
}

/* An entry stat'ed (err: 0, or the errno of its stat). */
static void walk_entry(walker *w, const char *path, const struct stat *st, int err)
{
    if (err) {   /* st was not filled */
        pt_input_path *p = add_path(w->out, path);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "open", 0, "cannot stat %s: %s", path, strerror(err));
        return;
    }
    struct stat sb = *st;
    if (S_ISDIR(sb.st_mode)) {
        walk(w, path, &sb);
    } else if (S_ISREG(sb.st_mode)) {
        add_regular(w, path, &sb);
    } else {
        /* FIFOs, sockets and devices inside a directory are not inputs: opening a FIFO
         * with no writer would block the scan for ever. They are listed, not read.
         * Named explicitly on the command line (e.g. <(zcat ...)) they are read. */
        pt_input_path *p = add_path(w->out, path);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "skipped", 0, "%s is a %s, not a regular file: not read", path,
                       special_kind(sb.st_mode));
    }
}

/* The entries of one directory, stat'ed before any is walked: relative to the
 * directory (no walk of the whole path per entry), and for a big directory (a dump
 * split into 10,000 files) half of them on a second thread, since nothing else runs
 * before the list is complete. As stat(2): symlinks followed. */
typedef struct {
    int dfd;
    const char *dir;
    char **names;
    struct stat *st;
    int *err;
    size_t from, to;
} stat_job;

#define STAT_SPLIT_MIN 1024   /* entries worth a second thread */

static void stat_one(const stat_job *j, size_t i)
{
    int rc;
    if (j->dfd >= 0) {
        rc = fstatat(j->dfd, j->names[i], &j->st[i], 0);
    } else {   /* the directory could not be opened again: by the whole path */
        size_t dlen = strlen(j->dir), len = dlen + strlen(j->names[i]) + 2;
        char *child = pt_xmalloc(len);
        snprintf(child, len, "%s%s%s", j->dir, dlen && j->dir[dlen - 1] == '/' ? "" : "/",
                 j->names[i]);
        rc = stat(child, &j->st[i]);
        free(child);
    }
    j->err[i] = rc == 0 ? 0 : errno;
}

static void *stat_range(void *arg)
{
    const stat_job *j = arg;
    for (size_t i = j->from; i < j->to; i++) stat_one(j, i);
    return NULL;
}

static void stat_entries(const char *dir, char **names, size_t n, struct stat *st, int *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    stat_job all = {dfd, dir, names, st, err, 0, n};
    stat_job second = all;
    pthread_t t;
    bool split = false;
    if (n >= STAT_SPLIT_MIN) {
        second.from = all.to = n / 2;
        split = pthread_create(&t, NULL, stat_range, &second) == 0;
        if (!split) all.to = n;
    }
    stat_range(&all);
    if (split) pthread_join(t, NULL);
    if (dfd >= 0) close(dfd);
}

static void walk(walker *w, const char *dir, const struct stat *dsb)
{
    dir_stack *st = &w->dirs;
    if (on_stack(st, dsb)) {
        pt_input_path *p = add_path(w->out, dir);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "skipped", 0,
                       "%s leads back to a directory that contains it (symlink loop): not entered again", dir);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        pt_input_path *p = add_path(w->out, dir);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "open", 0, "cannot list directory %s: %s", dir, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = pt_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = pt_xstrdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->v = pt_xrealloc(st->v, st->cap * sizeof *st->v);
    }
    st->v[st->n++] = (dir_id){dsb->st_dev, dsb->st_ino};
    size_t dlen = strlen(dir);
    bool slash = dlen && dir[dlen - 1] == '/';
    struct stat *sbs = pt_xmalloc((n ? n : 1) * sizeof *sbs);
    int *errs = pt_xmalloc((n ? n : 1) * sizeof *errs);
    stat_entries(dir, names, n, sbs, errs);
    for (size_t i = 0; i < n; i++) {
        size_t len = dlen + strlen(names[i]) + 2;
        char *child = pt_xmalloc(len);
        snprintf(child, len, "%s%s%s", dir, slash ? "" : "/", names[i]);
        walk_entry(w, child, &sbs[i], errs[i]);
        free(child);
        free(names[i]);
    }
    free(sbs);
    free(errs);
    free(names);
    st->n--;
}

void pt_paths_expand(const char *const *paths, size_t n, pt_path_list *out)
{
    memset(out, 0, sizeof *out);
    walker w = {.out = out};
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        bool is_stdin = strcmp(paths[i], "-") == 0;
        if (!is_stdin && stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(&w, paths[i], &sb);
        else if (!is_stdin && stat(paths[i], &sb) == 0 && S_ISREG(sb.st_mode))
            add_regular(&w, paths[i], &sb);
        else
            add_path(out, paths[i]);   /* opening reports what is wrong with it */
    }
    free(w.dirs.v);
    free(w.files.slot);
    free(w.files.id);
}

void pt_paths_free(pt_path_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        pt_errlist_free(&l->v[i].errors);
        free(l->v[i].part_shards);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}
