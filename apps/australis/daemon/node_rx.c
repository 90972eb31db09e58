/* SPDX-License-Identifier: Apache-2.0 */
/* The node's receive path, between its links and its role (DESIGN.md §9): a link hands every
 * bundle it brought here; the node verifies and accepts it (the agent), checks that its ADU is
 * one this role takes, and hands it to the role (n->role). Nothing here calls a link, and the
 * role is reached only through its ops table.
 *
 * Two ways in, by how a link groups its store transactions:
 *   dmn_rx_apply        one bundle already verified by aus_agent_recv, inside the link's open
 *                       transaction (the folder link: a batch of files); external work is run
 *                       by dmn_rx_finish after the link committed.
 *   dmn_rx_pass_bundle  one bundle of a pass whose whole input is one transaction (the ccsds
 *                       link): an ADU the role must handle in a transaction of its own (an
 *                       external command: its "started" mark must be durable just before IT
 *                       runs) is held in the store ("lnk/<tenant>/defer/<n>", committed with the
 *                       pass) and applied after the commit by dmn_rx_run_deferred, each in its
 *                       own transaction, so a crash interrupts only the command that was running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "app_api_srv.h"
#include "daemon.h"
#include "role.h"
#include "store_keys.h"

aus_err dmn_status_report(dmn_node *n, const aus_agent_rx *rx)
{
    static const char *const what[4] = {"received", "forwarded", "delivered", "deleted"};
    const aus_bpv7_status_report *r = &rx->report;
    char items[64] = "";
    size_t at = 0;
    for (int i = 0; i < 4; i++)
        if (r->item[i].asserted)
            at += (size_t)snprintf(items + at, sizeof items - at, "%s%s", at ? "+" : "", what[i]);
    dmn_log("status report from ipn:%llu: our bundle created %llu #%llu %s (reason %llu%s)",
            (unsigned long long)rx->src_node, (unsigned long long)r->ctime,
            (unsigned long long)r->seq, at ? items : "(nothing asserted)",
            (unsigned long long)r->reason,
            r->reason == AUS_BPV7_RC_LIFETIME_EXPIRED ? ": lifetime expired" : "");
    return n->role->report ? n->role->report(n, rx) : AUS_OK;
}

int dmn_rx_junk(const dmn_node *n, const aus_agent_rx *rx)
{
    if (rx->admin)
        return 0;
    if (aus_app_is_points(rx->adu, rx->len)) /* tenant points: to the ground, on service */
        return n->role->answers_requests || rx->dst_service == n->cfg.ep_service;
    aus_app_msg m;
    if (aus_app_decode(&m, rx->adu, rx->len) != AUS_OK ||
        aus_app_is_request(m.type) != n->role->answers_requests)
        return 1;
    /* key management only on the key-management service, and nothing else there */
    return dmn_mgmt_type(m.type) != (rx->dst_service == n->cfg.ep_service);
}

aus_err dmn_handle(dmn_node *n, const aus_agent_rx *rx, int *pending)
{
    if (rx->admin)
        return dmn_status_report(n, rx);
    if (aus_app_is_points(rx->adu, rx->len) && !n->role->answers_requests)
        return dmn_app_ground_points(n, rx); /* stored + archive hook (app_api_srv.c) */
    return n->role->handle(n, rx, pending);
}

aus_err dmn_rx_apply(dmn_node *n, const aus_agent_rx *rx, int junk, int *pending)
{
    *pending = 0;
    aus_err e = aus_agent_accept(&n->agent, rx);
    if (e == AUS_OK && !junk)
        e = dmn_handle(n, rx, pending);
    return e;
}

aus_err dmn_rx_finish(dmn_node *n, const aus_agent_rx *rx)
{
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = n->role->finish ? n->role->finish(n, rx) : AUS_OK;
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        dmn_rollback(n);
        dmn_log("cannot record a command result (%s): answered as interrupted on restart",
                aus_err_name(e));
    }
    return e;
}

/* ---- a pass: every bundle inside the link's one transaction ---- */
int dmn_store_error(aus_err e)
{
    return e == AUS_E_IO || e == AUS_E_INTERNAL || e == AUS_E_CRYPTO || e == AUS_E_NOBUFS;
}

/* What the folder link's take_file + apply do for one bundle, inside the caller's transaction.
 * Returns AUS_OK (applied, or refused and logged) or a store error; *pending: external work
 * whose "started" mark is in the transaction, to finish after the commit. */
static aus_err apply_bundle(dmn_node *n, const uint8_t *b, size_t len, aus_agent_rx *rx,
                            int *pending, dmn_rx_count *c)
{
    *pending = 0;
    aus_err e = aus_agent_recv(&n->agent, b, len, dmn_now_ms(), rx);
    if (e != AUS_OK) {
        c->refused++;
        snprintf(n->last_error, sizeof n->last_error, "bundle: %s", aus_err_name(e));
        dmn_log("bundle from the link refused: %s (%s)", aus_err_str(e), aus_err_name(e));
        return AUS_OK;
    }
    int junk = dmn_rx_junk(n, rx);
    e = dmn_rx_apply(n, rx, junk, pending);
    if (e != AUS_OK && dmn_store_error(e))
        return e;
    if (rx->deleted && e == AUS_OK) { /* RFC 9171 §5.6: the agent withheld the ADU */
        c->refused++;
        dmn_log("authentic bundle %llu deleted on receipt: %s (reason %u), never delivered",
                (unsigned long long)rx->seq, aus_bpv7_reason_str(rx->reason), rx->reason);
    } else if (e != AUS_OK || junk) {
        c->refused++;
        dmn_log("authentic bundle %llu %s: %s", (unsigned long long)rx->seq,
                junk ? "with an invalid application message" : "refused by the handler",
                junk ? "seen-mark only" : aus_err_name(e));
    }
    c->bundles++;
    n->processed++;
    return AUS_OK;
}

static int own_txn(dmn_node *n, const uint8_t *b, size_t len)
{
    aus_agent_rx rx;
    aus_app_msg m;
    return n->role->own_txn && aus_agent_recv(&n->agent, b, len, dmn_now_ms(), &rx) == AUS_OK &&
           aus_app_decode(&m, rx.adu, rx.len) == AUS_OK && n->role->own_txn(m.type);
}

aus_err dmn_rx_defer_open(dmn_node *n)
{
    dmn_key k;
    return aus_ctr_open(&n->defer_ctr, &n->store, dmn_key_lnk(&k, n->cfg.tenant, "dseq"),
                        UINT64_MAX - 1, 64);
}

static aus_err defer(dmn_node *n, const uint8_t *b, size_t len)
{
    dmn_key k;
    uint64_t seq = 0;
    AUS_TRY(aus_ctr_take(&n->defer_ctr, &n->store, &seq));
    return n->store.ops->put(n->store.self, dmn_key_lnk_defer(&k, n->cfg.tenant, seq, 0), b, len);
}

aus_err dmn_rx_pass_bundle(dmn_node *n, const uint8_t *b, size_t len, dmn_rx_count *c)
{
    if (own_txn(n, b, len)) {
        c->bundles++;
        return defer(n, b, len);
    }
    aus_agent_rx rx;
    int pending = 0;
    aus_err e = apply_bundle(n, b, len, &rx, &pending, c);
    if (e == AUS_OK && pending)
        dmn_log("external work outside a command message: answered as interrupted on restart");
    return e;
}

long dmn_rx_run_deferred(dmn_node *n, dmn_rx_count *c)
{
    dmn_key prefix;
    char key[AUS_STORE_KEY_MAX];
    uint8_t *b = NULL;
    long done = 0;
    dmn_key_lnk_defer(&prefix, n->cfg.tenant, 0, 1);
    while (n->store.ops->next(n->store.self, prefix.s, "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        aus_agent_rx rx;
        int pending = 0;
        if (!b && !(b = malloc(AUS_AGENT_BUNDLE_MAX)))
            break;
        aus_err e = n->store.ops->get(n->store.self, key, b, AUS_AGENT_BUNDLE_MAX, &len);
        if (e == AUS_OK)
            e = n->store.ops->begin(n->store.self);
        if (e == AUS_OK)
            e = apply_bundle(n, b, len, &rx, &pending, c);
        if (e == AUS_OK)
            e = n->store.ops->del(n->store.self, key);
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            dmn_rollback(n);
            dmn_log("deferred command %s: store failure (%s), tried again later", key,
                    aus_err_name(e));
            break;
        }
        if (pending)
            (void)dmn_rx_finish(n, &rx);
        done++;
    }
    free(b);
    return done;
}

aus_err dmn_rx_ep(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                  size_t cap, size_t *rlen)
{
    *rlen = 0;
    if (!n->role->ep_pdu) {
        dmn_log("SDLS-EP PDU on SA %u: not for this role, dropped", spi);
        return AUS_OK;
    }
    return n->role->ep_pdu(n, pdu, len, spi, reply, cap, rlen);
}
