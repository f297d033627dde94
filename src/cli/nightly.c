/* nightly.c - the options a nightly job needs (nightly.h, issue 12):
 *  --baseline PREV.pst   what is new since the last night's state: loaded, checked (same
 *                        rules, same case key) and hashed before the scan starts, so a
 *                        job that would be refused is refused before hours of reading;
 *  --fail-on LEVEL       exit 5 when the verdict reaches LEVEL;
 *  --quiet               (cli.c) no text report, no progress;
 *  --summary FILE        one JSON line per run for a log shipper, appended with a single
 *                        write(2) on an O_APPEND descriptor, so lines of several processes
 *                        appending to one file never interleave (docs/report.md).
 */
#include "nightly.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pitally/input.h"
#include "../report/jsonw.h"

bool pt_nightly_parse_fail_on(const char *s, int *level)
{
    if (!strcmp(s, "serious")) *level = PT_LEVEL_SERIOUS;
    else if (!strcmp(s, "especially_serious")) *level = PT_LEVEL_ESPECIALLY_SERIOUS;
    else return false;
    return true;
}

/* SHA-256 of the state file and its modification time, for the report. */
static void describe_state(FILE *f, pt_baseline_info *info)
{
    char md5[33];
    pt_digest *d = pt_digest_new();
    char buf[65536];
    size_t got;
    rewind(f);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) pt_digest_update(d, buf, got);
    pt_digest_final(d, md5, info->sha256);
    pt_digest_free(d);
    struct stat st;
    struct tm tm;
    if (fstat(fileno(f), &st) == 0 && gmtime_r(&st.st_mtime, &tm))
        strftime(info->modified_utc, sizeof info->modified_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int pt_nightly_load_baseline(pt_nightly *n, uint64_t digest)
{
    char err[512];
    FILE *f = fopen(n->baseline_path, "rb");
    if (!f) {
        fprintf(stderr, "pitally: --baseline %s: %s\n", n->baseline_path, strerror(errno));
        return PT_EXIT_USAGE;
    }
    n->base = pt_tally_load(f, digest, err, sizeof err);
    if (n->base) describe_state(f, &n->info);
    fclose(f);
    if (!n->base) {
        fprintf(stderr, "pitally: --baseline %s: %s\n", n->baseline_path, err);
        return PT_EXIT_USAGE;
    }
    n->info.path = n->baseline_path;
    return PT_EXIT_OK;
}

/* A copy of the baseline's key beside the new state (owner-only, never overwritten). */
static int copy_key(const pt_casekey *k, const char *path)
{
    char line[2 * PT_CASEKEY_BYTES + 2];
    pt_casekey_format(k, line);
    strcat(line, "\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t len = strlen(line);
    bool ok = fd >= 0 && write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "pitally: %s: cannot write the case key: %s\n", path, strerror(errno));
        if (fd >= 0) unlink(path);
        return -1;
    }
    fprintf(stderr, "pitally: the baseline's case key copied to %s: keep it with the state\n", path);
    return 0;
}

static char *beside(const char *path, const char *suffix)
{
    size_t len = strlen(path) + strlen(suffix) + 1;
    char *s = pt_xmalloc(len);
    snprintf(s, len, "%s%s", path, suffix);
    return s;
}

/* Which key file the scan uses; *copy_to: where to copy the baseline's key, or NULL. */
static char *key_file(const pt_nightly *n, const char *case_key_path, const char *state_path,
                      char **copy_to)
{
    *copy_to = NULL;
    if (case_key_path) return pt_xstrdup(case_key_path);
    char *state_key = state_path ? beside(state_path, ".key") : NULL;
    if (state_key && access(state_key, F_OK) == 0) return state_key;
    *copy_to = state_key;
    return beside(n->baseline_path, ".key");
}

int pt_nightly_case_key(pt_nightly *n, const char *case_key_path, const char *state_path,
                        pt_casekey *key)
{
    char *copy_to, *path = key_file(n, case_key_path, state_path, &copy_to);
    int rc = PT_EXIT_USAGE;
    if (!case_key_path && access(path, F_OK) != 0)   /* never a new key: it could not match */
        fprintf(stderr, "pitally: --baseline %s: no case key beside it (%s)%s%s%s: give "
                "--case-key FILE of the baseline\n", n->baseline_path, path,
                copy_to ? " nor beside the state (" : "", copy_to ? copy_to : "",
                copy_to ? ")" : "");
    else if (pt_case_key_load(path, key) != 0)
        ;   /* it said why */
    else if (key->id != n->base->key_id)
        fprintf(stderr, "pitally: --baseline %s was made under another case key (key id "
                "%016llx) than %s (key id %016llx): give --case-key FILE of the baseline\n",
                n->baseline_path, (unsigned long long)n->base->key_id, path,
                (unsigned long long)key->id);
    else if (!copy_to || copy_key(key, copy_to) == 0)
        rc = PT_EXIT_OK;
    free(path);
    free(copy_to);
    return rc;
}

int pt_nightly_check_key(const pt_nightly *n, uint64_t key_id)
{
    if (key_id == n->base->key_id) return PT_EXIT_OK;
    fprintf(stderr, "pitally: --baseline %s was made under another case key (key id %016llx) "
            "than the states merged (key id %016llx)\n", n->baseline_path,
            (unsigned long long)n->base->key_id, (unsigned long long)key_id);
    return PT_EXIT_USAGE;
}

int pt_nightly_compare(pt_nightly *n, const pt_tally *now)
{
    if (!n->base) return PT_EXIT_OK;
    char err[512];
    if (pt_tally_compare(now, n->base, &n->info.diff, err, sizeof err) != 0) {
        fprintf(stderr, "pitally: --baseline %s: %s\n", n->baseline_path, err);
        return PT_EXIT_USAGE;
    }
    n->compared = true;
    pt_tally_free(n->base);   /* the comparison is all the reports need */
    n->base = NULL;
    return PT_EXIT_OK;
}

const pt_baseline_info *pt_nightly_info(const pt_nightly *n)
{
    return n->compared ? &n->info : NULL;
}

/* ---- the summary line ---- */

/* Inputs as tell_unscanned (cli.c) names them: no record, not empty, not a container. */
static bool unscanned(const pt_input_result *in)
{
    if (in->counts.records || (in->readable && !in->skipped && in->bytes == 0)) return false;
    return !(in->container && in->readable);
}

static void tier_counts(jw *w, const char *key, const uint64_t *v, const pt_policy *pol)
{
    jw_open(w, key, '{', true);
    for (size_t t = 0; t < pol->n_tiers; t++) jw_u64(w, pol->tiers[t].id, v[t]);
    jw_close(w, '}');
}

static void summary_baseline(jw *w, const pt_baseline_info *b, const pt_policy *pol)
{
    const pt_baseline_diff *d = &b->diff;
    jw_open(w, "baseline", '{', true);
    jw_str(w, "path", b->path);
    jw_str(w, "sha256", b->sha256);
    jw_u64(w, "inputs_new", d->inputs[PT_BASE_NEW]);
    jw_u64(w, "inputs_changed", d->inputs[PT_BASE_CHANGED]);
    jw_u64(w, "inputs_gone", d->inputs[PT_BASE_GONE]);
    jw_u64(w, "inputs_unchanged", d->inputs[PT_BASE_UNCHANGED]);
    jw_u64(w, "inputs_unhashed", d->inputs[PT_BASE_UNHASHED]);
    tier_counts(w, "pieces_new", d->pieces_new, pol);
    tier_counts(w, "pieces_raised", d->pieces_raised, pol);
    jw_u64(w, "subjects_new", d->subjects_new);
    jw_close(w, '}');
}

static void summary_json(FILE *f, const pt_scan_result *r, const pt_policy *pol,
                         const char *command, int rc, const pt_baseline_info *b)
{
    const pt_run_record *rr = r->run;
    uint64_t unread = 0, with_errors = 0, distinct[PT_MAX_TIERS];
    for (size_t i = 0; i < r->n_inputs; i++) {
        unread += unscanned(&r->inputs[i]);
        with_errors += r->inputs[i].errors.n > 0;
    }
    for (size_t t = 0; t < PT_MAX_TIERS; t++) distinct[t] = r->totals.tiers[t].distinct;
    jw w;
    jw_init(&w, f);
    jw_open(&w, NULL, '{', true);
    jw_str(&w, "schema", "pitally-summary/1");
    jw_str(&w, "time_utc", rr ? rr->ended_utc : "");
    jw_str(&w, "host", rr ? rr->host : "");
    jw_str(&w, "tool", "pitally");
    jw_str(&w, "version", PT_VERSION);
    jw_str(&w, "command", command);
    jw_str(&w, "command_line", rr ? rr->command : "");
    jw_bool(&w, "completed", true);
    jw_num(&w, "elapsed_s", r->elapsed_s);
    jw_u64(&w, "inputs", r->n_inputs);
    jw_u64(&w, "inputs_scanned", r->n_scanned);
    jw_u64(&w, "inputs_unscanned", unread);
    jw_u64(&w, "inputs_with_errors", with_errors);
    jw_u64(&w, "records", r->totals.records);
    jw_u64(&w, "pieces_raw", r->totals.pieces.raw);
    jw_u64(&w, "pieces_distinct", r->totals.pieces.distinct);
    tier_counts(&w, "distinct", distinct, pol);
    jw_u64(&w, "subjects", r->subjects);
    jw_str(&w, "level", pt_level_name(r->verdict.level));
    jw_num(&w, "combined_ratio", r->verdict.combined_ratio);
    jw_u64(&w, "exit", (uint64_t)rc);
    if (b) summary_baseline(&w, b, pol);
    jw_close(&w, '}');
}

/* All of the line in one write(2) on an O_APPEND descriptor: appends of several
 * processes land whole, one after another (a short write is an error, not retried, so
 * that half a line is never followed by the rest of it after another process's line). */
static int append_line(const char *path, const char *line, size_t len)
{
    bool to_stderr = !strcmp(path, "-");
    int fd = to_stderr ? STDERR_FILENO : open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    ssize_t wrote = write(fd, line, len);
    int write_errno = wrote < 0 ? errno : EIO;   /* a short write: no errno of its own */
    bool closed = to_stderr || close(fd) == 0;
    if (wrote != (ssize_t)len) {
        errno = write_errno;
        return -1;
    }
    return closed ? 0 : -1;
}

/* The line of a run that ended before its reports (refused, a usage error): what ran,
 * where, and its exit status, so that a log shipper sees every run. */
static void unfinished_json(FILE *f, const char *command, int rc)
{
    char now[32] = "", host[256] = "";
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm)) strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "%s", "unknown");
    jw w;
    jw_init(&w, f);
    jw_open(&w, NULL, '{', true);
    jw_str(&w, "schema", "pitally-summary/1");
    jw_str(&w, "time_utc", now);
    jw_str(&w, "host", host);
    jw_str(&w, "tool", "pitally");
    jw_str(&w, "version", PT_VERSION);
    jw_str(&w, "command", command);
    jw_bool(&w, "completed", false);
    jw_u64(&w, "exit", (uint64_t)rc);
    jw_close(&w, '}');
}

/* r NULL: the line of an unfinished run. */
static int write_summary(pt_nightly *n, const pt_scan_result *r, const pt_policy *pol,
                         const char *command, int rc)
{
    n->summarized = true;
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    if (!mem) return -1;
    if (r) summary_json(mem, r, pol, command, rc, pt_nightly_info(n));
    else unfinished_json(mem, command, rc);
    bool ok = !ferror(mem);
    if (fclose(mem) != 0) ok = false;
    int res = ok ? append_line(n->summary_path, line, len) : -1;
    if (res != 0)
        fprintf(stderr, "pitally: cannot append the summary to %s: %s\n", n->summary_path,
                strerror(errno));
    free(line);
    return res;
}

int pt_nightly_finish(pt_nightly *n, const pt_scan_result *r, const pt_policy *pol,
                      const char *command, int rc)
{
    if (rc == PT_EXIT_OK && n->fail_on && (int)r->verdict.level >= n->fail_on)
        rc = PT_EXIT_FAIL_ON;
    if (n->summary_path && write_summary(n, r, pol, command, rc) != 0) rc = 4;
    return rc;
}

int pt_nightly_unfinished(pt_nightly *n, const char *command, int rc)
{
    if (!n->summary_path || n->summarized || rc == 0) return rc;   /* 0: --help */
    return write_summary(n, NULL, NULL, command, rc) == 0 ? rc : 4;
}

void pt_nightly_free(pt_nightly *n)
{
    pt_tally_free(n->base);
    pt_baseline_diff_free(&n->info.diff);
    n->base = NULL;
}
