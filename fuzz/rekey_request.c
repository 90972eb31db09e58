/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: post-quantum rekey messages against a provisioned satellite and ground.
 * Input: any octets. Dispatched by message type: request -> satellite handler, response ->
 * ground, rotations -> the peer, ACK -> satellite. Checks: never a crash; a refused message
 * changes neither the rekey state, the keystore nor the store.
 * A request is also handed to a second pair that has a request pending (R0: built by the
 * ground, handled by the satellite, the answer lost) the way daemon/rekey.c does: handle, and on
 * AUS_E_REPLAY aus_rekey_pq_request_reanswer. Checks: the re-answer writes nothing, whatever
 * it returns; an answer it gives is accepted by the ground; R0 itself is always answered
 * again. The randomness is a fixed stream (det_random), so R0 is the same in every run and is a
 * seed (corpus/rekey_request/request_pending).
 * Build a seed corpus with -DAUS_FUZZ_SEEDGEN (see the bottom of this file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "australis/rekey.h"
#include "crypto_openssl.h"

/* the in-memory store (M, ST) with a write counter */
#define FUZZ_MEM_ROWS 40
#define FUZZ_MEM_VMAX 4200
#include "fuzz_memstore.h"

/* ---- a ground and a satellite sharing the store under different prefixes ---- */
typedef struct node {
    aus_keys ks;
    aus_rekey rk;
} node;
static node G, S;
static const uint8_t CTX[] = "fuzz-mission";

/* OpenSSL's provider with a fixed random stream (splitmix64), restarted by setup() */
static uint64_t RNG;
static aus_crypto_ops DOPS;
static aus_crypto DC;
static aus_err det_random(void *self, uint8_t *out, size_t n)
{
    (void)self;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (RNG += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return AUS_OK;
}

static void must(int ok)
{
    if (!ok)
        abort();
}

static void provision(node *n, const char *pfx, int sat)
{
    static uint8_t ek[AUS_MLKEM768_EK_BYTES], dk[AUS_MLKEM768_DK_BYTES];
    static uint8_t gvk[AUS_MLDSA65_PK_BYTES], gsk[AUS_MLDSA65_SK_BYTES];
    static uint8_t svk[AUS_MLDSA65_PK_BYTES], ssk[AUS_MLDSA65_SK_BYTES];
    uint8_t seed[32] = {7}, k[32] = {3};
    const uint8_t kek[32] = {(uint8_t)sat};
    must(aus_mlkem768_keygen_derand(ek, dk, seed, seed) == AUS_OK);
    seed[0] = 1;
    must(aus_mldsa65_keygen_derand(gvk, gsk, seed) == AUS_OK);
    seed[0] = 2;
    must(aus_mldsa65_keygen_derand(svk, ssk, seed) == AUS_OK);
    must(aus_keys_open(&n->ks, &ST, aus_crypto_default(), kek, 32, pfx) == AUS_OK);
    aus_keys *ks = &n->ks;
    must(aus_keys_install(ks, 1, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 1) == AUS_OK);
    must(aus_keys_install(ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1) == AUS_OK);
    must(aus_keys_install(ks, 0x101, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1) == AUS_OK);
    must(aus_keys_install(ks, AUS_REKEY_ID_KEM, sat ? AUS_KEY_T_MLKEM768_DK : AUS_KEY_T_MLKEM768_EK,
                          AUS_KEY_ACTIVE, sat ? dk : ek, sat ? sizeof dk : sizeof ek, 1) == AUS_OK);
    must(aus_keys_install(ks, AUS_REKEY_ID_DSA_SK, AUS_KEY_T_MLDSA65_SK, AUS_KEY_ACTIVE,
                          sat ? ssk : gsk, sizeof gsk, 1) == AUS_OK);
    must(aus_keys_install(ks, AUS_REKEY_ID_DSA_VK, AUS_KEY_T_MLDSA65_VK, AUS_KEY_ACTIVE,
                          sat ? svk : gvk, sizeof gvk, 1) == AUS_OK);
    must(aus_keys_install(ks, AUS_REKEY_ID_PEER_VK, AUS_KEY_T_MLDSA65_VK, AUS_KEY_ACTIVE,
                          sat ? gvk : svk, sizeof gvk, 1) == AUS_OK);
    aus_rekey_state s;
    memset(&s, 0, sizeof s);
    s.role = sat ? AUS_REKEY_SAT : AUS_REKEY_GROUND;
    s.mkid = 1;
    s.overlap = 60;
    s.cur = (aus_rekey_pair){0x100, 0x101};
    s.kem = AUS_REKEY_ID_KEM;
    s.dsa_sk = AUS_REKEY_ID_DSA_SK;
    s.dsa_vk = AUS_REKEY_ID_DSA_VK;
    s.peer_vk = AUS_REKEY_ID_PEER_VK;
    s.sign_responses = (uint8_t)sat;
    must(aus_rekey_provision(&n->rk, ks, aus_crypto_default(), pfx, CTX, sizeof CTX - 1, &s) ==
         AUS_OK);
}

static void setup(void)
{
    memset(&M, 0, sizeof M);
    const aus_crypto *o = aus_crypto_openssl();
    DOPS = *o->ops;
    DOPS.random = det_random;
    DC.ops = &DOPS;
    DC.self = o->self;
    RNG = 1;
    aus_crypto_set_default(&DC);
    provision(&G, "g/", 0);
    provision(&S, "s/", 1);
}

/* The second starting point: request R0 built by the ground, handled by the satellite. */
static uint8_t R0[AUS_REKEY_MSG_MAX];
static size_t R0_LEN;
static void make_pending(void)
{
    static uint8_t rsp[AUS_REKEY_MSG_MAX];
    int n = aus_rekey_pq_request_build(&G.rk, 5, R0, sizeof R0);
    must(n > 0);
    R0_LEN = (size_t)n;
    must(aus_rekey_pq_request_handle(&S.rk, R0, R0_LEN, 6, rsp, sizeof rsp) > 0);
}

/* The daemon's path (apps/australis/daemon/rekey.c) on the pending pair. */
static void pending_request(const uint8_t *data, size_t size, uint8_t *out, size_t cap)
{
    aus_rekey_state before = S.rk.st;
    unsigned long w = M.writes;
    aus_key_info tab[AUS_KEYS_MAX];
    memcpy(tab, S.ks.tab, sizeof tab);
    int rc = aus_rekey_pq_request_handle(&S.rk, data, size, 10, out, cap);
    if (rc != AUS_E_REPLAY) {
        if (rc < 0 && (memcmp(&before, &S.rk.st, sizeof before) != 0 || w != M.writes ||
                       memcmp(tab, S.ks.tab, sizeof tab) != 0))
            __builtin_trap(); /* a refused request changed state */
        return;
    }
    rc = aus_rekey_pq_request_reanswer(&S.rk, data, size, 10, out, cap);
    if (memcmp(&before, &S.rk.st, sizeof before) != 0 || w != M.writes ||
        memcmp(tab, S.ks.tab, sizeof tab) != 0)
        __builtin_trap(); /* the re-answer wrote something */
    if (rc > 0 && aus_rekey_pq_response_accept(&G.rk, out, (size_t)rc, 11) != AUS_OK)
        __builtin_trap(); /* an answer the ground does not take */
    if (rc <= 0 && size == R0_LEN && memcmp(data, R0, size) == 0)
        __builtin_trap(); /* the pending request is not answered again */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static mem M0, M1;
    static node G0, S0, G1, S1;
    static uint8_t out[AUS_REKEY_MSG_MAX];
    if (!ready) {
        setup();
        M0 = M;
        G0 = G;
        S0 = S;
        G.rk.keys = &G.ks;
        S.rk.keys = &S.ks;
        make_pending();
        M1 = M;
        G1 = G;
        S1 = S;
        ready = 1;
    }
    M = M0;
    G = G0;
    S = S0;
    G.rk.keys = &G.ks;
    S.rk.keys = &S.ks;
    int t = aus_rekey_msg_type(data, size);
    node *n = (t == AUS_REKEY_MSG_RESPONSE || t == AUS_REKEY_MSG_KEM_ROTATE ||
               t == AUS_REKEY_MSG_DSA_ROTATE)
                  ? &G
                  : &S;
    aus_rekey_state before = n->rk.st;
    unsigned long w = M.writes;
    int rc;
    switch (t) {
    case AUS_REKEY_MSG_RESPONSE: rc = aus_rekey_pq_response_accept(&G.rk, data, size, 10); break;
    case AUS_REKEY_MSG_KEM_ROTATE:
    case AUS_REKEY_MSG_DSA_ROTATE:
        rc = aus_rekey_rotate_accept(&G.rk, data, size, 10, out, sizeof out);
        break;
    case AUS_REKEY_MSG_ACK: rc = aus_rekey_ack_accept(&S.rk, data, size, 10); break;
    default: rc = aus_rekey_pq_request_handle(&S.rk, data, size, 10, out, sizeof out); break;
    }
    if (rc < 0 && (memcmp(&before, &n->rk.st, sizeof before) != 0 || w != M.writes ||
                   memcmp(G0.ks.tab, G.ks.tab, sizeof G.ks.tab) != 0 ||
                   memcmp(S0.ks.tab, S.ks.tab, sizeof S.ks.tab) != 0))
        __builtin_trap(); /* a refused message changed state */
    if (t == AUS_REKEY_MSG_REQUEST) {
        M = M1;
        G = G1;
        S = S1;
        G.rk.keys = &G.ks;
        S.rk.keys = &S.ks;
        pending_request(data, size, out, sizeof out);
    }
    return 0;
}

#ifdef AUS_FUZZ_SEEDGEN
/* cc -DAUS_FUZZ_SEEDGEN -Iinclude -Iport/posix fuzz/rekey_request.c BUILD/libaustralis.a
 *    -lcrypto -lsqlite3 -lcjson -lfec -lm -o /tmp/seedgen && /tmp/seedgen DIR */
static void put(const char *dir, const char *name, const uint8_t *p, int n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (n > 0)
        fwrite(p, 1, (size_t)n, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    static uint8_t a[AUS_REKEY_MSG_MAX], b[AUS_REKEY_MSG_MAX];
    if (argc != 2)
        return 2;
    setup();
    make_pending();
    put(argv[1], "request_pending", R0, (int)R0_LEN);
    setup();
    int n = aus_rekey_pq_request_build(&G.rk, 5, a, sizeof a);
    put(argv[1], "request", a, n);
    int m = aus_rekey_pq_request_handle(&S.rk, a, (size_t)n, 6, b, sizeof b);
    put(argv[1], "response", b, m);
    n = aus_rekey_kem_rotate_build(&S.rk, 7, a, sizeof a);
    put(argv[1], "kem_rotate", a, n);
    m = aus_rekey_rotate_accept(&G.rk, a, (size_t)n, 8, b, sizeof b);
    put(argv[1], "ack", b, m);
    n = aus_rekey_dsa_rotate_build(&G.rk, 9, a, sizeof a);
    put(argv[1], "dsa_rotate", a, n);
    return 0;
}
#endif
