/*
 * inbound_class.c - what an inbound message is and what it does.  See
 * inbound_class.h and SPEC "Inbound: bounces, replies and unsubscribes".
 * Pure.  The status codes' classes are bounce.c's (STAGE_DSN); the text
 * helpers are in inbound_text.c.
 */
#include "inbound_class.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contact.h"
#include "util.h"

#include "banned.h"

/* Subjects of delivery reports (a prefix or anywhere), with their usual
 * translations (Exchange, Postfix, Sendmail, Gmail, qmail). */
static const char *const ndr_subjects[] = {
    "Undeliverable", "Undelivered Mail Returned to Sender",
    "Delivery Status Notification (Failure)",
    "Delivery Status Notification (Delay)", "Mail delivery failed",
    "Delivery Failure", "Returned mail:", "failure notice",
    "Delivery has failed", "Message not delivered", "Delayed Mail",
    "Warning: could not send message", "Non recapitabile",
    "Unzustellbar", "Nicht zustellbar", "Zustellung verz\xc3\xb6gert",
    "Non remis", "Non distribu\xc3\xa9", "No se puede entregar",
    "Onbestelbaar", "N\xc3\xa3o \xc3\xa9 poss\xc3\xadvel entregar",
    "Olevererbart", "Kan ikke leveres", "Nie mo\xc5\xbcna dostarczy\xc4\x87",
    "\xe9\x85\x8d\xe4\xbf\xa1\xe4\xb8\x8d\xe8\x83\xbd", /* 配信不能 */
};

/* Out-of-office subjects. */
static const char *const ooo_subjects[] = {
    "Automatic reply", "Auto reply", "Auto-reply", "Autoreply",
    "Auto response", "Auto-response", "Out of Office", "Out of the Office",
    "Abwesenheitsnotiz", "Automatische Antwort", ("Au\xc3\x9f" "er Haus"),
    "R\xc3\xa9ponse automatique", "Absence du bureau",
    "Respuesta autom\xc3\xa1tica", "Fuera de la oficina",
    "Risposta automatica", "Resposta autom\xc3\xa1tica",
    "Automatisch antwoord", "Afwezig", "Automatiskt svar", "Autosvar",
    "\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94", /* 自動応答 */
};

/* Words of a delay notice (with a 4.x.x code: the message waits). */
static const char *const delay_words[] = {
    "delay", "delayed", "will retry", "still trying", "not yet been delivered",
    "verz\xc3\xb6gert", "retard\xc3\xa9",
};

#define LEN(a) (sizeof(a) / sizeof(*(a)))

static bool any_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (str_icontains(s, list[i]))
            return true;
    return false;
}

/* The first word of a header value, as "auto-replied" or "bulk". */
static bool first_word_is(const char *v, const char *word)
{
    size_t n = strlen(word);

    while (*v == ' ' || *v == '\t')
        v++;
    return strncasecmp(v, word, n) == 0 &&
           (v[n] == '\0' || v[n] == ' ' || v[n] == ';' || v[n] == '\t' ||
            v[n] == '(');
}

/* A null or daemon sender: Return-Path <>, MAILER-DAEMON, postmaster. */
static bool daemon_sender(const struct mime_msg *m)
{
    const char *rp = m->return_path;

    if (m->has_return_path) {
        while (*rp == ' ')
            rp++;
        if (!*rp || strncmp(rp, "<>", 2) == 0)
            return true;
    }
    return strncasecmp(m->from_addr, "mailer-daemon@", 14) == 0 ||
           strncasecmp(m->from_addr, "postmaster@", 11) == 0 ||
           strcasecmp(m->from_addr, "mailer-daemon") == 0;
}

static void set_addr(char *out, const char *in)
{
    char *norm = contact_email_normalize(in, NULL);

    snprintf(out, INBOUND_ADDR_MAX, "%s", norm ? norm : in);
    free(norm);
}

/* Appends the ids of one header (each <...>, or the whole value). */
static void add_ids(struct inbound_result *r, const char *v, bool newest_first)
{
    const char *starts[INBOUND_MAX_IDS];
    size_t n = 0;

    for (const char *p = strchr(v, '<'); p && n < INBOUND_MAX_IDS;
         p = strchr(p + 1, '<'))
        starts[n++] = p;
    if (n == 0 && !str_blank(v))
        starts[n++] = v;
    for (size_t k = 0; k < n && r->n_ids < INBOUND_MAX_IDS; k++) {
        const char *s = starts[newest_first ? n - 1 - k : k];
        char *slot = r->ids[r->n_ids];
        bool dup = false;

        if (!inbound_msgid_norm(s, strlen(s), slot, INBOUND_ID_MAX))
            continue;
        for (size_t j = 0; j < r->n_ids; j++)
            dup = dup || strcmp(r->ids[j], slot) == 0;
        if (!dup)
            r->n_ids++;
    }
}

static void take_rcpt(struct inbound_result *r, const struct dsn_recipient *d)
{
    struct inbound_rcpt *o = &r->rcpt[r->n_rcpts++];

    set_addr(o->addr, d->final_recipient[0] ? d->final_recipient
                                            : d->original_recipient);
    snprintf(o->action, sizeof(o->action), "%s", d->action);
    snprintf(o->status, sizeof(o->status), "%s", d->status);
    if (!o->status[0] && !bounce_parse_enhanced(d->diagnostic, o->status))
        o->status[0] = '\0';
    o->smtp_code = d->smtp_code;
    snprintf(o->diagnostic, sizeof(o->diagnostic), "%s", d->diagnostic);
}

/* The action a recipient block means: its Action, else (junk) its
 * Status' class. */
static const char *action_of(const struct dsn_recipient *d)
{
    if (d->action[0])
        return d->action;
    if (d->status[0] == '5')
        return "failed";
    if (d->status[0] == '4')
        return "delayed";
    return "";
}

/* A delivery-status part: failed recipients make a bounce, else delayed
 * ones a delay.  False when it names neither. */
static bool from_dsn(const struct mime_msg *m, struct inbound_result *r)
{
    struct dsn *d = xmalloc(sizeof(*d)); /* 24 KiB: not on the stack */
    const char *want[] = {"failed", "delayed"};

    dsn_parse(m->dsn, m->dsn_len, d);
    for (size_t w = 0; w < LEN(want) && !r->n_rcpts; w++) {
        for (size_t i = 0; i < d->n_rcpts; i++)
            if (strcmp(action_of(&d->rcpt[i]), want[w]) == 0) {
                take_rcpt(r, &d->rcpt[i]);
                snprintf(r->rcpt[r->n_rcpts - 1].action, DSN_WORD_MAX, "%s",
                         want[w]);
            }
        if (r->n_rcpts) {
            r->kind = w == 0 ? INBOUND_BOUNCE : INBOUND_DELAY;
            snprintf(r->why, sizeof(r->why), "delivery-status: %s", want[w]);
        }
    }
    free(d);
    return r->n_rcpts > 0;
}

/* A known NDR without a delivery-status part, from its text. */
static bool from_ndr_text(const struct mime_msg *m, struct inbound_result *r)
{
    struct inbound_rcpt *o = &r->rcpt[0];
    bool report = strcmp(m->content_type, "multipart/report") == 0;

    if (!(daemon_sender(m) || m->has_ms_is_ndr || report ||
          any_in(m->subject, ndr_subjects, LEN(ndr_subjects))))
        return false;
    if (!inbound_ndr_text(m->body, m->body_len, m->from_addr, m->to_addr, o))
        return false;
    r->n_rcpts = 1;
    if (o->status[0] == '4' &&
        (any_in(m->subject, delay_words, LEN(delay_words)) ||
         any_in(m->body, delay_words, LEN(delay_words)))) {
        r->kind = INBOUND_DELAY;
        snprintf(o->action, sizeof(o->action), "delayed");
    } else {
        r->kind = INBOUND_BOUNCE;
        snprintf(o->action, sizeof(o->action), "failed");
    }
    snprintf(r->why, sizeof(r->why), "delivery report text: %s", o->status);
    return true;
}

static bool auto_reply(const struct mime_msg *m, struct inbound_result *r)
{
    const char *why = NULL;

    if (m->has_auto_submitted && !first_word_is(m->auto_submitted, "no"))
        why = "Auto-Submitted";
    else if (m->has_x_autoreply)
        why = "X-Autoreply";
    else if (m->has_x_autorespond)
        why = "X-Autorespond";
    else if (first_word_is(m->precedence, "auto_reply"))
        why = "Precedence: auto_reply";
    else if (m->has_ms_rules_loop)
        why = "X-MS-Exchange-Inbox-Rules-Loop";
    else if (any_in(m->subject, ooo_subjects, LEN(ooo_subjects)))
        why = "out-of-office subject";
    if (!why)
        return false;
    r->kind = INBOUND_AUTO_REPLY;
    snprintf(r->why, sizeof(r->why), "%s", why);
    return true;
}

/* Bulk mail and daemons never reply. */
static bool bulk(const struct mime_msg *m)
{
    return first_word_is(m->precedence, "bulk") ||
           first_word_is(m->precedence, "junk") ||
           first_word_is(m->precedence, "list") || daemon_sender(m);
}

/* Mail to unsubscribe.mailto (List-Unsubscribe's mailto, which some
 * clients send by themselves): an unsubscribe request, bulk or not. */
static bool to_unsub_mailto(const struct mime_msg *m,
                            const struct inbound_opts *o,
                            struct inbound_result *r)
{
    if (!o || !o->unsub_mailto || !o->unsub_mailto[0] ||
        !str_icontains(m->to, o->unsub_mailto))
        return false;
    r->kind = INBOUND_UNSUBSCRIBE;
    snprintf(r->why, sizeof(r->why), "sent to %s", o->unsub_mailto);
    return true;
}

/* A would-be reply with an unsubscribe word above the quote. */
static bool unsub_words(const struct mime_msg *m,
                        const struct inbound_opts *o, struct inbound_result *r)
{
    const char *w;

    if (!o || !o->n_unsub_words)
        return false;
    w = inbound_find_word(m->subject, strlen(m->subject), o->unsub_words,
                          o->n_unsub_words);
    if (!w)
        w = inbound_find_word(m->body, inbound_new_text_len(m->body,
                                                            m->body_len),
                              o->unsub_words, o->n_unsub_words);
    if (!w)
        return false;
    r->kind = INBOUND_UNSUBSCRIBE;
    snprintf(r->why, sizeof(r->why), "unsubscribe word '%s'", w);
    return true;
}

void inbound_classify(const struct mime_msg *m, const struct inbound_opts *o,
                      struct inbound_result *r)
{
    memset(r, 0, sizeof(*r));
    set_addr(r->from_addr, m->from_addr);
    add_ids(r, m->in_reply_to, false);
    add_ids(r, m->references, true);
    if (m->has_original)
        add_ids(r, m->orig_message_id, false);
    if (m->headers_only) {
        /* huge or too deeply nested: SPEC records it as other */
        snprintf(r->why, sizeof(r->why), "%s", m->reason);
        return;
    }
    if (m->has_dsn && from_dsn(m, r))
        return;
    if (from_ndr_text(m, r))
        return;
    if (auto_reply(m, r))
        return;
    if (to_unsub_mailto(m, o, r))
        return;
    if (bulk(m)) {
        snprintf(r->why, sizeof(r->why), "bulk or daemon mail");
        return;
    }
    if (unsub_words(m, o, r))
        return;
    if (str_blank(m->from_addr)) {
        snprintf(r->why, sizeof(r->why), "%s",
                 m->reason[0] ? m->reason : "no sender");
        return;
    }
    r->kind = INBOUND_REPLY;
    snprintf(r->why, sizeof(r->why), "reply");
}

enum inbound_kind inbound_settle(enum inbound_kind kind, bool matched)
{
    return kind == INBOUND_REPLY && !matched ? INBOUND_OTHER : kind;
}

const char *inbound_kind_str(enum inbound_kind k)
{
    switch (k) {
    case INBOUND_OTHER:       return "other";
    case INBOUND_BOUNCE:      return "bounce";
    case INBOUND_DELAY:       return "delay";
    case INBOUND_AUTO_REPLY:  return "auto_reply";
    case INBOUND_UNSUBSCRIBE: return "unsubscribe";
    case INBOUND_REPLY:       return "reply";
    }
    return "?";
}

static void effect_bounce(const char *status, int smtp_code,
                          struct inbound_effect *e)
{
    struct smtp_reply rep;
    struct bounce_verdict v;

    memset(&rep, 0, sizeof(rep));
    rep.stage = STAGE_DSN;
    rep.code = smtp_code;
    snprintf(rep.enhanced, sizeof(rep.enhanced), "%s", status ? status : "");
    bounce_classify(&rep, &v);
    e->attempt_row = true;
    e->mailbox = v.mailbox;
    e->contact = v.contact_bounced ? INBOUND_CONTACT_BOUNCED
                                   : INBOUND_CONTACT_UNCHANGED;
    switch (v.outcome) {
    case OUTCOME_DEFERRED: e->send = INBOUND_SEND_DEFERRED; break;
    case OUTCOME_FAILED:   e->send = INBOUND_SEND_FAILED; break;
    default:               e->send = INBOUND_SEND_BOUNCED; break;
    }
}

void inbound_effect(enum inbound_kind kind, const char *status, int smtp_code,
                    bool stop_company_on_reply, struct inbound_effect *e)
{
    memset(e, 0, sizeof(*e));
    switch (kind) {
    case INBOUND_BOUNCE:
        effect_bounce(status, smtp_code, e);
        return;
    case INBOUND_DELAY:
        e->attempt_row = true; /* the send is unchanged */
        return;
    case INBOUND_REPLY:
        e->contact = INBOUND_CONTACT_REPLIED;
        e->company_stop = stop_company_on_reply;
        return;
    case INBOUND_UNSUBSCRIBE:
        e->contact = INBOUND_CONTACT_UNSUBSCRIBED;
        e->suppress = true;
        return;
    case INBOUND_AUTO_REPLY:
    case INBOUND_OTHER:
        return;
    }
}

const char *inbound_effect_str(const struct inbound_effect *e, char *buf,
                               size_t cap)
{
    static const char *const send[] = {NULL, "send bounced", "send deferred",
                                       "send failed"};
    static const char *const contact[] = {NULL, "contact bounced",
                                          "contact replied",
                                          "contact unsubscribed"};
    struct strbuf sb;
    const char *parts[6];
    size_t n = 0;

    if (send[e->send])
        parts[n++] = send[e->send];
    if (contact[e->contact])
        parts[n++] = contact[e->contact];
    if (e->mailbox == MAILBOX_QUOTA_FULL)
        parts[n++] = "mailbox full today";
    else if (e->mailbox == MAILBOX_BLOCKED || e->mailbox ==
             MAILBOX_BLOCKED_TENANT)
        parts[n++] = "mailbox blocked";
    if (e->suppress)
        parts[n++] = "suppressed";
    if (e->company_stop)
        parts[n++] = "company stopped";
    if (!n)
        parts[n++] = e->attempt_row ? "attempt recorded" : "none";
    sb_init(&sb, 0);
    for (size_t i = 0; i < n; i++)
        sb_addf(&sb, "%s%s", i ? ", " : "", parts[i]);
    snprintf(buf, cap, "%s", sb.buf);
    sb_release(&sb);
    return buf;
}
