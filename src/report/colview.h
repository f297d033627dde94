/* colview.h - what the reports say about an input's columns and the doubt note
 * (pitally/columns.h), shared by the JSON and the text report so they say the same. */
#ifndef PITALLY_REPORT_COLVIEW_H
#define PITALLY_REPORT_COLVIEW_H

#include "pitally/columns.h"
#include "pitally/patterns.h"
#include "pitally/report.h"

/* The column order of the reports: by position (JSON key paths: none), then the first
 * record, then the name, then the table's order. out: t->n indices. */
void pt_colview_order(const pt_colstats *t, size_t *out);

typedef struct {
    int category;           /* most accepted values (ties: the lower index), -1: none */
    int pattern;            /* of that category, the pattern with most accepted, -1 */
    int rate_pattern;       /* whose validator pass rate is shown: pattern when it has a
                               validator, else a disabled pattern, else -1 */
    bool any_disabled;
} pt_colview;

void pt_colview_of(const pt_column *c, const pt_patterns *ps, pt_colview *v);
/* The cell of pattern in c, or NULL. */
const pt_column_pattern *pt_colview_cell(const pt_column *c, int pattern);
/* "disabled" | "enabled" (judged on the sample) | "not_judged" */
const char *pt_colview_decision(const pt_column_pattern *cell);
/* Why a pattern was disabled or kept in a column, for a human (buf). */
void pt_colview_why(const pt_column_pattern *cell, const pt_pattern *p, char *buf, size_t len);
/* What was decided for the column, "disabled" | "counted" | "none", and why, for a
 * human (why). The same words in the JSON report and columns.csv. */
const char *pt_colview_decide(const pt_column *c, const pt_colview *v, const pt_policy *pol,
                              const pt_patterns *ps, char *why, size_t len);
/* The column as named in the reports: its name, or "#N" (1-based position). */
void pt_colview_name(const pt_column *c, char *buf, size_t len);

/* Doubt summed over inputs by (from, to, pattern), in a fixed order. */
typedef struct {
    int from, to;
    uint32_t pattern;
    uint64_t pieces;
} pt_doubt_total;
size_t pt_colview_doubt_totals(const pt_scan_result *r, pt_doubt_total **out);
/* Sorted copy of an input's doubt entries (by from, to, pattern, column). */
pt_doubt *pt_colview_doubts(const pt_colstats *t);
/* "art5_3", or "none" for -1. */
const char *pt_colview_tier(const pt_policy *pol, int tier);

#endif
