/* SPDX-License-Identifier: Apache-2.0 */
/* The satellite's time-tagged commands (docs/daemon.md, "Time-tagged commands"): the ones whose
 * time has come are taken from the store by the application core (aus_app_sat_due) once per
 * loop. */
#include "australis/app.h"
#include "daemon.h"

/* One transaction, rolled back on error (then the counters are read again). */
static int sat_txn_end(dmn_node *n, aus_err e)
{
    if (e == AUS_OK && n->store.ops->commit(n->store.self) == AUS_OK)
        return 1;
    (void)n->store.ops->rollback(n->store.self);
    dmn_reset(n);
    return 0;
}

/* Time-tagged commands whose time has come (aus_app_sat_due), one transaction each: a
 * store-only one runs and is answered in it; an external one runs after its "started" mark
 * committed, in a second transaction (as an immediate external command does). */
void dmn_sat_timed(dmn_node *n)
{
    static uint8_t adu[AUS_APP_OUTPUT_MAX];
    for (int k = 0; k < 64; k++) {
        size_t len = 0;
        int pending = 0;
        if (n->store.ops->begin(n->store.self) != AUS_OK)
            return;
        long r = aus_app_sat_due(&n->sat, dmn_now_ms(), adu, sizeof adu, &len, &pending);
        if (r == 0) {
            (void)n->store.ops->rollback(n->store.self);
            return;
        }
        if (!sat_txn_end(n, r < 0 ? (aus_err)r : AUS_OK)) {
            dmn_log("timed commands: %s (tried again next loop)", aus_err_str((aus_err)r));
            return;
        }
        dmn_log("timed command: one due was taken%s", pending ? " (runs now)" : "");
        if (pending && n->store.ops->begin(n->store.self) == AUS_OK &&
            !sat_txn_end(n, aus_app_sat_finish(&n->sat, adu, len)))
            dmn_log("timed command: its run was not recorded (answered interrupted at restart)");
    }
}
