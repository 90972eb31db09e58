/* SPDX-License-Identifier: Apache-2.0 */
/* australis init DIR: a matching ground and satellite pair under DIR, ready to run.
 *
 * What goes where (docs/keys.md, docs/quickstart.md):
 *   DIR/ground.ini, DIR/sat.ini          the two node configurations (absolute paths)
 *   DIR/ground/keys/ground.kek           the ground's key-encryption key: stays on the ground
 *   DIR/sat/keys/sat.kek                 the satellite's key-encryption key: stays on board
 *   DIR/{ground,sat}/keys/session.ek     the first session keys (EK 0x0100, AK 0x0101) and the
 *   DIR/{ground,sat}/keys/session.ak       OTAR master key (0x0001): the SAME bytes at both ends
 *   DIR/{ground,sat}/keys/master.key       (one copy per node, so each node folder stands alone)
 *   DIR/{ground,sat}/pq/                 each node's PQ public keys (written at its first boot);
 *                                        each reads the other's folder as pq_peer_dir
 *   DIR/{ground,sat}/{in,out,quarantine} the folder link; DIR/ground/downloads, DIR/sat/data
 *   DIR/sat/data/sample.img              a sample file for `australis image get sample.img`
 * Every folder is 0700 and every key file 0600; nothing that exists is overwritten. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "australis/base.h"
#include "../../../port/posix/keyfile.h"

#define INIT_PATH 400 /* DIR bound: the ground socket path must fit sun_path (108) */
#define INIT_SOCK_MAX 100

static const char init_help[] =
    "usage: australis init DIR [--tenant NAME] [--link folder|ccsds] [--sat-node N] "
    "[--ground-node N]\n\n"
    "Writes a matching ground and satellite pair under DIR (created if missing; refused if it\n"
    "already holds ground.ini or sat.ini): DIR/ground.ini and DIR/sat.ini, the keys of both\n"
    "nodes (the key-encryption keys stay on one node each; the session keys and the OTAR\n"
    "master key are the same bytes at both ends, one copy per node), the folder link, a\n"
    "satellite data folder with sample.img, and prints the commands that start both daemons\n"
    "and carry passes between them. See docs/quickstart.md and docs/keys.md.\n\n"
    "  --tenant NAME      the tenant (default: tenant1; <= 24 characters [A-Za-z0-9_-])\n"
    "  --link L           folder (default: one bundle per file) or ccsds (one file of CLTUs /\n"
    "                     CADUs per pass; adds the shared SDLS key)\n"
    "  --sat-node N       the satellite's ipn node number (default 100)\n"
    "  --ground-node N    the ground's ipn node number (default 200)\n";

static int mkdir_0700(const char *p)
{
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        cli_err("cannot create %s: %s", p, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_err("%s exists and is not a folder", p);
        return -1;
    }
    return 0;
}

static int new_key(const char *path, const uint8_t *k)
{
    aus_err e = aus_keyfile_write(path, k, 32);
    if (e != AUS_OK) {
        cli_err("cannot write key file %s: %s", path, aus_err_str(e));
        return -1;
    }
    return 0;
}

static int rand_bytes(uint8_t *p, size_t n)
{
    size_t o = 0;
    while (o < n) {
        ssize_t r = getrandom(p + o, n - o, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            cli_err("no randomness from the system: %s", strerror(errno));
            return -1;
        }
        o += (size_t)r;
    }
    return 0;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
    if (cli_write_file(path, (const uint8_t *)text, strlen(text)) != 0) {
        cli_err("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    chmod(path, mode);
    return 0;
}

typedef struct init_opts {
    const char *dir, *tenant, *link;
    uint64_t sat_node, ground_node;
} init_opts;

/* One node's INI text (malloc'd). side = "sat" | "ground". */
static char *node_ini(const init_opts *o, const char *d, int sat)
{
    const char *me = sat ? "sat" : "ground", *peer = sat ? "ground" : "sat";
    int ccsds = !strcmp(o->link, "ccsds");
    char *t = malloc(8192);
    if (!t)
        return NULL;
    int k = snprintf(
        t, 8192,
        "# Australis %s daemon, written by `australis init`: australis run --config %s/%s.ini\n"
        "# Every key is described in docs/daemon.md; the key files in docs/keys.md.\n\n"
        "[node]\n"
        "role = %s\n"
        "node = %llu               # our ipn: node number\n"
        "peer = %llu               # the other end of the pair\n"
        "tenant = %s\n"
        "lifetime_s = 86400\n\n"
        "[folders]\n"
        "incoming = %s/%s/in       # the pass brings the peer's files here\n"
        "outgoing = %s/%s/out      # ... and takes ours from here\n"
        "quarantine = %s/%s/quarantine\n\n"
        "[store]\n"
        "path = %s/%s/state.db\n\n"
        "[keys]\n"
        "kek_file = %s/%s/keys/%s.kek       # this node's own key-encryption key: never copied\n"
        "ek_file = %s/%s/keys/session.ek    # shared by both ends: first session keys\n"
        "ak_file = %s/%s/keys/session.ak\n"
        "master_file = %s/%s/keys/master.key # shared by both ends: OTAR master key\n"
        "pq_dir = %s/%s/pq                  # our ML-KEM/ML-DSA public keys are written here\n"
        "pq_peer_dir = %s/%s/pq             # the peer's public keys are read from here\n"
        "%s%s%s%s"
        "\n[link]\n"
        "link = %s\n"
        "scid = 100\n"
        "tm_vcid = 0\n"
        "tc_vcid = 4\n"
        "tm_spi = 1\n"
        "tc_spi = 2\n"
        "tm_frame_len = 1115\n",
        me, d, me, me, (unsigned long long)(sat ? o->sat_node : o->ground_node),
        (unsigned long long)(sat ? o->ground_node : o->sat_node), o->tenant, d, me, d, me, d, me, d,
        me, d, me, me, d, me, d, me, d, me, d, me, d, peer, ccsds ? "sdls_key_file = " : "",
        ccsds ? d : "", ccsds ? (sat ? "/sat" : "/ground") : "",
        ccsds ? "/keys/sdls.key   # shared by both ends: frame-layer SDLS key\n" : "", o->link);
    if (k < 0 || k >= 8192) {
        free(t);
        return NULL;
    }
    size_t at = (size_t)k;
    if (sat)
        k = snprintf(t + at, 8192 - at,
                     "\n[sat]\n"
                     "data_dir = %s/sat/data        # `image get NAME` reads NAME from here\n"
                     "chunk_size = 8192\n"
                     "exec.hello = %s/sat/hello.sh  # `australis cmd exec hello ARGS...`\n",
                     d, d);
    else
        k = snprintf(t + at, 8192 - at,
                     "\n[ground]\n"
                     "socket = %s/ground.sock     # the clients (tm, cmd, image, ...) use this\n"
                     "downloads = %s/ground/downloads\n"
                     "retry_s = 120                 # ask again after two minutes unanswered\n",
                     d, d);
    if (k < 0 || (size_t)k >= 8192 - at) {
        free(t);
        return NULL;
    }
    return t;
}

static int parse(int argc, char **argv, init_opts *o)
{
    o->dir = NULL;
    o->tenant = "tenant1";
    o->link = "folder";
    o->sat_node = 100;
    o->ground_node = 200;
    const char *pos[1];
    int npos = 0;
    static const char *const names[] = {"DIR"};
    const cli_opt tab[] = {
        {"--tenant", NULL, CLI_OPT_STR, &o->tenant, 0, 0, NULL},
        {"--link", NULL, CLI_OPT_STR, &o->link, 0, 0, NULL},
        {"--sat-node", NULL, CLI_OPT_U64, &o->sat_node, 1, UINT32_MAX, "a node number"},
        {"--ground-node", NULL, CLI_OPT_U64, &o->ground_node, 1, UINT32_MAX, "a node number"},
    };
    int r = cli_opts_parse("init", argc, argv, 1, tab, sizeof tab / sizeof tab[0], pos, &npos, 1);
    if (r > 0) {
        fputs(init_help, stdout);
        return -1; /* help shown: exit 0 */
    }
    if (r != 0 || cli_opts_count("init", pos, npos, 1, 1, names) != 0)
        return AUS_EXIT_USAGE;
    o->dir = pos[0];
    size_t tl = strlen(o->tenant);
    if (tl == 0 || tl > 24 ||
        strspn(o->tenant, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                          "WXYZ0123456789_-") != tl) {
        cli_err("--tenant: '%s' is not 1 to 24 characters of A-Z a-z 0-9 _ -", o->tenant);
        return AUS_EXIT_USAGE;
    }
    if (strcmp(o->link, "folder") && strcmp(o->link, "ccsds")) {
        cli_err("--link: '%s' is neither folder nor ccsds", o->link);
        return AUS_EXIT_USAGE;
    }
    if (o->sat_node == o->ground_node) {
        cli_err("the satellite and the ground need different node numbers (both %llu)",
                (unsigned long long)o->sat_node);
        return AUS_EXIT_USAGE;
    }
    return 0;
}

/* The folders and key files of both nodes under d (absolute, existing). */
static int write_world(const init_opts *o, const char *d)
{
    static const char *const sub[] = {
        "ground",           "ground/keys",    "ground/in", "ground/out", "ground/quarantine",
        "ground/downloads", "ground/pq",      "sat",       "sat/keys",   "sat/in",
        "sat/out",          "sat/quarantine", "sat/data",  "sat/pq"};
    char p[PATH_MAX + 64]; /* d is up to PATH_MAX */
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d, sub[i]);
        if (mkdir_0700(p) != 0)
            return AUS_EXIT_ENV;
    }
    /* shared secrets: one draw, one copy per node */
    static const char *const shared[] = {"session.ek", "session.ak", "master.key", "sdls.key"};
    size_t nshared = strcmp(o->link, "ccsds") ? 3 : 4;
    uint8_t k[32];
    int rc = 0;
    for (size_t i = 0; i < nshared && rc == 0; i++) {
        rc = rand_bytes(k, sizeof k);
        for (int s = 0; s < 2 && rc == 0; s++) {
            snprintf(p, sizeof p, "%s/%s/keys/%s", d, s ? "sat" : "ground", shared[i]);
            rc = new_key(p, k);
        }
    }
    for (int s = 0; s < 2 && rc == 0; s++) { /* each node's own KEK */
        rc = rand_bytes(k, sizeof k);
        snprintf(p, sizeof p, "%s/%s/keys/%s.kek", d, s ? "sat" : "ground", s ? "sat" : "ground");
        if (rc == 0)
            rc = new_key(p, k);
    }
    aus_wipe(k, sizeof k);
    if (rc != 0)
        return AUS_EXIT_ENV;
    /* a sample data file: 64 KiB, eight chunks of the default chunk size */
    static uint8_t sample[65536];
    if (rand_bytes(sample, sizeof sample) != 0)
        return AUS_EXIT_ENV;
    snprintf(p, sizeof p, "%s/sat/data/sample.img", d);
    if (cli_write_file(p, sample, sizeof sample) != 0) {
        cli_err("cannot write %s: %s", p, strerror(errno));
        return AUS_EXIT_ENV;
    }
    snprintf(p, sizeof p, "%s/sat/hello.sh", d);
    if (write_text(p, "#!/bin/sh\necho \"hello from the satellite: $*\"\n", 0700) != 0)
        return AUS_EXIT_ENV;
    for (int s = 0; s < 2; s++) {
        char *ini = node_ini(o, d, s);
        snprintf(p, sizeof p, "%s/%s.ini", d, s ? "sat" : "ground");
        int w = ini ? write_text(p, ini, 0600) : -1;
        free(ini);
        if (w != 0)
            return AUS_EXIT_ENV;
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(init_help, stdout);
        return AUS_EXIT_OK;
    }
    init_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? AUS_EXIT_OK : rc;
    umask(077);
    if (mkdir(o.dir, 0700) != 0 && errno != EEXIST) {
        cli_err("cannot create %s: %s", o.dir, strerror(errno));
        return AUS_EXIT_ENV;
    }
    char d[PATH_MAX];
    if (!realpath(o.dir, d)) {
        cli_err("%s: %s", o.dir, strerror(errno));
        return AUS_EXIT_ENV;
    }
    struct stat dst;
    if (stat(d, &dst) != 0 || dst.st_uid != geteuid() || (dst.st_mode & 022)) {
        /* keys go in here: another user who can write the folder could swap its subfolders */
        cli_err("%s is not a private folder of ours (another user owns it or can write to it): "
                "choose one only we can write",
                d);
        return AUS_EXIT_USAGE;
    }
    if (strlen(d) + sizeof "/ground.sock" > INIT_SOCK_MAX) {
        cli_err("%s is too long a path: the ground's socket %s/ground.sock must stay under %d "
                "characters (choose a shorter folder)",
                d, d, INIT_SOCK_MAX);
        return AUS_EXIT_USAGE;
    }
    char p[PATH_MAX + 64]; /* d is up to PATH_MAX */
    static const char *const mine[] = {"ground.ini", "sat.ini", "ground", "sat"};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d, mine[i]);
        struct stat st;
        if (lstat(p, &st) == 0) {
            cli_err("%s already exists: init never overwrites a pair (choose an empty folder)", p);
            return AUS_EXIT_USAGE;
        }
    }
    rc = write_world(&o, d);
    if (rc)
        return rc;
    printf("Wrote a ground and satellite pair for tenant '%s' (link = %s) in %s:\n"
           "  %s/sat.ini      satellite ipn:%llu: keys in sat/keys, data in sat/data\n"
           "  %s/ground.ini   ground ipn:%llu: keys in ground/keys, downloads in "
           "ground/downloads\n"
           "  sat.kek and ground.kek stay on their node; session.ek, session.ak and master.key\n"
           "  are the same at both ends (docs/keys.md).\n\n"
           "Start both daemons and carry passes between them (three commands):\n"
           "  australis run --config %s/sat.ini &\n"
           "  australis run --config %s/ground.ini &\n"
           "  while sleep 1; do australis pass --from %s/ground/out --to %s/sat/in --quiet; "
           "australis pass --from %s/sat/out --to %s/ground/in --quiet; done &\n\n"
           "Then ask the satellite:\n"
           "  australis tm --wait --config %s/ground.ini\n"
           "  australis cmd ping hello --wait --config %s/ground.ini\n"
           "  australis image get sample.img --wait --config %s/ground.ini\n",
           o.tenant, o.link, d, d, (unsigned long long)o.sat_node, d,
           (unsigned long long)o.ground_node, d, d, d, d, d, d, d, d, d);
    return AUS_EXIT_OK;
}
