/* state.c - the state file: a tally saved to disk so that scans of shards can be merged
 * later (pitally/tally.h; the streaming merge of many is statemerge.c).
 *
 * Layout (version 8), every integer an unsigned LEB128 varint unless said otherwise:
 *   "PTSTATE\n"  u32-le version  u32-le 0  u64-le rules digest  u64-le case key id
 *   u64-le length of the head, then the head:
 *     shards: N (0: not shards), and for N > 0 the table digest and the shards held as
 *       ranges: count, then first and last of each
 *     n_patterns
 *     n_inputs, then per input: path, bytes, compression, encoding, format (strings are
 *       length + bytes), flags (1 readable, 2 skipped, 4 container, 8 a part of a split
 *       input: then part, parts, text bytes and record bytes follow; 16 where the part's text
 *       starts is known: then that offset follows), declared, order, md5,
 *       sha256, counts, errors (kind, message, offset, line), columns (0 none, else 1 + flags (1 by key, 2 truncated, 4 shapes), the
 *       columns: count, then name (flag + string), position + 1, first + 1, fill, patterns:
 *       count, then pattern, matches, checked, passed, accepted, flags (1 judged,
 *       2 disabled), sample checked and passed; the doubt: count, then from + 1, to + 1,
 *       column + 1, pattern, pieces; with flag 4 (version 7) the record shapes: those that
 *       hold, those partly there, then count, and shape, alternative and why of each;
 *       columns.h)
 *     per pattern: matched, rejected
 *     per pattern: samples (count, then input, offset, line, masked value)
 *   parts: per part entry of the head (flag 8), in head order, its own distinct pieces
 *     (parts.h): a length L, then L bytes of 256 runs coded as the pieces' below
 *   pieces: per set shard (256) a run: count, the tiers (put_symbols: a mode byte, then
 *     2 to a byte or a common tier and its exceptions), the gaps between the sorted keys
 *     Rice-coded (pt_state_put_run)
 *   subjects: per set shard a run: count, the kinds (a subject key's low 4 bits) as the
 *     tiers, the gaps between the 52 bits of each key between its top byte (the shard's
 *     own) and its kind Rice-coded
 *   the evidence section: L bytes (none when L is 0), then u64-le L
 *   u64-le XXH64 of every byte before it
 * The keys are the sets' own: fingerprints enciphered under the case key (casekey.c), so
 * the file holds no hash that could be reversed by trying every mobile number or ID.
 * Why this order: the head is small (per input, per pattern) and read whole; the runs,
 * which grow with the pieces, are read one at a time, each with its tiers ahead of its
 * keys, so a merge of many files streams them shard by shard in bounded memory.
 * Sorted keys as Rice-coded gaps: n random 64-bit keys in a shard differ by about 2^64/n,
 * so a gap takes about log2(2^64/n) + 2 bits, near the entropy bound of such a set.
 * The checksum is over the whole file and checked, in a first pass, before anything is
 * believed; a file is refused whole, never half loaded.
 * Version 7 added the parts (a split input, scan --shard) and the record shapes of an
 * input's columns (which version 6 lost: a merge listed none), each behind a flag that a
 * version 6 file never sets, with the part section empty when there is no part: so
 * version 6 is read as well. Version 8 added where a part's text starts (flag 16), for the
 * range the reports show, and coded the pieces' and subjects' runs compact: in version 7
 * their tiers took 4 bits a piece where nearly all have one tier, and a subject's key
 * was coded whole, its top byte (the shard's, in every key of the run) making the first
 * gap and the Rice parameter up to 8 bits too big and its kind nibble 4 bits of every
 * gap (the merged state of make bench's 2M records: 13.56 -> 11.77 bytes per distinct
 * piece, the sets' entropy bound 11.70; docs/shards.md). Versions 6 and 7 are read as
 * they were (pt_state_stream.version); a merge copies a part's set from a file of its
 * own coding as it is, and codes one of version 7 again.
 * The part section is ahead of the pieces so that a merge counts a joined input's
 * distinct pieces (the union of its parts', statemerge.c) before it writes its head.
 * The evidence section (version 6) is what scan --state --evidence DIR keeps for merge
 * --evidence: the pieces listed and the sample candidates with their values. Its format
 * is the evidence code's (src/report/evmerge.c); this file only carries its bytes. It is
 * last, with its length after it, so that a reader finds it from the end of the file
 * (pt_state_stream.section_at) without decoding the runs before it.
 */
#include "pitally/tally.h"
#include "sets.h"
#include "pitally/columns.h"
#include "state_internal.h"
#include "parts.h"
#include "../util/varint.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <xxhash.h>

#define MAGIC "PTSTATE\n"
#define N_SHARDS PT_DEDUP_SHARDS

/* ---- interned names (compression, encoding, format): the report keeps pointers ---- */

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static char **names;
static size_t n_names;

static const char *intern(const char *s)
{
    pthread_mutex_lock(&names_lock);
    const char *found = NULL;
    for (size_t i = 0; i < n_names && !found; i++)
        if (!strcmp(names[i], s)) found = names[i];
    if (!found) {
        names = pt_xrealloc(names, (n_names + 1) * sizeof *names);
        found = names[n_names++] = pt_xstrdup(s);
    }
    pthread_mutex_unlock(&names_lock);
    return found;
}

/* ---- writing ---- */

typedef pt_state_writer writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0) return;
    if (w->count_only) {
        w->len += n;
        return;
    }
    if (!w->f) {
        if (w->len + n > w->cap) {
            w->cap = w->cap ? 2 * w->cap : 1 << 16;
            while (w->cap < w->len + n) w->cap *= 2;
            w->buf = pt_xrealloc(w->buf, w->cap);
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
        return;
    }
    XXH64_update(w->h, p, n);
    if (fwrite(p, 1, n, w->f) != n) w->failed = true;
}

static void put_u64le(writer *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}

static void put_var(writer *w, uint64_t v)
{
    uint8_t b[PT_VARINT_MAX];
    size_t n = pt_varint_put(b, v);
    put(w, b, n);
}

static void put_str(writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_var(w, n);
    put(w, s, n);
}

static void put_counts(writer *w, const pt_counts *c)
{
    put_var(w, c->records);
    put_var(w, c->pieces.raw);
    put_var(w, c->pieces.distinct);
    for (int t = 0; t < PT_MAX_TIERS; t++) {
        put_var(w, c->tiers[t].raw);
        put_var(w, c->tiers[t].distinct);
    }
    for (int k = 0; k < PT_MAX_CATEGORIES; k++) put_var(w, c->categories[k]);
}

/* The record shapes decided from the input's sample (columns.h), which the reports list. */
static bool has_shapes(const pt_colstats *c)
{
    for (size_t k = 0; k < PT_MAX_SHAPES; k++)
        if (c->shape_why[k]) return true;
    return (c->shapes_hold | c->shapes_partial) != 0;
}

static void put_shapes(writer *w, const pt_colstats *c)
{
    put_var(w, c->shapes_hold);
    put_var(w, c->shapes_partial);
    uint32_t n = 0;
    for (size_t k = 0; k < PT_MAX_SHAPES; k++) n += c->shape_why[k] != NULL;
    put_var(w, n);
    for (size_t k = 0; k < PT_MAX_SHAPES; k++) {
        if (!c->shape_why[k]) continue;
        put_var(w, k);
        put_var(w, c->shape_alt[k]);
        put_str(w, c->shape_why[k]);
    }
}

static void put_input(writer *w, const pt_input_result *in)
{
    put_str(w, in->path);
    put_var(w, in->bytes);
    put_str(w, in->compression);
    put_str(w, in->encoding);
    put_str(w, in->format);
    bool part = in->parts > 1, from = part && in->text_from_known;
    put_var(w, (in->readable ? 1u : 0u) | (in->skipped ? 2u : 0u) | (in->container ? 4u : 0u) |
                   (part ? 8u : 0u) | (from ? 16u : 0u));
    if (part) {
        put_var(w, in->part);
        put_var(w, in->parts);
        put_var(w, in->text_bytes);
        put_var(w, in->record_bytes);
    }
    if (from) put_var(w, in->text_from);
    put_var(w, in->declared);
    put_var(w, in->order);
    put_str(w, in->md5);
    put_str(w, in->sha256);
    put_counts(w, &in->counts);
    put_var(w, in->errors.n);
    for (size_t i = 0; i < in->errors.n; i++) {
        put_str(w, in->errors.v[i].kind);
        put_str(w, in->errors.v[i].message);
        put_var(w, in->errors.v[i].offset);
        put_var(w, in->errors.v[i].line);
    }
    const pt_colstats *c = in->columns;
    put_var(w, c ? 1u + (c->by_key ? 1u : 0u) + (c->truncated ? 2u : 0u) +
                       (has_shapes(c) ? 4u : 0u)
                 : 0u);
    if (!c) return;
    put_var(w, c->n);
    for (size_t i = 0; i < c->n; i++) {
        const pt_column *col = &c->cols[i];
        put_var(w, col->key != NULL);
        put_str(w, col->key ? col->key : "");
        put_var(w, (uint64_t)((int64_t)col->position + 1));
        put_var(w, col->first + 1);
        put_var(w, col->fill);
        put_var(w, col->n_pats);
        for (uint32_t k = 0; k < col->n_pats; k++) {
            const pt_column_pattern *p = &col->pats[k];
            put_var(w, p->pattern);
            put_var(w, p->matches);
            put_var(w, p->checked);
            put_var(w, p->passed);
            put_var(w, p->accepted);
            put_var(w, (p->judged ? 1u : 0u) | (p->disabled ? 2u : 0u));
            put_var(w, p->sample_checked);
            put_var(w, p->sample_passed);
        }
    }
    put_var(w, c->n_doubts);
    for (size_t k = 0; k < c->n_doubts; k++) {
        const pt_doubt *d = &c->doubts[k];
        put_var(w, (uint64_t)(d->from + 1));
        put_var(w, (uint64_t)(d->to + 1));
        put_var(w, (uint64_t)d->column + 1);   /* UINT32_MAX + 1: beyond the tracked ones */
        put_var(w, d->pattern);
        put_var(w, d->pieces);
    }
    if (has_shapes(c)) put_shapes(w, c);
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* Bits, least significant first, packed into bytes. */
typedef struct {
    writer *w;
    uint64_t acc;
    unsigned nbits;   /* < 8 between calls */
} bitwriter;

static void bits_put(bitwriter *b, uint64_t v, unsigned n)   /* n <= 32 */
{
    b->acc |= (v & ((1ull << n) - 1)) << b->nbits;
    b->nbits += n;
    for (; b->nbits >= 8; b->nbits -= 8, b->acc >>= 8) {
        uint8_t byte = (uint8_t)b->acc;
        put(b->w, &byte, 1);
    }
}

static void rice_put(bitwriter *b, uint64_t v, unsigned k)
{
    uint64_t q = v >> k;
    for (; q >= 32; q -= 32) bits_put(b, 0xffffffffu, 32);
    bits_put(b, (1ull << q) - 1, (unsigned)q);
    bits_put(b, 0, 1);
    if (k > 32) {
        bits_put(b, v, 32);
        bits_put(b, v >> 32, k - 32);
    } else {
        bits_put(b, v, k);
    }
}

/* The Rice parameter of a run: about log2 of the mean gap between its keys. */
static unsigned rice_k(const uint64_t *keys, size_t n)
{
    uint64_t mean = n ? keys[n - 1] / n : 0;
    return mean ? 63u - (unsigned)__builtin_clzll(mean) : 0;
}

/* The gaps between ascending values Rice-coded: k (a byte), and each gap's low k bits
 * after the rest in unary. n random keys of 64 bits have gaps of about 2^64 / n, and
 * with k near log2 of that a key costs about k + 2 bits: near the log2(2^64 / n) + 1.44
 * bits that such a set needs at least, where varints rounded each gap up to a multiple
 * of 7 bits. A run ends on a byte. */
static void put_gaps(writer *w, const uint64_t *v, size_t n)
{
    uint8_t k = (uint8_t)rice_k(v, n);
    put(w, &k, 1);
    bitwriter b = {w, 0, 0};
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        rice_put(&b, v[i] - prev, k);
        prev = v[i];
    }
    if (b.nbits) bits_put(&b, 0, 8 - b.nbits);
}

/* 4-bit values (tiers, kinds), 2 to a byte. */
static void put_nibbles(writer *w, const uint8_t *sym, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        uint8_t b = (uint8_t)(sym[i] & 0xf);
        if (i + 1 < n) b |= (uint8_t)((sym[i + 1] & 0xf) << 4);
        put(w, &b, 1);
    }
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7) n++;
    return n;
}

/* The tiers or kinds of a compact run (version 8): mostly one value in a real
 * collection, where 4 bits each are 3 or more too many. A byte, then either (0) the
 * values 2 to a byte, or (0x10 | c) common value c and its exceptions: their count, then
 * each one's distance from the one before (index - previous - 1, from -1) and value. The
 * shorter of the two. */
static void put_symbols(writer *w, const uint8_t *sym, size_t n)
{
    size_t freq[16] = {0};
    for (size_t i = 0; i < n; i++) freq[sym[i] & 0xf]++;
    unsigned c = 0;
    for (unsigned v = 1; v < 16; v++)
        if (freq[v] > freq[c]) c = v;
    size_t m = n - freq[c], cost = varint_len(m);
    for (size_t i = 0, prev = 0; i < n; i++)
        if ((sym[i] & 0xf) != c) {
            cost += varint_len(i - prev) + 1;
            prev = i + 1;
        }
    if (cost >= (n + 1) / 2) {
        uint8_t mode = 0;
        put(w, &mode, 1);
        put_nibbles(w, sym, n);
        return;
    }
    uint8_t mode = (uint8_t)(0x10 | c);
    put(w, &mode, 1);
    put_var(w, m);
    for (size_t i = 0, prev = 0; i < n; i++)
        if ((sym[i] & 0xf) != c) {
            uint8_t v = sym[i] & 0xf;
            put_var(w, i - prev);
            put(w, &v, 1);
            prev = i + 1;
        }
}

#define SUBJECT_VALUE_BITS 52   /* a subject key less its shard byte and its kind nibble */

/* A compact subject run: the keys of shard s all start with the byte s (the set is
 * sharded by it) and end with their kind, so what is coded is the 52 bits between,
 * ascending (two keys equal there differ in kind and are a gap of 0), and the kinds. */
static void put_subject_run(writer *w, unsigned shard, const uint64_t *keys, size_t n)
{
    uint64_t *v = pt_xmalloc(n * sizeof *v);
    uint8_t *kind = pt_xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        if (keys[i] >> 56 != shard) w->failed = true;   /* not this shard's: a bug */
        v[i] = (keys[i] & ((1ull << 56) - 1)) >> 4;
        kind[i] = (uint8_t)(keys[i] & 0xf);
    }
    put_symbols(w, kind, n);
    put_gaps(w, v, n);
    free(kind);
    free(v);
}

/* A run: n, then (parts.h, state_internal.h) the tiers and the keys as its kind and the
 * writer's version say. */
void pt_state_put_run(writer *w, pt_run_kind kind, unsigned shard, const uint64_t *keys,
                      const uint8_t *tiers, size_t n)
{
    bool compact = (w->version ? w->version : PT_STATE_VERSION) >= 8;
    put_var(w, n);
    if (n == 0) return;
    if (compact && kind == PT_RUN_SUBJECTS) put_subject_run(w, shard, keys, n);
    else if (compact) put_symbols(w, tiers, n);
    else if (kind != PT_RUN_SUBJECTS) put_nibbles(w, tiers, n);
    if (!(compact && kind == PT_RUN_SUBJECTS)) put_gaps(w, keys, n);
}

/* The runs of one shard of the pieces: pairs of key and tier sorted by key. */
static void put_piece_shard(writer *w, const pt_tally *t, unsigned s)
{
    size_t n = pt_fpset_shard_items(t->pieces, s, NULL, NULL);
    uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys);
    uint8_t *tiers = pt_xmalloc(n ? n : 1);
    pt_fpset_shard_items(t->pieces, s, keys, tiers);
    uint64_t *pairs = pt_xmalloc((n ? n : 1) * 2 * sizeof *pairs);
    for (size_t i = 0; i < n; i++) {
        pairs[2 * i] = keys[i];
        pairs[2 * i + 1] = tiers[i];
    }
    if (n) qsort(pairs, n, 2 * sizeof *pairs, by_key);
    for (size_t i = 0; i < n; i++) {
        keys[i] = pairs[2 * i];
        tiers[i] = (uint8_t)pairs[2 * i + 1];
    }
    pt_state_put_run(w, PT_RUN_PIECES, s, keys, tiers, n);
    free(pairs);
    free(keys);
    free(tiers);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void put_subject_shard(writer *w, const pt_tally *t, unsigned s)
{
    size_t n = pt_hashset_shard_items(t->subjects, s, NULL);
    uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys);
    pt_hashset_shard_items(t->subjects, s, keys);
    if (n) qsort(keys, n, sizeof *keys, by_u64);
    pt_state_put_run(w, PT_RUN_SUBJECTS, s, keys, NULL, n);
    free(keys);
}

static void put_shards(writer *w, const pt_tally *t)
{
    put_var(w, t->shard_n);
    if (!t->shard_n) return;
    put_var(w, t->shard_table);
    uint32_t n = 0;
    writer list = {0};
    for (uint32_t k = 1; k <= t->shard_n; k++) {
        if (!((t->shards_held[(k - 1) / 8] >> ((k - 1) % 8)) & 1)) continue;
        uint32_t last = k;
        while (last < t->shard_n && ((t->shards_held[last / 8] >> (last % 8)) & 1)) last++;
        put_var(&list, k);
        put_var(&list, last);
        n++;
        k = last;
    }
    put_var(w, n);
    put(w, list.buf, list.len);
    free(list.buf);
}

static void put_head(writer *w, const pt_tally *t)
{
    put_shards(w, t);
    put_var(w, t->n_patterns);
    put_var(w, t->n_inputs);
    for (size_t i = 0; i < t->n_inputs; i++) put_input(w, t->inputs[i]);
    for (size_t p = 0; p < t->n_patterns; p++) {
        put_var(w, t->pattern_matched[p]);
        put_var(w, t->pattern_rejected[p]);
    }
    for (size_t p = 0; p < t->n_patterns; p++) {
        const pt_sample *v;
        size_t n = pt_samples_of(&t->samples, p, &v);
        put_var(w, n);
        for (size_t i = 0; i < n; i++) {
            put_var(w, v[i].input);
            put_var(w, v[i].offset);
            put_var(w, v[i].line);
            put_str(w, v[i].value);
        }
    }
}

static void begin(writer *w, FILE *f, uint64_t rules_digest, const pt_tally *t, unsigned version)
{
    writer head = {0};
    put_head(&head, t);
    *w = (writer){.f = f, .h = XXH64_createState(), .version = version};
    XXH64_reset(w->h, 0);
    put(w, MAGIC, 8);
    uint8_t ver[8] = {version & 0xff, (version >> 8) & 0xff, 0, 0, 0, 0, 0, 0};
    put(w, ver, 8);
    put_u64le(w, rules_digest);
    put_u64le(w, t->key_id);
    put_u64le(w, head.len);
    put(w, head.buf, head.len);
    free(head.buf);
}

void pt_state_begin(writer *w, FILE *f, uint64_t rules_digest, const pt_tally *t)
{
    begin(w, f, rules_digest, t, PT_STATE_VERSION);
}

int pt_state_end(writer *w, char *err, size_t errlen)
{
    uint64_t sum = XXH64_digest(w->h);
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(sum >> (8 * i));
    if (!w->failed && fwrite(b, 1, 8, w->f) != 8) w->failed = true;
    XXH64_freeState(w->h);
    if (w->failed || fflush(w->f) != 0) {
        snprintf(err, errlen, "cannot write the state%s%s", w->why ? ": " : "",
                 w->why ? w->why : "");
        return -1;
    }
    return 0;
}

/* A part's 256 runs (none held: every run empty). */
static void put_part_runs(writer *w, pt_partkeys *pk)
{
    for (unsigned s = 0; s < N_SHARDS; s++) {
        const uint64_t *keys = NULL;
        const uint8_t *tiers = NULL;
        size_t n = pk ? pt_partkeys_shard(pk, s, &keys, &tiers) : 0;
        pt_state_put_run(w, PT_RUN_PART, s, keys, tiers, n);
    }
    if (pt_partkeys_failed(pk)) {
        w->failed = true;
        w->why = "a split part's keys could not be read back from their scratch file";
    }
}

/* A set on disk (a state being merged) coded as the writer's version codes it, copied as
 * it is. */
static void copy_part_runs(writer *w, const pt_partkeys *pk)
{
    uint8_t buf[1 << 16];
    uint64_t left = pk->len;
    if (fseeko(pk->f, (off_t)pk->at, SEEK_SET) != 0) w->failed = true;
    while (left && !w->failed) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        if (fread(buf, 1, want, pk->f) != want) w->failed = true;
        else put(w, buf, want);
        left -= want;
    }
}

static bool compact_version(unsigned version)
{
    return (version ? version : PT_STATE_VERSION) >= 8;
}

/* A set on disk coded as another version codes it (a version 7 state merged into one of
 * version 8): read run by run and put again. */
static void recode_part_runs(writer *w, const pt_partkeys *pk)
{
    pt_state_stream st = {pk->f, pk->len, false, 0, 0, 0, pk->version};
    pt_state_run r = {0};
    uint64_t *keys = NULL, key;
    uint8_t *tiers = NULL;
    size_t cap = 0;
    unsigned tier;
    if (fseeko(pk->f, (off_t)pk->at, SEEK_SET) != 0) w->failed = true;
    for (unsigned s = 0; s < N_SHARDS && !w->failed; s++) {
        if (!pt_state_run_open(&r, &st, PT_RUN_PART, s)) break;
        if (r.n > cap) {
            cap = r.n;
            keys = pt_xrealloc(keys, cap * sizeof *keys);
            tiers = pt_xrealloc(tiers, cap);
        }
        size_t n = 0;
        while (pt_state_run_next(&r, &key, &tier)) {
            keys[n] = key;
            tiers[n++] = (uint8_t)tier;
        }
        if (n != r.n) break;
        pt_state_put_run(w, PT_RUN_PART, s, keys, tiers, n);
    }
    if (st.bad || st.left) w->failed = true;   /* exactly the set's bytes, all runs */
    pt_state_run_free(&r);
    free(keys);
    free(tiers);
}

void pt_state_put_parts(writer *w, const pt_tally *t)
{
    for (size_t i = 0; i < t->n_inputs; i++) {
        const pt_input_result *in = t->inputs[i];
        if (in->parts < 2) continue;
        pt_partkeys *pk = in->part_keys;
        if (pk && pk->f && compact_version(pk->version) == compact_version(w->version)) {
            put_var(w, pk->len);
            copy_part_runs(w, pk);
            continue;
        }
        writer size = {.count_only = true, .version = w->version};
        if (pk && pk->f) {
            recode_part_runs(&size, pk);
            put_var(w, size.len);
            recode_part_runs(w, pk);
            if (size.failed) w->failed = true;
            continue;
        }
        put_part_runs(&size, pk);
        put_var(w, size.len);
        put_part_runs(w, pk);
    }
}

void pt_state_put_section(writer *w, FILE *section)
{
    uint64_t n = 0;
    if (section) {
        uint8_t buf[1 << 16];
        size_t k;
        rewind(section);
        while ((k = fread(buf, 1, sizeof buf, section)) > 0) {
            put(w, buf, k);
            n += k;
        }
        if (ferror(section)) w->failed = true;
    }
    put_u64le(w, n);
}

static int save(const pt_tally *t, uint64_t rules_digest, unsigned version, FILE *section,
                FILE *f, char *err, size_t errlen)
{
    writer w;
    begin(&w, f, rules_digest, t, version);
    pt_state_put_parts(&w, t);
    for (unsigned s = 0; s < N_SHARDS; s++) put_piece_shard(&w, t, s);
    for (unsigned s = 0; s < N_SHARDS; s++) put_subject_shard(&w, t, s);
    pt_state_put_section(&w, section);
    return pt_state_end(&w, err, errlen);
}

int pt_tally_save_section(const pt_tally *t, uint64_t rules_digest, FILE *section, FILE *f,
                          char *err, size_t errlen)
{
    return save(t, rules_digest, PT_STATE_VERSION, section, f, err, errlen);
}

int pt_state_save_version(const pt_tally *t, uint64_t rules_digest, unsigned version, FILE *f,
                          char *err, size_t errlen)
{
    return save(t, rules_digest, version, NULL, f, err, errlen);
}

int pt_tally_save(const pt_tally *t, uint64_t rules_digest, FILE *f, char *err, size_t errlen)
{
    return pt_tally_save_section(t, rules_digest, NULL, f, err, errlen);
}

/* ---- reading the head, from memory ---- */

typedef struct {
    const uint8_t *p, *end;
    bool bad;
} reader;

static uint64_t get_var(reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) break;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    r->bad = true;
    return 0;
}

/* a count of things each at least min_bytes long: never more than the bytes left */
static size_t get_count(reader *r, size_t min_bytes)
{
    uint64_t n = get_var(r);
    if (n > (uint64_t)(r->end - r->p) / (min_bytes ? min_bytes : 1)) {
        r->bad = true;
        return 0;
    }
    return (size_t)n;
}

static char *get_str(reader *r)
{
    size_t n = get_count(r, 1);
    char *s = pt_xstrndup((const char *)r->p, r->bad ? 0 : n);
    if (!r->bad) r->p += n;
    return s;
}

static const char *get_name(reader *r)
{
    char *s = get_str(r);
    const char *v = intern(s);
    free(s);
    return v;
}

static void get_counts(reader *r, pt_counts *c)
{
    c->records = get_var(r);
    c->pieces.raw = get_var(r);
    c->pieces.distinct = get_var(r);
    for (int t = 0; t < PT_MAX_TIERS; t++) {
        c->tiers[t].raw = get_var(r);
        c->tiers[t].distinct = get_var(r);
    }
    for (int k = 0; k < PT_MAX_CATEGORIES; k++) c->categories[k] = get_var(r);
}

static void get_shapes(reader *r, pt_colstats *c)
{
    uint64_t hold = get_var(r), partial = get_var(r);
    if (hold > UINT32_MAX || partial > UINT32_MAX) r->bad = true;
    c->shapes_hold = (uint32_t)hold;
    c->shapes_partial = (uint32_t)partial;
    size_t n = get_count(r, 3);
    for (size_t i = 0; i < n && !r->bad; i++) {
        uint64_t k = get_var(r), alt = get_var(r);
        char *why = get_str(r);
        if (k >= PT_MAX_SHAPES || alt > UINT8_MAX || c->shape_why[k]) r->bad = true;
        else {
            c->shape_alt[k] = (uint8_t)alt;
            c->shape_why[k] = why;
            why = NULL;
        }
        free(why);
    }
}

static pt_colstats *get_columns(reader *r, size_t n_patterns)
{
    uint64_t flags = get_var(r);
    if (!flags || r->bad) return NULL;
    pt_colstats *c = pt_colstats_new((flags - 1) & 1);
    c->truncated = ((flags - 1) & 2) != 0;
    bool shapes = ((flags - 1) & 4) != 0;
    size_t n = get_count(r, 6);
    for (size_t i = 0; i < n && !r->bad; i++) {
        bool has_key = get_var(r) != 0;
        char *key = get_str(r);
        uint64_t pos = get_var(r), first = get_var(r), fill = get_var(r);
        if (pos > (uint64_t)INT32_MAX) r->bad = true;
        int32_t col = r->bad ? -1
                             : pt_colstats_column(c, (int32_t)pos - 1, has_key ? key : NULL,
                                                  has_key ? strlen(key) : 0);
        free(key);
        if (col != (int32_t)i) r->bad = true;   /* a duplicate column */
        if (r->bad) break;
        c->cols[col].first = first - 1;
        c->cols[col].fill = fill;
        size_t np = get_count(r, 8);
        for (size_t k = 0; k < np && !r->bad; k++) {
            uint64_t pat = get_var(r);
            if (pat >= n_patterns) {
                r->bad = true;
                break;
            }
            pt_column_pattern *p = pt_colstats_cell(c, col, (uint32_t)pat);
            p->matches = get_var(r);
            p->checked = get_var(r);
            p->passed = get_var(r);
            p->accepted = get_var(r);
            uint64_t f = get_var(r);
            p->judged = f & 1;
            p->disabled = (f & 2) != 0;
            p->sample_checked = get_var(r);
            p->sample_passed = get_var(r);
        }
    }
    size_t nd = r->bad ? 0 : get_count(r, 5);
    for (size_t k = 0; k < nd && !r->bad; k++) {
        uint64_t from = get_var(r), to = get_var(r), col = get_var(r), pat = get_var(r),
                 pieces = get_var(r);
        if (from > PT_MAX_TIERS || to > PT_MAX_TIERS || pat >= n_patterns ||
            (col != (uint64_t)UINT32_MAX + 1 && col > c->n))
            r->bad = true;
        else
            pt_colstats_add_doubt(c, (int)from - 1, (int)to - 1,
                                  col == (uint64_t)UINT32_MAX + 1 ? -1 : (int32_t)col - 1,
                                  (uint32_t)pat, pieces);
    }
    if (shapes && !r->bad) get_shapes(r, c);
    return c;
}

static void get_input(reader *r, pt_tally *t)
{
    char *path = get_str(r);
    pt_input_result *in = pt_tally_add_input(t, path);
    free(path);
    in->bytes = get_var(r);
    in->compression = get_name(r);
    in->encoding = get_name(r);
    in->format = get_name(r);
    uint64_t flags = get_var(r);
    in->readable = flags & 1;
    in->skipped = flags & 2;
    in->container = flags & 4;
    if (flags & 8) {
        uint64_t part = get_var(r), parts = get_var(r);
        if (parts < 2 || parts > 65536 || part >= parts) r->bad = true;
        else in->part = (uint32_t)part, in->parts = (uint32_t)parts;
        in->text_bytes = get_var(r);
        in->record_bytes = get_var(r);
    }
    if (flags & 16) {   /* version 8 */
        in->text_from = get_var(r);
        in->text_from_known = true;
        if (!(flags & 8) || in->text_from > in->text_bytes) r->bad = true;
    }
    in->declared = get_var(r);
    in->order = get_var(r);
    char *md5 = get_str(r), *sha = get_str(r);
    snprintf(in->md5, sizeof in->md5, "%s", strlen(md5) == 32 ? md5 : "");
    snprintf(in->sha256, sizeof in->sha256, "%s", strlen(sha) == 64 ? sha : "");
    free(md5);
    free(sha);
    get_counts(r, &in->counts);
    size_t n = get_count(r, 4);
    for (size_t i = 0; i < n && !r->bad; i++) {
        char *kind = get_str(r), *msg = get_str(r);
        uint64_t off = get_var(r), line = get_var(r);
        pt_errlist_add(&in->errors, kind, off, "%s", msg);
        in->errors.v[in->errors.n - 1].line = line;
        free(kind);
        free(msg);
    }
    in->columns = get_columns(r, t->n_patterns);
}

/* The shards a head holds (put_shards), put into t once it exists. */
typedef struct {
    uint32_t n;
    uint64_t table;
    uint8_t *held;
} shard_list;

static void get_shards(reader *r, shard_list *l)
{
    uint64_t n = get_var(r);
    if (!n || r->bad) return;
    l->table = get_var(r);
    if (n > 65536) {
        r->bad = true;
        return;
    }
    l->n = (uint32_t)n;
    l->held = pt_xcalloc((n + 7) / 8, 1);
    size_t ranges = get_count(r, 2);
    for (size_t i = 0; i < ranges && !r->bad; i++) {
        uint64_t first = get_var(r), last = get_var(r);
        if (first < 1 || last < first || last > n) r->bad = true;
        for (uint64_t k = first; !r->bad && k <= last; k++)
            l->held[(k - 1) / 8] |= (uint8_t)(1u << ((k - 1) % 8));
    }
}

static pt_tally *parse_head(reader *r)
{
    shard_list shards = {0};   /* they come first; the patterns' count after */
    get_shards(r, &shards);
    size_t n_patterns = get_count(r, 0);
    pt_tally *t = pt_tally_new(n_patterns);
    t->shard_n = shards.n;
    t->shard_table = shards.table;
    t->shards_held = shards.held;
    size_t n_inputs = get_count(r, 8);
    for (size_t i = 0; i < n_inputs && !r->bad; i++) get_input(r, t);
    for (size_t p = 0; p < n_patterns && !r->bad; p++) {
        t->pattern_matched[p] = get_var(r);
        t->pattern_rejected[p] = get_var(r);
    }
    for (size_t p = 0; p < n_patterns && !r->bad; p++) {
        size_t n = get_count(r, 4);
        for (size_t i = 0; i < n && !r->bad; i++) {
            uint64_t input = get_var(r), offset = get_var(r), line = get_var(r);
            char *v = get_str(r);
            if (input >= t->n_inputs) r->bad = true;
            else pt_samples_add_line(&t->samples, p, (uint32_t)input, offset, line, v);
            free(v);
        }
    }
    if (r->p != r->end) r->bad = true;
    return t;
}

/* ---- reading a file: checked whole first, then read in one pass ---- */

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static bool stream_read(pt_state_stream *st, void *p, size_t n)
{
    if (st->bad || n > st->left || fread(p, 1, n, st->f) != n) {
        st->bad = true;
        return false;
    }
    st->left -= n;
    return true;
}

/* One byte, or -1 (and the stream bad) past the end. */
static int stream_byte(pt_state_stream *st)
{
    int c = st->left && !st->bad ? getc_unlocked(st->f) : EOF;
    if (c == EOF) {
        st->bad = true;
        return -1;
    }
    st->left--;
    return c;
}

static uint64_t stream_var(pt_state_stream *st)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && st->left && !st->bad; shift += 7) {
        int c = getc_unlocked(st->f);
        if (c == EOF) break;
        st->left--;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    st->bad = true;
    return 0;
}

/* One pass over the file from its start: its length, and whether the last 8 bytes are
 * the XXH64 of the others. Then back at the byte after the fixed header. */
static const char *check_sum(FILE *f, uint64_t *len)
{
    if (fseek(f, 0, SEEK_SET) != 0) return "not seekable: a state must be a regular file";
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    uint8_t buf[1 << 16];
    size_t have = 0, n;
    uint64_t total = 0;
    while ((n = fread(buf + have, 1, sizeof buf - have, f)) > 0) {
        have += n;
        total += n;
        if (have > 8) {   /* all but the last 8 bytes seen so far are data */
            XXH64_update(h, buf, have - 8);
            memmove(buf, buf + have - 8, 8);
            have = 8;
        }
    }
    uint64_t sum = XXH64_digest(h);
    XXH64_freeState(h);
    *len = total;
    if (ferror(f)) return "cannot be read";
    if (total < 48 || sum != le64(buf)) return "corrupt or truncated (checksum mismatch)";
    return fseek(f, 40, SEEK_SET) == 0 ? NULL : "cannot be read";
}

/* The fixed header: what the file is, then (after the checksum) what it was made with. */
static const char *check_header(FILE *f, uint8_t hdr[40], char *msg, size_t msglen)
{
    if (fread(hdr, 1, 40, f) != 40 || memcmp(hdr, MAGIC, 8) != 0) return "not a pitally state file";
    /* version 6 is version 7 without split inputs (no part entry, no part section), and
     * version 7 is version 8 without the parts' starts (flag 16) */
    if (le64(hdr + 8) >= 6 && le64(hdr + 8) <= PT_STATE_VERSION) return NULL;
    snprintf(msg, msglen, "a state file of another version (version %llu; this pitally reads "
             "versions 6 to %d)", (unsigned long long)le64(hdr + 8), PT_STATE_VERSION);
    return msg;
}

/* The head, from the stream into a new tally. */
static pt_tally *read_head(pt_state_stream *st, size_t head_len)
{
    uint8_t *head = pt_xmalloc(head_len ? head_len : 1);
    pt_tally *t = NULL;
    if (stream_read(st, head, head_len)) {
        reader r = {head, head + head_len, false};
        t = parse_head(&r);
        if (r.bad) {
            pt_tally_free(t);
            t = NULL;
        }
    }
    free(head);
    return t;
}

/* The evidence section's length, from the 8 bytes before the checksum; then back at
 * the head. */
static const char *section_length(FILE *f, uint64_t len, uint64_t head, uint64_t *section)
{
    uint8_t b[8];
    if (len < 56 || fseeko(f, (off_t)(len - 16), SEEK_SET) != 0 || fread(b, 1, 8, f) != 8 ||
        fseek(f, 40, SEEK_SET) != 0)
        return "malformed contents behind a valid checksum";
    *section = le64(b);
    if (*section > len - 56 || head > len - 56 - *section)
        return "malformed contents behind a valid checksum";
    return NULL;
}

pt_tally *pt_state_open(FILE *f, uint64_t rules_digest, pt_state_stream *st, char *err,
                        size_t errlen)
{
    uint8_t hdr[40];
    uint64_t len = 0;
    char msg[160];
    const char *why = check_header(f, hdr, msg, sizeof msg);
    if (!why) why = check_sum(f, &len);
    if (!why && le64(hdr + 16) != rules_digest) why = "made with other patterns or another policy";
    if (!why && le64(hdr + 32) > len - 48) why = "malformed contents behind a valid checksum";
    uint64_t section = 0;
    if (!why) why = section_length(f, len, le64(hdr + 32), &section);
    pt_tally *t = NULL;
    if (!why) {
        *st = (pt_state_stream){f, len - 56 - section, false, len - 56 - section + 40, section, 0,
                                (unsigned)le64(hdr + 8)};
        t = read_head(st, (size_t)le64(hdr + 32));
        if (!t) why = "malformed contents behind a valid checksum";
    }
    if (why) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    t->key_id = le64(hdr + 24);
    return t;
}

/* n values of 4 bits into r->tiers, 2 to a byte: as they are (a part's run, and every
 * run before version 8) or as put_symbols wrote them. */
static bool get_symbols(pt_state_run *r, pt_state_stream *st, bool compact)
{
    size_t bytes = (r->n + 1) / 2;
    if (bytes > r->tiers_cap) {
        r->tiers_cap = bytes;
        r->tiers = pt_xrealloc(r->tiers, r->tiers_cap);
    }
    uint8_t mode = 0;
    if (compact && !stream_read(st, &mode, 1)) return false;
    if (mode == 0) return stream_read(st, r->tiers, bytes);
    if ((mode & 0xf0) != 0x10) return false;
    memset(r->tiers, (mode & 0xf) * 0x11, bytes);
    uint64_t m = stream_var(st), at = 0;
    if (m > r->n) return false;
    for (uint64_t e = 0; e < m && !st->bad; e++) {
        uint64_t gap = stream_var(st);
        uint8_t v = 0;
        if (!stream_read(st, &v, 1) || gap >= r->n - at || v > 0xf) return false;
        at += gap;
        uint8_t *b = &r->tiers[at / 2];
        *b = (uint8_t)(at % 2 ? (*b & 0x0f) | v << 4 : (*b & 0xf0) | v);
        at++;
    }
    return !st->bad;
}

bool pt_state_run_open(pt_state_run *r, pt_state_stream *st, pt_run_kind kind, unsigned shard)
{
    bool compact = st->version >= 8;
    r->st = st;
    r->with_tiers = kind != PT_RUN_SUBJECTS || compact;
    r->compact_subjects = compact && kind == PT_RUN_SUBJECTS;
    r->base = (uint64_t)shard << 56;
    r->value = 0;
    r->i = 0;
    r->key = 0;
    r->acc = 0;
    r->nbits = 0;
    uint64_t n = stream_var(st);
    if (st->bad || n / 8 > st->left) {   /* every key takes a bit at least */
        st->bad = true;
        r->n = 0;
        return false;
    }
    r->n = (size_t)n;
    if (n == 0) return true;
    uint8_t k = 0;
    if ((r->with_tiers && !get_symbols(r, st, compact)) || !stream_read(st, &k, 1) || k > 63) {
        st->bad = true;
        return false;
    }
    r->k = k;
    return true;
}

/* The next n bits (n <= 56), reading only the bytes that hold them: the run's last
 * byte is the stream's last read, so the next run starts where it should. */
static uint64_t bits_get(pt_state_run *r, unsigned n)
{
    while (r->nbits < n) {
        int byte = stream_byte(r->st);
        if (byte < 0) return 0;
        r->acc |= (uint64_t)byte << r->nbits;
        r->nbits += 8;
    }
    uint64_t v = r->acc & ((1ull << n) - 1);
    r->acc >>= n;
    r->nbits -= n;
    return v;
}

/* A Rice-coded gap (pt_state_put_run); sets the stream bad when it cannot be one. Between
 * calls fewer than 8 bits wait in acc. */
static uint64_t rice_get(pt_state_run *r)
{
    uint64_t q = 0;
    for (;;) {
        if (r->nbits == 0) {
            int byte = stream_byte(r->st);
            if (byte < 0) return 0;
            r->acc = (uint64_t)byte;
            r->nbits = 8;
        }
        uint64_t zeros = ~r->acc & ((1ull << r->nbits) - 1);
        if (zeros) {   /* the unary part ends at the first 0 bit */
            unsigned ones = (unsigned)__builtin_ctzll(zeros);
            q += ones;
            r->acc >>= ones + 1;
            r->nbits -= ones + 1;
            break;
        }
        q += r->nbits;
        r->acc = 0;
        r->nbits = 0;
        if (q > (UINT64_MAX >> r->k)) {
            r->st->bad = true;
            return 0;
        }
    }
    if (q > (UINT64_MAX >> r->k)) {
        r->st->bad = true;
        return 0;
    }
    uint64_t low = r->k > 32 ? bits_get(r, 32) | bits_get(r, r->k - 32) << 32 : bits_get(r, r->k);
    return q << r->k | low;
}

/* The next key of a compact subject run: the shard's byte, the value, the kind; keys
 * strictly ascending (a gap of 0 only between two kinds of one value). */
static bool next_subject(pt_state_run *r, uint64_t delta, unsigned kind, uint64_t *key)
{
    if (delta >= (1ull << SUBJECT_VALUE_BITS) - r->value) return false;
    r->value += delta;
    uint64_t next = r->base | r->value << 4 | kind;
    if (r->i > 0 && next <= r->key) return false;
    *key = next;
    return true;
}

bool pt_state_run_next(pt_state_run *r, uint64_t *key, unsigned *tier)
{
    if (r->i >= r->n || r->st->bad) return false;
    uint64_t delta = rice_get(r);
    unsigned sym = r->with_tiers ? (r->tiers[r->i / 2] >> (4 * (r->i % 2))) & 0xf : 0;
    uint64_t next = r->key + delta;
    bool ok = !r->st->bad;
    if (ok && r->compact_subjects) {
        ok = next_subject(r, delta, sym, &next);
        sym = 0;
    } else if (ok) {
        ok = (r->i == 0 || delta != 0) && next >= r->key && sym < PT_MAX_TIERS;   /* sorted, once */
    }
    if (!ok) {
        r->st->bad = true;
        return false;
    }
    r->key = next;
    *key = next;
    *tier = sym;
    r->i++;
    return true;
}

void pt_state_run_free(pt_state_run *r)
{
    free(r->tiers);
    r->tiers = NULL;
    r->tiers_cap = 0;
}

/* One part's runs from the stream into memory: exactly len bytes of them. */
static pt_partkeys *load_part(pt_state_stream *st, uint32_t part, uint64_t len)
{
    pt_partkeys *pk = pt_partkeys_new(part);
    pt_state_run r = {0};
    uint64_t left = st->left, key;
    unsigned tier;
    for (unsigned s = 0; s < N_SHARDS && pt_state_run_open(&r, st, PT_RUN_PART, s); s++)
        while (pt_state_run_next(&r, &key, &tier)) pt_partkeys_push(pk, s, key, tier);
    pt_state_run_free(&r);
    if (left - st->left != len) st->bad = true;
    return pk;
}

bool pt_state_get_parts(pt_state_stream *st, pt_tally *t, bool load)
{
    for (size_t i = 0; i < t->n_inputs && !st->bad; i++) {
        pt_input_result *in = t->inputs[i];
        if (in->parts < 2) continue;
        uint64_t len = stream_var(st);
        if (st->bad || len > st->left) {
            st->bad = true;
            break;
        }
        pt_partkeys_free(in->part_keys);
        if (load) {
            in->part_keys = load_part(st, in->part, len);
            continue;
        }
        off_t at = ftello(st->f);
        if (at < 0 || fseeko(st->f, (off_t)len, SEEK_CUR) != 0) st->bad = true;
        else in->part_keys = pt_partkeys_on_disk(in->part, st->f, (uint64_t)at, len, st->version);
        st->left -= len;
    }
    off_t runs = st->bad ? -1 : ftello(st->f);
    if (runs < 0) st->bad = true;
    else st->runs_at = (uint64_t)runs;
    return !st->bad;
}

/* The runs of the stream into t's sets. */
static void load_sets(pt_state_stream *st, pt_tally *t)
{
    pt_state_run r = {0};
    uint64_t key, *batch = pt_xmalloc(4096 * sizeof *batch);
    unsigned tier;
    for (unsigned s = 0; s < N_SHARDS && pt_state_run_open(&r, st, PT_RUN_PIECES, s); s++)
        while (pt_state_run_next(&r, &key, &tier)) pt_fpset_add(t->pieces, s, key, tier);
    for (unsigned s = 0; s < N_SHARDS && !st->bad && pt_state_run_open(&r, st, PT_RUN_SUBJECTS, s);
         s++) {
        size_t n = 0;
        while (pt_state_run_next(&r, &key, &tier)) {
            batch[n++] = key;
            if (n == 4096) {
                pt_hashset_insert_batch(t->subjects, batch, n);
                n = 0;
            }
        }
        pt_hashset_insert_batch(t->subjects, batch, n);
    }
    free(batch);
    pt_state_run_free(&r);
}

pt_tally *pt_tally_load(FILE *f, uint64_t rules_digest, char *err, size_t errlen)
{
    pt_state_stream st;
    pt_tally *t = pt_state_open(f, rules_digest, &st, err, errlen);
    if (!t) return NULL;
    if (pt_state_get_parts(&st, t, true)) load_sets(&st, t);
    if (st.bad || st.left != 0) {
        pt_tally_free(t);
        snprintf(err, errlen, "malformed contents behind a valid checksum");
        return NULL;
    }
    return t;
}
