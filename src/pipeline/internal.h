/* internal.h - the bounded queue between the engine's reader and its workers (and the
 * pool of free chunk buffers going back). Not part of the public API. */
#ifndef PITALLY_PIPELINE_INTERNAL_H
#define PITALLY_PIPELINE_INTERNAL_H

#include <pthread.h>

#include "pitally/pipeline.h"

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
/* An item if one is there, else NULL at once. */
void *pt_queue_try_pop(pt_queue *q);
/* Items in it now (a hint: it may change at once). */
size_t pt_queue_count(pt_queue *q);
void pt_queue_close(pt_queue *q);

/* Tests: off, every input's plan is decided on the reading thread, the reference that
 * classify_whole_input (pipeline.c) must agree with; on by default. */
void pt_scan_set_plan_in_worker(pt_scan *s, bool on);

#endif
