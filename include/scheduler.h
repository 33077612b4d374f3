/*
 * scheduler.h - the planner: who may be written to now, and from which mailbox.
 * Pure: no file, network, database, clock, environment or randomness; the
 * caller loads everything into struct sched_input and passes the time in.
 *
 * The rules (SPEC "The sending rules"):
 *  1. the campaign is active, the contact enrolled, `active`, not suppressed
 *     (address, or "@domain" covering the domain and its subdomains,
 *     case-insensitive), and has no send for this step yet other than a
 *     deferred one awaiting retry;
 *  2. cooldown: no send to the contact (any campaign or mailbox) counted for
 *     cooldown within cooldown_s seconds (now - last >= cooldown_s is fine);
 *     messages planned earlier in the same plan count too;
 *  3. company limit: fewer than max_per_company distinct contacts of the
 *     company already written to in this campaign (any status but failed)
 *     or planned in this campaign; contacts without a company are exempt;
 *     a deferred retry already holds its place;
 *  4. a mailbox with room: used + planned < cap, and available.
 * Rotation: dispatch.h (the one rule), over used + planned: the mailbox
 * with the fewest sends today; ties go to the least recently used (a
 * mailbox planned in this plan counts as used after every real send), then
 * roster order (array order).
 * Sequences (sequence.h): a follow-up (step > 1) is due at the later of
 * its wait after the previous step and the cooldown (the later one names
 * the reason: cooldown or not_due); it goes from its thread's mailbox
 * only (sender_busy when that one is full, sender_unavailable when it
 * cannot send), only while the previous step is sent (previous_step),
 * and it does not count again toward the company limit.
 * A contact whose send window is closed waits (outside_window, until it
 * opens), after the rules above that would hold it longer.
 * Order: deferred retries first, then due follow-ups (longest due
 * first), then new contacts by oldest enrollment, then contact id.
 */
#ifndef MAILROTA_SCHEDULER_H
#define MAILROTA_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct sched_mailbox {
    long long id;
    int cap;            /* effective daily cap */
    int used_today;     /* sends of this local day counting against the cap */
    int64_t last_used;  /* time of its latest send, 0 if never */
    bool available;     /* cold-ready, not resting, not quota-full today */
    /* Spreading (pacing_spread_next): not before this time (0: now), and
     * at most one message in this plan. */
    int64_t not_before;
    bool one_now;
};

enum sched_existing {
    SCHED_EXISTING_NONE = 0,   /* no send in this campaign yet */
    SCHED_EXISTING_DEFERRED,   /* a deferred send awaiting retry */
    SCHED_EXISTING_DONE,       /* any other send: never again */
};

struct sched_candidate {
    long long campaign_id;
    long long contact_id;
    long long company_id;      /* 0: none (free mail), no company limit */
    const char *email;         /* contact address, for suppressions */
    bool contact_active;       /* contacts.status = 'active' */
    bool campaign_active;      /* campaigns.status = 'active' */
    int64_t enrolled_at;
    enum sched_existing existing;
    int64_t retry_after;       /* deferred: not before this time (0: now) */
    /* Latest send to this contact in any campaign whose status counts for
     * cooldown (sent, sending, unknown, bounced); 0 if none. */
    int64_t last_send_at;
    bool contact_replied;      /* contacts.status = 'replied' */
    /* Another contact of its company replied to this campaign (an
     * inbound reply matched to its send): with stop_company_on_reply,
     * no first email and no follow-up (company_replied). */
    bool company_replied;
    /* Its step (sequence.h fills these from the latest send). */
    int step;                  /* 1-based; 0 is read as 1 */
    int64_t prev_sent_at;      /* step > 1: when step - 1 was sent */
    int64_t after_s;           /* step > 1: its wait after step - 1 */
    long long thread_mailbox_id; /* step > 1: step 1's mailbox, which
                                    sends the whole thread */
    bool prev_not_sent;        /* step - 1 ended bounced, failed, unknown */
    /* Its send window (window.h, in its zone): 0 when open now, else when
     * it opens next. */
    int64_t window_opens;
};

/* Distinct contacts of a company already written to in a campaign. */
struct sched_company_count {
    long long campaign_id;
    long long company_id;
    int contacts;
};

struct sched_input {
    const struct sched_mailbox *mailboxes;   /* roster order */
    size_t n_mailboxes;
    const struct sched_candidate *candidates; /* any order */
    size_t n_candidates;
    const struct sched_company_count *company_counts;
    size_t n_company_counts;
    const char *const *suppressions;         /* "a@b.com" or "@b.com" */
    size_t n_suppressions;
    int64_t cooldown_s;                      /* cooldown_days * 86400 */
    int max_per_company;
    bool stop_company_on_reply; /* rules.stop_company_on_reply */
    size_t max_messages;                     /* --max; 0: no limit */
};

enum sched_reason {
    SCHED_CAMPAIGN_PAUSED = 1,
    SCHED_CONTACT_STATUS,
    SCHED_SUPPRESSED,
    SCHED_ALREADY_SENT,
    SCHED_RETRY_WAIT,       /* deferred, Retry-After not yet passed */
    SCHED_COOLDOWN,         /* `until` = when it ends */
    SCHED_COMPANY_LIMIT,
    SCHED_NO_CAPACITY,      /* no mailbox with room, or --max reached */
    SCHED_REPLIED,          /* the contact replied (inbound) */
    SCHED_COMPANY_REPLIED,  /* a colleague replied to this campaign */
    SCHED_NOT_DUE,          /* a follow-up before its wait: `until` */
    SCHED_PREVIOUS_STEP,    /* the earlier step was not delivered */
    SCHED_SENDER_BUSY,      /* its thread's mailbox is full today */
    SCHED_SENDER_UNAVAILABLE, /* its thread's mailbox cannot send */
    SCHED_OUTSIDE_WINDOW,   /* its send window is closed: `until` opens */
};

struct sched_item {
    size_t candidate;       /* index into candidates */
    size_t mailbox;         /* index into mailboxes */
};

struct sched_skip {
    size_t candidate;
    enum sched_reason reason;
    int64_t until;          /* SCHED_COOLDOWN, SCHED_RETRY_WAIT,
                               SCHED_NOT_DUE, SCHED_OUTSIDE_WINDOW;
                               else 0 */
};

struct sched_plan {
    struct sched_item *items;   /* in send order */
    size_t n_items;
    struct sched_skip *skips;   /* one per candidate not planned */
    size_t n_skips;
};

/*
 * Plans at time `now`.  Every candidate ends up in exactly one of
 * out->items and out->skips.  out is owned by the caller
 * (sched_plan_release).  Errors: none today beyond allocation (aborts);
 * returns 0.
 */
int sched_plan(const struct sched_input *in, int64_t now,
               struct sched_plan *out, struct errinfo *ei);
void sched_plan_release(struct sched_plan *p);

/*
 * The same planner, one candidate at a time, for a caller that reads the
 * candidates in the planner's order itself (Order, above; sched_order_cmp)
 * and need not hold them all: sched_plan is this over the sorted input.
 * `in` (its candidates unused) must outlive the stream.  Offering in any
 * other order, or offering a candidate twice, gives another plan.
 */
struct sched_stream;
struct sched_stream *sched_stream_new(const struct sched_input *in,
                                      int64_t now);
/* Makes known how many distinct contacts of a company a campaign has
 * written to, unless already known (in->company_counts, or a candidate of
 * that company planned since): call it before offering each candidate of
 * a company (only the latest call is kept until one is planned). */
void sched_stream_company(struct sched_stream *s, long long campaign_id,
                          long long company_id, int contacts);
/* 0 and *mailbox when c is planned (counted from then on), else why not
 * and *until as in struct sched_skip. */
enum sched_reason sched_stream_offer(struct sched_stream *s,
                                     const struct sched_candidate *c,
                                     int64_t *until, size_t *mailbox);
/* Whether a mailbox can still take a message and --max is not reached:
 * once false, every candidate offered is skipped (no_capacity, or a
 * reason checked before it), so a caller without -v may stop reading. */
bool sched_stream_room(const struct sched_stream *s);
void sched_stream_free(struct sched_stream *s);

/* Whether m can send in a plan at `now`, and how many messages it may
 * hold in that plan, its sends of today included (a spread mailbox: one
 * more, at its turn).  The forecast asks the same. */
bool sched_mailbox_open(const struct sched_mailbox *m, int64_t now);
int sched_mailbox_cap(const struct sched_mailbox *m);

/* Whether c is a follow-up (step > 1): it goes from its thread's mailbox
 * (thread_mailbox_id) or waits; never handed to another (the run). */
bool sched_follow_up(const struct sched_candidate *c);

/* The planner's order (Order, above): < 0 when a is considered before
 * b, 0 when tied.  For the forecast, which plans a prefix. */
int sched_order_cmp(const struct sched_candidate *a,
                    const struct sched_candidate *b, int64_t cooldown_s);

/* Whether c is ordered as a new contact: by its enrolment alone, so its
 * place among such candidates never changes with time or sends. */
bool sched_order_static(const struct sched_candidate *c);

/* "cooldown", "company_limit", ... (the words of `plan -v`). */
const char *sched_reason_str(enum sched_reason r);

/* Whether email is covered by a suppression value (address or @domain,
 * subdomains included, case-insensitive). */
bool sched_suppressed(const char *email, const char *const *values,
                      size_t n);

#endif
