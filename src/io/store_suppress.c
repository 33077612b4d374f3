/* store_suppress.c - the suppression list's queries (see store.h). */
#include "store.h"

#include "store_impl.h"

#include "banned.h"

int store_suppressions(struct db *db, bool by_value,
                       int (*fn)(void *arg,
                                 const struct store_suppression *s),
                       void *arg, struct errinfo *ei)
{
    static const char by_rowid_sql[] =
        "SELECT rowid, value, reason, created_at FROM suppressions"
        " ORDER BY rowid";
    static const char by_value_sql[] =
        "SELECT rowid, value, reason, created_at FROM suppressions"
        " ORDER BY value";
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE, r = 0;

    if (db_stmt(db, by_value ? by_value_sql : by_rowid_sql, &st, ei) < 0)
        return -1;
    while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_suppression s;

        s.rowid = sqlite3_column_int64(st, 0);
        s.value = (const char *)sqlite3_column_text(st, 1);
        s.reason = (const char *)sqlite3_column_text(st, 2);
        s.created_at = (const char *)sqlite3_column_text(st, 3);
        r = fn(arg, &s);
    }
    db_done(st);
    if (r < 0)
        return r;
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read suppressions");
    return 0;
}

int store_suppression_delete(struct db *db, long long rowid,
                             struct errinfo *ei)
{
    static const char sql[] = "DELETE FROM suppressions WHERE rowid = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, rowid);
    return store_step_done(db, st, "cannot remove suppression", ei);
}

int store_suppression_put(struct db *db, const char *value,
                          const char *reason, const char *now,
                          struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO suppressions(value, reason, created_at)"
        " VALUES (?1, ?2, ?3) ON CONFLICT(value) DO UPDATE"
        " SET reason = COALESCE(excluded.reason, reason)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, reason);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    return store_step_done(db, st, "cannot add suppression", ei);
}
