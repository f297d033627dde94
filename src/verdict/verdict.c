/* verdict.c - stage 5b: from distinct counts per tier and the case facts to a level and
 * its grounds (SPEC section 1, Interpretation Art. 5 and 6).
 *
 * Every decision is an exact comparison of integers. The thresholds in force are
 * rational (T * num / den under item (八)), the combined ratio is a sum of fractions
 * over up to PT_MAX_TIERS tiers, and "ten times" multiplies once more, so the products
 * can exceed 128 bits with hostile policy files; a small fixed-width unsigned big
 * integer keeps the arithmetic exact whatever the inputs. The doubles in pt_verdict
 * are for display only. Art. 6 (--business-purchase) takes the covered tiers' pieces out
 * of the quantity grounds and puts its profit standard in place of item (七).
 */
#include "pitally/policy.h"

#include <string.h>

/* Unsigned integer of BIG_LIMBS 64-bit limbs, little-endian. The largest product formed
 * here has 2 * PT_MAX_TIERS + 3 factors of 64 bits, plus a few bits for the sum. */
#define BIG_LIMBS (2 * PT_MAX_TIERS + 5)
typedef struct {
    uint64_t limb[BIG_LIMBS];
} big;

static void big_set(big *b, uint64_t v)
{
    memset(b, 0, sizeof *b);
    b->limb[0] = v;
}

static void big_mul(big *b, uint64_t m)
{
    unsigned __int128 carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        unsigned __int128 x = (unsigned __int128)b->limb[i] * m + carry;
        b->limb[i] = (uint64_t)x;
        carry = x >> 64;
    }
}

static void big_add(big *b, const big *a)
{
    unsigned __int128 carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        unsigned __int128 x = (unsigned __int128)b->limb[i] + a->limb[i] + carry;
        b->limb[i] = (uint64_t)x;
        carry = x >> 64;
    }
}

static int big_cmp(const big *a, const big *b)
{
    for (int i = BIG_LIMBS - 1; i >= 0; i--) {
        if (a->limb[i] != b->limb[i]) return a->limb[i] < b->limb[i] ? -1 : 1;
    }
    return 0;
}

/* The rational factor applied to every standard: num/den under item (八), else 1/1. */
typedef struct {
    uint64_t num, den;
} ratio;

/* count >= times * threshold * f.num / f.den, i.e. count * den >= times * threshold * num. */
static bool reaches(uint64_t count, uint64_t threshold, ratio f, uint64_t times)
{
    big lhs, rhs;
    big_set(&lhs, count);
    big_mul(&lhs, f.den);
    big_set(&rhs, threshold);
    big_mul(&rhs, f.num);
    big_mul(&rhs, times);
    return big_cmp(&lhs, &rhs) >= 0;
}

/* Item (六): sum_t d_t / (T_t * num / den) >= times. Multiplying both sides by
 * num * prod_t T_t gives den * sum_t d_t * prod_{s!=t} T_s >= times * num * prod_t T_t. */
static bool combined_reaches(const pt_policy *p, const uint64_t *distinct, ratio f,
                             uint64_t times)
{
    big lhs, rhs, term;
    big_set(&lhs, 0);
    big_set(&rhs, times);
    big_mul(&rhs, f.num);
    for (size_t t = 0; t < p->n_tiers; t++) {
        big_mul(&rhs, p->tiers[t].threshold);
        big_set(&term, distinct[t]);
        big_mul(&term, f.den);
        for (size_t s = 0; s < p->n_tiers; s++) {
            if (s != t) big_mul(&term, p->tiers[s].threshold);
        }
        big_add(&lhs, &term);
    }
    return big_cmp(&lhs, &rhs) >= 0;
}

static void add_ground(pt_verdict *v, const char *ground)
{
    if (ground && v->n_grounds < sizeof v->grounds / sizeof v->grounds[0])
        v->grounds[v->n_grounds++] = ground;
}

/* Display values: thresholds in force and ratios against them. */
static void fill_ratios(const pt_policy *p, const uint64_t *distinct, ratio f, pt_verdict *v)
{
    for (size_t t = 0; t < p->n_tiers; t++) {
        double in_force = (double)p->tiers[t].threshold * (double)f.num / (double)f.den;
        v->tier_threshold[t] = in_force;
        v->tier_ratio[t] = in_force > 0 ? (double)distinct[t] / in_force : 0.0;
        v->combined_ratio += v->tier_ratio[t];
    }
}

void pt_verdict_compute(const pt_policy *p, const uint64_t *distinct,
                        const pt_case_facts *facts, pt_verdict *v)
{
    memset(v, 0, sizeof *v);
    bool professional = facts && facts->professional;
    uint64_t income = facts ? facts->income_cny : 0;
    ratio f = {1, 1};
    if (professional && p->professional_num && p->professional_den)
        f = (ratio){p->professional_num, p->professional_den};
    uint64_t ten = p->especially_factor ? p->especially_factor : 10;

    fill_ratios(p, distinct, f, v);

    /* Art. 6: the quantities of the covered tiers count for nothing; what is left is
     * judged under Art. 5 (items (三)(四) information is not covered). */
    bool business = facts && facts->business_purchase;
    uint64_t covered = business ? p->business_tiers : 0;
    uint64_t counted[PT_MAX_TIERS];
    for (size_t t = 0; t < p->n_tiers && t < PT_MAX_TIERS; t++)
        counted[t] = (covered >> t) & 1 ? 0 : distinct[t];
    /* v->combined_ratio stays the ratio of all tiers (the report shows every tier's
     * ratio and their sum); under Art. 6 the decision uses the uncovered tiers only. */

    bool any_tier = false, especially = false;
    for (size_t t = 0; t < p->n_tiers; t++) {
        if (reaches(counted[t], p->tiers[t].threshold, f, 1)) {
            any_tier = true;
            add_ground(v, p->tiers[t].ground);
        }
        if (reaches(counted[t], p->tiers[t].threshold, f, ten)) especially = true;
    }
    bool combined = combined_reaches(p, counted, f, 1);
    if (combined && !any_tier) add_ground(v, p->combined_ground);
    if (combined_reaches(p, counted, f, ten)) especially = true;

    /* Income: item (七) of Art. 5, or under Art. 6 the profit of item (一), whose standard
     * is neither halved by item (八) nor multiplied into an especially serious one. */
    bool by_income = false, by_profit = false;
    if (business && p->business_profit_threshold) {
        by_profit = reaches(income, p->business_profit_threshold, (ratio){1, 1}, 1);
        if (by_profit) add_ground(v, p->business_ground);
    } else {
        by_income = p->income_threshold && reaches(income, p->income_threshold, f, 1);
        if (by_income) add_ground(v, p->income_ground);
        if (p->income_threshold && reaches(income, p->income_threshold, f, ten)) especially = true;
    }

    /* item (八) is named where a halved standard decided */
    bool serious_art5 = any_tier || combined || by_income;
    if (serious_art5 && professional) add_ground(v, p->professional_ground);
    if (especially) add_ground(v, p->especially_ground);

    v->level = especially                 ? PT_LEVEL_ESPECIALLY_SERIOUS
             : serious_art5 || by_profit ? PT_LEVEL_SERIOUS
                                          : PT_LEVEL_NONE;
    if (business && p->business_note) v->notes[v->n_notes++] = p->business_note;
}
