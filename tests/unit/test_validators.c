/* test_validators.c - the checksum validators against published vectors and vectors
 * worked out by hand from the standards (GB 11643, Luhn, GB 32100 with GB 11714, ISO 3779,
 * the Hong Kong and Taiwan identity card check digits). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pitally/validators.h"

#define V(fn, s) fn((s), strlen(s))

static void test_gb11643_published_example(void)
{
    /* The example of GB 11643-1999 annex: check char X (weighted sum 167, 167 mod 11 = 2). */
    CHECK(V(pt_valid_gb11643, "11010519491231002X"));
    CHECK(V(pt_valid_gb11643, "11010519491231002x"));   /* lower-case x is the same */
    CHECK(!V(pt_valid_gb11643, "110105194912310021"));  /* any other check char */
    CHECK(!V(pt_valid_gb11643, "110105194912310028"));
}

static void test_gb11643_date_and_province(void)
{
    /* Each vector below carries the right check char for its 17 digits (weights 7 9 10 5
     * 8 4 2 1 6 3 7 9 10 5 8 4 2, check chars "10X98765432"), so only the date decides.
     * 1949-02-30 does not exist: 11010519490230002 -> 7+9+0+5+0+20+2+9+24+27+0+18+30+0+0+0+4
     * = 155, 155 mod 11 = 1 -> '0'. */
    CHECK(!V(pt_valid_gb11643, "110105194902300020"));
    /* 2000-02-29 exists (leap year): 11010520000229002 -> 7+9+5+20+4+0+0+0+0+18+20+45+0+0+4
     * = 132, 132 mod 11 = 0 -> '1'. */
    CHECK(V(pt_valid_gb11643, "110105200002290021"));
    /* 1900-02-29 does not (1900 is not a leap year): 11010519000229002 -> 7+9+5+20+2+9+0+0+
     * 0+18+20+45+0+0+4 = 139, 139 mod 11 = 7 -> '5'. */
    CHECK(!V(pt_valid_gb11643, "110105190002290025"));
    /* province 99 does not exist: 99010519491231002 -> 63+81+0+5+0+20+2+9+24+27+7+18+30+5+0+
     * 0+4 = 295, 295 mod 11 = 9 -> '3'. (A leading 9 is read as a foreign permanent
     * resident ID, whose issuing province, digits 2-3, is then 90: unknown as well.) */
    CHECK(!V(pt_valid_gb11643, "990105194912310023"));
    /* a birth year in the future */
    CHECK(!V(pt_valid_gb11643, "110105290001010011"));
}

static void test_gb11643_legacy_15(void)
{
    CHECK(V(pt_valid_gb11643, "110105491231002"));    /* 1949-12-31, no check digit */
    CHECK(!V(pt_valid_gb11643, "110105490230002"));   /* 1949-02-30 */
    CHECK(!V(pt_valid_gb11643, "990105491231002"));   /* province 99 */
    CHECK(!V(pt_valid_gb11643, "11010549123100"));    /* 14 digits */
    CHECK(!V(pt_valid_gb11643, "1101054912310A2"));
    CHECK(!pt_valid_gb11643(NULL, 0));
}

static void test_luhn(void)
{
    CHECK(V(pt_valid_luhn, "4111111111111111"));
    CHECK(V(pt_valid_luhn, "79927398713"));
    CHECK(!V(pt_valid_luhn, "79927398710"));
    CHECK(V(pt_valid_luhn, "4111 1111 1111 1111"));   /* separators are skipped */
    CHECK(V(pt_valid_luhn, "4111-1111-1111-1111"));
    CHECK(!V(pt_valid_luhn, "4111111111111112"));
    /* 6222 0212 3456 789?: doubled digits 6,2,0,1,3,5,7,9 -> 3+4+0+2+6+1+5+9 = 30, others
     * 2+2+2+2+4+6+8 = 26; 56 -> check digit 4. */
    CHECK(V(pt_valid_luhn, "6222021234567894"));
    CHECK(!V(pt_valid_luhn, "6222021234567895"));
    CHECK(!V(pt_valid_luhn, "4111a11111111111"));
    CHECK(!V(pt_valid_luhn, "41111111111111111111"));   /* 20 digits: too long */
    CHECK(!V(pt_valid_luhn, ""));
}

static void test_imei(void)
{
    pt_validator_fn imei = pt_validator_find("imei");
    CHECK(imei != NULL);
    if (!imei) return;
    /* 49015420323751?: the published GSM example IMEI 490154203237518. */
    CHECK(imei("490154203237518", 15));
    CHECK(!imei("490154203237519", 15));
    CHECK(!imei("4111111111111111", 16));   /* Luhn-valid but not 15 digits */
}

static void test_gb32100(void)
{
    /* 91350100M000100Y4 with weights 3^i mod 31 (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
     * 30 28): 9+3+27+135+0+26+0+0+21*20+0+0+0+8+0+0+30*30+4*28 = 1640; 1640 mod 31 = 28;
     * 31 - 28 = 3 -> check char '3'. */
    CHECK(V(pt_valid_gb32100, "91350100M000100Y43"));
    CHECK(!V(pt_valid_gb32100, "91350100M000100Y44"));
    CHECK(!V(pt_valid_gb32100, "91350100M000101Y43"));
    CHECK(!V(pt_valid_gb32100, "91350100I000100Y43"));  /* I is not in the alphabet */
    CHECK(!V(pt_valid_gb32100, "91350100M000100Y4"));
}

static void test_iso3779(void)
{
    /* The classic check digit example: weighted sum 351, 351 mod 11 = 10 -> 'X'. */
    CHECK(V(pt_valid_iso3779, "1M8GDM9AXKP042788"));
    CHECK(!V(pt_valid_iso3779, "1M8GDM9A1KP042788"));   /* check digit altered */
    CHECK(!V(pt_valid_iso3779, "1M8GDM9AXKP042789"));   /* another position altered */
    CHECK(!V(pt_valid_iso3779, "1M8GDM9AXKP04278"));    /* 16 characters */
    CHECK(!V(pt_valid_iso3779, "1M8GDM9AXKO042788"));   /* O is not allowed */
}

static void test_bank_card_published_test_numbers(void)
{
    /* The card networks' published test numbers (as listed by payment processors). */
    static const char *const valid[] = {
        "4111111111111111", "4012888888881881",       /* Visa 16 */
        "5555555555554444", "2223003122003222",       /* Mastercard 51-55 and 2-series */
        "378282246310005", "371449635398431",         /* American Express 15 */
        "6011111111111117",                           /* Discover */
        "3530111333300000",                           /* JCB */
        "30569309025904",                             /* Diners Club 14 */
        "6200000000000005", "6205500000000000004",    /* UnionPay 16 and 19 */
        "6222021234567894",                           /* UnionPay, worked out in test_luhn */
        "6222 0212 3456 7894",                        /* grouped */
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (!V(pt_valid_bank_card, valid[i])) printf("#   %s refused\n", valid[i]);
        CHECK(V(pt_valid_bank_card, valid[i]));
    }
    CHECK(!V(pt_valid_bank_card, "4111111111111112"));     /* Luhn fails */
    CHECK(!V(pt_valid_bank_card, "6222021234567895"));
    CHECK(!V(pt_valid_bank_card, "79927398713"));          /* Luhn ok, no scheme issues 11 digits */
    CHECK(!V(pt_valid_bank_card, "1234567812345670"));     /* Luhn ok, prefix 1 is no card scheme */
    CHECK(!V(pt_valid_bank_card, "5555555555554444000"));  /* Mastercard is 16 digits only */
    CHECK(!V(pt_valid_bank_card, "37828224631000"));       /* Amex is 15 digits */
    CHECK(!V(pt_valid_bank_card, "62222021234567894X"));
    CHECK(!V(pt_valid_bank_card, ""));
    char why[256];
    CHECK(pt_validator_explain("bank_card", "6200000000000005", 16, why, sizeof why));
    CHECK(strstr(why, "UnionPay") != NULL);
    CHECK(!pt_validator_explain("bank_card", "1234567812345670", 16, why, sizeof why));
    CHECK(strstr(why, "no card scheme") != NULL);
}

static void test_imei_more(void)
{
    pt_validator_fn imei = pt_validator_find("imei");
    if (!imei) { CHECK(0); return; }
    /* 35-209900-176148-1, the worked example of the IMEI check digit (3GPP TS 23.003 annex B
     * rule, as usually quoted): Luhn over 14 digits gives 1. */
    CHECK(imei("352099001761481", 15));
    CHECK(imei("35-209900-176148-1", 18));       /* separators skipped */
    CHECK(!imei("352099001761482", 15));
    CHECK(!imei("35209900176148", 14));
}

static void test_gb32100_published(void)
{
    /* 91110108551385082Q: a company's code as printed on its business licence; MOD 31 over
     * 9 1 1 1 0 1 0 8 5 5 1 3 8 5 0 8 2 with weights 3^i mod 31 leaves check value 24 = 'Q'. */
    CHECK(V(pt_valid_gb32100, "91110108551385082Q"));
    CHECK(!V(pt_valid_gb32100, "91110108551385082R"));
    CHECK(!V(pt_valid_gb32100, "91110108551385083Q"));
    CHECK(V(pt_valid_gb32100, "91110108551385082q"));   /* lower case reads the same */
}

static void test_iso3779_more(void)
{
    CHECK(V(pt_valid_iso3779, "11111111111111111"));   /* all ones: 1 x sum of weights 89 = 1 mod 11 */
    CHECK(V(pt_valid_iso3779, "5GZCZ43D13S812715"));   /* the check-digit example of 49 CFR 565 guides */
    CHECK(!V(pt_valid_iso3779, "5GZCZ43D23S812715"));
    CHECK(!V(pt_valid_iso3779, "5GZCZ43D13S81271Q"));   /* Q is not allowed */
}

static void test_dates(void)
{
    CHECK(V(pt_valid_date, "1990-03-07"));
    CHECK(V(pt_valid_date, "19900307"));
    CHECK(V(pt_valid_date, "1990/3/7"));
    CHECK(V(pt_valid_date, "1990年3月7日"));
    CHECK(V(pt_valid_date, "2000-02-29"));              /* leap year */
    CHECK(V(pt_valid_date, "1990-03-07 08:30:00"));     /* a time after the date */
    CHECK(!V(pt_valid_date, "1900-02-29"));             /* not a leap year */
    CHECK(!V(pt_valid_date, "1990-02-30"));
    CHECK(!V(pt_valid_date, "1990-13-01"));
    CHECK(!V(pt_valid_date, "1899-12-31"));             /* before 1900 */
    CHECK(!V(pt_valid_date, "2999-01-01"));             /* the future */
    CHECK(!V(pt_valid_date, "1990-03"));
    CHECK(!V(pt_valid_date, "199003071"));
}

/* The foreign permanent resident ID card issued since 2023-12-01 (公安部《外国人永久居留
 * 身份证》2023 edition): 9, the issuing province (2 digits), the holder's nationality
 * (ISO 3166-1 numeric, 3 digits), birth date, sequence, GB 11643 check character. */
static void test_foreign_permanent_resident_id(void)
{
    /* 9 11 840 19800101 001: 9*7+1*9+1*10+8*5+4*8+0*4+1*2+9*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+
     * 1*2 = 229, 229 mod 11 = 9 -> '3'. */
    CHECK(V(pt_valid_gb11643, "911840198001010013"));
    CHECK(!V(pt_valid_gb11643, "911840198001010014"));
    /* 9 44 036 19851231 002 (Australia, issued in Guangdong): check '6' */
    CHECK(V(pt_valid_gb11643, "944036198512310026"));
    CHECK(!V(pt_valid_gb11643, "999036198512310026"));   /* issuing province 99 */
    CHECK(!V(pt_valid_gb11643, "911840198002300013"));   /* 1980-02-30 */
}

/* The organization code inside a USCC (positions 9-17) carries its own GB 11714-1997
 * check character (weights 3 7 9 10 5 8 4 2, 11 - sum mod 11, 10 -> X, 11 -> 0). */
static void test_gb32100_organization_code(void)
{
    /* 123456789012345678 passes the MOD 31 check (its 18th character is the MOD 31 check of
     * the first 17) but not GB 11714: 9 0 1 2 3 4 5 6 -> 27+0+9+20+15+32+20+12 = 135,
     * 135 mod 11 = 3, 11 - 3 = 8, and position 17 is 7. */
    CHECK(!V(pt_valid_gb32100, "123456789012345678"));
    /* the published code of test_gb32100_published: 55138508 -> 5*3 + 5*7 + 1*9 + 3*10 +
     * 8*5 + 5*8 + 0*4 + 8*2 = 185, 185 mod 11 = 9, 11 - 9 = 2: position 17 is 2. */
    CHECK(V(pt_valid_gb32100, "91110108551385082Q"));
    /* printed in groups, the spaces are skipped */
    CHECK(V(pt_valid_gb32100, "91 110108 551385082 Q"));
    CHECK(V(pt_valid_gb32100, "9111 0108 5513 8508 2Q"));
    CHECK(!V(pt_valid_gb32100, "9111 0108 5513 8508 2R"));
    CHECK(!V(pt_valid_gb32100, "91110108551385082Q1"));
}

/* Hong Kong identity card: the check makes 9*c1 + 8*c2 + ... + 2*c8 + check a multiple of
 * 11 (a single letter is preceded by a space worth 36; A = 10). A123456(3) is the example
 * of the Immigration Department's explanation of the check digit. */
static void test_hkid(void)
{
    pt_validator_fn hk = pt_validator_find("hkid");
    CHECK(hk != NULL);
    if (!hk) return;
    /* 36*9 + 10*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 = 481, 481 mod 11 = 8 -> 3 */
    CHECK(hk("A123456(3)", 10));
    CHECK(hk("A1234563", 8));
    CHECK(!hk("A123456(4)", 10));
    /* two letters: 10*9 + 11*8 + 9*7 + 8*6 + 7*5 + 6*4 + 5*3 + 4*2 = 371, 371 mod 11 = 8 -> 3 */
    CHECK(hk("AB987654(3)", 11));
    CHECK(!hk("AB987654(2)", 11));
    /* check value 10 is written A: 36*9 + 16*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 = 529,
     * 529 mod 11 = 1 -> 10 -> A */
    CHECK(hk("G123456(A)", 10));
    CHECK(!hk("G123456(0)", 10));
    CHECK(!hk("1123456(3)", 10));
    CHECK(!hk("A12345(3)", 9));
}

/* Taiwan: A123456789 is the usual example of the 內政部 check-digit rule (A = 10: 1*1 + 0*9,
 * then 1 2 3 4 5 6 7 8 with weights 8..1, then the check 9: 1 + 120 + 9 = 130). */
static void test_twid(void)
{
    pt_validator_fn tw = pt_validator_find("twid");
    CHECK(tw != NULL);
    if (!tw) return;
    CHECK(tw("A123456789", 10));
    CHECK(tw("a123456789", 10));
    CHECK(!tw("A123456788", 10));
    /* the resident certificate numbers of 2021 (second digit 8/9): A80000001? -> 1 + 64 + 1 = 66,
     * check 4 */
    CHECK(tw("A800000014", 10));
    CHECK(!tw("A300000014", 10));   /* second digit 3 is not issued */
    CHECK(!tw("A12345678", 9));
}

static void test_imei_grouped(void)
{
    pt_validator_fn imei = pt_validator_find("imei");
    if (!imei) { CHECK(0); return; }
    /* 490154203237518 written 6-2-6-1 (TAC, FAC-era split, serial, check) */
    CHECK(imei("490154-20-323751-8", 18));
    CHECK(imei("490154 20 323751 8", 18));
    CHECK(!imei("490154-20-323751-9", 18));
}

static void test_registry(void)
{
    CHECK(pt_validator_find("gb11643") == pt_valid_gb11643);
    CHECK(pt_validator_find("luhn") == pt_valid_luhn);
    CHECK(pt_validator_find("gb32100") == pt_valid_gb32100);
    CHECK(pt_validator_find("iso3779") == pt_valid_iso3779);
    CHECK(pt_validator_find("nope") == NULL);
    CHECK(pt_validator_find(NULL) == NULL);
    size_t n = 0;
    for (const char *const *v = pt_validator_names(); *v; v++) {
        CHECK(pt_validator_find(*v) != NULL);
        n++;
    }
    CHECK_EQ(n, 9);
    CHECK(pt_validator_find("bank_card") == pt_valid_bank_card);
    CHECK(pt_validator_find("date") == pt_valid_date);
}

static void test_explain_reasons(void)
{
    char why[256];
    CHECK(pt_validator_explain("gb11643", "11010519491231002X", 18, why, sizeof why));
    CHECK_STR(why, "checksum ok, date 1949-12-31, province 11");
    CHECK(!pt_validator_explain("gb11643", "990105194912310023", 18, why, sizeof why));
    CHECK(strstr(why, "province 90") != NULL);   /* read as a foreign permanent resident ID */
    CHECK(pt_validator_explain("gb11643", "911840198001010013", 18, why, sizeof why));
    CHECK(strstr(why, "foreign permanent resident") && strstr(why, "nationality 840"));
    CHECK(!pt_validator_explain("gb32100", "123456789012345678", 18, why, sizeof why));
    CHECK(strstr(why, "GB 11714") != NULL);
    CHECK(!pt_validator_explain("nope", "1", 1, why, sizeof why));
}

int main(void)
{
    RUN(test_gb11643_published_example);
    RUN(test_gb11643_date_and_province);
    RUN(test_gb11643_legacy_15);
    RUN(test_luhn);
    RUN(test_imei);
    RUN(test_gb32100);
    RUN(test_iso3779);
    RUN(test_bank_card_published_test_numbers);
    RUN(test_imei_more);
    RUN(test_gb32100_published);
    RUN(test_iso3779_more);
    RUN(test_dates);
    RUN(test_foreign_permanent_resident_id);
    RUN(test_gb32100_organization_code);
    RUN(test_hkid);
    RUN(test_twid);
    RUN(test_imei_grouped);
    RUN(test_registry);
    RUN(test_explain_reasons);
    return CHECK_DONE();
}
