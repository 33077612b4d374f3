/*
 * oauth.c - client-credentials tokens, cached.  See oauth.h.
 *
 * Lookup order for a scope: the in-memory entry, then oauth_tokens in the
 * database (decrypted with the key file), then the token endpoint.  The
 * cache's lock is held across a fetch on purpose: ten mailboxes starting
 * together make one request, not ten.
 */
#include "oauth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "clock.h"
#include "crashpoint.h"
#include "https.h"
#include "jsonq.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include "banned.h"

#define MAX_SCOPES 4
/* Longest access token accepted (Entra's are 1-3 KiB). */
#define TOKEN_MAX 16384

struct entry {
    char *scope;
    char *token;               /* secret */
    int64_t expires_ms;
    int64_t lifetime_ms;
    bool fetched;              /* from the endpoint, not the database */
};

struct oauth_cache {
    const struct config *cfg;
    struct db *db;
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
    pthread_mutex_t mu;
    char *secret;              /* the client secret, once read */
    struct entry e[MAX_SCOPES];
    size_t n;
};

struct oauth_cache *oauth_cache_new(const struct config *cfg, struct db *db,
                                    const unsigned char *key)
{
    struct oauth_cache *c = xcalloc(1, sizeof(*c));

    c->cfg = cfg;
    c->db = db;
    if (key) {
        memcpy(c->key, key, SECRET_KEY_LEN);
        c->have_key = true;
    }
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void oauth_cache_free(struct oauth_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].scope);
        secret_free(c->e[i].token);
    }
    secret_free(c->secret);
    secure_wipe(c->key, sizeof(c->key));
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int read_secret(struct oauth_cache *c, struct errinfo *ei)
{
    const struct config_oauth *o = &c->cfg->oauth;
    struct errinfo sei = { ERR_OK, "" };
    char *s = NULL;

    if (str_blank(o->tenant_id))
        return err_set(ei, ERR_CONFIG, "oauth.tenant_id is not set: put the "
                       "Directory (tenant) ID of the app registration in "
                       "the config");
    if (str_blank(o->client_id))
        return err_set(ei, ERR_CONFIG, "oauth.client_id is not set: put the "
                       "Application (client) ID of the app registration in "
                       "the config");
    if (o->client_secret_cmd) {
        if (secret_from_cmd(o->client_secret_cmd,
                            c->cfg->secret_cmd_timeout_seconds, &s, &sei) < 0)
            return err_set(ei, ERR_CONFIG, "client secret (oauth."
                           "client_secret_cmd): %s", sei.msg);
    } else if (o->client_secret_env) {
        if (secret_from_env(o->client_secret_env, &s, &sei) < 0)
            return err_set(ei, ERR_CONFIG, "client secret (oauth."
                           "client_secret_env): %s", sei.msg);
    } else {
        return err_set(ei, ERR_CONFIG, "no client secret: set "
                       "oauth.client_secret_env or oauth.client_secret_cmd");
    }
    if (strpbrk(s, "\r\n")) {
        secret_free(s);
        return err_set(ei, ERR_CONFIG, "the client secret contains a line "
                       "break");
    }
    c->secret = s;
    return 0;
}

int oauth_cache_ready(struct oauth_cache *c, struct errinfo *ei)
{
    int rc = 0;

    pthread_mutex_lock(&c->mu);
    if (!c->secret)
        rc = read_secret(c, ei);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* Refresh once less than 5 minutes, or a tenth of the lifetime, remain. */
static bool still_good(const struct entry *e, int64_t now_ms)
{
    int64_t margin = e->lifetime_ms / 10;

    if (margin > 300000)
        margin = 300000;
    return e->token && now_ms < e->expires_ms - margin;
}

static struct entry *entry_for(struct oauth_cache *c, const char *scope)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].scope, scope) == 0)
            return &c->e[i];
    if (c->n == MAX_SCOPES)
        return NULL;
    c->e[c->n].scope = xstrdup(scope);
    return &c->e[c->n++];
}

static char *aad_for(const struct oauth_cache *c, const char *scope)
{
    return xasprintf("oauth\n%s\n%s\n%s", c->cfg->oauth.tenant_id,
                     c->cfg->oauth.client_id, scope);
}

/* ---- the database copy --------------------------------------------------- */

static void db_load(struct oauth_cache *c, struct entry *e)
{
    struct errinfo ei = { ERR_OK, "" };
    char *sealed, *exp_iso, *at_iso, *aad, *plain = NULL;
    int64_t exp = 0, fetched = 0;
    int found;

    if (!c->db || !c->have_key)
        return;
    found = store_token_get(c->db, c->cfg->oauth.tenant_id,
                            c->cfg->oauth.client_id, e->scope, &sealed,
                            &exp_iso, &at_iso, &ei);
    if (found < 0)
        log_debug("oauth: %s", ei.msg);
    if (found > 0 && time_parse_iso(exp_iso, &exp) == 0 &&
        time_parse_iso(at_iso, &fetched) == 0) {
        aad = aad_for(c, e->scope);
        if (secret_decrypt(c->key, sealed, aad, &plain, NULL, &ei) == 0) {
            secret_free(e->token);
            e->token = plain;
            e->expires_ms = exp * 1000;
            e->lifetime_ms = (exp - fetched) * 1000;
            e->fetched = false;
        } else {
            log_info("oauth: stored token unusable (%s): asking for a new "
                     "one", ei.msg);
        }
        free(aad);
    }
    free(sealed);
    free(exp_iso);
    free(at_iso);
}

static void db_store(struct oauth_cache *c, const struct entry *e,
                     int64_t fetched)
{
    struct errinfo ei = { ERR_OK, "" };
    char *aad, *text = NULL, exp[ISO_TIME_LEN], at[ISO_TIME_LEN];

    if (!c->db || !c->have_key)
        return;
    aad = aad_for(c, e->scope);
    if (secret_encrypt(c->key, e->token, strlen(e->token), aad, &text,
                       &ei) < 0) {
        log_warnx("oauth: cannot encrypt the token for the cache: %s",
                  ei.msg);
        free(aad);
        return;
    }
    free(aad);
    time_iso(e->expires_ms / 1000, exp);
    time_iso(fetched, at);
    if (store_token_put(c->db, c->cfg->oauth.tenant_id,
                        c->cfg->oauth.client_id, e->scope, text, exp, at,
                        &ei) < 0)
        log_warnx("oauth: %s (the next run asks again)", ei.msg);
    free(text);
}

/* ---- the token endpoint -------------------------------------------------- */

/* oauth.token_url with {tenant} replaced (the tenant URL-escaped). */
static char *token_url(CURL *h, const struct config_oauth *o)
{
    const char *at = strstr(o->token_url, "{tenant}");
    char *t, *url;

    if (!at)
        return xstrdup(o->token_url);
    t = curl_easy_escape(h, o->tenant_id, 0);
    url = xasprintf("%.*s%s%s", (int)(at - o->token_url), o->token_url,
                    t ? t : "", at + strlen("{tenant}"));
    curl_free(t);
    return url;
}

static void add_field(CURL *h, struct strbuf *sb, const char *name,
                      const char *value)
{
    char *v = curl_easy_escape(h, value, 0);

    if (sb->len)
        sb_addch(sb, '&');
    sb_adds(sb, name);
    sb_addch(sb, '=');
    if (v) {
        sb_adds(sb, v);
        secure_wipe(v, strlen(v));
        curl_free(v);
    }
}

/* Entra's "error_description" runs on with trace and correlation ids
 * after a line break: keep the first line. */
static void error_text(const char *body, size_t len, long status,
                       struct smtp_reply *rep)
{
    static const char *const paths[] = { "$.error", "$.error_description" };
    enum jsonq_type ty[2];
    char *v[2];

    if (jsonq_get(body, len, paths, 2, ty, v) && v[0]) {
        char *desc = v[1] ? v[1] : xstrdup("");
        desc[strcspn(desc, "\r\n")] = '\0';
        snprintf(rep->text, sizeof(rep->text), "%s: %s", v[0], desc);
        free(desc);
    } else {
        free(v[1]);
        snprintf(rep->text, sizeof(rep->text), "HTTP %ld from the token "
                 "endpoint (no OAuth error in the answer)", status);
    }
    free(v[0]);
    sanitize(rep->text);
}

/* Builds the client-credentials form and POSTs it; returns libcurl's
 * code.  form, *hdr and r are the caller's to release. */
static CURLcode post_request(struct oauth_cache *c, struct entry *e, CURL *h,
                             const char *url, struct strbuf *form,
                             struct curl_slist **hdr, struct https_resp *r)
{
    const struct config_oauth *o = &c->cfg->oauth;
    CURLcode rc;

    add_field(h, form, "grant_type", "client_credentials");
    add_field(h, form, "client_id", o->client_id);
    add_field(h, form, "client_secret", c->secret);
    add_field(h, form, "scope", e->scope);
    https_setup(h, c->cfg, url, r);
    *hdr = curl_slist_append(*hdr, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form->buf);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form->len);
    log_info("oauth: asking %s for a token (tenant %s, scope %s)", url,
             o->tenant_id, e->scope);
    crash_point("token.request");
    rc = curl_easy_perform(h);
    crash_point("token.received");
    return rc;
}

/* A 200 answer: its access token and lifetime go into e and the cache. */
static int take_token(struct oauth_cache *c, struct entry *e,
                      const char *body, size_t len, int64_t now,
                      struct smtp_reply *rep)
{
    static const char *const paths[] = { "$.access_token", "$.expires_in" };
    enum jsonq_type ty[2];
    char *v[2] = { NULL, NULL };
    long long expires_in = 0;
    int ret = -1;

    jsonq_get(body, len, paths, 2, ty, v);
    if (ty[0] != JSONQ_TEXT || !v[0] || !*v[0] ||
        strlen(v[0]) > TOKEN_MAX || strpbrk(v[0], " \t\r\n\"\\")) {
        snprintf(rep->text, sizeof(rep->text), "the token endpoint answered "
                 "200 without a usable access_token");
        goto out;
    }
    /* Entra v2 sends a number; v1 and some proxies a string. */
    if (!v[1] || parse_int(v[1], 1, 366LL * 86400, &expires_in) < 0) {
        snprintf(rep->text, sizeof(rep->text), "the token endpoint answered "
                 "200 without a usable expires_in");
        goto out;
    }
    secret_free(e->token);
    e->token = v[0];
    v[0] = NULL;
    e->lifetime_ms = expires_in * 1000;
    e->expires_ms = (now + expires_in) * 1000;
    e->fetched = true;
    log_info("oauth: got a token for scope %s, valid %llds", e->scope,
             expires_in);
    db_store(c, e, now);
    crash_point("token.stored");
    ret = 0;
out:
    secret_free(v[0]);
    free(v[1]);
    return ret;
}

static int fetch(struct oauth_cache *c, struct entry *e,
                 struct smtp_reply *rep)
{
    char *url = NULL;
    struct strbuf form;
    struct https_resp r;
    struct curl_slist *hdr = NULL;
    long status = 0;
    int64_t now;
    CURL *h;
    CURLcode rc;
    int ret = -1;

    memset(rep, 0, sizeof(*rep));
    rep->stage = STAGE_TOKEN;
    rep->oauth = true;
    h = curl_easy_init();
    if (!h) {
        snprintf(rep->text, sizeof(rep->text), "cannot create a libcurl "
                 "handle");
        return -1;
    }
    url = token_url(h, &c->cfg->oauth);
    sb_init(&form, 0);
    rc = post_request(c, e, h, url, &form, &hdr, &r);
    now = clock_now();
    if (https_result(h, rc, &r, STAGE_TOKEN, &status, rep) < 0) {
        /* The text is libcurl's; say where it was going. */
        char msg[SMTP_TEXT_MAX];
        snprintf(msg, sizeof(msg), "token endpoint unreachable: %.470s",
                 rep->text);
        snprintf(rep->text, sizeof(rep->text), "%s", msg);
        rep->oauth = true;
        goto out;
    }
    rep->code = (int)status;
    if (status != 200)
        error_text(r.body.buf, r.body.len, status, rep);
    else
        ret = take_token(c, e, r.body.buf, r.body.len, now, rep);
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    https_resp_release(&r);
    secure_wipe(form.buf, form.len);
    sb_release(&form);
    free(url);
    return ret;
}

int oauth_token(struct oauth_cache *c, const char *scope, bool refetch,
                char **out, bool *fetched, struct smtp_reply *reply)
{
    struct errinfo ei = { ERR_OK, "" };
    struct entry *e;
    int64_t now;
    int ret = -1;

    if (fetched)
        *fetched = false;
    pthread_mutex_lock(&c->mu);
    memset(reply, 0, sizeof(*reply));
    reply->stage = STAGE_TOKEN;
    reply->oauth = true;
    if (!c->secret && read_secret(c, &ei) < 0) {
        snprintf(reply->text, sizeof(reply->text), "%s", ei.msg);
        goto out;
    }
    e = entry_for(c, scope);
    if (!e) {
        snprintf(reply->text, sizeof(reply->text), "too many OAuth scopes");
        goto out;
    }
    now = clock_now_ms();
    if (!refetch && !still_good(e, now))
        db_load(c, e);
    if (refetch || !still_good(e, now)) {
        if (fetch(c, e, reply) < 0)
            goto out;
    }
    if (fetched)
        *fetched = e->fetched;
    *out = xstrdup(e->token);
    ret = 0;
out:
    pthread_mutex_unlock(&c->mu);
    return ret;
}

/* ---- what a token says --------------------------------------------------- */

/* base64url (no padding) -> bytes, NUL-terminated; NULL when invalid. */
static char *b64url_decode(const char *s, size_t n, size_t *outlen)
{
    size_t padded = (n + 3) / 4 * 4;
    unsigned char *in, *out;
    int dec;

    if (n % 4 == 1 || n > TOKEN_MAX)
        return NULL;
    in = xmalloc(padded + 1);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        else if (ch == '+' || ch == '/' || ch == '=')
            ch = '!';   /* not base64url: make the decoder refuse it */
        in[i] = (unsigned char)ch;
    }
    for (size_t i = n; i < padded; i++)
        in[i] = '=';
    out = xmalloc(padded / 4 * 3 + 1);
    dec = EVP_DecodeBlock(out, in, (int)padded);
    free(in);
    if (dec < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    dec -= (int)(padded - n);
    out[dec] = '\0';
    *outlen = (size_t)dec;
    return (char *)out;
}

int oauth_token_has_role(const char *token, const char *role)
{
    const char *p1 = strchr(token, '.'), *p2;
    char *payload;
    size_t len;
    int has;

    if (!p1)
        return -1;
    p2 = strchr(p1 + 1, '.');
    if (!p2)
        return -1;
    payload = b64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), &len);
    if (!payload)
        return -1;
    if (!jsonq_valid(payload, len)) {
        free(payload);
        return -1;
    }
    has = jsonq_array_has(payload, len, "$.roles", role) ? 1 : 0;
    free(payload);
    return has;
}
