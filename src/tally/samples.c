/* samples.c - the first few accepted values of each pattern, masked, by position
 * (see pitally/samples.h). Lists are tiny (PT_SAMPLES_PER_PATTERN), so they are kept
 * sorted by insertion. */
#include "pitally/samples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pt_samples_init(pt_samples *s, size_t n_patterns)
{
    pt_samples_init_per(s, n_patterns, PT_SAMPLES_PER_PATTERN);
}

void pt_samples_init_per(pt_samples *s, size_t n_patterns, uint8_t per)
{
    s->n_patterns = n_patterns;
    s->per = per;
    s->v = pt_xcalloc((n_patterns ? n_patterns : 1) * per, sizeof *s->v);
    s->count = pt_xcalloc(n_patterns ? n_patterns : 1, sizeof *s->count);
}

void pt_samples_free(pt_samples *s)
{
    free(s->v);
    free(s->count);
    memset(s, 0, sizeof *s);
}

void pt_samples_add(pt_samples *s, size_t p, uint32_t input, uint64_t offset, const char *masked)
{
    pt_samples_add_line(s, p, input, offset, 0, masked);
}

pt_sample *pt_samples_add_line(pt_samples *s, size_t p, uint32_t input, uint64_t offset,
                               uint64_t line, const char *masked)
{
    if (!pt_samples_wants(s, p, input, offset)) return NULL;
    pt_sample *list = &s->v[p * s->per];
    size_t n = s->count[p], at = 0;
    while (at < n && !pt_sample_before(input, offset, &list[at])) {
        if (list[at].input == input && list[at].offset == offset) return NULL;   /* same record */
        at++;
    }
    if (n == s->per) n--;                  /* the last one falls off */
    memmove(&list[at + 1], &list[at], (n - at) * sizeof *list);
    list[at].input = input;
    list[at].offset = offset;
    list[at].line = line;
    list[at].reason = PT_REJECT_NONE;
    snprintf(list[at].value, sizeof list[at].value, "%s", masked);
    s->count[p] = (uint8_t)(n + 1);
    return &list[at];
}

void pt_samples_merge(pt_samples *dst, const pt_samples *src)
{
    for (size_t p = 0; p < src->n_patterns && p < dst->n_patterns; p++)
        for (size_t i = 0; i < src->count[p]; i++) {
            const pt_sample *x = &src->v[p * src->per + i];
            pt_sample *kept = pt_samples_add_line(dst, p, x->input, x->offset, x->line, x->value);
            if (kept) kept->reason = x->reason;
        }
}

static int by_position(const void *a, const void *b)
{
    const pt_sample *x = a, *y = b;
    return pt_sample_before(x->input, x->offset, y) ? -1
           : pt_sample_before(y->input, y->offset, x) ? 1 : 0;
}

void pt_samples_renumber(pt_samples *s, const uint32_t *new_index)
{
    for (size_t p = 0; p < s->n_patterns; p++) {
        pt_sample *list = &s->v[p * s->per];
        for (size_t i = 0; i < s->count[p]; i++) list[i].input = new_index[list[i].input];
        if (s->count[p] > 1) qsort(list, s->count[p], sizeof *list, by_position);
    }
}

size_t pt_samples_of(const pt_samples *s, size_t p, const pt_sample **out)
{
    if (p >= s->n_patterns) return 0;
    *out = &s->v[p * s->per];
    return s->count[p];
}

/* Length of the UTF-8 character starting at v[i] (1 for a stray byte). */
static size_t char_len(const char *v, size_t n, size_t i)
{
    unsigned char c = (unsigned char)v[i];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return i + len <= n ? len : n - i;
}

void pt_mask_value(const char *v, size_t n, unsigned head, unsigned tail, char *out, size_t cap)
{
    if (cap == 0) return;
    size_t chars = 0;
    for (size_t i = 0; i < n; i += char_len(v, n, i)) chars++;
    /* a value too short to hide anything between head and tail: keep fewer */
    while (chars && head + tail >= chars) {
        if (tail) tail--;
        else head--;
    }
    size_t o = 0, i = 0;
    for (size_t c = 0; c < chars; c++) {
        size_t len = char_len(v, n, i);
        bool keep = c < head || c >= chars - tail;
        if (keep && o + len < cap) {
            memcpy(out + o, v + i, len);
            o += len;
        } else if (!keep && c - head < 8 && o + 1 < cap) {
            out[o++] = '*';
        }
        i += len;
    }
    out[o] = '\0';
}
