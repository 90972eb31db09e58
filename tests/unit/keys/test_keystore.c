/* SPDX-License-Identifier: Apache-2.0 */
/* Keystore: states, refused transitions change nothing, wrapping at rest, key files. */
#include <sys/stat.h>
#include <unistd.h>

#include "aus_test.h"
#include "australis/base.h"
#include "australis/keys.h"
#include "crypto_openssl.h"
#include "keyfile.h"
#include "store_sqlite.h"

static const uint8_t KEK[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

typedef struct fx {
    tst_store *m;
    aus_store st;
    aus_keys ks;
} fx;

static fx *fx_new(void)
{
    fx *f = calloc(1, sizeof *f);
    f->m = tst_store_new();
    f->st = tst_store_iface(f->m);
    assert_int_equal(aus_keys_open(&f->ks, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"),
                     AUS_OK);
    return f;
}

static void fx_free(fx *f)
{
    aus_keys_close(&f->ks);
    tst_store_free(f->m);
    free(f);
}

static void key_of(uint8_t k[32], uint8_t seed)
{
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(seed + i);
}

/* Snapshot of what a refused call must not change: RAM table and store write count. */
static void assert_unchanged(fx *f, const aus_keys *before, long writes)
{
    assert_int_equal(f->ks.n, before->n);
    assert_memory_equal(f->ks.tab, before->tab, sizeof before->tab);
    assert_int_equal(tst_store_writes(f->m), writes);
}

static void test_lifecycle_and_persistence(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32], out[64];
    size_t n = 0;
    key_of(k, 7);
    assert_int_equal(aus_keys_install(&f->ks, 0x0001, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 5),
                     AUS_OK);
    assert_int_equal(
        aus_keys_install(&f->ks, AUS_KEY_ID_EK, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 10),
        AUS_OK);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&f->ks, AUS_KEY_ID_EK, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_PREACTIVE);
    assert_int_equal(i.len, 32);
    assert_int_equal(i.created, 10);
    /* pre-active: not usable for traffic */
    assert_int_equal(aus_keys_get(&f->ks, AUS_KEY_ID_EK, AUS_KEY_USE_SEND, 11, out, 64, &n),
                     AUS_E_KEY_STATE);
    assert_int_equal(aus_keys_activate(&f->ks, AUS_KEY_ID_EK, 20), AUS_OK);
    assert_int_equal(aus_keys_get(&f->ks, AUS_KEY_ID_EK, AUS_KEY_USE_SEND, 21, out, 64, &n),
                     AUS_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(out, k, 32);
    /* at rest the secret is wrapped: the raw key bytes never appear in the store value */
    uint8_t rec[200];
    size_t rl = 0;
    assert_int_equal(f->st.ops->get(f->st.self, "keys/t/k/0100", rec, sizeof rec, &rl), AUS_OK);
    assert_int_equal(rl, 40 + 40);
    for (size_t o = 0; o + 8 <= rl; o++)
        assert_false(memcmp(rec + o, k, 8) == 0);
    assert_int_equal(aus_keys_deactivate(&f->ks, AUS_KEY_ID_EK, 30, 100), AUS_OK);
    assert_int_equal(aus_keys_get(&f->ks, AUS_KEY_ID_EK, AUS_KEY_USE_SEND, 31, out, 64, &n),
                     AUS_E_KEY_STATE);
    assert_int_equal(aus_keys_get(&f->ks, AUS_KEY_ID_EK, AUS_KEY_USE_RECV, 99, out, 64, &n),
                     AUS_OK);
    assert_int_equal(aus_keys_get(&f->ks, AUS_KEY_ID_EK, AUS_KEY_USE_RECV, 100, out, 64, &n),
                     AUS_E_KEY_STATE);
    /* reopen: everything comes back from the store */
    aus_keys ks2;
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"), AUS_OK);
    assert_int_equal(aus_keys_count(&ks2), 2);
    assert_int_equal(aus_keys_info(&ks2, AUS_KEY_ID_EK, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DEACTIVATED);
    assert_int_equal(i.activated, 20);
    assert_int_equal(i.deadline, 100);
    assert_int_equal(aus_keys_get(&ks2, AUS_KEY_ID_EK, AUS_KEY_USE_RECV, 50, out, 64, &n), AUS_OK);
    assert_memory_equal(out, k, 32);
    assert_int_equal(aus_keys_destroy(&ks2, AUS_KEY_ID_EK, 60), AUS_OK);
    assert_int_equal(f->st.ops->get(f->st.self, "keys/t/k/0100", rec, sizeof rec, &rl), AUS_OK);
    assert_int_equal(rl, 40); /* secret erased with the state change */
    /* a destroyed id may be provisioned again */
    assert_int_equal(
        aus_keys_install(&ks2, AUS_KEY_ID_EK, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 70),
        AUS_OK);
    aus_keys_close(&ks2);
    fx_free(f);
}

static void test_refused_transitions_change_nothing(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32], out[64];
    size_t n;
    key_of(k, 1);
    assert_int_equal(aus_keys_install(&f->ks, 0x0002, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x0200, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 1), AUS_OK);
    static aus_keys before;
    before = f->ks;
    long w = tst_store_writes(f->m);
    /* bug class: activating a key that was never provisioned */
    assert_int_equal(aus_keys_activate(&f->ks, 0x0300, 2), AUS_E_KEY);
    assert_unchanged(f, &before, w);
    /* state machine refusals */
    assert_int_equal(aus_keys_deactivate(&f->ks, 0x0200, 2, 0), AUS_E_KEY_STATE);
    assert_unchanged(f, &before, w);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x0200, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 2),
        AUS_E_KEY_STATE);
    assert_unchanged(f, &before, w);
    /* master keys: never changed by procedures, never used for traffic, never exported */
    assert_int_equal(aus_keys_deactivate(&f->ks, 0x0002, 2, 0), AUS_E_POLICY);
    assert_int_equal(aus_keys_destroy(&f->ks, 0x0002, 2), AUS_E_POLICY);
    assert_int_equal(aus_keys_get(&f->ks, 0x0002, AUS_KEY_USE_SEND, 2, out, 64, &n), AUS_E_POLICY);
    assert_int_equal(aus_keys_get(&f->ks, 0x0002, AUS_KEY_USE_RECV, 2, out, 64, &n), AUS_E_POLICY);
    assert_int_equal(aus_keys_get(&f->ks, 0x0002, AUS_KEY_USE_EXPORT, 2, out, 64, &n),
                     AUS_E_POLICY);
    assert_unchanged(f, &before, w);
    /* a session key cannot be used as a wrapping key */
    assert_int_equal(aus_keys_get(&f->ks, 0x0200, AUS_KEY_USE_WRAP, 2, out, 64, &n), AUS_E_POLICY);
    /* bug class: verifying a key that is not active */
    assert_int_equal(aus_keys_get(&f->ks, 0x0200, AUS_KEY_USE_VERIFY, 2, out, 64, &n),
                     AUS_E_KEY_STATE);
    /* ids outside the type's range, wrong lengths (OTAR bug class: length always explicit) */
    assert_int_equal(aus_keys_install(&f->ks, 0x0100, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 2),
                     AUS_E_ARG);
    assert_int_equal(aus_keys_install(&f->ks, 0x0005, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 2),
                     AUS_E_ARG);
    assert_int_equal(aus_keys_install(&f->ks, 0x0201, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 16, 2),
                     AUS_E_ARG);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x0201, AUS_KEY_T_SESSION, AUS_KEY_DESTROYED, k, 32, 2),
        AUS_E_ARG);
    assert_int_equal(aus_keys_get(&f->ks, 0x0200, AUS_KEY_USE_SEND, 2, out, 8, &n),
                     AUS_E_KEY_STATE);
    assert_unchanged(f, &before, w);
    /* store failure: a transition that cannot be written changes nothing */
    tst_store_fail_after(f->m, 0, 0);
    before = f->ks;
    assert_int_equal(aus_keys_activate(&f->ks, 0x0200, 3), AUS_E_IO);
    assert_memory_equal(f->ks.tab, before.tab, sizeof before.tab);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x0201, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 3),
        AUS_OK); /* fail_after fired once, non-sticky */
    fx_free(f);
}

static void test_wrong_kek_and_swapped_records(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32], out[64], rec[200];
    size_t n, rl;
    key_of(k, 3);
    assert_int_equal(aus_keys_install(&f->ks, 0x0100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    key_of(k, 9);
    assert_int_equal(aus_keys_install(&f->ks, 0x0101, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    /* copy record 0x0100 over 0x0101: the per-id wrapping key makes it fail, not swap keys */
    assert_int_equal(f->st.ops->get(f->st.self, "keys/t/k/0100", rec, sizeof rec, &rl), AUS_OK);
    assert_int_equal(f->st.ops->put(f->st.self, "keys/t/k/0101", rec, rl), AUS_OK);
    assert_int_equal(aus_keys_get(&f->ks, 0x0101, AUS_KEY_USE_SEND, 1, out, 64, &n), AUS_E_AUTH);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&f->ks, 0x0101, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_CORRUPTED);
    assert_int_equal(aus_keys_get(&f->ks, 0x0101, AUS_KEY_USE_SEND, 1, out, 64, &n),
                     AUS_E_KEY_STATE);
    /* another device's KEK: the keystore is refused at open, nothing listed (its KEK check
     * record does not verify) */
    uint8_t kek2[32];
    memcpy(kek2, KEK, 32);
    kek2[0] ^= 1;
    aus_keys ks2;
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), kek2, 32, "keys/t/"),
                     AUS_E_AUTH);
    assert_int_equal(ks2.n, 0);
    assert_true(aus_ct_is_zero(ks2.kek, 32));
    /* a garbage record loads as CORRUPTED and refuses every use */
    assert_int_equal(f->st.ops->put(f->st.self, "keys/t/k/0102", (const uint8_t *)"xx", 2), AUS_OK);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"), AUS_OK);
    assert_int_equal(aus_keys_info(&ks2, 0x0102, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_CORRUPTED);
    assert_int_equal(aus_keys_get(&ks2, 0x0102, AUS_KEY_USE_RECV, 1, out, 64, &n), AUS_E_POLICY);
    assert_int_equal(aus_keys_get(&ks2, 0x0100, AUS_KEY_USE_SEND, 1, out, 64, &n), AUS_OK);
    aus_keys_close(&ks2);
    fx_free(f);
}

/* The KEK check record "keys/t/kck": written with the first record, checked at every open;
 * a keystore from before it (no record) is checked by unwrapping a key, then gets the record. */
static void test_kek_check_record(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32], v[64], kek2[32];
    size_t n = 0;
    aus_keys ks2;
    memcpy(kek2, KEK, 32);
    kek2[31] ^= 0x80;
    /* an empty keystore has nothing to protect and no record yet */
    assert_int_equal(f->st.ops->get(f->st.self, "keys/t/kck", v, sizeof v, &n), AUS_E_NOTFOUND);
    key_of(k, 5);
    assert_int_equal(aus_keys_install(&f->ks, 0x0001, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    assert_int_equal(f->st.ops->get(f->st.self, "keys/t/kck", v, sizeof v, &n), AUS_OK);
    assert_int_equal(n, 32);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), kek2, 32, "keys/t/"),
                     AUS_E_AUTH);
    assert_int_equal(ks2.n, 0);
    /* the record is bound to the prefix: copied under another tenant it does not verify */
    assert_int_equal(f->st.ops->put(f->st.self, "keys/u/kck", v, n), AUS_OK);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/u/"),
                     AUS_E_AUTH);
    /* a damaged record refuses even the right KEK (never a silent re-write) */
    v[0] ^= 1;
    assert_int_equal(f->st.ops->put(f->st.self, "keys/t/kck", v, n), AUS_OK);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"),
                     AUS_E_AUTH);
    /* an older keystore (no record): the wrong KEK fails to unwrap its key and is refused, the
     * right one opens and writes the record with its next change */
    assert_int_equal(f->st.ops->del(f->st.self, "keys/t/kck"), AUS_OK);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), kek2, 32, "keys/t/"),
                     AUS_E_AUTH);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"), AUS_OK);
    assert_int_equal(ks2.n, 1);
    key_of(k, 6);
    assert_int_equal(aus_keys_install(&ks2, 0x0100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    aus_keys_close(&ks2);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), kek2, 32, "keys/t/"),
                     AUS_E_AUTH);
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"), AUS_OK);
    assert_int_equal(ks2.n, 2);
    aus_keys_close(&ks2);
    fx_free(f);
}

static void test_transaction_rollback(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32];
    key_of(k, 5);
    assert_int_equal(aus_keys_install(&f->ks, 0x0100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    static aus_keys before;
    before = f->ks;
    for (int fail = 0; fail < 2; fail++) {
        assert_int_equal(aus_keys_begin(&f->ks), AUS_OK);
        assert_int_equal(aus_keys_begin(&f->ks), AUS_E_STATE);
        assert_int_equal(
            aus_keys_install(&f->ks, 0x0102, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 2),
            AUS_OK);
        assert_int_equal(aus_keys_deactivate(&f->ks, 0x0100, 2, 9), AUS_OK);
        if (fail) {
            tst_store_fail_after(f->m, 0, 0);
            assert_int_equal(aus_keys_commit(&f->ks), AUS_E_IO);
        } else {
            aus_keys_rollback(&f->ks);
        }
        assert_int_equal(f->ks.n, before.n);
        assert_memory_equal(f->ks.tab, before.tab, sizeof before.tab);
        aus_keys ks2;
        assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"),
                         AUS_OK);
        assert_int_equal(aus_keys_count(&ks2), 1);
        aus_keys_close(&ks2);
    }
    fx_free(f);
}

static void test_free_id_and_listing(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32];
    uint16_t id;
    key_of(k, 5);
    assert_int_equal(aus_keys_install(&f->ks, 0x0101, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(&f->ks, 0x0100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, k, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_free_id(&f->ks, 0x0100, 0x7FFF, &id), AUS_OK);
    assert_int_equal(id, 0x0102);
    assert_int_equal(aus_keys_free_id(&f->ks, 0x0100, 0x0101, &id), AUS_E_FULL);
    assert_int_equal(aus_keys_free_id(&f->ks, 0x0101, 0x0100, &id), AUS_E_ARG);
    aus_key_info a, b;
    assert_int_equal(aus_keys_at(&f->ks, 0, &a), AUS_OK);
    assert_int_equal(aus_keys_at(&f->ks, 1, &b), AUS_OK);
    assert_int_equal(a.id, 0x0100);
    assert_int_equal(b.id, 0x0101);
    assert_int_equal(aus_keys_at(&f->ks, 2, &b), AUS_E_NOTFOUND);
    fx_free(f);
}

static void test_full_table_evicts_destroyed(void **st)
{
    (void)st;
    fx *f = fx_new();
    uint8_t k[32];
    key_of(k, 1);
    for (uint16_t i = 0; i < AUS_KEYS_MAX; i++)
        assert_int_equal(aus_keys_install(&f->ks, (uint16_t)(0x200 + i), AUS_KEY_T_SESSION,
                                          AUS_KEY_PREACTIVE, k, 32, 1),
                         AUS_OK);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 2),
        AUS_E_FULL);
    assert_int_equal(aus_keys_destroy(&f->ks, 0x205, 3), AUS_OK);
    assert_int_equal(
        aus_keys_install(&f->ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 4), AUS_OK);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&f->ks, 0x205, &i), AUS_E_KEY); /* forgotten */
    assert_int_equal(aus_keys_count(&f->ks), AUS_KEYS_MAX);
    /* and the store agrees after a reopen */
    aus_keys ks2;
    assert_int_equal(aus_keys_open(&ks2, &f->st, aus_crypto_default(), KEK, 32, "keys/t/"), AUS_OK);
    assert_int_equal(aus_keys_count(&ks2), AUS_KEYS_MAX);
    assert_int_equal(aus_keys_info(&ks2, 0x100, &i), AUS_OK);
    aus_keys_close(&ks2);
    fx_free(f);
}

static void test_keyfile_permissions(void **st)
{
    (void)st;
    char path[] = "/tmp/aus_kek_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(aus_keyfile_write(path, KEK, 32), AUS_OK);
    assert_int_equal(aus_keyfile_write(path, KEK, 32), AUS_E_IO); /* never overwrites */
    uint8_t k[32];
    size_t n = 0;
    assert_int_equal(aus_keyfile_read(path, k, sizeof k, &n), AUS_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(k, KEK, 32);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(aus_keyfile_read(path, k, sizeof k, &n), AUS_E_PERM);
    assert_true(aus_ct_is_zero(k, sizeof k));
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(aus_keyfile_read(path, k, sizeof k, &n), AUS_E_PERM);
    assert_int_equal(chmod(path, 0600), 0);
    char link[64];
    snprintf(link, sizeof link, "%s.lnk", path);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(aus_keyfile_read(link, k, sizeof k, &n), AUS_E_PERM);
    unlink(link);
    FILE *fp = fopen(path, "w");
    fputs("00112233zz\n", fp);
    fclose(fp);
    assert_int_equal(aus_keyfile_read(path, k, sizeof k, &n), AUS_E_MALFORMED);
    unlink(path);
    assert_int_equal(aus_keyfile_read(path, k, sizeof k, &n), AUS_E_IO);
}

/* The same keystore over the SQLite backend: durable across close / reopen of the file. */
static void test_sqlite_backend(void **st)
{
    (void)st;
    char path[] = "/tmp/aus_ks_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    aus_store s1;
    assert_int_equal(aus_store_sqlite_open(&s1, path), AUS_OK);
    aus_keys ks;
    assert_int_equal(aus_keys_open(&ks, &s1, aus_crypto_default(), KEK, 32, "keys/a/"), AUS_OK);
    static uint8_t big[4032];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31);
    assert_int_equal(
        aus_keys_install(&ks, 0x8010, AUS_KEY_T_MLDSA65_SK, AUS_KEY_ACTIVE, big, sizeof big, 1),
        AUS_OK);
    uint8_t k[32];
    key_of(k, 4);
    assert_int_equal(aus_keys_begin(&ks), AUS_OK);
    assert_int_equal(aus_keys_install(&ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k, 32, 2),
                     AUS_OK);
    assert_int_equal(aus_keys_activate(&ks, 0x100, 3), AUS_OK);
    assert_int_equal(aus_keys_commit(&ks), AUS_OK);
    aus_keys_close(&ks);
    aus_store_sqlite_close(&s1);
    aus_store s2;
    assert_int_equal(aus_store_sqlite_open(&s2, path), AUS_OK);
    assert_int_equal(aus_keys_open(&ks, &s2, aus_crypto_default(), KEK, 32, "keys/a/"), AUS_OK);
    static uint8_t out[4032];
    size_t n = 0;
    assert_int_equal(aus_keys_get(&ks, 0x8010, AUS_KEY_USE_PRIVATE, 5, out, sizeof out, &n),
                     AUS_OK);
    assert_int_equal(n, sizeof big);
    assert_memory_equal(out, big, sizeof big);
    assert_int_equal(aus_keys_get(&ks, 0x100, AUS_KEY_USE_SEND, 5, out, sizeof out, &n), AUS_OK);
    assert_memory_equal(out, k, 32);
    /* another tenant's prefix sees nothing */
    aus_keys other;
    assert_int_equal(aus_keys_open(&other, &s2, aus_crypto_default(), KEK, 32, "keys/b/"), AUS_OK);
    assert_int_equal(aus_keys_count(&other), 0);
    aus_keys_close(&other);
    aus_keys_close(&ks);
    aus_store_sqlite_close(&s2);
    unlink(path);
}

int main(void)
{
    aus_crypto_set_default(aus_crypto_openssl());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_and_persistence),
        cmocka_unit_test(test_refused_transitions_change_nothing),
        cmocka_unit_test(test_wrong_kek_and_swapped_records),
        cmocka_unit_test(test_transaction_rollback),
        cmocka_unit_test(test_free_id_and_listing),
        cmocka_unit_test(test_keyfile_permissions),
        cmocka_unit_test(test_full_table_evicts_destroyed),
        cmocka_unit_test(test_sqlite_backend),
        cmocka_unit_test(test_kek_check_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
