/*
 * runplan_stream.c - the plan without holding every enrolment (issue 17):
 * the candidates are read in the planner's own order (store_run_walk.c)
 * and offered one at a time to the same planner (sched_stream), and the
 * reading stops once no mailbox has room.  Only the planned candidates
 * are kept; -v hears of every other one as it goes.  runplan_load (every
 * enrolment, sorted, sched_plan) gives the same plan and stays as the
 * oracle of the tests and the report's input.
 *
 * The order (scheduler.h): deferred retries, then due follow-ups, then
 * new contacts.  The first two are few (a backlog) and are sorted here
 * with sched_order_cmp; new contacts come sorted from an index.  Without
 * -v only candidates that can be planned are read: a retry, a thread whose
 * next step's wait has passed, an enrolment with no send whose company is
 * under its limit.  Every other one would be skipped, and a skipped
 * candidate changes nothing for those after it.
 */
#include "runplan.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runplan_int.h"
#include "store_run.h"
#include "store_run_walk.h"
#include "util.h"

#include "banned.h"

struct stream {
    struct runplan *rp;
    const struct config *cfg;
    struct sched_input in;
    struct sched_stream *ss;
    struct rp_windows win;
    runplan_skip_fn on_skip;   /* NULL: stop when full */
    bool count_waiting;        /* RUNPLAN_COUNT_WAITING */
    void *arg;
    size_t cap;                /* of rp->cand, rp->scand, items */
    size_t after_full;         /* candidates read once there was no room */
    /* a class read before it is offered (retries, follow-ups) */
    struct sched_candidate *bs;
    struct rp_candidate *bc;
    size_t bn, bcap;
};

/* Keeps a planned candidate in rp (taking its strings). */
static void keep(struct stream *st, struct sched_candidate *s,
                 struct rp_candidate *c, size_t mailbox)
{
    struct runplan *rp = st->rp;
    size_t i = rp->n_cand;

    if (i == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        rp->cand = xrealloc(rp->cand, st->cap * sizeof(*rp->cand));
        rp->scand = xrealloc(rp->scand, st->cap * sizeof(*rp->scand));
        rp->plan.items = xrealloc(rp->plan.items,
                                  st->cap * sizeof(*rp->plan.items));
    }
    rp->cand[i] = *c;
    rp->scand[i] = *s;
    memset(c, 0, sizeof(*c));
    rp->plan.items[i].candidate = i;
    rp->plan.items[i].mailbox = mailbox;
    rp->plan.n_items = rp->n_cand = i + 1;
}

/* Offers one candidate; 1 when the reading may stop. */
static int offer(struct stream *st, struct sched_candidate *s,
                 struct rp_candidate *c)
{
    enum sched_reason r;
    size_t mailbox;
    int64_t until;

    s->window_opens = rp_window_opens(&st->win, c->timezone);
    sched_stream_company(st->ss, s->campaign_id, s->company_id,
                         c->company_sent);
    r = sched_stream_offer(st->ss, s, &until, &mailbox);
    if (r == 0)
        keep(st, s, c, mailbox);
    else if (st->on_skip)
        st->on_skip(st->arg, st->rp, c, r, until);
    if (r == SCHED_NO_CAPACITY)
        st->rp->waiting++;
    if (st->on_skip || sched_stream_room(st->ss))
        return 0;
    /* Full: read on a little, only to count who waits for a mailbox. */
    if (st->count_waiting && st->after_full++ < RUNPLAN_WAITING_READ)
        return 0;
    st->rp->waiting_more = true;
    return 1;
}

static int offer_fn(void *arg, struct sched_candidate *s,
                    struct rp_candidate *c, struct errinfo *ei)
{
    struct stream *st = arg;

    (void)ei;
    /* -v reads every enrolment here: the others came before */
    if (st->on_skip && !sched_order_static(s))
        return 0;
    return offer(st, s, c);
}

/* Reads a candidate into the buffer (a class offered once sorted). */
static int buffer_fn(void *arg, struct sched_candidate *s,
                     struct rp_candidate *c, struct errinfo *ei)
{
    struct stream *st = arg;

    (void)ei;
    if (st->bn == st->bcap) {
        st->bcap = st->bcap ? st->bcap * 2 : 64;
        st->bs = xrealloc(st->bs, st->bcap * sizeof(*st->bs));
        st->bc = xrealloc(st->bc, st->bcap * sizeof(*st->bc));
    }
    st->bs[st->bn] = *s;
    st->bc[st->bn] = *c;
    memset(c, 0, sizeof(*c));
    st->bn++;
    return 0;
}

/* A buffered candidate as qsort sees it. */
struct bref {
    const struct sched_candidate *c;
    size_t i;
    int64_t cooldown_s;
};

static int bref_cmp(const void *a, const void *b)
{
    const struct bref *x = a, *y = b;
    int r = sched_order_cmp(x->c, y->c, x->cooldown_s);

    return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* Offers the buffered class in the planner's order, then empties it. */
static int offer_buffered(struct stream *st)
{
    struct bref *ix = xcalloc(st->bn ? st->bn : 1, sizeof(*ix));
    int r = 0;

    for (size_t i = 0; i < st->bn; i++) {
        ix[i].c = &st->bs[i];
        ix[i].i = i;
        ix[i].cooldown_s = st->in.cooldown_s;
    }
    if (st->bn > 1)
        qsort(ix, st->bn, sizeof(*ix), bref_cmp);
    for (size_t k = 0; k < st->bn && r == 0; k++)
        r = offer(st, &st->bs[ix[k].i], &st->bc[ix[k].i]);
    for (size_t i = 0; i < st->bn; i++)
        rp_candidate_release(&st->bc[i]);
    st->bn = 0;
    free(ix);
    return r;
}

/* Deferred retries of every campaign. */
static int retries(struct db *db, struct stream *st, struct errinfo *ei)
{
    for (size_t i = 0; i < st->rp->n_camp; i++)
        if (store_run_walk_deferred(db, st->rp, st->rp->camp[i].id,
                                    buffer_fn, st, ei) < 0)
            return -1;
    return offer_buffered(st);
}

/* Follow-ups: without -v only threads whose next step's wait has passed
 * (the rules then check the cooldown and the rest); with -v every one. */
static int follow_ups(struct db *db, struct stream *st, struct errinfo *ei)
{
    const struct runplan *rp = st->rp;

    for (size_t i = 0; i < rp->n_camp; i++) {
        const struct rp_campaign *c = &rp->camp[i];

        if (st->on_skip) {
            if (c->n_steps > 1 &&
                store_run_walk_threads(db, rp, c->id, c->n_steps, buffer_fn,
                                       st, ei) < 0)
                return -1;
            continue;
        }
        for (int k = 1; k < c->n_steps; k++) {
            char by[ISO_TIME_LEN];

            time_iso(rp->now - c->after_s[k + 1], by);
            if (store_run_walk_due(db, rp, c->id, k, by, buffer_fn, st,
                                   ei) < 0)
                return -1;
        }
    }
    return offer_buffered(st);
}

static int walk_classes(struct db *db, struct stream *st, struct errinfo *ei)
{
    int r;

    if ((r = retries(db, st, ei)) != 0 || (r = follow_ups(db, st, ei)) != 0)
        return r < 0 ? -1 : 0;
    r = st->on_skip ? store_run_walk_all(db, st->rp, offer_fn, st, ei)
                    : store_run_walk_new(db, st->rp,
                                         st->cfg->rules.max_contacts_per_company,
                                         offer_fn, st, ei);
    return r < 0 ? -1 : 0;
}

static int load_fixed(struct db *db, const struct config *cfg,
                      struct runplan *rp, struct errinfo *ei)
{
    if (store_run_roster(db, cfg->rules.daily_cap, rp, ei) < 0 ||
        store_run_campaigns(db, cfg->rules.cooldown_days, rp, ei) < 0 ||
        store_run_suppressions(db, rp, ei) < 0 ||
        store_run_replies(db, rp, ei) < 0)
        return -1;
    return 0;
}

int runplan_stream(struct db *db, const struct config *cfg, int64_t now,
                   size_t max, unsigned flags, runplan_skip_fn on_skip,
                   void *arg, struct runplan *rp, struct errinfo *ei)
{
    struct stream st;
    int r = -1;

    memset(rp, 0, sizeof(*rp));
    memset(&st, 0, sizeof(st));
    rp->now = now;
    if (clock_local_day(now, cfg->timezone, rp->day, ei) < 0)
        return -1;
    /* One read transaction: a consistent snapshot of everything. */
    if (db_begin(db, false, ei) < 0)
        return -1;
    st.rp = rp;
    st.cfg = cfg;
    st.on_skip = on_skip;
    st.arg = arg;
    st.count_waiting = flags & RUNPLAN_COUNT_WAITING;
    if (load_fixed(db, cfg, rp, ei) == 0 &&
        rp_windows_init(&st.win, cfg, now, rp, ei) == 0) {
        rp_sched_input(cfg, max, rp, &st.in);
        st.ss = sched_stream_new(&st.in, now);
        r = walk_classes(db, &st, ei);
        sched_stream_free(st.ss);
    }
    db_rollback(db);
    rp_windows_release(&st.win);
    free(st.bs);
    free(st.bc);
    return r;
}
