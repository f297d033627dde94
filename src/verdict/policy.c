/* policy.c - stage 5a: load patterns/policy.yaml into a pt_policy (see pitally/policy.h).
 *
 * The policy is the whole of the law pitally applies: tiers and thresholds, the
 * category -> tier mapping and the factors of Art. 5 items (六)(七)(八) and para 2 (三).
 * Loading is strict because a silently wrong threshold would silently change a verdict:
 * every missing key, bad number, unknown tier or duplicate is refused with "FILE:LINE:".
 */
#include "pitally/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/yamldoc.h"

typedef struct {
    pt_yamldoc doc;
    const char *path;
    char *err;
    size_t errlen;
} loader;

static int fail(loader *L, yaml_node_t *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Every complaint goes through here: "FILE:LINE: reason", then -1. */
static int fail(loader *L, yaml_node_t *where, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(L->err, L->errlen, "%s:%d: %s", L->path, where ? pt_yaml_line(where) : 1, reason);
    return -1;
}

/* The value of a required key; complains at the parent's line when it is missing. */
static yaml_node_t *need_key(loader *L, yaml_node_t *map, const char *key, const char *where)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        fail(L, map, "%s must be a mapping", where);
        return NULL;
    }
    yaml_node_t *v = pt_yaml_get(&L->doc, map, key);
    if (!v) fail(L, map, "%s: missing key '%s'", where, key);
    return v;
}

/* A required non-empty scalar, copied (the document is freed after loading). */
static int need_string(loader *L, yaml_node_t *map, const char *key, const char *where,
                       char **out)
{
    yaml_node_t *v = need_key(L, map, key, where);
    if (!v) return -1;
    const char *s = pt_yaml_scalar(v);
    if (!s || !*s) return fail(L, v, "%s.%s must be a non-empty string", where, key);
    *out = pt_xstrdup(s);
    return 0;
}

/* An optional non-empty scalar (NULL when the key is absent). */
static int optional_string(loader *L, yaml_node_t *map, const char *key, const char *where,
                           char **out)
{
    if (!map || map->type != YAML_MAPPING_NODE || !pt_yaml_get(&L->doc, map, key)) return 0;
    return need_string(L, map, key, where, out);
}

/* labels_zh: {category: 中文名} - the Interpretation's own terms for the reports in
 * Chinese; optional, and only for known categories. */
static int load_labels_zh(loader *L, pt_policy *p, yaml_node_t *root)
{
    yaml_node_t *map = pt_yaml_get(&L->doc, root, "labels_zh");
    if (!map) return 0;
    if (map->type != YAML_MAPPING_NODE) return fail(L, map, "labels_zh must be a mapping");
    for (size_t i = 0; i < pt_yaml_map_len(map); i++) {
        yaml_node_t *k = pt_yaml_map_key(&L->doc, map, i), *v = pt_yaml_map_value(&L->doc, map, i);
        const char *cat = pt_yaml_scalar(k), *label = pt_yaml_scalar(v);
        int c = cat ? pt_policy_category(p, cat) : -1;
        if (c < 0) return fail(L, k, "labels_zh: unknown category '%s'", cat ? cat : "(not a scalar)");
        if (!label || !*label) return fail(L, v, "labels_zh.%s must be a non-empty string", cat);
        free(p->category_zh[c]);
        p->category_zh[c] = pt_xstrdup(label);
    }
    return 0;
}

/* A required positive integer: thresholds and factors of zero would divide by zero
 * or make everything serious, so zero is refused too. */
static int need_positive(loader *L, yaml_node_t *map, const char *key, const char *where,
                         uint64_t *out)
{
    yaml_node_t *v = need_key(L, map, key, where);
    if (!v) return -1;
    const char *s = pt_yaml_scalar(v);
    if (pt_yaml_uint(v, out) < 0 || *out == 0)
        return fail(L, v, "%s.%s must be a positive integer, got '%s'", where, key,
                    s ? s : "(not a scalar)");
    return 0;
}

static int load_tier(loader *L, pt_policy *p, yaml_node_t *item)
{
    pt_tier *t = &p->tiers[p->n_tiers];
    if (need_string(L, item, "id", "tier", &t->id) < 0) return -1;
    p->n_tiers++;   /* from here on pt_policy_free owns the strings */
    if (need_string(L, item, "ground", "tier", &t->ground) < 0) return -1;
    if (need_string(L, item, "label", "tier", &t->label) < 0) return -1;
    if (optional_string(L, item, "label_zh", "tier", &t->label_zh) < 0) return -1;
    if (need_positive(L, item, "threshold", "tier", &t->threshold) < 0) return -1;
    for (size_t i = 0; i + 1 < p->n_tiers; i++) {
        if (strcmp(p->tiers[i].id, t->id) == 0)
            return fail(L, item, "duplicate tier '%s'", t->id);
    }
    if (p->n_tiers > 1 && t->threshold <= p->tiers[p->n_tiers - 2].threshold)
        return fail(L, item, "tier '%s': thresholds must increase (most serious tier first), "
                    "%llu after %llu", t->id, (unsigned long long)t->threshold,
                    (unsigned long long)p->tiers[p->n_tiers - 2].threshold);
    return 0;
}

static int load_tiers(loader *L, pt_policy *p, yaml_node_t *root)
{
    yaml_node_t *seq = need_key(L, root, "tiers", "policy");
    if (!seq) return -1;
    size_t n = pt_yaml_seq_len(seq);
    if (seq->type != YAML_SEQUENCE_NODE || n == 0)
        return fail(L, seq, "tiers must be a non-empty list");
    if (n > PT_MAX_TIERS)
        return fail(L, seq, "%zu tiers, at most %d are supported", n, PT_MAX_TIERS);
    for (size_t i = 0; i < n; i++) {
        if (load_tier(L, p, pt_yaml_seq_item(&L->doc, seq, i)) < 0) return -1;
    }
    return 0;
}

static int load_categories(loader *L, pt_policy *p, yaml_node_t *root)
{
    yaml_node_t *map = need_key(L, root, "categories", "policy");
    if (!map) return -1;
    size_t n = pt_yaml_map_len(map);
    if (map->type != YAML_MAPPING_NODE || n == 0)
        return fail(L, map, "categories must be a non-empty mapping category: tier");
    if (n > PT_MAX_CATEGORIES)
        return fail(L, map, "%zu categories, at most %d are supported", n, PT_MAX_CATEGORIES);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *k = pt_yaml_map_key(&L->doc, map, i);
        yaml_node_t *v = pt_yaml_map_value(&L->doc, map, i);
        const char *cat = pt_yaml_scalar(k), *tier = pt_yaml_scalar(v);
        if (!cat || !*cat) return fail(L, k, "a category name must be a non-empty string");
        if (!tier) return fail(L, v, "category '%s' must map to a tier id", cat);
        if (pt_policy_category(p, cat) >= 0) return fail(L, k, "duplicate category '%s'", cat);
        int t = pt_policy_tier(p, tier);
        if (t < 0) return fail(L, v, "category '%s' maps to unknown tier '%s'", cat, tier);
        p->categories[p->n_categories] = pt_xstrdup(cat);
        p->category_tier[p->n_categories] = t;
        p->n_categories++;
    }
    return 0;
}

/* business_purchase.tiers: the tiers whose information Art. 6 covers, a non-empty list of
 * known tier ids (the information other than items (三)(四)). */
static int load_business_tiers(loader *L, pt_policy *p, yaml_node_t *m)
{
    yaml_node_t *seq = need_key(L, m, "tiers", "business_purchase");
    if (!seq) return -1;
    size_t n = pt_yaml_seq_len(seq);
    if (seq->type != YAML_SEQUENCE_NODE || n == 0)
        return fail(L, seq, "business_purchase.tiers must be a non-empty list of tier ids");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = pt_yaml_seq_item(&L->doc, seq, i);
        const char *id = pt_yaml_scalar(item);
        int t = id ? pt_policy_tier(p, id) : -1;
        if (t < 0)
            return fail(L, item, "business_purchase.tiers: unknown tier '%s'", id ? id : "(non-scalar)");
        p->business_tiers |= (uint64_t)1 << t;
    }
    return 0;
}

/* combined, income, professional, especially_serious, business_purchase. */
static int load_factors(loader *L, pt_policy *p, yaml_node_t *root)
{
    yaml_node_t *m;
    if (!(m = need_key(L, root, "combined", "policy"))) return -1;
    if (need_string(L, m, "ground", "combined", &p->combined_ground) < 0) return -1;

    if (!(m = need_key(L, root, "income", "policy"))) return -1;
    if (need_positive(L, m, "threshold", "income", &p->income_threshold) < 0) return -1;
    if (need_string(L, m, "ground", "income", &p->income_ground) < 0) return -1;

    if (!(m = need_key(L, root, "professional", "policy"))) return -1;
    yaml_node_t *f = need_key(L, m, "factor", "professional");
    if (!f) return -1;
    if (need_positive(L, f, "numerator", "professional.factor", &p->professional_num) < 0 ||
        need_positive(L, f, "denominator", "professional.factor", &p->professional_den) < 0)
        return -1;
    if (need_string(L, m, "ground", "professional", &p->professional_ground) < 0) return -1;

    if (!(m = need_key(L, root, "especially_serious", "policy"))) return -1;
    if (need_positive(L, m, "factor", "especially_serious", &p->especially_factor) < 0) return -1;
    if (need_string(L, m, "ground", "especially_serious", &p->especially_ground) < 0) return -1;

    if (!(m = need_key(L, root, "business_purchase", "policy"))) return -1;
    if (need_positive(L, m, "profit_threshold", "business_purchase",
                      &p->business_profit_threshold) < 0)
        return -1;
    if (need_string(L, m, "ground", "business_purchase", &p->business_ground) < 0) return -1;
    if (load_business_tiers(L, p, m) < 0) return -1;
    return need_string(L, m, "note", "business_purchase", &p->business_note);
}

int pt_policy_load(pt_policy *p, const char *path, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    loader L = {.path = path, .err = err, .errlen = errlen};
    if (pt_yamldoc_load(&L.doc, path, err, errlen) < 0) return -1;
    yaml_node_t *root = pt_yaml_root(&L.doc);
    int rc = -1;
    if (!root || root->type != YAML_MAPPING_NODE)
        fail(&L, root, "a policy file must be a mapping");
    else if (need_string(&L, root, "name", "policy", &p->name) == 0 &&
             load_tiers(&L, p, root) == 0 && load_categories(&L, p, root) == 0 &&
             load_factors(&L, p, root) == 0 && load_labels_zh(&L, p, root) == 0)
        rc = 0;
    pt_yamldoc_free(&L.doc);
    if (rc < 0) pt_policy_free(p);
    return rc;
}

void pt_policy_free(pt_policy *p)
{
    free(p->name);
    for (size_t i = 0; i < p->n_tiers && i < PT_MAX_TIERS; i++) {
        free(p->tiers[i].id);
        free(p->tiers[i].ground);
        free(p->tiers[i].label);
        free(p->tiers[i].label_zh);
    }
    for (size_t i = 0; i < p->n_categories && i < PT_MAX_CATEGORIES; i++) {
        free(p->categories[i]);
        free(p->category_zh[i]);
    }
    free(p->combined_ground);
    free(p->income_ground);
    free(p->professional_ground);
    free(p->especially_ground);
    free(p->business_ground);
    free(p->business_note);
    memset(p, 0, sizeof *p);
}

int pt_policy_category(const pt_policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_categories; i++) {
        if (p->categories[i] && strcmp(p->categories[i], id) == 0) return (int)i;
    }
    return -1;
}

int pt_policy_tier(const pt_policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_tiers; i++) {
        if (p->tiers[i].id && strcmp(p->tiers[i].id, id) == 0) return (int)i;
    }
    return -1;
}

/* Append ", id" (or "id" first) to a list of known ids for a message; truncates quietly. */
static void append_id(char *buf, size_t len, const char *id)
{
    size_t used = strlen(buf);
    if (used < len) snprintf(buf + used, len - used, "%s%s", used ? ", " : "", id ? id : "?");
}

int pt_policy_override(pt_policy *p, const char *spec, char *err, size_t errlen)
{
    char known[1024];
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq || eq == spec || !eq[1]) {
        snprintf(err, errlen, "--tier '%s': expected CATEGORY=TIER", spec ? spec : "");
        return -1;
    }
    char cat[256];
    snprintf(cat, sizeof cat, "%.*s", (int)(eq - spec), spec);
    int c = pt_policy_category(p, cat);
    if (c < 0) {
        known[0] = '\0';
        for (size_t i = 0; i < p->n_categories; i++) append_id(known, sizeof known, p->categories[i]);
        snprintf(err, errlen, "--tier %s: unknown category '%s' (known: %s)", spec, cat, known);
        return -1;
    }
    int t = pt_policy_tier(p, eq + 1);
    if (t < 0) {
        known[0] = '\0';
        for (size_t i = 0; i < p->n_tiers; i++) append_id(known, sizeof known, p->tiers[i].id);
        snprintf(err, errlen, "--tier %s: unknown tier '%s' (known: %s)", spec, eq + 1, known);
        return -1;
    }
    p->category_tier[c] = t;
    return 0;
}

/* Hot path (once per record): visit only the set bits, stop at the most serious tier. */
int pt_policy_tier_of_mask(const pt_policy *p, uint64_t category_mask)
{
    int best = -1;
    while (category_mask) {
        unsigned c = (unsigned)__builtin_ctzll(category_mask);
        category_mask &= category_mask - 1;
        if (c >= p->n_categories) continue;
        int t = p->category_tier[c];
        if (best < 0 || t < best) {
            best = t;
            if (best == 0) break;
        }
    }
    return best;
}

const char *pt_level_name(pt_level l)
{
    switch (l) {
    case PT_LEVEL_SERIOUS: return "serious";
    case PT_LEVEL_ESPECIALLY_SERIOUS: return "especially_serious";
    default: return "none";
    }
}
