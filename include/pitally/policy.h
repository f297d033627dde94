/* policy.h - stage 5: the law as data. patterns/policy.yaml names the tiers of
 * Interpretation Art. 5 para 1 items (三)(四)(五) with their thresholds, maps every
 * category to a tier, and gives the factors of item (六) (combination), item (七)
 * (income), item (八) (professional: thresholds times 1/2) and para 2 item (三)
 * (especially serious: ten times). C only does the arithmetic, exactly, in integers.
 */
#ifndef PITALLY_POLICY_H
#define PITALLY_POLICY_H

#include "pitally/common.h"

typedef struct {
    char *id;          /* "art5_3" */
    char *ground;      /* ground named when this tier alone reaches its threshold: "art5_1_3" */
    char *label;       /* human text for the text report */
    char *label_zh;    /* the same in the Interpretation's words (--lang zh), or NULL */
    uint64_t threshold;/* pieces, e.g. 50 */
} pt_tier;

typedef struct {
    char *name;                       /* policy name for the report */
    pt_tier tiers[PT_MAX_TIERS];      /* most serious (lowest threshold) first */
    size_t n_tiers;
    char *categories[PT_MAX_CATEGORIES];
    int category_tier[PT_MAX_CATEGORIES];   /* index into tiers */
    char *category_zh[PT_MAX_CATEGORIES];   /* the Interpretation's term, or NULL */
    size_t n_categories;
    /* item (六): combined ratio ground */
    char *combined_ground;            /* "art5_1_6" */
    /* item (七) */
    uint64_t income_threshold;        /* CNY, 5000 */
    char *income_ground;              /* "art5_1_7" */
    /* item (八): thresholds of items (三)-(七) times num/den */
    uint64_t professional_num, professional_den;   /* 1, 2 */
    char *professional_ground;        /* "art5_1_8" */
    /* para 2 item (三) */
    uint64_t especially_factor;       /* 10 */
    char *especially_ground;          /* "art5_2_3" */
    /* Art. 6: buying information of the covered tiers (those other than items (三)(四))
     * for a legitimate business is serious only with profit >= the threshold; their
     * quantities do not count. */
    uint64_t business_profit_threshold;  /* CNY, 50000 */
    uint64_t business_tiers;          /* bit t: tier t is covered by Art. 6 (art5_5) */
    char *business_ground;            /* "art6_1_1" */
    char *business_note;              /* text of the note printed with --business-purchase */
} pt_policy;

/* Load a policy file. Returns 0, or -1 with err = "FILE:LINE: reason". */
int pt_policy_load(pt_policy *p, const char *path, char *err, size_t errlen);
void pt_policy_free(pt_policy *p);
/* Index of a category or tier by id, -1 when unknown. */
int pt_policy_category(const pt_policy *p, const char *id);
int pt_policy_tier(const pt_policy *p, const char *id);
/* Apply "--tier CATEGORY=TIER". Returns 0, or -1 with err naming what is unknown. */
int pt_policy_override(pt_policy *p, const char *spec, char *err, size_t errlen);
/* The most serious tier among the categories in mask, or -1 for an empty mask. */
int pt_policy_tier_of_mask(const pt_policy *p, uint64_t category_mask);

typedef enum { PT_LEVEL_NONE = 0, PT_LEVEL_SERIOUS, PT_LEVEL_ESPECIALLY_SERIOUS } pt_level;
const char *pt_level_name(pt_level l);   /* "none", "serious", "especially_serious" */

typedef struct {
    bool professional;
    uint64_t income_cny;     /* illegal income; under business_purchase, the profit of Art. 6 */
    bool business_purchase;  /* Art. 6: bought for a legitimate business */
} pt_case_facts;

typedef struct {
    pt_level level;
    double combined_ratio;                /* for display only; decisions are exact */
    double tier_ratio[PT_MAX_TIERS];
    double tier_threshold[PT_MAX_TIERS];  /* in force (halved when professional) */
    const char *grounds[PT_MAX_TIERS + 6];/* point into the policy */
    size_t n_grounds;
    const char *notes[4];                 /* e.g. the Art. 6 note */
    size_t n_notes;
} pt_verdict;

/* distinct[t] = distinct pieces of tier t. Integer arithmetic throughout:
 * 30/50 + 200/500 is exactly 1. With facts->business_purchase (Art. 6) the pieces of the
 * covered tiers are left out of every quantity ground (their own tier, item (六), ten
 * times), the income ground becomes the profit ground of Art. 6 (its threshold, not
 * halved, never ten times: Art. 6 has no 情节特别严重 standard), and the pieces of items
 * (三)(四), which Art. 6 does not cover, are judged under Art. 5 as usual. */
void pt_verdict_compute(const pt_policy *p, const uint64_t *distinct,
                        const pt_case_facts *facts, pt_verdict *v);

#endif
