/*
 * caps.h - THE effective daily cap of a mailbox (SPEC "Data"): its own
 * cap, or rules.daily_cap when it has none, lowered for the rest of a
 * local day on which the server said its submission quota is full (554
 * 5.2.0): then it is what the mailbox had already sent that day.  A
 * mailbox's ramp START:STEP (SPEC "Schedule and ramp-up") lowers it to
 * START + STEP x k, k being the earlier local days on which it sent.
 *
 * One definition serves plan, run, the claim, status and mailbox list;
 * the mailbox_today view (migrations/0003_effective_cap.sql) says the same
 * in SQL, and tests/integration/t_run.sh checks that they agree.  Pure.
 */
#ifndef MAILROTA_CAPS_H
#define MAILROTA_CAPS_H

#include <stdbool.h>

/* own_cap when the mailbox has none (mailboxes.daily_cap IS NULL). */
#define CAPS_NONE (-1)

/* What the cap of one mailbox on one local day depends on. */
struct caps_mailbox {
    int own_cap;       /* mailboxes.daily_cap, or CAPS_NONE */
    bool quota_full;   /* the server said "quota full" that day (full_day) */
    int counted;       /* its sends of that day that count against a cap */
    int ramp_start;    /* mailboxes.ramp_start (>= 1), or 0: no ramp */
    int ramp_step;
    int sending_days;  /* earlier local days with a send counting against
                          a cap (k of the ramp) */
};

/*
 * The effective cap of m on its day, rules.daily_cap being default_cap.
 * Never negative.
 */
int caps_effective(const struct caps_mailbox *m, int default_cap);

/*
 * Parses a ramp "START:STEP" (START 1 to max, STEP 0 to max, decimal)
 * into *start and *step.  False when s is not one.
 */
bool caps_ramp_parse(const char *s, int max, int *start, int *step);

/* What is left under `cap` once `used` count against it: never negative. */
int caps_remaining(int cap, int used);

#endif
