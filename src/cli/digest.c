/* digest.c - a fingerprint of the rules a tally was made with: every *.yaml of the
 * pattern directory (by name, in byte order) and the policy file, name and contents,
 * and the --tier overrides in force. A state file records it, and pitally merge refuses
 * to mix tallies whose pieces were classified or tiered by different rules. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cli.h"
#include "pitally/common.h"

static void hash_file(XXH64_state_t *h, const char *path, const char *name)
{
    XXH64_update(h, name, strlen(name) + 1);
    FILE *f = fopen(path, "rb");
    if (!f) {
        XXH64_update(h, "(unreadable)", 12);
        return;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) XXH64_update(h, buf, n);
    fclose(f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **pt_rule_file_paths(const char *patterns_dir, size_t *n_out)
{
    char **names = NULL;
    size_t n = 0;
    DIR *d = opendir(patterns_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        names = pt_xrealloc(names, (n + 1) * sizeof *names);
        size_t plen = strlen(patterns_dir) + len + 2;
        names[n] = pt_xmalloc(plen);
        snprintf(names[n++], plen, "%s/%s", patterns_dir, e->d_name);
    }
    if (d) closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);   /* qsort(NULL, 0) is undefined */
    *n_out = n;
    return names;
}

uint64_t pt_rules_digest(const char *patterns_dir, const char *policy_file,
                         const char *const *tiers, size_t n_tiers)
{
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0x70697461u);
    size_t n;
    char **paths = pt_rule_file_paths(patterns_dir, &n);
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(paths[i], '/');
        hash_file(h, paths[i], slash ? slash + 1 : paths[i]);   /* the name, not where */
        free(paths[i]);
    }
    free(paths);
    hash_file(h, policy_file, "(policy)");
    for (size_t i = 0; i < n_tiers; i++) XXH64_update(h, tiers[i], strlen(tiers[i]) + 1);
    uint64_t v = XXH64_digest(h);
    XXH64_freeState(h);
    return v;
}
