/* test_review.c - the arithmetic of pitally review (src/cli/review.h): the exact
 * one-sided Clopper-Pearson lower bound, the floor of the adjusted count and the
 * verdict on adjusted counts at a threshold boundary.
 *
 * The expected bounds were computed independently of this code, in Python with exact
 * binomial tails (math.comb, decimal arithmetic at 60 digits) and 120 bisection steps:
 *
 *   from decimal import Decimal, getcontext; import math; getcontext().prec = 60
 *   def tail(n, x, p): return sum(math.comb(n, k) * p**k * (1-p)**(n-k) for k in range(x, n+1))
 *   def lower(n, x, conf):
 *       a, lo, hi = 1 - Decimal(conf), Decimal(0), Decimal(1)
 *       for _ in range(120):
 *           mid = (lo + hi) / 2
 *           if tail(n, x, mid) >= a: hi = mid
 *           else: lo = mid
 *       return lo
 *
 *   lower(400, 392, "0.95") = 0.964203382386359709802416226...
 *   lower(10, 8, "0.95")    = 0.493098698936797592827520614...
 *   lower(50, 40, "0.95")   = 0.684403938579986138211747907...
 *   lower(400, 400, "0.95") = 0.992538644471200396549902670... = 0.05^(1/400)
 *
 * 392 of 400 at 95% one-sided is the lower end of the two-sided 90% Clopper-Pearson
 * interval, the 5% quantile of Beta(392, 9): 0.96420, as tables give it. */
#include <math.h>

#include "check.h"
#include "../../src/cli/review.h"

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol)) {
        check_failures_++;
        printf("#   %s: got %.17g, expected %.17g (tolerance %g)\n", what, got, want, tol);
    }
}

static void test_bound_textbook_400_392(void)
{
    double p = pt_review_lower_bound(400, 392, 0.95);
    near(p, 0.96420338238635971, 2e-12, "p_L(392 of 400, 95%)");
    CHECK(p <= 0.96420338238635971 + 1e-15);   /* the lower end of the bracket */
    /* at the bound, the tail is alpha */
    near(pt_review_tail(400, 392, p), 0.05, 1e-9, "P(X >= 392 | 400, p_L)");
}

static void test_bound_small_and_medium(void)
{
    near(pt_review_lower_bound(10, 8, 0.95), 0.49309869893679759, 2e-12, "p_L(8 of 10)");
    near(pt_review_lower_bound(50, 40, 0.95), 0.68440393857998614, 2e-12, "p_L(40 of 50)");
}

static void test_bound_all_real_is_alpha_root(void)
{
    /* x = n: P(X >= n) = p^n = alpha, so p_L = alpha^(1/n) */
    near(pt_review_lower_bound(400, 400, 0.95), pow(0.05, 1.0 / 400), 2e-12, "x = n = 400");
    near(pt_review_lower_bound(400, 400, 0.95), 0.99253864447120040, 2e-12, "x = n = 400 (Python)");
    near(pt_review_lower_bound(1, 1, 0.95), 0.05, 2e-12, "x = n = 1");
    near(pt_review_lower_bound(20, 20, 0.99), pow(0.01, 1.0 / 20), 2e-12, "x = n = 20 at 99%");
}

static void test_bound_zero_real(void)
{
    CHECK(pt_review_lower_bound(400, 0, 0.95) == 0.0);
    CHECK(pt_review_lower_bound(0, 0, 0.95) == 0.0);
    CHECK(pt_review_tail(400, 0, 0.3) == 1.0);
}

static void test_bound_large_n(void)
{
    /* a million rows: no overflow, and close to the normal approximation
     * 0.98 - 1.645 * sqrt(0.98 * 0.02 / 1e6) = 0.979770 (CP is a little lower) */
    double p = pt_review_lower_bound(1000000, 980000, 0.95);
    CHECK(p < 0.98);
    near(p, 0.97977, 3e-5, "p_L(980000 of 1e6)");
    /* monotone in x and in the confidence */
    CHECK(pt_review_lower_bound(400, 391, 0.95) < pt_review_lower_bound(400, 392, 0.95));
    CHECK(pt_review_lower_bound(400, 392, 0.99) < pt_review_lower_bound(400, 392, 0.95));
}

static void test_bound_small_share(void)
{
    /* x = 1: P(X >= 1) = 1 - (1-p)^n = alpha, so p_L = 1 - confidence^(1/n); with
     * n = 1000: 0.0000512919789090178... (Python, the same bisection on the complement
     * 1 - sum_{k<x} C(n,k) p^k (1-p)^(n-k), which has x terms) */
    near(pt_review_lower_bound(1000, 1, 0.95), 1 - pow(0.95, 1.0 / 1000), 2e-12, "1 of 1000");
    near(pt_review_lower_bound(1000, 1, 0.95), 5.12919789090178e-05, 2e-12, "1 of 1000 (Python)");
    /* 10 of a million: 0.0000054254153939408816... (Python, as above); the tail starts
     * far below the bulk, where the terms underflow unless summed in log space */
    near(pt_review_lower_bound(1000000, 10, 0.95), 5.4254153939408816e-06, 2e-12, "10 of 1e6");
}

static pt_policy pol;

static void test_floor_and_verdict_at_the_boundary(void)
{
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0) {
        printf("#   %s\n", err);
        CHECK(0);
        return;
    }
    /* 400 of 400 sampled rows real: p_L = 0.05^(1/400) = 0.9925386444712004.
     * 5038 x p_L = 5000.4097 -> 5000 pieces: art5_5 reaches its threshold 5000;
     * 5037 x p_L = 4999.4171 -> 4999 pieces: below it (and the combined ratio 4999/5000 < 1). */
    double p = pt_review_lower_bound(400, 400, 0.95);
    CHECK_EQ(pt_review_adjusted(5038, 400, 400, p), 5000);
    CHECK_EQ(pt_review_adjusted(5037, 400, 400, p), 4999);
    pt_case_facts none = {0};
    uint64_t at[PT_MAX_TIERS] = {0, 0, pt_review_adjusted(5038, 400, 400, p)};
    uint64_t below[PT_MAX_TIERS] = {0, 0, pt_review_adjusted(5037, 400, 400, p)};
    CHECK_EQ(pt_review_level(&pol, at, &none), PT_LEVEL_SERIOUS);
    CHECK_EQ(pt_review_level(&pol, below, &none), PT_LEVEL_NONE);
    /* 392 of 400: p_L = 0.9642033823863597; 519 x p_L = 500.4216 -> 500 (art5_4 reaches
     * 500), 518 x p_L = 499.4574 -> 499 (below) */
    double q = pt_review_lower_bound(400, 392, 0.95);
    CHECK_EQ(pt_review_adjusted(519, 400, 392, q), 500);
    CHECK_EQ(pt_review_adjusted(518, 400, 392, q), 499);
    uint64_t four_at[PT_MAX_TIERS] = {0, 500, 0}, four_below[PT_MAX_TIERS] = {0, 499, 0};
    CHECK_EQ(pt_review_level(&pol, four_at, &none), PT_LEVEL_SERIOUS);
    CHECK_EQ(pt_review_level(&pol, four_below, &none), PT_LEVEL_NONE);
    /* professional (item 八): halved, 250 of art5_4 is serious, 249 not. 100 of 100
     * sampled real: p_L = 0.05^(1/100) = 0.9704869503929601;
     * 258 x p_L = 250.3856 -> 250; 257 x p_L = 249.4151 -> 249 */
    pt_case_facts prof = {.professional = true};
    double r = pt_review_lower_bound(100, 100, 0.95);
    uint64_t h_at[PT_MAX_TIERS] = {0, pt_review_adjusted(258, 100, 100, r), 0};
    uint64_t h_below[PT_MAX_TIERS] = {0, pt_review_adjusted(257, 100, 100, r), 0};
    CHECK_EQ(h_at[1], 250);
    CHECK_EQ(h_below[1], 249);
    CHECK_EQ(pt_review_level(&pol, h_at, &prof), PT_LEVEL_SERIOUS);
    CHECK_EQ(pt_review_level(&pol, h_below, &prof), PT_LEVEL_NONE);
    pt_policy_free(&pol);
}

static void test_whole_tier_counts_real_rows(void)
{
    /* the sample holds every piece: no estimate, the real rows */
    CHECK_EQ(pt_review_adjusted(60, 60, 57, 0.0), 57);
    CHECK_EQ(pt_review_adjusted(60, 400, 57, 0.0), 57);
    CHECK_EQ(pt_review_adjusted(0, 0, 0, 0.0), 0);
    /* a tier larger than its sample, nothing real: 0 */
    CHECK_EQ(pt_review_adjusted(1000, 400, 0, pt_review_lower_bound(400, 0, 0.95)), 0);
}

int main(void)
{
    RUN(test_bound_textbook_400_392);
    RUN(test_bound_small_and_medium);
    RUN(test_bound_all_real_is_alpha_root);
    RUN(test_bound_zero_real);
    RUN(test_bound_large_n);
    RUN(test_bound_small_share);
    RUN(test_floor_and_verdict_at_the_boundary);
    RUN(test_whole_tier_counts_real_rows);
    return CHECK_DONE();
}
