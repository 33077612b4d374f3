/*
 * runplan_int.h - what runplan.c (the exhaustive load) and
 * runplan_stream.c (the streaming one) share.  Private to them.  Not pure.
 */
#ifndef MAILROTA_RUNPLAN_INT_H
#define MAILROTA_RUNPLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "runplan.h"
#include "scheduler.h"
#include "window.h"

/* A zone's window at now, computed once per zone of a plan. */
struct zone_window {
    const struct tz *z;
    struct window_at a;
};

/* The send windows of a plan at `now` (schedule:). */
struct rp_windows {
    const struct config *cfg;
    int64_t now;
    struct zone_window *memo;   /* [0]: the sender's; NULL: no schedule */
    size_t n;
};

/* Also spreads rp's roster over the sender's window and sets
 * rp->horizon (when a schedule is configured). */
int rp_windows_init(struct rp_windows *w, const struct config *cfg,
                    int64_t now, struct runplan *rp, struct errinfo *ei);
/* A candidate's window_opens, in its zone (timezone may be NULL). */
int64_t rp_window_opens(struct rp_windows *w, const char *timezone);
void rp_windows_release(struct rp_windows *w);

/* struct sched_input from the config and rp's roster, company counts and
 * suppressions; no candidates. */
void rp_sched_input(const struct config *cfg, size_t max,
                    const struct runplan *rp, struct sched_input *in);

void rp_candidate_release(struct rp_candidate *c);

#endif
