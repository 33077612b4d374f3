/*
 * diagnose.h - what a failed connect, TLS, AUTH, token or Graph answer
 * means for the person who can fix it, and the fix (SPEC's `mailbox test`
 * table, plus Entra ID's AADSTS codes and Graph's errors).  Used by
 * `mailbox test` and for the mailbox's last_error when a run marks it.
 * A table of rows, the first match wins (OpenSMTPD esc.c style).  Pure.
 */
#ifndef MAILROTA_DIAGNOSE_H
#define MAILROTA_DIAGNOSE_H

#include <stdbool.h>

#include "bounce.h"

#define DIAGNOSE_TEXT_MAX 640

struct diagnosis {
    const char *id;                    /* a stable word for scripts */
    char what[DIAGNOSE_TEXT_MAX];      /* what is wrong */
    char fix[DIAGNOSE_TEXT_MAX];       /* what to do, EMAIL filled in */
};

/* Where a mailbox's password comes from (mailbox add/set). */
enum diagnose_pw {
    DIAGNOSE_PW_UNKNOWN = 0,
    DIAGNOSE_PW_ENV,           /* --password-env VAR */
    DIAGNOSE_PW_CMD,           /* --password-cmd CMD */
    DIAGNOSE_PW_STORED,        /* --password-stdin */
};

/* The mailbox a reply came to, as far as a fix needs it.  Borrowed. */
struct diagnose_who {
    const char *email;
    enum diagnose_pw pw;
    const char *pw_env;        /* DIAGNOSE_PW_ENV: the variable's name */
    const char *host;          /* smtp.host, or NULL */
    int port;                  /* smtp.port */
};

/*
 * Fills *d for reply r of mailbox `who`; returns false (d->id NULL, texts
 * empty) when nothing in the table matches, e.g. for a success.  The fix
 * names the mailbox, its server (host:port) and, for a refused password,
 * what to do with the mailbox's own password source.
 */
bool diagnose_for(const struct smtp_reply *r, const struct diagnose_who *who,
                  struct diagnosis *d);

/* diagnose_for() knowing only the mailbox's address. */
bool diagnose(const struct smtp_reply *r, const char *email,
              struct diagnosis *d);

/*
 * Whether an SMTP host is Microsoft's (a name under office365.com or
 * outlook.com, any case, a final dot allowed): only there does the Basic
 * authentication retirement (MC786329) apply.
 */
bool diagnose_microsoft_host(const char *host);

#endif
