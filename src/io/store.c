/* store.c - the status mirror (see store.h). */
#include "store.h"

#include "banned.h"

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
