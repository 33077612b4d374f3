/*
 * run_until.c - `run --until-done` (SPEC "Schedule and ramp-up"): runs
 * one after another while sends are due later in the day, sleeping until
 * the next one is (wake.h: a window opening, a follow-up's wait, a spread
 * mailbox's turn), never busy-waiting.  It ends when nothing more can go
 * today (the caps are met, or the day's window has closed), on an error,
 * or at SIGTERM or SIGINT (exit 75, also while it sleeps).  The summary
 * line adds up its runs.  Between runs it holds no lock.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "run_engine.h"
#include "runplan.h"
#include "stop.h"
#include "wake.h"

#include "banned.h"

static void add(struct counts *t, const struct counts *k)
{
    t->planned += k->planned;
    t->sent += k->sent;
    t->deferred += k->deferred;
    t->bounced += k->bounced;
    t->failed += k->failed;
    t->unknown += k->unknown;
}

/* When to run next: *wake, INT64_MAX when nothing more goes today. */
struct wake_arg {
    struct wake_skips w;
    int64_t now;
};

static void wake_note(void *arg, const struct runplan *rp,
                      const struct rp_candidate *c, enum sched_reason r,
                      int64_t until)
{
    struct wake_arg *a = arg;

    (void)rp;
    (void)c;
    wake_skips_note(&a->w, r, until, a->now);
}

static int next_wake(struct app *app, int64_t *wake, struct errinfo *ei)
{
    struct runplan rp;
    struct db *db = NULL;
    struct wake_arg a;
    int ret = -1;

    a.now = clock_now();
    wake_skips_init(&a.w);
    memset(&rp, 0, sizeof(rp));
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (runplan_stream(db, &app->cfg, a.now, 0, 0, wake_note, &a, &rp,
                       ei) == 0) {
        *wake = wake_next(rp.smb, rp.n_mb, rp.plan.n_items, &a.w, a.now,
                          rp.horizon);
        ret = 0;
    }
    runplan_release(&rp);
    db_close(db);
    return ret;
}

/* Sleeps until wake on the program's clock; false when a signal asked to
 * stop meanwhile (said). */
static bool sleep_until(int64_t wake, struct errinfo *ei)
{
    int64_t ms = (wake - clock_now()) * 1000;
    char at[ISO_TIME_LEN];
    bool stopped;

    time_iso(wake, at);
    log_info("run --until-done: next at %s", at);
    if (stop_watch_start(NULL, NULL, ei) < 0)
        return false;
    stopped = stop_sleep_ms(clock_real_ms(ms > 0 ? ms : 0));
    stop_watch_end();
    if (stopped)
        err_set(ei, ERR_TEMPFAIL, "stopped by %s while waiting for %s",
                stop_signal_name(stop_signal()), at);
    return !stopped;
}

int run_until_done(struct app *app, const struct run_opts *o,
                   struct errinfo *ei)
{
    struct counts total;
    int64_t wake = INT64_MAX;
    int ret = 0;

    memset(&total, 0, sizeof(total));
    for (;;) {
        struct counts k;

        memset(&k, 0, sizeof(k));
        ret = run_night(app, o, true, &k, ei);
        add(&total, &k);
        log_info("run: planned %ld, sent %ld, deferred %ld, bounced %ld, "
                 "failed %ld, unknown %ld", k.planned, k.sent, k.deferred,
                 k.bounced, k.failed, k.unknown);
        /* an error or a stop ends it; so does a run that sent nothing of
         * what it planned (it would only plan the same again) */
        if (ret < 0 || stop_requested() || (k.planned > 0 && k.sent == 0))
            break;
        if (next_wake(app, &wake, ei) < 0) {
            ret = -1;
            break;
        }
        if (wake == INT64_MAX)
            break;
        if (!sleep_until(wake, ei)) {
            ret = -1;
            break;
        }
    }
    if (!app->quiet)
        run_print_counts(&total);
    return ret;
}
