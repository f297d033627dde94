/* jsonread.h - a small JSON reader for pitally verify: parses a whole document (a
 * report) into a tree. Strict RFC 8259; numbers keep their text as well as a double,
 * so that counts compare exactly. Not used on seized data. */
#ifndef PITALLY_CLI_JSONREAD_H
#define PITALLY_CLI_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jv_kind;

typedef struct jv {
    jv_kind kind;
    bool b;
    double num;
    char *str;              /* string value, or a number's text */
    struct jv *items;       /* array items or object values */
    char **keys;            /* object keys */
    size_t n;
} jv;

/* Parse text; NULL with err ("line L: reason") on a malformed document. */
jv *jv_parse(const char *text, size_t len, char *err, size_t errlen);
void jv_free(jv *v);
/* Member of an object by key, item of an array by index: NULL when absent. */
const jv *jv_get(const jv *obj, const char *key);
const jv *jv_at(const jv *arr, size_t i);
/* The text of a string or number member, or "" */
const char *jv_text(const jv *v);
/* Structural equality (numbers by their text). */
bool jv_equal(const jv *a, const jv *b);

#endif
