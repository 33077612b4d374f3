/*
 * store_steps.c - a campaign's sequence: its follow-up steps
 * (campaign_steps) and, per step, what became of its sends (see store.h).
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "inbound_class.h"
#include "status.h"

#include "banned.h"

#define TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_STATIC)

int store_step_add(struct db *db, long long campaign_id,
                   const char *template_path, const char *subject,
                   int after_days, const char *now, int *step,
                   struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO campaign_steps(campaign_id, step, template_path,"
        " subject, after_days, created_at)"
        " SELECT ?1, COALESCE(MAX(step), 1) + 1, ?2, ?3, ?4, ?5"
        " FROM campaign_steps WHERE campaign_id = ?1 RETURNING step";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    TEXT(st, 2, template_path);
    if (subject)
        TEXT(st, 3, subject);
    else
        sqlite3_bind_null(st, 3);
    if (after_days >= 0)
        sqlite3_bind_int(st, 4, after_days);
    else
        sqlite3_bind_null(st, 4);
    TEXT(st, 5, now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *step = sqlite3_column_int(st, 0);
    else
        db_fail(db, ei, "cannot add the step");
    db_done(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Step 1 (the campaign's own template) and its follow-ups, each with the
 * outcome of its sends; replies are inbound replies matched to them. */
int store_step_list(struct db *db, long long campaign_id,
                    void (*fn)(void *arg, const struct store_step_row *r),
                    void *arg, struct errinfo *ei)
{
    static const char sql[] =
        "WITH st(step, template_path, subject, after_days) AS ("
        "  SELECT 1, template_path, subject, NULL FROM campaigns"
        "   WHERE id = ?1"
        "  UNION ALL SELECT step, template_path, subject, after_days"
        "   FROM campaign_steps WHERE campaign_id = ?1)"
        " SELECT st.step, st.template_path, st.subject, st.after_days,"
        " (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = ?1"
        "   AND s.step = st.step AND s.status = ?2),"
        " (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = ?1"
        "   AND s.step = st.step AND s.status = ?3),"
        " (SELECT COUNT(DISTINCT s.contact_id) FROM inbound i"
        "   JOIN sends s ON s.id = i.send_id WHERE s.campaign_id = ?1"
        "   AND s.step = st.step AND i.kind = ?4)"
        " FROM st ORDER BY st.step";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    TEXT(st, 2, send_status_name(SEND_SENT));
    TEXT(st, 3, send_status_name(SEND_BOUNCED));
    TEXT(st, 4, inbound_kind_str(INBOUND_REPLY));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_step_row r;

        r.step = sqlite3_column_int(st, 0);
        r.template_path = (const char *)sqlite3_column_text(st, 1);
        r.subject = (const char *)sqlite3_column_text(st, 2);
        r.after_days = sqlite3_column_type(st, 3) == SQLITE_NULL
                           ? -1 : sqlite3_column_int(st, 3);
        r.sent = sqlite3_column_int64(st, 4);
        r.bounced = sqlite3_column_int64(st, 5);
        r.replied = sqlite3_column_int64(st, 6);
        fn(arg, &r);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot list the steps");
    return 0;
}
