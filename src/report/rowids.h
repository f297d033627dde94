/* rowids.h - the identities of the rows of the evidence list (32-byte SHA-256 each),
 * for the digest of the file in manifest.json: SHA-256 over the identities in sorted
 * order, each as 64 hex digits and a newline (review.c computes the same). Memory is
 * bounded whatever the number of rows: the identities are sorted in runs of a fixed
 * size that go to a temporary file, merged at the end. Not part of the public API. */
#ifndef PITALLY_REPORT_ROWIDS_H
#define PITALLY_REPORT_ROWIDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_rowids pt_rowids;

/* Runs go to a file opened at tmp_path (0600, unlinked at once: nothing is left
 * behind), only once more than one run's worth has come. run_ids: identities per run
 * (0: the default). */
pt_rowids *pt_rowids_new(const char *tmp_path, size_t run_ids);
void pt_rowids_add(pt_rowids *r, const uint8_t id[32]);
/* The digest (hex) of all the identities added; -1 with errno after an I/O error. */
int pt_rowids_digest(pt_rowids *r, char out[65]);
/* Every identity added, in sorted order (memcmp), to fn, once (evmerge.c sorts its
 * 32-byte keys with it). 0, or -1 with errno after an I/O error. */
int pt_rowids_each(pt_rowids *r, void (*fn)(void *ctx, const uint8_t id[32]), void *ctx);
void pt_rowids_free(pt_rowids *r);

#endif
