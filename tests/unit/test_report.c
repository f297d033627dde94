/* test_report.c - stage 6: the JSON report (schema, escaping, tests/report_check.py),
 * writing it to paths (atomic replace for files, direct for devices and pipes), the
 * text report, and several reports written at once.
 *
 * The scan result is built by hand: two inputs, 30 art5_3 + 200 art5_4 + 5 art5_5
 * distinct pieces in total: 30/50 + 200/500 + 5/5000 = 1.001, no tier alone reaches its
 * standard, so it is serious on ground art5_1_6 only.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pitally/report.h"

static pt_policy pol;
static pt_patterns ps;
static char err[1024];
static char tmpdir[] = "/tmp/pt_report_test_XXXXXX";

#define MESSAGE "bad \"x\" \\ here\nnext\x01"

static void set_tier(pt_counts *c, int tier, uint64_t raw, uint64_t distinct)
{
    c->tiers[tier].raw = raw;
    c->tiers[tier].distinct = distinct;
}

/* The hand-made result: input 0 is a CSV with art5_3 and art5_4 pieces and one error,
 * input 1 a gzip JSON Lines file (name not valid UTF-8) with five art5_5 pieces. */
static void build_result(pt_scan_result *r, bool professional)
{
    memset(r, 0, sizeof *r);
    r->threads = 2;
    r->elapsed_s = 0.25;
    r->n_inputs = 2;
    r->n_scanned = 2;   /* both inputs below gave records */
    r->inputs = pt_xcalloc(2, sizeof *r->inputs);

    pt_input_result *a = &r->inputs[0];
    a->path = pt_xstrdup("data/a.csv");
    a->bytes = 1000;
    a->compression = "none";
    a->encoding = "utf-8";
    a->format = "csv";
    a->readable = true;
    a->counts.records = 300;
    set_tier(&a->counts, 0, 40, 30);
    set_tier(&a->counts, 1, 210, 200);
    a->counts.pieces.raw = 250;
    a->counts.pieces.distinct = 230;
    a->counts.categories[pt_policy_category(&pol, "credit")] = 40;
    a->counts.categories[pt_policy_category(&pol, "health")] = 210;
    pt_errlist_add(&a->errors, "json", 7, "%s", MESSAGE);

    pt_input_result *b = &r->inputs[1];
    b->path = pt_xstrdup("data/b\xff.jsonl.gz");
    b->bytes = 200;
    b->compression = "gzip";
    b->encoding = "gb18030";
    b->format = "jsonl";
    b->readable = true;
    b->counts.records = 10;
    set_tier(&b->counts, 2, 5, 5);
    b->counts.pieces.raw = 5;
    b->counts.pieces.distinct = 5;
    b->counts.categories[pt_policy_category(&pol, "contact")] = 5;

    r->totals = a->counts;
    pt_counts_add(&r->totals, &b->counts);
    r->total_bytes = 1200;
    r->subjects = 170;
    r->pattern_matched = pt_xcalloc(2, sizeof(uint64_t));
    r->pattern_rejected = pt_xcalloc(2, sizeof(uint64_t));
    r->pattern_matched[0] = 250;
    r->pattern_rejected[0] = 3;
    pt_samples_init(&r->samples, 2);
    pt_samples_add(&r->samples, 0, 1, 77, "138****5678");
    r->facts.professional = professional;

    uint64_t distinct[PT_MAX_TIERS];
    for (int t = 0; t < PT_MAX_TIERS; t++) distinct[t] = r->totals.tiers[t].distinct;
    pt_verdict_compute(&pol, distinct, &r->facts, &r->verdict);
}

/* Whole file into a NUL-terminated buffer (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = pt_xmalloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = pt_xrealloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void path_in_tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static bool has(const char *hay, const char *needle)
{
    bool ok = hay && strstr(hay, needle) != NULL;
    if (!ok) printf("#   missing: %s\n", needle);
    return ok;
}

/* tests/report_check.py (the schema in docs/ and the consistency rules) on a report:
 * 0 when it says "report ok", else -1. With expect_ok false the breach is expected and
 * the checker's words are not printed. Tests run from the top of the tree. */
static int run_checker_expecting(const char *path, bool expect_ok)
{
    char cmd[1024], out[128];
    path_in_tmp(out, sizeof out, "checker.out");
    snprintf(cmd, sizeof cmd, "python3 tests/report_check.py '%s' > '%s' 2>&1", path, out);
    int rc = system(cmd);
    char *text = slurp(out);
    bool ok = rc == 0 && text && strstr(text, "report ok");
    if (ok != expect_ok) printf("#   checker: status %d, said: %s\n", rc, text ? text : "(nothing)");
    free(text);
    unlink(out);
    return ok ? 0 : -1;
}

static int run_checker(const char *path)
{
    return run_checker_expecting(path, true);
}

static void test_json_content(void)
{
    pt_scan_result r;
    build_result(&r, false);
    char path[128];
    path_in_tmp(path, sizeof path, "report.json");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ(pt_report_json(f, &r, &pol, &ps), 0);
    fclose(f);
    char *j = slurp(path);
    CHECK(has(j, "\"schema\": \"pitally-report/1\""));
    CHECK(has(j, "\"version\": \"" PT_VERSION "\""));
    CHECK(has(j, "\"threads\": 2, \"elapsed_s\": 0.25"));
    /* RFC 8259 escaping of quote, backslash, newline and a control character */
    CHECK(has(j, "\"message\": \"bad \\\"x\\\" \\\\ here\\nnext\\u0001\""));
    CHECK(has(j, "\"kind\": \"json\""));
    CHECK(has(j, "\"offset\": 7"));
    /* a byte that is not UTF-8 becomes U+FFFD, the bytes are kept in hex */
    CHECK(has(j, "\"path\": \"data/b\\ufffd.jsonl.gz\""));
    CHECK(has(j, "\"path_bytes_hex\": \"646174612f62ff2e6a736f6e6c2e677a\""));
    CHECK(has(j, "\"compression\": \"gzip\""));
    CHECK(has(j, "\"encoding\": \"gb18030\""));
    /* verdict: exactly the combined standard */
    CHECK(has(j, "\"level\": \"serious\""));
    CHECK(has(j, "\"combined_ratio\": 1.001,"));   /* 30/50 + 200/500 + 5/5000 */
    CHECK(has(j, "\"grounds\": [\"art5_1_6\"]"));
    CHECK(has(j, "\"notes\": []"));
    /* thresholds in force, tier categories, every tier and category with zeros */
    CHECK(has(j, "\"art5_3\": {\n        \"threshold\": 50,"));
    CHECK(has(j, "\"art5_5\": {\n        \"threshold\": 5000,"));
    CHECK(has(j, "\"categories\": [\"whereabouts\", \"communication_content\", \"credit\", "
                 "\"property\"]"));
    CHECK(has(j, "\"art5_3\": {\"raw\": 40, \"distinct\": 30, \"threshold\": 50, \"ratio\": 0.6}"));
    CHECK(has(j, "\"art5_4\": {\"raw\": 210, \"distinct\": 200, \"threshold\": 500, "
                 "\"ratio\": 0.4}"));
    CHECK(has(j, "\"art5_5\": {\"raw\": 0, \"distinct\": 0}"));   /* input 0 */
    CHECK(has(j, "\"biometric\": 0"));
    CHECK(has(j, "\"health\": 210"));
    CHECK(has(j, "\"pieces\": {\"raw\": 255, \"distinct\": 235}"));
    CHECK(has(j, "\"subjects\": 170"));
    /* the sample names input 1 by its path (its invalid byte shown as U+FFFD) */
    CHECK(has(j, "\"cn_mobile\": {\"matched\": 250, \"rejected\": 3, \"samples\": [{\"path\": "
                 "\"data/b\\ufffd.jsonl.gz\", \"offset\": 77, \"value\": \"138****5678\"}]}"));
    CHECK(has(j, "\"cn_resident_id\": {\"matched\": 0, \"rejected\": 0, \"samples\": []}"));
    CHECK_EQ(run_checker(path), 0);

    /* parsed back, the message is the original text */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; r=json.load(open(sys.argv[1], encoding=\"utf-8\")); "
             "assert r[\"inputs\"][0][\"errors\"][0][\"message\"] == \"bad \\x22x\\x22 \\x5c here"
             "\\nnext\\x01\"; assert r[\"totals\"][\"records\"] == 310' '%s'", path);
    CHECK_EQ(system(cmd), 0);
    free(j);
    unlink(path);
    pt_scan_result_free(&r);
}

/* The checker is not a rubber stamp: totals that are not the sum of the inputs, and an
 * error kind the schema does not know, are each refused. */
static void test_json_checker_refuses(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "broken.json");
    for (int breach = 0; breach < 2; breach++) {
        pt_scan_result r;
        build_result(&r, false);
        if (breach == 0) r.totals.records += 1;
        else pt_errlist_add(&r.inputs[1].errors, "no_such_kind", 0, "x");
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (!f) return;
        CHECK_EQ(pt_report_json(f, &r, &pol, &ps), 0);
        fclose(f);
        CHECK_EQ(run_checker_expecting(path, false), -1);
        unlink(path);
        pt_scan_result_free(&r);
    }
}

/* Exactly the combined standard prints as 1, and the thresholds as integers. */
static void test_json_exact_one(void)
{
    pt_scan_result r;
    build_result(&r, false);
    uint64_t distinct[PT_MAX_TIERS] = {30, 200, 0};
    pt_verdict_compute(&pol, distinct, &r.facts, &r.verdict);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK_EQ(pt_report_json(f, &r, &pol, &ps), 0);
    fclose(f);
    CHECK(has(text, "\"combined_ratio\": 1,"));
    CHECK(has(text, "\"grounds\": [\"art5_1_6\"]"));
    free(text);

    /* the text report groups thousands */
    r.totals.records = 12345678;
    text = NULL;
    f = open_memstream(&text, &len);
    pt_report_text(f, &r, &pol, &ps);
    fclose(f);
    CHECK(has(text, "12,345,678 records"));
    free(text);
    pt_scan_result_free(&r);
}

static void test_json_professional(void)
{
    pt_scan_result r;
    build_result(&r, true);
    r.facts.business_purchase = true;
    uint64_t distinct[PT_MAX_TIERS] = {30, 200, 5};
    pt_verdict_compute(&pol, distinct, &r.facts, &r.verdict);
    char path[128];
    path_in_tmp(path, sizeof path, "pro.json");
    CHECK_EQ(pt_report_json_to_path(path, &r, &pol, &ps, err, sizeof err), 0);
    char *j = slurp(path);
    /* 30/25 + 200/250 + 5/2500 = 1.2 + 0.8 + 0.002 = 2.002 */
    CHECK(has(j, "\"combined_ratio\": 2.002,"));
    CHECK(has(j, "\"threshold\": 25,"));
    CHECK(has(j, "\"threshold\": 250,"));
    CHECK(has(j, "\"threshold\": 2500,"));
    CHECK(has(j, "\"professional\": true"));
    CHECK(has(j, "\"grounds\": [\"art5_1_3\", \"art5_1_8\"]"));
    CHECK(has(j, "Art. 6"));
    CHECK_EQ(run_checker(path), 0);
    free(j);
    unlink(path);
    pt_scan_result_free(&r);
}

/* True when dir has an entry whose name contains ".tmp.". */
static bool temp_left_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    bool found = false;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) found = true;
    closedir(d);
    return found;
}

static void test_path_regular_file(void)
{
    pt_scan_result r;
    build_result(&r, false);
    char path[128];
    path_in_tmp(path, sizeof path, "out.json");
    FILE *f = fopen(path, "w");
    fputs("old content", f);
    fclose(f);
    chmod(path, 0640);
    CHECK_EQ(pt_report_json_to_path(path, &r, &pol, &ps, err, sizeof err), 0);
    char *j = slurp(path);
    CHECK(j && j[0] == '{' && !strstr(j, "old content"));
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640);
    CHECK(!temp_left_in(tmpdir));
    free(j);

    /* through a symbolic link: the target is replaced, the link stays a link */
    char link[128];
    path_in_tmp(link, sizeof link, "link.json");
    CHECK(symlink(path, link) == 0);
    CHECK(truncate(path, 0) == 0);
    CHECK_EQ(pt_report_json_to_path(link, &r, &pol, &ps, err, sizeof err), 0);
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    j = slurp(path);
    CHECK(j && j[0] == '{');
    CHECK(!temp_left_in(tmpdir));
    free(j);
    unlink(link);
    unlink(path);

    /* a directory is refused */
    CHECK_EQ(pt_report_json_to_path(tmpdir, &r, &pol, &ps, err, sizeof err), -1);
    CHECK(has(err, tmpdir));
    pt_scan_result_free(&r);
}

static void test_path_missing_directory(void)
{
    pt_scan_result r;
    build_result(&r, false);
    char path[128], dir[128];
    path_in_tmp(dir, sizeof dir, "nope");
    path_in_tmp(path, sizeof path, "nope/report.json");
    err[0] = '\0';
    CHECK_EQ(pt_report_json_to_path(path, &r, &pol, &ps, err, sizeof err), -1);
    CHECK(has(err, path));
    CHECK(has(err, "No such file or directory"));
    CHECK(access(dir, F_OK) != 0);
    CHECK(!temp_left_in(tmpdir));
    pt_scan_result_free(&r);
}

static void test_path_devices_and_pipes(void)
{
    pt_scan_result r;
    build_result(&r, false);
    struct stat st;
    CHECK_EQ(pt_report_json_to_path("/dev/null", &r, &pol, &ps, err, sizeof err), 0);
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    if (access("/dev/full", W_OK) == 0) {   /* a device that refuses every write */
        err[0] = '\0';
        CHECK_EQ(pt_report_json_to_path("/dev/full", &r, &pol, &ps, err, sizeof err), -1);
        CHECK(has(err, "/dev/full"));
        CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
    }

    /* a named pipe is written into, not replaced */
    char fifo[128];
    path_in_tmp(fifo, sizeof fifo, "fifo");
    CHECK(mkfifo(fifo, 0600) == 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(rd >= 0);
    CHECK_EQ(pt_report_json_to_path(fifo, &r, &pol, &ps, err, sizeof err), 0);
    char buf[64] = {0};
    CHECK(read(rd, buf, sizeof buf - 1) > 0);
    CHECK(strncmp(buf, "{\n  \"schema\"", 12) == 0);
    close(rd);
    CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(!temp_left_in(tmpdir));
    unlink(fifo);
    pt_scan_result_free(&r);
}

/* "-" and "/dev/stdout" with stdout redirected to a regular file (as by "> out"): the
 * report goes into that open file after what was already written, never replacing it. */
static void test_path_stdout(void)
{
    pt_scan_result r;
    build_result(&r, false);
    char path[128];
    path_in_tmp(path, sizeof path, "stdout.txt");
    const char *names[] = {"-", "/dev/stdout"};
    for (int i = 0; i < 2; i++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        struct stat before, after;
        CHECK(fd >= 0 && fstat(fd, &before) == 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fd, 1);
            fputs("text first\n", stdout);
            int rc = pt_report_json_to_path(names[i], &r, &pol, &ps, err, sizeof err);
            fflush(stdout);
            _exit(rc == 0 ? 0 : 1);
        }
        int status = -1;
        waitpid(pid, &status, 0);
        close(fd);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        char *text = slurp(path);
        const char *want = "text first\n{\n  \"schema\": ";
        CHECK(text && strncmp(text, want, strlen(want)) == 0);
        CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino);
        free(text);
    }
    CHECK(!temp_left_in(tmpdir));
    unlink(path);
    pt_scan_result_free(&r);
}

static void test_text_report(void)
{
    pt_scan_result r;
    build_result(&r, false);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    pt_report_text(f, &r, &pol, &ps);
    fclose(f);
    CHECK(has(text, "pitally " PT_VERSION));
    CHECK(has(text, "SERIOUS (情节严重)"));
    CHECK(has(text, "Grounds: art5_1_6"));
    CHECK(has(text, "Combined ratio (item 六): 1.0010"));
    CHECK(has(text, "  art5_3   40        30         50  0.6000  Art.5(1)(三)"));
    CHECK(has(text, "data/a.csv"));
    CHECK(has(text, "data/b\\xff.jsonl.gz"));   /* not UTF-8: shown as an escape */
    /* the error, its newline and control byte shown as escapes on one line */
    CHECK(has(text, "data/a.csv: json at offset 7: bad \"x\" \\ here\\nnext\\x01\n"));
    CHECK(has(text, "credit"));
    CHECK(!strstr(text, "biometric"));          /* zero categories are left out */
    CHECK(has(text, "cn_mobile"));
    CHECK(!strstr(text, "cn_resident_id"));     /* nor patterns that never matched */
    CHECK(has(text, "170 subjects"));
    free(text);

    r.facts.business_purchase = true;
    uint64_t distinct[PT_MAX_TIERS] = {500, 0, 0};
    pt_verdict_compute(&pol, distinct, &r.facts, &r.verdict);
    text = NULL;
    f = open_memstream(&text, &len);
    pt_report_text(f, &r, &pol, &ps);
    fclose(f);
    CHECK(has(text, "ESPECIALLY SERIOUS (情节特别严重)"));
    CHECK(has(text, "Grounds: art5_1_3, art5_2_3"));
    CHECK(has(text, "Notes:\n  - Art. 6"));
    free(text);
    pt_scan_result_free(&r);
}

/* The text, JSON and HTML reports written at once (a thread each) are the bytes each
 * gives when written alone; a sink that cannot be written fails alone and says why; two
 * sinks on one path are written in turn, so the path holds the last one whole. */
static void test_reports_at_once(void)
{
    pt_scan_result r;
    build_result(&r, false);
    static const pt_report_fn fns[3] = {pt_report_text, pt_report_json, pt_report_html};
    static const char *const names[3] = {"at_once.txt", "at_once.json", "at_once.html"};
    char paths[3][256], alone[3][256];
    pt_report_sink sinks[3];
    for (int i = 0; i < 3; i++) {
        path_in_tmp(paths[i], sizeof paths[i], names[i]);
        snprintf(alone[i], sizeof alone[i], "%s/alone.%s", tmpdir, names[i]);
        sinks[i] = (pt_report_sink){paths[i], fns[i], 0, ""};
    }
    for (int round = 0; round < 20; round++) {   /* threads race differently each time */
        CHECK_EQ(pt_reports_to_paths(sinks, 3, &r, &pol, &ps), 0);
        for (int i = 0; i < 3; i++) {
            CHECK_EQ(pt_report_to_path(alone[i], fns[i], &r, &pol, &ps, err, sizeof err), 0);
            char *a = slurp(paths[i]), *b = slurp(alone[i]);
            CHECK(a && b && *a && strcmp(a, b) == 0);
            free(a);
            free(b);
        }
    }

    char missing[300];
    path_in_tmp(missing, sizeof missing, "no/such/dir/r.json");
    sinks[1].path = missing;
    CHECK_EQ(pt_reports_to_paths(sinks, 3, &r, &pol, &ps), 1);
    CHECK_EQ(sinks[0].rc, 0);
    CHECK_EQ(sinks[1].rc, -1);
    CHECK(has(sinks[1].err, "no/such/dir"));
    CHECK_EQ(sinks[2].rc, 0);

    sinks[1].path = paths[0];   /* JSON and text to one path: the JSON, written second */
    sinks[2].path = NULL;
    CHECK_EQ(pt_reports_to_paths(sinks, 3, &r, &pol, &ps), 0);
    char *last = slurp(paths[0]), *json = slurp(alone[1]);
    CHECK(last && json && strcmp(last, json) == 0);
    free(last);
    free(json);
    for (int i = 0; i < 3; i++) {
        unlink(paths[i]);
        unlink(alone[i]);
    }
    pt_scan_result_free(&r);
}

int main(void)
{
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0) {
        printf("not ok load_policy\n#   %s\n", err);
        return 1;
    }
    if (!mkdtemp(tmpdir)) {
        printf("not ok mkdtemp\n");
        return 1;
    }
    pt_pattern pats[2];
    memset(pats, 0, sizeof pats);
    pats[0].id = "cn_mobile";
    pats[1].id = "cn_resident_id";
    ps.v = pats;
    ps.n = 2;

    RUN(test_json_content);
    RUN(test_json_checker_refuses);
    RUN(test_json_exact_one);
    RUN(test_json_professional);
    RUN(test_path_regular_file);
    RUN(test_path_missing_directory);
    RUN(test_path_devices_and_pipes);
    RUN(test_reports_at_once);
    RUN(test_path_stdout);
    RUN(test_text_report);

    rmdir(tmpdir);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
