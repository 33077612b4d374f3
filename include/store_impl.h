/*
 * store_impl.h - helpers shared by the store's files (src/io/store*.c)
 * only; the rest of the program uses store.h.  Not pure.
 */
#ifndef MAILROTA_STORE_IMPL_H
#define MAILROTA_STORE_IMPL_H

#include "db.h"

/* Steps st (from db_stmt) expecting no row, then db_done(st); on failure
 * fills ei with "what: sqlite's message". */
int store_step_done(struct db *db, sqlite3_stmt *st, const char *what,
                    struct errinfo *ei);

/* *id: the first column of the first row of sql (a constant, one text
 * parameter arg), 0 when there is no row. */
int store_find_id(struct db *db, const char *sql, const char *arg,
                  long long *id, const char *what, struct errinfo *ei);

#endif
