/* cmd_plan.c - `plan`: what `run` would send now; sends and writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "runplan.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static const char plan_usage[] =
    "usage: mailrota plan [--max N] [--json] [-v]\n"
    "\n"
    "Shows what 'mailrota run' would send now, one row per message:\n"
    "mailbox, contact, company, campaign.  Sends nothing, writes nothing.\n"
    "\n"
    "Options:\n"
    "      --max N    plan at most N messages\n"
    "      --json     an array of {\"campaign\",\"contact\",\"company\","
    "\"mailbox\"};\n"
    "                 with -v also the contacts not planned, with \"mailbox\":\n"
    "                 null, \"reason\" and (cooldown, retry_wait, not_due,\n"
    "                 outside_window)\n"
    "                 \"until\"\n"
    "  -v, --verbose  also list every enrolled contact not planned, with\n"
    "                 the reason: campaign_paused, contact_status,\n"
    "                 replied, suppressed, already_sent, company_replied,\n"
    "                 retry_wait, cooldown (with the time it ends),\n"
    "                 company_limit, no_capacity, outside_window (with\n"
    "                 the time it opens); for a follow-up step\n"
    "                 also not_due (with the time it is due),\n"
    "                 previous_step, sender_busy, sender_unavailable\n"
    "  -h, --help     this help\n";

static void print_json(const struct runplan *rp, bool verbose)
{
    struct strbuf sb;
    bool first = rp->plan.n_items == 0;

    sb_init(&sb, 0);
    sb_addch(&sb, '[');
    for (size_t i = 0; i < rp->plan.n_items; i++) {
        const struct sched_item *it = &rp->plan.items[i];
        const struct rp_candidate *c = &rp->cand[it->candidate];

        sb_adds(&sb, i ? ",\n  {\"campaign\": " : "\n  {\"campaign\": ");
        sb_add_json_str(&sb, rp->camp[c->campaign].name);
        sb_adds(&sb, ", \"contact\": ");
        sb_add_json_str(&sb, c->email);
        sb_adds(&sb, ", \"company\": ");
        sb_add_json_str(&sb, c->company);
        sb_adds(&sb, ", \"mailbox\": ");
        sb_add_json_str(&sb, rp->mb[it->mailbox].email);
        sb_addch(&sb, '}');
    }
    /* -v: one object per contact not planned, with a null mailbox and
     * the reason (and until, for cooldown and retry_wait). */
    for (size_t i = 0; verbose && i < rp->plan.n_skips; i++) {
        const struct sched_skip *sk = &rp->plan.skips[i];
        const struct rp_candidate *c = &rp->cand[sk->candidate];
        char until[ISO_TIME_LEN];

        sb_adds(&sb, first ? "\n  {\"campaign\": " : ",\n  {\"campaign\": ");
        first = false;
        sb_add_json_str(&sb, rp->camp[c->campaign].name);
        sb_adds(&sb, ", \"contact\": ");
        sb_add_json_str(&sb, c->email);
        sb_adds(&sb, ", \"company\": ");
        sb_add_json_str(&sb, c->company);
        sb_adds(&sb, ", \"mailbox\": null, \"reason\": ");
        sb_add_json_str(&sb, sched_reason_str(sk->reason));
        if (sk->until) {
            time_iso(sk->until, until);
            sb_adds(&sb, ", \"until\": ");
            sb_add_json_str(&sb, until);
        }
        sb_addch(&sb, '}');
    }
    sb_adds(&sb, first ? "]\n" : "\n]\n");
    fputs(sb.buf, stdout);
    sb_release(&sb);
}

static void print_tables(const struct runplan *rp, bool verbose)
{
    static const char *const hdr[] = {
        "MAILBOX", "CONTACT", "COMPANY", "CAMPAIGN",
    };
    static const char *const skip_hdr[] = {
        "NOT PLANNED", "CAMPAIGN", "REASON", "UNTIL",
    };
    struct table t;

    table_init(&t, 4, hdr);
    for (size_t i = 0; i < rp->plan.n_items; i++) {
        const struct sched_item *it = &rp->plan.items[i];
        const struct rp_candidate *c = &rp->cand[it->candidate];
        const char *cell[4] = {
            rp->mb[it->mailbox].email, c->email, c->company,
            rp->camp[c->campaign].name,
        };
        table_add(&t, cell);
    }
    table_print(&t, stdout);
    table_release(&t);
    if (!verbose)
        return;
    table_init(&t, 4, skip_hdr);
    for (size_t i = 0; i < rp->plan.n_skips; i++) {
        const struct sched_skip *sk = &rp->plan.skips[i];
        const struct rp_candidate *c = &rp->cand[sk->candidate];
        char until[ISO_TIME_LEN] = "";
        const char *cell[4] = {
            c->email, rp->camp[c->campaign].name,
            sched_reason_str(sk->reason), until,
        };

        if (sk->until)
            time_iso(sk->until, until);
        else
            cell[3] = NULL;
        table_add(&t, cell);
    }
    fputc('\n', stdout);
    table_print(&t, stdout);
    table_release(&t);
}

int cmd_plan(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "max", required_argument, NULL, 'm' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct runplan rp;
    struct db *db = NULL;
    long long max = 0;
    bool json = false, verbose = app->log_level >= LOG_LEVEL_INFO;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "plan", ":vh", opts, plan_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'm':
            if (app_parse_count("--max", optarg, 10000000, &max, ei) < 0)
                return -1;
            break;
        case 'j': json = true; break;
        case 'v': verbose = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "plan: unexpected argument '%s'",
                       argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (runplan_load(db, &app->cfg, clock_now(), (size_t)max, &rp, ei) ==
        0) {
        if (json)
            print_json(&rp, verbose);
        else
            print_tables(&rp, verbose);
        ret = 0;
    }
    runplan_release(&rp);
    db_close(db);
    return ret;
}
