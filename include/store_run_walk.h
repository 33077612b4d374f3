/*
 * store_run_walk.h - the enrolments the planner can use, in its own order
 * (store_run_walk.c; runplan_stream is the caller).  Each row is read as
 * store_run_plan.c reads it for the exhaustive planner and handed to fn,
 * which returns 0 to go on, 1 to stop (the walk then returns 1), or -1
 * after setting ei.  fn may keep c's strings by setting them to NULL.
 * Not pure.
 */
#ifndef MAILROTA_STORE_RUN_WALK_H
#define MAILROTA_STORE_RUN_WALK_H

#include "db.h"
#include "err.h"
#include "runplan.h"
#include "scheduler.h"

typedef int (*store_walk_fn)(void *arg, struct sched_candidate *s,
                             struct rp_candidate *c, struct errinfo *ei);

/* A campaign's enrolments whose latest send is deferred (retries). */
int store_run_walk_deferred(struct db *db, const struct runplan *rp,
                            long long campaign_id, store_walk_fn fn,
                            void *arg, struct errinfo *ei);
/* A campaign's threads whose latest send is step `step`, sent at or
 * before sent_by (ISO): those whose next step's wait has passed. */
int store_run_walk_due(struct db *db, const struct runplan *rp,
                       long long campaign_id, int step, const char *sent_by,
                       store_walk_fn fn, void *arg, struct errinfo *ei);
/* A campaign's threads at a step before n_steps, not deferred: every
 * follow-up, due or not (plan -v). */
int store_run_walk_threads(struct db *db, const struct runplan *rp,
                           long long campaign_id, int n_steps,
                           store_walk_fn fn, void *arg, struct errinfo *ei);
/* Enrolments with no send yet, of active campaigns, whose company has
 * fewer than max_per_company people written to in the campaign, in the
 * planner's order of new contacts (enrolment, contact, campaign). */
int store_run_walk_new(struct db *db, const struct runplan *rp,
                       int max_per_company, store_walk_fn fn, void *arg,
                       struct errinfo *ei);
/* Every enrolment in that order (plan -v). */
int store_run_walk_all(struct db *db, const struct runplan *rp,
                       store_walk_fn fn, void *arg, struct errinfo *ei);

#endif
