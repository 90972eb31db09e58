/* SPDX-License-Identifier: Apache-2.0 */
/* The lowest layer of the daemon: what links, the node's receive path and roles all use and
 * which calls none of them. Time and the flight log, the stores (owner open, layout version),
 * the agent's out-queue (dmn_agent_send: how a role hands an ADU to whatever link drains it),
 * rollbacks, and the node's doors to its link (status, health, EP PDUs: through n->link).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "australis/base.h"
#include "util.h"
#include "log.h"
#include "daemon.h"
#include "link.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/store_sqlite.h"

#define DTN_EPOCH_UNIX 946684800ull

uint64_t dmn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec - DTN_EPOCH_UNIX) * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int dmn_quiet;

/* Every flight-log line is escaped as a whole (DESIGN.md §5a): file names, command arguments
 * and peer text reach it through the format's arguments, so no byte of theirs may end the line
 * or forge another one. Control bytes, DEL, backslash and non-ASCII bytes become \\, \n, \t or
 * \xNN; a line longer than the buffer is cut and marked with "...". */
void dmn_log(const char *fmt, ...)
{
    if (dmn_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    aulog_v(AULOG_AUTO, fmt, ap); /* common/log.c: level, text/json/syslog, escaped as a whole */
    va_end(ap);
}

void dmn_note_error(dmn_node *n, const char *what, int e)
{
    snprintf(n->last_error, sizeof n->last_error, "%s: %s", what, aus_err_name(e));
}

/* The layout version of a store (docs/store.md): "meta/schema", u64 big-endian; a store without
 * it was written before the key existed (version 1). A version this binary does not know is
 * refused with a sentence: its records are never guessed at. */
int dmn_schema_check(const aus_store *s, const char *path, uint64_t *v)
{
    aus_err e = aus_store_get_u64(s, DMN_SCHEMA_KEY, v);
    if (e == AUS_E_NOTFOUND) {
        *v = 1;
        return 0;
    }
    if (e == AUS_OK && *v >= 1 && *v <= DMN_SCHEMA)
        return 0;
    if (e == AUS_OK)
        cli_err("store %s has layout version %llu, but this australis knows versions 1 to %u "
                "only: it was written by a newer release, so this one stops here rather than "
                "guess at its records (docs/store.md)",
                path, (unsigned long long)*v, DMN_SCHEMA);
    else
        cli_err("store %s: its layout version (%s) cannot be read: %s", path, DMN_SCHEMA_KEY,
                aus_err_str(e));
    return AUS_EXIT_ENV;
}

aus_err dmn_schema_mark(const aus_store *s)
{
    uint64_t v = 0;
    aus_err e = aus_store_get_u64(s, DMN_SCHEMA_KEY, &v);
    if (e == AUS_OK && v >= DMN_SCHEMA)
        return AUS_OK;
    return e == AUS_OK || e == AUS_E_NOTFOUND ? aus_store_put_u64(s, DMN_SCHEMA_KEY, DMN_SCHEMA)
                                              : e;
}

aus_err dmn_store_open(aus_store *s, const char *path)
{
    aus_err e = aus_store_sqlite_open_wait(s, path, DMN_LOCK_WAIT_MS);
    if (e == AUS_E_LOCKED)
        cli_err("store %s is owned by another process (pid %ld), e.g. a running daemon: its "
                "counters (IVs, sequence numbers) have one owner, so this process stops here",
                path, aus_store_sqlite_holder(path));
    else if (e != AUS_OK)
        cli_err("store %s: %s", path, aus_err_str(e));
    return e;
}
/* Key-management messages travel on the ep_service (docs/keys.md). */
int dmn_mgmt_type(uint32_t type) { return type == AUS_APP_REKEY_REQ || type == AUS_APP_REKEY_RESP; }

static int is_mgmt(const uint8_t *adu, size_t len)
{
    aus_app_msg m;
    return aus_app_decode(&m, adu, len) == AUS_OK && dmn_mgmt_type(m.type);
}

aus_err dmn_agent_send(dmn_node *n, const uint8_t *adu, size_t len, uint64_t now_ms)
{
    return aus_agent_send_to(&n->agent, is_mgmt(adu, len), adu, len, now_ms, NULL);
}

aus_err dmn_send_adu(dmn_node *n, const uint8_t *adu, size_t len)
{
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = dmn_agent_send(n, adu, len, dmn_now_ms());
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
    }
    return e;
}
void dmn_reset(dmn_node *n)
{
    /* after a rollback the in-memory counters and window may be ahead of the store */
    if (aus_agent_reload(&n->agent) != AUS_OK || aus_agent_seal_reload(&n->seal) != AUS_OK)
        dmn_log("cannot reload counters from the store");
}

void dmn_rollback(dmn_node *n)
{
    (void)n->store.ops->rollback(n->store.self);
    dmn_reset(n);
}

/* ---- the node's doors to its link (n->link: NULL before dmn_open chose it) ---- */
size_t dmn_link_health(dmn_node *n, aus_app_kv *kv, size_t cap)
{
    return n->link && n->link->health ? n->link->health(n, kv, cap) : 0;
}

void dmn_link_status(dmn_node *n, cJSON *o)
{
    if (n->link && n->link->status)
        n->link->status(n, o);
}

aus_err dmn_send_ep(dmn_node *n, const uint8_t *pdu, size_t len)
{
    AUS_ENSURE(n->link && n->link->ep_send, AUS_E_STATE);
    return n->link->ep_send(n, pdu, len);
}

int dmn_link_has_ep(const dmn_node *n) { return n->link && n->link->ep_send; }

void dmn_recover(dmn_node *n, const char *what, aus_err e)
{
    dmn_rollback(n);
    dmn_note_error(n, what, e);
    if (n->link && n->link->recover)
        n->link->recover(n, what, e);
}
