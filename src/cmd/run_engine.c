/*
 * run_engine.c - the engine of `run` (run_engine.h): the dispatcher that
 * holds each mailbox's queue and hands a failed mailbox's messages on by
 * the rotation rule (dispatch.h), pacing (pacing.h), and one thread per
 * mailbox running one send loop over its transport (transport.h): SMTP
 * one message at a time, Graph up to 4 in flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "clock.h"
#include "crashpoint.h"
#include "creds.h"
#include "dispatch.h"
#include "log.h"
#include "oauth.h"
#include "run_engine.h"
#include "stop.h"
#include "util.h"

#include "banned.h"

/* ---- stopping early ------------------------------------------------------ */

/*
 * No new message is started once a stop is asked for (SIGTERM, SIGINT;
 * see stop.h) or the database refused a write.  Messages in flight finish
 * and are recorded.
 */
bool run_halting(struct run *r)
{
    return stop_requested() || atomic_load(&r->halt);
}

/* A write the database refused (disk full, read-only, damaged): nothing
 * more is claimed, so nothing more is sent, and the run ends with that
 * error (exit 74). */
void run_halt(struct run *r, const struct errinfo *ei)
{
    pthread_mutex_lock(&r->mu);
    if (!atomic_load(&r->halt)) {
        r->halt_ei = *ei;
        atomic_store(&r->halt, true);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* At the first signal: workers waiting for work look at run_halting(). */
void run_wake(void *arg)
{
    struct run *r = arg;

    pthread_mutex_lock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* The main connection: its last write closes the runs row. */
bool run_waits(void *arg)
{
    struct run *r = arg;

    return r->closing || !run_halting(r);
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
bool run_reassign(struct run *r, size_t job)
{
    size_t n = r->rp->n_mb, pick;
    struct dispatch_mailbox *dm;

    /* A follow-up stays in its thread's mailbox: it waits. */
    if (sched_follow_up(&r->rp->scand[r->jobs[job].cand]))
        return false;
    dm = xcalloc(n ? n : 1, sizeof(*dm));

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
void run_retire(struct run *r, struct worker *w)
{
    w->dead = true;
    while (w->qlen) {
        size_t job = w->queue[w->qhead++];
        w->qlen--;
        w->load--;
        if (!run_reassign(r, job))
            log_info("no mailbox left to send to %s: it waits for a later "
                     "run",
                     r->rp->cand[r->jobs[job].cand].email);
    }
    pthread_cond_broadcast(&r->cv);
}

/* Stops every mailbox of the same domain (a tenant block). */
void run_retire_domain(struct run *r, const char *email)
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
            run_retire(r, &r->w[i]);
    free(hit);
}

/* Head of the queue, so the message that met the refusal goes first. */
void run_requeue_front(struct worker *w, size_t job)
{
    enqueue(w, job);
    if (w->qlen > 1) {
        memmove(w->queue + w->qhead + 1, w->queue + w->qhead,
                (w->qlen - 1) * sizeof(*w->queue));
        w->queue[w->qhead] = job;
    }
}

/* Next job for w, waiting while others may still hand work over. */
static bool next_job(struct run *r, struct worker *w, size_t *job)
{
    bool ok = false;

    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (w->dead || run_halting(r))
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

/* A job without waiting (others in flight): false when none is queued. */
static bool take_job(struct run *r, struct worker *w, size_t *job)
{
    bool ok = false;

    pthread_mutex_lock(&r->mu);
    if (!w->dead && !run_halting(r) && w->qlen &&
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

/* ---- pacing --------------------------------------------------------------- */

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
    stop_sleep_ms(ms);   /* ends early on SIGTERM: job_still_sending() then */
    pacing_mark(&pr, &w->pace, clock_now_ms());
}

/* ---- one mailbox --------------------------------------------------------- */

/* Whether w has a job queued and may take it now. */
static bool has_work(struct run *r, const struct worker *w)
{
    bool yes;

    pthread_mutex_lock(&r->mu);
    yes = w->qlen > 0 && !w->dead && !run_halting(r);
    pthread_mutex_unlock(&r->mu);
    return yes;
}

/* The messages in flight on one transport. */
struct inflight {
    struct flight fl[TRANSPORT_MAX_INFLIGHT];
    bool busy[TRANSPORT_MAX_INFLIGHT];
    size_t n;
};

/*
 * Starts messages while the transport has room and pacing allows; with
 * others in flight, pacing's wait is polled (so replies are read), not
 * slept.  Starts none once the mailbox has fallen back to Graph (w->graph
 * no longer `graph`, what it was when t's loop began).  Returns how long
 * pacing asks to wait.
 */
static int64_t fill(struct run *r, struct worker *w, struct db *db,
                    struct transport *t, bool graph, struct inflight *in)
{
    int64_t wait = 0;
    size_t job, slot;

    while (in->n < t->ops->max_inflight && w->graph == graph) {
        wait = pace_wait(r, w);
        if (wait > 0 && in->n > 0)
            break;   /* send_loop waits for replies */
        if (wait > 0 || !has_work(r, w))
            run_flush_records(r, w);
        if (!(in->n ? take_job(r, w, &job) : next_job(r, w, &job)))
            break;
        pace(r, w);
        if (!job_still_sending(r, w, job))
            continue;   /* next_job then finishes the worker */
        for (slot = 0; in->busy[slot]; slot++)
            ;
        if (!job_begin(r, w, db, job, &in->fl[slot]))
            continue;
        if (!job_transmit(r, w, t, &in->fl[slot])) {
            job_finish(r, w, db, t, &in->fl[slot]);
            continue;
        }
        in->busy[slot] = true;
        in->n++;
        if (in->n > 1)
            crash_point("graph.inflight");
    }
    return wait;
}

/* A message the transport is done with: retried with a new token, or
 * recorded. */
static void reaped(struct run *r, struct worker *w, struct db *db,
                   struct transport *t, struct inflight *in,
                   const struct transport_msg *m)
{
    size_t slot = 0;
    struct flight *f;

    while (slot + 1 < TRANSPORT_MAX_INFLIGHT && &in->fl[slot].tm != m)
        slot++;
    f = &in->fl[slot];
    if (job_retry_token(w, f)) {
        log_info("mailbox %s: the stored token was refused; asking for a "
                 "new one", r->rp->mb[w->mb].email);
        f->retried = true;
        if (job_transmit(r, w, t, f))
            return;
    }
    in->busy[slot] = false;
    in->n--;
    job_finish(r, w, db, t, f);
}

/* Sends w's messages over t until its work ends, or it falls back to
 * Graph (w->graph changes). */
static void send_loop(struct run *r, struct worker *w, struct db *db,
                      struct transport *t)
{
    struct inflight in;
    struct transport_msg *m;
    bool graph = w->graph;
    int64_t wait;

    memset(&in, 0, sizeof(in));
    for (;;) {
        wait = fill(r, w, db, t, graph, &in);
        if (in.n == 0)
            break;   /* the worker is finished, or falls back to Graph */
        while ((m = t->ops->reap(t)) != NULL)
            reaped(r, w, db, t, &in, m);
        if (in.n) {
            run_flush_records(r, w);
            t->ops->wait(t, wait > 0 && wait < 1000 ? (int)wait : 1000);
        }
    }
}

/* The message for a mailbox that cannot start, on its row and in the log. */
static void mailbox_cannot_start(struct run *r, struct worker *w,
                                 struct db *db, const struct rp_mailbox *m,
                                 const char *what, const char *why)
{
    struct errinfo ei = { ERR_OK, "" };
    char msg[ERR_MSG_MAX + 32], now[ISO_TIME_LEN];

    snprintf(msg, sizeof(msg), "%s: %s", what, why);
    log_error("mailbox %s: %s", m->email, msg);
    clock_now_iso(now);
    if (db_write(r, w, store_run_mailbox_error(db, m->id, false,
                                            MBOX_COLD_READY, msg, now,
                                            &ei)) < 0)
        log_error("%s", ei.msg);
}

/* The mailbox's credentials and, unless it sends through Graph, its SMTP
 * transport into *smtp; false when it cannot start. */
static bool worker_open(struct run *r, struct worker *w, struct db *db,
                        struct transport **smtp)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    const struct config *cfg = r->cfg;
    struct errinfo ei = { ERR_OK, "" };
    struct smtp_opts o;
    char *pw = NULL;
    bool ok = true;

    w->oauth = creds_uses_oauth(m);
    w->graph = strcmp(m->auth, "graph") == 0;
    creds_diagnose_who(cfg, m, &w->who);
    if (w->oauth) {
        if (oauth_cache_ready(r->oauth, &ei) < 0) {
            mailbox_cannot_start(r, w, db, m, "oauth", ei.msg);
            return false;
        }
    } else {
        pw = creds_password(m, r->have_key ? r->key : NULL,
                            cfg->secret_cmd_timeout_seconds, &ei);
        if (!pw) {
            mailbox_cannot_start(r, w, db, m, "password", ei.msg);
            return false;
        }
    }
    if (!w->graph) {
        /* The token itself is set before each message (it may change). */
        creds_smtp_opts(cfg, m, pw, w->oauth ? "-" : NULL, &o);
        if (transport_smtp_open(&o, smtp, &ei) < 0) {
            log_error("mailbox %s: %s", m->email, ei.msg);
            ok = false;
        }
    }
    secret_free(pw);
    return ok;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    struct transport *smtp = NULL, *graph = NULL;
    struct db *db = r->wdb;
    struct errinfo ei = { ERR_OK, "" };
    size_t job;
    bool was_graph;

    if (!worker_open(r, w, db, &smtp))
        goto stop;
    /* A mailbox that must stop is retired by job_finish; next_job then
     * finishes it (the bookkeeping the others wait on).  A fallback to
     * Graph ends the SMTP loop, and the Graph one goes on. */
    do {
        was_graph = w->graph;
        if (w->graph && !graph)
            transport_graph_open(r->cfg, m->email, &graph, &ei);
        send_loop(r, w, db, w->graph ? graph : smtp);
    } while (w->graph != was_graph);
    goto out;
stop:
    pthread_mutex_lock(&r->mu);
    w->failed_early = true;
    run_retire(r, w);
    pthread_mutex_unlock(&r->mu);
    while (next_job(r, w, &job))
        ;   /* never true once dead; marks the worker finished */
out:
    run_flush_records(r, w);
    secret_free(w->token);
    w->token = NULL;
    transport_close(graph);
    transport_close(smtp);
    return NULL;
}

/* ---- the run ------------------------------------------------------------- */

void run_send_all(struct run *r)
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
    if (!run_open_wdb(r))
        return;
    /* Every available mailbox runs, so one that failed can hand its
     * messages to one with room that had none planned. */
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < rp->n_mb; i++) {
        w = &r->w[i];
        if (!rp->smb[i].available || (!w->qlen && room(r, w) <= 0) ||
            run_halting(r))
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
    run_close_wdb(r);
}
