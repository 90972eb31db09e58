/* SPDX-License-Identifier: Apache-2.0 */
/* australis ccsds: TM / TC framing, coding and SDLS over files (docs/ccsds.md).
 *
 *   tm-encode  packets -> TM frames -> CADUs        tm-decode  CADUs -> packets (+ JSON lines)
 *   tc-encode  data -> TC frames (segmented) -> CLTUs   tc-decode  CLTUs -> data (+ JSON lines)
 *   rs-decode  RS(255,223) codeblocks -> data
 *
 * Files hold concatenated units. Exit 0 success, 1 bad input (a sentence on stderr), 2 usage,
 * 3 I/O. JSON lines go to stdout (to stderr when the output file is "-"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fec.h>

#include "australis/base.h"
#include "australis/coding.h"
#include "australis/cop1.h"
#include "australis/crypto.h"
#include "australis/sdls.h"
#include "australis/spp.h"
#include "australis/tc.h"
#include "australis/tm.h"
#include "cli.h"

typedef struct opts {
    const char *in, *out;
    uint64_t frame_len, scid, vcid, map, fsn, rs_i, pad, spi;
    int have_frame_len, have_scid, have_vcid, have_rs, have_spi, no_rand, bypass;
    int no_seg, no_fecf, ctrl; /* ctrl: 0 none, AUS_TC_CMD_* (tc-encode --control) */
    uint8_t ctrl_vr;
    const char *key_hex;
} opts;

static const char *const usage_text =
    "usage:\n"
    "  australis ccsds tm-encode --frame-len N --scid N --vcid N [--rs-interleave I]\n"
    "                  [--no-randomize] [--sdls-spi N --sdls-key HEX] PACKETS_IN -o CADUS_OUT\n"
    "  australis ccsds tm-decode (same options) CADUS_IN -o PACKETS_OUT\n"
    "  australis ccsds tc-encode --scid N --vcid N [--map N] [--fsn N] [--bypass]\n"
    "                  [--no-segment-header] [--no-fecf] [--no-randomize]\n"
    "                  [--sdls-spi N --sdls-key HEX] DATA_IN -o CLTU_OUT\n"
    "  australis ccsds tc-encode --scid N --vcid N --control unlock|set-vr=VR -o CLTU_OUT\n"
    "  australis ccsds tc-decode (same options) CLTU_IN -o DATA_OUT\n"
    "  australis ccsds rs-decode --interleave I [--pad Q] IN -o OUT\n"
    "  australis ccsds conv-encode IN -o OUT    (r=1/2 k=7, 6-bit zero tail, hard bits)\n"
    "  australis ccsds conv-decode IN -o OUT    (Viterbi, libfec)\n"
    "\n"
    "TM frames carry an OCF (a CLCW for TC VC --vcid) and a FECF. --rs-interleave 0 turns\n"
    "Reed-Solomon off; without it the depth is derived from --frame-len: I = frame-len/223 when\n"
    "that divides exactly (1115 -> I=5), else the smallest I whose codewords are shortened to\n"
    "frame-len/I octets. SDLS: AES-256-GCM, 32-octet key in hex, 12-octet IV, 16-octet MAC.\n"
    "TC: --no-segment-header for a VC configured without the segment header (CCSDS 232.0\n"
    "§4.1.3.1: no MAPs, no segmentation: each frame carries the next up to 1017 octets and\n"
    "tc-decode writes each frame's data field in order); --no-fecf for frames without FECF;\n"
    "--control sends one BC frame (Unlock, or Set V(R) to VR) and takes no DATA_IN. tc-decode\n"
    "prints each frame's type (AD, BD, BC) and, for BC, the command (unlock, set_vr + vr).\n"
    "Decoders print one JSON line per frame / codeblock. Exit: 0 ok, 1 bad input, 2 usage, 3 "
    "I/O.\n";

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("australis: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see australis ccsds --help)\n", stderr);
    va_end(ap);
    return AUS_EXIT_USAGE;
}

static int num(const char *name, const char *val, uint64_t max, uint64_t *v)
{
    if (val == NULL || cli_u64(val, max, v) != 0)
        return usage_err("%s needs a number 0..%llu", name, (unsigned long long)max);
    return 0;
}

/* --control unlock | set-vr=VR (232.0 §4.1.3.3.2 control commands) */
static int parse_control(const char *v, opts *o)
{
    uint64_t vr = 0;
    if (v != NULL && !strcmp(v, "unlock"))
        o->ctrl = AUS_TC_CMD_UNLOCK;
    else if (v != NULL && !strncmp(v, "set-vr=", 7) && cli_u64(v + 7, 255, &vr) == 0)
        o->ctrl = AUS_TC_CMD_SET_VR, o->ctrl_vr = (uint8_t)vr;
    else
        return usage_err("--control needs unlock or set-vr=0..255");
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0, takes = 1;
        if (!strcmp(a, "-o"))
            o->out = v, rc = v ? 0 : usage_err("-o needs a file");
        else if (!strcmp(a, "--frame-len"))
            rc = num(a, v, AUS_TM_FRAME_MAX, &o->frame_len), o->have_frame_len = 1;
        else if (!strcmp(a, "--scid"))
            rc = num(a, v, 1023, &o->scid), o->have_scid = 1;
        else if (!strcmp(a, "--vcid"))
            rc = num(a, v, 63, &o->vcid), o->have_vcid = 1;
        else if (!strcmp(a, "--map"))
            rc = num(a, v, 63, &o->map);
        else if (!strcmp(a, "--fsn"))
            rc = num(a, v, 255, &o->fsn);
        else if (!strcmp(a, "--rs-interleave") || !strcmp(a, "--interleave"))
            rc = num(a, v, 8, &o->rs_i), o->have_rs = 1;
        else if (!strcmp(a, "--pad"))
            rc = num(a, v, 222, &o->pad);
        else if (!strcmp(a, "--sdls-spi"))
            rc = num(a, v, 65535, &o->spi), o->have_spi = 1;
        else if (!strcmp(a, "--sdls-key"))
            o->key_hex = v, rc = v ? 0 : usage_err("--sdls-key needs hex");
        else if (!strcmp(a, "--no-randomize"))
            o->no_rand = 1, takes = 0;
        else if (!strcmp(a, "--bypass"))
            o->bypass = 1, takes = 0;
        else if (!strcmp(a, "--no-segment-header"))
            o->no_seg = 1, takes = 0;
        else if (!strcmp(a, "--no-fecf"))
            o->no_fecf = 1, takes = 0;
        else if (!strcmp(a, "--control"))
            rc = parse_control(v, o);
        else if (a[0] == '-' && a[1] != '\0')
            return usage_err("unknown option '%s'", a);
        else if (o->in == NULL)
            o->in = a, takes = 0;
        else
            return usage_err("more than one input file");
        if (rc)
            return rc;
        i += takes;
    }
    if (o->ctrl && o->in == NULL)
        o->in = "-"; /* a control command takes no DATA_IN */
    else if (o->ctrl)
        return usage_err("--control takes no input file");
    if (o->in == NULL || o->out == NULL)
        return usage_err("an input file and -o OUTPUT are required");
    if (o->have_spi != (o->key_hex != NULL))
        return usage_err("--sdls-spi and --sdls-key go together");
    return 0;
}

/* ---- output helpers ---- */
typedef struct obuf {
    uint8_t *p;
    size_t n, cap;
} obuf;

static int ob_put(obuf *b, const uint8_t *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL)
            return -1;
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static FILE *json_out(const opts *o) { return strcmp(o->out, "-") == 0 ? stderr : stdout; }

static int finish(const opts *o, obuf *b, int rc)
{
    if (rc == AUS_EXIT_OK || rc == AUS_EXIT_FAIL) {
        if (cli_write_file(o->out, b->p ? b->p : (const uint8_t *)"", b->n) != 0) {
            cli_err("cannot write %s", o->out);
            rc = AUS_EXIT_ENV;
        }
    }
    free(b->p);
    return rc;
}

static uint8_t *load(const opts *o, size_t *n)
{
    uint8_t *p = cli_read_file(o->in, n);
    if (p == NULL)
        cli_err("cannot read %s", o->in);
    return p;
}

/* ---- SDLS: the one-SA table of sdls.h ---- */
/* Also gives the SA's Security Header and Trailer lengths (*hl, *tl) for the frame layout. */
static int sdls_setup(const opts *o, aus_sdls_simple *s, int sending, int *hl, int *tl)
{
    uint8_t key[32], iv0[12] = {0};
    if (cli_hex(o->key_hex, key, sizeof key) != 32) {
        cli_err("--sdls-key must be 32 octets (64 hex digits) for AES-256-GCM");
        return AUS_EXIT_USAGE;
    }
    const aus_crypto *c = aus_crypto_default();
    /* The sender starts its IV counter at a random point so that separate runs with the same
     * key never repeat an IV; the receiver accepts any IV above the last one it accepted. */
    if (sending && c->ops->random(c->self, iv0, sizeof iv0) != AUS_OK) {
        cli_err("no randomness for the SDLS IV");
        return AUS_EXIT_ENV;
    }
    aus_err e = aus_sdls_simple_init(s, c, (uint16_t)o->spi, key, sizeof key, iv0);
    aus_wipe(key, sizeof key);
    if (e != AUS_OK) {
        cli_err("cannot set up the SDLS security association: %s", aus_err_str(e));
        return AUS_EXIT_USAGE;
    }
    *hl = aus_sdls_header_len(&s->t, (uint16_t)o->spi);
    *tl = aus_sdls_trailer_len(&s->t, (uint16_t)o->spi);
    if (*hl < 0 || *tl < 0)
        return usage_err("SDLS SA %llu is not usable", (unsigned long long)o->spi);
    return 0;
}

/* ---- TM ---- */
typedef struct tm_setup {
    aus_tm_cfg cfg;
    aus_tm_coding coding;
    aus_sdls_link link;
    aus_sdls_simple *sdls; /* NULL without --sdls-* */
    uint16_t spi;
    unsigned vcid; /* the VC carrying the packets (and SDLS) */
    size_t cadu_len;
} tm_setup;

/* RS geometry from the frame length (docs/ccsds.md "Reed-Solomon interleave depth"). */
static int rs_geometry(const opts *o, aus_tm_coding *c)
{
    size_t fl = (size_t)o->frame_len;
    if (o->have_rs && o->rs_i == 0)
        return 0;
    unsigned lo = o->have_rs ? (unsigned)o->rs_i : 1, hi = o->have_rs ? (unsigned)o->rs_i : 8;
    if (!o->have_rs && fl % AUS_RS_K == 0 && fl / AUS_RS_K >= 1 && fl / AUS_RS_K <= 8)
        lo = hi = (unsigned)(fl / AUS_RS_K);
    for (unsigned i = lo; i <= hi; i++) {
        if (fl % i == 0 && fl / i >= 1 && fl / i <= AUS_RS_K) {
            c->rs_interleave = (uint8_t)i;
            c->rs_pad = (uint8_t)(AUS_RS_K - fl / i);
            return 0;
        }
    }
    return usage_err(
        "--frame-len %zu cannot be split into RS(255,223) codewords of interleave %u%s", fl, lo,
        lo == hi ? "" : "..8");
}

static int tm_prepare(const opts *o, tm_setup *t, aus_sdls_simple *s, int sending)
{
    memset(t, 0, sizeof *t);
    if (!o->have_frame_len || !o->have_scid || !o->have_vcid)
        return usage_err("--frame-len, --scid and --vcid are required");
    if (o->vcid > 7)
        return usage_err("a TM virtual channel id is 0..7");
    t->cfg.scid = (uint16_t)o->scid;
    t->cfg.frame_len = (uint16_t)o->frame_len;
    t->spi = (uint16_t)o->spi;
    t->vcid = (unsigned)o->vcid;
    t->cfg.ocf = true;
    t->cfg.fecf = true;
    t->coding.randomize = !o->no_rand;
    int rc = rs_geometry(o, &t->coding);
    if (rc)
        return rc;
    if (o->have_spi) {
        int hl, tl;
        if ((rc = sdls_setup(o, s, sending, &hl, &tl)) != 0)
            return rc;
        t->sdls = s;
        t->cfg.vc[o->vcid].sdls_hdr_len = (uint8_t)hl;
        t->cfg.vc[o->vcid].sdls_trl_len = (uint8_t)tl;
        t->link.frame_len = t->cfg.frame_len;
        /* the receiver checks the FECF in aus_tm_frame_decode before SDLS sees the frame */
        t->link.fecf = sending ? AUS_SDLS_FECF_YES : AUS_SDLS_FECF_BLANK;
        t->link.ocf = 1;
    }
    if (aus_tm_cfg_check(&t->cfg) != AUS_OK)
        return usage_err("--frame-len %llu leaves no room for a data field",
                         (unsigned long long)o->frame_len);
    t->cadu_len = aus_tm_cadu_len(&t->coding, t->cfg.frame_len);
    return t->cadu_len ? 0 : usage_err("inconsistent frame length and RS interleave");
}

static int tm_emit(tm_setup *t, aus_tm_tx *tx, obuf *b, int flush)
{
    uint8_t frame[AUS_TM_FRAME_MAX], cadu[AUS_ASM_LEN + AUS_RS_N * AUS_RS_MAX_INTERLEAVE];
    unsigned v;
    if (aus_tm_tx_pull(tx, flush, frame, sizeof frame, &v) != AUS_OK)
        return -1;
    if (t->sdls && v == t->vcid) { /* idle frames on another VC are not protected */
        aus_err e = aus_sdls_tm_apply(&t->sdls->t, &t->link, t->spi, frame, t->cfg.frame_len,
                                      (uint64_t)time(NULL));
        if (e != AUS_OK) {
            cli_err("SDLS apply failed: %s", aus_err_str(e));
            return -1;
        }
    }
    if (aus_tm_cadu_encode(&t->coding, frame, t->cfg.frame_len, cadu, sizeof cadu) != AUS_OK)
        return -1;
    return ob_put(b, cadu, t->cadu_len);
}

static int tm_encode(const opts *o)
{
    static aus_sdls_simple sd;
    static aus_tm_tx tx;
    tm_setup t;
    int rc = tm_prepare(o, &t, &sd, 1);
    if (rc)
        return rc;
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    obuf b = {0};
    rc = AUS_EXIT_OK;
    aus_clcw clcw = {0, AUS_CLCW_COP1, (uint8_t)o->vcid, 0, 0, 0, 0, 0, 0, 0};
    uint8_t ocf[4];
    if (aus_tm_tx_init(&tx, &t.cfg) != AUS_OK || aus_tm_tx_open(&tx, (unsigned)o->vcid, 1) ||
        aus_clcw_encode(&clcw, ocf) != AUS_OK) {
        free(in);
        return usage_err("invalid TM configuration");
    }
    tx.ocf = (uint32_t)ocf[0] << 24 | (uint32_t)ocf[1] << 16 | (uint32_t)ocf[2] << 8 | ocf[3];
    size_t pos = 0, count = 0;
    while (pos < n && rc == AUS_EXIT_OK) {
        size_t len = 0;
        aus_err e = aus_ccsds_packet_len(in + pos, n - pos, &len);
        if (e == AUS_OK && len > n - pos)
            e = AUS_E_TRUNC;
        if (e != AUS_OK) {
            cli_err("packet %zu at offset %zu: %s", count, pos, aus_err_str(e));
            rc = AUS_EXIT_FAIL;
            break;
        }
        size_t off = 0;
        while ((e = aus_tm_tx_put(&tx, (unsigned)o->vcid, in + pos, len, &off)) == AUS_E_AGAIN)
            if (tm_emit(&t, &tx, &b, 0) != 0) {
                rc = AUS_EXIT_FAIL;
                break;
            }
        pos += len, count++;
    }
    while (rc == AUS_EXIT_OK && aus_tm_tx_pending(&tx) > 0)
        if (tm_emit(&t, &tx, &b, 1) != 0)
            rc = AUS_EXIT_FAIL;
    if (rc == AUS_EXIT_OK && b.n == 0 && tm_emit(&t, &tx, &b, 1) != 0) /* empty: one idle frame */
        rc = AUS_EXIT_FAIL;
    free(in);
    aus_sdls_simple_wipe(&sd);
    return finish(o, &b, rc == AUS_EXIT_OK ? rc : AUS_EXIT_FAIL);
}

typedef struct tm_sink {
    obuf *b;
    int oom;
} tm_sink;

static void tm_on_packet(void *u, unsigned vcid, const uint8_t *p, size_t n)
{
    (void)vcid;
    tm_sink *s = u;
    if (ob_put(s->b, p, n) != 0)
        s->oom = 1;
}

static void json_err(FILE *j, aus_err e)
{
    if (e == AUS_OK)
        fputs("null", j);
    else
        fprintf(j, "\"%s\"", aus_err_name(e));
}

/* One CADU: decode, verify, extract; prints its JSON line. Returns 0 if the frame was good. */
static int tm_one(const opts *o, tm_setup *t, aus_tm_rx *rx, uint8_t *cadu, size_t idx)
{
    FILE *j = json_out(o);
    uint8_t *frame = NULL;
    size_t fl = 0;
    unsigned fixed = 0;
    aus_tm_frame f;
    aus_tm_rx_info info;
    memset(&info, 0, sizeof info);
    aus_err e = aus_tm_cadu_decode(&t->coding, cadu, t->cadu_len, &frame, &fl, &fixed);
    if (e == AUS_OK)
        e = aus_tm_frame_decode(&t->cfg, frame, fl, &f);
    if (e == AUS_OK && t->sdls && f.hdr.vcid == t->vcid) {
        aus_sdls_rx srx;
        e = aus_sdls_tm_process(&t->sdls->t, &t->link, frame, fl, (uint64_t)time(NULL), &srx);
    }
    if (e == AUS_OK)
        e = aus_tm_rx_extract(rx, &f, &info);
    fprintf(j, "{\"cadu\":%zu", idx);
    if (frame != NULL && (e == AUS_OK || e == AUS_E_AUTH || e == AUS_E_REPLAY ||
                          e == AUS_E_NOTFOUND || e == AUS_E_SPI)) {
        aus_tm_hdr h;
        uint8_t ver;
        aus_tm_hdr_parse(frame, &h, &ver);
        size_t ocf_at = fl - AUS_TM_FECF_LEN - AUS_TM_OCF_LEN;
        fprintf(j,
                ",\"scid\":%u,\"vcid\":%u,\"mc_count\":%u,\"vc_count\":%u,\"fhp\":%u,"
                "\"ocf\":\"%02x%02x%02x%02x\"",
                h.scid, h.vcid, h.mc_count, h.vc_count, h.fhp, frame[ocf_at], frame[ocf_at + 1],
                frame[ocf_at + 2], frame[ocf_at + 3]);
    }
    fprintf(j, ",\"rs_corrected\":%u,\"packets\":%u,\"mc_lost\":%u,\"vc_lost\":%u,\"idle\":%s",
            fixed, info.packets, info.mc_lost, info.vc_lost, info.idle ? "true" : "false");
    fputs(",\"error\":", j);
    json_err(j, e != AUS_OK ? e : info.err);
    fputs("}\n", j);
    return e == AUS_OK ? 0 : -1;
}

static int tm_decode(const opts *o)
{
    static aus_sdls_simple sd;
    static aus_tm_rx rx;
    static uint8_t pktbuf[AUS_SPP_MAX_LEN];
    tm_setup t;
    int rc = tm_prepare(o, &t, &sd, 0);
    if (rc)
        return rc;
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    obuf b = {0};
    tm_sink sink = {&b, 0};
    if (aus_tm_rx_init(&rx, &t.cfg, tm_on_packet, &sink) != AUS_OK ||
        aus_tm_rx_open(&rx, (unsigned)o->vcid, pktbuf, sizeof pktbuf) != AUS_OK) {
        free(in);
        return usage_err("invalid TM configuration");
    }
    size_t bad = 0, total = 0;
    for (size_t pos = 0; pos + t.cadu_len <= n; pos += t.cadu_len, total++)
        if (tm_one(o, &t, &rx, in + pos, total) != 0)
            bad++;
    rc = AUS_EXIT_OK;
    if (n % t.cadu_len != 0) {
        cli_err("input is not a whole number of %zu-octet CADUs (%zu octets left over)", t.cadu_len,
                n % t.cadu_len);
        rc = AUS_EXIT_FAIL;
    }
    if (bad) {
        cli_err("%zu of %zu frames could not be decoded", bad, total);
        rc = AUS_EXIT_FAIL;
    }
    if (rx.vc_lost || rx.mc_lost)
        fprintf(stderr, "australis: loss: %llu master-channel and %llu virtual-channel frames\n",
                (unsigned long long)rx.mc_lost, (unsigned long long)rx.vc_lost);
    free(in);
    aus_sdls_simple_wipe(&sd);
    return finish(o, &b, sink.oom ? AUS_EXIT_ENV : rc);
}

/* ---- TC ---- */
typedef struct tc_setup {
    aus_tc_cfg cfg;
    aus_sdls_link link;
    aus_sdls_simple *sdls;
} tc_setup;

static int tc_prepare(const opts *o, tc_setup *t, aus_sdls_simple *s, int sending)
{
    memset(t, 0, sizeof *t);
    if (!o->have_scid || !o->have_vcid)
        return usage_err("--scid and --vcid are required");
    t->cfg.scid = (uint16_t)o->scid;
    t->cfg.fecf = !o->no_fecf;
    t->cfg.seg_hdr = !o->no_seg; /* a managed parameter of the VC (232.0 §4.1.3.1) */
    t->cfg.max_len = AUS_TC_MAX_LEN;
    if (o->have_spi) {
        int hl, tl, rc = sdls_setup(o, s, sending, &hl, &tl);
        if (rc)
            return rc;
        t->sdls = s;
        t->cfg.sdls_overhead = (uint16_t)(hl + tl);
        t->link.frame_len = AUS_TC_MAX_LEN;
        t->link.fecf = o->no_fecf ? AUS_SDLS_FECF_NONE : AUS_SDLS_FECF_YES;
        t->link.seg_hdr = o->no_seg ? 0 : 1;
    }
    return 0;
}

/* One BC frame carrying a control command (never SDLS-protected: docs/cl_ccsds.md). */
static int tc_control(const opts *o, const tc_setup *t)
{
    uint8_t d[4], frame[16], cltu[64];
    aus_tc_ctrl c = {(uint8_t)o->ctrl, o->ctrl_vr};
    aus_tc_hdr h = {1, 1, (uint16_t)o->scid, (uint8_t)o->vcid, (uint8_t)o->fsn};
    aus_wr w, fw, cw;
    aus_wr_init(&w, d, sizeof d);
    aus_wr_init(&fw, frame, sizeof frame);
    aus_wr_init(&cw, cltu, sizeof cltu);
    if (aus_tc_ctrl_encode(&w, &c) != AUS_OK ||
        aus_tc_frame_encode(&fw, &t->cfg, &h, 0, 0, d, w.off) != AUS_OK ||
        aus_cltu_encode(&cw, frame, fw.off, !o->no_rand) != AUS_OK) {
        cli_err("cannot build the BC frame");
        return AUS_EXIT_FAIL;
    }
    obuf b = {0};
    int rc = ob_put(&b, cltu, cw.off) != 0 ? AUS_EXIT_ENV : AUS_EXIT_OK;
    return finish(o, &b, rc);
}

static int tc_encode(const opts *o)
{
    static aus_sdls_simple sd;
    tc_setup t;
    int rc = tc_prepare(o, &t, &sd, 1);
    if (rc)
        return rc;
    if (o->ctrl)
        return tc_control(o, &t);
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    obuf b = {0};
    rc = AUS_EXIT_OK;
    if (n == 0) {
        cli_err("%s is empty: a TC frame carries at least one octet", o->in);
        rc = AUS_EXIT_FAIL;
    }
    aus_tc_hdr h = {(uint8_t)o->bypass, 0, (uint16_t)o->scid, (uint8_t)o->vcid, (uint8_t)o->fsn};
    size_t off = 0;
    while (rc == AUS_EXIT_OK && off < n) {
        uint8_t frame[AUS_TC_MAX_LEN], cltu[1400];
        aus_wr w;
        aus_wr_init(&w, frame, sizeof frame);
        aus_err e = aus_tc_segment(&w, &t.cfg, &h, (uint8_t)o->map, in, n, &off);
        int len = e == AUS_OK ? (int)w.off : (int)e;
        if (e == AUS_OK && t.sdls)
            len = aus_sdls_tc_apply(&t.sdls->t, &t.link, (uint16_t)o->spi, frame, w.off,
                                    sizeof frame, (uint64_t)time(NULL));
        if (len < 0) {
            cli_err("cannot build TC frame: %s", aus_err_str(len));
            rc = AUS_EXIT_FAIL;
            break;
        }
        aus_wr_init(&w, cltu, sizeof cltu);
        if (aus_cltu_encode(&w, frame, (size_t)len, !o->no_rand) != AUS_OK ||
            ob_put(&b, cltu, w.off) != 0) {
            rc = AUS_EXIT_FAIL;
            break;
        }
        h.fsn = (uint8_t)(h.fsn + 1u);
    }
    free(in);
    aus_sdls_simple_wipe(&sd);
    return finish(o, &b, rc);
}

#define TC_SDU_MAX (16u << 20) /* largest SDU tc-decode reassembles per MAP */

/* One CLTU at in[*pos..n): decode it, print its JSON line, feed the reassembly. */
static int tc_one(const opts *o, tc_setup *t, aus_tc_reasm *r, const uint8_t *in, size_t n,
                  size_t *pos, size_t idx, obuf *b)
{
    FILE *j = json_out(o);
    uint8_t data[AUS_TC_MAX_LEN + AUS_BCH_INFO];
    aus_cltu_result cr;
    aus_tc_frame f;
    memset(&f, 0, sizeof f);
    size_t used = 0;
    aus_err e = aus_cltu_decode(in + *pos, n - *pos, !o->no_rand, data, sizeof data, &cr);
    if (e == AUS_E_NOTFOUND)
        return 1; /* no further CLTU */
    *pos = e == AUS_OK ? *pos + cr.consumed : n;
    if (e == AUS_OK)
        e = aus_tc_frame_decode(&t->cfg, data, cr.data_len, &f, &used);
    const uint8_t *ud = f.data;
    size_t ul = f.data_len;
    /* Control commands (BC frames: Unlock, Set V(R)) are COP-1 directives that the CCSDS
     * link sends unprotected (docs/cl_ccsds.md); only data frames go through SDLS. */
    if (e == AUS_OK && t->sdls && !f.hdr.ctrl) {
        aus_sdls_rx srx;
        uint8_t *fr = data;
        e = aus_sdls_tc_process(&t->sdls->t, &t->link, fr, used, (uint64_t)time(NULL), &srx);
        ud = fr + srx.data_off, ul = srx.data_len;
    }
    const uint8_t *sdu = NULL;
    size_t sl = 0;
    aus_err re = AUS_E_AGAIN;
    if (e == AUS_OK && f.hdr.vcid != o->vcid)
        e = AUS_E_NOTFOUND;
    aus_tc_ctrl cc = {0, 0};
    if (e == AUS_OK && f.hdr.ctrl) /* 232.1 E9: an invalid directive is rejected */
        e = aus_tc_ctrl_decode(ud, ul, &cc);
    if (e == AUS_OK && f.has_seg && r->map[f.map_id].buf == NULL) { /* a buffer per MAP */
        uint8_t *mb = malloc(TC_SDU_MAX);
        if (mb == NULL || aus_tc_reasm_set_map(r, f.map_id, mb, TC_SDU_MAX) != AUS_OK) {
            free(mb);
            return -2;
        }
    }
    if (e == AUS_OK && f.has_seg) /* control commands (BC frames) carry no user data */
        re = aus_tc_reasm_push(r, f.seg_flags, f.map_id, ud, ul, &sdu, &sl);
    else if (e == AUS_OK && !f.hdr.ctrl) /* no segment header: the data field is the unit */
        re = AUS_OK, sdu = ud, sl = ul;
    if (re == AUS_OK && ob_put(b, sdu, sl) != 0)
        return -2;
    fprintf(j, "{\"cltu\":%zu", idx);
    if (e == AUS_OK) {
        fprintf(j, ",\"type\":\"%s\",\"scid\":%u,\"vcid\":%u,\"bypass\":%u,\"ctrl\":%u,\"fsn\":%u",
                aus_tc_frame_type_str(&f.hdr), f.hdr.scid, f.hdr.vcid, f.hdr.bypass, f.hdr.ctrl,
                f.hdr.fsn);
        if (f.has_seg)
            fprintf(j, ",\"map\":%u,\"seg_flags\":%u", f.map_id, f.seg_flags);
        else
            fputs(",\"map\":null,\"seg_flags\":null", j);
        if (f.hdr.ctrl)
            fprintf(j, ",\"command\":\"%s\"", aus_tc_ctrl_str(cc.cmd));
        if (f.hdr.ctrl && cc.cmd == AUS_TC_CMD_SET_VR)
            fprintf(j, ",\"vr\":%u", cc.vr);
        fprintf(j, ",\"frame_len\":%zu", f.len);
    }
    fprintf(j, ",\"bch_corrected\":%u,\"error\":", e == AUS_OK ? cr.corrected : 0u);
    json_err(j, e != AUS_OK ? e : (re == AUS_E_AGAIN ? AUS_OK : re));
    fputs("}\n", j);
    return (e == AUS_OK && (re == AUS_OK || re == AUS_E_AGAIN)) ? 0 : -1;
}

static int tc_decode(const opts *o)
{
    static aus_sdls_simple sd;
    static aus_tc_reasm r;
    tc_setup t;
    int rc = tc_prepare(o, &t, &sd, 0);
    if (rc)
        return rc;
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    aus_tc_reasm_init(&r);
    obuf b = {0};
    size_t pos = 0, idx = 0, bad = 0;
    int k;
    while (pos < n && (k = tc_one(o, &t, &r, in, n, &pos, idx, &b)) != 1) {
        if (k == -2) {
            rc = AUS_EXIT_ENV;
            break;
        }
        bad += k != 0;
        idx++;
    }
    if (rc == AUS_EXIT_ENV) {
        cli_err("out of memory");
    } else if (idx == 0) {
        cli_err("no CLTU start sequence in %s", o->in);
        rc = AUS_EXIT_FAIL;
    } else if (bad) {
        cli_err("%zu of %zu CLTUs were rejected", bad, idx);
        rc = AUS_EXIT_FAIL;
    }
    for (unsigned m = 0; m < AUS_TC_MAPS; m++) {
        if (r.map[m].active && rc != AUS_EXIT_ENV) {
            cli_err("MAP %u: the last SDU is incomplete (%zu octets received)", m, r.map[m].have);
            rc = AUS_EXIT_FAIL;
        }
        free(r.map[m].buf);
    }
    free(in);
    aus_sdls_simple_wipe(&sd);
    return finish(o, &b, rc);
}

/* ---- RS ---- */
static int rs_decode(const opts *o)
{
    if (!o->have_rs || o->rs_i == 0)
        return usage_err("--interleave 1..8 is required");
    size_t bl = aus_rs_block_len((unsigned)o->rs_i, (unsigned)o->pad);
    size_t dl = aus_rs_data_len((unsigned)o->rs_i, (unsigned)o->pad);
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    obuf b = {0};
    int rc = AUS_EXIT_OK;
    if (n == 0 || n % bl != 0) {
        cli_err("input is %zu octets, not a whole number of %zu-octet codeblocks", n, bl);
        rc = AUS_EXIT_FAIL;
    }
    for (size_t pos = 0, i = 0; rc == AUS_EXIT_OK && pos < n; pos += bl, i++) {
        unsigned fixed = 0;
        aus_err e = aus_rs_decode(in + pos, (unsigned)o->rs_i, (unsigned)o->pad, &fixed);
        FILE *j = json_out(o);
        fprintf(j, "{\"codeblock\":%zu,\"rs_corrected\":%u,\"error\":", i, fixed);
        json_err(j, e);
        fputs("}\n", j);
        if (e != AUS_OK) {
            cli_err("codeblock %zu is uncorrectable (more than 16 symbol errors in a codeword)", i);
            rc = AUS_EXIT_FAIL;
        } else if (ob_put(&b, in + pos, dl) != 0) {
            rc = AUS_EXIT_ENV;
        }
    }
    free(in);
    if (rc != AUS_EXIT_OK) {
        free(b.p);
        return rc;
    }
    return finish(o, &b, rc);
}

/* ---- convolutional code: the encoder is in the core, the Viterbi decoder is libfec's, which
 * allocates its path memory (create_viterbi27) and so stays out of src/ ---- */
static int conv_encode(const opts *o)
{
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    size_t cap = (aus_conv_encoded_bits(n, true) + 7u) / 8u;
    obuf b = {malloc(cap), cap, cap};
    int rc = AUS_EXIT_OK;
    if (b.p == NULL || aus_conv_encode(in, n, true, b.p, cap) != AUS_OK)
        rc = AUS_EXIT_FAIL;
    free(in);
    return finish(o, &b, rc);
}

static int conv_decode(const opts *o)
{
    size_t n;
    uint8_t *in = load(o, &n);
    if (in == NULL)
        return AUS_EXIT_ENV;
    /* n information octets give 16 n + 12 symbols = 2 n + 2 octets (4 padding bits) */
    if (n < 2 || n % 2 != 0 || n > (1u << 24)) {
        free(in);
        cli_err("input is %zu octets; a terminated r=1/2 k=7 codeword of k octets has 2k+2", n);
        return AUS_EXIT_FAIL;
    }
    size_t k = (n - 2) / 2, nsym = aus_conv_encoded_bits(k, true);
    unsigned char *soft = malloc(nsym);
    obuf b = {malloc(k + 1), k, k + 1};
    void *vp = NULL;
    int rc = AUS_EXIT_OK;
    if (soft != NULL && b.p != NULL) {
        for (size_t i = 0; i < nsym; i++)
            soft[i] = ((in[i / 8] >> (7 - i % 8)) & 1u) ? 255 : 0;
        find_cpu_mode();
        int polys[2] = {V27POLYB, -V27POLYA}; /* CCSDS: G1 = 171o, then G2 = 133o inverted */
        set_viterbi27_polynomial(polys);
        vp = create_viterbi27((int)(8 * k));
    }
    if (vp == NULL) {
        rc = AUS_EXIT_ENV;
    } else {
        init_viterbi27(vp, 0);
        update_viterbi27_blk(vp, soft, (int)(8 * k + AUS_CONV_TAIL_BITS));
        chainback_viterbi27(vp, b.p, (unsigned)(8 * k), 0);
        delete_viterbi27(vp);
    }
    free(soft);
    free(in);
    return finish(o, &b, rc);
}

int cmd_ccsds(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? AUS_EXIT_USAGE : AUS_EXIT_OK;
    }
    const char *sub = argv[1];
    static const char *const subs[] = {"tm-encode", "tm-decode",   "tc-encode",  "tc-decode",
                                       "rs-decode", "conv-encode", "conv-decode"};
    int known = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= !strcmp(sub, subs[i]);
    if (!known) /* named before its options are read: a typo is the problem, not a missing -o */
        return usage_err("unknown ccsds subcommand '%s'", sub);
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return AUS_EXIT_OK;
        }
    opts o;
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc)
        return rc;
    if (o.ctrl && strcmp(sub, "tc-encode"))
        return usage_err("--control goes with tc-encode");
    if (!strcmp(sub, "tm-encode"))
        return tm_encode(&o);
    if (!strcmp(sub, "tm-decode"))
        return tm_decode(&o);
    if (!strcmp(sub, "tc-encode"))
        return tc_encode(&o);
    if (!strcmp(sub, "tc-decode"))
        return tc_decode(&o);
    if (!strcmp(sub, "rs-decode"))
        return rs_decode(&o);
    if (!strcmp(sub, "conv-encode"))
        return conv_encode(&o);
    if (!strcmp(sub, "conv-decode"))
        return conv_decode(&o);
    return usage_err("unknown ccsds subcommand '%s'", sub);
}
