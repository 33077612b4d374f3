/*
 * sequence.h - which step of a campaign's sequence an enrolled contact is
 * at (SPEC "Sequences").  Pure.
 *
 * Step 1 is the campaign's own template; steps 2..n follow, each after
 * its wait.  From the contact's latest send in the campaign (the one of
 * the highest step) follows what the planner is asked about:
 *   no send yet                      step 1, new;
 *   latest `deferred`                that step again, a retry;
 *   latest `sent`, a step after it   the next step, due after its wait,
 *                                    from step 1's mailbox;
 *   latest `sent`, the last step     done (already_sent);
 *   latest bounced, failed, unknown  the next step is held for good
 *   or sending, a step after it      (previous_step);
 *   the same, the last step          done.
 */
#ifndef MAILROTA_SEQUENCE_H
#define MAILROTA_SEQUENCE_H

#include <stdint.h>

#include "scheduler.h"
#include "status.h"

/* The contact's latest send in the campaign, as the database has it. */
struct seq_latest {
    int step;                     /* 0: no send yet */
    enum send_status status;
    int64_t sent_at;              /* when it was sent; 0: not */
    long long thread_mailbox_id;  /* the mailbox of its step 1 */
};

/*
 * Fills c's step, existing, prev_sent_at, after_s, thread_mailbox_id and
 * prev_not_sent from l.  n_steps: the campaign's steps (>= 1); after_s[k]
 * for k in 2..n_steps: the wait of step k after step k - 1, in seconds
 * (after_s may be NULL when n_steps is 1).
 */
void seq_candidate(const struct seq_latest *l, int n_steps,
                   const int64_t *after_s, struct sched_candidate *c);

/*
 * A follow-up's subject when its step has none of its own: "Re: " and
 * step 1's rendered subject (kept as it is when that already starts with
 * "Re:", any case).  New string.
 */
char *seq_reply_subject(const char *first);

#endif
