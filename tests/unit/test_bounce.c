/*
 * test_bounce.c - bounce_classify() on real replies (Postfix, Exchange
 * Online, Microsoft Graph) and bounce_parse_enhanced(), table-driven.
 */
#include "bounce.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

/* short names for the table */
#define CONN STAGE_CONNECT
#define TLS STAGE_TLS
#define AUTH STAGE_AUTH
#define MAIL STAGE_MAIL
#define RCPT STAGE_RCPT
#define DATA STAGE_DATA
#define HTTP STAGE_HTTP
#define TOKEN STAGE_TOKEN

#define SENT OUTCOME_SENT
#define DEFER OUTCOME_DEFERRED
#define BOUNCE OUTCOME_BOUNCED
#define FAIL OUTCOME_FAILED
#define UNKN OUTCOME_UNKNOWN

#define MB_OK MAILBOX_OK
#define REST MAILBOX_REST
#define AUTHF MAILBOX_AUTH_FAILED
#define BLOCK MAILBOX_BLOCKED
#define TENANT MAILBOX_BLOCKED_TENANT
#define QUOTA MAILBOX_QUOTA_FULL

/* flags */
#define LOST (1 << 0)  /* conn_lost */
#define OAUTH (1 << 1) /* authenticated with a token */
#define USES (1 << 2)  /* verdict: uses_attempt */
#define MOVE (1 << 3)  /* verdict: move */
#define CB (1 << 4)    /* verdict: contact_bounced */
#define GRAPH (1 << 5) /* verdict: fallback_graph */
#define NOAUTH (1 << 6) /* auth_missing: no usable AUTH was offered */

struct classify_case {
    enum bounce_stage stage;
    int code;
    const char *text; /* the reply as the server sent it */
    int in;           /* LOST, OAUTH, NOAUTH */
    enum bounce_outcome outcome;
    int want;         /* USES, MOVE, CB, GRAPH */
    enum bounce_mailbox_action mailbox;
};

static const struct classify_case classify_cases[] = {
    /* 250 after DATA */
    {DATA, 250, "250 2.0.0 Ok: queued as 4F3B21C0A1", 0, SENT, USES, MB_OK},
    {DATA, 250, "250 2.0.0 OK <CAF1x@mail.example> [Hostname=BN0PR04MB8000."
     "namprd04.prod.outlook.com] Queued mail for delivery", 0, SENT, USES,
     MB_OK},
    {DATA, 251, "251 2.1.5 OK", 0, SENT, USES, MB_OK},

    /* 4xx at RCPT or DATA: deferred, retried later */
    {RCPT, 451, "451 4.7.1 Service unavailable - try again later", 0, DEFER,
     USES, MB_OK},
    {RCPT, 452, "452 4.5.3 Too many recipients", 0, DEFER, USES, MB_OK},
    {RCPT, 450, "450 4.2.0 <ann@acme.example>: Recipient address rejected: "
     "Greylisted, see http://postgrey.schweikert.ch/help/acme.example.html",
     0, DEFER, USES, MB_OK},
    {DATA, 451, "451 4.3.0 Error: queue file write error", 0, DEFER, USES,
     MB_OK},
    {DATA, 452, "452 4.3.1 Insufficient system storage", 0, DEFER, USES,
     MB_OK},
    {MAIL, 451, "451 4.3.0 <brian@exzelon.example>: Temporary lookup failure",
     0, DEFER, USES, MB_OK},

    /* 5.1.x at RCPT or DATA: bounced, contact bounced */
    {RCPT, 550, "550 5.1.1 <x@y>: Recipient address rejected: User unknown "
     "in virtual mailbox table", 0, BOUNCE, USES | CB, MB_OK},
    {RCPT, 550, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
     "found by SMTP address lookup", 0, BOUNCE, USES | CB, MB_OK},
    {RCPT, 550, "550-5.1.1 The email account that you tried to reach does "
     "not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser",
     0, BOUNCE, USES | CB, MB_OK},
    {DATA, 550, "550 5.1.1 <ann@acme.example>: Recipient address rejected",
     0, BOUNCE, USES | CB, MB_OK},

    /* other 5xx at RCPT/DATA: bounced, contact unchanged */
    {DATA, 552, "552 5.3.4 Message size exceeds fixed limit", 0, BOUNCE, USES,
     MB_OK},
    {RCPT, 554, "554 5.7.1 <ann@acme.example>: Relay access denied", 0,
     BOUNCE, USES, MB_OK},
    {RCPT, 550, "550 Requested action not taken: mailbox unavailable", 0,
     BOUNCE, USES, MB_OK},
    {RCPT, 552, "552 5.2.2 <ann@acme.example>: Recipient mailbox full, "
     "quota exceeded", 0, BOUNCE, USES, MB_OK},
    /* the recipient's full mailbox is not the sender's quota */
    {RCPT, 554, "554 5.2.2 mailbox full; quota exceeded", 0, BOUNCE, USES,
     MB_OK},
    {DATA, 554, "554 5.7.9 Message not accepted for policy reasons", 0,
     BOUNCE, USES, MB_OK},

    /* failure before MAIL FROM: deferred, no attempt used, moved, rests */
    {CONN, 0, "", LOST, DEFER, MOVE, REST},
    {CONN, 0, "", 0, DEFER, MOVE, REST},
    {CONN, 421, "421 4.7.0 Temporary System Problem", 0, DEFER, MOVE, REST},
    {CONN, 421, "421 4.3.2 Service not available, closing transmission "
     "channel", 0, DEFER, MOVE, REST},
    {CONN, 554, "554 5.7.1 Service unavailable; Client host [192.0.2.7] "
     "blocked using zen.spamhaus.org", 0, DEFER, MOVE, REST},
    {TLS, 0, "", LOST, DEFER, MOVE, REST},
    {TLS, 0, "SSL certificate problem: unable to get local issuer "
     "certificate", 0, DEFER, MOVE, REST},
    {TLS, 454, "454 4.7.0 TLS not available due to local problem", 0, DEFER,
     MOVE, REST},
    {AUTH, 0, "", LOST, DEFER, MOVE, REST},
    {AUTH, 454, "454 4.7.0 Temporary authentication failure", 0, DEFER, MOVE,
     REST},
    {AUTH, 421, "421 4.7.0 Temporary System Problem", 0, DEFER, MOVE, REST},
    {AUTH, 432, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit "
     "exceeded", 0, DEFER, MOVE, REST},
    {AUTH, 334, "334 UGFzc3dvcmQ6", 0, DEFER, MOVE, REST},

    /* AUTH refused: mailbox auth-failed; 5.7.139 / 5.7.30 allow Graph */
    {AUTH, 535, "535 5.7.139 Authentication unsuccessful, the user "
     "credentials were incorrect", 0, DEFER, MOVE | GRAPH, AUTHF},
    {AUTH, 535, "535 5.7.139 Authentication unsuccessful, "
     "SmtpClientAuthentication is disabled for the Tenant. Visit "
     "https://aka.ms/smtp_auth_disabled for more information.", 0, DEFER,
     MOVE | GRAPH, AUTHF},
    {AUTH, 535, "535 5.7.139 Authentication unsuccessful, user is locked by "
     "your organization's security defaults policy. Contact your "
     "administrator.", 0, DEFER, MOVE | GRAPH, AUTHF},
    {AUTH, 535, "535 5.7.3 Authentication unsuccessful", 0, DEFER, MOVE,
     AUTHF},
    {AUTH, 535, "535 5.7.3 Authentication unsuccessful", OAUTH, DEFER, MOVE,
     AUTHF},
    {AUTH, 535, "535 5.7.30 Basic authentication is not supported for "
     "Client Submission", 0, DEFER, MOVE | GRAPH, AUTHF},
    {AUTH, 535, "535 Basic authentication is not supported for Client "
     "Submission", 0, DEFER, MOVE | GRAPH, AUTHF},
    {AUTH, 535, "535 Authentication failed", 0, DEFER, MOVE, AUTHF},
    {AUTH, 535, "535 5.7.8 Error: authentication failed: authentication "
     "failure", 0, DEFER, MOVE, AUTHF},
    {AUTH, 530, "530 5.7.57 Client not authenticated to send mail", 0, DEFER,
     MOVE, AUTHF},
    {AUTH, 504, "504 5.5.4 Unrecognized authentication type", 0, DEFER, MOVE,
     AUTHF},
    /* a tenant block seen before MAIL FROM: nothing sent, so it moves */
    {AUTH, 550, "550 5.7.708 Service unavailable. Access denied, traffic not "
     "accepted from this IP", 0, DEFER, MOVE, TENANT},

    /* 432 / 4.3.2 or 421 at MAIL/RCPT/DATA: attempt used, moved, rests */
    {MAIL, 432, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit "
     "exceeded", 0, DEFER, USES | MOVE, REST},
    {RCPT, 432, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit "
     "exceeded", 0, DEFER, USES | MOVE, REST},
    {RCPT, 421, "421 4.7.0 Temporary System Problem", 0, DEFER, USES | MOVE,
     REST},
    {DATA, 421, "421 4.4.2 mx.acme.example Error: timeout exceeded", 0, DEFER,
     USES | MOVE, REST},
    {DATA, 451, "451 4.3.2 System not accepting network messages", 0, DEFER,
     USES | MOVE, REST},

    /* tenant or sender blocked: failed, mailbox blocked */
    {RCPT, 550, "550 5.7.705 Access denied, tenant has exceeded threshold",
     0, FAIL, USES, TENANT},
    {MAIL, 550, "550 5.7.708 Service unavailable. Access denied, traffic not "
     "accepted from this IP", 0, FAIL, USES, TENANT},
    {DATA, 550, "550 5.7.708 Service unavailable. Access denied, traffic not "
     "accepted from this IP", 0, FAIL, USES, TENANT},
    {DATA, 550, "550 5.7.501 Access denied, spam abuse detected", 0, FAIL,
     USES, BLOCK},
    {MAIL, 550, "550 5.7.501 Access denied, spam abuse detected", 0, FAIL,
     USES, BLOCK},

    /* daily submission quota: deferred, mailbox full for the day */
    {DATA, 554, "554 5.2.0 STOREDRV.Submission.Exception:"
     "SubmissionQuotaExceededException", 0, DEFER, USES | MOVE, QUOTA},
    {MAIL, 554, "554 5.2.0 STOREDRV.Submission.Exception:"
     "SubmissionQuotaExceededException; Failed to process message due to a "
     "permanent exception", 0, DEFER, USES | MOVE, QUOTA},
    {RCPT, 554, "554 SubmissionQuotaExceededException", 0, DEFER,
     USES | MOVE, QUOTA},
    {DATA, 550, "550 5.7.0 SubmissionQuotaExceededException", 0, DEFER,
     USES | MOVE, QUOTA},
    {DATA, 554, "554 Sending quota exceeded for this account", 0, DEFER,
     USES | MOVE, QUOTA},
    /* the other sender-side limits, Exchange's daily recipient limit
     * (5.1.90: not a 5.1.x bounce) and daily sending limit (5.4.5) */
    {RCPT, 550, "550 5.1.90 Your message can't be sent because you've "
     "reached your daily limit for message recipients.", 0, DEFER,
     USES | MOVE, QUOTA},
    {DATA, 550, "550 5.1.90 Your message can't be sent because you've "
     "reached your daily limit for message recipients.", 0, DEFER,
     USES | MOVE, QUOTA},
    {MAIL, 550, "550 5.1.90 daily limit for message recipients", 0, DEFER,
     USES | MOVE, QUOTA},
    {DATA, 550, "550 5.4.5 Daily user sending quota exceeded.", 0, DEFER,
     USES | MOVE, QUOTA},
    {RCPT, 550, "550-5.4.5 Daily user sending limit exceeded. For more "
     "information on Gmail sending limits 550 5.4.5 https://support.google."
     "com/a/answer/166852", 0, DEFER, USES | MOVE, QUOTA},
    /* ... but only these codes */
    {RCPT, 550, "550 5.1.9 x", 0, BOUNCE, USES | CB, MB_OK},
    {RCPT, 550, "550 5.1.900 x", 0, BOUNCE, USES | CB, MB_OK},
    {DATA, 550, "550 5.4.50 x", 0, BOUNCE, USES, MB_OK},
    {RCPT, 450, "450 4.4.5 x", 0, DEFER, USES, MB_OK},

    /* a refused sender at MAIL FROM: failed, the contact is not touched */
    {MAIL, 550, "550 5.7.1 Client does not have permissions to send as this "
     "sender", 0, FAIL, USES, REST},
    {MAIL, 553, "553 5.1.8 <brian@exzelon.example>: Sender address "
     "rejected: Domain not found", 0, FAIL, USES, REST},
    {MAIL, 530, "530 5.7.57 Client not authenticated to send mail. Error: "
     "535 5.7.139 Authentication unsuccessful", 0, FAIL, USES, REST},

    /* connection lost after MAIL FROM */
    {MAIL, 0, "", LOST, DEFER, USES | MOVE, REST},
    {RCPT, 0, "", LOST, DEFER, USES | MOVE, REST},
    {RCPT, 0, "", 0, DEFER, USES | MOVE, REST},
    {RCPT, 250, "250 2.1.5 Ok", 0, DEFER, USES | MOVE, REST},
    /* ... and before the reply to DATA's final dot: unknown */
    {DATA, 0, "", LOST, UNKN, USES, MB_OK},
    {DATA, 0, "", 0, UNKN, USES, MB_OK},
    {DATA, 354, "354 End data with <CR><LF>.<CR><LF>", 0, UNKN, USES, MB_OK},
    {DATA, 250, "250 2.0.0 Ok: queued", LOST, UNKN, USES, MB_OK},

    /* an enhanced code whose class disagrees is ignored */
    {RCPT, 450, "450 5.1.1 odd server", 0, DEFER, USES, MB_OK},
    {RCPT, 550, "550 4.7.1 odd server", 0, BOUNCE, USES, MB_OK},

    /* Microsoft Graph sendMail */
    {HTTP, 202, "", 0, SENT, USES, MB_OK},
    {HTTP, 429, "ApplicationThrottled: Application is over its "
     "MailboxConcurrency limit.", 0, DEFER, USES, MB_OK},
    {HTTP, 503, "ServiceUnavailable: Service temporarily unavailable", 0,
     DEFER, USES, MB_OK},
    {HTTP, 400, "ErrorInvalidRecipients: At least one recipient isn't valid.",
     0, BOUNCE, USES | CB, MB_OK},
    {HTTP, 400, "ErrorMimeContentInvalidBase64String: Invalid base64 string "
     "for MIME content.", 0, FAIL, USES, MB_OK},
    {HTTP, 401, "InvalidAuthenticationToken: Access token has expired or is "
     "not yet valid.", OAUTH, DEFER, MOVE, AUTHF},
    {HTTP, 403, "ErrorAccessDenied: Access is denied. Check credentials and "
     "try again.", OAUTH, DEFER, MOVE, AUTHF},
    {HTTP, 404, "ErrorInvalidUser: The requested user 'x@y' is invalid.", 0,
     FAIL, USES, MB_OK},
    {HTTP, 500, "InternalServerError: An internal server error occurred.", 0,
     FAIL, USES, MB_OK},
    {HTTP, 0, "", LOST, UNKN, USES, MB_OK},
    {HTTP, 0, "", 0, UNKN, USES, MB_OK},

    /* OAuth token endpoint */
    {TOKEN, 401, "invalid_client: AADSTS7000215: Invalid client secret "
     "provided.", 0, DEFER, MOVE, AUTHF},
    {TOKEN, 400, "unauthorized_client: AADSTS700016: Application with "
     "identifier 'x' was not found in the directory 'y'.", 0, DEFER, MOVE,
     AUTHF},
    {TOKEN, 400, "invalid_scope: AADSTS1002012: The provided value for "
     "scope x is not valid.", 0, DEFER, MOVE, AUTHF},
    {TOKEN, 0, "the token has no role SMTP.SendAsApp", 0, DEFER, MOVE,
     AUTHF},
    /* ... an endpoint out of reach or busy is the network: the mailbox
     * rests for the run, as after a failed connect */
    {TOKEN, 0, "token endpoint unreachable: Failed to connect to 127.0.0.1 "
     "port 9 after 0 ms: Couldn't connect to server", LOST, DEFER, MOVE,
     REST},
    {TOKEN, 0, "token endpoint unreachable: Could not resolve host: "
     "login.microsoftonline.com", LOST, DEFER, MOVE, REST},
    {TOKEN, 0, "token endpoint unreachable: SSL certificate problem: "
     "unable to get local issuer certificate", LOST, DEFER, MOVE, REST},
    {TOKEN, 503, "temporarily_unavailable: AADSTS90033: A transient error "
     "has occurred. Please try again.", 0, DEFER, MOVE, REST},
    {TOKEN, 500, "server_error: AADSTS50000: There was an error issuing a "
     "token.", 0, DEFER, MOVE, REST},
    {TOKEN, 429, "", 0, DEFER, MOVE, REST},

    /* no AUTH the mailbox can use offered: never sent unauthenticated,
     * an authentication failure */
    {AUTH, 0, "the server offered no AUTH after STARTTLS: mailrota does not "
     "send without authenticating", NOAUTH, DEFER, MOVE, AUTHF},
    {AUTH, 0, "the server offers no AUTH mechanism mailrota can use "
     "(offered: PLAIN LOGIN)", NOAUTH | OAUTH, DEFER, MOVE, AUTHF},
    /* (lost during AUTH is not that) */
    {AUTH, 0, "Recv failure", LOST, DEFER, MOVE, REST},
};

static void check_verdict(const struct classify_case *c,
                          const struct bounce_verdict *v)
{
    T_STR(bounce_outcome_str(v->outcome), bounce_outcome_str(c->outcome));
    T_INT(v->uses_attempt, !!(c->want & USES));
    T_INT(v->move, !!(c->want & MOVE));
    T_INT(v->contact_bounced, !!(c->want & CB));
    T_INT(v->fallback_graph, !!(c->want & GRAPH));
    T_INT(v->mailbox, c->mailbox);
}

static void test_classify(void)
{
    for (size_t i = 0; i < LEN(classify_cases); i++) {
        const struct classify_case *c = &classify_cases[i];
        struct smtp_reply r;
        struct bounce_verdict v;

        printf("# case %zu: %s %d %s%s\n", i, bounce_stage_str(c->stage),
               c->code, c->text, (c->in & LOST) ? " (lost)" : "");
        memset(&r, 0, sizeof(r));
        r.stage = c->stage;
        r.code = c->code;
        snprintf(r.text, sizeof(r.text), "%s", c->text);
        r.conn_lost = c->in & LOST;
        r.oauth = c->in & OAUTH;
        r.auth_missing = c->in & NOAUTH;

        /* as the transport fills it: enhanced code parsed from the text */
        if (c->stage != STAGE_HTTP && c->stage != STAGE_TOKEN &&
            !bounce_parse_enhanced(r.text, r.enhanced))
            r.enhanced[0] = '\0';
        memset(&v, 0xAA, sizeof(v));
        bounce_classify(&r, &v);
        check_verdict(c, &v);

        /* and without it: bounce_classify finds it in the text itself */
        r.enhanced[0] = '\0';
        memset(&v, 0x55, sizeof(v));
        bounce_classify(&r, &v);
        check_verdict(c, &v);
    }
}

/*
 * A delivery report's failed recipient (STAGE_DSN): SPEC "Inbound ...
 * Effects".  The Status alone decides (code: the Diagnostic-Code's).
 */
static const struct {
    const char *status;
    int code;
    enum bounce_outcome outcome;
    int want; /* CB */
    enum bounce_mailbox_action mailbox;
} dsn_cases[] = {
    {"5.1.1", 550, BOUNCE, CB, MB_OK},
    {"5.1.10", 550, BOUNCE, CB, MB_OK},
    {"5.1.0", 0, BOUNCE, CB, MB_OK},
    {"5.1.351", 550, BOUNCE, CB, MB_OK},
    {"5.4.1", 550, BOUNCE, CB, MB_OK},
    /* the most specific rule wins: a sender-side limit is no 5.1.x */
    {"5.1.90", 550, DEFER, 0, QUOTA},
    {"5.2.0", 550, DEFER, 0, QUOTA},
    {"5.2.0", 0, DEFER, 0, QUOTA},
    {"5.4.5", 550, DEFER, 0, QUOTA},
    {"5.7.705", 550, FAIL, 0, TENANT},
    {"5.7.708", 0, FAIL, 0, TENANT},
    /* other 5.x.x, mailbox full, and failed with 4.x.x: send only */
    {"5.2.2", 552, BOUNCE, 0, MB_OK},
    {"5.7.1", 550, BOUNCE, 0, MB_OK},
    {"5.7.606", 550, BOUNCE, 0, MB_OK},
    {"5.4.4", 0, BOUNCE, 0, MB_OK},
    {"4.4.7", 0, BOUNCE, 0, MB_OK},
    {"4.3.2", 432, BOUNCE, 0, MB_OK},
    {"", 0, BOUNCE, 0, MB_OK},
};

static void test_classify_dsn(void)
{
    for (size_t i = 0; i < LEN(dsn_cases); i++) {
        struct smtp_reply r;
        struct bounce_verdict v;

        printf("# dsn case %zu: %s\n", i, dsn_cases[i].status);
        memset(&r, 0, sizeof(r));
        r.stage = STAGE_DSN;
        r.code = dsn_cases[i].code;
        snprintf(r.enhanced, sizeof(r.enhanced), "%s", dsn_cases[i].status);
        memset(&v, 0xAA, sizeof(v));
        bounce_classify(&r, &v);
        T_STR(bounce_outcome_str(v.outcome),
              bounce_outcome_str(dsn_cases[i].outcome));
        T_INT(v.contact_bounced, !!(dsn_cases[i].want & CB));
        T_INT(v.mailbox, dsn_cases[i].mailbox);
        T_INT(v.uses_attempt, 0);
        T_INT(v.move, 0);
    }
    T_STR(bounce_stage_str(STAGE_DSN), "dsn");
}

/* SPEC's reply table row by row, with the enhanced code given. */
static void test_spec_rows(void)
{
    struct smtp_reply r;
    struct bounce_verdict v;

    memset(&r, 0, sizeof(r));
    r.stage = STAGE_RCPT;
    r.code = 550;
    snprintf(r.enhanced, sizeof(r.enhanced), "5.1.10");
    bounce_classify(&r, &v);
    T_INT(v.outcome, OUTCOME_BOUNCED);
    T_OK(v.contact_bounced);

    /* enhanced given but text empty; a prefix row does not match 5.10.1 */
    snprintf(r.enhanced, sizeof(r.enhanced), "5.10.1");
    bounce_classify(&r, &v);
    T_INT(v.outcome, OUTCOME_BOUNCED);
    T_OK(!v.contact_bounced);

    /* 5.7.3 is not 5.7.30: no Graph fallback */
    r.stage = STAGE_AUTH;
    r.code = 535;
    snprintf(r.enhanced, sizeof(r.enhanced), "5.7.3");
    bounce_classify(&r, &v);
    T_INT(v.mailbox, MAILBOX_AUTH_FAILED);
    T_OK(!v.fallback_graph);
    snprintf(r.enhanced, sizeof(r.enhanced), "5.7.30");
    bounce_classify(&r, &v);
    T_INT(v.mailbox, MAILBOX_AUTH_FAILED);
    T_OK(v.fallback_graph);

    /* 5.2.0 is a quota only with 554 */
    r.stage = STAGE_DATA;
    r.code = 550;
    snprintf(r.enhanced, sizeof(r.enhanced), "5.2.0");
    bounce_classify(&r, &v);
    T_INT(v.outcome, OUTCOME_BOUNCED);
    T_INT(v.mailbox, MAILBOX_OK);
    r.code = 554;
    bounce_classify(&r, &v);
    T_INT(v.outcome, OUTCOME_DEFERRED);
    T_INT(v.mailbox, MAILBOX_QUOTA_FULL);

    /* not a stage: never resent */
    r.stage = (enum bounce_stage)42;
    bounce_classify(&r, &v);
    T_INT(v.outcome, OUTCOME_UNKNOWN);
}

/* The one list of sender-side limits, as replies and NDRs give them. */
static void test_sender_limit(void)
{
    static const struct {
        const char *esc;
        int code;
        bool want;
    } cases[] = {
        {"5.1.90", 550, true}, {"5.1.90", 0, true},
        {"5.2.0", 554, true}, {"5.2.0", 0, true}, {"5.2.0", 550, false},
        {"5.4.5", 550, true}, {"5.4.5", 0, true}, {"5.4.5", 554, true},
        {"5.1.9", 550, false}, {"5.1.900", 0, false}, {"5.1.1", 550, false},
        {"5.4.50", 0, false}, {"4.4.5", 450, false}, {"5.2.2", 0, false},
        {"", 0, false}, {NULL, 0, false},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        printf("# %s %d\n", cases[i].esc ? cases[i].esc : "(null)",
               cases[i].code);
        T_INT(bounce_sender_limit(cases[i].esc, cases[i].code),
              cases[i].want);
    }
}

struct enhanced_case {
    const char *text;
    const char *want; /* NULL: none */
};

static const struct enhanced_case enhanced_cases[] = {
    {"550 5.1.1 <x@y>: Recipient address rejected", "5.1.1"},
    {"5.7.139 Authentication unsuccessful", "5.7.139"},
    {"451 4.7.1 Try again", "4.7.1"},
    {"250 2.0.0 Ok: queued", "2.0.0"},
    {"535 Authentication failed", NULL},
    {"4.7.0", "4.7.0"},
    {"550 5.7.1", "5.7.1"},
    {"550 5.999.999 x", "5.999.999"},
    {"421 4.3.2 Service not available", "4.3.2"},
    /* multi-line replies joined by spaces: the first one */
    {"550-5.1.1 The email account that you tried to reach does not exist. "
     "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser", "5.1.1"},
    {"250-mx.example 250-PIPELINING 250 2.0.0 Ok", "2.0.0"},
    /* anywhere in the text */
    {"530 Client not authenticated. Error: 535 5.7.139 Authentication "
     "unsuccessful", "5.7.139"},
    {"Rejected by policy 5.7.1.", "5.7.1"},
    {"550 x5.7.1 y", "5.7.1"},
    {"550 (5.7.1) y", "5.7.1"},
    /* whole tokens only: not part of an address or a longer number */
    {"550 Client host [10.5.1.1] blocked", NULL},
    {"550 10.5.1.1.3", NULL},
    {"554 rejected from 5.5.5.5 ok", NULL},
    {"550 version 2.0.0.1 of 4.4.1 here", "4.4.1"},
    {"550 15.1.1 x", NULL},
    {"550 5.1.1234 x", NULL},
    {"550 5.1000.1 x", NULL},
    {"550 5..1 x", NULL},
    {"550 5.1. x", NULL},
    {"550 5.1", NULL},
    {"550 5.", NULL},
    {"550 5.x.1", NULL},
    /* classes 2, 4 and 5 only */
    {"550 3.1.1 x", NULL},
    {"550 6.1.1 x", NULL},
    {"550 1.1.1 x", NULL},
    {"", NULL},
};

static void test_parse_enhanced(void)
{
    for (size_t i = 0; i < LEN(enhanced_cases); i++) {
        const struct enhanced_case *c = &enhanced_cases[i];
        char out[SMTP_ENHANCED_MAX] = "";
        bool ok = bounce_parse_enhanced(c->text, out);

        printf("# case %zu: %s\n", i, c->text);
        T_INT(ok, c->want != NULL);
        if (c->want)
            T_STR(out, c->want);
    }
    {
        char out[SMTP_ENHANCED_MAX];
        T_OK(!bounce_parse_enhanced(NULL, out));
    }
}

static void test_strings(void)
{
    static const char *const stages[] = {"connect", "tls", "auth", "mail",
                                         "rcpt", "data", "http", "token"};
    static const char *const outcomes[] = {"sent", "deferred", "bounced",
                                           "failed", "unknown"};

    for (int s = STAGE_CONNECT; s <= STAGE_TOKEN; s++)
        T_STR(bounce_stage_str((enum bounce_stage)s), stages[s]);
    for (int o = OUTCOME_SENT; o <= OUTCOME_UNKNOWN; o++)
        T_STR(bounce_outcome_str((enum bounce_outcome)o), outcomes[o]);
}

int main(void)
{
    T_RUN(test_classify);
    T_RUN(test_classify_dsn);
    T_RUN(test_spec_rows);
    T_RUN(test_sender_limit);
    T_RUN(test_parse_enhanced);
    T_RUN(test_strings);
    return t_done();
}
