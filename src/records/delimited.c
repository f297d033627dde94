/* delimited.c - the line-shaped formats: CSV (RFC 4180 quoting), TSV and delimited
 * text (split on a 1..7 byte string, no quoting), and plain lines.
 *
 * Fields point straight into the chunk whenever the text can be used as is; only a
 * CSV field holding doubled quotes (or text after its closing quote) is rebuilt in the
 * scratch buffer. A CSV field's end (delimiter or line end) is found by one 16-byte-a-step
 * search (findbyte.h); other line ends with memchr, delimiters with memchr/memmem.
 */
#include "internal.h"

#include "findbyte.h"

static bool is_blank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Skip lines holding only whitespace, which are not records. Returns false at the end. */
static bool skip_blank_lines(pt_reciter *it)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len;
    for (;;) {
        size_t q = it->pos;
        while (q < n && is_blank_byte(t[q])) q++;
        if (q >= n) {
            it->pos = n;
            return false;
        }
        if (t[q] != '\n') return true;
        it->pos = q + 1;
    }
}

static size_t line_end(const char *t, size_t n, size_t p)
{
    const char *nl = memchr(t + p, '\n', n - p);
    return nl ? (size_t)(nl - t) : n;
}

/* A field of column col that points into the chunk (most of them): pt_rec_add's work
 * without its call, on the hot path of every delimited format. */
static inline void add_plain_field(pt_reciter *it, size_t col, const char *val, size_t len)
{
    if (len == 0 && !it->keep_empty) {
        it->n_empty++;
        return;
    }
    const char *key;
    size_t key_len;
    pt_col_key(it->ch.header, col, &key, &key_len);
    if (it->n_raw == it->raw_cap) {   /* grows there */
        pt_rec_add(it, key, key_len, PT_NO_SCRATCH, val, len, PT_NO_SCRATCH);
        return;
    }
    it->raw[it->n_raw++] =
        (pt_rawfield){key, key_len, PT_NO_SCRATCH, val, len, PT_NO_SCRATCH, it->n_empty};
}

/* ---- CSV ---- */

typedef struct {
    const char *t;
    size_t n;
    char delim;
} csv_text;

/* Parse the quoted field whose opening quote is at p. On success stores the value and
 * returns the position of the delimiter/newline/end after it; on a runaway quote
 * returns SIZE_MAX. */
static size_t csv_quoted_field(pt_reciter *it, const csv_text *c, size_t p, size_t col)
{
    const char *t = c->t;
    size_t n = c->n;
    size_t inner = p + 1, from = inner, scr = PT_NO_SCRATCH, close;
    for (;;) {
        const char *q = memchr(t + from, '"', n - from);
        if (!q) return SIZE_MAX;
        close = (size_t)(q - t);
        if (close + 1 < n && t[close + 1] == '"') {   /* "" stands for one quote */
            if (scr == PT_NO_SCRATCH) scr = it->scratch.len;
            pt_rbuf_append(&it->scratch, t + from, close + 1 - from);
            from = close + 2;
            continue;
        }
        break;
    }
    /* Lenient: text between the closing quote and the delimiter belongs to the value. */
    size_t end = close + 1;
    while (end < n && t[end] != c->delim && t[end] != '\n') end++;
    size_t tail = end - (close + 1);
    if (tail && t[end - 1] == '\r' && (end == n || t[end] == '\n')) tail--;
    if (tail && scr == PT_NO_SCRATCH) {
        scr = it->scratch.len;
        from = inner;
    }
    const char *key;
    size_t key_len;
    pt_col_key(it->ch.header, col, &key, &key_len);
    if (scr == PT_NO_SCRATCH) {
        pt_rec_add(it, key, key_len, PT_NO_SCRATCH, t + inner, close - inner, PT_NO_SCRATCH);
    } else {
        pt_rbuf_append(&it->scratch, t + from, close - from);
        pt_rbuf_append(&it->scratch, t + close + 1, tail);
        pt_rec_add(it, key, key_len, PT_NO_SCRATCH, NULL, it->scratch.len - scr, scr);
    }
    return end;
}

int pt_csv_next(pt_reciter *it, pt_record *rec)
{
    if (!skip_blank_lines(it)) return 0;
    csv_text c = {it->ch.text, it->ch.len, it->ch.dialect.delim_len ? it->ch.dialect.delim[0] : ','};
    const char *t = c.t;
    size_t n = c.n, start = it->pos, p = start, col = 0;
    bool quoting = start < it->csv_literal_from;
    pt_rec_begin(it);
    for (;;) {
        if (quoting && p < n && t[p] == '"') {
            p = csv_quoted_field(it, &c, p, col);
            if (p == SIZE_MAX) {
                /* Read the rest of the chunk again with quotes taken literally, so
                 * the data after a stray quote still counts. */
                it->csv_literal_from = start;
                it->pos = start;
                return pt_rec_error(it, "csv", start,
                                    "unterminated quoted field; the rest of the chunk "
                                    "is read without quoting");
            }
        } else {
            /* an unquoted field ends at the delimiter or the line's end, whichever
             * comes first: one search for both, 16 bytes a step, no call */
            size_t end = pt_find_byte2(t, p, n, c.delim, '\n');
            size_t len = end - p;
            if (len && t[end - 1] == '\r' && (end == n || t[end] == '\n')) len--;
            add_plain_field(it, col, t + p, len);
            p = end;
        }
        if (p < n && t[p] == c.delim) {
            p++;
            col++;
            continue;
        }
        if (p < n) p++;   /* the '\n' */
        break;
    }
    it->pos = p;
    pt_rec_finish(it, rec, start);
    return 1;
}

/* ---- TSV and delimited text ---- */

int pt_delimited_next(pt_reciter *it, pt_record *rec)
{
    if (!skip_blank_lines(it)) return 0;
    const char *t = it->ch.text;
    const char *delim = it->ch.dialect.delim;
    size_t dl = it->ch.dialect.delim_len;
    if (dl == 0 || dl > 7) {
        delim = "\t";
        dl = 1;
    }
    size_t start = it->pos, le = line_end(t, it->ch.len, start);
    size_t end = le, p = start, col = 0;
    if (end > start && t[end - 1] == '\r') end--;
    pt_rec_begin(it);
    for (;;) {
        const char *d = dl == 1 ? memchr(t + p, delim[0], end - p)
                                : memmem(t + p, end - p, delim, dl);
        size_t fe = d ? (size_t)(d - t) : end;
        add_plain_field(it, col, t + p, fe - p);
        if (!d) break;
        p = fe + dl;
        col++;
    }
    it->pos = le < it->ch.len ? le + 1 : le;
    pt_rec_finish(it, rec, start);
    return 1;
}

/* ---- plain lines ---- */

int pt_lines_next(pt_reciter *it, pt_record *rec)
{
    if (!skip_blank_lines(it)) return 0;
    const char *t = it->ch.text;
    size_t start = it->pos, le = line_end(t, it->ch.len, start);
    size_t b = start, e = le;
    while (b < e && is_blank_byte(t[b])) b++;
    while (e > b && is_blank_byte(t[e - 1])) e--;
    pt_rec_begin(it);
    pt_rec_add(it, NULL, 0, PT_NO_SCRATCH, t + b, e - b, PT_NO_SCRATCH);
    it->pos = le < it->ch.len ? le + 1 : le;
    pt_rec_finish(it, rec, start);
    return 1;
}
