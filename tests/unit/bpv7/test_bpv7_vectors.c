/* SPDX-License-Identifier: Apache-2.0 */
/* BPv7 decoding against third-party vectors:
 *  - RFC 9173 Appendix A bundles (../shared/vectors/rfc9173): field values as the RFC gives
 *    them, byte-identical re-encoding, and both sides of the primary-CRC position;
 *  - Wireshark-judged samples (../shared/vectors/tshark_samples/bpv7): good ones accepted,
 *    bad ones rejected with the specific error of the table below;
 *  - truncation at every offset and every single-bit flip: an error or a valid bundle that
 *    re-encodes to the same bytes, never a crash (run under ASan in make check). */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"

static aus_bpv7_bundle B;
static uint8_t out[1 << 16];

static uint8_t *load(const char *rel, size_t *n) { return tst_read_file(tst_shared(rel), n); }

static int eid_is_ipn(const aus_eid *e, uint64_t node, uint64_t svc)
{
    return e->scheme == AUS_EID_SCHEME_IPN && e->node == node && e->service == svc;
}

static void reencode_identical(const uint8_t *p, size_t n)
{
    long m = aus_bpv7_encode(&B, out, sizeof out);
    assert_true(m > 0);
    tst_assert_bytes(out, (size_t)m, p, n);
    assert_int_equal(aus_bpv7_encode(&B, NULL, 0), m); /* sizer agrees */
}

/* RFC 9173 App. A.1.1 (the same primary and payload block in all four examples):
 * destination ipn:1.2, source ipn:2.1, report-to ipn:2.1, creation timestamp [0, 40],
 * lifetime 1000000 ms, no CRC; payload block number 1, flags 0, no CRC, the ASCII text. */
static void check_common(const cJSON *j)
{
    const cJSON *common = cJSON_GetObjectItem(j, "common");
    const char *text = cJSON_GetObjectItem(common, "payload_data_ascii")->valuestring;
    size_t pn;
    uint8_t *prim = tst_json_hex(common, "primary_block", &pn);
    assert_int_equal(B.pri.version, 7);
    assert_int_equal(B.pri.flags, 0);
    assert_int_equal(B.pri.crc_type, AUS_BPV7_CRC_NONE);
    assert_true(eid_is_ipn(&B.pri.dst, 1, 2));
    assert_true(eid_is_ipn(&B.pri.src, 2, 1));
    assert_true(eid_is_ipn(&B.pri.report_to, 2, 1));
    assert_int_equal(B.pri.ctime, 0);
    assert_int_equal(B.pri.seq, 40);
    assert_int_equal(B.pri.lifetime, 1000000);
    tst_assert_bytes(B.pri_raw, B.pri_len, prim, pn);
    const aus_bpv7_block *pay = &B.blk[B.nblocks - 1];
    assert_int_equal(pay->type, AUS_BPV7_BT_PAYLOAD);
    assert_int_equal(pay->number, 1);
    assert_int_equal(pay->flags, 0);
    assert_int_equal(pay->crc_type, 0);
    assert_ptr_equal(B.payload, pay->data);
    free(prim);
    (void)text;
}

static void test_rfc9173_originals(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/rfc9173/rfc9173_appendix_a.json"));
    const char *common_text =
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "common"), "payload_data_ascii")->valuestring;
    const char *names[] = {"A1", "A2", "A3", "A4"};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        size_t n;
        snprintf(rel, sizeof rel, "vectors/rfc9173/%s_original.cbor", names[i]);
        uint8_t *p = load(rel, &n);
        assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
        assert_int_equal(B.encoded_len, n);
        check_common(j);
        assert_int_equal(B.payload_len, strlen(common_text));
        assert_memory_equal(B.payload, common_text, B.payload_len);
        /* no primary CRC, no BIB: accepted by default and noted */
        assert_true(B.notes & AUS_BPV7_NOTE_NO_PRIMARY_CRC);
        if (i == 2) {
            /* RFC 9173 App. A.3.1: a bundle age block, number 2, age 300 ms */
            assert_int_equal(B.nblocks, 2);
            assert_int_equal(B.blk[0].type, AUS_BPV7_BT_AGE);
            assert_int_equal(B.blk[0].number, 2);
            assert_true(B.has_age);
            assert_int_equal(B.age_ms, 300);
            assert_false(B.notes & AUS_BPV7_NOTE_NO_AGE);
        } else {
            assert_int_equal(B.nblocks, 1);
            assert_true(B.notes & AUS_BPV7_NOTE_NO_AGE); /* creation time 0, no age block */
        }
        reencode_identical(p, n);
        /* strict mode: §4.3.1 primary CRC rule enforced */
        assert_int_equal(aus_bpv7_decode(&B, p, n, AUS_BPV7_STRICT_CRC), AUS_E_NOCRC);
        assert_int_equal(B.err_off, 1); /* the primary block */
        free(p);
    }
    cJSON_Delete(j);
}

/* The "final" bundles: A.1, A.2, A.4 have neither a primary CRC nor a BIB over block 0
 * (accepted by default, AUS_E_NOCRC when strict); A.3 has a BIB targeting block 0. */
static void test_rfc9173_finals_crc_position(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/rfc9173/rfc9173_appendix_a.json"));
    const char *keys[] = {"A.1_simple_integrity", "A.2_simple_confidentiality_with_key_wrap",
                          "A.3_security_blocks_from_multiple_sources",
                          "A.4_security_blocks_with_full_scope"};
    const size_t nblocks[] = {2, 2, 4, 3};
    for (int i = 0; i < 4; i++) {
        size_t n, fn;
        char rel[128];
        snprintf(rel, sizeof rel, "vectors/rfc9173/A%d_final.cbor", i + 1);
        uint8_t *p = load(rel, &n);
        uint8_t *fj = tst_json_hex(cJSON_GetObjectItem(j, keys[i]), "final_bundle", &fn);
        tst_assert_bytes(p, n, fj, fn); /* the .cbor file is the JSON's bundle */
        assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
        assert_int_equal(B.nblocks, nblocks[i]);
        check_common(j);
        reencode_identical(p, n);
        aus_err strict = aus_bpv7_decode(&B, p, n, AUS_BPV7_STRICT_CRC);
        if (i == 2) {
            assert_int_equal(strict, AUS_OK);
            assert_true(aus_bpv7_bib_covers_primary(&B));
            assert_false(B.notes & AUS_BPV7_NOTE_NO_PRIMARY_CRC);
        } else {
            assert_int_equal(strict, AUS_E_NOCRC);
            assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
            assert_true(B.notes & AUS_BPV7_NOTE_NO_PRIMARY_CRC);
        }
        free(p);
        free(fj);
    }
    cJSON_Delete(j);
}

typedef struct expect {
    const char *file;
    aus_err err;
    size_t off; /* SIZE_MAX: not checked */
} expect;

/* The table: every bad sample and the specific error it must produce. */
static const expect bad_table[] = {
    {"bad_crc16.bin", AUS_E_CRC, 56},               /* payload byte: its CRC field at 56 */
    {"bad_crc32c.bin", AUS_E_CRC, 29},              /* primary CRC field (head at 29) */
    {"bad_definite_array.bin", AUS_E_NOT_INDEF, 0}, /* §4.1 outer array definite */
    {"bad_dup_blocknum.bin", AUS_E_BLOCKNUM, 39},   /* the second block numbered 2 */
    {"bad_garbage_tail.bin", AUS_E_TRAILING, 51},   /* 2 bytes after the break */
    {"bad_no_payload.bin", AUS_E_PAYLOAD, 29},      /* primary only: the break at 29 */
    {"bad_primary_text_eid.bin", AUS_E_EID, 5},     /* ipn SSP as text: the EID at 5 */
    {"bad_truncated.bin", AUS_E_TRUNC, 50},         /* 9 bytes missing: payload at 50 */
    {"bad_version6.bin", AUS_E_VERSION, 2},         /* primary version 6: field at 2 */
};

static void test_tshark_samples(void **st)
{
    (void)st;
    const char *good[] = {"good_crc16.bin", "good_crc32c.bin", "good_nocrc.bin", "bpsec_ok.bin"};
    const uint8_t crc[] = {1, 2, 0, 0};
    for (size_t i = 0; i < AUS_ARRAY_LEN(good); i++) {
        char rel[128];
        size_t n;
        snprintf(rel, sizeof rel, "vectors/tshark_samples/bpv7/%s", good[i]);
        uint8_t *p = load(rel, &n);
        assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
        assert_int_equal(B.pri.crc_type, crc[i]);
        /* make_samples.py: dst ipn:1.2, src/report-to ipn:2.1, [0, 40], lifetime 1000000 */
        assert_true(eid_is_ipn(&B.pri.dst, 1, 2));
        assert_true(eid_is_ipn(&B.pri.src, 2, 1));
        assert_int_equal(B.pri.seq, 40);
        assert_int_equal(B.pri.lifetime, 1000000);
        if (i < 3) {
            assert_true(B.has_hop);
            assert_int_equal(B.hop_limit, 30);
            assert_int_equal(B.hop_count, 0);
            assert_int_equal(B.blk[0].crc_type, crc[i]);
            assert_int_equal(B.payload_len, 5);
            assert_memory_equal(B.payload, "hello", 5);
        } else {
            assert_int_equal(B.blk[0].type, AUS_BPV7_BT_BIB);
        }
        reencode_identical(p, n);
        free(p);
    }
    for (size_t i = 0; i < AUS_ARRAY_LEN(bad_table); i++) {
        char rel[128];
        size_t n;
        snprintf(rel, sizeof rel, "vectors/tshark_samples/bpv7/%s", bad_table[i].file);
        uint8_t *p = load(rel, &n);
        aus_err e = aus_bpv7_decode(&B, p, n, 0);
        if (e != bad_table[i].err)
            fail_msg("%s: got %s, want %s", bad_table[i].file, aus_err_name(e),
                     aus_err_name(bad_table[i].err));
        if (bad_table[i].off != SIZE_MAX)
            assert_int_equal(B.err_off, bad_table[i].off);
        assert_true(B.err_off <= n);
        free(p);
    }
}

/* Strict age rule: the samples have creation time 0 and no bundle age block. */
static void test_strict_age(void **st)
{
    (void)st;
    size_t n;
    uint8_t *p = load("vectors/tshark_samples/bpv7/good_crc16.bin", &n);
    assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
    assert_true(B.notes & AUS_BPV7_NOTE_NO_AGE);
    assert_false(B.notes & AUS_BPV7_NOTE_NO_PRIMARY_CRC);
    assert_int_equal(aus_bpv7_decode(&B, p, n, AUS_BPV7_STRICT_AGE), AUS_E_AGE);
    assert_int_equal(aus_bpv7_decode(&B, p, n, AUS_BPV7_STRICT_CRC), AUS_OK);
    free(p);
    p = load("vectors/rfc9173/A3_final.cbor", &n); /* has an age block and a BIB over 0 */
    assert_int_equal(aus_bpv7_decode(&B, p, n, AUS_BPV7_STRICT), AUS_OK);
    free(p);
}

static const char *all_vectors[] = {
    "vectors/rfc9173/A1_original.cbor",
    "vectors/rfc9173/A2_original.cbor",
    "vectors/rfc9173/A3_original.cbor",
    "vectors/rfc9173/A4_original.cbor",
    "vectors/rfc9173/A1_final.cbor",
    "vectors/rfc9173/A2_final.cbor",
    "vectors/rfc9173/A3_final.cbor",
    "vectors/rfc9173/A4_final.cbor",
    "vectors/tshark_samples/bpv7/good_crc16.bin",
    "vectors/tshark_samples/bpv7/good_crc32c.bin",
    "vectors/tshark_samples/bpv7/good_nocrc.bin",
    "vectors/tshark_samples/bpv7/bpsec_ok.bin",
};

/* A mutated input either fails or is a well-formed bundle whose re-encoding is that input when
 * it uses the preferred CBOR forms (strict CBOR accepts it), else one that decodes to the same
 * fields (lax forms are accepted by default; a block's data, a byte string that BPSec may
 * sign, is carried as received). */
static aus_bpv7_bundle R;
static void check_mutant(const uint8_t *p, size_t n, unsigned flags)
{
    aus_err e = aus_bpv7_decode(&B, p, n, flags);
    if (e != AUS_OK) {
        assert_true(e < 0);
        assert_true(B.err_off <= n);
        return;
    }
    assert_int_equal(B.encoded_len, n);
    if ((B.notes & AUS_BPV7_NOTE_DISCARDED) || (flags & AUS_BPV7_LAX_CBOR))
        return; /* discarded blocks are left out; a definite outer array is re-encoded indefinite */
    long m = aus_bpv7_encode(&B, out, sizeof out);
    assert_true(m > 0);
    if (aus_bpv7_decode(&R, p, n, flags | AUS_BPV7_STRICT_CBOR) == AUS_OK) {
        tst_assert_bytes(out, (size_t)m, p, n);
        return;
    }
    assert_int_equal(aus_bpv7_decode(&R, out, (size_t)m, flags), AUS_OK);
    assert_int_equal(R.pri.flags, B.pri.flags);
    assert_int_equal(R.pri.ctime, B.pri.ctime);
    assert_int_equal(R.pri.lifetime, B.pri.lifetime);
    assert_true(aus_bpv7_eid_eq(&R.pri.dst, &B.pri.dst));
    assert_int_equal(R.nblocks, B.nblocks);
    tst_assert_bytes(R.payload, R.payload_len, B.payload, B.payload_len);
}

static void test_truncation_every_offset(void **st)
{
    (void)st;
    for (size_t v = 0; v < AUS_ARRAY_LEN(all_vectors); v++) {
        size_t n;
        uint8_t *p = load(all_vectors[v], &n);
        for (size_t k = 0; k < n; k++) {
            uint8_t *t = malloc(k ? k : 1); /* exact-size copy so ASan sees any overread */
            memcpy(t, p, k);
            aus_err e = aus_bpv7_decode(&B, t, k, 0);
            assert_int_equal(e, AUS_E_TRUNC);
            assert_true(B.err_off <= k);
            free(t);
        }
        free(p);
    }
}

static void test_bitflip_every_bit(void **st)
{
    (void)st;
    size_t valid = 0, invalid = 0;
    for (size_t v = 0; v < AUS_ARRAY_LEN(all_vectors); v++) {
        size_t n;
        uint8_t *p = load(all_vectors[v], &n);
        uint8_t *t = malloc(n);
        for (size_t bit = 0; bit < n * 8; bit++) {
            memcpy(t, p, n);
            t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            check_mutant(t, n, 0);
            if (aus_bpv7_decode(&B, t, n, 0) == AUS_OK)
                valid++;
            else
                invalid++;
            check_mutant(t, n, AUS_BPV7_STRICT | AUS_BPV7_LAX_CBOR);
        }
        free(t);
        free(p);
    }
    /* a flip inside the payload bytes of a CRC-less bundle still decodes: both happen */
    assert_true(valid > 100);
    assert_true(invalid > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9173_originals),
        cmocka_unit_test(test_rfc9173_finals_crc_position),
        cmocka_unit_test(test_tshark_samples),
        cmocka_unit_test(test_strict_age),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_bitflip_every_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
