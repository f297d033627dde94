/* evidence.c - the evidence directory (--evidence DIR): the pieces an examiner confirms
 * one by one, and a reproducible sample of the others.
 *
 *  - <tier>.csv for the most serious tier of the policy (art5_3): every distinct piece
 *    of that tier, one row each, in input order, streamed to disk as the scan commits.
 *    The workers format the rows (pt_evidence_prepare), the commit adds the cells only
 *    it knows and writes them (list_piece); the rows' identities, for manifest.json's
 *    file digest which pitally review checks, are sorted on disk in bounded memory
 *    (rowids.h). A piece is listed when it enters the tier:
 *    new in the run, or seen before in a less serious tier (declared provenance), so
 *    the rows are exactly the tier's distinct count.
 *  - sample_<tier>.csv for every other tier: the N pieces whose keyed hash of the
 *    fingerprint is smallest (a bottom-N sketch, as a MinHash keeps). The hash is keyed
 *    by --seed, so another seed draws another sample; it depends only on the set of
 *    distinct pieces, so the same inputs and seed give the same sample for any thread
 *    count, chunk size or order of the inputs. Rows are written in input order. A pool
 *    of PT_EV_POOL_FACTOR * N candidates is kept (sample_heap), so that pieces raised
 *    out of the tier by --declare leave no hole unless more than 3N of them do. The
 *    workers work out each piece's draw key (under the case key too, each on its own
 *    AES context) and let the values of a piece that can no longer be drawn go.
 *  - rejected.csv: the first PT_REJECTS_PER_PATTERN values of each pattern that were
 *    matched and not accepted (masked copy, failed validator), with where and why: what
 *    an examiner checks to see that nothing real was thrown away. Their values are
 *    always masked (they were not counted, so no one confirms them one by one; the line
 *    and offset lead to the original), and the reason leaves out what a validator read
 *    from the value (a birth date).
 *  - columns.csv: the columns view of the JSON report, one row per column of each input.
 *  - manifest.txt: what the files are, the seed and sample size, the counts.
 *  - with --state (pt_evidence_capture), the state's evidence section: every listed
 *    piece's record (values as found) streamed to an unlinked file in DIR, then each
 *    tier's pool and the rejected rows (pt_evidence_section), for merge --evidence
 *    (evmerge.c, which replays the merged pieces into a pt_evidence as a scan gives them).
 * Values are written as found (the examiner compares them with the original), or masked
 * with --mask for copies that leave the lab. The directory is 0700, every file 0600,
 * each written to a temporary name and renamed into place. CSV in UTF-8 with a BOM, so
 * that Excel and WPS open it as UTF-8; the values cell reads "pattern=value; ..."
 * (text, so Excel never turns an ID into a number); a cell starting with = + - @ gets a
 * leading apostrophe (a seized value is never run as a formula). */
#include "pitally/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#define XXH_INLINE_ALL   /* the draw key of a piece: XXH3 of 16 bytes, inlined (no call) */
#include <xxhash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "colview.h"
#include "evidence_internal.h"
#include "rowids.h"
#include "jsonw.h"
#include "pitally/input.h"
#include "pitally/pipeline.h"
#include "pitally/validators.h"

#define REVIEW_COLUMN "核实"   /* filled by the examiner: 是/否 (pitally review) */
#define KEY_PREFIX "k"         /* before a sample key's hex: Excel would read 1e5... as a number */
#define LIST_IOV 1024          /* pieces of rows of the list per writev (IOV_MAX) */
#define IOV_PER_ROW 5          /* at most: input and member, line, the prepared cells, values, review */
#define WRITEBACK_STEP (32u << 20)   /* the list goes to disk as it grows (early_writeback) */

/* ---- CSV cells ---- */

typedef pt_piece_bytes buf;   /* p, len, cap; put keeps p NUL-terminated */

typedef struct {
    uint32_t input, pattern;   /* input: index into the result's inputs */
    uint64_t offset, line;
    uint8_t reason;
    char value[PT_SAMPLE_VALUE_MAX];   /* as found: masked when written */
} rejected_row;

typedef struct {
    uint64_t key;              /* draw key of the fingerprint: the sample order (never written) */
    uint64_t fp[2];
    uint32_t input;
    uint64_t offset;
    char *row;                 /* the CSV line without the key column, then the values
                                  text (row + text_at) when the line does not end with it */
    size_t text_at, text_len;  /* the values text, as the identity hashes it */
    char id[64];               /* SHA-256 (hex) of the row's identifying cells: worked out
                                  only for the rows kept (sample_identities) */
    uint8_t *raw;              /* its record for the state (evidence_internal.h), or NULL */
    size_t raw_len;
} sample_row;

/* The candidates of a tier: the pool is PT_EV_POOL_FACTOR times the sample, so that a
 * piece that leaves the tier (raised by --declare) does not leave a hole, and so that a
 * merge of shards can prove its sample (evmerge.c). What it holds is exactly the tier's
 * pieces whose key is below theta, the smallest key ever turned away or pushed out
 * (UINT64_MAX: none was): the file takes the sample's n smallest of them. */
typedef struct {
    sample_row *v;             /* max-heap by key, at most the pool */
    size_t n;
    uint64_t theta;
} sample_heap;

struct pt_evidence {
    char *dir;
    const pt_policy *pol;
    const pt_patterns *ps;
    size_t sample_n;
    uint64_t seed;
    bool mask;
    EVP_CIPHER_CTX *draw_key;  /* NULL: the draw is XXH3(fingerprint, seed) (see draw_key) */
    uint8_t draw_raw[16];      /* its key, from which each worker makes its own context */
    uint64_t draw_gen;         /* which key that is, process-wide (worker_draw_context) */
    EVP_CIPHER_CTX *tag_key;   /* enciphers a draw key into the sample_key written */
    const char *draw;          /* how the draw was keyed, for the manifests */
    FILE *list;                /* the listed tier, streaming */
    char *list_tmp, *list_path;
    uint64_t listed;
    /* rows of the list not yet written, as pieces (list_piece): the prepared cells are
     * written from the chunk where the worker put them, with no copy */
    struct iovec iov[LIST_IOV];
    size_t n_iov, n_rows;
    uint64_t written, synced;  /* bytes of rows written, and handed to writeback */
    char lines[LIST_IOV / IOV_PER_ROW][24];   /* their line cells */
    pt_rowids *list_ids;       /* SHA-256 of each listed row's identifying cells */
    char list_sha[65];         /* the list's content digest (rowids.h) */
    uint32_t head_input;       /* the input whose cells are in head and id_head */
    bool have_head;
    buf head, id_head;         /* its input and member cells, as written and as hashed */
    sample_heap heaps[PT_MAX_TIERS];
    _Atomic uint64_t theta_seen[PT_MAX_TIERS];   /* each heap's theta, for the workers
                                                    (may_be_drawn) */
    size_t pool;               /* candidates kept per tier: PT_EV_POOL_FACTOR * sample_n */
    FILE *capture;             /* scan --state: the records of the pieces listed, for the
                                  state's evidence section (NULL: not kept) */
    char *capture_path;
    bool merging;              /* the pieces' fingerprints come enciphered (a merge) */
    pt_evbytes rec;            /* a record being made */
    bool failed;
    int error;
    buf scratch;               /* a piece formatted at the commit (a sample row) */
    buf id_text;               /* a row's identifying cells, as hashed */
    EVP_MD_CTX *id_ctx;        /* SHA-256 of them, reused for each row */
    EVP_MD *sha256;            /* fetched once (an implicit fetch a row costs) */
    size_t *pattern_id_len;    /* [n_patterns]: strlen of each id, not counted a row */
    size_t category_len[PT_MAX_CATEGORIES], tier_len[PT_MAX_TIERS];   /* likewise */
    bool names_plain;          /* no tier, category or pattern id needs CSV quotes
                                  (plain_names): their cells are put as they are */
    rejected_row *rejected;    /* the first rejected values of each pattern */
    size_t n_rejected, rejected_cap;
    uint8_t *rejected_of;      /* [n_patterns]: rows kept per pattern */
    char sha_rejected[65], sha_columns[65];   /* of the files as written */
    size_t rows_columns;
};

/* Room for n more bytes and the NUL: a pointer into b stays valid while they are put. */
static void reserve(buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->p = pt_xrealloc(b->p, b->cap);
    }
}

static void put(buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* After a reserve: no check, no NUL (the caller's last put adds it). */
static inline void put_raw(buf *b, const char *s, size_t n)
{
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static bool formula_start(const char *s, size_t n)
{
    return n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
}

/* Whether the text holds , " CR or LF: sixteen bytes at a time with SSE2 (the values
 * cell of a row is a few hundred bytes, and every row is checked). */
static bool has_special(const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        if (_mm_movemask_epi8(hit)) return true;
    }
#endif
    for (; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') return true;
    return false;
}

static bool needs_quotes(const char *s, size_t n)
{
    return formula_start(s, n) || has_special(s, n);
}

/* The text of a CSV cell (RFC 4180), with a leading apostrophe before = + - @ (no
 * formula); at most 2n + 3 bytes. */
static void cell_body(buf *b, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        put(b, s, n);
        return;
    }
    put(b, "\"", 1);
    if (n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) put(b, "'", 1);
    const char *q, *end = s + n;
    while ((q = memchr(s, '"', (size_t)(end - s))) != NULL) {   /* runs between quotes */
        put(b, s, (size_t)(q - s) + 1);
        put(b, "\"", 1);
        s = q + 1;
    }
    put(b, s, (size_t)(end - s));
    put(b, "\"", 1);
}

static void cell(buf *b, const char *s, size_t n, bool first)
{
    if (!first) put(b, ",", 1);
    cell_body(b, s, n);
}

/* The cell whose text was just put at b->p[from, len), quoted in place if it must be:
 * it is copied past the longest quoted form first, so nothing moves under cell_body. */
static void quote_tail(buf *b, size_t from)
{
    size_t n = b->len - from;
    if (!needs_quotes(b->p + from, n)) return;
    size_t copy_at = from + 2 * n + 4;
    b->len = copy_at;
    reserve(b, n);
    memcpy(b->p + copy_at, b->p + from, n);
    b->len = from;
    cell_body(b, b->p + copy_at, n);
}

static void cell_str(buf *b, const char *s, bool first)
{
    cell(b, s, strlen(s), first);
}

static void cell_u64(buf *b, uint64_t v, bool first)
{
    char t[24];
    size_t k = sizeof t;
    do t[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    cell(b, t + k, sizeof t - k, first);
}

static const char *const columns[] = {"input", "member", "line", "offset", "tier", "categories",
                                      "patterns", "values"};

static void header(buf *b, bool with_key)
{
    put(b, "\xEF\xBB\xBF", 3);   /* BOM: Excel and WPS then read UTF-8 */
    for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) cell_str(b, columns[i], i == 0);
    if (with_key) cell_str(b, "sample_key", false);
    cell_str(b, REVIEW_COLUMN, false);
    put(b, "\r\n", 2);
}

/* The identity of a row, which pitally review checks (docs/review.md): SHA-256 over
 * its identifying cells as a CSV reader gets them back (with the apostrophe put before
 * = + - @), each as "LENGTH:BYTES,". Sample rows: the values cell; rows of the list:
 * input, member, line and values. id_cell puts one such cell into t (s may point into
 * t: room is made first). */
static void id_cell(buf *t, const char *s, size_t n)
{
    bool apos = formula_start(s, n);
    char len[24];
    size_t k = sizeof len;
    len[--k] = ':';
    size_t v = n + apos;
    do len[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    bool inside = t->p && s >= t->p && s < t->p + t->len;
    size_t at = inside ? (size_t)(s - t->p) : 0;
    reserve(t, sizeof len + n + 2);
    if (inside) s = t->p + at;
    put(t, len + k, sizeof len - k);
    if (apos) put(t, "'", 1);
    put(t, s, n);
    put(t, ",", 1);
}

/* SHA-256 of an identity text: the cells before the values (a), the values text (b),
 * and the comma that ends the values cell; one digest a row (a call per cell cost more
 * than the hashing). */
static void id_digest3(pt_evidence *ev, const char *a, size_t na, const char *b, size_t nb,
                       unsigned char md[32])
{
    unsigned int len = 0;
    if (!EVP_DigestInit_ex(ev->id_ctx, ev->sha256, NULL) || !EVP_DigestUpdate(ev->id_ctx, a, na) ||
        !EVP_DigestUpdate(ev->id_ctx, b, nb) || !EVP_DigestUpdate(ev->id_ctx, ",", 1) ||
        !EVP_DigestFinal_ex(ev->id_ctx, md, &len) || len != 32) {
        fprintf(stderr, "pitally: libcrypto cannot hash (SHA-256)\n");
        abort();
    }
}

static void id_hex(const unsigned char md[32], char out[64])
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
}

/* The input cell and the member cell: "a.zip!/b.csv" is input a.zip, member b.csv. */
static void input_cells(buf *b, const char *name, bool first)
{
    const char *bang = strstr(name, "!/");
    cell(b, name, bang ? (size_t)(bang - name) : strlen(name), first);
    cell_str(b, bang ? bang + 2 : "", false);
}

/* ---- a piece's row ----
 * Formatted by the workers (pt_evidence_prepare), in parallel, into the chunk: all but
 * what only the commit knows (the line) and what is the same for every row of an input
 * (the input and member cells, kept by the commit). What format_piece writes:
 *   uint32 n | QUOTED (when the values cell needed quotes), the values text (n bytes,
 *   as the identity hashes it), then the row's cells from offset on: ",offset,tier,
 *   categories,patterns," and, only when quoted, the quoted values cell.
 * Unquoted (the usual row) the values cell is the text itself: written from where it
 * is and hashed from there, so the values are held once (the chunks' prepared rows
 * are most of the memory --evidence adds). The commit puts "input,member,line" before
 * those cells and the review column after. */

#define QUOTED 0x80000000u   /* in a prepared piece's first word: the cell is in the cells */

static void categories_text(const pt_evidence *ev, uint64_t categories, buf *b)
{
    bool any = false;
    for (uint64_t left = categories; left; left &= left - 1) {
        size_t k = (size_t)__builtin_ctzll(left);
        if (k >= ev->pol->n_categories) break;
        size_t n = ev->category_len[k];
        reserve(b, n + 1);
        if (any) put_raw(b, ";", 1);
        put_raw(b, ev->pol->categories[k], n);
        any = true;
    }
    reserve(b, 0);
    b->p[b->len] = '\0';
}

/* The cell whose text was just put at b->p[from, len): quoted in place unless every
 * name it can hold is plain (then it needs no look). */
static void name_cell_done(const pt_evidence *ev, buf *b, size_t from)
{
    if (!ev->names_plain) quote_tail(b, from);
}

/* ",DIGITS": a number's cell needs no quotes. */
static void put_number_cell(buf *b, uint64_t v)
{
    char t[24];
    size_t k = sizeof t;
    do t[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    t[--k] = ',';
    put(b, t + k, sizeof t - k);
}

static void patterns_text(const pt_evidence *ev, const pt_piece_event *e, buf *b)
{
    bool any = false;
    for (size_t i = 0; i < e->n_matches; i++) {
        bool seen = false;   /* each pattern once (by its id: cn_name is not cn_name_text) */
        for (size_t k = 0; k < i && !seen; k++) seen = e->matches[k].pattern == e->matches[i].pattern;
        if (seen) continue;
        size_t n = ev->pattern_id_len[e->matches[i].pattern];
        reserve(b, n + 1);
        if (any) put_raw(b, ";", 1);
        put_raw(b, ev->ps->v[e->matches[i].pattern].id, n);
        any = true;
    }
}

static void values_text(const pt_evidence *ev, const pt_piece_event *e, buf *b)
{
    for (size_t i = 0; i < e->n_matches; i++) {
        const pt_pattern *p = &ev->ps->v[e->matches[i].pattern];
        size_t id_len = ev->pattern_id_len[e->matches[i].pattern];
        reserve(b, id_len + 3 + e->matches[i].len);   /* "; " id "=" value: one check */
        if (i) put_raw(b, "; ", 2);
        put_raw(b, p->id, id_len);
        put_raw(b, "=", 1);
        if (ev->mask) {
            char masked[PT_SAMPLE_VALUE_MAX];
            pt_mask_value(e->matches[i].value, e->matches[i].len, p->mask_head, p->mask_tail,
                          masked, sizeof masked);
            puts_(b, masked);
        } else {
            put_raw(b, e->matches[i].value, e->matches[i].len);
        }
    }
    reserve(b, 0);
    b->p[b->len] = '\0';
}

/* Appends the piece's prepared form to out (above). Thread-safe: reads ev only. */
static void format_piece(const pt_evidence *ev, const pt_piece_event *e, buf *out)
{
    size_t head = out->len;
    uint32_t word = 0;
    put(out, (const char *)&word, sizeof word);
    size_t a = out->len;
    values_text(ev, e, out);
    size_t n = out->len - a;
    bool quoted = needs_quotes(out->p + a, n);
    word = (uint32_t)n | (quoted ? QUOTED : 0);
    put_number_cell(out, e->offset);
    put(out, ",", 1);
    size_t from = out->len;
    put(out, ev->pol->tiers[e->tier].id, ev->tier_len[e->tier]);
    name_cell_done(ev, out, from);
    put(out, ",", 1);
    from = out->len;
    categories_text(ev, e->categories, out);
    name_cell_done(ev, out, from);
    put(out, ",", 1);
    from = out->len;
    patterns_text(ev, e, out);
    name_cell_done(ev, out, from);
    put(out, ",", 1);
    if (quoted) {
        reserve(out, 2 * n + 4);   /* the values cell, quoted from the text at a: nothing moves */
        cell_body(out, out->p + a, n);
    }
    memcpy(out->p + head, &word, sizeof word);
}

/* The parts of a prepared piece: the values text, the cells from offset on, and the
 * values cell when it is not among them (unquoted: the text itself; else empty). */
typedef struct {
    const char *text, *cells, *tail;
    size_t text_len, cells_len, tail_len;
} prepared;

static prepared parts(const char *p, size_t len)
{
    uint32_t word;
    memcpy(&word, p, sizeof word);
    size_t n = word & ~QUOTED;
    const char *text = p + sizeof word;
    prepared x = {text, text + n, text, n, len - sizeof word - n, n};
    if (word & QUOTED) x.tail_len = 0;
    return x;
}

static uint64_t worker_draw_key(const pt_evidence *ev, const uint64_t fp[2]);

/* A piece of the list gets its row prepared (above). A piece of a sampled tier gets its
 * draw key (8 bytes), which the commit then takes instead of working it out again (an
 * AES call each, on the one thread that commits), and keeps its values only if it may
 * still be drawn (on the bench's realistic mix, keeping the values of every such piece
 * cost about a tenth of a plain scan): not when its key is at or above the tier's theta
 * as the commit last published it. theta only falls, so offer turns the piece away too,
 * before it looks at the values: the sample is the same whatever the timing. */
bool pt_evidence_prepare(const void *ctx, const pt_piece_event *e, pt_piece_bytes *out)
{
    const pt_evidence *ev = ctx;
    if (e->tier == 0) {
        format_piece(ev, e, out);
        return ev->capture != NULL;   /* the state keeps the values as found */
    }
    if (ev->pool == 0) return ev->capture != NULL;   /* nothing is drawn */
    uint64_t key = worker_draw_key(ev, e->fp);
    put(out, (const char *)&key, sizeof key);
    uint64_t theta = atomic_load_explicit(&ev->theta_seen[e->tier], memory_order_relaxed);
    return ev->capture != NULL || key < theta;
}

/* The draw key of a sampled piece, as its worker prepared it. */
static bool prepared_key(const pt_piece_event *e, uint64_t *key)
{
    if (!e->prepared || e->prepared_len != sizeof *key) return false;
    memcpy(key, e->prepared, sizeof *key);
    return true;
}

/* The row of a piece as the commit gives it: prepared by a worker (a piece of the
 * list), or formatted here. */
static prepared piece_parts(pt_evidence *ev, const pt_piece_event *e)
{
    if (e->prepared && e->tier == 0) return parts(e->prepared, e->prepared_len);
    ev->scratch.len = 0;
    format_piece(ev, e, &ev->scratch);
    return parts(ev->scratch.p, ev->scratch.len);
}

/* The identity of a row: SHA-256 of before (the cells before the values, as id_cell
 * puts them) and the values cell's, made from its text where it is. */
static void row_digest(pt_evidence *ev, buf *before, const prepared *x, unsigned char md[32])
{
    bool apos = formula_start(x->text, x->text_len);
    char len[24];
    size_t k = sizeof len;
    size_t v = x->text_len + apos;
    len[--k] = ':';
    do len[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put(before, len + k, sizeof len - k);
    if (apos) put(before, "'", 1);
    id_digest3(ev, before->p, before->len, x->text, x->text_len, md);
}

/* The row of a sample's piece, without the sample key and review columns, into b, and
 * where its values text is (r->text_at, text_len): the row's last cell when unquoted,
 * else a copy after the row's NUL. Its identity is not worked out here: most rows that
 * enter the pool are pushed out of it again (sample_identities). */
static void piece_row(pt_evidence *ev, const pt_piece_event *e, buf *b, sample_row *r)
{
    prepared x = piece_parts(ev, e);
    input_cells(b, e->input_name, true);
    cell_u64(b, e->line, false);
    put(b, x.cells, x.cells_len);
    put(b, x.tail, x.tail_len);
    r->text_len = x.text_len;
    if (x.tail_len) {
        r->text_at = b->len - x.text_len;
        return;
    }
    b->len++;   /* past the row's NUL */
    r->text_at = b->len;
    put(b, x.text, x.text_len);
}

/* The identity of a kept sample row (see piece_row). */
static void sample_identity(pt_evidence *ev, sample_row *r)
{
    prepared x = {.text = r->row + r->text_at, .text_len = r->text_len};
    ev->id_text.len = 0;
    unsigned char md[32];
    row_digest(ev, &ev->id_text, &x, md);
    id_hex(md, r->id);
}

/* ---- keys ----
 * What a sample file and the manifest may say without giving a value away (privacy
 * principle, README). The plain fingerprint of a piece made of one mobile number is a
 * function of that number alone, so XXH3(fingerprint, seed) with the seed in the
 * manifest is reversed by trying all ten billion numbers, and then a masked row is
 * unmasked. Two things follow:
 *  - the sample_key written is not the draw key but AES-128 of it under a tag key that
 *    no file holds (a fresh random one per directory, or one derived from the case
 *    key). The CSV and manifest.json carry the same tags, which is all pitally review
 *    needs (it matches rows by their cells and names a row by its tag).
 *  - which rows were drawn says something too: a masked 138****5678 has 10^4 readings,
 *    and only about sample/distinct of them would fall in a public bottom-N. So the draw
 *    itself is keyed by the case key when there is one (the same sample for the same
 *    key and seed: a masked copy holds the lab copy's rows), and by a one-off random
 *    key under --mask without one. Only an unmasked run without a case key draws by the
 *    seed alone (as before; its values are in the files anyway). */

#define TAG_KEY_LABEL "pitally evidence"   /* 16 bytes: enciphered to derive the tag key */

static _Atomic uint64_t draw_generations;   /* keys given to a keyed draw, process-wide */

static EVP_CIPHER_CTX *aes_context(const uint8_t key[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || !EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL)) {
        fprintf(stderr, "pitally: libcrypto cannot run AES-128 (evidence keys)\n");
        abort();
    }
    EVP_CIPHER_CTX_set_padding(c, 0);
    return c;
}

static void encipher_block(EVP_CIPHER_CTX *c, uint8_t block[16])
{
    int out = 0;
    if (!EVP_EncryptUpdate(c, block, &out, block, 16) || out != 16) {
        fprintf(stderr, "pitally: libcrypto cannot run AES-128 (evidence keys)\n");
        abort();
    }
}

/* Key the evidence by key: the tag key is AES_key(TAG_KEY_LABEL); the draw too when
 * keyed_draw. The contexts keep the schedules: one AES call per piece offered. */
static void use_key(pt_evidence *ev, const uint8_t key[16], bool keyed_draw)
{
    EVP_CIPHER_CTX *k = aes_context(key);
    uint8_t tag[16];
    _Static_assert(sizeof TAG_KEY_LABEL == sizeof tag + 1, "the label is one block");
    for (size_t i = 0; i < sizeof tag; i++) tag[i] = (uint8_t)TAG_KEY_LABEL[i];
    encipher_block(k, tag);
    EVP_CIPHER_CTX_free(ev->tag_key);
    ev->tag_key = aes_context(tag);
    OPENSSL_cleanse(tag, sizeof tag);   /* the context holds its schedule; no copy stays */
    EVP_CIPHER_CTX_free(ev->draw_key);
    ev->draw_key = keyed_draw ? k : NULL;
    if (!keyed_draw) EVP_CIPHER_CTX_free(k);
    memcpy(ev->draw_raw, key, sizeof ev->draw_raw);
    ev->draw_gen = keyed_draw ? atomic_fetch_add(&draw_generations, 1) + 1 : 0;
}

/* A fresh random key, never written: tags (and a --mask draw) of this directory only. */
static void use_random_key(pt_evidence *ev)
{
    uint8_t key[16];
    size_t got = 0;
    while (got < sizeof key) {
        ssize_t n = getrandom(key + got, sizeof key - got, 0);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "pitally: getrandom: %s\n", strerror(errno));
            abort();
        }
        if (n > 0) got += (size_t)n;
    }
    use_key(ev, key, ev->mask);
    OPENSSL_cleanse(key, sizeof key);
    ev->draw = ev->mask ? "one-off key" : "seed";
}

void pt_evidence_set_case_key(pt_evidence *ev, const pt_casekey *k)
{
    use_key(ev, k->key, true);
    ev->draw = "case key";
}

/* The order of the draw: the seeded hash of the fingerprint, enciphered first when the
 * draw is keyed (the fingerprint as a state file holds it, under the case key). */
static uint64_t draw_key(const pt_evidence *ev, const uint64_t fp[2])
{
    uint8_t block[16];
    memcpy(block, fp, 16);
    if (ev->draw_key) encipher_block(ev->draw_key, block);
    return XXH3_64bits_withSeed(block, sizeof block, ev->seed);
}

/* The workers' draw (pt_evidence_prepare). An EVP context is not to be shared between
 * threads (an update writes into it), so each thread makes its own from the key's
 * bytes, once, and keeps it until the thread ends; the generation tells it when the
 * key it holds is another evidence's. Freeing a context (EVP_CIPHER_CTX_free) clears
 * its key schedule (libcrypto's AES frees it with OPENSSL_clear_free); the thread that
 * frees the evidence lets go of its own at once (worker_draw_release): a scan's main
 * thread lives on past it. */
typedef struct {
    uint64_t gen;
    EVP_CIPHER_CTX *c;
} thread_draw;

static pthread_key_t thread_draw_slot;
static pthread_once_t thread_draw_once = PTHREAD_ONCE_INIT;

static void thread_draw_free(void *p)
{
    thread_draw *t = p;
    EVP_CIPHER_CTX_free(t->c);
    free(t);
}

static void thread_draw_init(void)
{
    if (pthread_key_create(&thread_draw_slot, thread_draw_free) != 0) {
        fprintf(stderr, "pitally: cannot make a thread-specific key\n");
        abort();
    }
}

/* The calling thread's context, freed now rather than at its end. */
static void worker_draw_release(void)
{
    pthread_once(&thread_draw_once, thread_draw_init);
    thread_draw *t = pthread_getspecific(thread_draw_slot);
    if (!t) return;
    pthread_setspecific(thread_draw_slot, NULL);
    thread_draw_free(t);
}

static EVP_CIPHER_CTX *worker_draw_context(const pt_evidence *ev)
{
    pthread_once(&thread_draw_once, thread_draw_init);
    thread_draw *t = pthread_getspecific(thread_draw_slot);
    if (!t) {
        t = pt_xcalloc(1, sizeof *t);
        pthread_setspecific(thread_draw_slot, t);
    }
    if (t->gen != ev->draw_gen) {
        EVP_CIPHER_CTX_free(t->c);
        t->c = aes_context(ev->draw_raw);
        t->gen = ev->draw_gen;
    }
    return t->c;
}

/* draw_key on a worker: the same key, on the thread's own context. */
static uint64_t worker_draw_key(const pt_evidence *ev, const uint64_t fp[2])
{
    uint8_t block[16];
    memcpy(block, fp, 16);
    if (ev->draw_key) encipher_block(worker_draw_context(ev), block);
    return XXH3_64bits_withSeed(block, sizeof block, ev->seed);
}

/* The sample_key written for a draw key: 64 bits of its cipher under the tag key. */
static uint64_t sample_tag(const pt_evidence *ev, uint64_t key)
{
    uint8_t block[16] = {0};
    memcpy(block, &key, sizeof key);
    encipher_block(ev->tag_key, block);
    uint64_t tag;
    memcpy(&tag, block, sizeof tag);
    return tag;
}

/* ---- the directory ---- */

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = pt_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* DIR is created 0700, or an existing empty directory is taken (and made 0700): the
 * files of an earlier run are never mixed with these. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) == 0) return 0;
    if (errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    bool empty = true;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = false;
    closedir(d);
    if (!empty) {
        snprintf(err, errlen, "%s exists and is not empty: give a new directory", dir);
        return -1;
    }
    chmod(dir, 0700);
    return 0;
}

/* Whether every tier, category and pattern id is a plain CSV cell: no quotes needed
 * for any one of them, nor for any ';'-joined list of them (a list starts with one). */
static bool plain_names(const pt_evidence *ev)
{
    for (size_t t = 0; t < ev->pol->n_tiers; t++)
        if (needs_quotes(ev->pol->tiers[t].id, ev->tier_len[t])) return false;
    for (size_t k = 0; k < ev->pol->n_categories; k++)
        if (needs_quotes(ev->pol->categories[k], ev->category_len[k])) return false;
    for (size_t i = 0; i < ev->ps->n; i++)
        if (needs_quotes(ev->ps->v[i].id, ev->pattern_id_len[i])) return false;
    return true;
}

pt_evidence *pt_evidence_open(const char *dir, const pt_policy *pol, const pt_patterns *ps,
                              size_t sample_n, uint64_t seed, bool mask, char *err, size_t errlen)
{
    if (make_dir(dir, err, errlen) != 0) return NULL;
    pt_evidence *ev = pt_xcalloc(1, sizeof *ev);
    ev->dir = pt_xstrdup(dir);
    ev->pol = pol;
    ev->ps = ps;
    pt_evidence_set_draw(ev, sample_n, seed);
    ev->mask = mask;
    for (size_t t = 0; t < PT_MAX_TIERS; t++) {
        ev->heaps[t].theta = UINT64_MAX;
        atomic_init(&ev->theta_seen[t], UINT64_MAX);
    }
    use_random_key(ev);
    ev->id_ctx = EVP_MD_CTX_new();
    ev->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!ev->id_ctx || !ev->sha256) {
        fprintf(stderr, "pitally: libcrypto cannot hash (SHA-256)\n");
        abort();
    }
    ev->rejected_of = pt_xcalloc(ps->n ? ps->n : 1, 1);
    ev->pattern_id_len = pt_xcalloc(ps->n ? ps->n : 1, sizeof *ev->pattern_id_len);
    for (size_t i = 0; i < ps->n; i++) ev->pattern_id_len[i] = strlen(ps->v[i].id);
    for (size_t k = 0; k < pol->n_categories; k++) ev->category_len[k] = strlen(pol->categories[k]);
    for (size_t t = 0; t < pol->n_tiers; t++) ev->tier_len[t] = strlen(pol->tiers[t].id);
    ev->names_plain = plain_names(ev);
    char name[64];
    snprintf(name, sizeof name, "%s.csv", pol->tiers[0].id);
    ev->list_path = join(dir, name);
    snprintf(name, sizeof name, ".%s.ids.tmp", pol->tiers[0].id);
    char *ids_tmp = join(dir, name);
    ev->list_ids = pt_rowids_new(ids_tmp, 0);
    free(ids_tmp);
    snprintf(name, sizeof name, ".%s.csv.tmp", pol->tiers[0].id);
    ev->list_tmp = join(dir, name);
    int fd = open(ev->list_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ev->list = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!ev->list) {
        snprintf(err, errlen, "%s: %s", ev->list_tmp, strerror(errno));
        pt_evidence_free(ev);
        return NULL;
    }
    buf b = {0};
    header(&b, false);
    if (fwrite(b.p, 1, b.len, ev->list) != b.len || fflush(ev->list) != 0) {   /* the rows go by writev */
        snprintf(err, errlen, "%s: %s", ev->list_tmp, strerror(errno));
        free(b.p);
        pt_evidence_free(ev);
        return NULL;
    }
    ev->written = b.len;
    free(b.p);
    return ev;
}

/* ---- pieces ---- */

static void heap_swap(sample_row *a, sample_row *b)
{
    sample_row t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(sample_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->v[l].key > h->v[m].key) m = l;
        if (r < h->n && h->v[r].key > h->v[m].key) m = r;
        if (m == i) return;
        heap_swap(&h->v[i], &h->v[m]);
        i = m;
    }
}

static void sift_up(sample_heap *h, size_t i)
{
    while (i && h->v[(i - 1) / 2].key < h->v[i].key) {
        heap_swap(&h->v[i], &h->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

static void heap_remove(sample_heap *h, const uint64_t fp[2])
{
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i].fp[0] != fp[0] || h->v[i].fp[1] != fp[1]) continue;
        free(h->v[i].row);
        free(h->v[i].raw);
        h->v[i] = h->v[--h->n];
        if (i < h->n) {
            sift_down(h, i);
            sift_up(h, i);
        }
        return;
    }
}

/* The fingerprint as the state's sets hold it: enciphered under the case key (a merge's
 * pieces come so already). */
static void enciphered(const pt_evidence *ev, const uint64_t fp[2], uint64_t out[2])
{
    uint8_t block[16];
    memcpy(block, fp, 16);
    if (!ev->merging && ev->draw_key) encipher_block(ev->draw_key, block);
    memcpy(out, block, 16);
}

/* Lowers the heap's theta, and tells the workers (may_be_drawn). */
static void set_theta(pt_evidence *ev, sample_heap *h, uint64_t theta)
{
    h->theta = theta;
    atomic_store_explicit(&ev->theta_seen[h - ev->heaps], theta, memory_order_relaxed);
}

static void offer(pt_evidence *ev, const pt_piece_event *e)
{
    if (ev->pool == 0) return;
    sample_heap *h = &ev->heaps[e->tier];
    uint64_t key;
    if (!prepared_key(e, &key)) key = draw_key(ev, e->fp);
    /* beyond the bound: a piece pushed out earlier had a smaller key, so taking this one
     * (into room a raised piece left) would make the pool other than "all below theta" */
    if (key >= h->theta) return;
    if (h->n == ev->pool && key >= h->v[0].key) {
        set_theta(ev, h, key);   /* turned away: the pool is below it */
        return;
    }
    buf b = {0};
    sample_row r = {.key = key, .fp = {e->fp[0], e->fp[1]}, .input = e->input, .offset = e->offset};
    piece_row(ev, e, &b, &r);
    r.row = b.p;
    if (ev->capture) {
        uint64_t enc[2];
        enciphered(ev, e->fp, enc);
        ev->rec.len = 0;
        pt_ev_put_record(&ev->rec, e, enc);
        r.raw = pt_xmalloc(ev->rec.len);
        memcpy(r.raw, ev->rec.p, ev->rec.len);
        r.raw_len = ev->rec.len;
    }
    if (h->n < ev->pool) {
        if (!h->v) h->v = pt_xcalloc(ev->pool, sizeof *h->v);
        h->v[h->n++] = r;
        sift_up(h, h->n - 1);
    } else {
        if (h->v[0].key < h->theta) set_theta(ev, h, h->v[0].key);   /* pushed out */
        free(h->v[0].row);
        free(h->v[0].raw);
        h->v[0] = r;
        sift_down(h, 0);
    }
}

/* The list can be a GiB. Left to the kernel, its pages stay dirty until the fsync at
 * the end (far below the background writeback threshold of a large machine), and the
 * whole file is then written while nothing else runs: seconds of wall time on a disk
 * of 200 MB/s. Handing each WRITEBACK_STEP to writeback as it is written (without
 * waiting) overlaps the disk with the scan; the fsync still makes it durable. */
static void early_writeback(pt_evidence *ev)
{
    if (ev->written - ev->synced < WRITEBACK_STEP) return;
    sync_file_range(fileno(ev->list), (off64_t)ev->synced, (off64_t)(ev->written - ev->synced),
                    SYNC_FILE_RANGE_WRITE);   /* only a hint: its failure changes nothing */
    ev->synced = ev->written;
}

/* Writes the rows held (after a short write, what is left of them). */
static void flush_list(pt_evidence *ev)
{
    struct iovec *v = ev->iov;
    int n = (int)ev->n_iov;
    while (n > 0 && !ev->failed) {
        ssize_t k = writev(fileno(ev->list), v, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ev->failed = true;
            ev->error = k < 0 ? errno : EIO;
            break;
        }
        ev->written += (uint64_t)k;
        for (; n > 0 && (size_t)k >= v->iov_len; v++, n--) k -= (ssize_t)v->iov_len;
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + k;
            v->iov_len -= (size_t)k;
        }
    }
    ev->n_iov = ev->n_rows = 0;
    early_writeback(ev);
}

void pt_evidence_end_batch(void *ctx)
{
    flush_list(ctx);   /* the chunk's prepared bytes are about to be reused */
}

static void hold(pt_evidence *ev, const void *p, size_t n)
{
    ev->iov[ev->n_iov++] = (struct iovec){(void *)(uintptr_t)p, n};
}

/* The input and member cells of the input of e, as written and as hashed: the same
 * for all its rows. */
static void list_head(pt_evidence *ev, const pt_piece_event *e)
{
    if (ev->have_head && ev->head_input == e->input) return;
    flush_list(ev);   /* rows held point at the head */
    ev->head.len = ev->id_head.len = 0;
    input_cells(&ev->head, e->input_name, true);
    const char *name = e->input_name, *bang = strstr(name, "!/");
    id_cell(&ev->id_head, name, bang ? (size_t)(bang - name) : strlen(name));
    id_cell(&ev->id_head, bang ? bang + 2 : "", bang ? strlen(bang + 2) : 0);
    ev->head_input = e->input;
    ev->have_head = true;
}

/* The record of a listed piece, for the state's evidence section (scan --state). */
static void capture_listed(pt_evidence *ev, const pt_piece_event *e)
{
    uint64_t enc[2];
    enciphered(ev, e->fp, enc);
    ev->rec.len = 0;
    pt_ev_put_record(&ev->rec, e, enc);
    if (fwrite(ev->rec.p, 1, ev->rec.len, ev->capture) != ev->rec.len && !ev->failed) {
        ev->failed = true;
        ev->error = errno ? errno : EIO;
    }
}

/* A row of the list: the cells only the commit knows around those the worker
 * prepared; its identity to the list's digest. */
static void list_piece(pt_evidence *ev, const pt_piece_event *e)
{
    list_head(ev, e);
    if (ev->n_iov + IOV_PER_ROW > LIST_IOV || ev->n_rows == LIST_IOV / IOV_PER_ROW) flush_list(ev);
    prepared x = piece_parts(ev, e);
    char *line = ev->lines[ev->n_rows++];
    size_t k = sizeof ev->lines[0];
    uint64_t v = e->line;
    do line[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    line[--k] = ',';
    hold(ev, ev->head.p, ev->head.len);
    hold(ev, line + k, sizeof ev->lines[0] - k);
    hold(ev, x.cells, x.cells_len);
    if (x.tail_len) hold(ev, x.tail, x.tail_len);
    hold(ev, ",\r\n", 3);   /* the review column, empty */
    buf *t = &ev->id_text;
    t->len = 0;
    put(t, ev->id_head.p, ev->id_head.len);
    id_cell(t, line + k + 1, sizeof ev->lines[0] - k - 1);
    unsigned char md[32];
    row_digest(ev, t, &x, md);
    pt_rowids_add(ev->list_ids, md);
    ev->listed++;
    if (ev->capture) capture_listed(ev, e);
    if (!e->prepared) flush_list(ev);   /* formatted here, in scratch: written now */
}

void pt_evidence_piece(void *ctx, const pt_piece_event *e)
{
    pt_evidence *ev = ctx;
    if (!e->new_in_run && !e->tier_raised) return;   /* counted before, in this tier */
    if (e->tier_raised)   /* it leaves the less serious tier it was in */
        for (size_t t = (size_t)e->tier + 1; t < ev->pol->n_tiers; t++) heap_remove(&ev->heaps[t], e->fp);
    if (e->tier == 0) list_piece(ev, e);
    else offer(ev, e);
}

/* ---- rejected values ---- */

void pt_evidence_rejected(void *ctx, const pt_rejected_event *e)
{
    pt_evidence *ev = ctx;
    /* they come in input order, so the first few of each pattern are the first come */
    if (e->pattern >= ev->ps->n || ev->rejected_of[e->pattern] >= PT_REJECTS_PER_PATTERN) return;
    if (ev->n_rejected == ev->rejected_cap) {
        ev->rejected_cap = ev->rejected_cap ? 2 * ev->rejected_cap : 64;
        ev->rejected = pt_xrealloc(ev->rejected, ev->rejected_cap * sizeof *ev->rejected);
    }
    rejected_row *x = &ev->rejected[ev->n_rejected++];
    *x = (rejected_row){e->input, e->pattern, e->offset, e->line, e->reason, ""};
    snprintf(x->value, sizeof x->value, "%s", e->value);
    ev->rejected_of[e->pattern]++;
}

static int rejected_order(const void *a, const void *b)
{
    const rejected_row *x = a, *y = b;
    if (x->input != y->input) return x->input < y->input ? -1 : 1;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

/* Why the value was rejected, without what the validator read from it: its explanation
 * up to a parenthesis ("checksum mismatch: check char '1', expected 'X' (date ...)")
 * and without a date ("invalid birth date 1990-02-30"): the file may be shown outside
 * the lab with its masked values. */
static void reject_reason(const pt_pattern *p, const rejected_row *x, char *out, size_t len)
{
    if (x->reason == PT_REJECT_MASKED || !p->validator_name) {
        snprintf(out, len, "masked copy: matches the masked form of %s", p->id);
        return;
    }
    char why[256] = "";
    pt_validator_explain(p->validator_name, x->value, strlen(x->value), why, sizeof why);
    char *cut = strstr(why, " (");
    if (cut) *cut = '\0';
    for (char *d = strstr(why, "date "); d; d = strstr(d + 1, "date "))
        if (d[5] >= '0' && d[5] <= '9') {
            d[4] = '\0';
            break;
        }
    snprintf(out, len, "fails %s: %s", p->validator_name, why);
}

static const char *const rejected_columns[] = {"input", "member", "line", "offset", "pattern",
                                               "category", "reason", "value"};

static void rejected_row_cells(const pt_evidence *ev, const pt_scan_result *r,
                               const rejected_row *x, buf *b)
{
    const pt_pattern *p = &ev->ps->v[x->pattern];
    input_cells(b, x->input < r->n_inputs ? r->inputs[x->input].path : "", true);
    if (x->line) cell_u64(b, x->line, false);
    else cell_str(b, "", false);
    cell_u64(b, x->offset, false);
    cell_str(b, p->id, false);
    cell_str(b, ev->pol->categories[p->category], false);
    char why[320], masked[PT_SAMPLE_VALUE_MAX], value[PT_SAMPLE_VALUE_MAX + 64];
    reject_reason(p, x, why, sizeof why);
    cell_str(b, why, false);
    pt_mask_value(x->value, strlen(x->value), p->mask_head, p->mask_tail, masked, sizeof masked);
    snprintf(value, sizeof value, "%s=%s", p->id, masked);   /* text, as in the other files */
    cell_str(b, value, false);
    put(b, "\r\n", 2);
}

/* ---- the columns view ---- */

static const char *const column_columns[] = {"input", "member", "column", "header", "category",
                                             "pattern", "fill_rate", "pass_rate", "decision", "why"};

static void cell_rate(buf *b, uint64_t num, uint64_t den, bool known)
{
    char t[32] = "";
    if (known && den) snprintf(t, sizeof t, "%.4f", (double)num / (double)den);
    cell_str(b, t, false);
}

static void column_row(const pt_evidence *ev, const pt_input_result *in, const pt_column *c, buf *b)
{
    pt_colview v;
    pt_colview_of(c, ev->ps, &v);
    input_cells(b, in->path, true);
    if (c->position >= 0) cell_u64(b, (uint64_t)c->position + 1, false);
    else cell_str(b, "", false);
    cell_str(b, c->key ? c->key : "", false);
    cell_str(b, v.category >= 0 ? ev->pol->categories[v.category] : "", false);
    cell_str(b, v.pattern >= 0 ? ev->ps->v[v.pattern].id : "", false);
    cell_rate(b, c->fill, in->counts.records, true);
    const pt_column_pattern *rc = pt_colview_cell(c, v.rate_pattern);
    cell_rate(b, rc ? rc->passed : 0, rc ? rc->checked : 0, rc != NULL);
    char why[512];
    cell_str(b, pt_colview_decide(c, &v, ev->pol, ev->ps, why, sizeof why), false);
    cell_str(b, why, false);
    put(b, "\r\n", 2);
}

/* ---- files written whole: their SHA-256 goes in the manifests ---- */

static void table_header(buf *b, const char *const *names, size_t n)
{
    put(b, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < n; i++) cell_str(b, names[i], i == 0);
    put(b, "\r\n", 2);
}

static int write_buf(FILE *f, void *ctx)
{
    const buf *b = ctx;
    return b->len && fwrite(b->p, 1, b->len, f) != b->len ? -1 : 0;
}

static int write_whole(pt_evidence *ev, const char *name, const buf *b, char sha[65], char *err,
                       size_t errlen)
{
    char md5[33];
    pt_digest *d = pt_digest_new();
    pt_digest_update(d, b->p, b->len);
    pt_digest_final(d, md5, sha);
    pt_digest_free(d);
    char *path = join(ev->dir, name);
    int rc = pt_output_to_path(path, write_buf, (void *)b, 0600, err, errlen);
    free(path);
    return rc;
}

static int write_rejected(pt_evidence *ev, const pt_scan_result *r, char *err, size_t errlen)
{
    buf b = {0};
    table_header(&b, rejected_columns, sizeof rejected_columns / sizeof *rejected_columns);
    if (ev->n_rejected) qsort(ev->rejected, ev->n_rejected, sizeof *ev->rejected, rejected_order);
    for (size_t i = 0; i < ev->n_rejected; i++) rejected_row_cells(ev, r, &ev->rejected[i], &b);
    int rc = write_whole(ev, "rejected.csv", &b, ev->sha_rejected, err, errlen);
    free(b.p);
    return rc;
}

static int write_columns(pt_evidence *ev, const pt_scan_result *r, char *err, size_t errlen)
{
    buf b = {0};
    table_header(&b, column_columns, sizeof column_columns / sizeof *column_columns);
    ev->rows_columns = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_colstats *t = r->inputs[i].columns;
        if (!t || !t->n) continue;
        size_t *order = pt_xmalloc(t->n * sizeof *order);
        pt_colview_order(t, order);
        for (size_t k = 0; k < t->n; k++) column_row(ev, &r->inputs[i], &t->cols[order[k]], &b);
        ev->rows_columns += t->n;
        free(order);
    }
    int rc = write_whole(ev, "columns.csv", &b, ev->sha_columns, err, errlen);
    free(b.p);
    return rc;
}

/* ---- finishing ---- */

static int by_position(const void *a, const void *b)
{
    const sample_row *x = a, *y = b;
    if (x->input != y->input) return x->input < y->input ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int by_draw(const void *a, const void *b)
{
    const sample_row *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The pool down to the sample: its n smallest keys. */
static void keep_smallest(sample_heap *h, size_t n)
{
    if (h->n <= n) return;
    qsort(h->v, h->n, sizeof *h->v, by_draw);
    for (size_t i = n; i < h->n; i++) {
        free(h->v[i].row);
        free(h->v[i].raw);
    }
    h->n = n;
}

typedef struct {
    const pt_evidence *ev;
    sample_heap *h;
} sample_job;

static int write_sample(FILE *f, void *ctx)
{
    sample_job *j = ctx;
    buf b = {0};
    header(&b, true);
    for (size_t i = 0; i < j->h->n; i++) {
        char key[24];
        snprintf(key, sizeof key, KEY_PREFIX "%016llx",
                 (unsigned long long)sample_tag(j->ev, j->h->v[i].key));
        puts_(&b, j->h->v[i].row);
        cell_str(&b, key, false);
        cell_str(&b, "", false);
        put(&b, "\r\n", 2);
    }
    size_t n = b.len;
    int rc = n && fwrite(b.p, 1, n, f) != n ? -1 : 0;
    free(b.p);
    return rc;
}

typedef struct {
    const pt_evidence *ev;
    const pt_scan_result *r;
} manifest_job;

/* After the seed in manifest.txt: what else keyed the draw (see ---- keys ----). */
static const char *draw_words(const pt_evidence *ev)
{
    if (!strcmp(ev->draw, "case key")) return " and the case key";
    if (!strcmp(ev->draw, "one-off key")) return " and a one-off random key (--mask without --case-key: "
                                                  "another run draws other rows)";
    return "";
}

static int write_manifest(FILE *f, void *ctx)
{
    const manifest_job *j = ctx;
    const pt_evidence *ev = j->ev;
    const pt_policy *pol = ev->pol;
    fprintf(f, "pitally %s evidence\n\n", PT_VERSION);
    fprintf(f, "%s.csv: every distinct piece of tier %s (%llu rows = its distinct count), in input order.\n",
            pol->tiers[0].id, pol->tiers[0].id, (unsigned long long)ev->listed);
    for (size_t t = 1; t < pol->n_tiers; t++)
        fprintf(f, "sample_%s.csv: %zu of the %llu distinct pieces of tier %s, drawn by the smallest "
                   "keyed hash of their fingerprints (seed %llu%s; sample size asked: %zu).\n",
                pol->tiers[t].id, ev->heaps[t].n, (unsigned long long)j->r->totals.tiers[t].distinct,
                pol->tiers[t].id, (unsigned long long)ev->seed, draw_words(ev), ev->sample_n);
    fprintf(f, "sample_key: a tag of the row under a key no file holds; it matches manifest.json and\n"
               "  says nothing of the values.\n");
    fprintf(f, "rejected.csv: %zu values matched and not accepted (the first %u of each pattern), with\n"
               "  where and why; values masked. SHA-256 %s\n",
            ev->n_rejected, PT_REJECTS_PER_PATTERN, ev->sha_rejected);
    fprintf(f, "columns.csv: %zu columns, what each holds and how it was counted. SHA-256 %s\n",
            ev->rows_columns, ev->sha_columns);
    fprintf(f, "\nValues are %s. line: of the record's first byte in the input's decoded text, from 1;\n"
               "offset: bytes into the decoded text (UTF-8). Column %s is for the examiner: 是 or 否.\n"
               "manifest.json: the same for pitally review (counts, facts, verdict, and the SHA-256 of\n"
               "each file's identifying cells, which shows a sample that was edited or drawn again).\n",
            ev->mask ? "masked (--mask)" : "as found (keep these files in the lab)", REVIEW_COLUMN);
    return ferror(f) ? -1 : 0;
}

/* ---- manifest.json: what pitally review reads ---- */

static int by_id(const void *a, const void *b)
{
    return memcmp(a, b, 64);
}

/* SHA-256 (hex) over the sorted row identities, each followed by a newline: the
 * content of a file whatever the order of its rows. ids is sorted in place. */
static void content_sha256(char (*ids)[64], size_t n, char out[65])
{
    if (n) qsort(ids, n, sizeof *ids, by_id);
    pt_digest *d = pt_digest_new();
    for (size_t i = 0; i < n; i++) {
        pt_digest_update(d, ids[i], 64);
        pt_digest_update(d, "\n", 1);
    }
    char md5[33];
    pt_digest_final(d, md5, out);
    pt_digest_free(d);
}

static int by_value(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return *x < *y ? -1 : *x > *y;
}

static void json_key_str(FILE *f, const char *key, const char *v, bool comma)
{
    fprintf(f, "%s\n    \"%s\": ", comma ? "," : "", key);
    if (v) jw_string(f, v);
    else fputs("null", f);
}

static int write_manifest_json(FILE *f, void *ctx)
{
    const manifest_job *j = ctx;
    const pt_evidence *ev = j->ev;
    const pt_scan_result *r = j->r;
    const pt_policy *pol = ev->pol;
    fprintf(f, "{\n  \"format\": \"pitally-evidence/1\",\n  \"version\": \"%s\",\n", PT_VERSION);
    fprintf(f, "  \"commit\": ");
    if (r->run && r->run->commit) jw_string(f, r->run->commit);
    else fputs("null", f);
    fprintf(f, ",\n  \"seed\": %llu,\n  \"draw\": \"%s\",\n  \"sample_size\": %zu,\n  \"masked\": %s,\n",
            (unsigned long long)ev->seed, ev->draw, ev->sample_n, ev->mask ? "true" : "false");
    const char *pfile = r->run ? r->run->policy_file : NULL, *psha = NULL;
    for (size_t i = 0; pfile && i < r->run->n_rule_files; i++)
        if (!strcmp(r->run->rule_files[i].path, pfile)) psha = r->run->rule_files[i].sha256;
    fprintf(f, "  \"policy\": {");
    json_key_str(f, "name", pol->name, false);
    json_key_str(f, "file", pfile, true);
    json_key_str(f, "sha256", psha && *psha ? psha : NULL, true);
    fprintf(f, "\n  },\n");
    fprintf(f, "  \"facts\": {\"professional\": %s, \"income_cny\": %llu, \"business_purchase\": %s},\n",
            r->facts.professional ? "true" : "false", (unsigned long long)r->facts.income_cny,
            r->facts.business_purchase ? "true" : "false");
    fprintf(f, "  \"verdict\": {\"level\": \"%s\", \"grounds\": [", pt_level_name(r->verdict.level));
    for (size_t i = 0; i < r->verdict.n_grounds; i++) {
        if (i) fputs(", ", f);
        jw_string(f, r->verdict.grounds[i]);
    }
    fprintf(f, "]},\n  \"tiers\": [");
    for (size_t t = 0; t < pol->n_tiers; t++) {
        char name[64], sha[65];
        bool list = t == 0;
        size_t rows = list ? (size_t)ev->listed : ev->heaps[t].n;
        if (list) {
            memcpy(sha, ev->list_sha, sizeof sha);
        } else {
            char (*ids)[64] = pt_xmalloc((rows ? rows : 1) * sizeof *ids);
            for (size_t i = 0; i < rows; i++) memcpy(ids[i], ev->heaps[t].v[i].id, 64);
            content_sha256(ids, rows, sha);
            free(ids);
        }
        snprintf(name, sizeof name, list ? "%s.csv" : "sample_%s.csv", pol->tiers[t].id);
        fprintf(f, "%s\n    {\"id\": ", t ? "," : "");
        jw_string(f, pol->tiers[t].id);
        fprintf(f, ", \"threshold\": %llu, \"raw\": %llu, \"distinct\": %llu, \"method\": \"%s\",\n"
                   "     \"file\": ", (unsigned long long)pol->tiers[t].threshold,
                (unsigned long long)r->totals.tiers[t].raw, (unsigned long long)r->totals.tiers[t].distinct,
                list ? "list" : "sample");
        jw_string(f, name);
        fprintf(f, ", \"rows\": %zu, \"content_sha256\": \"%s\"", rows, sha);
        if (!list) {
            uint64_t *v = pt_xmalloc((rows ? rows : 1) * sizeof *v);
            for (size_t i = 0; i < rows; i++) v[i] = sample_tag(ev, ev->heaps[t].v[i].key);
            if (rows) qsort(v, rows, sizeof *v, by_value);   /* by tag: the draw order stays unsaid */
            fprintf(f, ",\n     \"sample_keys\": [");
            for (size_t i = 0; i < rows; i++)
                fprintf(f, "%s\"" KEY_PREFIX "%016llx\"", i ? (i % 4 ? ", " : ",\n       ") : "",
                        (unsigned long long)v[i]);
            fputc(']', f);
            free(v);
        }
        fputc('}', f);
    }
    fprintf(f, "\n  ],\n  \"files\": [\n"
               "    {\"file\": \"rejected.csv\", \"rows\": %zu, \"sha256\": \"%s\"},\n"
               "    {\"file\": \"columns.csv\", \"rows\": %zu, \"sha256\": \"%s\"}\n  ]\n}\n",
            ev->n_rejected, ev->sha_rejected, ev->rows_columns, ev->sha_columns);
    return ferror(f) ? -1 : 0;
}

int pt_evidence_finish(pt_evidence *ev, const pt_scan_result *r, char *err, size_t errlen)
{
    flush_list(ev);
    if (pt_rowids_digest(ev->list_ids, ev->list_sha) != 0) {
        snprintf(err, errlen, "%s: the rows' identities: %s", ev->dir, strerror(errno));
        return -1;
    }
    if (fflush(ev->list) != 0 || fsync(fileno(ev->list)) != 0 || ev->failed) {
        snprintf(err, errlen, "%s: %s", ev->list_tmp, strerror(ev->error ? ev->error : errno));
        return -1;
    }
    fclose(ev->list);
    ev->list = NULL;
    if (rename(ev->list_tmp, ev->list_path) != 0) {
        snprintf(err, errlen, "%s: %s", ev->list_path, strerror(errno));
        return -1;
    }
    for (size_t t = 1; t < ev->pol->n_tiers; t++) {
        sample_heap *h = &ev->heaps[t];
        keep_smallest(h, ev->sample_n);
        for (size_t i = 0; i < h->n; i++) sample_identity(ev, &h->v[i]);
        if (h->n) qsort(h->v, h->n, sizeof *h->v, by_position);   /* h->v is NULL when empty */
        char name[64];
        snprintf(name, sizeof name, "sample_%s.csv", ev->pol->tiers[t].id);
        char *path = join(ev->dir, name);
        sample_job j = {ev, h};
        int rc = pt_output_to_path(path, write_sample, &j, 0600, err, errlen);
        free(path);
        if (rc != 0) return -1;
    }
    if (write_rejected(ev, r, err, errlen) != 0 || write_columns(ev, r, err, errlen) != 0) return -1;
    char *path = join(ev->dir, "manifest.txt");
    manifest_job mj = {ev, r};
    int rc = pt_output_to_path(path, write_manifest, &mj, 0600, err, errlen);
    free(path);
    if (rc != 0) return rc;
    path = join(ev->dir, "manifest.json");
    rc = pt_output_to_path(path, write_manifest_json, &mj, 0600, err, errlen);
    free(path);
    return rc;
}

void pt_evidence_free(pt_evidence *ev)
{
    if (!ev) return;
    if (ev->list) {
        fclose(ev->list);
        unlink(ev->list_tmp);
    }
    for (size_t t = 0; t < PT_MAX_TIERS; t++) {
        for (size_t i = 0; i < ev->heaps[t].n; i++) {
            free(ev->heaps[t].v[i].row);
            free(ev->heaps[t].v[i].raw);
        }
        free(ev->heaps[t].v);
    }
    if (ev->capture) fclose(ev->capture);
    free(ev->capture_path);
    free(ev->rec.p);
    free(ev->dir);
    free(ev->list_path);
    free(ev->list_tmp);
    free(ev->head.p);
    free(ev->id_head.p);
    free(ev->scratch.p);
    EVP_MD_CTX_free(ev->id_ctx);
    EVP_MD_free(ev->sha256);
    free(ev->id_text.p);
    EVP_CIPHER_CTX_free(ev->draw_key);   /* clears the key schedules (above) */
    EVP_CIPHER_CTX_free(ev->tag_key);
    worker_draw_release();
    OPENSSL_cleanse(ev->draw_raw, sizeof ev->draw_raw);
    free(ev->rejected);
    free(ev->rejected_of);
    free(ev->pattern_id_len);
    pt_rowids_free(ev->list_ids);
    free(ev);
}

/* ---- the state's evidence section (scan --state; evmerge.c reads it) ----
 * [the records of the pieces listed, in input order]
 * [head: varint sample size, varint pool, u64-le seed, varint tiers; per tier after the
 *  first: u64-le theta, varint count, its candidates' records; varint rejected rows, each
 *  varint input, pattern, offset, line, byte reason, varint length and the value as
 *  found; varint pieces listed]
 * [u64-le length of the head] */

int pt_evidence_capture(pt_evidence *ev, char *err, size_t errlen)
{
    if (!ev->draw_key) {
        snprintf(err, errlen, "the evidence kept in a state needs the case key");
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, ".%s.state.tmp", ev->pol->tiers[0].id);
    ev->capture_path = join(ev->dir, name);
    int fd = open(ev->capture_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ev->capture = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (!ev->capture) {
        snprintf(err, errlen, "%s: %s", ev->capture_path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    unlink(ev->capture_path);   /* held open only: nothing left behind */
    return 0;
}

FILE *pt_evidence_section(pt_evidence *ev, char *err, size_t errlen)
{
    if (!ev->capture) return NULL;
    pt_evbytes head = {0};
    pt_ev_put_var(&head, ev->sample_n);
    pt_ev_put_var(&head, ev->pool);
    pt_ev_put_u64le(&head, ev->seed);
    pt_ev_put_var(&head, ev->pol->n_tiers);
    for (size_t t = 1; t < ev->pol->n_tiers; t++) {
        const sample_heap *h = &ev->heaps[t];
        pt_ev_put_u64le(&head, h->theta);
        pt_ev_put_var(&head, h->n);
        for (size_t i = 0; i < h->n; i++) pt_ev_put(&head, h->v[i].raw, h->v[i].raw_len);
    }
    pt_ev_put_var(&head, ev->n_rejected);
    for (size_t i = 0; i < ev->n_rejected; i++) {
        const rejected_row *x = &ev->rejected[i];
        pt_rejected_event e = {.input = x->input, .offset = x->offset, .line = x->line,
                               .pattern = x->pattern, .value = x->value, .reason = x->reason};
        pt_ev_put_rejected(&head, &e);
    }
    pt_ev_put_var(&head, ev->listed);
    pt_ev_put_u64le(&head, head.len);
    bool ok = fseeko(ev->capture, 0, SEEK_END) == 0 && !ev->failed &&
              fwrite(head.p, 1, head.len, ev->capture) == head.len && fflush(ev->capture) == 0;
    free(head.p);
    if (!ok) {
        snprintf(err, errlen, "%s: %s", ev->capture_path, strerror(ev->error ? ev->error : errno));
        return NULL;
    }
    FILE *f = ev->capture;
    ev->capture = NULL;
    rewind(f);
    return f;
}

void pt_evidence_merge_keys(pt_evidence *ev, const pt_casekey *k)
{
    use_key(ev, k->key, false);   /* the tags; the draw is of the enciphered fingerprints */
    ev->draw = "case key";
    ev->merging = true;
}

size_t pt_evidence_sample_n(const pt_evidence *ev)
{
    return ev->sample_n;
}

uint64_t pt_evidence_seed(const pt_evidence *ev)
{
    return ev->seed;
}

void pt_evidence_set_draw(pt_evidence *ev, size_t sample_n, uint64_t seed)
{
    ev->sample_n = sample_n;
    ev->pool = PT_EV_POOL_FACTOR * sample_n;
    ev->seed = seed;
}
