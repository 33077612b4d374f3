/* wake.c - when `run --until-done` runs again (see wake.h).  Pure. */
#include "wake.h"

#include "banned.h"

/* Whether a skip's `until` is a time at which it may go. */
static bool timed(enum sched_reason r)
{
    return r == SCHED_OUTSIDE_WINDOW || r == SCHED_NOT_DUE ||
           r == SCHED_COOLDOWN || r == SCHED_RETRY_WAIT;
}

void wake_skips_init(struct wake_skips *w)
{
    w->waiting = false;
    w->first = INT64_MAX;
}

void wake_skips_note(struct wake_skips *w, enum sched_reason r,
                     int64_t until, int64_t now)
{
    if (r == SCHED_NO_CAPACITY || r == SCHED_SENDER_BUSY)
        w->waiting = true;
    if (timed(r) && until > now && until < w->first)
        w->first = until;
}

int64_t wake_next(const struct sched_mailbox *mbs, size_t n_mbs,
                  size_t n_items, const struct wake_skips *w, int64_t now,
                  int64_t horizon)
{
    int64_t t = INT64_MAX;
    bool room = false;

    if (n_items > 0)
        return now;
    for (size_t i = 0; i < n_mbs; i++) {
        const struct sched_mailbox *m = &mbs[i];

        if (!m->available || m->used_today >= m->cap)
            continue;
        room = true;
        if (m->not_before > now && m->not_before < t)
            t = m->not_before;
    }
    /* a spread mailbox's turn matters only to contacts waiting for one */
    if (!w->waiting || w->first < t)
        t = w->first;
    return room && t < horizon ? t : INT64_MAX;
}
