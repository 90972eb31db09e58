/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's gateway to the terrestrial DTN (gateway.h), and the node's IP carriers
 * (dmn_net_open / dmn_net_close: link = tcpcl | udpcl, [gateway]).
 *
 * Store records (tenant T, docs/tcpcl.md "Store records"):
 *   gw/T/req/<ID16>              a request the gateway carries: originator node (u64 BE), its
 *                                service (u64), its request id (u64), the request type (u8)
 *   gw/T/seen/<NODE16><CT16><SQ16> a request bundle taken (source node, creation time, sequence
 *                                number): a copy is dropped, so a request is carried once
 * Both are written in the transaction that records the request and queues it to the satellite;
 * the req record goes in the transaction after the answer file is durable in the out spool.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/base.h"
#include "australis/bpsec.h"
#include "australis/bpv7.h"
#include "australis/cl.h"
#include "australis/crypto.h"
#include "util.h"
#include "link_tcpcl.h"
#include "net_config.h"
#include "store_keys.h"
#include "../../../port/posix/keyfile.h"
#include "../../../port/posix/posix_io.h"

#define GW_EVERY_MS 100u         /* the spool and the answers are looked at this often */
#define GW_REQ_MAX 65536u        /* a request bundle larger than this is refused */
#define GW_ANSWER_MAX (4u << 20) /* an image answer carries at most this many bytes */
#define GW_SCAN_MAX 256          /* requests taken per cycle */

struct dmn_net_state {
    dmn_net net;
    dmn_carrier *tcp;
    dmn_ucarrier *udp;
    char gw_in[DMN_PATH + 16], gw_out[DMN_PATH + 16];
    int in_fd, out_fd;
    uint64_t last_ms;
    uint64_t taken, refused, dups, answered;
    char summary[256];
};

/* ---------------------------------------------------------------- open / close */

static int spool_dirs(dmn_node *n, struct dmn_net_state *s)
{
    char base[DMN_PATH + 8];
    snprintf(base, sizeof base, "%s.gateway", n->cfg.store);
    snprintf(s->gw_in, sizeof s->gw_in, "%s/in", base);
    snprintf(s->gw_out, sizeof s->gw_out, "%s/out", base);
    (void)mkdir(base, 0700);
    (void)mkdir(s->gw_in, 0700);
    (void)mkdir(s->gw_out, 0700);
    s->in_fd = open(s->gw_in, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    s->out_fd = open(s->gw_out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->in_fd < 0 || s->out_fd < 0) {
        cli_err("gateway: cannot open its spool %s: %s", base, strerror(errno));
        return AUS_EXIT_ENV;
    }
    return 0;
}

int dmn_net_open(dmn_node *n)
{
    int tcp = !strcmp(n->cfg.link, "tcpcl"), udp = !strcmp(n->cfg.link, "udpcl");
    if (n->net)
        return 0; /* started already (the link's open, then the role's start) */
    struct dmn_net_state *s = calloc(1, sizeof *s);
    if (!s)
        return AUS_EXIT_ENV;
    s->in_fd = s->out_fd = -1;
    n->net = s;
    if (dmn_net_load(&s->net, n->cfg.file) != 0)
        return AUS_EXIT_USAGE;
    int gw = s->net.gw_service != 0 && !n->cfg.role_sat;
    if (!tcp && !udp && !gw)
        return 0;
    if (gw && spool_dirs(n, s) != 0)
        return AUS_EXIT_ENV;
    dmn_carrier_cfg cc = {n->cfg.node,           n->cfg.peer,     0,
                          n->cfg.incoming,       n->cfg.outgoing, gw ? s->gw_in : NULL,
                          gw ? s->gw_out : NULL, &s->net,         (size_t)n->cfg.max_bundle};
    int rc = 0;
    if (tcp || (gw && s->net.tcp_listen[0])) {
        cc.link = tcp;
        rc = dmn_tcpcl_start(&s->tcp, &cc);
    }
    if (!rc && (udp || (gw && s->net.udp_listen[0]))) {
        cc.link = udp;
        rc = dmn_udpcl_start(&s->udp, &cc);
    }
    if (!rc && gw)
        dmn_log("gateway: service ipn:%llu.%llu for %zu terrestrial node(s)",
                (unsigned long long)n->cfg.node, (unsigned long long)s->net.gw_service,
                s->net.npeer);
    return rc;
}

int dmn_gateway_start(dmn_node *n) { return n->cfg.role_sat ? 0 : dmn_net_open(n); }

void dmn_net_close(dmn_node *n)
{
    struct dmn_net_state *s = n->net;
    if (!s)
        return;
    if (s->tcp || s->udp)
        dmn_log("ip links: %s", dmn_net_summary(n));
    dmn_tcpcl_stop(s->tcp);
    dmn_udpcl_stop(s->udp);
    if (s->in_fd >= 0)
        close(s->in_fd);
    if (s->out_fd >= 0)
        close(s->out_fd);
    free(s);
    n->net = NULL;
}

const char *dmn_net_summary(dmn_node *n)
{
    struct dmn_net_state *s = n->net;
    if (!s)
        return "";
    dmn_carrier_stats t, u;
    dmn_tcpcl_stats(s->tcp, &t);
    dmn_udpcl_stats(s->udp, &u);
    snprintf(s->summary, sizeof s->summary,
             "tcpcl %llu sessions (%llu refused, %llu connections turned away), %llu bundles in, "
             "%llu out, %llu re-sent; udpcl %llu in, %llu out, %llu junk; gateway %llu taken, "
             "%llu refused, %llu answered",
             (unsigned long long)t.sessions, (unsigned long long)t.sessions_refused,
             (unsigned long long)t.conn_refused, (unsigned long long)t.rx_bundles,
             (unsigned long long)t.tx_bundles, (unsigned long long)t.tx_retries,
             (unsigned long long)u.rx_bundles, (unsigned long long)u.tx_bundles,
             (unsigned long long)u.udp_junk, (unsigned long long)s->taken,
             (unsigned long long)s->refused, (unsigned long long)s->answered);
    return s->summary;
}

/* ---------------------------------------------------------------- requests in */

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static unsigned service_of(uint8_t type)
{
    return type == AUS_APP_TM_QUERY  ? DMN_GW_TM
           : type == AUS_APP_CMD     ? DMN_GW_CMD
           : type == AUS_APP_IMG_REQ ? DMN_GW_IMG
                                     : 0;
}

/* Judge one request bundle; NULL when it is to be carried (then *m, *src, *pri are set), else
 * why not. *answerable: the source is a configured node (a refusal is answered to it). */
static const char *judge(dmn_node *n, struct dmn_net_state *s, aus_bpv7_bundle *b, const uint8_t *p,
                         size_t len, aus_app_msg *m, int *answerable)
{
    *answerable = 0;
    if (aus_bpv7_decode(b, p, len, 0) != AUS_OK)
        return "not a bundle";
    const aus_bpv7_primary *pr = &b->pri;
    if (pr->src.scheme != AUS_EID_SCHEME_IPN)
        return "source is not an ipn endpoint";
    const dmn_gw_peer *peer = dmn_net_peer(&s->net, pr->src.node);
    if (!peer || !peer->services)
        return "source node is not configured";
    if (pr->dst.scheme != AUS_EID_SCHEME_IPN || pr->dst.node != n->cfg.node ||
        pr->dst.service != s->net.gw_service)
        return "not addressed to the gateway service (nothing is relayed)";
    if (pr->flags & (AUS_BPV7_BF_FRAGMENT | AUS_BPV7_BF_ADMIN))
        return pr->flags & AUS_BPV7_BF_ADMIN ? "an administrative record" : "a fragment";
    if (aus_bpv7_check_lifetime(b, dmn_now_ms()) != AUS_OK)
        return "lifetime expired";
    if (!b->payload || aus_app_decode(m, b->payload, b->payload_len) != AUS_OK)
        return "payload is not an application request";
    *answerable = 1;
    unsigned svc = service_of(m->type);
    if (!svc)
        return "message type is not a gateway service (telemetry, command, image)";
    if (!(peer->services & svc))
        return "service not allowed for this node ([gateway] allow)";
    return NULL;
}

static aus_err write_answer(dmn_node *n, struct dmn_net_state *s, uint64_t node, uint64_t svc,
                            uint64_t seq, const uint8_t *adu, size_t len);

/* A refused request from a configured node gets an answer saying so (CMD_RESP, ERROR). */
static void answer_refusal(dmn_node *n, struct dmn_net_state *s, const aus_bpv7_primary *pr,
                           const aus_app_msg *req, const char *why)
{
    aus_app_msg r;
    memset(&r, 0, sizeof r);
    r.type = AUS_APP_CMD_RESP;
    r.id = req->id ? req->id : 1;
    r.status = AUS_APP_ST_ERROR;
    r.exit_code = -1;
    char text[160];
    int k = snprintf(text, sizeof text, "gateway refused the request: %s", why);
    r.data.p = (const uint8_t *)text;
    r.data.n = (size_t)k;
    uint8_t out[512];
    size_t len = 0;
    if (aus_app_encode(&r, out, sizeof out, &len) == AUS_OK)
        (void)write_answer(n, s, pr->src.node, pr->src.service, (1ull << 63) | pr->seq, out, len);
}

/* Returns 0 (taken or refused: the file goes), -1 (store trouble: the file stays). */
static int take_request(dmn_node *n, struct dmn_net_state *s, const uint8_t *p, size_t len)
{
    static aus_bpv7_bundle b;
    aus_app_msg m;
    int answerable = 0;
    const char *why = judge(n, s, &b, p, len, &m, &answerable);
    if (why) {
        s->refused++;
        if (answerable)
            dmn_log("gateway: refused a request from ipn:%llu.%llu: %s",
                    (unsigned long long)b.pri.src.node, (unsigned long long)b.pri.src.service, why);
        else
            dmn_log("gateway: dropped a bundle of %zu bytes: %s", len, why);
        if (answerable)
            answer_refusal(n, s, &b.pri, &m, why);
        return 0;
    }
    dmn_key skb, rkb;
    const char *sk = dmn_key_gw_seen(&skb, n->cfg.tenant, b.pri.src.node, b.pri.ctime, b.pri.seq);
    uint64_t prev;
    if (aus_store_get_u64(&n->store, sk, &prev) == AUS_OK) {
        s->dups++;
        dmn_log("gateway: a copy of request %llu from ipn:%llu (carried already as id=%llu)",
                (unsigned long long)m.id, (unsigned long long)b.pri.src.node,
                (unsigned long long)prev);
        return 0;
    }
    uint64_t orig = m.id, id = 0;
    char local[DMN_PATH + 64];
    snprintf(local, sizeof local, "%s/gw-%llu-%llu.img",
             n->cfg.downloads[0] ? n->cfg.downloads : ".", (unsigned long long)b.pri.src.node,
             (unsigned long long)orig);
    aus_app_view adu;
    uint8_t rec[25];
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = dmn_ground_record(n, &m, local, &id, &adu);
    if (e == AUS_OK)
        e = dmn_agent_send(n, adu.p, adu.n, dmn_now_ms());
    if (e == AUS_OK) {
        be64(rec, b.pri.src.node);
        be64(rec + 8, b.pri.src.service);
        be64(rec + 16, orig);
        rec[24] = m.type;
        e = n->store.ops->put(n->store.self, dmn_key_gw_req(&rkb, n->cfg.tenant, id, 0), rec,
                              sizeof rec);
    }
    if (e == AUS_OK)
        e = aus_store_put_u64(&n->store, sk, id);
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        dmn_log("gateway: cannot record a request from ipn:%llu (%s): tried again",
                (unsigned long long)b.pri.src.node, aus_err_name(e));
        return -1;
    }
    s->taken++;
    dmn_log("gateway: %s %llu from ipn:%llu.%llu carried to the satellite as id=%llu",
            aus_app_type_name(m.type), (unsigned long long)orig, (unsigned long long)b.pri.src.node,
            (unsigned long long)b.pri.src.service, (unsigned long long)id);
    return 0;
}

static void take_spool(dmn_node *n, struct dmn_net_state *s)
{
    int fd = dup(s->in_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    struct dirent *e;
    int taken = 0;
    while (taken < GW_SCAN_MAX && (e = readdir(d)) != NULL) {
        aus_cl_kind k = aus_cl_folder_classify(e->d_name);
        if (k == AUS_CL_TMP || k == AUS_CL_SKIP)
            continue;
        size_t len = 0;
        uint8_t *buf = dmn_carrier_read(s->in_fd, e->d_name, GW_REQ_MAX, &len);
        if (buf) {
            if (take_request(n, s, buf, len) != 0) {
                free(buf);
                break; /* store trouble: the file stays for the next cycle */
            }
        } else {
            s->refused++;
            dmn_log("gateway: dropped a spool entry that is not a bundle file of at most %u "
                    "bytes",
                    GW_REQ_MAX);
        }
        free(buf);
        (void)unlinkat(s->in_fd, e->d_name, 0);
        taken++;
    }
    closedir(d);
    if (taken)
        (void)fsync(s->in_fd);
}

/* ---------------------------------------------------------------- answers out */

static int load_key(const char *file, uint8_t *k, size_t *len)
{
    if (!file[0])
        return 0;
    if (aus_keyfile_read(file, k, 32, len) != AUS_OK || (*len != 16 && *len != 32)) {
        dmn_log("gateway: key file %s cannot be read as a 16- or 32-byte key: answer not sent",
                file);
        return -1;
    }
    return 1;
}

/* The answer bundle (BIB / BCB when keys are set for node) into the out spool, named after
 * node and seq, written durably. */
static aus_err write_answer(dmn_node *n, struct dmn_net_state *s, uint64_t node, uint64_t svc,
                            uint64_t seq, const uint8_t *adu, size_t len)
{
    const dmn_gw_peer *peer = dmn_net_peer(&s->net, node);
    if (!peer || (!peer->tcp[0] && !peer->udp[0]))
        return AUS_E_POLICY; /* never to a node that is not configured */
    static aus_bpv7_bundle b;
    aus_bpv7_init(&b);
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.dst = (aus_eid){AUS_EID_SCHEME_IPN, node, svc, NULL, 0};
    b.pri.src = (aus_eid){AUS_EID_SCHEME_IPN, n->cfg.node, s->net.gw_service, NULL, 0};
    b.pri.report_to = b.pri.src;
    b.pri.ctime = dmn_now_ms();
    b.pri.seq = seq;
    b.pri.lifetime = s->net.gw_lifetime_s * 1000u;
    AUS_TRY(aus_bpv7_set_payload(&b, adu, len, 0, AUS_BPV7_CRC_32C));
    size_t cap = len + 1024;
    uint8_t *out = malloc(cap);
    if (!out)
        return AUS_E_NOBUFS;
    long blen = aus_bpv7_encode(&b, out, cap);
    aus_err e = blen < 0 ? (aus_err)blen : AUS_OK;
    size_t olen = blen > 0 ? (size_t)blen : 0;
    uint8_t kb[32], kc[32];
    size_t lb = 0, lc = 0;
    int hb = e == AUS_OK ? load_key(peer->bib_key, kb, &lb) : 0;
    int hc = e == AUS_OK && hb >= 0 ? load_key(peer->bcb_key, kc, &lc) : 0;
    if (hb < 0 || hc < 0)
        e = AUS_E_KEY;
    char src[48];
    snprintf(src, sizeof src, "ipn:%llu.%llu", (unsigned long long)n->cfg.node,
             (unsigned long long)s->net.gw_service);
    /* RFC 9173 §3: BIB-HMAC-SHA2 over the payload, or over the primary block when the payload
     * is encrypted: its GCM tag protects it, and a BIB over it would have to be encrypted by the
     * BCB under the payload's key and IV (RFC 9172 §3.9; aus_bpsec_add: one target per BCB) */
    if (e == AUS_OK && hb > 0) {
        aus_bpsec_op op;
        memset(&op, 0, sizeof op);
        op.kind = AUS_BPSEC_BIB;
        op.block_number = 2;
        op.source = src;
        op.ntargets = 1;
        op.targets[0] = hc > 0 ? 0 : 1;
        op.variant = AUS_HASH_SHA256;
        op.scope = AUS_BPSEC_SCOPE_ALL;
        op.key = kb;
        op.key_len = lb;
        e = aus_bpsec_add(aus_crypto_default(), &op, out, &olen, cap);
    }
    if (e == AUS_OK && hc > 0) { /* RFC 9173 §4: BCB-AES-GCM over the payload */
        uint8_t iv[12];
        aus_bpsec_op op;
        memset(&op, 0, sizeof op);
        const aus_crypto *cr = aus_crypto_default();
        e = cr->ops->random(cr->self, iv, sizeof iv); /* 96 random bits per answer under the key */
        op.kind = AUS_BPSEC_BCB;
        op.block_number = 3;
        op.source = src;
        op.ntargets = 1;
        op.targets[0] = 1;
        op.variant = lc == 16 ? AUS_AEAD_AES128_GCM : AUS_AEAD_AES256_GCM;
        op.scope = AUS_BPSEC_SCOPE_ALL;
        op.key = kc;
        op.key_len = lc;
        op.iv = iv;
        op.iv_len = sizeof iv;
        if (e == AUS_OK)
            e = aus_bpsec_add(cr, &op, out, &olen, cap);
    }
    aus_wipe(kb, sizeof kb);
    aus_wipe(kc, sizeof kc);
    char name[AUS_CL_NAME_MAX];
    int dup = 0;
    if (e == AUS_OK)
        e = aus_cl_folder_name(name, sizeof name, node, seq);
    if (e == AUS_OK) {
        /* the name is the node's and the sequence number's: one answer per request */
        char tmp[AUS_CL_NAME_MAX + 8];
        snprintf(tmp, sizeof tmp, "%s%s", name, AUS_CL_TMP_SUFFIX);
        (void)unlinkat(s->out_fd, tmp, 0);
        int fd = openat(s->out_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int ok = fd >= 0 && aus_posix_write_all(fd, out, olen) == AUS_OK && fsync(fd) == 0;
        if (fd >= 0)
            close(fd);
        if (!ok || renameat(s->out_fd, tmp, s->out_fd, name) != 0 || fsync(s->out_fd) != 0) {
            (void)unlinkat(s->out_fd, tmp, 0);
            e = AUS_E_IO;
        }
    }
    (void)dup;
    free(out);
    return e;
}

/* The answer ADU for the originator: the satellite's answer with the originator's id; a
 * download: its bytes in one IMG_CHUNK (or an error when too large); a failure: CMD_RESP. */
static aus_err answer_adu(dmn_node *n, const aus_app_ground_answer_view *a, uint64_t orig,
                          uint8_t **out, size_t *len)
{
    aus_app_msg m;
    uint8_t *img = NULL;
    char note[200];
    memset(&m, 0, sizeof m);
    (void)n;
    if (a->state == AUS_APP_GR_ANSWERED && a->adu.n &&
        aus_app_decode(&m, a->adu.p, a->adu.n) == AUS_OK) {
        /* the satellite's own answer */
    } else if (a->state == AUS_APP_GR_ANSWERED && a->has_image) {
        char path[DMN_PATH + 64];
        snprintf(path, sizeof path, "%.*s", (int)a->path.n, (const char *)a->path.p);
        size_t sz = 0;
        img = dmn_carrier_read(AT_FDCWD, path, GW_ANSWER_MAX, &sz);
        m.type = AUS_APP_IMG_CHUNK;
        m.size = a->size;
        m.offset = 0;
        m.chunk = a->size;
        memcpy(m.sha256, a->sha256, sizeof m.sha256);
        m.data.p = img;
        m.data.n = sz;
        if (!img || sz != a->size) {
            m.type = AUS_APP_CMD_RESP;
            m.status = AUS_APP_ST_ERROR;
            int k = snprintf(note, sizeof note,
                             "image of %llu bytes kept at the ground: larger "
                             "than the gateway carries (%u) or unreadable",
                             (unsigned long long)a->size, GW_ANSWER_MAX);
            m.data.p = (const uint8_t *)note;
            m.data.n = (size_t)k;
        }
    } else {
        m.type = AUS_APP_CMD_RESP;
        m.status = a->status ? a->status : AUS_APP_ST_ERROR;
        m.exit_code = -1;
        int k = snprintf(note, sizeof note, "request failed at the ground: %.*s", (int)a->note.n,
                         (const char *)a->note.p);
        m.data.p = (const uint8_t *)note;
        m.data.n = (size_t)k;
    }
    m.id = orig;
    size_t need = 0;
    aus_err e = aus_app_encode(&m, NULL, 0, &need);
    *out = e == AUS_OK ? malloc(need) : NULL;
    if (e == AUS_OK && !*out)
        e = AUS_E_NOBUFS;
    if (e == AUS_OK)
        e = aus_app_encode(&m, *out, need, len);
    free(img);
    return e;
}

static void send_answers(dmn_node *n, struct dmn_net_state *s)
{
    char key[AUS_STORE_KEY_MAX], after[AUS_STORE_KEY_MAX] = "";
    dmn_key pk;
    const char *prefix = dmn_key_gw_req(&pk, n->cfg.tenant, 0, 1);
    for (int k = 0; k < GW_SCAN_MAX; k++) {
        if (n->store.ops->next(n->store.self, prefix, after, key, sizeof key) != AUS_OK)
            return;
        snprintf(after, sizeof after, "%s", key);
        uint8_t rec[25];
        size_t rl = 0;
        uint64_t id = strtoull(key + strlen(prefix), NULL, 16);
        if (n->store.ops->get(n->store.self, key, rec, sizeof rec, &rl) != AUS_OK || rl != 25)
            continue;
        char *j = dmn_ground_response(n, id); /* also sets the ground's context up */
        if (!j)
            continue;
        int pending = strstr(j, "\"pending\"") != NULL;
        free(j);
        aus_app_ground_answer_view a;
        if (pending || aus_app_ground_answer(&n->ground, id, &a) != AUS_OK)
            continue;
        uint8_t *adu = NULL;
        size_t len = 0;
        aus_err e = answer_adu(n, &a, rd64(rec + 16), &adu, &len);
        if (e == AUS_OK)
            e = write_answer(n, s, rd64(rec), rd64(rec + 8), id, adu, len);
        free(adu);
        if (e == AUS_OK || e == AUS_E_POLICY) /* a peer no longer configured: never sent */
            e = n->store.ops->del(n->store.self, key);
        if (e != AUS_OK) {
            dmn_log("gateway: answer to request id=%llu not written yet (%s)",
                    (unsigned long long)id, aus_err_name(e));
            continue;
        }
        s->answered++;
        dmn_log("gateway: answer to %s %llu of ipn:%llu.%llu (id=%llu) on its way",
                aus_app_type_name(rec[24]), (unsigned long long)rd64(rec + 16),
                (unsigned long long)rd64(rec), (unsigned long long)rd64(rec + 8),
                (unsigned long long)id);
    }
}

void dmn_gateway_cycle(dmn_node *n)
{
    struct dmn_net_state *s = n->net;
    if (!s || s->in_fd < 0 || n->cfg.role_sat)
        return;
    uint64_t now = dmn_now_ms();
    if (now - s->last_ms < GW_EVERY_MS)
        return;
    s->last_ms = now;
    take_spool(n, s);
    send_answers(n, s);
}
