/* SPDX-License-Identifier: Apache-2.0 */
/* The file uplink's file work (uplink.c): the satellite's aus_app_sat_ops up_* and the
 * ground's aus_app_ground_ops file_read, with ctx = the dmn_node. */
#ifndef AUS_DAEMON_UPLINK_H
#define AUS_DAEMON_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app.h"

aus_err dmn_up_write(void *ctx, uint64_t id, int first, uint64_t off, const uint8_t *p, size_t len);
aus_err dmn_up_hash(void *ctx, uint64_t id, uint64_t size, uint8_t sha256[32]);
aus_err dmn_up_place(void *ctx, uint64_t id, const aus_app_view *name);
void dmn_up_discard(void *ctx, uint64_t id);
aus_err dmn_up_read(void *ctx, const aus_app_view *local, uint64_t off, uint8_t *buf, size_t len,
                    char *why, size_t cap);
/* Ground, before submitting: the local file's size and SHA-256. 0, or -1 and a sentence. */
int dmn_up_local(const char *path, uint64_t *size, uint8_t sha256[32], char *why, size_t cap);
/* SHA-256 of the first size bytes of fd. 0 or -1. */
int dmn_sha256_fd(int fd, uint64_t size, uint8_t sha[32]);

#endif
