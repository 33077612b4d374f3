/*
 * test_sequence.c - sequences (SPEC "Sequences"): which step a contact is
 * at (sequence.c), how the planner treats follow-ups (scheduler.c), and a
 * randomized property test: over random days, runs, outcomes and
 * replies, no contact gets two emails within the cooldown, no step is
 * sent twice, a step follows only a sent one after its wait, from its
 * thread's mailbox, and no one is written to after a reply.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scheduler.h"
#include "sequence.h"
#include "status.h"
#include "util.h"

#define NOW 1800000000LL
#define DAY 86400LL
#define CD (10 * DAY)

/* ---- seq_candidate ---- */

static void test_candidate(void)
{
    static const int64_t after[] = { 0, 0, 3 * DAY, 7 * DAY };
    static const struct {
        const char *name;
        struct seq_latest l;
        int n_steps;
        int step;
        enum sched_existing ex;
        int64_t prev, after_s;
        long long thread;
        bool not_sent;
    } cases[] = {
        { "no send yet", { 0, SEND_SENT, 0, 0 }, 3, 1, SCHED_EXISTING_NONE,
          0, 0, 0, false },
        { "step 1 deferred: a retry of step 1", { 1, SEND_DEFERRED, 0, 4 },
          3, 1, SCHED_EXISTING_DEFERRED, 0, 0, 0, false },
        { "step 1 sent: step 2 after its wait",
          { 1, SEND_SENT, NOW, 4 }, 3, 2, SCHED_EXISTING_NONE, NOW, 3 * DAY,
          4, false },
        { "step 2 sent: step 3", { 2, SEND_SENT, NOW, 4 }, 3, 3,
          SCHED_EXISTING_NONE, NOW, 7 * DAY, 4, false },
        { "step 3 sent, the last: done", { 3, SEND_SENT, NOW, 4 }, 3, 3,
          SCHED_EXISTING_DONE, 0, 0, 4, false },
        { "step 2 deferred: retried from its thread",
          { 2, SEND_DEFERRED, 0, 4 }, 3, 2, SCHED_EXISTING_DEFERRED, 0, 0, 4,
          false },
        { "step 1 bounced: step 2 held", { 1, SEND_BOUNCED, 0, 4 }, 3, 2,
          SCHED_EXISTING_NONE, 0, 3 * DAY, 4, true },
        { "step 1 failed: step 2 held", { 1, SEND_FAILED, 0, 4 }, 3, 2,
          SCHED_EXISTING_NONE, 0, 3 * DAY, 4, true },
        { "step 1 unknown: step 2 held", { 1, SEND_UNKNOWN, 0, 4 }, 3, 2,
          SCHED_EXISTING_NONE, 0, 3 * DAY, 4, true },
        { "one step, sent: done", { 1, SEND_SENT, NOW, 4 }, 1, 1,
          SCHED_EXISTING_DONE, 0, 0, 0, false },
        { "one step, bounced: done", { 1, SEND_BOUNCED, 0, 4 }, 1, 1,
          SCHED_EXISTING_DONE, 0, 0, 0, false },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sched_candidate c;

        memset(&c, 0xff, sizeof(c));
        t_current = cases[i].name;
        seq_candidate(&cases[i].l, cases[i].n_steps,
                      cases[i].n_steps > 1 ? after : NULL, &c);
        T_INT(c.step, cases[i].step);
        T_INT(c.existing, cases[i].ex);
        T_INT(c.prev_sent_at, cases[i].prev);
        T_INT(c.after_s, cases[i].after_s);
        T_INT(c.thread_mailbox_id, cases[i].thread);
        T_INT(c.prev_not_sent, cases[i].not_sent);
    }
}

static void test_reply_subject(void)
{
    char *s = seq_reply_subject("Quick question, Ann");

    T_STR(s, "Re: Quick question, Ann");
    free(s);
    s = seq_reply_subject("RE: already");
    T_STR(s, "RE: already");
    free(s);
}

/* ---- the planner with follow-ups ---- */

/* A follow-up of contact ct (campaign 1) at step 2, step 1 sent at
 * `prev` from mailbox `thread`, its wait `after`. */
static struct sched_candidate follow(long long ct, long long co,
                                     int64_t prev, int64_t after,
                                     long long thread)
{
    struct sched_candidate c;
    struct seq_latest l = { 1, SEND_SENT, prev, thread };
    int64_t waits[] = { 0, 0, after };

    memset(&c, 0, sizeof(c));
    c.campaign_id = 1;
    c.contact_id = ct;
    c.company_id = co;
    c.email = "x@y.example";
    c.contact_active = true;
    c.campaign_active = true;
    c.enrolled_at = 100;
    c.last_send_at = prev;
    seq_candidate(&l, 2, waits, &c);
    return c;
}

static struct sched_candidate fresh(long long ct, long long co, int64_t enr)
{
    struct sched_candidate c;

    memset(&c, 0, sizeof(c));
    c.campaign_id = 1;
    c.contact_id = ct;
    c.company_id = co;
    c.email = "n@y.example";
    c.contact_active = true;
    c.campaign_active = true;
    c.enrolled_at = enr;
    c.step = 1;
    return c;
}

/* Plans cand at now over mbs; the reason of candidate i (0: planned), the
 * mailbox index or until in *aux. */
static int fate(const struct sched_plan *p, size_t i, int64_t *aux)
{
    for (size_t k = 0; k < p->n_items; k++)
        if (p->items[k].candidate == i) {
            *aux = (int64_t)p->items[k].mailbox;
            return 0;
        }
    for (size_t k = 0; k < p->n_skips; k++)
        if (p->skips[k].candidate == i) {
            *aux = p->skips[k].until;
            return (int)p->skips[k].reason;
        }
    return -1;
}

static void plan(const struct sched_candidate *c, size_t n,
                 const struct sched_mailbox *mbs, size_t nm,
                 struct sched_plan *p)
{
    static const struct sched_company_count cc[] = { { 1, 7, 4 } };
    struct sched_input in;
    struct errinfo ei = { ERR_OK, "" };

    memset(&in, 0, sizeof(in));
    in.mailboxes = mbs;
    in.n_mailboxes = nm;
    in.candidates = c;
    in.n_candidates = n;
    in.company_counts = cc;
    in.n_company_counts = 1;
    in.cooldown_s = CD;
    in.max_per_company = 4;
    in.stop_company_on_reply = true;
    T_INT(sched_plan(&in, NOW, p, &ei), 0);
}

static void test_follow_ups(void)
{
    /* mailbox 12 is the thread's: busier than 11, still chosen */
    const struct sched_mailbox mbs[] = {
        { 11, 30, 0, 0, true, 0, false }, { 12, 30, 5, 0, true, 0, false },
        { 13, 1, 1, 0, true, 0, false }, { 14, 30, 0, 0, false, 0, false },
    };
    struct sched_candidate c[12];
    struct sched_plan p;
    int64_t aux;

    c[0] = follow(1, 7, NOW - 12 * DAY, 3 * DAY, 12);  /* due, planned */
    c[1] = follow(2, 0, NOW - 12 * DAY, 14 * DAY, 12); /* not_due */
    c[2] = follow(3, 0, NOW - 5 * DAY, 3 * DAY, 12);   /* cooldown */
    c[3] = follow(4, 0, NOW - 12 * DAY, 0, 13);        /* sender_busy */
    c[4] = follow(5, 0, NOW - 12 * DAY, 0, 14);        /* unavailable */
    c[5] = follow(6, 0, NOW - 12 * DAY, 0, 99);        /* not on roster */
    c[6] = follow(7, 0, NOW - 12 * DAY, 0, 12);
    c[6].prev_not_sent = true;                          /* previous_step */
    c[7] = follow(8, 0, NOW - 12 * DAY, 0, 12);
    c[7].contact_active = false;
    c[7].contact_replied = true;                        /* replied */
    c[8] = follow(9, 5, NOW - 12 * DAY, 0, 12);
    c[8].company_replied = true;                        /* company_replied */
    c[9] = fresh(10, 7, 50);                            /* company_limit */
    c[10] = fresh(11, 0, 60);                           /* new: planned */
    c[11] = follow(12, 0, NOW - 20 * DAY, 0, 12);       /* due longer */
    plan(c, 12, mbs, 4, &p);
    t_current = "a due follow-up goes from its thread's mailbox, over the "
                "company limit";
    T_INT(fate(&p, 0, &aux), 0);
    T_INT(aux, 1);
    t_current = "waiting only for its wait: not_due, until then";
    T_INT(fate(&p, 1, &aux), SCHED_NOT_DUE);
    T_INT(aux, NOW - 12 * DAY + 14 * DAY);
    t_current = "held by the cooldown: cooldown, until it ends";
    T_INT(fate(&p, 2, &aux), SCHED_COOLDOWN);
    T_INT(aux, NOW - 5 * DAY + CD);
    t_current = "its mailbox full";
    T_INT(fate(&p, 3, &aux), SCHED_SENDER_BUSY);
    t_current = "its mailbox cannot send";
    T_INT(fate(&p, 4, &aux), SCHED_SENDER_UNAVAILABLE);
    T_INT(fate(&p, 5, &aux), SCHED_SENDER_UNAVAILABLE);
    t_current = "the earlier step bounced";
    T_INT(fate(&p, 6, &aux), SCHED_PREVIOUS_STEP);
    T_INT(fate(&p, 7, &aux), SCHED_REPLIED);
    T_INT(fate(&p, 8, &aux), SCHED_COMPANY_REPLIED);
    t_current = "a new contact still meets the company limit";
    T_INT(fate(&p, 9, &aux), SCHED_COMPANY_LIMIT);
    T_INT(fate(&p, 10, &aux), 0);
    T_INT(aux, 0);
    t_current = "order: follow-ups, longest due first, then new contacts";
    T_INT(p.n_items, 3);
    T_INT(p.items[0].candidate, 11);
    T_INT(p.items[1].candidate, 0);
    T_INT(p.items[2].candidate, 10);
    sched_plan_release(&p);
}

/* A closed send window holds first emails and follow-ups alike; the
 * cooldown, ending later, names the reason. */
static void test_window(void)
{
    const struct sched_mailbox mbs[] = { { 11, 30, 0, 0, true, 0, false } };
    struct sched_candidate c[3];
    struct sched_plan p;
    int64_t aux;

    c[0] = fresh(1, 0, 10);
    c[0].window_opens = NOW + 3600;
    c[1] = follow(2, 0, NOW - 12 * DAY, 0, 11);
    c[1].window_opens = NOW + 3600;
    c[2] = follow(3, 0, NOW - 5 * DAY, 3 * DAY, 11);   /* cooldown: later */
    c[2].window_opens = NOW + 3600;
    plan(c, 3, mbs, 1, &p);
    t_current = "outside its window: outside_window, until it opens";
    T_INT(fate(&p, 0, &aux), SCHED_OUTSIDE_WINDOW);
    T_INT(aux, NOW + 3600);
    T_INT(fate(&p, 1, &aux), SCHED_OUTSIDE_WINDOW);
    T_INT(fate(&p, 2, &aux), SCHED_COOLDOWN);
    T_INT(p.n_items, 0);
    T_STR(sched_reason_str(SCHED_OUTSIDE_WINDOW), "outside_window");
    sched_plan_release(&p);
    c[0].window_opens = NOW;   /* opens now: open */
    plan(c, 1, mbs, 1, &p);
    T_INT(p.n_items, 1);
    sched_plan_release(&p);
}

/* Spreading: a mailbox not yet due takes nothing; one due takes one per
 * plan; a follow-up whose mailbox waits its turn is sender_busy. */
static void test_spread(void)
{
    struct sched_mailbox mbs[] = {
        { 11, 30, 3, NOW - 60, true, NOW + 600, true },  /* not its turn */
        { 12, 30, 3, NOW - 9000, true, NOW - 1, true },  /* due: one */
    };
    struct sched_candidate c[4];
    struct sched_plan p;
    int64_t aux;

    c[0] = fresh(1, 0, 10);
    c[1] = fresh(2, 0, 11);
    c[2] = fresh(3, 0, 12);
    c[3] = follow(4, 0, NOW - 12 * DAY, 0, 11);
    plan(c, 4, mbs, 2, &p);
    t_current = "one message, from the mailbox whose turn it is";
    T_INT(p.n_items, 1);
    T_INT(p.items[0].mailbox, 1);
    T_INT(fate(&p, 1, &aux), SCHED_NO_CAPACITY);
    t_current = "a follow-up whose mailbox waits its turn: sender_busy";
    T_INT(fate(&p, 3, &aux), SCHED_SENDER_BUSY);
    sched_plan_release(&p);
}

/* ---- the property test ---- */

#define P_MB 3
#define P_CONTACTS 40
#define P_CAMPAIGNS 2
#define P_SENDS 2000
#define P_COOLDOWN (3 * DAY)

struct psend {
    int campaign, contact, step, mailbox;
    enum send_status status;
    int64_t at;           /* of its latest try */
    int64_t retry_after;
};

struct pworld {
    uint64_t rng;
    struct psend s[P_SENDS];
    size_t n;
    bool replied[P_CONTACTS];
    bool enrolled[P_CAMPAIGNS][P_CONTACTS];
    int n_steps[P_CAMPAIGNS];
    int64_t after[P_CAMPAIGNS][4];
    int violations;
};

static uint32_t rnd(struct pworld *w, uint32_t n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng % n);
}

static int company_of(int ct)
{
    return ct % 10 + 1;
}

static struct psend *latest(struct pworld *w, int ca, int ct)
{
    struct psend *b = NULL;

    for (size_t i = 0; i < w->n; i++)
        if (w->s[i].campaign == ca && w->s[i].contact == ct &&
            (!b || w->s[i].step > b->step))
            b = &w->s[i];
    return b;
}

static struct psend *find(struct pworld *w, int ca, int ct, int step)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->s[i].campaign == ca && w->s[i].contact == ct &&
            w->s[i].step == step)
            return &w->s[i];
    return NULL;
}

static int64_t last_counted(const struct pworld *w, int ct)
{
    int64_t t = 0;

    for (size_t i = 0; i < w->n; i++)
        if (w->s[i].contact == ct &&
            (send_status_counts(w->s[i].status) & COUNTS_COOLDOWN) &&
            w->s[i].at > t)
            t = w->s[i].at;
    return t;
}

/* The candidate of (ca, ct) as the store would load it. */
static void load_candidate(struct pworld *w, int ca, int ct,
                           struct sched_candidate *c)
{
    struct psend *l = latest(w, ca, ct), *first = find(w, ca, ct, 1);
    struct seq_latest sl = { 0, SEND_SENT, 0, 0 };

    memset(c, 0, sizeof(*c));
    c->campaign_id = ca + 1;
    c->contact_id = ct + 1;
    c->company_id = company_of(ct);
    c->email = "p@q.example";
    c->contact_active = !w->replied[ct];
    c->contact_replied = w->replied[ct];
    c->campaign_active = true;
    c->enrolled_at = ct;
    if (l) {
        sl.step = l->step;
        sl.status = l->status;
        sl.sent_at = l->status == SEND_SENT ? l->at : 0;
        sl.thread_mailbox_id = first ? first->mailbox + 1 : 0;
    }
    seq_candidate(&sl, w->n_steps[ca], w->after[ca], c);
    if (c->existing == SCHED_EXISTING_DEFERRED)
        c->retry_after = l->retry_after;
    c->last_send_at = last_counted(w, ct);
}

static void load_mailboxes(const struct pworld *w, int64_t day0,
                           struct sched_mailbox *m)
{
    for (int i = 0; i < P_MB; i++) {
        m[i].id = i + 1;
        m[i].cap = 4;
        m[i].available = i != 2 || day0 / DAY % 7 != 3; /* one rests */
        m[i].used_today = 0;
        m[i].last_used = 0;
        for (size_t k = 0; k < w->n; k++)
            if (w->s[k].mailbox == i && w->s[k].at >= day0 &&
                w->s[k].at < day0 + DAY &&
                (send_status_counts(w->s[k].status) & COUNTS_CAP))
                m[i].used_today++;
    }
}

/* Distinct contacts of a company written to per campaign. */
static size_t load_companies(const struct pworld *w,
                             struct sched_company_count *cc)
{
    size_t n = 0;

    for (int ca = 0; ca < P_CAMPAIGNS; ca++)
        for (int co = 1; co <= 10; co++) {
            int k = 0;

            for (int ct = 0; ct < P_CONTACTS; ct++) {
                const struct psend *f = NULL;

                for (size_t i = 0; i < w->n; i++)
                    if (w->s[i].campaign == ca && w->s[i].contact == ct &&
                        w->s[i].step == 1)
                        f = &w->s[i];
                if (company_of(ct) == co && f &&
                    (send_status_counts(f->status) & COUNTS_COMPANY))
                    k++;
            }
            cc[n++] = (struct sched_company_count){ ca + 1, co, k };
        }
    return n;
}

static void violation(struct pworld *w, const char *what, int ca, int ct,
                      int step)
{
    if (w->violations++ < 10)
        printf("# violation: %s (campaign %d, contact %d, step %d)\n", what,
               ca + 1, ct + 1, step);
}

/* The checks before a planned message goes, then its random outcome. */
static void apply(struct pworld *w, const struct sched_candidate *c, int mb,
                  int64_t now)
{
    int ca = (int)c->campaign_id - 1, ct = (int)c->contact_id - 1;
    int step = c->step > 1 ? c->step : 1;
    struct psend *s = find(w, ca, ct, step), *prev, *first;
    int64_t last = last_counted(w, ct);
    uint32_t r = rnd(w, 100);

    if (s && s->status != SEND_DEFERRED)
        violation(w, "a step sent twice", ca, ct, step);
    if (last && now - last < P_COOLDOWN)
        violation(w, "two emails within the cooldown", ca, ct, step);
    if (w->replied[ct])
        violation(w, "written to after a reply", ca, ct, step);
    if (step > 1) {
        prev = find(w, ca, ct, step - 1);
        first = find(w, ca, ct, 1);
        if (!prev || prev->status != SEND_SENT)
            violation(w, "a step after one not sent", ca, ct, step);
        else if (now < prev->at + w->after[ca][step])
            violation(w, "a step before its wait", ca, ct, step);
        if (!first || first->mailbox != mb)
            violation(w, "a step from another mailbox", ca, ct, step);
    }
    if (!s) {
        if (w->n == P_SENDS)
            return;
        s = &w->s[w->n++];
        s->campaign = ca;
        s->contact = ct;
        s->step = step;
    }
    s->mailbox = mb;
    s->at = now;
    s->retry_after = 0;
    s->status = r < 75 ? SEND_SENT : r < 82 ? SEND_BOUNCED
              : r < 88 ? SEND_FAILED : SEND_DEFERRED;
    if (s->status == SEND_DEFERRED)
        s->retry_after = now + 2 * 3600;
}

static void one_run(struct pworld *w, int64_t day0, int64_t now)
{
    struct sched_candidate c[P_CAMPAIGNS * P_CONTACTS];
    struct sched_company_count cc[P_CAMPAIGNS * 10];
    struct sched_mailbox m[P_MB];
    struct sched_input in;
    struct sched_plan p;
    struct errinfo ei = { ERR_OK, "" };
    size_t n = 0;

    for (int ca = 0; ca < P_CAMPAIGNS; ca++)
        for (int ct = 0; ct < P_CONTACTS; ct++)
            if (w->enrolled[ca][ct])
                load_candidate(w, ca, ct, &c[n++]);
    load_mailboxes(w, day0, m);
    memset(&in, 0, sizeof(in));
    in.mailboxes = m;
    in.n_mailboxes = P_MB;
    in.candidates = c;
    in.n_candidates = n;
    in.company_counts = cc;
    in.n_company_counts = load_companies(w, cc);
    in.cooldown_s = P_COOLDOWN;
    in.max_per_company = 2;
    in.stop_company_on_reply = false;
    if (sched_plan(&in, now, &p, &ei) != 0)
        violation(w, "the plan failed", 0, 0, 0);
    for (size_t i = 0; i < p.n_items; i++)
        apply(w, &c[p.items[i].candidate], (int)p.items[i].mailbox, now);
    load_mailboxes(w, day0, m);
    for (int i = 0; i < P_MB; i++)
        if (m[i].used_today > m[i].cap)
            violation(w, "a mailbox over its cap", -1, -1, i);
    sched_plan_release(&p);
}

static void test_property(void)
{
    struct pworld *w = xcalloc(1, sizeof(*w));
    size_t follow_ups = 0, after_reply = 0;

    w->rng = 0x9E3779B97F4A7C15ULL;   /* fixed: the same run every time */
    w->n_steps[0] = 3;
    w->after[0][2] = 2 * DAY;         /* shorter than the cooldown */
    w->after[0][3] = 5 * DAY;         /* longer */
    w->n_steps[1] = 2;
    w->after[1][2] = 3 * DAY;         /* equal to it */
    for (int ct = 0; ct < P_CONTACTS; ct++) {
        w->enrolled[0][ct] = rnd(w, 100) < 80;
        w->enrolled[1][ct] = rnd(w, 100) < 50;
    }
    for (int d = 0; d < 60; d++) {
        int64_t day0 = NOW - NOW % DAY + d * DAY;
        int runs = (int)rnd(w, 4);

        for (int k = 0, h = 8; k < runs; k++) {
            h += 1 + (int)rnd(w, 4);
            one_run(w, day0, day0 + h * 3600 + rnd(w, 3600));
        }
        for (int ct = 0; ct < P_CONTACTS; ct++)
            if (!w->replied[ct] && last_counted(w, ct) && rnd(w, 100) < 2)
                w->replied[ct] = true;
    }
    for (size_t i = 0; i < w->n; i++)
        follow_ups += w->s[i].step > 1 && w->s[i].status == SEND_SENT;
    for (int ct = 0; ct < P_CONTACTS; ct++)
        after_reply += w->replied[ct];
    t_current = "60 random days: no rule broken";
    T_INT(w->violations, 0);
    t_current = "and the test did exercise follow-ups and replies";
    T_OK(follow_ups >= 20);
    T_OK(after_reply >= 5);
    T_OK(w->n < P_SENDS);
    printf("# %zu sends, %zu follow-ups sent, %zu replied\n", w->n,
           follow_ups, after_reply);
    free(w);
}

int main(void)
{
    T_RUN(test_candidate);
    T_RUN(test_reply_subject);
    T_RUN(test_follow_ups);
    T_RUN(test_window);
    T_RUN(test_spread);
    T_RUN(test_property);
    return t_done();
}
