/*
 * status.h - THE statuses of sends, contacts and mailboxes (SPEC "Data"),
 * as enums with their text in one table each, and which send statuses
 * count against the cap, the cooldown and the company limit (SPEC "The
 * sending rules" 2 to 4).  Nothing else in the program says which statuses
 * count: SQL reads the table send_statuses, which the store writes from
 * this one (store_sync_statuses), and the views use it.  Pure.
 */
#ifndef MAILROTA_STATUS_H
#define MAILROTA_STATUS_H

#include <stdbool.h>
#include <stddef.h>

enum send_status {
    SEND_SENDING,     /* claimed, being submitted */
    SEND_SENT,
    SEND_DEFERRED,    /* awaiting a retry */
    SEND_BOUNCED,
    SEND_FAILED,      /* not delivered, and it never reached the recipient */
    SEND_UNKNOWN,     /* a run died while it was sending: maybe delivered */
    SEND_STATUS_COUNT
};

/* What a send status counts against: flags of send_status_counts(). */
enum send_count {
    COUNTS_CAP = 1 << 0,       /* the mailbox's daily cap (rule 4) */
    COUNTS_COOLDOWN = 1 << 1,  /* the contact's cooldown (rule 2) */
    COUNTS_COMPANY = 1 << 2,   /* the company limit (rule 3) */
};

enum contact_status {
    CONTACT_ACTIVE,
    CONTACT_BOUNCED,
    CONTACT_UNSUBSCRIBED,
    CONTACT_SUPPRESSED,
    CONTACT_REPLIED,
    CONTACT_STATUS_COUNT
};

enum mailbox_status {
    MBOX_COLD_READY,
    MBOX_ADMIN,
    MBOX_PAUSED,
    MBOX_AUTH_FAILED,
    MBOX_BLOCKED,
    MBOX_STATUS_COUNT
};

/* The status's text as stored; NULL for a value out of range. */
const char *send_status_name(enum send_status s);
const char *contact_status_name(enum contact_status s);
const char *mailbox_status_name(enum mailbox_status s);

/* The status named s (exactly as stored); false when s names none. */
bool send_status_parse(const char *s, enum send_status *out);
bool contact_status_parse(const char *s, enum contact_status *out);
bool mailbox_status_parse(const char *s, enum mailbox_status *out);

/* The enum send_count flags of send status s (0 when it counts nowhere). */
unsigned send_status_counts(enum send_status s);

/* Whether a mailbox with status s sends (only cold-ready does). */
bool mailbox_status_sends(enum mailbox_status s);

#endif
