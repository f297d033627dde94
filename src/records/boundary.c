/* boundary.c - the first record boundary at or after an offset: where a part of a
 * split input starts and ends (scan --shard, docs/shards.md).
 *
 * The splitter (split.c) answers the opposite question, the LAST boundary in a buffer
 * that starts at one. A boundary is a property of the text read from its start (CSV
 * quote state is only known from there), and for the formats split here it depends
 * only on the bytes before it: a newline outside quoted fields is decided by the bytes
 * up to it. So the last boundary at or before x is the splitter's cut of buf[0..x),
 * and the first at or after `from` is found by cutting windows that grow past `from`
 * until one holds a boundary at or after it, then stepping back one record at a time
 * while the cut of the prefix before the boundary found is still at or after `from`.
 * The windows start at the last boundary at or before `from`, so each cut reads about
 * one record plus the window, not the whole buffer again.
 */
#include "internal.h"

bool pt_boundary_format_ok(pt_format f)
{
    return f == PT_FMT_CSV || f == PT_FMT_TSV || f == PT_FMT_DELIMITED || f == PT_FMT_JSONL ||
           f == PT_FMT_LINES;
}

/* The last boundary at or before x in buf (which starts at one): 0 when none after 0. */
static size_t last_at_or_before(pt_splitter *sp, const char *buf, size_t x)
{
    return pt_splitter_cut(sp, buf, x, false);
}

size_t pt_boundary_first_from(pt_splitter *sp, const char *buf, size_t len, size_t from,
                              bool at_eof)
{
    if (from == 0) return 0;
    if (from > len) return at_eof ? len : PT_BOUNDARY_NONE;
    size_t base = last_at_or_before(sp, buf, from);
    if (base == from) return from;
    const char *p = buf + base;
    size_t rel = from - base, n = len - base;
    for (size_t window = 4096;; window *= 2) {
        size_t x = rel + window < n ? rel + window : n;
        size_t c = last_at_or_before(sp, p, x);
        if (c >= rel) {
            for (;;) {   /* step back while an earlier boundary is still at or after from */
                size_t d = c > rel ? last_at_or_before(sp, p, c - 1) : 0;
                if (d < rel) return base + c;
                c = d;
            }
        }
        if (x == n) return at_eof ? len : PT_BOUNDARY_NONE;
    }
}
