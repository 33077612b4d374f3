/* store_campaigns.c - campaigns' queries (see store.h). */
#include "store.h"

#include "store_impl.h"

#include "banned.h"

int store_campaign_id(struct db *db, const char *name, long long *id,
                      struct errinfo *ei)
{
    static const char sql[] = "SELECT id FROM campaigns WHERE name = ?1";

    return store_find_id(db, sql, name, id, "query failed", ei);
}

int store_campaign_add(struct db *db, const char *name,
                       const char *template_path, const char *subject,
                       const char *now, struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO campaigns(name, template_path, subject, status,"
        " created_at) VALUES (?1, ?2, ?3, 'active', ?4)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, template_path, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 3, subject);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    return store_step_done(db, st, "cannot add campaign", ei);
}

int store_campaign_get(struct db *db, long long id, char **template_path,
                       char **subject, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT template_path, subject FROM campaigns WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *template_path = db_column_strdup(st, 0);
        *subject = db_column_strdup(st, 1);
    }
    db_done(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return err_set(ei, ERR_DATA, "campaign %lld: no such campaign", id);
    return db_fail(db, ei, "cannot read campaign");
}

int store_campaign_set(struct db *db, long long id, const char *template_path,
                       const char *subject, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE campaigns SET template_path = COALESCE(?2, template_path),"
        " subject = COALESCE(?3, subject) WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    db_bind_text_or_null(st, 2, template_path);
    db_bind_text_or_null(st, 3, subject);
    return store_step_done(db, st, "cannot change campaign", ei);
}

int store_campaign_list(struct db *db,
                        void (*fn)(void *arg,
                                   const struct store_campaign_row *r),
                        void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT c.name, c.status, c.template_path, c.subject,"
        " (SELECT COUNT(*) FROM enrollments e WHERE e.campaign_id = c.id),"
        " (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = c.id"
        "   AND s.status = ?1)"
        " FROM campaigns c ORDER BY c.id";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, send_status_name(SEND_SENT), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_campaign_row r;

        r.name = (const char *)sqlite3_column_text(st, 0);
        r.status = (const char *)sqlite3_column_text(st, 1);
        r.template_path = (const char *)sqlite3_column_text(st, 2);
        r.subject = (const char *)sqlite3_column_text(st, 3);
        r.enrolled = sqlite3_column_int64(st, 4);
        r.sent = sqlite3_column_int64(st, 5);
        fn(arg, &r);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "campaign list");
    return 0;
}

int store_campaign_set_paused(struct db *db, const char *name, bool paused,
                              bool *found, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE campaigns SET status = CASE WHEN ?2 THEN 'paused'"
        " ELSE 'active' END WHERE name = ?1";
    sqlite3_stmt *st = NULL;

    *found = false;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, paused);
    if (store_step_done(db, st, "cannot change campaign", ei) < 0)
        return -1;
    *found = sqlite3_changes(db->h) > 0;
    return 0;
}

int store_contact_field_names(struct db *db,
                              void (*fn)(void *arg, const char *name),
                              void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT DISTINCT lower(j.key) FROM contacts c,"
        " json_each(c.fields_json) j WHERE json_valid(c.fields_json)";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0));
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the contacts' columns");
    return 0;
}

/* ---- enrolments (campaign enroll) ---- */

int store_contact_find(struct db *db, const char *email, long long *id,
                       enum contact_status *status, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT id, status FROM contacts WHERE email = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    *id = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        /* A status this program does not know is no active one. */
        if (!contact_status_parse((const char *)sqlite3_column_text(st, 1),
                                  status))
            *status = CONTACT_SUPPRESSED;
    }
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read contacts");
    return 0;
}

int store_enroll_active(struct db *db, long long campaign_id,
                        const char *now, long *added, long *already,
                        struct errinfo *ei)
{
    static const char count[] =
        "SELECT COUNT(*) FROM contacts c JOIN enrollments e"
        " ON e.contact_id = c.id AND e.campaign_id = ?1 WHERE c.status = ?2";
    static const char ins[] =
        "INSERT OR IGNORE INTO enrollments(campaign_id, contact_id,"
        " enrolled_at) SELECT ?1, id, ?3 FROM contacts WHERE status = ?2"
        " ORDER BY id";
    const char *active = contact_status_name(CONTACT_ACTIVE);
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, count, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    sqlite3_bind_text(st, 2, active, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_fail(db, ei, "cannot count enrolments");
        db_done(st);
        return -1;
    }
    *already = (long)sqlite3_column_int64(st, 0);
    db_done(st);
    if (db_stmt(db, ins, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    sqlite3_bind_text(st, 2, active, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (store_step_done(db, st, "cannot enrol", ei) < 0)
        return -1;
    *added = (long)sqlite3_changes(db->h);
    return 0;
}
