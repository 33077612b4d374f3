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

/* ---- templates --------------------------------------------------------- */

int run_load_templates(struct run *r, struct errinfo *ei)
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

        if (!r->tpl[c->campaign].body)
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
