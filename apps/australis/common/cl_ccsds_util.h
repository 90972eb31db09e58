/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the daemons running `link = ccsds` (apps side of src/cl/cl_ccsds*.c). */
#ifndef AUS_CL_CCSDS_UTIL_H
#define AUS_CL_CCSDS_UTIL_H

#include <stddef.h>

#include "australis/app.h"
#include "australis/cl_ccsds.h"

/* Append the satellite's main link counters and FARM-1 state to a telemetry report (16
 * "ccsds_*" entries, names in static storage: the report holds AUS_APP_MAX_KV in all).
 * Returns the number of entries written (at most cap). */
size_t cl_ccsds_health(const aus_cl_ccsds_stats *s, aus_app_kv *kv, size_t cap);
/* The same as one JSON object (for `australis status`). Returns the length written (without
 * the NUL), or -1 when cap is too small. */
int cl_ccsds_stats_json(const aus_cl_ccsds_stats *s, char *out, size_t cap);
/* Map the daemon's [link] keys onto a layer configuration (role 0 ground, 1 sat);
 * ep_spi = tc_spi. Returns 0, or -1 when a value is out of range. */
int cl_ccsds_cfg_from_link(aus_cl_ccsds_cfg *cfg, int role_sat, unsigned long long scid,
                           unsigned long long tm_vcid, unsigned long long tc_vcid,
                           unsigned long long tm_spi, unsigned long long tc_spi,
                           unsigned long long tm_frame_len);
/* [link] tc_segment_header: whether the TC VC carries the segment header (CCSDS 232.0
 * §4.1.3.1, a managed parameter of the VC; both ends must agree). */
void cl_ccsds_cfg_seg_hdr(aus_cl_ccsds_cfg *cfg, int present);

#endif
