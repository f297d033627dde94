/* common.c - error lists and checked allocation (see include/pitally/common.h). */
#include "pitally/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "pitally: out of memory (asked for %zu bytes)\n", n);
    exit(70);
}

void *pt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *pt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    return p;
}

void *pt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *pt_xstrndup(const char *s, size_t n)
{
    char *p = pt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pt_xstrdup(const char *s)
{
    return pt_xstrndup(s, strlen(s));
}

void pt_errlist_add(pt_errlist *l, const char *kind, uint64_t offset, const char *fmt, ...)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = pt_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    pt_error *e = &l->v[l->n++];
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    e->offset = offset;
    e->line = 0;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    e->message = pt_xmalloc((size_t)(len < 0 ? 0 : len) + 1);
    va_start(ap, fmt);
    vsnprintf(e->message, (size_t)(len < 0 ? 0 : len) + 1, fmt, ap);
    va_end(ap);
}

void pt_errlist_move(pt_errlist *dst, pt_errlist *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 4;
            dst->v = pt_xrealloc(dst->v, dst->cap * sizeof *dst->v);
        }
        dst->v[dst->n++] = src->v[i];
    }
    free(src->v);
    src->v = NULL;
    src->n = src->cap = 0;
}

static int error_order(const void *a, const void *b)
{
    const pt_error *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    int c = strcmp(x->kind, y->kind);
    return c ? c : strcmp(x->message, y->message);
}

void pt_errlist_sort(pt_errlist *l)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, error_order);
}

void pt_errlist_free(pt_errlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].message);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
