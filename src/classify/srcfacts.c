/* srcfacts.c - prefilter facts read off a regex's source text, where pcre2_pattern_info
 * says too little. The source is parsed once into a small tree (ast_parse: literals,
 * classes as lists of items, escapes, groups with their alternations, quantifiers,
 * anchors) with one set of rules for classes and quantifiers; every fact is then read off
 * the tree:
 *  - must bytes and required sets: ASCII punctuation that every match contains (the '@'
 *    of an e-mail), and any-of byte sets from classes and groups every match passes;
 *  - runs and token facts: every match is a run of at least L bytes from a set S (a
 *    resident ID is 18 bytes of [0-9Xx] in a row), its length bounds, and the bytes a
 *    leading (?<![...]) or trailing (?![...]) forbids next to it;
 *  - alternatives: P(?:A1|...|Ak)S split into P(?:A1)S ... P(?:Ak)S;
 *  - required literals: strings one of which every match contains.
 * Each reader is conservative: a construct it does not fully understand yields no fact,
 * never a wrong one; a source the parser does not understand (unbalanced, \Q...\E,
 * malformed UTF-8, too large) yields no facts at all. tests/unit/srcfacts.expected pins
 * every fact of the shipped and fuzz-corpus patterns (written by the four separate
 * readers this file had before). */
#include "classify_internal.h"

#include <stdlib.h>
#include <string.h>

#define RUN_INF 100000u   /* "unbounded"; lengths and repetition counts saturate here */
#define AST_MAX 1024      /* nodes, sequences and class items; a larger source: no facts */

static void bits_set(uint64_t bits[4], unsigned c) { bits[(c >> 6) & 3] |= (uint64_t)1 << (c & 63); }

static void set_range(uint64_t bits[4], unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 256; c++) bits_set(bits, c);
}

static bool ascii_punct(unsigned char c)
{
    return c > ' ' && c < 0x7f && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                     (c >= 'A' && c <= 'Z'));
}

/* The length of the UTF-8 character whose lead byte is c (0: not a lead byte). */
static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
         : c >= 0xF0 && c < 0xF5 ? 4 : 0;
}

/* The length of the whole UTF-8 character at s (0: malformed). */
static size_t utf8_char(const char *s)
{
    size_t len = utf8_len((unsigned char)s[0]);
    for (size_t k = 1; k < len; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80) return 0;
    return len;
}

static uint32_t sat(uint64_t v) { return v > RUN_INF ? RUN_INF : (uint32_t)v; }

/* ---- the tree ------------------------------------------------------------------------ */

enum { A_CHAR, A_CLASS, A_ESC, A_ANY, A_ANCHOR, A_BRACE, A_GROUP };
enum {
    G_CAPTURE,   /* (...) */
    G_NONCAP,    /* (?:...) */
    G_ATOMIC,    /* (?>...) */
    G_AHEAD,     /* (?=...) (?!...) */
    G_BEHIND,    /* (?<=...) (?<!...) */
    G_SCOPED,    /* (?i:...): options for the group only */
    G_OPTION,    /* (?i): options for the rest of the pattern; no body */
    G_NAMED,     /* (?<name>...) (?P<name>...) (?'name'...) */
    G_OTHER      /* comments, conditionals, recursion, branch reset, callouts, ... */
};
enum { I_CHAR, I_RANGE, I_ESC, I_BAD };

/* One item of a class: a character (escaped punctuation included), a range of two
 * characters, an escape (\d \w \p{Han} ...), or something no reader takes (a range with
 * an escape or '[' for an end, reversed or mixing ASCII and non-ASCII ends). */
typedef struct {
    uint8_t kind;
    uint8_t len, hlen;      /* bytes of the character (of a range's low end), of its high end */
    bool escaped;           /* I_CHAR written \c */
    bool han;               /* I_ESC \p{Han} */
    char esc;               /* I_ESC letter */
    char c[4], h[4];
    uint32_t at;            /* source offset */
} cls_item;

/* A quantifier: repetitions min..max (max RUN_INF: unbounded), 1..1 when absent. */
typedef struct {
    uint32_t min, max;
    bool present;
    bool invalid;           /* {,n}: literal text to PCRE2 before 10.43; no reader uses it */
    bool comma;             /* {n,} or {n,m} */
} quant;

typedef struct {
    uint8_t kind, group;
    bool escaped;           /* A_CHAR written \c */
    bool han;               /* A_ESC \p{Han} */
    bool negated;           /* class [^...]; lookaround (?!...) (?<!...) */
    bool nested;            /* class holding '[' or [:posix:] */
    bool lead_close;        /* class starting with a literal ']' */
    char esc;               /* A_ESC letter */
    uint8_t len;
    char c[4];              /* A_CHAR bytes */
    uint32_t start, end;    /* the atom src[start..end) without its quantifier */
    uint32_t qend;          /* and with it */
    quant q;
    int next;               /* next atom of the sequence, -1 */
    int body;               /* group: first sequence of its alternation, -1: none */
    uint32_t item0, n_items;   /* class items */
} ast_node;

typedef struct {
    uint32_t start, end;    /* source span */
    int first;              /* first atom, -1: empty */
    int next;               /* next sequence of the alternation, -1 */
} ast_seq;

typedef struct {
    const char *src;
    size_t i;
    bool failed;
    int root;               /* first top-level sequence */
    size_t n_nodes, n_seqs, n_items;
    ast_node nodes[AST_MAX];
    ast_seq seqs[AST_MAX];
    cls_item items[AST_MAX];
} ast;

static int parse_alternation(ast *T);

/* A quantifier at s[i]: true with *q and its end (after a lazy or possessive mark);
 * false when there is none there ('{' that does not open one is a literal). */
static bool parse_quantifier(const char *s, size_t i, quant *q, size_t *end)
{
    memset(q, 0, sizeof *q);
    q->present = true;
    q->min = q->max = 1;
    size_t j = i + 1;
    if (s[i] == '?') q->min = 0;
    else if (s[i] == '*') { q->min = 0; q->max = RUN_INF; }
    else if (s[i] == '+') q->max = RUN_INF;
    else if (s[i] == '{') {
        uint64_t lo = 0, hi = 0;
        bool lo_digits = false, hi_digits = false;
        while (s[j] >= '0' && s[j] <= '9') { lo = sat(lo * 10 + (uint64_t)(s[j] - '0')); j++; lo_digits = true; }
        if (s[j] == ',') {
            q->comma = true;
            j++;
            while (s[j] >= '0' && s[j] <= '9') { hi = sat(hi * 10 + (uint64_t)(s[j] - '0')); j++; hi_digits = true; }
        }
        if (s[j] != '}' || (!lo_digits && !hi_digits)) return false;
        j++;
        if (!lo_digits) {
            q->invalid = true;
            q->min = 0;
            q->max = (uint32_t)hi;
        } else {
            q->min = (uint32_t)lo;
            q->max = !q->comma ? (uint32_t)lo : hi_digits ? (uint32_t)hi : RUN_INF;
        }
    } else {
        return false;
    }
    if (s[j] == '?' || s[j] == '+') j++;
    *end = j;
    return true;
}

/* The end of an escape's argument in braces at s[j] == '{' (0: unterminated). */
static size_t brace_end(const char *s, size_t j)
{
    const char *e = strchr(s + j, '}');
    return e ? (size_t)(e - s) + 1 : 0;
}

/* One character of a class at s[j] into it (kind I_CHAR or I_ESC): its end, 0 when the
 * source is malformed. */
static size_t class_char(const char *s, size_t j, cls_item *it)
{
    memset(it, 0, sizeof *it);
    it->kind = I_CHAR;
    it->at = (uint32_t)j;
    unsigned char b = (unsigned char)s[j];
    if (b == '\\') {
        char e = s[j + 1];
        if (!e) return 0;
        if (ascii_punct((unsigned char)e)) {
            it->escaped = true;
            it->len = 1;
            it->c[0] = e;
            return j + 2;
        }
        it->kind = I_ESC;
        it->esc = e;
        if (strchr("pPxoN", e) && s[j + 2] == '{') {
            it->han = e == 'p' && strncmp(s + j + 1, "p{Han}", 6) == 0;
            return brace_end(s, j + 2);
        }
        return j + 2;
    }
    size_t len = utf8_char(s + j);
    if (!len) return 0;
    it->len = (uint8_t)len;
    memcpy(it->c, s + j, len);
    return j + len;
}

static bool push_item(ast *T, const cls_item *it)
{
    if (T->n_items == AST_MAX) return false;
    T->items[T->n_items++] = *it;
    return true;
}

/* [...] at s[T->i] into class node a. */
static bool parse_class(ast *T, ast_node *a)
{
    const char *s = T->src;
    size_t j = T->i + 1;
    a->item0 = (uint32_t)T->n_items;
    if (s[j] == '^') {
        a->negated = true;
        j++;
    }
    bool first = true;
    while (s[j] && (s[j] != ']' || first)) {
        if (first && s[j] == ']') a->lead_close = true;
        first = false;
        cls_item it;
        if (s[j] == '[') {   /* [:posix:], or a '[' no reader takes */
            a->nested = true;
            if (s[j + 1] == ':') {
                const char *e = strstr(s + j + 2, ":]");
                if (!e) return false;
                j = (size_t)(e - s) + 2;
            } else {
                j++;
            }
            continue;
        }
        size_t k = class_char(s, j, &it);
        if (!k) return false;
        j = k;
        if (s[j] == '-' && s[j + 1] && s[j + 1] != ']') {   /* a range */
            cls_item hi;
            bool bad = it.kind != I_CHAR || it.escaped;
            if (s[j + 1] == '[') {
                bad = true;
                j += 2;
            } else {
                if (!(k = class_char(s, j + 1, &hi))) return false;
                j = k;
                bad = bad || hi.kind != I_CHAR || hi.escaped || (it.len == 1) != (hi.len == 1) ||
                      (unsigned char)hi.c[0] < (unsigned char)it.c[0];
            }
            if (bad) {
                it.kind = I_BAD;
            } else {
                it.kind = I_RANGE;
                it.hlen = hi.len;
                memcpy(it.h, hi.c, sizeof it.h);
            }
        }
        if (!push_item(T, &it)) return false;
    }
    if (s[j] != ']') return false;
    a->n_items = (uint32_t)(T->n_items - a->item0);
    T->i = j + 1;
    return true;
}

/* The group at s[T->i] == '(' into a: its kind and the start of its body. */
static bool parse_group(ast *T, ast_node *a)
{
    const char *s = T->src;
    size_t i = T->i, body;
    a->kind = A_GROUP;
    if (s[i + 1] != '?') {
        a->group = G_CAPTURE;
        body = i + 1;
    } else {
        char c = s[i + 2];
        if (c == ':' || c == '>') {
            a->group = c == ':' ? G_NONCAP : G_ATOMIC;
            body = i + 3;
        } else if (c == '=' || c == '!') {
            a->group = G_AHEAD;
            a->negated = c == '!';
            body = i + 3;
        } else if (c == '<' && (s[i + 3] == '=' || s[i + 3] == '!')) {
            a->group = G_BEHIND;
            a->negated = s[i + 3] == '!';
            body = i + 4;
        } else if (c == '<' || c == '\'' || (c == 'P' && s[i + 3] == '<')) {
            const char *e = strchr(s + i + 3, c == '\'' ? '\'' : '>');
            if (!e) return false;
            a->group = G_NAMED;
            body = (size_t)(e - s) + 1;
        } else {
            size_t k = i + 2;
            while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || s[k] == '-' ||
                   s[k] == '^')
                k++;
            if (k > i + 2 && s[k] == ':') {
                a->group = G_SCOPED;
                body = k + 1;
            } else if (k > i + 2 && s[k] == ')') {
                a->group = G_OPTION;
                a->body = -1;
                T->i = k + 1;
                return true;
            } else {
                a->group = G_OTHER;
                body = i + 2;
            }
        }
    }
    T->i = body;
    int b = parse_alternation(T);
    if (T->failed || s[T->i] != ')') return false;
    a->body = b;
    T->i++;
    return true;
}

/* One atom and its quantifier: the node index, -1 on failure. */
static int parse_atom(ast *T)
{
    if (T->n_nodes == AST_MAX) return -1;
    int idx = (int)T->n_nodes++;
    ast_node *a = &T->nodes[idx];
    memset(a, 0, sizeof *a);
    a->next = a->body = -1;
    const char *s = T->src;
    size_t i = T->i;
    unsigned char c = (unsigned char)s[i];
    a->start = (uint32_t)i;
    quant q;
    size_t qe;
    if (c == '(') {
        if (!parse_group(T, a)) return -1;
        a = &T->nodes[idx];
    } else if (c == '[') {
        a->kind = A_CLASS;
        if (!parse_class(T, a)) return -1;
    } else if (c == '\\') {
        char e = s[i + 1];
        if (!e || e == 'Q' || e == 'E') return -1;   /* quoting: not read here */
        if (ascii_punct((unsigned char)e)) {
            a->kind = A_CHAR;
            a->escaped = true;
            a->len = 1;
            a->c[0] = e;
            T->i = i + 2;
        } else {
            a->kind = A_ESC;
            a->esc = e;
            size_t end = i + 2;
            if (strchr("pPxogkN", e) && s[i + 2] == '{') {
                a->han = e == 'p' && strncmp(s + i + 1, "p{Han}", 6) == 0;
                if (!(end = brace_end(s, i + 2))) return -1;
            } else if ((e == 'k' || e == 'g') && (s[i + 2] == '<' || s[i + 2] == '\'')) {
                const char *t = strchr(s + i + 3, s[i + 2] == '<' ? '>' : '\'');
                if (!t) return -1;
                end = (size_t)(t - s) + 1;
            } else if (e == 'p' || e == 'P' || e == 'c') {
                if (!s[end]) return -1;
                end++;
            } else if (e == 'x') {
                for (int k = 0; k < 2 && s[end] && strchr("0123456789abcdefABCDEF", s[end]); k++) end++;
            }
            T->i = end;
        }
    } else if (c == '.') {
        a->kind = A_ANY;
        T->i = i + 1;
    } else if (c == '^' || c == '$') {
        a->kind = A_ANCHOR;
        T->i = i + 1;
    } else if (c == '*' || c == '+' || c == '?') {
        return -1;   /* nothing to repeat */
    } else if (c == '{') {
        if (parse_quantifier(s, i, &q, &qe)) return -1;
        a->kind = A_BRACE;   /* a literal '{' */
        T->i = i + 1;
    } else {
        size_t len = utf8_char(s + i);
        if (!len) return -1;
        a->kind = A_CHAR;
        a->len = (uint8_t)len;
        memcpy(a->c, s + i, len);
        T->i = i + len;
    }
    a->end = a->qend = (uint32_t)T->i;
    a->q.min = a->q.max = 1;
    if (parse_quantifier(s, T->i, &q, &qe)) {
        a->q = q;
        T->i = qe;
        a->qend = (uint32_t)qe;
    }
    return idx;
}

static int parse_sequence(ast *T)
{
    if (T->n_seqs == AST_MAX) {
        T->failed = true;
        return -1;
    }
    int idx = (int)T->n_seqs++;
    ast_seq *q = &T->seqs[idx];
    q->start = (uint32_t)T->i;
    q->first = q->next = -1;
    int last = -1;
    const char *s = T->src;
    while (!T->failed && s[T->i] && s[T->i] != '|' && s[T->i] != ')') {
        int a = parse_atom(T);
        if (a < 0) {
            T->failed = true;
            break;
        }
        if (last < 0) T->seqs[idx].first = a;
        else T->nodes[last].next = a;
        last = a;
    }
    T->seqs[idx].end = (uint32_t)T->i;
    return idx;
}

static int parse_alternation(ast *T)
{
    int first = parse_sequence(T), last = first;
    while (!T->failed && T->src[T->i] == '|') {
        T->i++;
        int b = parse_sequence(T);
        if (T->failed) break;
        T->seqs[last].next = b;
        last = b;
    }
    return first;
}

/* The tree of src, or NULL when it is not understood (the caller frees it). */
static ast *ast_parse(const char *src)
{
    if (!src) return NULL;
    ast *T = pt_xmalloc(sizeof *T);
    T->src = src;
    T->i = 0;
    T->failed = false;
    T->n_nodes = T->n_seqs = T->n_items = 0;
    T->root = parse_alternation(T);
    if (T->failed || src[T->i]) {
        free(T);
        return NULL;
    }
    return T;
}

static const ast_node *node(const ast *T, int k) { return k < 0 ? NULL : &T->nodes[k]; }
static const ast_seq *seq(const ast *T, int k) { return k < 0 ? NULL : &T->seqs[k]; }

/* Does the atom's quantifier allow zero repetitions ({,n} taken as one)? */
static bool optional(const ast_node *a) { return a->q.present && (a->q.min == 0 || a->q.invalid); }

/* ---- must-contain bytes and required sets ------------------------------------------- *
 * PCRE2 reports one required code unit (the last literal), which for an e-mail regex is
 * the '.', present in most fields. The '@' is just as required: a literal of the
 * top-level sequence of a pattern without top-level alternation, not made optional by
 * its quantifier. Classes of such a sequence ([*＊]) and groups each of whose branches
 * has must bytes or a required set ((?:[*＊]{4}\d{4}|\d{2}[*＊]{4})) give required any-of
 * sets. Inline options that make literals read differently ((?i) (?x)), comments and
 * literal braces give no facts. */

/* How often a field is expected to hold some byte of bits: digits, spaces and the
 * bytes of non-ASCII text are everywhere in Chinese records, letters and punctuation
 * less so. Lower is a better prefilter. */
static unsigned set_weight(const uint64_t bits[4])
{
    unsigned w = 0;
    for (unsigned c = 0; c < 256; c++) {
        if (!((bits[c >> 6] >> (c & 63)) & 1)) continue;
        w += c >= 0x80 ? 5 : (c >= '0' && c <= '9') || c == ' ' ? 3 : 1;
    }
    return w;
}

/* Keep the two lightest any-of sets offered (PCRE2's required code unit included). */
static void offer_required(pt_regex_facts *f, const uint64_t bits[4])
{
    unsigned w = set_weight(bits);
    if (!f->has_required || w < set_weight(f->required)) {
        if (f->has_required) {
            memcpy(f->required2, f->required, sizeof f->required2);
            f->has_required2 = true;
        }
        memcpy(f->required, bits, sizeof f->required);
        f->has_required = true;
    } else if (!f->has_required2 || w < set_weight(f->required2)) {
        if (memcmp(bits, f->required, sizeof f->required) == 0) return;
        memcpy(f->required2, bits, sizeof f->required2);
        f->has_required2 = true;
    }
}

static void add_must(pt_regex_facts *f, unsigned char c)
{
    for (unsigned k = 0; k < f->n_must; k++)
        if (f->must[k] == c) return;
    if (f->n_must < sizeof f->must) f->must[f->n_must++] = c;
}

/* A class of literal characters and ASCII ranges ([*＊], [A-HJ-NP-Z]): the set of
 * their first bytes, which a required occurrence of it must contain. false for anything
 * else (negated, escapes other than punctuation, non-ASCII ranges, an unescaped '-'
 * inside). */
static bool class_first_bytes(const ast *T, const ast_node *a, uint64_t bits[4])
{
    memset(bits, 0, 4 * sizeof *bits);
    if (a->negated || a->nested) return false;
    for (uint32_t k = 0; k < a->n_items; k++) {
        const cls_item *it = &T->items[a->item0 + k];
        if (it->kind == I_RANGE && it->len == 1) {
            set_range(bits, (unsigned char)it->c[0], (unsigned char)it->h[0]);
        } else if (it->kind == I_CHAR) {
            if (!it->escaped && it->c[0] == '-' && it->at != a->start + 1 && it->at + 2 != a->end)
                return false;
            bits_set(bits, (unsigned char)it->c[0]);
        } else {
            return false;
        }
    }
    return true;
}

static void seq_must(const ast *T, const ast_seq *q, pt_regex_facts *f);

/* A group every match passes through: when each branch has must bytes or a required
 * set, a byte of their union is required (any). false when some branch has neither.
 * *one gets the facts of a group of one branch. */
static bool group_any_of(const ast *T, const ast_node *g, uint64_t any[4], pt_regex_facts *one)
{
    memset(any, 0, 4 * sizeof *any);
    size_t n = 0;
    pt_regex_facts last;
    for (const ast_seq *q = seq(T, g->body); q; q = seq(T, q->next)) {
        if (q->end - q->start >= 512) return false;
        memset(&last, 0, sizeof last);
        seq_must(T, q, &last);
        if (last.n_must) {
            for (unsigned k = 0; k < last.n_must; k++) bits_set(any, last.must[k]);
        } else if (last.has_required) {
            for (int w = 0; w < 4; w++) any[w] |= last.required[w];
        } else {
            return false;
        }
        n++;
    }
    if (n == 1) *one = last;
    return n > 0;
}

/* The must bytes and required sets of sequence q, read as a whole pattern, into f. */
static void seq_must(const ast *T, const ast_seq *q, pt_regex_facts *f)
{
    for (const ast_node *a = node(T, q->first); a; a = node(T, a->next)) {
        if (optional(a)) continue;
        uint64_t bits[4];
        if (a->kind == A_CHAR && a->len == 1 && ascii_punct((unsigned char)a->c[0]) &&
            (a->escaped || !strchr(".^$*+?{}", a->c[0]))) {
            add_must(f, (unsigned char)a->c[0]);
        } else if (a->kind == A_CLASS) {
            if (class_first_bytes(T, a, bits)) offer_required(f, bits);
        } else if (a->kind == A_GROUP && (a->group == G_CAPTURE || a->group == G_NONCAP)) {
            pt_regex_facts one;
            memset(&one, 0, sizeof one);
            if (group_any_of(T, a, bits, &one)) {
                for (unsigned k = 0; k < one.n_must; k++) add_must(f, one.must[k]);
                if (!one.n_must) offer_required(f, bits);
            }
        }
    }
}

/* Inline options that change how literals read ((?i) caseless, (?x) extended; not when
 * unset), comments and literal braces, anywhere: no must facts at all. */
static bool must_understood(const ast *T)
{
    for (size_t k = 0; k < T->n_nodes; k++) {
        const ast_node *a = &T->nodes[k];
        if (a->kind == A_BRACE) return false;
        if (a->kind != A_GROUP || T->src[a->start + 1] != '?') continue;
        const char *s = T->src + a->start + 2;
        if (s[0] == '#') return false;
        bool unset = false;
        for (; (*s >= 'a' && *s <= 'z') || *s == '-' || *s == '^'; s++) {
            if (*s == '-') unset = true;
            if (*s == 'x' || (*s == 'i' && !unset)) return false;
        }
    }
    return true;
}

static void source_must_bytes(const ast *T, pt_regex_facts *f)
{
    const ast_seq *root = seq(T, T->root);
    if (root->next >= 0 || !must_understood(T)) return;   /* top-level alternation: nothing */
    seq_must(T, root, f);
}

/* ---- runs and tokens --------------------------------------------------------------- *
 * For every (sub)pattern made of characters, classes, \d, \w, \p{Han}, groups,
 * alternations, quantifiers, anchors and lookarounds (which match no bytes): the bytes a
 * match can contain (an over-approximation) and its length bounds. Under PCRE2_UCP, \d
 * and \w also match non-ASCII characters (\d: fullwidth and other Unicode digits; \w:
 * every letter, Han included): their byte sets then hold the UTF-8 bytes of those
 * characters and such an atom may take up to 4 bytes. Anything else: no fact. */

typedef struct {
    uint64_t set[4];
    uint64_t min;        /* bytes (a character is at least one) */
    uint64_t max_chars;  /* characters: the byte bound when the text is ASCII */
    uint64_t max_bytes;  /* bytes, whatever the text */
} run_fact;

/* The UTF-8 bytes of non-ASCII characters that \d matches under UCP (Unicode Nd: lead
 * bytes D9 DB DF E0 E1 EA EF F0 as of Unicode 14, taken wider here so that a newer
 * Unicode table cannot make it wrong; Han, lead bytes E3-E9, stays out). */
static void set_ucp_digit_bytes(uint64_t bits[4])
{
    set_range(bits, 0x80, 0xBF);
    set_range(bits, 0xC2, 0xE1);
    set_range(bits, 0xEA, 0xF4);
}

/* \p{Han}: the UTF-8 bytes of what PCRE2 takes for Han. Since PCRE2 10.40 that is the
 * script extensions: besides U+2E80-9FFF (lead bytes E2-E9), U+F900-FAFF (EF) and the
 * supplementary ideographs (F0), CJK punctuation (E3), halfwidth forms (EF), the tone
 * letters U+A700-A707 (EA). Taken as whole lead bytes with every continuation byte, E2
 * to EF, F0, and C2 in case a Unicode version adds U+00B7 to Han: wider than any of
 * these, never narrower (tests/unit/test_fastpath.c checks it on every code point). */
static void set_han_bytes(uint64_t bits[4])
{
    set_range(bits, 0x80, 0xBF);
    bits_set(bits, 0xC2);
    set_range(bits, 0xE2, 0xF0);
}

/* The byte set of escape letter e (\d \w; han: \p{Han}) into bits; false when not
 * known. *wide: it matches non-ASCII characters too. */
static bool escape_set(char e, bool han, uint64_t bits[4], bool *wide)
{
    if (han) {
        set_han_bytes(bits);
        *wide = true;
        return true;
    }
    switch (e) {
    case 'd': set_range(bits, '0', '9'); set_ucp_digit_bytes(bits); *wide = true; return true;
    case 'w': set_range(bits, '0', '9'); set_range(bits, 'A', 'Z'); set_range(bits, 'a', 'z');
              bits_set(bits, '_'); set_range(bits, 0x80, 0xFF); *wide = true; return true;
    default: return false;   /* \s (Unicode spaces under UCP), \p, \x, backrefs, ... */
    }
}

/* The bytes a class matches; false when not known (negated, [:posix:], other escapes).
 * A non-ASCII range: the lead bytes from its low end's to its high end's, and every
 * continuation byte. */
static bool class_set(const ast *T, const ast_node *a, uint64_t bits[4], bool *wide)
{
    if (a->negated || a->nested) return false;
    for (uint32_t k = 0; k < a->n_items; k++) {
        const cls_item *it = &T->items[a->item0 + k];
        if (it->kind == I_CHAR) {
            for (size_t b = 0; b < it->len; b++) bits_set(bits, (unsigned char)it->c[b]);
            if (it->len > 1) *wide = true;
        } else if (it->kind == I_RANGE) {
            set_range(bits, (unsigned char)it->c[0], (unsigned char)it->h[0]);
            if (it->len > 1) {
                set_range(bits, 0x80, 0xBF);
                *wide = true;
            }
        } else if (it->kind != I_ESC || !escape_set(it->esc, it->han, bits, wide)) {
            return false;
        }
    }
    return true;
}

static bool alternation_run(const ast *T, int first, run_fact *out);

/* The run fact of atom a with its quantifier; a lookaround or anchor gives an empty
 * fact of length 0 (and none when quantified). */
static bool atom_run(const ast *T, const ast_node *a, run_fact *r)
{
    memset(r, 0, sizeof *r);
    bool wide = false;
    switch (a->kind) {
    case A_GROUP:
        if (a->group == G_AHEAD || a->group == G_BEHIND) return !a->q.present;
        if (a->group != G_CAPTURE && a->group != G_NONCAP && a->group != G_ATOMIC) return false;
        if (!alternation_run(T, a->body, r)) return false;
        break;
    case A_CLASS:
        if (!class_set(T, a, r->set, &wide)) return false;
        r->min = r->max_chars = 1;
        r->max_bytes = wide ? 4 : 1;
        break;
    case A_ESC:
        if (!escape_set(a->esc, a->han, r->set, &wide)) return false;
        r->min = r->max_chars = 1;
        r->max_bytes = wide ? 4 : 1;
        break;
    case A_CHAR:   /* exactly its bytes */
        for (size_t b = 0; b < a->len; b++) bits_set(r->set, (unsigned char)a->c[b]);
        r->min = r->max_bytes = a->len;
        r->max_chars = 1;
        break;
    case A_ANCHOR:
        return !a->q.present;
    default:
        return false;   /* '.', a literal '{' */
    }
    if (a->q.invalid) return false;
    uint64_t qmin = a->q.min, qmax = a->q.max;
    r->min = sat(r->min * qmin);
    r->max_chars = qmax >= RUN_INF ? RUN_INF : sat(r->max_chars * qmax);
    r->max_bytes = qmax >= RUN_INF ? RUN_INF : sat(r->max_bytes * qmax);
    return true;
}

static bool sequence_run(const ast *T, const ast_seq *q, run_fact *out)
{
    memset(out, 0, sizeof *out);
    for (const ast_node *a = node(T, q->first); a; a = node(T, a->next)) {
        run_fact r;
        if (!atom_run(T, a, &r)) return false;
        for (int w = 0; w < 4; w++) out->set[w] |= r.set[w];
        out->min = sat(out->min + r.min);
        out->max_chars = sat(out->max_chars + r.max_chars);
        out->max_bytes = sat(out->max_bytes + r.max_bytes);
    }
    return true;
}

static bool alternation_run(const ast *T, int first, run_fact *out)
{
    const ast_seq *q = seq(T, first);
    if (!sequence_run(T, q, out)) return false;
    for (q = seq(T, q->next); q; q = seq(T, q->next)) {
        run_fact b;
        if (!sequence_run(T, q, &b)) return false;
        for (int w = 0; w < 4; w++) out->set[w] |= b.set[w];
        if (b.min < out->min) out->min = b.min;
        if (b.max_chars > out->max_chars) out->max_chars = b.max_chars;
        if (b.max_bytes > out->max_bytes) out->max_bytes = b.max_bytes;
    }
    return true;
}

/* A run every match holds when the whole pattern has no run fact: the longest of the
 * runs of its top-level atoms that must match ("\d{15}" of
 * "(?i:imei)\s*[:：]?\s*\K\d{15}"), each atom read on its own (one without a fact is
 * skipped). Top-level alternation, option settings and other groups of unknown reading
 * at the top level: no fact. */
static void source_sub_run(const ast *T, pt_regex_facts *f)
{
    const ast_seq *root = seq(T, T->root);
    if (root->next >= 0) return;
    run_fact best;
    memset(&best, 0, sizeof best);
    for (const ast_node *a = node(T, root->first); a; a = node(T, a->next)) {
        if (a->kind == A_BRACE ||
            (a->kind == A_GROUP && (a->group == G_OPTION || a->group == G_OTHER)))
            return;
        run_fact r;
        if (!optional(a) && a->qend - a->start < 256 && atom_run(T, a, &r) && r.min > best.min)
            best = r;
    }
    if (best.min < 2) return;
    f->has_run = true;
    f->run_min = (uint32_t)best.min;
    memcpy(f->run_set, best.set, sizeof best.set);
}

static void source_run(const ast *T, pt_regex_facts *f)
{
    run_fact r;
    if (!alternation_run(T, T->root, &r)) {
        source_sub_run(T, f);
        return;
    }
    if (r.min < 2) return;
    f->has_run = true;
    f->run_min = (uint32_t)r.min;
    memcpy(f->run_set, r.set, sizeof r.set);
}

void pt_source_facts(const char *src, pt_regex_facts *f)
{
    ast *T = ast_parse(src);
    if (!T) return;
    source_must_bytes(T, f);
    source_run(T, f);
    free(T);
}

/* ---- token boundaries ------------------------------------------------------------- *
 * (?<![0-9A-Za-z]) in front and (?![0-9A-Za-z]) behind a pattern: the ASCII bytes that
 * cannot sit next to a match. An under-approximation (a byte listed surely blocks; a
 * non-ASCII neighbour is never taken to block): ASCII characters and ranges, \d and \w
 * as their ASCII members, escaped punctuation; non-ASCII characters are left out. In an
 * alternation (?<![0-9A-Za-z]|\d\.) each one-character branch blocks by itself, longer
 * branches are left out. Anything else adds nothing. */

/* One branch of a lookaround body: its set when it is one character. */
static void branch_set(const ast *T, const ast_seq *q, uint64_t bits[4])
{
    const ast_node *a = node(T, q->first);
    if (!a || a->next >= 0 || a->q.present) return;
    bool wide = false;
    uint64_t one[4] = {0, 0, 0, 0};
    if (a->kind == A_CHAR) {
        if (a->len != 1 || (!a->escaped && strchr("\\^$.[]|()?*+{}", a->c[0]))) return;
        bits_set(one, (unsigned char)a->c[0]);
    } else if (a->kind == A_ESC) {
        if (a->han || !escape_set(a->esc, false, one, &wide)) return;
    } else if (a->kind == A_CLASS) {
        if (a->negated || a->nested) return;
        for (uint32_t k = 0; k < a->n_items; k++) {
            const cls_item *it = &T->items[a->item0 + k];
            if (it->kind == I_CHAR) {
                if (it->len == 1) bits_set(one, (unsigned char)it->c[0]);   /* else left out */
            } else if (it->kind == I_RANGE && it->len == 1) {
                set_range(one, (unsigned char)it->c[0], (unsigned char)it->h[0]);
            } else if (it->kind != I_ESC || it->han || !escape_set(it->esc, false, one, &wide)) {
                return;
            }
        }
    } else {
        return;
    }
    bits[0] |= one[0];   /* ASCII only: a non-ASCII byte never surely blocks */
    bits[1] |= one[1];
}

/* The lookaround g's body: the union of its one-character branches. */
static void boundary_set(const ast *T, const ast_node *g, uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (const ast_seq *q = seq(T, g->body); q; q = seq(T, q->next)) branch_set(T, q, out);
}

void pt_source_token_facts(const char *src, pt_token_facts *t)
{
    memset(t, 0, sizeof *t);
    ast *T = ast_parse(src);
    run_fact r;
    if (!T || !alternation_run(T, T->root, &r) || r.min == 0) {
        free(T);
        return;
    }
    t->ok = true;
    t->min = (uint32_t)r.min;
    t->max_chars = r.max_chars >= RUN_INF ? UINT32_MAX : (uint32_t)r.max_chars;
    t->max_bytes = r.max_bytes >= RUN_INF ? UINT32_MAX : (uint32_t)r.max_bytes;
    memcpy(t->set, r.set, sizeof t->set);
    const ast_seq *root = seq(T, T->root);
    const ast_node *first = node(T, root->first), *last = first;
    for (const ast_node *a = first; a; a = node(T, a->next)) last = a;
    if (root->next < 0 && first && first != last) {
        if (first->kind == A_GROUP && first->group == G_BEHIND && first->negated)
            boundary_set(T, first, t->before);
        if (last->kind == A_GROUP && last->group == G_AHEAD && last->negated)
            boundary_set(T, last, t->after);
    }
    free(T);
}

/* ---- alternatives ------------------------------------------------------------------ *
 * P(?:A1|A2|...)S matches what P A1 S, P A2 S, ... match between them (concatenation
 * distributes over alternation; a non-capturing group renumbers no capture), and the
 * token facts of each of these are much tighter than those of the whole: a card regex
 * whose grouped form "dddd dddd dddd dddd" admits spaces and hyphens, and whose plain
 * forms need 13 digits in a row, admits "2024-04-08 03:17" as a whole, as no single
 * alternative does. The group split is the first unquantified (?:...) of the top-level
 * sequence with an alternation of its own. */

size_t pt_source_alternatives(const char *src, char **out, size_t max)
{
    ast *T = ast_parse(src);
    if (!T) return 0;
    const ast_seq *root = seq(T, T->root);
    const ast_node *g = NULL;
    for (const ast_node *a = node(T, root->next < 0 ? root->first : -1); a && !g; a = node(T, a->next))
        if (a->kind == A_GROUP && a->group == G_NONCAP && !a->q.present && seq(T, a->body)->next >= 0)
            g = a;
    size_t n = 0;
    if (g) {
        size_t len = strlen(src), body = seq(T, g->body)->start, close = g->end - 1;
        for (const ast_seq *q = seq(T, g->body); q; q = seq(T, q->next)) {
            if (n == max) {   /* too many: no alternatives at all */
                for (size_t j = 0; j < n; j++) free(out[j]);
                n = 0;
                break;
            }
            /* P "(?:" Ai ")" S: the group kept, so that a quantifier or \K in Ai binds as before */
            char *alt = pt_xmalloc(len + 1);
            size_t m = body;
            memcpy(alt, src, body);
            memcpy(alt + m, src + q->start, q->end - q->start);
            m += q->end - q->start;
            memcpy(alt + m, src + close, len - close);
            m += len - close;
            alt[m] = 0;
            out[n++] = alt;
        }
    }
    free(T);
    return n;
}

/* ---- required literals -------------------------------------------------------------- *
 * A set of strings one of which every match contains: the label of "身份证号：\K..."
 * patterns, "----" of credential lists. Per (sub)pattern two facts: exact (the match is
 * one of these strings) and required (it contains one of them); a sequence joins the
 * exact strings of neighbouring atoms and keeps the most selective set it meets, an
 * alternation unites its branches' sets. Atoms without one (\d, classes of many
 * characters or ranges, '.', (?i:...)) only end a run of exact strings; options for the
 * rest of the pattern such as (?i), named groups, back references and anything else
 * that changes how the rest reads give no literals. */

typedef struct {
    size_t n;
    uint8_t len[PT_LITS_MAX];
    char s[PT_LITS_MAX][PT_LIT_LEN];
} lit_set;

typedef struct {
    bool exact_ok, req_ok;
    lit_set exact, req;
} lit_info;

static void lit_unknown(lit_info *x) { memset(x, 0, sizeof *x); }

static void lit_empty(lit_info *x)   /* zero width: exactly the empty string */
{
    lit_unknown(x);
    x->exact_ok = true;
    x->exact.n = 1;
    x->exact.len[0] = 0;
}

static bool lit_add(lit_set *s, const char *p, size_t n)
{
    if (n > PT_LIT_LEN) return false;
    for (size_t k = 0; k < s->n; k++)
        if (s->len[k] == n && memcmp(s->s[k], p, n) == 0) return true;
    if (s->n == PT_LITS_MAX) return false;
    memcpy(s->s[s->n], p, n);
    s->len[s->n++] = (uint8_t)n;
    return true;
}

/* How well one string filters: longer is rarer; of single bytes, punctuation is rarer
 * in records than '.', '-', space, digits and letters. */
static unsigned lit_value(const char *p, size_t n)
{
    if (n != 1) return (unsigned)n * 16;
    unsigned char c = (unsigned char)p[0];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 4;
    if (c == '.' || c == '-' || c == ' ' || c == '_' || c >= 0x80) return 6;
    return 12;
}

/* How well a set filters: its weakest string counts most, then fewer strings. 0: not a
 * requirement at all (it holds the empty string). */
static unsigned lit_score(const lit_set *s)
{
    if (s->n == 0) return 0;
    unsigned weakest = ~0u;
    for (size_t k = 0; k < s->n; k++) {
        if (s->len[k] == 0) return 0;   /* every field holds the empty string */
        unsigned v = lit_value(s->s[k], s->len[k]);
        if (v < weakest) weakest = v;
    }
    return weakest * 32 + (PT_LITS_MAX - (unsigned)s->n);
}

/* The best requirement of x: its exact set or its required set. */
static bool lit_best(const lit_info *x, lit_set *out)
{
    unsigned e = x->exact_ok ? lit_score(&x->exact) : 0, r = x->req_ok ? lit_score(&x->req) : 0;
    if (!e && !r) return false;
    *out = e >= r ? x->exact : x->req;
    return true;
}

static void lit_consider(lit_info *sq, const lit_set *cand)
{
    if (lit_score(cand) > (sq->req_ok ? lit_score(&sq->req) : 0)) {
        sq->req = *cand;
        sq->req_ok = true;
    }
}

/* a x b: every string of a followed by every string of b, when it fits. */
static bool lit_cross(const lit_set *a, const lit_set *b, lit_set *out)
{
    lit_set r = {0};
    if (a->n * b->n > PT_LITS_MAX) return false;
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++) {
            char buf[2 * PT_LIT_LEN];
            size_t n = (size_t)a->len[i] + b->len[j];
            if (n > PT_LIT_LEN) return false;
            memcpy(buf, a->s[i], a->len[i]);
            memcpy(buf + a->len[i], b->s[j], b->len[j]);
            if (!lit_add(&r, buf, n)) return false;
        }
    *out = r;
    return true;
}

/* A class of a few single characters ([:：], [·•]); false for anything else. */
static bool lit_class(const ast *T, const ast_node *a, lit_set *out)
{
    memset(out, 0, sizeof *out);
    if (a->negated || a->nested || a->lead_close || a->n_items == 0) return false;
    for (uint32_t k = 0; k < a->n_items; k++) {
        const cls_item *it = &T->items[a->item0 + k];
        if (it->kind != I_CHAR || !lit_add(out, it->c, it->len)) return false;
    }
    return true;
}

static lit_info lit_alternation(const ast *T, int first, bool *failed);

static lit_info lit_atom(const ast *T, const ast_node *a, bool *failed)
{
    lit_info x;
    lit_unknown(&x);
    switch (a->kind) {
    case A_GROUP:
        if (a->group == G_AHEAD || a->group == G_BEHIND) {
            if (a->q.present) *failed = true;
            lit_empty(&x);   /* zero width */
            return x;
        }
        if (a->group == G_CAPTURE || a->group == G_NONCAP || a->group == G_ATOMIC)
            x = lit_alternation(T, a->body, failed);
        else if (a->group != G_SCOPED)   /* (?i:...): its characters are unknown here */
            *failed = true;
        break;
    case A_CLASS:
        x.exact_ok = lit_class(T, a, &x.exact);
        break;
    case A_ESC:
        if ((a->esc >= '0' && a->esc <= '9') || a->esc == 'g' || a->esc == 'k' || a->esc == 'c') {
            *failed = true;   /* back references: not read here */
            return x;
        }
        if (strchr("KbBAzZG", a->esc)) {
            if (a->q.present) *failed = true;
            lit_empty(&x);   /* zero width, never quantified */
            return x;
        }
        break;   /* \d \w \s \p{..} \x..: one unknown character */
    case A_ANCHOR:
        if (a->q.present) *failed = true;
        lit_empty(&x);
        return x;
    case A_ANY:
        break;
    case A_CHAR:
        x.exact_ok = lit_add(&x.exact, a->c, a->len);
        break;
    default:
        *failed = true;   /* a literal '{' */
        return x;
    }
    if (!a->q.present) return x;
    if (a->q.invalid) {
        *failed = true;
        return x;
    }
    /* repetitions min..max, max 2 standing for two or more ({n,0} read as unbounded) */
    unsigned qmin = a->q.min, qmax = a->q.max >= 2 || (a->q.comma && a->q.max == 0) ? 2 : a->q.max;
    if (qmin == 1 && qmax == 1) return x;
    lit_set best;
    bool have = lit_best(&x, &best);
    lit_unknown(&x);
    if (qmin == 0 && qmax == 0) lit_empty(&x);
    else if (qmin >= 1 && have) {
        x.req_ok = true;
        x.req = best;
    }
    return x;
}

static lit_info lit_sequence(const ast *T, const ast_seq *q, bool *failed)
{
    lit_info sq;
    lit_unknown(&sq);
    lit_set run;   /* exact strings of the atoms since the last unknown one */
    memset(&run, 0, sizeof run);
    run.n = 1;
    bool all_exact = true;
    for (const ast_node *a = node(T, q->first); a && !*failed; a = node(T, a->next)) {
        lit_info x = lit_atom(T, a, failed);
        if (x.req_ok) lit_consider(&sq, &x.req);
        if (x.exact_ok && lit_cross(&run, &x.exact, &run)) continue;
        lit_consider(&sq, &run);   /* the run ends here */
        if (x.exact_ok) {
            lit_consider(&sq, &x.exact);
            run = x.exact;
        } else {
            memset(&run, 0, sizeof run);
            run.n = 1;
        }
        all_exact = false;
    }
    lit_consider(&sq, &run);
    if (all_exact) {
        sq.exact_ok = true;
        sq.exact = run;
    }
    return sq;
}

static lit_info lit_alternation(const ast *T, int first, bool *failed)
{
    const ast_seq *q = seq(T, first);
    lit_info alt = lit_sequence(T, q, failed);
    lit_set req;
    bool req_ok = lit_best(&alt, &req);
    for (q = seq(T, q->next); q && !*failed; q = seq(T, q->next)) {
        lit_info b = lit_sequence(T, q, failed);
        lit_set breq;
        bool b_ok = lit_best(&b, &breq);
        if (alt.exact_ok && b.exact_ok) {
            for (size_t k = 0; k < b.exact.n && alt.exact_ok; k++)
                alt.exact_ok = lit_add(&alt.exact, b.exact.s[k], b.exact.len[k]);
        } else {
            alt.exact_ok = false;
        }
        req_ok = req_ok && b_ok;
        for (size_t k = 0; req_ok && k < breq.n; k++)
            req_ok = lit_add(&req, breq.s[k], breq.len[k]);
    }
    alt.req_ok = req_ok;
    if (req_ok) alt.req = req;
    return alt;
}

/* Drop strings that contain another string of the set: they add nothing. */
static void lit_minimize(lit_set *s)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        bool implied = false;
        for (size_t j = 0; j < s->n && !implied; j++) {
            if (j == i || s->len[j] > s->len[i] || (s->len[j] == s->len[i] && j > i)) continue;
            implied = memmem(s->s[i], s->len[i], s->s[j], s->len[j]) != NULL;
        }
        if (implied) continue;
        if (m != i) {
            memcpy(s->s[m], s->s[i], s->len[i]);
            s->len[m] = s->len[i];
        }
        m++;
    }
    s->n = m;
}

void pt_source_literals(const char *src, pt_literals *out)
{
    memset(out, 0, sizeof *out);
    ast *T = ast_parse(src);
    if (!T) return;
    bool failed = false;
    /* options for the rest of the pattern, named groups and other group forms change
     * how what follows reads */
    for (size_t k = 0; k < T->n_nodes && !failed; k++) {
        const ast_node *a = &T->nodes[k];
        failed = a->kind == A_GROUP &&
                 (a->group == G_OPTION || a->group == G_NAMED || a->group == G_OTHER);
    }
    lit_info r;
    lit_set best;
    if (!failed) r = lit_alternation(T, T->root, &failed);
    if (!failed && lit_best(&r, &best)) {
        lit_minimize(&best);
        out->n = best.n;
        for (size_t k = 0; k < best.n; k++) {
            out->len[k] = best.len[k];
            memcpy(out->s[k], best.s[k], best.len[k]);
        }
    }
    free(T);
}
