/*
 * imap.h - the inbox reader over IMAP (SPEC "Inbound"): strictly
 * read-only.  It logs in (LOGIN with the mailbox's password, or
 * AUTHENTICATE XOAUTH2 with the client-credentials token), EXAMINEs the
 * folder, searches UIDs and fetches with BODY.PEEK: never SELECT, never
 * BODY[] without PEEK, never STORE, EXPUNGE, COPY or MOVE.  Every command
 * is a libcurl custom request on a URL without a mailbox (a URL with one
 * makes libcurl SELECT it); libcurl hands a custom command's untagged
 * responses and literals to the header callback, line by line, so the
 * reader collects them there and imapresp.h reads them.
 *
 * The reader is the inbound side of the transport idea
 * (include/transport.h, when the run's senders have it): one connection
 * per mailbox, opened, used for each message, closed.  Not pure.
 */
#ifndef MAILROTA_IMAP_H
#define MAILROTA_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

struct imap_opts {
    const char *host;
    int port;
    bool implicit_tls;         /* IMAPS; else STARTTLS, always required */
    bool verify_peer;
    const char *ca_file;       /* NULL: the system's */
    int timeout_seconds;
    const char *username;      /* the mailbox's address */
    const char *password;      /* LOGIN; or: */
    const char *bearer;        /* AUTHENTICATE XOAUTH2 */
    const char *folder;        /* INBOX */
};

/* o for the mailbox `email` from the config's inbound and TLS settings;
 * secret is its password, or with xoauth2 its token (borrowed). */
void imap_opts_from_config(struct imap_opts *o, const struct config *cfg,
                           const char *email, bool xoauth2,
                           const char *secret);

struct imap_conn;

/* What went wrong, for the warning and `mailbox test`. */
struct imap_error {
    bool auth;                 /* the server refused the login */
    char text[512];            /* the server's reply, or libcurl's error */
};

/* What EXAMINE said of the folder. */
struct imap_folder {
    long long uidvalidity;
    long long uidnext;         /* 0: not said */
};

/*
 * Connects, authenticates and EXAMINEs o->folder.  Errors:
 * ERR_UNAVAILABLE with e filled (no secret in it).
 */
int imap_open(const struct imap_opts *o, struct imap_conn **out,
              struct imap_folder *f, struct imap_error *e,
              struct errinfo *ei);
void imap_close(struct imap_conn *c);

/* A message to read: its UID, size and the server's received date. */
struct imap_item {
    long long uid;
    long long size;            /* -1: unknown */
    int64_t internaldate;      /* 0: unknown */
};

/*
 * The messages with a UID above `above`, or when since > 0 received on
 * or after that day (UID SEARCH SINCE), ascending; at most `cap`.  *out is
 * new (free()).
 */
int imap_list(struct imap_conn *c, long long above, int64_t since,
              size_t cap, struct imap_item **out, size_t *n,
              struct imap_error *e, struct errinfo *ei);

/*
 * The message uid: BODY.PEEK[] when it is at most max bytes, else
 * BODY.PEEK[HEADER] (*headers_only set).  *raw is new (free()).
 * 0, or IMAP_FETCH_ENDED_EARLY: a line of the message ended libcurl's
 * reading of the response (it starts with libcurl's command tag), so *raw
 * is only the part before it and the connection is out of step: close it
 * (imap_close) and open another before the next command.  -1: failed (e).
 */
#define IMAP_FETCH_ENDED_EARLY 1
int imap_fetch(struct imap_conn *c, const struct imap_item *it, size_t max,
               char **raw, size_t *len, bool *headers_only,
               struct imap_error *e, struct errinfo *ei);

/*
 * The fix for a failed open of `email`'s inbox, in words, into out: LOGIN
 * refused by Exchange Online (no Basic auth for IMAP: xoauth2 or graph),
 * XOAUTH2 refused (IMAP.AccessAsApp and FullAccess), a wrong password, or
 * the connection (inbound.imap, network, certificate).  `inbox` and
 * `mailbox test` both say it.
 */
void imap_fix(const struct imap_error *e, bool xoauth2, const char *host,
              const char *email, char *out, size_t cap);

#endif
