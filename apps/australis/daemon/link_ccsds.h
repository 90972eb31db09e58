/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' radio-path profile `link = ccsds` (docs/cl_ccsds.md): bundles through the CCSDS
 * convergence layer (include/australis/cl_ccsds.h) instead of one file per bundle.
 * link_ccsds.c implements dmn_link_ccsds (link.h); here: what config.c and the client use. */
#ifndef AUS_DAEMON_LINK_CCSDS_H
#define AUS_DAEMON_LINK_CCSDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "daemon.h"

/* Key id of the frame-layer SDLS key ([keys] sdls_key_file) in the keystore: outside the OTAR
 * (0x4000..) and PQ rekey (0x0102.., +2 per rekey) ranges. */
#define DMN_SDLS_KEY_ID 0x3F00u

/* Config check for link = ccsds: NULL when fine, else the rest of a sentence about *key. */
const char *dmn_link_ccsds_check(const dmn_config *c, const char **key);
/* The "ccsds" object of a status reply, human-readable (the client). */
void dmn_link_ccsds_print(const cJSON *c);

#endif
