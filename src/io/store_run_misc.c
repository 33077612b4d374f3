/*
 * store_run_misc.c - the contact a message is composed for, and the run's
 * row in `runs` (see store_run.h).
 */
#include "store_run.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "util.h"

#include "banned.h"

#define TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_STATIC)

/* The contact's columns. */
static int contact_row(struct db *db, long long contact_id,
                       struct store_mail_contact *c, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT c.email, c.first_name, c.last_name, c.title,"
        " COALESCE(c.company_name, co.name) FROM contacts c"
        " LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, contact_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        c->email = db_column_strdup(st, 0);
        c->first_name = db_column_strdup(st, 1);
        c->last_name = db_column_strdup(st, 2);
        c->title = db_column_strdup(st, 3);
        c->company = db_column_strdup(st, 4);
    } else {
        db_fail(db, ei, "cannot read contact");
    }
    db_done(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Extra CSV columns: json_each spares us a JSON parser. */
static int contact_fields(struct db *db, long long contact_id,
                          struct store_mail_contact *c, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT j.key, j.value FROM contacts c, json_each(c.fields_json) j"
        " WHERE c.id = ?1 AND j.type = 'text'";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, contact_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
           c->n < STORE_CONTACT_MAX_FIELDS) {
        c->keys[c->n] = db_column_strdup(st, 0);
        c->vals[c->n] = db_column_strdup(st, 1);
        c->n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_fail(db, ei, "cannot read contact fields");
    db_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_run_contact(struct db *db, long long contact_id,
                      struct store_mail_contact *c, struct errinfo *ei)
{
    if (contact_row(db, contact_id, c, ei) < 0)
        return -1;
    return contact_fields(db, contact_id, c, ei);
}

void store_mail_contact_release(struct store_mail_contact *c)
{
    free(c->email);
    free(c->first_name);
    free(c->last_name);
    free(c->title);
    free(c->company);
    for (size_t i = 0; i < c->n; i++) {
        free(c->keys[i]);
        free(c->vals[i]);
    }
}

int store_run_started(struct db *db, const struct store_run_row *row,
                      const char *now_iso, struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO runs(id, started_at, day, planned, seed)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, row->id);
    TEXT(st, 2, now_iso);
    TEXT(st, 3, row->day);
    sqlite3_bind_int64(st, 4, row->planned);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)row->seed);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        db_fail(db, ei, "cannot record the run");
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_run_finished(struct db *db, const struct store_run_row *row,
                       const char *now_iso, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE runs SET finished_at = ?2, sent = ?3, deferred = ?4,"
        " bounced = ?5, failed = ?6, unknown = ?7, exit_code = ?8"
        " WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, row->id);
    TEXT(st, 2, now_iso);
    sqlite3_bind_int64(st, 3, row->sent);
    sqlite3_bind_int64(st, 4, row->deferred);
    sqlite3_bind_int64(st, 5, row->bounced);
    sqlite3_bind_int64(st, 6, row->failed);
    sqlite3_bind_int64(st, 7, row->unknown);
    sqlite3_bind_int(st, 8, row->exit_code);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        db_fail(db, ei, "cannot record the run");
    db_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_run_roster_now(struct db *db,
                         void (*fn)(void *arg, long long id,
                                    const char *status,
                                    const char *last_error),
                         void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT id, status, last_error FROM mailboxes ORDER BY id";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the roster");
    return 0;
}

int store_run_failures(struct db *db, const char *run_id,
                       void (*fn)(void *arg, long count, const char *campaign,
                                  const char *template_path,
                                  const char *reason),
                       void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT COUNT(*), ca.name,"
        " CASE WHEN s.smtp_code IS NULL AND s.attempts = 0"
        "   THEN ca.template_path END,"
        " TRIM(COALESCE(s.smtp_code || ' ', '')"
        "   || COALESCE(s.smtp_text, ''))"
        " FROM sends s JOIN campaigns ca ON ca.id = s.campaign_id"
        " WHERE s.run_id = ?1 AND s.status = ?2"
        " GROUP BY 2, 3, 4";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, run_id);
    TEXT(st, 2, send_status_name(SEND_FAILED));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (long)sqlite3_column_int64(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2),
           (const char *)sqlite3_column_text(st, 3));
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read failed sends");
    return 0;
}

int store_run_thread(struct db *db, long long campaign_id,
                     long long contact_id, int step, char ***ids, size_t *n,
                     struct errinfo *ei)
{
    static const char sql[] =
        "SELECT message_id FROM sends WHERE campaign_id = ?1"
        " AND contact_id = ?2 AND step < ?3 AND message_id IS NOT NULL"
        " AND status = ?4 ORDER BY step";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    *ids = NULL;
    *n = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    sqlite3_bind_int64(st, 2, contact_id);
    sqlite3_bind_int(st, 3, step);
    TEXT(st, 4, send_status_name(SEND_SENT));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            *ids = xrealloc(*ids, cap * sizeof(**ids));
        }
        (*ids)[(*n)++] = db_column_strdup(st, 0);
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, ei, "cannot read the thread's Message-IDs");
        db_done(st);
        store_strings_free(*ids, *n);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    db_done(st);
    return 0;
}

void store_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The run's end: the records the connection holds are committed, with
 * synchronous=FULL like every commit, so they survive a power cut once
 * the run says it is done (docs/RELIABILITY.md, "one fsync per
 * message"). */
int store_run_settle(struct db *db, struct errinfo *ei)
{
    return db_flush(db, ei);
}
