/* evmerge.h - merge --evidence: the evidence directory of one scan over everything, from
 * the evidence sections of the shards' states (evmerge.c). Not part of the public API:
 * the program (src/cli) gives pt_evmerge_hooks to pt_tally_merge_files_ev. */
#ifndef PITALLY_REPORT_EVMERGE_H
#define PITALLY_REPORT_EVMERGE_H

#include "pitally/report.h"
#include "pitally/tally.h"

typedef struct pt_evmerge pt_evmerge;

/* For a merge: the pieces given to ev then carry enciphered fingerprints (the draw is
 * keyed as a scan under the case key k keys it), tags as under k. */
void pt_evidence_merge_keys(pt_evidence *ev, const pt_casekey *k);

/* ev: the directory to write (NULL: only the merged state's section, when section);
 * sample_fixed / seed_fixed: --sample / --seed were given (else the states' are taken);
 * key_id: the case key's the directory's tags are under (the states' must be it);
 * tmp_prefix: temporary files are tmp_prefix + a suffix (0600, unlinked at once);
 * section: the merged state gets an evidence section (merge --state). */
pt_evmerge *pt_evmerge_new(pt_evidence *ev, const pt_policy *pol, const pt_patterns *ps,
                           bool sample_fixed, bool seed_fixed, uint64_t key_id,
                           const char *tmp_prefix, bool section);
pt_merge_hooks *pt_evmerge_hooks(pt_evmerge *m);
/* Whether the merged state was written without an evidence section because some states
 * had one and others none (said once by the program). */
bool pt_evmerge_dropped(const pt_evmerge *m);
void pt_evmerge_free(pt_evmerge *m);

#endif
