/*
 * runplan.h - loads what `plan` and `run` decide from (roster, enrolments,
 * sends, suppressions) out of the database into struct sched_input, and
 * runs the planner.  The I/O edge of the pure sched module.  Not pure.
 */
#ifndef MAILROTA_RUNPLAN_H
#define MAILROTA_RUNPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "scheduler.h"

struct rp_mailbox {
    long long id;
    char *email;
    char *display_name;
    char *status;
    char *auth;
    char *fallback;
    char *secret;          /* ciphertext, or NULL */
    char *password_env;
    char *password_cmd;
};

/* A step of a campaign's sequence (SPEC "Sequences"). */
struct rp_step {
    char *template_path;
    char *subject;         /* override, or NULL */
    int64_t after_s;       /* its wait after the step before */
};

struct rp_campaign {
    long long id;
    char *name;
    char *template_path;
    char *subject;         /* override, or NULL */
    int n_steps;           /* >= 1 */
    struct rp_step *steps; /* [k] for step k in 1..n_steps; [1] is the
                              campaign's own template, [0] unused */
    int64_t *after_s;      /* [k]: steps[k].after_s, for sequence.h */
};

struct rp_candidate {
    size_t campaign;       /* index into campaigns */
    char *email;
    char *company;         /* company name, or NULL */
    char *timezone;        /* its own zone (IANA), or NULL */
    char *send_id;         /* the deferred send to retry, or NULL */
    int attempts;          /* tries of that send so far */
    int company_sent;      /* enrollments.company_sent (migration 0013) */
};

/* A reply matched to a send to `person` of a company in a campaign. */
struct rp_reply {
    long long campaign_id, company_id, person;
};

struct runplan {
    int64_t now;
    char day[11];                      /* local day of `now` */
    struct sched_mailbox *smb;         /* parallel to mb */
    struct rp_mailbox *mb;
    size_t n_mb;
    struct rp_campaign *camp;
    size_t n_camp;
    struct sched_candidate *scand;     /* parallel to cand */
    struct rp_candidate *cand;
    size_t n_cand;
    struct sched_company_count *cc;
    size_t n_cc;
    char **supp;
    size_t n_supp;
    struct rp_reply *replies;          /* by campaign, company, person */
    size_t n_replies;
    struct sched_plan plan;
    /* Where the day's sending ends (run --until-done): the close of the
     * sender's window open now or opening later today, else now; without
     * a schedule, the next local midnight. */
    int64_t horizon;
    /* Candidates passed over for want of a mailbox (no_capacity); with
     * runplan_stream and no on_skip, only among those read: with
     * RUNPLAN_COUNT_WAITING at most RUNPLAN_WAITING_READ more once the
     * mailboxes were full, and waiting_more says more were left unread. */
    long waiting;
    bool waiting_more;
};

#define RUNPLAN_WAITING_READ 1000

/*
 * Loads at `now` (local day from cfg->timezone) and plans at most `max`
 * messages (0: no limit).  rp is owned by the caller (runplan_release).
 * Errors: ERR_DB, ERR_SOFTWARE.
 */
int runplan_load(struct db *db, const struct config *cfg, int64_t now,
                 size_t max, struct runplan *rp, struct errinfo *ei);
void runplan_release(struct runplan *rp);

/* A candidate not planned, with the reason and its time (plan -v). */
typedef void (*runplan_skip_fn)(void *arg, const struct runplan *rp,
                                const struct rp_candidate *c,
                                enum sched_reason reason, int64_t until);

/* runplan_stream: read on after the mailboxes are full, at most
 * RUNPLAN_WAITING_READ candidates, to count who waits (rp->waiting; the
 * run's health lines). */
#define RUNPLAN_COUNT_WAITING 1u

/*
 * The same plan as runplan_load, without holding every enrolment: only
 * the planned candidates are kept (rp->cand[i] is rp->plan.items[i]'s; no
 * skips in rp->plan).  With on_skip, every other enrolled candidate is
 * handed to it, in the planner's order, as it is passed over; without,
 * the reading stops once no mailbox has room (SPEC `plan`, `run`), or a
 * little after with RUNPLAN_COUNT_WAITING in flags.
 * Errors: ERR_DB, ERR_SOFTWARE.
 */
int runplan_stream(struct db *db, const struct config *cfg, int64_t now,
                   size_t max, unsigned flags, runplan_skip_fn on_skip,
                   void *arg, struct runplan *rp, struct errinfo *ei);

/* Loads only the roster (mb, smb) at `now`; no plan.  Release as above. */
int runplan_load_roster(struct db *db, const struct config *cfg,
                        int64_t now, struct runplan *rp, struct errinfo *ei);

#endif
