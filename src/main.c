/* main.c - the pitally command. Everything it does is in src/cli/ (the commands) on top
 * of the library stages (input, records, classify, tally, verdict, report, pipeline).
 * Here too: `pitally --version`, which says what the binary is made of: the version and
 * commit, the rule files it would use with their SHA-256 (exactly as a report's run
 * record lists them), and the libraries in use with their versions. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/crypto.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>
#include <yaml.h>
#include <zlib.h>
#if defined(PT_HAVE_ISAL) && defined(__has_include)
#if __has_include(<isa-l.h>)
#include <isa-l.h>
#endif
#endif

#include "commit.h"
#include "cli/cli.h"
#include "cli/runrecord.h"
#include "input/input_internal.h"

static void print_libraries(void)
{
    char pcre[64] = "";
    int jit = 0;
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    printf("libraries:\n");
    printf("  PCRE2 %s%s\n", pcre, jit ? " (JIT)" : "");
    printf("  zlib %s\n", zlibVersion());
#ifdef ISAL_MAJOR_VERSION
    printf("  ISA-L %d.%d.%d (igzip)\n", ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION,
           ISAL_PATCH_VERSION);
#elif defined(PT_HAVE_ISAL)
    printf("  ISA-L (igzip)\n");
#endif
    printf("  gzip inflate: %s\n", pt_input_inflate_backend());
    printf("  libyaml %s\n", yaml_get_version_string());
    printf("  %s (%s)\n", OpenSSL_version(OPENSSL_VERSION), pt_digest_path());
    unsigned xxh = XXH_versionNumber();
    printf("  xxHash %u.%u.%u\n", xxh / 10000, xxh / 100 % 100, xxh % 100);
}

int pt_cli_version(const char *argv0)
{
    printf("pitally %s\n", PT_VERSION);
    printf("commit: %s\n", PT_GIT_COMMIT);
    char dir[PATH_MAX];
    const char *patterns = pt_default_patterns_dir(argv0, dir, sizeof dir);
    if (!patterns) {
        printf("patterns: none found (--patterns DIR or PITALLY_PATTERNS)\n");
        print_libraries();
        return 0;
    }
    char policy[PATH_MAX + 16];
    snprintf(policy, sizeof policy, "%s/policy.yaml", patterns);
    char *args[] = {(char *)"pitally", (char *)"--version", NULL};
    pt_run_record rr;
    pt_run_record_start(&rr, 2, args, patterns, policy, NULL, 0);
    printf("patterns: %s\n", rr.patterns_dir);
    printf("policy: %s\n", rr.policy_file);
    printf("rule files (SHA-256, as in the run record):\n");
    size_t dlen = strlen(rr.patterns_dir);
    for (size_t i = 0; i < rr.n_rule_files; i++) {
        const char *p = rr.rule_files[i].path;
        if (strncmp(p, rr.patterns_dir, dlen) == 0 && p[dlen] == '/') p += dlen + 1;
        printf("  %s  %s\n", rr.rule_files[i].sha256, p);
    }
    pt_run_record_free(&rr);
    print_libraries();
    return 0;
}

/* One malloc arena for every thread. glibc gives each thread that allocates an arena of
 * its own, and memory freed in one arena serves only allocations made in it: the reader
 * grows chunk buffers in the main arena while the workers grow the dedup sets' tables
 * and their scratch in theirs, so at -j2 each arena kept its own free holes and peak RSS
 * rose by 10-28 MiB over -j1 (bench data, 2M records: 121 MiB against 95 MiB with one
 * arena, the same as -j1). One arena costs no contention here: nothing allocates per
 * field or per record, only per chunk, per input and when a table grows. */
static void one_malloc_arena(void)
{
#ifdef __GLIBC__
    mallopt(M_ARENA_MAX, 1);
#endif
}

int main(int argc, char **argv)
{
    one_malloc_arena();
    return pt_cli_main(argc, argv);
}
