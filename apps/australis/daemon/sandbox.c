/* SPDX-License-Identifier: Apache-2.0 */
/* Defence in depth for the daemon: user, no_new_privs, no core dumps, Landlock, seccomp-bpf,
 * and the pre-forked exec launcher (docs/sandbox.md has the policy and the syscall list's
 * reasons; sandbox.h the order of calls).
 *
 * Everything here is best effort by default and says what it could not do: a kernel without
 * Landlock, or qemu-user (which refuses seccomp filters for its guest), still runs the daemon,
 * and the banner line and the telemetry report name what is missing. [sandbox] strict = yes
 * turns any missing protection into a refusal to start. */
#define _GNU_SOURCE /* pipe2, setresuid, setresgid, close_range, CLONE_THREAD */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <poll.h>
#include <pwd.h>
#include <netinet/in.h>
#include <sched.h>
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
#include "net_config.h" /* [tcpcl] / [udpcl] / [gateway]: the ports and socket types allowed */

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
#define SBX_LL_RULE_NET_PORT 2
typedef struct sbx_ll_port { /* struct landlock_net_port_attr (ABI 4) */
    uint64_t allowed_access, port;
} sbx_ll_port;

/* What the running configuration needs beyond the folder link's policy (docs/sandbox.md,
 * "Per link and role"): computed once from the config, before anything is applied. */
#define SBX_PORTS (DMN_GW_PEERS + 4)
typedef struct sbx_policy {
    int early;        /* threads will run (carriers, the HTTP API): confine before the first */
    int tcp, udp;     /* AF_INET/AF_INET6 sockets of these types */
    int threads;      /* threads made after the filter (the HTTP API's one per connection) */
    int ground;       /* the ground's extra read-only files (TLS, dashboard, libpq, resolver) */
    uint16_t bind[4]; /* Landlock ABI 4+: the only TCP ports bound ... */
    uint16_t conn[SBX_PORTS]; /* ... and connected to */
    size_t nbind, nconn;
    char no_ports[96]; /* "": every TCP port is known; else why Landlock's TCP rules are off */
} sbx_policy;
static sbx_policy pol;
static dmn_net sbx_net; /* the [tcpcl]/[udpcl]/[gateway] sections, read for the policy */
static int armed;       /* `australis run` (dmn_sandbox_launcher_start): not a CLI client */
static int confined;    /* user, nnp, no-dump and Landlock are done (dmn_sandbox_confine) */

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

/* ---- the policy of this configuration ---- */

/* "HOST:PORT" -> port (0 = an ephemeral port); -1 when it is not a number (a service name). */
static long addr_port(const char *addr)
{
    char host[DMN_NET_ADDR], port[8], *end;
    if (!addr || !*addr || dmn_net_split(addr, host, sizeof host, port, sizeof port) != 0)
        return -1;
    unsigned long v = strtoul(port, &end, 10);
    return *end || !port[0] || v > 65535 ? -1 : (long)v;
}

static void add_port(uint16_t *list, size_t *n, size_t cap, long port, const char *what)
{
    if (port < 0 || *n >= cap) {
        if (!pol.no_ports[0])
            snprintf(pol.no_ports, sizeof pol.no_ports, "landlock-net(port of %s unknown)", what);
        return;
    }
    for (size_t i = 0; i < *n; i++)
        if (list[i] == port)
            return;
    list[(*n)++] = (uint16_t)port;
}

/* The PostgreSQL archive's TCP port: postgresql://[user[:pw]@]host[:port][/db][?...port=N],
 * PGPORT, else 5432. A host list, a UNIX socket folder as host, or a service file: -1 (unknown:
 * the connect rule cannot be written, so Landlock's TCP rules are left off and the banner says
 * so). Only the port is wanted; libpq itself parses the URL. */
static long pg_port(const char *url)
{
    const char *q = strstr(url, "port=");
    if (q && (q[-1] == '?' || q[-1] == '&'))
        return (long)strtoul(q + 5, NULL, 10);
    if (strstr(url, "service=") || strstr(url, "host=%2F") || strstr(url, "host=/"))
        return -1;
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t hl = strcspn(h, "/?");
    const char *at = memchr(h, '@', hl);
    if (at) {
        hl -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (memchr(h, ',', hl))
        return -1;
    const char *c = NULL;
    for (size_t i = 0; i < hl; i++)
        if (h[i] == ':')
            c = h + i;
        else if (h[i] == ']')
            c = NULL; /* inside [v6] */
    if (c)
        return (long)strtoul(c + 1, NULL, 10);
    const char *env = getenv("PGPORT");
    return env && *env ? (long)strtoul(env, NULL, 10) : 5432;
}

/* The folder and ccsds links' satellite keeps the base policy (no thread, no inet socket). A
 * satellite on an IP link or any ground runs threads (the carriers, the HTTP API), so it is
 * confined before the first one starts (dmn_sandbox_confine: Landlock binds the calling
 * thread and what it creates later, never threads that already run) and its seccomp filter
 * is loaded with TSYNC. */
static void policy_of(const dmn_config *c)
{
    memset(&pol, 0, sizeof pol);
    int sat = c->role_sat, tcpcl = !strcmp(c->link, "tcpcl"), udpcl = !strcmp(c->link, "udpcl");
    if (sat && !tcpcl && !udpcl)
        return;
    pol.early = 1;
    pol.ground = !sat;
    memset(&sbx_net, 0, sizeof sbx_net);
    if (c->file[0] && dmn_net_load(&sbx_net, c->file) != 0)
        memset(&sbx_net, 0, sizeof sbx_net); /* refused at the config's load already */
    const dmn_net *nt = &sbx_net;
    int gw = !sat && nt->gw_service;
    int tcp_on = tcpcl || (gw && nt->tcp_listen[0]), udp_on = udpcl || (gw && nt->udp_listen[0]);
    pol.tcp = tcp_on;
    pol.udp = udp_on;
    if (tcp_on && nt->tcp_listen[0])
        add_port(pol.bind, &pol.nbind, 4, addr_port(nt->tcp_listen), "[tcpcl] listen");
    if (tcp_on && tcpcl && nt->tcp_peer[0])
        add_port(pol.conn, &pol.nconn, SBX_PORTS, addr_port(nt->tcp_peer), "[tcpcl] peer");
    for (size_t i = 0; gw && tcp_on && i < nt->npeer; i++)
        if (nt->peer[i].tcp[0])
            add_port(pol.conn, &pol.nconn, SBX_PORTS, addr_port(nt->peer[i].tcp),
                     "[tcpcl] gw_peer");
    if (!sat && c->ops.http_listen[0]) {
        pol.threads = 1; /* libmicrohttpd: a thread per connection */
        add_port(pol.bind, &pol.nbind, 4, addr_port(c->ops.http_listen), "[http] listen");
    }
    const char *u = c->ops.archive_url;
    if (!sat && (!strncmp(u, "postgresql://", 13) || !strncmp(u, "postgres://", 11))) {
        pol.tcp = 1; /* libpq: TCP or a UNIX socket to the server */
        pol.udp = 1; /* ... and the resolver's UDP queries when the host is a name */
        add_port(pol.conn, &pol.nconn, SBX_PORTS, pg_port(u), "the PostgreSQL archive");
    }
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
    armed = 1; /* `australis run`: dmn_open confines before its first thread (node.c) */
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
    if (fd < 0) /* not there, or not ours to see: nothing to allow */
        return errno == ENOENT || errno == EACCES || errno == ENOTDIR ? 0 : -1;
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

/* The TCP ports of the policy (ABI 4+): bind and connect only there. */
static int ll_ports(int rs, char *why, size_t wcap)
{
    size_t at = strlen(why);
    for (int pass = 0; pass < 2; pass++) {
        const uint16_t *l = pass ? pol.conn : pol.bind;
        size_t n = pass ? pol.nconn : pol.nbind;
        for (size_t i = 0; i < n; i++) {
            sbx_ll_port np = {pass ? SBX_LL_NET_CONNECT_TCP : SBX_LL_NET_BIND_TCP, l[i]};
            if (syscall(__NR_landlock_add_rule, rs, SBX_LL_RULE_NET_PORT, &np, 0) != 0)
                return -1;
            int k = snprintf(why + at, wcap - at, "%s%u",
                             i      ? ","
                             : pass ? " connect:"
                                    : " bind:",
                             (unsigned)l[i]);
            at += k > 0 && (size_t)k < wcap - at ? (size_t)k : 0;
        }
    }
    return 0;
}

/* 0 applied, >0 not available (abi or errno in *why), -1 failed after a partial set-up.
 * *net gets what was done about TCP ("landlock-net(...)" active, or why not). */
static int landlock_apply(const dmn_config *c, char *why, size_t wcap, char *net, size_t ncap,
                          int *net_ok)
{
    int abi = ll_abi();
    *net_ok = 0;
    net[0] = '\0';
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
    /* The ground's files are not confined unless [sandbox] ground_files = yes: `image get -o
     * LOCAL` and `file put LOCAL` make the ground daemon write and read a path the operator
     * names at run time, anywhere (docs/sandbox.md). Its TCP rules apply all the same. */
    int files = !pol.ground || c->sandbox.ground_files;
    if (!files)
        at.handled_access_fs = 0;
    size_t asz = sizeof(uint64_t);
    int want_net = pol.tcp || !pol.early; /* the base policy: no TCP at all */
    if (abi >= 4 && (!want_net || !pol.no_ports[0])) {
        /* TCP bind and connect: none (the folder link, udpcl) or only the policy's ports */
        at.handled_access_net = SBX_LL_NET_BIND_TCP | SBX_LL_NET_CONNECT_TCP;
        asz = 2 * sizeof(uint64_t);
    } else if (abi < 4) {
        snprintf(net, ncap, "landlock-net(abi%d<4)", abi);
    } else {
        snprintf(net, ncap, "%s", pol.no_ports);
    }
    if (abi >= 6) {
        at.scoped = SBX_LL_SCOPE_ABSTRACT_UNIX | SBX_LL_SCOPE_SIGNAL;
        asz = sizeof at;
    }
    if (!files && !at.handled_access_net && !at.scoped) {
        snprintf(why, wcap, "landlock(ground_files=no)");
        return 1;
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
    char gdir[DMN_PATH] = "", arcdir[DMN_PATH] = ""; /* the ground's socket, a SQLite archive */
    if (!c->role_sat && c->socket[0])
        dirname_of(c->socket, gdir, sizeof gdir);
    if (!c->role_sat && !strncmp(c->ops.archive_url, "sqlite:", 7))
        dirname_of(c->ops.archive_url + 7, arcdir, sizeof arcdir);
    const char *rw[] = {c->incoming, c->outgoing, c->quarantine,
                        sdir,        c->data_dir, c->pq_dir,
                        adir,        c->uploads,  c->role_sat ? "" : c->downloads,
                        gdir,        arcdir};
    const char *ro[] = {c->kek_file,          c->ek_file,
                        c->ak_file,           c->master_file,
                        c->pq_peer_dir,       c->sdls_key_file,
                        c->capture_source,    "/proc",
                        "/sys/class/thermal", "/sys/devices/virtual/thermal",
                        "/etc/localtime",     "/usr/share/zoneinfo",
                        "/dev/urandom",       "/dev/null",
                        "/etc/passwd",        "/etc/group",
                        "/etc/nsswitch.conf"};
    /* a daemon with threads is confined before the link and the role start: what they read
     * then (the config's own [tcpcl]/[udpcl] sections, TLS files, the dictionary) and, for a
     * host name, the resolver's files */
    const char *ip_ro[] = {pol.early ? c->file : "", c->dictionary,    sbx_net.tls_cert,
                           sbx_net.tls_key,          sbx_net.tls_ca,   "/etc/hosts",
                           "/etc/resolv.conf",       "/etc/host.conf", "/etc/gai.conf",
                           "/etc/services"};
    /* the ground: the HTTP API's files, and libpq's (OpenSSL's configuration and trust store,
     * the service and password files); the home folder's .pgpass/.postgresql only by name */
    char pgpass[DMN_PATH] = "", pgdir[DMN_PATH] = "";
    const char *home = getenv("HOME");
    if (pol.ground && home && *home && home[1]) {
        snprintf(pgpass, sizeof pgpass, "%s/.pgpass", home);
        snprintf(pgdir, sizeof pgdir, "%s/.postgresql", home);
    }
    const char *g_ro[] = {c->ops.http_token_file,
                          c->ops.http_web_dir,
                          c->ops.http_dictionary,
                          c->ops.http_tls_cert,
                          c->ops.http_tls_key,
                          "/etc/ssl",
                          "/usr/lib/ssl",
                          "/etc/gnutls",
                          "/etc/postgresql-common",
                          getenv("PGPASSFILE"),
                          getenv("PGSERVICEFILE"),
                          getenv("PGSSLROOTCERT"),
                          getenv("PGSSLCERT"),
                          getenv("PGSSLKEY"),
                          pgpass,
                          pgdir};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof rw / sizeof rw[0]; i++)
        rc = ll_allow(rs, rw[i], LL_DIR_RW, h);
    for (size_t i = 0; rc == 0 && i < sizeof ro / sizeof ro[0]; i++)
        rc = ll_allow(rs, ro[i], LL_DIR_RO, h);
    for (size_t i = 0; rc == 0 && pol.early && i < sizeof ip_ro / sizeof ip_ro[0]; i++)
        rc = ll_allow(rs, ip_ro[i], LL_DIR_RO, h);
    for (size_t i = 0; rc == 0 && pol.ground && i < sizeof g_ro / sizeof g_ro[0]; i++)
        rc = ll_allow(rs, g_ro[i], LL_DIR_RO, h);
    for (size_t i = 0; rc == 0 && pol.ground && i < sbx_net.npeer; i++) {
        rc = ll_allow(rs, sbx_net.peer[i].bib_key, LL_DIR_RO, h);
        if (rc == 0)
            rc = ll_allow(rs, sbx_net.peer[i].bcb_key, LL_DIR_RO, h);
    }
    for (size_t i = 0; rc == 0 && i < c->sandbox.nallow; i++)
        rc = ll_allow(rs, c->sandbox.allow_read[i], LL_DIR_RO, h);
    if (rc == 0 && at.handled_access_net) {
        snprintf(net, ncap, "landlock-net(tcp");
        rc = ll_ports(rs, net, ncap);
        size_t nl = strlen(net);
        snprintf(net + nl, ncap - nl, "%s)", pol.nbind + pol.nconn ? "" : ":none");
        *net_ok = 1;
    }
    if (rc == 0)
        rc = (int)syscall(__NR_landlock_restrict_self, rs, 0);
    int err = errno;
    close(rs);
    if (rc != 0) {
        snprintf(why, wcap, "landlock(%s)", strerror(err));
        *net_ok = 0;
        net[0] = '\0';
        return 1;
    }
    snprintf(why, wcap, "landlock(abi%d%s)", abi, files ? "" : ":not-files");
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

/* Sockets: AF_UNIX always (the application socket, the launcher, libpq's local socket);
 * AF_INET/AF_INET6 only with the policy's types, SOCK_STREAM with protocol 0 or TCP and
 * SOCK_DGRAM with 0 or UDP (so no raw socket, no ICMP "ping" socket, no SCTP or MPTCP). In the
 * sanitizer's deny-list: every other family, the other types of the inet families and the
 * protocols above kill. */
#define SBX_SOCK_TYPE_MASK 0xf /* SOCK_NONBLOCK and SOCK_CLOEXEC are above it */
static int sc_sockets(scmp_filter_ctx f, int deny)
{
    static const int fams[] = {AF_INET, AF_INET6};
    int rc = 0;
    if (!pol.tcp && !pol.udp) /* the base policy: AF_UNIX only */
        return deny ? seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 1,
                                       SCMP_A0(SCMP_CMP_NE, AF_UNIX))
                    : seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
    if (!deny) {
        rc =
            seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        for (size_t i = 0; rc == 0 && i < 2; i++)
            for (int t = 0; rc == 0 && t < 2; t++) {
                if (!(t ? pol.udp : pol.tcp))
                    continue;
                int type = t ? SOCK_DGRAM : SOCK_STREAM, proto = t ? IPPROTO_UDP : IPPROTO_TCP;
                for (int p = 0; rc == 0 && p < 2; p++)
                    rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
                                          SCMP_A0(SCMP_CMP_EQ, fams[i]),
                                          SCMP_A1(SCMP_CMP_MASKED_EQ, SBX_SOCK_TYPE_MASK, type),
                                          SCMP_A2(SCMP_CMP_EQ, p ? proto : 0));
            }
        return rc;
    }
    for (int fam = 0; rc == 0 && fam < 64; fam++)
        if (fam != AF_UNIX && fam != AF_INET && fam != AF_INET6)
            rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, fam));
    for (size_t i = 0; rc == 0 && i < 2; i++)
        for (int type = 1; rc == 0 && type <= SBX_SOCK_TYPE_MASK; type++)
            if (!(type == SOCK_STREAM && pol.tcp) && !(type == SOCK_DGRAM && pol.udp))
                rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 2,
                                      SCMP_A0(SCMP_CMP_EQ, fams[i]),
                                      SCMP_A1(SCMP_CMP_MASKED_EQ, SBX_SOCK_TYPE_MASK, type));
    /* the allowed types with another protocol: ICMP "ping" sockets, SCTP, UDP-Lite, MPTCP */
    static const int bad_proto[] = {IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_UDPLITE,
                                    262 /* IPPROTO_MPTCP */};
    for (size_t i = 0; rc == 0 && i < 2; i++)
        for (size_t k = 0; rc == 0 && k < sizeof bad_proto / sizeof bad_proto[0]; k++)
            rc =
                seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 2,
                                 SCMP_A0(SCMP_CMP_EQ, fams[i]), SCMP_A2(SCMP_CMP_EQ, bad_proto[k]));
    return rc;
}

/* What the inet links and the ground need beyond the base list: the resolver's batched
 * datagrams, and (the HTTP API) threads. clone only with CLONE_THREAD (a thread, never a
 * process); clone3 answers ENOSYS, as on an old kernel, so glibc falls back to clone, whose
 * flags a filter can see (clone3's are behind a pointer). */
static const char *const sc_allow_net[] = {"sendmmsg", "recvmmsg"};

static int seccomp_apply(char *why, size_t wcap)
{
    uint32_t kill = SCMP_ACT_KILL_PROCESS;
    scmp_filter_ctx f = seccomp_init(SBX_SANITIZER ? SCMP_ACT_ALLOW : kill);
    if (!f) {
        snprintf(why, wcap, "seccomp(init)");
        return 1;
    }
    /* every thread of the process: the carriers and the HTTP API run already */
    int rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
    if (SBX_SANITIZER) {
        /* ASan/LSan need clone, ptrace (the leak checker stops the world with it), prctl and
         * more at exit: the filter becomes a deny-list of the calls no daemon needs */
        for (size_t i = 0; rc == 0 && i < sizeof sc_deny / sizeof sc_deny[0]; i++)
            if (strcmp(sc_deny[i], "ptrace"))
                rc = sc_add(f, kill, sc_deny[i]);
        if (rc == 0)
            rc = sc_sockets(f, 1);
    } else {
        for (size_t i = 0; rc == 0 && i < sizeof sc_allow / sizeof sc_allow[0]; i++)
            rc = sc_add(f, SCMP_ACT_ALLOW, sc_allow[i]);
        for (size_t i = 0; rc == 0 && (pol.tcp || pol.udp) && i < 2; i++)
            rc = sc_add(f, SCMP_ACT_ALLOW, sc_allow_net[i]);
        if (rc == 0)
            rc = sc_sockets(f, 0);
        if (rc == 0)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        if (rc == 0 && pol.threads)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
        if (rc == 0 && pol.threads)
            rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        /* libmicrohttpd sends a file response (an image, the dashboard's files) with sendfile */
        if (rc == 0 && pol.threads)
            rc = sc_add(f, SCMP_ACT_ALLOW, "sendfile");
        /* libmicrohttpd names each connection's thread (prctl PR_SET_NAME): that option only */
        if (rc == 0 && pol.threads)
            rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                                  SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
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
    char w[64] = "";
    if (SBX_SANITIZER)
        add_word(w, sizeof w, "denylist:sanitizer");
    if (pol.tcp || pol.udp) {
        char inet[24];
        snprintf(inet, sizeof inet, "inet:%s%s%s", pol.tcp ? "tcp" : "",
                 pol.tcp && pol.udp ? "+" : "", pol.udp ? "udp" : "");
        add_word(w, sizeof w, inet);
    }
    if (pol.threads)
        add_word(w, sizeof w, "threads");
    if (w[0])
        snprintf(why, wcap, "seccomp(%s)", w);
    else
        snprintf(why, wcap, "seccomp");
    return 0;
}

/* ---- the test trigger (docs/sandbox.md): AUS_TEST_SANDBOX=WHAT ----
 * syscall (socket(AF_INET, SOCK_RAW): refused by every policy), raw, netlink, packet, ptrace,
 * execve, crash, open:PATH and connect:PORT (127.0.0.1; the result is logged). */

static void try_socket(const char *what, int fam, int type, int proto)
{
    dmn_log("sandbox test: socket(%s) (forbidden)", what);
    fflush(stdout);
    int s = socket(fam, type, proto);
    dmn_log("sandbox test: socket(%s) returned %d: not stopped", what, s);
    if (s >= 0)
        close(s);
}

static void test_trigger(void)
{
    const char *t = getenv("AUS_TEST_SANDBOX");
    if (!t || !*t)
        return;
    if (!strcmp(t, "syscall") || !strcmp(t, "raw")) {
        try_socket("AF_INET, SOCK_RAW", AF_INET, SOCK_RAW, IPPROTO_ICMP);
    } else if (!strcmp(t, "netlink")) {
        try_socket("AF_NETLINK", AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */);
    } else if (!strcmp(t, "packet")) {
        try_socket("AF_PACKET", AF_PACKET, SOCK_RAW, 0);
    } else if (!strcmp(t, "ping")) {
        try_socket("AF_INET, SOCK_DGRAM, ICMP", AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    } else if (!strcmp(t, "ptrace")) {
        dmn_log("sandbox test: ptrace (forbidden)");
        fflush(stdout);
        long r = syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
        dmn_log("sandbox test: ptrace returned %ld: not stopped", r);
    } else if (!strcmp(t, "execve")) {
        dmn_log("sandbox test: execve /bin/true (forbidden)");
        fflush(stdout);
        char *argv[] = {"true", NULL}, *env[] = {NULL};
        execve("/bin/true", argv, env);
        dmn_log("sandbox test: execve returned: %s: not stopped", strerror(errno));
    } else if (!strcmp(t, "crash")) {
        dmn_log("sandbox test: SIGSEGV");
        fflush(stdout);
        raise(SIGSEGV);
    } else if (!strncmp(t, "open:", 5)) {
        int fd = open(t + 5, O_RDONLY | O_CLOEXEC);
        dmn_log("sandbox test: open %s: %s", t + 5, fd >= 0 ? "opened" : strerror(errno));
        if (fd >= 0)
            close(fd);
    } else if (!strncmp(t, "connect:", 8)) {
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)strtoul(t + 8, NULL, 10));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int r = s >= 0 ? connect(s, (struct sockaddr *)&sa, sizeof sa) : -1;
        dmn_log("sandbox test: connect 127.0.0.1:%s: %s", t + 8,
                r == 0 ? "connected" : strerror(errno));
        if (s >= 0)
            close(s);
    }
}

/* ---- apply ---- */

static int role_off(const dmn_config *c)
{
    return c->sandbox.off || (!c->role_sat && c->sandbox.ground_off);
}

static void note(int ok, const char *what)
{
    add_word(ok ? summary : missing, ok ? sizeof summary : sizeof missing, what);
}

/* user, no_new_privs, no core dumps, Landlock: what a thread started afterwards inherits. */
static int confine_now(dmn_node *n)
{
    const dmn_sandbox_cfg *s = &n->cfg.sandbox;
    summary[0] = missing[0] = '\0';
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
    note(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "nnp");
    struct rlimit rl = {0, 0};
    note(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && setrlimit(RLIMIT_CORE, &rl) == 0, "nodump");
    char why[96], net[192];
    int net_ok;
    int r = landlock_apply(&n->cfg, why, sizeof why, net, sizeof net, &net_ok);
    note(r == 0, why);
    if (net[0] && (pol.tcp || net_ok))
        note(net_ok, net);
    if (r == 0 && pol.ground && !s->ground_files)
        note(0, "landlock-files(ground_files=no:image-get-o/file-put-paths)");
    confined = 1;
    return 0;
}

int dmn_sandbox_confine(dmn_node *n)
{
    if (!armed || confined || role_off(&n->cfg))
        return 0;
    policy_of(&n->cfg);
    return pol.early ? confine_now(n) : 0;
}

int dmn_sandbox_apply(dmn_node *n)
{
    const dmn_sandbox_cfg *s = &n->cfg.sandbox;
    if (role_off(&n->cfg)) {
        snprintf(summary, sizeof summary, "off");
        dmn_log("sandbox: off ([sandbox] enabled = no)");
        return 0;
    }
    if (!confined) {
        policy_of(&n->cfg);
        int rc = confine_now(n);
        if (rc)
            return rc;
    }
    if (launcher_fd >= 0)
        add_word(summary, sizeof summary, "launcher");
    char why[96];
    note(seccomp_apply(why, sizeof why) == 0, why);
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
