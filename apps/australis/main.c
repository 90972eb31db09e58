/* SPDX-License-Identifier: Apache-2.0 */
/* australis — one binary, subcommand families, --help at every level. */
#include <stdio.h>
#include <string.h>

#include "australis/config.h"
#include "cli.h"
#include "log.h"

typedef struct family {
    const char *name;
    cli_fn fn;
    const char *summary;
} family;

static const family families[] = {
    {"bundle", cmd_bundle, "create and inspect BPv7 bundles (RFC 9171)"},
    {"bpsec", cmd_bpsec, "wrap and unwrap bundles with BPSec (RFC 9172/9173)"},
    {"ccsds", cmd_ccsds, "CCSDS TM/TC framing, SDLS, coding tools"},
    {"keys", cmd_keys, "generate, list, import and export keys"},
    {"init", cmd_init, "write a matching ground and satellite pair (configs, keys, folders)"},
    {"run", cmd_run, "run the ground or satellite daemon"},
    {"pass", cmd_pass, "carry files across the link (the operator's pipeline stand-in)"},
    {"tm", cmd_client, "ask the satellite for a telemetry report (ground client)"},
    {"cmd", cmd_client, "send a command to the satellite (ground client)"},
    {"image", cmd_client, "download an image or file from the satellite (ground client)"},
    {"rekey", cmd_client, "rotate session keys by OTAR or post-quantum rekey (ground client)"},
    {"sa", cmd_client, "SDLS security-association management (ground client)"},
    {"status", cmd_client, "show the ground daemon's status (ground client)"},
    {"file", cmd_client, "upload a file to the satellite: file put LOCAL REMOTE (ground client)"},
    {"cancel", cmd_client, "cancel a pending request: the ground stops asking (ground client)"},
    {"retry", cmd_client, "re-send a pending request now (ground client)"},
    {"tcpcl", cmd_tcpcl, "send and receive bundles over TCPCLv4 (RFC 9174), TLS optional"},
    {"udpcl", cmd_udpcl, "send and receive bundles over UDP, one per datagram"},
    {"dict", cmd_dict, "check a tenant's telemetry and command dictionary"},
    {"app", cmd_app, "a tenant program's side of the satellite's application interface"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: australis COMMAND [ARGS...]\n\n"
            "Australis %s: secure space-link stack (BPv7, BPSec, CCSDS, SDLS, OTAR, "
            "ML-KEM/ML-DSA).\n\ncommands:\n",
            AUSTRALIS_VERSION);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        fprintf(f, "  %-8s %s\n", families[i].name, families[i].summary);
    fprintf(f, "\n'australis COMMAND --help' describes each command.\n"
               "exit codes: 0 success, 1 invalid input or failed operation, 2 usage or config "
               "error, 3 environment (I/O) error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    if (cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(stdout);
        return AUS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("australis %s\n", AUSTRALIS_VERSION);
        return AUS_EXIT_OK;
    }
    if (!strcmp(argv[1], "run")) { /* --log-level, --log-format (common/log.h) */
        int lrc = aulog_take_args(&argc, argv);
        if (lrc)
            return lrc;
    }
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (!strcmp(argv[1], families[i].name))
            return families[i].fn(argc - 1, argv + 1);
    cli_err("unknown command '%s' (see australis --help)", argv[1]);
    return AUS_EXIT_USAGE;
}
