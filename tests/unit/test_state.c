/* test_state.c - the state file's part section (version 7; version 8 keeps where a part's
 * text starts, and codes the pieces' and subjects' runs compact: the same sets as
 * version 7, smaller, and files of both merge): the parts of a split input
 * joined by a merge, in memory, streamed, and through a partial merge, their distinct
 * pieces the union of their sets at each key's earliest part's tier; a version 6 file
 * (version 7 without parts) still read. The evidence section: carried byte for byte
 * by a save and found again from the end of the file, kept apart from the sets a load
 * and a merge read; the merge's hooks see each file's section and where its inputs went,
 * answer the tiers asked about, and put their section into the merged state; a file of
 * version 5, or whose section length points outside it, is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "pitally/tally.h"
#include "../../src/tally/sets.h"
#include "../../src/tally/state_internal.h"
#include "../../src/tally/parts.h"
#include "../../src/report/evidence_internal.h"

static FILE *bytes_file(const char *s)
{
    FILE *f = tmpfile();
    fwrite(s, 1, strlen(s), f);
    rewind(f);
    return f;
}

/* A tally of one input (inputs named by path) with two pieces: (shard 3, key 77) of
 * tier 1 and (shard 200, key 5) of tier 2. */
static pt_tally *small_tally(const char *path, uint64_t order)
{
    pt_tally *t = pt_tally_new(2);
    pt_tally_add_input(t, path)->order = order;
    pt_fpset_add(t->pieces, 3, 77, 1);
    pt_fpset_add(t->pieces, 200, 5, 2);
    return t;
}

static FILE *saved(const pt_tally *t, const char *section)
{
    FILE *f = tmpfile(), *sec = section ? bytes_file(section) : NULL;
    char err[256];
    CHECK_EQ(pt_tally_save_section(t, 42, sec, f, err, sizeof err), 0);
    if (sec) fclose(sec);
    rewind(f);
    return f;
}

/* Read with pread, as the evidence merge reads it: the stream of the sets keeps its place. */
static char *section_text(FILE *f, const pt_state_stream *st)
{
    char *s = calloc(1, st->section_len + 1);
    fflush(f);
    if (pread(fileno(f), s, st->section_len, (off_t)st->section_at) != (ssize_t)st->section_len)
        s[0] = '\0';
    return s;
}

static void test_section_round_trip(void)
{
    pt_tally *t = small_tally("a.csv", 0);
    FILE *f = saved(t, "evidence bytes");
    char err[256];
    pt_state_stream st;
    pt_tally *head = pt_state_open(f, 42, &st, err, sizeof err);
    CHECK(head != NULL);
    CHECK_EQ(st.section_len, 14);   /* strlen("evidence bytes") */
    char *text = section_text(f, &st);
    CHECK_STR(text, "evidence bytes");
    free(text);
    pt_tally_free(head);
    rewind(f);
    pt_tally *back = pt_tally_load(f, 42, err, sizeof err);   /* the sets end where it starts */
    CHECK(back != NULL);
    if (back) CHECK_EQ(pt_fpset_size(back->pieces), 2);
    pt_tally_free(back);
    fclose(f);
    FILE *g = saved(t, NULL);   /* none: length 0 */
    head = pt_state_open(g, 42, &st, err, sizeof err);
    CHECK(head != NULL);
    CHECK_EQ(st.section_len, 0);
    pt_tally_free(head);
    fclose(g);
    pt_tally_free(t);
}

/* The file's bytes with the version, or the section length, changed and the checksum
 * made valid again: what is refused is the content, not a broken checksum. */
static FILE *patched(FILE *f, size_t at, uint64_t value)
{
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    uint8_t *b = malloc((size_t)n);
    rewind(f);
    CHECK_EQ(fread(b, 1, (size_t)n, f), n);
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (uint8_t)(value >> (8 * i));
    uint64_t sum = XXH64(b, (size_t)n - 8, 0);
    for (int i = 0; i < 8; i++) b[(size_t)n - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    FILE *g = tmpfile();
    fwrite(b, 1, (size_t)n, g);
    rewind(g);
    free(b);
    return g;
}

static void test_refused(void)
{
    pt_tally *t = small_tally("a.csv", 0);
    FILE *f = saved(t, "xyz");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    char err[256];
    FILE *v5 = patched(f, 8, 5);
    CHECK(pt_tally_load(v5, 42, err, sizeof err) == NULL);
    CHECK(strstr(err, "another version (version 5") != NULL);
    /* the length 8 bytes before the checksum: pointing before the head, it is refused */
    FILE *longer = patched(f, (size_t)n - 16, (uint64_t)n);
    CHECK(pt_tally_load(longer, 42, err, sizeof err) == NULL);
    CHECK(strstr(err, "malformed") != NULL);
    /* one byte too short: the sets would run into the section */
    FILE *shorter = patched(f, (size_t)n - 16, 2);
    CHECK(pt_tally_load(shorter, 42, err, sizeof err) == NULL);
    fclose(v5);
    fclose(longer);
    fclose(shorter);
    fclose(f);
    pt_tally_free(t);
}

typedef struct {
    char seen[2][16];
    uint32_t input_of[2];
    FILE *out;
} hook_log;

static int on_heads(void *ctx, const pt_tally *all, FILE *const *files,
                    const pt_state_section *sec, size_t k, size_t *bad, char *err, size_t errlen)
{
    hook_log *h = ctx;
    (void)all, (void)bad, (void)err, (void)errlen;
    for (size_t i = 0; i < k && i < 2; i++) {
        pt_state_stream st = {.section_at = sec[i].at, .section_len = sec[i].len};
        char *s = section_text(files[i], &st);
        snprintf(h->seen[i], sizeof h->seen[i], "%s", s);
        free(s);
        h->input_of[i] = sec[i].n_inputs == 1 ? sec[i].input[0] : 99;
    }
    return 0;
}

static int on_sets(void *ctx, const pt_tally *all, FILE **section, size_t *bad, char *err,
                   size_t errlen)
{
    hook_log *h = ctx;
    (void)all, (void)bad, (void)err, (void)errlen;
    *section = h->out;
    h->out = NULL;
    return 0;
}

static void test_merge_hooks(void)
{
    /* file 0 holds the later input (order 2): the merge puts it second */
    pt_tally *a = small_tally("late.csv", 2), *b = small_tally("early.csv", 1);
    pt_tally_set_shard(a, 2, 2, 0x5eed);   /* shards of one collection: their places interleave */
    pt_tally_set_shard(b, 1, 2, 0x5eed);
    pt_fpset_add(b->pieces, 3, 77, 0);   /* in b the piece (3, 77) is of tier 0 */
    FILE *files[2] = {saved(a, "AAA"), saved(b, "BBBBB")}, *out = tmpfile();
    pt_tier_probe probes[3] = {{3, 77, 9}, {3, 78, 9}, {200, 5, 9}};   /* sorted */
    hook_log log = {.out = bytes_file("CC")};
    pt_merge_hooks hooks = {&log, on_heads, on_sets, probes, 3};
    pt_tally *m = NULL;
    size_t bad;
    char err[256];
    CHECK_EQ(pt_tally_merge_files_ev(files, 2, 42, NULL, &hooks, out, &m, &bad, err, sizeof err), 0);
    if (!m) printf("#   merge: %s\n", err);
    CHECK_STR(log.seen[0], "AAA");
    CHECK_STR(log.seen[1], "BBBBB");
    CHECK_EQ(log.input_of[0], 1);   /* late.csv second, early.csv first */
    CHECK_EQ(log.input_of[1], 0);
    CHECK_EQ(probes[0].tier, 0);    /* tier 1 in a, 0 in b: the most serious */
    CHECK_EQ(probes[1].tier, -1);   /* in neither */
    CHECK_EQ(probes[2].tier, 2);
    rewind(out);
    pt_state_stream st;
    pt_tally *head = pt_state_open(out, 42, &st, err, sizeof err);
    CHECK(head != NULL);
    char *text = section_text(out, &st);
    CHECK_STR(text, "CC");
    free(text);
    pt_tally_free(head);
    pt_tally_free(m);
    pt_tally_free(a);
    pt_tally_free(b);
    fclose(files[0]);
    fclose(files[1]);
    fclose(out);
}

/* A piece's record (evidence_internal.h) back as it went in; cut short, refused. */
static void test_record_round_trip(void)
{
    pt_match m[2] = {{3, "张伟", 6}, {1, "13812345678", 11}};
    pt_piece_event e = {.input = 300, .offset = 1u << 20, .line = 4096, .categories = 0x21,
                        .tier = 2, .matches = m, .n_matches = 2};
    uint64_t enc[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    pt_evbytes b = {0};
    pt_ev_put_record(&b, &e, enc);
    const uint8_t *p = b.p;
    uint64_t len;
    CHECK(pt_ev_get_var(&p, b.p + b.len, &len));
    /* 16 + input 2 + offset 3 + line 2 + categories 1 + tier 1 + n 1 + (1 + 1 + 6) + (1 + 1 + 11) */
    CHECK_EQ(len, 47);
    CHECK_EQ(len, b.len - (size_t)(p - b.p));
    pt_evrecord r = {0};
    CHECK(pt_ev_get_record(p, (size_t)len, 4, &r));
    CHECK(r.e.fp[0] == enc[0] && r.e.fp[1] == enc[1]);
    CHECK_EQ(r.e.input, 300);
    CHECK_EQ(r.e.offset, 1u << 20);
    CHECK_EQ(r.e.line, 4096);
    CHECK_EQ(r.e.categories, 0x21);
    CHECK_EQ(r.e.tier, 2);
    CHECK_EQ(r.e.n_matches, 2);
    if (r.e.n_matches == 2) {
        CHECK_EQ(r.e.matches[1].pattern, 1);
        CHECK(r.e.matches[1].len == 11 && memcmp(r.e.matches[1].value, "13812345678", 11) == 0);
    }
    CHECK(!pt_ev_get_record(p, (size_t)len - 1, 4, &r));   /* a value cut short */
    CHECK(!pt_ev_get_record(p, (size_t)len, 3, &r));       /* pattern 3 of only 3 */
    free(r.matches);
    free(b.p);
}

/* A version 6 file is a version 7 file without parts: read as it is. */
static void test_version_6_read(void)
{
    pt_tally *t = small_tally("a.csv", 0);
    FILE *v6 = tmpfile();
    char err[256];
    CHECK_EQ(pt_state_save_version(t, 42, 6, v6, err, sizeof err), 0);
    rewind(v6);
    pt_tally *back = pt_tally_load(v6, 42, err, sizeof err);
    CHECK(back != NULL);
    if (back) {
        CHECK_EQ(back->n_inputs, 1);
        CHECK_EQ(pt_fpset_size(back->pieces), 2);
    }
    pt_tally_free(back);
    fclose(v6);
    pt_tally_free(t);
}

typedef struct {
    unsigned shard;
    uint64_t key;
    unsigned tier;
} part_key;

/* Part `part` of 3 of big.csv (place 1 << 32) into t: a record per key, its keys in its
 * own set and in t's. The last part read the file to its end: 1000 bytes, hashes, and
 * 100000 bytes of text; every part has 300 bytes in records. */
static void add_part(pt_tally *t, uint32_t part, const part_key *k, size_t n)
{
    pt_input_result *in = pt_tally_add_input(t, "big.csv");
    in->order = 1ull << 32;
    in->part = part;
    in->parts = 3;
    in->readable = true;
    in->format = "csv";
    in->record_bytes = 300;
    in->text_bytes = part == 2 ? 100000 : 1000 * (part + 1);
    if (part == 2) {
        in->bytes = 1000;
        memset(in->md5, 'a', 32);
        memset(in->sha256, 'b', 64);
    }
    in->part_keys = pt_partkeys_new(part);
    for (size_t i = 0; i < n; i++) {
        pt_partkeys_push(in->part_keys, k[i].shard, k[i].key, k[i].tier);
        pt_fpset_add(t->pieces, k[i].shard, k[i].key, k[i].tier);
        in->counts.records++;
        in->counts.pieces.raw++;
        in->counts.pieces.distinct++;
        in->counts.tiers[k[i].tier].raw++;
        in->counts.tiers[k[i].tier].distinct++;
    }
}

/* Shard 1 of 2 holds part 0, shard 2 parts 1 and 2. Key 10 is in parts 0 (tier 2) and
 * 1 (tier 1): counted once, in tier 2 (its first occurrence in the file, part 0); key 30
 * in parts 0 (tier 1) and 2 (tier 2): tier 1. Union: keys 10, 20, 30, 40, 31: 5
 * distinct, tier 1: 1 (30), tier 2: 4. Records 3 + 2 + 2 = 7, raw 7 (tier 1: 30 and 10
 * of part 1 = 2, tier 2: 5). Text 100000 bytes, 900 of them in records: mostly outside,
 * one "mostly_no_records" entry, made on the joined input only. */
static void shard_states_of(FILE **a, FILE **b, unsigned version_a);

static void shard_states(FILE **a, FILE **b)
{
    shard_states_of(a, b, PT_STATE_VERSION);
}

/* The same, shard 1's state of version_a (7: its part set coded as version 7 codes it). */
static void shard_states_of(FILE **a, FILE **b, unsigned version_a)
{
    static const part_key p0[] = {{3, 10, 2}, {3, 20, 2}, {9, 30, 1}};
    static const part_key p1[] = {{3, 10, 1}, {50, 40, 2}};
    static const part_key p2[] = {{9, 30, 2}, {9, 31, 2}};
    pt_tally *ta = pt_tally_new(2), *tb = pt_tally_new(2);
    pt_tally_set_shard(ta, 1, 2, 99);
    pt_tally_set_shard(tb, 2, 2, 99);
    add_part(ta, 0, p0, 3);
    add_part(tb, 1, p1, 2);
    add_part(tb, 2, p2, 2);
    char err[256];
    *a = tmpfile();
    CHECK_EQ(pt_state_save_version(ta, 42, version_a, *a, err, sizeof err), 0);
    rewind(*a);
    *b = saved(tb, NULL);
    pt_tally_free(ta);
    pt_tally_free(tb);
}

static void check_joined(const pt_tally *t, const char *how)
{
    CHECK_EQ(t->n_inputs, 1);
    if (t->n_inputs != 1) {
        fprintf(stderr, "  (%s)\n", how);
        return;
    }
    const pt_input_result *in = t->inputs[0];
    CHECK_EQ(in->parts, 0);
    CHECK_EQ(in->counts.records, 7);
    CHECK_EQ(in->counts.pieces.raw, 7);
    CHECK_EQ(in->counts.pieces.distinct, 5);
    CHECK_EQ(in->counts.tiers[1].raw, 2);
    CHECK_EQ(in->counts.tiers[1].distinct, 1);
    CHECK_EQ(in->counts.tiers[2].raw, 5);
    CHECK_EQ(in->counts.tiers[2].distinct, 4);
    CHECK_EQ(in->bytes, 1000);
    CHECK_EQ(strlen(in->sha256), 64);
    CHECK_EQ(in->errors.n, 1);
    if (in->errors.n == 1) CHECK_STR(in->errors.v[0].kind, "mostly_no_records");
}

static void test_parts_joined(void)
{
    FILE *a, *b;
    shard_states(&a, &b);
    char err[256];
    /* in memory: loaded (their sets with them) and merged */
    pt_tally *la = pt_tally_load(a, 42, err, sizeof err), *lb = pt_tally_load(b, 42, err, sizeof err);
    CHECK(la && lb);
    if (la && lb) {
        CHECK_EQ(lb->n_inputs, 2);   /* a shard's parts stay parts */
        CHECK_EQ(pt_tally_merge(lb, la, err, sizeof err), 0);   /* shard 2's first: sorted */
        check_joined(lb, "in memory");
    }
    pt_tally_free(la);
    pt_tally_free(lb);
    /* streamed, with the merged state written and read again (a merge reads a file from
     * its start) */
    rewind(a);
    rewind(b);
    FILE *files[2] = {b, a}, *out = tmpfile();
    pt_tally *m = NULL;
    size_t bad;
    CHECK_EQ(pt_tally_merge_files(files, 2, 42, NULL, out, &m, &bad, err, sizeof err), 0);
    if (!m) fprintf(stderr, "  streamed: file %zu: %s\n", bad, err);
    if (m) check_joined(m, "streamed");
    pt_tally_free(m);
    rewind(out);
    pt_tally *back = pt_tally_load(out, 42, err, sizeof err);
    CHECK(back != NULL);
    if (back) check_joined(back, "the merged state");
    pt_tally_free(back);
    fclose(out);
    /* shard 2 alone (--partial): its parts stay parts, their sets copied; then with 1 */
    FILE *part = tmpfile();
    rewind(b);
    CHECK_EQ(pt_tally_merge_files(&b, 1, 42, NULL, part, &m, &bad, err, sizeof err), 0);
    if (m) CHECK_EQ(m->n_inputs, 2);
    pt_tally_free(m);
    rewind(a);
    rewind(part);
    FILE *again[2] = {a, part};
    CHECK_EQ(pt_tally_merge_files(again, 2, 42, NULL, NULL, &m, &bad, err, sizeof err), 0);
    if (m) check_joined(m, "after a partial merge");
    pt_tally_free(m);
    fclose(part);
    fclose(a);
    fclose(b);
}

/* Version 8 keeps where a part's text starts (the range the reports show); a version 7
 * file, which has no such offset, is read with the start not known. Part 1 of 3 at text
 * 1000 (add_part: its text read up to 2000). */
static void test_part_start_kept(void)
{
    static const part_key k[] = {{3, 10, 2}};
    pt_tally *t = pt_tally_new(2);
    pt_tally_set_shard(t, 1, 2, 99);
    add_part(t, 1, k, 1);
    FILE *v7 = tmpfile();   /* start not known: no flag 16, a version 7 head */
    char err[256];
    CHECK_EQ(pt_state_save_version(t, 42, 7, v7, err, sizeof err), 0);
    rewind(v7);
    t->inputs[0]->text_from = 1000;
    t->inputs[0]->text_from_known = true;
    FILE *v8 = saved(t, NULL);
    pt_tally *back = pt_tally_load(v8, 42, err, sizeof err);
    CHECK(back != NULL);
    if (back) {
        CHECK_EQ(back->inputs[0]->part, 1);
        CHECK(back->inputs[0]->text_from_known);
        CHECK_EQ(back->inputs[0]->text_from, 1000);
        CHECK_EQ(back->inputs[0]->text_bytes, 2000);
    }
    pt_tally_free(back);
    back = pt_tally_load(v7, 42, err, sizeof err);
    CHECK(back != NULL);
    if (back) {
        CHECK_EQ(back->inputs[0]->parts, 3);
        CHECK(!back->inputs[0]->text_from_known);
    }
    pt_tally_free(back);
    fclose(v7);
    fclose(v8);
    pt_tally_free(t);
}

static uint64_t rng;

static uint64_t rnd(void)   /* splitmix64 */
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* 4000 random pieces, tier 2 but one in 16 (then 0 or 1), and 4002 subjects, kind 5 but
 * one in 16 (then any), the last two equal but for their kind (a gap of 0 between their
 * values in a compact run). */
static pt_tally *random_tally(uint64_t seed)
{
    pt_tally *t = pt_tally_new(2);
    pt_tally_add_input(t, "a.csv");
    uint64_t *subj = malloc(4002 * sizeof *subj);
    rng = seed;
    for (size_t i = 0; i < 4000; i++) {
        uint64_t r = rnd(), h = rnd();
        pt_fpset_add(t->pieces, (unsigned)(r >> 56), rnd(), r % 16 == 0 ? (unsigned)(r >> 8) % 2 : 2);
        subj[i] = (h & ~15ull) | (h % 16 == 0 ? (h >> 8) % 16 : 5);
    }
    subj[4000] = 0x1234567890abcd03ull;
    subj[4001] = 0x1234567890abcd05ull;
    pt_hashset_insert_batch(t->subjects, subj, 4002);
    free(subj);
    return t;
}

/* Every piece (with its tier) and every subject of t is in back, which has no more. */
static void check_same_sets(const pt_tally *t, const pt_tally *back)
{
    CHECK_EQ(pt_fpset_size(back->pieces), pt_fpset_size(t->pieces));
    CHECK_EQ(pt_hashset_size(back->subjects), pt_hashset_size(t->subjects));
    uint64_t keys[256];
    uint8_t tiers[256];
    size_t wrong = 0;
    for (unsigned s = 0; s < PT_DEDUP_SHARDS; s++) {
        size_t n = pt_fpset_shard_items(t->pieces, s, NULL, NULL);
        if (n > 256) continue;
        pt_fpset_shard_items(t->pieces, s, keys, tiers);
        for (size_t i = 0; i < n; i++) wrong += pt_fpset_tier_of(back->pieces, s, keys[i]) != tiers[i];
        n = pt_hashset_shard_items(t->subjects, s, NULL);
        if (n > 256) continue;
        pt_hashset_shard_items(t->subjects, s, keys);
        for (size_t i = 0; i < n; i++) wrong += !pt_hashset_contains(back->subjects, keys[i]);
    }
    CHECK_EQ(wrong, 0);
}

static long file_size(FILE *f)
{
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    return n;
}

/* Version 8 codes the pieces' tiers and the subjects compact: the same sets come back
 * from it as from version 7, in at least 1 byte a piece less (by hand: the tiers 4 bits
 * a piece in version 7, in version 8 about 2 bytes for each of the ~250 other tiers and
 * a byte a shard; a subject ~8 bits less on average in its key (the shard's byte no
 * longer in the first gap and the Rice parameter) and 4 less in its kind nibble, which
 * cost ~2 bytes for each of the ~250 other kinds: ~6 KB less in all). Version 7 and 8
 * files merge, streamed, into their union. */
static void test_compact_runs(void)
{
    pt_tally *a = random_tally(1), *b = random_tally(2);
    FILE *a7 = tmpfile(), *a8 = saved(a, NULL), *b8 = saved(b, NULL), *out = tmpfile();
    char err[256];
    CHECK_EQ(pt_state_save_version(a, 42, 7, a7, err, sizeof err), 0);
    long size7 = file_size(a7), size8 = file_size(a8);
    CHECK(size7 - size8 >= 4000);
    if (size7 - size8 < 4000) fprintf(stderr, "  version 7: %ld bytes, 8: %ld\n", size7, size8);
    FILE *in[2] = {a7, a8};
    for (int v = 0; v < 2; v++) {
        pt_tally *back = pt_tally_load(in[v], 42, err, sizeof err);
        CHECK(back != NULL);
        if (back) check_same_sets(a, back);
        pt_tally_free(back);
        rewind(in[v]);
    }
    FILE *files[2] = {a7, b8};
    pt_tally *m = NULL;
    size_t bad;
    CHECK_EQ(pt_tally_merge_files(files, 2, 42, NULL, out, &m, &bad, err, sizeof err), 0);
    pt_tally_free(m);
    rewind(out);
    pt_tally *merged = pt_tally_load(out, 42, err, sizeof err);
    CHECK(merged != NULL);
    if (merged) {
        /* 8000 pieces (random 72-bit fingerprints: no two alike); 4002 + 4002 subjects, the
         * two fixed ones in both */
        CHECK_EQ(pt_fpset_size(merged->pieces), 8000);
        CHECK_EQ(pt_hashset_size(merged->subjects), 8002);
        pt_fpset_merge(a->pieces, b->pieces);
        pt_hashset_merge(a->subjects, b->subjects);
        check_same_sets(a, merged);
    }
    pt_tally_free(merged);
    fclose(a7);
    fclose(a8);
    fclose(b8);
    fclose(out);
    pt_tally_free(a);
    pt_tally_free(b);
}

/* Shard 1's state of version 7, shard 2's of version 8: joined alike, streamed; and
 * shard 1 merged alone (--partial) into a state of version 8, its part set coded again,
 * then with shard 2. */
static void test_parts_of_version_7(void)
{
    FILE *a, *b;
    shard_states_of(&a, &b, 7);
    FILE *files[2] = {b, a}, *part = tmpfile();
    pt_tally *m = NULL;
    size_t bad;
    char err[256];
    CHECK_EQ(pt_tally_merge_files(files, 2, 42, NULL, NULL, &m, &bad, err, sizeof err), 0);
    if (m) check_joined(m, "versions 7 and 8");
    pt_tally_free(m);
    rewind(a);
    rewind(b);
    CHECK_EQ(pt_tally_merge_files(&a, 1, 42, NULL, part, &m, &bad, err, sizeof err), 0);
    if (m) CHECK_EQ(m->n_inputs, 1);
    pt_tally_free(m);
    rewind(part);
    FILE *again[2] = {part, b};
    CHECK_EQ(pt_tally_merge_files(again, 2, 42, NULL, NULL, &m, &bad, err, sizeof err), 0);
    if (m) check_joined(m, "a version 7 part coded again");
    pt_tally_free(m);
    fclose(part);
    fclose(a);
    fclose(b);
}

int main(void)
{
    RUN(test_parts_of_version_7);
    RUN(test_compact_runs);
    RUN(test_version_6_read);
    RUN(test_part_start_kept);
    RUN(test_parts_joined);
    RUN(test_record_round_trip);
    RUN(test_section_round_trip);
    RUN(test_refused);
    RUN(test_merge_hooks);
    return CHECK_DONE();
}
