/*
 * runplan.c - loads what the plan decides from (store_run_plan.c) in one
 * read snapshot and runs the planner (see runplan.h).
 */
#include "runplan.h"
#include "runplan_int.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "clock.h"
#include "pacing.h"
#include "store_run.h"
#include "util.h"
#include "window.h"

#include "banned.h"


int runplan_load_roster(struct db *db, const struct config *cfg,
                        int64_t now, struct runplan *rp, struct errinfo *ei)
{
    memset(rp, 0, sizeof(*rp));
    rp->now = now;
    if (clock_local_day(now, cfg->timezone, rp->day, ei) < 0)
        return -1;
    return store_run_roster(db, cfg->rules.daily_cap, rp, ei);
}


static const struct window_at *zone_at(const struct config *cfg,
                                       const struct tz *z, int64_t now,
                                       struct zone_window **memo, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if ((*memo)[i].z == z)
            return &(*memo)[i].a;
    *memo = xrealloc(*memo, (*n + 1) * sizeof(**memo));
    (*memo)[*n].z = z;
    window_at(&cfg->schedule.win, z, now, &(*memo)[*n].a);
    return &(*memo)[(*n)++].a;
}

/* The next local midnight in z after now. */
static int64_t midnight_after(const struct tz *z, int64_t now)
{
    int64_t local = now + tz_offset(z, now);
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;

    return window_local_to_utc(z, (day + 1) * 86400);
}

/* runplan.horizon: the end of the window open now, or of one opening
 * before midnight; else now (nothing more today). */
static int64_t today_end(const struct tz *z, int64_t now,
                         const struct window_at *a)
{
    if (a->open || a->opens < midnight_after(z, now))
        return a->closes;
    return now;
}

/* Spreading: each mailbox over what is left of the sender's window. */
static void spread(const struct window_at *a, int64_t now,
                   struct runplan *rp)
{
    for (size_t i = 0; a->open && i < rp->n_mb; i++) {
        struct sched_mailbox *m = &rp->smb[i];

        m->not_before = pacing_spread_next(m->last_used, now, a->closes,
                                           caps_remaining(m->cap,
                                                          m->used_today));
        m->one_now = true;
    }
}

/* Without a schedule, the day ends at local midnight. */
static int horizon_default(const struct config *cfg, int64_t now,
                           struct runplan *rp, struct errinfo *ei)
{
    const struct tz *z;

    if (clock_zone(cfg->timezone, &z, ei) < 0)
        return -1;
    rp->horizon = midnight_after(z, now);
    return 0;
}

/*
 * Each candidate's send window (schedule:, SPEC "Schedule and ramp-up"):
 * in the configured zone, or with zone: recipient in the contact's own
 * (the sender's when it has none, or one no longer in the zoneinfo
 * database).  Also the roster's spreading and rp->horizon.
 */
int rp_windows_init(struct rp_windows *w, const struct config *cfg,
                    int64_t now, struct runplan *rp, struct errinfo *ei)
{
    const struct tz *sender;

    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->now = now;
    if (horizon_default(cfg, now, rp, ei) < 0)
        return -1;
    if (!cfg->schedule.configured)
        return 0;
    if (clock_zone(cfg->timezone, &sender, ei) < 0)
        return -1;
    (void)zone_at(cfg, sender, now, &w->memo, &w->n);   /* memo[0] */
    if (cfg->schedule.spread)
        spread(&w->memo[0].a, now, rp);   /* memo[0]: the sender's */
    rp->horizon = today_end(sender, now, &w->memo[0].a);
    return 0;
}

int64_t rp_window_opens(struct rp_windows *w, const char *timezone)
{
    const struct window_at *a;
    const struct tz *z;
    struct errinfo zei = { ERR_OK, "" };

    if (!w->memo)
        return 0;   /* no schedule: always open */
    /* memo moves as it grows: take pointers into it afresh */
    a = &w->memo[0].a;
    if (w->cfg->schedule.zone_recipient && timezone &&
        clock_zone(timezone, &z, &zei) == 0)
        a = zone_at(w->cfg, z, w->now, &w->memo, &w->n);
    return a->open ? 0 : a->opens;
}

void rp_windows_release(struct rp_windows *w)
{
    free(w->memo);
    w->memo = NULL;
    w->n = 0;
}

static int windows(const struct config *cfg, int64_t now, struct runplan *rp,
                   struct errinfo *ei)
{
    struct rp_windows w;

    if (rp_windows_init(&w, cfg, now, rp, ei) < 0)
        return -1;
    for (size_t i = 0; i < rp->n_cand; i++)
        rp->scand[i].window_opens = rp_window_opens(&w, rp->cand[i].timezone);
    rp_windows_release(&w);
    return 0;
}

/* The planner's input but the candidates (runplan_stream too). */
void rp_sched_input(const struct config *cfg, size_t max,
                    const struct runplan *rp, struct sched_input *in)
{
    memset(in, 0, sizeof(*in));
    in->mailboxes = rp->smb;
    in->n_mailboxes = rp->n_mb;
    in->company_counts = rp->cc;
    in->n_company_counts = rp->n_cc;
    in->suppressions = (const char *const *)rp->supp;
    in->n_suppressions = rp->n_supp;
    in->cooldown_s = (int64_t)cfg->rules.cooldown_days * 86400;
    in->max_per_company = cfg->rules.max_contacts_per_company;
    in->stop_company_on_reply = cfg->rules.stop_company_on_reply;
    in->max_messages = max;
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
    if (store_run_roster(db, cfg->rules.daily_cap, rp, ei) < 0 ||
        store_run_campaigns(db, cfg->rules.cooldown_days, rp, ei) < 0 ||
        store_run_replies(db, rp, ei) < 0 ||
        store_run_candidates(db, rp, ei) < 0 ||
        store_run_company_counts(db, rp, ei) < 0 ||
        store_run_suppressions(db, rp, ei) < 0) {
        db_rollback(db);
        return -1;
    }
    db_rollback(db);
    if (windows(cfg, now, rp, ei) < 0)
        return -1;
    rp_sched_input(cfg, max, rp, &in);
    in.candidates = rp->scand;
    in.n_candidates = rp->n_cand;
    if (sched_plan(&in, now, &rp->plan, ei) < 0)
        return -1;
    for (size_t i = 0; i < rp->plan.n_skips; i++)
        if (rp->plan.skips[i].reason == SCHED_NO_CAPACITY)
            rp->waiting++;
    return 0;
}

void rp_candidate_release(struct rp_candidate *c)
{
    free(c->email);
    free(c->company);
    free(c->timezone);
    free(c->send_id);
    memset(c, 0, sizeof(*c));
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
        struct rp_campaign *c = &rp->camp[i];

        /* steps[1] shares the campaign's own strings */
        for (int k = 2; k <= c->n_steps; k++) {
            free(c->steps[k].template_path);
            free(c->steps[k].subject);
        }
        free(c->steps);
        free(c->after_s);
        free(c->name);
        free(c->template_path);
        free(c->subject);
    }
    for (size_t i = 0; i < rp->n_cand; i++)
        rp_candidate_release(&rp->cand[i]);
    for (size_t i = 0; i < rp->n_supp; i++)
        free(rp->supp[i]);
    free(rp->mb);
    free(rp->smb);
    free(rp->camp);
    free(rp->cand);
    free(rp->scand);
    free(rp->cc);
    free(rp->supp);
    free(rp->replies);
    sched_plan_release(&rp->plan);
    memset(rp, 0, sizeof(*rp));
}
