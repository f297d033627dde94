/* sinks.c - several reports of one result, written at the same time (pitally/report.h).
 *
 * The text, JSON and HTML reports only read the finished result, so each can be written
 * on a thread of its own: the run then ends after the slowest report, not after their
 * sum. What a report writer touches besides its own FILE must therefore be per call
 * (text.c's number buffers, colview.c's sort), which the TSan build checks. Two sinks
 * with one target would interleave their bytes, so then all are written in turn. */
#include "pitally/report.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

typedef struct {
    pt_report_sink *sink;
    const pt_scan_result *r;
    const pt_policy *pol;
    const pt_patterns *ps;
} sink_job;

static void *write_sink(void *arg)
{
    sink_job *j = arg;
    pt_report_sink *s = j->sink;
    s->err[0] = '\0';
    s->rc = pt_report_to_path(s->path, s->fn, j->r, j->pol, j->ps, s->err, sizeof s->err);
    return NULL;
}

/* Standard output, a device or a descriptor: a target two paths can share unseen. */
static bool is_stream(const char *path)
{
    return !strcmp(path, "-") || !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* Whether the sinks can be written at once: no two on one target. */
static bool separate_targets(const pt_report_sink *sinks, size_t n)
{
    size_t streams = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sinks[i].path) continue;
        streams += is_stream(sinks[i].path);
        for (size_t k = 0; k < i; k++)
            if (sinks[k].path && !strcmp(sinks[k].path, sinks[i].path)) return false;
    }
    return streams <= 1;
}

size_t pt_reports_to_paths(pt_report_sink *sinks, size_t n, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps)
{
    enum { MAX_SINKS = 8 };
    sink_job jobs[MAX_SINKS];
    pthread_t threads[MAX_SINKS];
    bool started[MAX_SINKS] = {false};
    bool at_once = n <= MAX_SINKS && separate_targets(sinks, n);
    size_t last = n;   /* the last sink with a path: written on this thread */
    for (size_t i = 0; i < n; i++) {
        sinks[i].rc = 0;
        sinks[i].err[0] = '\0';
        if (sinks[i].path) last = i;
    }
    for (size_t i = 0; i < n; i++) {
        if (!sinks[i].path) continue;
        sink_job job = {&sinks[i], r, pol, ps};
        if (at_once && i != last) {
            jobs[i] = job;
            started[i] = pthread_create(&threads[i], NULL, write_sink, &jobs[i]) == 0;
            if (started[i]) continue;
        }
        write_sink(&job);   /* in turn, the last one, or no thread could be made */
    }
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < MAX_SINKS && started[i]) pthread_join(threads[i], NULL);
        if (sinks[i].path && sinks[i].rc != 0) failed++;
    }
    return failed;
}
