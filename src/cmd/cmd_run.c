/*
 * cmd_run.c - `run`, the nightly job, in outline: lock -> recover -> plan
 * -> send (the dispatch loop, one thread per mailbox: run_engine.c; one
 * message, claimed as `sending` before any traffic and recorded right
 * after: run_job.c) -> record -> summary (run_steps.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "app.h"
#include "crashpoint.h"
#include "log.h"
#include "oauth.h"
#include "run_engine.h"
#include "stop.h"
#include "util.h"

#include "banned.h"

static const char run_usage[] =
    "usage: mailrota run [--dry-run] [--max N] [--no-inbox] [--until-done]\n"
    "\n"
    "The nightly job: reads the inboxes first when the config has an\n"
    "inbound: section (as 'mailrota inbox': bounces, replies, unsubscribes;\n"
    "a mailbox whose inbox cannot be read is warned about, even with -q,\n"
    "and still sends), then\n"
    "plans who may be written to now (see 'mailrota plan'),\n"
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
    "      --no-inbox do not read the inboxes first\n"
    "      --until-done  keep running while sends are due later today: run\n"
    "                 again when the next one is due (a send window opening,\n"
    "                 a follow-up's wait, a spread mailbox's turn), sleeping\n"
    "                 in between; stop when the caps are met or the day's\n"
    "                 window has closed; the summary line adds up the runs\n"
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

/* What the night's outline carries from step to step. */
struct night {
    struct run r;
    struct runplan rp;
    struct counts k;
    struct db *db;
    long long max;
    bool dry;
    bool no_inbox;             /* --no-inbox */
    bool quiet;                /* no summary line (-q, or --until-done's
                                  runs before its own) */
    bool tpl_error;            /* a campaign's template is unusable */
    struct errinfo tei;        /* why */
    struct runreport_failures dry_fails;
};

/* Options into o; 1 after --help. */
static int parse_opts(int argc, char **argv, struct run_opts *o,
                      struct errinfo *ei)
{
    static const struct option opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "max", required_argument, NULL, 'm' },
        { "no-inbox", no_argument, NULL, 'I' },
        { "until-done", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, "run", ":nh", opts, run_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'n': o->dry = true; break;
        case 'I': o->no_inbox = true; break;
        case 'U': o->until_done = true; break;
        case 'm':
            if (app_parse_count("--max", optarg, 10000000, &o->max, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "run: unexpected argument '%s'",
                       argv[optind]);
    if (o->dry && o->until_done)
        return err_set(ei, ERR_USAGE, "run: --dry-run and --until-done "
                       "together would wait for nothing (use 'mailrota plan "
                       "-v' to see when sends are due)");
    return 0;
}

/* The lock, then the claims a crash left behind: never resent. */
static int lock_and_recover(struct night *n, struct errinfo *ei)
{
    struct run *r = &n->r;
    int recovered = 0;

    if (runlock_take(&r->lock, r->cfg->database, ei) < 0)
        return -1;
    crash_point("run.locked");
    if (stop_watch_start(run_wake, r, ei) < 0 ||
        runlock_check(&r->lock, n->db, ei) < 0)
        return -1;
    if (store_run_recover(n->db, &recovered, ei) < 0)
        return -1;
    if (recovered)
        log_warnx("%d message%s left 'sending' by an interrupted run "
                  "marked 'unknown' (not resent; see send_log)",
                  recovered, recovered == 1 ? "" : "s");
    return 0;
}

/* SPEC: `run` reads the inboxes first, so that a contact who bounced,
 * replied or unsubscribed is not planned -- when the config has an
 * inbound: section (README: a setup that never configured inbound mail
 * is not made to connect to outlook.office365.com).  Before any thread
 * starts (GMime's global init). */
static int read_inboxes(struct night *n, struct app *app, struct errinfo *ei)
{
    struct inbox_counts k;

    if (inbox_pass(app, n->db, NULL, &k, ei) < 0)
        return -1;
    log_info("inbox: read %ld, bounces %ld, replies %ld, auto-replies %ld, "
             "unsubscribes %ld, other %ld", k.read, k.bounces, k.replies,
             k.auto_replies, k.unsubscribes, k.other);
    return 0;
}

/* The key, the seed, the plan and its jobs, the templates. */
static int plan(struct night *n, struct app *app, struct errinfo *ei)
{
    struct run *r = &n->r;

    if (app_load_key(app, r->key, &r->have_key, ei) < 0 ||
        compose_check_key(&app->cfg, r->have_key, ei) < 0)
        return -1;
    if (RAND_bytes((unsigned char *)&r->seed, sizeof(r->seed)) != 1)
        r->seed = (uint64_t)clock_now_ms();
    r->seed &= INT64_MAX;   /* stored exactly in runs.seed (an INTEGER) */
    r->started_ms = clock_now_ms();
    run_new_uuid(r->run_id);
    if (runplan_stream(n->db, &app->cfg, clock_now(), (size_t)n->max,
                       RUNPLAN_COUNT_WAITING, NULL, NULL, &n->rp, ei) < 0)
        return -1;
    run_make_jobs(r);
    run_load_contacts(r, n->db);
    n->k.planned = (long)r->n_jobs;
    if (run_load_templates(r, &n->tei) < 0) {
        n->tpl_error = true;
        /* Messages of unusable campaigns are dropped from this run. */
        for (size_t i = 0; i < r->n_jobs; i++)
            if (!run_template(r, &r->jobs[i])) {
                r->jobs[i].done = true;
                r->jobs[i].outcome = OUTCOME_DEFERRED;
                r->jobs[i].tried = false;
            }
    }
    return 0;
}

/* --dry-run: compose every message, send and write nothing. */
static void dry_run(struct night *n)
{
    struct errinfo e69 = { ERR_OK, "" };

    run_dry(&n->r, n->db, &n->k, &n->dry_fails);
    run_night_report(&n->r, n->db, &n->k, (size_t)n->max, true, &e69);
    runreport_failures_print(&n->dry_fails, NULL);
    if (!n->quiet)
        printf("planned %ld, sent 0, deferred 0, bounced 0, failed %ld, "
               "unknown 0\n", n->k.planned, n->k.failed);
}

/* The runs row, the token cache, then every mailbox sends. */
static int send_night(struct night *n, struct app *app, struct errinfo *ei)
{
    struct run *r = &n->r;
    char now[ISO_TIME_LEN];

    clock_now_iso(now);
    snprintf(r->started, sizeof(r->started), "%s", now);
    if (run_row_start(n->db, r, now, ei) < 0)
        return -1;
    crash_point("run.started");
    /* One token cache for the run, on a connection of its own. */
    if (db_open(app->cfg.database, DB_NO_SCHEMA_CHECK, &r->oauth_db, ei) < 0)
        return -1;
    r->oauth = oauth_cache_new(&app->cfg, r->oauth_db,
                               r->have_key ? r->key : NULL);
    if (n->tpl_error) {
        /* Keep only the jobs whose template works. */
        size_t kept = 0;
        for (size_t i = 0; i < r->n_jobs; i++) {
            if (!r->jobs[i].done)
                r->jobs[kept++] = r->jobs[i];
            else
                run_job_release(&r->jobs[i]);
        }
        r->n_jobs = kept;
    }
    run_send_all(r);
    r->closing = true;
    return 0;
}

/* The verdict, the runs row's end and the summary; the exit code. */
static int finish(struct night *n, struct errinfo *ei)
{
    struct run *r = &n->r;
    struct counts *k = &n->k;
    struct errinfo fei = { ERR_OK, "" }, e69 = { ERR_OK, "" };
    bool any_tried = run_tally(r, k);
    int exit_code = 0;

    /* 69: contacts wait and every mailbox failed, tonight or before. */
    if (run_night_report(r, n->db, k, (size_t)n->max, false, &e69)) {
        exit_code = err_exit_code(ERR_UNAVAILABLE);
        *ei = e69;
    } else if (any_tried && k->sent == 0 && (k->deferred + k->unknown) > 0) {
        exit_code = err_exit_code(ERR_TEMPFAIL);
        err_set(ei, ERR_TEMPFAIL, "nothing sent: %ld deferred, %ld unknown",
                k->deferred, k->unknown);
    } else if (n->tpl_error) {
        exit_code = err_exit_code(n->tei.code);
        *ei = n->tei;
    }
    run_stop_verdict(r, &exit_code, ei);
    crash_point("run.finishing");
    /* A run that already failed keeps its own message: say this too. */
    if (run_row_finish(n->db, r, k, exit_code, exit_code ? &fei : ei) < 0) {
        if (!exit_code)
            return -1;
        log_error("%s", fei.msg);
    }
    crash_point("run.finished");
    if (k->failed > 0)
        run_report_failures(r, n->db);
    if (!n->quiet)
        run_print_counts(k);
    return exit_code ? -1 : 0;
}

static void release(struct night *n)
{
    struct run *r = &n->r;

    stop_watch_end();
    if (r->w) {
        for (size_t i = 0; i < n->rp.n_mb; i++) {
            free(r->w[i].queue);
            free(r->w[i].pace.window);
        }
        free(r->w);
    }
    run_free_templates(r);
    run_free_jobs(r);
    runreport_failures_release(&n->dry_fails);
    oauth_cache_free(r->oauth);
    db_close(r->oauth_db);
    secure_wipe(r->key, sizeof(r->key));
    runplan_release(&n->rp);
    db_close(n->db);
    runlock_release(&r->lock);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->dbmu);
    pthread_mutex_destroy(&r->genmu);
    pthread_mutex_destroy(&r->syncmu);
    pthread_cond_destroy(&r->cv);
}

void run_print_counts(const struct counts *k)
{
    printf("planned %ld, sent %ld, deferred %ld, bounced %ld, failed %ld, "
           "unknown %ld\n", k->planned, k->sent, k->deferred, k->bounced,
           k->failed, k->unknown);
}

int run_night(struct app *app, const struct run_opts *o, bool quiet,
              struct counts *k, struct errinfo *ei)
{
    struct night *n = xcalloc(1, sizeof(*n));
    struct run *r = &n->r;
    int ret = -1;

    n->tei.code = ERR_OK;
    n->max = o->max;
    n->dry = o->dry;
    n->no_inbox = o->no_inbox;
    n->quiet = quiet;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->dbmu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_mutex_init(&r->genmu, NULL);
    pthread_mutex_init(&r->syncmu, NULL);
    r->app = app;
    r->rp = &n->rp;
    if (app_open_db(app, 0, &n->db, ei) < 0)
        goto out;
    db_wait_while(n->db, run_waits, r);
    r->cfg = &app->cfg;
    if (!n->dry && lock_and_recover(n, ei) < 0)
        goto out;
    if (!n->dry && !n->no_inbox && app->cfg.inbound.configured &&
        read_inboxes(n, app, ei) < 0)
        goto out;
    if (plan(n, app, ei) < 0)
        goto out;
    if (n->dry) {
        dry_run(n);
        ret = 0;
        goto out;
    }
    if (send_night(n, app, ei) == 0)
        ret = finish(n, ei);
out:
    if (k)
        *k = n->k;
    release(n);
    free(n);
    return ret;
}

int cmd_run(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    struct run_opts o;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse_opts(argc, argv, &o, ei);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (o.until_done)
        return run_until_done(app, &o, ei);
    return run_night(app, &o, app->quiet, NULL, ei);
}
