/* srcfacts.c - prefilter facts read off a regex's source text, where pcre2_pattern_info
 * says too little. Two facts, both conservative (a construct this reader does not fully
 * understand yields no fact, never a wrong one):
 *  - must bytes: ASCII punctuation that every match contains (the '@' of an e-mail);
 *  - runs: every match is a run of at least L bytes from a set S (a resident ID is 18
 *    bytes of [0-9Xx] in a row), so a field without such a run is skipped without
 *    calling PCRE2. Computed for patterns built from ASCII atoms, classes, groups,
 *    alternations, quantifiers and lookarounds (which match no bytes).
 * Checking a run costs about n/L byte tests per field (see pt_has_run). */
#include "classify_internal.h"

#include <stdlib.h>
#include <string.h>

static void bits_set(uint64_t bits[4], unsigned c) { bits[(c >> 6) & 3] |= (uint64_t)1 << (c & 63); }

/* ---- must-contain bytes ------------------------------------------------------------ *
 * PCRE2 reports one required code unit (the last literal), which for an e-mail regex
 * is the '.', present in most fields. The '@' is just as required: a literal at the
 * top level of a pattern without top-level alternation, not made optional by its
 * quantifier. This reader finds such ASCII punctuation literals and gives up (no
 * facts, never wrong facts) on anything it does not fully understand. */

/* Index just past the character class starting at src[i] == '[', or 0 when malformed. */
static size_t skip_class(const char *src, size_t i)
{
    i++;
    if (src[i] == '^') i++;
    if (src[i] == ']') i++;
    while (src[i] && src[i] != ']') {
        if (src[i] == '\\' && src[i + 1]) i += 2;
        else if (src[i] == '[' && src[i + 1] == ':') {
            const char *end = strstr(src + i + 2, ":]");
            if (!end) return 0;
            i = (size_t)(end - src) + 2;
        } else i++;
    }
    return src[i] == ']' ? i + 1 : 0;
}

/* Does the quantifier at src[i] (if any) allow zero repetitions? */
static bool optional_quantifier(const char *src, size_t i)
{
    if (src[i] == '?' || src[i] == '*') return true;
    if (src[i] == '{') return src[i + 1] == '0' || src[i + 1] == ',';
    return false;
}

static bool ascii_punct(unsigned char c)
{
    return c > ' ' && c < 0x7f && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                     (c >= 'A' && c <= 'Z'));
}

/* A class [..] of literal characters and ASCII ranges ([*＊], [A-HJ-NP-Z]) between
 * src[start] == '[' and src[end - 1] == ']': the set of their first bytes, which a
 * required occurrence of the class must contain. false for anything else. */
static bool class_first_bytes(const char *src, size_t start, size_t end, uint64_t bits[4])
{
    memset(bits, 0, 4 * sizeof *bits);
    size_t i = start + 1;
    if (src[i] == '^') return false;
    for (; i + 1 < end; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '\\') {
            c = (unsigned char)src[++i];
            if (!ascii_punct(c)) return false;
        } else if (c == '[') {
            return false;
        } else if (c < 0x80 && src[i + 1] == '-' && i + 2 < end - 1 && (unsigned char)src[i + 2] < 0x80 &&
                   src[i + 2] != '\\') {
            for (unsigned r = c; r <= (unsigned char)src[i + 2]; r++) bits_set(bits, r);
            i += 2;
            continue;
        } else if (c == '-' && i != start + 1 && i + 2 != end) {
            return false;
        } else if ((c & 0xC0) == 0x80) {
            continue;   /* continuation byte of a character already counted */
        }
        bits_set(bits, c);
    }
    return true;
}

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

static void source_must_bytes(const char *src, pt_regex_facts *f);

/* Index of the ')' closing the group opened at src[i], or 0 when unbalanced. */
static size_t group_close(const char *src, size_t i)
{
    int depth = 0;
    while (src[i]) {
        if (src[i] == '\\' && src[i + 1]) { i += 2; continue; }
        if (src[i] == '[') {
            if ((i = skip_class(src, i)) == 0) return 0;
            continue;
        }
        if (src[i] == '(') depth++;
        if (src[i] == ')' && --depth == 0) return i;
        i++;
    }
    return 0;
}

/* A group (a|b|...) at src[open..close] that every match passes through: when each
 * branch has must bytes or a required any-of set, a byte of their union is required
 * ((?:[*＊]{4}\d{4}|\d{2}[*＊]{4}) needs a '*' or the first byte of '＊'). Returns false
 * when some branch has neither. *all gets the facts of a group of one branch. */
static bool group_any_of(const char *src, size_t open, size_t close, uint64_t any[4],
                         pt_regex_facts *all)
{
    size_t start = open + 1;
    if (src[start] == '?') {
        if (src[start + 1] != ':') return false;
        start += 2;
    }
    char branch[512];
    memset(any, 0, 4 * sizeof *any);
    size_t b = start, n_branches = 0;
    pt_regex_facts last;
    for (size_t i = start; i <= close; i++) {
        if (src[i] == '\\' && i + 1 < close) { i++; continue; }
        if (src[i] == '[') { size_t k = skip_class(src, i); if (!k || k > close) return false; i = k - 1; continue; }
        if (src[i] == '(') { size_t k = group_close(src, i); if (!k || k > close) return false; i = k; continue; }
        if (src[i] != '|' && i != close) continue;
        if (i - b >= sizeof branch) return false;
        memcpy(branch, src + b, i - b);
        branch[i - b] = 0;
        memset(&last, 0, sizeof last);
        source_must_bytes(branch, &last);
        if (last.n_must) {
            for (unsigned k = 0; k < last.n_must; k++) bits_set(any, last.must[k]);
        } else if (last.has_required) {
            for (int w = 0; w < 4; w++) any[w] |= last.required[w];
        } else {
            return false;
        }
        n_branches++;
        b = i + 1;
    }
    if (n_branches == 1) *all = last;   /* one branch: its must bytes are all required */
    return true;
}

static void source_must_bytes(const char *src, pt_regex_facts *f)
{
    pt_regex_facts found = *f;
    int depth = 0;
    size_t i = 0;
    while (src[i]) {
        char c = src[i];
        int literal = -1;
        if (c == '\\') {
            char e = src[i + 1];
            if (!e || e == 'Q' || e == 'E') return;
            if (ascii_punct((unsigned char)e)) literal = (unsigned char)e;
            else if (strchr("pPxogkN", e) && src[i + 2] == '{') {
                const char *end = strchr(src + i + 2, '}');
                if (!end) return;
                i = (size_t)(end - src) - 1;
            }
            i += 2;
        } else if (c == '[') {
            size_t start = i;
            uint64_t bits[4];
            if ((i = skip_class(src, i)) == 0) return;
            if (depth == 0 && !optional_quantifier(src, i) && class_first_bytes(src, start, i, bits))
                offer_required(&found, bits);
        } else if (c == '(') {
            if (src[i + 1] == '?' && (src[i + 2] == '#' || src[i + 2] == 'x')) return;
            /* (?flags) or (?flags:...) turning on extended mode (whitespace is not
             * literal) or caseless matching (a class of letters stands for both cases) */
            bool unset = false;
            for (size_t k = i + 2; src[i + 1] == '?' &&
                                   ((src[k] >= 'a' && src[k] <= 'z') || src[k] == '-' || src[k] == '^');
                 k++) {
                if (src[k] == '-') unset = true;
                if (src[k] == 'x' || (src[k] == 'i' && !unset)) return;
            }
            size_t close = depth == 0 ? group_close(src, i) : 0;
            uint64_t any[4];
            pt_regex_facts single;
            memset(&single, 0, sizeof single);
            if (close && !optional_quantifier(src, close + 1) &&
                group_any_of(src, i, close, any, &single)) {
                for (unsigned k = 0; k < single.n_must; k++) add_must(&found, single.must[k]);
                if (!single.n_must) offer_required(&found, any);
            }
            depth++;
            i++;
        } else if (c == ')') {
            depth--;
            i++;
        } else if (c == '{') {   /* a {n,m} quantifier: its digits and comma are not literals */
            const char *end = strchr(src + i, '}');
            if (!end) return;
            i = (size_t)(end - src) + 1;
        } else if (c == '|') {
            if (depth == 0) return;   /* top-level alternation: nothing is always required */
            i++;
        } else {
            if (!strchr(".^$*+?{}", c) && ascii_punct((unsigned char)c)) literal = (unsigned char)c;
            i++;
        }
        if (literal >= 0 && depth == 0 && !optional_quantifier(src, i)) add_must(&found, (unsigned char)literal);
        if (depth < 0) return;
    }
    if (depth == 0) *f = found;
}


/* ---- runs and tokens --------------------------------------------------------------- *
 * One parse of patterns built from ASCII atoms, classes, \d and \w, groups, alternations,
 * quantifiers and lookarounds (which match no bytes) gives, for every (sub)pattern, the
 * bytes a match can contain (an over-approximation) and its length bounds. Under
 * PCRE2_UCP, \d and \w also match non-ASCII characters (\d: fullwidth and other Unicode
 * digits; \w: every letter, Han included): their byte sets then hold the UTF-8 bytes of
 * those characters and such an atom may take up to 4 bytes. Anything else fails the
 * parse: no facts, never wrong ones. */

#define RUN_INF 100000u   /* "unbounded"; lengths saturate here */

typedef struct {
    const char *src;
    size_t i;
    bool failed;
    int depth;
    size_t n_top;                    /* atoms of the top-level sequence */
    size_t first_start, first_end;   /* source span of its first atom */
    size_t last_start, last_end;     /* and of its last */
    bool top_alternation;            /* '|' at the top level */
} run_parser;

typedef struct {
    uint64_t set[4];
    uint64_t min;        /* bytes (a character is at least one) */
    uint64_t max_chars;  /* characters: the byte bound when the text is ASCII */
    uint64_t max_bytes;  /* bytes, whatever the text */
} run_fact;

static uint64_t sat(uint64_t v) { return v > RUN_INF ? RUN_INF : v; }

static void set_range(uint64_t bits[4], unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 256; c++) bits_set(bits, c);
}

/* The UTF-8 bytes of non-ASCII characters that \d matches under UCP (Unicode Nd: lead
 * bytes D9 DB DF E0 E1 EA EF F0 as of Unicode 14, taken wider here so that a newer
 * Unicode table cannot make it wrong; Han, lead bytes E3-E9, stays out). */
static void set_ucp_digit_bytes(uint64_t bits[4])
{
    set_range(bits, 0x80, 0xBF);
    set_range(bits, 0xC2, 0xE1);
    set_range(bits, 0xEA, 0xF4);
}

/* The byte set of escape e (after a backslash) into bits; false when unsupported.
 * *wide: the escape matches non-ASCII characters too. */
static bool escape_set(char e, uint64_t bits[4], bool *wide)
{
    switch (e) {
    case 'd': set_range(bits, '0', '9'); set_ucp_digit_bytes(bits); *wide = true; return true;
    case 'w': set_range(bits, '0', '9'); set_range(bits, 'A', 'Z'); set_range(bits, 'a', 'z');
              bits_set(bits, '_'); set_range(bits, 0x80, 0xFF); *wide = true; return true;
    default:
        if (ascii_punct((unsigned char)e)) { bits_set(bits, (unsigned char)e); return true; }
        return false;   /* \s (Unicode spaces under UCP), \p, \x, backrefs, ... */
    }
}

/* The length of the UTF-8 character whose lead byte is c (0: not a lead byte). */
static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
         : c >= 0xF0 && c < 0xF5 ? 4 : 0;
}

/* The bytes of the UTF-8 character at s[i] into bits: its length, 0 when malformed. */
static size_t add_utf8_char(const char *s, size_t i, uint64_t bits[4])
{
    size_t len = utf8_len((unsigned char)s[i]);
    for (size_t k = 1; k < len; k++)
        if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 0;
    for (size_t k = 0; k < len; k++) bits_set(bits, (unsigned char)s[i + k]);
    return len;
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

/* The escape at s[i] == '\\' into bits: its length in the source (0: unsupported). Two
 * bytes as escape_set, or \p{Han}. */
static size_t escape_at(const char *s, size_t i, uint64_t bits[4], bool *wide)
{
    if (!s[i + 1]) return 0;
    if (strncmp(s + i + 1, "p{Han}", 6) == 0) {
        set_han_bytes(bits);
        *wide = true;
        return 7;
    }
    return escape_set(s[i + 1], bits, wide) ? 2 : 0;
}

/* A non-ASCII range lo-hi of a class (each a UTF-8 character at s[i] and s[j]): the lead
 * bytes from lo's to hi's, and every continuation byte. false when malformed. */
static bool add_utf8_range(const char *s, size_t i, size_t j, uint64_t bits[4])
{
    unsigned char lo = (unsigned char)s[i], hi = (unsigned char)s[j];
    uint64_t scratch[4] = {0, 0, 0, 0};
    if (!add_utf8_char(s, i, scratch) || !add_utf8_char(s, j, scratch) || hi < lo) return false;
    set_range(bits, lo, hi);
    set_range(bits, 0x80, 0xBF);
    return true;
}

/* [ ... ] of items (ASCII or UTF-8 characters), ranges, \d \w \p{Han} escapes; negated:
 * unsupported. *wide: it matches multi-byte characters. */
static bool parse_class(run_parser *P, uint64_t bits[4], bool *wide)
{
    const char *s = P->src;
    size_t i = P->i + 1;
    if (s[i] == '^') return false;
    bool first = true;
    while (s[i] && (s[i] != ']' || first)) {
        first = false;
        unsigned char lo = (unsigned char)s[i];
        if (lo == '[') return false;
        if (lo >= 0x80) {
            uint64_t one[4] = {0, 0, 0, 0};
            size_t len = add_utf8_char(s, i, one);   /* checked whole before reading on */
            if (len < 2) return false;
            *wide = true;
            if (s[i + len] == '-' && s[i + len + 1] && s[i + len + 1] != ']') {
                size_t j = i + len + 1;
                size_t hl = utf8_len((unsigned char)s[j]);
                if (hl < 2 || !add_utf8_range(s, i, j, bits)) return false;
                i = j + hl;
                continue;
            }
            for (int w = 0; w < 4; w++) bits[w] |= one[w];
            i += len;
            continue;
        }
        if (lo == '\\') {
            size_t len = escape_at(s, i, bits, wide);
            if (!len) return false;
            if (s[i + len] == '-' && s[i + len + 1] && s[i + len + 1] != ']') return false;   /* [\.-x] */
            i += len;
            continue;
        }
        if (s[i + 1] == '-' && s[i + 2] && s[i + 2] != ']') {
            unsigned char hi = (unsigned char)s[i + 2];
            if (hi >= 0x80 || hi == '\\' || hi == '[' || hi < lo) return false;
            set_range(bits, lo, hi);
            i += 3;
            continue;
        }
        bits_set(bits, lo);
        i++;
    }
    if (s[i] != ']') return false;
    P->i = i + 1;
    return true;
}

/* The quantifier at P->i (consumed): repetitions min..max (max RUN_INF: unbounded);
 * 1..1 when there is none. */
static void parse_quantifier(run_parser *P, uint64_t *min, uint64_t *max)
{
    const char *s = P->src;
    char c = s[P->i];
    *min = *max = 1;
    if (c == '?') { *min = 0; P->i++; }
    else if (c == '*') { *min = 0; *max = RUN_INF; P->i++; }
    else if (c == '+') { *max = RUN_INF; P->i++; }
    else if (c == '{') {
        size_t j = P->i + 1;
        uint64_t lo = 0, hi = 0;
        bool lo_digits = false, comma = false, hi_digits = false;
        while (s[j] >= '0' && s[j] <= '9') { lo = sat(lo * 10 + (uint64_t)(s[j] - '0')); j++; lo_digits = true; }
        if (s[j] == ',') {
            comma = true;
            j++;
            while (s[j] >= '0' && s[j] <= '9') { hi = sat(hi * 10 + (uint64_t)(s[j] - '0')); j++; hi_digits = true; }
        }
        /* PCRE2 before 10.43 reads "{,n}" as literal text: no facts for it */
        if (s[j] != '}' || !lo_digits) { P->failed = true; return; }
        *min = lo;
        *max = !comma ? *min : hi_digits ? hi : RUN_INF;
        P->i = j + 1;
    } else {
        return;
    }
    if (s[P->i] == '?' || s[P->i] == '+') P->i++;   /* lazy or possessive */
}

/* Skip a balanced group whose '(' is at P->i (lookarounds: they consume nothing). */
static void skip_group(run_parser *P)
{
    const char *s = P->src;
    int depth = 0;
    size_t i = P->i;
    while (s[i]) {
        if (s[i] == '\\' && s[i + 1]) { i += 2; continue; }
        if (s[i] == '[') {
            size_t k = skip_class(s, i);
            if (!k) { P->failed = true; return; }
            i = k;
            continue;
        }
        if (s[i] == '(') depth++;
        if (s[i] == ')' && --depth == 0) { P->i = i + 1; return; }
        i++;
    }
    P->failed = true;
}

static run_fact parse_alternation(run_parser *P);

static bool lookaround_at(const char *s)
{
    return s[0] == '(' && s[1] == '?' &&
           (s[2] == '=' || s[2] == '!' || (s[2] == '<' && (s[3] == '=' || s[3] == '!')));
}

/* One atom with its quantifier; a lookaround gives an empty fact of length 0. */
static run_fact parse_atom(run_parser *P)
{
    run_fact a;
    memset(&a, 0, sizeof a);
    const char *s = P->src;
    char c = s[P->i];
    bool wide = false;
    if (c == '(') {
        if (lookaround_at(s + P->i)) {
            skip_group(P);
            return a;   /* zero width: a quantifier after it fails the parse as an atom */
        }
        if (s[P->i + 1] == '?') {
            if (s[P->i + 2] != ':' && s[P->i + 2] != '>') { P->failed = true; return a; }
            P->i += 3;
        } else {
            P->i += 1;
        }
        P->depth++;
        a = parse_alternation(P);
        P->depth--;
        if (s[P->i] != ')') { P->failed = true; return a; }
        P->i++;
    } else if (c == '[') {
        if (!parse_class(P, a.set, &wide)) { P->failed = true; return a; }
        a.min = 1;
        a.max_chars = 1;
        a.max_bytes = wide ? 4 : 1;
    } else if (c == '\\') {
        size_t len = escape_at(s, P->i, a.set, &wide);
        if (!len) { P->failed = true; return a; }
        P->i += len;
        a.min = 1;
        a.max_chars = 1;
        a.max_bytes = wide ? 4 : 1;
    } else if (c == '^' || c == '$') {
        P->i++;
        return a;
    } else if ((unsigned char)c >= 0x80) {   /* one UTF-8 character: exactly its bytes */
        size_t len = add_utf8_char(s, P->i, a.set);
        if (len < 2) { P->failed = true; return a; }
        P->i += len;
        a.min = a.max_bytes = len;
        a.max_chars = 1;
    } else if (c == '.' || c == '*' || c == '+' || c == '?' || c == '{') {
        P->failed = true;
        return a;
    } else {
        bits_set(a.set, (unsigned char)c);
        P->i++;
        a.min = a.max_chars = a.max_bytes = 1;
    }
    uint64_t qmin, qmax;
    parse_quantifier(P, &qmin, &qmax);
    a.min = sat(a.min * qmin);
    a.max_chars = qmax >= RUN_INF ? RUN_INF : sat(a.max_chars * qmax);
    a.max_bytes = qmax >= RUN_INF ? RUN_INF : sat(a.max_bytes * qmax);
    return a;
}

static run_fact parse_sequence(run_parser *P)
{
    run_fact seq;
    memset(&seq, 0, sizeof seq);
    while (!P->failed && P->src[P->i] && P->src[P->i] != '|' && P->src[P->i] != ')') {
        size_t start = P->i;
        run_fact a = parse_atom(P);
        if (P->depth == 0) {
            if (P->n_top++ == 0) { P->first_start = start; P->first_end = P->i; }
            P->last_start = start;
            P->last_end = P->i;
        }
        for (int w = 0; w < 4; w++) seq.set[w] |= a.set[w];
        seq.min = sat(seq.min + a.min);
        seq.max_chars = sat(seq.max_chars + a.max_chars);
        seq.max_bytes = sat(seq.max_bytes + a.max_bytes);
    }
    return seq;
}

static run_fact parse_alternation(run_parser *P)
{
    run_fact alt = parse_sequence(P);
    while (!P->failed && P->src[P->i] == '|') {
        if (P->depth == 0) P->top_alternation = true;
        P->i++;
        run_fact b = parse_sequence(P);
        for (int w = 0; w < 4; w++) alt.set[w] |= b.set[w];
        if (b.min < alt.min) alt.min = b.min;
        if (b.max_chars > alt.max_chars) alt.max_chars = b.max_chars;
        if (b.max_bytes > alt.max_bytes) alt.max_bytes = b.max_bytes;
    }
    return alt;
}

static bool parse_source(const char *src, run_parser *P, run_fact *r)
{
    memset(P, 0, sizeof *P);
    P->src = src;
    *r = parse_alternation(P);
    return !P->failed && src[P->i] == 0;
}

/* End of the top-level atom at src[i] with its quantifier (0: not understood), and
 * whether the quantifier allows zero repetitions. */
static size_t atom_end(const char *src, size_t i, bool *optional)
{
    size_t k;
    if (src[i] == '\\') {
        if (!src[i + 1]) return 0;
        k = i + 2;
        if (strchr("pPxogkN", src[i + 1]) && src[k] == '{') {
            const char *close = strchr(src + k, '}');
            if (!close) return 0;
            k = (size_t)(close - src) + 1;
        }
    } else if (src[i] == '[') {
        if ((k = skip_class(src, i)) == 0) return 0;
    } else if (src[i] == '(') {
        size_t close = group_close(src, i);
        if (!close) return 0;
        /* (?i) or (?x) unscoped: the rest of the pattern reads differently */
        if (src[i + 1] == '?' && src[i + 2] != ':' && src[i + 2] != '=' && src[i + 2] != '!' &&
            src[i + 2] != '<' && src[i + 2] != '>' && memchr(src + i, ':', close - i) == NULL)
            return 0;
        k = close + 1;
    } else if (strchr("|)*+?{", src[i])) {
        return 0;
    } else {
        k = i + 1;
        while (((unsigned char)src[k] & 0xC0) == 0x80) k++;   /* the rest of a character */
    }
    *optional = optional_quantifier(src, k);
    if (src[k] == '?' || src[k] == '*' || src[k] == '+') {
        k++;
    } else if (src[k] == '{') {
        const char *close = strchr(src + k, '}');
        if (!close) return 0;
        k = (size_t)(close - src) + 1;
    } else {
        return k;
    }
    if (src[k] == '?' || src[k] == '+') k++;   /* lazy or possessive */
    return k;
}

/* A run every match holds when the whole pattern is not one: the longest of the runs
 * of its top-level atoms that must match ("\d{15}" of "(?i:imei)\s*[:：]?\s*\K\d{15}"),
 * each atom read on its own (one this reader does not know is skipped). */
static void source_sub_run(const char *src, pt_regex_facts *f)
{
    size_t len = strlen(src);
    char atom[256];
    run_fact best;
    memset(&best, 0, sizeof best);
    for (size_t i = 0; i < len;) {
        bool optional = false;
        size_t end = atom_end(src, i, &optional);
        if (!end) return;   /* (a top-level '|' too): no fact */
        run_parser P;
        run_fact r;
        if (!optional && end - i < sizeof atom) {
            memcpy(atom, src + i, end - i);
            atom[end - i] = 0;
            if (parse_source(atom, &P, &r) && r.min > best.min) best = r;
        }
        i = end;
    }
    if (best.min < 2) return;
    f->has_run = true;
    f->run_min = (uint32_t)best.min;
    memcpy(f->run_set, best.set, sizeof best.set);
}

static void source_run(const char *src, pt_regex_facts *f)
{
    run_parser P;
    run_fact r;
    if (!parse_source(src, &P, &r)) {
        source_sub_run(src, f);
        return;
    }
    if (r.min < 2) return;
    f->has_run = true;
    f->run_min = (uint32_t)r.min;
    memcpy(f->run_set, r.set, sizeof r.set);
}

void pt_source_facts(const char *src, pt_regex_facts *f)
{
    source_must_bytes(src, f);
    source_run(src, f);
}

/* ---- token boundaries ------------------------------------------------------------- *
 * (?<![0-9A-Za-z]) in front and (?![0-9A-Za-z]) behind a pattern: the ASCII bytes that
 * cannot sit next to a match. An under-approximation (a byte listed surely blocks; a
 * non-ASCII neighbour is never taken to block): ASCII items and ranges, \d and \w as
 * their ASCII members, escaped punctuation; non-ASCII items are left out. In an
 * alternation (?<![0-9A-Za-z]|\d\.) each one-character branch blocks by itself, longer
 * branches are left out. Anything else gives the empty set. */

/* One branch src[from..to) of a lookaround body: its set when it is one character. */
static void branch_set(const char *src, size_t from, size_t to, uint64_t bits[4])
{
    bool wide = false;
    uint64_t one[4] = {0, 0, 0, 0};
    if (to <= from) return;
    if (to - from == 2 && src[from] == '\\') {
        if (!escape_set(src[from + 1], one, &wide)) return;
    } else if (to - from == 1) {
        unsigned char c = (unsigned char)src[from];
        if (c >= 0x80 || strchr("\\^$.[]|()?*+{}", c)) return;
        bits_set(one, c);
    } else if (src[from] == '[' && skip_class(src, from) == to) {
        size_t i = from + 1, end = to - 1;
        if (src[i] == '^') return;
        while (i < end) {
            unsigned char c = (unsigned char)src[i];
            if (c == '[') return;
            if (c == '\\') {
                if (!escape_set(src[i + 1], one, &wide)) return;
                if (src[i + 2] == '-' && i + 3 < end) return;
                i += 2;
                continue;
            }
            if (c >= 0x80) {   /* a non-ASCII item: left out */
                i++;
                while (i < end && ((unsigned char)src[i] & 0xC0) == 0x80) i++;
                if (i < end && src[i] == '-' && i + 1 < end) return;
                continue;
            }
            if (src[i + 1] == '-' && i + 2 < end) {
                unsigned char hi = (unsigned char)src[i + 2];
                if (hi >= 0x80 || hi == '\\' || hi == '[' || hi < c) return;
                set_range(one, c, hi);
                i += 3;
                continue;
            }
            bits_set(one, c);
            i++;
        }
    } else {
        return;
    }
    bits[0] |= one[0];   /* ASCII only: a non-ASCII byte never surely blocks */
    bits[1] |= one[1];
}

/* The lookaround body src[from..to): the union of its one-character branches. */
static void boundary_set(const char *src, size_t from, size_t to, uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    size_t b = from;
    for (size_t i = from; i <= to; i++) {
        if (i < to && src[i] == '\\' && i + 1 < to) { i++; continue; }
        if (i < to && src[i] == '[') {
            size_t k = skip_class(src, i);
            if (!k || k > to) return;
            i = k - 1;
            continue;
        }
        if (i < to && src[i] == '(') {   /* nested groups: not one character */
            run_parser P = {.src = src, .i = i};
            skip_group(&P);
            if (P.failed || P.i > to) return;
            i = P.i - 1;
            continue;
        }
        if (i == to || src[i] == '|') {
            branch_set(src, b, i, out);
            b = i + 1;
        }
    }
}

void pt_source_token_facts(const char *src, pt_token_facts *t)
{
    run_parser P;
    run_fact r;
    memset(t, 0, sizeof *t);
    if (!src || !parse_source(src, &P, &r) || r.min == 0) return;
    t->ok = true;
    t->min = (uint32_t)r.min;
    t->max_chars = r.max_chars >= RUN_INF ? UINT32_MAX : (uint32_t)r.max_chars;
    t->max_bytes = r.max_bytes >= RUN_INF ? UINT32_MAX : (uint32_t)r.max_bytes;
    memcpy(t->set, r.set, sizeof t->set);
    if (P.top_alternation || P.n_top < 2) return;
    if (strncmp(src + P.first_start, "(?<!", 4) == 0)
        boundary_set(src, P.first_start + 4, P.first_end - 1, t->before);
    if (strncmp(src + P.last_start, "(?!", 3) == 0)
        boundary_set(src, P.last_start + 3, P.last_end - 1, t->after);
}

/* ---- alternatives ------------------------------------------------------------------ *
 * P(?:A1|A2|...)S matches what P A1 S, P A2 S, ... match between them (concatenation
 * distributes over alternation; a non-capturing group renumbers no capture), and the
 * token facts of each of these are much tighter than those of the whole: a card regex
 * whose grouped form "dddd dddd dddd dddd" admits spaces and hyphens, and whose plain
 * forms need 13 digits in a row, admits "2024-04-08 03:17" as a whole, as no single
 * alternative does. */

/* Does src[from..to) hold a '|' outside its classes and groups? -1: malformed. */
static int has_own_bar(const char *src, size_t from, size_t to)
{
    for (size_t k = from; k < to;) {
        if (src[k] == '\\') {
            k += 2;
        } else if (src[k] == '[') {
            if ((k = skip_class(src, k)) == 0) return -1;
        } else if (src[k] == '(') {
            size_t close = group_close(src, k);
            if (!close) return -1;
            k = close + 1;
        } else if (src[k] == '|') {
            return 1;
        } else {
            k++;
        }
    }
    return 0;
}

/* The end (index of ')') of the first group "(?:" at src's top level that is not
 * quantified and holds a '|' of its own, and where its body starts; 0 when none, or
 * when src has a '|' of its own (then P and S are not a sequence around the group). */
static size_t split_group(const char *src, size_t *body)
{
    size_t len = strlen(src), found = 0;
    if (has_own_bar(src, 0, len) != 0) return 0;
    for (size_t i = 0; i < len;) {
        if (src[i] == '\\') {
            i += 2;
        } else if (src[i] == '[') {
            i = skip_class(src, i);   /* not 0: has_own_bar read it */
        } else if (src[i] == '(') {
            size_t close = group_close(src, i);
            bool quantified = src[close + 1] && strchr("?*+{", src[close + 1]);
            if (!found && !quantified && strncmp(src + i, "(?:", 3) == 0 &&
                has_own_bar(src, i + 3, close) == 1) {
                found = close;
                *body = i + 3;
            }
            i = close + 1;
        } else {
            i++;
        }
    }
    return found;
}

size_t pt_source_alternatives(const char *src, char **out, size_t max)
{
    size_t body = 0, close = split_group(src, &body);
    if (!close) return 0;
    size_t len = strlen(src), n = 0, from = body;
    for (size_t k = body; k <= close; k++) {
        if (k < close && src[k] == '\\') { k++; continue; }
        if (k < close && src[k] == '[') { k = skip_class(src, k) - 1; continue; }
        if (k < close && src[k] == '(') { k = group_close(src, k); continue; }
        if (k < close && src[k] != '|') continue;
        if (n == max) {   /* too many: no alternatives at all */
            for (size_t j = 0; j < n; j++) free(out[j]);
            return 0;
        }
        /* P "(?:" Ai ")" S: the group kept, so that a quantifier or \K in Ai binds as before */
        char *alt = pt_xmalloc(len + 1);
        size_t m = 0;
        memcpy(alt, src, body);
        m = body;
        memcpy(alt + m, src + from, k - from);
        m += k - from;
        memcpy(alt + m, src + close, len - close);
        m += len - close;
        alt[m] = 0;
        out[n++] = alt;
        from = k + 1;
    }
    return n;
}

/* ---- required literals -------------------------------------------------------------- *
 * A set of strings one of which every match contains: the label of "身份证号：\K..."
 * patterns, "----" of credential lists. Per (sub)pattern two facts: exact (the match is
 * one of these strings) and required (it contains one of them); a sequence joins the
 * exact strings of neighbouring atoms and keeps the most selective set it meets, an
 * alternation unites its branches' sets. Atoms this reader does not know (\d, classes
 * of many characters, '.') only end a run of exact strings; inline flags such as (?i),
 * \Q...\E and anything else that changes how the rest reads give up on the pattern. */

typedef struct {
    size_t n;
    uint8_t len[PT_LITS_MAX];
    char s[PT_LITS_MAX][PT_LIT_LEN];
} lit_set;

typedef struct {
    bool exact_ok, req_ok;
    lit_set exact, req;
} lit_info;

typedef struct {
    const char *src;
    size_t i;
    bool failed;
    int depth;
} lit_parser;

static lit_info lit_alternation(lit_parser *L);

/* (?i:...) and the like: options that hold inside the group only. */
static bool scoped_flags_at(const char *s)
{
    if (s[0] != '(' || s[1] != '?') return false;
    size_t k = 2;
    while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || s[k] == '-' || s[k] == '^') k++;
    return k > 2 && s[k] == ':';
}

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

static void lit_consider(lit_info *seq, const lit_set *cand)
{
    if (lit_score(cand) > (seq->req_ok ? lit_score(&seq->req) : 0)) {
        seq->req = *cand;
        seq->req_ok = true;
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
static bool lit_class(lit_parser *L, lit_set *out)
{
    const char *s = L->src;
    size_t i = L->i + 1;
    memset(out, 0, sizeof *out);
    if (s[i] == '^' || s[i] == ']') return false;
    while (s[i] && s[i] != ']') {
        size_t len = 1;
        if (s[i] == '\\') {
            if (!ascii_punct((unsigned char)s[i + 1])) return false;
            i++;
        } else if (s[i] == '[') {
            return false;
        } else if ((unsigned char)s[i] >= 0xC0) {
            while (((unsigned char)s[i + len] & 0xC0) == 0x80) len++;
        } else if ((unsigned char)s[i] >= 0x80) {
            return false;
        }
        if (s[i + len] == '-' && s[i + len + 1] != ']') return false;   /* a range */
        if (!lit_add(out, s + i, len)) return false;
        i += len;
    }
    if (s[i] != ']') return false;
    L->i = i + 1;
    return true;
}

/* The quantifier at L->i (consumed): repetitions min..max (max 2: two or more). */
static void lit_quantifier(lit_parser *L, unsigned *min, unsigned *max)
{
    const char *s = L->src;
    *min = *max = 1;
    char c = s[L->i];
    if (c == '?') { *min = 0; L->i++; }
    else if (c == '*') { *min = 0; *max = 2; L->i++; }
    else if (c == '+') { *max = 2; L->i++; }
    else if (c == '{') {
        size_t j = L->i + 1;
        unsigned lo = 0, hi = 0;
        bool digits = false, comma = false;
        while (s[j] >= '0' && s[j] <= '9') { lo = lo < 1000 ? lo * 10 + (unsigned)(s[j] - '0') : lo; j++; digits = true; }
        if (s[j] == ',') {
            comma = true;
            j++;
            while (s[j] >= '0' && s[j] <= '9') { hi = hi < 1000 ? hi * 10 + (unsigned)(s[j] - '0') : hi; j++; }
        }
        if (!digits || s[j] != '}') { L->failed = true; return; }   /* literal '{': give up */
        *min = lo;
        *max = comma ? 2 : lo;
        if (comma && hi && hi < 2) *max = hi;
        L->i = j + 1;
    } else {
        return;
    }
    if (s[L->i] == '?' || s[L->i] == '+') L->i++;
}

static lit_info lit_atom(lit_parser *L)
{
    lit_info a;
    lit_unknown(&a);
    const char *s = L->src;
    char c = s[L->i];
    if (c == '(') {
        bool look = lookaround_at(s + L->i);
        if (look || scoped_flags_at(s + L->i)) {
            run_parser P = {.src = s, .i = L->i};
            skip_group(&P);
            if (P.failed) L->failed = true;
            L->i = P.i;
            if (look) {
                lit_empty(&a);
                return a;   /* zero width */
            }
            /* (?i:...): its characters are unknown here; its quantifier follows */
        } else if (s[L->i + 1] == '?' && s[L->i + 2] != ':' && s[L->i + 2] != '>') {
            L->failed = true;
            return a;
        } else {
            L->i += s[L->i + 1] == '?' ? 3 : 1;
            L->depth++;
            a = lit_alternation(L);
            L->depth--;
            if (s[L->i] != ')') { L->failed = true; return a; }
            L->i++;
        }
    } else if (c == '[') {
        lit_set set;
        size_t at = L->i;
        if (lit_class(L, &set)) {
            a.exact_ok = true;
            a.exact = set;
        } else {
            size_t k = skip_class(s, at);
            if (!k) { L->failed = true; return a; }
            L->i = k;
        }
    } else if (c == '\\') {
        char e = s[L->i + 1];
        if (!e || e == 'Q' || e == 'E' || (e >= '0' && e <= '9') || e == 'g' || e == 'k') {
            L->failed = true;   /* quoting and back references: not read here */
            return a;
        }
        L->i += 2;
        if (ascii_punct((unsigned char)e)) {
            a.exact_ok = lit_add(&a.exact, &e, 1);
        } else if (strchr("KbBAzZG", e)) {
            lit_empty(&a);
            return a;   /* zero width, never quantified */
        } else if (strchr("pPxoN", e) && s[L->i] == '{') {
            const char *end = strchr(s + L->i, '}');
            if (!end) { L->failed = true; return a; }
            L->i = (size_t)(end - s) + 1;
        } else if (strchr("pP", e)) {
            if (s[L->i]) L->i++;   /* \pL */
        } else if (e == 'x') {   /* \xhh */
            for (int k = 0; k < 2 && s[L->i] && strchr("0123456789abcdefABCDEF", s[L->i]); k++) L->i++;
        } else if (e == 'c') {
            L->failed = true;
            return a;
        }
        /* \d \w \s \h \v \R \X ...: one unknown character */
    } else if (c == '^' || c == '$') {
        L->i++;
        lit_empty(&a);
        return a;
    } else if (c == '.') {
        L->i++;
    } else if (c == '*' || c == '+' || c == '?' || c == '{' || c == ')' || c == '|' || !c) {
        L->failed = true;
        return a;
    } else {
        size_t len = 1;
        if ((unsigned char)c >= 0xC0)
            while (((unsigned char)s[L->i + len] & 0xC0) == 0x80) len++;
        a.exact_ok = lit_add(&a.exact, s + L->i, len);
        L->i += len;
    }
    unsigned qmin, qmax;
    lit_quantifier(L, &qmin, &qmax);
    if (qmin == 1 && qmax == 1) return a;
    lit_set best;
    bool have = lit_best(&a, &best);
    lit_unknown(&a);
    if (qmin == 0 && qmax == 0) lit_empty(&a);
    else if (qmin >= 1 && have) {
        a.req_ok = true;
        a.req = best;
    }
    return a;
}

static lit_info lit_sequence(lit_parser *L)
{
    lit_info seq;
    lit_unknown(&seq);
    lit_set run;   /* exact strings of the atoms since the last unknown one */
    memset(&run, 0, sizeof run);
    run.n = 1;
    bool all_exact = true;
    while (!L->failed && L->src[L->i] && L->src[L->i] != '|' && L->src[L->i] != ')') {
        lit_info a = lit_atom(L);
        if (a.req_ok) lit_consider(&seq, &a.req);
        if (a.exact_ok && lit_cross(&run, &a.exact, &run)) continue;
        lit_consider(&seq, &run);   /* the run ends here */
        if (a.exact_ok) {
            lit_consider(&seq, &a.exact);
            run = a.exact;
        } else {
            memset(&run, 0, sizeof run);
            run.n = 1;
        }
        all_exact = false;
    }
    lit_consider(&seq, &run);
    if (all_exact) {
        seq.exact_ok = true;
        seq.exact = run;
    }
    return seq;
}

static lit_info lit_alternation(lit_parser *L)
{
    lit_info alt = lit_sequence(L);
    lit_set req;
    bool req_ok = lit_best(&alt, &req);
    while (!L->failed && L->src[L->i] == '|') {
        L->i++;
        lit_info b = lit_sequence(L);
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
    if (!src) return;
    /* (?i) (?x) and other unscoped options change how everything after them reads */
    for (const char *p = strstr(src, "(?"); p; p = strstr(p + 1, "(?"))
        if (!scoped_flags_at(p) &&
            (!strchr(":>=!<", p[2]) || (p[2] == '<' && p[3] != '=' && p[3] != '!')))
            return;
    lit_parser L = {.src = src};
    lit_info r = lit_alternation(&L);
    lit_set best;
    if (L.failed || src[L.i] || !lit_best(&r, &best)) return;
    lit_minimize(&best);
    out->n = best.n;
    for (size_t k = 0; k < best.n; k++) {
        out->len[k] = best.len[k];
        memcpy(out->s[k], best.s[k], best.len[k]);
    }
}
