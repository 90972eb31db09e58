/* SPDX-License-Identifier: Apache-2.0 */
/* Previous-node, bundle-age and hop-count blocks encrypted by a BCB (RFC 9172 §3.8 allows a BCB
 * to target any block but the primary block and other BCBs). The BPv7 decoder must leave their
 * ciphertext opaque (before the fix such bundles failed with AUS_E_BLOCK), aus_bpsec_open must
 * decrypt them and then hold the decrypted blocks to the RFC 9171 §4.4 rules, and the node
 * service (protect / accept) must carry them end to end. */
#include "bpsec_test_util.h"

#include <unistd.h>

#include "australis/bpv7.h"

static const aus_crypto *C;
static tkeys K;
static const uint8_t KEY[32] = {0x71, 0x77, 0x65, 0x72, 0x74, 0x79, 0x75, 0x69, 0x6f, 0x70, 0x61,
                                0x73, 0x64, 0x66, 0x67, 0x68, 0x71, 0x77, 0x65, 0x72, 0x74, 0x79,
                                0x75, 0x69, 0x6f, 0x70, 0x61, 0x73, 0x64, 0x66, 0x67, 0x68};
static const char *KEY_HEX = "71776572747975696f7061736466676871776572747975696f70617364666768";

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    K.n = 0;
    tkeys_add(&K, "ipn:2.1", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b");
    tkeys_add(&K, "ipn:2.1", 2, KEY_HEX);
    return 0;
}

static const uint8_t PAYLOAD[] = "telemetry request 42";

/* ipn:2.1 -> ipn:1.1, creation time 0, CRC-32C primary; previous node (CRC-16), age (CRC-32C),
 * hop count [30, 3] (CRC-16) unless raw_type: then one block of that type with raw data. */
static size_t build(uint8_t *out, size_t cap, uint64_t raw_type, const uint8_t *raw, size_t rlen)
{
    aus_bpv7_bundle b;
    aus_bpv7_init(&b);
    assert_int_equal(aus_bpv7_eid_parse(&b.pri.dst, "ipn:1.1", 7), AUS_OK);
    assert_int_equal(aus_bpv7_eid_parse(&b.pri.src, "ipn:2.1", 7), AUS_OK);
    b.pri.report_to = b.pri.src;
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.lifetime = 3600000;
    if (raw_type) {
        assert_true(aus_bpv7_add_block(&b, raw_type, 2, 0, AUS_BPV7_CRC_NONE, raw, rlen) >= 0);
    } else {
        aus_eid prev;
        assert_int_equal(aus_bpv7_eid_parse(&prev, "ipn:7.0", 7), AUS_OK);
        assert_int_equal(aus_bpv7_add_prev_node(&b, &prev, AUS_BPV7_CRC_16), AUS_OK);
        assert_int_equal(aus_bpv7_add_age(&b, 5000, AUS_BPV7_CRC_32C), AUS_OK);
        assert_int_equal(aus_bpv7_add_hop_count(&b, 30, 3, AUS_BPV7_CRC_16), AUS_OK);
    }
    assert_int_equal(aus_bpv7_set_payload(&b, PAYLOAD, sizeof PAYLOAD - 1, 0, AUS_BPV7_CRC_32C),
                     AUS_OK);
    long n = aus_bpv7_encode(&b, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static aus_bpsec_op bcb_op(size_t nt, const uint64_t *t, uint8_t scope)
{
    static uint8_t ivs[8][12]; /* a different IV for each BCB a test adds */
    static unsigned next;
    uint8_t *iv = ivs[next++ % 8];
    memset(iv, 9, 12);
    iv[0] = (uint8_t)next;
    aus_bpsec_op op = {.kind = AUS_BPSEC_BCB,
                       .source = "ipn:2.1",
                       .ntargets = nt,
                       .variant = AUS_AEAD_AES256_GCM,
                       .scope = scope,
                       .key = KEY,
                       .key_len = sizeof KEY,
                       .iv = iv,
                       .iv_len = 12};
    memcpy(op.targets, t, nt * sizeof *t);
    return op;
}

static uint64_t num_of(const uint8_t *p, size_t n, uint64_t type)
{
    aus_bpv7_bundle b;
    assert_int_equal(aus_bpv7_decode(&b, p, n, 0), AUS_OK);
    long i = aus_bpv7_find_block(&b, type);
    assert_true(i >= 0);
    return b.blk[i].number;
}

static void test_decode_and_open(void **st)
{
    (void)st;
    uint8_t plain[512], buf[1024], copy[1024];
    size_t pl = build(plain, sizeof plain, 0, NULL, 0), len = pl;
    memcpy(buf, plain, pl);
    uint64_t t[3] = {num_of(plain, pl, AUS_BPV7_BT_PREV_NODE), num_of(plain, pl, AUS_BPV7_BT_AGE),
                     num_of(plain, pl, AUS_BPV7_BT_HOP_COUNT)};
    /* our default position is unchanged: no encryption of these blocks unless asked */
    aus_bpsec_op op = bcb_op(3, t, 7);
    assert_int_equal(aus_bpsec_add(C, &op, buf, &len, sizeof buf), AUS_E_UNSUPPORTED);
    assert_int_equal(aus_bpsec_add_opt(C, &op, 0, buf, &len, sizeof buf), AUS_E_UNSUPPORTED);
    tst_assert_bytes(buf, len, plain, pl);
    /* one BCB per block, each with its own IV (three targets in one BCB: POLICY) */
    assert_int_equal(aus_bpsec_add_opt(C, &op, AUS_BPSEC_ADD_EXT, buf, &len, sizeof buf),
                     AUS_E_POLICY);
    tst_assert_bytes(buf, len, plain, pl);
    for (size_t i = 0; i < 3; i++) {
        op = bcb_op(1, &t[i], 7);
        assert_int_equal(aus_bpsec_add_opt(C, &op, AUS_BPSEC_ADD_EXT, buf, &len, sizeof buf),
                         AUS_OK);
    }

    /* the protected bundle decodes, also strictly: the encrypted age block counts as present */
    aus_bpv7_bundle b;
    assert_int_equal(aus_bpv7_decode(&b, buf, len, AUS_BPV7_STRICT), AUS_OK);
    assert_int_equal(aus_bpv7_decode(&b, buf, len, 0), AUS_OK);
    assert_true(b.notes & AUS_BPV7_NOTE_ENCRYPTED);
    assert_false(b.notes & AUS_BPV7_NOTE_NO_AGE);
    assert_int_equal(b.has_hop + b.has_age + b.has_prev, 0);
    size_t nenc = 0;
    for (size_t i = 0; i < b.nblocks; i++) {
        int ext = b.blk[i].type == AUS_BPV7_BT_PREV_NODE || b.blk[i].type == AUS_BPV7_BT_AGE ||
                  b.blk[i].type == AUS_BPV7_BT_HOP_COUNT;
        assert_int_equal(b.blk[i].encrypted, ext);
        nenc += b.blk[i].encrypted;
    }
    assert_int_equal(nenc, 3);
    /* the opaque view is the ciphertext: [30, 3] is 82 18 1e 03 in the clear */
    const aus_bpv7_block *hop = &b.blk[aus_bpv7_find_block(&b, AUS_BPV7_BT_HOP_COUNT)];
    assert_int_equal(hop->data_len, 4);
    assert_false(hop->data[0] == 0x82 && hop->data[1] == 0x18 && hop->data[2] == 0x1e);
    /* and re-encodes byte for byte from the views */
    assert_int_equal(aus_bpv7_encode(&b, copy, sizeof copy), (long)len);
    tst_assert_bytes(copy, len, buf, len);

    /* destination processing decrypts them and gives back the original bundle */
    aus_bpsec_report rep;
    assert_int_equal(aus_bpsec_open(C, tkeys_fn, &K, buf, &len, &rep), AUS_OK);
    assert_int_equal(rep.nbcb, 3);
    assert_int_equal(rep.nconf, 3);
    tst_assert_bytes(buf, len, plain, pl);
    assert_int_equal(aus_bpv7_decode(&b, buf, len, AUS_BPV7_STRICT), AUS_OK);
    assert_false(b.notes & AUS_BPV7_NOTE_ENCRYPTED);
    assert_int_equal(b.has_hop, 1);
    assert_int_equal(b.hop_limit, 30);
    assert_int_equal(b.hop_count, 3);
    assert_int_equal(b.has_age, 1);
    assert_int_equal(b.age_ms, 5000);
    assert_int_equal(b.has_prev, 1);
    assert_int_equal(b.prev_node.node, 7);

    /* a BCB over the payload only leaves the extension blocks parsed */
    memcpy(buf, plain, pl);
    len = pl;
    op = bcb_op(1, (const uint64_t[]){1}, 7);
    assert_int_equal(aus_bpsec_add(C, &op, buf, &len, sizeof buf), AUS_OK);
    assert_int_equal(aus_bpv7_decode(&b, buf, len, 0), AUS_OK);
    assert_false(b.notes & AUS_BPV7_NOTE_ENCRYPTED);
    assert_int_equal(b.has_hop, 1);
    assert_int_equal(b.hop_count, 3);
}

/* A hop-count block whose plaintext breaks RFC 9171 §4.4.3 is caught after decryption. Such a
 * bundle cannot be made through aus_bpsec_add (it decodes its input first), so the block is
 * encrypted as an unknown type 23 with AAD scope 0 (RFC 9173 §4.3.4: the target's header is
 * then not authenticated) and its type byte is changed to 10 afterwards. */
static aus_err open_hop(const uint8_t *hop, size_t hl, aus_bpv7_bundle *out)
{
    uint8_t buf[1024];
    size_t len = build(buf, sizeof buf, 23, hop, hl);
    aus_bpsec_op op = bcb_op(1, (const uint64_t[]){2}, 0);
    assert_int_equal(aus_bpsec_add(C, &op, buf, &len, sizeof buf), AUS_OK);
    aus_bpv7_bundle b;
    assert_int_equal(aus_bpv7_decode(&b, buf, len, 0), AUS_OK);
    const aus_bpv7_block *k = &b.blk[aus_bpv7_find_block(&b, 23)];
    assert_int_equal(buf[k->off + 1], 0x17);
    buf[k->off + 1] = 0x0a; /* [23, 2, ...] -> [10, 2, ...]; the block has no CRC */
    assert_int_equal(aus_bpv7_decode(&b, buf, len, 0), AUS_OK);
    assert_true(b.notes & AUS_BPV7_NOTE_ENCRYPTED);
    aus_bpsec_report rep;
    aus_err e = aus_bpsec_open(C, tkeys_fn, &K, buf, &len, &rep);
    if (e != AUS_OK) {
        for (size_t i = 0; i < len; i++) /* nothing decrypted is left behind */
            assert_int_equal(buf[i], 0);
        assert_true(rep.reason >= AUS_BPSEC_RC_MISSING && rep.reason <= AUS_BPSEC_RC_CONFLICTING);
        return e;
    }
    assert_int_equal(aus_bpv7_decode(out, buf, len, 0), AUS_OK);
    return e;
}

static void test_hop_checked_after_decrypt(void **st)
{
    (void)st;
    aus_bpv7_bundle b;
    /* [30, 3]: fine */
    assert_int_equal(open_hop((const uint8_t[]){0x82, 0x18, 0x1e, 0x03}, 4, &b), AUS_OK);
    assert_int_equal(b.has_hop, 1);
    assert_int_equal(b.hop_limit, 30);
    assert_int_equal(b.hop_count, 3);
    /* [30, 40]: hop count over the limit (§4.4.3): well formed once decrypted; the node
     * deletes it on receipt, reason 9 (RFC 9171 §4.4.3; not a decode error) */
    assert_int_equal(open_hop((const uint8_t[]){0x82, 0x18, 0x1e, 0x18, 0x28}, 5, &b), AUS_OK);
    assert_int_equal(b.hop_count, 40);
    aus_bpv7_node node = {0, NULL, 0};
    aus_bpv7_receipt rc;
    assert_int_equal(aus_bpv7_decide_receipt(&b, &node, &rc), AUS_OK);
    assert_int_equal(rc.action, AUS_BPV7_DELETE);
    assert_int_equal(rc.reason, AUS_BPV7_RC_HOP_LIMIT);
    /* [0, 0]: hop limit outside 1..255 (§4.4.3) */
    assert_int_equal(open_hop((const uint8_t[]){0x82, 0x00, 0x00}, 3, &b), AUS_E_BLOCK);
    /* not CBOR of the right shape */
    assert_int_equal(open_hop((const uint8_t[]){0x41, 0x00}, 2, &b), AUS_E_BLOCK);
}

/* The node service: protect (seq block, BIBs, BCB over the payload), then one more BCB over the
 * hop-count block; accept verifies, decrypts and hands back the original bundle. */
static void test_node_end_to_end(void **st)
{
    (void)st;
    uint8_t plain[512], buf[1024], out[1024];
    size_t pl = build(plain, sizeof plain, 0, NULL, 0), len = 0, ol = 0;
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx snd, rcv;
    assert_int_equal(aus_bpsec_ctx_init(&snd, C, &s, tkeys_fn, &K, 0x01020304), AUS_OK);
    assert_int_equal(aus_bpsec_ctx_init(&rcv, C, &s, tkeys_fn, &K, 0x05060708), AUS_OK);
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    assert_int_equal(aus_bpsec_protect(&snd, &o, plain, pl, buf, sizeof buf, &len), AUS_OK);
    uint64_t hop = num_of(plain, pl, AUS_BPV7_BT_HOP_COUNT);
    aus_bpsec_op op = bcb_op(1, &hop, 7);
    assert_int_equal(aus_bpsec_add_opt(C, &op, AUS_BPSEC_ADD_EXT, buf, &len, sizeof buf), AUS_OK);
    aus_bpv7_bundle b;
    assert_int_equal(aus_bpv7_decode(&b, buf, len, 0), AUS_OK);
    assert_true(b.blk[aus_bpv7_find_block(&b, AUS_BPV7_BT_HOP_COUNT)].encrypted);
    aus_bpsec_report rep;
    assert_int_equal(aus_bpsec_accept(&rcv, buf, len, out, sizeof out, &ol, &rep, NULL), AUS_OK);
    assert_int_equal(rep.nbcb, 2);
    assert_true(rep.has_seq);
    tst_assert_bytes(out, ol, plain, pl);
    assert_int_equal(aus_bpv7_decode(&b, out, ol, 0), AUS_OK);
    assert_int_equal(b.hop_count, 3);
    /* the same bundle again is a replay */
    assert_int_equal(aus_bpsec_accept(&rcv, buf, len, out, sizeof out, &ol, &rep, NULL),
                     AUS_E_REPLAY);
    tst_store_free(mem);
}

/* `australis bundle inspect` shows such a block as encrypted instead of inventing its fields. */
static void test_cli_inspect(void **st)
{
    (void)st;
    uint8_t buf[1024];
    size_t len = build(buf, sizeof buf, 0, NULL, 0);
    uint64_t hop = num_of(buf, len, AUS_BPV7_BT_HOP_COUNT);
    aus_bpsec_op op = bcb_op(1, &hop, 7);
    assert_int_equal(aus_bpsec_add_opt(C, &op, AUS_BPSEC_ADD_EXT, buf, &len, sizeof buf), AUS_OK);
    char path[] = "/tmp/aus_extenc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
    char cmd[512], out[4096];
    snprintf(cmd, sizeof cmd, "%s bundle inspect %s 2>&1", AUS_CLI, path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    int rc = pclose(f);
    unlink(path);
    if (rc != 0 || !strstr(out, "(hop count)") || !strstr(out, "encrypted by a BCB") ||
        strstr(out, "of limit"))
        fail_msg("inspect (rc %d):\n%s", rc, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_and_open),
        cmocka_unit_test(test_hop_checked_after_decrypt),
        cmocka_unit_test(test_node_end_to_end),
        cmocka_unit_test(test_cli_inspect),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
