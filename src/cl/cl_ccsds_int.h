/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interface between the CCSDS convergence layer's files (not installed). */
#ifndef AUS_CL_CCSDS_INT_H
#define AUS_CL_CCSDS_INT_H

#include "australis/cl_ccsds.h"

/* Queue unit kinds. */
#define CLC_BUNDLE 1u
#define CLC_EP 2u
#define CLC_UNIT_HDR 5u /* kind(1) len(4) */

/* cl_ccsds.c: the head unit of the queue (kind, bytes, length); false when empty. */
bool clc_q_head(const aus_cl_ccsds *c, uint8_t *kind, const uint8_t **p, size_t *n);
/* Drop the head unit (fully framed). */
void clc_q_pop(aus_cl_ccsds *c);
/* Save everything (own transaction when the caller has none). */
AUS_MUST_USE aus_err clc_save(aus_cl_ccsds *c);
/* Load the persisted state (after the contexts are initialised). */
AUS_MUST_USE aus_err clc_load(aus_cl_ccsds *c);
/* SDLS refusal -> counter. */
void clc_count_sdls(aus_cl_ccsds *c, aus_err e);

/* cl_ccsds_up.c */
AUS_MUST_USE aus_err clc_up_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now,
                                size_t *len);
void clc_up_in(aus_cl_ccsds *c, uint8_t *in, size_t len, uint64_t now);
/* Feed the packets of an accepted FDU / TM packet to reassembly and the callbacks. */
void clc_deliver_packet(aus_cl_ccsds *c, const uint8_t *p, size_t n, uint16_t spi);
/* Ground: a CLCW arrived. */
void clc_on_clcw(aus_cl_ccsds *c, const aus_clcw *w, uint64_t now);

/* cl_ccsds_down.c */
AUS_MUST_USE aus_err clc_down_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now,
                                  size_t *len);
void clc_down_in(aus_cl_ccsds *c, uint8_t *in, size_t len, uint64_t now);
void clc_tm_on_packet(void *user, unsigned vcid, const uint8_t *pkt, size_t len);

#endif
