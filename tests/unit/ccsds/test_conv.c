/* SPDX-License-Identifier: Apache-2.0 */
/* Convolutional code r = 1/2, k = 7 (131.0-B §3). No third-party vector was available; the
 * encoder is checked against the generator polynomials as printed in the standard (171 and 133
 * octal, the second output inverted) and against libfec's Viterbi decoder set up with the
 * "CCSDS/NASA-GSFC convention" its header documents. */
#include <fec.h>

#include "aus_test.h"
#include "australis/coding.h"

static unsigned sym(const uint8_t *p, size_t i) { return (p[i / 8] >> (7 - i % 8)) & 1u; }

static void test_impulse(void **st)
{
    (void)st;
    /* impulse: one 1 then zeros; output pair k = (tap k of G1, NOT tap k of G2), taps read
     * from the input side of the register: 171o = 1 111 001, 133o = 1 011 011 */
    static const char *g1 = "1111001", *g2 = "1011011";
    uint8_t in[1] = {0x80}, out[4];
    assert_int_equal(aus_conv_encode(in, 1, true, out, sizeof out), AUS_OK);
    assert_int_equal(aus_conv_encoded_bits(1, true), 28);
    for (size_t k = 0; k < 7; k++) {
        assert_int_equal(sym(out, 2 * k), (unsigned)(g1[k] - '0'));
        assert_int_equal(sym(out, 2 * k + 1), 1u - (unsigned)(g2[k] - '0'));
    }
    /* all zeros: only the inverted G2 output toggles -> 0101... = 0x55 */
    uint8_t z[8] = {0}, zo[16];
    assert_int_equal(aus_conv_encode(z, 8, false, zo, sizeof zo), AUS_OK);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(zo[i], 0x55);
    assert_int_equal(aus_conv_encode(z, 8, true, zo, sizeof zo), AUS_E_NOBUFS);
}

static void test_viterbi_oracle(void **st)
{
    (void)st;
    enum { N = 200 };
    uint8_t data[N], enc[2 * N + 2], back[N + 1];
    static unsigned char soft[2 * (8 * N + 6)];
    uint64_t rs = 21;
    for (size_t i = 0; i < N; i++)
        data[i] = (uint8_t)tst_rand(&rs);
    assert_int_equal(aus_conv_encode(data, N, true, enc, sizeof enc), AUS_OK);
    size_t nsym = aus_conv_encoded_bits(N, true);
    int flips = 0;
    for (size_t i = 0; i < nsym; i++) {
        unsigned b = sym(enc, i);
        if (i % 37 == 5) /* a hard error every 37 symbols */
            b ^= 1u, flips++;
        soft[i] = b ? 255 : 0;
    }
    find_cpu_mode();
    int polys[2] = {V27POLYB, -V27POLYA};
    set_viterbi27_polynomial(polys);
    void *vp = create_viterbi27(8 * N);
    assert_non_null(vp);
    init_viterbi27(vp, 0);
    update_viterbi27_blk(vp, soft, 8 * N + 6);
    chainback_viterbi27(vp, back, 8 * N, 0);
    delete_viterbi27(vp);
    assert_true(flips > 80);
    assert_memory_equal(back, data, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impulse),
        cmocka_unit_test(test_viterbi_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
