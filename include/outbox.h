/*
 * outbox.h - what the queries of the cap read of a mailbox (the columns
 * and their reader).  The send path's queries themselves (claim, record,
 * recover) are in store_run.h.  Not pure.
 */
#ifndef MAILROTA_OUTBOX_H
#define MAILROTA_OUTBOX_H

#include "caps.h"
#include "db.h"
#include "store.h"

/*
 * What caps_effective() reads of a mailbox, as OUTBOX_CAP_NCOLS result
 * columns of a query over `mailboxes m` whose parameter ?1 is the local
 * day: its own cap (NULL: rules.daily_cap), whether its quota was full
 * that day, its sends of that day counting against the cap, its ramp
 * (start, step) and the earlier days on which it sent such a send.
 * outbox_cap_read() reads them back.
 */
#define OUTBOX_CAP_COLUMNS                                                  \
    " m.daily_cap, m.full_day IS ?1,"                                       \
    " (SELECT COUNT(*) FROM sends cs WHERE cs.mailbox_id = m.id"            \
    "   AND cs.day = ?1 AND cs.status IN " STORE_COUNTED("counts_cap") "),"  \
    " m.ramp_start, m.ramp_step,"                                           \
    " CASE WHEN m.ramp_start IS NULL THEN 0 ELSE"                           \
    " (SELECT COUNT(DISTINCT cs.day) FROM sends cs"                         \
    "   WHERE cs.mailbox_id = m.id AND cs.day < ?1"                         \
    "   AND cs.status IN " STORE_COUNTED("counts_cap") ") END"
#define OUTBOX_CAP_NCOLS 6

/* Fills *m from the OUTBOX_CAP_COLUMNS starting at result column col. */
void outbox_cap_read(sqlite3_stmt *st, int col, struct caps_mailbox *m);

#endif
