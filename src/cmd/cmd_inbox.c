/*
 * cmd_inbox.c - `inbox`: read each mailbox's new inbound mail once,
 * classify it and apply its effect (SPEC "Inbound: bounces, replies and
 * unsubscribes").  This file runs the pass over the roster; each
 * mailbox is read by inbox_imap.c or inbox_graph.c (over io/imap.c and
 * io/graph_inbox.c, read-only), each message handled by inbox_read.c
 * (io/mime.c, core/inbound_class.c, io/store_inbound.c); inbox_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "inbox_int.h"
#include "log.h"
#include "mime.h"
#include "oauth.h"
#include "runlock.h"
#include "store_bouncerate.h"
#include "store_inbound.h"
#include "util.h"

#include "banned.h"

static const char inbox_usage[] =
    "usage: mailrota inbox [--mailbox EMAIL] [--json]\n"
    "\n"
    "Reads each mailbox's new inbound mail once (IMAP EXAMINE and\n"
    "BODY.PEEK, or Graph GETs: nothing is flagged, moved or deleted),\n"
    "classifies it (bounce, delay, auto-reply, unsubscribe, reply, other),\n"
    "matches it to the send it answers and applies the effect: a bounced\n"
    "send and contact, a contact that replied or unsubscribed.  Ends with\n"
    "the line\n"
    "'read N, bounces N, replies N, auto-replies N, unsubscribes N, other N'.\n"
    "A mailbox that cannot be read is warned about; the others are read.\n"
    "\n"
    "Options:\n"
    "      --mailbox EMAIL  read this mailbox only\n"
    "      --json           the counts as one JSON object\n"
    "  -h, --help           this help\n";

static void print_counts(const struct inbox_counts *n, bool json)
{
    if (json)
        printf("{\"read\": %ld, \"bounces\": %ld, \"replies\": %ld, "
               "\"auto_replies\": %ld, \"unsubscribes\": %ld, "
               "\"other\": %ld}\n", n->read, n->bounces, n->replies,
               n->auto_replies, n->unsubscribes, n->other);
    else
        printf("read %ld, bounces %ld, replies %ld, auto-replies %ld, "
               "unsubscribes %ld, other %ld\n", n->read, n->bounces,
               n->replies, n->auto_replies, n->unsubscribes, n->other);
}

static const char *const default_words[] = {
    CONFIG_UNSUBSCRIBE_WORDS_DEFAULT
};

/* Bounce-rate protection after the mailbox's pass (SPEC): said on
 * stderr even with -q. */
static int bounce_check(struct inbox *ib,
                        const struct store_inbound_mailbox *m,
                        struct errinfo *ei)
{
    const struct config_rules *ru = &ib->app->cfg.rules;
    struct bouncerate_rule r = { ru->bounce_window, ru->bounce_min_sends,
                                 ru->max_bounce_rate };
    char now[ISO_TIME_LEN], text[512];
    bool paused;

    time_iso(clock_now(), now);
    if (store_bouncerate_check(ib->db, m->mb.id, m->mb.email, &r, now,
                               &paused, text, sizeof(text), ei) < 0)
        return -1;
    if (paused)
        log_alert("mailbox %s: %s", m->mb.email, text);
    return 0;
}

/* Reads every mailbox of the roster (or `email`) with its reader. */
static int read_all(struct inbox *ib, const char *email, struct errinfo *ei)
{
    struct store_inbound_mailbox *v = NULL;
    size_t n = 0;
    int ret = 0;

    if (store_inbound_mailboxes(ib->db, email, &v, &n, ei) < 0)
        return -1;
    if (email && n == 0) {
        store_inbound_mailboxes_free(v, n);
        return err_set(ei, ERR_DATA, "mailbox '%s' is not on the roster "
                       "(see 'mailrota mailbox list')", email);
    }
    for (size_t i = 0; i < n && ret == 0; i++) {
        if (strcmp(v[i].reader, "none") == 0)
            continue;
        if (strcmp(v[i].reader, "graph") == 0)
            ret = inbox_read_graph(ib, &v[i], ei);
        else
            ret = inbox_read_imap(ib, &v[i], ei);
        if (ret == 0)
            ret = bounce_check(ib, &v[i], ei);
    }
    store_inbound_mailboxes_free(v, n);
    return ret;
}

int inbox_pass(struct app *app, struct db *db, const char *email,
               struct inbox_counts *n, struct errinfo *ei)
{
    struct inbox ib;
    int ret = -1;

    memset(&ib, 0, sizeof(ib));
    memset(n, 0, sizeof(*n));
    ib.app = app;
    ib.db = db;
    if (!app->cfg.inbound.enabled) {
        log_info("inbound.enabled is false: no inbox is read");
        return 0;
    }
    if (app_load_key(app, ib.key, &ib.have_key, ei) < 0)
        return -1;
    mime_global_init();
    ib.words = app->cfg.inbound.has_unsubscribe_words
                   ? (const char *const *)app->cfg.inbound.unsubscribe_words
                   : default_words;
    ib.n_words = app->cfg.inbound.has_unsubscribe_words
                     ? app->cfg.inbound.n_unsubscribe_words
                     : sizeof(default_words) / sizeof(default_words[0]);
    ib.oauth = oauth_cache_new(&app->cfg, db, ib.have_key ? ib.key : NULL);
    if (read_all(&ib, email, ei) == 0)
        ret = 0;
    *n = ib.n;
    oauth_cache_free(ib.oauth);
    secure_wipe(ib.key, sizeof(ib.key));
    return ret;
}

int cmd_inbox(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "mailbox", required_argument, NULL, 'm' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct runlock lk = { -1, NULL };
    struct inbox_counts n;
    struct db *db = NULL;
    const char *email = NULL;
    bool json = false;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "inbox", ":h", opts, inbox_usage,
                           ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'm': email = optarg; break;
        case 'j': json = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "inbox: unexpected argument '%s'",
                       argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    /* One writer of sends at a time: `run` holds the same lock. */
    if (runlock_take(&lk, app->cfg.database, ei) < 0 ||
        inbox_pass(app, db, email, &n, ei) < 0)
        goto out;
    if (!app->quiet)
        print_counts(&n, json);
    if (n.tried && n.failed == n.tried) {
        err_set(ei, ERR_UNAVAILABLE, "no inbox could be read (see the "
                "warnings above for each mailbox and its fix)");
        goto out;
    }
    ret = 0;
out:
    runlock_release(&lk);
    db_close(db);
    return ret;
}
