/*
 * store_forget.h - `contact forget`'s queries (SPEC "Contacts and
 * erasure"), and the erasure lookup `import` skips erased rows with.
 * Not pure.
 *
 * What an erasure leaves (migration 0008 says why):
 *   - the contacts row (with fields_json and its company spelling) and its
 *     enrollments: deleted;
 *   - its sends: kept, contact_id NULL, `erased` a number of their own and
 *     `company_id` the company they counted against, so that caps (per
 *     mailbox and day), cooldown and the company limit (distinct people
 *     per company and campaign, view send_people) count exactly as before;
 *   - every stored text that names the address in any ASCII case (sends'
 *     and attempts' smtp_text, inbound from/subject/diagnostic/effect,
 *     mailboxes' last_error): the address replaced by ERASE_TOKEN; the
 *     person's own inbound rows also lose from_addr, subject and the
 *     contact link (Message-IDs are not personal and stay);
 *   - a suppression of the address itself: replaced by the erasure's
 *     `sha256:` row, reason `erased`;
 *   - its company: deleted only when no contact and no send names it.
 * All of it in one IMMEDIATE transaction under PRAGMA secure_delete (freed
 * bytes are zeroed); then a wal_checkpoint(TRUNCATE) so the WAL holds no
 * older copy either.
 */
#ifndef MAILROTA_STORE_FORGET_H
#define MAILROTA_STORE_FORGET_H

#include <stdbool.h>

#include "db.h"
#include "erase.h"
#include "err.h"

struct store_forget {
    /* in */
    long long contact_id;
    const char *email;                 /* as stored (contacts.email) */
    const char *value;                 /* erase_value(email) */
    const char *now;                   /* ISO-8601 UTC */
    /* out: what was removed or anonymised */
    long fields;          /* non-empty names, title, company, custom */
    long enrollments;
    long sends;
    long attempts;        /* attempts of those sends (kept) */
    long inbound;         /* inbound rows of the person (kept) */
    long texts;           /* other stored texts the address was cut from */
    long suppressions;    /* suppressions of the address, replaced */
    bool company_removed; /* its company named nobody else */
    bool checkpointed;    /* the WAL was emptied afterwards */
};

/*
 * Erases f->contact_id as above and fills f's counts.  Nothing changes
 * unless all of it does.  A failed checkpoint afterwards is no error:
 * f->checkpointed says so (another connection was reading).
 * Errors: ERR_DB (ERR_TEMPFAIL while locked).
 */
int store_forget(struct db *db, struct store_forget *f, struct errinfo *ei);

/*
 * *found: whether `value` (erase_value()) is an erasure's suppression;
 * date (when found) its created_at day, "YYYY-MM-DD".  Errors: ERR_DB.
 */
int store_erased_on(struct db *db, const char *value, bool *found,
                    char date[11], struct errinfo *ei);

/*
 * *any: whether any address was erased (an erasure's suppression exists):
 * when none, the import skips hashing every row.  Errors: ERR_DB.
 */
int store_any_erasure(struct db *db, bool *any, struct errinfo *ei);

/*
 * *erased: whether email (any case) was erased: its erase_value() is a
 * suppression.  So `inbox` stores nothing of mail an erased person sends
 * later.  Errors: ERR_DB, ERR_SOFTWARE.
 */
int store_address_erased(struct db *db, const char *email, bool *erased,
                         struct errinfo *ei);

#endif
