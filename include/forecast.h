/*
 * forecast.h - when will every enrolled contact have had every step
 * (SPEC "Report"): the planner (scheduler.h) run forward run by run over
 * an in-memory copy of the state, each planned message taken as sent
 * (sequence.h for the next step, caps.h for the day's cap and the ramp).
 * No second copy of any rule: only the state moves.  Pure: the caller
 * passes the time, the sender's zone and window in.
 *
 * Runs: with a window, one at each opening of a window a contact is
 * planned in (the sender's; with zone: recipient also each contact's own,
 * window.h), or at now when one is open now; without one, one a day at
 * now's time of day.  Each run gives every candidate the window_opens of
 * its zone, as runplan does.  With spread, a run in the sender's window
 * gives each mailbox pacing_spread_next's turn and one message (as
 * runplan does), and the next run comes at the earliest mailbox's next
 * turn in that window: a cron that runs when something is due.  A new
 * local day (the sender's) starts the mailboxes' counts afresh and adds a
 * ramp day to those that sent the day before.
 *
 * Speed: a run's plan is given the candidates it orders by time and only
 * a prefix of those it orders by enrolment (sched_order_static), as long
 * as the plan then fills every mailbox: the planner takes candidates in
 * order, so no later one could have been planned, and the plan is the
 * same as over all of them.  Otherwise it plans over more.  Those never
 * reached are found when they come up, and at the horizon by a last plan
 * over all.
 */
#ifndef MAILROTA_FORECAST_H
#define MAILROTA_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "scheduler.h"
#include "tz.h"
#include "window.h"

#define FC_REASONS (SCHED_OUTSIDE_WINDOW + 1)

/* A campaign's sequence: steps 1..n_steps, after_s[k] the wait of k. */
struct fc_campaign {
    int n_steps;
    const int64_t *after_s;   /* may be NULL when n_steps is 1 */
};

struct fc_input {
    struct sched_input in;            /* as at now (runplan_load); copied */
    const struct caps_mailbox *caps;  /* parallel to in.mailboxes */
    int default_cap;                  /* rules.daily_cap */
    const size_t *campaign;           /* per candidate: index into camps */
    const struct fc_campaign *camps;
    size_t n_camps;
    const struct tz *zone;            /* the sender's (cfg timezone) */
    const struct window *win;         /* NULL: no schedule */
    const struct tz *const *cand_zone;/* per candidate: the zone of its
                                         window, NULL the sender's; NULL:
                                         all the sender's */
    bool spread;                      /* schedule.spread */
    int64_t now;
    int horizon_days;                 /* 1.. */
    bool no_prefix;                   /* tests: plan over every candidate
                                         each run (the same result) */
};

/* One simulated run: per campaign, messages planned, and the contacts
 * still to be sent a step after it (those still waiting at the end and
 * those done by a later run; never-reached ones not counted). */
struct fc_run {
    int64_t at;
    long long day;                    /* local days since 1970-01-01 */
    int *sent;                        /* [n_camps] */
    int *remaining;                   /* [n_camps] */
};

struct fc_campaign_result {
    int enrolled;
    int done;               /* had every step (already_sent at the end) */
    int waiting;            /* still waiting at the horizon */
    long long done_day;     /* local day of its last planned send when
                               nothing is left waiting; -1: never within
                               the horizon; -2: nothing to send at all */
    int never[FC_REASONS];  /* contacts never reached, by sched_reason */
};

struct fc_result {
    struct fc_campaign_result *camp;  /* [n_camps] */
    struct fc_run *runs;
    size_t n_runs;
};

/* The windows of the zones contacts are planned in: z[0] the sender's;
 * at[i] where z[i]'s window stands at the run's instant. */
struct fc_zones {
    const struct tz **z;
    struct window_at *at;
    size_t n;
};

void fc_zones_init(struct fc_zones *zs, const struct tz *sender);
/* z's index, added when new. */
size_t fc_zone_index(struct fc_zones *zs, const struct tz *z);
/* Every zone's window at t into at[]. */
void fc_zones_at(struct fc_zones *zs, const struct window *w, int64_t t);
/* The first opening of a zone's window after t (first: t itself when one
 * is open at t); INT64_MAX: none. */
int64_t fc_zones_next(const struct fc_zones *zs, const struct window *w,
                      int64_t t, bool first);
void fc_zones_release(struct fc_zones *zs);

/* Whether a planner reason never changes by sending (the forecast). */
bool fc_reason_final(enum sched_reason r);

/* The local day of t in z (days since 1970-01-01). */
long long fc_local_day(const struct tz *z, int64_t t);

/* Runs the forecast.  out is the caller's (fc_release). */
void forecast_run(const struct fc_input *in, struct fc_result *out);
void fc_release(struct fc_result *r, size_t n_camps);

#endif
