/*
 * store_run_send.c - the sends of a run: claim, record, recover (see
 * store_run.h).  The transaction boundaries and the crash points
 * (claim.uncommitted, record.uncommitted, run.recovered) are those of
 * docs/RELIABILITY.md.
 */
#include "store_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "crashpoint.h"
#include "outbox.h"
#include "util.h"

#include "banned.h"

#define TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_STATIC)

/* Steps a db_stmt() statement once and ends its use. */
static int step(struct db *db, sqlite3_stmt *st, const char *what,
                struct errinfo *ei)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        db_fail(db, ei, what);
        db_done(st);
        return -1;
    }
    db_done(st);
    return 0;
}

int store_run_claim_lost(struct db *db, const char *send_id,
                         const char *run_id, bool *lost, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT run_id IS NOT ?2 AND status = ?3 FROM sends WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, send_id);
    TEXT(st, 2, run_id);
    TEXT(st, 3, send_status_name(SEND_DEFERRED));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *lost = sqlite3_column_int(st, 0) != 0;
    else if (rc == SQLITE_DONE)
        *lost = true;
    else
        db_fail(db, ei, "cannot read sends");
    db_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_run_recover(struct db *db, int *n, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE sends SET status = ?1, smtp_text = COALESCE(smtp_text,"
        " 'interrupted: the run stopped before recording the outcome')"
        " WHERE status = ?2";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, send_status_name(SEND_UNKNOWN));
    TEXT(st, 2, send_status_name(SEND_SENDING));
    if (step(db, st, "cannot mark interrupted sends unknown", ei) < 0)
        return -1;
    *n = sqlite3_changes(db->h);
    crash_point("run.recovered");
    return 0;
}

void outbox_cap_read(sqlite3_stmt *st, int col, struct caps_mailbox *m)
{
    m->own_cap = sqlite3_column_type(st, col) == SQLITE_NULL
                     ? CAPS_NONE : sqlite3_column_int(st, col);
    m->quota_full = sqlite3_column_int(st, col + 1) != 0;
    m->counted = sqlite3_column_int(st, col + 2);
    m->ramp_start = sqlite3_column_int(st, col + 3);   /* NULL: 0, none */
    m->ramp_step = sqlite3_column_int(st, col + 4);
    m->sending_days = sqlite3_column_int(st, col + 5);
}

/* ---- the claim ---- */

/* *have: whether the message has a row; *status its status. */
static int claim_read(struct db *db, const struct store_send *s, bool *have,
                      enum send_status *status, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT status FROM sends WHERE campaign_id = ?1 AND contact_id = ?2"
        " AND step = ?3";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->campaign_id);
    sqlite3_bind_int64(st, 2, s->contact_id);
    sqlite3_bind_int(st, 3, s->step);
    rc = sqlite3_step(st);
    *have = rc == SQLITE_ROW;
    /* A status this program does not know is no deferred one. */
    if (*have && !send_status_parse((const char *)sqlite3_column_text(st, 0),
                                    status))
        *status = SEND_STATUS_COUNT;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_fail(db, ei, "cannot claim");
    db_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* *room: whether the mailbox's effective cap has room on s->day. */
static int claim_room(struct db *db, const struct store_send *s, bool *room,
                      struct errinfo *ei)
{
    static const char sql[] =
        "SELECT" OUTBOX_CAP_COLUMNS " FROM mailboxes m WHERE m.id = ?2";
    sqlite3_stmt *st = NULL;
    struct caps_mailbox cm;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, s->day);
    sqlite3_bind_int64(st, 2, s->mailbox_id);
    *room = false;   /* no row: no room */
    if (sqlite3_step(st) == SQLITE_ROW) {
        outbox_cap_read(st, 0, &cm);
        *room = cm.counted < caps_effective(&cm, s->default_cap);
    }
    db_done(st);
    return 0;
}

/* Writes the message as `sending`: a new row, or the deferred one. */
static int claim_write(struct db *db, const struct store_send *s, bool have,
                       const char *now_iso, struct errinfo *ei)
{
    static const char upd[] =
        "UPDATE sends SET run_id = ?2, mailbox_id = ?3, transport = ?4,"
        " status = ?10, message_id = ?5, day = ?6, last_attempt_at = ?7,"
        " retry_after = NULL"
        " WHERE campaign_id = ?8 AND contact_id = ?9 AND step = ?12"
        " AND status = ?11";
    static const char ins[] =
        "INSERT INTO sends(id, run_id, mailbox_id, transport, status,"
        " message_id, day, last_attempt_at, campaign_id, contact_id,"
        " created_at, attempts, step)"
        " VALUES (?1, ?2, ?3, ?4, ?10, ?5, ?6, ?7, ?8, ?9, ?7, 0, ?12)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, have ? upd : ins, &st, ei) < 0)
        return -1;
    if (have)
        TEXT(st, 11, send_status_name(SEND_DEFERRED));
    else
        TEXT(st, 1, s->id);
    TEXT(st, 2, s->run_id);
    sqlite3_bind_int64(st, 3, s->mailbox_id);
    TEXT(st, 4, s->transport);
    TEXT(st, 5, s->message_id);
    TEXT(st, 6, s->day);
    TEXT(st, 7, now_iso);
    sqlite3_bind_int64(st, 8, s->campaign_id);
    sqlite3_bind_int64(st, 9, s->contact_id);
    TEXT(st, 10, send_status_name(SEND_SENDING));
    sqlite3_bind_int(st, 12, s->step);
    return step(db, st, "cannot claim", ei);
}

int store_run_claim(struct db *db, const struct store_send *s,
                    const char *now_iso, enum store_claim *result,
                    struct errinfo *ei)
{
    enum send_status status = SEND_STATUS_COUNT;
    bool have = false, room = false;

    /* Inside the records the connection holds (db_commit_later), if
     * any, and held in turn: the caller commits it with them and makes
     * it durable, one fsync, before any of this message's content goes to
     * the server (docs/RELIABILITY.md). */
    if (db_begin(db, true, ei) < 0)
        return -1;
    if (claim_read(db, s, &have, &status, ei) < 0)
        goto fail;
    if (have && status != SEND_DEFERRED) {
        *result = STORE_TAKEN;
    } else {
        if (claim_room(db, s, &room, ei) < 0)
            goto fail;
        *result = room ? STORE_CLAIMED : STORE_CAP_FULL;
        if (room && claim_write(db, s, have, now_iso, ei) < 0)
            goto fail;
        if (room)
            crash_point("claim.uncommitted");
    }
    return db_commit_later(db, ei);
fail:
    db_rollback(db);
    return -1;
}

/* ---- the record ---- */

static enum send_status outcome_status(enum bounce_outcome o)
{
    switch (o) {
    case OUTCOME_SENT: return SEND_SENT;
    case OUTCOME_DEFERRED: return SEND_DEFERRED;
    case OUTCOME_BOUNCED: return SEND_BOUNCED;
    case OUTCOME_FAILED: return SEND_FAILED;
    case OUTCOME_UNKNOWN: return SEND_UNKNOWN;
    }
    return SEND_UNKNOWN;
}

int store_run_attempt(struct db *db, const struct store_send *s,
                      const struct smtp_reply *r, const char *now_iso,
                      struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO attempts(send_id, mailbox_id, transport, at, stage,"
        " smtp_code, smtp_enhanced, smtp_text)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, s->id);
    sqlite3_bind_int64(st, 2, s->mailbox_id);
    TEXT(st, 3, s->transport);
    TEXT(st, 4, now_iso);
    TEXT(st, 5, bounce_stage_str(r->stage));
    if (r->code)
        sqlite3_bind_int(st, 6, r->code);
    db_bind_text_or_null(st, 7, r->enhanced);
    db_bind_text_or_null(st, 8, r->text);
    return step(db, st, "cannot record attempt", ei);
}

/* The send's tries so far (0 when unreadable, as before), and in *base
 * those it had when `retry` last made it plannable again (0: never): the
 * max_attempts budget counts the tries after that. */
static long long record_attempts(struct db *db, const struct store_send *s,
                                 long long *base, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT attempts, (SELECT r.attempts_before FROM send_retries r"
        " WHERE r.send_id = sends.id ORDER BY r.id DESC LIMIT 1)"
        " FROM sends WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    long long n = 0;

    *base = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, s->id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        *base = sqlite3_column_int64(st, 1);
    }
    db_done(st);
    return n;
}

static int record_outcome(struct db *db, const struct store_send *s,
                          const struct smtp_reply *r, enum bounce_outcome out,
                          long long attempts, const char *now_iso,
                          struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE sends SET status = ?2, attempts = ?3, smtp_code = ?4,"
        " smtp_enhanced = ?5, smtp_text = ?6, last_attempt_at = ?7,"
        " sent_at = ?8, retry_after = ?9 WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    char until[ISO_TIME_LEN];
    int64_t now = 0;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, s->id);
    TEXT(st, 2, send_status_name(outcome_status(out)));
    sqlite3_bind_int64(st, 3, attempts);
    if (r->code)
        sqlite3_bind_int(st, 4, r->code);
    db_bind_text_or_null(st, 5, r->enhanced);
    db_bind_text_or_null(st, 6, r->text);
    TEXT(st, 7, now_iso);
    if (out == OUTCOME_SENT)
        TEXT(st, 8, now_iso);
    if (out == OUTCOME_DEFERRED && r->retry_after > 0 &&
        time_parse_iso(now_iso, &now) == 0) {
        time_iso(now + r->retry_after, until);
        TEXT(st, 9, until);
    }
    return step(db, st, "cannot record outcome", ei);
}

static int record_contact_bounced(struct db *db, const struct store_send *s,
                                  const char *now_iso, struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE contacts SET status = ?3, updated_at = ?2"
        " WHERE id = ?1 AND status = ?4";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->contact_id);
    TEXT(st, 2, now_iso);
    TEXT(st, 3, contact_status_name(CONTACT_BOUNCED));
    TEXT(st, 4, contact_status_name(CONTACT_ACTIVE));
    return step(db, st, "cannot mark contact bounced", ei);
}

/* The mailbox's last_error for reply r: the reply, and the fix. */
static void mailbox_error_text(const struct store_send *s,
                               const struct smtp_reply *r, char *err,
                               size_t size)
{
    bool has_esc = r->enhanced[0] &&
                   strncmp(r->text, r->enhanced, strlen(r->enhanced)) != 0;
    char code[16] = "";
    struct diagnosis d;

    if (r->code)
        snprintf(code, sizeof(code), "%d ", r->code);
    snprintf(err, size, "%s: %s%s%s%s", bounce_stage_str(r->stage), code,
             has_esc ? r->enhanced : "", has_esc ? " " : "", r->text);
    /* Say what to do, for whoever reads mailbox list. */
    if (s->who ? diagnose_for(r, s->who, &d)
               : diagnose(r, s->mailbox_email ? s->mailbox_email : "EMAIL",
                          &d))
        snprintf(err + strlen(err), size - strlen(err), " -- %s: %s",
                 d.what, d.fix);
}

static int record_mailbox_full(struct db *db, const struct store_send *s,
                               struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE mailboxes SET full_day = ?2 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->mailbox_id);
    TEXT(st, 2, s->day);
    return step(db, st, "cannot mark mailbox full", ei);
}

/* What the verdict says of the mailbox: last_error, status, full day. */
static int record_mailbox(struct db *db, const struct store_send *s,
                          const struct smtp_reply *r,
                          const struct bounce_verdict *v,
                          const char *now_iso, struct errinfo *ei)
{
    char err[SMTP_TEXT_MAX + 64 + 2 * DIAGNOSE_TEXT_MAX];
    enum mailbox_status status = MBOX_COLD_READY;
    bool set = true;

    mailbox_error_text(s, r, err, sizeof(err));
    if (v->mailbox == MAILBOX_AUTH_FAILED)
        status = MBOX_AUTH_FAILED;
    else if (v->mailbox == MAILBOX_BLOCKED ||
             v->mailbox == MAILBOX_BLOCKED_TENANT)
        status = MBOX_BLOCKED;
    else
        set = false;
    if (store_run_mailbox_error(db, s->mailbox_id, set, status, err,
                                now_iso, ei) < 0)
        return -1;
    if (v->mailbox == MAILBOX_QUOTA_FULL)
        return record_mailbox_full(db, s, ei);
    return 0;
}

int store_run_record(struct db *db, const struct store_send *s,
                     const struct smtp_reply *r,
                     const struct bounce_verdict *v, int max_attempts,
                     const char *now_iso, enum bounce_outcome *final,
                     struct errinfo *ei)
{
    enum bounce_outcome out = v->outcome;
    long long attempts, base;

    /* Held, not committed: the connection's next claim commits it with
     * its own fsync, or db_flush when none follows at once (a worker that
     * waits or ends).  Lost, the row stays 'sending' and becomes
     * 'unknown', never resent. */
    if (db_begin(db, true, ei) < 0)
        return -1;
    if (store_run_attempt(db, s, r, now_iso, ei) < 0 ||
        (attempts = record_attempts(db, s, &base, ei)) < 0)
        goto fail;
    if (v->uses_attempt)
        attempts++;
    if (out == OUTCOME_DEFERRED && attempts - base >= max_attempts)
        out = OUTCOME_FAILED;
    if (record_outcome(db, s, r, out, attempts, now_iso, ei) < 0)
        goto fail;
    if (v->contact_bounced && record_contact_bounced(db, s, now_iso, ei) < 0)
        goto fail;
    if (v->mailbox != MAILBOX_OK &&
        record_mailbox(db, s, r, v, now_iso, ei) < 0)
        goto fail;
    crash_point("record.uncommitted");
    if (db_commit_later(db, ei) < 0)
        return -1;
    *final = out;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int store_run_fail_compose(struct db *db, const struct store_send *s,
                           const char *reason, const char *now_iso,
                           struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO sends(id, run_id, campaign_id, contact_id, mailbox_id,"
        " transport, status, attempts, smtp_text, day, created_at,"
        " last_attempt_at, step)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?10, 0, ?7, ?8, ?9, ?9, ?12)"
        " ON CONFLICT(campaign_id, contact_id, step) DO UPDATE SET"
        " status = ?10, smtp_text = excluded.smtp_text,"
        " run_id = excluded.run_id, mailbox_id = excluded.mailbox_id,"
        " last_attempt_at = excluded.last_attempt_at"
        " WHERE status = ?11";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, s->id);
    TEXT(st, 2, s->run_id);
    sqlite3_bind_int64(st, 3, s->campaign_id);
    sqlite3_bind_int64(st, 4, s->contact_id);
    sqlite3_bind_int64(st, 5, s->mailbox_id);
    TEXT(st, 6, s->transport);
    TEXT(st, 7, reason);
    TEXT(st, 8, s->day);
    TEXT(st, 9, now_iso);
    TEXT(st, 10, send_status_name(SEND_FAILED));
    TEXT(st, 11, send_status_name(SEND_DEFERRED));
    sqlite3_bind_int(st, 12, s->step);
    return step(db, st, "cannot record a failed message", ei);
}

int store_run_mailbox_error(struct db *db, long long mailbox_id,
                            bool status_set, enum mailbox_status status,
                            const char *error, const char *now_iso,
                            struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE mailboxes SET status = COALESCE(?2, status),"
        " last_error = ?3, last_error_at = ?4, updated_at = ?4"
        " WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, mailbox_id);
    if (status_set)
        TEXT(st, 2, mailbox_status_name(status));
    TEXT(st, 3, error);
    TEXT(st, 4, now_iso);
    return step(db, st, "cannot update mailbox", ei);
}
