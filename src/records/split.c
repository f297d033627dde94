/* split.c - where the reader may cut a buffer so that every chunk holds whole records.
 *
 * Runs on the single reader thread over every buffer, so it avoids per-byte state
 * machines where it can: line formats cut after the last '\n' (memrchr); CSV reads
 * 64 bytes at a time as bitmasks of quotes, newlines and delimiters, reading quotes as
 * the iterator does, and cuts after the last newline outside quoted fields. SQL has to
 * lex (strings and comments may hold ';'), and registers every CREATE TABLE it passes
 * so that later chunks know the column names; inside a pg_dump COPY block it cuts after
 * a row and notes the block for the next chunk. JSON documents are walked (json.c) and
 * cut between values, the walk's state noted; labelled blocks after a blank line.
 * The workers' newline count (line numbers) is here too, with the same vector ways and
 * runtime choice as the CSV masks.
 */
#include "internal.h"
#include "split_internal.h"

#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

struct pt_splitter {
    pt_dialect d;
    const pt_sql_table *tables;   /* newest first; each node immutable once linked */
    pt_json_walk jw;              /* JSON: the walk at the last cut */
    bool in_copy;                 /* SQL: the last cut is inside a COPY block's rows */
};

/* Push a note of the state the last cut left (see records.h). */
static pt_sql_table *push_cut_note(pt_splitter *s, int cut)
{
    pt_sql_table *node = pt_xcalloc(1, sizeof *node);
    node->cut = cut;
    node->next = s->tables;
    s->tables = node;
    return node;
}

/* After a cut that leaves no special state: make sure the head says so. */
static void note_plain(pt_splitter *s)
{
    if (s->tables && s->tables->cut != PT_CUT_TABLE && s->tables->cut != PT_CUT_PLAIN)
        push_cut_note(s, PT_CUT_PLAIN);
}

pt_splitter *pt_splitter_new(const pt_dialect *d)
{
    pt_splitter *s = pt_xcalloc(1, sizeof *s);
    s->d = *d;
    return s;
}

void pt_splitter_free(pt_splitter *s)
{
    if (!s) return;
    pt_sql_table_free_list(s->tables);
    free(s);
}

const pt_sql_table *pt_splitter_tables(const pt_splitter *s)
{
    return s->tables;
}

static size_t cut_after_last_newline(const char *buf, size_t n)
{
    const char *nl = memrchr(buf, '\n', n);
    return nl ? (size_t)(nl - buf) + 1 : 0;
}

/* ---- CSV ----
 *
 * The cut goes after the last newline outside quoted fields, quotes read the way the
 * iterator reads them: a quote opens a quoted field only at the start of a field (chunk
 * start, or after the delimiter or a newline), "" inside it is a quote, and any other
 * quote is a literal character. Counting every quote instead would let a stray one
 * (5'10" in a free-text column) shift the cut into a quoted newline, and the records
 * would depend on the chunk size. A buffer that ends inside a quoted field (or on a
 * closing quote, which may yet be doubled) is cut before that field's line: that is
 * the same "last newline outside quotes", since none come after the opening quote.
 *
 * Each 64-byte block becomes bitmasks (bit i = byte i). In well-formed CSV every quote
 * toggles "inside": the opening and closing ones, and both of each "" pair (close, then
 * reopen at once). So the inside mask is the prefix XOR of the quote mask, newlines
 * outside it are cut points, and one check finds the blocks where that reading is wrong:
 * a quote that would open a field must be at a field start or right after a quote (the
 * second of a ""). Blocks that fail it (a literal quote) are read field by field.
 */

/* State between blocks, in "every quote toggles" terms. */
typedef struct {
    bool inside;      /* in a quoted field */
    bool reopen;      /* the last byte was a quote that left a field: a quote first in the
                         next block makes it "" and stays in the field */
    bool field_start; /* the last byte was the delimiter or a newline (or nothing yet) */
    size_t cut;       /* one past the last newline outside quotes so far, or 0 */
} csv_scan;

typedef struct {
    uint64_t quote, newline, delim;
} csv_masks;

static void masks_portable(const char *p, size_t len, char delim, csv_masks *m)
{
    *m = (csv_masks){0};
    for (size_t i = 0; i < len; i++) {
        uint64_t bit = 1ULL << i;
        if (p[i] == '"') m->quote |= bit;
        if (p[i] == '\n') m->newline |= bit;
        if (p[i] == delim) m->delim |= bit;
    }
}

/* A block with a literal quote, read field by field as the iterator would. */
static void csv_block_exact(csv_scan *st, const csv_masks *m, uint64_t starts, size_t base)
{
    uint64_t quote_next = m->quote >> 1;   /* bit i: byte i+1 is a quote (unknown for 63) */
    unsigned pos = 0;
    bool inside = st->inside;
    if (st->reopen && (m->quote & 1)) inside = true, pos = 1; /* "" across the blocks */
    st->reopen = false;
    while (pos < 64) {
        uint64_t from = ~0ULL << pos;
        if (!inside) {
            uint64_t opens = m->quote & starts & from;
            uint64_t before = opens ? (opens & -opens) - 1 : ~0ULL;
            uint64_t nl = m->newline & from & before;
            if (nl) st->cut = base + 64 - (size_t)__builtin_clzll(nl);
            if (!opens) break;
            pos = (unsigned)__builtin_ctzll(opens) + 1;
            inside = true;
        } else {
            uint64_t q = m->quote & from;
            uint64_t closes = q & pt_prefix_xor(q) & ~quote_next;
            if (!closes) break;
            pos = (unsigned)__builtin_ctzll(closes) + 1;
            inside = false;
            st->reopen = pos == 64;   /* a close at the last byte may be half a "" */
        }
    }
    st->inside = inside;
}

/* One block: the toggle reading when it holds, the exact one when not. */
static inline void csv_block(csv_scan *st, const csv_masks *m, size_t base)
{
    uint64_t starts = (m->delim | m->newline) << 1 | (uint64_t)st->field_start;
    st->field_start = (m->delim | m->newline) >> 63;
    uint64_t inside = pt_prefix_xor(m->quote) ^ (st->inside ? ~0ULL : 0);
    uint64_t openers = m->quote & inside;   /* quotes that leave "outside" */
    uint64_t may_open = starts | m->quote << 1 | (uint64_t)st->reopen;
    if (openers & ~may_open) {
        csv_block_exact(st, m, starts, base);
        return;
    }
    uint64_t nl = m->newline & ~inside;
    if (nl) st->cut = base + 64 - (size_t)__builtin_clzll(nl);
    st->inside = inside >> 63;
    st->reopen = (m->quote >> 63) && !st->inside;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PT_SPLIT_X86 1

/* Blocks without quotes (most of them) change nothing but the cut while outside quoted
 * fields, so a run of them is passed over (memchr to the next quote) and its last
 * newline found once, backwards from its end. */
static void csv_quote_free_run(csv_scan *st, const char *buf, size_t from, size_t to, char delim)
{
    if (!st->inside) {
        const char *nl = memrchr(buf + from, '\n', to - from);
        if (nl) st->cut = (size_t)(nl - buf) + 1;
    }
    st->reopen = false;
    st->field_start = buf[to - 1] == delim || buf[to - 1] == '\n';
}

/* Block at base has no quote: the start of the last block before the one holding the
 * next quote (or of the last whole block), for the scan loop to step past. */
static size_t last_quote_free_block(const char *buf, size_t base, size_t n)
{
    const char *q = memchr(buf + base + 64, '"', n - base - 64);
    size_t skip = q ? (size_t)(q - buf) - base - 64 : n - base - 64;
    return base + skip / 64 * 64;
}

/* The scan loop over whole blocks, once per instruction set: blocks without quotes cost
 * one test (and runs of them one memchr), the others one csv_block. Returns where the
 * whole blocks end. */
#define SCAN_WHOLE_BLOCKS(has_quote, masks)                                          \
    size_t base = 0, run = 0;                                                        \
    csv_masks m;                                                                     \
    for (; base + 64 <= n; base += 64) {                                             \
        if (!has_quote(buf + base)) {                                                \
            base = last_quote_free_block(buf, base, n);                              \
            continue;                                                                \
        }                                                                            \
        if (run < base) csv_quote_free_run(st, buf, run, base, delim);               \
        run = base + 64;                                                             \
        masks(buf + base, delim, &m);                                                \
        csv_block(st, &m, base);                                                     \
    }                                                                                \
    if (run < base) csv_quote_free_run(st, buf, run, base, delim);                   \
    return base

/* SSE2: always there on x86-64. */
static inline bool has_quote_sse2(const char *p)
{
    __m128i quote = _mm_set1_epi8('"');
    __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), quote);
    __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), quote);
    __m128i c = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), quote);
    __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), quote);
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0;
}

static inline uint64_t byte_mask_sse2(const __m128i v[4], char c)
{
    __m128i needle = _mm_set1_epi8(c);
    uint64_t m0 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v[0], needle));
    uint64_t m1 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v[1], needle));
    uint64_t m2 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v[2], needle));
    uint64_t m3 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v[3], needle));
    return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}

static inline void masks_sse2(const char *p, char delim, csv_masks *m)
{
    __m128i v[4];
    for (int k = 0; k < 4; k++) v[k] = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    m->quote = byte_mask_sse2(v, '"');
    m->newline = byte_mask_sse2(v, '\n');
    m->delim = byte_mask_sse2(v, delim);
}

static size_t scan_whole_blocks_sse2(csv_scan *st, const char *buf, size_t n, char delim)
{
    SCAN_WHOLE_BLOCKS(has_quote_sse2, masks_sse2);
}

/* AVX2, when the CPU has it: half the compares. */
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

AVX2_INLINE static bool has_quote_avx2(const char *p)
{
    __m256i quote = _mm256_set1_epi8('"');
    __m256i a = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), quote);
    __m256i b = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 32)), quote);
    __m256i any = _mm256_or_si256(a, b);
    return !_mm256_testz_si256(any, any);
}

AVX2_INLINE static uint64_t byte_mask_avx2(__m256i lo, __m256i hi, char c)
{
    __m256i needle = _mm256_set1_epi8(c);
    uint64_t m0 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, needle));
    uint64_t m1 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, needle));
    return m0 | m1 << 32;
}

AVX2_INLINE static void masks_avx2(const char *p, char delim, csv_masks *m)
{
    __m256i lo = _mm256_loadu_si256((const __m256i *)p);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(p + 32));
    m->quote = byte_mask_avx2(lo, hi, '"');
    m->newline = byte_mask_avx2(lo, hi, '\n');
    m->delim = byte_mask_avx2(lo, hi, delim);
}

__attribute__((target("avx2"))) static size_t scan_whole_blocks_avx2(csv_scan *st,
                                                                     const char *buf, size_t n,
                                                                     char delim)
{
    SCAN_WHOLE_BLOCKS(has_quote_avx2, masks_avx2);
}
#endif

bool pt_split_masks_available(pt_split_masks how)
{
    switch (how) {
    case PT_SPLIT_AUTO:
    case PT_SPLIT_PORTABLE: return true;
#ifdef PT_SPLIT_X86
    case PT_SPLIT_SSE2: return true;
    case PT_SPLIT_AVX2: return __builtin_cpu_supports("avx2");
#endif
    default: return false;
    }
}

size_t pt_split_csv_with(const char *buf, size_t n, char delim, pt_split_masks how)
{
    csv_scan st = {.field_start = true};
    size_t base = 0;
    if (how == PT_SPLIT_AUTO)
        how = pt_split_masks_available(PT_SPLIT_AVX2)   ? PT_SPLIT_AVX2
              : pt_split_masks_available(PT_SPLIT_SSE2) ? PT_SPLIT_SSE2
                                                        : PT_SPLIT_PORTABLE;
    if (!pt_split_masks_available(how)) how = PT_SPLIT_PORTABLE;
#ifdef PT_SPLIT_X86
    if (how == PT_SPLIT_AVX2) base = scan_whole_blocks_avx2(&st, buf, n, delim);
    if (how == PT_SPLIT_SSE2) base = scan_whole_blocks_sse2(&st, buf, n, delim);
#endif
    csv_masks m;
    for (; base < n; base += 64) {   /* the tail (or all of it, portably) */
        size_t len = n - base < 64 ? n - base : 64;
        masks_portable(buf + base, len, delim, &m);
        csv_block(&st, &m, base);
    }
    return st.cut;
}

/* ---- newlines (line numbers) ---------------------------------------------------------
 *
 * The workers count every chunk's newlines (the next chunk's first line depends on
 * them), so this runs over all the text once more. A byte lane of an accumulator counts
 * the newlines in its column (cmpeq gives -1, subtracted), and psadbw sums the lanes
 * before any can pass 255: 32 bytes a compare with AVX2, two accumulators so that the
 * two halves of 64 bytes do not wait for each other; 16 with SSE2. Portably eight bytes
 * at a time: a byte of x = w ^ "\n\n.." is zero where w has a newline, and
 * ((x & 0x7f..) + 0x7f..) | x has the high bit of each nonzero byte set, with no carry
 * between bytes; the multiply adds the eight 0/1 bytes (no popcount instruction in the
 * baseline x86-64: __builtin_popcountll is a libgcc call). */

static uint64_t newlines_portable(const char *p, size_t n)
{
    const uint64_t nl = 0x0a0a0a0a0a0a0a0aULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t k = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        uint64_t nonzero = ((x & low7) + low7) | x;
        k += ((~nonzero & ~low7) >> 7) * 0x0101010101010101ULL >> 56;
    }
    for (; i < n; i++) k += p[i] == '\n';
    return k;
}

#ifdef PT_SPLIT_X86
static uint64_t newlines_sse2(const char *p, size_t n)
{
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    uint64_t k = 0;
    size_t i = 0;
    while (i + 16 <= n) {
        __m128i acc = zero;
        for (size_t stop = i + 255 * 16 <= n ? i + 255 * 16 : n; i + 16 <= stop; i += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), nl));
        __m128i sums = _mm_sad_epu8(acc, zero);
        k += (uint64_t)_mm_cvtsi128_si64(sums) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    return k + newlines_portable(p + i, n - i);
}

__attribute__((target("avx2"))) static uint64_t newlines_avx2(const char *p, size_t n)
{
    const __m256i nl = _mm256_set1_epi8('\n'), zero = _mm256_setzero_si256();
    uint64_t k = 0;
    size_t i = 0;
    while (i + 64 <= n) {
        __m256i a = zero, b = zero;
        for (size_t stop = i + 255 * 64 <= n ? i + 255 * 64 : n; i + 64 <= stop; i += 64) {
            __m256i lo = _mm256_loadu_si256((const __m256i *)(p + i));
            __m256i hi = _mm256_loadu_si256((const __m256i *)(p + i + 32));
            a = _mm256_sub_epi8(a, _mm256_cmpeq_epi8(lo, nl));
            b = _mm256_sub_epi8(b, _mm256_cmpeq_epi8(hi, nl));
        }
        __m256i sums = _mm256_add_epi64(_mm256_sad_epu8(a, zero), _mm256_sad_epu8(b, zero));
        __m128i two = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
        k += (uint64_t)_mm_cvtsi128_si64(two) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(two, two));
    }
    return k + newlines_sse2(p + i, n - i);
}
#endif

uint64_t pt_count_newlines_with(const char *p, size_t n, pt_split_masks how)
{
    if (how == PT_SPLIT_AUTO)
        how = pt_split_masks_available(PT_SPLIT_AVX2) ? PT_SPLIT_AVX2 : PT_SPLIT_SSE2;
    if (!pt_split_masks_available(how)) how = PT_SPLIT_PORTABLE;
#ifdef PT_SPLIT_X86
    if (how == PT_SPLIT_AVX2) return newlines_avx2(p, n);
    if (how == PT_SPLIT_SSE2) return newlines_sse2(p, n);
#endif
    return newlines_portable(p, n);
}

uint64_t pt_count_newlines(const char *p, size_t n)
{
    return pt_count_newlines_with(p, n, PT_SPLIT_AUTO);
}

static size_t cut_csv(const char *buf, size_t n, char delim)
{
    return pt_split_csv_with(buf, n, delim, PT_SPLIT_AUTO);
}

/* A copy of cols (a COPY node owns its columns). */
static void columns_copy(pt_columns *to, const pt_columns *from)
{
    to->n = from->n;
    to->names = pt_xcalloc(from->n ? from->n : 1, sizeof *to->names);
    to->lens = pt_xcalloc(from->n ? from->n : 1, sizeof *to->lens);
    for (size_t i = 0; i < from->n; i++) {
        to->names[i] = pt_xstrndup(from->names[i], from->lens[i]);
        to->lens[i] = from->lens[i];
    }
}

/* The note for a cut inside the rows of the COPY statement t[p..end): its table and
 * columns (its own list, else those of the table's CREATE TABLE). */
static void note_copy(pt_splitter *s, const char *t, size_t p, size_t end)
{
    pt_rbuf name = {0}, cols = {0};
    size_t n_cols = 0;
    pt_sql_copy_from_stdin(t, end, p, &name, &cols, &n_cols);
    pt_sql_table *node = push_cut_note(s, PT_CUT_COPY);
    node->name = pt_xstrndup(name.p ? name.p : "", name.len);
    if (n_cols) {
        size_t cap = n_cols;
        node->cols.names = pt_xcalloc(cap, sizeof *node->cols.names);
        node->cols.lens = pt_xcalloc(cap, sizeof *node->cols.lens);
        for (size_t off = 0; node->cols.n < n_cols;) {
            size_t len = strlen(cols.p + off);
            node->cols.names[node->cols.n] = pt_xstrndup(cols.p + off, len);
            node->cols.lens[node->cols.n++] = len;
            off += len + 1;
        }
    } else {
        for (const pt_sql_table *tab = node->next; tab; tab = tab->next) {
            if (tab->cut == PT_CUT_TABLE && pt_sql_table_name_matches(tab->name, name.p, name.len)) {
                columns_copy(&node->cols, &tab->cols);
                break;
            }
        }
    }
    pt_rbuf_free(&name);
    pt_rbuf_free(&cols);
}

/* Statement boundaries are a ';' followed by optional blanks and a newline. CREATE
 * TABLE statements ending at or before the cut are parsed and registered. The rows of
 * a pg_dump COPY ... FROM stdin block (from the line after the statement to a line
 * "\.") are lines: a cut may go after any of them, and the note pushed then tells the
 * next chunk that it starts inside the block (see records.h). */
static size_t cut_sql(pt_splitter *s, const char *buf, size_t n, bool at_eof)
{
    size_t p = 0, cut = 0;
    size_t *creates = NULL, n_creates = 0, cap = 0;   /* start, end pairs */
    bool in_copy = s->in_copy;
    size_t copy_start = SIZE_MAX, copy_end = 0;       /* a COPY statement met here */
    while (p < n) {
        if (in_copy) {
            bool ended;
            size_t e = pt_sql_copy_end(buf, n, p, at_eof, &ended);
            if (e > p) cut = e;
            p = e;
            if (!ended) break;
            in_copy = false;
            continue;
        }
        size_t start = pt_sql_skip_space(buf, n, p);
        if (start >= n) break;
        bool found;
        size_t end = pt_sql_statement_end(buf, n, start, &found);
        if (!found && !at_eof) break;
        if (pt_sql_create_table_at(buf, n, start)) {
            if (n_creates + 2 > cap) {
                cap = cap ? cap * 2 : 8;
                creates = pt_xrealloc(creates, cap * sizeof *creates);
            }
            creates[n_creates++] = start;
            creates[n_creates++] = end;
        }
        if (found && buf[start] != '(' && (buf[start] | 0x20) == 'c') {
            pt_rbuf name = {0}, cols = {0};
            size_t n_cols;
            bool copy = pt_sql_copy_from_stdin(buf, end, start, &name, &cols, &n_cols) != 0;
            pt_rbuf_free(&name);
            pt_rbuf_free(&cols);
            if (copy) {   /* its rows start on the next line */
                const char *nl = memchr(buf + end, '\n', n - end);
                if (!nl && !at_eof) break;
                p = cut = nl ? (size_t)(nl - buf) + 1 : n;
                in_copy = true;
                copy_start = start;
                copy_end = end;
                continue;
            }
        }
        size_t q = end;
        while (q < n && (buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\r')) q++;
        if (q < n && buf[q] == '\n') cut = q + 1;
        else if (end > start && buf[end - 1] == '\n') cut = end;   /* ended by a new line */
        p = end;
    }
    if (at_eof) {
        cut = n;
        in_copy = false;
    }
    for (size_t i = 0; i < n_creates; i += 2) {
        if (creates[i + 1] > cut) break;
        pt_sql_table *tab = pt_sql_parse_create(buf, creates[i + 1], creates[i]);
        if (!tab) continue;
        tab->next = s->tables;
        s->tables = tab;
    }
    free(creates);
    if (cut == 0) return 0;
    if (in_copy && copy_start != SIZE_MAX) note_copy(s, buf, copy_start, copy_end);
    else if (!in_copy) note_plain(s);
    s->in_copy = in_copy;
    return cut;
}

/* JSON documents: the walk of json.c from the state of the last cut, up to the first
 * token that goes on past the buffer (or to its end); the cut goes before that token. */
static size_t cut_json(pt_splitter *s, const char *buf, size_t n, bool at_eof)
{
    pt_json_walk w = s->jw;
    size_t p = 0, b, e;
    int ev;
    do ev = pt_json_step(buf, n, &p, &w, s->d.json_wrapper, at_eof, true, &b, &e);
    while (ev != PT_JW_END && ev != PT_JW_NEED);
    if (at_eof) p = n;
    if (p == 0) return 0;
    s->jw = w;
    if (at_eof) return p;   /* no chunk follows: nothing to note */
    const pt_sql_table *h = s->tables;
    bool head_json = h && h->cut == PT_CUT_JSON;
    if (w.depth == 0) {
        note_plain(s);
    } else if (!head_json || h->json_depth != w.depth || h->json_in_records != w.in_records) {
        pt_sql_table *node = push_cut_note(s, PT_CUT_JSON);
        node->json_depth = w.depth;
        node->json_in_records = w.in_records;
    }
    return p;
}

size_t pt_splitter_cut(pt_splitter *s, const char *buf, size_t n, bool at_eof)
{
    if (!buf || n == 0) return 0;
    switch (s->d.format) {
    case PT_FMT_SQL: return cut_sql(s, buf, n, at_eof);
    case PT_FMT_JSON: return cut_json(s, buf, n, at_eof);
    case PT_FMT_BLOCKS: return at_eof ? n : pt_blocks_cut(buf, n);
    case PT_FMT_CSV:
        if (at_eof) return n;
        return cut_csv(buf, n, s->d.delim_len ? s->d.delim[0] : ',');
    default:
        if (at_eof) return n;
        return cut_after_last_newline(buf, n);
    }
}
