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

/* INT64_MAX: nothing before horizon (the run is done for the day). */
int64_t wake_next(const struct sched_mailbox *mbs, size_t n_mbs,
                  const struct sched_plan *p, int64_t now, int64_t horizon);

#endif
