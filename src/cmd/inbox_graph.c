/*
 * inbox_graph.c - `inbox`'s pass over one mailbox through Microsoft Graph
 * (io/graph_inbox.c, GETs only): the inbox's messages received since the
 * cursor (or the lookback), each one's MIME handed to
 * inbox_read_message().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "graph_inbox.h"
#include "inbound_msg.h"
#include "inbox_int.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "util.h"

#include "banned.h"

/* The warning for a mailbox whose inbox Graph would not give. */
static void warn_graph(const struct store_inbound_mailbox *m,
                       const struct graph_inbox_error *e, const char *what)
{
    const char *fix = graph_inbox_fix(e);

    log_alert("inbox of %s: %s Graph: %s%s%s", m->mb.email, what, e->text,
              *fix ? " -- " : "", fix);
}

/* The Graph token (graph.scope) for m's reads.  NULL: warned. */
static char *graph_token(struct inbox *ib,
                         const struct store_inbound_mailbox *m)
{
    struct smtp_reply rep;
    struct errinfo ei;
    char *s = NULL;

    memset(&ei, 0, sizeof(ei));
    if (oauth_cache_ready(ib->oauth, &ei) < 0) {
        log_alert("inbox of %s: no token for Graph: %s", m->mb.email,
                  ei.msg);
        return NULL;
    }
    if (oauth_token(ib->oauth, ib->app->cfg.graph.scope, false, &s, NULL,
                    &rep) < 0) {
        log_alert("inbox of %s: no token for Graph: %.400s -- check "
                  "oauth.* and graph.scope in the config ('mailrota "
                  "mailbox test %s')", m->mb.email, rep.text, m->mb.email);
        return NULL;
    }
    return s;
}

/* Reads the listed Graph messages after the cursor's own; -1 only on a
 * database error (ei). */
static int read_graph_items(struct inbox *ib,
                            const struct store_inbound_mailbox *m,
                            struct graph_inbox *g,
                            const struct store_inbound_cursor *cur,
                            const struct graph_item *items, size_t n,
                            struct errinfo *ei)
{
    for (size_t i = 0; i < n; i++) {
        struct store_inbound_cursor nc = *cur;
        struct graph_inbox_error e;
        struct inbox_src src;
        char label[48];
        char *raw;
        size_t len;
        bool cut;
        int r;

        /* The filter is "ge": the cursor's message comes again. */
        if (strcmp(items[i].id, cur->graph_id) == 0)
            continue;
        if (graph_inbox_fetch(g, &items[i], MIME_MAX_BYTES, &raw, &len, &cut,
                              &e) < 0) {
            warn_graph(m, &e, "cannot read a message through");
            return 0;
        }
        snprintf(nc.graph_at, sizeof(nc.graph_at), "%s", items[i].received);
        snprintf(nc.graph_id, sizeof(nc.graph_id), "%s", items[i].id);
        snprintf(label, sizeof(label), "message of %s", items[i].received);
        src = (struct inbox_src){ items[i].id, label, items[i].received_t,
                                  &nc, cut ? inbox_oversize : NULL };
        r = inbox_read_message(ib, m, &src, raw, len, ei);
        free(raw);
        if (r < 0)
            return -1;
    }
    return 0;
}

int inbox_read_graph(struct inbox *ib,
                     const struct store_inbound_mailbox *m,
                     struct errinfo *ei)
{
    struct store_inbound_cursor cur;
    struct graph_inbox_error e;
    struct graph_item *items = NULL;
    struct graph_inbox *g;
    char since[ISO_TIME_LEN];
    size_t n = 0;
    char *token;
    int ret = 0;

    ib->n.tried++;
    if (store_inbound_cursor(ib->db, m->mb.id, &cur, ei) < 0)
        return -1;
    if (!(token = graph_token(ib, m))) {
        ib->n.failed++;
        return 0;
    }
    if (cur.graph_at[0])
        snprintf(since, sizeof(since), "%s", cur.graph_at);
    else
        time_iso(clock_now() -
                 (int64_t)ib->app->cfg.inbound.lookback_days * 86400, since);
    g = graph_inbox_new(&ib->app->cfg, m->mb.email, token);
    secret_free(token);
    if (graph_inbox_list(g, since, INBOX_MAX_PER_PASS, &items, &n, &e) < 0) {
        warn_graph(m, &e, "cannot list the messages through");
        ib->n.failed++;
    } else {
        ret = read_graph_items(ib, m, g, &cur, items, n, ei);
    }
    free(items);
    graph_inbox_free(g);
    return ret;
}

