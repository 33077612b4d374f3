/* store_mailboxes.c - the roster's queries (see store.h). */
#include "store.h"

#include "outbox.h"
#include "store_impl.h"

#include "banned.h"

int store_password_envs(struct db *db, void (*fn)(const char *var),
                        struct errinfo *ei)
{
    static const char sql[] =
        "SELECT DISTINCT password_env FROM mailboxes"
        " WHERE password_env IS NOT NULL";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(st, 0));
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the roster");
    return 0;
}

int store_sealed_mailboxes(struct db *db,
                           void (*fn)(void *arg, const char *email),
                           void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT email FROM mailboxes WHERE secret IS NOT NULL"
        " ORDER BY email";
    sqlite3_stmt *st = NULL;
    bool have;
    int rc;

    if (db_table_exists(db, "mailboxes", &have, ei) < 0)
        return -1;
    if (!have)
        return 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0));
    db_done(st);
    return rc == SQLITE_DONE ? 0 : db_fail(db, ei, "cannot read mailboxes");
}

int store_token_get(struct db *db, const char *tenant, const char *client,
                    const char *scope, char **sealed, char **expires_at,
                    char **fetched_at, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT token, expires_at, fetched_at FROM oauth_tokens"
        " WHERE tenant_id = ?1 AND client_id = ?2 AND scope = ?3";
    sqlite3_stmt *st = NULL;
    int rc;

    *sealed = *expires_at = *fetched_at = NULL;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *sealed = db_column_strdup(st, 0);
        *expires_at = db_column_strdup(st, 1);
        *fetched_at = db_column_strdup(st, 2);
    }
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the token cache");
    return rc == SQLITE_ROW;
}

int store_token_put(struct db *db, const char *tenant, const char *client,
                    const char *scope, const char *sealed,
                    const char *expires_at, const char *fetched_at,
                    struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO oauth_tokens(tenant_id, client_id, scope, token,"
        " expires_at, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(tenant_id, client_id, scope)"
        " DO UPDATE SET token = excluded.token,"
        " expires_at = excluded.expires_at, fetched_at = excluded.fetched_at";
    const char *v[6] = { tenant, client, scope, sealed, expires_at,
                         fetched_at };
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot store the token");
    return 0;
}

int store_drop_oauth_tokens(struct db *db, int *n, struct errinfo *ei)
{
    bool have;

    *n = 0;
    if (db_table_exists(db, "oauth_tokens", &have, ei) < 0)
        return -1;
    if (!have)
        return 0;
    if (db_exec(db, "DELETE FROM oauth_tokens", ei) < 0)
        return -1;
    *n = sqlite3_changes(db->h);
    return 0;
}

int store_mailbox_id(struct db *db, const char *email, long long *id,
                     struct errinfo *ei)
{
    static const char sql[] = "SELECT id FROM mailboxes WHERE email = ?1";

    return store_find_id(db, sql, email, id, "cannot read mailboxes", ei);
}

int store_mailbox_status(struct db *db, long long id,
                         enum mailbox_status *status, bool *found,
                         struct errinfo *ei)
{
    static const char sql[] = "SELECT status FROM mailboxes WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    *found = false;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *found = mailbox_status_parse(
            (const char *)sqlite3_column_text(st, 0), status);
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read mailboxes");
    return 0;
}

/*
 * When an update clears a mailbox's last_error: it fixes what the error
 * was about (new credentials, another auth) or puts the mailbox back to
 * cold-ready from another status.  On the right of SET, columns hold the
 * row's values before the update.
 */
#define FIX_CLEARS_ERROR                                                    \
    "((?3 = 'cold-ready' AND status != 'cold-ready')"                     \
    " OR (?12 AND (?7 IS NOT NULL OR ?8 IS NOT password_env"               \
    "     OR ?9 IS NOT password_cmd))"                                     \
    " OR (?5 IS NOT NULL AND ?5 != auth))"

static const char mailbox_insert[] =
    "INSERT INTO mailboxes(email, display_name, status, daily_cap, auth,"
    " fallback, secret, password_env, password_cmd, created_at,"
    " updated_at) VALUES (?1, ?2, COALESCE(?3, 'cold-ready'), ?4,"
    " COALESCE(?5, 'plain'), COALESCE(?6, 'none'), ?7, ?8, ?9, ?10,"
    " ?10)";

static const char mailbox_update[] =
    "UPDATE mailboxes SET display_name = COALESCE(?2, display_name),"
    " last_error = CASE WHEN " FIX_CLEARS_ERROR " THEN NULL"
    "   ELSE last_error END,"
    " last_error_at = CASE WHEN " FIX_CLEARS_ERROR " THEN NULL"
    "   ELSE last_error_at END,"
    " status = COALESCE(?3, status),"
    " daily_cap = CASE WHEN ?11 THEN ?4 ELSE daily_cap END,"
    " auth = COALESCE(?5, auth), fallback = COALESCE(?6, fallback),"
    " secret = CASE WHEN ?12 THEN ?7 ELSE secret END,"
    " password_env = CASE WHEN ?12 THEN ?8 ELSE password_env END,"
    " password_cmd = CASE WHEN ?12 THEN ?9 ELSE password_cmd END,"
    " updated_at = ?10 WHERE id = ?1";

int store_mailbox_apply(struct db *db, long long id, const char *email,
                        const struct store_mailbox_change *ch,
                        const char *now, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, id ? mailbox_update : mailbox_insert, &st, ei) < 0)
        return -1;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, ch->name);
    if (ch->has_status)
        sqlite3_bind_text(st, 3, mailbox_status_name(ch->status), -1,
                          SQLITE_STATIC);
    if (ch->has_cap)
        sqlite3_bind_int64(st, 4, ch->cap);
    db_bind_text_or_null(st, 5, ch->auth);
    db_bind_text_or_null(st, 6, ch->fallback);
    db_bind_text_or_null(st, 7, ch->secret);
    db_bind_text_or_null(st, 8, ch->password_env);
    db_bind_text_or_null(st, 9, ch->password_cmd);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    if (id) {
        sqlite3_bind_int(st, 11, ch->has_cap);
        sqlite3_bind_int(st, 12, ch->set_password);
    }
    return store_step_done(db, st, id ? "cannot update mailbox"
                                      : "cannot add mailbox", ei);
}

int store_mailbox_set_ramp(struct db *db, long long id, int start, int step,
                           struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE mailboxes SET ramp_start = ?2, ramp_step = ?3 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (start > 0) {
        sqlite3_bind_int(st, 2, start);
        sqlite3_bind_int(st, 3, step);
    } else {
        sqlite3_bind_null(st, 2);
        sqlite3_bind_null(st, 3);
    }
    return store_step_done(db, st, "cannot update mailbox", ei);
}

int store_mailbox_list(struct db *db, const char *day,
                       int (*fn)(void *arg, const struct store_mailbox_row *r),
                       void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT m.email, m.display_name, m.status, m.auth, m.fallback,"
        " CASE WHEN m.password_env IS NOT NULL"
        "   THEN 'env:' || m.password_env"
        "   WHEN m.password_cmd IS NOT NULL THEN 'command'"
        "   WHEN m.secret IS NOT NULL THEN 'stored' END,"
        " m.last_error," OUTBOX_CAP_COLUMNS
        " FROM mailboxes m ORDER BY m.id";
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE, r = 0;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_mailbox_row row;

        row.email = (const char *)sqlite3_column_text(st, 0);
        row.display_name = (const char *)sqlite3_column_text(st, 1);
        row.status = (const char *)sqlite3_column_text(st, 2);
        row.auth = (const char *)sqlite3_column_text(st, 3);
        row.fallback = (const char *)sqlite3_column_text(st, 4);
        row.password_source = (const char *)sqlite3_column_text(st, 5);
        row.last_error = (const char *)sqlite3_column_text(st, 6);
        outbox_cap_read(st, 7, &row.cap);
        r = fn(arg, &row);
    }
    db_done(st);
    if (r < 0)
        return r;
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "mailbox list");
    return 0;
}
