/* datadir.c - finds the installed pattern sets when --patterns is not given: next to
 * the binary in a build tree (build/pitally -> patterns/), in PREFIX/share/pitally
 * relative to the binary (bin/pitally -> share/pitally/patterns), or at the compiled-in
 * PT_DATADIR. PITALLY_PATTERNS in the environment wins over all of them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef PT_DATADIR
#define PT_DATADIR "/usr/local/share/pitally"
#endif

static bool has_policy(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/policy.yaml", dir);
    return access(p, R_OK) == 0;
}

static bool exe_dir(const char *argv0, char *buf, size_t len)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
        path[n] = '\0';
    } else if (!realpath(argv0, path)) {
        return false;
    }
    char *slash = strrchr(path, '/');
    if (!slash) return false;
    *slash = '\0';
    snprintf(buf, len, "%s", path);
    return true;
}

const char *pt_default_patterns_dir(const char *argv0, char *buf, size_t len)
{
    const char *env = getenv("PITALLY_PATTERNS");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return buf;
    }
    char dir[PATH_MAX];
    if (exe_dir(argv0, dir, sizeof dir)) {
        static const char *const rel[] = {"/../share/pitally/patterns", "/../patterns",
                                          "/../../patterns", "/patterns"};
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            snprintf(buf, len, "%s%s", dir, rel[i]);
            if (has_policy(buf)) return buf;
        }
    }
    snprintf(buf, len, "%s/patterns", PT_DATADIR);
    return has_policy(buf) ? buf : NULL;
}
