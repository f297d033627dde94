/* runrecord.c - the run record of a scan or merge (pitally/report.h): version and
 * commit, the command line, UTC start and end, host, the rule files in force with their
 * SHA-256, and every override. The commit comes from the build (build/gen/commit.h,
 * rewritten by make only when HEAD changes). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commit.h"
#include "runrecord.h"
#include "pitally/input.h"

static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The command line as a shell would read it back: words with anything but safe
 * characters in single quotes. */
static char *quoted_command(int argc, char **argv)
{
    size_t cap = 1;
    for (int i = 0; i < argc; i++) cap += 4 * strlen(argv[i]) + 3;
    char *s = pt_xmalloc(cap), *p = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *c = a; *c && plain; c++)
            plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c) != NULL;
        if (i) *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') p += sprintf(p, "'\\''");
            else *p++ = *c;
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

static void hash_file(const char *path, char sha256[65])
{
    char md5[33];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(sha256, 65, "%s", "unreadable");
        return;
    }
    pt_digest *d = pt_digest_new();
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) pt_digest_update(d, buf, n);
    fclose(f);
    pt_digest_final(d, md5, sha256);
    pt_digest_free(d);
}

static void add_rule_file(pt_run_record *rr, char *path)
{
    rr->rule_files = pt_xrealloc(rr->rule_files, (rr->n_rule_files + 1) * sizeof *rr->rule_files);
    pt_rule_file *f = &rr->rule_files[rr->n_rule_files++];
    f->path = path;
    hash_file(path, f->sha256);
}

/* Every *.yaml of the pattern directory in byte order, then the policy file if it
 * is not one of them. */
static void list_rule_files(pt_run_record *rr, const char *dir, const char *policy)
{
    size_t n;
    char **paths = pt_rule_file_paths(dir, &n);
    bool policy_listed = false;
    for (size_t i = 0; i < n; i++) {
        policy_listed |= strcmp(paths[i], policy) == 0;
        add_rule_file(rr, paths[i]);   /* the record owns the path now */
    }
    free(paths);
    if (!policy_listed) add_rule_file(rr, pt_xstrdup(policy));
}

void pt_run_record_start(pt_run_record *rr, int argc, char **argv, const char *patterns_dir,
                         const char *policy_file, const char *const *overrides, size_t n_overrides)
{
    memset(rr, 0, sizeof *rr);
    rr->version = PT_VERSION;
    rr->commit = PT_GIT_COMMIT;
    rr->command = quoted_command(argc, argv);
    rr->argv = (const char *const *)argv;
    rr->argc = (size_t)argc;
    rr->cwd = getcwd(NULL, 0);
    utc_now(rr->started_utc);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "%s", "unknown");
    rr->host = pt_xstrdup(host);
    rr->hash_path = pt_digest_path();
    /* resolved, so that the record names the files, not the way the binary found them */
    char *dir = realpath(patterns_dir, NULL), *pol = realpath(policy_file, NULL);
    rr->patterns_dir = dir ? dir : pt_xstrdup(patterns_dir);
    rr->policy_file = pol ? pol : pt_xstrdup(policy_file);
    list_rule_files(rr, rr->patterns_dir, rr->policy_file);
    rr->overrides = overrides;
    rr->n_overrides = n_overrides;
}

void pt_run_record_end(pt_run_record *rr)
{
    utc_now(rr->ended_utc);
}

void pt_run_record_free(pt_run_record *rr)
{
    free((char *)rr->command);
    free((char *)rr->host);
    free((char *)rr->cwd);
    free((char *)rr->patterns_dir);
    free((char *)rr->policy_file);
    for (size_t i = 0; i < rr->n_rule_files; i++) free((char *)rr->rule_files[i].path);
    free(rr->rule_files);
    memset(rr, 0, sizeof *rr);
}
