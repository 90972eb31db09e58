/* SPDX-License-Identifier: Apache-2.0 */
/* australis bundle: create, inspect, fragment, reassemble BPv7 bundles; status reports.
 *
 *   australis bundle create --src EID --dst EID [--report-to EID] [--lifetime MS]
 *                           [--crc none|16|32c] [--hop-limit N] [--age MS] [--prev-node EID]
 *                           [--payload FILE|-] [more options] -o FILE
 *   australis bundle inspect [--json] [--strict] [--now MS] FILE...
 *   australis bundle status --subject FILE --src EID [...] -o FILE
 *   australis bundle reassemble -o FILE FRAGMENT...
 *
 * `inspect` (an interface used by outside conformance checks) answers two questions per file:
 * is it a well-formed bundle (RFC 9171 §4), and what would a node running this stack do on
 * receipt (§5.6: accept, or delete with a §6.1.1 reason code; blocks it discards). For a file
 * that is not a bundle it prints exactly one line
 *   FILE: invalid: <sentence> at byte <offset>
 * (offset: the first byte of the item at fault); for a file it cannot read, on stderr,
 *   FILE: cannot read: <reason>
 * Exit 0 when every file is well formed (whatever the receipt action), 1 when one is not,
 * 3 on an I/O error, 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "australis/bpsec.h"
#include "australis/bpv7.h"
#include "cli.h"

/* Seconds from 1970-01-01 to the DTN epoch 2000-01-01T00:00:00Z (RFC 9171 §4.2.6). */
#define DTN_EPOCH_UNIX 946684800ull

static uint64_t dtn_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || (uint64_t)ts.tv_sec < DTN_EPOCH_UNIX)
        return 0;
    return ((uint64_t)ts.tv_sec - DTN_EPOCH_UNIX) * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int parse_crc(const char *s, uint8_t *crc)
{
    if (!strcmp(s, "none") || !strcmp(s, "0"))
        *crc = AUS_BPV7_CRC_NONE;
    else if (!strcmp(s, "16") || !strcmp(s, "1"))
        *crc = AUS_BPV7_CRC_16;
    else if (!strcmp(s, "32c") || !strcmp(s, "32C") || !strcmp(s, "2"))
        *crc = AUS_BPV7_CRC_32C;
    else
        return -1;
    return 0;
}

static int parse_eid(const char *opt, const char *s, aus_eid *e)
{
    aus_err rc = aus_bpv7_eid_parse(e, s, strlen(s));
    if (rc != AUS_OK) {
        cli_err("%s '%s': %s (use ipn:NODE.SERVICE, dtn://NODE/DEMUX or dtn:none)", opt, s,
                aus_err_str(rc));
        return -1;
    }
    return 0;
}

static int write_out(const char *path, const uint8_t *p, size_t n)
{
    if (cli_write_file(path, p, n) != 0) {
        cli_err("cannot write %s: %s", path, strerror(errno));
        return AUS_EXIT_ENV;
    }
    return AUS_EXIT_OK;
}

/* Encode b into a fresh buffer (size first, then bytes). */
static uint8_t *encode_alloc(const aus_bpv7_bundle *b, size_t *n)
{
    long need = aus_bpv7_encode(b, NULL, 0);
    if (need < 0) {
        cli_err("cannot encode the bundle: %s", aus_err_str((int)need));
        return NULL;
    }
    uint8_t *p = malloc((size_t)need);
    if (!p)
        return NULL;
    long got = aus_bpv7_encode(b, p, (size_t)need);
    if (got != need) {
        cli_err("cannot encode the bundle: %s", aus_err_str((int)got));
        free(p);
        return NULL;
    }
    *n = (size_t)got;
    return p;
}

/* Write b as fragments of at most frag_size payload bytes: OUT.000, OUT.001, ... */
static int write_fragments(const aus_bpv7_bundle *b, size_t frag_size, const char *out)
{
    size_t total = b->payload_len;
    size_t k = 0;
    for (size_t off = 0; off < total || (total == 0 && off == 0); off += frag_size, k++) {
        size_t len = total - off < frag_size ? total - off : frag_size;
        long need = aus_bpv7_fragment(b, off, len, NULL, 0);
        if (need < 0) {
            cli_err("cannot fragment: %s", aus_err_str((int)need));
            return AUS_EXIT_FAIL;
        }
        uint8_t *p = malloc((size_t)need);
        if (!p)
            return AUS_EXIT_ENV;
        long got = aus_bpv7_fragment(b, off, len, p, (size_t)need);
        char name[4096];
        snprintf(name, sizeof name, "%s.%03zu", out, k);
        int rc = got == need ? write_out(name, p, (size_t)got) : AUS_EXIT_FAIL;
        free(p);
        if (rc)
            return rc;
        if (total == 0)
            break;
    }
    printf("%zu fragments written (%s.000 ...)\n", k, out);
    return AUS_EXIT_OK;
}

static const char create_usage[] =
    "usage: australis bundle create --src EID --dst EID [options] -o FILE\n"
    "\n"
    "Builds one BPv7 bundle (RFC 9171). EIDs: ipn:NODE.SERVICE, dtn://NODE/DEMUX, dtn:none.\n"
    "\n"
    "  --src EID            source node ID (dtn:none makes an anonymous bundle)\n"
    "  --dst EID            destination endpoint\n"
    "  --report-to EID      where status reports go (default: the source)\n"
    "  --lifetime MS        lifetime in milliseconds (default 86400000)\n"
    "  --crc none|16|32c    CRC type of the primary block and every block (default 32c)\n"
    "  --hop-limit N        add a hop count block with limit N (1..255)\n"
    "  --hop-count N        the hop count in that block (default 0)\n"
    "  --age MS             add a bundle age block\n"
    "  --prev-node EID      add a previous node block\n"
    "  --payload FILE|-     the payload (application data unit); default empty\n"
    "  --ctime MS|now       creation time, ms since 2000-01-01 (default now; 0 = no clock,\n"
    "                       then a bundle age block is added if --age is not given)\n"
    "  --seq N              creation timestamp sequence number (default 0)\n"
    "  --report LIST        request status reports: reception,forwarding,delivery,deletion\n"
    "  --status-time        request the status time in reports\n"
    "  --ack                request a user application acknowledgement\n"
    "  --no-fragment        flag the bundle must-not-be-fragmented\n"
    "  --admin              the payload is an administrative record\n"
    "  --ext TYPE:FLAGS:HEX add an extension block of TYPE with block flags and data (hex)\n"
    "  --fragment SIZE      write fragments of at most SIZE payload bytes to FILE.000, ...\n"
    "  -o FILE              output file (- for stdout)\n";

typedef struct create_opts {
    const char *src, *dst, *report_to, *prev, *payload, *out, *ext[8];
    uint64_t lifetime, hop_limit, hop_count, age, ctime, seq, flags, frag;
    int has_hop, has_age, has_ctime, next;
    uint8_t crc;
} create_opts;

static int report_flags(const char *list, uint64_t *flags)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "reception"))
            *flags |= AUS_BPV7_BF_RPT_RECEPTION;
        else if (!strcmp(t, "forwarding"))
            *flags |= AUS_BPV7_BF_RPT_FORWARD;
        else if (!strcmp(t, "delivery"))
            *flags |= AUS_BPV7_BF_RPT_DELIVERY;
        else if (!strcmp(t, "deletion"))
            *flags |= AUS_BPV7_BF_RPT_DELETION;
        else
            return -1;
    }
    return 0;
}

/* Parse one option at argv[*i]; returns 0, or an exit code. */
static int create_opt(create_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int bad = 0;
#define NEEDV()                                                                                    \
    do {                                                                                           \
        if (!v) {                                                                                  \
            cli_err("%s needs a value", a);                                                        \
            return AUS_EXIT_USAGE;                                                                 \
        }                                                                                          \
        (*i)++;                                                                                    \
    } while (0)
    if (!strcmp(a, "--src")) {
        NEEDV();
        o->src = v;
    } else if (!strcmp(a, "--dst")) {
        NEEDV();
        o->dst = v;
    } else if (!strcmp(a, "--report-to")) {
        NEEDV();
        o->report_to = v;
    } else if (!strcmp(a, "--prev-node")) {
        NEEDV();
        o->prev = v;
    } else if (!strcmp(a, "--payload")) {
        NEEDV();
        o->payload = v;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
        NEEDV();
        o->out = v;
    } else if (!strcmp(a, "--lifetime")) {
        NEEDV();
        bad = cli_u64(v, UINT64_MAX, &o->lifetime);
    } else if (!strcmp(a, "--crc")) {
        NEEDV();
        bad = parse_crc(v, &o->crc);
    } else if (!strcmp(a, "--hop-limit")) {
        NEEDV();
        bad = cli_u64(v, 255, &o->hop_limit) || o->hop_limit == 0;
        o->has_hop = 1;
    } else if (!strcmp(a, "--hop-count")) {
        NEEDV();
        bad = cli_u64(v, UINT64_MAX, &o->hop_count);
    } else if (!strcmp(a, "--age")) {
        NEEDV();
        bad = cli_u64(v, UINT64_MAX, &o->age);
        o->has_age = 1;
    } else if (!strcmp(a, "--seq")) {
        NEEDV();
        bad = cli_u64(v, UINT64_MAX, &o->seq);
    } else if (!strcmp(a, "--fragment")) {
        NEEDV();
        bad = cli_u64(v, SIZE_MAX, &o->frag) || o->frag == 0;
    } else if (!strcmp(a, "--report")) {
        NEEDV();
        bad = report_flags(v, &o->flags);
    } else if (!strcmp(a, "--ctime")) {
        NEEDV();
        o->has_ctime = 1;
        if (!strcmp(v, "now"))
            o->has_ctime = 0;
        else
            bad = cli_u64(v, UINT64_MAX, &o->ctime);
    } else if (!strcmp(a, "--ext")) {
        NEEDV();
        if (o->next >= 8) {
            cli_err("at most 8 --ext blocks");
            return AUS_EXIT_USAGE;
        }
        o->ext[o->next++] = v;
    } else if (!strcmp(a, "--status-time"))
        o->flags |= AUS_BPV7_BF_STATUS_TIME;
    else if (!strcmp(a, "--ack"))
        o->flags |= AUS_BPV7_BF_ACK_REQ;
    else if (!strcmp(a, "--no-fragment"))
        o->flags |= AUS_BPV7_BF_NO_FRAGMENT;
    else if (!strcmp(a, "--admin"))
        o->flags |= AUS_BPV7_BF_ADMIN;
    else {
        cli_err("bundle create: unknown option '%s' (see --help)", a);
        return AUS_EXIT_USAGE;
    }
#undef NEEDV
    if (bad) {
        cli_err("bad value for %s: '%s'", a, v);
        return AUS_EXIT_USAGE;
    }
    return 0;
}

/* --ext TYPE:FLAGS:HEX -> a block; data lands in *mem (caller frees). */
static int add_ext(aus_bpv7_bundle *b, const char *spec, uint8_t crc, uint8_t **mem)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", spec);
    char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    uint64_t type, flags;
    if (!c1 || !c2) {
        cli_err("--ext wants TYPE:FLAGS:HEX, got '%s'", spec);
        return AUS_EXIT_USAGE;
    }
    *c1 = *c2 = '\0';
    size_t hl = strlen(c2 + 1);
    *mem = malloc(hl / 2 + 1);
    long n = *mem ? cli_hex(c2 + 1, *mem, hl / 2 + 1) : -1;
    if (cli_u64(buf, UINT64_MAX, &type) || cli_u64(c1 + 1, UINT64_MAX, &flags) || n < 0) {
        cli_err("--ext wants TYPE:FLAGS:HEX, got '%s'", spec);
        return AUS_EXIT_USAGE;
    }
    long k = aus_bpv7_add_block(b, type, 0, flags, crc, *mem, (size_t)n);
    if (k < 0) {
        cli_err("--ext %s: %s", spec, aus_err_str((int)k));
        return AUS_EXIT_USAGE;
    }
    return 0;
}

/* Fill the bundle from the options; the payload buffer is returned in *pay. */
static int create_build(const create_opts *o, aus_bpv7_bundle *b, uint8_t **pay, uint8_t **ext)
{
    size_t plen = 0;
    aus_bpv7_init(b);
    b->pri.crc_type = o->crc;
    b->pri.flags = o->flags;
    b->pri.lifetime = o->lifetime;
    b->pri.seq = o->seq;
    b->pri.ctime = o->has_ctime ? o->ctime : dtn_now_ms();
    if (parse_eid("--src", o->src, &b->pri.src) || parse_eid("--dst", o->dst, &b->pri.dst) ||
        parse_eid("--report-to", o->report_to ? o->report_to : o->src, &b->pri.report_to))
        return AUS_EXIT_USAGE;
    if (o->payload) {
        *pay = cli_read_file(o->payload, &plen);
        if (!*pay) {
            cli_err("cannot read %s: %s", o->payload, strerror(errno));
            return AUS_EXIT_ENV;
        }
    }
    aus_err e = aus_bpv7_set_payload(b, *pay, plen, 0, o->crc);
    if (!e && o->prev) {
        aus_eid prev;
        if (parse_eid("--prev-node", o->prev, &prev))
            return AUS_EXIT_USAGE;
        e = aus_bpv7_add_prev_node(b, &prev, o->crc);
    }
    /* RFC 9171 §4.2.6: no clock (creation time 0) means the bundle carries its age. */
    if (!e && (o->has_age || b->pri.ctime == 0))
        e = aus_bpv7_add_age(b, o->age, o->crc);
    if (!e && o->has_hop)
        e = aus_bpv7_add_hop_count(b, o->hop_limit, o->hop_count, o->crc);
    if (e) {
        cli_err("cannot build the bundle: %s", aus_err_str(e));
        return AUS_EXIT_FAIL;
    }
    for (int i = 0; i < o->next; i++) {
        int rc = add_ext(b, o->ext[i], o->crc, &ext[i]);
        if (rc)
            return rc;
    }
    size_t bad;
    e = aus_bpv7_validate(b, 0, &bad);
    if (e) {
        cli_err("the bundle would be invalid: %s", aus_err_str(e));
        return AUS_EXIT_USAGE;
    }
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    create_opts o;
    memset(&o, 0, sizeof o);
    o.lifetime = 86400000;
    o.crc = AUS_BPV7_CRC_32C;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(create_usage, stdout);
            return AUS_EXIT_OK;
        }
        int rc = create_opt(&o, argc, argv, &i);
        if (rc)
            return rc;
    }
    if (!o.src || !o.dst || !o.out) {
        cli_err("bundle create needs --src, --dst and -o (see --help)");
        return AUS_EXIT_USAGE;
    }
    static aus_bpv7_bundle b;
    uint8_t *pay = NULL, *ext[8] = {0}, *bytes = NULL;
    int rc = create_build(&o, &b, &pay, ext);
    if (!rc && o.frag) {
        rc = write_fragments(&b, (size_t)o.frag, o.out);
    } else if (!rc) {
        size_t n;
        bytes = encode_alloc(&b, &n);
        rc = bytes ? write_out(o.out, bytes, n) : AUS_EXIT_FAIL;
    }
    free(bytes);
    free(pay);
    for (int i = 0; i < 8; i++)
        free(ext[i]);
    return rc;
}

/* ---- inspect ---- */

static const char *flag_names(uint64_t f, char *buf, size_t cap)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {AUS_BPV7_BF_FRAGMENT, "fragment"},
        {AUS_BPV7_BF_ADMIN, "admin-record"},
        {AUS_BPV7_BF_NO_FRAGMENT, "no-fragment"},
        {AUS_BPV7_BF_ACK_REQ, "ack-requested"},
        {AUS_BPV7_BF_STATUS_TIME, "status-time"},
        {AUS_BPV7_BF_RPT_RECEPTION, "report-reception"},
        {AUS_BPV7_BF_RPT_FORWARD, "report-forwarding"},
        {AUS_BPV7_BF_RPT_DELIVERY, "report-delivery"},
        {AUS_BPV7_BF_RPT_DELETION, "report-deletion"},
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (f & names[i].bit)
            n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
                                  names[i].name);
    return n ? buf : "none";
}

static const char *eid_str(const aus_eid *e, char *buf, size_t cap)
{
    aus_bpv7_eid_format(e, buf, cap);
    return buf;
}

static void print_status_report(const aus_bpv7_bundle *b)
{
    aus_bpv7_status_report sr;
    uint64_t type;
    if (aus_bpv7_admin_type(b->payload, b->payload_len, &type) != AUS_OK) {
        printf("  administrative record: malformed\n");
        return;
    }
    if (aus_bpv7_status_decode(&sr, b->payload, b->payload_len) != AUS_OK) {
        printf("  administrative record type %" PRIu64 " (not decoded)\n", type);
        return;
    }
    static const char *const what[] = {"received", "forwarded", "delivered", "deleted"};
    char e[300];
    printf("  status report about %s [%" PRIu64 ", %" PRIu64 "]", eid_str(&sr.src, e, sizeof e),
           sr.ctime, sr.seq);
    if (sr.is_fragment)
        printf(" fragment %" PRIu64 "+%" PRIu64, sr.frag_offset, sr.frag_len);
    printf("\n    reason %" PRIu64 " (%s)\n", sr.reason, aus_bpv7_reason_str(sr.reason));
    for (int i = 0; i < 4; i++)
        if (sr.item[i].asserted) {
            printf("    %s", what[i]);
            if (sr.item[i].has_time)
                printf(" at %" PRIu64, sr.item[i].time);
            printf("\n");
        }
}

/* The block types a node running this stack processes besides the codec's own (1, 6, 7, 10):
 * BPSec's BIB and BCB and the envelopes' private-use block (the agent's list, src/agent). */
static const uint64_t node_types[] = {AUS_BPV7_BT_BIB, AUS_BPV7_BT_BCB, 192u};

/* A block type's name: the codec's, and ours for the sequence-number block the envelopes add
 * (type 192, RFC 9171 §9.1 private/experimental range; include/australis/bpsec.h). */
static const char *block_name(uint64_t type)
{
    return type == AUS_BPSEC_BT_SEQ ? "Australis sequence number, private use"
                                    : aus_bpv7_block_type_str(type);
}

/* DTN time (ms since 2000-01-01T00:00:00Z, RFC 9171 §4.2.6) as ISO 8601 UTC, or "" for 0. */
static const char *dtn_iso(uint64_t ms, char *out, size_t cap)
{
    out[0] = '\0';
    time_t t = (time_t)(ms / 1000u + 946684800u);
    struct tm tm;
    if (ms == 0 || !gmtime_r(&t, &tm))
        return out;
    size_t k = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (k)
        snprintf(out + k, cap - k, ".%03uZ", (unsigned)(ms % 1000u));
    return out;
}

static aus_bpv7_receipt decide(const aus_bpv7_bundle *b, uint64_t now_ms)
{
    aus_bpv7_node node = {now_ms, node_types, sizeof node_types / sizeof node_types[0]};
    aus_bpv7_receipt r;
    aus_err e = aus_bpv7_decide_receipt(b, &node, &r);
    if (e != AUS_OK) {
        /* AUS_E_BLOCKS: more blocks to discard / report than a receipt lists (config.h
         * AUS_BPV7_MAX_BLOCKS); said on stderr, the lists stop at their bound */
        fprintf(stderr, "australis: on receipt: %s (%d blocks listed)\n", aus_err_str(e),
                AUS_BPV7_MAX_BLOCKS);
        if (e != AUS_E_BLOCKS) {
            memset(&r, 0, sizeof r);
            r.block = SIZE_MAX;
        }
    }
    return r;
}

/* "on receipt: accept[, discard block N][, report block N (reason 11)]" or
 * "on receipt: delete (<reason sentence>, reason N)" */
static void print_receipt(const aus_bpv7_receipt *r)
{
    if (r->action == AUS_BPV7_DELETE)
        printf("  on receipt: delete (%s, reason %u)", aus_bpv7_reason_str(r->reason), r->reason);
    else
        printf("  on receipt: accept");
    for (size_t i = 0; i < r->ndiscard; i++)
        printf("%s%" PRIu64,
               i                 ? ", "
               : r->ndiscard > 1 ? ", discard blocks "
                                 : ", discard block ",
               r->discard[i]);
    for (size_t i = 0; i < r->nreport; i++)
        printf("%s%" PRIu64,
               i                ? ", "
               : r->nreport > 1 ? ", report blocks "
                                : ", report block ",
               r->report[i]);
    if (r->nreport)
        printf(" (reason %u, %s)", AUS_BPV7_RC_BLOCK_UNSUPPORTED,
               aus_bpv7_reason_str(AUS_BPV7_RC_BLOCK_UNSUPPORTED));
    printf("\n");
}

static void print_text(const char *file, const aus_bpv7_bundle *b, size_t n,
                       const aus_bpv7_receipt *r)
{
    const aus_bpv7_primary *p = &b->pri;
    char e1[300], e2[300], e3[300], fl[256];
    printf("%s: valid bundle, %zu bytes, %zu blocks\n", file, n, b->nblocks + 1);
    printf("  primary: version %u, flags 0x%" PRIx64 " (%s), crc %s", p->version, p->flags,
           flag_names(p->flags, fl, sizeof fl), aus_bpv7_crc_str(p->crc_type));
    if (p->crc_type)
        printf(" 0x%0*" PRIx32, p->crc_type == AUS_BPV7_CRC_16 ? 4 : 8, p->crc);
    printf("\n    destination %s\n    source      %s\n    report-to   %s\n",
           eid_str(&p->dst, e1, sizeof e1), eid_str(&p->src, e2, sizeof e2),
           eid_str(&p->report_to, e3, sizeof e3));
    char iso[40];
    printf("    created     %" PRIu64 "%s%s%s, sequence %" PRIu64 ", lifetime %" PRIu64 " ms\n",
           p->ctime, p->ctime ? " (" : " (no clock)", dtn_iso(p->ctime, iso, sizeof iso),
           p->ctime ? ")" : "", p->seq, p->lifetime);
    if (p->flags & AUS_BPV7_BF_FRAGMENT)
        printf("    fragment    offset %" PRIu64 " of %" PRIu64 " bytes\n", p->frag_offset,
               p->total_adu_len);
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        printf("  block %" PRIu64 ": type %" PRIu64 " (%s), flags 0x%" PRIx64 ", crc %s, %zu bytes"
               " at %zu",
               k->number, k->type, block_name(k->type), k->flags, aus_bpv7_crc_str(k->crc_type),
               k->data_len, k->off);
        if (k->encrypted) /* a BCB targets it: its data is ciphertext (RFC 9172 §3.8) */
            printf(": encrypted by a BCB");
        else if (k->type == AUS_BPV7_BT_AGE)
            printf(": age %" PRIu64 " ms", b->age_ms);
        else if (k->type == AUS_BPV7_BT_HOP_COUNT)
            printf(": hop count %" PRIu64 " of limit %" PRIu64, b->hop_count, b->hop_limit);
        else if (k->type == AUS_BPV7_BT_PREV_NODE)
            printf(": %s", eid_str(&b->prev_node, e1, sizeof e1));
        else if (k->type == AUS_BPSEC_BT_SEQ)
            printf(": under the BIB (our envelope's replay protection)");
        else if (k->discard)
            printf(" (unknown; discarded when forwarded)");
        else if (k->unknown)
            printf(" (unknown; kept)");
        printf("\n");
    }
    if (p->flags & AUS_BPV7_BF_ADMIN)
        print_status_report(b);
    if (b->notes & AUS_BPV7_NOTE_NO_PRIMARY_CRC)
        printf("  note: no primary-block CRC and no BIB over it (RFC 9171 §4.3.1); accepted, "
               "--strict rejects\n");
    if (b->notes & AUS_BPV7_NOTE_NO_AGE)
        printf("  note: creation time 0 without a bundle age block; accepted, --strict rejects\n");
    print_receipt(r);
}

static cJSON *eid_json(const aus_eid *e)
{
    char buf[300];
    return cJSON_CreateString(eid_str(e, buf, sizeof buf));
}

/* "on_receipt": {"action": "accept"|"delete", "reason": <§6.1.1 code or null>,
 *                "discard_blocks": [<block numbers>]} */
static cJSON *json_receipt(const aus_bpv7_receipt *r)
{
    cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateArray();
    int del = r->action == AUS_BPV7_DELETE;
    cJSON_AddStringToObject(o, "action", del ? "delete" : "accept");
    if (del)
        cJSON_AddNumberToObject(o, "reason", r->reason);
    else
        cJSON_AddNullToObject(o, "reason");
    for (size_t i = 0; i < r->ndiscard; i++)
        cJSON_AddItemToArray(d, cJSON_CreateNumber((double)r->discard[i]));
    cJSON_AddItemToObject(o, "discard_blocks", d);
    return o;
}

static cJSON *json_bundle(const char *file, const aus_bpv7_bundle *b, size_t n,
                          const aus_bpv7_receipt *r)
{
    const aus_bpv7_primary *p = &b->pri;
    char fl[256];
    cJSON *o = cJSON_CreateObject(), *pj = cJSON_CreateObject(), *bl = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddBoolToObject(o, "valid", 1);
    cJSON_AddNumberToObject(o, "length", (double)n);
    cJSON_AddNumberToObject(pj, "version", p->version);
    cJSON_AddNumberToObject(pj, "flags", (double)p->flags);
    cJSON_AddStringToObject(pj, "flag_names", flag_names(p->flags, fl, sizeof fl));
    cJSON_AddNumberToObject(pj, "crc_type", p->crc_type);
    cJSON_AddItemToObject(pj, "destination", eid_json(&p->dst));
    cJSON_AddItemToObject(pj, "source", eid_json(&p->src));
    cJSON_AddItemToObject(pj, "report_to", eid_json(&p->report_to));
    cJSON_AddNumberToObject(pj, "creation_time", (double)p->ctime);
    char iso[40];
    if (p->ctime)
        cJSON_AddStringToObject(pj, "creation_time_iso", dtn_iso(p->ctime, iso, sizeof iso));
    cJSON_AddNumberToObject(pj, "sequence", (double)p->seq);
    cJSON_AddNumberToObject(pj, "lifetime", (double)p->lifetime);
    if (p->flags & AUS_BPV7_BF_FRAGMENT) {
        cJSON_AddNumberToObject(pj, "fragment_offset", (double)p->frag_offset);
        cJSON_AddNumberToObject(pj, "total_adu_length", (double)p->total_adu_len);
    }
    cJSON_AddItemToObject(o, "primary", pj);
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        cJSON *kj = cJSON_CreateObject();
        cJSON_AddNumberToObject(kj, "type", (double)k->type);
        cJSON_AddStringToObject(kj, "type_name", block_name(k->type));
        cJSON_AddNumberToObject(kj, "number", (double)k->number);
        cJSON_AddNumberToObject(kj, "flags", (double)k->flags);
        cJSON_AddNumberToObject(kj, "crc_type", k->crc_type);
        cJSON_AddNumberToObject(kj, "data_length", (double)k->data_len);
        cJSON_AddNumberToObject(kj, "offset", (double)k->off);
        if (k->encrypted) /* ciphertext: no fields to show */
            cJSON_AddBoolToObject(kj, "encrypted", 1);
        else if (k->type == AUS_BPV7_BT_AGE)
            cJSON_AddNumberToObject(kj, "age_ms", (double)b->age_ms);
        else if (k->type == AUS_BPV7_BT_HOP_COUNT) {
            cJSON_AddNumberToObject(kj, "hop_limit", (double)b->hop_limit);
            cJSON_AddNumberToObject(kj, "hop_count", (double)b->hop_count);
        } else if (k->type == AUS_BPV7_BT_PREV_NODE)
            cJSON_AddItemToObject(kj, "previous_node", eid_json(&b->prev_node));
        if (k->unknown && k->type != AUS_BPSEC_BT_SEQ)
            cJSON_AddBoolToObject(kj, "unknown", 1);
        cJSON_AddItemToArray(bl, kj);
    }
    cJSON_AddItemToObject(o, "blocks", bl);
    cJSON_AddNumberToObject(o, "notes", b->notes);
    cJSON_AddItemToObject(o, "on_receipt", json_receipt(r));
    return o;
}

static const char inspect_usage[] =
    "usage: australis bundle inspect [--json] [--strict] [--now MS] [--max-blocks N] FILE...\n"
    "\n"
    "Decodes each FILE as one BPv7 bundle, says whether it is well formed (RFC 9171 §4:\n"
    "structure, CRCs, EIDs, block numbers, the extension blocks' shapes), prints its fields\n"
    "and blocks, and what a node running this stack does on receipt (§5.6):\n"
    "  on receipt: accept[, discard block N][, report block N (reason 11, ...)]\n"
    "  on receipt: delete (<reason>, reason N)     (§6.1.1 codes: 1 lifetime expired,\n"
    "                                                9 hop limit exceeded, 11 block unsupported)\n"
    "For a file that is not a well-formed bundle it prints one line:\n"
    "  FILE: invalid: <sentence> at byte <offset>   (the first byte of the item at fault)\n"
    "and for a file it cannot read, on stderr: FILE: cannot read: <reason>\n"
    "Exit status: 0 if every file is well formed (whatever the receipt action), 1 if one is\n"
    "not, 3 on an I/O error, 2 on a usage error.\n"
    "\n"
    "  --json     one JSON array with an object per file; \"on_receipt\": {\"action\":\n"
    "             \"accept\"|\"delete\", \"reason\": code|null, \"discard_blocks\": [numbers]}\n"
    "  --strict   also require a primary-block CRC (unless a BIB covers block 0), a bundle\n"
    "             age block when the creation time is 0, and the preferred CBOR forms: no\n"
    "             indefinite-length array but the bundle's own, no integer or length in a\n"
    "             longer head than it needs (all accepted by default, as RFC 9171 allows)\n"
    "  --now MS   the DTN time (ms since 2000-01-01T00:00:00Z) for the lifetime answer\n"
    "             (default: the clock)\n"
    "  --max-blocks N  the block capacity (RFC 9171 sets no limit; default 4096, at most\n"
    "             65536): a bundle with more canonical blocks is refused with \"the bundle has\n"
    "             more canonical blocks than the configured block capacity\"\n";

#define INSPECT_BLOCKS_DEFAULT 4096u
#define INSPECT_BLOCKS_MAX 65536u

/* One file: decode, decide, print. Returns 0 (well formed), 1 (not), 3 (cannot read). */
static int inspect_one(const char *f, unsigned flags, uint64_t now, aus_bpv7_block *blk, size_t cap,
                       cJSON *all)
{
    static aus_bpv7_bundle b;
    size_t n = 0;
    errno = 0;
    uint8_t *p = cli_read_file(f, &n);
    int io = errno ? errno : EIO;
    aus_err e = p ? aus_bpv7_decode_blocks(&b, blk, cap, p, n, flags) : AUS_E_IO;
    int rc = p ? (e ? AUS_EXIT_FAIL : AUS_EXIT_OK) : AUS_EXIT_ENV;
    if (e) {
        size_t off = p ? b.err_off : 0;
        const char *why = p ? aus_err_str(e) : strerror(io);
        if (all) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", f);
            cJSON_AddBoolToObject(o, "valid", 0);
            cJSON_AddStringToObject(o, "error", aus_err_name(e));
            cJSON_AddStringToObject(o, "message", why);
            cJSON_AddNumberToObject(o, "offset", (double)off);
            cJSON_AddItemToArray(all, o);
        } else if (!p) {
            fprintf(stderr, "%s: cannot read: %s\n", f, why);
        } else {
            printf("%s: invalid: %s at byte %zu\n", f, why, off);
        }
    } else {
        aus_bpv7_receipt r = decide(&b, now);
        if (all)
            cJSON_AddItemToArray(all, json_bundle(f, &b, n, &r));
        else
            print_text(f, &b, n, &r);
    }
    free(p);
    return rc;
}

static int cmd_inspect(int argc, char **argv)
{
    int json = 0, nfiles = 0, rc = AUS_EXIT_OK;
    unsigned flags = 0;
    uint64_t now = dtn_now_ms(), cap = INSPECT_BLOCKS_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(inspect_usage, stdout);
            return AUS_EXIT_OK;
        } else if (!strcmp(argv[i], "--max-blocks")) {
            if (i + 1 >= argc || cli_u64(argv[i + 1], INSPECT_BLOCKS_MAX, &cap) || cap == 0) {
                cli_err("bundle inspect: --max-blocks needs a number 1..%u (see --help)",
                        INSPECT_BLOCKS_MAX);
                return AUS_EXIT_USAGE;
            }
            argv[++i] = NULL;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--strict")) {
            flags |= AUS_BPV7_STRICT | AUS_BPV7_STRICT_CBOR;
        } else if (!strcmp(argv[i], "--now")) {
            if (i + 1 >= argc || cli_u64(argv[i + 1], UINT64_MAX, &now)) {
                cli_err("bundle inspect: --now needs a DTN time in ms (see --help)");
                return AUS_EXIT_USAGE;
            }
            argv[++i] = NULL; /* the value is consumed: not a FILE */
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_err("bundle inspect: unknown option '%s' (see --help)", argv[i]);
            return AUS_EXIT_USAGE;
        } else {
            nfiles++;
        }
    }
    if (!nfiles) {
        cli_err("bundle inspect needs at least one FILE (see --help)");
        return AUS_EXIT_USAGE;
    }
    aus_bpv7_block *blk = calloc((size_t)cap, sizeof *blk);
    if (!blk) {
        cli_err("bundle inspect: out of memory");
        return AUS_EXIT_ENV;
    }
    cJSON *all = json ? cJSON_CreateArray() : NULL;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (!f || (f[0] == '-' && f[1]))
            continue;
        int r = inspect_one(f, flags, now, blk, (size_t)cap, all);
        /* 3 (cannot read) outranks 1 (not a bundle) */
        if (r > rc)
            rc = r;
    }
    if (json) {
        char *s = cJSON_Print(all);
        if (s)
            puts(s);
        free(s);
        cJSON_Delete(all);
    }
    free(blk);
    fflush(stdout);
    return rc;
}

/* ---- status: a bundle status report about a subject bundle ---- */

static const char status_usage[] =
    "usage: australis bundle status --subject FILE --src EID [options] -o FILE\n"
    "\n"
    "Builds an administrative-record bundle carrying a bundle status report (RFC 9171 §6.1.1)\n"
    "about the subject bundle, addressed to the subject's report-to endpoint.\n"
    "\n"
    "  --subject FILE     the bundle the report is about\n"
    "  --src EID          the reporting node\n"
    "  --status S         received|forwarded|delivered|deleted (default received)\n"
    "  --reason N         reason code 0..255 (default 0, no additional information)\n"
    "  --time MS          status time (DTN ms; default now); included when the subject asked\n"
    "                     for it (or with --with-time)\n"
    "  --with-time        always include the status time\n"
    "  --crc none|16|32c  CRC type (default 32c)\n"
    "  -o FILE            output file\n";

static int status_which(const char *s)
{
    static const char *const names[] = {"received", "forwarded", "delivered", "deleted"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

static int status_build(const aus_bpv7_bundle *subj, const char *src, int which, uint64_t reason,
                        uint64_t t, int with_time, uint8_t crc, const char *out)
{
    aus_bpv7_status_report sr;
    static aus_bpv7_bundle r;
    uint8_t rec[1024];
    aus_bpv7_status_about(&sr, subj, which, reason, t, with_time);
    long rn = aus_bpv7_status_encode(&sr, rec, sizeof rec);
    if (rn < 0) {
        cli_err("cannot encode the status report: %s", aus_err_str((int)rn));
        return AUS_EXIT_FAIL;
    }
    aus_bpv7_init(&r);
    r.pri.flags = AUS_BPV7_BF_ADMIN;
    r.pri.crc_type = crc;
    r.pri.dst = subj->pri.report_to;
    r.pri.report_to = subj->pri.report_to;
    r.pri.ctime = dtn_now_ms();
    r.pri.lifetime = subj->pri.lifetime;
    if (parse_eid("--src", src, &r.pri.src))
        return AUS_EXIT_USAGE;
    if (r.pri.src.scheme == AUS_EID_SCHEME_DTN && !r.pri.src.ssp)
        r.pri.flags |= AUS_BPV7_BF_NO_FRAGMENT;
    aus_err e = aus_bpv7_set_payload(&r, rec, (size_t)rn, 0, crc);
    if (!e && r.pri.ctime == 0)
        e = aus_bpv7_add_age(&r, 0, crc);
    if (e) {
        cli_err("cannot build the report: %s", aus_err_str(e));
        return AUS_EXIT_FAIL;
    }
    size_t n;
    uint8_t *bytes = encode_alloc(&r, &n);
    int rc = bytes ? write_out(out, bytes, n) : AUS_EXIT_FAIL;
    free(bytes);
    return rc;
}

static int cmd_status(int argc, char **argv)
{
    const char *subject = NULL, *src = NULL, *out = NULL;
    int which = 0, with_time = 0;
    uint64_t reason = 0, t = dtn_now_ms();
    uint8_t crc = AUS_BPV7_CRC_32C;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (cli_is_help(a)) {
            fputs(status_usage, stdout);
            return AUS_EXIT_OK;
        } else if (!strcmp(a, "--with-time")) {
            with_time = 1;
            continue;
        } else if (!v) {
            cli_err("%s needs a value (see --help)", a);
            return AUS_EXIT_USAGE;
        } else if (!strcmp(a, "--subject")) {
            subject = v;
        } else if (!strcmp(a, "--src")) {
            src = v;
        } else if (!strcmp(a, "-o")) {
            out = v;
        } else if (!strcmp(a, "--status")) {
            bad = (which = status_which(v)) < 0;
        } else if (!strcmp(a, "--reason")) {
            bad = cli_u64(v, 255, &reason);
        } else if (!strcmp(a, "--time")) {
            bad = cli_u64(v, UINT64_MAX, &t);
        } else if (!strcmp(a, "--crc")) {
            bad = parse_crc(v, &crc);
        } else {
            cli_err("bundle status: unknown option '%s' (see --help)", a);
            return AUS_EXIT_USAGE;
        }
        if (bad) {
            cli_err("bad value for %s: '%s'", a, v);
            return AUS_EXIT_USAGE;
        }
        i++;
    }
    if (!subject || !src || !out) {
        cli_err("bundle status needs --subject, --src and -o (see --help)");
        return AUS_EXIT_USAGE;
    }
    size_t n;
    errno = 0;
    uint8_t *p = cli_read_file(subject, &n);
    if (!p) {
        fprintf(stderr, "%s: cannot read: %s\n", subject, strerror(errno ? errno : EIO));
        return AUS_EXIT_ENV;
    }
    static aus_bpv7_bundle subj;
    aus_err e = aus_bpv7_decode(&subj, p, n, 0);
    int rc;
    if (e) {
        printf("%s: invalid: %s at byte %zu\n", subject, aus_err_str(e), subj.err_off);
        rc = AUS_EXIT_FAIL;
    } else {
        rc = status_build(&subj, src, which, reason, t, with_time, crc, out);
    }
    free(p);
    return rc;
}

/* ---- reassemble ---- */

static int cmd_reassemble(int argc, char **argv)
{
    const char *out = NULL;
    int first = 0, nf = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: australis bundle reassemble -o FILE FRAGMENT...\n\n"
                   "Reassembles the fragments of one bundle (RFC 9171 §5.9; any order, duplicates "
                   "and\nconsistent overlaps allowed) and writes the whole bundle.\n");
            return AUS_EXIT_OK;
        }
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!first)
            first = i, nf++;
        else
            nf++;
    }
    if (!out || !nf) {
        cli_err("bundle reassemble needs -o FILE and fragments (see --help)");
        return AUS_EXIT_USAGE;
    }
    uint8_t **bufs = calloc((size_t)argc, sizeof *bufs);
    aus_bpv7_bundle *fr = calloc((size_t)argc, sizeof *fr);
    uint8_t *adu = NULL;
    int rc = AUS_EXIT_FAIL, zero = -1, done = 0;
    static aus_bpv7_reasm ra;
    for (int i = first; bufs && fr && i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            i++;
            continue;
        }
        size_t n;
        bufs[i] = cli_read_file(argv[i], &n);
        if (!bufs[i]) {
            fprintf(stderr, "%s: cannot read: %s\n", argv[i], strerror(errno ? errno : EIO));
            rc = AUS_EXIT_ENV;
            goto out;
        }
        aus_err e = aus_bpv7_decode(&fr[i], bufs[i], n, 0);
        if (e) {
            printf("%s: invalid: %s at byte %zu\n", argv[i], aus_err_str(e), fr[i].err_off);
            goto out;
        }
        if (!adu) {
            size_t total = (size_t)fr[i].pri.total_adu_len;
            adu = malloc(total ? total : 1);
            aus_bpv7_reasm_init(&ra, adu, total);
        }
        if (fr[i].pri.frag_offset == 0)
            zero = i;
        int r = aus_bpv7_reasm_add(&ra, &fr[i]);
        if (r < 0) {
            cli_err("%s: cannot reassemble: %s", argv[i], aus_err_str(r));
            goto out;
        }
        done = r;
    }
    if (!done || zero < 0) {
        cli_err("the fragments do not cover the whole bundle");
        goto out;
    }
    static aus_bpv7_bundle whole;
    aus_err e = aus_bpv7_reasm_bundle(&ra, &fr[zero], &whole);
    size_t n;
    uint8_t *bytes = e ? NULL : encode_alloc(&whole, &n);
    rc = bytes ? write_out(out, bytes, n) : AUS_EXIT_FAIL;
    free(bytes);
out:
    for (int i = 0; bufs && i < argc; i++)
        free(bufs[i]);
    free(bufs);
    free(fr);
    free(adu);
    return rc;
}

static const char bundle_usage[] = "usage: australis bundle SUBCOMMAND [ARGS...]\n"
                                   "\n"
                                   "BPv7 bundles (RFC 9171).\n"
                                   "\n"
                                   "  create       build a bundle (optionally as fragments)\n"
                                   "  inspect      decode, validate and print bundles\n"
                                   "  status       build a bundle status report about a bundle\n"
                                   "  reassemble   rebuild a bundle from its fragments\n"
                                   "\n"
                                   "'australis bundle SUBCOMMAND --help' describes each one.\n";

int cmd_bundle(int argc, char **argv)
{
    if (argc < 2) {
        fputs(bundle_usage, stderr);
        return AUS_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        fputs(bundle_usage, stdout);
        return AUS_EXIT_OK;
    }
    if (!strcmp(argv[1], "create"))
        return cmd_create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect"))
        return cmd_inspect(argc - 1, argv + 1);
    if (!strcmp(argv[1], "status"))
        return cmd_status(argc - 1, argv + 1);
    if (!strcmp(argv[1], "reassemble"))
        return cmd_reassemble(argc - 1, argv + 1);
    cli_err("bundle: unknown subcommand '%s' (see australis bundle --help)", argv[1]);
    return AUS_EXIT_USAGE;
}
