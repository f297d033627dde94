/* test_detect.c - the delimiter count of format detection (src/records/detect.c): the
 * 16-byte blocks and the byte-by-byte count against a count written from the
 * definition (a search for each candidate), on lines built by hand and on random lines
 * of the bytes that matter, at every alignment.
 */
#include "check.h"
#include "../../src/records/detect_internal.h"

#include <stdbool.h>
#include <stdlib.h>

enum { COMMA, TAB, PIPE, SEMI, DASHES, HASH, COLON };

/* Non-overlapping occurrences of word in t[b..e), from the left. */
static size_t search_count(const char *t, size_t b, size_t e, const char *word)
{
    size_t n = 0, len = strlen(word);
    for (size_t i = b; i + len <= e;) {
        if (memcmp(t + i, word, len) == 0) {
            n++;
            i += len;
        } else {
            i++;
        }
    }
    return n;
}

/* The definition: "," outside double quotes (a quote toggles), the single bytes, and
 * "----" and " # " as a search finds them. */
static void reference(const char *t, size_t b, size_t e, size_t counts[PT_DETECT_CANDIDATES],
                      bool *in_quote)
{
    for (size_t i = b; i < e; i++) {
        if (t[i] == '"') *in_quote = !*in_quote;
        else if (t[i] == ',' && !*in_quote) counts[COMMA]++;
        counts[TAB] += t[i] == '\t';
        counts[PIPE] += t[i] == '|';
        counts[SEMI] += t[i] == ';';
        counts[COLON] += t[i] == ':';
    }
    counts[DASHES] += search_count(t, b, e, "----");
    counts[HASH] += search_count(t, b, e, " # ");
}

/* Both counts of the whole string s, and the reference, agree; returns the count. */
static size_t agreed(const char *s, int which, bool quote_before)
{
    size_t n = strlen(s);
    size_t got[3][PT_DETECT_CANDIDATES] = {{0}};
    bool q[3] = {quote_before, quote_before, quote_before};
    pt_detect_count_candidates(s, 0, n, got[0], &q[0], false);
    pt_detect_count_candidates(s, 0, n, got[1], &q[1], true);
    reference(s, 0, n, got[2], &q[2]);
    CHECK(memcmp(got[0], got[2], sizeof got[0]) == 0 && q[0] == q[2]);
    CHECK(memcmp(got[1], got[2], sizeof got[1]) == 0 && q[1] == q[2]);
    return got[0][which];
}

static void test_by_hand(void)
{
    /* 17 bytes and more, so that the blocks count too */
    CHECK_EQ(agreed("name,phone,\"a, b\",c,d,e,f,g", COMMA, false), 7);   /* 8 fields */
    CHECK_EQ(agreed("still quoted, here\" then,one,two", COMMA, true), 2);
    CHECK_EQ(agreed("user----pass-----x--------y-------", DASHES, false), 5); /* 1+1+2+1 */
    /* "a # b", one of " # # " (they overlap), "c  #  d" and "e # f"; "##" none */
    CHECK_EQ(agreed("a # b # # c  #  d ## e # f", HASH, false), 4);
    CHECK_EQ(agreed("2024-01-02 10:11:12|x|y;z\tw:q", COLON, false), 3);
    CHECK_EQ(agreed("2024-01-02 10:11:12|x|y;z\tw:q", PIPE, false), 2);
    /* " # " across the 16-byte edge: the space at byte 15, the "#" at 16 */
    CHECK_EQ(agreed("xxxxxxxxxxxxxxx # yyyy", HASH, false), 1);
    /* "----" across the edge, and a "#" line end that leaves no room for the space */
    CHECK_EQ(agreed("xxxxxxxxxxxxxx----yyyyyyy #", DASHES, false), 1);
    CHECK_EQ(agreed("xxxxxxxxxxxxxx----yyyyyyy #", HASH, false), 0);
}

/* Random lines of the bytes that matter, from every start offset (block alignments),
 * with and without an open quote before. */
static void test_random_lines(void)
{
    static const char alphabet[] = ",,,\"\t|;::----  ##aZ9\xe5";
    srand(5);
    int bad = 0;
    char t[200];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand() % 120), b = (size_t)(rand() % 20);
        for (size_t i = 0; i < b + n; i++)   /* now and then any byte: none may be taken for one */
            t[i] = rand() % 4 ? alphabet[rand() % (sizeof alphabet - 1)] : (char)(rand() % 256);
        size_t got[3][PT_DETECT_CANDIDATES] = {{0}};
        bool q0 = rand() & 1, q[3] = {q0, q0, q0};
        pt_detect_count_candidates(t, b, b + n, got[0], &q[0], false);
        pt_detect_count_candidates(t, b, b + n, got[1], &q[1], true);
        reference(t, b, b + n, got[2], &q[2]);
        bad += memcmp(got[0], got[2], sizeof got[0]) != 0 || q[0] != q[2];
        bad += memcmp(got[1], got[2], sizeof got[1]) != 0 || q[1] != q[2];
    }
    CHECK_EQ(bad, 0);
}

int main(void)
{
    RUN(test_by_hand);
    RUN(test_random_lines);
    return CHECK_DONE();
}
