/* nohash.c - build/bench-nohash.so, for the "custody hashing off" row of bench/run.sh only.
 *
 * pitally has no switch to turn its custody hashes (MD5 + SHA-256 of every input, through
 * libcrypto) off, and should not have one: a report without them must never be filed. To
 * measure what hashing costs, run.sh runs the same binary with this library preloaded
 * (LD_PRELOAD): it replaces libcrypto's EVP_DigestUpdate with one that does nothing, so
 * every byte still streams through the same code and only the hashing work is gone.
 * run.sh checks that the shim took effect (the report's MD5 is that of no bytes) and
 * marks the row FAILED otherwise. Nothing else in the run changes; everything else in
 * the report must agree with the hashed run.
 */
#include <stddef.h>

typedef struct evp_md_ctx_st EVP_MD_CTX;

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *data, size_t count);

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *data, size_t count)
{
    (void)ctx, (void)data, (void)count;
    return 1;
}
