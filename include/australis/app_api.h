/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface's codec (docs/app-api.md), sans-I/O: the messages a tenant program
 * and the satellite daemon exchange over the local socket, and the telemetry-points ADU
 * (AUS_APP_TM_POINTS) that carries the programs' points to the ground.
 *
 * A frame on the socket is a 4-byte big-endian length followed by that many bytes of one
 * deterministic CBOR array (RFC 8949 §4.2.1: shortest heads, definite lengths):
 *
 *   REGISTER  1  [1, seq, name]                          program -> daemon
 *   PUBLISH   2  [2, seq, [[name, value, time], ...]]    value: int | float64 | text
 *   ANSWER    3  [3, seq, cmd_id, exit_code, output]     output: bstr
 *   OFFER     4  [4, seq, name]                          + one descriptor (SCM_RIGHTS)
 *   RESULT   16  [16, seq, code, text]                   daemon -> program; code 0 or aus_err
 *   COMMAND  17  [17, cmd_id, name, [arg, ...], deadline]  deadline: DTN ms
 *   EVENT    18  [18, kind, text]
 *
 * The points ADU (one definite array, the application protocol's header, include/australis/app.h):
 *   [1, 32, batch_id, dropped, [[name, value, time], ...]]
 * dropped = points the satellite's bounded buffer dropped (oldest first) since it was created.
 */
#ifndef AUSTRALIS_APP_API_H
#define AUSTRALIS_APP_API_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_APP_API_VERSION 1
/* Largest frame body (CBOR bytes after the 4-byte length). A longer length is refused before
 * anything of it is read. */
#ifndef AUS_APP_API_FRAME_MAX
#define AUS_APP_API_FRAME_MAX 65536u
#endif
#ifndef AUS_APP_API_MAX_POINTS /* points in one PUBLISH or one points ADU */
#define AUS_APP_API_MAX_POINTS 256u
#endif
#define AUS_APP_API_NAME_MAX 64u  /* point, command and file names */
#define AUS_APP_API_TEXT_MAX 256u /* a text value, a RESULT / EVENT sentence */
#define AUS_APP_API_OUTPUT_MAX AUS_APP_OUTPUT_MAX

typedef enum aus_api_type {
    AUS_API_REGISTER = 1,
    AUS_API_PUBLISH = 2,
    AUS_API_ANSWER = 3,
    AUS_API_OFFER = 4,
    AUS_API_RESULT = 16,
    AUS_API_COMMAND = 17,
    AUS_API_EVENT = 18,
} aus_api_type;

typedef enum aus_api_event {
    AUS_API_EV_PASS = 1,    /* a ground contact: the satellite took bundles from the ground */
    AUS_API_EV_DROPPED = 2, /* the points buffer dropped points (text gives the total) */
    AUS_API_EV_LATE = 3,    /* an answer came after its command's deadline: not sent */
} aus_api_event;

typedef enum aus_api_vkind {
    AUS_API_V_INT = 0,
    AUS_API_V_FLOAT = 1,
    AUS_API_V_TEXT = 2
} aus_api_vkind;

typedef struct aus_api_point {
    aus_app_view name;
    uint8_t kind; /* aus_api_vkind */
    int64_t i;
    double f;
    aus_app_view text;
    uint64_t time_ms; /* DTN ms (since 2000-01-01 UTC); 0 in a PUBLISH = "now" */
} aus_api_point;

/* One socket message. Views point into the decoded input (or the caller's data to encode). */
typedef struct aus_api_msg {
    uint8_t type; /* aus_api_type */
    uint64_t seq; /* REGISTER..OFFER, RESULT: the program's sequence number, echoed */
    uint64_t cmd_id;
    aus_app_view name; /* REGISTER, OFFER, COMMAND */
    int64_t code;      /* RESULT: 0 or an aus_err; ANSWER: exit code */
    aus_app_view text; /* RESULT, EVENT text; ANSWER output (bstr) */
    uint64_t kind;     /* EVENT */
    uint64_t deadline_ms;
    size_t nargs; /* COMMAND */
    aus_app_view args[AUS_APP_MAX_ARGS];
    size_t npoints; /* PUBLISH */
    aus_api_point points[AUS_APP_API_MAX_POINTS];
} aus_api_msg;

/* 1 if name is a valid point / command name: 1..64 bytes of [A-Za-z0-9_.:/-], not starting with
 * '.' or '/'. Also a file name for OFFER when it contains no '/'. */
int aus_api_name_ok(const uint8_t *p, size_t n);

/* Encode msg as a whole frame (4-byte length + CBOR) into out (sizer mode when out is NULL).
 * Errors: AUS_E_ARG (unknown type, bad name, too many items, a body over the frame maximum),
 * AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_api_encode(const aus_api_msg *msg, uint8_t *out, size_t cap, size_t *len);
/* Frame boundary: how many bytes of `in` make the first frame. Returns AUS_OK with *frame_len set
 * when a whole frame is there, AUS_E_AGAIN when more bytes are needed, AUS_E_LIMIT when the
 * announced length is 0 or over AUS_APP_API_FRAME_MAX (the peer is hostile: drop it). */
AUS_MUST_USE aus_err aus_api_frame(const uint8_t *in, size_t len, size_t *frame_len);
/* Decode one frame's body (the CBOR after the length). msg's views point into body.
 * Errors: AUS_E_TRUNC, AUS_E_MALFORMED (shape, a bad name, a text value over the maximum),
 * AUS_E_NONCANONICAL, AUS_E_UNSUPPORTED (type), AUS_E_LIMIT (too many points / args),
 * AUS_E_TRAILING. */
AUS_MUST_USE aus_err aus_api_decode(aus_api_msg *msg, const uint8_t *body, size_t len);
const char *aus_api_type_name(uint8_t type);

/* A point as one CBOR item [name, value, time] (the store record on board). */
AUS_MUST_USE aus_err aus_api_point_encode(const aus_api_point *pt, uint8_t *out, size_t cap,
                                          size_t *len);
AUS_MUST_USE aus_err aus_api_point_decode(aus_api_point *pt, const uint8_t *in, size_t len);

/* The points ADU. pts may be NULL when npts is 0. Errors: AUS_E_ARG, AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_app_points_encode(uint64_t batch_id, uint64_t dropped,
                                           const aus_api_point *pts, size_t npts, uint8_t *out,
                                           size_t cap, size_t *len);
/* Errors: as aus_api_decode; AUS_E_UNSUPPORTED when it is not a points ADU. */
AUS_MUST_USE aus_err aus_app_points_decode(const uint8_t *adu, size_t len, uint64_t *batch_id,
                                           uint64_t *dropped, aus_api_point *pts, size_t cap,
                                           size_t *npts);
/* 1 if adu starts like a points ADU ([1, 32, ...]): a cheap test before decoding. */
int aus_app_is_points(const uint8_t *adu, size_t len);

#ifdef __cplusplus
}
#endif
#endif
