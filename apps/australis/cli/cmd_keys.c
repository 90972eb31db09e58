/* SPDX-License-Identifier: Apache-2.0 */
/* australis keys: key-encryption-key files, key generation, listing, public export, import.
 *
 *   australis keys kek FILE
 *   australis keys generate --type master|session|mlkem768|mldsa65 --id ID [--activate]
 *                           [--pub-out FILE] STORE-OPTIONS
 *   australis keys list STORE-OPTIONS [--json]
 *   australis keys export-public --id ID --out FILE STORE-OPTIONS
 *   australis keys import --type TYPE --id ID --in FILE [--activate] STORE-OPTIONS
 *   STORE-OPTIONS: --config FILE (the daemon's: its keystore <store>.keys, kek_file, tenant)
 *                  or --store FILE (SQLite) --kek-file FILE [--tenant NAME]
 *
 * The keystore is the one the daemon uses: `--store <store>.keys --tenant <tenant>`. Secrets
 * are never printed; secret input files must be owner-only (like the KEK file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "australis/base.h"
#include "australis/keys.h"
#include "australis/pq.h"
#include "cli.h"
#include "daemon.h"
#include "store_keys.h"
#include "../../../port/posix/keyfile.h"
#include "../../../port/posix/store_sqlite.h"

typedef struct kopts {
    const char *store, *kek, *tenant, *type, *pub_out, *out, *in, *config;
    uint64_t id;
    int have_id, activate, json;
} kopts;

static void usage(FILE *f)
{
    fprintf(f, "usage: australis keys SUBCOMMAND [OPTIONS]\n\n"
               "  kek FILE             create a device key-encryption key file (mode 0600)\n"
               "  generate             generate a key into the keystore\n"
               "      --type master|session|mlkem768|mldsa65  --id ID  [--activate]\n"
               "      [--pub-out FILE]  (mlkem768 / mldsa65: also write the public key;\n"
               "                         mldsa65 stores the verification key at ID+1)\n"
               "  list [--json]        ids, types, states, times (never secret bytes)\n"
               "  export-public --id ID --out FILE   ML-KEM ek / ML-DSA vk (from an ek, vk or dk)\n"
               "  import --type TYPE --id ID --in FILE [--activate]\n"
               "      TYPE: master, session, mlkem768-dk, mlkem768-ek, mldsa65-sk, mldsa65-vk;\n"
               "      secret key files must be owner-only\n\n"
               "store options (all but kek): --config FILE (a daemon's INI: the keystore, KEK and\n"
               "  tenant that daemon uses), or --store FILE (SQLite keystore, e.g. <daemon\n"
               "  store>.keys) --kek-file FILE (owner-only) [--tenant NAME] (default \"default\")\n"
               "ids: decimal or 0x hex; master 0x0000-0x007F, session 0x0080-0x7FFF, PQ 0x8000-\n");
}

static int parse(int argc, char **argv, kopts *o)
{
    memset(o, 0, sizeof *o);
    o->tenant = "default";
    o->id = UINT64_MAX; /* --id given: below 0x10000 */
    const cli_opt tab[] = {
        {"--store", NULL, CLI_OPT_STR, &o->store, 0, 0, NULL},
        {"--kek-file", NULL, CLI_OPT_STR, &o->kek, 0, 0, NULL},
        {"--tenant", NULL, CLI_OPT_STR, &o->tenant, 0, 0, NULL},
        {"--type", NULL, CLI_OPT_STR, &o->type, 0, 0, NULL},
        {"--pub-out", NULL, CLI_OPT_STR, &o->pub_out, 0, 0, NULL},
        {"--out", NULL, CLI_OPT_STR, &o->out, 0, 0, NULL},
        {"--in", NULL, CLI_OPT_STR, &o->in, 0, 0, NULL},
        {"--config", NULL, CLI_OPT_STR, &o->config, 0, 0, NULL},
        {"--id", NULL, CLI_OPT_U64, &o->id, 0, 0xFFFF, "a key id"},
        {"--activate", NULL, CLI_OPT_FLAG, &o->activate, 0, 0, NULL},
        {"--json", NULL, CLI_OPT_FLAG, &o->json, 0, 0, NULL},
    };
    char cmd[48];
    const char *pos[1];
    int npos = 0;
    snprintf(cmd, sizeof cmd, "keys %s", argv[1]);
    int r = cli_opts_parse(cmd, argc, argv, 2, tab, sizeof tab / sizeof tab[0], pos, &npos, 0);
    o->have_id = o->id <= 0xFFFF;
    if (!o->have_id)
        o->id = 0;
    return r;
}

typedef struct kctx {
    aus_store st;
    aus_keys ks;
    int open;
} kctx;

static int open_store(kopts *o, kctx *c)
{
    static dmn_config cfg;
    static char kpath[sizeof cfg.store + 8];
    if (o->config) { /* what the daemon uses: <store>.keys under its KEK and tenant */
        if (o->store || o->kek) {
            cli_err("--config names the keystore and KEK itself: drop --store and --kek-file");
            return AUS_EXIT_USAGE;
        }
        if (dmn_config_load(&cfg, o->config) != 0)
            return AUS_EXIT_USAGE;
        snprintf(kpath, sizeof kpath, "%s.keys", cfg.store);
        o->store = kpath;
        o->kek = cfg.kek_file;
        if (!strcmp(o->tenant, "default"))
            o->tenant = cfg.tenant;
    }
    if (!o->store || !o->kek) {
        cli_err("--store and --kek-file are required");
        return AUS_EXIT_USAGE;
    }
    uint8_t kek[32];
    size_t kl = 0;
    aus_err e = aus_keyfile_read(o->kek, kek, sizeof kek, &kl);
    if (e != AUS_OK) {
        cli_err("key-encryption key %s: %s", o->kek, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    dmn_key prefix;
    dmn_key_area(&prefix, "keys", o->tenant);
    e = aus_store_sqlite_open(&c->st, o->store);
    if (e != AUS_OK) {
        aus_wipe(kek, sizeof kek);
        if (e == AUS_E_LOCKED)
            cli_err("keystore %s is owned by another process (pid %ld), e.g. a running daemon",
                    o->store, aus_store_sqlite_holder(o->store));
        else
            cli_err("keystore %s: %s", o->store, aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    (void)chmod(o->store, 0600);
    uint64_t ver = 0; /* a layout this binary does not know is refused, as by the daemon */
    if (dmn_schema_check(&c->st, o->store, &ver) != 0) {
        aus_wipe(kek, sizeof kek);
        aus_store_sqlite_close(&c->st);
        return AUS_EXIT_ENV;
    }
    e = aus_keys_open(&c->ks, &c->st, aus_crypto_default(), kek, kl, prefix.s);
    aus_wipe(kek, sizeof kek);
    if (e != AUS_OK) {
        aus_store_sqlite_close(&c->st);
        if (e == AUS_E_AUTH) {
            cli_err("keystore %s: %s is not its key-encryption key (the keystore's KEK check "
                    "does not verify): refused, nothing listed",
                    o->store, o->kek);
            return AUS_EXIT_USAGE;
        }
        cli_err("keystore %s: %s", o->store, aus_err_str(e));
        return AUS_EXIT_FAIL;
    }
    c->open = 1;
    return 0;
}

static void close_store(kctx *c)
{
    if (!c->open)
        return;
    aus_keys_close(&c->ks);
    aus_store_sqlite_close(&c->st);
    c->open = 0;
}

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

static int install(kctx *c, const kopts *o, uint16_t id, aus_key_type t, const uint8_t *k, size_t n)
{
    int act = t == AUS_KEY_T_MASTER || o->activate || t == AUS_KEY_T_MLKEM768_DK ||
              t == AUS_KEY_T_MLKEM768_EK || t == AUS_KEY_T_MLDSA65_SK || t == AUS_KEY_T_MLDSA65_VK;
    aus_key_state st = t == AUS_KEY_T_MASTER ? AUS_KEY_ACTIVE : AUS_KEY_PREACTIVE;
    aus_err e = aus_keys_install(&c->ks, id, t, st, k, n, now_s());
    if (e == AUS_OK && act && st != AUS_KEY_ACTIVE)
        e = aus_keys_activate(&c->ks, id, now_s());
    if (e != AUS_OK) {
        cli_err("key 0x%04x (%s): %s", id, aus_key_type_name(t), aus_err_str(e));
        return AUS_EXIT_FAIL;
    }
    printf("0x%04x %s %s\n", id, aus_key_type_name(t), act ? "active" : "pre-active");
    return 0;
}

static int write_pub(const char *path, const uint8_t *p, size_t n)
{
    if (!path)
        return 0;
    if (cli_write_file(path, p, n) != 0) {
        cli_err("cannot write %s: %s", path, strerror(errno));
        return AUS_EXIT_ENV;
    }
    return 0;
}

static int do_generate(kctx *c, const kopts *o)
{
    if (!o->type || !o->have_id) {
        cli_err("generate needs --type and --id");
        return AUS_EXIT_USAGE;
    }
    uint16_t id = (uint16_t)o->id;
    static uint8_t a[AUS_MLDSA65_PK_BYTES], b[AUS_MLDSA65_SK_BYTES];
    int rc = AUS_EXIT_USAGE;
    if (!strcmp(o->type, "master") || !strcmp(o->type, "session")) {
        const aus_crypto *cr = aus_crypto_default();
        if (cr->ops->random(cr->self, b, 32) != AUS_OK)
            return AUS_EXIT_ENV;
        rc = install(c, o, id, o->type[0] == 'm' ? AUS_KEY_T_MASTER : AUS_KEY_T_SESSION, b, 32);
    } else if (!strcmp(o->type, "mlkem768")) {
        if (aus_mlkem768_keygen(a, b) != AUS_OK)
            return AUS_EXIT_FAIL;
        rc = install(c, o, id, AUS_KEY_T_MLKEM768_DK, b, AUS_MLKEM768_DK_BYTES);
        if (!rc)
            rc = write_pub(o->pub_out, a, AUS_MLKEM768_EK_BYTES);
    } else if (!strcmp(o->type, "mldsa65")) {
        if (aus_mldsa65_keygen(a, b) != AUS_OK)
            return AUS_EXIT_FAIL;
        rc = install(c, o, id, AUS_KEY_T_MLDSA65_SK, b, AUS_MLDSA65_SK_BYTES);
        if (!rc)
            rc = install(c, o, (uint16_t)(id + 1), AUS_KEY_T_MLDSA65_VK, a, AUS_MLDSA65_PK_BYTES);
        if (!rc)
            rc = write_pub(o->pub_out, a, AUS_MLDSA65_PK_BYTES);
    } else {
        cli_err("unknown --type '%s' (master, session, mlkem768, mldsa65)", o->type);
    }
    aus_wipe(b, sizeof b);
    return rc;
}

static void fmt_time(uint64_t t, char *out, size_t cap)
{
    if (t == 0) {
        snprintf(out, cap, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    if (t > 100000000u && gmtime_r(&tt, &tm))
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(out, cap, "%llu", (unsigned long long)t);
}

static int do_list(kctx *c, const kopts *o)
{
    aus_key_info k;
    if (o->json)
        printf("[");
    else
        printf("%-6s  %-12s  %-11s  %4s  %-20s  %-20s  %-20s  %s\n", "id", "type", "state", "len",
               "created", "activated", "deactivated", "deadline");
    for (size_t i = 0; aus_keys_at(&c->ks, i, &k) == AUS_OK; i++) {
        char t[4][32];
        fmt_time(k.created, t[0], sizeof t[0]);
        fmt_time(k.activated, t[1], sizeof t[1]);
        fmt_time(k.deactivated, t[2], sizeof t[2]);
        fmt_time(k.deadline, t[3], sizeof t[3]);
        if (o->json)
            printf("%s{\"id\":%u,\"type\":\"%s\",\"state\":\"%s\",\"len\":%u,\"created\":%llu,"
                   "\"activated\":%llu,\"deactivated\":%llu,\"deadline\":%llu}",
                   i ? "," : "", k.id, aus_key_type_name((aus_key_type)k.type),
                   aus_key_state_name((aus_key_state)k.state), k.len, (unsigned long long)k.created,
                   (unsigned long long)k.activated, (unsigned long long)k.deactivated,
                   (unsigned long long)k.deadline);
        else
            printf("0x%04x  %-12s  %-11s  %4u  %-20s  %-20s  %-20s  %s\n", k.id,
                   aus_key_type_name((aus_key_type)k.type),
                   aus_key_state_name((aus_key_state)k.state), k.len, t[0], t[1], t[2], t[3]);
    }
    if (o->json)
        printf("]\n");
    return 0;
}

static int do_export(kctx *c, const kopts *o)
{
    if (!o->have_id || !o->out) {
        cli_err("export-public needs --id and --out");
        return AUS_EXIT_USAGE;
    }
    uint16_t id = (uint16_t)o->id;
    aus_key_info k;
    if (aus_keys_info(&c->ks, id, &k) != AUS_OK) {
        cli_err("no key 0x%04x", id);
        return AUS_EXIT_FAIL;
    }
    static uint8_t buf[AUS_KEY_MAX_BYTES];
    size_t n = 0;
    aus_err e;
    const uint8_t *pub = buf;
    if (k.type == AUS_KEY_T_MLKEM768_DK) {
        /* FIPS 203 §7.1: the dk embeds the ek at offset 384k = 1152 */
        e = aus_keys_get(&c->ks, id, AUS_KEY_USE_PRIVATE, now_s(), buf, sizeof buf, &n);
        pub = buf + 1152;
        n = AUS_MLKEM768_EK_BYTES;
    } else {
        e = aus_keys_get(&c->ks, id, AUS_KEY_USE_EXPORT, now_s(), buf, sizeof buf, &n);
    }
    int rc = 0;
    if (e != AUS_OK) {
        cli_err("key 0x%04x (%s) has no public half to export: %s", id,
                aus_key_type_name((aus_key_type)k.type), aus_err_str(e));
        rc = AUS_EXIT_FAIL;
    } else {
        rc = write_pub(o->out, pub, n);
    }
    aus_wipe(buf, sizeof buf);
    return rc;
}

static int type_of(const char *s, aus_key_type *t)
{
    static const struct {
        const char *n;
        aus_key_type t;
    } m[] = {{"master", AUS_KEY_T_MASTER},           {"session", AUS_KEY_T_SESSION},
             {"mlkem768-dk", AUS_KEY_T_MLKEM768_DK}, {"mlkem768-ek", AUS_KEY_T_MLKEM768_EK},
             {"mldsa65-sk", AUS_KEY_T_MLDSA65_SK},   {"mldsa65-vk", AUS_KEY_T_MLDSA65_VK}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(s, m[i].n)) {
            *t = m[i].t;
            return 0;
        }
    return -1;
}

static int do_import(kctx *c, const kopts *o)
{
    aus_key_type t;
    if (!o->type || !o->have_id || !o->in || type_of(o->type, &t) != 0) {
        cli_err("import needs --type (master, session, mlkem768-dk, mlkem768-ek, mldsa65-sk, "
                "mldsa65-vk), --id and --in");
        return AUS_EXIT_USAGE;
    }
    int secret = t != AUS_KEY_T_MLKEM768_EK && t != AUS_KEY_T_MLDSA65_VK;
    struct stat sb;
    if (secret && (stat(o->in, &sb) != 0 || (sb.st_mode & 077) != 0)) {
        cli_err("%s: %s", o->in, aus_err_str(AUS_E_PERM));
        return AUS_EXIT_USAGE;
    }
    size_t n = 0;
    uint8_t *k = NULL;
    if (t == AUS_KEY_T_MASTER || t == AUS_KEY_T_SESSION) { /* hex or raw, like the KEK file */
        k = malloc(32);
        aus_err e = k ? aus_keyfile_read(o->in, k, 32, &n) : AUS_E_IO;
        if (e != AUS_OK) {
            free(k);
            cli_err("%s: %s", o->in, aus_err_str(e));
            return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
        }
    } else if (!(k = cli_read_file(o->in, &n))) {
        cli_err("cannot read %s: %s", o->in, strerror(errno));
        return AUS_EXIT_ENV;
    }
    int rc = AUS_EXIT_FAIL;
    if (n != aus_key_type_len(t))
        cli_err("%s: %zu octets, a %s key has %zu", o->in, n, aus_key_type_name(t),
                aus_key_type_len(t));
    else
        rc = install(c, o, (uint16_t)o->id, t, k, n);
    aus_wipe(k, n);
    free(k);
    return rc;
}

static int do_kek(int argc, char **argv)
{
    if (argc != 3 || cli_is_help(argv[2])) {
        fprintf(argc == 3 ? stdout : stderr, "usage: australis keys kek FILE\n"
                                             "  create a new 32-octet key-encryption key file "
                                             "(hex, mode 0600); never overwrites\n");
        return argc == 3 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    }
    uint8_t k[32];
    const aus_crypto *cr = aus_crypto_default();
    if (cr->ops->random(cr->self, k, sizeof k) != AUS_OK)
        return AUS_EXIT_ENV;
    aus_err e = aus_keyfile_write(argv[2], k, sizeof k);
    aus_wipe(k, sizeof k);
    if (e != AUS_OK) {
        cli_err("cannot create %s (exists already?): %s", argv[2], aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    return AUS_EXIT_OK;
}

int cmd_keys(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AUS_EXIT_USAGE : AUS_EXIT_OK;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "kek"))
        return do_kek(argc, argv);
    int (*fn)(kctx *, const kopts *) = !strcmp(sub, "generate")        ? do_generate
                                       : !strcmp(sub, "list")          ? do_list
                                       : !strcmp(sub, "export-public") ? do_export
                                       : !strcmp(sub, "import")        ? do_import
                                                                       : NULL;
    if (!fn) {
        cli_err("unknown keys subcommand '%s' (see australis keys --help)", sub);
        return AUS_EXIT_USAGE;
    }
    kopts o;
    int p = parse(argc, argv, &o);
    if (p > 0)
        usage(stdout);
    if (p != 0) /* opts.h: one sentence printed */
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    kctx c;
    memset(&c, 0, sizeof c);
    int rc = open_store(&o, &c);
    if (rc)
        return rc;
    rc = fn(&c, &o);
    close_store(&c);
    return rc;
}
