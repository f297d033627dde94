/* test_fastpath.c - the scanner's fast path (src/classify/fastpath.h) never changes a
 * count: the token facts read off regex sources are checked by hand, the token checks
 * against PCRE2 itself, and whole records of the shipped pattern set are classified
 * twice, by the fast path and by the scanner's reference mode (every candidate regex on
 * every field, no prefilter), which must agree in every class, fingerprint and
 * per-pattern count. The generated fields mix what the patterns look for (valid and
 * broken IDs, cards, mobiles, e-mails, plates) with look-alikes, separators, Han text and
 * fullwidth digits, which PCRE2's UCP \d matches. Run from the repository root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/classify.h"
#include "../../src/classify/fastpath.h"

static pt_policy pol;
static pt_patterns ps;

/* ---- a deterministic generator ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

typedef struct {
    char b[512];
    size_t n;
} text;

static void put(text *t, const char *s)
{
    size_t k = strlen(s);
    if (t->n + k < sizeof t->b) {
        memcpy(t->b + t->n, s, k);
        t->n += k;
    }
    t->b[t->n] = 0;
}

static void put_digits(text *t, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        char d[2] = {(char)('0' + rnd(10)), 0};
        put(t, d);
    }
}

/* An 18-character resident ID with a correct GB 11643 check character (or not). */
static void put_id(text *t, bool valid)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char id[40];
    snprintf(id, sizeof id, "%u%05u%04u%02u%02u%03u", 1 + rnd(8), rnd(100000), 1950 + rnd(70),
             1 + rnd(12), 1 + rnd(28), rnd(1000));
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (id[i] - '0') * w[i];
    id[17] = "10X98765432"[sum % 11];
    if (!valid) id[17] = id[17] == '0' ? '1' : '0';
    id[18] = 0;
    if (rnd(4) == 0 && id[17] == 'X') id[17] = 'x';
    put(t, id);
}

/* A card number with a correct Luhn digit (or not), on a real issuer prefix. */
static void put_card(text *t, bool valid, bool spaced)
{
    static const char *const prefixes[] = {"62", "4", "51", "35", "60", "9558"};
    char c[24];
    size_t len = 16 + rnd(4);
    snprintf(c, sizeof c, "%s", prefixes[rnd(6)]);
    size_t k = strlen(c);
    while (k < len - 1) c[k++] = (char)('0' + rnd(10));
    int sum = 0;
    for (size_t i = 0; i < len - 1; i++) {
        int d = c[len - 2 - i] - '0';
        if (i % 2 == 0) { d *= 2; if (d > 9) d -= 9; }
        sum += d;
    }
    c[len - 1] = (char)('0' + (10 - sum % 10) % 10);
    if (!valid) c[len - 1] = c[len - 1] == '0' ? '1' : '0';
    c[len] = 0;
    if (!spaced) {
        put(t, c);
        return;
    }
    for (size_t i = 0; i < len; i += 4) {
        char part[5] = {0};
        memcpy(part, c + i, len - i < 4 ? len - i : 4);
        if (i) put(t, rnd(2) ? " " : "-");
        put(t, part);
    }
}

static void put_piece(text *t)
{
    static unsigned letters = 7;
    static const char *const han[] = {"省", "市", "区", "路", "号", "张", "王", "京", "粤", "沪",
                                      "收件人", "广东省深圳市南山区科技园路", "·"};
    static const char *const junk[] = {"-", " ", "+", "@", ".", "_", ":", "(", ")", ",", "*",
                                       "＊", "１", "８", "３", "X", "x", "D", "E", "G", "A",
                                       "wxid_", "qq.com", "\t", "　"};
    static const char *const labels[] = {"身份证号：", "订单号:", "QQ:", "qq ", "微信：", "wechat ",
                                         "护照号 ", "IP:", "imei ", "运单号", "----", ":", "|",
                                         "姓名：", "出生日期 ", "ICD-10 ", "通行证"};
    if (rnd(6) == 0) put(t, labels[rnd(sizeof labels / sizeof labels[0])]);
    switch (rnd(14)) {
    case 0: put_id(t, rnd(5) != 0); break;
    case 1: put_card(t, rnd(5) != 0, rnd(4) == 0); break;
    case 2:   /* a mobile number, maybe masked, fullwidth or with separators */
        put(t, rnd(6) == 0 ? "+86 " : "");
        put(t, "1");
        put_digits(t, 1);
        put(t, rnd(5) == 0 ? "８" : "");
        put_digits(t, 1);
        put(t, rnd(5) == 0 ? "****" : rnd(5) == 0 ? "-" : "");
        put_digits(t, 8 + rnd(3) - 1);
        break;
    case 3:   /* an e-mail, maybe masked; random letters (their own generator, so the
               * other tests' fields stay the same) try the class projection */
        letters = letters * 1103515245u + 12345u;
        if ((letters >> 16) % 2) {
            for (unsigned i = 0, len = 1 + (letters >> 8) % 12; i < len; i++) {
                letters = letters * 1103515245u + 12345u;
                char c[2] = {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[(letters >> 16) % 52], 0};
                put(t, c);
            }
        }
        put(t, rnd(2) ? "Zhang.San" : "abc");
        put(t, rnd(5) == 0 ? "**" : "");
        put_digits(t, rnd(6));
        put(t, "@");
        put(t, rnd(2) ? "qq.com" : "mail.example.CN");
        break;
    case 4: put_digits(t, 1 + rnd(22)); break;
    case 5: put(t, han[rnd(13)]); break;
    case 6: put(t, junk[rnd(25)]); break;
    case 7:   /* a plate or a VIN-like token */
        if (rnd(2)) {
            put(t, rnd(2) ? "京" : "粤");
            put(t, rnd(2) ? "A" : "B");
            put_digits(t, 5);
        } else {
            for (int i = 0; i < 17; i++) {
                char c[2] = {"0123456789ABCDEFGHJKLMNPRSTUVWXYZ"[rnd(33)], 0};
                put(t, c);
            }
        }
        break;
    case 8: put(t, "0755-"); put_digits(t, 7 + rnd(2)); break;
    case 9: put(t, rnd(2) ? "E" : "G"); put_digits(t, 8); break;
    case 10: put(t, "2024-04-08 03:17:53"); break;
    case 11: put(t, "DD"); put_digits(t, 18 + rnd(3)); break;
    case 12: put(t, "9"); put_digits(t, 1); put(t, "44030"); put(t, "0MA5"); put_digits(t, 8); break;
    default: put(t, "192.168.1."); put_digits(t, 1 + rnd(3)); break;
    }
}

static void make_field(text *t)
{
    t->n = 0;
    t->b[0] = 0;
    unsigned parts = 1 + rnd(4);
    for (unsigned i = 0; i < parts; i++) put_piece(t);
    if (rnd(10) == 0) put(t, " ");
}

/* ---- token facts, by hand ---- */

static void test_token_facts_by_hand(void)
{
    pt_token_facts t;
    pt_source_token_facts("(?<![0-9A-Za-z])[1-8]\\d{5}(?![0-9A-Za-z])", &t);
    CHECK(t.ok);
    CHECK_EQ(t.min, 6);
    CHECK_EQ(t.max_chars, 6);
    CHECK_EQ(t.max_bytes, 1 + 5 * 4);   /* \d matches fullwidth digits under UCP */
    CHECK(pt_bits_has(t.before, 'a') && pt_bits_has(t.before, '7') && !pt_bits_has(t.before, '-'));
    CHECK(pt_bits_has(t.after, 'Z') && !pt_bits_has(t.after, ' '));
    CHECK(pt_bits_has(t.set, '8') && pt_bits_has(t.set, 0xEF) && !pt_bits_has(t.set, 'a'));
    CHECK(!pt_bits_has(t.set, 0xE5));   /* a Han lead byte is never part of a digit */

    pt_source_token_facts("(?:ab|c)+x{2,3}", &t);
    CHECK(t.ok);
    CHECK_EQ(t.min, 3);
    CHECK_EQ(t.max_chars, UINT32_MAX);
    CHECK(!pt_bits_has(t.before, 'a'));   /* no lookbehind: nothing blocks */

    pt_source_token_facts("[0-9]{2,4}-?[A-Z]", &t);
    CHECK(t.ok);
    CHECK_EQ(t.min, 3);
    CHECK_EQ(t.max_chars, 6);
    CHECK_EQ(t.max_bytes, 6);

    /* a lookbehind that is not one class, top-level alternation, "{,n}" (literal text
     * before PCRE2 10.43), \w (Han under UCP), unknown escapes */
    pt_source_token_facts("(?<![0-9]|x)\\d{3}", &t);   /* one-character branches: both block */
    CHECK(t.ok);
    CHECK(pt_bits_has(t.before, '5') && pt_bits_has(t.before, 'x'));
    pt_source_token_facts("(?<![0-9A-Za-z]|\\d\\.)\\d{3}(?![0-9A-Za-z]|\\.\\d)", &t);
    CHECK(t.ok);
    CHECK(pt_bits_has(t.before, 'q') && !pt_bits_has(t.before, '.'));   /* "5." is two */
    CHECK(pt_bits_has(t.after, '0') && !pt_bits_has(t.after, '.'));
    pt_source_token_facts("(?<!(?:ab|c))\\d{3}", &t);
    CHECK(t.ok && !pt_bits_has(t.before, 'c'));   /* a nested group: left out */
    pt_source_token_facts("(?<!x)\\d{3}|(?<!y)[a-z]{4}", &t);
    CHECK(t.ok);
    CHECK(!pt_bits_has(t.before, 'x'));
    CHECK_EQ(t.max_chars, 4);
    pt_source_token_facts("a{,5}", &t);
    CHECK(!t.ok);
    pt_source_token_facts("\\w{2}", &t);
    CHECK(t.ok && pt_bits_has(t.set, 0xE5));
    pt_source_token_facts("\\s\\d", &t);
    CHECK(!t.ok);
    pt_source_token_facts("(?i)abc", &t);
    CHECK(!t.ok);
    /* the lookbehind keeps its ASCII members, drops the fullwidth one */
    pt_source_token_facts("(?<![0-9*＊])1\\d{3}", &t);
    CHECK(t.ok && pt_bits_has(t.before, '*') && !pt_bits_has(t.before, 0xEF));
}

/* Non-ASCII atoms: UTF-8 literals, classes of Han items and ranges, \p{Han}. */
static void test_token_facts_non_ascii(void)
{
    pt_token_facts t;
    pt_source_token_facts("房权证\\d{3}号", &t);
    CHECK(t.ok);
    CHECK_EQ(t.min, 3 * 3 + 3 + 3);   /* literal characters count their bytes */
    CHECK_EQ(t.max_chars, 7);
    CHECK(pt_bits_has(t.set, 0xE6) && pt_bits_has(t.set, 0x88) && pt_bits_has(t.set, '5'));
    CHECK(!pt_bits_has(t.set, 'a') && !pt_bits_has(t.set, 0xE4));   /* 房 权 证 号: E6 E6 E8 E5 */
    pt_source_token_facts("[王李·]\\p{Han}{1,3}", &t);
    CHECK(t.ok);
    CHECK_EQ(t.min, 2);
    CHECK_EQ(t.max_bytes, 4 * 4);
    CHECK(pt_bits_has(t.set, 0xC2) && pt_bits_has(t.set, 0xB7));   /* · is C2 B7 */
    CHECK(pt_bits_has(t.set, 0xE9) && !pt_bits_has(t.set, '1') && !pt_bits_has(t.set, ' '));
    pt_source_token_facts("[一-龥]{2}", &t);   /* a range: lead bytes E4 to E9 */
    CHECK(t.ok && pt_bits_has(t.set, 0xE7) && !pt_bits_has(t.set, 0xE3) && !pt_bits_has(t.set, 0xEA));
    pt_source_token_facts("[^王]", &t);
    CHECK(!t.ok);   /* negated: not understood */
    pt_source_token_facts("\\p{Latin}", &t);
    CHECK(!t.ok);
}

/* The bytes taken for \p{Han} hold every byte of every character PCRE2 (this build's
 * Unicode tables, script extensions included) matches with it. */
static void test_han_bytes_cover_pcre2(void)
{
    pt_token_facts t;
    pt_source_token_facts("\\p{Han}", &t);
    CHECK(t.ok);
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "^\\p{Han}$", PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
    pcre2_match_data *md = pcre2_match_data_create(2, NULL);
    unsigned long han = 0, missed = 0;
    for (uint32_t cp = 0x80; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp < 0xE000) continue;
        unsigned char b[4];
        size_t len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (len == 2) { b[0] = (unsigned char)(0xC0 | cp >> 6); }
        else if (len == 3) { b[0] = (unsigned char)(0xE0 | cp >> 12); b[1] = (unsigned char)(0x80 | ((cp >> 6) & 63)); }
        else { b[0] = (unsigned char)(0xF0 | cp >> 18); b[1] = (unsigned char)(0x80 | ((cp >> 12) & 63));
               b[2] = (unsigned char)(0x80 | ((cp >> 6) & 63)); }
        b[len - 1] = (unsigned char)(0x80 | (cp & 63));
        if (len == 3) b[1] = (unsigned char)(0x80 | ((cp >> 6) & 63));
        if (pcre2_match(re, b, len, 0, 0, md, NULL) <= 0) continue;
        han++;
        for (size_t k = 0; k < len; k++) missed += !pt_bits_has(t.set, b[k]);
    }
    CHECK(han > 90000);   /* the unified ideographs and extensions are there */
    CHECK_EQ(missed, 0);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}

static bool pcre2_finds(const pcre2_code *re, const char *s, size_t n, pcre2_match_data *md);

static bool has_literal(const pt_literals *l, const char *s)
{
    for (size_t k = 0; k < l->n; k++)
        if (l->len[k] == strlen(s) && memcmp(l->s[k], s, l->len[k]) == 0) return true;
    return false;
}

static void test_literals_by_hand(void)
{
    pt_literals l;
    pt_source_literals("(?:身份证|证件)(?:号码|号)?\\s*[:：]?\\s*\\K[1-8]\\d{7}", &l);
    CHECK_EQ(l.n, 2);
    CHECK(has_literal(&l, "身份证") && has_literal(&l, "证件"));
    pt_source_literals("(?:ab|)c", &l);   /* the empty branch: only "c" is required */
    CHECK(l.n == 1 && has_literal(&l, "c"));
    pt_source_literals("x?\\d+", &l);
    CHECK_EQ(l.n, 0);
    pt_source_literals("(?i)abc", &l);   /* unscoped options: nothing */
    CHECK_EQ(l.n, 0);
    pt_source_literals("ab(?i:c)de", &l);   /* the scoped group only ends a run */
    CHECK(l.n == 1 && (has_literal(&l, "ab") || has_literal(&l, "de")));
    pt_source_literals("(?:订单号|订单编号|订单)\\d+", &l);   /* longer ones hold "订单" */
    CHECK(l.n == 1 && has_literal(&l, "订单"));
    /* a separator every branch needs beats a digit one branch needs */
    pt_source_literals("(?:\\w+@x\\.cn|1\\d{10})(?::|----)\\S+|\\w+----\\S+", &l);
    CHECK(l.n == 2 && has_literal(&l, ":") && has_literal(&l, "----"));
    pt_source_literals("a{,3}b", &l);   /* "{,3}" is literal text before PCRE2 10.43 */
    CHECK_EQ(l.n, 0);
}

/* A field the regex matches holds one of its required literals. */
static void test_literals_hold_in_every_match(void)
{
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    size_t with_literals = 0, matched = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const pt_pattern *p = &ps.v[i];
        pt_literals l;
        pt_source_literals(p->value_src, &l);
        if (!p->value_re || l.n == 0) continue;
        with_literals++;
        for (int k = 0; k < 3000; k++) {
            text t;
            make_field(&t);
            if (!pcre2_finds(p->value_re, t.b, t.n, md)) continue;
            matched++;
            bool held = false;
            for (size_t j = 0; j < l.n && !held; j++) held = memmem(t.b, t.n, l.s[j], l.len[j]) != NULL;
            if (!held) printf("#   %s: \"%s\" matches without a required literal\n", p->id, t.b);
            CHECK(held);
        }
    }
    CHECK(with_literals > 3);
    CHECK(matched > 1000);
    pcre2_match_data_free(md);
}

/* ---- source facts, alternatives and the literal index ---- */

static void test_source_facts_by_hand(void)
{
    /* every branch of the group needs a '*' or a '＊' (EF BC 8A): one of them is required */
    pt_regex_facts f;
    memset(&f, 0, sizeof f);
    pt_source_facts("1\\d(?:[*＊]{4}\\d{4}|\\d{2}[*＊]{4}\\d{2}|[*＊]{6,8}\\d{0,2})", &f);
    CHECK(f.has_required);
    CHECK(pt_bits_has(f.required, '*') && pt_bits_has(f.required, 0xEF));
    CHECK(!pt_bits_has(f.required, '1') && !pt_bits_has(f.required, 0xBC));
    /* one branch without: nothing from the group */
    memset(&f, 0, sizeof f);
    pt_source_facts("1(?:[*＊]{4}|\\d{4})", &f);
    CHECK(!f.has_required);
    /* an optional group requires nothing */
    memset(&f, 0, sizeof f);
    pt_source_facts("1(?:[*]{4}|-[*]{2})?\\d", &f);
    CHECK(!f.has_required && f.n_must == 0);
    /* caseless matching: a class of letters stands for both cases, so no facts at all */
    memset(&f, 0, sizeof f);
    pt_source_facts("(?i)[a-c]@", &f);
    CHECK(!f.has_required && f.n_must == 0);
    /* a run that a top-level atom needs, where the whole is not one run */
    memset(&f, 0, sizeof f);
    pt_source_facts("(?i:imei)\\s*[:：]?\\s*\\K\\d{15}(?![0-9])", &f);
    CHECK(f.has_run && f.run_min == 15 && pt_bits_has(f.run_set, '7') && !pt_bits_has(f.run_set, 'i'));
    memset(&f, 0, sizeof f);
    pt_source_facts("\\s\\d{3}(?:[a-c]{2}-){2}\\d{4,}?", &f);   /* the longest: a group's */
    CHECK(f.has_run && f.run_min == 6 && pt_bits_has(f.run_set, '-') && !pt_bits_has(f.run_set, '5'));
    memset(&f, 0, sizeof f);   /* understood as a whole: 号 (3 bytes) + 3 + 2 * 3 + 4 */
    pt_source_facts("号\\d{3}(?:[a-c]{2}-){2}\\d{4,}?", &f);
    CHECK(f.has_run && f.run_min == 16 && pt_bits_has(f.run_set, 0xE5) && pt_bits_has(f.run_set, '5'));
    memset(&f, 0, sizeof f);
    pt_source_facts("号\\d{9}|x", &f);   /* a '|' of its own: no run is needed */
    CHECK(!f.has_run);
    memset(&f, 0, sizeof f);
    pt_source_facts("\\s\\d{0,9}\\w?(?:\\d{5})*", &f);   /* optional */
    CHECK(!f.has_run);
    memset(&f, 0, sizeof f);
    pt_source_facts("号(?i)[a-z]{5}", &f);   /* unscoped options: nothing */
    CHECK(!f.has_run);
    memset(&f, 0, sizeof f);
    pt_source_facts("(?-i)[a-c]@", &f);   /* turned off: the facts stand */
    CHECK(f.has_required && pt_bits_has(f.required, 'b') && f.n_must == 1 && f.must[0] == '@');
    /* the text of a back reference or a control escape is no literal: "a@a" matches
     * (?<q>a)@\k<q> without a '<' (the readers before the one parse took \k<q>'s '<'
     * and '>', and \c@'s '@', for must bytes: such fields were skipped) */
    static const char *const refs[] = {"(?<q>a)@\\k<q>", "(?<n>a)@\\g<n>", "x\\c@y"};
    static const char *const fields[] = {"a@a", "a@a", "x\x00y"};
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    for (int k = 0; k < 3; k++) {
        memset(&f, 0, sizeof f);
        pt_source_facts(refs[k], &f);
        int e;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)refs[k], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &e, &off, NULL);
        CHECK(re != NULL);
        size_t n = k == 2 ? 3 : strlen(fields[k]);
        CHECK(re && pcre2_match(re, (PCRE2_SPTR)fields[k], n, 0, 0, md, NULL) > 0);
        for (unsigned m = 0; m < f.n_must; m++) CHECK(memchr(fields[k], f.must[m], n) != NULL);
        pcre2_code_free(re);
    }
    pcre2_match_data_free(md);
}

/* Every value and masked regex of the shipped patterns: a field it matches holds a byte
 * of each required set and every must byte (the facts are never wrong). */
static void test_source_facts_hold_in_every_match(void)
{
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    size_t matched = 0;
    for (size_t i = 0; i < ps.n; i++) {
        for (int which = 0; which < 2; which++) {
            const pt_pattern *p = &ps.v[i];
            const pcre2_code *re = which ? p->masked_re : p->value_re;
            const pt_regex_facts *f = which ? &p->fast->masked_facts : &p->fast->value_facts;
            if (!re) continue;
            for (int k = 0; k < 1500; k++) {
                text t;
                make_field(&t);
                if (!pcre2_finds(re, t.b, t.n, md)) continue;
                matched++;
                bool ok = true;
                uint64_t has[4] = {0, 0, 0, 0};
                for (size_t j = 0; j < t.n; j++)
                    has[(unsigned char)t.b[j] >> 6] |= (uint64_t)1 << ((unsigned char)t.b[j] & 63);
                if (f->has_required)
                    ok = ok && ((has[0] & f->required[0]) | (has[1] & f->required[1]) |
                                (has[2] & f->required[2]) | (has[3] & f->required[3]));
                if (f->has_required2)
                    ok = ok && ((has[0] & f->required2[0]) | (has[1] & f->required2[1]) |
                                (has[2] & f->required2[2]) | (has[3] & f->required2[3]));
                for (unsigned m = 0; m < f->n_must; m++) ok = ok && pt_bits_has(has, f->must[m]);
                if (f->has_run) ok = ok && pt_has_run(t.b, t.n, f->run_set, f->run_min);
                if (!ok) printf("#   %s (%s): \"%s\" matches without a required byte\n", p->id,
                                which ? "masked" : "value", t.b);
                CHECK(ok);
            }
        }
    }
    CHECK(matched > 1000);
    pcre2_match_data_free(md);
}

static void test_alternatives_by_hand(void)
{
    char *alt[8];
    size_t n = pt_source_alternatives("(?<!\\d)(?:4\\d{12}|3[47](?:\\d{2}|[ab])|5)(?!\\d)", alt, 8);
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK(strcmp(alt[0], "(?<!\\d)(?:4\\d{12})(?!\\d)") == 0);
        CHECK(strcmp(alt[1], "(?<!\\d)(?:3[47](?:\\d{2}|[ab]))(?!\\d)") == 0);
        CHECK(strcmp(alt[2], "(?<!\\d)(?:5)(?!\\d)") == 0);
    }
    for (size_t k = 0; k < n; k++) free(alt[k]);
    CHECK_EQ(pt_source_alternatives("a|(?:b|c)", alt, 8), 0);    /* a '|' of its own */
    CHECK_EQ(pt_source_alternatives("x(?:b|c)?y", alt, 8), 0);   /* quantified */
    CHECK_EQ(pt_source_alternatives("x(b|c)y", alt, 8), 0);      /* capturing */
    CHECK_EQ(pt_source_alternatives("x(?:b|c|d)y", alt, 2), 0);  /* more than max */
    CHECK_EQ(pt_source_alternatives("x[(?:|]y", alt, 8), 0);     /* inside a class */
    n = pt_source_alternatives("x(?:[|]|\\|)y", alt, 8);       /* escaped and in a class */
    CHECK_EQ(n, 2);
    for (size_t k = 0; k < n; k++) free(alt[k]);
}

/* Fields the regex matches: some alternative's token scan admits each one; the
 * alternatives refuse fields (a time stamp for the card regex) the whole scan admits,
 * and admit none it refuses. */
static void test_alternative_scans_admit_every_match(void)
{
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    pt_byteclasses bc;
    pt_byteclasses_build(&bc, &ps);
    size_t matched = 0, tighter = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const pt_pattern *p = &ps.v[i];
        if (!p->value_re || p->match != PT_MATCH_EMBEDDED) continue;
        char *src[16];
        size_t n = pt_source_alternatives(p->value_src, src, 16);
        pt_token_check *alts = calloc(n ? n : 1, sizeof *alts), whole;
        bool ok = n > 0;
        for (size_t k = 0; k < n; k++) {
            pt_token_check_build(&alts[k], src[k], &p->fast->value_facts, &bc);
            ok = ok && alts[k].ok;
            free(src[k]);
        }
        pt_token_check_build(&whole, p->value_src, &p->fast->value_facts, &bc);
        for (int r = 0; ok && r < 12000; r++) {
            text t;
            make_field(&t);
            bool any = false;
            for (size_t k = 0; k < n && !any; k++) any = pt_token_scan(&alts[k], t.b, t.n, 0, t.n, false);
            bool whole_admits = whole.ok && pt_token_scan(&whole, t.b, t.n, 0, t.n, false);
            tighter += !any && whole_admits;
            CHECK(!any || whole_admits);   /* the scanner skips the whole's scan */
            if (!pcre2_finds(p->value_re, t.b, t.n, md)) continue;
            matched++;
            if (!any) printf("#   %s: \"%s\" matches, no alternative admits it\n", p->id, t.b);
            CHECK(any);
        }
        free(alts);
    }
    CHECK(matched > 1000);
    CHECK(tighter > 100);
    pcre2_match_data_free(md);
}

/* pt_literal_index_find says which literals occur in a field, exactly (the fields hold
 * whole characters only). */
static void test_literal_index_finds_each_literal(void)
{
    static const char *const lits[] = {"身份证", "证件", "号", "qq", "QQ", "wechat", "----",
                                       "19", "20", "，", "订单", "ICD", "imei", "交易单号"};
    enum { N = sizeof lits / sizeof lits[0] };
    pt_literal_index *x = calloc(1, sizeof *x);
    int id[N];
    for (size_t k = 0; k < N; k++) id[k] = pt_literal_index_add(x, lits[k], strlen(lits[k]));
    CHECK_EQ(pt_literal_index_add(x, "qq", 2), id[3]);   /* the same literal, the same id */
    CHECK_EQ(pt_literal_index_add(x, "a", 1), -1);       /* too short */
    size_t seen = 0;
    for (int r = 0; r < 20000; r++) {
        text t;
        make_field(&t);
        uint64_t found[4];
        pt_literal_index_find(x, t.b, t.n, found);
        for (size_t k = 0; k < N; k++) {
            bool want = memmem(t.b, t.n, lits[k], strlen(lits[k])) != NULL;
            bool got = (found[id[k] >> 6] >> (id[k] & 63)) & 1;
            seen += want;
            if (want != got) printf("#   \"%s\" in \"%s\": %d, found %d\n", lits[k], t.b, want, got);
            CHECK(want == got);
        }
    }
    CHECK(seen > 2000);
    /* first_cp_fold keeps code points modulo 1024: U+92AB is 身 (U+8EAB) + 0x400, so it
     * passes the fold and first_cp, exact, must still say no */
    uint64_t found[4];
    const char *fold_twin = "\xE9\x8A\xAB份证";   /* U+92AB then 份证 */
    pt_literal_index_find(x, fold_twin, strlen(fold_twin), found);
    CHECK(!((found[id[0] >> 6] >> (id[0] & 63)) & 1));
    const char *real = "a身份证";
    pt_literal_index_find(x, real, strlen(real), found);
    CHECK((found[id[0] >> 6] >> (id[0] & 63)) & 1);
    free(x);
}

/* ---- token checks against PCRE2 ---- */

static bool pcre2_finds(const pcre2_code *re, const char *s, size_t n, pcre2_match_data *md)
{
    return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) > 0;
}

/* A field the regex matches is never ruled out by the token scan (embedded patterns). */
static void test_token_scan_admits_every_match(void)
{
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    pt_byteclasses bc;
    pt_byteclasses_build(&bc, &ps);
    size_t checked = 0, matched = 0, refused = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const pt_pattern *p = &ps.v[i];
        if (!p->value_re || p->match != PT_MATCH_EMBEDDED) continue;
        pt_token_check *tc = malloc(sizeof *tc);
        pt_token_check_build(tc, p->value_src, &p->fast->value_facts, &bc);
        if (!tc->ok) {
            free(tc);
            continue;
        }
        for (int k = 0; k < 4000; k++) {
            text t;
            make_field(&t);
            bool found = pcre2_finds(p->value_re, t.b, t.n, md);
            bool admitted = pt_token_scan(tc, t.b, t.n, 0, t.n, false);
            checked++;
            matched += found;
            refused += !admitted;
            if (found && !admitted) {
                printf("#   %s: \"%s\" matches, the token scan refused it\n", p->id, t.b);
                CHECK(admitted);
            }
        }
        free(tc);
    }
    /* the generator must exercise both sides */
    CHECK(matched > 1000);
    CHECK(refused > checked / 4);
    pcre2_match_data_free(md);
}

/* ---- the source facts, pinned ---- *
 * tests/unit/srcfacts.expected holds, for every value and masked regex of patterns/ and
 * tests/fuzz/corpus/patterns/ (as they were when it was written), the sources of the
 * by-hand tests here and some odd syntax, every fact srcfacts.c reads off it: must bytes,
 * required sets and runs (from nothing and on top of a required '.', as PCRE2's last
 * literal may be), token facts, alternatives and required literals. It was written by
 * srcfacts.c before its rewrite into one parse (issue 13) and pins the behaviour: a
 * change must be deliberate (PT_SRCFACTS_WRITE=FILE writes the current facts). */

static void dump_bits(FILE *out, const char *name, bool has, const uint64_t b[4])
{
    if (!has) fprintf(out, " %s=-", name);
    else fprintf(out, " %s=%016llx%016llx%016llx%016llx", name, (unsigned long long)b[3],
                 (unsigned long long)b[2], (unsigned long long)b[1], (unsigned long long)b[0]);
}

static void dump_regex_facts(FILE *out, const char *label, const pt_regex_facts *f)
{
    fprintf(out, "%s min=%u", label, f->min_length);
    dump_bits(out, "req", f->has_required, f->required);
    dump_bits(out, "req2", f->has_required2, f->required2);
    fprintf(out, " must=");
    for (unsigned k = 0; k < f->n_must; k++) fprintf(out, "%02x", f->must[k]);
    fprintf(out, " run=%u", f->has_run ? f->run_min : 0);
    dump_bits(out, "set", f->has_run, f->run_set);
    fprintf(out, "\n");
}

static void dump_source_facts(FILE *out, const char *src)
{
    fprintf(out, "src %s\n", src);
    pt_regex_facts f;
    memset(&f, 0, sizeof f);
    pt_source_facts(src, &f);
    dump_regex_facts(out, "facts", &f);
    memset(&f, 0, sizeof f);
    f.has_required = true;
    f.required['.' >> 6] |= (uint64_t)1 << ('.' & 63);
    pt_source_facts(src, &f);
    dump_regex_facts(out, "facts+dot", &f);
    pt_token_facts t;
    pt_source_token_facts(src, &t);
    fprintf(out, "token ok=%d", t.ok);
    if (t.ok) {
        fprintf(out, " min=%u chars=%u bytes=%u", t.min, t.max_chars, t.max_bytes);
        dump_bits(out, "set", true, t.set);
        dump_bits(out, "before", true, t.before);
        dump_bits(out, "after", true, t.after);
    }
    fprintf(out, "\n");
    char *alt[8];
    size_t n = pt_source_alternatives(src, alt, 8);
    fprintf(out, "alternatives %zu\n", n);
    for (size_t k = 0; k < n; k++) {
        fprintf(out, "alt %s\n", alt[k]);
        free(alt[k]);
    }
    pt_literals l;
    pt_source_literals(src, &l);
    fprintf(out, "literals %zu", l.n);
    for (size_t k = 0; k < l.n; k++) {
        fprintf(out, " ");
        for (size_t j = 0; j < l.len[k]; j++) fprintf(out, "%02x", (unsigned char)l.s[k][j]);
    }
    fprintf(out, "\n");
}

static void test_source_facts_pinned(void)
{
    FILE *in = fopen("tests/unit/srcfacts.expected", "r");
    CHECK(in != NULL);
    if (!in) return;
    char *want = NULL, *got = NULL, *line = NULL;
    size_t want_len = 0, got_len = 0, cap = 0, sources = 0;
    FILE *w = open_memstream(&want, &want_len), *g = open_memstream(&got, &got_len);
    ssize_t k;
    while ((k = getline(&line, &cap, in)) > 0) {
        fwrite(line, 1, (size_t)k, w);
        if (strncmp(line, "src ", 4) != 0) continue;
        if (line[k - 1] == '\n') line[k - 1] = 0;
        dump_source_facts(g, line + 4);
        sources++;
    }
    free(line);
    fclose(in);
    fclose(w);
    fclose(g);
    const char *out_path = getenv("PT_SRCFACTS_WRITE");
    if (out_path) {
        FILE *o = fopen(out_path, "w");
        if (o) {
            fwrite(got, 1, got_len, o);
            fclose(o);
        }
    }
    CHECK(sources > 100);
    /* the first differing line, with the source it belongs to */
    const char *a = want, *b = got, *src = "";
    size_t shown = 0;
    while (*a || *b) {
        const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
        size_t al = ae ? (size_t)(ae - a) : strlen(a), bl = be ? (size_t)(be - b) : strlen(b);
        if (strncmp(a, "src ", 4) == 0) src = a;
        if ((al != bl || memcmp(a, b, al) != 0) && shown++ < 5) {
            const char *se = strchr(src, '\n');
            printf("#   %.*s\n#     expected: %.*s\n#     got:      %.*s\n",
                   se ? (int)(se - src) : 0, src, (int)al, a, (int)bl, b);
        }
        a += al + (ae != NULL);
        b += bl + (be != NULL);
    }
    CHECK_EQ(shown, 0);
    free(want);
    free(got);
}

/* ---- whole records: fast path versus reference ---- */

static void test_records_agree_with_reference(void)
{
    static const char *const keys[] = {NULL, "手机号", "身份证号", "邮箱", "地址", "银行卡号",
                                       "订单号", "qq", "微信", "护照号", "ip", "imei", "姓名",
                                       "车牌", "name", "备注", "tel", "vin", "信用代码", "  "};
    pt_scanner *fast = pt_scanner_new(&ps, &pol), *ref = pt_scanner_new(&ps, &pol);
    pt_scanner_set_reference(ref, true);
    uint64_t *m1 = calloc(ps.n, sizeof *m1), *r1 = calloc(ps.n, sizeof *r1);
    uint64_t *m2 = calloc(ps.n, sizeof *m2), *r2 = calloc(ps.n, sizeof *r2);
    size_t pieces = 0, differ = 0;
    for (int k = 0; k < 20000; k++) {
        text vals[6];
        pt_field f[6];
        size_t nf = 1 + rnd(6);
        for (size_t i = 0; i < nf; i++) {
            make_field(&vals[i]);
            const char *key = keys[rnd(sizeof keys / sizeof keys[0])];
            f[i] = (pt_field){key, key ? strlen(key) : 0, vals[i].b, vals[i].n, 0};
        }
        pt_record rec = {f, nf, 0};
        pt_record_class a, b;
        pt_scanner_classify(fast, &rec, &a, m1, r1);
        pt_scanner_classify(ref, &rec, &b, m2, r2);
        pieces += b.piece;
        bool same = a.categories == b.categories && a.piece == b.piece &&
                    a.fp[0] == b.fp[0] && a.fp[1] == b.fp[1] && a.has_subject == b.has_subject &&
                    a.subject == b.subject;
        if (!same && differ++ < 5) {
            printf("#   record %d differs:", k);
            for (size_t i = 0; i < nf; i++) printf(" [%s] \"%s\"", f[i].key ? f[i].key : "-", vals[i].b);
            printf("\n");
        }
    }
    CHECK_EQ(differ, 0);
    for (size_t i = 0; i < ps.n; i++) {
        if (m1[i] != m2[i] || r1[i] != r2[i])
            printf("#   %s: matched %llu/%llu rejected %llu/%llu (fast/reference)\n", ps.v[i].id,
                   (unsigned long long)m1[i], (unsigned long long)m2[i],
                   (unsigned long long)r1[i], (unsigned long long)r2[i]);
        CHECK(m1[i] == m2[i] && r1[i] == r2[i]);
    }
    CHECK(pieces > 5000);   /* the records do hold identifiers */
    free(m1); free(r1); free(m2); free(r2);
    pt_scanner_free(fast);
    pt_scanner_free(ref);
}

/* Column-level evidence: the column counts (fill, matches, validator passes, accepted
 * values per column and pattern) and the doubt of every record are the reference's too,
 * with a plan that disables the checked patterns in some columns. */
static bool same_columns(const pt_colstats *a, const pt_colstats *b)
{
    if (a->n != b->n || a->n_doubts != b->n_doubts) return false;
    for (size_t c = 0; c < a->n; c++) {
        const pt_column *x = &a->cols[c], *y = &b->cols[c];
        if (x->fill != y->fill || x->n_pats != y->n_pats || x->position != y->position) return false;
        for (uint32_t k = 0; k < x->n_pats; k++) {
            const pt_column_pattern *p = &x->pats[k];
            const pt_column_pattern *q = pt_colstats_find_cell(b, (int32_t)c, p->pattern);
            if (!q || p->matches != q->matches || p->checked != q->checked ||
                p->passed != q->passed || p->accepted != q->accepted)
                return false;
        }
    }
    return true;
}

/* stable: the column names of a header row (one key per position, compared by
 * address); else JSON-like keys that change from record to record */
static void columns_agree(bool stable)
{
    static const char *const keys[] = {NULL, "手机号", "身份证号", "编号", "银行卡号", "备注",
                                       "订单号", "imei", "tel"};
    enum { NK = sizeof keys / sizeof keys[0] };
    pt_scanner *fast = pt_scanner_new(&ps, &pol), *ref = pt_scanner_new(&ps, &pol);
    pt_scanner_set_reference(ref, true);
    pt_colstats *plan = pt_colstats_new(false), *st1 = pt_colstats_new(false),
                *st2 = pt_colstats_new(false);
    st1->stable_keys = st2->stable_keys = stable;
    static text vals[4000][4];
    static size_t nf[4000];
    for (int k = 0; k < 4000; k++) {
        nf[k] = 1 + rnd(4);
        for (size_t i = 0; i < nf[k]; i++) make_field(&vals[k][i]);
    }
    /* the plan: the first 1,000 records, then bank_card and cn_resident_id disabled in
     * the even columns whatever the sample said */
    pt_scanner_set_columns(fast, NULL, plan);
    for (int pass = 0; pass < 2; pass++) {
        size_t doubts = 0, differ = 0;
        for (int k = pass ? 0 : 0; k < (pass ? 4000 : 1000); k++) {
            pt_field f[4];
            for (size_t i = 0; i < nf[k]; i++) {
                const char *key = keys[((stable ? 0 : k / 500) + i) % NK];
                f[i] = (pt_field){key, key ? strlen(key) : 0, vals[k][i].b, vals[k][i].n, 0};
            }
            pt_record rec = {f, nf[k], (uint64_t)k};
            pt_record_class a, b;
            pt_scanner_classify(fast, &rec, &a, NULL, NULL);
            if (!pass) continue;
            pt_scanner_classify(ref, &rec, &b, NULL, NULL);
            doubts += a.doubt_pattern >= 0;
            differ += !(a.categories == b.categories && a.piece == b.piece &&
                        a.doubt_categories == b.doubt_categories && a.doubt_piece == b.doubt_piece &&
                        a.doubt_column == b.doubt_column && a.doubt_pattern == b.doubt_pattern);
        }
        if (!pass) {
            pt_colplan_decide(plan, &ps);
            int card = pt_patterns_find(&ps, "bank_card"), id = pt_patterns_find(&ps, "cn_resident_id");
            for (size_t c = 0; c < plan->n; c++)
                for (uint32_t k = 0; k < plan->cols[c].n_pats; k++) {
                    pt_column_pattern *p = &plan->cols[c].pats[k];
                    if (plan->cols[c].position % 2 == 0 && ((int)p->pattern == card || (int)p->pattern == id))
                        p->disabled = true;
                }
            pt_scanner_set_columns(fast, plan, st1);
            pt_scanner_set_columns(ref, plan, st2);
            continue;
        }
        CHECK_EQ(differ, 0);
        printf("# %zu records with doubt\n", doubts);
        CHECK(doubts > 20);   /* the disabled columns did hold such values */
    }
    pt_scanner_set_columns(fast, NULL, NULL);   /* complete the counts */
    pt_scanner_set_columns(ref, NULL, NULL);
    CHECK(st1->n >= 4);
    CHECK(same_columns(st1, st2));
    uint64_t fill = 0;
    for (size_t c = 0; c < st1->n; c++) fill += st1->cols[c].fill;
    CHECK(fill > 4000);
    pt_colstats_free(plan);
    pt_colstats_free(st1);
    pt_colstats_free(st2);
    pt_scanner_free(fast);
    pt_scanner_free(ref);
}

static void test_columns_agree_with_reference(void)
{
    columns_agree(false);
    columns_agree(true);
}

/* The shape cache leaves out the patterns a scanner skips (role_only ones, and those of
 * record shapes not live in the plan), keyed by the skip set; a scanner meets more sets
 * than the key holds (four) when the plans of its inputs differ. Every record, under
 * every plan, is classified as the reference does; and by hand: an amount beside a bank
 * card counts as property only under a plan in which the shape property holds. */
static void classify_both(pt_scanner *fast, pt_scanner *ref, const pt_record *rec, size_t *differ,
                          uint64_t *m1, uint64_t *m2)
{
    pt_record_class a, b;
    pt_scanner_classify(fast, rec, &a, m1, NULL);
    pt_scanner_classify(ref, rec, &b, m2, NULL);
    *differ += !(a.categories == b.categories && a.piece == b.piece && a.fp[0] == b.fp[0] &&
                 a.fp[1] == b.fp[1] && a.subject == b.subject &&
                 a.doubt_categories == b.doubt_categories && a.doubt_pattern == b.doubt_pattern);
}

static void test_skip_sets_agree(void)
{
    static const char *const keys[] = {"银行卡号", "金额", "时间", "手机号", "发送人", "接收人",
                                       "内容", "纬度", "经度", "定位时间", "房间号", "入住时间",
                                       "退房时间", "身份证号", "type", "number"};
    enum { NK = sizeof keys / sizeof keys[0], CONFIGS = 7 };
    pt_scanner *fast = pt_scanner_new(&ps, &pol), *ref = pt_scanner_new(&ps, &pol);
    pt_scanner_set_reference(ref, true);
    pt_colstats *plan = pt_colstats_new(false), *st1 = pt_colstats_new(false),
                *st2 = pt_colstats_new(false);
    uint64_t *m1 = calloc(ps.n, sizeof *m1), *m2 = calloc(ps.n, sizeof *m2);
    int property = pt_patterns_find_shape(&ps, "property");
    int amount = pt_patterns_find(&ps, "account_amount");
    CHECK(property >= 0 && amount >= 0);
    size_t differ = 0;
    for (int round = 0; round < 3 * CONFIGS; round++) {
        int cfg = round % CONFIGS;
        /* 0: no column counts; 1: a sample (nothing skipped); 2..6: plans in which
         * shape cfg - 2 holds, every shape partly holds (cfg 2) or none does */
        plan->shapes_hold = cfg >= 2 ? (uint32_t)1 << (cfg - 2) : 0;
        plan->shapes_partial = cfg == 2 ? ~plan->shapes_hold & (((uint32_t)1 << ps.n_shapes) - 1) : 0;
        memset(plan->shape_alt, 0, sizeof plan->shape_alt);
        pt_scanner_set_columns(fast, cfg >= 2 ? plan : NULL, cfg ? st1 : NULL);
        pt_scanner_set_columns(ref, cfg >= 2 ? plan : NULL, cfg ? st2 : NULL);
        for (int k = 0; k < 300; k++) {
            text vals[6];
            pt_field f[6];
            size_t nf = 1 + rnd(6);
            for (size_t i = 0; i < nf; i++) {
                make_field(&vals[i]);
                const char *key = keys[rnd(NK)];
                f[i] = (pt_field){key, strlen(key), vals[i].b, vals[i].n, 0};
            }
            pt_record rec = {f, nf, (uint64_t)k};
            classify_both(fast, ref, &rec, &differ, m1, m2);
        }
        /* by hand: an amount beside a card that passes Luhn */
        pt_field f[2] = {{"银行卡号", strlen("银行卡号"), "6214832988500190", 16, 0},
                         {"金额", strlen("金额"), "5282.70", 7, 0}};
        pt_record rec = {f, 2, 0};
        uint64_t before = m1[amount];
        classify_both(fast, ref, &rec, &differ, m1, m2);
        bool counts = cfg >= 2 && (plan->shapes_hold >> property & 1);
        CHECK_EQ(m1[amount] - before, counts ? 1 : 0);
    }
    pt_scanner_set_columns(fast, NULL, NULL);
    pt_scanner_set_columns(ref, NULL, NULL);
    CHECK_EQ(differ, 0);
    for (size_t i = 0; i < ps.n; i++) CHECK(m1[i] == m2[i]);
    CHECK(same_columns(st1, st2));
    free(m1);
    free(m2);
    pt_colstats_free(plan);
    pt_colstats_free(st1);
    pt_colstats_free(st2);
    pt_scanner_free(fast);
    pt_scanner_free(ref);
}

/* Keys that match several requires_header patterns' headers (护照 + another label) get
 * contexts the scanner builds itself (the compiled prefilter has those of one pattern at
 * most); more such key kinds than it keeps make it clear them with its key cache, in the
 * middle of records whose columns point at them. Counts must stay the reference's. */
static void test_multi_header_keys_agree(void)
{
    static const char *const extra[] = {"qq", "微信", "余额", "贷款", "订单", "运单", "姓名",
                                        "性别", "生日", "民族", "户籍", "人脸", "经纬度", "基站",
                                        "轨迹", "酒店", "小区", "ip", "imei", "网址", "密码",
                                        "账号", "短信", "主叫", "病历", "血型", "学历", "公司",
                                        "车牌", "通行证"};
    enum { NX = sizeof extra / sizeof extra[0] };
    static const char *const vals[] = {"E12345678", "13812345678", "张三", "京A12345",
                                       "11010519491231002X", "广东省深圳市南山区科技园路1号",
                                       "wxid_abc123", "192.168.1.20", "123456789", "男"};
    pt_scanner *fast = pt_scanner_new(&ps, &pol), *ref = pt_scanner_new(&ps, &pol);
    pt_scanner_set_reference(ref, true);
    uint64_t *m1 = calloc(ps.n, sizeof *m1), *r1 = calloc(ps.n, sizeof *r1);
    uint64_t *m2 = calloc(ps.n, sizeof *m2), *r2 = calloc(ps.n, sizeof *r2);
    char keys[NX][64];
    for (size_t x = 0; x < NX; x++) snprintf(keys[x], sizeof keys[x], "护照%s", extra[x]);
    size_t differ = 0, accepted = 0;
    for (int k = 0; k < 400; k++) {
        pt_field f[8];
        for (size_t i = 0; i < 8; i++) {
            const char *key = keys[(k / 7 + i * 5) % NX];
            const char *v = vals[rnd(sizeof vals / sizeof vals[0])];
            f[i] = (pt_field){key, strlen(key), v, strlen(v), 0};
        }
        pt_record rec = {f, 8, 0};
        pt_record_class a, b;
        pt_scanner_classify(fast, &rec, &a, m1, r1);
        pt_scanner_classify(ref, &rec, &b, m2, r2);
        differ += !(a.categories == b.categories && a.piece == b.piece && a.fp[0] == b.fp[0] &&
                    a.fp[1] == b.fp[1] && a.subject == b.subject);
    }
    CHECK_EQ(differ, 0);
    for (size_t i = 0; i < ps.n; i++) {
        CHECK(m1[i] == m2[i] && r1[i] == r2[i]);
        accepted += m1[i];
    }
    CHECK(accepted > 1000);
    free(m1); free(r1); free(m2); free(r2);
    pt_scanner_free(fast);
    pt_scanner_free(ref);
}

/* Every match (start and end) of the regex from each start position. */
static size_t all_matches(const pcre2_code *re, const char *s, size_t n, pcre2_match_data *md,
                          size_t out[64])
{
    size_t k = 0;
    for (size_t start = 0; start <= n && k + 2 <= 64; start++) {
        if (pcre2_match(re, (PCRE2_SPTR)s, n, start, 0, md, NULL) <= 0) continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        out[k++] = ov[0];
        out[k++] = ov[1];
    }
    return k;
}

static bool is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return false;
    return true;
}

/* The regexes compiled without UCP for ASCII fields (pt_pattern.value_re_ascii) match
 * exactly what the patterns as written match, on generated ASCII fields and on strings
 * where case, word boundaries or spacing decide. */
static void test_ascii_variants_agree(void)
{
    static const char *const edge[] = {
        "e12345678", "E12345678", "lsvag2180e2100001", "LSVAG2180E2100001", "x", "X",
        "11010519491231002x", "11010519491231002X", "_13812345678_", "a13812345678",
        "13812345678b", "qq:12345678", "QQ 12345678", "Qq\t12345678", "wxid_abc123",
        "WXID_ABC123", "ICD-10 J45.901", "icd10 j45", "10.0.0.1", "fe80::1", "FE80::1",
        "user@Example.COM", "USER@example.com:Pass123", "abc----def123", "order no ab12345",
        "ORDER NO AB12345", "imei 490154203237518", "IMEI:490154203237518", "\v1\f2 3"};
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    size_t variants = 0, compared = 0, differ = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const pt_pattern *p = &ps.v[i];
        for (int which = 0; which < 2; which++) {
            const pcre2_code *ucp = which ? p->masked_re : p->value_re;
            const pcre2_code *ascii = which ? p->fast->masked_re_ascii : p->fast->value_re_ascii;
            if (!ucp || !ascii) continue;
            variants++;
            for (int k = 0; k < 1500 + (int)(sizeof edge / sizeof edge[0]); k++) {
                text t;
                if (k < (int)(sizeof edge / sizeof edge[0])) {
                    t.n = 0;
                    t.b[0] = 0;
                    put(&t, edge[k]);
                } else {
                    make_field(&t);
                }
                if (!is_ascii(t.b, t.n)) continue;
                size_t a[64], b[64];
                size_t na = all_matches(ucp, t.b, t.n, md, a), nb = all_matches(ascii, t.b, t.n, md, b);
                compared++;
                if (na != nb || memcmp(a, b, na * sizeof *a) != 0) {
                    if (differ++ < 5) printf("#   %s: \"%s\" differs without UCP\n", p->id, t.b);
                }
            }
        }
    }
    CHECK(variants > 40);
    CHECK(compared > 20000);
    CHECK_EQ(differ, 0);
    pcre2_match_data_free(md);
}

/* The fullwidth digit: PCRE2's \d matches it under UCP, so the prefilter must not drop
 * the field (it did, with ASCII-only run facts). */
static void test_fullwidth_digit_mobile(void)
{
    int i = pt_patterns_find(&ps, "cn_mobile");
    CHECK(i >= 0);
    if (i < 0) return;
    const char *v = "13８12345678";
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    bool regex = pcre2_finds(ps.v[i].value_re, v, strlen(v), md);
    pcre2_match_data_free(md);
    pt_scanner *sc = pt_scanner_new(&ps, &pol);
    uint64_t *m = calloc(ps.n, sizeof *m), *r = calloc(ps.n, sizeof *r);
    pt_field f = {NULL, 0, v, strlen(v), 0};
    pt_record rec = {&f, 1, 0};
    pt_record_class cls;
    pt_scanner_classify(sc, &rec, &cls, m, r);
    CHECK_EQ(m[i] + r[i], regex ? 1 : 0);
    free(m);
    free(r);
    pt_scanner_free(sc);
}

/* The shape cache keeps every shape it was given while it grows (8 slots at first, up to
 * 32: 3/4 of 32 = 24 shapes fit), each with its own items, and is cleared only past that:
 * shape k (context 1 + k % 3, mask k * 2^40 + 1, length k) has k % 5 items k, k+1, ... */
static void test_shape_cache_grows_then_clears(void)
{
    pt_shape_cache c;
    pt_shape_cache_init(&c, 8, 32, 4);
    for (uint32_t k = 0; k < 24; k++) {
        size_t slot = 0;
        uint64_t mask = (uint64_t)k << 40 | 1;
        uint32_t items[4];
        for (uint32_t j = 0; j < k % 5; j++) items[j] = k + j;
        CHECK(pt_shape_find(&c, 1 + k % 3, mask, k, &slot) == NULL);
        const uint32_t *kept = pt_shape_add(&c, slot, 1 + k % 3, mask, k, items, k % 5);
        for (uint32_t j = 0; j < k % 5; j++) CHECK_EQ(kept[j], k + j);
    }
    CHECK_EQ(c.n_slots, 32);   /* 8 -> 16 at the 7th shape, 16 -> 32 at the 13th */
    for (uint32_t k = 0; k < 24; k++) {   /* all 24 still there, items intact */
        size_t slot = 0;
        const pt_shape_slot *hit = pt_shape_find(&c, 1 + k % 3, (uint64_t)k << 40 | 1, k, &slot);
        CHECK(hit != NULL);
        if (!hit) continue;
        const uint32_t *items;
        size_t n = pt_shape_items(&c, hit, &items);
        CHECK_EQ(n, k % 5);
        for (uint32_t j = 0; j < n; j++) CHECK_EQ(items[j], k + j);
    }
    /* the 25th shape finds the cache at its largest and full: cleared, it is alone */
    size_t slot = 0;
    uint32_t one = 4242;
    CHECK(pt_shape_find(&c, 9, 7, 99, &slot) == NULL);
    pt_shape_add(&c, slot, 9, 7, 99, &one, 1);
    CHECK_EQ(c.n_slots, 32);
    CHECK_EQ(c.used, 1);
    CHECK(pt_shape_find(&c, 1, 1, 0, &slot) == NULL);
    const pt_shape_slot *hit = pt_shape_find(&c, 9, 7, 99, &slot);
    const uint32_t *items = NULL;
    CHECK(hit && pt_shape_items(&c, hit, &items) == 1 && items[0] == 4242);
    pt_shape_cache_free(&c);
}

/* Shapes with equal items share one list: 100 shapes of 4 distinct lists ({}, {7},
 * {7, 8}, {8, 7}: order matters) keep 4 lists, each its length and its items: 1 + 0,
 * 1 + 1, 1 + 2 and 1 + 2 words, 9 in all. Past
 * PT_SHAPE_LISTS_MAX distinct lists the cache starts again: the next new list finds
 * none, and the shapes that named the old ones are gone. */
static void test_shape_cache_shares_lists(void)
{
    static const uint32_t lists[4][2] = {{0, 0}, {7, 0}, {7, 8}, {8, 7}};
    static const size_t lens[4] = {0, 1, 2, 2};
    pt_shape_cache c;
    pt_shape_cache_init(&c, 256, 256, 2);
    for (uint32_t k = 0; k < 100; k++) {
        size_t slot = 0;
        CHECK(pt_shape_find(&c, 1, k, 5, &slot) == NULL);
        const uint32_t *kept = pt_shape_add(&c, slot, 1, k, 5, lists[k % 4], lens[k % 4]);
        for (size_t j = 0; j < lens[k % 4]; j++) CHECK_EQ(kept[j], lists[k % 4][j]);
    }
    CHECK_EQ(c.n_lists, 4);
    CHECK_EQ(c.n_items, 9);
    for (uint32_t k = 0; k < 100; k++) {
        size_t slot = 0;
        const pt_shape_slot *hit = pt_shape_find(&c, 1, k, 5, &slot);
        const uint32_t *items = NULL;
        CHECK(hit && pt_shape_items(&c, hit, &items) == lens[k % 4]);
        for (size_t j = 0; hit && j < lens[k % 4]; j++) CHECK_EQ(items[j], lists[k % 4][j]);
    }
    pt_shape_cache_free(&c);

    /* one list per shape: a cache of 2^14 slots (12,288 fit) meets the list cap first */
    pt_shape_cache_init(&c, 1u << 14, 1u << 14, 1);
    for (uint32_t k = 0; k < PT_SHAPE_LISTS_MAX; k++) {
        size_t slot = 0;
        uint32_t v = 1000 + k;
        pt_shape_find(&c, 2, k, 1, &slot);
        pt_shape_add(&c, slot, 2, k, 1, &v, 1);
    }
    CHECK_EQ(c.n_lists, PT_SHAPE_LISTS_MAX);
    CHECK_EQ(c.used, PT_SHAPE_LISTS_MAX);
    size_t slot = 0;
    uint32_t v = 99;
    CHECK(pt_shape_find(&c, 2, 1u << 20, 1, &slot) == NULL);
    pt_shape_add(&c, slot, 2, 1u << 20, 1, &v, 1);
    CHECK_EQ(c.n_lists, 1);
    CHECK_EQ(c.used, 1);
    CHECK(pt_shape_find(&c, 2, 0, 1, &slot) == NULL);
    const pt_shape_slot *hit = pt_shape_find(&c, 2, 1u << 20, 1, &slot);
    const uint32_t *items = NULL;
    CHECK(hit && pt_shape_items(&c, hit, &items) == 1 && items[0] == 99);
    pt_shape_cache_free(&c);
}

/* ---- byte scans for field-mode regexes ---- */

/* Each byte scan says what its pattern's value regex (field mode: anchored at both ends)
 * says of ASCII fields: by hand, then on random fields of the bytes that matter. */
static void test_field_scans_agree_with_pcre2(void)
{
    /* the amount regex's scan, by hand: sign, 1-15 digits or 1-3 and groups of ",ddd",
     * then ".d" to ".dddd" */
    bool (*amount)(const char *, size_t) = pt_field_scanner_for(
        "[-+]?\\d{1,15}(?:\\.\\d{1,4})?|[-+]?\\d{1,3}(?:,\\d{3})+(?:\\.\\d{1,4})?");
    CHECK(amount != NULL);
    static const struct {
        const char *v;
        bool yes;
    } by_hand[] = {
        {"1", true}, {"-1,234.5", true}, {"+12.3456", true}, {"123456789012345", true},
        {"1,234,567.8901", true}, {"999,000", true}, {"1234567890123456", false} /* 16 */,
        {"1234,567", false} /* 4 digits before a group */, {"1,23", false}, {"1,2345", false},
        {"12.34567", false}, {"1,234.", false}, {".5", false}, {"1.2.3", false}, {"--1", false},
        {"+", false}, {"", false}, {"1 ", false}, {"1,234,56", false}, {"12,345.67,8", false}};
    for (size_t k = 0; k < sizeof by_hand / sizeof by_hand[0]; k++) {
        bool got = amount && amount(by_hand[k].v, strlen(by_hand[k].v));
        if (got != by_hand[k].yes) printf("#   amount \"%s\": %d\n", by_hand[k].v, got);
        CHECK(got == by_hand[k].yes);
    }
    pcre2_match_data *md = pcre2_match_data_create(ps.max_captures + 1, NULL);
    static const char alphabet[] = "0123456789012345678901234567890123456789-+.,.,x ";
    size_t scans = 0, agreed_yes = 0;
    srand(11);
    for (size_t i = 0; i < ps.n; i++) {
        const pt_pattern *p = &ps.v[i];
        if (!p->fast->value_scan) continue;
        scans++;
        CHECK(p->match == PT_MATCH_FIELD);
        for (int r = 0; r < 200000; r++) {
            char f[24];
            size_t n = (size_t)(rand() % 23);
            for (size_t k = 0; k < n; k++) f[k] = alphabet[rand() % (int)(sizeof alphabet - 1)];
            f[n] = '\0';
            bool want = pcre2_match(p->value_re, (PCRE2_SPTR)f, n, 0, 0, md, NULL) > 0;
            bool got = p->fast->value_scan(f, n);
            if (want != got) printf("#   %s \"%s\": regex %d, scan %d\n", p->id, f, want, got);
            CHECK(want == got);
            agreed_yes += want;
        }
    }
    /* the rules' account_amount uses the amount scan: if its regex is edited, this says
     * the scan no longer applies (results stay right: PCRE2 runs instead) */
    CHECK(scans >= 1);
    CHECK(agreed_yes > 1000);
    pcre2_match_data_free(md);
}

/* A record's value hashes, sorted and distinct: by hand, then random lists (with
 * repeats, and values about the sign bit, which the vector sort flips) against qsort and
 * a pass that drops repeats. The vector sort is checked only where AVX2 runs. */
static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_sort_distinct(void)
{
    const uint64_t top = (uint64_t)1 << 63;
    bool vector = pt_sort_vector_supported();
    for (int vec = 0; vec <= (int)vector; vec++) {
        /* 7 values, 2 repeated: 5 left, in unsigned order (top is above top - 1) */
        uint64_t v[7] = {top, 5, UINT64_MAX, top - 1, 5, 0, UINT64_MAX};
        const uint64_t want[5] = {0, 5, top - 1, top, UINT64_MAX};
        size_t m = pt_sort_distinct(v, 7, vec);
        CHECK(m == 5);
        CHECK(memcmp(v, want, sizeof want) == 0);
        uint64_t one[1] = {42};
        CHECK(pt_sort_distinct(one, 1, vec) == 1 && one[0] == 42);
        CHECK(pt_sort_distinct(one, 0, vec) == 0);
    }
    static const uint64_t pool[] = {0, 1, 2, (uint64_t)1 << 63, ((uint64_t)1 << 63) - 1,
                                    ((uint64_t)1 << 63) + 1, UINT64_MAX, UINT64_MAX - 1};
    for (int r = 0; r < 20000; r++) {
        size_t n = (size_t)rnd(41);   /* past PT_SORT_VECTOR_MAX and past 32 (qsort) */
        uint64_t v[40], want[40];
        for (size_t k = 0; k < n; k++) {
            unsigned how = rnd(4);
            v[k] = how == 0 ? pool[rnd(sizeof pool / sizeof pool[0])]
                 : how == 1 && k ? v[rnd((unsigned)k)]   /* a repeat */
                 : (uint64_t)rnd(1u << 30) << 34 ^ (uint64_t)rnd(1u << 30);
        }
        memcpy(want, v, n * sizeof *v);
        qsort(want, n, sizeof *want, by_value);
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (m == 0 || want[k] != want[m - 1]) want[m++] = want[k];
        for (int vec = 0; vec <= (int)vector; vec++) {
            uint64_t got[40];
            memcpy(got, v, n * sizeof *v);
            size_t g = pt_sort_distinct(got, n, vec);
            if (g != m || memcmp(got, want, m * sizeof *got) != 0)
                printf("#   n %zu vector %d: %zu of %zu distinct\n", n, vec, g, m);
            CHECK(g == m && memcmp(got, want, m * sizeof *got) == 0);
        }
    }
}

int main(void)
{
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0 ||
        pt_patterns_load(&ps, "patterns", &pol, err, sizeof err) != 0) {
        printf("not ok load: %s\n", err);
        return 1;
    }
    RUN(test_shape_cache_grows_then_clears);
    RUN(test_shape_cache_shares_lists);
    RUN(test_token_facts_by_hand);
    RUN(test_token_facts_non_ascii);
    RUN(test_han_bytes_cover_pcre2);
    RUN(test_literals_by_hand);
    RUN(test_literals_hold_in_every_match);
    RUN(test_source_facts_by_hand);
    RUN(test_source_facts_hold_in_every_match);
    RUN(test_alternatives_by_hand);
    RUN(test_source_facts_pinned);
    RUN(test_alternative_scans_admit_every_match);
    RUN(test_literal_index_finds_each_literal);
    RUN(test_token_scan_admits_every_match);
    RUN(test_records_agree_with_reference);
    RUN(test_multi_header_keys_agree);
    RUN(test_columns_agree_with_reference);
    RUN(test_skip_sets_agree);
    RUN(test_fullwidth_digit_mobile);
    RUN(test_ascii_variants_agree);
    RUN(test_field_scans_agree_with_pcre2);
    RUN(test_sort_distinct);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
