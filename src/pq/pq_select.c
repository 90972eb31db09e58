/* SPDX-License-Identifier: Apache-2.0 */
/* Which ML-KEM-768 / ML-DSA-65 implementation the public pq.h functions run: src/pq's portable
 * C11 code, or the one the platform port offers through aus_pq_platform() (port/posix:
 * OpenSSL >= 3.5 when built with AUS_OPENSSL_PQ). The dispatch sits at the top of each public
 * function in mlkem.c / mldsa.c; this file only holds the choice. */
#include "australis/pq.h"

static int g_portable;

void aus_pq_use_portable(int on) { g_portable = on != 0; }

const aus_pq_ops *aus_pq_active(void) { return g_portable ? NULL : aus_pq_platform(); }

const char *aus_pq_impl(void)
{
    const aus_pq_ops *o = aus_pq_active();
    return o ? o->name : "src/pq (portable C11)";
}
