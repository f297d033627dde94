/* casekey.c - the case key file: 32 hex digits (128 bits from getrandom), owner-only.
 *
 * States hold fingerprints enciphered under the case key (src/tally/casekey.c), so the
 * key file is what turns a state back into something an attacker could test numbers
 * against: it is created 0600 and never overwritten. Every shard of a case, its merge and
 * any later baseline use the same file; the key id in each state says which key it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

/* The key's line into path, created owner-only; never over an existing file. */
static int write_key_file(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "pitally: %s: cannot create the case key: %s\n", path,
                errno == EEXIST ? "it exists (a key is never overwritten)" : strerror(errno));
        return -1;
    }
    size_t len = strlen(line);
    bool ok = write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
    if (close(fd) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "pitally: %s: cannot write the case key: %s\n", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

/* A new key in path, which must not exist yet. Returns 0, or -1 with a message. */
static int create_key_file(const char *path, pt_casekey *k)
{
    uint8_t raw[PT_CASEKEY_BYTES];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        fprintf(stderr, "pitally: %s: no random bytes for a case key: %s\n", path, strerror(errno));
        return -1;
    }
    pt_casekey_init(k, raw);
    OPENSSL_cleanse(raw, sizeof raw);
    char line[2 * PT_CASEKEY_BYTES + 2];
    pt_casekey_format(k, line);
    strcat(line, "\n");
    int rc = write_key_file(path, line);
    OPENSSL_cleanse(line, sizeof line);
    return rc;
}

int pt_case_key_load(const char *path, pt_casekey *k)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "pitally: %s: cannot read the case key: %s\n", path, strerror(errno));
        return -1;
    }
    /* read(2) straight into text, not through stdio, whose buffer would keep a copy of
     * the key in freed memory; text is wiped below */
    char text[256] = "";
    size_t n = 0;
    bool failed = false;
    while (n < sizeof text - 1) {
        ssize_t got = read(fd, text + n, sizeof text - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            failed = got < 0;
            break;
        }
        n += (size_t)got;
    }
    if (failed) fprintf(stderr, "pitally: %s: cannot read the case key: %s\n", path, strerror(errno));
    close(fd);
    text[n] = '\0';
    char err[256];
    int rc = failed ? -1 : 0;
    if (!failed && (strlen(text) != n || pt_casekey_parse(k, text, err, sizeof err) != 0)) {
        fprintf(stderr, "pitally: %s: %s\n", path,
                strlen(text) != n ? "not a case key: it holds a NUL byte" : err);
        rc = -1;
    }
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

int pt_case_key_for_state(const char *state_path, pt_casekey *k)
{
    size_t n = strlen(state_path) + 5;
    char path[n];
    snprintf(path, n, "%s.key", state_path);
    if (access(path, F_OK) == 0) return pt_case_key_load(path, k);
    if (create_key_file(path, k) != 0) return -1;
    fprintf(stderr, "pitally: new case key in %s: keep it with the state; the other shards, "
            "merges and baselines of this case need it (--case-key %s)\n", path, path);
    return 0;
}

int pt_cmd_keygen(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        fprintf(stderr, "usage: pitally keygen FILE   a new case key (owner-only), for "
                "--case-key\n");
        return PT_EXIT_USAGE;
    }
    pt_casekey k;
    int rc = create_key_file(argv[2], &k) == 0 ? PT_EXIT_OK : PT_EXIT_USAGE;
    if (rc == PT_EXIT_OK) printf("case key %s: id %016llx\n", argv[2], (unsigned long long)k.id);
    pt_casekey_clear(&k);
    return rc;
}
