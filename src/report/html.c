/* html.c - the attachable report (--html FILE): one self-contained HTML file, with no
 * script, no network access and no external asset (inline CSS, inline SVG charts), that
 * prints cleanly to A4 (Chromium's --print-to-pdf makes the attachment). In Chinese with
 * --lang zh, using the Interpretation's own terms from the policy (labels_zh).
 *
 * Order, as an expert opinion reads: the verdict and its grounds; each tier against its
 * threshold and the combined ratio against the 1x and 10x marks; the doubt note (pieces
 * counted in the lower tier that another reading would move); categories; subjects and
 * the identifier that decided each; the inputs with their custody hashes and status;
 * errors; the record shapes that hold or are partial in each input, with the columns that
 * filled their roles; the first masked matches per pattern; the run record. Values are
 * the masked samples only: the file is meant to leave the lab. Everything from the data
 * or the file system is escaped. */
#include "pitally/report.h"
#include "pitally/columns.h"
#include "pitally/patterns.h"
#include "colview.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    FILE *out;
    bool zh;
    const pt_scan_result *r;
    const pt_policy *pol;
    const pt_patterns *ps;
} page;

static const char *T(const page *p, const char *en, const char *zh)
{
    return p->zh ? zh : en;
}

const char pt_html_style[] =
    "@page { size: A4; margin: 16mm 14mm; }\n"
    "body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif;"
    " font-size: 10.5pt; color: #111; max-width: 190mm; margin: 0 auto; }\n"
    "h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt;"
    " border-bottom: 1px solid #999; break-after: avoid; }\n"
    "table { border-collapse: collapse; width: 100%; font-size: 9pt; }\n"
    "th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }\n"
    "td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
    "tr { break-inside: avoid; } .hash { font-family: monospace; font-size: 7.5pt; word-break: break-all; }\n"
    ".verdict { border: 2px solid #333; padding: 6pt 10pt; margin: 6pt 0; }\n"
    ".level { font-size: 15pt; font-weight: bold; } .none { color: #235; } .serious { color: #a40; }"
    " .especially_serious { color: #a00; }\n"
    ".note { color: #444; font-size: 9pt; } svg text { font-size: 9px; font-family: sans-serif; }\n";

void pt_html_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t') fprintf(out, "&#x%x;", (unsigned char)*s);
            else fputc(*s, out);
        }
    }
}

static const char *level_name(const page *p, pt_level l)
{
    switch (l) {
    case PT_LEVEL_SERIOUS: return T(p, "Serious (情节严重)", "情节严重");
    case PT_LEVEL_ESPECIALLY_SERIOUS: return T(p, "Especially serious (情节特别严重)", "情节特别严重");
    default: return T(p, "Below every standard (未达情节严重)", "未达情节严重");
    }
}

static const char *category_name(const page *p, size_t c)
{
    return p->zh && p->pol->category_zh[c] ? p->pol->category_zh[c] : p->pol->categories[c];
}

static const char *tier_label(const page *p, size_t t)
{
    return p->zh && p->pol->tiers[t].label_zh ? p->pol->tiers[t].label_zh : p->pol->tiers[t].label;
}

static void head(const page *p)
{
    FILE *o = p->out;
    fprintf(o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", p->zh ? "zh-CN" : "en");
    fprintf(o, "<title>pitally %s</title>\n", T(p, "report", "鉴定辅助报告"));
    fprintf(o, "<style>\n%s</style>\n</head>\n<body>\n", pt_html_style);
}

static void verdict_box(const page *p)
{
    FILE *o = p->out;
    const pt_verdict *v = &p->r->verdict;
    fprintf(o, "<h1>pitally — %s</h1>\n", T(p, "personal information tally", "公民个人信息数量统计"));
    fprintf(o, "<p class=\"note\">%s: ", T(p, "Policy", "适用规则"));
    pt_html_text(o, p->pol->name);
    fprintf(o, "%s</p>\n", p->r->facts.professional ? T(p, "; item (8): thresholds halved", "；第（八）项：标准减半") : "");
    fprintf(o, "<div class=\"verdict\" id=\"verdict\"><div class=\"level %s\">%s</div>\n",
            pt_level_name(v->level), level_name(p, v->level));
    if (!p->r->n_scanned)
        fprintf(o, "<p><b>%s</b></p>\n", T(p, "Nothing could be scanned: no input gave a record.",
                                         "没有可统计的数据：所有输入均未读出记录。"));
    fprintf(o, "<p>%s: ", T(p, "Grounds", "依据"));
    for (size_t i = 0; i < v->n_grounds; i++) {
        if (i) fputs(", ", o);
        pt_html_text(o, v->grounds[i]);
    }
    fprintf(o, "%s<br>%s: %.4f</p>\n", v->n_grounds ? "" : T(p, "none", "无"),
            T(p, "Combined ratio, item (6)", "第（六）项折算比例"), v->combined_ratio);
    for (size_t i = 0; i < v->n_notes; i++) {
        fputs("<p class=\"note\">", o);
        pt_html_text(o, v->notes[i]);
        fputs("</p>\n", o);
    }
    fputs("</div>\n", o);
}

/* A horizontal bar on a scale to 12x the threshold, with the 1x and 10x marks. */
static void ratio_bar(FILE *o, double y, const char *label, double ratio)
{
    const double x0 = 150, width = 480, max = 12;
    double w = (ratio > max ? max : ratio) / max * width;
    fprintf(o, "<text x=\"0\" y=\"%.0f\">", y + 11);
    pt_html_text(o, label);
    fprintf(o, "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>"
               "<text x=\"%.1f\" y=\"%.0f\">%.3f×</text>\n",
            x0, y, w < 1 && ratio > 0 ? 1 : w, ratio >= 10 ? "#a00" : ratio >= 1 ? "#d60" : "#48a",
            x0 + w + 4, y + 11, ratio);
}

static void charts(const page *p)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    size_t n = p->pol->n_tiers;
    double h = 24.0 * (double)(n + 1) + 24;
    fprintf(o, "<h2>%s</h2>\n<svg id=\"tiers\" width=\"680\" height=\"%.0f\" viewBox=\"0 0 680 %.0f\""
               " role=\"img\">\n",
            T(p, "Tiers against their thresholds (distinct pieces)", "各项信息数量与入罪标准之比（去重后条数）"), h, h);
    for (size_t t = 0; t < n; t++) ratio_bar(o, 4 + 24.0 * (double)t, p->pol->tiers[t].id, r->verdict.tier_ratio[t]);
    ratio_bar(o, 4 + 24.0 * (double)n, T(p, "combined (6)", "折算（六）"), r->verdict.combined_ratio);
    const double x0 = 150, width = 480;
    for (int m = 1; m <= 10; m += 9) {
        double x = x0 + width * m / 12.0;
        fprintf(o, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#000\" stroke-dasharray=\"3,2\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\">%d×</text>\n", x, x, h - 12, x - 6, h - 2, m);
    }
    fputs("</svg>\n<table><tr>", o);
    fprintf(o, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n", T(p, "Tier", "项"),
            T(p, "Raw", "原始条数"), T(p, "Distinct", "去重条数"), T(p, "Threshold", "标准"), T(p, "Meaning", "含义"));
    for (size_t t = 0; t < n; t++) {
        double th = r->verdict.tier_threshold[t] > 0 ? r->verdict.tier_threshold[t] : (double)p->pol->tiers[t].threshold;
        fprintf(o, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%g</td><td>",
                p->pol->tiers[t].id, r->totals.tiers[t].raw, r->totals.tiers[t].distinct, th);
        pt_html_text(o, tier_label(p, t));
        fputs("</td></tr>\n", o);
    }
    fputs("</table>\n", o);
}

/* 存疑有利于被告: the pieces counted in the lower tier that the other reading of the
 * column-level evidence or of a partial record shape would move (the JSON's
 * totals.doubt, raw pieces), with the same reasons as the text report. */
static void doubt(const page *p)
{
    FILE *o = p->out;
    pt_doubt_total *d;
    size_t n = pt_colview_doubt_totals(p->r, &d);
    if (n && p->ps) {
        fprintf(o, "<h2>%s</h2>\n<table id=\"doubt\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                T(p, "Doubt: counted in the lower tier (存疑有利于被告)", "存疑有利于被告：按较低一项计"),
                T(p, "Raw pieces", "原始条数"), T(p, "Counted → other reading", "所计 → 另一读法"),
                T(p, "Pattern", "规则"), T(p, "Why", "原因"));
        for (size_t k = 0; k < n; k++) {
            if (d[k].pattern >= p->ps->n) continue;
            const pt_pattern *pat = &p->ps->v[d[k].pattern];
            fprintf(o, "<tr><td class=\"n\">%" PRIu64 "</td><td>%s → %s</td><td>", d[k].pieces,
                    pt_colview_tier(p->pol, d[k].from), pt_colview_tier(p->pol, d[k].to));
            pt_html_text(o, pat->id);
            fputs("</td><td>", o);
            if (pat->shapes)
                fputs(T(p, "the record shape these values need is partly there, or the record lacks its parties or account (see record shapes)",
                        "该值所需的记录形态仅部分具备，或该记录缺少通信双方或账户（见记录形态）"), o);
            else if (p->zh)
                fprintf(o, "通过%s校验的值，所在列的样本中通过率低于%u%%",
                        pat->validator_name ? pat->validator_name : "?", pat->col_min_pass_percent);
            else
                fprintf(o, "values that pass %s, in columns where fewer than %u%% of the sample pass it",
                        pat->validator_name ? pat->validator_name : "?", pat->col_min_pass_percent);
            fputs("</td></tr>\n", o);
        }
        fputs("</table>\n", o);
    }
    free(d);
}

static void categories(const page *p)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    uint64_t max = 1;
    for (size_t c = 0; c < p->pol->n_categories; c++)
        if (r->totals.categories[c] > max) max = r->totals.categories[c];
    fprintf(o, "<h2>%s</h2>\n<table id=\"categories\"><tr><th>%s</th><th>%s</th><th>%s</th><th></th></tr>\n",
            T(p, "Categories (records containing each)", "信息类别（含该类信息的记录数）"), T(p, "Category", "类别"),
            T(p, "Tier", "项"), T(p, "Records", "记录数"));
    for (size_t c = 0; c < p->pol->n_categories; c++) {
        if (!r->totals.categories[c]) continue;
        fputs("<tr><td>", o);
        pt_html_text(o, category_name(p, c));
        fprintf(o, "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td><td><svg width=\"200\" height=\"10\">"
                   "<rect width=\"%.1f\" height=\"10\" fill=\"#48a\"/></svg></td></tr>\n",
                p->pol->tiers[p->pol->category_tier[c]].id, r->totals.categories[c],
                200.0 * (double)r->totals.categories[c] / (double)max);
    }
    fputs("</table>\n", o);
}

/* How many people, and which kind of identifier decided each (the JSON's subjects_by):
 * the kinds that decided any, strongest first, as the text report lists them. */
static void subjects(const page *p)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    fprintf(o, "<h2>%s</h2>\n<p id=\"subjects\">%s: %" PRIu64 "</p>\n",
            T(p, "Subjects (people, counted by their strongest identifier)", "信息主体（按最强的身份标识计人数）"),
            T(p, "Subjects", "信息主体"), r->subjects);
    if (!r->subjects || !p->ps) return;
    fprintf(o, "<table id=\"subjects_by\"><tr><th>%s</th><th>%s</th></tr>\n",
            T(p, "Identifier that decided", "决定主体的标识"), T(p, "Subjects", "人数"));
    for (size_t j = 0; j + 1 < p->ps->n_subject_kinds; j++) {
        unsigned k = p->ps->subject_kind_order[j];
        if (!r->subjects_by[k]) continue;
        fputs("<tr><td>", o);
        pt_html_text(o, p->ps->subject_kinds[k]);
        fprintf(o, "</td><td class=\"n\">%" PRIu64 "</td></tr>\n", r->subjects_by[k]);
    }
    if (r->subjects_by[0])   /* merged from a state that kept no kinds */
        fprintf(o, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
                T(p, "unknown (a state without kinds)", "未知（状态文件未记录标识种类）"), r->subjects_by[0]);
    fputs("</table>\n", o);
}

/* A part of a split file (scan --shard --split-above): which, and where its text lies. */
static void part_mark(const page *p, const pt_input_result *in)
{
    if (in->parts < 2) return;
    FILE *o = p->out;
    unsigned k = in->part + 1, n = in->parts;
    if (p->zh) fprintf(o, "<br><span class=\"part\">第 %u 部分，共 %u 部分", k, n);
    else fprintf(o, "<br><span class=\"part\">part %u of %u", k, n);
    if (in->text_from_known)
        fprintf(o, "%s %" PRIu64 " %s %" PRIu64, T(p, ", text bytes", "，文本字节"), in->text_from,
                T(p, "to", "至"), in->text_bytes);
    fputs("</span>", o);
}

static void inputs(const page *p)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    fprintf(o, "<h2>%s</h2>\n<table id=\"inputs\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>SHA-256 / MD5</th></tr>\n",
            T(p, "Inputs and custody hashes", "检材及其哈希值"), T(p, "Input", "检材"), T(p, "Status", "状态"),
            T(p, "Records", "记录数"), T(p, "Pieces raw / distinct", "条数（原始/去重）"), T(p, "Bytes", "字节"));
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        fputs("<tr><td>", o);
        pt_html_text(o, in->path);
        part_mark(p, in);
        fprintf(o, "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 " / %" PRIu64
                   "</td><td class=\"n\">%" PRIu64 "</td><td class=\"hash\">%s<br>%s</td></tr>\n",
                pt_input_status(in), in->counts.records, in->counts.pieces.raw, in->counts.pieces.distinct,
                in->bytes, in->sha256[0] ? in->sha256 : "-", in->md5[0] ? in->md5 : "");
    }
    fputs("</table>\n", o);
    bool any = false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        for (size_t k = 0; k < in->errors.n; k++) {
            if (!any) fprintf(o, "<h2>%s</h2>\n<table id=\"errors\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                              T(p, "Errors", "错误"), T(p, "Input", "检材"), T(p, "Kind", "类型"),
                              T(p, "Line (byte offset)", "行（字节偏移）"), T(p, "Message", "说明"));
            any = true;
            fputs("<tr><td>", o);
            pt_html_text(o, in->path);
            fputs("</td><td>", o);
            pt_html_text(o, in->errors.v[k].kind);
            fputs("</td><td class=\"n\">", o);
            if (in->errors.v[k].line) fprintf(o, "%" PRIu64 " ", in->errors.v[k].line);
            fprintf(o, "(%" PRIu64 ")</td><td>", in->errors.v[k].offset);
            pt_html_text(o, in->errors.v[k].message);
            fputs("</td></tr>\n", o);
        }
    }
    if (any) fputs("</table>\n", o);
}

static bool any_shape(const pt_colstats *t, size_t n_shapes)
{
    for (size_t k = 0; t && k < n_shapes && k < PT_MAX_SHAPES; k++)
        if (t->shape_why[k]) return true;
    return false;
}

/* One row per record shape that holds or is partial in an input (the JSON's
 * inputs[].shapes): the shape as patterns/shapes.yaml describes it, and the columns that
 * filled each role, or the role missing. */
static void shape_rows(const page *p, const pt_input_result *in)
{
    FILE *o = p->out;
    const pt_colstats *t = in->columns;
    for (size_t k = 0; k < p->ps->n_shapes && k < PT_MAX_SHAPES; k++) {
        if (!t->shape_why[k]) continue;
        const pt_shape *sh = &p->ps->shapes[k];
        fputs("<tr><td>", o);
        pt_html_text(o, in->path);
        fputs("</td><td>", o);
        pt_html_text(o, sh->id);
        if (sh->description) {
            fputs("<br><span class=\"note\">", o);
            pt_html_text(o, sh->description);
            fputs("</span>", o);
        }
        fprintf(o, "</td><td>%s</td><td>", t->shapes_hold >> k & 1
                ? T(p, "holds", "成立")
                : T(p, "partial: its values are doubt, counted in the lower tier",
                    "部分具备：其值存疑，按较低一项计"));
        pt_html_text(o, t->shape_why[k]);
        fputs("</td></tr>\n", o);
    }
}

static void shapes(const page *p)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    bool any = false;
    for (size_t i = 0; p->ps && i < r->n_inputs; i++) {
        if (!any_shape(r->inputs[i].columns, p->ps->n_shapes)) continue;
        if (!any)
            fprintf(o, "<h2>%s</h2>\n<table id=\"shapes\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                    T(p, "Record shapes (what columns say together)", "记录形态（多列共同判断）"),
                    T(p, "Input", "检材"), T(p, "Shape", "形态"), T(p, "Decision", "判断"),
                    T(p, "Columns by role", "各角色对应的列"));
        any = true;
        shape_rows(p, &r->inputs[i]);
    }
    if (any) fputs("</table>\n", o);
}

static void samples(const page *p, const pt_patterns *ps)
{
    FILE *o = p->out;
    const pt_scan_result *r = p->r;
    fprintf(o, "<h2>%s</h2>\n<table id=\"samples\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
            T(p, "Patterns and first matches (masked)", "匹配规则及首批样例（已脱敏）"), T(p, "Pattern", "规则"),
            T(p, "Matched", "命中"), T(p, "Rejected", "排除"), T(p, "First matches: value, input:line (byte offset)", "样例：值、检材:行（字节偏移）"));
    for (size_t i = 0; ps && i < ps->n; i++) {
        uint64_t m = r->pattern_matched ? r->pattern_matched[i] : 0;
        uint64_t x = r->pattern_rejected ? r->pattern_rejected[i] : 0;
        if (!m && !x) continue;
        fputs("<tr><td>", o);
        pt_html_text(o, ps->v[i].id);
        fprintf(o, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td>", m, x);
        const pt_sample *s;
        size_t n = pt_samples_of(&r->samples, i, &s);
        for (size_t k = 0; k < n; k++) {
            if (k) fputs("<br>", o);
            pt_html_text(o, s[k].value);
            fputs(" — ", o);
            if (s[k].input < r->n_inputs) pt_html_text(o, r->inputs[s[k].input].path);
            if (s[k].line) fprintf(o, ":%" PRIu64, s[k].line);
            fprintf(o, " (%" PRIu64 ")", s[k].offset);
        }
        fputs("</td></tr>\n", o);
    }
    fputs("</table>\n", o);
}

static void run_record(const page *p)
{
    FILE *o = p->out;
    const pt_run_record *rr = p->r->run;
    fprintf(o, "<h2>%s</h2>\n<table id=\"run\">\n", T(p, "Run record", "运行记录"));
    fprintf(o, "<tr><th>%s</th><td>pitally %s", T(p, "Tool", "工具"), PT_VERSION);
    if (rr && rr->commit) fprintf(o, " (%s)", rr->commit);
    fprintf(o, ", %u %s</td></tr>\n", p->r->threads, T(p, "threads", "线程"));
    if (rr) {
        fprintf(o, "<tr><th>%s</th><td>", T(p, "Command", "命令"));
        pt_html_text(o, rr->command);
        fprintf(o, "</td></tr>\n<tr><th>%s</th><td>%s — %s UTC</td></tr>\n<tr><th>%s</th><td>",
                T(p, "Time", "时间"), rr->started_utc, rr->ended_utc, T(p, "Host", "主机"));
        pt_html_text(o, rr->host);
        fputs("</td></tr>\n", o);
        if (rr->hash_path) {
            fprintf(o, "<tr><th>%s</th><td>", T(p, "Custody hashes", "保全哈希"));
            pt_html_text(o, rr->hash_path);
            fputs("</td></tr>\n", o);
        }
        for (size_t i = 0; i < rr->n_rule_files; i++) {
            fprintf(o, "<tr><th>%s</th><td>", T(p, "Rules", "规则文件"));
            pt_html_text(o, rr->rule_files[i].path);
            fprintf(o, "<br><span class=\"hash\">%s</span></td></tr>\n", rr->rule_files[i].sha256);
        }
        fprintf(o, "<tr><th>%s</th><td>", T(p, "Overrides", "覆盖设置"));
        for (size_t i = 0; i < rr->n_overrides; i++) {
            if (i) fputs("<br>", o);
            pt_html_text(o, rr->overrides[i]);
        }
        fprintf(o, "%s</td></tr>\n", rr->n_overrides ? "" : T(p, "none", "无"));
    }
    fputs("</table>\n", o);
    fprintf(o, "<p class=\"note\">%s</p>\n",
            T(p, "A sizing aid that shows its evidence, not a court: distinct counts drop exact duplicates and "
                 "invalid values (Art. 11). Values shown are masked.",
              "本报告为数量统计辅助材料，不代替司法认定：去重条数已剔除完全重复及校验不通过的信息（第十一条）。所示数值均已脱敏。"));
}

static int write_html(FILE *out, const pt_scan_result *r, const pt_policy *pol, const pt_patterns *ps, bool zh)
{
    page p = {out, zh, r, pol, ps};
    head(&p);
    verdict_box(&p);
    charts(&p);
    doubt(&p);
    categories(&p);
    subjects(&p);
    inputs(&p);
    shapes(&p);
    samples(&p, ps);
    run_record(&p);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}

int pt_report_html(FILE *out, const pt_scan_result *r, const pt_policy *pol, const pt_patterns *ps)
{
    return write_html(out, r, pol, ps, r->lang && !strcmp(r->lang, "zh"));
}
