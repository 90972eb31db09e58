/* libFuzzer target: BPv7 bundle decoding (RFC 9171) plus the properties that must hold for any
 * input the decoder accepts: re-encoding reproduces the bytes (strict CBOR), the encoder's size
 * pass agrees, fragments of it decode and reassemble to the same payload, and an
 * administrative record payload decodes without crashing. Seeds: fuzz/corpus/bpv7_decode/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/bpv7.h"

static aus_bpv7_bundle b, f;
static uint8_t out[1 << 17];
static uint8_t frag[1 << 17];
static uint8_t adu[1 << 17];

static void check_fragments(void)
{
    if ((b.pri.flags & AUS_BPV7_BF_NO_FRAGMENT) || b.payload_len < 2 ||
        (b.pri.flags & AUS_BPV7_BF_FRAGMENT))
        return;
    static aus_bpv7_reasm ra;
    aus_bpv7_reasm_init(&ra, adu, sizeof adu);
    size_t half = b.payload_len / 2;
    size_t cuts[2][2] = {{half, b.payload_len - half}, {0, half}};
    for (int i = 0; i < 2; i++) {
        long n = aus_bpv7_fragment(&b, cuts[i][0], cuts[i][1], frag, sizeof frag);
        if (n < 0)
            return;
        if (aus_bpv7_decode(&f, frag, (size_t)n, 0) != AUS_OK)
            abort(); /* our own fragment of a valid bundle must be valid */
        int rc = aus_bpv7_reasm_add(&ra, &f);
        if (rc < 0 && rc != AUS_E_LIMIT)
            abort();
    }
    if (aus_bpv7_reasm_complete(&ra) && memcmp(adu, b.payload, b.payload_len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)aus_bpv7_decode(&b, data, size, AUS_BPV7_STRICT);
    (void)aus_bpv7_decode(&b, data, size, AUS_BPV7_LAX_CBOR | AUS_BPV7_NO_CRC_CHECK);
    if (aus_bpv7_decode(&b, data, size, 0) != AUS_OK)
        return 0;
    if (b.encoded_len != size || b.err_off != 0)
        abort();
    long n = aus_bpv7_encode(&b, out, sizeof out);
    if (n < 0 || aus_bpv7_encode(&b, NULL, 0) != n)
        abort();
    if (!(b.notes & AUS_BPV7_NOTE_DISCARDED) && ((size_t)n != size || memcmp(out, data, size)))
        abort(); /* decode -> encode is the identity on accepted input */
    if (b.pri.flags & AUS_BPV7_BF_ADMIN) {
        aus_bpv7_status_report sr;
        uint8_t rec[4096];
        if (aus_bpv7_status_decode(&sr, b.payload, b.payload_len) == AUS_OK) {
            long m = aus_bpv7_status_encode(&sr, rec, sizeof rec);
            if (m < 0 && m != AUS_E_ARG && m != AUS_E_NOBUFS)
                abort();
        }
    }
    (void)aus_bpv7_check_lifetime(&b, 1000);
    check_fragments();
    return 0;
}
