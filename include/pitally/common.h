/* common.h - small things every pitally stage shares: the version, the error list
 * that travels with each input into the report, and allocation that never returns NULL.
 *
 * Errors are data, not control flow: a damaged gzip member or a malformed JSON line
 * becomes one pt_error in the input's list and the scan goes on (SPEC section 2).
 */
#ifndef PITALLY_COMMON_H
#define PITALLY_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PT_VERSION "0.1.0"

#define PT_MAX_TIERS 8        /* policy tiers; the default policy has three */
#define PT_MAX_CATEGORIES 64  /* categories fit a uint64_t bit mask */

/* One problem found in one input. kind is a short stable word ("open", "gzip",
 * "encoding", "json", "sql", "record_too_long", ...); offset is a byte offset:
 * into the compressed file for "gzip", into the decompressed bytes for "encoding",
 * into the decoded UTF-8 text for record-level kinds. line: for record-level kinds, the
 * 1-based line of that offset in the decoded text (where an examiner looks); 0 unknown. */
typedef struct {
    char kind[32];
    char *message;
    uint64_t offset;
    uint64_t line;
} pt_error;

typedef struct {
    pt_error *v;
    size_t n, cap;
} pt_errlist;

void pt_errlist_add(pt_errlist *l, const char *kind, uint64_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Move every error of src to the end of dst; src is left empty. */
void pt_errlist_move(pt_errlist *dst, pt_errlist *src);
/* Sort by offset, then kind, then message: reports must not depend on thread timing. */
void pt_errlist_sort(pt_errlist *l);
void pt_errlist_free(pt_errlist *l);

/* Allocation that prints a message and exits(70) instead of returning NULL. */
void *pt_xmalloc(size_t n);
void *pt_xcalloc(size_t n, size_t size);
void *pt_xrealloc(void *p, size_t n);
char *pt_xstrdup(const char *s);
char *pt_xstrndup(const char *s, size_t n);

#endif
