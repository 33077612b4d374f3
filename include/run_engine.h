/*
 * run_engine.h - the inside of `run` (src/cmd): what cmd_run.c's outline,
 * the engine (run_engine.c: the dispatcher, one thread per mailbox, the
 * send loop over a transport; run_db.c: the workers' one database
 * connection), one message's path (run_job.c: compose ->
 * claim -> transmit -> record) and the steps around the sending
 * (run_steps.c: templates, jobs, dry run, the runs row, the verdict) share.
 * Internal to the run command.
 *
 * Locks: r->mu guards the dispatcher's state (queues, loads, dead,
 * finished, jobs' outcomes); r->dbmu guards the workers' one database
 * connection, r->wdb (db_write, run_db_lock): its reads, its writes and
 * the records it holds for the next claim's commit (store_run_record).
 * dbmu is never taken with mu held.
 */
#ifndef MAILROTA_RUN_ENGINE_H
#define MAILROTA_RUN_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "bounce.h"
#include "clock.h"
#include "compose.h"
#include "db.h"
#include "diagnose.h"
#include "pacing.h"
#include "runlock.h"
#include "runplan.h"
#include "runreport.h"
#include "secret.h"
#include "store_run.h"
#include "template.h"
#include "transport.h"
#include "util.h"

struct job {
    size_t cand;           /* index into rp->cand */
    int mailbox;           /* current mailbox (worker) index */
    char id[37];           /* the send's uuid */
    struct store_mail_contact *contact; /* read with the plan, or NULL */
    bool tried;            /* reached the server at least once */
    bool done;
    enum bounce_outcome outcome;
};

struct worker;

struct run {
    struct app *app;
    const struct config *cfg;
    struct runplan *rp;
    char run_id[37];
    uint64_t seed;
    int64_t started_ms;
    char started[ISO_TIME_LEN];
    struct runlock lock;       /* <database>.lock, noting each claim */
    struct template *tpl;      /* per campaign and step (run_template);
                                  body NULL when unusable */
    size_t *tpl_at;            /* per campaign: its step 1's index */
    struct job *jobs;
    size_t n_jobs;
    struct worker *w;          /* per mailbox */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* The workers share one connection: SQLite has one writer at a
     * time, so threads queue here rather than in its busy handler (which
     * sleeps 1-100 ms per retry), its page cache stays valid across their
     * commits, and a record rides on the next claim's fsync. */
    pthread_mutex_t dbmu;
    struct db *wdb;            /* the workers' connection (under dbmu) */
    struct worker *db_user;    /* who holds dbmu: its busy wait's rule */
    /* Commits of wdb wait for no disk (DB_SYNC_LATER): run_sync makes
     * them durable outside dbmu, one fdatasync for every commit before it
     * (group commit).  genmu guards db_gen, claim_gen and last_claim;
     * syncmu the syncs, synced_gen and named_gen. */
    pthread_mutex_t genmu;
    pthread_mutex_t syncmu;
    unsigned long db_gen;      /* commits of wdb made so far */
    unsigned long claim_gen;   /* the one that holds last_claim */
    unsigned long synced_gen;  /* commits on disk */
    unsigned long named_gen;   /* the lock file names last_claim of it */
    char last_claim[37];       /* the newest: the lock file names it */
    int running;               /* workers not finished */
    struct oauth_cache *oauth; /* tokens for xoauth2 and graph mailboxes */
    struct db *oauth_db;       /* the cache's own connection */
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
    atomic_bool halt;          /* the database failed: see run_halt() */
    struct errinfo halt_ei;    /* why (under mu) */
    bool closing;              /* the main connection records the end */
    size_t seq;                /* jobs handed out so far (dispatch.h) */
};

struct worker {
    struct run *run;
    size_t mb;                 /* index into rp->mb */
    pthread_t th;
    bool started;
    size_t *queue;             /* job indices */
    size_t qhead, qlen, qcap;
    int load;                  /* queued + in flight + counted outcomes */
    bool dead;                 /* takes no more work this run */
    bool finished;
    bool authed;               /* got past AUTH at least once */
    bool failed_early;         /* failed before MAIL FROM */
    bool oauth;                /* authenticates with a token */
    bool graph;                /* sends through Graph (auth graph, or
                                  fallback: graph after 5.7.139/5.7.30) */
    char *token;               /* the current token (secret), or NULL */
    struct diagnose_who who;   /* for the fixes in last_error and stderr */
    bool token_fetched;        /* got from the endpoint by this run */
    struct pacing pace;        /* its gaps (pacing.h) */
    size_t seq;                /* order of the latest job handed to it */
    bool recording;            /* writing a reply: waits out a busy db */
};

/* A message between its claim and its record. */
struct flight {
    size_t job;
    struct store_send os;
    char *mid;
    struct compose_out co;
    int64_t t0;
    struct smtp_reply rep;
    struct transport_msg tm;   /* as handed to the transport */
    bool retried;              /* already retried with a new token */
    struct run *run;
    unsigned long gen;         /* the commit of its claim (run_sync) */
    bool durable;              /* that commit is on disk */
};

/* What the night's summary line counts. */
struct counts {
    long planned, sent, deferred, bounced, failed, unknown;
};

/* ---- run_db.c: the workers' connection ---- */

/* Takes r->wdb for worker w (NULL: the main thread), and gives it back. */
struct db *run_db_lock(struct run *r, struct worker *w);
void run_db_unlock(struct run *r);
/* Opens r->wdb; false (the run halted) if it cannot be. */
bool run_open_wdb(struct run *r);
/* After the workers: what r->wdb holds committed and on disk; closed. */
void run_close_wdb(struct run *r);
/* Before w (NULL: the main thread) waits or ends: what r->wdb holds is
 * committed and synced. */
void run_flush_records(struct run *r, struct worker *w);
/*
 * Under run_db_lock: commits what r->wdb holds (records, and the claim of
 * send `claim` when not NULL), without waiting for the disk; *gen is the
 * commit's number for run_sync, 0 when nothing was held.  -1 (ei; the run
 * halts) when the commit failed.
 */
int run_commit(struct run *r, const char *claim, unsigned long *gen,
               struct errinfo *ei);
/*
 * Outside run_db_lock: returns once commit `gen` is on disk, and the lock
 * file names the newest claim on disk.  One fdatasync covers every commit
 * made before it, so a thread whose commit another's sync covered goes on
 * at once.  -1 (ei; the run halts) when the disk failed.
 */
int run_sync(struct run *r, unsigned long gen, struct errinfo *ei);

static inline int run_db_write_done(struct run *r, int rc)
{
    run_db_unlock(r);
    return rc;
}

/* Runs one call of store_run.h on r->wdb for worker w, under r->dbmu. */
#define db_write(r, w, call)                                                \
    (run_db_lock((r), (w)), run_db_write_done((r), (call)))

/* ---- run_engine.c ---- */

/* Whether no new message may start: a stop was asked for (SIGTERM,
 * SIGINT) or the database refused a write. */
bool run_halting(struct run *r);
/* A write the database refused: nothing more is claimed (exit 74). */
void run_halt(struct run *r, const struct errinfo *ei);
/* stop_watch_start's callback: waiting workers look at run_halting(). */
void run_wake(void *arg);
/* db_wait_while's callback for the main connection. */
bool run_waits(void *arg);
/* Hands a job to the mailbox the rotation rule picks; false if none, or
 * when it is a follow-up (its thread's mailbox only). */
bool run_reassign(struct run *r, size_t job);
/* The worker stops: its queued jobs go to the others. */
void run_retire(struct run *r, struct worker *w);
/* Stops every mailbox of the domain of email (a tenant block). */
void run_retire_domain(struct run *r, const char *email);
/* Puts job back at the head of w's queue. */
void run_requeue_front(struct worker *w, size_t job);
/* One thread per mailbox that can send, until the work is done. */
void run_send_all(struct run *r);

/* ---- run_job.c ---- */

/* What compose needs for job j sent from mailbox mb. */
void run_compose_in(const struct run *r, const struct job *j, size_t mb,
                    struct compose_in *ci);
/* After pacing's wait: whether w still sends job_ix (else handed on). */
bool job_still_sending(struct run *r, struct worker *w, size_t job_ix);
/* Composes and claims: true when the message is `sending` and must go. */
bool job_begin(struct run *r, struct worker *w, struct db *db,
               size_t job_ix, struct flight *f);
/* Hands f to transport t, with a token when w needs one; false (f->rep
 * at STAGE_TOKEN) when there is none. */
bool job_transmit(struct run *r, struct worker *w, struct transport *t,
                  struct flight *f);
/* Whether f's refused token is worth one more try with a new one. */
bool job_retry_token(const struct worker *w, const struct flight *f);
/* Records the try in f and acts on it: hand over, retire, fall back. */
void job_finish(struct run *r, struct worker *w, struct db *db,
                struct transport *t, struct flight *f);

/* ---- cmd_run.c and run_until.c ---- */

/* What `run` was asked. */
struct run_opts {
    long long max;             /* --max (per run); 0: none */
    bool dry;                  /* --dry-run */
    bool no_inbox;             /* --no-inbox */
    bool until_done;           /* --until-done */
};

/* One run: lock, recover, inbox, plan, send, record; its counts into *k
 * (may be NULL); the summary line unless quiet.  -1 (ei) with the run's
 * exit status. */
int run_night(struct app *app, const struct run_opts *o, bool quiet,
              struct counts *k, struct errinfo *ei);
/* "planned N, sent N, deferred N, bounced N, failed N, unknown N". */
void run_print_counts(const struct counts *k);
/* run --until-done (run_until.c): runs while sends are due today. */
int run_until_done(struct app *app, const struct run_opts *o,
                   struct errinfo *ei);

/* ---- run_steps.c ---- */

void run_new_uuid(char out[37]);
/* The jobs of the plan, each with its send's uuid. */
void run_make_jobs(struct run *r);
/* Each job's contact, read now rather than by each worker under dbmu; a
 * job whose contact cannot be read keeps NULL (compose reads it then). */
void run_load_contacts(struct run *r, struct db *db);
/* What job j holds (its contact); run_free_jobs: all of them, and jobs. */
void run_job_release(struct job *j);
void run_free_jobs(struct run *r);
/* Each needed campaign's template; -1 (ei) when one is unusable. */
int run_load_templates(struct run *r, struct errinfo *ei);
/* The template of job j's campaign and step; NULL when it is unusable. */
const struct template *run_template(const struct run *r,
                                    const struct job *j);
void run_free_templates(struct run *r);
/* --dry-run: compose every planned message, send and write nothing. */
void run_dry(struct run *r, struct db *db, struct counts *k,
             struct runreport_failures *fails);
/* The runs row: at the start, and at the end with the counts. */
int run_row_start(struct db *db, struct run *r, const char *now,
                  struct errinfo *ei);
int run_row_finish(struct db *db, struct run *r, const struct counts *k,
                   int exit_code, struct errinfo *ei);
/* The jobs' outcomes into k; whether any reached a server. */
bool run_tally(const struct run *r, struct counts *k);
/* What an unhealthy night must say; whether it exits 69 (*e69). */
bool run_night_report(struct run *r, struct db *db, const struct counts *k,
                      size_t max, bool dry, struct errinfo *e69);
/* This run's failed sends by reason, and where to see them. */
void run_report_failures(struct run *r, struct db *db);
/* A run stopped early: the database's error (74), or the signal (75). */
void run_stop_verdict(struct run *r, int *exit_code, struct errinfo *ei);

#endif
