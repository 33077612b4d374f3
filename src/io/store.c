/* store.c - the status mirror, the settings and the store's helpers (see
 * store.h). */
#include "store.h"

#include <stdio.h>

#include "store_impl.h"

#include "banned.h"

int store_step_done(struct db *db, sqlite3_stmt *st, const char *what,
                    struct errinfo *ei)
{
    int rc = sqlite3_step(st);

    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, what);
    return 0;
}

int store_find_id(struct db *db, const char *sql, const char *arg,
                  long long *id, const char *what, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *id = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, what);
    return 0;
}

int store_sync_statuses(struct db *db, struct errinfo *ei)
{
    static const char ins[] =
        "INSERT INTO send_statuses(status, counts_cap, counts_cooldown,"
        " counts_company) VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = NULL;
    bool exists;

    if (db_table_exists(db, "send_statuses", &exists, ei) < 0)
        return -1;
    if (!exists)
        return 0;
    if (db_exec(db, "DELETE FROM send_statuses", ei) < 0 ||
        db_stmt(db, ins, &st, ei) < 0)
        return -1;
    for (int s = 0; s < SEND_STATUS_COUNT; s++) {
        unsigned c = send_status_counts((enum send_status)s);

        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, send_status_name((enum send_status)s), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (c & COUNTS_CAP) != 0);
        sqlite3_bind_int(st, 3, (c & COUNTS_COOLDOWN) != 0);
        sqlite3_bind_int(st, 4, (c & COUNTS_COMPANY) != 0);
        if (sqlite3_step(st) != SQLITE_DONE) {
            db_done(st);
            return db_fail(db, ei, "cannot write send_statuses");
        }
    }
    db_done(st);
    return 0;
}

static int put_setting(struct db *db, const char *key, const char *value,
                       struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO settings(key, value) VALUES (?1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
        "WHERE value IS NOT excluded.value";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    return store_step_done(db, st, "cannot store setting", ei);
}

int store_settings_write(struct db *db, int daily_cap, const char *timezone,
                         struct errinfo *ei)
{
    char cap[32];

    snprintf(cap, sizeof(cap), "%d", daily_cap);
    if (put_setting(db, "daily_cap", cap, ei) < 0 ||
        put_setting(db, "timezone", timezone, ei) < 0)
        return -1;
    return 0;
}

int store_settings_current(struct db *db, int daily_cap,
                           const char *timezone, bool *same,
                           struct errinfo *ei)
{
    static const char sql[] =
        "SELECT (SELECT value FROM settings"
        "  WHERE key = 'daily_cap') IS CAST(?1 AS TEXT)"
        " AND (SELECT value FROM settings"
        "  WHERE key = 'timezone') IS ?2";
    sqlite3_stmt *st = NULL;
    int rc;

    *same = false;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int(st, 1, daily_cap);
    sqlite3_bind_text(st, 2, timezone, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *same = sqlite3_column_int(st, 0) != 0;
    db_done(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "cannot read settings");
    return 0;
}
