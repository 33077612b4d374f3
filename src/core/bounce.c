/*
 * bounce.c - what a reply means for a send, its contact and its mailbox.
 * See bounce.h and SPEC "Outcomes and bounce codes".  Pure.
 *
 * bounce_classify() is one function per transport phase:
 *
 *   before MAIL FROM (connect, TLS, AUTH)   nothing reached the recipient
 *                                           and no attempt is used;
 *   MAIL FROM, RCPT TO, DATA                an attempt is used;
 *   Graph (HTTP) and the OAuth token        their own small rules.
 *
 * Within an SMTP phase the enhanced status code is looked up first in
 * esc_rules[] (as OpenSMTPD's esc.c maps codes to meanings), then a few
 * reply texts that carry no usable code, and last the reply code's first
 * digit decides.
 */
#include "bounce.h"

#include <stddef.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define ST(s) (1u << (s))
#define BEFORE_MAIL (ST(STAGE_CONNECT) | ST(STAGE_TLS) | ST(STAGE_AUTH))
#define AFTER_MAIL (ST(STAGE_MAIL) | ST(STAGE_RCPT) | ST(STAGE_DATA))

/*
 * One enhanced status code and what it means at some stages.  `esc` is
 * matched exactly, or as a prefix when it ends with '.' ("5.1." covers
 * 5.1.1 and 5.1.10).  `code`, when not 0, is the reply code it needs as
 * well.  The first matching row wins.  Whether an attempt is used follows
 * from the stage, not the row.
 */
struct esc_rule {
    const char *esc;
    int code;
    unsigned stages;
    enum bounce_outcome outcome;
    bool move;
    bool contact_bounced;
    enum bounce_mailbox_action mailbox;
};

static const struct esc_rule esc_rules[] = {
    /*
     * Exchange Online: the tenant is over its outbound threshold (5.7.705)
     * or its traffic is refused (5.7.708): every mailbox of the domain
     * stops.  5.7.501: this sender is banned for spam.  After MAIL FROM
     * the send is `failed` (SPEC); before it nothing was sent, so the
     * message moves to a mailbox that is not blocked.
     */
    {"5.7.705", 0, AFTER_MAIL | ST(STAGE_DSN), OUTCOME_FAILED, false, false,
     MAILBOX_BLOCKED_TENANT},
    {"5.7.708", 0, AFTER_MAIL | ST(STAGE_DSN), OUTCOME_FAILED, false, false,
     MAILBOX_BLOCKED_TENANT},
    {"5.7.501", 0, AFTER_MAIL, OUTCOME_FAILED, false, false,
     MAILBOX_BLOCKED},
    {"5.7.705", 0, BEFORE_MAIL, OUTCOME_DEFERRED, true, false,
     MAILBOX_BLOCKED_TENANT},
    {"5.7.708", 0, BEFORE_MAIL, OUTCOME_DEFERRED, true, false,
     MAILBOX_BLOCKED_TENANT},
    {"5.7.501", 0, BEFORE_MAIL, OUTCOME_DEFERRED, true, false,
     MAILBOX_BLOCKED},
    /*
     * AUTH refused for credentials or policy: wrong password (5.7.139,
     * 5.7.3 with OAuth), SMTP AUTH disabled (5.7.139), basic auth retired
     * (5.7.30), sender not permitted (5.7.57).  Any other 5xx at AUTH
     * means the same (classify_before_mail); these rows name them.
     */
    {"5.7.139", 0, ST(STAGE_AUTH), OUTCOME_DEFERRED, true, false,
     MAILBOX_AUTH_FAILED},
    {"5.7.3", 0, ST(STAGE_AUTH), OUTCOME_DEFERRED, true, false,
     MAILBOX_AUTH_FAILED},
    {"5.7.30", 0, ST(STAGE_AUTH), OUTCOME_DEFERRED, true, false,
     MAILBOX_AUTH_FAILED},
    {"5.7.57", 0, ST(STAGE_AUTH), OUTCOME_DEFERRED, true, false,
     MAILBOX_AUTH_FAILED},
    /* Exchange's sender thread limit: this mailbox rests, others go on. */
    {"4.3.2", 0, BEFORE_MAIL | AFTER_MAIL, OUTCOME_DEFERRED, true, false,
     MAILBOX_REST},
    /* (The sender-side limits, 5.1.90 among them, are looked at before
     * this table: see sender_limits[].)
     * RFC 3463 X.1.X: the addressee.  At MAIL FROM it would be the
     * sender's own address (5.1.7, 5.1.8), handled by the 5xx rule. */
    {"5.1.", 0, ST(STAGE_RCPT) | ST(STAGE_DATA) | ST(STAGE_DSN),
     OUTCOME_BOUNCED, false, true, MAILBOX_OK},
    /* Exchange's NDRs give 5.4.1 "Recipient address rejected: Access
     * denied" for an address its directory does not know: SPEC treats it
     * as unknown in an NDR.  (At RCPT it stays an "other 5xx".) */
    {"5.4.1", 0, ST(STAGE_DSN), OUTCOME_BOUNCED, false, true, MAILBOX_OK},
};

#define N_ESC_RULES (sizeof(esc_rules) / sizeof(esc_rules[0]))

/*
 * Sender-side limits: the sending mailbox is over a daily quota, so the
 * message is not the recipient's fault.  It waits (deferred, moved to a
 * mailbox with room) and the mailbox is full for the rest of its local
 * day.  The one list, for replies at MAIL/RCPT/DATA and for NDRs alike;
 * it is looked at before esc_rules[], so 5.1.90 is not a 5.1.x bounce.
 * `code`, when not 0, is the reply code it needs as well (an NDR's bare
 * Status has none).
 */
static const struct {
    const char *esc;
    int code;
} sender_limits[] = {
    /* Exchange: "550 5.1.90 Your message can't be sent because you've
     * reached your daily limit for message recipients" */
    {"5.1.90", 0},
    /* Exchange: 554 5.2.0 STOREDRV.Submission.Exception:
     * SubmissionQuotaExceededException.  (550 5.2.0 elsewhere is about
     * the recipient's mailbox: not this.) */
    {"5.2.0", 554},
    /* Exchange's daily-limit NDR text at DATA; Google: "550 5.4.5 Daily
     * user sending limit exceeded" */
    {"5.4.5", 0},
};

bool bounce_sender_limit(const char *esc, int code)
{
    if (!esc)
        return false;
    for (size_t i = 0; i < sizeof(sender_limits) / sizeof(*sender_limits);
         i++)
        if (strcmp(esc, sender_limits[i].esc) == 0)
            return !code || !sender_limits[i].code ||
                   code == sender_limits[i].code;
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Counts the digits at s (stops at 4: more is never a valid field). */
static size_t digit_run(const char *s)
{
    size_t n = 0;

    while (n < 4 && is_digit(s[n]))
        n++;
    return n;
}

bool bounce_parse_enhanced(const char *text, char out[SMTP_ENHANCED_MAX])
{
    if (!text)
        return false;
    /*
     * Left to right, so a code right after the reply code wins over one
     * later in the text.  The boundaries keep "10.5.1.1.3" (an address)
     * and "5.1.1.2" from matching; a sentence's full stop ("5.1.1.") is
     * still a boundary.
     */
    for (const char *p = text; *p; p++) {
        const char *q = p + 1;
        size_t n;

        if (*p != '2' && *p != '4' && *p != '5')
            continue;
        if (p > text && (is_digit(p[-1]) || p[-1] == '.'))
            continue;
        if (*q++ != '.')
            continue;
        n = digit_run(q);
        if (n < 1 || n > 3 || q[n] != '.')
            continue;
        q += n + 1;
        n = digit_run(q);
        if (n < 1 || n > 3)
            continue;
        q += n;
        if (*q == '.' && is_digit(q[1]))
            continue;
        /* at most "5.999.999": 9 bytes, well inside SMTP_ENHANCED_MAX */
        memcpy(out, p, (size_t)(q - p));
        out[q - p] = '\0';
        return true;
    }
    return false;
}

static bool esc_match(const char *pattern, const char *esc)
{
    size_t n = strlen(pattern);

    if (n && pattern[n - 1] == '.')
        return strncmp(pattern, esc, n) == 0;
    return strcmp(pattern, esc) == 0;
}

static const struct esc_rule *esc_lookup(const char *esc, int code,
                                         enum bounce_stage stage)
{
    if (!*esc)
        return NULL;
    for (size_t i = 0; i < N_ESC_RULES; i++) {
        const struct esc_rule *r = &esc_rules[i];
        if ((r->stages & ST(stage)) && (!r->code || r->code == code) &&
            esc_match(r->esc, esc))
            return r;
    }
    return NULL;
}

static void set(struct bounce_verdict *v, enum bounce_outcome outcome,
                bool uses_attempt, bool move,
                enum bounce_mailbox_action mailbox)
{
    v->outcome = outcome;
    v->uses_attempt = uses_attempt;
    v->move = move;
    v->mailbox = mailbox;
}

/*
 * The enhanced code to go by: the reply's own, else one parsed from its
 * text.  RFC 3463: the class must agree with the reply code's first
 * digit; a code that disagrees ("550 4.7.1") is ignored and the reply
 * code decides.
 */
void bounce_effective_esc(const struct smtp_reply *r,
                          char esc[SMTP_ENHANCED_MAX])
{
    esc[0] = '\0';
    if (r->enhanced[0] && memchr(r->enhanced, '\0', SMTP_ENHANCED_MAX)) {
        memcpy(esc, r->enhanced, SMTP_ENHANCED_MAX);
    } else if (!bounce_parse_enhanced(r->text, esc)) {
        esc[0] = '\0';
        return;
    }
    if (esc[0] - '0' != r->code / 100)
        esc[0] = '\0';
}

/*
 * Token endpoint failures: SPEC makes a token that cannot be had an
 * authentication failure (the endpoint refused the app: 400, 401, a
 * missing role).  An endpoint that cannot be reached (refused, DNS,
 * timeout, TLS) or says it is busy (429, 5xx) refused nothing: a network
 * failure, so the mailbox rests for the run, as after a failed connect.
 * Nothing was sent either way.
 */
static void classify_token(const struct smtp_reply *r,
                           struct bounce_verdict *v)
{
    if (r->conn_lost || r->code == 429 || r->code / 100 == 5)
        set(v, OUTCOME_DEFERRED, false, true, MAILBOX_REST);
    else
        set(v, OUTCOME_DEFERRED, false, true, MAILBOX_AUTH_FAILED);
}

static void classify_http(const struct smtp_reply *r, struct bounce_verdict *v)
{
    int code = r->code;

    /*
     * No status: the request may have been accepted.  A transport that
     * knows nothing left (connect or TLS failed) reports STAGE_CONNECT or
     * STAGE_TLS instead, which defers and moves.
     */
    if (r->conn_lost || code < 200 || code > 599 ||
        (code >= 300 && code < 400)) {
        set(v, OUTCOME_UNKNOWN, true, false, MAILBOX_OK);
        return;
    }
    if (code < 300) {
        set(v, OUTCOME_SENT, true, false, MAILBOX_OK);
        return;
    }
    if (code == 429 || code == 503) {
        /* throttled: Retry-After decides when; no mailbox action */
        set(v, OUTCOME_DEFERRED, true, false, MAILBOX_OK);
        return;
    }
    if (str_icontains(r->text, "SubmissionQuotaExceeded")) {
        set(v, OUTCOME_DEFERRED, true, true, MAILBOX_QUOTA_FULL);
        return;
    }
    if (code == 400 && (str_icontains(r->text, "ErrorInvalidRecipients") ||
                        str_icontains(r->enhanced, "ErrorInvalidRecipients"))) {
        set(v, OUTCOME_BOUNCED, true, false, MAILBOX_OK);
        v->contact_bounced = true;
        return;
    }
    if (code == 401 || code == 403) {
        /* the token or the app's permissions: nothing was sent */
        set(v, OUTCOME_DEFERRED, false, true, MAILBOX_AUTH_FAILED);
        return;
    }
    set(v, OUTCOME_FAILED, true, false, MAILBOX_OK);
}

static bool wants_graph(const struct smtp_reply *r, const char *esc)
{
    return strcmp(esc, "5.7.139") == 0 || strcmp(esc, "5.7.30") == 0 ||
           str_icontains(r->text, "Basic authentication is not supported") ||
           str_icontains(r->text, "security defaults");
}

/* Connect, TLS, AUTH: nothing reached MAIL FROM, no attempt is used. */
static void classify_before_mail(const struct smtp_reply *r, bool lost,
                                 const char *esc, struct bounce_verdict *v)
{
    const struct esc_rule *rule;

    set(v, OUTCOME_DEFERRED, false, true, MAILBOX_REST);
    /* No AUTH offered that the mailbox can use: an AUTH failure (SPEC),
     * though no server said no. */
    if (r->stage == STAGE_AUTH && r->auth_missing && !r->conn_lost) {
        v->mailbox = MAILBOX_AUTH_FAILED;
        return;
    }
    if (lost)
        return;
    if (r->stage == STAGE_AUTH)
        v->fallback_graph = wants_graph(r, esc);
    rule = esc_lookup(esc, r->code, r->stage);
    if (rule) {
        set(v, rule->outcome, false, rule->move, rule->mailbox);
        return;
    }
    /* 535 and any other 5xx at AUTH is credentials or policy; 454 4.7.0
     * and the other 4xx are temporary, so the mailbox only rests. */
    if (r->stage == STAGE_AUTH && r->code / 100 == 5)
        v->mailbox = MAILBOX_AUTH_FAILED;
}

/* MAIL FROM, RCPT TO, DATA: an attempt is used. */
static void classify_after_mail(const struct smtp_reply *r, bool lost,
                                const char *esc, struct bounce_verdict *v)
{
    const struct esc_rule *rule;
    int code = r->code;

    if (lost) {
        /* Before the reply to DATA's final dot the message may or may not
         * have been accepted: `unknown`, never resent. */
        if (r->stage == STAGE_DATA)
            set(v, OUTCOME_UNKNOWN, true, false, MAILBOX_OK);
        else
            set(v, OUTCOME_DEFERRED, true, true, MAILBOX_REST);
        return;
    }
    if (code / 100 == 2) {
        set(v, OUTCOME_SENT, true, false, MAILBOX_OK);
        return;
    }
    if (bounce_sender_limit(esc, code)) {
        set(v, OUTCOME_DEFERRED, true, true, MAILBOX_QUOTA_FULL);
        return;
    }
    rule = esc_lookup(esc, code, r->stage);
    if (rule) {
        set(v, rule->outcome, true, rule->move, rule->mailbox);
        v->contact_bounced = rule->contact_bounced;
        return;
    }
    /* Exchange sometimes omits 5.2.0; 5.2.2 is the recipient's own
     * mailbox being full, which is about the contact, not the sender. */
    if (str_icontains(r->text, "SubmissionQuotaExceeded") ||
        (code == 554 && strcmp(esc, "5.2.2") != 0 &&
         str_icontains(r->text, "quota"))) {
        set(v, OUTCOME_DEFERRED, true, true, MAILBOX_QUOTA_FULL);
        return;
    }
    if (code == 421 || code == 432) {
        set(v, OUTCOME_DEFERRED, true, true, MAILBOX_REST);
        return;
    }
    if (code / 100 == 4) {
        set(v, OUTCOME_DEFERRED, true, false, MAILBOX_OK);
        return;
    }
    /*
     * A 5xx to MAIL FROM refuses the sender (550 5.7.1 "not permitted to
     * send as", 5.1.8 bad sender domain), not the contact: the send fails
     * without touching the contact, and the mailbox rests so the next
     * contacts do not fail the same way.
     */
    if (r->stage == STAGE_MAIL) {
        set(v, OUTCOME_FAILED, true, false, MAILBOX_REST);
        return;
    }
    set(v, OUTCOME_BOUNCED, true, false, MAILBOX_OK);
}

/* One failed recipient of a delivery report: see bounce.h. */
static void classify_dsn(const struct smtp_reply *r, struct bounce_verdict *v)
{
    char esc[SMTP_ENHANCED_MAX];
    const struct esc_rule *rule;

    esc[0] = '\0';
    if (memchr(r->enhanced, '\0', SMTP_ENHANCED_MAX))
        memcpy(esc, r->enhanced, SMTP_ENHANCED_MAX);
    /* an NDR's Status has no reply code of its own: code 0 */
    if (bounce_sender_limit(esc, 0)) {
        set(v, OUTCOME_DEFERRED, false, false, MAILBOX_QUOTA_FULL);
        return;
    }
    rule = esc_lookup(esc, r->code, STAGE_DSN);
    if (rule) {
        set(v, rule->outcome, false, false, rule->mailbox);
        v->contact_bounced = rule->contact_bounced;
        return;
    }
    set(v, OUTCOME_BOUNCED, false, false, MAILBOX_OK);
}

void bounce_classify(const struct smtp_reply *r, struct bounce_verdict *v)
{
    char esc[SMTP_ENHANCED_MAX];
    bool lost;

    memset(v, 0, sizeof(*v));
    if (r->stage == STAGE_DSN) {
        classify_dsn(r, v);
        return;
    }
    if (r->stage == STAGE_TOKEN) {
        classify_token(r, v);
        return;
    }
    if (r->stage == STAGE_HTTP) {
        classify_http(r, v);
        return;
    }
    /*
     * No final reply counts as a lost connection: no code, a 1xx/3xx
     * (354 after DATA, 334 during AUTH) or a 2xx anywhere but DATA, which
     * means the try stopped without a refusal.
     */
    lost = r->conn_lost || r->code < 400 || r->code > 599;
    if (r->stage == STAGE_DATA && !r->conn_lost && r->code / 100 == 2)
        lost = false;
    bounce_effective_esc(r, esc);
    switch (r->stage) {
    case STAGE_CONNECT:
    case STAGE_TLS:
    case STAGE_AUTH:
        classify_before_mail(r, lost, esc, v);
        return;
    case STAGE_MAIL:
    case STAGE_RCPT:
    case STAGE_DATA:
        classify_after_mail(r, lost, esc, v);
        return;
    default:
        /* not a stage: never risk a second copy */
        set(v, OUTCOME_UNKNOWN, true, false, MAILBOX_OK);
        return;
    }
}

const char *bounce_stage_str(enum bounce_stage s)
{
    switch (s) {
    case STAGE_CONNECT: return "connect";
    case STAGE_TLS:     return "tls";
    case STAGE_AUTH:    return "auth";
    case STAGE_MAIL:    return "mail";
    case STAGE_RCPT:    return "rcpt";
    case STAGE_DATA:    return "data";
    case STAGE_HTTP:    return "http";
    case STAGE_TOKEN:   return "token";
    case STAGE_DSN:     return "dsn";
    }
    return "?";
}

enum send_status bounce_outcome_status(enum bounce_outcome o)
{
    switch (o) {
    case OUTCOME_SENT:     return SEND_SENT;
    case OUTCOME_DEFERRED: return SEND_DEFERRED;
    case OUTCOME_BOUNCED:  return SEND_BOUNCED;
    case OUTCOME_FAILED:   return SEND_FAILED;
    case OUTCOME_UNKNOWN:  return SEND_UNKNOWN;
    }
    return SEND_UNKNOWN;
}

const char *bounce_outcome_str(enum bounce_outcome o)
{
    return send_status_name(bounce_outcome_status(o));
}
