/* paths.c - expands the command line's paths into the list of inputs: files as given,
 * directories walked recursively in byte-wise sorted order (so every run, whatever
 * the file system, scans and reports in the same order), "-" for stdin. A directory
 * met twice through symlinks is walked once; what cannot be listed is reported. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

typedef struct {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct {
    dir_id *v;
    size_t n, cap;
} dir_stack;

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

static void walk(const char *dir, const struct stat *dsb, dir_stack *st, pt_path_list *out);

static const char *special_kind(mode_t m)
{
    if (S_ISFIFO(m)) return "FIFO";
    if (S_ISSOCK(m)) return "socket";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    return "special file";
}

static void walk_entry(const char *path, dir_stack *st, pt_path_list *out)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        pt_input_path *p = add_path(out, path);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "open", 0, "cannot stat %s: %s", path, strerror(errno));
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        walk(path, &sb, st, out);
    } else if (S_ISREG(sb.st_mode)) {
        add_path(out, path);
    } else {
        /* FIFOs, sockets and devices inside a directory are not inputs: opening a FIFO
         * with no writer would block the scan for ever. They are listed, not read.
         * Named explicitly on the command line (e.g. <(zcat ...)) they are read. */
        pt_input_path *p = add_path(out, path);
        p->unreadable = true;
        pt_errlist_add(&p->errors, "skipped", 0, "%s is a %s, not a regular file: not read", path,
                       special_kind(sb.st_mode));
    }
}

static void walk(const char *dir, const struct stat *dsb, dir_stack *st, pt_path_list *out)
{
    if (on_stack(st, dsb)) return;   /* symlink loop */
    DIR *d = opendir(dir);
    if (!d) {
        pt_input_path *p = add_path(out, dir);
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
    qsort(names, n, sizeof *names, by_name);
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->v = pt_xrealloc(st->v, st->cap * sizeof *st->v);
    }
    st->v[st->n++] = (dir_id){dsb->st_dev, dsb->st_ino};
    size_t dlen = strlen(dir);
    bool slash = dlen && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        size_t len = dlen + strlen(names[i]) + 2;
        char *child = pt_xmalloc(len);
        snprintf(child, len, "%s%s%s", dir, slash ? "" : "/", names[i]);
        walk_entry(child, st, out);
        free(child);
        free(names[i]);
    }
    free(names);
    st->n--;
}

void pt_paths_expand(const char *const *paths, size_t n, pt_path_list *out)
{
    memset(out, 0, sizeof *out);
    dir_stack st = {0};
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(paths[i], &sb, &st, out);
        else
            add_path(out, paths[i]);   /* opening reports what is wrong with it */
    }
    free(st.v);
}

void pt_paths_free(pt_path_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        pt_errlist_free(&l->v[i].errors);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}
