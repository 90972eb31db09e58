/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the daemons running `link = ccsds`: configuration from the [link] keys, the
 * link counters in the telemetry report and in `australis status`. The bit-error channel of
 * `australis pass --bit-errors RATE` is aus_cl_ccsds_flip_bits() in the core (cl_ccsds.h). */
#include <stdio.h>
#include <string.h>

#include "cl_ccsds_util.h"

typedef struct stat_field {
    const char *name;
    size_t off;
    int width; /* 8 = uint64_t, 4 = uint32_t, 1 = uint8_t */
} stat_field;

#define F64(x)                                                                                     \
    {                                                                                              \
        "ccsds_" #x, offsetof(aus_cl_ccsds_stats, x), 8                                            \
    }
#define F32(x)                                                                                     \
    {                                                                                              \
        "ccsds_" #x, offsetof(aus_cl_ccsds_stats, x), 4                                            \
    }
#define F8(x)                                                                                      \
    {                                                                                              \
        "ccsds_" #x, offsetof(aus_cl_ccsds_stats, x), 1                                            \
    }

static const stat_field fields[] = {
    F64(cltu_tx),      F64(tc_ad_tx),
    F64(tc_ad_retx),   F64(tc_bc_tx),
    F64(up_bytes_tx),  F64(cltu_rx),
    F64(cltu_bad),     F64(bch_corrected),
    F64(tc_rx),        F64(tc_bad),
    F64(tc_other_vc),  F64(farm_accept),
    F64(farm_discard), F64(bc_rx),
    F64(bd_rx),        F64(tm_tx),
    F64(tm_idle_tx),   F64(down_bytes_tx),
    F64(cadu_rx),      F64(cadu_sync_slips),
    F64(cadu_fec),     F64(rs_corrected),
    F64(tm_rx),        F64(tm_bad),
    F64(tm_idle_rx),   F64(mc_lost),
    F64(vc_lost),      F64(partial_dropped),
    F64(sdls_ok),      F64(sdls_auth),
    F64(sdls_replay),  F64(sdls_spi),
    F64(sdls_other),   F64(bundles_tx),
    F64(bundles_rx),   F64(ep_tx),
    F64(ep_rx),        F64(pkt_bad),
    F64(sdu_lost),     F64(queued_items),
    F64(queued_bytes), F8(fop_state),
    F8(farm_state),    F8(vs),
    F8(nnr),           F8(vr),
    F8(outstanding),   F32(clcw),
    F32(fop_alerts),   F32(fop_resyncs),
    F32(unlocks),
};

static long long field_value(const aus_cl_ccsds_stats *s, const stat_field *f)
{
    const unsigned char *p = (const unsigned char *)s + f->off;
    if (f->width == 8) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return (long long)v;
    }
    if (f->width == 4) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return (long long)v;
    }
    return (long long)*p;
}

/* The telemetry report holds at most AUS_APP_MAX_KV entries in all: the satellite's link in
 * 16 of them (the full set is in `australis status`). */
static const char *const health_names[] = {
    "ccsds_cltu_rx",     "ccsds_cltu_bad",     "ccsds_bch_corrected", "ccsds_tc_bad",
    "ccsds_farm_accept", "ccsds_farm_discard", "ccsds_sdls_ok",       "ccsds_sdls_auth",
    "ccsds_sdls_replay", "ccsds_sdls_spi",     "ccsds_tm_tx",         "ccsds_bundles_rx",
    "ccsds_bundles_tx",  "ccsds_ep_rx",        "ccsds_farm_state",    "ccsds_vr",
};

static const stat_field *field_named(const char *name)
{
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

size_t cl_ccsds_health(const aus_cl_ccsds_stats *s, aus_app_kv *kv, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof health_names / sizeof health_names[0] && n < cap; i++) {
        const stat_field *f = field_named(health_names[i]);
        if (f == NULL)
            continue;
        memset(&kv[n], 0, sizeof kv[n]);
        kv[n].name = (aus_app_view){(const uint8_t *)f->name, strlen(f->name)};
        kv[n].num = (int64_t)field_value(s, f);
        n++;
    }
    return n;
}

int cl_ccsds_stats_json(const aus_cl_ccsds_stats *s, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i <= sizeof fields / sizeof fields[0]; i++) {
        int k;
        if (i == sizeof fields / sizeof fields[0])
            k = snprintf(out + len, cap - len, "}");
        else
            k = snprintf(out + len, cap - len, "%s\"%s\":%lld", i ? "," : "{", fields[i].name + 6,
                         field_value(s, &fields[i]));
        if (k < 0 || (size_t)k >= cap - len)
            return -1;
        len += (size_t)k;
    }
    return (int)len;
}

int cl_ccsds_cfg_from_link(aus_cl_ccsds_cfg *cfg, int role_sat, unsigned long long scid,
                           unsigned long long tm_vcid, unsigned long long tc_vcid,
                           unsigned long long tm_spi, unsigned long long tc_spi,
                           unsigned long long tm_frame_len)
{
    if (scid > 1023 || tm_vcid > 6 || tc_vcid > 63 || tm_spi > 65535 || tc_spi > 65535 ||
        tm_frame_len < 7 || tm_frame_len > AUS_TM_FRAME_MAX)
        return -1;
    aus_cl_ccsds_cfg_default(cfg, role_sat ? AUS_CL_CCSDS_SAT : AUS_CL_CCSDS_GROUND);
    cfg->scid = (uint16_t)scid;
    cfg->tm_vcid = (uint8_t)tm_vcid;
    cfg->tc_vcid = (uint8_t)tc_vcid;
    cfg->tm_spi = (uint16_t)tm_spi;
    cfg->tc_spi = cfg->ep_spi = (uint16_t)tc_spi;
    cfg->tm_frame_len = (uint16_t)tm_frame_len;
    return 0;
}

void cl_ccsds_cfg_seg_hdr(aus_cl_ccsds_cfg *cfg, int present)
{
    /* without it there are no MAPs: EP PDUs go as Space Packets on apid_ep (cl_ccsds_up.c) */
    cfg->tc_no_seg_hdr = !present;
}
