/* evidence_internal.h - what evidence.c (the directory a scan writes) and evmerge.c (the
 * same directory from the states of shards) share: the record of a piece as a state's
 * evidence section holds it, and the few ways a merge drives the evidence. Not part of
 * the public API.
 *
 * A piece's record (varint: unsigned LEB128):
 *   varint length of the rest, 16 bytes the fingerprint enciphered under the case key
 *   (little-endian fp[0], fp[1]: the sets' key is fp[0], their shard fp[1]'s top byte),
 *   varint input (index in the state's inputs), offset, line, categories, byte tier,
 *   varint n_matches, then per match varint pattern, varint length, the value as found.
 * The values are kept as found (not masked): merge --mask masks them as scan does. */
#ifndef PITALLY_REPORT_EVIDENCE_INTERNAL_H
#define PITALLY_REPORT_EVIDENCE_INTERNAL_H

#include <stdio.h>

#include "pitally/pipeline.h"
#include "pitally/report.h"
#include "evmerge.h"

/* Each tier's candidates a state keeps: this many times the sample size, so that a merge
 * can prove the merged sample (docs/evidence.md, "Merging shards"). */
#define PT_EV_POOL_FACTOR 4u

typedef struct {
    uint8_t *p;
    size_t len, cap;
} pt_evbytes;

void pt_ev_put(pt_evbytes *b, const void *p, size_t n);
void pt_ev_put_var(pt_evbytes *b, uint64_t v);
void pt_ev_put_u64le(pt_evbytes *b, uint64_t v);

/* A record decoded: its event (fp enciphered; input as recorded; matches pointing into
 * the record's bytes). */
typedef struct {
    pt_piece_event e;
    pt_match *matches;
    size_t cap;
} pt_evrecord;

/* Append e's record to b, its fingerprint enc (enciphered). */
void pt_ev_put_record(pt_evbytes *b, const pt_piece_event *e, const uint64_t enc[2]);
/* Decode one record (without the leading length) of n bytes at p; false when malformed. */
bool pt_ev_get_record(const uint8_t *p, size_t n, size_t n_patterns, pt_evrecord *out);
/* Append a rejected value's record to b (input as the state numbers it; input_name unused):
 * input, pattern, offset, line, the reason byte, the value's length and bytes. */
void pt_ev_put_rejected(pt_evbytes *b, const pt_rejected_event *e);
/* A varint at *p (before end), *p moved past it; false when malformed. */
bool pt_ev_get_var(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* The draw key of a piece by its enciphered fingerprint (the order of the samples). */
uint64_t pt_ev_draw_key(const uint64_t enc[2], uint64_t seed);

size_t pt_evidence_sample_n(const pt_evidence *ev);
uint64_t pt_evidence_seed(const pt_evidence *ev);
void pt_evidence_set_draw(pt_evidence *ev, size_t sample_n, uint64_t seed);

#endif
