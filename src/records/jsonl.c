/* jsonl.c - JSON Lines: one object per line, flattened to (dotted key, value) fields.
 *
 * {"user":{"phone":"138..."},"tags":["a","b"]} gives user.phone and tags.0, tags.1.
 * Strings are unescaped (\uXXXX with surrogate pairs to UTF-8), numbers and true/false
 * keep their text, null and "" are skipped. The parser is recursive but bounded by
 * MAX_DEPTH, so hostile nesting gives an error rather than a blown stack. Values that
 * need no unescaping point into the chunk; flattened keys live in the scratch buffer.
 */
#include "findbyte.h"
#include "internal.h"

#include <stdio.h>

#define MAX_DEPTH 64

typedef struct {
    pt_reciter *it;     /* NULL: only validate (detection) */
    const char *s;
    size_t n, i;
    const char *err;
    /* When the current key is a single top-level segment without escapes it is used
     * from the text directly instead of being copied. */
    const char *raw_key;
    size_t raw_key_len;
} json_parser;

static bool fail(json_parser *jp, const char *why)
{
    if (!jp->err) jp->err = why;
    return false;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static __attribute__((noinline)) void skip_ws_slow(json_parser *jp)
{
    while (jp->i < jp->n) {
        char c = jp->s[jp->i];
        if (!is_json_space(c)) break;
        jp->i++;
    }
}

/* Compact JSON has no blank between tokens: one test and no call, most of the time. */
static inline void skip_ws(json_parser *jp)
{
    if (jp->i < jp->n && is_json_space(jp->s[jp->i])) skip_ws_slow(jp);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(json_parser *jp, size_t at, uint32_t *out)
{
    if (at + 4 > jp->n) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_digit(jp->s[at + k]);
        if (h < 0) return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* jp->i at the byte after a backslash: decode one escape into out. */
static bool decode_escape(json_parser *jp, pt_rbuf *out)
{
    if (jp->i >= jp->n) return fail(jp, "unterminated string");
    char c = jp->s[jp->i++];
    switch (c) {
    case '"': case '\\': case '/': if (out) pt_rbuf_putc(out, c); return true;
    case 'b': if (out) pt_rbuf_putc(out, '\b'); return true;
    case 'f': if (out) pt_rbuf_putc(out, '\f'); return true;
    case 'n': if (out) pt_rbuf_putc(out, '\n'); return true;
    case 'r': if (out) pt_rbuf_putc(out, '\r'); return true;
    case 't': if (out) pt_rbuf_putc(out, '\t'); return true;
    case 'u': break;
    default: return fail(jp, "invalid escape in string");
    }
    uint32_t cp, lo;
    if (!read_hex4(jp, jp->i, &cp)) return fail(jp, "invalid \\u escape");
    jp->i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && jp->i + 1 < jp->n && jp->s[jp->i] == '\\' &&
        jp->s[jp->i + 1] == 'u' && read_hex4(jp, jp->i + 2, &lo) && lo >= 0xDC00 &&
        lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        jp->i += 6;
    }
    if (out) pt_rbuf_put_utf8(out, cp);   /* a lone surrogate becomes U+FFFD */
    return true;
}

/* jp->i at the opening quote. Without escapes: *raw and *raw_len give the text and
 * nothing is written; with escapes the unescaped text is appended to out. */
static __attribute__((noinline)) bool parse_escaped_string(json_parser *jp, pt_rbuf *out,
                                                            const char **raw, size_t *raw_len,
                                                            bool *escaped)
{
    size_t begin = ++jp->i;
    *escaped = false;
    for (;;) {
        size_t from = jp->i;
        jp->i = pt_find_byte2(jp->s, jp->i, jp->n, '"', '\\');
        if (jp->i >= jp->n) return fail(jp, "unterminated string");
        if (*escaped && out) pt_rbuf_append(out, jp->s + from, jp->i - from);
        if (jp->s[jp->i] == '"') break;
        if (!*escaped) {
            *escaped = true;
            if (out) pt_rbuf_append(out, jp->s + begin, jp->i - begin);
        }
        jp->i++;
        if (!decode_escape(jp, out)) return false;
    }
    *raw = jp->s + begin;
    *raw_len = jp->i - begin;
    jp->i++;
    return true;
}

/* Most strings hold no escape: their closing quote comes before any backslash. */
static inline bool parse_string(json_parser *jp, pt_rbuf *out, const char **raw,
                                size_t *raw_len, bool *escaped)
{
    size_t begin = jp->i + 1, end = pt_find_byte2(jp->s, begin, jp->n, '"', '\\');
    if (end >= jp->n || jp->s[end] != '"') return parse_escaped_string(jp, out, raw, raw_len, escaped);
    *escaped = false;
    *raw = jp->s + begin;
    *raw_len = end - begin;
    jp->i = end + 1;
    return true;
}

/* The current path (jp->it->path) is the key of a leaf value. */
static void add_leaf(json_parser *jp, const char *val, size_t val_len, size_t val_scr)
{
    pt_reciter *it = jp->it;
    if (!it || (val_len == 0 && !it->keep_empty)) return;
    if (jp->raw_key) {
        pt_rec_add(it, jp->raw_key, jp->raw_key_len, PT_NO_SCRATCH, val, val_len, val_scr);
        return;
    }
    size_t key_scr = it->scratch.len;
    pt_rbuf_append(&it->scratch, it->path.p, it->path.len);
    pt_rec_add(it, NULL, it->path.len, key_scr, val, val_len, val_scr);
}

static bool is_number_byte(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static bool parse_value(json_parser *jp, int depth);

static bool parse_scalar_word(json_parser *jp, const char *word, size_t len, bool keep)
{
    if (jp->n - jp->i < len || memcmp(jp->s + jp->i, word, len) != 0)
        return fail(jp, "invalid literal");
    if (keep) add_leaf(jp, jp->s + jp->i, len, PT_NO_SCRATCH);
    jp->i += len;
    return true;
}

static bool parse_number(json_parser *jp)
{
    size_t b = jp->i;
    while (jp->i < jp->n && is_number_byte(jp->s[jp->i])) jp->i++;
    bool digit = false;
    for (size_t k = b; k < jp->i; k++) digit |= jp->s[k] >= '0' && jp->s[k] <= '9';
    if (!digit || (jp->s[b] != '-' && !(jp->s[b] >= '0' && jp->s[b] <= '9')))
        return fail(jp, "invalid number");
    add_leaf(jp, jp->s + b, jp->i - b, PT_NO_SCRATCH);
    return true;
}

static bool parse_string_value(json_parser *jp)
{
    pt_reciter *it = jp->it;
    const char *raw;
    size_t raw_len, scr = it ? it->scratch.len : 0;
    bool escaped;
    if (!parse_string(jp, it ? &it->scratch : NULL, &raw, &raw_len, &escaped)) return false;
    if (escaped && it)
        add_leaf(jp, NULL, it->scratch.len - scr, scr);
    else
        add_leaf(jp, raw, raw_len, PT_NO_SCRATCH);
    return true;
}

static void path_push_dot(json_parser *jp)
{
    if (jp->it && jp->it->path.len) pt_rbuf_putc(&jp->it->path, '.');
}

/* A key of MongoDB extended JSON whose object stands for one value. */
static bool mongo_type_key(const char *k, size_t len)
{
    static const char *const keys[] = {"$oid", "$numberLong", "$numberInt", "$numberDouble",
                                       "$numberDecimal", "$date", "$symbol", "$uuid", NULL};
    if (len < 2 || k[0] != '$') return false;
    for (int i = 0; keys[i]; i++)
        if (strlen(keys[i]) == len && memcmp(keys[i], k, len) == 0) return true;
    return false;
}

static bool next_is_object(json_parser *jp)
{
    size_t i = jp->i;
    while (i < jp->n && (jp->s[i] == ' ' || jp->s[i] == '\t' || jp->s[i] == '\r' ||
                         jp->s[i] == '\n'))
        i++;
    return i < jp->n && jp->s[i] == '{';
}

static bool parse_object(json_parser *jp, int depth)
{
    pt_reciter *it = jp->it;
    size_t base = it ? it->path.len : 0;
    jp->i++;   /* '{' */
    skip_ws(jp);
    if (jp->i < jp->n && jp->s[jp->i] == '}') {
        jp->i++;
        return true;
    }
    for (;;) {
        skip_ws(jp);
        if (jp->i >= jp->n || jp->s[jp->i] != '"') return fail(jp, "expected a key string");
        path_push_dot(jp);
        const char *raw;
        size_t raw_len;
        bool escaped;
        if (!parse_string(jp, it ? &it->path : NULL, &raw, &raw_len, &escaped)) return false;
        if (!escaped && it) pt_rbuf_append(&it->path, raw, raw_len);
        jp->raw_key = depth == 1 && !escaped ? raw : NULL;
        jp->raw_key_len = raw_len;
        skip_ws(jp);
        if (jp->i >= jp->n || jp->s[jp->i] != ':') return fail(jp, "expected ':'");
        jp->i++;
        /* Keys that only wrap a value keep the parent's key: mongoexport's extended JSON
         * ({"$numberLong":"138..."} is that number) and an Elasticsearch hit's _source
         * (its fields are the record's). */
        if (!escaped && (mongo_type_key(raw, raw_len) ||
                         (depth == 1 && raw_len == 7 && memcmp(raw, "_source", 7) == 0 &&
                          next_is_object(jp)))) {
            if (it) it->path.len = base;
            jp->raw_key = NULL;
        }
        if (!parse_value(jp, depth)) return false;
        if (it) it->path.len = base;
        skip_ws(jp);
        if (jp->i < jp->n && jp->s[jp->i] == ',') {
            jp->i++;
            continue;
        }
        if (jp->i < jp->n && jp->s[jp->i] == '}') {
            jp->i++;
            return true;
        }
        return fail(jp, "expected ',' or '}'");
    }
}

static bool parse_array(json_parser *jp, int depth)
{
    pt_reciter *it = jp->it;
    size_t base = it ? it->path.len : 0;
    jp->i++;   /* '[' */
    jp->raw_key = NULL;
    skip_ws(jp);
    if (jp->i < jp->n && jp->s[jp->i] == ']') {
        jp->i++;
        return true;
    }
    for (size_t index = 0;; index++) {
        if (it) {
            char num[24];
            int len = snprintf(num, sizeof num, "%zu", index);
            path_push_dot(jp);
            pt_rbuf_append(&it->path, num, (size_t)len);
        }
        if (!parse_value(jp, depth)) return false;
        if (it) it->path.len = base;
        skip_ws(jp);
        if (jp->i < jp->n && jp->s[jp->i] == ',') {
            jp->i++;
            continue;
        }
        if (jp->i < jp->n && jp->s[jp->i] == ']') {
            jp->i++;
            return true;
        }
        return fail(jp, "expected ',' or ']'");
    }
}

static bool parse_value(json_parser *jp, int depth)
{
    skip_ws(jp);
    if (jp->i >= jp->n) return fail(jp, "unexpected end of line");
    char c = jp->s[jp->i];
    if (c == '{' || c == '[') {
        if (depth >= MAX_DEPTH) return fail(jp, "nested deeper than 64 levels");
        return c == '{' ? parse_object(jp, depth + 1) : parse_array(jp, depth + 1);
    }
    if (c == '"') return parse_string_value(jp);
    if (c == 't') return parse_scalar_word(jp, "true", 4, true);
    if (c == 'f') return parse_scalar_word(jp, "false", 5, true);
    if (c == 'n') return parse_scalar_word(jp, "null", 4, false);
    return parse_number(jp);
}

/* ---- the fast path ----
 *
 * Most records are objects of plain members: keys without escapes, values that are
 * strings without escapes, numbers, literals, or objects and arrays of the same. They
 * are read here with the text position in a local and each leaf added at once (a key
 * of the top object straight from the text, a nested one written to the scratch buffer
 * once, as its path). Anything else (an escape, a MongoDB or _source key, deep nesting,
 * any syntax error) gives up, and the record is read again by the parser above, so
 * both give the same fields and only the general one words errors. */

#define FAST_MAX_DEPTH 16
#define FAST_GIVE_UP SIZE_MAX

/* Compact JSON has no blanks: one test, most of the time. */
static inline size_t fast_ws(const char *s, size_t n, size_t i)
{
    if (i < n && (unsigned char)s[i] > ' ') return i;
    while (i < n && is_json_space(s[i])) i++;
    return i;
}

/* After a member or an element at s[i]: the next one's start (past the ','), or at the
 * closer, the position after it with *done; FAST_GIVE_UP for anything else. */
static size_t fast_after_member(const char *s, size_t n, size_t i, char closer, bool *done)
{
    i = fast_ws(s, n, i);
    if (i < n && s[i] == ',') return fast_ws(s, n, i + 1);
    *done = i < n && s[i] == closer;
    return *done ? i + 1 : FAST_GIVE_UP;
}

static __attribute__((noinline)) void fast_leaf_nested(pt_reciter *it, const char *key, size_t kl,
                                                      const char *val, size_t vl)
{
    size_t key_scr = it->scratch.len;
    pt_rbuf_append(&it->scratch, it->path.p, it->path.len);
    if (it->path.len) pt_rbuf_putc(&it->scratch, '.');
    pt_rbuf_append(&it->scratch, key, kl);
    pt_rec_add(it, NULL, it->scratch.len - key_scr, key_scr, val, vl, PT_NO_SCRATCH);
}

/* A leaf whose key is key[0..kl) in an object or array at depth: the text's key at
 * the top, else the path so far, a dot (unless the path is empty) and key. */
static inline void fast_leaf(pt_reciter *it, int depth, const char *key, size_t kl,
                             const char *val, size_t vl)
{
    if (vl == 0 && !it->keep_empty) return;
    if (depth == 1)
        pt_rec_add(it, key, kl, PT_NO_SCRATCH, val, vl, PT_NO_SCRATCH);
    else
        fast_leaf_nested(it, key, kl, val, vl);
}

static size_t fast_object(pt_reciter *it, const char *s, size_t n, size_t i, int depth);
static size_t fast_array(pt_reciter *it, const char *s, size_t n, size_t i, int depth);

/* The value at s[i] (not a blank) of the member or element key[0..kl) at depth:
 * the position after it, or FAST_GIVE_UP. */
static size_t fast_value(pt_reciter *it, const char *s, size_t n, size_t i, int depth,
                         const char *key, size_t kl)
{
    char c = s[i];
    if (c == '"') {
        size_t b = i + 1, e = pt_find_byte2(s, b, n, '"', '\\');
        if (e >= n || s[e] != '"') return FAST_GIVE_UP;
        fast_leaf(it, depth, key, kl, s + b, e - b);
        return e + 1;
    }
    if (c == '{' || c == '[') {
        if (depth >= FAST_MAX_DEPTH) return FAST_GIVE_UP;
        if (it->path.len) pt_rbuf_putc(&it->path, '.');
        pt_rbuf_append(&it->path, key, kl);
        return c == '{' ? fast_object(it, s, n, i, depth + 1) : fast_array(it, s, n, i, depth + 1);
    }
    if (c == 't' || c == 'f' || c == 'n') {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t len = c == 'f' ? 5 : 4;
        if (n - i < len || memcmp(s + i, word, len) != 0) return FAST_GIVE_UP;
        if (c != 'n') fast_leaf(it, depth, key, kl, s + i, len);
        return i + len;
    }
    size_t b = i;   /* a number, read as parse_number reads it */
    bool digit = false;
    for (; i < n && is_number_byte(s[i]); i++) digit |= s[i] >= '0' && s[i] <= '9';
    if (!digit || (s[b] != '-' && !(s[b] >= '0' && s[b] <= '9'))) return FAST_GIVE_UP;
    fast_leaf(it, depth, key, kl, s + b, i - b);
    return i;
}

/* s[i] is '{' of an object at depth whose path is it->path. */
static size_t fast_object(pt_reciter *it, const char *s, size_t n, size_t i, int depth)
{
    size_t base = it->path.len;
    i = fast_ws(s, n, i + 1);
    if (i < n && s[i] == '}') return i + 1;
    for (;;) {
        if (i >= n || s[i] != '"') return FAST_GIVE_UP;
        size_t kb = i + 1, ke = pt_find_byte2(s, kb, n, '"', '\\'), kl = ke - kb;
        if (ke >= n || s[ke] != '"') return FAST_GIVE_UP;
        if ((kl && s[kb] == '$') || (depth == 1 && kl == 7 && memcmp(s + kb, "_source", 7) == 0))
            return FAST_GIVE_UP;   /* may wrap a value (see parse_object) */
        i = fast_ws(s, n, ke + 1);
        if (i >= n || s[i] != ':') return FAST_GIVE_UP;
        i = fast_ws(s, n, i + 1);
        if (i >= n) return FAST_GIVE_UP;
        if (s[i] == '"') {   /* most values: a string, read here without a call */
            size_t vb = i + 1, ve = pt_find_byte2(s, vb, n, '"', '\\');
            if (ve >= n || s[ve] != '"') return FAST_GIVE_UP;
            fast_leaf(it, depth, s + kb, kl, s + vb, ve - vb);
            i = ve + 1;
        } else {
            i = fast_value(it, s, n, i, depth, s + kb, kl);
            if (i == FAST_GIVE_UP) return FAST_GIVE_UP;
            it->path.len = base;
        }
        bool done = false;
        i = fast_after_member(s, n, i, '}', &done);
        if (i == FAST_GIVE_UP || done) return i;
    }
}

/* s[i] is '[' of an array at depth (its elements' keys are their indexes). */
static size_t fast_array(pt_reciter *it, const char *s, size_t n, size_t i, int depth)
{
    size_t base = it->path.len;
    i = fast_ws(s, n, i + 1);
    if (i < n && s[i] == ']') return i + 1;
    for (size_t index = 0;; index++) {
        char num[24], *digits = num + sizeof num;   /* the index in decimal, from the end */
        size_t v = index;
        do *--digits = (char)('0' + v % 10);
        while (v /= 10);
        if (i >= n) return FAST_GIVE_UP;
        i = fast_value(it, s, n, i, depth, digits, (size_t)(num + sizeof num - digits));
        if (i == FAST_GIVE_UP) return FAST_GIVE_UP;
        it->path.len = base;
        bool done = false;
        i = fast_after_member(s, n, i, ']', &done);
        if (i == FAST_GIVE_UP || done) return i;
    }
}

/* The object at t[b] read by the fast path, the record's fields appended: the position
 * after it, or FAST_GIVE_UP with the record and the path as they were. */
static size_t fast_record(pt_reciter *it, const char *t, size_t b, size_t n)
{
    size_t n_raw = it->n_raw, scratch = it->scratch.len;
    it->path.len = 0;
    size_t e = b < n && t[b] == '{' ? fast_object(it, t, n, b, 1) : FAST_GIVE_UP;
    if (e == FAST_GIVE_UP) {
        it->n_raw = n_raw;
        it->scratch.len = scratch;
    }
    it->path.len = 0;
    return e;
}

/* Parse s[0..n) as one object with nothing but whitespace after it. */
static bool parse_line(json_parser *jp)
{
    skip_ws(jp);
    if (jp->i >= jp->n || jp->s[jp->i] != '{') return fail(jp, "not a JSON object");
    if (!parse_object(jp, 1)) return false;
    skip_ws(jp);
    if (jp->i < jp->n) return fail(jp, "text after the JSON object");
    return true;
}

const char *pt_json_parse_record(pt_reciter *it, const char *t, size_t b, size_t n, size_t *end)
{
    json_parser jp = {.it = it, .s = t, .n = n, .i = b};
    it->path.len = 0;
    bool ok = parse_object(&jp, 1);
    *end = jp.i;
    return ok ? NULL : jp.err ? jp.err : "invalid JSON";
}

bool pt_json_line_is_object(const char *text, size_t n)
{
    json_parser jp = {.s = text, .n = n};
    return parse_line(&jp);
}

int pt_jsonl_next(pt_reciter *it, pt_record *rec)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len;
    for (;;) {
        if (it->pos >= n) return 0;
        size_t start = it->pos;
        const char *nl = memchr(t + start, '\n', n - start);
        size_t le = nl ? (size_t)(nl - t) : n;
        it->pos = nl ? le + 1 : n;
        size_t b = start;
        while (b < le && (t[b] == ' ' || t[b] == '\t' || t[b] == '\r')) b++;
        if (b == le) continue;   /* blank line */
        pt_rec_begin(it);
        size_t e = fast_record(it, t, b, le);
        if (e != FAST_GIVE_UP && fast_ws(t, le, e) == le) {
            pt_rec_finish(it, rec, start);
            return 1;
        }
        pt_rec_begin(it);   /* (text after the object: the general parser words it) */
        json_parser jp = {.it = it, .s = t + start, .n = le - start};
        it->path.len = 0;
        if (!parse_line(&jp))
            return pt_rec_error(it, "json", start, "invalid JSON object at column %zu: %s",
                                jp.i + 1, jp.err);
        pt_rec_finish(it, rec, start);
        return 1;
    }
}
