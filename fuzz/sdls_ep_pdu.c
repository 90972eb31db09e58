/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the SDLS EP board handler with arbitrary PDUs.
 * Input: octet 0 = carrier SPI (low 3 bits) | 0x08: the satellite has already accepted the
 * seed OTAR (IV 1, keys 0x0200/0x0201 PREACTIVE) and its record of the answer was lost; the
 * rest = one EP PDU.
 * Checks: never a crash; a refused PDU changes neither keys, SAs nor the store (the security
 * log, RAM only, is allowed to record the refusal); a reply is always produced and decodes;
 * an OTAR answered again (last IV, keys installed) writes nothing, and that seed OTAR sent again
 * is always answered so.
 * Build a seed corpus with -DAUS_FUZZ_SEEDGEN (see the bottom of this file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"
#include "crypto_openssl.h"

/* the in-memory store (M, ST) with a write counter */
#define FUZZ_MEM_ROWS 64
#define FUZZ_MEM_VMAX 256
#include "fuzz_memstore.h"

/* ---- the satellite ---- */
static aus_keys KS;
static aus_sdls_table T;
static aus_ep_sdls AD;
static aus_ep_board B;

static const uint8_t KEK[32] = {1};
static void key_of(uint8_t k[32], unsigned id)
{
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(id * 7 + (unsigned)i);
}

/* The seed OTAR: keys 0x0200 / 0x0201 (both key_of(0)) under master key 0, IV 0..01. */
static uint8_t OTAR1[256];
static size_t OTAR1_LEN;
static void otar1(void)
{
    uint8_t k[32], blocks[68] = {0x02, 0x00};
    key_of(k, 0);
    uint8_t iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    memcpy(blocks + 2, k, 32);
    blocks[34] = 0x02;
    blocks[35] = 0x01;
    memcpy(blocks + 36, k, 32);
    int n = aus_ep_otar_build(aus_crypto_default(), 0, k, iv, blocks, 2, OTAR1, sizeof OTAR1);
    if (n <= 0)
        abort();
    OTAR1_LEN = (size_t)n;
}

static void setup(void)
{
    memset(&M, 0, sizeof M);
    aus_crypto_set_default(aus_crypto_openssl());
    const aus_crypto *c = aus_crypto_default();
    if (aus_keys_open(&KS, &ST, c, KEK, 32, "k/") != AUS_OK)
        abort();
    uint8_t k[32];
    key_of(k, 0);
    if (aus_keys_install(&KS, 0, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 1) != AUS_OK)
        abort();
    const unsigned ids[] = {0x80, 0x81, 0x82, 0x100, 0x101};
    for (int i = 0; i < 5; i++) {
        key_of(k, ids[i]);
        if (aus_keys_install(&KS, (uint16_t)ids[i], AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32,
                             1) != AUS_OK)
            abort();
        if (i >= 1 && aus_keys_activate(&KS, (uint16_t)ids[i], 2) != AUS_OK)
            abort();
        if (i == 2 && aus_keys_deactivate(&KS, (uint16_t)ids[i], 3, 0) != AUS_OK)
            abort();
    }
    if (aus_sdls_init(&T, c, &aus_keys_sdls_ops, &KS) != AUS_OK)
        abort();
    aus_sdls_sa_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.est = cfg.ast = 1;
    cfg.ecs = AUS_SDLS_ECS_AES256_GCM;
    cfg.shivf_len = cfg.iv_len = 12;
    cfg.stmacf_len = 16;
    cfg.arsn_len = 4;
    cfg.arsnw = 5;
    for (uint16_t spi = 0; spi < 4; spi++) {
        cfg.spi = spi;
        if (aus_sdls_sa_create(&T, &cfg) != AUS_OK)
            abort();
        if (spi >= 1 && aus_sdls_sa_rekey(&T, spi, 0x100, 0x100, NULL, 0) != AUS_OK)
            abort();
        if (spi >= 2 && aus_sdls_sa_start(&T, spi, NULL) != AUS_OK)
            abort();
    }
    if (aus_ep_sdls_init(&AD, &T, &ST, "ep/") != AUS_OK ||
        aus_ep_board_init(&B, &KS, c, &aus_ep_sdls_ops, &AD, "ep/") != AUS_OK)
        abort();
    otar1();
}

/* The second starting point: the seed OTAR handled (its keys PREACTIVE, its IV the last). */
static void setup_after_otar(void)
{
    static uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rl = 0;
    if (aus_ep_handle(&B, OTAR1, OTAR1_LEN, 0, 1000, reply, sizeof reply, &rl) != AUS_OK)
        abort();
}

static aus_key_info snap_k[AUS_KEYS_MAX];
static aus_sdls_sa snap_sa[AUS_SDLS_MAX_SA];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static mem M0, M1;
    static aus_keys KS0, KS1;
    static aus_sdls_table T0, T1;
    static aus_ep_board B0, B1;
    if (!ready) {
        setup();
        M0 = M;
        KS0 = KS;
        T0 = T;
        B0 = B;
        setup_after_otar();
        M1 = M;
        KS1 = KS;
        T1 = T;
        B1 = B;
        ready = 1;
    }
    if (size < 1)
        return 0;
    /* every input starts from one of two fixed satellites, so a crash reproduces on its own */
    int after = (data[0] & 0x08u) != 0;
    M = after ? M1 : M0;
    KS = after ? KS1 : KS0;
    T = after ? T1 : T0;
    B = after ? B1 : B0;
    uint32_t again0 = B.otar_again;
    size_t nk = KS.n;
    memcpy(snap_k, KS.tab, sizeof snap_k);
    memcpy(snap_sa, T.sa, sizeof snap_sa);
    unsigned long w = M.writes;
    static uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rl = 0;
    aus_err e = aus_ep_handle(&B, data + 1, size - 1, data[0] & 7u, 1000, reply, sizeof reply, &rl);
    aus_ep_reply r;
    if (rl == 0 || aus_ep_reply_decode(&r, reply, rl) != AUS_OK)
        __builtin_trap(); /* every PDU gets an answer that decodes */
    int same = nk == KS.n && !memcmp(snap_k, KS.tab, sizeof snap_k) &&
               !memcmp(snap_sa, T.sa, sizeof snap_sa) && w == M.writes;
    if (e != AUS_OK && (r.refused != e || !same))
        __builtin_trap(); /* a refused PDU changed state */
    if (B.otar_again != again0 && (e != AUS_OK || B.otar_again != again0 + 1 || !same))
        __builtin_trap(); /* an OTAR answered again wrote something */
    if (after && size - 1 == OTAR1_LEN && !memcmp(data + 1, OTAR1, OTAR1_LEN) &&
        (e != AUS_OK || B.otar_again != again0 + 1))
        __builtin_trap(); /* the OTAR whose answer was lost is not answered again */
    return 0;
}

#ifdef AUS_FUZZ_SEEDGEN
/* cc -DAUS_FUZZ_SEEDGEN -Iinclude -Iport/posix fuzz/sdls_ep_pdu.c BUILD/libaustralis.a -lcrypto
 *    -lsqlite3 -lcjson -lfec -lm -o /tmp/seedgen && /tmp/seedgen fuzz/corpus/sdls_ep_pdu */
static void put(const char *dir, const char *name, uint8_t spi, const uint8_t *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fputc(spi, f);
    fwrite(p, 1, n, f);
    fclose(f);
}

static void put_cmd(const char *dir, const char *name, uint8_t spi, const aus_ep_cmd *c)
{
    uint8_t pdu[512];
    int n = aus_ep_cmd_encode(c, pdu, sizeof pdu);
    if (n > 0)
        put(dir, name, spi, pdu, (size_t)n);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    setup();
    uint8_t pdu[512], k[32];
    uint8_t blocks[68] = {0x02, 0x00};
    key_of(k, 0);
    uint8_t iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    memcpy(blocks + 2, k, 32);
    blocks[34] = 0x02;
    blocks[35] = 0x01;
    int n = aus_ep_otar_build(aus_crypto_default(), 0, k, iv, blocks, 2, pdu, sizeof pdu);
    put(argv[1], "otar", 0, pdu, (size_t)n);
    put(argv[1], "otar_again", 0x08, OTAR1, OTAR1_LEN); /* the same OTAR, its answer lost */
    iv[11] = 2;
    blocks[1] = 0x02;
    blocks[35] = 0x03;
    n = aus_ep_otar_build(aus_crypto_default(), 0, k, iv, blocks, 2, pdu, sizeof pdu);
    put(argv[1], "otar_next", 0x08, pdu, (size_t)n); /* the next OTAR after it */
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_ACTIVATE;
    c.u.keys.n = 2;
    c.u.keys.ids[0] = 0x80;
    c.u.keys.ids[1] = 0x81;
    put_cmd(argv[1], "activate", 0, &c);
    c.tag = AUS_EP_KEY_DESTROY;
    c.u.keys.ids[0] = 0x82;
    c.u.keys.n = 1;
    put_cmd(argv[1], "destroy", 0, &c);
    static const uint8_t ch[16] = {9};
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_VERIFY;
    c.u.verify.n = 1;
    c.u.verify.ids[0] = 0x100;
    c.u.verify.challenge[0] = ch;
    put_cmd(argv[1], "verify", 0, &c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_INVENTORY;
    c.u.inventory.first = 0;
    c.u.inventory.last = 0xFFFF;
    put_cmd(argv[1], "inventory", 0, &c);
    const uint8_t sa_tags[] = {AUS_EP_SA_STOP, AUS_EP_SA_EXPIRE, AUS_EP_SA_DELETE, AUS_EP_SA_STATUS,
                               AUS_EP_SA_READ_ARSN};
    for (size_t i = 0; i < sizeof sa_tags; i++) {
        memset(&c, 0, sizeof c);
        c.tag = sa_tags[i];
        c.u.sa.spi = (uint16_t)(3 - i % 3);
        char name[32];
        snprintf(name, sizeof name, "sa_%02x", sa_tags[i]);
        put_cmd(argv[1], name, 0, &c);
    }
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_REKEY;
    c.u.rekey.spi = 0;
    c.u.rekey.ekid = 0x101;
    put_cmd(argv[1], "sa_rekey", 1, &c);
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_START;
    c.u.start.spi = 1;
    c.u.start.n = 1;
    put_cmd(argv[1], "sa_start", 0, &c);
    static const uint8_t arsn[4] = {0, 0, 1, 0};
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_SET_ARSN;
    c.u.set.spi = 2;
    c.u.set.value = arsn;
    c.u.set.n = 4;
    put_cmd(argv[1], "sa_set_arsn", 0, &c);
    static const uint8_t one = 1;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_CREATE;
    c.u.create = (aus_ep_sa_create){.spi = 9,
                                    .est = 1,
                                    .ast = 1,
                                    .shivf_len = 12,
                                    .stmacf_len = 16,
                                    .ecs = &one,
                                    .ecs_len = 1,
                                    .iv = ch,
                                    .iv_len = 12};
    put_cmd(argv[1], "sa_create", 0, &c);
    const uint8_t mc[] = {0x31, 0x32, 0x33, 0x34, 0x35, 0x37};
    for (size_t i = 0; i < sizeof mc; i++) {
        uint8_t p3[3] = {mc[i], 0, 0};
        char name[32];
        snprintf(name, sizeof name, "mc_%02x", mc[i]);
        put(argv[1], name, 0, p3, 3);
    }
    return 0;
}
#endif
