/* The folder link's file I/O (port/posix): one bundle per file (issue 8 §2).
 *
 * Writer: NAME.tmp is written and fsynced, renamed to NAME in the outgoing folder, then the
 * folder is fsynced; a reader never sees a partial file and a file that is visible survives
 * a crash. Reader: lists the incoming folder in aus_cl_folder_cmp order, reads a file without
 * following symlinks and with a size bound, and after the caller has recorded the file's effect
 * durably, removes it (and fsyncs the folder) or moves it into the quarantine folder.
 * Names follow include/australis/cl.h.
 */
#ifndef AUS_FOLDER_LINK_H
#define AUS_FOLDER_LINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct aus_fl {
    char in[512], out[512], quar[512];
    int in_fd, out_fd, quar_fd; /* directory fds (for fsync and *at calls) */
    int fsync_on;               /* 0: no fsync at all (benchmarks' baseline only) */
    size_t max_file;            /* larger files are quarantined unread */
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
/* Durable write of n files with one file-system sync and one folder fsync (fsync batching).
 * All or nothing visible per file: each is renamed only after the sync. 0 or -1. */
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
/* Move an incoming file into quarantine (unique name there), fsync both folders. 0 or -1. */
int aus_fl_quarantine(aus_fl *fl, const char *name);

#endif
