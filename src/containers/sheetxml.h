/* sheetxml.h - the XML parts of an .xlsx workbook, with no archive in sight (the
 * libFuzzer target drives these alone): the shared-string table, and one worksheet's
 * XML turned into CSV text on the fly. Both read their XML through a pull callback
 * (an archive member's data) and parse it with expat in blocks; a DOCTYPE anywhere is
 * refused (OOXML parts never have one, and it is how entity-expansion bombs start).
 */
#ifndef PITALLY_CONTAINERS_SHEETXML_H
#define PITALLY_CONTAINERS_SHEETXML_H

#include <sys/types.h>

#include "pitally/common.h"

typedef ssize_t (*pt_pull_fn)(void *ctx, void *buf, size_t cap);

/* The shared strings: one arena, offsets into it (no allocation per string). */
typedef struct {
    char *arena;
    size_t len, cap;
    uint64_t *off;       /* [n + 1]: string i is arena[off[i] .. off[i+1]) */
    size_t n, off_cap;
} pt_sst;

/* Parse xl/sharedStrings.xml from pull into sst (which starts zeroed). Memory stops at
 * cap bytes (strings plus 8 bytes per string): past it, or on malformed XML or a
 * DOCTYPE, one error (kind "xlsx") goes to errs and -1 is returned; the strings read
 * before it stay usable. Returns 0 when the whole table was read. */
int pt_sst_parse(pt_sst *sst, pt_pull_fn pull, void *ctx, uint64_t cap, pt_errlist *errs);
void pt_sst_free(pt_sst *sst);

/* One worksheet as CSV: rows in the order of the XML, one line each (rows with no value
 * are left out), a cell at its column (C7 is the third field; gaps are empty fields),
 * RFC 4180 quoting. Shared strings (t="s") come from sst, inline strings, formula
 * strings, booleans (TRUE/FALSE), errors and dates as text; number cells as written,
 * except a number whose integer part has 16 or more digits (an 18-digit ID stored as
 * a number, 4.41900196911138E+17): Excel kept only 15 significant digits, so the cell
 * is left empty and counted in one "number_precision" error. */
typedef struct pt_sheet_csv pt_sheet_csv;

pt_sheet_csv *pt_sheet_csv_new(const pt_sst *sst, pt_pull_fn pull, void *ctx);
/* CSV bytes, 0 at the end. Malformed XML ends the sheet with an "xlsx" error. */
ssize_t pt_sheet_csv_read(pt_sheet_csv *c, void *buf, size_t cap);
/* Move the sheet's errors (xlsx, number_precision) to errs. */
void pt_sheet_csv_errors(pt_sheet_csv *c, pt_errlist *errs);
void pt_sheet_csv_free(pt_sheet_csv *c);

/* Shared helpers of the container readers. */
/* Is the number text v (as Excel or a database writes it) too large to have kept
 * every digit (integer part of 16 or more digits)? */
bool pt_number_lossy(const char *v, size_t n);
/* Append field f (n bytes) to a CSV line, quoted when it holds , " CR or LF. */
typedef struct {
    char *p;
    size_t len, cap;
} pt_buf;
void pt_buf_put(pt_buf *b, const void *s, size_t n);
void pt_buf_csv_field(pt_buf *b, const char *f, size_t n);

#endif
