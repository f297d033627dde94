/* check.h - the unit-test harness: each test is a function; RUN prints "ok NAME" or
 * "not ok NAME" and the failing assertions; tests/run.sh counts those lines. */
#ifndef PITALLY_CHECK_H
#define PITALLY_CHECK_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int check_failures_;
static int check_passed_tests_, check_failed_tests_;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            check_failures_++;                                                      \
            printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
        }                                                                           \
    } while (0)

#define CHECK_EQ(a, b)                                                              \
    do {                                                                            \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);             \
        if (check_a_ != check_b_) {                                                 \
            check_failures_++;                                                      \
            printf("#   %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,        \
                   __LINE__, #a, check_a_, #b, check_b_);                           \
        }                                                                           \
    } while (0)

#define CHECK_STR(a, b)                                                             \
    do {                                                                            \
        const char *check_a_ = (a), *check_b_ = (b);                                \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {            \
            check_failures_++;                                                      \
            printf("#   %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,          \
                   __LINE__, #a, check_a_ ? check_a_ : "(null)",                    \
                   check_b_ ? check_b_ : "(null)");                                 \
        }                                                                           \
    } while (0)

#define CHECK_MEM(a, alen, b)                                                       \
    do {                                                                            \
        size_t check_n_ = strlen(b);                                                \
        if ((size_t)(alen) != check_n_ || memcmp((a), (b), check_n_) != 0) {        \
            check_failures_++;                                                      \
            printf("#   %s:%d: %s is \"%.*s\", expected \"%s\"\n", __FILE__,        \
                   __LINE__, #a, (int)(alen), (const char *)(a), (b));              \
        }                                                                           \
    } while (0)

#define RUN(fn)                                                                     \
    do {                                                                            \
        int check_before_ = check_failures_;                                        \
        fn();                                                                       \
        if (check_failures_ == check_before_) {                                     \
            check_passed_tests_++;                                                  \
            printf("ok %s\n", #fn);                                                 \
        } else {                                                                    \
            check_failed_tests_++;                                                  \
            printf("not ok %s\n", #fn);                                             \
        }                                                                           \
        fflush(stdout);                                                             \
    } while (0)

#define CHECK_DONE() (check_failed_tests_ ? 1 : 0)

#endif
