/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: vector files, hex, an in-memory store with fault injection.
 * Tests may allocate and do I/O; the core may not. */
#ifndef AUS_TEST_H
#define AUS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "australis/cursor.h"
#include "australis/store.h"

#ifndef AUS_SHARED_DIR
#error "AUS_SHARED_DIR must point at ../shared"
#endif
#ifndef AUS_SOURCE_DIR
#error "AUS_SOURCE_DIR must point at the repo"
#endif

/* Path under ../shared (static buffer). */
const char *tst_shared(const char *rel);
/* Read a whole file (malloc'd with a NUL after the last octet, caller frees); aborts the test
 * on failure. */
uint8_t *tst_read_file(const char *path, size_t *len);
/* Parse a JSON file (caller cJSON_Delete). */
cJSON *tst_read_json(const char *path);
/* Hex (may be NULL/empty) -> malloc'd bytes; *len set. Aborts on bad hex. */
uint8_t *tst_hex(const char *hex, size_t *len);
/* Bytes -> static hex string (for messages). */
const char *tst_tohex(const uint8_t *p, size_t n);
/* The element of doc's "vectors" array whose "id" is id; fails the test when there is none. */
const cJSON *tst_vector(const cJSON *doc, const char *id);
/* JSON string field as hex bytes. */
uint8_t *tst_json_hex(const cJSON *obj, const char *field, size_t *len);
/* Assert two buffers equal, printing both in hex on mismatch. */
#define tst_assert_bytes(a, alen, b, blen) tst_assert_bytes_(a, alen, b, blen, __FILE__, __LINE__)
void tst_assert_bytes_(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       const char *file, int line);

/* Deterministic PRNG for tests (splitmix64). */
uint64_t tst_rand(uint64_t *state);

/* A CBOR head for v (RFC 8949 §3): the shortest form, or with longer != 0 the next longer one,
 * which deterministic encoding forbids (§4.2.1); for differential tests of the decoders. */
void tst_cbor_head(aus_wr *w, unsigned major, uint64_t v, int longer);

/* In-memory store; fail_after >= 0 makes the (fail_after+1)-th write (put/del/commit) fail
 * with AUS_E_IO (and every one after it while fail_sticky). Transactions are real:
 * rollback discards. */
typedef struct tst_store tst_store;
tst_store *tst_store_new(void);
void tst_store_free(tst_store *m);
aus_store tst_store_iface(tst_store *m);
void tst_store_fail_after(tst_store *m, long n, int sticky);
long tst_store_writes(const tst_store *m);
/* on: put/del inside a transaction are counted (and can be failed) too, not only commits. */
void tst_store_count_tx_writes(tst_store *m, int on);

/* Shell and files (tests may do I/O). A printf-formatted shell command; returns its exit
 * status, -1 when it did not exit normally. */
int tst_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The built CLI (AUS_CLI) with printf-formatted arguments (shell syntax allowed), run in dir
 * (NULL: the current directory); returns its exit status, -1 when it did not exit normally. */
int tst_cli(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A fresh directory /tmp/aus_<tag>_XXXXXX written into buf; fails the test on error. */
const char *tst_tmpdir(char *buf, size_t cap, const char *tag);
/* rm -rf dir: 0 on success, -1 otherwise (the shape of a cmocka teardown). */
int tst_rmtree(const char *dir);
/* Create or truncate path with n bytes; fails the test on error. */
void tst_write_file(const char *path, const uint8_t *p, size_t n);
/* Node oracles: skip the calling test unless `node` runs and AUS_XCHECK_DIR/node_modules/<module>
 * exists. */
void tst_need_node(const char *module);
/* Node oracles, one process for many cases: write the cases to tst_tmp_open(path) (a
 * "...XXXXXX" template, filled in; fclose it), start `node AUS_SOURCE_DIR/<script>
 * AUS_XCHECK_DIR < path` with tst_node_run and read its lines, then tst_node_end (waits,
 * removes path, asserts exit status 0). */
FILE *tst_tmp_open(char *path_tmpl);
FILE *tst_node_run(const char *script, const char *in_path);
void tst_node_end(FILE *p, const char *in_path);
/* Split line in place at spaces / newlines into its first n tokens; fails the test when there
 * are fewer. */
void tst_split(char *line, char **tok, int n);
/* Randomized tests: AUS_TEST_SEED (decimal) or def, printed so a failure can be replayed. */
uint64_t tst_seed(uint64_t def);

#endif
