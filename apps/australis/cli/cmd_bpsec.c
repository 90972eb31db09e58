/* SPDX-License-Identifier: Apache-2.0 */
/* australis bpsec: wrap / unwrap / inspect bundles with BPSec (RFC 9172) and the RFC 9173
 * default security contexts. The keyring (JSON) gives the key for a (security source,
 * context) pair; with --wrap-key (or when a block carries a wrapped key) it is the KEK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "australis/base.h"
#include "australis/bpsec.h"
#include "australis/bpv7.h"
#include "cli.h"

/* ---- keyring ---- */

typedef struct kr_entry {
    char source[AUS_BPSEC_EID_TEXT_MAX];
    int64_t ctx;
    uint8_t key[AUS_BPSEC_KEY_MAX];
    size_t len;
} kr_entry;

typedef struct keyring {
    size_t n;
    kr_entry *e;
} keyring;

static int ctx_id(const char *s, int64_t *out)
{
    if (!strcmp(s, "bib-hmac-sha2") || !strcmp(s, "1"))
        *out = AUS_BPSEC_CTX_BIB_HMAC_SHA2;
    else if (!strcmp(s, "bcb-aes-gcm") || !strcmp(s, "2"))
        *out = AUS_BPSEC_CTX_BCB_AES_GCM;
    else
        return -1;
    return 0;
}

static int keyring_load(const char *path, keyring *kr)
{
    size_t n = 0;
    uint8_t *p = cli_read_file(path, &n);
    if (!p) {
        cli_err("cannot read keyring %s", path);
        return AUS_EXIT_ENV;
    }
    cJSON *j = cJSON_ParseWithLength((const char *)p, n);
    free(p);
    const cJSON *keys = j ? cJSON_GetObjectItemCaseSensitive(j, "keys") : NULL;
    if (!cJSON_IsArray(keys)) {
        cli_err("keyring %s: expected {\"keys\":[{\"source\",\"context\",\"key\"},...]}", path);
        cJSON_Delete(j);
        return AUS_EXIT_USAGE;
    }
    kr->e = calloc((size_t)cJSON_GetArraySize(keys) + 1, sizeof *kr->e);
    const cJSON *k;
    int rc = AUS_EXIT_OK;
    cJSON_ArrayForEach(k, keys)
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(k, "source");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(k, "context");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(k, "key");
        kr_entry *e = &kr->e[kr->n];
        long kl = cJSON_IsString(h) ? cli_hex(h->valuestring, e->key, sizeof e->key) : -1;
        aus_eid eid;
        if (!cJSON_IsString(s) || !cJSON_IsString(c) || kl <= 0 ||
            strlen(s->valuestring) >= sizeof e->source || ctx_id(c->valuestring, &e->ctx) ||
            aus_bpv7_eid_parse(&eid, s->valuestring, strlen(s->valuestring)) != AUS_OK) {
            cli_err("keyring %s: entry %zu needs \"source\" (an ipn:/dtn: EID), \"context\" "
                    "(bib-hmac-sha2 or bcb-aes-gcm) and \"key\" (1..%d bytes of hex)",
                    path, kr->n + 1, AUS_BPSEC_KEY_MAX);
            rc = AUS_EXIT_USAGE;
            break;
        }
        strcpy(e->source, s->valuestring);
        e->len = (size_t)kl;
        kr->n++;
    }
    cJSON_Delete(j);
    return rc;
}

static void keyring_free(keyring *kr)
{
    if (kr->e)
        aus_wipe(kr->e, kr->n * sizeof *kr->e);
    free(kr->e);
}

static aus_err kr_lookup(void *user, const char *source, int64_t ctx, uint8_t *key, size_t cap,
                         size_t *len)
{
    const keyring *kr = user;
    for (size_t i = 0; i < kr->n; i++)
        if (kr->e[i].ctx == ctx && !strcmp(kr->e[i].source, source)) {
            if (kr->e[i].len > cap)
                return AUS_E_KEY;
            memcpy(key, kr->e[i].key, kr->e[i].len);
            *len = kr->e[i].len;
            return AUS_OK;
        }
    return AUS_E_NOTFOUND;
}

/* ---- option helpers ---- */

static void usage_wrap(FILE *f)
{
    fprintf(f,
            "usage: australis bpsec wrap --keyring FILE [--bib BLOCKS] [--bcb BLOCKS]\n"
            "                            [--sha 256|384|512] [--aes 128|256] [--scope FLAGS]\n"
            "                            [--wrap-key] [--source EID] [--iv HEX]\n"
            "                            [--session-key HEX] [--bib-session-key HEX]\n"
            "                            [--bib-number N] [--bcb-number N] IN -o OUT\n\n"
            "Adds a BIB (BIB-HMAC-SHA2, RFC 9173 §3) over the BLOCKS of --bib and a BCB\n"
            "(BCB-AES-GCM, RFC 9173 §4) over the BLOCKS of --bcb. Without --bib/--bcb:\n"
            "--bib all --bcb payload. Each block of --bcb gets a BCB of its own with its\n"
            "own IV, and is left out of the BIB: its AES-GCM tag protects it, and a BIB\n"
            "over it would have to be encrypted by that BCB under the same key and IV\n"
            "(RFC 9172 §3.9, RFC 9173 §4.3.1: one IV for all targets of a BCB).\n\n"
            "  BLOCKS   comma list of block numbers (a number that is no block number but the\n"
            "           type code of a block present names that block) or names: primary,\n"
            "           payload, age, hop-count,\n"
            "           previous-node (the block of that type), all (every non-security block;\n"
            "           for --bcb without the primary, age, hop-count and previous-node\n"
            "           blocks, which forwarders must read and are never encrypted)\n"
            "  --sha    HMAC SHA variant (default 256)\n"
            "  --aes    AES-GCM key size (default: from the key length, 256 with --wrap-key)\n"
            "  --scope  integrity / AAD scope flags 0..7, or names primary,target,security\n"
            "           (default 7 = all, RFC 9173 §3.3.3 / §4.3.4)\n"
            "  --wrap-key  fresh random session keys, AES-KW wrapped under the keyring key\n"
            "  --source security source EID (default: the bundle's source, or the keyring's\n"
            "           only source if it has no key for that); keys are looked up for\n"
            "           (source, context) in the keyring\n"
            "  --iv     the BCB IV (default: 12 random bytes, NIST SP 800-38D §8.2.2); for tests;\n"
            "           only with one block to encrypt\n"
            "  --session-key / --bib-session-key  explicit session keys (imply key wrapping)\n"
            "  --bib-number / --bcb-number  block numbers of the new BIB / (first) BCB\n"
            "  --now MS DTN time (ms since 2000-01-01) for the lifetime check (default: clock)\n"
            "A bundle a node deletes on receipt (RFC 9171 §5.6: lifetime expired, hop limit\n"
            "exceeded, an unsupported block flagged \"delete\") is refused (exit 1).\n\n"
            "keyring: {\"keys\":[{\"source\":\"ipn:2.1\",\"context\":\"bib-hmac-sha2\","
            "\"key\":\"<hex>\"},\n"
            "          {\"source\":\"ipn:2.1\",\"context\":\"bcb-aes-gcm\",\"key\":\"<hex>\"}]}\n");
}

static void usage_unwrap(FILE *f)
{
    fprintf(f, "usage: australis bpsec unwrap --keyring FILE [--now MS] IN -o OUT\n\n"
               "Decrypts every BCB, verifies every BIB (keys from the keyring by security\n"
               "source and context; the keyring key is the KEK when a block carries a wrapped\n"
               "key), checks the RFC 9172 block rules, removes the security blocks and writes\n"
               "the original bundle. The bundle must carry at least one BIB or BCB, and every\n"
               "block of a type other than payload, previous-node, bundle-age, hop-count must\n"
               "be covered by one. The unwrapped bundle must be one a node accepts on receipt\n"
               "(RFC 9171 §5.6: not past its lifetime at --now MS, default the clock; hop count\n"
               "within its limit; no unsupported block flagged \"delete\"). Exit 1 with a\n"
               "sentence on any failure; nothing is written.\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: australis bpsec wrap|unwrap|inspect [--help] ...\n\n"
               "  wrap     add a BIB and/or a BCB (RFC 9172, RFC 9173 contexts)\n"
               "  unwrap   verify, decrypt and remove every security block\n"
               "  inspect  list the security blocks of a bundle\n\n"
               "'australis bpsec COMMAND --help' describes each.\n");
}

typedef struct wrap_args {
    const char *keyring, *in, *out, *source, *bib, *bcb;
    int sha, aes, scope, wrap_key;
    uint8_t iv[16], sk[AUS_BPSEC_KEY_MAX], bsk[AUS_BPSEC_KEY_MAX];
    long iv_len, sk_len, bsk_len;
    uint64_t bib_num, bcb_num;
    uint64_t now; /* DTN ms for the receipt check */
} wrap_args;

static int parse_scope(const char *s, int *out)
{
    uint64_t v;
    if (!cli_u64(s, 7, &v)) {
        *out = (int)v;
        return 0;
    }
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    *out = 0;
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (!strcmp(t, "primary"))
            *out |= AUS_BPSEC_SCOPE_PRIMARY;
        else if (!strcmp(t, "target"))
            *out |= AUS_BPSEC_SCOPE_TARGET_HDR;
        else if (!strcmp(t, "security"))
            *out |= AUS_BPSEC_SCOPE_SECURITY_HDR;
        else if (strcmp(t, "none"))
            return -1;
    }
    return 0;
}

/* Seconds from 1970-01-01 to the DTN epoch 2000-01-01T00:00:00Z (RFC 9171 §4.2.6). */
#define DTN_EPOCH_UNIX 946684800ull

static uint64_t dtn_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || (uint64_t)ts.tv_sec < DTN_EPOCH_UNIX)
        return 0;
    return ((uint64_t)ts.tv_sec - DTN_EPOCH_UNIX) * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int fail_with(const char *what, aus_err e);

/* RFC 9171 §5.6: what a node does with the bundle on receipt (aus_bpv7_decide_receipt). A bundle
 * it deletes is neither protected nor handed out: 0, or AUS_EXIT_FAIL with a sentence. The node
 * processes BPSec's blocks and the agents' private-use block, as the daemons do. */
static int receipt_check(const char *what, const aus_bpv7_bundle *b, uint64_t now)
{
    static const uint64_t types[] = {AUS_BPSEC_BT_BIB, AUS_BPSEC_BT_BCB, AUS_BPSEC_BT_SEQ};
    aus_bpv7_node node = {now, types, sizeof types / sizeof types[0]};
    aus_bpv7_receipt r;
    aus_err e = aus_bpv7_decide_receipt(b, &node, &r);
    if (e != AUS_OK)
        return fail_with(what, e);
    if (r.action != AUS_BPV7_DELETE)
        return AUS_EXIT_OK;
    cli_err("%s: a node deletes this bundle on receipt: %s (reason %u, RFC 9171 §6.1.1)", what,
            aus_bpv7_reason_str(r.reason), r.reason);
    return AUS_EXIT_FAIL;
}

/* an option's value that the table takes as text and checks here: one sentence */
static int bad_opt(const char *opt, const char *want, const char *v)
{
    cli_err("bpsec wrap: option %s needs %s, not '%s'", opt, want, v);
    return -1;
}

static int parse_wrap(int argc, char **argv, wrap_args *a)
{
    memset(a, 0, sizeof *a);
    a->now = dtn_now_ms();
    a->sha = 256;
    a->scope = -1;
    const char *sha = NULL, *aes = NULL, *scope = NULL, *iv = NULL, *sk = NULL, *bsk = NULL;
    const cli_opt tab[] = {
        {"--keyring", NULL, CLI_OPT_STR, &a->keyring, 0, 0, NULL},
        {"-o", "--out", CLI_OPT_STR, &a->out, 0, 0, NULL},
        {"--bib", NULL, CLI_OPT_STR, &a->bib, 0, 0, NULL},
        {"--bcb", NULL, CLI_OPT_STR, &a->bcb, 0, 0, NULL},
        {"--source", NULL, CLI_OPT_STR, &a->source, 0, 0, NULL},
        {"--sha", NULL, CLI_OPT_STR, &sha, 0, 0, NULL},
        {"--aes", NULL, CLI_OPT_STR, &aes, 0, 0, NULL},
        {"--scope", NULL, CLI_OPT_STR, &scope, 0, 0, NULL},
        {"--iv", NULL, CLI_OPT_STR, &iv, 0, 0, NULL},
        {"--session-key", NULL, CLI_OPT_STR, &sk, 0, 0, NULL},
        {"--bib-session-key", NULL, CLI_OPT_STR, &bsk, 0, 0, NULL},
        {"--bib-number", NULL, CLI_OPT_U64, &a->bib_num, 2, UINT32_MAX, "a block number"},
        {"--bcb-number", NULL, CLI_OPT_U64, &a->bcb_num, 2, UINT32_MAX, "a block number"},
        {"--now", NULL, CLI_OPT_U64, &a->now, 0, UINT64_MAX, "a DTN time in ms"},
        {"--wrap-key", NULL, CLI_OPT_FLAG, &a->wrap_key, 0, 0, NULL},
    };
    const char *pos[1];
    int npos = 0;
    static const char *const names[] = {"IN"};
    int r =
        cli_opts_parse("bpsec wrap", argc, argv, 1, tab, sizeof tab / sizeof tab[0], pos, &npos, 1);
    if (r != 0)
        return r;
    if (cli_opts_count("bpsec wrap", pos, npos, 1, 1, names) != 0)
        return -1;
    a->in = pos[0];
    if (sha && strcmp(sha, "256") && strcmp(sha, "384") && strcmp(sha, "512"))
        return bad_opt("--sha", "256, 384 or 512", sha);
    if (aes && strcmp(aes, "128") && strcmp(aes, "256"))
        return bad_opt("--aes", "128 or 256", aes);
    a->sha = sha ? atoi(sha) : a->sha;
    a->aes = aes ? atoi(aes) : 0;
    if (scope && parse_scope(scope, &a->scope) != 0)
        return bad_opt("--scope", "0..7 or a list of primary,target,security", scope);
    if (iv && (a->iv_len = cli_hex(iv, a->iv, sizeof a->iv)) < 8)
        return bad_opt("--iv", "8..16 bytes in hex", iv);
    if (sk && (a->sk_len = cli_hex(sk, a->sk, sizeof a->sk)) < 16)
        return bad_opt("--session-key", "16..32 bytes in hex", sk);
    if (bsk && (a->bsk_len = cli_hex(bsk, a->bsk, sizeof a->bsk)) < 16)
        return bad_opt("--bib-session-key", "16..32 bytes in hex", bsk);
    if (!a->keyring || !a->out) {
        cli_err("bpsec wrap: missing option %s (see australis bpsec wrap --help)",
                a->keyring ? "-o OUT" : "--keyring FILE");
        return -1;
    }
    if (!a->bib && !a->bcb) {
        a->bib = "all";
        a->bcb = "payload";
    }
    return 0;
}

/* Parse BLOCKS against the decoded bundle; for_bcb leaves out the primary block in "all". */
static int parse_blocks(const char *s, const aus_bpv7_bundle *b, int for_bcb, uint64_t *t,
                        size_t *n)
{
    char buf[256];
    if (!s || strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint64_t v;
        long ix = -1;
        if (!strcmp(tok, "all")) {
            if (!for_bcb && *n < AUS_BPSEC_MAX_TARGETS)
                t[(*n)++] = 0;
            for (size_t i = 0; i < b->nblocks && *n < AUS_BPSEC_MAX_TARGETS; i++)
                if (b->blk[i].type != AUS_BPSEC_BT_BIB && b->blk[i].type != AUS_BPSEC_BT_BCB &&
                    (!for_bcb || (b->blk[i].type != AUS_BPV7_BT_AGE &&
                                  b->blk[i].type != AUS_BPV7_BT_HOP_COUNT &&
                                  b->blk[i].type != AUS_BPV7_BT_PREV_NODE)))
                    t[(*n)++] = b->blk[i].number;
            continue;
        }
        if (!strcmp(tok, "primary"))
            v = 0;
        else if (!strcmp(tok, "payload"))
            v = 1;
        else if ((!strcmp(tok, "age") && (ix = aus_bpv7_find_block(b, AUS_BPV7_BT_AGE)) >= 0) ||
                 (!strcmp(tok, "hop-count") &&
                  (ix = aus_bpv7_find_block(b, AUS_BPV7_BT_HOP_COUNT)) >= 0) ||
                 (!strcmp(tok, "previous-node") &&
                  (ix = aus_bpv7_find_block(b, AUS_BPV7_BT_PREV_NODE)) >= 0))
            v = b->blk[ix].number;
        else if (cli_u64(tok, UINT32_MAX, &v))
            return -1;
        /* a number that is no block number but the type code of a block present: that block */
        if (v > 1) {
            int isnum = 0;
            for (size_t i = 0; i < b->nblocks; i++)
                isnum |= b->blk[i].number == v;
            if (!isnum && (ix = aus_bpv7_find_block(b, v)) >= 0)
                v = b->blk[ix].number;
        }
        for (size_t i = 0; i < *n; i++)
            if (t[i] == v)
                return -1;
        if (*n >= AUS_BPSEC_MAX_TARGETS)
            return -1;
        t[(*n)++] = v;
    }
    return *n ? 0 : -1;
}

static uint64_t free_num(const aus_bpv7_bundle *b, const uint64_t *used, size_t nu)
{
    for (uint64_t n = 2;; n++) {
        int taken = 0;
        for (size_t i = 0; i < b->nblocks; i++)
            taken |= b->blk[i].number == n;
        for (size_t i = 0; i < nu; i++)
            taken |= used[i] == n;
        if (!taken)
            return n;
    }
}

static int fail_with(const char *what, aus_err e)
{
    cli_err("%s: %s (%s)", what, aus_err_str(e), aus_err_name(e));
    return e == AUS_E_IO ? AUS_EXIT_ENV : AUS_EXIT_FAIL;
}

typedef struct wrap_job {
    const aus_crypto *c;
    keyring kr;
    char source[AUS_BPSEC_EID_TEXT_MAX];
    uint8_t *buf;
    size_t len, cap;
} wrap_job;

static int run_op(wrap_job *j, const wrap_args *a, aus_bpsec_op *op, const uint8_t *sk, size_t skl)
{
    uint8_t key[AUS_BPSEC_KEY_MAX], rnd[AUS_BPSEC_KEY_MAX];
    size_t kl = 0;
    int bib = op->kind == AUS_BPSEC_BIB;
    int64_t cid = bib ? AUS_BPSEC_CTX_BIB_HMAC_SHA2 : AUS_BPSEC_CTX_BCB_AES_GCM;
    if (kr_lookup(&j->kr, j->source, cid, key, sizeof key, &kl) != AUS_OK) {
        cli_err("bpsec wrap: the keyring has no %s key for security source %s",
                bib ? "bib-hmac-sha2" : "bcb-aes-gcm", j->source);
        return AUS_EXIT_FAIL;
    }
    op->source = j->source;
    op->key = key;
    op->key_len = kl;
    if (!bib && !a->aes && !a->wrap_key && !sk)
        op->variant = kl == 16 ? AUS_AEAD_AES128_GCM : AUS_AEAD_AES256_GCM;
    if (sk) {
        op->session_key = sk;
        op->session_key_len = skl;
    } else if (a->wrap_key) {
        size_t n = bib ? aus_hash_len((aus_hash_alg)op->variant)
                       : (op->variant == AUS_AEAD_AES128_GCM ? 16u : 32u);
        if (j->c->ops->random(j->c->self, rnd, n) != AUS_OK)
            return fail_with("bpsec wrap", AUS_E_CRYPTO);
        op->session_key = rnd;
        op->session_key_len = n;
    }
    aus_err e = aus_bpsec_add(j->c, op, j->buf, &j->len, j->cap);
    aus_wipe(key, sizeof key);
    aus_wipe(rnd, sizeof rnd);
    if (e != AUS_OK) {
        cli_err("bpsec wrap: cannot add the %s: %s (%s)", bib ? "BIB" : "BCB", aus_err_str(e),
                aus_err_name(e));
        return e == AUS_E_KEY || e == AUS_E_ARG ? AUS_EXIT_USAGE : AUS_EXIT_FAIL;
    }
    return AUS_OK;
}

static int do_wrap(wrap_job *j, const wrap_args *a, const aus_bpv7_bundle *b)
{
    uint64_t bt[AUS_BPSEC_MAX_TARGETS], ct[AUS_BPSEC_MAX_TARGETS];
    uint64_t used[AUS_BPSEC_MAX_TARGETS + 2];
    size_t nb = 0, nc = 0, nu = 0;
    if ((a->bib && parse_blocks(a->bib, b, 0, bt, &nb)) ||
        (a->bcb && parse_blocks(a->bcb, b, 1, ct, &nc))) {
        cli_err("bpsec wrap: bad BLOCKS list (see --help)");
        return AUS_EXIT_USAGE;
    }
    if (nc > 1 && a->iv_len > 0) {
        cli_err("bpsec wrap: --iv with %zu blocks to encrypt: each gets a BCB of its own and "
                "needs its own IV (one AES-GCM key and IV never encrypt two blocks)",
                nc);
        return AUS_EXIT_USAGE;
    }
    aus_bpsec_op bib = {0}, bcb = {0};
    bib.kind = AUS_BPSEC_BIB;
    bib.variant = a->sha == 384   ? AUS_HASH_SHA384
                  : a->sha == 512 ? AUS_HASH_SHA512
                                  : AUS_HASH_SHA256;
    bib.scope = bcb.scope = (uint8_t)(a->scope < 0 ? 7 : a->scope);
    /* a block the BCBs encrypt stays out of the BIB: its GCM tag protects it (see --help); named
     * in both lists (not through "all") it is a mistake worth a sentence */
    int all = a->bib && strstr(a->bib, "all") != NULL; /* no other block name contains "all" */
    for (size_t i = 0; i < nb; i++) {
        int enc = 0;
        for (size_t k = 0; k < nc; k++)
            enc |= ct[k] == bt[i];
        if (enc && !all) {
            cli_err("bpsec wrap: block %llu is in both --bib and --bcb: its BCB's AES-GCM tag "
                    "protects it, and a BIB over it would have to be encrypted under the same "
                    "key and IV (RFC 9172 §3.9); leave it out of --bib",
                    (unsigned long long)bt[i]);
            return AUS_EXIT_USAGE;
        }
        if (!enc)
            bib.targets[bib.ntargets++] = bt[i];
    }
    if (a->bcb_num)
        used[nu++] = a->bcb_num;
    if (bib.ntargets) {
        bib.block_number = a->bib_num ? a->bib_num : free_num(b, used, nu);
        used[nu++] = bib.block_number;
    }
    int rc;
    if (bib.ntargets &&
        (rc = run_op(j, a, &bib, a->bsk_len > 0 ? a->bsk : NULL, (size_t)a->bsk_len)) != AUS_OK)
        return rc;
    bcb.kind = AUS_BPSEC_BCB;
    bcb.variant = a->aes == 128 ? AUS_AEAD_AES128_GCM : AUS_AEAD_AES256_GCM;
    bcb.ntargets = 1;
    uint8_t iv[12];
    bcb.iv = a->iv_len > 0 ? a->iv : iv;
    bcb.iv_len = a->iv_len > 0 ? (size_t)a->iv_len : sizeof iv;
    for (size_t k = 0; k < nc; k++) { /* one BCB, one fresh IV per encrypted block */
        bcb.targets[0] = ct[k];
        bcb.block_number = k == 0 && a->bcb_num ? a->bcb_num : free_num(b, used, nu);
        used[nu++] = bcb.block_number;
        if (a->iv_len <= 0 && j->c->ops->random(j->c->self, iv, sizeof iv) != AUS_OK)
            return fail_with("bpsec wrap", AUS_E_CRYPTO);
        if ((rc = run_op(j, a, &bcb, a->sk_len > 0 ? a->sk : NULL, (size_t)a->sk_len)) != AUS_OK)
            return rc;
    }
    return AUS_OK;
}

/* The bundle's source when the keyring has keys for it; otherwise the keyring's only source. */
static void default_source(const keyring *kr, const aus_bpv7_bundle *b, char *out, size_t cap)
{
    aus_bpv7_eid_format(&b->pri.src, out, cap);
    const char *only = NULL;
    for (size_t i = 0; i < kr->n; i++) {
        if (!strcmp(kr->e[i].source, out))
            return;
        if (only && strcmp(only, kr->e[i].source))
            return; /* several sources: keep the bundle's */
        only = kr->e[i].source;
    }
    if (only)
        snprintf(out, cap, "%s", only);
}

static int cmd_wrap(int argc, char **argv)
{
    wrap_args a;
    int p = parse_wrap(argc, argv, &a);
    if (p > 0)
        usage_wrap(stdout);
    if (p != 0) /* opts.h: one sentence printed */
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    wrap_job j = {.c = aus_crypto_default()};
    int rc = keyring_load(a.keyring, &j.kr);
    size_t n = 0;
    uint8_t *in = rc ? NULL : cli_read_file(a.in, &n);
    if (!rc && !in) {
        cli_err("bpsec wrap: cannot read %s", a.in);
        rc = AUS_EXIT_ENV;
    }
    aus_bpv7_bundle b;
    aus_err e = AUS_OK;
    if (!rc && (e = aus_bpv7_decode(&b, in, n, 0)) != AUS_OK)
        rc = fail_with("bpsec wrap: the input is not a valid bundle", e);
    if (!rc)
        rc = receipt_check("bpsec wrap", &b, a.now);
    if (!rc) {
        if (a.source)
            snprintf(j.source, sizeof j.source, "%s", a.source);
        else
            default_source(&j.kr, &b, j.source, sizeof j.source);
        j.cap = n + 4096;
        j.buf = malloc(j.cap);
        memcpy(j.buf, in, n);
        j.len = n;
        rc = do_wrap(&j, &a, &b);
    }
    if (!rc && cli_write_file(a.out, j.buf, j.len)) {
        cli_err("bpsec wrap: cannot write %s", a.out);
        rc = AUS_EXIT_ENV;
    }
    free(in);
    free(j.buf);
    keyring_free(&j.kr);
    return rc;
}

/* The unwrapped bundle (plaintext now, so every extension block is readable) through the
 * receipt check before it is handed out. */
static int unwrapped_receipt(const uint8_t *buf, size_t n, uint64_t now)
{
    static aus_bpv7_bundle b;
    aus_err e = aus_bpv7_decode(&b, buf, n, 0);
    if (e != AUS_OK)
        return fail_with("bpsec unwrap: the unwrapped bundle is not valid", e);
    return receipt_check("bpsec unwrap: rejected", &b, now);
}

static int cmd_unwrap(int argc, char **argv)
{
    const char *kr_path = NULL, *inp = NULL, *outp = NULL, *pos[1];
    uint64_t now = dtn_now_ms();
    int npos = 0;
    static const char *const names[] = {"IN"};
    const cli_opt tab[] = {
        {"--keyring", NULL, CLI_OPT_STR, &kr_path, 0, 0, NULL},
        {"-o", "--out", CLI_OPT_STR, &outp, 0, 0, NULL},
        {"--now", NULL, CLI_OPT_U64, &now, 0, UINT64_MAX, "a DTN time in ms"},
    };
    int p = cli_opts_parse("bpsec unwrap", argc, argv, 1, tab, sizeof tab / sizeof tab[0], pos,
                           &npos, 1);
    if (p > 0)
        usage_unwrap(stdout);
    if (p != 0)
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    if (cli_opts_count("bpsec unwrap", pos, npos, 1, 1, names) != 0)
        return AUS_EXIT_USAGE;
    inp = pos[0];
    if (!kr_path || !outp) {
        cli_err("bpsec unwrap: missing option %s (see australis bpsec unwrap --help)",
                kr_path ? "-o OUT" : "--keyring FILE");
        return AUS_EXIT_USAGE;
    }
    keyring kr = {0};
    int rc = keyring_load(kr_path, &kr);
    size_t n = 0;
    uint8_t *buf = rc ? NULL : cli_read_file(inp, &n);
    if (!rc && !buf) {
        cli_err("bpsec unwrap: cannot read %s", inp);
        rc = AUS_EXIT_ENV;
    }
    if (!rc) {
        aus_bpsec_report rep;
        aus_err e = aus_bpsec_open(aus_crypto_default(), kr_lookup, &kr, buf, &n, &rep);
        if (e != AUS_OK) {
            cli_err("bpsec unwrap: rejected: %s%s%s (%s)", rep.detail,
                    rep.source[0] ? "; security source " : "", rep.source, aus_err_name(e));
            rc = AUS_EXIT_FAIL;
        } else if (rep.nbib + rep.nbcb == 0) {
            cli_err("bpsec unwrap: rejected: the bundle carries no BIB and no BCB, nothing "
                    "could be verified");
            rc = AUS_EXIT_FAIL;
        } else if (rep.nuncovered) {
            /* a bundle whose security block was turned into an unknown block (one flipped bit
             * in its type code) must not pass as "unwrapped" */
            cli_err("bpsec unwrap: rejected: %zu block(s) of an unknown type are covered by no "
                    "BIB and no BCB",
                    rep.nuncovered);
            rc = AUS_EXIT_FAIL;
        } else if ((rc = unwrapped_receipt(buf, n, now)) != AUS_EXIT_OK) {
            /* the sentence is out; nothing is written */
        } else if (cli_write_file(outp, buf, n)) {
            cli_err("bpsec unwrap: cannot write %s", outp);
            rc = AUS_EXIT_ENV;
        }
    }
    free(buf);
    keyring_free(&kr);
    return rc;
}

static int cmd_inspect(int argc, char **argv)
{
    const char *pos[1];
    int npos = 0;
    static const char *const names[] = {"IN"};
    int hp = cli_opts_parse("bpsec inspect", argc, argv, 1, NULL, 0, pos, &npos, 1);
    if (hp > 0)
        printf("usage: australis bpsec inspect IN\n\nLists every block; for BIBs and BCBs "
               "the targets, context, source and parameter ids.\n");
    if (hp != 0)
        return hp > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    if (cli_opts_count("bpsec inspect", pos, npos, 1, 1, names) != 0)
        return AUS_EXIT_USAGE;
    size_t n = 0;
    uint8_t *in = cli_read_file(pos[0], &n);
    if (!in) {
        cli_err("bpsec inspect: cannot read %s", pos[0]);
        return AUS_EXIT_ENV;
    }
    aus_bpv7_bundle b;
    aus_err e = aus_bpv7_decode(&b, in, n, 0);
    int rc = e ? fail_with("bpsec inspect: not a valid bundle", e) : AUS_EXIT_OK;
    for (size_t i = 0; !rc && i < b.nblocks; i++) {
        const aus_bpv7_block *k = &b.blk[i];
        printf("block %llu type %llu (%s) flags 0x%llx crc %u len %zu\n",
               (unsigned long long)k->number, (unsigned long long)k->type,
               k->type == AUS_BPSEC_BT_SEQ ? "bpsec-seq" : aus_bpv7_block_type_str(k->type),
               (unsigned long long)k->flags, k->crc_type, k->data_len);
        aus_bpsec_asb a;
        char src[AUS_BPSEC_EID_TEXT_MAX];
        if (k->type != AUS_BPSEC_BT_BIB && k->type != AUS_BPSEC_BT_BCB)
            continue;
        if (aus_bpsec_asb_decode(&a, k->data, k->data_len) != AUS_OK ||
            aus_bpsec_asb_source(&a, src, sizeof src) != AUS_OK) {
            printf("  (not readable: encrypted or malformed)\n");
            continue;
        }
        printf("  context %lld source %s targets", (long long)a.ctx_id, src);
        for (size_t t = 0; t < a.ntargets; t++)
            printf(" %llu", (unsigned long long)a.targets[t]);
        printf(" params");
        for (size_t p = 0; p < a.nparams; p++)
            printf(" %llu", (unsigned long long)a.params[p].id);
        printf("\n");
    }
    free(in);
    return rc;
}

int cmd_bpsec(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return AUS_EXIT_OK;
    }
    if (!strcmp(argv[1], "wrap"))
        return cmd_wrap(argc - 1, argv + 1);
    if (!strcmp(argv[1], "unwrap"))
        return cmd_unwrap(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect"))
        return cmd_inspect(argc - 1, argv + 1);
    cli_err("bpsec: unknown subcommand '%s' (wrap, unwrap, inspect)", argv[1]);
    return AUS_EXIT_USAGE;
}
