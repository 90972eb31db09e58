/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide default crypto provider.
 *
 * APIs whose signatures are fixed by outside conformance checks (e.g. the ML-KEM/ML-DSA
 * functions of include/australis/pq.h) take no provider argument; they use this one. The
 * platform port supplies aus_crypto_platform() (port/posix: OpenSSL 3); a program or a test may
 * override it with aus_crypto_set_default(). */
#include "australis/crypto.h"

static const aus_crypto *g_override;

void aus_crypto_set_default(const aus_crypto *c) { g_override = c; }

const aus_crypto *aus_crypto_default(void)
{
    return g_override ? g_override : aus_crypto_platform();
}
