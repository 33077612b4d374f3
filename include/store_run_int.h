/*
 * store_run_int.h - what store_run_plan.c (every enrolment, for the
 * exhaustive planner) and store_run_walk.c (the enrolments the planner can
 * use, in its order) share: one enrolment's columns and how a row is read.
 * Private to those two files.  Not pure.
 */
#ifndef MAILROTA_STORE_RUN_INT_H
#define MAILROTA_STORE_RUN_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "runplan.h"
#include "scheduler.h"
#include "store.h"

/* One enrolment `e` with its contact, campaign, latest send and what the
 * rules need (columns read by store_run_candidate_read, parameters ?1-?2
 * bound by store_run_candidate_bind; a colleague's reply comes from
 * rp->replies, store_run_replies).  Follow with FROM enrollments e
 * [INDEXED BY ...] CANDIDATE_JOINS [WHERE ...]. */
#define CANDIDATE_SELECT \
    "SELECT e.campaign_id, e.contact_id, COALESCE(c.company_id, 0)," \
    " c.email, c.status = ?1, ca.status = 'active'," \
    " e.enrolled_at, s.id, s.status, s.retry_after," \
    " COALESCE(s.attempts, 0)," \
    " (SELECT MAX(COALESCE(x.sent_at, x.last_attempt_at, x.created_at))" \
    "   FROM sends x WHERE x.contact_id = e.contact_id" \
    "   AND x.status IN " STORE_COUNTED("counts_cooldown") ")," \
    " co.name, c.status = ?2," \
    /* the latest step's send; the thread's mailbox (step 1's) */ \
    " s.step, s.sent_at," \
    " (SELECT t.mailbox_id FROM sends t WHERE t.campaign_id =" \
    "   e.campaign_id AND t.contact_id = e.contact_id AND t.step = 1)," \
    " c.timezone, e.company_sent"

#define CANDIDATE_JOINS \
    " CROSS JOIN contacts c ON c.id = e.contact_id" \
    " JOIN campaigns ca ON ca.id = e.campaign_id" \
    " LEFT JOIN sends s ON s.campaign_id = e.campaign_id" \
    "   AND s.contact_id = e.contact_id" \
    "   AND s.step = (SELECT MAX(x.step) FROM sends x" \
    "     WHERE x.campaign_id = e.campaign_id" \
    "     AND x.contact_id = e.contact_id)" \
    " LEFT JOIN companies co ON co.id = c.company_id"

void store_run_candidate_bind(sqlite3_stmt *st);
/* Fills *s and *c (zeroed first; c's strings are new, s->email is
 * c->email); company_replied from rp->replies. */
void store_run_candidate_read(sqlite3_stmt *st, const struct runplan *rp,
                              struct sched_candidate *s,
                              struct rp_candidate *c);
/* An ISO time column as seconds (0 when NULL or not a time). */
int64_t store_col_time(sqlite3_stmt *st, int col);

#endif
