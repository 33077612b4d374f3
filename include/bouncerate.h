/*
 * bouncerate.h - bounce-rate protection (SPEC "Bounce-rate protection"):
 * of a mailbox's last `window` messages that were sent or bounced, when
 * at least `min_sends` exist and more than `max_rate` of them bounced,
 * the mailbox is paused.  Pure; the store counts, the callers (after
 * each send, after each inbound pass) apply.
 */
#ifndef MAILROTA_BOUNCERATE_H
#define MAILROTA_BOUNCERATE_H

#include <stdbool.h>
#include <stddef.h>

struct bouncerate_rule {
    int window;        /* rules.bounce_window, 50 */
    int min_sends;     /* rules.bounce_min_sends, 20 */
    double max_rate;   /* rules.max_bounce_rate, 0.03 */
};

/* Whether `bounced` of `n` messages (n <= window) pause the mailbox. */
bool bouncerate_exceeded(const struct bouncerate_rule *r, int n, int bounced);

/* The mailbox's last_error: the figures and the fix. */
void bouncerate_text(const struct bouncerate_rule *r, const char *email,
                     int n, int bounced, char *out, size_t cap);

#endif
