/* cmd_status.c - `status`: per mailbox for one local day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "caps.h"
#include "clock.h"
#include "store.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static const char status_usage[] =
    "usage: mailrota status [--date YYYY-MM-DD] [--json]\n"
    "\n"
    "Per mailbox for one day of the configured time zone (default today):\n"
    "messages sent, bounced and deferred, what counts against the cap\n"
    "(sent, bounced, sending, unknown), the cap and what remains, and the\n"
    "mailbox's status; then totals.  The cap is the effective cap: the\n"
    "mailbox's own or rules.daily_cap, lowered to what it had sent on a\n"
    "day the server said its quota was full.  Remaining, and the totals of\n"
    "cap and remaining, count only cold-ready mailboxes: the others cannot\n"
    "send.\n"
    "\n"
    "Options:\n"
    "      --date D   the day to show (YYYY-MM-DD)\n"
    "      --json     {\"date\", \"mailboxes\": [...], \"totals\": {...}}\n"
    "  -h, --help     this help\n";

struct row {
    long sent, bounced, deferred, counted, cap, remaining;
};

static void json_counts(struct strbuf *sb, const struct row *r)
{
    sb_addf(sb, "\"sent\": %ld, \"bounced\": %ld, \"deferred\": %ld, "
            "\"counted\": %ld, \"cap\": %ld, \"remaining\": %ld",
            r->sent, r->bounced, r->deferred, r->counted, r->cap,
            r->remaining);
}

/* What the rows are gathered into. */
struct report {
    int default_cap;
    bool json, first;
    struct row tot;
    struct table t;
    struct strbuf js;
};

static void row_cells(struct table *t, const char *email, const char *status,
                      const struct row *r)
{
    char num[6][24];
    const char *cell[8] = { email, status };

    snprintf(num[0], 24, "%ld", r->sent);
    snprintf(num[1], 24, "%ld", r->bounced);
    snprintf(num[2], 24, "%ld", r->deferred);
    snprintf(num[3], 24, "%ld", r->counted);
    snprintf(num[4], 24, "%ld", r->cap);
    snprintf(num[5], 24, "%ld", r->remaining);
    for (int i = 0; i < 6; i++)
        cell[i + 2] = num[i];
    table_add(t, cell);
}

static void add_row(void *arg, const struct store_status_row *m)
{
    struct report *rep = arg;
    struct row r;

    r.cap = caps_effective(&m->cap, rep->default_cap);
    r.counted = m->cap.counted;
    r.sent = m->sent;
    r.bounced = m->bounced;
    r.deferred = m->deferred;
    r.remaining = m->can_send ? caps_remaining(r.cap, r.counted) : 0;
    rep->tot.sent += r.sent;
    rep->tot.bounced += r.bounced;
    rep->tot.deferred += r.deferred;
    rep->tot.counted += r.counted;
    rep->tot.cap += m->can_send ? r.cap : 0;
    rep->tot.remaining += r.remaining;
    if (!rep->json) {
        row_cells(&rep->t, m->email, m->status_text, &r);
        return;
    }
    sb_adds(&rep->js, rep->first ? "\n  {\"mailbox\": "
                                 : ",\n  {\"mailbox\": ");
    sb_add_json_str(&rep->js, m->email);
    sb_adds(&rep->js, ", \"status\": ");
    sb_add_json_str(&rep->js, m->status_text);
    sb_adds(&rep->js, ", ");
    json_counts(&rep->js, &r);
    sb_addch(&rep->js, '}');
    rep->first = false;
}

static void print_report(struct report *rep, const char *day,
                         const char *tz, long long unknown)
{
    if (rep->json) {
        sb_adds(&rep->js, rep->first ? "], \"totals\": {"
                                     : "\n], \"totals\": {");
        json_counts(&rep->js, &rep->tot);
        sb_adds(&rep->js, "}}\n");
        fputs(rep->js.buf, stdout);
        return;
    }
    row_cells(&rep->t, "total", "", &rep->tot);
    printf("%s (%s)\n", day, tz);
    table_print(&rep->t, stdout);
    if (unknown)
        printf("%lld message%s with an unknown outcome (connection lost "
               "after the message was sent; never resent): select * "
               "from send_log where status = 'unknown'\n", unknown,
               unknown == 1 ? "" : "s");
}

/* Parses status's options: 1 for --help. */
static int parse_status(int argc, char **argv, const char **date,
                        bool *json, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "date", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int64_t check;
    int c;

    while ((c = app_getopt(argc, argv, "status", ":h", opts, status_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'd': *date = optarg; break;
        case 'j': *json = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "status: unexpected argument '%s'",
                       argv[optind]);
    if (*date && (strlen(*date) != 10 || time_parse_iso(*date, &check) < 0))
        return err_set(ei, ERR_USAGE, "status: --date wants YYYY-MM-DD, got "
                       "'%s'", *date);
    return 0;
}

int cmd_status(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const char *const hdr[] = {
        "MAILBOX", "STATUS", "SENT", "BOUNCED", "DEFERRED", "COUNTED", "CAP",
        "REMAINING",
    };
    struct report rep = { .first = true };
    struct db *db = NULL;
    const char *date = NULL;
    char day[11];
    long long unknown = 0;
    int r, ret = -1;

    r = parse_status(argc, argv, &date, &rep.json, ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (date)
        snprintf(day, sizeof(day), "%s", date);
    else if (clock_local_day(clock_now(), app->cfg.timezone, day, ei) < 0)
        goto out;
    rep.default_cap = app->cfg.rules.daily_cap;
    table_init(&rep.t, 8, hdr);
    sb_init(&rep.js, 0);
    sb_addf(&rep.js, "{\"date\": \"%s\", \"mailboxes\": [", day);
    if (store_status_day(db, day, add_row, &rep, ei) == 0 &&
        store_unknown_outcomes(db, day, &unknown, ei) == 0) {
        print_report(&rep, day, app->cfg.timezone, unknown);
        ret = 0;
    }
    table_release(&rep.t);
    sb_release(&rep.js);
out:
    db_close(db);
    return ret;
}
