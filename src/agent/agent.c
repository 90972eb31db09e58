/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle agent (include/australis/agent.h).
 *
 * Receive path, in the order the checks run (cheapest and least trusting first):
 *   envelope (decode, authenticate, decrypt)  -> AUS_E_AUTH / decode errors
 *   destination and source policy             -> AUS_E_POLICY
 *   anti-replay window (check only)           -> AUS_E_REPLAY
 *   receipt action (RFC 9171 §5.6: lifetime,  -> rx.deleted + rx.reason, the ADU withheld
 *   hop limit, unsupported blocks)
 * and nothing is written until aus_agent_accept(), in the caller's transaction, which also
 * queues the status report the bundle asked for (§6.1.1), so "seen" and "reported" are
 * durable together and a bundle is never reported twice.
 *
 * Outgoing queue: "ag/<tenant>/out/<seq as 16 hex>" -> protected bundle. Fixed-width hex keys
 * make the store's key order the creation order.
 */
#include <string.h>

#include "australis/agent.h"
#include "australis/base.h"

static void key_of(const aus_agent *ag, const char *what, char key[AUS_STORE_KEY_MAX])
{
    aus_key k;
    aus_key_init(&k, "ag/");
    aus_key_str(&k, ag->tenant);
    aus_key_str(&k, what);
    memcpy(key, k.s, sizeof k.s);
}

static void out_key(const aus_agent *ag, uint64_t seq, char key[AUS_STORE_KEY_MAX])
{
    aus_key k;
    aus_key_init(&k, "ag/");
    aus_key_str(&k, ag->tenant);
    aus_key_str(&k, "/out/");
    aus_key_hex(&k, seq, 16);
    memcpy(key, k.s, sizeof k.s);
}

aus_err aus_agent_reload(aus_agent *ag)
{
    char key[AUS_STORE_KEY_MAX];
    key_of(ag, "/seq", key);
    AUS_TRY(aus_ctr_open(&ag->seq, ag->store, key, UINT64_MAX - 1, AUS_CTR_RESERVE_BLOCK));
    key_of(ag, "/rw", key);
    return aus_replay_load(&ag->win, ag->store, key, ag->cfg.replay_window);
}

aus_err aus_agent_init(aus_agent *ag, const aus_agent_cfg *cfg, const aus_store *store,
                       const aus_agent_sec_ops *sec)
{
    AUS_ENSURE(ag && cfg && store && sec && sec->protect && sec->unprotect && cfg->tenant,
               AUS_E_ARG);
    size_t tl = strlen(cfg->tenant);
    AUS_ENSURE(tl > 0 && tl < sizeof ag->tenant, AUS_E_ARG);
    AUS_ENSURE(cfg->replay_window > 0 && cfg->replay_window <= AUS_REPLAY_MAX_WINDOW, AUS_E_ARG);
    AUS_ENSURE(cfg->lifetime_ms > 0, AUS_E_ARG);
    AUS_ENSURE(cfg->mgmt_service != cfg->service || !cfg->mgmt_service, AUS_E_ARG);
    AUS_ENSURE((cfg->report_req & ~(AUS_BPV7_BF_RPT_RECEPTION | AUS_BPV7_BF_RPT_DELIVERY |
                                    AUS_BPV7_BF_RPT_DELETION | AUS_BPV7_BF_STATUS_TIME)) == 0,
               AUS_E_ARG);
    memset(&ag->st, 0, sizeof ag->st);
    ag->cfg = *cfg;
    memcpy(ag->tenant, cfg->tenant, tl + 1);
    ag->cfg.tenant = ag->tenant;
    ag->store = store;
    ag->sec = *sec;
    ag->bundle_seq = 0;
    ag->last_ms = 0;
    return aus_agent_reload(ag);
}

static void ipn(aus_eid *e, uint64_t node, uint64_t svc)
{
    memset(e, 0, sizeof *e);
    e->scheme = AUS_EID_SCHEME_IPN;
    e->node = node;
    e->service = svc;
}

/* Build, protect and queue one bundle to ipn:dst_node.dst_service. */
static aus_err send_bundle(aus_agent *ag, const uint8_t *adu, size_t len, uint64_t now_ms,
                           uint64_t flags, uint64_t dst_node, uint64_t dst_service,
                           uint64_t *seq_out)
{
    aus_bpv7_bundle b;
    uint64_t seq;
    char key[AUS_STORE_KEY_MAX];
    AUS_ENSURE(len <= AUS_AGENT_BUNDLE_MAX - 512, AUS_E_LIMIT);
    AUS_TRY(aus_ctr_take(&ag->seq, ag->store, &seq));
    aus_bpv7_init(&b);
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.flags = AUS_BPV7_BF_NO_FRAGMENT | flags;
    ipn(&b.pri.dst, dst_node, dst_service);
    ipn(&b.pri.src, ag->cfg.node, ag->cfg.service);
    ipn(&b.pri.report_to, ag->cfg.node, ag->cfg.service);
    /* RFC 9171 §4.2.7: (creation time, sequence) unique per source */
    ag->bundle_seq = now_ms == ag->last_ms ? ag->bundle_seq + 1 : 0;
    ag->last_ms = now_ms;
    b.pri.ctime = now_ms;
    b.pri.seq = ag->bundle_seq;
    b.pri.lifetime = ag->cfg.lifetime_ms;
    AUS_TRY(aus_bpv7_set_payload(&b, adu, len, 0, AUS_BPV7_CRC_NONE));
    long n = ag->sec.protect(ag->sec.self, &b, seq, now_ms, ag->tx, sizeof ag->tx);
    if (n < 0) {
        ag->st.last_err = (int32_t)n;
        return (aus_err)n;
    }
    out_key(ag, seq, key);
    AUS_TRY(ag->store->ops->put(ag->store->self, key, ag->tx, (size_t)n));
    ag->st.sent++;
    if (seq_out)
        *seq_out = seq;
    return AUS_OK;
}

aus_err aus_agent_send_to(aus_agent *ag, int mgmt, const uint8_t *adu, size_t len, uint64_t now_ms,
                          uint64_t *seq_out)
{
    AUS_ENSURE(ag && (adu || !len), AUS_E_ARG);
    AUS_ENSURE(!mgmt || ag->cfg.peer_mgmt_service, AUS_E_ARG);
    return send_bundle(ag, adu, len, now_ms, ag->cfg.report_req, ag->cfg.peer_node,
                       mgmt ? ag->cfg.peer_mgmt_service : ag->cfg.peer_service, seq_out);
}

aus_err aus_agent_send(aus_agent *ag, const uint8_t *adu, size_t len, uint64_t now_ms,
                       uint64_t *seq_out)
{
    return aus_agent_send_to(ag, 0, adu, len, now_ms, seq_out);
}

aus_err aus_agent_out_next(aus_agent *ag, const char *after, char *key, size_t keycap, uint8_t *out,
                           size_t cap, size_t *len, uint64_t *seq)
{
    char prefix[AUS_STORE_KEY_MAX];
    AUS_ENSURE(ag && after && key && out && len, AUS_E_ARG);
    key_of(ag, "/out/", prefix);
    AUS_TRY(ag->store->ops->next(ag->store->self, prefix, after, key, keycap));
    AUS_TRY(ag->store->ops->get(ag->store->self, key, out, cap, len));
    if (seq) {
        uint64_t v = 0;
        for (const char *h = key + strlen(prefix); *h; h++)
            v = (v << 4) | (uint64_t)(*h <= '9' ? *h - '0' : *h - 'a' + 10);
        *seq = v;
    }
    return AUS_OK;
}

aus_err aus_agent_out_done(aus_agent *ag, const char *key)
{
    AUS_ENSURE(ag && key, AUS_E_ARG);
    return ag->store->ops->del(ag->store->self, key);
}

static aus_err count_err(aus_agent *ag, aus_err e)
{
    switch (e) {
    case AUS_E_AUTH:
    case AUS_E_KEY_STATE:
    case AUS_E_KEY: ag->st.auth_fail++; break;
    case AUS_E_REPLAY: ag->st.replays++; break;
    case AUS_E_POLICY: ag->st.policy++; break;
    default: ag->st.malformed++; break;
    }
    ag->st.last_err = (int32_t)e;
    return e;
}

aus_err aus_agent_recv(aus_agent *ag, const uint8_t *in, size_t n, uint64_t now_ms,
                       aus_agent_rx *rx)
{
    aus_bpv7_bundle b;
    uint64_t seq = 0;
    AUS_ENSURE(ag && in && rx, AUS_E_ARG);
    ag->st.received++;
    aus_err e = ag->sec.unprotect(ag->sec.self, in, n, now_ms, ag->rx, sizeof ag->rx, &b, &seq);
    if (e != AUS_OK)
        return count_err(ag, e);
    /* policy: only bundles from our peer to us (another tenant's or node's bundles never open
     * here: they fail the envelope first, this is the second line) */
    if (b.pri.dst.scheme != AUS_EID_SCHEME_IPN || b.pri.dst.node != ag->cfg.node ||
        b.pri.src.scheme != AUS_EID_SCHEME_IPN || b.pri.src.node != ag->cfg.peer_node ||
        (b.pri.dst.service != ag->cfg.service &&
         (!ag->cfg.mgmt_service || b.pri.dst.service != ag->cfg.mgmt_service)))
        return count_err(ag, AUS_E_POLICY);
    aus_bpv7_status_report sr;
    memset(&sr, 0, sizeof sr);
    if (b.pri.flags & AUS_BPV7_BF_ADMIN) {
        /* §6.1: the only administrative record we take is a status report about one of ours */
        e = aus_bpv7_status_decode(&sr, b.payload, b.payload_len);
        if (e != AUS_OK)
            return count_err(ag, e);
        if (sr.src.scheme != AUS_EID_SCHEME_IPN || sr.src.node != ag->cfg.node)
            return count_err(ag, AUS_E_POLICY);
    }
    e = aus_replay_check(&ag->win, seq);
    if (e != AUS_OK)
        return count_err(ag, e);
    /* RFC 9171 §5.6: what this node does with an authentic, well-formed bundle. The decoder
     * answers well-formedness only; this call is what keeps an expired or hop-exceeded bundle,
     * or one whose unsupported block asks for deletion, from ever being delivered. Every link
     * (folder, CCSDS, and the TCPCL / UDPCL links) hands its bundles to aus_agent_recv, so this
     * one call covers them all. The node processes BPSec blocks and its envelope's block. */
    static const uint64_t processed[] = {AUS_BPV7_BT_BIB, AUS_BPV7_BT_BCB, AUS_AGENT_SEAL_BLOCK};
    const aus_bpv7_node node = {now_ms, processed, sizeof processed / sizeof processed[0]};
    aus_bpv7_receipt rc;
    e = aus_bpv7_decide_receipt(&b, &node, &rc);
    if (e != AUS_OK)
        return count_err(ag, e);
    memset(rx, 0, sizeof *rx);
    rx->admin = (b.pri.flags & AUS_BPV7_BF_ADMIN) != 0;
    rx->report = sr;
    rx->subject = b.pri;
    rx->at_ms = now_ms;
    rx->dst_service = b.pri.dst.service;
    rx->deleted = rc.action == AUS_BPV7_DELETE;
    rx->reason = rc.action == AUS_BPV7_DELETE ? rc.reason
                 : rc.nreport ? (uint8_t)AUS_BPV7_RC_BLOCK_UNSUPPORTED /* §5.6 step 4 */
                              : (uint8_t)AUS_BPV7_RC_NONE;
    rx->expired = rx->deleted && rc.reason == AUS_BPV7_RC_LIFETIME_EXPIRED;
    if (rx->expired)
        ag->st.expired++;
    static const uint8_t withheld[1];
    rx->adu = rx->deleted ? withheld : b.payload;
    rx->len = rx->deleted ? 0 : b.payload_len;
    if (rx->deleted) {
        rx->admin = 0; /* a deleted status report is not delivered either */
        memset(&rx->report, 0, sizeof rx->report);
    }
    rx->seq = seq;
    rx->src_node = b.pri.src.node;
    return AUS_OK;
}

/* RFC 9171 §6.1.1: the status report a received bundle asks for, queued to its report-to
 * endpoint (only our peer: the envelope reaches no one else). Reception and delivery (or, for
 * a bundle the node deleted, deletion with its reason code) are asserted in one report; a kept
 * unsupported block flagged "report if unprocessed" adds reception, reason 11 (§5.6 step 4). */
static aus_err report(aus_agent *ag, const aus_agent_rx *rx)
{
    const aus_bpv7_primary *p = &rx->subject;
    uint64_t want = p->flags & (AUS_BPV7_BF_RPT_RECEPTION | AUS_BPV7_BF_RPT_DELIVERY |
                                AUS_BPV7_BF_RPT_DELETION);
    if (!rx->deleted)
        want &= ~(uint64_t)AUS_BPV7_BF_RPT_DELETION;
    else
        want &= ~(uint64_t)AUS_BPV7_BF_RPT_DELIVERY;
    if (!rx->deleted && rx->reason == AUS_BPV7_RC_BLOCK_UNSUPPORTED)
        want |= AUS_BPV7_BF_RPT_RECEPTION;
    if (!want || p->report_to.scheme != AUS_EID_SCHEME_IPN ||
        p->report_to.node != ag->cfg.peer_node)
        return AUS_OK;
    aus_bpv7_bundle subj;
    aus_bpv7_init(&subj);
    subj.pri = *p;
    aus_bpv7_status_report sr;
    aus_bpv7_status_about(&sr, &subj, -1, rx->reason, 0, 0);
    static const struct {
        uint64_t flag;
        int item;
    } map[3] = {{AUS_BPV7_BF_RPT_RECEPTION, AUS_BPV7_SI_RECEIVED},
                {AUS_BPV7_BF_RPT_DELIVERY, AUS_BPV7_SI_DELIVERED},
                {AUS_BPV7_BF_RPT_DELETION, AUS_BPV7_SI_DELETED}};
    for (int i = 0; i < 3; i++) {
        if (!(want & map[i].flag))
            continue;
        aus_bpv7_status_item *it = &sr.item[map[i].item];
        it->asserted = 1;
        it->has_time = (p->flags & AUS_BPV7_BF_STATUS_TIME) != 0;
        it->time = rx->at_ms;
    }
    uint8_t rec[256];
    long n = aus_bpv7_status_encode(&sr, rec, sizeof rec);
    AUS_TRY(n < 0 ? (aus_err)n : AUS_OK);
    /* §4.2.3: an administrative record asks for no status reports of its own */
    AUS_TRY(send_bundle(ag, rec, (size_t)n, rx->at_ms, AUS_BPV7_BF_ADMIN, p->report_to.node,
                        p->report_to.service, NULL));
    ag->st.reports_sent++;
    return AUS_OK;
}

aus_err aus_agent_accept(aus_agent *ag, const aus_agent_rx *rx)
{
    char key[AUS_STORE_KEY_MAX];
    AUS_ENSURE(ag && rx, AUS_E_ARG);
    AUS_TRY(aus_replay_accept(&ag->win, rx->seq));
    key_of(ag, "/rw", key);
    AUS_TRY(aus_replay_save(&ag->win, ag->store, key));
    ag->st.accepted++;
    if (rx->admin) {
        ag->st.reports_received++;
        return AUS_OK;
    }
    return report(ag, rx);
}
