/* SPDX-License-Identifier: Apache-2.0 */
/* Every key the daemon builds in its stores (docs/store.md lists each one with its record):
 * built here and nowhere else in apps/, so the layout is read in one place. Each builder
 * returns k->s. A tenant has at most 24 bytes (config.c), so the longest key
 * ("lnk/<t>/ep/<2>/<16>", 49 bytes) fits AUS_STORE_KEY_MAX with room to spare. Numbers are fixed-width lowercase hex, so key order is numeric order.
 *
 * The core modules build their own keys under a prefix the daemon hands them
 * (dmn_key_area: "keys/<t>/", "sdls/<t>/", "clc/<t>/", "rk/<t>/", "ep/<t>/"), or from the
 * tenant (src/agent "ag/<t>/", src/app "app/<t>/" and "gr/<t>/"): docs/store.md names those.
 */
#ifndef AUS_DAEMON_STORE_KEYS_H
#define AUS_DAEMON_STORE_KEYS_H

#include <stdint.h>

#include "australis/store.h"

typedef struct dmn_key {
    char s[AUS_STORE_KEY_MAX];
} dmn_key;

/* "<area>/<tenant cut to 24 bytes>/": the prefix of a core module's keys (keys, sdls, clc, rk). */
const char *dmn_key_area(dmn_key *k, const char *area, const char *tenant);
/* "ep/<t>/": the EP board's prefix, at most 19 bytes: a tenant longer than 15 bytes becomes
 * "<first 6>-<FNV-1a 32 of the whole name, 8 hex>". */
const char *dmn_key_ep_area(dmn_key *k, const char *tenant);
/* "ep/<t>/kviv" (dmn_key_ep_area + "kviv"): the EP board's key-verification IV counter. */
const char *dmn_key_ep_kviv(dmn_key *k, const char *tenant);
/* "<t>kviv": the same counter in a store written before the "/" separator. */
const char *dmn_key_kviv_v0(dmn_key *k, const char *tenant);
/* "dmn/<t>/<what>": the sending-pair pointers (ek, ek_prev, ek_pend, ek_hold, hold_otar) and
 * the OTAR IV counter (otar_iv). */
const char *dmn_key_dmn(dmn_key *k, const char *tenant, const char *what);
/* "gr/<t>/<what>": the ground's run bookkeeping (lastrun). */
const char *dmn_key_gr(dmn_key *k, const char *tenant, const char *what);
/* "gr/<t>/<kind>/<hex>" of a layout-version-1 ground (kind req|resp|img|map|fail; hex as
 * found in the store); hex NULL: the kind's prefix "gr/<t>/<kind>/". */
const char *dmn_key_gr_v1(dmn_key *k, const char *tenant, const char *kind, const char *hex);
/* "lnk/<t>/<what>": a link's counters (file, dseq). */
const char *dmn_key_lnk(dmn_key *k, const char *tenant, const char *what);
/* "lnk/<t>/defer/<seq 16 hex>" (a command held until its pass commits); prefix_only: up to
 * and with the last "/". */
const char *dmn_key_lnk_defer(dmn_key *k, const char *tenant, uint64_t seq, int prefix_only);
/* "lnk/<t>/ep/<tag 2 hex>/<id 16 hex>" (an SA procedure's request waiting for its EP reply). */
const char *dmn_key_lnk_ep(dmn_key *k, const char *tenant, unsigned tag, uint64_t id,
                           int prefix_only);
/* "app/<t>/<what>" or, with_num, "app/<t>/<what>/<num 16 hex>": the satellite's tenant points
 * buffer (ptmeta, ptbatch, pt/<seq>; app_points.c). */
const char *dmn_key_app(dmn_key *k, const char *tenant, const char *what, uint64_t num,
                        int with_num);
/* "app/<t>/appcmd/<name cut to 40>" (a command a tenant program registered, app_api_srv.c);
 * name NULL: the prefix. */
const char *dmn_key_app_cmd(dmn_key *k, const char *tenant, const char *name);
/* "gr/<t>/pt/<batch 16 hex>": a tenant points batch the ground stored (app_points.c);
 * prefix_only: up to the last "/". */
const char *dmn_key_gr_pt(dmn_key *k, const char *tenant, uint64_t batch, int prefix_only);
/* "dict/<t>/ev/<request id 16 hex>/<point>": a limit event (dict_node.c); NULL when the point's
 * name does not fit a key. */
const char *dmn_key_dict_ev(dmn_key *k, const char *tenant, uint64_t request_id, const char *point);
/* "gw/<t>/seen/<node><ctime><seq, each 16 hex>": a terrestrial request carried (gateway.c). */
const char *dmn_key_gw_seen(dmn_key *k, const char *tenant, uint64_t node, uint64_t ctime,
                            uint64_t seq);
/* "gw/<t>/req/<id 16 hex>": a gateway request waiting for its answer; prefix_only: up to the
 * last "/". */
const char *dmn_key_gw_req(dmn_key *k, const char *tenant, uint64_t id, int prefix_only);

#endif
