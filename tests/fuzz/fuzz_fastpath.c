/* fuzz_fastpath.c - libFuzzer target, differential: every record of the input is
 * classified by the scanner's fast path (byte classes, shape cache, token and literal
 * checks, ASCII regex variants) and by its reference mode (every candidate regex on
 * every field, no prefilter), with the project's own pattern set; any difference in the
 * record's class (categories, piece, tier, fingerprint, subject) or in a per-pattern
 * matched / rejected count aborts. tests/unit/test_fastpath.c does the same on
 * generated fields; this target lets libFuzzer look for the fields it missed.
 *
 * Input: records separated by '\n', fields by '\t'. A field "KEY\x1fVALUE" has a key;
 * a field starting with \x02 and a byte b has the key keys[b % N] (column names the
 * patterns' header regexes know), so keyed contexts are reached without spelling them.
 * Both scanners are made fresh for each input, so a failure replays from its input
 * alone; within an input they keep their caches from record to record, as in a scan.
 * Column-level evidence too: a first pass makes a plan from the input (the patterns with
 * column_evidence then disabled in every odd field position as well), both scanners
 * classify under it, and their doubt and column counts must agree.
 */
#include "fuzz_common.h"

#include "pitally/classify.h"
#include "../../src/classify/classify_internal.h"   /* pt_scanner_set_reference */
#include "pitally/patterns.h"
#include "pitally/policy.h"

#ifndef FUZZ_POLICY_PATH
#define FUZZ_POLICY_PATH "patterns/policy.yaml"
#endif
#ifndef FUZZ_PATTERNS_DIR
#define FUZZ_PATTERNS_DIR "patterns"
#endif

#define MAX_FIELDS 32

static pt_policy policy;
static pt_patterns patterns;

static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    char err[512];
    if (pt_policy_load(&policy, FUZZ_POLICY_PATH, err, sizeof err) != 0 ||
        pt_patterns_load(&patterns, FUZZ_PATTERNS_DIR, &policy, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_fastpath: %s\n", err);
        abort();
    }
}

static const char *const keys[] = {
    "手机号", "身份证号", "邮箱", "地址", "银行卡号", "订单号", "qq", "微信", "护照号", "ip",
    "imei", "姓名", "车牌", "name", "备注", "tel", "vin", "信用代码", "  ", "password",
    "user", "email", "mobile", "id_card", "账号", "密码", "出生日期", "性别", "公司", "金额",
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static void print_record(const pt_field *f, size_t nf)
{
    for (size_t i = 0; i < nf; i++)
        fprintf(stderr, "  field %zu: key \"%.*s\" value \"%.*s\"\n", i, (int)f[i].key_len,
                f[i].key ? f[i].key : "", (int)f[i].val_len, f[i].val);
}

/* Classify rec with both scanners; abort on any difference. */
static void compare(pt_scanner *fast, pt_scanner *ref, const pt_record *rec, uint64_t *counts)
{
    size_t n = patterns.n;
    uint64_t *m1 = counts, *r1 = counts + n, *m2 = counts + 2 * n, *r2 = counts + 3 * n;
    memset(counts, 0, 4 * n * sizeof *counts);
    pt_record_class a, b;
    pt_scanner_classify(fast, rec, &a, m1, r1);
    pt_scanner_classify(ref, rec, &b, m2, r2);
    bool same = a.categories == b.categories && a.piece == b.piece &&
                a.has_subject == b.has_subject && a.subject == b.subject &&
                a.doubt_categories == b.doubt_categories && a.doubt_piece == b.doubt_piece &&
                a.doubt_column == b.doubt_column && a.doubt_pattern == b.doubt_pattern;
    if (same && a.piece) same = a.fp[0] == b.fp[0] && a.fp[1] == b.fp[1];
    for (size_t i = 0; i < n; i++) {
        if (m1[i] == m2[i] && r1[i] == r2[i]) continue;
        fprintf(stderr, "fuzz_fastpath: %s: matched %llu/%llu rejected %llu/%llu (fast/reference)\n",
                patterns.v[i].id, (unsigned long long)m1[i], (unsigned long long)m2[i],
                (unsigned long long)r1[i], (unsigned long long)r2[i]);
        same = false;
    }
    if (!same) {
        fprintf(stderr, "fuzz_fastpath: the fast path and the reference differ on:\n");
        print_record(rec->fields, rec->n);
        FUZZ_REQUIRE(same);
    }
}

/* The column counts of a and b are the same (the tables are filled in the same order). */
static void compare_columns(const pt_colstats *a, const pt_colstats *b)
{
    bool same = a->n == b->n;
    for (size_t c = 0; same && c < a->n; c++) {
        const pt_column *x = &a->cols[c], *y = &b->cols[c];
        same = x->fill == y->fill && x->n_pats == y->n_pats && x->position == y->position;
        for (uint32_t k = 0; same && k < x->n_pats; k++) {
            const pt_column_pattern *p = &x->pats[k];
            const pt_column_pattern *q = pt_colstats_find_cell(b, (int32_t)c, p->pattern);
            same = q && p->matches == q->matches && p->checked == q->checked &&
                   p->passed == q->passed && p->accepted == q->accepted;
        }
    }
    if (!same) fprintf(stderr, "fuzz_fastpath: the column counts differ\n");
    FUZZ_REQUIRE(same);
}

static void run_records(const char *s, size_t size, pt_scanner *fast, pt_scanner *ref,
                        uint64_t *counts);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *s = (const char *)data;
    pt_scanner *fast = pt_scanner_new(&patterns, &policy);
    pt_scanner *ref = pt_scanner_new(&patterns, &policy);
    pt_scanner_set_reference(ref, true);
    uint64_t *counts = malloc(4 * (patterns.n ? patterns.n : 1) * sizeof *counts);
    pt_colstats *plan = pt_colstats_new(false), *st1 = pt_colstats_new(false),
                *st2 = pt_colstats_new(false);
    pt_scanner_set_columns(fast, NULL, plan);   /* the plan: a first pass */
    run_records(s, size, fast, NULL, counts);
    pt_scanner_set_columns(fast, NULL, NULL);
    pt_colplan_decide(plan, &patterns);
    for (size_t c = 0; c < plan->n; c++)
        for (uint32_t k = 0; k < plan->cols[c].n_pats; k++) {
            pt_column_pattern *p = &plan->cols[c].pats[k];
            if (plan->cols[c].position % 2 == 1 && patterns.v[p->pattern].column_evidence)
                p->disabled = true;
        }
    pt_scanner_set_columns(fast, plan, st1);
    pt_scanner_set_columns(ref, plan, st2);
    run_records(s, size, fast, ref, counts);
    pt_scanner_set_columns(fast, NULL, NULL);
    pt_scanner_set_columns(ref, NULL, NULL);
    compare_columns(st1, st2);
    pt_colstats_free(plan);
    pt_colstats_free(st1);
    pt_colstats_free(st2);
    free(counts);
    pt_scanner_free(fast);
    pt_scanner_free(ref);
    return 0;
}

/* Every record of s: compared (ref NULL: only classified by fast). */
static void run_records(const char *s, size_t size, pt_scanner *fast, pt_scanner *ref,
                        uint64_t *counts)
{
    pt_field f[MAX_FIELDS];
    size_t pos = 0;
    while (pos < size) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - s) : size;
        size_t nf = 0, p = pos;
        while (nf < MAX_FIELDS) {   /* the fields of s[pos..end) */
            const char *tab = memchr(s + p, '\t', end - p);
            size_t fe = tab ? (size_t)(tab - s) : end;
            pt_field *x = &f[nf++];
            *x = (pt_field){NULL, 0, s + p, fe - p, 0};
            const char *us = memchr(s + p, '\x1f', fe - p);
            if (us) {
                x->key = s + p;
                x->key_len = (size_t)(us - (s + p));
                x->val = us + 1;
                x->val_len = fe - (size_t)(us + 1 - s);
            } else if (fe - p >= 2 && s[p] == '\x02') {
                const char *k = keys[(uint8_t)s[p + 1] % N_KEYS];
                x->key = k;
                x->key_len = strlen(k);
                x->val = s + p + 2;
                x->val_len = fe - p - 2;
            }
            if (!tab) break;
            p = fe + 1;
        }
        pt_record rec = {f, nf, pos};
        if (ref) {
            compare(fast, ref, &rec, counts);
        } else {
            pt_record_class cls;
            pt_scanner_classify(fast, &rec, &cls, NULL, NULL);
        }
        pos = end + 1;
    }
}
