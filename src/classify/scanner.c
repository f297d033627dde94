/* scanner.c - stage 3c: classify the fields of a record against the shared pattern set.
 *
 * One pt_scanner per worker thread (like a YARA scanner): it owns the PCRE2 match
 * data, a JIT stack, a cache of key (column name) contexts and scratch buffers, so a
 * record is classified with no allocation in the steady state and no lock.
 *
 * Per field: trim, skip empty values and placeholders, and look up the key's context
 * (which header regexes match it, and so which patterns are candidates; computed once
 * per distinct key). One register-only pass gives the field's byte classes (see
 * byteclass.c); a branch-free quick filter over the candidates (length, bytes a match
 * starts with or must contain, facts from pcre2_pattern_info and from the regex source)
 * drops most of them; the rest get the exact prefilter (runs such as "18 bytes of
 * [0-9Xx] in a row") and only then PCRE2 JIT. Each regex match is then ignored (it
 * overlaps a match of a pattern it yields to), rejected (masked copy, failed
 * validator) or accepted: counted, its category bit set, its normalized value hashed
 * into the record's fingerprint, and considered as the record's subject (the lowest
 * subject_rank wins, first seen on ties).
 *
 * The fingerprint is XXH3-128 over the sorted, de-duplicated 64-bit hashes of
 * (category, normalized value): the same information in another column order is the
 * same piece (SPEC 1, distinct).
 */
#include "classify_internal.h"

#include <stdlib.h>
#include <string.h>

#include "pitally/classify.h"
#include "pitally/validators.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define KEY_SLOTS 512                 /* power of two */
#define KEY_MAX_CACHED 256            /* longer keys are resolved every time */
#define KEY_ARENA (KEY_SLOTS * 48)

typedef struct {
    uint64_t hash;
    uint32_t off, len;
    bool used;
} key_slot;

/* The first, branch-free look at a field for every candidate, structure-of-arrays
 * indexed by pattern: v* for the value regex, m* for the masked regex. A fact that
 * does not exist is all-ones (min: 0); a masked regex that does not exist has min
 * UINT32_MAX. Only candidates that pass reach run_pattern. */
typedef struct {
    uint32_t *vmin, *mmin;
    uint64_t *vfirst, *vreq, *vreq2, *vmust, *mfirst, *mreq, *mreq2, *mmust;
} quick_filter;

/* The patterns to try on the fields of one key, in evaluation order, and the shortest
 * value any of them can match: the hot loop walks only this list. */
typedef struct {
    const uint64_t *bits;    /* header regexes matching the key (bit per pattern), or NULL */
    const uint16_t *list;
    size_t n;
    uint32_t min_length;
} key_ctx;

/* One pattern's prefilter facts, copied into a dense array so that rejecting a field
 * touches a few cache lines instead of every pt_pattern. */
typedef struct {
    pt_mask_facts value, masked;
    bool field, header_only, has_yields, has_masked;
} candidate;

typedef struct {
    size_t pattern;
    size_t start, end;
} accepted_span;

struct pt_scanner {
    const pt_patterns *ps;
    const pt_policy *pol;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit_stack;
    FILE *trace;
    pt_byteclasses classes;
    candidate *cands;              /* per pattern */
    quick_filter quick;
    key_ctx no_key;                /* fields without a key (or matching no header) */
    uint16_t *no_key_list;
    /* key context cache: slot i's pattern bitset is key_bits[i * words ...], its
     * candidate list key_lists[i * ps->n ...] */
    size_t words;
    bool any_header;
    key_slot slots[KEY_SLOTS];
    key_ctx slot_ctx[KEY_SLOTS];
    uint64_t *key_bits;
    uint16_t *key_lists;
    char *key_arena;
    size_t arena_used, slots_used;
    uint64_t *uncached_bits;
    uint16_t *uncached_list;
    key_ctx uncached;
    /* per record */
    uint64_t *elems;
    size_t n_elems, cap_elems;
    accepted_span *spans;          /* claimed (accepted or rejected) matches of the field */
    size_t n_spans, cap_spans;
    char *norm;                    /* normalized value scratch */
    size_t cap_norm;
    uint64_t categories;
    bool piece;
    unsigned best_rank;
    uint64_t subject;
    uint64_t *matched, *rejected;
};

/* ---- construction ----------------------------------------------------------------- */

static bool bit_test(const uint64_t *bits, size_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }

/* The candidates for a key whose header matches are bits (NULL: none), in order. */
static void build_list(const pt_scanner *s, const uint64_t *bits, uint16_t *list, key_ctx *ctx)
{
    size_t n = 0;
    uint32_t min = UINT32_MAX;
    for (size_t k = 0; k < s->ps->n; k++) {
        size_t i = s->ps->order[k];
        const pt_pattern *p = &s->ps->v[i];
        if (p->requires_header && !(bits && bit_test(bits, i))) continue;
        list[n++] = (uint16_t)i;
        const candidate *c = &s->cands[i];
        uint32_t m = c->header_only ? 1 : p->value_facts.min_length;
        if (c->has_masked && p->masked_facts.min_length < m) m = p->masked_facts.min_length;
        if (m < min) min = m;
    }
    ctx->bits = bits;
    ctx->list = list;
    ctx->n = n;
    ctx->min_length = min;
}

static void quick_from(const pt_mask_facts *mf, bool exists, uint32_t *min, uint64_t *first,
                       uint64_t *req, uint64_t *req2, uint64_t *must)
{
    *req2 = exists && mf->required2 ? mf->required2 : ~(uint64_t)0;
    *min = exists ? mf->min_length : UINT32_MAX;
    *first = exists && mf->first ? mf->first : ~(uint64_t)0;
    *req = exists && mf->required ? mf->required : ~(uint64_t)0;
    *must = exists ? mf->must : 0;
}

static void build_quick(pt_scanner *s)
{
    size_t n = s->ps->n ? s->ps->n : 1;
    quick_filter *q = &s->quick;
    q->vmin = pt_xcalloc(n, sizeof *q->vmin);
    q->mmin = pt_xcalloc(n, sizeof *q->mmin);
    uint64_t **arrays[] = {&q->vfirst, &q->vreq, &q->vreq2, &q->vmust,
                           &q->mfirst, &q->mreq, &q->mreq2, &q->mmust};
    for (size_t k = 0; k < 8; k++) *arrays[k] = pt_xcalloc(n, sizeof(uint64_t));
    for (size_t i = 0; i < s->ps->n; i++) {
        const candidate *c = &s->cands[i];
        if (c->header_only) {
            q->vmin[i] = 0;
            q->vfirst[i] = q->vreq[i] = q->vreq2[i] = ~(uint64_t)0;
            q->vmust[i] = 0;
        } else {
            quick_from(&c->value, true, &q->vmin[i], &q->vfirst[i], &q->vreq[i], &q->vreq2[i],
                       &q->vmust[i]);
        }
        quick_from(&c->masked, c->has_masked, &q->mmin[i], &q->mfirst[i], &q->mreq[i], &q->mreq2[i],
                   &q->mmust[i]);
    }
}

static void free_quick(quick_filter *q)
{
    free(q->vmin); free(q->mmin);
    free(q->vfirst); free(q->vreq); free(q->vreq2); free(q->vmust);
    free(q->mfirst); free(q->mreq); free(q->mreq2); free(q->mmust);
}

/* Can pattern i do anything with a field of n bytes and byte classes m? */
static inline bool quick_admit(const quick_filter *q, size_t i, uint64_t m, size_t n)
{
    bool v = (n >= q->vmin[i]) & ((m & q->vfirst[i]) != 0) & ((m & q->vreq[i]) != 0) &
             ((m & q->vreq2[i]) != 0) & ((m & q->vmust[i]) == q->vmust[i]);
    bool k = (n >= q->mmin[i]) & ((m & q->mfirst[i]) != 0) & ((m & q->mreq[i]) != 0) &
             ((m & q->mreq2[i]) != 0) & ((m & q->mmust[i]) == q->mmust[i]);
    return v | k;
}

pt_scanner *pt_scanner_new(const pt_patterns *ps, const pt_policy *pol)
{
    pt_scanner *s = pt_xcalloc(1, sizeof *s);
    s->ps = ps;
    s->pol = pol;
    s->md = pcre2_match_data_create(ps->max_captures + 1, NULL);
    s->mc = pcre2_match_context_create(NULL);
    s->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    if (!s->md || !s->mc) {
        fprintf(stderr, "pitally: out of memory creating a scanner\n");
        exit(70);
    }
    if (s->jit_stack) pcre2_jit_stack_assign(s->mc, NULL, s->jit_stack);
    pcre2_set_match_limit(s->mc, PT_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mc, PT_DEPTH_LIMIT);
    s->words = (ps->n + 63) / 64;
    if (s->words == 0) s->words = 1;
    for (size_t i = 0; i < ps->n; i++) s->any_header = s->any_header || ps->v[i].header_re;
    s->key_bits = pt_xcalloc(KEY_SLOTS * s->words, sizeof(uint64_t));
    s->key_lists = pt_xcalloc(KEY_SLOTS * (ps->n ? ps->n : 1), sizeof(uint16_t));
    s->key_arena = pt_xmalloc(KEY_ARENA);
    s->uncached_bits = pt_xcalloc(s->words, sizeof(uint64_t));
    s->uncached_list = pt_xcalloc(ps->n ? ps->n : 1, sizeof(uint16_t));
    s->no_key_list = pt_xcalloc(ps->n ? ps->n : 1, sizeof(uint16_t));
    s->cands = pt_xcalloc(ps->n ? ps->n : 1, sizeof *s->cands);
    pt_byteclasses_build(&s->classes, ps);
    for (size_t i = 0; i < ps->n; i++) {
        const pt_pattern *p = &ps->v[i];
        candidate *c = &s->cands[i];
        pt_mask_facts_of(&s->classes, &p->value_facts, &c->value);
        pt_mask_facts_of(&s->classes, &p->masked_facts, &c->masked);
        c->field = p->match == PT_MATCH_FIELD;
        c->header_only = !p->value_re;
        c->has_yields = p->n_yields_to > 0;
        c->has_masked = p->masked_re != NULL;
    }
    build_quick(s);
    build_list(s, NULL, s->no_key_list, &s->no_key);
    s->cap_elems = 64;
    s->elems = pt_xmalloc(s->cap_elems * sizeof *s->elems);
    s->cap_spans = 16;
    s->spans = pt_xmalloc(s->cap_spans * sizeof *s->spans);
    s->cap_norm = 1024;
    s->norm = pt_xmalloc(s->cap_norm);
    return s;
}

void pt_scanner_free(pt_scanner *s)
{
    if (!s) return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mc);
    pcre2_jit_stack_free(s->jit_stack);
    free(s->key_bits);
    free(s->key_lists);
    free(s->key_arena);
    free(s->uncached_bits);
    free(s->uncached_list);
    free(s->no_key_list);
    free(s->cands);
    free_quick(&s->quick);
    free(s->elems);
    free(s->spans);
    free(s->norm);
    free(s);
}

void pt_scanner_set_trace(pt_scanner *s, FILE *trace) { s->trace = trace; }

/* ---- key context -------------------------------------------------------------------- */

/* Which patterns' header regexes match key: bit i of bits. */
static void resolve_key(pt_scanner *s, const char *key, size_t len, uint64_t *bits)
{
    memset(bits, 0, s->words * sizeof *bits);
    for (size_t i = 0; i < s->ps->n; i++) {
        const pcre2_code *re = s->ps->v[i].header_re;
        if (re && pcre2_match(re, (PCRE2_SPTR)key, len, 0, 0, s->md, s->mc) > 0)
            bits[i >> 6] |= (uint64_t)1 << (i & 63);
    }
}

static void key_cache_clear(pt_scanner *s)
{
    memset(s->slots, 0, sizeof s->slots);
    s->arena_used = 0;
    s->slots_used = 0;
}

/* The candidates for a field of key, from the cache or resolved and cached now. */
static const key_ctx *key_context(pt_scanner *s, const char *key, size_t len)
{
    if (!key || !s->any_header) return &s->no_key;
    pt_field_trim(&key, &len);
    if (len == 0) return &s->no_key;
    if (len > KEY_MAX_CACHED) {
        resolve_key(s, key, len, s->uncached_bits);
        build_list(s, s->uncached_bits, s->uncached_list, &s->uncached);
        return &s->uncached;
    }
    uint64_t h = XXH3_64bits(key, len);
    size_t i = (size_t)h & (KEY_SLOTS - 1);
    for (; s->slots[i].used; i = (i + 1) & (KEY_SLOTS - 1)) {
        key_slot *k = &s->slots[i];
        if (k->hash == h && k->len == len && memcmp(s->key_arena + k->off, key, len) == 0)
            return &s->slot_ctx[i];
    }
    if (s->slots_used >= KEY_SLOTS * 3 / 4 || s->arena_used + len > KEY_ARENA) {
        key_cache_clear(s);   /* bounded: a hostile stream of keys only costs re-resolving */
        i = (size_t)h & (KEY_SLOTS - 1);
    }
    key_slot *k = &s->slots[i];
    k->used = true;
    k->hash = h;
    k->len = (uint32_t)len;
    k->off = (uint32_t)s->arena_used;
    memcpy(s->key_arena + s->arena_used, key, len);
    s->arena_used += len;
    s->slots_used++;
    uint64_t *bits = s->key_bits + i * s->words;
    resolve_key(s, key, len, bits);
    build_list(s, bits, s->key_lists + i * s->ps->n, &s->slot_ctx[i]);
    return &s->slot_ctx[i];
}

/* ---- accepting a value ---------------------------------------------------------------- */

static void push_elem(pt_scanner *s, uint64_t h)
{
    if (s->n_elems == s->cap_elems) {
        s->cap_elems *= 2;
        s->elems = pt_xrealloc(s->elems, s->cap_elems * sizeof *s->elems);
    }
    s->elems[s->n_elems++] = h;
}

static void push_span(pt_scanner *s, size_t pattern, size_t start, size_t end)
{
    if (s->n_spans == s->cap_spans) {
        s->cap_spans *= 2;
        s->spans = pt_xrealloc(s->spans, s->cap_spans * sizeof *s->spans);
    }
    s->spans[s->n_spans++] = (accepted_span){pattern, start, end};
}

static void accept_value(pt_scanner *s, size_t i, const char *v, size_t n)
{
    const pt_pattern *p = &s->ps->v[i];
    if (s->matched) s->matched[i]++;
    s->categories |= (uint64_t)1 << p->category;
    if (p->identifier) s->piece = true;
    if (n > s->cap_norm) {
        while (s->cap_norm < n) s->cap_norm *= 2;
        s->norm = pt_xrealloc(s->norm, s->cap_norm);
    }
    size_t m = pt_value_normalize(p, v, n, s->norm);
    push_elem(s, XXH3_64bits_withSeed(s->norm, m, (uint64_t)p->category + 1));
    bool subject = p->subject_rank && p->subject_rank < s->best_rank;
    if (subject) {
        s->best_rank = p->subject_rank;
        s->subject = XXH3_64bits(s->norm, m);
    }
    if (s->trace)
        fprintf(s->trace, "    accepted: category %s%s, normalized \"%.*s\"%s\n",
                s->pol->categories[p->category], p->identifier ? ", identifier" : "", (int)m,
                s->norm, subject ? ", primary identifier so far" : "");
}

static void reject_value(pt_scanner *s, size_t i)
{
    if (s->rejected) s->rejected[i]++;
}

/* ---- matching ------------------------------------------------------------------------ */

/* Does a match (accepted or rejected) of a pattern that p yields to overlap [start, end)? */
static bool yields(const pt_scanner *s, const pt_pattern *p, size_t start, size_t end)
{
    for (size_t k = 0; k < s->n_spans; k++) {
        const accepted_span *a = &s->spans[k];
        if (a->start >= end || start >= a->end) continue;
        for (size_t y = 0; y < p->n_yields_to; y++)
            if ((size_t)p->yields_to[y] == a->pattern) return true;
    }
    return false;
}

static bool is_masked(pt_scanner *s, const pt_pattern *p, uint64_t field_mask,
                      const char *v, size_t n)
{
    const candidate *c = &s->cands[p - s->ps->v];
    if (!c->has_masked) return false;
    /* The field's byte classes are a superset of the match's: a sound prefilter. */
    if (!pt_mask_admit(&c->masked, field_mask, v, n, c->field)) return false;
    return pt_regex_run(p->masked_re, &p->masked_facts, v, n, 0, s->md, s->mc) > 0;
}

/* One regex match v[start..end) of pattern i in field v. */
static void judge_match(pt_scanner *s, size_t i, uint64_t bytes, const char *v,
                        size_t start, size_t end)
{
    const pt_pattern *p = &s->ps->v[i];
    const char *m = v + start;
    size_t n = end - start;
    if (s->trace)
        fprintf(s->trace, "  %s: value regex matched \"%.*s\" at bytes %zu-%zu\n", p->id, (int)n,
                m, start, end);
    if (p->n_yields_to && yields(s, p, start, end)) {
        if (s->trace) fprintf(s->trace, "    ignored: overlaps a match it yields to\n");
        return;
    }
    /* From here on the span is claimed by p, accepted or not: a pattern yielding to p
     * must not count what p recognized as its own. */
    push_span(s, i, start, end);
    if (is_masked(s, p, bytes, m, n)) {
        if (s->trace) fprintf(s->trace, "    rejected: masked copy (matches /%s/)\n", p->masked_src);
        reject_value(s, i);
        return;
    }
    if (p->validator) {
        bool ok;
        if (s->trace) {
            char why[256];
            ok = pt_validator_explain(p->validator_name, m, n, why, sizeof why);
            fprintf(s->trace, "    validator %s: %s\n", p->validator_name, why);
        } else {
            ok = p->validator(m, n);
        }
        if (!ok) {
            if (s->trace) fprintf(s->trace, "    rejected: fails its validator\n");
            reject_value(s, i);
            return;
        }
    }
    accept_value(s, i, m, n);
}

/* Next search position after an empty match at pos: one UTF-8 character on. */
static size_t next_char(const char *v, size_t n, size_t pos)
{
    pos++;
    while (pos < n && ((unsigned char)v[pos] & 0xC0) == 0x80) pos++;
    return pos;
}

/* Run pattern i's value regex over the field (every match when embedded). Returns
 * whether the regex matched at all. */
static bool match_values(pt_scanner *s, size_t i, uint64_t bytes, const char *v, size_t n)
{
    const pt_pattern *p = &s->ps->v[i];
    bool any = false;
    size_t start = 0;
    while (start <= n && n - start >= p->value_facts.min_length) {
        if (pt_regex_run(p->value_re, &p->value_facts, v, n, start, s->md, s->mc) <= 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t ms = ov[0], me = ov[1];
        if (ms > me || me > n) break;   /* \K tricks: give up on this field */
        any = true;
        if (me > ms) judge_match(s, i, bytes, v, ms, me);
        if (p->match == PT_MATCH_FIELD) break;
        start = me > ms ? me : next_char(v, n, ms);   /* always moves forward */
    }
    return any;
}

/* Masked copies the value regex does not match (138****5678): each one is rejected. */
static void count_masked(pt_scanner *s, size_t i, uint64_t bytes, const char *v, size_t n)
{
    const pt_pattern *p = &s->ps->v[i];
    bool field = p->match == PT_MATCH_FIELD;
    if (!pt_mask_admit(&s->cands[i].masked, bytes, v, n, field)) return;
    size_t start = 0;
    while (start < n) {
        if (pt_regex_run(p->masked_re, &p->masked_facts, v, n, start, s->md, s->mc) <= 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t ms = ov[0], me = ov[1];
        if (ms > me || me > n) break;
        if (s->trace)
            fprintf(s->trace, "  %s: masked copy \"%.*s\" (matches /%s/): rejected\n", p->id,
                    (int)(me - ms), v + ms, p->masked_src);
        reject_value(s, i);
        if (field) break;
        start = me > ms ? me : next_char(v, n, ms);
    }
}

/* Has a pattern p yields to claimed the whole field? Then no match of p can count. */
static bool claimed_whole(const pt_scanner *s, const pt_pattern *p, size_t n)
{
    for (size_t k = 0; k < s->n_spans; k++) {
        if (s->spans[k].start != 0 || s->spans[k].end != n) continue;
        for (size_t y = 0; y < p->n_yields_to; y++)
            if ((size_t)p->yields_to[y] == s->spans[k].pattern) return true;
    }
    return false;
}

/* explain only: a requires_header pattern whose key context is missing. */
static void trace_needs_header(pt_scanner *s, const pt_pattern *p, const char *v, size_t n)
{
    if (p->value_re && pcre2_match(p->value_re, (PCRE2_SPTR)v, n, 0, 0, s->md, s->mc) > 0)
        fprintf(s->trace, "  %s: value fits, but the pattern needs a key matching /%s/\n", p->id,
                p->header_src);
}

/* Everything pattern i does with field v[0..n) (bytes: its byte classes). */
static void run_pattern(pt_scanner *s, size_t i, uint64_t bytes, const char *v, size_t n)
{
    const candidate *c = &s->cands[i];
    const pt_pattern *p = &s->ps->v[i];
    if (c->header_only) {   /* any non-empty value of such a column */
        if (s->trace) fprintf(s->trace, "  %s: any value of this key counts\n", p->id);
        accept_value(s, i, v, n);
        push_span(s, i, 0, n);
        return;
    }
    if (c->has_yields && claimed_whole(s, p, n)) {
        if (s->trace)
            fprintf(s->trace, "  %s: skipped: the field is claimed by a pattern it yields to\n", p->id);
        return;
    }
    bool hit = pt_mask_admit(&c->value, bytes, v, n, c->field) && match_values(s, i, bytes, v, n);
    if (!hit && c->has_masked) count_masked(s, i, bytes, v, n);
}

/* explain: every pattern in order, saying why those that need a key are skipped. */
static void trace_field(pt_scanner *s, const key_ctx *ctx, uint64_t bytes, const char *v,
                        size_t n)
{
    for (size_t k = 0; k < s->ps->n; k++) {
        size_t i = s->ps->order[k];
        const pt_pattern *p = &s->ps->v[i];
        bool keyed = ctx->bits && bit_test(ctx->bits, i);
        if (keyed) fprintf(s->trace, "  %s: key matches /%s/\n", p->id, p->header_src);
        if (p->requires_header && !keyed) trace_needs_header(s, p, v, n);
        else run_pattern(s, i, bytes, v, n);
    }
}

static void classify_field(pt_scanner *s, const pt_field *f)
{
    const char *v = f->val;
    size_t n = f->val_len;
    if (!v) return;
    pt_field_trim(&v, &n);
    if (n == 0 || pt_field_placeholder(v, n)) return;
    const key_ctx *ctx = key_context(s, f->key, f->key_len);
    if (n < ctx->min_length) return;   /* too short for every candidate */
    uint64_t bytes = pt_byteclasses_of(&s->classes, v, n);
    s->n_spans = 0;
    if (s->trace) {
        trace_field(s, ctx, bytes, v, n);
        return;
    }
    for (size_t k = 0; k < ctx->n; k++) {
        size_t i = ctx->list[k];
        if (quick_admit(&s->quick, i, bytes, n)) run_pattern(s, i, bytes, v, n);
    }
}

/* ---- the record ---------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void fingerprint(pt_scanner *s, uint64_t fp[2])
{
    qsort(s->elems, s->n_elems, sizeof *s->elems, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < s->n_elems; i++)
        if (m == 0 || s->elems[i] != s->elems[m - 1]) s->elems[m++] = s->elems[i];
    XXH128_hash_t h = XXH3_128bits(s->elems, m * sizeof *s->elems);
    fp[0] = h.low64;
    fp[1] = h.high64;
}

void pt_scanner_classify(pt_scanner *s, const pt_record *rec, pt_record_class *out,
                         uint64_t *matched, uint64_t *rejected)
{
    s->matched = matched;
    s->rejected = rejected;
    s->n_elems = 0;
    s->categories = 0;
    s->piece = false;
    s->best_rank = ~0u;
    s->subject = 0;
    for (size_t i = 0; rec && i < rec->n; i++) classify_field(s, &rec->fields[i]);
    memset(out, 0, sizeof *out);
    out->categories = s->categories;
    out->piece = s->piece;
    out->tier = s->categories ? pt_policy_tier_of_mask(s->pol, s->categories) : -1;
    if (s->piece) fingerprint(s, out->fp);
    out->has_subject = s->best_rank != ~0u;
    out->subject = s->subject;
}
