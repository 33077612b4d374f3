/*
 * cmd_run.c - `run`, the nightly job: lock -> recover -> plan -> send, one
 * thread per mailbox -> record -> summary.
 *
 * Every message is claimed (committed as `sending`) before any SMTP
 * traffic and recorded right after; a mailbox that fails before MAIL FROM
 * hands its messages to the mailboxes with room left.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <uuid/uuid.h>

#include "app.h"
#include "bounce.h"
#include "caps.h"
#include "clock.h"
#include "compose.h"
#include "crashpoint.h"
#include "creds.h"
#include "diagnose.h"
#include "dispatch.h"
#include "graph.h"
#include "log.h"
#include "message.h"
#include "oauth.h"
#include "pacing.h"
#include "runlock.h"
#include "runplan.h"
#include "runreport.h"
#include "secret.h"
#include "smtp.h"
#include "stop.h"
#include "store_run.h"
#include "template.h"
#include "util.h"

#include "banned.h"


static const char run_usage[] =
    "usage: mailrota run [--dry-run] [--max N]\n"
    "\n"
    "The nightly job: plans who may be written to now (see 'mailrota plan'),\n"
    "sends each message from its mailbox over SMTP, and records every\n"
    "outcome with the server's reply in the database.  Ends with the line\n"
    "  planned N, sent N, deferred N, bounced N, failed N, unknown N\n"
    "and prints nothing else on a healthy night (nothing at all with -q);\n"
    "-v adds a line per send.  A second run while one holds the lock exits\n"
    "75 without sending.\n"
    "\n"
    "An unhealthy night is never silent, even with -q: stderr names each\n"
    "auth-failed, blocked or bounce-paused mailbox (set by this run, or\n"
    "still so while contacts wait) with its last error and the fix, says\n"
    "when contacts wait because no mailbox can send (full caps are not a\n"
    "reason), and counts failed messages by reason, with where to see\n"
    "them.\n"
    "\n"
    "Options:\n"
    "  -n, --dry-run  plan and compose every message, send and write nothing\n"
    "      --max N    send at most N messages\n"
    "  -h, --help     this help\n"
    "\n"
    "Exit status: 0 (bounces are outcomes), 69 when contacts wait, nothing\n"
    "was sent and every mailbox failed to connect, start TLS or\n"
    "authenticate, tonight or on an earlier night (auth-failed, blocked),\n"
    "74 when the database refused a write (nothing more is sent), 75 when\n"
    "another run holds the lock, when nothing was sent while some messages\n"
    "were deferred or unknown, and after SIGTERM or SIGINT (the messages in\n"
    "flight finish and are recorded, no new one starts; a second signal\n"
    "stops at once).\n";

struct job {
    size_t cand;           /* index into rp->cand */
    int mailbox;           /* current mailbox (worker) index */
    char id[37];           /* the send's uuid */
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
    struct template *tpl;      /* per campaign, NULL when unusable */
    struct job *jobs;
    size_t n_jobs;
    struct worker *w;          /* per mailbox */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* SQLite has one writer at a time: threads queue here rather than
     * in its busy handler, which sleeps 1-100 ms per retry (bench/). */
    pthread_mutex_t dbmu;
    int running;               /* workers not finished */
    struct oauth_cache *oauth; /* tokens for xoauth2 and graph mailboxes */
    struct db *oauth_db;       /* the cache's own connection */
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
    atomic_bool halt;          /* the database failed: see halt_run() */
    struct errinfo halt_ei;    /* why (under mu) */
    bool closing;              /* the main connection records the end */
    size_t seq;                /* jobs handed over so far (dispatch.h) */
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

/* Runs one write transaction of store_run_send.c under r->dbmu. */
#define db_write(r, call)                                                   \
    (pthread_mutex_lock(&(r)->dbmu), db_write_done((r), (call)))

static int db_write_done(struct run *r, int rc)
{
    pthread_mutex_unlock(&r->dbmu);
    return rc;
}

static void new_uuid(char out[37])
{
    uuid_t u;

    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

/* ---- stopping early ------------------------------------------------------ */

/*
 * No new message is started once a stop is asked for (SIGTERM, SIGINT;
 * see stop.h) or the database refused a write.  Messages in flight finish
 * and are recorded.
 */
static bool halting(struct run *r)
{
    return stop_requested() || atomic_load(&r->halt);
}

/* A write the database refused (disk full, read-only, damaged): nothing
 * more is claimed, so nothing more is sent, and the run ends with that
 * error (exit 74). */
static void halt_run(struct run *r, const struct errinfo *ei)
{
    pthread_mutex_lock(&r->mu);
    if (!atomic_load(&r->halt)) {
        r->halt_ei = *ei;
        atomic_store(&r->halt, true);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* At the first signal: workers waiting for work look at halting(). */
static void wake_workers(void *arg)
{
    struct run *r = arg;

    pthread_mutex_lock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/*
 * How long a busy database (a user's sqlite3 transaction) is waited for
 * (db_wait_while): a reply already received is recorded however long that
 * takes, so it is never lost (only a second signal ends the wait, and the
 * message stays `sending`); a claim gives up once the run stops.
 */
static bool worker_waits(void *arg)
{
    struct worker *w = arg;

    return w->recording || !halting(w->run);
}

/* The main connection: its last write closes the runs row. */
static bool run_waits(void *arg)
{
    struct run *r = arg;

    return r->closing || !halting(r);
}

/* A run stopped early says why and how many messages wait: the
 * database's error (74), or the signal (75). */
static void stop_verdict(struct run *r, int *exit_code, struct errinfo *ei)
{
    long waiting = 0;

    for (size_t i = 0; i < r->n_jobs; i++)
        if (!r->jobs[i].tried && !r->jobs[i].done)
            waiting++;
    if (atomic_load(&r->halt)) {
        *exit_code = err_exit_code(r->halt_ei.code);
        err_set(ei, r->halt_ei.code, "%ld message%s not started: %s",
                waiting, waiting == 1 ? "" : "s", r->halt_ei.msg);
    } else if (stop_requested()) {
        *exit_code = err_exit_code(ERR_TEMPFAIL);
        err_set(ei, ERR_TEMPFAIL, "stopped by %s: %ld message%s not "
                "started; %s for the next run",
                stop_signal_name(stop_signal()), waiting,
                waiting == 1 ? "" : "s", waiting == 1 ? "it waits"
                                                      : "they wait");
    }
}

/* ---- templates --------------------------------------------------------- */

static int load_templates(struct run *r, struct errinfo *ei)
{
    struct runplan *rp = r->rp;
    bool *needed = xcalloc(rp->n_camp ? rp->n_camp : 1, sizeof(bool));
    int ret = 0;

    r->tpl = xcalloc(rp->n_camp ? rp->n_camp : 1, sizeof(*r->tpl));
    for (size_t i = 0; i < r->n_jobs; i++)
        needed[rp->cand[r->jobs[i].cand].campaign] = true;
    for (size_t c = 0; c < rp->n_camp; c++) {
        struct errinfo tei = { ERR_OK, "" };

        if (!needed[c])
            continue;
        if (app_load_template(rp->camp[c].template_path, &r->tpl[c],
                              &tei) < 0) {
            /* A missing or broken template is the operator's to fix: its
             * messages stay unsent (not failed) until it is. */
            log_error("campaign %s: %s: its messages are not sent",
                      rp->camp[c].name, tei.msg);
            err_set(ei, tei.code, "campaign %s: template unusable",
                    rp->camp[c].name);
            ret = -1;
        }
    }
    free(needed);
    return ret;
}

/* ---- the dispatcher (all under r->mu) ---------------------------------- */

/* What is left under the mailbox's effective cap (runplan, caps.h) once
 * its sends of the day and the work it holds count against it. */
static int room(const struct run *r, const struct worker *w)
{
    const struct sched_mailbox *m = &r->rp->smb[w->mb];
    return caps_remaining(m->cap, m->used_today + w->load);
}

static void enqueue(struct worker *w, size_t job)
{
    if (w->qhead + w->qlen == w->qcap) {
        if (w->qhead) {
            memmove(w->queue, w->queue + w->qhead,
                    w->qlen * sizeof(*w->queue));
            w->qhead = 0;
        } else {
            w->qcap = w->qcap ? w->qcap * 2 : 16;
            w->queue = xrealloc(w->queue, w->qcap * sizeof(*w->queue));
        }
    }
    w->queue[w->qhead + w->qlen++] = job;
    w->load++;
}

/*
 * Hands a job to the live mailbox the rotation rule picks (dispatch.h:
 * the fewest sends today counting the work each holds, with room under
 * its cap); false if none.
 */
static bool reassign(struct run *r, size_t job)
{
    size_t n = r->rp->n_mb, pick;
    struct dispatch_mailbox *dm = xcalloc(n ? n : 1, sizeof(*dm));

    for (size_t i = 0; i < n; i++) {
        const struct worker *w = &r->w[i];
        const struct sched_mailbox *m = &r->rp->smb[i];

        dm[i].eligible = w->started && !w->dead && !w->finished;
        dm[i].cap = m->cap;
        dm[i].load = (long long)m->used_today + w->load;
        dm[i].last_used = m->last_used;
        dm[i].seq = w->seq;
    }
    pick = dispatch_pick(dm, n);
    free(dm);
    if (pick == DISPATCH_NONE)
        return false;
    r->jobs[job].mailbox = (int)pick;
    r->w[pick].seq = ++r->seq;
    enqueue(&r->w[pick], job);
    return true;
}

/* The worker stops: its queued jobs go to the others. */
static void retire(struct run *r, struct worker *w)
{
    w->dead = true;
    while (w->qlen) {
        size_t job = w->queue[w->qhead++];
        w->qlen--;
        w->load--;
        if (!reassign(r, job))
            log_info("no mailbox left to send to %s: it waits for a later "
                     "run",
                     r->rp->cand[r->jobs[job].cand].email);
    }
    pthread_cond_broadcast(&r->cv);
}

/* Stops every mailbox of the same domain (a tenant block). */
static void retire_domain(struct run *r, const char *email)
{
    const char *dom = strchr(email, '@');

    bool *hit = xcalloc(r->rp->n_mb ? r->rp->n_mb : 1, sizeof(bool));

    /* All of them stop before any hands work over, so no message moves
     * to a mailbox of the blocked tenant.  Mailboxes that are not sending
     * in this run (admin, paused, full) take no work: nothing to say. */
    for (size_t i = 0; dom && i < r->rp->n_mb; i++) {
        const char *d = strchr(r->rp->mb[i].email, '@');
        if (d && str_ieq(d, dom) && r->w[i].started && !r->w[i].dead) {
            log_warnx("mailbox %s stops for this run: its tenant is blocked",
                      r->rp->mb[i].email);
            r->w[i].dead = true;
            hit[i] = true;
        }
    }
    for (size_t i = 0; i < r->rp->n_mb; i++)
        if (hit[i])
            retire(r, &r->w[i]);
    free(hit);
}

/* Next job for w, waiting while others may still hand work over. */
static bool next_job(struct run *r, struct worker *w, size_t *job)
{
    bool ok = false;

    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (w->dead || halting(r))
            break;
        if (r->cfg->rules.max_run_minutes > 0 &&
            clock_now_ms() - r->started_ms >=
                (int64_t)r->cfg->rules.max_run_minutes * 60000) {
            log_info("mailbox %s: max_run_minutes reached, no new sends",
                     r->rp->mb[w->mb].email);
            w->dead = true;
            break;
        }
        if (w->qlen) {
            *job = w->queue[w->qhead++];
            w->qlen--;
            ok = true;
            break;
        }
        if (r->running <= 1)
            break;   /* nobody left to hand work over */
        /* Others still run and may retire: wait for work or the end. */
        r->running--;
        pthread_cond_wait(&r->cv, &r->mu);
        r->running++;
        if (r->running <= 1 && !w->qlen)
            break;
    }
    if (!ok) {
        w->finished = true;
        r->running--;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return ok;
}

/* ---- one mailbox --------------------------------------------------------- */

/* Pacing's rules (pacing.h) from the configuration. */
static struct pacing_rules pacing_rules_of(const struct run *r)
{
    const struct config_rules *ru = &r->cfg->rules;
    struct pacing_rules pr = { ru->min_gap_seconds, ru->gap_jitter_seconds,
                               ru->max_per_minute };

    return pr;
}

/* How long pacing asks w to wait before its next send. */
static int64_t pace_wait(struct run *r, struct worker *w)
{
    struct pacing_rules pr = pacing_rules_of(r);

    return pacing_wait(&pr, &w->pace, clock_now_ms());
}

/* Waits as pacing asks. */
static void pace(struct run *r, struct worker *w)
{
    struct pacing_rules pr = pacing_rules_of(r);
    int64_t ms = pacing_wait(&pr, &w->pace, clock_now_ms());

    if (ms > 0)
        crash_point("pace.wait");
    stop_sleep_ms(ms);   /* ends early on SIGTERM: still_sending() then */
    pacing_mark(&pr, &w->pace, clock_now_ms());
}

static void log_attempt(struct run *r, const struct rp_mailbox *m,
                        const char *contact, const struct smtp_reply *rep,
                        enum bounce_outcome out, int64_t ms)
{
    log_info("run=%s mailbox=%s contact=%s stage=%s code=%d enhanced=%s "
             "outcome=%s ms=%lld", r->run_id, m->email, contact,
             bounce_stage_str(rep->stage), rep->code,
             rep->enhanced[0] ? rep->enhanced : "-", bounce_outcome_str(out),
             (long long)ms);
}

/* What compose needs for job j sent from mailbox mb. */
static void compose_in_for(const struct run *r, const struct job *j,
                           size_t mb, struct compose_in *ci)
{
    const struct runplan *rp = r->rp;
    const struct rp_candidate *c = &rp->cand[j->cand];

    memset(ci, 0, sizeof(*ci));
    ci->contact_id = rp->scand[j->cand].contact_id;
    ci->tpl = &r->tpl[c->campaign];
    ci->subject = rp->camp[c->campaign].subject;
    ci->from_name = rp->mb[mb].display_name;
    ci->from_email = rp->mb[mb].email;
    ci->uuid = j->id;
    ci->date = clock_now();
    /* The zone was read for the plan's day (clock_local_day), so this
     * cannot fail now; +0000 would still be a true Date. */
    if (clock_utc_offset(ci->date, r->cfg->timezone, &ci->utc_offset,
                         NULL) < 0)
        ci->utc_offset = 0;
    ci->unsubscribe = &r->cfg->unsubscribe;
    ci->key = r->have_key ? r->key : NULL;
}

/* ---- one message --------------------------------------------------------- */

/* A message between its claim and its record. */
struct flight {
    size_t job;
    struct store_send os;
    char *mid;
    struct compose_out co;
    int64_t t0;
    struct smtp_reply rep;
    struct graph_req *q;       /* Graph only */
    bool retried;              /* already retried with a new token */
};

static void flight_release(struct flight *f)
{
    graph_req_free(f->q);
    compose_out_release(&f->co);
    free(f->mid);
    memset(f, 0, sizeof(*f));
}

/*
 * Claims f's message and, before any traffic for it, names it in the lock
 * file (runlock.h), so that the next run can tell when the database lost
 * it.  Both under dbmu: the file always names the newest claim.
 */
static int claim_job(struct run *r, struct db *db, struct flight *f,
                     const char *now, enum store_claim *claim,
                     struct errinfo *ei)
{
    int rc;

    pthread_mutex_lock(&r->dbmu);
    rc = store_run_claim(db, &f->os, now, claim, ei);
    if (rc == 0 && *claim == STORE_CLAIMED)
        rc = runlock_claimed(&r->lock, f->os.id, r->run_id, r->started, ei);
    pthread_mutex_unlock(&r->dbmu);
    return rc;
}

/*
 * Composes and claims job_ix for w.  Returns true when the message is
 * claimed (`sending`) and must now go out; false when the job ended here
 * (a variable with no value: failed) or went elsewhere (the cap is full:
 * handed over and the mailbox retired).
 */
static bool job_begin(struct run *r, struct worker *w, struct db *db,
                      size_t job_ix, struct flight *f)
{
    struct runplan *rp = r->rp;
    struct job *job = &r->jobs[job_ix];
    const struct rp_candidate *c = &rp->cand[job->cand];
    const struct sched_candidate *sc = &rp->scand[job->cand];
    const struct rp_mailbox *m = &rp->mb[w->mb];
    struct compose_in ci;
    struct errinfo ei = { ERR_OK, "" };
    enum store_claim claim;
    char now[ISO_TIME_LEN];

    memset(f, 0, sizeof(*f));
    f->job = job_ix;
    f->mid = message_id(job->id, m->email);
    f->os.id = job->id;
    f->os.run_id = r->run_id;
    f->os.campaign_id = sc->campaign_id;
    f->os.contact_id = sc->contact_id;
    f->os.mailbox_id = m->id;
    f->os.mailbox_email = m->email;
    f->os.who = &w->who;
    f->os.transport = w->graph ? "graph" : "smtp";
    f->os.message_id = f->mid;
    f->os.day = rp->day;
    f->os.default_cap = r->cfg->rules.daily_cap;

    compose_in_for(r, job, w->mb, &ci);
    clock_now_iso(now);
    if (compose_message(db, &ci, &f->co, &ei) < 0) {
        struct errinfo fei = { ERR_OK, "" };
        if (ei.code != ERR_DATA) {
            log_error("%s: %s", c->email, ei.msg);
        } else if (db_write(r, store_run_fail_compose(db, &f->os, ei.msg, now,
                                                   &fei)) < 0) {
            log_error("%s", fei.msg);
        } else {
            log_info("run=%s mailbox=%s contact=%s outcome=failed "
                     "reason=\"%s\"", r->run_id, m->email, c->email, ei.msg);
        }
        pthread_mutex_lock(&r->mu);
        job->done = true;
        job->outcome = OUTCOME_FAILED;
        w->load--;
        pthread_mutex_unlock(&r->mu);
        flight_release(f);
        return false;
    }
    crash_point("claim.before");
    if (claim_job(r, db, f, now, &claim, &ei) < 0)
        claim = STORE_TAKEN;   /* not claimed; ei says why */
    if (claim != STORE_CLAIMED) {
        /* Busy only once the run stops (worker_waits); anything else
         * stops the run, with this error as its exit message. */
        if (ei.msg[0] && ei.code != ERR_TEMPFAIL)
            halt_run(r, &ei);
        else if (claim == STORE_CAP_FULL)
            log_info("mailbox %s is full today", m->email);
        pthread_mutex_lock(&r->mu);
        w->load--;
        if (claim == STORE_CAP_FULL) {
            reassign(r, job_ix);
            retire(r, w);
        }
        pthread_mutex_unlock(&r->mu);
        flight_release(f);
        return false;
    }
    crash_point("claim.after");
    f->t0 = clock_now_ms();
    return true;
}

/*
 * The mailbox's token for `scope` into w->token; on failure f->rep holds
 * the try at STAGE_TOKEN and -1 is returned.
 */
static int take_token(struct run *r, struct worker *w, const char *scope,
                      bool refetch, struct flight *f)
{
    char *tok = NULL;

    if (oauth_token(r->oauth, scope, refetch, &tok, &w->token_fetched,
                    &f->rep) < 0)
        return -1;
    secret_free(w->token);
    w->token = tok;
    return 0;
}

/* A token from the database that a server refused may be stale (revoked,
 * or the clock moved): one more try with a new token is worth it. */
static bool retry_with_new_token(const struct worker *w,
                                 const struct flight *f)
{
    if (!w->oauth || w->token_fetched || f->retried)
        return false;
    if (f->rep.stage == STAGE_AUTH)
        return f->rep.code / 100 == 5;
    return f->rep.stage == STAGE_HTTP && f->rep.code == 401;
}

static void smtp_transmit(struct run *r, struct worker *w,
                          struct smtp_session *sess, struct flight *f)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];

    for (;;) {
        if (w->oauth) {
            if (take_token(r, w, r->cfg->oauth.scope, f->retried, f) < 0)
                return;
            smtp_session_set_bearer(sess, w->token);
        }
        smtp_send(sess, m->email, f->co.to, f->co.text, f->co.len, &f->rep);
        if (!retry_with_new_token(w, f))
            return;
        log_info("mailbox %s: the stored token was refused; asking for a "
                 "new one", m->email);
        f->retried = true;
    }
}

/*
 * After 5.7.139 or 5.7.30 at AUTH, a mailbox with `fallback: graph` sends
 * through Graph for the rest of the run and stays cold-ready; the message
 * goes back to the head of its queue.  Called with the verdict still to
 * record; returns true when the switch is made.
 */
static bool fall_back_to_graph(struct run *r, struct worker *w,
                               struct bounce_verdict *v)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    struct errinfo ei = { ERR_OK, "" };

    if (!v->fallback_graph || w->graph || !m->fallback ||
        strcmp(m->fallback, "graph") != 0)
        return false;
    if (oauth_cache_ready(r->oauth, &ei) < 0) {
        log_warnx("mailbox %s: cannot fall back to Graph: %s", m->email,
                  ei.msg);
        return false;
    }
    v->mailbox = MAILBOX_OK;
    v->move = false;
    return true;
}

/* Head of the queue, so the message that met the refusal goes first. */
static void requeue_front(struct worker *w, size_t job)
{
    enqueue(w, job);
    if (w->qlen > 1) {
        memmove(w->queue + w->qhead + 1, w->queue + w->qhead,
                (w->qlen - 1) * sizeof(*w->queue));
        w->queue[w->qhead] = job;
    }
}

/* A mailbox that could not reach its server (or the token endpoint)
 * rests for the run: say where it tried and what to check. */
static void warn_unreachable(const struct worker *w,
                             const struct rp_mailbox *m,
                             const struct smtp_reply *rep)
{
    struct diagnosis d;

    if (rep->stage != STAGE_CONNECT && rep->stage != STAGE_TLS &&
        rep->stage != STAGE_TOKEN)
        return;
    if (diagnose_for(rep, &w->who, &d))
        log_warnx("mailbox %s: %s (%s): it rests for this run; %s",
                  m->email, d.what, rep->text, d.fix);
    else
        log_warnx("mailbox %s: %s failed (%s): it rests for this run; "
                  "see 'mailrota mailbox test --all'", m->email,
                  bounce_stage_str(rep->stage), rep->text);
}

/* Records the try in f and acts on it: hand over, retire, fall back. */
static void job_finish(struct run *r, struct worker *w, struct db *db,
                       struct flight *f)
{
    struct runplan *rp = r->rp;
    struct job *job = &r->jobs[f->job];
    const struct rp_mailbox *m = &rp->mb[w->mb];
    struct smtp_reply *rep = &f->rep;
    struct bounce_verdict v;
    struct errinfo ei = { ERR_OK, "" };
    enum bounce_outcome final;
    char now[ISO_TIME_LEN];
    bool fallback;

    /* The server's reply is in; nothing is recorded yet. */
    crash_point(rep->code == 250 || rep->code == 202 ? "reply.sent"
                                                      : "reply.other");
    bounce_classify(rep, &v);
    fallback = fall_back_to_graph(r, w, &v);
    clock_now_iso(now);
    w->recording = true;   /* a busy database is waited out (SPEC) */
    if (db_write(r, store_run_record(db, &f->os, rep, &v,
                                     r->cfg->rules.max_attempts, now,
                                     &final, &ei)) < 0) {
        /* The claim stays `sending`: the next run marks it unknown. */
        halt_run(r, &ei);
        final = OUTCOME_UNKNOWN;
        fallback = false;
    }
    if (fallback) {
        char msg[SMTP_TEXT_MAX + 128];
        snprintf(msg, sizeof(msg), "auth: %d %s; sending through Graph "
                 "for this run (fallback: graph)", rep->code, rep->text);
        db_write(r, store_run_mailbox_error(db, m->id, false, MBOX_COLD_READY,
                                           msg, now, &ei));
        log_warnx("mailbox %s: SMTP AUTH refused (%d %s): sending through "
                  "Graph for this run", m->email, rep->code, rep->enhanced);
    }
    w->recording = false;
    crash_point("record.after");
    log_attempt(r, m, f->co.to, rep, final, clock_now_ms() - f->t0);

    pthread_mutex_lock(&r->mu);
    job->tried = true;
    if ((rep->stage >= STAGE_MAIL && rep->stage <= STAGE_DATA) ||
        (rep->stage == STAGE_HTTP && rep->code != 401 && rep->code != 403 &&
         !rep->conn_lost))
        w->authed = true;
    /* What no longer counts against the cap frees its place. */
    if (final == OUTCOME_DEFERRED || final == OUTCOME_FAILED)
        w->load--;
    if (fallback) {
        w->graph = true;
        w->oauth = true;
        requeue_front(w, f->job);
    } else if (v.move && final == OUTCOME_DEFERRED) {
        if (!v.uses_attempt)
            w->failed_early = true;
        if (!reassign(r, f->job))
            job->done = true;
        else
            crash_point("job.moved");
        job->outcome = final;
    } else {
        job->done = true;
        job->outcome = final;
    }
    if (v.mailbox == MAILBOX_BLOCKED_TENANT) {
        retire_domain(r, m->email);
    } else if (v.mailbox != MAILBOX_OK && !w->dead) {
        if (v.mailbox == MAILBOX_AUTH_FAILED)
            log_warnx("mailbox %s: authentication failed (%s %d %s): marked "
                      "auth-failed", m->email, bounce_stage_str(rep->stage),
                      rep->code, rep->text);
        else if (v.mailbox == MAILBOX_REST && !v.uses_attempt)
            warn_unreachable(w, m, rep);
        retire(r, w);
    }
    pthread_mutex_unlock(&r->mu);
    flight_release(f);
}

/*
 * After pacing's wait, before the claim: the mailbox may have been stopped
 * while it waited (its tenant blocked, a rest).  Then the job it holds
 * goes to a mailbox with room, or waits for a later run, and false is
 * returned.  When the whole run is stopping, the job just waits.
 */
static bool still_sending(struct run *r, struct worker *w, size_t job_ix)
{
    bool live;

    pthread_mutex_lock(&r->mu);
    live = !w->dead && !halting(r);
    if (!live) {
        w->load--;
        if (!halting(r) && !reassign(r, job_ix))
            log_info("no mailbox left to send to %s: it waits for a later "
                     "run", r->rp->cand[r->jobs[job_ix].cand].email);
    }
    pthread_mutex_unlock(&r->mu);
    return live;
}

/* One message over the mailbox's SMTP session. */
static void smtp_job(struct run *r, struct worker *w, struct db *db,
                     struct smtp_session *sess, size_t job_ix)
{
    struct flight f;

    pace(r, w);
    if (!still_sending(r, w, job_ix) || !job_begin(r, w, db, job_ix, &f))
        return;
    smtp_transmit(r, w, sess, &f);
    job_finish(r, w, db, &f);
}

/* ---- Graph: up to GRAPH_INFLIGHT requests at once per mailbox ------------ */

#define GRAPH_INFLIGHT 4

/* A job without waiting (others in flight): false when none is queued. */
static bool take_job(struct run *r, struct worker *w, size_t *job)
{
    bool ok = false;

    pthread_mutex_lock(&r->mu);
    if (!w->dead && !halting(r) && w->qlen &&
        !(r->cfg->rules.max_run_minutes > 0 &&
          clock_now_ms() - r->started_ms >=
              (int64_t)r->cfg->rules.max_run_minutes * 60000)) {
        *job = w->queue[w->qhead++];
        w->qlen--;
        ok = true;
    }
    pthread_mutex_unlock(&r->mu);
    return ok;
}

/* Makes f's request with the current token; false (f->rep at STAGE_TOKEN)
 * when there is no token. */
static bool graph_prepare(struct run *r, struct worker *w, struct flight *f)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];

    if (take_token(r, w, r->cfg->graph.scope, f->retried, f) < 0)
        return false;
    graph_req_free(f->q);
    f->q = graph_req_new(r->cfg, m->email, f->co.text, f->co.len, w->token);
    return true;
}

static void graph_loop(struct run *r, struct worker *w, struct db *db)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    struct flight fl[GRAPH_INFLIGHT];
    bool busy[GRAPH_INFLIGHT] = { false };
    size_t inflight = 0, job;
    CURLM *mh = curl_multi_init();
    CURLMsg *msg;
    int running, left;

    if (!mh) {
        log_error("mailbox %s: cannot create a libcurl multi handle",
                  m->email);
        abort();
    }
    for (;;) {
        int64_t wait = 0;
        size_t slot;

        while (inflight < GRAPH_INFLIGHT) {
            wait = pace_wait(r, w);
            if (wait > 0 && inflight > 0)
                break;   /* poll meanwhile, so replies are read */
            if (!(inflight ? take_job(r, w, &job) : next_job(r, w, &job)))
                break;
            pace(r, w);
            if (!still_sending(r, w, job))
                continue;   /* next_job then finishes the worker */
            for (slot = 0; busy[slot]; slot++)
                ;
            if (!job_begin(r, w, db, job, &fl[slot]))
                continue;
            if (!graph_prepare(r, w, &fl[slot])) {
                job_finish(r, w, db, &fl[slot]);
                continue;
            }
            busy[slot] = true;
            inflight++;
            curl_multi_add_handle(mh, graph_req_handle(fl[slot].q));
            if (inflight > 1)
                crash_point("graph.inflight");
        }
        if (inflight == 0)
            break;   /* next_job said the worker is finished */
        curl_multi_perform(mh, &running);
        while ((msg = curl_multi_info_read(mh, &left)) != NULL) {
            CURL *done;
            CURLcode result;

            if (msg->msg != CURLMSG_DONE)
                continue;
            /* msg dies with curl_multi_remove_handle: copy it first. */
            done = msg->easy_handle;
            result = msg->data.result;
            for (slot = 0; slot < GRAPH_INFLIGHT; slot++)
                if (busy[slot] && graph_req_handle(fl[slot].q) == done)
                    break;
            if (slot == GRAPH_INFLIGHT)
                continue;
            curl_multi_remove_handle(mh, done);
            graph_req_result(fl[slot].q, result, &fl[slot].rep);
            if (retry_with_new_token(w, &fl[slot])) {
                log_info("mailbox %s: the stored token was refused; asking "
                         "for a new one", m->email);
                fl[slot].retried = true;
                if (graph_prepare(r, w, &fl[slot])) {
                    curl_multi_add_handle(mh, graph_req_handle(fl[slot].q));
                    continue;
                }
            }
            busy[slot] = false;
            inflight--;
            job_finish(r, w, db, &fl[slot]);
        }
        if (inflight)
            curl_multi_poll(mh, NULL, 0,
                            wait > 0 && wait < 1000 ? (int)wait : 1000,
                            NULL);
    }
    curl_multi_cleanup(mh);
}

/* ---- one mailbox --------------------------------------------------------- */

/* The message for a mailbox that cannot start, on its row and in the log. */
static void mailbox_cannot_start(struct run *r, struct db *db,
                                 const struct rp_mailbox *m, const char *what,
                                 const char *why)
{
    struct errinfo ei = { ERR_OK, "" };
    char msg[ERR_MSG_MAX + 32], now[ISO_TIME_LEN];

    snprintf(msg, sizeof(msg), "%s: %s", what, why);
    log_error("mailbox %s: %s", m->email, msg);
    clock_now_iso(now);
    if (db_write(r, store_run_mailbox_error(db, m->id, false,
                                            MBOX_COLD_READY, msg, now,
                                            &ei)) < 0)
        log_error("%s", ei.msg);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    const struct config *cfg = r->cfg;
    struct smtp_session *sess = NULL;
    struct db *db = NULL;
    struct errinfo ei = { ERR_OK, "" };
    struct smtp_opts o;
    char *pw = NULL;
    size_t job;

    if (db_open(cfg->database, DB_NO_SCHEMA_CHECK, &db, &ei) < 0) {
        log_error("mailbox %s: %s", m->email, ei.msg);
        goto stop;
    }
    db_wait_while(db, worker_waits, w);
    w->oauth = creds_uses_oauth(m);
    w->graph = strcmp(m->auth, "graph") == 0;
    creds_diagnose_who(cfg, m, &w->who);
    if (w->oauth) {
        if (oauth_cache_ready(r->oauth, &ei) < 0) {
            mailbox_cannot_start(r, db, m, "oauth", ei.msg);
            goto stop;
        }
    } else {
        pw = creds_password(m, r->have_key ? r->key : NULL,
                            cfg->secret_cmd_timeout_seconds, &ei);
        if (!pw) {
            mailbox_cannot_start(r, db, m, "password", ei.msg);
            goto stop;
        }
    }
    if (!w->graph) {
        /* The token itself is set before each message (it may change). */
        creds_smtp_opts(cfg, m, pw, w->oauth ? "-" : NULL, &o);
        if (smtp_session_new(&o, &sess, &ei) < 0) {
            log_error("mailbox %s: %s", m->email, ei.msg);
            goto stop;
        }
    }
    secret_free(pw);
    pw = NULL;
    /* A mailbox that must stop is retired by job_finish; next_job then
     * finishes it (the bookkeeping the others wait on). */
    for (;;) {
        if (w->graph) {
            graph_loop(r, w, db);
            break;
        }
        if (!next_job(r, w, &job))
            break;
        smtp_job(r, w, db, sess, job);
    }
    goto out;
stop:
    pthread_mutex_lock(&r->mu);
    w->failed_early = true;
    retire(r, w);
    pthread_mutex_unlock(&r->mu);
    while (next_job(r, w, &job))
        ;   /* never true once dead; marks the worker finished */
out:
    secret_free(pw);
    secret_free(w->token);
    w->token = NULL;
    smtp_session_free(sess);
    db_close(db);
    return NULL;
}

/* ---- the run ------------------------------------------------------------- */

static int start_run_row(struct db *db, struct run *r, const char *now,
                         struct errinfo *ei)
{
    struct store_run_row row;

    memset(&row, 0, sizeof(row));
    row.id = r->run_id;
    row.day = r->rp->day;
    row.planned = (long)r->n_jobs;
    row.seed = r->seed;
    return store_run_started(db, &row, now, ei);
}

struct counts {
    long planned, sent, deferred, bounced, failed, unknown;
};

static int finish_run_row(struct db *db, struct run *r,
                          const struct counts *k, int exit_code,
                          struct errinfo *ei)
{
    struct store_run_row row;
    char now[ISO_TIME_LEN];

    memset(&row, 0, sizeof(row));
    row.id = r->run_id;
    row.sent = k->sent;
    row.deferred = k->deferred;
    row.bounced = k->bounced;
    row.failed = k->failed;
    row.unknown = k->unknown;
    row.exit_code = exit_code;
    clock_now_iso(now);
    return store_run_finished(db, &row, now, ei);
}

static void make_jobs(struct run *r)
{
    struct runplan *rp = r->rp;

    r->n_jobs = rp->plan.n_items;
    r->jobs = xcalloc(r->n_jobs ? r->n_jobs : 1, sizeof(*r->jobs));
    for (size_t i = 0; i < r->n_jobs; i++) {
        struct job *j = &r->jobs[i];
        const struct rp_candidate *c;

        j->cand = rp->plan.items[i].candidate;
        j->mailbox = (int)rp->plan.items[i].mailbox;
        c = &rp->cand[j->cand];
        if (c->send_id)
            snprintf(j->id, sizeof(j->id), "%s", c->send_id);
        else
            new_uuid(j->id);
    }
}

/* --dry-run: compose every planned message, send and write nothing;
 * what would fail goes to *fails. */
static int dry_run(struct run *r, struct db *db, struct counts *k,
                   struct runreport_failures *fails)
{
    struct runplan *rp = r->rp;

    for (size_t i = 0; i < r->n_jobs; i++) {
        const struct job *j = &r->jobs[i];
        const struct rp_candidate *c = &rp->cand[j->cand];
        const struct rp_mailbox *m = &rp->mb[j->mailbox];
        struct compose_in ci;
        struct compose_out co = { NULL, NULL, 0 };
        struct errinfo ei = { ERR_OK, "" };

        if (!r->tpl[c->campaign].body)
            continue;
        compose_in_for(r, j, (size_t)j->mailbox, &ci);
        if (compose_message(db, &ci, &co, &ei) < 0) {
            log_warnx("%s (%s): would fail: %s", c->email,
                      rp->camp[c->campaign].name, ei.msg);
            runreport_failures_add(fails, 1, rp->camp[c->campaign].name,
                                   rp->camp[c->campaign].template_path,
                                   ei.msg);
            k->failed++;
            continue;
        }
        log_info("dry-run mailbox=%s contact=%s campaign=%s bytes=%zu",
                 m->email, c->email, rp->camp[c->campaign].name, co.len);
        compose_out_release(&co);
    }
    return 0;
}

static int send_all(struct run *r)
{
    struct runplan *rp = r->rp;
    struct worker *w;

    r->w = xcalloc(rp->n_mb ? rp->n_mb : 1, sizeof(*r->w));
    for (size_t i = 0; i < rp->n_mb; i++) {
        r->w[i].run = r;
        r->w[i].mb = i;
        pacing_init(&r->w[i].pace,
                    r->seed ^ ((uint64_t)rp->mb[i].id * 0x9E3779B97F4A7C15),
                    xcalloc((size_t)r->cfg->rules.max_per_minute,
                            sizeof(int64_t)));
    }
    /* In plan order: the rotation's recency (dispatch.h) goes on from
     * the plan's when a failed mailbox hands its messages over. */
    for (size_t i = 0; i < r->n_jobs; i++) {
        r->w[r->jobs[i].mailbox].seq = ++r->seq;
        enqueue(&r->w[r->jobs[i].mailbox], i);
    }
    /* Every available mailbox runs, so one that failed can hand its
     * messages to one with room that had none planned. */
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < rp->n_mb; i++) {
        w = &r->w[i];
        if (!rp->smb[i].available || (!w->qlen && room(r, w) <= 0) ||
            halting(r))
            continue;
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            log_error("mailbox %s: cannot start a thread", rp->mb[i].email);
            continue;
        }
        w->started = true;
        r->running++;
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < rp->n_mb; i++)
        if (r->w[i].started)
            pthread_join(r->w[i].th, NULL);
    return 0;
}

/* ---- what the night says (runreport.c) ---------------------------------- */

/* Contacts that wait for a mailbox: no room for them in the plan (unless
 * --max filled it), or planned and not sent (a dry run sends none). */
static long waiting_contacts(const struct run *r, size_t max, bool dry)
{
    const struct sched_plan *p = &r->rp->plan;
    long n = 0;

    if (!(max > 0 && p->n_items >= max))
        for (size_t i = 0; i < p->n_skips; i++)
            if (p->skips[i].reason == SCHED_NO_CAPACITY)
                n++;
    for (size_t i = 0; !dry && i < r->n_jobs; i++)
        if (!r->jobs[i].done || r->jobs[i].outcome == OUTCOME_DEFERRED)
            n++;
    return n;
}

/*
 * Says on stderr, even with -q, what an unhealthy night must say, and
 * whether it exits 69 (its message in *e69).
 */
static bool night_report(struct run *r, struct db *db,
                         const struct counts *k, size_t max, bool dry,
                         struct errinfo *e69)
{
    size_t n = r->rp->n_mb ? r->rp->n_mb : 1;
    struct runreport_in in;
    struct errinfo ei = { ERR_OK, "" };
    bool *failed = NULL, *authed = NULL, unavailable = false;

    memset(&in, 0, sizeof(in));
    in.rp = r->rp;
    in.waiting = waiting_contacts(r, max, dry);
    in.sent = k->sent;
    if (!dry && r->w) {
        failed = xcalloc(n, sizeof(bool));
        authed = xcalloc(n, sizeof(bool));
        for (size_t i = 0; i < r->rp->n_mb; i++) {
            failed[i] = r->w[i].started && r->w[i].failed_early;
            authed[i] = r->w[i].started && r->w[i].authed;
        }
        in.failed_run = failed;
        in.authed_run = authed;
    }
    if (runreport_health(db, &in, &unavailable, e69, &ei) < 0)
        log_error("%s", ei.msg);
    free(failed);
    free(authed);
    return unavailable;
}

/* This run's failed sends, grouped by reason, and where to see them. */
static void report_failures(struct run *r, struct db *db)
{
    struct runreport_failures f;
    struct errinfo ei = { ERR_OK, "" };

    memset(&f, 0, sizeof(f));
    if (runreport_failures_load(db, r->run_id, &f, &ei) < 0)
        log_error("%s", ei.msg);
    else
        runreport_failures_print(&f, r->cfg->database);
    runreport_failures_release(&f);
}

int cmd_run(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "max", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct runplan rp;
    struct run r;
    struct counts k = { 0, 0, 0, 0, 0, 0 };
    struct db *db = NULL;
    char now[ISO_TIME_LEN];
    long long max = 0;
    bool dry = false, tpl_error = false, any_tried;
    int c, recovered = 0, ret = -1, exit_code = 0;
    struct errinfo tei = { ERR_OK, "" }, fei = { ERR_OK, "" };
    struct errinfo e69 = { ERR_OK, "" };
    struct runreport_failures dry_fails;

    while ((c = app_getopt(argc, argv, "run", ":nh", opts, run_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'n': dry = true; break;
        case 'm':
            if (app_parse_count("--max", optarg, 10000000, &max, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "run: unexpected argument '%s'",
                       argv[optind]);
    memset(&rp, 0, sizeof(rp));
    memset(&r, 0, sizeof(r));
    memset(&dry_fails, 0, sizeof(dry_fails));
    pthread_mutex_init(&r.mu, NULL);
    pthread_mutex_init(&r.dbmu, NULL);
    pthread_cond_init(&r.cv, NULL);
    r.app = app;
    r.rp = &rp;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    db_wait_while(db, run_waits, &r);
    r.cfg = &app->cfg;
    if (!dry) {
        if (runlock_take(&r.lock, app->cfg.database, ei) < 0)
            goto out;
        crash_point("run.locked");
        if (stop_watch_start(wake_workers, &r, ei) < 0 ||
            runlock_check(&r.lock, db, ei) < 0)
            goto out;
        /* Claims a crash left behind: never resent automatically. */
        if (store_run_recover(db, &recovered, ei) < 0)
            goto out;
        if (recovered)
            log_warnx("%d message%s left 'sending' by an interrupted run "
                      "marked 'unknown' (not resent; see send_log)",
                      recovered, recovered == 1 ? "" : "s");
    }
    if (app_load_key(app, r.key, &r.have_key, ei) < 0 ||
        compose_check_key(&app->cfg, r.have_key, ei) < 0)
        goto out;
    if (RAND_bytes((unsigned char *)&r.seed, sizeof(r.seed)) != 1)
        r.seed = (uint64_t)clock_now_ms();
    r.seed &= INT64_MAX;   /* stored exactly in runs.seed (an INTEGER) */
    r.started_ms = clock_now_ms();
    new_uuid(r.run_id);
    if (runplan_load(db, &app->cfg, clock_now(), (size_t)max, &rp, ei) < 0)
        goto out;
    make_jobs(&r);
    k.planned = (long)r.n_jobs;
    if (load_templates(&r, &tei) < 0) {
        tpl_error = true;
        /* Messages of unusable campaigns are dropped from this run. */
        for (size_t i = 0; i < r.n_jobs; i++)
            if (!r.tpl[rp.cand[r.jobs[i].cand].campaign].body) {
                r.jobs[i].done = true;
                r.jobs[i].outcome = OUTCOME_DEFERRED;
                r.jobs[i].tried = false;
            }
    }
    if (dry) {
        dry_run(&r, db, &k, &dry_fails);
        night_report(&r, db, &k, (size_t)max, true, &e69);
        runreport_failures_print(&dry_fails, NULL);
        if (!app->quiet)
            printf("planned %ld, sent 0, deferred 0, bounced 0, failed %ld, "
                   "unknown 0\n", k.planned, k.failed);
        ret = 0;
        goto out;
    }
    clock_now_iso(now);
    snprintf(r.started, sizeof(r.started), "%s", now);
    if (start_run_row(db, &r, now, ei) < 0)
        goto out;
    crash_point("run.started");
    /* One token cache for the run, on a connection of its own. */
    if (db_open(app->cfg.database, DB_NO_SCHEMA_CHECK, &r.oauth_db, ei) < 0)
        goto out;
    r.oauth = oauth_cache_new(&app->cfg, r.oauth_db,
                              r.have_key ? r.key : NULL);
    if (tpl_error) {
        /* Keep only the jobs whose template works. */
        size_t n = 0;
        for (size_t i = 0; i < r.n_jobs; i++)
            if (!r.jobs[i].done)
                r.jobs[n++] = r.jobs[i];
        r.n_jobs = n;
    }
    send_all(&r);
    r.closing = true;

    any_tried = false;
    for (size_t i = 0; i < r.n_jobs; i++) {
        const struct job *j = &r.jobs[i];
        if (!j->tried && !j->done)
            continue;
        any_tried = any_tried || j->tried;
        switch (j->outcome) {
        case OUTCOME_SENT: k.sent++; break;
        case OUTCOME_DEFERRED: k.deferred++; break;
        case OUTCOME_BOUNCED: k.bounced++; break;
        case OUTCOME_FAILED: k.failed++; break;
        case OUTCOME_UNKNOWN: k.unknown++; break;
        }
    }
    /* 69: contacts wait and every mailbox failed, tonight or before. */
    if (night_report(&r, db, &k, (size_t)max, false, &e69)) {
        exit_code = err_exit_code(ERR_UNAVAILABLE);
        *ei = e69;
    } else if (any_tried && k.sent == 0 && (k.deferred + k.unknown) > 0) {
        exit_code = err_exit_code(ERR_TEMPFAIL);
        err_set(ei, ERR_TEMPFAIL, "nothing sent: %ld deferred, %ld unknown",
                k.deferred, k.unknown);
    } else if (tpl_error) {
        exit_code = err_exit_code(tei.code);
        *ei = tei;
    }
    stop_verdict(&r, &exit_code, ei);
    crash_point("run.finishing");
    /* A run that already failed keeps its own message: say this too. */
    if (finish_run_row(db, &r, &k, exit_code, exit_code ? &fei : ei) < 0) {
        if (!exit_code)
            goto out;
        log_error("%s", fei.msg);
    }
    crash_point("run.finished");
    if (k.failed > 0)
        report_failures(&r, db);
    if (!app->quiet)
        printf("planned %ld, sent %ld, deferred %ld, bounced %ld, failed %ld,"
               " unknown %ld\n", k.planned, k.sent, k.deferred, k.bounced,
               k.failed, k.unknown);
    ret = exit_code ? -1 : 0;
out:
    stop_watch_end();
    if (r.w) {
        for (size_t i = 0; i < rp.n_mb; i++) {
            free(r.w[i].queue);
            free(r.w[i].pace.window);
        }
        free(r.w);
    }
    if (r.tpl) {
        for (size_t i = 0; i < rp.n_camp; i++)
            template_release(&r.tpl[i]);
        free(r.tpl);
    }
    free(r.jobs);
    runreport_failures_release(&dry_fails);
    oauth_cache_free(r.oauth);
    db_close(r.oauth_db);
    secure_wipe(r.key, sizeof(r.key));
    runplan_release(&rp);
    db_close(db);
    runlock_release(&r.lock);
    pthread_mutex_destroy(&r.mu);
    pthread_mutex_destroy(&r.dbmu);
    pthread_cond_destroy(&r.cv);
    return ret;
}
