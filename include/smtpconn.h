/*
 * smtpconn.h - one SMTP connection, for smtp.c only.  libcurl opens it and
 * does what it does well -- TCP, TLS (STARTTLS or implicit) with peer
 * verification, EHLO, SASL -- as a CURLOPT_CONNECT_ONLY transfer, then
 * stops; commands and their replies then go over it with
 * curl_easy_send/curl_easy_recv, replies read by reply.c in bounded
 * memory, every wait bounded by smtp.timeout_seconds.  Not pure.
 */
#ifndef MAILROTA_SMTPCONN_H
#define MAILROTA_SMTPCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "bounce.h"
#include "reply.h"
#include "smtp.h"
#include "util.h"

struct sconn {
    const struct smtp_opts *o;   /* borrowed: url, TLS, timeout, user */
    const char *url;             /* borrowed */
    const char *password;        /* borrowed, or NULL */
    const char *bearer;          /* borrowed, or NULL */
    CURL *h;                     /* the open connection, or NULL */
    curl_socket_t fd;
    enum bounce_stage stage;     /* how far the session got */
    bool auth_sent;              /* AUTH went out on this connection */
    bool stray;                  /* bytes came that were not asked for */
    struct strbuf reply;         /* connect phase: the last whole reply */
    bool reply_open;
    char mechs[256];             /* AUTH mechanisms of the last EHLO */
    bool pipelining;             /* the last EHLO offered PIPELINING */
    char pend[4096];             /* read past the reply before, kept for */
    size_t npend;                /* the next (sconn_next) */
    char errbuf[CURL_ERROR_SIZE];
    char ioerr[160];             /* why the last read or write failed */
};

void sconn_init(struct sconn *c, const struct smtp_opts *o, const char *url);
/* Drops the connection (no QUIT) and frees what c holds. */
void sconn_release(struct sconn *c);

/*
 * Opens the connection with c->password or c->bearer: TCP, TLS, EHLO,
 * AUTH.  -1 with *r filled when that fails, and when the mailbox has
 * credentials but AUTH never went out (r->auth_missing: libcurl skips
 * AUTH without a word when EHLO offers none).
 */
int sconn_open(struct sconn *c, struct smtp_reply *r);

/* Whether the connection is open, idle and has nothing to say (a 421 on a
 * timeout, or its end, make it unfit for a new message). */
bool sconn_idle_ok(struct sconn *c);

/* Closes at once: no QUIT, nothing more read.  A no-op when closed. */
void sconn_drop(struct sconn *c);
/* QUIT, its reply awaited briefly, then closed. */
void sconn_quit(struct sconn *c);

/* Sends buf whole within smtp.timeout_seconds; -1 with c->ioerr set. */
int sconn_send(struct sconn *c, const char *buf, size_t len);

/*
 * Sends line (may be "") and reads its reply, within smtp.timeout_seconds;
 * crash, when not NULL, is the crash point between the two.  0 when a
 * reply came whole (*rp says how clean; c->stray whether more came after
 * it); -1 with c->ioerr set when none did.
 */
int sconn_command(struct sconn *c, const char *line, const char *crash,
                  struct reply *rp);

/*
 * Reads the next reply to commands sent together (PIPELINING, RFC 2920),
 * within smtp.timeout_seconds: with `more`, bytes after it are the next
 * reply's; without, they are replies nobody asked for (c->stray).  0 when
 * a reply came whole; -1 with c->ioerr set when none did.
 */
int sconn_next(struct sconn *c, bool more, struct reply *rp);

/* *r zeroed, at c's stage, its oauth flag set. */
void sconn_reply_base(const struct sconn *c, struct smtp_reply *r);

#endif
