/*
 * sched.c - the planner.  See sched.h for the rules.  Pure: everything it
 * knows comes in through struct sched_input and `now`.
 *
 * One pass over the candidates in send order.  Each candidate is checked
 * against the rules in a fixed order and the first that fails becomes its
 * skip reason; otherwise it gets the least loaded mailbox with room.  The
 * state the pass builds up ("contacts planned so far", per-(campaign,
 * company) counts) lives in small open-addressing hash tables, so a plan is
 * O(n log n) in the candidates (the sort) and O(n * mailboxes) for the
 * rotation; mailboxes are few.
 */
#include "scheduler.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "sched_int.h"
#include "util.h"

#include "banned.h"

const char *sched_reason_str(enum sched_reason r)
{
    switch (r) {
    case SCHED_CAMPAIGN_PAUSED:
        return "campaign_paused";
    case SCHED_CONTACT_STATUS:
        return "contact_status";
    case SCHED_SUPPRESSED:
        return "suppressed";
    case SCHED_ALREADY_SENT:
        return "already_sent";
    case SCHED_RETRY_WAIT:
        return "retry_wait";
    case SCHED_COOLDOWN:
        return "cooldown";
    case SCHED_COMPANY_LIMIT:
        return "company_limit";
    case SCHED_NO_CAPACITY:
        return "no_capacity";
    case SCHED_REPLIED:
        return "replied";
    case SCHED_COMPANY_REPLIED:
        return "company_replied";
    case SCHED_NOT_DUE:
        return "not_due";
    case SCHED_PREVIOUS_STEP:
        return "previous_step";
    case SCHED_SENDER_BUSY:
        return "sender_busy";
    case SCHED_SENDER_UNAVAILABLE:
        return "sender_unavailable";
    case SCHED_OUTSIDE_WINDOW:
        return "outside_window";
    }
    return "unknown";
}

/* ---- order ---- */

/* Deferred retries, due follow-ups, new contacts (SPEC "The sending
 * rules", order). */
enum order_class { ORDER_RETRY, ORDER_FOLLOW_UP, ORDER_NEW };

struct ordered {
    const struct sched_candidate *c;
    size_t idx;
    enum order_class cls;
    int64_t key;        /* follow-up: when due; else enrolled_at */
};

static int cmp_ll(long long a, long long b)
{
    return (a > b) - (a < b);
}

bool sched_follow_up(const struct sched_candidate *c)
{
    return c->step > 1;
}

static bool follow_up(const struct sched_candidate *c)
{
    return sched_follow_up(c);
}

/* When the follow-up c may go: the later of its wait after the previous
 * step and the cooldown after the contact's latest send. */
static int64_t due_at(const struct sched_candidate *c, int64_t cooldown_s)
{
    int64_t due = c->prev_sent_at + c->after_s;
    int64_t cool = c->last_send_at ? c->last_send_at + cooldown_s : 0;

    return cool > due ? cool : due;
}

static void order_key(struct ordered *o, int64_t cooldown_s)
{
    const struct sched_candidate *c = o->c;

    if (c->existing == SCHED_EXISTING_DEFERRED) {
        o->cls = ORDER_RETRY;
        o->key = c->enrolled_at;
    } else if (follow_up(c) && c->existing == SCHED_EXISTING_NONE) {
        o->cls = ORDER_FOLLOW_UP;
        o->key = due_at(c, cooldown_s);
    } else {
        o->cls = ORDER_NEW;
        o->key = c->enrolled_at;
    }
}

/* Class, then its key (earliest first), contact id, campaign id; the
 * input position makes the order total (qsort is not stable). */
static int ordered_cmp(const void *pa, const void *pb)
{
    const struct ordered *x = pa, *y = pb;
    int r = cmp_ll(x->cls, y->cls);

    if (!r)
        r = cmp_ll(x->key, y->key);
    if (!r)
        r = cmp_ll(x->c->contact_id, y->c->contact_id);
    if (!r)
        r = cmp_ll(x->c->campaign_id, y->c->campaign_id);
    if (!r)
        r = (x->idx > y->idx) - (x->idx < y->idx);
    return r;
}

int sched_order_cmp(const struct sched_candidate *a,
                    const struct sched_candidate *b, int64_t cooldown_s)
{
    struct ordered x = { a, 0, ORDER_NEW, 0 }, y = { b, 0, ORDER_NEW, 0 };

    order_key(&x, cooldown_s);
    order_key(&y, cooldown_s);
    return ordered_cmp(&x, &y);
}

bool sched_order_static(const struct sched_candidate *c)
{
    struct ordered x = { c, 0, ORDER_NEW, 0 };

    order_key(&x, 0);
    return x.cls == ORDER_NEW;
}

/* ---- the plan ---- */

struct plan_state {
    const struct sched_input *in;
    int64_t now;
    struct supp_set supp;
    struct pair_map company;  /* (campaign, company) -> contacts */
    /* sched_stream_company's count of a pair not in `company` (the
     * candidate's own): a pair enters the map only when planned, so a
     * stream over every enrolment (plan -v) does not hold every company */
    long long seed_campaign, seed_company;
    int seed_contacts;
    struct pair_map planned;  /* (contact, 0) -> planned in this plan */
    struct pair_map pairs;    /* (campaign, contact) -> planned */
    struct dispatch_mailbox *mb;
    size_t seq;
    size_t n_items;
};

/* The rules of the contact and the campaign: rule 1 and the replies. */
static enum sched_reason check_contact(struct plan_state *ps,
                                       const struct sched_candidate *c)
{
    if (!c->campaign_active)
        return SCHED_CAMPAIGN_PAUSED;
    if (!c->contact_active)
        return c->contact_replied ? SCHED_REPLIED : SCHED_CONTACT_STATUS;
    if (sched_supp_match(&ps->supp, c->email))
        return SCHED_SUPPRESSED;
    /* A second candidate for a (campaign, contact) already planned here
     * would be a second message in that campaign: with a cooldown of zero
     * nothing else would stop it. */
    if (c->existing == SCHED_EXISTING_DONE ||
        sched_pair_get(&ps->pairs, c->campaign_id, c->contact_id))
        return SCHED_ALREADY_SENT;
    if (c->prev_not_sent)
        return SCHED_PREVIOUS_STEP;
    if (c->company_replied && ps->in->stop_company_on_reply)
        return SCHED_COMPANY_REPLIED;
    return 0;
}

/* The rules of time: Retry-After, the cooldown (rule 2), a follow-up's
 * wait; *until when the later of them ends. */
static enum sched_reason check_time(struct plan_state *ps,
                                    const struct sched_candidate *c,
                                    int64_t *until)
{
    bool deferred = c->existing == SCHED_EXISTING_DEFERRED;
    int64_t last = c->last_send_at, cool_end = 0, due = 0;

    if (deferred && c->retry_after > ps->now) {
        *until = c->retry_after;
        return SCHED_RETRY_WAIT;
    }
    /* Something planned earlier in this plan is a send at `now`. */
    if (sched_pair_get(&ps->planned, c->contact_id, 0))
        last = ps->now;
    if (last != 0 && ps->now - last < ps->in->cooldown_s)
        cool_end = last + ps->in->cooldown_s;
    if (follow_up(c) && !deferred && ps->now < c->prev_sent_at + c->after_s)
        due = c->prev_sent_at + c->after_s;
    if (!cool_end && !due)
        return 0;
    *until = cool_end >= due ? cool_end : due;
    return cool_end >= due ? SCHED_COOLDOWN : SCHED_NOT_DUE;
}

/* Distinct contacts of the company written to in the campaign, planned
 * ones included. */
static int company_count(const struct plan_state *ps, long long campaign_id,
                         long long company_id)
{
    if (sched_pair_has(&ps->company, campaign_id, company_id))
        return sched_pair_get(&ps->company, campaign_id, company_id);
    if (ps->seed_campaign == campaign_id && ps->seed_company == company_id)
        return ps->seed_contacts;
    return 0;
}

/* The mailbox (rule 4): a follow-up's own thread's, else the rotation's. */
static enum sched_reason check_mailbox(struct plan_state *ps,
                                       const struct sched_candidate *c,
                                       size_t *mailbox)
{
    const struct sched_input *in = ps->in;

    if (in->max_messages > 0 && ps->n_items >= in->max_messages)
        return SCHED_NO_CAPACITY;
    if (!follow_up(c)) {
        *mailbox = dispatch_pick(ps->mb, in->n_mailboxes);
        return *mailbox == DISPATCH_NONE ? SCHED_NO_CAPACITY : 0;
    }
    for (size_t i = 0; i < in->n_mailboxes; i++) {
        if (in->mailboxes[i].id != c->thread_mailbox_id)
            continue;
        if (!in->mailboxes[i].available)
            return SCHED_SENDER_UNAVAILABLE;
        /* full today, or (spread) not its turn yet */
        if (!ps->mb[i].eligible || ps->mb[i].load >= ps->mb[i].cap)
            return SCHED_SENDER_BUSY;
        *mailbox = i;
        return 0;
    }
    return SCHED_SENDER_UNAVAILABLE;
}

/* Returns the reason the candidate cannot be planned (0: it can), with
 * *until for cooldown, retry_wait and not_due, and the chosen mailbox in
 * *mailbox. */
static enum sched_reason check(struct plan_state *ps,
                               const struct sched_candidate *c,
                               int64_t *until, size_t *mailbox)
{
    enum sched_reason r;

    *until = 0;
    if ((r = check_contact(ps, c)) || (r = check_time(ps, c, until)))
        return r;
    if (c->window_opens > ps->now) {
        *until = c->window_opens;
        return SCHED_OUTSIDE_WINDOW;
    }
    /* A deferred retry already holds its place in the company count, a
     * follow-up its step 1's. */
    if (c->company_id != 0 && c->existing != SCHED_EXISTING_DEFERRED &&
        !follow_up(c) &&
        company_count(ps, c->campaign_id, c->company_id) >=
            ps->in->max_per_company)
        return SCHED_COMPANY_LIMIT;
    return check_mailbox(ps, c, mailbox);
}

static void record(struct plan_state *ps, const struct sched_candidate *c,
                   size_t mailbox)
{
    dispatch_give(&ps->mb[mailbox], &ps->seq);
    sched_pair_add(&ps->planned, c->contact_id, 0, 1);
    sched_pair_add(&ps->pairs, c->campaign_id, c->contact_id, 1);
    if (c->company_id != 0 && c->existing != SCHED_EXISTING_DEFERRED &&
        !follow_up(c))
        sched_pair_set(&ps->company, c->campaign_id, c->company_id,
                       company_count(ps, c->campaign_id, c->company_id) + 1);
}

bool sched_mailbox_open(const struct sched_mailbox *m, int64_t now)
{
    /* a spread mailbox waits its turn */
    return m->available && now >= m->not_before;
}

int sched_mailbox_cap(const struct sched_mailbox *m)
{
    /* a spread mailbox takes one at its turn */
    return m->one_now && m->used_today + 1 < m->cap ? m->used_today + 1
                                                     : m->cap;
}

/* Whether a mailbox can still take a message (and --max is not reached):
 * while not, every candidate offered is skipped. */
static bool has_room(const struct plan_state *ps)
{
    const struct sched_input *in = ps->in;

    if (in->max_messages > 0 && ps->n_items >= in->max_messages)
        return false;
    for (size_t i = 0; i < in->n_mailboxes; i++)
        if (ps->mb[i].eligible && ps->mb[i].load < ps->mb[i].cap)
            return true;
    return false;
}

struct sched_stream {
    struct plan_state ps;
};

struct sched_stream *sched_stream_new(const struct sched_input *in,
                                      int64_t now)
{
    struct sched_stream *s = xcalloc(1, sizeof(*s));
    struct plan_state *ps = &s->ps;

    ps->in = in;
    ps->now = now;
    sched_supp_init(&ps->supp, in->suppressions, in->n_suppressions);
    sched_pair_init(&ps->company, in->n_company_counts);
    sched_pair_init(&ps->planned, 0);
    sched_pair_init(&ps->pairs, 0);
    for (size_t i = 0; i < in->n_company_counts; i++) {
        const struct sched_company_count *cc = &in->company_counts[i];

        if (cc->company_id != 0)
            sched_pair_add(&ps->company, cc->campaign_id, cc->company_id,
                           cc->contacts);
    }
    ps->mb = xcalloc(in->n_mailboxes ? in->n_mailboxes : 1, sizeof(*ps->mb));
    for (size_t i = 0; i < in->n_mailboxes; i++) {
        const struct sched_mailbox *m = &in->mailboxes[i];

        ps->mb[i].eligible = sched_mailbox_open(m, now);
        ps->mb[i].cap = sched_mailbox_cap(m);
        ps->mb[i].load = m->used_today;
        ps->mb[i].last_used = m->last_used;
    }
    return s;
}

void sched_stream_company(struct sched_stream *s, long long campaign_id,
                          long long company_id, int contacts)
{
    if (company_id != 0 &&
        !sched_pair_has(&s->ps.company, campaign_id, company_id)) {
        s->ps.seed_campaign = campaign_id;
        s->ps.seed_company = company_id;
        s->ps.seed_contacts = contacts;
    }
}

bool sched_stream_room(const struct sched_stream *s)
{
    return has_room(&s->ps);
}

enum sched_reason sched_stream_offer(struct sched_stream *s,
                                     const struct sched_candidate *c,
                                     int64_t *until, size_t *mailbox)
{
    enum sched_reason r;

    *mailbox = SIZE_MAX;
    r = check(&s->ps, c, until, mailbox);
    if (r)
        return r;
    s->ps.n_items++;
    record(&s->ps, c, *mailbox);
    return 0;
}

void sched_stream_free(struct sched_stream *s)
{
    if (!s)
        return;
    free(s->ps.mb);
    sched_pair_release(&s->ps.company);
    sched_pair_release(&s->ps.planned);
    sched_pair_release(&s->ps.pairs);
    sched_supp_release(&s->ps.supp);
    free(s);
}

/* The candidates in the planner's order (Order, scheduler.h). */
static struct ordered *sorted(const struct sched_input *in)
{
    size_t n = in->n_candidates;
    struct ordered *ord = xcalloc(n ? n : 1, sizeof(*ord));

    for (size_t i = 0; i < n; i++) {
        ord[i].c = &in->candidates[i];
        ord[i].idx = i;
        order_key(&ord[i], in->cooldown_s);
    }
    if (n > 1)
        qsort(ord, n, sizeof(*ord), ordered_cmp);
    return ord;
}

int sched_plan(const struct sched_input *in, int64_t now,
               struct sched_plan *out, struct errinfo *ei)
{
    size_t n = in->n_candidates, n_items = 0, n_skips = 0;
    struct sched_stream *s = sched_stream_new(in, now);
    struct ordered *ord = sorted(in);
    struct sched_item *items = xcalloc(n ? n : 1, sizeof(*items));
    struct sched_skip *skips = xcalloc(n ? n : 1, sizeof(*skips));

    (void)ei;
    for (size_t k = 0; k < n; k++) {
        size_t mailbox;
        int64_t until;
        enum sched_reason r = sched_stream_offer(s, ord[k].c, &until,
                                                 &mailbox);

        if (r) {
            skips[n_skips].candidate = ord[k].idx;
            skips[n_skips].reason = r;
            skips[n_skips].until = until;
            n_skips++;
            continue;
        }
        items[n_items].candidate = ord[k].idx;
        items[n_items].mailbox = mailbox;
        n_items++;
    }
    free(ord);
    sched_stream_free(s);
    out->items = items;
    out->n_items = n_items;
    out->skips = skips;
    out->n_skips = n_skips;
    return 0;
}

void sched_plan_release(struct sched_plan *p)
{
    if (!p)
        return;
    free(p->items);
    free(p->skips);
    p->items = NULL;
    p->skips = NULL;
    p->n_items = 0;
    p->n_skips = 0;
}
