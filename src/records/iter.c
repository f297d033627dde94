/* iter.c - the per-thread record iterator: dispatch to the format readers and the
 * reusable storage they share (see internal.h for why fields hold scratch offsets
 * while a record is built). One pt_reciter serves every chunk a worker gets, so after
 * warm-up reading records allocates nothing.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void pt_rbuf_reserve(pt_rbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            cap = b->len + extra;
            break;
        }
        cap *= 2;
    }
    b->p = pt_xrealloc(b->p, cap);
    b->cap = cap;
}

void pt_rbuf_free(pt_rbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void pt_rbuf_put_utf8(pt_rbuf *b, uint32_t cp)
{
    char u[4];
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        pt_rbuf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        pt_rbuf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        pt_rbuf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        pt_rbuf_append(b, u, 4);
    }
}

void pt_rec_begin(pt_reciter *it)
{
    it->n_raw = 0;
    it->n_empty = 0;
    it->scratch.len = 0;
}

void pt_rec_grow(pt_reciter *it)
{
    it->raw_cap = it->raw_cap ? it->raw_cap * 2 : 32;
    it->raw = pt_xrealloc(it->raw, it->raw_cap * sizeof *it->raw);
}

/* Scratch offset off as a pointer. Only empty strings were ever put there while the
 * buffer is unallocated ({"":{"":1}} flattens to an empty key): "" then, not NULL + 0. */
static const char *scratch_at(const pt_reciter *it, size_t off)
{
    return it->scratch.p ? it->scratch.p + off : "";
}

/* Turn scratch offsets into pointers now that the scratch buffer will not move. */
void pt_rec_finish(pt_reciter *it, pt_record *rec, size_t start)
{
    if (it->out_cap < it->n_raw) {
        it->out_cap = it->raw_cap;
        it->out = pt_xrealloc(it->out, it->out_cap * sizeof *it->out);
    }
    for (size_t i = 0; i < it->n_raw; i++) {
        const pt_rawfield *r = &it->raw[i];
        if ((r->key_scr & r->val_scr) == PT_NO_SCRATCH) {   /* neither in scratch (most) */
            it->out[i] = (pt_field){r->key, r->key_len, r->val, r->val_len, r->empty_before};
            continue;
        }
        pt_field *f = &it->out[i];
        f->key = r->key_scr == PT_NO_SCRATCH ? r->key : scratch_at(it, r->key_scr);
        f->key_len = r->key_len;
        f->val = r->val_scr == PT_NO_SCRATCH ? r->val : scratch_at(it, r->val_scr);
        f->val_len = r->val_len;
        f->empty_before = r->empty_before;
    }
    rec->fields = it->out;
    rec->n = it->n_raw;
    rec->offset = it->ch.offset + start;
}

int pt_rec_error(pt_reciter *it, const char *kind, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->err_msg, sizeof it->err_msg, fmt, ap);
    va_end(ap);
    it->err_kind = kind;
    it->err_off = it->ch.offset + at;
    it->n_raw = 0;
    return -1;
}

pt_reciter *pt_reciter_new(void)
{
    pt_reciter *it = pt_xcalloc(1, sizeof *it);
    it->csv_literal_from = SIZE_MAX;
    return it;
}

static void free_local_tables(pt_reciter *it)
{
    pt_sql_table_free_list(it->local_tables);
    it->local_tables = NULL;
}

void pt_reciter_free(pt_reciter *it)
{
    if (!it) return;
    free_local_tables(it);
    free(it->raw);
    free(it->out);
    pt_rbuf_free(&it->scratch);
    pt_rbuf_free(&it->path);
    pt_json_tpl_free(&it->tpl);
    pt_rbuf_free(&it->icol_buf);
    pt_rbuf_free(&it->name_buf);
    pt_rbuf_free(&it->copy_cols);
    free(it->icol_off);
    free(it->icol_len);
    free(it);
}

void pt_reciter_reset(pt_reciter *it, const pt_chunk_view *chunk)
{
    it->ch = *chunk;
    if (!it->ch.text) it->ch.len = 0;
    it->pos = 0;
    it->n_raw = 0;
    it->scratch.len = 0;
    it->csv_literal_from = SIZE_MAX;
    it->sql_mode = SQL_STATEMENT;
    it->sql_end = 0;
    it->sql_resumed = false;
    it->tcols = NULL;
    it->use_icols = false;
    it->n_icols = 0;
    free_local_tables(it);
    if (it->ch.dialect.format == PT_FMT_JSON) pt_json_start(it);
    if (it->ch.dialect.format == PT_FMT_SQL) pt_sql_start(it);
    it->err_kind = NULL;
    it->err_msg[0] = '\0';
    it->err_off = 0;
}

int pt_reciter_next(pt_reciter *it, pt_record *rec)
{
    switch (it->ch.dialect.format) {
    case PT_FMT_CSV: return pt_csv_next(it, rec);
    case PT_FMT_TSV:
    case PT_FMT_DELIMITED: return pt_delimited_next(it, rec);
    case PT_FMT_JSONL: return pt_jsonl_next(it, rec);
    case PT_FMT_SQL: return pt_sql_next(it, rec);
    case PT_FMT_JSON: return pt_json_next(it, rec);
    case PT_FMT_BLOCKS: return pt_blocks_next(it, rec);
    case PT_FMT_LINES:
    case PT_FMT_AUTO:
    default: return pt_lines_next(it, rec);
    }
}

uint64_t pt_reciter_pos(const pt_reciter *it)
{
    return it->ch.offset + it->pos;
}

void pt_reciter_error(const pt_reciter *it, const char **kind, const char **message,
                      uint64_t *offset)
{
    if (kind) *kind = it->err_kind ? it->err_kind : "";
    if (message) *message = it->err_msg;
    if (offset) *offset = it->err_off;
}
