/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4 message codec (RFC 9174 §4.2, §4.5, §4.6, §4.8, §5.1, §5.2, §6.1).
 *
 * All fields are big-endian unsigned integers (§4.1 "network byte order"). Every message starts
 * with its one-octet type code (§4.5). Layouts:
 *   contact header  "dtn!" | version U8 | flags U8                                   (§4.2)
 *   SESS_INIT       type | keepalive U16 | segment MRU U64 | transfer MRU U64 |
 *                   node ID length U16 | node ID | items length U32 | items          (§4.6)
 *   XFER_SEGMENT    type | flags U8 | transfer ID U64 | [items length U32 | items,
 *                   only with START] | data length U64 | data                       (§5.2.2)
 *   XFER_ACK        type | flags U8 | transfer ID U64 | acknowledged length U64       (§5.2.3)
 *   XFER_REFUSE     type | reason U8 | transfer ID U64                               (§5.2.4)
 *   KEEPALIVE       type                                                             (§5.1.1)
 *   SESS_TERM       type | flags U8 | reason U8                                      (§6.1)
 *   MSG_REJECT      type | reason U8 | rejected message header U8                    (§5.1.2)
 *   item            flags U8 | type U16 | length U16 | value                  (§4.8, §5.2.5)
 */
#include <string.h>

#include "australis/base.h"
#include "australis/tcpcl.h"

static const uint8_t magic[4] = {0x64, 0x74, 0x6e, 0x21}; /* "dtn!" (§4.2) */

aus_err aus_tcpcl_ch_decode(const uint8_t *p, size_t n, uint8_t *version, uint8_t *flags)
{
    if (n < AUS_TCPCL_CH_LEN)
        return AUS_E_TRUNC;
    if (memcmp(p, magic, 4) != 0)
        return AUS_E_MALFORMED;
    *version = p[4];
    *flags = p[5];
    return AUS_OK;
}

void aus_tcpcl_ch_encode(uint8_t out[AUS_TCPCL_CH_LEN], uint8_t flags)
{
    memcpy(out, magic, 4);
    out[4] = AUS_TCPCL_VERSION;
    out[5] = flags;
}

/* Items list of len octets (§4.8 / §5.2.5). xfer: judge the Transfer Length item. */
static void read_items(aus_rd *r, uint32_t len, aus_tcpcl_msg *m, int xfer)
{
    if (len > AUS_TCPCL_EXT_BYTES_MAX) {
        aus_rd_fail(r, AUS_E_LIMIT);
        return;
    }
    aus_rd sub = aus_rd_sub(r, len);
    while (aus_rd_ok(&sub) && aus_rd_left(&sub) > 0) {
        aus_tcpcl_ext e;
        e.flags = aus_rd_u8(&sub);
        e.type = aus_rd_be16(&sub);
        e.len = aus_rd_be16(&sub);
        e.value = aus_rd_view(&sub, e.len);
        if (!aus_rd_ok(&sub))
            break;
        if (m->next < AUS_TCPCL_EXT_ITEMS_MAX)
            m->ext[m->next] = e;
        m->next++;
        if (xfer && e.type == AUS_TCPCL_XEXT_TRANSFER_LEN) {
            /* §5.2.5.1: the value is one U64, the total transfer length */
            if (e.len != 8) {
                aus_rd_fail(&sub, AUS_E_MALFORMED);
                break;
            }
            aus_rd v;
            aus_rd_init(&v, e.value, 8);
            m->xfer_len = aus_rd_be64(&v);
            m->has_xfer_len = 1;
        } else if (e.flags & AUS_TCPCL_EXT_CRITICAL) {
            /* no session item type is defined; of transfer items we know Transfer Length */
            m->crit_unknown = 1;
        }
    }
    /* an item running past the list's end is a malformed list, not a short input */
    if (sub.err == AUS_E_TRUNC)
        aus_rd_fail(r, AUS_E_MALFORMED);
    else if (sub.err)
        aus_rd_fail(r, sub.err);
}

aus_err aus_tcpcl_msg_decode(const uint8_t *p, size_t n, int head_only, aus_tcpcl_msg *m,
                             size_t *used)
{
    aus_rd r;
    memset(m, 0, sizeof *m);
    *used = 0;
    aus_rd_init(&r, p, n);
    m->type = aus_rd_u8(&r);
    switch (m->type) {
    case AUS_TCPCL_SESS_INIT:
        m->keepalive = aus_rd_be16(&r);
        m->seg_mru = aus_rd_be64(&r);
        m->xfer_mru = aus_rd_be64(&r);
        m->node_id_len = aus_rd_be16(&r);
        if (aus_rd_ok(&r) && m->node_id_len > AUS_TCPCL_NODEID_MAX)
            return AUS_E_LIMIT;
        m->node_id = aus_rd_view(&r, m->node_id_len);
        m->ext_len = aus_rd_be32(&r);
        if (aus_rd_ok(&r))
            read_items(&r, m->ext_len, m, 0);
        break;
    case AUS_TCPCL_XFER_SEGMENT:
        m->flags = aus_rd_u8(&r);
        m->xfer_id = aus_rd_be64(&r);
        if (m->flags & AUS_TCPCL_SEG_START) {
            m->ext_len = aus_rd_be32(&r);
            if (aus_rd_ok(&r))
                read_items(&r, m->ext_len, m, 1);
        }
        m->length = aus_rd_be64(&r);
        if (!head_only && aus_rd_ok(&r)) {
            if (m->length > aus_rd_left(&r))
                return AUS_E_TRUNC;
            m->data = aus_rd_view(&r, (size_t)m->length);
        }
        break;
    case AUS_TCPCL_XFER_ACK:
        m->flags = aus_rd_u8(&r);
        m->xfer_id = aus_rd_be64(&r);
        m->length = aus_rd_be64(&r);
        break;
    case AUS_TCPCL_XFER_REFUSE:
        m->reason = aus_rd_u8(&r);
        m->xfer_id = aus_rd_be64(&r);
        break;
    case AUS_TCPCL_KEEPALIVE: break;
    case AUS_TCPCL_SESS_TERM:
        m->flags = aus_rd_u8(&r);
        m->reason = aus_rd_u8(&r);
        break;
    case AUS_TCPCL_MSG_REJECT:
        m->reason = aus_rd_u8(&r);
        m->rej_header = aus_rd_u8(&r);
        break;
    default:
        if (!aus_rd_ok(&r))
            return AUS_E_TRUNC;
        /* §4.5: 0x00 is reserved and the rest unassigned; the length is unknown */
        return AUS_E_UNSUPPORTED;
    }
    if (!aus_rd_ok(&r))
        return r.err;
    *used = r.off;
    return AUS_OK;
}

static void write_items(aus_wr *w, const aus_tcpcl_msg *m)
{
    uint8_t *lenp = aus_wr_reserve(w, 4);
    size_t start = aus_wr_len(w);
    for (size_t i = 0; i < m->next; i++) {
        aus_wr_u8(w, m->ext[i].flags);
        aus_wr_be16(w, m->ext[i].type);
        aus_wr_be16(w, m->ext[i].len);
        aus_wr_bytes(w, m->ext[i].value, m->ext[i].len);
    }
    size_t len = aus_wr_len(w) - start;
    if (lenp) {
        lenp[0] = (uint8_t)(len >> 24);
        lenp[1] = (uint8_t)(len >> 16);
        lenp[2] = (uint8_t)(len >> 8);
        lenp[3] = (uint8_t)len;
    }
}

long aus_tcpcl_msg_encode(const aus_tcpcl_msg *m, int head_only, uint8_t *out, size_t cap)
{
    aus_wr w;
    if (m->next > AUS_TCPCL_EXT_ITEMS_MAX)
        return AUS_E_ARG;
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    aus_wr_u8(&w, m->type);
    switch (m->type) {
    case AUS_TCPCL_SESS_INIT:
        if (m->node_id_len > AUS_TCPCL_NODEID_MAX)
            return AUS_E_ARG;
        aus_wr_be16(&w, m->keepalive);
        aus_wr_be64(&w, m->seg_mru);
        aus_wr_be64(&w, m->xfer_mru);
        aus_wr_be16(&w, m->node_id_len);
        aus_wr_bytes(&w, m->node_id, m->node_id_len);
        write_items(&w, m);
        break;
    case AUS_TCPCL_XFER_SEGMENT:
        aus_wr_u8(&w, m->flags);
        aus_wr_be64(&w, m->xfer_id);
        if (m->flags & AUS_TCPCL_SEG_START)
            write_items(&w, m);
        aus_wr_be64(&w, m->length);
        if (!head_only)
            aus_wr_bytes(&w, m->data, (size_t)m->length);
        break;
    case AUS_TCPCL_XFER_ACK:
        aus_wr_u8(&w, m->flags);
        aus_wr_be64(&w, m->xfer_id);
        aus_wr_be64(&w, m->length);
        break;
    case AUS_TCPCL_XFER_REFUSE:
        aus_wr_u8(&w, m->reason);
        aus_wr_be64(&w, m->xfer_id);
        break;
    case AUS_TCPCL_KEEPALIVE: break;
    case AUS_TCPCL_SESS_TERM:
        aus_wr_u8(&w, m->flags);
        aus_wr_u8(&w, m->reason);
        break;
    case AUS_TCPCL_MSG_REJECT:
        aus_wr_u8(&w, m->reason);
        aus_wr_u8(&w, m->rej_header);
        break;
    default: return AUS_E_ARG;
    }
    if (w.err)
        return w.err;
    return (long)aus_wr_len(&w);
}

const char *aus_tcpcl_type_name(unsigned type)
{
    static const char *const n[] = {"reserved",  "XFER_SEGMENT", "XFER_ACK",   "XFER_REFUSE",
                                    "KEEPALIVE", "SESS_TERM",    "MSG_REJECT", "SESS_INIT"};
    return type < AUS_ARRAY_LEN(n) ? n[type] : "unknown";
}

const char *aus_tcpcl_term_name(unsigned reason)
{
    static const char *const n[] = {"Unknown", "Idle timeout",    "Version mismatch",
                                    "Busy",    "Contact Failure", "Resource Exhaustion"};
    return reason < AUS_ARRAY_LEN(n) ? n[reason] : "unassigned";
}

const char *aus_tcpcl_refuse_name(unsigned reason)
{
    static const char *const n[] = {
        "Unknown",        "Completed",         "No Resources",       "Retransmit",
        "Not Acceptable", "Extension Failure", "Session Terminating"};
    return reason < AUS_ARRAY_LEN(n) ? n[reason] : "unassigned";
}

const char *aus_tcpcl_reject_name(unsigned reason)
{
    static const char *const n[] = {"unassigned", "Message Type Unknown", "Message Unsupported",
                                    "Message Unexpected"};
    return reason < AUS_ARRAY_LEN(n) ? n[reason] : "unassigned";
}
