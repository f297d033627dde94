/* gen.c - bench-gen: a fast, deterministic generator of synthetic leak dumps for bench/.
 *
 * Why: pitally's speed targets (SPEC section 6) are measured on dumps of tens of millions of
 * records that look like the real thing: Chinese names, GB 11643 resident IDs (most with a
 * correct check character, some without), mobiles, e-mails, addresses, Luhn bank cards, and
 * look-alike noise (order numbers, amounts, timestamps) that a naive matcher trips over.
 * Nothing here is real data: every value is drawn from a seeded PRNG.
 *
 * Design for speed (10,000,000 CSV records in seconds): every record is written straight
 * into one big output buffer with hand-rolled digit formatting (no printf per field) and a
 * splitmix64 PRNG. Record k (0-based among distinct records) is a pure function of
 * (seed, k), so a duplicate is made by regenerating an earlier k: no record is stored, and
 * the generator knows exactly how many records are distinct. Each distinct record carries an
 * e-mail built from a bijective scramble of k, so no two distinct records can coincide.
 *
 * Build: gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o build/bench-gen bench/gen.c -lz
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------------ options */

enum format { FMT_CSV, FMT_TSV, FMT_JSONL, FMT_SQL, FMT_LINES, FMT_DELIMITED };
enum gzip_mode { GZ_NONE, GZ_SINGLE, GZ_MULTI };

struct options {
    uint64_t records;
    enum format format;
    double dup_rate;
    double invalid_rate;
    double card_rate;   /* share of distinct records with a bank card (the rest: empty cell) */
    uint64_t seed;
    enum gzip_mode gzip;
    uint64_t member_bytes;
    int level;
    const char *output; /* NULL: stdout */
};

static const char *const FORMAT_NAMES[] = {"csv", "tsv", "jsonl", "sql", "lines", "delimited"};
static const char *const GZIP_NAMES[] = {"none", "single", "multi"};

/* ------------------------------------------------------------------ PRNG */

/* splitmix64: one add and three mix steps per 64 bits; good enough statistically and
 * seedable from any 64-bit value, which is what regenerating record k needs. */
struct rng { uint64_t state; };

/* The splitmix64 finalizer: a bijection on 64 bits that scatters nearby inputs. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(struct rng *r)
{
    return mix64(r->state += 0x9e3779b97f4a7c15ULL);
}

/* Uniform in [0, n) for n <= 2^32 (Lemire's multiply-shift, bias negligible here). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* A probability as a 53-bit threshold so that p = 1.0 needs no special case. */
static uint64_t chance_threshold(double p)
{
    if (p <= 0) return 0;
    if (p >= 1) return 1ULL << 53;
    return (uint64_t)(p * 9007199254740992.0);
}

static inline int rng_chance(struct rng *r, uint64_t threshold)
{
    return (rng_next(r) >> 11) < threshold;
}

/* The PRNG of distinct record k. The start state is a full mix of (seed, k): a plain
 * seed + k * step would make record k's stream record 0's shifted by k draws. */
static struct rng record_rng(uint64_t seed, uint64_t k)
{
    struct rng r = {mix64(k ^ mix64(seed + 0x632be59bd9b4e019ULL))};
    return r;
}

/* A bijection on 32-bit values (lowbias32): distinct k give distinct, random-looking ids. */
static uint32_t scramble32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* ------------------------------------------------------------------ digit formatting */

static const char DIGIT_PAIRS[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline char *put_2d(char *p, unsigned v)
{
    memcpy(p, DIGIT_PAIRS + 2 * v, 2);
    return p + 2;
}

static inline char *put_4d(char *p, unsigned v)
{
    p = put_2d(p, v / 100);
    return put_2d(p, v % 100);
}

/* Decimal of v without leading zeros. */
static char *put_uint(char *p, uint64_t v)
{
    char tmp[24];
    char *t = tmp + sizeof tmp;
    while (v >= 100) {
        t -= 2;
        memcpy(t, DIGIT_PAIRS + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, DIGIT_PAIRS + 2 * v, 2);
    } else {
        *--t = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - t);
    memcpy(p, t, n);
    return p + n;
}

/* n random decimal digits: a 32-bit fraction multiplied by 10 yields one digit per step;
 * a fresh fraction every 8 digits keeps them unbiased enough for test data. */
static char *put_random_digits(char *p, int n, struct rng *r)
{
    while (n > 0) {
        uint32_t frac = (uint32_t)(rng_next(r) >> 32);
        int take = n < 8 ? n : 8;
        for (int i = 0; i < take; i++) {
            uint64_t x = (uint64_t)frac * 10;
            *p++ = (char)('0' + (x >> 32));
            frac = (uint32_t)x;
        }
        n -= take;
    }
    return p;
}

static inline char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

/* ------------------------------------------------------------------ value tables */

struct str { const char *s; unsigned char len; };
#define S(lit) {lit, sizeof(lit) - 1}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct str SURNAMES[] = {
    S("王"), S("李"), S("张"), S("刘"), S("陈"), S("杨"), S("黄"), S("赵"), S("吴"), S("周"),
    S("徐"), S("孙"), S("马"), S("朱"), S("胡"), S("郭"), S("何"), S("高"), S("林"), S("罗"),
    S("郑"), S("梁"), S("谢"), S("宋"), S("唐"), S("许"), S("韩"), S("冯"), S("邓"), S("曹"),
    S("彭"), S("曾"), S("肖"), S("田"), S("董"), S("袁"), S("潘"), S("于"), S("蒋"), S("蔡"),
    S("余"), S("杜"), S("叶"), S("程"), S("苏"), S("魏"), S("吕"), S("丁"), S("任"), S("沈"),
    S("姚"), S("卢"), S("姜"), S("崔"), S("钟"), S("谭"), S("陆"), S("汪"), S("范"), S("金"),
    S("石"), S("廖"), S("贾"), S("夏"), S("韦"), S("付"), S("方"), S("白"), S("邹"), S("孟"),
};

/* Two-character surnames are rare (about one name in a hundred). */
static const struct str DOUBLE_SURNAMES[] = {S("欧阳"), S("司马"), S("诸葛"), S("上官")};

static const struct str GIVEN[] = {
    S("伟"), S("芳"), S("娜"), S("敏"), S("静"), S("丽"), S("强"), S("磊"), S("军"), S("洋"),
    S("勇"), S("艳"), S("杰"), S("娟"), S("涛"), S("明"), S("超"), S("秀"), S("霞"), S("平"),
    S("刚"), S("桂"), S("英"), S("华"), S("玉"), S("文"), S("辉"), S("建"), S("国"), S("红"),
    S("兰"), S("鹏"), S("飞"), S("斌"), S("宇"), S("浩"), S("凯"), S("健"), S("俊"), S("帆"),
    S("雪"), S("梅"), S("琳"), S("晶"), S("婷"), S("欣"), S("颖"), S("佳"), S("子"), S("涵"),
    S("轩"), S("博"), S("思"), S("雨"), S("晨"), S("瑞"), S("嘉"), S("怡"), S("萱"), S("泽"),
    S("宁"), S("志"), S("海"), S("林"), S("春"), S("燕"), S("波"), S("云"), S("峰"), S("亮"),
};

/* Province-level codes of GB/T 2260 with their names (the first two ID digits). */
struct province { const char *code; struct str name; };
static const struct province PROVINCES[] = {
    {"11", S("北京市")}, {"12", S("天津市")}, {"13", S("河北省")}, {"14", S("山西省")},
    {"15", S("内蒙古自治区")}, {"21", S("辽宁省")}, {"22", S("吉林省")}, {"23", S("黑龙江省")},
    {"31", S("上海市")}, {"32", S("江苏省")}, {"33", S("浙江省")}, {"34", S("安徽省")},
    {"35", S("福建省")}, {"36", S("江西省")}, {"37", S("山东省")}, {"41", S("河南省")},
    {"42", S("湖北省")}, {"43", S("湖南省")}, {"44", S("广东省")}, {"45", S("广西壮族自治区")},
    {"46", S("海南省")}, {"50", S("重庆市")}, {"51", S("四川省")}, {"52", S("贵州省")},
    {"53", S("云南省")}, {"54", S("西藏自治区")}, {"61", S("陕西省")}, {"62", S("甘肃省")},
    {"63", S("青海省")}, {"64", S("宁夏回族自治区")}, {"65", S("新疆维吾尔自治区")},
};

static const struct str CITIES[] = {
    S("中心市"), S("东城市"), S("南湖市"), S("西山市"), S("北海市"), S("清河市"), S("金城市"),
    S("长宁市"), S("江州市"), S("安平市"), S("临川市"), S("永和市"), S("新安市"), S("凤城市"),
};

static const struct str DISTRICTS[] = {
    S("朝阳区"), S("海淀区"), S("西湖区"), S("天河区"), S("武侯区"), S("鼓楼区"), S("江北区"),
    S("高新区"), S("经开区"), S("新城区"), S("南山区"), S("福田区"), S("徐汇区"), S("浦东新区"),
    S("雁塔区"), S("历下区"), S("洪山区"), S("岳麓区"), S("江宁区"), S("滨江区"),
};

static const struct str ROADS[] = {
    S("建国路"), S("中山路"), S("人民路"), S("解放路"), S("长江路"), S("和平路"), S("文化路"),
    S("新华路"), S("青年路"), S("胜利路"), S("南京路"), S("北京路"), S("幸福大街"), S("学院路"),
    S("科技园路"), S("滨河东路"), S("光明街"), S("东风路"), S("黄河大道"), S("世纪大道"),
};

static const struct str PINYIN[] = {
    S("wang"), S("li"), S("zhang"), S("liu"), S("chen"), S("yang"), S("huang"), S("zhao"),
    S("wu"), S("zhou"), S("xu"), S("sun"), S("ma"), S("zhu"), S("hu"), S("guo"), S("wei"),
    S("fang"), S("na"), S("min"), S("jing"), S("qiang"), S("lei"), S("jun"), S("yong"),
    S("jie"), S("tao"), S("ming"), S("chao"), S("xiu"), S("hua"), S("hao"), S("yu"), S("xin"),
};

static const struct str MAIL_DOMAINS[] = {
    S("163.com"), S("126.com"), S("sina.com"), S("gmail.com"), S("hotmail.com"),
    S("foxmail.com"), S("139.com"), S("sohu.com"), S("outlook.com"), S("yeah.net"),
    S("aliyun.com"), S("qq.com"),
};

/* Mobile prefixes of the 13x-19x ranges in use. */
static const char MOBILE_PREFIXES[][4] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147",
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "170", "171",
    "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189", "191", "193", "195", "196", "197", "198", "199",
};

/* Issuer prefixes (BINs) of Chinese bank cards with their card lengths. */
struct card_bin { const char *prefix; int length; };
static const struct card_bin CARD_BINS[] = {
    {"622202", 19}, {"621226", 19}, {"622848", 19}, {"621700", 19}, {"622262", 19},
    {"621661", 19}, {"623058", 19}, {"621483", 16}, {"622588", 16}, {"436742", 16},
    {"625911", 16}, {"622609", 16}, {"628288", 17}, {"621098", 18},
};

/* ------------------------------------------------------------------ records */

/* The fields of one record, each formatted into its own small buffer. */
enum field_id { F_NAME, F_ID, F_MOBILE, F_EMAIL, F_ADDRESS, F_CARD, F_ORDER, F_AMOUNT, F_TIME,
                F_COUNT };

static const char *const FIELD_HEADERS[F_COUNT] = {
    "姓名", "身份证号", "手机号", "邮箱", "地址", "银行卡号", "订单号", "金额", "时间",
};

struct field { char s[120]; unsigned len; };

struct record {
    uint64_t index;          /* k: which distinct record this is */
    struct field f[F_COUNT];
    int address_has_comma;   /* CSV must quote it */
    int bad_id, bad_card, masked_mobile;
};

struct gen_rates { uint64_t invalid; uint64_t dup; };

static void make_name(struct field *f, struct rng *r)
{
    char *p = f->s;
    const struct str *sur = rng_below(r, 100) == 0
        ? &DOUBLE_SURNAMES[rng_below(r, COUNT(DOUBLE_SURNAMES))]
        : &SURNAMES[rng_below(r, COUNT(SURNAMES))];
    p = put_str(p, sur->s, sur->len);
    int given = 1 + (rng_below(r, 10) < 7); /* mostly two given characters */
    for (int i = 0; i < given; i++) {
        const struct str *g = &GIVEN[rng_below(r, COUNT(GIVEN))];
        p = put_str(p, g->s, g->len);
    }
    f->len = (unsigned)(p - f->s);
}

static int days_in_month(int year, int month)
{
    static const unsigned char DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return DAYS[month - 1] + (month == 2 && leap);
}

/* GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits. */
static char id_check_char(const char *d17)
{
    static const unsigned char WEIGHTS[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) sum += (unsigned)(d17[i] - '0') * WEIGHTS[i];
    return "10X98765432"[sum % 11];
}

/* Returns the province index so the address can agree with the ID. */
static unsigned make_resident_id(struct field *f, struct rng *r, int bad)
{
    unsigned prov = rng_below(r, COUNT(PROVINCES));
    char *p = put_str(f->s, PROVINCES[prov].code, 2);
    p = put_2d(p, 1 + rng_below(r, 15));       /* prefecture */
    p = put_2d(p, 1 + rng_below(r, 30));       /* county */
    int year = 1950 + (int)rng_below(r, 56);
    int month = 1 + (int)rng_below(r, 12);
    int day = 1 + (int)rng_below(r, (uint32_t)days_in_month(year, month));
    p = put_4d(p, (unsigned)year);
    p = put_2d(p, (unsigned)month);
    p = put_2d(p, (unsigned)day);
    p = put_random_digits(p, 3, r);
    char check = id_check_char(f->s);
    if (bad) {
        static const char CHECKS[] = "0123456789X";
        int at = check == 'X' ? 10 : check - '0';
        check = CHECKS[(at + 1 + (int)rng_below(r, 10)) % 11]; /* any other character */
    }
    *p++ = check;
    f->len = (unsigned)(p - f->s);
    return prov;
}

static void make_mobile(struct field *f, struct rng *r, int masked)
{
    char *p = put_str(f->s, MOBILE_PREFIXES[rng_below(r, COUNT(MOBILE_PREFIXES))], 3);
    p = put_random_digits(p, 8, r);
    if (masked) memcpy(f->s + 3, "****", 4);
    f->len = (unsigned)(p - f->s);
}

static char *put_base36(char *p, uint32_t v)
{
    char tmp[8];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* Unique per distinct record: the local part carries scramble32(k). */
static void make_email(struct field *f, struct rng *r, uint64_t seed, uint64_t k)
{
    uint32_t uid = scramble32((uint32_t)k ^ (uint32_t)mix64(seed)); /* xor keeps it 1:1 */
    char *p = f->s;
    if (rng_below(r, 10) < 3) {                  /* QQ mail: a QQ number */
        p = put_uint(p, 10000ULL + uid);
        p = PUT_LIT(p, "@qq.com");
    } else {
        const struct str *a = &PINYIN[rng_below(r, COUNT(PINYIN))];
        const struct str *b = &PINYIN[rng_below(r, COUNT(PINYIN))];
        p = put_str(p, a->s, a->len);
        p = put_str(p, b->s, b->len);
        uint32_t sep = rng_below(r, 3);
        if (sep == 1) *p++ = '.';
        else if (sep == 2) *p++ = '_';
        p = put_base36(p, uid);
        *p++ = '@';
        const struct str *d = &MAIL_DOMAINS[rng_below(r, COUNT(MAIL_DOMAINS) - 1)];
        p = put_str(p, d->s, d->len);
    }
    f->len = (unsigned)(p - f->s);
}

static void make_address(struct field *f, struct rng *r, unsigned prov, int *has_comma)
{
    const struct str *pn = &PROVINCES[prov].name;
    const struct str *city = &CITIES[rng_below(r, COUNT(CITIES))];
    const struct str *dist = &DISTRICTS[rng_below(r, COUNT(DISTRICTS))];
    const struct str *road = &ROADS[rng_below(r, COUNT(ROADS))];
    char *p = put_str(f->s, pn->s, pn->len);
    p = put_str(p, city->s, city->len);
    p = put_str(p, dist->s, dist->len);
    p = put_str(p, road->s, road->len);
    p = put_uint(p, 1 + rng_below(r, 999));
    p = PUT_LIT(p, "号");
    *has_comma = 0;
    uint32_t unit = rng_below(r, 4);
    if (unit) {
        if (unit == 3) {          /* a comma inside the field, as typed by people */
            *p++ = ',';
            *has_comma = 1;
        }
        p = put_uint(p, 1 + rng_below(r, 30));
        p = PUT_LIT(p, "栋");
        p = put_uint(p, 1 + rng_below(r, 6));
        p = PUT_LIT(p, "单元");
        p = put_uint(p, 100 * (1 + rng_below(r, 32)) + 1 + rng_below(r, 4));
        p = PUT_LIT(p, "室");
    }
    f->len = (unsigned)(p - f->s);
}

static char luhn_check_digit(const char *digits, int n)
{
    unsigned sum = 0;
    for (int i = n - 1, dbl = 1; i >= 0; i--, dbl = !dbl) {
        unsigned d = (unsigned)(digits[i] - '0');
        if (dbl) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

static void make_card(struct field *f, struct rng *r, int bad)
{
    const struct card_bin *bin = &CARD_BINS[rng_below(r, COUNT(CARD_BINS))];
    char *p = put_str(f->s, bin->prefix, 6);
    p = put_random_digits(p, bin->length - 7, r);
    char check = luhn_check_digit(f->s, bin->length - 1);
    if (bad) check = (char)('0' + (check - '0' + 1 + (int)rng_below(r, 9)) % 10);
    *p++ = check;
    f->len = (unsigned)(p - f->s);
}

/* Timestamps and order numbers share a date so order numbers look like real ones. */
struct when { int year, month, day, hour, minute, second; };

static struct when make_when(struct rng *r)
{
    struct when w;
    w.year = 2019 + (int)rng_below(r, 6);
    w.month = 1 + (int)rng_below(r, 12);
    w.day = 1 + (int)rng_below(r, (uint32_t)days_in_month(w.year, w.month));
    w.hour = (int)rng_below(r, 24);
    w.minute = (int)rng_below(r, 60);
    w.second = (int)rng_below(r, 60);
    return w;
}

static void make_time(struct field *f, const struct when *w)
{
    char *p = put_4d(f->s, (unsigned)w->year);
    *p++ = '-';
    p = put_2d(p, (unsigned)w->month);
    *p++ = '-';
    p = put_2d(p, (unsigned)w->day);
    *p++ = ' ';
    p = put_2d(p, (unsigned)w->hour);
    *p++ = ':';
    p = put_2d(p, (unsigned)w->minute);
    *p++ = ':';
    p = put_2d(p, (unsigned)w->second);
    f->len = (unsigned)(p - f->s);
}

/* Look-alike noise: long digit runs (18-20 digits, like IDs and cards) or lettered ids. */
static void make_order(struct field *f, struct rng *r, const struct when *w)
{
    char *p = f->s;
    uint32_t style = rng_below(r, 5);
    if (style == 0) p = PUT_LIT(p, "DD");
    else if (style == 1) p = PUT_LIT(p, "SO");
    p = put_4d(p, (unsigned)w->year);
    p = put_2d(p, (unsigned)w->month);
    p = put_2d(p, (unsigned)w->day);
    p = put_random_digits(p, 10 + (int)rng_below(r, 3), r);
    f->len = (unsigned)(p - f->s);
}

static void make_amount(struct field *f, struct rng *r)
{
    uint32_t cents = 100 + rng_below(r, 999900);
    char *p = put_uint(f->s, cents / 100);
    *p++ = '.';
    p = put_2d(p, cents % 100);
    f->len = (unsigned)(p - f->s);
}

/* Whether distinct record k keeps its bank card (--card-rate): a hash of (seed, k) of its
 * own, so that the record's other fields, drawn from its PRNG, are the same at any rate
 * (and the default, every card kept, is the data of earlier sessions byte for byte). */
static int keeps_card(uint64_t seed, uint64_t k, uint64_t card_keep)
{
    if (card_keep >= 1ULL << 53) return 1;
    return (mix64(k ^ mix64(seed ^ 0xc3a5c85c97cb3127ULL)) >> 11) < card_keep;
}

/* Distinct record k: a pure function of (seed, k, invalid rate, card rate). */
static void make_record(struct record *rec, uint64_t seed, uint64_t k, uint64_t invalid,
                        uint64_t card_keep)
{
    struct rng r = record_rng(seed, k);
    rec->index = k;
    rec->bad_id = rng_chance(&r, invalid);
    rec->bad_card = rng_chance(&r, invalid);
    rec->masked_mobile = rng_chance(&r, invalid);
    make_name(&rec->f[F_NAME], &r);
    unsigned prov = make_resident_id(&rec->f[F_ID], &r, rec->bad_id);
    make_mobile(&rec->f[F_MOBILE], &r, rec->masked_mobile);
    make_email(&rec->f[F_EMAIL], &r, seed, k);
    make_address(&rec->f[F_ADDRESS], &r, prov, &rec->address_has_comma);
    make_card(&rec->f[F_CARD], &r, rec->bad_card);
    if (!keeps_card(seed, k, card_keep)) {   /* drawn all the same: the PRNG stays in step */
        rec->f[F_CARD].len = 0;
        rec->bad_card = 0;
    }
    struct when w = make_when(&r);
    make_order(&rec->f[F_ORDER], &r, &w);
    make_amount(&rec->f[F_AMOUNT], &r);
    make_time(&rec->f[F_TIME], &w);
}

/* ------------------------------------------------------------------ output sink */

#define OUT_BUF_SIZE (8u << 20)
#define RECORD_MAX 4096          /* room one record of any format always fits in */
#define ZOUT_SIZE (1u << 20)

struct sink {
    int fd;
    enum gzip_mode gzip;
    char *buf;
    size_t used;
    uint64_t bytes_in;           /* uncompressed bytes produced */
    uint64_t bytes_out;          /* bytes written to fd */
    z_stream z;
    unsigned char *zout;
    uint64_t member_bytes;
    uint64_t member_fill;        /* input bytes in the current gzip member */
    int member_open;             /* a member has been started and not finished */
};

static void die(const char *what)
{
    fprintf(stderr, "bench-gen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void write_all(struct sink *s, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
        s->bytes_out += (uint64_t)w;
    }
}

/* Runs deflate with flush mode until it has consumed its input (and, for Z_FINISH, ended
 * the member), writing whatever it produces. */
static void deflate_run(struct sink *s, int flush)
{
    int rc;
    do {
        s->z.next_out = s->zout;
        s->z.avail_out = ZOUT_SIZE;
        rc = deflate(&s->z, flush);
        if (rc == Z_STREAM_ERROR) {
            fprintf(stderr, "bench-gen: deflate failed\n");
            exit(2);
        }
        write_all(s, s->zout, ZOUT_SIZE - s->z.avail_out);
    } while (s->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

static void member_finish(struct sink *s)
{
    s->z.next_in = NULL;
    s->z.avail_in = 0;
    deflate_run(s, Z_FINISH);
    deflateReset(&s->z);
    s->member_fill = 0;
    s->member_open = 0;
}

static void deflate_feed(struct sink *s, const char *data, size_t n)
{
    while (n) {
        size_t take = n;
        if (s->gzip == GZ_MULTI && take > s->member_bytes - s->member_fill)
            take = (size_t)(s->member_bytes - s->member_fill);
        s->z.next_in = (unsigned char *)(uintptr_t)data;
        s->z.avail_in = (uInt)take;
        s->member_open = 1;
        deflate_run(s, Z_NO_FLUSH);
        data += take;
        n -= take;
        s->member_fill += take;
        /* bgzip/pigz -i style: members end at a byte count, wherever that falls */
        if (s->gzip == GZ_MULTI && s->member_fill == s->member_bytes) member_finish(s);
    }
}

static void sink_flush(struct sink *s)
{
    if (!s->used) return;
    s->bytes_in += s->used;
    if (s->gzip == GZ_NONE) write_all(s, s->buf, s->used);
    else deflate_feed(s, s->buf, s->used);
    s->used = 0;
}

/* Where the next record goes: always RECORD_MAX bytes of room. */
static inline char *sink_reserve(struct sink *s)
{
    if (OUT_BUF_SIZE - s->used < RECORD_MAX) sink_flush(s);
    return s->buf + s->used;
}

static inline void sink_commit(struct sink *s, const char *end)
{
    s->used = (size_t)(end - s->buf);
}

static void sink_open(struct sink *s, const struct options *o)
{
    memset(s, 0, sizeof *s);
    s->fd = 1;
    if (o->output) {
        s->fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (s->fd < 0) die(o->output);
    }
    s->gzip = o->gzip;
    s->member_bytes = o->member_bytes;
    s->buf = malloc(OUT_BUF_SIZE);
    if (!s->buf) die("malloc");
    if (s->gzip != GZ_NONE) {
        s->zout = malloc(ZOUT_SIZE);
        if (!s->zout) die("malloc");
        /* windowBits 15 + 16: a gzip wrapper with mtime 0, so the output is reproducible */
        if (deflateInit2(&s->z, o->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            fprintf(stderr, "bench-gen: deflateInit2 failed\n");
            exit(2);
        }
    }
}

static void sink_close(struct sink *s)
{
    sink_flush(s);
    if (s->gzip != GZ_NONE) {
        /* the last partial member; an empty input still gets one valid (empty) member */
        if (s->member_open || s->bytes_out == 0) member_finish(s);
        deflateEnd(&s->z);
        free(s->zout);
    }
    if (s->fd != 1 && close(s->fd) != 0) die("close");
    free(s->buf);
}

/* ------------------------------------------------------------------ formats */

static inline char *put_field(char *p, const struct record *rec, enum field_id id)
{
    return put_str(p, rec->f[id].s, rec->f[id].len);
}

static char *write_separated(char *p, const struct record *rec, const char *sep, size_t sep_len,
                             int csv_quoting)
{
    for (int i = 0; i < F_COUNT; i++) {
        if (i) p = put_str(p, sep, sep_len);
        int quote = csv_quoting && i == F_ADDRESS && rec->address_has_comma;
        if (quote) *p++ = '"';
        p = put_field(p, rec, (enum field_id)i);
        if (quote) *p++ = '"';
    }
    *p++ = '\n';
    return p;
}

static char *write_header(char *p, const char *sep, size_t sep_len)
{
    for (int i = 0; i < F_COUNT; i++) {
        if (i) p = put_str(p, sep, sep_len);
        p = put_str(p, FIELD_HEADERS[i], strlen(FIELD_HEADERS[i]));
    }
    *p++ = '\n';
    return p;
}

#define PUT_JSON_KEY(p, key) PUT_LIT(p, "\"" key "\":\"")

/* JSON Lines: an order with a nested receiver object; the amount is a JSON number. */
static char *write_jsonl(char *p, const struct record *rec)
{
    p = PUT_LIT(p, "{\"订单号\":\"");
    p = put_field(p, rec, F_ORDER);
    p = PUT_LIT(p, "\",\"时间\":\"");
    p = put_field(p, rec, F_TIME);
    p = PUT_LIT(p, "\",\"金额\":");
    p = put_field(p, rec, F_AMOUNT);
    p = PUT_LIT(p, ",\"收件人\":{\"姓名\":\"");
    p = put_field(p, rec, F_NAME);
    p = PUT_LIT(p, "\",\"手机\":\"");
    p = put_field(p, rec, F_MOBILE);
    p = PUT_LIT(p, "\",\"地址\":\"");
    p = put_field(p, rec, F_ADDRESS);
    p = PUT_LIT(p, "\"},\"身份证号\":\"");
    p = put_field(p, rec, F_ID);
    p = PUT_LIT(p, "\",\"邮箱\":\"");
    p = put_field(p, rec, F_EMAIL);
    p = PUT_LIT(p, "\",\"银行卡号\":\"");
    p = put_field(p, rec, F_CARD);
    p = PUT_LIT(p, "\"}\n");
    return p;
}

#define SQL_TABLE "customer_order"
#define SQL_TUPLES_PER_INSERT 100

static char *write_sql_header(char *p)
{
    p = PUT_LIT(p,
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
        "-- synthetic data from pitally bench-gen\n"
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "DROP TABLE IF EXISTS `" SQL_TABLE "`;\n"
        "CREATE TABLE `" SQL_TABLE "` (\n"
        "  `id` bigint NOT NULL AUTO_INCREMENT,\n"
        "  `姓名` varchar(32) DEFAULT NULL,\n"
        "  `身份证号` char(18) DEFAULT NULL,\n"
        "  `手机号` varchar(16) DEFAULT NULL,\n"
        "  `邮箱` varchar(64) DEFAULT NULL,\n"
        "  `地址` varchar(255) DEFAULT NULL,\n"
        "  `银行卡号` varchar(19) DEFAULT NULL,\n"
        "  `订单号` varchar(32) DEFAULT NULL,\n"
        "  `金额` decimal(12,2) DEFAULT NULL,\n"
        "  `时间` datetime DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
        "LOCK TABLES `" SQL_TABLE "` WRITE;\n");
    return p;
}

/* One VALUES tuple; position says where it falls in its INSERT statement. The id column is
 * k + 1, so a duplicate is an exact repeat of its original tuple. */
static char *write_sql_tuple(char *p, const struct record *rec, uint64_t position)
{
    if (position % SQL_TUPLES_PER_INSERT == 0) p = PUT_LIT(p, "INSERT INTO `" SQL_TABLE "` VALUES ");
    else *p++ = ',';
    *p++ = '(';
    p = put_uint(p, rec->index + 1);
    for (int i = 0; i < F_COUNT; i++) {
        int number = i == F_AMOUNT;
        *p++ = ',';
        if (!number) *p++ = '\'';
        p = put_field(p, rec, (enum field_id)i);
        if (!number) *p++ = '\'';
    }
    *p++ = ')';
    if (position % SQL_TUPLES_PER_INSERT == SQL_TUPLES_PER_INSERT - 1) p = PUT_LIT(p, ";\n");
    return p;
}

/* Free text: the values embedded in one of a few sentence templates (chosen by the record,
 * so a duplicate repeats its sentence exactly). */
static char *write_line(char *p, const struct record *rec)
{
    switch (rec->index % 3) {
    case 0:
        p = PUT_LIT(p, "用户");
        p = put_field(p, rec, F_NAME);
        p = PUT_LIT(p, "，身份证号");
        p = put_field(p, rec, F_ID);
        p = PUT_LIT(p, "，手机");
        p = put_field(p, rec, F_MOBILE);
        p = PUT_LIT(p, "，邮箱");
        p = put_field(p, rec, F_EMAIL);
        p = PUT_LIT(p, "，住址");
        p = put_field(p, rec, F_ADDRESS);
        p = PUT_LIT(p, "，银行卡");
        p = put_field(p, rec, F_CARD);
        p = PUT_LIT(p, "，订单");
        p = put_field(p, rec, F_ORDER);
        p = PUT_LIT(p, "金额");
        p = put_field(p, rec, F_AMOUNT);
        p = PUT_LIT(p, "元，时间");
        p = put_field(p, rec, F_TIME);
        break;
    case 1:
        *p++ = '[';
        p = put_field(p, rec, F_TIME);
        p = PUT_LIT(p, "] 订单");
        p = put_field(p, rec, F_ORDER);
        p = PUT_LIT(p, " 收件人:");
        p = put_field(p, rec, F_NAME);
        p = PUT_LIT(p, " 电话:");
        p = put_field(p, rec, F_MOBILE);
        p = PUT_LIT(p, " 地址:");
        p = put_field(p, rec, F_ADDRESS);
        p = PUT_LIT(p, " 付款卡号:");
        p = put_field(p, rec, F_CARD);
        p = PUT_LIT(p, " 金额:");
        p = put_field(p, rec, F_AMOUNT);
        p = PUT_LIT(p, " 证件:");
        p = put_field(p, rec, F_ID);
        p = PUT_LIT(p, " 联系邮箱:");
        p = put_field(p, rec, F_EMAIL);
        break;
    default:
        p = put_field(p, rec, F_TIME);
        p = PUT_LIT(p, " 客户");
        p = put_field(p, rec, F_NAME);
        *p++ = '(';
        p = put_field(p, rec, F_ID);
        p = PUT_LIT(p, ")使用卡号");
        p = put_field(p, rec, F_CARD);
        p = PUT_LIT(p, "支付");
        p = put_field(p, rec, F_AMOUNT);
        p = PUT_LIT(p, "元，订单号");
        p = put_field(p, rec, F_ORDER);
        p = PUT_LIT(p, "，收货地址");
        p = put_field(p, rec, F_ADDRESS);
        p = PUT_LIT(p, "，联系电话");
        p = put_field(p, rec, F_MOBILE);
        p = PUT_LIT(p, "，邮箱");
        p = put_field(p, rec, F_EMAIL);
        p = PUT_LIT(p, "。");
        break;
    }
    *p++ = '\n';
    return p;
}

static char *write_preamble(char *p, enum format format)
{
    switch (format) {
    case FMT_CSV: return write_header(p, ",", 1);
    case FMT_TSV: return write_header(p, "\t", 1);
    case FMT_SQL: return write_sql_header(p);
    default: return p; /* JSONL, free text and `----` dumps have no header row */
    }
}

static char *write_record(char *p, enum format format, const struct record *rec,
                          uint64_t position)
{
    switch (format) {
    case FMT_CSV: return write_separated(p, rec, ",", 1, 1);
    case FMT_TSV: return write_separated(p, rec, "\t", 1, 0);
    case FMT_DELIMITED: return write_separated(p, rec, "----", 4, 0);
    case FMT_JSONL: return write_jsonl(p, rec);
    case FMT_SQL: return write_sql_tuple(p, rec, position);
    case FMT_LINES: return write_line(p, rec);
    }
    return p;
}

static char *write_trailer(char *p, enum format format, uint64_t records)
{
    if (format != FMT_SQL) return p;
    if (records % SQL_TUPLES_PER_INSERT) p = PUT_LIT(p, ";\n");
    return PUT_LIT(p, "UNLOCK TABLES;\n");
}

/* ------------------------------------------------------------------ main loop */

struct stats {
    uint64_t records, distinct, bad_ids, bad_cards, masked_mobiles, cards;
};

static struct stats generate(const struct options *o, struct sink *s)
{
    struct stats st = {0};
    struct rng dup_rng = record_rng(o->seed ^ 0x5bd1e995a3c8f1e7ULL, UINT64_MAX);
    uint64_t dup = chance_threshold(o->dup_rate);
    uint64_t invalid = chance_threshold(o->invalid_rate);
    uint64_t card_keep = chance_threshold(o->card_rate);
    struct record rec;

    sink_commit(s, write_preamble(sink_reserve(s), o->format));
    for (uint64_t i = 0; i < o->records; i++) {
        uint64_t k = st.distinct;
        /* a duplicate repeats a uniformly chosen earlier record exactly */
        if (st.distinct && rng_chance(&dup_rng, dup))
            k = rng_next(&dup_rng) % st.distinct;
        else
            st.distinct++;
        make_record(&rec, o->seed, k, invalid, card_keep);
        st.cards += rec.f[F_CARD].len != 0;
        st.bad_ids += (uint64_t)rec.bad_id;
        st.bad_cards += (uint64_t)rec.bad_card;
        st.masked_mobiles += (uint64_t)rec.masked_mobile;
        sink_commit(s, write_record(sink_reserve(s), o->format, &rec, i));
    }
    st.records = o->records;
    sink_commit(s, write_trailer(sink_reserve(s), o->format, o->records));
    return st;
}

/* ------------------------------------------------------------------ command line */

static void usage(FILE *to)
{
    fprintf(to,
        "usage: bench-gen --records N [--format csv|tsv|jsonl|sql|lines|delimited]\n"
        "                 [--dup-rate 0.1] [--invalid-rate 0.02] [--card-rate 1] [--seed S]\n"
        "                 [--gzip none|single|multi] [--member-bytes 65536] [--level 1..9]\n"
        "                 [-o FILE]\n"
        "Writes N synthetic records (deterministic for a seed) to FILE or stdout; a summary\n"
        "line (records, distinct, bytes) goes to stderr.\n"
        "  --dup-rate      share of records that exactly repeat an earlier one\n"
        "  --invalid-rate  share of resident IDs with a wrong check character, of bank cards\n"
        "                  failing Luhn, and of masked mobiles (each drawn independently)\n"
        "  --card-rate     share of distinct records with a bank card (default 1: all); the\n"
        "                  others have an empty card cell. A card beside the amount makes a\n"
        "                  record an art5_3 piece, so this sets that tier's share of the data\n"
        "  --gzip single   one gzip member; multi: a new member every --member-bytes of input\n"
        "  --level         zlib deflate level for --gzip (default 6, as gzip)\n");
}

static int parse_enum(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i])) return i;
    return -1;
}

static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || *v == '-') return -1;
    *out = x;
    return 0;
}

static int parse_rate(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= 0 && x <= 1)) return -1;
    *out = x;
    return 0;
}

static void bad_option(const char *opt, const char *value)
{
    fprintf(stderr, "bench-gen: bad value for %s: '%s'\n", opt, value ? value : "(missing)");
    usage(stderr);
    exit(1);
}

/* Accepts "--opt value" and "--opt=value". */
static struct options parse_args(int argc, char **argv)
{
    struct options o = {1000, FMT_CSV, 0.1, 0.02, 1.0, 1, GZ_NONE, 65536, 6, NULL};
    for (int i = 1; i < argc; i++) {
        char opt[64];
        const char *arg = argv[i], *value = NULL, *eq = strchr(arg, '=');
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!strncmp(arg, "--", 2) && eq && (size_t)(eq - arg) < sizeof opt) {
            memcpy(opt, arg, (size_t)(eq - arg));
            opt[eq - arg] = 0;
            value = eq + 1;
        } else {
            snprintf(opt, sizeof opt, "%s", arg);
            value = i + 1 < argc ? argv[++i] : NULL;
        }
        if (!value) bad_option(opt, NULL);
        int e;
        uint64_t n;
        if (!strcmp(opt, "--records")) {
            if (parse_u64(value, &o.records)) bad_option(opt, value);
        } else if (!strcmp(opt, "--format")) {
            if ((e = parse_enum(value, FORMAT_NAMES, 6)) < 0) bad_option(opt, value);
            o.format = (enum format)e;
        } else if (!strcmp(opt, "--dup-rate")) {
            if (parse_rate(value, &o.dup_rate)) bad_option(opt, value);
        } else if (!strcmp(opt, "--invalid-rate")) {
            if (parse_rate(value, &o.invalid_rate)) bad_option(opt, value);
        } else if (!strcmp(opt, "--card-rate")) {
            if (parse_rate(value, &o.card_rate)) bad_option(opt, value);
        } else if (!strcmp(opt, "--seed")) {
            if (parse_u64(value, &o.seed)) bad_option(opt, value);
        } else if (!strcmp(opt, "--gzip")) {
            if ((e = parse_enum(value, GZIP_NAMES, 3)) < 0) bad_option(opt, value);
            o.gzip = (enum gzip_mode)e;
        } else if (!strcmp(opt, "--member-bytes")) {
            if (parse_u64(value, &n) || n == 0 || n > (1u << 30)) bad_option(opt, value);
            o.member_bytes = n;
        } else if (!strcmp(opt, "--level")) {
            if (parse_u64(value, &n) || n < 1 || n > 9) bad_option(opt, value);
            o.level = (int)n;
        } else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) {
            o.output = value;
        } else {
            fprintf(stderr, "bench-gen: unknown option '%s'\n", opt);
            usage(stderr);
            exit(1);
        }
    }
    if (o.records > UINT32_MAX) { /* e-mails stay unique only up to 2^32 distinct records */
        fprintf(stderr, "bench-gen: --records must be at most %u\n", UINT32_MAX);
        exit(1);
    }
    return o;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct options o = parse_args(argc, argv);
    struct sink s;
    double start = now_seconds();
    sink_open(&s, &o);
    struct stats st = generate(&o, &s);
    sink_close(&s);
    double secs = now_seconds() - start;
    if (secs <= 0) secs = 1e-9;
    fprintf(stderr,
            "bench-gen: records=%llu distinct=%llu duplicates=%llu bytes=%llu written=%llu "
            "bad_ids=%llu bad_cards=%llu masked_mobiles=%llu cards=%llu format=%s gzip=%s seed=%llu "
            "seconds=%.2f records_per_s=%.0f MB_per_s=%.1f\n",
            (unsigned long long)st.records, (unsigned long long)st.distinct,
            (unsigned long long)(st.records - st.distinct), (unsigned long long)s.bytes_in,
            (unsigned long long)s.bytes_out, (unsigned long long)st.bad_ids,
            (unsigned long long)st.bad_cards, (unsigned long long)st.masked_mobiles,
            (unsigned long long)st.cards, FORMAT_NAMES[o.format], GZIP_NAMES[o.gzip], (unsigned long long)o.seed, secs,
            (double)st.records / secs, (double)s.bytes_in / 1e6 / secs);
    return 0;
}
