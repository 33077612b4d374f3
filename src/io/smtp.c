/*
 * smtp.c - one SMTP submission session per mailbox.  See smtp.h.
 *
 * smtpconn.c opens each connection (libcurl: TCP, TLS, EHLO, AUTH) and
 * carries commands and replies; the mail transaction is here: MAIL FROM,
 * RCPT TO, DATA (sent together when the server offers PIPELINING), the
 * dot-stuffed body, and RSET before the next message when one was
 * refused.  So:
 *
 *   - a connection on which AUTH never went out is refused before MAIL
 *     FROM when the mailbox has credentials (libcurl skips AUTH without a
 *     word when EHLO offers none, and the mail would go out
 *     unauthenticated);
 *   - a reply of any length gives its code (libcurl 7.88 gives up on a
 *     reply over 300 KB and reports no code at all);
 *   - a connection that broke the protocol (a reply line over 4 KiB,
 *     replies nobody asked for, a line that is not a reply), timed out or
 *     was lost is closed, never used for the next message; one that
 *     refused a message cleanly is reused after RSET.
 */
#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"
#include "reply.h"
#include "smtpconn.h"
#include "util.h"

#include "banned.h"

/* The body goes out in pieces of this size (crash point smtp.body). */
#define BODY_CHUNK (64 * 1024)

struct smtp_session {
    struct smtp_opts o;      /* strings below are owned copies */
    char *password;
    char *bearer;
    char url[512];
    struct sconn c;
    bool rset;               /* the last transaction was refused: RSET */
    bool broken;             /* close the connection after this message */
    bool body_started;
};

/* No reply: the connection is gone, or out of step with us. */
static void lost(struct smtp_session *s, struct smtp_reply *r)
{
    sconn_reply_base(&s->c, r);
    r->conn_lost = true;
    snprintf(r->text, sizeof(r->text), "%s", s->c.ioerr);
    sanitize(r->text);
    /* Connection lost after the message body went out: it may have been
     * accepted.  Before the body, the message cannot have been. */
    if (r->stage == STAGE_DATA && !s->body_started)
        r->stage = STAGE_RCPT;
    sconn_drop(&s->c);
}

static void answered(struct smtp_session *s, const struct reply *rp,
                     struct smtp_reply *r)
{
    sconn_reply_base(&s->c, r);
    r->code = rp->code;
    snprintf(r->text, sizeof(r->text), "%s", rp->text);
    sanitize(r->text);
    bounce_parse_enhanced(r->text, r->enhanced);
}

/*
 * One step of the transaction: 0 when the reply's first digit is `want`;
 * 1 otherwise (a refusal, or no usable reply).  *r holds the reply either
 * way.
 */
static int step(struct smtp_session *s, enum bounce_stage stage,
                const char *crash, const char *line, int want,
                struct smtp_reply *r)
{
    struct reply rp;

    s->c.stage = stage;
    if (sconn_command(&s->c, line, crash, &rp) < 0) {
        lost(s, r);
        return 1;
    }
    if (s->c.stray) {
        /* Replies we did not ask for: whatever comes next is suspect. */
        snprintf(s->c.ioerr, sizeof(s->c.ioerr), "the server sent more "
                 "than one reply to %.4s%s", line, *line ? "" : "the message");
        lost(s, r);
        return 1;
    }
    if (!reply_clean(&rp) || rp.code == 421)
        s->broken = true;
    answered(s, &rp, r);
    if (rp.code / 100 == want)
        return 0;
    s->rset = true;
    return 1;
}

/* The message, dot-stuffed, then the final "."; -1 when it cannot go. */
static int send_body(struct smtp_session *s, const char *msg, size_t len)
{
    char *chunk = xmalloc(2 * BODY_CHUNK + 8);
    bool bol = true;
    size_t i = 0, k;
    int ret = -1;

    while (i < len) {
        for (k = 0; i < len && k < BODY_CHUNK; i++) {
            if (bol && msg[i] == '.')
                chunk[k++] = '.';
            chunk[k++] = msg[i];
            bol = msg[i] == '\n';
        }
        crash_point("smtp.body");
        s->body_started = true;
        if (sconn_send(&s->c, chunk, k) < 0)
            goto out;
    }
    s->body_started = true;
    k = 0;
    if (len < 2 || msg[len - 2] != '\r' || msg[len - 1] != '\n') {
        chunk[k++] = '\r';
        chunk[k++] = '\n';
    }
    memcpy(chunk + k, ".\r\n", 3);
    ret = sconn_send(&s->c, chunk, k + 3);
out:
    free(chunk);
    return ret;
}

/* The connection for the next message: a clean idle one, else a new one.
 * -1 with *r filled when none can be had. */
static int ready(struct smtp_session *s, struct smtp_reply *r)
{
    struct reply rp;

    if (s->c.h && !sconn_idle_ok(&s->c))
        sconn_drop(&s->c);
    if (s->c.h && s->rset) {
        s->c.stage = STAGE_CONNECT;
        if (sconn_command(&s->c, "RSET\r\n", NULL, &rp) < 0 || s->c.stray ||
            !reply_clean(&rp) || rp.code / 100 != 2)
            sconn_drop(&s->c);
    }
    s->rset = false;
    if (s->c.h)
        return 0;
    return sconn_open(&s->c, r);
}

/* The caller's ready_cb() refused: nothing of the message goes out; the
 * connection, with an envelope in flight, is dropped. */
static void not_ready(struct smtp_session *s, struct smtp_reply *r)
{
    s->c.stage = STAGE_MAIL;
    snprintf(s->c.ioerr, sizeof(s->c.ioerr), "stopped before the message "
             "went out");
    lost(s, r);
}

/*
 * MAIL FROM, RCPT TO and DATA sent together (PIPELINING, RFC 2920): one
 * round trip instead of three.  Their replies are read in order; the
 * first refusal is the answer (at its own stage), and the replies after
 * it are read too, to keep in step.  0 when DATA got its 354 and the body
 * may go; 1 otherwise, *r holding the reply.
 */
static int envelope_together(struct smtp_session *s, const char *from,
                             const char *to, int (*ready_cb)(void *arg),
                             void *ready_arg, struct smtp_reply *r)
{
    static const enum bounce_stage stage[3] = { STAGE_MAIL, STAGE_RCPT,
                                                STAGE_DATA };
    static const int want[3] = { 2, 2, 3 };
    char *cmds = xasprintf("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n",
                           from, to);
    struct reply rp;
    int refused = -1, sent;

    s->c.stage = STAGE_MAIL;
    s->c.npend = 0;
    sent = sconn_send(&s->c, cmds, strlen(cmds));
    free(cmds);
    if (sent < 0) {
        lost(s, r);
        return 1;
    }
    crash_point("smtp.mail");
    crash_point("smtp.rcpt");
    crash_point("smtp.data");
    /* While the server reads the envelope: the body waits for it. */
    if (ready_cb && ready_cb(ready_arg) < 0) {
        not_ready(s, r);
        return 1;
    }
    for (int i = 0; i < 3; i++) {
        s->c.stage = stage[i];
        if (sconn_next(&s->c, i < 2, &rp) < 0 || s->c.stray) {
            if (s->c.stray)
                snprintf(s->c.ioerr, sizeof(s->c.ioerr), "the server sent "
                         "more replies than commands");
            if (refused < 0)
                lost(s, r);
            else
                s->broken = true;   /* the refusal stands */
            return 1;
        }
        if (refused >= 0) {
            /* A DATA taken after a refusal would want a body: the
             * connection is not reused. */
            if (rp.code / 100 == 3)
                s->broken = true;
            continue;
        }
        if (!reply_clean(&rp) || rp.code == 421)
            s->broken = true;
        answered(s, &rp, r);
        if (rp.code / 100 != want[i]) {
            refused = i;
            s->rset = true;
        }
    }
    return refused >= 0;
}

int smtp_send(struct smtp_session *s, const char *from, const char *to,
              const char *msg, size_t len, int (*ready_cb)(void *arg),
              void *ready_arg, struct smtp_reply *reply)
{
    char *line = NULL;
    int ret = 1;

    s->body_started = s->broken = false;
    if (strpbrk(from, "\r\n<>") || strpbrk(to, "\r\n<>")) {
        s->c.stage = STAGE_MAIL;
        snprintf(s->c.ioerr, sizeof(s->c.ioerr), "an address with CR, LF "
                 "or angle brackets is never sent");
        lost(s, reply);
        return 1;
    }
    if (ready(s, reply) < 0)
        return 1;
    if (s->c.pipelining) {
        if (envelope_together(s, from, to, ready_cb, ready_arg, reply))
            goto out;
    } else {
        if (ready_cb && ready_cb(ready_arg) < 0) {
            not_ready(s, reply);
            goto out;
        }
        line = xasprintf("MAIL FROM:<%s>\r\n", from);
        if (step(s, STAGE_MAIL, "smtp.mail", line, 2, reply))
            goto out;
        free(line);
        line = xasprintf("RCPT TO:<%s>\r\n", to);
        if (step(s, STAGE_RCPT, "smtp.rcpt", line, 2, reply) ||
            step(s, STAGE_DATA, "smtp.data", "DATA\r\n", 3, reply))
            goto out;
    }
    if (send_body(s, msg, len) < 0) {
        lost(s, reply);
        goto out;
    }
    /* The reply to the final dot decides. */
    if (step(s, STAGE_DATA, NULL, "", 2, reply) == 0)
        ret = 0;
out:
    if (s->broken)
        sconn_drop(&s->c);
    free(line);
    return ret;
}

/* ---- the session --------------------------------------------------------- */

int smtp_session_new(const struct smtp_opts *o, struct smtp_session **out,
                     struct errinfo *ei)
{
    struct smtp_session *s;
    const char *scheme = o->security == SMTP_SECURITY_IMPLICIT ? "smtps"
                                                              : "smtp";
    bool v6 = strchr(o->host, ':') != NULL;

    if (o->security == SMTP_SECURITY_NONE && (o->password || o->bearer) &&
        !o->allow_plaintext_auth)
        return err_set(ei, ERR_CONFIG, "refusing AUTH for %s without TLS: "
                       "set smtp.security to starttls or implicit (or "
                       "allow_plaintext_auth: true)", o->username);
    s = xcalloc(1, sizeof(*s));
    s->o = *o;
    s->password = o->password ? xstrdup(o->password) : NULL;
    s->bearer = o->bearer ? xstrdup(o->bearer) : NULL;
    /* The EHLO name is the URL's path (libcurl). */
    snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%d/%s", scheme,
             v6 ? "[" : "", o->host, v6 ? "]" : "", o->port,
             o->helo_name ? o->helo_name : "");
    sconn_init(&s->c, &s->o, s->url);
    s->c.password = s->password;
    s->c.bearer = s->bearer;
    *out = s;
    return 0;
}

void smtp_session_set_bearer(struct smtp_session *s, const char *token)
{
    if (s->bearer && strcmp(s->bearer, token) == 0)
        return;
    /* The connection authenticated with the old token: the next message
     * goes over a new one that authenticates with this. */
    sconn_quit(&s->c);
    if (s->bearer) {
        secure_wipe(s->bearer, strlen(s->bearer));
        free(s->bearer);
    }
    s->bearer = xstrdup(token);
    s->c.bearer = s->bearer;
}

int smtp_probe(const struct smtp_opts *o, char *mechs, size_t mechs_size,
               struct smtp_reply *reply, struct errinfo *ei)
{
    struct smtp_session *s = NULL;
    int ret = 1;

    if (smtp_session_new(o, &s, ei) < 0)
        return -1;
    /* Connect, TLS, EHLO, AUTH; then NOOP, and QUIT. */
    if (sconn_open(&s->c, reply) == 0 &&
        step(s, STAGE_AUTH, NULL, "NOOP\r\n", 2, reply) == 0)
        ret = 0;
    snprintf(mechs, mechs_size, "%s", s->c.mechs);
    smtp_session_free(s);
    return ret;
}

void smtp_session_free(struct smtp_session *s)
{
    if (!s)
        return;
    sconn_quit(&s->c);
    sconn_release(&s->c);
    if (s->password) {
        secure_wipe(s->password, strlen(s->password));
        free(s->password);
    }
    if (s->bearer) {
        secure_wipe(s->bearer, strlen(s->bearer));
        free(s->bearer);
    }
    free(s);
}
