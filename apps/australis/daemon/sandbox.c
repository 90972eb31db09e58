/* SPDX-License-Identifier: Apache-2.0 */
/* Defence in depth for the daemon: user, no_new_privs, no core dumps, Landlock, seccomp-bpf,
 * and the pre-forked exec launcher (docs/sandbox.md has the policy and the syscall list's
 * reasons; sandbox.h the order of calls).
 *
 * Everything here is best effort by default and says what it could not do: a kernel without
 * Landlock, or qemu-user (which refuses seccomp filters for its guest), still runs the daemon,
 * and the banner line and the telemetry report name what is missing. [sandbox] strict = yes
 * turns any missing protection into a refusal to start. */
#define _GNU_SOURCE /* pipe2, setresuid, setresgid, close_range */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#if defined(__SANITIZE_ADDRESS__)
#define SBX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_SANITIZER 1
#endif
#endif
#ifndef SBX_SANITIZER
#define SBX_SANITIZER 0
#endif

/* Landlock rights newer than the build machine's header (linux/landlock.h of Linux 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define SBX_LL_NET_BIND_TCP (1ULL << 0)
#define SBX_LL_NET_CONNECT_TCP (1ULL << 1)
#define SBX_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SBX_LL_SCOPE_SIGNAL (1ULL << 1)

typedef struct sbx_ll_attr { /* struct landlock_ruleset_attr as of ABI 6 */
    uint64_t handled_access_fs, handled_access_net, scoped;
} sbx_ll_attr;

static char summary[256] = "off";
static char missing[256] = "";
static int launcher_fd = -1;
static int launcher_lost; /* the launcher died: scripts are answered as failed, never forked here */
static pid_t launcher_pid = -1;

/* ---- configuration ---- */

static void add_word(char *buf, size_t cap, const char *w)
{
    size_t at = strlen(buf);
    snprintf(buf + at, cap - at, "%s%s", at ? " " : "", w);
}

/* ---- the user ---- */

/* "NAME" (looked up in /etc/passwd by hand: a static binary has no NSS), "UID" or "UID:GID". */
static int resolve_user(const char *u, uid_t *uid, gid_t *gid)
{
    char *end;
    if (u[0] >= '0' && u[0] <= '9') {
        unsigned long a = strtoul(u, &end, 10), g = a;
        if (*end == ':')
            g = strtoul(end + 1, &end, 10);
        if (*end || a > 0x7fffffffUL || g > 0x7fffffffUL)
            return -1;
        *uid = (uid_t)a;
        *gid = (gid_t)g;
        return 0;
    }
    FILE *f = fopen("/etc/passwd", "re");
    char line[512];
    int found = -1;
    size_t ul = strlen(u);
    while (f && found < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, u, ul) || line[ul] != ':')
            continue;
        char *p = strchr(line + ul + 1, ':'); /* past the password field */
        if (!p)
            break;
        unsigned long a = strtoul(p + 1, &end, 10);
        if (*end != ':')
            break;
        unsigned long g = strtoul(end + 1, &end, 10);
        if (*end != ':')
            break;
        *uid = (uid_t)a;
        *gid = (gid_t)g;
        found = 0;
    }
    if (f)
        fclose(f);
    return found;
}

/* 0: changed or nothing to do; -1: failed (a sentence printed). */
static int drop_user(const dmn_sandbox_cfg *s, int *changed)
{
    *changed = 0;
    if (!s->user[0])
        return 0;
    uid_t uid;
    gid_t gid;
    if (resolve_user(s->user, &uid, &gid) != 0) {
        fprintf(stderr, "australis: [sandbox] user '%s' is neither in /etc/passwd nor UID[:GID]\n",
                s->user);
        return -1;
    }
    if (geteuid() != 0) {
        if (geteuid() != uid)
            *changed = 2; /* not root: stays who it is (said in the banner) */
        return 0;
    }
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0 ||
        geteuid() != uid || getegid() != gid) {
        fprintf(stderr, "australis: [sandbox] cannot become user '%s' (uid %u): %s\n", s->user,
                (unsigned)uid, strerror(errno));
        return -1;
    }
    *changed = 1;
    return 0;
}

/* ---- the launcher ---- */

#define SBX_MSG_MAX 16384

/* Every descriptor but stdio and SOCK: close_range(2) (Linux 5.9) in two calls instead of one
 * close(2) per possible descriptor (a thousand system calls on every daemon start); the loop up
 * to the descriptor limit stays for older kernels. */
static void close_others(int sock)
{
    if (sock < 3 || (sock > 3 && close_range(3, (unsigned)sock - 1, 0) != 0) ||
        close_range((unsigned)sock + 1, ~0U, 0) != 0) {
        struct rlimit nl;
        long max = getrlimit(RLIMIT_NOFILE, &nl) == 0 && nl.rlim_cur != RLIM_INFINITY &&
                           nl.rlim_cur < 65536
                       ? (long)nl.rlim_cur
                       : 65536;
        for (long fd = 3; fd < max; fd++)
            if (fd != sock)
                (void)close((int)fd);
    }
}

static void launcher_child(int sock, const dmn_config *cfg)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int changed;
    /* its own policy (docs/sandbox.md): dies with the daemon, never gains privileges, no core,
     * the daemon's user, no descriptor but its socket and stdio */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        drop_user(&cfg->sandbox, &changed) != 0)
        _exit(3);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct rlimit rl = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &rl);
    close_others(sock);
    static char msg[SBX_MSG_MAX + 1];
    for (;;) {
        ssize_t r = recv(sock, msg, SBX_MSG_MAX, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            _exit(0); /* the daemon is gone */
        uint32_t idx, argc;
        if (r < 9 || msg[0] != 'X')
            continue;
        memcpy(&idx, msg + 1, 4);
        memcpy(&argc, msg + 5, 4);
        msg[r] = '\0';
        char *argv[AUS_APP_MAX_ARGS + 1];
        const char *p = msg + 9, *end = msg + r;
        int ok = idx < cfg->nexec && argc >= 1 && argc <= AUS_APP_MAX_ARGS;
        argv[0] = ok ? (char *)cfg->exec[idx].path : NULL;
        for (uint32_t i = 1; ok && i < argc; i++) {
            if (p >= end) {
                ok = 0;
                break;
            }
            argv[i] = (char *)p;
            p += strlen(p) + 1;
        }
        if (ok)
            argv[argc] = NULL;
        int pfd[2] = {-1, -1};
        pid_t pid = -1;
        if (ok && pipe2(pfd, O_CLOEXEC) == 0) {
            pid = fork();
            if (pid == 0) {
                int nul = open("/dev/null", O_RDONLY);
                if (nul >= 0)
                    dup2(nul, 0);
                dup2(pfd[1], 1);
                dup2(pfd[1], 2);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGPIPE, SIG_DFL);
                char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
                execve(argv[0], argv, env);
                _exit(127);
            }
            close(pfd[1]);
        }
        /* "P" pid (or -1) with the read end of the output pipe */
        char ans[5] = {'P'};
        int32_t p32 = (int32_t)pid;
        memcpy(ans + 1, &p32, 4);
        struct iovec iov = {ans, sizeof ans};
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int))];
        } cb;
        struct msghdr mh = {0};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (pid > 0) {
            memset(&cb, 0, sizeof cb);
            mh.msg_control = cb.b;
            mh.msg_controllen = sizeof cb.b;
            struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
        }
        (void)sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (pfd[0] >= 0)
            close(pfd[0]);
        if (pid <= 0)
            continue;
        int status = 0;
        for (;;) {
            struct pollfd pp = {sock, POLLIN, 0};
            if (poll(&pp, 1, 50) > 0) {
                char k;
                ssize_t kr = recv(sock, &k, 1, MSG_DONTWAIT);
                if (kr == 0) { /* the daemon died: the script goes with it */
                    kill(pid, SIGKILL);
                    waitpid(pid, NULL, 0);
                    _exit(0);
                }
                if (kr == 1 && k == 'K')
                    kill(pid, SIGKILL);
            }
            if (waitpid(pid, &status, WNOHANG) == pid)
                break;
        }
        char done[5] = {'S'};
        int32_t s32 = status;
        memcpy(done + 1, &s32, 4);
        (void)send(sock, done, sizeof done, MSG_NOSIGNAL);
    }
}

static int user_changed = -1; /* -1: not tried; 0: no change; 1: became [sandbox] user;
                                * 2: a user is configured but we were not root */

/* The user change comes first, before the store and the keys are opened: the daemon never
 * holds a key as root, and the files it creates belong to the tenant's user. */
static int start_user(const dmn_config *cfg)
{
    if (cfg->sandbox.off || (!cfg->role_sat && cfg->sandbox.ground_off) || user_changed >= 0)
        return 0;
    int changed = 0;
    if (drop_user(&cfg->sandbox, &changed) != 0)
        return 3;
    user_changed = changed;
    return 0;
}

int dmn_sandbox_launcher_start(const dmn_config *cfg)
{
    if (!cfg->role_sat || cfg->sandbox.off || cfg->nexec == 0 || launcher_fd >= 0)
        return start_user(cfg);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return cfg->sandbox.strict ? 3 : start_user(cfg);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return cfg->sandbox.strict ? 3 : start_user(cfg);
    }
    if (pid == 0) {
        close(sv[0]);
        launcher_child(sv[1], cfg);
        _exit(0);
    }
    close(sv[1]);
    launcher_fd = sv[0];
    launcher_pid = pid;
    return start_user(cfg);
}

int dmn_sandbox_has_launcher(void) { return launcher_fd >= 0 || launcher_lost; }

static ssize_t recv_retry(int fd, void *b, size_t n, struct msghdr *mh)
{
    for (;;) {
        ssize_t r = mh ? recvmsg(fd, mh, MSG_CMSG_CLOEXEC) : recv(fd, b, n, 0);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static aus_err launch_exec(size_t index, char *const argv[], size_t argc, uint64_t timeout_s,
                           uint8_t *out, size_t cap, size_t *outlen, int64_t *code)
{
    static char msg[SBX_MSG_MAX];
    size_t at = 9;
    uint32_t i32 = (uint32_t)index, a32 = (uint32_t)argc;
    msg[0] = 'X';
    memcpy(msg + 1, &i32, 4);
    memcpy(msg + 5, &a32, 4);
    for (size_t i = 1; i < argc; i++) {
        const char *a = argv[i] ? argv[i] : ""; /* strndup failed: an empty argument */
        size_t l = strlen(a) + 1;
        if (at + l > sizeof msg)
            return AUS_E_LIMIT;
        memcpy(msg + at, a, l);
        at += l;
    }
    if (launcher_fd < 0 || send(launcher_fd, msg, at, MSG_NOSIGNAL) != (ssize_t)at)
        return AUS_E_IO;
    char ans[5];
    struct iovec iov = {ans, sizeof ans};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } cb;
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cb.b;
    mh.msg_controllen = sizeof cb.b;
    if (recv_retry(launcher_fd, NULL, 0, &mh) != 5 || ans[0] != 'P')
        return AUS_E_IO;
    int32_t pid;
    memcpy(&pid, ans + 1, 4);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    int fd = -1;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (pid <= 0 || fd < 0) {
        if (fd >= 0)
            close(fd);
        return AUS_E_IO;
    }
    size_t got = 0;
    time_t deadline = time(NULL) + (time_t)timeout_s;
    int timed_out = 0;
    for (;;) { /* the same reading rules as the in-process path (role_sat.c cmd_exec) */
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (poll(&p, 1, left * 1000) <= 0)
            continue;
        ssize_t r = read(fd, out + got, got < cap ? cap - got : 0);
        if (r <= 0 && got < cap)
            break;
        if (r > 0)
            got += (size_t)r;
        if (got >= cap) {
            char sink[4096];
            if (read(fd, sink, sizeof sink) <= 0)
                break;
        }
    }
    close(fd);
    if (timed_out && send(launcher_fd, "K", 1, MSG_NOSIGNAL) != 1)
        return AUS_E_IO;
    if (recv_retry(launcher_fd, ans, sizeof ans, NULL) != 5 || ans[0] != 'S')
        return AUS_E_IO;
    int32_t status;
    memcpy(&status, ans + 1, 4);
    *outlen = got;
    *code = timed_out ? -9 : (WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    return AUS_OK;
}

aus_err dmn_sandbox_exec(size_t index, char *const argv[], size_t argc, uint64_t timeout_s,
                         uint8_t *out, size_t cap, size_t *outlen, int64_t *code)
{
    aus_err e = launcher_fd >= 0 ? launch_exec(index, argv, argc, timeout_s, out, cap, outlen, code)
                                 : AUS_E_IO;
    if (e != AUS_E_IO)
        return e;
    /* gone (killed, or the protocol broke): this command is answered now, as an exec that
     * could not start (127), and so is every later one; the daemon itself goes on */
    if (launcher_fd >= 0) {
        close(launcher_fd);
        launcher_fd = -1;
        launcher_lost = 1;
        dmn_log("exec launcher gone: scripts are answered as failed until a restart");
    }
    int k = snprintf((char *)out, cap, "the exec launcher is gone (docs/sandbox.md)");
    *outlen = k > 0 && (size_t)k < cap ? (size_t)k : 0;
    *code = 127;
    return AUS_OK;
}

/* ---- Landlock ---- */

static int ll_abi(void)
{
#ifdef __NR_landlock_create_ruleset
    long v = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v < 0 ? -errno : (int)v;
#else
    return -ENOSYS;
#endif
}

#define LL_DIR_RO (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_DIR_RW                                                                                  \
    (LL_DIR_RO | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |                  \
     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_REFER |       \
     LANDLOCK_ACCESS_FS_TRUNCATE | LL_DIR_JUNK)
/* What the daemon must do to junk someone planted in its own folders (an empty directory, a
 * FIFO, a symlink): remove it, or move it into the quarantine (a rename makes one there). */
#define LL_DIR_JUNK                                                                                \
    (LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_FIFO |  \
     LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_FILE_BITS                                                                               \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |   \
     LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* One path beneath rule; a path that does not exist is skipped (nothing to allow). */
static int ll_allow(int rs, const char *path, uint64_t want, uint64_t handled)
{
    if (!path || !*path)
        return 0;
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    int rc = fstat(fd, &st);
    uint64_t a = want & handled;
    if (rc == 0 && !S_ISDIR(st.st_mode))
        a &= LL_FILE_BITS;
    struct landlock_path_beneath_attr pb = {.allowed_access = a, .parent_fd = fd};
    if (rc == 0 && a)
        rc = (int)syscall(__NR_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    close(fd);
    return rc;
}

static void dirname_of(const char *p, char *out, size_t cap)
{
    snprintf(out, cap, "%s", p);
    char *s = strrchr(out, '/');
    if (s == out)
        out[1] = '\0';
    else if (s)
        *s = '\0';
    else
        snprintf(out, cap, ".");
}

/* 0 applied, >0 not available (abi or errno in *why), -1 failed after a partial set-up. */
static int landlock_apply(const dmn_config *c, char *why, size_t wcap)
{
    int abi = ll_abi();
    if (abi < 0) {
        snprintf(why, wcap, "landlock(unavailable:%s)", strerror(-abi));
        return 1;
    }
    if (abi < 2) { /* ABI 1 forbids every rename between folders (incoming -> quarantine) */
        snprintf(why, wcap, "landlock(abi%d<2)", abi);
        return 1;
    }
    sbx_ll_attr at = {0};
    at.handled_access_fs = ((LANDLOCK_ACCESS_FS_REFER << 1) - 1) |
                           (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0) |
                           (abi >= 5 ? LANDLOCK_ACCESS_FS_IOCTL_DEV : 0);
    size_t asz = sizeof(uint64_t);
    if (abi >= 4) { /* no TCP bind or connect at all */
        at.handled_access_net = SBX_LL_NET_BIND_TCP | SBX_LL_NET_CONNECT_TCP;
        asz = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        at.scoped = SBX_LL_SCOPE_ABSTRACT_UNIX | SBX_LL_SCOPE_SIGNAL;
        asz = sizeof at;
    }
    int rs = (int)syscall(__NR_landlock_create_ruleset, &at, asz, 0);
    if (rs < 0) {
        snprintf(why, wcap, "landlock(ruleset:%s)", strerror(errno));
        return 1;
    }
    uint64_t h = at.handled_access_fs;
    char sdir[DMN_PATH];
    dirname_of(c->store, sdir, sizeof sdir);
    char adir[DMN_PATH] = ""; /* the application socket's folder (docs/app-api.md) */
    if (c->app_socket[0])
        dirname_of(c->app_socket, adir, sizeof adir);
    const char *rw[] = {c->incoming, c->outgoing, c->quarantine, sdir,
                        c->data_dir, c->pq_dir,   adir,          c->uploads};
    const char *ro[] = {c->kek_file,          c->ek_file,
                        c->ak_file,           c->master_file,
                        c->pq_peer_dir,       c->sdls_key_file,
                        c->capture_source,    "/proc",
                        "/sys/class/thermal", "/sys/devices/virtual/thermal",
                        "/etc/localtime",     "/usr/share/zoneinfo",
                        "/dev/urandom",       "/dev/null",
                        "/etc/passwd",        "/etc/group",
                        "/etc/nsswitch.conf"};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof rw / sizeof rw[0]; i++)
        rc = ll_allow(rs, rw[i], LL_DIR_RW, h);
    for (size_t i = 0; rc == 0 && i < sizeof ro / sizeof ro[0]; i++)
        rc = ll_allow(rs, ro[i], LL_DIR_RO, h);
    for (size_t i = 0; rc == 0 && i < c->sandbox.nallow; i++)
        rc = ll_allow(rs, c->sandbox.allow_read[i], LL_DIR_RO, h);
    if (rc == 0)
        rc = (int)syscall(__NR_landlock_restrict_self, rs, 0);
    int err = errno;
    close(rs);
    if (rc != 0) {
        snprintf(why, wcap, "landlock(%s)", strerror(err));
        return 1;
    }
    snprintf(why, wcap, "landlock(abi%d)", abi);
    return 0;
}

/* ---- seccomp ---- */

/* Every system call the daemon makes after start-up (docs/sandbox.md says why each is here).
 * Names unknown on an architecture (open on aarch64, ...) are skipped. */
static const char *const sc_allow[] = {
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "lseek",
    "close",
    "open",
    "openat",
    "fstat",
    "newfstatat",
    "stat",
    "lstat",
    "statx",
    "statfs",
    "fstatfs",
    "getdents64",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getcwd",
    "fsync",
    "fdatasync",
    "syncfs",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "link",
    "linkat",
    "mkdir",
    "mkdirat",
    "rmdir",
    "fchmod",
    "fchmodat",
    "chmod",
    "fchown",
    "fchownat",
    "chown",
    "lchown",
    "umask",
    "ftruncate",
    "truncate",
    "fallocate",
    "fcntl",
    "flock",
    "dup",
    "dup2",
    "dup3",
    "pipe",
    "pipe2",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "brk",
    "madvise",
    "mlock",
    "munlock",
    "msync",
    "futex",
    "getrandom",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "nanosleep",
    "clock_nanosleep",
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "accept",
    "accept4",
    "connect",
    "bind",
    "listen",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "shutdown",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "exit",
    "exit_group",
    "uname",
    "sysinfo",
    "sched_yield",
    "sched_getaffinity",
    "rseq",
    "set_robust_list",
    "restart_syscall",
    "getrlimit",
    "wait4",
    "eventfd2",
    "timerfd_create",
    "timerfd_settime",
};

/* Named in the issue and in docs/sandbox.md as never allowed; in the sanitizer build (a
 * deny-list, see there) these still kill. */
static const char *const sc_deny[] = {
    "ptrace",
    "mount",
    "umount2",
    "kexec_load",
    "kexec_file_load",
    "execve",
    "execveat",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "pivot_root",
    "chroot",
    "swapon",
    "swapoff",
    "reboot",
    "setns",
    "unshare",
    "process_vm_readv",
    "process_vm_writev",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
};

static int sc_add(scmp_filter_ctx f, uint32_t act, const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0;
    return seccomp_rule_add(f, act, nr, 0);
}

static int seccomp_apply(char *why, size_t wcap)
{
    uint32_t kill = SCMP_ACT_KILL_PROCESS;
    scmp_filter_ctx f = seccomp_init(SBX_SANITIZER ? SCMP_ACT_ALLOW : kill);
    if (!f) {
        snprintf(why, wcap, "seccomp(init)");
        return 1;
    }
    int rc = 0;
    if (SBX_SANITIZER) {
        /* ASan/LSan need clone, ptrace (the leak checker stops the world with it), prctl and
         * more at exit: the filter becomes a deny-list of the calls no daemon needs */
        for (size_t i = 0; rc == 0 && i < sizeof sc_deny / sizeof sc_deny[0]; i++)
            if (strcmp(sc_deny[i], "ptrace"))
                rc = sc_add(f, kill, sc_deny[i]);
        if (rc == 0)
            rc = seccomp_rule_add(f, kill, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    } else {
        for (size_t i = 0; rc == 0 && i < sizeof sc_allow / sizeof sc_allow[0]; i++)
            rc = sc_add(f, SCMP_ACT_ALLOW, sc_allow[i]);
        /* sockets: AF_UNIX only (the application socket, the launcher); never a network */
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        /* ioctl: stdio's isatty and FIONREAD only */
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_EQ, TCGETS));
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_EQ, FIONREAD));
        /* signals to itself only (abort, raise) */
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
        /* limits may be read, never raised */
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
                                  SCMP_A2(SCMP_CMP_EQ, 0));
    }
    if (rc == 0)
        rc = seccomp_load(f);
    seccomp_release(f);
    if (rc != 0) {
        snprintf(why, wcap, "seccomp(%s)", strerror(-rc));
        return 1;
    }
    snprintf(why, wcap, SBX_SANITIZER ? "seccomp(denylist:sanitizer)" : "seccomp");
    return 0;
}

/* ---- the test trigger (docs/sandbox.md): AUS_TEST_SANDBOX=syscall|ptrace|crash|open:PATH ---- */

static void test_trigger(void)
{
    const char *t = getenv("AUS_TEST_SANDBOX");
    if (!t || !*t)
        return;
    if (!strcmp(t, "syscall")) {
        dmn_log("sandbox test: socket(AF_INET) (forbidden)");
        fflush(stdout);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        dmn_log("sandbox test: socket(AF_INET) returned %d: not stopped", s);
    } else if (!strcmp(t, "ptrace")) {
        dmn_log("sandbox test: ptrace (forbidden)");
        fflush(stdout);
        long r = syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
        dmn_log("sandbox test: ptrace returned %ld: not stopped", r);
    } else if (!strcmp(t, "crash")) {
        dmn_log("sandbox test: SIGSEGV");
        fflush(stdout);
        raise(SIGSEGV);
    } else if (!strncmp(t, "open:", 5)) {
        int fd = open(t + 5, O_RDONLY | O_CLOEXEC);
        dmn_log("sandbox test: open %s: %s", t + 5, fd >= 0 ? "opened" : strerror(errno));
        if (fd >= 0)
            close(fd);
    }
}

/* ---- apply ---- */

int dmn_sandbox_apply(dmn_node *n)
{
    const dmn_sandbox_cfg *s = &n->cfg.sandbox;
    summary[0] = missing[0] = '\0';
    int sat = n->cfg.role_sat;
    if (s->off || (!sat && s->ground_off)) {
        snprintf(summary, sizeof summary, "off");
        dmn_log("sandbox: off ([sandbox] enabled = no)");
        return 0;
    }
    tzset(); /* the time zone is read now, while /etc is still visible */
    if (user_changed < 0 && start_user(&n->cfg) != 0) /* a caller that skipped the start */
        return 3;
    if (user_changed == 1) {
        char w[96];
        snprintf(w, sizeof w, "user=%s", s->user);
        add_word(summary, sizeof summary, w);
    } else if (user_changed == 2) {
        add_word(missing, sizeof missing, "user(not-root)");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
        add_word(summary, sizeof summary, "nnp");
    else
        add_word(missing, sizeof missing, "nnp");
    struct rlimit rl = {0, 0};
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && setrlimit(RLIMIT_CORE, &rl) == 0)
        add_word(summary, sizeof summary, "nodump");
    else
        add_word(missing, sizeof missing, "nodump");
    int confinable = !strcmp(n->cfg.link, "folder") || !strcmp(n->cfg.link, "ccsds");
    if (sat && !confinable) {
        /* tcpcl / udpcl: the link is a network socket with TLS files and reconnects; the
         * filter and the rule set for it are not written yet (docs/sandbox.md, "left open") */
        char why[96];
        snprintf(why, sizeof why, "landlock(link=%s) seccomp(link=%s)", n->cfg.link, n->cfg.link);
        add_word(missing, sizeof missing, why);
        if (launcher_fd >= 0)
            add_word(summary, sizeof summary, "launcher");
    } else if (sat) {
        char why[96];
        int r = landlock_apply(&n->cfg, why, sizeof why);
        add_word(r == 0 ? summary : missing, r == 0 ? sizeof summary : sizeof missing, why);
        if (launcher_fd >= 0)
            add_word(summary, sizeof summary, "launcher");
        r = seccomp_apply(why, sizeof why);
        add_word(r == 0 ? summary : missing, r == 0 ? sizeof summary : sizeof missing, why);
    } else {
        add_word(missing, sizeof missing, "landlock(ground) seccomp(ground)");
    }
    dmn_log("sandbox: %s%s%s", summary[0] ? summary : "nothing", missing[0] ? "; NOT active: " : "",
            missing);
    if (s->strict && missing[0]) {
        fprintf(stderr, "australis: [sandbox] strict = yes and not active: %s\n", missing);
        return 3;
    }
    test_trigger();
    return 0;
}

const char *dmn_sandbox_summary(void) { return summary; }

const char *dmn_sandbox_missing(void) { return missing; }

/* Locked memory of this process (the keyed-context table of crypto_openssl is mlock'ed). */
static long long vm_locked_kb(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[128];
    long long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmLck:", 6)) {
            v = atoll(line + 6);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

size_t dmn_sandbox_health(aus_app_kv *kv, size_t cap)
{
    static const char none[] = "none";
    size_t c = 0;
    if (c < cap) {
        kv[c].name = (aus_app_view){(const uint8_t *)"sandbox", 7};
        kv[c].is_text = 1;
        kv[c].text = (aus_app_view){(const uint8_t *)summary, strlen(summary)};
        c++;
    }
    if (c < cap) {
        const char *m = missing[0] ? missing : none;
        kv[c].name = (aus_app_view){(const uint8_t *)"sandbox_missing", 15};
        kv[c].is_text = 1;
        kv[c].text = (aus_app_view){(const uint8_t *)m, strlen(m)};
        c++;
    }
    if (c < cap) {
        kv[c].name = (aus_app_view){(const uint8_t *)"locked_kB", 9};
        kv[c].is_text = 0;
        kv[c].num = vm_locked_kb();
        c++;
    }
    return c;
}
