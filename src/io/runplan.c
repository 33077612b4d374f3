#include "runplan.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "suppress.h"
#include "util.h"

#include "banned.h"


static int64_t col_time(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    int64_t t = 0;

    if (s && time_parse_iso((const char *)s, &t) < 0)
        t = 0;
    return t;
}

static int load_mailboxes(struct db *db, const struct config *cfg,
                          struct runplan *rp, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_prepare(db,
                   "SELECT m.id, m.email, m.display_name, m.status,"
                   " m.auth, m.fallback, m.secret, m.password_env,"
                   " m.password_cmd,"
                   " (SELECT MAX(COALESCE(s.sent_at, s.last_attempt_at))"
                   "   FROM sends s WHERE s.mailbox_id = m.id),"
                   OUTBOX_CAP_COLUMNS
                   " FROM mailboxes m ORDER BY m.id",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, rp->day, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rp_mailbox *m;
        struct sched_mailbox *s;
        struct caps_mailbox cm;

        if (rp->n_mb == cap) {
            cap = cap ? cap * 2 : 16;
            rp->mb = xrealloc(rp->mb, cap * sizeof(*rp->mb));
            rp->smb = xrealloc(rp->smb, cap * sizeof(*rp->smb));
        }
        m = &rp->mb[rp->n_mb];
        s = &rp->smb[rp->n_mb];
        memset(m, 0, sizeof(*m));
        memset(s, 0, sizeof(*s));
        m->id = s->id = sqlite3_column_int64(st, 0);
        m->email = db_column_strdup(st, 1);
        m->display_name = db_column_strdup(st, 2);
        m->status = db_column_strdup(st, 3);
        m->auth = db_column_strdup(st, 4);
        m->fallback = db_column_strdup(st, 5);
        m->secret = db_column_strdup(st, 6);
        m->password_env = db_column_strdup(st, 7);
        m->password_cmd = db_column_strdup(st, 8);
        s->last_used = col_time(st, 9);
        outbox_cap_read(st, 10, &cm);
        s->cap = caps_effective(&cm, cfg->rules.daily_cap);
        s->used_today = cm.counted;
        /* A quota-full day has lowered the cap: only status stops it. */
        s->available = strcmp(m->status, "cold-ready") == 0;
        rp->n_mb++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the roster");
    return 0;
}

static int load_campaigns(struct db *db, struct runplan *rp,
                          struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_prepare(db, "SELECT id, name, template_path, subject"
                       " FROM campaigns ORDER BY id", &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rp_campaign *c;

        if (rp->n_camp == cap) {
            cap = cap ? cap * 2 : 8;
            rp->camp = xrealloc(rp->camp, cap * sizeof(*rp->camp));
        }
        c = &rp->camp[rp->n_camp++];
        c->id = sqlite3_column_int64(st, 0);
        c->name = db_column_strdup(st, 1);
        c->template_path = db_column_strdup(st, 2);
        c->subject = db_column_strdup(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read campaigns");
    return 0;
}

static size_t campaign_index(const struct runplan *rp, long long id)
{
    size_t lo = 0, hi = rp->n_camp;

    while (lo < hi) {   /* ordered by id */
        size_t mid = lo + (hi - lo) / 2;
        if (rp->camp[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int load_candidates(struct db *db, struct runplan *rp,
                           struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_prepare(db,
                   "SELECT e.campaign_id, e.contact_id,"
                   " COALESCE(c.company_id, 0), c.email,"
                   " c.status = 'active', ca.status = 'active',"
                   " e.enrolled_at, s.id, s.status, s.retry_after,"
                   " COALESCE(s.attempts, 0),"
                   " (SELECT MAX(COALESCE(x.sent_at, x.last_attempt_at,"
                   "   x.created_at)) FROM sends x"
                   "   WHERE x.contact_id = e.contact_id"
                   "   AND x.status IN " STORE_COUNTED("counts_cooldown") "),"
                   " co.name"
                   " FROM enrollments e"
                   " JOIN contacts c ON c.id = e.contact_id"
                   " JOIN campaigns ca ON ca.id = e.campaign_id"
                   " LEFT JOIN sends s ON s.campaign_id = e.campaign_id"
                   "   AND s.contact_id = e.contact_id"
                   " LEFT JOIN companies co ON co.id = c.company_id",
                   &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sched_candidate *s;
        struct rp_candidate *c;
        const unsigned char *status;

        if (rp->n_cand == cap) {
            cap = cap ? cap * 2 : 64;
            rp->cand = xrealloc(rp->cand, cap * sizeof(*rp->cand));
            rp->scand = xrealloc(rp->scand, cap * sizeof(*rp->scand));
        }
        s = &rp->scand[rp->n_cand];
        c = &rp->cand[rp->n_cand];
        memset(s, 0, sizeof(*s));
        memset(c, 0, sizeof(*c));
        s->campaign_id = sqlite3_column_int64(st, 0);
        s->contact_id = sqlite3_column_int64(st, 1);
        s->company_id = sqlite3_column_int64(st, 2);
        c->email = db_column_strdup(st, 3);
        s->email = c->email;
        s->contact_active = sqlite3_column_int(st, 4);
        s->campaign_active = sqlite3_column_int(st, 5);
        s->enrolled_at = col_time(st, 6);
        status = sqlite3_column_text(st, 8);
        if (!status) {
            s->existing = SCHED_EXISTING_NONE;
        } else if (strcmp((const char *)status, "deferred") == 0) {
            s->existing = SCHED_EXISTING_DEFERRED;
            c->send_id = db_column_strdup(st, 7);
            s->retry_after = col_time(st, 9);
            c->attempts = sqlite3_column_int(st, 10);
        } else {
            s->existing = SCHED_EXISTING_DONE;
        }
        s->last_send_at = col_time(st, 11);
        c->company = db_column_strdup(st, 12);
        c->campaign = campaign_index(rp, s->campaign_id);
        rp->n_cand++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read enrolments");
    return 0;
}

static int load_company_counts(struct db *db, struct runplan *rp,
                               struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_prepare(db,
                   "SELECT s.campaign_id, c.company_id,"
                   " COUNT(DISTINCT s.contact_id)"
                   " FROM sends s JOIN contacts c ON c.id = s.contact_id"
                   " WHERE s.status IN " STORE_COUNTED("counts_company")
                   " AND c.company_id IS NOT NULL"
                   " GROUP BY s.campaign_id, c.company_id",
                   &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rp->n_cc == cap) {
            cap = cap ? cap * 2 : 64;
            rp->cc = xrealloc(rp->cc, cap * sizeof(*rp->cc));
        }
        rp->cc[rp->n_cc].campaign_id = sqlite3_column_int64(st, 0);
        rp->cc[rp->n_cc].company_id = sqlite3_column_int64(st, 1);
        rp->cc[rp->n_cc].contacts = sqlite3_column_int(st, 2);
        rp->n_cc++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot count company sends");
    return 0;
}

static int load_suppressions(struct db *db, struct runplan *rp,
                             struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    char *raw, *v;
    int rc;

    if (db_prepare(db, "SELECT value FROM suppressions", &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rp->n_supp == cap) {
            cap = cap ? cap * 2 : 16;
            rp->supp = xrealloc(rp->supp, cap * sizeof(*rp->supp));
        }
        /* Read as `suppress add` would store it today: an older
         * mailrota kept "*@acme.com" as an address that matched nobody. */
        raw = db_column_strdup(st, 0);
        v = raw ? suppress_value(raw, NULL, NULL) : NULL;
        rp->supp[rp->n_supp++] = v ? v : raw;
        if (v)
            free(raw);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read suppressions");
    return 0;
}

int runplan_load_roster(struct db *db, const struct config *cfg,
                        int64_t now, struct runplan *rp, struct errinfo *ei)
{
    memset(rp, 0, sizeof(*rp));
    rp->now = now;
    if (clock_local_day(now, cfg->timezone, rp->day, ei) < 0)
        return -1;
    return load_mailboxes(db, cfg, rp, ei);
}

int runplan_load(struct db *db, const struct config *cfg, int64_t now,
                 size_t max, struct runplan *rp, struct errinfo *ei)
{
    struct sched_input in;

    memset(rp, 0, sizeof(*rp));
    rp->now = now;
    if (clock_local_day(now, cfg->timezone, rp->day, ei) < 0)
        return -1;
    /* One read transaction: a consistent snapshot of everything. */
    if (db_begin(db, false, ei) < 0)
        return -1;
    if (load_mailboxes(db, cfg, rp, ei) < 0 ||
        load_campaigns(db, rp, ei) < 0 ||
        load_candidates(db, rp, ei) < 0 ||
        load_company_counts(db, rp, ei) < 0 ||
        load_suppressions(db, rp, ei) < 0) {
        db_rollback(db);
        return -1;
    }
    db_rollback(db);
    memset(&in, 0, sizeof(in));
    in.mailboxes = rp->smb;
    in.n_mailboxes = rp->n_mb;
    in.candidates = rp->scand;
    in.n_candidates = rp->n_cand;
    in.company_counts = rp->cc;
    in.n_company_counts = rp->n_cc;
    in.suppressions = (const char *const *)rp->supp;
    in.n_suppressions = rp->n_supp;
    in.cooldown_s = (int64_t)cfg->rules.cooldown_days * 86400;
    in.max_per_company = cfg->rules.max_contacts_per_company;
    in.max_messages = max;
    return sched_plan(&in, now, &rp->plan, ei);
}

void runplan_release(struct runplan *rp)
{
    for (size_t i = 0; i < rp->n_mb; i++) {
        struct rp_mailbox *m = &rp->mb[i];
        free(m->email);
        free(m->display_name);
        free(m->status);
        free(m->auth);
        free(m->fallback);
        free(m->secret);
        free(m->password_env);
        free(m->password_cmd);
    }
    for (size_t i = 0; i < rp->n_camp; i++) {
        free(rp->camp[i].name);
        free(rp->camp[i].template_path);
        free(rp->camp[i].subject);
    }
    for (size_t i = 0; i < rp->n_cand; i++) {
        free(rp->cand[i].email);
        free(rp->cand[i].company);
        free(rp->cand[i].send_id);
    }
    for (size_t i = 0; i < rp->n_supp; i++)
        free(rp->supp[i]);
    free(rp->mb);
    free(rp->smb);
    free(rp->camp);
    free(rp->cand);
    free(rp->scand);
    free(rp->cc);
    free(rp->supp);
    sched_plan_release(&rp->plan);
    memset(rp, 0, sizeof(*rp));
}
