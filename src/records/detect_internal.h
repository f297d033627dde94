/* detect_internal.h - what the tests see of the delimiter count of detect.c. */
#ifndef PITALLY_RECORDS_DETECT_INTERNAL_H
#define PITALLY_RECORDS_DETECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* The delimiter candidates, in this order: "," (outside quotes), "\t", "|", ";", "----",
 * " # ", ":" (non-overlapping, from the left). */
#define PT_DETECT_CANDIDATES 7

/* How often each candidate occurs on the line t[b..e), added to counts; *in_quote
 * carries an open quote across lines. scalar: byte by byte, without the vector blocks. */
void pt_detect_count_candidates(const char *t, size_t b, size_t e,
                                size_t counts[PT_DETECT_CANDIDATES], bool *in_quote, bool scalar);

#endif
