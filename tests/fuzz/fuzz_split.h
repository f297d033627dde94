/* fuzz_split.h - the round trip of the split targets (fuzz_split.c,
 * fuzz_split_formats.c): cutting a text into chunks at the splitter's boundaries,
 * whatever the buffer sizes offered, must give the same records (offsets, keys, values)
 * and the same errors as reading it whole: otherwise the report would depend on the
 * chunk size.
 */
#ifndef PITALLY_FUZZ_SPLIT_H
#define PITALLY_FUZZ_SPLIT_H

#include "fuzz_common.h"

typedef struct {
    char *p;
    size_t len, cap;
} outbuf;

static void out_add(outbuf *o, const void *s, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 64;
        o->p = realloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* Every record as offset, then each key and value with its length, into out. */
static bool resumed;   /* an SQL statement was resumed after a cut (see below) */

static void describe(pt_reciter *it, const pt_chunk_view *v, outbuf *out)
{
    pt_record r;
    int rc;
    pt_reciter_reset(it, v);
    while ((rc = pt_reciter_next(it, &r)) != 0) {
        if (rc < 0) {
            const char *kind, *msg;
            uint64_t off;
            pt_reciter_error(it, &kind, &msg, &off);
            if (strstr(msg, "starts no statement")) resumed = true;
            out_add(out, "E", 1);
            out_add(out, &off, sizeof off);
            out_add(out, kind, strlen(kind));
            continue;
        }
        out_add(out, "R", 1);
        out_add(out, &r.offset, sizeof r.offset);
        for (size_t i = 0; i < r.n; i++) {
            const pt_field *f = &r.fields[i];
            size_t kl = f->key ? f->key_len : (size_t)-1;
            out_add(out, &kl, sizeof kl);
            if (f->key) out_add(out, f->key, f->key_len);
            out_add(out, &f->val_len, sizeof f->val_len);
            out_add(out, f->val, f->val_len);
        }
    }
}

/* Read text[0..n) whole and in chunks cut by a splitter offered step more bytes at a
 * time; abort when the two readings differ. */
static void fuzz_split_compare(const char *text, size_t n, pt_dialect d, size_t step)
{
    pt_reciter *it = pt_reciter_new();
    outbuf whole = {0}, parts = {0};
    resumed = false;
    pt_splitter *all = pt_splitter_new(&d);
    FUZZ_REQUIRE(pt_splitter_cut(all, text, n, true) == n);
    /* one chunk: CREATE TABLEs are met in order by the iterator itself */
    pt_chunk_view v = {text, n, 0, d, NULL, NULL};
    describe(it, &v, &whole);

    pt_splitter *s = pt_splitter_new(&d);
    size_t start = 0, avail = 0;
    while (start < n) {
        avail = avail + step > n - start ? n - start : avail + step;
        const pt_sql_table *tables = pt_splitter_tables(s);
        size_t c = pt_splitter_cut(s, text + start, avail, start + avail == n);
        FUZZ_REQUIRE(c <= avail);
        if (c == 0) continue;
        char *copy = malloc(c);
        memcpy(copy, text + start, c);
        pt_chunk_view cv = {copy, c, start, d, NULL, tables};
        describe(it, &cv, &parts);
        free(copy);
        start += c;
        avail -= c;
    }
    /* Text resumed after a cut statement (an "sql" error naming it) was lexed from inside
     * a string, so where its statements end depends on where reading started: damaged
     * input, reported as such, and exempt from the comparison. */
    if (!resumed && (whole.len != parts.len || (whole.len && memcmp(whole.p, parts.p, whole.len) != 0))) {
        fprintf(stderr, "fuzz_split: format %d, step %zu: chunked records differ\n",
                (int)d.format, step);
        if (getenv("FUZZ_SPLIT_DUMP")) {   /* both descriptions, to compare by hand */
            fuzz_write_file("/tmp/fuzz_split.whole", (const uint8_t *)whole.p, whole.len);
            fuzz_write_file("/tmp/fuzz_split.parts", (const uint8_t *)parts.p, parts.len);
        }
        abort();
    }
    pt_splitter_free(s);
    pt_splitter_free(all);
    pt_reciter_free(it);
    free(whole.p);
    free(parts.p);
}

#endif
