/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS Extended Procedures: codec round trips, CryptoLib EP vectors answered as 355.1
 * intends, board handler rules (bug classes), atomicity, replays, crash at every write. */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/sdls_ep.h"
#include "crypto_openssl.h"

static const uint8_t KEK[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

/* ---- a satellite: store, keystore, SDLS table bound to the keystore, EP board ---- */
typedef struct sat {
    tst_store *m;
    aus_store st;
    aus_keys ks;
    aus_sdls_table t;
    aus_ep_sdls ad;
    aus_ep_board b;
    uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rlen;
} sat;

static void sat_boot(sat *s)
{
    assert_int_equal(aus_keys_open(&s->ks, &s->st, aus_crypto_default(), KEK, 32, "k/"), AUS_OK);
    assert_int_equal(aus_sdls_init(&s->t, aus_crypto_default(), &aus_keys_sdls_ops, &s->ks),
                     AUS_OK);
    assert_int_equal(aus_ep_sdls_init(&s->ad, &s->t, &s->st, "ep/"), AUS_OK);
    assert_int_equal(aus_ep_sdls_load(&s->ad), AUS_OK);
    assert_int_equal(
        aus_ep_board_init(&s->b, &s->ks, aus_crypto_default(), &aus_ep_sdls_ops, &s->ad, "ep/"),
        AUS_OK);
}

static sat *sat_new(void)
{
    sat *s = calloc(1, sizeof *s);
    s->m = tst_store_new();
    s->st = tst_store_iface(s->m);
    sat_boot(s);
    return s;
}

static void sat_free(sat *s)
{
    aus_keys_close(&s->ks);
    tst_store_free(s->m);
    free(s);
}

static aus_err handle(sat *s, const uint8_t *pdu, size_t n, uint16_t carrier)
{
    return aus_ep_handle(&s->b, pdu, n, carrier, 1000, s->reply, sizeof s->reply, &s->rlen);
}

static void install_state(aus_keys *ks, uint16_t id, const uint8_t *k, aus_key_state st)
{
    aus_key_type t = id <= AUS_KEY_ID_MASTER_LAST ? AUS_KEY_T_MASTER : AUS_KEY_T_SESSION;
    if (t == AUS_KEY_T_MASTER) {
        assert_int_equal(aus_keys_install(ks, id, t, AUS_KEY_ACTIVE, k, 32, 1), AUS_OK);
        return;
    }
    assert_int_equal(aus_keys_install(ks, id, t, AUS_KEY_PREACTIVE, k, 32, 1), AUS_OK);
    if (st >= AUS_KEY_ACTIVE)
        assert_int_equal(aus_keys_activate(ks, id, 2), AUS_OK);
    if (st >= AUS_KEY_DEACTIVATED)
        assert_int_equal(aus_keys_deactivate(ks, id, 3, 0), AUS_OK);
}

/* CryptoLib's key ring (../shared/vectors/sdls/cryptolib_keyring.json) with its states. */
static void load_keyring(sat *s)
{
    cJSON *j = tst_read_json(tst_shared("vectors/sdls/cryptolib_keyring.json"));
    cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(j, "keys"))
    {
        size_t n;
        uint8_t *v = tst_json_hex(k, "value", &n);
        const char *st = cJSON_GetObjectItem(k, "initial_state")->valuestring;
        aus_key_state ks = !strcmp(st, "ACTIVE")        ? AUS_KEY_ACTIVE
                           : !strcmp(st, "DEACTIVATED") ? AUS_KEY_DEACTIVATED
                                                        : AUS_KEY_PREACTIVE;
        install_state(&s->ks, (uint16_t)cJSON_GetObjectItem(k, "key_id")->valueint, v, ks);
        free(v);
    }
    cJSON_Delete(j);
}

static cJSON *g_ep;
static cJSON *vec(const char *id)
{
    cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(g_ep, "vectors"))
    {
        if (!strcmp(cJSON_GetObjectItem(v, "id")->valuestring, id))
            return v;
    }
    fail_msg("vector %s missing", id);
    return NULL;
}

/* The EP PDU as it sits in the vector's TC frame: tag | length field | the data bytes that
 * follow (ep_data holds everything up to the frame's end). Asserts the bytes are literally in
 * tc_frame, so we decode the vector, not our own reading of it. */
typedef struct vpdu {
    uint8_t b[512];
    size_t n;    /* tag + length + every byte after it in the frame */
    size_t decl; /* 3 + declared length in bytes (rounded down) */
} vpdu;

static void vec_pdu(const char *id, vpdu *p)
{
    cJSON *v = vec(id), *d = cJSON_GetObjectItem(v, "decoded");
    size_t fl, tl, dl;
    uint8_t *frame = tst_json_hex(v, "tc_frame", &fl);
    uint8_t *tag = tst_json_hex(d, "ep_pdu_tag", &tl);
    uint8_t *data = tst_json_hex(d, "ep_data", &dl);
    int bits = cJSON_GetObjectItem(d, "ep_length_field")->valueint;
    p->b[0] = tag[0];
    p->b[1] = (uint8_t)(bits >> 8);
    p->b[2] = (uint8_t)bits;
    memcpy(p->b + 3, data, dl);
    p->n = 3 + dl;
    p->decl = 3 + (size_t)bits / 8;
    assert_true(fl >= p->n);
    assert_memory_equal(frame + fl - p->n, p->b, p->n);
    free(frame);
    free(tag);
    free(data);
}

/* The PDU as 355.1 intends it: the vector's own bytes, length field set to the data field the
 * procedure defines (CryptoLib's filler octets and byte-count lengths dropped). */
static size_t intended(const vpdu *p, size_t data_len, uint8_t *out)
{
    out[0] = p->b[0];
    out[1] = (uint8_t)((data_len * 8) >> 8);
    out[2] = (uint8_t)(data_len * 8);
    memcpy(out + 3, p->b + 3, data_len);
    return 3 + data_len;
}

/* ---- codec round trips ---- */

static void roundtrip(const aus_ep_cmd *c)
{
    uint8_t a[1024], b2[1024];
    int n = aus_ep_cmd_encode(c, a, sizeof a);
    assert_true(n >= 3);
    aus_ep_cmd d;
    assert_int_equal(aus_ep_cmd_decode(&d, a, (size_t)n), AUS_OK);
    assert_int_equal(d.tag, c->tag);
    int n2 = aus_ep_cmd_encode(&d, b2, sizeof b2);
    tst_assert_bytes(a, (size_t)n, b2, (size_t)n2);
    /* every truncation is refused; so is any extra octet */
    for (int i = 0; i < n; i++)
        assert_int_not_equal(aus_ep_cmd_decode(&d, a, (size_t)i), AUS_OK);
    a[n] = 0;
    assert_int_equal(aus_ep_cmd_decode(&d, a, (size_t)n + 1), AUS_E_TRAILING);
    /* a length field that is not a multiple of 8 bits */
    a[2] ^= 1;
    assert_int_equal(aus_ep_cmd_decode(&d, a, (size_t)n), AUS_E_MALFORMED);
    a[2] ^= 1;
    /* bit flips never crash; the decoder either refuses or yields a re-encodable PDU */
    for (int i = 0; i < n * 8; i++) {
        a[i / 8] ^= (uint8_t)(1u << (i % 8));
        if (aus_ep_cmd_decode(&d, a, (size_t)n) == AUS_OK)
            assert_int_equal(aus_ep_cmd_encode(&d, b2, sizeof b2), n);
        a[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
}

static void test_codec_roundtrip_all(void **st)
{
    (void)st;
    static const uint8_t z[64] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_OTAR;
    c.u.otar.mkid = 3;
    c.u.otar.iv = z;
    c.u.otar.ct = z;
    c.u.otar.nkeys = 1;
    c.u.otar.mac = z;
    roundtrip(&c);
    const uint8_t kt[] = {AUS_EP_KEY_ACTIVATE, AUS_EP_KEY_DEACTIVATE, AUS_EP_KEY_DESTROY};
    for (size_t i = 0; i < 3; i++) {
        memset(&c, 0, sizeof c);
        c.tag = kt[i];
        c.u.keys.n = 3;
        c.u.keys.ids[0] = 0x100;
        c.u.keys.ids[1] = 0x101;
        c.u.keys.ids[2] = 0x8000;
        roundtrip(&c);
    }
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_VERIFY;
    c.u.verify.n = 2;
    c.u.verify.ids[0] = 0x84;
    c.u.verify.ids[1] = 0x86;
    c.u.verify.challenge[0] = z;
    c.u.verify.challenge[1] = z + 16;
    roundtrip(&c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_INVENTORY;
    c.u.inventory.first = 0x80;
    c.u.inventory.last = 0x90;
    roundtrip(&c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_CREATE;
    c.u.create = (aus_ep_sa_create){.spi = 7,
                                    .est = 1,
                                    .ast = 1,
                                    .shivf_len = 12,
                                    .stmacf_len = 16,
                                    .ecs = z,
                                    .ecs_len = 1,
                                    .iv = z,
                                    .iv_len = 12,
                                    .abm = z,
                                    .abm_len = 19,
                                    .arsn = z,
                                    .arsn_len = 4,
                                    .arsnw = z,
                                    .arsnw_len = 2};
    roundtrip(&c);
    const uint8_t st2[] = {AUS_EP_SA_DELETE, AUS_EP_SA_EXPIRE, AUS_EP_SA_STOP, AUS_EP_SA_STATUS,
                           AUS_EP_SA_READ_ARSN};
    for (size_t i = 0; i < sizeof st2; i++) {
        memset(&c, 0, sizeof c);
        c.tag = st2[i];
        c.u.sa.spi = 0x1234;
        roundtrip(&c);
    }
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_SET_ARSN;
    c.u.set.spi = 6;
    c.u.set.value = z;
    c.u.set.n = 20;
    roundtrip(&c);
    c.tag = AUS_EP_SA_SET_ARSNW;
    c.u.set.n = 2;
    roundtrip(&c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_REKEY;
    c.u.rekey.spi = 6;
    c.u.rekey.ekid = 0x85;
    c.u.rekey.iv = z;
    c.u.rekey.ivlen = 12;
    roundtrip(&c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_START;
    c.u.start.spi = 6;
    c.u.start.n = 2;
    c.u.start.g[0] = (aus_ep_gvcid){0, 0x1234, 4, 0};
    c.u.start.g[1] = (aus_ep_gvcid){1, 0xFFFF, 63, 63};
    roundtrip(&c);
    const uint8_t mc[] = {AUS_EP_MC_PING,      AUS_EP_MC_LOG_STATUS, AUS_EP_MC_DUMP_LOG,
                          AUS_EP_MC_ERASE_LOG, AUS_EP_MC_SELF_TEST,  AUS_EP_MC_ALARM_RESET};
    for (size_t i = 0; i < sizeof mc; i++) {
        memset(&c, 0, sizeof c);
        c.tag = mc[i];
        uint8_t a[8];
        assert_int_equal(aus_ep_cmd_encode(&c, a, sizeof a), 3);
        aus_ep_cmd d;
        assert_int_equal(aus_ep_cmd_decode(&d, a, 3), AUS_OK);
        assert_int_equal(d.tag, mc[i]);
    }
    /* hostile headers */
    aus_ep_cmd d;
    const uint8_t reply_tag[] = {0x84, 0x00, 0x00};
    assert_int_equal(aus_ep_cmd_decode(&d, reply_tag, 3), AUS_E_MALFORMED);
    const uint8_t user[] = {0x41, 0x00, 0x00};
    assert_int_equal(aus_ep_cmd_decode(&d, user, 3), AUS_E_UNSUPPORTED);
    const uint8_t sg2[] = {0x21, 0x00, 0x00};
    assert_int_equal(aus_ep_cmd_decode(&d, sg2, 3), AUS_E_UNSUPPORTED);
    const uint8_t inv_rev[] = {0x07, 0x00, 0x20, 0x00, 0x86, 0x00, 0x84};
    assert_int_equal(aus_ep_cmd_decode(&d, inv_rev, sizeof inv_rev), AUS_E_MALFORMED);
    uint8_t many[3 + 34];
    memset(many, 0, sizeof many);
    many[0] = AUS_EP_KEY_ACTIVATE;
    many[1] = (34 * 8) >> 8;
    many[2] = (34 * 8) & 0xFF;
    assert_int_equal(aus_ep_cmd_decode(&d, many, sizeof many), AUS_E_LIMIT);
    const uint8_t zero_keys[] = {0x02, 0x00, 0x00};
    assert_int_equal(aus_ep_cmd_decode(&d, zero_keys, 3), AUS_E_MALFORMED);
}

/* ---- CryptoLib vectors ---- */

static void test_vector_otar(void **st)
{
    (void)st;
    sat *s = sat_new();
    load_keyring(s);
    cJSON *o = cJSON_GetObjectItem(vec("ep.OTAR_0_140_142"), "otar");
    vpdu p;
    vec_pdu("ep.OTAR_0_140_142", &p);
    aus_ep_cmd c;
    /* as carried: the declared 136 octets are not MKID + IV + 34n + MAC */
    assert_int_equal(aus_ep_cmd_decode(&c, p.b, p.decl), AUS_E_MALFORMED);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_MALFORMED);
    aus_ep_reply r;
    assert_int_equal(aus_ep_reply_decode(&r, s->reply, s->rlen), AUS_OK);
    assert_int_equal(r.tag, 0xC1);
    assert_int_equal(r.refused, AUS_E_MALFORMED);
    /* CryptoLib HEAD's MAC offset (len - 16 = data[120:136]) does not authenticate */
    uint8_t bad[200];
    size_t bn = intended(&p, 116, bad);
    memcpy(bad + bn, p.b + 3 + 120, 16);
    bad[2] = (uint8_t)((132 * 8) & 0xFF);
    bad[1] = (uint8_t)((132 * 8) >> 8);
    assert_int_equal(handle(s, bad, bn + 16, 0), AUS_E_AUTH);
    /* as intended: MAC right after the three key blocks (132 octets) */
    uint8_t pdu[200];
    size_t n = intended(&p, 132, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(aus_ep_reply_decode(&r, s->reply, s->rlen), AUS_OK);
    assert_int_equal(r.tag, 0x81);
    assert_int_equal(r.len, 0);
    cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(o, "decrypted_keys"))
    {
        uint16_t id = (uint16_t)cJSON_GetObjectItem(k, "key_id")->valueint;
        size_t kl;
        uint8_t *want = tst_json_hex(k, "key", &kl);
        aus_key_info i;
        assert_int_equal(aus_keys_info(&s->ks, id, &i), AUS_OK);
        assert_int_equal(i.state, AUS_KEY_PREACTIVE);
        assert_int_equal(i.len, 32); /* bug class: OTAR sets the key length */
        assert_int_equal(aus_keys_activate(&s->ks, id, 5), AUS_OK);
        uint8_t got[64];
        size_t gl;
        assert_int_equal(aus_keys_get(&s->ks, id, AUS_KEY_USE_SEND, 5, got, sizeof got, &gl),
                         AUS_OK);
        tst_assert_bytes(got, gl, want, kl);
        free(want);
    }
    /* the ground builder reproduces the vector's ciphertext and tag exactly */
    size_t ml, ivl, pl;
    uint8_t *mk = tst_json_hex(o, "master_key", &ml);
    uint8_t *iv = tst_json_hex(o, "iv", &ivl);
    uint8_t *plain = tst_json_hex(o, "decrypted_key_blocks", &pl);
    uint8_t built[200];
    int bl = aus_ep_otar_build(aus_crypto_default(), 0, mk, iv, plain, 3, built, sizeof built);
    tst_assert_bytes(built, (size_t)bl, pdu, n);
    /* the same OTAR again: its keys are installed as it says, so it is answered again, writing
     * nothing (its first answer may have been lost, test_otar_reanswer); never applied twice */
    long w = tst_store_writes(s->m);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(tst_store_writes(s->m), w);
    /* an older IV is refused before anything else (IV high-water mark) */
    pdu[3 + 2 + 11]--; /* the IV's last octet (0x37): one below the stored IV */
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_REPLAY);
    assert_int_equal(tst_store_writes(s->m), w);
    free(mk);
    free(iv);
    free(plain);
    sat_free(s);
}

static void test_vector_key_verify(void **st)
{
    (void)st;
    sat *s = sat_new();
    load_keyring(s);
    vpdu p;
    vec_pdu("ep.KEY_VERIFY_132_134", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_TRAILING); /* 4 filler octets */
    uint8_t pdu[64];
    size_t n = intended(&p, 36, pdu);
    /* bug class: keys 132 (pre-active) and 134 (deactivated) are not verified */
    static aus_keys before;
    before = s->ks;
    long w = tst_store_writes(s->m);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_KEY_STATE);
    assert_memory_equal(before.tab, s->ks.tab, sizeof before.tab);
    assert_int_equal(tst_store_writes(s->m), w);
    /* with both keys active, the reply blocks are CryptoLib's (IVs 1 and 2 from a fresh
     * counter coincide with CryptoLib's per-block IVs) */
    sat *s2 = sat_new();
    size_t kl;
    uint8_t *k132 =
        tst_hex("0123456789abcdefabcdef01234567890123456789abcdefabcdef0123456789", &kl);
    uint8_t *k134 =
        tst_hex("abcdef0123456789fedcba9876543210abcdef0123456789fedcba9876543210", &kl);
    install_state(&s2->ks, 132, k132, AUS_KEY_ACTIVE);
    install_state(&s2->ks, 134, k134, AUS_KEY_ACTIVE);
    assert_int_equal(handle(s2, pdu, n, 0), AUS_OK);
    size_t el;
    uint8_t *exp = tst_json_hex(vec("ep.KEY_VERIFY_132_134"), "expected_reply_space_packet", &el);
    tst_assert_bytes(s2->reply, s2->rlen, exp + 10, el - 10); /* after SPP(6) + PUS(4) */
    /* the ground checks the reply against its own copies */
    aus_ep_cmd req;
    aus_ep_reply rep;
    assert_int_equal(aus_ep_cmd_decode(&req, pdu, n), AUS_OK);
    assert_int_equal(aus_ep_reply_decode(&rep, s2->reply, s2->rlen), AUS_OK);
    assert_int_equal(aus_ep_verify_check(aus_crypto_default(), &s2->ks, &req, &rep), AUS_OK);
    /* the next verification never reuses an IV */
    uint8_t first[200];
    memcpy(first, s2->reply, s2->rlen);
    assert_int_equal(handle(s2, pdu, n, 0), AUS_OK);
    assert_false(memcmp(first + 5, s2->reply + 5, 12) == 0);
    /* nor after a restart */
    aus_keys_close(&s2->ks);
    sat_boot(s2);
    assert_int_equal(handle(s2, pdu, n, 0), AUS_OK);
    assert_true(s2->reply[5 + 11] != 1 && s2->reply[5 + 11] != 3);
    /* a tampered reply is caught */
    assert_int_equal(aus_ep_reply_decode(&rep, s2->reply, s2->rlen), AUS_OK);
    s2->reply[3 + 14] ^= 1;
    assert_int_equal(aus_ep_verify_check(aus_crypto_default(), &s2->ks, &req, &rep), AUS_E_AUTH);
    free(k132);
    free(k134);
    free(exp);
    sat_free(s2);
    sat_free(s);
}

static void test_vector_inventory_activation(void **st)
{
    (void)st;
    sat *s = sat_new();
    load_keyring(s);
    vpdu p;
    vec_pdu("ep.KEY_INVENTORY_132_134", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_OK);
    size_t ol;
    uint8_t *obs = tst_json_hex(vec("ep.KEY_INVENTORY_132_134"), "reply_observed_here", &ol);
    /* same records; our length field covers the count too (CryptoLib's omits it) */
    assert_int_equal(s->rlen, ol - 10);
    assert_int_equal(s->reply[0], 0x87);
    assert_int_equal(s->reply[1] << 8 | s->reply[2], 88);
    assert_int_equal(obs[11] << 8 | obs[12], 72);
    tst_assert_bytes(s->reply + 3, s->rlen - 3, obs + 13, ol - 13);
    free(obs);
    /* activation / deactivation PDUs with byte-count lengths are refused as malformed */
    vpdu a, d, dn;
    vec_pdu("ep.ACTIVATE_141_142", &a);
    vec_pdu("ep.DEACTIVATE_142", &d);
    vec_pdu("ep.DEACTIVATE_142_NO_PUS", &dn);
    assert_int_equal(handle(s, a.b, a.decl, 0), AUS_E_MALFORMED);
    assert_int_equal(handle(s, d.b, d.decl, 0), AUS_E_MALFORMED);
    uint8_t pdu[16];
    size_t n = intended(&a, 4, pdu);
    /* 141 and 142 were never provisioned here: bug class, nothing changes */
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_KEY);
    aus_ep_reply r;
    assert_int_equal(aus_ep_reply_decode(&r, s->reply, s->rlen), AUS_OK);
    assert_int_equal(r.refused, AUS_E_KEY);
    uint8_t k[32] = {7};
    install_state(&s->ks, 141, k, AUS_KEY_PREACTIVE);
    install_state(&s->ks, 142, k, AUS_KEY_PREACTIVE);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_KEY_STATE); /* replay */
    assert_int_equal(handle(s, dn.b, dn.decl, 0), AUS_OK);   /* NO_PUS form is well formed */
    aus_key_info i;
    assert_int_equal(aus_keys_info(&s->ks, 142, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DEACTIVATED);
    assert_int_equal(handle(s, dn.b, dn.decl, 0), AUS_E_KEY_STATE); /* replay */
    sat_free(s);
}

static void test_vector_mc(void **st)
{
    (void)st;
    sat *s = sat_new();
    const char *ids[] = {"ep.MC_REGULAR_PING", "ep.MC_STATUS",    "ep.MC_DUMP",
                         "ep.MC_ERASE",        "ep.MC_SELF_TEST", "ep.MC_ALARM_FLAG_RESET"};
    for (size_t i = 0; i < 6; i++) {
        vpdu p;
        vec_pdu(ids[i], &p);
        assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_TRAILING); /* 4 filler octets */
    }
    /* 6 refusals are now in the log */
    uint8_t pdu[8];
    vpdu p;
    vec_pdu("ep.MC_STATUS", &p);
    size_t n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    const uint8_t st6[] = {0xB2, 0x00, 0x20, 0x00, 6, 0x00, 44};
    tst_assert_bytes(s->reply, s->rlen, st6, sizeof st6);
    vec_pdu("ep.MC_DUMP", &p);
    n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    aus_ep_reply r;
    assert_int_equal(aus_ep_reply_decode(&r, s->reply, s->rlen), AUS_OK);
    assert_int_equal(r.u.dump.n, 6);
    assert_int_equal(r.u.dump.entries[0], AUS_EP_EV_REFUSED);
    assert_int_equal(r.u.dump.entries[3], 0x31);                 /* the ping */
    assert_int_equal(r.u.dump.entries[4], -(int)AUS_E_TRAILING); /* why */
    vec_pdu("ep.MC_ERASE", &p);
    n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    const uint8_t er[] = {0xB4, 0x00, 0x20, 0x00, 0, 0x00, 50};
    tst_assert_bytes(s->reply, s->rlen, er, sizeof er);
    vec_pdu("ep.MC_REGULAR_PING", &p);
    n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    const uint8_t pong[] = {0xB1, 0x00, 0x00};
    tst_assert_bytes(s->reply, s->rlen, pong, 3);
    vec_pdu("ep.MC_SELF_TEST", &p);
    n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    const uint8_t ok[] = {0xB5, 0x00, 0x08, 0x00};
    tst_assert_bytes(s->reply, s->rlen, ok, 4);
    /* a corrupted key makes the self-test report failure */
    uint8_t k[32] = {1};
    install_state(&s->ks, 0x100, k, AUS_KEY_ACTIVE);
    assert_int_equal(aus_keys_corrupt(&s->ks, 0x100, 9), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(s->reply[3], 0xFF);
    s->t.fsr.alarm = 1;
    s->t.fsr.bad_mac = 1;
    vec_pdu("ep.MC_ALARM_FLAG_RESET", &p);
    n = intended(&p, 0, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(s->t.fsr.alarm, 0);
    assert_int_equal(s->t.fsr.bad_mac, 0);
    sat_free(s);
}

static int build(uint8_t *out, const aus_ep_cmd *c)
{
    int n = aus_ep_cmd_encode(c, out, 256);
    assert_true(n > 0);
    return n;
}

static void create_sa(sat *s, uint16_t spi)
{
    static const uint8_t ecs = 1, abm[24] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t iv[12] = {0}, arsn[16] = {0}, w[1] = {5};
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_CREATE;
    c.u.create = (aus_ep_sa_create){.spi = spi,
                                    .est = 1,
                                    .ast = 1,
                                    .shivf_len = 12,
                                    .stmacf_len = 16,
                                    .ecs = &ecs,
                                    .ecs_len = 1,
                                    .iv = iv,
                                    .iv_len = 12,
                                    .abm = abm,
                                    .abm_len = sizeof abm,
                                    .arsn = arsn,
                                    .arsn_len = 16,
                                    .arsnw = w,
                                    .arsnw_len = 1};
    uint8_t pdu[256];
    int n = build(pdu, &c);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_STATE); /* replay: SA exists */
}

static void sa_simple(uint8_t tag, uint16_t spi, uint8_t *pdu, size_t *n)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = tag;
    c.u.sa.spi = spi;
    *n = (size_t)build(pdu, &c);
}

static void test_vector_sa_mgmt(void **st)
{
    (void)st;
    sat *s = sat_new();
    load_keyring(s);
    create_sa(s, 6);
    create_sa(s, 4);
    uint8_t pdu[256];
    size_t n;
    vpdu p;
    /* bug class: SA rekey/start/stop/expire must fail loudly in the wrong state */
    vec_pdu("ep.SA_START_6_TC", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_TRAILING);
    size_t start_n = intended(&p, 6, pdu);
    uint8_t start[16];
    memcpy(start, pdu, start_n);
    assert_int_equal(handle(s, start, start_n, 0), AUS_E_STATE); /* UNKEYED */
    sa_simple(AUS_EP_SA_STOP, 6, pdu, &n);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE);
    sa_simple(AUS_EP_SA_EXPIRE, 6, pdu, &n);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE);
    /* rekey: as carried the IV field is 16 octets for a 12-octet IV SA */
    vec_pdu("ep.SA_6_REKEY_133", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_ARG);
    n = intended(&p, 16, pdu);
    /* key 133 is ACTIVE in CryptoLib's ring; first try with a pre-active key */
    uint8_t bad[32];
    memcpy(bad, pdu, n);
    bad[6] = 132;
    assert_int_equal(handle(s, bad, n, 0), AUS_E_KEY_STATE);
    bad[5] = 0x7F;
    assert_int_equal(handle(s, bad, n, 0), AUS_E_KEY);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE); /* replay: already KEYED */
    assert_int_equal(handle(s, start, start_n, 0), AUS_OK);
    assert_int_equal(handle(s, start, start_n, 0), AUS_E_STATE);
    const aus_sdls_sa *sa = aus_sdls_sa_find(&s->t, 6);
    assert_int_equal(sa->state, AUS_SDLS_SA_OPERATIONAL);
    assert_int_equal(sa->gvcid.scid, 3);
    vec_pdu("ep.SA_6_STATUS", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_OK);
    const uint8_t stat[] = {0x9F, 0x00, 0x18, 0x00, 0x06, 0x1B};
    tst_assert_bytes(s->reply, s->rlen, stat, sizeof stat);
    vec_pdu("ep.SA_6_SET_ARSNW", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_OK);
    assert_int_equal(sa->arsnw, 9);
    vec_pdu("ep.SA_6_SET_ARSN", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_OK);
    assert_memory_equal(sa->arsn, p.b + 5, 16);
    vec_pdu("ep.SA_4_READ_ARSN", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_OK);
    aus_ep_reply r;
    assert_int_equal(aus_ep_reply_decode(&r, s->reply, s->rlen), AUS_OK);
    assert_int_equal(r.u.read_arsn.spi, 4);
    assert_int_equal(r.u.read_arsn.n, 16);
    /* bug class: deleting the SA in use (operational) and the SA carrying the PDU */
    sa_simple(AUS_EP_SA_DELETE, 6, pdu, &n);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE);
    assert_int_equal(handle(s, pdu, n, 6), AUS_E_SPI);
    vec_pdu("ep.SA_STOP_SELF", &p);
    n = intended(&p, 2, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_SPI); /* CryptoLib: WRONG_SPI */
    vec_pdu("ep.SA_STOP_6", &p);
    assert_int_equal(handle(s, p.b, p.decl, 0), AUS_E_TRAILING);
    n = intended(&p, 2, pdu);
    assert_int_equal(handle(s, pdu, n, 6), AUS_E_SPI); /* stopping the SA in use */
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE);
    vec_pdu("ep.SA_EXPIRE_6", &p);
    n = intended(&p, 2, pdu);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_STATE);
    /* persisted: a reboot restores SA 6 as UNKEYED, SA 4 too */
    aus_keys_close(&s->ks);
    sat_boot(s);
    sa = aus_sdls_sa_find(&s->t, 6);
    assert_non_null(sa);
    assert_int_equal(sa->state, AUS_SDLS_SA_UNKEYED);
    assert_int_equal(sa->arsnw, 9);
    assert_non_null(aus_sdls_sa_find(&s->t, 4));
    sa_simple(AUS_EP_SA_DELETE, 6, pdu, &n);
    assert_int_equal(handle(s, pdu, n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, n, 0), AUS_E_SPI);
    assert_null(aus_sdls_sa_find(&s->t, 6));
    aus_keys_close(&s->ks);
    sat_boot(s);
    assert_null(aus_sdls_sa_find(&s->t, 6));
    sat_free(s);
}

/* ---- handler rules ---- */

static void test_master_keys_and_atomicity(void **st)
{
    (void)st;
    sat *s = sat_new();
    load_keyring(s);
    aus_ep_cmd c;
    uint8_t pdu[256];
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_DEACTIVATE;
    c.u.keys.n = 1;
    c.u.keys.ids[0] = 0;
    int n = build(pdu, &c);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_POLICY);
    /* [133 (active), 132 (pre-active)]: the second fails, the first must not change */
    c.u.keys.n = 2;
    c.u.keys.ids[0] = 133;
    c.u.keys.ids[1] = 132;
    n = build(pdu, &c);
    static aus_keys before;
    before = s->ks;
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_KEY_STATE);
    assert_memory_equal(before.tab, s->ks.tab, sizeof before.tab);
    /* a store failure at commit changes nothing either */
    c.u.keys.n = 1;
    n = build(pdu, &c);
    tst_store_fail_after(s->m, 0, 0);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_IO);
    assert_memory_equal(before.tab, s->ks.tab, sizeof before.tab);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&s->ks, 133, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DEACTIVATED);
    /* a reply buffer below AUS_EP_REPLY_MAX: refused before anything is done */
    uint8_t small[16];
    size_t sl = 99;
    assert_int_equal(aus_ep_handle(&s->b, pdu, (size_t)n, 0, 1000, small, sizeof small, &sl),
                     AUS_E_NOBUFS);
    assert_int_equal(sl, 0);
    /* bug class: an inventory range with first > last is refused, not read as "all keys" */
    const uint8_t inv_rev[] = {0x07, 0x00, 0x20, 0x00, 0x86, 0x00, 0x84};
    assert_int_equal(handle(s, inv_rev, sizeof inv_rev, 0), AUS_E_MALFORMED);
    aus_ep_reply rr;
    assert_int_equal(aus_ep_reply_decode(&rr, s->reply, s->rlen), AUS_OK);
    assert_int_equal(rr.tag, 0xC7);
    assert_int_equal(rr.refused, AUS_E_MALFORMED);
    /* destroy, then a replayed destroy */
    c.tag = AUS_EP_KEY_DESTROY;
    n = build(pdu, &c);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_KEY_STATE);
    /* an OTAR under a session key or a non-existent master key */
    uint8_t blocks[34] = {0x01, 0x50};
    uint8_t mk[32] = {0};
    uint8_t iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    n = aus_ep_otar_build(aus_crypto_default(), 5, mk, iv, blocks, 1, pdu, sizeof pdu);
    assert_true(n > 0);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_KEY);
    pdu[3] = 0x00;
    pdu[4] = 0x80; /* mkid 0x0080 is a session id */
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_POLICY);
    /* an OTAR re-uploading an existing id (even alongside a new one) installs nothing */
    uint8_t two[68] = {0x01, 0x50};
    two[34] = 0x00;
    two[35] = 0x80; /* exists (ACTIVE) */
    size_t ml;
    uint8_t *m0 = tst_hex("000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f", &ml);
    n = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, two, 2, pdu, sizeof pdu);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_KEY_STATE);
    assert_int_equal(aus_keys_info(&s->ks, 0x150, &i), AUS_E_KEY);
    /* an authentic OTAR that tries to overwrite a master key id: POLICY, nothing installed */
    {
        uint8_t pt[34] = {0x00, 0x05}, raw[3 + 2 + 12 + 34 + 16];
        raw[0] = AUS_EP_OTAR;
        raw[1] = (uint8_t)(((sizeof raw - 3) * 8) >> 8);
        raw[2] = (uint8_t)((sizeof raw - 3) * 8);
        raw[3] = 0;
        raw[4] = 0;
        uint8_t iv2[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8};
        memcpy(raw + 5, iv2, 12);
        const aus_crypto *cr = aus_crypto_default();
        assert_int_equal(cr->ops->aead_seal(cr->self, AUS_AEAD_AES256_GCM, m0, 32, iv2, 12, NULL, 0,
                                            pt, 34, raw + 17, raw + 51, 16),
                         AUS_OK);
        assert_int_equal(handle(s, raw, sizeof raw, 0), AUS_E_POLICY);
        assert_int_equal(aus_keys_info(&s->ks, 0x0005, &i), AUS_E_KEY);
    }
    /* tampered OTAR: AUTH, and the log records it */
    n = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, blocks, 1, pdu, sizeof pdu);
    pdu[20] ^= 1;
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_AUTH);
    pdu[20] ^= 1;
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
    free(m0);
    sat_free(s);
}

/* Crash at every write during OTAR: afterwards either nothing or everything is installed. */
static void test_otar_crash_every_write(void **st)
{
    (void)st;
    size_t ml;
    uint8_t *m0 = tst_hex("000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f", &ml);
    uint8_t blocks[68] = {0x01, 0x00};
    blocks[34] = 0x01;
    blocks[35] = 0x01;
    uint8_t iv[12] = {0, 0, 0, 1};
    uint8_t pdu[256];
    int n = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, blocks, 2, pdu, sizeof pdu);
    int completed = 0;
    for (long f = 0; f < 20 && !completed; f++) {
        sat *s = sat_new();
        install_state(&s->ks, 0, m0, AUS_KEY_ACTIVE);
        tst_store_fail_after(s->m, f, 1);
        aus_err e = handle(s, pdu, (size_t)n, 0);
        tst_store_fail_after(s->m, -1, 0);
        aus_keys_close(&s->ks);
        sat_boot(s); /* "reboot" from what is durable */
        aus_key_info a, b;
        int ha = aus_keys_info(&s->ks, 0x100, &a) == AUS_OK;
        int hb = aus_keys_info(&s->ks, 0x101, &b) == AUS_OK;
        assert_int_equal(ha, hb);
        if (e == AUS_OK) {
            assert_true(ha);
            completed = 1;
        } else {
            assert_false(ha);
            /* the retry completes after the crash */
            assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
        }
        sat_free(s);
    }
    assert_true(completed);
    free(m0);
}

/* The OTAR whose answer was lost: the board committed its keys, then the caller's record of the
 * answer (another store, committed later) was lost in a crash, and the re-read PDU arrives
 * again with the last accepted IV. It is answered success, writing nothing, while its keys are
 * installed as it says (PREACTIVE, or ACTIVE once the caller activated some or all of them);
 * forged, older, different-key or superseded OTARs with that IV stay refused. */
static void test_otar_reanswer(void **st)
{
    (void)st;
    size_t ml;
    uint8_t *m0 = tst_hex("000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f", &ml);
    uint8_t blocks[68] = {0x40, 0x00, 1, 2, 3};
    blocks[34] = 0x40;
    blocks[35] = 0x01;
    blocks[36] = 7;
    uint8_t iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    uint8_t pdu[256], first[AUS_EP_REPLY_MAX];
    int n = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, blocks, 2, pdu, sizeof pdu);
    assert_true(n > 0);
    sat *s = sat_new();
    install_state(&s->ks, 0, m0, AUS_KEY_ACTIVE);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
    size_t fl = s->rlen;
    memcpy(first, s->reply, fl);
    /* crash right after the commit: both keys PREACTIVE; then after one and both activations */
    for (int step = 0; step < 3; step++) {
        if (step > 0)
            assert_int_equal(aus_keys_activate(&s->ks, (uint16_t)(0x4000 + step - 1), 9), AUS_OK);
        aus_keys_close(&s->ks);
        sat_boot(s); /* "reboot" from what is durable */
        long w = tst_store_writes(s->m);
        assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_OK);
        tst_assert_bytes(s->reply, s->rlen, first, fl); /* the same answer: 0x81, done */
        assert_int_equal(tst_store_writes(s->m), w);    /* nothing written */
        assert_int_equal(s->b.refused, 0);
    }
    long w = tst_store_writes(s->m);
    /* tampered with the same IV: the tag fails (AUTH), nothing written */
    pdu[20] ^= 1;
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_AUTH);
    pdu[20] ^= 1;
    /* authentic, same IV, a different key for an installed id (ground IV reuse): replay */
    uint8_t other[68];
    memcpy(other, blocks, sizeof other);
    other[40] ^= 0x80;
    uint8_t pdu2[256];
    int n2 = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, other, 2, pdu2, sizeof pdu2);
    assert_int_equal(handle(s, pdu2, (size_t)n2, 0), AUS_E_REPLAY);
    /* authentic, same IV, a key id that is not installed: replay, nothing installed */
    other[40] ^= 0x80;
    other[35] = 0x02;
    n2 = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv, other, 2, pdu2, sizeof pdu2);
    assert_int_equal(handle(s, pdu2, (size_t)n2, 0), AUS_E_REPLAY);
    aus_key_info ki;
    assert_int_equal(aus_keys_info(&s->ks, 0x4002, &ki), AUS_E_KEY);
    /* an older IV, even with the installed keys: replay */
    uint8_t old_iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};
    n2 = aus_ep_otar_build(aus_crypto_default(), 0, m0, old_iv, blocks, 2, pdu2, sizeof pdu2);
    assert_int_equal(handle(s, pdu2, (size_t)n2, 0), AUS_E_REPLAY);
    assert_int_equal(tst_store_writes(s->m), w);
    /* the pair superseded (deactivated, then destroyed): its OTAR is a replay again */
    assert_int_equal(aus_keys_deactivate(&s->ks, 0x4001, 10, 20), AUS_OK);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_REPLAY);
    assert_int_equal(aus_keys_destroy(&s->ks, 0x4001, 30), AUS_OK);
    w = tst_store_writes(s->m);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_REPLAY);
    assert_int_equal(tst_store_writes(s->m), w);
    assert_int_equal(aus_keys_info(&s->ks, 0x4001, &ki), AUS_OK);
    assert_int_equal(ki.state, AUS_KEY_DESTROYED); /* not reinstalled */
    /* the keystore's compare (aus_keys_match) behind it */
    int same = 1;
    assert_int_equal(aus_keys_match(&s->ks, 0x4001, blocks + 36, 32, &same), AUS_E_KEY_STATE);
    assert_int_equal(same, 0);
    assert_int_equal(aus_keys_match(&s->ks, 0x4002, blocks + 2, 32, &same), AUS_E_KEY);
    assert_int_equal(aus_keys_match(&s->ks, 0x4000, blocks + 2, 32, &same), AUS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(aus_keys_match(&s->ks, 0x4000, blocks + 2, 31, &same), AUS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(aus_keys_match(&s->ks, 0x4000, blocks + 36, 32, &same), AUS_OK);
    assert_int_equal(same, 0);
    /* a newer OTAR goes through; the previous one is an older IV now */
    uint8_t iv6[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6};
    other[1] = 0x04;
    other[35] = 0x03;
    n2 = aus_ep_otar_build(aus_crypto_default(), 0, m0, iv6, other, 2, pdu2, sizeof pdu2);
    assert_int_equal(handle(s, pdu2, (size_t)n2, 0), AUS_OK);
    assert_int_equal(handle(s, pdu2, (size_t)n2, 0), AUS_OK); /* answered again */
    assert_int_equal(aus_keys_activate(&s->ks, 0x4000 + 3, 40), AUS_OK);
    assert_int_equal(handle(s, pdu, (size_t)n, 0), AUS_E_REPLAY);
    free(m0);
    sat_free(s);
}

int main(void)
{
    aus_crypto_set_default(aus_crypto_openssl());
    g_ep = tst_read_json(tst_shared("vectors/sdls/ep_cryptolib.json"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_roundtrip_all),
        cmocka_unit_test(test_vector_otar),
        cmocka_unit_test(test_vector_key_verify),
        cmocka_unit_test(test_vector_inventory_activation),
        cmocka_unit_test(test_vector_mc),
        cmocka_unit_test(test_vector_sa_mgmt),
        cmocka_unit_test(test_master_keys_and_atomicity),
        cmocka_unit_test(test_otar_crash_every_write),
        cmocka_unit_test(test_otar_reanswer),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cJSON_Delete(g_ep);
    return rc;
}
