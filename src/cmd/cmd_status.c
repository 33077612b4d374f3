/* cmd_status.c - `status`: per mailbox for one local day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "caps.h"
#include "clock.h"
#include "outbox.h"
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

int cmd_status(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "date", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const hdr[] = {
        "MAILBOX", "STATUS", "SENT", "BOUNCED", "DEFERRED", "COUNTED", "CAP",
        "REMAINING",
    };
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    struct row tot = { 0, 0, 0, 0, 0, 0 };
    struct strbuf js;
    struct table t;
    const char *date = NULL;
    char day[11];
    bool json = false, first = true;
    long long unknown = 0;
    int64_t check;
    int c, rc, ret = -1;

    while ((c = app_getopt(argc, argv, "status", ":h", opts, status_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'd': date = optarg; break;
        case 'j': json = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "status: unexpected argument '%s'",
                       argv[optind]);
    if (date && (strlen(date) != 10 || time_parse_iso(date, &check) < 0))
        return err_set(ei, ERR_USAGE, "status: --date wants YYYY-MM-DD, got "
                       "'%s'", date);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (date)
        snprintf(day, sizeof(day), "%s", date);
    else if (clock_local_day(clock_now(), app->cfg.timezone, day, ei) < 0)
        goto out;
    if (db_prepare(db,
                   "SELECT m.email, m.status," OUTBOX_CAP_COLUMNS ","
                   " SUM(s.status = 'sent'), SUM(s.status = 'bounced'),"
                   " SUM(s.status = 'deferred')"
                   " FROM mailboxes m LEFT JOIN sends s"
                   "   ON s.mailbox_id = m.id AND s.day = ?1"
                   " GROUP BY m.id ORDER BY m.id",
                   &st, ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    table_init(&t, 8, hdr);
    sb_init(&js, 0);
    sb_addf(&js, "{\"date\": \"%s\", \"mailboxes\": [", day);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *email = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        bool can_send = strcmp(status, "cold-ready") == 0;
        struct caps_mailbox cm;
        struct row r;
        char num[6][24];
        const char *cell[8];

        outbox_cap_read(st, 2, &cm);
        r.cap = caps_effective(&cm, app->cfg.rules.daily_cap);
        r.counted = cm.counted;
        r.sent = sqlite3_column_int(st, 5);
        r.bounced = sqlite3_column_int(st, 6);
        r.deferred = sqlite3_column_int(st, 7);
        r.remaining = can_send ? caps_remaining(r.cap, r.counted) : 0;
        tot.sent += r.sent;
        tot.bounced += r.bounced;
        tot.deferred += r.deferred;
        tot.counted += r.counted;
        tot.cap += can_send ? r.cap : 0;
        tot.remaining += r.remaining;
        if (json) {
            sb_adds(&js, first ? "\n  {\"mailbox\": " : ",\n  {\"mailbox\": ");
            sb_add_json_str(&js, email);
            sb_adds(&js, ", \"status\": ");
            sb_add_json_str(&js, status);
            sb_adds(&js, ", ");
            json_counts(&js, &r);
            sb_addch(&js, '}');
            first = false;
            continue;
        }
        snprintf(num[0], 24, "%ld", r.sent);
        snprintf(num[1], 24, "%ld", r.bounced);
        snprintf(num[2], 24, "%ld", r.deferred);
        snprintf(num[3], 24, "%ld", r.counted);
        snprintf(num[4], 24, "%ld", r.cap);
        snprintf(num[5], 24, "%ld", r.remaining);
        cell[0] = email;
        cell[1] = status;
        for (int i = 0; i < 6; i++)
            cell[i + 2] = num[i];
        table_add(&t, cell);
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, ei, "status");
        goto done;
    }
    if (db_query_int(db, "SELECT COUNT(*) FROM sends WHERE status IN"
                         " ('unknown', 'sending') AND day = ?1", day,
                     &unknown, ei) < 0)
        goto done;
    if (json) {
        sb_adds(&js, first ? "], \"totals\": {" : "\n], \"totals\": {");
        json_counts(&js, &tot);
        sb_adds(&js, "}}\n");
        fputs(js.buf, stdout);
    } else {
        char num[6][24];
        const char *cell[8] = { "total", "" };

        snprintf(num[0], 24, "%ld", tot.sent);
        snprintf(num[1], 24, "%ld", tot.bounced);
        snprintf(num[2], 24, "%ld", tot.deferred);
        snprintf(num[3], 24, "%ld", tot.counted);
        snprintf(num[4], 24, "%ld", tot.cap);
        snprintf(num[5], 24, "%ld", tot.remaining);
        for (int i = 0; i < 6; i++)
            cell[i + 2] = num[i];
        table_add(&t, cell);
        printf("%s (%s)\n", day, app->cfg.timezone);
        table_print(&t, stdout);
        if (unknown)
            printf("%lld message%s with an unknown outcome (connection lost "
                   "after the message was sent; never resent): select * "
                   "from send_log where status = 'unknown'\n", unknown,
                   unknown == 1 ? "" : "s");
    }
    ret = 0;
done:
    table_release(&t);
    sb_release(&js);
out:
    sqlite3_finalize(st);
    db_close(db);
    return ret;
}
