/* json.c - JSON documents that are not JSON Lines: an array of objects (pretty-printed
 * over many lines or on one line of any length), an array wrapped in an object
 * ({"data":[...]}, {"code":0,"data":{"list":[...]}}, Elasticsearch's hits.hits), or
 * pretty-printed objects one after another. Every object is one record, flattened to
 * dotted keys by the JSON Lines parser (jsonl.c).
 *
 * The document is read as a stream, never whole: one walk over its structure, shared
 * by the splitter and the iterator, knows at every point between tokens how many
 * brackets are open and whether the innermost one is an array of records (an array
 * whose first value is an object). That pair is the whole state, so the splitter can
 * cut between any two tokens outside a record and hand the state to the next chunk
 * (a PT_CUT_JSON node, see records.h). Outside records nothing is parsed, only
 * bracketed, so a wrapper may hold anything around its records.
 *
 * Which values are records:
 *  - in an array of records: each object in it; other values are skipped;
 *  - at the top level: every object, unless the dialect says json_wrapper (detection
 *    found one object wrapping the records), when only objects of arrays of records
 *    inside it are; the objects of a top-level array of records always are.
 * Text that is no JSON where a value or separator should be is skipped and reported;
 * in an array of records a '}' is such text (so that the tail of an object cut off by
 * the record cap does not end the array and lose the records after it).
 */
#include "findbyte.h"
#include "internal.h"

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_ws(const char *t, size_t p, size_t n)
{
    while (p < n && is_ws(t[p])) p++;
    return p;
}

/* p at '"': the position after the closing quote, or n (*closed false). */
static size_t string_end(const char *t, size_t p, size_t n, bool *closed)
{
    p++;
    for (;;) {
        p = pt_find_byte2(t, p, n, '"', '\\');
        if (p >= n) break;
        if (t[p] == '\\') {
            p += 2;
            continue;
        }
        *closed = true;
        return p + 1;
    }
    *closed = false;
    return n;
}

size_t pt_json_value_end(const char *t, size_t p, size_t n, bool *closed)
{
    size_t depth = 0;
    while (p < n) {
        p = pt_find_byte_set(t, p, n, "{}[]\"", 5);
        if (p >= n) break;
        char c = t[p];
        if (c == '"') {
            bool cl;
            p = string_end(t, p, n, &cl);
            if (!cl) break;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (--depth == 0) {
            *closed = true;
            return p + 1;
        }
        p++;
    }
    *closed = false;
    return n;
}

/* A JSON number, true, false or null. */
static bool is_scalar(const char *s, size_t n)
{
    if ((n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "null", 4) == 0)) ||
        (n == 5 && memcmp(s, "false", 5) == 0))
        return true;
    if (n == 0 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return false;
    }
    return true;
}

static bool is_scalar_byte(char c)
{
    return !is_ws(c) && c != '{' && c != '}' && c != '[' && c != ']' && c != ',' && c != ':' &&
           c != '"';
}

int pt_json_step(const char *t, size_t n, size_t *pos, pt_json_walk *w, bool wrapper,
                 bool at_end, bool find_end, size_t *b, size_t *e)
{
    size_t p = *pos;
    for (;;) {
        p = skip_ws(t, p, n);
        *pos = p;
        if (p >= n) return PT_JW_END;
        char c = t[p];
        bool top = w->depth == 0;
        if (c == '[' && w->in_records) {   /* an array among records: none, skipped whole */
            bool closed;
            size_t end = pt_json_value_end(t, p, n, &closed);
            if (!closed) {
                if (!at_end) return PT_JW_NEED;
                *b = p;
                *e = *pos = n;
                return PT_JW_CUT;
            }
            p = end;
            continue;
        }
        if (c == '{' && (w->in_records || (top && !wrapper))) {
            *b = p;
            if (!find_end) return PT_JW_RECORD;   /* the caller parses it and moves *pos */
            bool closed;
            size_t end = pt_json_value_end(t, p, n, &closed);
            if (!closed) {
                if (!at_end) return PT_JW_NEED;
                *e = *pos = n;
                return PT_JW_CUT;
            }
            *e = *pos = end;
            return PT_JW_RECORD;
        }
        if (c == '{' || c == '[') {
            bool records = false;
            if (c == '[') {   /* an array of records when its first value is an object */
                size_t q = skip_ws(t, p + 1, n);
                if (q >= n && !at_end) return PT_JW_NEED;
                records = q < n && t[q] == '{';
            }
            w->depth++;
            w->in_records = records;
            p++;
            continue;
        }
        if (top) {   /* no value starts here: skip to the next one */
            size_t q = pt_find_byte2(t, p, n, '{', '[');
            if (q >= n && !at_end) return PT_JW_NEED;
            *b = p;
            *e = *pos = q;
            return PT_JW_GARBAGE;
        }
        if (c == '}' && w->in_records) {   /* no close of an array: skip it, read on */
            size_t q = pt_find_byte_set(t, p + 1, n, "{}[],", 5);
            if (q >= n && !at_end) return PT_JW_NEED;
            *b = p;
            *e = *pos = q;
            return PT_JW_GARBAGE;
        }
        if (c == '}' || c == ']') {   /* any other bracket closes the innermost one */
            w->depth--;
            w->in_records = false;    /* an array of records holds no open bracket */
            p++;
            continue;
        }
        if (c == ',' || c == ':') {
            p++;
            continue;
        }
        if (c == '"') {
            bool closed;
            size_t q = string_end(t, p, n, &closed);
            if (!closed) {
                if (!at_end) return PT_JW_NEED;
                *b = p;
                *e = *pos = n;
                return PT_JW_CUT;
            }
            p = q;
            continue;
        }
        size_t q = p;
        while (q < n && is_scalar_byte(t[q])) q++;
        if (q >= n && !at_end) return PT_JW_NEED;
        if (is_scalar(t + p, q - p)) {
            p = q;
            continue;
        }
        q = pt_find_byte_set(t, p, n, "{}[],", 5);   /* garbage: up to the next bracket or comma */
        if (q >= n && !at_end) return PT_JW_NEED;
        *b = p;
        *e = *pos = q;
        return PT_JW_GARBAGE;
    }
}

bool pt_json_has_record_array(const char *t, size_t p, size_t n)
{
    while (p < n) {
        p = pt_find_byte2(t, p, n, '[', '"');
        if (p >= n) return false;
        if (t[p] == '"') {
            bool closed;
            p = string_end(t, p, n, &closed);
            continue;
        }
        size_t q = skip_ws(t, p + 1, n);
        if (q < n && t[q] == '{') return true;
        p++;
    }
    return false;
}

bool pt_json_detect_wrapper(const char *t, size_t n)
{
    size_t p = skip_ws(t, 0, n);
    if (p >= n || t[p] != '{') return false;
    bool closed;
    size_t e = pt_json_value_end(t, p, n, &closed);
    if (!closed) return true;   /* one object larger than the sample: it wraps the records */
    if (skip_ws(t, e, n) < n) return false;   /* objects one after another */
    return pt_json_has_record_array(t, p, e);
}

void pt_json_start(pt_reciter *it)
{
    const pt_sql_table *h = it->ch.sql_tables;
    it->jw = (pt_json_walk){0};
    if (h && h->cut == PT_CUT_JSON) {
        it->jw.depth = h->json_depth;
        it->jw.in_records = h->json_in_records;
    }
}

int pt_json_next(pt_reciter *it, pt_record *rec)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len;
    bool wrapper = it->ch.dialect.json_wrapper;
    for (;;) {
        size_t b = 0, e = 0;
        int ev = pt_json_step(t, n, &it->pos, &it->jw, wrapper, true, false, &b, &e);
        switch (ev) {
        case PT_JW_RECORD: {
            pt_rec_begin(it);
            size_t end;
            const char *why = pt_json_parse_record(it, t, b, n, &end);
            if (!why) {
                it->pos = end;
                pt_rec_finish(it, rec, b);
                return 1;
            }
            bool closed;
            size_t ve = pt_json_value_end(t, b, n, &closed);
            it->pos = ve;
            if (!closed)
                return pt_rec_error(it, "json", b, "JSON value cut off at the end of the text");
            return pt_rec_error(it, "json", b, "invalid JSON object at byte %zu of the value: %s",
                                end - b + 1, why);
        }
        case PT_JW_CUT:
            return pt_rec_error(it, "json", b, "JSON text cut off at the end of the text");
        case PT_JW_GARBAGE:
            return pt_rec_error(it, "json", b, "%zu bytes that are no JSON value skipped",
                                e - b);
        default:
            return 0;
        }
    }
}
