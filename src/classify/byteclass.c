/* byteclass.c - partition the 256 byte values into at most 64 classes that the
 * prefilter facts of a pattern set can tell apart (see classify_internal.h).
 *
 * Partition refinement: start with one class; every byte set a fact mentions splits
 * each class into its members and non-members. A set that would need more than 64
 * classes is left out of the refinement; its mask then covers whole classes that
 * only partly belong to it, which admits more fields, never fewer: still sound. */
#include "classify_internal.h"

#include <string.h>

static bool in_set(const uint64_t set[4], unsigned c) { return (set[c >> 6] >> (c & 63)) & 1; }

static void refine(pt_byteclasses *bc, unsigned *n_classes, const uint64_t set[4])
{
    int remap[64][2];
    memset(remap, -1, sizeof remap);
    uint8_t next_cls[256];
    unsigned next = 0;
    for (unsigned c = 0; c < 256; c++) {
        int *slot = &remap[bc->cls[c]][in_set(set, c)];
        if (*slot < 0) {
            if (next == 64) return;   /* too fine: keep the coarser partition */
            *slot = (int)next++;
        }
        next_cls[c] = (uint8_t)*slot;
    }
    memcpy(bc->cls, next_cls, sizeof next_cls);
    *n_classes = next;
}

static void refine_facts(pt_byteclasses *bc, unsigned *n, const pt_regex_facts *f)
{
    if (f->has_first) refine(bc, n, f->first);
    if (f->has_required) refine(bc, n, f->required);
    if (f->has_required2) refine(bc, n, f->required2);
    for (unsigned k = 0; k < f->n_must; k++) {
        uint64_t one[4] = {0, 0, 0, 0};
        one[f->must[k] >> 6] |= (uint64_t)1 << (f->must[k] & 63);
        refine(bc, n, one);
    }
}

/* The token sets of a value regex (see pt_token_facts): its bytes, and those of them
 * that also block a match on both sides (a field made only of these is one token). */
static void refine_tokens(pt_byteclasses *bc, unsigned *n, const char *src)
{
    pt_token_facts t;
    pt_source_token_facts(src, &t);
    if (!t.ok) return;
    refine(bc, n, t.set);
    uint64_t both[4];
    for (int w = 0; w < 4; w++) both[w] = t.set[w] & t.before[w] & t.after[w];
    if (both[0] | both[1]) refine(bc, n, both);
    uint64_t leads[4] = {0, 0, 0, t.set[3] & 0xFFFFFFFF00000000ull};   /* bytes C0-FF */
    if (leads[3]) refine(bc, n, leads);
}

void pt_byteclasses_build(pt_byteclasses *bc, const pt_patterns *ps)
{
    memset(bc->cls, 0, sizeof bc->cls);
    unsigned n = 1;
    /* ASCII apart from the rest, so that a mask tells whether a field is ASCII */
    const uint64_t ascii[4] = {~(uint64_t)0, ~(uint64_t)0, 0, 0};
    refine(bc, &n, ascii);
    /* must bytes and required sets first: they are the most selective */
    for (size_t i = 0; i < ps->n; i++) {
        pt_regex_facts v = ps->v[i].fast->value_facts, m = ps->v[i].fast->masked_facts;
        v.has_first = m.has_first = false;
        refine_facts(bc, &n, &v);
        refine_facts(bc, &n, &m);
    }
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].value_src) refine_tokens(bc, &n, ps->v[i].value_src);
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->v[i].fast->value_facts.has_first) refine(bc, &n, ps->v[i].fast->value_facts.first);
        if (ps->v[i].fast->masked_facts.has_first) refine(bc, &n, ps->v[i].fast->masked_facts.first);
    }
}

static uint64_t mask_of(const pt_byteclasses *bc, const uint64_t set[4])
{
    uint64_t m = 0;
    for (unsigned c = 0; c < 256; c++)
        if (in_set(set, c)) m |= (uint64_t)1 << bc->cls[c];
    return m;
}

uint64_t pt_byteclasses_outer(const pt_byteclasses *bc, const uint64_t set[4])
{
    return mask_of(bc, set);
}

uint64_t pt_byteclasses_inner(const pt_byteclasses *bc, const uint64_t set[4])
{
    uint64_t out = 0;
    for (unsigned c = 0; c < 256; c++)
        if (!in_set(set, c)) out |= (uint64_t)1 << bc->cls[c];
    return mask_of(bc, set) & ~out;
}

void pt_mask_facts_of(const pt_byteclasses *bc, const pt_regex_facts *f, pt_mask_facts *out)
{
    memset(out, 0, sizeof *out);
    out->min_length = f->min_length;
    out->has_first = f->has_first;
    memcpy(out->first_bits, f->first, sizeof out->first_bits);
    out->has_run = f->has_run;
    out->run_min = f->run_min;
    memcpy(out->run_set, f->run_set, sizeof out->run_set);
    out->first = f->has_first ? mask_of(bc, f->first) : 0;
    out->required = f->has_required ? mask_of(bc, f->required) : 0;
    out->required2 = f->has_required2 ? mask_of(bc, f->required2) : 0;
    out->must = 0;
    for (unsigned k = 0; k < f->n_must; k++) out->must |= (uint64_t)1 << bc->cls[f->must[k]];
}
