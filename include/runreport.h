/*
 * runreport.h - what the end of a `run` says on stderr, even with -q (SPEC
 * "Command line": an unhealthy night is never silent): each auth-failed,
 * blocked or bounce-paused mailbox with its last error and the fix, a line
 * when contacts wait because no mailbox can send, the exit-69 message
 * naming each failing mailbox with its cause.  It reads the roster as the
 * run left it; health.c decides.  Not pure.
 */
#ifndef MAILROTA_RUNREPORT_H
#define MAILROTA_RUNREPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "err.h"
#include "runplan.h"

struct runreport_in {
    const struct runplan *rp;   /* the plan the run worked from */
    const bool *failed_run;     /* per rp->mb: failed before MAIL FROM in
                                   this run; NULL for a dry run */
    const bool *authed_run;     /* per rp->mb: got past AUTH; NULL too */
    long waiting;               /* contacts waiting for a mailbox */
    long sent;
};

/*
 * Prints the health lines for the night in `in`.  *unavailable says the
 * run must exit 69; e69 then holds its message (ERR_UNAVAILABLE).
 * Errors: ERR_DB (ei) when the roster cannot be read; nothing is printed.
 */
int runreport_health(struct db *db, const struct runreport_in *in,
                     bool *unavailable, struct errinfo *e69,
                     struct errinfo *ei);

#endif
