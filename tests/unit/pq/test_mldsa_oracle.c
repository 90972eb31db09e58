/* SPDX-License-Identifier: Apache-2.0 */
/* 200 random ML-DSA-65 keygen / sign / verify cases agree byte for byte with @noble/post-quantum
 * (mldsa_oracle.mjs, one Node process): pk, sk and signature bytes (deterministic and hedged,
 * random message and context lengths up to the 255-byte maximum), noble accepts our signature,
 * and both reject the same tampered copy. Skips when node or the xcheck node_modules is
 * missing. AUS_TEST_SEED=<n> replays another random set. */
#include "aus_test.h"

#include "australis/pq.h"

#define NCASES 200
#define PKB AUS_MLDSA65_PK_BYTES
#define SKB AUS_MLDSA65_SK_BYTES
#define SIGB AUS_MLDSA65_SIG_BYTES

typedef struct ocase {
    uint8_t xi[32], rnd[32], msg[300], ctx[255];
    size_t msglen, ctxlen, off;
    unsigned mask;
} ocase;

static void hexout(FILE *f, const uint8_t *p, size_t n)
{
    if (!n)
        fputc('-', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc(' ', f);
}

static void make_case(ocase *c, uint64_t *s)
{
    for (int j = 0; j < 32; j++)
        c->xi[j] = (uint8_t)tst_rand(s), c->rnd[j] = (uint8_t)tst_rand(s);
    if (tst_rand(s) % 4 == 0)
        memset(c->rnd, 0, 32); /* the deterministic variant */
    c->msglen = (size_t)(tst_rand(s) % sizeof c->msg);
    uint64_t k = tst_rand(s) % 8;
    c->ctxlen = k == 0 ? 0 : k == 1 ? 255 : (size_t)(tst_rand(s) % 64);
    for (size_t j = 0; j < c->msglen; j++)
        c->msg[j] = (uint8_t)tst_rand(s);
    for (size_t j = 0; j < c->ctxlen; j++)
        c->ctx[j] = (uint8_t)tst_rand(s);
    c->off = (size_t)(tst_rand(s) % SIGB);
    c->mask = 1u + (unsigned)(tst_rand(s) % 255);
}

static void check_line(const ocase *c, char *line, int idx)
{
    char *tok[5];
    tst_split(line, tok, 5);
    size_t l1, l2, l3;
    uint8_t *npk = tst_hex(tok[0], &l1), *nsk = tst_hex(tok[1], &l2), *nsig = tst_hex(tok[2], &l3);
    static uint8_t pk[PKB], sk[SKB], sig[SIGB];
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, c->xi), AUS_OK);
    assert_int_equal(aus_mldsa65_sign_derand(sig, c->msg, c->msglen, c->ctx, c->ctxlen, sk, c->rnd),
                     AUS_OK);
    if (l1 != PKB || memcmp(pk, npk, PKB) || l2 != SKB || memcmp(sk, nsk, SKB))
        fail_msg("case %d: keys differ from noble", idx);
    if (l3 != SIGB || memcmp(sig, nsig, SIGB))
        fail_msg("case %d: signature differs from noble (msglen %zu ctxlen %zu)", idx, c->msglen,
                 c->ctxlen);
    assert_string_equal(tok[3], "1"); /* noble accepts it (it is its own signature too) */
    assert_int_equal(aus_mldsa65_verify(sig, c->msg, c->msglen, c->ctx, c->ctxlen, pk), AUS_OK);
    sig[c->off] ^= (uint8_t)c->mask;
    aus_err bad = aus_mldsa65_verify(sig, c->msg, c->msglen, c->ctx, c->ctxlen, pk);
    if ((bad == AUS_OK) != (strcmp(tok[4], "1") == 0))
        fail_msg("case %d: verdicts on a tampered signature differ (ours %d)", idx, bad);
    assert_int_equal(bad, AUS_E_AUTH);
    free(npk), free(nsk), free(nsig);
}

static void test_oracle(void **state)
{
    (void)state;
    char in_path[] = "/tmp/aus_mldsa_oracle_XXXXXX";
    tst_need_node("@noble/post-quantum");
    uint64_t seed = tst_seed(0x4D4C4453ULL);
    static ocase cases[NCASES];
    FILE *f = tst_tmp_open(in_path);
    for (int i = 0; i < NCASES; i++) {
        ocase *c = &cases[i];
        make_case(c, &seed);
        hexout(f, c->xi, 32), hexout(f, c->rnd, 32);
        hexout(f, c->msg, c->msglen), hexout(f, c->ctx, c->ctxlen);
        fprintf(f, "%zu %u\n", c->off, c->mask);
    }
    fclose(f);
    FILE *p = tst_node_run("tests/unit/pq/mldsa_oracle.mjs", in_path);
    static char line[2 * (PKB + SKB + SIGB) + 64];
    int n = 0;
    while (n < NCASES && fgets(line, sizeof line, p)) {
        check_line(&cases[n], line, n);
        n++;
    }
    tst_node_end(p, in_path);
    assert_int_equal(n, NCASES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_oracle)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
