/*
 * store.h - the program's queries: every SQL statement that reads or
 * writes mailrota's tables, as typed functions over struct db, each
 * statement prepared once per connection (db_stmt).  Split by concern
 * into src/io/store*.c.  Not pure.
 */
#ifndef MAILROTA_STORE_H
#define MAILROTA_STORE_H

#include "db.h"
#include "status.h"

/*
 * Writes the table send_statuses from src/core/status.c (which statuses
 * count against cap, cooldown and company limit), when it exists.  Called
 * inside each migration's transaction.
 */
int store_sync_statuses(struct db *db, struct errinfo *ei);

/*
 * SQL for "status counts against X", X being counts_cap, counts_cooldown
 * or counts_company: `s.status IN ` STORE_COUNTED("counts_cap").
 */
#define STORE_COUNTED(col) "(SELECT status FROM send_statuses WHERE " col ")"

#endif
