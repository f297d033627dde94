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

/* An unreadable input may have no detected properties; the schema wants one of the
 * listed words, so say what would have been assumed. */
static const char *or_default(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
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
    jw_u64(w, "bytes", in->bytes);
    jw_str(w, "compression", or_default(in->compression, "none"));
    jw_str(w, "encoding", or_default(in->encoding, "utf-8"));
    jw_str(w, "format", or_default(in->format, "lines"));
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
    const pt_scan_result *r;
    const pt_policy *pol;
    const pt_patterns *ps;
    char *err;
    size_t errlen;
} report_job;

static int report_fail(report_job *j, const char *path, const char *what, int e)
{
    snprintf(j->err, j->errlen, "%s: %s: %s", path, what, strerror(e));
    return -1;
}

/* An already open stream (stdout, stderr): write and flush, never close. */
static int write_to_stream(report_job *j, FILE *f, const char *name)
{
    errno = 0;
    if (pt_report_json(f, j->r, j->pol, j->ps) < 0 || fflush(f) != 0)
        return report_fail(j, name, "cannot write the report", errno ? errno : EIO);
    return 0;
}

/* A pipe, a device or a descriptor alias: open, write, close, all checked. */
static int write_direct(report_job *j, const char *path, int fd)
{
    if (fd < 0) fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return report_fail(j, path, "cannot open", errno);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        return report_fail(j, path, "cannot open", e);
    }
    errno = 0;
    int rc = pt_report_json(f, j->r, j->pol, j->ps);
    int e = errno ? errno : EIO;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    return rc < 0 ? report_fail(j, path, "cannot write the report", e) : 0;
}

/* "/dev/stdout", "/dev/fd/N", "/proc/self/fd/N": the descriptor the path names, so that
 * the report lands where the shell pointed it (even a file opened by "> out") instead
 * of replacing what the link resolves to. Returns a new descriptor, or -1. */
static int descriptor_alias(const char *path, FILE **stream)
{
    *stream = NULL;
    if (strcmp(path, "/dev/stdout") == 0) { *stream = stdout; return -1; }
    if (strcmp(path, "/dev/stderr") == 0) { *stream = stderr; return -1; }
    const char *num = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0) num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0) num = path + 14;
    if (!num || !*num) return -1;
    char *end;
    long fd = strtol(num, &end, 10);
    if (*end || fd < 0 || fd > INT_MAX) return -1;
    if (fd == 1) { *stream = stdout; return -1; }
    if (fd == 2) { *stream = stderr; return -1; }
    return fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
}

/* Mode for a new report: the old file's, else 0666 less the umask (mkstemp gives 0600). */
static mode_t report_mode(const char *target)
{
    struct stat st;
    if (stat(target, &st) == 0) return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static void sync_directory_of(const char *path)
{
    char *dir = pt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash) strcpy(dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);   /* best effort: the rename is already done */
        close(fd);
    }
    free(dir);
}

/* Regular file: temporary file beside it, flush, fsync, close, rename into place. */
static int write_replacing(report_job *j, const char *path, const char *target)
{
    size_t n = strlen(target);
    char *tmp = pt_xmalloc(n + sizeof ".tmp.XXXXXX");
    memcpy(tmp, target, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    mode_t mode = report_mode(target);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return report_fail(j, path, "cannot create a temporary file beside it", errno);
    }
    const char *what = "cannot write the report";
    int e = 0;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        e = errno;
        close(fd);
    } else {
        errno = 0;
        if (fchmod(fd, mode) != 0 ||
            pt_report_json(f, j->r, j->pol, j->ps) < 0 || fflush(f) != 0)
            e = errno ? errno : EIO;
        else if (fsync(fd) != 0)
            e = errno;
        if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
        if (!e && rename(tmp, target) != 0) {
            e = errno;
            what = "cannot rename the temporary file into place";
        }
    }
    if (e) {
        unlink(tmp);
        free(tmp);
        return report_fail(j, path, what, e);
    }
    free(tmp);
    sync_directory_of(target);
    return 0;
}

int pt_report_json_to_path(const char *path, const pt_scan_result *r,
                           const pt_policy *pol, const pt_patterns *ps,
                           char *err, size_t errlen)
{
    report_job j = {r, pol, ps, err, errlen};
    if (!path || !*path) return report_fail(&j, "(empty path)", "cannot write", ENOENT);
    if (strcmp(path, "-") == 0) return write_to_stream(&j, stdout, "standard output");

    FILE *stream;
    int fd = descriptor_alias(path, &stream);
    if (stream) return write_to_stream(&j, stream, path);
    if (fd >= 0) return write_direct(&j, path, fd);

    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return report_fail(&j, path, "cannot write", EISDIR);
        if (!S_ISREG(st.st_mode)) return write_direct(&j, path, -1);
    }
    /* Replace what a symbolic link points to, not the link itself. */
    struct stat lst;
    char *resolved = NULL;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) resolved = realpath(path, NULL);
    int rc = write_replacing(&j, path, resolved ? resolved : path);
    free(resolved);
    return rc;
}
