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

#include "colview.h"
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

static void str_if(jw *w, const char *key, const char *v)
{
    if (v && *v) jw_str(w, key, v);
}

/* The run record: what ran, when, where, with which rules and overrides. */
static void write_run(jw *w, const pt_scan_result *r)
{
    const pt_run_record *rr = r->run;
    jw_open(w, "run", '{', rr == NULL);
    jw_u64(w, "threads", r->threads);
    jw_num(w, "elapsed_s", r->elapsed_s);
    if (rr) {
        str_if(w, "version", rr->version);
        str_if(w, "commit", rr->commit);
        str_if(w, "command", rr->command);
        jw_open(w, "argv", '[', true);
        for (size_t i = 0; i < rr->argc; i++) jw_str(w, NULL, rr->argv[i]);
        jw_close(w, ']');
        str_if(w, "cwd", rr->cwd);
        str_if(w, "started_utc", rr->started_utc);
        str_if(w, "ended_utc", rr->ended_utc);
        str_if(w, "host", rr->host);
        str_if(w, "hash_path", rr->hash_path);
        str_if(w, "patterns_dir", rr->patterns_dir);
        str_if(w, "policy_file", rr->policy_file);
        jw_open(w, "rule_files", '[', false);
        for (size_t i = 0; i < rr->n_rule_files; i++) {
            jw_open(w, NULL, '{', true);
            jw_str(w, "path", rr->rule_files[i].path);
            jw_str(w, "sha256", rr->rule_files[i].sha256);
            jw_close(w, '}');
        }
        jw_close(w, ']');
        jw_open(w, "overrides", '[', true);
        for (size_t i = 0; i < rr->n_overrides; i++) jw_str(w, NULL, rr->overrides[i]);
        jw_close(w, ']');
        str_if(w, "case_key_id", rr->case_key_id);
    }
    jw_close(w, '}');
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
        /* Art. 6 (--business-purchase): this tier's quantities decide nothing */
        if (r->facts.business_purchase) jw_bool(w, "art6_covered", (pol->business_tiers >> t) & 1);
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

static void rate_or_null(jw *w, const char *key, uint64_t num, uint64_t den, bool known)
{
    if (known && den) jw_num(w, key, (double)num / (double)den);
    else jw_str(w, key, NULL);
}

/* The cells of c in pattern-set order, one per pattern (the first, as pt_colview_cell
 * finds it), those of patterns outside the set left out: indices into c->pats. A column
 * has few cells, so an insertion sort (stable) beats looking each pattern of the set up. */
static size_t cells_in_set_order(const pt_column *c, const pt_patterns *ps, uint32_t *order)
{
    size_t n = 0;
    for (uint32_t k = 0; k < c->n_pats; k++) {
        uint32_t pat = c->pats[k].pattern;
        if (pat >= ps->n) continue;
        size_t j = n;
        while (j > 0 && c->pats[order[j - 1]].pattern > pat) j--;
        if (j > 0 && c->pats[order[j - 1]].pattern == pat) continue;   /* a later duplicate */
        memmove(order + j + 1, order + j, (n - j) * sizeof *order);
        order[j] = k;
        n++;
    }
    return n;
}

/* The columns view (SPEC 5): per column its name, what it holds and why it was read so. */
static void write_column(jw *w, const pt_column *c, const pt_input_result *in,
                         const pt_policy *pol, const pt_patterns *ps)
{
    pt_colview v;
    pt_colview_of(c, ps, &v);
    char why[512];
    jw_open(w, NULL, '{', false);
    if (c->position >= 0) jw_u64(w, "position", (uint64_t)c->position + 1);
    else jw_str(w, "position", NULL);
    jw_str(w, "header", c->key);
    jw_u64(w, "fill", c->fill);
    rate_or_null(w, "fill_rate", c->fill, in->counts.records, true);
    jw_str(w, "category", v.category >= 0 ? pol->categories[v.category] : NULL);
    jw_str(w, "pattern", v.pattern >= 0 ? ps->v[v.pattern].id : NULL);
    const pt_column_pattern *rc = pt_colview_cell(c, v.rate_pattern);
    rate_or_null(w, "pass_rate", rc ? rc->passed : 0, rc ? rc->checked : 0, rc != NULL);
    jw_str(w, "decision", pt_colview_decide(c, &v, pol, ps, why, sizeof why));
    jw_str(w, "why", why);
    jw_open(w, "patterns", '[', false);
    uint32_t stack_order[64];
    uint32_t *order = c->n_pats <= 64 ? stack_order : pt_xmalloc(c->n_pats * sizeof *order);
    size_t n = cells_in_set_order(c, ps, order);
    for (size_t k = 0; k < n; k++) {
        const pt_column_pattern *cell = &c->pats[order[k]];
        const pt_pattern *p = &ps->v[cell->pattern];
        jw_open(w, NULL, '{', true);
        jw_str(w, "id", p->id);
        jw_u64(w, "matches", cell->matches);
        jw_u64(w, "checked", cell->checked);
        jw_u64(w, "passed", cell->passed);
        jw_u64(w, "accepted", cell->accepted);
        rate_or_null(w, "pass_rate", cell->passed, cell->checked, p->validator != NULL);
        jw_str(w, "decision", pt_colview_decision(cell));
        if (p->column_evidence) {
            jw_u64(w, "sample_checked", cell->sample_checked);
            jw_u64(w, "sample_passed", cell->sample_passed);
        }
        jw_close(w, '}');
    }
    if (order != stack_order) free(order);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* Why a pattern's values are doubt: column-level evidence disabled it, or it needs a
 * record shape (patterns/shapes.yaml) that was only partly there. */
static void doubt_why(const pt_patterns *ps, const pt_pattern *p, const char *column, char *why,
                      size_t len)
{
    if (!p->shapes) {
        snprintf(why, len,
                 "%s values passing %s in %s where too few values pass it (column-level evidence, "
                 "below %u%% of the sample): counted without them",
                 p->id, p->validator_name, column ? "a column" : "columns", p->col_min_pass_percent);
        return;
    }
    const char *shape = "";
    for (size_t k = 0; k < ps->n_shapes; k++)
        if (p->shapes >> k & 1) { shape = ps->shapes[k].id; break; }
    snprintf(why, len,
             "%s values count only where the record shape %s holds and the record carries its "
             "parties or account; here the shape is partly there (see shapes) or the record lacks "
             "one: counted without them", p->id, shape);
}

static void write_doubt_entry(jw *w, const pt_policy *pol, const pt_patterns *ps,
                              const pt_pattern *p, int from, int to, uint64_t pieces,
                              const char *column)
{
    char why[512];
    jw_open(w, NULL, '{', true);
    jw_str(w, "from", pt_colview_tier(pol, from));
    jw_str(w, "to", pt_colview_tier(pol, to));
    jw_u64(w, "pieces", pieces);
    jw_str(w, "pattern", p->id);
    if (column) jw_str(w, "column", column);
    doubt_why(ps, p, column, why, sizeof why);
    jw_str(w, "why", why);
    jw_close(w, '}');
}

/* The record shapes decided from the input's sample that hold or are partial, with the
 * columns that filled each role (patterns/shapes.yaml). */
static void write_shapes(jw *w, const pt_colstats *t, const pt_patterns *ps)
{
    jw_open(w, "shapes", '[', false);
    for (size_t k = 0; t && ps && k < ps->n_shapes && k < PT_MAX_SHAPES; k++) {
        if (!t->shape_why[k]) continue;
        jw_open(w, NULL, '{', true);
        jw_str(w, "id", ps->shapes[k].id);
        jw_bool(w, "holds", t->shapes_hold >> k & 1);
        jw_str(w, "why", t->shape_why[k]);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void write_columns(jw *w, const pt_input_result *in, const pt_policy *pol,
                          const pt_patterns *ps)
{
    const pt_colstats *t = in->columns;
    jw_open(w, "columns", '[', false);
    if (t && ps) {
        size_t *order = pt_xmalloc((t->n ? t->n : 1) * sizeof *order);
        pt_colview_order(t, order);
        for (size_t i = 0; i < t->n; i++) write_column(w, &t->cols[order[i]], in, pol, ps);
        free(order);
    }
    jw_close(w, ']');
    jw_open(w, "doubt", '[', false);
    if (t && ps) {
        pt_doubt *d = pt_colview_doubts(t);
        for (size_t k = 0; k < t->n_doubts; k++) {
            char name[PT_COLUMN_KEY_MAX + 16] = "(a column beyond the first 1024)";
            if (d[k].column < t->n) pt_colview_name(&t->cols[d[k].column], name, sizeof name);
            if (d[k].pattern < ps->n)
                write_doubt_entry(w, pol, ps, &ps->v[d[k].pattern], d[k].from, d[k].to,
                                  d[k].pieces, name);
        }
        free(d);
    }
    jw_close(w, ']');
    write_shapes(w, t, ps);
}

/* A part of a split file (scan --shard --split-above): which, from 1, and its text. */
static void write_part(jw *w, const pt_input_result *in)
{
    jw_u64(w, "part", (uint64_t)in->part + 1);
    jw_u64(w, "parts", in->parts);
    if (!in->text_from_known) return;
    jw_open(w, "part_offsets", '[', true);
    jw_u64(w, NULL, in->text_from);
    jw_u64(w, NULL, in->text_bytes);
    jw_close(w, ']');
}

static void write_input(jw *w, const pt_input_result *in, const pt_scan_result *r,
                        const pt_policy *pol, const pt_patterns *ps)
{
    jw_open(w, NULL, '{', false);
    const char *path = in->path ? in->path : "";
    jw_str(w, "path", path);
    if (has_invalid_utf8(path)) write_hex(w, "path_bytes_hex", path);
    if (in->parts > 1) write_part(w, in);
    jw_bool(w, "readable", in->readable);
    jw_str(w, "status", pt_input_status(in));
    jw_u64(w, "bytes", in->bytes);
    if (in->sha256[0]) {   /* custody: of the raw bytes as read (the whole file) */
        jw_str(w, "md5", in->md5);
        jw_str(w, "sha256", in->sha256);
    }
    jw_str(w, "compression", or_dash(in->compression));
    jw_str(w, "encoding", or_dash(in->encoding));
    jw_str(w, "format", or_dash(in->format));
    jw_u64(w, "records", in->counts.records);
    if (in->declared) {   /* --declare: the examiner's word, not detected */
        jw_open(w, "declared", '[', true);
        for (size_t k = 0; k < pol->n_categories; k++)
            if (in->declared >> k & 1) jw_str(w, NULL, pol->categories[k]);
        jw_close(w, ']');
    }
    write_counts(w, &in->counts, r, pol, false);
    write_columns(w, in, pol, ps);
    jw_open(w, "errors", '[', false);
    for (size_t i = 0; i < in->errors.n; i++) {
        const pt_error *e = &in->errors.v[i];
        jw_open(w, NULL, '{', true);
        jw_str(w, "kind", e->kind);
        jw_str(w, "message", e->message ? e->message : "");
        jw_u64(w, "offset", e->offset);
        if (e->line) jw_u64(w, "line", e->line);   /* 0: not known (not a record-level error) */
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

/* The first accepted values of a pattern, masked, with the input path and the offset and
 * line of their record in its decoded text: where an examiner finds them. */
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
        if (v[k].line) jw_u64(w, "line", v[k].line);   /* 0: from a state that did not keep it */
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
    /* which identifier decided each subject: the kinds in use, then none (kind 0) */
    jw_open(w, "subjects_by", '{', true);
    for (size_t j = 0; ps && j + 1 < ps->n_subject_kinds; j++) {
        unsigned k = ps->subject_kind_order[j];
        jw_u64(w, ps->subject_kinds[k], r->subjects_by[k]);
    }
    if (r->subjects_by[0]) jw_u64(w, "unknown", r->subjects_by[0]);
    jw_close(w, '}');
    write_counts(w, &r->totals, r, pol, true);
    pt_doubt_total *dt;
    size_t nd = pt_colview_doubt_totals(r, &dt);
    jw_open(w, "doubt", '[', false);
    for (size_t k = 0; ps && k < nd; k++)
        if (dt[k].pattern < ps->n)
            write_doubt_entry(w, pol, ps, &ps->v[dt[k].pattern], dt[k].from, dt[k].to,
                              dt[k].pieces, NULL);
    jw_close(w, ']');
    free(dt);
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

/* Never silent: a run in which no input gave a record says so in the verdict too, for
 * a reader of the JSON alone (a nightly job's), not only by its exit status (2). */
#define NOTHING_SCANNED_NOTE "nothing could be scanned: no input gave a record (see inputs); " \
                             "the verdict rests on the facts given, not on data"

static void write_verdict(jw *w, const pt_verdict *v, bool nothing_scanned)
{
    jw_open(w, "verdict", '{', false);
    jw_str(w, "level", pt_level_name(v->level));
    jw_num(w, "combined_ratio", v->combined_ratio);
    jw_open(w, "grounds", '[', true);
    for (size_t i = 0; i < v->n_grounds; i++) jw_str(w, NULL, v->grounds[i]);
    jw_close(w, ']');
    jw_open(w, "notes", '[', false);
    for (size_t i = 0; i < v->n_notes; i++) jw_str(w, NULL, v->notes[i]);
    if (nothing_scanned) jw_str(w, NULL, NOTHING_SCANNED_NOTE);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* --baseline: what is new since that state; counts by kind, the paths of each kind
 * (unchanged ones only counted), per tier the pieces new and those raised into it. */
static void write_baseline(jw *w, const pt_baseline_info *b, const pt_policy *pol)
{
    static const char *const kinds[PT_BASE_KINDS] = {"new", "changed", "gone", "unchanged",
                                                     "unhashed"};
    const pt_baseline_diff *d = &b->diff;
    jw_open(w, "baseline", '{', false);
    jw_str(w, "path", b->path);
    jw_str(w, "sha256", b->sha256);
    str_if(w, "modified_utc", b->modified_utc);
    jw_open(w, "inputs", '{', true);
    for (int k = 0; k < PT_BASE_KINDS; k++) jw_u64(w, kinds[k], d->inputs[k]);
    jw_close(w, '}');
    jw_open(w, "paths", '{', false);
    for (int k = 0; k < PT_BASE_KINDS; k++) {
        if (k == PT_BASE_UNCHANGED) continue;
        jw_open(w, kinds[k], '[', false);
        for (uint64_t i = 0; i < d->inputs[k]; i++) jw_str(w, NULL, d->paths[k][i]);
        jw_close(w, ']');
    }
    jw_close(w, '}');
    uint64_t total = 0;
    jw_open(w, "tiers", '{', false);
    for (size_t t = 0; t < pol->n_tiers; t++) {
        jw_open(w, pol->tiers[t].id, '{', true);
        jw_u64(w, "new", d->pieces_new[t]);
        jw_u64(w, "raised", d->pieces_raised[t]);
        jw_close(w, '}');
        total += d->pieces_new[t];
    }
    jw_close(w, '}');
    jw_u64(w, "pieces_new", total);
    jw_u64(w, "subjects_new", d->subjects_new);
    jw_close(w, '}');
}

/* Inputs between two hand-offs of the report's bytes to writeback (start_writeback). */
#define WRITEBACK_EVERY 512

/* Is out a regular file (whose bytes start_writeback may send to the disk early)? */
static bool is_regular_file(FILE *out)
{
    struct stat st;
    int fd = fileno(out);
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* A report to a path is synced before it is renamed into place (outfile.c), and the
 * report of 10,000 inputs is 65 MB: sent to writeback as it grows, it is on its way to
 * the disk while the rest is formatted, and the sync at the end waits for the tail.
 * The bytes are the same; a pipe or a terminal is left alone. */
static void start_writeback(jw *w, FILE *out)
{
#ifdef SYNC_FILE_RANGE_WRITE
    jw_flush(w);
    if (fflush(out) == 0) sync_file_range(fileno(out), 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)w;
    (void)out;
#endif
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
    write_run(&w, r);
    write_policy(&w, r, pol);
    jw_open(&w, "inputs", '[', false);
    bool early = r->n_inputs > WRITEBACK_EVERY && is_regular_file(out);
    for (size_t i = 0; i < r->n_inputs; i++) {
        write_input(&w, &r->inputs[i], r, pol, ps);
        if (early && (i + 1) % WRITEBACK_EVERY == 0) start_writeback(&w, out);
    }
    jw_close(&w, ']');
    write_totals(&w, r, pol, ps);
    write_verdict(&w, &r->verdict, r->n_scanned == 0);
    if (r->baseline) write_baseline(&w, r->baseline, pol);
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
