/* sheetxml.c - shared strings and worksheet XML to CSV (sheetxml.h), through expat.
 *
 * The sheet converter is a pull stream: pt_sheet_csv_read parses XML blocks until a
 * complete row is waiting. The parser is suspended (XML_StopParser, resumable) once
 * enough rows are waiting, so output stays bounded whatever a block expands to; only
 * whole rows are handed out, so a row with no value can still be dropped.
 */
#include "sheetxml.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_BLOCK (64u << 10)
#define OUT_HIGH (256u << 10)      /* suspend the parser when this much is waiting */
#define CELL_MAX (1u << 20)        /* bytes kept of one cell's text (Excel: 32767 chars) */
#define ROW_MAX (16u << 20)        /* bytes of one row (the engine's record cap) */
#define MAX_COL 16383              /* Excel's last column, XFD */
#define MAX_ROW 1048576u           /* Excel's last row */

/* ---- small buffers ---- */

void pt_buf_put(pt_buf *b, const void *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n) c *= 2;
        b->p = pt_xrealloc(b->p, c);
        b->cap = c;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
}

void pt_buf_csv_field(pt_buf *b, const char *f, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = f[i] == ',' || f[i] == '"' || f[i] == '\r' || f[i] == '\n';
    if (!quote) {
        pt_buf_put(b, f, n);
        return;
    }
    pt_buf_put(b, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '"') continue;
        pt_buf_put(b, f + from, i + 1 - from);
        pt_buf_put(b, "\"", 1);
        from = i + 1;
    }
    pt_buf_put(b, f + from, n - from);
    pt_buf_put(b, "\"", 1);
}

/* The element's name without its namespace prefix ("x:c" -> "c"). */
static const char *local(const XML_Char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0) return atts[i + 1];
    return NULL;
}


/* ---- numbers ---- */

/* Decimal exponent of the leading significant digit of a number in text, and whether
 * it parsed; digits (<= 40) collects the significant digits for re-spelling. */
typedef struct {
    bool ok, neg, has_exp;
    int lead;
    char digits[41];
    int n_digits;
} num_parse;

static num_parse parse_number(const char *v, size_t n)
{
    num_parse r = {0};
    size_t i = 0;
    while (i < n && (v[i] == ' ')) i++;
    if (i < n && (v[i] == '-' || v[i] == '+')) r.neg = v[i++] == '-';
    int int_digits = 0, lead_zeros_frac = 0;
    bool seen_sig = false, any = false;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
        any = true;
        if (v[i] == '0' && !seen_sig) continue;
        seen_sig = true;
        int_digits++;
        if (r.n_digits < 40) r.digits[r.n_digits++] = v[i];
    }
    if (i < n && v[i] == '.') {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
            any = true;
            if (v[i] == '0' && !seen_sig) {
                lead_zeros_frac++;
                continue;
            }
            seen_sig = true;
            if (r.n_digits < 40) r.digits[r.n_digits++] = v[i];
        }
    }
    long e = 0;
    if (any && i < n && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (v[i] == '-' || v[i] == '+')) eneg = v[i++] == '-';
        if (i >= n || v[i] < '0' || v[i] > '9') return r;
        for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
            if (e < 100000) e = e * 10 + (v[i] - '0');
        if (eneg) e = -e;
        r.has_exp = true;
    }
    while (i < n && v[i] == ' ') i++;
    if (!any || i != n) return r;
    r.ok = true;
    r.lead = (int)((seen_sig ? (int_digits ? int_digits - 1 : -(lead_zeros_frac + 1)) : 0) + e);
    if (!seen_sig) r.lead = -1000;
    while (r.n_digits > 0 && r.digits[r.n_digits - 1] == '0') r.n_digits--;
    return r;
}

bool pt_number_lossy(const char *v, size_t n)
{
    num_parse p = parse_number(v, n);
    return p.ok && p.lead >= 15;
}

/* A number cell's text: an exponent form of a value that fits 15 digits and is a whole
 * number is spelled out (1.3812345678E+10 -> 13812345678), the rest as written. */
static void put_number(pt_buf *b, const char *v, size_t n)
{
    num_parse p = parse_number(v, n);
    if (p.ok && p.has_exp && p.lead >= 0 && p.lead < 15 && p.n_digits <= p.lead + 1) {
        char s[24];
        int k = 0;
        if (p.neg) s[k++] = '-';
        for (int i = 0; i <= p.lead; i++) s[k++] = i < p.n_digits ? p.digits[i] : '0';
        pt_buf_put(b, s, (size_t)k);
        return;
    }
    pt_buf_csv_field(b, v, n);
}

/* ---- shared strings ---- */

typedef struct {
    pt_sst *sst;
    XML_Parser p;
    uint64_t cap;
    int depth_t;        /* inside <t> of an <si> (not of <rPh>) */
    int in_si, in_rph;
    size_t start;       /* arena offset of the current string */
    bool over;
} sst_ctx;

static void sst_push_off(pt_sst *s, uint64_t off)
{
    if (s->n + 1 >= s->off_cap) {
        s->off_cap = s->off_cap ? s->off_cap * 2 : 1024;
        s->off = pt_xrealloc(s->off, s->off_cap * sizeof *s->off);
    }
    s->off[s->n + 1] = off;
}

static bool sst_room(sst_ctx *c, size_t more)
{
    if (c->cap && (uint64_t)c->sst->len + more + 8 * ((uint64_t)c->sst->n + 2) > c->cap) {
        if (!c->over) XML_StopParser(c->p, XML_FALSE);
        c->over = true;
        return false;
    }
    return true;
}

static void sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    sst_ctx *c = ud;
    const char *l = local(name);
    (void)atts;
    if (strcmp(l, "si") == 0) {
        c->in_si = 1;
        c->in_rph = 0;
        c->start = c->sst->len;
    } else if (strcmp(l, "rPh") == 0) {
        c->in_rph++;
    } else if (strcmp(l, "t") == 0 && c->in_si && !c->in_rph) {
        c->depth_t = 1;
    }
}

static void sst_end(void *ud, const XML_Char *name)
{
    sst_ctx *c = ud;
    const char *l = local(name);
    if (strcmp(l, "si") == 0 && c->in_si) {
        c->in_si = 0;
        if (!sst_room(c, 0)) return;
        sst_push_off(c->sst, c->sst->len);
        c->sst->n++;
    } else if (strcmp(l, "rPh") == 0 && c->in_rph) {
        c->in_rph--;
    } else if (strcmp(l, "t") == 0) {
        c->depth_t = 0;
    }
}

static void sst_text(void *ud, const XML_Char *s, int len)
{
    sst_ctx *c = ud;
    if (!c->depth_t || c->over || len <= 0) return;
    if (!sst_room(c, (size_t)len)) return;
    pt_sst *t = c->sst;
    if (t->len + (size_t)len > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)len) cap *= 2;
        t->arena = pt_xrealloc(t->arena, cap);
        t->cap = cap;
    }
    memcpy(t->arena + t->len, s, (size_t)len);
    t->len += (size_t)len;
}

static void sst_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
                        const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    XML_StopParser(((sst_ctx *)ud)->p, XML_FALSE);
}

int pt_sst_parse(pt_sst *sst, pt_pull_fn pull, void *ctx, uint64_t cap, pt_errlist *errs)
{
    sst_ctx c = {.sst = sst, .cap = cap};
    c.p = XML_ParserCreate(NULL);
    XML_SetUserData(c.p, &c);
    XML_SetElementHandler(c.p, sst_start, sst_end);
    XML_SetCharacterDataHandler(c.p, sst_text);
    XML_SetStartDoctypeDeclHandler(c.p, sst_doctype);
    if (!sst->off) {
        sst->off_cap = 1024;
        sst->off = pt_xcalloc(sst->off_cap, sizeof *sst->off);
    }
    int rc = 0;
    for (;;) {
        void *buf = XML_GetBuffer(c.p, XML_BLOCK);
        if (!buf) break;
        ssize_t n = pull(ctx, buf, XML_BLOCK);
        if (n < 0) n = 0;
        if (XML_ParseBuffer(c.p, (int)n, n == 0) != XML_STATUS_OK) {
            enum XML_Error e = XML_GetErrorCode(c.p);
            if (c.over)
                pt_errlist_add(errs, "xlsx", 0,
                               "shared strings: the table passes %llu bytes of memory "
                               "(%zu strings read); the rest is not read",
                               (unsigned long long)cap, sst->n);
            else if (e == XML_ERROR_ABORTED)
                pt_errlist_add(errs, "xlsx", 0, "%s",
                               "shared strings: a DOCTYPE (entity declarations are how XML "
                               "expansion bombs start; OOXML has none): not read");
            else
                pt_errlist_add(errs, "xlsx", 0, "shared strings: XML error at byte %lld: %s",
                               (long long)XML_GetCurrentByteIndex(c.p), XML_ErrorString(e));
            rc = -1;
            break;
        }
        if (n == 0) break;
    }
    XML_ParserFree(c.p);
    return rc;
}

void pt_sst_free(pt_sst *sst)
{
    free(sst->arena);
    free(sst->off);
    memset(sst, 0, sizeof *sst);
}

/* ---- one worksheet ---- */

struct pt_sheet_csv {
    XML_Parser p;
    const pt_sst *sst;
    pt_pull_fn pull;
    void *ctx;
    pt_buf out;             /* [0, done) whole rows not yet handed out, then the current row */
    size_t pos, done;       /* handed out / end of the last whole row */
    uint64_t produced;      /* bytes handed out before out[0] */
    bool suspended, finished, at_eof;
    /* the current row and cell */
    bool in_data, in_row, in_cell, in_v, in_is, in_t;
    int in_rph;
    size_t row_start;
    uint64_t row_no;        /* the row's number (its r attribute) */
    uint64_t next_line;     /* the line of the CSV text the next row starts on, from 1 */
    int fields, values;     /* fields written in the row, of them non-empty */
    int col;                /* the cell's column */
    char type[12];
    char ref[16];
    pt_buf cell;
    bool row_full;
    /* findings */
    uint64_t lossy;
    char first_lossy[16];
    char first_lossy_val[40];
    uint64_t first_lossy_off;
    uint64_t bad_sst;
    pt_errlist errs;
};

static int column_of(const char *ref)
{
    long col = 0;
    int k = 0;
    for (; ref[k] >= 'A' && ref[k] <= 'Z'; k++) {
        col = col * 26 + (ref[k] - 'A' + 1);
        if (col > MAX_COL + 1) col = MAX_COL + 1;
    }
    if (k == 0) return -1;
    return (int)col - 1;
}

static void sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    pt_sheet_csv *c = ud;
    const char *l = local(name);
    if (strcmp(l, "sheetData") == 0) {
        c->in_data = true;
    } else if (!c->in_data) {
        return;
    } else if (strcmp(l, "row") == 0) {
        c->in_row = true;
        c->row_start = c->out.len;
        const char *r = attr(atts, "r");
        c->row_no = r ? strtoull(r, NULL, 10) : 0;
        if (c->row_no == 0 || c->row_no > MAX_ROW) c->row_no = c->next_line;
        c->fields = c->values = 0;
        c->row_full = false;
    } else if (strcmp(l, "c") == 0 && c->in_row) {
        c->in_cell = true;
        c->cell.len = 0;
        const char *t = attr(atts, "t"), *r = attr(atts, "r");
        snprintf(c->type, sizeof c->type, "%s", t ? t : "n");
        snprintf(c->ref, sizeof c->ref, "%s", r ? r : "");
        int col = r ? column_of(r) : -1;
        c->col = col < c->fields ? c->fields : col;
    } else if (c->in_cell && strcmp(l, "v") == 0) {
        c->in_v = true;
    } else if (c->in_cell && strcmp(l, "is") == 0) {
        c->in_is = true;
    } else if (c->in_is && strcmp(l, "rPh") == 0) {
        c->in_rph++;
    } else if (c->in_is && !c->in_rph && strcmp(l, "t") == 0) {
        c->in_t = true;
    }
}

static void note_lossy(pt_sheet_csv *c)
{
    if (c->lossy++ == 0) {
        snprintf(c->first_lossy, sizeof c->first_lossy, "%s", c->ref[0] ? c->ref : "?");
        size_t n = c->cell.len < sizeof c->first_lossy_val - 1 ? c->cell.len
                                                               : sizeof c->first_lossy_val - 1;
        memcpy(c->first_lossy_val, c->cell.p ? c->cell.p : "", n);
        c->first_lossy_val[n] = 0;
        c->first_lossy_off = c->produced + c->row_start;
    }
}

static void end_cell(pt_sheet_csv *c)
{
    if (c->row_full) return;
    int col = c->col > MAX_COL ? MAX_COL : c->col;
    if (col < c->fields) return;        /* past the last column: dropped */
    while (c->fields < col) {
        if (c->fields++) pt_buf_put(&c->out, ",", 1);
    }
    if (c->fields++) pt_buf_put(&c->out, ",", 1);
    const char *v = c->cell.p ? c->cell.p : "";
    size_t n = c->cell.len;
    size_t before = c->out.len;
    if (strcmp(c->type, "s") == 0) {
        char num[24];
        size_t k = n < sizeof num - 1 ? n : sizeof num - 1;
        memcpy(num, v, k);
        num[k] = 0;
        char *end;
        unsigned long long i = strtoull(num, &end, 10);
        if (k && *end == 0 && i < c->sst->n)   /* no arena: every shared string is empty */
            pt_buf_csv_field(&c->out, c->sst->arena ? c->sst->arena + c->sst->off[i] : "",
                             (size_t)(c->sst->off[i + 1] - c->sst->off[i]));
        else if (k)
            c->bad_sst++;
    } else if (strcmp(c->type, "b") == 0) {
        if (n) pt_buf_put(&c->out, n == 1 && v[0] == '1' ? "TRUE" : "FALSE", n == 1 && v[0] == '1' ? 4 : 5);
    } else if (strcmp(c->type, "n") == 0) {
        if (pt_number_lossy(v, n)) note_lossy(c);
        else put_number(&c->out, v, n);
    } else {
        pt_buf_csv_field(&c->out, v, n);
    }
    if (c->out.len > before) c->values++;
    if (c->out.len - c->row_start > ROW_MAX) {
        c->row_full = true;
        pt_errlist_add(&c->errs, "xlsx", c->produced + c->row_start,
                       "row %s: more than %u bytes; the rest of the row is left out",
                       c->ref, ROW_MAX);
    }
}

/* Put a blank line before the row for each row left out above it (no value, or not in the
 * XML), so that the row's line in the CSV text is its row number in Excel: where the
 * reports and the evidence say a record is. Trailing empty rows cost nothing. A cell
 * holding a line break moves the rows below it down until a left-out row makes up for it. */
static void line_up_row(pt_sheet_csv *c)
{
    if (c->next_line == 0) c->next_line = 1;
    size_t gap = c->row_no > c->next_line ? (size_t)(c->row_no - c->next_line) : 0;
    size_t len = c->out.len - c->row_start;
    if (gap) {
        char blank[64];
        memset(blank, '\n', sizeof blank);
        for (size_t k = gap; k;) {
            size_t part = k < sizeof blank ? k : sizeof blank;
            pt_buf_put(&c->out, blank, part);
            k -= part;
        }
        memmove(c->out.p + c->row_start + gap, c->out.p + c->row_start, len);
        memset(c->out.p + c->row_start, '\n', gap);
        c->row_start += gap;
    }
    uint64_t breaks = 0;   /* line breaks inside its cells */
    for (const char *p = c->out.p + c->row_start, *e = p + len; (p = memchr(p, '\n', (size_t)(e - p)));
         p++)
        breaks++;
    c->next_line += gap + 1 + breaks;
}

static void sheet_end(void *ud, const XML_Char *name)
{
    pt_sheet_csv *c = ud;
    const char *l = local(name);
    if (!c->in_data) return;
    if (strcmp(l, "sheetData") == 0) {
        c->in_data = false;
    } else if (strcmp(l, "row") == 0 && c->in_row) {
        c->in_row = false;
        if (c->values == 0) {
            c->out.len = c->row_start;
        } else {
            line_up_row(c);
            pt_buf_put(&c->out, "\n", 1);
            c->done = c->out.len;
            if (c->done - c->pos >= OUT_HIGH && !c->suspended) {
                XML_StopParser(c->p, XML_TRUE);
                c->suspended = true;
            }
        }
    } else if (strcmp(l, "c") == 0 && c->in_cell) {
        end_cell(c);
        c->in_cell = c->in_v = c->in_is = c->in_t = false;
        c->in_rph = 0;
    } else if (strcmp(l, "v") == 0) {
        c->in_v = false;
    } else if (strcmp(l, "is") == 0) {
        c->in_is = false;
    } else if (strcmp(l, "rPh") == 0 && c->in_rph) {
        c->in_rph--;
    } else if (strcmp(l, "t") == 0) {
        c->in_t = false;
    }
}

static void sheet_text(void *ud, const XML_Char *s, int len)
{
    pt_sheet_csv *c = ud;
    if (!(c->in_v || (c->in_t && !c->in_rph)) || len <= 0) return;
    size_t n = (size_t)len;
    if (c->cell.len + n > CELL_MAX) n = CELL_MAX - c->cell.len;
    pt_buf_put(&c->cell, s, n);
}

static void sheet_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
                          const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    XML_StopParser(((pt_sheet_csv *)ud)->p, XML_FALSE);
}

pt_sheet_csv *pt_sheet_csv_new(const pt_sst *sst, pt_pull_fn pull, void *ctx)
{
    pt_sheet_csv *c = pt_xcalloc(1, sizeof *c);
    static const pt_sst empty;
    c->sst = sst ? sst : &empty;
    c->pull = pull;
    c->ctx = ctx;
    c->p = XML_ParserCreate(NULL);
    XML_SetUserData(c->p, c);
    XML_SetElementHandler(c->p, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(c->p, sheet_text);
    XML_SetStartDoctypeDeclHandler(c->p, sheet_doctype);
    return c;
}

static void xml_failed(pt_sheet_csv *c)
{
    enum XML_Error e = XML_GetErrorCode(c->p);
    if (e == XML_ERROR_ABORTED)
        pt_errlist_add(&c->errs, "xlsx", c->produced + c->done, "%s",
                       "worksheet: a DOCTYPE (OOXML has none): not read");
    else
        pt_errlist_add(&c->errs, "xlsx", c->produced + c->done,
                       "worksheet: XML error at byte %lld of its XML: %s; what came before counts",
                       (long long)XML_GetCurrentByteIndex(c->p), XML_ErrorString(e));
    c->finished = true;
}

/* Parse until whole rows are waiting, or the end. */
static void advance(pt_sheet_csv *c)
{
    while (c->pos == c->done && !c->finished) {
        /* drop what was handed out, keep the row in progress */
        if (c->pos) {
            memmove(c->out.p, c->out.p + c->pos, c->out.len - c->pos);
            c->out.len -= c->pos;
            c->done -= c->pos;
            if (c->in_row) c->row_start -= c->pos;
            c->produced += c->pos;
            c->pos = 0;
        }
        enum XML_Status st;
        if (c->suspended) {
            c->suspended = false;
            st = XML_ResumeParser(c->p);
        } else if (c->at_eof) {
            c->finished = true;
            break;
        } else {
            void *buf = XML_GetBuffer(c->p, XML_BLOCK);
            if (!buf) {
                xml_failed(c);
                break;
            }
            ssize_t n = c->pull(c->ctx, buf, XML_BLOCK);
            if (n < 0) n = 0;
            if (n == 0) c->at_eof = true;
            st = XML_ParseBuffer(c->p, (int)n, n == 0);
        }
        if (st == XML_STATUS_ERROR) xml_failed(c);
        else if (st == XML_STATUS_SUSPENDED) c->suspended = true;
    }
}

ssize_t pt_sheet_csv_read(pt_sheet_csv *c, void *buf, size_t cap)
{
    advance(c);
    size_t n = c->done - c->pos;
    if (n > cap) n = cap;
    if (n) memcpy(buf, c->out.p + c->pos, n);
    c->pos += n;
    return (ssize_t)n;
}

void pt_sheet_csv_errors(pt_sheet_csv *c, pt_errlist *errs)
{
    if (c->lossy) {
        pt_errlist_add(errs, "number_precision", c->first_lossy_off,
                       "%llu number cell%s of 16 or more digits (first: %s = %s): Excel keeps 15 "
                       "significant digits, so an ID or card number stored as a number has lost "
                       "its last digits; left empty, not counted",
                       (unsigned long long)c->lossy, c->lossy == 1 ? "" : "s", c->first_lossy,
                       c->first_lossy_val);
        c->lossy = 0;
    }
    if (c->bad_sst) {
        pt_errlist_add(errs, "xlsx", 0,
                       "%llu cells point past the shared-string table (%zu strings); left empty",
                       (unsigned long long)c->bad_sst, c->sst->n);
        c->bad_sst = 0;
    }
    pt_errlist_move(errs, &c->errs);
}

void pt_sheet_csv_free(pt_sheet_csv *c)
{
    if (!c) return;
    XML_ParserFree(c->p);
    free(c->out.p);
    free(c->cell.p);
    pt_errlist_free(&c->errs);
    free(c);
}
