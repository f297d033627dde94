/* test_samples.c - evidence samples: masking by characters, first-by-position order,
 * one sample per record, merging. */
#include "check.h"
#include "pitally/samples.h"

static void mask(const char *v, unsigned head, unsigned tail, char *out)
{
    pt_mask_value(v, strlen(v), head, tail, out, PT_SAMPLE_VALUE_MAX);
}

static void test_mask(void)
{
    char out[PT_SAMPLE_VALUE_MAX];
    mask("13812345678", 3, 4, out);
    CHECK_STR(out, "138****5678");
    mask("张伟", 1, 0, out);            /* characters, not bytes */
    CHECK_STR(out, "张*");
    mask("欧阳娜娜", 1, 1, out);
    CHECK_STR(out, "欧**娜");
    mask("男", 1, 1, out);              /* too short to keep anything */
    CHECK_STR(out, "*");
    mask("11010519491231002X", 6, 4, out);   /* 8 hidden characters: 8 stars */
    CHECK_STR(out, "110105********002X");
    mask("110105194912310021234", 3, 2, out);  /* 16 hidden: at most 8 stars */
    CHECK_STR(out, "110********34");
    mask("", 3, 4, out);
    CHECK_STR(out, "");
}

static void test_first_by_position(void)
{
    pt_samples s;
    pt_samples_init(&s, 2);
    /* offered out of order, as threads would: kept are the three smallest (input, offset) */
    pt_samples_add(&s, 1, 1, 10, "d");
    pt_samples_add(&s, 1, 0, 500, "c");
    pt_samples_add(&s, 1, 0, 7, "a");
    CHECK(pt_samples_wants(&s, 1, 0, 8));
    CHECK(!pt_samples_wants(&s, 1, 1, 11));  /* later than the third: not wanted */
    pt_samples_add(&s, 1, 0, 9, "b");
    pt_samples_add(&s, 1, 0, 9, "b2");      /* same record again: one sample per record */
    const pt_sample *v;
    CHECK_EQ(pt_samples_of(&s, 1, &v), 3);
    CHECK_STR(v[0].value, "a");
    CHECK_STR(v[1].value, "b");
    CHECK_STR(v[2].value, "c");
    CHECK_EQ(pt_samples_of(&s, 0, &v), 0);
    pt_samples_free(&s);
}

static void test_merge(void)
{
    pt_samples a, b;
    pt_samples_init(&a, 1);
    pt_samples_init(&b, 1);
    pt_samples_add(&a, 0, 0, 30, "x30");
    pt_samples_add(&a, 0, 0, 10, "x10");
    pt_samples_add(&b, 0, 0, 20, "x20");
    pt_samples_add(&b, 0, 0, 5, "x5");
    pt_samples_merge(&a, &b);
    const pt_sample *v;
    CHECK_EQ(pt_samples_of(&a, 0, &v), 3);
    CHECK_STR(v[0].value, "x5");
    CHECK_STR(v[1].value, "x10");
    CHECK_STR(v[2].value, "x20");
    pt_samples_free(&a);
    pt_samples_free(&b);
}

int main(void)
{
    RUN(test_mask);
    RUN(test_first_by_position);
    RUN(test_merge);
    return CHECK_DONE();
}
