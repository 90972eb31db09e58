/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the application interface's codec (src/app/app_api.c) the way the daemon meets it: the
 * input is a byte stream from a hostile local program, cut into frames by aus_api_frame. Never
 * a crash; every frame body that decodes re-encodes to the same frame (deterministic form only);
 * the same bytes as a points ADU and as one stored point: the same property. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/app_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_api_msg m;
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    static uint8_t out[4 + AUS_APP_API_FRAME_MAX];
    size_t at = 0, fl = 0, n = 0, np = 0;
    while (aus_api_frame(data + at, size - at, &fl) == AUS_OK) {
        if (aus_api_decode(&m, data + at + 4, fl - 4) == AUS_OK &&
            (aus_api_encode(&m, out, sizeof out, &n) != AUS_OK || n != fl ||
             memcmp(out, data + at, n) != 0))
            abort();
        at += fl;
    }
    uint64_t batch = 0, dropped = 0;
    if (aus_app_points_decode(data, size, &batch, &dropped, pts, AUS_APP_API_MAX_POINTS, &np) ==
        AUS_OK) {
        if (!aus_app_is_points(data, size) ||
            aus_app_points_encode(batch, dropped, pts, np, out, sizeof out, &n) != AUS_OK ||
            n != size || memcmp(out, data, n) != 0)
            abort();
    }
    if (aus_api_point_decode(&pts[0], data, size) == AUS_OK &&
        (aus_api_point_encode(&pts[0], out, sizeof out, &n) != AUS_OK || n != size ||
         memcmp(out, data, n) != 0))
        abort();
    return 0;
}
