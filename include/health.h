/*
 * health.h - whether a night was healthy, and what it must say when it
 * was not (SPEC "Command line": an unhealthy night is never silent, -q or
 * not).  The caller gathers the facts after the run; this decides which
 * mailboxes to name on stderr, whether to say that contacts wait because
 * no mailbox can send, and whether the run exits 69.  A night whose only
 * limit is the caps is healthy.  Pure.
 */
#ifndef MAILROTA_HEALTH_H
#define MAILROTA_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A mailbox paused for its bounce rate is told from one the user paused
 * by its last_error, which the bounce-rate protection (a later issue)
 * must start with this text.
 */
#define HEALTH_BOUNCE_PAUSE_PREFIX "bounce rate"

/* A mailbox's status as the night sees it. */
enum health_status {
    HEALTH_READY = 0,       /* cold-ready */
    HEALTH_STOPPED,         /* admin, or paused by the user: a choice */
    HEALTH_AUTH_FAILED,     /* auth-failed */
    HEALTH_BLOCKED,         /* blocked */
    HEALTH_BOUNCE_PAUSED,   /* paused for its bounce rate */
};

struct health_mailbox {
    enum health_status status;  /* after the run */
    bool changed;       /* this run set that status */
    bool failed_run;    /* failed before MAIL FROM in this run: connect,
                           TLS, AUTH, its password or its token */
    bool authed_run;    /* got past AUTH in this run */
};

struct health_in {
    const struct health_mailbox *mb;
    size_t n_mb;
    /* Contacts that wait for a mailbox: plannable but for capacity (not
     * --max), or planned and not sent (deferred, or never tried). */
    long waiting;
    long sent;
};

struct health_verdict {
    bool no_sender;     /* say "N contacts wait but no mailbox can send" */
    bool unavailable;   /* exit 69; the message names every mailbox with
                           health_failing() */
};

/*
 * Decides for the night in `in`; report[i] (an array of in->n_mb, owned
 * by the caller) says whether to name mailbox i on stderr: auth-failed,
 * blocked or paused for its bounce rate, set in this run or still so
 * while contacts wait.  Contacts that wait only because no mailbox can
 * send, for another reason than its cap, give no_sender; 69 when nothing
 * was sent, contacts wait, no mailbox got past AUTH, and the mailboxes
 * failed (in this run, or are marked failed and none can send).
 */
void health_check(const struct health_in *in, bool *report,
                  struct health_verdict *out);

/* Whether m is one the exit-69 message names: it failed in this run or
 * is auth-failed, blocked or paused for its bounce rate. */
bool health_failing(const struct health_mailbox *m);

/* The health status of a mailbox row (status, last_error may be NULL). */
enum health_status health_status_of(const char *status,
                                    const char *last_error);

/* "auth-failed", "paused for its bounce rate", ... for messages. */
const char *health_status_str(enum health_status s);

#endif
