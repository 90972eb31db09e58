/* SPDX-License-Identifier: Apache-2.0 */
/* BPv7 builder, round trips, the RFC 9171 §4 rules one by one (each with its own error),
 * unknown-block flags, EID text forms, fragmentation/reassembly, status reports, lifetime.
 * Invalid bundles are written with the low-level block writers, which do not validate. */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"

static aus_bpv7_bundle B, D;
static uint8_t buf[1 << 16], buf2[1 << 16];

static aus_eid ipn(uint64_t n, uint64_t s)
{
    aus_eid e = {AUS_EID_SCHEME_IPN, n, s, NULL, 0};
    return e;
}

static aus_eid dtn(const char *ssp)
{
    aus_eid e = {AUS_EID_SCHEME_DTN, 0, 0, (const uint8_t *)ssp, ssp ? strlen(ssp) : 0};
    return e;
}

static const uint8_t payload[] = "The quick brown fox jumps over the lazy dog";

/* A valid bundle with every extension block. */
static void build(aus_bpv7_bundle *b, uint8_t crc)
{
    aus_bpv7_init(b);
    b->pri.crc_type = crc;
    b->pri.flags = AUS_BPV7_BF_RPT_DELIVERY | AUS_BPV7_BF_STATUS_TIME;
    b->pri.dst = ipn(5, 7);
    b->pri.src = dtn("//earth/ops");
    b->pri.report_to = ipn(1, 0);
    b->pri.ctime = 817000000000ull;
    b->pri.seq = 3;
    b->pri.lifetime = 86400000;
    aus_eid prev = ipn(9, 0);
    assert_int_equal(aus_bpv7_set_payload(b, payload, sizeof payload - 1, 0, crc), AUS_OK);
    assert_int_equal(aus_bpv7_add_prev_node(b, &prev, crc), AUS_OK);
    assert_int_equal(aus_bpv7_add_age(b, 1234, crc), AUS_OK);
    assert_int_equal(aus_bpv7_add_hop_count(b, 16, 2, crc), AUS_OK);
}

/* Write a bundle without validation: outer array, primary, blocks, break. */
static size_t raw(const aus_bpv7_bundle *b)
{
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    aus_cbor_wr_array_indef(&w);
    aus_bpv7_primary_write(&w, &b->pri);
    for (size_t i = 0; i < b->nblocks; i++)
        aus_bpv7_block_write(&w, b, &b->blk[i]);
    aus_cbor_wr_break(&w);
    assert_int_equal(w.err, AUS_OK);
    return w.off;
}

static void test_builder_roundtrip(void **st)
{
    (void)st;
    for (uint8_t crc = 0; crc <= 2; crc++) {
        build(&B, crc);
        assert_int_equal(B.nblocks, 4);
        assert_int_equal(B.blk[3].type, AUS_BPV7_BT_PAYLOAD); /* payload kept last */
        assert_int_equal(B.blk[0].number, 2);
        assert_int_equal(B.blk[1].number, 3);
        assert_int_equal(B.blk[2].number, 4);
        long n = aus_bpv7_encode(&B, buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_encode(&B, NULL, 0), n);
        /* strict: needs a primary CRC (the ctime is set, so the age rule holds) */
        assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, AUS_BPV7_STRICT),
                         crc ? AUS_OK : AUS_E_NOCRC);
        assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, 0), AUS_OK);
        assert_int_equal(D.pri.crc_type, crc);
        assert_int_equal(D.pri.flags, B.pri.flags);
        assert_true(aus_bpv7_eid_eq(&D.pri.dst, &B.pri.dst));
        assert_true(aus_bpv7_eid_eq(&D.pri.src, &B.pri.src));
        assert_true(aus_bpv7_eid_eq(&D.pri.report_to, &B.pri.report_to));
        assert_int_equal(D.pri.ctime, B.pri.ctime);
        assert_int_equal(D.pri.seq, 3);
        assert_int_equal(D.pri.lifetime, 86400000);
        assert_true(D.has_age && D.has_hop && D.has_prev);
        assert_int_equal(D.age_ms, 1234);
        assert_int_equal(D.hop_limit, 16);
        assert_int_equal(D.hop_count, 2);
        assert_true(aus_bpv7_eid_eq(&D.prev_node, &B.prev_node));
        assert_int_equal(D.payload_len, sizeof payload - 1);
        assert_memory_equal(D.payload, payload, D.payload_len);
        for (size_t i = 0; i < D.nblocks; i++)
            assert_int_equal(D.blk[i].crc_type, crc);
        assert_int_equal(D.notes, crc ? 0u : AUS_BPV7_NOTE_NO_PRIMARY_CRC);
        long m = aus_bpv7_encode(&D, buf2, sizeof buf2);
        tst_assert_bytes(buf2, (size_t)m, buf, (size_t)n);
        /* a too-small buffer is NOBUFS, never a partial success */
        assert_int_equal(aus_bpv7_encode(&B, buf2, (size_t)n - 1), AUS_E_NOBUFS);
    }
}

static void test_crc_detects_every_flip(void **st)
{
    (void)st;
    for (uint8_t crc = 1; crc <= 2; crc++) {
        build(&B, crc);
        long n = aus_bpv7_encode(&B, buf, sizeof buf);
        /* flip a bit inside the payload text: only the payload CRC can notice */
        size_t at = (size_t)n - 1 - (crc == 1 ? 3 : 5) - 4;
        buf[at] ^= 0x01;
        assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, 0), AUS_E_CRC);
        assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, AUS_BPV7_NO_CRC_CHECK), AUS_OK);
    }
}

typedef void (*mutate_fn)(aus_bpv7_bundle *b);
static void m_payload_not_last(aus_bpv7_bundle *b)
{
    aus_bpv7_block t = b->blk[3];
    b->blk[3] = b->blk[2];
    b->blk[2] = t;
}
static void m_payload_number(aus_bpv7_bundle *b) { b->blk[3].number = 7; }
static void m_two_payloads(aus_bpv7_bundle *b)
{
    b->blk[2].type = AUS_BPV7_BT_PAYLOAD;
    b->blk[2].data = payload;
    b->blk[2].data_len = 3;
}
static void m_no_payload(aus_bpv7_bundle *b) { b->nblocks = 3; }
static void m_number_zero(aus_bpv7_bundle *b) { b->blk[1].number = 0; }
static void m_number_dup(aus_bpv7_bundle *b) { b->blk[1].number = b->blk[0].number; }
static void m_hop_exceeded(aus_bpv7_bundle *b) { b->hop_count = 17; }
static void m_hop_limit_zero(aus_bpv7_bundle *b) { b->hop_limit = 0; }
static void m_two_ages(aus_bpv7_bundle *b) { b->blk[0].type = AUS_BPV7_BT_AGE; }
static void m_two_ages_same_number(aus_bpv7_bundle *b)
{
    b->blk[0].type = AUS_BPV7_BT_AGE;
    b->blk[0].number = b->blk[1].number;
}
static void m_version(aus_bpv7_bundle *b) { b->pri.version = 8; }
static void m_admin_reports(aus_bpv7_bundle *b) { b->pri.flags |= AUS_BPV7_BF_ADMIN; }
static void m_admin_block_report(aus_bpv7_bundle *b)
{
    b->pri.flags = AUS_BPV7_BF_ADMIN;
    b->blk[1].flags = AUS_BPV7_BLK_RPT_UNPROC;
}
static void m_anon_fragmentable(aus_bpv7_bundle *b)
{
    b->pri.src = dtn(NULL);
    b->pri.flags = 0;
}
static void m_anon_reports(aus_bpv7_bundle *b)
{
    b->pri.src = dtn(NULL);
    b->pri.flags = AUS_BPV7_BF_NO_FRAGMENT | AUS_BPV7_BF_RPT_RECEPTION;
}
static void m_bad_dtn(aus_bpv7_bundle *b) { b->pri.dst = dtn("node/svc"); }
static void m_bad_dtn_node(aus_bpv7_bundle *b) { b->pri.dst = dtn("///svc"); }
static void m_bad_dtn_space(aus_bpv7_bundle *b) { b->pri.report_to = dtn("//a/b c"); }
static void m_bad_prev(aus_bpv7_bundle *b) { b->prev_node = dtn("//x"); }
static void m_frag_beyond(aus_bpv7_bundle *b)
{
    b->pri.flags |= AUS_BPV7_BF_FRAGMENT;
    b->pri.frag_offset = 10;
    b->pri.total_adu_len = 20; /* 10 + 43 > 20 */
}
static void m_anon_ok(aus_bpv7_bundle *b)
{
    b->pri.src = dtn(NULL);
    b->pri.flags = AUS_BPV7_BF_NO_FRAGMENT;
}

typedef struct rule {
    const char *name;
    mutate_fn fn;
    aus_err err;
    int block; /* expected err_off: block index, -1 primary, -2 not checked */
} rule;

static const rule rules[] = {
    {"§4.1 payload last", m_payload_not_last, AUS_E_PAYLOAD, 2},
    {"§4.3.3 payload number 1", m_payload_number, AUS_E_PAYLOAD, 3},
    {"§4.3.3 one payload", m_two_payloads, AUS_E_PAYLOAD, 2},
    {"§4.1 payload present", m_no_payload, AUS_E_PAYLOAD, -2},
    {"§4.3.2 number 0", m_number_zero, AUS_E_BLOCKNUM, 1},
    {"§4.3.2 unique numbers", m_number_dup, AUS_E_BLOCKNUM, 1},
    {"§4.4.3 hop limit range", m_hop_limit_zero, AUS_E_BLOCK, 2},
    {"§4.4 one age block", m_two_ages, AUS_E_BLOCK, 1},
    {"§4.3.2 numbers before extension data", m_two_ages_same_number, AUS_E_BLOCKNUM, 1},
    {"§4.3.1 version", m_version, AUS_E_VERSION, -2},
    {"§4.2.3 admin no reports", m_admin_reports, AUS_E_FLAGS, -1},
    {"§4.2.4 admin block flags", m_admin_block_report, AUS_E_FLAGS, 1},
    {"§4.2.3 anonymous fragmentable", m_anon_fragmentable, AUS_E_FLAGS, -1},
    {"§4.2.3 anonymous reports", m_anon_reports, AUS_E_FLAGS, -1},
    {"§4.2.5.1.1 dtn hier", m_bad_dtn, AUS_E_EID, -2},
    {"§4.2.5.1.1 dtn node", m_bad_dtn_node, AUS_E_EID, -2},
    {"§4.2.5.1.1 dtn VCHAR", m_bad_dtn_space, AUS_E_EID, -2},
    {"§4.4.1 prev node EID", m_bad_prev, AUS_E_EID, 0},
    {"§4.3.1 fragment range", m_frag_beyond, AUS_E_FRAG, 3},
};

static void test_rules(void **st)
{
    (void)st;
    for (size_t i = 0; i < AUS_ARRAY_LEN(rules); i++) {
        build(&B, AUS_BPV7_CRC_32C);
        rules[i].fn(&B);
        /* the builder refuses to encode it ... */
        long enc = aus_bpv7_encode(&B, buf2, sizeof buf2);
        if (enc != rules[i].err)
            fail_msg("%s: encode gave %s", rules[i].name, aus_err_name((int)enc));
        /* ... and the decoder rejects the bytes with the same specific error */
        size_t n = raw(&B);
        aus_err e = aus_bpv7_decode(&D, buf, n, 0);
        if (e != rules[i].err)
            fail_msg("%s: decode gave %s, want %s", rules[i].name, aus_err_name(e),
                     aus_err_name(rules[i].err));
        if (rules[i].block == -1)
            assert_int_equal(D.err_off, 1);
        else if (rules[i].block >= 0)
            assert_int_equal(D.err_off, D.blk[rules[i].block].off);
        assert_true(D.err_off < n);
    }
    /* anonymous bundle done right is fine */
    build(&B, 0);
    m_anon_ok(&B);
    assert_true(aus_bpv7_encode(&B, buf, sizeof buf) > 0);
}

/* §4.4.3: a hop count over the hop limit is well formed (the builder encodes it, the decoder
 * accepts it); the receiving node deletes it with reason 9 (RFC 9171 §4.4.3). */
static void test_hop_exceeded_is_well_formed(void **st)
{
    (void)st;
    build(&B, AUS_BPV7_CRC_32C);
    m_hop_exceeded(&B);
    long n = aus_bpv7_encode(&B, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, AUS_BPV7_STRICT | AUS_BPV7_STRICT_CBOR),
                     AUS_OK);
    assert_int_equal(D.hop_count, 17);
    aus_bpv7_node node = {0, NULL, 0};
    aus_bpv7_receipt r;
    assert_int_equal(aus_bpv7_decide_receipt(&D, &node, &r), AUS_OK);
    assert_int_equal(r.action, AUS_BPV7_DELETE);
    assert_int_equal(r.reason, AUS_BPV7_RC_HOP_LIMIT);
    assert_int_equal(r.block, 2);
}

/* Hand-made CBOR for the structural rules the struct cannot express. */
static void test_structure(void **st)
{
    (void)st;
    build(&B, 0);
    size_t n = raw(&B);
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_OK);
    /* non-shortest head for the lifetime: well formed and accepted by default (RFC 9171 asks
     * for CBOR, not a deterministic profile); AUS_BPV7_STRICT_CBOR refuses it by name */
    static uint8_t t[1 << 12];
    size_t lt = 0;
    for (size_t i = 0; i < n; i++) /* find 1a 05 26 5c 00 (86400000) */
        if (buf[i] == 0x1a && buf[i + 1] == 0x05 && buf[i + 2] == 0x26 && buf[i + 3] == 0x5c) {
            lt = i;
            break;
        }
    assert_true(lt > 0);
    memcpy(t, buf, lt);
    t[lt] = 0x1b;
    memset(t + lt + 1, 0, 4);
    memcpy(t + lt + 5, buf + lt + 1, n - lt - 1);
    assert_int_equal(aus_bpv7_decode(&D, t, n + 4, AUS_BPV7_STRICT_CBOR), AUS_E_NONPREFERRED);
    assert_int_equal(D.err_off, lt); /* the first byte of the offending head */
    assert_int_equal(aus_bpv7_decode(&D, t, n + 4, 0), AUS_OK);
    assert_int_equal(D.pri.lifetime, 86400000);
    assert_int_equal(aus_bpv7_decode(&D, t, n + 4, AUS_BPV7_LAX_CBOR), AUS_OK);
    /* definite outer array: NOT_INDEF by default, LAX accepts a definite array of blocks */
    memcpy(t, buf, n);
    t[0] = 0x85; /* primary + 4 blocks */
    assert_int_equal(aus_bpv7_decode(&D, t, n - 1, 0), AUS_E_NOT_INDEF);
    assert_int_equal(aus_bpv7_decode(&D, t, n - 1, AUS_BPV7_LAX_CBOR), AUS_OK);
    /* not an array at all */
    t[0] = 0xa0;
    assert_int_equal(aus_bpv7_decode(&D, t, 1, 0), AUS_E_MALFORMED);
}

static void test_primary_shape(void **st)
{
    (void)st;
    build(&B, 0);
    B.pri.flags = 0;
    size_t n = raw(&B);
    /* 9f 88 07 00 00 ...: version, flags, crc type */
    assert_int_equal(buf[1], 0x88);
    buf[4] = 0x03; /* CRC type 3 */
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_MALFORMED);
    assert_int_equal(D.err_off, 4); /* the CRC type field */
    buf[4] = 0x01;                  /* says CRC-16 but the array has 8 elements */
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_MALFORMED);
    assert_int_equal(D.err_off, 1); /* the primary block's array head */
    buf[4] = 0x00;
    buf[3] = 0x01; /* fragment flag without the two fragment fields */
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_MALFORMED);
    assert_int_equal(D.err_off, 1);
    buf[3] = 0x00;
    buf[1] = 0x87; /* 7 elements */
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_E_MALFORMED);
    assert_int_equal(D.err_off, 1);
    buf[1] = 0x88;
    assert_int_equal(aus_bpv7_decode(&D, buf, n, 0), AUS_OK);
}

static void test_unknown_blocks(void **st)
{
    (void)st;
    const uint8_t data[] = {0x82, 0x01, 0x02};
    uint64_t flags[] = {0, AUS_BPV7_BLK_RPT_UNPROC, AUS_BPV7_BLK_DISC_UNPROC,
                        AUS_BPV7_BLK_DEL_UNPROC};
    for (int i = 0; i < 4; i++) {
        build(&B, AUS_BPV7_CRC_16);
        long k = aus_bpv7_add_block(&B, 200, 0, flags[i], AUS_BPV7_CRC_16, data, sizeof data);
        assert_int_equal(k, 3);
        long n = aus_bpv7_encode(&B, buf, sizeof buf);
        assert_true(n > 0);
        aus_err e = aus_bpv7_decode(&D, buf, (size_t)n, 0);
        /* §4.2.4 "delete bundle if block can't be processed" is what a node does on receipt
         * (aus_bpv7_decide_receipt, test_bpv7_receipt.c): the bundle is well formed */
        assert_int_equal(e, AUS_OK);
        if (i == 3) {
            assert_true(D.blk[3].unknown);
            assert_false(D.blk[3].discard);
            continue;
        }
        assert_true(D.blk[3].unknown);
        assert_memory_equal(D.blk[3].data, data, sizeof data); /* kept as an opaque view */
        assert_true(D.notes & AUS_BPV7_NOTE_UNKNOWN_BLOCK);
        assert_int_equal(!!(D.notes & AUS_BPV7_NOTE_REPORT_UNPROC), i == 1);
        assert_int_equal(D.blk[3].discard, i == 2);
        long m = aus_bpv7_encode(&D, buf2, sizeof buf2);
        if (i == 2) {
            /* discarded: the re-encoded bundle no longer has it */
            assert_true(m < n);
            assert_int_equal(aus_bpv7_decode(&D, buf2, (size_t)m, 0), AUS_OK);
            assert_int_equal(D.nblocks, 4);
            assert_int_equal(aus_bpv7_find_block(&D, 200), -1);
        } else {
            tst_assert_bytes(buf2, (size_t)m, buf, (size_t)n);
        }
    }
    /* BPSec block types are not "unknown" here */
    build(&B, 0);
    const uint8_t asb[] = {0x81, 0x00}; /* targets [0] */
    assert_true(aus_bpv7_add_block(&B, AUS_BPV7_BT_BIB, 0, AUS_BPV7_BLK_DEL_UNPROC, 0, asb,
                                   sizeof asb) > 0);
    long n = aus_bpv7_encode(&B, buf, sizeof buf);
    assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, AUS_BPV7_STRICT), AUS_OK);
    assert_true(aus_bpv7_bib_covers_primary(&D));
}

static void test_limits(void **st)
{
    (void)st;
    build(&B, 0);
    while (B.nblocks < AUS_BPV7_MAX_BLOCKS)
        assert_true(aus_bpv7_add_block(&B, 99, 0, 0, 0, NULL, 0) > 0);
    assert_int_equal(aus_bpv7_add_block(&B, 99, 0, 0, 0, NULL, 0), AUS_E_FULL);
    long n = aus_bpv7_encode(&B, buf, sizeof buf);
    assert_int_equal(aus_bpv7_decode(&D, buf, (size_t)n, 0), AUS_OK);
    /* one more block than AUS_BPV7_MAX_BLOCKS in the bytes: BLOCKS (the capacity) */
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    aus_cbor_wr_array_indef(&w);
    aus_bpv7_primary_write(&w, &B.pri);
    for (size_t i = 0; i + 1 < B.nblocks; i++)
        aus_bpv7_block_write(&w, &B, &B.blk[i]);
    aus_bpv7_block extra = B.blk[0];
    extra.number = 900;
    aus_bpv7_block_write(&w, &B, &extra);
    aus_bpv7_block_write(&w, &B, &B.blk[B.nblocks - 1]);
    aus_cbor_wr_break(&w);
    assert_int_equal(w.err, AUS_OK);
    /* the block that does not fit is the last, the payload block, just before the break */
    size_t extra_at;
    {
        aus_bpv7_bundle ok;
        long m = aus_bpv7_encode(&B, buf2, sizeof buf2);
        assert_true(m > 0);
        assert_int_equal(aus_bpv7_decode(&ok, buf2, (size_t)m, 0), AUS_OK);
        extra_at = w.off - 1 - ok.blk[ok.nblocks - 1].len;
    }
    assert_int_equal(aus_bpv7_decode(&D, buf, w.off, 0), AUS_E_BLOCKS);
    assert_int_equal(D.err_off, extra_at);
    /* builder misuse */
    build(&B, 0);
    assert_int_equal(aus_bpv7_add_block(&B, 99, 1, 0, 0, NULL, 0), AUS_E_BLOCKNUM);
    assert_int_equal(aus_bpv7_add_block(&B, 99, 2, 0, 0, NULL, 0), AUS_E_BLOCKNUM);
    assert_int_equal(aus_bpv7_add_block(&B, 99, 0, 0, 3, NULL, 0), AUS_E_ARG);
    assert_int_equal(aus_bpv7_add_block(&B, 1, 0, 0, 0, NULL, 0), AUS_E_ARG);
    assert_int_equal(aus_bpv7_add_age(&B, 1, 0), AUS_E_BLOCK);
    assert_int_equal(aus_bpv7_add_hop_count(&B, 0, 0, 0), AUS_E_ARG);
    B.pri.crc_type = 5;
    assert_int_equal(aus_bpv7_encode(&B, buf, sizeof buf), AUS_E_MALFORMED);
}

static void test_eid_text(void **st)
{
    (void)st;
    const char *good[] = {"ipn:0.0",  "ipn:1.2",        "ipn:18446744073709551615.7",
                          "dtn:none", "dtn://node/svc", "dtn://a.b-c~d/x/y?z=1",
                          "dtn://n/"};
    for (size_t i = 0; i < AUS_ARRAY_LEN(good); i++) {
        aus_eid e;
        char txt[128];
        assert_int_equal(aus_bpv7_eid_parse(&e, good[i], strlen(good[i])), AUS_OK);
        assert_int_equal(aus_bpv7_eid_check(&e), AUS_OK);
        assert_int_equal(aus_bpv7_eid_format(&e, txt, sizeof txt), strlen(good[i]));
        assert_string_equal(txt, good[i]);
        /* CBOR form round trip */
        aus_wr w;
        aus_wr_init(&w, buf, sizeof buf);
        aus_bpv7_eid_write(&w, &e);
        aus_rd r;
        aus_eid f;
        aus_rd_init(&r, buf, w.off);
        assert_int_equal(aus_bpv7_eid_read(&r, AUS_CBOR_STRICT, &f), AUS_OK);
        assert_true(aus_bpv7_eid_eq(&e, &f));
    }
    struct {
        const char *s;
        aus_err e;
    } bad[] = {{"ipn:1", AUS_E_EID},         {"ipn:1.", AUS_E_EID},
               {"ipn:.1", AUS_E_EID},        {"ipn:01.1", AUS_E_EID},
               {"ipn:1.2x", AUS_E_EID},      {"ipn:18446744073709551616.1", AUS_E_EID},
               {"dtn:", AUS_E_EID},          {"dtn:nonex", AUS_E_EID},
               {"dtn://node", AUS_E_EID},    {"dtn:///x", AUS_E_EID},
               {"dtn://no de/x", AUS_E_EID}, {"http://x/y", AUS_E_UNSUPPORTED},
               {"garbage", AUS_E_EID},       {"dtn://n/\x7f", AUS_E_EID}};
    for (size_t i = 0; i < AUS_ARRAY_LEN(bad); i++) {
        aus_eid e;
        aus_err got = aus_bpv7_eid_parse(&e, bad[i].s, strlen(bad[i].s));
        if (got != bad[i].e)
            fail_msg("%s: %s", bad[i].s, aus_err_name(got));
    }
    /* truncating format */
    aus_eid e = ipn(123456, 7);
    char small[6];
    assert_int_equal(aus_bpv7_eid_format(&e, small, sizeof small), 12);
    assert_string_equal(small, "ipn:1");
    /* CBOR forms (RFC 9171 §4.2.5.1) */
    struct {
        const char *hex;
        aus_err e;
    } cb[] = {
        {"8202820102", AUS_OK},               /* ipn:1.2 */
        {"820100", AUS_OK},                   /* dtn:none */
        {"820101", AUS_E_EID},                /* dtn SSP integer other than 0 */
        {"8201646e6f6e65", AUS_E_EID},        /* dtn:none spelt as text */
        {"820283010203", AUS_E_EID},          /* ipn SSP of three numbers */
        {"82026369706e", AUS_E_EID},          /* ipn SSP as text */
        {"8202820120", AUS_E_EID},            /* ipn service negative */
        {"8200820102", AUS_E_EID},            /* scheme 0 is reserved */
        {"8203820102", AUS_E_UNSUPPORTED},    /* scheme 3: not dtn or ipn */
        {"83010000", AUS_E_EID},              /* three elements */
        {"82028201", AUS_E_TRUNC},            /* cut short */
        {"820282011800", AUS_E_NONCANONICAL}, /* non-shortest service number */
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(cb); i++) {
        size_t n;
        uint8_t *p = tst_hex(cb[i].hex, &n);
        aus_rd r;
        aus_eid f;
        aus_rd_init(&r, p, n);
        aus_err got = aus_bpv7_eid_read(&r, AUS_CBOR_STRICT, &f);
        if (got != cb[i].e)
            fail_msg("%s: %s", cb[i].hex, aus_err_name(got));
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_roundtrip),
        cmocka_unit_test(test_crc_detects_every_flip),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_hop_exceeded_is_well_formed),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_primary_shape),
        cmocka_unit_test(test_unknown_blocks),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_eid_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
