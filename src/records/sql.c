/* sql.c - SQL dumps (mysqldump, pg_dump, SQL Server and Oracle scripts): every tuple of
 * an INSERT ... VALUES (...),(...); is one record, keyed by the INSERT's column list or by
 * the columns of the table's CREATE TABLE (from this chunk or from the splitter's list
 * of tables seen in earlier chunks), and so is every row of a pg_dump
 * COPY ... FROM stdin block (tab-separated text up to a line "\.", keyed by the COPY's
 * column list). Other statements and comments are skipped. A statement ends at its ';',
 * or, in scripts that leave it out, where a line starts with GO or a statement word.
 *
 * The lexing helpers here are shared with the splitter, so both agree on where strings,
 * comments and statements end: '...' and "..." strings take backslash escapes and
 * doubled quotes, `...` identifiers doubled backticks; comments are "--" to the end of
 * the line and slash-star to star-slash.
 */
#include "findbyte.h"
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

/* ---- lexing ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Is byte c in the set of the 256-bit map m (bit c of m[c / 64])? */
static inline bool in_byte_map(const uint64_t m[4], char c)
{
    unsigned char u = (unsigned char)c;
    return (m[u >> 6] >> (u & 63)) & 1;
}

/* ASCII letters and digits (whatever the locale), '_', '$' and every byte >= 0x80. */
static inline bool is_word_byte(char c)
{
    static const uint64_t word[4] = {
        1ULL << '$' | 0x3FFULL << '0',
        0x3FFFFFFULL << ('A' - 64) | 1ULL << ('_' - 64) | 0x3FFFFFFULL << ('a' - 64),
        ~0ULL, ~0ULL};
    return in_byte_map(word, c);
}

static size_t skip_space_slow(const char *t, size_t n, size_t p)
{
    while (p < n) {
        if (is_space(t[p])) {
            p++;
        } else if (t[p] == '-' && p + 1 < n && t[p + 1] == '-') {
            const char *nl = memchr(t + p, '\n', n - p);
            p = nl ? (size_t)(nl - t) + 1 : n;
        } else if (t[p] == '/' && p + 1 < n && t[p + 1] == '*') {
            const char *e = p + 2 < n ? memmem(t + p + 2, n - p - 2, "*/", 2) : NULL;
            p = e ? (size_t)(e - t) + 2 : n;
        } else {
            break;
        }
    }
    return p;
}

/* Most calls stand on a value's first byte already: nothing to skip, no call. */
static inline size_t skip_space(const char *t, size_t n, size_t p)
{
    if (p < n && (unsigned char)t[p] > ' ' && t[p] != '-' && t[p] != '/') return p;
    return skip_space_slow(t, n, p);
}

size_t pt_sql_skip_space(const char *t, size_t n, size_t p) { return skip_space(t, n, p); }

size_t pt_sql_skip_quoted(const char *t, size_t n, size_t p, bool *closed)
{
    char q = t[p];
    bool backslash = q != '`';
    p++;
    while (p < n) {
        p = pt_find_byte2(t, p, n, q, backslash ? '\\' : q);   /* the body's plain bytes */
        if (p >= n) break;
        char c = t[p];
        if (c == '\\' && backslash) {
            p += 2;
        } else if (c == q) {
            if (p + 1 < n && t[p + 1] == q) {
                p += 2;
            } else {
                *closed = true;
                return p + 1;
            }
        } else {
            p++;
        }
    }
    *closed = false;
    return n;
}

static bool keyword_at(const char *t, size_t n, size_t p, const char *kw);

/* Does the line starting at p start a statement of a script whose statements need no
 * ';' (SQL Server, Oracle): GO alone on its line, or one of a few statement words in
 * the first column, followed by a byte that is no word byte? Not decided (false) when
 * the word or the GO line reaches n, so that where a statement ends never depends on
 * where the text was cut. */
static bool statement_line_at(const char *t, size_t n, size_t p)
{
    static const char *const words[] = {"INSERT", "CREATE", "DROP", "ALTER", "USE", "COPY",
                                        "SET", "UPDATE", "DELETE", "PRINT", "EXEC", "DECLARE",
                                        "TRUNCATE", "GRANT", "COMMIT", "REM", NULL};
    if (p >= n) return false;
    char c = (char)(t[p] & ~0x20);
    if (c == 'G' && p + 2 < n && (t[p + 1] & ~0x20) == 'O') {   /* GO [count] */
        size_t q = p + 2;
        while (q < n && (t[q] == ' ' || t[q] == '\t' || (t[q] >= '0' && t[q] <= '9'))) q++;
        if (q < n && t[q] == '\r') q++;
        return q < n && t[q] == '\n';
    }
    if (!(c == 'I' || c == 'C' || c == 'D' || c == 'A' || c == 'U' || c == 'S' || c == 'P' ||
          c == 'E' || c == 'T' || c == 'R'))
        return false;
    for (int i = 0; words[i]; i++) {
        size_t k = strlen(words[i]);
        if (p + k < n && keyword_at(t, n, p, words[i])) return true;
    }
    return false;
}

/* The bytes of t[b..b+16) (up to n) that can mean something to the statement lexer,
 * in or out of a string, as a bit mask. */
static inline unsigned lexer_bytes(const char *t, size_t n, size_t b)
{
#if defined(__SSE2__)
    if (b + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + b));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(';')),
                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        return (unsigned)_mm_movemask_epi8(hit);
    }
#endif
    unsigned m = 0;
    for (size_t i = b; i < n && i < b + 16; i++)
        if (strchr(";'\"`-/\n\\", t[i]) && t[i]) m |= 1u << (i - b);
    return m;
}

#if defined(__SSE2__)
#define PT_SQL_PLAIN_BLOCKS 1

/* Most of a dump is tuples of single-quoted strings without backslashes. Over 64 such
 * bytes at t + b, entered outside strings or inside a '...' one (*in_string), the lexer
 * only toggles in and out at each quote (a doubled quote toggles twice), so which bytes
 * are in strings is the prefix parity of the quotes. When no other byte the lexer stops
 * at is outside the strings, the block changes nothing but *in_string: true then. */
static inline bool lexer_plain_block(const char *t, size_t b, bool *in_string)
{
    uint64_t quotes = 0, others = 0;
    unsigned backslashes = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + b + 16 * k));
        __m128i o = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(';')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        o = _mm_or_si128(o, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
        o = _mm_or_si128(o, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
        o = _mm_or_si128(o, _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
        o = _mm_or_si128(o, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        quotes |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\''))) << (16 * k);
        others |= (uint64_t)(uint16_t)_mm_movemask_epi8(o) << (16 * k);
        backslashes |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    }
    if (backslashes) return false;
    uint64_t inside = pt_prefix_xor(quotes) ^ (*in_string ? ~0ULL : 0);
    if (others & ~inside) return false;
    *in_string = inside >> 63;
    return true;
}
#endif

/* One lexer pass, 16 bytes a step: the mask of a block's meaningful bytes is walked in
 * order, inside a string (q: its quote) or outside, instead of searching again from
 * each quote (a tuple of strings stops the search every few bytes). Runs of 64 plain
 * bytes (lexer_plain_block) are passed at once; after a block that is not, its bytes
 * are walked before the next try. */
size_t pt_sql_statement_end(const char *t, size_t n, size_t p, bool *found)
{
    char q = 0;   /* the quote of the string p is in, or 0 */
#ifdef PT_SQL_PLAIN_BLOCKS
    size_t walk_until = p;   /* walk, do not try a plain block, before here */
#endif
    while (p < n) {
#ifdef PT_SQL_PLAIN_BLOCKS
        if (p >= walk_until && p + 64 <= n && (q == 0 || q == '\'')) {
            bool in_string = q != 0;
            if (lexer_plain_block(t, p, &in_string)) {
                q = in_string ? '\'' : 0;
                p += 64;
                continue;
            }
            walk_until = p + 64;
        }
#endif
        size_t b = p, next = b + 16;
        for (unsigned m = lexer_bytes(t, n, b); m; m &= m - 1) {
            size_t i = b + (size_t)__builtin_ctz(m);
            if (i < p) continue;   /* after an escape or a doubled quote */
            char c = t[i];
            if (q) {
                if (c == q) {
                    if (i + 1 < n && t[i + 1] == q) p = i + 2;   /* doubled: still inside */
                    else q = 0, p = i + 1;
                } else if (c == '\\' && q != '`') {
                    p = i + 2;
                }
                continue;
            }
            if (c == ';' || (c == '\n' && statement_line_at(t, n, i + 1))) {
                /* a statement without its ';' ends where the next one starts */
                *found = true;
                return i + 1;
            }
            if (c == '\'' || c == '"' || c == '`') {
                q = c;
                p = i + 1;
            } else if ((c == '-' && i + 1 < n && t[i + 1] == '-') ||
                       (c == '/' && i + 1 < n && t[i + 1] == '*')) {
                next = skip_space(t, n, i);   /* may end inside this block */
                break;
            }
        }
        p = next > p ? next : p;
    }
    *found = false;
    return n;
}

/* Case-insensitive keyword at p, not followed by a word byte. */
static bool keyword_at(const char *t, size_t n, size_t p, const char *kw)
{
    size_t k = strlen(kw);
    if (n - p < k || strncasecmp(t + p, kw, k) != 0) return false;
    return p + k == n || !is_word_byte(t[p + k]);
}

/* If keyword kw is at p (after spaces), move *p past it. */
static bool eat_keyword(const char *t, size_t n, size_t *p, const char *kw)
{
    size_t q = skip_space(t, n, *p);
    if (q >= n || !keyword_at(t, n, q, kw)) return false;
    *p = q + strlen(kw);
    return true;
}

/* Read one possibly quoted, possibly schema-qualified identifier at *p into out
 * (quotes removed, segments joined with '.'). False when there is none. */
static bool read_identifier(const char *t, size_t n, size_t *p, pt_rbuf *out)
{
    size_t q = skip_space(t, n, *p);
    out->len = 0;
    for (;;) {
        if (q >= n) return false;
        char c = t[q];
        if (c == '`' || c == '"' || c == '[') {
            char close = c == '[' ? ']' : c;
            size_t b = q + 1, e = b;
            while (e < n && t[e] != close) e++;
            if (e >= n) return false;
            pt_rbuf_append(out, t + b, e - b);
            q = e + 1;
        } else if (is_word_byte(c)) {
            size_t b = q;
            while (q < n && is_word_byte(t[q])) q++;
            pt_rbuf_append(out, t + b, q - b);
        } else {
            return false;
        }
        if (q < n && t[q] == '.') {
            pt_rbuf_putc(out, '.');
            q++;
            continue;
        }
        if (out->len == 0) return false;   /* `` names nothing (and leaves out->p NULL) */
        *p = q;
        return true;
    }
}

/* ---- CREATE TABLE ---- */

size_t pt_sql_create_table_at(const char *t, size_t n, size_t p)
{
    static const char *const modifiers[] = {"OR", "REPLACE", "GLOBAL", "LOCAL", "TEMPORARY",
                                            "TEMP", "UNLOGGED", NULL};
    if (!keyword_at(t, n, p, "CREATE")) return 0;
    p += 6;
    for (int words = 0; words < 6; words++) {
        if (eat_keyword(t, n, &p, "TABLE")) return p;
        bool known = false;
        for (int m = 0; modifiers[m] && !known; m++) known = eat_keyword(t, n, &p, modifiers[m]);
        if (!known) return 0;
    }
    return 0;
}

static bool is_constraint_word(const char *w, size_t len)
{
    static const char *const words[] = {"PRIMARY", "KEY", "UNIQUE", "CONSTRAINT", "INDEX",
                                        "FOREIGN", "CHECK", "FULLTEXT", "SPATIAL", "EXCLUDE",
                                        "LIKE", "PERIOD", NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == len && strncasecmp(w, words[i], len) == 0) return true;
    return false;
}

/* From p inside a parenthesised list, the position of the next ',' or ')' at depth 0
 * (strings and nested parentheses skipped), or n; *suspect set at a byte outside strings
 * that the lexer may end the statement at (';', a newline) or read as a comment start. */
static size_t tuple_value_end(const char *t, size_t n, size_t p, bool *suspect)
{
    /* the bytes the loop below stops at: quotes, parentheses, ',' and the suspects */
    static const uint64_t stop[4] = {
        1ULL << '\n' | 1ULL << '"' | 1ULL << '\'' | 1ULL << '(' | 1ULL << ')' | 1ULL << ',' |
            1ULL << '-' | 1ULL << '/' | 1ULL << ';',
        1ULL << ('`' - 64), 0, 0};
    int depth = 0;
    bool closed;
    while (p < n) {
        while (p < n && !in_byte_map(stop, t[p])) p++;   /* a number's digits, a word */
        if (p >= n) break;
        char c = t[p];
        if (c == '\'' || c == '"' || c == '`') {
            p = pt_sql_skip_quoted(t, n, p, &closed);
            continue;
        }
        if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth == 0) return p;
            depth--;
        } else if (c == ',' && depth == 0) {
            return p;
        } else if (c == ';' || c == '\n' || (c == '-' && p + 1 < n && t[p + 1] == '-') ||
                   (c == '/' && p + 1 < n && t[p + 1] == '*')) {
            *suspect = true;
        }
        p++;
    }
    return n;
}

/* The same, for a column list or a CREATE TABLE's definitions (no lexer to second-guess). */
static size_t next_list_separator(const char *t, size_t n, size_t p)
{
    bool suspect = false;
    return tuple_value_end(t, n, p, &suspect);
}

static void columns_push(pt_columns *c, size_t *cap, const char *name, size_t len)
{
    if (c->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        c->names = pt_xrealloc(c->names, *cap * sizeof *c->names);
        c->lens = pt_xrealloc(c->lens, *cap * sizeof *c->lens);
    }
    c->names[c->n] = pt_xstrndup(name, len);
    c->lens[c->n] = len;
    c->n++;
}

pt_sql_table *pt_sql_parse_create(const char *t, size_t n, size_t p)
{
    pt_rbuf name = {0}, col = {0};
    pt_sql_table *tab = NULL;
    size_t q = pt_sql_create_table_at(t, n, skip_space(t, n, p));
    if (!q) goto done;
    if (eat_keyword(t, n, &q, "IF")) {
        eat_keyword(t, n, &q, "NOT");
        eat_keyword(t, n, &q, "EXISTS");
    }
    if (!read_identifier(t, n, &q, &name)) goto done;
    q = skip_space(t, n, q);
    if (q >= n || t[q] != '(') goto done;
    q++;
    tab = pt_xcalloc(1, sizeof *tab);
    size_t cap = 0;
    while (q < n) {
        size_t def = skip_space(t, n, q);
        if (def >= n || t[def] == ')') break;
        size_t w = def;
        while (w < n && is_word_byte(t[w])) w++;
        bool bare = w > def;
        if (!(bare && is_constraint_word(t + def, w - def))) {
            size_t r = def;
            if (read_identifier(t, n, &r, &col) && col.len) columns_push(&tab->cols, &cap, col.p, col.len);
        }
        q = next_list_separator(t, n, def);
        if (q >= n || t[q] == ')') break;
        q++;
    }
    if (tab->cols.n == 0) {
        free(tab);
        tab = NULL;
        goto done;
    }
    tab->name = pt_xstrndup(name.p, name.len);
done:
    pt_rbuf_free(&name);
    pt_rbuf_free(&col);
    return tab;
}

/* ---- COPY ... FROM stdin (pg_dump) ---- */

size_t pt_sql_copy_from_stdin(const char *t, size_t n, size_t p, pt_rbuf *name, pt_rbuf *cols,
                              size_t *n_cols)
{
    if (!keyword_at(t, n, p, "COPY")) return 0;
    size_t q = p + 4;
    eat_keyword(t, n, &q, "ONLY");
    if (!read_identifier(t, n, &q, name)) return 0;
    cols->len = 0;
    *n_cols = 0;
    q = skip_space(t, n, q);
    if (q < n && t[q] == '(') {   /* the column list: names joined by NUL bytes */
        pt_rbuf col = {0};
        q++;
        for (;;) {
            if (!read_identifier(t, n, &q, &col)) break;
            pt_rbuf_append(cols, col.p, col.len);
            pt_rbuf_putc(cols, '\0');
            ++*n_cols;
            q = skip_space(t, n, q);
            if (q < n && t[q] == ',') {
                q++;
                continue;
            }
            break;
        }
        pt_rbuf_free(&col);
        q = skip_space(t, n, q);
        if (q >= n || t[q] != ')') return 0;
        q++;
    }
    if (!eat_keyword(t, n, &q, "FROM") || !eat_keyword(t, n, &q, "STDIN")) return 0;
    return q;
}

size_t pt_sql_copy_end(const char *t, size_t n, size_t p, bool at_end, bool *ended)
{
    *ended = false;
    size_t from = p;
    for (;;) {
        const char *m = from < n ? memmem(t + from, n - from, "\\.", 2) : NULL;
        if (!m) break;
        size_t i = (size_t)(m - t), e = i + 2;
        from = i + 1;
        if (i > p && t[i - 1] != '\n') continue;   /* not at the start of a line */
        if (e < n && t[e] == '\r') e++;
        if (e < n && t[e] != '\n') continue;
        if (e >= n && !at_end) break;   /* "\." at the end: a line of its own if nothing follows */
        *ended = true;
        return e < n ? e + 1 : n;
    }
    if (at_end) return n;
    const char *nl = p < n ? memrchr(t + p, '\n', n - p) : NULL;
    return nl ? (size_t)(nl - t) + 1 : p;
}

void pt_sql_table_free_list(const pt_sql_table *t)
{
    while (t) {
        const pt_sql_table *next = t->next;
        pt_columns cols = t->cols;
        pt_columns_free(&cols);
        free(t->name);
        free((void *)t);
        t = next;
    }
}

/* "db.users" matches "users" and the other way round: dumps qualify inconsistently. */
bool pt_sql_table_name_matches(const char *have, const char *want, size_t want_len)
{
    size_t hl = strlen(have);
    if (want_len == 0) return false;
    if (hl == want_len && strncasecmp(have, want, hl) == 0) return true;
    const char *hd = memrchr(have, '.', hl);
    const char *wd = memrchr(want, '.', want_len);
    const char *hs = hd ? hd + 1 : have, *ws = wd ? wd + 1 : want;
    size_t hsl = hl - (size_t)(hs - have), wsl = want_len - (size_t)(ws - want);
    return hsl == wsl && hsl && strncasecmp(hs, ws, hsl) == 0;
}

static const pt_columns *find_table(const pt_reciter *it, const char *name, size_t len)
{
    for (const pt_sql_table *t = it->local_tables; t; t = t->next)
        if (t->cut == PT_CUT_TABLE && pt_sql_table_name_matches(t->name, name, len))
            return &t->cols;
    for (const pt_sql_table *t = it->ch.sql_tables; t; t = t->next)
        if (t->cut == PT_CUT_TABLE && pt_sql_table_name_matches(t->name, name, len))
            return &t->cols;
    return NULL;
}

/* ---- INSERT ---- */

static void icols_push(pt_reciter *it, const char *name, size_t len)
{
    if (it->n_icols == it->icol_cap) {
        it->icol_cap = it->icol_cap ? it->icol_cap * 2 : 16;
        it->icol_off = pt_xrealloc(it->icol_off, it->icol_cap * sizeof *it->icol_off);
        it->icol_len = pt_xrealloc(it->icol_len, it->icol_cap * sizeof *it->icol_len);
    }
    it->icol_off[it->n_icols] = it->icol_buf.len;
    it->icol_len[it->n_icols] = len;
    it->n_icols++;
    pt_rbuf_append(&it->icol_buf, name, len);
}

/* p after INSERT/REPLACE: read the target and column list up to and past VALUES.
 * Sets the keys for the tuples. Returns the position after VALUES, or 0 when this is
 * not an INSERT ... VALUES statement. */
static size_t parse_insert_head(pt_reciter *it, size_t p)
{
    static const char *const skip[] = {"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE",
                                       "INTO", NULL};
    const char *t = it->ch.text;
    size_t n = it->sql_end;   /* the statement, as the splitter lexes it */
    for (bool again = true; again;) {
        again = false;
        for (int k = 0; skip[k] && !again; k++) again = eat_keyword(t, n, &p, skip[k]);
    }
    if (!read_identifier(t, n, &p, &it->name_buf)) return 0;
    it->n_icols = 0;
    it->icol_buf.len = 0;
    it->use_icols = false;
    it->tcols = find_table(it, it->name_buf.p, it->name_buf.len);
    p = skip_space(t, n, p);
    if (p < n && t[p] == '(') {
        it->use_icols = true;
        p++;
        for (;;) {
            if (!read_identifier(t, n, &p, &it->name_buf)) return 0;
            icols_push(it, it->name_buf.p, it->name_buf.len);
            p = skip_space(t, n, p);
            if (p < n && t[p] == ',') {
                p++;
                continue;
            }
            if (p < n && t[p] == ')') {
                p++;
                break;
            }
            return 0;
        }
    }
    if (eat_keyword(t, n, &p, "OVERRIDING")) {   /* pg: OVERRIDING SYSTEM|USER VALUE */
        if (!eat_keyword(t, n, &p, "SYSTEM")) eat_keyword(t, n, &p, "USER");
        eat_keyword(t, n, &p, "VALUE");
    }
    if (eat_keyword(t, n, &p, "VALUES") || eat_keyword(t, n, &p, "VALUE")) return p;
    return 0;
}

static inline void tuple_key(const pt_reciter *it, size_t col, const char **k, size_t *kl)
{
    if (it->use_icols) {
        if (col < it->n_icols) {
            *k = it->icol_buf.p + it->icol_off[col];
            *kl = it->icol_len[col];
        } else {
            *k = NULL;
            *kl = 0;
        }
        return;
    }
    pt_col_key(it->tcols, col, k, kl);
}

/* Decode the string literal whose quote is at p. Returns the position after it, or
 * SIZE_MAX when it is not closed in the chunk. */
static size_t tuple_string(pt_reciter *it, size_t p, size_t col)
{
    const char *t = it->ch.text;
    size_t n = it->sql_end;   /* the statement, as the splitter lexes it */
    char q = t[p];
    size_t b = p + 1, i = b, scr = PT_NO_SCRATCH, from = b;
    for (;;) {
        i = pt_find_byte2(t, i, n, q, '\\');
        if (i >= n) return SIZE_MAX;
        bool doubled = t[i] == q && i + 1 < n && t[i + 1] == q;
        if (t[i] == q && !doubled) break;
        if (scr == PT_NO_SCRATCH) scr = it->scratch.len;
        pt_rbuf_append(&it->scratch, t + from, i - from);
        if (doubled) {
            pt_rbuf_putc(&it->scratch, q);
            i += 2;
        } else {
            if (i + 1 >= n) return SIZE_MAX;
            char c = t[i + 1], out;
            switch (c) {
            case 'n': out = '\n'; break;
            case 't': out = '\t'; break;
            case 'r': out = '\r'; break;
            case '0': out = '\0'; break;
            case 'b': out = '\b'; break;
            case 'Z': out = '\x1a'; break;
            case '%': case '_': out = '\\'; break;   /* MySQL keeps these backslashes */
            default: out = c; break;
            }
            pt_rbuf_putc(&it->scratch, out);
            if (out == '\\' && c != '\\') pt_rbuf_putc(&it->scratch, c);
            i += 2;
        }
        from = i;
    }
    const char *k;
    size_t kl;
    tuple_key(it, col, &k, &kl);
    if (scr == PT_NO_SCRATCH) {
        pt_rec_add(it, k, kl, PT_NO_SCRATCH, t + b, i - b, PT_NO_SCRATCH);
    } else {
        pt_rbuf_append(&it->scratch, t + from, i - from);
        pt_rec_add(it, k, kl, PT_NO_SCRATCH, NULL, it->scratch.len - scr, scr);
    }
    return i + 1;
}

/* ---- tuples read before their statement's end is known ----
 *
 * A statement's end is where pt_sql_statement_end (the splitter's lexer) puts it, and
 * tuples are read only up to there. Lexing a whole INSERT first to find it would be a
 * second pass over every byte of its tuples, so the tuples of an INSERT are read first
 * ("lazily", bounded by the chunk) while checking that the lexer would not end the
 * statement inside them: both read strings alike (the same quotes, escapes and doubled
 * quotes), so it suffices that no byte outside the strings is a ';', a comment start or
 * a newline starting a statement line. At the first tuple where that does not hold, or
 * anything else is unusual (an error, a tail after the tuples), the end is lexed from
 * the statement's start as before and the tuple read again: the records are the same
 * either way, the common case just reads each byte once. */

/* Blanks t[b..e) as skip_space passed them: would the lexer go through them without
 * ending the statement? (No comment, and no newline that starts a statement line.) */
static bool blanks_keep_statement(const char *t, size_t n, size_t b, size_t e)
{
    for (size_t i = b; i < e; i++) {
        char c = t[i];
        if (c == '\n' ? statement_line_at(t, n, i + 1) : !is_space(c)) return false;
    }
    return true;
}

/* skip_space inside a tuple: *suspect when the lexer might read the blanks otherwise. */
static inline size_t tuple_space(const char *t, size_t n, size_t p, bool *suspect)
{
    if (p < n && (unsigned char)t[p] > ' ' && t[p] != '-' && t[p] != '/') return p;
    size_t q = skip_space_slow(t, n, p);
    if (!blanks_keep_statement(t, n, p, q)) *suspect = true;
    return q;
}

/* An INSERT's head t[p..v) (up to VALUES): does the lexer pass it, not ending the
 * statement and outside any string at v? Checked conservatively: only identifiers in
 * backticks (an even number of them) and no byte the lexer may stop at otherwise. */
static bool head_passes_lexer(const char *t, size_t p, size_t v)
{
    size_t backticks = 0;
    for (size_t i = p; i < v; i++) {
        char c = t[i];
        if (c == ';' || c == '\n' || c == '\'' || c == '"' || c == '-' || c == '/' || c == '\\')
            return false;
        backticks += c == '`';
    }
    return backticks % 2 == 0;
}

/* Leave the lazy reading: lex the statement's end from its start, as before. */
static void sql_end_exact(pt_reciter *it)
{
    bool found;
    it->sql_end = pt_sql_statement_end(it->ch.text, it->ch.len, it->sql_start, &found);
    it->sql_lazy = false;
}

/* Parse the tuple whose '(' is at p into the record. Returns the position after its
 * ')', or SIZE_MAX with *why and *at set. *suspect: see tuple_value_end. */
static size_t parse_tuple(pt_reciter *it, size_t p, const char **why, size_t *at, bool *suspect)
{
    const char *t = it->ch.text;
    size_t n = it->sql_end;   /* the statement, as the splitter lexes it (or the chunk) */
    p = tuple_space(t, n, p + 1, suspect);
    if (p < n && t[p] == ')') return p + 1;
    for (size_t col = 0;; col++) {
        p = tuple_space(t, n, p, suspect);
        *at = p;
        if (p >= n) {
            *why = "tuple cut off at the end of the text";
            return SIZE_MAX;
        }
        char c = t[p];
        size_t lit = p;   /* after the word bytes (at most 16) the value starts with */
        /* Prefixed literals: E'..' N'..' _utf8mb4'..' are strings; x'..' b'..' stay text. */
        if (c != '\'' && c != '"') {
            size_t lim = n - p > 16 ? p + 16 : n;
            while (lit < lim && is_word_byte(t[lit])) lit++;
        }
        bool prefixed = lit > p && lit < n && t[lit] == '\'';
        bool hex = prefixed && lit == p + 1 && strchr("xXbB", c);
        if (c == '\'' || c == '"' || (prefixed && !hex)) {
            p = tuple_string(it, prefixed ? lit : p, col);
            if (p == SIZE_MAX) {
                *why = "unterminated string in tuple";
                return SIZE_MAX;
            }
            if (p < n && t[p] != ',' && t[p] != ')')   /* most strings end their value */
                p = tuple_value_end(t, n, p, suspect);   /* skip ::casts, COLLATE ... */
        } else {
            /* (word bytes stop nothing there: on from lit) */
            size_t e = tuple_value_end(t, n, lit, suspect), v = e;
            while (v > p && is_space(t[v - 1])) v--;
            if (v == p) {
                *why = "empty value in tuple";
                return SIZE_MAX;
            }
            if (!(v - p == 4 && (t[p] | 0x20) == 'n' && strncasecmp(t + p, "NULL", 4) == 0)) {
                const char *k;
                size_t kl;
                tuple_key(it, col, &k, &kl);
                pt_rec_add(it, k, kl, PT_NO_SCRATCH, t + p, v - p, PT_NO_SCRATCH);
            }
            p = e;
        }
        if (p >= n) {
            *at = p;
            *why = "tuple cut off at the end of the text";
            return SIZE_MAX;
        }
        if (t[p] == ')') return p + 1;
        p++;   /* ',' */
    }
}

/* After a bad tuple: continue after the next ')' at depth 0 from the failure. */
static size_t recover_after_tuple(const pt_reciter *it, size_t at)
{
    const char *t = it->ch.text;
    size_t n = it->sql_end;   /* the statement, as the splitter lexes it */
    if (at >= n) return n;
    size_t e = next_list_separator(t, n, at);
    while (e < n && t[e] == ',') e = next_list_separator(t, n, e + 1);
    return e < n ? e + 1 : n;
}

void pt_sql_start(pt_reciter *it)
{
    const pt_sql_table *h = it->ch.sql_tables;
    if (!h || h->cut != PT_CUT_COPY) return;
    it->sql_mode = SQL_COPY_ROWS;
    it->tcols = &h->cols;
    it->use_icols = false;
    it->sql_end = it->ch.len;
    it->sql_lazy = false;
}

/* A COPY statement at p that reads FROM stdin: take its columns (its own list, else
 * the table's) and go to its rows, which start on the next line. */
static bool start_copy(pt_reciter *it, size_t p, size_t end)
{
    const char *t = it->ch.text;
    size_t n_cols;
    if (!pt_sql_copy_from_stdin(t, end, p, &it->name_buf, &it->copy_cols, &n_cols)) return false;
    it->n_icols = 0;
    it->icol_buf.len = 0;
    it->use_icols = n_cols > 0;
    for (size_t i = 0, off = 0; i < n_cols; i++) {
        size_t len = strlen(it->copy_cols.p + off);
        icols_push(it, it->copy_cols.p + off, len);
        off += len + 1;
    }
    it->tcols = n_cols ? NULL : find_table(it, it->name_buf.p, it->name_buf.len);
    const char *nl = end < it->ch.len ? memchr(t + end, '\n', it->ch.len - end) : NULL;
    it->pos = nl ? (size_t)(nl - t) + 1 : it->ch.len;
    it->sql_mode = SQL_COPY_ROWS;
    it->sql_end = it->ch.len;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One field t[b..e) of a COPY text row: \N is NULL (no field), backslash escapes
 * (\t \n \r \b \f \v, octal \123, hex \x41, any other character as itself) decoded
 * into the scratch buffer. */
static void copy_field(pt_reciter *it, const char *t, size_t b, size_t e, size_t col)
{
    if (e - b == 2 && t[b] == '\\' && t[b + 1] == 'N') return;
    const char *k;
    size_t kl;
    tuple_key(it, col, &k, &kl);
    const char *bs = memchr(t + b, '\\', e - b);
    if (!bs) {
        pt_rec_add(it, k, kl, PT_NO_SCRATCH, t + b, e - b, PT_NO_SCRATCH);
        return;
    }
    size_t scr = it->scratch.len, i = (size_t)(bs - t);
    pt_rbuf_append(&it->scratch, t + b, i - b);
    while (i < e) {
        char c = t[i];
        if (c != '\\' || i + 1 >= e) {
            pt_rbuf_putc(&it->scratch, c);
            i++;
            continue;
        }
        c = t[i + 1];
        i += 2;
        switch (c) {
        case 'b': pt_rbuf_putc(&it->scratch, '\b'); break;
        case 'f': pt_rbuf_putc(&it->scratch, '\f'); break;
        case 'n': pt_rbuf_putc(&it->scratch, '\n'); break;
        case 'r': pt_rbuf_putc(&it->scratch, '\r'); break;
        case 't': pt_rbuf_putc(&it->scratch, '\t'); break;
        case 'v': pt_rbuf_putc(&it->scratch, '\v'); break;
        case 'x':
            if (i < e && hexval(t[i]) >= 0) {
                int v = hexval(t[i++]);
                if (i < e && hexval(t[i]) >= 0) v = v * 16 + hexval(t[i++]);
                pt_rbuf_putc(&it->scratch, (char)v);
            } else {
                pt_rbuf_putc(&it->scratch, 'x');
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int d = 0; d < 2 && i < e && t[i] >= '0' && t[i] <= '7'; d++)
                    v = v * 8 + (t[i++] - '0');
                pt_rbuf_putc(&it->scratch, (char)v);
            } else {
                pt_rbuf_putc(&it->scratch, c);
            }
        }
    }
    pt_rec_add(it, k, kl, PT_NO_SCRATCH, NULL, it->scratch.len - scr, scr);
}

/* The next row of a COPY block, its end line "\." or the end of the chunk. */
static int copy_row(pt_reciter *it, pt_record *rec)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len;
    for (;;) {
        size_t b = it->pos;
        if (b >= n) return 0;
        const char *nl = memchr(t + b, '\n', n - b);
        size_t le = nl ? (size_t)(nl - t) : n, e = le;
        it->pos = nl ? le + 1 : n;
        if (e > b && t[e - 1] == '\r') e--;
        if (e - b == 2 && t[b] == '\\' && t[b + 1] == '.') {
            it->sql_mode = SQL_STATEMENT;
            return 2;   /* the block's end: on with the statements */
        }
        if (!nl) {
            it->sql_mode = SQL_STATEMENT;
            return pt_rec_error(it, "sql", b,
                                "COPY data cut off at the end of the text (a row without its "
                                "end of line, and no \\. line)");
        }
        if (e == b) continue;
        pt_rec_begin(it);
        size_t col = 0, f = b;
        for (;;) {
            const char *tab = memchr(t + f, '\t', e - f);
            size_t fe = tab ? (size_t)(tab - t) : e;
            copy_field(it, t, f, fe, col++);
            if (!tab) break;
            f = fe + 1;
        }
        pt_rec_finish(it, rec, b);
        return 1;
    }
}


static void read_create_table(pt_reciter *it, size_t p, size_t end)
{
    pt_sql_table *tab = pt_sql_parse_create(it->ch.text, end, p);
    if (!tab) return;
    tab->next = it->local_tables;
    it->local_tables = tab;
}

/* Words that start the statements of a dump. A "statement" starting otherwise is text
 * of one that was cut (a statement longer than the record cap) or garbage. */
static bool starts_known_statement(const char *t, size_t n, size_t p)
{
    static const char *const words[] = {
        "INSERT", "REPLACE", "CREATE", "DROP", "ALTER", "SET", "LOCK", "UNLOCK", "USE",
        "BEGIN", "COMMIT", "START", "ROLLBACK", "SELECT", "UPDATE", "DELETE", "GRANT",
        "REVOKE", "COPY", "COMMENT", "TRUNCATE", "ANALYZE", "VACUUM", "WITH", "SHOW",
        "DECLARE", "END", "PRAGMA", "SAVEPOINT", "RELEASE", "FLUSH", "CALL", "DO", "EXECUTE",
        "PREPARE", "DEALLOCATE", "REINDEX", "CLUSTER", "CHECKPOINT", "LOAD", "RENAME",
        "OPTIMIZE", "REPAIR", "RESET", "DELIMITER", "VALUES", "GO", "REM", "PRINT", "EXEC",
        NULL};
    for (int i = 0; words[i]; i++)
        if (keyword_at(t, n, p, words[i])) return true;
    return false;
}

/* The '(' of the first "),(" (blanks allowed around the comma) in t[p..end), or SIZE_MAX. */
static size_t first_tuple_boundary(const char *t, size_t p, size_t end)
{
    while (p < end) {
        const char *c = memchr(t + p, ')', end - p);
        if (!c) return SIZE_MAX;
        size_t q = (size_t)(c - t) + 1;
        while (q < end && is_space(t[q])) q++;
        if (q < end && t[q] == ',') {
            q++;
            while (q < end && is_space(t[q])) q++;
            if (q < end && t[q] == '(') return q;
        }
        p = (size_t)(c - t) + 1;
    }
    return SIZE_MAX;
}

/* In statement mode: handle the statement at it->pos. Every statement is read only up
 * to its end as pt_sql_statement_end finds it (it->sql_end), the same boundary the
 * splitter cuts at, so a chunk holds the same records whatever the chunk size. */
static void next_statement(pt_reciter *it)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len;
    bool found;
    size_t p = skip_space(t, n, it->pos);
    if (p >= n) {
        it->pos = n;
        return;
    }
    it->sql_start = p;
    it->sql_resumed = false;
    bool insert = keyword_at(t, n, p, "INSERT") || keyword_at(t, n, p, "REPLACE");
    size_t head = p + (t[p] == 'I' || t[p] == 'i' ? 6 : 7);
    if (insert) {   /* its tuples are read lazily (see above) when its head allows */
        it->sql_end = n;
        it->sql_lazy = true;
        size_t v = parse_insert_head(it, head);
        if (v && head_passes_lexer(t, p, v)) {
            it->pos = v;
            it->sql_mode = SQL_TUPLE_FIRST;
            return;
        }
    }
    it->sql_lazy = false;
    size_t end = pt_sql_statement_end(t, n, p, &found);
    it->sql_end = end;
    if (insert) {
        size_t v = parse_insert_head(it, head);
        if (v) {
            it->pos = v;
            it->sql_mode = SQL_TUPLE_FIRST;
            return;
        }
    }
    if (pt_sql_create_table_at(t, n, p)) read_create_table(it, p, end);
    it->pos = end;
    if (found && keyword_at(t, n, p, "COPY")) start_copy(it, p, end);
}

/* Text that starts no statement but holds "),(": the rest of a VALUES list whose head
 * was cut off. Its tuples are read from the first boundary on, without column names,
 * after one error; the text before the boundary is lost. Returns -1, or 0 when p does
 * not look like that. */
static int resume_cut_values(pt_reciter *it, size_t p)
{
    const char *t = it->ch.text;
    if (starts_known_statement(t, it->sql_end, p)) return 0;
    size_t b = p;
    if (t[b] == ',') b = skip_space(t, it->sql_end, b + 1);   /* cut after a comma */
    if (b >= it->sql_end || t[b] != '(') b = first_tuple_boundary(t, p, it->sql_end);
    if (b == SIZE_MAX) return 0;
    it->use_icols = false;
    it->n_icols = 0;
    it->tcols = NULL;
    it->pos = b;
    it->sql_mode = SQL_TUPLE_FIRST;
    it->sql_resumed = true;
    it->sql_lazy = false;
    return pt_rec_error(it, "sql", p,
                        "text at byte %llu starts no statement (the rest of a cut INSERT?); "
                        "its tuples are read without column names from byte %llu",
                        (unsigned long long)(it->ch.offset + p),
                        (unsigned long long)(it->ch.offset + b));
}

int pt_sql_next(pt_reciter *it, pt_record *rec)
{
    const char *t = it->ch.text;
    for (;;) {
        if (it->pos >= it->ch.len) return 0;
        if (it->sql_mode == SQL_COPY_ROWS) {
            int rc = copy_row(it, rec);
            if (rc != 2) return rc;
            continue;
        }
        if (it->sql_mode == SQL_STATEMENT) {
            size_t p = skip_space(t, it->ch.len, it->pos);
            next_statement(it);
            if (it->sql_mode == SQL_STATEMENT && p < it->ch.len && resume_cut_values(it, p) < 0)
                return -1;
            continue;
        }
        size_t n = it->sql_end;
        size_t p = skip_space(t, n, it->pos);
        if (it->sql_lazy && (p >= n || !blanks_keep_statement(t, n, it->pos, p) ||
                             (t[p] != ',' && t[p] != '(' && t[p] != ';'))) {
            sql_end_exact(it);   /* anything unusual: read it as before */
            continue;
        }
        if (p >= n) {   /* the statement ended without its ';' (the end of the text) */
            it->sql_mode = SQL_STATEMENT;
            it->pos = n;
            continue;
        }
        if (it->sql_mode == SQL_TUPLE_NEXT) {
            if (t[p] == ',') {
                it->sql_mode = SQL_TUPLE_FIRST;
                it->pos = p + 1;
            } else if (it->sql_lazy && t[p] == ';') {
                /* every byte before it passed the lexer's rules: its end, too */
                it->sql_mode = SQL_STATEMENT;
                it->pos = p + 1;
            } else if (it->sql_lazy) {
                sql_end_exact(it);
            } else {
                /* ';' or a tail such as ON DUPLICATE KEY UPDATE: end of statement. In
                 * resumed text the lexer started inside a string and its end is wrong;
                 * the tuples found the real ';' and the next statement starts after it. */
                it->sql_mode = SQL_STATEMENT;
                it->pos = it->sql_resumed && t[p] == ';' ? p + 1 : n;
            }
            continue;
        }
        if (t[p] != '(' && it->sql_lazy) {
            sql_end_exact(it);
            continue;
        }
        if (t[p] != '(') {
            it->sql_mode = SQL_STATEMENT;
            it->pos = n;
            return pt_rec_error(it, "sql", p, "expected '(' starting a VALUES tuple");
        }
        const char *why = NULL;
        size_t at = p;
        bool suspect = false;
        pt_rec_begin(it);
        size_t e = parse_tuple(it, p, &why, &at, &suspect);
        if (it->sql_lazy && (e == SIZE_MAX || suspect)) {
            sql_end_exact(it);   /* read the tuple again, bounded by the statement */
            continue;
        }
        if (e == SIZE_MAX) {
            it->pos = recover_after_tuple(it, at);
            it->sql_mode = SQL_TUPLE_NEXT;
            return pt_rec_error(it, "sql", p, "malformed VALUES tuple: %s", why);
        }
        it->pos = e;
        it->sql_mode = SQL_TUPLE_NEXT;
        pt_rec_finish(it, rec, p);
        return 1;
    }
}
