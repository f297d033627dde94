/* internal.h - what the container readers of src/containers/ share. */
#ifndef PITALLY_CONTAINERS_INTERNAL_H
#define PITALLY_CONTAINERS_INTERNAL_H

#include <locale.h>

#include "containers.h"
#include "sheetxml.h"

/* One walk over a container given on the command line. */
typedef struct {
    pt_scan *s;
    const pt_scan_options *o;
    pt_input_attrs tmpl;      /* every inner input's attributes (declared) */
    long opened;
    const pt_member_share *share;   /* NULL: every member */
    uint64_t order;           /* the container's input order; member i: order + i */
    locale_t utf8;            /* libarchive converts UTF-8 names only in a UTF-8 locale */
} pt_walk;

/* "outer" + "!/" + inner (inner cleaned: no leading ./ or /, GB18030 names to UTF-8). */
char *pt_member_name(const char *outer, const char *inner);

/* Scan one inner input: raw read to its end with the attributes of the walk, the
 * errors the reader collected moved to it. */
void pt_walk_input(pt_walk *w, const char *name, pt_raw_input *raw, pt_errlist *errs,
                   pt_format format, const char *format_name);
/* List an inner input or a container that was not read, with one error. */
void pt_walk_unread(pt_walk *w, const char *name, const char *kind, uint64_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* --shard: is top-level member (table) number index this process's? If so, what follows
 * takes its input order (the container's + index). */
bool pt_walk_member(pt_walk *w, size_t index);
/* The container's own entries follow (its errors): in its input order, after its
 * members; false when another shard lists them. */
bool pt_walk_itself(pt_walk *w);

/* A workbook, a database: from a file (path) or from memory (a member read whole). */
/* false: no xl/workbook.xml, not a workbook (nothing listed) */
bool pt_xlsx_scan(pt_walk *w, const char *name, const char *path, const void *mem, size_t len);
void pt_sqlite_scan(pt_walk *w, const char *name, const char *path, void *mem, size_t len);
/* -1: not a workbook (the caller reads the file as a plain input) */
int pt_xls_scan(pt_walk *w, const char *name, const char *path);

/* libarchive's zip reader over a file (path) or memory, positioned at the entry named
 * part (case-insensitive, as OPC part names are); NULL when there is none. */
struct archive;
struct archive_entry;
struct archive *pt_zip_open_part(const char *path, const void *mem, size_t len,
                                 const char *part, struct archive_entry **entry);

/* The cap on memory for whole parts read into memory (shared strings, a workbook
 * inside an archive): 256 MiB, or --max-output if smaller. */
uint64_t pt_walk_memory_cap(const pt_walk *w);

#endif
