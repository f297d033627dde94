/* blocks.c - labelled blocks: one person per block of "label：value" lines, blocks
 * separated by blank lines (printed registration forms, case files, copied web pages):
 *
 *     姓名：张三
 *     身份证号：110105194912310021
 *     手机：13812345678
 *
 *     姓名：李四
 *     ...
 *
 * A block is one record; each line one field, keyed by its label (text before the
 * first full-width or ASCII colon, when that is a short label), or without a key when
 * the line has none. A record ends at a blank line only, so the splitter cuts after the
 * last blank line of a buffer and every chunk holds whole blocks.
 */
#include "internal.h"

#define MAX_LABEL 30   /* bytes: 10 CJK characters */

static bool is_space_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char *t, size_t *b, size_t *e)
{
    while (*b < *e && is_space_byte(t[*b])) ++*b;
    while (*e > *b && is_space_byte(t[*e - 1])) --*e;
}

/* Line t[b..e) (trimmed) as "label：value": true with the label's end *le and the
 * value's start *vb. A label is 1..MAX_LABEL bytes before the first colon, without
 * digits or the bytes of addresses and times ('@', '.', '/'). */
bool pt_blocks_label(const char *t, size_t b, size_t e, size_t *le, size_t *vb)
{
    size_t lim = e - b > MAX_LABEL + 3 ? b + MAX_LABEL + 3 : e;
    for (size_t i = b; i < lim; i++) {
        char c = t[i];
        bool ascii = c == ':';
        bool wide = i + 2 < e && (unsigned char)c == 0xEF && (unsigned char)t[i + 1] == 0xBC &&
                    (unsigned char)t[i + 2] == 0x9A;   /* U+FF1A FULLWIDTH COLON */
        if (ascii || wide) {
            size_t l = i;
            while (l > b && is_space_byte(t[l - 1])) l--;
            if (l == b || l - b > MAX_LABEL) return false;
            *le = l;
            *vb = i + (wide ? 3 : 1);
            return true;
        }
        if ((c >= '0' && c <= '9') || c == '@' || c == '.' || c == '/') return false;
    }
    return false;
}

/* Is t[b..e) only blanks? */
static bool blank(const char *t, size_t b, size_t e)
{
    trim(t, &b, &e);
    return b == e;
}

size_t pt_blocks_cut(const char *t, size_t n)
{
    /* after the last blank line: lines from the end, each ended by a newline */
    size_t e = n;
    for (;;) {
        const char *nl = e ? memrchr(t, '\n', e) : NULL;
        if (!nl) return 0;
        size_t le = (size_t)(nl - t);
        const char *prev = le ? memrchr(t, '\n', le) : NULL;
        size_t lb = prev ? (size_t)(prev - t) + 1 : 0;
        if (blank(t, lb, le)) return le + 1;
        if (!prev) return 0;
        e = le;
    }
}

int pt_blocks_next(pt_reciter *it, pt_record *rec)
{
    const char *t = it->ch.text;
    size_t n = it->ch.len, p = it->pos, start = SIZE_MAX;
    pt_rec_begin(it);
    while (p < n) {
        const char *nl = memchr(t + p, '\n', n - p);
        size_t le = nl ? (size_t)(nl - t) : n, next = nl ? le + 1 : n;
        size_t b = p, e = le;
        trim(t, &b, &e);
        if (b == e) {   /* a blank line: ends the block, if one started */
            p = next;
            if (start != SIZE_MAX) break;
            continue;
        }
        if (start == SIZE_MAX) start = p;
        size_t lab_end, vb;
        if (pt_blocks_label(t, b, e, &lab_end, &vb)) {
            size_t ve = e;
            trim(t, &vb, &ve);
            pt_rec_add(it, t + b, lab_end - b, PT_NO_SCRATCH, t + vb, ve - vb, PT_NO_SCRATCH);
        } else {
            pt_rec_add(it, NULL, 0, PT_NO_SCRATCH, t + b, e - b, PT_NO_SCRATCH);
        }
        p = next;
    }
    it->pos = p;
    if (start == SIZE_MAX) return 0;
    pt_rec_finish(it, rec, start);
    return 1;
}

/* Does t[0..n) hold "\n\n" or "\n\r\n" (an empty line)? A look after each newline:
 * one pass, where a search per pattern read a sample without any (most) twice. */
static bool has_empty_line(const char *t, size_t n)
{
    for (size_t p = 0; p < n;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl) return false;
        p = (size_t)(nl - t) + 1;
        if (p < n && (t[p] == '\n' || (t[p] == '\r' && p + 1 < n && t[p + 1] == '\n'))) return true;
    }
    return false;
}

bool pt_blocks_detect(const char *t, size_t n, bool at_eof)
{
    enum { MAX_LINES = 200, MAX_DISTINCT = 64 };
    size_t lines = 0, labelled = 0, blocks = 0, distinct = 0;
    bool in_block = false;
    struct label { const char *s; size_t len; } seen[MAX_DISTINCT];
    if (!has_empty_line(t, n)) return false;
    for (size_t p = 0; p < n && lines < MAX_LINES;) {
        const char *nl = memchr(t + p, '\n', n - p);
        if (!nl && !at_eof) break;
        size_t le = nl ? (size_t)(nl - t) : n, b = p, e = le;
        p = le + 1;
        trim(t, &b, &e);
        if (b == e) {
            in_block = false;
            continue;
        }
        lines++;
        if (!in_block) blocks++;
        in_block = true;
        size_t lab_end, vb;
        if (!pt_blocks_label(t, b, e, &lab_end, &vb)) continue;
        labelled++;
        bool known = false;
        for (size_t i = 0; i < distinct && !known; i++)
            known = seen[i].len == lab_end - b && memcmp(seen[i].s, t + b, lab_end - b) == 0;
        if (!known && distinct < MAX_DISTINCT) seen[distinct++] = (struct label){t + b, lab_end - b};
    }
    /* Several blocks of two lines or more, four in five lines labelled, and a third of
     * the labels repeating one met before (the same fields, person after person). */
    return blocks >= 2 && lines >= 2 * blocks && labelled >= 4 && labelled * 5 >= lines * 4 &&
           (labelled - distinct) * 3 >= labelled;
}
