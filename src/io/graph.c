/*
 * graph.c - Microsoft Graph sendMail requests.  See graph.h.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "clock.h"
#include "https.h"
#include "jsonq.h"
#include "util.h"

#include "banned.h"

struct graph_req {
    CURL *h;
    struct curl_slist *hdr;
    char *auth;             /* "Authorization: Bearer ..." (secret) */
    char *body;             /* base64 of the MIME text */
    size_t body_len;
    char *url;
    struct https_resp r;
};

struct graph_req *graph_req_new(const struct config *cfg, const char *mailbox,
                                const char *mime, size_t len,
                                const char *token)
{
    struct graph_req *q = xcalloc(1, sizeof(*q));
    char *user;
    size_t base_len = strlen(cfg->graph.base_url);

    q->h = curl_easy_init();
    if (!q->h)
        abort();   /* only when out of memory: as xmalloc */
    while (base_len && cfg->graph.base_url[base_len - 1] == '/')
        base_len--;
    user = curl_easy_escape(q->h, mailbox, 0);
    q->url = xasprintf("%.*s/users/%s/sendMail", (int)base_len,
                       cfg->graph.base_url, user ? user : "");
    curl_free(user);
    /* message.c bounds messages at MESSAGE_MAX, far below Graph's 4 MB. */
    q->body = xmalloc(4 * ((len + 2) / 3) + 1);
    q->body_len = (size_t)EVP_EncodeBlock((unsigned char *)q->body,
                                          (const unsigned char *)mime,
                                          (int)len);
    q->auth = xasprintf("Authorization: Bearer %s", token);
    q->hdr = curl_slist_append(NULL, q->auth);
    q->hdr = curl_slist_append(q->hdr, "Content-Type: text/plain");
    q->hdr = curl_slist_append(q->hdr, "Accept: application/json");
    https_setup(q->h, cfg, q->url, &q->r);
    curl_easy_setopt(q->h, CURLOPT_HTTPHEADER, q->hdr);
    curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body);
    curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)q->body_len);
    curl_easy_setopt(q->h, CURLOPT_PRIVATE, q);
    return q;
}

CURL *graph_req_handle(struct graph_req *q)
{
    return q->h;
}

/* {"error":{"code":"ErrorInvalidRecipients","message":"..."}} */
static void error_text(const struct https_resp *r, long status,
                       struct smtp_reply *rep)
{
    static const char *const paths[] = { "$.error.code", "$.error.message" };
    enum jsonq_type ty[2];
    char *v[2];

    if (jsonq_get(r->body.buf, r->body.len, paths, 2, ty, v) && v[0])
        snprintf(rep->text, sizeof(rep->text), "%s: %s", v[0],
                 v[1] ? v[1] : "");
    else
        snprintf(rep->text, sizeof(rep->text), "HTTP %ld without a Graph "
                 "error in the answer", status);
    free(v[0]);
    free(v[1]);
    sanitize(rep->text);
}

int graph_req_result(struct graph_req *q, CURLcode rc,
                     struct smtp_reply *reply)
{
    long status = 0;

    if (https_result(q->h, rc, &q->r, STAGE_HTTP, &status, reply) < 0) {
        reply->oauth = true;
        reply->graph = true;
        return 1;
    }
    memset(reply, 0, sizeof(*reply));
    reply->stage = STAGE_HTTP;
    reply->oauth = true;
    reply->graph = true;
    reply->code = (int)status;
    if (status == 202) {
        snprintf(reply->text, sizeof(reply->text), "Accepted");
        return 0;
    }
    error_text(&q->r, status, reply);
    reply->retry_after = https_retry_after(q->r.retry_after, clock_now());
    return 1;
}

void graph_req_free(struct graph_req *q)
{
    if (!q)
        return;
    if (q->h)
        curl_easy_cleanup(q->h);
    curl_slist_free_all(q->hdr);
    if (q->auth) {
        secure_wipe(q->auth, strlen(q->auth));
        free(q->auth);
    }
    free(q->body);
    free(q->url);
    https_resp_release(&q->r);
    free(q);
}

int graph_probe(const struct config *cfg, struct smtp_reply *reply)
{
    struct https_resp r;
    long status = 0;
    CURL *h = curl_easy_init();
    CURLcode rc;
    int ret;

    if (!h)
        abort();   /* only when out of memory: as xmalloc */
    https_setup(h, cfg, cfg->graph.base_url, &r);
    /* Connect and finish the TLS handshake, then stop: no request. */
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    rc = curl_easy_perform(h);
    memset(reply, 0, sizeof(*reply));
    ret = https_result(h, rc, &r, STAGE_HTTP, &status, reply) < 0 ? 1 : 0;
    reply->oauth = true;
    reply->graph = true;
    if (ret == 0) {
        reply->stage = STAGE_HTTP;
        snprintf(reply->text, sizeof(reply->text), "TLS connection to %s "
                 "established", cfg->graph.base_url);
    }
    curl_easy_cleanup(h);
    https_resp_release(&r);
    return ret;
}
