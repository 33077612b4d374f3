/*
 * pacing.h - how long a mailbox waits before its next send (SPEC
 * "Sending"): min_gap_seconds plus a jitter of 0..gap_jitter_seconds since
 * its last send, and no more than max_per_minute sends in any minute.
 * Pure: the caller passes the time in, and the jitter comes from a PRNG
 * seeded by the run (runs.seed).
 */
#ifndef MAILROTA_PACING_H
#define MAILROTA_PACING_H

#include <stddef.h>
#include <stdint.h>

struct pacing_rules {
    int min_gap_s;          /* rules.min_gap_seconds */
    int jitter_s;           /* rules.gap_jitter_seconds */
    int per_minute;         /* rules.max_per_minute (0: no limit) */
};

struct pacing {
    uint64_t rng;           /* the jitter's PRNG state */
    int64_t gap_ms;         /* this send's min_gap + jitter; -1: not drawn */
    int64_t last_send_ms;   /* 0: none yet */
    int64_t *window;        /* start times of the last per_minute sends, a
                               ring of per_minute slots (caller's) */
    size_t nwin;            /* sends so far */
};

/* splitmix64: the next value of the PRNG at *s. */
uint64_t pacing_rng_next(uint64_t *s);

/* A pacing state with PRNG seed `seed` over window (per_minute slots). */
void pacing_init(struct pacing *p, uint64_t seed, int64_t *window);

/*
 * The milliseconds to wait at now_ms before the next send.  The jitter is
 * drawn once per send, so asking twice gives one answer.
 */
int64_t pacing_wait(const struct pacing_rules *ru, struct pacing *p,
                    int64_t now_ms);

/* A send starts at now_ms. */
void pacing_mark(const struct pacing_rules *ru, struct pacing *p,
                 int64_t now_ms);

/*
 * Spreading (SPEC "Schedule and ramp-up", schedule.spread): a mailbox
 * sends its next message only once (closes - now) / remaining seconds
 * have passed since its last one (last: 0 when none), remaining being
 * the messages left under its cap today and closes the end of the open
 * window.  The earliest time it may send; INT64_MAX when nothing is left.
 */
int64_t pacing_spread_next(int64_t last, int64_t now, int64_t closes,
                           int remaining);

#endif
