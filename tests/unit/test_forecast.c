/*
 * test_forecast.c - the forecast (forecast.c): the planner run forward
 * over a copy of the state, table-tested: caps, ramp, cooldown, steps,
 * company limit, the window, the horizon and the reasons never reached.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast.h"
#include "harness.h"
#include "tz.h"
#include "util.h"
#include "window.h"

#define NOW 1800000000LL   /* a Friday, 08:00 UTC */
#define DAY 86400LL
#define DAY0 (NOW / DAY)

struct fc_case {
    const char *name;
    int n_mb, cap, ramp_start, ramp_step;
    bool available;
    int n_contacts;
    int same_company;       /* the first N contacts share a company */
    int n_steps, after_days, cooldown_days, max_per_company;
    bool campaign_active, window;
    int horizon;
    long long done_off;     /* done_day - DAY0, or -1 / -2 */
    int done, waiting;
    enum sched_reason never;
    int never_n;
    int sent[4];            /* forecast sends on its first four days */
};

static const struct fc_case cases[] = {
    { "two mailboxes of 2, five contacts: two days", 2, 2, 0, 0, true, 5,
      0, 1, 0, 10, 4, true, false, 365, 1, 5, 0, 0, 0, { 4, 1, 0, 0 } },
    { "two steps, 2 days apart, cooldown 2", 2, 2, 0, 0, true, 6, 0, 2, 2,
      2, 4, true, false, 365, 3, 6, 0, 0, 0, { 4, 2, 4, 2 } },
    { "company limit 2: the third never", 2, 5, 0, 0, true, 4, 3, 1, 0, 10,
      2, true, false, 365, 0, 3, 0, SCHED_COMPANY_LIMIT, 1, { 3, 0, 0, 0 } },
    { "paused campaign: never, nothing to send", 1, 5, 0, 0, true, 3, 0, 1,
      0, 10, 4, false, false, 365, -2, 0, 0, SCHED_CAMPAIGN_PAUSED, 3,
      { 0, 0, 0, 0 } },
    { "no mailbox can send: no_capacity for good", 1, 5, 0, 0, false, 2, 0,
      1, 0, 10, 4, true, false, 365, -2, 0, 0, SCHED_NO_CAPACITY, 2,
      { 0, 0, 0, 0 } },
    { "cap 0, no ramp: no_capacity for good", 1, 0, 0, 0, true, 2, 0, 1, 0,
      10, 4, true, false, 365, -2, 0, 0, SCHED_NO_CAPACITY, 2,
      { 0, 0, 0, 0 } },
    { "horizon 5 days, cap 1, ten contacts", 1, 1, 0, 0, true, 10, 0, 1, 0,
      10, 4, true, false, 5, -1, 5, 5, 0, 0, { 1, 1, 1, 1 } },
    { "horizon 1: the company limit found by a last plan", 1, 1, 0, 0,
      true, 4, 4, 1, 0, 10, 2, true, false, 1, -1, 1, 1,
      SCHED_COMPANY_LIMIT, 2, { 1, 0, 0, 0 } },
    { "ramp 1:1: one, two, three a day", 1, 10, 1, 1, true, 6, 0, 1, 0, 10,
      4, true, false, 365, 2, 6, 0, 0, 0, { 1, 2, 3, 0 } },
    { "window mon-fri 09-17 from Friday 08:00: Friday, then Monday", 1, 2,
      0, 0, true, 3, 0, 1, 0, 10, 4, true, true, 365, 3, 3, 0, 0, 0,
      { 2, 1, 0, 0 } },
};

static struct sched_candidate cand_of(const struct fc_case *c, int i)
{
    struct sched_candidate s;

    memset(&s, 0, sizeof(s));
    s.campaign_id = 1;
    s.contact_id = 100 + i;
    s.company_id = i < c->same_company ? 7 : 1000 + i;
    s.email = "x@example.com";
    s.contact_active = true;
    s.campaign_active = c->campaign_active;
    s.enrolled_at = NOW - 1000 + i;
    s.step = 1;
    return s;
}

/* The forecast's sends on local day DAY0 + d. */
static int sent_on(const struct fc_result *r, long long d)
{
    int n = 0;

    for (size_t k = 0; k < r->n_runs; k++)
        if (r->runs[k].day == DAY0 + d)
            n += r->runs[k].sent[0];
    return n;
}

static void run_case(const struct fc_case *c, const struct tz *z)
{
    struct sched_mailbox mb[4];
    struct caps_mailbox caps[4];
    struct sched_candidate cand[16];
    size_t camp[16] = { 0 };
    int64_t after[4] = { 0, 0, c->after_days * DAY, c->after_days * DAY };
    struct fc_campaign fcamp = { c->n_steps, after };
    struct window w = { WINDOW_ALL_DAYS & ~(WINDOW_DAY(5) | WINDOW_DAY(6)),
                        9 * 60, 17 * 60 };
    struct fc_input in;
    struct fc_result r;

    memset(mb, 0, sizeof(mb));
    memset(caps, 0, sizeof(caps));
    for (int j = 0; j < c->n_mb; j++) {
        caps[j].own_cap = c->cap;
        caps[j].ramp_start = c->ramp_start;
        caps[j].ramp_step = c->ramp_step;
        mb[j].id = j + 1;
        mb[j].cap = caps_effective(&caps[j], 50);
        mb[j].available = c->available;
    }
    for (int i = 0; i < c->n_contacts; i++)
        cand[i] = cand_of(c, i);
    memset(&in, 0, sizeof(in));
    in.in.mailboxes = mb;
    in.in.n_mailboxes = (size_t)c->n_mb;
    in.in.candidates = cand;
    in.in.n_candidates = (size_t)c->n_contacts;
    in.in.cooldown_s = c->cooldown_days * DAY;
    in.in.max_per_company = c->max_per_company;
    in.caps = caps;
    in.default_cap = 50;
    in.campaign = camp;
    in.camps = &fcamp;
    in.n_camps = 1;
    in.zone = z;
    in.win = c->window ? &w : NULL;
    in.now = NOW;
    in.horizon_days = c->horizon;
    forecast_run(&in, &r);
    t_current = c->name;
    T_INT(r.camp[0].enrolled, c->n_contacts);
    T_INT(r.camp[0].done_day < 0 ? r.camp[0].done_day
                                 : r.camp[0].done_day - DAY0, c->done_off);
    T_INT(r.camp[0].done, c->done);
    T_INT(r.camp[0].waiting, c->waiting);
    if (c->never_n)
        T_INT(r.camp[0].never[c->never], c->never_n);
    /* With the window, sent[1] is Monday's (day 3) and sent[3] Saturday's. */
    for (int d = 0; d < 4; d++)
        T_INT(sent_on(&r, c->window && (d == 1 || d == 3) ? 4 - d : d),
              c->sent[d]);
    fc_release(&r, 1);
}

static void test_cases(void)
{
    struct tz *z = tz_utc();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i], z);
    tz_free(z);
}

/* A seeded random world, run with and without the prefix: the same. */
static uint64_t rnd(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}

/* With zones (z2 non-NULL): a mon-fri 09:00-17:00 window, a third of
 * the contacts in z2, spread on odd seeds. */
static void random_world(uint64_t seed, const struct tz *z,
                         const struct tz *z2, bool no_prefix,
                         struct fc_result *r)
{
    static const struct window w = { 0x1f, 9 * 60, 17 * 60 };
    static const struct tz *cz[300];
    static struct sched_mailbox mb[3];
    static struct caps_mailbox caps[3];
    static struct sched_candidate cand[300];
    static size_t camp[300];
    static int64_t after[2][4];
    static struct fc_campaign fc[2];
    struct fc_input in;
    uint64_t st = seed;

    memset(mb, 0, sizeof(mb));
    memset(caps, 0, sizeof(caps));
    for (int j = 0; j < 3; j++) {
        caps[j].own_cap = 1 + (int)(rnd(&st) % 6);
        caps[j].ramp_start = rnd(&st) % 2 ? 1 : 0;
        caps[j].ramp_step = 1;
        mb[j].id = j + 1;
        mb[j].cap = caps_effective(&caps[j], 50);
        mb[j].available = rnd(&st) % 5 != 0;
    }
    for (int k = 0; k < 2; k++) {
        fc[k].n_steps = 1 + (int)(rnd(&st) % 3);
        for (int i = 2; i < 4; i++)
            after[k][i] = (int64_t)(rnd(&st) % 5) * DAY;
        fc[k].after_s = after[k];
    }
    for (int i = 0; i < 300; i++) {
        memset(&cand[i], 0, sizeof(cand[i]));
        camp[i] = i < 150 ? 0 : 1;   /* contacts 1-100 in both */
        cand[i].campaign_id = (long long)camp[i] + 1;
        cand[i].contact_id = 1 + i % 200;
        cand[i].company_id = (long long)(rnd(&st) % 60);
        cand[i].email = "x@example.com";
        cand[i].contact_active = rnd(&st) % 20 != 0;
        cand[i].campaign_active = true;
        cand[i].enrolled_at = NOW - (int64_t)(rnd(&st) % 1000);
        cand[i].step = 1;
        cz[i] = z2 && i % 3 == 0 ? z2 : NULL;
    }
    memset(&in, 0, sizeof(in));
    in.in.mailboxes = mb;
    in.in.n_mailboxes = 3;
    in.in.candidates = cand;
    in.in.n_candidates = 300;
    in.in.cooldown_s = 2 * DAY;
    in.in.max_per_company = 2;
    in.caps = caps;
    in.default_cap = 50;
    in.campaign = camp;
    in.camps = fc;
    in.n_camps = 2;
    in.zone = z;
    in.now = NOW;
    in.horizon_days = 20 + (int)(seed % 40);
    in.no_prefix = no_prefix;
    if (z2) {
        in.win = &w;
        in.cand_zone = cz;
        in.spread = seed % 2 == 1;
    }
    forecast_run(&in, r);
}

static int never_total(const struct fc_campaign_result *r)
{
    int n = 0;

    for (int k = 0; k < FC_REASONS; k++)
        n += r->never[k];
    return n;
}

/* The same sends on the same runs, done and completion; when it
 * completes, the same reasons; at the horizon, the same waiting and never
 * reached together (which reason a contact held there shows first may
 * differ, forecast.h). */
static bool same_result(const struct fc_result *a, const struct fc_result *b)
{
    if (a->n_runs != b->n_runs)
        return false;
    for (int c = 0; c < 2; c++) {
        const struct fc_campaign_result *x = &a->camp[c], *y = &b->camp[c];
        int nx = never_total(x), ny = never_total(y);

        if (x->done != y->done || x->done_day != y->done_day ||
            x->waiting + nx != y->waiting + ny)
            return false;
        if (x->waiting == 0 && (y->waiting != 0 ||
                                memcmp(x->never, y->never,
                                       sizeof(x->never)) != 0))
            return false;
        for (size_t k = 0; k < a->n_runs; k++)
            if (a->runs[k].at != b->runs[k].at ||
                a->runs[k].sent[c] != b->runs[k].sent[c] ||
                a->runs[k].remaining[c] + nx != b->runs[k].remaining[c] + ny)
                return false;
    }
    return true;
}

static void test_prefix_same(void)
{
    struct tz *z = tz_utc();
    int same = 0, complete = 0;

    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct fc_result a, b;

        random_world(seed, z, NULL, false, &a);
        random_world(seed, z, NULL, true, &b);
        same += same_result(&a, &b);
        complete += a.camp[0].waiting == 0 && a.camp[1].waiting == 0;
        if (!same_result(&a, &b))
            printf("# seed %llu differs\n", (unsigned long long)seed);
        fc_release(&a, 2);
        fc_release(&b, 2);
    }
    T_INT(same, 200);
    printf("# %d of 200 complete within their horizon\n", complete);
    T_OK(complete >= 20);
    tz_free(z);
}

/* Zones and spread: the prefix plans as the whole; runs at both zones'
 * openings, and with spread more than one run some day. */
static void test_zones_same(void)
{
    struct tz *z = tz_utc(), *z2 = NULL;
    struct errinfo ei = { ERR_OK, "" };
    int same = 0, more = 0;

    T_INT(tz_parse_posix("JST-9", &z2, &ei), 0);
    for (uint64_t seed = 1; z2 && seed <= 60; seed++) {
        struct fc_result a, b;

        random_world(seed, z, z2, false, &a);
        random_world(seed, z, z2, true, &b);
        same += same_result(&a, &b);
        if (!same_result(&a, &b))
            printf("# zones: seed %llu differs\n", (unsigned long long)seed);
        for (size_t k = 0; k + 1 < a.n_runs; k++)
            if (a.runs[k].day == a.runs[k + 1].day &&
                a.runs[k].at % DAY != 0 && a.runs[k + 1].at % DAY != 0)
                more++;   /* two runs a day, neither JST's opening */
        fc_release(&a, 2);
        fc_release(&b, 2);
    }
    T_INT(same, 60);
    T_OK(more > 0);
    tz_free(z2);
    tz_free(z);
}

static void test_final_reasons(void)
{
    T_OK(fc_reason_final(SCHED_COMPANY_LIMIT));
    T_OK(fc_reason_final(SCHED_SUPPRESSED));
    T_OK(!fc_reason_final(SCHED_COOLDOWN));
    T_OK(!fc_reason_final(SCHED_NOT_DUE));
    T_OK(!fc_reason_final(SCHED_SENDER_BUSY));
    T_OK(!fc_reason_final(SCHED_NO_CAPACITY));
}

int main(void)
{
    T_RUN(test_cases);
    T_RUN(test_prefix_same);
    T_RUN(test_zones_same);
    T_RUN(test_final_reasons);
    return t_done();
}
