/* test_columns.c - column tables (pitally/columns.h) kept compact: a table moved into one
 * allocation by pt_colstats_compact (as every input's is, once the input is done) must
 * look up, merge into and report the same counts as one never compacted. Every expected
 * count is the sum of the hand-set counts written beside it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/classify.h"
#include "pitally/columns.h"

/* Set one cell's counters (added when absent). */
static void set_cell(pt_colstats *t, int32_t col, uint32_t pattern, uint64_t matches, uint64_t checked,
                     uint64_t passed, uint64_t accepted)
{
    pt_column_pattern *p = pt_colstats_cell(t, col, pattern);
    p->matches = matches;
    p->checked = checked;
    p->passed = passed;
    p->accepted = accepted;
}

static int32_t column(pt_colstats *t, int32_t position, const char *key)
{
    return pt_colstats_column(t, position, key, key ? strlen(key) : 0);
}

/* An input's table: 姓名 (position 0) with pattern 3; 身份证号 (1) with patterns 1 and 7;
 * a column without a name (2) with pattern 4 and fill only; one doubt. */
static pt_colstats *input_table(void)
{
    pt_colstats *t = pt_colstats_new(false);
    CHECK_EQ(column(t, 0, "姓名"), 0);
    CHECK_EQ(column(t, 1, "身份证号"), 1);
    CHECK_EQ(column(t, 2, NULL), 2);
    t->cols[0].fill = 10;
    t->cols[0].first = 40;
    t->cols[1].fill = 9;
    t->cols[1].first = 40;
    t->cols[2].fill = 8;
    t->cols[2].first = 90;
    set_cell(t, 0, 3, 5, 4, 3, 2);
    set_cell(t, 1, 1, 9, 9, 8, 8);
    set_cell(t, 1, 7, 4, 4, 1, 0);
    set_cell(t, 2, 4, 2, 2, 2, 2);
    pt_column_pattern *judged = pt_colstats_cell(t, 1, 7);
    judged->judged = judged->disabled = true;
    judged->sample_checked = 4;
    judged->sample_passed = 1;
    pt_colstats_add_doubt(t, 0, 1, 1, 7, 2);
    return t;
}

/* A later part of the same input: 身份证号 again (pattern 7 again, and pattern 5 new to
 * the column), 邮箱 new at position 3, the same doubt once more and a new one. */
static pt_colstats *later_part(void)
{
    pt_colstats *t = pt_colstats_new(false);
    CHECK_EQ(column(t, 1, "身份证号"), 0);
    CHECK_EQ(column(t, 3, "邮箱"), 1);
    t->cols[0].fill = 6;
    t->cols[0].first = 500;
    t->cols[1].fill = 6;
    t->cols[1].first = 520;
    set_cell(t, 0, 7, 6, 5, 2, 0);
    set_cell(t, 0, 5, 1, 1, 1, 1);
    set_cell(t, 1, 2, 6, 6, 6, 6);
    pt_colstats_add_doubt(t, 0, 1, 0, 7, 3);
    pt_colstats_add_doubt(t, 1, 2, 1, 2, 1);
    return t;
}

static void check_cell(const pt_colstats *t, int32_t col, uint32_t pattern, uint64_t matches,
                       uint64_t checked, uint64_t passed, uint64_t accepted)
{
    const pt_column_pattern *p = pt_colstats_find_cell(t, col, pattern);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_EQ(p->matches, matches);
    CHECK_EQ(p->checked, checked);
    CHECK_EQ(p->passed, passed);
    CHECK_EQ(p->accepted, accepted);
}

/* What input_table() holds, by hand. */
static void check_input_table(const pt_colstats *t)
{
    CHECK_EQ(t->n, 3);
    CHECK_STR(t->cols[0].key, "姓名");
    CHECK_EQ(t->cols[0].key_len, strlen("姓名"));
    CHECK_STR(t->cols[1].key, "身份证号");
    CHECK(t->cols[2].key == NULL);
    CHECK_EQ(t->cols[0].fill, 10);
    CHECK_EQ(t->cols[2].first, 90);
    CHECK_EQ(t->cols[1].n_pats, 2);
    check_cell(t, 0, 3, 5, 4, 3, 2);
    check_cell(t, 1, 1, 9, 9, 8, 8);
    check_cell(t, 1, 7, 4, 4, 1, 0);
    check_cell(t, 2, 4, 2, 2, 2, 2);
    const pt_column_pattern *judged = pt_colstats_find_cell(t, 1, 7);
    CHECK(judged && judged->judged && judged->disabled);
    CHECK(judged && judged->sample_checked == 4 && judged->sample_passed == 1);
    CHECK(pt_colstats_find_cell(t, 0, 7) == NULL);
    CHECK_EQ(t->n_doubts, 1);
    CHECK_EQ(t->doubts[0].pieces, 2);
}

/* input_table() with later_part() merged in, by hand: 身份证号's pattern 7 is 4+6
 * matches, 4+5 checked, 1+2 passed, 0+0 accepted; its fill 9+6; its first offset the
 * earlier, 40; pattern 5 is new there (1 1 1 1); 邮箱 is column 3 (fill 6, pattern 2:
 * 6 6 6 6); the doubt 0->1 in column 1 of pattern 7 is 2+3 pieces, and the new one
 * (1->2, pattern 2) names 邮箱 by the merged table's number, 3. */
static void check_merged(const pt_colstats *t)
{
    CHECK_EQ(t->n, 4);
    CHECK_EQ(t->cols[1].fill, 15);
    CHECK_EQ(t->cols[1].first, 40);
    CHECK_EQ(t->cols[1].n_pats, 3);
    check_cell(t, 0, 3, 5, 4, 3, 2);
    check_cell(t, 1, 1, 9, 9, 8, 8);
    check_cell(t, 1, 7, 10, 9, 3, 0);
    check_cell(t, 1, 5, 1, 1, 1, 1);
    check_cell(t, 2, 4, 2, 2, 2, 2);
    CHECK_STR(t->cols[3].key, "邮箱");
    CHECK_EQ(t->cols[3].position, 3);
    CHECK_EQ(t->cols[3].fill, 6);
    check_cell(t, 3, 2, 6, 6, 6, 6);
    CHECK_EQ(t->n_doubts, 2);
    CHECK(t->doubts[0].from == 0 && t->doubts[0].to == 1 && t->doubts[0].column == 1 &&
          t->doubts[0].pattern == 7 && t->doubts[0].pieces == 5);
    CHECK(t->doubts[1].from == 1 && t->doubts[1].to == 2 && t->doubts[1].column == 3 &&
          t->doubts[1].pattern == 2 && t->doubts[1].pieces == 1);
}

static void test_compacted_holds_the_same(void)
{
    pt_colstats *t = input_table();
    pt_colstats_compact(t);
    /* one block of exactly the table, no index, nothing owned apart */
    CHECK(t->block != NULL);
    CHECK(t->index == NULL && t->index_cap == 0);
    CHECK_EQ(t->cap, 0);
    CHECK_EQ(t->cap_doubts, 0);
    CHECK_EQ(t->cols[1].cap_pats, 0);
    CHECK_EQ(t->n_packed, 3);
    check_input_table(t);
    /* looked up without its index: the same columns, none added */
    CHECK_EQ(column(t, 1, "身份证号"), 1);
    CHECK_EQ(column(t, 2, NULL), 2);
    CHECK_EQ(t->n, 3);
    CHECK(t->index == NULL);   /* a lookup that finds its column makes no index */
    pt_colstats_free(t);
}

static void test_merge_into_compacted(void)
{
    pt_colstats *plain = input_table(), *compact = input_table(), *part = later_part();
    pt_colstats_compact(compact);
    pt_colstats_merge(plain, part);
    pt_colstats_merge(compact, part);
    check_merged(plain);
    check_merged(compact);
    CHECK(compact->cap > 0);          /* a column added: the columns copied out */
    CHECK(compact->cap_doubts > 0);   /* and the doubts */
    CHECK(compact->cols[1].cap_pats > 0);   /* 身份证号 got a cell */
    CHECK_EQ(compact->cols[0].cap_pats, 0); /* 姓名 did not: still the block's */
    /* compacted again (a second block; the first one's keys copied), then merged from */
    pt_colstats_compact(compact);
    check_merged(compact);
    pt_colstats *sum = pt_colstats_new(false);
    pt_colstats_merge(sum, compact);
    check_merged(sum);
    pt_colstats_free(sum);
    pt_colstats_free(part);
    pt_colstats_free(compact);
    pt_colstats_free(plain);
}

/* A compacted table merged from (src of a merge and the plan of pt_colstats_finish are
 * looked into without an index). */
static void test_merge_from_compacted(void)
{
    pt_colstats *into = later_part(), *src = input_table();
    pt_colstats_compact(src);
    pt_colstats_merge(into, src);
    /* into: 身份证号 (0), 邮箱 (1), then 姓名 (2) and the unnamed column (3) from src;
     * 身份证号's pattern 7: 6+4 matches, 5+4 checked, 2+1 passed */
    CHECK_EQ(into->n, 4);
    check_cell(into, 0, 7, 10, 9, 3, 0);
    check_cell(into, 2, 3, 5, 4, 3, 2);
    check_cell(into, 3, 4, 2, 2, 2, 2);
    CHECK_STR(into->cols[2].key, "姓名");
    /* its decisions (the join of split parts takes them from a compacted table): pattern
     * 7 in 身份证号, judged and disabled on 1 of 4 sample values */
    pt_colstats_finish(into, src);
    const pt_column_pattern *p = pt_colstats_find_cell(into, 0, 7);
    CHECK(p && p->judged && p->disabled && p->sample_checked == 4 && p->sample_passed == 1);
    p = pt_colstats_find_cell(into, 0, 1);
    CHECK(p && !p->judged && !p->disabled);
    pt_colstats_free(into);
    pt_colstats_free(src);
}

/* More columns than the first index holds (64 slots, half full at most): the index made
 * again after compaction must take all of them. */
static void test_many_columns(void)
{
    pt_colstats *t = pt_colstats_new(false);
    char key[16];
    for (int32_t c = 0; c < 40; c++) {
        snprintf(key, sizeof key, "c%d", (int)c);
        CHECK_EQ(column(t, c, key), c);
        set_cell(t, c, (uint32_t)c, (uint64_t)c + 1, 0, 0, 0);
    }
    pt_colstats_compact(t);
    CHECK_EQ(column(t, 40, "c40"), 40);   /* added: the index made again, for 41 */
    CHECK(t->index_cap >= 2 * 41);
    for (int32_t c = 0; c < 40; c++) {
        snprintf(key, sizeof key, "c%d", (int)c);
        CHECK_EQ(column(t, c, key), c);
        check_cell(t, c, (uint32_t)c, (uint64_t)c + 1, 0, 0, 0);
    }
    CHECK_EQ(t->n, 41);
    pt_colstats_free(t);
}

/* Empty tables, a reset of a compacted one, JSON key paths. */
static void test_compact_edges(void)
{
    pt_colstats *t = pt_colstats_new(true);
    pt_colstats_compact(t);
    CHECK(t->block == NULL && t->cols == NULL && t->n == 0);
    CHECK_EQ(column(t, 5, "a.b"), 0);   /* by key: the position is not kept */
    CHECK_EQ(t->cols[0].position, -1);
    set_cell(t, 0, 2, 3, 3, 3, 3);
    pt_colstats_compact(t);
    CHECK_EQ(column(t, 9, "a.b"), 0);
    check_cell(t, 0, 2, 3, 3, 3, 3);
    pt_colstats *like = pt_colstats_new(false);
    pt_colstats_reset(t, like);
    CHECK(t->block == NULL && t->n == 0 && !t->by_key);
    CHECK_EQ(column(t, 1, "x"), 0);
    CHECK_EQ(t->cols[0].position, 1);
    pt_colstats_free(like);
    pt_colstats_free(t);
    pt_colstats_compact(NULL);
}

int main(void)
{
    RUN(test_compacted_holds_the_same);
    RUN(test_merge_into_compacted);
    RUN(test_merge_from_compacted);
    RUN(test_many_columns);
    RUN(test_compact_edges);
    return CHECK_DONE();
}
