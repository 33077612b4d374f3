/*
 * db.h - the SQLite database: open with the pragmas mailrota relies on (WAL,
 * busy timeout, foreign keys), the migration runner, and small helpers for
 * transactions and statements.  Not pure.
 */
#ifndef MAILROTA_DB_H
#define MAILROTA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "err.h"

struct db {
    sqlite3 *h;
    char *path;
    bool (*busy_keep)(void *arg);   /* see db_wait_while() */
    void *busy_arg;
    int64_t busy_since_ms;
    bool busy_warned;
    /* Statements prepared once for this connection: see db_stmt(). */
    struct db_cached { const char *sql; sqlite3_stmt *st; } *cache;
    size_t ncache, cache_cap;
    unsigned long nprepared;   /* db_prepare calls, for the tests */
    int txn_depth;             /* db_begin calls not yet ended */
    bool held;                 /* an outer transaction left open by
                                  db_commit_later, for db_flush */
    /* DB_SYNC_LATER: the -wal file, for db_sync_wal (its caller's). */
    char *wal_path;
    int walfd;
    unsigned long long wal_dev, wal_ino;
};

enum db_open_flags {
    DB_CREATE = 1 << 0,   /* create the file if missing (init) */
    DB_NO_SCHEMA_CHECK = 1 << 1, /* don't require an up-to-date schema */
    /* Commits do not wait for the disk (synchronous=NORMAL): the caller
     * makes them durable with db_sync_wal, outside its lock (run). */
    DB_SYNC_LATER = 1 << 2,
};

/*
 * Opens (or with DB_CREATE creates) the database at path and sets its
 * pragmas.  Unless DB_NO_SCHEMA_CHECK, the schema must be current.
 * *out is owned by the caller (db_close).
 * Errors: ERR_NOINPUT (missing, without DB_CREATE), ERR_CANTCREAT (cannot
 * create), ERR_CONFIG (pending or unknown migrations), ERR_DB.
 */
int db_open(const char *path, unsigned flags, struct db **out,
            struct errinfo *ei);
void db_close(struct db *db);

/*
 * Replaces db's busy timeout: while another connection (a user's long
 * sqlite3 transaction) holds the database locked, db waits for as long as
 * keep(arg) returns true, however long that is, and gives up (SQLITE_BUSY,
 * ERR_TEMPFAIL) as soon as it returns false.  keep is called from the
 * thread using db.  After DB_BUSY_TIMEOUT_MS of one wait, a warning names
 * the database.
 */
void db_wait_while(struct db *db, bool (*keep)(void *arg), void *arg);

/*
 * Applies every pending migration in order, each in its own IMMEDIATE
 * transaction together with its schema_migrations row.  *applied (may be
 * NULL) receives how many ran.  Errors: ERR_DB naming the migration.
 */
int db_migrate(struct db *db, const char *now_iso, int *applied,
               struct errinfo *ei);

/* Number of migrations not yet applied (0 when current). */
int db_pending(struct db *db, int *pending, struct errinfo *ei);

/* Fills ei with "what: sqlite's message" and returns -1. */
int db_fail(struct db *db, struct errinfo *ei, const char *what);

int db_exec(struct db *db, const char *sql, struct errinfo *ei);
/*
 * Transactions nest: a db_begin inside another opens a savepoint, which
 * its db_commit releases (the outer transaction commits it) and its
 * db_rollback undoes alone.  So a function that records one thing in its
 * own transaction can also be a step of a larger one (store_inbound.h).
 */
int db_begin(struct db *db, bool immediate, struct errinfo *ei);
int db_commit(struct db *db, struct errinfo *ei);
/*
 * Ends the caller's db_begin like db_commit, except that the outermost
 * transaction is left open ("held"): the connection's next commit makes
 * it durable together with what that commit adds, one fsync for both.
 * Until then the writes are visible to this connection only and are lost
 * if the process dies.  The next db_begin on the connection opens a
 * savepoint inside the held transaction.  See docs/RELIABILITY.md, "One
 * fsync per message".
 */
int db_commit_later(struct db *db, struct errinfo *ei);
/* Commits a transaction db_commit_later held; nothing to do otherwise.
 * On failure the held writes are rolled back. */
int db_flush(struct db *db, struct errinfo *ei);

/*
 * A DB_SYNC_LATER connection: makes every commit so far durable, by any
 * connection, with one fdatasync of the -wal file (and of its folder the
 * first time, so that the file itself survives).  May run in another
 * thread than one using the connection, never in two at once.  Errors:
 * ERR_IO naming the file.
 */
int db_sync_wal(struct db *db, struct errinfo *ei);
/* Never fails loudly: used on error paths. */
void db_rollback(struct db *db);

/* Prepares sql; on failure fills ei with the statement's error. */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st,
               struct errinfo *ei);

/*
 * The statement for sql, prepared on first use and kept for the life of
 * the connection (db_close finalizes it).  sql must be a string constant:
 * its address is the key.  *st comes back reset, without bindings; the
 * caller steps it, then calls db_done(*st) (never sqlite3_finalize).
 */
int db_stmt(struct db *db, const char *sql, sqlite3_stmt **st,
            struct errinfo *ei);
/* Ends a use of a db_stmt() statement, releasing its read snapshot. */
void db_done(sqlite3_stmt *st);

/* Binds text, or NULL when s is NULL or empty. */
int db_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);

/* *exists: whether the table `name` exists. */
int db_table_exists(struct db *db, const char *name, bool *exists,
                    struct errinfo *ei);

/* Runs a statement that returns one integer (e.g. COUNT(*)). */
int db_query_int(struct db *db, const char *sql, const char *arg,
                 long long *out, struct errinfo *ei);

/* Text column as a new string, or NULL for SQL NULL. */
char *db_column_strdup(sqlite3_stmt *st, int col);

#endif
