/*
 * store_contact.c - one contact's sections for `contact show` and the
 * writes of `contact set` (see store_contact.h).
 */
#include "store_contact.h"

#include <string.h>

#include "store_impl.h"

#include "banned.h"

#define TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_STATIC)

/* Runs sql (one parameter: the contact id) and calls fn with each row's
 * ncols cells. */
static int walk(struct db *db, const char *sql, long long id, size_t ncols,
                store_contact_row_fn fn, void *arg, const char *what,
                struct errinfo *ei)
{
    const char *cells[16];
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE, r = 0;

    if (ncols > sizeof(cells) / sizeof(cells[0]))
        return err_set(ei, ERR_SOFTWARE, "%s: too many columns", what);
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < ncols; i++)
            cells[i] = (const char *)sqlite3_column_text(st, (int)i);
        r = fn(arg, cells, ncols);
    }
    db_done(st);
    if (r < 0)
        return r;
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, what);
    return 0;
}

int store_contact_head(struct db *db, long long id, store_contact_row_fn fn,
                       void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT c.email, c.first_name, c.last_name, c.title,"
        " c.company_name, co.name, co.domain, c.status,"
        " c.status_changed_at, c.created_at, c.updated_at"
        " FROM contacts c LEFT JOIN companies co ON co.id = c.company_id"
        " WHERE c.id = ?1";

    return walk(db, sql, id, SCH_NCOLS, fn, arg, "cannot read contact", ei);
}

int store_contact_fields(struct db *db, long long id,
                         store_contact_row_fn fn, void *arg,
                         struct errinfo *ei)
{
    /* json_each spares a JSON parser; a non-text value (a hand edit)
     * comes as its JSON text. */
    static const char sql[] =
        "SELECT j.key, CASE WHEN j.type = 'text' THEN j.value"
        " ELSE json_quote(j.value) END"
        " FROM contacts c, json_each(c.fields_json) j"
        " WHERE c.id = ?1 AND json_valid(c.fields_json)"
        "   AND json_type(c.fields_json) = 'object'"
        " ORDER BY j.key";

    return walk(db, sql, id, 2, fn, arg, "cannot read contact fields", ei);
}

int store_contact_enrollments(struct db *db, long long id,
                              store_contact_row_fn fn, void *arg,
                              struct errinfo *ei)
{
    static const char sql[] =
        "SELECT ca.name, e.enrolled_at, ca.status"
        " FROM enrollments e JOIN campaigns ca ON ca.id = e.campaign_id"
        " WHERE e.contact_id = ?1 ORDER BY e.enrolled_at, ca.id";

    return walk(db, sql, id, SCE_NCOLS, fn, arg, "cannot read enrollments",
                ei);
}

int store_contact_sends(struct db *db, long long id, store_contact_row_fn fn,
                        void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT ca.name, m.email, s.transport, s.status, s.attempts,"
        " s.smtp_code, s.smtp_enhanced, s.smtp_text, s.message_id, s.day,"
        " s.created_at, s.last_attempt_at, s.sent_at, s.step"
        " FROM sends s JOIN campaigns ca ON ca.id = s.campaign_id"
        " LEFT JOIN mailboxes m ON m.id = s.mailbox_id"
        " WHERE s.contact_id = ?1 ORDER BY s.created_at, s.rowid";

    return walk(db, sql, id, SCS_NCOLS, fn, arg, "cannot read sends", ei);
}

int store_contact_inbound(struct db *db, long long id,
                          store_contact_row_fn fn, void *arg,
                          struct errinfo *ei)
{
    static const char sql[] =
        "SELECT i.received_at, m.email, i.kind, i.status_code, ca.name,"
        " i.from_addr, i.subject, i.effect"
        " FROM inbound i JOIN mailboxes m ON m.id = i.mailbox_id"
        " LEFT JOIN sends s ON s.id = i.send_id"
        " LEFT JOIN campaigns ca ON ca.id = s.campaign_id"
        " WHERE i.contact_id = ?1 ORDER BY i.received_at, i.id";

    return walk(db, sql, id, SCI_NCOLS, fn, arg, "cannot read inbound", ei);
}

int store_contact_set_status(struct db *db, long long id, const char *status,
                             const char *now, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE contacts SET status = ?2, updated_at = ?3 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    TEXT(st, 2, status);
    TEXT(st, 3, now);
    return store_step_done(db, st, "cannot set contact status", ei);
}

int store_contact_set_column(struct db *db, long long id, const char *column,
                             const char *value, const char *now,
                             struct errinfo *ei)
{
    static const char first_sql[] =
        "UPDATE contacts SET first_name = ?2, updated_at = ?3 WHERE id = ?1";
    static const char last_sql[] =
        "UPDATE contacts SET last_name = ?2, updated_at = ?3 WHERE id = ?1";
    static const char title_sql[] =
        "UPDATE contacts SET title = ?2, updated_at = ?3 WHERE id = ?1";
    const char *sql;
    sqlite3_stmt *st = NULL;

    if (strcmp(column, "first_name") == 0)
        sql = first_sql;
    else if (strcmp(column, "last_name") == 0)
        sql = last_sql;
    else if (strcmp(column, "title") == 0)
        sql = title_sql;
    else
        return err_set(ei, ERR_SOFTWARE, "no contact column '%s'", column);
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    db_bind_text_or_null(st, 2, value);
    TEXT(st, 3, now);
    return store_step_done(db, st, "cannot set contact", ei);
}

int store_contact_set_field(struct db *db, long long id, const char *key,
                            const char *value, const char *now,
                            struct errinfo *ei)
{
    /* The key is [a-z0-9_] (contact_field_key), safe in a JSON path;
     * quoted anyway, so a key such as "1x" is a member name. */
    static const char set_sql[] =
        "UPDATE contacts SET fields_json = json_set("
        " COALESCE(fields_json, '{}'), '$.\"' || ?2 || '\"', ?3),"
        " updated_at = ?4 WHERE id = ?1";
    static const char del_sql[] =
        "UPDATE contacts SET fields_json = NULLIF(json_remove("
        " COALESCE(fields_json, '{}'), '$.\"' || ?2 || '\"'), '{}'),"
        " updated_at = ?4 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, value ? set_sql : del_sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    TEXT(st, 2, key);
    if (value)
        TEXT(st, 3, value);
    TEXT(st, 4, now);
    return store_step_done(db, st, "cannot set contact field", ei);
}
