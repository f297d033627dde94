/* json.c - stage 6a: the machine-readable report, schema "pitally-report/1" (SPEC
 * section 5), and writing it safely to a path.
 *
 * The report is deterministic: inputs in the order given, tiers and categories in policy
 * order (every one of them, zeros included, so consumers never test for a missing key),
 * patterns in pattern-set order. Thresholds shown are the ones in force for this case
 * (halved under --professional), taken from the verdict.
 *
 * A report to a regular file is written to "PATH.tmp.XXXXXX" beside it, flushed, synced
 * and renamed over PATH, so a nightly job never reads a half-written report. "-", pipes
 * and devices are written directly and never replaced.
 */
#include "pitally/report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonw.h"

/* What was not found out (an input not read, or skipped) is "-", never a guess. */
static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* True when s has a byte sequence that is not UTF-8 (it is then also given in hex). */
static bool has_invalid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n > 0) {
        size_t len = jw_utf8_len(p, n);
        if (len == 0) return true;
        p += len;
        n -= len;
    }
    return false;
}

static void write_hex(jw *w, const char *key, const char *s)
{
    size_t n = strlen(s);
    char *hex = pt_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
    jw_str(w, key, hex);
    free(hex);
}

/* In-force threshold of tier t; the policy's own when no verdict was computed. */
static double threshold_in_force(const pt_scan_result *r, const pt_policy *pol, size_t t)
{
    double v = r->verdict.tier_threshold[t];
    return v > 0 ? v : (double)pol->tiers[t].threshold;
}

static void write_policy(jw *w, const pt_scan_result *r, const pt_policy *pol)
{
    jw_open(w, "policy", '{', false);
    jw_str(w, "name", pol->name);
    jw_bool(w, "professional", r->facts.professional);
    jw_u64(w, "income_cny", r->facts.income_cny);
    jw_bool(w, "business_purchase", r->facts.business_purchase);
    jw_open(w, "tiers", '{', false);
    for (size_t t = 0; t < pol->n_tiers; t++) {
        jw_open(w, pol->tiers[t].id, '{', false);
        jw_num(w, "threshold", threshold_in_force(r, pol, t));
        jw_str(w, "ground", pol->tiers[t].ground);
        jw_str(w, "label", pol->tiers[t].label);
        jw_open(w, "categories", '[', true);
        for (size_t c = 0; c < pol->n_categories; c++) {
            if ((size_t)pol->category_tier[c] == t) jw_str(w, NULL, pol->categories[c]);
        }
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_close(w, '}');
}

/* pieces, tiers and categories: the part shared by each input and the totals. */
static void write_counts(jw *w, const pt_counts *c, const pt_scan_result *r,
                         const pt_policy *pol, bool with_thresholds)
{
    jw_open(w, "pieces", '{', true);
    jw_u64(w, "raw", c->pieces.raw);
    jw_u64(w, "distinct", c->pieces.distinct);
    jw_close(w, '}');
    jw_open(w, "tiers", '{', false);
    for (size_t t = 0; t < pol->n_tiers; t++) {
        jw_open(w, pol->tiers[t].id, '{', true);
        jw_u64(w, "raw", c->tiers[t].raw);
        jw_u64(w, "distinct", c->tiers[t].distinct);
        if (with_thresholds) {
            jw_num(w, "threshold", threshold_in_force(r, pol, t));
            jw_num(w, "ratio", r->verdict.tier_ratio[t]);
        }
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_open(w, "categories", '{', false);
    for (size_t k = 0; k < pol->n_categories; k++) jw_u64(w, pol->categories[k], c->categories[k]);
    jw_close(w, '}');
}

static void write_input(jw *w, const pt_input_result *in, const pt_scan_result *r,
                        const pt_policy *pol)
{
    jw_open(w, NULL, '{', false);
    const char *path = in->path ? in->path : "";
    jw_str(w, "path", path);
    if (has_invalid_utf8(path)) write_hex(w, "path_bytes_hex", path);
    jw_bool(w, "readable", in->readable);
    jw_str(w, "status", pt_input_status(in));
    jw_u64(w, "bytes", in->bytes);
    jw_str(w, "compression", or_dash(in->compression));
    jw_str(w, "encoding", or_dash(in->encoding));
    jw_str(w, "format", or_dash(in->format));
    jw_u64(w, "records", in->counts.records);
    write_counts(w, &in->counts, r, pol, false);
    jw_open(w, "errors", '[', false);
    for (size_t i = 0; i < in->errors.n; i++) {
        const pt_error *e = &in->errors.v[i];
        jw_open(w, NULL, '{', true);
        jw_str(w, "kind", e->kind);
        jw_str(w, "message", e->message ? e->message : "");
        jw_u64(w, "offset", e->offset);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

/* The first accepted values of a pattern, masked, with the input path and the offset of
 * their record in its decoded text: where an examiner finds them. */
static void write_samples(jw *w, const pt_scan_result *r, size_t pattern)
{
    const pt_sample *v;
    size_t n = pt_samples_of(&r->samples, pattern, &v);
    jw_open(w, "samples", '[', false);
    for (size_t k = 0; k < n; k++) {
        if (v[k].input >= r->n_inputs) continue;
        jw_open(w, NULL, '{', true);
        jw_str(w, "path", r->inputs[v[k].input].path);
        jw_u64(w, "offset", v[k].offset);
        jw_str(w, "value", v[k].value);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void write_totals(jw *w, const pt_scan_result *r, const pt_policy *pol,
                         const pt_patterns *ps)
{
    jw_open(w, "totals", '{', false);
    jw_u64(w, "bytes", r->total_bytes);
    jw_u64(w, "records", r->totals.records);
    jw_u64(w, "subjects", r->subjects);
    write_counts(w, &r->totals, r, pol, true);
    jw_open(w, "patterns", '{', false);
    for (size_t i = 0; ps && i < ps->n; i++) {
        jw_open(w, ps->v[i].id ? ps->v[i].id : "", '{', true);
        jw_u64(w, "matched", r->pattern_matched ? r->pattern_matched[i] : 0);
        jw_u64(w, "rejected", r->pattern_rejected ? r->pattern_rejected[i] : 0);
        write_samples(w, r, i);
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_close(w, '}');
}

static void write_verdict(jw *w, const pt_verdict *v)
{
    jw_open(w, "verdict", '{', false);
    jw_str(w, "level", pt_level_name(v->level));
    jw_num(w, "combined_ratio", v->combined_ratio);
    jw_open(w, "grounds", '[', true);
    for (size_t i = 0; i < v->n_grounds; i++) jw_str(w, NULL, v->grounds[i]);
    jw_close(w, ']');
    jw_open(w, "notes", '[', false);
    for (size_t i = 0; i < v->n_notes; i++) jw_str(w, NULL, v->notes[i]);
    jw_close(w, ']');
    jw_close(w, '}');
}

int pt_report_json(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps)
{
    jw w;
    jw_init(&w, out);
    jw_open(&w, NULL, '{', false);
    jw_str(&w, "schema", "pitally-report/1");
    jw_open(&w, "tool", '{', true);
    jw_str(&w, "name", "pitally");
    jw_str(&w, "version", PT_VERSION);
    jw_close(&w, '}');
    jw_open(&w, "run", '{', true);
    jw_u64(&w, "threads", r->threads);
    jw_num(&w, "elapsed_s", r->elapsed_s);
    jw_close(&w, '}');
    write_policy(&w, r, pol);
    jw_open(&w, "inputs", '[', false);
    for (size_t i = 0; i < r->n_inputs; i++) write_input(&w, &r->inputs[i], r, pol);
    jw_close(&w, ']');
    write_totals(&w, r, pol, ps);
    write_verdict(&w, &r->verdict);
    jw_close(&w, '}');
    if (ferror(out)) {
        if (!errno) errno = EIO;
        return -1;
    }
    return 0;
}

/* ---- writing to a path ---------------------------------------------------------- */

typedef struct {
    pt_report_fn fn;
    const pt_scan_result *r;
    const pt_policy *pol;
    const pt_patterns *ps;
} report_job;

static int write_report(FILE *f, void *ctx)
{
    report_job *j = ctx;
    return j->fn(f, j->r, j->pol, j->ps);
}

int pt_report_to_path(const char *path, pt_report_fn fn, const pt_scan_result *r,
                      const pt_policy *pol, const pt_patterns *ps, char *err, size_t errlen)
{
    report_job j = {fn, r, pol, ps};
    return pt_output_to_path(path, write_report, &j, 0, err, errlen);
}

int pt_report_json_to_path(const char *path, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps,
                           char *err, size_t errlen)
{
    return pt_report_to_path(path, pt_report_json, r, pol, ps, err, errlen);
}
