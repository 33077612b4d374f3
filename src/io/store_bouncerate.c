/*
 * store_bouncerate.c - bounce-rate protection, applied (see
 * store_bouncerate.h; the rule is core/bouncerate.c).
 */
#include "store_bouncerate.h"

#include <stdio.h>
#include <string.h>

#include "status.h"
#include "store_run.h"

#include "banned.h"

/* The mailbox's last r->window sent or bounced messages: *n of them,
 * *bounced bounced; *ready whether it is cold-ready. */
static int bouncerate_read(struct db *db, long long mailbox_id,
                           const struct bouncerate_rule *r, int *n,
                           int *bounced, int *ready, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT COUNT(*), COALESCE(SUM(w.status = ?3), 0),"
        " (SELECT status = ?5 FROM mailboxes WHERE id = ?1)"
        " FROM (SELECT s.status FROM sends s"
        "  WHERE s.mailbox_id = ?1 AND (s.status = ?3 OR s.status = ?4)"
        "  ORDER BY COALESCE(s.sent_at, s.last_attempt_at) DESC, s.rowid DESC"
        "  LIMIT ?2) w";
    sqlite3_stmt *st = NULL;
    int rc;

    *n = *bounced = *ready = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, mailbox_id);
    sqlite3_bind_int(st, 2, r->window);
    sqlite3_bind_text(st, 3, send_status_name(SEND_BOUNCED), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 4, send_status_name(SEND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, mailbox_status_name(MBOX_COLD_READY), -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int(st, 0);
        *bounced = sqlite3_column_int(st, 1);
        *ready = sqlite3_column_int(st, 2);
    }
    db_done(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "cannot count the mailbox's bounces");
    return 0;
}

int store_bouncerate_count(struct db *db, long long mailbox_id,
                           const struct bouncerate_rule *r, int *n,
                           int *bounced, struct errinfo *ei)
{
    int ready;

    return bouncerate_read(db, mailbox_id, r, n, bounced, &ready, ei);
}

int store_bouncerate_check(struct db *db, long long mailbox_id,
                           const char *email,
                           const struct bouncerate_rule *r,
                           const char *now_iso, bool *paused, char *out,
                           size_t cap, struct errinfo *ei)
{
    char text[512];
    int n = 0, bounced = 0, ready = 0;

    *paused = false;
    if (bouncerate_read(db, mailbox_id, r, &n, &bounced, &ready, ei) < 0)
        return -1;
    if (!ready || !bouncerate_exceeded(r, n, bounced))
        return 0;
    bouncerate_text(r, email, n, bounced, text, sizeof(text));
    if (store_run_mailbox_error(db, mailbox_id, true, MBOX_PAUSED, text,
                                now_iso, ei) < 0)
        return -1;
    *paused = true;
    if (out)
        snprintf(out, cap, "%s", text);
    return 0;
}
