/* state.c - the state file: a tally saved to disk so that scans of shards can be merged
 * later (pitally/tally.h).
 *
 * Layout (version 3), every integer an unsigned LEB128 varint unless said otherwise:
 *   "PTSTATE\n"  u32-le version  u32-le 0  u64-le rules digest  u64-le case key id
 *   n_patterns
 *   n_inputs, then per input: path, bytes, compression, encoding, format (strings are
 *     length + bytes), flags (1 readable, 2 skipped, 4 container), declared, order, md5,
 *     sha256, counts,
 *     errors, columns (0 none, else 1 + flags (1 by key, 2 truncated), the columns: count,
 *     then name (flag + string), position + 1, first + 1, fill, patterns: count, then
 *     pattern, matches, checked, passed, accepted, flags (1 judged, 2 disabled), sample
 *     checked and passed; the doubt: count, then from + 1, to + 1, column + 1, pattern,
 *     pieces; columns.h)
 *   per pattern: matched, rejected
 *   per pattern: samples (count, then input, offset, masked value)
 *   pieces: per shard (256): count, sorted keys as deltas, then tiers 2 to a byte
 *   subjects: per shard: count, sorted keys as deltas
 *   u64-le XXH64 of every byte before it
 * The keys are the sets' own: fingerprints enciphered under the case key (casekey.c), so
 * the file holds no hash that could be reversed by trying every mobile number or ID.
 * Sorted keys as deltas: n random 64-bit keys in a shard differ by about 2^56/n, so a
 * delta takes ~(56 - log2 n)/7 bytes: about 5 bytes a piece at 10^6 pieces per shard.
 * The checksum is over the whole file and checked before anything is believed; a file
 * is refused whole, never half loaded.
 */
#include "pitally/tally.h"
#include "pitally/columns.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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

typedef struct {
    FILE *f;
    XXH64_state_t *h;
    bool failed;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0) return;
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
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
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

static void put_input(writer *w, const pt_input_result *in)
{
    put_str(w, in->path);
    put_var(w, in->bytes);
    put_str(w, in->compression);
    put_str(w, in->encoding);
    put_str(w, in->format);
    put_var(w, (in->readable ? 1u : 0u) | (in->skipped ? 2u : 0u) | (in->container ? 4u : 0u));
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
    }
    const pt_colstats *c = in->columns;
    put_var(w, c ? 1u + (c->by_key ? 1u : 0u) + (c->truncated ? 2u : 0u) : 0u);
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
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* keys with their tier in a second word, sorted by key */
static void put_sorted(writer *w, uint64_t *pairs, size_t n, bool with_tiers)
{
    qsort(pairs, n, 2 * sizeof *pairs, by_key);
    put_var(w, n);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        put_var(w, pairs[2 * i] - prev);
        prev = pairs[2 * i];
    }
    if (!with_tiers) return;
    for (size_t i = 0; i < n; i += 2) {
        uint8_t b = (uint8_t)(pairs[2 * i + 1] & 0xf);
        if (i + 1 < n) b |= (uint8_t)((pairs[2 * i + 3] & 0xf) << 4);
        put(w, &b, 1);
    }
}

static void put_sets(writer *w, const pt_tally *t)
{
    for (unsigned s = 0; s < N_SHARDS; s++) {
        size_t n = pt_fpset_shard_items(t->pieces, s, NULL, NULL);
        uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys);
        uint8_t *tiers = pt_xmalloc(n ? n : 1);
        pt_fpset_shard_items(t->pieces, s, keys, tiers);
        uint64_t *pairs = pt_xmalloc((n ? n : 1) * 2 * sizeof *pairs);
        for (size_t i = 0; i < n; i++) {
            pairs[2 * i] = keys[i];
            pairs[2 * i + 1] = tiers[i];
        }
        put_sorted(w, pairs, n, true);
        free(pairs);
        free(keys);
        free(tiers);
    }
    for (unsigned s = 0; s < N_SHARDS; s++) {
        size_t n = pt_hashset_shard_items(t->subjects, s, NULL);
        uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys);
        pt_hashset_shard_items(t->subjects, s, keys);
        uint64_t *pairs = pt_xcalloc((n ? n : 1) * 2, sizeof *pairs);
        for (size_t i = 0; i < n; i++) pairs[2 * i] = keys[i];
        put_sorted(w, pairs, n, false);
        free(pairs);
        free(keys);
    }
}

int pt_tally_save(const pt_tally *t, uint64_t rules_digest, FILE *f, char *err, size_t errlen)
{
    writer w = {f, XXH64_createState(), false};
    XXH64_reset(w.h, 0);
    put(&w, MAGIC, 8);
    uint8_t ver[8] = {PT_STATE_VERSION & 0xff, (PT_STATE_VERSION >> 8) & 0xff, 0, 0, 0, 0, 0, 0};
    put(&w, ver, 8);
    put_u64le(&w, rules_digest);
    put_u64le(&w, t->key_id);
    put_var(&w, t->n_patterns);
    put_var(&w, t->n_inputs);
    for (size_t i = 0; i < t->n_inputs; i++) put_input(&w, t->inputs[i]);
    for (size_t p = 0; p < t->n_patterns; p++) {
        put_var(&w, t->pattern_matched[p]);
        put_var(&w, t->pattern_rejected[p]);
    }
    for (size_t p = 0; p < t->n_patterns; p++) {
        const pt_sample *v;
        size_t n = pt_samples_of(&t->samples, p, &v);
        put_var(&w, n);
        for (size_t i = 0; i < n; i++) {
            put_var(&w, v[i].input);
            put_var(&w, v[i].offset);
            put_str(&w, v[i].value);
        }
    }
    put_sets(&w, t);
    uint64_t sum = XXH64_digest(w.h);
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(sum >> (8 * i));
    if (!w.failed && fwrite(b, 1, 8, f) != 8) w.failed = true;
    XXH64_freeState(w.h);
    if (w.failed || fflush(f) != 0) {
        snprintf(err, errlen, "cannot write the state");
        return -1;
    }
    return 0;
}

/* ---- reading: the whole file is checked first, then parsed from memory ---- */

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

static pt_colstats *get_columns(reader *r, size_t n_patterns)
{
    uint64_t flags = get_var(r);
    if (!flags || r->bad) return NULL;
    pt_colstats *c = pt_colstats_new((flags - 1) & 1);
    c->truncated = ((flags - 1) & 2) != 0;
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
    in->declared = get_var(r);
    in->order = get_var(r);
    char *md5 = get_str(r), *sha = get_str(r);
    snprintf(in->md5, sizeof in->md5, "%s", strlen(md5) == 32 ? md5 : "");
    snprintf(in->sha256, sizeof in->sha256, "%s", strlen(sha) == 64 ? sha : "");
    free(md5);
    free(sha);
    get_counts(r, &in->counts);
    size_t n = get_count(r, 3);
    for (size_t i = 0; i < n && !r->bad; i++) {
        char *kind = get_str(r), *msg = get_str(r);
        uint64_t off = get_var(r);
        pt_errlist_add(&in->errors, kind, off, "%s", msg);
        free(kind);
        free(msg);
    }
    in->columns = get_columns(r, t->n_patterns);
}

static void get_sets(reader *r, pt_tally *t)
{
    for (unsigned s = 0; s < N_SHARDS && !r->bad; s++) {
        size_t n = get_count(r, 1);
        uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys), key = 0;
        for (size_t i = 0; i < n; i++) keys[i] = key += get_var(r);
        if ((size_t)(r->end - r->p) < (n + 1) / 2) r->bad = true;
        for (size_t i = 0; i < n && !r->bad; i++) {
            unsigned tier = (r->p[i / 2] >> (4 * (i % 2))) & 0xf;
            if (tier >= PT_MAX_TIERS) r->bad = true;
            else pt_fpset_add(t->pieces, s, keys[i], tier);
        }
        if (!r->bad) r->p += (n + 1) / 2;
        free(keys);
    }
    for (unsigned s = 0; s < N_SHARDS && !r->bad; s++) {
        size_t n = get_count(r, 1);
        uint64_t *keys = pt_xmalloc((n ? n : 1) * sizeof *keys), key = 0;
        for (size_t i = 0; i < n; i++) keys[i] = key += get_var(r);
        pt_hashset_insert_batch(t->subjects, keys, r->bad ? 0 : n);
        free(keys);
    }
}

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static uint8_t *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = pt_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = pt_xrealloc(buf, cap *= 2);
    }
    *len = n;
    return buf;
}

static pt_tally *parse(reader *r)
{
    size_t n_patterns = get_count(r, 0);
    pt_tally *t = pt_tally_new(n_patterns);
    size_t n_inputs = get_count(r, 8);
    for (size_t i = 0; i < n_inputs && !r->bad; i++) get_input(r, t);
    for (size_t p = 0; p < n_patterns && !r->bad; p++) {
        t->pattern_matched[p] = get_var(r);
        t->pattern_rejected[p] = get_var(r);
    }
    for (size_t p = 0; p < n_patterns && !r->bad; p++) {
        size_t n = get_count(r, 3);
        for (size_t i = 0; i < n && !r->bad; i++) {
            uint64_t input = get_var(r), offset = get_var(r);
            char *v = get_str(r);
            if (input >= t->n_inputs) r->bad = true;
            else pt_samples_add(&t->samples, p, (uint32_t)input, offset, v);
            free(v);
        }
    }
    get_sets(r, t);
    if (r->p != r->end) r->bad = true;
    return t;
}

pt_tally *pt_tally_load(FILE *f, uint64_t rules_digest, char *err, size_t errlen)
{
    size_t len;
    uint8_t *buf = slurp(f, &len);
    const char *why = NULL;
    if (len < 40 || memcmp(buf, MAGIC, 8) != 0) why = "not a pitally state file";
    else if (le64(buf + 8) != PT_STATE_VERSION)
        why = "a state file of another version";
    else if (XXH64(buf, len - 8, 0) != le64(buf + len - 8))
        why = "corrupt or truncated (checksum mismatch)";
    else if (le64(buf + 16) != rules_digest)
        why = "made with other patterns or another policy";
    if (why) {
        if (len >= 16 && !memcmp(buf, MAGIC, 8) && le64(buf + 8) != PT_STATE_VERSION)
            snprintf(err, errlen, "%s (version %llu; this pitally reads version %d)", why,
                     (unsigned long long)le64(buf + 8), PT_STATE_VERSION);
        else
            snprintf(err, errlen, "%s", why);
        free(buf);
        return NULL;
    }
    reader r = {buf + 32, buf + len - 8, false};
    pt_tally *t = parse(&r);
    t->key_id = le64(buf + 24);
    free(buf);
    if (r.bad) {
        pt_tally_free(t);
        snprintf(err, errlen, "malformed contents behind a valid checksum");
        return NULL;
    }
    return t;
}
