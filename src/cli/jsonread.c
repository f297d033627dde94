/* jsonread.c - see jsonread.h. Recursive descent with a depth limit. */
#include "jsonread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitally/common.h"

#define MAX_DEPTH 64

typedef struct {
    const char *p, *end, *start;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static void fail(parser *P, const char *why)
{
    if (P->failed) return;
    P->failed = true;
    size_t line = 1;
    for (const char *q = P->start; q < P->p && q < P->end; q++) line += *q == '\n';
    snprintf(P->err, P->errlen, "line %zu: %s", line, why);
}

static void skip_ws(parser *P)
{
    while (P->p < P->end && (*P->p == ' ' || *P->p == '\t' || *P->p == '\n' || *P->p == '\r')) P->p++;
}

static bool lit(parser *P, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0) return false;
    P->p += n;
    return true;
}

static void put_utf8(char **o, unsigned cp)
{
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80) *u++ = (unsigned char)cp;
    else if (cp < 0x800) { *u++ = (unsigned char)(0xC0 | cp >> 6); *u++ = (unsigned char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xE0 | cp >> 12); *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *u++ = (unsigned char)(0xF0 | cp >> 18); *u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)u;
}

static unsigned hex4(parser *P)
{
    if (P->end - P->p < 4) { fail(P, "cut \\u escape"); return 0; }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *P->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else { fail(P, "bad \\u escape"); return 0; }
    }
    return v;
}

static char *parse_string(parser *P)
{
    P->p++;   /* the opening quote */
    const char *q = P->p;
    while (q < P->end && *q != '"') q += *q == '\\' ? 2 : 1;
    if (q >= P->end) { fail(P, "unterminated string"); return NULL; }
    char *out = pt_xmalloc((size_t)(q - P->p) * 2 + 4), *o = out;
    while (P->p < P->end && *P->p != '"' && !P->failed) {
        char c = *P->p++;
        if ((unsigned char)c < 0x20) { fail(P, "control character in a string"); break; }
        if (c != '\\') { *o++ = c; continue; }
        char e = *P->p++;
        switch (e) {
        case '"': case '\\': case '/': *o++ = e; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp = hex4(P);
            if (cp >= 0xD800 && cp < 0xDC00 && P->end - P->p >= 6 && P->p[0] == '\\' && P->p[1] == 'u') {
                P->p += 2;
                unsigned lo = hex4(P);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&o, cp);
            break;
        }
        default: fail(P, "bad escape");
        }
    }
    P->p++;   /* the closing quote */
    *o = '\0';
    return out;
}

static void parse_value(parser *P, jv *v, int depth);

static void push(jv *v, size_t *cap)
{
    if (v->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = pt_xrealloc(v->items, *cap * sizeof *v->items);
        if (v->kind == JV_OBJECT) v->keys = pt_xrealloc(v->keys, *cap * sizeof *v->keys);
    }
    memset(&v->items[v->n], 0, sizeof *v->items);
    if (v->kind == JV_OBJECT) v->keys[v->n] = NULL;
    v->n++;
}

static void parse_container(parser *P, jv *v, int depth, char close)
{
    size_t cap = 0;
    P->p++;
    skip_ws(P);
    if (P->p < P->end && *P->p == close) { P->p++; return; }
    while (!P->failed) {
        push(v, &cap);
        skip_ws(P);
        if (v->kind == JV_OBJECT) {
            if (P->p >= P->end || *P->p != '"') { fail(P, "expected a key"); return; }
            v->keys[v->n - 1] = parse_string(P);
            skip_ws(P);
            if (P->p >= P->end || *P->p != ':') { fail(P, "expected ':'"); return; }
            P->p++;
        }
        parse_value(P, &v->items[v->n - 1], depth + 1);
        skip_ws(P);
        if (P->p < P->end && *P->p == ',') { P->p++; continue; }
        if (P->p < P->end && *P->p == close) { P->p++; return; }
        fail(P, "expected ',' or a closing bracket");
    }
}

static void parse_number(parser *P, jv *v)
{
    const char *s = P->p;
    while (P->p < P->end && strchr("+-0123456789.eE", *P->p)) P->p++;
    if (P->p == s) { fail(P, "unexpected character"); return; }
    v->kind = JV_NUMBER;
    v->str = pt_xstrndup(s, (size_t)(P->p - s));
    char *end;
    v->num = strtod(v->str, &end);
    if (*end) fail(P, "bad number");
}

static void parse_value(parser *P, jv *v, int depth)
{
    skip_ws(P);
    if (depth > MAX_DEPTH) { fail(P, "nested too deep"); return; }
    if (P->p >= P->end) { fail(P, "unexpected end"); return; }
    switch (*P->p) {
    case '{': v->kind = JV_OBJECT; parse_container(P, v, depth, '}'); break;
    case '[': v->kind = JV_ARRAY; parse_container(P, v, depth, ']'); break;
    case '"': v->kind = JV_STRING; v->str = parse_string(P); break;
    case 't': v->kind = JV_BOOL; v->b = true; if (!lit(P, "true")) fail(P, "bad literal"); break;
    case 'f': v->kind = JV_BOOL; if (!lit(P, "false")) fail(P, "bad literal"); break;
    case 'n': v->kind = JV_NULL; if (!lit(P, "null")) fail(P, "bad literal"); break;
    default: parse_number(P, v);
    }
}

static void free_inner(jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free_inner(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

jv *jv_parse(const char *text, size_t len, char *err, size_t errlen)
{
    parser P = {text, text + len, text, err, errlen, false};
    jv *v = pt_xcalloc(1, sizeof *v);
    parse_value(&P, v, 0);
    skip_ws(&P);
    if (!P.failed && P.p != P.end) fail(&P, "text after the document");
    if (P.failed) {
        jv_free(v);
        return NULL;
    }
    return v;
}

void jv_free(jv *v)
{
    if (!v) return;
    free_inner(v);
    free(v);
}

const jv *jv_get(const jv *obj, const char *key)
{
    if (!obj || obj->kind != JV_OBJECT) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i] && !strcmp(obj->keys[i], key)) return &obj->items[i];
    return NULL;
}

const jv *jv_at(const jv *arr, size_t i)
{
    return arr && arr->kind == JV_ARRAY && i < arr->n ? &arr->items[i] : NULL;
}

const char *jv_text(const jv *v)
{
    return v && (v->kind == JV_STRING || v->kind == JV_NUMBER) && v->str ? v->str : "";
}

bool jv_equal(const jv *a, const jv *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->n != b->n) return false;
    switch (a->kind) {
    case JV_NULL: return true;
    case JV_BOOL: return a->b == b->b;
    case JV_NUMBER: case JV_STRING: return !strcmp(a->str, b->str);
    case JV_ARRAY:
        for (size_t i = 0; i < a->n; i++) if (!jv_equal(&a->items[i], &b->items[i])) return false;
        return true;
    case JV_OBJECT:
        for (size_t i = 0; i < a->n; i++)
            if (!jv_equal(&a->items[i], jv_get(b, a->keys[i]))) return false;
        return true;
    }
    return false;
}
