/* transport_smtp.c - the SMTP transport (see transport.h). */
#include "transport.h"

#include <stdlib.h>

#include "util.h"

#include "banned.h"

struct smtp_transport {
    struct transport base;
    struct smtp_session *sess;
    struct transport_msg *done;   /* the message sent, until reaped */
};

/* Synchronous: the reply is in when smtp_send returns. */
static void smtp_t_send(struct transport *t, struct transport_msg *m)
{
    struct smtp_transport *s = (struct smtp_transport *)t;

    /* The token itself is set before each message (it may change). */
    if (m->token)
        smtp_session_set_bearer(s->sess, m->token);
    smtp_send(s->sess, m->from, m->to, m->text, m->len, m->ready,
              m->ready_arg, m->reply);
    s->done = m;
}

static struct transport_msg *smtp_t_reap(struct transport *t)
{
    struct smtp_transport *s = (struct smtp_transport *)t;
    struct transport_msg *m = s->done;

    s->done = NULL;
    return m;
}

static void smtp_t_wait(struct transport *t, int ms)
{
    (void)t;
    (void)ms;
}

static void smtp_t_close(struct transport *t)
{
    struct smtp_transport *s = (struct smtp_transport *)t;

    if (!s)
        return;
    smtp_session_free(s->sess);
    free(s);
}

static const struct transport_ops smtp_ops = {
    "smtp", 1, smtp_t_send, smtp_t_reap, smtp_t_wait, smtp_t_close,
    bounce_classify,
};

int transport_smtp_open(const struct smtp_opts *o, struct transport **t,
                        struct errinfo *ei)
{
    struct smtp_transport *s = xcalloc(1, sizeof(*s));

    if (smtp_session_new(o, &s->sess, ei) < 0) {
        free(s);
        return -1;
    }
    s->base.ops = &smtp_ops;
    *t = &s->base;
    return 0;
}

void transport_close(struct transport *t)
{
    if (t)
        t->ops->close(t);
}
