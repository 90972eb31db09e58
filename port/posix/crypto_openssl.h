/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenSSL 3 backend of the crypto provider (port/posix). */
#ifndef AUS_CRYPTO_OPENSSL_H
#define AUS_CRYPTO_OPENSSL_H
#include "australis/crypto.h"
const aus_crypto *aus_crypto_openssl(void);
#endif
