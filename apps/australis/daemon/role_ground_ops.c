/* SPDX-License-Identifier: Apache-2.0 */
/* The ground role's ops table (role.h) and what it adds to the request life of role_ground.c:
 * the run's start and timers, and the SDLS-EP procedures at frame level (`australis sa …` with a link that
 * carries EP PDUs itself, i.e. link = ccsds): the EP PDU goes up in its own TC frame on the EP
 * MAP (355.1 / CryptoLib), the reply comes down in a Space Packet on APID 128. The request is
 * recorded like any other (dmn_ground_record, so `status --id` and `--wait` work, and the
 * bundle-level re-send after retry_s still covers a lost reply), plus
 * lnk/<tenant>/ep/<procedure>/<id>: a reply is matched to the oldest open request of its
 * procedure (EP replies carry no request id). The PDU goes to the link through the node
 * (dmn_send_ep); the reply comes from the link through the node (role op ep_pdu).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"
#include "daemon.h"
#include "gateway.h" /* the gateway to the terrestrial DTN */
#include "role.h"
#include "store_keys.h"

static aus_err ep_submit(dmn_node *n, aus_app_msg *m, uint64_t *id)
{
    dmn_key k;
    aus_app_view adu;
    aus_ep_cmd c;
    AUS_TRY(aus_ep_cmd_decode(&c, m->data.p, m->data.n));
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = dmn_ground_record(n, m, NULL, id, &adu); /* the bundle form is for re-sends */
    if (e == AUS_OK)
        e = n->store.ops->put(n->store.self,
                              dmn_key_lnk_ep(&k, n->cfg.tenant, c.tag & 0x3Fu, m->id, 0),
                              (const uint8_t *)"1", 1);
    if (e == AUS_OK)
        e = dmn_send_ep(n, m->data.p, m->data.n);
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        dmn_recover(n, "sa request", e);
        return e;
    }
    *id = m->id;
    dmn_log(
        "SDLS-EP procedure 0x%02x (request id=%llu) queued for the radio path (EP MAP, SA %llu)",
        c.tag, (unsigned long long)m->id, (unsigned long long)n->cfg.tc_spi);
    return AUS_OK;
}

aus_err dmn_ground_sa_submit(dmn_node *n, aus_app_msg *m, uint64_t *id)
{
    return dmn_link_has_ep(n) ? ep_submit(n, m, id) : dmn_ground_submit(n, m, "", id);
}

/* An EP reply from the downlink answers the oldest open request of its procedure, through the
 * ground's usual response path (inside the pass's transaction). */
aus_err dmn_ground_ep_pdu(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                          size_t cap, size_t *rlen)
{
    dmn_key prefix;
    char key[AUS_STORE_KEY_MAX];
    static uint8_t adu[AUS_EP_REPLY_MAX + 256];
    static const aus_app_msg zero;
    aus_ep_reply r;
    (void)spi, (void)reply, (void)cap;
    *rlen = 0;
    if (aus_ep_reply_decode(&r, pdu, len) != AUS_OK) {
        dmn_log("SDLS-EP reply over the radio path does not parse");
        return AUS_OK;
    }
    dmn_key_lnk_ep(&prefix, n->cfg.tenant, r.cmd, 0, 1);
    if (n->store.ops->next(n->store.self, prefix.s, "", key, sizeof key) != AUS_OK) {
        dmn_log("SDLS-EP reply 0x%02x over the radio path: no open request", r.tag);
        return AUS_OK;
    }
    aus_app_msg m = zero;
    size_t alen = 0;
    m.type = AUS_APP_REKEY_RESP;
    m.id = strtoull(key + strlen(prefix.s), NULL, 16);
    m.kind = 3;
    m.status = AUS_APP_ST_OK;
    m.data = (aus_app_view){pdu, len};
    aus_err e = n->store.ops->del(n->store.self, key);
    if (e == AUS_OK)
        e = aus_app_encode(&m, adu, sizeof adu, &alen);
    aus_agent_rx rx = {.adu = adu, .len = alen, .src_node = n->cfg.peer};
    if (e == AUS_OK)
        e = dmn_ground_handle(n, &rx);
    dmn_log("SDLS-EP reply over the radio path answers request id=%llu (%s)",
            (unsigned long long)m.id, aus_err_name(e));
    return e != AUS_OK && dmn_store_error(e) ? e : AUS_OK;
}

/* ---- the role's ops ---- */

/* The ground's store is marked with the layout version by migrate(), at its first write. */
static int ground_store_open(dmn_node *n)
{
    (void)n;
    return 0;
}

/* --once: a request is re-sent when a whole run has passed since it was sent, i.e. a pass could
 * have carried its answer (the previous run's start time is kept in the store). */
static int ground_start(dmn_node *n)
{
    dmn_key k;
    uint64_t prev = 0;
    int rc = dmn_gateway_start(n);
    if (rc || !n->once)
        return rc;
    dmn_key_gr(&k, n->cfg.tenant, "lastrun");
    if (aus_store_get_u64(&n->store, k.s, &prev) != AUS_OK)
        prev = 0;
    if (aus_store_put_u64(&n->store, k.s, n->started_ms) != AUS_OK)
        dmn_log("cannot record the run time");
    n->prev_run_ms = prev;
    return 0;
}

static aus_err ground_handle(dmn_node *n, const aus_agent_rx *rx, int *pending)
{
    *pending = 0;
    return dmn_ground_handle(n, rx);
}

static void ground_tick(dmn_node *n, uint64_t resend_cutoff, int scan)
{
    dmn_gateway_cycle(n);
    if (!scan)
        return;
    dmn_ground_resend(n, resend_cutoff);
    (void)dmn_ground_forget(n);
}

const dmn_role_ops dmn_role_ground = {
    .name = "ground",
    .serves_clients = 1,
    .store_open = ground_store_open,
    .start = ground_start,
    .handle = ground_handle,
    .ep_pdu = dmn_ground_ep_pdu,
    .tick = ground_tick,
};
