/* test_tally.c - the dedup sets: new-in-input vs new-in-run, growth, threads; what is new
 * since a baseline. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/tally.h"

static pt_fp_item item(uint64_t a, uint64_t b)
{
    pt_fp_item it = {.fp = {a, b}};
    return it;
}

static pt_fp_item tiered(uint64_t a, uint64_t b, uint8_t tier)
{
    pt_fp_item it = {.fp = {a, b}, .tier = tier};
    return it;
}

/* A piece seen in two tiers (declared provenance differs between inputs) counts once,
 * in the most serious one, whichever input came first; merging two sets gives the
 * same as inserting both into one. */
static void test_fpset_most_serious_tier(void)
{
    uint64_t per[PT_MAX_TIERS];
    for (int order = 0; order < 2; order++) {
        pt_fpset *s = pt_fpset_new();
        pt_fp_item a[2] = {tiered(7, 70, 2), tiered(8, 80, 2)};
        pt_fp_item b[1] = {tiered(7, 70, 1)};
        if (order == 0) {
            pt_fpset_insert_batch(s, 0, a, 2);
            pt_fpset_insert_batch(s, 1, b, 1);
        } else {
            pt_fpset_insert_batch(s, 0, b, 1);
            pt_fpset_insert_batch(s, 1, a, 2);
        }
        pt_fpset_count_tiers(s, per);
        CHECK_EQ(per[1], 1);   /* (7,70): tier 1 beats tier 2 */
        CHECK_EQ(per[2], 1);   /* (8,80) */
        CHECK_EQ(per[0], 0);
        pt_fpset_free(s);
    }
    pt_fpset *x = pt_fpset_new(), *y = pt_fpset_new();
    pt_fp_item a[2] = {tiered(7, 70, 2), tiered(8, 80, 2)};
    pt_fp_item b[2] = {tiered(7, 70, 0), tiered(9, 90, 1)};
    pt_fpset_insert_batch(x, 0, a, 2);
    pt_fpset_insert_batch(y, 0, b, 2);
    pt_fpset_merge(x, y);
    pt_fpset_count_tiers(x, per);
    CHECK_EQ(pt_fpset_size(x), 3);
    CHECK_EQ(per[0], 1);
    CHECK_EQ(per[1], 1);
    CHECK_EQ(per[2], 1);
    pt_fpset_free(x);
    pt_fpset_free(y);
}

static void test_fpset_inputs(void)
{
    pt_fpset *s = pt_fpset_new();
    pt_fp_item in0[3] = {item(1, 10), item(2, 20), item(1, 10)};
    pt_fpset_insert_batch(s, 0, in0, 3);
    int new_input = 0, new_run = 0;
    for (int i = 0; i < 3; i++) {
        new_input += in0[i].new_in_input;
        new_run += in0[i].new_in_run;
    }
    CHECK_EQ(new_input, 2);   /* the repeated (1,10) is a duplicate within input 0 */
    CHECK_EQ(new_run, 2);
    /* input 1 sees (1,10) again: new for the input, not for the run */
    pt_fp_item in1[2] = {item(1, 10), item(3, 30)};
    pt_fpset_insert_batch(s, 1, in1, 2);
    for (int i = 0; i < 2; i++) {
        CHECK(in1[i].new_in_input);
        CHECK_EQ(in1[i].new_in_run, in1[i].fp[0] == 3);
    }
    CHECK_EQ(pt_fpset_size(s), 3);
    pt_fpset_free(s);
}

static void test_fpset_grows(void)
{
    pt_fpset *s = pt_fpset_new();
    enum { N = 200000 };
    pt_fp_item *v = malloc(N * sizeof *v);
    /* spread over shards: the shard is the top byte of fp[1] */
    for (uint64_t i = 0; i < N; i++) v[i] = item(i * 0x9E3779B97F4A7C15ull, i * 0xC2B2AE3D27D4EB4Full);
    pt_fpset_insert_batch(s, 0, v, N);
    CHECK_EQ(pt_fpset_size(s), N);
    for (uint64_t i = 0; i < N; i++) v[i] = item(i * 0x9E3779B97F4A7C15ull, i * 0xC2B2AE3D27D4EB4Full);
    pt_fpset_insert_batch(s, 0, v, N);
    size_t fresh = 0;
    for (size_t i = 0; i < N; i++) fresh += v[i].new_in_input;
    CHECK_EQ(fresh, 0);
    CHECK_EQ(pt_fpset_size(s), N);
    free(v);
    pt_fpset_free(s);
}

/* SPEC section 6 budgets 32 bytes per distinct piece for everything; the piece set's
 * share is a 12-byte slot at a load of at least 0.53 (grown by half at 0.8): at most
 * 12 / 0.53 = 22.6 bytes per piece, whatever the moment of growth. */
static void test_fpset_memory_per_piece(void)
{
    pt_fpset *s = pt_fpset_new();
    enum { N = 1000000, BATCH = 10000 };
    pt_fp_item *v = malloc(BATCH * sizeof *v);
    for (uint64_t base = 0; base < N; base += BATCH) {
        for (uint64_t i = 0; i < BATCH; i++) {
            uint64_t k = base + i + 1;
            v[i] = item(k * 0xD6E8FEB86659FD93ull, k * 0x9E3779B97F4A7C15ull);
        }
        pt_fpset_insert_batch(s, 0, v, BATCH);
    }
    CHECK_EQ(pt_fpset_size(s), N);
    double per_piece = (double)pt_fpset_memory(s) / N;
    if (per_piece > 23.0) printf("#   %.1f bytes per piece\n", per_piece);
    CHECK(per_piece <= 23.0);
    free(v);
    pt_fpset_free(s);
}

/* The growth rule keeps the budget of SPEC section 6 at every size, at its worst moment:
 * right after all shards grew (the hash spreads pieces evenly, so they grow together),
 * the piece slots (12 bytes) and subject slots (8) of 256 shards may not exceed half of
 * the 64 MiB base (the other half is for chunks and scanners) plus 32 bytes a piece.
 * Growing by half at every size breaks it from 8.06M pieces on (37.5 bytes a piece). */
static void test_dedup_growth_keeps_the_budget(void)
{
    size_t cap = PT_DEDUP_INITIAL_SLOTS, steps = 0, over = 0;
    double worst_large = 0;
    while (cap < (size_t)4e9 / PT_DEDUP_SHARDS) {
        size_t next = pt_dedup_grown_capacity(cap);
        CHECK(next > cap);
        double pieces = (double)PT_DEDUP_SHARDS * (cap * 4 / 5 + 1);   /* the one that grew it */
        double bytes = (double)PT_DEDUP_SHARDS * next * (12 + 8);
        if (bytes > 32.0 * 1024 * 1024 + 32.0 * pieces) over++;
        if (pieces > 1e7 && bytes / pieces > worst_large) worst_large = bytes / pieces;
        cap = next;
        steps++;
    }
    CHECK(steps > 20);
    CHECK_EQ(over, 0);
    CHECK(worst_large <= 31.25 + 0.01);   /* 20 bytes at load 0.8 / 1.25 */
}

typedef struct {
    pt_hashset *set;
    uint64_t start, added;
} worker_arg;

static void *insert_range(void *p)
{
    worker_arg *a = p;
    uint64_t batch[1000];
    /* each thread inserts 0..49999 shifted by start: ranges overlap by half */
    for (uint64_t base = 0; base < 50000; base += 1000) {
        for (uint64_t i = 0; i < 1000; i++) batch[i] = (a->start + base + i) * 0x9E3779B97F4A7C15ull;
        a->added += pt_hashset_insert_batch(a->set, batch, 1000);
    }
    return NULL;
}

static void test_hashset_threads(void)
{
    pt_hashset *s = pt_hashset_new();
    worker_arg args[2] = {{s, 0, 0}, {s, 25000, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, insert_range, &args[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    /* union of [0,50000) and [25000,75000) has 75000 values */
    CHECK_EQ(args[0].added + args[1].added, 75000);
    CHECK_EQ(pt_hashset_size(s), 75000);
    uint64_t zero[2] = {0, 0};
    /* value 0 (= 0 * K, inserted by the first thread) is already there: hash 0 is a
     * value like any other, not an empty-slot marker */
    CHECK_EQ(pt_hashset_insert_batch(s, zero, 2), 0);
    CHECK_EQ(pt_hashset_size(s), 75000);
    pt_hashset_free(s);
}

static void test_counts_add(void)
{
    pt_counts a = {0}, b = {0};
    a.records = 3; a.pieces.raw = 2; a.tiers[1].distinct = 1; a.categories[5] = 7;
    b.records = 4; b.pieces.raw = 1; b.tiers[1].distinct = 2; b.categories[5] = 1;
    pt_counts_add(&a, &b);
    CHECK_EQ(a.records, 7);
    CHECK_EQ(a.pieces.raw, 3);
    CHECK_EQ(a.tiers[1].distinct, 3);
    CHECK_EQ(a.categories[5], 8);
}

/* The read-only lookups a baseline comparison uses: a piece's tier by shard and key as
 * the shard listing gives them (key 0 included: it is stored as 1), a subject's presence. */
static void test_set_lookups(void)
{
    pt_fpset *s = pt_fpset_new();
    pt_fp_item v[3] = {tiered(0, 5ull << 56, 2), tiered(11, 5ull << 56, 1), tiered(12, 9ull << 56, 0)};
    pt_fpset_insert_batch(s, 0, v, 3);
    uint64_t keys[4];
    uint8_t tiers[4];
    CHECK_EQ(pt_fpset_shard_items(s, 5, keys, tiers), 2);
    for (int i = 0; i < 2; i++) CHECK_EQ(pt_fpset_tier_of(s, 5, keys[i]), tiers[i]);
    CHECK_EQ(pt_fpset_tier_of(s, 5, 0), 2);    /* the zero key, asked for as given */
    CHECK_EQ(pt_fpset_tier_of(s, 5, 11), 1);
    CHECK_EQ(pt_fpset_tier_of(s, 9, 12), 0);
    CHECK_EQ(pt_fpset_tier_of(s, 9, 11), -1);  /* right key, other shard */
    CHECK_EQ(pt_fpset_tier_of(s, 5, 13), -1);
    pt_fpset_free(s);
    pt_hashset *h = pt_hashset_new();
    uint64_t hv[2] = {0, 77};
    pt_hashset_insert_batch(h, hv, 2);
    CHECK(pt_hashset_contains(h, 0));
    CHECK(pt_hashset_contains(h, 77));
    CHECK(!pt_hashset_contains(h, 1ull << 60));
    pt_hashset_free(h);
}

static void add_hashed(pt_tally *t, const char *path, const char *sha256)
{
    pt_input_result *in = pt_tally_add_input(t, path);
    snprintf(in->sha256, sizeof in->sha256, "%s", sha256);
}

/* Two tallies made by hand; every expected count is read off the comments. */
static void test_tally_compare(void)
{
    pt_tally *base = pt_tally_new(0), *now = pt_tally_new(0);
    add_hashed(base, "a", "aa");
    add_hashed(base, "b", "bb");
    add_hashed(base, "c", "cc");
    add_hashed(base, "d", "");      /* not read whole last time */
    add_hashed(now, "e", "ee");     /* new */
    add_hashed(now, "a", "aa");     /* unchanged */
    add_hashed(now, "b", "b2");     /* changed */
    add_hashed(now, "d", "dd");     /* unhashed: no hash to compare with */
    add_hashed(now, "a", "aa");     /* a second "a": the baseline had one, so this one is new */
    /* c: gone */
    pt_fp_item b[4] = {tiered(1, 1ull << 56, 2), tiered(2, 2ull << 56, 2), tiered(3, 3ull << 56, 1),
                       tiered(0, 4ull << 56, 0)};
    pt_fp_item n[6] = {tiered(1, 1ull << 56, 2),    /* as before */
                       tiered(2, 2ull << 56, 0),    /* tier 2 -> 0: raised into tier 0 */
                       tiered(3, 3ull << 56, 2),    /* tier 1 -> 2: less serious, nothing */
                       tiered(4, 4ull << 56, 1),    /* new in tier 1 */
                       tiered(5, 3ull << 56, 0),    /* new in tier 0 */
                       tiered(0, 4ull << 56, 0)};   /* the zero key, as before */
    pt_fpset_insert_batch(base->pieces, 0, b, 4);
    pt_fpset_insert_batch(now->pieces, 0, n, 6);
    uint64_t bs[2] = {10, 20}, ns[3] = {20, 30, 0};  /* 30 and 0 are new subjects */
    pt_hashset_insert_batch(base->subjects, bs, 2);
    pt_hashset_insert_batch(now->subjects, ns, 3);

    pt_baseline_diff d;
    char err[256];
    CHECK_EQ(pt_tally_compare(now, base, &d, err, sizeof err), 0);
    CHECK_EQ(d.inputs[PT_BASE_NEW], 2);
    CHECK_STR(d.paths[PT_BASE_NEW][0], "e");
    CHECK_STR(d.paths[PT_BASE_NEW][1], "a");
    CHECK_EQ(d.inputs[PT_BASE_CHANGED], 1);
    CHECK_STR(d.paths[PT_BASE_CHANGED][0], "b");
    CHECK_EQ(d.inputs[PT_BASE_GONE], 1);
    CHECK_STR(d.paths[PT_BASE_GONE][0], "c");
    CHECK_EQ(d.inputs[PT_BASE_UNCHANGED], 1);
    CHECK(d.paths[PT_BASE_UNCHANGED] == NULL);
    CHECK_EQ(d.inputs[PT_BASE_UNHASHED], 1);
    CHECK_STR(d.paths[PT_BASE_UNHASHED][0], "d");
    CHECK_EQ(d.pieces_new[0], 1);
    CHECK_EQ(d.pieces_new[1], 1);
    CHECK_EQ(d.pieces_new[2], 0);
    CHECK_EQ(d.pieces_raised[0], 1);
    CHECK_EQ(d.pieces_raised[1], 0);
    CHECK_EQ(d.pieces_raised[2], 0);
    CHECK_EQ(d.subjects_new, 2);
    pt_baseline_diff_free(&d);

    /* against itself: nothing new, every input with a hash unchanged */
    CHECK_EQ(pt_tally_compare(base, base, &d, err, sizeof err), 0);
    CHECK_EQ(d.inputs[PT_BASE_UNCHANGED], 3);
    CHECK_EQ(d.inputs[PT_BASE_UNHASHED], 1);
    CHECK_EQ(d.inputs[PT_BASE_NEW] + d.inputs[PT_BASE_CHANGED] + d.inputs[PT_BASE_GONE], 0);
    CHECK_EQ(d.pieces_new[0] + d.pieces_new[1] + d.pieces_new[2] + d.subjects_new, 0);
    pt_baseline_diff_free(&d);

    /* another case key: refused, not compared into "everything is new" */
    now->key_id = base->key_id ^ 1;
    CHECK_EQ(pt_tally_compare(now, base, &d, err, sizeof err), -1);
    CHECK(strstr(err, "case key") != NULL);
    pt_baseline_diff_free(&d);
    pt_tally_free(base);
    pt_tally_free(now);
}

int main(void)
{
    RUN(test_fpset_most_serious_tier);
    RUN(test_fpset_inputs);
    RUN(test_fpset_grows);
    RUN(test_fpset_memory_per_piece);
    RUN(test_dedup_growth_keeps_the_budget);
    RUN(test_hashset_threads);
    RUN(test_counts_add);
    RUN(test_set_lookups);
    RUN(test_tally_compare);
    return CHECK_DONE();
}
