/*
 * wake.h - when `run --until-done` runs again (SPEC "Schedule and
 * ramp-up"): the earliest time before `horizon` (the end of the day's
 * send window) at which something waiting becomes due: a contact's send
 * window opening, a follow-up's wait or a cooldown ending, a deferred
 * retry, a spread mailbox's turn.  Contacts waiting for room (full caps)
 * or for good (replied, suppressed, ...) never wake it.  Pure.
 */
#ifndef MAILROTA_WAKE_H
#define MAILROTA_WAKE_H

#include <stddef.h>
#include <stdint.h>

#include "scheduler.h"

/* What the plan's skipped candidates say, noted one at a time (a plan
 * streamed at a million contacts holds none of them). */
struct wake_skips {
    bool waiting;      /* some wait for room (no_capacity, sender_busy) */
    int64_t first;     /* the earliest timed `until` after now */
};
void wake_skips_init(struct wake_skips *w);
void wake_skips_note(struct wake_skips *w, enum sched_reason r,
                     int64_t until, int64_t now);

/* n_items: messages the plan holds now.  INT64_MAX: nothing before
 * horizon (the run is done for the day). */
int64_t wake_next(const struct sched_mailbox *mbs, size_t n_mbs,
                  size_t n_items, const struct wake_skips *w, int64_t now,
                  int64_t horizon);

#endif
