/* review.c - `pitally review DIR`: an examiner's checked evidence turned into a
 * conservative count (docs/review.md).
 *
 * DIR is an evidence directory of `pitally scan --evidence DIR`. Its manifest.json holds
 * the scan's counts, facts and verdict, and for each file its row count and the SHA-256
 * of its rows' identifying cells (evidence.c). The examiner marks column 核实 of every
 * file (是/否, y/n, yes/no, 1/0, true/false; empty: not reviewed). review reads the files
 * back, whatever Excel or WPS did to their encoding (UTF-8 with or without BOM, GBK or
 * GB18030, CRLF: through pt_source), their column order or extra columns, refuses a file
 * whose rows are not those written, and then:
 *  - the listed tier (art5_3, decided one by one) counts the rows marked real;
 *  - a sampled tier counts floor(distinct x p_L), p_L the exact one-sided lower
 *    Clopper-Pearson bound of the share of real rows (review.h), or its real rows when
 *    the sample holds the whole tier;
 * and recomputes the verdict on those counts with the policy and facts of the scan.
 * --plan says instead how many rows must be reviewed to keep the scanned level at an
 * assumed share of real pieces. Exit 0 done, 1 usage or refused input, 3 policy, 4 the
 * JSON could not be written. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../report/jsonw.h"
#include "cli.h"
#include "jsonread.h"
#include "review.h"
#include "pitally/fileio.h"
#include "pitally/input.h"
#include "pitally/patterns.h"
#include "pitally/policy.h"
#include "pitally/report.h"
#include "pitally/samples.h"

#define REVIEW_COLUMN "核实"
#define PLAN_MAX 1000000u      /* the largest --sample */
#define EXIT_WRITE 4

/* ---- options ---- */

typedef struct {
    const char *dir, *json_path, *html_path, *patterns_dir, *policy_file;
    double confidence, assume;
    bool zh, plan;
    char dir_buf[PATH_MAX], policy_buf[PATH_MAX];
} review_options;

static const char review_usage[] =
    "usage: pitally review DIR [--confidence C] [--json FILE] [--html FILE] [--lang en|zh]\n"
    "                          [--patterns DIR] [--policy FILE]\n"
    "       pitally review DIR --plan [--assume P] [--confidence C] [--json FILE]\n"
    "  DIR: an evidence directory of pitally scan --evidence, its column 核实 filled\n"
    "  (是/否, y/n, yes/no, 1/0, true/false; empty: not reviewed)\n"
    "  --confidence C   one-sided confidence of the lower bound (default 0.95)\n"
    "  --html FILE      the result as a self-contained A4 page, values masked\n"
    "  --plan           rows to review per tier to keep the scanned level\n"
    "  --assume P       the share of real pieces the plan assumes (default 0.98)\n"
    "exit status: 0 done, 1 usage or refused input, 3 policy error, 4 --json/--html not written\n";

static int review_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "pitally review: ");
    fprintf(stderr, what, arg);
    fprintf(stderr, "\n%s", review_usage);
    return PT_EXIT_USAGE;
}

static bool parse_share(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0.0 && v < 1.0)) return false;
    *out = v;
    return true;
}

/* ---- small helpers ---- */

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = pt_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = pt_xmalloc(cap + 1);
    while ((got = fread(b + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) b = pt_xrealloc(b, (cap *= 2) + 1);
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

static bool file_sha256(const char *path, char out[65])
{
    size_t len;
    char *b = slurp(path, &len);
    if (!b) return false;
    pt_digest *d = pt_digest_new();
    pt_digest_update(d, b, len);
    char md5[33];
    pt_digest_final(d, md5, out);
    pt_digest_free(d);
    free(b);
    return true;
}

static bool get_u64(const jv *v, uint64_t *out)
{
    if (!v || v->kind != JV_NUMBER) return false;
    const char *s = jv_text(v);
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') return false;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = x;
    return true;
}

static bool get_bool(const jv *v)
{
    return v && v->kind == JV_BOOL && v->b;
}

/* ---- CSV (RFC 4180) ---- */

typedef struct {
    char **cells;
    size_t n;
    uint64_t line;        /* physical line of the record's start, from 1 */
} csv_row;

typedef struct {
    csv_row *rows;
    size_t n, cap;
} csv_table;

static void csv_free(csv_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->rows[i].n; k++) free(t->rows[i].cells[k]);
        free(t->rows[i].cells);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, char c)
{
    if (b->len + 2 > b->cap) b->p = pt_xrealloc(b->p, b->cap = b->cap ? 2 * b->cap : 64);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

/* Parse text into rows of cells: quoted cells may hold the delimiter, quotes ("")
 * and line breaks; records end at CRLF, LF or CR. */
static void csv_parse(const char *s, size_t len, char delim, csv_table *t)
{
    size_t i = 0;
    uint64_t line = 1;
    while (i < len) {
        csv_row r = {NULL, 0, line};
        size_t cap = 0;
        for (;;) {   /* one cell */
            sbuf c = {0};
            sb_put(&c, 'x');
            c.len = 0;
            c.p[0] = '\0';
            if (i < len && s[i] == '"') {
                i++;
                while (i < len) {
                    if (s[i] == '"') {
                        if (i + 1 < len && s[i + 1] == '"') {
                            sb_put(&c, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (s[i] == '\n' || (s[i] == '\r' && !(i + 1 < len && s[i + 1] == '\n'))) line++;
                    sb_put(&c, s[i++]);
                }
            }
            while (i < len && s[i] != delim && s[i] != '\n' && s[i] != '\r') sb_put(&c, s[i++]);
            if (r.n == cap) r.cells = pt_xrealloc(r.cells, (cap = cap ? 2 * cap : 16) * sizeof *r.cells);
            r.cells[r.n++] = c.p;
            if (i < len && s[i] == delim) {
                i++;
                continue;
            }
            break;
        }
        if (i < len && s[i] == '\r') i++;
        if (i < len && s[i] == '\n') i++;
        line++;
        if (t->n == t->cap) t->rows = pt_xrealloc(t->rows, (t->cap = t->cap ? 2 * t->cap : 64) * sizeof *t->rows);
        t->rows[t->n++] = r;
    }
}

/* Leading and trailing spaces: ASCII, U+00A0 and U+3000. */
static void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    for (;;) {
        if (len && (p[0] == ' ' || p[0] == '\t')) p++, len--;
        else if (len >= 2 && !memcmp(p, "\xC2\xA0", 2)) p += 2, len -= 2;
        else if (len >= 3 && !memcmp(p, "\xE3\x80\x80", 3)) p += 3, len -= 3;
        else break;
    }
    for (;;) {
        if (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        else if (len >= 2 && !memcmp(p + len - 2, "\xC2\xA0", 2)) len -= 2;
        else if (len >= 3 && !memcmp(p + len - 3, "\xE3\x80\x80", 3)) len -= 3;
        else break;
    }
    *s = p;
    *n = len;
}

static int find_column(const csv_row *header, const char *name)
{
    for (size_t k = 0; k < header->n; k++) {
        const char *p = header->cells[k];
        size_t n = strlen(p);
        trim(&p, &n);
        if (n == strlen(name) && !memcmp(p, name, n)) return (int)k;
    }
    return -1;
}

static const char *cell_at(const csv_row *r, int col)
{
    return col >= 0 && (size_t)col < r->n ? r->cells[col] : "";
}

/* A mark: 1 real, 0 not real, -1 empty (not reviewed), -2 not a mark. */
static int parse_mark(const char *cell)
{
    const char *p = cell;
    size_t n = strlen(p);
    trim(&p, &n);
    if (n == 0) return -1;
    static const char *const yes[] = {"是", "y", "yes", "1", "true"};
    static const char *const no[] = {"否", "n", "no", "0", "false"};
    for (size_t i = 0; i < 5; i++) {
        if (strlen(yes[i]) == n && !strncasecmp(p, yes[i], n)) return 1;
        if (strlen(no[i]) == n && !strncasecmp(p, no[i], n)) return 0;
    }
    return -2;
}

/* The identity of a row as evidence.c computes it: SHA-256 over "LENGTH:BYTES," of
 * each identifying cell as read back. */
static void row_identity(const csv_row *r, const int *cols, size_t ncols, char out[64])
{
    pt_digest *d = pt_digest_new();
    for (size_t i = 0; i < ncols; i++) {
        const char *c = cell_at(r, cols[i]);
        char len[32];
        int k = snprintf(len, sizeof len, "%zu:", strlen(c));
        pt_digest_update(d, len, (size_t)k);
        pt_digest_update(d, c, strlen(c));
        pt_digest_update(d, ",", 1);
    }
    char md5[33], sha[65];
    pt_digest_final(d, md5, sha);
    pt_digest_free(d);
    memcpy(out, sha, 64);
}

static int by_id(const void *a, const void *b)
{
    return memcmp(a, b, 64);
}

/* ---- one tier's file ---- */

typedef struct {
    uint64_t line;           /* in the review file */
    char *mark;              /* as found ("" when empty) */
    char *input, *input_line;
    char *values;            /* as found; masked when shown (--html) */
} unconfirmed;

typedef struct {
    /* from the manifest */
    const char *id, *file;
    bool list;
    uint64_t threshold, distinct, rows_drawn;
    const char *content_sha256;
    const jv *sample_keys;
    /* from the file */
    char sha256[65];
    const char *encoding;
    uint64_t rows, real, rejected, unreviewed;
    unconfirmed *unconf;
    size_t n_unconf;
    /* the result */
    double share, lower;
    uint64_t adjusted;
} tier_review;

typedef struct {
    size_t n;
} problems;

static void problem(problems *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(problems *pr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pitally review: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    pr->n++;
}

/* A sample key as written: "k" and 16 hex digits (the letter keeps Excel from reading
 * 1e52... as a number), or the bare 16 digits of an evidence directory written before. */
static bool is_sample_key(const char *s)
{
    if (s[0] == 'k') s++;
    if (strlen(s) != 16) return false;
    for (size_t i = 0; i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

static bool key_drawn(const jv *keys, const char *k)
{
    for (size_t i = 0; keys && i < keys->n; i++)
        if (!strcmp(jv_text(jv_at(keys, i)), k)) return true;
    return false;
}

/* Why the identities differ: another draw, a row not drawn, or an edited cell. */
static void explain_change(problems *pr, const tier_review *tr, const csv_table *t, int key_col)
{
    if (tr->list) {
        problem(pr, "%s: the rows are not those listed by the scan (an input, member, line or values "
                    "cell was changed, or a row replaced)", tr->file);
        return;
    }
    size_t valid = 0, foreign = 0;
    uint64_t first_line = 0;
    const char *first_key = NULL;
    for (size_t i = 1; i < t->n; i++) {
        const char *k = cell_at(&t->rows[i], key_col);
        if (!is_sample_key(k)) continue;
        valid++;
        if (!key_drawn(tr->sample_keys, k)) {
            if (!foreign++) first_line = t->rows[i].line, first_key = k;
        }
    }
    if (valid && foreign == valid)
        problem(pr, "%s: none of its sample keys was drawn by this scan: the sample was drawn again "
                    "(another seed, another case key or other inputs)", tr->file);
    else if (foreign)
        problem(pr, "%s:%llu: sample_key %s was not drawn by this scan (%zu such rows): rows were "
                    "replaced", tr->file, (unsigned long long)first_line, first_key, foreign);
    else
        problem(pr, "%s: the values of a drawn row were changed (the rows are not those drawn)", tr->file);
}

static void add_unconfirmed(tier_review *tr, uint64_t line, const char *mark, const char *input,
                            const char *input_line, const char *values)
{
    size_t n = strlen(mark);
    trim(&mark, &n);   /* spaces only: not reviewed */
    tr->unconf = pt_xrealloc(tr->unconf, (tr->n_unconf + 1) * sizeof *tr->unconf);
    tr->unconf[tr->n_unconf++] = (unconfirmed){line, pt_xstrndup(mark, n), pt_xstrdup(input),
                                               pt_xstrdup(input_line), pt_xstrdup(values)};
}

/* Read one file: decode, parse, check it is the file written, count the marks. */
static void read_tier(const char *dir, tier_review *tr, problems *pr)
{
    char *path = join(dir, tr->file);
    pt_errlist errs = {0};
    pt_source *src = pt_source_open_with(path, NULL, &errs);
    if (!src) {
        problem(pr, "%s: %s", tr->file, errs.n ? errs.v[0].message : "cannot be read");
        pt_errlist_free(&errs);
        free(path);
        return;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *text = pt_xmalloc(cap);
    while ((got = pt_source_read(src, text + len, cap - len)) > 0)
        if ((len += got) + 16 > cap) text = pt_xrealloc(text, cap *= 2);
    char md5[33];
    if (!pt_source_digests(src, md5, tr->sha256)) tr->sha256[0] = '\0';
    tr->encoding = pt_encoding_name(pt_source_encoding(src));
    bool skipped = pt_source_skipped(src);
    pt_source_close(src);
    free(path);
    size_t before = pr->n;
    for (size_t i = 0; i < errs.n; i++)
        problem(pr, "%s: %s", tr->file, errs.v[i].message);
    pt_errlist_free(&errs);
    if (skipped || pr->n != before) {
        free(text);
        return;
    }
    /* the delimiter: a comma, or what a spreadsheet of another locale wrote */
    csv_table t = {0};
    static const char delims[] = {',', ';', '\t'};
    for (size_t d = 0; d < sizeof delims; d++) {
        csv_free(&t);
        csv_parse(text, len, delims[d], &t);
        if (t.n && find_column(&t.rows[0], "values") >= 0) break;
    }
    free(text);
    if (!t.n) {
        problem(pr, "%s: empty: no header row", tr->file);
        return;
    }
    const csv_row *h = &t.rows[0];
    int c_values = find_column(h, "values"), c_mark = find_column(h, REVIEW_COLUMN);
    int c_key = find_column(h, "sample_key"), c_input = find_column(h, "input");
    int c_member = find_column(h, "member"), c_line = find_column(h, "line");
    int need[4];
    size_t n_need = 0;
    const char *missing = c_values < 0 ? "values" : c_mark < 0 ? REVIEW_COLUMN : NULL;
    if (tr->list) {
        if (!missing) missing = c_input < 0 ? "input" : c_member < 0 ? "member" : c_line < 0 ? "line" : NULL;
        need[0] = c_input, need[1] = c_member, need[2] = c_line, need[3] = c_values, n_need = 4;
    } else {
        need[0] = c_values, n_need = 1;
    }
    if (missing) {
        problem(pr, "%s: no column '%s' in its header (line 1)", tr->file, missing);
        csv_free(&t);
        return;
    }
    char (*ids)[64] = pt_xmalloc(t.n * sizeof *ids);
    size_t n_ids = 0;
    for (size_t i = 1; i < t.n; i++) {
        const csv_row *r = &t.rows[i];
        bool blank = true;   /* a row of empty cells a spreadsheet left behind */
        for (size_t k = 0; k < r->n && blank; k++) blank = r->cells[k][0] == '\0';
        if (blank) continue;
        row_identity(r, need, n_need, ids[n_ids++]);
        tr->rows++;
        int m = parse_mark(cell_at(r, c_mark));
        if (m == -2) {
            problem(pr, "%s:%llu: mark '%s' in column %s is not 是/否, y/n, yes/no, 1/0, true/false "
                        "or empty", tr->file, (unsigned long long)r->line, cell_at(r, c_mark), REVIEW_COLUMN);
            continue;
        }
        if (m == 1) tr->real++;
        else if (m == 0) tr->rejected++;
        else tr->unreviewed++;
        if (m != 1 && tr->list)
            add_unconfirmed(tr, r->line, cell_at(r, c_mark), cell_at(r, c_input), cell_at(r, c_line),
                            cell_at(r, c_values));
    }
    char sha[65];
    if (n_ids) qsort(ids, n_ids, sizeof *ids, by_id);
    pt_digest *d = pt_digest_new();
    for (size_t i = 0; i < n_ids; i++) {
        pt_digest_update(d, ids[i], 64);
        pt_digest_update(d, "\n", 1);
    }
    pt_digest_final(d, md5, sha);
    pt_digest_free(d);
    free(ids);
    if (tr->rows != tr->rows_drawn)
        problem(pr, "%s: %llu rows, but the scan %s %llu", tr->file, (unsigned long long)tr->rows,
                tr->list ? "listed" : "drew", (unsigned long long)tr->rows_drawn);
    else if (strcmp(sha, tr->content_sha256) != 0)
        explain_change(pr, tr, &t, c_key);
    csv_free(&t);
}

/* ---- the counts ---- */

static void adjust(tier_review *tr, double confidence)
{
    if (tr->list) {
        tr->adjusted = tr->real;
        tr->share = tr->rows ? (double)tr->real / (double)tr->rows : 0.0;
        tr->lower = NAN;
        return;
    }
    tr->share = tr->rows ? (double)tr->real / (double)tr->rows : 0.0;
    if (tr->rows >= tr->distinct) {   /* the whole tier was reviewed: nothing estimated */
        tr->lower = NAN;
        tr->adjusted = pt_review_adjusted(tr->distinct, tr->rows, tr->real, 0.0);
        return;
    }
    tr->lower = pt_review_lower_bound(tr->rows, tr->real, confidence);
    tr->adjusted = pt_review_adjusted(tr->distinct, tr->rows, tr->real, tr->lower);
}

/* ---- words ---- */

static const char *level_words(pt_level l, bool zh)
{
    if (zh) return l == PT_LEVEL_SERIOUS ? "情节严重" : l == PT_LEVEL_ESPECIALLY_SERIOUS ? "情节特别严重" : "未达情节严重";
    return l == PT_LEVEL_SERIOUS ? "SERIOUS (情节严重)"
         : l == PT_LEVEL_ESPECIALLY_SERIOUS ? "ESPECIALLY SERIOUS (情节特别严重)"
                                            : "none: below every standard (未达情节严重)";
}

#define W(en_, zh_) (o->zh ? (zh_) : (en_))

static void print_grounds(const pt_verdict *v, const review_options *o)
{
    fputs(W("  grounds: ", "  依据："), stdout);
    for (size_t i = 0; i < v->n_grounds; i++) printf("%s%s", i ? ", " : "", v->grounds[i]);
    printf("%s\n", v->n_grounds ? "" : W("(none)", "（无）"));
}

static const char *tier_label(const pt_policy *pol, size_t t, bool zh)
{
    return zh && pol->tiers[t].label_zh ? pol->tiers[t].label_zh : pol->tiers[t].label;
}

static void fmt_bound(char *b, size_t n, double v)
{
    if (isnan(v)) snprintf(b, n, "-");
    else snprintf(b, n, "%.6f", v);
}

/* ---- the JSON ---- */

typedef struct {
    const review_options *o;
    const pt_policy *pol;
    const jv *manifest;
    tier_review *tiers;
    size_t n_tiers;
    const pt_verdict *scanned, *verified;
    const char *policy_sha;
    /* --plan */
    bool plan;
    int64_t plan_n;           /* -1: not reachable */
    bool plan_capped, drawn_enough;
    uint64_t plan_adjusted[PT_MAX_TIERS];
    const pt_patterns *ps;    /* their masks for --html, or NULL */
} review_out;

static void json_num(FILE *f, double v)
{
    if (isnan(v)) fputs("null", f);
    else fprintf(f, "%.12g", v);
}

static void json_verdict(FILE *f, const char *key, const pt_verdict *v, bool comma)
{
    fprintf(f, "    \"%s\": {\"level\": \"%s\", \"grounds\": [", key, pt_level_name(v->level));
    for (size_t i = 0; i < v->n_grounds; i++) {
        if (i) fputs(", ", f);
        jw_string(f, v->grounds[i]);
    }
    fprintf(f, "]}%s\n", comma ? "," : "");
}

static int write_json(FILE *f, void *ctx)
{
    const review_out *ro = ctx;
    const review_options *o = ro->o;
    fprintf(f, "{\n  \"format\": \"pitally-review/1\",\n  \"version\": \"%s\",\n  \"evidence\": ", PT_VERSION);
    jw_string(f, o->dir);
    fprintf(f, ",\n  \"confidence\": ");
    json_num(f, o->confidence);
    fprintf(f, ",\n  \"method\": \"%s\",\n", ro->plan ? "plan" : "clopper-pearson-lower-one-sided");
    fprintf(f, "  \"policy\": {\"file\": ");
    jw_string(f, o->policy_file);
    fprintf(f, ", \"sha256\": \"%s\"},\n", ro->policy_sha);
    const jv *facts = jv_get(ro->manifest, "facts");
    uint64_t income = 0;
    get_u64(jv_get(facts, "income_cny"), &income);
    fprintf(f, "  \"facts\": {\"professional\": %s, \"income_cny\": %llu, \"business_purchase\": %s},\n",
            get_bool(jv_get(facts, "professional")) ? "true" : "false", (unsigned long long)income,
            get_bool(jv_get(facts, "business_purchase")) ? "true" : "false");
    fprintf(f, "  \"tiers\": [\n");
    for (size_t t = 0; t < ro->n_tiers; t++) {
        const tier_review *tr = &ro->tiers[t];
        fprintf(f, "    {\"id\": ");
        jw_string(f, tr->id);
        fprintf(f, ", \"method\": \"%s\", \"threshold\": %llu, \"distinct\": %llu, \"file\": ",
                tr->list ? "list" : "sample", (unsigned long long)tr->threshold,
                (unsigned long long)tr->distinct);
        jw_string(f, tr->file);
        if (ro->plan) {
            fprintf(f, ", \"rows_drawn\": %llu, \"assumed_adjusted\": %llu}%s\n",
                    (unsigned long long)tr->rows_drawn, (unsigned long long)ro->plan_adjusted[t],
                    t + 1 < ro->n_tiers ? "," : "");
            continue;
        }
        fprintf(f, ",\n     \"file_sha256\": \"%s\", \"encoding\": \"%s\", \"rows\": %llu, \"real\": %llu, "
                   "\"rejected\": %llu, \"unreviewed\": %llu,\n     \"share\": ",
                tr->sha256, tr->encoding ? tr->encoding : "", (unsigned long long)tr->rows,
                (unsigned long long)tr->real, (unsigned long long)tr->rejected,
                (unsigned long long)tr->unreviewed);
        json_num(f, tr->share);
        fprintf(f, ", \"lower_bound\": ");
        json_num(f, tr->lower);
        fprintf(f, ", \"whole\": %s, \"adjusted\": %llu", !tr->list && tr->rows >= tr->distinct ? "true" : "false",
                (unsigned long long)tr->adjusted);
        if (tr->list) {
            fprintf(f, ",\n     \"not_confirmed\": [");
            for (size_t i = 0; i < tr->n_unconf; i++) {
                const unconfirmed *u = &tr->unconf[i];
                fprintf(f, "%s\n       {\"line\": %llu, \"mark\": ", i ? "," : "", (unsigned long long)u->line);
                jw_string(f, u->mark);
                fprintf(f, ", \"input\": ");
                jw_string(f, u->input);
                fprintf(f, ", \"input_line\": ");
                jw_string(f, u->input_line);
                fputc('}', f);
            }
            fputc(']', f);
        }
        fprintf(f, "}%s\n", t + 1 < ro->n_tiers ? "," : "");
    }
    fprintf(f, "  ],\n");
    if (ro->plan) {
        fprintf(f, "  \"plan\": {\"assume\": ");
        json_num(f, o->assume);
        fprintf(f, ", \"rows_per_sampled_tier\": ");
        if (ro->plan_n >= 0) fprintf(f, "%lld", (long long)ro->plan_n);
        else fputs("null", f);
        fprintf(f, ", \"beyond_%u\": %s, \"drawn_enough\": %s, \"scanned_level\": \"%s\"}\n}\n", PLAN_MAX,
                ro->plan_capped ? "true" : "false", ro->drawn_enough ? "true" : "false",
                pt_level_name(ro->scanned->level));
        return ferror(f) ? -1 : 0;
    }
    fprintf(f, "  \"verdict\": {\n");
    json_verdict(f, "scanned", ro->scanned, true);
    json_verdict(f, "verified", ro->verified, false);
    fprintf(f, "  }\n}\n");
    return ferror(f) ? -1 : 0;
}

/* ---- --html: the review as an attachable page ---- */

/* Like the scan's HTML report (src/report/html.c): one self-contained file, no script
 * and no external asset, A4, in Chinese with --lang zh. Values are masked: the page is
 * meant to leave the lab. Text goes through pt_html_text, the scan report's escaper. */

/* A values cell "pattern=value; pattern=value", each value masked as its pattern says
 * (the first 3 and last 4 characters kept when the pattern is not known). */
static void html_masked_values(FILE *f, const char *cell, const pt_patterns *ps)
{
    while (*cell) {
        const char *end = strstr(cell, "; ");
        size_t n = end ? (size_t)(end - cell) : strlen(cell);
        const char *eq = memchr(cell, '=', n);
        unsigned head = 3, tail = 4;
        if (eq) {
            char id[128];
            snprintf(id, sizeof id, "%.*s", (int)(eq - cell), cell);
            int p = ps ? pt_patterns_find(ps, id) : -1;
            if (p >= 0) head = ps->v[p].mask_head, tail = ps->v[p].mask_tail;
            fprintf(f, "%s=", id);
        }
        const char *v = eq ? eq + 1 : cell;
        size_t vn = n - (size_t)(v - cell);
        char masked[PT_SAMPLE_VALUE_MAX];
        pt_mask_value(v, vn, head, tail, masked, sizeof masked);
        pt_html_text(f, masked);
        if (!end) break;
        fputs("; ", f);
        cell = end + 2;
    }
}

/* The scan report's page style (pt_html_style), and the two verdicts side by side. */
static const char html_style_extra[] =
    ".verdicts { display: flex; gap: 8pt; } .verdict { flex: 1; } .level { font-size: 14pt; }\n";

#define H(en_, zh_) (ro->o->zh ? (zh_) : (en_))

static void html_verdict(FILE *f, const review_out *ro, const char *title, const pt_verdict *v)
{
    fprintf(f, "<div class=\"verdict\"><p>%s</p><div class=\"level %s\">%s</div><p>%s: ", title,
            pt_level_name(v->level), level_words(v->level, ro->o->zh), H("Grounds", "依据"));
    for (size_t i = 0; i < v->n_grounds; i++) {
        if (i) fputs(", ", f);
        pt_html_text(f, v->grounds[i]);
    }
    fprintf(f, "%s</p></div>\n", v->n_grounds ? "" : H("none", "无"));
}

static void html_head(FILE *f, const review_out *ro)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<title>pitally %s</title>\n<style>\n%s%s</style>\n</head>\n<body>\n",
            ro->o->zh ? "zh-CN" : "en", H("review", "抽样核实"), pt_html_style, html_style_extra);
    fprintf(f, "<h1>pitally — %s</h1>\n<p class=\"note\">", H("sampling verification", "抽样核实结果"));
    fprintf(f, "%s: ", H("Evidence directory", "证据目录"));
    pt_html_text(f, ro->o->dir);
    fprintf(f, "; pitally %s</p>\n<div class=\"verdicts\" id=\"verdicts\">\n", PT_VERSION);
    html_verdict(f, ro, H("As scanned", "扫描结论"), ro->scanned);
    html_verdict(f, ro, H("As verified", "核实后结论"), ro->verified);
    fputs("</div>\n", f);
}

static void html_method(FILE *f, const review_out *ro)
{
    fprintf(f, "<h2>%s</h2>\n<p>", H("Method", "方法"));
    fprintf(f, H("The list of the most serious tier counts the rows marked real (decided one by one). A "
                 "sampled tier counts floor(distinct × p<sub>L</sub>), p<sub>L</sub> the exact one-sided "
                 "Clopper–Pearson lower bound of the share of real rows at confidence %g; unreviewed rows "
                 "count as not real; a sample that holds the whole tier counts its real rows. The verdict is "
                 "computed again on these counts with the scan's policy and facts.",
                 "最严重层级的清单只计逐一核实为真实的行。抽样层级计 floor(去重条数 × p<sub>L</sub>)，"
                 "p<sub>L</sub> 为真实比例在置信水平 %g 下的精确单侧 Clopper–Pearson 置信下限；未核实的行按非真实计；"
                 "样本包含该层级全部信息时直接计真实的行。结论按扫描时的规则和情节对调整后的条数重新计算。"),
            ro->o->confidence);
    fprintf(f, "</p>\n<p class=\"note\">%s</p>\n",
            H("Assumptions: the sample was drawn at random, independently of the content (pitally draws "
              "it by a keyed hash of each piece), and the examiner's marks are taken as true. Not for a "
              "sample chosen by hand or a review that skipped rows for a reason.",
              "前提：样本随机抽取，与内容无关（pitally 按各条信息的带密钥哈希抽取），且检验人员的标记视为真实。"
              "人工挑选的样本、或因某种原因跳过部分行的核实，不适用本方法。"));
}

/* Each tier's distinct count as scanned and as verified, against its threshold (a scale
 * to 2x: a review decides near the threshold; longer bars are cut there). */
static void html_chart(FILE *f, const review_out *ro)
{
    const double x0 = 120, width = 500, max = 2;
    double h = 34.0 * (double)ro->n_tiers + 20;
    fprintf(f, "<h2>%s</h2>\n<svg id=\"chart\" width=\"680\" height=\"%.0f\" viewBox=\"0 0 680 %.0f\" role=\"img\">\n",
            H("Distinct pieces against the threshold: as scanned, as verified",
              "去重条数与入罪标准之比：扫描、核实后"), h, h);
    for (size_t t = 0; t < ro->n_tiers; t++) {
        const tier_review *tr = &ro->tiers[t];
        double y = 4 + 34.0 * (double)t;
        double r[2] = {(double)tr->distinct / (double)tr->threshold, (double)tr->adjusted / (double)tr->threshold};
        fprintf(f, "<text x=\"0\" y=\"%.0f\">", y + 14);
        pt_html_text(f, tr->id);
        fputs("</text>\n", f);
        for (int k = 0; k < 2; k++) {
            double w = (r[k] > max ? max : r[k]) / max * width;
            fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>"
                       "<text x=\"%.1f\" y=\"%.0f\">%.3f× %s</text>\n",
                    x0, y + 14.0 * k, w < 1 && r[k] > 0 ? 1 : w, k ? "#d60" : "#48a", x0 + w + 4,
                    y + 14.0 * k + 10, r[k], k ? H("verified", "核实后") : H("scanned", "扫描"));
        }
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#000\" stroke-dasharray=\"3,2\"/>"
               "<text x=\"%.1f\" y=\"%.0f\">1×</text>\n</svg>\n",
            x0 + width / max, x0 + width / max, h - 12, x0 + width / max + 2, h - 2);
}

static void html_tiers(FILE *f, const review_out *ro)
{
    fprintf(f, "<h2>%s</h2>\n<table id=\"tiers\"><tr>", H("Tiers", "各层级"));
    const char *heads[] = {H("Tier", "层级"), H("Method", "方法"), H("Threshold", "标准"),
                           H("Distinct", "去重条数"), H("Rows", "行数"), H("Real", "真实"),
                           H("Not", "非真实"), H("Unreviewed", "未核实"), H("Share", "比例"),
                           H("Lower bound", "置信下限"), H("Adjusted", "调整后")};
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) fprintf(f, "<th>%s</th>", heads[i]);
    fputs("</tr>\n", f);
    for (size_t t = 0; t < ro->n_tiers; t++) {
        const tier_review *tr = &ro->tiers[t];
        char lb[32];
        fmt_bound(lb, sizeof lb, tr->lower);
        fputs("<tr><td>", f);
        pt_html_text(f, tr->id);
        fputs("<br><span class=\"note\">", f);
        pt_html_text(f, tier_label(ro->pol, t, ro->o->zh));
        fprintf(f, "</span></td><td>%s</td>",
                tr->list ? H("list", "清单") : tr->rows >= tr->distinct ? H("whole", "全部") : H("sample", "抽样"));
        fprintf(f, "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                   "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                   "<td class=\"n\">%.4f</td><td class=\"n\">%s</td><td class=\"n\"><b>%llu</b></td></tr>\n",
                (unsigned long long)tr->threshold, (unsigned long long)tr->distinct,
                (unsigned long long)tr->rows, (unsigned long long)tr->real,
                (unsigned long long)tr->rejected, (unsigned long long)tr->unreviewed, tr->share, lb,
                (unsigned long long)tr->adjusted);
    }
    fputs("</table>\n", f);
}

static void html_files(FILE *f, const review_out *ro)
{
    fprintf(f, "<h2>%s</h2>\n<table id=\"files\"><tr><th>%s</th><th>%s</th><th>SHA-256</th></tr>\n",
            H("Review files, as read", "核实文件（读取时）"), H("File", "文件"), H("Encoding", "编码"));
    for (size_t t = 0; t < ro->n_tiers; t++) {
        fputs("<tr><td>", f);
        pt_html_text(f, ro->tiers[t].file);
        fputs("</td><td>", f);
        pt_html_text(f, ro->tiers[t].encoding);
        fprintf(f, "</td><td class=\"hash\">%s</td></tr>\n", ro->tiers[t].sha256);
    }
    fprintf(f, "<tr><td>%s</td><td></td><td class=\"hash\">", H("Policy", "规则"));
    pt_html_text(f, ro->o->policy_file);
    fprintf(f, "<br>%s</td></tr>\n</table>\n", ro->policy_sha);
}

static void html_unconfirmed(FILE *f, const review_out *ro)
{
    for (size_t t = 0; t < ro->n_tiers; t++) {
        const tier_review *tr = &ro->tiers[t];
        if (!tr->list || !tr->n_unconf) continue;
        fprintf(f, "<h2>%s: ", H("Not counted (rejected or not reviewed)", "未计入（非真实或未核实）"));
        pt_html_text(f, tr->file);
        fprintf(f, ", %zu</h2>\n<table id=\"unconfirmed\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                tr->n_unconf, H("Line", "行"), H("Mark", "标记"), H("Input: line", "检材：行"),
                H("Values (masked)", "信息（已脱敏）"));
        for (size_t i = 0; i < tr->n_unconf; i++) {
            const unconfirmed *u = &tr->unconf[i];
            fprintf(f, "<tr><td class=\"n\">%llu</td><td>", (unsigned long long)u->line);
            pt_html_text(f, *u->mark ? u->mark : H("not reviewed", "未核实"));
            fputs("</td><td>", f);
            pt_html_text(f, u->input);
            fputc(':', f);
            pt_html_text(f, u->input_line);
            fputs("</td><td>", f);
            html_masked_values(f, u->values, ro->ps);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

static void html_facts(FILE *f, const review_out *ro, const pt_case_facts *facts)
{
    fprintf(f, "<h2>%s</h2>\n<p>", H("Facts of the scan", "扫描时的情节"));
    fprintf(f, H("Professional: %s; income: CNY %llu; business purchase: %s.",
                 "履职或提供服务中获得：%s；违法所得：%llu 元；合法经营购买：%s。"),
            facts->professional ? H("yes", "是") : H("no", "否"), (unsigned long long)facts->income_cny,
            facts->business_purchase ? H("yes", "是") : H("no", "否"));
    fprintf(f, "</p>\n<p class=\"note\">%s</p>\n",
            H("A sizing aid that shows its evidence, not a court. Values shown are masked.",
              "本报告为数量统计辅助材料，不代替司法认定。所示数值均已脱敏。"));
}

typedef struct {
    const review_out *ro;
    const pt_case_facts *facts;
} html_job;

static int write_review_html(FILE *f, void *ctx);

/* The page, with each value masked as its pattern says when the pattern set loads. */
static int write_html_page(review_out *ro, const pt_case_facts *facts)
{
    pt_patterns ps;
    char err[1024];
    bool have = ro->o->patterns_dir &&
                pt_patterns_load(&ps, ro->o->patterns_dir, ro->pol, err, sizeof err) == 0;
    ro->ps = have ? &ps : NULL;
    html_job j = {ro, facts};
    int rc = pt_output_to_path(ro->o->html_path, write_review_html, &j, 0600, err, sizeof err);
    if (rc != 0) fprintf(stderr, "pitally review: cannot write the HTML: %s\n", err);
    ro->ps = NULL;
    if (have) pt_patterns_free(&ps);
    return rc;
}

static int write_review_html(FILE *f, void *ctx)
{
    const html_job *j = ctx;
    html_head(f, j->ro);
    html_method(f, j->ro);
    html_chart(f, j->ro);
    html_tiers(f, j->ro);
    html_unconfirmed(f, j->ro);
    html_files(f, j->ro);
    html_facts(f, j->ro, j->facts);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}

#undef H

/* ---- --plan ---- */

/* floor(d x P) for the assumed share P given in decimal: 0.98 is a little under 98/100
 * as a double, so 50 x 0.98 would floor to 48; 1e-9 puts it back. */
static uint64_t floor_mul(uint64_t d, double p)
{
    long double v = (long double)d * (long double)p + 1e-9L;
    uint64_t a = (uint64_t)floorl(v);
    return a > d ? d : a;
}

typedef struct {
    const pt_policy *pol;
    const pt_case_facts *facts;
    tier_review *tiers;
    size_t n;
    double assume, confidence;
    pt_level target;
} plan_ctx;

/* Counts for a common sample size n (a tier with at most n pieces is reviewed whole):
 * x = floor(P n) real rows assumed. */
static pt_level plan_level(const plan_ctx *c, uint64_t n, uint64_t *counts)
{
    double lower = -1;
    for (size_t t = 0; t < c->n; t++) {
        const tier_review *tr = &c->tiers[t];
        if (tr->list || n >= tr->distinct) {
            counts[t] = floor_mul(tr->distinct, c->assume);
            continue;
        }
        if (lower < 0) lower = pt_review_lower_bound(n, floor_mul(n, c->assume), c->confidence);
        counts[t] = pt_review_adjusted(tr->distinct, n, 0, lower);
    }
    return pt_review_level(c->pol, counts, c->facts);
}

/* The level when every sampled tier with more than n pieces is at floor(D p). */
static pt_level level_at_share(const plan_ctx *c, uint64_t n, double p)
{
    uint64_t counts[PT_MAX_TIERS];
    for (size_t t = 0; t < c->n; t++) {
        const tier_review *tr = &c->tiers[t];
        counts[t] = tr->list || n >= tr->distinct ? floor_mul(tr->distinct, c->assume)
                                                  : pt_review_adjusted(tr->distinct, n, 0, p);
    }
    return pt_review_level(c->pol, counts, c->facts);
}

/* The smallest n that keeps the target level, -1 when none up to the end. Between two
 * tier sizes the set of tiers reviewed whole is fixed and the level grows with the
 * common bound p_L, so the smallest p* keeping it is found once (bisection) and each n
 * needs one tail: p_L(n) >= p* exactly when P(X >= x | n, p*) <= alpha. Each n found
 * that way is confirmed by the full computation. */
static int64_t plan_search(const plan_ctx *c, bool *capped)
{
    uint64_t end = 0, counts[PT_MAX_TIERS];
    for (size_t t = 0; t < c->n; t++)
        if (!c->tiers[t].list && c->tiers[t].distinct > end) end = c->tiers[t].distinct;
    *capped = false;
    if (end > PLAN_MAX) end = PLAN_MAX, *capped = true;
    double lalpha = log1p(-c->confidence);
    uint64_t n = 0;
    for (;;) {
        if (n >= end) return plan_level(c, end, counts) >= c->target ? (int64_t)end : -1;
        uint64_t seg_end = end;   /* the next tier size above n */
        for (size_t t = 0; t < c->n; t++)
            if (!c->tiers[t].list && c->tiers[t].distinct > n && c->tiers[t].distinct < seg_end)
                seg_end = c->tiers[t].distinct;
        if (level_at_share(c, n, 1.0) >= c->target) {
            double lo = 0.0, hi = 1.0;
            if (level_at_share(c, n, 0.0) >= c->target) hi = 0.0;
            while (hi - lo > PT_REVIEW_TOLERANCE) {
                double mid = lo + (hi - lo) / 2;
                if (level_at_share(c, n, mid) >= c->target) hi = mid;
                else lo = mid;
            }
            for (; n < seg_end; n++) {
                uint64_t x = floor_mul(n, c->assume);
                bool maybe = hi <= 0.0;
                /* x at most the mean's floor: P(X >= x) >= 1/2 > alpha */
                if (!maybe && x > 0 && (x > (uint64_t)floorl((long double)n * hi) || c->confidence <= 0.5))
                    maybe = pt_review_log_tail(n, x, hi, lalpha) < lalpha;
                if (maybe && plan_level(c, n, counts) >= c->target) return (int64_t)n;
            }
        }
        n = seg_end;
    }
}

/* ---- the command ---- */

static const jv *manifest_tiers(const jv *m)
{
    const jv *t = jv_get(m, "tiers");
    return t && t->kind == JV_ARRAY ? t : NULL;
}

int pt_cmd_review(int argc, char **argv)
{
    review_options opt = {.confidence = 0.95, .assume = 0.98}, *o = &opt;
    static const struct option longs[] = {
        {"confidence", required_argument, NULL, 'c'}, {"json", required_argument, NULL, 'J'},
        {"lang", required_argument, NULL, 'L'},       {"plan", no_argument, NULL, 'P'},
        {"assume", required_argument, NULL, 'A'},     {"patterns", required_argument, NULL, 'p'},
        {"policy", required_argument, NULL, 'y'},     {"help", no_argument, NULL, 'h'},
        {"html", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    /* the options follow the command */
    int ac = argc - 1;
    char **av = argv + 1;
    optind = 1;
    int ch;
    while ((ch = getopt_long(ac, av, "h", longs, NULL)) != -1) {
        switch (ch) {
        case 'c':
            if (!parse_share(optarg, &o->confidence)) return review_usage_error("bad confidence '%s' (between 0 and 1, e.g. 0.95)", optarg);
            break;
        case 'A':
            if (!parse_share(optarg, &o->assume)) return review_usage_error("bad share '%s' (between 0 and 1, e.g. 0.98)", optarg);
            break;
        case 'J': o->json_path = optarg; break;
        case 'H': o->html_path = optarg; break;
        case 'L':
            if (strcmp(optarg, "en") && strcmp(optarg, "zh")) return review_usage_error("--lang takes en or zh, not '%s'", optarg);
            o->zh = !strcmp(optarg, "zh");
            break;
        case 'P': o->plan = true; break;
        case 'p': o->patterns_dir = optarg; break;
        case 'y': o->policy_file = optarg; break;
        case 'h': fputs(review_usage, stdout); return PT_EXIT_OK;
        default: return review_usage_error("%s", "unknown option");
        }
    }
    if (optind != ac - 1) return review_usage_error("%s", "one evidence DIR is needed");
    if (o->plan && o->html_path) return review_usage_error("%s", "--html shows a review, not a --plan");
    o->dir = av[optind];

    /* the manifest */
    char *mpath = join(o->dir, "manifest.json");
    size_t mlen;
    char *mtext = slurp(mpath, &mlen), why[256] = "";
    bool found = mtext != NULL;
    jv *m = mtext ? jv_parse(mtext, mlen, why, sizeof why) : NULL;
    free(mtext);
    if (!m || strcmp(jv_text(jv_get(m, "format")), "pitally-evidence/1") || !manifest_tiers(m)) {
        if (!found) fprintf(stderr, "pitally review: %s: %s (an evidence directory of pitally scan "
                                    "--evidence is needed; older ones have no manifest.json: scan again)\n",
                            mpath, strerror(errno));
        else fprintf(stderr, "pitally review: %s: not an evidence manifest%s%s\n", mpath, m ? "" : ": ", m ? "" : why);
        jv_free(m);
        free(mpath);
        return PT_EXIT_USAGE;
    }
    free(mpath);

    /* the policy, as scan loads it */
    if (!o->patterns_dir) o->patterns_dir = pt_default_patterns_dir(argv[0], o->dir_buf, sizeof o->dir_buf);
    if (!o->policy_file) {
        if (!o->patterns_dir) {
            fprintf(stderr, "pitally review: no pattern directory found; use --patterns DIR or --policy FILE\n");
            jv_free(m);
            return PT_EXIT_PATTERNS;
        }
        snprintf(o->policy_buf, sizeof o->policy_buf, "%s/policy.yaml", o->patterns_dir);
        o->policy_file = o->policy_buf;
    }
    pt_policy pol;
    char err[1024], psha[65] = "";
    if (pt_policy_load(&pol, o->policy_file, err, sizeof err) != 0) {
        fprintf(stderr, "pitally review: %s\n", err);
        jv_free(m);
        return PT_EXIT_PATTERNS;
    }
    file_sha256(o->policy_file, psha);
    int rc = PT_EXIT_OK;
    const jv *mt = manifest_tiers(m);
    const char *scan_sha = jv_text(jv_get(jv_get(m, "policy"), "sha256"));
    if (*scan_sha && strcmp(scan_sha, psha)) {
        fprintf(stderr, "pitally review: %s is not the policy of the scan (SHA-256 %s; the scan's: %s, %s): "
                        "give the scan's policy with --policy\n", o->policy_file, psha, scan_sha,
                jv_text(jv_get(jv_get(m, "policy"), "file")));
        rc = PT_EXIT_PATTERNS;
    } else if (!mt || mt->n != pol.n_tiers) {
        fprintf(stderr, "pitally review: the policy has %zu tiers, the scan had %zu\n", pol.n_tiers,
                mt ? mt->n : 0);
        rc = PT_EXIT_PATTERNS;
    }
    tier_review tiers[PT_MAX_TIERS];
    memset(tiers, 0, sizeof tiers);
    uint64_t scanned[PT_MAX_TIERS] = {0}, verified[PT_MAX_TIERS] = {0};
    for (size_t t = 0; rc == PT_EXIT_OK && t < pol.n_tiers; t++) {
        const jv *e = jv_at(mt, t);
        tier_review *tr = &tiers[t];
        tr->id = jv_text(jv_get(e, "id"));
        tr->file = jv_text(jv_get(e, "file"));
        tr->list = !strcmp(jv_text(jv_get(e, "method")), "list");
        tr->content_sha256 = jv_text(jv_get(e, "content_sha256"));
        tr->sample_keys = jv_get(e, "sample_keys");
        if (!get_u64(jv_get(e, "threshold"), &tr->threshold) || !get_u64(jv_get(e, "distinct"), &tr->distinct) ||
            !get_u64(jv_get(e, "rows"), &tr->rows_drawn) || !*tr->file || strchr(tr->file, '/')) {
            fprintf(stderr, "pitally review: %s/manifest.json: tier %zu is incomplete\n", o->dir, t + 1);
            rc = PT_EXIT_USAGE;
        } else if (strcmp(tr->id, pol.tiers[t].id) || tr->threshold != pol.tiers[t].threshold) {
            fprintf(stderr, "pitally review: the policy's tier %zu is %s (threshold %llu), the scan's was %s "
                            "(threshold %llu): give the scan's policy with --policy\n", t + 1, pol.tiers[t].id,
                    (unsigned long long)pol.tiers[t].threshold, tr->id, (unsigned long long)tr->threshold);
            rc = PT_EXIT_PATTERNS;
        }
        scanned[t] = tr->distinct;
    }
    const jv *mf = jv_get(m, "facts");
    pt_case_facts facts = {.professional = get_bool(jv_get(mf, "professional")),
                           .business_purchase = get_bool(jv_get(mf, "business_purchase"))};
    get_u64(jv_get(mf, "income_cny"), &facts.income_cny);
    pt_verdict vs, vv;
    pt_verdict_compute(&pol, scanned, &facts, &vs);
    if (rc == PT_EXIT_OK && strcmp(pt_level_name(vs.level), jv_text(jv_get(jv_get(m, "verdict"), "level")))) {
        fprintf(stderr, "pitally review: the policy gives %s on the scan's counts, the scan said %s: "
                        "give the scan's policy with --policy\n", pt_level_name(vs.level),
                jv_text(jv_get(jv_get(m, "verdict"), "level")));
        rc = PT_EXIT_PATTERNS;
    }
    review_out ro = {o, &pol, m, tiers, pol.n_tiers, &vs, &vv, psha, o->plan, -1, false, false, {0}, NULL};
    if (rc != PT_EXIT_OK) goto done;

    if (o->plan) {
        plan_ctx pc = {&pol, &facts, tiers, pol.n_tiers, o->assume, o->confidence, vs.level};
        ro.plan_n = vs.level == PT_LEVEL_NONE ? 0 : plan_search(&pc, &ro.plan_capped);
        /* the drawn samples, each with its own size */
        for (size_t t = 0; t < pol.n_tiers; t++) {
            tier_review *tr = &tiers[t];
            uint64_t x = floor_mul(tr->rows_drawn, o->assume);
            ro.plan_adjusted[t] = tr->list || tr->rows_drawn >= tr->distinct
                                      ? floor_mul(tr->distinct, o->assume)
                                      : pt_review_adjusted(tr->distinct, tr->rows_drawn, 0,
                                                           pt_review_lower_bound(tr->rows_drawn, x, o->confidence));
        }
        ro.drawn_enough = pt_review_level(&pol, ro.plan_adjusted, &facts) >= vs.level;
        printf(W("pitally %s review plan: %s\n", "pitally %s 抽样核实计划：%s\n"), PT_VERSION, o->dir);
        printf(W("Assumed share of real pieces P = %g; x = floor(P x n) real rows among n; one-sided "
                 "confidence %g (exact Clopper-Pearson)\n",
                 "假设真实信息比例 P = %g；n 行中真实 x = floor(P × n) 行；单侧置信水平 %g（精确 Clopper-Pearson）\n"),
               o->assume, o->confidence);
        printf(W("Scanned verdict: %s\n", "扫描结论：%s\n"), level_words(vs.level, o->zh));
        if (vs.level == PT_LEVEL_NONE)
            printf("%s", W("Nothing to keep: a review can only lower the counts.\n", "无需保持：核实只会减少条数。\n"));
        else if (ro.plan_n < 0)
            printf(W("The scanned level cannot be kept at a share of %g%s.\n", "按比例 %g 无法保持扫描结论%s。\n"),
                   o->assume, ro.plan_capped ? W(" with samples of up to 1000000 rows", "（样本不超过 1000000 行）")
                                             : W(", even reviewing every piece", "，即使逐一核实全部信息"));
        else
            printf(W("Rows to review per sampled tier to keep it: n = %lld\n", "保持该结论每个抽样层级需核实：n = %lld 行\n"),
                   (long long)ro.plan_n);
        for (size_t t = 0; t < pol.n_tiers; t++) {
            const tier_review *tr = &tiers[t];
            uint64_t need = tr->list ? tr->distinct
                          : ro.plan_n < 0 ? tr->distinct
                          : (uint64_t)ro.plan_n < tr->distinct ? (uint64_t)ro.plan_n : tr->distinct;
            printf(W("  %-8s %-6s %llu of %llu distinct pieces to review (drawn: %llu)%s\n",
                     "  %-8s %-6s 需核实 %llu / %llu 条去重信息（已抽取：%llu）%s\n"),
                   tr->id, tr->list ? W("list", "清单") : W("sample", "抽样"), (unsigned long long)need,
                   (unsigned long long)tr->distinct, (unsigned long long)tr->rows_drawn,
                   tr->list ? W(": one by one", "：逐一核实") : "");
        }
        printf(W("The drawn samples %s large enough: at a share of %g they give a verdict of %s.\n",
                 "已抽取的样本%s足够：按比例 %g 结论为%s。\n"),
               ro.drawn_enough ? W("are", "") : W("are NOT", "不"), o->assume,
               level_words(pt_review_level(&pol, ro.plan_adjusted, &facts), o->zh));
    } else {
        problems pr = {0};
        for (size_t t = 0; t < pol.n_tiers; t++) read_tier(o->dir, &tiers[t], &pr);
        if (pr.n) {
            fprintf(stderr, "pitally review: refused: %zu problem%s above\n", pr.n, pr.n == 1 ? "" : "s");
            rc = PT_EXIT_USAGE;
            goto done;
        }
        for (size_t t = 0; t < pol.n_tiers; t++) {
            adjust(&tiers[t], o->confidence);
            verified[t] = tiers[t].adjusted;
        }
        pt_verdict_compute(&pol, verified, &facts, &vv);
        printf(W("pitally %s review: %s\n", "pitally %s 抽样核实：%s\n"), PT_VERSION, o->dir);
        printf(W("Method: the list of the most serious tier counts the rows marked real (decided one by one);\n"
                 "a sampled tier counts floor(distinct x p_L), p_L the exact one-sided Clopper-Pearson lower\n"
                 "bound of the share of real rows at confidence %g (unreviewed rows count as not real),\n"
                 "or its real rows when the sample holds the whole tier.\n",
                 "方法：最严重层级的清单只计逐一核实为真实的行；抽样层级计 floor(去重条数 × p_L)，p_L 为\n"
                 "真实比例在置信水平 %g 下的精确单侧 Clopper-Pearson 置信下限（未核实的行按非真实计）；\n"
                 "样本包含该层级全部信息时，直接计核实为真实的行。\n"),
               o->confidence);
        printf(W("Facts of the scan: professional %s, income CNY %llu, business purchase %s\n\n",
                 "扫描时的情节：履职或提供服务中获得 %s，违法所得 %llu 元，合法经营购买 %s\n\n"),
               facts.professional ? W("yes", "是") : W("no", "否"), (unsigned long long)facts.income_cny,
               facts.business_purchase ? W("yes", "是") : W("no", "否"));
        printf(W("%-8s %-6s %10s %8s %8s %8s %10s %9s %12s %10s\n", "%-8s %-6s %10s %8s %8s %8s %10s %9s %12s %10s\n"),
               W("tier", "层级"), W("method", "方法"), W("distinct", "去重条数"), W("rows", "行数"), W("real", "真实"),
               W("not", "非真实"), W("unreviewed", "未核实"), W("share", "比例"), W("lower bound", "置信下限"),
               W("adjusted", "调整后"));
        for (size_t t = 0; t < pol.n_tiers; t++) {
            const tier_review *tr = &tiers[t];
            char lb[32];
            fmt_bound(lb, sizeof lb, tr->lower);
            printf("%-8s %-6s %10llu %8llu %8llu %8llu %10llu %9.4f %12s %10llu\n", tr->id,
                   tr->list ? W("list", "清单") : tr->rows >= tr->distinct ? W("whole", "全部") : W("sample", "抽样"),
                   (unsigned long long)tr->distinct, (unsigned long long)tr->rows, (unsigned long long)tr->real,
                   (unsigned long long)tr->rejected, (unsigned long long)tr->unreviewed, tr->share, lb,
                   (unsigned long long)tr->adjusted);
        }
        for (size_t t = 0; t < pol.n_tiers; t++) printf("  %s: %s\n", tiers[t].id, tier_label(&pol, t, o->zh));
        printf(W("\nVerdict as scanned:  %s\n", "\n扫描结论：%s\n"), level_words(vs.level, o->zh));
        print_grounds(&vs, o);
        printf(W("Verdict as verified: %s\n", "核实后结论：%s\n"), level_words(vv.level, o->zh));
        print_grounds(&vv, o);
        printf("%s", W("\nReview files (SHA-256 as read):\n", "\n核实文件（读取时的 SHA-256）：\n"));
        for (size_t t = 0; t < pol.n_tiers; t++)
            printf("  %s  %s  %s\n", tiers[t].sha256, tiers[t].file, tiers[t].encoding);
        for (size_t t = 0; t < pol.n_tiers; t++) {
            const tier_review *tr = &tiers[t];
            if (!tr->list || !tr->n_unconf) continue;
            printf(W("\nNot counted in %s (rejected or not reviewed): %zu\n", "\n%s 中未计入（非真实或未核实）：%zu 行\n"),
                   tr->file, tr->n_unconf);
            for (size_t i = 0; i < tr->n_unconf; i++) {
                const unconfirmed *u = &tr->unconf[i];
                printf(W("  %s:%llu  %s  (%s line %s)\n", "  %s:%llu  %s  （%s 第 %s 行）\n"), tr->file,
                       (unsigned long long)u->line, *u->mark ? u->mark : W("not reviewed", "未核实"), u->input,
                       u->input_line);
            }
        }
    }
    if (o->json_path) {
        char werr[1024];
        if (pt_output_to_path(o->json_path, write_json, &ro, 0600, werr, sizeof werr) != 0) {
            fprintf(stderr, "pitally review: cannot write the JSON: %s\n", werr);
            rc = EXIT_WRITE;
        }
    }
    if (o->html_path && write_html_page(&ro, &facts) != 0) rc = EXIT_WRITE;
done:
    for (size_t t = 0; t < PT_MAX_TIERS; t++) {
        for (size_t i = 0; i < tiers[t].n_unconf; i++) {
            free(tiers[t].unconf[i].mark);
            free(tiers[t].unconf[i].input);
            free(tiers[t].unconf[i].input_line);
            free(tiers[t].unconf[i].values);
        }
        free(tiers[t].unconf);
    }
    pt_policy_free(&pol);
    jv_free(m);
    return rc;
}
