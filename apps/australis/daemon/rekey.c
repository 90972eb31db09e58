/* SPDX-License-Identifier: Apache-2.0 */
/* Key rotation from the ground: OTAR (CCSDS 355.1 EP, new session keys wrapped under the
 * master key) and the post-quantum rekey (include/australis/rekey.h), plus the long-term PQ
 * keys each side generates on first boot and the public halves they exchange.
 *
 * Where the EP PDUs travel (file-link profile): inside a REKEY_REQ ADU (kind 1), i.e. inside
 * a BPSec-protected bundle to the tenant's key-management service (ep_service, dmn_agent_send);
 * the body is [new EK id, 2 bytes BE] ||
 * the OTAR PDU, the reply PDU comes back in REKEY_RESP. The PQ request / response travel the
 * same way (kind 2).
 *
 * Sending pair: "dmn/<tenant>/ek" (AK = EK + 1) in the main store; the previous pair stays
 * receivable ("ek_prev") until its deactivation deadline (keystore RECV rule).
 *
 * PQ rekey on the satellite (docs/rekey.md, key switch): handling a request makes the new pair
 * the sending one (aus_rekey_tx_keys) but the pair the ground sends under stays ACTIVE as
 * "ek_hold": the response may be lost, and the ground then keeps sending under it and re-sends
 * the request (answered from the app layer's cache). Only when a bundle authenticated under
 * the new pair arrives (aus_rekey_note_rx, called for every received bundle) or a later
 * request says the ground sends under it is the held pair deactivated with the overlap
 * deadline; aus_rekey_on_timer (dmn_rekey_tick, once per loop) destroys it afterwards.
 * The ground switches on the response only (no implicit confirmation: the re-sent request's
 * cached response must still find the request pending). OTAR on the satellite works the same
 * way ("hold_otar": the held pair is released only by a bundle under the OTAR pair). The keystore
 * and the rekey state live in a second SQLite file (<store>.keys) because their procedures
 * run their own transactions while the daemon holds one on the main store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "australis/rekey.h"
#include "australis/sdls_ep.h"
#include "util.h"
#include "daemon.h"
#include "store_keys.h"

#define MASTER_KEY_ID 0x0001u
#define OVERLAP_S 600u

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

/* Seconds an old pair stays receivable after a switch. AUS_REKEY_OVERLAP_S (1..86400) sets it
 * for tests (like AUS_IV_LOG); the PQ rekey state keeps the value it was provisioned with. */
static uint32_t overlap_s(void)
{
    const char *v = getenv("AUS_REKEY_OVERLAP_S");
    long s = v && *v ? strtol(v, NULL, 10) : 0;
    return s >= 1 && s <= 86400 ? (uint32_t)s : OVERLAP_S;
}

static aus_err put_ptr(dmn_node *n, const char *what, uint64_t v)
{
    dmn_key k;
    return aus_store_put_u64(&n->store, dmn_key_dmn(&k, n->cfg.tenant, what), v);
}

static uint64_t get_ptr(dmn_node *n, const char *what, uint64_t dflt)
{
    dmn_key k;
    uint64_t v;
    return aus_store_get_u64(&n->store, dmn_key_dmn(&k, n->cfg.tenant, what), &v) == AUS_OK ? v
                                                                                            : dflt;
}

/* Switch sending to the pair at ek (keys already ACTIVE); retire the old pair with a deadline.
 * Called inside the daemon's main-store transaction. */
static aus_err switch_pair(dmn_node *n, uint16_t ek)
{
    uint16_t old = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
    if (old == ek)
        return AUS_OK;
    AUS_TRY(put_ptr(n, "ek_prev", old));
    AUS_TRY(put_ptr(n, "ek", ek));
    uint64_t t = now_s();
    for (uint16_t id = old; id <= old + 1; id++) {
        aus_key_info ki;
        if (aus_keys_info(&n->keys, id, &ki) == AUS_OK && ki.state == AUS_KEY_ACTIVE &&
            aus_keys_deactivate(&n->keys, id, t, t + overlap_s()) != AUS_OK)
            dmn_log("cannot deactivate key 0x%04x", id);
    }
    dmn_log("session keys switched: EK=0x%04x AK=0x%04x active, 0x%04x/0x%04x receivable for "
            "%u s",
            ek, ek + 1, old, old + 1, overlap_s());
    return AUS_OK;
}

/* Satellite: the ground has switched to our sending pair; the pair it used before ("ek_hold")
 * is deactivated (receivable until now + overlap) unless the rekey state retired it already. */
static aus_err release_hold(dmn_node *n)
{
    uint16_t hold = (uint16_t)get_ptr(n, "ek_hold", 0);
    if (!hold)
        return AUS_OK;
    uint64_t t = now_s();
    for (uint16_t id = hold; id <= hold + 1; id++) {
        aus_key_info ki;
        if (aus_keys_info(&n->keys, id, &ki) == AUS_OK && ki.state == AUS_KEY_ACTIVE &&
            aus_keys_deactivate(&n->keys, id, t, t + overlap_s()) != AUS_OK)
            dmn_log("cannot deactivate key 0x%04x", id);
    }
    int otar = get_ptr(n, "hold_otar", 0) != 0;
    AUS_TRY(put_ptr(n, "ek_prev", hold));
    AUS_TRY(put_ptr(n, "ek_hold", 0));
    AUS_TRY(put_ptr(n, "hold_otar", 0));
    dmn_log("%s confirmed by the ground: 0x%04x/0x%04x receivable for %u s",
            otar ? "OTAR" : "PQ rekey", hold, hold + 1, overlap_s());
    return AUS_OK;
}

/* Satellite: send under the pair at ek (PQ or OTAR, already ACTIVE); the pair the ground sends
 * under stays ACTIVE as "ek_hold" until it switches (a superseded pending pair is not kept: the
 * rekey state destroyed it, the ground never sent under it). Inside the main-store transaction. */
static aus_err send_under(dmn_node *n, uint16_t ek)
{
    uint16_t old = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
    if (old == ek)
        return AUS_OK;
    if (!get_ptr(n, "ek_hold", 0))
        AUS_TRY(put_ptr(n, "ek_hold", old));
    AUS_TRY(put_ptr(n, "ek", ek));
    uint16_t hold = (uint16_t)get_ptr(n, "ek_hold", old);
    dmn_log("session keys: sending under EK=0x%04x AK=0x%04x; 0x%04x/0x%04x stay active until "
            "the ground uses the new pair",
            ek, ek + 1, hold, hold + 1);
    return AUS_OK;
}

aus_err dmn_rekey_note_rx(dmn_node *n)
{
    uint16_t kid = n->seal.rx_kid;
    if (n->rk_ok && kid) {
        aus_err e = aus_rekey_note_rx(&n->rk, kid, now_s());
        if (e != AUS_OK) /* nothing changed: the next bundle under the new pair tries again */
            dmn_log("PQ rekey: cannot record the ground's switch: %s", aus_err_str(e));
    }
    if (get_ptr(n, "hold_otar", 0)) {
        /* OTAR: the held pair goes when the ground authenticates under our sending pair */
        uint16_t ek = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
        if (!kid || (kid != ek && kid != ek + 1))
            return AUS_OK;
        dmn_log("OTAR: 0x%04x/0x%04x now used by the ground", ek, ek + 1);
        return release_hold(n);
    }
    if (!n->rk_ok)
        return AUS_OK;
    return n->rk.st.pend.ek ? AUS_OK : release_hold(n);
}

void dmn_rekey_tick(dmn_node *n)
{
    if (!n->rk_ok)
        return;
    aus_err e = aus_rekey_on_timer(&n->rk, now_s());
    if (e != AUS_OK)
        dmn_log("PQ rekey timer: %s (tried again next time)", aus_err_str(e));
}

void dmn_rekey_release_tick(dmn_node *n)
{
    if (!n->rk_ok)
        return;
    if (!n->rk.st.pend.ek && get_ptr(n, "ek_hold", 0) && !get_ptr(n, "hold_otar", 0) &&
        release_hold(n) != AUS_OK)
        dmn_log("PQ rekey: cannot release the held pair (tried again next time)");
}

/* OTAR pairs come from 0x4000 up: the PQ rekey derives its ids from its counter starting at
 * 0x0102 (src/keys/rekey_pq.c), so the two procedures never pick the same ids. */
static aus_err free_pair(dmn_node *n, uint16_t *ek)
{
    for (uint16_t lo = 0x4000; lo < 0x7F00; lo = (uint16_t)(lo + 2)) {
        aus_key_info a, b;
        if (aus_keys_info(&n->keys, lo, &a) != AUS_OK &&
            aus_keys_info(&n->keys, (uint16_t)(lo + 1), &b) != AUS_OK) {
            *ek = lo;
            return AUS_OK;
        }
    }
    return AUS_E_FULL;
}

static aus_err install_active(dmn_node *n, uint16_t id, const uint8_t *k)
{
    AUS_TRY(aus_keys_install(&n->keys, id, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, now_s()));
    return aus_keys_activate(&n->keys, id, now_s());
}

/* Ground: OTAR request body. */
static aus_err otar_build(dmn_node *n, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t mk[32], blocks[2 * AUS_EP_OTAR_BLOCK], iv[12] = {0};
    size_t mklen = 0;
    uint16_t ek;
    AUS_ENSURE(cap > 2, AUS_E_NOBUFS);
    AUS_TRY(free_pair(n, &ek));
    aus_ctr ivc;
    dmn_key key;
    uint64_t c;
    AUS_TRY(aus_ctr_open(&ivc, &n->store, dmn_key_dmn(&key, n->cfg.tenant, "otar_iv"),
                         UINT64_MAX - 1, 1));
    AUS_TRY(aus_ctr_take(&ivc, &n->store, &c));
    for (int i = 0; i < 8; i++)
        iv[4 + i] = (uint8_t)(c >> (56 - 8 * i));
    const aus_crypto *cr = aus_crypto_default();
    aus_err e = cr->ops->random(cr->self, blocks, sizeof blocks);
    for (int k = 0; k < 2 && e == AUS_OK; k++) {
        uint8_t *b = blocks + k * AUS_EP_OTAR_BLOCK;
        uint16_t id = (uint16_t)(ek + k);
        memmove(b + 2, b, 32);
        b[0] = (uint8_t)(id >> 8);
        b[1] = (uint8_t)id;
    }
    if (e == AUS_OK)
        e = aus_keys_get(&n->keys, MASTER_KEY_ID, AUS_KEY_USE_WRAP, now_s(), mk, sizeof mk, &mklen);
    int pl = e == AUS_OK ? aus_ep_otar_build(cr, MASTER_KEY_ID, mk, iv, blocks, 2, out + 2, cap - 2)
                         : (int)e;
    /* our copy of the new pair: receivable at once, used for sending after the reply */
    if (pl > 0)
        e = install_active(n, ek, blocks + 2);
    if (pl > 0 && e == AUS_OK)
        e = install_active(n, (uint16_t)(ek + 1), blocks + AUS_EP_OTAR_BLOCK + 2);
    aus_wipe(mk, sizeof mk);
    aus_wipe(blocks, sizeof blocks);
    AUS_TRY(pl < 0 ? (aus_err)pl : e);
    AUS_TRY(put_ptr(n, "ek_pend", ek));
    out[0] = (uint8_t)(ek >> 8);
    out[1] = (uint8_t)ek;
    *len = (size_t)pl + 2;
    dmn_log("OTAR: new session keys EK=0x%04x AK=0x%04x wrapped under master key 0x%04x", ek,
            ek + 1, MASTER_KEY_ID);
    return AUS_OK;
}

static void pq_setup(dmn_node *n);
static int have(dmn_node *n, uint16_t id);

aus_err dmn_rekey_request(dmn_node *n, uint32_t kind, uint8_t *out, size_t cap, size_t *len)
{
    if (kind == 1)
        return otar_build(n, out, cap, len);
    if (!n->rk_ok && n->cfg.pq_dir[0])
        pq_setup(n); /* the satellite's keys may have arrived since we started */
    AUS_ENSURE(n->rk_ok, AUS_E_KEY_STATE);
    int r = aus_rekey_pq_request_build(&n->rk, now_s(), out, cap);
    AUS_TRY(r);
    *len = (size_t)r;
    dmn_log("PQ rekey: request built (ML-KEM-768 ciphertext, ML-DSA-65 signature, %d bytes)", r);
    return AUS_OK;
}

aus_err dmn_sa_request(const char *what, uint16_t first, uint16_t last, uint8_t *out, size_t cap,
                       size_t *len)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    if (!strcmp(what, "inventory")) {
        c.tag = AUS_EP_KEY_INVENTORY;
        c.u.inventory.first = first;
        c.u.inventory.last = last;
    } else if (!strcmp(what, "ping"))
        c.tag = AUS_EP_MC_PING;
    else if (!strcmp(what, "self-test"))
        c.tag = AUS_EP_MC_SELF_TEST;
    else if (!strcmp(what, "log-status"))
        c.tag = AUS_EP_MC_LOG_STATUS;
    else
        return AUS_E_ARG;
    int r = aus_ep_cmd_encode(&c, out, cap);
    AUS_TRY(r);
    *len = (size_t)r;
    return AUS_OK;
}

char *dmn_sa_reply_text(const uint8_t *body, size_t len)
{
    aus_ep_reply r;
    char *t = malloc(4096);
    size_t at = 0;
    if (!t)
        return NULL;
    aus_err e = aus_ep_reply_decode(&r, body, len);
    if (e != AUS_OK)
        snprintf(t, 4096, "unreadable EP reply: %s", aus_err_str(e));
    else if (r.refused != AUS_OK)
        snprintf(t, 4096, "refused by the satellite: %s", aus_err_str(r.refused));
    else if (r.cmd == AUS_EP_KEY_INVENTORY) {
        at += (size_t)snprintf(t, 4096, "%zu key(s):", r.u.inventory.n);
        for (size_t i = 0; i < r.u.inventory.n && at < 4000; i++)
            at += (size_t)snprintf(t + at, 4096 - at, " 0x%04x %s%s", r.u.inventory.ids[i],
                                   aus_key_state_name((aus_key_state)r.u.inventory.states[i]),
                                   i + 1 < r.u.inventory.n ? "," : "");
    } else if (r.cmd == AUS_EP_MC_SELF_TEST)
        snprintf(t, 4096, "self-test %s", r.u.self_test == 0 ? "passed" : "FAILED");
    else if (r.cmd == AUS_EP_MC_PING)
        snprintf(t, 4096, "pong (EP ping answered)");
    else if (r.cmd == AUS_EP_MC_LOG_STATUS)
        snprintf(t, 4096, "security log: %u event(s), %u free", r.u.log_status.events,
                 r.u.log_status.remaining);
    else
        snprintf(t, 4096, "EP procedure 0x%02x done", r.cmd);
    return t;
}

/* Satellite: handle a rekey request body; write the response body. */
aus_err dmn_rekey_handle(dmn_node *n, uint32_t kind, const uint8_t *body, size_t len, uint8_t *out,
                         size_t cap, size_t *outlen)
{
    if (kind == 3) {
        /* an EP procedure other than OTAR (inventory, MC): the reply (or the refusal reply)
         * goes back as it is; OTAR only through `rekey --otar` (it switches keys) */
        aus_ep_cmd c;
        AUS_TRY(aus_ep_cmd_decode(&c, body, len));
        AUS_ENSURE(c.tag != AUS_EP_OTAR, AUS_E_POLICY);
        size_t rl = 0;
        aus_err e =
            aus_ep_handle(&n->board, body, len, (uint16_t)n->cfg.tc_spi, now_s(), out, cap, &rl);
        AUS_ENSURE(rl > 0, e != AUS_OK ? e : AUS_E_INTERNAL);
        *outlen = rl;
        return AUS_OK;
    }
    if (kind == 2) {
        if (!n->rk_ok && n->cfg.pq_dir[0])
            pq_setup(n); /* the ground's keys may have arrived since we started */
        if (!n->rk_ok) {
            dmn_log("PQ rekey refused: %s", dmn_rekey_why(n));
            return have(n, AUS_REKEY_ID_PEER_VK) ? AUS_E_KEY_STATE : AUS_E_KEY;
        }
        uint16_t pend0 = n->rk.st.pend.ek;
        int r = aus_rekey_pq_request_handle(&n->rk, body, len, now_s(), out, cap);
        if (r == AUS_E_REPLAY) {
            /* The rekey state (keystore file) committed this request but the main store's
             * transaction (seen mark, cached answer, sending pair) was lost in a crash: the
             * re-read request gets the same answer, or the ground would see "replayed" for a
             * rekey the satellite has installed. Any other request stays a replay. */
            r = aus_rekey_pq_request_reanswer(&n->rk, body, len, now_s(), out, cap);
            if (r > 0)
                dmn_log("PQ rekey: request %llu answered again (its first answer was lost)",
                        (unsigned long long)n->rk.st.pend_counter);
            else
                r = AUS_E_REPLAY;
        }
        AUS_TRY(r);
        *outlen = (size_t)r;
        /* the request says the ground sends under our previous pending pair: it confirmed */
        if (pend0 && n->rk.st.cur.ek == pend0)
            AUS_TRY(release_hold(n));
        aus_rekey_pair p;
        aus_rekey_tx_keys(&n->rk, &p);
        return send_under(n, p.ek);
    }
    AUS_ENSURE(kind == 1 && len > 2, AUS_E_MALFORMED);
    uint16_t ek = (uint16_t)(body[0] << 8 | body[1]);
    AUS_ENSURE(ek >= AUS_KEY_ID_SESSION_FIRST && ek < AUS_KEY_ID_SESSION_LAST, AUS_E_MALFORMED);
    AUS_ENSURE(cap >= AUS_EP_REPLY_MAX, AUS_E_NOBUFS);
    size_t rl = 0;
    uint32_t again0 = n->board.otar_again;
    AUS_TRY(aus_ep_handle(&n->board, body + 2, len - 2, (uint16_t)n->cfg.tc_spi, now_s(), out, cap,
                          &rl));
    /* The board answers the OTAR with its last IV again when its keys are installed as it says
     * (sdls_ep.h): the keystore file committed them but the main store's transaction (seen mark,
     * cached answer, sending pair) was lost in a crash, possibly between the activations below.
     * Otherwise the ground would see "replayed" for keys the satellite holds and keep its copy
     * of the pair active forever. */
    int again = n->board.otar_again != again0;
    /* 355.1 key management: OTAR installs the keys pre-active; the ground's request asks for
     * their activation in the same bundle (one authenticated request, one answer) */
    for (uint16_t id = ek; id <= ek + 1; id++) {
        aus_key_info ki;
        if (again && aus_keys_info(&n->keys, id, &ki) == AUS_OK && ki.state == AUS_KEY_ACTIVE)
            continue; /* activated before the crash */
        AUS_TRY(aus_keys_activate(&n->keys, id, now_s()));
    }
    *outlen = rl;
    if (again)
        dmn_log("OTAR: keys 0x%04x/0x%04x already installed: request answered again (its first "
                "answer was lost)",
                ek, ek + 1);
    else
        dmn_log("OTAR: keys 0x%04x/0x%04x installed and activated", ek, ek + 1);
    /* The reply may be lost: the ground then goes on sending under the pair it used for this
     * request and re-sends it (answered from the app layer's cache). So, as for the PQ rekey,
     * the new pair is used for sending at once and the pair the ground sends under is held
     * ACTIVE until a bundle authenticated under the new pair arrives (dmn_rekey_note_rx).
     * Answered again while we already send under the pair: nothing to hold (the hold may even
     * be released already). */
    if (again && get_ptr(n, "ek", AUS_KEY_ID_EK) == ek)
        return AUS_OK;
    AUS_TRY(put_ptr(n, "hold_otar", 1));
    return send_under(n, ek);
}

/* Ground: a rekey response arrived with status ok. */
aus_err dmn_rekey_response(dmn_node *n, uint32_t kind, const uint8_t *body, size_t len)
{
    if (kind == 2) {
        AUS_ENSURE(n->rk_ok, AUS_E_KEY_STATE);
        AUS_TRY(aus_rekey_pq_response_accept(&n->rk, body, len, now_s()));
        aus_rekey_pair p;
        aus_rekey_tx_keys(&n->rk, &p);
        return switch_pair(n, p.ek);
    }
    aus_ep_reply r;
    AUS_TRY(aus_ep_reply_decode(&r, body, len));
    AUS_ENSURE(r.refused == AUS_OK, r.refused);
    uint64_t ek = get_ptr(n, "ek_pend", 0);
    AUS_ENSURE(ek != 0, AUS_E_STATE);
    return switch_pair(n, (uint16_t)ek);
}

/* ---- long-term PQ keys: generated on first boot, public halves exchanged through files ---- */

static int write_pub(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[DMN_PATH + 32];
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return cli_write_file(path, p, n);
}

static uint8_t *read_pub(const char *dir, const char *name, size_t want)
{
    char path[DMN_PATH + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    /* the peer's folder may hold anything (DESIGN.md §5a): looked at again at each rekey, so a
     * FIFO must not block the daemon nor a symlink lead elsewhere; a regular file of exactly
     * the key's length, or nothing */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return NULL;
    uint8_t *p = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == want &&
        (p = malloc(want)) != NULL) {
        size_t got = 0;
        while (got < want) {
            ssize_t r = read(fd, p + got, want - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got != want) {
            free(p);
            p = NULL;
        }
    }
    close(fd);
    return p;
}

static int have(dmn_node *n, uint16_t id)
{
    aus_key_info ki;
    return aus_keys_info(&n->keys, id, &ki) == AUS_OK;
}

static aus_err install_lt(dmn_node *n, uint16_t id, aus_key_type t, const uint8_t *k, size_t len)
{
    aus_err e = aus_keys_install(&n->keys, id, t, AUS_KEY_ACTIVE, k, len, now_s());
    if (e == AUS_E_ARG) {
        AUS_TRY(aus_keys_install(&n->keys, id, t, AUS_KEY_PREACTIVE, k, len, now_s()));
        e = aus_keys_activate(&n->keys, id, now_s());
    }
    return e;
}

/* First boot: generate our long-term pairs. The public half is written first, then the pair
 * is installed in one keystore transaction: a crash in between regenerates both next time. */
static aus_err install_pair(dmn_node *n, uint16_t id1, aus_key_type t1, const uint8_t *k1,
                            size_t l1, uint16_t id2, aus_key_type t2, const uint8_t *k2, size_t l2)
{
    AUS_TRY(aus_keys_begin(&n->keys));
    aus_err e = install_lt(n, id1, t1, k1, l1);
    if (e == AUS_OK && k2)
        e = install_lt(n, id2, t2, k2, l2);
    if (e != AUS_OK) {
        aus_keys_rollback(&n->keys);
        return e;
    }
    return aus_keys_commit(&n->keys);
}

static aus_err gen_own(dmn_node *n)
{
    const char *dir = n->cfg.pq_dir;
    if (n->cfg.role_sat && !have(n, AUS_REKEY_ID_KEM)) {
        static uint8_t ek[1184], dk[2400];
        AUS_TRY(aus_mlkem768_keygen(ek, dk));
        aus_err e = write_pub(dir, "kem.pub", ek, sizeof ek) == 0 ? AUS_OK : AUS_E_IO;
        if (e == AUS_OK)
            e = install_pair(n, AUS_REKEY_ID_KEM, AUS_KEY_T_MLKEM768_DK, dk, sizeof dk, 0, 0, NULL,
                             0);
        aus_wipe(dk, sizeof dk);
        AUS_TRY(e);
    }
    if (!have(n, AUS_REKEY_ID_DSA_SK)) {
        static uint8_t vk[1952], sk[4032];
        AUS_TRY(aus_mldsa65_keygen(vk, sk));
        aus_err e = write_pub(dir, "dsa.pub", vk, sizeof vk) == 0 ? AUS_OK : AUS_E_IO;
        if (e == AUS_OK)
            e = install_pair(n, AUS_REKEY_ID_DSA_SK, AUS_KEY_T_MLDSA65_SK, sk, sizeof sk,
                             AUS_REKEY_ID_DSA_VK, AUS_KEY_T_MLDSA65_VK, vk, sizeof vk);
        aus_wipe(sk, sizeof sk);
        AUS_TRY(e);
    }
    return AUS_OK;
}

static void import_peer(dmn_node *n)
{
    const char *dir = n->cfg.pq_peer_dir;
    if (!n->cfg.role_sat && !have(n, AUS_REKEY_ID_KEM)) {
        uint8_t *ek = read_pub(dir, "kem.pub", 1184);
        if (ek && install_lt(n, AUS_REKEY_ID_KEM, AUS_KEY_T_MLKEM768_EK, ek, 1184) == AUS_OK)
            dmn_log("PQ: imported the satellite's ML-KEM-768 encapsulation key");
        free(ek);
    }
    if (!have(n, AUS_REKEY_ID_PEER_VK)) {
        uint8_t *vk = read_pub(dir, "dsa.pub", 1952);
        if (vk && install_lt(n, AUS_REKEY_ID_PEER_VK, AUS_KEY_T_MLDSA65_VK, vk, 1952) == AUS_OK)
            dmn_log("PQ: imported the peer's ML-DSA-65 verification key");
        free(vk);
    }
}

/* Import the peer's public keys when they are there and provision the PQ rekey once both
 * are: at boot, and again at each PQ rekey while it is not ready, so a peer that wrote its keys
 * after we started is picked up without a restart. */
static void pq_setup(dmn_node *n)
{
    aus_err e;
    if (n->cfg.pq_peer_dir[0])
        import_peer(n);
    char ctx[AUS_REKEY_CTX_MAX];
    dmn_key prefix;
    uint64_t g = n->cfg.role_sat ? n->cfg.peer : n->cfg.node;
    uint64_t s = n->cfg.role_sat ? n->cfg.node : n->cfg.peer;
    int cl = snprintf(ctx, sizeof ctx, "australis/%s/g%llu/s%llu", n->cfg.tenant,
                      (unsigned long long)g, (unsigned long long)s);
    dmn_key_area(&prefix, "rk", n->cfg.tenant);
    e = aus_rekey_open(&n->rk, &n->keys, aus_crypto_default(), prefix.s, (const uint8_t *)ctx,
                       (size_t)cl);
    if (e == AUS_E_NOTFOUND && have(n, AUS_REKEY_ID_KEM) && have(n, AUS_REKEY_ID_PEER_VK)) {
        aus_rekey_state st;
        memset(&st, 0, sizeof st);
        st.role = n->cfg.role_sat ? AUS_REKEY_SAT : AUS_REKEY_GROUND;
        st.mkid = MASTER_KEY_ID;
        st.overlap = overlap_s();
        st.cur.ek = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
        st.cur.ak = (uint16_t)(st.cur.ek + 1);
        st.kem = AUS_REKEY_ID_KEM;
        st.dsa_sk = AUS_REKEY_ID_DSA_SK;
        st.dsa_vk = AUS_REKEY_ID_DSA_VK;
        st.peer_vk = AUS_REKEY_ID_PEER_VK;
        e = aus_rekey_provision(&n->rk, &n->keys, aus_crypto_default(), prefix.s,
                                (const uint8_t *)ctx, (size_t)cl, &st);
        if (e == AUS_OK)
            dmn_log("PQ rekey provisioned (ML-KEM-768 + ML-DSA-65, master key 0x%04x)",
                    MASTER_KEY_ID);
    }
    n->rk_ok = e == AUS_OK;
    if (e != AUS_OK && e != AUS_E_NOTFOUND)
        dmn_log("PQ rekey unavailable: %s", aus_err_str(e));
}

/* Why the PQ rekey cannot run yet (a sentence naming the missing file), or NULL. */
const char *dmn_rekey_why(dmn_node *n)
{
    static char why[DMN_PATH + 200];
    if (n->rk_ok)
        return NULL;
    if (!n->cfg.pq_dir[0])
        return "no [keys] pq_dir in the configuration: the post-quantum rekey is off";
    if (!n->cfg.pq_peer_dir[0])
        return "no [keys] pq_peer_dir in the configuration: the peer's public keys are unknown";
    if (!have(n, AUS_REKEY_ID_PEER_VK))
        snprintf(why, sizeof why,
                 "the peer's ML-DSA-65 verification key is missing (%s/dsa.pub, 1952 bytes, "
                 "written by the peer at its first boot)",
                 n->cfg.pq_peer_dir);
    else if (!have(n, AUS_REKEY_ID_KEM))
        snprintf(why, sizeof why,
                 "the satellite's ML-KEM-768 encapsulation key is missing (%s/kem.pub, 1184 "
                 "bytes, written by the satellite at its first boot)",
                 n->cfg.pq_peer_dir);
    else
        snprintf(why, sizeof why, "the PQ rekey state cannot be opened (see the daemon's log)");
    return why;
}

int dmn_rekey_init(dmn_node *n)
{
    /* "ep/<tenant>/" (the board appends e.g. "kviv"); its prefix budget is 19 characters
     * (store_keys.h) */
    dmn_key epk;
    const char *ep = dmn_key_ep_area(&epk, n->cfg.tenant);
    /* Stores written before the separator existed hold the key-verification IV counter under
     * "<tenant>kviv": carry it over once, so no IV under the master key is handed out twice
     * (NIST SP 800-38D §8.2.1) */
    dmn_key ok, nk;
    const char *oldk = dmn_key_kviv_v0(&ok, n->cfg.tenant),
               *newk = dmn_key_ep_kviv(&nk, n->cfg.tenant);
    uint8_t cv[64], nv[64];
    size_t cl0 = 0, nl0 = 0;
    const aus_store *ks = n->keys.store;
    aus_err e = AUS_OK;
    if (ks->ops->get(ks->self, oldk, cv, sizeof cv, &cl0) == AUS_OK &&
        ks->ops->get(ks->self, newk, nv, sizeof nv, &nl0) == AUS_E_NOTFOUND)
        e = ks->ops->put(ks->self, newk, cv, cl0);
    if (e == AUS_OK)
        e = aus_ep_board_init(&n->board, &n->keys, aus_crypto_default(), NULL, NULL, ep);
    if (e != AUS_OK) {
        cli_err("EP board: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    if (!n->cfg.pq_dir[0])
        return 0;
    e = gen_own(n);
    if (e != AUS_OK) {
        cli_err("PQ long-term keys: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    pq_setup(n);
    const char *why = dmn_rekey_why(n);
    if (why)
        dmn_log("PQ rekey not ready: %s; looked for again at each rekey", why);
    return 0;
}

size_t dmn_rekey_recv_ids(dmn_node *n, uint16_t *ids, size_t cap)
{
    size_t k = 0;
    uint16_t cand[5];
    cand[0] = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
    cand[1] = (uint16_t)get_ptr(n, "ek_hold", 0); /* sat: the ground may still send under it */
    cand[2] = (uint16_t)get_ptr(n, "ek_pend", 0);
    cand[3] = (uint16_t)get_ptr(n, "ek_prev", 0);
    cand[4] = 0;
    if (n->rk_ok) {
        cand[4] = n->rk.st.pend.ek;
        if (!cand[4])
            cand[4] = n->rk.st.cur.ek;
    }
    for (size_t i = 0; i < 5 && k < cap; i++) {
        int dup = cand[i] == 0;
        for (size_t j = 0; j < k; j++)
            dup |= ids[j] == cand[i];
        if (!dup)
            ids[k++] = cand[i];
    }
    return k;
}

void dmn_rekey_ids(dmn_node *n, uint32_t kind, uint16_t *ek, uint16_t *pending)
{
    *ek = (uint16_t)get_ptr(n, "ek", AUS_KEY_ID_EK);
    if (kind == 2)
        *pending = n->rk_ok ? n->rk.st.pend.ek : 0;
    else
        *pending = kind == 1 ? (uint16_t)get_ptr(n, "ek_pend", 0) : 0;
}
