/* sequence.c - the step an enrolled contact is at (see sequence.h).
 * Pure. */
#include "sequence.h"

#include <strings.h>

#include "util.h"

#include "banned.h"

void seq_candidate(const struct seq_latest *l, int n_steps,
                   const int64_t *after_s, struct sched_candidate *c)
{
    c->step = 1;
    c->existing = SCHED_EXISTING_NONE;
    c->prev_sent_at = 0;
    c->after_s = 0;
    c->thread_mailbox_id = 0;
    c->prev_not_sent = false;
    if (l->step <= 0)
        return;
    c->step = l->step;
    c->thread_mailbox_id = l->step > 1 ? l->thread_mailbox_id : 0;
    if (l->status == SEND_DEFERRED) {
        c->existing = SCHED_EXISTING_DEFERRED;
        return;
    }
    if (l->step >= n_steps) {
        c->existing = SCHED_EXISTING_DONE;
        return;
    }
    c->step = l->step + 1;
    c->thread_mailbox_id = l->thread_mailbox_id;
    c->after_s = after_s ? after_s[c->step] : 0;
    if (l->status == SEND_SENT)
        c->prev_sent_at = l->sent_at;
    else
        c->prev_not_sent = true;
}

char *seq_reply_subject(const char *first)
{
    if (strncasecmp(first, "re:", 3) == 0)
        return xstrdup(first);
    return xasprintf("Re: %s", first);
}
