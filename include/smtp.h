/*
 * smtp.h - one SMTP submission session per mailbox: libcurl connects with
 * STARTTLS (CURLUSESSL_ALL) or implicit TLS with peer verification and
 * authenticates (PLAIN, LOGIN or XOAUTH2); the mail transaction is
 * mailrota's own (smtpconn.h).  The connection is reused for the
 * mailbox's messages (RSET after a refusal) until it times out, is lost
 * or breaks the protocol.  A server's reply is data, not an error:
 * smtp_send fills struct smtp_reply with the stage reached, the code, the
 * enhanced code and the text (cut to fit, whatever its length).  Mail
 * never goes out unauthenticated when the mailbox has credentials.  Not
 * pure.
 */
#ifndef MAILROTA_SMTP_H
#define MAILROTA_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"
#include "config.h"
#include "err.h"

struct smtp_session;

struct smtp_opts {
    const char *host;
    int port;
    enum smtp_security security;
    bool allow_plaintext_auth;
    const char *helo_name;      /* NULL: the sender's domain */
    int timeout_seconds;
    bool verify_peer;
    const char *ca_file;        /* NULL: the system bundle */
    const char *username;       /* the mailbox address */
    const char *password;       /* borrowed; NULL for no AUTH */
    const char *bearer;         /* XOAUTH2 token (borrowed), or NULL */
    const char *mechanism;      /* "PLAIN" or "LOGIN"; NULL: any */
};

/*
 * Creates a session; nothing is sent until the first smtp_send.  The
 * password and token are copied and wiped on free.
 * Errors: ERR_CONFIG (AUTH over plaintext without allow_plaintext_auth),
 * ERR_SOFTWARE (libcurl).
 */
int smtp_session_new(const struct smtp_opts *o, struct smtp_session **out,
                     struct errinfo *ei);

/*
 * Submits one message (CRLF text) from `from` to `to` on the session's
 * connection (opening it, with TLS and AUTH, when needed).  Always fills
 * *reply; returns 0 when the server accepted it (2xx after DATA), 1
 * otherwise.  A server that offers no AUTH the mailbox can use is a
 * failure at STAGE_AUTH with reply->auth_missing set; nothing is sent.
 * ready_cb (may be NULL) is called before any of the message goes out, once
 * the envelope is sent when the server offers PIPELINING: -1 from it
 * stops the message (lost at STAGE_MAIL, the connection dropped).  Never
 * logs secrets.
 */
int smtp_send(struct smtp_session *s, const char *from, const char *to,
              const char *msg, size_t len, int (*ready_cb)(void *arg),
              void *ready_arg, struct smtp_reply *reply);

/*
 * Replaces the XOAUTH2 token (copied; the old one is wiped).  The next
 * message goes over a new connection that authenticates with it.
 */
void smtp_session_set_bearer(struct smtp_session *s, const char *token);

/*
 * `mailbox test`: connects, starts TLS, authenticates as o says, sends
 * NOOP and QUIT -- no mail.  *reply is the reply that decided (the AUTH
 * refusal, a connect or TLS failure, or NOOP's 250); mechs receives the
 * AUTH mechanisms the server offered in its last EHLO ("" when none).
 * Returns 0 when everything passed, 1 when the server or the network
 * said no, -1 with ei set when the session could not be made (ERR_CONFIG:
 * AUTH over plaintext refused).
 */
int smtp_probe(const struct smtp_opts *o, char *mechs, size_t mechs_size,
               struct smtp_reply *reply, struct errinfo *ei);

/* Closes the connection (QUIT, bounded by the timeout) and frees. */
void smtp_session_free(struct smtp_session *s);

#endif
