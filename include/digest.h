/*
 * digest.h - SHA-256 as lower-case hex.  Pure (OpenSSL's digest only).
 *
 * Used where a value must be recognised again without being kept: the
 * key of an inbound message that has no Message-ID (its bytes' digest),
 * and an erased address (the `sha256:` suppression).
 */
#ifndef MAILROTA_DIGEST_H
#define MAILROTA_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

/* Lower-case hex of bytes b[0..n) into out (2n + 1 bytes). */
void digest_hex(const unsigned char *b, size_t n, char *out);

/* Lower-case hex of SHA-256(p[0..n)) into out.  0, or -1 when OpenSSL
 * fails (out is then ""). */
int digest_sha256_hex(const void *p, size_t n,
                      char out[DIGEST_HEX_LEN + 1]);

#endif
