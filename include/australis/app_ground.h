/* SPDX-License-Identifier: Apache-2.0 */
/* The ground side of the application protocol (include/australis/app.h has the ADUs and the
 * satellite side): the life of a request from its submission to its one stored answer.
 *
 * Sans-I/O (DESIGN.md §2): a caller-allocated context, the durable store and a const ops table
 * installed at init, time passed in (ms since 2000-01-01 UTC, any monotonic-enough clock).
 * File I/O of image downloads stays with the port: the core tells it, through the ops table,
 * which bytes go where, and verifies the whole-file SHA-256 the port computes.
 *
 * What the core guarantees:
 *  - every request gets an id from a counter reserved in the store (never repeated, even after
 *    a crash, also not across the FORGET low-water mark the satellite keeps);
 *  - a request's record is durable with the bundle that carries it (same caller transaction);
 *  - a request is answered exactly once: the first answer is stored, later copies (a re-send's
 *    second answer, a duplicated bundle) change nothing;
 *  - a request that cannot be completed on the ground (its download folder refused, a file
 *    write failing, a wrong SHA-256) is FAILED with a sentence; other requests go on;
 *  - requests without an answer are re-sent after retry_ms (image downloads: only the chunk
 *    ranges still missing);
 *  - FORGET(low) tells the satellite which ids it may forget; answers more than keep_answers
 *    below that mark are pruned from the ground's store.
 *
 * The records, their CBOR layouts and the state table are in docs/app-ground.md and at the
 * top of src/app/app_ground.c.
 */
#ifndef AUSTRALIS_APP_GROUND_H
#define AUSTRALIS_APP_GROUND_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app.h"
#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest stored record (a request with its download path, an answer with its note). */
#ifndef AUS_APP_GROUND_REC_MAX
#define AUS_APP_GROUND_REC_MAX (AUS_APP_OUTPUT_MAX + 4096)
#endif
/* Longest sentence kept with an answer (why a request failed, what the port noted). */
#ifndef AUS_APP_GROUND_NOTE_MAX
#define AUS_APP_GROUND_NOTE_MAX 2048
#endif
/* Longest local path of a download. */
#ifndef AUS_APP_GROUND_PATH_MAX
#define AUS_APP_GROUND_PATH_MAX 512
#endif
/* Most chunks of one download the ground tracks (bitmap pages of AUS_APP_GROUND_PAGE bytes). */
#ifndef AUS_APP_GROUND_MAX_CHUNKS
#define AUS_APP_GROUND_MAX_CHUNKS (1u << 24)
#endif
#define AUS_APP_GROUND_PAGE 1024u
/* Largest chunk of a file uplink (the chunk size a FILE_PUT asks for is cut to it). */
#ifndef AUS_APP_GROUND_UP_CHUNK
#define AUS_APP_GROUND_UP_CHUNK 8192u
#endif

/* Where a request is. */
typedef enum aus_app_ground_state {
    AUS_APP_GR_PENDING = 1,  /* sent, no (complete) answer yet */
    AUS_APP_GR_ANSWERED = 2, /* its answer is stored */
    AUS_APP_GR_FAILED = 3,   /* the ground could not complete it: a sentence says why */
} aus_app_ground_state;

/* What one answer ADU did (aus_app_ground_on_adu). */
typedef enum aus_app_ground_ev_kind {
    AUS_APP_GR_EV_ANSWERED = 1, /* the request's answer is stored */
    AUS_APP_GR_EV_FAILED = 2,   /* the request failed (reason, note) */
    AUS_APP_GR_EV_INFO = 3,     /* an image's size / SHA-256 / chunk size recorded */
    AUS_APP_GR_EV_CHUNK = 4,    /* one more chunk of an image written and recorded */
    AUS_APP_GR_EV_IGNORED = 5,  /* nothing changed; reason says why */
} aus_app_ground_ev_kind;

typedef struct aus_app_ground_event {
    uint8_t kind;     /* aus_app_ground_ev_kind */
    uint8_t req_type; /* the request's aus_app_type (0 if unknown) */
    uint64_t id;
    /* IGNORED: AUS_E_NOTFOUND (no such request), AUS_E_REPLAY (already answered, or a chunk
     * already received), AUS_E_AGAIN (a chunk before its image's info: asked again later),
     * AUS_E_STATE (a chunk of another version of the file). FAILED: AUS_E_AUTH (SHA-256 of the
     * data received differs), AUS_E_LIMIT (more chunks than the ground tracks), AUS_E_IO (the
     * port's file operation failed; note has its sentence). */
    aus_err reason;
    uint64_t have, total; /* image chunks received / in the file (0: unknown) */
} aus_app_ground_event;

/* Services of the port. Every "why" buffer is the core's (cap bytes): on an error the port
 * writes its sentence there (NUL-terminated; the core uses aus_err_str() if it stays empty). */
typedef struct aus_app_ground_ops {
    /* Queue one ADU to the satellite inside the current store transaction (re-sends). */
    aus_err (*send)(void *ctx, const uint8_t *adu, size_t len);
    /* Optional: the first answer to a request, before it is stored. The port may act on it
     * (install keys from a rekey response), change *status (the ground's verdict, stored with
     * the answer) and write a note (stored too). An error rolls the caller's transaction back.
     * After a rollback the same answer may come again and runs the hook again: its effects must
     * be idempotent or go in the same transaction. */
    aus_err (*answer)(void *ctx, uint8_t req_type, const aus_app_msg *ans, uint32_t *status,
                      char *note, size_t cap);
    /* Image downloads, each keyed by (id, local). write: len bytes at off of the request's
     * temporary; `first` says no chunk of it is recorded yet (the temporary may be created).
     * hash: SHA-256 of the temporary's first size bytes (cut to size first). place: rename it
     * to local (never over an existing file); on failure the sentence says where the data is.
     * discard: remove the temporary (a failed download). Errors fail the one request. */
    aus_err (*file_write)(void *ctx, uint64_t id, const aus_app_view *local, int first,
                          uint64_t off, const uint8_t *p, size_t len, char *why, size_t cap);
    aus_err (*file_hash)(void *ctx, uint64_t id, const aus_app_view *local, uint64_t size,
                         uint8_t sha256[AUS_APP_SHA256], char *why, size_t cap);
    aus_err (*file_place)(void *ctx, uint64_t id, const aus_app_view *local, char *why, size_t cap);
    void (*file_discard)(void *ctx, uint64_t id, const aus_app_view *local);
    void *ctx;
    /* File uplink (FILE_PUT): read len bytes at off of the local file. Required for uploads. */
    aus_err (*file_read)(void *ctx, const aus_app_view *local, uint64_t off, uint8_t *buf,
                         size_t len, char *why, size_t cap);
} aus_app_ground_ops;

typedef struct aus_app_ground_cfg {
    uint64_t retry_ms;     /* re-send a request this long after it was last sent */
    uint64_t keep_answers; /* answers kept below the low-water mark (0: all) */
    uint64_t chunk_size;   /* chunk size asked for when a request names none (0: 8192) */
    uint64_t forget_step;  /* FORGET once the mark moved this far (0: 64) */
} aus_app_ground_cfg;

typedef struct aus_app_ground {
    const aus_store *store;
    aus_app_ground_ops ops;
    aus_app_ground_cfg cfg;
    char tenant[32];
    uint64_t answered, failed, ignored, resent; /* since init */
    uint64_t pruned;                            /* answers pruned by the last FORGET */
    char note[AUS_APP_GROUND_NOTE_MAX];
    uint8_t rec[AUS_APP_GROUND_REC_MAX];    /* the record being read or written */
    uint8_t adu[AUS_APP_GROUND_REC_MAX];    /* the ADU handed out (submit, forget, resend) */
    uint8_t chunk[AUS_APP_GROUND_UP_CHUNK]; /* an upload's chunk being sent */
} aus_app_ground;

/* A request as listed (aus_app_ground_next); views point into the context. */
typedef struct aus_app_ground_item {
    uint64_t id;
    uint8_t state;                               /* aus_app_ground_state */
    uint8_t req_type;                            /* aus_app_type */
    uint64_t submitted_ms, last_sent_ms, age_ms; /* answered: last_sent_ms = answered_ms */
    uint32_t sends;                              /* times sent (1 + re-sends) */
    uint64_t have, total; /* image chunks received / in the file (total 0: not known yet) */
    aus_app_view local;   /* image: the download's local path */
} aus_app_ground_item;

/* A stored answer (aus_app_ground_answer_view); views point into the context's record buffer and
 * stay valid until the next call on it. */
typedef struct aus_app_ground_answer_view {
    uint64_t id;
    uint8_t state;    /* ANSWERED or FAILED */
    uint8_t req_type; /* aus_app_type of the request */
    uint64_t answered_ms;
    aus_err reason;    /* FAILED: see aus_app_ground_event */
    uint32_t status;   /* aus_app_status: the satellite's, or the port's verdict */
    aus_app_view adu;  /* the answer ADU as received (empty for downloads and failures) */
    aus_app_view note; /* the ground's sentence (why it failed, what the port noted) */
    int has_image;     /* a download's outcome: */
    aus_app_view path; /*   where the file is */
    uint64_t size;     /*   its size */
    uint8_t sha256[AUS_APP_SHA256]; /* the SHA-256 of the data received */
} aus_app_ground_answer_view;

/* ops.send is required (re-sends); the file ops are required for image requests only.
 * Errors: AUS_E_ARG (tenant empty or longer than 31, or containing '/'). */
AUS_MUST_USE aus_err aus_app_ground_init(aus_app_ground *g, const aus_store *store,
                                         const aus_app_ground_ops *ops, const char *tenant,
                                         const aus_app_ground_cfg *cfg);

/* Submit a request (TM_QUERY, CMD, IMG_REQ, REKEY_REQ; req->id is set here). `local`: the
 * download's path (IMG_REQ only). *adu is the encoded request, valid until the next call:
 * queue it to the satellite in the same caller transaction that this call writes into.
 * Errors: AUS_E_ARG (type, local missing or too long), AUS_E_LIMIT (id counter exhausted,
 * request larger than AUS_APP_GROUND_REC_MAX), encoding errors, store errors. */
AUS_MUST_USE aus_err aus_app_ground_submit(aus_app_ground *g, aus_app_msg *req,
                                           const aus_app_view *local, uint64_t now_ms, uint64_t *id,
                                           aus_app_view *adu);

/* One answer ADU from the satellite (already authenticated), inside the caller's transaction.
 * Returns AUS_OK when the ADU was consumed (ev says how, including ignored copies), or:
 * decode errors (junk); AUS_E_POLICY (a request type, or an answer type that does not answer
 * this request); AUS_E_MALFORMED (an image info with chunk size 0, a chunk outside the file
 * or off the chunk grid, or shorter than its place in the file); AUS_E_LIMIT (a chunk larger
 * than the chunk size, an answer larger than AUS_APP_GROUND_REC_MAX); store errors. */
AUS_MUST_USE aus_err aus_app_ground_on_adu(aus_app_ground *g, const uint8_t *adu, size_t len,
                                           uint64_t now_ms, aus_app_ground_event *ev);

/* The cutoff for aus_app_ground_resend: now - retry_ms (0 when now < retry_ms). */
uint64_t aus_app_ground_due(const aus_app_ground *g, uint64_t now_ms);
/* Re-send every pending request last sent before `sent_before_ms` through ops.send (image
 * downloads with known size: only the missing ranges, at most AUS_APP_MAX_RANGES per ADU).
 * Each re-send is one store transaction (joined to the caller's if one is open). A request
 * whose record cannot be read is FAILED with a sentence and the others go on.
 * Returns the number re-sent, or a store / send error (that request's transaction rolled back;
 * the ones before it stay committed). */
AUS_MUST_USE long aus_app_ground_resend(aus_app_ground *g, uint64_t now_ms,
                                        uint64_t sent_before_ms);

/* The operator's `australis retry ID`: re-send one pending request now, as a due re-send
 * would (images: only the missing ranges). Own transaction (joined to the caller's if open).
 * Errors: AUS_E_NOTFOUND (no pending request id: answered, failed or never submitted),
 * AUS_E_ARG, store and send errors. */
AUS_MUST_USE aus_err aus_app_ground_retry(aus_app_ground *g, uint64_t id, uint64_t now_ms);
/* The operator's `australis cancel ID`: a pending request becomes FAILED with reason
 * AUS_E_STATE and the note "cancelled by the operator"; a later answer is ignored (REPLAY); an
 * image's temporary is discarded (ops.file_discard, after the commit). A command already on its
 * way may still run on board: cancelling stops the ground asking, it cannot unsend.
 * Errors: AUS_E_NOTFOUND (no pending request id), AUS_E_ARG, store errors. */
AUS_MUST_USE aus_err aus_app_ground_cancel(aus_app_ground *g, uint64_t id, uint64_t now_ms);

/* FORGET: when the low-water mark (the lowest pending id, or the next id when none is pending)
 * moved by forget_step since the last FORGET, *adu gets a FORGET ADU (a fresh id) to queue in
 * the caller's transaction, and answers below mark - keep_answers are pruned in it.
 * Returns 1 (ADU made), 0 (not due), or a store error. *low gets the mark. */
AUS_MUST_USE long aus_app_ground_forget(aus_app_ground *g, uint64_t now_ms, aus_app_view *adu,
                                        uint64_t *low);

/* Iterate requests in one state, in id order: the first with id > after. AUS_E_NOTFOUND at
 * the end; store errors; AUS_E_MALFORMED (a record that does not decode: its id is in
 * item->id so the caller can go on after it). */
AUS_MUST_USE aus_err aus_app_ground_next(aus_app_ground *g, uint8_t state, uint64_t after,
                                         uint64_t now_ms, aus_app_ground_item *item);
/* One request by id (any state). AUS_E_NOTFOUND if the ground has no record of it. */
AUS_MUST_USE aus_err aus_app_ground_get(aus_app_ground *g, uint64_t id, uint64_t now_ms,
                                        aus_app_ground_item *item);
/* The stored answer of id (ANSWERED or FAILED). AUS_E_NOTFOUND if none (pending, pruned, or
 * never submitted); AUS_E_MALFORMED if the record does not decode; store errors. */
AUS_MUST_USE aus_err aus_app_ground_answer(aus_app_ground *g, uint64_t id,
                                           aus_app_ground_answer_view *ans);

const char *aus_app_ground_state_name(uint8_t state);

/* ---- import: a store written by an older ground (records of another layout) ----
 * The port reads its old records and hands them over here (inside one transaction with the
 * deletion of the old ones); the layouts stay this file's business.
 * A pending request: its ADU as first sent (the id inside must be `id`), when it was last sent,
 * for an image its local path, the info if it had arrived (size, chunk, sha256; NULL or chunk
 * 0: not yet) and the chunks received as a bitmap of nbits bits (bit i of byte i/8: chunk i).
 * Errors: decode errors, AUS_E_MALFORMED (id or type), AUS_E_ARG, AUS_E_LIMIT, store errors. */
AUS_MUST_USE aus_err aus_app_ground_import_pending(aus_app_ground *g, uint64_t id,
                                                   const uint8_t *adu, size_t len, uint64_t sent_ms,
                                                   const aus_app_view *local,
                                                   const aus_app_msg *info, const uint8_t *bitmap,
                                                   size_t nbits);
/* An answer (a->id, state ANSWERED or FAILED, and the fields of aus_app_ground_answer_view).
 * Errors: AUS_E_ARG, AUS_E_LIMIT (larger than a record), store errors. */
AUS_MUST_USE aus_err aus_app_ground_import_answer(aus_app_ground *g,
                                                  const aus_app_ground_answer_view *a);

#ifdef __cplusplus
}
#endif
#endif
