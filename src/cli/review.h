/* review.h - the arithmetic of `pitally review` (review.c): the exact one-sided
 * Clopper-Pearson lower confidence bound of a binomial share, the adjusted count of a
 * sampled tier, and the verdict level on adjusted counts. Header-only (static
 * functions) so that tests/unit/test_review.c checks the very code the command runs,
 * without the command line around it.
 *
 * The bound: x real pieces among n sampled rows; at confidence c (alpha = 1 - c) the
 * lower bound p_L is the p with P(X >= x | n, p) = alpha, X ~ Binomial(n, p); p_L = 0
 * for x = 0, and alpha^(1/n) for x = n. P(X >= x | n, p) grows with p, so p_L is found
 * by bisection on [0, 1] until the bracket is narrower than 1e-12; the LOWER end of the
 * bracket is returned, so the bound is never above the exact one by more than the
 * error of the tail sum. The tail is a sum in log space: log C(n,k) from lgamma, plus
 * k log p + (n-k) log1p(-p), added with the log-sum-exp rule, so nothing overflows or
 * underflows for any n.
 */
#ifndef PITALLY_CLI_REVIEW_H
#define PITALLY_CLI_REVIEW_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pitally/policy.h"

#define PT_REVIEW_TOLERANCE 1e-12

/* log of a C(n, k) p^k (1-p)^(n-k) term, 0 < p < 1 */
static inline double pt_review_log_term(uint64_t n, uint64_t k, double lp, double lq)
{
    return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) +
           (double)k * lp + (double)(n - k) * lq;
}

/* log P(X >= x | n, p). stop: once the partial sum passes it the sum is returned as
 * it stands (a comparison with alpha needs no more); INFINITY for the whole tail.
 * The terms rise to the mode and then fall with a falling ratio
 * r_k = (n-k)/(k+1) * p/(1-p): past the mode, what is left is at most t_k r/(1-r), and
 * the sum stops when that is below 1e-18 of it. */
static inline double pt_review_log_tail(uint64_t n, uint64_t x, double p, double stop)
{
    if (x == 0) return 0.0;                     /* P(X >= 0) = 1 */
    if (x > n || p <= 0.0) return -INFINITY;
    if (p >= 1.0) return 0.0;
    double lp = log(p), lq = log1p(-p), lodds = lp - lq;
    double m = -INFINITY, s = 0.0;              /* the sum is s * exp(m) */
    for (uint64_t k = x; k <= n; k++) {
        double lt = pt_review_log_term(n, k, lp, lq);
        if (lt > m) {
            s = (m == -INFINITY ? 0.0 : s * exp(m - lt)) + 1.0;
            m = lt;
        } else {
            s += exp(lt - m);
        }
        double lsum = m + log(s);
        if (lsum >= stop) return lsum;
        if (k == n) break;
        double lr = log((double)(n - k)) - log((double)k + 1) + lodds;
        if (lr < 0) {                           /* past the mode */
            double rest = lt + lr - log1p(-exp(lr));   /* t_k r / (1 - r) */
            if (rest < lsum - 41.5) break;      /* e^-41.5 < 1e-18 */
        }
    }
    return s > 0.0 ? m + log(s) : -INFINITY;   /* s > 0 once a term is added (x <= n) */
}

/* P(X >= x | n, p) */
static inline double pt_review_tail(uint64_t n, uint64_t x, double p)
{
    return exp(pt_review_log_tail(n, x, p, INFINITY));
}

/* The one-sided lower Clopper-Pearson bound of x real among n at confidence c
 * (0 < c < 1): the lower end of a bisection bracket narrower than 1e-12. */
static inline double pt_review_lower_bound(uint64_t n, uint64_t x, double confidence)
{
    if (n == 0 || x == 0) return 0.0;
    if (x > n) x = n;
    double lalpha = log1p(-confidence);         /* log alpha */
    double lo = 0.0, hi = 1.0;
    while (hi - lo > PT_REVIEW_TOLERANCE) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi) break;
        if (pt_review_log_tail(n, x, mid, lalpha) >= lalpha) hi = mid;
        else lo = mid;
    }
    return lo;
}

/* The adjusted distinct count of a sampled tier: every piece when the sample holds
 * the whole tier (rows >= distinct: the real rows are counted, nothing estimated),
 * else floor(distinct * p_L). */
static inline uint64_t pt_review_adjusted(uint64_t distinct, uint64_t rows, uint64_t real,
                                          double lower)
{
    if (rows >= distinct) return real < distinct ? real : distinct;
    long double v = (long double)distinct * (long double)lower;
    uint64_t a = (uint64_t)floorl(v);
    return a > distinct ? distinct : a;
}

/* The verdict level on counts. */
static inline pt_level pt_review_level(const pt_policy *pol, const uint64_t *counts,
                                       const pt_case_facts *facts)
{
    pt_verdict v;
    pt_verdict_compute(pol, counts, facts, &v);
    return v.level;
}

#endif
