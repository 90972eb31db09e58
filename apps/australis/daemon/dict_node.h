/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant dictionary in the daemons (docs/dictionary.md): `[node] dictionary = FILE`.
 * Ground: a command that breaks the dictionary is refused before anything is recorded or sent,
 * and each command request carries the command's definition hash; a telemetry value outside its
 * limits becomes an event (logged, stored under dict/<t>/ev/..., handed to the event hook).
 * Satellite: every command is checked again before it runs (an error answer otherwise), and a
 * request whose definition hash differs from ours is refused for that command only. */
#ifndef AUS_DAEMON_DICT_NODE_H
#define AUS_DAEMON_DICT_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app.h"
#include "australis/dict.h"

struct dmn_node;

/* Load cfg.dictionary (nothing when unset) into n->dict. A CLI exit code: 2 when the file is
 * malformed (a sentence names its line), 3 when it cannot be read. */
int dmn_dict_open(struct dmn_node *n);
void dmn_dict_close(struct dmn_node *n);
/* Load a dictionary a config names (relative to the config file's folder); NULL after a
 * sentence, *rc = 2 (malformed) or 3 (unreadable). For the CLI (`cmd --help`). */
struct dict_file *dmn_dict_load_path(const char *cfg_file, const char *dictionary, int *rc);
/* The loaded dictionary or NULL: iterate d->pts / d->cmds (the dashboard), aus_dict_find_cmd. */
const aus_dict *dmn_dict(const struct dmn_node *n);
/* A command's timeout in seconds from the dictionary, or dflt (the application interface). */
uint32_t dmn_dict_timeout(const struct dmn_node *n, const char *name, size_t len, uint32_t dflt);
/* Banner line: "Dictionary: FILE version V (P points, C commands)" or "Dictionary: none". */
void dmn_dict_banner(const struct dmn_node *n);

/* Ground, before a command (immediate or time-tagged) is recorded: 0 = accepted (a CMD gets m->defhash), -1 =
 * refused with one sentence in why naming the argument and the rule. */
int dmn_dict_ground_cmd(const struct dmn_node *n, aus_app_msg *m, char *why, size_t cap);
/* Satellite: the aus_app_sat check (ctx = the node). */
aus_err dmn_dict_sat_check(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap,
                           size_t *outlen);

/* Ground: a telemetry value out of its limits. */
typedef struct dmn_dict_event {
    const char *tenant;
    uint64_t request_id; /* the report's request id (0: none) */
    uint64_t time_ms;    /* DTN ms when the ground saw it */
    const char *point;
    const char *value; /* as text, escaped */
    const char *unit;
    aus_dict_level level; /* yellow or red (a value not of the point's type: red) */
    const char *why;      /* one sentence */
} dmn_dict_event;
typedef void (*dmn_dict_event_fn)(void *ctx, const dmn_dict_event *ev);
/* One hook per process (the operations archive): called for every event, after it is logged
 * and stored, inside the answer's transaction. NULL: none. */
void dmn_dict_set_event_hook(dmn_dict_event_fn fn, void *ctx);
/* Ground: every value of a TM report (or points from the application interface) against the
 * limits; events logged, stored (inside the caller's transaction) and handed to the hook.
 * Returns the number of events or a store error. */
long dmn_dict_tm_report(struct dmn_node *n, const aus_app_msg *m);
long dmn_dict_point(struct dmn_node *n, uint64_t request_id, const aus_app_kv *kv);

#endif
