/* yamldoc.h - a thin layer over libyaml's document API for the pattern and policy
 * loaders: load a whole file, look up mapping keys, read scalars, and know the line of
 * every node so that every complaint can say "FILE:LINE: reason". */
#ifndef PITALLY_YAMLDOC_H
#define PITALLY_YAMLDOC_H

#include <yaml.h>

#include "pitally/common.h"

typedef struct {
    yaml_document_t doc;
    char *path;
    bool loaded;
} pt_yamldoc;

/* Load path. Returns 0, or -1 with err = "FILE:LINE: reason" (open or syntax error). */
int pt_yamldoc_load(pt_yamldoc *d, const char *path, char *err, size_t errlen);
void pt_yamldoc_free(pt_yamldoc *d);

yaml_node_t *pt_yaml_root(pt_yamldoc *d);
/* The value node of key in a mapping node, or NULL (also when node is not a mapping). */
yaml_node_t *pt_yaml_get(pt_yamldoc *d, yaml_node_t *map, const char *key);
/* Scalar text (NUL-terminated, owned by the document), or NULL for a non-scalar. */
const char *pt_yaml_scalar(yaml_node_t *n);
/* 1-based line of a node. */
int pt_yaml_line(yaml_node_t *n);
/* Children of a sequence node: count and i-th item (NULL when not a sequence). */
size_t pt_yaml_seq_len(yaml_node_t *seq);
yaml_node_t *pt_yaml_seq_item(pt_yamldoc *d, yaml_node_t *seq, size_t i);
/* Pairs of a mapping node: count, i-th key node and value node. */
size_t pt_yaml_map_len(yaml_node_t *map);
yaml_node_t *pt_yaml_map_key(pt_yamldoc *d, yaml_node_t *map, size_t i);
yaml_node_t *pt_yaml_map_value(pt_yamldoc *d, yaml_node_t *map, size_t i);
/* Parse an unsigned integer scalar. Returns 0, or -1 when n is not one. */
int pt_yaml_uint(yaml_node_t *n, uint64_t *out);
/* Parse a boolean scalar (true/false/yes/no). Returns 0 or -1. */
int pt_yaml_bool(yaml_node_t *n, bool *out);

#endif
