/* status.c - the status tables (see status.h).  Pure. */
#include "status.h"

#include <string.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Rules 2 to 4 of SPEC "The sending rules": a message that went out, or
 * may have (sending, unknown), counts against the cap and the cooldown; a
 * contact written to with any status but failed counts against the company
 * limit (a deferred send will be retried).
 */
static const struct {
    const char *name;
    unsigned counts;
} send_statuses[SEND_STATUS_COUNT] = {
    [SEND_SENDING] = { "sending", COUNTS_CAP | COUNTS_COOLDOWN | COUNTS_COMPANY },
    [SEND_SENT] = { "sent", COUNTS_CAP | COUNTS_COOLDOWN | COUNTS_COMPANY },
    [SEND_DEFERRED] = { "deferred", COUNTS_COMPANY },
    [SEND_BOUNCED] = { "bounced", COUNTS_CAP | COUNTS_COOLDOWN | COUNTS_COMPANY },
    [SEND_FAILED] = { "failed", 0 },
    [SEND_UNKNOWN] = { "unknown", COUNTS_CAP | COUNTS_COOLDOWN | COUNTS_COMPANY },
};

static const char *const contact_statuses[CONTACT_STATUS_COUNT] = {
    [CONTACT_ACTIVE] = "active",
    [CONTACT_BOUNCED] = "bounced",
    [CONTACT_UNSUBSCRIBED] = "unsubscribed",
    [CONTACT_SUPPRESSED] = "suppressed",
    [CONTACT_REPLIED] = "replied",
};

static const char *const mailbox_statuses[MBOX_STATUS_COUNT] = {
    [MBOX_COLD_READY] = "cold-ready",
    [MBOX_ADMIN] = "admin",
    [MBOX_PAUSED] = "paused",
    [MBOX_AUTH_FAILED] = "auth-failed",
    [MBOX_BLOCKED] = "blocked",
};

const char *send_status_name(enum send_status s)
{
    return (unsigned)s < NELEM(send_statuses) ? send_statuses[s].name : NULL;
}

const char *contact_status_name(enum contact_status s)
{
    return (unsigned)s < NELEM(contact_statuses) ? contact_statuses[s] : NULL;
}

const char *mailbox_status_name(enum mailbox_status s)
{
    return (unsigned)s < NELEM(mailbox_statuses) ? mailbox_statuses[s] : NULL;
}

/* The index of s in names[0..n), or -1. */
static int find(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

bool send_status_parse(const char *s, enum send_status *out)
{
    for (size_t i = 0; s && i < NELEM(send_statuses); i++) {
        if (strcmp(s, send_statuses[i].name) == 0) {
            *out = (enum send_status)i;
            return true;
        }
    }
    return false;
}

bool contact_status_parse(const char *s, enum contact_status *out)
{
    int i = find(s, contact_statuses, NELEM(contact_statuses));

    if (i >= 0)
        *out = (enum contact_status)i;
    return i >= 0;
}

bool mailbox_status_parse(const char *s, enum mailbox_status *out)
{
    int i = find(s, mailbox_statuses, NELEM(mailbox_statuses));

    if (i >= 0)
        *out = (enum mailbox_status)i;
    return i >= 0;
}

unsigned send_status_counts(enum send_status s)
{
    return (unsigned)s < NELEM(send_statuses) ? send_statuses[s].counts : 0;
}

bool mailbox_status_sends(enum mailbox_status s)
{
    return s == MBOX_COLD_READY;
}
