/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time helpers and secure wipe (DESIGN.md §5). */
#include <string.h>

#include "australis/base.h"

int aus_ct_eq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d = (uint8_t)(d | (x[i] ^ y[i]));
    /* map 0 -> 1, nonzero -> 0 without a branch */
    return (int)(1 & ((uint32_t)(d - 1) >> 8));
}

int aus_ct_cmp(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint32_t gt = 0, lt = 0; /* set by the most significant differing byte */
    for (size_t i = n; i-- > 0;) {
        uint32_t g = ((uint32_t)y[i] - (uint32_t)x[i]) >> 31; /* x[i] > y[i] */
        uint32_t l = ((uint32_t)x[i] - (uint32_t)y[i]) >> 31; /* x[i] < y[i] */
        uint32_t keep = 1u ^ (g | l);                         /* equal: earlier verdict stands */
        gt = g | (keep & gt);
        lt = l | (keep & lt);
    }
    return (int)gt - (int)lt;
}

int aus_ct_is_zero(const void *a, size_t n)
{
    const volatile uint8_t *x = a;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d = (uint8_t)(d | x[i]);
    return (int)(1 & ((uint32_t)(d - 1) >> 8));
}

void aus_wipe(void *p, size_t n)
{
    if (n == 0)
        return;
#if defined(__GNUC__) || defined(__clang__)
    /* memset at full speed, then a compiler barrier that claims to read the memory, so the
     * stores cannot be removed as dead (the technique of explicit_bzero). */
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
#endif
}
