/* jsonl.c - JSON Lines: one object per line, flattened to (dotted key, value) fields.
 *
 * {"user":{"phone":"138..."},"tags":["a","b"]} gives user.phone and tags.0, tags.1.
 * Strings are unescaped (\uXXXX with surrogate pairs to UTF-8), numbers and true/false
 * keep their text, null and "" are skipped. The parser is recursive but bounded by
 * MAX_DEPTH, so hostile nesting gives an error rather than a blown stack. Values that
 * need no unescaping point into the chunk; flattened keys live in the scratch buffer.
 *
 * Three readers, each tried when the one before gives up, all giving the same fields:
 * the record's template (the skeleton of the last record the fast path read, with its
 * keys: records of one shape are compared with it and only their values read), the
 * fast path (plain members, nothing copied but nested keys), the general parser
 * (escapes, MongoDB and _source keys, deep nesting; it words the errors).
 */
#include "findbyte.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

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

/* After a miss the template rests for 1, 3, 7 ... 63 records (see "templates"). */
static void tpl_missed(pt_json_tpl *tp)
{
    if (tp->misses < 6) tp->misses++;
    tp->skip = (1u << tp->misses) - 1;
}

/* Recording a template (see "templates" below): scalar token s[b..e) of the member or
 * element key[0..kl) at depth, its key as fast_leaf gives it. */
#define TPL_MAX_SCALARS 1024
#define TPL_MAX_RECORD 65536

static __attribute__((noinline)) void tpl_note(pt_reciter *it, int depth, const char *key,
                                               size_t kl, size_t b, size_t e)
{
    pt_json_tpl *tp = &it->tpl;
    if (tp->n_tokens == TPL_MAX_SCALARS) {   /* too wide a record to be worth one */
        tp->recording = false;
        tpl_missed(tp);
        return;
    }
    if (tp->n_tokens == tp->token_cap) {
        tp->token_cap = tp->token_cap ? 2 * tp->token_cap : 32;
        tp->tokens = pt_xrealloc(tp->tokens, tp->token_cap * sizeof *tp->tokens);
    }
    size_t off = tp->rec_keys.len;
    if (depth > 1) {
        pt_rbuf_append(&tp->rec_keys, it->path.p, it->path.len);
        if (it->path.len) pt_rbuf_putc(&tp->rec_keys, '.');
    }
    pt_rbuf_append(&tp->rec_keys, key, kl);
    tp->tokens[tp->n_tokens++] = (pt_json_token){b, e, off, tp->rec_keys.len - off};
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
        if (it->tpl.recording) tpl_note(it, depth, key, kl, i, e + 1);
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
        if (it->tpl.recording) tpl_note(it, depth, key, kl, i, i + len);
        if (c != 'n') fast_leaf(it, depth, key, kl, s + i, len);
        return i + len;
    }
    size_t b = i;   /* a number, read as parse_number reads it */
    bool digit = false;
    for (; i < n && is_number_byte(s[i]); i++) digit |= s[i] >= '0' && s[i] <= '9';
    if (!digit || (s[b] != '-' && !(s[b] >= '0' && s[b] <= '9'))) return FAST_GIVE_UP;
    if (it->tpl.recording) tpl_note(it, depth, key, kl, b, i);
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
            if (it->tpl.recording) tpl_note(it, depth, s + kb, kl, i, ve + 1);
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

/* ---- templates ----
 *
 * Records of a dump mostly share one shape: the same keys in the same order, the same
 * brackets and blanks, only the scalar values differ. When the fast path has read a
 * record it notes where its scalars were (tpl_note); the text around them is the
 * record's skeleton, kept with each scalar's key (pt_json_tpl). The next record is then
 * read by comparing its text with the skeleton between scalars and reading each scalar
 * as fast_value would: no key is searched or built, and each field is written once,
 * its key from the template and its value from the text. That gives the fields the fast
 * path gives: equal skeleton bytes are the same tokens read the same way, a scalar's
 * kind may differ from the template's (a null where a string was), and anything else (a
 * backslash in a string, another skeleton, a bracket where a scalar was) makes the
 * template miss: the record is read by the fast path and becomes the next template.
 * After misses in a row the template rests for 1, 3, 7 ... 63 records, so that records
 * of many shapes cost little more than the fast path alone. */

void pt_json_tpl_free(pt_json_tpl *tp)
{
    pt_rbuf_free(&tp->skel);
    pt_rbuf_free(&tp->keys);
    pt_rbuf_free(&tp->rec_keys);
    free(tp->slots);
    free(tp->tokens);
    *tp = (pt_json_tpl){.off = tp->off};
}

void pt_reciter_json_templates(pt_reciter *it, bool on)
{
    it->tpl.off = !on;
    it->tpl.valid = false;
    it->tpl.misses = it->tpl.skip = 0;
}

/* The record t[b..e) was read by the fast path while recording: it becomes the
 * template (keys swapped in from the recording, skeleton copied between tokens). */
static void tpl_commit(pt_reciter *it, const char *t, size_t b, size_t e)
{
    pt_json_tpl *tp = &it->tpl;
    size_t n = tp->n_tokens;
    if (e - b > TPL_MAX_RECORD) {   /* too long a record to be worth one */
        tpl_missed(tp);
        return;
    }
    pt_rbuf keys = tp->keys;
    tp->keys = tp->rec_keys;
    tp->rec_keys = keys;
    tp->skel.len = 0;
    pt_rbuf_reserve(&tp->skel, e - b + 1);   /* now fixed: the slots point into it */
    if (tp->slot_cap < n) {
        tp->slot_cap = n;
        tp->slots = pt_xrealloc(tp->slots, n * sizeof *tp->slots);
    }
    if (it->out_cap < n) {   /* the template writes its fields straight to out */
        it->out_cap = n;
        it->out = pt_xrealloc(it->out, n * sizeof *it->out);
    }
    size_t prev = b;
    for (size_t k = 0; k < n; k++) {
        const pt_json_token *tok = &tp->tokens[k];
        pt_json_slot *sl = &tp->slots[k];
        sl->seg = tp->skel.p + tp->skel.len;
        sl->seg_len = tok->b - prev;
        pt_rbuf_append(&tp->skel, t + prev, sl->seg_len);
        sl->key = tp->keys.p ? tp->keys.p + tok->key_off : "";
        sl->key_len = tok->key_len;
        prev = tok->e;
    }
    tp->tail = tp->skel.p + tp->skel.len;
    tp->tail_len = e - prev;
    pt_rbuf_append(&tp->skel, t + prev, tp->tail_len);
    tp->n_slots = n;
    tp->valid = true;
}

/* Does t[p..n) start with seg[0..len)? Eight bytes a step: skeleton pieces are short. */
static inline bool skeleton_at(const char *t, size_t p, size_t n, const char *seg, size_t len)
{
    if (n - p < len) return false;
    const char *a = t + p;
    if (len < 8) {
        if (len < 4) {
            for (size_t i = 0; i < len; i++)
                if (a[i] != seg[i]) return false;
            return true;
        }
        uint32_t u, v, w, z;
        memcpy(&u, a, 4);
        memcpy(&v, seg, 4);
        memcpy(&w, a + len - 4, 4);
        memcpy(&z, seg + len - 4, 4);
        return ((u ^ v) | (w ^ z)) == 0;
    }
    uint64_t x, y, diff = 0;
    for (size_t i = 0; i + 8 < len; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, seg + i, 8);
        diff |= x ^ y;
    }
    memcpy(&x, a + len - 8, 8);
    memcpy(&y, seg + len - 8, 8);
    return (diff | (x ^ y)) == 0;
}

/* Bytes of a number as is_number_byte takes them: 1, and 2 more for a digit. */
static const uint8_t number_byte[256] = {
    ['+'] = 1, ['-'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
    ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3,
    ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
};

/* The scalar at t[p] (p < n) as fast_value reads it from its line: its value
 * t[*vb..*ve) and the position after it (*vb == *ve == SIZE_MAX for null), or
 * FAST_GIVE_UP. n may lie past the line's end: a string stops at a newline too. */
static inline size_t tpl_scalar(const char *t, size_t p, size_t n, size_t *vb, size_t *ve)
{
    char c = t[p];
    if (c == '"') {
        size_t e = pt_find_byte3(t, p + 1, n, '"', '\\', '\n');
        if (e >= n || t[e] != '"') return FAST_GIVE_UP;
        *vb = p + 1;
        *ve = e;
        return e + 1;
    }
    if (c == 't' || c == 'f' || c == 'n') {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t len = c == 'f' ? 5 : 4;
        if (n - p < len || memcmp(t + p, word, len) != 0) return FAST_GIVE_UP;
        *vb = c == 'n' ? SIZE_MAX : p;
        *ve = c == 'n' ? SIZE_MAX : p + len;
        return p + len;
    }
    size_t i = p;
    unsigned seen = 0, k;
    while (i < n && (k = number_byte[(unsigned char)t[i]]) != 0) {
        seen |= k;
        i++;
    }
    if (!(seen & 2) || (c != '-' && !(c >= '0' && c <= '9'))) return FAST_GIVE_UP;
    *vb = p;
    *ve = i;
    return i;
}

/* The record at t[b..) read by the template into it->out (*n_fields of them): the
 * position after its object, or FAST_GIVE_UP. No skeleton piece holds a newline (it
 * is from one line) and no scalar is read across one, so the record read lies within
 * its line wherever n, the end of the text, is. */
static size_t tpl_match(pt_reciter *it, const char *t, size_t b, size_t n, size_t *n_fields)
{
    const pt_json_tpl *tp = &it->tpl;
    pt_field *out = it->out;
    size_t p = b, k = 0;
    for (size_t i = 0; i < tp->n_slots; i++) {
        const pt_json_slot *sl = &tp->slots[i];
        if (!skeleton_at(t, p, n, sl->seg, sl->seg_len)) return FAST_GIVE_UP;
        p += sl->seg_len;
        if (p >= n) return FAST_GIVE_UP;
        size_t vb, ve;
        p = tpl_scalar(t, p, n, &vb, &ve);
        if (p == FAST_GIVE_UP) return FAST_GIVE_UP;
        if (vb == SIZE_MAX || (vb == ve && !it->keep_empty)) continue;   /* as fast_leaf */
        out[k++] = (pt_field){sl->key, sl->key_len, t + vb, ve - vb, 0};
    }
    if (!skeleton_at(t, p, n, tp->tail, tp->tail_len)) return FAST_GIVE_UP;
    *n_fields = k;
    return p + tp->tail_len;
}

/* The line's object at t[b..) read by the template, as the record at start (it->pos
 * then after the line): true, or false to read it otherwise (and then, with
 * tp->recording, to make it the template). */
static bool tpl_record(pt_reciter *it, const char *t, size_t b, size_t n, size_t start,
                       pt_record *rec)
{
    pt_json_tpl *tp = &it->tpl;
    tp->recording = false;
    if (tp->off) return false;
    if (tp->skip) {
        tp->skip--;
        return false;
    }
    tp->recording = true;
    tp->n_tokens = 0;
    tp->rec_keys.len = 0;
    if (!tp->valid) return false;
    size_t n_fields = 0, e = tpl_match(it, t, b, n, &n_fields);
    if (e != FAST_GIVE_UP)   /* blanks to the end of the line (as fast_ws within it) */
        while (e < n && (t[e] == ' ' || t[e] == '\t' || t[e] == '\r')) e++;
    if (e == FAST_GIVE_UP || (e < n && t[e] != '\n')) {
        tpl_missed(tp);
        return false;
    }
    it->pos = e < n ? e + 1 : n;
    tp->misses = 0;
    tp->recording = false;
    it->n_raw = n_fields;
    rec->fields = it->out;
    rec->n = n_fields;
    rec->offset = it->ch.offset + start;
    return true;
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
        size_t start = it->pos, b = start;
        while (b < n && (t[b] == ' ' || t[b] == '\t' || t[b] == '\r')) b++;
        if (b == n || t[b] == '\n') {   /* blank line */
            it->pos = b < n ? b + 1 : n;
            continue;
        }
        pt_rec_begin(it);
        if (tpl_record(it, t, b, n, start, rec)) return 1;   /* finds the line's end itself */
        const char *nl = memchr(t + b, '\n', n - b);
        size_t le = nl ? (size_t)(nl - t) : n;
        it->pos = nl ? le + 1 : n;
        size_t e = fast_record(it, t, b, le);
        bool recorded = it->tpl.recording;
        it->tpl.recording = false;
        if (e != FAST_GIVE_UP && fast_ws(t, le, e) == le) {
            if (recorded) tpl_commit(it, t, b, e);
            pt_rec_finish(it, rec, start);
            return 1;
        }
        if (recorded) tpl_missed(&it->tpl);
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
