/* fastpath.h - what lets the scanner decide, for most (field, pattern) pairs, that the
 * regex cannot match without calling PCRE2 (src/classify only).
 *
 * Three pieces, all derived from the compiled pattern set (never from pattern ids):
 *  - token checks: the token facts of a value regex (pt_token_facts: the bytes a match is
 *    made of, its length bounds, the bytes that may not touch it) compiled into a byte
 *    table. A field made only of bytes that are in the set and block on both sides (an
 *    all-digit field for a resident-ID regex) can only hold a match spanning all of it:
 *    its length and first byte decide. Other fields are checked by walking their runs of
 *    set bytes (pt_token_scan), which rejects, say, a 19-digit card number for the
 *    18-character ID regex or an order number "DD2024..." for the mobile regex.
 *  - required literals: strings one of which every match contains (the label "身份证号"
 *    of a "label: \K value" pattern); one walk of a field finds which of them it holds
 *    (pt_literal_index), so a label pattern costs a bit test on fields without its label.
 *  - the shape cache: per key context, the candidates that the static facts (byte
 *    classes, length, first byte) admit for a field shape, and what is left to check at
 *    run time. Columns of a dump are uniform, so a handful of shapes per column cover
 *    most fields and the per-field work is one hash probe; a second cache keyed on a
 *    coarse view (all letters alike, all Han alike) makes the misses cheap.
 * Every check is an over-approximation of the regex: it may admit a field the regex does
 * not match (PCRE2 then says no), never the reverse. tests/unit/test_fastpath.c compares
 * them with PCRE2 on generated fields.
 */
#ifndef PITALLY_FASTPATH_H
#define PITALLY_FASTPATH_H

#include "classify_internal.h"

/* per-byte flags of a token check */
enum { PT_TOK_IN = 1, PT_TOK_BEFORE = 2, PT_TOK_AFTER = 4, PT_TOK_FIRST = 8 };

typedef struct {
    bool ok;              /* the regex has token facts */
    bool bounded;         /* max_chars is finite: walking runs can reject by length */
    uint32_t min, max_chars, max_bytes;
    uint64_t in_outer;    /* byte classes with a byte of the set */
    uint64_t whole_inner; /* classes all of whose bytes are in the set and block both sides */
    uint64_t lead_outer;  /* classes with a lead byte (C0-FF) of the set: without one, a
                             match holds no multi-byte character (each of its bytes,
                             continuation bytes included, is in the set) */
    uint8_t tab[256];     /* PT_TOK_* of every byte */
    uint8_t tab_ascii[256];  /* the same with PT_TOK_IN for ASCII bytes only */
} pt_token_check;

void pt_token_check_build(pt_token_check *tc, const char *value_src, const pt_regex_facts *f,
                          const pt_byteclasses *bc);

/* Is there s[a..b) of set bytes, starting with a first byte, not blocked on either side,
 * min <= b - a <= max? (the embedded-mode check of a field that is not one token). Runs
 * are looked for in s[from..to) (no run of the set may cross from or to), neighbours
 * anywhere in s[0..n). ascii: the field has no lead byte of the set, so only ASCII bytes
 * can be part of a match (a faster walk: non-ASCII text breaks every run). */
bool pt_token_scan(const pt_token_check *tc, const char *s, size_t n, size_t from, size_t to,
                   bool ascii);

/* The class mask of s[0..n): one table load and OR per byte, two chains in parallel. */
static inline uint64_t pt_class_mask(const uint64_t bit[256], const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    uint64_t a = 0, b = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a |= bit[s[i]] | bit[s[i + 1]];
        b |= bit[s[i + 2]] | bit[s[i + 3]];
    }
    for (; i < n; i++) a |= bit[s[i]];
    return a | b;
}

/* 1 << k for each class k: one table for every key's class table below, 512 bytes. */
#define PT_BIT4(k) (uint64_t)1 << (k), (uint64_t)1 << ((k) + 1), (uint64_t)1 << ((k) + 2), \
                   (uint64_t)1 << ((k) + 3)
#define PT_BIT16(k) PT_BIT4(k), PT_BIT4((k) + 4), PT_BIT4((k) + 8), PT_BIT4((k) + 12)
static const uint64_t pt_class_bit64[64] = {PT_BIT16(0), PT_BIT16(16), PT_BIT16(32), PT_BIT16(48)};

/* The same from a table of classes (a quarter of the cache lines of the one above). The
 * bit of a class is loaded, not shifted: x86 shifts only by cl, and `1 << x` cost a move,
 * a move to cl and the shift (5.75 instructions a byte, now under 4), 8 bytes a step. */
static inline __attribute__((always_inline)) uint64_t pt_class_mask8(const uint8_t cls[256], const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    const uint64_t *bit = pt_class_bit64;
    uint64_t a = 0, b = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a |= bit[cls[s[i]]] | bit[cls[s[i + 1]]] | bit[cls[s[i + 2]]] | bit[cls[s[i + 3]]];
        b |= bit[cls[s[i + 4]]] | bit[cls[s[i + 5]]] | bit[cls[s[i + 6]]] | bit[cls[s[i + 7]]];
    }
    if (i + 4 <= n) {
        a |= bit[cls[s[i]]] | bit[cls[s[i + 1]]] | bit[cls[s[i + 2]]] | bit[cls[s[i + 3]]];
        i += 4;
    }
    for (; i < n; i++) b |= bit[cls[s[i]]];
    return a | b;
}

/* The runs of at least min bytes of a byte set in a field: the longest one's length
 * (0: none) and the span from the first to the last of them. */
typedef struct {
    size_t longest, from, to;
} pt_token_runs_found;

void pt_token_runs(const uint8_t bytes[256], size_t min, const char *s, size_t n,
                   pt_token_runs_found *out);

/* What is left to check about a value regex once the static facts admitted a field. */
enum {
    PT_VS_NO = 0,   /* cannot match */
    PT_VS_PASS,     /* run it */
    PT_VS_RUN,      /* if the field has a long enough run (pt_has_run) */
    PT_VS_WHOLE,    /* only a match spanning the field is possible: if its first byte can
                       start one (when the byte classes do not tell) */
    PT_VS_SCAN,     /* if pt_token_scan finds room for a match */
    PT_VS_SCAN_ASCII   /* the same, only ASCII bytes can be part of a match */
};

/* One candidate of a shape: pattern index, value state, whether a match of a pattern
 * it yields to over the whole field makes it skip the field (yields), masked regex
 * possible, whether a field-mode match must first be tested for its exact first byte
 * (when the byte classes do not tell), whether the field must hold one of the regex's
 * required literals (fastpath.h, pt_literal_index), and for PT_VS_SCAN_ASCII the token
 * minimum length (capped: a smaller bound only admits more). */
#define PT_ITEM_TMIN_MAX 511u
#define PT_ITEM(idx, vs, yields, masked, first, lit, tmin)                                     \
    ((uint32_t)(idx) | (uint32_t)(vs) << 16 | (uint32_t)(yields) << 19 |                        \
     (uint32_t)(masked) << 20 | (uint32_t)(first) << 21 | (uint32_t)(lit) << 22 |               \
     (uint32_t)((tmin) < PT_ITEM_TMIN_MAX ? (tmin) : PT_ITEM_TMIN_MAX) << 23)
#define PT_ITEM_IDX(it) ((it) & 0xFFFFu)
#define PT_ITEM_VS(it) (((it) >> 16) & 0x7u)
#define PT_ITEM_YIELDS(it) (((it) >> 19) & 1u)
#define PT_ITEM_MASKED(it) (((it) >> 20) & 1u)
#define PT_ITEM_FIRST(it) (((it) >> 21) & 1u)
#define PT_ITEM_LIT(it) (((it) >> 22) & 1u)
#define PT_ITEM_TMIN(it) ((it) >> 23)
/* the value regex may match with no check left to do */
#define PT_ITEM_READY(it) (((it) & (0x7u << 16 | 3u << 21)) == (uint32_t)PT_VS_PASS << 16)

/* The required literals (pt_literals) of the patterns that need a run-time look for
 * them, deduplicated: one walk of a field finds which of them it holds. A literal is made
 * of whole characters, so the walk only stops at bytes that start one (a Han character
 * is one step). A literal that starts with a 3-byte character (身份证, 姓名) is keyed on
 * that character's code point, which a 64 Ki-bit table tells exactly, with no hashing;
 * the others on a hashed 3-byte prefix (2-byte literals: the pair), looked up only at
 * bytes that start some literal. The literals with a position's key are compared. */
#define PT_LIT_INDEX_MAX 256
enum { PT_LIT_HASH3, PT_LIT_PAIR, PT_LIT_CP };
typedef struct {
    size_t n;
    uint8_t len[PT_LIT_INDEX_MAX];
    char s[PT_LIT_INDEX_MAX][PT_LIT_LEN];
    uint8_t kind[PT_LIT_INDEX_MAX];   /* PT_LIT_* */
    uint64_t first_cp[1024];  /* code points of the 3-byte characters literals start with */
    uint64_t first_cp_fold[16];   /* the same modulo 1024 (a superset, looked at first) */
    uint64_t prefix3[1024];  /* hashed first 3 bytes of the other literals of 3 bytes or more */
    uint64_t prefix2[1024];  /* first 2 bytes of the literals of 2 bytes */
    uint8_t starts[256];     /* 1 | 2: some PT_LIT_HASH3 | PT_LIT_PAIR literal starts with the byte */
    uint8_t stop[256];       /* starts, | 4 for the lead bytes of 3-byte characters: the walk
                                passes over the other bytes with one test each */
    uint16_t key[PT_LIT_INDEX_MAX];   /* code point, hash3 of the first 3 bytes, or the 2 bytes */
    uint16_t head[1024];     /* 1 + first literal of bucket key % 1024, 0: none */
    uint16_t next[PT_LIT_INDEX_MAX];  /* 1 + next literal of the same bucket */
} pt_literal_index;

/* The id of literal s[0..n) (n >= 2), added when new; -1 when the index is full. */
int pt_literal_index_add(pt_literal_index *x, const char *s, size_t n);
/* Bit id of found: literal id occurs in v[0..n). */
void pt_literal_index_find(const pt_literal_index *x, const char *v, size_t n, uint64_t found[4]);

/* Sort v[0..n) and drop repeated values in place; returns how many are left. vector:
 * with AVX2 (pt_sort_vector_supported), n <= PT_SORT_VECTOR_MAX by ranks, without a
 * branch on the values (a record's fingerprint sorts a dozen hashes); the same result
 * either way. */
#define PT_SORT_VECTOR_MAX 16
size_t pt_sort_distinct(uint64_t *v, size_t n, bool vector);
bool pt_sort_vector_supported(void);

/* The shape cache: (key context id, class mask, length key and the class of the first
 * byte, as len | class << 24) -> candidate items (see shape_length in scanner.c).
 * Bounded: when full it doubles, up to max_slots, and past that it is cleared (fields then
 * only cost the recomputation). The e-mail column of a dump alone makes some 17,000 shapes
 * in 50,000 records (its letters fall into a dozen byte classes), so a cache that only
 * cleared lost the stable shapes of every other column with it.
 * Those thousands of shapes share a few dozen item lists, so a list is kept once
 * (interned) and a slot names it: a slot is 16 bytes and the lists a few KiB, where a
 * list a slot spread the items of a full cache over 2 MiB, a second cache miss a field. */
typedef struct {
    uint64_t mask;
    uint32_t len;
    uint16_t ctx;     /* key context id (<= PT_SHAPE_CTX_MAX); 0: empty slot */
    uint16_t at;      /* its list: items[at] the number of items, then the items */
} pt_shape_slot;

typedef struct {
    pt_shape_slot *slots;
    size_t n_slots, used;   /* n_slots: a power of two */
    size_t max_slots;       /* it grows to this many */
    uint32_t *items;        /* the distinct lists, each its length and then its items */
    size_t cap_items, n_items;   /* in words, at most PT_SHAPE_ITEMS_MAX */
    size_t n_lists;         /* at most PT_SHAPE_LISTS_MAX */
    uint16_t *list_index;   /* hash of a list's items -> 1 + where it starts, 0: none */
} pt_shape_cache;

#define PT_SHAPE_LISTS_MAX 4096     /* list_index has twice as many entries */
#define PT_SHAPE_ITEMS_MAX 65535    /* words of lists (a slot's at is 16 bits) */
#define PT_SHAPE_CTX_MAX 65535      /* the largest context id a slot holds */

/* n_slots <= max_slots, powers of two; about 3/4 of max_slots fill before the cache is
 * cleared. */
void pt_shape_cache_init(pt_shape_cache *c, size_t n_slots, size_t max_slots,
                         size_t max_items_per_shape);
void pt_shape_cache_free(pt_shape_cache *c);

static inline size_t pt_shape_hash(uint32_t ctx, uint64_t mask, uint32_t len, size_t n_slots)
{
    uint64_t h = (mask ^ ((uint64_t)ctx << 32 | len)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (size_t)(h * 0xBF58476D1CE4E5B9ull >> 40) & (n_slots - 1);
}

/* The cached shape, or NULL (then *slot is where to store it). */
static inline const pt_shape_slot *pt_shape_find(const pt_shape_cache *c, uint32_t ctx,
                                                 uint64_t mask, uint32_t len, size_t *slot)
{
    size_t i = pt_shape_hash(ctx, mask, len, c->n_slots);
    for (;; i = (i + 1) & (c->n_slots - 1)) {
        const pt_shape_slot *s = &c->slots[i];
        if (s->ctx == 0) break;
        if (s->ctx == ctx && s->mask == mask && s->len == len) return s;
    }
    *slot = i;
    return NULL;
}

/* The items of a cached shape: their number, *items where they are (valid until the
 * next pt_shape_add). */
static inline size_t pt_shape_items(const pt_shape_cache *c, const pt_shape_slot *s,
                                    const uint32_t **items)
{
    const uint32_t *list = c->items + s->at;
    *items = list + 1;
    return list[0];
}

/* Cache items[0..n) as the shape's, at slot (from a pt_shape_find that missed just
 * before); grows or clears the cache when it is full. Returns the cached copy of the
 * items, valid until the next add (items itself for a list too long to keep). */
const uint32_t *pt_shape_add(pt_shape_cache *c, size_t slot, uint32_t ctx, uint64_t mask,
                             uint32_t len, const uint32_t *items, size_t n);

#endif
