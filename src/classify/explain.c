/* explain.c - `pitally explain VALUE [--header H]`: the scanner's reasoning about one
 * value, for a forensic examiner who must be able to say why a field was counted.
 *
 * It does not re-implement matching: it runs the real scanner on a one-field record
 * with tracing on (so what it prints is exactly what a scan decides), then sums up
 * the categories, identifier status, subject and the tier the policy gives.
 */
#include "classify_internal.h"

#include <stdlib.h>
#include <string.h>

#include "pitally/classify.h"

static void print_categories(const pt_policy *pol, uint64_t mask, FILE *out)
{
    bool first = true;
    for (size_t c = 0; c < pol->n_categories && c < PT_MAX_CATEGORIES; c++) {
        if (!((mask >> c) & 1)) continue;
        fprintf(out, "%s%s", first ? "" : ", ", pol->categories[c]);
        first = false;
    }
    if (first) fprintf(out, "none");
}

static void print_summary(const pt_policy *pol, const pt_record_class *rc, FILE *out)
{
    fprintf(out, "categories: ");
    print_categories(pol, rc->categories, out);
    fprintf(out, "\nidentifier: %s\n",
            rc->piece ? "yes (a record holding this value is a piece)" : "no (not a piece by itself)");
    if (rc->tier >= 0 && (size_t)rc->tier < pol->n_tiers)
        fprintf(out, "tier: %s (%s), threshold %llu\n", pol->tiers[rc->tier].id,
                pol->tiers[rc->tier].label ? pol->tiers[rc->tier].label : "",
                (unsigned long long)pol->tiers[rc->tier].threshold);
    else
        fprintf(out, "tier: none\n");
}

int pt_explain(const pt_patterns *ps, const pt_policy *pol, const char *value,
               const char *header, FILE *out)
{
    if (!value) value = "";
    fprintf(out, "value: \"%s\"\n", value);
    fprintf(out, "key:   %s%s%s\n", header ? "\"" : "", header ? header : "(none)", header ? "\"" : "");
    uint64_t *matched = pt_xcalloc(ps->n ? ps->n : 1, sizeof *matched);
    uint64_t *rejected = pt_xcalloc(ps->n ? ps->n : 1, sizeof *rejected);
    pt_field field = {header, header ? strlen(header) : 0, value, strlen(value)};
    pt_record rec = {&field, 1, 0};
    pt_record_class rc;
    pt_scanner *s = pt_scanner_new(ps, pol);
    pt_scanner_set_trace(s, out);
    pt_scanner_classify(s, &rec, &rc, matched, rejected);
    pt_scanner_free(s);

    int accepted = 0, refused = 0;
    for (size_t i = 0; i < ps->n; i++) {
        accepted += (int)matched[i];
        refused += (int)rejected[i];
    }
    if (accepted == 0 && refused == 0) fprintf(out, "  no pattern matches\n");
    fprintf(out, "accepted: %d, rejected: %d\n", accepted, refused);
    print_summary(pol, &rc, out);
    free(matched);
    free(rejected);
    return accepted;
}
