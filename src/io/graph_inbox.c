/*
 * graph_inbox.c - the inbox reader over Microsoft Graph.  See graph_inbox.h.
 */
#include "graph_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "clock.h"
#include "https.h"
#include "jsonq.h"
#include "stop.h"
#include "util.h"

#include "banned.h"

/* Messages asked for per page ($top). */
#define PAGE 100

struct graph_inbox {
    const struct config *cfg;
    CURL *h;
    struct curl_slist *hdr;
    char *auth;                /* "Authorization: Bearer ..." (secret) */
    char *base;                /* {base_url}/users/{email} */
    char *origin;              /* {base_url}/: where nextLinks may lead */
    int waited;                /* seconds waited for Retry-After so far */
};

struct graph_inbox *graph_inbox_new(const struct config *cfg,
                                    const char *mailbox, const char *token)
{
    struct graph_inbox *g = xcalloc(1, sizeof(*g));
    size_t n = strlen(cfg->graph.base_url);
    char *user;

    g->cfg = cfg;
    g->h = curl_easy_init();
    if (!g->h)
        abort();   /* only when out of memory: as xmalloc */
    while (n && cfg->graph.base_url[n - 1] == '/')
        n--;
    user = curl_easy_escape(g->h, mailbox, 0);
    g->base = xasprintf("%.*s/users/%s", (int)n, cfg->graph.base_url,
                        user ? user : "");
    curl_free(user);
    g->origin = xasprintf("%.*s/", (int)n, cfg->graph.base_url);
    g->auth = xasprintf("Authorization: Bearer %s", token);
    g->hdr = curl_slist_append(NULL, g->auth);
    g->hdr = curl_slist_append(g->hdr, "Accept: application/json");
    return g;
}

void graph_inbox_free(struct graph_inbox *g)
{
    if (!g)
        return;
    curl_easy_cleanup(g->h);
    curl_slist_free_all(g->hdr);
    secure_wipe(g->auth, strlen(g->auth));
    free(g->auth);
    free(g->base);
    free(g->origin);
    free(g);
}

/* {"error":{"code":"ErrorAccessDenied","message":"..."}} into e. */
static void error_of(const char *body, size_t len, long status,
                     struct graph_inbox_error *e)
{
    static const char *const paths[] = { "$.error.code", "$.error.message" };
    enum jsonq_type ty[2];
    char *v[2];

    e->status = status;
    if (jsonq_get(body, len, paths, 2, ty, v) && v[0]) {
        snprintf(e->code, sizeof(e->code), "%s", v[0]);
        snprintf(e->text, sizeof(e->text), "HTTP %ld %s: %s", status, v[0],
                 v[1] ? v[1] : "");
    } else {
        snprintf(e->text, sizeof(e->text), "HTTP %ld without a Graph error "
                 "in the answer", status);
    }
    free(v[0]);
    free(v[1]);
    sanitize(e->code);
    sanitize(e->text);
}

/* A $value body: up to *cap bytes kept, the rest read and dropped. */
struct mime_sink {
    struct strbuf sb;
    size_t cap;
    bool truncated;
};

static size_t mime_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct mime_sink *s = ud;
    size_t n = size * nitems, room = s->cap - s->sb.len;

    if (n > room)
        s->truncated = true;
    if (room)
        sb_add(&s->sb, buf, n < room ? n : room);
    return n;
}

/*
 * GET url; 429 and 503 are tried again after Retry-After (1 s when not
 * said) while the mailbox's total wait stays within GRAPH_INBOX_MAX_WAIT.
 * 0 on 200 (r->body, or sink when not NULL, holds the answer); else -1.
 */
static int get(struct graph_inbox *g, const char *url, struct https_resp *r,
               struct mime_sink *sink, struct graph_inbox_error *e)
{
    for (;;) {
        struct smtp_reply rep;
        long status = 0;
        CURLcode rc;
        int wait;

        https_setup(g->h, g->cfg, url, r);
        curl_easy_setopt(g->h, CURLOPT_HTTPHEADER, g->hdr);
        if (sink) {
            sb_reset(&sink->sb);
            sink->truncated = false;
            curl_easy_setopt(g->h, CURLOPT_WRITEFUNCTION, mime_cb);
            curl_easy_setopt(g->h, CURLOPT_WRITEDATA, sink);
        }
        rc = curl_easy_perform(g->h);
        memset(e, 0, sizeof(*e));
        if (https_result(g->h, rc, r, STAGE_HTTP, &status, &rep) < 0) {
            snprintf(e->text, sizeof(e->text), "%s", rep.text);
            return -1;
        }
        if (status == 200)
            return 0;
        /* A $value's error body went to the sink. */
        if (sink)
            error_of(sink->sb.buf, sink->sb.len, status, e);
        else
            error_of(r->body.buf, r->body.len, status, e);
        if (status != 429 && status != 503)
            return -1;
        wait = https_retry_after(r->retry_after, clock_now());
        if (wait < 1)
            wait = 1;
        if (g->waited + wait > GRAPH_INBOX_MAX_WAIT)
            return -1;
        g->waited += wait;
        https_resp_release(r);
        if (stop_sleep_ms((int64_t)wait * 1000))
            return -1;
    }
}

/* "2026-11-20T16:00:00.123Z" -> "2026-11-20T16:00:00Z" and its time. */
static int received_of(const char *s, struct graph_item *it)
{
    if (strlen(s) < 19)
        return -1;
    snprintf(it->received, sizeof(it->received), "%.19sZ", s);
    return time_parse_iso(it->received, &it->received_t);
}

/* Appends the items of one page; *next: its @odata.nextLink or NULL. */
static int page_items(const struct strbuf *body, struct graph_item **out,
                      size_t *n, size_t cap, char **next,
                      struct graph_inbox_error *e)
{
    const char *paths[1 + 2 * PAGE];
    char pbuf[2 * PAGE][40];
    enum jsonq_type ty[1 + 2 * PAGE];
    char *v[1 + 2 * PAGE];
    int ret = 0;

    paths[0] = "$.\"@odata.nextLink\"";
    for (size_t i = 0; i < PAGE; i++) {
        snprintf(pbuf[2 * i], sizeof(pbuf[0]), "$.value[%zu].id", i);
        snprintf(pbuf[2 * i + 1], sizeof(pbuf[0]),
                 "$.value[%zu].receivedDateTime", i);
        paths[1 + 2 * i] = pbuf[2 * i];
        paths[2 + 2 * i] = pbuf[2 * i + 1];
    }
    if (!jsonq_get(body->buf, body->len, paths, 1 + 2 * PAGE, ty, v)) {
        snprintf(e->text, sizeof(e->text), "the message list is not JSON");
        return -1;
    }
    *next = v[0];
    for (size_t i = 0; i < PAGE && v[1 + 2 * i] && ret == 0; i++) {
        struct graph_item it;

        memset(&it, 0, sizeof(it));
        if (strlen(v[1 + 2 * i]) >= sizeof(it.id) || !v[2 + 2 * i] ||
            received_of(v[2 + 2 * i], &it) < 0) {
            snprintf(e->text, sizeof(e->text), "message %zu of the list has "
                     "no usable id or receivedDateTime", *n + 1);
            ret = -1;
        } else if (*n < cap) {
            snprintf(it.id, sizeof(it.id), "%s", v[1 + 2 * i]);
            *out = xrealloc(*out, (*n + 1) * sizeof(**out));
            (*out)[(*n)++] = it;
        }
    }
    for (size_t i = 1; i < 1 + 2 * PAGE; i++)
        free(v[i]);
    return ret;
}

int graph_inbox_list(struct graph_inbox *g, const char *since_iso, size_t cap,
                     struct graph_item **out, size_t *n,
                     struct graph_inbox_error *e)
{
    char *url = xasprintf("%s/mailFolders/inbox/messages?%%24select=id,"
                          "receivedDateTime,internetMessageId&%%24orderby="
                          "receivedDateTime%%20asc&%%24filter="
                          "receivedDateTime%%20ge%%20%s&%%24top=%d",
                          g->base, since_iso, PAGE);
    int ret = 0;

    *out = NULL;
    *n = 0;
    while (url && ret == 0 && *n < cap) {
        struct https_resp r;
        char *next = NULL;

        if (get(g, url, &r, NULL, e) < 0 ||
            page_items(&r.body, out, n, cap, &next, e) < 0)
            ret = -1;
        https_resp_release(&r);
        free(url);
        url = next;
        /* The token goes nowhere but under graph.base_url (Graph may
         * spell the user differently: '@' not escaped, or its id). */
        if (url && strncmp(url, g->origin, strlen(g->origin)) != 0) {
            snprintf(e->text, sizeof(e->text), "@odata.nextLink leaves "
                     "graph.base_url: not followed");
            ret = -1;
        }
    }
    free(url);
    if (ret < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return ret;
}

int graph_inbox_fetch(struct graph_inbox *g, const struct graph_item *it,
                      size_t max, char **raw, size_t *len, bool *truncated,
                      struct graph_inbox_error *e)
{
    struct mime_sink s;
    struct https_resp r;
    char *id = curl_easy_escape(g->h, it->id, 0);
    char *url = xasprintf("%s/messages/%s/%%24value", g->base, id ? id : "");
    int ret;

    curl_free(id);
    sb_init(&s.sb, 0);
    s.cap = max;
    s.truncated = false;
    ret = get(g, url, &r, &s, e);
    https_resp_release(&r);
    free(url);
    if (ret < 0) {
        sb_release(&s.sb);
        return -1;
    }
    *truncated = s.truncated;
    *raw = sb_detach(&s.sb, len);
    sb_release(&s.sb);   /* sb_detach leaves a fresh buffer behind */
    return 0;
}

const char *graph_inbox_fix(const struct graph_inbox_error *e)
{
    if (e->status == 401)
        return "the token was refused: check oauth.tenant_id, "
               "oauth.client_id and graph.scope";
    if (e->status == 403 && strstr(e->text, "AccessPolicy"))
        return "the mailbox is not covered by the app's application access "
               "policy: add it to the policy's group "
               "(Test-ApplicationAccessPolicy -Identity EMAIL -AppId ID)";
    if (e->status == 403)
        return "the app needs the Mail.Read application permission (admin "
               "consent), scoped to the sender mailboxes with an application "
               "access policy (New-ApplicationAccessPolicy -AccessRight "
               "RestrictAccess)";
    if (e->status == 404)
        return "Graph knows no such mailbox: check its address";
    if (e->status == 429 || e->status == 503)
        return "Graph kept asking to wait: the rest is read next time";
    return "";
}
