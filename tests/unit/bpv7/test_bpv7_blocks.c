/* SPDX-License-Identifier: Apache-2.0 */
/* Bundles with many canonical blocks (RFC 9171 sets no limit on their number, §4.1): the
 * struct's own array (AUS_BPV7_MAX_BLOCKS), a caller's array of any size, and the resource
 * bound answered with AUS_E_BLOCKS, never a silent cap. Bundles are written with the
 * low-level block writers, so that their bytes do not depend on the builder's capacity. */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"

#define MANY 1000

static aus_bpv7_bundle D, C;
static aus_bpv7_block arr[MANY + 8];
static uint8_t buf[1 << 16];
static const uint8_t payload[] = "payload";

/* A bundle with nblocks canonical blocks: nblocks - 1 of private type 193 (flags as given,
 * numbers 2..), then the payload block. Returns its length; *at gets the offset of block
 * index `mark` (the first byte of that block). */
static size_t many(size_t nblocks, uint64_t flags, size_t mark, size_t *at)
{
    aus_bpv7_primary pri;
    memset(&pri, 0, sizeof pri);
    pri.version = 7;
    pri.crc_type = AUS_BPV7_CRC_32C;
    pri.dst.scheme = AUS_EID_SCHEME_IPN;
    pri.dst.node = 2;
    pri.dst.service = 1;
    pri.src.scheme = AUS_EID_SCHEME_IPN;
    pri.src.node = 1;
    pri.src.service = 1;
    pri.report_to = pri.src;
    pri.ctime = 817000000000ull;
    pri.lifetime = 3600000;
    aus_bpv7_bundle tmp;
    aus_bpv7_init(&tmp);
    tmp.pri = pri;
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    aus_cbor_wr_array_indef(&w);
    aus_bpv7_primary_write(&w, &pri);
    static const uint8_t data[] = {0x42};
    for (size_t i = 0; i < nblocks; i++) {
        aus_bpv7_block k;
        memset(&k, 0, sizeof k);
        int last = i + 1 == nblocks;
        k.type = last ? AUS_BPV7_BT_PAYLOAD : 193u;
        k.number = last ? 1u : 2u + i;
        k.flags = last ? 0 : flags;
        k.crc_type = AUS_BPV7_CRC_16;
        k.data = last ? payload : data;
        k.data_len = last ? sizeof payload - 1 : sizeof data;
        if (i == mark && at)
            *at = w.off;
        aus_bpv7_block_write(&w, &tmp, &k);
    }
    aus_cbor_wr_break(&w);
    assert_int_equal(w.err, AUS_OK);
    return w.off;
}

static void check_blocks(const aus_bpv7_bundle *b, size_t nblocks)
{
    assert_int_equal(b->nblocks, nblocks);
    for (size_t i = 0; i + 1 < nblocks; i++) {
        assert_int_equal(b->blk[i].type, 193);
        assert_int_equal(b->blk[i].number, 2 + i);
    }
    assert_int_equal(b->blk[nblocks - 1].type, AUS_BPV7_BT_PAYLOAD);
    assert_int_equal(b->payload_len, sizeof payload - 1);
}

/* 17 blocks: the previous fixed array of 16 refused this bundle with AUS_E_LIMIT. */
static void test_17_blocks(void **st)
{
    (void)st;
    size_t n = many(17, 0, 0, NULL);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_OK);
    check_blocks(&D, 17);
    assert_ptr_equal(D.blk, D.blk_own);
    /* and it re-encodes to the same bytes */
    static uint8_t out[1 << 16];
    long m = aus_bpv7_encode(&D, out, sizeof out);
    tst_assert_bytes(out, (size_t)m, buf, n);
}

/* 256 blocks fit the struct's own array (the CLI's and the daemons' floor). */
static void test_256_blocks(void **st)
{
    (void)st;
    assert_true(AUS_BPV7_MAX_BLOCKS >= 256);
    size_t n = many(256, 0, 0, NULL);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, AUS_BPV7_STRICT_CBOR), AUS_OK);
    check_blocks(&D, 256);
    aus_bpv7_node node = {0, NULL, 0};
    aus_bpv7_receipt r;
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_OK);
    assert_int_equal(r.action, AUS_BPV7_ACCEPT);
}

/* One block more than the struct's own array: AUS_E_BLOCKS at the first block that does not
 * fit (the payload block here), with its sentence. */
static void test_own_bound(void **st)
{
    (void)st;
    size_t at = 0;
    size_t n = many(AUS_BPV7_MAX_BLOCKS + 1, 0, AUS_BPV7_MAX_BLOCKS, &at);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_BLOCKS);
    assert_int_equal(D.err_off, at);
    assert_string_equal(aus_err_name(AUS_E_BLOCKS), "AUS_E_BLOCKS");
    assert_string_equal(aus_err_str(AUS_E_BLOCKS),
                        "the bundle has more canonical blocks than the configured block capacity");
}

/* The caller's array: MANY blocks decode; a smaller capacity is refused at its bound. */
static void test_caller_array(void **st)
{
    (void)st;
    size_t n = many(MANY, 0, 0, NULL);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_BLOCKS);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, MANY, buf, n, 0), AUS_OK);
    assert_ptr_equal(D.blk, arr);
    assert_int_equal(D.blk_cap, MANY);
    check_blocks(&D, MANY);
    size_t at = 0;
    n = many(21, 0, 20, &at);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, 20, buf, n, 0), AUS_E_BLOCKS);
    assert_int_equal(D.err_off, at);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, 21, buf, n, 0), AUS_OK);
    /* NULL array: the struct's own */
    assert_int_equal(aus_bpv7_decode_blocks(&D, NULL, 0, buf, n, 0), AUS_OK);
    assert_ptr_equal(D.blk, D.blk_own);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, 0, buf, n, 0), AUS_E_ARG);
    /* truncation at every offset of a many-block bundle never reads past the bytes */
    n = many(40, 0, 0, NULL);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_not_equal(aus_bpv7_decode_blocks(&D, arr, 30, buf, cut, 0), AUS_OK);
}

/* The builder on a caller's array: FULL at its capacity; the encoding decodes back. */
static void test_builder_caller_array(void **st)
{
    (void)st;
    aus_bpv7_bundle *b = &C;
    aus_bpv7_init_blocks(b, arr, 300);
    b->pri.dst.scheme = b->pri.src.scheme = b->pri.report_to.scheme = AUS_EID_SCHEME_IPN;
    b->pri.dst.node = 2;
    b->pri.src.node = 1;
    b->pri.report_to.node = 1;
    b->pri.ctime = 1;
    b->pri.lifetime = 1000;
    assert_int_equal(aus_bpv7_set_payload(b, payload, sizeof payload - 1, 0, 0), AUS_OK);
    while (b->nblocks < 300)
        assert_true(aus_bpv7_add_block(b, 194, 0, 0, 0, NULL, 0) >= 0);
    assert_int_equal(aus_bpv7_add_block(b, 194, 0, 0, 0, NULL, 0), AUS_E_FULL);
    long m = aus_bpv7_encode(b, buf, sizeof buf);
    assert_true(m > 0);
    static aus_bpv7_block arr2[400];
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr2, 400, buf, (size_t)m, 0), AUS_OK);
    assert_int_equal(D.nblocks, 300);
    assert_int_equal(D.blk[299].type, AUS_BPV7_BT_PAYLOAD);
}

/* aus_bpv7_copy: a copy of a bundle on its own array has its own blocks. */
static void test_copy(void **st)
{
    (void)st;
    size_t n = many(30, 0, 0, NULL);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_OK);
    aus_bpv7_copy(&C, &D);
    assert_ptr_equal(C.blk, C.blk_own);
    check_blocks(&C, 30);
    D.blk[0].type = 5;
    assert_int_equal(C.blk[0].type, 193);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, 64, buf, n, 0), AUS_OK);
    aus_bpv7_copy(&C, &D);
    assert_ptr_equal(C.blk, arr); /* a caller's array is shared */
}

/* The receipt's lists hold AUS_BPV7_MAX_BLOCKS numbers: more blocks to discard is BLOCKS. */
static void test_receipt_bound(void **st)
{
    (void)st;
    aus_bpv7_node node = {0, NULL, 0};
    aus_bpv7_receipt r;
    size_t n = many(AUS_BPV7_MAX_BLOCKS + 1, AUS_BPV7_BLK_DISC_UNPROC, 0, NULL);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, MANY, buf, n, 0), AUS_OK);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_OK);
    assert_int_equal(r.ndiscard, AUS_BPV7_MAX_BLOCKS);
    assert_int_equal(r.discard[AUS_BPV7_MAX_BLOCKS - 1], 1 + AUS_BPV7_MAX_BLOCKS);
    n = many(AUS_BPV7_MAX_BLOCKS + 2, AUS_BPV7_BLK_DISC_UNPROC, 0, NULL);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, MANY, buf, n, 0), AUS_OK);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_E_BLOCKS);
    n = many(AUS_BPV7_MAX_BLOCKS + 2, AUS_BPV7_BLK_RPT_UNPROC, 0, NULL);
    assert_int_equal(aus_bpv7_decode_blocks(&D, arr, MANY, buf, n, 0), AUS_OK);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_E_BLOCKS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_17_blocks),
        cmocka_unit_test(test_256_blocks),
        cmocka_unit_test(test_own_bound),
        cmocka_unit_test(test_caller_array),
        cmocka_unit_test(test_builder_caller_array),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_receipt_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
