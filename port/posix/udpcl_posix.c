/* SPDX-License-Identifier: Apache-2.0 */
/* UDPCL datagrams <-> bundles (udpcl_posix.h). */
#include "udpcl_posix.h"

#include <stdlib.h>
#include <string.h>

long aus_udpcl_emit(const aus_bpv7_bundle *b, const uint8_t *p, size_t n, size_t mtu,
                    int (*emit)(void *u, const uint8_t *p, size_t n), void *u)
{
    if (n <= mtu)
        return emit(u, p, n) ? AUS_E_IO : 1;
    /* RFC 9171 §4.2.3: "bundle must not be fragmented": one datagram all the same (the IP
     * layer fragments it), as long as UDP can carry it */
    if (b->pri.flags & AUS_BPV7_BF_NO_FRAGMENT) {
        if (n > AUS_UDPCL_DGRAM_MAX)
            return AUS_E_LIMIT;
        return emit(u, p, n) ? AUS_E_IO : 1;
    }
    /* RFC 9171 §5.8: the first fragment carries every block, so its overhead bounds the
     * others'; 16 octets of slack for the fragment fields' CBOR heads */
    long first = aus_bpv7_fragment(b, 0, 1, NULL, 0);
    if (first < 0)
        return first;
    if ((size_t)first + 16 >= mtu)
        return AUS_E_LIMIT;
    uint8_t *dg = malloc(AUS_UDPCL_DGRAM_MAX);
    if (!dg)
        return AUS_E_NOBUFS;
    size_t chunk = mtu - (size_t)first - 16, off = 0;
    long nfr = 0;
    while (off < b->payload_len) {
        size_t len = b->payload_len - off < chunk ? b->payload_len - off : chunk;
        long k = aus_bpv7_fragment(b, off, len, dg, AUS_UDPCL_DGRAM_MAX);
        while (k > (long)mtu && len > 1) { /* CBOR heads grew: shrink */
            size_t over = (size_t)(k - (long)mtu);
            len = len > over ? len - over : 1;
            k = aus_bpv7_fragment(b, off, len, dg, AUS_UDPCL_DGRAM_MAX);
        }
        if (k < 0 || k > (long)mtu) {
            free(dg);
            return k < 0 ? k : AUS_E_LIMIT;
        }
        if (emit(u, dg, (size_t)k)) {
            free(dg);
            return AUS_E_IO;
        }
        off += len;
        nfr++;
    }
    free(dg);
    return nfr;
}

void aus_udpcl_rx_init(aus_udpcl_rx *r, size_t max_bundle)
{
    memset(r, 0, sizeof *r);
    r->max_bundle = max_bundle;
}

static void slot_clear(aus_udpcl_slot *s)
{
    free(s->adu);
    free(s->first_bytes);
    memset(s, 0, sizeof *s);
}

void aus_udpcl_rx_free(aus_udpcl_rx *r)
{
    for (int i = 0; i < AUS_UDPCL_REASM; i++)
        slot_clear(&r->slot[i]);
}

static int on_fragment(aus_udpcl_rx *r, const uint8_t *p, size_t n, uint64_t now, uint8_t **out,
                       size_t *outlen)
{
    const aus_bpv7_bundle *fr = &r->b;
    int k = AUS_E_NOTFOUND;
    aus_udpcl_slot *s = NULL;
    for (int i = 0; i < AUS_UDPCL_REASM; i++) /* stale reassemblies are given up */
        if (r->slot[i].used && now - r->slot[i].touched > AUS_UDPCL_REASM_MS) {
            slot_clear(&r->slot[i]);
            r->given_up++;
        }
    for (int i = 0; i < AUS_UDPCL_REASM && k == AUS_E_NOTFOUND; i++)
        if (r->slot[i].used && (k = aus_bpv7_reasm_add(&r->slot[i].ra, fr)) != AUS_E_NOTFOUND)
            s = &r->slot[i];
    if (!s) {
        if (fr->pri.total_adu_len == 0 || fr->pri.total_adu_len > r->max_bundle)
            return -1;
        s = &r->slot[0];
        for (int i = 0; i < AUS_UDPCL_REASM; i++) /* a free slot, else the stalest */
            if (!r->slot[i].used || (s->used && r->slot[i].touched < s->touched))
                s = &r->slot[i];
        if (s->used)
            r->given_up++;
        slot_clear(s);
        s->adu = malloc((size_t)fr->pri.total_adu_len);
        if (!s->adu)
            return -1;
        s->used = 1;
        aus_bpv7_reasm_init(&s->ra, s->adu, (size_t)fr->pri.total_adu_len);
        k = aus_bpv7_reasm_add(&s->ra, fr);
    }
    if (k < 0)
        return -1;
    s->touched = now;
    if (fr->pri.frag_offset == 0 && !s->first_bytes) {
        s->first_bytes = malloc(n);
        if (!s->first_bytes)
            return -1;
        memcpy(s->first_bytes, p, n);
        if (aus_bpv7_decode(&s->first, s->first_bytes, n, 0) != AUS_OK) {
            slot_clear(s);
            return -1;
        }
    }
    if (!aus_bpv7_reasm_complete(&s->ra) || !s->first_bytes)
        return 0;
    int done = -1;
    if (aus_bpv7_reasm_bundle(&s->ra, &s->first, &r->b) == AUS_OK) {
        long len = aus_bpv7_encode(&r->b, NULL, 0);
        *out = len > 0 ? malloc((size_t)len) : NULL;
        if (*out && aus_bpv7_encode(&r->b, *out, (size_t)len) == len) {
            *outlen = (size_t)len;
            done = 1;
        } else {
            free(*out);
            *out = NULL;
        }
    }
    slot_clear(s);
    return done;
}

int aus_udpcl_rx_datagram(aus_udpcl_rx *r, const uint8_t *p, size_t n, uint64_t now, uint8_t **out,
                          size_t *len)
{
    *out = NULL;
    *len = 0;
    if (n == 0 || n > r->max_bundle || aus_bpv7_decode(&r->b, p, n, 0) != AUS_OK) {
        r->junk++; /* not a bundle: counted and dropped */
        return -1;
    }
    if (r->b.pri.flags & AUS_BPV7_BF_FRAGMENT) {
        r->fragments++;
        int k = on_fragment(r, p, n, now, out, len);
        if (k < 0)
            r->junk++;
        if (k > 0)
            r->bundles++;
        return k;
    }
    *out = malloc(n);
    if (!*out)
        return -1;
    memcpy(*out, p, n);
    *len = n;
    r->bundles++;
    return 1;
}
