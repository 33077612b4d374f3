/*
 * store.h - the program's queries: every SQL statement that reads or
 * writes mailrota's tables, as typed functions over struct db, each
 * statement prepared once per connection (db_stmt).  Split by concern
 * into src/io/store*.c.  Not pure.
 */
#ifndef MAILROTA_STORE_H
#define MAILROTA_STORE_H

#include "db.h"
#include "caps.h"
#include "status.h"

/*
 * Writes the table send_statuses from src/core/status.c (which statuses
 * count against cap, cooldown and company limit), when it exists.  Called
 * inside each migration's transaction.
 */
int store_sync_statuses(struct db *db, struct errinfo *ei);

/*
 * SQL for "status counts against X", X being counts_cap, counts_cooldown
 * or counts_company: `s.status IN ` STORE_COUNTED("counts_cap").
 */
#define STORE_COUNTED(col) "(SELECT status FROM send_statuses WHERE " col ")"

/* ---- settings (store.c) ------------------------------------------------ */

/* Writes the settings rows the views read (daily_cap, timezone). */
int store_settings_write(struct db *db, int daily_cap, const char *timezone,
                         struct errinfo *ei);
/* *same: whether the settings rows already hold these values. */
int store_settings_current(struct db *db, int daily_cap,
                           const char *timezone, bool *same,
                           struct errinfo *ei);

/* ---- the roster (store_mailboxes.c) ------------------------------------ */

/* Calls fn with each password_env the roster names (each once). */
int store_password_envs(struct db *db, void (*fn)(const char *var),
                        struct errinfo *ei);

/* Calls fn with the email of each mailbox holding a stored (sealed)
 * password, in email order; without a mailboxes table, none. */
int store_sealed_mailboxes(struct db *db,
                           void (*fn)(void *arg, const char *email),
                           void *arg, struct errinfo *ei);

/* Deletes every cached OAuth token (when the table exists); *n how many. */
int store_drop_oauth_tokens(struct db *db, int *n, struct errinfo *ei);

/* The cached token (ciphertext) of (tenant, client, scope), with its ISO
 * expiry and fetch times, all new strings: 1 when there is one, 0 none. */
int store_token_get(struct db *db, const char *tenant, const char *client,
                    const char *scope, char **sealed, char **expires_at,
                    char **fetched_at, struct errinfo *ei);
/* Stores (or replaces) the cached token of (tenant, client, scope). */
int store_token_put(struct db *db, const char *tenant, const char *client,
                    const char *scope, const char *sealed,
                    const char *expires_at, const char *fetched_at,
                    struct errinfo *ei);

/* *id: the mailbox with this (normalised) email, 0 when none. */
int store_mailbox_id(struct db *db, const char *email, long long *id,
                     struct errinfo *ei);

/* *status: mailbox id's status; *found false when the row is missing or
 * its status is none of status.h's. */
int store_mailbox_status(struct db *db, long long id,
                         enum mailbox_status *status, bool *found,
                         struct errinfo *ei);

/* A change to a mailbox: NULL / false fields keep what is stored. */
struct store_mailbox_change {
    const char *name;          /* display name */
    bool has_status;
    enum mailbox_status status;
    const char *auth;
    const char *fallback;
    bool has_cap;
    long long cap;
    bool set_password;         /* replace the password source with: */
    const char *secret;        /* ciphertext (--password-stdin) */
    const char *password_env;
    const char *password_cmd;
};

/*
 * Applies ch to mailbox id, or with id 0 adds the mailbox `email` (status
 * cold-ready, auth plain, fallback none unless ch says).  Setting a
 * password source clears the others; a fix (new credentials or auth, or
 * back to cold-ready from another status) clears last_error.
 */
int store_mailbox_apply(struct db *db, long long id, const char *email,
                        const struct store_mailbox_change *ch,
                        const char *now, struct errinfo *ei);

/* Sets the ramp of mailbox id (caps.h); start 0: none. */
int store_mailbox_set_ramp(struct db *db, long long id, int start, int step,
                           struct errinfo *ei);

/* One row of `mailbox list`, valid during the callback. */
struct store_mailbox_row {
    const char *email, *display_name, *status, *auth, *fallback;
    const char *password_source;   /* "env:VAR", "command", "stored", NULL */
    const char *last_error;
    struct caps_mailbox cap;       /* for caps_effective, on `day` */
};

/* Calls fn for each mailbox, in roster order, its counts on `day`; stops
 * at fn's first negative return and returns it. */
int store_mailbox_list(struct db *db, const char *day,
                       int (*fn)(void *arg, const struct store_mailbox_row *r),
                       void *arg, struct errinfo *ei);

/* ---- the status command's figures (store_status.c) --------------------- */

struct store_status_row {
    const char *email;
    const char *status_text;       /* as stored */
    bool can_send;                 /* mailbox_status_sends */
    struct caps_mailbox cap;       /* for caps_effective, on the day */
    long sent, bounced, deferred;  /* that day's sends by status */
};

/* Calls fn for each mailbox, in roster order, with its figures of `day`. */
int store_status_day(struct db *db, const char *day,
                     void (*fn)(void *arg, const struct store_status_row *r),
                     void *arg, struct errinfo *ei);

/* *n: the sends of `day` whose outcome is unknown (unknown or sending). */
int store_unknown_outcomes(struct db *db, const char *day, long long *n,
                           struct errinfo *ei);

/* ---- campaigns (store_campaigns.c) ------------------------------------- */

/* *id: the campaign named name, 0 when none. */
int store_campaign_id(struct db *db, const char *name, long long *id,
                      struct errinfo *ei);

/* Adds an active campaign; subject NULL: the template's. */
int store_campaign_add(struct db *db, const char *name,
                       const char *template_path, const char *subject,
                       const char *now, struct errinfo *ei);

/* Campaign id's template path and --subject (NULL: the template's), new
 * strings for the caller.  Errors: ERR_DATA (no such campaign), ERR_DB. */
int store_campaign_get(struct db *db, long long id, char **template_path,
                       char **subject, struct errinfo *ei);

/* Sets campaign id's template path and subject, each when not NULL. */
int store_campaign_set(struct db *db, long long id, const char *template_path,
                       const char *subject, struct errinfo *ei);

struct store_campaign_row {
    const char *name, *status, *template_path, *subject;
    long long enrolled, sent;
};

/* Calls fn for each campaign, in the order they were added. */
int store_campaign_list(struct db *db,
                        void (*fn)(void *arg,
                                   const struct store_campaign_row *r),
                        void *arg, struct errinfo *ei);

/* Pauses or resumes the campaign named name; *found whether it exists. */
int store_campaign_set_paused(struct db *db, const char *name, bool paused,
                              bool *found, struct errinfo *ei);

/* ---- a campaign's steps (store_steps.c) --------------------------------- */

/* Appends a follow-up step to the campaign (*step: its number, 2, 3...);
 * subject NULL: its template's, else Re: step 1's; after_days -1: NULL,
 * rules.cooldown_days at plan time. */
int store_step_add(struct db *db, long long campaign_id,
                   const char *template_path, const char *subject,
                   int after_days, const char *now, int *step,
                   struct errinfo *ei);

struct store_step_row {
    int step;
    const char *template_path, *subject;   /* subject may be NULL */
    int after_days;                        /* -1: rules.cooldown_days */
    long long sent, bounced, replied;
};

/* Calls fn for step 1 (the campaign's own template) and each follow-up. */
int store_step_list(struct db *db, long long campaign_id,
                    void (*fn)(void *arg, const struct store_step_row *r),
                    void *arg, struct errinfo *ei);

/* Calls fn with each column name (lower case) any contact's fields_json
 * holds, each once. */
int store_contact_field_names(struct db *db,
                              void (*fn)(void *arg, const char *name),
                              void *arg, struct errinfo *ei);

/* ---- contacts and companies: the import (store_contacts.c) ------------- */

/* fn(arg, id, name_key, domain) for every company, by id; domain may be
 * NULL. */
typedef void (*store_company_fn)(void *arg, long long id, const char *key,
                                 const char *domain);
int store_companies_each(struct db *db, store_company_fn fn, void *arg,
                         struct errinfo *ei);
int store_company_add(struct db *db, const char *name, const char *domain,
                      const char *key, const char *now, long long *id,
                      struct errinfo *ei);
int store_company_set_domain(struct db *db, long long id, const char *domain,
                             struct errinfo *ei);

/* *id: the contact with this (normalised) email, 0 when none. */
int store_contact_id(struct db *db, const char *email, long long *id,
                     struct errinfo *ei);

/* A contact's values from one import row; NULL: the row has none. */
struct store_contact {
    const char *email;
    const char *first_name, *last_name, *title;
    long long company_id;      /* 0: none */
    bool company_explicit;     /* the row named the company ... */
    const char *company_name;  /* ... spelled so (rendered by {{company}}) */
    const char *timezone;      /* an IANA zone the zoneinfo database has */
    const char *fields_json;   /* the extra columns, an object */
};

/* Begins the one write transaction of an import, with a page cache large
 * enough for the indexes of a big file.  own_keys: every key the import
 * writes is read or made inside this transaction (company ids from its
 * map, the campaign found again), so SQLite's foreign key checks are off,
 * and so are its CHECK constraints (the import's status is a constant and
 * its fields_json valid JSON by construction), until store_import_end(),
 * after the commit or rollback, sets them on. */
int store_import_begin(struct db *db, bool own_keys, struct errinfo *ei);
void store_import_end(struct db *db);

/* Adds c as an active contact, or, when its email (any case) is there,
 * sets on it what c has, never clears: a company derived from the domain
 * fills only an empty company; fields_json is merged.  *inserted whether
 * it is new; *id (id may be NULL: not wanted) the contact. */
int store_contact_upsert(struct db *db, const struct store_contact *c,
                         const char *now, long long *id, bool *inserted,
                         struct errinfo *ei);
/* Enrols a contact in a campaign (nothing when it already is); *added
 * (may be NULL) whether it was not enrolled before. */
int store_enroll(struct db *db, long long campaign_id, long long contact_id,
                 const char *now, bool *added, struct errinfo *ei);

/* *id and *status of the contact with this (normalised) email; *id 0 when
 * none (*status is then untouched). */
int store_contact_find(struct db *db, const char *email, long long *id,
                       enum contact_status *status, struct errinfo *ei);

/* Enrols every contact with status active in the campaign: *added how many
 * were not enrolled yet, *already how many were. */
int store_enroll_active(struct db *db, long long campaign_id,
                        const char *now, long *added, long *already,
                        struct errinfo *ei);

/* ---- suppressions (store_suppress.c) ----------------------------------- */

struct store_suppression {
    long long rowid;
    const char *value, *reason, *created_at;
};

/* Calls fn for each suppression row, by value or in the order added;
 * stops at fn's first negative return and returns it. */
int store_suppressions(struct db *db, bool by_value,
                       int (*fn)(void *arg,
                                 const struct store_suppression *s),
                       void *arg, struct errinfo *ei);
int store_suppression_delete(struct db *db, long long rowid,
                             struct errinfo *ei);
/* Adds value, or on a stored one sets reason when reason is not NULL. */
int store_suppression_put(struct db *db, const char *value,
                          const char *reason, const char *now,
                          struct errinfo *ei);

#endif
