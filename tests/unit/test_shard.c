/* test_shard.c - src/fileio/shard.c: K/N parsing, the size-balanced assignment (longest
 * first, to the least loaded shard, ties to the lowest) and the archives whose members
 * are shared out. Every expected shard is worked out by hand in the comments. */
#include <stdlib.h>

#include "check.h"
#include "pitally/fileio.h"

static void test_parse(void)
{
    pt_shard s = {0, 0};
    CHECK(pt_shard_parse("1/1", &s));
    CHECK_EQ(s.k, 1);
    CHECK_EQ(s.n, 1);
    CHECK(pt_shard_parse("3/65536", &s));
    CHECK_EQ(s.k, 3);
    CHECK_EQ(s.n, 65536);
    static const char *const bad[] = {"", "0/1", "2/1", "1/0", "1", "/1", "1/", "a/2", "1/2 ",
                                      " 1/2", "1/-2", "-1/2", "01/2", "1/02", "1/65537",
                                      "1//2", "1/2/3", "99999999999999999999/2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s = (pt_shard){7, 7};
        CHECK(!pt_shard_parse(bad[i], &s));
        CHECK_EQ(s.k, 7);   /* untouched */
    }
}

static void test_archive_names(void)
{
    CHECK(pt_shard_is_archive_name("a/b.zip"));
    CHECK(pt_shard_is_archive_name("B.TAR.GZ"));
    CHECK(pt_shard_is_archive_name("x.tgz"));
    CHECK(pt_shard_is_archive_name("x.7z"));
    CHECK(pt_shard_is_archive_name("app.db"));      /* SQLite: its tables are shared out */
    CHECK(pt_shard_is_archive_name("app.SQLITE3"));
    CHECK(!pt_shard_is_archive_name("x.csv.gz"));   /* one compressed file: no members */
    CHECK(!pt_shard_is_archive_name("book.xlsx"));
    CHECK(!pt_shard_is_archive_name(".zip"));       /* nothing before the suffix */
    CHECK(!pt_shard_is_archive_name("zip"));
}

static void add(pt_path_list *l, const char *path, uint64_t size, bool unreadable)
{
    l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = (pt_input_path){.path = strdup(path), .size = size, .unreadable = unreadable};
}

/* Sizes 10 (a), 40 (b), 40 (c), 25 (d), 5 (e), 0 (f, unreadable), 30 (g.zip) and
 * 70 (h.tar.gz, but unreadable: not shared, weighs its size as listed), 3 shards.
 * Sorted by size desc, path asc: h 70, b 40, c 40, d 25, a 10, e 5, f 0.
 *   h -> 1 (70, 0, 0); b -> 2 (70, 40, 0); c -> 3 (70, 40, 40);
 *   d -> 2, the lowest of the two at 40 (70, 65, 40); a -> 3 (70, 65, 50);
 *   e -> 3 (70, 65, 55); f -> 3 (55 is the least).
 * g.zip, the one archive named as such and readable: owner shard 1, members shared. */
static void test_assign(void)
{
    pt_path_list l = {0};
    add(&l, "a", 10, false);
    add(&l, "b", 40, false);
    add(&l, "c", 40, false);
    add(&l, "d", 25, false);
    add(&l, "e", 5, false);
    add(&l, "f", 0, true);
    add(&l, "g.zip", 30, false);
    add(&l, "h.tar.gz", 70, true);
    pt_shard_assign(&l, 3);
    static const unsigned want[] = {3, 2, 3, 2, 3, 3, 1, 1};
    for (size_t i = 0; i < l.n; i++) CHECK_EQ(l.v[i].shard, want[i]);
    for (size_t i = 0; i < l.n; i++) CHECK_EQ(l.v[i].members_shared, i == 6);
    /* one shard: everything in shard 1, nothing shared */
    pt_shard_assign(&l, 1);
    for (size_t i = 0; i < l.n; i++) {
        CHECK_EQ(l.v[i].shard, 1);
        CHECK(!l.v[i].members_shared);
    }
    pt_paths_free(&l);
}

/* The same path twice (a duplicate entry) and equal sizes: placed by list position.
 * Archives take owners in turn: z1.zip -> 1, z2.tar -> 2, z3.7z -> 1 (2 shards).
 * Files: x 8 (first) -> 1, x 8 (second) -> 2, y 0 -> 1 (8, 8: the lowest). */
static void test_ties_and_archive_turns(void)
{
    pt_path_list l = {0};
    add(&l, "x", 8, false);
    add(&l, "z1.zip", 100, false);
    add(&l, "x", 8, false);
    add(&l, "z2.tar", 5, false);
    add(&l, "y", 0, false);
    add(&l, "z3.7z", 1, false);
    pt_shard_assign(&l, 2);
    static const unsigned want[] = {1, 1, 2, 2, 1, 1};
    for (size_t i = 0; i < l.n; i++) CHECK_EQ(l.v[i].shard, want[i]);
    pt_paths_free(&l);
}

/* More shards than inputs: the inputs fill the first shards, the others stay empty. */
static void test_more_shards_than_inputs(void)
{
    pt_path_list l = {0};
    add(&l, "a", 1, false);
    add(&l, "b", 2, false);
    pt_shard_assign(&l, 5);
    CHECK_EQ(l.v[0].shard, 2);   /* b (2) first -> 1, then a -> 2 */
    CHECK_EQ(l.v[1].shard, 1);
    pt_paths_free(&l);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_archive_names);
    RUN(test_assign);
    RUN(test_ties_and_archive_turns);
    RUN(test_more_shards_than_inputs);
    return CHECK_DONE();
}
