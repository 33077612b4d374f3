/*
 * compose.h - one message for one contact from one mailbox: the contact's
 * fields (columns and fields_json) from the database, the campaign's
 * template rendered (template.c) and the RFC 5322 text built (message.c).
 * Not pure (reads the database).
 */
#ifndef MAILROTA_COMPOSE_H
#define MAILROTA_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "template.h"

struct store_mail_contact;

struct compose_in {
    long long contact_id;
    /* The contact as read with the plan (store_run_contact), borrowed; NULL:
     * compose reads it. */
    const struct store_mail_contact *contact;
    const struct template *tpl;   /* parsed template of the step */
    const char *subject;          /* the step's --subject override, or NULL */
    /* A follow-up (step > 1, SPEC "Sequences"): In-Reply-To and
     * References from the earlier steps' sends; without a subject of its
     * own, "Re: " and step 1's (its override, else its template's). */
    long long campaign_id;
    int step;                     /* 1-based; 0 is read as 1 */
    const struct template *first_tpl;
    const char *first_subject;
    const char *from_name;        /* mailbox display name */
    const char *from_email;       /* mailbox address */
    const char *uuid;             /* the send's id: Message-ID */
    int64_t date;
    int32_t utc_offset;           /* of the configured zone at date */
    const struct config_unsubscribe *unsubscribe;
    const unsigned char *key;     /* key file's, for {{token}}; or NULL */
};

struct compose_out {
    char *to;          /* contact address */
    char *text;        /* the message, CRLF */
    size_t len;
};

/*
 * Renders and builds.  Errors: ERR_DATA when the message cannot be made
 * (a variable with no value and no default, bad UTF-8...): ei->msg is the
 * reason to record; ERR_DB.  out is set on success only.
 */
int compose_message(struct db *db, const struct compose_in *in,
                    struct compose_out *out, struct errinfo *ei);
void compose_out_release(struct compose_out *out);

/*
 * Before composing: an unsubscribe.url using {{token}} needs the key file.
 * Errors: ERR_CONFIG naming unsubscribe.url and the key file.  Pure.
 */
int compose_check_key(const struct config *cfg, bool have_key,
                      struct errinfo *ei);

/*
 * The template variables every contact can have (columns and the sender),
 * besides the keys of its fields_json: sets names[0..max) and returns how
 * many there are.  Pure.
 */
size_t compose_builtin_vars(const char **names, size_t max);

#endif
