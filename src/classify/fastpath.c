/* fastpath.c - token checks, the literal index, the byte scans that stand in for a few
 * field-mode regexes, the sort of a record's value hashes, and the shape cache of the
 * scanner (see fastpath.h and classify_internal.h for what they decide and why that is
 * sound).
 */
#include "fastpath.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

/* ---- token checks ------------------------------------------------------------------- */

void pt_token_check_build(pt_token_check *tc, const char *value_src, const pt_regex_facts *f,
                          const pt_byteclasses *bc)
{
    memset(tc, 0, sizeof *tc);
    pt_token_facts t;
    pt_source_token_facts(value_src, &t);
    if (!t.ok) return;
    tc->ok = true;
    tc->min = t.min;
    tc->max_chars = t.max_chars;
    tc->max_bytes = t.max_bytes;
    tc->bounded = t.max_chars != UINT32_MAX;
    uint64_t whole[4];
    for (int w = 0; w < 4; w++) whole[w] = t.set[w] & t.before[w] & t.after[w];
    tc->in_outer = pt_byteclasses_outer(bc, t.set);
    tc->whole_inner = pt_byteclasses_inner(bc, whole);
    uint64_t leads[4] = {0, 0, 0, t.set[3] & 0xFFFFFFFF00000000ull};   /* bytes C0-FF */
    tc->lead_outer = pt_byteclasses_outer(bc, leads);
    for (unsigned c = 0; c < 256; c++) {
        uint8_t flags = 0;
        if (pt_bits_has(t.set, (unsigned char)c)) flags |= PT_TOK_IN;
        if (pt_bits_has(t.before, (unsigned char)c)) flags |= PT_TOK_BEFORE;
        if (pt_bits_has(t.after, (unsigned char)c)) flags |= PT_TOK_AFTER;
        if (!f->has_first || pt_bits_has(f->first, (unsigned char)c)) flags |= PT_TOK_FIRST;
        tc->tab[c] = flags;
        tc->tab_ascii[c] = c < 0x80 ? flags : (uint8_t)(flags & ~PT_TOK_IN);
    }
}

/* Within the maximal run s[r0..r1) of set bytes: a start a (a first byte, the byte
 * before not blocking) and an end b (the byte after not blocking) with
 * min <= b - a <= max. */
static bool run_admits(const pt_token_check *tc, const uint8_t *tab, const uint8_t *s, size_t n,
                       size_t r0, size_t r1, bool ascii)
{
    size_t max = tc->max_chars, min = tc->min;
    for (size_t k = r0; !ascii && k < r1; k++)
        if (s[k] >= 0x80) {   /* a character may be several bytes */
            max = tc->max_bytes;
            break;
        }
    /* Ends are walked once: for a growing start, the first valid end at least min bytes
     * on is the best one. Where every byte blocks both ways (digits around an ID) the
     * first start is the only one: every later one follows a blocking byte. */
    size_t b = r0 + min;
    for (size_t a = r0; a + min <= r1; a++) {
        if (!(tab[s[a]] & PT_TOK_FIRST)) continue;
        if (a > 0 && (tab[s[a - 1]] & PT_TOK_BEFORE)) continue;
        if (b < a + min) b = a + min;
        while (b < r1 && (tab[s[b]] & PT_TOK_AFTER)) b++;
        if (b == r1 && b < n && (tab[s[b]] & PT_TOK_AFTER)) return false;   /* no end left */
        if (b - a <= max) return true;
    }
    return false;
}

bool pt_token_scan(const pt_token_check *tc, const char *str, size_t n, size_t from, size_t to,
                   bool ascii)
{
    const uint8_t *s = (const uint8_t *)str;
    const uint8_t *tab = ascii ? tc->tab_ascii : tc->tab;
    size_t min = tc->min;
    if (min == 0) return true;
    size_t end = from + min - 1;   /* candidate byte inside a long enough run */
    while (end < to) {
        if (!(tab[s[end]] & PT_TOK_IN)) {
            end += min;   /* no run of min bytes goes through s[end] */
            continue;
        }
        size_t r0 = end, r1 = end + 1;
        while (r0 > from && (tab[s[r0 - 1]] & PT_TOK_IN)) r0--;
        while (r1 < to && (tab[s[r1]] & PT_TOK_IN)) r1++;
        if (r1 - r0 >= min && run_admits(tc, tab, s, n, r0, r1, ascii)) return true;
        end = r1 + min;   /* s[r1] is outside the set (or the end) */
    }
    return false;
}

void pt_token_runs(const uint8_t bytes[256], size_t min, const char *str, size_t n,
                   pt_token_runs_found *out)
{
    const uint8_t *s = (const uint8_t *)str;
    out->longest = 0;
    out->from = n;
    out->to = 0;
    if (min == 0) return;
    size_t end = min - 1;
    while (end < n) {
        if (!bytes[s[end]]) {
            end += min;
            continue;
        }
        size_t r0 = end, r1 = end + 1;
        while (r0 > 0 && bytes[s[r0 - 1]]) r0--;
        while (r1 < n && bytes[s[r1]]) r1++;
        if (r1 - r0 >= min) {
            if (r1 - r0 > out->longest) out->longest = r1 - r0;
            if (r0 < out->from) out->from = r0;
            out->to = r1;
        }
        end = r1 + min;
    }
}

/* ---- required literals -------------------------------------------------------------- */

static unsigned hash3(const unsigned char *p)
{
    return ((unsigned)p[0] * 0x9E37u ^ (unsigned)p[1] * 0x7F4Bu ^ (unsigned)p[2] * 0x2545u) & 0xFFFFu;
}

static void bit_set(uint64_t *bits, unsigned b) { bits[b >> 6] |= (uint64_t)1 << (b & 63); }
static bool bit_has(const uint64_t *bits, unsigned b) { return (bits[b >> 6] >> (b & 63)) & 1; }

/* The code point of the 3-byte character at s[0..n), or -1 when there is none. */
static int char3_at(const unsigned char *s, size_t n)
{
    if (n < 3 || s[0] < 0xE0 || s[0] >= 0xF0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return -1;
    return (int)((s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu));
}

int pt_literal_index_add(pt_literal_index *x, const char *s, size_t n)
{
    if (n < 2 || n > PT_LIT_LEN) return -1;
    for (size_t k = 0; k < x->n; k++)
        if (x->len[k] == n && memcmp(x->s[k], s, n) == 0) return (int)k;
    if (x->n == PT_LIT_INDEX_MAX) return -1;
    memcpy(x->s[x->n], s, n);
    x->len[x->n] = (uint8_t)n;
    const unsigned char *u = (const unsigned char *)s;
    int cp = char3_at(u, n);
    unsigned kind = cp >= 0 ? PT_LIT_CP : n == 2 ? PT_LIT_PAIR : PT_LIT_HASH3;
    unsigned key = kind == PT_LIT_CP ? (unsigned)cp : kind == PT_LIT_PAIR ? u[0] | (unsigned)u[1] << 8 : hash3(u);
    bit_set(kind == PT_LIT_CP ? x->first_cp : kind == PT_LIT_PAIR ? x->prefix2 : x->prefix3, key);
    if (kind == PT_LIT_CP) bit_set(x->first_cp_fold, key & 1023u);
    if (kind != PT_LIT_CP) x->starts[u[0]] |= (uint8_t)(kind == PT_LIT_PAIR ? 2 : 1);
    for (unsigned c = 0; c < 256; c++)
        x->stop[c] = (uint8_t)(x->starts[c] | (c - 0xE0u < 0x10u ? 4 : 0));
    x->kind[x->n] = (uint8_t)kind;
    x->key[x->n] = (uint16_t)key;
    x->next[x->n] = x->head[key % 1024];
    x->head[key % 1024] = (uint16_t)(x->n + 1);
    return (int)x->n++;
}

/* Mark every literal of key and kind that occurs at s[0..left). */
static void literals_at(const pt_literal_index *x, unsigned key, unsigned kind,
                        const unsigned char *s, size_t left, uint64_t found[4])
{
    for (unsigned e = x->head[key % 1024]; e; e = x->next[e - 1]) {
        size_t id = e - 1, len = x->len[id];
        if (x->key[id] != key || x->kind[id] != kind || len > left) continue;
        size_t k = 0;
        while (k < len && (unsigned char)x->s[id][k] == s[k]) k++;
        if (k == len) found[id >> 6] |= (uint64_t)1 << (id & 63);
    }
}

/* Does a PT_LIT_CP literal start with code point hi << 6 | lo? The fold first: its two
 * lines stay in L1, where the Han characters of a record would pull a line of first_cp
 * each (2.6 KiB of them over the Han block). */
static inline bool cp_may_start(const pt_literal_index *x, unsigned hi, unsigned lo)
{
    return ((x->first_cp_fold[hi & 15u] >> lo) & 1) && ((x->first_cp[hi] >> lo) & 1);
}

void pt_literal_index_find(const pt_literal_index *x, const char *v, size_t n, uint64_t found[4])
{
    const unsigned char *s = (const unsigned char *)v;
    found[0] = found[1] = found[2] = found[3] = 0;
    size_t i = 0;
    while (i + 1 < n) {
        unsigned c = s[i], stop = x->stop[c];
        if (!stop) {   /* most ASCII bytes: no literal starts here */
            i++;
            continue;
        }
        if ((stop & 4) && i + 2 < n) {
            unsigned c1 = s[i + 1] ^ 0x80u, c2 = s[i + 2] ^ 0x80u;
            if ((c1 | c2) < 0x40u) {
                /* a whole 3-byte character (Han): only a PT_LIT_CP literal can start
                 * here, none inside it; cp >> 6 picks the word of first_cp */
                unsigned hi = (c & 0x0Fu) << 6 | c1;
                if (cp_may_start(x, hi, c2))
                    literals_at(x, hi << 6 | c2, PT_LIT_CP, s + i, n - i, found);
                i += 3;
                /* Han text runs on: the next character's lead byte, with no table */
                while (i + 2 < n && s[i] - 0xE0u < 0x10u) {
                    c = s[i];
                    c1 = s[i + 1] ^ 0x80u;
                    c2 = s[i + 2] ^ 0x80u;
                    if ((c1 | c2) >= 0x40u) break;
                    hi = (c & 0x0Fu) << 6 | c1;
                    if (cp_may_start(x, hi, c2))
                        literals_at(x, hi << 6 | c2, PT_LIT_CP, s + i, n - i, found);
                    i += 3;
                }
                continue;
            }
        }
        unsigned starts = x->starts[c];   /* never a continuation byte: literals are whole characters */
        if (starts) {
            if ((starts & 1) && i + 2 < n) {
                unsigned h = hash3(s + i);
                if (bit_has(x->prefix3, h)) literals_at(x, h, PT_LIT_HASH3, s + i, n - i, found);
            }
            unsigned pair = c | (unsigned)s[i + 1] << 8;
            if ((starts & 2) && bit_has(x->prefix2, pair))
                literals_at(x, pair, PT_LIT_PAIR, s + i, n - i, found);
        }
        i++;
    }
}

/* ---- byte scans for field-mode regexes ---------------------------------------------- *
 * A value regex run on every field of a column costs a PCRE2 call (the JIT's entry, the
 * match data, the compiled code's header: a few cache lines each time) for what a few
 * compares decide. These scans answer exactly what the regex answers, anchored at both
 * ends (field mode), on ASCII fields, where \d is [0-9]; tests/unit/test_fastpath.c
 * compares each with PCRE2 on crafted and random fields. */

static size_t digit_run(const char *v, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && (unsigned char)(v[k] - '0') < 10) k++;
    return k - i;
}

/* [-+]?\d{1,15}(?:\.\d{1,4})?|[-+]?\d{1,3}(?:,\d{3})+(?:\.\d{1,4})? : an amount, plain
 * or with thousands separators. After the sign and the first digits, a comma leaves only
 * the second alternative (the first allows no comma), anything else only the first (the
 * second needs a comma there); neither can give back digits to make another split. */
static bool scan_amount(const char *v, size_t n)
{
    size_t i = n && (v[0] == '-' || v[0] == '+');
    size_t d = digit_run(v, n, i);
    if (d == 0) return false;
    size_t j = i + d;
    if (j < n && v[j] == ',') {
        if (d > 3) return false;
        while (j < n && v[j] == ',') {
            if (digit_run(v, n, j + 1) != 3) return false;   /* exactly 3, then no digit */
            j += 4;
        }
    } else if (d > 15) {
        return false;
    }
    if (j == n) return true;
    if (v[j] != '.') return false;
    size_t f = digit_run(v, n, j + 1);
    return f >= 1 && f <= 4 && j + 1 + f == n;
}

static const struct {
    const char *src;
    bool (*scan)(const char *v, size_t n);
} field_scanners[] = {
    {"[-+]?\\d{1,15}(?:\\.\\d{1,4})?|[-+]?\\d{1,3}(?:,\\d{3})+(?:\\.\\d{1,4})?", scan_amount},
};

bool (*pt_field_scanner_for(const char *src))(const char *v, size_t n)
{
    for (size_t k = 0; src && k < sizeof field_scanners / sizeof field_scanners[0]; k++)
        if (strcmp(field_scanners[k].src, src) == 0) return field_scanners[k].scan;
    return NULL;
}

/* ---- a record's value hashes, sorted and distinct ----------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Insertion sort (qsort past 32 values) and a pass that drops repeats. */
static size_t sort_distinct_scalar(uint64_t *v, size_t n)
{
    if (n > 32) {
        qsort(v, n, sizeof *v, cmp_u64);
    } else if (n >= 2) {
        size_t least = 0;   /* first, so that it ends every shift: no bound in the inner loop */
        for (size_t i = 1; i < n; i++)
            if (v[i] < v[least]) least = i;
        uint64_t t = v[0];
        v[0] = v[least];
        v[least] = t;
        for (size_t i = 2; i < n; i++) {
            uint64_t x = v[i];
            size_t j = i;
            for (; v[j - 1] > x; j--) v[j] = v[j - 1];
            v[j] = x;
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || v[i] != v[m - 1]) v[m++] = v[i];
    return m;
}

/* Lanes v[from..from + 4) of v[0..n), 0 past n: a masked load reads nothing there (and
 * a load wholly past n is made from v itself, with no lane read). */
__attribute__((target("avx2"), always_inline)) static inline __m256i lanes_avx2(const uint64_t *v,
                                                                               size_t n, size_t from)
{
    __m256i at = _mm256_setr_epi64x((long long)from, (long long)from + 1, (long long)from + 2,
                                    (long long)from + 3);
    __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), at);
    return _mm256_maskload_epi64((const long long *)(v + (from < n ? from : 0)), mask);
}

/* c lane j: how many of vals[0..n) are below lane j of x (a compare is -1 where true),
 * in the first nq vectors (a constant: the unused ones vanish). */
#define COUNT_BELOW_AVX2(nq)                                                                   \
    for (size_t k = 0; k < n; k++) {                                                           \
        __m256i b = _mm256_set1_epi64x((long long)(vals[k] ^ top));                             \
        c0 = _mm256_sub_epi64(c0, _mm256_cmpgt_epi64(x0, b));                                  \
        c1 = _mm256_sub_epi64(c1, _mm256_cmpgt_epi64(x1, b));                                  \
        c2 = _mm256_sub_epi64(c2, _mm256_cmpgt_epi64(x2, b));                                  \
        if ((nq) > 3) c3 = _mm256_sub_epi64(c3, _mm256_cmpgt_epi64(x3, b));                    \
    }

/* n <= PT_SORT_VECTOR_MAX (16): each value goes to its rank, the number of values below
 * it, and a bit marks the rank taken; equal values share one, so the bits in order are
 * the distinct values in order (when every bit is taken, the values were distinct and
 * are in place). The values are hashes, so each compare of the insertion sort was a coin
 * toss and its shifts cost a mispredicted branch a value (about 10 a record); here the
 * n * n compares are 4 a vector instruction (signed compares of values with the top bit
 * flipped order them as unsigned). */
__attribute__((target("avx2"))) static size_t sort_distinct_avx2(uint64_t *v, size_t n)
{
    const uint64_t top = (uint64_t)1 << 63;
    const __m256i flip = _mm256_set1_epi64x((long long)top);
    uint64_t vals[16], rank[16];
    __m256i a0 = lanes_avx2(v, n, 0), a1 = lanes_avx2(v, n, 4);
    __m256i a2 = lanes_avx2(v, n, 8), a3 = lanes_avx2(v, n, 12);
    _mm256_storeu_si256((__m256i *)vals, a0);
    _mm256_storeu_si256((__m256i *)(vals + 4), a1);
    _mm256_storeu_si256((__m256i *)(vals + 8), a2);
    _mm256_storeu_si256((__m256i *)(vals + 12), a3);
    __m256i x0 = _mm256_xor_si256(a0, flip), x1 = _mm256_xor_si256(a1, flip);
    __m256i x2 = _mm256_xor_si256(a2, flip), x3 = _mm256_xor_si256(a3, flip);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    if (n <= 12) {   /* a record's dozen values: three vectors */
        COUNT_BELOW_AVX2(3)
    } else {
        COUNT_BELOW_AVX2(4)
    }
    _mm256_storeu_si256((__m256i *)rank, c0);
    _mm256_storeu_si256((__m256i *)(rank + 4), c1);
    _mm256_storeu_si256((__m256i *)(rank + 8), c2);
    _mm256_storeu_si256((__m256i *)(rank + 12), c3);
    uint32_t taken = 0;
    for (size_t i = 0; i < n; i++) {
        v[rank[i]] = vals[i];
        taken |= (uint32_t)1 << rank[i];
    }
    if (taken == ((uint32_t)1 << n) - 1) return n;
    size_t m = 0;   /* m never passes the rank it reads: compacted in place */
    for (; taken; taken &= taken - 1) v[m++] = v[__builtin_ctz(taken)];
    return m;
}

bool pt_sort_vector_supported(void) { return __builtin_cpu_supports("avx2"); }

size_t pt_sort_distinct(uint64_t *v, size_t n, bool vector)
{
    if (vector && n <= PT_SORT_VECTOR_MAX) return sort_distinct_avx2(v, n);
    return sort_distinct_scalar(v, n);
}

/* ---- the shape cache ---------------------------------------------------------------- */

#define LIST_INDEX_SLOTS (2 * PT_SHAPE_LISTS_MAX)

void pt_shape_cache_init(pt_shape_cache *c, size_t n_slots, size_t max_slots,
                         size_t max_items_per_shape)
{
    memset(c, 0, sizeof *c);
    c->n_slots = n_slots;
    c->max_slots = max_slots > n_slots ? max_slots : n_slots;
    c->slots = pt_xcalloc(c->n_slots, sizeof *c->slots);
    c->list_index = pt_xcalloc(LIST_INDEX_SLOTS, sizeof *c->list_index);
    size_t words = 4 * (max_items_per_shape + 1);
    c->cap_items = words < 1024 ? 1024 : words < PT_SHAPE_ITEMS_MAX ? words : PT_SHAPE_ITEMS_MAX;
    c->items = pt_xmalloc(c->cap_items * sizeof *c->items);   /* written before read */
}

void pt_shape_cache_free(pt_shape_cache *c)
{
    free(c->slots);
    free(c->list_index);
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* Twice the slots, each shape moved to its place in them (its list stays where it is). */
static void grow_slots(pt_shape_cache *c)
{
    size_t n = c->n_slots * 2;
    pt_shape_slot *slots = pt_xcalloc(n, sizeof *slots);
    for (size_t k = 0; k < c->n_slots; k++) {
        const pt_shape_slot *s = &c->slots[k];
        if (s->ctx == 0) continue;
        size_t i = pt_shape_hash(s->ctx, s->mask, s->len, n);
        while (slots[i].ctx) i = (i + 1) & (n - 1);
        slots[i] = *s;
    }
    free(c->slots);
    c->slots = slots;
    c->n_slots = n;
}

static void clear_slots(pt_shape_cache *c)
{
    memset(c->slots, 0, c->n_slots * sizeof *c->slots);
    c->used = 0;
}

/* Lists are short (a field's candidates): a rotate and xor an item, one multiply. */
static size_t list_hash(const uint32_t *v, size_t n)
{
    uint64_t h = n;
    for (size_t k = 0; k < n; k++) h = (h << 7 | h >> 57) ^ v[k];
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 40) & (LIST_INDEX_SLOTS - 1);
}

/* Where the list v[0..n) starts in items, or -1 (then *slot is where its index entry
 * goes). */
static long find_list(const pt_shape_cache *c, const uint32_t *v, size_t n, size_t *slot)
{
    size_t i = list_hash(v, n);
    for (;; i = (i + 1) & (LIST_INDEX_SLOTS - 1)) {
        uint16_t e = c->list_index[i];
        if (e == 0) break;
        const uint32_t *list = c->items + (e - 1);
        if (list[0] == n && memcmp(list + 1, v, n * sizeof *v) == 0) return e - 1;
    }
    *slot = i;
    return -1;
}

/* Room for a list of n items: false when the lists are at their limit. */
static bool list_room(pt_shape_cache *c, size_t n)
{
    size_t need = c->n_items + 1 + n;
    if (c->n_lists == PT_SHAPE_LISTS_MAX || need > PT_SHAPE_ITEMS_MAX) return false;
    if (need > c->cap_items) {   /* slots name their lists by offset: still valid */
        c->cap_items = c->cap_items * 2 > need ? c->cap_items * 2 : need;
        if (c->cap_items > PT_SHAPE_ITEMS_MAX) c->cap_items = PT_SHAPE_ITEMS_MAX;
        c->items = pt_xrealloc(c->items, c->cap_items * sizeof *c->items);
    }
    return true;
}

static size_t add_list(pt_shape_cache *c, size_t slot, const uint32_t *v, size_t n)
{
    size_t at = c->n_items;
    c->items[at] = (uint32_t)n;
    if (n) memcpy(c->items + at + 1, v, n * sizeof *v);
    c->n_items += 1 + n;
    c->n_lists++;
    c->list_index[slot] = (uint16_t)(at + 1);
    return at;
}

const uint32_t *pt_shape_add(pt_shape_cache *c, size_t slot, uint32_t ctx, uint64_t mask,
                             uint32_t len, const uint32_t *items, size_t n)
{
    if (c->used + 1 > c->n_slots / 4 * 3) {
        if (c->n_slots < c->max_slots) grow_slots(c);
        else clear_slots(c);   /* the lists stay: the next shapes mostly have them */
        pt_shape_find(c, ctx, mask, len, &slot);   /* its slot in the new or cleared table */
    }
    size_t index_slot = 0;
    long at = find_list(c, items, n, &index_slot);
    if (at < 0) {
        if (!list_room(c, n)) {   /* every list goes, and the slots naming them */
            clear_slots(c);
            memset(c->list_index, 0, LIST_INDEX_SLOTS * sizeof *c->list_index);
            c->n_lists = c->n_items = 0;
            pt_shape_find(c, ctx, mask, len, &slot);
            find_list(c, items, n, &index_slot);
            if (!list_room(c, n)) return items;   /* longer than every list may be: not kept */
        }
        at = (long)add_list(c, index_slot, items, n);
    }
    c->slots[slot] = (pt_shape_slot){mask, len, (uint16_t)ctx, (uint16_t)at};
    c->used++;
    return c->items + at + 1;
}
