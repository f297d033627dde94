/* fuzz_state.c - libFuzzer target: the state file (src/tally/state.c), a round-trip
 * fuzzer like zstd's. Two things from one input:
 *  - the input as the keys of a sorted run (8 bytes each, tiers from their low bits): a
 *    part's, the pieces' or (keys moved into one shard) the subjects' run, as the size
 *    says, written with pt_state_put_run and read back, every key and tier must come back;
 *  - the input as the body of a state file, framed with a valid header and checksum so
 *    that the parser behind the checksum is what gets fuzzed (version 7, or the current
 *    one when the head length's top bit is set, as in the seeds of version 8; the
 *    versions code their runs differently): pt_tally_load must refuse
 *    it or load it, never crash, and a loaded tally must save and load again;
 *  - a state that loads is merged with the evidence merge's hooks (src/report/evmerge.c),
 *    which read its evidence section (the seed evidence_state has a real one): refused or
 *    merged, never a crash, and a merged state with a section merges again. */
#include "fuzz_common.h"

#include <xxhash.h>

#include "../../src/tally/state_internal.h"
#include "../../src/report/evmerge.h"

#ifndef FUZZ_POLICY_PATH
#define FUZZ_POLICY_PATH "patterns/policy.yaml"
#endif
#ifndef FUZZ_PATTERNS_DIR
#define FUZZ_PATTERNS_DIR "patterns"
#endif

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void round_trip_run(const uint8_t *data, size_t size)
{
    size_t n = size / 8;
    uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
    uint8_t *tiers = malloc(n ? n : 1);
    pt_run_kind kind = (pt_run_kind)(size % 3);
    unsigned shard = size ? data[0] : 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(&keys[i], data + 8 * i, 8);
        if (kind == PT_RUN_SUBJECTS)   /* a subject run holds one shard's keys */
            keys[i] = (keys[i] & ((1ull << 56) - 1)) | (uint64_t)shard << 56;
    }
    if (n) qsort(keys, n, sizeof *keys, by_u64);
    size_t m = 0;   /* distinct, nonzero: what a set holds */
    for (size_t i = 0; i < n; i++)
        if (keys[i] && (m == 0 || keys[i] != keys[m - 1])) keys[m++] = keys[i];
    /* tiers all sorts, or mostly one (coded as exceptions to it) */
    for (size_t i = 0; i < m; i++)
        tiers[i] = (uint8_t)(size % 4 < 2 || keys[i] % 7 == 0 ? keys[i] % PT_MAX_TIERS : 1);
    bool with_tiers = kind != PT_RUN_SUBJECTS;
    pt_state_writer w = {0};
    pt_state_put_run(&w, kind, shard, keys, tiers, m);
    uint8_t extra = 0xA5;   /* the next byte of the file must be left where it is */
    FILE *f = fmemopen(NULL, w.len + 1, "w+");
    FUZZ_REQUIRE(f && fwrite(w.buf ? w.buf : &extra, 1, w.len, f) == w.len);
    FUZZ_REQUIRE(fwrite(&extra, 1, 1, f) == 1);
    rewind(f);
    pt_state_stream st = {f, w.len + 1, false, 0, 0, 0, PT_STATE_VERSION};
    pt_state_run r = {0};
    FUZZ_REQUIRE(pt_state_run_open(&r, &st, kind, shard));
    FUZZ_REQUIRE(r.n == m);
    uint64_t key;
    unsigned tier;
    for (size_t i = 0; i < m; i++) {
        FUZZ_REQUIRE(pt_state_run_next(&r, &key, &tier));
        FUZZ_REQUIRE(key == keys[i]);
        FUZZ_REQUIRE(tier == (with_tiers ? tiers[i] : 0));
    }
    FUZZ_REQUIRE(!pt_state_run_next(&r, &key, &tier));
    FUZZ_REQUIRE(st.left == 1 && !st.bad);
    pt_state_run_free(&r);
    fclose(f);
    free(w.buf);
    free(keys);
    free(tiers);
}

static void put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static pt_policy policy;
static pt_patterns patterns;

static void load_rules(void)
{
    static int loaded;
    char err[512];
    if (loaded) return;
    if (pt_policy_load(&policy, FUZZ_POLICY_PATH, err, sizeof err) != 0 ||
        pt_patterns_load(&patterns, FUZZ_PATTERNS_DIR, &policy, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_state: %s\n", err);
        abort();
    }
    loaded = 1;
}

/* The state in file merged alone, its evidence section through evmerge; 0 when merged.
 * With again, the merged state (when it has a section) must merge once more. */
static int merge_evidence(FILE *file, int again)
{
    load_rules();
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/ev", fuzz_tmpdir());
    pt_evmerge *em = pt_evmerge_new(NULL, &policy, &patterns, false, false, 0, prefix, true);
    FILE *out = tmpfile();
    pt_tally *m = NULL;
    size_t bad;
    char err[512];
    rewind(file);
    int rc = pt_tally_merge_files_ev(&file, 1, 0, NULL, pt_evmerge_hooks(em), out, &m, &bad, err,
                                     sizeof err);
    FUZZ_REQUIRE(rc == 0 ? m != NULL : err[0] != '\0');
    if (rc == 0 && again) FUZZ_REQUIRE(merge_evidence(out, 0) == 0);
    pt_tally_free(m);
    pt_evmerge_free(em);
    fclose(out);
    return rc;
}

static void load_framed(const uint8_t *data, size_t size)
{
    /* header: magic, version, digest 0, key id 0, and the head length from the input's
     * first 4 bytes (the seeds are real states' bodies behind their head length) */
    if (size < 4) return;
    uint32_t head = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                    (uint32_t)data[3] << 24;
    data += 4;
    size -= 4;
    size_t len = 40 + size + 8;
    uint8_t *file = malloc(len);
    memcpy(file, "PTSTATE\n", 8);
    put_le64(file + 8, head >> 31 ? PT_STATE_VERSION : 7);
    head &= 0x7fffffffu;
    put_le64(file + 16, 0);
    put_le64(file + 24, 0);
    put_le64(file + 32, head % (size + 1));
    memcpy(file + 40, data, size);
    put_le64(file + 40 + size, XXH64(file, 40 + size, 0));
    FILE *f = tmpfile();   /* a real file: the evidence merge reads it with pread */
    FUZZ_REQUIRE(f && fwrite(file, 1, len, f) == len && fflush(f) == 0);
    rewind(f);
    char err[256];
    pt_tally *t = pt_tally_load(f, 0, err, sizeof err);
    if (t) merge_evidence(f, 1);
    fclose(f);
    if (t) {
        FILE *g = tmpfile();
        FUZZ_REQUIRE(g && pt_tally_save(t, 0, g, err, sizeof err) == 0);
        rewind(g);
        pt_tally *again = pt_tally_load(g, 0, err, sizeof err);
        FUZZ_REQUIRE(again != NULL);
        FUZZ_REQUIRE(again->n_inputs == t->n_inputs);
        pt_tally_free(again);
        pt_tally_free(t);
        fclose(g);
    } else {
        FUZZ_REQUIRE(err[0] != '\0');
    }
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip_run(data, size);
    load_framed(data, size);
    return 0;
}
