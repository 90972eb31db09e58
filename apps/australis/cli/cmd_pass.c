/* SPDX-License-Identifier: Apache-2.0 */
/* australis pass: the stand-in for the operator's pipeline (DESIGN.md §9).
 *
 * Moves every file waiting in --from (in the reader's order) into --to, the way an operator's
 * ground-station pipeline would carry them on a pass, optionally misbehaving on purpose:
 * dropping, duplicating, reordering, corrupting (one bit flip), truncating, delaying.
 * Delivery into --to is atomic (NAME.tmp, fsync, rename) like the daemons' own writes.
 * Seeded: the same --seed gives the same faults for the same files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/cl_ccsds.h"
#include "cli.h"
#include "opts.h"
#include "../../../port/posix/folder_link.h" /* apps see include/ and src/ only */

typedef struct pass_opts {
    const char *from, *to, *archive;
    double drop, dup, corrupt, trunc, ber;
    int reorder, quiet;
    double delay;
    uint64_t seed;
} pass_opts;

static uint64_t rng_state;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* --bit-errors: the radio channel (its own PRNG stream, from --seed) */
static uint64_t ber_rng;
static size_t ber_flipped;

static double rng_unit(void) { return (double)(rng() >> 11) / 9007199254740992.0; }

static void usage(FILE *f)
{
    fprintf(f, "usage: australis pass --from DIR --to DIR [--drop P] [--dup P] [--reorder]\n"
               "                      [--corrupt P] [--truncate P] [--delay S] [--seed N]\n"
               "                      [--archive DIR] [--quiet]\n\n"
               "Carry every file waiting in --from into --to (the operator's pipeline on a pass).\n"
               "  --drop P      lose each file with probability P (0..1)\n"
               "  --dup P       deliver a second copy with probability P\n"
               "  --reorder     deliver the files' contents in a random order\n"
               "  --corrupt P   flip one random bit with probability P\n"
               "  --truncate P  cut the file short with probability P\n"
               "  --bit-errors R flip every bit independently with probability R (0..1): the\n"
               "                radio channel for link = ccsds pass files (RS/BCH correct 1e-4)\n"
               "  --delay S     wait S seconds before delivering (a late pass)\n"
               "  --seed N      seed for the fault choices (default 1)\n"
               "  --archive DIR also keep a copy of every file carried (what the operator saw)\n"
               "exit codes: 0 ok, 2 usage, 3 I/O error\n");
}

static int parse_opts(int argc, char **argv, pass_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    const cli_opt tab[] = {
        {"--from", NULL, CLI_OPT_STR, &o->from, 0, 0, NULL},
        {"--to", NULL, CLI_OPT_STR, &o->to, 0, 0, NULL},
        {"--archive", NULL, CLI_OPT_STR, &o->archive, 0, 0, NULL},
        {"--reorder", NULL, CLI_OPT_FLAG, &o->reorder, 0, 0, NULL},
        {"--quiet", NULL, CLI_OPT_FLAG, &o->quiet, 0, 0, NULL},
        {"--drop", NULL, CLI_OPT_NUM, &o->drop, 0, 1, "a probability"},
        {"--dup", NULL, CLI_OPT_NUM, &o->dup, 0, 1, "a probability"},
        {"--corrupt", NULL, CLI_OPT_NUM, &o->corrupt, 0, 1, "a probability"},
        {"--truncate", NULL, CLI_OPT_NUM, &o->trunc, 0, 1, "a probability"},
        {"--bit-errors", NULL, CLI_OPT_NUM, &o->ber, 0, 1, "a bit error rate"},
        {"--delay", NULL, CLI_OPT_NUM, &o->delay, 0, 86400, "a number of seconds"},
        {"--seed", NULL, CLI_OPT_U64, &o->seed, 0, UINT64_MAX, "a seed"},
    };
    const char *pos[1];
    int npos = 0;
    int r = cli_opts_parse("pass", argc, argv, 1, tab, sizeof tab / sizeof tab[0], pos, &npos, 0);
    if (r != 0)
        return r;
    if (!o->from || !o->to) {
        cli_err("pass: missing option %s (see australis pass --help)",
                o->from ? "--to DIR" : "--from DIR");
        return -1;
    }
    return 0;
}

static int deliver(aus_fl *dst, const char *name, const uint8_t *p, size_t n)
{
    return aus_fl_write(dst, name, p, n);
}

typedef struct pass_counts {
    long taken, dropped, duped, corrupted, truncated;
} pass_counts;

/* Deliver the contents of file order[i] under the i-th name, misbehaving as asked. */
static int carry(const pass_opts *o, aus_fl *dst, aus_fl *arc, char **names, uint8_t **bufs,
                 size_t *lens, const long *order, long n, pass_counts *c)
{
    for (long i = 0; i < n; i++) {
        long k = order[i];
        uint8_t *p = bufs[k];
        size_t len = lens[k];
        if (arc && p)
            (void)aus_fl_write(arc, names[k], p, len);
        c->taken++;
        if (rng_unit() < o->drop || !p) {
            c->dropped += p ? 1 : 0;
            continue;
        }
        if (len && rng_unit() < o->corrupt) {
            size_t bit = (size_t)(rng() % (uint64_t)(len * 8));
            p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            c->corrupted++;
        }
        if (len && rng_unit() < o->trunc) {
            len = (size_t)(rng() % (uint64_t)len);
            c->truncated++;
        }
        if (o->ber > 0)
            ber_flipped += aus_cl_ccsds_flip_bits(p, len, o->ber, &ber_rng);
        if (deliver(dst, names[i], p, len) != 0)
            return -1;
        if (rng_unit() < o->dup) {
            char dname[600];
            snprintf(dname, sizeof dname, "%.500s.dup", names[i]);
            if (o->ber > 0)
                ber_flipped += aus_cl_ccsds_flip_bits(p, len, o->ber, &ber_rng);
            if (deliver(dst, dname, p, len) != 0)
                return -1;
            c->duped++;
        }
    }
    return 0;
}

int cmd_pass(int argc, char **argv)
{
    pass_opts o;
    int r = parse_opts(argc, argv, &o);
    if (r > 0)
        usage(stdout);
    if (r != 0) /* a sentence was printed */
        return r > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    rng_state = o.seed;
    ber_rng = o.seed ^ 0x243F6A8885A308D3ull;
    aus_fl src, dst, arc;
    if (aus_fl_open(&src, o.from, NULL, NULL, 1, (size_t)1 << 30) != 0 ||
        aus_fl_open(&dst, NULL, o.to, NULL, 1, 0) != 0) {
        cli_err("pass: cannot open folders: %s", strerror(errno));
        return AUS_EXIT_ENV;
    }
    if (o.archive && aus_fl_open(&arc, NULL, o.archive, NULL, 0, 0) != 0) {
        cli_err("pass: cannot open archive folder: %s", strerror(errno));
        return AUS_EXIT_ENV;
    }
    if (o.delay > 0)
        usleep((useconds_t)(o.delay * 1e6));
    char **names;
    long n = aus_fl_list(&src, &names, 0);
    if (n < 0) {
        cli_err("pass: cannot list %s: %s", o.from, strerror(errno));
        return AUS_EXIT_ENV;
    }
    uint8_t **bufs = calloc((size_t)n + 1, sizeof *bufs);
    size_t *lens = calloc((size_t)n + 1, sizeof *lens);
    long *order = calloc((size_t)n + 1, sizeof *order);
    pass_counts c = {0, 0, 0, 0, 0};
    int rc = AUS_EXIT_OK;
    for (long i = 0; i < n; i++) {
        if (aus_fl_read(&src, names[i], &bufs[i], &lens[i]) != AUS_FL_OK) {
            /* junk the daemon would quarantine: the pipeline carries it as it is, if it can */
            bufs[i] = NULL;
            lens[i] = 0;
        }
        order[i] = i;
    }
    if (o.reorder)
        for (long i = n - 1; i > 0; i--) {
            long j = (long)(rng() % (uint64_t)(i + 1));
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    if (carry(&o, &dst, o.archive ? &arc : NULL, names, bufs, lens, order, n, &c) != 0)
        rc = AUS_EXIT_ENV;
    /* only after every delivery is durable: take the files off the sender's folder */
    for (long i = 0; i < n && rc == AUS_EXIT_OK; i++)
        if (aus_fl_remove(&src, names[i]) != 0)
            rc = AUS_EXIT_ENV;
    if (rc != AUS_EXIT_OK)
        cli_err("pass: I/O error: %s", strerror(errno));
    if (!o.quiet)
        printf("pass %s -> %s: %ld files, %ld dropped, %ld duplicated, %ld corrupted, %ld "
               "truncated%s\n",
               o.from, o.to, c.taken, c.dropped, c.duped, c.corrupted, c.truncated,
               o.reorder ? ", reordered" : "");
    if (!o.quiet && o.ber > 0)
        printf("pass %s -> %s: %zu bits flipped (bit error rate %g)\n", o.from, o.to, ber_flipped,
               o.ber);
    for (long i = 0; i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    free(order);
    aus_fl_free_list(names, n);
    aus_fl_close(&src);
    aus_fl_close(&dst);
    if (o.archive)
        aus_fl_close(&arc);
    return rc;
}
