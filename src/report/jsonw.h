/* jsonw.h - a small streaming JSON writer for the report (private to src/report).
 *
 * Output is indented two spaces a level, and objects opened "inline" stay on one line
 * ({"raw": 1, "distinct": 1}) so that a person can still read a large report.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (file names from
 * seized media often are GBK) become U+FFFD so that the report is always valid JSON.
 * Write errors are sticky in the FILE (ferror), checked once by the caller.
 */
#ifndef PITALLY_REPORT_JSONW_H
#define PITALLY_REPORT_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

typedef struct {
    FILE *out;
    int depth;
    bool first[JW_MAX_DEPTH];    /* nothing written yet at this level */
    bool inline_[JW_MAX_DEPTH];  /* this level stays on one line */
} jw;

void jw_init(jw *w, FILE *out);
/* Open an object ('{') or array ('[') as the value of key (NULL inside an array). */
void jw_open(jw *w, const char *key, char bracket, bool on_one_line);
void jw_close(jw *w, char bracket);
void jw_str(jw *w, const char *key, const char *s);   /* NULL prints null */
void jw_u64(jw *w, const char *key, uint64_t v);
void jw_num(jw *w, const char *key, double v);        /* up to 6 decimals, trimmed */
void jw_bool(jw *w, const char *key, bool v);
/* Just the escaped string, quotes included. */
void jw_string(FILE *out, const char *s);
/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when invalid. */
size_t jw_utf8_len(const unsigned char *s, size_t n);
/* A double as the shortest of "%.6f" with trailing zeros removed ("1", "0.98"). */
void jw_format_number(char *buf, size_t len, double v);

#endif
