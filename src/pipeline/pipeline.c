/* pipeline.c - the scan driver.
 *
 *   reader (this thread)            workers (N threads)
 *   source: read/inflate/decode     pt_reciter: records and fields
 *   detect dialect and header       pt_scanner: classify each record
 *   cut at record boundaries  --->  tally locally, then once per chunk:
 *   (bounded queue of chunks)       fingerprints into the shared sets, counts merged
 *
 * Chunk buffers come from a fixed pool and go back to it, so memory is bounded by
 * (pool size x chunk size) whatever the input size; the dedup sets are the only thing
 * that grows. Inputs are scanned one after another (the fingerprint set needs that to
 * tell "new in this input" from "new in this run"): the reader waits for the workers to
 * drain an input before it starts the next. Every count is a sum or a set size, so the
 * report does not depend on the number of threads or on timing.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define DEFAULT_CHUNK (1u << 20)
#define DEFAULT_MAX_RECORD (16u << 20)
#define SAMPLE_BYTES (64u << 10)

typedef struct {
    char *buf;
    size_t cap, len;
    pt_chunk_view view;
    uint32_t input_no;
    pt_input_result *res;
} chunk;

typedef struct {
    const pt_scan_options *o;
    const pt_patterns *ps;
    const pt_policy *pol;
    pt_scan_result *r;
    pt_queue work, pool;
    pt_fpset *pieces;
    pt_hashset *subjects;
    pthread_mutex_t merge_lock;
    pthread_cond_t drained;
    size_t in_flight;            /* chunks handed out and not merged yet */
    pt_counts run_distinct;      /* distinct across the run, by tier */
    atomic_uint_fast64_t records_done;
} scan_ctx;

typedef struct {
    scan_ctx *ctx;
    pthread_t thread;
    pt_reciter *it;
    pt_scanner *scanner;
    uint64_t *matched, *rejected;
    pt_samples samples;
    pt_fp_item *fps;
    uint64_t *subjects;
    size_t fps_cap, subjects_cap;
} worker;

/* ---- workers ---- */

static void push_fp(worker *w, size_t *n, const pt_record_class *cls, int tier)
{
    if (*n == w->fps_cap) {
        w->fps_cap = w->fps_cap ? w->fps_cap * 2 : 4096;
        w->fps = pt_xrealloc(w->fps, w->fps_cap * sizeof *w->fps);
    }
    pt_fp_item *it = &w->fps[(*n)++];
    it->fp[0] = cls->fp[0];
    it->fp[1] = cls->fp[1];
    it->tier = (uint8_t)tier;
}

static void push_subject(worker *w, size_t *n, uint64_t h)
{
    if (*n == w->subjects_cap) {
        w->subjects_cap = w->subjects_cap ? w->subjects_cap * 2 : 4096;
        w->subjects = pt_xrealloc(w->subjects, w->subjects_cap * sizeof *w->subjects);
    }
    w->subjects[(*n)++] = h;
}

static void tally_record(worker *w, const pt_record_class *cls, pt_counts *local, size_t *n_fps,
                         size_t *n_subjects)
{
    local->records++;
    for (uint64_t m = cls->categories; m; m &= m - 1) local->categories[__builtin_ctzll(m)]++;
    if (!cls->piece) return;
    int tier = cls->tier >= 0 ? cls->tier : (int)w->ctx->pol->n_tiers - 1;
    local->pieces.raw++;
    local->tiers[tier].raw++;
    push_fp(w, n_fps, cls, tier);
    if (cls->has_subject) push_subject(w, n_subjects, cls->subject);
}

/* Dedup the chunk's pieces against the shared sets and merge its counts. */
static void merge_chunk(worker *w, chunk *c, pt_counts *local, size_t n_fps, size_t n_subjects,
                        pt_errlist *errs)
{
    scan_ctx *ctx = w->ctx;
    pt_counts run = {0};
    pt_fpset_insert_batch(ctx->pieces, c->input_no, w->fps, n_fps);
    for (size_t i = 0; i < n_fps; i++) {
        const pt_fp_item *it = &w->fps[i];
        if (it->new_in_input) {
            local->pieces.distinct++;
            local->tiers[it->tier].distinct++;
        }
        if (it->new_in_run) {
            run.pieces.distinct++;
            run.tiers[it->tier].distinct++;
        }
    }
    pt_hashset_insert_batch(ctx->subjects, w->subjects, n_subjects);
    pthread_mutex_lock(&ctx->merge_lock);
    pt_counts_add(&c->res->counts, local);
    pt_counts_add(&ctx->run_distinct, &run);
    pt_errlist_move(&c->res->errors, errs);
    if (--ctx->in_flight == 0) pthread_cond_broadcast(&ctx->drained);
    pthread_mutex_unlock(&ctx->merge_lock);
    atomic_fetch_add(&ctx->records_done, local->records);
}

static void scan_chunk(worker *w, chunk *c)
{
    pt_counts local = {0};
    pt_errlist errs = {0};
    size_t n_fps = 0, n_subjects = 0;
    pt_record rec;
    pt_record_class cls;
    pt_reciter_reset(w->it, &c->view);
    pt_scanner_set_samples(w->scanner, &w->samples, c->input_no);
    int rc;
    while ((rc = pt_reciter_next(w->it, &rec)) != 0) {
        if (rc < 0) {
            const char *kind, *msg;
            uint64_t off;
            pt_reciter_error(w->it, &kind, &msg, &off);
            pt_errlist_add(&errs, kind, off, "%s", msg);
            continue;
        }
        pt_scanner_classify(w->scanner, &rec, &cls, w->matched, w->rejected);
        tally_record(w, &cls, &local, &n_fps, &n_subjects);
    }
    merge_chunk(w, c, &local, n_fps, n_subjects, &errs);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    chunk *c;
    while ((c = pt_queue_pop(&w->ctx->work)) != NULL) {
        scan_chunk(w, c);
        pt_queue_push(&w->ctx->pool, c);
    }
    return NULL;
}

/* ---- reader ---- */

typedef struct {
    scan_ctx *ctx;
    pt_source *src;
    pt_input_result *res;
    pt_errlist *errs;       /* the reader's own errors for this input (workers use res->errors) */
    uint32_t input_no;
    pt_splitter *splitter;
    pt_columns header;
    pt_dialect dialect;
    uint64_t offset;        /* decoded-text offset of the next chunk */
    bool eof;
    char *carry;
    size_t carry_len, carry_cap;
    size_t chunk_target, max_record;
    uint64_t bytes_before;  /* bytes of earlier inputs, for progress */
    pt_progress *progress;
} reader;

static void ensure_cap(chunk *c, size_t want)
{
    if (c->cap >= want) return;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < want) cap *= 2;
    c->buf = pt_xrealloc(c->buf, cap);
    c->cap = cap;
}

/* Read until the chunk holds at least want bytes or the input ends. The source never
 * splits a UTF-8 sequence, so it may stop a few bytes short of what was asked and
 * returns 0 for a tiny buffer: always offer it READ_SLACK bytes more than needed, and
 * take only a 0 from a buffer that large as the end of the input. */
#define READ_SLACK 64
static void fill(reader *rd, chunk *c, size_t want)
{
    ensure_cap(c, want + READ_SLACK);
    while (!rd->eof && c->len < want) {
        size_t n = pt_source_read(rd->src, c->buf + c->len, c->cap - c->len);
        if (n == 0) rd->eof = true;
        c->len += n;
    }
}

static chunk *take_chunk(reader *rd)
{
    chunk *c = pt_queue_pop(&rd->ctx->pool);
    c->len = 0;
    /* a buffer grown for one long record goes back to the usual size, so that a few long
     * records cannot leave every pooled buffer at the record cap */
    if (c->cap > 4 * (rd->chunk_target + READ_SLACK)) {
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
    }
    ensure_cap(c, rd->carry_len + rd->chunk_target + READ_SLACK);
    if (rd->carry_len) memcpy(c->buf, rd->carry, rd->carry_len);
    c->len = rd->carry_len;
    rd->carry_len = 0;
    return c;
}

static void keep_carry(reader *rd, const char *p, size_t n)
{
    rd->carry_len = n;
    if (n == 0) return;
    if (n > rd->carry_cap) {
        rd->carry_cap = n;
        rd->carry = pt_xrealloc(rd->carry, n);
    }
    memcpy(rd->carry, p, n);
}

static void dispatch(reader *rd, chunk *c, size_t len, const pt_sql_table *tables)
{
    scan_ctx *ctx = rd->ctx;
    c->input_no = rd->input_no;
    c->res = rd->res;
    c->view = (pt_chunk_view){c->buf, len, rd->offset, rd->dialect,
                              rd->header.n ? &rd->header : NULL, tables};
    rd->offset += len;
    pthread_mutex_lock(&ctx->merge_lock);
    ctx->in_flight++;
    pthread_mutex_unlock(&ctx->merge_lock);
    pt_queue_push(&ctx->work, c);
}

/* Where to cut a buffer that holds no record boundary and has reached the record cap:
 * after its last newline if any (this is how an unterminated CSV quote recovers),
 * else all of it. */
static size_t forced_cut(const char *buf, size_t len)
{
    const char *nl = memrchr(buf, '\n', len);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

static void detect_layout(reader *rd, chunk *c)
{
    const pt_scan_options *o = rd->ctx->o;
    fill(rd, c, SAMPLE_BYTES);
    rd->dialect = pt_detect_dialect(c->buf, c->len, rd->eof, o->dialect);
    size_t skip = pt_detect_header(&rd->dialect, c->buf, c->len, rd->eof, o->header, &rd->header);
    if (skip > c->len) skip = c->len;
    memmove(c->buf, c->buf + skip, c->len - skip);
    c->len -= skip;
    rd->offset = skip;
}

static void read_chunks(reader *rd)
{
    chunk *c = take_chunk(rd);
    detect_layout(rd, c);
    rd->splitter = pt_splitter_new(&rd->dialect);
    for (;;) {
        fill(rd, c, rd->chunk_target > c->len ? rd->chunk_target : c->len);
        const pt_sql_table *tables = pt_splitter_tables(rd->splitter);
        size_t cut = pt_splitter_cut(rd->splitter, c->buf, c->len, rd->eof);
        if (cut == 0 && !rd->eof && c->len < rd->max_record) {
            fill(rd, c, c->len * 2 < rd->max_record ? c->len * 2 : rd->max_record);
            continue;
        }
        if (cut == 0 && !rd->eof) {
            cut = forced_cut(c->buf, c->len);
            pt_errlist_add(rd->errs, "record_too_long", rd->offset,
                           "no record boundary within %zu bytes; cut at byte %llu", rd->max_record,
                           (unsigned long long)(rd->offset + cut));
        }
        keep_carry(rd, c->buf + cut, c->len - cut);
        if (cut) dispatch(rd, c, cut, tables);
        else pt_queue_push(&rd->ctx->pool, c);
        pt_progress_update(rd->progress, rd->bytes_before + pt_source_bytes_in(rd->src),
                           atomic_load(&rd->ctx->records_done));
        if (rd->eof && rd->carry_len == 0) break;
        c = take_chunk(rd);
    }
}

static void wait_drained(scan_ctx *ctx)
{
    pthread_mutex_lock(&ctx->merge_lock);
    while (ctx->in_flight) pthread_cond_wait(&ctx->drained, &ctx->merge_lock);
    pthread_mutex_unlock(&ctx->merge_lock);
}

static void set_unread_names(pt_input_result *res)
{
    res->compression = "none";
    res->encoding = "utf-8";
    res->format = "lines";
}

/* Scan one input; returns whether it could be opened. The source's own errors are
 * collected apart and joined once the workers are done with this input. */
static bool scan_input(scan_ctx *ctx, uint32_t no, reader *rd)
{
    pt_input_result *res = &ctx->r->inputs[no];
    pt_errlist source_errs = {0};
    pt_source *src = pt_source_open_with(res->path, &ctx->o->source, &source_errs);
    if (!src) {
        res->readable = false;
        set_unread_names(res);
        pt_errlist_move(&res->errors, &source_errs);
        return false;
    }
    res->readable = true;
    rd->src = src;
    rd->res = res;
    rd->errs = &source_errs;
    rd->input_no = no;
    rd->eof = false;
    rd->offset = 0;
    rd->carry_len = 0;
    memset(&rd->header, 0, sizeof rd->header);
    read_chunks(rd);
    wait_drained(ctx);
    res->bytes = pt_source_bytes_in(src);
    res->compression = pt_compression_name(pt_source_compression(src));
    res->encoding = pt_encoding_name(pt_source_encoding(src));
    res->format = pt_format_name(rd->dialect.format);
    pt_errlist_move(&res->errors, &source_errs);
    pt_splitter_free(rd->splitter);
    rd->splitter = NULL;
    pt_columns_free(&rd->header);
    pt_source_close(src);
    rd->src = NULL;
    rd->bytes_before += res->bytes;
    return true;
}

/* ---- the run ---- */

static uint64_t known_total_bytes(const pt_path_list *paths)
{
    uint64_t total = 0;
    for (size_t i = 0; i < paths->n; i++) {
        struct stat sb;
        if (!paths->v[i].unreadable && stat(paths->v[i].path, &sb) == 0 && S_ISREG(sb.st_mode))
            total += (uint64_t)sb.st_size;
    }
    return total;
}

static void start_workers(scan_ctx *ctx, worker *ws, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        worker *w = &ws[i];
        memset(w, 0, sizeof *w);
        w->ctx = ctx;
        w->it = pt_reciter_new();
        w->scanner = pt_scanner_new(ctx->ps, ctx->pol);
        w->matched = pt_xcalloc(ctx->ps->n, sizeof *w->matched);
        w->rejected = pt_xcalloc(ctx->ps->n, sizeof *w->rejected);
        pt_samples_init(&w->samples, ctx->ps->n);
        pthread_create(&w->thread, NULL, worker_main, w);
    }
}

static void stop_workers(scan_ctx *ctx, worker *ws, unsigned n)
{
    pt_queue_close(&ctx->work);
    for (unsigned i = 0; i < n; i++) {
        worker *w = &ws[i];
        pthread_join(w->thread, NULL);
        for (size_t p = 0; p < ctx->ps->n; p++) {
            ctx->r->pattern_matched[p] += w->matched[p];
            ctx->r->pattern_rejected[p] += w->rejected[p];
        }
        pt_samples_merge(&ctx->r->samples, &w->samples);
        pt_samples_free(&w->samples);
        pt_reciter_free(w->it);
        pt_scanner_free(w->scanner);
        free(w->matched);
        free(w->rejected);
        free(w->fps);
        free(w->subjects);
    }
}

static void make_pool(scan_ctx *ctx, unsigned threads, size_t chunk_target)
{
    size_t n = 2 * (size_t)threads + 4;
    pt_queue_init(&ctx->pool, n);
    pt_queue_init(&ctx->work, n);
    for (size_t i = 0; i < n; i++) {
        chunk *c = pt_xcalloc(1, sizeof *c);
        ensure_cap(c, chunk_target);
        pt_queue_push(&ctx->pool, c);
    }
}

static void free_pool(scan_ctx *ctx)
{
    chunk *c;
    pt_queue_close(&ctx->pool);
    while ((c = pt_queue_pop(&ctx->pool)) != NULL) {
        free(c->buf);
        free(c);
    }
    pt_queue_destroy(&ctx->pool);
    pt_queue_destroy(&ctx->work);
}

/* totals: sums over inputs, except distinct counts, which are deduplicated across the run */
static void sum_totals(scan_ctx *ctx)
{
    pt_scan_result *r = ctx->r;
    memset(&r->totals, 0, sizeof r->totals);
    r->total_bytes = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        pt_counts_add(&r->totals, &r->inputs[i].counts);
        r->total_bytes += r->inputs[i].bytes;
    }
    r->totals.pieces.distinct = ctx->run_distinct.pieces.distinct;
    for (int t = 0; t < PT_MAX_TIERS; t++) r->totals.tiers[t].distinct = ctx->run_distinct.tiers[t].distinct;
    r->subjects = pt_hashset_size(ctx->subjects);
}

size_t pt_scan(const char *const *paths, size_t n_paths, const pt_scan_options *o,
               const pt_patterns *ps, const pt_policy *pol, pt_scan_result *r)
{
    double started = pt_now();
    unsigned threads = o->threads ? o->threads : 1;
    memset(r, 0, sizeof *r);
    r->threads = threads;
    r->facts = o->facts;
    r->pattern_matched = pt_xcalloc(ps->n, sizeof *r->pattern_matched);
    r->pattern_rejected = pt_xcalloc(ps->n, sizeof *r->pattern_rejected);
    pt_samples_init(&r->samples, ps->n);

    pt_path_list list;
    pt_paths_expand(paths, n_paths, &list);
    r->n_inputs = list.n;
    r->inputs = pt_xcalloc(list.n, sizeof *r->inputs);

    scan_ctx ctx = {.o = o, .ps = ps, .pol = pol, .r = r};
    pthread_mutex_init(&ctx.merge_lock, NULL);
    pthread_cond_init(&ctx.drained, NULL);
    atomic_init(&ctx.records_done, 0);
    ctx.pieces = pt_fpset_new();
    ctx.subjects = pt_hashset_new();
    size_t chunk_target = o->chunk_size ? o->chunk_size : DEFAULT_CHUNK;
    make_pool(&ctx, threads, chunk_target);
    worker *ws = pt_xcalloc(threads, sizeof *ws);
    start_workers(&ctx, ws, threads);

    pt_progress progress;
    pt_progress_init(&progress, o->progress, known_total_bytes(&list));
    reader rd = {.ctx = &ctx, .chunk_target = chunk_target, .progress = &progress,
                 .max_record = o->max_record ? o->max_record : DEFAULT_MAX_RECORD};
    if (rd.max_record < chunk_target) rd.max_record = chunk_target;
    size_t readable = 0;
    for (size_t i = 0; i < list.n; i++) {
        pt_input_result *res = &r->inputs[i];
        res->path = list.v[i].path;
        list.v[i].path = NULL;
        pt_errlist_move(&res->errors, &list.v[i].errors);
        if (list.v[i].unreadable) {
            set_unread_names(res);
            continue;
        }
        readable += scan_input(&ctx, (uint32_t)i, &rd);
    }
    pt_progress_finish(&progress);
    stop_workers(&ctx, ws, threads);
    free(ws);
    free(rd.carry);
    free_pool(&ctx);

    for (size_t i = 0; i < r->n_inputs; i++) pt_errlist_sort(&r->inputs[i].errors);
    sum_totals(&ctx);
    uint64_t distinct[PT_MAX_TIERS];
    for (int t = 0; t < PT_MAX_TIERS; t++) distinct[t] = r->totals.tiers[t].distinct;
    pt_verdict_compute(pol, distinct, &o->facts, &r->verdict);

    pt_fpset_free(ctx.pieces);
    pt_hashset_free(ctx.subjects);
    pthread_mutex_destroy(&ctx.merge_lock);
    pthread_cond_destroy(&ctx.drained);
    pt_paths_free(&list);
    r->elapsed_s = pt_now() - started;
    return readable;
}
