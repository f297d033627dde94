/* scan_buffer.c - pitally as a library: scan a buffer in memory, no file involved.
 *
 *   cc -Iinclude examples/scan_buffer.c build/libpitally.a \
 *      -lpcre2-8 -lyaml -lz -lxxhash -pthread [-lisal] -o scan_buffer
 *   ./scan_buffer patterns
 *
 * The steps every user of the library takes: load the policy and the pattern sets
 * once, start a scan into a tally, hand it logical inputs (here one buffer through
 * pt_raw_memory; a program would hand it files, archive members, sheets), finish,
 * and finalise the tally into a result, where the verdict is computed. A piece sink
 * sees each counted piece in input order. */
#include <stdio.h>
#include <string.h>

#include "pitally/pipeline.h"
#include "pitally/report.h"

static void on_piece(void *ctx, const pt_piece_event *e)
{
    const pt_policy *pol = ctx;
    printf("piece: input %u, record at byte %llu, tier %s%s\n", e->input,
           (unsigned long long)e->offset, pol->tiers[e->tier].id,
           e->new_in_run ? "" : " (a duplicate)");
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "patterns";
    char policy_path[4096], err[1024];
    snprintf(policy_path, sizeof policy_path, "%s/policy.yaml", dir);
    pt_policy pol;
    pt_patterns ps;
    if (pt_policy_load(&pol, policy_path, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    if (pt_patterns_load(&ps, dir, &pol, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        pt_policy_free(&pol);
        return 3;
    }

    static const char dump[] = "姓名,手机号,身份证号\n"
                               "张伟,13812345678,11010519491231002X\n"
                               "张伟,13812345678,11010519491231002X\n";
    pt_piece_sink sink = {.ctx = &pol, .piece = on_piece};
    pt_scan_options o = {.threads = 2, .progress = PT_PROGRESS_NEVER, .pieces = &sink};
    pt_source_options_default(&o.source);

    pt_tally *t = pt_tally_new(ps.n);
    pt_scan *s = pt_scan_start(&o, &ps, &pol, t);
    pt_memory_input mem;
    pt_raw_input raw = pt_raw_memory(&mem, dump, strlen(dump));
    pt_scan_input(s, "customers.csv", &raw, NULL);
    pt_scan_finish(s);

    pt_scan_result r;
    pt_case_facts facts = {0};
    pt_scan_result_from_tally(&r, t, &pol, &facts);
    pt_tally_free(t);
    printf("records %llu, pieces %llu raw / %llu distinct, verdict %s\n",
           (unsigned long long)r.totals.records, (unsigned long long)r.totals.pieces.raw,
           (unsigned long long)r.totals.pieces.distinct, pt_level_name(r.verdict.level));
    int rc = r.totals.pieces.distinct == 1 ? 0 : 1;
    pt_scan_result_free(&r);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return rc;
}
