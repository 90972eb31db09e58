/* SPDX-License-Identifier: Apache-2.0 */
/* AES-GCM for TCPCL's TLS from Intel ipsec-mb as an OpenSSL provider (tls_gcm.c, docs/tcpcl.md). */
#ifndef AUS_TLS_GCM_H
#define AUS_TLS_GCM_H

#include <openssl/types.h>

#define AUS_TLS_GCM_PROVIDER "aus-ipsecmb"
#define AUS_TLS_GCM_PROPQ "?provider=" AUS_TLS_GCM_PROVIDER

/* The library context TLS contexts are made in (SSL_CTX_new_ex): OpenSSL's default provider plus
 * ours, made once per process; NULL (OpenSSL's default context) when this build has no ipsec-mb,
 * the CPU has no AVX2, or AUS_TLS_GCM=openssl is set. */
OSSL_LIB_CTX *aus_tls_gcm_libctx(void);
/* The property query that prefers our AES-GCM in that context (NULL with no context). */
const char *aus_tls_gcm_propq(void);
/* Which AES-GCM TLS records use, for log lines and benches. */
const char *aus_tls_gcm_name(void);

#endif
