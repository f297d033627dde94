/* progress.c - "file k of n, bytes done of total, MB/s, records/s, ETA" on stderr,
 * rewritten in place with \r. Only on a terminal unless --progress always. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

double pt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pt_progress_init(pt_progress *p, pt_progress_mode mode, uint64_t total_bytes, size_t n_inputs)
{
    p->bytes_before = 0;
    p->current = NULL;
    p->current_no = 0;
    p->n_inputs = n_inputs;
    p->enabled = mode == PT_PROGRESS_ALWAYS || (mode == PT_PROGRESS_AUTO && isatty(2));
    p->started = pt_now();
    p->last_print = 0;   /* the first update prints at once */
    p->total_bytes = total_bytes;
}

void pt_progress_update(pt_progress *p, uint64_t bytes_done, uint64_t records_done)
{
    if (!p->enabled) return;
    double now = pt_now();
    if (now - p->last_print < 0.25) return;
    p->last_print = now;
    double elapsed = now - p->started;
    double mbps = elapsed > 0 ? (double)bytes_done / 1e6 / elapsed : 0;
    double rps = elapsed > 0 ? (double)records_done / elapsed : 0;
    fputc('\r', stderr);
    if (p->current) {
        /* the tail of a long path says more than its head */
        size_t len = strlen(p->current);
        const char *name = len > 32 ? p->current + len - 32 : p->current;
        if (p->n_inputs > 1) fprintf(stderr, "file %zu of %zu ", p->current_no, p->n_inputs);
        fprintf(stderr, "%s%s ", len > 32 ? "..." : "", name);
    }
    if (p->total_bytes && bytes_done <= p->total_bytes) {
        double eta = mbps > 0 ? (double)(p->total_bytes - bytes_done) / 1e6 / mbps : 0;
        fprintf(stderr, "%8.1f of %.1f MB  %7.1f MB/s  %9.0f records/s  ETA %4.0fs ",
                (double)bytes_done / 1e6, (double)p->total_bytes / 1e6, mbps, rps, eta);
    } else {
        fprintf(stderr, "%8.1f MB  %7.1f MB/s  %9.0f records/s ", (double)bytes_done / 1e6,
                mbps, rps);
    }
    fflush(stderr);
}

void pt_progress_finish(pt_progress *p)
{
    if (p->enabled) fprintf(stderr, "\r%120s\r", "");
}
