/* binary.h - private to src/input: the test that tells binary data from text (binary.c),
 * kept apart from input_internal.h, which describes the inflate and decode backends. */
#ifndef PITALLY_INPUT_BINARY_H
#define PITALLY_INPUT_BINARY_H

#include "pitally/input.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the first decompressed bytes p[0..n) (in encoding enc, as sniffed) are not
 * text: a known binary magic number, or more than 5% control characters that text never
 * holds. why receives a short description for the report. */
bool pt_input_looks_binary(const uint8_t *p, size_t n, pt_encoding enc, char *why,
                           size_t why_cap);

#endif
