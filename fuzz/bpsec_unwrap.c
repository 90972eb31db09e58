/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: BPSec processing at the destination on hostile bytes.
 *
 * Input byte 0 selects the mode: even = the rest is a bundle as-is (random bytes, the seeds are
 * the RFC 9173 App. A final bundles and the Wireshark BPSec samples); odd = the rest drives
 * mutations of one of the four App. A final bundles (so that the cryptographic paths are
 * reached with the right keys). Invariants checked: when aus_bpsec_open accepts a modified
 * App. A bundle (possible: A.1 / A.2 use scope 0, which leaves the primary block outside the
 * integrity check), the delivered payload block is exactly the original one (never altered
 * plaintext); on failure the buffer is entirely wiped; the ASB decoder re-encodes what it
 * accepts to the same bytes, and its fast path agrees with the item-by-item decoder on the raw
 * input and on every BIB/BCB's data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/bpsec.h"
#include "bpsec/bpsec_int.h"

static const char *const finals[4] = {
    "9f88070000820282010282028202018202820201820018281a000f4240850b0200005856810101018202820201"
    "828201078203008181820158403bdc69b3a34a2b5d3a8554368bd1e808f606219d2a10a846eae3886ae4ecc83c4e"
    "e550fdfb1cc636b904e2f1a73e303dcd4b6ccece003e95e8164dcc89a156e185010100005823526561647920746f"
    "2067656e657261746520612033322d62797465207061796c6f6164ff",
    "9f88070000820282010282028202018202820201820018281a000f4240850c02010058508101020182028202018"
    "482014c5477656c76653132313231328202018203581869c411276fecddc4780df42c8a2af89296fabf34d7fae70"
    "08204008181820150efa4b5ac0108e3816c5606479801bc04850101000058233a09c1e63fe23a7f66a59c730383"
    "7241e070b02619fc59c5214a22f08cd70795e73e9aff",
    "9f88070000820282010282028202018202820201820018281a000f4240850b030000585c820002010182028203"
    "0082820105820300828182015820cac6ce8e4c5dae57988b757e49a6dd1431dc04763541b2845098265bc817241"
    "b81820158203ed614c0d97f49b3633627779aa18a338d212bf3c92b97759d9739cd50725596850c04010058348101"
    "020182028202018382014c5477656c76653132313231328202018204008181820150efa4b5ac0108e3816c56064"
    "79801bc0485070200004319012c850101000058233a09c1e63fe23a7f66a59c7303837241e070b02619fc59c521"
    "4a22f08cd70795e73e9aff",
    "9f88070000820282010282028202018202820201820018281a000f4240850b0300005846438ed6208eb1c1ffb94d"
    "952175167df0902902064a2983910c4fb2340790bf420a7d1921d5bf7c4721e02ab87a93ab1e0b75cf62e49487"
    "27c8b5dae46ed2af05439b88029191850c0201005849820301020182028202018382014c5477656c7665313231"
    "3231328202038204078281820150220ffc45c8a901999ecc60991dd78b2981820150d2c51cb2481792dae8b21d"
    "848cede99b8501010000582390eab6457593379298a8724e16e61f837488e127212b59ac91f8a86287b7d07630"
    "a122ff",
};

typedef struct key {
    const char *src;
    int64_t ctx;
    const char *hex;
} key;

static const key keys[] = {
    {"ipn:2.1", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b"},
    {"ipn:3.0", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b"},
};

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + (size_t)k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static int g_example; /* which App. A example is being processed (BCB keys differ) */

static aus_err key_fn(void *user, const char *source, int64_t ctx, uint8_t *k, size_t cap,
                      size_t *len)
{
    (void)user;
    (void)cap;
    if (ctx == 2 && !strcmp(source, "ipn:2.1")) {
        /* A.2: KEK; A.3: 128-bit key; A.4: 256-bit key */
        const char *h = g_example == 1   ? "6162636465666768696a6b6c6d6e6f70"
                        : g_example == 3 ? "71776572747975696f7061736466676871776572747975696f"
                                           "70617364666768"
                                         : "71776572747975696f70617364666768";
        *len = unhex(h, k);
        return AUS_OK;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].ctx == ctx && !strcmp(keys[i].src, source)) {
            *len = unhex(keys[i].hex, k);
            return AUS_OK;
        }
    return AUS_E_NOTFOUND;
}

static void check_wiped(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            abort(); /* a failed open left data behind */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The ASB fast path against the item-by-item decoder on p[0..n): same error, same structure
 * (including what an error leaves untouched). */
static void check_asb_fast(const uint8_t *p, size_t n)
{
    static aus_bpsec_asb a, g, s;
    memset(&a, 0x5A, sizeof a);
    memset(&g, 0x5A, sizeof g);
    aus_err e = aus_bpsec_asb_decode(&a, p, n);
    if (e != bpsec_asb_decode_general(&g, p, n) || memcmp(&a, &g, sizeof a) != 0)
        abort();
    /* the in-place scratch decoder: the same error, the same decoded fields */
    if (bpsec_asb_decode_scratch(&s, p, n) != e)
        abort();
    if (e != AUS_OK)
        return;
    if (s.ntargets != a.ntargets || s.ctx_id != a.ctx_id || s.ctx_flags != a.ctx_flags ||
        s.source != a.source || s.source_len != a.source_len || s.nparams != a.nparams ||
        memcmp(s.targets, a.targets, a.ntargets * sizeof a.targets[0]) != 0 ||
        memcmp(s.params, a.params, a.nparams * sizeof a.params[0]) != 0)
        abort();
    /* the RFC 9173 parameter readers' fast paths against their references */
    sc_params x, y;
    memset(&x, 0x5A, sizeof x);
    memset(&y, 0x5A, sizeof y);
    if (bpsec_bib_params(&a, &x) != bpsec_bib_params_general(&a, &y) ||
        memcmp(&x, &y, sizeof x) != 0)
        abort();
    memset(&x, 0x5A, sizeof x);
    memset(&y, 0x5A, sizeof y);
    if (bpsec_bcb_params(&a, &x) != bpsec_bcb_params_general(&a, &y) ||
        memcmp(&x, &y, sizeof x) != 0)
        abort();
    for (size_t i = 0; i < a.ntargets; i++) {
        if (s.nresults[i] != a.nresults[i] ||
            memcmp(s.results[i], a.results[i], a.nresults[i] * sizeof a.results[i][0]) != 0)
            abort();
        /* the result byte-string reader's fast path against its reference, at the lengths
         * the contexts ask for (GCM tag, HMAC-SHA-256/384/512) and at the value's own length
         * under a one- or two-byte head */
        size_t vl = a.nresults[i] ? a.results[i][0].val_len : 0;
        const size_t want[] = {16, 32, 48, 64, vl > 0 ? vl - 1 : 0, vl > 1 ? vl - 2 : 0};
        for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
            const uint8_t *x = NULL, *y = NULL;
            if (bpsec_result_bstr(&a, i, want[w], &x) !=
                    bpsec_result_bstr_general(&a, i, want[w], &y) ||
                x != y)
                abort();
        }
    }
}

/* ... on the data of every BIB and BCB of the bundle, as the unwrap path reads them. */
static void check_asb_blocks(const uint8_t *p, size_t n)
{
    static aus_bpv7_bundle b;
    if (aus_bpv7_decode(&b, p, n, AUS_BPV7_LAX_CBOR | AUS_BPV7_NO_CRC_CHECK) != AUS_OK)
        return;
    for (size_t i = 0; i < b.nblocks; i++)
        if (b.blk[i].type == AUS_BPV7_BT_BIB || b.blk[i].type == AUS_BPV7_BT_BCB)
            check_asb_fast(b.blk[i].data, b.blk[i].data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[8192];
    if (size < 1 || size > 4096)
        return 0;
    const aus_crypto *c = aus_crypto_default();
    aus_bpsec_report rep;
    size_t n;
    if ((data[0] & 1) == 0) {
        g_example = 0;
        n = size - 1;
        memcpy(buf, data + 1, n);
        if (aus_bpsec_open(c, key_fn, NULL, buf, &n, &rep) != AUS_OK)
            check_wiped(buf, size - 1);
        check_asb_fast(data + 1, size - 1);
        check_asb_blocks(data + 1, size - 1);
        aus_bpsec_asb a;
        if (aus_bpsec_asb_decode(&a, data + 1, size - 1) == AUS_OK) {
            static uint8_t out[8192];
            aus_wr w;
            aus_wr_init(&w, out, sizeof out);
            if (aus_bpsec_asb_encode(&w, &a) != AUS_OK || aus_wr_len(&w) != size - 1 ||
                memcmp(out, data + 1, size - 1) != 0)
                abort();
        }
        return 0;
    }
    /* mutation mode: byte 1 picks the example, then (offset hi, offset lo, xor) triples */
    if (size < 5)
        return 0;
    g_example = (data[1] >> 1) & 3;
    n = unhex(finals[g_example], buf);
    size_t len = n;
    int changed = 0;
    for (size_t i = 2; i + 2 < size; i += 3) {
        size_t off = ((size_t)data[i] << 8 | data[i + 1]) % len;
        if (data[i + 2]) {
            buf[off] ^= data[i + 2];
            changed = 1;
        }
    }
    if (!changed)
        return 0;
    static uint8_t orig[2048];
    memcpy(orig, buf, len);
    check_asb_blocks(orig, len);
    aus_err e = aus_bpsec_open(c, key_fn, NULL, buf, &n, &rep);
    /* what the CLI refuses: a security block turned into an unknown block, or none left */
    if (e == AUS_OK && (rep.nuncovered || rep.nbib + rep.nbcb == 0))
        return 0;
    if (e == AUS_OK) {
        static const char pay[] = "850101000058235265616479"; /* payload block, "Ready" */
        uint8_t want[12];
        static const char text[] = "Ready to generate a 32-byte payload";
        unhex(pay, want);
        if (n < 12 + 30 + 1 || memcmp(buf + n - 1 - 35 - 7 + 5, want + 5, 7) != 0 ||
            memcmp(buf + n - 1 - 35, text, 35) != 0 || buf[n - 1] != 0xFF)
            abort(); /* altered plaintext delivered */
        return 0;
    }
    check_wiped(buf, len);
    return 0;
}
