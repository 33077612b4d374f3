/*
 * store_run_plan.c - what `plan` and `run` decide from: the roster with
 * each mailbox's effective cap, campaigns, enrolments, company counts and
 * suppressions, into struct runplan (see store_run.h).
 */
#include "store_run.h"
#include "store_run_int.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "clock.h"
#include "inbound_class.h"
#include "outbox.h"
#include "sequence.h"
#include "store.h"
#include "suppress.h"
#include "util.h"

#include "banned.h"

/* Ends a use of st after an error: the message first, then the reset. */
static int done_fail(struct db *db, sqlite3_stmt *st, struct errinfo *ei,
                     const char *what)
{
    db_fail(db, ei, what);
    db_done(st);
    return -1;
}

int64_t store_col_time(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    int64_t t = 0;

    if (s && time_parse_iso((const char *)s, &t) < 0)
        t = 0;
    return t;
}

int store_run_roster(struct db *db, int default_cap, struct runplan *rp,
                     struct errinfo *ei)
{
    static const char sql[] =
        "SELECT m.id, m.email, m.display_name, m.status, m.auth,"
        " m.fallback, m.secret, m.password_env, m.password_cmd,"
        " (SELECT MAX(COALESCE(s.sent_at, s.last_attempt_at))"
        "   FROM sends s WHERE s.mailbox_id = m.id),"
        OUTBOX_CAP_COLUMNS
        " FROM mailboxes m ORDER BY m.id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, rp->day, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rp_mailbox *m;
        struct sched_mailbox *s;
        struct caps_mailbox cm;
        enum mailbox_status ms;

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
        s->last_used = store_col_time(st, 9);
        outbox_cap_read(st, 10, &cm);
        s->cap = caps_effective(&cm, default_cap);
        s->used_today = cm.counted;
        /* A quota-full day has lowered the cap: only status stops it. */
        s->available = mailbox_status_parse(m->status, &ms) &&
                       mailbox_status_sends(ms);
        rp->n_mb++;
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read the roster");
    db_done(st);
    return 0;
}

static size_t campaign_index(const struct runplan *rp, long long id);

/* Step 1 of each campaign: its own template. */
static void first_steps(struct runplan *rp)
{
    for (size_t i = 0; i < rp->n_camp; i++) {
        struct rp_campaign *c = &rp->camp[i];

        c->n_steps = 1;
        c->steps = xcalloc(2, sizeof(*c->steps));
        c->steps[1].template_path = c->template_path;
        c->steps[1].subject = c->subject;
    }
}

/* A row of campaign_steps into its campaign (rows come in step order). */
static void step_read(sqlite3_stmt *st, int cooldown_days,
                      struct runplan *rp)
{
    size_t i = campaign_index(rp, sqlite3_column_int64(st, 0));
    struct rp_campaign *c;
    struct rp_step *s;

    if (i >= rp->n_camp || sqlite3_column_int(st, 1) != rp->camp[i].n_steps + 1)
        return;   /* a gap: the steps after it wait (campaign_steps' key) */
    c = &rp->camp[i];
    c->steps = xrealloc(c->steps, (size_t)(c->n_steps + 2) * sizeof(*s));
    s = &c->steps[++c->n_steps];
    s->template_path = db_column_strdup(st, 2);
    s->subject = db_column_strdup(st, 3);
    s->after_s = (int64_t)(sqlite3_column_type(st, 4) == SQLITE_NULL
                               ? cooldown_days
                               : sqlite3_column_int(st, 4)) * 86400;
}

static int store_run_steps(struct db *db, int cooldown_days,
                           struct runplan *rp, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT campaign_id, step, template_path, subject, after_days"
        " FROM campaign_steps ORDER BY campaign_id, step";
    sqlite3_stmt *st = NULL;
    int rc;

    first_steps(rp);
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        step_read(st, cooldown_days, rp);
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read campaign steps");
    db_done(st);
    for (size_t i = 0; i < rp->n_camp; i++) {
        struct rp_campaign *c = &rp->camp[i];

        c->after_s = xcalloc((size_t)c->n_steps + 1, sizeof(*c->after_s));
        for (int k = 2; k <= c->n_steps; k++)
            c->after_s[k] = c->steps[k].after_s;
    }
    return 0;
}

int store_run_campaigns(struct db *db, int cooldown_days, struct runplan *rp,
                        struct errinfo *ei)
{
    static const char sql[] =
        "SELECT id, name, template_path, subject FROM campaigns ORDER BY id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rp_campaign *c;

        if (rp->n_camp == cap) {
            cap = cap ? cap * 2 : 8;
            rp->camp = xrealloc(rp->camp, cap * sizeof(*rp->camp));
        }
        c = &rp->camp[rp->n_camp++];
        memset(c, 0, sizeof(*c));
        c->id = sqlite3_column_int64(st, 0);
        c->name = db_column_strdup(st, 1);
        c->template_path = db_column_strdup(st, 2);
        c->subject = db_column_strdup(st, 3);
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read campaigns");
    db_done(st);
    return store_run_steps(db, cooldown_days, rp, ei);
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

static int reply_cmp(long long a1, long long b1, long long a2,
                     long long b2)
{
    if (a1 != a2)
        return a1 < a2 ? -1 : 1;
    return (b1 > b2) - (b1 < b2);
}

/* Whether someone else of s's company replied to its campaign (a reply
 * matched to their send, SPEC "stop_company_on_reply"): rp->replies is
 * sorted by campaign, company. */
static bool colleague_replied(const struct runplan *rp,
                              const struct sched_candidate *s)
{
    size_t lo = 0, hi = rp->n_replies;

    if (s->company_id == 0)
        return false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct rp_reply *r = &rp->replies[mid];

        if (reply_cmp(r->campaign_id, r->company_id, s->campaign_id,
                      s->company_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < rp->n_replies && rp->replies[lo].campaign_id ==
                                     s->campaign_id &&
           rp->replies[lo].company_id == s->company_id; lo++)
        if (rp->replies[lo].person != s->contact_id)
            return true;
    return false;
}

int store_run_replies(struct db *db, struct runplan *rp, struct errinfo *ei)
{
    /* from the replies (few) to their sends: send_people by send_id */
    static const char sql[] =
        "SELECT DISTINCT rs.campaign_id, rs.company_id, rs.person"
        " FROM inbound i CROSS JOIN send_people rs ON rs.send_id = i.send_id"
        " WHERE i.kind = ?1 AND rs.company_id IS NOT NULL"
        " ORDER BY 1, 2, 3";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, inbound_kind_str(INBOUND_REPLY), -1,
                      SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rp->n_replies == cap) {
            cap = cap ? cap * 2 : 16;
            rp->replies = xrealloc(rp->replies, cap * sizeof(*rp->replies));
        }
        rp->replies[rp->n_replies].campaign_id = sqlite3_column_int64(st, 0);
        rp->replies[rp->n_replies].company_id = sqlite3_column_int64(st, 1);
        rp->replies[rp->n_replies++].person = sqlite3_column_int64(st, 2);
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read replies");
    db_done(st);
    return 0;
}

/* One enrolment's row (CANDIDATE_SELECT) into *s and *c: the step it is
 * at (sequence.h) from its latest send in the campaign. */
void store_run_candidate_read(sqlite3_stmt *st, const struct runplan *rp,
                              struct sched_candidate *s,
                              struct rp_candidate *c)
{
    const struct rp_campaign *camp;
    struct seq_latest l;

    memset(s, 0, sizeof(*s));
    memset(c, 0, sizeof(*c));
    memset(&l, 0, sizeof(l));
    s->campaign_id = sqlite3_column_int64(st, 0);
    s->contact_id = sqlite3_column_int64(st, 1);
    s->company_id = sqlite3_column_int64(st, 2);
    c->email = db_column_strdup(st, 3);
    s->email = c->email;
    s->contact_active = sqlite3_column_int(st, 4);
    s->campaign_active = sqlite3_column_int(st, 5);
    s->enrolled_at = store_col_time(st, 6);
    c->campaign = campaign_index(rp, s->campaign_id);
    camp = c->campaign < rp->n_camp ? &rp->camp[c->campaign] : NULL;
    if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
        l.step = sqlite3_column_int(st, 14);
        /* A status this program does not know ends the sequence. */
        if (!send_status_parse((const char *)sqlite3_column_text(st, 8),
                               &l.status))
            l.status = SEND_UNKNOWN;
        l.sent_at = store_col_time(st, 15);
        l.thread_mailbox_id = sqlite3_column_int64(st, 16);
    }
    seq_candidate(&l, camp ? camp->n_steps : 1, camp ? camp->after_s : NULL,
                  s);
    if (s->existing == SCHED_EXISTING_DEFERRED) {
        c->send_id = db_column_strdup(st, 7);
        s->retry_after = store_col_time(st, 9);
        c->attempts = sqlite3_column_int(st, 10);
    }
    s->last_send_at = store_col_time(st, 11);
    c->company = db_column_strdup(st, 12);
    s->contact_replied = sqlite3_column_int(st, 13);
    s->company_replied = colleague_replied(rp, s);
    c->timezone = db_column_strdup(st, 17);
    c->company_sent = sqlite3_column_int(st, 18);
}

void store_run_candidate_bind(sqlite3_stmt *st)
{
    sqlite3_bind_text(st, 1, contact_status_name(CONTACT_ACTIVE), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 2, contact_status_name(CONTACT_REPLIED), -1,
                      SQLITE_STATIC);
}

int store_run_candidates(struct db *db, struct runplan *rp,
                         struct errinfo *ei)
{
    static const char sql[] =
        CANDIDATE_SELECT " FROM enrollments e" CANDIDATE_JOINS;
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    store_run_candidate_bind(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rp->n_cand == cap) {
            cap = cap ? cap * 2 : 64;
            rp->cand = xrealloc(rp->cand, cap * sizeof(*rp->cand));
            rp->scand = xrealloc(rp->scand, cap * sizeof(*rp->scand));
        }
        store_run_candidate_read(st, rp, &rp->scand[rp->n_cand],
                                 &rp->cand[rp->n_cand]);
        rp->n_cand++;
    }
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read enrolments");
    db_done(st);
    return 0;
}

int store_run_company_counts(struct db *db, struct runplan *rp,
                             struct errinfo *ei)
{
    static const char sql[] =
        /* send_people (migration 0008): erased people still count */
        "SELECT p.campaign_id, p.company_id, COUNT(DISTINCT p.person)"
        " FROM send_people p"
        " WHERE p.status IN " STORE_COUNTED("counts_company")
        " AND p.company_id IS NOT NULL"
        " GROUP BY p.campaign_id, p.company_id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
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
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot count company sends");
    db_done(st);
    return 0;
}

int store_run_suppressions(struct db *db, struct runplan *rp,
                           struct errinfo *ei)
{
    static const char sql[] = "SELECT value FROM suppressions";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    char *raw, *v;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
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
    if (rc != SQLITE_DONE)
        return done_fail(db, st, ei, "cannot read suppressions");
    db_done(st);
    return 0;
}

