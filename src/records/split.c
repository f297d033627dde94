/* split.c - where the reader may cut a buffer so that every chunk holds whole records.
 *
 * Runs on the single reader thread over every buffer, so it avoids per-byte state
 * machines where it can: line formats cut after the last '\n' (memrchr); CSV jumps
 * from quote to quote (memchr), reading them as the iterator does, and cuts after the
 * last newline outside quoted fields. SQL has to lex (strings and
 * comments may hold ';'), and registers every CREATE TABLE it passes so that later
 * chunks know the column names.
 */
#include "internal.h"

#include <stdlib.h>

struct pt_splitter {
    pt_dialect d;
    const pt_sql_table *tables;   /* newest first; each node immutable once linked */
};

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

/* The last newline outside quoted fields, found the way the iterator reads quotes: a
 * quote opens a quoted field only at the start of a field (chunk start, or after the
 * delimiter or a newline), "" inside it is a quote, and any other quote is a literal
 * character. Counting every quote instead would let a stray one (5'10" in a free-text
 * column) shift the cut into a quoted newline, and the records would depend on the
 * chunk size. Only quotes and newlines are visited, with memchr/memrchr. A buffer that
 * ends inside a quoted field is cut before that field's line. */
static size_t cut_csv(const char *buf, size_t n, char delim)
{
    size_t p = 0, plain = 0, safe = 0;   /* plain: start of the text outside quotes */
    for (;;) {
        const char *q = memchr(buf + p, '"', n - p);
        if (!q) break;
        size_t open = (size_t)(q - buf);
        if (open > 0 && buf[open - 1] != delim && buf[open - 1] != '\n') {
            p = open + 1;   /* a literal quote inside an unquoted field */
            continue;
        }
        size_t nl = cut_after_last_newline(buf + plain, open - plain);
        if (nl) safe = plain + nl;
        size_t c = open + 1;
        for (;;) {
            q = memchr(buf + c, '"', n - c);
            if (!q || (size_t)(q - buf) + 1 >= n) return safe;   /* open at the end */
            c = (size_t)(q - buf);
            if (buf[c + 1] != '"') break;
            c += 2;
        }
        plain = p = c + 1;
    }
    size_t nl = cut_after_last_newline(buf + plain, n - plain);
    return nl ? plain + nl : safe;
}

/* Statement boundaries are a ';' followed by optional blanks and a newline. CREATE
 * TABLE statements ending at or before the cut are parsed and registered. */
static size_t cut_sql(pt_splitter *s, const char *buf, size_t n, bool at_eof)
{
    size_t p = 0, cut = 0;
    size_t *creates = NULL, n_creates = 0, cap = 0;   /* start, end pairs */
    while (p < n) {
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
        size_t q = end;
        while (q < n && (buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\r')) q++;
        if (q < n && buf[q] == '\n') cut = q + 1;
        p = end;
    }
    if (at_eof) cut = n;
    for (size_t i = 0; i < n_creates; i += 2) {
        if (creates[i + 1] > cut) break;
        pt_sql_table *tab = pt_sql_parse_create(buf, creates[i + 1], creates[i]);
        if (!tab) continue;
        tab->next = s->tables;
        s->tables = tab;
    }
    free(creates);
    return cut;
}

size_t pt_splitter_cut(pt_splitter *s, const char *buf, size_t n, bool at_eof)
{
    if (!buf || n == 0) return 0;
    switch (s->d.format) {
    case PT_FMT_SQL: return cut_sql(s, buf, n, at_eof);
    case PT_FMT_CSV:
        if (at_eof) return n;
        return cut_csv(buf, n, s->d.delim_len ? s->d.delim[0] : ',');
    default:
        if (at_eof) return n;
        return cut_after_last_newline(buf, n);
    }
}
