/* SPDX-License-Identifier: Apache-2.0 */
/* Every CBOR form RFC 9171 allows (§4.1): indefinite-length primary block, canonical
 * blocks, EIDs, creation timestamp and hop-count data; integer and length heads longer than
 * needed, in every width. The files and their values come from tests/vectors/bpv7_lax/
 * (make_lax.py: bytes written by hand, decoded by Debian's python3-cbor2, CRCs by python3-crcmod,
 * the wide-head files also passed by Wireshark's bpv7 dissector). Each decodes by default to the
 * values in expected.json, each is refused under AUS_BPV7_STRICT_CBOR with the error naming its
 * form at the first offending item, and our re-encoding of each decodes to the same fields in
 * preferred, definite form. */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/bpv7.h"

#define LAX_DIR AUS_SOURCE_DIR "/tests/vectors/bpv7_lax/"

static aus_bpv7_bundle B, R;
static uint8_t out[4096];

static int is_ipn(const aus_eid *e, uint64_t node, uint64_t svc)
{
    return e->scheme == AUS_EID_SCHEME_IPN && e->node == node && e->service == svc;
}

static void check_fields(const aus_bpv7_bundle *b, const cJSON *ex, const char *name)
{
    if (b->pri.ctime != (uint64_t)cJSON_GetObjectItem(ex, "ctime")->valuedouble ||
        b->pri.seq != (uint64_t)cJSON_GetObjectItem(ex, "seq")->valuedouble ||
        b->pri.lifetime != (uint64_t)cJSON_GetObjectItem(ex, "lifetime")->valuedouble)
        fail_msg("%s: creation timestamp or lifetime differ", name);
    /* "ipn:5.7", "ipn:9.1", "ipn:9.0" in expected.json */
    aus_eid d, s, r;
    const char *ds = cJSON_GetObjectItem(ex, "dst")->valuestring;
    const char *ss = cJSON_GetObjectItem(ex, "src")->valuestring;
    const char *rs = cJSON_GetObjectItem(ex, "report_to")->valuestring;
    assert_int_equal(aus_bpv7_eid_parse(&d, ds, strlen(ds)), AUS_OK);
    assert_int_equal(aus_bpv7_eid_parse(&s, ss, strlen(ss)), AUS_OK);
    assert_int_equal(aus_bpv7_eid_parse(&r, rs, strlen(rs)), AUS_OK);
    assert_true(aus_bpv7_eid_eq(&b->pri.dst, &d));
    assert_true(aus_bpv7_eid_eq(&b->pri.src, &s));
    assert_true(aus_bpv7_eid_eq(&b->pri.report_to, &r));
    assert_true(is_ipn(&b->pri.dst, 5, 7));
    assert_int_equal(b->has_hop, 1);
    assert_int_equal(b->hop_limit, (uint64_t)cJSON_GetObjectItem(ex, "hop_limit")->valuedouble);
    assert_int_equal(b->hop_count, (uint64_t)cJSON_GetObjectItem(ex, "hop_count")->valuedouble);
    const char *pay = cJSON_GetObjectItem(ex, "payload")->valuestring;
    tst_assert_bytes(b->payload, b->payload_len, (const uint8_t *)pay, strlen(pay));
}

/* The offset of the first item a strict decoder must refuse, in the layout make_lax.py
 * writes: the primary block's version (wide heads), the primary block (indefinite primary, or
 * all), the destination EID right after [version, flags, crc type], or the first canonical
 * block. */
static size_t first_lax(const char *name, const aus_bpv7_bundle *lax)
{
    if (!strncmp(name, "wide", 4))
        return 2;
    if (strstr(name, "primary") || strstr(name, "all"))
        return lax->pri_off;
    if (strstr(name, "eids"))
        return lax->pri_off + 4; /* 89 07 00 0x: array head, version, flags, crc type */
    return lax->blk[0].off;
}

static void test_lax_files(void **st)
{
    (void)st;
    cJSON *ex = tst_read_json(LAX_DIR "expected.json");
    const cJSON *files = cJSON_GetObjectItem(ex, "files");
    size_t count = 0, indef = 0, wide = 0;
    for (const cJSON *f = files->child; f; f = f->next, count++) {
        char path[512];
        size_t n;
        snprintf(path, sizeof path, LAX_DIR "%s", f->string);
        uint8_t *p = tst_read_file(path, &n);
        assert_int_equal(n, (size_t)cJSON_GetObjectItem(f, "length")->valuedouble);
        /* default: well formed, the values the independent decoder saw, CRCs as received */
        aus_err e = aus_bpv7_decode(&B, p, n, 0);
        if (e)
            fail_msg("%s: %s at %zu", f->string, aus_err_name(e), B.err_off);
        assert_int_equal(B.pri.crc_type, (int)cJSON_GetObjectItem(f, "crc_type")->valuedouble);
        check_fields(&B, ex, f->string);
        /* strict: refused, naming the form, at the first offending item */
        int is_wide = !strncmp(f->string, "wide", 4);
        e = aus_bpv7_decode(&R, p, n, AUS_BPV7_STRICT_CBOR);
        assert_int_equal(e, is_wide ? AUS_E_NONPREFERRED : AUS_E_INDEF);
        assert_int_equal(R.err_off, first_lax(f->string, &B));
        wide += is_wide;
        indef += !is_wide;
        /* our re-encoding: preferred and definite, decodes to the same fields, even strictly */
        long m = aus_bpv7_encode(&B, out, sizeof out);
        assert_true(m > 0 && (size_t)m < n);
        e = aus_bpv7_decode(&R, out, (size_t)m, AUS_BPV7_STRICT_CBOR);
        if (e)
            fail_msg("%s re-encoded: %s at %zu", f->string, aus_err_name(e), R.err_off);
        check_fields(&R, ex, f->string);
        /* a flipped payload byte is caught by the payload block's CRC, at its CRC field */
        if (B.blk[B.nblocks - 1].crc_type) {
            size_t at = (size_t)(B.payload - p);
            p[at] ^= 0x01;
            assert_int_equal(aus_bpv7_decode(&R, p, n, 0), AUS_E_CRC);
            assert_int_equal(p[R.err_off] >> 5, 2); /* the CRC field: a byte-string head */
            assert_true(R.err_off > at &&
                        R.err_off < B.blk[B.nblocks - 1].off + B.blk[B.nblocks - 1].len);
            p[at] ^= 0x01;
        }
        /* every truncation is TRUNC, never a read past the end */
        for (size_t k = 0; k < n; k++) {
            uint8_t *t = malloc(k ? k : 1);
            memcpy(t, p, k);
            assert_int_equal(aus_bpv7_decode(&R, t, k, 0), AUS_E_TRUNC);
            assert_true(R.err_off <= k);
            free(t);
        }
        free(p);
    }
    assert_int_equal(count, 17);
    assert_int_equal(wide, 8); /* 1, 2, 4, 8 argument bytes x CRC-16 / CRC-32C */
    assert_int_equal(indef, 9);
    cJSON_Delete(ex);
}

/* The break byte of an indefinite-length block is inside its CRC (RFC 9171 §4.2.1): a CRC
 * computed without it (what a decoder that forgot it would check) is refused. */
static void test_break_in_crc_scope(void **st)
{
    (void)st;
    size_t n;
    uint8_t *p = tst_read_file(LAX_DIR "indef_primary_crc32c.bin", &n);
    assert_int_equal(aus_bpv7_decode(&B, p, n, 0), AUS_OK);
    size_t end = B.pri_off + B.pri_len; /* one past the primary block's break */
    assert_int_equal(p[end - 1], 0xFF);
    /* recompute the CRC the wrong way: over the block up to the CRC value, zeros, no break */
    size_t val = end - 1 - 4;
    memset(p + val, 0, 4);
    uint32_t wrong = aus_crc32c(p + B.pri_off, end - 1 - B.pri_off);
    aus_wr w;
    aus_wr_init(&w, p + val, 4);
    aus_wr_ben(&w, wrong, 4);
    assert_int_equal(aus_bpv7_decode(&R, p, n, 0), AUS_E_CRC);
    assert_int_equal(R.err_off, val - 1); /* the CRC field's head */
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lax_files),
        cmocka_unit_test(test_break_in_crc_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
