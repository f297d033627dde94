/* detect.c - guessing the layout of an input from the start of its text: the format
 * and delimiter (pt_detect_dialect), and whether the first row names the columns
 * (pt_detect_header). Run once per input on the reader thread; a directory of many
 * small files pays it per file, so each pass over the sample counts (one pass for all
 * delimiter candidates, no word comparisons on lines that cannot start SQL). Also the
 * small name/parse helpers of the records API.
 */
#include "internal.h"
#include "detect_internal.h"

#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <strings.h>

#define SAMPLE_MAX (64 * 1024)
#define SAMPLE_LINES 50

static const char *const format_names[] = {"auto", "csv", "tsv", "delimited", "jsonl", "sql",
                                           "lines", "json", "blocks"};

const char *pt_format_name(pt_format f)
{
    if ((unsigned)f >= sizeof format_names / sizeof *format_names) return "auto";
    return format_names[f];
}

int pt_format_parse(const char *s, pt_format *out)
{
    static const struct { const char *name; pt_format f; } names[] = {
        {"auto", PT_FMT_AUTO}, {"csv", PT_FMT_CSV}, {"tsv", PT_FMT_TSV},
        {"delimited", PT_FMT_DELIMITED}, {"jsonl", PT_FMT_JSONL}, {"ndjson", PT_FMT_JSONL},
        {"json", PT_FMT_JSON}, {"blocks", PT_FMT_BLOCKS}, {"sql", PT_FMT_SQL}, {"lines", PT_FMT_LINES},
        {"text", PT_FMT_LINES}, {"txt", PT_FMT_LINES}};
    if (!s) return -1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    return -1;
}

int pt_header_mode_parse(const char *s, pt_header_mode *out)
{
    if (!s) return -1;
    if (strcasecmp(s, "auto") == 0) *out = PT_HEADER_AUTO;
    else if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "y") == 0 || strcasecmp(s, "true") == 0)
        *out = PT_HEADER_YES;
    else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "n") == 0 || strcasecmp(s, "false") == 0)
        *out = PT_HEADER_NO;
    else return -1;
    return 0;
}

void pt_columns_free(pt_columns *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->names[i]);
    free(c->names);
    free(c->lens);
    c->names = NULL;
    c->lens = NULL;
    c->n = 0;
}

/* ---- format ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool starts_with_ci(const char *t, size_t n, size_t p, const char *word)
{
    size_t k = strlen(word);
    return n - p >= k && strncasecmp(t + p, word, k) == 0;
}

/* The first line holds one object; not when it is the only line and wraps an array of
 * objects ({"data":[{...},{...}]} on one line is a JSON document of several records). */
static bool looks_like_jsonl(const char *t, size_t n, bool at_eof)
{
    size_t p = 0;
    while (p < n && is_blank(t[p])) p++;
    if (p >= n || t[p] != '{') return false;
    const char *nl = memchr(t + p, '\n', n - p);
    /* A first line longer than the sample: a document when an array of objects starts
     * in it ({"data":[{...},... on one line of any length), else a long JSON Lines line. */
    if (!nl && !at_eof) return !pt_json_has_record_array(t, p, n);
    size_t le = nl ? (size_t)(nl - t) : n;
    if (!pt_json_line_is_object(t + p, le - p)) return false;
    size_t q = le;
    while (q < n && is_blank(t[q])) q++;
    if (q >= n && at_eof && pt_json_has_record_array(t, p, le)) return false;
    return true;
}

/* A JSON document: '[' then an object, or '{' then a key or '}' (and not JSON Lines). */
static bool looks_like_json(const char *t, size_t n)
{
    size_t p = 0;
    while (p < n && is_blank(t[p])) p++;
    if (p >= n || (t[p] != '{' && t[p] != '[')) return false;
    char open = t[p];
    p++;
    while (p < n && is_blank(t[p])) p++;
    if (p >= n) return false;
    if (open == '{') return t[p] == '"' || t[p] == '}';
    if (t[p] != '{') return false;
    p++;
    while (p < n && is_blank(t[p])) p++;
    return p < n && (t[p] == '"' || t[p] == '}');
}

static bool contains_ci(const char *t, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(t + i, word, k) == 0) return true;
    return false;
}

/* Can a line starting with c be one that looks_like_sql looks for: a dump header
 * "--", a "/" "*" comment, CREATE / COPY, INSERT, REPLACE? Every line of the sample is
 * asked, so the others are passed over without comparing words. */
static bool may_start_sql(char c)
{
    char l = c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
    return l == '-' || l == '/' || l == 'c' || l == 'i' || l == 'r';
}

/* A dump header comment (pg_dump puts one on its second line), or CREATE TABLE / INSERT INTO starting a line outside comments. */
static bool looks_like_sql(const char *t, size_t n)
{
    static const char *const dump_headers[] = {"-- MySQL dump", "-- MariaDB dump",
                                               "-- PostgreSQL database dump",
                                               "-- Dumped from database", NULL};
    bool in_block = false;
    for (size_t line = 0; line < n;) {
        const char *nl = memchr(t + line, '\n', n - line);
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = line;
        if (in_block) {
            const char *e = memmem(t + q, le - q, "*/", 2);
            if (e) {
                in_block = false;
                q = (size_t)(e - t) + 2;
            } else {
                q = le;
            }
        }
        while (q < le && (t[q] == ' ' || t[q] == '\t')) q++;
        if (q >= le || !may_start_sql(t[q])) {   /* most lines of most inputs */
            line = le + 1;
            continue;
        }
        for (int i = 0; dump_headers[i]; i++)
            if (starts_with_ci(t, le, q, dump_headers[i])) return true;
        if (q + 1 < le && t[q] == '/' && t[q + 1] == '*') {
            const char *e = memmem(t + q + 2, le - q - 2, "*/", 2);
            if (!e) in_block = true;
        } else if (starts_with_ci(t, le, q, "CREATE TABLE") ||
                   starts_with_ci(t, le, q, "INSERT INTO") ||
                   starts_with_ci(t, le, q, "INSERT IGNORE INTO") ||
                   starts_with_ci(t, le, q, "REPLACE INTO")) {
            return true;
        } else if ((starts_with_ci(t, le, q, "INSERT [") || starts_with_ci(t, le, q, "INSERT \"")) &&
                   contains_ci(t + q, le - q, "VALUES")) {
            return true;   /* SQL Server: INSERT [dbo].[T] (...) VALUES (...) */
        } else if (starts_with_ci(t, le, q, "COPY ") && contains_ci(t + q, le - q, "FROM stdin")) {
            return true;   /* pg_dump without its header comment */
        }
        line = le + 1;
    }
    return false;
}

typedef struct {
    const char *s;
    size_t len;
} delim_candidate;

static const delim_candidate candidates[] = {
    {",", 1}, {"\t", 1}, {"|", 1}, {";", 1}, {"----", 4}, {" # ", 3}, {":", 1}};
#define N_CANDIDATES (sizeof candidates / sizeof *candidates)

/* How often each candidate occurs on one line, all in one pass over its bytes (one
 * search per candidate cost more than the rest of detection for a small file). */
enum { CAND_COMMA, CAND_TAB, CAND_PIPE, CAND_SEMI, CAND_DASHES, CAND_HASH, CAND_COLON };
_Static_assert(N_CANDIDATES == 7 && N_CANDIDATES == PT_DETECT_CANDIDATES,
               "one CAND_ index per candidate, in the table's order");

/* The candidate a byte is (its CAND_ index + 1), or QUOTE, or 0: a table, as every
 * byte of the first lines is asked. "-" starts "----"; " # " is found by its "#" (rare
 * in data, where the space is everywhere). */
enum { QUOTE = N_CANDIDATES + 1 };
static const unsigned char candidate_byte[256] = {
    [','] = CAND_COMMA + 1, ['\t'] = CAND_TAB + 1, ['|'] = CAND_PIPE + 1, [';'] = CAND_SEMI + 1,
    ['-'] = CAND_DASHES + 1, ['#'] = CAND_HASH + 1, [':'] = CAND_COLON + 1, ['"'] = QUOTE};

/* Where a line's counting stands: the candidates so far, an open quote (carried into
 * the next line), the "-" run ending at last_dash, where " # " may next start. */
typedef struct {
    size_t *counts;
    bool *in_quote;
    size_t b, e;   /* the line, t[b..e) */
    size_t dash_run, last_dash, hash_from;
} line_count;

/* A "-" at t[i]: "----" counted non-overlapping from the left ("-----" holds one). */
static void count_dash(line_count *c, size_t i)
{
    c->dash_run = c->dash_run && c->last_dash + 1 == i ? c->dash_run + 1 : 1;
    c->last_dash = i;
    if (c->dash_run == 4) {
        c->counts[CAND_DASHES]++;
        c->dash_run = 0;
    }
}

/* A "#" at t[i]: " # " around it counted non-overlapping from the left (" # # " holds
 * one), as a search for " # " finds them. */
static void count_hash(line_count *c, const char *t, size_t i)
{
    if (i > c->b && i - 1 >= c->hash_from && i + 1 < c->e && t[i - 1] == ' ' && t[i + 1] == ' ') {
        c->counts[CAND_HASH]++;
        c->hash_from = i + 2;
    }
}

/* Candidate byte t[i] counted: "," outside quotes, the others where they are. */
static void count_at(line_count *c, const char *t, size_t i)
{
    unsigned k = candidate_byte[(unsigned char)t[i]];
    if (k == QUOTE) *c->in_quote = !*c->in_quote;
    else if (k == CAND_COMMA + 1) c->counts[CAND_COMMA] += !*c->in_quote;
    else if (k == CAND_DASHES + 1) count_dash(c, i);
    else if (k == CAND_HASH + 1) count_hash(c, t, i);
    else c->counts[k - 1]++;
}

/* The scalar count of t[i..c->e). */
static void count_bytes(line_count *c, const char *t, size_t i)
{
    for (; i < c->e; i++)
        if (candidate_byte[(unsigned char)t[i]]) count_at(c, t, i);
}

#if defined(__SSE2__)
/* 16 bytes at a time (SSE2, in every x86-64): the bytes of candidate_byte found by five
 * compares, and only those counted (most bytes are none: CJK text, digits, letters;
 * the space, everywhere in text, is no longer one of them). Six of the eight come in
 * pairs that differ in the lowest bit only: "," "-" (0x2C 0x2D), '"' "#" (0x22 0x23),
 * ":" ";" (0x3A 0x3B), so one compare of the byte without that bit finds a pair. */
static void count_block(line_count *c, const char *t, size_t i)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
    __m128i pair = _mm_and_si128(v, _mm_set1_epi8((char)0xFE));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(pair, _mm_set1_epi8(0x2C)),
                               _mm_cmpeq_epi8(pair, _mm_set1_epi8(0x22)));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(pair, _mm_set1_epi8(0x3A)));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
    for (unsigned m = (unsigned)_mm_movemask_epi8(hit); m; m &= m - 1)
        count_at(c, t, i + (size_t)__builtin_ctz(m));
}
#endif

/* Counts on line t[b..e) into counts[]; *in_quote carries an open quote across lines.
 * scalar: the byte-by-byte count only (the reference the tests hold the blocks to). */
void pt_detect_count_candidates(const char *t, size_t b, size_t e, size_t counts[N_CANDIDATES],
                                bool *in_quote, bool scalar)
{
    line_count c = {.counts = counts, .in_quote = in_quote, .b = b, .e = e, .hash_from = b};
    size_t i = b;
#if defined(__SSE2__)
    for (; !scalar && e - i >= 16; i += 16) count_block(&c, t, i);
#else
    (void)scalar;
#endif
    count_bytes(&c, t, i);
}

/* One candidate's lines: how many, how many carry it, and how many carry it how often. */
enum { MAXC = 64 };
typedef struct {
    size_t hist[MAXC + 1], lines, with;
} delim_tally;

static void tally_line(delim_tally *s, size_t count)
{
    s->lines++;
    if (count) s->with++;
    s->hist[count > MAXC ? MAXC : count]++;
}

/* How consistent a candidate is: the number of lines carrying its most common non-zero
 * count, or 0 when it does not qualify (it must be on most lines and that count on more
 * than half of them). */
static size_t tally_score(const delim_tally *s)
{
    if (s->lines == 0 || s->with * 2 <= s->lines) return 0;
    size_t best = 0;
    for (size_t c = 1; c <= MAXC; c++)
        if (s->hist[c] > best) best = s->hist[c];
    return best * 2 > s->lines ? best : 0;
}

/* The candidates over the first SAMPLE_LINES complete non-blank lines. A "," record
 * may span lines (a quoted newline): its count is the whole record's, and its lines
 * are records, so "," may read further than the others. */
static void tally_candidates(const char *t, size_t n, bool at_eof, delim_tally tally[N_CANDIDATES])
{
    bool in_quote = false;
    size_t pending = 0;   /* count of a CSV record spanning lines */
    for (size_t p = 0; p < n;) {
        bool comma_open = tally[CAND_COMMA].lines < SAMPLE_LINES;
        bool others_open = tally[CAND_TAB].lines < SAMPLE_LINES;
        if (!comma_open && !others_open) break;
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;   /* incomplete last line */
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = p;
        while (q < le && is_blank(t[q])) q++;
        bool comma_counts = comma_open && (q < le || in_quote);
        bool others_count = others_open && q < le;
        if (comma_counts || others_count) {
            size_t counts[N_CANDIDATES] = {0};
            pt_detect_count_candidates(t, p, le, counts, &in_quote, false);
            if (comma_counts) {
                pending += counts[CAND_COMMA];
                if (!in_quote) {
                    tally_line(&tally[CAND_COMMA], pending);
                    pending = 0;
                }
            }
            for (size_t i = 1; others_count && i < N_CANDIDATES; i++) tally_line(&tally[i], counts[i]);
        }
        p = le + 1;
    }
}

/* The best delimiter candidate (the first of the best scores), or -1. */
static int best_delimiter(const char *t, size_t n, bool at_eof)
{
    delim_tally tally[N_CANDIDATES];
    memset(tally, 0, sizeof tally);
    tally_candidates(t, n, at_eof, tally);
    int best = -1;
    size_t best_score = 0;
    for (size_t i = 0; i < N_CANDIDATES; i++) {
        size_t sc = tally_score(&tally[i]);
        if (sc > best_score) {
            best_score = sc;
            best = (int)i;
        }
    }
    return best;
}

/* ---- combo lists ------------------------------------------------------------------ *
 * A credential list (撞库 combo list: "account:password", "account----password") has two
 * fields on every line and looks delimited. Split, its lines lose what makes them
 * account passwords (the combo patterns see the whole line), so such a file is read as
 * lines. It is one when most sample lines are one account (an e-mail address, a mobile
 * or QQ number; after "----" also a user name), the delimiter once, and a password of 3
 * to 64 printable ASCII characters. */

static bool is_email_account(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || n > 100) return false;
    size_t rest = n - (size_t)(at - s) - 1;
    const char *dot = memchr(at + 1, '.', rest);
    if (!dot || dot == at + 1 || dot == s + n - 1) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

static bool is_number_account(const char *s, size_t n)
{
    size_t i = n && s[0] == '+' ? 1 : 0;
    if (n - i < 5 || n - i > 13) return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static bool is_user_name(const char *s, size_t n)
{
    if (n < 3 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '_' && c != '.') return false;   /* ASCII, whatever the locale */
    }
    return true;
}

static bool is_password(const char *s, size_t n)
{
    if (n < 3 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* line t[b..e) is "account<d>password" with d once. */
static bool combo_line(const char *t, size_t b, size_t e, const delim_candidate *d)
{
    while (e > b && (t[e - 1] == '\r' || t[e - 1] == ' ')) e--;
    const char *hit = memmem(t + b, e - b, d->s, d->len);
    if (!hit) return false;
    size_t a_len = (size_t)(hit - (t + b)), p = a_len + d->len;
    if (memmem(hit + d->len, e - b - p, d->s, d->len)) return false;
    const char *acc = t + b;
    bool account = is_email_account(acc, a_len) || is_number_account(acc, a_len) ||
                   (d->len == 4 && is_user_name(acc, a_len));
    return account && is_password(t + b + p, e - b - p);
}

static bool looks_like_combo_list(const char *t, size_t n, bool at_eof, const delim_candidate *d)
{
    if (!(d->len == 1 && (d->s[0] == ':' || d->s[0] == '|' || d->s[0] == ';')) && d->len != 4)
        return false;
    size_t lines = 0, combos = 0;
    for (size_t p = 0; p < n && lines < SAMPLE_LINES;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;
        size_t le = nl ? (size_t)(nl - t) : n;
        size_t q = p;
        while (q < le && is_blank(t[q])) q++;
        if (q < le) {
            lines++;
            combos += combo_line(t, q, le, d);
        }
        p = le + 1;
    }
    return lines > 0 && combos * 5 >= lines * 4;   /* 80% */
}

static void set_delim(pt_dialect *d, const char *s, size_t len)
{
    memset(d->delim, 0, sizeof d->delim);
    memcpy(d->delim, s, len);
    d->delim_len = len;
}

static pt_format format_for_delim(const pt_dialect *d)
{
    if (d->delim_len == 1 && d->delim[0] == ',') return PT_FMT_CSV;
    if (d->delim_len == 1 && d->delim[0] == '\t') return PT_FMT_TSV;
    return PT_FMT_DELIMITED;
}

pt_dialect pt_detect_dialect(const char *sample, size_t n, bool at_eof, pt_dialect forced)
{
    pt_dialect d = forced;
    if (d.delim_len > 7) d.delim_len = 7;
    if (!sample) n = 0;
    if (n > SAMPLE_MAX) {
        n = SAMPLE_MAX;
        at_eof = false;
    }
    if (d.format == PT_FMT_AUTO && d.delim_len) {
        d.format = format_for_delim(&d);
        return d;
    }
    if (d.format == PT_FMT_AUTO) {
        if (looks_like_jsonl(sample, n, at_eof)) d.format = PT_FMT_JSONL;
        else if (looks_like_json(sample, n)) d.format = PT_FMT_JSON;
        else if (looks_like_sql(sample, n)) d.format = PT_FMT_SQL;
        else if (pt_blocks_detect(sample, n, at_eof)) d.format = PT_FMT_BLOCKS;
    }
    if (d.format == PT_FMT_JSON) d.json_wrapper = pt_json_detect_wrapper(sample, n);
    if (d.format == PT_FMT_JSONL || d.format == PT_FMT_SQL || d.format == PT_FMT_LINES ||
        d.format == PT_FMT_JSON || d.format == PT_FMT_BLOCKS)
        return d;
    if (d.delim_len) return d;
    /* CSV, TSV, DELIMITED without a delimiter, or AUTO still undecided. */
    if (d.format == PT_FMT_CSV) {
        set_delim(&d, ",", 1);
        return d;
    }
    if (d.format == PT_FMT_TSV) {
        set_delim(&d, "\t", 1);
        return d;
    }
    int best = best_delimiter(sample, n, at_eof);
    if (d.format == PT_FMT_DELIMITED) {
        const delim_candidate *c = &candidates[best >= 0 ? best : 2];   /* default "|" */
        set_delim(&d, c->s, c->len);
        return d;
    }
    if (best < 0 || looks_like_combo_list(sample, n, at_eof, &candidates[best])) {
        d.format = PT_FMT_LINES;
        return d;
    }
    set_delim(&d, candidates[best].s, candidates[best].len);
    d.format = format_for_delim(&d);
    return d;
}

/* ---- header ---- */

static bool looks_like_data(const char *v, size_t len)
{
    size_t digits = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (c == '@') return true;
        if (c >= '0' && c <= '9') digits++;
        else if (!(c == '-' || c == '+' || c == '.' || c == ',' || c == ' ')) other++;
    }
    return digits >= 5 || (digits > 0 && other == 0);
}

/* A letter: ASCII alpha or any non-ASCII character (CJK and the like). */
static bool has_letter(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
        if (c >= 0xC0) return true;
    }
    return false;
}

/* Layout hints only: words that name personal-data columns in leaked tables. */
static const char *const column_words[] = {
    "name", "phone", "mobile", "tel", "id", "email", "mail", "addr", "card", "password",
    "passwd", "pwd", "user", "account", "qq", "wechat", "gender", "sex", "birth", "age",
    "city", "province", "company", "zip", "姓名", "名字", "手机", "电话", "身份证", "证件",
    "邮箱", "地址", "卡号", "密码", "账号", "用户", "性别", "生日", "出生", "年龄", "籍贯",
    "单位", "公司", "车牌"};
#define N_COLUMN_WORDS (sizeof column_words / sizeof *column_words)
_Static_assert(N_COLUMN_WORDS <= 64, "a word set fits a uint64_t");

/* Does a cell contain one of column_words (ASCII case ignored)? Every cell of the first
 * lines of every input is asked, so words are found by their first byte: at each
 * position only the words starting with that byte are compared. */
static uint64_t words_by_first[256];   /* bit w: column_words[w] starts with the byte */
static size_t word_len[N_COLUMN_WORDS];
static pthread_once_t words_once = PTHREAD_ONCE_INIT;

static void index_words(void)
{
    for (size_t w = 0; w < N_COLUMN_WORDS; w++) {
        word_len[w] = strlen(column_words[w]);
        words_by_first[(unsigned char)column_words[w][0]] |= 1ull << w;
    }
}

static bool has_column_word(const char *v, size_t len)
{
    pthread_once(&words_once, index_words);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        uint64_t m = words_by_first[c >= 'A' && c <= 'Z' ? c | 0x20 : c];
        for (; m; m &= m - 1) {
            size_t w = (size_t)__builtin_ctzll(m);
            if (i + word_len[w] <= len && strncasecmp(v + i, column_words[w], word_len[w]) == 0)
                return true;
        }
    }
    return false;
}

static void trim(const char **v, size_t *len)
{
    while (*len && is_blank((*v)[0])) {
        (*v)++;
        (*len)--;
    }
    while (*len && is_blank((*v)[*len - 1])) (*len)--;
}

static bool row_has_data(const pt_record *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->fields[i].val;
        size_t l = r->fields[i].val_len;
        trim(&v, &l);
        if (looks_like_data(v, l)) return true;
    }
    return false;
}

static bool first_row_is_header(const pt_record *first, const pt_record *second, bool have_second)
{
    bool letter = false, word = false;
    for (size_t i = 0; i < first->n; i++) {
        const char *v = first->fields[i].val;
        size_t l = first->fields[i].val_len;
        trim(&v, &l);
        if (looks_like_data(v, l)) return false;
        letter |= has_letter(v, l);
        word |= has_column_word(v, l);
    }
    if (!letter) return false;
    return word || (have_second && row_has_data(second));
}

static void fill_columns(const pt_record *r, pt_columns *cols)
{
    cols->n = r->n;
    cols->names = pt_xcalloc(r->n ? r->n : 1, sizeof *cols->names);
    cols->lens = pt_xcalloc(r->n ? r->n : 1, sizeof *cols->lens);
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->fields[i].val;
        size_t l = r->fields[i].val_len;
        trim(&v, &l);
        cols->names[i] = pt_xstrndup(v, l);
        cols->lens[i] = l;
    }
}

/* Fields of r that hold more than blanks. */
static size_t non_empty_fields(const pt_record *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->fields[i].val;
        size_t l = r->fields[i].val_len;
        trim(&v, &l);
        k += l > 0;
    }
    return k;
}

/* The row at sample[off..n) into *r (iterated by it), *end after it; false when there
 * is none or it is not known to be complete. */
static bool read_row(pt_reciter *it, const pt_dialect *d, const char *sample, size_t n,
                     bool at_eof, size_t off, pt_record *r, size_t *end)
{
    pt_chunk_view view = {.text = sample + off, .len = n - off, .dialect = *d};
    pt_reciter_reset(it, &view);
    if (pt_reciter_next(it, r) != 1) return false;
    size_t e = off + it->pos;
    if (!(at_eof || (e > off && sample[e - 1] == '\n'))) return false;
    *end = e;
    return true;
}

/* Title rows above the header (an exported report: "客户名单（2023年）", a date line,
 * blank lines) have at most one non-blank field; up to this many are passed over. */
#define MAX_TITLE_ROWS 5

size_t pt_detect_header(const pt_dialect *d, const char *sample, size_t n, bool at_eof,
                        pt_header_mode mode, pt_columns *cols)
{
    if (mode == PT_HEADER_NO || !sample || !n) return 0;
    if (d->format != PT_FMT_CSV && d->format != PT_FMT_TSV && d->format != PT_FMT_DELIMITED)
        return 0;
    /* Two iterators, so that a row's fields stay valid while the next one is read. */
    pt_reciter *first_it = pt_reciter_new(), *second_it = pt_reciter_new();
    pt_record first, second;
    size_t consumed = 0, off = 0;
    first_it->keep_empty = true;
    /* Rows of several fields near the start: then one field names no column. */
    bool several = false;
    pt_chunk_view view = {.text = sample, .len = n, .dialect = *d};
    pt_reciter_reset(first_it, &view);
    for (int row = 0; row < MAX_TITLE_ROWS + 2 && !several; row++) {
        if (pt_reciter_next(first_it, &first) != 1) break;
        several = first.n >= 2;
    }
    for (int row = 0; row <= MAX_TITLE_ROWS; row++) {
        size_t end, end2;
        if (!read_row(first_it, d, sample, n, at_eof, off, &first, &end)) break;
        bool have_second = read_row(second_it, d, sample, n, at_eof, end, &second, &end2);
        /* A row with one filled field at most may be a title. The header names two
         * columns at least, unless no row near the start has two (a one-column file). */
        bool one = non_empty_fields(&first) <= 1;
        bool may_name = !(one && several);
        if (mode == PT_HEADER_YES ||
            (may_name && first_row_is_header(&first, &second, have_second))) {
            fill_columns(&first, cols);
            consumed = end;
            break;
        }
        if (!one) break;
        off = end;
    }
    pt_reciter_free(first_it);
    pt_reciter_free(second_it);
    return consumed;
}
