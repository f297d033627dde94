/* queue.c - the bounded queue between the reader and the workers (and the pool of
 * free chunk buffers going back). Bounded, so memory stays fixed whatever the input. */
#include <stdlib.h>

#include "internal.h"

void pt_queue_init(pt_queue *q, size_t cap)
{
    q->items = pt_xcalloc(cap, sizeof *q->items);
    q->cap = cap;
    q->head = q->count = 0;
    q->closed = false;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
}

void pt_queue_destroy(pt_queue *q)
{
    free(q->items);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

void pt_queue_push(pt_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->cap) pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count) % q->cap] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

/* The head item, or NULL when empty; with the lock held. */
static void *take_head(pt_queue *q)
{
    if (!q->count) return NULL;
    void *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_cond_signal(&q->not_full);
    return item;
}

void *pt_queue_pop(pt_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed) pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = take_head(q);
    pthread_mutex_unlock(&q->lock);
    return item;
}

void *pt_queue_try_pop(pt_queue *q)
{
    pthread_mutex_lock(&q->lock);
    void *item = take_head(q);
    pthread_mutex_unlock(&q->lock);
    return item;
}

size_t pt_queue_count(pt_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void pt_queue_close(pt_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}
