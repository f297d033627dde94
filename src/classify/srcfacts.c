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
 * branch has must bytes, one byte of each is required. Returns false when not. */
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
        if (last.n_must == 0) return false;
        for (unsigned k = 0; k < last.n_must; k++) bits_set(any, last.must[k]);
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
            /* (?flags) or (?flags:...) turning on extended mode: whitespace is not literal */
            for (size_t k = i + 2; src[i + 1] == '?' &&
                                   ((src[k] >= 'a' && src[k] <= 'z') || src[k] == '-' || src[k] == '^');
                 k++)
                if (src[k] == 'x') return;
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


/* ---- runs -------------------------------------------------------------------------- */

typedef struct {
    const char *src;
    size_t i;
    bool failed;
} run_parser;

typedef struct {
    uint64_t set[4];
    uint64_t min;   /* bytes; saturates */
} run_fact;

static void set_range(uint64_t bits[4], unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 128; c++) bits_set(bits, c);
}

/* The byte set of escape e (after a backslash) into bits; false when unsupported. */
static bool escape_set(char e, uint64_t bits[4])
{
    switch (e) {
    case 'd': set_range(bits, '0', '9'); return true;
    case 'w': set_range(bits, '0', '9'); set_range(bits, 'A', 'Z'); set_range(bits, 'a', 'z');
              bits_set(bits, '_'); return true;
    default:
        if (ascii_punct((unsigned char)e)) { bits_set(bits, (unsigned char)e); return true; }
        return false;   /* \s (Unicode spaces under UCP), \p, \x, backrefs, ... */
    }
}

/* [ ... ] of ASCII items, ranges and \d \w escapes; negated or non-ASCII: unsupported. */
static bool parse_class(run_parser *P, uint64_t bits[4])
{
    const char *s = P->src;
    size_t i = P->i + 1;
    if (s[i] == '^') return false;
    bool first = true;
    while (s[i] && (s[i] != ']' || first)) {
        first = false;
        unsigned char lo = (unsigned char)s[i];
        if (lo >= 0x80 || lo == '[') return false;
        if (lo == '\\') {
            if (!s[i + 1] || !escape_set(s[i + 1], bits)) return false;
            i += 2;
            continue;
        }
        if (s[i + 1] == '-' && s[i + 2] && s[i + 2] != ']') {
            unsigned char hi = (unsigned char)s[i + 2];
            if (hi >= 0x80 || hi == '\\' || hi < lo) return false;
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

/* Minimum repetitions of the quantifier at P->i (consumed), 1 when there is none. */
static uint64_t parse_quantifier(run_parser *P)
{
    const char *s = P->src;
    uint64_t min = 1;
    char c = s[P->i];
    if (c == '?' || c == '*') { min = 0; P->i++; }
    else if (c == '+') { P->i++; }
    else if (c == '{') {
        size_t j = P->i + 1;
        uint64_t n = 0;
        bool digits = false;
        while (s[j] >= '0' && s[j] <= '9') { n = n * 10 + (uint64_t)(s[j] - '0'); j++; digits = true; if (n > 100000) n = 100000; }
        while (s[j] && s[j] != '}') {
            if (!(s[j] == ',' || (s[j] >= '0' && s[j] <= '9'))) { P->failed = true; return 1; }
            j++;
        }
        if (s[j] != '}') { P->failed = true; return 1; }
        min = digits ? n : 0;
        P->i = j + 1;
    } else {
        return 1;
    }
    if (s[P->i] == '?' || s[P->i] == '+') P->i++;   /* lazy or possessive */
    return min;
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

/* One atom with its quantifier; a lookaround gives an empty fact of min 0. */
static run_fact parse_atom(run_parser *P)
{
    run_fact a;
    memset(&a, 0, sizeof a);
    const char *s = P->src;
    char c = s[P->i];
    if (c == '(') {
        if (s[P->i + 1] == '?' && (s[P->i + 2] == '=' || s[P->i + 2] == '!' ||
                                   (s[P->i + 2] == '<' && (s[P->i + 3] == '=' || s[P->i + 3] == '!')))) {
            skip_group(P);
            return a;   /* zero width: quantifiers on assertions are not expected */
        }
        if (s[P->i + 1] == '?') {
            if (s[P->i + 2] != ':' && s[P->i + 2] != '>') { P->failed = true; return a; }
            P->i += 3;
        } else {
            P->i += 1;
        }
        a = parse_alternation(P);
        if (s[P->i] != ')') { P->failed = true; return a; }
        P->i++;
    } else if (c == '[') {
        a.min = 1;
        if (!parse_class(P, a.set)) { P->failed = true; return a; }
    } else if (c == '\\') {
        a.min = 1;
        if (!s[P->i + 1] || !escape_set(s[P->i + 1], a.set)) { P->failed = true; return a; }
        P->i += 2;
    } else if (c == '^' || c == '$') {
        P->i++;
        return a;
    } else if ((unsigned char)c >= 0x80 || c == '.' || c == '*' || c == '+' || c == '?' || c == '{') {
        P->failed = true;
        return a;
    } else {
        a.min = 1;
        bits_set(a.set, (unsigned char)c);
        P->i++;
    }
    uint64_t q = parse_quantifier(P);
    a.min = a.min * q;
    if (a.min > 100000) a.min = 100000;
    return a;
}

static run_fact parse_sequence(run_parser *P)
{
    run_fact seq;
    memset(&seq, 0, sizeof seq);
    while (!P->failed && P->src[P->i] && P->src[P->i] != '|' && P->src[P->i] != ')') {
        run_fact a = parse_atom(P);
        for (int w = 0; w < 4; w++) seq.set[w] |= a.set[w];
        seq.min += a.min;
        if (seq.min > 100000) seq.min = 100000;
    }
    return seq;
}

static run_fact parse_alternation(run_parser *P)
{
    run_fact alt = parse_sequence(P);
    while (!P->failed && P->src[P->i] == '|') {
        P->i++;
        run_fact b = parse_sequence(P);
        for (int w = 0; w < 4; w++) alt.set[w] |= b.set[w];
        if (b.min < alt.min) alt.min = b.min;
    }
    return alt;
}

static void source_run(const char *src, pt_regex_facts *f)
{
    run_parser P = {src, 0, false};
    run_fact r = parse_alternation(&P);
    if (P.failed || src[P.i] != 0 || r.min < 2) return;
    f->has_run = true;
    f->run_min = (uint32_t)r.min;
    memcpy(f->run_set, r.set, sizeof r.set);
}

void pt_source_facts(const char *src, pt_regex_facts *f)
{
    source_must_bytes(src, f);
    source_run(src, f);
}
