/* SPDX-License-Identifier: Apache-2.0 */
#include "aus_test.h"

#include <ctype.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tst_shared(const char *rel)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, 1024, "%s/%s", AUS_SHARED_DIR, rel);
    return b;
}

uint8_t *tst_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    if (n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n)
        fail_msg("short read %s", path);
    fclose(f);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

cJSON *tst_read_json(const char *path)
{
    size_t n;
    uint8_t *p = tst_read_file(path, &n);
    cJSON *j = cJSON_ParseWithLength((const char *)p, n);
    free(p);
    if (!j)
        fail_msg("bad JSON in %s", path);
    return j;
}

static int hv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

uint8_t *tst_hex(const char *hex, size_t *len)
{
    size_t n = hex ? strlen(hex) : 0;
    uint8_t *p = malloc(n / 2 + 1);
    size_t o = 0;
    assert_non_null(p);
    for (size_t i = 0; i < n;) {
        if (isspace((unsigned char)hex[i]) || hex[i] == ':') {
            i++;
            continue;
        }
        int a = hv(hex[i]), b = i + 1 < n ? hv(hex[i + 1]) : -1;
        if (a < 0 || b < 0)
            fail_msg("bad hex at %zu", i);
        p[o++] = (uint8_t)(a << 4 | b);
        i += 2;
    }
    *len = o;
    return p;
}

const char *tst_tohex(const uint8_t *p, size_t n)
{
    static char buf[2][8192];
    static int k;
    char *b = buf[k++ & 1];
    size_t m = n > 4000 ? 4000 : n;
    for (size_t i = 0; i < m; i++)
        snprintf(b + 2 * i, 3, "%02x", p[i]);
    b[2 * m] = 0;
    return b;
}

const cJSON *tst_vector(const cJSON *doc, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "vectors"))
    {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (cJSON_IsString(i) && !strcmp(i->valuestring, id))
            return it;
    }
    fail_msg("vector %s missing", id);
    return NULL;
}

uint8_t *tst_json_hex(const cJSON *obj, const char *field, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!cJSON_IsString(v))
        fail_msg("JSON field %s missing or not a string", field);
    return tst_hex(v->valuestring, len);
}

void tst_assert_bytes_(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       const char *file, int line)
{
    if (alen != blen || (alen && memcmp(a, b, alen) != 0)) {
        print_error("got      %s (%zu)\n", tst_tohex(a, alen), alen);
        print_error("expected %s (%zu)\n", tst_tohex(b, blen), blen);
        _fail(file, line);
    }
}

uint64_t tst_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tst_cbor_head(aus_wr *w, unsigned major, uint64_t v, int longer)
{
    size_t n = v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 0x100000000u ? 5 : 9;
    if (longer && n < 9)
        n = n == 1 ? 2 : n == 2 ? 3 : n == 3 ? 5 : 9;
    static const uint8_t ai_of[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    aus_wr_u8(w, (uint8_t)(major << 5 | (n == 1 ? v : ai_of[n])));
    if (n > 1)
        aus_wr_ben(w, v, n - 1);
}

/* ---- in-memory store ---- */
typedef struct kv {
    char key[AUS_STORE_KEY_MAX];
    uint8_t *val;
    size_t len;
    int present;
} kv;

struct tst_store {
    kv *rows; /* committed */
    size_t n, cap;
    kv *tx; /* pending writes in a transaction */
    size_t ntx, captx;
    int in_tx;
    long writes, fail_after;
    int sticky, failed;
    int count_tx; /* put/del inside a transaction count as writes too */
};

tst_store *tst_store_new(void)
{
    tst_store *m = calloc(1, sizeof *m);
    m->fail_after = -1;
    return m;
}

static void kv_free(kv *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].val);
    free(r);
}

void tst_store_free(tst_store *m)
{
    if (!m)
        return;
    kv_free(m->rows, m->n);
    kv_free(m->tx, m->ntx);
    free(m);
}

void tst_store_fail_after(tst_store *m, long n, int sticky)
{
    m->fail_after = n;
    m->sticky = sticky;
    m->writes = 0;
    m->failed = 0;
}

long tst_store_writes(const tst_store *m) { return m->writes; }

void tst_store_count_tx_writes(tst_store *m, int on) { m->count_tx = on; }

static int write_fails(tst_store *m)
{
    if (m->failed && m->sticky)
        return 1;
    long w = m->writes++;
    if (m->fail_after >= 0 && w == m->fail_after) {
        m->failed = 1;
        return 1;
    }
    return 0;
}

static kv *find(kv *r, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].key, key) == 0)
            return &r[i];
    return NULL;
}

static aus_err set(kv **r, size_t *n, size_t *cap, const char *key, const uint8_t *v, size_t len,
                   int present)
{
    if (strlen(key) >= AUS_STORE_KEY_MAX)
        return AUS_E_ARG;
    kv *e = find(*r, *n, key);
    if (!e) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *r = realloc(*r, *cap * sizeof **r);
        }
        e = &(*r)[(*n)++];
        memset(e, 0, sizeof *e);
        strcpy(e->key, key);
    }
    free(e->val);
    e->val = malloc(len ? len : 1);
    if (len)
        memcpy(e->val, v, len);
    e->len = len;
    e->present = present;
    return AUS_OK;
}

static aus_err m_get(void *self, const char *key, uint8_t *val, size_t cap, size_t *len)
{
    tst_store *m = self;
    kv *e = m->in_tx ? find(m->tx, m->ntx, key) : NULL;
    if (!e)
        e = find(m->rows, m->n, key);
    if (!e || !e->present)
        return AUS_E_NOTFOUND;
    *len = e->len;
    if (e->len > cap)
        return AUS_E_NOBUFS;
    if (e->len)
        memcpy(val, e->val, e->len);
    return AUS_OK;
}

static aus_err m_put(void *self, const char *key, const uint8_t *val, size_t len)
{
    tst_store *m = self;
    if (m->in_tx && m->count_tx && write_fails(m))
        return AUS_E_IO;
    if (m->in_tx)
        return set(&m->tx, &m->ntx, &m->captx, key, val, len, 1);
    if (write_fails(m))
        return AUS_E_IO;
    return set(&m->rows, &m->n, &m->cap, key, val, len, 1);
}

static aus_err m_del(void *self, const char *key)
{
    tst_store *m = self;
    if (m->in_tx && m->count_tx && write_fails(m))
        return AUS_E_IO;
    if (m->in_tx)
        return set(&m->tx, &m->ntx, &m->captx, key, NULL, 0, 0);
    if (write_fails(m))
        return AUS_E_IO;
    kv *e = find(m->rows, m->n, key);
    if (e)
        e->present = 0;
    return AUS_OK;
}

static int visible(tst_store *m, const char *key)
{
    kv *e = m->in_tx ? find(m->tx, m->ntx, key) : NULL;
    if (!e)
        e = find(m->rows, m->n, key);
    return e && e->present;
}

static aus_err m_next(void *self, const char *prefix, const char *after, char *key, size_t keycap)
{
    tst_store *m = self;
    const char *best = NULL;
    size_t pl = strlen(prefix);
    kv *sets[2] = {m->rows, m->tx};
    size_t ns[2] = {m->n, m->in_tx ? m->ntx : 0};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < ns[s]; i++) {
            const char *k = sets[s][i].key;
            if (strncmp(k, prefix, pl) != 0 || strcmp(k, after) <= 0 || !visible(m, k))
                continue;
            if (!best || strcmp(k, best) < 0)
                best = k;
        }
    if (!best)
        return AUS_E_NOTFOUND;
    if (strlen(best) >= keycap)
        return AUS_E_NOBUFS;
    strcpy(key, best);
    return AUS_OK;
}

static aus_err m_begin(void *self)
{
    tst_store *m = self;
    if (m->in_tx)
        return AUS_E_STATE;
    m->in_tx = 1;
    return AUS_OK;
}

static aus_err m_rollback(void *self)
{
    tst_store *m = self;
    kv_free(m->tx, m->ntx);
    m->tx = NULL;
    m->ntx = m->captx = 0;
    m->in_tx = 0;
    return AUS_OK;
}

static aus_err m_commit(void *self)
{
    tst_store *m = self;
    if (!m->in_tx)
        return AUS_E_STATE;
    if (write_fails(m)) {
        m_rollback(m);
        return AUS_E_IO;
    }
    for (size_t i = 0; i < m->ntx; i++)
        set(&m->rows, &m->n, &m->cap, m->tx[i].key, m->tx[i].val, m->tx[i].len, m->tx[i].present);
    return m_rollback(m);
}

static const aus_store_ops mem_ops = {m_get, m_put, m_del, m_next, m_begin, m_commit, m_rollback};

aus_store tst_store_iface(tst_store *m)
{
    aus_store s = {&mem_ops, m};
    return s;
}

/* ---- shell, files, Node oracles ---- */

static int sh_status(const char *cmd)
{
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, cap, fmt, ap);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("shell command too long: %.60s...", buf);
}

int tst_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vformat(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return sh_status(cmd);
}

int tst_cli(const char *dir, const char *fmt, ...)
{
    char cmd[4096];
    int k = dir ? snprintf(cmd, sizeof cmd, "cd '%s' && '%s' ", dir, AUS_CLI)
                : snprintf(cmd, sizeof cmd, "'%s' ", AUS_CLI);
    if (k < 0 || (size_t)k >= sizeof cmd)
        fail_msg("directory name too long: %.60s...", dir);
    va_list ap;
    va_start(ap, fmt);
    vformat(cmd + k, sizeof cmd - (size_t)k, fmt, ap);
    va_end(ap);
    return sh_status(cmd);
}

const char *tst_tmpdir(char *buf, size_t cap, const char *tag)
{
    int n = snprintf(buf, cap, "/tmp/aus_%s_XXXXXX", tag);
    if (n < 0 || (size_t)n >= cap || !mkdtemp(buf))
        fail_msg("cannot create a temporary directory for %s", tag);
    return buf;
}

int tst_rmtree(const char *dir) { return tst_sh("rm -rf '%s'", dir) == 0 ? 0 : -1; }

void tst_write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot create %s", path);
    size_t w = n ? fwrite(p, 1, n, f) : 0;
    if (fclose(f) != 0 || w != n)
        fail_msg("short write %s", path);
}

void tst_need_node(const char *module)
{
    char mods[1200];
    struct stat sb;
    snprintf(mods, sizeof mods, "%s/node_modules/%s", AUS_XCHECK_DIR, module);
    if (stat(mods, &sb) != 0 || system("node --version >/dev/null 2>&1") != 0) {
        print_message("SKIP: node or %s missing (run npm ci in the xcheck dir)\n", mods);
        skip();
    }
}

uint64_t tst_seed(uint64_t def)
{
    uint64_t seed = def;
    const char *env = getenv("AUS_TEST_SEED");
    if (env)
        seed = strtoull(env, NULL, 10);
    print_message("seed %llu\n", (unsigned long long)seed);
    return seed;
}

FILE *tst_tmp_open(char *path_tmpl)
{
    int fd = mkstemp(path_tmpl);
    if (fd < 0)
        fail_msg("cannot create %s", path_tmpl);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    return f;
}

FILE *tst_node_run(const char *script, const char *in_path)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "node %s/%s %s < %s", AUS_SOURCE_DIR, script, AUS_XCHECK_DIR,
             in_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    return p;
}

void tst_node_end(FILE *p, const char *in_path)
{
    int rc = pclose(p);
    unlink(in_path);
    assert_int_equal(rc, 0);
}

void tst_split(char *line, char **tok, int n)
{
    char *sv = NULL;
    for (int t = 0; t < n; t++) {
        tok[t] = strtok_r(t == 0 ? line : NULL, " \n", &sv);
        assert_non_null(tok[t]);
    }
}
