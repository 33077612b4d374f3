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

/*
 * Fills *d for reply r of mailbox `email`; returns false (d->id NULL,
 * texts empty) when nothing in the table matches, e.g. for a success.
 */
bool diagnose(const struct smtp_reply *r, const char *email,
              struct diagnosis *d);

#endif
