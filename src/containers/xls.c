/* xls.c - an .xls workbook (BIFF in an OLE2 compound file) through FreeXL: each sheet
 * an input, book.xls!/SHEET, produced as CSV one row at a time (FreeXL itself holds the
 * parsed workbook in memory). Number cells of 16 or more digits are left empty and
 * counted in one "number_precision" error per sheet, as for .xlsx. An OLE2 file that
 * is not a workbook (a .doc) is handed back to the caller, which reads it as a plain
 * input (the engine then reports it as binary).
 */
#include <freexl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

typedef struct {
    const void *h;
    unsigned rows, row;
    unsigned short cols;
    pt_buf line;
    size_t pos;
    uint64_t out, lossy;
    uint64_t lines;        /* newlines given out so far, blank ones included */
    uint64_t blanks;       /* blank lines due before the row in line */
    char first_lossy[64];
    uint64_t first_lossy_off;
    pt_errlist *errs;
} xls_stream;

static void put_row(xls_stream *x)
{
    x->line.len = 0;
    x->pos = 0;
    int values = 0;
    for (unsigned short c = 0; c < x->cols; c++) {
        if (c) pt_buf_put(&x->line, ",", 1);
        FreeXL_CellValue v;
        if (freexl_get_cell_value(x->h, x->row, c, &v) != FREEXL_OK) continue;
        char num[40];
        int k = 0;
        size_t before = x->line.len;
        switch (v.type) {
        case FREEXL_CELL_INT:
            k = snprintf(num, sizeof num, "%d", v.value.int_value);
            pt_buf_put(&x->line, num, (size_t)k);
            break;
        case FREEXL_CELL_DOUBLE:
            k = snprintf(num, sizeof num, "%.15g", v.value.double_value);
            if (pt_number_lossy(num, (size_t)k)) {
                if (x->lossy++ == 0) {
                    snprintf(x->first_lossy, sizeof x->first_lossy, "row %u, column %u = %s",
                             x->row + 1, (unsigned)c + 1, num);
                    x->first_lossy_off = x->out;
                }
            } else {
                pt_buf_put(&x->line, num, (size_t)k);
            }
            break;
        case FREEXL_CELL_TEXT:
        case FREEXL_CELL_SST_TEXT:
        case FREEXL_CELL_DATE:
        case FREEXL_CELL_DATETIME:
        case FREEXL_CELL_TIME:
            if (v.value.text_value)
                pt_buf_csv_field(&x->line, v.value.text_value, strlen(v.value.text_value));
            break;
        default:
            break;
        }
        values += x->line.len > before;
    }
    if (!values) {
        x->line.len = 0;
        return;
    }
    pt_buf_put(&x->line, "\n", 1);
    /* a blank line for each empty row above, so that the row's line is its row number
     * in Excel, as for .xlsx (sheetxml.c); a line break in a cell above took one */
    x->blanks = x->row > x->lines ? x->row - x->lines : 0;
    x->lines += x->blanks;
    for (size_t i = 0; i < x->line.len; i++) x->lines += x->line.p[i] == '\n';
}

static ssize_t xls_read(void *ctx, void *buf, size_t cap)
{
    xls_stream *x = ctx;
    while (x->pos == x->line.len) {
        if (x->row >= x->rows) {
            if (x->lossy) {
                pt_errlist_add(x->errs, "number_precision", x->first_lossy_off,
                               "%llu number cell%s of 16 or more digits (first: %s): Excel "
                               "keeps 15 significant digits, so an ID or card number stored as "
                               "a number has lost its last digits; left empty, not counted",
                               (unsigned long long)x->lossy, x->lossy == 1 ? "" : "s",
                               x->first_lossy);
                x->lossy = 0;
            }
            return 0;
        }
        put_row(x);
        x->row++;
    }
    if (x->blanks) {
        size_t n = x->blanks < cap ? x->blanks : cap;
        memset(buf, '\n', n);
        x->blanks -= n;
        x->out += n;
        return (ssize_t)n;
    }
    size_t n = x->line.len - x->pos;
    if (n > cap) n = cap;
    memcpy(buf, x->line.p + x->pos, n);
    x->pos += n;
    x->out += n;
    return (ssize_t)n;
}

int pt_xls_scan(pt_walk *w, const char *name, const char *path)
{
    const void *h = NULL;
    int r = freexl_open(path, &h);
    if (r != FREEXL_OK) {
        if (h) freexl_close(h);
        size_t n = strlen(name);
        if (n < 4 || strcasecmp(name + n - 4, ".xls") != 0) return -1;
        pt_walk_unread(w, name, "xls", 0, "FreeXL cannot read the workbook (error %d)", r);
        return 0;
    }
    unsigned int info = 0, sheets = 0;
    if (freexl_get_info(h, FREEXL_BIFF_PASSWORD, &info) == FREEXL_OK && info == FREEXL_BIFF_OBFUSCATED) {
        pt_walk_unread(w, name, "encrypted", 0, "%s", "a password-protected workbook: not read");
        freexl_close(h);
        return 0;
    }
    freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &sheets);
    for (unsigned i = 0; i < sheets && i < 65535; i++) {
        const char *sn = NULL;
        char fallback[32];
        if (freexl_get_worksheet_name(h, (unsigned short)i, &sn) != FREEXL_OK || !sn) {
            snprintf(fallback, sizeof fallback, "sheet%u", i + 1);
            sn = fallback;
        }
        char *iname = pt_member_name(name, sn);
        pt_errlist errs = {0};
        xls_stream x = {.h = h, .errs = &errs};
        if (freexl_select_active_worksheet(h, (unsigned short)i) != FREEXL_OK ||
            freexl_worksheet_dimensions(h, &x.rows, &x.cols) != FREEXL_OK) {
            pt_walk_unread(w, iname, "xls", 0, "%s", "FreeXL cannot read this sheet");
        } else {
            pt_raw_input raw = {.read = xls_read, .ctx = &x};
            pt_walk_input(w, iname, &raw, &errs, PT_FMT_CSV, "xls");
        }
        free(x.line.p);
        pt_errlist_free(&errs);
        free(iname);
    }
    if (sheets == 0) pt_walk_unread(w, name, "no_members", 0, "%s", "the workbook lists no sheet");
    freexl_close(h);
    return 0;
}
