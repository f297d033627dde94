/* progress.h - one status line on stderr while a scan runs (the program's, not the
 * library's). */
#ifndef PITALLY_FILEIO_PROGRESS_H
#define PITALLY_FILEIO_PROGRESS_H

#include "pitally/pipeline.h"

typedef struct {
    bool enabled;
    double started, last_print;
    uint64_t total_bytes;      /* sum of known input sizes, 0 when unknown */
    uint64_t bytes_before;     /* bytes of the inputs already read */
    const char *current;       /* the input being read */
    size_t current_no, n_inputs;
} pt_progress;

void pt_progress_init(pt_progress *p, pt_progress_mode mode, uint64_t total_bytes, size_t n_inputs);
/* Called by the reader after each chunk; prints at most a few times a second. */
void pt_progress_update(pt_progress *p, uint64_t bytes_done, uint64_t records_done);
void pt_progress_finish(pt_progress *p);
double pt_now(void);

#endif
