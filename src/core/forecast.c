/* forecast.c - the planner run forward over a copy of the state (see
 * forecast.h).  Pure. */
#include "forecast.h"

#include <stdlib.h>
#include <string.h>

#include "pacing.h"
#include "sequence.h"
#include "status.h"
#include "util.h"

#include "banned.h"

/* The moving copy of the state. */
struct fc_sim {
    const struct fc_input *fi;
    struct sched_mailbox *mb;
    struct caps_mailbox *caps;
    struct sched_candidate *cand;
    size_t *camp;          /* per candidate: its campaign */
    size_t *slot;          /* per candidate: its contact's slot in last */
    long *cc_idx;          /* per candidate: its company count, or -1 */
    size_t *zi;            /* per candidate: its window's zone in zs */
    struct fc_zones zs;
    size_t n;
    int64_t *last;         /* per contact: latest send */
    struct sched_company_count *cc;
    size_t n_cc;
    long long day;
    bool can_send;         /* some mailbox can ever send */
    /* What one plan is given: positions into cand, and their copies. */
    size_t *sel;
    struct sched_candidate *sub;
    size_t n_sel;
    int *planned;          /* per mailbox: messages of the plan */
};

struct key_ix {
    long long a, b;
    size_t i;
};

static int key_cmp(const void *x, const void *y)
{
    const struct key_ix *p = x, *q = y;

    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* Slots per contact (cooldown holds across campaigns). */
static void contact_slots(struct fc_sim *s)
{
    struct key_ix *k = xcalloc(s->n + 1, sizeof(*k));
    size_t slots = 0;

    for (size_t i = 0; i < s->n; i++) {
        k[i].a = s->cand[i].contact_id;
        k[i].i = i;
    }
    qsort(k, s->n, sizeof(*k), key_cmp);
    s->last = xcalloc(s->n + 1, sizeof(*s->last));
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && k[i].a != k[i - 1].a)
            slots++;
        s->slot[k[i].i] = slots;
        if (s->cand[k[i].i].last_send_at > s->last[slots])
            s->last[slots] = s->cand[k[i].i].last_send_at;
    }
    free(k);
}

/* A company count per (campaign, company) a candidate belongs to. */
static void company_slots(struct fc_sim *s)
{
    const struct sched_input *in = &s->fi->in;
    struct key_ix *k = xcalloc(s->n + in->n_company_counts + 1, sizeof(*k));
    size_t nk = 0;

    for (size_t i = 0; i < in->n_company_counts; i++, nk++) {
        k[nk].a = in->company_counts[i].campaign_id;
        k[nk].b = in->company_counts[i].company_id;
        k[nk].i = i;                 /* counts first: i < n_company_counts */
    }
    for (size_t i = 0; i < s->n; i++) {
        s->cc_idx[i] = -1;
        if (s->cand[i].company_id == 0)
            continue;
        k[nk].a = s->cand[i].campaign_id;
        k[nk].b = s->cand[i].company_id;
        k[nk++].i = in->n_company_counts + i;
    }
    qsort(k, nk, sizeof(*k), key_cmp);
    s->cc = xcalloc(nk + 1, sizeof(*s->cc));
    for (size_t j = 0; j < nk; j++) {
        bool same = j > 0 && k[j].a == k[j - 1].a && k[j].b == k[j - 1].b;

        if (!same) {
            s->cc[s->n_cc].campaign_id = k[j].a;
            s->cc[s->n_cc++].company_id = k[j].b;
        }
        if (k[j].i < in->n_company_counts)
            s->cc[s->n_cc - 1].contacts +=
                in->company_counts[k[j].i].contacts;
        else
            s->cc_idx[k[j].i - in->n_company_counts] = (long)s->n_cc - 1;
    }
    free(k);
}

struct cand_ix {
    const struct sched_candidate *c;
    size_t i;
};

static int cand_cmp(const void *x, const void *y)
{
    const struct cand_ix *p = x, *q = y;
    int r = sched_order_cmp(p->c, q->c, 0);

    return r ? r : (p->i > q->i) - (p->i < q->i);
}

/* The candidates in the planner's order, so that those it orders by
 * enrolment alone (sched_order_static) stay in it as the state moves. */
static void plan_order(struct fc_sim *s)
{
    struct cand_ix *k = xcalloc(s->n + 1, sizeof(*k));
    struct sched_candidate *c = xcalloc(s->n + 1, sizeof(*c));
    size_t *camp = xcalloc(s->n + 1, sizeof(*camp));
    size_t *zi = xcalloc(s->n + 1, sizeof(*zi));

    for (size_t i = 0; i < s->n; i++) {
        k[i].c = &s->cand[i];
        k[i].i = i;
    }
    qsort(k, s->n, sizeof(*k), cand_cmp);
    for (size_t i = 0; i < s->n; i++) {
        c[i] = s->cand[k[i].i];
        camp[i] = s->camp[k[i].i];
        zi[i] = s->zi[k[i].i];
    }
    free(s->cand);
    free(s->camp);
    free(s->zi);
    s->cand = c;
    s->camp = camp;
    s->zi = zi;
    free(k);
}

static void sim_init(struct fc_sim *s, const struct fc_input *fi)
{
    const struct sched_input *in = &fi->in;
    size_t nm = in->n_mailboxes;

    memset(s, 0, sizeof(*s));
    s->fi = fi;
    s->n = in->n_candidates;
    s->mb = xcalloc(nm + 1, sizeof(*s->mb));
    s->caps = xcalloc(nm + 1, sizeof(*s->caps));
    if (nm) {
        memcpy(s->mb, in->mailboxes, nm * sizeof(*s->mb));
        memcpy(s->caps, fi->caps, nm * sizeof(*s->caps));
    }
    for (size_t j = 0; j < nm; j++) {
        struct caps_mailbox c = s->caps[j];

        s->mb[j].not_before = 0;
        s->mb[j].one_now = false;
        c.counted = 0;
        c.quota_full = false;
        if (s->mb[j].available && caps_effective(&c, fi->default_cap) > 0)
            s->can_send = true;
    }
    s->cand = xcalloc(s->n + 1, sizeof(*s->cand));
    if (s->n)
        memcpy(s->cand, in->candidates, s->n * sizeof(*s->cand));
    s->camp = xcalloc(s->n + 1, sizeof(*s->camp));
    if (s->n)
        memcpy(s->camp, fi->campaign, s->n * sizeof(*s->camp));
    s->zi = xcalloc(s->n + 1, sizeof(*s->zi));
    fc_zones_init(&s->zs, fi->zone);
    for (size_t i = 0; fi->win && fi->cand_zone && i < s->n; i++)
        if (fi->cand_zone[i])
            s->zi[i] = fc_zone_index(&s->zs, fi->cand_zone[i]);
    s->slot = xcalloc(s->n + 1, sizeof(*s->slot));
    s->cc_idx = xcalloc(s->n + 1, sizeof(*s->cc_idx));
    s->sel = xcalloc(s->n + 1, sizeof(*s->sel));
    s->sub = xcalloc(s->n + 1, sizeof(*s->sub));
    s->planned = xcalloc(nm + 1, sizeof(*s->planned));
    plan_order(s);
    contact_slots(s);
    company_slots(s);
    s->day = fc_local_day(fi->zone, fi->now);
}

static void sim_release(struct fc_sim *s)
{
    free(s->mb);
    free(s->caps);
    free(s->cand);
    free(s->camp);
    free(s->slot);
    free(s->cc_idx);
    free(s->zi);
    fc_zones_release(&s->zs);
    free(s->last);
    free(s->cc);
    free(s->sel);
    free(s->sub);
    free(s->planned);
}

/* A new local day: the caps start afresh, the ramp counts a day. */
static void new_day(struct fc_sim *s, long long day)
{
    for (size_t j = 0; j < s->fi->in.n_mailboxes; j++) {
        struct caps_mailbox *c = &s->caps[j];

        if (c->counted > 0 && c->ramp_start > 0)
            c->sending_days += (int)(day > s->day);
        c->counted = 0;
        c->quota_full = false;
        s->mb[j].used_today = 0;
        s->mb[j].cap = caps_effective(c, s->fi->default_cap);
    }
    s->day = day;
}

/* Candidate ci sent from mailbox mi at t: the state moves on.  Whether
 * that was its last step. */
static bool apply(struct fc_sim *s, size_t ci, size_t mi, int64_t t)
{
    struct sched_candidate *c = &s->cand[ci];
    struct sched_mailbox *m = &s->mb[mi];
    const struct fc_campaign *fc = &s->fi->camps[s->camp[ci]];
    struct seq_latest l;

    m->used_today++;
    s->caps[mi].counted++;
    m->last_used = t;
    if (c->existing == SCHED_EXISTING_NONE && c->step <= 1 &&
        s->cc_idx[ci] >= 0)
        s->cc[s->cc_idx[ci]].contacts++;
    s->last[s->slot[ci]] = t;
    memset(&l, 0, sizeof(l));
    l.step = c->step > 0 ? c->step : 1;
    l.status = SEND_SENT;
    l.sent_at = t;
    l.thread_mailbox_id = l.step == 1 ? m->id : c->thread_mailbox_id;
    seq_candidate(&l, fc->n_steps, fc->after_s, c);
    return c->existing == SCHED_EXISTING_DONE;
}

/* Drops the candidates a plan's skips settle for good (done or never). */
static void settle(struct fc_sim *s, const struct sched_plan *p,
                   struct fc_result *out)
{
    unsigned char *drop = xcalloc(s->n + 1, 1);
    size_t k = 0;

    for (size_t i = 0; i < p->n_skips; i++) {
        const struct sched_skip *sk = &p->skips[i];
        size_t ci = s->sel[sk->candidate];
        struct fc_campaign_result *r = &out->camp[s->camp[ci]];

        if (sk->reason == SCHED_ALREADY_SENT) {
            r->done++;
        } else if (fc_reason_final(sk->reason) ||
                   (sk->reason == SCHED_NO_CAPACITY && !s->can_send)) {
            if ((int)sk->reason > 0 && (int)sk->reason < FC_REASONS)
                r->never[sk->reason]++;
        } else {
            continue;
        }
        drop[ci] = 1;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (drop[i])
            continue;
        s->cand[k] = s->cand[i];
        s->camp[k] = s->camp[i];
        s->slot[k] = s->slot[i];
        s->zi[k] = s->zi[i];
        s->cc_idx[k++] = s->cc_idx[i];
    }
    s->n = k;
    free(drop);
}

static struct fc_run *run_add(struct fc_result *out, size_t n_camps,
                              int64_t t, long long day)
{
    struct fc_run *r;

    out->runs = xrealloc(out->runs, (out->n_runs + 1) * sizeof(*out->runs));
    r = &out->runs[out->n_runs++];
    r->at = t;
    r->day = day;
    r->sent = xcalloc(n_camps + 1, sizeof(int));
    r->remaining = xcalloc(n_camps + 1, sizeof(int));
    return r;
}

/* What the plan is given: every candidate the planner may order by time
 * (retries, follow-ups) and the first `room` of those it orders by
 * enrolment alone.  True when some of those were left out. */
static bool select_prefix(struct fc_sim *s, size_t room)
{
    size_t statics = 0;
    bool cut = false;

    s->n_sel = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (sched_order_static(&s->cand[i]) && statics++ >= room) {
            cut = true;
            continue;
        }
        s->sel[s->n_sel] = i;
        s->sub[s->n_sel++] = s->cand[i];
    }
    return cut;
}

/* Whether the plan fills every mailbox that can send: then no candidate
 * after those it was given could have been planned (the planner takes
 * them in order), and the plan is the one over all of them. */
static bool plan_full(struct fc_sim *s, const struct sched_plan *p,
                      int64_t t)
{
    size_t nm = s->fi->in.n_mailboxes;

    memset(s->planned, 0, (nm + 1) * sizeof(*s->planned));
    for (size_t i = 0; i < p->n_items; i++)
        s->planned[p->items[i].mailbox]++;
    for (size_t j = 0; j < nm; j++) {
        const struct sched_mailbox *m = &s->mb[j];

        if (sched_mailbox_open(m, t) &&
            m->used_today + s->planned[j] < sched_mailbox_cap(m))
            return false;
    }
    return true;
}

/* The plan at t over the candidates: over a prefix when that is the
 * same plan (plan_full), else over more, up to all of them. */
static void plan_at(struct fc_sim *s, int64_t t, size_t room,
                    struct sched_plan *p)
{
    struct sched_input in = s->fi->in;
    struct errinfo ei = { ERR_OK, "" };

    in.mailboxes = s->mb;
    in.company_counts = s->cc;
    in.n_company_counts = s->n_cc;
    in.max_messages = 0;
    for (;;) {
        bool cut = select_prefix(s, room);

        in.candidates = s->sub;
        in.n_candidates = s->n_sel;
        memset(p, 0, sizeof(*p));
        (void)sched_plan(&in, t, p, &ei);
        if (!cut || plan_full(s, p, t))
            return;
        sched_plan_release(p);
        room = room > s->n / 4 ? s->n : room * 4;
    }
}

/* Room for the prefix: twice what the mailboxes can still send. */
static size_t prefix_room(const struct fc_sim *s)
{
    size_t room = 16;

    for (size_t j = 0; j < s->fi->in.n_mailboxes; j++)
        if (s->mb[j].available)
            room += 2 * (size_t)caps_remaining(s->mb[j].cap,
                                               s->mb[j].used_today);
    return s->fi->no_prefix || !s->can_send ? s->n : room;
}

/* Each candidate's window at t, in its zone (window_opens 0: open), and
 * with spread each mailbox's turn in the sender's window, as runplan. */
static void run_windows(struct fc_sim *s, int64_t t)
{
    const struct fc_input *fi = s->fi;
    const struct window_at *snd = &s->zs.at[0];

    if (fi->win)
        fc_zones_at(&s->zs, fi->win, t);
    for (size_t i = 0; i < s->n; i++) {
        const struct window_at *a = &s->zs.at[s->zi[i]];

        s->cand[i].last_send_at = s->last[s->slot[i]];
        s->cand[i].window_opens = !fi->win || a->open ? 0 : a->opens;
    }
    for (size_t j = 0; j < fi->in.n_mailboxes; j++) {
        struct sched_mailbox *m = &s->mb[j];
        bool spread = fi->spread && fi->win && snd->open;

        m->one_now = spread;
        m->not_before = !spread ? 0 :
            pacing_spread_next(m->last_used, t, snd->closes,
                               caps_remaining(m->cap, m->used_today));
    }
}

static void one_run(struct fc_sim *s, int64_t t, struct fc_result *out)
{
    struct sched_plan p;
    long long day = fc_local_day(s->fi->zone, t);
    struct fc_run *r;

    if (day != s->day)
        new_day(s, day);
    run_windows(s, t);
    plan_at(s, t, prefix_room(s), &p);
    r = run_add(out, s->fi->n_camps, t, day);
    for (size_t i = 0; i < p.n_items; i++) {
        size_t ci = s->sel[p.items[i].candidate];

        r->sent[s->camp[ci]]++;
        /* remaining holds the contacts done by this run until finish() */
        if (apply(s, ci, p.items[i].mailbox, t))
            r->remaining[s->camp[ci]]++;
    }
    settle(s, &p, out);
    sched_plan_release(&p);
}

/* Whether mailbox j can ever send: available, with a cap on a day of
 * its own (no quota full, nothing sent yet). */
static bool mailbox_can_send(const struct fc_sim *s, size_t j)
{
    struct caps_mailbox c = s->caps[j];

    c.counted = 0;
    c.quota_full = false;
    return s->mb[j].available && caps_effective(&c, s->fi->default_cap) > 0;
}

/* The contacts left at the horizon: which can never be reached, from a
 * last plan over all of them when every wait is over and every mailbox
 * that can send has room (their order alone decides the company limit). */
static void settle_rest(struct fc_sim *s, int64_t t, struct fc_result *out)
{
    struct sched_plan p;
    int64_t later = t + (int64_t)3650 * 86400;

    for (size_t j = 0; j < s->fi->in.n_mailboxes; j++) {
        s->mb[j].used_today = 0;
        s->mb[j].cap = mailbox_can_send(s, j) ? INT32_MAX / 2 : 0;
        s->mb[j].not_before = 0;
        s->mb[j].one_now = false;
    }
    for (size_t i = 0; i < s->n; i++) {
        s->cand[i].last_send_at = s->last[s->slot[i]];
        s->cand[i].retry_after = 0;
        s->cand[i].window_opens = 0;
    }
    plan_at(s, later, s->n, &p);
    settle(s, &p, out);
    sched_plan_release(&p);
}

/* With spread, the next mailbox's turn after a run at t in the sender's
 * window (as run would have it, pacing_spread_next); INT64_MAX: none. */
static int64_t spread_next(const struct fc_sim *s, int64_t t)
{
    const struct window_at *snd = &s->zs.at[0];
    int64_t next = INT64_MAX;

    if (!s->fi->spread || !snd->open)
        return next;
    for (size_t j = 0; j < s->fi->in.n_mailboxes; j++) {
        const struct sched_mailbox *m = &s->mb[j];
        int64_t o;

        if (!m->available)
            continue;
        o = pacing_spread_next(m->last_used, t, snd->closes,
                               caps_remaining(m->cap, m->used_today));
        if (o > t && o < snd->closes && o < next)
            next = o;
    }
    return next;
}

/* The first run at or after now (prev 0), or the one after prev: the
 * next opening of a window, or with spread a mailbox's next turn;
 * INT64_MAX: none. */
static int64_t next_run(const struct fc_sim *s, int64_t prev)
{
    const struct fc_input *fi = s->fi;
    int64_t a, b;

    if (!fi->win)
        return prev == 0 ? fi->now : prev + 86400;
    if (prev == 0)
        return fc_zones_next(&s->zs, fi->win, fi->now, true);
    a = fc_zones_next(&s->zs, fi->win, prev, false);
    b = spread_next(s, prev);
    return a < b ? a : b;
}

/* Per campaign: what is left, the completion day, and each run's
 * remaining: those left at the end and those done after that run. */
static void finish(const struct fc_sim *s, struct fc_result *out)
{
    const struct fc_input *fi = s->fi;

    for (size_t i = 0; i < s->n; i++) {
        if (s->cand[i].existing == SCHED_EXISTING_DONE)
            out->camp[s->camp[i]].done++;
        else
            out->camp[s->camp[i]].waiting++;
    }
    for (size_t c = 0; c < fi->n_camps; c++) {
        struct fc_campaign_result *r = &out->camp[c];
        int acc = r->waiting;

        r->done_day = -2;
        for (size_t k = 0; k < out->n_runs; k++)
            if (out->runs[k].sent[c] > 0)
                r->done_day = out->runs[k].day;
        if (r->waiting > 0)
            r->done_day = -1;
        for (size_t k = out->n_runs; k-- > 0;) {
            int done_now = out->runs[k].remaining[c];

            out->runs[k].remaining[c] = acc;
            acc += done_now;
        }
    }
}

void forecast_run(const struct fc_input *fi, struct fc_result *out)
{
    struct fc_sim s;
    int64_t end = fi->now + (int64_t)fi->horizon_days * 86400;
    int64_t t = 0, last = fi->now;

    memset(out, 0, sizeof(*out));
    out->camp = xcalloc(fi->n_camps + 1, sizeof(*out->camp));
    for (size_t i = 0; i < fi->in.n_candidates; i++)
        out->camp[fi->campaign[i]].enrolled++;
    sim_init(&s, fi);
    while (s.n > 0) {
        t = next_run(&s, t);
        if (t == INT64_MAX || t >= end)
            break;
        one_run(&s, t, out);
        last = t;
    }
    if (s.n > 0)
        settle_rest(&s, last, out);
    finish(&s, out);
    sim_release(&s);
}

void fc_release(struct fc_result *r, size_t n_camps)
{
    (void)n_camps;
    for (size_t k = 0; k < r->n_runs; k++) {
        free(r->runs[k].sent);
        free(r->runs[k].remaining);
    }
    free(r->runs);
    free(r->camp);
    memset(r, 0, sizeof(*r));
}
