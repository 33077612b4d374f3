/*
 * mailbox_test_inbound.c - the inbound half of `mailbox test`.  See
 * mailbox_test_inbound.h.
 */
#include "mailbox_test_inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "creds.h"
#include "graph_inbox.h"
#include "imap.h"
#include "secret.h"
#include "smtp.h"
#include "store_inbound.h"
#include "util.h"

#include "banned.h"

static void failed(struct inbound_check *c, const char *step,
                   const char *reply, const char *fix)
{
    c->ok = false;
    snprintf(c->step, sizeof(c->step), "%s", step);
    snprintf(c->reply, sizeof(c->reply), "%s", reply);
    snprintf(c->fix, sizeof(c->fix), "%s", fix);
}

/* A token for scope into *tok; false (c filled) when there is none. */
static bool token(struct oauth_cache *oauth, const char *scope, char **tok,
                  struct inbound_check *c)
{
    struct smtp_reply rep;
    struct errinfo ei;

    memset(&ei, 0, sizeof(ei));
    if (oauth_cache_ready(oauth, &ei) < 0) {
        failed(c, "token", ei.msg, "set the oauth.* keys the message names");
        return false;
    }
    if (oauth_token(oauth, scope, false, tok, NULL, &rep) < 0) {
        failed(c, "token", rep.text, "check oauth.tenant_id, "
               "oauth.client_id and the client secret (see the send "
               "side's diagnosis)");
        return false;
    }
    return true;
}

static void test_imap(struct app *app, struct oauth_cache *oauth,
                      const unsigned char *key,
                      const struct store_inbound_mailbox *m,
                      struct inbound_check *c)
{
    const struct config *cfg = &app->cfg;
    struct imap_opts o;
    struct imap_conn *conn = NULL;
    struct imap_folder f;
    struct imap_error e;
    struct errinfo ei;
    char *secret = NULL;

    memset(&ei, 0, sizeof(ei));
    if (m->xoauth2) {
        if (!token(oauth, cfg->oauth.scope, &secret, c))
            return;
    } else if (!(secret = creds_password(&m->mb, key,
                                         cfg->secret_cmd_timeout_seconds,
                                         &ei))) {
        failed(c, "password", ei.msg, "");
        return;
    }
    imap_opts_from_config(&o, cfg, m->mb.email, m->xoauth2, secret);
    if (imap_open(&o, &conn, &f, &e, &ei) < 0) {
        failed(c, e.auth ? "login" : "connect", e.text, "");
        imap_fix(&e, m->xoauth2, o.host, m->mb.email, c->fix,
                 sizeof(c->fix));
    } else {
        c->ok = true;
        snprintf(c->reply, sizeof(c->reply), "EXAMINE %s on %s:%d: "
                 "UIDVALIDITY %lld, read-only", o.folder, o.host, o.port,
                 f.uidvalidity);
    }
    imap_close(conn);
    secret_free(secret);
}

static void test_graph(struct app *app, struct oauth_cache *oauth,
                       const struct store_inbound_mailbox *m,
                       struct inbound_check *c)
{
    struct graph_inbox_error e;
    struct graph_item *items = NULL;
    struct graph_inbox *g;
    char now[21], *tok = NULL;
    size_t n = 0;

    if (!token(oauth, app->cfg.graph.scope, &tok, c))
        return;
    g = graph_inbox_new(&app->cfg, m->mb.email, tok);
    secret_free(tok);
    /* From now on: the list, its permission, and no message. */
    time_iso(clock_now(), now);
    if (graph_inbox_list(g, now, 1, &items, &n, &e) < 0) {
        failed(c, "graph", e.text, graph_inbox_fix(&e));
    } else {
        c->ok = true;
        snprintf(c->reply, sizeof(c->reply), "Graph read of the inbox: "
                 "HTTP 200");
    }
    free(items);
    graph_inbox_free(g);
}

int mailbox_test_inbound(struct app *app, struct db *db,
                         struct oauth_cache *oauth, const unsigned char *key,
                         const char *email, struct inbound_check *out,
                         struct errinfo *ei)
{
    struct store_inbound_mailbox *v = NULL;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    /* As `run`: only a config with an inbound: section (README). */
    if (!app->cfg.inbound.enabled || !app->cfg.inbound.configured)
        return 0;
    if (store_inbound_mailboxes(db, email, &v, &n, ei) < 0)
        return -1;
    if (n == 1 && strcmp(v[0].reader, "none") != 0) {
        out->tested = true;
        snprintf(out->reader, sizeof(out->reader), "%s", v[0].reader);
        if (strcmp(v[0].reader, "graph") == 0)
            test_graph(app, oauth, &v[0], out);
        else
            test_imap(app, oauth, key, &v[0], out);
    }
    store_inbound_mailboxes_free(v, n);
    return 0;
}
