/* SPDX-License-Identifier: Apache-2.0 */
/* The folder link's file I/O (port/posix): one bundle per file (DESIGN.md §9).
 *
 * Writer: NAME.tmp is written and fsynced, renamed to NAME in the outgoing folder, then the
 * folder is fsynced (or a batch: all written, one syncfs, all renamed, one folder fsync); a reader never sees a partial file and a file that is visible survives
 * a crash. Reader: lists the incoming folder in aus_cl_folder_cmp order, reads a file without
 * following symlinks and with a size bound, and after the caller has recorded the file's effect
 * durably, removes it (and fsyncs the folder) or moves it into the quarantine folder, which
 * is bounded in files and bytes (oldest dropped first) and keeps a record of every refusal
 * (DESIGN.md §5a). Names follow include/australis/cl.h.
 */
#ifndef AUS_FOLDER_LINK_H
#define AUS_FOLDER_LINK_H

#include <stddef.h>
#include <stdint.h>

/* Quarantine bounds (docs/daemon.md, [folders] quarantine_max_*): defaults and the INDEX. */
#define AUS_FL_QUAR_MAX_FILES 10000u
#define AUS_FL_QUAR_MAX_BYTES ((uint64_t)64 << 20)
#define AUS_FL_INDEX_MAX ((uint64_t)1 << 20) /* INDEX is rotated to INDEX.1 beyond this */
#define AUS_FL_IGNORE_MAX 1024u              /* entries that could neither move nor go */
#define AUS_FL_QPREFIX_MAX 48u               /* bytes of the original name in a quarantine name */

typedef struct aus_fl_qfile {
    char *name; /* malloc'd; oldest first in aus_fl.q */
    uint64_t size;
} aus_fl_qfile;

/* What the quarantine holds and has done. refused, dropped*, unkept survive restarts (read
 * back from the last INDEX record); files and bytes are what the folder holds now. */
typedef struct aus_fl_qstats {
    uint64_t files, bytes;
    uint64_t refused;       /* refusals recorded in INDEX (kept, removed or left) */
    uint64_t dropped;       /* older quarantined files deleted to keep the bounds */
    uint64_t dropped_bytes; /* ... and their bytes */
    uint64_t unkept;        /* refused entries not kept: removed unread, or left in place */
} aus_fl_qstats;

typedef struct aus_fl {
    char in[512], out[512], quar[512];
    int in_fd, out_fd, quar_fd; /* directory fds (for fsync and *at calls) */
    int fsync_on;               /* 0: no fsync at all (benchmarks' baseline only) */
    size_t max_file;            /* larger files are quarantined unread */
    /* quarantine (folder_quarantine.c): files held, oldest first, and their bounds */
    uint64_t qmax_files, qmax_bytes, index_max;
    aus_fl_qfile *q;
    size_t qhead, qn, qcap; /* live entries: q[qhead .. qn) */
    aus_fl_qstats qs;
    unsigned long qctr; /* makes quarantine names unique within one time stamp */
    int index_fd;       /* quarantine/INDEX, O_APPEND */
    uint64_t index_size;
    /* incoming entries that could neither be moved nor removed: not listed again by this
     * process (a ring, so the oldest is forgotten first; it is then judged once more) */
    uint64_t in_dev;
    struct {
        uint64_t dev, ino;
    } ign[AUS_FL_IGNORE_MAX];
    size_t nign, ign_next;
} aus_fl;

/* Reasons a file cannot be read as a bundle (the file then goes to quarantine). */
typedef enum aus_fl_why {
    AUS_FL_OK = 0,
    AUS_FL_NOT_REGULAR = 1, /* symlink, directory, fifo, device */
    AUS_FL_TOO_BIG = 2,
    AUS_FL_EMPTY = 3,
    AUS_FL_GONE = 4, /* vanished between list and open (someone else took it) */
    AUS_FL_IOERR = 5,
} aus_fl_why;

const char *aus_fl_why_str(aus_fl_why w);

/* Create the folders if needed (mode 0700) and open them. Any dir may be NULL (unused).
 * Returns 0, or -1 with errno. */
int aus_fl_open(aus_fl *fl, const char *in, const char *out, const char *quar, int fsync_on,
                size_t max_file);
void aus_fl_close(aus_fl *fl);

/* Durable write of one file into the outgoing folder. 0 or -1 (errno). */
int aus_fl_write(aus_fl *fl, const char *name, const uint8_t *p, size_t n);
/* Durable write of n files as one group commit: all written as temporaries, their data synced
 * (one syncfs; fdatasync for a single file), then all renamed, then one folder fsync. A file is
 * visible only after its data is durable; the caller releases the batch only on 0. 0 or -1. */
int aus_fl_write_batch(aus_fl *fl, const char *const *names, const uint8_t *const *bufs,
                       const size_t *lens, size_t n);

/* Names in the incoming folder that a reader should take, sorted; *names malloc'd (free with
 * aus_fl_free_list). Returns the count or -1. At most max names (0: no bound). */
long aus_fl_list(aus_fl *fl, char ***names, size_t max);
void aus_fl_free_list(char **names, long n);
/* Count of files waiting (takeable) in a folder path; -1 on error. */
long aus_fl_count(const char *dir);

/* Read one incoming file; *buf malloc'd. */
aus_fl_why aus_fl_read(aus_fl *fl, const char *name, uint8_t **buf, size_t *len);
/* Remove a processed incoming file and fsync the folder. 0 or -1. */
int aus_fl_remove(aus_fl *fl, const char *name);
/* Quarantine (port/posix/folder_quarantine.c). An incoming entry that cannot be taken is
 * refused: one record in quarantine/INDEX (UTC time, what happened, size, reason, the full
 * original name escaped; rotated to INDEX.1 beyond index_max bytes), then
 *  - a regular file no larger than the byte bound is moved into the quarantine under a name of
 *    at most 1+20+1+9+1+20+1+AUS_FL_QPREFIX_MAX bytes (time, counter, a sanitised prefix of the
 *    original name: never beyond NAME_MAX, never chosen by the sender) -> AUS_FLQ_KEPT;
 *    then the oldest quarantined files are deleted until the folder holds at most qmax_files
 *    files and qmax_bytes bytes (each one an INDEX record "dropped" and a count);
 *  - anything else (a symbolic link, FIFO, device, socket, empty directory, a file larger than
 *    the whole byte bound or with several hard links, or a file the rename failed for) is
 *    removed unread -> AUS_FLQ_REMOVED;
 *  - what can neither be moved nor removed (a non-empty directory, a read-only folder) is left
 *    in place and remembered by (dev, ino), so aus_fl_list does not offer it again to this
 *    process -> AUS_FLQ_LEFT.
 * reason: why it was refused (escaped into INDEX). Never retried forever, never beyond the
 * bounds. With no quarantine folder the entry is removed (aus_fl_remove). */
typedef enum aus_flq {
    AUS_FLQ_GONE = 0, /* vanished meanwhile (someone else took it): nothing recorded */
    AUS_FLQ_KEPT = 1,
    AUS_FLQ_REMOVED = 2,
    AUS_FLQ_LEFT = 3,
} aus_flq;
typedef struct aus_flq_out {
    aus_flq what;
    char as[1 + 20 + 1 + 9 + 1 + 20 + 1 + AUS_FL_QPREFIX_MAX + 1]; /* name in quarantine */
    uint64_t size;
    int err;                         /* errno of the failed rename / removal, else 0 */
    uint64_t dropped, dropped_bytes; /* older files deleted by this call to keep the bounds */
} aus_flq_out;
/* Returns 0, or -1 (errno) if the folder could not even be examined; out may be NULL. */
int aus_fl_refuse(aus_fl *fl, const char *name, const char *reason, aus_flq_out *out);
/* aus_fl_refuse with the reason "refused". 0 or -1. */
int aus_fl_quarantine(aus_fl *fl, const char *name);
/* Set the bounds (0 files: keep no file, the INDEX records only) and enforce them at once
 * (a lowered bound drops the oldest now). Returns the number of files dropped. */
uint64_t aus_fl_quar_bounds(aus_fl *fl, uint64_t max_files, uint64_t max_bytes);
/* Scan the quarantine folder (files held, oldest first), open INDEX and read the counters
 * back from its last record. Called by aus_fl_open. 0 or -1 (errno). */
int aus_fl_quar_open(aus_fl *fl);
void aus_fl_quar_close(aus_fl *fl);
/* 1 if (dev, ino) is an entry the quarantine had to leave in place (aus_fl_list skips it). */
int aus_fl_ignored(const aus_fl *fl, uint64_t dev, uint64_t ino);

#endif
