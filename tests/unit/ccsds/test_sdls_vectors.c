/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS known-answer vectors: shared/vectors/sdls/{tc,tm,aos}_cryptolib.json and
 * tc_cryptolib_legacy.json (NASA CryptoLib unit tests, re-checked independently; see that
 * folder's README). Every vector is reproduced exactly, except where the README flags a
 * CryptoLib defect: there the test checks what the standard intends and prints why.
 * CMAC and CBC run through test-only ext ops on OpenSSL (sdls_ext_openssl.h).
 * gcm_siv_cryptolib.json is skipped: AES-GCM-SIV is not implemented (and those outputs are
 * not RFC 8452 results anyway, per the README). ep_cryptolib.json belongs to src/keys. */
#include "aus_test.h"

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/sdls.h"
#include "sdls_ext_openssl.h"

static aus_sdls_keyring ring;
static aus_sdls_table tab;
static cJSON *keyring_json;
static int n_exact, n_flagged;

static void note(const char *id, const char *why)
{
    printf("NOTE %s: %s\n", id, why);
    n_flagged++;
}

static int jint(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    assert_non_null(v);
    return v->valueint;
}

static int jbool(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return v != NULL && cJSON_IsTrue(v);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return v && cJSON_IsString(v) ? v->valuestring : NULL;
}

static void env_reset(void)
{
    aus_sdls_keyring_wipe(&ring);
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(keyring_json, "keys"))
    {
        size_t n;
        uint8_t *b = tst_json_hex(k, "value", &n);
        size_t kl = (size_t)jint(k, "key_len");
        uint8_t key[AUS_SDLS_KEY_MAX] = {0}; /* 512-byte slots, zero beyond the value */
        memcpy(key, b, n < sizeof key ? n : sizeof key);
        assert_int_equal(aus_sdls_keyring_put(&ring, (uint16_t)jint(k, "key_id"), key, kl, 1),
                         AUS_OK);
        free(b);
    }
    assert_int_equal(aus_sdls_init(&tab, aus_crypto_default(), &aus_sdls_keyring_ops, &ring),
                     AUS_OK);
    aus_sdls_set_ext(&tab, &tst_ext_ops, NULL);
}

static void put_key(const cJSON *sa, const char *field, uint16_t kid)
{
    if (!jstr(sa, field))
        return;
    size_t n;
    uint8_t *b = tst_json_hex(sa, field, &n);
    assert_int_equal(aus_sdls_keyring_put(&ring, kid, b, n, 1), AUS_OK);
    free(b);
}

/* Fill a cfg from a vector's "sa" object (iv_before / arsn_before = the SA's counters). */
static void cfg_from(const cJSON *s, aus_sdls_sa_cfg *c, uint8_t *abm)
{
    memset(c, 0, sizeof *c);
    c->spi = (uint16_t)jint(s, "spi");
    c->est = (uint8_t)jint(s, "est");
    c->ast = (uint8_t)jint(s, "ast");
    c->ecs = (uint8_t)jint(s, "ecs");
    c->acs = (uint8_t)jint(s, "acs");
    c->shivf_len = (uint8_t)jint(s, "shivf_len");
    c->shsnf_len = (uint8_t)jint(s, "shsnf_len");
    c->shplf_len = (uint8_t)jint(s, "shplf_len");
    c->stmacf_len = (uint8_t)jint(s, "stmacf_len");
    c->iv_len = (uint8_t)jint(s, "iv_len");
    c->arsn_len = (uint8_t)jint(s, "arsn_len");
    c->arsnw = (uint16_t)jint(s, "arsnw");
    size_t n;
    uint8_t *b = tst_json_hex(s, "iv_before", &n);
    assert_true(n <= sizeof c->iv);
    memcpy(c->iv, b, n);
    free(b);
    b = tst_json_hex(s, "arsn_before", &n);
    assert_true(n <= sizeof c->arsn);
    memcpy(c->arsn, b, n);
    free(b);
    c->abm_len = (uint16_t)jint(s, "abm_len");
    const char *abm_s = jstr(s, "abm");
    if (abm_s && strcmp(abm_s, "all ff") == 0) {
        c->abm = NULL;
    } else { /* "all 00" or "" */
        memset(abm, 0, AUS_SDLS_MAX_FRAME);
        c->abm = abm;
    }
}

static aus_err sa_install(const aus_sdls_sa_cfg *c, uint16_t ekid, uint16_t akid)
{
    AUS_TRY(aus_sdls_sa_create(&tab, c));
    AUS_TRY(aus_sdls_sa_rekey(&tab, c->spi, ekid, akid, NULL, 0));
    return aus_sdls_sa_start(&tab, c->spi, NULL);
}

static void sa_from(const cJSON *s, uint8_t flags)
{
    static uint8_t abm[AUS_SDLS_MAX_FRAME];
    aus_sdls_sa_cfg c;
    cfg_from(s, &c, abm);
    c.flags = flags;
    put_key(s, "ekey", (uint16_t)jint(s, "ekid"));
    put_key(s, "akey", (uint16_t)jint(s, "akid"));
    assert_int_equal(sa_install(&c, (uint16_t)jint(s, "ekid"), (uint16_t)jint(s, "akid")), AUS_OK);
}

static aus_sdls_link link_from(const cJSON *mp, const cJSON *cfg, int fecf_ok)
{
    if (cJSON_IsArray(mp))
        mp = cJSON_GetArrayItem(mp, 0);
    aus_sdls_link l = {0};
    l.frame_len = (uint16_t)jint(mp, "max");
    if (jbool(mp, "fecf"))
        l.fecf = (jbool(cfg, "create_fecf") && fecf_ok &&
                  !(cJSON_GetObjectItem(cfg, "check_fecf") && !jbool(cfg, "check_fecf")))
                     ? AUS_SDLS_FECF_YES
                     : AUS_SDLS_FECF_BLANK;
    l.seg_hdr = (uint8_t)jbool(mp, "seg");
    l.ocf = (uint8_t)jbool(mp, "ocf");
    l.fhec = (uint8_t)jbool(mp, "fhec");
    if (jbool(mp, "iz"))
        l.iz_len = (uint8_t)jint(mp, "iz_len");
    return l;
}

static const char *status_name(int e) { return e == AUS_OK ? "SUCCESS" : aus_err_name(e); }

/* CryptoLib status -> our error (both window failures are replays for us). */
static int want_status(const char *s)
{
    if (strcmp(s, "SUCCESS") == 0)
        return AUS_OK;
    if (strcmp(s, "IV_OUTSIDE_WINDOW") == 0 || strcmp(s, "ARSN_OUTSIDE_WINDOW") == 0)
        return AUS_E_REPLAY;
    if (strcmp(s, "MAC_VALIDATION_ERROR") == 0)
        return AUS_E_AUTH;
    fail_msg("unknown status %s", s);
    return 0;
}

/* ---------------- TC ---------------- */

static void run_tc(const cJSON *v)
{
    const char *id = jstr(v, "id");
    const cJSON *cfg = cJSON_GetObjectItem(v, "config");
    env_reset();
    if (strncmp(id, "tc_apply.", 9) == 0) {
        const cJSON *s = cJSON_GetObjectItem(v, "sa");
        sa_from(s, jbool(cfg, "incr") ? 0 : AUS_SDLS_F_IV_TX_ONLY);
        aus_sdls_link l = link_from(cJSON_GetObjectItem(v, "managed_parameters"), cfg, 1);
        size_t n, en;
        uint8_t *in = tst_json_hex(v, "input_frame", &n);
        uint8_t *exp = tst_json_hex(v, "expected_output_frame", &en);
        uint8_t buf[1024];
        memcpy(buf, in, n);
        int r = aus_sdls_tc_apply(&tab, &l, (uint16_t)jint(s, "spi"), buf, n, sizeof buf, 0);
        if (r < 0)
            fail_msg("%s: %s", id, aus_err_name(r));
        tst_assert_bytes(buf, (size_t)r, exp, en);
        n_exact++;
        free(in);
        free(exp);
    } else if (strncmp(id, "tc_process.", 11) == 0) {
        const cJSON *s = cJSON_GetObjectItem(v, "sa");
        sa_from(s, jbool(cfg, "incr") ? 0 : AUS_SDLS_F_IV_TX_ONLY);
        aus_sdls_link l = link_from(cJSON_GetObjectItem(v, "managed_parameters"), cfg, 1);
        size_t n, en;
        uint8_t *in = tst_json_hex(v, "input_frame", &n);
        uint8_t *exp = tst_json_hex(v, "expected_pdu", &en);
        aus_sdls_rx rx;
        aus_err e = aus_sdls_tc_process(&tab, &l, in, n, 0, &rx);
        if (e != AUS_OK)
            fail_msg("%s: %s", id, aus_err_name(e));
        tst_assert_bytes(in + rx.data_off, rx.data_len, exp, en);
        n_exact++;
        free(in);
        free(exp);
    } else { /* tc_process_sequence: one SA, frames in order, statuses and counters */
        const cJSON *s = cJSON_GetObjectItem(v, "sa_initial");
        sa_from(s, jbool(cfg, "incr") ? 0 : AUS_SDLS_F_IV_TX_ONLY);
        aus_sdls_link l = link_from(cJSON_GetObjectItem(v, "managed_parameters"), cfg, 1);
        const cJSON *step;
        int i = 0;
        cJSON_ArrayForEach(step, cJSON_GetObjectItem(v, "sequence"))
        {
            size_t n, pn, ivn, an;
            uint8_t *in = tst_json_hex(step, "frame", &n);
            uint8_t *pt = tst_json_hex(step, "plaintext_pdu", &pn);
            uint8_t *iv = tst_json_hex(step, "sa_iv_after", &ivn);
            uint8_t *ar = tst_json_hex(step, "sa_arsn_after", &an);
            aus_sdls_rx rx;
            aus_err e = aus_sdls_tc_process(&tab, &l, in, n, 0, &rx);
            int want = want_status(jstr(step, "expected_status"));
            if ((int)e != want)
                fail_msg("%s step %d: got %s want %s", id, i, status_name(e),
                         jstr(step, "expected_status"));
            if (e == AUS_OK)
                tst_assert_bytes(in + rx.data_off, rx.data_len, pt, pn);
            const aus_sdls_sa *sa = aus_sdls_sa_find(&tab, (uint16_t)jint(s, "spi"));
            tst_assert_bytes(sa->iv, sa->iv_len, iv, ivn);
            tst_assert_bytes(sa->arsn, sa->arsn_len, ar, an);
            free(in);
            free(pt);
            free(iv);
            free(ar);
            i++;
        }
        n_exact++;
    }
}

static void test_tc_cryptolib(void **state)
{
    (void)state;
    cJSON *j = tst_read_json(tst_shared("vectors/sdls/tc_cryptolib.json"));
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "vectors"))
    {
        run_tc(v);
        n++;
    }
    assert_int_equal(n, 13);
    cJSON_Delete(j);
}

/* ---------------- TM / AOS ---------------- */

/* CryptoLib's key ring answers every id (zero key when unset; sdls_model.py): same here. */
static void ensure_key(uint16_t kid)
{
    uint8_t k[64];
    size_t kl;
    if (aus_sdls_keyring_ops.get(&ring, kid, AUS_SDLS_KEY_SEND, 0, k, sizeof k, &kl) == AUS_E_KEY) {
        uint8_t zero[32] = {0};
        assert_int_equal(aus_sdls_keyring_put(&ring, kid, zero, 32, 1), AUS_OK);
    }
}

static void gmac_check(const uint8_t *f, size_t mac_off, size_t maclen, const uint8_t *iv,
                       size_t ivlen, uint16_t kid)
{
    uint8_t key[64];
    size_t kl = 0;
    assert_int_equal(
        aus_sdls_keyring_ops.get(&ring, kid, AUS_SDLS_KEY_SEND, 0, key, sizeof key, &kl), AUS_OK);
    const aus_crypto *c = aus_crypto_default();
    aus_iov aad = {f, mac_off}; /* ABM all ones: every octet up to the MAC */
    uint8_t tag[16];
    assert_int_equal(c->ops->aead_seal(c->self, AUS_AEAD_AES256_GCM, key, kl, iv, ivlen, &aad, 1,
                                       NULL, 0, NULL, tag, 16),
                     AUS_OK);
    tst_assert_bytes(f + mac_off, maclen, tag, maclen);
}

static void run_fixed_apply(const cJSON *v, int aos)
{
    const char *id = jstr(v, "id");
    const cJSON *cfg = cJSON_GetObjectItem(v, "config");
    const cJSON *s = cJSON_GetObjectItem(v, "sa");
    env_reset();
    aus_sdls_link l = link_from(cJSON_GetObjectItem(v, "managed_parameters"), cfg, 1);
    size_t n, en;
    uint8_t *in = tst_json_hex(v, "input_frame", &n);
    uint8_t *exp = tst_json_hex(v, "expected_output_frame", &en);
    assert_true(n >= l.frame_len && en == l.frame_len);
    uint16_t spi = (uint16_t)jint(s, "spi");
    int gmac = strstr(id, "AEAD_AES_GCM_BITMASK_1") != NULL;
    if (jint(s, "shsnf_len") > jint(s, "arsn_len")) {
        /* Flagged: SN field longer than the ARSN; CryptoLib emits out-of-bounds octets (ff00).
         * We refuse the SA, then reproduce the layout with a 2-octet ARSN holding ff00. */
        static uint8_t abm[AUS_SDLS_MAX_FRAME];
        aus_sdls_sa_cfg c;
        cfg_from(s, &c, abm);
        assert_int_equal(aus_sdls_sa_create(&tab, &c), AUS_E_ARG);
        c.arsn_len = 2;
        c.arsn[0] = 0xFF;
        c.arsn[1] = 0x00;
        assert_int_equal(sa_install(&c, (uint16_t)jint(s, "ekid"), (uint16_t)jint(s, "akid")),
                         AUS_OK);
        note(id, "SA with shsnf_len > arsn_len refused (AUS_E_ARG); layout checked with ARSN=ff00");
    } else {
        sa_from(s, jbool(cfg, "incr") ? 0 : AUS_SDLS_F_IV_TX_ONLY);
    }
    uint8_t iv0[16];
    memcpy(iv0, aus_sdls_sa_find(&tab, spi)->iv, 16);
    ensure_key((uint16_t)jint(s, "ekid"));
    aus_err e = aos ? aus_sdls_aos_apply(&tab, &l, spi, in, l.frame_len, 0)
                    : aus_sdls_tm_apply(&tab, &l, spi, in, l.frame_len, 0);
    if (e != AUS_OK)
        fail_msg("%s: %s", id, aus_err_name(e));
    if (gmac) {
        /* Flagged: CryptoLib TM computes no GMAC (keeps the input bytes). We compute it: all
         * other octets must match, the MAC must be the GMAC over octets 0..MAC. */
        size_t mac = (size_t)l.frame_len - 2u - 16u;
        tst_assert_bytes(in, mac, exp, mac);
        gmac_check(in, mac, 16, iv0, (size_t)jint(s, "iv_len"), (uint16_t)jint(s, "ekid"));
        uint16_t crc = aus_crc16_ccitt(in, l.frame_len - 2u);
        assert_int_equal(in[l.frame_len - 2] << 8 | in[l.frame_len - 1], crc);
        note(id, "CryptoLib writes no GMAC here (defect); we compute and verify it");
    } else if (aos && l.fhec) {
        /* Flagged: CryptoLib's FHEC is a non-standard computation (standards.md SDLS 13) and is the
         * frame codec's job, not SDLS's. Patch it in, recompute the FECF, then exact. */
        in[6] = exp[6];
        in[7] = exp[7];
        if (l.fecf == AUS_SDLS_FECF_YES) {
            uint16_t crc = aus_crc16_ccitt(in, l.frame_len - 2u);
            in[l.frame_len - 2] = (uint8_t)(crc >> 8);
            in[l.frame_len - 1] = (uint8_t)crc;
        }
        tst_assert_bytes(in, l.frame_len, exp, en);
        note(id, "FHEC left to the AOS codec (CryptoLib's FHEC is non-standard); rest exact");
    } else {
        tst_assert_bytes(in, l.frame_len, exp, en);
        n_exact++;
    }
    free(in);
    free(exp);
}

static void run_fixed_process(const cJSON *v, int aos)
{
    const char *id = jstr(v, "id");
    const cJSON *cfg = cJSON_GetObjectItem(v, "config");
    const cJSON *s = cJSON_GetObjectItem(v, "sa");
    env_reset();
    int fecf_ok = jbool(v, "fecf_valid_crc16_ccitt_false");
    aus_sdls_link l = link_from(cJSON_GetObjectItem(v, "managed_parameters"), cfg, fecf_ok);
    sa_from(s, jbool(cfg, "incr") ? 0 : AUS_SDLS_F_IV_TX_ONLY);
    size_t n, pn;
    uint8_t *in = tst_json_hex(v, "input_frame", &n);
    uint8_t *pdu = tst_json_hex(v, "model_pdu", &pn);
    aus_sdls_rx rx;
    aus_err e = aos ? aus_sdls_aos_process(&tab, &l, in, l.frame_len, 0, &rx)
                    : aus_sdls_tm_process(&tab, &l, in, l.frame_len, 0, &rx);
    if (jbool(v, "cryptolib_bug")) {
        /* Flagged: CryptoLib AOS accepts these frames although their MAC does not verify. */
        assert_int_equal(e, AUS_E_AUTH);
        note(id,
             "MAC does not verify: CryptoLib accepts (status overwritten), we reject AUS_E_AUTH");
    } else {
        if (e != AUS_OK)
            fail_msg("%s: %s", id, aus_err_name(e));
        tst_assert_bytes(in + rx.data_off, rx.data_len, pdu, pn);
        if (!fecf_ok)
            note(id, "stale FECF in the vector: FECF check off, MAC/PDU exact");
        else if (strstr(jstr(v, "verified"), "quirk"))
            note(id, "PDU taken after the secondary header / insert zone (CryptoLib offset quirk)");
        else
            n_exact++;
    }
    free(in);
    free(pdu);
}

static void run_fixed_file(const char *rel, int aos, int want)
{
    cJSON *j = tst_read_json(tst_shared(rel));
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "vectors"))
    {
        if (strstr(jstr(v, "id"), "_apply."))
            run_fixed_apply(v, aos);
        else
            run_fixed_process(v, aos);
        n++;
    }
    assert_int_equal(n, want);
    cJSON_Delete(j);
}

static void test_tm_cryptolib(void **state)
{
    (void)state;
    run_fixed_file("vectors/sdls/tm_cryptolib.json", 0, 23);
}

static void test_aos_cryptolib(void **state)
{
    (void)state;
    run_fixed_file("vectors/sdls/aos_cryptolib.json", 1, 18);
}

/* ---------------- legacy TC (NIST GCM, GMAC, CMAC, HMAC) ---------------- */

static uint8_t *hexf(const cJSON *v, const char *k, size_t *n) { return tst_json_hex(v, k, n); }

static aus_sdls_sa_cfg legacy_cfg(uint8_t est, uint8_t ast, uint8_t ecs, uint8_t acs, uint8_t ivl,
                                  uint8_t snl, int abm_ff)
{
    static uint8_t zero[AUS_SDLS_MAX_FRAME];
    aus_sdls_sa_cfg c;
    memset(&c, 0, sizeof c);
    c.spi = 9;
    c.est = est;
    c.ast = ast;
    c.ecs = ecs;
    c.acs = acs;
    c.iv_len = c.shivf_len = ivl;
    c.arsn_len = c.shsnf_len = snl;
    c.stmacf_len = ast ? 16 : 0;
    c.arsnw = 5;
    c.abm_len = 1024;
    c.abm = abm_ff ? NULL : zero;
    return c;
}

static void set_minus_one(uint8_t *b, size_t n, const uint8_t *from)
{
    memcpy(b, from, n);
    for (size_t i = n; i-- > 0;)
        if (b[i]-- != 0)
            break;
}

static void legacy_gcm(const cJSON *v)
{
    /* enc only, GCM; layout hdr | seg FF | SPI 0009 | IV 12 | SN 2 (0000) | ct 16 | FECF. */
    size_t kn, ivn, ptn, fn;
    uint8_t *key = hexf(v, "key", &kn), *iv = hexf(v, "iv", &ivn), *pt = hexf(v, "plaintext", &ptn);
    uint8_t *exp = hexf(v, "tc_frame_encrypted", &fn);
    env_reset();
    assert_int_equal(aus_sdls_keyring_put(&ring, 136, key, kn, 1), AUS_OK);
    aus_sdls_sa_cfg c = legacy_cfg(1, 0, AUS_SDLS_ECS_AES256_GCM, 0, 12, 2, 0);
    memcpy(c.iv, iv, 12);
    assert_int_equal(sa_install(&c, 136, 0), AUS_OK);
    aus_sdls_link l = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES, .seg_hdr = 1};
    uint8_t buf[64] = {0x20, 0x03, 0x00, 0x17, 0x00, 0xFF};
    memcpy(buf + 6, pt, 16);
    int r = aus_sdls_tc_apply(&tab, &l, 9, buf, 24, sizeof buf, 0);
    assert_int_equal(r, (int)fn);
    /* The legacy frames carry a stale FECF (README) and a Frame Length field of 0x25 although
     * they are 40 octets: compare all but those, check ours. */
    assert_int_equal(buf[3], fn - 1);
    exp[3] = (uint8_t)(fn - 1);
    tst_assert_bytes(buf, fn - 2, exp, fn - 2);
    assert_int_equal(buf[fn - 2] << 8 | buf[fn - 1], aus_crc16_ccitt(buf, fn - 2));
    /* Decrypt the vector's frame (FECF not checked: stale). */
    env_reset();
    assert_int_equal(aus_sdls_keyring_put(&ring, 136, key, kn, 1), AUS_OK);
    set_minus_one(c.iv, 12, iv);
    c.arsn[0] = c.arsn[1] = 0xFF; /* so that 0000 is the next SN */
    assert_int_equal(sa_install(&c, 136, 0), AUS_OK);
    l.fecf = AUS_SDLS_FECF_BLANK;
    aus_sdls_rx rx;
    assert_int_equal(aus_sdls_tc_process(&tab, &l, exp, fn, 0, &rx), AUS_OK);
    tst_assert_bytes(exp + rx.data_off, rx.data_len, pt, ptn);
    note(jstr(v, "id"), "ciphertext exact; vector FECF and length field stale, ours valid");
    free(key);
    free(iv);
    free(pt);
    free(exp);
}

static void legacy_gmac(const cJSON *v, int apply)
{
    size_t kn, n, mn;
    uint8_t *key = hexf(v, "key", &kn), *mac = hexf(v, "expected_mac", &mn);
    env_reset();
    assert_int_equal(aus_sdls_keyring_put(&ring, 136, key, kn, 1), AUS_OK);
    aus_sdls_sa_cfg c = legacy_cfg(0, 1, AUS_SDLS_ECS_AES256_GCM, 0, 12, 2, 1);
    if (apply) {
        size_t ivn;
        uint8_t *iv = hexf(v, "iv", &ivn);
        memcpy(c.iv, iv, 12);
        assert_int_equal(sa_install(&c, 136, 0), AUS_OK);
        uint8_t *in = hexf(v, "input_tc_frame", &n);
        uint8_t buf[64];
        memcpy(buf, in, n);
        aus_sdls_link l = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES};
        int r = aus_sdls_tc_apply(&tab, &l, 9, buf, n, sizeof buf, 0);
        assert_int_equal(r, 39);
        size_t an;
        uint8_t *aad = hexf(v, "aad_reconstructed", &an);
        tst_assert_bytes(buf, an, aad, an); /* header (new length) | SPI | IV | SN */
        tst_assert_bytes(buf + 21, 16, mac, mn);
        n_exact++;
        free(iv);
        free(in);
        free(aad);
    } else {
        uint8_t *f = hexf(v, "tc_frame", &n);
        size_t pn;
        uint8_t *pt = hexf(v, "plaintext", &pn);
        set_minus_one(c.iv, 12, f + 8);
        c.arsn[0] = c.arsn[1] = 0xFF;
        assert_int_equal(sa_install(&c, 136, 0), AUS_OK);
        aus_sdls_link l = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_BLANK, .seg_hdr = 1};
        aus_sdls_rx rx;
        assert_int_equal(aus_sdls_tc_process(&tab, &l, f, n, 0, &rx), AUS_OK);
        tst_assert_bytes(f + rx.data_off, rx.data_len, pt, pn);
        tst_assert_bytes(f + rx.data_off + rx.data_len, 16, mac, mn);
        note(jstr(v, "id"), "GMAC verifies; vector FECF stale, not checked");
        free(f);
        free(pt);
    }
    free(key);
    free(mac);
}

static void legacy_mac(const cJSON *v, uint8_t acs)
{
    size_t kn, n, mn;
    uint8_t *key = hexf(v, "key", &kn), *mac = hexf(v, "mac", &mn);
    uint8_t *exp = hexf(v, "protected_tc_frame", &n);
    int ff = strncmp(jstr(v, "abm"), "all FF", 6) == 0;
    env_reset();
    assert_int_equal(aus_sdls_keyring_put(&ring, 136, key, kn, 1), AUS_OK);
    aus_sdls_sa_cfg c = legacy_cfg(0, 1, 0, acs, 0, 4, ff);
    assert_int_equal(sa_install(&c, 0, 136), AUS_OK);
    /* Apply: hdr | data 64 | FECF -> hdr | SPI | SN 4 | data | MAC | FECF. */
    uint8_t buf[128] = {0x20, 0x03, 0x00, 0x46, 0x00};
    memcpy(buf + 5, exp + 11, 64);
    aus_sdls_link l = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES};
    int r = aus_sdls_tc_apply(&tab, &l, 9, buf, 71, sizeof buf, 0);
    assert_int_equal(r, (int)n);
    tst_assert_bytes(buf, n, exp, n);
    /* Process the vector's frame: next SN is 00000000 when the SA holds ffffffff. */
    env_reset();
    assert_int_equal(aus_sdls_keyring_put(&ring, 136, key, kn, 1), AUS_OK);
    memset(c.arsn, 0xFF, 4);
    assert_int_equal(sa_install(&c, 0, 136), AUS_OK);
    aus_sdls_rx rx;
    assert_int_equal(aus_sdls_tc_process(&tab, &l, exp, n, 0, &rx), AUS_OK);
    assert_int_equal(rx.data_len, 64);
    n_exact++;
    free(key);
    free(mac);
    free(exp);
}

static void test_tc_legacy(void **state)
{
    (void)state;
    cJSON *j = tst_read_json(tst_shared("vectors/sdls/tc_cryptolib_legacy.json"));
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "vectors"))
    {
        const char *id = jstr(v, "id");
        if (strstr(id, "NIST_ENC_DEC"))
            legacy_gcm(v);
        else if (strstr(id, "GMAC_APPLY"))
            legacy_gmac(v, 1);
        else if (strstr(id, "GMAC_PROCESS"))
            legacy_gmac(v, 0);
        else if (strstr(id, "CMAC"))
            legacy_mac(v, AUS_SDLS_ACS_CMAC_AES256);
        else if (strstr(id, "SHA_256"))
            legacy_mac(v, AUS_SDLS_ACS_HMAC_SHA256);
        else if (strstr(id, "SHA_512"))
            legacy_mac(v, AUS_SDLS_ACS_HMAC_SHA512);
        else
            fail_msg("unhandled %s", id);
        n++;
    }
    assert_int_equal(n, 14);
    cJSON_Delete(j);
}

static void test_gcm_siv_skipped(void **state)
{
    (void)state;
    cJSON *j = tst_read_json(tst_shared("vectors/sdls/gcm_siv_cryptolib.json"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "vectors")), 3);
    printf("SKIP gcm_siv_cryptolib.json (3 vectors): AES-256-GCM-SIV (ecs 5) is not implemented; "
           "an SA asking for it is refused with AUS_E_UNSUPPORTED\n");
    env_reset();
    aus_sdls_sa_cfg c = legacy_cfg(1, 1, 5, 0, 12, 0, 1);
    assert_int_equal(aus_sdls_sa_create(&tab, &c), AUS_E_UNSUPPORTED);
    cJSON_Delete(j);
}

static int setup(void **state)
{
    (void)state;
    keyring_json = tst_read_json(tst_shared("vectors/sdls/cryptolib_keyring.json"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    printf("SDLS vectors: %d reproduced exactly, %d with a flagged deviation (NOTE lines)\n",
           n_exact, n_flagged);
    cJSON_Delete(keyring_json);
    aus_sdls_wipe(&tab);
    aus_sdls_keyring_wipe(&ring);
    return 0;
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_tc_cryptolib),    cmocka_unit_test(test_tm_cryptolib),
        cmocka_unit_test(test_aos_cryptolib),   cmocka_unit_test(test_tc_legacy),
        cmocka_unit_test(test_gcm_siv_skipped),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
