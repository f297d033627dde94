/* test_policy.c - stage 5: the policy loader and the verdict arithmetic.
 *
 * Expected values are worked out by hand from SPEC section 1 and patterns/policy.yaml:
 * thresholds 50 / 500 / 5000, halved under item (八), ten times for para 2 (三),
 * income 5000 CNY. Broken policy files check that every refusal says "FILE:LINE:".
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "pitally/policy.h"

static pt_policy pol;
static char err[1024];

static int load_default(void)
{
    int rc = pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err);
    if (rc != 0) printf("#   policy load failed: %s\n", err);
    return rc;
}

/* Verdict for distinct counts of (art5_3, art5_4, art5_5) and the facts. */
static pt_verdict judge(uint64_t d3, uint64_t d4, uint64_t d5, bool professional,
                        uint64_t income)
{
    uint64_t distinct[PT_MAX_TIERS] = {d3, d4, d5};
    pt_case_facts facts = {.professional = professional, .income_cny = income};
    pt_verdict v;
    pt_verdict_compute(&pol, distinct, &facts, &v);
    return v;
}

/* The grounds joined with commas, to compare a whole list at once. */
static const char *grounds(const pt_verdict *v)
{
    static char buf[256];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < v->n_grounds; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? "," : "",
                                 v->grounds[i]);
    return buf;
}

static void test_load_default(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    CHECK_EQ(pol.n_tiers, 3);
    CHECK_STR(pol.tiers[0].id, "art5_3");
    CHECK_STR(pol.tiers[2].ground, "art5_1_5");
    CHECK_EQ(pol.tiers[0].threshold, 50);
    CHECK_EQ(pol.tiers[1].threshold, 500);
    CHECK_EQ(pol.tiers[2].threshold, 5000);
    CHECK_EQ(pol.n_categories, 19);   /* 18 + waybill (contested mapping) */
    CHECK_EQ(pol.business_profit_threshold, 50000);
    CHECK_EQ(pol.business_tiers, (uint64_t)1 << 2);   /* Art. 6 covers art5_5 only */
    CHECK_STR(pol.business_ground, "art6_1_1");
    int health = pt_policy_category(&pol, "health");
    CHECK(health >= 0);
    CHECK_EQ(pol.category_tier[health], pt_policy_tier(&pol, "art5_4"));
    CHECK_EQ(pt_policy_tier(&pol, "art5_4"), 1);
    CHECK_EQ(pt_policy_category(&pol, "nope"), -1);
    CHECK_EQ(pt_policy_tier(&pol, "art5_9"), -1);
    CHECK_STR(pol.combined_ground, "art5_1_6");
    CHECK_EQ(pol.income_threshold, 5000);
    CHECK_STR(pol.income_ground, "art5_1_7");
    CHECK_EQ(pol.professional_num, 1);
    CHECK_EQ(pol.professional_den, 2);
    CHECK_STR(pol.professional_ground, "art5_1_8");
    CHECK_EQ(pol.especially_factor, 10);
    CHECK_STR(pol.especially_ground, "art5_2_3");
    CHECK_EQ(pol.business_profit_threshold, 50000);
    CHECK(pol.business_note && strstr(pol.business_note, "Art. 6"));
    pt_policy_free(&pol);
}

static void test_single_tier(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    pt_verdict v = judge(49, 0, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    CHECK(v.combined_ratio > 0.979 && v.combined_ratio < 0.981);
    v = judge(50, 0, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3");
    CHECK(v.tier_ratio[0] == 1.0);
    CHECK(v.tier_threshold[0] == 50.0);
    v = judge(0, 0, 5000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_5");
    v = judge(0, 0, 4999, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(pt_level_name(PT_LEVEL_NONE), "none");
    CHECK_STR(pt_level_name(PT_LEVEL_SERIOUS), "serious");
    CHECK_STR(pt_level_name(PT_LEVEL_ESPECIALLY_SERIOUS), "especially_serious");
    pt_policy_free(&pol);
}

static void test_combined(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    /* 30/50 + 200/500 = 0.6 + 0.4 = 1 exactly: serious only in combination. */
    pt_verdict v = judge(30, 200, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_6");
    CHECK(v.combined_ratio == 1.0);
    /* 29/50 + 200/500 = 0.98. */
    v = judge(29, 200, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    /* 10/50 + 100/500 + 3000/5000 = 0.2 + 0.2 + 0.6 = 1. */
    v = judge(10, 100, 3000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_6");
    /* one short of it: 10/50 + 100/500 + 2999/5000 < 1. */
    v = judge(10, 100, 2999, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* a tier reaching alone names its own ground, not the combined one. */
    v = judge(50, 200, 0, false, 0);
    CHECK_STR(grounds(&v), "art5_1_3");
    pt_policy_free(&pol);
}

static void test_professional(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    pt_verdict v = judge(25, 0, 0, true, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3,art5_1_8");
    CHECK(v.tier_threshold[0] == 25.0);
    CHECK(v.tier_threshold[1] == 250.0);
    CHECK(v.tier_threshold[2] == 2500.0);
    CHECK(v.tier_ratio[0] == 1.0);
    v = judge(24, 0, 0, true, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    /* 15/25 + 100/250 = 1 under the halved standards. */
    v = judge(15, 100, 0, true, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_6,art5_1_8");
    /* income standard halved too: 2500 CNY. */
    v = judge(0, 0, 0, true, 2500);
    CHECK_STR(grounds(&v), "art5_1_7,art5_1_8");
    v = judge(0, 0, 0, true, 2499);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* ten times the halved standard: 250 art5_3 pieces. */
    v = judge(250, 0, 0, true, 0);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3,art5_1_8,art5_2_3");
    pt_policy_free(&pol);
}

static void test_income(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    pt_verdict v = judge(0, 0, 0, false, 5000);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_7");
    v = judge(0, 0, 0, false, 4999);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    v = judge(0, 0, 0, false, 50000);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_7,art5_2_3");
    v = judge(0, 0, 0, false, 49999);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    /* income is not summed with quantities: 49/50 + 4999/5000 CNY is nothing. */
    v = judge(49, 0, 0, false, 4999);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    pt_policy_free(&pol);
}

static void test_especially(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    pt_verdict v = judge(500, 0, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3,art5_2_3");
    v = judge(499, 0, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3");
    /* 300/50 + 2000/500 = 6 + 4 = 10: ten times in combination. */
    v = judge(300, 2000, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3,art5_1_4,art5_2_3");
    CHECK(v.combined_ratio == 10.0);
    /* 299/50 + 2000/500 = 9.98. */
    v = judge(299, 2000, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    /* huge counts do not overflow the exact arithmetic. */
    v = judge(UINT64_MAX, UINT64_MAX, UINT64_MAX, true, UINT64_MAX);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3,art5_1_4,art5_1_5,art5_1_7,art5_1_8,art5_2_3");
    pt_policy_free(&pol);
}

static void test_business_note(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    uint64_t distinct[PT_MAX_TIERS] = {0};
    pt_case_facts facts = {.business_purchase = true};
    pt_verdict v;
    pt_verdict_compute(&pol, distinct, &facts, &v);
    CHECK_EQ(v.n_notes, 1);
    CHECK(v.n_notes == 1 && strstr(v.notes[0], "50,000"));
    v = judge(0, 0, 0, false, 0);
    CHECK_EQ(v.n_notes, 0);
    pt_policy_free(&pol);
}

/* Verdict under --business-purchase (Art. 6): distinct counts of (art5_3, art5_4, art5_5),
 * item (八), and the profit (--income). */
static pt_verdict judge_business(uint64_t d3, uint64_t d4, uint64_t d5, bool professional,
                                 uint64_t profit)
{
    uint64_t distinct[PT_MAX_TIERS] = {d3, d4, d5};
    pt_case_facts facts = {.professional = professional, .income_cny = profit,
                           .business_purchase = true};
    pt_verdict v;
    pt_verdict_compute(&pol, distinct, &facts, &v);
    return v;
}

/* Art. 6: information other than items (三)(四) bought for a legitimate business is serious
 * only with profit >= CNY 50,000; the note says so and the verdict must agree with it. */
static void test_business_purchase_verdict(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    /* 5,000 item (五) pieces: serious under Art. 5 (art5_1_5), nothing under Art. 6 */
    pt_verdict v = judge(0, 0, 5000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    v = judge_business(0, 0, 5000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    CHECK_EQ(v.n_notes, 1);
    /* not even ten times as many */
    v = judge_business(0, 0, 50000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* the profit standard of Art. 6 (一): 50,000 is serious, 49,999 is not */
    v = judge_business(0, 0, 5000, false, 50000);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art6_1_1");
    v = judge_business(0, 0, 5000, false, 49999);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* the 5,000 of item (七) is not the standard under Art. 6 */
    v = judge_business(0, 0, 0, false, 5000);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* Art. 6 sets no especially serious standard: ten times the profit stays serious */
    v = judge_business(0, 0, 0, false, 500000);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art6_1_1");
    /* nor is the profit standard halved by item (八): 25,000 is nothing */
    v = judge_business(0, 0, 0, true, 25000);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    /* items (三)(四) are not covered by Art. 6: Art. 5 applies to them as usual */
    v = judge_business(50, 0, 5000, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_3");
    v = judge_business(0, 5000, 0, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_ESPECIALLY_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_4,art5_2_3");
    v = judge_business(25, 0, 0, true, 0);   /* halved: 25 of 25 */
    CHECK_STR(grounds(&v), "art5_1_3,art5_1_8");
    /* item (六) without the covered tier: 25/50 + 2500/5000 = 1 under Art. 5, but only
     * 25/50 = 0.5 under Art. 6 */
    v = judge(25, 0, 2500, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_6");
    v = judge_business(25, 0, 2500, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_NONE);
    CHECK_STR(grounds(&v), "");
    CHECK(v.combined_ratio == 1.0);   /* shown over all tiers; the decision leaves art5_5 out */
    /* 25/50 + 250/500 = 1 counts with or without the 2,500 covered pieces */
    v = judge_business(25, 250, 2500, false, 0);
    CHECK_EQ(v.level, PT_LEVEL_SERIOUS);
    CHECK_STR(grounds(&v), "art5_1_6");
    /* both the profit and item (三) */
    v = judge_business(50, 0, 0, false, 60000);
    CHECK_STR(grounds(&v), "art5_1_3,art6_1_1");
    pt_policy_free(&pol);
}

static void test_override_and_mask(void)
{
    if (load_default() != 0) { CHECK(0); return; }
    int health = pt_policy_category(&pol, "health");
    int identity = pt_policy_category(&pol, "identity");
    int credit = pt_policy_category(&pol, "credit");
    CHECK_EQ(pt_policy_tier_of_mask(&pol, 0), -1);
    CHECK_EQ(pt_policy_tier_of_mask(&pol, 1ull << identity), 2);
    CHECK_EQ(pt_policy_tier_of_mask(&pol, (1ull << identity) | (1ull << health)), 1);
    CHECK_EQ(pt_policy_tier_of_mask(&pol, (1ull << credit) | (1ull << health)), 0);
    CHECK_EQ(pt_policy_tier_of_mask(&pol, 1ull << 63), -1);   /* no such category */

    CHECK_EQ(pt_policy_override(&pol, "health=art5_3", err, sizeof err), 0);
    CHECK_EQ(pol.category_tier[health], 0);
    CHECK_EQ(pt_policy_tier_of_mask(&pol, (1ull << identity) | (1ull << health)), 0);

    err[0] = '\0';
    CHECK_EQ(pt_policy_override(&pol, "healthy=art5_3", err, sizeof err), -1);
    CHECK(strstr(err, "healthy") != NULL);
    CHECK(strstr(err, "whereabouts") != NULL);   /* lists the known ones */
    err[0] = '\0';
    CHECK_EQ(pt_policy_override(&pol, "health=art5_9", err, sizeof err), -1);
    CHECK(strstr(err, "art5_9") != NULL);
    CHECK(strstr(err, "art5_5") != NULL);
    CHECK_EQ(pt_policy_override(&pol, "health", err, sizeof err), -1);
    CHECK_EQ(pt_policy_override(&pol, "=art5_3", err, sizeof err), -1);
    CHECK_EQ(pt_policy_override(&pol, "health=", err, sizeof err), -1);
    CHECK_EQ(pol.category_tier[health], 0);   /* failed overrides change nothing */
    pt_policy_free(&pol);
}

/* A small valid policy; the broken ones below replace one line of it.
 * Line numbers (1-based) are noted for the checks. */
static const char *const good_policy[] = {
    "name: test",                                  /* 1 */
    "tiers:",                                      /* 2 */
    "  - {id: a, ground: g_a, label: A, threshold: 5}",     /* 3 */
    "  - {id: b, ground: g_b, label: B, threshold: 50}",    /* 4 */
    "categories:",                                 /* 5 */
    "  x: a",                                      /* 6 */
    "  y: b",                                      /* 7 */
    "combined: {ground: g_c}",                     /* 8 */
    "income: {threshold: 5000, ground: g_i}",      /* 9 */
    "professional: {factor: {numerator: 1, denominator: 2}, ground: g_p}",  /* 10 */
    "especially_serious: {factor: 10, ground: g_e}",                        /* 11 */
    "business_purchase: {profit_threshold: 50000, ground: g_6, tiers: [b], note: n}",  /* 12 */
};
#define GOOD_LINES (sizeof good_policy / sizeof good_policy[0])

/* Write the good policy with line `line` (1-based, 0: none) replaced by `text`
 * (NULL: dropped), load it, and return the load's result. */
static int load_variant(size_t line, const char *text, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "/tmp/pt_policy_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return 99;
    FILE *f = fdopen(fd, "w");
    for (size_t i = 0; i < GOOD_LINES; i++) {
        const char *l = (i + 1 == line) ? text : good_policy[i];
        fprintf(f, "%s\n", l ? l : "");
    }
    fclose(f);
    pt_policy p;
    int rc = pt_policy_load(&p, path, err, sizeof err);
    if (rc == 0) pt_policy_free(&p);
    unlink(path);
    return rc;
}

/* err starts with "PATH:LINE:". */
static void check_where(const char *path, int line)
{
    char want[256];
    snprintf(want, sizeof want, "%s:%d:", path, line);
    if (strncmp(err, want, strlen(want)) != 0) {
        printf("#   error \"%s\" does not start with \"%s\"\n", err, want);
        CHECK(0);
    }
}

static void test_broken_files(void)
{
    char path[64];
    CHECK_EQ(load_variant(0, NULL, path, sizeof path), 0);

    CHECK_EQ(load_variant(7, "  y: [b", path, sizeof path), -1);   /* YAML syntax */
    CHECK(strstr(err, path) == err);
    CHECK(strstr(err, "YAML") != NULL);

    CHECK_EQ(load_variant(7, "  y: zz", path, sizeof path), -1);   /* unknown tier */
    check_where(path, 7);
    CHECK(strstr(err, "zz") != NULL);

    CHECK_EQ(load_variant(4, "  - {id: b, ground: g_b, label: B, threshold: abc}", path,
                          sizeof path), -1);
    check_where(path, 4);
    CHECK(strstr(err, "abc") != NULL);

    CHECK_EQ(load_variant(4, "  - {id: b, ground: g_b, label: B, threshold: 0}", path,
                          sizeof path), -1);
    check_where(path, 4);

    CHECK_EQ(load_variant(4, "  - {id: b, ground: g_b, label: B, threshold: 5}", path,
                          sizeof path), -1);   /* not increasing */
    check_where(path, 4);

    CHECK_EQ(load_variant(4, "  - {id: a, ground: g_b, label: B, threshold: 50}", path,
                          sizeof path), -1);   /* duplicate tier */
    check_where(path, 4);
    CHECK(strstr(err, "duplicate") != NULL);

    CHECK_EQ(load_variant(7, "  x: b", path, sizeof path), -1);   /* duplicate category */
    check_where(path, 7);
    CHECK(strstr(err, "duplicate") != NULL);

    CHECK_EQ(load_variant(9, "income: {ground: g_i}", path, sizeof path), -1);
    check_where(path, 9);
    CHECK(strstr(err, "threshold") != NULL);

    CHECK_EQ(load_variant(12, NULL, path, sizeof path), -1);   /* business_purchase gone */
    check_where(path, 1);
    CHECK(strstr(err, "business_purchase") != NULL);

    CHECK_EQ(load_variant(12, "business_purchase: {profit_threshold: 50000, ground: g_6, "
                              "tiers: [zz], note: n}", path, sizeof path), -1);
    check_where(path, 12);
    CHECK(strstr(err, "zz") != NULL);
    CHECK_EQ(load_variant(12, "business_purchase: {profit_threshold: 50000, ground: g_6, "
                              "tiers: [], note: n}", path, sizeof path), -1);
    check_where(path, 12);
    CHECK_EQ(load_variant(12, "business_purchase: {profit_threshold: 50000, ground: g_6, "
                              "note: n}", path, sizeof path), -1);   /* tiers missing */
    CHECK(strstr(err, "tiers") != NULL);
    CHECK_EQ(load_variant(12, "business_purchase: {profit_threshold: 50000, tiers: [b], "
                              "note: n}", path, sizeof path), -1);   /* ground missing */
    CHECK(strstr(err, "ground") != NULL);

    CHECK_EQ(load_variant(10, "professional: {factor: {numerator: 1, denominator: -2}, "
                              "ground: g_p}", path, sizeof path), -1);
    check_where(path, 10);

    pt_policy p;
    CHECK_EQ(pt_policy_load(&p, "/nonexistent/policy.yaml", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/policy.yaml:") == err);
}

static void test_too_many_tiers(void)
{
    char path[] = "/tmp/pt_policy_many_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { CHECK(0); return; }
    FILE *f = fdopen(fd, "w");
    fprintf(f, "name: many\ntiers:\n");
    for (int i = 0; i < PT_MAX_TIERS + 1; i++)
        fprintf(f, "  - {id: t%d, ground: g%d, label: L, threshold: %d}\n", i, i, i + 1);
    fprintf(f, "categories: {x: t0}\n");
    fclose(f);
    pt_policy p;
    CHECK_EQ(pt_policy_load(&p, path, err, sizeof err), -1);
    check_where(path, 3);
    unlink(path);
}

int main(void)
{
    RUN(test_load_default);
    RUN(test_single_tier);
    RUN(test_combined);
    RUN(test_professional);
    RUN(test_income);
    RUN(test_especially);
    RUN(test_business_note);
    RUN(test_business_purchase_verdict);
    RUN(test_override_and_mask);
    RUN(test_broken_files);
    RUN(test_too_many_tiers);
    return CHECK_DONE();
}
