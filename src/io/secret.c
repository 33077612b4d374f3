/*
 * secret.c - the stored form of a secret (AES-256-GCM under the key file's
 * key, "v1:" + base64), and the small password sources: the environment,
 * cleaning a typed password, wiping a secret when it is freed.
 *
 * The key file is in secret_key.c, password commands and terminals in
 * secret_cmd.c, the environment handed to commands in secret_env.c.
 */
#include "secret.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util.h"

#include "banned.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define TEXT_PREFIX "v1:"
#define TEXT_PREFIX_LEN 3

static const char decrypt_failed[] =
    "cannot decrypt stored secret (wrong key file or corrupted)";

/* --- AES-256-GCM ------------------------------------------------------- */

int secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain,
                   size_t len, const char *aad, char **out,
                   struct errinfo *ei)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *raw = NULL;
    size_t raw_len = NONCE_LEN + len + TAG_LEN;
    size_t aad_len = aad ? strlen(aad) : 0;
    size_t b64_len;
    char *text = NULL;
    int n = 0, fin = 0, ret = -1;

    if (len > SECRET_PLAIN_MAX)
        return err_set(ei, ERR_DATA,
                       "secret is too long to store (%zu bytes, at most %d)",
                       len, SECRET_PLAIN_MAX);
    if (len && memchr(plain, '\0', len))
        return err_set(ei, ERR_DATA, "secret contains a NUL byte");
    if (aad_len > INT_MAX)
        return err_set(ei, ERR_DATA, "associated data is too long");

    raw = xmalloc(raw_len);
    if (RAND_bytes(raw, NONCE_LEN) != 1) {
        err_set(ei, ERR_OSERR, "cannot encrypt secret: no random bytes "
                "from OpenSSL");
        goto out;
    }
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx ||
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
                            NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
        (aad_len && EVP_EncryptUpdate(ctx, NULL, &n,
                                      (const unsigned char *)aad,
                                      (int)aad_len) != 1) ||
        (len && EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &n,
                                  (const unsigned char *)plain,
                                  (int)len) != 1) ||
        EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + (len ? (size_t)n : 0),
                            &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
                            raw + NONCE_LEN + len) != 1) {
        err_set(ei, ERR_SOFTWARE, "cannot encrypt secret: OpenSSL AES-GCM "
                "failed");
        goto out;
    }

    b64_len = 4 * ((raw_len + 2) / 3);
    text = xmalloc(TEXT_PREFIX_LEN + b64_len + 1);
    memcpy(text, TEXT_PREFIX, TEXT_PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)text + TEXT_PREFIX_LEN, raw,
                    (int)raw_len);
    *out = text;
    ret = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (raw) {
        secure_wipe(raw, raw_len);
        free(raw);
    }
    return ret;
}

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * Strict base64 check: EVP_DecodeBlock() skips surrounding whitespace and
 * would accept more than our own encoder produces.  Returns the number of
 * '=' pad characters, or -1 when s[0..n) is not canonical-shaped base64.
 */
static int b64_check(const char *s, size_t n)
{
    int pad = 0;

    if (n == 0 || n % 4)
        return -1;
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < n - (size_t)pad; i++)
        if (!b64_char(s[i]))
            return -1;
    return pad;
}

/* The error for a stored secret that does not start with "v1:". */
static int bad_prefix(const char *text, struct errinfo *ei)
{
    size_t vlen = text ? strspn(text + (text[0] == 'v'), "0123456789") : 0;

    if (text && text[0] == 'v' && vlen > 0 && vlen < 8 &&
        text[1 + vlen] == ':')
        return err_set(ei, ERR_DATA,
                       "stored secret has unknown format '%.*s': upgrade "
                       "mailrota or store the password again",
                       (int)vlen + 1, text);
    return err_set(ei, ERR_DATA,
                   "stored secret is malformed (expected 'v1:' and "
                   "base64): store the password again");
}

/*
 * The base64 after "v1:" → *raw (nonce, ciphertext, tag): *raw_cap bytes
 * allocated (the caller wipes and frees them, also on error), *raw_len
 * used.
 */
static int decode_text(const char *b64, unsigned char **raw,
                       size_t *raw_cap, size_t *raw_len, struct errinfo *ei)
{
    const size_t b64_max = 4 * ((NONCE_LEN + SECRET_PLAIN_MAX + TAG_LEN + 2)
                                / 3);
    size_t b64_len = strnlen(b64, b64_max + 1);
    int pad = b64_check(b64, b64_len), dec;

    if (b64_len > b64_max || pad < 0)
        return err_set(ei, ERR_DATA,
                       "stored secret is malformed (expected 'v1:' and "
                       "base64): store the password again");
    *raw_cap = b64_len / 4 * 3;
    *raw = xmalloc(*raw_cap);
    dec = EVP_DecodeBlock(*raw, (const unsigned char *)b64, (int)b64_len);
    /* DecodeBlock counts the '=' padding as zero bytes: take them off. */
    if (dec < 0 || (size_t)dec != *raw_cap)
        return err_set(ei, ERR_DATA, "stored secret is malformed (bad "
                       "base64): store the password again");
    *raw_len = *raw_cap - (size_t)pad;
    if (*raw_len < NONCE_LEN + TAG_LEN)
        return err_set(ei, ERR_DATA, "stored secret is malformed (too "
                       "short): store the password again");
    return 0;
}

/* AES-256-GCM open of raw (nonce, ct_len bytes, tag) into plain. */
static int gcm_open(const unsigned char key[SECRET_KEY_LEN],
                    unsigned char *raw, size_t ct_len,
                    const char *aad, size_t aad_len, char *plain,
                    struct errinfo *ei)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ret = -1;

    if (!ctx ||
        EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
                            NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, raw) != 1) {
        err_set(ei, ERR_SOFTWARE, "cannot decrypt secret: OpenSSL AES-GCM "
                "failed");
        goto out;
    }
    if ((aad_len && EVP_DecryptUpdate(ctx, NULL, &n,
                                      (const unsigned char *)aad,
                                      (int)aad_len) != 1) ||
        (ct_len && EVP_DecryptUpdate(ctx, (unsigned char *)plain, &n,
                                     raw + NONCE_LEN, (int)ct_len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                            raw + NONCE_LEN + ct_len) != 1 ||
        EVP_DecryptFinal_ex(ctx, (unsigned char *)plain +
                                     (ct_len ? (size_t)n : 0), &fin) != 1) {
        err_set(ei, ERR_DATA, "%s", decrypt_failed);
        goto out;
    }
    ret = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}

int secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *text,
                   const char *aad, char **out, size_t *len,
                   struct errinfo *ei)
{
    unsigned char *raw = NULL;
    char *plain = NULL;
    size_t raw_cap = 0, raw_len = 0, ct_len = 0;
    size_t aad_len = aad ? strlen(aad) : 0;
    int ret = -1;

    if (!text || !str_starts_with(text, TEXT_PREFIX))
        return bad_prefix(text, ei);
    if (aad_len > INT_MAX)
        return err_set(ei, ERR_DATA, "associated data is too long");
    if (decode_text(text + TEXT_PREFIX_LEN, &raw, &raw_cap, &raw_len,
                    ei) < 0)
        goto out;
    ct_len = raw_len - NONCE_LEN - TAG_LEN;
    plain = xmalloc(ct_len + 1);
    if (gcm_open(key, raw, ct_len, aad, aad_len, plain, ei) < 0)
        goto out;
    plain[ct_len] = '\0';
    /* secret_encrypt() refuses NUL, and secret_free() wipes up to the NUL. */
    if (memchr(plain, '\0', ct_len)) {
        err_set(ei, ERR_DATA, "%s", decrypt_failed);
        goto out;
    }
    *out = plain;
    plain = NULL;
    if (len)
        *len = ct_len;
    ret = 0;
out:
    if (plain) {
        secure_wipe(plain, ct_len + 1);
        free(plain);
    }
    if (raw) {
        secure_wipe(raw, raw_cap);
        free(raw);
    }
    return ret;
}

int secret_from_env(const char *var, char **out, struct errinfo *ei)
{
    const char *v;

    if (!var || !*var || strchr(var, '='))
        return err_set(ei, ERR_CONFIG,
                       "invalid environment variable name '%s'",
                       var ? var : "");
    v = getenv(var);
    if (!v || !*v)
        return err_set(ei, ERR_CONFIG,
                       "environment variable '%s' is not set or empty: "
                       "export it with the password before running mailrota",
                       var);
    *out = xstrdup(v);
    return 0;
}

int secret_clean_password(char *pw, struct errinfo *ei)
{
    char *src, *dst;

    /* Validate first, so pw is unchanged when it is refused. */
    if (strpbrk(pw, "\r\n"))
        return err_set(ei, ERR_DATA,
                       "password contains a line break (CR or LF)");
    if (strspn(pw, " ") == strlen(pw))
        return err_set(ei, ERR_DATA, "password is empty");
    for (src = dst = pw; *src; src++)
        if (*src != ' ')
            *dst++ = *src;
    /* Wipe the tail left behind by the compaction. */
    secure_wipe(dst, (size_t)(src - dst));
    *dst = '\0';
    return 0;
}

void secret_free(char *s)
{
    if (!s)
        return;
    secure_wipe(s, strlen(s));
    free(s);
}
