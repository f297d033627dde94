/* verify.c - `pitally verify REPORT.json`: a second examiner, or the defence, checks a
 * result. The inputs the report names are hashed again and compared with its custody
 * hashes; then the scan is run again, as a child process of this binary, in the
 * recorded directory with the recorded arguments (less the outputs: --json, --html,
 * --evidence, --state, --case-key, --progress, -j, --lang, --mask, and the nightly
 * --summary, --fail-on, --quiet), and its report is compared
 * with the old one: every input's path, status, bytes, hashes and counts, the totals,
 * the verdict, and the rule files' hashes. It says "reproduced", or names exactly what
 * differs. Exit 0 or 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "jsonread.h"
#include "pitally/common.h"
#include "pitally/input.h"

typedef struct {
    size_t n;
} diffs;

static void differ(diffs *d, const char *fmt, const char *a, const char *b, const char *c)
{
    fputs("  differs: ", stdout);
    printf(fmt, a, b, c);
    fputc('\n', stdout);
    d->n++;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    char *buf = pt_xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) buf = pt_xrealloc(buf, cap *= 2);
    fclose(f);
    *len = n;
    return buf;
}

static jv *load_report(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len, err, errlen);
    if (!text) return NULL;
    char why[256];
    jv *r = jv_parse(text, len, why, sizeof why);
    free(text);
    if (!r) snprintf(err, errlen, "%s: not a JSON report: %s", path, why);
    return r;
}

/* ---- custody hashes ---- */

static bool hash_file(const char *path, char md5[33], char sha256[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    pt_digest *d = pt_digest_new();
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) pt_digest_update(d, buf, (size_t)n);
    close(fd);
    pt_digest_final(d, md5, sha256);
    pt_digest_free(d);
    return n == 0;
}

/* Files named directly (a member of a container, outer!/inner, is checked through the
 * rerun's report instead). Paths are relative to the recorded directory. */
static void check_hashes(const jv *report, diffs *d)
{
    const jv *inputs = jv_get(report, "inputs");
    for (size_t i = 0; inputs && i < inputs->n; i++) {
        const jv *in = jv_at(inputs, i);
        const char *path = jv_text(jv_get(in, "path")), *sha = jv_text(jv_get(in, "sha256"));
        if (!*sha || strstr(path, "!/") || !strcmp(path, "-")) continue;
        char md5[33], now[65];
        if (!hash_file(path, md5, now)) differ(d, "input %s: cannot be read now (%s)%s", path, strerror(errno), "");
        else if (strcmp(now, sha) != 0) differ(d, "input %s: SHA-256 was %s, is now %s", path, sha, now);
    }
}

/* ---- the rerun ---- */

static bool output_option(const char *a, bool *takes_value)
{
    static const char *const with_value[] = {"--json", "--html", "--evidence", "--state",
                                             "--case-key", "--progress", "--threads", "--lang",
                                             "-j", "--summary", "--fail-on", NULL};
    static const char *const flags[] = {"--mask", "--quiet", NULL};
    for (int i = 0; with_value[i]; i++) {
        size_t n = strlen(with_value[i]);
        if (!strncmp(a, with_value[i], n) && (a[n] == '\0' || a[n] == '=' || (!strcmp(with_value[i], "-j") && a[n]))) {
            *takes_value = a[n] == '\0';
            return true;
        }
    }
    for (int i = 0; flags[i]; i++)
        if (!strcmp(a, flags[i])) {
            *takes_value = false;
            return true;
        }
    return false;
}

/* Run this binary's scan with the recorded arguments and --json to out; 0 on success. */
static int rerun(const jv *argv, const char *cwd, const char *out, char *err, size_t errlen)
{
    size_t n = argv->n;
    const char **args = pt_xcalloc(n + 8, sizeof *args);
    size_t k = 0;
    args[k++] = "pitally";
    args[k++] = "scan";
    bool after_dashdash = false;
    for (size_t i = 2; i < n; i++) {
        const char *a = jv_text(jv_at(argv, i));
        bool takes;
        if (!after_dashdash && !strcmp(a, "--")) after_dashdash = true;
        if (!after_dashdash && output_option(a, &takes)) {
            if (takes) i++;
            continue;
        }
        args[k++] = a;
    }
    /* the outputs go first: after a "--" they would be read as paths */
    memmove(args + 6, args + 2, (k - 2) * sizeof *args);
    args[2] = "--json";
    args[3] = out;
    args[4] = "--progress";
    args[5] = "never";
    k += 4;
    args[k] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);
        if (*cwd && chdir(cwd) != 0) _exit(126);
        execv("/proc/self/exe", (char *const *)args);
        _exit(127);
    }
    free(args);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        snprintf(err, errlen, "cannot run the scan again: %s", strerror(errno));
        return -1;
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (rc != 0 && rc != 2) {   /* 2: nothing scanned, which the comparison then shows */
        snprintf(err, errlen, "the scan run again exited with status %d", rc);
        return -1;
    }
    return 0;
}

/* ---- comparing ---- */

/* Name every leaf that differs under where (objects by key, arrays of one length by
 * index), so the difference reads "totals.pieces.distinct: was 3, is now 4". */
static void same_deep(diffs *d, const char *where, const jv *x, const jv *y)
{
    if (jv_equal(x, y)) return;
    char sub[768];
    if (x && y && x->kind == JV_OBJECT && y->kind == JV_OBJECT) {
        for (size_t i = 0; i < x->n; i++) {
            snprintf(sub, sizeof sub, "%s.%s", where, x->keys[i]);
            same_deep(d, sub, &x->items[i], jv_get(y, x->keys[i]));
        }
        for (size_t i = 0; i < y->n; i++)
            if (!jv_get(x, y->keys[i])) {
                snprintf(sub, sizeof sub, "%s.%s", where, y->keys[i]);
                same_deep(d, sub, NULL, &y->items[i]);
            }
        return;
    }
    if (x && y && x->kind == JV_ARRAY && y->kind == JV_ARRAY && x->n == y->n) {
        for (size_t i = 0; i < x->n; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
            same_deep(d, sub, &x->items[i], &y->items[i]);
        }
        return;
    }
    const char *xa = !x ? "(absent)" : x->kind == JV_NUMBER || x->kind == JV_STRING ? x->str : "(another structure)";
    const char *ya = !y ? "(absent)" : y->kind == JV_NUMBER || y->kind == JV_STRING ? y->str : "(another structure)";
    differ(d, "%s: was %s, is now %s", where, xa, ya);
}

static void same(diffs *d, const char *where, const char *key, const jv *a, const jv *b)
{
    char what[640];
    snprintf(what, sizeof what, "%s%s%s", where, *where ? "." : "", key);
    same_deep(d, what, jv_get(a, key), jv_get(b, key));
}

static void compare(const jv *old, const jv *now, diffs *d)
{
    const jv *oi = jv_get(old, "inputs"), *ni = jv_get(now, "inputs");
    size_t no = oi ? oi->n : 0, nn = ni ? ni->n : 0;
    if (no != nn) {
        char a[24], b[24];
        snprintf(a, sizeof a, "%zu", no);
        snprintf(b, sizeof b, "%zu", nn);
        differ(d, "the inputs: %s then, %s now%s", a, b, "");
    }
    static const char *const input_keys[] = {"path", "status", "bytes", "sha256", "md5", "records",
                                             "pieces", "tiers", "categories", NULL};
    for (size_t i = 0; i < no && i < nn; i++) {
        char where[600];
        snprintf(where, sizeof where, "input %s", jv_text(jv_get(jv_at(oi, i), "path")));
        for (int k = 0; input_keys[k]; k++) same(d, where, input_keys[k], jv_at(oi, i), jv_at(ni, i));
    }
    static const char *const total_keys[] = {"records", "pieces", "tiers", "subjects", "categories", NULL};
    for (int k = 0; total_keys[k]; k++)
        same(d, "totals", total_keys[k], jv_get(old, "totals"), jv_get(now, "totals"));
    static const char *const verdict_keys[] = {"level", "grounds", "combined_ratio", NULL};
    for (int k = 0; verdict_keys[k]; k++)
        same(d, "verdict", verdict_keys[k], jv_get(old, "verdict"), jv_get(now, "verdict"));
    same(d, "run", "rule_files", jv_get(old, "run"), jv_get(now, "run"));
}

int pt_cmd_verify(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        fprintf(stderr, "usage: pitally verify REPORT.json\n");
        return 1;
    }
    char err[1024];
    jv *old = load_report(argv[2], err, sizeof err);
    const jv *run = old ? jv_get(old, "run") : NULL;
    const jv *rargv = jv_get(run, "argv");
    if (old && (!rargv || rargv->n < 3 || strcmp(jv_text(jv_at(rargv, 1)), "scan") != 0))
        snprintf(err, sizeof err, "%s: no recorded scan to run again (a report of pitally scan "
                 "with its run record is needed)", argv[2]);
    if (!old || !rargv || rargv->n < 3 || strcmp(jv_text(jv_at(rargv, 1)), "scan") != 0) {
        fprintf(stderr, "pitally: verify: %s\n", err);
        jv_free(old);
        return 1;
    }
    const char *cwd = jv_text(jv_get(run, "cwd"));
    printf("verifying %s: %s\n", argv[2], jv_text(jv_get(run, "command")));
    diffs d = {0};
    char *here = getcwd(NULL, 0);
    if (*cwd && chdir(cwd) != 0) differ(&d, "the directory it ran in, %s: %s%s", cwd, strerror(errno), "");
    check_hashes(old, &d);
    if (here && chdir(here) != 0) perror("pitally: verify");
    free(here);
    char tmp[] = "/tmp/pitally-verify-XXXXXX";
    int fd = mkstemp(tmp);
    jv *now = NULL;
    if (fd >= 0) close(fd);
    if (fd < 0 || rerun(rargv, cwd, tmp, err, sizeof err) != 0 || !(now = load_report(tmp, err, sizeof err))) {
        differ(&d, "%s%s%s", err, "", "");
    } else {
        compare(old, now, &d);
    }
    if (fd >= 0) unlink(tmp);
    const char *was = jv_text(jv_get(run, "commit")), *is = jv_text(jv_get(jv_get(now, "run"), "commit"));
    if (now && strcmp(was, is) != 0)
        printf("  note: made by pitally %s, verified with %s\n", *was ? was : "(unknown)", is);
    if (d.n) printf("NOT reproduced: %zu difference%s\n", d.n, d.n == 1 ? "" : "s");
    else printf("reproduced: the same inputs (hashes), counts and verdict\n");
    jv_free(old);
    jv_free(now);
    return d.n ? 1 : 0;
}
