/* SPDX-License-Identifier: Apache-2.0 */
/* Request parsing of the ground's HTTP API (apps/australis/daemon/http_parse.c): point URLs,
 * ids, query numbers, the command body, the bearer token, static paths. */
#include "aus_test.h"

#include "http_parse.h"

static void test_point_url(void **state)
{
    (void)state;
    char name[128];
    const char *what;
    assert_int_equal(
        http_parse_point_url("/api/points/battery_mv/history", name, sizeof name, &what), 0);
    assert_string_equal(name, "battery_mv");
    assert_string_equal(what, "history");
    assert_int_equal(http_parse_point_url("/api/points/a.b:c-d/latest", name, sizeof name, &what),
                     0);
    assert_int_equal(http_parse_point_url("/api/points//latest", name, sizeof name, &what), -1);
    assert_int_equal(http_parse_point_url("/api/points/x/other", name, sizeof name, &what), -1);
    assert_int_equal(http_parse_point_url("/api/points/x", name, sizeof name, &what), -1);
    assert_int_equal(http_parse_point_url("/api/points/a b/latest", name, sizeof name, &what), -1);
    assert_int_equal(http_parse_point_url("/api/points/../latest", name, sizeof name, &what), 0);
    char lng[300] = "/api/points/";
    memset(lng + 12, 'a', 128);
    strcpy(lng + 140, "/latest");
    assert_int_equal(http_parse_point_url(lng, name, sizeof name, &what), -1);
}

static void test_ids_and_numbers(void **state)
{
    (void)state;
    uint64_t id;
    const char *rest;
    int64_t v;
    assert_int_equal(http_parse_id_url("/api/commands/42", "commands", &id, &rest), 0);
    assert_int_equal(id, 42);
    assert_string_equal(rest, "");
    assert_int_equal(http_parse_id_url("/api/images/7/file", "images", &id, &rest), 0);
    assert_string_equal(rest, "file");
    assert_int_equal(http_parse_id_url("/api/commands/0", "commands", &id, &rest), -1);
    assert_int_equal(http_parse_id_url("/api/commands/-1", "commands", &id, &rest), -1);
    assert_int_equal(http_parse_id_url("/api/commands/12x", "commands", &id, &rest), -1);
    assert_int_equal(
        http_parse_id_url("/api/commands/99999999999999999999", "commands", &id, &rest), -1);
    assert_int_equal(http_parse_i64(NULL, 5, 0, 10, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(http_parse_i64("10", 5, 0, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(http_parse_i64("11", 5, 0, 10, &v), -1);
    assert_int_equal(http_parse_i64("", 5, 0, 10, &v), -1);
    assert_int_equal(http_parse_i64("1e3", 5, 0, 10000, &v), -1);
    assert_int_equal(http_parse_i64("-3", 5, -5, 10, &v), 0);
    assert_int_equal(v, -3);
    assert_int_equal(http_parse_i64("9999999999999999999999", 5, 0, 10, &v), -1);
}

static void test_command_body(void **state)
{
    (void)state;
    char why[256];
    char *r =
        http_parse_command("{\"name\":\"mark\",\"args\":[\"a\",\"b\"]}", 33, "", why, sizeof why);
    assert_string_equal(r, "{\"args\":[\"a\",\"b\"],\"op\":\"cmd\",\"name\":\"mark\"}");
    free(r);
    r = http_parse_command("{\"type\":\"tm\"}", 13, "", why, sizeof why);
    assert_string_equal(r, "{\"op\":\"tm\"}");
    free(r);
    r = http_parse_command("{\"type\":\"image\",\"remote\":\"img.bin\"}", 35, "/d", why,
                           sizeof why);
    assert_string_equal(r, "{\"op\":\"image\",\"remote\":\"img.bin\",\"local\":\"/d/img.bin\"}");
    free(r);
    assert_null(
        http_parse_command("{\"type\":\"image\",\"remote\":\"../x\"}", 32, "/d", why, sizeof why));
    assert_string_equal(why, "'remote' must be a file name (no '/', not starting with '.')");
    assert_null(http_parse_command("{\"name\":", 8, "", why, sizeof why));
    assert_string_equal(why, "the body is not a JSON object");
    assert_null(http_parse_command("[1]", 3, "", why, sizeof why));
    assert_null(http_parse_command("{\"name\":\"x\",\"args\":[1]}", 23, "", why, sizeof why));
    assert_string_equal(why, "every argument must be a string of at most 256 bytes");
    assert_null(http_parse_command("{\"args\":[]}", 11, "", why, sizeof why));
    assert_string_equal(why, "'name' must be a command name of 1..64 printable characters");
    assert_null(http_parse_command("{\"name\":\"a\\nb\"}", 15, "", why, sizeof why));
    assert_null(http_parse_command("{\"type\":\"rekey\",\"kind\":\"x\"}", 26, "", why, sizeof why));
    assert_null(http_parse_command("{}", 0, "", why, sizeof why));
    assert_string_equal(why, "empty body: a JSON object is expected");
    assert_null(http_parse_command("{}", HTTP_BODY_MAX + 1, "", why, sizeof why));
    assert_string_equal(why, "body too large");
}

static void test_token_and_static(void **state)
{
    (void)state;
    const char *tok = "0123456789abcdef0123";
    assert_int_equal(http_token_ok("Bearer 0123456789abcdef0123", tok), 1);
    assert_int_equal(http_token_ok("Bearer 0123456789abcdef012", tok), 0);
    assert_int_equal(http_token_ok("Bearer 0123456789abcdef01234", tok), 0);
    assert_int_equal(http_token_ok("bearer 0123456789abcdef0123", tok), 0);
    assert_int_equal(http_token_ok(NULL, tok), 0);
    assert_int_equal(http_token_ok("Bearer ", ""), 0);
    char rel[256];
    assert_int_equal(http_parse_static("/", rel, sizeof rel), 0);
    assert_string_equal(rel, "index.html");
    assert_int_equal(http_parse_static("/openmct/openmct.js", rel, sizeof rel), 0);
    assert_int_equal(http_parse_static("/../etc/passwd", rel, sizeof rel), -1);
    assert_int_equal(http_parse_static("/a/../../x", rel, sizeof rel), -1);
    assert_int_equal(http_parse_static("/.hidden", rel, sizeof rel), -1);
    assert_int_equal(http_parse_static("//etc/passwd", rel, sizeof rel), -1);
    assert_int_equal(http_parse_static("/a/", rel, sizeof rel), -1);
    assert_int_equal(http_parse_static("/a%2e", rel, sizeof rel), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_url),
        cmocka_unit_test(test_ids_and_numbers),
        cmocka_unit_test(test_command_body),
        cmocka_unit_test(test_token_and_static),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
