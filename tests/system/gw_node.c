/* SPDX-License-Identifier: Apache-2.0 */
/* A terrestrial DTN application for the gateway's system test (sys_tcpcl_daemon.sh), built from
 * our own library: it writes a request bundle and reads an answer bundle; `australis tcpcl
 * send|listen` carry them.
 *
 *   gw_node req --src N.S --dst N.S --id ID (--tm | --cmd NAME [--arg A]... | --image PATH)
 *               -o FILE          a bundle whose payload is our application request
 *   gw_node show FILE            "src=ipn:N.S dst=ipn:N.S type=NAME id=ID status=S exit=E
 *                                 output=TEXT entries=K bytes=B" of an answer bundle
 * Exit: 0 ok, 1 not a bundle / not an answer, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "australis/app.h"
#include "australis/bpv7.h"

static int eid(const char *s, aus_eid *e)
{
    unsigned long long a, b;
    if (sscanf(s, "%llu.%llu", &a, &b) != 2)
        return -1;
    *e = (aus_eid){AUS_EID_SCHEME_IPN, a, b, NULL, 0};
    return 0;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = malloc(1 << 24);
    *n = p ? fread(p, 1, 1 << 24, f) : 0;
    fclose(f);
    return p;
}

static int req(int argc, char **argv)
{
    static aus_bpv7_bundle b;
    aus_app_msg m;
    const char *out = NULL;
    memset(&m, 0, sizeof m);
    aus_bpv7_init(&b);
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.lifetime = 3600000;
    b.pri.ctime = ((uint64_t)time(NULL) - 946684800ull) * 1000u;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--src") && !eid(v, &b.pri.src))
            i++;
        else if (!strcmp(a, "--dst") && !eid(v, &b.pri.dst))
            i++;
        else if (!strcmp(a, "--id"))
            m.id = b.pri.seq = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--tm"))
            m.type = AUS_APP_TM_QUERY;
        else if (!strcmp(a, "--cmd")) {
            m.type = AUS_APP_CMD;
            m.name = (aus_app_view){(const uint8_t *)v, strlen(v)};
            i++;
        } else if (!strcmp(a, "--arg") && m.nargs < AUS_APP_MAX_ARGS) {
            m.args[m.nargs++] = (aus_app_view){(const uint8_t *)v, strlen(v)};
            i++;
        } else if (!strcmp(a, "--image")) {
            m.type = AUS_APP_IMG_REQ;
            m.name = (aus_app_view){(const uint8_t *)v, strlen(v)};
            i++;
        } else if (!strcmp(a, "--type")) { /* any type number (refusal tests) */
            m.type = (uint8_t)atoi(v);
            i++;
        } else if (!strcmp(a, "-o"))
            out = argv[++i];
        else
            return 2;
    }
    b.pri.report_to = b.pri.src;
    uint8_t adu[4096], buf[8192];
    size_t len = 0;
    if (!out || aus_app_encode(&m, adu, sizeof adu, &len) != AUS_OK ||
        aus_bpv7_set_payload(&b, adu, len, 0, AUS_BPV7_CRC_32C) != AUS_OK)
        return 2;
    long k = aus_bpv7_encode(&b, buf, sizeof buf);
    FILE *f = fopen(out, "wb");
    if (k <= 0 || !f || fwrite(buf, 1, (size_t)k, f) != (size_t)k)
        return 1;
    fclose(f);
    return 0;
}

static int show(const char *path)
{
    static aus_bpv7_bundle b;
    size_t n = 0;
    uint8_t *p = slurp(path, &n);
    aus_app_msg m;
    if (!p || aus_bpv7_decode(&b, p, n, 0) != AUS_OK || !b.payload ||
        aus_app_decode(&m, b.payload, b.payload_len) != AUS_OK) {
        printf("not an answer bundle\n");
        free(p);
        return 1;
    }
    printf("src=ipn:%llu.%llu dst=ipn:%llu.%llu type=%s id=%llu status=%s exit=%lld "
           "entries=%zu bytes=%zu output=%.*s\n",
           (unsigned long long)b.pri.src.node, (unsigned long long)b.pri.src.service,
           (unsigned long long)b.pri.dst.node, (unsigned long long)b.pri.dst.service,
           aus_app_type_name(m.type), (unsigned long long)m.id, aus_app_status_name(m.status),
           (long long)m.exit_code, m.nkv, m.data.n, (int)(m.data.n < 200 ? m.data.n : 200),
           (const char *)m.data.p);
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "req"))
        return req(argc, argv);
    if (argc == 3 && !strcmp(argv[1], "show"))
        return show(argv[2]);
    fprintf(stderr, "usage: gw_node req ... -o FILE | gw_node show FILE\n");
    return 2;
}
