/*
 * test_sched_stream.c - the planner one candidate at a time (sched_stream)
 * against sched_plan, on random inputs: offered in the planner's order,
 * with company counts made known lazily, it plans the same messages on
 * the same mailboxes and skips the others for the same reasons; once it
 * says there is no room, nothing more is planned, so a reader may stop.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scheduler.h"
#include "util.h"

#define NOW 1800000000LL
#define DAY 86400LL

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

struct world {
    struct sched_mailbox mb[5];
    struct sched_candidate *c;
    struct sched_company_count *cc;
    char **emails;
    size_t n, n_cc;
    struct sched_input in;
};

static void make_mailboxes(struct world *w)
{
    for (size_t i = 0; i < 5; i++) {
        struct sched_mailbox *m = &w->mb[i];

        m->id = (long long)i + 1;
        m->cap = (int)rnd(6);
        m->used_today = (int)rnd(3);
        m->last_used = rnd(2) ? NOW - (int64_t)rnd(5000) : 0;
        m->available = rnd(5) != 0;
        m->one_now = rnd(4) == 0;
        m->not_before = m->one_now && rnd(2) ? NOW + 60 : 0;
    }
}

static void make_candidate(struct world *w, size_t i)
{
    struct sched_candidate *c = &w->c[i];
    size_t contact = rnd((unsigned)w->n / 2 + 1);

    c->campaign_id = 1 + rnd(3);
    c->contact_id = (long long)contact + 1;
    c->company_id = rnd(6) ? 1 + rnd(8) : 0;
    c->email = w->emails[i];
    c->contact_active = rnd(12) != 0;
    c->contact_replied = !c->contact_active && rnd(2);
    c->campaign_active = rnd(15) != 0;
    c->enrolled_at = NOW - 30 * DAY + (int64_t)rnd(20) * 3600;
    c->existing = rnd(6) == 0 ? SCHED_EXISTING_DEFERRED
                  : rnd(8) == 0 ? SCHED_EXISTING_DONE : SCHED_EXISTING_NONE;
    c->retry_after = rnd(2) ? NOW + 600 : NOW - 600;
    c->last_send_at = rnd(3) ? 0 : NOW - (int64_t)rnd(15) * DAY;
    c->company_replied = rnd(10) == 0;
    c->step = rnd(3) ? 1 : 2 + rnd(2);
    if (c->step > 1) {
        c->prev_sent_at = NOW - (int64_t)rnd(6) * DAY;
        c->after_s = 3 * DAY;
        c->thread_mailbox_id = 1 + rnd(5);
        c->prev_not_sent = rnd(8) == 0;
    }
    c->window_opens = rnd(6) == 0 ? NOW + 3600 : 0;
}

static void make_world(struct world *w, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->c = xcalloc(n, sizeof(*w->c));
    w->emails = xcalloc(n, sizeof(*w->emails));
    make_mailboxes(w);
    for (size_t i = 0; i < n; i++) {
        w->emails[i] = xasprintf("c%zu@d%u.example", i, rnd(4));
        make_candidate(w, i);
    }
    /* each (campaign, contact) once, as enrolments are */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (w->c[j].campaign_id == w->c[i].campaign_id &&
                w->c[j].contact_id == w->c[i].contact_id)
                w->c[i].contact_id = (long long)(n + i + 1);
    w->cc = xcalloc(24, sizeof(*w->cc));
    for (long long camp = 1; camp <= 3; camp++)
        for (long long co = 1; co <= 8; co++)
            if (rnd(2)) {
                w->cc[w->n_cc].campaign_id = camp;
                w->cc[w->n_cc].company_id = co;
                w->cc[w->n_cc++].contacts = (int)rnd(4);
            }
    w->in.mailboxes = w->mb;
    w->in.n_mailboxes = 5;
    w->in.candidates = w->c;
    w->in.n_candidates = n;
    w->in.company_counts = w->cc;
    w->in.n_company_counts = w->n_cc;
    w->in.cooldown_s = (int64_t)rnd(4) * DAY;
    w->in.max_per_company = 1 + (int)rnd(3);
    w->in.stop_company_on_reply = rnd(2);
    w->in.max_messages = rnd(3) ? 0 : 1 + rnd(6);
}

static void free_world(struct world *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->emails[i]);
    free(w->emails);
    free(w->c);
    free(w->cc);
}

static int company_count(const struct world *w, long long camp, long long co)
{
    for (size_t i = 0; i < w->n_cc; i++)
        if (w->cc[i].campaign_id == camp && w->cc[i].company_id == co)
            return w->cc[i].contacts;
    return 0;
}

struct ref {
    const struct sched_candidate *c;
    size_t i;
    int64_t cd;
};

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    int r = sched_order_cmp(x->c, y->c, x->cd);

    return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* The stream over w in the planner's order, compared with sched_plan. */
static bool same_as_plan(struct world *w, bool *stopped_ok)
{
    struct sched_plan p;
    struct sched_input lazy = w->in;
    struct sched_stream *s;
    struct ref *ord = xcalloc(w->n, sizeof(*ord));
    size_t ni = 0, ns = 0;
    bool same = true, full = false;

    T_INT(sched_plan(&w->in, NOW, &p, NULL), 0);
    lazy.company_counts = NULL;
    lazy.n_company_counts = 0;
    s = sched_stream_new(&lazy, NOW);
    for (size_t i = 0; i < w->n; i++)
        ord[i] = (struct ref){ &w->c[i], i, w->in.cooldown_s };
    qsort(ord, w->n, sizeof(*ord), ref_cmp);
    *stopped_ok = true;
    for (size_t k = 0; k < w->n; k++) {
        const struct sched_candidate *c = ord[k].c;
        size_t mb;
        int64_t until;
        enum sched_reason r;

        sched_stream_company(s, c->campaign_id, c->company_id,
                             company_count(w, c->campaign_id, c->company_id));
        full = full || !sched_stream_room(s);
        r = sched_stream_offer(s, c, &until, &mb);
        if (full && r == 0)
            *stopped_ok = false;   /* planned after "no room" */
        if (r == 0)
            same = same && ni < p.n_items &&
                   p.items[ni].candidate == ord[k].i &&
                   p.items[ni++].mailbox == mb;
        else
            same = same && ns < p.n_skips &&
                   p.skips[ns].candidate == ord[k].i &&
                   p.skips[ns].reason == r && p.skips[ns++].until == until;
    }
    same = same && ni == p.n_items && ns == p.n_skips;
    sched_stream_free(s);
    sched_plan_release(&p);
    free(ord);
    return same;
}

static void test_random_worlds(void)
{
    int same = 0, stopped = 0, planned_some = 0;

    for (int k = 0; k < 400; k++) {
        struct world w;
        bool ok;

        make_world(&w, 5 + rnd(60));
        same += same_as_plan(&w, &ok);
        stopped += ok;
        {
            struct sched_plan p;

            sched_plan(&w.in, NOW, &p, NULL);
            planned_some += p.n_items > 0;
            sched_plan_release(&p);
        }
        free_world(&w);
    }
    T_INT(same, 400);
    T_INT(stopped, 400);
    printf("# %d of 400 random worlds plan something\n", planned_some);
    T_OK(planned_some > 200);
}

/* A stream with no mailbox at all has no room, and plans nothing. */
static void test_no_room(void)
{
    struct sched_input in = {0};
    struct sched_candidate c = {0};
    struct sched_stream *s;
    size_t mb;
    int64_t until;

    c.campaign_id = c.contact_id = 1;
    c.email = "a@b.example";
    c.contact_active = c.campaign_active = true;
    s = sched_stream_new(&in, NOW);
    T_OK(!sched_stream_room(s));
    T_INT(sched_stream_offer(s, &c, &until, &mb), SCHED_NO_CAPACITY);
    sched_stream_free(s);
    sched_stream_free(NULL);
}

int main(void)
{
    T_RUN(test_random_worlds);
    T_RUN(test_no_room);
    return t_done();
}
