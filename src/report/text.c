/* text.c - stage 6b: the text report, for a person at a terminal or reading a case file.
 *
 * Order of importance: the verdict and its grounds first, then the tier table that
 * explains it, then what was counted (subjects, categories), then where it came from
 * (inputs and their errors, patterns) and the notes. Columns are aligned by display
 * width, so Chinese labels (two columns per character) line up too.
 *
 * Everything printed that came from the data or the file system (paths, error messages)
 * is made safe first: control characters and bytes that are not UTF-8 are shown as
 * escapes, so a hostile file name cannot move the cursor or rewrite the terminal.
 */
#include "pitally/report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "colview.h"
#include "jsonw.h"

/* ---- safe text ------------------------------------------------------------------ */

/* A copy of s with control characters as \n, \t, \xNN and invalid UTF-8 as \xNN. */
static char *safe_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    char *out = pt_xmalloc(4 * n + 1), *o = out;
    while (n > 0) {
        if (*p >= 0x20 && *p < 0x7f) {   /* printable ASCII, most of a report: as is */
            *o++ = (char)*p++;
            n--;
            continue;
        }
        size_t len = (*p >= 0x20 && *p != 0x7f) ? jw_utf8_len(p, n) : 0;
        if (len > 0) {
            memcpy(o, p, len);
            o += len;
        } else {
            len = 1;
            if (*p == '\n') { memcpy(o, "\\n", 2); o += 2; }
            else if (*p == '\t') { memcpy(o, "\\t", 2); o += 2; }
            else o += sprintf(o, "\\x%02x", *p);
        }
        p += len;
        n -= len;
    }
    *o = '\0';
    return out;
}

/* East Asian wide and fullwidth ranges: two terminal columns. */
static bool is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

/* Terminal columns of an already safe (valid UTF-8) string. */
static size_t display_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), w = 0;
    while (n > 0) {
        if (*p < 0x80) {   /* ASCII: one column */
            w++;
            p++;
            n--;
            continue;
        }
        size_t len = jw_utf8_len(p, n);
        if (len == 0) len = 1;
        uint32_t cp = p[0];
        if (len == 2) cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        if (len == 3) cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (len == 4)
            cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                 (p[3] & 0x3Fu);
        w += is_wide(cp) ? 2 : 1;
        p += len;
        n -= len;
    }
    return w;
}

static void pad(FILE *out, size_t n)
{
    static const char spaces[] = "                                ";   /* 32 */
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        fwrite(spaces, 1, k, out);
        n -= k;
    }
}

/* ---- tables --------------------------------------------------------------------- */

#define TABLE_MAX_COLS 10

typedef struct {
    size_t ncols;
    const char *head[TABLE_MAX_COLS];
    bool right[TABLE_MAX_COLS];   /* numbers align right */
    char **cell;                  /* nrows * ncols, safe text */
    size_t nrows, cap;
} table;

/* Columns given as "Name" (left-aligned) or ">Name" (right-aligned). */
static void table_init(table *t, size_t ncols, const char *const *heads)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
    for (size_t c = 0; c < t->ncols; c++) {
        t->right[c] = heads[c][0] == '>';
        t->head[c] = heads[c] + (t->right[c] ? 1 : 0);
    }
}

/* One row of ncols strings (copied and made safe). */
static void table_row(table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->cell = pt_xrealloc(t->cell, t->cap * t->ncols * sizeof *t->cell);
    }
    for (size_t c = 0; c < t->ncols; c++) t->cell[t->nrows * t->ncols + c] = safe_text(cells[c]);
    t->nrows++;
}

static void print_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
    size_t w = display_width(s);
    size_t gap = width > w ? width - w : 0;
    if (right) pad(out, gap);
    fputs(s, out);
    if (!right && !last) pad(out, gap);
}

static void table_print(FILE *out, table *t, size_t indent)
{
    size_t width[TABLE_MAX_COLS];
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = display_width(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = display_width(t->cell[r * t->ncols + c]);
            if (w > width[c]) width[c] = w;
        }
    }
    for (size_t r = 0; r <= t->nrows; r++) {   /* row 0 is the heading */
        pad(out, indent);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = r == 0 ? t->head[c] : t->cell[(r - 1) * t->ncols + c];
            if (c) fputs("  ", out);
            print_cell(out, s, width[c], t->right[c], c + 1 == t->ncols);
        }
        fputc('\n', out);
    }
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cell[i]);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

/* ---- formatting numbers ----------------------------------------------------------- */

/* Small rotating buffers, so that one printf can take several formatted numbers; one
 * set per section being printed (on the stack), so that reports written on several
 * threads at once never share one. */
typedef struct {
    char buf[16][48];
    unsigned next;
} numbufs;

static char *fmt_buf(numbufs *nb)
{
    return nb->buf[nb->next++ % 16];
}

/* Counts with thousands separators: 12,345,678 records read at a glance. */
static const char *u64s(numbufs *nb, uint64_t v)
{
    char digits[24], *b = fmt_buf(nb), *o = b;
    int n = (int)jw_format_u64(digits, v);
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) *o++ = ',';
        *o++ = digits[i];
    }
    *o = '\0';
    return b;
}

/* v in decimal, no separators ("%d" of a position). */
static const char *u64s_plain(numbufs *nb, uint64_t v)
{
    char *b = fmt_buf(nb);
    jw_format_u64(b, v);
    return b;
}

static const char *nums(numbufs *nb, double v)
{
    char *b = fmt_buf(nb);
    jw_format_number(b, 48, v);
    return b;
}

/* Ratios to four decimals: enough to see how far from 1 (or 10) a case is. */
static const char *ratios(numbufs *nb, double v)
{
    char *b = fmt_buf(nb);
    snprintf(b, 48, "%.4f", v);
    return b;
}

/* ---- sections ------------------------------------------------------------------- */

/* --lang zh: the Interpretation's words; every print_* function has r in scope. */
#define T(en, zh) (r->lang && !strcmp(r->lang, "zh") ? (zh) : (en))

static const char *level_words(const pt_scan_result *r, pt_level l)
{
    if (r->lang && !strcmp(r->lang, "zh"))
        return l == PT_LEVEL_SERIOUS ? "情节严重" : l == PT_LEVEL_ESPECIALLY_SERIOUS ? "情节特别严重" : "未达情节严重";
    switch (l) {
    case PT_LEVEL_SERIOUS: return "SERIOUS (情节严重)";
    case PT_LEVEL_ESPECIALLY_SERIOUS: return "ESPECIALLY SERIOUS (情节特别严重)";
    default: return "none: below every standard (未达情节严重)";
    }
}

static void print_heading(FILE *out, const char *title)
{
    fprintf(out, "\n%s\n", title);
}

static void print_verdict(FILE *out, const pt_scan_result *r, const pt_policy *pol)
{
    numbufs nb = {.next = 0};
    const pt_verdict *v = &r->verdict;
    char *name = safe_text(pol->name);
    fprintf(out, "pitally %s - personal information tally\n", PT_VERSION);
    fprintf(out, T("Policy: %s   professional (item 八): %s   income: CNY %s\n",
                  "适用规则：%s   第（八）项（履职或提供服务中获得）：%s   违法所得：%s 元\n"), name,
            r->facts.professional ? T("yes", "是") : T("no", "否"), u64s(&nb, r->facts.income_cny));
    free(name);
    if (r->run && r->run->n_overrides) {   /* the policy's own name still says "default" */
        fprintf(out, "Overridden by:");
        for (size_t i = 0; i < r->run->n_overrides; i++) {
            char *o = safe_text(r->run->overrides[i]);
            fprintf(out, " %s", o);
            free(o);
        }
        fputc('\n', out);
    }
    fprintf(out, T("\nVerdict: %s\n", "\n结论：%s\n"), level_words(r, v->level));
    if (!r->n_scanned)
        fputs(T("         NOTHING COULD BE SCANNED: no input gave a record (see Inputs);\n"
                "         the verdict rests on the facts given, not on data\n",
                "         没有可统计的数据：所有输入均未读出记录（见输入一节）；\n"
                "         结论仅依据所给事实，而非数据\n"), out);
    fprintf(out, "%s", T("Grounds: ", "依据："));
    for (size_t i = 0; i < v->n_grounds; i++) fprintf(out, "%s%s", i ? ", " : "", v->grounds[i]);
    fprintf(out, "%s\n", v->n_grounds ? "" : "(none)");
    fprintf(out, T("Combined ratio (item 六): %s\n", "第（六）项折算比例：%s\n"), ratios(&nb, v->combined_ratio));
}

static void print_tiers(FILE *out, const pt_scan_result *r, const pt_policy *pol)
{
    numbufs nb = {.next = 0};
    static const char *const heads[] = {"Tier", ">Raw", ">Distinct", ">Threshold", ">Ratio",
                                        "Label"};
    table t;
    table_init(&t, 6, heads);
    for (size_t i = 0; i < pol->n_tiers; i++) {
        double th = r->verdict.tier_threshold[i] > 0 ? r->verdict.tier_threshold[i]
                                                     : (double)pol->tiers[i].threshold;
        const char *row[] = {pol->tiers[i].id, u64s(&nb, r->totals.tiers[i].raw),
                             u64s(&nb, r->totals.tiers[i].distinct), nums(&nb, th),
                             ratios(&nb, r->verdict.tier_ratio[i]), T(pol->tiers[i].label, pol->tiers[i].label_zh ? pol->tiers[i].label_zh : pol->tiers[i].label)};
        table_row(&t, row);
    }
    print_heading(out, T("Pieces by tier (distinct counts decide; thresholds in force):", "各项条数（以去重条数认定；适用的入罪标准）："));
    table_print(out, &t, 2);
    table_free(&t);
}

/* One line: how many subjects each kind of identifier decided (resident ID first). */
static void print_subjects_by(FILE *out, const pt_scan_result *r, const pt_patterns *ps)
{
    numbufs nb = {.next = 0};
    if (!r->subjects || !ps) return;
    fprintf(out, "Subjects by the identifier that decided:");
    const char *sep = " ";
    for (size_t j = 0; j + 1 < ps->n_subject_kinds; j++) {
        unsigned k = ps->subject_kind_order[j];
        if (!r->subjects_by[k]) continue;
        fprintf(out, "%s%s %s", sep, u64s(&nb, r->subjects_by[k]), ps->subject_kinds[k]);
        sep = ", ";
    }
    if (r->subjects_by[0]) fprintf(out, "%s%s unknown (a state without kinds)", sep, u64s(&nb, r->subjects_by[0]));
    fputc('\n', out);
}

static void print_totals(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                         const pt_patterns *ps)
{
    numbufs nb = {.next = 0};
    fprintf(out, "\nTotals: %s inputs, %s bytes, %s records, pieces %s raw / %s distinct, "
            "%s subjects\n", u64s(&nb, r->n_inputs), u64s(&nb, r->total_bytes), u64s(&nb, r->totals.records),
            u64s(&nb, r->totals.pieces.raw), u64s(&nb, r->totals.pieces.distinct), u64s(&nb, r->subjects));
    print_subjects_by(out, r, ps);
    static const char *const heads[] = {"Category", "Tier", ">Records"};
    table t;
    table_init(&t, 3, heads);
    for (size_t c = 0; c < pol->n_categories; c++) {
        if (!r->totals.categories[c]) continue;
        int tier = pol->category_tier[c];
        const char *row[] = {T(pol->categories[c], pol->category_zh[c] ? pol->category_zh[c] : pol->categories[c]),
                             tier >= 0 && (size_t)tier < pol->n_tiers ? pol->tiers[tier].id : "?",
                             u64s(&nb, r->totals.categories[c])};
        table_row(&t, row);
    }
    print_heading(out, T("Categories (records containing each):", "信息类别（含该类信息的记录数）："));
    if (t.nrows) table_print(out, &t, 2);
    else fprintf(out, "  (none found)\n");
    table_free(&t);
}

/* --baseline: what is new since the last state, right after the counts it adds to. */
static void print_baseline_paths(FILE *out, const pt_baseline_diff *d, pt_base_kind k,
                                 const char *label)
{
    for (uint64_t i = 0; i < d->inputs[k]; i++) {
        char *p = safe_text(d->paths[k][i]);
        fprintf(out, "  %-9s %s\n", label, p);
        free(p);
    }
}

static void print_baseline(FILE *out, const pt_scan_result *r, const pt_policy *pol)
{
    numbufs nb = {.next = 0};
    if (!r->baseline) return;
    const pt_baseline_diff *d = &r->baseline->diff;
    char *path = safe_text(r->baseline->path);
    fprintf(out, T("\nSince the baseline %s (sha256 %.16s…):\n", "\n与基线 %s 相比（sha256 %.16s…）：\n"),
            path, r->baseline->sha256);
    free(path);
    fprintf(out, T("  inputs: %s new, %s changed, %s gone, %s unchanged, %s without a hash to compare\n",
                   "  输入：新增 %s，已变更 %s，已消失 %s，未变更 %s，无可比对哈希 %s\n"),
            u64s(&nb, d->inputs[PT_BASE_NEW]), u64s(&nb, d->inputs[PT_BASE_CHANGED]),
            u64s(&nb, d->inputs[PT_BASE_GONE]), u64s(&nb, d->inputs[PT_BASE_UNCHANGED]),
            u64s(&nb, d->inputs[PT_BASE_UNHASHED]));
    print_baseline_paths(out, d, PT_BASE_NEW, "new");
    print_baseline_paths(out, d, PT_BASE_CHANGED, "changed");
    print_baseline_paths(out, d, PT_BASE_GONE, "gone");
    print_baseline_paths(out, d, PT_BASE_UNHASHED, "unhashed");
    fprintf(out, "%s", T("  distinct pieces not in the baseline, and those it had in a less serious tier:\n",
                         "  基线中没有的去重条数，及基线中属较轻档次、现属本档的条数：\n"));
    static const char *const heads[] = {"Tier", ">New pieces", ">Raised into it"};
    table t;
    table_init(&t, 3, heads);
    for (size_t i = 0; i < pol->n_tiers; i++) {
        const char *row[] = {pol->tiers[i].id, u64s(&nb, d->pieces_new[i]), u64s(&nb, d->pieces_raised[i])};
        table_row(&t, row);
    }
    table_print(out, &t, 2);
    table_free(&t);
    fprintf(out, T("  new subjects: %s\n", "  新增信息主体：%s\n"), u64s(&nb, d->subjects_new));
}

const char *pt_input_status(const pt_input_result *in)
{
    if (!in->readable) {
        /* could not be opened or was damaged, or was deliberately not read (a FIFO in a
         * directory, a duplicate, a symlink loop, an encrypted or unsupported member) */
        static const char *const broken[] = {"open", "read", "archive", "xlsx", "xls", "sqlite", NULL};
        for (size_t k = 0; k < in->errors.n; k++)
            for (int b = 0; broken[b]; b++)
                if (!strcmp(in->errors.v[k].kind, broken[b])) return "unreadable";
        return "not read";
    }
    if (in->container) return "container";
    if (in->skipped) return "skipped";
    return in->counts.records ? "scanned" : "no records";
}

/* The run record, for the expert opinion: what ran, when, where, with which rules. */
static void print_run(FILE *out, const pt_scan_result *r)
{
    const pt_run_record *rr = r->run;
    if (!rr) return;
    print_heading(out, T("Run:", "运行记录："));
    char *cmd = safe_text(rr->command ? rr->command : "");
    fprintf(out, "  pitally %s (commit %s), %u threads, on %s\n", rr->version ? rr->version : "?",
            rr->commit && *rr->commit ? rr->commit : "unknown", r->threads, rr->host ? rr->host : "?");
    fprintf(out, "  %s to %s (UTC), %.2f s\n", rr->started_utc, rr->ended_utc, r->elapsed_s);
    fprintf(out, "  command: %s\n", cmd);
    free(cmd);
    if (rr->hash_path) fprintf(out, "  %s%s\n", T("custody hashes: ", "保全哈希："), rr->hash_path);
    for (size_t i = 0; i < rr->n_rule_files; i++) {
        char *p = safe_text(rr->rule_files[i].path);
        fprintf(out, "  rules: %s  %s\n", rr->rule_files[i].sha256, p);
        free(p);
    }
    if (rr->case_key_id[0]) fprintf(out, "  case key id: %s\n", rr->case_key_id);
}

/* Custody: the hashes of every input read whole, to compare with md5sum/sha256sum. */
static void print_hashes(FILE *out, const pt_scan_result *r)
{
    bool any = false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        if (!in->sha256[0]) continue;
        if (!any) print_heading(out, T("Custody hashes (of each input's bytes as read, as sha256sum and md5sum print them):", "检材哈希值（按读取的原始字节计算，与 sha256sum、md5sum 一致）："));
        any = true;
        char *path = safe_text(in->path);
        fprintf(out, "  %s  %s\n  %*s  md5 %s\n", in->sha256, path, 64, "", in->md5);
        free(path);
    }
}

/* --declare: categories the examiner knows from the source system, not detected. */
static void print_declared(FILE *out, const pt_scan_result *r, const pt_policy *pol)
{
    bool any = false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        if (!in->declared) continue;
        if (!any) print_heading(out, "Declared provenance (--declare; added to every piece of the input, not detected):");
        any = true;
        char *path = safe_text(in->path);
        fprintf(out, "  %s:", path);
        free(path);
        for (size_t k = 0; k < pol->n_categories; k++)
            if (in->declared >> k & 1) fprintf(out, " %s", pol->categories[k]);
        fputc('\n', out);
    }
}

/* The path as the inputs table shows it; a part of a split file (scan --shard
 * --split-above) says which and where its text lies. NULL: the path as it is. */
static char *part_label(const pt_scan_result *r, const pt_input_result *in)
{
    if (in->parts < 2) return NULL;
    numbufs nb = {.next = 0};
    char range[128] = "";
    if (in->text_from_known)
        snprintf(range, sizeof range, "%s %s %s %s", T(", text bytes", "，文本字节"),
                 u64s(&nb, in->text_from), T("to", "至"), u64s(&nb, in->text_bytes));
    const char *path = in->path ? in->path : "";
    size_t n = strlen(path) + sizeof range + 64;
    char *label = pt_xmalloc(n);
    if (r->lang && !strcmp(r->lang, "zh"))
        snprintf(label, n, "%s（第 %u 部分，共 %u 部分%s）", path, in->part + 1, in->parts, range);
    else
        snprintf(label, n, "%s (part %u of %u%s)", path, in->part + 1, in->parts, range);
    return label;
}

static void print_inputs(FILE *out, const pt_scan_result *r, const pt_policy *pol)
{
    numbufs nb = {.next = 0};
    static const char *const heads[] = {"Path", "Status", "Compression", "Encoding", "Format",
                                        ">Bytes", ">Records", ">Raw", ">Distinct", ">Errors"};
    table t;
    table_init(&t, 10, heads);
    size_t n_errors = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        char *label = part_label(r, in);
        const char *row[] = {label ? label : in->path ? in->path : "", pt_input_status(in),
                             in->compression ? in->compression : "-",
                             in->encoding ? in->encoding : "-", in->format ? in->format : "-",
                             u64s(&nb, in->bytes), u64s(&nb, in->counts.records),
                             u64s(&nb, in->counts.pieces.raw), u64s(&nb, in->counts.pieces.distinct),
                             u64s(&nb, in->errors.n)};
        table_row(&t, row);
        free(label);
        n_errors += in->errors.n;
    }
    print_heading(out, T("Inputs (pieces raw / distinct within each input):", "检材（各检材内的原始/去重条数）："));
    table_print(out, &t, 2);
    table_free(&t);
    print_declared(out, r, pol);
    print_hashes(out, r);
    if (!n_errors) return;
    print_heading(out, T("Errors:", "错误："));
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        char *path = safe_text(in->path);
        for (size_t k = 0; k < in->errors.n; k++) {
            char *kind = safe_text(in->errors.v[k].kind);
            char *msg = safe_text(in->errors.v[k].message);
            if (in->errors.v[k].line)   /* the line first: where an examiner looks */
                fprintf(out, "  %s: %s at line %" PRIu64 " (offset %s): %s\n", path, kind,
                        in->errors.v[k].line, u64s(&nb, in->errors.v[k].offset), msg);
            else
                fprintf(out, "  %s: %s at offset %s: %s\n", path, kind,
                        u64s(&nb, in->errors.v[k].offset), msg);
            free(kind);
            free(msg);
        }
        free(path);
    }
}

/* Column-level evidence: per input, the columns that matter (with a category, or with
 * a pattern disabled), one line each. */
/* The record shapes of one input that hold or are partial, with their columns. */
static void print_shapes(FILE *out, const pt_colstats *t, const pt_patterns *ps)
{
    for (size_t k = 0; k < ps->n_shapes && k < PT_MAX_SHAPES; k++) {
        if (!t->shape_why[k]) continue;
        char *why = safe_text(t->shape_why[k]);
        fprintf(out, "    record shape %s %s: %s\n", ps->shapes[k].id,
                t->shapes_hold >> k & 1 ? "holds" : "partial (its values are doubt)", why);
        free(why);
    }
}

/* ", fill 12.5%": printf's "%.1f" but for the common ends (a full column, an empty one),
 * whose text is known without it (100.0 * n / n is exactly 100). */
static void put_fill(FILE *out, uint64_t fill, uint64_t records)
{
    if (records && fill == records) {
        fputs_unlocked(", fill 100.0%", out);
    } else if (!records || !fill) {
        fputs_unlocked(", fill 0.0%", out);
    } else {
        char b[48];
        snprintf(b, sizeof b, ", fill %.1f%%", 100.0 * (double)fill / (double)records);
        fputs_unlocked(b, out);
    }
}

/* One column's line of the Columns section: a report of 10,000 small inputs has ~90,000,
 * so its pieces go out with fputs, not parsed from a format each time. */
static void print_column_line(FILE *out, numbufs *nb, const pt_input_result *in,
                              const pt_column *c, const pt_colview *v, const pt_policy *pol,
                              const pt_patterns *ps, char *name, size_t name_len, char *why,
                              size_t why_len)
{
    pt_colview_name(c, name, name_len);
    char *sname = safe_text(name);
    fputs_unlocked("    ", out);
    if (c->position >= 0) {
        fputc_unlocked('#', out);
        fputs_unlocked(u64s_plain(nb, (uint64_t)c->position + 1), out);
        fputc_unlocked(' ', out);
    }
    fputs_unlocked(sname, out);
    fputs_unlocked(": ", out);
    free(sname);
    if (v->category >= 0) {
        const pt_column_pattern *pc = pt_colview_cell(c, v->pattern);
        fputs_unlocked(pol->categories[v->category], out);
        fputs_unlocked(" (", out);
        fputs_unlocked(ps->v[v->pattern].id, out);
        fputs_unlocked(", ", out);
        fputs_unlocked(u64s(nb, pc ? pc->accepted : 0), out);
        fputs_unlocked(" accepted)", out);
    } else {
        fputs_unlocked("no category", out);
    }
    put_fill(out, c->fill, in->counts.records);
    for (uint32_t j = 0; j < c->n_pats; j++) {
        const pt_column_pattern *cell = &c->pats[j];
        if (!cell->disabled && !(cell->judged && (int)cell->pattern == v->pattern)) continue;
        pt_colview_why(cell, &ps->v[cell->pattern], why, why_len);
        fputs_unlocked("; ", out);
        fputs_unlocked(ps->v[cell->pattern].id, out);
        fputs_unlocked(cell->disabled ? " disabled: " : " kept: ", out);
        fputs_unlocked(why, out);
    }
    fputc_unlocked('\n', out);
}

static void print_columns(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                          const pt_patterns *ps)
{
    numbufs nb = {.next = 0};
    bool any = false;
    char why[512], name[PT_COLUMN_KEY_MAX + 16];
    for (size_t i = 0; ps && i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        const pt_colstats *t = in->columns;
        if (!t || !t->n) continue;
        size_t *order = pt_xmalloc(t->n * sizeof *order);
        pt_colview_order(t, order);
        bool shown = false;
        for (size_t k = 0; k < t->n; k++) {
            const pt_column *c = &t->cols[order[k]];
            pt_colview v;
            pt_colview_of(c, ps, &v);
            if (v.category < 0 && !v.any_disabled) continue;
            if (!any) print_heading(out, "Columns (column-level evidence; columns with a category "
                                         "or a disabled pattern):");
            any = true;
            if (!shown) {
                char *path = safe_text(in->path);
                fprintf(out, "  %s\n", path);
                free(path);
                shown = true;
            }
            print_column_line(out, &nb, in, c, &v, pol, ps, name, sizeof name, why, sizeof why);
        }
        free(order);
        if (shown) print_shapes(out, t, ps);
    }
}

/* The doubt note (存疑有利于被告): pieces counted in the lower tier that the other reading
 * of the column-level evidence would put in another. */
static void print_doubt(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                        const pt_patterns *ps)
{
    numbufs nb = {.next = 0};
    pt_doubt_total *d;
    size_t n = pt_colview_doubt_totals(r, &d);
    if (n && ps) {
        print_heading(out, "Doubt (存疑有利于被告: counted in the lower tier; raw pieces that would "
                           "move under the other reading):");
        for (size_t k = 0; k < n; k++) {
            if (d[k].pattern >= ps->n) continue;
            const pt_pattern *p = &ps->v[d[k].pattern];
            if (p->shapes) {   /* a record shape only partly there (patterns/shapes.yaml) */
                fprintf(out, "  %s pieces %s -> %s: %s values, where the record shape they "
                             "need is partly there or the record lacks its parties or account\n",
                        u64s(&nb, d[k].pieces), pt_colview_tier(pol, d[k].from),
                        pt_colview_tier(pol, d[k].to), p->id);
                continue;
            }
            fprintf(out, "  %s pieces %s -> %s: %s values that pass %s, in columns where fewer "
                         "than %u%% of the sample pass it (see Columns)\n",
                    u64s(&nb, d[k].pieces), pt_colview_tier(pol, d[k].from), pt_colview_tier(pol, d[k].to),
                    p->id, p->validator_name, p->col_min_pass_percent);
        }
    }
    free(d);
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "";
}

static void print_patterns(FILE *out, const pt_scan_result *r, const pt_patterns *ps)
{
    numbufs nb = {.next = 0};
    static const char *const heads[] = {"Pattern", ">Matched", ">Rejected", "First match (masked) at input:line"};
    table t;
    table_init(&t, 4, heads);
    for (size_t i = 0; ps && i < ps->n; i++) {
        uint64_t m = r->pattern_matched ? r->pattern_matched[i] : 0;
        uint64_t x = r->pattern_rejected ? r->pattern_rejected[i] : 0;
        if (!m && !x) continue;
        const pt_sample *first;
        char where[PT_SAMPLE_VALUE_MAX + 64] = "";
        if (pt_samples_of(&r->samples, i, &first) && first->input < r->n_inputs)
            snprintf(where, sizeof where, "%s  %s:%s%" PRIu64, first->value,
                     base_name(r->inputs[first->input].path), first->line ? "" : "@",
                     first->line ? first->line : first->offset);   /* @: an offset (no line kept) */
        const char *row[] = {ps->v[i].id ? ps->v[i].id : "?", u64s(&nb, m), u64s(&nb, x), where};
        table_row(&t, row);
    }
    print_heading(out, "Patterns (rejected: masked values or failed checksums; the JSON report "
                       "lists the first matches with full paths):");
    if (t.nrows) table_print(out, &t, 2);
    else fprintf(out, "  (no matches)\n");
    table_free(&t);
}

static void print_notes(FILE *out, const pt_scan_result *r)
{
    if (!r->verdict.n_notes) return;
    print_heading(out, T("Notes:", "说明："));
    for (size_t i = 0; i < r->verdict.n_notes; i++) {
        char *note = safe_text(r->verdict.notes[i]);
        fprintf(out, "  - %s\n", note);
        free(note);
    }
}

int pt_report_text(FILE *out, const pt_scan_result *r, const pt_policy *pol,
                   const pt_patterns *ps)
{
    print_verdict(out, r, pol);
    print_tiers(out, r, pol);
    print_doubt(out, r, pol, ps);
    print_totals(out, r, pol, ps);
    print_baseline(out, r, pol);
    print_inputs(out, r, pol);
    print_columns(out, r, pol, ps);
    print_patterns(out, r, ps);
    print_notes(out, r);
    print_run(out, r);
    fprintf(out, "%s", T("\nA sizing aid that shows its evidence, not a court: "
                         "distinct counts drop exact duplicates and invalid values (Art. 11).\n",
                         "\n本报告为数量统计辅助材料，不代替司法认定：去重条数已剔除完全重复及校验不通过的信息（第十一条）。\n"));
    return ferror(out) ? -1 : 0;
}
