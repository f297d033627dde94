/* counts.c - adding up pt_counts (per chunk into per input, per input into totals). */
#include "pitally/tally.h"

void pt_counts_add(pt_counts *dst, const pt_counts *src)
{
    dst->records += src->records;
    dst->pieces.raw += src->pieces.raw;
    dst->pieces.distinct += src->pieces.distinct;
    for (int t = 0; t < PT_MAX_TIERS; t++) {
        dst->tiers[t].raw += src->tiers[t].raw;
        dst->tiers[t].distinct += src->tiers[t].distinct;
    }
    for (int c = 0; c < PT_MAX_CATEGORIES; c++) dst->categories[c] += src->categories[c];
}
