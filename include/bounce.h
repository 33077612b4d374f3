/*
 * bounce.h - what a server's reply means for a send, its contact and its
 * mailbox (SPEC "Outcomes and bounce codes"), as one rule on the reply's
 * stage and first digit plus a table of enhanced status codes (OpenSMTPD
 * esc.c).  Pure.
 */
#ifndef MAILROTA_BOUNCE_H
#define MAILROTA_BOUNCE_H

#include <stdbool.h>

#include "status.h"

/* Where a try stopped; the names are attempts.stage. */
enum bounce_stage {
    STAGE_CONNECT = 0,
    STAGE_TLS,
    STAGE_AUTH,
    STAGE_MAIL,
    STAGE_RCPT,
    STAGE_DATA,
    STAGE_HTTP,
    STAGE_TOKEN,
    STAGE_DSN,     /* a delivery report (NDR) read from the inbox */
};

#define SMTP_ENHANCED_MAX 16
#define SMTP_TEXT_MAX 512

/* The last reply of a try (for Graph: HTTP status, error code, message). */
struct smtp_reply {
    enum bounce_stage stage;
    int code;                          /* 250, 550, ...; 0: no reply */
    char enhanced[SMTP_ENHANCED_MAX];  /* "5.1.1", or "" */
    char text[SMTP_TEXT_MAX];          /* reply text, control chars removed */
    bool conn_lost;   /* connection lost or timed out before a reply */
    bool auth_missing;/* the server offered no AUTH the mailbox can use:
                         nothing was sent (never unauthenticated) */
    bool oauth;       /* authenticated with a token (XOAUTH2/Graph) */
    bool graph;       /* the try went to Microsoft Graph (HTTPS) */
    int retry_after;  /* seconds the server asked to wait (Retry-After) */
};

enum bounce_outcome {
    OUTCOME_SENT = 0,
    OUTCOME_DEFERRED,
    OUTCOME_BOUNCED,
    OUTCOME_FAILED,
    OUTCOME_UNKNOWN,
};

enum bounce_mailbox_action {
    MAILBOX_OK = 0,
    MAILBOX_REST,          /* rests for the rest of the run */
    MAILBOX_AUTH_FAILED,   /* status auth-failed, last_error set */
    MAILBOX_BLOCKED,       /* status blocked */
    MAILBOX_BLOCKED_TENANT,/* blocked, and its whole domain stops this run */
    MAILBOX_QUOTA_FULL,    /* full for the rest of the local day */
};

struct bounce_verdict {
    enum bounce_outcome outcome;
    bool uses_attempt;     /* the try reached MAIL FROM */
    bool move;             /* hand the message to another mailbox this run */
    bool contact_bounced;  /* contact status becomes bounced */
    bool fallback_graph;   /* 5.7.139 / 5.7.30 at AUTH: Graph may take over */
    enum bounce_mailbox_action mailbox;
};

/*
 * Classifies a reply.  r->code 250 at STAGE_DATA is `sent`.
 * STAGE_DSN: one recipient of a delivery report with Action `failed`
 * (SPEC "Inbound ... Effects"): r->enhanced is its Status, r->code the
 * Diagnostic-Code's reply code (0: none).  Sender-side limits defer the
 * send (mailbox full for the day), 5.7.705/5.7.708 block as a reply
 * would, 5.1.x and 5.4.1 bounce the contact, anything else (other 5.x.x,
 * 4.x.x the remote server gave up on, no status) bounces only the send.
 * uses_attempt and move are false: the try was counted when it was sent.
 */
void bounce_classify(const struct smtp_reply *r, struct bounce_verdict *v);

/*
 * Finds an RFC 3463 enhanced status code ("5.1.1", "4.7.139") at the start
 * of text (after the reply code, if present) or, failing that, anywhere in
 * it; writes it to out (NUL-terminated) and returns true.
 */
bool bounce_parse_enhanced(const char *text, char out[SMTP_ENHANCED_MAX]);

/*
 * Whether an enhanced status code ("5.1.90") with reply code `code` (0:
 * none, as an NDR's Status) is a sender-side limit: the sending mailbox is
 * over a daily quota, and the message waits rather than bounces.  The one
 * list of them, for replies and NDRs alike.
 */
bool bounce_sender_limit(const char *esc, int code);

/* The enhanced code a reply is classified by: its own, else the first in
 * its text, and "" when none agrees with the reply code's class. */
void bounce_effective_esc(const struct smtp_reply *r,
                          char esc[SMTP_ENHANCED_MAX]);

const char *bounce_stage_str(enum bounce_stage s);
/* The send status an outcome records (status.h has the names). */
enum send_status bounce_outcome_status(enum bounce_outcome o);
const char *bounce_outcome_str(enum bounce_outcome o);

#endif
