/*
 * store_report.c - the figures of `report` (see store_report.h).
 */
#include "store_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "outbox.h"
#include "store.h"
#include "store_bouncerate.h"
#include "tz.h"
#include "util.h"

#include "banned.h"

#define WENT_OUT "('sent', 'bounced')"

static int done_fail(struct db *db, sqlite3_stmt *st, struct errinfo *ei,
                     const char *what)
{
    db_fail(db, ei, what);
    db_done(st);
    return -1;
}

/* The local days (oldest first) into every mailbox's days. */
static int fill_days(const struct config *cfg, int64_t now, struct report *r,
                     struct errinfo *ei)
{
    const struct tz *z;
    int64_t local, day;

    if (clock_zone(cfg->timezone, &z, ei) < 0)
        return -1;
    local = now + tz_offset(z, now);
    day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    for (size_t i = 0; i < r->n_mb; i++) {
        r->mb[i].days = xcalloc((size_t)r->n_days, sizeof(struct rep_day));
        for (int k = 0; k < r->n_days; k++) {
            int y, mo, d;

            time_civil((day - (r->n_days - 1 - k)) * 86400, &y, &mo, &d);
            snprintf(r->mb[i].days[k].day, sizeof(r->mb[i].days[k].day),
                     "%04d-%02d-%02d", y, mo, d);
        }
    }
    return 0;
}

static int load_mailboxes(struct db *db, const char *today, struct report *r,
                          struct errinfo *ei)
{
    static const char sql[] =
        "SELECT m.id, m.email, m.status," OUTBOX_CAP_COLUMNS
        " FROM mailboxes m ORDER BY m.id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rep_mailbox *m;

        if (r->n_mb == cap) {
            cap = cap ? cap * 2 : 8;
            r->mb = xrealloc(r->mb, cap * sizeof(*r->mb));
        }
        m = &r->mb[r->n_mb++];
        memset(m, 0, sizeof(*m));
        m->id = sqlite3_column_int64(st, 0);
        m->email = db_column_strdup(st, 1);
        m->status = db_column_strdup(st, 2);
        outbox_cap_read(st, 3, &m->caps_now);
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read the mailboxes");
    db_done(st);
    return 0;
}

/* One mailbox's day: its counts and the cap caps_effective gives it. */
static int mailbox_day(struct db *db, long long id, int default_cap,
                       struct rep_day *d, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT" OUTBOX_CAP_COLUMNS ","
        " (SELECT COUNT(*) FROM sends s WHERE s.mailbox_id = m.id"
        "   AND s.day = ?1 AND s.status IN " WENT_OUT "),"
        " (SELECT COUNT(*) FROM sends s WHERE s.mailbox_id = m.id"
        "   AND s.day = ?1 AND s.status = 'bounced'),"
        " (SELECT COUNT(*) FROM sends s WHERE s.mailbox_id = m.id"
        "   AND s.day = ?1 AND s.status = 'deferred')"
        " FROM mailboxes m WHERE m.id = ?2";
    sqlite3_stmt *st = NULL;
    struct caps_mailbox cm;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, d->day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return done_fail(db, st, ei, "cannot count a mailbox's day");
    outbox_cap_read(st, 0, &cm);
    d->cap = caps_effective(&cm, default_cap);
    d->sent = sqlite3_column_int(st, OUTBOX_CAP_NCOLS);
    d->bounced = sqlite3_column_int(st, OUTBOX_CAP_NCOLS + 1);
    d->deferred = sqlite3_column_int(st, OUTBOX_CAP_NCOLS + 2);
    db_done(st);
    return 0;
}

static void reply_add(struct report *r, long long mailbox, const char *day)
{
    for (size_t i = 0; i < r->n_mb; i++)
        for (int k = 0; r->mb[i].id == mailbox && k < r->n_days; k++)
            if (strcmp(r->mb[i].days[k].day, day) == 0)
                r->mb[i].days[k].replies++;
}

/* Replies matched to a send of the mailbox, by their local day. */
static int load_replies(struct db *db, const struct config *cfg,
                        struct report *r, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT s.mailbox_id, i.received_at FROM inbound i"
        " JOIN sends s ON s.id = i.send_id WHERE i.kind = 'reply'";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *at = sqlite3_column_text(st, 1);
        int64_t t;
        char day[11];
        struct errinfo zei = { ERR_OK, "" };

        if (!at || time_parse_iso((const char *)at, &t) < 0 ||
            clock_local_day(t, cfg->timezone, day, &zei) < 0)
            continue;
        reply_add(r, sqlite3_column_int64(st, 0), day);
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read the replies");
    db_done(st);
    return 0;
}

static int load_campaigns(struct db *db, struct report *r,
                          struct errinfo *ei)
{
    static const char sql[] =
        "SELECT c.id, c.name, c.status,"
        " (SELECT COUNT(*) FROM enrollments e WHERE e.campaign_id = c.id),"
        " MAX(1, COALESCE((SELECT MAX(step) FROM campaign_steps cs"
        "   WHERE cs.campaign_id = c.id), 1),"
        "  COALESCE((SELECT MAX(step) FROM sends s"
        "   WHERE s.campaign_id = c.id), 1))"
        " FROM campaigns c ORDER BY c.id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rep_campaign *c;

        if (r->n_camp == cap) {
            cap = cap ? cap * 2 : 8;
            r->camp = xrealloc(r->camp, cap * sizeof(*r->camp));
        }
        c = &r->camp[r->n_camp++];
        memset(c, 0, sizeof(*c));
        c->id = sqlite3_column_int64(st, 0);
        c->name = db_column_strdup(st, 1);
        c->status = db_column_strdup(st, 2);
        c->enrolled = sqlite3_column_int(st, 3);
        c->n_steps = sqlite3_column_int(st, 4);
        c->steps = xcalloc((size_t)c->n_steps + 1, sizeof(*c->steps));
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read the campaigns");
    db_done(st);
    return 0;
}

static struct rep_step *step_of(struct report *r, long long camp, int step)
{
    for (size_t i = 0; i < r->n_camp; i++)
        if (r->camp[i].id == camp && step >= 1 && step <= r->camp[i].n_steps)
            return &r->camp[i].steps[step];
    return NULL;
}

static int load_funnel(struct db *db, struct report *r, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT s.campaign_id, s.step, SUM(s.status IN " WENT_OUT "),"
        " SUM(s.status = 'bounced'),"
        " SUM(EXISTS (SELECT 1 FROM inbound i WHERE i.send_id = s.id"
        "   AND i.kind = 'reply')),"
        " SUM(EXISTS (SELECT 1 FROM inbound i WHERE i.send_id = s.id"
        "   AND i.kind = 'unsubscribe'))"
        " FROM sends s GROUP BY s.campaign_id, s.step";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rep_step *p = step_of(r, sqlite3_column_int64(st, 0),
                                     sqlite3_column_int(st, 1));

        if (!p)
            continue;
        p->sent = sqlite3_column_int(st, 2);
        p->bounced = sqlite3_column_int(st, 3);
        p->replied = sqlite3_column_int(st, 4);
        p->unsubscribed = sqlite3_column_int(st, 5);
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot count the campaigns' steps");
    db_done(st);
    return 0;
}

static int load_mailbox_figures(struct db *db, const struct config *cfg,
                                struct report *r, struct errinfo *ei)
{
    struct bouncerate_rule br = {
        cfg->rules.bounce_window, cfg->rules.bounce_min_sends,
        cfg->rules.max_bounce_rate,
    };

    for (size_t i = 0; i < r->n_mb; i++) {
        struct rep_mailbox *m = &r->mb[i];

        for (int k = 0; k < r->n_days; k++)
            if (mailbox_day(db, m->id, cfg->rules.daily_cap, &m->days[k],
                            ei) < 0)
                return -1;
        if (store_bouncerate_count(db, m->id, &br, &m->window_n,
                                   &m->window_bounced, ei) < 0)
            return -1;
    }
    return 0;
}

int store_report_load(struct db *db, const struct config *cfg, int64_t now,
                      int days, struct report *r, struct errinfo *ei)
{
    char today[11];
    int rc = -1;

    memset(r, 0, sizeof(*r));
    r->n_days = days;
    if (clock_local_day(now, cfg->timezone, today, ei) < 0)
        return -1;
    /* One read transaction: a consistent snapshot of everything. */
    if (db_begin(db, false, ei) < 0)
        return -1;
    if (load_mailboxes(db, today, r, ei) == 0 &&
        fill_days(cfg, now, r, ei) == 0 &&
        load_mailbox_figures(db, cfg, r, ei) == 0 &&
        load_replies(db, cfg, r, ei) == 0 && load_campaigns(db, r, ei) == 0 &&
        load_funnel(db, r, ei) == 0)
        rc = 0;
    db_rollback(db);
    return rc;
}

void store_report_release(struct report *r)
{
    for (size_t i = 0; i < r->n_mb; i++) {
        free(r->mb[i].email);
        free(r->mb[i].status);
        free(r->mb[i].days);
    }
    for (size_t i = 0; i < r->n_camp; i++) {
        free(r->camp[i].name);
        free(r->camp[i].status);
        free(r->camp[i].steps);
    }
    free(r->mb);
    free(r->camp);
    memset(r, 0, sizeof(*r));
}
