/* scratch.c - scratch files for what a scan keeps out of memory (a split part's key set,
 * src/tally/parts.h). They hold enciphered fingerprints, so they are owner-only and have
 * no name: O_TMPFILE, or on a file system without it a file unlinked as soon as it is
 * made. They are made beside the state the scan writes, on the disk the examiner chose
 * for the case's files, and vanish with the process however it ends. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* O_TMPFILE, mkostemp */
#endif
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory part of path ("." when it has none). */
static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, len, ".");
    else if (slash == path) snprintf(dir, len, "/");
    else snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static int unnamed_file_in(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    char name[4096];
    if (snprintf(name, sizeof name, "%s/.pitally-scratch-XXXXXX", dir) >= (int)sizeof name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(name, O_CLOEXEC);   /* 0600 */
    if (fd >= 0) unlink(name);
    return fd;
}

FILE *pt_scratch_beside(void *path)
{
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    int fd = unnamed_file_in(dir);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (f) return f;
    int e = errno;
    if (fd >= 0) close(fd);
    fprintf(stderr, "pitally: %s: cannot make a scratch file (%s): a split part's keys stay "
            "in memory\n", dir, strerror(e));
    return NULL;
}
