/* fuzz_patterns.c - libFuzzer target: loading a pattern YAML file. The input is written
 * as fuzz.yaml into a temporary directory beside the project's own policy.yaml (loaded
 * once); a set that loads is used to classify a few records, a failure must say
 * FILE:LINE: reason. PCRE2 compilation of hostile regexes is part of what is fuzzed. */
#include "fuzz_common.h"

#include <sys/stat.h>

#include "pitally/classify.h"
#include "pitally/patterns.h"
#include "pitally/policy.h"

#ifndef FUZZ_POLICY_PATH
#define FUZZ_POLICY_PATH "patterns/policy.yaml"
#endif

static pt_policy policy;
static char dir[128];

static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    char err[512];
    if (pt_policy_load(&policy, FUZZ_POLICY_PATH, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_patterns: %s (run from the repository root)\n", err);
        abort();
    }
    snprintf(dir, sizeof dir, "%s/patterns", fuzz_tmpdir());
    mkdir(dir, 0700);
}

static void classify_some(const pt_patterns *ps)
{
    static const char *const kv[][2] = {
        {"身份证号", "11010519491231002X"},
        {"phone", "13812345678"},
        {NULL, "张三 6222020200112233445 zhang@example.com"},
        {"地址", "北京市朝阳区望京路1号"},
    };
    pt_field fields[4];
    for (size_t i = 0; i < 4; i++)
        fields[i] = (pt_field){kv[i][0], kv[i][0] ? strlen(kv[i][0]) : 0, kv[i][1], strlen(kv[i][1]), 0};
    pt_record rec = {fields, 4, 0};
    uint64_t *matched = calloc(ps->n + 1, sizeof *matched);
    uint64_t *rejected = calloc(ps->n + 1, sizeof *rejected);
    pt_scanner *sc = pt_scanner_new(ps, &policy);
    pt_record_class cls;
    pt_scanner_classify(sc, &rec, &cls, matched, rejected);
    pt_scanner_free(sc);
    free(matched);
    free(rejected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    char path[256], err[512] = "";
    snprintf(path, sizeof path, "%s/fuzz.yaml", dir);
    fuzz_write_file(path, data, size);
    pt_patterns ps;
    memset(&ps, 0, sizeof ps);
    if (pt_patterns_load(&ps, dir, &policy, err, sizeof err) == 0) {
        classify_some(&ps);
        pt_patterns_free(&ps);
    } else {
        FUZZ_REQUIRE(err[0] != '\0');
    }
    return 0;
}
