/* wake.c - when `run --until-done` runs again (see wake.h).  Pure. */
#include "wake.h"

#include "banned.h"

/* Whether a skip's `until` is a time at which it may go. */
static bool timed(enum sched_reason r)
{
    return r == SCHED_OUTSIDE_WINDOW || r == SCHED_NOT_DUE ||
           r == SCHED_COOLDOWN || r == SCHED_RETRY_WAIT;
}

int64_t wake_next(const struct sched_mailbox *mbs, size_t n_mbs,
                  const struct sched_plan *p, int64_t now, int64_t horizon)
{
    int64_t t = INT64_MAX;
    bool room = false, waiting = false;

    if (p->n_items > 0)
        return now;
    for (size_t i = 0; i < n_mbs; i++) {
        const struct sched_mailbox *m = &mbs[i];

        if (!m->available || m->used_today >= m->cap)
            continue;
        room = true;
        if (m->not_before > now && m->not_before < t)
            t = m->not_before;
    }
    for (size_t i = 0; i < p->n_skips; i++) {
        const struct sched_skip *s = &p->skips[i];

        if (s->reason == SCHED_NO_CAPACITY || s->reason == SCHED_SENDER_BUSY)
            waiting = true;
        if (timed(s->reason) && s->until > now && s->until < t)
            t = s->until;
    }
    /* a spread mailbox's turn matters only to contacts waiting for one */
    if (!waiting) {
        int64_t u = INT64_MAX;

        for (size_t i = 0; i < p->n_skips; i++)
            if (timed(p->skips[i].reason) && p->skips[i].until > now &&
                p->skips[i].until < u)
                u = p->skips[i].until;
        t = u;
    }
    return room && t < horizon ? t : INT64_MAX;
}
