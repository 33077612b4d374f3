#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"
#include "diagnose.h"
#include "util.h"

#include "banned.h"

int outbox_claim_lost(struct db *db, const char *send_id,
                      const char *run_id, bool *lost, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(db, "SELECT run_id IS NOT ?2 AND status = 'deferred'"
                       " FROM sends WHERE id = ?1", &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, send_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *lost = sqlite3_column_int(st, 0) != 0;
    else if (rc == SQLITE_DONE)
        *lost = true;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read sends");
    return 0;
}

int outbox_recover(struct db *db, int *n, struct errinfo *ei)
{
    if (db_exec(db, "UPDATE sends SET status = 'unknown', smtp_text ="
                    " COALESCE(smtp_text, 'interrupted: the run stopped"
                    " before recording the outcome') WHERE status ="
                    " 'sending'", ei) < 0)
        return -1;
    *n = sqlite3_changes(db->h);
    crash_point("run.recovered");
    return 0;
}

static int step(struct db *db, sqlite3_stmt *st, const char *what,
                struct errinfo *ei)
{
    int rc = sqlite3_step(st);

    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, ei, what);
    return 0;
}

void outbox_cap_read(sqlite3_stmt *st, int col, struct caps_mailbox *m)
{
    m->own_cap = sqlite3_column_type(st, col) == SQLITE_NULL
                     ? CAPS_NONE : sqlite3_column_int(st, col);
    m->quota_full = sqlite3_column_int(st, col + 1) != 0;
    m->counted = sqlite3_column_int(st, col + 2);
}

int outbox_claim(struct db *db, const struct outbox_send *s,
                 const char *now_iso, enum outbox_claim *result,
                 struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    struct caps_mailbox cm;
    int used = 0, cap = 0;   /* no row: no room */
    int rc, have = 0;
    char *status = NULL;

    if (db_begin(db, true, ei) < 0)
        return -1;
    if (db_prepare(db, "SELECT status FROM sends WHERE campaign_id = ?1"
                       " AND contact_id = ?2", &st, ei) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, s->campaign_id);
    sqlite3_bind_int64(st, 2, s->contact_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        have = 1;
        status = db_column_strdup(st, 0);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_fail(db, ei, "cannot claim");
        goto fail;
    }
    if (have && strcmp(status, "deferred") != 0) {
        *result = OUTBOX_TAKEN;
        goto done;
    }
    if (db_prepare(db, "SELECT" OUTBOX_CAP_COLUMNS " FROM mailboxes m"
                       " WHERE m.id = ?2", &st, ei) < 0)
        goto fail;
    sqlite3_bind_text(st, 1, s->day, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, s->mailbox_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        outbox_cap_read(st, 0, &cm);
        cap = caps_effective(&cm, s->default_cap);
        used = cm.counted;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (used >= cap) {
        *result = OUTBOX_CAP_FULL;
        goto done;
    }
    if (have) {
        if (db_prepare(db,
                       "UPDATE sends SET run_id = ?2, mailbox_id = ?3,"
                       " transport = ?4, status = 'sending',"
                       " message_id = ?5, day = ?6, last_attempt_at = ?7,"
                       " retry_after = NULL"
                       " WHERE campaign_id = ?8 AND contact_id = ?9"
                       " AND status = 'deferred'",
                       &st, ei) < 0)
            goto fail;
        sqlite3_bind_int64(st, 8, s->campaign_id);
        sqlite3_bind_int64(st, 9, s->contact_id);
    } else {
        if (db_prepare(db,
                       "INSERT INTO sends(id, run_id, mailbox_id, transport,"
                       " status, message_id, day, last_attempt_at,"
                       " campaign_id, contact_id, created_at, attempts)"
                       " VALUES (?1, ?2, ?3, ?4, 'sending', ?5, ?6, ?7, ?8,"
                       " ?9, ?7, 0)",
                       &st, ei) < 0)
            goto fail;
        sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, s->campaign_id);
        sqlite3_bind_int64(st, 9, s->contact_id);
    }
    sqlite3_bind_text(st, 2, s->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->mailbox_id);
    sqlite3_bind_text(st, 4, s->transport, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s->message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, s->day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, now_iso, -1, SQLITE_STATIC);
    if (step(db, st, "cannot claim", ei) < 0)
        goto fail;
    crash_point("claim.uncommitted");
    *result = OUTBOX_CLAIMED;
done:
    free(status);
    return db_commit(db, ei);
fail:
    free(status);
    db_rollback(db);
    return -1;
}

static const char *outcome_status(enum bounce_outcome o)
{
    return bounce_outcome_str(o);
}

int outbox_record(struct db *db, const struct outbox_send *s,
                  const struct smtp_reply *r, const struct bounce_verdict *v,
                  int max_attempts, const char *now_iso,
                  enum bounce_outcome *final, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    enum bounce_outcome out = v->outcome;
    long long attempts = 0;
    int64_t now = 0;
    char until[ISO_TIME_LEN];

    if (db_begin(db, true, ei) < 0)
        return -1;
    if (db_prepare(db,
                   "INSERT INTO attempts(send_id, mailbox_id, transport, at,"
                   " stage, smtp_code, smtp_enhanced, smtp_text)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                   &st, ei) < 0)
        goto fail;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, s->mailbox_id);
    sqlite3_bind_text(st, 3, s->transport, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now_iso, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, bounce_stage_str(r->stage), -1, SQLITE_STATIC);
    if (r->code)
        sqlite3_bind_int(st, 6, r->code);
    db_bind_text_or_null(st, 7, r->enhanced);
    db_bind_text_or_null(st, 8, r->text);
    if (step(db, st, "cannot record attempt", ei) < 0)
        goto fail;

    if (db_prepare(db, "SELECT attempts FROM sends WHERE id = ?1", &st,
                   ei) < 0)
        goto fail;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        attempts = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (v->uses_attempt)
        attempts++;
    if (out == OUTCOME_DEFERRED && attempts >= max_attempts)
        out = OUTCOME_FAILED;

    if (db_prepare(db,
                   "UPDATE sends SET status = ?2, attempts = ?3,"
                   " smtp_code = ?4, smtp_enhanced = ?5, smtp_text = ?6,"
                   " last_attempt_at = ?7,"
                   " sent_at = CASE WHEN ?2 = 'sent' THEN ?7 END,"
                   " retry_after = CASE WHEN ?2 = 'deferred' THEN ?8 END"
                   " WHERE id = ?1",
                   &st, ei) < 0)
        goto fail;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, outcome_status(out), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, attempts);
    if (r->code)
        sqlite3_bind_int(st, 4, r->code);
    db_bind_text_or_null(st, 5, r->enhanced);
    db_bind_text_or_null(st, 6, r->text);
    sqlite3_bind_text(st, 7, now_iso, -1, SQLITE_STATIC);
    if (r->retry_after > 0 && time_parse_iso(now_iso, &now) == 0) {
        time_iso(now + r->retry_after, until);
        sqlite3_bind_text(st, 8, until, -1, SQLITE_STATIC);
    }
    if (step(db, st, "cannot record outcome", ei) < 0)
        goto fail;

    if (v->contact_bounced) {
        if (db_prepare(db, "UPDATE contacts SET status = 'bounced',"
                           " updated_at = ?2 WHERE id = ?1"
                           " AND status = 'active'", &st, ei) < 0)
            goto fail;
        sqlite3_bind_int64(st, 1, s->contact_id);
        sqlite3_bind_text(st, 2, now_iso, -1, SQLITE_STATIC);
        if (step(db, st, "cannot mark contact bounced", ei) < 0)
            goto fail;
    }
    if (v->mailbox != MAILBOX_OK) {
        char err[SMTP_TEXT_MAX + 64 + 2 * DIAGNOSE_TEXT_MAX];
        const char *status = NULL;
        struct diagnosis d;

        bool has_esc = r->enhanced[0] &&
                       strncmp(r->text, r->enhanced,
                               strlen(r->enhanced)) != 0;

        char code[16] = "";

        if (r->code)
            snprintf(code, sizeof(code), "%d ", r->code);
        snprintf(err, sizeof(err), "%s: %s%s%s%s", bounce_stage_str(r->stage),
                 code, has_esc ? r->enhanced : "", has_esc ? " " : "",
                 r->text);
        /* Say what to do, for whoever reads mailbox list. */
        if (s->who ? diagnose_for(r, s->who, &d)
                   : diagnose(r, s->mailbox_email ? s->mailbox_email
                                                  : "EMAIL", &d))
            snprintf(err + strlen(err), sizeof(err) - strlen(err),
                     " -- %s: %s", d.what, d.fix);
        if (v->mailbox == MAILBOX_AUTH_FAILED)
            status = "auth-failed";
        else if (v->mailbox == MAILBOX_BLOCKED ||
                 v->mailbox == MAILBOX_BLOCKED_TENANT)
            status = "blocked";
        if (outbox_mailbox_error(db, s->mailbox_id, status, err, now_iso,
                                 ei) < 0)
            goto fail;
        if (v->mailbox == MAILBOX_QUOTA_FULL) {
            if (db_prepare(db, "UPDATE mailboxes SET full_day = ?2"
                               " WHERE id = ?1", &st, ei) < 0)
                goto fail;
            sqlite3_bind_int64(st, 1, s->mailbox_id);
            sqlite3_bind_text(st, 2, s->day, -1, SQLITE_STATIC);
            if (step(db, st, "cannot mark mailbox full", ei) < 0)
                goto fail;
        }
    }
    crash_point("record.uncommitted");
    if (db_commit(db, ei) < 0)
        return -1;
    *final = out;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int outbox_fail_compose(struct db *db, const struct outbox_send *s,
                        const char *reason, const char *now_iso,
                        struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;

    if (db_prepare(db,
                   "INSERT INTO sends(id, run_id, campaign_id, contact_id,"
                   " mailbox_id, transport, status, attempts, smtp_text,"
                   " day, created_at, last_attempt_at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'failed', 0, ?7, ?8,"
                   " ?9, ?9)"
                   " ON CONFLICT(campaign_id, contact_id) DO UPDATE SET"
                   " status = 'failed', smtp_text = excluded.smtp_text,"
                   " run_id = excluded.run_id,"
                   " mailbox_id = excluded.mailbox_id,"
                   " last_attempt_at = excluded.last_attempt_at"
                   " WHERE status = 'deferred'",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->campaign_id);
    sqlite3_bind_int64(st, 4, s->contact_id);
    sqlite3_bind_int64(st, 5, s->mailbox_id);
    sqlite3_bind_text(st, 6, s->transport, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, s->day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, now_iso, -1, SQLITE_STATIC);
    return step(db, st, "cannot record a failed message", ei);
}

int outbox_mailbox_error(struct db *db, long long mailbox_id,
                         const char *status, const char *error,
                         const char *now_iso, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;

    if (db_prepare(db,
                   "UPDATE mailboxes SET status = COALESCE(?2, status),"
                   " last_error = ?3, last_error_at = ?4, updated_at = ?4"
                   " WHERE id = ?1",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, mailbox_id);
    db_bind_text_or_null(st, 2, status);
    sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now_iso, -1, SQLITE_STATIC);
    return step(db, st, "cannot update mailbox", ei);
}
