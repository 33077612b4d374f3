/*
 * test_sched.c - table-driven tests for the planner (sched.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "scheduler.h"
#include "util.h"

#define NOW 1800000000LL
#define DAY 86400LL
#define CD (10 * DAY)
#define MAXC 10

#define ARRLEN(a) (sizeof(a) / sizeof((a)[0]))

/* An enrolled, active contact in an active campaign, never written to. */
#define CAND(camp, ct, co, email, enr, last)                                \
    {(camp), (ct), (co), (email), true, true, (enr), SCHED_EXISTING_NONE,   \
     0, (last), false, false, 1, 0, 0, 0, false, 0}
/* Every field. */
#define CANDX(camp, ct, co, email, ctact, camact, enr, ex, retry, last)     \
    {(camp), (ct), (co), (email), (ctact), (camact), (enr), (ex), (retry),  \
     (last), false, false, 1, 0, 0, 0, false, 0}
#define DEFERRED(camp, ct, co, email, enr, retry, last)                     \
    CANDX(camp, ct, co, email, true, true, enr, SCHED_EXISTING_DEFERRED,    \
          retry, last)

/* Expected fate of one candidate. */
struct want {
    int reason;    /* 0: planned */
    int64_t until; /* skips */
    int mailbox;   /* planned: the mailbox index, or -1 for any */
};
#define PL(mb) {0, 0, (mb)}
#define SK(r) {(r), 0, -1}
#define SKU(r, u) {(r), (u), -1}

struct plan_case {
    const char *name;
    struct sched_candidate cand[MAXC];
    size_t n;
    struct want want[MAXC];
    /* optional: the candidates of the items in send order */
    size_t order[MAXC];
    size_t n_order;
    const struct sched_mailbox *mbs; /* NULL: three empty mailboxes */
    size_t n_mbs;
    const struct sched_company_count *cc;
    size_t n_cc;
    const char *const *sup;
    size_t n_sup;
    int64_t cooldown_s;
    int max_per_company;
    size_t max_messages;
};

static const struct sched_mailbox three_mbs[] = {
    {1, 10, 0, 0, true, 0, false},
    {2, 10, 0, 0, true, 0, false},
    {3, 10, 0, 0, true, 0, false},
};

static const struct sched_mailbox full_mbs[] = {
    {1, 10, 10, 0, true, 0, false},
    {2, 0, 0, 0, true, 0, false},
    {3, 10, 0, 0, false, 0, false},
    {4, 5, 7, 0, true, 0, false},
};

static const struct plan_case plan_cases[] = {
    {"all rules pass",
     {CAND(1, 1, 7, "a@x.com", 100, 0)}, 1,
     {PL(0)}, {0}, 1,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"campaign paused",
     {CANDX(1, 1, 7, "a@x.com", true, false, 100, SCHED_EXISTING_NONE, 0, 0)},
     1, {SK(SCHED_CAMPAIGN_PAUSED)}, {0}, 0,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"contact bounced",
     {CANDX(1, 1, 7, "a@x.com", false, true, 100, SCHED_EXISTING_NONE, 0, 0)},
     1, {SK(SCHED_CONTACT_STATUS)}, {0}, 0,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"first failing rule wins",
     {CANDX(1, 1, 7, "a@x.com", false, false, 100, SCHED_EXISTING_DONE, 0,
            NOW),
      CANDX(1, 2, 7, "a@x.com", false, true, 100, SCHED_EXISTING_DONE, 0,
            NOW),
      CANDX(1, 3, 7, "a@x.com", true, true, 100, SCHED_EXISTING_DONE, 0,
            NOW),
      CANDX(1, 4, 7, "b@x.com", true, true, 100, SCHED_EXISTING_DONE, 0,
            NOW),
      DEFERRED(1, 5, 7, "c@x.com", 100, NOW + 5, NOW)},
     5,
     {SK(SCHED_CAMPAIGN_PAUSED), SK(SCHED_CONTACT_STATUS),
      SK(SCHED_SUPPRESSED), SK(SCHED_ALREADY_SENT),
      SKU(SCHED_RETRY_WAIT, NOW + 5)},
     {0}, 0,
     NULL, 0, NULL, 0, (const char *const[]){"A@X.com"}, 1, CD, 4, 0},
    {"suppressed by address, any case",
     {CAND(1, 1, 0, "Ann@Acme.com", 100, 0),
      CAND(1, 2, 0, "ann@acme.co", 100, 0),
      CAND(1, 3, 0, "bob@acme.com", 100, 0)},
     3, {SK(SCHED_SUPPRESSED), PL(-1), PL(-1)}, {0}, 0,
     NULL, 0, NULL, 0, (const char *const[]){"ann@acme.COM"}, 1, CD, 4, 0},
    {"suppressed by @domain and subdomains",
     {CAND(1, 1, 0, "x@acme.com", 100, 0),
      CAND(1, 2, 0, "y@EU.Acme.Com", 100, 0),
      CAND(1, 3, 0, "z@notacme.com", 100, 0),
      CAND(1, 4, 0, "w@acme.com.evil", 100, 0),
      CAND(1, 5, 0, "acme.com@other.org", 100, 0),
      CAND(1, 6, 0, NULL, 100, 0),
      CAND(1, 7, 0, "", 100, 0)},
     7,
     {SK(SCHED_SUPPRESSED), SK(SCHED_SUPPRESSED), PL(-1), PL(-1), PL(-1),
      PL(-1), PL(-1)},
     {0}, 0,
     NULL, 0, NULL, 0, (const char *const[]){"@ACME.com", "@", ""}, 3, CD,
     4, 0},
    {"already sent, even when cooling down",
     {CANDX(1, 1, 0, "a@x.com", true, true, 100, SCHED_EXISTING_DONE, 0, 0),
      CANDX(1, 2, 0, "b@x.com", true, true, 100, SCHED_EXISTING_DONE, 0,
            NOW - 1)},
     2, {SK(SCHED_ALREADY_SENT), SK(SCHED_ALREADY_SENT)}, {0}, 0,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"retry_wait until Retry-After",
     {DEFERRED(1, 1, 0, "a@x.com", 100, NOW + 60, 0),
      DEFERRED(1, 2, 0, "b@x.com", 100, NOW, 0),
      DEFERRED(1, 3, 0, "c@x.com", 100, 0, 0),
      DEFERRED(1, 4, 0, "d@x.com", 100, NOW + 1, NOW - DAY)},
     4,
     {SKU(SCHED_RETRY_WAIT, NOW + 60), PL(-1), PL(-1),
      SKU(SCHED_RETRY_WAIT, NOW + 1)},
     {1, 2}, 2,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"cooldown boundary",
     {CAND(1, 1, 0, "a@x.com", 100, NOW - CD),
      CAND(1, 2, 0, "b@x.com", 100, NOW - CD + 1),
      CAND(1, 3, 0, "c@x.com", 100, 0),
      CAND(1, 4, 0, "d@x.com", 100, NOW - CD - 1),
      CAND(1, 5, 0, "e@x.com", 100, NOW)},
     5,
     {PL(-1), SKU(SCHED_COOLDOWN, NOW + 1), PL(-1), PL(-1),
      SKU(SCHED_COOLDOWN, NOW + CD)},
     {0}, 0,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"two campaigns, one contact: one planned, one cooling down",
     {CAND(2, 1, 7, "a@x.com", 100, 0),
      CAND(1, 1, 7, "a@x.com", 100, 0),
      CAND(3, 1, 7, "a@x.com", 50, NOW - DAY)},
     3,
     {SKU(SCHED_COOLDOWN, NOW + CD), PL(0),
      SKU(SCHED_COOLDOWN, NOW - DAY + CD)},
     {1}, 1,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"cooldown spans mailboxes: each contact planned once, rotating",
     {CAND(1, 1, 0, "a@x.com", 100, 0),
      CAND(1, 2, 0, "b@x.com", 100, 0),
      CAND(2, 1, 0, "a@x.com", 100, 0),
      CAND(2, 2, 0, "b@x.com", 100, 0),
      CAND(3, 1, 0, "a@x.com", 100, 0)},
     5,
     {PL(0), PL(1), SKU(SCHED_COOLDOWN, NOW + CD),
      SKU(SCHED_COOLDOWN, NOW + CD), SKU(SCHED_COOLDOWN, NOW + CD)},
     {0, 1}, 2,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"company limit 4: six contacts of one company",
     {CAND(1, 1, 7, "a@x.com", 100, 0), CAND(1, 2, 7, "b@x.com", 100, 0),
      CAND(1, 3, 7, "c@x.com", 100, 0), CAND(1, 4, 7, "d@x.com", 100, 0),
      CAND(1, 5, 7, "e@x.com", 100, 0), CAND(1, 6, 7, "f@x.com", 100, 0)},
     6,
     {PL(-1), PL(-1), PL(-1), PL(-1), SK(SCHED_COMPANY_LIMIT),
      SK(SCHED_COMPANY_LIMIT)},
     {0, 1, 2, 3}, 4,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"company limit independent per campaign",
     {CAND(1, 1, 7, "a@x.com", 100, 0), CAND(1, 2, 7, "b@x.com", 100, 0),
      CAND(1, 3, 7, "c@x.com", 100, 0), CAND(2, 4, 7, "d@x.com", 100, 0),
      CAND(2, 5, 7, "e@x.com", 100, 0), CAND(2, 6, 7, "f@x.com", 100, 0),
      CAND(1, 7, 8, "g@y.com", 100, 0)},
     7,
     {PL(-1), PL(-1), SK(SCHED_COMPANY_LIMIT), PL(-1), PL(-1),
      SK(SCHED_COMPANY_LIMIT), PL(-1)},
     {0}, 0,
     NULL, 0, NULL, 0, NULL, 0, CD, 2, 0},
    {"company counts from earlier runs, per campaign",
     {CAND(1, 1, 7, "a@x.com", 100, 0), CAND(1, 2, 7, "b@x.com", 100, 0),
      CAND(2, 3, 7, "c@x.com", 100, 0), CAND(1, 4, 8, "d@y.com", 100, 0)},
     4,
     {PL(-1), SK(SCHED_COMPANY_LIMIT), PL(-1), SK(SCHED_COMPANY_LIMIT)},
     {0}, 0,
     NULL, 0,
     (const struct sched_company_count[]){{1, 7, 3}, {1, 8, 4}, {2, 8, 4}},
     3, NULL, 0, CD, 4, 0},
    {"free mail (company 0) is exempt",
     {CAND(1, 1, 0, "a@gmail.com", 100, 0),
      CAND(1, 2, 0, "b@gmail.com", 100, 0),
      CAND(1, 3, 0, "c@gmail.com", 100, 0),
      CAND(1, 4, 0, "d@gmail.com", 100, 0),
      CAND(1, 5, 0, "e@gmail.com", 100, 0),
      CAND(1, 6, 0, "f@gmail.com", 100, 0)},
     6, {PL(-1), PL(-1), PL(-1), PL(-1), PL(-1), PL(-1)}, {0}, 0,
     NULL, 0, (const struct sched_company_count[]){{1, 0, 50}}, 1, NULL, 0,
     CD, 1, 0},
    {"deferred retries first and exempt from the company limit",
     {CAND(1, 1, 7, "a@x.com", 100, 0),
      DEFERRED(1, 2, 7, "b@x.com", 900, 0, 0),
      CAND(1, 3, 7, "c@x.com", 50, 0),
      DEFERRED(1, 4, 7, "d@x.com", 800, NOW - 1, 0),
      CAND(1, 5, 0, "e@x.com", 10, 0)},
     5,
     {SK(SCHED_COMPANY_LIMIT), PL(1), SK(SCHED_COMPANY_LIMIT), PL(0),
      PL(2)},
     {3, 1, 4}, 3,
     NULL, 0, (const struct sched_company_count[]){{1, 7, 4}}, 1, NULL, 0,
     CD, 4, 0},
    {"a deferred retry does not use a new company slot",
     {DEFERRED(1, 1, 7, "a@x.com", 100, 0, 0),
      CAND(1, 2, 7, "b@x.com", 100, 0),
      CAND(1, 3, 7, "c@x.com", 100, 0)},
     3, {PL(0), PL(1), SK(SCHED_COMPANY_LIMIT)}, {0, 1}, 2,
     NULL, 0, (const struct sched_company_count[]){{1, 7, 1}}, 1, NULL, 0,
     CD, 2, 0},
    {"a deferred retry still obeys cooldown against other sends",
     {DEFERRED(1, 1, 0, "a@x.com", 100, 0, NOW - DAY),
      CAND(2, 2, 0, "b@x.com", 100, 0),
      DEFERRED(1, 2, 0, "b@x.com", 200, 0, 0)},
     3,
     {SKU(SCHED_COOLDOWN, NOW - DAY + CD), SKU(SCHED_COOLDOWN, NOW + CD),
      PL(0)},
     {2}, 1,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"a deferred retry still needs capacity",
     {DEFERRED(1, 1, 0, "a@x.com", 100, 0, 0)},
     1, {SK(SCHED_NO_CAPACITY)}, {0}, 0,
     full_mbs, ARRLEN(full_mbs), NULL, 0, NULL, 0, CD, 4, 0},
    {"no_capacity when every mailbox is full, unavailable or capped at 0",
     {CAND(1, 1, 0, "a@x.com", 100, 0), CAND(1, 2, 7, "b@x.com", 100, 0)},
     2, {SK(SCHED_NO_CAPACITY), SK(SCHED_NO_CAPACITY)}, {0}, 0,
     full_mbs, ARRLEN(full_mbs), NULL, 0, NULL, 0, CD, 4, 0},
    {"no roster at all",
     {CAND(1, 1, 0, "a@x.com", 100, 0)},
     1, {SK(SCHED_NO_CAPACITY)}, {0}, 0,
     full_mbs, 0, NULL, 0, NULL, 0, CD, 4, 0},
    {"no_capacity uses neither a company slot nor the cooldown",
     {CAND(1, 1, 7, "a@x.com", 100, 0), CAND(1, 2, 7, "b@x.com", 200, 0),
      CAND(2, 2, 7, "b@x.com", 200, 0), CAND(1, 3, 7, "c@x.com", 300, 0)},
     4,
     {PL(0), SK(SCHED_NO_CAPACITY), SK(SCHED_NO_CAPACITY),
      SK(SCHED_NO_CAPACITY)},
     {0}, 1,
     (const struct sched_mailbox[]){{1, 1, 0, 0, true, 0, false}}, 1, NULL, 0, NULL,
     0, CD, 2, 0},
    {"max_messages stops planning; earlier rules still name the reason",
     {CAND(1, 1, 0, "a@x.com", 100, 0), CAND(1, 2, 0, "b@x.com", 200, 0),
      CAND(1, 3, 0, "c@x.com", 300, 0),
      CANDX(1, 4, 0, "d@x.com", true, false, 400, SCHED_EXISTING_NONE, 0,
            0),
      CAND(1, 5, 0, "e@x.com", 500, NOW - 1),
      CAND(1, 6, 0, "f@x.com", 600, 0)},
     6,
     {PL(0), PL(1), SK(SCHED_NO_CAPACITY), SK(SCHED_CAMPAIGN_PAUSED),
      SKU(SCHED_COOLDOWN, NOW - 1 + CD), SK(SCHED_NO_CAPACITY)},
     {0, 1}, 2,
     NULL, 0, NULL, 0, NULL, 0, CD, 4, 2},
    {"order: enrolment, then contact id, then campaign id",
     {CAND(2, 5, 0, "e@x.com", 300, 0), CAND(1, 5, 0, "e@x.com", 300, 0),
      CAND(1, 9, 0, "i@x.com", 100, 0), CAND(3, 4, 0, "d@x.com", 300, 0),
      CAND(1, 8, 0, "h@x.com", 200, 0)},
     5, {PL(-1), PL(-1), PL(-1), PL(-1), PL(-1)}, {2, 4, 3, 1, 0}, 5,
     NULL, 0, NULL, 0, NULL, 0, 0, 4, 0},
    {"cooldown 0: a contact in two campaigns gets both",
     {CAND(1, 1, 0, "a@x.com", 100, NOW), CAND(2, 1, 0, "a@x.com", 100, 0)},
     2, {PL(0), PL(1)}, {0, 1}, 2,
     NULL, 0, NULL, 0, NULL, 0, 0, 4, 0},
    {"a duplicate (campaign, contact) is never planned twice",
     {CAND(1, 1, 0, "a@x.com", 100, 0), CAND(1, 1, 0, "a@x.com", 100, 0)},
     2, {PL(0), SK(SCHED_ALREADY_SENT)}, {0}, 1,
     NULL, 0, NULL, 0, NULL, 0, 0, 4, 0},
    {"cooldown and company limit together",
     {CAND(1, 1, 7, "a@x.com", 100, NOW - DAY),
      CAND(1, 2, 7, "b@x.com", 200, 0), CAND(1, 3, 7, "c@x.com", 300, 0),
      CAND(1, 4, 7, "d@x.com", 400, 0), CAND(2, 2, 7, "b@x.com", 500, 0)},
     5,
     {SKU(SCHED_COOLDOWN, NOW - DAY + CD), PL(-1), PL(-1),
      SK(SCHED_COMPANY_LIMIT), SKU(SCHED_COOLDOWN, NOW + CD)},
     {1, 2}, 2,
     NULL, 0, NULL, 0, NULL, 0, CD, 2, 0},
};

/* Runs sched_plan on a case; checks that every candidate is in exactly one
 * list.  Returns the plan (the caller releases it). */
static struct sched_plan run_plan(const struct sched_input *in,
                                  int64_t now)
{
    struct sched_plan p;
    struct errinfo ei = {ERR_OK, ""};
    unsigned char *seen = xcalloc(in->n_candidates, 1);
    bool once = true;

    memset(&p, 0xAB, sizeof(p));
    T_INT(sched_plan(in, now, &p, &ei), 0);
    T_INT(p.n_items + p.n_skips, in->n_candidates);
    for (size_t i = 0; i < p.n_items; i++) {
        if (p.items[i].candidate >= in->n_candidates ||
            seen[p.items[i].candidate]++)
            once = false;
        if (p.items[i].mailbox >= in->n_mailboxes)
            once = false;
    }
    for (size_t i = 0; i < p.n_skips; i++)
        if (p.skips[i].candidate >= in->n_candidates ||
            seen[p.skips[i].candidate]++)
            once = false;
    T_OK(once);
    free(seen);
    return p;
}

static void test_plan_cases(void)
{
    for (size_t ci = 0; ci < ARRLEN(plan_cases); ci++) {
        const struct plan_case *c = &plan_cases[ci];
        struct sched_input in = {
            .mailboxes = c->mbs ? c->mbs : three_mbs,
            .n_mailboxes = c->mbs ? c->n_mbs : ARRLEN(three_mbs),
            .candidates = c->cand,
            .n_candidates = c->n,
            .company_counts = c->cc,
            .n_company_counts = c->n_cc,
            .suppressions = c->sup,
            .n_suppressions = c->n_sup,
            .cooldown_s = c->cooldown_s,
            .max_per_company = c->max_per_company,
            .max_messages = c->max_messages,
        };
        struct sched_plan p;

        printf("# case %zu: %s\n", ci, c->name);
        p = run_plan(&in, NOW);
        for (size_t k = 0; k < c->n; k++) {
            const struct want *w = &c->want[k];
            bool found = false;

            for (size_t i = 0; i < p.n_items; i++) {
                if (p.items[i].candidate != k)
                    continue;
                found = true;
                printf("# candidate %zu\n", k);
                T_STR("planned",
                      w->reason ? sched_reason_str(w->reason) : "planned");
                if (w->mailbox >= 0)
                    T_INT(p.items[i].mailbox, w->mailbox);
            }
            for (size_t i = 0; i < p.n_skips; i++) {
                if (p.skips[i].candidate != k)
                    continue;
                found = true;
                printf("# candidate %zu\n", k);
                T_STR(sched_reason_str(p.skips[i].reason),
                      w->reason ? sched_reason_str(w->reason) : "planned");
                T_INT(p.skips[i].until, w->until);
            }
            T_OK(found);
        }
        if (c->n_order) {
            T_INT(p.n_items, c->n_order);
            for (size_t i = 0; i < c->n_order && i < p.n_items; i++)
                T_INT(p.items[i].candidate, c->order[i]);
        }
        sched_plan_release(&p);
    }
}

/* Makes n candidates with distinct contacts, no company, enrolled in
 * candidate order. */
static struct sched_candidate *plain_candidates(size_t n)
{
    struct sched_candidate *c = xcalloc(n, sizeof(*c));

    for (size_t i = 0; i < n; i++) {
        c[i].campaign_id = 1;
        c[i].contact_id = (long long)i + 1;
        c[i].email = "x@example.com";
        c[i].contact_active = true;
        c[i].campaign_active = true;
        c[i].enrolled_at = 1000 + (int64_t)i;
        c[i].existing = SCHED_EXISTING_NONE;
    }
    return c;
}

/*
 * Replays a plan's items and checks the rotation invariants: every item
 * went to an available mailbox with room, and to one with the fewest sends
 * among those with room.  Returns the final loads in load[].
 */
static void check_rotation(const struct sched_input *in,
                           const struct sched_plan *p, long long *load)
{
    bool ok_room = true, ok_fewest = true;

    for (size_t m = 0; m < in->n_mailboxes; m++)
        load[m] = in->mailboxes[m].used_today;
    for (size_t i = 0; i < p->n_items; i++) {
        size_t mb = p->items[i].mailbox;
        const struct sched_mailbox *chosen = &in->mailboxes[mb];

        if (!chosen->available || load[mb] >= chosen->cap)
            ok_room = false;
        for (size_t m = 0; m < in->n_mailboxes; m++)
            if (in->mailboxes[m].available &&
                load[m] < in->mailboxes[m].cap && load[m] < load[mb])
                ok_fewest = false;
        load[mb]++;
    }
    T_OK(ok_room);
    T_OK(ok_fewest);
}

static void test_fill_evenly(void)
{
    struct sched_mailbox mbs[10] = {{0}};
    struct sched_candidate *c = plain_candidates(400);
    struct sched_input in = {0};
    struct sched_plan p;
    long long load[10];
    int per_mb[10] = {0};
    bool distinct = true, round_robin = true;
    size_t no_cap = 0;

    for (size_t m = 0; m < 10; m++) {
        mbs[m].id = (long long)m + 1;
        mbs[m].cap = 30;
        mbs[m].used_today = 0;
        mbs[m].last_used = 0;
        mbs[m].available = true;
    }
    in.mailboxes = mbs;
    in.n_mailboxes = 10;
    in.candidates = c;
    in.n_candidates = 400;
    in.cooldown_s = CD;
    in.max_per_company = 4;

    p = run_plan(&in, NOW);
    T_INT(p.n_items, 300);
    T_INT(p.n_skips, 100);
    for (size_t i = 0; i < p.n_skips; i++)
        if (p.skips[i].reason == SCHED_NO_CAPACITY)
            no_cap++;
    T_INT(no_cap, 100);
    for (size_t i = 0; i < p.n_items; i++) {
        per_mb[p.items[i].mailbox]++;
        if (p.items[i].candidate != i)
            round_robin = false;
        if (p.items[i].mailbox != i % 10)
            round_robin = false;
    }
    for (size_t m = 0; m < 10; m++)
        T_INT(per_mb[m], 30);
    for (size_t i = 0; i < 10 && i < p.n_items; i++)
        for (size_t j = 0; j < i; j++)
            if (p.items[i].mailbox == p.items[j].mailbox)
                distinct = false;
    T_OK(distinct);
    T_OK(round_robin);
    check_rotation(&in, &p, load);
    sched_plan_release(&p);
    free(c);
}

static void test_fill_uneven(void)
{
    const struct sched_mailbox mbs[] = {
        {1, 30, 5, 500, true, 0, false},
        {2, 30, 0, 900, true, 0, false},
        {3, 30, 29, 100, true, 0, false},
        {4, 30, 30, 0, true, 0, false},
        {5, 30, 0, 0, false, 0, false}, /* admin / paused: never used */
        {6, 0, 0, 0, true, 0, false},   /* cap 0: never used */
    };
    struct sched_candidate *c = plain_candidates(100);
    struct sched_input in = {0};
    struct sched_plan p;
    long long load[ARRLEN(mbs)];

    in.mailboxes = mbs;
    in.n_mailboxes = ARRLEN(mbs);
    in.candidates = c;
    in.n_candidates = 100;
    in.cooldown_s = CD;
    in.max_per_company = 4;

    /* A few items: the emptiest mailbox first, then evened out. */
    in.n_candidates = 12;
    p = run_plan(&in, NOW);
    T_INT(p.n_items, 12);
    for (size_t i = 0; i < 5 && i < p.n_items; i++)
        T_INT(p.items[i].mailbox, 1);
    /* 5 vs 5: the never-planned mailbox 0 before the planned mailbox 1 */
    if (p.n_items >= 12) {
        T_INT(p.items[5].mailbox, 0);
        T_INT(p.items[6].mailbox, 1);
        T_INT(p.items[7].mailbox, 0);
    }
    check_rotation(&in, &p, load);
    T_INT(load[0], 9);
    T_INT(load[1], 8);
    T_INT(load[2], 29);
    T_INT(load[3], 30);
    T_INT(load[4], 0);
    T_INT(load[5], 0);
    sched_plan_release(&p);

    /* Many: everything that is available fills to its cap, no further. */
    in.n_candidates = 100;
    p = run_plan(&in, NOW);
    T_INT(p.n_items, 25 + 30 + 1);
    T_INT(p.n_skips, 100 - 56);
    check_rotation(&in, &p, load);
    T_INT(load[0], 30);
    T_INT(load[1], 30);
    T_INT(load[2], 30);
    T_INT(load[3], 30);
    T_INT(load[4], 0);
    T_INT(load[5], 0);
    sched_plan_release(&p);
    free(c);
}

static void test_least_recently_used(void)
{
    const struct sched_mailbox mbs[] = {
        {1, 10, 3, 300, true, 0, false},
        {2, 10, 3, 100, true, 0, false},
        {3, 10, 3, 200, true, 0, false},
        {4, 10, 3, 100, true, 0, false},
        {5, 10, 2, 50, false, 0, false},
    };
    const size_t want[] = {1, 3, 2, 0, 1, 3, 2, 0, 1};
    struct sched_candidate *c = plain_candidates(ARRLEN(want));
    struct sched_input in = {0};
    struct sched_plan p;

    in.mailboxes = mbs;
    in.n_mailboxes = ARRLEN(mbs);
    in.candidates = c;
    in.n_candidates = ARRLEN(want);
    in.cooldown_s = CD;
    in.max_per_company = 4;
    p = run_plan(&in, NOW);
    T_INT(p.n_items, ARRLEN(want));
    for (size_t i = 0; i < ARRLEN(want) && i < p.n_items; i++)
        T_INT(p.items[i].mailbox, want[i]);
    sched_plan_release(&p);
    free(c);
}

/* A contact that replied, and its colleagues in that campaign. */
static void test_replied(void)
{
    static const struct {
        bool active, replied, company_replied, stop;
        enum sched_reason want;    /* 0: planned */
    } cases[] = {
        {false, true, false, true, SCHED_REPLIED},
        {false, false, false, true, SCHED_CONTACT_STATUS},
        {true, false, true, true, SCHED_COMPANY_REPLIED},
        {true, false, true, false, 0},  /* stop_company_on_reply: false */
        {true, false, false, true, 0},
    };
    struct sched_mailbox mb = {0};

    mb.id = 1;
    mb.cap = 10;
    mb.available = true;
    for (size_t i = 0; i < ARRLEN(cases); i++) {
        struct sched_candidate *c = plain_candidates(1);
        struct sched_input in = {0};
        struct sched_plan p;

        c[0].contact_active = cases[i].active;
        c[0].contact_replied = cases[i].replied;
        c[0].company_replied = cases[i].company_replied;
        c[0].company_id = 7;
        in.mailboxes = &mb;
        in.n_mailboxes = 1;
        in.candidates = c;
        in.n_candidates = 1;
        in.cooldown_s = CD;
        in.max_per_company = 4;
        in.stop_company_on_reply = cases[i].stop;
        p = run_plan(&in, NOW);
        T_INT(p.n_items, cases[i].want ? 0 : 1);
        T_INT(p.n_skips ? p.skips[0].reason : 0, cases[i].want);
        sched_plan_release(&p);
        free(c);
    }
}

static void test_reason_str(void)
{
    static const struct {
        enum sched_reason r;
        const char *s;
    } cases[] = {
        {SCHED_CAMPAIGN_PAUSED, "campaign_paused"},
        {SCHED_CONTACT_STATUS, "contact_status"},
        {SCHED_SUPPRESSED, "suppressed"},
        {SCHED_ALREADY_SENT, "already_sent"},
        {SCHED_RETRY_WAIT, "retry_wait"},
        {SCHED_COOLDOWN, "cooldown"},
        {SCHED_COMPANY_LIMIT, "company_limit"},
        {SCHED_NO_CAPACITY, "no_capacity"},
        {SCHED_REPLIED, "replied"},
        {SCHED_COMPANY_REPLIED, "company_replied"},
        {(enum sched_reason)0, "unknown"},
        {(enum sched_reason)99, "unknown"},
    };

    for (size_t i = 0; i < ARRLEN(cases); i++)
        T_STR(sched_reason_str(cases[i].r), cases[i].s);
}

static const char *const supp_values[] = {
    "ann@acme.com", "@Example.ORG", "@co.uk", NULL, "", "@", "bob@",
};

static const struct {
    const char *email;
    bool want;
} supp_cases[] = {
    {"ann@acme.com", true},
    {"ANN@ACME.COM", true},
    {"ann@acme.com.au", false},
    {"xann@acme.com", false},
    {"bob@acme.com", false},
    {"x@example.org", true},
    {"x@EU.example.org", true},
    {"x@a.b.example.org", true},
    {"x@notexample.org", false},
    {"x@example.org.evil", false},
    {"x@example", false},
    {"x@foo.co.uk", true},
    {"x@co.uk", true},
    {"x@xco.uk", false},
    {"x@example.org@evil.com", false},
    {"evil.com@example.org", true},
    {"no-at-sign", false},
    {"x@", false},
    {"bob@", true},
    {"@", false},
    {"", false},
    {NULL, false},
};

static void test_suppressed(void)
{
    for (size_t i = 0; i < ARRLEN(supp_cases); i++) {
        const char *e = supp_cases[i].email;
        struct sched_candidate c = CAND(1, 1, 0, e, 100, 0);
        struct sched_input in = {0};
        struct sched_plan p;

        printf("# email %s\n", e ? e : "(null)");
        T_INT(sched_suppressed(e, supp_values, ARRLEN(supp_values)),
              supp_cases[i].want);
        /* the planner's hashed lookup agrees with sched_suppressed() */
        in.mailboxes = three_mbs;
        in.n_mailboxes = ARRLEN(three_mbs);
        in.candidates = &c;
        in.n_candidates = 1;
        in.suppressions = supp_values;
        in.n_suppressions = ARRLEN(supp_values);
        in.max_per_company = 4;
        p = run_plan(&in, NOW);
        T_INT(p.n_skips == 1 && p.skips[0].reason == SCHED_SUPPRESSED,
              supp_cases[i].want);
        sched_plan_release(&p);
    }
    T_OK(!sched_suppressed("a@b.com", NULL, 0));
    T_OK(!sched_suppressed("a@b.com", supp_values, 0));
}

/*
 * 200,000 candidates: 100,000 contacts in two campaigns, companies of five,
 * limit 4, ten mailboxes.  In campaign 1 the first four contacts of each
 * company are planned and the fifth hits the limit; in campaign 2 the first
 * four are cooling down (planned a moment ago) and the fifth is planned.
 * Contacts whose domain is suppressed (500 of them, whole companies) are
 * skipped in both.  Given in a scrambled order, with 5,000 suppressions.
 */
static void test_large(void)
{
    enum { CONTACTS = 100000, N = 2 * CONTACTS, NSUP = 5000 };
    struct sched_candidate *c = xcalloc(N, sizeof(*c));
    char **emails = xcalloc(CONTACTS, sizeof(*emails));
    char **sup = xcalloc(NSUP, sizeof(*sup));
    struct sched_mailbox mbs[10] = {{0}};
    struct sched_input in = {0};
    struct sched_plan p;
    size_t count[SCHED_NO_CAPACITY + 1] = {0};
    size_t per_mb[10] = {0};
    size_t lo = SIZE_MAX, hi = 0;
    uint64_t rng = 88172645463325252ULL;
    clock_t t0;
    double secs;

    for (size_t i = 0; i < CONTACTS; i++)
        emails[i] = xasprintf("c%zu@d%zu.example", i, i % 2000);
    for (size_t i = 0; i < NSUP; i++)
        sup[i] = i < 10 ? xasprintf("@d%zu.example", i)
                        : xasprintf("zz%zu@nowhere.example", i);
    for (size_t i = 0; i < N; i++) {
        size_t ct = i % CONTACTS;

        c[i].campaign_id = i < CONTACTS ? 1 : 2;
        c[i].contact_id = (long long)ct + 1;
        c[i].company_id = (long long)(ct / 5) + 1;
        c[i].email = emails[ct];
        c[i].contact_active = true;
        c[i].campaign_active = true;
        c[i].enrolled_at = 1000 + (int64_t)ct;
        c[i].existing = SCHED_EXISTING_NONE;
    }
    /* scramble the input (xorshift, Fisher-Yates) */
    for (size_t i = N - 1; i > 0; i--) {
        size_t j;
        struct sched_candidate tmp;

        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        j = (size_t)(rng % (i + 1));
        tmp = c[i];
        c[i] = c[j];
        c[j] = tmp;
    }
    for (size_t m = 0; m < 10; m++) {
        mbs[m].id = (long long)m + 1;
        mbs[m].cap = 10000;
        mbs[m].used_today = 0;
        mbs[m].last_used = 0;
        mbs[m].available = true;
    }
    in.mailboxes = mbs;
    in.n_mailboxes = 10;
    in.candidates = c;
    in.n_candidates = N;
    in.suppressions = (const char *const *)sup;
    in.n_suppressions = NSUP;
    in.cooldown_s = CD;
    in.max_per_company = 4;

    t0 = clock();
    p = run_plan(&in, NOW);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("# 200,000 candidates planned in %.3f s (incl. checks)\n", secs);
    T_OK(secs < 5.0); /* O(n^2) would take minutes */

    T_INT(p.n_items, 99500);
    for (size_t i = 0; i < p.n_skips; i++)
        if (p.skips[i].reason >= 1 && p.skips[i].reason <= SCHED_NO_CAPACITY)
            count[p.skips[i].reason]++;
    T_INT(count[SCHED_SUPPRESSED], 1000);
    T_INT(count[SCHED_COOLDOWN], 79600);
    T_INT(count[SCHED_COMPANY_LIMIT], 19900);
    T_INT(count[SCHED_NO_CAPACITY], 0);
    for (size_t i = 0; i < p.n_items; i++)
        per_mb[p.items[i].mailbox]++;
    for (size_t m = 0; m < 10; m++) {
        if (per_mb[m] < lo)
            lo = per_mb[m];
        if (per_mb[m] > hi)
            hi = per_mb[m];
    }
    T_INT(lo, 9950);
    T_INT(hi, 9950);
    sched_plan_release(&p);

    /* the same with tight caps: planning stops exactly at the caps */
    for (size_t m = 0; m < 10; m++)
        mbs[m].cap = 3000;
    p = run_plan(&in, NOW);
    T_INT(p.n_items, 30000);
    sched_plan_release(&p);

    for (size_t i = 0; i < CONTACTS; i++)
        free(emails[i]);
    for (size_t i = 0; i < NSUP; i++)
        free(sup[i]);
    free(emails);
    free(sup);
    free(c);
}

static void test_release(void)
{
    struct sched_plan p = {0};

    sched_plan_release(&p);
    sched_plan_release(NULL);
    T_OK(p.items == NULL && p.skips == NULL);
}

int main(void)
{
    T_RUN(test_plan_cases);
    T_RUN(test_fill_evenly);
    T_RUN(test_fill_uneven);
    T_RUN(test_least_recently_used);
    T_RUN(test_replied);
    T_RUN(test_reason_str);
    T_RUN(test_suppressed);
    T_RUN(test_large);
    T_RUN(test_release);
    return t_done();
}
