/* SPDX-License-Identifier: Apache-2.0 */
/* Fragmentation (RFC 9171 §5.8), reassembly (§5.9) with duplicates, overlaps, conflicts and a
 * bounded buffer; bundle status reports (§6.1.1); lifetime (§4.2.2). */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"

static aus_bpv7_bundle B, D, F[64];
static uint8_t adu[1000];
static uint8_t whole[1 << 14];
static size_t whole_len;
static uint8_t frag[64][2048];
static size_t frag_len[64];

static void build(void)
{
    for (size_t i = 0; i < sizeof adu; i++)
        adu[i] = (uint8_t)(i * 7 + 3);
    aus_bpv7_init(&B);
    B.pri.crc_type = AUS_BPV7_CRC_32C;
    B.pri.flags = AUS_BPV7_BF_RPT_RECEPTION;
    B.pri.dst.scheme = B.pri.src.scheme = B.pri.report_to.scheme = AUS_EID_SCHEME_IPN;
    B.pri.dst.node = 20;
    B.pri.dst.service = 1;
    B.pri.src.node = 10;
    B.pri.src.service = 1;
    B.pri.report_to = B.pri.src;
    B.pri.ctime = 5000;
    B.pri.seq = 9;
    B.pri.lifetime = 60000;
    assert_int_equal(aus_bpv7_set_payload(&B, adu, sizeof adu, 0, AUS_BPV7_CRC_16), AUS_OK);
    assert_int_equal(aus_bpv7_add_age(&B, 10, AUS_BPV7_CRC_16), AUS_OK);
    assert_int_equal(aus_bpv7_add_hop_count(&B, 8, 1, AUS_BPV7_CRC_16), AUS_OK);
    B.blk[1].flags = AUS_BPV7_BLK_REPLICATE; /* the hop count travels in every fragment */
    long n = aus_bpv7_encode(&B, whole, sizeof whole);
    assert_true(n > 0);
    whole_len = (size_t)n;
}

/* Cut into pieces of size sz; decode each into F[]. Returns the count. */
static size_t cut(size_t sz)
{
    size_t k = 0;
    for (size_t off = 0; off < sizeof adu; off += sz, k++) {
        size_t len = sizeof adu - off < sz ? sizeof adu - off : sz;
        long n = aus_bpv7_fragment(&B, off, len, frag[k], sizeof frag[k]);
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_fragment(&B, off, len, NULL, 0), n);
        frag_len[k] = (size_t)n;
        assert_int_equal(aus_bpv7_decode(&F[k], frag[k], frag_len[k], AUS_BPV7_STRICT), AUS_OK);
    }
    return k;
}

static void test_fragment_fields(void **st)
{
    (void)st;
    build();
    size_t k = cut(300);
    assert_int_equal(k, 4);
    for (size_t i = 0; i < k; i++) {
        const aus_bpv7_bundle *f = &F[i];
        assert_true(f->pri.flags & AUS_BPV7_BF_FRAGMENT);
        assert_int_equal(f->pri.frag_offset, i * 300);
        assert_int_equal(f->pri.total_adu_len, sizeof adu);
        assert_int_equal(f->payload_len, i == 3 ? 100 : 300);
        assert_memory_equal(f->payload, adu + i * 300, f->payload_len);
        /* §5.8: offset 0 carries every block, the others only the replicated ones */
        assert_int_equal(f->nblocks, i == 0 ? 3 : 2);
        assert_true(f->has_hop);
        assert_int_equal(f->has_age, i == 0);
    }
    /* fragments of a fragment keep offsets relative to the whole ADU */
    long n = aus_bpv7_fragment(&F[1], 100, 50, frag[10], sizeof frag[10]);
    assert_true(n > 0);
    assert_int_equal(aus_bpv7_decode(&D, frag[10], (size_t)n, 0), AUS_OK);
    assert_int_equal(D.pri.frag_offset, 400);
    assert_int_equal(D.pri.total_adu_len, sizeof adu);
    assert_memory_equal(D.payload, adu + 400, 50);
    /* refusals */
    assert_int_equal(aus_bpv7_fragment(&B, 0, 0, frag[11], 2048), AUS_E_ARG);
    assert_int_equal(aus_bpv7_fragment(&B, 990, 11, frag[11], 2048), AUS_E_ARG);
    assert_int_equal(aus_bpv7_fragment(&B, 0, 1000, frag[11], 10), AUS_E_NOBUFS);
    B.pri.flags |= AUS_BPV7_BF_NO_FRAGMENT;
    assert_int_equal(aus_bpv7_fragment(&B, 0, 10, frag[11], 2048), AUS_E_FLAGS);
}

static uint64_t rng = 42;

/* A replicated block that a BCB encrypts goes only into fragments that also carry the BCB:
 * otherwise the receiver of a later fragment would parse ciphertext as CBOR (found by
 * fuzz/bpv7_decode: an "age" of 19 00 2c is non-canonical CBOR, harmless while encrypted). */
static void test_fragment_keeps_ciphertext_with_its_bcb(void **st)
{
    (void)st;
    static const uint8_t age_ct[] = {0x19, 0x00, 0x2c};
    static const uint8_t bcb_targets[] = {0x81, 0x02}; /* the ASB's first field: [2] */
    static uint8_t enc[1 << 12], fr[1 << 12];
    static aus_bpv7_bundle X, Y;
    for (int bcb_replicated = 0; bcb_replicated < 2; bcb_replicated++) {
        build();
        aus_bpv7_init(&X);
        X.pri = B.pri;
        assert_int_equal(aus_bpv7_set_payload(&X, adu, sizeof adu, 0, AUS_BPV7_CRC_NONE), AUS_OK);
        assert_int_equal(aus_bpv7_add_block(&X, AUS_BPV7_BT_AGE, 2, AUS_BPV7_BLK_REPLICATE,
                                            AUS_BPV7_CRC_NONE, age_ct, sizeof age_ct),
                         0);
        assert_int_equal(aus_bpv7_add_block(&X, AUS_BPV7_BT_BCB, 3,
                                            bcb_replicated ? AUS_BPV7_BLK_REPLICATE : 0,
                                            AUS_BPV7_CRC_NONE, bcb_targets, sizeof bcb_targets),
                         1);
        long n = aus_bpv7_encode(&X, enc, sizeof enc);
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_decode(&Y, enc, (size_t)n, 0), AUS_OK);
        assert_true(Y.blk[0].encrypted);
        /* the first fragment carries every block */
        n = aus_bpv7_fragment(&Y, 0, 500, fr, sizeof fr);
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_decode(&X, fr, (size_t)n, 0), AUS_OK);
        /* a later one only the replicated blocks: refused unless the BCB travels too */
        n = aus_bpv7_fragment(&Y, 500, 500, fr, sizeof fr);
        if (!bcb_replicated) {
            assert_int_equal(n, AUS_E_FLAGS);
            continue;
        }
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_decode(&X, fr, (size_t)n, 0), AUS_OK);
        assert_true(X.blk[0].encrypted);
    }
}

static void test_reassembly(void **st)
{
    (void)st;
    build();
    size_t k = cut(128);
    static uint8_t rbuf[1000];
    static aus_bpv7_reasm ra;
    static aus_bpv7_bundle R;
    static uint8_t re[1 << 14];
    for (int round = 0; round < 50; round++) {
        /* a random order, with every piece duplicated */
        size_t order[128];
        size_t m = 0;
        for (size_t i = 0; i < k; i++)
            order[m++] = i, order[m++] = i;
        for (size_t i = m - 1; i > 0; i--) {
            size_t j = (size_t)(tst_rand(&rng) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        aus_bpv7_reasm_init(&ra, rbuf, sizeof rbuf);
        int done = 0;
        for (size_t i = 0; i < m; i++) {
            int rc = aus_bpv7_reasm_add(&ra, &F[order[i]]);
            assert_true(rc == 0 || rc == 1);
            done = rc;
        }
        assert_int_equal(done, 1);
        assert_memory_equal(rbuf, adu, sizeof adu);
        /* the reassembled bundle re-encodes to the original bytes */
        assert_int_equal(aus_bpv7_reasm_bundle(&ra, &F[0], &R), AUS_OK);
        long n = aus_bpv7_encode(&R, re, sizeof re);
        tst_assert_bytes(re, (size_t)n, whole, whole_len);
    }
    /* overlapping pieces from a different cut agree with the first: accepted */
    aus_bpv7_reasm_init(&ra, rbuf, sizeof rbuf);
    assert_int_equal(aus_bpv7_reasm_add(&ra, &F[0]), 0); /* [0,128) */
    static aus_bpv7_bundle O;
    long n = aus_bpv7_fragment(&B, 100, 200, frag[40], sizeof frag[40]);
    assert_int_equal(aus_bpv7_decode(&O, frag[40], (size_t)n, 0), AUS_OK);
    assert_int_equal(aus_bpv7_reasm_add(&ra, &O), 0); /* [100,300) overlaps */
    assert_int_equal(ra.nranges, 1);
    assert_int_equal(ra.hi[0], 300);
    /* conflicting overlap: FRAG, and the state is unchanged */
    static uint8_t evil_adu[1000];
    memcpy(evil_adu, adu, sizeof adu);
    evil_adu[150] ^= 0xff;
    static aus_bpv7_bundle E;
    E = B;
    E.blk[E.nblocks - 1].data = evil_adu;
    E.payload = evil_adu;
    n = aus_bpv7_fragment(&E, 140, 20, frag[41], sizeof frag[41]);
    static aus_bpv7_bundle EF;
    assert_int_equal(aus_bpv7_decode(&EF, frag[41], (size_t)n, 0), AUS_OK);
    aus_bpv7_reasm saved = ra;
    assert_int_equal(aus_bpv7_reasm_add(&ra, &EF), AUS_E_FRAG);
    assert_memory_equal(&saved, &ra, sizeof ra);
    assert_false(aus_bpv7_reasm_complete(&ra));
    assert_int_equal(aus_bpv7_reasm_bundle(&ra, &F[0], &R), AUS_E_STATE);
    /* another bundle (other sequence number): NOTFOUND */
    E = F[3];
    E.pri.seq = 10;
    assert_int_equal(aus_bpv7_reasm_add(&ra, &E), AUS_E_NOTFOUND);
    /* different total length: FRAG; not a fragment: ARG */
    E = F[3];
    E.pri.total_adu_len = 2000;
    assert_int_equal(aus_bpv7_reasm_add(&ra, &E), AUS_E_FRAG);
    assert_int_equal(aus_bpv7_reasm_add(&ra, &B), AUS_E_ARG);
    /* the caller's buffer bounds reassembly memory: LIMIT, not a crash */
    static uint8_t small[999];
    aus_bpv7_reasm_init(&ra, small, sizeof small);
    assert_int_equal(aus_bpv7_reasm_add(&ra, &F[1]), AUS_E_LIMIT);
    assert_int_equal(ra.active, 0);
}

static void test_reassembly_range_limit(void **st)
{
    (void)st;
    build();
    static uint8_t rbuf[1000];
    static aus_bpv7_reasm ra;
    static aus_bpv7_bundle P;
    aus_bpv7_reasm_init(&ra, rbuf, sizeof rbuf);
    /* 1-byte pieces at even offsets never merge: the range table fills up */
    for (size_t i = 0; i <= AUS_BPV7_REASM_MAX_RANGES; i++) {
        long n = aus_bpv7_fragment(&B, 2 * i, 1, frag[0], sizeof frag[0]);
        assert_int_equal(aus_bpv7_decode(&P, frag[0], (size_t)n, 0), AUS_OK);
        int rc = aus_bpv7_reasm_add(&ra, &P);
        assert_int_equal(rc, i < AUS_BPV7_REASM_MAX_RANGES ? 0 : AUS_E_LIMIT);
    }
    assert_int_equal(ra.nranges, AUS_BPV7_REASM_MAX_RANGES);
    /* filling a gap merges two ranges, which makes room again */
    long n = aus_bpv7_fragment(&B, 1, 1, frag[0], sizeof frag[0]);
    assert_int_equal(aus_bpv7_decode(&P, frag[0], (size_t)n, 0), AUS_OK);
    assert_int_equal(aus_bpv7_reasm_add(&ra, &P), 0);
    assert_int_equal(ra.nranges, AUS_BPV7_REASM_MAX_RANGES - 1);
}

/* Status report field layout per RFC 9171 §6.1.1, written out by hand from the CDDL:
 * [1, [[[true, 1234], [false], [false], [false]], 0, [2, [10, 1]], [5000, 9]]] */
static const char *const sr_hex = "8201"
                                  "84"
                                  "84" /* status information */
                                  "82f51904d2"
                                  "81f4"
                                  "81f4"
                                  "81f4"
                                  "00"          /* reason */
                                  "8202820a01"  /* ipn:10.1 */
                                  "8219138809"; /* [5000, 9] */

static void test_status_reports(void **st)
{
    (void)st;
    build();
    aus_bpv7_status_report sr, got;
    B.pri.flags |= AUS_BPV7_BF_STATUS_TIME;
    aus_bpv7_status_about(&sr, &B, AUS_BPV7_SI_RECEIVED, AUS_BPV7_RC_NONE, 1234, 0);
    uint8_t p[256];
    long n = aus_bpv7_status_encode(&sr, p, sizeof p);
    size_t wn;
    uint8_t *want = tst_hex(sr_hex, &wn);
    tst_assert_bytes(p, (size_t)n, want, wn);
    assert_int_equal(aus_bpv7_status_encode(&sr, NULL, 0), n);
    uint64_t type;
    assert_int_equal(aus_bpv7_admin_type(p, (size_t)n, &type), AUS_OK);
    assert_int_equal(type, AUS_BPV7_ADMIN_STATUS_REPORT);
    assert_int_equal(aus_bpv7_status_decode(&got, want, wn), AUS_OK);
    assert_true(got.item[0].asserted && got.item[0].has_time);
    assert_int_equal(got.item[0].time, 1234);
    assert_false(got.item[1].asserted || got.item[2].asserted || got.item[3].asserted);
    assert_int_equal(got.reason, 0);
    assert_int_equal(got.src.node, 10);
    assert_int_equal(got.ctime, 5000);
    assert_int_equal(got.seq, 9);
    assert_false(got.is_fragment);
    free(want);
    /* every reason code, fragment subject, deletion */
    build();
    size_t k = cut(400);
    (void)k;
    for (uint64_t rc = 0; rc <= 11; rc++) {
        aus_bpv7_status_about(&sr, &F[1], AUS_BPV7_SI_DELETED, rc, 0, 0);
        n = aus_bpv7_status_encode(&sr, p, sizeof p);
        assert_true(n > 0);
        assert_int_equal(aus_bpv7_status_decode(&got, p, (size_t)n), AUS_OK);
        assert_int_equal(got.reason, rc);
        assert_true(got.item[3].asserted);
        assert_false(got.item[3].has_time); /* F[1] did not ask for times */
        assert_true(got.is_fragment);
        assert_int_equal(got.frag_offset, 400);
        assert_int_equal(got.frag_len, 400);
        assert_string_not_equal(aus_bpv7_reason_str(rc), "unassigned reason code");
    }
    assert_string_equal(aus_bpv7_reason_str(9), "hop limit exceeded");
    assert_string_equal(aus_bpv7_reason_str(200), "unassigned reason code");
    /* a status report bundle: admin flag, no report requests, valid */
    static aus_bpv7_bundle S;
    aus_bpv7_init(&S);
    S.pri.flags = AUS_BPV7_BF_ADMIN;
    S.pri.crc_type = AUS_BPV7_CRC_16;
    S.pri.dst = B.pri.report_to;
    S.pri.src.scheme = AUS_EID_SCHEME_IPN;
    S.pri.src.node = 20;
    S.pri.ctime = 6000;
    S.pri.lifetime = 1000;
    assert_int_equal(aus_bpv7_set_payload(&S, p, (size_t)n, 0, AUS_BPV7_CRC_16), AUS_OK);
    static uint8_t sb[512];
    long sn = aus_bpv7_encode(&S, sb, sizeof sb);
    assert_int_equal(aus_bpv7_decode(&D, sb, (size_t)sn, AUS_BPV7_STRICT), AUS_OK);
    assert_int_equal(aus_bpv7_status_decode(&got, D.payload, D.payload_len), AUS_OK);
    /* malformed reports */
    const struct {
        const char *hex;
        aus_err e;
    } bad[] = {
        {"8202820000", AUS_E_UNSUPPORTED},                                 /* record type 2 */
        {"8201", AUS_E_TRUNC},                                             /* cut short */
        {"820183840000", AUS_E_MALFORMED},                                 /* 3 elements */
        {"8201848381f481f481f4008202820a01821913880900", AUS_E_MALFORMED}, /* 3 items */
        {"82018484"
         "82f41904d2"
         "81f481f481f4"
         "00"
         "8202820a01"
         "8219138809",
         AUS_E_MALFORMED}, /* a time on a false item */
        {"82018484"
         "81f5"
         "81f481f481f4"
         "00"
         "8202820a01"
         "8219138809"
         "00",
         AUS_E_TRAILING},
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(bad); i++) {
        size_t bn;
        uint8_t *bp = tst_hex(bad[i].hex, &bn);
        aus_err e = aus_bpv7_status_decode(&got, bp, bn);
        if (e != bad[i].e)
            fail_msg("case %zu: %s", i, aus_err_name(e));
        free(bp);
    }
}

static void test_lifetime(void **st)
{
    (void)st;
    build(); /* ctime 5000, lifetime 60000, age block 10 */
    assert_int_equal(aus_bpv7_check_lifetime(&B, 65000), AUS_OK);
    assert_int_equal(aus_bpv7_check_lifetime(&B, 65001), AUS_E_EXPIRED);
    assert_int_equal(aus_bpv7_check_lifetime(&B, 0), AUS_OK); /* age block: 10 ms */
    B.pri.ctime = 0;
    B.age_ms = 60001;
    assert_int_equal(aus_bpv7_check_lifetime(&B, 999999), AUS_E_EXPIRED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fragment_fields),
        cmocka_unit_test(test_fragment_keeps_ciphertext_with_its_bcb),
        cmocka_unit_test(test_reassembly),
        cmocka_unit_test(test_reassembly_range_limit),
        cmocka_unit_test(test_status_reports),
        cmocka_unit_test(test_lifetime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
