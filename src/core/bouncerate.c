/*
 * bouncerate.c - when a mailbox's bounce rate pauses it (see bouncerate.h).
 */
#include "bouncerate.h"

#include <stdio.h>

#include "health.h"

#include "banned.h"

bool bouncerate_exceeded(const struct bouncerate_rule *r, int n, int bounced)
{
    if (n <= 0 || n < r->min_sends)
        return false;
    /* more than max_rate, compared without rounding: b/n > rate */
    return (double)bounced > r->max_rate * (double)n;
}

void bouncerate_text(const struct bouncerate_rule *r, const char *email,
                     int n, int bounced, char *out, size_t cap)
{
    /* health.c tells this pause from the user's by the prefix. */
    snprintf(out, cap, HEALTH_BOUNCE_PAUSE_PREFIX " %d of its last %d "
             "messages (%.1f%%, more than %.1f%%): paused -- clean the list "
             "of bad addresses, then 'mailrota mailbox set %s --status "
             "cold-ready'", bounced, n,
             n ? 100.0 * bounced / n : 0.0, 100.0 * r->max_rate, email);
}
