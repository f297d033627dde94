/* classify_internal.h - helpers shared by the pattern loader, the scanner and
 * `pitally explain` (src/classify only): PCRE2 matching with the prefilter facts of
 * pt_regex_facts, field trimming and value normalization. Keeping them in one place
 * means explain tells exactly what the scanner does. */
#ifndef PITALLY_CLASSIFY_INTERNAL_H
#define PITALLY_CLASSIFY_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>

#include "pitally/patterns.h"

static inline bool pt_bits_has(const uint64_t bits[4], unsigned char c)
{
    return (bits[c >> 6] >> (c & 63)) & 1;
}

/* Does s[0..n) contain a run of at least min bytes of set? Looks at about n/min bytes
 * when there is none: a byte outside the set rules out every run through it. */
static inline bool pt_has_run(const char *s, size_t n, const uint64_t set[4], size_t min)
{
    if (n < min) return false;
    size_t end = min - 1;                 /* candidate last byte of a run */
    while (end < n) {
        if (!pt_bits_has(set, (unsigned char)s[end])) { end += min; continue; }
        size_t start = end;               /* extend back, then forward */
        while (start > 0 && end - start + 1 < min && pt_bits_has(set, (unsigned char)s[start - 1]))
            start--;
        size_t stop = end + 1;
        while (stop < n && stop - start < min && pt_bits_has(set, (unsigned char)s[stop])) stop++;
        if (stop - start >= min) return true;
        end = stop + min;                 /* s[stop] is outside the set (or the end) */
    }
    return false;
}

/* Byte classes (byteclass.c): the bytes that the prefilter facts of all patterns tell
 * apart, at most 64 classes, so that the bytes a field contains fit one uint64_t
 * built in one register-only pass, and each fact is tested with one AND. Classes that
 * had to be merged only make a fact weaker (admit more), never wrong. */
typedef struct {
    uint8_t cls[256];
} pt_byteclasses;

/* Facts about one compiled regex that let the scanner skip a field without running it,
 * all derived from pcre2_pattern_info (never from pattern ids). */
typedef struct {
    uint32_t min_length;   /* characters; a field with fewer bytes cannot match */
    bool has_first;        /* first: bit b%64 of word b/64 set when a match can start with byte b */
    uint64_t first[4];
    bool has_required;     /* required: every match contains one of these bytes */
    uint64_t required[4];
    bool has_required2;    /* and one of these (a second, independent any-of set) */
    uint64_t required2[4];
    uint8_t must[4];       /* ASCII punctuation every match contains (all of them), */
    uint8_t n_must;        /* read off top-level literals of the source ('@' of e-mail) */
    bool has_run;          /* every match is a run of >= run_min bytes of run_set: an */
    uint32_t run_min;      /* ID needs 18 bytes of [0-9Xx] in a row (from the source) */
    uint64_t run_set[4];
    bool jit;              /* JIT-compiled: pcre2_jit_match may be used */
} pt_regex_facts;

/* What the classifier derives from a pattern's regexes (pt_pattern.fast). The value and
 * masked regexes compiled without PCRE2_UCP, JIT-compiled, or NULL: for a subject made
 * only of ASCII bytes they match exactly what the UCP ones match (UCP only widens \d \w
 * \s \b and the POSIX classes to code points above 127), at up to half the cost (\d is
 * a byte range instead of a Unicode property lookup). */
struct pt_pattern_fast {
    void *value_re_ascii, *masked_re_ascii;
    pt_regex_facts value_facts, masked_facts;
    /* a byte scan that says exactly what the field-mode value regex says of an ASCII
     * field (the whole field matches), or NULL (pt_field_scanner_for) */
    bool (*value_scan)(const char *v, size_t n);
};

/* The byte scan standing in for field-mode value regex src on ASCII fields, or NULL.
 * Known by its source text, so a regex edited in the rules goes back to PCRE2. */
bool (*pt_field_scanner_for(const char *src))(const char *v, size_t n);

/* A pt_regex_facts in class-mask form. first/required: the field must contain a byte
 * of one of these classes (0: no such fact); must: of each of these classes. */
typedef struct {
    uint64_t first, required, required2, must;
    uint32_t min_length;
    bool has_first, has_run;
    uint32_t run_min;
    uint64_t first_bits[4];   /* exact, for the first byte of a field-mode match */
    uint64_t run_set[4];
} pt_mask_facts;

void pt_byteclasses_build(pt_byteclasses *bc, const pt_patterns *ps);
/* Classes holding some byte of set (outer), and classes all of whose bytes are in it
 * (inner): "the field has a byte of set" needs m & outer, "all its bytes are in set"
 * follows from (m & ~inner) == 0. */
uint64_t pt_byteclasses_outer(const pt_byteclasses *bc, const uint64_t set[4]);
uint64_t pt_byteclasses_inner(const pt_byteclasses *bc, const uint64_t set[4]);
void pt_mask_facts_of(const pt_byteclasses *bc, const pt_regex_facts *f, pt_mask_facts *out);

static inline uint64_t pt_byteclasses_of(const pt_byteclasses *bc, const char *s, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++) m |= (uint64_t)1 << bc->cls[(unsigned char)s[i]];
    return m;
}

/* Can a regex with facts mf match field s[0..n) whose class mask is m? anchored: the
 * match must start at s[0] (field mode). */
static inline bool pt_mask_admit(const pt_mask_facts *mf, uint64_t m, const char *s, size_t n,
                                 bool anchored)
{
    if (n < mf->min_length) return false;
    if (anchored ? mf->has_first && !pt_bits_has(mf->first_bits, (unsigned char)s[0])
                 : mf->first && !(m & mf->first))
        return false;
    if (mf->required && !(m & mf->required)) return false;
    if (mf->required2 && !(m & mf->required2)) return false;
    if ((m & mf->must) != mf->must) return false;
    if (mf->has_run && !pt_has_run(s, n, mf->run_set, mf->run_min)) return false;
    return true;
}

/* One regex search from start. Returns the pcre2 result (> 0 matched; the match is
 * ovector[0..1]); every error (no match, match limit, JIT stack) is <= 0. */
static inline int pt_regex_run(const void *re, const pt_regex_facts *f, const char *s, size_t n,
                               size_t start, pcre2_match_data *md, pcre2_match_context *mc)
{
    if (f->jit)
        return pcre2_jit_match((const pcre2_code *)re, (PCRE2_SPTR)s, n, start, 0, md, mc);
    return pcre2_match((const pcre2_code *)re, (PCRE2_SPTR)s, n, start, 0, md, mc);
}

/* The compiled prefilter of a pattern set (scanner.c): the byte classes, per-pattern
 * candidate facts, token checks, literal index and key contexts that every scanner
 * uses, built once by pt_patterns_load (pt_patterns.prefilter) and shared read-only. */
typedef struct pt_prefilter pt_prefilter;
pt_prefilter *pt_prefilter_new(const pt_patterns *ps);
void pt_prefilter_free(pt_prefilter *pf);

/* Must bytes and run facts read off a regex's source (srcfacts.c). */
void pt_source_facts(const char *src, pt_regex_facts *f);

/* Token facts read off a regex's source (srcfacts.c): every match is a substring
 * s[a..b) of bytes in set, min <= b - a <= max_bytes (<= max_chars when it is ASCII),
 * with a == 0 or s[a-1] not in before, and b == n or s[b] not in after. set is an
 * over-approximation, before and after (ASCII bytes from a leading (?<![...]) and a
 * trailing (?![...])) under-approximations, so the facts hold for every match. */
typedef struct {
    bool ok;                              /* the source was understood */
    uint32_t min, max_chars, max_bytes;   /* UINT32_MAX: unbounded */
    uint64_t set[4], before[4], after[4];
} pt_token_facts;
void pt_source_token_facts(const char *src, pt_token_facts *t);

/* The alternatives of a regex P(?:A1|...|Ak)S read off its source (srcfacts.c): the
 * sources P(?:A1)S ... P(?:Ak)S, whose matches are those of the regex between them, in
 * out[0..k) (each from pt_xmalloc; the caller frees them). 0: no such split, or more
 * than max alternatives. */
size_t pt_source_alternatives(const char *src, char **out, size_t max);

/* Required literals read off a regex's source (srcfacts.c): every match contains one of
 * these n strings (n == 0: none known), e.g. the label of "(?:身份证|证件)号?\s*\K...". */
#define PT_LITS_MAX 16
#define PT_LIT_LEN 32
typedef struct {
    size_t n;
    uint8_t len[PT_LITS_MAX];
    char s[PT_LITS_MAX][PT_LIT_LEN];
} pt_literals;
void pt_source_literals(const char *src, pt_literals *out);

/* Strip ASCII whitespace and U+3000 (ideographic space) from both ends. */
void pt_field_trim(const char **s, size_t *n);

/* Could pt_field_trim strip something from s[0..n) (n > 0)? A look at both ends: ASCII
 * whitespace and controls, U+3000 E3 80 80, BOM EF BB BF, U+00A0 C2 A0. */
static inline bool pt_field_may_need_trim(const char *s, size_t n)
{
    unsigned char a = (unsigned char)s[0], z = (unsigned char)s[n - 1];
    return a <= ' ' || a == 0xE3 || a == 0xEF || a == 0xC2 || z <= ' ' || z == 0x80 ||
           z == 0xBF || z == 0xA0;
}
/* NULL, \N, None, N/A, "-" ...: placeholders that say there is no value. */
bool pt_field_placeholder(const char *s, size_t n);
/* s[0..*n) normalized for pattern p: a pointer into s when it already is, else into
 * out (room for *n bytes); *n becomes its length. */
const char *pt_value_normalized(const pt_pattern *p, const char *s, size_t *n, char *out);
/* `pitally explain`: when trace is not NULL the scanner narrates every step of its
 * decisions for one value there (see explain.c). NULL (the default) for scans. */
struct pt_scanner;
void pt_scanner_set_trace(struct pt_scanner *s, FILE *trace);
/* Tests: with reference set the scanner runs every candidate regex on every field, with
 * no prefilter at all; its counts must be those of the fast path. */
void pt_scanner_set_reference(struct pt_scanner *s, bool reference);

/* Match-time limits that keep hostile input from looping a regex for long. */
#define PT_MATCH_LIMIT 2000000u
#define PT_DEPTH_LIMIT 100000u

#endif
