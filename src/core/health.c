/* health.c - was the night healthy, and what must it say (health.h).
 * Pure. */
#include "health.h"

#include <string.h>

#include "status.h"

#include "banned.h"

static bool alarming(enum health_status s)
{
    return s == HEALTH_AUTH_FAILED || s == HEALTH_BLOCKED ||
           s == HEALTH_BOUNCE_PAUSED;
}

/* Cold-ready and not failing tonight: it can send, or is full (a cap). */
static bool usable(const struct health_mailbox *m)
{
    return m->status == HEALTH_READY && !m->failed_run;
}

bool health_failing(const struct health_mailbox *m)
{
    return m->failed_run || alarming(m->status);
}

void health_check(const struct health_in *in, bool *report,
                  struct health_verdict *out)
{
    bool any_usable = false, any_authed = false, any_failed = false;
    bool any_alarm = false;
    bool wait = in->waiting > 0;

    for (size_t i = 0; i < in->n_mb; i++) {
        const struct health_mailbox *m = &in->mb[i];

        report[i] = alarming(m->status) && (m->changed || wait);
        any_usable = any_usable || usable(m);
        any_authed = any_authed || m->authed_run;
        any_failed = any_failed || m->failed_run;
        any_alarm = any_alarm || alarming(m->status);
    }
    out->no_sender = wait && !any_usable;
    out->unavailable = wait && in->sent == 0 && !any_authed &&
                       (any_failed || (!any_usable && any_alarm));
}

enum health_status health_status_of(const char *status,
                                    const char *last_error)
{
    enum mailbox_status m;

    if (!mailbox_status_parse(status, &m))
        return HEALTH_STOPPED;
    switch (m) {
    case MBOX_COLD_READY: return HEALTH_READY;
    case MBOX_AUTH_FAILED: return HEALTH_AUTH_FAILED;
    case MBOX_BLOCKED: return HEALTH_BLOCKED;
    case MBOX_PAUSED:
        if (last_error && strncmp(last_error, HEALTH_BOUNCE_PAUSE_PREFIX,
                                  strlen(HEALTH_BOUNCE_PAUSE_PREFIX)) == 0)
            return HEALTH_BOUNCE_PAUSED;
        return HEALTH_STOPPED;
    case MBOX_ADMIN:
    case MBOX_STATUS_COUNT:
        break;
    }
    return HEALTH_STOPPED;
}

const char *health_status_str(enum health_status s)
{
    switch (s) {
    case HEALTH_READY: return mailbox_status_name(MBOX_COLD_READY);
    case HEALTH_STOPPED: return "stopped";
    case HEALTH_AUTH_FAILED: return mailbox_status_name(MBOX_AUTH_FAILED);
    case HEALTH_BLOCKED: return mailbox_status_name(MBOX_BLOCKED);
    case HEALTH_BOUNCE_PAUSED: return "paused for its bounce rate";
    }
    return "?";
}
