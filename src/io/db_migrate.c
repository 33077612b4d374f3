/*
 * db_migrate.c - the schema's migrations (see db.h): which are pending,
 * and applying each once, in its own transaction, with foreign keys off
 * (so that one may rebuild a table others refer to) and checked by
 * foreign_key_check before its commit.  The rest of the database edge is
 * db.c.
 */
#include "db.h"

#include <stdio.h>

#include "crashpoint.h"
#include "migrations.h"
#include "store.h"
#include "util.h"

#include "banned.h"

static int ensure_migrations_table(struct db *db, struct errinfo *ei)
{
    return db_exec(db,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version INTEGER PRIMARY KEY,"
                   " name TEXT NOT NULL,"
                   " applied_at TEXT NOT NULL)",
                   ei);
}

static int migration_applied(struct db *db, int version, bool *applied,
                             struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?1",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_int(st, 1, version);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read schema_migrations");
    *applied = rc == SQLITE_ROW;
    return 0;
}

int db_table_exists(struct db *db, const char *name, bool *exists,
                    struct errinfo *ei)
{
    long long n;

    if (db_query_int(db,
                     "SELECT COUNT(*) FROM sqlite_master WHERE type='table' "
                     "AND name = ?1",
                     name, &n, ei) < 0)
        return -1;
    *exists = n > 0;
    return 0;
}

int db_pending(struct db *db, int *pending, struct errinfo *ei)
{
    bool exists, applied;
    long long newest;
    int n = 0;

    if (db_table_exists(db, "schema_migrations", &exists, ei) < 0)
        return -1;
    if (!exists) {
        *pending = migrations_count;
        return 0;
    }
    for (int i = 0; i < migrations_count; i++) {
        if (migration_applied(db, migrations[i].version, &applied, ei) < 0)
            return -1;
        if (!applied)
            n++;
    }
    if (db_query_int(db, "SELECT COALESCE(MAX(version), 0) "
                         "FROM schema_migrations", NULL, &newest, ei) < 0)
        return -1;
    if (migrations_count > 0 &&
        newest > migrations[migrations_count - 1].version)
        return err_set(ei, ERR_CONFIG,
                       "database '%s' has schema version %lld, newer than "
                       "this mailrota knows (%d): upgrade mailrota",
                       db->path, newest,
                       migrations[migrations_count - 1].version);
    *pending = n;
    return 0;
}

/* *n: the rows that refer to a row that is not there (foreign_key_check),
 * and the first one's tables in child and parent. */
static int dangling(struct db *db, long long *n, char child[64],
                    char parent[64], struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *n = 0;
    child[0] = parent[0] = '\0';
    if (db_prepare(db, "PRAGMA foreign_key_check", &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((*n)++ == 0) {
            snprintf(child, 64, "%s", sqlite3_column_text(st, 0));
            snprintf(parent, 64, "%s", sqlite3_column_text(st, 2));
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot check foreign keys");
    return 0;
}

/* Whether the migration (run with foreign keys off) left more rows
 * referring to missing rows than there were before it: `before`. */
static int check_references(struct db *db, long long before,
                            struct errinfo *ei)
{
    char child[64], parent[64];
    long long n;

    if (dangling(db, &n, child, parent, ei) < 0)
        return -1;
    if (n > before)
        return err_set(ei, ERR_SOFTWARE, "it would leave %lld rows (%s "
                       "referring to %s, ...) pointing at rows that are not "
                       "there, %lld before it: nothing was changed", n,
                       child, parent, before);
    return 0;
}

/* Records m as applied, in its transaction. */
static int record_migration(struct db *db, const struct migration *m,
                            const char *now_iso, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    long long newest;
    char pragma[64];
    int rc;

    if (db_prepare(db,
                   "INSERT INTO schema_migrations(version, name, "
                   "applied_at) VALUES (?1, ?2, ?3)",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_int(st, 1, m->version);
    sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now_iso, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot record migration");
    /* The newest applied, not m's: a migration numbered below one already
     * applied (made on another branch) must not lower it. */
    if (db_query_int(db, "SELECT MAX(version) FROM schema_migrations", NULL,
                     &newest, ei) < 0)
        return -1;
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %lld", newest);
    return db_exec(db, pragma, ei);
}

/* Applies m in one transaction unless it is applied already: 1 applied,
 * 0 already, -1 error (rolled back). */
static int apply_one(struct db *db, const struct migration *m,
                     const char *now_iso, struct errinfo *ei)
{
    char child[64], parent[64];
    long long before;
    bool done;

    /* Check inside the write transaction so that two concurrent
     * `migrate`s cannot both apply the same migration. */
    if (db_begin(db, true, ei) < 0)
        return -1;
    if (migration_applied(db, m->version, &done, ei) < 0)
        goto fail;
    if (done) {
        db_rollback(db);
        return 0;
    }
    /* a database may hold dangling rows of its own (edited by hand):
     * only new ones are the migration's */
    if (dangling(db, &before, child, parent, ei) < 0)
        goto fail;
    if (sqlite3_exec(db->h, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(db, ei, "migration failed");
        goto fail_named;
    }
    if (check_references(db, before, ei) < 0 ||
        store_sync_statuses(db, ei) < 0)
        goto fail_named;
    crash_point("migrate.applied");
    if (record_migration(db, m, now_iso, ei) < 0)
        goto fail;
    if (db_commit(db, ei) < 0)
        return -1;
    crash_point("migrate.committed");
    return 1;
fail_named:
    err_prefix(ei, "migration %s", m->name);
fail:
    db_rollback(db);
    return -1;
}

/*
 * Migrations run with foreign keys off, so that one can rebuild a table
 * others refer to (the twelve steps of sqlite.org/lang_altertable.html);
 * each is checked with foreign_key_check before its commit.  The pragma
 * cannot change inside a transaction: it is set around them.
 */
int db_migrate(struct db *db, const char *now_iso, int *applied_out,
               struct errinfo *ei)
{
    int applied = 0, r = 0;

    if (ensure_migrations_table(db, ei) < 0)
        return -1;
    if (db_exec(db, "PRAGMA foreign_keys = OFF", ei) < 0)
        return -1;
    for (int i = 0; i < migrations_count && r >= 0; i++) {
        r = apply_one(db, &migrations[i], now_iso, ei);
        if (r > 0)
            applied++;
    }
    if (db_exec(db, "PRAGMA foreign_keys = ON", r < 0 ? NULL : ei) < 0)
        r = -1;
    if (r < 0)
        return -1;
    if (applied_out)
        *applied_out = applied;
    return 0;
}
