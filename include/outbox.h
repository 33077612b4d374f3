/*
 * outbox.h - the database side of sending, claim -> send -> record: a send
 * is committed as `sending` with its uuid and Message-ID before any SMTP
 * traffic, and its outcome right after.  Rows a crash left `sending` become
 * `unknown` (outbox_recover) and are never resent.  Not pure.
 */
#ifndef MAILROTA_OUTBOX_H
#define MAILROTA_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "bounce.h"
#include "caps.h"
#include "db.h"
#include "diagnose.h"
#include "err.h"
#include "store.h"

/*
 * What caps_effective() reads of a mailbox, as three result columns of a
 * query over `mailboxes m` whose parameter ?1 is the local day: its own
 * cap (NULL: rules.daily_cap), whether its quota was full that day, and
 * its sends of that day counting against the cap.  outbox_cap_read()
 * reads them back.
 */
#define OUTBOX_CAP_COLUMNS                                                  \
    " m.daily_cap, m.full_day IS ?1,"                                       \
    " (SELECT COUNT(*) FROM sends cs WHERE cs.mailbox_id = m.id"            \
    "   AND cs.day = ?1 AND cs.status IN " STORE_COUNTED("counts_cap") ")"

/* Fills *m from the OUTBOX_CAP_COLUMNS starting at result column col. */
void outbox_cap_read(sqlite3_stmt *st, int col, struct caps_mailbox *m);

struct outbox_send {
    const char *id;            /* uuid */
    const char *run_id;
    long long campaign_id;
    long long contact_id;
    long long mailbox_id;
    const char *mailbox_email; /* for the fix in last_error (may be NULL) */
    const struct diagnose_who *who; /* the same, with its password source
                                       and server (may be NULL) */
    const char *transport;     /* "smtp" or "graph" */
    const char *message_id;
    const char *day;           /* local day of this try */
    int default_cap;           /* rules.daily_cap */
};

enum outbox_claim {
    OUTBOX_CLAIMED = 0,
    OUTBOX_CAP_FULL,           /* the mailbox has no room left today */
    OUTBOX_TAKEN,              /* the message exists and is not deferred */
};

/*
 * *lost: whether the claim of send_id by run_id is gone from the database
 * (runlock.h): the row is missing, or is back to `deferred` under another
 * run (a lost claim leaves the row as it was before: absent, or deferred
 * from an earlier try).  Any later write of the row keeps it found.
 */
int outbox_claim_lost(struct db *db, const char *send_id,
                      const char *run_id, bool *lost, struct errinfo *ei);

/* Marks every `sending` row `unknown`; *n how many. */
int outbox_recover(struct db *db, int *n, struct errinfo *ei);

/*
 * In one IMMEDIATE transaction: checks the mailbox's effective cap on
 * `day` (caps_effective, from its row as it is now) against its sends of
 * that day, and that the message is new or deferred, then writes it as
 * `sending`.  *result says which.
 */
int outbox_claim(struct db *db, const struct outbox_send *s,
                 const char *now_iso, enum outbox_claim *result,
                 struct errinfo *ei);

/*
 * Records a try: an attempts row, the send's outcome and last reply, and
 * what the verdict says of the contact and the mailbox.  A deferred send
 * that used its last attempt (max_attempts) becomes failed.  *final
 * receives the status written.
 */
int outbox_record(struct db *db, const struct outbox_send *s,
                  const struct smtp_reply *r, const struct bounce_verdict *v,
                  int max_attempts, const char *now_iso,
                  enum bounce_outcome *final, struct errinfo *ei);

/*
 * Writes a message that could not be composed (a variable with no value)
 * as `failed` with the reason in smtp_text: it counts toward neither caps
 * nor cooldown and is not retried automatically.
 */
int outbox_fail_compose(struct db *db, const struct outbox_send *s,
                        const char *reason, const char *now_iso,
                        struct errinfo *ei);

/* Sets a mailbox's last_error (and status, when not NULL). */
int outbox_mailbox_error(struct db *db, long long mailbox_id,
                         const char *status, const char *error,
                         const char *now_iso, struct errinfo *ei);

#endif
