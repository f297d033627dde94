/* outfile.c - where every report, list and state file goes: "-" is standard output;
 * pipes, devices and descriptor aliases (/dev/stdout, /dev/fd/N) are written directly;
 * a regular file is written to a temporary file beside it, flushed, synced and renamed
 * into place, so a failed write never leaves a partial file under the final name and a
 * reader never sees one half written. Shared by all the sinks (pitally/report.h). */
#include "pitally/report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


typedef struct {
    pt_output_fn write;
    void *ctx;
    mode_t mode;        /* 0: the old file's, else 0666 less the umask */
    char *err;
    size_t errlen;
} report_job;

static int report_fail(report_job *j, const char *path, const char *what, int e)
{
    snprintf(j->err, j->errlen, "%s: %s: %s", path, what, strerror(e));
    return -1;
}

/* An already open stream (stdout, stderr): write and flush, never close. */
static int write_to_stream(report_job *j, FILE *f, const char *name)
{
    errno = 0;
    if (j->write(f, j->ctx) < 0 || fflush(f) != 0)
        return report_fail(j, name, "cannot write the report", errno ? errno : EIO);
    return 0;
}

/* A pipe, a device or a descriptor alias: open, write, close, all checked. */
static int write_direct(report_job *j, const char *path, int fd)
{
    if (fd < 0) fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, j->mode ? j->mode : 0666);
    if (fd < 0) return report_fail(j, path, "cannot open", errno);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        return report_fail(j, path, "cannot open", e);
    }
    errno = 0;
    int rc = j->write(f, j->ctx);
    int e = errno ? errno : EIO;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    return rc < 0 ? report_fail(j, path, "cannot write the report", e) : 0;
}

/* "/dev/stdout", "/dev/fd/N", "/proc/self/fd/N": the descriptor the path names, so that
 * the report lands where the shell pointed it (even a file opened by "> out") instead
 * of replacing what the link resolves to. Returns a new descriptor, or -1. */
static int descriptor_alias(const char *path, FILE **stream)
{
    *stream = NULL;
    if (strcmp(path, "/dev/stdout") == 0) { *stream = stdout; return -1; }
    if (strcmp(path, "/dev/stderr") == 0) { *stream = stderr; return -1; }
    const char *num = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0) num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0) num = path + 14;
    if (!num || !*num) return -1;
    char *end;
    long fd = strtol(num, &end, 10);
    if (*end || fd < 0 || fd > INT_MAX) return -1;
    if (fd == 1) { *stream = stdout; return -1; }
    if (fd == 2) { *stream = stderr; return -1; }
    return fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
}

/* Mode for a new report: the old file's, else 0666 less the umask (mkstemp gives 0600);
 * files with personal data ask for their own (0600). */
static mode_t report_mode(const report_job *j, const char *target)
{
    if (j->mode) return j->mode;
    struct stat st;
    if (stat(target, &st) == 0) return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static void sync_directory_of(const char *path)
{
    char *dir = pt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash) strcpy(dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);   /* best effort: the rename is already done */
        close(fd);
    }
    free(dir);
}

/* Regular file: temporary file beside it, flush, fsync, close, rename into place. */
static int write_replacing(report_job *j, const char *path, const char *target)
{
    size_t n = strlen(target);
    char *tmp = pt_xmalloc(n + sizeof ".tmp.XXXXXX");
    memcpy(tmp, target, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    mode_t mode = report_mode(j, target);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return report_fail(j, path, "cannot create a temporary file beside it", errno);
    }
    const char *what = "cannot write the report";
    int e = 0;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        e = errno;
        close(fd);
    } else {
        errno = 0;
        if (fchmod(fd, mode) != 0 ||
            j->write(f, j->ctx) < 0 || fflush(f) != 0)
            e = errno ? errno : EIO;
        else if (fsync(fd) != 0)
            e = errno;
        if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
        if (!e && rename(tmp, target) != 0) {
            e = errno;
            what = "cannot rename the temporary file into place";
        }
    }
    if (e) {
        unlink(tmp);
        free(tmp);
        return report_fail(j, path, what, e);
    }
    free(tmp);
    sync_directory_of(target);
    return 0;
}

int pt_output_to_path(const char *path, pt_output_fn write, void *ctx, unsigned mode, char *err,
                      size_t errlen)
{
    report_job j = {write, ctx, (mode_t)mode, err, errlen};
    if (!path || !*path) return report_fail(&j, "(empty path)", "cannot write", ENOENT);
    if (strcmp(path, "-") == 0) return write_to_stream(&j, stdout, "standard output");

    FILE *stream;
    int fd = descriptor_alias(path, &stream);
    if (stream) return write_to_stream(&j, stream, path);
    if (fd >= 0) return write_direct(&j, path, fd);

    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return report_fail(&j, path, "cannot write", EISDIR);
        if (!S_ISREG(st.st_mode)) return write_direct(&j, path, -1);
    }
    /* Replace what a symbolic link points to, not the link itself. */
    struct stat lst;
    char *resolved = NULL;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) resolved = realpath(path, NULL);
    int rc = write_replacing(&j, path, resolved ? resolved : path);
    free(resolved);
    return rc;
}
