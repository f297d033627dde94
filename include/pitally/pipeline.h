/* pipeline.h - the scan driver: expands paths, and for each input runs one reader
 * thread (read, inflate, decode, cut into chunks at record boundaries) feeding a
 * bounded queue of chunks to N worker threads (records, classify, tally), then merges
 * the counts and asks the policy for a verdict. Memory is bounded by the queue
 * (the dedup sets aside).
 */
#ifndef PITALLY_PIPELINE_H
#define PITALLY_PIPELINE_H

#include "pitally/classify.h"
#include "pitally/input.h"
#include "pitally/records.h"
#include "pitally/report.h"

typedef enum { PT_PROGRESS_AUTO = 0, PT_PROGRESS_ALWAYS, PT_PROGRESS_NEVER } pt_progress_mode;

typedef struct {
    unsigned threads;           /* workers, >= 1 */
    pt_source_options source;   /* encoding (AUTO: detect), decompression limits, binary
                                   inputs; start from pt_source_options_default */
    pt_dialect dialect;         /* format AUTO / delim_len 0 to detect */
    pt_header_mode header;
    pt_progress_mode progress;
    size_t chunk_size;          /* target bytes per chunk; 0: default */
    size_t max_record;          /* record cap in bytes; 0: default 16 MiB */
    pt_case_facts facts;
} pt_scan_options;

/* Scan paths (files, directories recursively in sorted order, "-" for stdin).
 * Always fills *r; returns the number of inputs that could be read. */
size_t pt_scan(const char *const *paths, size_t n_paths, const pt_scan_options *o,
               const pt_patterns *ps, const pt_policy *pol, pt_scan_result *r);

#endif
