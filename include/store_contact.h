/*
 * store_contact.h - one contact's queries for `contact show` and `contact
 * set` (issue 14): its row, its fields_json keys, its enrollments, sends
 * and inbound messages, and the changes `contact set` makes.  Rows come
 * to a callback as text cells (NULL for SQL NULL), borrowed for the
 * duration of the call.  Not pure.
 */
#ifndef MAILROTA_STORE_CONTACT_H
#define MAILROTA_STORE_CONTACT_H

#include <stddef.h>

#include "db.h"
#include "err.h"

/*
 * A row of one section: cells[0..n), each NULL or text from the database
 * (untrusted: escape or sanitize before printing).  A negative return
 * stops the walk and is returned by the store function.
 */
typedef int (*store_contact_row_fn)(void *arg, const char *const *cells,
                                    size_t n);

/* The cells of store_contact_head. */
enum store_contact_head_col {
    SCH_EMAIL, SCH_FIRST_NAME, SCH_LAST_NAME, SCH_TITLE,
    SCH_COMPANY_SPELLED,       /* contacts.company_name, NULL: derived */
    SCH_COMPANY_NAME,          /* companies.name it matched */
    SCH_COMPANY_DOMAIN,        /* companies.domain */
    SCH_STATUS, SCH_STATUS_CHANGED_AT, SCH_CREATED_AT, SCH_UPDATED_AT,
    SCH_NCOLS
};

/* The cells of store_contact_sends. */
enum store_contact_send_col {
    SCS_CAMPAIGN, SCS_MAILBOX, SCS_TRANSPORT, SCS_STATUS, SCS_ATTEMPTS,
    SCS_SMTP_CODE, SCS_SMTP_ENHANCED, SCS_SMTP_TEXT, SCS_MESSAGE_ID,
    SCS_DAY, SCS_CREATED_AT, SCS_LAST_ATTEMPT_AT, SCS_SENT_AT, SCS_STEP,
    SCS_NCOLS
};

/* The cells of store_contact_inbound. */
enum store_contact_inbound_col {
    SCI_RECEIVED_AT, SCI_MAILBOX, SCI_KIND, SCI_STATUS_CODE, SCI_CAMPAIGN,
    SCI_FROM, SCI_SUBJECT, SCI_EFFECT,
    SCI_NCOLS
};

/* The cells of store_contact_enrollments. */
enum store_contact_enrollment_col {
    SCE_CAMPAIGN, SCE_ENROLLED_AT, SCE_CAMPAIGN_STATUS,
    SCE_NCOLS
};

/* Contact id's row (one call of fn, none when the id is unknown). */
int store_contact_head(struct db *db, long long id, store_contact_row_fn fn,
                       void *arg, struct errinfo *ei);
/* Each fields_json key and its value as text (key, value), by key. */
int store_contact_fields(struct db *db, long long id,
                         store_contact_row_fn fn, void *arg,
                         struct errinfo *ei);
/* Its enrollments, in the order enrolled. */
int store_contact_enrollments(struct db *db, long long id,
                              store_contact_row_fn fn, void *arg,
                              struct errinfo *ei);
/* Its sends, oldest first. */
int store_contact_sends(struct db *db, long long id, store_contact_row_fn fn,
                        void *arg, struct errinfo *ei);
/* The inbound messages matched to it, oldest first. */
int store_contact_inbound(struct db *db, long long id,
                          store_contact_row_fn fn, void *arg,
                          struct errinfo *ei);

/*
 * `contact set`'s writes, inside the caller's transaction; each also sets
 * updated_at = now.  A status change records status_changed_at through
 * the trigger of migration 0007.
 */
int store_contact_set_status(struct db *db, long long id, const char *status,
                             const char *now, struct errinfo *ei);
/* column: "first_name", "last_name" or "title"; value NULL clears it. */
int store_contact_set_column(struct db *db, long long id, const char *column,
                             const char *value, const char *now,
                             struct errinfo *ei);
/* Sets fields_json key (a contact_field_key, [a-z0-9_]) to value, or
 * with value NULL removes it (an object left empty becomes NULL). */
int store_contact_set_field(struct db *db, long long id, const char *key,
                            const char *value, const char *now,
                            struct errinfo *ei);

#endif
