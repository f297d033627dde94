/* test_classify.c - stage 3: the shipped pattern set and policy, classified by hand-made
 * records whose expected categories, tiers, subjects and fingerprints are worked out
 * from SPEC 1 and patterns/policy.yaml; and broken pattern files that must be refused
 * with "FILE:LINE: reason". Run from the repository root (it reads patterns/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pitally/classify.h"
#include "pitally/patterns.h"
#include "pitally/policy.h"
#include "pitally/validators.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static pt_policy pol;
static pt_patterns ps;
static pt_scanner *sc;
static uint64_t *matched, *rejected;

static size_t len_or_0(const char *s) { return s ? strlen(s) : 0; }
#define F(k, v) {(k), len_or_0(k), (v), strlen(v), 0}
#define CLASSIFY(out, ...)                                                               \
    do {                                                                                 \
        const pt_field fields_[] = {__VA_ARGS__};                                        \
        pt_record rec_ = {fields_, sizeof fields_ / sizeof fields_[0], 0};               \
        pt_scanner_classify(sc, &rec_, &(out), matched, rejected);                       \
    } while (0)

static uint64_t cat(const char *name)
{
    int c = pt_policy_category(&pol, name);
    CHECK(c >= 0);
    return c >= 0 ? (uint64_t)1 << c : 0;
}

static int tier(const char *id) { return pt_policy_tier(&pol, id); }
/* The tier a scan gives a record of these categories (the policy's, not the classifier's) */
static int tier_of(const pt_record_class *rc)
{
    return rc->categories ? pt_policy_tier_of_mask(&pol, rc->categories) : -1;
}

static uint64_t count_of(const uint64_t *v, const char *pattern)
{
    int i = pt_patterns_find(&ps, pattern);
    CHECK(i >= 0);
    return i >= 0 ? v[i] : 0;
}

static void reset_counts(void)
{
    memset(matched, 0, ps.n * sizeof *matched);
    memset(rejected, 0, ps.n * sizeof *rejected);
}

static void test_load_shipped_set(void)
{
    /* Every category of the policy is reachable by some pattern. */
    uint64_t reached = 0;
    for (size_t i = 0; i < ps.n; i++) reached |= (uint64_t)1 << ps.v[i].category;
    for (size_t c = 0; c < pol.n_categories; c++) {
        if (!((reached >> c) & 1)) printf("#   category %s has no pattern\n", pol.categories[c]);
        CHECK((reached >> c) & 1);
    }
    CHECK(pt_patterns_find(&ps, "cn_resident_id") >= 0);
    CHECK(pt_patterns_find(&ps, "no_such_pattern") < 0);
}

static void test_person_row(void)
{
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F("姓名", "张伟"), F("身份证号", "11010519491231002X"), F("手机号", "13812345678"));
    CHECK(rc.piece);
    CHECK_EQ(rc.categories, cat("identity") | cat("contact"));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    CHECK(rc.has_subject);
    /* the subject is the resident ID (subject_rank 1 beats the mobile's 2) */
    CHECK((rc.subject & ~(uint64_t)0xF) == (XXH3_64bits("11010519491231002X", 18) & ~(uint64_t)0xF));
    CHECK_EQ(count_of(matched, "cn_name"), 1);
    CHECK_EQ(count_of(matched, "cn_resident_id"), 1);
    CHECK_EQ(count_of(matched, "cn_mobile"), 1);
    CHECK_EQ(count_of(rejected, "cn_resident_id"), 0);
}

/* The subject key: the hash of the normalized identifier, its low 4 bits the kind. */
static uint64_t subject_key(const char *norm, const char *kind)
{
    size_t k = 1;
    while (k < ps.n_subject_kinds && strcmp(ps.subject_kinds[k], kind)) k++;
    CHECK(k < ps.n_subject_kinds);
    return (XXH3_64bits(norm, strlen(norm)) & ~(uint64_t)0xF) | k;
}

static void test_subject_falls_back_to_mobile(void)
{
    pt_record_class rc;
    /* lower-case x and +86 grouping normalize away */
    CLASSIFY(rc, F("email", "Zhang.Wei@Example.com"), F("tel", "+86 138 1234 5678"));
    CHECK(rc.piece);
    CHECK(rc.has_subject);
    CHECK(rc.subject == subject_key("13812345678", "mobile"));
    CLASSIFY(rc, F(NULL, "Zhang.Wei@Example.com"));
    CHECK(rc.subject == subject_key("zhang.wei@example.com", "email"));
    CLASSIFY(rc, F(NULL, "11010519491231002x"));
    CHECK(rc.subject == subject_key("11010519491231002X", "cn_resident_id"));
    /* one kind, one person: the JT/T 808 padded terminal number is the same mobile */
    CLASSIFY(rc, F("终端手机号", "013812345678"));
    CHECK(rc.subject == subject_key("13812345678", "mobile"));
    /* the report lists the kinds strongest first */
    CHECK(!strcmp(ps.subject_kinds[ps.subject_kind_order[0]], "cn_resident_id"));
}

static void test_bank_card_is_property(void)
{
    pt_record_class rc;
    reset_counts();
    /* 6222021234567894: Luhn-valid (worked out in test_validators.c) */
    CLASSIFY(rc, F("姓名", "李娜"), F("卡号", "6222021234567894"));
    CHECK(rc.piece);
    CHECK_EQ(rc.categories, cat("identity") | cat("property"));
    CHECK_EQ(tier_of(&rc), tier("art5_3"));
    CHECK_EQ(count_of(matched, "bank_card"), 1);
    /* the same digits with a broken check digit are rejected, not property */
    reset_counts();
    CLASSIFY(rc, F("卡号", "6222021234567895"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, 0);
    CHECK_EQ(tier_of(&rc), -1);
    CHECK_EQ(count_of(rejected, "bank_card"), 1);
}

static void test_masked_mobile_rejected(void)
{
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F("手机", "138****5678"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, 0);
    CHECK(!rc.has_subject);
    CHECK_EQ(count_of(rejected, "cn_mobile"), 1);
    CHECK_EQ(count_of(matched, "cn_mobile"), 0);
    reset_counts();
    CLASSIFY(rc, F(NULL, "身份证 3301**********1234"));
    CHECK(!rc.piece);
    CHECK_EQ(count_of(rejected, "cn_resident_id"), 1);
}

static void test_bad_checksum_id_rejected(void)
{
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F("身份证号", "110105194912310021"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, 0);
    CHECK_EQ(count_of(rejected, "cn_resident_id"), 1);
    CHECK_EQ(count_of(matched, "cn_resident_id"), 0);
    /* nothing else claims it: not a bank card, not a credit code */
    for (size_t i = 0; i < ps.n; i++) CHECK_EQ(matched[i], 0);
}

static void test_id_inside_longer_run(void)
{
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F(NULL, "1234511010519491231002X"), F(NULL, "11010519491231002X9"),
             F(NULL, "A11010519491231002X"), F(NULL, "1381234567899"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, 0);
    for (size_t i = 0; i < ps.n; i++) {
        CHECK_EQ(matched[i], 0);
        CHECK_EQ(rejected[i], 0);
    }
}

static void test_embedded_in_free_text(void)
{
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F(NULL, "请联系13812345678谢谢"));
    CHECK(rc.piece);
    CHECK_EQ(rc.categories, cat("contact"));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    /* two identifiers in one line of text: both counted */
    reset_counts();
    CLASSIFY(rc, F(NULL, "张伟 11010519491231002X 电话13812345678 邮箱 zw@example.com"));
    CHECK(rc.piece);
    CHECK_EQ(count_of(matched, "cn_resident_id"), 1);
    CHECK_EQ(count_of(matched, "cn_mobile"), 1);
    CHECK_EQ(count_of(matched, "email"), 1);
    CHECK_EQ(rc.categories, cat("identity") | cat("contact"));
}

static void test_fingerprint_order_independent(void)
{
    pt_record_class a, b, c, d;
    CLASSIFY(a, F("姓名", "张伟"), F("手机号", "13812345678"), F("邮箱", "zw@example.com"));
    CLASSIFY(b, F("邮箱", "zw@example.com"), F("姓名", "张伟"), F("手机号", "13812345678"));
    CLASSIFY(c, F("姓名", "张伟"), F("手机号", "13812345679"), F("邮箱", "zw@example.com"));
    /* the same information written differently normalizes to the same piece */
    CLASSIFY(d, F("name", " 张伟 "), F("mobile", "+86 138-1234-5678"), F("email", "ZW@Example.COM"));
    CHECK(a.piece && b.piece && c.piece && d.piece);
    CHECK(a.fp[0] == b.fp[0] && a.fp[1] == b.fp[1]);
    CHECK(a.fp[0] != c.fp[0] || a.fp[1] != c.fp[1]);
    CHECK(a.fp[0] == d.fp[0] && a.fp[1] == d.fp[1]);
}

static void test_header_only_category(void)
{
    pt_record_class rc;
    CLASSIFY(rc, F("诊断", "高血压"), F("手机", "13812345678"));
    CHECK(rc.piece);
    CHECK_EQ(rc.categories, cat("health") | cat("contact"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
    /* health alone is information but not a piece */
    CLASSIFY(rc, F("诊断", "高血压"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, cat("health"));
    /* the same value without its column is nothing */
    CLASSIFY(rc, F(NULL, "高血压"));
    CHECK_EQ(rc.categories, 0);
    /* placeholders and blanks are not values */
    CLASSIFY(rc, F("诊断", "NULL"), F("余额", "  "), F("病历", "\\N"));
    CHECK_EQ(rc.categories, 0);
}

static void test_header_categories(void)
{
    static const struct { const char *key, *val, *category; } rows[] = {
        {"轨迹", "杭州-上海", "whereabouts"}, {"短信内容", "验证码1234", "communication_content"},
        {"征信记录", "良好", "credit"}, {"账户余额", "1000.00", "property"},
        {"入住时间", "2020-01-01", "accommodation"}, {"主叫号码", "010-1234", "communication_records"},
        {"快递单号", "SF1234567", "waybill"}, {"商品名称", "手机壳", "transaction"}, {"小区", "阳光花园", "real_estate"},
        {"学历", "本科", "education"}, {"工作单位", "某某公司", "employment"},
        {"户籍", "浙江杭州", "household"}, {"人脸", "a.jpg", "biometric"},
        {"password", "secret", "credentials"}, {"ip", "10.1.2.3", "online_behavior"},
        {"车架号", "whatever", "vehicle"}, {"性别", "男", "identity"}, {"address", "某路1号", "contact"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pt_record_class rc;
        CLASSIFY(rc, F(rows[i].key, rows[i].val));
        if (!(rc.categories & cat(rows[i].category)))
            printf("#   %s: %s did not give %s\n", rows[i].key, rows[i].val, rows[i].category);
        CHECK(rc.categories & cat(rows[i].category));
        /* a password is 账号密码 (Interpretation Art. 1): an identifier by itself */
        if (rc.piece != !strcmp(rows[i].key, "password")) printf("#   %s: piece %d\n", rows[i].key, rc.piece);
        CHECK(rc.piece == !strcmp(rows[i].key, "password"));
    }
}

static void test_key_cache_survives_many_keys(void)
{
    /* More distinct keys than the cache holds: it is cleared and refilled, answers stay. */
    char key[32];
    for (int i = 0; i < 3000; i++) {
        pt_record_class rc;
        snprintf(key, sizeof key, "col%d", i);
        pt_field f[2] = {F(key, "x"), F("诊断", "高血压")};
        pt_record rec = {f, 2, 0};
        pt_scanner_classify(sc, &rec, &rc, matched, rejected);
        if (rc.categories != cat("health")) { CHECK_EQ(rc.categories, cat("health")); break; }
    }
}

static void test_hostile_values(void)
{
    pt_record_class rc;
    /* invalid UTF-8, NUL bytes, a huge digit run, lots of separators: no crash, no match */
    static const char bad[] = "\xff\xfe\xc3\x28\xe2\x82\x28 13812345678 \xf0\x28\x8c\x28";
    pt_field f1 = {"手机\xff", 7, bad, sizeof bad - 1, 0};
    pt_record rec = {&f1, 1, 0};
    pt_scanner_classify(sc, &rec, &rc, matched, rejected);
    CHECK(rc.piece);   /* the mobile between the broken bytes is still found */
    size_t n = 1 << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)(i % 7 == 0 ? '-' : '0' + (int)(i % 10));
    pt_field f2 = {NULL, 0, big, n, 0};
    rec.fields = &f2;
    pt_scanner_classify(sc, &rec, &rc, matched, rejected);
    CHECK(!rc.piece || rc.piece);   /* survived */
    pt_field f3 = {NULL, 0, "", 0, 0};
    rec.fields = &f3;
    pt_scanner_classify(sc, &rec, &rc, matched, rejected);
    CHECK_EQ(rc.categories, 0);
    rec.n = 0;
    pt_scanner_classify(sc, &rec, &rc, matched, rejected);
    CHECK_EQ(tier_of(&rc), -1);
    free(big);
}

static void test_explain(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int n = pt_explain(&ps, &pol, "11010519491231002X", "身份证号", out);
    fclose(out);
    CHECK_EQ(n, 1);
    CHECK(buf && strstr(buf, "cn_resident_id") != NULL);
    CHECK(buf && strstr(buf, "gb11643: checksum ok, date 1949-12-31, province 11") != NULL);
    CHECK(buf && strstr(buf, "identity") != NULL);
    CHECK(buf && strstr(buf, "art5_5") != NULL);
    free(buf);

    buf = NULL;
    out = open_memstream(&buf, &len);
    n = pt_explain(&ps, &pol, "138****5678", NULL, out);
    fclose(out);
    CHECK_EQ(n, 0);
    CHECK(buf && strstr(buf, "masked") != NULL);
    CHECK(buf && strstr(buf, "tier: none") != NULL);
    free(buf);
}


/* Each value with its key alone in a record: is it a piece, and which categories. */
static void expect_field(const char *key, const char *val, bool piece, uint64_t cats)
{
    pt_record_class rc;
    CLASSIFY(rc, F(key, val));
    if (rc.piece != piece || rc.categories != cats)
        printf("#   [%s] %s: piece %d categories %#llx, expected %d %#llx\n", key ? key : "-", val,
               rc.piece, (unsigned long long)rc.categories, piece, (unsigned long long)cats);
    CHECK(rc.piece == piece);
    CHECK_EQ(rc.categories, cats);
}

static void test_issue3_identifiers(void)
{
    uint64_t id = cat("identity"), ct = cat("contact"), veh = cat("vehicle");
    /* mobiles: +86, 0086, (+86), spaced, hyphenated; unallocated segment 154 is not one */
    expect_field(NULL, "0086 138 1234 5678", true, ct);
    expect_field(NULL, "(+86)13812345678", true, ct);
    expect_field(NULL, "15412345678", false, 0);
    /* plates per GA 36-2018: 7 characters, new-energy 8 (small D/F first, large D/F last) */
    expect_field(NULL, "浙A12345", true, veh);
    expect_field(NULL, "京AD12345", true, veh);
    expect_field(NULL, "粤B12345F", true, veh);
    expect_field(NULL, "京AI2345", false, 0);          /* I is never used */
    /* VIN: 1M8GDM9AXKP042788 passes ISO 3779 (test_validators); position 9 altered fails */
    expect_field("vin", "1M8GDM9AXKP042788", true, veh);
    expect_field("vin", "1M8GDM9A1KP042788", false, veh);   /* the vin column itself is vehicle info */
    /* passports and permits need their column or label */
    expect_field("护照号码", "E12345678", true, id);
    expect_field(NULL, "E12345678", false, 0);
    expect_field(NULL, "护照号：EA1234567", true, id);
    expect_field("港澳通行证", "C12345678", true, id);
    expect_field("回乡证", "H1234567801", true, id);
    /* legacy 15-digit ID: column or label; a bare 15-digit number is not one */
    expect_field("身份证号", "110105491231002", true, id);
    expect_field(NULL, "身份证号：110105491231002", true, id);
    expect_field(NULL, "110105491231002", false, 0);
    /* names: a surname from the list under a name column; honorifics and words are not */
    expect_field("收件人", "欧阳娜娜", true, id);
    expect_field("收件人", "张先生", false, 0);
    expect_field("姓名", "未知", false, 0);
    /* a bare name is identity only with a co-occurring identifier */
    expect_field(NULL, "李娜", false, id);
    /* QQ and WeChat: column or label */
    expect_field(NULL, "QQ：12345678", true, ct);
    expect_field(NULL, "12345678", false, 0);
    expect_field(NULL, "微信号：zhang_wei88", true, ct);
    /* credentials: a password column is 账号密码; masked passwords are not */
    expect_field("password", "s3cret!", true, cat("credentials"));
    expect_field("password", "******", false, 0);
    expect_field(NULL, "lisi@example.com----abc123", true, ct | cat("credentials"));
    expect_field(NULL, "version:v1.2.3", false, 0);
    /* IMEI with Luhn (490154203237518, the GSM example) by column or label */
    expect_field("imei", "490154203237518", true, cat("online_behavior"));
    expect_field(NULL, "IMEI:490154203237519", false, 0);
}

static void test_issue3_lookalikes(void)
{
    /* order numbers, timestamps, amounts, UUIDs, digests, longer runs: nothing at all */
    static const char *const noise[] = {
        "2023111512345678", "1700000000000", "2023-11-15 10:30:45", "13812345678.50",
        "SKU-E12345678", "123e4567-e89b-42d3-a456-426614174000",
        "d41d8cd98f00b204e9800998ecf8427e", "138123456789", "A13812345678",
        "v1.2.3-build7", "6222********1234", "status:ok",
    };
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        pt_record_class rc;
        CLASSIFY(rc, F(NULL, noise[i]), F("备注", noise[i]));
        if (rc.piece) printf("#   %s became a piece\n", noise[i]);
        CHECK(!rc.piece);
    }
    /* an order number in an order column or after its label is a transaction, never a card
     * (6222021234567894 passes Luhn) */
    pt_record_class rc;
    reset_counts();
    CLASSIFY(rc, F("订单号", "6222021234567894"), F(NULL, "订单号：6222021234567894"));
    CHECK(!rc.piece);
    CHECK_EQ(rc.categories, cat("transaction"));
    CHECK_EQ(count_of(matched, "bank_card"), 0);
}

static void test_issue3_contexts(void)
{
    pt_record_class rc;
    /* whereabouts: a coordinate by column or a pair in text counts only with the record
     * shape whereabouts (the pair and the time of the fix, decided from an input's
     * sample: test_record_shapes); a record alone has none. LAC/CI by column. */
    CLASSIFY(rc, F("手机", "13812345678"), F("纬度", "30.274084"));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    CLASSIFY(rc, F(NULL, "13812345678 位于 30.274084,120.155070"));
    CHECK_EQ(rc.categories, cat("contact"));
    CLASSIFY(rc, F("手机", "13812345678"), F("lac", "22531"));
    CHECK_EQ(rc.categories, cat("contact") | cat("whereabouts"));
    /* health: ICD-10 and blood type only in their columns */
    CLASSIFY(rc, F("手机", "13812345678"), F("icd10", "J45.901"), F("血型", "AB型"));
    CHECK_EQ(rc.categories, cat("contact") | cat("health"));
    CLASSIFY(rc, F(NULL, "J45.901"));
    CHECK_EQ(rc.categories, 0);
    /* waybill alone is item (五); with goods, item (四) */
    CLASSIFY(rc, F("手机", "13812345678"), F("运单号", "SF1234567890123"));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    CLASSIFY(rc, F("手机", "13812345678"), F("运单号", "SF1234567890123"), F("商品", "奶粉"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
    /* real estate: certificate number in text */
    CLASSIFY(rc, F(NULL, "业主13812345678 京(2019)朝阳区不动产权第0012345号"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
    /* a gender column value, a birth date that exists and one that does not */
    CLASSIFY(rc, F("出生日期", "1990-02-30"));
    CHECK_EQ(rc.categories, 0);
    CLASSIFY(rc, F("出生日期", "1990年3月7日"), F("性别", "女"));
    CHECK_EQ(rc.categories, cat("identity"));
    CHECK(!rc.piece);
    /* a reformatted caller number in a CDR is the same piece */
    pt_record_class a, b;
    CLASSIFY(a, F("主叫号码", "13812345678"), F("通话时长", "60"));
    CLASSIFY(b, F("主叫号码", "+86 138 1234 5678"), F("通话时长", "60"));
    CHECK(a.piece && b.piece);
    CHECK(a.fp[0] == b.fp[0] && a.fp[1] == b.fp[1]);
    CHECK_EQ(tier_of(&a), tier("art5_4"));
}

/* ---- broken pattern files ------------------------------------------------------------- */


/* ---- record shapes (patterns/shapes.yaml) ---------------------------------------------- */

#define SHAPE_COLS 6
typedef struct {
    const char *keys[SHAPE_COLS];
    const char *rows[4][SHAPE_COLS];   /* NULL: no such column */
} shape_case;

static void classify_rows(pt_scanner *s, const shape_case *c, size_t from, size_t to,
                          pt_record_class *last)
{
    for (size_t r = from; r < to; r++) {
        pt_field f[SHAPE_COLS];
        size_t n = 0;
        for (size_t k = 0; k < SHAPE_COLS && c->keys[k]; k++)
            f[n++] = (pt_field){c->keys[k], strlen(c->keys[k]), c->rows[r][k], strlen(c->rows[r][k]), 0};
        pt_record rec = {f, n, r};
        pt_scanner_classify(s, &rec, last, NULL, NULL);
    }
}

/* The four rows as an input: the first three are its sample (the plan, decided as a scan
 * decides it), then the fourth is classified under that plan. */
static pt_record_class classify_as_input(const shape_case *c, uint32_t *hold, uint32_t *partial)
{
    pt_scanner *s = pt_scanner_new(&ps, &pol);
    pt_colstats *plan = pt_colstats_new(false), *stats = pt_colstats_new(false);
    pt_record_class rc;
    pt_scanner_set_columns(s, NULL, plan);
    classify_rows(s, c, 0, 3, &rc);
    pt_scanner_set_columns(s, NULL, NULL);
    pt_colplan_decide(plan, &ps);
    pt_scanner_set_columns(s, plan, stats);
    classify_rows(s, c, 3, 4, &rc);
    pt_scanner_set_columns(s, NULL, NULL);
    *hold = plan->shapes_hold;
    *partial = plan->shapes_partial;
    pt_colstats_free(plan);
    pt_colstats_free(stats);
    pt_scanner_free(s);
    return rc;
}

static uint32_t shape_bit(const char *id)
{
    int k = pt_patterns_find_shape(&ps, id);
    CHECK(k >= 0);
    return k >= 0 ? (uint32_t)1 << k : 0;
}

static void test_record_shapes(void)
{
    uint32_t hold, partial;
    /* two parties (a wxid talker, isSend) and message text: 通信内容, item (三) */
    static const shape_case chat = {{"talker", "isSend", "content"}, {
        {"wxid_abcdef123456", "1", "周末一起吃饭吧"}, {"wxid_bcdefg234567", "0", "好的没问题"},
        {"wxid_cdefgh345678", "1", "合同我发你邮箱了"}, {"wxid_defghi456789", "0", "收到谢谢"}}};
    pt_record_class rc = classify_as_input(&chat, &hold, &partial);
    CHECK(hold & shape_bit("communication_content"));
    CHECK_EQ(rc.categories, cat("contact") | cat("communication_content"));
    CHECK_EQ(tier_of(&rc), tier("art5_3"));
    CHECK_EQ(rc.doubt_pattern, -1);
    /* one party and the same text (feedback with the user's phone): no conversation, item
     * (五); the text is doubt (art5_5 -> art5_3 under the other reading) */
    static const shape_case feedback = {{"mobile", "content"}, {
        {"13812345678", "物流太慢了希望改进"}, {"13912345678", "商品质量很好"},
        {"13712345678", "包装破损了"}, {"13612345678", "客服态度不错"}}};
    rc = classify_as_input(&feedback, &hold, &partial);
    CHECK(!(hold & shape_bit("communication_content")));
    CHECK(partial & shape_bit("communication_content"));
    CHECK_EQ(rc.categories, cat("contact"));
    CHECK_EQ(rc.doubt_pattern, pt_patterns_find(&ps, "message_text"));
    CHECK_EQ(rc.doubt_categories, cat("communication_content"));
    /* a device's call log: its number beside Android's type code, a time and a duration:
     * 通信记录, item (四) */
    static const shape_case calls = {{"number", "date", "duration", "type"}, {
        {"13812345678", "1690000000000", "65", "1"}, {"13912345678", "1690000100000", "0", "3"},
        {"13712345678", "1690000200000", "300", "2"}, {"13612345678", "1690000300000", "12", "2"}}};
    rc = classify_as_input(&calls, &hold, &partial);
    CHECK(hold & shape_bit("communication_record"));
    CHECK_EQ(rc.categories, cat("contact") | cat("communication_records"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
    /* the same columns without the duration: a phone list with a type and a time is no
     * call log (the bare type code stands for a direction only beside a duration) */
    static const shape_case typed = {{"number", "date", "type"}, {
        {"13812345678", "1690000000000", "1"}, {"13912345678", "1690000100000", "3"},
        {"13712345678", "1690000200000", "2"}, {"13612345678", "1690000300000", "2"}}};
    rc = classify_as_input(&typed, &hold, &partial);
    CHECK(!(hold & shape_bit("communication_record")));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    /* JT/T 808 positions: latitude and longitude x 10^6 with the BCD time of the fix:
     * 行踪轨迹, item (三) */
    static const shape_case track = {{"phone", "latitude", "longitude", "time"}, {
        {"013812345678", "30274084", "120155070", "230102081530"},
        {"013812345678", "30274100", "120155100", "230102081600"},
        {"013812345678", "30274200", "120155300", "230102081630"},
        {"013812345678", "30274300", "120155500", "230102081700"}}};
    rc = classify_as_input(&track, &hold, &partial);
    CHECK(hold & shape_bit("whereabouts"));
    CHECK_EQ(rc.categories, cat("contact") | cat("whereabouts"));
    CHECK_EQ(tier_of(&rc), tier("art5_3"));
    /* shops on a map with created_at: bookkeeping is no fix time; a latitude out of range
     * (123.4) is no latitude either */
    static const shape_case shops = {{"phone", "lat", "lng", "created_at"}, {
        {"13812345678", "30.274084", "120.155070", "2023-01-02 08:15:30"},
        {"13912345678", "31.230416", "121.473701", "2023-01-03 09:00:00"},
        {"13712345678", "22.543096", "114.057865", "2023-01-04 10:00:00"},
        {"13612345678", "39.904200", "116.407396", "2023-01-05 11:00:00"}}};
    rc = classify_as_input(&shops, &hold, &partial);
    CHECK(!(hold & shape_bit("whereabouts")));
    CHECK(partial & shape_bit("whereabouts"));
    CHECK_EQ(rc.categories, cat("contact"));
    CHECK_EQ(rc.doubt_categories, cat("whereabouts"));
    static const shape_case swapped = {{"phone", "lat", "lng", "gps_time"}, {
        {"13812345678", "120.155070", "30.274084", "2023-01-02 08:15:30"},
        {"13912345678", "121.473701", "31.230416", "2023-01-03 09:00:00"},
        {"13712345678", "114.057865", "22.543096", "2023-01-04 10:00:00"},
        {"13612345678", "116.407396", "39.904200", "2023-01-05 11:00:00"}}};
    rc = classify_as_input(&swapped, &hold, &partial);
    CHECK(!(hold & shape_bit("whereabouts")));
    CHECK_EQ(tier_of(&rc), tier("art5_5"));
    /* a balance beside a securities fund account (no card number): 财产信息, item (三) */
    static const shape_case fund = {{"客户姓名", "资金账号", "余额"}, {
        {"张伟", "310012345678", "1000.00"}, {"李娜", "310012345679", "25.50"},
        {"王芳", "310012345680", "0.00"}, {"刘强", "310012345681", "88000.10"}}};
    rc = classify_as_input(&fund, &hold, &partial);
    CHECK(hold & shape_bit("property"));
    CHECK(rc.categories & cat("property"));
    /* an amount beside card numbers: property where the row carries a card that passes
     * Luhn; the fourth row's card fails it (…7890), so its amount is a transaction only,
     * and doubt (art5_4 -> art5_3) */
    static const shape_case cards = {{"卡号", "交易金额", "手机"}, {
        {"6222021234567894", "100.00", "13812345678"}, {"6228480012345671", "25.50", "13912345678"},
        {"6217001234567893", "9.90", "13712345678"}, {"6217001234567890", "88.00", "13612345678"}}};
    rc = classify_as_input(&cards, &hold, &partial);
    CHECK(hold & shape_bit("property"));
    CHECK_EQ(rc.categories, cat("contact") | cat("transaction"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
    CHECK_EQ(rc.doubt_pattern, pt_patterns_find(&ps, "account_amount"));
    CHECK_EQ(rc.doubt_categories, cat("property"));
    /* a hotel PMS register in its own pinyin: room, check-in and check-out: 住宿 */
    static const shape_case stay = {{"khxm", "lxdh", "fjbh", "rzrq", "tfrq"}, {
        {"张伟", "13812345678", "1203", "2023-01-02 14:00", "2023-01-03 12:00"},
        {"李娜", "13912345678", "805", "2023-01-02 15:00", "2023-01-04 12:00"},
        {"王芳", "13712345678", "1507", "2023-01-03 18:00", "2023-01-05 11:00"},
        {"刘强", "13612345678", "302", "2023-01-04 20:00", "2023-01-06 10:00"}}};
    rc = classify_as_input(&stay, &hold, &partial);
    CHECK(hold & shape_bit("lodging"));
    CHECK(rc.categories & cat("accommodation"));
    CHECK_EQ(tier_of(&rc), tier("art5_4"));
}

static char tmpdir[] = "/tmp/pitally-test-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
}

/* Load tmpdir holding only name = text; expect failure with "tmpdir/name:line:" and
 * the word in the message. */
static void expect_broken(const char *name, const char *text, int line, const char *word)
{
    write_file(name, text);
    pt_patterns bad;
    char err[512] = "", want[300];
    int rc = pt_patterns_load(&bad, tmpdir, &pol, err, sizeof err);
    CHECK_EQ(rc, -1);
    snprintf(want, sizeof want, "%s/%s:%d: ", tmpdir, name, line);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, word))
        printf("#   got \"%s\", expected \"%s...%s...\"\n", err, want, word);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(strstr(err, word) != NULL);
    if (rc == 0) pt_patterns_free(&bad);
    remove_file(name);
}

static const char good_head[] = "set: t\npatterns:\n  - id: p1\n    category: contact\n";

static void test_broken_files(void)
{
    char text[512];
    CHECK(mkdtemp(tmpdir) != NULL);
    /* policy.yaml in the directory is not a pattern file */
    write_file("policy.yaml", "this: [is not: a pattern file\n");

    snprintf(text, sizeof text, "%s    value: '(?<!\\d)1[3-9'\n", good_head);
    expect_broken("a.yaml", text, 5, "offset");
    snprintf(text, sizeof text, "%s    value: '\\d+'\n    validator: crc99\n", good_head);
    expect_broken("b.yaml", text, 6, "unknown validator 'crc99'");
    expect_broken("c.yaml", "patterns:\n  - id: p1\n    value: 'x'\n    category: gossip\n", 4,
                  "unknown category 'gossip'");
    expect_broken("d.yaml", "patterns:\n  - id: p1\n    category: [contact\n  - id: p2\n", 4,
                  "YAML syntax");
    expect_broken("e.yaml", "patterns:\n  - id: p1\n    category: contact\n", 2, "missing value");
    expect_broken("f.yaml", "patterns:\n  - id: p1\n    category: contact\n    value: 'x'\n"
                  "    normalise: digits\n", 5, "unknown key 'normalise'");
    expect_broken("g.yaml", "patterns:\n  - category: contact\n    value: 'x'\n", 2, "without id");
    expect_broken("h.yaml", "patterns:\n  - id: p1\n    category: contact\n    value: 'x'\n"
                  "    match: everywhere\n", 5, "match");
    /* record shapes: unknown roles, patterns and shapes are named */
    snprintf(text, sizeof text, "%s    value: 'x'\n    shape: [chat]\n", good_head);
    expect_broken("i.yaml", text, 6, "unknown shape 'chat'");
    snprintf(text, sizeof text, "%s    value: 'x'\nshapes:\n  - id: s1\n    roles:\n"
             "      party: {patterns: [p9]}\n    any_of:\n      - {party: 2}\n", good_head);
    expect_broken("j.yaml", text, 9, "unknown pattern 'p9'");
    snprintf(text, sizeof text, "%s    value: 'x'\nshapes:\n  - id: s1\n    roles:\n"
             "      party: {patterns: [p1]}\n    any_of:\n      - {text: 1}\n", good_head);
    expect_broken("k.yaml", text, 11, "unknown role 'text'");
    snprintf(text, sizeof text, "%s    value: 'x'\n    subject_kind: phone\n", good_head);
    expect_broken("l.yaml", text, 6, "subject_kind needs subject_rank");
    /* a header-only pattern is fine; a duplicate id in a later file is not */
    write_file("a.yaml", "patterns:\n  - id: p1\n    category: health\n    requires_header: true\n"
                         "    header: '诊断'\n");
    expect_broken("b.yaml", "patterns:\n  - id: p2\n    category: contact\n    value: 'x'\n"
                  "  - id: p1\n    category: contact\n    value: 'y'\n", 5, "duplicate pattern id 'p1'");
    /* ... and the good file alone loads */
    pt_patterns ok;
    char err[512] = "";
    CHECK_EQ(pt_patterns_load(&ok, tmpdir, &pol, err, sizeof err), 0);
    CHECK_EQ(ok.n, 1);
    pt_patterns_free(&ok);
    remove_file("a.yaml");
    remove_file("policy.yaml");
    rmdir(tmpdir);
}

/* ---- the cheaper shadow of small inputs (pt_colplan_relevant, _shadow_needed) ---- */

#define SHADOW_WORDS_MAX 8
static bool bit_of(const uint64_t *bits, int i) { return i >= 0 && (bits[i >> 6] >> (i & 63)) & 1; }
static void set_bit(uint64_t *bits, int i) { CHECK(i >= 0); if (i >= 0) bits[i >> 6] |= (uint64_t)1 << (i & 63); }
static bool no_bits(const uint64_t *bits, size_t words)
{
    for (size_t w = 0; w < words; w++)
        if (bits[w]) return false;
    return true;
}

static void cell_counts(pt_colstats *t, int32_t col, const char *pattern, uint64_t matches, uint64_t passed)
{
    pt_column_pattern *cell = pt_colstats_cell(t, col, (uint32_t)pt_patterns_find(&ps, pattern));
    cell->matches = cell->checked = matches;
    cell->passed = passed;
}

/* One small input's table: 银行卡号, 金额 and 时间, 30 values each; bank_card passes on
 * card_passed of them, account_amount on all 30. */
static pt_colstats *card_amount_time(uint64_t card_passed)
{
    pt_colstats *t = pt_colstats_new(false);
    const char *keys[3] = {"银行卡号", "金额", "时间"};
    for (int32_t c = 0; c < 3; c++) {
        CHECK_EQ(pt_colstats_column(t, c, keys[c], strlen(keys[c])), c);
        t->cols[c].fill = 30;
    }
    cell_counts(t, 0, "bank_card", 30, card_passed);
    cell_counts(t, 1, "account_amount", 30, 30);
    return t;
}

/* Which skipped patterns matter to the plan of such a table, worked out from
 * patterns/shapes.yaml by hand:
 * - property (account: bank_card or bank_account_no; amount: account_amount) holds on
 *   known counts when bank_card passes on >= 80% of the card column: bank_account_no,
 *   which may run there (header 银行卡), then decides nothing; at 20 of 30 (67%) it
 *   alone could fill the role, so it matters;
 * - whereabouts' alternative {pair, time} may hold while geo_pair_text (no header: every
 *   column) is unknown, with fix_time in 时间: both matter; once geo_pair_text is known
 *   to pass nowhere, {pair, time} lacks its pair and {latitude, longitude, time} two
 *   roles (no column is named so): neither holds nor is partial (that needs two roles
 *   met), and fix_time matters no more;
 * - communication_record needs a party (none of its patterns passes or may run here),
 *   and a duration or direction: every alternative misses two roles or more, so
 *   event_time (a time role) never matters. */
static void test_shadow_relevance(void)
{
    size_t words = (ps.n + 63) / 64;
    CHECK(words <= SHADOW_WORDS_MAX);
    int card_acct = pt_patterns_find(&ps, "bank_account_no"), event = pt_patterns_find(&ps, "event_time");
    int fix = pt_patterns_find(&ps, "fix_time"), pair = pt_patterns_find(&ps, "geo_pair_text");
    int id = pt_patterns_find(&ps, "cn_resident_id");
    uint64_t cands[3 * SHADOW_WORDS_MAX], unknown[SHADOW_WORDS_MAX] = {0}, rel[SHADOW_WORDS_MAX];
    pt_colstats *t = card_amount_time(30);
    for (size_t c = 0; c < 3; c++)
        pt_scanner_key_patterns(sc, t->cols[c].key, t->cols[c].key_len, cands + c * words);
    /* the columns' candidates, by their headers */
    CHECK(bit_of(cands, card_acct) && !bit_of(cands + words, card_acct));
    CHECK(bit_of(cands + 2 * words, fix) && bit_of(cands + 2 * words, event));
    CHECK(!bit_of(cands, fix) && !bit_of(cands + words, event));
    for (size_t c = 0; c < 3; c++) CHECK(bit_of(cands + c * words, pair));

    set_bit(unknown, card_acct);
    set_bit(unknown, event);
    set_bit(unknown, fix);
    set_bit(unknown, pair);
    pt_colplan_relevant(t, &ps, unknown, cands, rel);
    CHECK(bit_of(rel, pair) && bit_of(rel, fix));
    CHECK(!bit_of(rel, event) && !bit_of(rel, card_acct));

    unknown[pair >> 6] &= ~((uint64_t)1 << (pair & 63));   /* known: passes nowhere */
    pt_colplan_relevant(t, &ps, unknown, cands, rel);
    CHECK(no_bits(rel, words));

    /* a column-level evidence pattern always matters: its cells are judged */
    set_bit(unknown, id);
    pt_colplan_relevant(t, &ps, unknown, cands, rel);
    CHECK(bit_of(rel, id) && !bit_of(rel, fix));
    unknown[id >> 6] &= ~((uint64_t)1 << (id & 63));
    pt_colstats_free(t);

    t = card_amount_time(20);
    pt_colplan_relevant(t, &ps, unknown, cands, rel);
    CHECK(bit_of(rel, card_acct) && !bit_of(rel, fix) && !bit_of(rel, event));
    pt_colstats_free(t);

    /* after a full shadow (every count known): the cheapest set that leaves the rest
     * irrelevant is geo_pair_text alone (0 matches, against fix_time's 30) */
    t = card_amount_time(30);
    cell_counts(t, 0, "bank_account_no", 30, 30);
    cell_counts(t, 2, "event_time", 30, 30);
    cell_counts(t, 2, "fix_time", 30, 30);
    uint64_t skipped[SHADOW_WORDS_MAX] = {0}, needed[SHADOW_WORDS_MAX];
    set_bit(skipped, card_acct);
    set_bit(skipped, event);
    set_bit(skipped, fix);
    set_bit(skipped, pair);
    pt_colplan_shadow_needed(t, &ps, skipped, cands, needed);
    uint64_t want[SHADOW_WORDS_MAX] = {0};
    set_bit(want, pair);
    CHECK(memcmp(needed, want, words * sizeof *needed) == 0);
    pt_colstats_free(t);
}

/* What a worker thread's scanner costs (issue 13, "compile once"): the pattern-derived
 * prefilter tables are built once with the pattern set and shared, so a scanner holds
 * only its scratch (match data, JIT stack, key and shape caches). Prints the time and
 * the heap bytes (malloc'd, touched or not) of one pt_scanner_new, averaged over a few;
 * the bound fails if the per-thread rebuild comes back (it took ~0.9 ms, ~1.6 MiB). */
static void test_scanner_new_cost(void)
{
    enum { N = 8 };
    pt_scanner *v[N];
    struct mallinfo2 a = mallinfo2();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) v[i] = pt_scanner_new(&ps, &pol);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct mallinfo2 b = mallinfo2();
    size_t bytes = (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd);
    double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / N;
    printf("# pt_scanner_new: %.3f ms, %zu KiB per scanner (%zu patterns)\n", ms, bytes / N / 1024, ps.n);
    /* match data, JIT stack descriptor, key cache: the shape caches (1.1 MiB of scratch)
     * are made by the first field that needs them; the rebuilt tables alone were 0.5 MiB */
    CHECK(bytes / N < 256 * 1024);
    CHECK(ps.prefilter != NULL);
    for (int i = 0; i < N; i++) {   /* each one classifies alike */
        pt_record_class c;
        CLASSIFY(c, F("手机号", "13812345678"));
        pt_scanner *keep = sc;
        sc = v[i];
        pt_record_class d;
        CLASSIFY(d, F("手机号", "13812345678"));
        sc = keep;
        CHECK(c.categories == d.categories && c.piece == d.piece && c.fp[0] == d.fp[0]);
        pt_scanner_free(v[i]);
    }
}

/* The card validator reads a run of digits 8 bytes at a time (SWAR) before the bytes
 * one by one: a byte that is not a digit at any position 0..18 of a 19-digit card must
 * stop the run there. 6222021234567890128: UnionPay (62, 16-19 digits); Luhn from the
 * right, every second digit doubled (digits of 2*d summed): 8 + (2+4) + 1 + 0 + 9 +
 * (1+6) + 7 + (1+2) + 5 + 8 + 3 + 4 + 1 + 0 + 2 + 4 + 2 + 4 + 6 = 80, divisible by 10.
 * A space or hyphen in place of a digit drops that digit: 18 digits, another sum, but
 * a byte that is neither (':' and '/' just around the digits, a letter, 0xB0 and 0x80,
 * which a borrow or carry could make look like a digit) makes it no card at all. */
static void test_card_digit_runs(void)
{
    const char *card = "6222021234567890128";
    CHECK(pt_valid_bank_card(card, 19));
    const char bad[] = {':', '/', 'a', (char)0xB0, (char)0x80};
    for (size_t k = 0; k < 19; k++)
        for (size_t b = 0; b < sizeof bad; b++) {
            char v[20];
            memcpy(v, card, 19);
            v[k] = bad[b];
            CHECK(!pt_valid_bank_card(v, 19));
        }
    /* the same digits split 4-4-4-4-3 by spaces: the run stops at byte 4, the rest is
     * copied out of its separators, the same 19 digits and sum */
    CHECK(pt_valid_bank_card("6222 0212 3456 7890 128", 23));
    CHECK(pt_valid_bank_card("6222-0212-3456-7890-128", 23));
}

int main(void)
{
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0) {
        printf("not ok load_policy\n# %s\n", err);
        return 1;
    }
    if (pt_patterns_load(&ps, "patterns", &pol, err, sizeof err) != 0) {
        printf("not ok load_patterns\n# %s\n", err);
        pt_policy_free(&pol);
        return 1;
    }
    sc = pt_scanner_new(&ps, &pol);
    matched = calloc(ps.n, sizeof *matched);
    rejected = calloc(ps.n, sizeof *rejected);

    RUN(test_card_digit_runs);
    RUN(test_load_shipped_set);
    RUN(test_person_row);
    RUN(test_subject_falls_back_to_mobile);
    RUN(test_bank_card_is_property);
    RUN(test_masked_mobile_rejected);
    RUN(test_bad_checksum_id_rejected);
    RUN(test_id_inside_longer_run);
    RUN(test_embedded_in_free_text);
    RUN(test_fingerprint_order_independent);
    RUN(test_header_only_category);
    RUN(test_header_categories);
    RUN(test_key_cache_survives_many_keys);
    RUN(test_hostile_values);
    RUN(test_explain);
    RUN(test_issue3_identifiers);
    RUN(test_issue3_lookalikes);
    RUN(test_issue3_contexts);
    RUN(test_record_shapes);
    RUN(test_broken_files);
    RUN(test_shadow_relevance);
    RUN(test_scanner_new_cost);

    free(matched);
    free(rejected);
    pt_scanner_free(sc);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
