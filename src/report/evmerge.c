/* evmerge.c - merge --evidence: the directory one scan over every input would write, from
 * the evidence sections that scan --state --evidence keeps (evidence.c writes them; the
 * state file carries them last, state.c), or a refusal that names the state and why.
 *
 * What one scan writes, and how the merge gets the same:
 *  - the list (art5_3.csv): a piece is listed at its first occurrence in the most serious
 *    tier. Each shard listed its own first such occurrence, so the merge keeps, for each
 *    piece, the row of the earliest place in the merged order (inputs as the merge sorts
 *    them, then the offset). A key pass sorts every state's (piece, place) on disk in
 *    bounded memory (rowids.h); the first place of each piece wins, and the winning
 *    places are sorted again, by place, on disk. The rows are then read again, all the
 *    states side by side in place order (a heap), driven by the winners: a row before
 *    the next winning place lost (its piece was listed earlier by another state), the
 *    row at it is replayed into the evidence writer, which formats it as a scan does
 *    (--mask included). Memory: a record per state and the sorts' windows and runs
 *    (1 MiB runs, 2 MiB of windows), whatever the number of rows.
 *  - the samples: each state keeps, per tier, the pieces of that tier whose draw key is
 *    below its theta (evidence.c: at most PT_EV_POOL_FACTOR times the sample). A piece
 *    whose merged tier is t is of tier t in some state, and with a key below the
 *    smallest theta of the states it is among that state's candidates, with its row. So
 *    the candidates of merged tier t below that smallest theta are exactly the tier's
 *    pieces below it, and the sample is their n smallest when there are n of them (or
 *    when they are the whole tier). Otherwise the merge cannot prove the sample and
 *    refuses, naming the state whose pool ended first. The merged tiers of the candidates
 *    come from the pass over the sets (pt_tier_probe); a piece's row is its earliest
 *    among the states that hold it in the tier.
 *  - rejected.csv: the first PT_REJECTS_PER_PATTERN of each pattern in input order: every
 *    state's first ones, put in the merged order, cut again.
 *  - columns.csv and the manifests come from the merged report, as in a scan.
 * The merged state (merge --state) gets a section of the same form: the winning rows, the
 * candidates below the smallest theta cut to the largest pool, the rejected rows; so a
 * tree of merges merges again. */
#include "evmerge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence_internal.h"
#include "rowids.h"

#define READ_WINDOW (1u << 16)

typedef struct {
    uint64_t enc[2];
    uint64_t draw;
    uint32_t input;            /* merged index */
    uint64_t offset;
    uint8_t tier;              /* the tier whose pool it is in */
    int merged_tier;
    uint8_t *rec;              /* its record as the state holds it */
    size_t rec_len;
} candidate;

typedef struct {
    uint32_t input, pattern;   /* input: merged index */
    uint64_t offset, line, seq;
    uint8_t reason;
    char *value;
} rejected;

/* A state's list of pieces, read through a window (pread: the stream of the sets in the
 * same file keeps its place). */
typedef struct {
    int fd;
    uint64_t at, end;
    uint8_t *buf;
    size_t pos, n, cap;
} list_reader;

typedef struct {
    bool has;
    uint64_t at, len, list_end, listed;
    const uint32_t *input;
    size_t n_inputs;
    size_t sample_n, pool;
    uint64_t seed;
    uint64_t theta[PT_MAX_TIERS];
    list_reader rd;
    pt_evrecord rec;           /* the current row (row pass) */
    bool live;
    uint64_t place_input, place_offset;
} state;

struct pt_evmerge {
    pt_evidence *ev;
    const pt_policy *pol;
    const pt_patterns *ps;
    bool sample_fixed, seed_fixed, want_section, dropped;
    uint64_t key_id;
    char *tmp_prefix;
    size_t k;
    state *st;
    size_t sample_n, pool;
    uint64_t seed;
    candidate *cand;
    size_t n_cand;
    rejected *rej;
    size_t n_rej;
    pt_rowids *winners;        /* the winning places, sorted on disk (key pass) */
    uint8_t last_key[9];
    bool have_last;
    /* the row pass, driven by the winners in place order */
    const pt_tally *all;
    state **heap;              /* the live states by their current row's place */
    size_t live;
    pt_evbytes row;
    size_t bad;                /* the state whose list went wrong, when failed */
    bool failed;
    FILE *out;                 /* the merged state's section being written */
    uint64_t out_listed;
    pt_merge_hooks hooks;
};

static int on_heads(void *ctx, const pt_tally *all, FILE *const *files,
                    const pt_state_section *sec, size_t k, size_t *bad, char *err, size_t errlen);
static int on_sets(void *ctx, const pt_tally *all, FILE **section, size_t *bad, char *err,
                   size_t errlen);

pt_evmerge *pt_evmerge_new(pt_evidence *ev, const pt_policy *pol, const pt_patterns *ps,
                           bool sample_fixed, bool seed_fixed, uint64_t key_id,
                           const char *tmp_prefix, bool section)
{
    pt_evmerge *m = pt_xcalloc(1, sizeof *m);
    *m = (pt_evmerge){.ev = ev, .pol = pol, .ps = ps, .sample_fixed = sample_fixed,
                      .seed_fixed = seed_fixed, .want_section = section, .key_id = key_id,
                      .tmp_prefix = pt_xstrdup(tmp_prefix)};
    m->hooks = (pt_merge_hooks){.ctx = m, .heads = on_heads, .sets = on_sets};
    return m;
}

pt_merge_hooks *pt_evmerge_hooks(pt_evmerge *m)
{
    return &m->hooks;
}

bool pt_evmerge_dropped(const pt_evmerge *m)
{
    return m->dropped;
}

void pt_evmerge_free(pt_evmerge *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->k; i++) {
        free(m->st[i].rd.buf);
        free(m->st[i].rec.matches);
    }
    free(m->st);
    for (size_t i = 0; i < m->n_cand; i++) free(m->cand[i].rec);
    free(m->cand);
    for (size_t i = 0; i < m->n_rej; i++) free(m->rej[i].value);
    free(m->rej);
    pt_rowids_free(m->winners);
    free(m->heap);
    free(m->row.p);
    free(m->hooks.probes);
    if (m->out) fclose(m->out);
    free(m->tmp_prefix);
    free(m);
}

/* ---- reading ---- */

static bool read_at(int fd, uint64_t at, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(at + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += (size_t)r;
    }
    return true;
}

/* At least need bytes in the window (fewer only at the end of the list). */
static bool fill(list_reader *r, size_t need)
{
    if (r->n - r->pos >= need) return true;
    if (r->n > r->pos) memmove(r->buf, r->buf + r->pos, r->n - r->pos);   /* buf NULL at first */
    r->n -= r->pos;
    r->pos = 0;
    if (need > r->cap) {
        r->cap = need > READ_WINDOW ? need : READ_WINDOW;
        r->buf = pt_xrealloc(r->buf, r->cap);
    }
    size_t want = r->cap - r->n;
    if (want > r->end - r->at) want = (size_t)(r->end - r->at);
    if (want && !read_at(r->fd, r->at, r->buf + r->n, want)) return false;
    r->at += want;
    r->n += want;
    return r->n - r->pos >= need;
}

/* The next record of the list: 1, 0 at its end, -1 when malformed. */
static int next_record(list_reader *r, const uint8_t **p, size_t *n)
{
    fill(r, 10);
    if (r->pos == r->n) return r->at == r->end ? 0 : -1;
    const uint8_t *q = r->buf + r->pos, *end = r->buf + r->n;
    uint64_t len;
    if (!pt_ev_get_var(&q, end, &len) || len > (1u << 30)) return -1;
    r->pos = (size_t)(q - r->buf);
    if (!fill(r, (size_t)len)) return -1;
    *p = r->buf + r->pos;
    *n = (size_t)len;
    r->pos += (size_t)len;
    return 1;
}

static void start_list(state *s, int fd)
{
    s->rd.fd = fd;
    s->rd.at = s->at;
    s->rd.end = s->list_end;
    s->rd.pos = s->rd.n = 0;
}

/* A record's merged input; false when its input is not one of the state's. */
static bool place_of(const state *s, uint32_t input, uint32_t *merged)
{
    if (input >= s->n_inputs || s->input[input] == UINT32_MAX) return false;
    *merged = s->input[input];
    return true;
}

/* ---- the heads: parameters, candidates, rejected rows ---- */

static bool get_u64le(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (end - *p < 8) return false;
    *v = 0;
    for (int i = 7; i >= 0; i--) *v = (*v << 8) | (*p)[i];
    *p += 8;
    return true;
}

static bool read_candidates(pt_evmerge *m, state *s, size_t t, const uint8_t **p,
                            const uint8_t *end)
{
    uint64_t n;
    if (!get_u64le(p, end, &s->theta[t]) || !pt_ev_get_var(p, end, &n) || n > (size_t)(end - *p))
        return false;
    m->cand = pt_xrealloc(m->cand, (m->n_cand + n + 1) * sizeof *m->cand);
    pt_evrecord r = {0};
    bool ok = true;
    for (uint64_t i = 0; i < n && ok; i++) {
        uint64_t len;
        ok = pt_ev_get_var(p, end, &len) && len <= (size_t)(end - *p) &&
             pt_ev_get_record(*p, (size_t)len, m->ps->n, &r) && r.e.tier == (int)t;
        candidate c = {.tier = (uint8_t)t, .offset = r.e.offset};
        ok = ok && place_of(s, r.e.input, &c.input);
        if (!ok) break;
        memcpy(c.enc, r.e.fp, sizeof c.enc);
        c.rec = pt_xmalloc((size_t)len);
        memcpy(c.rec, *p, (size_t)len);
        c.rec_len = (size_t)len;
        m->cand[m->n_cand++] = c;
        *p += len;
    }
    free(r.matches);
    return ok;
}

static bool read_rejected(pt_evmerge *m, state *s, const uint8_t **p, const uint8_t *end)
{
    uint64_t n;
    if (!pt_ev_get_var(p, end, &n) || n > (size_t)(end - *p)) return false;
    m->rej = pt_xrealloc(m->rej, (m->n_rej + n + 1) * sizeof *m->rej);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t input, pattern, len;
        rejected x = {.seq = m->n_rej};
        if (!pt_ev_get_var(p, end, &input) || input > UINT32_MAX || !place_of(s, (uint32_t)input, &x.input) ||
            !pt_ev_get_var(p, end, &pattern) || pattern >= m->ps->n || !pt_ev_get_var(p, end, &x.offset) ||
            !pt_ev_get_var(p, end, &x.line) || *p >= end)
            return false;
        x.pattern = (uint32_t)pattern;
        x.reason = *(*p)++;
        if (!pt_ev_get_var(p, end, &len) || len >= PT_SAMPLE_VALUE_MAX || len > (size_t)(end - *p))
            return false;
        x.value = pt_xstrndup((const char *)*p, (size_t)len);
        *p += len;
        m->rej[m->n_rej++] = x;
    }
    return true;
}

/* The head of state s's section (its end: the head, then its length). */
static const char *read_head(pt_evmerge *m, state *s, int fd)
{
    uint64_t head_len;
    uint8_t b[8];
    if (s->len < 8 || !read_at(fd, s->at + s->len - 8, b, 8)) return "its evidence section is malformed";
    const uint8_t *q = b;
    get_u64le(&q, b + 8, &head_len);
    if (head_len > s->len - 8) return "its evidence section is malformed";
    s->list_end = s->at + s->len - 8 - head_len;
    uint8_t *head = pt_xmalloc(head_len ? (size_t)head_len : 1);
    const char *why = "its evidence section is malformed";
    const uint8_t *p = head, *end = head + head_len;
    uint64_t sample_n, pool, tiers;
    if (read_at(fd, s->list_end, head, (size_t)head_len) && pt_ev_get_var(&p, end, &sample_n) &&
        pt_ev_get_var(&p, end, &pool) && get_u64le(&p, end, &s->seed) && pt_ev_get_var(&p, end, &tiers) &&
        tiers == m->pol->n_tiers) {
        s->sample_n = (size_t)sample_n;
        s->pool = (size_t)pool;
        bool ok = true;
        for (size_t t = 1; t < tiers && ok; t++) ok = read_candidates(m, s, t, &p, end);
        if (ok && read_rejected(m, s, &p, end) && pt_ev_get_var(&p, end, &s->listed) && p == end)
            why = NULL;
    }
    free(head);
    return why;
}

static int by_probe(const void *a, const void *b)
{
    const pt_tier_probe *x = a, *y = b;
    if (x->shard != y->shard) return x->shard < y->shard ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static pt_tier_probe probe_of(const uint64_t enc[2])
{
    return (pt_tier_probe){(uint8_t)(enc[1] >> 56), enc[0] ? enc[0] : 1, -1};
}

/* The candidates' pieces, for the pass over the sets to find their merged tiers. */
static void ask_tiers(pt_evmerge *m)
{
    pt_tier_probe *v = pt_xmalloc((m->n_cand ? m->n_cand : 1) * sizeof *v);
    for (size_t i = 0; i < m->n_cand; i++) v[i] = probe_of(m->cand[i].enc);
    if (m->n_cand) qsort(v, m->n_cand, sizeof *v, by_probe);
    size_t n = 0;
    for (size_t i = 0; i < m->n_cand; i++)
        if (n == 0 || by_probe(&v[n - 1], &v[i]) != 0) v[n++] = v[i];
    m->hooks.probes = v;
    m->hooks.n_probes = n;
}

/* The draw of the merge: the states' seed and sample size, unless given. */
static int agree(pt_evmerge *m, size_t *bad, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->k; i++) {
        const state *s = &m->st[i];
        if (s->seed != m->st[0].seed) {
            *bad = i;
            snprintf(err, errlen, "its samples were drawn with seed %llu, those of %s with %llu: "
                     "every shard needs the same --seed", (unsigned long long)s->seed,
                     i ? "the first state" : "another", (unsigned long long)m->st[0].seed);
            return -1;
        }
    }
    m->seed = m->st[0].seed;
    m->sample_n = m->st[0].sample_n;
    for (size_t i = 0; i < m->k; i++)
        if (m->st[i].pool > m->pool) m->pool = m->st[i].pool;
    if (!m->ev) return 0;
    if (m->seed_fixed && pt_evidence_seed(m->ev) != m->seed) {
        *bad = 0;
        snprintf(err, errlen, "its samples were drawn with seed %llu, not --seed %llu",
                 (unsigned long long)m->seed, (unsigned long long)pt_evidence_seed(m->ev));
        return -1;
    }
    if (m->sample_fixed) m->sample_n = pt_evidence_sample_n(m->ev);
    pt_evidence_set_draw(m->ev, m->sample_n, m->seed);
    return 0;
}

static int on_heads(void *ctx, const pt_tally *all, FILE *const *files,
                    const pt_state_section *sec, size_t k, size_t *bad, char *err, size_t errlen)
{
    pt_evmerge *m = ctx;
    m->k = k;
    m->st = pt_xcalloc(k, sizeof *m->st);
    bool every = true, any = false;
    for (size_t i = 0; i < k; i++) {
        state *s = &m->st[i];
        *s = (state){.has = sec[i].len > 0, .at = sec[i].at, .len = sec[i].len,
                     .input = sec[i].input, .n_inputs = sec[i].n_inputs};
        every = every && s->has;
        any = any || s->has;
        if (!s->has && m->ev) {
            *bad = i;
            snprintf(err, errlen, "it holds no evidence: merge --evidence needs every shard "
                     "scanned with --state and --evidence DIR (and merged states made of such)");
            return -1;
        }
    }
    if (m->ev && all->key_id != m->key_id) {
        *bad = 0;
        snprintf(err, errlen, "the states were made under another case key (id %016llx) than "
                 "the one given (id %016llx)", (unsigned long long)all->key_id,
                 (unsigned long long)m->key_id);
        return -1;
    }
    if (!every) {   /* a merged state without evidence: said when some had it */
        m->dropped = m->want_section && any;
        m->want_section = false;
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        const char *why = read_head(m, &m->st[i], fileno(files[i]));
        if (why) {
            *bad = i;
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        start_list(&m->st[i], fileno(files[i]));
    }
    if (agree(m, bad, err, errlen) != 0) return -1;
    ask_tiers(m);
    return 0;
}

/* ---- the list: the key pass ---- */

static void put_be64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
    return v;
}

/* Sorted by piece, then place: the first of each piece wins (its place, to be sorted
 * again by place), the others lose. */
static void note_winner(void *ctx, const uint8_t id[32])
{
    pt_evmerge *m = ctx;
    if (m->have_last && memcmp(m->last_key, id, 9) == 0) return;
    memcpy(m->last_key, id, 9);
    m->have_last = true;
    uint8_t place[32] = {0};
    memcpy(place, id + 16, 16);
    pt_rowids_add(m->winners, place);
}

static char *tmp_name(const pt_evmerge *m, const char *suffix)
{
    size_t n = strlen(m->tmp_prefix) + strlen(suffix) + 1;
    char *p = pt_xmalloc(n);
    snprintf(p, n, "%s%s", m->tmp_prefix, suffix);
    return p;
}

static int key_pass(pt_evmerge *m, size_t *bad, char *err, size_t errlen)
{
    char *path = tmp_name(m, ".keys.tmp");
    pt_rowids *sorter = pt_rowids_new(path, 0);
    free(path);
    pt_evrecord r = {0};
    int rc = 0;
    for (size_t i = 0; i < m->k && rc == 0; i++) {
        state *s = &m->st[i];
        const uint8_t *p;
        size_t n;
        int got;
        uint64_t rows = 0;
        while ((got = next_record(&s->rd, &p, &n)) == 1) {
            uint32_t input;
            if (!pt_ev_get_record(p, n, m->ps->n, &r) || r.e.tier != 0 || !place_of(s, r.e.input, &input)) {
                got = -1;
                break;
            }
            pt_tier_probe q = probe_of(r.e.fp);
            uint8_t id[32] = {0};
            id[0] = q.shard;
            put_be64(id + 1, q.key);
            put_be64(id + 16, input);
            put_be64(id + 24, r.e.offset);
            pt_rowids_add(sorter, id);
            rows++;
        }
        if (got < 0 || rows != s->listed) {
            *bad = i;
            snprintf(err, errlen, "its evidence section is malformed (the list)");
            rc = -1;
        }
        start_list(s, s->rd.fd);
    }
    free(r.matches);
    path = tmp_name(m, ".wins.tmp");
    m->winners = pt_rowids_new(path, 0);
    free(path);
    if (rc == 0 && pt_rowids_each(sorter, note_winner, m) != 0) {
        snprintf(err, errlen, "the list's keys: %s", strerror(errno));
        rc = -1;
    }
    pt_rowids_free(sorter);
    return rc;
}

/* ---- the list: the rows, in place order ---- */

static bool advance(pt_evmerge *m, state *s)
{
    const uint8_t *p;
    size_t n;
    s->live = false;
    int got = next_record(&s->rd, &p, &n);
    if (got == 0) return true;
    uint32_t input;
    if (got < 0 || !pt_ev_get_record(p, n, m->ps->n, &s->rec) || !place_of(s, s->rec.e.input, &input))
        return false;
    s->rec.e.input = input;
    s->place_input = input;
    s->place_offset = s->rec.e.offset;
    s->live = true;
    return true;
}

static void put_out(pt_evmerge *m, const pt_evbytes *b)
{
    if (m->out && fwrite(b->p, 1, b->len, m->out) != b->len) {
        fclose(m->out);
        m->out = NULL;   /* said when the section is asked for */
    }
}

static bool earlier(const state *a, const state *b)
{
    return a->place_input < b->place_input ||
           (a->place_input == b->place_input && a->place_offset < b->place_offset);
}

/* A min-heap of the live states by their current row's place. */
static void sift_down(state **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && earlier(h[l], h[m])) m = l;
        if (r < n && earlier(h[r], h[m])) m = r;
        if (m == i) return;
        state *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void pop_row(pt_evmerge *m)
{
    state *first = m->heap[0];
    if (!advance(m, first)) {
        m->failed = true;
        m->bad = (size_t)(first - m->st);
    }
    if (!first->live) m->heap[0] = m->heap[--m->live];
    sift_down(m->heap, m->live, 0);
}

/* The next winning place: the rows before it lost (their piece is listed earlier by
 * another state); the row at it is written. */
static void write_winner(void *ctx, const uint8_t place[32])
{
    pt_evmerge *m = ctx;
    uint64_t input = be64(place), offset = be64(place + 8);
    while (!m->failed && m->live &&
           (m->heap[0]->place_input < input ||
            (m->heap[0]->place_input == input && m->heap[0]->place_offset < offset)))
        pop_row(m);
    if (m->failed) return;
    state *first = m->live ? m->heap[0] : NULL;
    if (!first || first->place_input != input || first->place_offset != offset) {
        m->failed = true;   /* a place the key pass saw and the row pass does not */
        m->bad = first ? (size_t)(first - m->st) : 0;
        return;
    }
    pt_piece_event *e = &first->rec.e;
    e->input_name = m->all->inputs[e->input]->path;
    if (m->ev) pt_evidence_piece(m->ev, e);
    m->row.len = 0;
    pt_ev_put_record(&m->row, e, e->fp);
    put_out(m, &m->row);
    m->out_listed++;
    pop_row(m);
}

static int row_pass(pt_evmerge *m, const pt_tally *all, size_t *bad, char *err, size_t errlen)
{
    m->all = all;
    m->heap = pt_xmalloc((m->k ? m->k : 1) * sizeof *m->heap);
    for (size_t i = 0; i < m->k && !m->failed; i++) {
        if (!advance(m, &m->st[i])) {
            m->failed = true;
            m->bad = i;
        }
        if (m->st[i].live) m->heap[m->live++] = &m->st[i];
    }
    for (size_t i = m->live; i-- > 0;) sift_down(m->heap, m->live, i);
    if (!m->failed && pt_rowids_each(m->winners, write_winner, m) != 0) {
        snprintf(err, errlen, "the list's places: %s", strerror(errno));
        return -1;
    }
    while (!m->failed && m->live) pop_row(m);   /* losers after the last winner: read, checked */
    if (m->failed) {
        *bad = m->bad;
        snprintf(err, errlen, "its evidence section is malformed (the list)");
        return -1;
    }
    if (m->out_listed != all->streamed_distinct[0]) {   /* a piece is listed where it is raised */
        *bad = 0;
        snprintf(err, errlen, "the lists of the states give %llu pieces of tier %s, the sets %llu: "
                 "a state's evidence does not belong to its sets",
                 (unsigned long long)m->out_listed, m->pol->tiers[0].id,
                 (unsigned long long)all->streamed_distinct[0]);
        return -1;
    }
    return 0;
}

/* ---- the samples ---- */

static int by_piece_place(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->tier != y->tier) return x->tier < y->tier ? -1 : 1;
    pt_tier_probe p = probe_of(x->enc), q = probe_of(y->enc);
    int c = by_probe(&p, &q);
    if (c) return c;
    if (x->input != y->input) return x->input < y->input ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int by_draw(const void *a, const void *b)
{
    const candidate *x = *(candidate *const *)a, *y = *(candidate *const *)b;
    return x->draw < y->draw ? -1 : x->draw > y->draw;
}

static int merged_tier(const pt_evmerge *m, const candidate *c)
{
    pt_tier_probe q = probe_of(c->enc);
    const pt_tier_probe *hit = bsearch(&q, m->hooks.probes, m->hooks.n_probes, sizeof q, by_probe);
    return hit ? hit->tier : -1;
}

/* The candidates of tier t that are proven: of merged tier t, below every state's theta,
 * each piece once (its earliest row). Sorted by draw key into v; returns how many; theta
 * gets the smallest theta and *owner the state it is of. */
static size_t proven(pt_evmerge *m, size_t t, candidate **v, uint64_t *theta, size_t *owner)
{
    *theta = UINT64_MAX;
    *owner = 0;
    for (size_t i = 0; i < m->k; i++)
        if (m->st[i].theta[t] < *theta) {
            *theta = m->st[i].theta[t];
            *owner = i;
        }
    size_t n = 0;
    const candidate *last = NULL;
    for (size_t i = 0; i < m->n_cand; i++) {
        candidate *c = &m->cand[i];
        if (c->tier != t || c->merged_tier != (int)t || c->draw >= *theta) continue;
        bool same = last && probe_of(last->enc).shard == probe_of(c->enc).shard &&
                    probe_of(last->enc).key == probe_of(c->enc).key;
        last = c;
        if (!same) v[n++] = c;   /* sorted by piece, then place: the first is the earliest */
    }
    if (n) qsort(v, n, sizeof *v, by_draw);
    return n;
}

static void offer(pt_evmerge *m, const pt_tally *all, const candidate *c)
{
    pt_evrecord r = {0};
    if (pt_ev_get_record(c->rec, c->rec_len, m->ps->n, &r)) {
        r.e.input = c->input;
        r.e.input_name = all->inputs[c->input]->path;
        pt_evidence_piece(m->ev, &r.e);
    }
    free(r.matches);
}

static int samples(pt_evmerge *m, const pt_tally *all, pt_evbytes *head, size_t *bad, char *err,
                   size_t errlen)
{
    for (size_t i = 0; i < m->n_cand; i++) {
        m->cand[i].merged_tier = merged_tier(m, &m->cand[i]);
        m->cand[i].draw = pt_ev_draw_key(m->cand[i].enc, m->seed);
    }
    if (m->n_cand) qsort(m->cand, m->n_cand, sizeof *m->cand, by_piece_place);
    candidate **v = pt_xmalloc((m->n_cand ? m->n_cand : 1) * sizeof *v);
    for (size_t t = 1; t < m->pol->n_tiers; t++) {
        uint64_t theta;
        size_t owner, n = proven(m, t, v, &theta, &owner);
        bool whole = theta == UINT64_MAX || n == all->streamed_distinct[t];
        if (m->ev && n < m->sample_n && !whole) {
            *bad = owner;
            snprintf(err, errlen, "its sample candidates of tier %s run out (%llu kept): the merged "
                     "sample of %zu cannot be proven (pieces raised to a more serious tier by other "
                     "shards, or a larger --sample than the shards'); scan the shards with a larger "
                     "--sample, or the whole set in one scan", m->pol->tiers[t].id,
                     (unsigned long long)m->st[owner].pool, m->sample_n);
            free(v);
            return -1;
        }
        for (size_t i = 0; m->ev && i < n && i < m->sample_n; i++) offer(m, all, v[i]);
        size_t keep = n < m->pool ? n : m->pool;   /* the merged state's candidates */
        pt_ev_put_u64le(head, keep < n ? v[keep]->draw : theta);
        pt_ev_put_var(head, keep);
        for (size_t i = 0; i < keep; i++) {
            pt_evrecord r = {0};
            if (pt_ev_get_record(v[i]->rec, v[i]->rec_len, m->ps->n, &r)) {
                r.e.input = v[i]->input;
                pt_ev_put_record(head, &r.e, v[i]->enc);
            }
            free(r.matches);
        }
    }
    free(v);
    return 0;
}

/* ---- rejected values ---- */

static int by_rejected_place(const void *a, const void *b)
{
    const rejected *x = a, *y = b;
    if (x->input != y->input) return x->input < y->input ? -1 : 1;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->pattern != y->pattern) return x->pattern < y->pattern ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void rejected_rows(pt_evmerge *m, const pt_tally *all, pt_evbytes *head)
{
    if (m->n_rej) qsort(m->rej, m->n_rej, sizeof *m->rej, by_rejected_place);
    uint32_t *kept = pt_xcalloc(m->ps->n ? m->ps->n : 1, sizeof *kept);
    pt_evbytes rows = {0};
    size_t n = 0;
    for (size_t i = 0; i < m->n_rej; i++) {
        const rejected *x = &m->rej[i];
        if (kept[x->pattern]++ >= PT_REJECTS_PER_PATTERN) continue;
        pt_rejected_event e = {x->input, all->inputs[x->input]->path, x->offset, x->line,
                               x->pattern, x->value, x->reason};
        if (m->ev) pt_evidence_rejected(m->ev, &e);
        pt_ev_put_rejected(&rows, &e);
        n++;
    }
    pt_ev_put_var(head, n);
    pt_ev_put(head, rows.p, rows.len);
    free(rows.p);
    free(kept);
}

/* ---- after the sets ---- */

static FILE *open_out(const pt_evmerge *m)
{
    char *path = tmp_name(m, ".section.tmp");
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (fd >= 0) unlink(path);   /* held open only */
    if (!f && fd >= 0) close(fd);
    free(path);
    return f;
}

static int on_sets(void *ctx, const pt_tally *all, FILE **section, size_t *bad, char *err,
                   size_t errlen)
{
    pt_evmerge *m = ctx;
    *section = NULL;
    if (!m->ev && !m->want_section) return 0;
    if (m->want_section && !(m->out = open_out(m))) {
        snprintf(err, errlen, "%s: a temporary file: %s", m->tmp_prefix, strerror(errno));
        return -1;
    }
    if (key_pass(m, bad, err, errlen) != 0 || row_pass(m, all, bad, err, errlen) != 0) return -1;
    pt_evbytes head = {0};
    pt_ev_put_var(&head, m->sample_n);
    pt_ev_put_var(&head, m->pool);
    pt_ev_put_u64le(&head, m->seed);
    pt_ev_put_var(&head, m->pol->n_tiers);
    int rc = samples(m, all, &head, bad, err, errlen);
    if (rc == 0) {
        rejected_rows(m, all, &head);
        pt_ev_put_var(&head, m->out_listed);
        pt_ev_put_u64le(&head, head.len);
    }
    if (rc == 0 && m->want_section) {
        if (!m->out || fwrite(head.p, 1, head.len, m->out) != head.len || fflush(m->out) != 0) {
            snprintf(err, errlen, "%s: the merged evidence section: %s", m->tmp_prefix, strerror(errno));
            rc = -1;
        } else {
            rewind(m->out);
            *section = m->out;
            m->out = NULL;
        }
    }
    free(head.p);
    return rc;
}
