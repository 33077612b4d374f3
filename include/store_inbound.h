/*
 * store_inbound.h - the database side of reading an inbox (SPEC "Inbound:
 * bounces, replies and unsubscribes"): each message is recorded in table
 * `inbound` and its effect applied IN ONE TRANSACTION, together with the
 * mailbox's cursor, so that a crash never applies an effect twice and
 * never loses one; a (mailbox, source id) already recorded, or after a
 * UIDVALIDITY change a Message-ID already recorded for the mailbox, is
 * skipped.  The classification is the pure core's (inbound_class.h); the
 * send's record is the send path's own (store_run_record, STAGE_DSN).  Not
 * pure.
 */
#ifndef MAILROTA_STORE_INBOUND_H
#define MAILROTA_STORE_INBOUND_H

#include <stdbool.h>

#include "db.h"
#include "err.h"
#include "inbound_class.h"
#include "runplan.h"

/* Where a mailbox's inbox was read up to: IMAP, or Graph. */
struct store_inbound_cursor {
    long long uidvalidity;     /* 0: never read over IMAP */
    long long last_uid;
    char graph_at[21];         /* last receivedDateTime; "": never read */
    char graph_id[256];        /* the id of that message */
};

/* One message read, classified (inbound_classify), not yet settled. */
struct store_inbound_msg {
    long long mailbox_id;
    const char *mailbox_email;
    const char *source_id;     /* "UIDVALIDITY:UID", or the Graph id */
    const char *message_id;    /* normalised (inbound_msgid_norm), or "" */
    const char *received_at;   /* the server's received date, ISO UTC */
    const char *day;           /* local day of now: a quota-full day */
    const char *subject;
    const char *reason;        /* why the message could not be read, or "" */
    const struct inbound_result *cls;
    bool stop_company_on_reply;
    int max_attempts;          /* rules.max_attempts */
};

struct store_inbound_out {
    bool seen;                 /* recorded before: nothing applied now */
    enum inbound_kind kind;    /* settled (inbound_settle) */
    char effect[160];          /* inbound_effect_str */
};

/*
 * Records m and applies its effect, and sets the mailbox's cursor to cur,
 * in one IMMEDIATE transaction.  Matching (first hit wins): a Message-ID
 * of cls->ids equal to a send's; for a bounce or delay a recipient it
 * names, for anything else the From address, equal to a contact sent to
 * from this mailbox in the last 30 days (its latest send).
 */
int store_inbound_record(struct db *db, const struct store_inbound_msg *m,
                         const struct store_inbound_cursor *cur,
                         const char *now_iso, struct store_inbound_out *out,
                         struct errinfo *ei);

/* *cur: mailbox_id's cursor (zeros when it was never read). */
int store_inbound_cursor(struct db *db, long long mailbox_id,
                         struct store_inbound_cursor *cur,
                         struct errinfo *ei);

/* Sets mailbox_id's cursor alone (a read that found nothing new). */
int store_inbound_cursor_set(struct db *db, long long mailbox_id,
                             const struct store_inbound_cursor *cur,
                             const char *now_iso, struct errinfo *ei);

/* A roster mailbox and its inbound reader. */
struct store_inbound_mailbox {
    struct rp_mailbox mb;
    char reader[8];            /* "imap", "graph" or "none" (resolved) */
    bool xoauth2;              /* IMAP with AUTHENTICATE XOAUTH2 */
};

/*
 * The roster (only `email` when not NULL), each mailbox's reader: its
 * mailboxes.inbound, else its auth's (plain/login: imap, xoauth2: imap
 * with XOAUTH2, graph: graph).  *out is new (store_inbound_mailboxes_free).
 */
int store_inbound_mailboxes(struct db *db, const char *email,
                            struct store_inbound_mailbox **out, size_t *n,
                            struct errinfo *ei);
void store_inbound_mailboxes_free(struct store_inbound_mailbox *v, size_t n);

/* Sets mailbox id's reader: "imap", "graph" or "none" (--inbound). */
int store_inbound_set_reader(struct db *db, long long id, const char *reader,
                             struct errinfo *ei);

#endif
