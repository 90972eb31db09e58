/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant's telemetry and command dictionary (docs/dictionary.md): one text file per tenant
 * declaring its telemetry points (type, unit, yellow/red limits) and its commands (typed
 * arguments with ranges or enumerations, a timeout). Sans-I/O: the caller reads the file and
 * hands over its bytes and the arrays the entries go into; every name, unit and description is
 * a view into those bytes, which must outlive the dictionary.
 *
 * File format (INI-like, as the daemons' configs):
 *
 *   # comment (also ';'; " #" after a value starts an inline comment)
 *   [dictionary]
 *   tenant = tenantA                 optional: whose dictionary this is
 *   [point NAME]
 *   type = int | float | bool | text | enum
 *   values = a|b|c                   enum only (required there)
 *   unit = V                         optional
 *   yellow = LO..HI                  int/float: the band inside which the value is nominal;
 *   red = LO..HI                       outside yellow = yellow, outside red = red (either bound
 *                                      may be left out: "..8.6", "6.0..")
 *   yellow = v|w  /  red = v|w       bool/enum: the values that are yellow / red
 *   description = text
 *   [command NAME]
 *   timeout_s = 30                   optional: how long the ground waits for the answer
 *   arg = NAME TYPE [SPEC]           one line per argument, in order; SPEC: int/float LO..HI,
 *                                      text LO..HI (length in bytes), enum a|b|c, bool none.
 *                                      NAME? = optional (the rest must be too), NAME... = zero
 *                                      or more (the last one)
 *   description = text
 *
 * Names are 1..AUS_DICT_NAME_MAX characters of [A-Za-z0-9_.-].
 *
 * Version and definition hashes: FNV-1a 64 over a canonical form (entries sorted by kind and
 * name, fields in a fixed order, comments, blank space and line order left out; numbers as
 * written). They detect drift between two copies of a dictionary, they are not a security
 * boundary: every bundle that carries them is authenticated by BPSec. The definition hash of a
 * command covers what the satellite accepts (name and arguments), not its description or
 * timeout; the version covers everything.
 */
#ifndef AUSTRALIS_DICT_H
#define AUSTRALIS_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_DICT_NAME_MAX 32
#define AUS_DICT_MAX_ARGS 16     /* = AUS_APP_MAX_ARGS: a command carries no more */
#define AUS_DICT_HASH_BYTES 8    /* a command's definition hash, big-endian FNV-1a 64 */
#define AUS_DICT_FILE_MAX 262144 /* the parser refuses larger inputs (AUS_E_LIMIT) */

typedef enum aus_dict_type {
    AUS_DICT_INT = 1, /* signed 64-bit decimal */
    AUS_DICT_FLOAT,   /* decimal with optional fraction and exponent */
    AUS_DICT_BOOL,    /* true|false (arguments also accept 1|0, yes|no, on|off) */
    AUS_DICT_TEXT,    /* any bytes; range = length */
    AUS_DICT_ENUM,    /* one of the listed values */
} aus_dict_type;

typedef struct aus_dict_text {
    const char *p; /* into the parsed bytes; not NUL-terminated */
    size_t n;
} aus_dict_text;

/* A closed interval, either bound optional. For INT and TEXT the integer bounds are used, for
 * FLOAT the double ones; lo_t/hi_t keep the bounds as written (for messages). */
typedef struct aus_dict_range {
    uint8_t has_lo, has_hi;
    int64_t ilo, ihi;
    double dlo, dhi;
    aus_dict_text lo_t, hi_t;
} aus_dict_range;

typedef struct aus_dict_point {
    aus_dict_text name, unit, desc;
    aus_dict_type type;
    aus_dict_text values;          /* enum: "a|b|c" */
    aus_dict_range yellow, red;    /* int/float: nominal bands */
    aus_dict_text yellow_v, red_v; /* bool/enum: "v|w", the values that are yellow / red */
    unsigned line;                 /* of its [point NAME] header */
} aus_dict_point;

typedef struct aus_dict_arg {
    aus_dict_text name;
    aus_dict_type type;
    aus_dict_range range; /* int/float: value, text: length */
    aus_dict_text values; /* enum: "a|b|c" */
    uint8_t optional;     /* NAME? */
    uint8_t variadic;     /* NAME... */
} aus_dict_arg;

typedef struct aus_dict_cmd {
    aus_dict_text name, desc;
    uint32_t timeout_s; /* 0: not given (the ground's default) */
    size_t nargs;
    aus_dict_arg args[AUS_DICT_MAX_ARGS];
    uint8_t def_hash[AUS_DICT_HASH_BYTES];
    unsigned line;
} aus_dict_cmd;

/* The caller provides the arrays (pts/cmds with their capacities) before aus_dict_parse; the
 * entries are then read directly: d->pts[0..npts), d->cmds[0..ncmds) in file order. */
typedef struct aus_dict {
    aus_dict_text tenant;
    aus_dict_point *pts;
    size_t npts, cap_pts;
    aus_dict_cmd *cmds;
    size_t ncmds, cap_cmds;
    uint64_t version; /* FNV-1a 64 of the canonical form */
} aus_dict;

/* Where parsing stopped: the 1-based line, the key (a view, may be empty) and the rule. */
typedef enum aus_dict_perr {
    AUS_DICT_P_OK = 0,
    AUS_DICT_P_SYNTAX,     /* not "[section]", "key = value", a comment or blank */
    AUS_DICT_P_SECTION,    /* unknown section kind */
    AUS_DICT_P_NAME,       /* bad name (characters or length) */
    AUS_DICT_P_DUP,        /* a second point or command with this name, or a repeated key */
    AUS_DICT_P_KEY,        /* a key this section does not know */
    AUS_DICT_P_TYPE,       /* unknown type */
    AUS_DICT_P_VALUE,      /* value does not fit the key (number, range, list) */
    AUS_DICT_P_MISSING,    /* a required key is missing (type; values of an enum) */
    AUS_DICT_P_LIMIT_KIND, /* a limit this type cannot have (ranges on bool, limits on text) */
    AUS_DICT_P_ARG_ORDER,  /* a required argument after an optional/variadic one */
    AUS_DICT_P_FULL,       /* more points/commands/arguments than the arrays hold */
    AUS_DICT_P_TOO_BIG,    /* input above AUS_DICT_FILE_MAX or a NUL byte */
} aus_dict_perr;

typedef struct aus_dict_diag {
    unsigned line;
    aus_dict_perr rule;
    aus_dict_text key;
} aus_dict_diag;

/* Parse src[0..len). On success the dictionary is complete (hashes and version computed).
 * Errors: AUS_E_MALFORMED (syntax, names, values: diag says where and why), AUS_E_FULL (arrays
 * too small), AUS_E_LIMIT (input too big), AUS_E_ARG (NULL pointers). d is unusable on error. */
AUS_MUST_USE aus_err aus_dict_parse(aus_dict *d, const char *src, size_t len, aus_dict_diag *diag);
/* A static sentence for a parse rule ("unknown key", ...). */
const char *aus_dict_perr_str(aus_dict_perr r);

/* Lookup by name (not NUL-terminated). NULL when absent. The app API reads timeout_s here. */
const aus_dict_cmd *aus_dict_find_cmd(const aus_dict *d, const char *name, size_t n);
const aus_dict_point *aus_dict_find_point(const aus_dict *d, const char *name, size_t n);
/* The command's timeout in seconds, or dflt when the command is absent or has none. */
uint32_t aus_dict_cmd_timeout(const aus_dict *d, const char *name, size_t n, uint32_t dflt);

/* ---- checking a command ---- */
typedef enum aus_dict_rule {
    AUS_DICT_R_OK = 0,
    AUS_DICT_R_UNKNOWN_CMD, /* no such command in the dictionary */
    AUS_DICT_R_MISSING,     /* argument `arg` missing */
    AUS_DICT_R_EXTRA,       /* more arguments than declared (arg = index of the first extra) */
    AUS_DICT_R_NOT_INT,
    AUS_DICT_R_NOT_FLOAT,
    AUS_DICT_R_NOT_BOOL,
    AUS_DICT_R_NOT_ENUM,    /* not one of the values */
    AUS_DICT_R_BELOW,       /* below the range's low bound (text: shorter) */
    AUS_DICT_R_ABOVE,       /* above the high bound (text: longer) */
    AUS_DICT_R_DEF_DIFFERS, /* the peer's definition hash is not ours */
} aus_dict_rule;

typedef struct aus_dict_verdict {
    aus_dict_rule rule;
    const aus_dict_cmd *cmd; /* NULL for UNKNOWN_CMD */
    size_t arg;              /* index of the argument at fault (the declared one for MISSING) */
    size_t decl;             /* index of its declaration in cmd->args */
} aus_dict_verdict;

/* Check a command and its arguments. peer_hash (NULL: none given, accepted as before the
 * dictionary) is the definition hash the sender's dictionary has for this command.
 * Returns AUS_OK when it is accepted, AUS_E_POLICY when the dictionary refuses it (v says why),
 * AUS_E_ARG on misuse. */
AUS_MUST_USE aus_err aus_dict_check_cmd(const aus_dict *d, const char *name, size_t n,
                                        const aus_dict_text *args, size_t nargs,
                                        const uint8_t *peer_hash, aus_dict_verdict *v);
/* The refusal as one sentence into out (NUL-terminated, cut at cap): "command 'set': argument
 * 'value' (text) is longer than 64 bytes". Returns the length written. */
size_t aus_dict_explain(const aus_dict_verdict *v, const aus_dict_text *args, size_t nargs,
                        char *out, size_t cap);

/* ---- checking a telemetry value ---- */
typedef enum aus_dict_level {
    AUS_DICT_NOMINAL = 0,
    AUS_DICT_YELLOW = 1,
    AUS_DICT_RED = 2
} aus_dict_level;

/* The level of a value given as text (as it arrived in a report). Errors: AUS_E_MALFORMED when
 * the text is not a value of the point's type (the caller decides: we report it as red). */
AUS_MUST_USE aus_err aus_dict_point_level(const aus_dict_point *p, const char *val, size_t n,
                                          aus_dict_level *level);
/* The same for an integer value (int and float points; bool as 0/1). */
AUS_MUST_USE aus_err aus_dict_point_level_i64(const aus_dict_point *p, int64_t val,
                                              aus_dict_level *level);
const char *aus_dict_level_name(aus_dict_level l); /* "nominal", "yellow", "red" */
const char *aus_dict_type_name(aus_dict_type t);   /* "int", ... */

#ifdef __cplusplus
}
#endif
#endif
