/* fuzz_policy.c - libFuzzer target: loading policy.yaml. The input is written as
 * policy.yaml into a temporary directory and loaded; a policy that loads must give a
 * verdict for any counts, and a failure must say FILE:LINE: reason. */
#include "fuzz_common.h"

#include "pitally/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/policy.yaml", fuzz_tmpdir());
    fuzz_write_file(path, data, size);
    pt_policy pol;
    memset(&pol, 0, sizeof pol);
    if (pt_policy_load(&pol, path, err, sizeof err) == 0) {
        static const uint64_t counts[][PT_MAX_TIERS] = {{0}, {1, 1, 1}, {50, 500, 5000},
                                                        {UINT64_MAX / 2, 7, UINT64_MAX}};
        pt_case_facts facts = {.professional = (size & 1) != 0, .income_cny = size * 1000,
                               .business_purchase = (size & 2) != 0};
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
            pt_verdict v;
            pt_verdict_compute(&pol, counts[i], &facts, &v);
            FUZZ_REQUIRE(v.level <= PT_LEVEL_ESPECIALLY_SERIOUS);
        }
        for (uint64_t m = 0; m < 4; m++) (void)pt_policy_tier_of_mask(&pol, m);
        char oerr[256];
        (void)pt_policy_override(&pol, "identity=art5_3", oerr, sizeof oerr);
        pt_policy_free(&pol);
    } else {
        FUZZ_REQUIRE(strstr(err, "policy.yaml") != NULL);
    }
    return 0;
}
