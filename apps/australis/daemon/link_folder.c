/* SPDX-License-Identifier: Apache-2.0 */
/* link = folder (DESIGN.md §9, the folder link): one bundle per file.
 *
 * Receive (one file), each step durable before the next:
 *   read file -> agent verify (nothing written) -> BEGIN; replay mark + effect + responses
 *   queued; COMMIT -> [external command: run; BEGIN; result + response; COMMIT] -> delete file.
 * A crash before COMMIT leaves the file to be processed again (nothing happened); after COMMIT
 * the file comes back as a replay and is quarantined (its effect is already recorded).
 * Send: each queued bundle is written to the outgoing folder (tmp, fsync, rename, dir fsync)
 * under a name made from its sequence number (reserved in the store before use, so names
 * never collide), and only then removed from the store queue.
 *
 * The link's state (folder_link) lives in n->link_state; the folders themselves (n->fl) are the
 * node's, opened by dmn_open, as the ccsds link writes its pass files through them too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "australis/base.h"
#include "australis/cl.h"
#include "util.h"
#include "daemon.h"
#include "link.h"
#include "ops_hooks.h"

#define OUT_BATCH 256
/* A batch also ends once it holds this many bytes: its bundles are read one after the other
 * into one buffer (room for one more largest bundle past the mark), so the memory a batch
 * touches is the bytes it carries, not a page or two per slot of a 70 kB buffer each (a deep
 * queue of small bundles kept ~2 MB resident; docs/flight.md: the 8 MB budget). */
#define OUT_BATCH_BYTES (1024u * 1024u)

typedef struct folder_link {
    char poison[256]; /* a file whose authentic message the handler refused (this scan) */
    uint8_t *arena;   /* OUT_BATCH_BYTES + AUS_AGENT_BUNDLE_MAX, allocated at the first send */
    size_t lens[OUT_BATCH];
    char keys[OUT_BATCH][AUS_STORE_KEY_MAX], names[OUT_BATCH][AUS_CL_NAME_MAX];
} folder_link;

/* A file that cannot be taken: one log line, one quarantine/INDEX record (time, size, reason,
 * full name escaped), and the file kept in the bounded quarantine (the oldest dropped to make
 * room), removed unread, or, if it can be neither moved nor removed, left in place and never
 * offered to this process again (port/posix/folder_quarantine.c). Never read again. */
static void quarantine(dmn_node *n, const char *name, const char *why)
{
    aus_flq_out q;
    n->quarantined++;
    if (aus_fl_refuse(&n->fl, name, why, &q) != 0) {
        dmn_log("quarantine %s: %s; cannot examine it: %s", name, why, strerror(errno));
        return;
    }
    const aus_fl_qstats *s = &n->fl.qs;
    char drop[200] = "";
    if (q.dropped)
        snprintf(drop, sizeof drop,
                 " (quarantine full: dropped the %llu oldest file(s), %llu bytes; %llu dropped in "
                 "all; bounds %llu files, %llu bytes)",
                 (unsigned long long)q.dropped, (unsigned long long)q.dropped_bytes,
                 (unsigned long long)s->dropped, (unsigned long long)n->fl.qmax_files,
                 (unsigned long long)n->fl.qmax_bytes);
    switch (q.what) {
    case AUS_FLQ_GONE: dmn_log("quarantine %s: %s (it vanished meanwhile)", name, why); break;
    case AUS_FLQ_KEPT: dmn_log("quarantine %s: %s%s", name, why, drop); break;
    case AUS_FLQ_REMOVED:
        dmn_log("quarantine %s: %s; removed unread (not kept, recorded in INDEX)", name, why);
        break;
    case AUS_FLQ_LEFT:
        dmn_log("quarantine %s: %s; can be neither moved nor removed (%s): left in place, not "
                "read again by this process",
                name, why, strerror(q.err));
        break;
    }
}
/* ---- receive: files are taken in batches of up to BATCH_MAX under ONE store transaction ----
 * Every effect, seen-mark and reply of the batch commits together; only then are the files
 * deleted (one folder fsync for the batch). A crash before the commit repeats the whole batch
 * from scratch (nothing of it happened); after it, the files come back as replays. An external
 * command (exec, capture) closes the batch: its "started" mark must be durable before it runs. */
#define BATCH_MAX 64

typedef struct batch {
    char *done[BATCH_MAX]; /* files whose effect is in the open transaction */
    size_t n;
    int open;
} batch;

static int batch_begin(dmn_node *n, batch *b)
{
    if (b->open)
        return 0;
    if (n->store.ops->begin(n->store.self) != AUS_OK)
        return -1;
    b->open = 1;
    if (n->cfg.batch_on)
        dmn_ops_group(n, 1); /* the ground's archive records of the batch: one commit */
    return 0;
}

/* Commit and delete the batch's files. Returns 0, or -1 (rolled back: files stay). */
static int batch_commit(dmn_node *n, batch *b)
{
    if (!b->open)
        return 0;
    b->open = 0;
    dmn_ops_group(n, 0); /* the archive first, as with one record at a time */
    aus_err e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        dmn_rollback(n);
        dmn_note_error(n, "commit", e);
        dmn_log("store commit failed (%s): %zu file(s) will be processed again", aus_err_name(e),
                b->n);
        b->n = 0;
        return -1;
    }
    for (size_t i = 0; i < b->n; i++)
        if (unlinkat(n->fl.in_fd, b->done[i], 0) != 0 && errno != ENOENT)
            dmn_log("cannot remove %s: %s", b->done[i], strerror(errno));
    if (b->n && n->cfg.fsync_on && fsync(n->fl.in_fd) != 0)
        dmn_log("cannot sync %s: %s", n->cfg.incoming, strerror(errno));
    n->processed += b->n;
    b->n = 0;
    return 0;
}

static void batch_abort(dmn_node *n, batch *b)
{
    dmn_ops_group(n, 0); /* records already made stay, as they did one commit each */
    if (b->open)
        dmn_rollback(n);
    b->open = 0;
    b->n = 0;
}

/* One verified bundle inside the batch's transaction. Returns 0 (applied), 1 (authentic but
 * its ADU is junk: seen-mark only, quarantine), -1 (store failure: abort the batch, retry
 * later), -2 (the handler refused it or failed: abort the batch, then treat this file as
 * junk). A handler fails a request it cannot complete itself (answered, logged) and returns
 * AUS_OK; an error that reaches here is the store's or this bundle's, never the queue's. */
static int apply(dmn_node *n, batch *b, const char *name, const aus_agent_rx *rx, int *pending)
{
    folder_link *st = n->link_state;
    int junk = dmn_rx_junk(n, rx) || (st->poison[0] && !strcmp(st->poison, name));
    if (batch_begin(n, b) != 0)
        return -1;
    aus_err e = dmn_rx_apply(n, rx, junk, pending);
    if (e == AUS_OK)
        return junk;
    dmn_note_error(n, "apply", e);
    int store = e == AUS_E_IO || e == AUS_E_INTERNAL || e == AUS_E_CRYPTO || e == AUS_E_NOBUFS;
    if (store && junk) {
        dmn_log("store failure on %s (%s): the batch will be processed again", name,
                aus_err_name(e));
        return -1;
    }
    if (store) {
        /* The store's trouble, or this bundle's alone (a file its request writes, say)? The
         * batch is redone with this file as junk: if the store works, its seen-mark commits
         * and it is quarantined, so one bundle never holds the queue (DESIGN.md §5a); if the
         * store fails, that commit fails too and every file waits for the next scan. Losing
         * an authentic bundle is a loss on the link: the ground asks again. */
        dmn_log("%s could not be applied (%s): quarantined after the batch is redone, unless "
                "the store itself fails",
                name, aus_err_name(e));
        snprintf(st->poison, sizeof st->poison, "%s", name);
        return -2;
    }
    /* an authentic bundle whose message our handler refuses must not wedge the queue */
    dmn_log("%s refused (%s): quarantined after the batch is redone", name, aus_err_name(e));
    snprintf(st->poison, sizeof st->poison, "%s", name);
    return -2;
}

/* Returns 0 to go on, -1 to stop this scan (store trouble: retry later), -2 to scan again. */
static int take_file(dmn_node *n, batch *b, char *name)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    aus_fl_why why = aus_fl_read(&n->fl, name, &buf, &len);
    if (why == AUS_FL_GONE)
        return 0;
    if (why != AUS_FL_OK) {
        quarantine(n, name, aus_fl_why_str(why));
        return 0;
    }
    aus_agent_rx rx;
    aus_err e = aus_agent_recv(&n->agent, buf, len, dmn_now_ms(), &rx);
    if (e != AUS_OK) {
        char why2[160];
        snprintf(why2, sizeof why2, "%s (%s)", aus_err_str(e), aus_err_name(e));
        dmn_note_error(n, name, e);
        quarantine(n, name, why2);
        free(buf);
        return 0;
    }
    int pending = 0;
    int r = apply(n, b, name, &rx, &pending);
    free(buf);
    if (r < 0) {
        batch_abort(n, b);
        return r;
    }
    if (r == 1) {
        /* the seen-mark must be durable before the file leaves the folder */
        if (batch_commit(n, b) != 0)
            return -1;
        char del[128]; /* RFC 9171 §5.6: deleted on receipt (the agent withheld the ADU) */
        snprintf(del, sizeof del, "deleted on receipt: %s (reason %u), never delivered",
                 aus_bpv7_reason_str(rx.reason), rx.reason);
        quarantine(n, name,
                   rx.deleted ? del
                   : !strcmp(((folder_link *)n->link_state)->poison, name)
                       ? "authentic bundle that could not be applied (the line above says why)"
                       : "authentic bundle with an invalid application message");
        return 0;
    }
    b->done[b->n++] = name;
    if (pending || b->n == BATCH_MAX || !n->cfg.batch_on) {
        if (batch_commit(n, b) != 0)
            return -1;
        aus_err fe = pending ? dmn_rx_finish(n, &rx) : AUS_OK;
        if (fe != AUS_OK)
            dmn_note_error(n, "command result", fe);
    }
    return 0;
}

static long folder_incoming(dmn_node *n)
{
    folder_link *st = n->link_state;
    long total = 0;
    for (int scan = 0; scan < 8; scan++) {
        char **names;
        long cnt = aus_fl_list(&n->fl, &names, 0);
        if (cnt < 0) {
            dmn_log("cannot list %s: %s", n->cfg.incoming, strerror(errno));
            return -1;
        }
        batch b = {{0}, 0, 0};
        long i;
        int r = 0;
        for (i = 0; i < cnt && !(n->stop && *n->stop); i++)
            if ((r = take_file(n, &b, names[i])) != 0)
                break;
        (void)batch_commit(n, &b);
        aus_fl_free_list(names, cnt);
        total += i;
        if (r != -2)
            break; /* -2: a refused file; redo the scan with it marked as junk */
    }
    st->poison[0] = '\0';
    return total;
}

/* ---- send: every queued bundle is written with one file-system sync and one folder fsync,
 * then removed from the store queue in one transaction (a crash in between writes the same
 * files again under the same names; the receiver's replay window drops the copies). ---- */
static long folder_outgoing(dmn_node *n)
{
    folder_link *st = n->link_state;
    size_t *lens = st->lens;
    if (!st->arena && !(st->arena = malloc(OUT_BATCH_BYTES + AUS_AGENT_BUNDLE_MAX)))
        return -1;
    char(*keys)[AUS_STORE_KEY_MAX] = st->keys, (*names)[AUS_CL_NAME_MAX] = st->names;
    const char *np[OUT_BATCH];
    const uint8_t *bp[OUT_BATCH];
    long total = 0;
    for (;;) {
        size_t k = 0, cap = n->cfg.batch_on ? OUT_BATCH : 1;
        const char *after = "";
        size_t off = 0;
        while (k < cap && off <= OUT_BATCH_BYTES) {
            uint64_t seq = 0;
            aus_err e = aus_agent_out_next(&n->agent, after, keys[k], sizeof keys[k],
                                           st->arena + off, AUS_AGENT_BUNDLE_MAX, &lens[k], &seq);
            if (e == AUS_E_NOTFOUND)
                break;
            if (e == AUS_OK)
                e = aus_cl_folder_name(names[k], sizeof names[k], n->cfg.node, seq);
            if (e != AUS_OK) {
                dmn_note_error(n, "outgoing queue", e);
                return -1;
            }
            np[k] = names[k];
            bp[k] = st->arena + off;
            off += lens[k];
            after = keys[k];
            k++;
        }
        if (k == 0)
            break;
        if ((n->cfg.batch_on ? aus_fl_write_batch(&n->fl, np, bp, lens, k)
                             : aus_fl_write(&n->fl, np[0], bp[0], lens[0])) != 0) {
            dmn_log("cannot write to %s: %s", n->cfg.outgoing, strerror(errno));
            return -1;
        }
        aus_err e = n->store.ops->begin(n->store.self);
        for (size_t i = 0; i < k && e == AUS_OK; i++)
            e = aus_agent_out_done(&n->agent, keys[i]);
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            dmn_rollback(n);
            return -1;
        }
        total += (long)k;
        n->files_out += k;
    }
    return total;
}

static int folder_open(dmn_node *n)
{
    n->link_state = calloc(1, sizeof(folder_link));
    if (!n->link_state) {
        cli_err("folder link: out of memory");
        return AUS_EXIT_ENV;
    }
    return 0;
}

static void folder_close(dmn_node *n)
{
    folder_link *st = n->link_state;
    if (!st)
        return;
    free(st->arena);
    free(st);
    n->link_state = NULL;
}

const dmn_link_ops dmn_link_folder = {
    .name = "folder",
    .open = folder_open,
    .take_incoming = folder_incoming,
    .put_outgoing = folder_outgoing,
    .close = folder_close,
};
