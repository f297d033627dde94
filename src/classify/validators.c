/* validators.c - checksums and plausibility checks a regex cannot express (stage 3b).
 *
 * A regex finds things that look like a resident ID or a bank card; these functions
 * decide whether the thing can be real: GB 11643 (province, calendar date, ISO 7064
 * MOD 11-2; also the 2023 foreign permanent resident ID card, leading 9), Luhn (IMEI),
 * payment cards (issuer prefix and length of the card scheme, then Luhn), GB 32100 (the
 * GB 11714 check of the organization code inside, then MOD 31 over the USCC alphabet),
 * ISO 3779 (VIN check digit), calendar dates (birth dates between 1900 and today), and
 * the identity cards of Hong Kong (MOD 11) and Taiwan (letter code, weights 1,9..1). Values that fail are reported as rejected, not counted
 * (SPEC 1, Art. 11: information proven untrue). Every function is bounds-checked and
 * allocation-free: they run on the hot path for every candidate match.
 *
 * pt_validator_explain() gives the same verdict with the reasons, for `pitally explain`.
 */
#include "pitally/validators.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Are the 8 bytes at s all ASCII digits? (SWAR: a byte below '0' borrows into its high
 * bit, one above '9' carries into it once 127 - '9' is added; bytes >= 0x80 have it.) */
static bool eight_digits(const char *s)
{
    const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t below = (x - ones * '0') & ~x & highs;
    uint64_t above = ((x + ones * (127 - '9')) | x) & highs;
    return (below | above) == 0;
}

static void say_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say_fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* The reason, only when someone asked for it (explain): in a scan why is NULL and a
 * verdict must not pay for a variadic call per value. */
#define say(why, whylen, ...)                                                              \
    do {                                                                                   \
        if ((why) && (whylen)) say_fmt((why), (whylen), __VA_ARGS__);                      \
    } while (0)

/* ---- GB 11643 resident identity number ---------------------------------------- */

/* Province-level codes of GB/T 2260 that appear as the first two digits. */
static bool gb11643_province_ok(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
           p == 71 || (p >= 81 && p <= 83);
}

/* The year now, looked up once: this runs for every candidate ID of every record.
 * A race between threads only computes the same value twice. */
static int current_year(void)
{
    static _Atomic int cached;
    int y = cached;
    if (y) return y;
    time_t now = time(NULL);
    struct tm tm;
    y = gmtime_r(&now, &tm) ? tm.tm_year + 1900 : 2100;
    cached = y;
    return y;
}

static bool date_ok(int y, int m, int d)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > current_year() || m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = days[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= dim;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

/* ISO 7064 MOD 11-2: the weights of the first 17 digits, and the check character of
 * their weighted sum mod 11. */
static const unsigned char gb11643_weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char gb11643_check[] = "10X98765432";

static bool gb11643_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    if (!s || (n != 18 && n != 15)) {
        say(why, whylen, "length %zu, expected 18 (or legacy 15)", s ? n : (size_t)0);
        return false;
    }
    /* the digits are checked and weighed in one pass (a 15-digit number has no check
     * character: its sum is not used) */
    size_t ndigits = n == 18 ? 17 : 15;
    unsigned sum = 0;
    for (size_t i = 0; i < ndigits; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) { say(why, whylen, "non-digit at position %zu", i + 1); return false; }
        sum += d * gb11643_weight[i];
    }
    /* The foreign permanent resident ID card of 2023 (公安部公告, in force 2023-12-01) is
     * 9, the two-digit province code of the issuing authority, a three-digit nationality
     * code, then birth date, sequence and check as in GB 11643. */
    bool foreign = n == 18 && s[0] == '9';
    int province = foreign ? digits_value(s + 1, 2) : digits_value(s, 2);
    if (!gb11643_province_ok(province)) {
        say(why, whylen, "unknown province %02d", province);
        return false;
    }
    int y, m, d;
    if (n == 18) {
        y = digits_value(s + 6, 4); m = digits_value(s + 10, 2); d = digits_value(s + 12, 2);
    } else {
        y = 1900 + digits_value(s + 6, 2); m = digits_value(s + 8, 2); d = digits_value(s + 10, 2);
    }
    if (!date_ok(y, m, d)) {
        say(why, whylen, "invalid birth date %04d-%02d-%02d, province %02d", y, m, d, province);
        return false;
    }
    if (n == 15) {
        say(why, whylen, "legacy 15-digit number (no checksum), date %04d-%02d-%02d, province %02d",
            y, m, d, province);
        return true;
    }
    char want = gb11643_check[sum % 11], got = s[17] == 'x' ? 'X' : s[17];
    if (got != want) {
        say(why, whylen, "checksum mismatch: check char '%c', expected '%c' (date %04d-%02d-%02d, "
            "province %02d)", s[17], want, y, m, d, province);
        return false;
    }
    if (foreign)
        say(why, whylen, "foreign permanent resident ID: checksum ok, date %04d-%02d-%02d, issued "
            "in province %02d, nationality %.3s", y, m, d, province, s + 3);
    else
        say(why, whylen, "checksum ok, date %04d-%02d-%02d, province %02d", y, m, d, province);
    return true;
}

bool pt_valid_gb11643(const char *s, size_t n) { return gb11643_verdict(s, n, NULL, 0); }

/* ---- Luhn (ISO/IEC 7812) -------------------------------------------------------- */

/* Luhn: every second digit from the right doubled, its digits summed (a table). */
static const unsigned char luhn_doubled[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};

/* The Luhn sum of s[0..n), all digits: two digits a step, no branch on parity. */
static unsigned luhn_sum_of_digits(const char *s, size_t n)
{
    unsigned sum = 0;
    size_t i = n;
    for (; i >= 2; i -= 2)
        sum += (unsigned)(s[i - 1] - '0') + luhn_doubled[(unsigned char)(s[i - 2] - '0')];
    if (i) sum += (unsigned)(s[0] - '0');
    return sum;
}

/* The same over digits separated by spaces or hyphens. */
static unsigned luhn_sum_spaced(const char *s, size_t n)
{
    unsigned sum = 0;
    bool dbl = false;
    for (size_t i = n; i-- > 0;) {
        if (!is_digit(s[i])) continue;
        unsigned d = (unsigned)(s[i] - '0');
        sum += dbl ? luhn_doubled[d] : d;
        dbl = !dbl;
    }
    return sum;
}

static bool luhn_digits(const char *s, size_t n, size_t min, size_t max, char *why, size_t whylen)
{
    if (!s) return false;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_digit(s[i])) count++;
        else if (s[i] != ' ' && s[i] != '-') {
            say(why, whylen, "unexpected character at position %zu", i + 1);
            return false;
        }
    }
    if (count < min || count > max) {
        say(why, whylen, "%zu digits, expected %zu-%zu", count, min, max);
        return false;
    }
    unsigned sum = count == n ? luhn_sum_of_digits(s, n) : luhn_sum_spaced(s, n);
    if (sum % 10 != 0) {
        say(why, whylen, "Luhn checksum fails (%zu digits, sum %u)", count, sum);
        return false;
    }
    say(why, whylen, "Luhn checksum ok (%zu digits)", count);
    return true;
}

/* Any 2..19 digits (ISO/IEC 7812 allows up to 19): the pattern's regex fixes the
 * length it expects (16-19 for bank cards), so the published 11-digit example holds. */
static bool luhn_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    return luhn_digits(s, n, 2, 19, why, whylen);
}

bool pt_valid_luhn(const char *s, size_t n) { return luhn_verdict(s, n, NULL, 0); }

/* IMEI: exactly 15 digits, the last a Luhn check digit. */
static bool imei_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    return luhn_digits(s, n, 15, 15, why, whylen);
}

static bool valid_imei(const char *s, size_t n) { return imei_verdict(s, n, NULL, 0); }

/* ---- payment cards: issuer prefix (IIN/BIN), length, Luhn ------------------------- */

/* Card schemes by IIN range (ISO/IEC 7812, scheme rules as published by each network),
 * with the lengths each issues. A number outside every range, or of a length its scheme
 * does not issue, is not a card however its Luhn sum comes out: this keeps order numbers
 * and other long digit strings that pass Luhn by chance (1 in 10) out. */
typedef struct {
    const char *scheme;
    unsigned lo, hi;       /* IIN range on the first `digits` digits, inclusive */
    unsigned digits;
    unsigned minlen, maxlen;
    bool len_16_19_only_3; /* Visa: 13, 16 or 19 only */
} iin_range;

static const iin_range iin_ranges[] = {
    {"UnionPay", 62, 62, 2, 16, 19, false},
    {"UnionPay (domestic 60)", 60, 60, 2, 16, 19, false},
    {"UnionPay (ICBC 9558)", 9558, 9558, 4, 16, 19, false},
    {"Visa", 4, 4, 1, 13, 19, true},
    {"Mastercard", 51, 55, 2, 16, 16, false},
    {"Mastercard", 2221, 2720, 4, 16, 16, false},
    {"American Express", 34, 34, 2, 15, 15, false},
    {"American Express", 37, 37, 2, 15, 15, false},
    /* JCB and Diners also allow longer numbers on paper, but issue 16 (JCB) and 14/16
     * (Diners) digits: accepting 17-19 would take 18-digit order numbers starting 35/36/38
     * that pass Luhn by chance (1 in 10) for cards. */
    {"JCB", 3528, 3589, 4, 16, 16, false},
    {"Diners Club", 300, 305, 3, 14, 16, false},
    {"Diners Club", 36, 36, 2, 14, 14, false},
    {"Diners Club", 38, 38, 2, 16, 16, false},
    {"Discover", 6011, 6011, 4, 16, 19, false},
    {"Discover", 644, 649, 3, 16, 19, false},
    {"Discover", 65, 65, 2, 16, 19, false},
};

static const iin_range *card_scheme(const char *digits, size_t count)
{
    /* prefix[k]: the value of the first k digits (those there are), worked out once */
    unsigned prefix[5] = {0};
    for (size_t k = 1; k <= 4 && k <= count; k++) prefix[k] = prefix[k - 1] * 10 + (unsigned)(digits[k - 1] - '0');
    for (size_t i = 0; i < sizeof iin_ranges / sizeof iin_ranges[0]; i++) {
        const iin_range *r = &iin_ranges[i];
        if (count < r->digits) continue;
        unsigned v = prefix[r->digits];
        if (v < r->lo || v > r->hi) continue;
        if (count < r->minlen || count > r->maxlen) continue;
        if (r->len_16_19_only_3 && count != 13 && count != 16 && count != 19) continue;
        return r;
    }
    return NULL;
}

static bool bank_card_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    char copy[24];
    size_t count = 0;
    if (!s) return false;
    /* the digits: s itself when it is all digits (most values), else copied out of
     * their spaces or hyphens */
    while (count + 8 <= n && count + 8 <= sizeof copy && eight_digits(s + count)) count += 8;
    while (count < n && count < sizeof copy && is_digit(s[count])) count++;
    const char *digits = s;
    if (count < n) {
        digits = copy;
        for (size_t i = 0; i < count; i++) copy[i] = s[i];
        for (size_t i = count; i < n; i++) {
            if (is_digit(s[i])) {
                if (count == sizeof copy) { say(why, whylen, "more than 19 digits"); return false; }
                copy[count++] = s[i];
            } else if (s[i] != ' ' && s[i] != '-') {
                say(why, whylen, "unexpected character at position %zu", i + 1);
                return false;
            }
        }
    }
    const iin_range *r = card_scheme(digits, count);
    if (!r) {
        say(why, whylen, "no card scheme issues %zu-digit numbers starting %.*s", count,
            (int)(count < 4 ? count : 4), digits);
        return false;
    }
    /* card_scheme has checked the count against the scheme's lengths, and digits holds
     * nothing else: Luhn's sum alone is left (luhn_digits would check both again) */
    unsigned sum = luhn_sum_of_digits(digits, count);
    if (sum % 10 != 0) {
        say(why, whylen, "%s prefix %.6s, but Luhn checksum fails (%zu digits, sum %u)", r->scheme,
            digits, count, sum);
        return false;
    }
    say(why, whylen, "%s prefix %.6s, %zu digits, Luhn checksum ok", r->scheme, digits, count);
    return true;
}

bool pt_valid_bank_card(const char *s, size_t n) { return bank_card_verdict(s, n, NULL, 0); }

/* ---- calendar dates (birth dates) ------------------------------------------------- */

/* Up to 3 numbers of s (year, month, day) split at any non-digit (-, /, ., 年, 月, 日, a
 * space), or an 8-digit YYYYMMDD; a time after the date is ignored. */
static int date_parts(const char *s, size_t n, int part[3])
{
    size_t i = 0, k = 0;
    while (i < n && k < 3) {
        while (i < n && !is_digit(s[i])) {
            if (k > 0 && (s[i] == ' ' || s[i] == 'T')) return (int)k;   /* a time follows */
            i++;
        }
        size_t b = i;
        while (i < n && is_digit(s[i])) i++;
        if (i == b) break;
        if (i - b == 8 && k == 0) {
            part[0] = digits_value(s + b, 4);
            part[1] = digits_value(s + b + 4, 2);
            part[2] = digits_value(s + b + 6, 2);
            return 3;
        }
        if (i - b > 4) return -1;
        part[k++] = digits_value(s + b, i - b);
    }
    return (int)k;
}

static bool date_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    int part[3] = {0, 0, 0};
    if (!s || date_parts(s, n, part) != 3) {
        say(why, whylen, "not a year, month and day");
        return false;
    }
    if (!date_ok(part[0], part[1], part[2])) {
        say(why, whylen, "%04d-%02d-%02d is not a date between 1900 and today", part[0], part[1],
            part[2]);
        return false;
    }
    say(why, whylen, "date %04d-%02d-%02d", part[0], part[1], part[2]);
    return true;
}

bool pt_valid_date(const char *s, size_t n) { return date_verdict(s, n, NULL, 0); }

/* ---- GB 32100 unified social credit code ------------------------------------------ */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";   /* 31 symbols */

static int uscc_value(char c)
{
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

/* GB 11714-1997: the organization code's check character over its 8 body characters
 * (digits, or letters counted A=10 .. Z=35), weights 3 7 9 10 5 8 4 2, 11 - sum mod 11,
 * written X for 10 and 0 for 11. */
static char gb11714_check_char(const char *body8)
{
    static const int weight[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = body8[i];
        int v = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'z' ? c - 'a' + 10 : c - 'A' + 10);
        sum += v * weight[i];
    }
    int r = 11 - sum % 11;
    return r == 10 ? 'X' : r == 11 ? '0' : (char)('0' + r);
}

static bool gb32100_verdict(const char *in, size_t len, char *why, size_t whylen)
{
    /* Weights are 3^i mod 31 for positions 1..17. */
    static const int weight[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char s[18];
    size_t n = 0;
    if (!in) return false;
    for (size_t i = 0; i < len; i++) {   /* printed in groups: spaces are not part of it */
        if (in[i] == ' ') continue;
        if (n == sizeof s) { say(why, whylen, "more than 18 characters"); return false; }
        s[n++] = in[i];
    }
    if (n != 18) { say(why, whylen, "length %zu, expected 18", n); return false; }
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0) { say(why, whylen, "character '%c' not in the code alphabet", s[i]); return false; }
        sum += v * weight[i];
    }
    /* positions 9-17 are the organization code with its own check character */
    char org = gb11714_check_char(s + 8), got9 = s[16] == 'x' ? 'X' : s[16];
    if (got9 != org) {
        say(why, whylen, "organization code %.8s-%c: GB 11714 check character expected '%c'", s + 8,
            s[16], org);
        return false;
    }
    int check = (31 - sum % 31) % 31;
    int got = uscc_value(s[17]);
    if (got != check) {
        say(why, whylen, "MOD 31 check mismatch: '%c', expected '%c'", s[17], uscc_alphabet[check]);
        return false;
    }
    say(why, whylen, "MOD 31 check ok, organization code %.8s-%c ok, registration authority '%c', "
        "region %.6s", s + 8, s[16], s[0], s + 2);
    return true;
}

bool pt_valid_gb32100(const char *s, size_t n) { return gb32100_verdict(s, n, NULL, 0); }

/* ---- ISO 3779 vehicle identification number --------------------------------------- */

/* Transliteration of ISO 3779 / 49 CFR 565; I, O and Q are not allowed. */
static int vin_value(char c)
{
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    const char *p = c ? strchr(letters, c) : NULL;
    return p ? values[p - letters] : -1;
}

static bool iso3779_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    static const int weight[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    if (!s || n != 17) { say(why, whylen, "length %zu, expected 17", s ? n : (size_t)0); return false; }
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = vin_value(s[i]);
        if (v < 0) { say(why, whylen, "character '%c' not allowed in a VIN", s[i]); return false; }
        sum += v * weight[i];
    }
    int r = sum % 11;
    char want = r == 10 ? 'X' : (char)('0' + r);
    char got = s[8] == 'x' ? 'X' : s[8];
    if (got != want) {
        say(why, whylen, "check digit (position 9) '%c', expected '%c'", s[8], want);
        return false;
    }
    say(why, whylen, "check digit ok, manufacturer %.3s, model year code '%c'", s, s[9]);
    return true;
}

bool pt_valid_iso3779(const char *s, size_t n) { return iso3779_verdict(s, n, NULL, 0); }

/* ---- Hong Kong identity card ------------------------------------------------------- */

/* One or two letters, six digits, a check character 0-9 or A, the check possibly in
 * parentheses: A123456(3). With one letter a space (value 36) stands in front; letters
 * count A=10 .. Z=35; weights 9 8 7 6 5 4 3 2 over the 8 positions; the check makes the
 * sum with it (weight 1, A = 10) a multiple of 11. */
static bool hkid_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    char c[10];
    size_t k = 0;
    if (!s) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '(' || s[i] == ')' || s[i] == ' ') continue;
        if (k == sizeof c) { say(why, whylen, "too long"); return false; }
        char ch = s[i];
        c[k++] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    if (k != 8 && k != 9) { say(why, whylen, "%zu characters, expected 8 or 9", k); return false; }
    size_t letters = k - 7;
    int v[9], m = 0;
    if (letters == 1) v[m++] = 36;
    for (size_t i = 0; i < letters; i++) {
        if (c[i] < 'A' || c[i] > 'Z') { say(why, whylen, "expected a letter at position %zu", i + 1); return false; }
        v[m++] = c[i] - 'A' + 10;
    }
    for (size_t i = letters; i < letters + 6; i++) {
        if (!is_digit(c[i])) { say(why, whylen, "expected a digit at position %zu", i + 1); return false; }
        v[m++] = c[i] - '0';
    }
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += v[i] * (9 - i);
    char last = c[k - 1];
    int check = last == 'A' ? 10 : is_digit(last) ? last - '0' : -1;
    int want = (11 - sum % 11) % 11;
    if (check != want) {
        say(why, whylen, "check character '%c', expected '%c'", last, want == 10 ? 'A' : (char)('0' + want));
        return false;
    }
    say(why, whylen, "Hong Kong identity card, check character ok");
    return true;
}

static bool valid_hkid(const char *s, size_t n) { return hkid_verdict(s, n, NULL, 0); }

/* ---- Taiwan national identification number ------------------------------------------ */

/* A letter (its two-digit code: A=10 .. H=17, I=34, J=18 .. N=22, O=35, P=23 .. V=29,
 * W=32, X=30, Y=31, Z=33), a digit 1/2 (national ID) or 8/9 (resident certificate since
 * 2021), 7 digits and a check digit: code tens x1 + code units x9, then the 9 digits with
 * weights 8 7 6 5 4 3 2 1 1; the sum is a multiple of 10. */
static bool twid_verdict(const char *s, size_t n, char *why, size_t whylen)
{
    static const int code[26] = {10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
                                 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
    static const int weight[9] = {8, 7, 6, 5, 4, 3, 2, 1, 1};
    if (!s || n != 10) { say(why, whylen, "length %zu, expected 10", s ? n : (size_t)0); return false; }
    char l = s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 'a' + 'A') : s[0];
    if (l < 'A' || l > 'Z') { say(why, whylen, "expected a letter first"); return false; }
    for (size_t i = 1; i < 10; i++)
        if (!is_digit(s[i])) { say(why, whylen, "non-digit at position %zu", i + 1); return false; }
    if (s[1] != '1' && s[1] != '2' && s[1] != '8' && s[1] != '9') {
        say(why, whylen, "second character '%c', expected 1, 2, 8 or 9", s[1]);
        return false;
    }
    int c = code[l - 'A'];
    int sum = c / 10 + (c % 10) * 9;
    for (int i = 0; i < 9; i++) sum += (s[i + 1] - '0') * weight[i];
    if (sum % 10 != 0) { say(why, whylen, "check digit fails (sum %d)", sum); return false; }
    say(why, whylen, "Taiwan identification number, check digit ok");
    return true;
}

static bool valid_twid(const char *s, size_t n) { return twid_verdict(s, n, NULL, 0); }

/* ---- registry ---------------------------------------------------------------------- */

typedef bool (*verdict_fn)(const char *s, size_t n, char *why, size_t whylen);

static const struct {
    const char *name;
    pt_validator_fn fn;
    verdict_fn explain;
} registry[] = {
    {"gb11643", pt_valid_gb11643, gb11643_verdict},
    {"luhn", pt_valid_luhn, luhn_verdict},
    {"imei", valid_imei, imei_verdict},
    {"gb32100", pt_valid_gb32100, gb32100_verdict},
    {"iso3779", pt_valid_iso3779, iso3779_verdict},
    {"bank_card", pt_valid_bank_card, bank_card_verdict},
    {"date", pt_valid_date, date_verdict},
    {"hkid", valid_hkid, hkid_verdict},
    {"twid", valid_twid, twid_verdict},
};
#define N_VALIDATORS (sizeof registry / sizeof registry[0])

pt_validator_fn pt_validator_find(const char *name)
{
    for (size_t i = 0; name && i < N_VALIDATORS; i++)
        if (strcmp(registry[i].name, name) == 0) return registry[i].fn;
    return NULL;
}

const char *const *pt_validator_names(void)
{
    /* the registry's names, in its order (test_validators checks they agree) */
    static const char *const names[N_VALIDATORS + 1] = {"gb11643", "luhn", "imei", "gb32100",
                                                        "iso3779", "bank_card", "date", "hkid",
                                                        "twid", NULL};
    return names;
}

bool pt_validator_explain(const char *name, const char *s, size_t n, char *why, size_t whylen)
{
    for (size_t i = 0; name && i < N_VALIDATORS; i++)
        if (strcmp(registry[i].name, name) == 0) return registry[i].explain(s, n, why, whylen);
    say(why, whylen, "unknown validator %s", name ? name : "(null)");
    return false;
}
