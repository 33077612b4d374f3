/* digest.c - SHA-256 as hex (see digest.h).  Pure. */
#include "digest.h"

#include <openssl/evp.h>

#include "banned.h"

void digest_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

int digest_sha256_hex(const void *p, size_t n,
                      char out[DIGEST_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    out[0] = '\0';
    if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
        return -1;
    digest_hex(md, len, out);
    return 0;
}
