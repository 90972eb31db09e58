/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: BPv7 bundle decoding (RFC 9171) plus the properties that must hold for any
 * input the decoder accepts (RFC 9171 §4.1): re-encoding yields a bundle that decodes to the same
 * fields, and re-encoding that reproduces it (encode is a fixed point after one pass); when the
 * input uses the preferred CBOR forms (AUS_BPV7_STRICT_CBOR accepts it) re-encoding reproduces
 * the input bytes exactly; strict acceptance implies lax acceptance with the same fields; the
 * encoder's size pass agrees; the receipt decision is total and pure; fragments of it decode and
 * reassemble to the same payload; an administrative record payload decodes without crashing;
 * the decoder's byte-level fast paths agree with the decoder without them.
 * Seeds: fuzz/corpus/bpv7_decode/ (including the lax forms of tests/vectors/bpv7_lax). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/bpv7.h"
#include "bpv7/bpv7_int.h"

static aus_bpv7_bundle b, f, r, sb;
static uint8_t out[1 << 17], out2[1 << 17];
static uint8_t frag[1 << 17];
static uint8_t adu[1 << 17];

static void check_fragments(void)
{
    if ((b.pri.flags & AUS_BPV7_BF_NO_FRAGMENT) || b.payload_len < 2 ||
        (b.pri.flags & AUS_BPV7_BF_FRAGMENT))
        return;
    static aus_bpv7_reasm ra;
    aus_bpv7_reasm_init(&ra, adu, sizeof adu);
    size_t half = b.payload_len / 2;
    size_t cuts[2][2] = {{half, b.payload_len - half}, {0, half}};
    for (int i = 0; i < 2; i++) {
        long n = aus_bpv7_fragment(&b, cuts[i][0], cuts[i][1], frag, sizeof frag);
        if (n < 0)
            return;
        if (aus_bpv7_decode(&f, frag, (size_t)n, 0) != AUS_OK)
            abort(); /* our own fragment of a valid bundle must be valid */
        int rc = aus_bpv7_reasm_add(&ra, &f);
        if (rc < 0 && rc != AUS_E_LIMIT)
            abort();
    }
    if (aus_bpv7_reasm_complete(&ra) && memcmp(adu, b.payload, b.payload_len) != 0)
        abort();
}

static int eid_same(const aus_eid *x, const aus_eid *y) { return aus_bpv7_eid_eq(x, y); }

/* The fields a re-encoding must keep: the primary block, every block that is not discarded
 * (type, number, flags, CRC type; the data of a block the codec does not generate), the parsed
 * extension fields and the payload. */
static int same_fields(const aus_bpv7_bundle *x, const aus_bpv7_bundle *y)
{
    const aus_bpv7_primary *p = &x->pri, *q = &y->pri;
    if (p->version != q->version || p->flags != q->flags || p->crc_type != q->crc_type ||
        !eid_same(&p->dst, &q->dst) || !eid_same(&p->src, &q->src) ||
        !eid_same(&p->report_to, &q->report_to) || p->ctime != q->ctime || p->seq != q->seq ||
        p->lifetime != q->lifetime || p->frag_offset != q->frag_offset ||
        p->total_adu_len != q->total_adu_len)
        return 0;
    if (x->has_age != y->has_age || x->age_ms != y->age_ms || x->has_hop != y->has_hop ||
        x->hop_limit != y->hop_limit || x->hop_count != y->hop_count ||
        x->has_prev != y->has_prev || (x->has_prev && !eid_same(&x->prev_node, &y->prev_node)))
        return 0;
    size_t j = 0;
    for (size_t i = 0; i < x->nblocks; i++) {
        const aus_bpv7_block *k = &x->blk[i];
        if (k->discard)
            continue;
        while (j < y->nblocks && y->blk[j].discard)
            j++;
        if (j >= y->nblocks)
            return 0;
        const aus_bpv7_block *m = &y->blk[j++];
        int generated = (k->type == AUS_BPV7_BT_AGE && x->has_age) ||
                        (k->type == AUS_BPV7_BT_HOP_COUNT && x->has_hop) ||
                        (k->type == AUS_BPV7_BT_PREV_NODE && x->has_prev);
        if (k->type != m->type || k->number != m->number || k->flags != m->flags ||
            k->crc_type != m->crc_type)
            return 0;
        if (!generated &&
            (k->data_len != m->data_len || (k->data_len && memcmp(k->data, m->data, k->data_len))))
            return 0;
    }
    while (j < y->nblocks && y->blk[j].discard)
        j++;
    return j == y->nblocks && x->payload_len == y->payload_len &&
           (!x->payload_len || !memcmp(x->payload, y->payload, x->payload_len));
}

static void check_receipt(void)
{
    static const uint64_t types[] = {AUS_BPV7_BT_BIB, AUS_BPV7_BT_BCB, 192u};
    aus_bpv7_node node = {1000, types, 3};
    aus_bpv7_receipt x, y;
    if (aus_bpv7_decide_receipt(&b, &node, &x) != AUS_OK ||
        aus_bpv7_decide_receipt(&b, &node, &y) != AUS_OK)
        abort();
    if (x.action != y.action || x.reason != y.reason || x.ndiscard != y.ndiscard ||
        x.nreport != y.nreport || x.ndiscard > b.nblocks || x.nreport > b.nblocks ||
        (x.action == AUS_BPV7_DELETE) != (x.reason != AUS_BPV7_RC_NONE))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The decoder's byte-level fast paths against the decoder without them: same error, same
 * error offset, same fields. */
static void check_fast_paths(const uint8_t *data, size_t size, unsigned flags)
{
    static aus_bpv7_bundle x, y;
    aus_err ex = aus_bpv7_decode(&x, data, size, flags);
    aus_err ey = bpv7_decode_blocks_general(&y, NULL, 0, data, size, flags);
    if (ex != ey || x.err_off != y.err_off || x.nblocks != y.nblocks ||
        x.encoded_len != y.encoded_len)
        abort();
    if (ex != AUS_OK)
        return;
    if (!same_fields(&x, &y) || x.pri.crc != y.pri.crc || x.pri_len != y.pri_len ||
        x.notes != y.notes || x.payload_len != y.payload_len)
        abort();
    for (size_t i = 0; i < x.nblocks; i++)
        if (x.blk[i].off != y.blk[i].off || x.blk[i].len != y.blk[i].len ||
            x.blk[i].data != y.blk[i].data || x.blk[i].crc != y.blk[i].crc)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_fast_paths(data, size, 0);
    check_fast_paths(data, size, AUS_BPV7_STRICT_CBOR);
    check_fast_paths(data, size, AUS_BPV7_LAX_CBOR | AUS_BPV7_NO_CRC_CHECK);
    (void)aus_bpv7_decode(&b, data, size, AUS_BPV7_STRICT);
    (void)aus_bpv7_decode(&b, data, size, AUS_BPV7_LAX_CBOR | AUS_BPV7_NO_CRC_CHECK);
    int strict_ok = aus_bpv7_decode(&sb, data, size, AUS_BPV7_STRICT_CBOR) == AUS_OK;
    if (sb.err_off > size)
        abort();
    if (aus_bpv7_decode(&b, data, size, 0) != AUS_OK) {
        if (strict_ok || b.err_off > size)
            abort(); /* strict accepts only what lax accepts; offsets inside the input */
        return 0;
    }
    if (b.encoded_len != size || b.err_off != 0)
        abort();
    if (strict_ok && !same_fields(&sb, &b))
        abort();
    check_receipt();
    long n = aus_bpv7_encode(&b, out, sizeof out);
    if (n < 0 || aus_bpv7_encode(&b, NULL, 0) != n)
        abort();
    /* the preferred forms: decode -> encode is the identity */
    if (strict_ok && !(b.notes & AUS_BPV7_NOTE_DISCARDED) &&
        ((size_t)n != size || memcmp(out, data, size)))
        abort();
    /* any accepted form: the re-encoding decodes to the same fields, and is a fixed point */
    if (aus_bpv7_decode(&r, out, (size_t)n, 0) != AUS_OK || !same_fields(&b, &r))
        abort();
    long m = aus_bpv7_encode(&r, out2, sizeof out2);
    if (!(b.notes & AUS_BPV7_NOTE_DISCARDED) && (m != n || memcmp(out, out2, (size_t)n)))
        abort();
    if (b.pri.flags & AUS_BPV7_BF_ADMIN) {
        aus_bpv7_status_report sr;
        uint8_t rec[4096];
        if (aus_bpv7_status_decode(&sr, b.payload, b.payload_len) == AUS_OK) {
            long m = aus_bpv7_status_encode(&sr, rec, sizeof rec);
            if (m < 0 && m != AUS_E_ARG && m != AUS_E_NOBUFS)
                abort();
        }
    }
    (void)aus_bpv7_check_lifetime(&b, 1000);
    check_fragments();
    return 0;
}
