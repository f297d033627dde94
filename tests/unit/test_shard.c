/* test_shard.c - src/fileio/shard.c: K/N parsing, the size-balanced assignment (longest
 * first, to the least loaded shard, ties to the lowest) and the archives whose members
 * are shared out. Every expected shard is worked out by hand in the comments.
 * And the cut points of a split input (src/records/boundary.c): on random CSV, the first
 * record boundary at or after every offset, against a list of boundaries made here by
 * reading the whole text once, byte by byte, from its start. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pitally/fileio.h"
#include "pitally/records.h"
#include "pitally/tally.h"

static void test_parse(void)
{
    pt_shard s = {0, 0, 0};
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
        s = (pt_shard){7, 7, 0};
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

/* big.csv 100 bytes (may be split), a 20, b 10, 3 shards, split from 50 bytes.
 * Total 130, mean 130 / 3 = 43: big (>= 50, > 43) is split in min(3, ceil(100 / 21)) = 3
 * parts (21 = half the mean), nominal cuts 0, 33, 66, 100: parts of 33, 33, 34.
 * Placed longest first: big#2 34 -> 1 (34, 0, 0); big#0 33 -> 2 (34, 33, 0); big#1 33 ->
 * 3 (34, 33, 33); a 20 -> 2, the lowest of 2 and 3 at 33 (34, 53, 33); b 10 -> 3. */
static void test_assign_split(void)
{
    pt_path_list l = {0};
    add(&l, "big.csv", 100, false);
    add(&l, "a", 20, false);
    add(&l, "b", 10, false);
    l.v[0].split_ok = true;
    pt_shard_assign_split(&l, 3, 50);
    CHECK_EQ(l.v[0].parts, 3);
    CHECK_EQ(l.v[0].part_shards[0], 2);
    CHECK_EQ(l.v[0].part_shards[1], 3);
    CHECK_EQ(l.v[0].part_shards[2], 1);
    CHECK_EQ(l.v[0].shard, 2);   /* part 0's */
    CHECK_EQ(l.v[1].shard, 2);
    CHECK_EQ(l.v[2].shard, 3);
    CHECK_EQ(l.v[1].parts, 1);
    /* below split_min, or not splittable, or pt_shard_assign: whole (big -> 1, a -> 2, b -> 3) */
    pt_shard_assign_split(&l, 3, 101);
    CHECK_EQ(l.v[0].parts, 1);
    CHECK(l.v[0].part_shards == NULL);
    CHECK_EQ(l.v[0].shard, 1);
    pt_shard_assign(&l, 3);
    CHECK_EQ(l.v[0].parts, 1);
    l.v[0].split_ok = false;
    pt_shard_assign_split(&l, 3, 50);
    CHECK_EQ(l.v[0].parts, 1);
    /* one shard: nothing to split */
    l.v[0].split_ok = true;
    pt_shard_assign_split(&l, 1, 0);
    CHECK_EQ(l.v[0].parts, 1);
    pt_paths_free(&l);
}

/* Not more than the mean share: big.csv 100 with c 200 in 2 shards (mean 150) stays
 * whole. 7 shards, big.csv 100 alone (mean 14, half 7): min(7, ceil(100 / 7) = 15) = 7
 * parts, nominal sizes 14 or 15, one per shard. */
static void test_assign_split_limits(void)
{
    pt_path_list l = {0};
    add(&l, "big.csv", 100, false);
    add(&l, "c", 200, false);
    l.v[0].split_ok = true;
    pt_shard_assign_split(&l, 2, 0);
    CHECK_EQ(l.v[0].parts, 1);
    pt_paths_free(&l);
    add(&l, "big.csv", 100, false);
    l.v[0].split_ok = true;
    pt_shard_assign_split(&l, 7, 0);
    CHECK_EQ(l.v[0].parts, 7);
    bool seen[8] = {0};
    for (unsigned p = 0; p < 7; p++) {
        CHECK(l.v[0].part_shards[p] >= 1 && l.v[0].part_shards[p] <= 7);
        CHECK(!seen[l.v[0].part_shards[p]]);
        seen[l.v[0].part_shards[p]] = true;
    }
    pt_paths_free(&l);
}

/* ---- cut points of a split input ---- */

/* The record boundaries of the whole text b[0..n), read once from its start by the
 * iterator's rules: a quote opens a quoted field only at a field start (the start, after
 * the delimiter or a newline), "" inside is a quote, any other quote is literal; a
 * boundary follows each newline outside quoted fields; 0 and n (the end) are boundaries.
 * Without quotes (TSV, JSONL, lines): after every newline. */
static void oracle_boundaries(const char *b, size_t n, char delim, bool quotes, bool *mark)
{
    memset(mark, 0, n + 1);
    mark[0] = mark[n] = true;
    bool field_start = true;
    for (size_t i = 0; i < n;) {
        if (quotes && b[i] == '"' && field_start) {
            size_t j = i + 1;
            while (j < n && !(b[j] == '"' && (j + 1 >= n || b[j + 1] != '"')))
                j += b[j] == '"' ? 2 : 1;
            i = j + 1;   /* after the closing quote (or past the end): no field start */
            field_start = false;
            continue;
        }
        if (b[i] == '\n') mark[i + 1] = true;
        field_start = b[i] == delim || b[i] == '\n';
        i++;
    }
}

/* Random CSV that is hard to cut: quoted fields holding newlines, delimiters and "",
 * stray quotes in the middle of fields, empty lines, a quote never closed near the end
 * now and then. */
static size_t random_csv(char *b, size_t cap, unsigned *seed)
{
    size_t n = 0;
    while (n + 16 < cap) {
        unsigned r = (unsigned)rand_r(seed) % 100;
        if (r < 8) {             /* a quoted field with a newline, a delimiter and a "" */
            static const char q[] = "\"a\nb,\"\"c\"";
            memcpy(b + n, q, sizeof q - 1);
            n += sizeof q - 1;
        } else if (r < 12) b[n++] = '"';       /* a quote: opens, closes or is literal */
        else if (r < 25) b[n++] = ',';
        else if (r < 40) b[n++] = '\n';
        else b[n++] = (char)('a' + r % 26);
    }
    return n;
}

static pt_splitter *splitter_of(pt_format f)
{
    pt_dialect d = {.format = f, .delim_len = 1};
    d.delim[0] = f == PT_FMT_TSV ? '\t' : ',';
    return pt_splitter_new(&d);
}

/* Every offset of the text, and every offset after a boundary taken as the buffer's
 * start: the first boundary at or after it, with and without the end of the input. */
static int check_every_offset(const char *b, size_t n, pt_format f, const bool *mark)
{
    pt_splitter *sp = splitter_of(f);
    int bad = 0;
    for (size_t start = 0; start <= n && !bad; start++) {
        if (!mark[start] || (start % 7 && start)) continue;   /* a seventh of the starts */
        const char *p = b + start;
        size_t len = n - start;
        size_t next = PT_BOUNDARY_NONE;   /* the first boundary at or after from */
        for (size_t from = len + 1; from-- > 0;) {
            if (mark[start + from]) next = from;
            /* without the end: the end of buf is a boundary only after a newline (or at 0) */
            bool end_known = len == 0 || p[len - 1] == '\n';
            size_t want_eof = next, want = next == len && !end_known ? PT_BOUNDARY_NONE : next;
            size_t got_eof = pt_boundary_first_from(sp, p, len, from, true);
            size_t got = pt_boundary_first_from(sp, p, len, from, false);
            if (got_eof != want_eof || got != want) {
                printf("#   format %d, start %zu, from %zu: want %zu/%zu, got %zu/%zu\n", (int)f,
                       start, from, want_eof, want, got_eof, got);
                bad = 1;
                break;
            }
        }
    }
    pt_splitter_free(sp);
    return bad;
}

static void test_cut_points_random_csv(void)
{
    unsigned seed = 12;
    static char b[6000];
    static bool mark[sizeof b + 1];
    for (int round = 0; round < 12; round++) {
        size_t n = random_csv(b, (size_t)(500 + round * 450), &seed);
        oracle_boundaries(b, n, ',', true, mark);
        CHECK(!check_every_offset(b, n, PT_FMT_CSV, mark));
        oracle_boundaries(b, n, ',', false, mark);
        CHECK(!check_every_offset(b, n, PT_FMT_LINES, mark));
    }
}

/* The reader's chunk starts, whatever the chunk size, are boundaries of the whole text:
 * a boundary is a property of the text, so parts cut at boundaries hold the records one
 * scan holds. */
static void test_chunk_starts_are_boundaries(void)
{
    unsigned seed = 5;
    static char b[20000];
    static bool mark[sizeof b + 1];
    size_t n = random_csv(b, sizeof b, &seed);
    oracle_boundaries(b, n, ',', true, mark);
    pt_splitter *sp = splitter_of(PT_FMT_CSV);
    for (size_t chunk = 64; chunk <= 4096; chunk *= 2) {
        size_t at = 0, cuts = 0;
        while (at < n) {
            size_t len = n - at < chunk ? n - at : chunk;
            size_t cut = pt_splitter_cut(sp, b + at, len, at + len == n);
            while (cut == 0) {   /* a record longer than the chunk: read more, as the reader */
                len = n - at < 2 * len ? n - at : 2 * len;
                cut = pt_splitter_cut(sp, b + at, len, at + len == n);
            }
            at += cut;
            cuts++;
            CHECK(mark[at]);
        }
        CHECK(cuts > 1);
    }
    pt_splitter_free(sp);
}

/* By hand: a header, a quoted field holding a newline across the nominal cut, a stray
 * quote (5'10" is literal: not at a field start).
 *   "id,note\n"            0..7    boundary 8
 *   "1,\"a\nb\"\n"         8..15   (the newline at 12 is quoted) boundary 16
 *   "2,5'10\"\n"           16..23  boundary 24
 *   "3,x"                  24..26  the end, 27, is a boundary at the end of the input */
static void test_cut_points_by_hand(void)
{
    static const char t[] = "id,note\n1,\"a\nb\"\n2,5'10\"\n3,x";
    size_t n = sizeof t - 1;
    pt_splitter *sp = splitter_of(PT_FMT_CSV);
    CHECK_EQ(n, 27);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 0, true), 0);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 8, true), 8);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 9, true), 16);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 13, true), 16);   /* not 13: quoted */
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 17, true), 24);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 25, true), 27);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 25, false), PT_BOUNDARY_NONE);
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 28, false), PT_BOUNDARY_NONE);
    pt_splitter_free(sp);
    sp = splitter_of(PT_FMT_LINES);   /* lines: the quoted newline is a boundary too */
    CHECK_EQ(pt_boundary_first_from(sp, t, n, 9, true), 13);
    pt_splitter_free(sp);
    CHECK(pt_boundary_format_ok(PT_FMT_JSONL));
    CHECK(!pt_boundary_format_ok(PT_FMT_SQL));
    CHECK(!pt_boundary_format_ok(PT_FMT_JSON));
    CHECK(!pt_boundary_format_ok(PT_FMT_BLOCKS));
}

/* ---- a split input scanned part by part (pt_input_attrs.part) ---- */

static pt_policy pol;
static pt_patterns ps;

/* rows data rows after a header; row i holds mobile 1390000000 + i % 7 (7 distinct), and
 * every third row a quoted note holding a newline, a delimiter and a "" (its quoted
 * newline is no record boundary), every fifth a stray quote (5'10" is literal). The
 * records are the rows: rows of them. */
static size_t make_csv(char *b, size_t cap, unsigned rows)
{
    size_t n = (size_t)snprintf(b, cap, "name,mobile,note\n");
    for (unsigned i = 0; i < rows; i++) {
        const char *note = i % 3 == 0 ? "\"line one\nline, \"\"two\"\"\"" : i % 5 == 0 ? "5'10\" tall" : "none";
        n += (size_t)snprintf(b + n, cap - n, "n%u,1390000000%u,%s\n", i, i % 7, note);
    }
    return n;
}

static pt_tally *scan_part(const char *text, size_t n, size_t chunk, uint32_t part, uint32_t parts)
{
    pt_scan_options o = {.threads = 2, .chunk_size = chunk, .progress = PT_PROGRESS_NEVER};
    pt_source_options_default(&o.source);
    pt_tally *t = pt_tally_new(ps.n);
    pt_scan *s = pt_scan_start(&o, &ps, &pol, t);
    pt_memory_input m;
    pt_raw_input raw = pt_raw_memory(&m, text, n);
    pt_input_attrs a = {.part = part, .parts = parts, .part_size = n};
    CHECK(pt_scan_input(s, "big.csv", &raw, parts > 1 ? &a : NULL));
    pt_scan_finish(s);
    return t;
}

/* The samples of pattern p in parts[0..n) joined in part order, the first `per` of them,
 * equal to the whole scan's: same offsets, lines and values. */
static int same_samples(pt_tally *whole, pt_tally **parts, size_t n_parts)
{
    const pt_samples *w = &whole->samples;
    for (size_t p = 0; p < w->n_patterns; p++) {
        size_t k = 0;
        for (size_t q = 0; q < n_parts && k < w->count[p]; q++) {
            const pt_samples *x = &parts[q]->samples;
            for (size_t i = 0; i < x->count[p] && k < w->count[p]; i++, k++) {
                const pt_sample *a = &w->v[p * w->per + k], *b = &x->v[p * x->per + i];
                if (a->offset != b->offset || a->line != b->line || strcmp(a->value, b->value)) {
                    printf("#   pattern %zu sample %zu: whole %llu line %llu, part %zu %llu line %llu\n",
                           p, k, (unsigned long long)a->offset, (unsigned long long)a->line, q,
                           (unsigned long long)b->offset, (unsigned long long)b->line);
                    return 1;
                }
            }
        }
        if (k != w->count[p]) return 1;
    }
    return 0;
}

/* 300 rows (a few KiB), cut in 2, 3 and 4 parts, each scanned with tiny and usual chunks:
 * the parts' records add up to the 300 rows, their raw pieces to the whole scan's (300
 * mobiles, one per row), and their first samples are the whole scan's, lines included.
 * Only the last part, which reads to the end, holds the file's bytes and hashes. */
static void test_parts_add_up(void)
{
    static char text[64 << 10];
    size_t n = make_csv(text, sizeof text, 300);
    pt_tally *whole = scan_part(text, n, 1 << 20, 0, 1);
    CHECK_EQ(whole->inputs[0]->counts.records, 300);
    CHECK_EQ(whole->inputs[0]->counts.pieces.raw, 300);
    for (uint32_t parts = 2; parts <= 4; parts++)
        for (size_t chunk = 256; chunk <= (1 << 20); chunk *= 4096) {
            pt_tally *t[4];
            uint64_t records = 0, raw = 0;
            for (uint32_t p = 0; p < parts; p++) {
                t[p] = scan_part(text, n, chunk, p, parts);
                const pt_input_result *r = t[p]->inputs[0];
                records += r->counts.records;
                raw += r->counts.pieces.raw;
                CHECK(r->counts.records > 0);   /* each part near a third of the text */
                CHECK_EQ(r->part, p);
                CHECK_EQ(r->parts, parts);
                CHECK_EQ(r->bytes, p + 1 == parts ? n : 0);
                CHECK_EQ(strcmp(r->md5, p + 1 == parts ? whole->inputs[0]->md5 : ""), 0);
                CHECK_EQ(r->errors.n, 0);
            }
            CHECK_EQ(records, 300);
            CHECK_EQ(raw, 300);
            CHECK(!same_samples(whole, t, parts));
            for (uint32_t p = 0; p < parts; p++) pt_tally_free(t[p]);
        }
    pt_tally_free(whole);
}

/* A nominal cut just before a quoted newline, in 2 parts:
 *   "a,b\n"                    0..3    (line 1)
 *   "1,\"yyyyyyyyyyyy\nx\"\n"    4..22   (lines 2-3; the newline at 19 is quoted)
 *   "2,13900000001\n"          23..36  (line 4)
 * 37 bytes: the nominal cut is 37 / 2 = 18; the first newline after it is 19, but it is
 * quoted: the first boundary at or after 18 is 23. Part 0: row 1; part 1: row 2, whose
 * mobile is sampled at offset 23, line 4. */
static void test_part_cut_in_quotes(void)
{
    static const char text[] = "a,b\n1,\"yyyyyyyyyyyy\nx\"\n2,13900000001\n";
    size_t n = sizeof text - 1;
    CHECK_EQ(n, 37);
    pt_tally *t0 = scan_part(text, n, 1 << 20, 0, 2), *t1 = scan_part(text, n, 1 << 20, 1, 2);
    CHECK_EQ(t0->inputs[0]->counts.records, 1);
    CHECK_EQ(t0->inputs[0]->counts.pieces.raw, 0);
    CHECK_EQ(t1->inputs[0]->counts.records, 1);
    CHECK_EQ(t1->inputs[0]->counts.pieces.raw, 1);
    size_t sampled = 0;
    for (size_t p = 0; p < t1->samples.n_patterns; p++)
        for (size_t i = 0; i < t1->samples.count[p]; i++, sampled++) {
            CHECK_EQ(t1->samples.v[p * t1->samples.per + i].offset, 23);
            CHECK_EQ(t1->samples.v[p * t1->samples.per + i].line, 4);
        }
    CHECK_EQ(sampled, 1);
    pt_tally_free(t0);
    pt_tally_free(t1);
}

/* A format cut with state carried along (JSON documents) is not split: part 0 is the whole
 * input, with its hashes, part 1 is empty and reads nothing. */
static void test_unsplittable_format(void)
{
    static const char text[] = "[{\"mobile\":\"13900000001\"},\n{\"mobile\":\"13900000002\"}]\n";
    size_t n = sizeof text - 1;
    pt_tally *t0 = scan_part(text, n, 1 << 20, 0, 2), *t1 = scan_part(text, n, 1 << 20, 1, 2);
    CHECK_EQ(t0->inputs[0]->counts.records, 2);
    CHECK_EQ(t0->inputs[0]->bytes, n);
    CHECK_EQ(t1->inputs[0]->counts.records, 0);
    CHECK_EQ(t1->inputs[0]->bytes, 0);
    CHECK_EQ(t1->inputs[0]->errors.n, 0);   /* no "no_records": the merge judges the whole */
    pt_tally_free(t0);
    pt_tally_free(t1);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_archive_names);
    RUN(test_assign);
    RUN(test_ties_and_archive_turns);
    RUN(test_more_shards_than_inputs);
    RUN(test_assign_split);
    RUN(test_assign_split_limits);
    RUN(test_cut_points_by_hand);
    RUN(test_cut_points_random_csv);
    RUN(test_chunk_starts_are_boundaries);
    char err[512];
    if (pt_policy_load(&pol, "patterns/policy.yaml", err, sizeof err) != 0 ||
        pt_patterns_load(&ps, "patterns", &pol, err, sizeof err) != 0) {
        fprintf(stderr, "not ok setup: %s\n", err);
        return 1;
    }
    RUN(test_parts_add_up);
    RUN(test_part_cut_in_quotes);
    RUN(test_unsplittable_format);
    pt_patterns_free(&ps);
    pt_policy_free(&pol);
    return CHECK_DONE();
}
