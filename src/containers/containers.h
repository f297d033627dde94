/* containers.h - the program's side of containers (issue 9). An archive (zip, tar with
 * or without gzip/bzip2/xz/zstd, 7z, rar, through libarchive), an .xlsx workbook, an
 * .xls workbook (FreeXL) or an SQLite database is not scanned as one input: each
 * member, sheet or table is a logical input named outer!/inner (a.zip!/b.tar.gz!/c.csv,
 * book.xlsx!/客户信息, app.db!/users) handed to the engine through pt_scan_input, read as
 * a stream (an archive member is never extracted to disk). Archives inside archives are
 * opened too, PT_CONTAINER_MAX_DEPTH deep. Nothing is silent: a container with no
 * member, a member that cannot be read (encrypted, damaged, too deep, a bomb) and a
 * format this build cannot read are each listed with an error entry.
 */
#ifndef PITALLY_CONTAINERS_H
#define PITALLY_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include "pitally/pipeline.h"

#define PT_CONTAINER_MAX_DEPTH 4

typedef enum {
    PT_CONTAINER_NONE = 0,    /* not a container: the engine reads it (plain gzip included) */
    PT_CONTAINER_ARCHIVE,     /* zip (an .xlsx is found inside), 7z, rar, tar, compressed tar */
    PT_CONTAINER_COMPRESSED,  /* bzip2, xz or zstd: a compressed tar, or one compressed file */
    PT_CONTAINER_XLS,         /* an OLE2 compound file: .xls if FreeXL can open it */
    PT_CONTAINER_SQLITE
} pt_container_kind;

/* What the first n bytes of a file (or member) are. A gzip stream is a container only
 * when what it inflates to starts with a tar header. */
pt_container_kind pt_container_sniff(const uint8_t *head, size_t n);

/* An archive's members or a database's tables shared out among shards (--shard,
 * src/fileio/shard.c): this process scans top-level member i (from 0) when
 * (first + i) % n == k - 1, a nested container whole with its member. lists_itself:
 * this process lists the container's own errors (the caller its hashes); a process
 * that does not, scans nothing but members: a workbook is left to the one that does. */
typedef struct {
    unsigned k, n, first;
    bool lists_itself;
} pt_member_share;

/* Scan the container file at path (kind from pt_container_sniff) through s, each inner
 * input with attrs (may be NULL) as its attributes and in input order (pt_scan_set_order)
 * order + i, i its top-level member's number; the container's own errors are listed
 * with order + PT_ORDER_CONTAINER (pitally/fileio.h). share NULL: every member. Returns the number of inner inputs that could be read, or -1 when the file
 * is not a container after all (an OLE2 file that is not a workbook): the caller scans
 * it as a plain input. */
long pt_container_scan(pt_scan *s, const char *path, pt_container_kind kind,
                       const pt_input_attrs *attrs, uint64_t order, const pt_member_share *share);

#endif
