/* scanner.c - stage 3c: classify the fields of a record against the shared pattern set.
 *
 * Everything derived from the pattern set (byte classes, per-pattern prefilter facts,
 * token checks, the literal index, key contexts and their class projections) is the
 * compiled prefilter (struct pt_prefilter), built once with the set and shared
 * read-only, like YARA's YR_RULES. One pt_scanner per worker thread (like a YARA
 * scanner) owns only scratch: the PCRE2 match data, a JIT stack, caches of key (column
 * name) contexts and of field shapes, and buffers, so a record is classified with no
 * allocation in the steady state and no lock.
 *
 * Per field: trim, skip empty values and placeholders, and look up the key's context
 * (which header regexes match it, and so which patterns are candidates; computed once
 * per distinct key, and remembered per column so that a CSV field costs a memcmp of
 * its column name). One register-only pass gives the field's byte classes (see
 * byteclass.c). The shape cache (fastpath.h) maps (key context, byte classes, length,
 * first byte) to the few candidates whose static facts admit such a field (length,
 * bytes a match starts with or must contain, token length bounds, required literals;
 * facts from pcre2_pattern_info and from the regex source), each with what is left to
 * check at run time: the first byte, a run such as "18 bytes of [0-9Xx] in a row", a
 * walk over the field's tokens (of each alternative of a regex such as the card one,
 * whose alternatives are much tighter than their union), or one of its literals
 * ("身份证号") in the field. Only then PCRE2 JIT. The reference mode (tests) skips all of it.
 * A column that makes thousands of shapes (e-mail addresses) is "wide": its next field's
 * byte classes are taken one field early and its shape slot prefetched (look_ahead),
 * since those slots are rarely in the cache. Each regex match is then
 * ignored (it overlaps a match of a pattern it yields to), rejected (masked copy, failed
 * validator) or accepted: counted, its category bit set, its normalized value hashed
 * into the record's fingerprint, and considered as the record's subject (the lowest
 * subject_rank wins, first seen on ties).
 *
 * The fingerprint is XXH3-128 over the sorted, de-duplicated 64-bit hashes of
 * (category, normalized value): the same information in another column order is the
 * same piece (SPEC 1, distinct). The sort is pt_sort_distinct (fastpath.c): by rank with
 * vector compares, no branch on the (random) hashes.
 */
#include "fastpath.h"

#include <stdlib.h>
#include <string.h>

#include "pitally/classify.h"
#include "pitally/validators.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define KEY_SLOTS 512                 /* power of two */
#define KEY_MAX_CACHED 256            /* longer keys are resolved every time */
#define KEY_ARENA (KEY_SLOTS * 48)
#define COLUMNS 64                    /* fields per record whose key context is remembered */
#define COLUMN_KEY_MAX 48             /* ... when the key is at most this long */
/* Shapes cached per scanner: e-mail and address columns make thousands of distinct
 * class masks, and a clear of a full cache loses the stable shapes of every column; so
 * the cache grows to SHAPE_SLOTS_MAX (3/4 of them filled: 98,304 shapes, 2 MiB of
 * 16-byte slots; their item lists, shared, a few KiB) first. The bench CSV's 2M records
 * make 76,820 shapes (misses: 195k with half the slots, 511k with a quarter). */
#define SHAPE_SLOTS 16384
#define SHAPE_SLOTS_MAX 131072
#define COARSE_SLOTS 4096

typedef struct {
    uint64_t hash;
    uint32_t off, len;
    bool used;
    const struct key_ctx *ctx;
} key_slot;

/* The patterns to try on the fields of one key, in evaluation order, and the shortest
 * value any of them can match. They depend only on which requires_header patterns' header
 * regexes match the key: the compiled prefilter holds the contexts of no such pattern and
 * of each one alone, a scanner builds those of keys matching several when it meets them.
 * id names the context in the shape cache (0: do not cache). bounds: bit b set when the static facts of some candidate can tell lengths
 * b - 1 and b apart (every minimum, and maxima below 128); the shape cache keys on the
 * number of bounds at or below a field's length, which is exact for every minimum and
 * only ever admits more for a maximum it leaves out. exact_len: a minimum of 128 or
 * more, key on the length itself. */
typedef struct key_ctx {
    const uint16_t *list;
    size_t n;
    uint32_t min_length;
    uint32_t id;
    uint64_t bounds[2];
    bool exact_len;
    /* the class each byte stands as for this key's candidates (class_projection): the
     * class mask of its fields, from which every check is made, is 1 << of these. A
     * byte a byte rather than a 64-bit mask a byte, and equal tables shared: the tables
     * of a record's columns, touched byte by byte, took 2 KiB each and pushed the rest
     * out of L1 */
    const uint8_t *cls;
    /* shape_length of every length below 128 (the longer ones are those of 127),
     * worked out once: a field then costs one load of [0] (the key) and [1] (rep) */
    uint8_t len_pair[128][2];
} key_ctx;

/* The key context of field number i of the last records, by the key's bytes: valid
 * while gen is the scanner's key_gen (the contexts it points to are still cached). */
typedef struct {
    const key_ctx *ctx;
    uint32_t gen;
    uint32_t len;
    /* the key's column in the column table while stat_gen is the scanner's cs_gen */
    uint32_t stat_gen;
    int32_t stat_idx;
    /* with stable keys (a header row), the key's address while ptr_gen is the scanner's
     * cs_gen: the same address then holds the same name, and a field costs no compare */
    const char *ptr;
    uint32_t ptr_gen;
    /* fields of this key that missed the shape cache: from WIDE_MISSES on the column is
     * wide (an e-mail column makes tens of thousands of shapes) and its field's shape
     * slot is prefetched a field ahead (look_ahead) */
    uint32_t shape_misses;
    char key[COLUMN_KEY_MAX];
} column_slot;

#define WIDE_MISSES 256

/* The column (in the scanner's column table) of field number i of the last records,
 * by the field's key bytes: valid while gen is the scanner's cs_gen (one table). */
typedef struct {
    uint32_t gen;
    int32_t idx;
    uint32_t len;
    bool has_key;
    const char *ptr;               /* the key's address (stable_keys) */
    char key[COLUMN_KEY_MAX];
} colstat_slot;

/* One pattern's prefilter facts, copied into a dense array so that rejecting a field
 * touches a few cache lines instead of every pt_pattern. The first 64 bytes (the array
 * is 64-byte aligned) hold all that a field whose shape is cached reads of an item but
 * the exact first bytes; the mask facts after them serve the making of shapes. */
typedef struct {
    const pt_token_check *token;   /* of the value regex (token->ok: it has token facts) */
    /* of its alternatives (pt_source_alternatives) when they are tighter: a field where
     * none of them finds room cannot hold a match either */
    pt_token_check *alts;
    const uint64_t *yields_bits;   /* the patterns it yields to, a bit each (s->words) */
    uint64_t lit_ids[4];           /* in the scanner's literal index */
    bool field, header_only, has_yields, has_masked;
    bool first_exact;              /* the value regex's first bytes are whole byte classes */
    /* required literals of the value regex: a field holds one of them only if it holds
     * every byte class of one (lit_masks); lit_dyn: look for them in the field too */
    bool lit_dyn;
    uint8_t n_lits;
    uint8_t n_alts;                /* at most ALTS_MAX */
    pt_mask_facts value, masked;
    uint64_t lit_masks[PT_LITS_MAX];
} __attribute__((aligned(64))) candidate;

typedef struct {
    size_t pattern;
    size_t start, end;
} accepted_span;

/* The compiled prefilter (issue 13, "compile once"): everything the scanner derives from
 * the pattern set, built once when the set is loaded (pt_prefilter_new, like YARA's
 * YR_RULES) and shared read-only by every scanner, which holds only scratch. */
struct pt_prefilter {
    size_t n;                      /* patterns */
    size_t words;                  /* uint64_t words of a bit-per-pattern set */
    bool any_header;               /* some pattern has a header regex */
    pt_byteclasses classes;
    uint64_t class_bit[256];       /* 1 << class of each byte */
    uint64_t ascii_classes;        /* classes of bytes < 0x80 */
    candidate *cands;              /* per pattern, 64-byte aligned in cands_mem */
    void *cands_mem;
    pt_token_check *tokens;        /* per pattern */
    /* The ASCII bytes of the token sets of every bounded embedded-mode value regex and
     * the shortest of their minimum lengths: an ASCII-only match of any of them lies in a
     * run of such bytes at least that long. One walk per field (field_runs, done when a
     * candidate first needs it) serves every candidate. */
    uint8_t token_bytes[256];
    size_t token_min;
    pt_literal_index lits;         /* required literals looked for at run time */
    uint8_t coarse_of[64];         /* coarse class of each byte class */
    uint64_t coarse_fine[64];      /* the byte classes of each coarse class */
    uint64_t coarse_single;        /* byte classes alone in their coarse class */
    uint64_t *yields_bits;         /* of every candidate, words each */
    uint64_t *req_bits;            /* the requires_header patterns, a bit each */
    int *req_rank;                 /* per pattern: its rank among them, or -1 */
    /* key contexts: ctxs[0] for fields whose key matches no requires_header pattern's
     * header (or have no key), ctxs[1 + k] for those matching only the k-th one; their
     * shape-cache ids are 1 + their index */
    key_ctx *ctxs;
    size_t n_ctxs;
    uint16_t *ctx_lists;           /* n per context */
    uint8_t (*cls_pool)[256];      /* the contexts' distinct tables of classes, n_cls */
    size_t n_cls;
};

/* The context of keys matching several requires_header patterns' headers, built by a
 * scanner when it meets one (a cache written while scanning). */
#define DYN_MAX 16
typedef struct {
    uint64_t *bits;                /* the requires_header patterns matched (words) */
    uint16_t *list;
    key_ctx ctx;
    uint8_t cls[256];
} dyn_ctx;

struct pt_scanner {
    const pt_patterns *ps;
    const pt_policy *pol;
    const pt_prefilter *pf;        /* shared, read-only */
    pt_prefilter *own_pf;          /* built for a set that has none (not from pt_patterns_load) */
    const candidate *cands;        /* pf->cands */
    uint64_t ascii_classes;        /* pf->ascii_classes */
    pcre2_match_data *md;
    PCRE2_SIZE *ov;                /* md's ovector (it stays put): no call per match */
    pcre2_match_context *mc;
    pcre2_jit_stack *jit_stack;
    FILE *trace;
    bool reference;                /* no prefilter at all (tests compare with it) */
    pt_token_runs_found field_runs;
    bool field_runs_known;
    bool field_ascii;              /* the field is ASCII: the *_re_ascii regexes apply */
    uint64_t field_lits[4];        /* which of pf->lits the field holds, once field_lits_known */
    bool field_lits_known;
    pt_shape_cache shapes;
    pt_shape_cache coarse;         /* the same, keyed on the coarse view (coarse_view) */
    uint32_t *shape_scratch;       /* items of a shape that is not cached */
    uint32_t next_ctx_id;          /* of the last dynamic context (above pf's ids) */
    dyn_ctx *dyn;                  /* DYN_MAX, allocated when first needed */
    size_t n_dyn;
    /* key context cache: each slot points at its context (pf's or a dynamic one) */
    size_t words;
    key_slot slots[KEY_SLOTS];
    char *key_arena;
    size_t arena_used, slots_used;
    uint64_t *key_bits;            /* header regexes matching the key being resolved */
    const uint64_t *trace_bits;    /* explain: those of the last key resolved, or NULL */
    uint16_t *uncached_list;
    key_ctx uncached;
    uint32_t key_gen;              /* bumped when the key cache is cleared */
    column_slot *key_slot;         /* the slot holding the field's key (column_context), or NULL */
    /* look_ahead's last two fields (NULL: none), their contexts and class masks: the
     * next field's and the one after it */
    const pt_field *ahead_field[2];
    const key_ctx *ahead_ctx[2];
    uint64_t ahead_bytes[2];
    unsigned ahead_last;
    uint64_t wide_cols;            /* bit i: columns[i] is wide (COLUMNS is 64) */
    column_slot columns[COLUMNS];
    /* per record */
    uint64_t *elems;
    size_t n_elems, cap_elems;
    bool sort_vector;              /* fingerprint sorts with AVX2 (not in the reference mode) */
    accepted_span *spans;          /* claimed (accepted or rejected) matches of the field */
    size_t n_spans, cap_spans;
    char *norm;                    /* normalized value scratch */
    size_t cap_norm;
    uint64_t categories;
    bool piece;
    unsigned best_rank;
    uint64_t subject;
    uint64_t *matched, *rejected;
    pt_samples *samples;           /* evidence sink, or NULL */
    pt_samples *rejects;           /* the same for rejected values, or NULL */
    uint32_t sample_input;         /* input number the samples are filed under */
    uint64_t (*sample_line)(void *ctx, uint64_t offset);   /* a sample's line, or NULL */
    void *sample_line_ctx;
    bool log_matches;              /* keep the accepted values of a record (evidence) */
    pt_match *log;
    size_t n_log, cap_log;
    uint64_t record_offset;        /* of the record being classified */
    /* column-level evidence (pt_scanner_set_columns) */
    pt_colstats *cstats;           /* counts per column, or NULL */
    const pt_colstats *plan;       /* decisions, or NULL (nothing disabled) */
    int32_t cur_col;               /* the field's column in cstats, -1: none, COL_LAZY:
                                      not looked up yet (cur_field, cur_pos) */
    const pt_field *cur_field;
    size_t cur_pos;
    bool stable_keys;              /* keys stay put for the table (a header row) */
    /* with stable_keys, the values of field position p < COLUMNS since the last
     * pt_scanner_set_columns, the first record holding one and its key: added to the
     * table by the next call (a field costs an increment) */
    uint64_t pos_fill[COLUMNS], pos_first[COLUMNS];
    const char *pos_key[COLUMNS];
    size_t pos_key_len[COLUMNS];
    int32_t pos_col[COLUMNS];      /* the column of each position, COL_LAZY: not known */
    uint32_t cs_gen;
    colstat_slot cs[COLUMNS];
    uint64_t doubt_categories;
    bool doubt_piece;
    int32_t doubt_col;
    int doubt_pat;
    /* record shapes of the input (the plan's): a pattern that needs one counts where it
     * holds, is doubt where it is partial */
    uint32_t shapes_hold, shapes_partial;
    /* patterns not to run at all here (a bit each, words): role_only ones except while
     * a sample is classified into a plan, and those needing a shape that neither holds
     * nor is partial in the input; so shapes cost no regex per field after the sample */
    uint64_t *skip_bits;
    bool any_skip;
    bool shadow;                   /* run the skipped ones for column counts only */
    bool in_shadow;                /* the candidate running is a skipped one */
    /* in shadow, the skipped patterns whose counts are wanted (pt_scanner_set_shadow_needed);
     * NULL: all of them */
    uint64_t *shadow_needed;
    /* The skip sets the shape caches were filled under (a scanner meets one or two: a
     * sample's and a plan's), a row of words each: a cached shape leaves out the skipped
     * patterns of its set, whose number is in bits 30-31 of its key (shape_items). In
     * shadow the lists leave out nothing (no_skips): the skipped ones run too; or with
     * needed patterns only the skipped ones not needed (lazy_bits). */
    uint64_t *skip_sets, *no_skips;
    unsigned n_skip_sets, skip_set;
    /* a shadow with needed patterns (lazy): the skipped patterns not needed, which its
     * lists leave out */
    uint64_t *lazy_bits;
    bool lazy;
    /* where a shape holds, a record counts its shape's values only when it carries the
     * shape's parties or account itself (a row whose card fails Luhn has no account):
     * the values wait in pending until the record's end; rec_passed has a bit per
     * pattern that passed in the record */
    const uint8_t *shape_alt;      /* the plan's (the alternative that holds) */
    uint64_t *rec_passed;
    /* for each shape that holds, the roles a record must carry (role_patterns): a row of
     * words per role, the role's counting patterns a bit each; worked out once per plan */
    uint64_t *role_bits;           /* PT_MAX_SHAPES x PT_SHAPE_ROLES_MAX rows */
    uint8_t n_role_rows[PT_MAX_SHAPES];
    struct pending_value { uint32_t pattern; int32_t col; const char *v; size_t n; bool whole; } *pending;
    size_t n_pending, cap_pending;
};

/* ---- construction ----------------------------------------------------------------- */

static bool bit_test(const uint64_t *bits, size_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }

static void add_min_bound(key_ctx *ctx, uint32_t min)
{
    if (min == 0) return;
    if (min >= 128) ctx->exact_len = true;
    else ctx->bounds[min >> 6] |= (uint64_t)1 << (min & 63);
}

static void add_max_bound(key_ctx *ctx, uint32_t max)
{
    if (max < 127) ctx->bounds[(max + 1) >> 6] |= (uint64_t)1 << ((max + 1) & 63);
}

/* The lengths at which the static facts of pattern i change (see key_ctx). */
static void pattern_bounds(const pt_prefilter *pf, size_t i, key_ctx *ctx)
{
    const candidate *c = &pf->cands[i];
    if (!c->header_only) add_min_bound(ctx, c->value.min_length);
    if (c->has_masked) add_min_bound(ctx, c->masked.min_length);
    if (c->token->ok) {
        add_min_bound(ctx, c->token->min);
        add_max_bound(ctx, c->token->max_chars);
        if (c->field) add_max_bound(ctx, c->token->max_bytes);
    }
}

/* The number of bounds of ctx at or below length l < 128, and the highest of them (1
 * when there is none): see shape_length. */
static void length_keys(key_ctx *ctx)
{
    unsigned key = 0, rep = 1;
    for (unsigned l = 0; l < 128; l++) {
        if ((ctx->bounds[l >> 6] >> (l & 63)) & 1) {
            key++;
            rep = l;
        }
        ctx->len_pair[l][0] = (uint8_t)key;
        ctx->len_pair[l][1] = (uint8_t)rep;
    }
}

/* ---- class projection ------------------------------------------------------------ *
 * The static facts look at a field's class mask m only through tests against fixed
 * sets G: "some class of G" (m & G), "no class outside G" (m & ~G), and "every class of
 * G" ((m & G) == G); the first byte's class only through "in G". Two classes that every
 * set a key's candidates test holds both or neither of, and that no "every class" set
 * holds, are interchangeable for that key: a field with one of them gets the same items,
 * the same masked-copy checks, as with the other. Each key context therefore builds its
 * fields' class masks with one stand-in per group of such classes. A column of e-mail
 * addresses, random mixes of the letter classes the other patterns tell apart (hex
 * digits, the VIN alphabet, a passport's first letter), then makes a few hundred shapes
 * instead of tens of thousands, and the shape cache stops thrashing. */

typedef struct {
    uint64_t group[64];
    size_t n;
} class_partition;

static void partition_split(class_partition *cp, uint64_t g)
{
    for (size_t k = 0, n = cp->n; k < n; k++) {
        uint64_t in = cp->group[k] & g, out = cp->group[k] & ~g;
        if (in && out) {
            cp->group[k] = in;
            cp->group[cp->n++] = out;
        }
    }
}

static void partition_singletons(class_partition *cp, uint64_t all_of)
{
    for (uint64_t b = all_of; b; b &= b - 1) partition_split(cp, b & -b);
}

static void partition_mask_facts(class_partition *cp, const pt_mask_facts *mf)
{
    partition_split(cp, mf->first);
    partition_split(cp, mf->required);
    partition_split(cp, mf->required2);
    partition_singletons(cp, mf->must);
}

/* Every set value_state, masked_possible and pt_mask_admit test of candidate c. */
static void partition_candidate(class_partition *cp, const candidate *c)
{
    partition_mask_facts(cp, &c->value);
    if (c->has_masked) partition_mask_facts(cp, &c->masked);
    if (!c->lit_dyn)   /* a dynamic literal is looked for in the field instead */
        for (size_t k = 0; k < c->n_lits; k++) partition_singletons(cp, c->lit_masks[k]);
    if (c->token->ok) {
        partition_split(cp, c->token->in_outer);
        partition_split(cp, c->token->whole_inner);
        partition_split(cp, c->token->lead_outer);
    }
}

/* ctx's table of classes into t: each byte's class replaced by the lowest class of its
 * group (the byte classes themselves when no classes merge). */
static void class_projection(const pt_prefilter *pf, const key_ctx *ctx, uint8_t t[256])
{
    class_partition cp = {.group = {~(uint64_t)0}, .n = 1};
    partition_split(&cp, pf->ascii_classes);
    for (size_t j = 0; j < ctx->n; j++) partition_candidate(&cp, &pf->cands[ctx->list[j]]);
    uint8_t stand_in[64];
    for (unsigned c = 0; c < 64; c++) stand_in[c] = (uint8_t)c;
    for (size_t k = 0; cp.n < 64 && k < cp.n; k++)
        for (uint64_t b = cp.group[k]; b; b &= b - 1)
            stand_in[__builtin_ctzll(b)] = (uint8_t)__builtin_ctzll(cp.group[k]);
    for (unsigned b = 0; b < 256; b++) t[b] = stand_in[pf->classes.cls[b]];
}

/* ctx's table from the prefilter's pool (room for one a context), an equal one shared. */
static const uint8_t *pooled_projection(pt_prefilter *pf, const key_ctx *ctx)
{
    uint8_t *t = pf->cls_pool[pf->n_cls];
    class_projection(pf, ctx, t);
    for (size_t k = 0; k < pf->n_cls; k++)
        if (memcmp(pf->cls_pool[k], t, sizeof pf->cls_pool[k]) == 0) return pf->cls_pool[k];
    return pf->cls_pool[pf->n_cls++];
}

/* Does a whole-field match of a pattern it yields to make candidate c skip a field? (A
 * pattern that takes any value of its column counts that value whatever else matched.) */
static bool item_yields(const candidate *c)
{
    return c->has_yields && !c->header_only;
}

/* Is candidate i skipped on every field of a key whose candidates so far are
 * list[0..n)? A pattern that takes any value of its column (header_only) claims every
 * field whole before the patterns yielding to it are tried (the evaluation order puts
 * it first), so those never see a field of that column (item_claimed): leaving them out
 * of the list saves their checks, and the literal and token walks they would ask for. */
static bool always_claimed(const pt_prefilter *pf, const uint16_t *list, size_t n, size_t i)
{
    if (!item_yields(&pf->cands[i])) return false;
    for (size_t j = 0; j < n; j++)
        if (pf->cands[list[j]].header_only && bit_test(pf->cands[i].yields_bits, list[j])) return true;
    return false;
}

/* The candidates for a key whose header matches are bits (NULL: none), in order, with
 * classes not projected; the caller projects them (class_projection) and sets the id. */
static void build_list(const pt_prefilter *pf, const pt_patterns *ps, const uint64_t *bits,
                       uint16_t *list, key_ctx *ctx)
{
    size_t n = 0;
    uint32_t min = UINT32_MAX;
    ctx->bounds[0] = ctx->bounds[1] = 0;
    ctx->exact_len = false;
    for (size_t k = 0; k < ps->n; k++) {
        size_t i = ps->order[k];
        const pt_pattern *p = &ps->v[i];
        if (p->requires_header && !(bits && bit_test(bits, i))) continue;
        if (always_claimed(pf, list, n, i)) continue;
        list[n++] = (uint16_t)i;
        const candidate *c = &pf->cands[i];
        uint32_t m = c->header_only ? 1 : p->fast->value_facts.min_length;
        if (c->has_masked && p->fast->masked_facts.min_length < m) m = p->fast->masked_facts.min_length;
        if (m < min) min = m;
        pattern_bounds(pf, i, ctx);
    }
    length_keys(ctx);
    ctx->list = list;
    ctx->n = n;
    ctx->min_length = min;
    ctx->cls = pf->classes.cls;
    ctx->id = 0;
}

/* The required literals of p's value regex: byte-class masks for the static check, and
 * for a regex without token facts (a label such as "身份证号：" before \K) whose literals
 * are all two bytes or more, their ids in the literal index for the run-time look. */
static void literal_facts(pt_prefilter *pf, const pt_pattern *p, candidate *c)
{
    pt_literals L;
    pt_source_literals(p->value_src, &L);
    c->n_lits = (uint8_t)L.n;
    /* The walk pays where the token check is weak: without token facts, or for Han
     * literals (a label such as 房权证: Chinese text passes the token check of a
     * "label + Han + digits" regex); not for short ASCII ones (the "19" of a year). */
    bool han_labels = true;
    for (size_t k = 0; k < L.n; k++) han_labels = han_labels && (unsigned char)L.s[k][0] >= 0x80;
    bool dyn = L.n > 0 && (!c->token->ok || han_labels);
    for (size_t k = 0; k < L.n; k++) {
        c->lit_masks[k] = pt_class_mask(pf->class_bit, L.s[k], L.len[k]);
        dyn = dyn && L.len[k] >= 2;
    }
    for (size_t k = 0; dyn && k < L.n; k++) {
        int id = pt_literal_index_add(&pf->lits, L.s[k], L.len[k]);
        if (id < 0) dyn = false;
        else c->lit_ids[id >> 6] |= (uint64_t)1 << (id & 63);
    }
    c->lit_dyn = dyn;
}

/* Token checks of the alternatives of p's value regex (embedded, bounded), kept when
 * every alternative has token facts and some of them are tighter than the whole's. */
#define ALTS_MAX 16
static void alternative_checks(const pt_prefilter *pf, const pt_pattern *p, candidate *c)
{
    char *src[ALTS_MAX];
    size_t n = pt_source_alternatives(p->value_src, src, ALTS_MAX);
    pt_token_check *alts = n ? pt_xcalloc(n, sizeof *alts) : NULL;
    bool ok = n > 0, tighter = false;
    size_t m = 0;   /* alternatives of the same bytes and boundaries are merged */
    for (size_t k = 0; k < n; k++) {
        pt_token_check_build(&alts[m], src[k], &p->fast->value_facts, &pf->classes);
        free(src[k]);
        pt_token_check *a = &alts[m];
        ok = ok && a->ok && a->bounded;
        size_t j = 0;
        while (j < m && memcmp(alts[j].tab, a->tab, sizeof a->tab) != 0) j++;
        if (j < m) {   /* lengths of either: admits both */
            if (a->min < alts[j].min) alts[j].min = a->min;
            if (a->max_chars > alts[j].max_chars) alts[j].max_chars = a->max_chars;
            if (a->max_bytes > alts[j].max_bytes) alts[j].max_bytes = a->max_bytes;
        } else {
            m++;
        }
    }
    for (size_t k = 0; ok && k < m; k++) {
        const pt_token_check *a = &alts[k], *t = c->token;
        tighter = tighter || a->min > t->min || a->max_chars < t->max_chars ||
                  a->max_bytes < t->max_bytes || memcmp(a->tab, t->tab, sizeof a->tab) != 0;
    }
    if (ok && tighter) {
        c->alts = alts;
        c->n_alts = (uint8_t)m;
    } else {
        free(alts);
    }
}

/* Can candidate c's value regex match in v[from..to) (see pt_token_scan)? With
 * alternatives, when one of them can: each one's facts are at least as strict as the
 * whole's (its bytes a subset, its lengths within, the same boundaries and first
 * bytes), so the whole's scan would only admit more. */
static bool token_scan_admits(const candidate *c, const char *v, size_t n, size_t from, size_t to,
                              bool ascii)
{
    if (!c->n_alts) return pt_token_scan(c->token, v, n, from, to, ascii);
    for (size_t k = 0; k < c->n_alts; k++)
        if (pt_token_scan(&c->alts[k], v, n, from, to, ascii)) return true;
    return false;
}

/* token_bytes and token_min gain p's embedded-mode token facts. */
static void add_token_bytes(pt_prefilter *pf, const pt_pattern *p)
{
    pt_token_facts t;
    pt_source_token_facts(p->value_src, &t);
    for (unsigned b = 0; b < 128; b++)
        if (pt_bits_has(t.set, (unsigned char)b)) pf->token_bytes[b] = 1;
    if (pf->token_min == 0 || t.min < pf->token_min) pf->token_min = t.min;
}

static void build_candidates(pt_prefilter *pf, const pt_patterns *ps)
{
    size_t n = ps->n ? ps->n : 1;
    pf->cands_mem = pt_xcalloc(n + 1, sizeof *pf->cands);   /* one more: room to align */
    pf->cands = (candidate *)(((uintptr_t)pf->cands_mem + 63) & ~(uintptr_t)63);
    pf->tokens = pt_xcalloc(n, sizeof *pf->tokens);
    pt_byteclasses_build(&pf->classes, ps);
    for (unsigned b = 0; b < 256; b++) pf->class_bit[b] = (uint64_t)1 << pf->classes.cls[b];
    const uint64_t ascii[4] = {~(uint64_t)0, ~(uint64_t)0, 0, 0};
    pf->ascii_classes = pt_byteclasses_inner(&pf->classes, ascii);
    for (size_t i = 0; i < ps->n; i++) {
        const pt_pattern *p = &ps->v[i];
        candidate *c = &pf->cands[i];
        pt_mask_facts_of(&pf->classes, &p->fast->value_facts, &c->value);
        pt_mask_facts_of(&pf->classes, &p->fast->masked_facts, &c->masked);
        c->field = p->match == PT_MATCH_FIELD;
        c->header_only = !p->value_re;
        c->has_yields = p->n_yields_to > 0;
        c->has_masked = p->masked_re != NULL;
        if (p->value_re)
            pt_token_check_build(&pf->tokens[i], p->value_src, &p->fast->value_facts, &pf->classes);
        c->token = &pf->tokens[i];
        if (!c->has_masked) c->masked.min_length = 0;
        c->first_exact = !p->fast->value_facts.has_first ||
                         pt_byteclasses_inner(&pf->classes, p->fast->value_facts.first) == c->value.first;
        if (p->value_re) literal_facts(pf, p, c);
        if (c->token->ok && c->token->bounded && !c->field) {
            add_token_bytes(pf, p);
            alternative_checks(pf, p, c);
        }
    }
}

/* The coarse classes: every byte class made only of ASCII letters is one, likewise of
 * digits, of UTF-8 continuation bytes and of lead bytes; the rest stay apart. Letters
 * and Han text split into many byte classes (first bytes of this or that pattern), so
 * the exact masks of e-mail addresses or street addresses hardly repeat; their coarse
 * views do. */
static void build_coarse(pt_prefilter *pf)
{
    enum { LETTERS, DIGITS, CONTINUATION, LEADS, OWN };
    uint8_t kind[64];
    memset(kind, 0xFF, sizeof kind);
    for (unsigned b = 0; b < 256; b++) {
        unsigned c = pf->classes.cls[b];
        uint8_t k = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ? LETTERS
                    : b >= '0' && b <= '9'                          ? DIGITS
                    : b >= 0x80 && b < 0xC0                         ? CONTINUATION
                    : b >= 0xC0                                     ? LEADS
                                                                    : OWN;
        kind[c] = kind[c] == 0xFF || kind[c] == k ? k : OWN;
    }
    unsigned next = OWN;
    for (unsigned c = 0; c < 64; c++) {
        if (kind[c] == 0xFF) continue;   /* no byte has this class */
        unsigned k = kind[c] == OWN ? (next < 64 ? next++ : 63) : kind[c];
        pf->coarse_of[c] = (uint8_t)k;
        pf->coarse_fine[k] |= (uint64_t)1 << c;
    }
    for (unsigned k = 0; k < 64; k++)
        if (__builtin_popcountll(pf->coarse_fine[k]) == 1) pf->coarse_single |= pf->coarse_fine[k];
}

pt_prefilter *pt_prefilter_new(const pt_patterns *ps)
{
    pt_prefilter *pf = pt_xcalloc(1, sizeof *pf);
    size_t n = ps->n ? ps->n : 1;
    pf->n = ps->n;
    pf->words = (ps->n + 63) / 64;
    if (pf->words == 0) pf->words = 1;
    for (size_t i = 0; i < ps->n; i++) pf->any_header = pf->any_header || ps->v[i].header_re;
    build_candidates(pf, ps);
    pf->yields_bits = pt_xcalloc(pf->words * n, sizeof *pf->yields_bits);
    for (size_t i = 0; i < ps->n; i++) {
        uint64_t *bits = pf->yields_bits + i * pf->words;
        for (size_t y = 0; y < ps->v[i].n_yields_to; y++) {
            size_t t = (size_t)ps->v[i].yields_to[y];
            bits[t >> 6] |= (uint64_t)1 << (t & 63);
        }
        pf->cands[i].yields_bits = bits;
    }
    build_coarse(pf);
    /* the key contexts: of no requires_header pattern, and of each one alone */
    pf->req_bits = pt_xcalloc(pf->words, sizeof *pf->req_bits);
    pf->req_rank = pt_xcalloc(n, sizeof *pf->req_rank);
    size_t n_req = 0;
    for (size_t i = 0; i < ps->n; i++) {
        pf->req_rank[i] = -1;
        if (!ps->v[i].requires_header) continue;
        pf->req_rank[i] = (int)n_req++;
        pf->req_bits[i >> 6] |= (uint64_t)1 << (i & 63);
    }
    pf->n_ctxs = 1 + n_req;
    pf->ctxs = pt_xcalloc(pf->n_ctxs, sizeof *pf->ctxs);
    pf->ctx_lists = pt_xcalloc(pf->n_ctxs * n, sizeof *pf->ctx_lists);
    pf->cls_pool = pt_xcalloc(pf->n_ctxs, sizeof *pf->cls_pool);
    uint64_t *one = pt_xcalloc(pf->words, sizeof *one);
    for (size_t k = 0; k < pf->n_ctxs; k++) {
        memset(one, 0, pf->words * sizeof *one);
        for (size_t i = 0; k > 0 && i < ps->n; i++)
            if (pf->req_rank[i] == (int)k - 1) one[i >> 6] |= (uint64_t)1 << (i & 63);
        key_ctx *ctx = &pf->ctxs[k];
        build_list(pf, ps, k > 0 ? one : NULL, pf->ctx_lists + k * n, ctx);
        ctx->cls = pooled_projection(pf, ctx);
        ctx->id = k + 1 <= PT_SHAPE_CTX_MAX ? (uint32_t)(k + 1) : 0;   /* 0: not cached */
    }
    free(one);
    return pf;
}

void pt_prefilter_free(pt_prefilter *pf)
{
    if (!pf) return;
    for (size_t i = 0; pf->cands && i < pf->n; i++) free(pf->cands[i].alts);
    free(pf->cands_mem);
    free(pf->tokens);
    free(pf->yields_bits);
    free(pf->req_bits);
    free(pf->req_rank);
    free(pf->ctxs);
    free(pf->ctx_lists);
    free(pf->cls_pool);
    free(pf);
}

/* The shape caches (0.4 MiB of scratch at first) are made by the first field that misses in
 * them: until then they are one empty slot shared by every scanner (never written), so
 * the lookup of a shape stays as it is. */
static pt_shape_slot no_shapes[1];

static void shape_caches_unmade(pt_scanner *s)
{
    memset(&s->shapes, 0, sizeof s->shapes);
    s->shapes.slots = no_shapes;
    s->shapes.n_slots = 1;
}

static __attribute__((cold, noinline)) void shape_caches_make(pt_scanner *s)
{
    pt_shape_cache_init(&s->shapes, SHAPE_SLOTS, SHAPE_SLOTS_MAX, s->ps->n);
    pt_shape_cache_init(&s->coarse, COARSE_SLOTS, COARSE_SLOTS, s->ps->n);
}

static void shape_caches_free(pt_scanner *s)
{
    if (s->shapes.slots != no_shapes) {
        pt_shape_cache_free(&s->shapes);
        pt_shape_cache_free(&s->coarse);
    }
    shape_caches_unmade(s);
}

#define SKIP_SETS 4   /* bits 30-31 of a shape key */

static int find_skip_set(const pt_scanner *s, const uint64_t *bits)
{
    for (unsigned k = 0; k < s->n_skip_sets; k++)
        if (memcmp(s->skip_sets + k * s->words, bits, s->words * sizeof *bits) == 0) return (int)k;
    return -1;
}

static unsigned add_skip_set(pt_scanner *s, const uint64_t *bits)
{
    memcpy(s->skip_sets + s->n_skip_sets * s->words, bits, s->words * sizeof *bits);
    return s->n_skip_sets++;
}

/* The number of the current skip set among those the shape caches hold, added when
 * new; a fifth set clears the caches (their shapes left out another set's patterns).
 * In shadow the lists leave out no pattern, or, with needed patterns, the skipped ones
 * not needed (lazy_bits). */
static void choose_skip_set(pt_scanner *s)
{
    s->lazy = s->shadow && s->shadow_needed;
    if (s->lazy)
        for (size_t w = 0; w < s->words; w++) s->lazy_bits[w] = s->skip_bits[w] & ~s->shadow_needed[w];
    const uint64_t *bits = !s->shadow ? s->skip_bits : s->lazy ? s->lazy_bits : s->no_skips;
    int k = find_skip_set(s, bits);
    if (k < 0) {
        if (s->n_skip_sets == SKIP_SETS) {
            shape_caches_free(s);   /* made again when next needed */
            s->n_skip_sets = 0;
        }
        k = (int)add_skip_set(s, bits);
    }
    s->skip_set = (unsigned)k;
}

/* Which patterns need not run under this plan (see skip_bits): stats without a plan is
 * a sample being classified, which needs every role; no stats at all, no shapes. */
static void set_skips(pt_scanner *s, const pt_colstats *plan, const pt_colstats *stats)
{
    memset(s->skip_bits, 0, s->words * sizeof *s->skip_bits);
    s->any_skip = false;
    for (size_t i = 0; i < s->ps->n && !(stats && !plan); i++) {
        if (!pt_colplan_skips(plan, &s->ps->v[i])) continue;
        s->skip_bits[i >> 6] |= (uint64_t)1 << (i & 63);
        s->any_skip = true;
    }
    choose_skip_set(s);
}

pt_scanner *pt_scanner_new(const pt_patterns *ps, const pt_policy *pol)
{
    pt_scanner *s = pt_xcalloc(1, sizeof *s);
    s->ps = ps;
    s->pol = pol;
    s->pf = ps->prefilter;
    if (!s->pf) s->pf = s->own_pf = pt_prefilter_new(ps);
    s->cands = s->pf->cands;
    s->ascii_classes = s->pf->ascii_classes;
    s->md = pcre2_match_data_create(ps->max_captures + 1, NULL);
    s->mc = pcre2_match_context_create(NULL);
    s->ov = s->md ? pcre2_get_ovector_pointer(s->md) : NULL;
    s->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    if (!s->md || !s->mc) {
        fprintf(stderr, "pitally: out of memory creating a scanner\n");
        exit(70);
    }
    if (s->jit_stack) pcre2_jit_stack_assign(s->mc, NULL, s->jit_stack);
    pcre2_set_match_limit(s->mc, PT_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mc, PT_DEPTH_LIMIT);
    s->words = s->pf->words;
    s->key_arena = pt_xmalloc(KEY_ARENA);
    s->key_gen = 1;
    s->key_bits = pt_xcalloc(s->words, sizeof(uint64_t));
    s->skip_bits = pt_xcalloc(s->words, sizeof(uint64_t));
    s->skip_sets = pt_xcalloc(SKIP_SETS * s->words, sizeof(uint64_t));
    s->no_skips = pt_xcalloc(s->words, sizeof(uint64_t));
    s->lazy_bits = pt_xcalloc(s->words, sizeof(uint64_t));
    s->rec_passed = pt_xcalloc(s->words, sizeof(uint64_t));
    s->role_bits = pt_xcalloc((size_t)PT_MAX_SHAPES * PT_SHAPE_ROLES_MAX * s->words, sizeof(uint64_t));
    set_skips(s, NULL, NULL);
    s->uncached_list = pt_xcalloc(ps->n ? ps->n : 1, sizeof(uint16_t));
    s->next_ctx_id = (uint32_t)s->pf->n_ctxs;
    shape_caches_unmade(s);
    s->shape_scratch = pt_xcalloc(ps->n ? ps->n : 1, sizeof *s->shape_scratch);
    s->cap_elems = 64;
    s->elems = pt_xmalloc(s->cap_elems * sizeof *s->elems);
    s->sort_vector = pt_sort_vector_supported();
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
    free(s->key_arena);
    free(s->key_bits);
    free(s->skip_bits);
    free(s->skip_sets);
    free(s->no_skips);
    free(s->lazy_bits);
    free(s->shadow_needed);
    free(s->rec_passed);
    free(s->role_bits);
    free(s->pending);
    free(s->uncached_list);
    for (size_t k = 0; s->dyn && k < DYN_MAX; k++) {
        free(s->dyn[k].bits);
        free(s->dyn[k].list);
    }
    free(s->dyn);
    shape_caches_free(s);
    free(s->shape_scratch);
    free(s->elems);
    free(s->spans);
    free(s->log);
    free(s->norm);
    pt_prefilter_free(s->own_pf);
    free(s);
}

void pt_scanner_set_trace(pt_scanner *s, FILE *trace) { s->trace = trace; }

void pt_scanner_log_matches(pt_scanner *s, bool on)
{
    s->log_matches = on;
}

size_t pt_scanner_matches(const pt_scanner *s, const pt_match **out)
{
    *out = s->log;
    return s->n_log;
}

void pt_scanner_set_samples(pt_scanner *s, pt_samples *samples, uint32_t input)
{
    s->samples = samples;
    s->sample_input = input;
}

void pt_scanner_set_rejects(pt_scanner *s, pt_samples *rejects)
{
    s->rejects = rejects;
}

void pt_scanner_set_sample_lines(pt_scanner *s, uint64_t (*line_of)(void *ctx, uint64_t offset),
                                 void *ctx)
{
    s->sample_line = line_of;
    s->sample_line_ctx = ctx;
}

/* Keep a masked copy of an accepted value when it is among the first of its pattern;
 * the comparison is all most values cost. */
static void offer_sample(pt_scanner *s, size_t i, const char *v, size_t n)
{
    if (!pt_samples_wants(s->samples, i, s->sample_input, s->record_offset)) return;
    const pt_pattern *p = &s->ps->v[i];
    char masked[PT_SAMPLE_VALUE_MAX];
    pt_mask_value(v, n, p->mask_head, p->mask_tail, masked, sizeof masked);
    uint64_t line = s->sample_line ? s->sample_line(s->sample_line_ctx, s->record_offset) : 0;
    pt_samples_add_line(s->samples, i, s->sample_input, s->record_offset, line, masked);
}

void pt_scanner_set_reference(pt_scanner *s, bool reference) { s->reference = reference; }

/* ---- key context -------------------------------------------------------------------- */

/* Which patterns' header regexes match key: bit i of bits. Only the requires_header
 * patterns' headers decide a context; explain (trace) is told about the others too. */
static void resolve_key(pt_scanner *s, const char *key, size_t len, uint64_t *bits)
{
    memset(bits, 0, s->words * sizeof *bits);
    for (size_t i = 0; i < s->ps->n; i++) {
        const pcre2_code *re = s->ps->v[i].header_re;
        if (!re || (!s->trace && s->pf->req_rank[i] < 0)) continue;
        if (pcre2_match(re, (PCRE2_SPTR)key, len, 0, 0, s->md, s->mc) > 0)
            bits[i >> 6] |= (uint64_t)1 << (i & 63);
    }
    s->trace_bits = bits;
}

static void key_cache_clear(pt_scanner *s)
{
    memset(s->slots, 0, sizeof s->slots);
    s->arena_used = 0;
    s->slots_used = 0;
    s->key_gen++;   /* the column slots pointed into the cleared contexts */
}

/* A new shape-cache id for a context built by the scanner. */
static uint32_t new_ctx_id(pt_scanner *s)
{
    if (s->pf->n_ctxs >= PT_SHAPE_CTX_MAX) return 0;   /* no id left: not cached */
    if (s->next_ctx_id == PT_SHAPE_CTX_MAX) {   /* ids wrap: forget every cached shape */
        shape_caches_free(s);   /* made again when next needed */
        s->next_ctx_id = (uint32_t)s->pf->n_ctxs;
    }
    return ++s->next_ctx_id;
}

/* The context of a key whose header matches are bits: the prefilter's when at most one
 * requires_header pattern's header matches, else built here (cached when cacheable;
 * a full cache is cleared with the key cache, whose slots point into it). */
static const key_ctx *context_of(pt_scanner *s, const uint64_t *bits, bool cacheable)
{
    const pt_prefilter *pf = s->pf;
    size_t n_req = 0, last = 0;
    for (size_t w = 0; w < s->words; w++) {
        uint64_t x = bits[w] & pf->req_bits[w];
        if (!x) continue;
        n_req += (size_t)__builtin_popcountll(x);
        last = w * 64 + (size_t)__builtin_ctzll(x);
    }
    if (n_req == 0) return &pf->ctxs[0];
    if (n_req == 1) return &pf->ctxs[1 + pf->req_rank[last]];
    if (!cacheable) {
        build_list(pf, s->ps, bits, s->uncached_list, &s->uncached);
        return &s->uncached;
    }
    for (size_t k = 0; k < s->n_dyn; k++) {
        size_t w = 0;
        while (w < s->words && s->dyn[k].bits[w] == (bits[w] & pf->req_bits[w])) w++;
        if (w == s->words) return &s->dyn[k].ctx;
    }
    if (!s->dyn) {
        s->dyn = pt_xcalloc(DYN_MAX, sizeof *s->dyn);
        for (size_t k = 0; k < DYN_MAX; k++) {
            s->dyn[k].bits = pt_xcalloc(s->words, sizeof(uint64_t));
            s->dyn[k].list = pt_xcalloc(s->ps->n ? s->ps->n : 1, sizeof(uint16_t));
        }
    }
    if (s->n_dyn == DYN_MAX) {
        key_cache_clear(s);
        s->n_dyn = 0;
    }
    dyn_ctx *d = &s->dyn[s->n_dyn++];
    for (size_t w = 0; w < s->words; w++) d->bits[w] = bits[w] & pf->req_bits[w];
    build_list(pf, s->ps, d->bits, d->list, &d->ctx);
    class_projection(pf, &d->ctx, d->cls);
    d->ctx.cls = d->cls;
    d->ctx.id = new_ctx_id(s);
    return &d->ctx;
}

/* The candidates for a field of key, from the cache or resolved and cached now. */
static const key_ctx *key_context(pt_scanner *s, const char *key, size_t len)
{
    s->trace_bits = NULL;
    if (!key || !s->pf->any_header) return &s->pf->ctxs[0];
    pt_field_trim(&key, &len);
    if (len == 0) return &s->pf->ctxs[0];
    if (len > KEY_MAX_CACHED) {
        resolve_key(s, key, len, s->key_bits);
        return context_of(s, s->key_bits, false);
    }
    uint64_t h = XXH3_64bits(key, len);
    size_t i = (size_t)h & (KEY_SLOTS - 1);
    for (; s->slots[i].used; i = (i + 1) & (KEY_SLOTS - 1)) {
        key_slot *k = &s->slots[i];
        if (k->hash == h && k->len == len && memcmp(s->key_arena + k->off, key, len) == 0)
            return k->ctx;
    }
    resolve_key(s, key, len, s->key_bits);
    uint32_t gen = s->key_gen;
    const key_ctx *ctx = context_of(s, s->key_bits, true);
    if (gen != s->key_gen || s->slots_used >= KEY_SLOTS * 3 / 4 || s->arena_used + len > KEY_ARENA) {
        /* bounded: a hostile stream of keys only costs re-resolving */
        if (gen == s->key_gen) key_cache_clear(s);
        i = (size_t)h & (KEY_SLOTS - 1);
    }
    key_slot *k = &s->slots[i];
    k->used = true;
    k->hash = h;
    k->len = (uint32_t)len;
    k->off = (uint32_t)s->arena_used;
    k->ctx = ctx;
    memcpy(s->key_arena + s->arena_used, key, len);
    s->arena_used += len;
    s->slots_used++;
    return ctx;
}

/* Is a[0..n) == b[0..n)? Column names are short: 8 (or 4) bytes a step, the last step
 * ending at n and overlapping the one before; no call. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n < 8) {
        if (n < 4) {
            for (size_t i = 0; i < n; i++)
                if (a[i] != b[i]) return false;
            return true;
        }
        uint32_t p, q, r, t;   /* two 4-byte steps, overlapping */
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4);
        memcpy(&t, b + n - 4, 4);
        return ((p ^ q) | (r ^ t)) == 0;
    }
    uint64_t x, y, diff = 0;
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return (diff | (x ^ y)) == 0;
}

/* The context of field number col's key: from the column slot when the key is the
 * one seen there last (CSV columns, JSON paths in a stable order), else resolved. */
static const key_ctx *column_context(pt_scanner *s, const pt_field *f, size_t col)
{
    s->key_slot = NULL;
    if (!f->key || !s->pf->any_header) {
        s->trace_bits = NULL;
        return &s->pf->ctxs[0];
    }
    if (col >= COLUMNS || f->key_len > COLUMN_KEY_MAX) return key_context(s, f->key, f->key_len);
    column_slot *c = &s->columns[col];
    if (c->gen == s->key_gen && c->len == f->key_len &&
        ((s->stable_keys && c->ptr == f->key && c->ptr_gen == s->cs_gen) ||
         same_bytes(c->key, f->key, f->key_len))) {
        c->ptr = f->key;
        c->ptr_gen = s->cs_gen;
        s->key_slot = c;
        return c->ctx;
    }
    const key_ctx *ctx = key_context(s, f->key, f->key_len);
    if (ctx == &s->uncached) return ctx;
    c->ctx = ctx;
    c->gen = s->key_gen;
    c->len = (uint32_t)f->key_len;
    c->stat_gen = 0;
    c->shape_misses = 0;
    s->wide_cols &= ~((uint64_t)1 << col);
    c->ptr = f->key;
    c->ptr_gen = s->cs_gen;
    memcpy(c->key, f->key, f->key_len);
    s->key_slot = c;
    return ctx;
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

/* The accepted values of the record, for the evidence lists: pointers into the record
 * (or the scanner's scratch), valid until the next record. */
static void log_match(pt_scanner *s, size_t i, const char *v, size_t n)
{
    if (s->n_log == s->cap_log) {
        s->cap_log = s->cap_log ? s->cap_log * 2 : 16;
        s->log = pt_xrealloc(s->log, s->cap_log * sizeof *s->log);
    }
    s->log[s->n_log++] = (pt_match){(uint32_t)i, v, n};
}

#define COL_LAZY (-2)

/* The field's column in the table, looked up when first needed (-1: none): with
 * stable keys, once per position and table. */
static int32_t position_column(pt_scanner *s)
{
    const pt_field *f = s->cur_field;
    return s->pos_col[s->cur_pos] =
               pt_colstats_column(s->cstats, (int32_t)s->cur_pos, f->key, f->key ? f->key_len : 0);
}

static inline int32_t current_column(pt_scanner *s)
{
    if (s->cur_col == COL_LAZY) {
        int32_t c = s->pos_col[s->cur_pos];
        s->cur_col = c != COL_LAZY ? c : position_column(s);
    }
    return s->cur_col;
}

/* The counters of pattern i in the field's column, or NULL. A column holds the cells
 * of the few patterns that match there, and those of one column take turns (an order
 * number's two patterns, an amount's), so the last one found (the hint) misses often:
 * the first cells are looked at here before the call that also adds a new one. */
static inline pt_column_pattern *column_cell(pt_scanner *s, size_t i)
{
    int32_t c = current_column(s);
    if (c < 0) return NULL;
    pt_column *col = &s->cstats->cols[c];
    uint32_t first = col->n_pats < 4 ? col->n_pats : 4;
    for (uint32_t k = 0; k < first; k++)
        if (col->pats[k].pattern == (uint32_t)i) return &col->pats[k];
    return pt_colstats_cell(s->cstats, c, (uint32_t)i);
}

/* cell: pattern i's counters in the field's column, or NULL. whole: v is the field as
 * classify_field trimmed it (a header-only pattern's value, a match spanning the field),
 * which a trim leaves as it is: a normalization that only trims is then no call at all
 * (four or five values a record of a dump). */
static void accept_value(pt_scanner *s, size_t i, const char *v, size_t n, pt_column_pattern *cell,
                         bool whole)
{
    const pt_pattern *p = &s->ps->v[i];
    if (s->matched) s->matched[i]++;
    if (cell) cell->accepted++;
    if (s->log_matches) log_match(s, i, v, n);
    if (s->samples) offer_sample(s, i, v, n);
    s->categories |= (uint64_t)1 << p->category;
    if (p->identifier) s->piece = true;
    size_t m = n;
    const char *norm = v;
    if (!whole || (p->normalize != PT_NORM_TRIM && p->normalize != PT_NORM_NONE) || p->normalize_tail) {
        if (n > s->cap_norm) {
            while (s->cap_norm < n) s->cap_norm *= 2;
            s->norm = pt_xrealloc(s->norm, s->cap_norm);
        }
        norm = pt_value_normalized(p, v, &m, s->norm);
    }
    push_elem(s, XXH3_64bits_withSeed(norm, m, (uint64_t)p->category + 1));
    bool subject = p->subject_rank && p->subject_rank < s->best_rank;
    if (subject) {   /* the low 4 bits name the kind of identifier (tally.h) */
        s->best_rank = p->subject_rank;
        s->subject = (XXH3_64bits(norm, m) & ~(uint64_t)0xF) | p->subject_kind;
    }
    if (s->trace)
        fprintf(s->trace, "    accepted: category %s%s, normalized \"%.*s\"%s\n",
                s->pol->categories[p->category], p->identifier ? ", identifier" : "", (int)m,
                norm, subject ? ", primary identifier so far" : "");
}

/* Keep a rejected value, as found, for the evidence when it is among the first of its
 * pattern (cut at a character so that it stays UTF-8). */
static void offer_reject(pt_scanner *s, size_t i, const char *v, size_t n, uint8_t reason)
{
    if (!pt_samples_wants(s->rejects, i, s->sample_input, s->record_offset)) return;
    char kept[PT_SAMPLE_VALUE_MAX];
    size_t k = n < sizeof kept - 1 ? n : sizeof kept - 1;
    while (k < n && k > 0 && ((unsigned char)v[k] & 0xC0) == 0x80) k--;
    memcpy(kept, v, k);
    kept[k] = '\0';
    uint64_t line = s->sample_line ? s->sample_line(s->sample_line_ctx, s->record_offset) : 0;
    pt_sample *x = pt_samples_add_line(s->rejects, i, s->sample_input, s->record_offset, line, kept);
    if (x) x->reason = reason;
}

static void reject_value(pt_scanner *s, size_t i, const char *v, size_t n, uint8_t reason)
{
    if (s->in_shadow) return;
    if (s->rejected) s->rejected[i]++;
    if (s->rejects) offer_reject(s, i, v, n, reason);
}

/* ---- matching ------------------------------------------------------------------------ */

/* Pattern p's value (masked: its masked) regex from start in v[0..n): the ASCII
 * variant on an ASCII field (pt_pattern; never in the reference mode, which keeps the
 * regexes as written to compare with). */
static int run_value_re(const pt_scanner *s, const pt_pattern *p, bool masked, const char *v,
                        size_t n, size_t start)
{
    const void *ascii = masked ? p->fast->masked_re_ascii : p->fast->value_re_ascii;
    if (ascii && s->field_ascii && !s->reference)
        return pcre2_jit_match((const pcre2_code *)ascii, (PCRE2_SPTR)v, n, start, 0, s->md, s->mc);
    return masked ? pt_regex_run(p->masked_re, &p->fast->masked_facts, v, n, start, s->md, s->mc)
                  : pt_regex_run(p->value_re, &p->fast->value_facts, v, n, start, s->md, s->mc);
}

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
    if (!s->reference && !pt_mask_admit(&c->masked, field_mask, v, n, c->field)) return false;
    return run_value_re(s, p, true, v, n, 0) > 0;
}

/* Is pattern i disabled in the field's column by the plan (column-level evidence)? The
 * plan's column is looked up once per column of the table (plan_col). */
static bool disabled_here(pt_scanner *s, size_t i)
{
    int32_t c = current_column(s);
    if (c < 0) return false;
    pt_column *col = &s->cstats->cols[c];
    if (col->plan_col == -2) col->plan_col = pt_colplan_column(s->plan, col);
    const pt_column_pattern *cell = pt_colstats_find_cell(s->plan, col->plan_col, (uint32_t)i);
    return cell && cell->disabled;
}

/* A value that passed pattern i's validator but would count under another reading (a
 * column disabled by its evidence, a record shape only partly there): the record's
 * doubt, attributed to its first such value. */
static void note_doubt(pt_scanner *s, size_t i)
{
    const pt_pattern *p = &s->ps->v[i];
    s->doubt_categories |= (uint64_t)1 << p->category;
    if (p->identifier) s->doubt_piece = true;
    if (s->doubt_pat < 0) {
        s->doubt_pat = (int)i;
        s->doubt_col = current_column(s);
    }
}

/* Does pattern i (role_only, or needing a record shape) count here? Where its shape is
 * partly there, its value is doubt. */
static bool shape_allows(pt_scanner *s, size_t i, const char *v, size_t n, bool whole)
{
    const pt_pattern *p = &s->ps->v[i];
    if (p->role_only) {
        if (s->trace) fprintf(s->trace, "    role only: names a column's role in record shapes, "
                                        "counts nothing itself\n");
        return false;
    }
    if (s->shapes_hold & p->shapes) {   /* settled at the record's end (settle_pending) */
        if (s->n_pending == s->cap_pending) {
            s->cap_pending = s->cap_pending ? s->cap_pending * 2 : 8;
            s->pending = pt_xrealloc(s->pending, s->cap_pending * sizeof *s->pending);
        }
        s->pending[s->n_pending++] = (struct pending_value){(uint32_t)i, current_column(s), v, n, whole};
        return false;
    }
    if (s->shapes_partial & p->shapes) note_doubt(s, i);
    if (s->trace)
        for (size_t k = 0; k < s->ps->n_shapes; k++)
            if ((p->shapes >> k) & 1)
                fprintf(s->trace, "    counts only in an input whose record shape %s holds "
                                  "(%s:%d; explain --record judges a whole record)\n",
                        s->ps->shapes[k].id, s->ps->shapes[k].file, s->ps->shapes[k].line);
    return false;
}

/* One regex match v[start..end) of pattern i in field v[0..field_n). */
static void judge_match(pt_scanner *s, size_t i, uint64_t bytes, const char *v, size_t field_n,
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
    pt_column_pattern *cell = column_cell(s, i);
    if (cell) cell->matches++;
    if (is_masked(s, p, bytes, m, n)) {
        if (s->trace) fprintf(s->trace, "    rejected: masked copy (matches /%s/)\n", p->masked_src);
        reject_value(s, i, m, n, PT_REJECT_MASKED);
        return;
    }
    if (p->validator) {
        bool ok;
        if (s->trace) {
            char why[256];
            ok = pt_validator_explain(p->validator_name, m, n, why, sizeof why);
            fprintf(s->trace, "    validator %s: %s\n", p->validator_name, why);
            if (p->column_evidence)
                fprintf(s->trace,
                        "    column-level evidence: in a scan %s counts nothing in a column where "
                        "fewer than %u%% of its values in the input's sample (the records of its "
                        "first %u KiB of text) pass %s, once at least %u of them were checked; "
                        "such values are reported as doubt instead\n",
                        p->id, p->col_min_pass_percent, PT_COLUMN_SAMPLE_BYTES >> 10,
                        p->validator_name, p->col_min_sample);
        } else {
            ok = p->validator(m, n);
        }
        if (!ok) {
            if (s->trace) fprintf(s->trace, "    rejected: fails its validator\n");
            if (cell) cell->checked++;
            reject_value(s, i, m, n, PT_REJECT_VALIDATOR);
            return;
        }
    }
    if (cell) {
        cell->checked++;
        cell->passed++;
    }
    if (s->in_shadow) return;
    if (p->column_evidence && s->plan && disabled_here(s, i)) {
        note_doubt(s, i);
        return;
    }
    if (s->shapes_hold) s->rec_passed[i >> 6] |= (uint64_t)1 << (i & 63);
    bool whole = start == 0 && end == field_n;   /* the trimmed field itself */
    if ((p->shapes || p->role_only) && !shape_allows(s, i, m, n, whole)) return;
    accept_value(s, i, m, n, cell, whole);
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
    /* a byte scan in place of the regex (field mode: the whole field or nothing) */
    bool scan = p->fast->value_scan && s->field_ascii && !s->reference;
    bool any = false;
    size_t start = 0;
    while (start <= n && n - start >= p->fast->value_facts.min_length) {
        size_t ms = 0, me = n;
        if (scan) {
            if (!p->fast->value_scan(v, n)) break;
        } else {
            if (run_value_re(s, p, false, v, n, start) <= 0) break;
            ms = s->ov[0], me = s->ov[1];
            if (ms > me || me > n) break;   /* \K tricks: give up on this field */
        }
        any = true;
        if (me > ms) judge_match(s, i, bytes, v, n, ms, me);
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
    if (!s->reference && !pt_mask_admit(&s->cands[i].masked, bytes, v, n, field)) return;
    size_t start = 0;
    while (start < n) {
        if (run_value_re(s, p, true, v, n, start) <= 0) break;
        const PCRE2_SIZE *ov = s->ov;
        size_t ms = ov[0], me = ov[1];
        if (ms > me || me > n) break;
        if (s->trace)
            fprintf(s->trace, "  %s: masked copy \"%.*s\" (matches /%s/): rejected\n", p->id,
                    (int)(me - ms), v + ms, p->masked_src);
        reject_value(s, i, v + ms, me - ms, PT_REJECT_MASKED);
        if (field) break;
        start = me > ms ? me : next_char(v, n, ms);
    }
}

/* Has a pattern that pattern i yields to claimed the whole field of n bytes? Then no
 * match of i can count. */
static inline bool claimed_whole(const pt_scanner *s, size_t i, size_t n)
{
    const uint64_t *yields = s->cands[i].yields_bits;
    for (size_t k = 0; k < s->n_spans; k++)
        if (s->spans[k].start == 0 && s->spans[k].end == n && bit_test(yields, s->spans[k].pattern))
            return true;
    return false;
}

/* explain only: a requires_header pattern whose key context is missing. */
static void trace_needs_header(pt_scanner *s, const pt_pattern *p, const char *v, size_t n)
{
    if (p->value_re && pcre2_match(p->value_re, (PCRE2_SPTR)v, n, 0, 0, s->md, s->mc) > 0)
        fprintf(s->trace, "  %s: value fits, but the pattern needs a key matching /%s/\n", p->id,
                p->header_src);
}

/* ---- which candidates a field reaches -------------------------------------------------- */

/* What is known of a field's byte classes: each is in has, those in sure are surely
 * present, and its first byte's class is in first. Seen exactly, has == sure == the
 * field's mask and first one class; seen coarsely (one bit for all letter classes, see
 * coarse_view), has over- and sure under-approximates it, so the checks below admit
 * at least every field the coarse view stands for. */
typedef struct {
    uint64_t has, sure, first;
} field_view;

/* The static facts of pattern i's value regex against a field of n bytes seen as f:
 * PT_VS_NO, or what is left to check at run time (fastpath.h); *first_dyn: the exact
 * first byte must be tested too. */
static unsigned value_state(const pt_scanner *s, size_t i, const field_view *f, size_t n,
                            bool *first_dyn)
{
    const candidate *c = &s->cands[i];
    uint64_t m = f->has;
    *first_dyn = false;
    if (c->header_only) return PT_VS_PASS;
    const pt_mask_facts *mf = &c->value;
    if (n < mf->min_length) return PT_VS_NO;
    if (mf->first && !(m & mf->first)) return PT_VS_NO;
    if (mf->required && !(m & mf->required)) return PT_VS_NO;
    if (mf->required2 && !(m & mf->required2)) return PT_VS_NO;
    if ((m & mf->must) != mf->must) return PT_VS_NO;
    /* can a match start with the first byte? (exact when its set is whole classes) */
    bool first_ok = !mf->has_first || (mf->first & f->first);
    if (c->field) {   /* a field-mode match starts at the field's first byte */
        if (!first_ok) return PT_VS_NO;
        *first_dyn = mf->has_first && !c->first_exact;
    }
    if (c->n_lits && !c->lit_dyn) {   /* some required literal has all its byte classes */
        bool any = false;
        for (size_t k = 0; k < c->n_lits && !any; k++) any = (m & c->lit_masks[k]) == c->lit_masks[k];
        if (!any) return PT_VS_NO;
    }
    const pt_token_check *tc = c->token;
    if (!tc->ok) return mf->has_run ? PT_VS_RUN : PT_VS_PASS;
    if (n < tc->min || !(m & tc->in_outer)) return PT_VS_NO;
    bool ascii = (m & ~s->ascii_classes) == 0;
    if (c->field)   /* the match is the whole field: every byte in the set, length in bounds */
        return (f->sure & ~tc->in_outer) || n > (ascii ? tc->max_chars : tc->max_bytes)
                   ? PT_VS_NO
                   : PT_VS_PASS;
    if ((m & ~tc->whole_inner) == 0) {   /* one token: a match spans the field */
        if (n > tc->max_chars || !first_ok) return PT_VS_NO;
        return c->first_exact ? PT_VS_PASS : PT_VS_WHOLE;
    }
    if (tc->bounded) return (m & tc->lead_outer) ? PT_VS_SCAN : PT_VS_SCAN_ASCII;
    return mf->has_run ? PT_VS_RUN : PT_VS_PASS;
}

/* The static facts of pattern i's masked regex (the rest is in count_masked). */
static bool masked_possible(const pt_scanner *s, size_t i, uint64_t m, size_t n)
{
    const candidate *c = &s->cands[i];
    const pt_mask_facts *mf = &c->masked;
    return c->has_masked && n >= mf->min_length && (!mf->first || (m & mf->first)) &&
           (!mf->required || (m & mf->required)) && (!mf->required2 || (m & mf->required2)) &&
           (m & mf->must) == mf->must;
}

/* The item of candidate i in the reference mode: its regexes run on every field. */
static uint32_t reference_item(const pt_scanner *s, size_t i)
{
    return PT_ITEM(i, PT_VS_PASS, item_yields(&s->cands[i]), s->cands[i].has_masked, 0, 0, 0);
}

static uint32_t shape_item(const pt_scanner *s, size_t i, const field_view *f, size_t n)
{
    bool first_dyn;
    unsigned vs = value_state(s, i, f, n, &first_dyn);
    bool masked = masked_possible(s, i, f->has, n);
    uint32_t tmin = vs == PT_VS_SCAN_ASCII ? s->cands[i].token->min : 0;
    bool lit = vs != PT_VS_NO && s->cands[i].lit_dyn;
    return vs == PT_VS_NO && !masked ? UINT32_MAX
                                     : PT_ITEM(i, vs, item_yields(&s->cands[i]), masked, first_dyn, lit, tmin);
}

static field_view exact_view(uint64_t m, unsigned fcls)
{
    return (field_view){m, m, (uint64_t)1 << fcls};
}

/* The coarse view of class mask m (first byte of class fcls): *key the coarse mask,
 * *fkey the coarse class of the first byte. */
static field_view coarse_view(const pt_scanner *s, uint64_t m, unsigned fcls, uint64_t *key,
                              unsigned *fkey)
{
    uint64_t cm = 0, has = 0;
    for (uint64_t b = m; b; b &= b - 1) cm |= (uint64_t)1 << s->pf->coarse_of[__builtin_ctzll(b)];
    for (uint64_t b = cm; b; b &= b - 1) has |= s->pf->coarse_fine[__builtin_ctzll(b)];
    *key = cm;
    *fkey = s->pf->coarse_of[fcls];
    return (field_view){has, has & s->pf->coarse_single, s->pf->coarse_fine[*fkey]};
}

/* The length part of a shape key: the number of bounds of ctx at or below n (or n
 * itself, below 1 << 24). *rep: the shortest length of the same key, at which the
 * shape's static facts are evaluated (a maximum left out of the bounds then admits the
 * longer fields too). */
static uint32_t shape_length(const key_ctx *ctx, size_t n, size_t *rep)
{
    if (ctx->exact_len) {
        *rep = n;
        return n < (1u << 24) ? (uint32_t)n : (1u << 24) - 1;
    }
    unsigned l = n < 127 ? (unsigned)n : 127;
    *rep = ctx->len_pair[l][1];
    return ctx->len_pair[l][0];
}

/* The candidates of ctx that any field of the coarse view of (m, fcls) and n bytes
 * may reach, as pattern indices in order (memoized in the coarse cache). */
static size_t coarse_candidates(pt_scanner *s, const key_ctx *ctx, uint64_t m,
                                size_t rep, uint32_t len_key, unsigned fcls, const uint32_t **out)
{
    uint64_t cm;
    unsigned fkey;
    field_view f = coarse_view(s, m, fcls, &cm, &fkey);
    uint32_t key = len_key | (uint32_t)fkey << 24;
    size_t slot = 0;
    const pt_shape_slot *hit = pt_shape_find(&s->coarse, ctx->id, cm, key, &slot);
    if (hit) return pt_shape_items(&s->coarse, hit, out);
    uint32_t *list = s->shape_scratch;
    size_t k = 0;
    for (size_t j = 0; j < ctx->n; j++)
        if (shape_item(s, ctx->list[j], &f, rep) != UINT32_MAX) list[k++] = ctx->list[j];
    *out = pt_shape_add(&s->coarse, slot, ctx->id, cm, key, list, k);
    return k;
}

/* Is pattern i not to run at all here (skip_bits; in shadow, each runs, or with needed
 * patterns each but the lazy set's)? */
static inline bool skipped(const pt_scanner *s, size_t i)
{
    if (__builtin_expect(s->shadow, 0)) return s->lazy && bit_test(s->lazy_bits, i);
    return s->any_skip && bit_test(s->skip_bits, i);
}

/* The candidates of ctx that a field of class mask m, n bytes and first byte of class
 * fcls reaches, in order, each with what is left to check, the skipped ones left out
 * (memoized in the shape cache under the skip set; a miss looks only at what the coarse
 * cache admits). */
static size_t shape_items(pt_scanner *s, const key_ctx *ctx, uint64_t m, size_t n,
                          unsigned fcls, const uint32_t **items)
{
    if (s->reference) {   /* every candidate, every regex */
        size_t k = 0;
        for (size_t j = 0; j < ctx->n; j++)
            if (!skipped(s, ctx->list[j])) s->shape_scratch[k++] = reference_item(s, ctx->list[j]);
        *items = s->shape_scratch;
        return k;
    }
    size_t rep;
    uint32_t len_key = shape_length(ctx, n, &rep);
    uint32_t key = len_key | (uint32_t)fcls << 24 | (uint32_t)s->skip_set << 30;
    field_view f = exact_view(m, fcls);
    size_t slot = 0;
    if (!ctx->id) {   /* not cached: every candidate, exactly */
        size_t k = 0;
        for (size_t j = 0; j < ctx->n; j++) {
            uint32_t it = skipped(s, ctx->list[j]) ? UINT32_MAX : shape_item(s, ctx->list[j], &f, rep);
            if (it != UINT32_MAX) s->shape_scratch[k++] = it;
        }
        *items = s->shape_scratch;
        return k;
    }
    const pt_shape_slot *hit = pt_shape_find(&s->shapes, ctx->id, m, key, &slot);
    if (hit) return pt_shape_items(&s->shapes, hit, items);
    if (s->key_slot && ++s->key_slot->shape_misses == WIDE_MISSES)
        s->wide_cols |= (uint64_t)1 << (s->key_slot - s->columns);
    if (__builtin_expect(s->shapes.slots == no_shapes, 0)) {   /* the first miss: make them */
        shape_caches_make(s);
        pt_shape_find(&s->shapes, ctx->id, m, key, &slot);
    }
    const uint32_t *cands;   /* in the coarse cache, which adding to this one leaves */
    size_t nc = coarse_candidates(s, ctx, m, rep, len_key, fcls, &cands);
    uint32_t *out = s->shape_scratch;
    size_t k = 0;
    for (size_t j = 0; j < nc; j++) {
        uint32_t it = skipped(s, cands[j]) ? UINT32_MAX : shape_item(s, cands[j], &f, rep);
        if (it != UINT32_MAX) out[k++] = it;
    }
    *items = pt_shape_add(&s->shapes, slot, ctx->id, m, key, out, k);
    return k;
}

/* Does the field hold one of c's required literals (field_lits, once known)? */
static inline bool holds_literal(const pt_scanner *s, const candidate *c)
{
    return ((c->lit_ids[0] & s->field_lits[0]) | (c->lit_ids[1] & s->field_lits[1]) |
            (c->lit_ids[2] & s->field_lits[2]) | (c->lit_ids[3] & s->field_lits[3])) != 0;
}

/* The run-time part of candidate item it for field v[0..n). */
static bool value_possible(pt_scanner *s, uint32_t it, const char *v, size_t n)
{
    const candidate *c = &s->cands[PT_ITEM_IDX(it)];
    if (PT_ITEM_FIRST(it) && !pt_bits_has(c->value.first_bits, (unsigned char)v[0])) return false;
    if (PT_ITEM_LIT(it)) {   /* one walk of the field serves every candidate */
        if (!s->field_lits_known) {
            pt_literal_index_find(&s->pf->lits, v, n, s->field_lits);
            s->field_lits_known = true;
        }
        if (!holds_literal(s, c)) return false;
    }
    switch (PT_ITEM_VS(it)) {
    case PT_VS_PASS: return true;
    case PT_VS_RUN: return pt_has_run(v, n, c->value.run_set, c->value.run_min);
    case PT_VS_WHOLE: return (c->token->tab[(unsigned char)v[0]] & PT_TOK_FIRST) != 0;
    case PT_VS_SCAN: return token_scan_admits(c, v, n, 0, n, false);
    case PT_VS_SCAN_ASCII:   /* field_runs was found by item_value_possible */
        return token_scan_admits(c, v, n, s->field_runs.from, s->field_runs.to, true);
    default: return false;
    }
}

/* Has a pattern that item it yields to claimed the whole field of n bytes? Then it does
 * nothing with the field: checked before anything else about it. */
static inline bool item_claimed(pt_scanner *s, uint32_t it, size_t n)
{
    if (!PT_ITEM_YIELDS(it) || !s->n_spans || !claimed_whole(s, PT_ITEM_IDX(it), n)) return false;
    if (s->trace)
        fprintf(s->trace, "  %s: skipped: the field is claimed by a pattern it yields to\n",
                s->ps->v[PT_ITEM_IDX(it)].id);
    return true;
}

/* A header-only pattern's item: any non-empty value of such a column counts. Apart from
 * run_candidate (a few registers, no regex state), as it is a third of the items run. */
static void run_header_only(pt_scanner *s, size_t i, const char *v, size_t n)
{
    if (s->trace) fprintf(s->trace, "  %s: any value of this key counts\n", s->ps->v[i].id);
    pt_column_pattern *cell = column_cell(s, i);
    if (cell) cell->matches++, cell->checked++, cell->passed++;
    if (s->in_shadow) return;
    accept_value(s, i, v, n, cell, true);
    push_span(s, i, 0, n);
}

/* Everything candidate item it does with field v[0..n) (bytes: its byte classes), which
 * no pattern it yields to has claimed; value: whether value_possible said its value
 * regex may match. */
static void run_candidate(pt_scanner *s, uint32_t it, bool value, uint64_t bytes, const char *v,
                          size_t n)
{
    size_t i = PT_ITEM_IDX(it);
    bool hit = value && match_values(s, i, bytes, v, n);
    if (!hit && PT_ITEM_MASKED(it) && !s->in_shadow) count_masked(s, i, bytes, v, n);
}

/* Whether the value regex of item it may match field v[0..n): the cheap cases inline.
 * A match of a PT_VS_SCAN_ASCII item lies in a run of ASCII token bytes at least its
 * minimum long: one walk of the field (field_runs) rules most of them out at once. */
static inline bool item_value_possible(pt_scanner *s, uint32_t it, const char *v, size_t n)
{
    if (PT_ITEM_READY(it)) return true;
    unsigned vs = PT_ITEM_VS(it);
    if (vs == PT_VS_NO) return false;
    /* once the field was walked for literals, the label patterns it lacks (a dozen on
     * a field of text) stop at a bit test, with no call */
    if (PT_ITEM_LIT(it) && s->field_lits_known && !holds_literal(s, &s->cands[PT_ITEM_IDX(it)]))
        return false;
    if (vs == PT_VS_SCAN_ASCII) {
        if (!s->field_runs_known) {
            pt_token_runs(s->pf->token_bytes, s->pf->token_min, v, n, &s->field_runs);
            s->field_runs_known = true;
        }
        if (s->field_runs.longest < PT_ITEM_TMIN(it)) return false;
    }
    return value_possible(s, it, v, n);
}

/* explain: every pattern in order, saying why those that need a key are skipped; the
 * others go through the same checks as in a scan. */
static void trace_field(pt_scanner *s, uint64_t bytes, const char *v,
                        size_t n)
{
    for (size_t k = 0; k < s->ps->n; k++) {
        size_t i = s->ps->order[k];
        const pt_pattern *p = &s->ps->v[i];
        bool keyed = s->trace_bits && bit_test(s->trace_bits, i);
        if (keyed) fprintf(s->trace, "  %s: key matches /%s/\n", p->id, p->header_src);
        if (p->requires_header && !keyed) {
            trace_needs_header(s, p, v, n);
            continue;
        }
        field_view f = exact_view(bytes, s->pf->classes.cls[(unsigned char)v[0]]);
        uint32_t it = s->reference ? reference_item(s, i) : shape_item(s, i, &f, n);
        if (it == UINT32_MAX) continue;
        bool value = item_value_possible(s, it, v, n);
        if (item_claimed(s, it, n)) continue;
        if (s->cands[i].header_only) run_header_only(s, i, v, n);
        else run_candidate(s, it, value, bytes, v, n);
    }
}

/* Could the value be a placeholder (NULL, \N, None, N/A, -, undefined, nan)? */
static inline bool may_be_placeholder(const char *v, size_t n)
{
    if (n > 9) return false;
    switch (v[0]) {
    case 'n': case 'N': case '\\': case '-': case 'u': case 'U': return true;
    default: return false;
    }
}

/* The column of field number col (key f->key) in the column table: from the slot of
 * that position when its key is the one seen there last. */
static int32_t lookup_column(pt_scanner *s, const pt_field *f, size_t col)
{
    size_t len = f->key ? f->key_len : 0;
    colstat_slot *sl = col < COLUMNS ? &s->cs[col] : NULL;
    int32_t c;
    /* header names and SQL column names stay at one address for the chunk (the slots
     * are cleared with each chunk); JSON paths are scratch: compared byte by byte */
    if (sl && sl->gen == s->cs_gen && sl->len == len &&
        (s->stable_keys ? sl->ptr == f->key
                        : sl->has_key == (f->key != NULL) && same_bytes(sl->key, f->key, len))) {
        c = sl->idx;
    } else {
        c = pt_colstats_column(s->cstats, (int32_t)col, f->key, len);
        if (sl && len <= COLUMN_KEY_MAX) {
            sl->gen = s->cs_gen;
            sl->idx = c;
            sl->len = (uint32_t)len;
            sl->has_key = f->key != NULL;
            sl->ptr = f->key;
            if (len) memcpy(sl->key, f->key, len);
        }
    }
    return c;
}

/* A field with a value at position col: its column's fill. With stable keys a field
 * below COLUMNS only counts for its position (see pos_fill) and the column is looked
 * up when a pattern needs it. */
static inline void note_column(pt_scanner *s, const pt_field *f, size_t col)
{
    if (s->stable_keys && col < COLUMNS) {
        if (!s->pos_fill[col]++) {
            s->pos_first[col] = s->record_offset;
            s->pos_key[col] = f->key;
            s->pos_key_len[col] = f->key ? f->key_len : 0;
        }
        s->cur_col = COL_LAZY;
        s->cur_field = f;
        s->cur_pos = col;
        return;
    }
    /* column_context has just compared the key with its slot's: the column is the
     * slot's when found for this table */
    column_slot *ks = s->key_slot;
    int32_t c;
    if (ks && ks->stat_gen == s->cs_gen) {
        c = ks->stat_idx;
    } else {
        c = lookup_column(s, f, col);
        if (ks) {
            ks->stat_gen = s->cs_gen;
            ks->stat_idx = c;
        }
    }
    s->cur_col = c;
    if (c < 0) return;
    pt_column *pc = &s->cstats->cols[c];
    pc->fill++;
    if (pc->first == UINT64_MAX) pc->first = s->record_offset;
}

/* The fills counted by position into the table, by position order. */
static void flush_positions(pt_scanner *s)
{
    for (size_t p = 0; p < COLUMNS; p++) {
        if (!s->pos_fill[p]) continue;
        if (s->cstats) {
            int32_t c = pt_colstats_column(s->cstats, (int32_t)p, s->pos_key[p], s->pos_key_len[p]);
            if (c >= 0) {
                pt_column *pc = &s->cstats->cols[c];
                pc->fill += s->pos_fill[p];
                if (s->pos_first[p] < pc->first) pc->first = s->pos_first[p];
            }
        }
        s->pos_fill[p] = 0;
    }
}

void pt_scanner_set_shadow(pt_scanner *s, bool on)
{
    s->shadow = on;
    choose_skip_set(s);   /* the lists to use: all of them in shadow */
}

void pt_scanner_set_shadow_needed(pt_scanner *s, const uint64_t *needed)
{
    if (!needed) {
        free(s->shadow_needed);
        s->shadow_needed = NULL;
        if (s->shadow) choose_skip_set(s);
        return;
    }
    if (!s->shadow_needed) s->shadow_needed = pt_xmalloc(s->words * sizeof *s->shadow_needed);
    memcpy(s->shadow_needed, needed, s->words * sizeof *s->shadow_needed);
    if (s->shadow) choose_skip_set(s);
}

void pt_scanner_key_patterns(pt_scanner *s, const char *key, size_t len, uint64_t *bits)
{
    const key_ctx *ctx = key ? key_context(s, key, len) : &s->pf->ctxs[0];
    memset(bits, 0, s->words * sizeof *bits);
    for (size_t j = 0; j < ctx->n; j++) bits[ctx->list[j] >> 6] |= (uint64_t)1 << (ctx->list[j] & 63);
    s->trace_bits = NULL;
}

/* The rows of role_bits for the shapes that hold: for each role of the holding
 * alternative that wants a column (min) and that some counting pattern fills, those
 * patterns (a role filled only by role_only patterns was judged for its column). */
static void role_patterns(pt_scanner *s)
{
    for (uint32_t live = s->shapes_hold; live; live &= live - 1) {
        unsigned k = (unsigned)__builtin_ctz(live);
        const pt_shape *sh = &s->ps->shapes[k];
        const pt_shape_alt *a = &sh->alts[s->shape_alt[k]];
        uint64_t *row = s->role_bits + (size_t)k * PT_SHAPE_ROLES_MAX * s->words;
        size_t rows = 0;
        for (size_t r = 0; r < sh->n_roles; r++) {
            if (!a->min[r]) continue;
            memset(row, 0, s->words * sizeof *row);
            bool counted = false;
            for (size_t m = 0; m < sh->roles[r].n_patterns; m++) {
                uint32_t j = sh->roles[r].patterns[m];
                if (s->ps->v[j].role_only) continue;
                counted = true;
                row[j >> 6] |= (uint64_t)1 << (j & 63);
            }
            if (counted) {
                row += s->words;
                rows++;
            }
        }
        s->n_role_rows[k] = (uint8_t)rows;
    }
}

void pt_scanner_set_columns(pt_scanner *s, const pt_colstats *plan, pt_colstats *stats)
{
    flush_positions(s);
    for (size_t p = 0; p < COLUMNS; p++) s->pos_col[p] = COL_LAZY;
    s->cstats = stats;
    s->stable_keys = stats && stats->stable_keys;
    s->plan = stats && plan && pt_colplan_any_disabled(plan) ? plan : NULL;
    s->shapes_hold = stats && plan ? plan->shapes_hold : 0;
    s->shapes_partial = stats && plan ? plan->shapes_partial : 0;
    set_skips(s, stats ? plan : NULL, stats);
    s->shape_alt = plan ? plan->shape_alt : NULL;
    role_patterns(s);
    s->cs_gen++;
    s->cur_col = -1;
}

/* The candidate items of a field, in order. shadow (a constant at each call, so each
 * call compiles to its own loop): some may be skipped ones, run for the column counts
 * only (in_shadow); outside shadow passes no item is, and the loop never asks. */
static inline __attribute__((always_inline)) void run_items(pt_scanner *s, const uint32_t *items,
                                                           size_t k, uint64_t bytes,
                                                           const char *v, size_t n, bool shadow)
{
    for (size_t j = 0; j < k; j++) {
        if (item_claimed(s, items[j], n)) continue;
        /* the value checks have no side effects: done first, most candidates stop here
         * (nothing yields to a skipped pattern: neither depends on in_shadow) */
        bool value = item_value_possible(s, items[j], v, n);
        if (!value && !PT_ITEM_MASKED(items[j])) continue;
        if (shadow) s->in_shadow = bit_test(s->skip_bits, PT_ITEM_IDX(items[j]));
        if (s->cands[PT_ITEM_IDX(items[j])].header_only)
            run_header_only(s, PT_ITEM_IDX(items[j]), v, n);
        else
            run_candidate(s, items[j], value, bytes, v, n);
    }
    if (shadow) s->in_shadow = false;
}

static void classify_field(pt_scanner *s, const pt_field *f, size_t col)
{
    const char *v = f->val;
    size_t n = f->val_len;
    if (!v || n == 0) return;
    if (pt_field_may_need_trim(v, n)) {
        pt_field_trim(&v, &n);
        if (n == 0) return;
    }
    if (may_be_placeholder(v, n) && pt_field_placeholder(v, n)) return;
    const key_ctx *ctx = column_context(s, f, col);
    if (s->cstats) note_column(s, f, col);
    if (n < ctx->min_length && !s->reference) return;   /* too short for every candidate */
    uint64_t bytes;   /* as ctx's checks see it */
    unsigned a = f == s->ahead_field[1];
    if (f == s->ahead_field[a] && ctx == s->ahead_ctx[a])
        bytes = s->ahead_bytes[a];
    else
        bytes = pt_class_mask8(ctx->cls, v, n);
    s->n_spans = 0;
    s->field_runs_known = false;
    s->field_lits_known = false;
    s->field_ascii = (bytes & ~s->ascii_classes) == 0;   /* projection keeps ASCII apart */
    if (s->trace) {
        trace_field(s, bytes, v, n);
        return;
    }
    const uint32_t *items;
    unsigned first = ctx->cls[(unsigned char)v[0]];
    size_t k = shape_items(s, ctx, bytes, n, first, &items);
    if (__builtin_expect(s->shadow, 0))
        run_items(s, items, k, bytes, v, n, true);
    else
        run_items(s, items, k, bytes, v, n, false);
}

/* Field f (number col) of a wide column (column_slot.shape_misses), the next one to be
 * classified: its class mask, kept for classify_field, and a prefetch of the shape slot
 * it will look up. A slot of a wide column is as good as never in the cache (2 MiB of
 * them), and its load was the costliest of the scanner; it now has a field's work to
 * arrive in. Only reads the column slot (the key is the one seen there last, or nothing
 * is done), so classify_field finds the same context. Any address will do: the lookup
 * itself is made again, and the cache may grow before it. */
static __attribute__((noinline)) void look_ahead(pt_scanner *s, const pt_field *f, size_t col)
{
    if (!f->key || !s->pf->any_header) return;
    const column_slot *c = &s->columns[col];
    if (c->gen != s->key_gen || c->len != f->key_len ||
        !((s->stable_keys && c->ptr == f->key && c->ptr_gen == s->cs_gen) ||
          same_bytes(c->key, f->key, f->key_len)))
        return;
    const key_ctx *ctx = c->ctx;
    const char *v = f->val;
    size_t n = f->val_len;
    if (!v || n == 0 || !ctx->id) return;
    if (pt_field_may_need_trim(v, n)) {
        pt_field_trim(&v, &n);
        if (n == 0) return;
    }
    if (n < ctx->min_length) return;
    uint64_t bytes = pt_class_mask8(ctx->cls, v, n);
    unsigned a = s->ahead_last ^= 1;   /* the older entry's field is done */
    s->ahead_field[a] = f;
    s->ahead_ctx[a] = ctx;
    s->ahead_bytes[a] = bytes;
    size_t rep;
    uint32_t key = shape_length(ctx, n, &rep) | (uint32_t)ctx->cls[(unsigned char)v[0]] << 24 |
                   (uint32_t)s->skip_set << 30;
    __builtin_prefetch(&s->shapes.slots[pt_shape_hash(ctx->id, bytes, key, s->shapes.n_slots)]);
}

/* ---- the record ---------------------------------------------------------------------- */

static void fingerprint(pt_scanner *s, uint64_t fp[2])
{
    /* the reference mode sorts without vectors: the tests comparing the two modes
     * compare the two sorts too */
    size_t m = pt_sort_distinct(s->elems, s->n_elems, s->sort_vector && !s->reference);
    XXH128_hash_t h = XXH3_128bits(s->elems, m * sizeof *s->elems);
    fp[0] = h.low64;
    fp[1] = h.high64;
}

/* Does the record carry, for each role of shape k's holding alternative that a counting
 * pattern fills (a party, an account), a value that passed one of its patterns? Roles of
 * role_only patterns (a time, a direction) were judged for the column as a whole. */
static bool record_has_roles(const pt_scanner *s, size_t k)
{
    const uint64_t *row = s->role_bits + k * PT_SHAPE_ROLES_MAX * s->words;
    for (size_t r = 0; r < s->n_role_rows[k]; r++, row += s->words) {
        uint64_t any = 0;
        for (size_t w = 0; w < s->words; w++) any |= row[w] & s->rec_passed[w];
        if (!any) return false;
    }
    return true;
}

/* The values of holding shapes (shape_allows): accepted where the record carries its
 * shape's roles, doubt where it does not. Each shape is judged once for the record. */
static void settle_pending(pt_scanner *s)
{
    uint32_t judged = 0, carried = 0;
    for (size_t q = 0; q < s->n_pending; q++) {
        const struct pending_value *pv = &s->pending[q];
        const pt_pattern *p = &s->ps->v[pv->pattern];
        uint32_t live = p->shapes & s->shapes_hold;
        for (uint32_t todo = live & ~judged; todo; todo &= todo - 1) {
            unsigned k = (unsigned)__builtin_ctz(todo);
            if (record_has_roles(s, k)) carried |= (uint32_t)1 << k;
        }
        judged |= live;
        if (!(live & carried)) {
            s->cur_col = pv->col;   /* note_doubt names the value's column */
            note_doubt(s, pv->pattern);
            continue;
        }
        pt_column_pattern *cell = pv->col >= 0 ? pt_colstats_cell(s->cstats, pv->col, pv->pattern) : NULL;
        accept_value(s, pv->pattern, pv->v, pv->n, cell, pv->whole);
    }
    s->n_pending = 0;
}

void pt_scanner_classify(pt_scanner *s, const pt_record *rec, pt_record_class *out,
                         uint64_t *matched, uint64_t *rejected)
{
    s->matched = matched;
    s->rejected = rejected;
    s->n_elems = 0;
    s->n_log = 0;
    s->record_offset = rec ? rec->offset : 0;
    s->categories = 0;
    s->piece = false;
    s->best_rank = ~0u;
    s->subject = 0;
    s->doubt_categories = 0;
    s->doubt_piece = false;
    s->doubt_col = -1;
    s->doubt_pat = -1;
    s->cur_col = -1;
    if (s->shapes_hold)   /* a word or two: a loop, not a call to memset */
        for (size_t w = 0; w < s->words; w++) s->rec_passed[w] = 0;
    /* a field's column is its position in the record, empty fields counted: by index
     * alone, a field after an empty one would be taken for its neighbour's column */
    s->ahead_field[0] = s->ahead_field[1] = NULL;   /* the fields array is the next record's too */
    for (size_t i = 0; rec && i < rec->n; i++) {
        if (i + 1 < rec->n) {
            size_t next = i + 1 + rec->fields[i + 1].empty_before;
            if (next < COLUMNS && ((s->wide_cols >> next) & 1) && !s->reference)
                look_ahead(s, &rec->fields[i + 1], next);
        }
        classify_field(s, &rec->fields[i], i + rec->fields[i].empty_before);
    }
    if (s->n_pending) settle_pending(s);
    memset(out, 0, sizeof *out);
    out->categories = s->categories;
    out->piece = s->piece;
    if (s->piece) fingerprint(s, out->fp);
    out->has_subject = s->best_rank != ~0u;
    out->subject = s->subject;
    out->doubt_categories = s->doubt_categories;
    out->doubt_piece = s->doubt_piece;
    out->doubt_column = s->doubt_col;
    out->doubt_pattern = s->doubt_pat;
}
