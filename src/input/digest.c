/* digest.c - custody hashes: MD5 and SHA-256 of an input's raw bytes as they stream
 * past, with OpenSSL's libcrypto (its SHA-NI and AVX2 code paths where the CPU has
 * them), so that the figures match md5sum and sha256sum without a second read. */
#include "pitally/input.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

struct pt_digest {
    EVP_MD_CTX *md5, *sha256;
};

/* The two algorithms, fetched from the provider once: EVP_md5() and EVP_sha256() make
 * every EVP_DigestInit_ex fetch them again (a locked lookup), once per input, which a
 * run of 10,000 small files pays 20,000 times. NULL (fetch failed): the implicit way. */
static EVP_MD *fetched_md5, *fetched_sha256;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
    fetched_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md5_md(void)
{
    pthread_once(&fetch_once, fetch_digests);
    return fetched_md5 ? fetched_md5 : EVP_md5();
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&fetch_once, fetch_digests);
    return fetched_sha256 ? fetched_sha256 : EVP_sha256();
}

pt_digest *pt_digest_new(void)
{
    pt_digest *d = pt_xcalloc(1, sizeof *d);
    d->md5 = EVP_MD_CTX_new();
    d->sha256 = EVP_MD_CTX_new();
    if (!d->md5 || !d->sha256 || !EVP_DigestInit_ex(d->md5, md5_md(), NULL) ||
        !EVP_DigestInit_ex(d->sha256, sha256_md(), NULL)) {
        fprintf(stderr, "pitally: libcrypto cannot hash (MD5/SHA-256)\n");
        exit(70);
    }
    return d;
}

void pt_digest_update(pt_digest *d, const void *p, size_t n)
{
    if (!d || n == 0) return;
    EVP_DigestUpdate(d->md5, p, n);
    EVP_DigestUpdate(d->sha256, p, n);
}

static void hex(const unsigned char *v, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[v[i] >> 4];
        out[2 * i + 1] = digits[v[i] & 15];
    }
    out[2 * n] = '\0';
}

void pt_digest_final(pt_digest *d, char md5_hex[33], char sha256_hex[65])
{
    unsigned char v[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(d->md5, v, &n);
    hex(v, n, md5_hex);
    EVP_DigestFinal_ex(d->sha256, v, &n);
    hex(v, n, sha256_hex);
}

void pt_digest_reset(pt_digest *d)
{
    EVP_DigestInit_ex(d->md5, md5_md(), NULL);
    EVP_DigestInit_ex(d->sha256, sha256_md(), NULL);
}

void pt_digest_free(pt_digest *d)
{
    if (!d) return;
    EVP_MD_CTX_free(d->md5);
    EVP_MD_CTX_free(d->sha256);
    free(d);
}

/* libcrypto picks its SHA-256 code from CPUID, as here, unless OPENSSL_ia32cap masks
 * bits (then it is said). Multi-buffer hashing is not offered through EVP digests (only
 * to TLS record ciphers), so one input is hashed by one stream, as md5sum does. */
const char *pt_digest_path(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    bool sha_ni = __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 29) & 1);
    if (getenv("OPENSSL_ia32cap"))   /* bits may be masked: say what the CPU offers */
        return sha_ni ? "SHA-256: SHA-NI if OPENSSL_ia32cap leaves it on; MD5: x86-64 assembly"
                      : "SHA-256: SSSE3/AVX2 assembly (no SHA-NI; OPENSSL_ia32cap set); MD5: x86-64 assembly";
    return sha_ni ? "SHA-256: SHA-NI (the CPU's SHA extensions); MD5: x86-64 assembly"
                  : "SHA-256: SSSE3/AVX2 assembly (the CPU has no SHA-NI); MD5: x86-64 assembly";
#else
    return "SHA-256 and MD5: libcrypto's code for this CPU";
#endif
}
