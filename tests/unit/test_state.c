/* test_state.c - the state file's evidence section (version 6): carried byte for byte
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

int main(void)
{
    RUN(test_record_round_trip);
    RUN(test_section_round_trip);
    RUN(test_refused);
    RUN(test_merge_hooks);
    return CHECK_DONE();
}
