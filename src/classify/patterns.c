/* patterns.c - stage 3a: load the pattern files (*.yaml) into an immutable, shared set.
 *
 * Every file of the directory except policy.yaml is read in sorted name order, every
 * regex is compiled once (PCRE2 UTF + UCP, JIT) and every validator is bound by name,
 * so that workers only match. Everything a user can get wrong in a pattern file is
 * reported as "FILE:LINE: reason" and the scan does not start (SPEC 3): YAML syntax,
 * missing keys, bad regexes (with the PCRE2 message and offset), unknown validators,
 * categories or keys, duplicate ids.
 *
 * For each regex the loader also derives prefilter facts from pcre2_pattern_info (the
 * minimum length, the bytes a match can start with, a byte every match contains), so
 * the scanner can skip most fields without calling PCRE2 at all.
 */
#include "classify_internal.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pitally/validators.h"
#include "../util/yamldoc.h"

#define PT_MAX_PATTERNS 4096

/* ---- loader state and error reporting ------------------------------------------ */

typedef struct {
    char **names;
    size_t n;
    int line;
} pending_yields;

/* Names that are resolved once every file is loaded: a pattern's shape: list, and the
 * patterns of each role of each shape (the same record as yields_to). */
typedef struct {
    pending_yields shapes;                        /* per pattern */
} pending_pattern;

typedef struct {
    pending_yields roles[PT_SHAPE_ROLES_MAX];     /* per shape */
} pending_shape;

typedef struct {
    pt_patterns *ps;
    size_t cap;
    pending_yields *yields;   /* parallel to ps->v until indices are resolved */
    pending_pattern *pend;    /* parallel to ps->v too */
    pending_shape *pend_shapes;   /* parallel to ps->shapes */
    const pt_policy *pol;
    pt_yamldoc doc;
    const char *path;
    char *err;
    size_t errlen;
} loader;

static int fail_at(loader *L, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(loader *L, const char *path, int line, const char *fmt, ...)
{
    int k = snprintf(L->err, L->errlen, "%s:%d: ", path, line);
    if (k >= 0 && (size_t)k < L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err + k, L->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#define FAIL(L, node, ...) fail_at((L), (L)->path, pt_yaml_line(node), __VA_ARGS__)

/* ---- regex compilation and facts --------------------------------------------------- */

static void bits_set(uint64_t bits[4], unsigned c) { bits[(c >> 6) & 3] |= (uint64_t)1 << (c & 63); }

/* Add code unit cu to a byte set the way pcre2_match itself treats a caseless first
 * or required code unit in the 8-bit library: the ASCII other case too. */
static void bits_add_unit(uint64_t bits[4], uint32_t cu)
{
    if (cu > 255) return;
    bits_set(bits, cu);
    if (cu >= 'a' && cu <= 'z') bits_set(bits, cu - 'a' + 'A');
    if (cu >= 'A' && cu <= 'Z') bits_set(bits, cu - 'A' + 'a');
}

/* Facts of regex source src compiled with opts, taken from an unanchored compilation:
 * PCRE2 does not compute start facts for anchored patterns, yet they hold for a field
 * match too (its first byte is the field's first byte). */
static void regex_facts(const char *src, uint32_t opts, pt_regex_facts *f, const pcre2_code *real)
{
    memset(f, 0, sizeof *f);
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
                                   opts & ~(uint32_t)(PCRE2_ANCHORED | PCRE2_ENDANCHORED), &errcode,
                                   &erroff, NULL);
    if (re) {
        uint32_t v = 0, type = 0;
        pcre2_pattern_info(re, PCRE2_INFO_MINLENGTH, &v);
        f->min_length = v;
        pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODETYPE, &type);
        if (type == 1) {
            pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODEUNIT, &v);
            bits_add_unit(f->first, v);
            f->has_first = true;
        } else if (type == 0) {
            const uint8_t *bitmap = NULL;
            pcre2_pattern_info(re, PCRE2_INFO_FIRSTBITMAP, &bitmap);
            if (bitmap) {
                for (unsigned c = 0; c < 256; c++)
                    if ((bitmap[c >> 3] >> (c & 7)) & 1) bits_set(f->first, c);
                f->has_first = true;
            }
        }
        pcre2_pattern_info(re, PCRE2_INFO_LASTCODETYPE, &type);
        if (type == 1) {
            pcre2_pattern_info(re, PCRE2_INFO_LASTCODEUNIT, &v);
            bits_add_unit(f->required, v);
            f->has_required = true;
        }
        pcre2_code_free(re);
    }
    size_t jitsize = 0;
    if (pcre2_pattern_info(real, PCRE2_INFO_JITSIZE, &jitsize) == 0 && jitsize > 0) f->jit = true;
}

static uint32_t regex_options(void)
{
    /* MATCH_INVALID_UTF: hostile input that is not valid UTF-8 is matched safely, and
     * no per-call UTF check scans the whole subject again for every pattern. */
    return PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
}

/* Compile src for pattern field what (value, header, masked). */
static int compile_regex(loader *L, yaml_node_t *node, const char *id, const char *what,
                         uint32_t extra, pcre2_code **out, pt_regex_facts *facts,
                         uint32_t *max_captures)
{
    const char *src = pt_yaml_scalar(node);
    if (!src) return FAIL(L, node, "pattern '%s': %s must be a string", id, what);
    if (!*src) return FAIL(L, node, "pattern '%s': %s regex is empty", id, what);
    int errcode;
    PCRE2_SIZE erroff;
    uint32_t opts = regex_options() | extra;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff,
                                   NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return FAIL(L, node, "pattern '%s': bad %s regex at offset %zu: %s", id, what,
                    (size_t)erroff, (const char *)msg);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);   /* failure only means no JIT */
    uint32_t captures = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &captures);
    if (captures > *max_captures) *max_captures = captures;
    pt_regex_facts local;
    regex_facts(src, opts, facts ? facts : &local, re);
    pt_source_facts(src, facts ? facts : &local);
    if ((facts ? facts : &local)->min_length == 0) {
        pcre2_code_free(re);
        return FAIL(L, node, "pattern '%s': %s regex can match the empty string", id, what);
    }
    *out = re;
    return 0;
}

/* Is every byte of s ASCII? */
static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return false;
    return true;
}

/* src compiled with opts and JIT-compiled, or NULL. */
static pcre2_code *compile_jit_only(const char *src, uint32_t opts)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff,
                                   NULL);
    size_t jitsize = 0;
    if (re && (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0 ||
               pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jitsize) != 0 || jitsize == 0)) {
        pcre2_code_free(re);
        re = NULL;
    }
    return re;
}

/* The ASCII-subject variant of a value or masked regex (see pt_pattern), kept only when
 * it JIT-compiles (NULL otherwise: the UCP regex is used). A source made only of ASCII
 * bytes is compiled without UTF at all: on an ASCII subject a character is a byte, and
 * every item of such a source (literals, classes, \x{hh} below 256) stands for the same
 * characters either way, while the byte-mode JIT skips UTF-8 decoding and the checks of
 * MATCH_INVALID_UTF. A source with UTF-8 in it ("号?" would become two bytes and an
 * optional third) keeps UTF, without UCP; so does one that byte mode refuses
 * (\x{4e00}). */
static pcre2_code *compile_ascii_variant(yaml_node_t *node, uint32_t extra)
{
    const char *src = pt_yaml_scalar(node);
    uint32_t opts = (regex_options() | extra) & ~(uint32_t)PCRE2_UCP;
    pcre2_code *re = NULL;
    if (ascii_only(src)) re = compile_jit_only(src, opts & ~(uint32_t)(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF));
    return re ? re : compile_jit_only(src, opts);
}

/* ---- one pattern ------------------------------------------------------------------- */

static const char *const pattern_keys[] = {
    "id", "category", "identifier", "value", "match", "header", "requires_header", "validator",
    "masked", "normalize", "normalize_tail", "subject_rank", "mask", "yields_to", "description",
    "column_evidence", "shape", "role_only", "subject_kind", NULL};

static int check_keys(loader *L, yaml_node_t *map, const char *const *allowed, const char *what)
{
    for (size_t i = 0; i < pt_yaml_map_len(map); i++) {
        yaml_node_t *kn = pt_yaml_map_key(&L->doc, map, i);
        const char *k = pt_yaml_scalar(kn);
        bool ok = false;
        for (size_t j = 0; k && allowed[j]; j++) ok = ok || strcmp(k, allowed[j]) == 0;
        if (!ok) return FAIL(L, kn, "unknown key '%s' in %s", k ? k : "(non-scalar)", what);
    }
    return 0;
}

static bool id_chars_ok(const char *id)
{
    for (const char *p = id; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return *id != 0;
}

static int get_bool(loader *L, yaml_node_t *map, const char *key, const char *id, bool *out)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, key);
    if (n && pt_yaml_bool(n, out) != 0)
        return FAIL(L, n, "pattern '%s': %s must be true or false", id, key);
    return 0;
}

static int get_uint(loader *L, yaml_node_t *map, const char *key, const char *id, unsigned max,
                    unsigned *out)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, key);
    uint64_t v;
    if (!n) return 0;
    if (pt_yaml_uint(n, &v) != 0 || v > max)
        return FAIL(L, n, "pattern '%s': %s must be an integer 0..%u", id, key, max);
    *out = (unsigned)v;
    return 0;
}

static int parse_match_mode(loader *L, yaml_node_t *map, pt_pattern *p)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "match");
    if (!n) return 0;
    const char *s = pt_yaml_scalar(n);
    if (s && strcmp(s, "field") == 0) p->match = PT_MATCH_FIELD;
    else if (s && strcmp(s, "embedded") == 0) p->match = PT_MATCH_EMBEDDED;
    else return FAIL(L, n, "pattern '%s': match must be 'field' or 'embedded'", p->id);
    return 0;
}

static int parse_normalize(loader *L, yaml_node_t *map, pt_pattern *p)
{
    static const char *const names[] = {"none", "digits", "lower", "upper", "trim"};
    static const pt_norm modes[] = {PT_NORM_NONE, PT_NORM_DIGITS, PT_NORM_LOWER, PT_NORM_UPPER,
                                    PT_NORM_TRIM};
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "normalize");
    if (!n) return 0;
    const char *s = pt_yaml_scalar(n);
    for (size_t i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0) { p->normalize = modes[i]; return 0; }
    return FAIL(L, n, "pattern '%s': normalize must be none, digits, lower, upper or trim", p->id);
}

static int parse_mask(loader *L, yaml_node_t *map, pt_pattern *p)
{
    static const char *const keys[] = {"head", "tail", NULL};
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "mask");
    if (!n) return 0;
    if (n->type != YAML_MAPPING_NODE)
        return FAIL(L, n, "pattern '%s': mask must be a mapping {head: N, tail: N}", p->id);
    if (check_keys(L, n, keys, "mask") != 0) return -1;
    if (get_uint(L, n, "head", p->id, 64, &p->mask_head) != 0) return -1;
    return get_uint(L, n, "tail", p->id, 64, &p->mask_tail);
}

/* column_evidence: {min_pass_percent: P, min_sample: N}: see patterns.h. */
static int parse_column_evidence(loader *L, yaml_node_t *map, pt_pattern *p)
{
    static const char *const keys[] = {"min_pass_percent", "min_sample", NULL};
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "column_evidence");
    if (!n) return 0;
    if (n->type != YAML_MAPPING_NODE)
        return FAIL(L, n, "pattern '%s': column_evidence must be a mapping "
                          "{min_pass_percent: P, min_sample: N}", p->id);
    if (check_keys(L, n, keys, "column_evidence") != 0) return -1;
    if (!p->validator)
        return FAIL(L, n, "pattern '%s': column_evidence needs a validator (it judges a "
                          "column by its validator pass rate)", p->id);
    if (!pt_yaml_get(&L->doc, n, "min_pass_percent") || !pt_yaml_get(&L->doc, n, "min_sample"))
        return FAIL(L, n, "pattern '%s': column_evidence needs min_pass_percent and min_sample",
                    p->id);
    if (get_uint(L, n, "min_pass_percent", p->id, 100, &p->col_min_pass_percent) != 0) return -1;
    if (get_uint(L, n, "min_sample", p->id, 1000000, &p->col_min_sample) != 0) return -1;
    if (p->col_min_sample == 0)
        return FAIL(L, n, "pattern '%s': column_evidence min_sample must be at least 1", p->id);
    p->column_evidence = true;
    return 0;
}

static int parse_validator(loader *L, yaml_node_t *map, pt_pattern *p)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "validator");
    if (!n) return 0;
    const char *s = pt_yaml_scalar(n);
    p->validator = pt_validator_find(s);
    if (!p->validator) {
        char known[256] = "";
        for (const char *const *v = pt_validator_names(); *v; v++) {
            size_t k = strlen(known);
            snprintf(known + k, sizeof known - k, "%s%s", k ? ", " : "", *v);
        }
        return FAIL(L, n, "pattern '%s': unknown validator '%s' (known: %s)", p->id, s ? s : "",
                    known);
    }
    p->validator_name = pt_xstrdup(s);
    return 0;
}

/* A list of ids (a sequence, or one scalar) under key, kept by name until resolved. */
static int parse_names(loader *L, yaml_node_t *map, const char *key, const char *owner,
                       pending_yields *y)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, key);
    if (!n) return 0;
    y->line = pt_yaml_line(n);
    size_t count = n->type == YAML_SEQUENCE_NODE ? pt_yaml_seq_len(n) : 1;
    y->names = pt_xcalloc(count ? count : 1, sizeof *y->names);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = n->type == YAML_SEQUENCE_NODE ? pt_yaml_seq_item(&L->doc, n, i) : n;
        const char *s = pt_yaml_scalar(item);
        if (!s || !*s) return FAIL(L, item, "%s: %s takes ids", owner, key);
        y->names[y->n++] = pt_xstrdup(s);
    }
    return 0;
}

static int parse_yields(loader *L, yaml_node_t *map, pt_pattern *p, pending_yields *y)
{
    char owner[300];
    snprintf(owner, sizeof owner, "pattern '%s'", p->id);
    return parse_names(L, map, "yields_to", owner, y);
}

static int parse_regexes(loader *L, yaml_node_t *map, pt_pattern *p, uint32_t *max_captures)
{
    uint32_t anchor = p->match == PT_MATCH_FIELD ? PCRE2_ANCHORED | PCRE2_ENDANCHORED : 0;
    yaml_node_t *value = pt_yaml_get(&L->doc, map, "value");
    yaml_node_t *header = pt_yaml_get(&L->doc, map, "header");
    yaml_node_t *masked = pt_yaml_get(&L->doc, map, "masked");
    pcre2_code *re = NULL;
    if (!p->fast) p->fast = pt_xcalloc(1, sizeof *p->fast);
    if (header) {
        if (compile_regex(L, header, p->id, "header", PCRE2_CASELESS, &re, NULL, max_captures))
            return -1;
        p->header_re = re;
        p->header_src = pt_xstrdup(pt_yaml_scalar(header));
    }
    if (p->requires_header && !header)
        return FAIL(L, map, "pattern '%s': requires_header is true but there is no header regex",
                    p->id);
    if (!value && !p->requires_header)
        return FAIL(L, map, "pattern '%s': missing value regex (required unless requires_header "
                    "is true)", p->id);
    if (value) {
        if (compile_regex(L, value, p->id, "value", anchor, &re, &p->fast->value_facts, max_captures))
            return -1;
        p->value_re = re;
        p->fast->value_re_ascii = compile_ascii_variant(value, anchor);
        p->value_src = pt_xstrdup(pt_yaml_scalar(value));
        if (p->match == PT_MATCH_FIELD) p->fast->value_scan = pt_field_scanner_for(p->value_src);
    }
    if (masked) {
        if (compile_regex(L, masked, p->id, "masked", anchor, &re, &p->fast->masked_facts, max_captures))
            return -1;
        p->masked_re = re;
        p->fast->masked_re_ascii = compile_ascii_variant(masked, anchor);
        p->masked_src = pt_xstrdup(pt_yaml_scalar(masked));
    }
    return 0;
}

static int parse_id_and_category(loader *L, yaml_node_t *map, pt_pattern *p)
{
    yaml_node_t *idn = pt_yaml_get(&L->doc, map, "id");
    const char *id = pt_yaml_scalar(idn);
    if (!idn) return FAIL(L, map, "pattern without id");
    if (!id || !id_chars_ok(id))
        return FAIL(L, idn, "pattern id must be letters, digits, '_', '-' or '.'");
    for (size_t i = 0; i < L->ps->n; i++)
        if (strcmp(L->ps->v[i].id, id) == 0)
            return FAIL(L, idn, "duplicate pattern id '%s' (first defined at %s:%d)", id,
                        L->ps->v[i].file, L->ps->v[i].line);
    p->id = pt_xstrdup(id);
    yaml_node_t *cn = pt_yaml_get(&L->doc, map, "category");
    const char *cat = pt_yaml_scalar(cn);
    if (!cn) return FAIL(L, map, "pattern '%s': missing category", id);
    p->category = cat ? pt_policy_category(L->pol, cat) : -1;
    if (p->category < 0 || p->category >= PT_MAX_CATEGORIES)
        return FAIL(L, cn, "pattern '%s': unknown category '%s' (not in the policy)", id,
                    cat ? cat : "(non-scalar)");
    return 0;
}

/* The kind of identifier a subject pattern is (subject_kind, default its id): kinds are
 * numbered as first named, 1 to 15 (the low 4 bits of a subject's hash). */
static int parse_subject_kind(loader *L, yaml_node_t *map, pt_pattern *p)
{
    yaml_node_t *n = pt_yaml_get(&L->doc, map, "subject_kind");
    const char *name = n ? pt_yaml_scalar(n) : p->id;
    if (n && (!name || !id_chars_ok(name)))
        return FAIL(L, n, "pattern '%s': subject_kind must be a name", p->id);
    if (!p->subject_rank) {
        if (n) return FAIL(L, n, "pattern '%s': subject_kind needs subject_rank", p->id);
        return 0;
    }
    pt_patterns *ps = L->ps;
    if (!ps->n_subject_kinds) ps->n_subject_kinds = 1;   /* kind 0: none */
    for (size_t k = 1; k < ps->n_subject_kinds; k++)
        if (strcmp(ps->subject_kinds[k], name) == 0) {
            p->subject_kind = (unsigned)k;
            return 0;
        }
    if (ps->n_subject_kinds == PT_SUBJECT_KINDS)
        return FAIL(L, n ? n : map, "pattern '%s': more than %d subject kinds", p->id,
                    PT_SUBJECT_KINDS - 1);
    ps->subject_kinds[ps->n_subject_kinds] = pt_xstrdup(name);
    p->subject_kind = (unsigned)ps->n_subject_kinds++;
    return 0;
}

static int parse_pattern(loader *L, yaml_node_t *map, const char *set, pt_pattern *p,
                         pending_yields *y, pending_pattern *pp)
{
    memset(p, 0, sizeof *p);
    memset(y, 0, sizeof *y);
    memset(pp, 0, sizeof *pp);
    p->category = -1;
    p->mask_head = p->mask_tail = 1;
    p->file = pt_xstrdup(L->path);
    p->set = pt_xstrdup(set);
    p->line = pt_yaml_line(map);
    if (map->type != YAML_MAPPING_NODE) return FAIL(L, map, "a pattern must be a mapping");
    if (check_keys(L, map, pattern_keys, "pattern") != 0) return -1;
    if (parse_id_and_category(L, map, p) != 0) return -1;
    if (get_bool(L, map, "identifier", p->id, &p->identifier) != 0) return -1;
    if (get_bool(L, map, "requires_header", p->id, &p->requires_header) != 0) return -1;
    if (parse_match_mode(L, map, p) != 0) return -1;
    if (parse_regexes(L, map, p, &L->ps->max_captures) != 0) return -1;
    if (parse_validator(L, map, p) != 0) return -1;
    if (parse_normalize(L, map, p) != 0) return -1;
    if (get_uint(L, map, "normalize_tail", p->id, 1024, &p->normalize_tail) != 0) return -1;
    if (get_uint(L, map, "subject_rank", p->id, 1000, &p->subject_rank) != 0) return -1;
    if (parse_mask(L, map, p) != 0) return -1;
    if (parse_column_evidence(L, map, p) != 0) return -1;
    if (parse_subject_kind(L, map, p) != 0) return -1;
    yaml_node_t *d = pt_yaml_get(&L->doc, map, "description");
    if (d) p->description = pt_xstrdup(pt_yaml_scalar(d) ? pt_yaml_scalar(d) : "");
    if (get_bool(L, map, "role_only", p->id, &p->role_only) != 0) return -1;
    char owner[300];
    snprintf(owner, sizeof owner, "pattern '%s'", p->id);
    if (parse_names(L, map, "shape", owner, &pp->shapes) != 0) return -1;
    /* gating happens where a value is judged: a header-only pattern accepts unjudged */
    if ((pp->shapes.n || p->role_only) && !p->value_re)
        return FAIL(L, map, "pattern '%s': shape and role_only need a value regex", p->id);
    return parse_yields(L, map, p, y);
}

/* ---- record shapes ------------------------------------------------------------------- */

static void free_shape(pt_shape *sh, pending_shape *pend)
{
    free(sh->id); free(sh->file); free(sh->description);
    for (size_t r = 0; r < sh->n_roles; r++) {
        free(sh->roles[r].name);
        free(sh->roles[r].patterns);
    }
    for (size_t r = 0; pend && r < PT_SHAPE_ROLES_MAX; r++) {
        for (size_t i = 0; i < pend->roles[r].n; i++) free(pend->roles[r].names[i]);
        free(pend->roles[r].names);
    }
    memset(sh, 0, sizeof *sh);
}

static int parse_role(loader *L, pt_shape *sh, pending_shape *pend, yaml_node_t *key,
                      yaml_node_t *val)
{
    static const char *const keys[] = {"patterns", "min_percent", NULL};
    const char *name = pt_yaml_scalar(key);
    if (!name || !*name) return FAIL(L, key, "shape '%s': a role needs a name", sh->id);
    if (sh->n_roles == PT_SHAPE_ROLES_MAX)
        return FAIL(L, key, "shape '%s': more than %d roles", sh->id, PT_SHAPE_ROLES_MAX);
    if (val->type != YAML_MAPPING_NODE || check_keys(L, val, keys, "shape role") != 0)
        return val->type != YAML_MAPPING_NODE
                   ? FAIL(L, val, "shape '%s': role '%s' must be a mapping", sh->id, name) : -1;
    pt_shape_role *r = &sh->roles[sh->n_roles];
    r->name = pt_xstrdup(name);
    r->min_percent = 80;
    char owner[300];
    snprintf(owner, sizeof owner, "shape '%s' role '%s'", sh->id, name);
    if (get_uint(L, val, "min_percent", owner, 100, &r->min_percent) != 0) return -1;
    if (parse_names(L, val, "patterns", owner, &pend->roles[sh->n_roles++]) != 0) return -1;
    if (!pend->roles[sh->n_roles - 1].n)
        return FAIL(L, val, "shape '%s': role '%s' names no patterns", sh->id, name);
    return 0;
}

static int role_index(const pt_shape *sh, const char *name)
{
    for (size_t r = 0; r < sh->n_roles; r++)
        if (strcmp(sh->roles[r].name, name) == 0) return (int)r;
    return -1;
}

static int parse_alt(loader *L, pt_shape *sh, yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE || !pt_yaml_map_len(map))
        return FAIL(L, map, "shape '%s': an any_of item maps roles to column counts", sh->id);
    if (sh->n_alts == PT_SHAPE_ALTS_MAX)
        return FAIL(L, map, "shape '%s': more than %d alternatives", sh->id, PT_SHAPE_ALTS_MAX);
    pt_shape_alt *a = &sh->alts[sh->n_alts++];
    for (size_t i = 0; i < pt_yaml_map_len(map); i++) {
        yaml_node_t *k = pt_yaml_map_key(&L->doc, map, i);
        yaml_node_t *v = pt_yaml_map_value(&L->doc, map, i);
        const char *name = pt_yaml_scalar(k);
        int r = name ? role_index(sh, name) : -1;
        uint64_t count;
        if (r < 0) return FAIL(L, k, "shape '%s': any_of names unknown role '%s'", sh->id,
                               name ? name : "(non-scalar)");
        if (pt_yaml_uint(v, &count) != 0 || count < 1 || count > 8)
            return FAIL(L, v, "shape '%s': role '%s' wants 1..8 columns", sh->id, name);
        a->min[r] = (uint8_t)count;
    }
    return 0;
}

static int parse_shape(loader *L, yaml_node_t *map, pt_shape *sh, pending_shape *pend)
{
    static const char *const keys[] = {"id", "description", "roles", "any_of", NULL};
    memset(sh, 0, sizeof *sh);
    memset(pend, 0, sizeof *pend);
    sh->file = pt_xstrdup(L->path);
    sh->line = pt_yaml_line(map);
    if (map->type != YAML_MAPPING_NODE) return FAIL(L, map, "a shape must be a mapping");
    if (check_keys(L, map, keys, "shape") != 0) return -1;
    yaml_node_t *idn = pt_yaml_get(&L->doc, map, "id");
    const char *id = idn ? pt_yaml_scalar(idn) : NULL;
    if (!id || !id_chars_ok(id)) return FAIL(L, idn ? idn : map, "a shape needs an id");
    if (pt_patterns_find_shape(L->ps, id) >= 0)
        return FAIL(L, idn, "duplicate shape id '%s'", id);
    sh->id = pt_xstrdup(id);
    yaml_node_t *d = pt_yaml_get(&L->doc, map, "description");
    if (d) sh->description = pt_xstrdup(pt_yaml_scalar(d) ? pt_yaml_scalar(d) : "");
    yaml_node_t *roles = pt_yaml_get(&L->doc, map, "roles");
    yaml_node_t *alts = pt_yaml_get(&L->doc, map, "any_of");
    if (!roles || roles->type != YAML_MAPPING_NODE)
        return FAIL(L, roles ? roles : map, "shape '%s': missing 'roles:' mapping", id);
    if (!alts || alts->type != YAML_SEQUENCE_NODE || !pt_yaml_seq_len(alts))
        return FAIL(L, alts ? alts : map, "shape '%s': missing 'any_of:' sequence", id);
    for (size_t i = 0; i < pt_yaml_map_len(roles); i++)
        if (parse_role(L, sh, pend, pt_yaml_map_key(&L->doc, roles, i),
                       pt_yaml_map_value(&L->doc, roles, i)) != 0)
            return -1;
    for (size_t i = 0; i < pt_yaml_seq_len(alts); i++)
        if (parse_alt(L, sh, pt_yaml_seq_item(&L->doc, alts, i)) != 0) return -1;
    return 0;
}

static int load_shapes_seq(loader *L, yaml_node_t *root)
{
    yaml_node_t *seq = pt_yaml_get(&L->doc, root, "shapes");
    if (!seq) return 0;
    if (seq->type != YAML_SEQUENCE_NODE) return FAIL(L, seq, "'shapes:' must be a sequence");
    for (size_t i = 0; i < pt_yaml_seq_len(seq); i++) {
        pt_patterns *ps = L->ps;
        if (ps->n_shapes == PT_MAX_SHAPES)
            return FAIL(L, seq, "more than %d shapes", PT_MAX_SHAPES);
        ps->shapes = pt_xrealloc(ps->shapes, (ps->n_shapes + 1) * sizeof *ps->shapes);
        L->pend_shapes = pt_xrealloc(L->pend_shapes, (ps->n_shapes + 1) * sizeof *L->pend_shapes);
        int rc = parse_shape(L, pt_yaml_seq_item(&L->doc, seq, i), &ps->shapes[ps->n_shapes],
                             &L->pend_shapes[ps->n_shapes]);
        ps->n_shapes++;   /* counted even when broken, so that cleanup frees it */
        if (rc != 0) return -1;
    }
    return 0;
}

/* ---- files --------------------------------------------------------------------------- */

static void free_pattern(pt_pattern *p)
{
    free(p->id); free(p->set); free(p->file);
    free(p->value_src); free(p->header_src); free(p->masked_src);
    pcre2_code_free((pcre2_code *)p->value_re);
    pcre2_code_free((pcre2_code *)p->header_re);
    pcre2_code_free((pcre2_code *)p->masked_re);
    if (p->fast) {
        pcre2_code_free((pcre2_code *)p->fast->value_re_ascii);
        pcre2_code_free((pcre2_code *)p->fast->masked_re_ascii);
        free(p->fast);
    }
    free(p->validator_name);
    free(p->yields_to);
    free(p->description);
    memset(p, 0, sizeof *p);
}

static void free_yields(pending_yields *y)
{
    for (size_t i = 0; i < y->n; i++) free(y->names[i]);
    free(y->names);
    memset(y, 0, sizeof *y);
}

static void add_set_name(pt_patterns *ps, const char *set)
{
    for (size_t i = 0; i < ps->n_sets; i++)
        if (strcmp(ps->set_names[i], set) == 0) return;
    ps->set_names = pt_xrealloc(ps->set_names, (ps->n_sets + 1) * sizeof *ps->set_names);
    ps->set_names[ps->n_sets++] = pt_xstrdup(set);
}

static void grow(loader *L)
{
    if (L->ps->n < L->cap) return;
    L->cap = L->cap ? L->cap * 2 : 32;
    L->ps->v = pt_xrealloc(L->ps->v, L->cap * sizeof *L->ps->v);
    L->yields = pt_xrealloc(L->yields, L->cap * sizeof *L->yields);
    L->pend = pt_xrealloc(L->pend, L->cap * sizeof *L->pend);
}

static int load_patterns_seq(loader *L, yaml_node_t *root, const char *set)
{
    static const char *const top_keys[] = {"set", "description", "patterns", "shapes", NULL};
    if (check_keys(L, root, top_keys, "pattern file") != 0) return -1;
    yaml_node_t *seq = pt_yaml_get(&L->doc, root, "patterns");
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return FAIL(L, seq ? seq : root, "missing 'patterns:' sequence");
    for (size_t i = 0; i < pt_yaml_seq_len(seq); i++) {
        grow(L);
        pt_pattern *p = &L->ps->v[L->ps->n];
        pending_yields *y = &L->yields[L->ps->n];
        int rc = parse_pattern(L, pt_yaml_seq_item(&L->doc, seq, i), set, p, y, &L->pend[L->ps->n]);
        L->ps->n++;   /* counted even when broken, so that cleanup frees it */
        if (rc != 0) return -1;
    }
    return load_shapes_seq(L, root);
}

static int load_file(loader *L, const char *path, const char *fname)
{
    if (pt_yamldoc_load(&L->doc, path, L->err, L->errlen) != 0) return -1;
    L->path = path;
    yaml_node_t *root = pt_yaml_root(&L->doc);
    int rc;
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = FAIL(L, root, "a pattern file must be a mapping with 'patterns:'");
    } else {
        char set[256];
        snprintf(set, sizeof set, "%.*s", (int)(strlen(fname) - 5), fname);   /* minus .yaml */
        yaml_node_t *sn = pt_yaml_get(&L->doc, root, "set");
        if (sn && !pt_yaml_scalar(sn)) rc = FAIL(L, sn, "set must be a string");
        else {
            if (sn) snprintf(set, sizeof set, "%s", pt_yaml_scalar(sn));
            add_set_name(L->ps, set);
            rc = load_patterns_seq(L, root, set);
        }
    }
    pt_yamldoc_free(&L->doc);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pattern_file(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".yaml") == 0 && strcmp(name, "policy.yaml") != 0 &&
           name[0] != '.';
}

/* Sorted *.yaml names of dir (without policy.yaml). */
static int list_files(loader *L, const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    *names = NULL;
    *n = 0;
    if (!d) return fail_at(L, dir, 0, "cannot open pattern directory");
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_pattern_file(e->d_name)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *names = pt_xrealloc(*names, cap * sizeof **names);
        }
        (*names)[(*n)++] = pt_xstrdup(e->d_name);
    }
    closedir(d);
    if (*n) qsort(*names, *n, sizeof **names, cmp_str);
    return 0;
}

/* ---- yields_to: resolve ids and order the evaluation -------------------------------- */

static int resolve_yields(loader *L)
{
    pt_patterns *ps = L->ps;
    for (size_t i = 0; i < ps->n; i++) {
        pending_yields *y = &L->yields[i];
        if (!y->n) continue;
        ps->v[i].yields_to = pt_xcalloc(y->n, sizeof(int));
        for (size_t k = 0; k < y->n; k++) {
            int j = pt_patterns_find(ps, y->names[k]);
            if (j < 0 || (size_t)j == i)
                return fail_at(L, ps->v[i].file, y->line, "pattern '%s': yields_to names %s '%s'",
                               ps->v[i].id, j < 0 ? "unknown pattern" : "itself", y->names[k]);
            ps->v[i].yields_to[ps->v[i].n_yields_to++] = j;
        }
    }
    return 0;
}

/* shape: lists of the patterns and the patterns of each shape's roles, by index. */
static int resolve_shapes(loader *L)
{
    pt_patterns *ps = L->ps;
    for (size_t i = 0; i < ps->n; i++) {
        pending_yields *y = &L->pend[i].shapes;
        for (size_t k = 0; k < y->n; k++) {
            int j = pt_patterns_find_shape(ps, y->names[k]);
            if (j < 0)
                return fail_at(L, ps->v[i].file, y->line, "pattern '%s': shape names unknown "
                               "shape '%s'", ps->v[i].id, y->names[k]);
            ps->v[i].shapes |= (uint32_t)1 << j;
        }
    }
    for (size_t k = 0; k < ps->n_shapes; k++) {
        pt_shape *sh = &ps->shapes[k];
        for (size_t r = 0; r < sh->n_roles; r++) {
            pending_yields *y = &L->pend_shapes[k].roles[r];
            sh->roles[r].patterns = pt_xcalloc(y->n ? y->n : 1, sizeof *sh->roles[r].patterns);
            for (size_t m = 0; m < y->n; m++) {
                int j = pt_patterns_find(ps, y->names[m]);
                if (j < 0)
                    return fail_at(L, sh->file, y->line, "shape '%s' role '%s': unknown pattern "
                                   "'%s'", sh->id, sh->roles[r].name, y->names[m]);
                sh->roles[r].patterns[sh->roles[r].n_patterns++] = (uint32_t)j;
            }
        }
    }
    return 0;
}

/* Subject kinds in the order a report lists them: by the strongest (lowest) subject_rank
 * of their patterns, then as first named. */
static void order_subject_kinds(pt_patterns *ps)
{
    unsigned rank[PT_SUBJECT_KINDS] = {0};
    for (size_t i = 0; i < ps->n; i++) {
        unsigned k = ps->v[i].subject_kind;
        if (k && (!rank[k] || ps->v[i].subject_rank < rank[k])) rank[k] = ps->v[i].subject_rank;
    }
    size_t n = 0;
    for (size_t k = 1; k < ps->n_subject_kinds; k++) {
        size_t j = n++;
        for (; j > 0 && rank[ps->subject_kind_order[j - 1]] > rank[k]; j--)
            ps->subject_kind_order[j] = ps->subject_kind_order[j - 1];
        ps->subject_kind_order[j] = (uint8_t)k;
    }
}

/* Depth-first: a pattern is placed after every pattern it yields to, so the scanner
 * knows their accepted spans when it gets to it. state: 0 new, 1 visiting, 2 placed. */
static int place(loader *L, size_t i, unsigned char *state, size_t *n_order)
{
    pt_patterns *ps = L->ps;
    if (state[i] == 2) return 0;
    if (state[i] == 1)
        return fail_at(L, ps->v[i].file, ps->v[i].line, "pattern '%s': yields_to forms a cycle",
                       ps->v[i].id);
    state[i] = 1;
    for (size_t k = 0; k < ps->v[i].n_yields_to; k++)
        if (place(L, (size_t)ps->v[i].yields_to[k], state, n_order) != 0) return -1;
    state[i] = 2;
    ps->order[(*n_order)++] = i;
    return 0;
}

static int order_patterns(loader *L)
{
    pt_patterns *ps = L->ps;
    ps->order = pt_xcalloc(ps->n ? ps->n : 1, sizeof *ps->order);
    unsigned char *state = pt_xcalloc(ps->n ? ps->n : 1, 1);
    size_t n_order = 0;
    int rc = 0;
    for (size_t i = 0; i < ps->n && rc == 0; i++) rc = place(L, i, state, &n_order);
    free(state);
    return rc;
}

/* ---- public ---------------------------------------------------------------------------- */

int pt_patterns_load(pt_patterns *ps, const char *dir, const pt_policy *pol, char *err,
                     size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    loader L = {.ps = ps, .pol = pol, .err = err, .errlen = errlen};
    char **names;
    size_t n_names;
    int rc = list_files(&L, dir, &names, &n_names);
    if (rc == 0 && n_names == 0) rc = fail_at(&L, dir, 0, "no pattern files (*.yaml)");
    for (size_t i = 0; i < n_names; i++) {
        if (rc == 0) {
            size_t len = strlen(dir) + strlen(names[i]) + 2;
            char *path = pt_xmalloc(len);
            snprintf(path, len, "%s/%s", dir, names[i]);
            rc = load_file(&L, path, names[i]);
            free(path);
        }
        free(names[i]);
    }
    free(names);
    if (rc == 0 && ps->n > PT_MAX_PATTERNS)   /* scanners index patterns with 16 bits */
        rc = fail_at(&L, dir, 0, "too many patterns (%zu, at most %d)", ps->n, PT_MAX_PATTERNS);
    if (rc == 0) rc = resolve_yields(&L);
    if (rc == 0) rc = resolve_shapes(&L);
    if (rc == 0) order_subject_kinds(ps);
    if (rc == 0) rc = order_patterns(&L);
    if (rc == 0) ps->prefilter = pt_prefilter_new(ps);
    for (size_t i = 0; i < ps->n; i++) {
        free_yields(&L.yields[i]);
        free_yields(&L.pend[i].shapes);
    }
    free(L.yields);
    free(L.pend);
    for (size_t k = 0; k < ps->n_shapes; k++) {
        pending_shape *pend = &L.pend_shapes[k];
        for (size_t r = 0; r < PT_SHAPE_ROLES_MAX; r++) free_yields(&pend->roles[r]);
    }
    free(L.pend_shapes);
    if (rc != 0) pt_patterns_free(ps);
    return rc;
}

void pt_patterns_free(pt_patterns *ps)
{
    for (size_t i = 0; i < ps->n; i++) free_pattern(&ps->v[i]);
    free(ps->v);
    for (size_t i = 0; i < ps->n_sets; i++) free(ps->set_names[i]);
    free(ps->set_names);
    free(ps->order);
    for (size_t k = 0; k < ps->n_shapes; k++) free_shape(&ps->shapes[k], NULL);
    free(ps->shapes);
    for (size_t k = 0; k < PT_SUBJECT_KINDS; k++) free(ps->subject_kinds[k]);
    pt_prefilter_free(ps->prefilter);
    memset(ps, 0, sizeof *ps);
}

int pt_patterns_find(const pt_patterns *ps, const char *id)
{
    for (size_t i = 0; id && i < ps->n; i++)
        if (strcmp(ps->v[i].id, id) == 0) return (int)i;
    return -1;
}

int pt_patterns_find_shape(const pt_patterns *ps, const char *id)
{
    for (size_t k = 0; id && k < ps->n_shapes; k++)
        if (ps->shapes[k].id && strcmp(ps->shapes[k].id, id) == 0) return (int)k;
    return -1;
}
