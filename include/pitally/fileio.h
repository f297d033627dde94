/* fileio.h - the program's side of input: files and directories. The library reads
 * logical inputs through pt_raw_input (pitally/input.h) and never opens a file; this
 * module does, as zstd's programs/fileio.c does for lib/:
 *  - pt_file_open: a file or stdin ("-") as a pt_raw_input;
 *  - pt_paths_expand: the command line's paths to the sorted list of inputs;
 *  - pt_scan_paths: both, feeding a running scan (pitally/pipeline.h).
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
    uint64_t size;       /* of a regular file, else 0 (progress) */
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

/* Expand paths and scan every input in order through s, with a progress line on
 * stderr as mode says. Returns the number of inputs that could be opened. */
size_t pt_scan_paths(pt_scan *s, const char *const *paths, size_t n_paths,
                     pt_progress_mode mode);

#endif
