/* test_scan.c - the scan engine fed from memory: inputs through pt_raw_input, pieces
 * through a piece sink in input order for any thread count and chunk size, and the
 * tally saved, loaded and merged into what one scan over everything gives. Expected
 * counts are worked out from the inputs in the comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/pipeline.h"
#include "pitally/report.h"

static pt_policy pol;
static pt_patterns ps;

/* A: three rows, the third a copy of the first: 3 records, 3 raw pieces, 2 distinct. */
static const char input_a[] = "姓名,手机号\n张伟,13812345678\n李娜,13912345678\n张伟,13812345678\n";
/* B: 张伟's row again (not new in the run) and a new one: 2 records, 2 distinct in B,
 * 1 new in the run. Run: 3 distinct pieces; subjects by mobile: 138.., 139.., 137.. = 3. */
static const char input_b[] = "姓名,手机号\n张伟,13812345678\n王芳,13700001111\n";

typedef struct {
    pt_piece_event v[64];
    size_t n;
} event_log;

static void log_piece(void *ctx, const pt_piece_event *e)
{
    event_log *l = ctx;
    if (l->n < 64) l->v[l->n++] = *e;
}

static pt_tally *scan_inputs(unsigned threads, size_t chunk, const char *const *texts, size_t n,
                             event_log *log)
{
    pt_scan_options o = {.threads = threads, .chunk_size = chunk, .progress = PT_PROGRESS_NEVER};
    pt_source_options_default(&o.source);
    pt_piece_sink sink = {log, log_piece};
    if (log) o.pieces = &sink;
    pt_tally *t = pt_tally_new(ps.n);
    pt_scan *s = pt_scan_start(&o, &ps, &pol, t);
    for (size_t i = 0; i < n; i++) {
        pt_memory_input m;
        pt_raw_input raw = pt_raw_memory(&m, texts[i], strlen(texts[i]));
        char name[32];
        snprintf(name, sizeof name, "mem%zu", i);
        CHECK(pt_scan_input(s, name, &raw, NULL));
    }
    pt_scan_finish(s);
    return t;
}

static void check_run(pt_scan_result *r)
{
    CHECK_EQ(r->n_inputs, 2);
    CHECK_EQ(r->inputs[0].counts.records, 3);
    CHECK_EQ(r->inputs[0].counts.pieces.raw, 3);
    CHECK_EQ(r->inputs[0].counts.pieces.distinct, 2);
    CHECK_EQ(r->inputs[1].counts.records, 2);
    CHECK_EQ(r->inputs[1].counts.pieces.distinct, 2);
    CHECK_EQ(r->totals.records, 5);
    CHECK_EQ(r->totals.pieces.raw, 5);
    CHECK_EQ(r->totals.pieces.distinct, 3);
    CHECK_EQ(r->subjects, 3);
    CHECK_EQ(r->n_scanned, 2);
}

static void test_memory_inputs(void)
{
    const char *texts[] = {input_a, input_b};
    pt_tally *t = scan_inputs(2, 0, texts, 2, NULL);
    pt_scan_result r;
    pt_case_facts facts = {0};
    pt_scan_result_from_tally(&r, t, &pol, &facts);
    check_run(&r);
    CHECK_STR(r.inputs[1].path, "mem1");
    CHECK_STR(r.inputs[0].format, "csv");
    pt_scan_result_free(&r);
    pt_tally_free(t);
}

/* Pieces reach the sink in input order, then record order, with the same flags for any
 * thread count and chunk size (64-byte chunks: a row or two each, so with three workers
 * chunks finish out of order and the commit must put them back). */
static void test_piece_order(void)
{
    const char *texts[] = {input_a, input_b};
    event_log one = {0}, many = {0};
    pt_tally_free(scan_inputs(1, 0, texts, 2, &one));
    pt_tally_free(scan_inputs(3, 64, texts, 2, &many));
    CHECK_EQ(one.n, 5);
    CHECK_EQ(many.n, 5);
    static const uint32_t input[5] = {0, 0, 0, 1, 1};
    static const bool in_run[5] = {true, true, false, false, true};
    static const bool in_input[5] = {true, true, false, true, true};
    for (size_t i = 0; i < 5 && i < one.n && i < many.n; i++) {
        CHECK_EQ(one.v[i].input, input[i]);
        CHECK_EQ(one.v[i].new_in_run, in_run[i]);
        CHECK_EQ(one.v[i].new_in_input, in_input[i]);
        CHECK_EQ(many.v[i].input, one.v[i].input);
        CHECK_EQ(many.v[i].offset, one.v[i].offset);
        CHECK_EQ(many.v[i].new_in_run, one.v[i].new_in_run);
        CHECK_EQ(many.v[i].fp[0], one.v[i].fp[0]);
        if (i && one.v[i].input == one.v[i - 1].input) CHECK(one.v[i].offset > one.v[i - 1].offset);
    }
}

static FILE *saved(const pt_tally *t, uint64_t digest)
{
    FILE *f = tmpfile();
    char err[256];
    CHECK_EQ(pt_tally_save(t, digest, f, err, sizeof err), 0);
    rewind(f);
    return f;
}

/* Two shards, each scanned alone, saved, loaded and merged: the same result as one scan
 * over both (distinct counts across shards included). */
static void test_save_load_merge(void)
{
    const char *a[] = {input_a}, *b[] = {input_b};
    pt_tally *ta = scan_inputs(2, 0, a, 1, NULL), *tb = scan_inputs(1, 0, b, 1, NULL);
    FILE *fa = saved(ta, 42), *fb = saved(tb, 42);
    char err[256];
    pt_tally *la = pt_tally_load(fa, 42, err, sizeof err);
    pt_tally *lb = pt_tally_load(fb, 42, err, sizeof err);
    CHECK(la && lb);
    if (!la || !lb) return;
    CHECK_EQ(pt_tally_merge(la, lb, err, sizeof err), 0);
    pt_scan_result r;
    pt_case_facts facts = {0};
    pt_scan_result_from_tally(&r, la, &pol, &facts);
    check_run(&r);
    CHECK_STR(r.inputs[1].path, "mem0");   /* each shard named its input mem0 */
    CHECK_STR(r.inputs[1].encoding, "utf-8");
    pt_scan_result_free(&r);
    pt_tally_free(la);
    pt_tally_free(lb);
    pt_tally_free(ta);
    pt_tally_free(tb);
    fclose(fa);
    fclose(fb);
}

static void expect_refused(const uint8_t *buf, size_t len, uint64_t digest, const char *why)
{
    FILE *f = tmpfile();
    fwrite(buf, 1, len, f);
    rewind(f);
    char err[256] = "";
    pt_tally *t = pt_tally_load(f, digest, err, sizeof err);
    CHECK(t == NULL);
    CHECK(strstr(err, why) != NULL);
    if (!strstr(err, why)) fprintf(stderr, "# got '%s', expected '%s'\n", err, why);
    pt_tally_free(t);
    fclose(f);
}

/* A state file that is corrupt, truncated, of another version or made with other rules
 * is refused whole, with the reason. */
static void test_state_refused(void)
{
    const char *a[] = {input_a};
    pt_tally *t = scan_inputs(1, 0, a, 1, NULL);
    FILE *f = saved(t, 7);
    uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK(len > 40 && len < sizeof buf);
    expect_refused(buf, len, 8, "other patterns");
    expect_refused(buf, len - 9, 7, "checksum");
    expect_refused(buf, 20, 7, "not a pitally state");
    uint8_t copy[1 << 16];
    memcpy(copy, buf, len);
    copy[len / 2] ^= 0x40;
    expect_refused(copy, len, 7, "checksum");
    memcpy(copy, buf, len);
    copy[8] = 99;
    expect_refused(copy, len, 7, "version 99");
    pt_tally_free(t);
}

int main(void)
{
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0 ||
        pt_patterns_load(&ps, "patterns", &pol, err, sizeof err) != 0) {
        fprintf(stderr, "not ok setup: %s\n", err);
        return 1;
    }
    RUN(test_memory_inputs);
    RUN(test_piece_order);
    RUN(test_save_load_merge);
    RUN(test_state_refused);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
