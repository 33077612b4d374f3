/* store_retry.c - `retry`'s queries (see store_retry.h). */
#include "store_retry.h"

#include "status.h"
#include "store_impl.h"

#include "banned.h"

/* The filter's WHERE clause over sends: ?1 failed, ?2 unknown or NULL,
 * ?3 campaign (0: any), ?4 mailbox (0: any).  A send that names no
 * contact (one whose person was erased) is nobody's to retry. */
#define RETRY_WHERE                                                        \
    " WHERE status IN (?1, ?2) AND contact_id IS NOT NULL"                 \
    " AND (?3 = 0 OR campaign_id = ?3)"                                    \
    " AND (?4 = 0 OR mailbox_id = ?4)"

static void bind_filter(sqlite3_stmt *st, const struct store_retry_filter *f,
                        bool unknown)
{
    sqlite3_bind_text(st, 1, send_status_name(SEND_FAILED), -1,
                      SQLITE_STATIC);
    if (unknown)
        sqlite3_bind_text(st, 2, send_status_name(SEND_UNKNOWN), -1,
                          SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, f->campaign_id);
    sqlite3_bind_int64(st, 4, f->mailbox_id);
}

int store_retry_count(struct db *db, const struct store_retry_filter *f,
                      long *failed, long *unknown, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT COALESCE(SUM(status = ?1), 0), COALESCE(SUM(status = ?2), 0)"
        " FROM sends" RETRY_WHERE;
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    bind_filter(st, f, true);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *failed = (long)sqlite3_column_int64(st, 0);
        *unknown = (long)sqlite3_column_int64(st, 1);
    }
    db_done(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "cannot count failed sends");
    return 0;
}

int store_retry_apply(struct db *db, const struct store_retry_filter *f,
                      const char *now, long *n, struct errinfo *ei)
{
    static const char mark[] =
        "INSERT INTO send_retries(send_id, at, status_before,"
        " attempts_before) SELECT id, ?5, status, attempts FROM sends"
        RETRY_WHERE " ORDER BY rowid";
    static const char upd[] =
        "UPDATE sends SET status = ?5, retry_after = NULL" RETRY_WHERE;
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, mark, &st, ei) < 0)
        return -1;
    bind_filter(st, f, f->unknown);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if (store_step_done(db, st, "cannot record the retry", ei) < 0)
        return -1;
    if (db_stmt(db, upd, &st, ei) < 0)
        return -1;
    bind_filter(st, f, f->unknown);
    sqlite3_bind_text(st, 5, send_status_name(SEND_DEFERRED), -1,
                      SQLITE_STATIC);
    if (store_step_done(db, st, "cannot make sends plannable again",
                        ei) < 0)
        return -1;
    *n = (long)sqlite3_changes(db->h);
    return 0;
}
