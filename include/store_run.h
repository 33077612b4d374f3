/*
 * store_run.h - the send path's queries (store.h's rule: typed functions,
 * each statement prepared once per connection by db_stmt, statuses from
 * status.h): the claim, the record and the recovery of sends
 * (store_run_send.c), what the plan reads (store_run_plan.c), the contact
 * a message is composed for and the `runs` rows (store_run_misc.c).
 *
 * A send is committed as `sending` with its uuid and Message-ID before
 * any SMTP traffic, and its outcome right after.  Rows a crash left
 * `sending` become `unknown` (store_run_recover) and are never resent.
 * Not pure.
 */
#ifndef MAILROTA_STORE_RUN_H
#define MAILROTA_STORE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bounce.h"
#include "db.h"
#include "diagnose.h"
#include "err.h"
#include "runplan.h"
#include "status.h"

/* ---- sends (store_run_send.c) ---- */

struct store_send {
    const char *id;            /* uuid */
    const char *run_id;
    long long campaign_id;
    long long contact_id;
    int step;                  /* 1-based (SPEC "Sequences") */
    long long mailbox_id;
    const char *mailbox_email; /* for the fix in last_error (may be NULL) */
    const struct diagnose_who *who; /* the same, with its password source
                                       and server (may be NULL) */
    const char *transport;     /* "smtp" or "graph" */
    const char *message_id;
    const char *day;           /* local day of this try */
    int default_cap;           /* rules.daily_cap */
};

enum store_claim {
    STORE_CLAIMED = 0,
    STORE_CAP_FULL,            /* the mailbox has no room left today */
    STORE_TAKEN,               /* the message exists and is not deferred */
};

/*
 * *lost: whether the claim of send_id by run_id is gone from the database
 * (runlock.h): the row is missing, or is back to `deferred` under another
 * run (a lost claim leaves the row as it was before: absent, or deferred
 * from an earlier try).  Any later write of the row keeps it found.
 */
int store_run_claim_lost(struct db *db, const char *send_id,
                         const char *run_id, bool *lost, struct errinfo *ei);

/* Marks every `sending` row `unknown`; *n how many. */
int store_run_recover(struct db *db, int *n, struct errinfo *ei);

/* Commits the records the connection holds (store_run_record): before a
 * worker waits, and at the run's end, so every record so far is durable. */
int store_run_settle(struct db *db, struct errinfo *ei);

/*
 * In one IMMEDIATE transaction: checks the mailbox's effective cap on
 * `day` (caps_effective, from its row as it is now) against its sends of
 * that day, and that the message is new or deferred, then writes it as
 * `sending`.  *result says which.  The transaction is held
 * (db_commit_later) with the records before it: the caller commits it
 * (store_run_settle; synchronous=FULL, one fsync for all) before any
 * traffic for the message.
 */
int store_run_claim(struct db *db, const struct store_send *s,
                    const char *now_iso, enum store_claim *result,
                    struct errinfo *ei);

/*
 * Records a try, in one IMMEDIATE transaction: an attempts row, the
 * send's outcome and last reply, and what the verdict says of the contact
 * and the mailbox.  A deferred send that used its last attempt
 * (max_attempts; counted since its latest `retry`, send_retries) becomes
 * failed.  *final receives the outcome written.  The transaction is held
 * (db_commit_later), not committed: the connection's next claim commits
 * it, or store_run_settle when no claim follows at once.
 */
int store_run_record(struct db *db, const struct store_send *s,
                     const struct smtp_reply *r,
                     const struct bounce_verdict *v, int max_attempts,
                     const char *now_iso, enum bounce_outcome *final,
                     struct errinfo *ei);

/* The attempts row of a try alone (record's first step; an inbound
 * delay report adds one with stage dsn and leaves the send as it is). */
int store_run_attempt(struct db *db, const struct store_send *s,
                      const struct smtp_reply *r, const char *now_iso,
                      struct errinfo *ei);

/*
 * Writes a message that could not be composed (a variable with no value)
 * as `failed` with the reason in smtp_text: it counts toward neither caps
 * nor cooldown and is not retried automatically.
 */
int store_run_fail_compose(struct db *db, const struct store_send *s,
                           const char *reason, const char *now_iso,
                           struct errinfo *ei);

/* Sets a mailbox's last_error, and its status unless status_set is
 * false. */
int store_run_mailbox_error(struct db *db, long long mailbox_id,
                            bool status_set, enum mailbox_status status,
                            const char *error, const char *now_iso,
                            struct errinfo *ei);

/* ---- what the plan reads (store_run_plan.c), in rp's arrays ---- */

/* The roster at rp->day, with each mailbox's effective cap (caps.h). */
int store_run_roster(struct db *db, int default_cap, struct runplan *rp,
                     struct errinfo *ei);
/* Campaigns with their steps (a step without its own wait waits
 * cooldown_days), enrolments (candidates: the step each contact is at,
 * sequence.h), company counts, suppressions. */
int store_run_campaigns(struct db *db, int cooldown_days, struct runplan *rp,
                        struct errinfo *ei);
int store_run_candidates(struct db *db, struct runplan *rp,
                         struct errinfo *ei);
int store_run_company_counts(struct db *db, struct runplan *rp,
                             struct errinfo *ei);
int store_run_suppressions(struct db *db, struct runplan *rp,
                           struct errinfo *ei);
/* The replies matched to a send of a company, for stop_company_on_reply;
 * before the candidates are read. */
int store_run_replies(struct db *db, struct runplan *rp, struct errinfo *ei);

/* ---- a contact's fields, the runs table (store_run_misc.c) ---- */

#define STORE_CONTACT_MAX_FIELDS 256

/* What a message says of its contact: columns and fields_json's texts. */
struct store_mail_contact {
    char *email, *first_name, *last_name, *title, *company;
    char *keys[STORE_CONTACT_MAX_FIELDS];
    char *vals[STORE_CONTACT_MAX_FIELDS];
    size_t n;
};

/* Fills *c (zeroed by the caller); release with store_mail_contact_release
 * also after an error. */
int store_run_contact(struct db *db, long long contact_id,
                      struct store_mail_contact *c, struct errinfo *ei);

/*
 * The Message-IDs of the sends of steps before `step` of a contact in a
 * campaign, oldest step first (a follow-up's thread, SPEC "Sequences"):
 * *ids (new, store_strings_free) and *n; only sent ones with an id.
 */
int store_run_thread(struct db *db, long long campaign_id,
                     long long contact_id, int step, char ***ids, size_t *n,
                     struct errinfo *ei);
void store_strings_free(char **v, size_t n);
void store_mail_contact_release(struct store_mail_contact *c);

struct store_run_row {
    const char *id;
    const char *day;
    long planned;
    uint64_t seed;
    long sent, deferred, bounced, failed, unknown;
    int exit_code;
};

/* The run's row in `runs`: started at now_iso (id, day, planned, seed),
 * then finished at now_iso (the counts and exit code). */
int store_run_started(struct db *db, const struct store_run_row *row,
                      const char *now_iso, struct errinfo *ei);
int store_run_finished(struct db *db, const struct store_run_row *row,
                       const char *now_iso, struct errinfo *ei);

/* The end of the night (runreport.c): every mailbox's status and
 * last_error as they are now, in id order. */
int store_run_roster_now(struct db *db,
                         void (*fn)(void *arg, long long id,
                                    const char *status,
                                    const char *last_error),
                         void *arg, struct errinfo *ei);
/* The run's failed sends grouped by campaign, template (only when nothing
 * was tried: the template is what to fix) and reply. */
int store_run_failures(struct db *db, const char *run_id,
                       void (*fn)(void *arg, long count, const char *campaign,
                                  const char *template_path,
                                  const char *reason),
                       void *arg, struct errinfo *ei);

#endif
