/* casekey.c - keying the fingerprints that a tally may save (pitally/tally.h).
 *
 * A piece's fingerprint and a subject's hash are plain hashes of normalized values: an
 * unkeyed XXH3 of a mobile number is reversed by hashing all ten billion numbers. So the
 * dedup sets never hold them. Each chunk's fingerprints are enciphered with AES-128 under
 * the case key before they reach the sets, and a state file holds only those. Anyone
 * without the key file learns nothing from a state beyond the counts.
 *
 * Why AES and not a hash MAC: AES is a keyed permutation of 128-bit blocks, which is
 * exactly a fingerprint's size, it is in libcrypto (already a dependency), and ECB over a
 * whole chunk's array is one call at a few cycles per block (AES-NI), so keying costs
 * nothing measurable. Being a permutation, it keeps distinct fingerprints distinct: the
 * counts are those the plain fingerprints give. Subjects (64-bit) are zero-padded to a
 * block and keep 64 bits of the cipher: a 64-bit set, as before, except that their low
 * 4 bits stay as they were, out of the cipher: they are the kind of identifier that
 * decided the subject (tally.h), which the report counts by and which says nothing of
 * the value.
 *
 * The key's identity (the first 8 bytes of the key's cipher of a fixed block) goes in
 * the state, so states made under different keys are refused rather than merged into
 * nonsense. Without a case key the scan uses the all-zero key: the counts are the same,
 * and such a tally is never saved (the program makes a key first).
 */
#include "pitally/tally.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static EVP_CIPHER_CTX *cipher(const pt_casekey *k)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || !EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->key, NULL)) {
        fprintf(stderr, "pitally: libcrypto cannot run AES-128 (case key)\n");
        abort();
    }
    EVP_CIPHER_CTX_set_padding(c, 0);
    return c;
}

/* blocks: n 16-byte blocks enciphered in place */
static void encipher(const pt_casekey *k, uint8_t *blocks, size_t n)
{
    if (n == 0) return;
    EVP_CIPHER_CTX *c = cipher(k);
    int out = 0;
    /* EVP lengths are ints: a chunk's pieces are far fewer, but stay safe */
    for (size_t done = 0; done < n;) {
        size_t step = n - done < (1u << 20) ? n - done : (1u << 20);
        if (!EVP_EncryptUpdate(c, blocks + 16 * done, &out, blocks + 16 * done, (int)(16 * step))) {
            fprintf(stderr, "pitally: libcrypto cannot run AES-128 (case key)\n");
            abort();
        }
        done += step;
    }
    EVP_CIPHER_CTX_free(c);
}

/* The blocks hold each 64-bit word little-endian (states depend on that byte order). On a
 * little-endian host that is the word's own bytes, so a word moves in and out of its block
 * with one load or store instead of a loop over its bytes (~250 instructions a record on
 * the bench CSV). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static void put_le64(uint8_t *b, uint64_t v)
{
    memcpy(b, &v, 8);
}

static uint64_t get_le64(const uint8_t *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
    return v;
}
#else
static void put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}
#endif

void pt_casekey_init(pt_casekey *k, const uint8_t key[PT_CASEKEY_BYTES])
{
    static const uint8_t zero[PT_CASEKEY_BYTES];
    memcpy(k->key, key ? key : zero, PT_CASEKEY_BYTES);
    uint8_t b[16] = "pitally case id";
    encipher(k, b, 1);
    k->id = get_le64(b);
}

int pt_casekey_parse(pt_casekey *k, const char *text, char *err, size_t errlen)
{
    uint8_t key[PT_CASEKEY_BYTES];
    size_t n = 0;
    const char *p = text;
    while (*p == ' ' || *p == '\t') p++;
    for (; n < PT_CASEKEY_BYTES; n++, p += 2) {
        int hi = hexval((unsigned char)p[0]), lo = hi < 0 ? -1 : hexval((unsigned char)p[1]);
        if (hi < 0 || lo < 0) break;
        key[n] = (uint8_t)(hi << 4 | lo);
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (n != PT_CASEKEY_BYTES || *p) {
        snprintf(err, errlen, "not a case key: expected %d hexadecimal digits on one line",
                 2 * PT_CASEKEY_BYTES);
        OPENSSL_cleanse(key, sizeof key);
        return -1;
    }
    pt_casekey_init(k, key);
    OPENSSL_cleanse(key, sizeof key);   /* k holds the key now; no copy stays on the stack */
    return 0;
}

void pt_casekey_clear(pt_casekey *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}

void pt_casekey_format(const pt_casekey *k, char hex[2 * PT_CASEKEY_BYTES + 1])
{
    for (int i = 0; i < PT_CASEKEY_BYTES; i++) snprintf(hex + 2 * i, 3, "%02x", k->key[i]);
}

void pt_casekey_pieces(const pt_casekey *k, pt_fp_item *items, size_t n, uint8_t *scratch)
{
    for (size_t i = 0; i < n; i++) {
        put_le64(scratch + 16 * i, items[i].fp[0]);
        put_le64(scratch + 16 * i + 8, items[i].fp[1]);
    }
    encipher(k, scratch, n);
    for (size_t i = 0; i < n; i++) {
        items[i].fp[0] = get_le64(scratch + 16 * i);
        items[i].fp[1] = get_le64(scratch + 16 * i + 8);
    }
}

void pt_casekey_subjects(const pt_casekey *k, uint64_t *hashes, size_t n, uint8_t *scratch)
{
    const uint64_t kind = PT_SUBJECT_KINDS - 1;
    for (size_t i = 0; i < n; i++) {
        put_le64(scratch + 16 * i, hashes[i] & ~kind);
        put_le64(scratch + 16 * i + 8, 0);
    }
    encipher(k, scratch, n);
    for (size_t i = 0; i < n; i++)
        hashes[i] = (get_le64(scratch + 16 * i) & ~kind) | (hashes[i] & kind);
}
