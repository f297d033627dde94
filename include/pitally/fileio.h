/* fileio.h - the program's side of input: files and directories. The library reads
 * logical inputs through pt_raw_input (pitally/input.h) and never opens a file; this
 * module does, as zstd's programs/fileio.c does for lib/:
 *  - pt_file_open: a file or stdin ("-") as a pt_raw_input;
 *  - pt_paths_expand: the command line's paths to the sorted list of inputs;
 *  - pt_scan_paths: both, feeding a running scan (pitally/pipeline.h);
 *  - pt_shard_*: which of N processes scans which input (--shard K/N, shard.c).
 */
#ifndef PITALLY_FILEIO_H
#define PITALLY_FILEIO_H

#include "pitally/input.h"
#include "pitally/pipeline.h"

/* Open path ("-" is stdin) as a raw input. On failure returns -1 after one "open"
 * error in errs (missing, unreadable, a directory). */
int pt_file_open(const char *path, pt_raw_input *out, pt_errlist *errs);

/* pt_file_open then pt_source_open_raw: a decoded source over a file. */
pt_source *pt_source_open_with(const char *path, const pt_source_options *o, pt_errlist *errs);
pt_source *pt_source_open(const char *path, pt_encoding forced, pt_errlist *errs);

/* ---- the inputs of a command line ---- */
typedef struct {
    char *path;          /* as given, or dir/name under a directory given */
    pt_errlist errors;   /* problems met while expanding (e.g. unreadable directory) */
    bool unreadable;     /* true: report it, do not try to open it */
    uint64_t size;       /* of a regular file, else 0 (progress, shards) */
    unsigned shard;      /* pt_shard_assign: the shard (1..N) that lists it */
    bool members_shared; /* pt_shard_assign: an archive (database) every shard opens for
                            its members (tables) */
    bool split_ok;       /* set before pt_shard_assign: a plain (uncompressed) text file
                            that may be split into parts at record boundaries */
    uint32_t parts;      /* pt_shard_assign: > 1 when split; part_shards[p] scans part p
                            (pt_input_attrs), and shard is part 0's */
    unsigned *part_shards;
} pt_input_path;

typedef struct {
    pt_input_path *v;
    size_t n, cap;
} pt_path_list;

/* Files as given, directories walked recursively in byte-wise sorted order, "-" for
 * stdin. A file or directory reached twice (repeated, symlink, hard link) is listed
 * once. */
void pt_paths_expand(const char *const *paths, size_t n, pt_path_list *out);
void pt_paths_free(pt_path_list *l);

/* What the program knows of an input that the data does not say (--declare). */
typedef void (*pt_attrs_fn)(void *ctx, const char *path, pt_input_attrs *out);

/* Expand paths and scan every input in order through s, with a progress line on
 * stderr as mode says; attrs (may be NULL) gives each input's attributes. Returns the
 * number of inputs that could be opened. */
size_t pt_scan_paths(pt_scan *s, const char *const *paths, size_t n_paths,
                     pt_progress_mode mode, pt_attrs_fn attrs, void *attrs_ctx);

/* ---- shards (shard.c) ---- */
#define PT_SHARD_MAX 65536u

/* This process is shard k of n (1 <= k <= n). */
typedef struct {
    unsigned k, n;
    uint64_t split_min;   /* a text file this big or bigger may be split into parts
                             (pt_shard_assign_split); 0: PT_SPLIT_MIN_DEFAULT, UINT64_MAX:
                             none (scan --split-above) */
} pt_shard;

/* "K/N", both whole numbers, 1 <= K <= N <= PT_SHARD_MAX. */
bool pt_shard_parse(const char *s, pt_shard *out);

/* Does the name say archive or database (.zip, .tar, .tar.gz, .7z, .rar, .db, .sqlite,
 * ...)? Its members (tables) are shared out among the shards. */
bool pt_shard_is_archive_name(const char *path);

/* Fill in shard and members_shared of every path: files by size, largest first, each
 * to the shard with the fewest bytes so far (ties: the lowest); archives and databases
 * named as such are listed by the shards in turn and their members shared out. The same
 * list gives the same table in every process. */
void pt_shard_assign(pt_path_list *l, unsigned n);

/* pt_shard_assign that also splits a big text file (split_ok) into parts, each placed
 * like a file: a file of at least split_min bytes and more than the mean bytes per shard
 * (total / n) goes in P = min(n, ceil(2 x size / mean)) parts, part p nominally bytes
 * [p x size / P, (p + 1) x size / P), so that the parts are about half a shard's share
 * and the longest-first placing can balance them. pt_shard_assign never splits. */
#define PT_SPLIT_MIN_DEFAULT (64ull << 20)
void pt_shard_assign_split(pt_path_list *l, unsigned n, uint64_t split_min);

/* The input order of an entry of the whole collection (pt_scan_set_order): file
 * number (from 1) in the expanded list times 2^32, plus the member number in its
 * archive (from 0); the archive itself comes after its members. A merge of shards
 * sorts by it, so that it lists inputs as one scan over all of them would. */
#define PT_ORDER_FILE(i) (((uint64_t)(i) + 1) << 32)
#define PT_ORDER_CONTAINER 0xFFFFFFFFull

/* pt_scan_paths scanning only shard's part (shard NULL: everything). */
size_t pt_scan_paths_shard(pt_scan *s, const char *const *paths, size_t n_paths,
                           const pt_shard *shard, pt_progress_mode mode, pt_attrs_fn attrs,
                           void *attrs_ctx);

#endif
