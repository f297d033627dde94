/* test_evaes.c - the keyed draw's AES-128 of one block (src/report/evrecord.c,
 * pt_ev_aes): the FIPS-197 appendix C.1 vector, and the same ciphertext as libcrypto's
 * EVP_aes_128_ecb for keys and blocks from a xorshift generator (the draw's keys must not
 * depend on which of the two enciphered). Skipped where the CPU has no AES-NI. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../src/report/evidence_internal.h"

static void evp_block(const uint8_t key[16], uint8_t block[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int out = 0;
    CHECK(c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL));
    EVP_CIPHER_CTX_set_padding(c, 0);
    CHECK(EVP_EncryptUpdate(c, block, &out, block, 16) && out == 16);
    EVP_CIPHER_CTX_free(c);
}

static void fill(uint64_t *x, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        p[i] = (uint8_t)(*x >> 32);
    }
}

static bool have_aesni(void)
{
    pt_ev_aes a;
    uint8_t key[16] = {0};
    bool on = pt_ev_aes_init(&a, key);
    pt_ev_aes_clear(&a);
    return on;
}

static void test_fips197_vector(void)
{
    /* FIPS-197 C.1: key 00 01 .. 0f, plaintext 00 11 22 .. ff */
    pt_ev_aes a;
    uint8_t key[16], block[16];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)i, block[i] = (uint8_t)(0x11 * i);
    static const uint8_t want[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                     0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    CHECK(pt_ev_aes_init(&a, key));
    pt_ev_aes_block(&a, block);
    CHECK(memcmp(block, want, 16) == 0);
    pt_ev_aes_clear(&a);
}

static void test_same_as_evp(void)
{
    pt_ev_aes a;
    uint8_t key[16];
    uint64_t x = 88172645463325252ull;
    for (int k = 0; k < 200; k++) {
        fill(&x, key, 16);
        CHECK(pt_ev_aes_init(&a, key));
        for (int b = 0; b < 20; b++) {
            uint8_t mine[16], ref[16];
            fill(&x, mine, 16);
            memcpy(ref, mine, 16);
            pt_ev_aes_block(&a, mine);
            evp_block(key, ref);
            CHECK(memcmp(mine, ref, 16) == 0);
        }
    }
    pt_ev_aes_clear(&a);
}

static void test_clear_cleanses(void)
{
    pt_ev_aes a;
    uint8_t key[16];
    memset(key, 0xa5, sizeof key);
    CHECK(pt_ev_aes_init(&a, key));
    pt_ev_aes_clear(&a);
    CHECK(!a.ready);
    size_t nonzero = 0;
    for (int i = 0; i < 11; i++)
        for (int j = 0; j < 16; j++) nonzero += a.round[i][j] != 0;
    CHECK_EQ(nonzero, 0);
}

int main(void)
{
    if (!have_aesni()) {
        printf("ok test_evaes # skipped: no AES-NI here (evidence.c keeps EVP)\n");
        return 0;
    }
    RUN(test_fips197_vector);
    RUN(test_same_as_evp);
    RUN(test_clear_cleanses);
    return CHECK_DONE();
}
