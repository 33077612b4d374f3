/*
 * transport.h - how a mailbox's messages leave: one small interface, with
 * SMTP (transport_smtp.c) and Microsoft Graph (transport_graph.c) behind
 * it, so that the run's engine (src/cmd/run_engine.c) has one send loop
 * for both.  A transport is opened for one mailbox, takes up to
 * max_inflight messages at once (send), hands back each finished one with
 * its reply filled in (reap), waits for progress (wait), and is closed.
 * classify turns a reply into an outcome (bounce.h), the same for both.
 *
 * The inbound readers (IMAP, Graph) will be the next implementations:
 * nothing here is about sending but the names; a reader's `send` is a
 * request for the next messages and its `reap` hands them back.  Not pure.
 */
#ifndef MAILROTA_TRANSPORT_H
#define MAILROTA_TRANSPORT_H

#include <stddef.h>

#include "bounce.h"
#include "config.h"
#include "err.h"
#include "smtp.h"

/* The most messages any transport has in flight at once. */
#define TRANSPORT_MAX_INFLIGHT 4

/* One message handed to a transport, and its reply when done. */
struct transport_msg {
    const char *from;          /* the mailbox's address */
    const char *to;
    const char *text;          /* RFC 5322, CRLF */
    size_t len;
    const char *token;         /* Bearer token (borrowed), or NULL */
    struct smtp_reply *reply;  /* filled in when it is done */
    /* Called once before any of the message's content goes out, or NULL:
     * SMTP calls it once the envelope is sent, before reading its
     * replies, so that the two overlap.  -1 stops the message: nothing
     * of it is sent, and it ends lost before MAIL FROM was answered. */
    int (*ready)(void *arg);
    void *ready_arg;
};

struct transport;

struct transport_ops {
    const char *name;          /* "smtp", "graph": sends.transport */
    size_t max_inflight;       /* <= TRANSPORT_MAX_INFLIGHT */
    /* Starts m (borrowed until reaped); the transport has room for it. */
    void (*send)(struct transport *t, struct transport_msg *m);
    /* A message that is done (its reply filled in), or NULL: none yet. */
    struct transport_msg *(*reap)(struct transport *t);
    /* Waits up to ms for progress on the messages in flight. */
    void (*wait)(struct transport *t, int ms);
    /* Ends the session (QUIT) and frees t; NULL is fine. */
    void (*close)(struct transport *t);
    /* The outcome of a reply (bounce_classify for both). */
    void (*classify)(const struct smtp_reply *r, struct bounce_verdict *v);
};

/* What every transport starts with. */
struct transport {
    const struct transport_ops *ops;
};

/* SMTP, one message at a time over one reused connection (smtp.h).
 * Errors as smtp_session_new. */
int transport_smtp_open(const struct smtp_opts *o, struct transport **t,
                        struct errinfo *ei);

/* Graph sendMail as `mailbox`, up to 4 requests in flight (graph.h). */
int transport_graph_open(const struct config *cfg, const char *mailbox,
                         struct transport **t, struct errinfo *ei);

/* Closes t when not NULL. */
void transport_close(struct transport *t);

#endif
