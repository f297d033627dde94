/* fuzz_records.h - the body of the per-format record targets (fuzz_csv.c,
 * fuzz_delimited.c, fuzz_jsonl.c, fuzz_sql.c, fuzz_json.c, fuzz_pgcopy.c,
 * fuzz_blocks.c): each passes
 * its format to fuzz_records_one.
 *
 * One run: byte 0 picks the delimiter and the header mode; the rest is decoded text.
 * It goes through header detection, then is cut into chunks exactly as the pipeline's
 * reader cuts it (splitter, doubling the buffer, and the forced cut at a small record
 * cap, so chunks that start mid-record, mid-quote or mid-statement are common), and
 * every chunk is iterated from its own heap copy of exactly its length, so a read past
 * its end is an AddressSanitizer error. Dialect detection runs on the text too.
 */
#ifndef PITALLY_FUZZ_RECORDS_H
#define PITALLY_FUZZ_RECORDS_H

#include "fuzz_common.h"

#define FUZZ_CHUNK 64       /* the reader's chunk target, small to get many cuts */
#define FUZZ_MAX_RECORD 512 /* the record cap, small to get forced cuts */

static size_t fuzz_forced_cut(const char *buf, size_t len)
{
    const char *nl = memrchr(buf, '\n', len);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

static pt_dialect fuzz_dialect(pt_format f, uint8_t choice)
{
    static const char *const delims[8] = {"|", ";", ":", "----", " # ", "\x01", ",", "\t"};
    pt_dialect d = {.format = f, .json_wrapper = f == PT_FMT_JSON && (choice & 0x40)};
    const char *s = NULL;
    if (f == PT_FMT_CSV) s = (choice & 3) == 0 ? "," : delims[choice & 3];
    else if (f == PT_FMT_TSV) s = "\t";
    else if (f == PT_FMT_DELIMITED) s = delims[choice & 7];
    if (s) {
        d.delim_len = strlen(s);
        memcpy(d.delim, s, d.delim_len);
    }
    return d;
}

/* Cut text[0..n) like the reader and walk every chunk. */
static void fuzz_cut_and_walk(pt_reciter *it, const char *text, size_t n, uint64_t base,
                              pt_dialect d, const pt_columns *header)
{
    pt_splitter *sp = pt_splitter_new(&d);
    size_t pos = 0;
    while (pos < n) {
        size_t avail = n - pos < FUZZ_CHUNK ? n - pos : FUZZ_CHUNK, cut;
        const pt_sql_table *tables;
        for (;;) {
            bool eof = pos + avail == n;
            tables = pt_splitter_tables(sp);
            cut = pt_splitter_cut(sp, text + pos, avail, eof);
            FUZZ_REQUIRE(cut <= avail);
            if (eof) FUZZ_REQUIRE(cut == avail);
            if (cut == 0 && !eof && avail < FUZZ_MAX_RECORD) {
                avail = avail * 2 < FUZZ_MAX_RECORD ? avail * 2 : FUZZ_MAX_RECORD;
                if (avail > n - pos) avail = n - pos;
                continue;
            }
            if (cut == 0) cut = fuzz_forced_cut(text + pos, avail);
            break;
        }
        char *copy = malloc(cut);
        memcpy(copy, text + pos, cut);
        pt_chunk_view v = {copy, cut, base + pos, d, header, tables};
        fuzz_walk(it, &v, NULL);
        free(copy);
        pos += cut;
    }
    pt_splitter_free(sp);
}

static int fuzz_records_one(const uint8_t *data, size_t size, pt_format format)
{
    if (size < 1) return 0;
    uint8_t choice = data[0];
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    pt_dialect d = fuzz_dialect(format, choice);
    pt_header_mode mode = (choice & 0x30) == 0x10 ? PT_HEADER_YES
                        : (choice & 0x30) == 0x20 ? PT_HEADER_NO : PT_HEADER_AUTO;
    pt_columns header = {0};
    size_t skip = pt_detect_header(&d, text, n, true, mode, &header);
    FUZZ_REQUIRE(skip <= n);
    pt_reciter *it = pt_reciter_new();
    fuzz_cut_and_walk(it, text + skip, n - skip, skip, d, header.n ? &header : NULL);
    pt_columns_free(&header);

    /* detection from the same text, and the whole text as one chunk in that dialect */
    pt_dialect auto_d = pt_detect_dialect(text, n, true, (pt_dialect){0});
    FUZZ_REQUIRE(auto_d.format != PT_FMT_AUTO);
    FUZZ_REQUIRE(auto_d.delim_len <= 7);
    pt_chunk_view whole = {text, n, 0, auto_d, NULL, NULL};
    fuzz_walk(it, &whole, NULL);
    pt_reciter_free(it);
    return 0;
}

#endif
