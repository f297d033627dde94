/* jsonw.h - a small streaming JSON writer for the report (private to src/report).
 *
 * Output is indented two spaces a level, and objects opened "inline" stay on one line
 * ({"raw": 1, "distinct": 1}) so that a person can still read a large report.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (file names from
 * seized media often are GBK) become U+FFFD so that the report is always valid JSON.
 *
 * The writer keeps its own buffer (a report of 10,000 inputs is ~65 MB written token by
 * token: a stdio call per token cost more than the tokens). The buffer goes to the FILE
 * when it fills and when the outermost value closes, so a caller needs no flush call;
 * write errors are sticky in the FILE (ferror), checked once by the caller.
 */
#ifndef PITALLY_REPORT_JSONW_H
#define PITALLY_REPORT_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16
#define JW_BUF_SIZE 16384

typedef struct {
    FILE *out;
    int depth;
    bool first[JW_MAX_DEPTH];    /* nothing written yet at this level */
    bool inline_[JW_MAX_DEPTH];  /* this level stays on one line */
    size_t len;                  /* bytes waiting in buf */
    char buf[JW_BUF_SIZE];
} jw;

void jw_init(jw *w, FILE *out);
/* Open an object ('{') or array ('[') as the value of key (NULL inside an array). */
void jw_open(jw *w, const char *key, char bracket, bool on_one_line);
/* Closing the outermost value also hands the buffer to the FILE. */
void jw_close(jw *w, char bracket);
void jw_str(jw *w, const char *key, const char *s);   /* NULL prints null */
void jw_u64(jw *w, const char *key, uint64_t v);
void jw_num(jw *w, const char *key, double v);        /* up to 6 decimals, trimmed */
void jw_bool(jw *w, const char *key, bool v);
/* Hand what is buffered to the FILE (done by the outermost jw_close). */
void jw_flush(jw *w);
/* Just the escaped string, quotes included, straight to a FILE. */
void jw_string(FILE *out, const char *s);
/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when invalid. */
size_t jw_utf8_len(const unsigned char *s, size_t n);
/* A double as the shortest of "%.6f" with trailing zeros removed ("1", "0.98").
 * len must be at least 32; returns the length written. */
size_t jw_format_number(char *buf, size_t len, double v);
/* v in decimal (as "%" PRIu64 prints it) into out, NUL-terminated; returns the length. */
size_t jw_format_u64(char out[21], uint64_t v);

#endif
