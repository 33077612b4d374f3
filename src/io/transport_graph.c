/*
 * transport_graph.c - the Graph transport (see transport.h): up to
 * GRAPH_INFLIGHT sendMail requests at once on one curl multi handle.
 */
#include "transport.h"

#include <stdlib.h>

#include "graph.h"
#include "log.h"
#include "util.h"

#include "banned.h"

#define GRAPH_INFLIGHT 4

struct graph_transport {
    struct transport base;
    const struct config *cfg;
    char *mailbox;
    CURLM *mh;
    struct graph_req *q[GRAPH_INFLIGHT];       /* NULL: a free slot */
    struct transport_msg *m[GRAPH_INFLIGHT];
    bool performed;       /* since the last wait: reap reads replies */
};

static void graph_t_send(struct transport *t, struct transport_msg *m)
{
    struct graph_transport *g = (struct graph_transport *)t;
    size_t slot = 0;

    while (slot + 1 < GRAPH_INFLIGHT && g->q[slot])
        slot++;
    g->q[slot] = graph_req_new(g->cfg, g->mailbox, m->text, m->len,
                               m->token);
    g->m[slot] = m;
    curl_multi_add_handle(g->mh, graph_req_handle(g->q[slot]));
}

/* The slot of the finished transfer `done`, or GRAPH_INFLIGHT. */
static size_t slot_of(const struct graph_transport *g, CURL *done)
{
    size_t slot;

    for (slot = 0; slot < GRAPH_INFLIGHT; slot++)
        if (g->q[slot] && graph_req_handle(g->q[slot]) == done)
            break;
    return slot;
}

static struct transport_msg *graph_t_reap(struct transport *t)
{
    struct graph_transport *g = (struct graph_transport *)t;
    struct transport_msg *m;
    CURLMsg *msg;
    CURL *done;
    CURLcode result;
    int running, left;
    size_t slot;

    for (;;) {
        msg = curl_multi_info_read(g->mh, &left);
        if (!msg) {
            if (g->performed)
                return NULL;
            curl_multi_perform(g->mh, &running);
            g->performed = true;
            continue;
        }
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* msg dies with curl_multi_remove_handle: copy it first. */
        done = msg->easy_handle;
        result = msg->data.result;
        slot = slot_of(g, done);
        if (slot == GRAPH_INFLIGHT)
            continue;
        curl_multi_remove_handle(g->mh, done);
        m = g->m[slot];
        graph_req_result(g->q[slot], result, m->reply);
        graph_req_free(g->q[slot]);
        g->q[slot] = NULL;
        g->m[slot] = NULL;
        return m;
    }
}

static void graph_t_wait(struct transport *t, int ms)
{
    struct graph_transport *g = (struct graph_transport *)t;

    curl_multi_poll(g->mh, NULL, 0, ms, NULL);
    g->performed = false;
}

static void graph_t_close(struct transport *t)
{
    struct graph_transport *g = (struct graph_transport *)t;

    if (!g)
        return;
    for (size_t i = 0; i < GRAPH_INFLIGHT; i++) {
        if (g->q[i]) {
            curl_multi_remove_handle(g->mh, graph_req_handle(g->q[i]));
            graph_req_free(g->q[i]);
        }
    }
    curl_multi_cleanup(g->mh);
    free(g->mailbox);
    free(g);
}

static const struct transport_ops graph_ops = {
    "graph", GRAPH_INFLIGHT, graph_t_send, graph_t_reap, graph_t_wait,
    graph_t_close, bounce_classify,
};

int transport_graph_open(const struct config *cfg, const char *mailbox,
                         struct transport **t, struct errinfo *ei)
{
    struct graph_transport *g;
    CURLM *mh = curl_multi_init();

    (void)ei;
    if (!mh) {
        log_error("mailbox %s: cannot create a libcurl multi handle",
                  mailbox);
        abort();
    }
    g = xcalloc(1, sizeof(*g));
    g->base.ops = &graph_ops;
    g->cfg = cfg;
    g->mailbox = xstrdup(mailbox);
    g->mh = mh;
    *t = &g->base;
    return 0;
}
