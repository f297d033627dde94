/* split.c - where the reader may cut a buffer so that every chunk holds whole records.
 *
 * Runs on the single reader thread over every buffer, so it avoids per-byte state
 * machines where it can: line formats cut after the last '\n' (memrchr); CSV counts
 * quotes once over the buffer (a loop the compiler vectorizes) and walks newlines back
 * from the end until the quote parity before one is even. SQL has to lex (strings and
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

static size_t count_quotes(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += p[i] == '"';
    return c;
}

static size_t cut_after_last_newline(const char *buf, size_t n)
{
    const char *nl = memrchr(buf, '\n', n);
    return nl ? (size_t)(nl - buf) + 1 : 0;
}

/* The last newline with an even number of quotes before it. Parity at a newline is the
 * buffer's total parity minus the quotes after it, so one counting pass suffices. */
static size_t cut_csv(const char *buf, size_t n)
{
    size_t parity = count_quotes(buf, n) & 1, end = n;
    while (end > 0) {
        const char *nl = memrchr(buf, '\n', end);
        if (!nl) return 0;
        size_t at = (size_t)(nl - buf);
        parity ^= count_quotes(nl + 1, end - at - 1) & 1;
        if (parity == 0) return at + 1;
        end = at;
    }
    return 0;
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
        return cut_csv(buf, n);
    default:
        if (at_eof) return n;
        return cut_after_last_newline(buf, n);
    }
}
