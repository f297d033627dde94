/* evrecord.c - the records of pieces in a state's evidence section (their layout is in
 * evidence_internal.h): written by a scan (evidence.c) and by a merge, read by a merge
 * (evmerge.c). Unsigned LEB128 varints, as the rest of the state file. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "evidence_internal.h"
#include "../util/varint.h"

void pt_ev_put(pt_evbytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        while (b->cap < b->len + n) b->cap *= 2;
        b->p = pt_xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}

void pt_ev_put_var(pt_evbytes *b, uint64_t v)
{
    uint8_t t[PT_VARINT_MAX];
    size_t n = pt_varint_put(t, v);
    pt_ev_put(b, t, n);
}

void pt_ev_put_u64le(pt_evbytes *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
    pt_ev_put(b, t, 8);
}

void pt_ev_put_rejected(pt_evbytes *b, const pt_rejected_event *e)
{
    pt_ev_put_var(b, e->input);
    pt_ev_put_var(b, e->pattern);
    pt_ev_put_var(b, e->offset);
    pt_ev_put_var(b, e->line);
    pt_ev_put(b, &e->reason, 1);
    size_t n = strlen(e->value);
    pt_ev_put_var(b, n);
    pt_ev_put(b, e->value, n);
}

bool pt_ev_get_var(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return true;
    }
    return false;
}

static uint64_t get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static size_t var_size(uint64_t v)
{
    size_t n = 1;
    while (v >>= 7) n++;
    return n;
}

/* Written straight into b, its length first: the size is counted before (a record a
 * listed piece, millions of them: no buffer of its own, no second copy). */
void pt_ev_put_record(pt_evbytes *b, const pt_piece_event *e, const uint64_t enc[2])
{
    size_t body = 16 + var_size(e->input) + var_size(e->offset) + var_size(e->line) +
                  var_size(e->categories) + 1 + var_size(e->n_matches);
    for (size_t i = 0; i < e->n_matches; i++)
        body += var_size(e->matches[i].pattern) + var_size(e->matches[i].len) + e->matches[i].len;
    pt_ev_put_var(b, body);
    size_t start = b->len;
    pt_ev_put_u64le(b, enc[0]);
    pt_ev_put_u64le(b, enc[1]);
    pt_ev_put_var(b, e->input);
    pt_ev_put_var(b, e->offset);
    pt_ev_put_var(b, e->line);
    pt_ev_put_var(b, e->categories);
    uint8_t tier = (uint8_t)e->tier;
    pt_ev_put(b, &tier, 1);
    pt_ev_put_var(b, e->n_matches);
    for (size_t i = 0; i < e->n_matches; i++) {
        pt_ev_put_var(b, e->matches[i].pattern);
        pt_ev_put_var(b, e->matches[i].len);
        pt_ev_put(b, e->matches[i].value, e->matches[i].len);
    }
    if (b->len - start != body) abort();   /* the count above and the writes disagree */
}

bool pt_ev_get_record(const uint8_t *p, size_t n, size_t n_patterns, pt_evrecord *out)
{
    const uint8_t *end = p + n;
    pt_piece_event *e = &out->e;
    *e = (pt_piece_event){0};
    if (n < 17) return false;
    e->fp[0] = get_u64le(p);
    e->fp[1] = get_u64le(p + 8);
    p += 16;
    uint64_t input, m;
    if (!pt_ev_get_var(&p, end, &input) || input > UINT32_MAX || !pt_ev_get_var(&p, end, &e->offset) ||
        !pt_ev_get_var(&p, end, &e->line) || !pt_ev_get_var(&p, end, &e->categories) || p >= end)
        return false;
    e->input = (uint32_t)input;
    e->tier = *p++;
    if (e->tier >= PT_MAX_TIERS || !pt_ev_get_var(&p, end, &m) || m > n) return false;
    if (m > out->cap) {
        out->cap = m;
        out->matches = pt_xrealloc(out->matches, m * sizeof *out->matches);
    }
    for (size_t i = 0; i < m; i++) {
        uint64_t pattern, len;
        if (!pt_ev_get_var(&p, end, &pattern) || pattern >= n_patterns ||
            !pt_ev_get_var(&p, end, &len) || len > (size_t)(end - p))
            return false;
        out->matches[i] = (pt_match){(uint32_t)pattern, (const char *)p, (size_t)len};
        p += len;
    }
    e->matches = out->matches;
    e->n_matches = (size_t)m;
    e->new_in_run = e->new_in_input = true;
    return p == end;
}

uint64_t pt_ev_draw_key(const uint64_t enc[2], uint64_t seed)
{
    uint8_t block[16];
    memcpy(block, enc, 16);
    return XXH3_64bits_withSeed(block, sizeof block, seed);
}
