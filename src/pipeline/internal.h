/* internal.h - pieces of the scan driver shared between its files: path expansion,
 * the bounded chunk queue and progress display. Not part of the public API. */
#ifndef PITALLY_PIPELINE_INTERNAL_H
#define PITALLY_PIPELINE_INTERNAL_H

#include <pthread.h>

#include "pitally/pipeline.h"

/* ---- paths.c: command-line paths to a sorted list of inputs ---- */
typedef struct {
    char *path;          /* as given, or dir/name under a directory given */
    pt_errlist errors;   /* problems met while expanding (e.g. unreadable directory) */
    bool unreadable;     /* true: report it, do not try to open it */
} pt_input_path;

typedef struct {
    pt_input_path *v;
    size_t n, cap;
} pt_path_list;

void pt_paths_expand(const char *const *paths, size_t n, pt_path_list *out);
void pt_paths_free(pt_path_list *l);

/* ---- queue.c: a bounded FIFO of pointers, blocking on both ends ---- */
typedef struct {
    void **items;
    size_t cap, head, count;
    bool closed;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
} pt_queue;

void pt_queue_init(pt_queue *q, size_t cap);
void pt_queue_destroy(pt_queue *q);
void pt_queue_push(pt_queue *q, void *item);
/* NULL once the queue is closed and empty. */
void *pt_queue_pop(pt_queue *q);
void pt_queue_close(pt_queue *q);

/* ---- progress.c: one status line on stderr ---- */
typedef struct {
    bool enabled;
    double started, last_print;
    uint64_t total_bytes;      /* sum of known input sizes, 0 when unknown */
} pt_progress;

void pt_progress_init(pt_progress *p, pt_progress_mode mode, uint64_t total_bytes);
/* Called by the reader after each chunk; prints at most a few times a second. */
void pt_progress_update(pt_progress *p, uint64_t bytes_done, uint64_t records_done);
void pt_progress_finish(pt_progress *p);
double pt_now(void);

#endif
