/* SPDX-License-Identifier: Apache-2.0 */
/* Defence in depth for the daemon (docs/sandbox.md): after start-up the process drops to a
 * configured user, sets PR_SET_NO_NEW_PRIVS, forbids core dumps, confines its file system view
 * with Landlock and its system calls with a seccomp-bpf allow-list. exec.NAME scripts run through
 * a launcher forked before any key is loaded, with its own policy.
 *
 * Order in `australis run`: dmn_config_load -> dmn_sandbox_launcher_start -> dmn_open (keys;
 * then dmn_sandbox_confine before the link's open) -> ops, role start -> dmn_sandbox_apply ->
 * the loop. */
#ifndef AUS_DMN_SANDBOX_H
#define AUS_DMN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app.h"
#include "australis/err.h"

/* [sandbox] keys (zero = the defaults: everything on, no user change, not strict). */
typedef struct dmn_sandbox_cfg {
    int off;                 /* enabled = no */
    int strict;              /* strict = yes: refuse to run when a protection cannot be applied */
    int ground_off;          /* ground = no: leave the ground daemon without any of this */
    int ground_files;        /* ground_files = yes: Landlock's file rules on the ground too */
    char user[64];           /* user = NAME | UID[:GID] (applied only when started as root) */
    char allow_read[4][256]; /* read = PATH (repeatable, up to 4): more read-only paths */
    size_t nallow;
} dmn_sandbox_cfg;

struct dmn_node;
struct dmn_config;
struct dmn_exec;

/* One [sandbox] key. Returns 0, or -1 after printing "australis: FILE:LINE: sentence". */
int dmn_sandbox_config(dmn_sandbox_cfg *s, const char *file, int line, const char *key,
                       const char *val);

/* Forks the exec launcher (satellite with exec.NAME scripts and the sandbox on). Call before
 * any key is loaded: the launcher's memory is a copy of the process at this moment. Returns a
 * CLI exit code (0, or 3 when strict and the launcher cannot start). */
int dmn_sandbox_launcher_start(const struct dmn_config *cfg);

/* A daemon that runs threads (a satellite on link = tcpcl/udpcl, any ground: the carriers, the
 * HTTP API): user, no_new_privs, no-dump and Landlock now, before the first thread starts (a
 * Landlock domain binds the calling thread and its later threads only). No-op for a satellite
 * on the folder or ccsds link (all is done in dmn_sandbox_apply), for CLI clients (only after
 * dmn_sandbox_launcher_start) and when the sandbox is off. Returns a CLI exit code. */
int dmn_sandbox_confine(struct dmn_node *n);

/* Applies every protection the kernel allows and logs one line naming what is active and what
 * is not (the banner's "sandbox:" line). Returns a CLI exit code: 3 when strict and something is
 * missing, or when the user change fails. */
int dmn_sandbox_apply(struct dmn_node *n);

/* "seccomp nnp nodump landlock(abi 6) user=nobody launcher" or "off": what is active now. */
const char *dmn_sandbox_summary(void);

/* What was asked for and is not active ("" when nothing is missing). */
const char *dmn_sandbox_missing(void);

/* Telemetry points (sandbox, sandbox_missing) for the health report; returns how many. */
size_t dmn_sandbox_health(aus_app_kv *kv, size_t cap);

/* 1 when exec.NAME scripts must go through the launcher (dmn_sandbox_exec). */
int dmn_sandbox_has_launcher(void);

/* Runs script x (its index in cfg.exec, checked by the launcher against its own copy of the
 * config) with argv[1..argc-1] through the launcher: output up to cap bytes into out, the exit
 * code (or -signal, -9 after timeout_s) into *code. Errors: AUS_E_IO (launcher gone). */
aus_err dmn_sandbox_exec(size_t index, char *const argv[], size_t argc, uint64_t timeout_s,
                         uint8_t *out, size_t cap, size_t *outlen, int64_t *code);

#endif
