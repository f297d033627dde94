/* pipeline.c - the scan engine (pitally/pipeline.h).
 *
 *   pt_scan_input (caller's thread)   workers (N threads)            commit (one at a time)
 *   source: read/inflate/decode/hash  pt_reciter: records, fields    in chunk order:
 *   detect dialect and header   --->  pt_scanner: classify     --->  dedup into the tally,
 *   cut at record boundaries          tier by policy, local          counts, piece sink,
 *   (bounded queue of chunks)         counts and fingerprints        release the input
 *
 * Chunk buffers come from a fixed pool and go back to it after their commit, so memory
 * is bounded by (pool size x chunk size) whatever the input size, plus a pool of small
 * chunks (SMALL_CHUNK) that only small inputs take; the dedup sets are the only thing
 * that grows.
 *
 * Why commit in order: "distinct within an input" and "distinct in the run" come from
 * one fingerprint set whose slots remember the last input that inserted them (fpset.c),
 * which is exact only if each input's pieces go in before the next input's. The old
 * driver got that by draining the workers after every input, which left the cores idle
 * at each small file. Now every chunk gets a sequence number when it is cut, workers
 * classify chunks in any order, and a chunk is committed only after all chunks before
 * it: whichever worker finishes the chunk at the head commits it and every finished
 * chunk behind it (like zstdmt's ordered flush), while the others go on classifying.
 * The classification, the costly part, runs in parallel; the commit (a batch insert
 * into the sets) is serial but short. A small input read whole is hashed by the worker
 * of its last chunk, not the reader (hand_raw). Per-input state (the header, the SQL tables the
 * chunks point into) lives in a reference-counted input_ctx freed by the last commit.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../records/split_internal.h"
#include "internal.h"

#define DEFAULT_CHUNK (1u << 20)
#define DEFAULT_MAX_RECORD (16u << 20)
#define SAMPLE_BYTES (64u << 10)
/* A small input (plain, at most this big on disk) may go in a small chunk: one of
 * SMALL_PER_POOL times the pool's count more, with buffers of this size (they grow
 * if the text turns out longer, and shrink back when reused). */
#define SMALL_INPUT (64u << 10)
#define SMALL_CHUNK SMALL_INPUT
#define SMALL_PER_POOL 3

/* One logical input while its chunks are in flight. */
typedef struct {
    uint32_t no;
    pt_input_result *res;
    uint64_t declared;
    pt_columns header;
    pt_splitter *splitter;     /* the chunks' views point at its SQL tables */
    pt_errlist reader_errs;    /* the source's and the cutter's; joined at release */
    uint64_t text_bytes;       /* of decoded text, header included (set by the reader) */
    uint64_t record_bytes;     /* of that text that records and their separators cover */
    uint64_t lines_before;     /* newlines before the next chunk to commit: lines of
                                  samples, errors and pieces are the chunk's plus these */
    atomic_uint refs;          /* the reader's, and one per chunk not yet committed */
    /* column-level evidence (columns.h), NULL for plain lines: the sample's decisions,
     * and the input's column counts, merged at each commit */
    pt_colstats *plan, *cols;
    bool plan_in_worker;       /* its sample is all of it, in one chunk: the worker that
                                  classifies it decides its plan (classify_whole_input) */
    bool part;                 /* one part of a split input: the whole input's judgments
                                  (no records, text outside records) are the merge's */
} input_ctx;

/* What a piece sink is told of a piece beyond its fingerprint: kept per chunk until
 * the commit, with what the sink's prepare wrote, and the accepted values copied into
 * the chunk's arena when it wants them. */
typedef struct {
    uint64_t offset, categories;
    uint64_t fp[2];            /* the plain fingerprint: the sets get it enciphered */
    uint64_t line_in_chunk;    /* newlines between the chunk's start and the record */
    size_t first_match, n_matches;
    size_t prepared_at, prepared_len;   /* in the chunk's prepared bytes */
} piece_note;

typedef struct {
    uint32_t pattern;
    size_t at, len;            /* in the chunk's value arena */
} note_match;

typedef struct {
    char *buf;                 /* the text: alloc, or past a header left in front of it */
    size_t cap, len;           /* cap: from buf to the allocation's end */
    char *alloc;               /* the buffer's allocation (see skip_header) */
    bool small;                /* from the small pool (see make_pool) */
    pt_chunk_view view;
    input_ctx *in;
    uint64_t seq;
    /* what classifying it found, committed in seq order */
    pt_counts local;
    pt_errlist errs;
    pt_fp_item *fps;
    size_t n_fps, fps_cap;
    uint64_t *subjects;
    size_t n_subjects, subjects_cap;
    uint8_t *key_scratch;      /* 16 bytes per fingerprint or subject, to encipher them */
    size_t key_scratch_cap;
    piece_note *notes;         /* [n_fps], only with a piece sink */
    size_t notes_cap;
    note_match *matches;
    size_t n_matches, matches_cap;
    char *arena;               /* the values of the matches */
    size_t arena_len, arena_cap;
    pt_piece_bytes prepared;   /* what the sink's prepare wrote for the pieces */
    uint64_t record_bytes;     /* of its text in records (see input_ctx) */
    size_t line_pos;           /* newlines counted up to here */
    uint64_t lines;            /* newlines in buf[0, line_pos) */
    pt_samples samples;        /* its first values per pattern, lines counted in the chunk;
                                  filed in the tally at the commit, when the line of the
                                  chunk's start is known */
    pt_samples rejects;        /* its first rejected values per pattern (a sink wants them) */
    pt_colstats *cols;         /* its column counts and doubt (when in->cols) */
    bool raw_in_buf;           /* alloc[0, raw_len) is its input's raw bytes, header and
                                  all, for its worker to hash (hand_raw) */
    size_t raw_len;
} chunk;

typedef struct {
    pt_scan *scan;
    pthread_t thread;
    pt_reciter *it;
    pt_scanner *scanner;
    uint64_t *matched, *rejected;
    /* classify_whole_input: the plan of the last whole input this worker classified,
     * the next one's guess, and the counters of a pass that may be thrown away */
    pt_colstats *guess;
    uint64_t *try_matched, *try_rejected;
    /* the skipped patterns its shadow counts on every field (pt_scanner_set_shadow_needed),
     * worked out from the last input shadowed in full; shadow_full: count them all */
    bool shadow_full;
    size_t words;
    uint64_t *needed, *skipped, *unknown, *rel;
    uint64_t *cands;           /* per column of the input, pt_scanner_key_patterns */
    size_t cands_cap;
    pt_digest *digest;         /* hash_raw's, made on first use */
} worker;

struct pt_scan {
    pt_scan_options o;
    const pt_patterns *ps;
    const pt_policy *pol;
    pt_tally *tally;
    pt_casekey key;            /* the sets hold fingerprints enciphered under it */
    uint64_t order;            /* of the inputs that follow (pt_scan_set_order) */
    pt_queue work, pool;
    /* small_pool: more chunks for small inputs, so that as many bytes of work can be in
     * flight for 10,000 small files as for one big one. In flight, chunks wait for the
     * commit of the oldest one; with only pool_n of them (a few ms of work when each
     * is one small file) a worker held up by the host stalls the others and the
     * reader, where pool_n chunks of a big file are tens of ms. */
    pt_queue small_pool;
    size_t pool_n, small_n, ring_n;   /* ring_n: all chunks, pool_n + small_n */
    chunk **ready;             /* finished, not committed: [seq % ring_n] */
    /* the prepared rows of a piece sink, not in use (under commit_lock): most of what
     * a chunk holds with --evidence (~3x its text), so a chunk takes a buffer when it is
     * classified and gives it back at its commit. Only the chunks in between hold one
     * (the workers', those waiting for an earlier commit), not the whole pool. */
    pt_piece_bytes *spare;
    size_t n_spare;
    uint64_t next_seq;         /* the reader's */
    uint64_t next_commit;
    bool committing;
    pthread_mutex_t commit_lock;
    pthread_cond_t committed;
    atomic_uint_fast64_t records_done;
    worker *workers;
    unsigned n_workers;
    size_t chunk_target, max_record;
    char *carry;
    size_t carry_cap;
    void (*on_progress)(void *ctx, uint64_t input_bytes_in, uint64_t records_done);
    void *progress_ctx;
    void (*on_reject)(void *ctx, const pt_rejected_event *e);
    void *reject_ctx;
    /* [pattern]: the run's list of samples is full (set by the commit, never cleared):
     * a value of a later chunk can no longer make it in (file_lines), so the chunks
     * classified from then on do not look for them (start_lists) */
    atomic_uchar *samples_full;
    pt_reciter *sample_it;     /* the reader's, for the column sample (columns_sample) */
    pt_scanner *sample_scanner;
    bool plan_in_worker;       /* classify_whole_input may run (pt_colplan_shadow_exact) */
};

/* ---- per-input state ---- */

static void input_release(pt_scan *s, input_ctx *in)
{
    if (atomic_fetch_sub(&in->refs, 1) != 1) return;
    pt_input_result *res = in->res;
    pt_errlist_move(&res->errors, &in->reader_errs);
    if (in->part) {
        /* judged on the whole input when its parts are merged (pt_input_judge) */
        res->text_bytes = in->text_bytes;
        res->record_bytes = in->record_bytes;
    } else {
        pt_input_judge(res, in->text_bytes, in->record_bytes);
    }
    pt_errlist_sort(&res->errors);
    pt_colstats_finish(in->cols, in->plan);
    pt_colstats_compact(in->cols);   /* held until the report: no slack (~4.0 -> 1.7 KiB) */
    pt_colstats_free(in->plan);
    res->columns = in->cols;
    pt_splitter_free(in->splitter);
    pt_columns_free(&in->header);
    free(in);
    (void)s;
}

/* ---- workers ---- */

#define GROW_FIRST 4096   /* elements */

static void *grow_array(void *v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return v;
    size_t c = *cap ? *cap : GROW_FIRST;
    while (c < need) c *= 2;
    *cap = c;
    return pt_xrealloc(v, c * size);
}

/* Every chunk is counted whole (the next one's first line depends on it): with AVX2
 * where the CPU has it (src/records/split.c). */
static uint64_t count_newlines(const char *p, size_t n)
{
    return pt_count_newlines(p, n);
}

/* The values the scanner accepted in the record, copied: the chunk's own text may be
 * decoded (JSON escapes) into the scanner's scratch, which the next record reuses. */
static void keep_matches(chunk *c, piece_note *note, const pt_scanner *scanner)
{
    const pt_match *m;
    size_t n = pt_scanner_matches(scanner, &m);
    note->first_match = c->n_matches;
    note->n_matches = n;
    c->matches = grow_array(c->matches, &c->matches_cap, c->n_matches + n, sizeof *c->matches);
    for (size_t i = 0; i < n; i++) {
        c->arena = grow_array(c->arena, &c->arena_cap, c->arena_len + m[i].len + 1, 1);
        memcpy(c->arena + c->arena_len, m[i].value, m[i].len);
        c->matches[c->n_matches++] = (note_match){m[i].pattern, c->arena_len, m[i].len};
        c->arena_len += m[i].len;
    }
}

/* Newlines between the chunk's start and offset (in the input's decoded text), counted
 * from where the last question left off: records come in order, so each byte is
 * counted about once. */
static uint64_t lines_to(chunk *c, uint64_t offset)
{
    size_t rel = offset < c->view.offset ? 0 : (size_t)(offset - c->view.offset);
    if (rel > c->view.len) rel = c->view.len;
    if (rel > c->line_pos) c->lines += count_newlines(c->buf + c->line_pos, rel - c->line_pos);
    else c->lines -= count_newlines(c->buf + rel, c->line_pos - rel);
    c->line_pos = rel;
    return c->lines;
}

/* The newlines before a record's start are counted while its text is still in cache:
 * the chunk's count (the next chunk's first line) is then not a second pass over a
 * megabyte that has left the cache (~3 misses a record). In steps of LINE_STEP bytes, so
 * the count's call is amortized; every later question is at or past offset. */
#define LINE_STEP 4096
static inline void count_lines_behind(chunk *c, uint64_t offset)
{
    if (offset - c->view.offset >= c->line_pos + LINE_STEP) lines_to(c, offset);
}

/* A line within the chunk, from 1 (the scanner's sample lines): the commit adds the
 * lines before the chunk. */
static uint64_t chunk_line_of(void *ctx, uint64_t offset)
{
    return lines_to(ctx, offset) + 1;
}

/* The sink's share of the piece, on the worker: what it prepares, and the values when
 * it wants them at the commit. */
static void note_for_sink(pt_scan *s, chunk *c, piece_note *note, int tier,
                          const pt_scanner *scanner)
{
    const pt_piece_sink *sink = s->o.pieces;
    bool keep = true;
    note->prepared_at = c->prepared.len;
    if (sink->prepare) {
        const pt_match *m;
        size_t n = pt_scanner_matches(scanner, &m);
        pt_piece_event e = {.input = c->in->no, .input_name = c->in->res->path,
                            .offset = note->offset, .categories = note->categories,
                            .tier = tier, .fp = {note->fp[0], note->fp[1]}, .matches = m,
                            .n_matches = n};
        keep = sink->prepare(sink->ctx, &e, &c->prepared);
    }
    note->prepared_len = c->prepared.len - note->prepared_at;
    if (keep) keep_matches(c, note, scanner);
    else note->first_match = c->n_matches, note->n_matches = 0;
}

static void note_piece(pt_scan *s, chunk *c, const pt_record_class *cls, uint64_t categories,
                       int tier, uint64_t offset, const pt_scanner *scanner)
{
    c->fps = grow_array(c->fps, &c->fps_cap, c->n_fps + 1, sizeof *c->fps);
    pt_fp_item *it = &c->fps[c->n_fps];
    it->fp[0] = cls->fp[0];
    it->fp[1] = cls->fp[1];
    it->tier = (uint8_t)tier;
    it->order = (uint32_t)c->n_fps;
    if (s->o.pieces) {
        c->notes = grow_array(c->notes, &c->notes_cap, c->n_fps + 1, sizeof *c->notes);
        piece_note *note = &c->notes[c->n_fps];
        *note = (piece_note){.offset = offset, .categories = categories,
                             .fp = {cls->fp[0], cls->fp[1]}};
        note->line_in_chunk = lines_to(c, offset);
        note_for_sink(s, c, note, tier, scanner);
    }
    c->n_fps++;
    if (cls->has_subject) {
        c->subjects = grow_array(c->subjects, &c->subjects_cap, c->n_subjects + 1,
                                 sizeof *c->subjects);
        c->subjects[c->n_subjects++] = cls->subject;
    }
}

/* The policy, not the classifier, gives the tier: declared categories join the
 * detected ones here, so --tier and --declare act in one place. */
static void tally_record(pt_scan *s, chunk *c, const pt_record_class *cls, uint64_t offset,
                         const pt_scanner *scanner)
{
    c->local.records++;
    for (uint64_t m = cls->categories; m; m &= m - 1) c->local.categories[__builtin_ctzll(m)]++;
    if (!cls->piece && cls->doubt_pattern < 0) return;
    uint64_t categories = cls->categories | c->in->declared;
    int tier = pt_policy_tier_of_mask(s->pol, categories);
    if (tier < 0) tier = (int)s->pol->n_tiers - 1;
    if (cls->doubt_pattern >= 0 && c->in->cols)   /* column-level evidence: the other reading */
        pt_colstats_note_record(c->cols, s->pol, cls, c->in->declared, cls->piece ? tier : -1);
    if (!cls->piece) return;
    c->local.pieces.raw++;
    c->local.tiers[tier].raw++;
    note_piece(s, c, cls, categories, tier, offset, scanner);
}

/* Only enciphered fingerprints reach the sets (casekey.c): done here, in parallel,
 * one libcrypto call per chunk for each kind. */
static void encipher_chunk(pt_scan *s, chunk *c)
{
    size_t n = c->n_fps > c->n_subjects ? c->n_fps : c->n_subjects;
    c->key_scratch = grow_array(c->key_scratch, &c->key_scratch_cap, n, 16);
    pt_casekey_pieces(&s->key, c->fps, c->n_fps, c->key_scratch);
    pt_casekey_subjects(&s->key, c->subjects, c->n_subjects, c->key_scratch);
}

/* An empty list of per pattern first values, with room for per of each. */
static void empty_list(pt_samples *l, size_t n_patterns, uint8_t per)
{
    if (l->n_patterns != n_patterns || l->per != per) {
        pt_samples_free(l);
        pt_samples_init_per(l, n_patterns, per);
    }
    memset(l->count, 0, n_patterns);
}

/* A pattern whose run list is full wants nothing more: inputs are numbered and their
 * chunks committed in order, so every value of a chunk committed after the list filled
 * comes after the list's last sample. Its chunk list is made to look full with a last
 * sample at (0, 0), before which nothing comes (pt_samples_wants), and file_lines
 * skips it: no value is masked or its line counted for nothing. */
static void skip_full_samples(pt_scan *s, pt_samples *l)
{
    if (!l->per) return;
    for (size_t p = 0; p < l->n_patterns; p++) {
        if (!atomic_load_explicit(&s->samples_full[p], memory_order_relaxed)) continue;
        l->count[p] = l->per;
        pt_sample *last = &l->v[p * l->per + l->per - 1];
        last->input = 0;
        last->offset = 0;
    }
}

/* The chunk's own lists of samples and rejected values, which its commit files (their
 * lines need the lines before the chunk, known only then). */
static void start_lists(pt_scan *s, worker *w, chunk *c)
{
    empty_list(&c->samples, s->ps->n, PT_SAMPLES_PER_PATTERN);
    skip_full_samples(s, &c->samples);
    pt_scanner_set_samples(w->scanner, &c->samples, c->in->no);
    pt_scanner_set_sample_lines(w->scanner, chunk_line_of, c);
    if (!s->on_reject) return;
    empty_list(&c->rejects, s->ps->n, PT_REJECTS_PER_PATTERN);
    pt_scanner_set_rejects(w->scanner, &c->rejects);
}

static void classify_records(worker *w, chunk *c, const pt_colstats *plan)
{
    pt_scan *s = w->scan;
    memset(&c->local, 0, sizeof c->local);
    c->n_fps = c->n_subjects = c->n_matches = c->arena_len = c->line_pos = 0;
    c->prepared.len = 0;   /* a whole input classified again starts its rows afresh */
    c->lines = c->record_bytes = 0;
    pt_record rec;
    pt_record_class cls;
    pt_reciter_reset(w->it, &c->view);
    start_lists(s, w, c);
    if (c->in->cols) {
        if (!c->cols) c->cols = pt_colstats_new(false);
        pt_colstats_reset(c->cols, c->in->cols);
    }
    pt_scanner_set_columns(w->scanner, plan, c->in->cols ? c->cols : NULL);
    int rc;
    while ((rc = pt_reciter_next(w->it, &rec)) != 0) {
        if (rc < 0) {
            const char *kind, *msg;
            uint64_t off;
            pt_reciter_error(w->it, &kind, &msg, &off);
            pt_errlist_add(&c->errs, kind, off, "%s", msg);
            c->errs.v[c->errs.n - 1].line = chunk_line_of(c, off);   /* the commit adds the rest */
            continue;
        }
        uint64_t end = pt_reciter_pos(w->it);
        c->record_bytes += end > rec.offset ? end - rec.offset : 0;
        count_lines_behind(c, rec.offset);
        pt_scanner_classify(w->scanner, &rec, &cls, w->matched, w->rejected);
        tally_record(s, c, &cls, rec.offset, w->scanner);
    }
    lines_to(c, c->view.offset + c->view.len);   /* the next chunk's first line */
    pt_scanner_set_columns(w->scanner, NULL, NULL);   /* the chunk's column counts complete */
}

/* An input its column sample covers whole, in one chunk. The reader would classify
 * its records twice: once as the sample, to decide the plan, and once to count under
 * it. Instead its worker classifies them once under a guess at the plan, the plan of
 * the last such input it classified (for a directory of files of one layout, the
 * right one), with shadow on: the patterns the guess skips still run, for the
 * sample's column counts. The plan those counts decide is the input's. If it is the
 * guess, the pass counted what a pass under it counts, and stands; else the records
 * are classified again under it. Either way the result is the reader's, exactly
 * (pt_colplan_shadow_exact); the guess changes only the time taken.
 *
 * Most skipped patterns decide nothing in a given layout (the time column's roles in a
 * table with no coordinates, no party, no duration), and were most of the shadow's
 * cost. After an input shadowed in full, the worker keeps the few whose counts matter
 * (pt_colplan_shadow_needed); the next inputs count only those, and their pass stands
 * if pt_colplan_relevant finds every other one irrelevant to the plan of their own
 * counts; else the pass is made again in full. The plan takes the table's columns in
 * the order the reader's sample makes them (pt_colplan_merge_sample_order), which no
 * pattern's count changes. */
static void shadow_pass(worker *w, chunk *c, bool full)
{
    pt_scan *s = w->scan;
    uint64_t *matched = w->matched, *rejected = w->rejected;
    memset(w->try_matched, 0, s->ps->n * sizeof *w->try_matched);
    memset(w->try_rejected, 0, s->ps->n * sizeof *w->try_rejected);
    w->matched = w->try_matched;
    w->rejected = w->try_rejected;
    pt_scanner_set_shadow(w->scanner, true);
    pt_scanner_set_shadow_needed(w->scanner, full ? NULL : w->needed);
    classify_records(w, c, w->guess);
    pt_scanner_set_shadow(w->scanner, false);
    w->matched = matched;
    w->rejected = rejected;
    input_ctx *in = c->in;
    pt_colstats_free(in->plan);
    in->plan = pt_colstats_new(in->cols->by_key);
    pt_colplan_merge_sample_order(in->plan, c->cols);
    in->plan->sample_records = c->local.records;
    pt_colplan_decide(in->plan, s->ps);
}

/* The patterns that may run in each column of the pass's table (rows of w->words). */
static void column_cands(worker *w, const pt_colstats *t)
{
    w->cands = grow_array(w->cands, &w->cands_cap, (t->n ? t->n : 1) * w->words, sizeof *w->cands);
    for (size_t c = 0; c < t->n; c++) {
        uint64_t *row = w->cands + c * w->words;
        if (t->cols[c].key && t->cols[c].key_len >= PT_COLUMN_KEY_MAX)
            memset(row, 0xFF, w->words * sizeof *row);   /* cut: any pattern may */
        else
            pt_scanner_key_patterns(w->scanner, t->cols[c].key, t->cols[c].key_len, row);
    }
}

/* Did a pass with w->needed count every pattern the plan of its table depends on? */
static bool shadow_covered(worker *w, const pt_colstats *t)
{
    for (size_t k = 0; k < w->words; k++) w->unknown[k] = w->skipped[k] & ~w->needed[k];
    column_cands(w, t);
    pt_colplan_relevant(t, w->scan->ps, w->unknown, w->cands, w->rel);
    for (size_t k = 0; k < w->words; k++)
        if (w->rel[k]) return false;
    return true;
}

static void skipped_by(worker *w, const pt_colstats *plan)
{
    const pt_patterns *ps = w->scan->ps;
    memset(w->skipped, 0, w->words * sizeof *w->skipped);
    for (size_t p = 0; p < ps->n; p++)
        if (pt_colplan_skips(plan, &ps->v[p])) w->skipped[p >> 6] |= (uint64_t)1 << (p & 63);
}

static void classify_whole_input(worker *w, chunk *c)
{
    pt_scan *s = w->scan;
    input_ctx *in = c->in;
    bool full = w->shadow_full;
    shadow_pass(w, c, full);
    if (!full) {
        skipped_by(w, w->guess);
        if (c->cols->truncated || !shadow_covered(w, c->cols)) {
            pt_errlist_free(&c->errs);
            full = true;
            shadow_pass(w, c, true);
        }
    }
    if (!c->cols->truncated && pt_colplan_same(in->plan, w->guess)) {
        if (full) {   /* the skipped patterns the next inputs of this layout need */
            skipped_by(w, w->guess);
            column_cands(w, c->cols);
            pt_colplan_shadow_needed(c->cols, s->ps, w->skipped, w->cands, w->needed);
            w->shadow_full = false;
        }
        pt_colstats_drop_skipped(c->cols, s->ps, in->plan);
        for (size_t p = 0; p < s->ps->n; p++) {
            w->matched[p] += w->try_matched[p];
            w->rejected[p] += w->try_rejected[p];
        }
        return;
    }
    w->shadow_full = true;   /* another layout: learn its needs from a full pass */
    pt_errlist_free(&c->errs);
    classify_records(w, c, in->plan);
    pt_colstats_free(w->guess);
    w->guess = pt_colstats_new(in->plan->by_key);
    pt_colstats_merge(w->guess, in->plan);
    pt_colplan_decide(w->guess, s->ps);
}

/* A spare buffer for the chunk's prepared rows (see spare), when the sink prepares. A
 * chunk more than n_workers + 1 ahead of the commit waits for it, so that at most
 * n_workers + 2 chunks hold prepared rows even when a worker is held up (a loaded host
 * deschedules it while the others classify the chunks behind it: all the pool would
 * then hold them). It cannot wait forever: the work queue hands chunks out in order,
 * so the chunk at the head was taken before and is never held back, and the worker
 * that has it commits it. */
static void take_prepared(pt_scan *s, chunk *c)
{
    if (!s->o.pieces || !s->o.pieces->prepare) return;
    pthread_mutex_lock(&s->commit_lock);
    while (c->seq > s->next_commit + s->n_workers + 1)
        pthread_cond_wait(&s->committed, &s->commit_lock);
    if (!c->prepared.p && s->n_spare) c->prepared = s->spare[--s->n_spare];
    pthread_mutex_unlock(&s->commit_lock);
}

/* An array of the chunk's that grew past grow_array's first size and TRIM_MIN bytes to
 * more than four times what this chunk used is let go (grow_array makes it again as
 * needed; one at its first size is kept, so that chunk after chunk of few values does
 * not free and make it each time). The values a sink keeps are those of the first
 * chunks, all of them (none can be turned away before the sample's pool is full), then
 * a few: without this every chunk of the pool would keep room for all (--evidence on
 * the bench mix: ~1 MiB a chunk). */
#define TRIM_MIN (64u << 10)

static void trim_array(void **v, size_t *cap, size_t used, size_t size)
{
    if (*cap <= GROW_FIRST || *cap * size <= TRIM_MIN || used > *cap / 4) return;
    free(*v);
    *v = NULL;
    *cap = 0;
}

static void give_prepared(pt_scan *s, chunk *c)
{
    trim_array((void **)&c->matches, &c->matches_cap, c->n_matches, sizeof *c->matches);
    trim_array((void **)&c->arena, &c->arena_cap, c->arena_len, 1);
    c->prepared.len = 0;
    if (!c->prepared.p) return;
    pthread_mutex_lock(&s->commit_lock);
    s->spare[s->n_spare++] = c->prepared;   /* at most one a chunk: room for them all */
    pthread_mutex_unlock(&s->commit_lock);
    c->prepared = (pt_piece_bytes){0};
}

/* The custody hashes of a small input the reader read whole (hand_raw): its worker
 * writes them into the input's result, which the reader leaves alone. */
static void hash_raw(worker *w, chunk *c)
{
    if (!c->raw_in_buf) return;
    if (!w->digest) w->digest = pt_digest_new();
    pt_digest_update(w->digest, c->alloc, c->raw_len);
    pt_digest_final(w->digest, c->in->res->md5, c->in->res->sha256);
    pt_digest_reset(w->digest);
    c->raw_in_buf = false;
}

static void classify_chunk(worker *w, chunk *c)
{
    hash_raw(w, c);
    take_prepared(w->scan, c);
    if (c->in->plan_in_worker) classify_whole_input(w, c);
    else classify_records(w, c, c->in->plan);
    encipher_chunk(w->scan, c);
}

static void emit_pieces(pt_scan *s, chunk *c)
{
    input_ctx *in = c->in;
    /* the batch insert reordered the items; put their results back in record order */
    pt_piece_event *ev = pt_xmalloc((c->n_fps ? c->n_fps : 1) * sizeof *ev);
    pt_match *m = pt_xmalloc((c->n_matches ? c->n_matches : 1) * sizeof *m);
    for (size_t i = 0; i < c->n_matches; i++)
        m[i] = (pt_match){c->matches[i].pattern, c->arena + c->matches[i].at, c->matches[i].len};
    for (size_t i = 0; i < c->n_fps; i++) {
        const pt_fp_item *it = &c->fps[i];
        const piece_note *n = &c->notes[it->order];
        ev[it->order] = (pt_piece_event){
            .input = in->no, .input_name = in->res->path, .offset = n->offset,
            .line = in->lines_before + n->line_in_chunk + 1, .categories = n->categories,
            .tier = it->tier, .fp = {n->fp[0], n->fp[1]}, .new_in_input = it->new_in_input,
            .new_in_run = it->new_in_run, .tier_raised = it->tier_raised,
            .matches = m + n->first_match, .n_matches = n->n_matches,
            .prepared = n->prepared_len ? c->prepared.p + n->prepared_at : NULL,
            .prepared_len = n->prepared_len};
    }
    for (size_t i = 0; i < c->n_fps; i++) s->o.pieces->piece(s->o.pieces->ctx, &ev[i]);
    if (s->o.pieces->end_batch) s->o.pieces->end_batch(s->o.pieces->ctx);
    free(ev);
    free(m);
}

/* The chunk's samples and errors had lines counted from its start: add the lines before.
 * A pattern whose run list is full takes nothing more (skip_full_samples). */
static void file_lines(pt_scan *s, chunk *c)
{
    uint64_t before = c->in->lines_before;
    pt_samples *run = &s->tally->samples;
    for (size_t i = 0; i < c->errs.n; i++)
        if (c->errs.v[i].line) c->errs.v[i].line += before;
    for (size_t p = 0; p < c->samples.n_patterns && p < run->n_patterns; p++) {
        if (!c->samples.count[p] || atomic_load_explicit(&s->samples_full[p], memory_order_relaxed))
            continue;
        for (size_t i = 0; i < c->samples.count[p]; i++) {
            const pt_sample *x = &c->samples.v[p * c->samples.per + i];
            pt_samples_add_line(run, p, x->input, x->offset, x->line + before, x->value);
        }
        if (run->count[p] == run->per) atomic_store_explicit(&s->samples_full[p], 1, memory_order_relaxed);
    }
}

/* The chunk's first rejected values of each pattern, to the sink, lines completed. */
static void emit_rejects(pt_scan *s, chunk *c)
{
    for (size_t p = 0; p < c->rejects.n_patterns; p++)
        for (size_t i = 0; i < c->rejects.count[p]; i++) {
            const pt_sample *x = &c->rejects.v[p * c->rejects.per + i];
            pt_rejected_event e = {x->input, c->in->res->path, x->offset,
                                   x->line ? x->line + c->in->lines_before : 0, (uint32_t)p,
                                   x->value, x->reason};
            s->on_reject(s->reject_ctx, &e);
        }
}

static void commit_chunk(pt_scan *s, chunk *c)
{
    input_ctx *in = c->in;
    file_lines(s, c);
    pt_tally_commit(s->tally, in->no, in->res, &c->local, c->fps, c->n_fps, c->subjects,
                    c->n_subjects);
    pt_errlist_move(&in->res->errors, &c->errs);
    if (in->cols) pt_colstats_merge(in->cols, c->cols);
    in->record_bytes += c->record_bytes;
    if (s->o.pieces && c->n_fps) emit_pieces(s, c);
    if (s->on_reject) emit_rejects(s, c);
    in->lines_before += c->lines;   /* commits are in order: the next chunk's first line */
    give_prepared(s, c);            /* for the next chunk classified */
    atomic_fetch_add(&s->records_done, c->local.records);
    c->in = NULL;
    input_release(s, in);
}

/* A chunk back to the pool it came from. */
static void give_back(pt_scan *s, chunk *c)
{
    pt_queue_push(c->small ? &s->small_pool : &s->pool, c);
}

/* File c as finished; commit it and every finished chunk after it if it is at the head
 * and no other worker is committing (see the file comment). */
static void finish_chunk(pt_scan *s, chunk *c)
{
    pthread_mutex_lock(&s->commit_lock);
    s->ready[c->seq % s->ring_n] = c;
    if (!s->committing) {
        s->committing = true;
        chunk *h;
        while ((h = s->ready[s->next_commit % s->ring_n]) != NULL && h->seq == s->next_commit) {
            s->ready[s->next_commit % s->ring_n] = NULL;
            s->next_commit++;
            pthread_mutex_unlock(&s->commit_lock);
            commit_chunk(s, h);
            give_back(s, h);
            pthread_mutex_lock(&s->commit_lock);
        }
        s->committing = false;
        pthread_cond_broadcast(&s->committed);
    }
    pthread_mutex_unlock(&s->commit_lock);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    chunk *c;
    while ((c = pt_queue_pop(&w->scan->work)) != NULL) {
        classify_chunk(w, c);
        finish_chunk(w->scan, c);
    }
    return NULL;
}

/* ---- reading one input ---- */

typedef struct {
    pt_scan *s;
    pt_source *src;
    input_ctx *in;
    pt_dialect dialect;
    pt_dialect forced;      /* the scan's dialect, or this input's format (attrs) */
    uint64_t offset;        /* decoded-text offset of the next chunk */
    bool eof;
    bool small;             /* a small input (SMALL_INPUT): a small chunk if one is free */
    bool raw_handed;        /* its custody hashes are written already or by its last
                               chunk's worker (hand_raw) */
    chunk *first;           /* the input's first chunk: its text from alloc[0] on */
    size_t carry_len;
    /* a part of a split input (pt_input_attrs): the nominal offsets of its start and end
     * (UINT64_MAX: the end of the text); both 0 and UINT64_MAX for a whole input */
    bool is_part;
    uint32_t part_no;
    uint64_t part_from, part_to;
} reader;

static void ensure_cap(chunk *c, size_t want)
{
    if (c->cap >= want) return;
    size_t skipped = (size_t)(c->buf - c->alloc);
    size_t cap = c->cap + skipped ? c->cap + skipped : 4096;
    while (cap < skipped + want) cap *= 2;
    c->alloc = pt_xrealloc(c->alloc, cap);
    c->buf = c->alloc + skipped;
    c->cap = cap - skipped;
}

/* The text starts n bytes further on, in the same allocation: a header is stepped over,
 * not moved out of the way (a copy of each small file's text on the reader). */
static void skip_header(chunk *c, size_t n)
{
    c->buf += n;
    c->cap -= n;
    c->len -= n;
}

/* The whole allocation for the next text (take_chunk). */
static void unskip(chunk *c)
{
    c->cap += (size_t)(c->buf - c->alloc);
    c->buf = c->alloc;
}

/* Read until the chunk holds at least want bytes or the input ends. The source never
 * splits a UTF-8 sequence, so it may stop a few bytes short of what was asked and
 * returns 0 for a tiny buffer: always offer it READ_SLACK bytes more than needed, and
 * take only a 0 from a buffer that large as the end of the input. */
#define READ_SLACK 64

static void fill(reader *rd, chunk *c, size_t want)
{
    if (rd->eof) return;   /* all is in: no room to make */
    ensure_cap(c, want + READ_SLACK);
    while (!rd->eof && c->len < want) {
        size_t n = pt_source_read(rd->src, c->buf + c->len, c->cap - c->len);
        if (n == 0) rd->eof = true;
        c->len += n;
    }
}

static chunk *take_chunk(reader *rd)
{
    pt_scan *s = rd->s;
    chunk *c = rd->small ? pt_queue_try_pop(&s->small_pool) : NULL;
    if (!c) c = pt_queue_pop(&s->pool);
    size_t target = c->small ? SMALL_CHUNK : s->chunk_target;
    c->len = 0;
    unskip(c);
    /* a buffer grown for one long record goes back to the usual size, so that a few long
     * records cannot leave every pooled buffer at the record cap */
    if (c->cap > 4 * (target + READ_SLACK)) {
        free(c->alloc);
        c->alloc = c->buf = NULL;
        c->cap = 0;
    }
    ensure_cap(c, rd->carry_len + target + READ_SLACK);
    if (rd->carry_len) memcpy(c->buf, s->carry, rd->carry_len);
    c->len = rd->carry_len;
    rd->carry_len = 0;
    return c;
}

static void keep_carry(reader *rd, const char *p, size_t n)
{
    pt_scan *s = rd->s;
    rd->carry_len = n;
    if (n == 0) return;
    if (n > s->carry_cap) {
        s->carry_cap = n;
        s->carry = pt_xrealloc(s->carry, n);
    }
    memcpy(s->carry, p, n);
}

static void dispatch(reader *rd, chunk *c, size_t len, const pt_sql_table *tables)
{
    input_ctx *in = rd->in;
    c->in = in;
    c->seq = rd->s->next_seq++;
    c->view = (pt_chunk_view){c->buf, len, rd->offset, rd->dialect,
                              in->header.n ? &in->header : NULL, tables};
    rd->offset += len;
    atomic_fetch_add(&in->refs, 1);
    pt_queue_push(&rd->s->work, c);
}

/* A small plain input is not hashed as it is read (source.c holds it back): when
 * the workers are short of work and it is one chunk whose text is its raw bytes
 * unchanged (pt_source_text_is_raw), the worker that classifies it hashes the chunk's
 * buffer from its start, header included (skip_header leaves it there). On this
 * thread, 10,000 small files were hashed one after the other (~58 us each) while the
 * workers waited for their text; in one big file the hashing runs beside them. When
 * every worker has a chunk waiting already, this thread is ahead and hashes it itself
 * (pt_scan_input), as it must at -j1, where the one worker is the slower side. Either
 * way the hashes are of the bytes as read. */
static void hand_raw(reader *rd, chunk *c, size_t cut)
{
    uint64_t raw_len = rd->offset + cut;   /* the header and the text */
    if (rd->is_part || c != rd->first || !pt_source_text_is_raw(rd->src) ||
        raw_len != pt_source_bytes_in(rd->src) ||
        pt_queue_count(&rd->s->work) >= rd->s->n_workers)
        return;
    pt_source_stop_digests(rd->src);
    c->raw_in_buf = true;
    c->raw_len = (size_t)raw_len;
    rd->raw_handed = true;
}

/* Where to cut a buffer that holds no record boundary and has reached the record cap:
 * after its last newline if any (this is how an unterminated CSV quote recovers),
 * else all of it. */
static size_t forced_cut(const char *buf, size_t len)
{
    const char *nl = memrchr(buf, '\n', len);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

/* Column-level evidence (columns.h): classify the records of the first len bytes of
 * text after the header on this thread, and decide from their counts. The last record
 * of a sample that is not the whole input may be cut off: it is left out. */
static void classify_sample(reader *rd, chunk *c, size_t len, bool whole)
{
    pt_scan *s = rd->s;
    input_ctx *in = rd->in;
    in->plan = pt_colstats_new(in->cols->by_key);
    pt_splitter *sp = pt_splitter_new(&rd->dialect);   /* the SQL tables of the sample */
    pt_splitter_cut(sp, c->buf, len, whole);
    pt_chunk_view view = {c->buf, len, rd->offset, rd->dialect,
                          in->header.n ? &in->header : NULL, pt_splitter_tables(sp)};
    if (!s->sample_it) {
        s->sample_it = pt_reciter_new();
        s->sample_scanner = pt_scanner_new(s->ps, s->pol);
    }
    pt_record rec;
    pt_record_class cls;
    size_t n = 0, k = 0;
    int rc;
    pt_reciter_reset(s->sample_it, &view);
    while ((rc = pt_reciter_next(s->sample_it, &rec)) != 0) n += rc > 0;
    if (!whole && n) n--;
    pt_scanner_set_columns(s->sample_scanner, NULL, in->plan);
    pt_reciter_reset(s->sample_it, &view);
    while (k < n && (rc = pt_reciter_next(s->sample_it, &rec)) != 0) {
        if (rc < 0) continue;
        pt_scanner_classify(s->sample_scanner, &rec, &cls, NULL, NULL);
        k++;
    }
    pt_scanner_set_columns(s->sample_scanner, NULL, NULL);
    in->plan->sample_records = k;
    pt_colplan_decide(in->plan, s->ps);
    pt_splitter_free(sp);
}

/* The sample is the records of the first PT_COLUMN_SAMPLE_BYTES of text after the
 * header, whatever the chunk size: the same sample for any run. When that is the whole
 * input, its worker decides the plan (classify_whole_input). */
static void columns_sample(reader *rd, chunk *c)
{
    input_ctx *in = rd->in;
    if (rd->dialect.format == PT_FMT_LINES) return;
    fill(rd, c, PT_COLUMN_SAMPLE_BYTES);
    size_t len = c->len < PT_COLUMN_SAMPLE_BYTES ? c->len : PT_COLUMN_SAMPLE_BYTES;
    bool whole = rd->eof && len == c->len;
    in->cols = pt_colstats_new(rd->dialect.format == PT_FMT_JSONL);
    /* header names stay put; SQL column lists and JSON paths may be scratch */
    in->cols->stable_keys = rd->dialect.format == PT_FMT_CSV || rd->dialect.format == PT_FMT_TSV ||
                            rd->dialect.format == PT_FMT_DELIMITED;
    if (whole && rd->s->plan_in_worker && !rd->is_part)
        in->plan_in_worker = true;   /* unless cut in two */
    else classify_sample(rd, c, len, whole);
}

/* Detection sees exactly the first SAMPLE_BYTES (or the whole input if shorter): fill
 * may have read more, as much as the chunk buffer holds, and the decision must not
 * depend on the chunk size or on how much one read returned. */
static void detect_layout(reader *rd, chunk *c)
{
    const pt_scan_options *o = &rd->s->o;
    fill(rd, c, SAMPLE_BYTES);
    size_t n = c->len < SAMPLE_BYTES ? c->len : SAMPLE_BYTES;
    bool whole = rd->eof && n == c->len;
    rd->dialect = pt_detect_dialect(c->buf, n, whole, rd->forced);
    size_t skip = pt_detect_header(&rd->dialect, c->buf, n, whole, o->header, &rd->in->header);
    if (skip > c->len) skip = c->len;
    rd->in->lines_before = count_newlines(c->buf, skip);   /* the header's lines */
    skip_header(c, skip);
    rd->offset = skip;
    columns_sample(rd, c);
}

/* ---- a part of a split input (docs/shards.md) ---- */

/* The first record boundary at or after the nominal offset at in c (whose text starts
 * at rd->offset, a boundary), or PT_BOUNDARY_NONE when c does not reach it yet. */
static size_t part_boundary(reader *rd, chunk *c, uint64_t at)
{
    if (at <= rd->offset) return 0;
    uint64_t rel = at - rd->offset;
    if (rel > c->len) return rd->eof ? c->len : PT_BOUNDARY_NONE;
    return pt_boundary_first_from(rd->in->splitter, c->buf, c->len, (size_t)rel, rd->eof);
}

/* Text before the part's start is read and cut as a whole scan cuts it (a CSV quote's
 * state is only known from the start), never classified; its lines are counted so that
 * the part's lines are the whole text's. */
static void skip_before_part(reader *rd, chunk *c)
{
    pt_scan *s = rd->s;
    for (;;) {
        fill(rd, c, s->chunk_target > c->len ? s->chunk_target : c->len);
        size_t drop = part_boundary(rd, c, rd->part_from);
        bool found = drop != PT_BOUNDARY_NONE;
        if (!found) drop = pt_splitter_cut(rd->in->splitter, c->buf, c->len, false);
        if (!found && drop == 0) {
            if (c->len < s->max_record) {
                fill(rd, c, c->len * 2 < s->max_record ? c->len * 2 : s->max_record);
                continue;
            }
            drop = forced_cut(c->buf, c->len);
        }
        rd->in->lines_before += count_newlines(c->buf, drop);
        memmove(c->buf, c->buf + drop, c->len - drop);
        c->len -= drop;
        rd->offset += drop;
        if (found) return;
    }
}

/* Where the part ends in c, when c reaches it: cut there (nothing may be left). */
static bool cut_at_part_end(reader *rd, chunk *c, size_t *cut)
{
    if (rd->part_to == UINT64_MAX) return false;
    size_t end = part_boundary(rd, c, rd->part_to);
    if (end == PT_BOUNDARY_NONE) return false;
    *cut = end;
    return true;
}

static void read_chunks(reader *rd)
{
    pt_scan *s = rd->s;
    chunk *c = rd->first = take_chunk(rd);
    detect_layout(rd, c);
    rd->in->splitter = pt_splitter_new(&rd->dialect);
    if (rd->is_part && !pt_boundary_format_ok(rd->dialect.format)) {
        /* read as a format cut with state carried along (SQL, JSON, blocks): part 0 is
         * the whole input, the others are empty, in every shard alike */
        rd->part_from = rd->part_no == 0 ? 0 : UINT64_MAX;
        rd->part_to = UINT64_MAX;
    }
    if (rd->part_to != UINT64_MAX || rd->part_from == UINT64_MAX)
        pt_source_stop_digests(rd->src);   /* the part read to the end reports the hashes */
    if (rd->part_from == UINT64_MAX) {
        give_back(s, c);
        return;
    }
    if (rd->part_from > 0) skip_before_part(rd, c);
    if (rd->is_part) {   /* the part's range, for the reports: from here to text_bytes */
        rd->in->res->text_from = rd->part_from > 0 ? rd->offset : 0;
        rd->in->res->text_from_known = true;
    }
    for (;;) {
        fill(rd, c, s->chunk_target > c->len ? s->chunk_target : c->len);
        const pt_sql_table *tables = pt_splitter_tables(rd->in->splitter);
        size_t cut = pt_splitter_cut(rd->in->splitter, c->buf, c->len, rd->eof);
        bool part_ends = cut_at_part_end(rd, c, &cut);
        if (part_ends) {
            /* the rest of the text is the next parts' */
        } else if (cut == 0 && !rd->eof && c->len < s->max_record) {
            fill(rd, c, c->len * 2 < s->max_record ? c->len * 2 : s->max_record);
            continue;
        }
        if (cut == 0 && !rd->eof && !part_ends) {
            cut = forced_cut(c->buf, c->len);
            pt_errlist_add(&rd->in->reader_errs, "record_too_long", rd->offset,
                           "no record boundary within %zu bytes; cut at byte %llu", s->max_record,
                           (unsigned long long)(rd->offset + cut));
        }
        if (rd->in->plan_in_worker && !(rd->eof && cut == c->len)) {
            rd->in->plan_in_worker = false;   /* not one chunk after all */
            classify_sample(rd, c, c->len, true);
        }
        keep_carry(rd, c->buf + cut, part_ends ? 0 : c->len - cut);
        bool last = part_ends || (rd->eof && rd->carry_len == 0);
        if (cut) {
            if (last) hand_raw(rd, c, cut);
            dispatch(rd, c, cut, tables);
        } else {
            give_back(s, c);
        }
        if (s->on_progress)
            s->on_progress(s->progress_ctx, pt_source_bytes_in(rd->src),
                             atomic_load(&s->records_done));
        if (last) break;
        rd->first = NULL;   /* (the pool may hand the same chunk back) */
        c = take_chunk(rd);
    }
}

static input_ctx *new_input(pt_scan *s, const char *name, const pt_input_attrs *attrs)
{
    input_ctx *in = pt_xcalloc(1, sizeof *in);
    in->no = (uint32_t)s->tally->n_inputs;
    in->res = pt_tally_add_input(s->tally, name);
    in->res->order = s->order;
    in->declared = attrs ? attrs->declared : 0;
    in->res->declared = in->declared;
    atomic_init(&in->refs, 1);
    return in;
}

/* Nominal offset p/parts of size, without overflow for any size. */
static uint64_t nominal_cut(uint64_t size, uint32_t p, uint32_t parts)
{
    return size / parts * p + size % parts * p / parts;
}

static void set_part(reader *rd, const pt_input_attrs *a)
{
    rd->is_part = rd->in->part = true;
    rd->part_no = a->part;
    rd->part_from = a->part == 0 ? 0 : nominal_cut(a->part_size, a->part, a->parts);
    rd->part_to = a->part + 1 >= a->parts ? UINT64_MAX : nominal_cut(a->part_size, a->part + 1, a->parts);
    rd->in->res->part = a->part;
    rd->in->res->parts = a->parts;
}

bool pt_scan_input(pt_scan *s, const char *name, const pt_raw_input *raw,
                   const pt_input_attrs *attrs)
{
    input_ctx *in = new_input(s, name, attrs);
    pt_input_result *res = in->res;
    pt_errlist *program_errs = attrs ? attrs->errors : NULL;
    pt_source_options so = s->o.source;
    if (attrs && attrs->encoding != PT_ENC_AUTO) so.encoding = attrs->encoding;
    pt_source *src = pt_source_open_raw(raw, &so, &in->reader_errs);
    if (!src) {
        if (program_errs) pt_errlist_move(&in->reader_errs, program_errs);
        input_release(s, in);
        return false;
    }
    res->readable = true;
    reader rd = {.s = s, .src = src, .in = in, .forced = s->o.dialect, .part_to = UINT64_MAX};
    if (attrs && attrs->format != PT_FMT_AUTO) rd.forced = (pt_dialect){.format = attrs->format};
    if (attrs && attrs->parts > 1) set_part(&rd, attrs);
    rd.small = raw->size && raw->size <= SMALL_INPUT && pt_source_compression(src) == PT_COMP_NONE;
    read_chunks(&rd);
    in->text_bytes = rd.offset;
    res->bytes = pt_source_bytes_in(src);
    if (rd.part_to != UINT64_MAX || rd.part_from == UINT64_MAX) {
        res->bytes = 0;   /* the whole file's bytes and hashes are the part read to its end's */
        res->md5[0] = res->sha256[0] = '\0';
    } else if (rd.raw_handed) {
        /* its worker writes them (hash_raw) */
    } else if (!pt_source_digests(src, res->md5, res->sha256)) {
        res->md5[0] = res->sha256[0] = '\0';
    }
    res->compression = pt_compression_name(pt_source_compression(src));
    res->skipped = pt_source_skipped(src);
    if (!res->skipped) {
        res->encoding = pt_encoding_name(pt_source_encoding(src));
        res->format = attrs && attrs->format_name ? attrs->format_name
                                                  : pt_format_name(rd.dialect.format);
    }
    pt_source_close(src);
    if (program_errs) pt_errlist_move(&in->reader_errs, program_errs);
    input_release(s, in);
    return true;
}

void pt_scan_container(pt_scan *s, const char *name, uint64_t bytes, const char *md5_hex,
                       const char *sha256_hex)
{
    /* the container may be listed already, by its own errors (damaged, empty,
     * encrypted): look back over the entries it added, which all start with its name */
    pt_tally *t = s->tally;
    size_t len = strlen(name);
    pt_input_result *res = NULL;
    for (size_t i = t->n_inputs; i-- > 0 && !strncmp(t->inputs[i]->path, name, len);)
        if (t->inputs[i]->path[len] == '\0') res = t->inputs[i];
    if (!res) {
        res = pt_tally_add_input(t, name);
        res->order = s->order;
        res->readable = true;
    }
    res->container = true;
    res->bytes = bytes;
    snprintf(res->md5, sizeof res->md5, "%s", md5_hex ? md5_hex : "");
    snprintf(res->sha256, sizeof res->sha256, "%s", sha256_hex ? sha256_hex : "");
}

void pt_scan_unread(pt_scan *s, const char *name, pt_errlist *errors)
{
    pt_input_result *res = pt_tally_add_input(s->tally, name);
    res->order = s->order;
    pt_errlist_move(&res->errors, errors);
    pt_errlist_sort(&res->errors);
}

void pt_scan_set_shard(pt_scan *s, uint32_t k, uint32_t n, uint64_t table)
{
    pt_tally_set_shard(s->tally, k, n, table);
}

void pt_scan_set_plan_in_worker(pt_scan *s, bool on)
{
    s->plan_in_worker = on && pt_colplan_shadow_exact(s->ps);
}

void pt_scan_set_order(pt_scan *s, uint64_t order)
{
    s->order = order;
}

void pt_scan_set_progress(pt_scan *s, void (*fn)(void *ctx, uint64_t input_bytes_in,
                                                 uint64_t records_done), void *ctx)
{
    s->on_progress = fn;
    s->progress_ctx = ctx;
}

void pt_scan_set_rejects(pt_scan *s, void (*fn)(void *ctx, const pt_rejected_event *e),
                         void *ctx)
{
    s->on_reject = fn;
    s->reject_ctx = ctx;
}

const pt_scan_options *pt_scan_get_options(const pt_scan *s)
{
    return &s->o;
}

uint64_t pt_scan_records_done(const pt_scan *s)
{
    return atomic_load(&((pt_scan *)s)->records_done);
}

/* ---- the run ---- */

static void start_workers(pt_scan *s)
{
    for (unsigned i = 0; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        w->scan = s;
        w->it = pt_reciter_new();
        w->scanner = pt_scanner_new(s->ps, s->pol);
        pt_scanner_log_matches(w->scanner, s->o.pieces != NULL);
        w->matched = pt_xcalloc(s->ps->n ? s->ps->n : 1, sizeof *w->matched);
        w->rejected = pt_xcalloc(s->ps->n ? s->ps->n : 1, sizeof *w->rejected);
        w->try_matched = pt_xcalloc(s->ps->n ? s->ps->n : 1, sizeof *w->try_matched);
        w->try_rejected = pt_xcalloc(s->ps->n ? s->ps->n : 1, sizeof *w->try_rejected);
        w->guess = pt_colstats_new(false);   /* the neutral plan: no shape, nothing disabled */
        w->shadow_full = true;
        w->words = (s->ps->n + 63) / 64 ? (s->ps->n + 63) / 64 : 1;
        w->needed = pt_xcalloc(4 * w->words, sizeof *w->needed);
        w->skipped = w->needed + w->words;
        w->unknown = w->skipped + w->words;
        w->rel = w->unknown + w->words;
        pthread_create(&w->thread, NULL, worker_main, w);
    }
}

static void stop_workers(pt_scan *s)
{
    pt_queue_close(&s->work);
    pt_tally *t = s->tally;
    for (unsigned i = 0; i < s->n_workers; i++) {
        worker *w = &s->workers[i];
        pthread_join(w->thread, NULL);
        for (size_t p = 0; p < s->ps->n && p < t->n_patterns; p++) {
            t->pattern_matched[p] += w->matched[p];
            t->pattern_rejected[p] += w->rejected[p];
        }
        pt_reciter_free(w->it);
        pt_scanner_free(w->scanner);
        free(w->matched);
        free(w->rejected);
        free(w->try_matched);
        free(w->try_rejected);
        pt_colstats_free(w->guess);
        free(w->needed);
        free(w->cands);
        pt_digest_free(w->digest);
    }
}

static void make_pool(pt_scan *s)
{
    s->pool_n = 2 * (size_t)s->n_workers + 4;
    /* with a sink that prepares (--evidence) no more than n_workers + 2 chunks may be
     * classified ahead of the commit (take_prepared): one more for the reader to fill
     * is all the pool needs, and each chunk there holds its notes and values too */
    if (s->o.pieces && s->o.pieces->prepare) s->pool_n = (size_t)s->n_workers + 3;
    s->small_n = SMALL_PER_POOL * s->pool_n;
    s->ring_n = s->pool_n + s->small_n;
    pt_queue_init(&s->pool, s->pool_n);
    pt_queue_init(&s->small_pool, s->small_n);
    pt_queue_init(&s->work, s->ring_n);   /* room for every chunk: a push never waits */
    s->ready = pt_xcalloc(s->ring_n, sizeof *s->ready);
    s->spare = pt_xcalloc(s->ring_n, sizeof *s->spare);
    for (size_t i = 0; i < s->ring_n; i++) {
        chunk *c = pt_xcalloc(1, sizeof *c);
        c->small = i >= s->pool_n;   /* its buffer made when first taken */
        if (!c->small) ensure_cap(c, s->chunk_target);
        give_back(s, c);
    }
}

static void free_chunks(pt_queue *q)
{
    chunk *c;
    pt_queue_close(q);
    while ((c = pt_queue_pop(q)) != NULL) {
        free(c->alloc);
        free(c->fps);
        free(c->subjects);
        free(c->key_scratch);
        free(c->notes);
        free(c->matches);
        free(c->arena);
        free(c->prepared.p);
        pt_colstats_free(c->cols);
        pt_samples_free(&c->samples);
        pt_samples_free(&c->rejects);
        pt_errlist_free(&c->errs);
        free(c);
    }
    pt_queue_destroy(q);
}

static void free_pool(pt_scan *s)
{
    free_chunks(&s->pool);
    free_chunks(&s->small_pool);
    pt_queue_destroy(&s->work);
    free(s->ready);
    while (s->n_spare) free(s->spare[--s->n_spare].p);
    free(s->spare);
}

pt_scan *pt_scan_start(const pt_scan_options *o, const pt_patterns *ps, const pt_policy *pol,
                       pt_tally *t)
{
    pt_scan *s = pt_xcalloc(1, sizeof *s);
    s->o = *o;
    s->ps = ps;
    s->pol = pol;
    s->tally = t;
    pt_casekey_init(&s->key, o->case_key ? o->case_key->key : NULL);
    t->key_id = s->key.id;
    s->n_workers = o->threads ? o->threads : 1;
    s->chunk_target = o->chunk_size ? o->chunk_size : DEFAULT_CHUNK;
    s->max_record = o->max_record ? o->max_record : DEFAULT_MAX_RECORD;
    if (s->max_record < s->chunk_target) s->max_record = s->chunk_target;
    pthread_mutex_init(&s->commit_lock, NULL);
    pthread_cond_init(&s->committed, NULL);
    atomic_init(&s->records_done, 0);
    s->plan_in_worker = pt_colplan_shadow_exact(ps);
    s->samples_full = pt_xcalloc(ps->n ? ps->n : 1, sizeof *s->samples_full);
    for (size_t p = 0; p < ps->n && p < t->samples.n_patterns; p++)
        if (t->samples.per && t->samples.count[p] == t->samples.per) s->samples_full[p] = 1;
    make_pool(s);
    s->workers = pt_xcalloc(s->n_workers, sizeof *s->workers);
    start_workers(s);
    return s;
}

void pt_scan_finish(pt_scan *s)
{
    pthread_mutex_lock(&s->commit_lock);
    while (s->next_commit != s->next_seq || s->committing)
        pthread_cond_wait(&s->committed, &s->commit_lock);
    pthread_mutex_unlock(&s->commit_lock);
    stop_workers(s);
    free(s->workers);
    free_pool(s);
    free(s->carry);
    pt_reciter_free(s->sample_it);
    pt_scanner_free(s->sample_scanner);
    free(s->samples_full);
    pthread_mutex_destroy(&s->commit_lock);
    pthread_cond_destroy(&s->committed);
    pt_casekey_clear(&s->key);
    free(s);
}
