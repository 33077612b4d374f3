/*
 * inbound_class.h - what an inbound message is (SPEC "Inbound: bounces,
 * replies and unsubscribes"), and what it does to the send, the contact
 * and the mailbox.  Pure: reads a parsed message (mime.h, plain C) and
 * options; the caller matches the Message-IDs and addresses it returns
 * against the store.
 *
 * Classification, first match wins:
 *   bounce / delay  a delivery-status part (Action failed / delayed), or,
 *                   without one, a known NDR (null or MAILER-DAEMON /
 *                   postmaster sender, X-MS-Exchange-Message-Is-Ndr, an
 *                   NDR subject in one of several languages) whose text
 *                   gives the status code;
 *   auto_reply      Auto-Submitted other than "no", X-Autoreply,
 *                   X-Autorespond, Precedence: auto_reply,
 *                   X-MS-Exchange-Inbox-Rules-Loop, an out-of-office
 *                   subject;
 *   unsubscribe     sent to the unsubscribe mailto, or a would-be reply
 *                   whose subject or new text (above the quote) holds one
 *                   of the configured words;
 *   reply           anything else that is not bulk mail (Precedence bulk,
 *                   junk or list) nor from a null or daemon sender: the
 *                   caller keeps it a reply only when it matched a send or
 *                   a contact (inbound_settle);
 *   other           the rest, and every message mime.c could not read.
 */
#ifndef MAILROTA_INBOUND_CLASS_H
#define MAILROTA_INBOUND_CLASS_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"
#include "dsn.h"
#include "inbound_msg.h"

enum inbound_kind {
    INBOUND_OTHER = 0,
    INBOUND_BOUNCE,
    INBOUND_DELAY,
    INBOUND_AUTO_REPLY,
    INBOUND_UNSUBSCRIBE,
    INBOUND_REPLY,
};

#define INBOUND_MAX_RCPTS DSN_MAX_RCPTS
#define INBOUND_MAX_IDS 16
#define INBOUND_ID_MAX 256
#define INBOUND_ADDR_MAX 256
#define INBOUND_WHY_MAX 192

/* One recipient a delivery report names. */
struct inbound_rcpt {
    char addr[INBOUND_ADDR_MAX];       /* domain lower-cased */
    char action[DSN_WORD_MAX];         /* "failed", "delayed" */
    char status[SMTP_ENHANCED_MAX];    /* "5.1.1", or "" */
    int smtp_code;                     /* 550, or 0 */
    char diagnostic[SMTP_TEXT_MAX];
};

struct inbound_opts {
    /* SPEC inbound.unsubscribe_words (config's defaults:
     * CONFIG_UNSUBSCRIBE_WORDS_DEFAULT in config.h) */
    const char *const *unsub_words;
    size_t n_unsub_words;
    const char *unsub_mailto;  /* unsubscribe.mailto, or NULL / "" */
};

struct inbound_result {
    enum inbound_kind kind;
    /* bounce / delay: the recipients with that action */
    size_t n_rcpts;
    struct inbound_rcpt rcpt[INBOUND_MAX_RCPTS];
    /* Message-IDs to match with sends.message_id, first hit wins:
     * In-Reply-To, References (newest first), the returned original's.
     * Normalised (inbound_msgid_norm). */
    size_t n_ids;
    char ids[INBOUND_MAX_IDS][INBOUND_ID_MAX];
    char from_addr[INBOUND_ADDR_MAX];  /* domain lower-cased */
    char why[INBOUND_WHY_MAX];         /* the rule that matched */
};

void inbound_classify(const struct mime_msg *m, const struct inbound_opts *o,
                      struct inbound_result *r);

/* A reply that matched no send and no contact is `other`. */
enum inbound_kind inbound_settle(enum inbound_kind kind, bool matched);

const char *inbound_kind_str(enum inbound_kind k);

/*
 * The Message-ID in s (angle brackets and spaces dropped, the domain part
 * after the last '@' lower-cased) into out; false when there is none or
 * it does not fit.
 */
bool inbound_msgid_norm(const char *s, size_t len, char *out, size_t cap);

/*
 * The length of the new text at the top of a reply's body: everything
 * before the first line that starts the quoted original ("> ...", "On ...
 * wrote:", "-----Original Message-----", "From: ... Sent:", Outlook's
 * underscore rule, and their German, French and Spanish forms).
 */
size_t inbound_new_text_len(const char *body, size_t len);

/*
 * The first of words found in text[0..len) as a whole word or phrase,
 * ignoring case (ASCII and Latin-1 letters), or NULL.
 */
const char *inbound_find_word(const char *text, size_t len,
                              const char *const *words, size_t n_words);

/*
 * An NDR without a delivery-status part: the status its text gives
 * ("Remote Server returned '550 5.1.10 ...'", "#550 5.1.1", "550 5.1.1
 * <a@b>... User Unknown", else a bare "5.1.1"), from the report's own
 * words above the returned original, and the first address there that is
 * not skip1, skip2 (the report's From and To) or a daemon's.  False when
 * the text gives no status.
 */
bool inbound_ndr_text(const char *body, size_t len, const char *skip1,
                      const char *skip2, struct inbound_rcpt *r);

/* What a message does (SPEC "Inbound ... Effects"). */
enum inbound_send_effect {
    INBOUND_SEND_UNCHANGED = 0,
    INBOUND_SEND_BOUNCED,
    INBOUND_SEND_DEFERRED,  /* retried: a sender-side limit */
    INBOUND_SEND_FAILED,    /* the mailbox or tenant is blocked */
};

enum inbound_contact_effect {
    INBOUND_CONTACT_UNCHANGED = 0,
    INBOUND_CONTACT_BOUNCED,
    INBOUND_CONTACT_REPLIED,
    INBOUND_CONTACT_UNSUBSCRIBED,
};

struct inbound_effect {
    enum inbound_send_effect send;
    enum inbound_contact_effect contact;
    enum bounce_mailbox_action mailbox; /* QUOTA_FULL, BLOCKED_TENANT */
    bool attempt_row;    /* an attempts row, stage dsn */
    bool suppress;       /* suppression, reason unsubscribe-reply */
    bool company_stop;   /* company_replied in that campaign */
};

/*
 * The effect of a message of `kind` whose recipient had `status` and
 * reply code `smtp_code` (bounce only; the codes' classes are
 * bounce_classify()'s, STAGE_DSN).  stop_company_on_reply is
 * rules.stop_company_on_reply.
 */
void inbound_effect(enum inbound_kind kind, const char *status, int smtp_code,
                    bool stop_company_on_reply, struct inbound_effect *e);

/* "send bounced, contact bounced" and the like, for inbound.effect. */
const char *inbound_effect_str(const struct inbound_effect *e, char *buf,
                               size_t cap);

#endif
