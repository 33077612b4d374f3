/*
 * store_run_walk.c - the enrolments the planner can use, read in its own
 * order so that it need not hold them all (runplan_stream, issue 17):
 * deferred retries, threads waiting for their next step, new contacts.
 * The indexes and columns of migration 0013 serve every query; the rules
 * themselves stay in core (each row read is offered to the planner).
 */
#include "store_run_walk.h"

#include <stdlib.h>
#include <string.h>

#include "store_run_int.h"
#include "util.h"

#include "banned.h"

/* Steps st, reading each row and handing it to fn; the row's strings are
 * freed after fn unless it took them (set them to NULL). */
static int walk(struct db *db, sqlite3_stmt *st, const struct runplan *rp,
                store_walk_fn fn, void *arg, struct errinfo *ei)
{
    int rc, r = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sched_candidate s;
        struct rp_candidate c;

        store_run_candidate_read(st, rp, &s, &c);
        r = fn(arg, &s, &c, ei);
        free(c.email);
        free(c.company);
        free(c.timezone);
        free(c.send_id);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE) {
        db_fail(db, ei, "cannot read enrolments");
        r = -1;
    }
    db_done(st);
    return r < 0 ? -1 : r;
}

int store_run_walk_deferred(struct db *db, const struct runplan *rp,
                            long long campaign_id, store_walk_fn fn,
                            void *arg, struct errinfo *ei)
{
    static const char sql[] =
        CANDIDATE_SELECT " FROM enrollments e INDEXED BY enrollments_thread"
        CANDIDATE_JOINS
        " WHERE e.campaign_id = ?4 AND e.latest_status = ?5"
        " AND e.latest_step > 0";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    sqlite3_bind_int64(st, 4, campaign_id);
    sqlite3_bind_text(st, 5, send_status_name(SEND_DEFERRED), -1,
                      SQLITE_STATIC);
    return walk(db, st, rp, fn, arg, ei);
}

int store_run_walk_due(struct db *db, const struct runplan *rp,
                       long long campaign_id, int step, const char *sent_by,
                       store_walk_fn fn, void *arg, struct errinfo *ei)
{
    static const char sql[] =
        CANDIDATE_SELECT " FROM enrollments e INDEXED BY enrollments_thread"
        CANDIDATE_JOINS
        " WHERE e.campaign_id = ?4 AND e.latest_status = ?5"
        " AND e.latest_step = ?6"
        /* a sent_at missing (a hand edit) reads as long ago */
        " AND (e.latest_at IS NULL OR e.latest_at <= ?7)"
        " AND e.latest_step > 0";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    sqlite3_bind_int64(st, 4, campaign_id);
    sqlite3_bind_text(st, 5, send_status_name(SEND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, step);
    sqlite3_bind_text(st, 7, sent_by, -1, SQLITE_TRANSIENT);
    return walk(db, st, rp, fn, arg, ei);
}

int store_run_walk_threads(struct db *db, const struct runplan *rp,
                           long long campaign_id, int n_steps,
                           store_walk_fn fn, void *arg, struct errinfo *ei)
{
    static const char sql[] =
        CANDIDATE_SELECT " FROM enrollments e INDEXED BY enrollments_thread"
        CANDIDATE_JOINS
        " WHERE e.campaign_id = ?4 AND e.latest_status <> ?5"
        " AND e.latest_step > 0 AND e.latest_step < ?6";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    sqlite3_bind_int64(st, 4, campaign_id);
    sqlite3_bind_text(st, 5, send_status_name(SEND_DEFERRED), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, 6, n_steps);
    return walk(db, st, rp, fn, arg, ei);
}

int store_run_walk_new(struct db *db, const struct runplan *rp,
                       int max_per_company, store_walk_fn fn, void *arg,
                       struct errinfo *ei)
{
    static const char sql[] =
        CANDIDATE_SELECT " FROM enrollments e INDEXED BY enrollments_new"
        CANDIDATE_JOINS
        " WHERE e.latest_step = 0 AND e.company_sent < ?4"
        " AND e.campaign_id IN (SELECT id FROM campaigns"
        "   WHERE status = 'active')"
        " ORDER BY e.enrolled_at, e.contact_id, e.campaign_id";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    sqlite3_bind_int(st, 4, max_per_company);
    return walk(db, st, rp, fn, arg, ei);
}

int store_run_walk_all(struct db *db, const struct runplan *rp,
                       store_walk_fn fn, void *arg, struct errinfo *ei)
{
    static const char sql[] =
        /* sorted by SQLite (in bounded memory, spilling to a temporary
         * file): no index serves this order, see migration 0013 */
        CANDIDATE_SELECT " FROM enrollments e" CANDIDATE_JOINS
        " ORDER BY e.enrolled_at, e.contact_id, e.campaign_id";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    return walk(db, st, rp, fn, arg, ei);
}
