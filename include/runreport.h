/*
 * runreport.h - what the end of a `run` says on stderr, even with -q (SPEC
 * "Command line": an unhealthy night is never silent): each auth-failed,
 * blocked or bounce-paused mailbox with its last error and the fix, a line
 * when contacts wait because no mailbox can send, the exit-69 message
 * naming each failing mailbox with its cause, and the failed sends grouped
 * by reason with where to look.  It reads the roster and the sends as the
 * run left them; health.c decides.  Not pure.
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
    bool waiting_more;          /* and more not counted (rp) */
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

/* Failed sends grouped by campaign and reason, largest group first. */
struct runreport_failure {
    long count;
    char *campaign;
    char *template_path;   /* when the message could not be composed */
    char *reason;
};

struct runreport_failures {
    struct runreport_failure *v;
    size_t n, cap;
    long total;
};

/* Adds `count` failures of one kind (strings copied; template may be
 * NULL), merging with an equal one. */
void runreport_failures_add(struct runreport_failures *f, long count,
                            const char *campaign, const char *template_path,
                            const char *reason);

/* The failed sends of run_id, from the database.  Errors: ERR_DB. */
int runreport_failures_load(struct db *db, const char *run_id,
                            struct runreport_failures *f,
                            struct errinfo *ei);

/*
 * Prints the groups (at most a few, then how many more) and where to see
 * every failed send: in db_path's send_log, or, for a dry run (db_path
 * NULL), that nothing was written.  Nothing when there are none.
 */
void runreport_failures_print(struct runreport_failures *f,
                              const char *db_path);

void runreport_failures_release(struct runreport_failures *f);

#endif
