/* sqlite.c - an SQLite database: each table is an input, app.db!/TABLE, produced as CSV
 * on the fly (the column names from the schema as the header row, then one line per
 * sqlite3_step, so memory holds one row). The file is opened read-only and immutable
 * (file:PATH?immutable=1), so nothing (no journal, no -wal or -shm) is written next to
 * the evidence; a database found inside an archive is read from memory
 * (sqlite3_deserialize, read-only).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    sqlite3_stmt *st;
    pt_buf line;
    size_t pos;
    uint64_t out, rows, lossy;
    char first_lossy[96];
    uint64_t first_lossy_off;
    pt_errlist *errs;
    bool header_done, done;
} table_stream;

static bool blob_is_text(const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] == 0) return false;
    return true;
}

static void put_row(table_stream *t)
{
    int cols = sqlite3_column_count(t->st);
    t->line.len = 0;
    t->pos = 0;
    for (int i = 0; i < cols; i++) {
        if (i) pt_buf_put(&t->line, ",", 1);
        char num[40];
        switch (sqlite3_column_type(t->st, i)) {
        case SQLITE_INTEGER: {
            int k = snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(t->st, i));
            pt_buf_put(&t->line, num, (size_t)k);
            break;
        }
        case SQLITE_FLOAT: {
            double v = sqlite3_column_double(t->st, i);
            int k = snprintf(num, sizeof num, "%.15g", v);
            if (pt_number_lossy(num, (size_t)k)) {
                if (t->lossy++ == 0) {
                    snprintf(t->first_lossy, sizeof t->first_lossy, "row %llu, column %d = %s",
                             (unsigned long long)t->rows + 1, i + 1, num);
                    t->first_lossy_off = t->out;
                }
            } else {
                pt_buf_put(&t->line, num, (size_t)k);
            }
            break;
        }
        case SQLITE_TEXT:
            pt_buf_csv_field(&t->line, (const char *)sqlite3_column_text(t->st, i),
                             (size_t)sqlite3_column_bytes(t->st, i));
            break;
        case SQLITE_BLOB: {
            const uint8_t *b = sqlite3_column_blob(t->st, i);
            int n = sqlite3_column_bytes(t->st, i);
            if (b && blob_is_text(b, n)) pt_buf_csv_field(&t->line, (const char *)b, (size_t)n);
            break;
        }
        default:
            break;
        }
    }
    pt_buf_put(&t->line, "\n", 1);
}

static void put_header(table_stream *t)
{
    int cols = sqlite3_column_count(t->st);
    t->line.len = 0;
    t->pos = 0;
    for (int i = 0; i < cols; i++) {
        if (i) pt_buf_put(&t->line, ",", 1);
        const char *n = sqlite3_column_name(t->st, i);
        pt_buf_csv_field(&t->line, n ? n : "", n ? strlen(n) : 0);
    }
    pt_buf_put(&t->line, "\n", 1);
}

static void table_end(table_stream *t)
{
    if (t->lossy) {
        pt_errlist_add(t->errs, "number_precision", t->first_lossy_off,
                       "%llu floating-point value%s of 16 or more digits (first: %s): a double "
                       "keeps about 15 significant digits, so an ID or card number stored that "
                       "way has lost its last digits; left empty, not counted",
                       (unsigned long long)t->lossy, t->lossy == 1 ? "" : "s", t->first_lossy);
        t->lossy = 0;
    }
}

static ssize_t table_read(void *ctx, void *buf, size_t cap)
{
    table_stream *t = ctx;
    while (t->pos == t->line.len) {
        if (t->done) {
            table_end(t);
            return 0;
        }
        if (!t->header_done) {
            put_header(t);
            t->header_done = true;
            break;
        }
        int r = sqlite3_step(t->st);
        if (r == SQLITE_ROW) {
            put_row(t);
            t->rows++;
        } else {
            t->done = true;
            if (r != SQLITE_DONE)
                pt_errlist_add(t->errs, "sqlite", t->out,
                               "reading row %llu: %s; the rows before count",
                               (unsigned long long)t->rows + 1,
                               sqlite3_errmsg(sqlite3_db_handle(t->st)));
        }
    }
    size_t n = t->line.len - t->pos;
    if (n > cap) n = cap;
    memcpy(buf, t->line.p + t->pos, n);
    t->pos += n;
    t->out += n;
    return (ssize_t)n;
}

/* file:PATH?immutable=1 with PATH's % ? # escaped */
static char *uri_of(const char *path)
{
    pt_buf b = {0};
    pt_buf_put(&b, "file:", 5);
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#') {
            char e[4];
            snprintf(e, sizeof e, "%%%02X", (unsigned char)*p);
            pt_buf_put(&b, e, 3);
        } else {
            pt_buf_put(&b, p, 1);
        }
    }
    pt_buf_put(&b, "?immutable=1", 13);
    return b.p;
}

static sqlite3 *open_db(const char *path, void *mem, size_t len, pt_errlist *errs)
{
    sqlite3 *db = NULL;
    int r;
    if (path) {
        char *uri = uri_of(path);
        r = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        free(uri);
    } else {
        r = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
        if (r == SQLITE_OK)
            r = sqlite3_deserialize(db, "main", mem, (sqlite3_int64)len, (sqlite3_int64)len,
                                    SQLITE_DESERIALIZE_READONLY);
    }
    if (r != SQLITE_OK) {
        pt_errlist_add(errs, "sqlite", 0, "cannot open the database: %s",
                       db ? sqlite3_errmsg(db) : sqlite3_errstr(r));
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

void pt_sqlite_scan(pt_walk *w, const char *name, const char *path, void *mem, size_t len)
{
    pt_errlist errs = {0};
    sqlite3 *db = open_db(path, mem, len, &errs);
    sqlite3_stmt *list = NULL;
    size_t tables = 0;
    if (db && sqlite3_prepare_v2(db,
                                 "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                 "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                                 -1, &list, NULL) != SQLITE_OK) {
        pt_errlist_add(&errs, "sqlite", 0, "not a readable database: %s", sqlite3_errmsg(db));
    }
    int r = SQLITE_DONE;
    while (list && (r = sqlite3_step(list)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(list, 0);
        if (!t) continue;
        size_t index = tables++;
        if (path && !pt_walk_member(w, index)) continue;   /* another shard's table */
        char *iname = pt_member_name(name, t);
        pt_buf q = {0};
        pt_buf_put(&q, "SELECT * FROM \"", 15);
        for (const char *p = t; *p; p++) {
            pt_buf_put(&q, p, 1);
            if (*p == '"') pt_buf_put(&q, "\"", 1);
        }
        pt_buf_put(&q, "\"", 2);
        sqlite3_stmt *st = NULL;
        pt_errlist terrs = {0};
        if (sqlite3_prepare_v2(db, q.p, -1, &st, NULL) != SQLITE_OK) {
            pt_walk_unread(w, iname, "sqlite", 0, "cannot read the table: %s", sqlite3_errmsg(db));
        } else {
            table_stream ts = {.st = st, .errs = &terrs};
            pt_raw_input raw = {.read = table_read, .ctx = &ts};
            pt_walk_input(w, iname, &raw, &terrs, PT_FMT_CSV, "sqlite");
            free(ts.line.p);
        }
        sqlite3_finalize(st);
        pt_errlist_free(&terrs);
        free(q.p);
        free(iname);
    }
    if (list && r != SQLITE_DONE)
        pt_errlist_add(&errs, "sqlite", 0, "listing the tables: %s", sqlite3_errmsg(db));
    if (db && tables == 0 && errs.n == 0)
        pt_errlist_add(&errs, "no_members", 0, "%s", "the database holds no table");
    if (errs.n && (!path || pt_walk_itself(w))) pt_scan_unread(w->s, name, &errs);
    pt_errlist_free(&errs);
    sqlite3_finalize(list);
    sqlite3_close(db);
}
