/* cmd_plan.c - `plan`: what `run` would send now; sends and writes nothing. */
#include <errno.h>
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

/* -v: the candidates not planned, as they come (plan -v at a million
 * contacts holds none of them in memory). */
struct skips {
    bool json;
    struct table_spool t;   /* the table's rows */
    FILE *jf;               /* --json: one object per line */
    size_t n;
};

static void json_row(struct strbuf *sb, const struct runplan *rp,
                     const struct rp_candidate *c, const char *mailbox)
{
    sb_adds(sb, "{\"campaign\": ");
    sb_add_json_str(sb, rp->camp[c->campaign].name);
    sb_adds(sb, ", \"contact\": ");
    sb_add_json_str(sb, c->email);
    sb_adds(sb, ", \"company\": ");
    sb_add_json_str(sb, c->company);
    sb_adds(sb, ", \"mailbox\": ");
    if (mailbox)
        sb_add_json_str(sb, mailbox);
    else
        sb_adds(sb, "null");
}

static void on_skip(void *arg, const struct runplan *rp,
                    const struct rp_candidate *c, enum sched_reason r,
                    int64_t until)
{
    struct skips *sk = arg;
    char when[ISO_TIME_LEN] = "";

    if (until)
        time_iso(until, when);
    sk->n++;
    if (sk->json) {
        struct strbuf sb;

        sb_init(&sb, 0);
        json_row(&sb, rp, c, NULL);
        sb_adds(&sb, ", \"reason\": ");
        sb_add_json_str(&sb, sched_reason_str(r));
        if (until) {
            sb_adds(&sb, ", \"until\": ");
            sb_add_json_str(&sb, when);
        }
        sb_adds(&sb, "}\n");
        fputs(sb.buf, sk->jf);
        sb_release(&sb);
    } else {
        const char *cell[4] = {
            c->email, rp->camp[c->campaign].name, sched_reason_str(r),
            until ? when : NULL,
        };

        table_spool_add(&sk->t, cell);
    }
}

static int skips_init(struct skips *sk, bool json, struct errinfo *ei)
{
    static const char *const hdr[] = {
        "NOT PLANNED", "CAMPAIGN", "REASON", "UNTIL",
    };

    memset(sk, 0, sizeof(*sk));
    sk->json = json;
    if (json ? (sk->jf = tmpfile()) == NULL
             : table_spool_init(&sk->t, 4, hdr) < 0)
        return err_set(ei, ERR_CANTCREAT,
                       "plan: cannot make a temporary file for -v: %s "
                       "(set TMPDIR to a writable directory)",
                       strerror(errno));
    return 0;
}

static void skips_release(struct skips *sk)
{
    if (sk->jf)
        fclose(sk->jf);
    table_spool_release(&sk->t);
}

static int print_json(const struct runplan *rp, struct skips *sk,
                      struct errinfo *ei)
{
    struct strbuf sb;
    char *line = NULL;
    size_t len = 0;
    bool first = true;

    sb_init(&sb, 0);
    sb_addch(&sb, '[');
    for (size_t i = 0; i < rp->plan.n_items; i++, first = false) {
        const struct sched_item *it = &rp->plan.items[i];

        sb_adds(&sb, first ? "\n  " : ",\n  ");
        json_row(&sb, rp, &rp->cand[it->candidate],
                 rp->mb[it->mailbox].email);
        sb_addch(&sb, '}');
    }
    fputs(sb.buf, stdout);
    sb_release(&sb);
    if (sk && (fflush(sk->jf) != 0 || fseek(sk->jf, 0, SEEK_SET) != 0))
        return err_set(ei, ERR_IO, "plan: cannot read back -v: %s",
                       strerror(errno));
    while (sk && getline(&line, &len, sk->jf) > 0) {
        line[strcspn(line, "\n")] = '\0';
        fputs(first ? "\n  " : ",\n  ", stdout);
        fputs(line, stdout);
        first = false;
    }
    free(line);
    fputs(first ? "]\n" : "\n]\n", stdout);
    return 0;
}

static int print_tables(const struct runplan *rp, struct skips *sk,
                        struct errinfo *ei)
{
    static const char *const hdr[] = {
        "MAILBOX", "CONTACT", "COMPANY", "CAMPAIGN",
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
    if (!sk)
        return 0;
    fputc('\n', stdout);
    if (table_spool_print(&sk->t, stdout) < 0)
        return err_set(ei, ERR_IO, "plan: cannot read back -v: %s",
                       strerror(errno));
    return 0;
}

/* The plan, streamed; or (MAILROTA_PLAN_EXHAUSTIVE=1, for the tests'
 * oracle) every enrolment loaded and sorted, as the report does. */
static int make_plan(struct app *app, struct db *db, size_t max,
                     struct skips *sk, struct runplan *rp,
                     struct errinfo *ei)
{
    const char *ex = getenv("MAILROTA_PLAN_EXHAUSTIVE");

    if (!ex || strcmp(ex, "1") != 0)
        return runplan_stream(db, &app->cfg, clock_now(), max, 0,
                              sk ? on_skip : NULL, sk, rp, ei);
    if (runplan_load(db, &app->cfg, clock_now(), max, rp, ei) < 0)
        return -1;
    for (size_t i = 0; sk && i < rp->plan.n_skips; i++) {
        const struct sched_skip *s = &rp->plan.skips[i];

        on_skip(sk, rp, &rp->cand[s->candidate], s->reason, s->until);
    }
    return 0;
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
    struct skips sk;
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
    if (verbose && skips_init(&sk, json, ei) < 0)
        return -1;
    memset(&rp, 0, sizeof(rp));
    if (app_open_db(app, 0, &db, ei) == 0 &&
        make_plan(app, db, (size_t)max, verbose ? &sk : NULL, &rp, ei) == 0)
        ret = json ? print_json(&rp, verbose ? &sk : NULL, ei)
                   : print_tables(&rp, verbose ? &sk : NULL, ei);
    runplan_release(&rp);
    if (verbose)
        skips_release(&sk);
    db_close(db);
    return ret;
}
