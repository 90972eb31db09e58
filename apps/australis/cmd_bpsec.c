/* australis bpsec: placeholder until its issue lands (prints a clear message, exit 2). */
#include <stdio.h>

#include "cli.h"

int cmd_bpsec(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "australis: '%s' is not available in this build yet\n", argv[0]);
    return AUS_EXIT_USAGE;
}
