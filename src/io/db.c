#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "util.h"

#include "banned.h"

/* A user's sqlite3 shell may hold a lock for a moment; wait for it. */
#define DB_BUSY_TIMEOUT_MS 10000

/*
 * What to do about a database the file system lets down: the one place
 * where SQLite's result codes become an error class and a fix.  Disk full,
 * read-only, unopenable, damaged and I/O errors are ERR_IO (exit 74); each
 * transaction that met one was rolled back, so nothing is half-written.
 */
static enum err_code classify(int code, int sys, const char *path,
                              char *fix, size_t size)
{
    int prim = code & 0xff;
    /* errno is SQLite's last failed system call: only an I/O or open
     * error is about it (an earlier failure may have left it set). */
    bool os = prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN;

    fix[0] = '\0';
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return ERR_TEMPFAIL;
    if (prim == SQLITE_FULL || (os && (sys == ENOSPC || sys == EDQUOT))) {
        snprintf(fix, size, "the disk is full: free space on the file "
                 "system that holds it (df -h '%s'), then run again", path);
    } else if (prim == SQLITE_READONLY ||
               (os && (sys == EROFS || sys == EACCES || sys == EPERM))) {
        snprintf(fix, size, "it is read-only for this user: make the file, "
                 "its -wal and -shm files and its folder writable (chmod "
                 "u+w, chown), or remount the file system read-write");
    } else if (prim == SQLITE_CANTOPEN) {
        snprintf(fix, size, "SQLite keeps '%s-wal' and '%s-shm' beside "
                 "it: check that its folder exists, is writable by this "
                 "user, and is on a file system mounted read-write", path,
                 path);
    } else if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) {
        snprintf(fix, size, "the file is damaged or not a mailrota "
                 "database: restore it from a backup, or save what can be "
                 "read with: sqlite3 '%s' .recover | sqlite3 recovered.db",
                 path);
    } else if (prim == SQLITE_IOERR) {
        snprintf(fix, size, "the disk or file system failed (see dmesg): "
                 "check it, then run again");
    } else {
        return ERR_DB;
    }
    return ERR_IO;
}

int db_fail(struct db *db, struct errinfo *ei, const char *what)
{
    int code = db && db->h ? sqlite3_extended_errcode(db->h) : SQLITE_NOMEM;
    int sys = db && db->h ? sqlite3_system_errno(db->h) : 0;
    const char *path = db && db->path ? db->path : "?";
    char fix[ERR_MSG_MAX];
    enum err_code ec = classify(code, sys, path, fix, sizeof(fix));

    return err_set(ei, ec, "%s: database '%s': %s%s%s", what, path,
                   db && db->h ? sqlite3_errmsg(db->h) : "out of memory",
                   fix[0] ? ": " : "", fix);
}

int db_exec(struct db *db, const char *sql, struct errinfo *ei)
{
    if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(db, ei, "cannot execute statement");
    return 0;
}

/* The transaction statements, prepared once per connection: db_stmt()
 * keys its cache by these pointers.  sqlite3_exec would prepare them again
 * on every call, twice per message in a run. */
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMM[] = "BEGIN IMMEDIATE";
static const char SQL_SAVEPOINT[] = "SAVEPOINT db_nested";
static const char SQL_RELEASE[] = "RELEASE db_nested";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO db_nested";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/* Runs one of the statements above; SQLITE_OK or an SQLite error code. */
static int exec_cached(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    struct errinfo ei = { ERR_OK, "" };
    int rc;

    if (db_stmt(db, sql, &st, &ei) < 0)
        return sqlite3_errcode(db->h) ? sqlite3_errcode(db->h) : SQLITE_ERROR;
    rc = sqlite3_step(st);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int db_begin(struct db *db, bool immediate, struct errinfo *ei)
{
    const char *sql = immediate ? SQL_BEGIN_IMM : SQL_BEGIN;

    if (db->txn_depth > 0 && !sqlite3_get_autocommit(db->h))
        sql = SQL_SAVEPOINT;
    else
        db->txn_depth = 0;
    if (exec_cached(db, sql) != SQLITE_OK)
        return db_fail(db, ei, "cannot begin transaction");
    db->txn_depth++;
    return 0;
}

int db_commit(struct db *db, struct errinfo *ei)
{
    if (db->txn_depth > 1) {
        db->txn_depth--;
        if (exec_cached(db, SQL_RELEASE) != SQLITE_OK)
            return db_fail(db, ei, "cannot commit");
        return 0;
    }
    if (exec_cached(db, SQL_COMMIT) != SQLITE_OK) {
        int r = db_fail(db, ei, "cannot commit");
        db_rollback(db);
        return r;
    }
    db->txn_depth = 0;
    db->held = false;
    return 0;
}

int db_commit_later(struct db *db, struct errinfo *ei)
{
    if (db->txn_depth > 1)
        return db_commit(db, ei);
    db->held = true;
    return 0;
}

int db_flush(struct db *db, struct errinfo *ei)
{
    if (!db->held || db->txn_depth != 1 || sqlite3_get_autocommit(db->h)) {
        db->held = false;
        return 0;
    }
    return db_commit(db, ei);
}

/* Opens db's -wal file (again when it is another file than the one open)
 * and, for a file not seen before, syncs its folder. */
static int wal_open(struct db *db, const char *wal, struct errinfo *ei)
{
    struct stat sb;
    char *dir, *slash;
    int fd;

    if (stat(wal, &sb) < 0)
        return err_set(ei, ERR_IO, "cannot sync database '%s': %s: %s",
                       db->path, wal, strerror(errno));
    if (db->walfd >= 0 && (unsigned long long)sb.st_dev == db->wal_dev &&
        (unsigned long long)sb.st_ino == db->wal_ino)
        return 0;
    if (db->walfd >= 0)
        close(db->walfd);
    db->walfd = open(wal, O_RDONLY | O_CLOEXEC);
    if (db->walfd < 0 || fstat(db->walfd, &sb) < 0)
        return err_set(ei, ERR_IO, "cannot sync database '%s': %s: %s",
                       db->path, wal, strerror(errno));
    db->wal_dev = (unsigned long long)sb.st_dev;
    db->wal_ino = (unsigned long long)sb.st_ino;
    dir = xstrdup(wal);
    slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = '\0';
    fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0 || fsync(fd) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return err_set(ei, ERR_IO, "cannot sync the folder of database "
                       "'%s': %s", db->path, strerror(e));
    }
    close(fd);
    return 0;
}

int db_sync_wal(struct db *db, struct errinfo *ei)
{
    if (!db->wal_path)
        db->wal_path = xasprintf("%s-wal", db->path);
    if (wal_open(db, db->wal_path, ei) < 0)
        return -1;
    if (fdatasync(db->walfd) < 0)
        return err_set(ei, ERR_IO, "cannot sync database '%s': %s: %s: the "
                       "disk or file system failed (see dmesg)", db->path,
                       db->wal_path, strerror(errno));
    return 0;
}

void db_rollback(struct db *db)
{
    if (!db || !db->h)
        return;
    if (db->txn_depth > 1 && !sqlite3_get_autocommit(db->h)) {
        db->txn_depth--;
        exec_cached(db, SQL_ROLLBACK_TO);
        exec_cached(db, SQL_RELEASE);
        return;
    }
    db->txn_depth = 0;
    db->held = false;
    if (!sqlite3_get_autocommit(db->h))
        exec_cached(db, SQL_ROLLBACK);
}

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st,
               struct errinfo *ei)
{
    db->nprepared++;
    if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return db_fail(db, ei, "cannot prepare statement");
    }
    return 0;
}

int db_stmt(struct db *db, const char *sql, sqlite3_stmt **st,
            struct errinfo *ei)
{
    size_t i;

    for (i = 0; i < db->ncache; i++) {
        if (db->cache[i].sql == sql) {
            *st = db->cache[i].st;
            sqlite3_reset(*st);
            sqlite3_clear_bindings(*st);
            return 0;
        }
    }
    if (db_prepare(db, sql, st, ei) < 0)
        return -1;
    if (db->ncache == db->cache_cap) {
        db->cache_cap = db->cache_cap ? 2 * db->cache_cap : 32;
        db->cache = xrealloc(db->cache,
                             db->cache_cap * sizeof(*db->cache));
    }
    db->cache[db->ncache].sql = sql;
    db->cache[db->ncache].st = *st;
    db->ncache++;
    return 0;
}

void db_done(sqlite3_stmt *st)
{
    if (st)
        sqlite3_reset(st);
}

int db_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s || !*s)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

int db_query_int(struct db *db, const char *sql, const char *arg,
                 long long *out, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(db, sql, &st, ei) < 0)
        return -1;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        *out = 0;
    } else {
        sqlite3_finalize(st);
        return db_fail(db, ei, "query failed");
    }
    sqlite3_finalize(st);
    return 0;
}

char *db_column_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? xstrdup((const char *)s) : NULL;
}

/* Why path cannot be opened (stat failed with errno e). */
static int missing_error(const char *path, int e, unsigned flags,
                         struct errinfo *ei)
{
    if (e == ENOTDIR)
        return err_set(ei, (flags & DB_CREATE) ? ERR_CANTCREAT
                                               : ERR_NOINPUT,
                       "database '%s': a folder on its path is a file: "
                       "change database: (or --db), or move that file away",
                       path);
    if (e == ENOENT && (flags & DB_CREATE))
        return err_set(ei, ERR_CANTCREAT, "cannot create database '%s': "
                       "its folder does not exist: create it (mkdir -p) or "
                       "change database: (or --db)", path);
    if (e == ENOENT)
        return err_set(ei, ERR_NOINPUT, "database '%s' does not exist: run "
                       "'mailrota init' (or give --db / database: in the "
                       "config)", path);
    return err_set(ei, ERR_IO, "database '%s': %s: check its folder's "
                   "permissions", path, strerror(e));
}

/*
 * The new database file, empty and mode 0600 whatever the umask: SQLite
 * gives the -wal and -shm files the database file's mode, and secrets,
 * contacts and replies live there.
 */
static int create_file(const char *path, struct errinfo *ei)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);

    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return missing_error(path, errno, DB_CREATE, ei);
        return err_set(ei, ERR_CANTCREAT, "cannot create database '%s': "
                       "%s: make its folder writable for this user or "
                       "change database: (or --db)", path, strerror(errno));
    }
    if (fchmod(fd, 0600) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return err_set(ei, ERR_CANTCREAT, "cannot create database '%s': "
                       "%s", path, strerror(e));
    }
    close(fd);
    return 0;
}

static void remove_db_files(const char *path)
{
    static const char *const suffix[] = { "-wal", "-shm", "" };

    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        char *p = xasprintf("%s%s", path, suffix[i]);
        unlink(p);
        free(p);
    }
}

/* WAL lets a user's sqlite3 shell read while a run writes;
 * synchronous=FULL makes each committed claim survive a power cut;
 * secure_delete zeroes what a write frees (an updated contact row's old
 * copy...), so that `contact forget` finds no older copy of a person in
 * free space: Debian builds SQLite so by default, other builds not. */
static int set_pragmas(struct db *db, struct errinfo *ei)
{
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA secure_delete = ON",
    };

    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
        if (sqlite3_exec(db->h, pragmas[i], NULL, NULL, NULL) != SQLITE_OK)
            return db_fail(db, ei, "cannot open");
    return 0;
}

static int check_schema(struct db *db, struct errinfo *ei)
{
    int pending;

    if (db_pending(db, &pending, ei) < 0)
        return -1;
    if (pending)
        return err_set(ei, ERR_CONFIG,
                       "database '%s' needs %d migration%s: run 'mailrota "
                       "migrate'",
                       db->path, pending, pending == 1 ? "" : "s");
    return 0;
}

int db_open(const char *path, unsigned flags, struct db **out,
            struct errinfo *ei)
{
    struct db *db;
    struct stat sb;
    bool created = false;

    if (stat(path, &sb) < 0) {
        if (errno != ENOENT || !(flags & DB_CREATE))
            return missing_error(path, errno, flags, ei);
        if (create_file(path, ei) < 0)
            return -1;
        created = true;
    } else if (!S_ISREG(sb.st_mode)) {
        return err_set(ei, ERR_CANTCREAT, "database '%s' is not a file",
                       path);
    }

    db = xcalloc(1, sizeof(*db));
    db->path = xstrdup(path);
    db->walfd = -1;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        db_fail(db, ei, "cannot open");
        goto fail;
    }
    if (set_pragmas(db, ei) < 0 ||
        ((flags & DB_SYNC_LATER) &&
         db_exec(db, "PRAGMA synchronous = NORMAL", ei) < 0))
        goto fail;
    if (!(flags & DB_NO_SCHEMA_CHECK) && check_schema(db, ei) < 0)
        goto fail;
    *out = db;
    return 0;
fail:
    db_close(db);
    if (created) {
        /* Made by this call and unusable: the next init starts afresh. */
        if (ei)
            ei->code = ERR_CANTCREAT;
        remove_db_files(path);
    }
    return -1;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's busy handler for db_wait_while(): n counts this lock's tries. */
static int wait_busy(void *arg, int n)
{
    struct db *db = arg;
    int64_t now = monotonic_ms();
    struct timespec ts = { 0, (n < 10 ? 5 : 50) * 1000000L };

    if (n == 0) {
        db->busy_since_ms = now;
        db->busy_warned = false;
    }
    if (!db->busy_keep(db->busy_arg))
        return 0;
    if (!db->busy_warned && now - db->busy_since_ms >= DB_BUSY_TIMEOUT_MS) {
        db->busy_warned = true;
        log_warnx("database '%s' is busy: another program (a sqlite3 "
                  "session?) has held its write lock for %d s: waiting for "
                  "it", db->path, DB_BUSY_TIMEOUT_MS / 1000);
    }
    nanosleep(&ts, NULL);
    return 1;
}

void db_wait_while(struct db *db, bool (*keep)(void *arg), void *arg)
{
    db->busy_keep = keep;
    db->busy_arg = arg;
    sqlite3_busy_handler(db->h, wait_busy, db);
}

void db_close(struct db *db)
{
    if (!db)
        return;
    /* For the tests only (t_import): statements are prepared once per
     * connection, not once per row. */
    if (getenv("MAILROTA_TEST_PREPARES"))
        fprintf(stderr, "db: %lu statements prepared\n", db->nprepared);
    if (db->h) {
        db_rollback(db);
        for (size_t i = 0; i < db->ncache; i++)
            sqlite3_finalize(db->cache[i].st);
        sqlite3_close(db->h);
    }
    if (db->walfd >= 0)
        close(db->walfd);
    free(db->wal_path);
    free(db->cache);
    free(db->path);
    free(db);
}
