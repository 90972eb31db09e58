/* SPDX-License-Identifier: Apache-2.0 */
/* aus_bpv7_decide_receipt: what a node does with a well-formed bundle (RFC 9171 §5.6, §4.2.4,
 * §4.4.3, §4.2.2), every branch a single node can decide. Each bundle is built, encoded and
 * decoded first: the decoder must call it well formed, the receipt function decides. */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"

static aus_bpv7_bundle B, D, C;
static uint8_t buf[1 << 14];
static const uint8_t pay[] = "payload";
static const uint8_t data[] = {0x82, 0x01, 0x02};

#define CTIME 800000000000ull
#define LIFE 60000ull

static void build(aus_bpv7_bundle *b)
{
    aus_bpv7_init(b);
    b->pri.crc_type = AUS_BPV7_CRC_32C;
    b->pri.dst.scheme = b->pri.src.scheme = b->pri.report_to.scheme = AUS_EID_SCHEME_IPN;
    b->pri.dst.node = 1;
    b->pri.src.node = 2;
    b->pri.report_to.node = 2;
    b->pri.ctime = CTIME;
    b->pri.lifetime = LIFE;
    assert_int_equal(aus_bpv7_set_payload(b, pay, sizeof pay - 1, 0, AUS_BPV7_CRC_32C), AUS_OK);
}

/* Encode b and decode it into D: well formed whatever the receipt says. */
static void roundtrip(const aus_bpv7_bundle *b)
{
    long n = aus_bpv7_encode(b, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, AUS_BPV7_STRICT | AUS_BPV7_STRICT_CBOR),
                     AUS_OK);
}

static aus_bpv7_receipt decide(uint64_t now, const uint64_t *types, size_t ntypes)
{
    aus_bpv7_node node = {now, types, ntypes};
    aus_bpv7_receipt r, again;
    memcpy(&C, &D, sizeof C);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_OK);
    /* pure: the bundle is untouched and the same question gets the same answer */
    assert_memory_equal(&C, &D, sizeof C);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &again), AUS_OK);
    assert_int_equal(again.action, r.action);
    assert_int_equal(again.reason, r.reason);
    assert_int_equal(again.ndiscard, r.ndiscard);
    assert_int_equal(again.nreport, r.nreport);
    return r;
}

static void assert_accept(const aus_bpv7_receipt *r)
{
    assert_int_equal(r->action, AUS_BPV7_ACCEPT);
    assert_int_equal(r->reason, AUS_BPV7_RC_NONE);
    assert_int_equal(r->block, SIZE_MAX);
}

static void assert_delete(const aus_bpv7_receipt *r, unsigned reason)
{
    assert_int_equal(r->action, AUS_BPV7_DELETE);
    assert_int_equal(r->reason, reason);
}

static void test_plain_accept(void **st)
{
    (void)st;
    build(&B);
    roundtrip(&B);
    aus_bpv7_receipt r = decide(CTIME + 1, NULL, 0);
    assert_accept(&r);
    assert_int_equal(r.ndiscard, 0);
    assert_int_equal(r.nreport, 0);
}

/* §4.2.2: age = now - creation time when both clocks are known, else the bundle age block. */
static void test_lifetime(void **st)
{
    (void)st;
    build(&B);
    roundtrip(&B);
    aus_bpv7_receipt r = decide(CTIME + LIFE, NULL, 0); /* age == lifetime: still alive */
    assert_accept(&r);
    r = decide(CTIME + LIFE + 1, NULL, 0);
    assert_delete(&r, AUS_BPV7_RC_LIFETIME_EXPIRED);
    assert_int_equal(r.block, SIZE_MAX);
    r = decide(0, NULL, 0); /* the node has no clock and the bundle no age block */
    assert_accept(&r);
    r = decide(CTIME - 5000, NULL, 0); /* a clock behind the creation time: age 0 */
    assert_accept(&r);
    /* no creation clock: the bundle age block counts (§4.2.6, §4.4.2) */
    build(&B);
    B.pri.ctime = 0;
    assert_int_equal(aus_bpv7_add_age(&B, LIFE, 0), AUS_OK);
    roundtrip(&B);
    r = decide(CTIME, NULL, 0);
    assert_accept(&r);
    B.age_ms = LIFE + 1;
    roundtrip(&B);
    r = decide(CTIME, NULL, 0);
    assert_delete(&r, AUS_BPV7_RC_LIFETIME_EXPIRED);
    r = decide(0, NULL, 0);
    assert_delete(&r, AUS_BPV7_RC_LIFETIME_EXPIRED);
}

/* §4.4.3: hop count over the hop limit: delete, reason 9; equal is fine. */
static void test_hop_limit(void **st)
{
    (void)st;
    build(&B);
    assert_int_equal(aus_bpv7_add_hop_count(&B, 5, 5, AUS_BPV7_CRC_16), AUS_OK);
    roundtrip(&B);
    aus_bpv7_receipt r = decide(CTIME, NULL, 0);
    assert_accept(&r);
    B.hop_count = 6;
    roundtrip(&B);
    r = decide(CTIME, NULL, 0);
    assert_delete(&r, AUS_BPV7_RC_HOP_LIMIT);
    assert_int_equal(r.block, 0);
    B.hop_limit = 255;
    B.hop_count = UINT64_MAX;
    roundtrip(&B);
    r = decide(CTIME, NULL, 0);
    assert_delete(&r, AUS_BPV7_RC_HOP_LIMIT);
}

/* §4.2.4 / §5.6: an unprocessed block with each combination of bits 1 (report), 2 (delete
 * bundle) and 4 (discard block); 0x01 (replicate) is irrelevant here and set on odd rows. */
static void test_unknown_block_flags(void **st)
{
    (void)st;
    for (unsigned combo = 0; combo < 8; combo++) {
        uint64_t flags = ((combo & 1) ? AUS_BPV7_BLK_RPT_UNPROC : 0) |
                         ((combo & 2) ? AUS_BPV7_BLK_DEL_UNPROC : 0) |
                         ((combo & 4) ? AUS_BPV7_BLK_DISC_UNPROC : 0) | (combo & 1);
        build(&B);
        assert_int_equal(aus_bpv7_add_block(&B, 200, 7, flags, 0, data, sizeof data), 0);
        roundtrip(&B);
        aus_bpv7_receipt r = decide(CTIME, NULL, 0);
        int del = (combo & 2) != 0, rpt = (combo & 1) != 0, disc = (combo & 4) && !del;
        if (del) {
            assert_delete(&r, AUS_BPV7_RC_BLOCK_UNSUPPORTED);
            assert_int_equal(r.block, 0);
        } else {
            assert_accept(&r);
        }
        assert_int_equal(r.nreport, rpt);
        if (rpt)
            assert_int_equal(r.report[0], 7);
        assert_int_equal(r.ndiscard, disc);
        if (disc)
            assert_int_equal(r.discard[0], 7);
        /* a node that processes type 200 does none of it */
        const uint64_t mine[] = {11, 12, 200};
        r = decide(CTIME, mine, 3);
        assert_accept(&r);
        assert_int_equal(r.nreport + r.ndiscard, 0);
    }
}

/* "make no further attempt to process any of the bundle's other blocks" after a delete, and the
 * reason is the first one met in block order; blocks come before the lifetime. */
static void test_order(void **st)
{
    (void)st;
    build(&B);
    assert_true(aus_bpv7_add_block(&B, 201, 2, AUS_BPV7_BLK_DISC_UNPROC, 0, data, 3) >= 0);
    assert_true(aus_bpv7_add_block(&B, 202, 3, AUS_BPV7_BLK_DEL_UNPROC, 0, data, 3) >= 0);
    assert_true(aus_bpv7_add_block(&B, 203, 4, AUS_BPV7_BLK_RPT_UNPROC, 0, data, 3) >= 0);
    assert_int_equal(aus_bpv7_add_hop_count(&B, 1, 9, 0), AUS_OK); /* after the delete block */
    roundtrip(&B);
    aus_bpv7_receipt r = decide(CTIME + LIFE + 1, NULL, 0); /* expired too */
    assert_delete(&r, AUS_BPV7_RC_BLOCK_UNSUPPORTED);
    assert_int_equal(r.block, 1);
    assert_int_equal(r.ndiscard, 1); /* block 2 was met before the delete */
    assert_int_equal(r.discard[0], 2);
    assert_int_equal(r.nreport, 0); /* block 4 never looked at */
    /* the node processes 202: the hop count decides next */
    const uint64_t p202[] = {202};
    r = decide(CTIME + LIFE + 1, p202, 1);
    assert_delete(&r, AUS_BPV7_RC_HOP_LIMIT);
    assert_int_equal(r.block, 3);
    assert_int_equal(r.nreport, 1);
    assert_int_equal(r.report[0], 4);
    /* hop count within its limit: the lifetime decides */
    B.hop_count = 1;
    roundtrip(&B);
    r = decide(CTIME + LIFE + 1, p202, 1);
    assert_delete(&r, AUS_BPV7_RC_LIFETIME_EXPIRED);
    assert_int_equal(r.ndiscard, 1);
    assert_int_equal(r.nreport, 1);
}

/* A block a BCB encrypts is not judged before BPSec has decrypted it. */
static void test_encrypted_not_judged(void **st)
{
    (void)st;
    build(&B);
    assert_int_equal(aus_bpv7_add_hop_count(&B, 1, 9, 0), AUS_OK);
    roundtrip(&B);
    D.blk[0].encrypted = 1;
    D.has_hop = 0;
    aus_bpv7_receipt r = decide(CTIME, NULL, 0);
    assert_accept(&r);
}

/* Block-number collisions and the like are §4 well-formedness: the decoder refuses them, so
 * they never reach the receipt function. */
static void test_collisions_are_not_well_formed(void **st)
{
    (void)st;
    build(&B);
    assert_true(aus_bpv7_add_block(&B, 200, 5, AUS_BPV7_BLK_DEL_UNPROC, 0, data, 3) >= 0);
    long n = aus_bpv7_encode(&B, buf, sizeof buf);
    assert_true(n > 0);
    /* renumber block 5 to 1 (the payload's number): 85 18 c8 05 -> 85 18 c8 01 */
    for (long i = 0; i + 3 < n; i++)
        if (buf[i] == 0x85 && buf[i + 1] == 0x18 && buf[i + 2] == 0xc8 && buf[i + 3] == 0x05) {
            buf[i + 3] = 0x01;
            break;
        }
    assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, 0), AUS_E_BLOCKNUM);
}

static void test_args(void **st)
{
    (void)st;
    build(&B);
    roundtrip(&B);
    aus_bpv7_node node = {0, NULL, 0}, bad = {0, NULL, 2};
    aus_bpv7_receipt r;
    assert_int_equal(aus_bpv7_decide_receipt(NULL, &node, &r), AUS_E_ARG);
    assert_int_equal(aus_bpv7_decide_receipt(&D, NULL, &r), AUS_E_ARG);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, NULL), AUS_E_ARG);
    assert_int_equal(aus_bpv7_decide_receipt(&D, &bad, &r), AUS_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_accept),
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_hop_limit),
        cmocka_unit_test(test_unknown_block_flags),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_encrypted_not_judged),
        cmocka_unit_test(test_collisions_are_not_well_formed),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
