/* store_status.c - the figures of the status command (see store.h). */
#include "store.h"

#include "outbox.h"
#include "store_impl.h"

#include "banned.h"

int store_status_day(struct db *db, const char *day,
                     void (*fn)(void *arg, const struct store_status_row *r),
                     void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT m.email, m.status," OUTBOX_CAP_COLUMNS ","
        " SUM(s.status = ?2), SUM(s.status = ?3), SUM(s.status = ?4)"
        " FROM mailboxes m LEFT JOIN sends s"
        "   ON s.mailbox_id = m.id AND s.day = ?1"
        " GROUP BY m.id ORDER BY m.id";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, send_status_name(SEND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, send_status_name(SEND_BOUNCED), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 4, send_status_name(SEND_DEFERRED), -1,
                      SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_status_row r;
        enum mailbox_status ms;

        r.email = (const char *)sqlite3_column_text(st, 0);
        r.status_text = (const char *)sqlite3_column_text(st, 1);
        r.can_send = mailbox_status_parse(r.status_text, &ms) &&
                     mailbox_status_sends(ms);
        outbox_cap_read(st, 2, &r.cap);
        r.sent = sqlite3_column_int(st, 2 + OUTBOX_CAP_NCOLS);
        r.bounced = sqlite3_column_int(st, 3 + OUTBOX_CAP_NCOLS);
        r.deferred = sqlite3_column_int(st, 4 + OUTBOX_CAP_NCOLS);
        fn(arg, &r);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "status");
    return 0;
}

int store_unknown_outcomes(struct db *db, const char *day, long long *n,
                           struct errinfo *ei)
{
    static const char sql[] =
        "SELECT COUNT(*) FROM sends WHERE status IN (?2, ?3) AND day = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    *n = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, send_status_name(SEND_UNKNOWN), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, send_status_name(SEND_SENDING), -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    db_done(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "query failed");
    return 0;
}
