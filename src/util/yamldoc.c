/* yamldoc.c - libyaml document helpers with line numbers (see pitally/yamldoc.h). */
#include "yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pt_yamldoc_load(pt_yamldoc *d, const char *path, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &d->doc);
    if (!ok) {
        snprintf(err, errlen, "%s:%zu: YAML syntax: %s%s%s", path,
                 parser.problem_mark.line + 1, parser.problem ? parser.problem : "error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
    }
    yaml_parser_delete(&parser);
    fclose(f);
    if (!ok) return -1;
    d->loaded = true;
    d->path = pt_xstrdup(path);
    if (!yaml_document_get_root_node(&d->doc)) {
        snprintf(err, errlen, "%s:1: empty document", path);
        pt_yamldoc_free(d);
        return -1;
    }
    return 0;
}

void pt_yamldoc_free(pt_yamldoc *d)
{
    if (d->loaded) yaml_document_delete(&d->doc);
    free(d->path);
    memset(d, 0, sizeof *d);
}

yaml_node_t *pt_yaml_root(pt_yamldoc *d)
{
    return yaml_document_get_root_node(&d->doc);
}

yaml_node_t *pt_yaml_get(pt_yamldoc *d, yaml_node_t *map, const char *key)
{
    size_t n = pt_yaml_map_len(map);
    for (size_t i = 0; i < n; i++) {
        const char *k = pt_yaml_scalar(pt_yaml_map_key(d, map, i));
        if (k && strcmp(k, key) == 0) return pt_yaml_map_value(d, map, i);
    }
    return NULL;
}

const char *pt_yaml_scalar(yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE) return NULL;
    return (const char *)n->data.scalar.value;
}

int pt_yaml_line(yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

size_t pt_yaml_seq_len(yaml_node_t *seq)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE) return 0;
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *pt_yaml_seq_item(pt_yamldoc *d, yaml_node_t *seq, size_t i)
{
    if (i >= pt_yaml_seq_len(seq)) return NULL;
    return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

size_t pt_yaml_map_len(yaml_node_t *map)
{
    if (!map || map->type != YAML_MAPPING_NODE) return 0;
    return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

yaml_node_t *pt_yaml_map_key(pt_yamldoc *d, yaml_node_t *map, size_t i)
{
    if (i >= pt_yaml_map_len(map)) return NULL;
    return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].key);
}

yaml_node_t *pt_yaml_map_value(pt_yamldoc *d, yaml_node_t *map, size_t i)
{
    if (i >= pt_yaml_map_len(map)) return NULL;
    return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].value);
}

int pt_yaml_uint(yaml_node_t *n, uint64_t *out)
{
    const char *s = pt_yaml_scalar(n);
    if (!s || !*s) return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') continue;
        if (*p < '0' || *p > '9') return -1;
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

int pt_yaml_bool(yaml_node_t *n, bool *out)
{
    const char *s = pt_yaml_scalar(n);
    if (!s) return -1;
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "True")) { *out = true; return 0; }
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "False")) { *out = false; return 0; }
    return -1;
}
