/* archive.c - archives through libarchive (containers.h): the walk over members, each
 * a logical input streamed from archive_read_data, archives inside archives opened
 * through read callbacks over the outer member, and the sniff that decides what a file
 * or a member is. Bomb limits (pt_source_options max_output / max_ratio) apply to each
 * member's output.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "internal.h"
#include "pitally/fileio.h"

#define PEEK (4u << 10)            /* bytes of a member looked at before deciding */
#define BLOCK (64u << 10)
#define MEMORY_CAP (256ull << 20)

/* ---- what a file is ---- */

/* A tar header: "ustar" at 257, or a v7 header whose checksum holds. */
static bool is_tar_header(const uint8_t *p, size_t n)
{
    if (n < 512) return false;
    if (memcmp(p + 257, "ustar", 5) == 0) return true;
    unsigned long want = 0, sum = 0;
    size_t i = 148;
    while (i < 156 && p[i] == ' ') i++;
    if (i == 156 || p[i] < '0' || p[i] > '7') return false;
    for (; i < 156 && p[i] >= '0' && p[i] <= '7'; i++) want = want * 8 + (p[i] - '0');
    for (i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : p[i];
    return p[0] != 0 && sum == want;
}

static bool gzip_holds_tar(const uint8_t *head, size_t n)
{
    uint8_t out[512];
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
    z.next_in = (uint8_t *)head;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof out;
    int r = Z_OK;
    while (z.avail_out && r == Z_OK) r = inflate(&z, Z_NO_FLUSH);
    size_t got = sizeof out - z.avail_out;
    inflateEnd(&z);
    return is_tar_header(out, got);
}

pt_container_kind pt_container_sniff(const uint8_t *p, size_t n)
{
    if (n >= 16 && memcmp(p, "SQLite format 3\0", 16) == 0) return PT_CONTAINER_SQLITE;
    if (n >= 8 && memcmp(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) return PT_CONTAINER_XLS;
    if (n >= 4 && (memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "PK\x05\x06", 4) == 0))
        return PT_CONTAINER_ARCHIVE;
    if (n >= 6 && memcmp(p, "7z\xBC\xAF\x27\x1C", 6) == 0) return PT_CONTAINER_ARCHIVE;
    if (n >= 6 && memcmp(p, "Rar!\x1A\x07", 6) == 0) return PT_CONTAINER_ARCHIVE;
    if (is_tar_header(p, n)) return PT_CONTAINER_ARCHIVE;
    if (n >= 2 && p[0] == 0x1F && p[1] == 0x8B)
        return gzip_holds_tar(p, n) ? PT_CONTAINER_ARCHIVE : PT_CONTAINER_NONE;
    if (n >= 6 && memcmp(p, "\xFD" "7zXZ\x00", 6) == 0) return PT_CONTAINER_COMPRESSED;
    if (n >= 4 && memcmp(p, "\x28\xB5\x2F\xFD", 4) == 0) return PT_CONTAINER_COMPRESSED;
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return PT_CONTAINER_COMPRESSED;
    return PT_CONTAINER_NONE;
}

/* ---- names ---- */

static bool valid_utf8(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    while (*p) {
        if (*p < 0x80) { p++; continue; }
        int k = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (k < 0 || (k == 1 && *p < 0xC2)) return false;
        for (int i = 1; i <= k; i++)
            if ((p[i] & 0xC0) != 0x80) return false;
        p += k + 1;
    }
    return true;
}

/* A zip written on a Chinese Windows stores names in GBK without the UTF-8 flag. */
static char *gb18030_to_utf8(const char *s)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return NULL;
    size_t in_left = strlen(s), cap = in_left * 2 + 1, out_left = cap - 1;
    char *out = pt_xmalloc(cap), *o = out, *i = (char *)s;
    size_t r = iconv(cd, &i, &in_left, &o, &out_left);
    iconv_close(cd);
    if (r == (size_t)-1 || in_left) {
        free(out);
        return NULL;
    }
    *o = 0;
    return out;
}

char *pt_member_name(const char *outer, const char *inner)
{
    if (!inner) inner = "";
    for (;;) {
        if (inner[0] == '/') inner++;
        else if (inner[0] == '.' && inner[1] == '/') inner += 2;
        else break;
    }
    char *conv = NULL;
    if (!valid_utf8(inner) && (conv = gb18030_to_utf8(inner)) != NULL) inner = conv;
    if (!*inner) inner = "(no name)";
    size_t a = strlen(outer), b = strlen(inner);
    char *n = pt_xmalloc(a + b + 3);
    snprintf(n, a + b + 3, "%s!/%s", outer, inner);
    free(conv);
    return n;
}

/* ---- the walk ---- */

void pt_walk_input(pt_walk *w, const char *name, pt_raw_input *raw, pt_errlist *errs,
                   pt_format format, const char *format_name)
{
    pt_input_attrs a = w->tmpl;
    a.format = format;
    a.format_name = format_name;
    a.errors = errs;
    /* a sheet's CSV is made from XML (expat) or FreeXL's strings: UTF-8 whatever
     * --encoding says of the files */
    if (format_name && strcmp(format_name, "sqlite") != 0) a.encoding = PT_ENC_UTF8;
    w->opened += pt_scan_input(w->s, name, raw, &a);
    pt_errlist_free(errs);
}

void pt_walk_unread(pt_walk *w, const char *name, const char *kind, uint64_t offset,
                    const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pt_errlist errs = {0};
    pt_errlist_add(&errs, kind, offset, "%s", msg);
    pt_scan_unread(w->s, name, &errs);
    pt_errlist_free(&errs);
}

uint64_t pt_walk_memory_cap(const pt_walk *w)
{
    uint64_t cap = MEMORY_CAP, mo = w->o->source.max_output;
    return mo && mo < cap ? mo : cap;
}

/* A member's data as a stream: the bytes peeked at first, then archive_read_data, with
 * the bomb limits. Used as the engine's raw input, as the source of an inner archive
 * and as the XML of a workbook part. */
typedef struct {
    struct archive *a;
    struct archive_entry *e;
    const pt_source_options *lim;
    const char *name;
    uint8_t *peek;
    size_t peek_len, peek_pos;
    uint64_t out, in_start;
    pt_errlist *errs;
    bool stopped, failed, limited;
    uint8_t *block;            /* an inner archive's read buffer */
} member_stream;

static bool looks_encrypted(member_stream *m, const char *msg)
{
    return (m->e && archive_entry_is_encrypted(m->e)) ||
           (msg && (strstr(msg, "ncrypt") || strstr(msg, "assphrase")));
}

static void data_failed(member_stream *m)
{
    const char *msg = archive_error_string(m->a);
    m->stopped = m->failed = true;
    if (!m->errs) return;
    if (looks_encrypted(m, msg))
        pt_errlist_add(m->errs, "encrypted", m->out, "encrypted member, not read (%s)",
                       msg ? msg : "no passphrase");
    else
        pt_errlist_add(m->errs, "archive", m->out,
                       "damaged or truncated after %llu bytes of this member: %s; what came "
                       "before counts",
                       (unsigned long long)m->out, msg ? msg : "read error");
}

static ssize_t raw_data(member_stream *m, void *buf, size_t cap)
{
    if (m->stopped) return 0;
    if (m->peek_pos < m->peek_len) {
        size_t n = m->peek_len - m->peek_pos;
        if (n > cap) n = cap;
        memcpy(buf, m->peek + m->peek_pos, n);
        m->peek_pos += n;
        return (ssize_t)n;
    }
    if (m->failed) return 0;
    la_ssize_t r = archive_read_data(m->a, buf, cap);
    if (r >= 0) return r;
    data_failed(m);
    return 0;
}

static ssize_t member_read(void *ctx, void *buf, size_t cap)
{
    member_stream *m = ctx;
    ssize_t r = raw_data(m, buf, cap);
    if (r <= 0) return r;
    m->out += (uint64_t)r;
    const pt_source_options *l = m->lim;
    uint64_t consumed = (uint64_t)archive_filter_bytes(m->a, -1) - m->in_start;
    if (consumed == 0) consumed = 1;
    const char *why = NULL;
    if (l->max_output && m->out > l->max_output) {
        r -= (ssize_t)(m->out - l->max_output);
        m->out = l->max_output;
        why = "its output passed --max-output";
    } else if (l->max_ratio && m->out > l->ratio_after && m->out / consumed > l->max_ratio) {
        why = "its output passed --max-ratio times the archive bytes read for it";
    }
    if (why) {
        m->stopped = m->limited = true;
        if (m->errs)
            pt_errlist_add(m->errs, "archive_bomb", m->out,
                           "decompression bomb: %s (%llu bytes out of %llu); stopped there, "
                           "what came before counts",
                           why, (unsigned long long)m->out, (unsigned long long)consumed);
    }
    return r;
}

static void member_start(member_stream *m, struct archive *a, struct archive_entry *e,
                         const pt_walk *w, uint8_t *peek)
{
    *m = (member_stream){.a = a, .e = e, .lim = &w->o->source, .peek = peek};
    m->in_start = (uint64_t)archive_filter_bytes(a, -1);
}

/* Fill the peek buffer (up to PEEK bytes; fewer at the end of the member). A failure
 * is recorded with the member; the bytes peeked are still handed out first. */
static void member_peek(member_stream *m)
{
    while (m->peek_len < PEEK) {
        la_ssize_t r = archive_read_data(m->a, m->peek + m->peek_len, PEEK - m->peek_len);
        if (r == 0) break;
        if (r < 0) {
            m->out = m->peek_len;
            data_failed(m);
            m->out = 0;
            m->stopped = false;     /* hand out what was peeked, then stop */
            break;
        }
        m->peek_len += (size_t)r;
    }
}

static la_ssize_t inner_read(struct archive *inner, void *ctx, const void **buf)
{
    member_stream *m = ctx;
    ssize_t r = member_read(m, m->block, BLOCK);
    if (m->failed) {
        archive_set_error(inner, EIO, "%s", "the outer member is damaged");
        return -1;
    }
    *buf = m->block;
    return r;
}

static struct archive *reader_new(bool raw)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (raw) archive_read_support_format_raw(a);
    return a;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The base name of a compressed single file, without its compression suffix. */
static char *raw_member_name(const char *outer)
{
    const char *slash = strrchr(outer, '/');
    const char *base = slash ? slash + 1 : outer;
    char *n = pt_xstrdup(base);
    static const char *const sfx[] = {".bz2", ".xz", ".zst", ".gz", ".tbz2", ".txz", ".tzst"};
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++)
        if (ends_with(n, sfx[i]) && strlen(n) > strlen(sfx[i])) {
            n[strlen(n) - strlen(sfx[i])] = 0;
            break;
        }
    return n;
}

static void walk_archive(pt_walk *w, struct archive *a, const char *name, int depth,
                         pt_errlist *errs);

bool pt_walk_member(pt_walk *w, size_t index)
{
    const pt_member_share *sh = w->share;
    if (sh && sh->n > 1 && (sh->first + index) % sh->n != sh->k - 1) return false;
    pt_scan_set_order(w->s, w->order + index);
    return true;
}

bool pt_walk_itself(pt_walk *w)
{
    pt_scan_set_order(w->s, w->order + PT_ORDER_CONTAINER);
    return !w->share || w->share->lists_itself;
}

/* Read what is left of a member into memory, up to cap. NULL (and an error listed
 * under name) when larger or damaged. */
static uint8_t *slurp_member(pt_walk *w, member_stream *m, const char *name, size_t *len)
{
    uint64_t cap = pt_walk_memory_cap(w);
    pt_buf b = {0};
    uint8_t *blk = pt_xmalloc(BLOCK);
    for (;;) {
        ssize_t r = member_read(m, blk, BLOCK);
        if (r <= 0) break;
        if (b.len + (size_t)r > cap) {
            pt_errlist_add(m->errs, "unsupported", b.len,
                           "a workbook or database of more than %llu bytes inside an archive is "
                           "not read (it would be held in memory whole); extract it",
                           (unsigned long long)cap);
            break;
        }
        pt_buf_put(&b, blk, (size_t)r);
    }
    free(blk);
    if (m->errs->n) {
        pt_scan_unread(w->s, name, m->errs);
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return (uint8_t *)(b.p ? b.p : pt_xcalloc(1, 1));
}

static void walk_member(pt_walk *w, struct archive *a, struct archive_entry *e,
                        const char *name, int depth, uint8_t *peek)
{
    if (archive_entry_is_encrypted(e)) {
        pt_walk_unread(w, name, "encrypted", 0, "%s", "encrypted member, not read");
        return;
    }
    member_stream m;
    member_start(&m, a, e, w, peek);
    pt_errlist errs = {0};
    m.errs = &errs;
    member_peek(&m);
    if (m.failed && m.peek_len == 0) {
        pt_scan_unread(w->s, name, &errs);
        pt_errlist_free(&errs);
        return;
    }
    pt_container_kind k = m.failed ? PT_CONTAINER_NONE : pt_container_sniff(peek, m.peek_len);
    bool xlsx = k == PT_CONTAINER_ARCHIVE && memcmp(peek, "PK", 2) == 0 &&
                (ends_with(name, ".xlsx") || ends_with(name, ".xlsm"));
    if (k == PT_CONTAINER_NONE) {
        pt_raw_input raw = {.read = member_read, .ctx = &m,
                            .size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0};
        pt_walk_input(w, name, &raw, &errs, PT_FMT_AUTO, NULL);
        return;
    }
    if (depth + 1 > PT_CONTAINER_MAX_DEPTH) {
        pt_walk_unread(w, name, "archive_depth", 0,
                       "a container nested more than %d deep: not opened", PT_CONTAINER_MAX_DEPTH);
    } else if (xlsx || k == PT_CONTAINER_SQLITE) {
        size_t len;
        uint8_t *data = slurp_member(w, &m, name, &len);
        if (data && xlsx) {
            if (!pt_xlsx_scan(w, name, NULL, data, len))
                pt_walk_unread(w, name, "xlsx", 0, "%s",
                               "no xl/workbook.xml: not a readable workbook");
        } else if (data) {
            pt_sqlite_scan(w, name, NULL, data, len);
        }
        free(data);
    } else if (k == PT_CONTAINER_XLS) {
        pt_walk_unread(w, name, "unsupported", 0, "%s",
                       "an OLE2 document (.xls) inside an archive is not read in this build "
                       "(FreeXL reads files only); extract it");
    } else {
        struct archive *inner = reader_new(k == PT_CONTAINER_COMPRESSED);
        m.block = pt_xmalloc(BLOCK);
        if (archive_read_open(inner, &m, NULL, inner_read, NULL) != ARCHIVE_OK) {
            if (!errs.n)
                pt_errlist_add(&errs, "archive", 0, "not readable as an archive: %s",
                               archive_error_string(inner));
        } else {
            walk_archive(w, inner, name, depth + 1, &errs);
        }
        if (errs.n) pt_scan_unread(w->s, name, &errs);
        archive_read_free(inner);
        free(m.block);
    }
    pt_errlist_free(&errs);
}

/* Every member of a, then the container's own errors (with those already in errs)
 * added to errs for the caller to list under name. */
static void walk_archive(pt_walk *w, struct archive *a, const char *name, int depth,
                         pt_errlist *errs)
{
    uint8_t *peek = pt_xmalloc(PEEK);
    size_t members = 0, skipped = 0, failures = 0;
    for (;;) {
        struct archive_entry *e;
        locale_t old = uselocale(w->utf8);
        int r = archive_read_next_header(a, &e);
        uselocale(old);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            const char *msg = archive_error_string(a);
            uint64_t at = (uint64_t)archive_filter_bytes(a, -1);
            bool enc = msg && (strstr(msg, "ncrypt") || strstr(msg, "assphrase"));
            pt_errlist_add(errs, enc ? "encrypted" : "archive", at,
                           "%s after %zu member%s, near byte %llu of the archive: %s%s",
                           enc ? "encrypted, not read" : "damaged or truncated", members,
                           members == 1 ? "" : "s", (unsigned long long)at,
                           msg ? msg : "read error", members ? "; the members before count" : "");
            /* a header that fails (not fatal) is skipped; many in a row: give up */
            if (r == ARCHIVE_FATAL || ++failures > 100) break;
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG) continue;
        bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
        if (!raw && archive_entry_size_is_set(e) && archive_entry_size(e) == 0) {
            skipped++;
            continue;
        }
        size_t index = members++;
        if (depth == 0 && !pt_walk_member(w, index)) continue;   /* another shard's */
        char *mname;
        if (raw) {
            char *base = raw_member_name(name);
            mname = pt_member_name(name, base);
            free(base);
        } else {
            /* libarchive may convert the name only now: in the UTF-8 locale too */
            locale_t old_ = uselocale(w->utf8);
            const char *p = archive_entry_pathname(e);
            mname = pt_member_name(name, p ? p : archive_entry_pathname_utf8(e));
            uselocale(old_);
        }
        walk_member(w, a, e, mname, depth, peek);
        free(mname);
    }
    if (members == 0 && errs->n == 0)
        pt_errlist_add(errs, "no_members", 0, "%s",
                       skipped ? "the archive holds only empty members or directories"
                               : "the archive holds no member");
    free(peek);
}

/* Does the zip at path hold xl/workbook.xml? (Named .xlsx/.xlsm: assumed, and checked
 * by the workbook reader, which gives it back when it is not.) */
static bool zip_is_workbook(const char *path)
{
    if (ends_with(path, ".xlsx") || ends_with(path, ".xlsm")) return true;
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    bool yes = false;
    if (archive_read_open_filename(a, path, BLOCK) == ARCHIVE_OK) {
        struct archive_entry *e;
        int r;
        while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            const char *p = archive_entry_pathname(e);
            if (p && strcasecmp(p, "xl/workbook.xml") == 0) {
                yes = true;
                break;
            }
        }
    }
    archive_read_free(a);
    return yes;
}

long pt_container_scan(pt_scan *s, const char *path, pt_container_kind kind,
                       const pt_input_attrs *attrs, uint64_t order, const pt_member_share *share)
{
    pt_walk w = {.s = s, .o = pt_scan_get_options(s), .share = share, .order = order};
    if (attrs) w.tmpl = *attrs;
    w.tmpl.errors = NULL;
    /* a shard that does not list it scans an archive's members or a database's tables,
     * nothing else (a workbook goes whole to one shard: each would parse its shared
     * strings) */
    if (share && !share->lists_itself &&
        (kind == PT_CONTAINER_XLS || (kind == PT_CONTAINER_ARCHIVE && zip_is_workbook(path))))
        return 0;
    /* made once (loading a locale costs more than reading a small workbook) and kept
     * for the life of the program; only the program's thread walks containers */
    static locale_t utf8;
    if (!utf8) utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!utf8) utf8 = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
    w.utf8 = utf8;
    long ret = 0;
    if (kind == PT_CONTAINER_SQLITE) {
        pt_sqlite_scan(&w, path, path, NULL, 0);
    } else if (kind == PT_CONTAINER_XLS) {
        if (pt_xls_scan(&w, path, path) < 0) ret = -1;
    } else if (kind == PT_CONTAINER_ARCHIVE && zip_is_workbook(path) &&
               pt_xlsx_scan(&w, path, path, NULL, 0)) {
        /* a workbook: its sheets are the inputs */
    } else {
        struct archive *a = reader_new(kind == PT_CONTAINER_COMPRESSED);
        pt_errlist errs = {0};
        if (archive_read_open_filename(a, path, BLOCK) != ARCHIVE_OK)
            pt_errlist_add(&errs, "archive", 0, "not readable as an archive: %s",
                           archive_error_string(a));
        else
            walk_archive(&w, a, path, 0, &errs);
        if (pt_walk_itself(&w) && errs.n) pt_scan_unread(s, path, &errs);
        pt_errlist_free(&errs);
        archive_read_free(a);
    }
    return ret < 0 ? ret : w.opened;
}

/* ---- workbook parts (xlsx.c): a zip from a file or memory, positioned at a part ---- */

struct archive *pt_zip_open_part(const char *path, const void *mem, size_t len,
                                 const char *part, struct archive_entry **entry)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    int r = path ? archive_read_open_filename(a, path, BLOCK) : archive_read_open_memory(a, mem, len);
    if (r == ARCHIVE_OK) {
        struct archive_entry *e;
        while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            const char *p = archive_entry_pathname(e);
            if (p && p[0] == '/') p++;
            if (p && strcasecmp(p, part) == 0) {
                *entry = e;
                return a;
            }
        }
    }
    archive_read_free(a);
    return NULL;
}
