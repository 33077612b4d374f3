/*
 * cmd_retry.c - `retry [--campaign NAME] [--mailbox EMAIL] [--unknown]
 * [--dry-run]`: make failed sends (and unknown ones with --unknown)
 * plannable again once the user fixed their cause.  Each keeps its row,
 * its attempts and its last reply; it becomes `deferred`, due at once, so
 * the next run tries the same row again (store_retry.h).  sent, bounced,
 * sending and deferred sends are never touched.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "clock.h"
#include "mailbox_cmd.h"
#include "store.h"
#include "store_retry.h"
#include "util.h"

#include "banned.h"

static const char retry_usage[] =
    "usage: mailrota retry [--campaign NAME] [--mailbox EMAIL] [--unknown]\n"
    "                      [--dry-run]\n"
    "\n"
    "Makes 'failed' sends plannable again, once their cause is fixed (a\n"
    "template variable, a mailbox's password, a server's setting): each\n"
    "becomes 'deferred', due at once, and the next run tries the same send\n"
    "again.  Its earlier attempts and last reply stay, and\n"
    "rules.max_attempts counts afresh from the retry (table send_retries).\n"
    "'sent' and 'bounced' sends are never touched.\n"
    "\n"
    "Options:\n"
    "      --campaign NAME  only this campaign's sends\n"
    "      --mailbox EMAIL  only sends whose latest try was from this mailbox\n"
    "      --unknown        also 'unknown' sends (interrupted: the message\n"
    "                       may have gone out; check before retrying)\n"
    "  -n, --dry-run        count them, change nothing\n"
    "  -h, --help           this help\n"
    "\n"
    "Prints: retry: N sends made plannable again (failed N, unknown N)\n";

struct retry_args {
    const char *campaign, *mailbox;
    bool unknown, dry_run;
};

/* 1 for --help. */
static int parse_retry(int argc, char **argv, struct retry_args *a,
                       struct errinfo *ei)
{
    static const struct option opts[] = {
        { "campaign", required_argument, NULL, 'C' },
        { "mailbox", required_argument, NULL, 'M' },
        { "unknown", no_argument, NULL, 'U' },
        { "dry-run", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, "retry", ":nh", opts, retry_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'C': a->campaign = optarg; break;
        case 'M': a->mailbox = optarg; break;
        case 'U': a->unknown = true; break;
        case 'n': a->dry_run = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "retry: unexpected argument '%s'",
                       argv[optind]);
    return 0;
}

/* The filter's campaign and mailbox ids; unknown ones are ERR_DATA. */
static int resolve(struct db *db, const struct retry_args *a,
                   struct store_retry_filter *f, struct errinfo *ei)
{
    char *email = NULL;
    int ret = -1;

    f->unknown = a->unknown;
    if (a->campaign) {
        if (store_campaign_id(db, a->campaign, &f->campaign_id, ei) < 0)
            return -1;
        if (!f->campaign_id)
            return err_set(ei, ERR_DATA, "retry: unknown campaign '%s' (see "
                           "'mailrota campaign list')", a->campaign);
    }
    if (!a->mailbox)
        return 0;
    email = mbx_normalize_email(a->mailbox, ERR_DATA, ei);
    if (!email || store_mailbox_id(db, email, &f->mailbox_id, ei) < 0)
        goto out;
    if (!f->mailbox_id) {
        err_set(ei, ERR_DATA, "retry: mailbox %s is not on the roster (see "
                "'mailrota mailbox list')", email);
        goto out;
    }
    ret = 0;
out:
    free(email);
    return ret;
}

static void say(const struct retry_args *a, long failed, long unknown)
{
    long n = failed + (a->unknown ? unknown : 0);

    printf("retry: %ld send%s %s plannable again (failed %ld, unknown %ld)"
           "%s\n", n, n == 1 ? "" : "s",
           a->dry_run ? "would be made" : "made", failed, a->unknown ? unknown : 0,
           a->dry_run ? " (dry run: nothing changed)" : "");
    if (!a->unknown && unknown > 0)
        printf("retry: %ld unknown send%s left as %s (the message may have "
               "gone out; --unknown retries %s too)\n", unknown,
               unknown == 1 ? "" : "s", unknown == 1 ? "it is" : "they are",
               unknown == 1 ? "it" : "them");
}

int cmd_retry(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    struct retry_args a = { NULL, NULL, false, false };
    struct store_retry_filter f = { 0, 0, false };
    struct db *db = NULL;
    char now[ISO_TIME_LEN];
    long failed = 0, unknown = 0, n = 0;
    int r, ret = -1;

    r = parse_retry(argc, argv, &a, ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (resolve(db, &a, &f, ei) < 0 || db_begin(db, true, ei) < 0)
        goto out;
    clock_now_iso(now);
    if (store_retry_count(db, &f, &failed, &unknown, ei) < 0 ||
        (!a.dry_run && store_retry_apply(db, &f, now, &n, ei) < 0)) {
        db_rollback(db);
        goto out;
    }
    if (a.dry_run)
        db_rollback(db);
    else if (db_commit(db, ei) < 0)
        goto out;
    if (!app->quiet)
        say(&a, failed, unknown);
    ret = 0;
out:
    db_close(db);
    return ret;
}
