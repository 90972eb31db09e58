/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the TCPCLv4 session state machine (src/cl/tcpcl.c) driven by random event
 * sequences: peer bytes in random chunks, sends into random capacities, time jumps, TLS
 * results, pushes, local terminations, TCP loss, raw table events; the bundle owner and the
 * peer check fail at random. Invariants: the session never consumes more than it is given,
 * never writes beyond its buffers (ASan), stays in a valid state, and a received transfer is
 * never larger than the Transfer MRU. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/tcpcl.h"

typedef struct fz {
    const uint8_t *p;
    size_t n;
    int fail_bundle;
} fz;

static uint8_t take(fz *z)
{
    if (!z->n)
        return 0;
    z->n--;
    return *z->p++;
}

static aus_err on_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    fz *z = ud;
    (void)id;
    if (n > 4096)
        abort();
    if (n)
        (void)p[n - 1];
    /* kept, refused, or held (AGAIN: the final ACK waits for aus_tcpcl_ack_release) */
    unsigned k = (unsigned)(z->fail_bundle++ % 4);
    return k == 2 ? AUS_E_FULL : k == 3 ? AUS_E_AGAIN : AUS_OK;
}

static void on_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    (void)ud;
    (void)tag;
    (void)reason;
    if (o > AUS_TCPCL_NOT_SENT)
        abort();
}

static aus_err check_peer(void *ud, const uint8_t *id, size_t n)
{
    (void)ud;
    return (n && id[n - 1] == '9') ? AUS_E_AUTH : AUS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_tcpcl s;
    static uint8_t rx[4096], out[70000];
    static const uint8_t bundle[40000] = {1};
    fz z = {data, size, 0};
    uint8_t mode = take(&z);
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = mode & 1;
    c.can_tls = (mode >> 1) & 1;
    c.require_tls = (mode >> 2) & 1;
    c.keepalive_s = (mode >> 3) & 3;
    c.seg_mru = 64u << ((mode >> 5) & 3);
    c.xfer_mru = sizeof rx;
    c.seg_max = (mode & 0x80) ? 100 : 0;
    c.node_id = "ipn:1.0";
    c.setup_ms = 1000;
    aus_tcpcl_ops ops = {on_bundle, on_sent, check_peer};
    uint64_t now = 0;
    if (aus_tcpcl_init(&s, &c, &ops, &z, rx, sizeof rx, now) != AUS_OK)
        abort();
    while (z.n) {
        uint8_t op = take(&z);
        switch (op % 10) {
        case 0:
        case 1:
        case 2: { /* peer bytes */
            size_t k = (size_t)(take(&z) % 64) + 1;
            if (k > z.n)
                k = z.n;
            uint8_t *dp = NULL;
            size_t dn = op >= 128 ? aus_tcpcl_recv_direct(&s, &dp) : 0;
            if (dn) { /* the port reads segment data into place */
                if (dp < rx || dn > sizeof rx || (size_t)(dp - rx) > sizeof rx - dn)
                    abort();
                if (k > dn)
                    k = dn;
                memcpy(dp, z.p, k);
                aus_tcpcl_recv_direct_done(&s, k, now);
            } else {
                long r = aus_tcpcl_recv(&s, z.p, k, now);
                if (r < 0 || (size_t)r > k)
                    abort();
            }
            z.p += k; /* what was not taken is dropped, as a dead TCP connection would */
            z.n -= k;
            break;
        }
        case 3: { /* our bytes out */
            size_t cap = (size_t)take(&z) * 16 + 1;
            aus_tcpcl_set_gather(&s, op >= 128);
            long r = aus_tcpcl_send(&s, out, cap, now);
            if (r < 0 || (size_t)r > cap)
                abort();
            const uint8_t *dp = NULL;
            size_t dn = aus_tcpcl_send_data(&s, &dp);
            if (dn) { /* the port sends segment data from the bundle itself */
                if (dp < bundle || dn > sizeof bundle || (size_t)(dp - bundle) > sizeof bundle - dn)
                    abort();
                aus_tcpcl_send_consumed(&s, dn < cap ? dn : cap, now);
            }
            break;
        }
        case 4:
            now += (uint64_t)take(&z) * 37;
            if (op >= 128) /* the held final ACKs: durable, or refused */
                aus_tcpcl_ack_release(&s, op & 1, now);
            else
                aus_tcpcl_on_timer(&s, now);
            if (aus_tcpcl_acks_held(&s) > AUS_TCPCL_ACKQ)
                abort();
            break;
        case 5: aus_tcpcl_tls_result(&s, take(&z) & 1, now); break;
        case 6: /* op >= 128: up to 39 kB, beyond AUS_TCPCL_GATHER_MIN */
            (void)aus_tcpcl_xfer_push(&s, bundle,
                                      ((size_t)take(&z) * 11 + 1) * (op >= 128 ? 14 : 1), NULL);
            break;
        case 7: aus_tcpcl_terminate(&s, take(&z) % 6, now); break;
        case 8:
            if (take(&z) == 0xAA)
                aus_tcpcl_peer_closed(&s);
            break;
        case 9: { /* a raw table event with a message built from the input */
            aus_tcpcl_msg m;
            memset(&m, 0, sizeof m);
            m.type = take(&z) % 8;
            m.flags = take(&z) & 3;
            m.reason = take(&z) % 8;
            m.xfer_id = take(&z) % 4;
            m.length = take(&z);
            m.keepalive = take(&z) % 4;
            m.seg_mru = take(&z);
            m.xfer_mru = take(&z);
            m.node_id = (const uint8_t *)"ipn:2.0";
            m.node_id_len = 7;
            aus_tcpcl_dispatch(&s, (aus_tcpcl_event)(take(&z) % AUS_TCPCL_E_COUNT), &m,
                               take(&z) % 6, now);
            break;
        }
        }
        if (s.state >= AUS_TCPCL_S_COUNT || s.ctl_len > sizeof s.ctl || s.rx_len > sizeof rx ||
            s.tx_count > AUS_TCPCL_TXQ)
            abort();
        (void)aus_tcpcl_expiry(&s);
        (void)aus_tcpcl_want_send(&s);
    }
    return 0;
}
