/* xlsx.c - an .xlsx workbook (a zip, from a file or from memory): xl/workbook.xml gives
 * the sheets' names and relationship ids, xl/_rels/workbook.xml.rels their parts and
 * the shared-string part; the shared strings are read into memory (capped), then each
 * sheet is streamed as CSV (sheetxml.c) as its own input, book.xlsx!/SHEET, in the
 * workbook's order. Each part is found by reopening the zip (its central directory
 * makes that cheap), so the order of the parts in the zip does not matter.
 */
#include <archive.h>
#include <archive_entry.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define PART_MAX (32u << 20)     /* workbook.xml and its rels, read whole */


typedef struct {
    const char *path;
    const void *mem;
    size_t len;
} zsrc;

typedef struct {
    struct archive *a;
    uint64_t out, cap;
    bool failed, over;
    char msg[256];
} part_stream;

static ssize_t part_read(void *ctx, void *buf, size_t cap)
{
    part_stream *p = ctx;
    if (p->failed || p->over) return 0;
    la_ssize_t r = archive_read_data(p->a, buf, cap);
    if (r < 0) {
        p->failed = true;
        const char *m = archive_error_string(p->a);
        strncpy(p->msg, m ? m : "read error", sizeof p->msg - 1);
        return 0;
    }
    p->out += (uint64_t)r;
    if (p->cap && p->out > p->cap) {
        p->over = true;
        r -= (la_ssize_t)(p->out - p->cap);
        p->out = p->cap;
    }
    return r;
}

/* ---- workbook.xml and its relationships ---- */

typedef struct {
    char *name, *rid, *part;
} sheet_ref;

typedef struct {
    XML_Parser p;
    sheet_ref *v;
    size_t n, cap;
    char *sst_part;
    bool rels;
} wb_ctx;

static const char *local_name(const char *n)
{
    const char *c = strrchr(n, ':');
    return c ? c + 1 : n;
}

static const char *get_attr(const XML_Char **atts, const char *want, bool exact)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(exact ? atts[i] : local_name(atts[i]), want) == 0) return atts[i + 1];
    return NULL;
}

/* A relationship target to a part name: relative to xl/, or absolute from the root. */
static char *part_name(const char *target)
{
    if (target[0] == '/') return pt_xstrdup(target + 1);
    size_t n = strlen(target);
    char *p = pt_xmalloc(n + 4);
    snprintf(p, n + 4, "xl/%s", target);
    return p;
}

static void wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    wb_ctx *c = ud;
    const char *l = local_name(name);
    if (!c->rels && strcmp(l, "sheet") == 0) {
        const char *n = get_attr(atts, "name", true), *rid = get_attr(atts, "id", false);
        if (!n || !rid) return;
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 8;
            c->v = pt_xrealloc(c->v, c->cap * sizeof *c->v);
        }
        c->v[c->n++] = (sheet_ref){pt_xstrdup(n), pt_xstrdup(rid), NULL};
    } else if (c->rels && strcmp(l, "Relationship") == 0) {
        const char *id = get_attr(atts, "Id", true), *t = get_attr(atts, "Target", true),
                   *type = get_attr(atts, "Type", true);
        if (!id || !t) return;
        size_t tl = type ? strlen(type) : 0;
        if (type && tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0 && !c->sst_part)
            c->sst_part = part_name(t);
        for (size_t i = 0; i < c->n; i++)
            if (!c->v[i].part && strcmp(c->v[i].rid, id) == 0) c->v[i].part = part_name(t);
    }
}

static void wb_doctype(void *ud, const XML_Char *n, const XML_Char *s, const XML_Char *p, int i)
{
    (void)n, (void)s, (void)p, (void)i;
    XML_StopParser(((wb_ctx *)ud)->p, XML_FALSE);
}

static bool parse_xml(wb_ctx *c, const char *text, size_t len)
{
    c->p = XML_ParserCreate(NULL);
    XML_SetUserData(c->p, c);
    XML_SetStartElementHandler(c->p, wb_start);
    XML_SetStartDoctypeDeclHandler(c->p, wb_doctype);
    bool ok = XML_Parse(c->p, text, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(c->p);
    return ok;
}

static void free_sheets(wb_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].rid);
        free(c->v[i].part);
    }
    free(c->v);
    free(c->sst_part);
}

/* ---- one sheet as an input ---- */

typedef struct {
    part_stream part;
    pt_sheet_csv *csv;
    uint64_t out, max_output;
    pt_errlist *errs;
    bool stopped;
} sheet_stream;

static ssize_t sheet_xml_pull(void *ctx, void *buf, size_t cap)
{
    return part_read(ctx, buf, cap);
}

static ssize_t sheet_read(void *ctx, void *buf, size_t cap)
{
    sheet_stream *s = ctx;
    ssize_t r = s->stopped ? 0 : pt_sheet_csv_read(s->csv, buf, cap);
    if (r <= 0) {
        /* the end: the converter's findings join the input's errors, which the engine
         * takes when pt_scan_input returns */
        pt_sheet_csv_errors(s->csv, s->errs);
        if (s->part.failed) {
            pt_errlist_add(s->errs, "xlsx", s->out, "the sheet's part is damaged: %s", s->part.msg);
            s->part.failed = false;
        }
        return 0;
    }
    s->out += (uint64_t)r;
    if (s->max_output && s->out > s->max_output) {
        r -= (ssize_t)(s->out - s->max_output);
        s->out = s->max_output;
        s->stopped = true;
        pt_errlist_add(s->errs, "archive_bomb", s->out,
                       "the sheet's text passed --max-output (%llu bytes); stopped there, what "
                       "came before counts",
                       (unsigned long long)s->max_output);
    }
    return r;
}

static void scan_sheet(pt_walk *w, const zsrc *z, const char *book, const sheet_ref *sh,
                       const pt_sst *sst)
{
    char *name = pt_member_name(book, sh->name);
    struct archive_entry *e;
    struct archive *a = sh->part ? pt_zip_open_part(z->path, z->mem, z->len, sh->part, &e) : NULL;
    if (!a) {
        pt_walk_unread(w, name, "xlsx", 0, "the sheet's part %s is missing from the workbook",
                       sh->part ? sh->part : "(no relationship)");
        free(name);
        return;
    }
    pt_errlist errs = {0};
    sheet_stream ss = {.part = {.a = a}, .max_output = w->o->source.max_output, .errs = &errs};
    ss.csv = pt_sheet_csv_new(sst, sheet_xml_pull, &ss.part);
    pt_raw_input raw = {.read = sheet_read, .ctx = &ss};
    pt_walk_input(w, name, &raw, &errs, PT_FMT_CSV, "xlsx");
    pt_sheet_csv_free(ss.csv);
    archive_read_free(a);
    free(name);
}

/* One pass over the zip for the parts every workbook has: workbook.xml and its rels
 * read whole, xl/sharedStrings.xml parsed where it is met. */
typedef struct {
    char *wb, *rels;
    size_t wb_len, rels_len;
    bool sst_read;
} first_pass;

static void read_whole(struct archive *a, char **out, size_t *len)
{
    part_stream ps = {.a = a, .cap = PART_MAX};
    pt_buf b = {0};
    char blk[16384];
    ssize_t r;
    while ((r = part_read(&ps, blk, sizeof blk)) > 0) pt_buf_put(&b, blk, (size_t)r);
    pt_buf_put(&b, "", 1);
    free(*out);
    *out = b.p;
    *len = b.len - 1;
}

static void read_common_parts(pt_walk *w, const zsrc *z, first_pass *f, pt_sst *sst,
                              pt_errlist *errs)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    int r = z->path ? archive_read_open_filename(a, z->path, 65536)
                    : archive_read_open_memory(a, z->mem, z->len);
    struct archive_entry *e;
    while (r == ARCHIVE_OK &&
           ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        r = ARCHIVE_OK;
        const char *p = archive_entry_pathname(e);
        if (!p) continue;
        if (p[0] == '/') p++;
        if (strcasecmp(p, "xl/workbook.xml") == 0) {
            read_whole(a, &f->wb, &f->wb_len);
        } else if (strcasecmp(p, "xl/_rels/workbook.xml.rels") == 0) {
            read_whole(a, &f->rels, &f->rels_len);
        } else if (strcasecmp(p, "xl/sharedStrings.xml") == 0 && !f->sst_read) {
            part_stream ps = {.a = a};
            pt_sst_parse(sst, part_read, &ps, pt_walk_memory_cap(w), errs);
            if (ps.failed) pt_errlist_add(errs, "xlsx", 0, "shared strings: %s", ps.msg);
            f->sst_read = true;
        }
        if (f->wb && f->rels && f->sst_read) break;
    }
    archive_read_free(a);
}

bool pt_xlsx_scan(pt_walk *w, const char *name, const char *path, const void *mem, size_t len)
{
    zsrc z = {path, mem, len};
    pt_errlist errs = {0};
    wb_ctx c = {0};
    pt_sst sst = {0};
    first_pass f = {0};
    read_common_parts(w, &z, &f, &sst, &errs);
    if (!f.wb) {
        free(f.rels);
        pt_sst_free(&sst);
        pt_errlist_free(&errs);
        return false;
    }
    if (!parse_xml(&c, f.wb, f.wb_len))
        pt_errlist_add(&errs, "xlsx", 0, "%s", "xl/workbook.xml is not well-formed XML");
    c.rels = true;
    if (!f.rels || !parse_xml(&c, f.rels, f.rels_len))
        pt_errlist_add(&errs, "xlsx", 0, "%s",
                       "xl/_rels/workbook.xml.rels is missing or not well-formed");
    free(f.wb);
    free(f.rels);
    if (c.sst_part && strcasecmp(c.sst_part, "xl/sharedStrings.xml") != 0) {
        /* the shared strings under another name: read them from there */
        pt_sst_free(&sst);
        struct archive_entry *e;
        struct archive *a = pt_zip_open_part(path, mem, len, c.sst_part, &e);
        if (a) {
            part_stream ps = {.a = a};
            pt_sst_parse(&sst, part_read, &ps, pt_walk_memory_cap(w), &errs);
            if (ps.failed) pt_errlist_add(&errs, "xlsx", 0, "shared strings: %s", ps.msg);
            archive_read_free(a);
        }
    }
    for (size_t i = 0; i < c.n; i++) scan_sheet(w, &z, name, &c.v[i], &sst);
    if (c.n == 0)
        pt_errlist_add(&errs, "no_members", 0, "%s", "the workbook lists no sheet");
    if (errs.n) pt_scan_unread(w->s, name, &errs);
    pt_errlist_free(&errs);
    pt_sst_free(&sst);
    free_sheets(&c);
    return true;
}
