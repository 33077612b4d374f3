/*
 * run_steps.c - the steps of `run` around the sending (run_engine.h): the
 * jobs of the plan and their templates, the dry run, the `runs` row, the
 * night's counts and verdict, and what an unhealthy night says
 * (runreport.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "log.h"
#include "run_engine.h"
#include "stop.h"
#include "util.h"

#include "banned.h"


void run_new_uuid(char out[37])
{
    uuid_t u;

    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

void run_make_jobs(struct run *r)
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
            run_new_uuid(j->id);
    }
}

void run_load_contacts(struct run *r, struct db *db)
{
    for (size_t i = 0; i < r->n_jobs; i++) {
        struct job *j = &r->jobs[i];
        struct store_mail_contact *c = xcalloc(1, sizeof(*c));
        struct errinfo ei = { ERR_OK, "" };

        if (store_run_contact(db, r->rp->scand[j->cand].contact_id, c,
                              &ei) < 0) {
            store_mail_contact_release(c);
            free(c);
            continue;
        }
        j->contact = c;
    }
}

void run_job_release(struct job *j)
{
    if (j->contact) {
        store_mail_contact_release(j->contact);
        free(j->contact);
        j->contact = NULL;
    }
}

void run_free_jobs(struct run *r)
{
    for (size_t i = 0; i < r->n_jobs; i++)
        run_job_release(&r->jobs[i]);
    free(r->jobs);
    r->jobs = NULL;
    r->n_jobs = 0;
}

/* ---- templates --------------------------------------------------------- */

/* The step of job j (1-based). */
static int job_step(const struct run *r, const struct job *j)
{
    int step = r->rp->scand[j->cand].step;

    return step > 1 ? step : 1;
}

const struct template *run_template(const struct run *r,
                                    const struct job *j)
{
    const struct rp_candidate *c = &r->rp->cand[j->cand];
    const struct template *t =
        &r->tpl[r->tpl_at[c->campaign] + (size_t)job_step(r, j) - 1];

    return t->body ? t : NULL;
}

/* Loads step k of campaign c once; a failure is said and leaves it
 * unusable. */
static int load_step(struct run *r, bool *tried, size_t c, int k,
                     struct errinfo *ei)
{
    const struct rp_campaign *camp = &r->rp->camp[c];
    size_t ix = r->tpl_at[c] + (size_t)k - 1;
    struct template *t = &r->tpl[ix];
    struct errinfo tei = { ERR_OK, "" };
    int rc;

    if (tried[ix])
        return t->body ? 0 : -1;
    tried[ix] = true;
    rc = k == 1 ? app_load_template(camp->steps[k].template_path, t, &tei)
                : app_load_step_template(camp->steps[k].template_path, t,
                                         &tei);
    if (rc == 0)
        return 0;
    /* A missing or broken template is the operator's to fix: its
     * messages stay unsent (not failed) until it is. */
    log_error("campaign %s, step %d: %s: its messages are not sent",
              camp->name, k, tei.msg);
    return err_set(ei, tei.code, "campaign %s: template unusable",
                   camp->name);
}

int run_load_templates(struct run *r, struct errinfo *ei)
{
    struct runplan *rp = r->rp;
    size_t total = 0;
    bool *tried;
    int ret = 0;

    r->tpl_at = xcalloc(rp->n_camp ? rp->n_camp : 1, sizeof(*r->tpl_at));
    for (size_t c = 0; c < rp->n_camp; c++) {
        r->tpl_at[c] = total;
        total += (size_t)rp->camp[c].n_steps;
    }
    r->tpl = xcalloc(total ? total : 1, sizeof(*r->tpl));
    tried = xcalloc(total ? total : 1, sizeof(*tried));
    /* A follow-up needs its step's, and step 1's for "Re: " its subject. */
    for (size_t i = 0; i < r->n_jobs; i++) {
        const struct job *j = &r->jobs[i];
        size_t c = rp->cand[j->cand].campaign;

        if (load_step(r, tried, c, job_step(r, j), ei) < 0 ||
            load_step(r, tried, c, 1, ei) < 0)
            ret = -1;
    }
    free(tried);
    return ret;
}

void run_free_templates(struct run *r)
{
    size_t total = 0;

    if (!r->tpl)
        return;
    for (size_t c = 0; c < r->rp->n_camp; c++)
        total += (size_t)r->rp->camp[c].n_steps;
    for (size_t i = 0; i < total; i++)
        template_release(&r->tpl[i]);
    free(r->tpl);
    free(r->tpl_at);
    r->tpl = NULL;
    r->tpl_at = NULL;
}

/* What would fail goes to *fails. */
void run_dry(struct run *r, struct db *db, struct counts *k,
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

        if (!run_template(r, j))
            continue;
        run_compose_in(r, j, (size_t)j->mailbox, &ci);
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
}

/* ---- the runs row ------------------------------------------------------- */

int run_row_start(struct db *db, struct run *r, const char *now,
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

int run_row_finish(struct db *db, struct run *r, const struct counts *k,
                   int exit_code, struct errinfo *ei)
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

bool run_tally(const struct run *r, struct counts *k)
{
    bool any_tried = false;

    for (size_t i = 0; i < r->n_jobs; i++) {
        const struct job *j = &r->jobs[i];

        if (!j->tried && !j->done)
            continue;
        any_tried = any_tried || j->tried;
        switch (j->outcome) {
        case OUTCOME_SENT: k->sent++; break;
        case OUTCOME_DEFERRED: k->deferred++; break;
        case OUTCOME_BOUNCED: k->bounced++; break;
        case OUTCOME_FAILED: k->failed++; break;
        case OUTCOME_UNKNOWN: k->unknown++; break;
        }
    }
    return any_tried;
}

/* ---- what the night says (runreport.c) ---------------------------------- */

/* Contacts that wait for a mailbox: no room for them in the plan (unless
 * --max filled it), or planned and not sent (a dry run sends none). */
static long waiting_contacts(const struct run *r, size_t max, bool dry)
{
    const struct sched_plan *p = &r->rp->plan;
    long n = 0;

    if (!(max > 0 && p->n_items >= max))
        n = r->rp->waiting;
    for (size_t i = 0; !dry && i < r->n_jobs; i++)
        if (!r->jobs[i].done || r->jobs[i].outcome == OUTCOME_DEFERRED)
            n++;
    return n;
}

/*
 * Says on stderr, even with -q, what an unhealthy night must say, and
 * whether it exits 69 (its message in *e69).
 */
bool run_night_report(struct run *r, struct db *db, const struct counts *k,
                      size_t max, bool dry, struct errinfo *e69)
{
    size_t n = r->rp->n_mb ? r->rp->n_mb : 1;
    struct runreport_in in;
    struct errinfo ei = { ERR_OK, "" };
    bool *failed = NULL, *authed = NULL, unavailable = false;

    memset(&in, 0, sizeof(in));
    in.rp = r->rp;
    in.waiting = waiting_contacts(r, max, dry);
    in.waiting_more = r->rp->waiting_more;
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
void run_report_failures(struct run *r, struct db *db)
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

/* A run stopped early says why and how many messages wait: the
 * database's error (74), or the signal (75). */
void run_stop_verdict(struct run *r, int *exit_code, struct errinfo *ei)
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
