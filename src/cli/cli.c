/* cli.c - `pitally scan | patterns | explain`: parses the command line of SPEC section 4,
 * loads the policy and pattern sets once, runs the library, prints the reports and
 * picks the exit status. No counting or legal logic lives here. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nightly.h"
#include "runrecord.h"
#include "pitally/classify.h"
#include "pitally/fileio.h"
#include "pitally/pipeline.h"
#include "pitally/report.h"
#include "../report/evmerge.h"
#include "pitally/validators.h"

#define EXIT_REPORT_WRITE 4

static const char usage_text[] =
    "usage: pitally scan [OPTIONS] PATH...      text report on stdout\n"
    "  PATH may be - (standard input); -- ends the options, so that a PATH or VALUE\n"
    "  that starts with - can follow it: pitally explain -- -0123\n"
    "  -j, --threads N            worker threads (default: online CPUs)\n"
    "  --json FILE                machine-readable report (FILE may be -)\n"
    "  --state FILE               the tally (owner-only), to merge with others later\n"
    "  --case-key FILE            key of the case (pitally keygen): the state's fingerprints\n"
    "                             are enciphered under it; default FILE: STATE.key, made if\n"
    "                             absent. Every shard and merge of a case needs the same one\n"
    "  --shard K/N                scan only part K of N of the inputs (docs/shards.md)\n"
    "  --split-above BYTES        with --shard: a text file of BYTES or more (default 64 MiB)\n"
    "                             and more than a shard's share is split into parts\n"
    "  --declare PATH=CATEGORY    declared provenance: inputs matching the glob PATH (or\n"
    "                             under the directory PATH) carry CATEGORY (repeatable)\n"
    "  --evidence DIR             piece list of the most serious tier and samples of the\n"
    "                             others (CSV, values as found: keep DIR in the lab)\n"
    "  --sample N  --seed S       sample size per tier (400) and its seed (0)\n"
    "  --mask                     mask the values in the evidence files\n"
    "  --html FILE                attachable report: one self-contained page, prints to A4\n"
    "  --lang en|zh               language of the HTML report (zh: the Interpretation's terms)\n"
    "  --patterns DIR             pattern sets (default: the installed ones)\n"
    "  --policy FILE              policy (default: DIR/policy.yaml)\n"
    "  --tier CATEGORY=TIER       override one category's tier (repeatable)\n"
    "  --professional             Art. 5 item (8): thresholds halved\n"
    "  --income CNY               Art. 5 item (7): illegal income\n"
    "  --business-purchase        Art. 6 note: bought for a legitimate business\n"
    "  --format F                 auto|csv|tsv|delimited|jsonl|sql|lines|json|blocks\n"
    "  --encoding E               auto|utf-8|gb18030|utf-16le|utf-16be\n"
    "  --binary skip|scan         binary files (images, archives, executables): skipped\n"
    "                             and reported (default), or read as text anyway\n"
    "  --max-output BYTES         stop inflating one gzip input after BYTES (default 1 TiB)\n"
    "  --max-ratio N              stop a gzip input inflating more than N:1 once past\n"
    "                             64 MiB of output (default 200; 0: no limit)\n"
    "  --delimiter S              field delimiter (e.g. '|', '----', '\\t')\n"
    "  --header yes|no|auto       first row names the columns\n"
    "  --progress auto|always|never   progress on stderr\n"
    "  --baseline PREV.pst        what is new since that state (same rules and case key:\n"
    "                             --case-key FILE, else STATE.key, else PREV.pst.key)\n"
    "  --fail-on serious|especially_serious   exit 5 when the verdict reaches it\n"
    "  --quiet                    no text report, no progress, no notes: errors only\n"
    "  --summary FILE             append one JSON line about the run (- : stderr)\n"
    "  --chunk-size BYTES         bytes per work unit (default 1 MiB)\n"
    "  --max-record BYTES         longest record (default 16 MiB)\n"
    "       pitally merge STATE... [--json FILE] [--state FILE] [--tier ...] [--professional]\n"
    "                             [--income CNY] [--baseline F] [--fail-on L] [--quiet]\n"
    "                             [--summary F] [--partial] [--evidence DIR [--mask]]:\n"
    "                             shards' states as one scan over them all (--partial: some\n"
    "                             shards may be missing; --evidence: shards scanned with\n"
    "                             --state and --evidence, docs/shards.md)\n"
    "       pitally keygen FILE      a new case key (owner-only) for --case-key\n"
    "       pitally verify REPORT.json  hash the inputs again and rerun the recorded scan:\n"
    "                             \"reproduced\" (exit 0), or what differs (exit 1)\n"
    "       pitally review DIR [--confidence 0.95] [--json FILE] [--lang en|zh] [--plan [--assume P]]\n"
    "                             the examiner's marks in an evidence DIR: conservative counts\n"
    "                             and the verdict on them (docs/review.md)\n"
    "       pitally patterns [--check] [--patterns DIR] [--policy FILE]\n"
    "       pitally explain VALUE... [--header H] [--patterns DIR] [--policy FILE]\n"
    "       pitally explain --record HEADER=VALUE...   one record: its record shapes\n"
    "       pitally --version      version, commit, rule-file digests, libraries\n"
    "exit status: 0 scanned, 1 usage, 2 no input could be read, 3 pattern or policy error,\n"
    "             4 the JSON report could not be written, 5 --fail-on level reached\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "pitally: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return PT_EXIT_USAGE;
}

/* --declare PATH=CATEGORY: inputs whose path matches the glob (or lie under the
 * directory) get the category as declared provenance. */
typedef struct {
    char *glob;
    uint64_t mask;
} pt_declare;

/* What every command needs: the policy and the compiled pattern sets. */
typedef struct {
    const char *patterns_dir;
    const char *policy_file;
    char dir_buf[PATH_MAX], policy_buf[PATH_MAX];
    pt_policy policy;
    pt_patterns patterns;
    bool policy_loaded, patterns_loaded;
} rules;

static int load_rules(rules *ru, const char *argv0)
{
    char err[1024];
    if (!ru->patterns_dir) {
        ru->patterns_dir = pt_default_patterns_dir(argv0, ru->dir_buf, sizeof ru->dir_buf);
        if (!ru->patterns_dir) {
            fprintf(stderr, "pitally: no pattern directory found; use --patterns DIR\n");
            return PT_EXIT_PATTERNS;
        }
    }
    if (!ru->policy_file) {
        snprintf(ru->policy_buf, sizeof ru->policy_buf, "%s/policy.yaml", ru->patterns_dir);
        ru->policy_file = ru->policy_buf;
    }
    if (pt_policy_load(&ru->policy, ru->policy_file, err, sizeof err) != 0) {
        fprintf(stderr, "pitally: %s\n", err);
        return PT_EXIT_PATTERNS;
    }
    ru->policy_loaded = true;
    if (pt_patterns_load(&ru->patterns, ru->patterns_dir, &ru->policy, err, sizeof err) != 0) {
        fprintf(stderr, "pitally: %s\n", err);
        return PT_EXIT_PATTERNS;
    }
    ru->patterns_loaded = true;
    return PT_EXIT_OK;
}

static void free_rules(rules *ru)
{
    if (ru->patterns_loaded) pt_patterns_free(&ru->patterns);
    if (ru->policy_loaded) pt_policy_free(&ru->policy);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9') return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool parse_delimiter(const char *s, pt_dialect *d)
{
    if (!strcmp(s, "\\t") || !strcmp(s, "tab") || !strcmp(s, "TAB")) s = "\t";
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof d->delim) return false;
    memcpy(d->delim, s, n + 1);
    d->delim_len = n;
    return true;
}

static bool parse_progress(const char *s, pt_progress_mode *m)
{
    if (!strcmp(s, "auto")) *m = PT_PROGRESS_AUTO;
    else if (!strcmp(s, "always")) *m = PT_PROGRESS_ALWAYS;
    else if (!strcmp(s, "never")) *m = PT_PROGRESS_NEVER;
    else return false;
    return true;
}

enum {
    OPT_JSON = 256, OPT_PATTERNS, OPT_POLICY, OPT_TIER, OPT_PROFESSIONAL, OPT_INCOME,
    OPT_BUSINESS, OPT_FORMAT, OPT_ENCODING, OPT_DELIMITER, OPT_HEADER, OPT_PROGRESS,
    OPT_CHUNK, OPT_MAXREC, OPT_CHECK, OPT_BINARY, OPT_MAX_OUTPUT, OPT_MAX_RATIO, OPT_STATE,
    OPT_DECLARE, OPT_EVIDENCE, OPT_SAMPLE, OPT_SEED, OPT_MASK, OPT_HTML, OPT_LANG, OPT_CASE_KEY,
    OPT_SHARD, OPT_SPLIT_ABOVE,
    OPT_BASELINE, OPT_FAIL_ON, OPT_QUIET, OPT_SUMMARY,  /* nightly jobs (nightly.c) */
    OPT_RECORD, OPT_PARTIAL
};

static const struct option long_options[] = {
    {"threads", required_argument, NULL, 'j'},
    {"json", required_argument, NULL, OPT_JSON},
    {"state", required_argument, NULL, OPT_STATE},
    {"case-key", required_argument, NULL, OPT_CASE_KEY},
    {"partial", no_argument, NULL, OPT_PARTIAL},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"split-above", required_argument, NULL, OPT_SPLIT_ABOVE},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"declare", required_argument, NULL, OPT_DECLARE},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"sample", required_argument, NULL, OPT_SAMPLE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"mask", no_argument, NULL, OPT_MASK},
    {"html", required_argument, NULL, OPT_HTML},
    {"lang", required_argument, NULL, OPT_LANG},
    {"patterns", required_argument, NULL, OPT_PATTERNS},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"tier", required_argument, NULL, OPT_TIER},
    {"professional", no_argument, NULL, OPT_PROFESSIONAL},
    {"income", required_argument, NULL, OPT_INCOME},
    {"business-purchase", no_argument, NULL, OPT_BUSINESS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"delimiter", required_argument, NULL, OPT_DELIMITER},
    {"header", required_argument, NULL, OPT_HEADER},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"chunk-size", required_argument, NULL, OPT_CHUNK},
    {"max-record", required_argument, NULL, OPT_MAXREC},
    {"check", no_argument, NULL, OPT_CHECK},
    {"binary", required_argument, NULL, OPT_BINARY},
    {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
    {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
    {"record", no_argument, NULL, OPT_RECORD},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    pt_scan_options scan;
    const char *json_path;
    const char *header_text;     /* explain --header */
    const char **tiers;          /* --tier specs */
    size_t n_tiers;
    const char *state_path;      /* --state: the tally, for pitally merge */
    const char *case_key_path;   /* --case-key */
    bool partial;                /* merge --partial: some shards may be missing */
    pt_casekey case_key;         /* loaded from it, or beside the state */
    pt_shard shard;              /* --shard K/N; n == 0: every input */
    const char *evidence_dir;    /* --evidence */
    const char *html_path;       /* --html */
    const char *lang;            /* --lang en|zh */
    uint64_t sample_n, seed;     /* --sample (default 400), --seed */
    bool sample_given, seed_given;   /* merge --evidence takes the states' otherwise */
    bool mask;                   /* --mask: evidence values masked */
    const char **declares;       /* --declare PATH=CATEGORY specs */
    size_t n_declares;
    pt_declare *declared;        /* parsed once the policy is loaded */
    char **overrides;            /* the options that change a count or the verdict, for
                                    the run record */
    size_t n_overrides;
    bool check;
    const char *command;         /* "scan" or "merge", for the summary line */
    pt_nightly nightly;          /* --baseline, --fail-on, --quiet, --summary */
    bool record;                 /* explain --record: the values are HEADER=VALUE fields */
} cli_options;

/* An option that can change a count or the verdict goes in the run record: not the
 * outputs, the thread count, the chunk size or the progress display, which never do. */
static void note_override(cli_options *co, int c, int index, const char *arg)
{
    if (c == 'j' || c == 'h' || c == '?' || c == ':' || c == OPT_JSON || c == OPT_STATE ||
        c == OPT_CASE_KEY || c == OPT_FAIL_ON || c == OPT_QUIET || c == OPT_SUMMARY ||
        c == OPT_PROGRESS || c == OPT_CHUNK || c == OPT_CHECK || c == OPT_EVIDENCE ||
        c == OPT_SAMPLE || c == OPT_SEED || c == OPT_MASK || c == OPT_HTML || c == OPT_LANG ||
        c == OPT_RECORD)
        return;
    const char *name = long_options[index].name;
    size_t len = strlen(name) + (arg ? strlen(arg) : 0) + 4;
    char *o = pt_xmalloc(len);
    snprintf(o, len, "--%s%s%s", name, arg ? " " : "", arg ? arg : "");
    co->overrides[co->n_overrides++] = o;
}

/* What the value of an option is, for "--json needs FILE or -". */
static const char *value_of(int opt)
{
    switch (opt) {
    case 'j': return "N (worker threads)";
    case OPT_JSON: return "FILE or - (standard output)";
    case OPT_STATE: case OPT_HTML: case OPT_POLICY: case OPT_CASE_KEY: return "FILE";
    case OPT_EVIDENCE: case OPT_PATTERNS: return "DIR";
    case OPT_DECLARE: return "PATH=CATEGORY";
    case OPT_SHARD: return "K/N (part K of N, 1 <= K <= N)";
    case OPT_SPLIT_ABOVE: return "BYTES (at least 1)";
    case OPT_TIER: return "CATEGORY=TIER";
    case OPT_LANG: return "en or zh";
    case OPT_BASELINE: return "FILE (a state)";
    case OPT_FAIL_ON: return "serious or especially_serious";
    case OPT_SUMMARY: return "FILE or - (standard error)";
    case OPT_HEADER: return "yes, no or auto (explain: the column name)";
    case OPT_PROGRESS: return "auto, always or never";
    case OPT_BINARY: return "skip or scan";
    case OPT_INCOME: return "CNY";
    case OPT_FORMAT: return "auto, csv, tsv, delimited, jsonl, sql or lines";
    case OPT_ENCODING: return "auto, utf-8, gb18030, utf-16le or utf-16be";
    case OPT_DELIMITER: return "S (e.g. '|' or '\\t')";
    default: return "a value";
    }
}

/* getopt said ':' (a value is missing) or '?' (an unknown option): say which, and how
 * to pass a value that starts with '-'. */
static int option_error(int c, char **argv)
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    char msg[256];
    if (c == ':') {
        /* the word as given: -j, --threads or --json (getopt has stepped past it) */
        snprintf(msg, sizeof msg, "%s needs %s", word, value_of(optopt));
        return usage_error("%s", msg);
    }
    if (optopt >= 256) {   /* a long option that takes no value was given one */
        snprintf(msg, sizeof msg, "%.*s takes no value", (int)strcspn(word, "="), word);
        return usage_error("%s", msg);
    }
    if (optopt && strncmp(word, "--", 2) != 0)
        snprintf(msg, sizeof msg, "unknown option '-%c'", optopt);
    else
        snprintf(msg, sizeof msg, "unknown or ambiguous option '%s'", word);
    fprintf(stderr, "pitally: %s (a PATH or VALUE that starts with - goes after --)\n", msg);
    fputs(usage_text, stderr);
    return PT_EXIT_USAGE;
}

/* Parse the options of every command; returns -1 to continue or an exit status. */
static int parse_options(int argc, char **argv, cli_options *co, rules *ru, bool explain)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    co->scan.threads = cpus > 0 ? (unsigned)cpus : 1;
    pt_source_options_default(&co->scan.source);
    co->sample_n = 400;
    co->tiers = calloc((size_t)argc, sizeof *co->tiers);
    co->declares = calloc((size_t)argc, sizeof *co->declares);
    co->overrides = calloc((size_t)argc, sizeof *co->overrides);
    uint64_t v;
    int c;
    optind = 1;
    opterr = 0;   /* option_error says what went wrong, once */
    int index;
    while ((c = getopt_long(argc, argv, ":j:h", long_options, &index)) != -1) {
        if (c == ':' || c == '?') return option_error(c, argv);
        note_override(co, c, index, optarg);
        switch (c) {
        case 'j':
            if (!parse_u64(optarg, &v) || v < 1 || v > 1024) return usage_error("bad thread count '%s'", optarg);
            co->scan.threads = (unsigned)v;
            break;
        case OPT_JSON: co->json_path = optarg; break;
        case OPT_STATE: co->state_path = optarg; break;
        case OPT_CASE_KEY: co->case_key_path = optarg; break;
        case OPT_PARTIAL: co->partial = true; break;
        case OPT_SHARD:
            if (!pt_shard_parse(optarg, &co->shard)) return usage_error("bad shard '%s' (K/N: part K of N, 1 <= K <= N <= 65536)", optarg);
            break;
        case OPT_SPLIT_ABOVE:
            if (!parse_u64(optarg, &v) || v < 1 || v == UINT64_MAX) return usage_error("bad --split-above '%s' (a number of bytes, at least 1)", optarg);
            co->shard.split_min = v;
            break;
        case OPT_BASELINE: co->nightly.baseline_path = optarg; break;
        case OPT_FAIL_ON:
            if (!pt_nightly_parse_fail_on(optarg, &co->nightly.fail_on)) return usage_error("--fail-on takes serious or especially_serious, not '%s'", optarg);
            break;
        case OPT_QUIET: co->nightly.quiet = true; break;
        case OPT_SUMMARY: co->nightly.summary_path = optarg; break;
        case OPT_EVIDENCE: co->evidence_dir = optarg; break;
        case OPT_SAMPLE:
            if (!parse_u64(optarg, &co->sample_n) || co->sample_n > 1000000) return usage_error("bad sample size '%s' (0 to 1000000)", optarg);
            co->sample_given = true;
            break;
        case OPT_SEED:
            if (!parse_u64(optarg, &co->seed)) return usage_error("bad seed '%s' (a whole number)", optarg);
            co->seed_given = true;
            break;
        case OPT_MASK: co->mask = true; break;
        case OPT_HTML: co->html_path = optarg; break;
        case OPT_LANG:
            if (strcmp(optarg, "en") && strcmp(optarg, "zh")) return usage_error("--lang takes en or zh, not '%s'", optarg);
            co->lang = optarg;
            break;
        case OPT_DECLARE: co->declares[co->n_declares++] = optarg; break;
        case OPT_PATTERNS: ru->patterns_dir = optarg; break;
        case OPT_POLICY: ru->policy_file = optarg; break;
        case OPT_TIER: co->tiers[co->n_tiers++] = optarg; break;
        case OPT_PROFESSIONAL: co->scan.facts.professional = true; break;
        case OPT_INCOME:
            if (!parse_u64(optarg, &co->scan.facts.income_cny)) return usage_error("bad income '%s' (whole CNY)", optarg);
            break;
        case OPT_BUSINESS: co->scan.facts.business_purchase = true; break;
        case OPT_FORMAT:
            if (pt_format_parse(optarg, &co->scan.dialect.format)) return usage_error("unknown format '%s'", optarg);
            break;
        case OPT_ENCODING:
            if (pt_encoding_parse(optarg, &co->scan.source.encoding)) return usage_error("unknown encoding '%s'", optarg);
            break;
        case OPT_DELIMITER:
            if (!parse_delimiter(optarg, &co->scan.dialect)) return usage_error("bad delimiter '%s' (1 to 7 bytes)", optarg);
            break;
        case OPT_HEADER:
            if (explain) { co->header_text = optarg; break; }
            if (pt_header_mode_parse(optarg, &co->scan.header)) return usage_error("--header takes yes, no or auto, not '%s'", optarg);
            break;
        case OPT_PROGRESS:
            if (!parse_progress(optarg, &co->scan.progress)) return usage_error("--progress takes auto, always or never, not '%s'", optarg);
            break;
        case OPT_CHUNK:
            if (!parse_u64(optarg, &v) || v < 64 || v > (1ull << 30)) return usage_error("bad chunk size '%s'", optarg);
            co->scan.chunk_size = (size_t)v;
            break;
        case OPT_MAXREC:
            if (!parse_u64(optarg, &v) || v < 64 || v > (1ull << 32)) return usage_error("bad record cap '%s'", optarg);
            co->scan.max_record = (size_t)v;
            break;
        case OPT_CHECK: co->check = true; break;
        case OPT_RECORD: co->record = true; break;
        case OPT_BINARY:
            if (strcmp(optarg, "skip") && strcmp(optarg, "scan")) return usage_error("--binary takes skip or scan, not '%s'", optarg);
            co->scan.source.scan_binary = !strcmp(optarg, "scan");
            break;
        case OPT_MAX_OUTPUT:
            if (!parse_u64(optarg, &co->scan.source.max_output)) return usage_error("bad output cap '%s' (bytes)", optarg);
            break;
        case OPT_MAX_RATIO:
            if (!parse_u64(optarg, &co->scan.source.max_ratio)) return usage_error("bad ratio '%s'", optarg);
            break;
        case 'h': fputs(usage_text, stdout); return PT_EXIT_OK;
        default: return usage_error("%s", "unknown option");
        }
    }
    if (co->nightly.quiet && co->scan.progress == PT_PROGRESS_AUTO) co->scan.progress = PT_PROGRESS_NEVER;
    return -1;
}

static int apply_tier_overrides(rules *ru, const cli_options *co)
{
    char err[512];
    for (size_t i = 0; i < co->n_tiers; i++) {
        if (pt_policy_override(&ru->policy, co->tiers[i], err, sizeof err) != 0) {
            /* the policy's message names the option and the spec already: once is enough */
            if (strncmp(err, "--tier", 6) == 0) fprintf(stderr, "pitally: %s\n", err);
            else fprintf(stderr, "pitally: --tier %s: %s\n", co->tiers[i], err);
            return PT_EXIT_USAGE;
        }
    }
    return PT_EXIT_OK;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --declare specs against the loaded policy; returns an exit status. */
static int parse_declares(cli_options *co, const rules *ru)
{
    co->declared = pt_xcalloc(co->n_declares ? co->n_declares : 1, sizeof *co->declared);
    for (size_t i = 0; i < co->n_declares; i++) {
        const char *spec = co->declares[i], *eq = strrchr(spec, '=');
        int c = eq ? pt_policy_category(&ru->policy, eq + 1) : -1;
        if (!eq || eq == spec || c < 0) {
            fprintf(stderr, "pitally: --declare %s: expected PATH=CATEGORY with a category of the policy:", spec);
            for (size_t k = 0; k < ru->policy.n_categories; k++) fprintf(stderr, " %s", ru->policy.categories[k]);
            fputc('\n', stderr);
            return PT_EXIT_USAGE;
        }
        co->declared[i].glob = pt_xstrndup(spec, (size_t)(eq - spec));
        co->declared[i].mask = 1ull << c;
    }
    return PT_EXIT_OK;
}

/* A glob matches the path itself, or a directory above it. */
static bool declare_matches(const char *glob, const char *path)
{
    if (fnmatch(glob, path, 0) == 0) return true;
    size_t n = strlen(glob);
    while (n > 1 && glob[n - 1] == '/') n--;
    return strncmp(glob, path, n) == 0 && path[n] == '/';
}

static void declared_attrs(void *ctx, const char *path, pt_input_attrs *out)
{
    const cli_options *co = ctx;
    for (size_t i = 0; i < co->n_declares; i++)
        if (declare_matches(co->declared[i].glob, path)) out->declared |= co->declared[i].mask;
}

/* Scan the paths into a new tally: the engine reads what the file walker opens. */
static pt_tally *run_scan(int argc, char **argv, rules *ru, cli_options *co)
{
    pt_tally *t = pt_tally_new(ru->patterns.n);
    t->part_keys_unused = !co->state_path;   /* a split part's key set is for a state */
    if (co->state_path) {                    /* and waits for it on disk, not in memory */
        t->spill_open = pt_scratch_beside;
        t->spill_ctx = (void *)co->state_path;
    }
    pt_scan *s = pt_scan_start(&co->scan, &ru->patterns, &ru->policy, t);
    if (co->evidence_dir && co->scan.pieces)   /* the piece sink's ctx is the evidence */
        pt_scan_set_rejects(s, pt_evidence_rejected, co->scan.pieces->ctx);
    pt_scan_paths_shard(s, (const char *const *)argv + optind, (size_t)(argc - optind),
                        co->shard.n ? &co->shard : NULL, co->scan.progress,
                        co->n_declares ? declared_attrs : NULL, co);
    pt_scan_finish(s);
    return t;
}

typedef struct {
    const pt_tally *t;
    uint64_t digest;
    FILE *section;               /* the evidence kept for merge --evidence, or NULL */
} state_job;

static int write_state(FILE *f, void *ctx)
{
    const state_job *j = ctx;
    char err[256];
    int rc = pt_tally_save_section(j->t, j->digest, j->section, f, err, sizeof err);
    if (rc != 0) fprintf(stderr, "pitally: %s\n", err);
    return rc;
}

static uint64_t digest_of(const rules *ru, const cli_options *co)
{
    return pt_rules_digest(ru->patterns_dir, ru->policy_file, co->tiers, co->n_tiers);
}

/* The state file holds fingerprints of personal data: owner-only (0600). */
static int save_state(const char *path, const pt_tally *t, const rules *ru, const cli_options *co,
                      pt_evidence *ev)
{
    char err[1024] = "";
    state_job j = {t, digest_of(ru, co), ev ? pt_evidence_section(ev, err, sizeof err) : NULL};
    if (ev && !j.section && err[0]) {
        fprintf(stderr, "pitally: cannot write the state's evidence: %s\n", err);
        return EXIT_REPORT_WRITE;
    }
    int rc = pt_output_to_path(path, write_state, &j, 0600, err, sizeof err);
    if (j.section) fclose(j.section);
    if (rc != 0) {
        fprintf(stderr, "pitally: cannot write the state: %s\n", err);
        return EXIT_REPORT_WRITE;
    }
    return PT_EXIT_OK;
}

/* The report sinks the command line asked for, each to its path (at the same time:
 * pt_reports_to_paths); failures named in this order. */
static int write_reports(const cli_options *co, const pt_scan_result *r, const rules *ru)
{
    static const char *const what[] = {"text report", "JSON report", "HTML report"};
    pt_report_sink sinks[] = {
        {(co->json_path && !strcmp(co->json_path, "-")) || co->nightly.quiet ? NULL : "-",
         pt_report_text, 0, ""},
        {co->json_path, pt_report_json, 0, ""},
        {co->html_path, pt_report_html, 0, ""},
    };
    size_t n = sizeof sinks / sizeof *sinks;
    if (!pt_reports_to_paths(sinks, n, r, &ru->policy, &ru->patterns)) return PT_EXIT_OK;
    for (size_t i = 0; i < n; i++)
        if (sinks[i].path && sinks[i].rc != 0)
            fprintf(stderr, "pitally: cannot write the %s: %s\n", what[i], sinks[i].err);
    return EXIT_REPORT_WRITE;
}

/* Never silent: every input that gave no record is named on stderr with the reason,
 * whatever the reports say (a --json - run has no text report). */
static void tell_unscanned(const pt_scan_result *r)
{
    for (size_t i = 0; i < r->n_inputs; i++) {
        const pt_input_result *in = &r->inputs[i];
        if (in->counts.records || (in->readable && !in->skipped && in->bytes == 0)) continue;
        if (in->container && in->readable) continue;   /* its members are the inputs */
        const char *why = in->errors.n ? in->errors.v[0].message : "";
        fprintf(stderr, "pitally: %s: %s%s%s\n", in->path, pt_input_status(in), *why ? ": " : "", why);
    }
}

/* Finalise the tally, write the state and the reports, name what was not scanned. */
static int finish_run(pt_tally *t, double started, rules *ru, cli_options *co, pt_run_record *rr,
                      pt_evidence *ev)
{
    int rc = co->state_path && !t->sets_on_disk ? save_state(co->state_path, t, ru, co, ev)
                                                : PT_EXIT_OK;
    int crc = pt_nightly_compare(&co->nightly, t);   /* before the inputs leave t */
    pt_scan_result result;
    pt_scan_result_from_tally(&result, t, &ru->policy, &co->scan.facts);
    result.baseline = pt_nightly_info(&co->nightly);
    pt_tally_free(t);
    result.threads = co->scan.threads ? co->scan.threads : 1;
    result.elapsed_s = seconds_now() - started;
    pt_run_record_end(rr);
    result.run = rr;
    result.lang = co->lang;
    int wrc = write_reports(co, &result, ru);
    if (wrc != PT_EXIT_OK) rc = wrc;
    char err[1024];
    if (ev && pt_evidence_finish(ev, &result, err, sizeof err) != 0) {
        fprintf(stderr, "pitally: cannot write the evidence: %s\n", err);
        rc = EXIT_REPORT_WRITE;
    }
    tell_unscanned(&result);
    if (!result.n_scanned && co->shard.n) {
        /* one shard's part says nothing of the whole collection (an empty part, or one
         * of error entries only, is no failure): the merge decides (docs/shards.md) */
        if (!co->nightly.quiet)
            fprintf(stderr, "pitally: shard %u/%u: no input of this part gave a record (exit 0: "
                    "pitally merge judges the whole collection)\n", co->shard.k, co->shard.n);
    } else if (!result.n_scanned) {
        fprintf(stderr, "pitally: nothing could be scanned: no input gave a record\n");
        if (rc == PT_EXIT_OK) rc = PT_EXIT_NO_INPUT;
    }
    rc = crc != PT_EXIT_OK ? crc : pt_nightly_finish(&co->nightly, &result, &ru->policy, co->command, rc);
    pt_scan_result_free(&result);
    return rc;
}

static int saved_argc;
static char **saved_argv;

static void start_record(pt_run_record *rr, const cli_options *co, const rules *ru)
{
    pt_run_record_start(rr, saved_argc, saved_argv, ru->patterns_dir, ru->policy_file,
                        (const char *const *)co->overrides, co->n_overrides);
    if (co->scan.case_key)
        snprintf(rr->case_key_id, sizeof rr->case_key_id, "%016llx",
                 (unsigned long long)co->scan.case_key->id);
}

/* The case key: --case-key FILE, else the one beside --state (made if absent), else
 * none (the all-zero key: nothing is saved). */
static int load_case_key(cli_options *co)
{
    int r = 0;
    if (co->case_key_path) r = pt_case_key_load(co->case_key_path, &co->case_key);
    else if (co->state_path) r = pt_case_key_for_state(co->state_path, &co->case_key);
    else return PT_EXIT_OK;
    if (r != 0) return PT_EXIT_USAGE;
    co->scan.case_key = &co->case_key;
    return PT_EXIT_OK;
}

/* --baseline: load it, and scan under its case key (nightly.c); before any reading. */
static int open_baseline(cli_options *co, const rules *ru)
{
    int rc = pt_nightly_load_baseline(&co->nightly, digest_of(ru, co));
    if (rc == PT_EXIT_OK)
        rc = pt_nightly_case_key(&co->nightly, co->case_key_path, co->state_path, &co->case_key);
    if (rc == PT_EXIT_OK) co->scan.case_key = &co->case_key;
    return rc;
}

static int cmd_scan(int argc, char **argv, rules *ru, cli_options *co)
{
    if (optind >= argc) return usage_error("%s", "scan needs at least one PATH");
    if (co->partial) return usage_error("%s", "--partial is an option of merge");
    for (int i = optind; co->shard.n && i < argc; i++)
        if (!strcmp(argv[i], "-"))   /* each process would read a stream of its own */
            return usage_error("%s", "--shard cannot read standard input (-): name the files");
    if (co->shard.split_min && !co->shard.n)
        return usage_error("%s", "--split-above is an option of scan --shard");
    /* merge --evidence cannot join a split file's parts: a scan with evidence splits none */
    if (co->evidence_dir) co->shard.split_min = UINT64_MAX;
    int rc = co->nightly.baseline_path ? PT_EXIT_OK : load_case_key(co);
    if (rc != PT_EXIT_OK) return rc;
    rc = load_rules(ru, argv[0]);
    if (rc == PT_EXIT_OK) rc = apply_tier_overrides(ru, co);
    if (rc == PT_EXIT_OK) rc = parse_declares(co, ru);
    if (rc == PT_EXIT_OK && co->nightly.baseline_path) rc = open_baseline(co, ru);
    if (rc != PT_EXIT_OK) return rc;
    double started = seconds_now();
    char err[1024];
    pt_evidence *ev = NULL;
    pt_piece_sink sink;
    if (co->evidence_dir) {
        ev = pt_evidence_open(co->evidence_dir, &ru->policy, &ru->patterns, (size_t)co->sample_n,
                              co->seed, co->mask, err, sizeof err);
        if (!ev) {
            fprintf(stderr, "pitally: --evidence: %s\n", err);
            return EXIT_REPORT_WRITE;
        }
        if (co->scan.case_key) pt_evidence_set_case_key(ev, co->scan.case_key);
        if (co->state_path && pt_evidence_capture(ev, err, sizeof err) != 0) {   /* for merge --evidence */
            fprintf(stderr, "pitally: --evidence: %s\n", err);
            pt_evidence_free(ev);
            return EXIT_REPORT_WRITE;
        }
        sink = (pt_piece_sink){ev, pt_evidence_piece, pt_evidence_prepare, pt_evidence_end_batch};
        co->scan.pieces = &sink;
    }
    pt_run_record rr;
    start_record(&rr, co, ru);
    rc = finish_run(run_scan(argc, argv, ru, co), started, ru, co, &rr, ev);
    pt_run_record_free(&rr);
    pt_evidence_free(ev);
    return rc;
}

/* Never silent: a merge of shards that lacks some reports part of the collection as if
 * it were all of it. It is refused unless --partial says it is meant (an intermediate
 * merge of a tree of merges), and then it is said on stderr and in the run record. */
static int check_shards_complete(const pt_tally *t, const cli_options *co)
{
    char missing[256];
    uint32_t n = pt_tally_shards_missing(t, missing, sizeof missing);
    if (!n) return PT_EXIT_OK;
    fprintf(stderr, "pitally: merge: %u of the %u shards are missing (%s)%s\n", n, t->shard_n,
            missing, co->partial ? ": --partial, the reports cover part of the collection"
                                 : ": give every shard's state, or --partial for a merge of some");
    return co->partial ? PT_EXIT_OK : PT_EXIT_USAGE;
}

/* merge --case-key FILE: the states must have been made under that key. */
static int check_merge_key(cli_options *co, const pt_tally *all)
{
    if (pt_case_key_load(co->case_key_path, &co->case_key) != 0) return PT_EXIT_USAGE;
    if (co->case_key.id == all->key_id) return PT_EXIT_OK;
    fprintf(stderr, "pitally: merge: the states were made under another case key than %s "
            "(key id %016llx, not %016llx)\n", co->case_key_path,
            (unsigned long long)all->key_id, (unsigned long long)co->case_key.id);
    return PT_EXIT_USAGE;
}

/* The states, merged in one pass (pt_tally_merge_files), into out when not NULL. */
typedef struct {
    FILE **files;
    size_t k;
    char **names;
    uint64_t digest;
    const pt_tally *base;        /* --baseline, or NULL */
    pt_merge_hooks *hooks;       /* the evidence sections' merge (evmerge.h), or NULL */
    bool evidence;               /* the hooks write an evidence directory (merge --evidence) */
    bool ran;                    /* the merge was run (the hooks used) */
    pt_tally *result;
    int rc;                      /* 0, or -1: a state was refused (said on stderr) */
} merge_job;

static int run_merge(FILE *out, void *ctx)
{
    merge_job *j = ctx;
    char err[512];
    size_t bad = 0;
    j->ran = true;
    for (size_t i = 0; i < j->k; i++) rewind(j->files[i]);
    int rc = pt_tally_merge_files_ev(j->files, j->k, j->digest, j->base, j->hooks, out, &j->result,
                                     &bad, err, sizeof err);
    if (rc == -1) {
        fprintf(stderr, "pitally: merge: %s: %s\n", j->names[bad], err);
        j->rc = -1;
    }
    return rc == 0 ? 0 : -1;
}

static void close_states(merge_job *j)
{
    for (size_t i = 0; j->files && i < j->k; i++)
        if (j->files[i]) fclose(j->files[i]);
    free(j->files);
    j->files = NULL;
}

/* Every state file open, or none (1 after saying which could not be). */
static int open_states(merge_job *j)
{
    j->files = pt_xcalloc(j->k, sizeof *j->files);
    for (size_t i = 0; i < j->k; i++) {
        FILE *f = fopen(j->names[i], "rb");
        if (!f) {
            fprintf(stderr, "pitally: merge: %s: %s\n", j->names[i], strerror(errno));
            close_states(j);
            return PT_EXIT_USAGE;
        }
        j->files[i] = f;
    }
    return PT_EXIT_OK;
}

/* Merge, writing the merged state through the atomic writer when asked. Exit status. */
static int merge_states(merge_job *j, const char *state_path)
{
    if (!state_path) return run_merge(NULL, j) == 0 ? PT_EXIT_OK : PT_EXIT_USAGE;
    char err[1024];
    if (pt_output_to_path(state_path, run_merge, j, 0600, err, sizeof err) == 0) return PT_EXIT_OK;
    if (j->rc < 0) return PT_EXIT_USAGE;
    fprintf(stderr, "pitally: cannot write the state: %s\n", err);
    pt_tally_free(j->result);   /* the report is still made, without the state */
    j->result = NULL;
    if (j->evidence && j->ran) return EXIT_REPORT_WRITE;   /* its directory was written once */
    if (!j->evidence) j->hooks = NULL;   /* only the lost state's section: the report goes on */
    return run_merge(NULL, j) == 0 ? EXIT_REPORT_WRITE : PT_EXIT_USAGE;
}

/* merge --evidence DIR: the directory, its tags under the case key (--case-key, else the
 * key beside the first state), which the states' draws were keyed by too. */
static int open_merge_evidence(cli_options *co, const rules *ru, const char *first, pt_evidence **ev)
{
    *ev = NULL;
    if (!co->evidence_dir) return PT_EXIT_OK;
    size_t n = strlen(first) + 5;
    char beside[n];
    snprintf(beside, n, "%s.key", first);
    const char *key = co->case_key_path ? co->case_key_path : beside;
    if (!co->case_key_path && access(beside, F_OK) != 0)
        return usage_error("merge --evidence needs the case key the shards were scanned under: "
                           "--case-key FILE (none beside %s)", first);
    if (pt_case_key_load(key, &co->case_key) != 0) return PT_EXIT_USAGE;
    char err[1024];
    *ev = pt_evidence_open(co->evidence_dir, &ru->policy, &ru->patterns, (size_t)co->sample_n,
                           co->seed, co->mask, err, sizeof err);
    if (!*ev) {
        fprintf(stderr, "pitally: --evidence: %s\n", err);
        return EXIT_REPORT_WRITE;
    }
    pt_evidence_merge_keys(*ev, &co->case_key);
    return PT_EXIT_OK;
}

/* pitally merge STATE...: the tallies of shards, as one scan over all their inputs,
 * merged in one pass over the files in bounded memory. */
static int cmd_merge(int argc, char **argv, rules *ru, cli_options *co)
{
    if (optind >= argc) return usage_error("%s", "merge needs at least one STATE file");
    if (co->shard.n) return usage_error("%s", "--shard is an option of scan: merge takes every shard's state");
    if (co->shard.split_min) return usage_error("%s", "--split-above is an option of scan --shard");
    int rc = load_rules(ru, argv[0]);
    if (rc == PT_EXIT_OK) rc = apply_tier_overrides(ru, co);
    if (rc != PT_EXIT_OK) return rc;
    double started = seconds_now();
    merge_job j = {.k = (size_t)(argc - optind), .names = argv + optind, .digest = digest_of(ru, co)};
    if (co->nightly.baseline_path &&
        (rc = pt_nightly_load_baseline(&co->nightly, j.digest)) != PT_EXIT_OK)
        return rc;
    j.base = co->nightly.base;
    pt_evidence *ev = NULL;
    rc = open_merge_evidence(co, ru, argv[optind], &ev);
    pt_evmerge *em = NULL;
    if (rc == PT_EXIT_OK && (ev || co->state_path)) {
        size_t n = strlen(co->evidence_dir ? co->evidence_dir : co->state_path) + 8;
        char tmp[n];   /* the merge's temporary files: in the directory, or beside the state */
        snprintf(tmp, n, "%s%s", co->evidence_dir ? co->evidence_dir : co->state_path,
                 co->evidence_dir ? "/.merge" : "");
        em = pt_evmerge_new(ev, &ru->policy, &ru->patterns, co->sample_given, co->seed_given,
                            co->case_key.id, tmp, co->state_path != NULL);
        j.hooks = pt_evmerge_hooks(em);
        j.evidence = ev != NULL;
    }
    if (rc == PT_EXIT_OK) rc = open_states(&j);
    if (rc == PT_EXIT_OK) rc = merge_states(&j, co->state_path);
    close_states(&j);
    if (em && pt_evmerge_dropped(em))
        fprintf(stderr, "pitally: merge: %s has no evidence section: a state merged has none "
                "(merge --evidence will need every shard scanned with --evidence)\n", co->state_path);
    pt_evmerge_free(em);
    if (j.result && co->case_key_path && check_merge_key(co, j.result) != PT_EXIT_OK) rc = PT_EXIT_USAGE;
    if (j.result && co->nightly.baseline_path &&
        pt_nightly_check_key(&co->nightly, j.result->key_id) != PT_EXIT_OK)
        rc = PT_EXIT_USAGE;
    if (j.result && rc != PT_EXIT_USAGE && check_shards_complete(j.result, co) != PT_EXIT_OK)
        rc = PT_EXIT_USAGE;
    if (!j.result || rc == PT_EXIT_USAGE) {
        pt_tally_free(j.result);
        pt_evidence_free(ev);
        return rc == PT_EXIT_OK ? PT_EXIT_USAGE : rc;
    }
    pt_run_record rr;
    start_record(&rr, co, ru);
    snprintf(rr.case_key_id, sizeof rr.case_key_id, "%016llx", (unsigned long long)j.result->key_id);
    int frc = finish_run(j.result, started, ru, co, &rr, ev);
    pt_run_record_free(&rr);
    pt_evidence_free(ev);
    return rc != PT_EXIT_OK ? rc : frc;
}

static int cmd_patterns(char **argv, rules *ru, const cli_options *co)
{
    int rc = load_rules(ru, argv[0]);
    if (rc != PT_EXIT_OK) return rc;
    const pt_patterns *ps = &ru->patterns;
    if (co->check) {
        printf("ok: %zu patterns in %zu sets, policy %s (%zu categories, %zu tiers)\n", ps->n,
               ps->n_sets, ru->policy_file, ru->policy.n_categories, ru->policy.n_tiers);
        return PT_EXIT_OK;
    }
    printf("%-14s %-28s %-22s %-5s %-6s %s\n", "SET", "ID", "CATEGORY", "IDENT", "TIER", "VALIDATOR");
    for (size_t i = 0; i < ps->n; i++) {
        const pt_pattern *p = &ps->v[i];
        int tier = ru->policy.category_tier[p->category];
        printf("%-14s %-28s %-22s %-5s %-6s %s\n", p->set, p->id, ru->policy.categories[p->category],
               p->identifier ? "yes" : "no", ru->policy.tiers[tier].id,
               p->validator_name ? p->validator_name : "-");
    }
    return PT_EXIT_OK;
}

static int cmd_explain(int argc, char **argv, rules *ru, cli_options *co)
{
    if (optind >= argc) return usage_error("%s", "explain needs a VALUE");
    int rc = load_rules(ru, argv[0]);
    if (rc == PT_EXIT_OK) rc = apply_tier_overrides(ru, co);
    if (rc != PT_EXIT_OK) return rc;
    if (co->record) {   /* the values are the fields of one record */
        if (pt_explain_record(&ru->patterns, &ru->policy, (const char *const *)argv + optind,
                              (size_t)(argc - optind), stdout) < 0)
            return usage_error("%s", "explain --record takes HEADER=VALUE fields");
        return PT_EXIT_OK;
    }
    pt_explain(&ru->patterns, &ru->policy, argv[optind], co->header_text, stdout);
    if (argc - optind > 1)   /* several values: also judged together, as one column */
        pt_explain_column(&ru->patterns, &ru->policy, (const char *const *)argv + optind,
                          (size_t)(argc - optind), co->header_text, stdout);
    return PT_EXIT_OK;
}

int pt_cli_main(int argc, char **argv)
{
    if (argc < 2) return usage_error("%s", "a command is needed: scan, merge, verify, review, keygen, patterns or explain");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) return pt_cli_version(argv[0]);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return PT_EXIT_OK;
    }
    bool is_scan = !strcmp(cmd, "scan"), is_patterns = !strcmp(cmd, "patterns");
    if (!strcmp(cmd, "verify")) return pt_cmd_verify(argc, argv);
    if (!strcmp(cmd, "review")) return pt_cmd_review(argc, argv);
    if (!strcmp(cmd, "keygen")) return pt_cmd_keygen(argc, argv);
    bool is_explain = !strcmp(cmd, "explain"), is_merge = !strcmp(cmd, "merge");
    if (!is_scan && !is_patterns && !is_explain && !is_merge)
        return usage_error("unknown command '%s'", cmd);

    /* the whole command line as given, for the run record (getopt reorders argv) */
    saved_argc = argc;
    saved_argv = pt_xmalloc(((size_t)argc + 1) * sizeof *saved_argv);
    memcpy(saved_argv, argv, ((size_t)argc + 1) * sizeof *saved_argv);
    /* the options follow the command: parse argv[1..] with the command as argv[0] */
    argv[1] = argv[0];
    rules ru = {0};
    cli_options co = {0};
    co.command = cmd;
    int rc = parse_options(argc - 1, argv + 1, &co, &ru, is_explain);
    if (rc < 0) {
        if (is_scan) rc = cmd_scan(argc - 1, argv + 1, &ru, &co);
        else if (is_merge) rc = cmd_merge(argc - 1, argv + 1, &ru, &co);
        else if (is_patterns) rc = cmd_patterns(argv + 1, &ru, &co);
        else rc = cmd_explain(argc - 1, argv + 1, &ru, &co);
    }
    free(co.tiers);
    for (size_t i = 0; co.declared && i < co.n_declares; i++) free(co.declared[i].glob);
    free(co.declared);
    free(co.declares);
    for (size_t i = 0; i < co.n_overrides; i++) free(co.overrides[i]);
    free(co.overrides);
    if (is_scan || is_merge) rc = pt_nightly_unfinished(&co.nightly, cmd, rc);
    pt_nightly_free(&co.nightly);
    pt_casekey_clear(&co.case_key);
    free(saved_argv);
    free_rules(&ru);
    return rc;
}
