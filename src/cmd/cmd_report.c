/* cmd_report.c - `report`: per mailbox and day, bounce rates, the funnel
 * per campaign and step, and the forecast (SPEC "Report").  Reads only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "forecast.h"
#include "log.h"
#include "report_view.h"
#include "util.h"

#include "banned.h"

static const char report_usage[] =
    "usage: mailrota report [--days N] [--horizon DAYS] [--json | --html FILE]\n"
    "\n"
    "Shows how the outreach is going and when it will be done: per mailbox\n"
    "and local day sent, bounced, deferred, replies and the effective cap;\n"
    "per mailbox the bounce rate against rules.max_bounce_rate; per\n"
    "campaign and step the funnel (enrolled, sent, bounced, replied,\n"
    "unsubscribed, waiting by reason); per campaign the forecast: the date\n"
    "on which every enrolled contact will have had every step, from the\n"
    "sending rules run forward day by day, or why it never completes.\n"
    "Sends nothing, writes nothing.\n"
    "\n"
    "Options:\n"
    "      --days N         the last N local days (1 to 366, default 14)\n"
    "      --horizon DAYS   forecast this far ahead (1 to 3660, default "
    "365)\n"
    "      --json           the same figures as one JSON object\n"
    "      --html FILE      the same figures as one self-contained HTML file\n"
    "                       with charts and tables (written atomically)\n"
    "  -h, --help           this help\n";

const int *report_waiting(const struct report_view *v, size_t i, int k)
{
    return v->waiting + v->wait_off[i] + (size_t)k * FC_REASONS;
}

void report_day_str(long long day, char out[11])
{
    int y, mo, d;
    char buf[48];

    time_civil((int64_t)day * 86400, &y, &mo, &d);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y % 10000, mo % 100,
             d % 100);
    snprintf(out, 11, "%.10s", buf);
}

/* fig campaign of runplan campaign j, or -1. */
static long fig_of(const struct report_view *v, size_t j)
{
    for (size_t i = 0; i < v->fig.n_camp; i++)
        if (v->fig.camp[i].id == v->rp.camp[j].id)
            return (long)i;
    return -1;
}

/* The plan at now: its items ([0]) and skips by reason per step. */
static void count_waiting(struct report_view *v)
{
    size_t total = 0;

    v->wait_off = xcalloc(v->fig.n_camp + 1, sizeof(*v->wait_off));
    for (size_t i = 0; i < v->fig.n_camp; i++) {
        v->wait_off[i] = total;
        total += (size_t)(v->fig.camp[i].n_steps + 2) * FC_REASONS;
    }
    v->waiting = xcalloc(total + 1, sizeof(int));
    for (size_t i = 0; i < v->rp.plan.n_items + v->rp.plan.n_skips; i++) {
        bool item = i < v->rp.plan.n_items;
        size_t c = item ? v->rp.plan.items[i].candidate
                        : v->rp.plan.skips[i - v->rp.plan.n_items].candidate;
        int reason = item ? 0 : (int)v->rp.plan.skips[i -
                                       v->rp.plan.n_items].reason;
        long f = fig_of(v, v->rp.cand[c].campaign);
        int k = v->rp.scand[c].step > 0 ? v->rp.scand[c].step : 1;

        if (f < 0 || reason == SCHED_ALREADY_SENT || reason >= FC_REASONS ||
            k > v->fig.camp[f].n_steps)
            continue;
        v->waiting[v->wait_off[f] + (size_t)k * FC_REASONS + (size_t)reason]++;
    }
}

/* What caps_effective reads of roster mailbox j, as the figures hold it. */
static struct caps_mailbox caps_of(const struct report_view *v, size_t j)
{
    struct caps_mailbox none = { CAPS_NONE, false, 0, 0, 0, 0 };

    for (size_t i = 0; i < v->fig.n_mb; i++)
        if (v->fig.mb[i].id == v->rp.smb[j].id)
            return v->fig.mb[i].caps_now;
    none.counted = v->rp.smb[j].used_today;
    return none;
}

/* With zone: recipient, each candidate's zone as runplan takes it (its
 * contact's, NULL: the sender's when it has none or an unknown one). */
static const struct tz **cand_zones(const struct report_view *v,
                                    const struct config *cfg)
{
    const struct tz **zones;

    if (!cfg->schedule.configured || !cfg->schedule.zone_recipient)
        return NULL;
    zones = xcalloc(v->rp.n_cand + 1, sizeof(*zones));
    for (size_t i = 0; i < v->rp.n_cand; i++) {
        struct errinfo zei = { ERR_OK, "" };

        if (v->rp.cand[i].timezone &&
            clock_zone(v->rp.cand[i].timezone, &zones[i], &zei) < 0)
            zones[i] = NULL;
    }
    return zones;
}

static void forecast(struct report_view *v, const struct config *cfg,
                     const struct tz *z)
{
    struct fc_input fi;
    struct caps_mailbox *caps = xcalloc(v->rp.n_mb + 1, sizeof(*caps));
    size_t *campaign = xcalloc(v->rp.n_cand + 1, sizeof(*campaign));
    struct fc_campaign *camps = xcalloc(v->rp.n_camp + 1, sizeof(*camps));
    const struct tz **zones = cand_zones(v, cfg);
    int64_t t0 = clock_now_ms();

    for (size_t j = 0; j < v->rp.n_mb; j++)
        caps[j] = caps_of(v, j);
    for (size_t i = 0; i < v->rp.n_cand; i++)
        campaign[i] = v->rp.cand[i].campaign;
    for (size_t j = 0; j < v->rp.n_camp; j++) {
        camps[j].n_steps = v->rp.camp[j].n_steps;
        camps[j].after_s = v->rp.camp[j].after_s;
    }
    memset(&fi, 0, sizeof(fi));
    fi.in.mailboxes = v->rp.smb;
    fi.in.n_mailboxes = v->rp.n_mb;
    fi.in.candidates = v->rp.scand;
    fi.in.n_candidates = v->rp.n_cand;
    fi.in.company_counts = v->rp.cc;
    fi.in.n_company_counts = v->rp.n_cc;
    fi.in.suppressions = (const char *const *)v->rp.supp;
    fi.in.n_suppressions = v->rp.n_supp;
    fi.in.cooldown_s = (int64_t)cfg->rules.cooldown_days * 86400;
    fi.in.max_per_company = cfg->rules.max_contacts_per_company;
    fi.in.stop_company_on_reply = cfg->rules.stop_company_on_reply;
    fi.caps = caps;
    fi.default_cap = cfg->rules.daily_cap;
    fi.campaign = campaign;
    fi.camps = camps;
    fi.n_camps = v->rp.n_camp;
    fi.zone = z;
    fi.win = cfg->schedule.configured ? &cfg->schedule.win : NULL;
    fi.cand_zone = zones;
    fi.spread = cfg->schedule.spread;
    fi.now = v->now;
    fi.horizon_days = v->horizon_days;
    forecast_run(&fi, &v->fc);
    v->forecast_ms = (double)(clock_now_ms() - t0);
    v->fc_of = xcalloc(v->fig.n_camp + 1, sizeof(*v->fc_of));
    for (size_t i = 0; i < v->fig.n_camp; i++)
        v->fc_of[i] = (size_t)-1;
    for (size_t j = 0; j < v->rp.n_camp; j++) {
        long f = fig_of(v, j);

        if (f >= 0)
            v->fc_of[f] = j;
    }
    free(caps);
    free(zones);
    free(campaign);
    free(camps);
}

static int gather(struct app *app, struct db *db, int days,
                  struct report_view *v, struct errinfo *ei)
{
    const struct tz *z;

    if (clock_zone(app->cfg.timezone, &z, ei) < 0 ||
        store_report_load(db, &app->cfg, v->now, days, &v->fig, ei) < 0 ||
        runplan_load(db, &app->cfg, v->now, 0, &v->rp, ei) < 0)
        return -1;
    count_waiting(v);
    forecast(v, &app->cfg, z);
    if (app->log_level >= LOG_LEVEL_INFO)
        fprintf(stderr, "report: the forecast took %.0f ms for %zu "
                "enrolled contacts\n", v->forecast_ms, v->rp.n_cand);
    return 0;
}

/* A count option of at least 1; ERR_USAGE naming it and its range. */
static int parse_range(const char *opt, const char *val, long long max,
                       long long *out, struct errinfo *ei)
{
    if (parse_int(val, 1, max, out) < 0)
        return err_set(ei, ERR_USAGE,
                       "%s: expected a whole number from 1 to %lld, got '%s'",
                       opt, max, val);
    return 0;
}

static void view_release(struct report_view *v)
{
    fc_release(&v->fc, v->rp.n_camp);
    store_report_release(&v->fig);
    runplan_release(&v->rp);
    free(v->waiting);
    free(v->wait_off);
    free(v->fc_of);
}

int cmd_report(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "days", required_argument, NULL, 'd' },
        { "horizon", required_argument, NULL, 'H' },
        { "json", no_argument, NULL, 'j' },
        { "html", required_argument, NULL, 'W' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct report_view v;
    struct db *db = NULL;
    long long days = 14, horizon = 365;
    bool json = false;
    const char *html = NULL;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "report", ":h", opts, report_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'd':
            if (parse_range("--days", optarg, 366, &days, ei) < 0)
                return -1;
            break;
        case 'H':
            if (parse_range("--horizon", optarg, 3660, &horizon, ei) < 0)
                return -1;
            break;
        case 'j': json = true; break;
        case 'W': html = optarg; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "report: unexpected argument '%s'",
                       argv[optind]);
    if (json && html)
        return err_set(ei, ERR_USAGE, "report: --json and --html cannot be "
                       "used together; choose one");
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    memset(&v, 0, sizeof(v));
    v.now = clock_now();
    v.horizon_days = (int)horizon;
    if (gather(app, db, (int)days, &v, ei) == 0) {
        if (html)
            ret = report_write_html(&v, &app->cfg, html, ei) < 0 ? -2 : 0;
        else if (json)
            report_print_json(&v, &app->cfg, stdout);
        else
            report_print_text(&v, &app->cfg, stdout);
        ret = ret == -2 ? -1 : 0;
    }
    view_release(&v);
    db_close(db);
    return ret;
}
