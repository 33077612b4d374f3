/*
 * run_job.c - one message of `run` (run_engine.h): compose, claim
 * (committed as `sending` before any traffic, on disk and named in the lock
 * file before any of the message's content),
 * hand to the mailbox's transport with a token when it needs one, then
 * record the reply and act on it: hand the message on, retire the
 * mailbox, or fall back to Graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crashpoint.h"
#include "log.h"
#include "message.h"
#include "oauth.h"
#include "run_engine.h"
#include "store_bouncerate.h"
#include "util.h"

#include "banned.h"


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
void run_compose_in(const struct run *r, const struct job *j, size_t mb,
                    struct compose_in *ci)
{
    const struct runplan *rp = r->rp;
    const struct rp_candidate *c = &rp->cand[j->cand];
    const struct rp_campaign *camp = &rp->camp[c->campaign];
    int step = rp->scand[j->cand].step > 1 ? rp->scand[j->cand].step : 1;

    memset(ci, 0, sizeof(*ci));
    ci->contact_id = rp->scand[j->cand].contact_id;
    ci->contact = j->contact;
    ci->tpl = run_template(r, j);
    ci->subject = camp->steps[step].subject;
    ci->campaign_id = camp->id;
    ci->step = step;
    ci->first_tpl = &r->tpl[r->tpl_at[c->campaign]];
    ci->first_subject = camp->subject;
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

static void flight_release(struct flight *f)
{
    compose_out_release(&f->co);
    free(f->mid);
    memset(f, 0, sizeof(*f));
}

/* f for job_ix sent from w: what the claim and the record write. */
static void flight_init(const struct run *r, const struct worker *w,
                        size_t job_ix, struct flight *f)
{
    const struct runplan *rp = r->rp;
    const struct job *job = &r->jobs[job_ix];
    const struct sched_candidate *sc = &rp->scand[job->cand];
    const struct rp_mailbox *m = &rp->mb[w->mb];

    memset(f, 0, sizeof(*f));
    f->job = job_ix;
    f->mid = message_id(job->id, m->email);
    f->os.id = job->id;
    f->os.run_id = r->run_id;
    f->os.campaign_id = sc->campaign_id;
    f->os.contact_id = sc->contact_id;
    f->os.step = sc->step > 1 ? sc->step : 1;
    f->os.mailbox_id = m->id;
    f->os.mailbox_email = m->email;
    f->os.who = &w->who;
    f->os.transport = w->graph ? "graph" : "smtp";
    f->os.message_id = f->mid;
    f->os.day = rp->day;
    f->os.default_cap = r->cfg->rules.daily_cap;
}

/* A message that cannot be composed: `failed` when the data says so (a
 * variable with no value), the job ends. */
static void compose_failed(struct run *r, struct worker *w, struct db *db,
                           struct flight *f, const struct errinfo *ei,
                           const char *now)
{
    struct job *job = &r->jobs[f->job];
    const char *email = r->rp->cand[job->cand].email;
    struct errinfo fei = { ERR_OK, "" };

    if (ei->code != ERR_DATA) {
        log_error("%s: %s", email, ei->msg);
    } else if (db_write(r, w, store_run_fail_compose(db, &f->os, ei->msg,
                                                     now, &fei)) < 0) {
        log_error("%s", fei.msg);
    } else {
        log_info("run=%s mailbox=%s contact=%s outcome=failed "
                 "reason=\"%s\"", r->run_id, r->rp->mb[w->mb].email, email,
                 ei->msg);
    }
    pthread_mutex_lock(&r->mu);
    job->done = true;
    job->outcome = OUTCOME_FAILED;
    w->load--;
    pthread_mutex_unlock(&r->mu);
    flight_release(f);
}

/*
 * Composes and claims job_ix for w.  Returns true when the message is
 * claimed (`sending`) and must now go out; false when the job ended here
 * (a variable with no value: failed) or went elsewhere (the cap is full:
 * handed over and the mailbox retired).
 */
bool job_begin(struct run *r, struct worker *w, struct db *db,
               size_t job_ix, struct flight *f)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    struct compose_in ci;
    struct errinfo ei = { ERR_OK, "" };
    enum store_claim claim;
    char now[ISO_TIME_LEN];
    unsigned long gen = 0;
    bool locked;

    flight_init(r, w, job_ix, f);
    run_compose_in(r, &r->jobs[job_ix], w->mb, &ci);
    clock_now_iso(now);
    /* The contact came with the plan: compose reads the workers'
     * connection only for a follow-up's thread (or a contact that could
     * not be read then), in the same turn as the claim. */
    locked = !ci.contact || ci.step > 1;
    if (locked)
        run_db_lock(r, w);
    if (compose_message(db, &ci, &f->co, &ei) < 0) {
        if (locked)
            run_db_unlock(r);
        compose_failed(r, w, db, f, &ei, now);
        return false;
    }
    if (!locked)
        run_db_lock(r, w);
    crash_point("claim.before");
    if (store_run_claim(db, &f->os, now, &claim, &ei) < 0 ||
        (claim == STORE_CLAIMED && run_commit(r, f->os.id, &gen, &ei) < 0))
        claim = STORE_TAKEN;   /* not claimed; ei says why */
    run_db_unlock(r);
    f->run = r;
    f->gen = gen;
    if (claim != STORE_CLAIMED) {
        /* Busy only once the run stops (worker_waits); anything else
         * stops the run, with this error as its exit message. */
        if (ei.msg[0] && ei.code != ERR_TEMPFAIL)
            run_halt(r, &ei);
        else if (claim == STORE_CAP_FULL)
            log_info("mailbox %s is full today", m->email);
        pthread_mutex_lock(&r->mu);
        w->load--;
        if (claim == STORE_CAP_FULL) {
            run_reassign(r, job_ix);
            run_retire(r, w);
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
bool job_retry_token(const struct worker *w, const struct flight *f)
{
    if (!w->oauth || w->token_fetched || f->retried)
        return false;
    if (f->rep.stage == STAGE_AUTH)
        return f->rep.code / 100 == 5;
    return f->rep.stage == STAGE_HTTP && f->rep.code == 401;
}

/*
 * The transport's ready(): f's claim on disk, and named in the lock file
 * (runlock.h) so that the next run can tell when the database lost it,
 * before any of the message goes out.  SMTP calls it once the envelope is
 * sent, so the fsync and the server's reading of MAIL, RCPT and DATA
 * overlap: a server takes a message only at the end of its DATA, and a
 * transaction cut before that is dropped (RFC 5321), so the claim is on
 * disk before anything that could be delivered (docs/RELIABILITY.md).
 */
static int flight_ready(void *arg)
{
    struct flight *f = arg;
    struct errinfo ei = { ERR_OK, "" };

    if (f->durable)
        return 0;
    if (run_sync(f->run, f->gen, &ei) < 0)
        return -1;   /* the run halts: committed, not sent, unknown */
    f->durable = true;
    return 0;
}

bool job_transmit(struct run *r, struct worker *w, struct transport *t,
                  struct flight *f)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    const char *scope = w->graph ? r->cfg->graph.scope : r->cfg->oauth.scope;

    /* Graph takes the whole message in one request: on disk first. */
    if (w->graph && flight_ready(f) < 0) {
        memset(&f->rep, 0, sizeof(f->rep));
        f->rep.stage = STAGE_HTTP;
        f->rep.conn_lost = true;
        snprintf(f->rep.text, sizeof(f->rep.text), "stopped before the "
                 "message went out");
        return false;
    }
    if (w->oauth && take_token(r, w, scope, f->retried, f) < 0)
        return false;
    f->tm.from = m->email;
    f->tm.to = f->co.to;
    f->tm.text = f->co.text;
    f->tm.len = f->co.len;
    f->tm.token = w->oauth ? w->token : NULL;
    f->tm.reply = &f->rep;
    f->tm.ready = flight_ready;
    f->tm.ready_arg = f;
    t->ops->send(t, &f->tm);
    return true;
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

/* Bounce-rate protection after each send (SPEC): *paused when the
 * mailbox is paused now (store_bouncerate.h; health says it on stderr). */
static void bounce_rate(struct run *r, struct worker *w, struct db *db,
                        const struct rp_mailbox *m, const char *now,
                        bool *paused)
{
    const struct config_rules *ru = &r->cfg->rules;
    struct bouncerate_rule br = { ru->bounce_window, ru->bounce_min_sends,
                                  ru->max_bounce_rate };
    struct errinfo ei = { ERR_OK, "" };
    char text[512];

    if (db_write(r, w, store_bouncerate_check(db, m->id, m->email, &br,
                                              now, paused, text,
                                              sizeof(text), &ei)) < 0)
        run_halt(r, &ei);
    else if (*paused)
        log_alert("mailbox %s: %s", m->email, text);
}

/* Writes the reply of f and, on a fallback to Graph, says so on the
 * mailbox's row; returns the outcome recorded (unknown when the database
 * refused: the claim stays `sending`, the run halts). */
static enum bounce_outcome record(struct run *r, struct worker *w,
                                  struct db *db, struct flight *f,
                                  const struct bounce_verdict *v,
                                  bool *fallback, bool *paused)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    const struct smtp_reply *rep = &f->rep;
    struct errinfo ei = { ERR_OK, "" };
    enum bounce_outcome final;
    char now[ISO_TIME_LEN];

    clock_now_iso(now);
    w->recording = true;   /* a busy database is waited out (SPEC) */
    if (db_write(r, w, store_run_record(db, &f->os, rep, v,
                                        r->cfg->rules.max_attempts, now,
                                        &final, &ei)) < 0) {
        /* The claim stays `sending`: the next run marks it unknown. */
        run_halt(r, &ei);
        final = OUTCOME_UNKNOWN;
        *fallback = false;
    } else if (final == OUTCOME_SENT || final == OUTCOME_BOUNCED) {
        bounce_rate(r, w, db, m, now, paused);
    }
    if (*fallback) {
        char msg[SMTP_TEXT_MAX + 128];
        snprintf(msg, sizeof(msg), "auth: %d %s; sending through Graph "
                 "for this run (fallback: graph)", rep->code, rep->text);
        db_write(r, w, store_run_mailbox_error(db, m->id, false,
                                               MBOX_COLD_READY,
                                               msg, now, &ei));
        log_warnx("mailbox %s: SMTP AUTH refused (%d %s): sending through "
                  "Graph for this run", m->email, rep->code, rep->enhanced);
    }
    w->recording = false;
    return final;
}

/* What the verdict says of the job and the mailbox (under r->mu). */
static void settle(struct run *r, struct worker *w, struct flight *f,
                   const struct bounce_verdict *v, enum bounce_outcome final,
                   bool fallback, bool paused)
{
    const struct rp_mailbox *m = &r->rp->mb[w->mb];
    const struct smtp_reply *rep = &f->rep;
    struct job *job = &r->jobs[f->job];

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
        run_requeue_front(w, f->job);
    } else if (v->move && final == OUTCOME_DEFERRED) {
        if (!v->uses_attempt)
            w->failed_early = true;
        if (!run_reassign(r, f->job))
            job->done = true;
        else
            crash_point("job.moved");
        job->outcome = final;
    } else {
        job->done = true;
        job->outcome = final;
    }
    if (paused && !w->dead) {
        run_retire(r, w);   /* paused for its bounce rate: stops now */
    } else if (v->mailbox == MAILBOX_BLOCKED_TENANT) {
        run_retire_domain(r, m->email);
    } else if (v->mailbox != MAILBOX_OK && !w->dead) {
        if (v->mailbox == MAILBOX_AUTH_FAILED)
            log_warnx("mailbox %s: authentication failed (%s %d %s): marked "
                      "auth-failed", m->email, bounce_stage_str(rep->stage),
                      rep->code, rep->text);
        else if (v->mailbox == MAILBOX_REST && !v->uses_attempt)
            warn_unreachable(w, m, rep);
        run_retire(r, w);
    }
}

void job_finish(struct run *r, struct worker *w, struct db *db,
                struct transport *t, struct flight *f)
{
    struct bounce_verdict v;
    enum bounce_outcome final;
    bool fallback, paused = false;

    /* The server's reply is in; nothing is recorded yet. */
    crash_point(f->rep.code == 250 || f->rep.code == 202 ? "reply.sent"
                                                          : "reply.other");
    t->ops->classify(&f->rep, &v);
    fallback = fall_back_to_graph(r, w, &v);
    final = record(r, w, db, f, &v, &fallback, &paused);
    crash_point("record.after");
    log_attempt(r, &r->rp->mb[w->mb], f->co.to, &f->rep, final,
                clock_now_ms() - f->t0);
    pthread_mutex_lock(&r->mu);
    settle(r, w, f, &v, final, fallback, paused);
    pthread_mutex_unlock(&r->mu);
    flight_release(f);
}

/*
 * After pacing's wait, before the claim: the mailbox may have been stopped
 * while it waited (its tenant blocked, a rest).  Then the job it holds
 * goes to a mailbox with room, or waits for a later run, and false is
 * returned.  When the whole run is stopping, the job just waits.
 */
bool job_still_sending(struct run *r, struct worker *w, size_t job_ix)
{
    bool live;

    pthread_mutex_lock(&r->mu);
    live = !w->dead && !run_halting(r);
    if (!live) {
        w->load--;
        if (!run_halting(r) && !run_reassign(r, job_ix))
            log_info("no mailbox left to send to %s: it waits for a later "
                     "run", r->rp->cand[r->jobs[job_ix].cand].email);
    }
    pthread_mutex_unlock(&r->mu);
    return live;
}
