/* records.h - stage 2: decoded text into records and fields.
 *
 * Three parts, used by different threads:
 *  - detection (reader thread, once per input): format, delimiter and header from a
 *    sample of the start of the text;
 *  - splitting (reader thread): where a buffer can be cut so that every chunk holds
 *    whole records (quote-aware for CSV and SQL). SQL CREATE TABLE statements seen
 *    while splitting are registered so later chunks know the column names;
 *  - iteration (worker threads): a pt_reciter walks one chunk and yields records as
 *    arrays of (key, value) fields. Keys are column names (header, CREATE TABLE, or
 *    dotted JSON paths such as "user.phone"), NULL when there are none. Values are
 *    unquoted/unescaped. All storage is the iterator's reusable scratch: no malloc per
 *    field, valid until the next call.
 *
 * A record is one CSV/TSV/delimited row, one JSON Lines object, one object of a JSON
 * document's array of records, one SQL VALUES tuple or pg_dump COPY row, one block of
 * labelled lines, or one non-empty line of plain text. Header rows and blank lines are not records.
 */
#ifndef PITALLY_RECORDS_H
#define PITALLY_RECORDS_H

#include "pitally/common.h"

typedef enum {
    PT_FMT_AUTO = 0,
    PT_FMT_CSV,
    PT_FMT_TSV,
    PT_FMT_DELIMITED,
    PT_FMT_JSONL,
    PT_FMT_SQL,
    PT_FMT_LINES,
    PT_FMT_JSON,     /* a JSON document: an array of objects, wrapped or not (json.c) */
    PT_FMT_BLOCKS    /* labelled blocks: "姓名：张三" lines, a blank line between people */
} pt_format;

typedef enum { PT_HEADER_AUTO = 0, PT_HEADER_YES, PT_HEADER_NO } pt_header_mode;

/* "csv","tsv","delimited","jsonl","sql","lines","json","blocks" */
const char *pt_format_name(pt_format f);
int pt_format_parse(const char *s, pt_format *out);   /* 0 or -1; accepts "auto" */
int pt_header_mode_parse(const char *s, pt_header_mode *out); /* yes|no|auto */

/* How the text of one input is laid out. CSV uses RFC 4180 quoting with delim ","
 * (or another single byte given by --delimiter with --format csv); TSV splits on TAB;
 * DELIMITED splits on the delim string (1..7 bytes, e.g. "|", "----", " # ").
 * JSON: json_wrapper set (by detection) when the document is one object wrapping the
 * records ({"data":{"list":[...]}}, Elasticsearch hits): then only the objects of the
 * arrays inside top-level objects are records; unset, every top-level object is one
 * record and so is every object of a top-level array. */
typedef struct {
    pt_format format;
    char delim[8];
    size_t delim_len;
    bool json_wrapper;
} pt_dialect;

/* Column names of a delimited input's header row. Owned by the input's reader. */
typedef struct {
    char **names;
    size_t *lens;
    size_t n;
} pt_columns;

void pt_columns_free(pt_columns *c);

/* Choose a dialect from the first bytes of decoded text. forced fields (format !=
 * AUTO, delim_len != 0) are kept. at_eof: sample is the whole input. */
pt_dialect pt_detect_dialect(const char *sample, size_t n, bool at_eof, pt_dialect forced);

/* For CSV/TSV/DELIMITED: decide whether the first record of sample is a header and
 * if so fill cols and return the number of bytes it occupies (to skip), else 0. A
 * header below a few title lines (an exported report's "客户名单（2023年）", a date, a
 * blank line) is found too: the bytes skipped then include the title lines, which are
 * no records. mode YES forces it (on the first line), NO never. For other formats
 * returns 0. */
size_t pt_detect_header(const pt_dialect *d, const char *sample, size_t n, bool at_eof,
                        pt_header_mode mode, pt_columns *cols);

/* One table known from a CREATE TABLE statement. An append-only, immutable list:
 * a chunk keeps the head as it was when the chunk was cut.
 *
 * The list also carries what a chunk must know of the text before it. A node whose
 * cut is not PT_CUT_TABLE is no table but a note of where the splitter's cut left the
 * text, pushed when that differs from the plain "between statements / values": only
 * the head counts, so the chunk cut next starts in the state its head says.
 *  - PT_CUT_COPY: inside the data rows of a pg_dump COPY ... FROM stdin block; name and
 *    cols are the table and the columns of its rows;
 *  - PT_CUT_JSON: inside a JSON document, json_depth brackets open, the innermost
 *    being the array of records when json_in_records;
 *  - PT_CUT_PLAIN: none of these (pushed when a COPY block or JSON nesting ended). */
enum { PT_CUT_TABLE = 0, PT_CUT_PLAIN, PT_CUT_COPY, PT_CUT_JSON };
typedef struct pt_sql_table {
    char *name;
    pt_columns cols;
    const struct pt_sql_table *next;
    int cut;
    size_t json_depth;
    bool json_in_records;
} pt_sql_table;

/* Per-input splitting state, kept by the reader across chunks. */
typedef struct pt_splitter pt_splitter;
pt_splitter *pt_splitter_new(const pt_dialect *d);
/* buf[0..n) starts at a record boundary. Returns the length of the longest prefix
 * that ends at a record boundary (0 when none; everything when at_eof). For SQL the
 * boundary is the end of a statement or a COPY data row, and CREATE TABLE statements
 * inside the returned prefix are registered (see pt_splitter_tables); JSON documents
 * are cut between the values of the array of records. */
size_t pt_splitter_cut(pt_splitter *s, const char *buf, size_t n, bool at_eof);
/* Head of the table list registered so far; stays valid until pt_splitter_free. Taken
 * before a pt_splitter_cut, it goes with the chunk that cut returns. */
const pt_sql_table *pt_splitter_tables(const pt_splitter *s);
void pt_splitter_free(pt_splitter *s);

/* Parts of one input split at record boundaries (scan --shard, boundary.c). Formats
 * whose boundaries the splitter finds with no state carried between cuts, so that a
 * boundary depends only on the text before it: CSV, TSV, delimited, JSONL, lines. */
bool pt_boundary_format_ok(pt_format f);
/* buf[0..len) starts at a record boundary and sp splits the format (pt_boundary_format_ok).
 * Returns the first boundary at or after from (from itself when it is one; the end of
 * buf when at_eof and none comes before), or PT_BOUNDARY_NONE when buf does not reach it. */
#define PT_BOUNDARY_NONE ((size_t)-1)
size_t pt_boundary_first_from(pt_splitter *sp, const char *buf, size_t len, size_t from,
                              bool at_eof);

/* One (key, value) pair. key == NULL when the input has no column names. */
typedef struct {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
    /* Empty fields of the record before this one: the readers give no empty field, so
     * the field's position in its record (its column) is its index plus this. */
    uint32_t empty_before;
} pt_field;

typedef struct {
    const pt_field *fields;
    size_t n;
    uint64_t offset;   /* of the record's first byte in the decoded text */
} pt_record;

/* What a worker gets with one chunk. */
typedef struct {
    const char *text;
    size_t len;
    uint64_t offset;                 /* of text[0] in the decoded text of the input */
    pt_dialect dialect;
    const pt_columns *header;        /* CSV/TSV/DELIMITED header, or NULL */
    const pt_sql_table *sql_tables;  /* SQL tables known when the chunk was cut */
} pt_chunk_view;

typedef struct pt_reciter pt_reciter;  /* per thread, reused for every chunk */
pt_reciter *pt_reciter_new(void);
void pt_reciter_free(pt_reciter *it);
void pt_reciter_reset(pt_reciter *it, const pt_chunk_view *chunk);
/* 1: *rec holds the next record; 0: end of chunk; -1: a malformed record was skipped,
 * and pt_reciter_error tells kind ("json", "sql", "csv"), message and offset. */
int pt_reciter_next(pt_reciter *it, pt_record *rec);
void pt_reciter_error(const pt_reciter *it, const char **kind, const char **message,
                      uint64_t *offset);
/* Where the reader stopped (in the decoded text): after a record, the end of what it
 * consumed for it: the record, its separator, text skipped on the way to it. */
uint64_t pt_reciter_pos(const pt_reciter *it);

#endif
