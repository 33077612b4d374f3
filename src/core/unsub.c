/* unsub.c - the per-recipient unsubscribe.url (see unsub.h).  Pure. */
#include "unsub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "digest.h"
#include "template.h"
#include "util.h"

#include "banned.h"

#define HEX_LEN (2 * 32)

struct check {
    char bad[TEMPLATE_NAME_MAX + 8];
    bool token;
};

static void note(void *ctx, const char *name, bool has_default, int line)
{
    struct check *c = ctx;

    (void)line;
    if (c->bad[0])
        return;
    if (has_default || (strcmp(name, "email") != 0 &&
                        strcmp(name, "token") != 0))
        snprintf(c->bad, sizeof(c->bad), "%s%s", name,
                 has_default ? "|...}}" : "}}");
    else if (strcmp(name, "token") == 0)
        c->token = true;
}

int unsub_url_check(const char *url, bool *needs_key, struct errinfo *ei)
{
    struct check c = { "", false };

    if (template_each_var(url, 1, note, &c, ei) < 0)
        return -1;
    if (c.bad[0])
        return err_set(ei, ERR_DATA, "unknown variable {{%s: only "
                       "{{email}} and {{token}} can be used, without a "
                       "default", c.bad);
    if (needs_key)
        *needs_key = c.token;
    return 0;
}

static int token(const unsigned char *key, const char *email,
                 char out[HEX_LEN + 1], struct errinfo *ei)
{
    unsigned char k[32], mac[32];
    unsigned int klen = sizeof(k), mlen = sizeof(mac);
    char *lower = xstrdup(email);
    bool ok;

    str_lower(lower);
    ok = HMAC(EVP_sha256(), key, SECRET_KEY_LEN,
              (const unsigned char *)UNSUB_KEY_LABEL,
              strlen(UNSUB_KEY_LABEL), k, &klen) &&
         HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)lower,
              strlen(lower), mac, &mlen);
    secure_wipe(k, sizeof(k));
    free(lower);
    if (!ok)
        return err_set(ei, ERR_SOFTWARE, "unsubscribe token: HMAC failed");
    digest_hex(mac, mlen, out);
    return 0;
}

struct vals {
    char *email;
    char tok[HEX_LEN + 1];
};

static const char *lookup(void *ctx, const char *name)
{
    struct vals *v = ctx;

    return strcmp(name, "email") == 0 ? v->email
           : strcmp(name, "token") == 0 ? v->tok : NULL;
}

static char *percent_encode(const char *s)
{
    struct strbuf sb;
    char *out;

    sb_init(&sb, 0);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            sb_addch(&sb, (char)c);
        else
            sb_addf(&sb, "%%%02X", c);
    }
    out = sb_detach(&sb, NULL);
    sb_release(&sb); /* sb_detach() left a fresh buffer */
    return out;
}

int unsub_url_render(const char *url, const char *email,
                     const unsigned char *key, char **out,
                     struct errinfo *ei)
{
    struct vals v = { NULL, "" };
    bool needs_key;
    int ret = -1;

    if (unsub_url_check(url, &needs_key, ei) < 0)
        return -1;
    if (needs_key && !key)
        return err_set(ei, ERR_CONFIG, "unsubscribe.url uses {{token}}, "
                       "which needs the key file");
    if (needs_key && token(key, email, v.tok, ei) < 0)
        return -1;
    v.email = percent_encode(email);
    ret = template_render(url, true, lookup, &v, out, ei);
    free(v.email);
    return ret;
}
