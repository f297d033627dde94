/* internal.h - private to src/records: the per-thread record iterator and the helpers
 * its formats share.
 *
 * Every format parser fills the same growable arrays of the pt_reciter. Values that
 * need rewriting (unescaped strings, flattened JSON keys) go to one scratch buffer that
 * may move while a record is built, so fields remember scratch positions as offsets
 * and get real pointers only when the record is finished (rec_finish).
 */
#ifndef PITALLY_RECORDS_INTERNAL_H
#define PITALLY_RECORDS_INTERNAL_H

#include "pitally/records.h"

#include <string.h>

/* A growable byte buffer, reused across records. */
typedef struct {
    char *p;
    size_t len, cap;
} pt_rbuf;

void pt_rbuf_reserve(pt_rbuf *b, size_t extra);
void pt_rbuf_free(pt_rbuf *b);

static inline void pt_rbuf_append(pt_rbuf *b, const char *s, size_t n)
{
    if (n == 0) return;   /* (and b->p may still be NULL) */
    if (b->cap - b->len < n) pt_rbuf_reserve(b, n);
    char *d = b->p + b->len;
    if (n >= 8 && n <= 16) {   /* keys and short values: two overlapping moves, no call */
        uint64_t head, tail;
        memcpy(&head, s, 8);
        memcpy(&tail, s + n - 8, 8);
        memcpy(d, &head, 8);
        memcpy(d + n - 8, &tail, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t head, tail;
        memcpy(&head, s, 4);
        memcpy(&tail, s + n - 4, 4);
        memcpy(d, &head, 4);
        memcpy(d + n - 4, &tail, 4);
    } else {
        memcpy(d, s, n);
    }
    b->len += n;
}

static inline void pt_rbuf_putc(pt_rbuf *b, char c)
{
    if (b->cap == b->len) pt_rbuf_reserve(b, 1);
    b->p[b->len++] = c;
}

/* Append code point cp as UTF-8 (invalid code points become U+FFFD). */
void pt_rbuf_put_utf8(pt_rbuf *b, uint32_t cp);

/* "Not in scratch": the field's pointer is used as is. */
#define PT_NO_SCRATCH ((size_t)-1)

/* A field while its record is being built: key/val point outside the scratch buffer,
 * unless key_scr/val_scr hold an offset into it. */
typedef struct {
    const char *key;
    size_t key_len, key_scr;
    const char *val;
    size_t val_len, val_scr;
    uint32_t empty_before;      /* see pt_field */
} pt_rawfield;

enum { SQL_STATEMENT = 0, SQL_TUPLE_FIRST, SQL_TUPLE_NEXT, SQL_COPY_ROWS };

/* Where a walk over a JSON document is (json.c): brackets open, and whether the
 * innermost is an array of records. */
typedef struct {
    size_t depth;
    bool in_records;
} pt_json_walk;

/* JSON Lines: the layout of a record that the fast path read (jsonl.c). A record's
 * skeleton is its text less its scalar values; records of one shape share it, so the
 * next one is read by comparing its text with the skeleton between values and taking
 * each value's key from here. Slot i: the skeleton before scalar i, then its key. */
typedef struct {
    const char *seg;
    size_t seg_len;
    const char *key;
    size_t key_len;
} pt_json_slot;

/* Scalar i of the record being recorded: its token t[b..e) (relative to the record's
 * start) and its key at key_off in the recording's key buffer. */
typedef struct {
    size_t b, e, key_off, key_len;
} pt_json_token;

typedef struct {
    pt_rbuf skel, keys;         /* the template's skeleton bytes and keys */
    pt_json_slot *slots;
    size_t n_slots, slot_cap;
    const char *tail;           /* the skeleton after the last scalar */
    size_t tail_len;
    bool valid;
    unsigned misses;            /* records in a row the template did not fit */
    unsigned skip;              /* records to read without it (after misses) */
    bool recording;             /* the fast path notes its scalars (tokens, rec_keys) */
    pt_json_token *tokens;
    size_t n_tokens, token_cap;
    pt_rbuf rec_keys;
    bool off;                   /* never use a template (tests: the reference reading) */
} pt_json_tpl;

struct pt_reciter {
    pt_chunk_view ch;
    size_t pos;                 /* next unread byte of ch.text */

    pt_rawfield *raw;
    size_t n_raw, raw_cap;
    pt_field *out;
    size_t out_cap;
    pt_rbuf scratch;            /* unescaped values and flattened keys of one record */
    pt_rbuf path;               /* JSON: the dotted key prefix */

    bool keep_empty;            /* header detection wants empty fields too */
    uint32_t n_empty;           /* empty fields of the record so far, not given */
    size_t csv_literal_from;    /* CSV: from here on quotes are literal (after a runaway quote) */

    /* SQL state: inside an INSERT's VALUES list the keys come from its column list
     * (icol_*, stored in icol_buf) or from a known table's columns (tcols). */
    int sql_mode;
    size_t sql_end;             /* end of the current statement (after its ';', or the text end) */
    bool sql_resumed;           /* reading tuples of a cut statement (see sql.c) */
    bool sql_lazy;              /* sql_end not lexed yet: tuples checked as parsed (sql.c) */
    size_t sql_start;           /* where the current statement starts */
    const pt_columns *tcols;
    bool use_icols;
    pt_rbuf icol_buf;
    size_t *icol_off, *icol_len;
    size_t n_icols, icol_cap;
    pt_sql_table *local_tables; /* CREATE TABLEs met in this chunk, owned */
    pt_rbuf name_buf;           /* scratch for table names */
    pt_rbuf copy_cols;          /* a COPY statement's column names, NUL-separated */

    pt_json_walk jw;            /* JSON documents: the walk at it->pos */
    pt_json_tpl tpl;            /* JSON Lines: the last shape's template (jsonl.c) */

    const char *err_kind;
    char err_msg[200];
    uint64_t err_off;
};

/* Record building (iter.c). */
void pt_rec_begin(pt_reciter *it);
void pt_rec_grow(pt_reciter *it);
/* A field (key/val, or offsets key_scr/val_scr into it->scratch, PT_NO_SCRATCH when
 * unused); an empty value only when keep_empty. Inline: a record adds a dozen. */
static inline void pt_rec_add(pt_reciter *it, const char *key, size_t key_len, size_t key_scr,
                              const char *val, size_t val_len, size_t val_scr)
{
    if (val_len == 0 && !it->keep_empty) {
        it->n_empty++;
        return;
    }
    if (it->n_raw == it->raw_cap) pt_rec_grow(it);
    it->raw[it->n_raw++] = (pt_rawfield){key, key_len, key_scr, val, val_len, val_scr, it->n_empty};
}
void pt_rec_finish(pt_reciter *it, pt_record *rec, size_t start);
int pt_rec_error(pt_reciter *it, const char *kind, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Column name i of cols, or NULL past its width. */
static inline void pt_col_key(const pt_columns *cols, size_t i, const char **k, size_t *kl)
{
    if (cols && i < cols->n) {
        *k = cols->names[i];
        *kl = cols->lens[i];
    } else {
        *k = NULL;
        *kl = 0;
    }
}

/* Per-format record readers: 1 record, 0 end of chunk, -1 error. */
int pt_csv_next(pt_reciter *it, pt_record *rec);
int pt_delimited_next(pt_reciter *it, pt_record *rec);
int pt_jsonl_next(pt_reciter *it, pt_record *rec);
int pt_sql_next(pt_reciter *it, pt_record *rec);
void pt_sql_start(pt_reciter *it);   /* a chunk starting inside a COPY block (sql.c) */
int pt_lines_next(pt_reciter *it, pt_record *rec);
int pt_blocks_next(pt_reciter *it, pt_record *rec);

/* Labelled blocks (blocks.c): the label of line t[b..e) (see there), where to cut a
 * buffer (after its last blank line, 0 when none), and detection. */
bool pt_blocks_label(const char *t, size_t b, size_t e, size_t *le, size_t *vb);
size_t pt_blocks_cut(const char *t, size_t n);
bool pt_blocks_detect(const char *t, size_t n, bool at_eof);

/* JSON Lines templates (jsonl.c): free them; with off, records are read without one
 * (the reading the template must equal, for tests). */
void pt_json_tpl_free(pt_json_tpl *tp);
void pt_reciter_json_templates(pt_reciter *it, bool on);

/* JSON: does text[0..n) (one line) hold exactly one JSON object? (jsonl.c) */
bool pt_json_line_is_object(const char *text, size_t n);
/* Parse the object at t[b] (bounded by n) into the record being built:
 * NULL and *end after it, or why not and *end where the parse stopped (jsonl.c). */
const char *pt_json_parse_record(pt_reciter *it, const char *t, size_t b, size_t n, size_t *end);

/* JSON documents (json.c). One step of the walk from *pos: */
enum {
    PT_JW_END,      /* *pos == n, every token before it taken */
    PT_JW_NEED,     /* the token at *pos goes on past n (only when !at_end) */
    PT_JW_RECORD,   /* a record object starts at *b; with find_end it ends at *e == *pos */
    PT_JW_GARBAGE,  /* t[*b..*e) is no JSON and was skipped */
    PT_JW_CUT       /* a value or string from *b is cut off by the end of the text */
};
int pt_json_step(const char *t, size_t n, size_t *pos, pt_json_walk *w, bool wrapper,
                 bool at_end, bool find_end, size_t *b, size_t *e);
/* p at '{' or '[': after its matching bracket, or n (*closed false). Structure only. */
size_t pt_json_value_end(const char *t, size_t p, size_t n, bool *closed);
/* Does t[p..n) hold an array whose first value is an object? */
bool pt_json_has_record_array(const char *t, size_t p, size_t n);
/* Is the document starting t[0..n) one object wrapping arrays of records? */
bool pt_json_detect_wrapper(const char *t, size_t n);
void pt_json_start(pt_reciter *it);
int pt_json_next(pt_reciter *it, pt_record *rec);

/* SQL lexing shared by the splitter and the iterator (sql.c). */
size_t pt_sql_skip_space(const char *t, size_t n, size_t p);
/* p at a quote: returns the position after the closing quote, or n when unterminated. */
size_t pt_sql_skip_quoted(const char *t, size_t n, size_t p, bool *closed);
/* Position just after the ';' ending the statement that starts at p, or n (*found false). */
size_t pt_sql_statement_end(const char *t, size_t n, size_t p, bool *found);
/* When a CREATE TABLE statement starts at p: position after the word TABLE, else 0. */
size_t pt_sql_create_table_at(const char *t, size_t n, size_t p);
/* Parse the CREATE TABLE statement text[p..n); NULL when it names no columns. */
pt_sql_table *pt_sql_parse_create(const char *t, size_t n, size_t p);
void pt_sql_table_free_list(const pt_sql_table *t);
/* When a COPY ... FROM stdin statement starts at p: the table name into *name, its
 * column list (if any) into *cols as NUL-terminated names, *n_cols of them; returns the
 * position after STDIN, else 0. */
size_t pt_sql_copy_from_stdin(const char *t, size_t n, size_t p, pt_rbuf *name, pt_rbuf *cols,
                              size_t *n_cols);
/* p at the start of a line of COPY data: the end of the block's "\." line (*ended), or
 * else the end of the last whole line in t[p..n) (everything when at_end). */
size_t pt_sql_copy_end(const char *t, size_t n, size_t p, bool at_end, bool *ended);
bool pt_sql_table_name_matches(const char *have, const char *want, size_t want_len);

/* Bit i of the result is the parity of the set bits of x at positions <= i: which bytes
 * of a 64-byte block lie inside quotes, from a mask of its quote bytes (split.c, sql.c). */
static inline uint64_t pt_prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

#endif
