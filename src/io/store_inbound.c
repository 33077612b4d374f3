/*
 * store_inbound.c - recording inbound messages and applying their effects
 * (see store_inbound.h).  The send's outcome of a delivery report is
 * written by the send path's own record (store_run_record with a
 * STAGE_DSN reply), inside this file's transaction (db_begin nests).
 */
#include "store_inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"
#include "store.h"
#include "store_forget.h"
#include "store_impl.h"
#include "store_run.h"
#include "util.h"

#include "banned.h"

#define TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_STATIC)

/* SPEC: a recipient or sender matches a contact sent to in 30 days. */
#define MATCH_DAYS 30

/* The send a message answers, when one matched. */
struct match {
    char send_id[64];
    char transport[8];
    long long campaign_id;
    long long contact_id;
    char contact_email[INBOUND_ADDR_MAX];
};

static void match_read(sqlite3_stmt *st, struct match *mt)
{
    const unsigned char *t;

    snprintf(mt->send_id, sizeof(mt->send_id), "%s",
             (const char *)sqlite3_column_text(st, 0));
    mt->contact_id = sqlite3_column_int64(st, 1);
    mt->campaign_id = sqlite3_column_int64(st, 2);
    t = sqlite3_column_text(st, 3);
    snprintf(mt->contact_email, sizeof(mt->contact_email), "%s",
             t ? (const char *)t : "");
    t = sqlite3_column_text(st, 4);
    snprintf(mt->transport, sizeof(mt->transport), "%s",
             t ? (const char *)t : "smtp");
}

/* *found: whether the statement st (bound) gave a row, read into mt. */
static int match_step(struct db *db, sqlite3_stmt *st, struct match *mt,
                      bool *found, struct errinfo *ei)
{
    int rc = sqlite3_step(st);

    *found = rc == SQLITE_ROW;
    if (*found)
        match_read(st, mt);
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot match an inbound message");
    return 0;
}

static int match_by_id(struct db *db, const char *id, struct match *mt,
                       bool *found, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT s.id, s.contact_id, s.campaign_id, c.email, s.transport"
        " FROM sends s JOIN contacts c ON c.id = s.contact_id"
        " WHERE lower(trim(s.message_id, '<>')) = lower(?1) LIMIT 1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, id);
    return match_step(db, st, mt, found, ei);
}

/* The latest send from mailbox_id to the contact `addr` since `since`. */
static int match_by_addr(struct db *db, long long mailbox_id,
                         const char *addr, const char *since,
                         struct match *mt, bool *found, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT s.id, s.contact_id, s.campaign_id, c.email, s.transport"
        " FROM sends s JOIN contacts c ON c.id = s.contact_id"
        " WHERE c.email = ?1 AND s.mailbox_id = ?2"
        " AND COALESCE(s.sent_at, s.last_attempt_at, s.created_at) >= ?3"
        " ORDER BY COALESCE(s.sent_at, s.last_attempt_at, s.created_at)"
        " DESC, s.rowid DESC LIMIT 1";
    sqlite3_stmt *st = NULL;

    *found = false;
    if (!addr[0])
        return 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    TEXT(st, 1, addr);
    sqlite3_bind_int64(st, 2, mailbox_id);
    TEXT(st, 3, since);
    return match_step(db, st, mt, found, ei);
}

/*
 * SPEC "Matching to a send", first hit wins; *rcpt the report's recipient
 * the effect is read from (bounce and delay).
 */
static int match_send(struct db *db, const struct store_inbound_msg *m,
                      const char *since, struct match *mt, bool *found,
                      const struct inbound_rcpt **rcpt, struct errinfo *ei)
{
    const struct inbound_result *r = m->cls;
    bool report = r->kind == INBOUND_BOUNCE || r->kind == INBOUND_DELAY;

    *rcpt = report && r->n_rcpts ? &r->rcpt[0] : NULL;
    *found = false;
    for (size_t i = 0; i < r->n_ids && !*found; i++)
        if (match_by_id(db, r->ids[i], mt, found, ei) < 0)
            return -1;
    if (*found) {
        for (size_t i = 0; report && i < r->n_rcpts; i++)
            if (strcasecmp(r->rcpt[i].addr, mt->contact_email) == 0)
                *rcpt = &r->rcpt[i];
        return 0;
    }
    if (!report)
        return match_by_addr(db, m->mailbox_id, r->from_addr, since, mt,
                             found, ei);
    for (size_t i = 0; i < r->n_rcpts && !*found; i++) {
        if (match_by_addr(db, m->mailbox_id, r->rcpt[i].addr, since, mt,
                          found, ei) < 0)
            return -1;
        if (*found)
            *rcpt = &r->rcpt[i];
    }
    return 0;
}

/*
 * *seen: m's source id, or its Message-ID, is recorded for the mailbox.
 * Two index searches, not one WHERE with an OR: SQLite 3.40 plans
 * "mailbox_id = ? AND (source_id = ? OR message_id = ?)" as a walk over
 * every inbound row of the mailbox, which made a pass quadratic in the
 * mailbox's history (bench/inbox.sh: 2.6 ms of CPU per message at
 * 10,000).
 */
static int inbound_seen(struct db *db, const struct store_inbound_msg *m,
                        bool *seen, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT 1 FROM inbound WHERE mailbox_id = ?1 AND source_id = ?2"
        " UNION ALL"
        " SELECT 1 FROM inbound WHERE mailbox_id = ?1 AND message_id = ?3"
        " AND ?3 <> '' LIMIT 1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, m->mailbox_id);
    TEXT(st, 2, m->source_id);
    TEXT(st, 3, m->message_id ? m->message_id : "");
    rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read inbound");
    return 0;
}

static int cursor_put(struct db *db, long long mailbox_id,
                      const struct store_inbound_cursor *cur,
                      const char *now_iso, struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO inbound_cursors(mailbox_id, uidvalidity, last_uid,"
        " updated_at, graph_received_at, graph_id)"
        " VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), nullif(?6, ''))"
        " ON CONFLICT(mailbox_id) DO UPDATE SET"
        " uidvalidity = excluded.uidvalidity,"
        " last_uid = excluded.last_uid, updated_at = excluded.updated_at,"
        " graph_received_at = excluded.graph_received_at,"
        " graph_id = excluded.graph_id";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, mailbox_id);
    sqlite3_bind_int64(st, 2, cur->uidvalidity);
    sqlite3_bind_int64(st, 3, cur->last_uid);
    TEXT(st, 4, now_iso);
    TEXT(st, 5, cur->graph_at);
    TEXT(st, 6, cur->graph_id);
    return store_step_done(db, st, "cannot advance the inbound cursor", ei);
}

int store_inbound_cursor(struct db *db, long long mailbox_id,
                         struct store_inbound_cursor *cur,
                         struct errinfo *ei)
{
    static const char sql[] =
        "SELECT uidvalidity, last_uid, coalesce(graph_received_at, ''),"
        " coalesce(graph_id, '') FROM inbound_cursors"
        " WHERE mailbox_id = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    memset(cur, 0, sizeof(*cur));
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, mailbox_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        cur->uidvalidity = sqlite3_column_int64(st, 0);
        cur->last_uid = sqlite3_column_int64(st, 1);
        snprintf(cur->graph_at, sizeof(cur->graph_at), "%s",
                 (const char *)sqlite3_column_text(st, 2));
        snprintf(cur->graph_id, sizeof(cur->graph_id), "%s",
                 (const char *)sqlite3_column_text(st, 3));
    }
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the inbound cursor");
    return 0;
}

int store_inbound_cursor_set(struct db *db, long long mailbox_id,
                             const struct store_inbound_cursor *cur,
                             const char *now_iso, struct errinfo *ei)
{
    return cursor_put(db, mailbox_id, cur, now_iso, ei);
}

/* Sets a contact's status when it is one of from1, from2 (from2 may be
 * CONTACT_STATUS_COUNT: none). */
static int contact_status_set(struct db *db, long long id,
                              enum contact_status to,
                              enum contact_status from1,
                              enum contact_status from2, const char *now_iso,
                              struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE contacts SET status = ?2, updated_at = ?3"
        " WHERE id = ?1 AND (status = ?4 OR status = ?5)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    TEXT(st, 2, contact_status_name(to));
    TEXT(st, 3, now_iso);
    TEXT(st, 4, contact_status_name(from1));
    db_bind_text_or_null(st, 5, contact_status_name(from2));
    return store_step_done(db, st, "cannot change the contact", ei);
}

/* A delivery report's effect on its send (and through the send path's
 * record, on the contact and the mailbox). */
static int apply_report(struct db *db, const struct store_inbound_msg *m,
                        const struct match *mt,
                        const struct inbound_rcpt *rc,
                        const struct inbound_effect *e, struct errinfo *ei)
{
    struct store_send s;
    struct smtp_reply r;
    struct bounce_verdict v;
    enum bounce_outcome final;

    memset(&r, 0, sizeof(r));
    r.stage = STAGE_DSN;
    if (rc) {
        r.code = rc->smtp_code;
        snprintf(r.enhanced, sizeof(r.enhanced), "%s", rc->status);
        snprintf(r.text, sizeof(r.text), "%s", rc->diagnostic);
    }
    memset(&s, 0, sizeof(s));
    s.id = mt->send_id;
    s.campaign_id = mt->campaign_id;
    s.contact_id = mt->contact_id;
    s.mailbox_id = m->mailbox_id;
    s.mailbox_email = m->mailbox_email;
    s.transport = mt->transport;
    s.day = m->day;
    /* A delay: the attempts row (stage dsn) alone, the send as it is. */
    if (m->cls->kind == INBOUND_DELAY)
        return e->attempt_row ? store_run_attempt(db, &s, &r, m->received_at,
                                                  ei) : 0;
    bounce_classify(&r, &v);
    return store_run_record(db, &s, &r, &v, m->max_attempts, m->received_at,
                            &final, ei);
}

/* The contact's side of a reply or an unsubscribe request. */
static int apply_contact(struct db *db, const struct store_inbound_msg *m,
                         long long contact_id, const char *addr,
                         const struct inbound_effect *e, const char *now_iso,
                         struct errinfo *ei)
{
    if (e->contact == INBOUND_CONTACT_REPLIED && contact_id &&
        contact_status_set(db, contact_id, CONTACT_REPLIED, CONTACT_ACTIVE,
                           CONTACT_STATUS_COUNT, now_iso, ei) < 0)
        return -1;
    if (e->contact == INBOUND_CONTACT_UNSUBSCRIBED && contact_id &&
        contact_status_set(db, contact_id, CONTACT_UNSUBSCRIBED,
                           CONTACT_ACTIVE, CONTACT_REPLIED, now_iso, ei) < 0)
        return -1;
    if (e->suppress && addr[0] &&
        store_suppression_put(db, addr, "unsubscribe-reply", now_iso,
                              ei) < 0)
        return -1;
    (void)m;
    return 0;
}

/* erased: the sender was erased (`contact forget`), so neither its
 * address nor its subject is kept. */
static int insert_row(struct db *db, const struct store_inbound_msg *m,
                      const char *kind, const struct inbound_rcpt *rc,
                      const char *send_id, long long contact_id,
                      bool erased, const char *effect, const char *now_iso,
                      struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO inbound(mailbox_id, source_id, message_id,"
        " received_at, from_addr, subject, kind, status_code, diagnostic,"
        " send_id, contact_id, effect, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    sqlite3_stmt *st = NULL;
    const char *diag = m->reason && m->reason[0] ? m->reason
                       : rc ? rc->diagnostic : NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, m->mailbox_id);
    TEXT(st, 2, m->source_id);
    db_bind_text_or_null(st, 3, m->message_id);
    TEXT(st, 4, m->received_at);
    db_bind_text_or_null(st, 5, erased ? NULL : m->cls->from_addr);
    db_bind_text_or_null(st, 6, erased ? NULL : m->subject);
    TEXT(st, 7, kind);
    db_bind_text_or_null(st, 8, rc ? rc->status : NULL);
    db_bind_text_or_null(st, 9, diag);
    db_bind_text_or_null(st, 10, send_id);
    if (contact_id)
        sqlite3_bind_int64(st, 11, contact_id);
    TEXT(st, 12, effect);
    TEXT(st, 13, now_iso);
    return store_step_done(db, st, "cannot record an inbound message", ei);
}

/* Matches m, applies its effect and records it (inside the transaction). */
static int record(struct db *db, const struct store_inbound_msg *m,
                  const char *now_iso, struct store_inbound_out *out,
                  struct errinfo *ei)
{
    const struct inbound_rcpt *rc = NULL;
    struct inbound_effect e;
    struct match mt;
    bool found = false, erased = false;
    long long contact_id = 0;
    char since[ISO_TIME_LEN];
    const char *addr;
    int64_t now = 0;

    time_parse_iso(now_iso, &now);
    time_iso(now - (int64_t)MATCH_DAYS * 86400, since);
    memset(&mt, 0, sizeof(mt));
    if (match_send(db, m, since, &mt, &found, &rc, ei) < 0)
        return -1;
    contact_id = found ? mt.contact_id : 0;
    if (!found && m->cls->from_addr[0] &&
        store_contact_id(db, m->cls->from_addr, &contact_id, ei) < 0)
        return -1;
    out->kind = inbound_settle(m->cls->kind, found || contact_id);
    inbound_effect(out->kind, rc ? rc->status : NULL,
                   rc ? rc->smtp_code : 0, m->stop_company_on_reply, &e);
    if ((out->kind == INBOUND_BOUNCE || out->kind == INBOUND_DELAY) &&
        !found)
        memset(&e, 0, sizeof(e));  /* no send of ours: nothing to change */
    if (!contact_id)
        e.contact = INBOUND_CONTACT_UNCHANGED;
    if (!found)
        e.company_stop = false;
    if (found && (out->kind == INBOUND_BOUNCE || out->kind == INBOUND_DELAY)
        && apply_report(db, m, &mt, rc, &e, ei) < 0)
        return -1;
    addr = found ? mt.contact_email : m->cls->from_addr;
    if (!found && addr[0] && store_address_erased(db, addr, &erased, ei) < 0)
        return -1;
    if (erased)
        e.suppress = false;   /* its sha256: row suppresses it already */
    if (apply_contact(db, m, contact_id, addr, &e, now_iso, ei) < 0)
        return -1;
    inbound_effect_str(&e, out->effect, sizeof(out->effect));
    return insert_row(db, m, inbound_kind_str(out->kind), rc,
                      found ? mt.send_id : NULL, contact_id, erased,
                      out->effect, now_iso, ei);
}

int store_inbound_record(struct db *db, const struct store_inbound_msg *m,
                         const struct store_inbound_cursor *cur,
                         const char *now_iso, struct store_inbound_out *out,
                         struct errinfo *ei)
{
    memset(out, 0, sizeof(*out));
    if (db_begin(db, true, ei) < 0)
        return -1;
    if (inbound_seen(db, m, &out->seen, ei) < 0)
        goto fail;
    if (!out->seen && record(db, m, now_iso, out, ei) < 0)
        goto fail;
    if (cursor_put(db, m->mailbox_id, cur, now_iso, ei) < 0)
        goto fail;
    crash_point("inbox.uncommitted");
    if (db_commit(db, ei) < 0)
        return -1;
    crash_point("inbox.committed");
    return 0;
fail:
    db_rollback(db);
    return -1;
}

/* The reader of a mailbox: its own setting, else its auth's. */
static void resolve_reader(const char *inbound, struct store_inbound_mailbox *v)
{
    const char *auth = v->mb.auth ? v->mb.auth : "plain";

    v->xoauth2 = strcmp(auth, "xoauth2") == 0;
    if (inbound && *inbound)
        snprintf(v->reader, sizeof(v->reader), "%s", inbound);
    else
        snprintf(v->reader, sizeof(v->reader), "%s",
                 strcmp(auth, "graph") == 0 ? "graph" : "imap");
    /* A graph mailbox read over IMAP authenticates with its token. */
    if (strcmp(auth, "graph") == 0 && strcmp(v->reader, "imap") == 0)
        v->xoauth2 = true;
}

int store_inbound_mailboxes(struct db *db, const char *email,
                            struct store_inbound_mailbox **out, size_t *n,
                            struct errinfo *ei)
{
    static const char sql[] =
        "SELECT id, email, display_name, status, auth, fallback, secret,"
        " password_env, password_cmd, inbound FROM mailboxes"
        " WHERE ?1 IS NULL OR email = ?1 ORDER BY id";
    struct store_inbound_mailbox *v = NULL;
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    db_bind_text_or_null(st, 1, email);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_inbound_mailbox *x;

        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            v = xrealloc(v, cap * sizeof(*v));
        }
        x = &v[(*n)++];
        memset(x, 0, sizeof(*x));
        x->mb.id = sqlite3_column_int64(st, 0);
        x->mb.email = db_column_strdup(st, 1);
        x->mb.display_name = db_column_strdup(st, 2);
        x->mb.status = db_column_strdup(st, 3);
        x->mb.auth = db_column_strdup(st, 4);
        x->mb.fallback = db_column_strdup(st, 5);
        x->mb.secret = db_column_strdup(st, 6);
        x->mb.password_env = db_column_strdup(st, 7);
        x->mb.password_cmd = db_column_strdup(st, 8);
        resolve_reader((const char *)sqlite3_column_text(st, 9), x);
    }
    db_done(st);
    *out = v;
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the roster");
    return 0;
}

void store_inbound_mailboxes_free(struct store_inbound_mailbox *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct rp_mailbox *m = &v[i].mb;

        free(m->email);
        free(m->display_name);
        free(m->status);
        free(m->auth);
        free(m->fallback);
        free(m->secret);
        free(m->password_env);
        free(m->password_cmd);
    }
    free(v);
}

int store_inbound_set_reader(struct db *db, long long id, const char *reader,
                             struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE mailboxes SET inbound = ?2 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    TEXT(st, 2, reader);
    return store_step_done(db, st, "cannot update mailbox", ei);
}
