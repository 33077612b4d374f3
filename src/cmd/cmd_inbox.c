/*
 * cmd_inbox.c - `inbox`: read each mailbox's new inbound mail once,
 * classify it and apply its effect (SPEC "Inbound: bounces, replies and
 * unsubscribes").  The readers are io/imap.c and io/graph_inbox.c
 * (read-only, the same shape: open, list, fetch, close), the parser
 * io/mime.c, the classification core/inbound_class.c, the record and its
 * effects io/store_inbound.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "creds.h"
#include "graph_inbox.h"
#include "imap.h"
#include "inbound_class.h"
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

/* The most messages one pass takes from a mailbox (the rest: next pass). */
#define INBOX_MAX_PER_PASS 100000

struct inbox {
    struct app *app;
    struct db *db;
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
    struct oauth_cache *oauth;
    const char *const *words;
    size_t n_words;
    struct inbox_counts n;
};

static void count(struct inbox_counts *n, enum inbound_kind k)
{
    n->read++;
    switch (k) {
    case INBOUND_BOUNCE:
    case INBOUND_DELAY:       n->bounces++; break;
    case INBOUND_REPLY:       n->replies++; break;
    case INBOUND_AUTO_REPLY:  n->auto_replies++; break;
    case INBOUND_UNSUBSCRIBE: n->unsubscribes++; break;
    case INBOUND_OTHER:       n->other++; break;
    }
}

/* The warning for a mailbox whose inbox could not be read. */
static void warn_mailbox(const struct inbox *ib,
                         const struct store_inbound_mailbox *m,
                         const struct imap_error *e, const char *what)
{
    const struct config_inbound *in = &ib->app->cfg.inbound;
    char fix[512];

    imap_fix(e, m->xoauth2, in->imap_host, m->mb.email, fix, sizeof(fix));
    log_alert("inbox of %s: %s %s:%d: %s -- %s", m->mb.email, what,
              in->imap_host, in->imap_port, e->text, fix);
}

/* The secret of m: its password, or an OAuth token.  NULL: warned. */
static char *mailbox_secret(struct inbox *ib,
                            const struct store_inbound_mailbox *m)
{
    struct imap_error e;
    struct errinfo ei;
    char *s = NULL;

    memset(&e, 0, sizeof(e));
    memset(&ei, 0, sizeof(ei));
    if (m->xoauth2) {
        struct smtp_reply rep;

        if (oauth_cache_ready(ib->oauth, &ei) < 0) {
            snprintf(e.text, sizeof(e.text), "%s", ei.msg);
        } else if (oauth_token(ib->oauth, ib->app->cfg.oauth.scope, false,
                               &s, NULL, &rep) < 0) {
            snprintf(e.text, sizeof(e.text), "token: %.400s", rep.text);
            s = NULL;
        }
    } else {
        s = creds_password(&m->mb, ib->have_key ? ib->key : NULL,
                           ib->app->cfg.secret_cmd_timeout_seconds, &ei);
        if (!s)
            snprintf(e.text, sizeof(e.text), "%s", ei.msg);
    }
    if (!s) {
        e.auth = true;
        warn_mailbox(ib, m, &e, "no credentials for");
    }
    return s;
}

/* One message of m: parse, classify, record and apply. */
/* What the reader says of one message: where it is, its key, the cursor
 * after it. */
struct inbox_src {
    const char *source;        /* inbound.source_id */
    const char *label;         /* "UID 7", for the log */
    int64_t received;          /* the server's received date; 0: unknown */
    const struct store_inbound_cursor *cur;
};

static int read_message(struct inbox *ib,
                        const struct store_inbound_mailbox *m,
                        const struct inbox_src *src,
                        const char *raw, size_t len, bool headers_only,
                        struct errinfo *ei)
{
    const struct config *cfg = &ib->app->cfg;
    struct inbound_opts o = { ib->words, ib->n_words, cfg->unsubscribe.mailto };
    struct store_inbound_msg sm;
    struct store_inbound_out out;
    struct inbound_result *r = xcalloc(1, sizeof(*r));
    struct mime_msg mm;
    char mid[INBOUND_ID_MAX] = "", recv[ISO_TIME_LEN];
    char now[ISO_TIME_LEN], day[11];
    int64_t t = clock_now();
    int ret;

    mime_parse(raw, len, &mm);
    if (headers_only) {
        mm.headers_only = true;
        snprintf(mm.reason, sizeof(mm.reason), "over %zu MiB: headers only",
                 MIME_MAX_BYTES >> 20);
    }
    inbound_classify(&mm, &o, r);
    if (mm.message_id[0])
        inbound_msgid_norm(mm.message_id, strlen(mm.message_id), mid,
                           sizeof(mid));
    time_iso(t, now);
    time_iso(src->received > 0 ? src->received : t, recv);
    if (clock_local_day(t, cfg->timezone, day, ei) < 0) {
        ret = -1;
        goto out;
    }
    memset(&sm, 0, sizeof(sm));
    sm.mailbox_id = m->mb.id;
    sm.mailbox_email = m->mb.email;
    sm.source_id = src->source;
    sm.message_id = mid;
    sm.received_at = recv;
    sm.day = day;
    sm.subject = mm.subject;
    sm.reason = mm.reason;
    sm.cls = r;
    sm.stop_company_on_reply = cfg->rules.stop_company_on_reply;
    sm.max_attempts = cfg->rules.max_attempts;
    ret = store_inbound_record(ib->db, &sm, src->cur, now, &out, ei);
    if (ret == 0 && !out.seen) {
        count(&ib->n, out.kind);
        log_info("inbox of %s: %s %s: %s", m->mb.email, src->label,
                 inbound_kind_str(out.kind), out.effect);
    }
out:
    mime_release(&mm);
    free(r);
    return ret;
}

/* Where this pass starts: above the cursor, or (first read, or a new
 * UIDVALIDITY) everything received in the last lookback_days. */
static void pass_start(const struct inbox *ib,
                       const struct store_inbound_cursor *cur,
                       const struct imap_folder *f, long long *above,
                       int64_t *since)
{
    *above = 0;
    *since = 0;
    if (cur->uidvalidity == f->uidvalidity)
        *above = cur->last_uid;
    else
        *since = clock_now() -
                 (int64_t)ib->app->cfg.inbound.lookback_days * 86400;
}

/* Reads the listed messages; -1 only on a database error (ei). */
static int read_items(struct inbox *ib, const struct store_inbound_mailbox *m,
                      struct imap_conn *c, const struct imap_folder *f,
                      const struct imap_item *items, size_t n,
                      struct errinfo *ei)
{
    for (size_t i = 0; i < n; i++) {
        struct store_inbound_cursor cur;
        struct imap_error e;
        struct inbox_src src;
        char source[64], label[32];
        char *raw;
        size_t len;
        bool hdr;
        int r;

        if (imap_fetch(c, &items[i], MIME_MAX_BYTES, &raw, &len, &hdr, &e,
                       ei) < 0) {
            warn_mailbox(ib, m, &e, "lost the connection to");
            return 0;
        }
        memset(&cur, 0, sizeof(cur));
        cur.uidvalidity = f->uidvalidity;
        cur.last_uid = items[i].uid;
        snprintf(source, sizeof(source), "%lld:%lld", f->uidvalidity,
                 items[i].uid);
        snprintf(label, sizeof(label), "UID %lld", items[i].uid);
        src = (struct inbox_src){ source, label, items[i].internaldate,
                                  &cur };
        r = read_message(ib, m, &src, raw, len, hdr, ei);
        free(raw);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* One mailbox's pass.  -1 only on a database error (ei); a mailbox that
 * cannot be read is warned about and counted in ib->n.failed. */
static int read_mailbox(struct inbox *ib,
                        const struct store_inbound_mailbox *m,
                        struct errinfo *ei)
{
    const struct config *cfg = &ib->app->cfg;
    struct imap_opts o;
    struct imap_conn *c = NULL;
    struct imap_folder f;
    struct imap_error e;
    struct store_inbound_cursor cur;
    struct imap_item *items = NULL;
    struct errinfo iei;
    size_t n = 0;
    long long above;
    int64_t since;
    char *secret;
    int ret = 0;

    ib->n.tried++;
    if (!(secret = mailbox_secret(ib, m))) {
        ib->n.failed++;
        return 0;
    }
    imap_opts_from_config(&o, cfg, m->mb.email, m->xoauth2, secret);
    memset(&iei, 0, sizeof(iei));
    if (imap_open(&o, &c, &f, &e, &iei) < 0) {
        warn_mailbox(ib, m, &e, e.auth ? "login refused by"
                                       : "cannot read from");
        ib->n.failed++;
        goto out;
    }
    if (store_inbound_cursor(ib->db, m->mb.id, &cur, ei) < 0) {
        ret = -1;
        goto out;
    }
    pass_start(ib, &cur, &f, &above, &since);
    if (imap_list(c, above, since, INBOX_MAX_PER_PASS, &items, &n, &e,
                  &iei) < 0) {
        warn_mailbox(ib, m, &e, "cannot list the messages on");
        ib->n.failed++;
        goto out;
    }
    if (read_items(ib, m, c, &f, items, n, ei) < 0) {
        ret = -1;
        goto out;
    }
    /* Nothing older than the lookback is read later either. */
    if (since && f.uidnext > 1 && (n == 0 ||
                                   items[n - 1].uid < f.uidnext - 1)) {
        struct store_inbound_cursor nc;
        char now[ISO_TIME_LEN];

        memset(&nc, 0, sizeof(nc));
        nc.uidvalidity = f.uidvalidity;
        nc.last_uid = f.uidnext - 1;
        time_iso(clock_now(), now);
        ret = store_inbound_cursor_set(ib->db, m->mb.id, &nc, now, ei);
    }
out:
    free(items);
    imap_close(c);
    secret_free(secret);
    return ret;
}

/* The warning for a mailbox whose inbox Graph would not give. */
static void warn_graph(const struct store_inbound_mailbox *m,
                       const struct graph_inbox_error *e, const char *what)
{
    const char *fix = graph_inbox_fix(e);

    log_alert("inbox of %s: %s Graph: %s%s%s", m->mb.email, what, e->text,
              *fix ? " -- " : "", fix);
}

/* The Graph token (graph.scope) for m's reads.  NULL: warned. */
static char *graph_token(struct inbox *ib,
                         const struct store_inbound_mailbox *m)
{
    struct smtp_reply rep;
    struct errinfo ei;
    char *s = NULL;

    memset(&ei, 0, sizeof(ei));
    if (oauth_cache_ready(ib->oauth, &ei) < 0) {
        log_alert("inbox of %s: no token for Graph: %s", m->mb.email,
                  ei.msg);
        return NULL;
    }
    if (oauth_token(ib->oauth, ib->app->cfg.graph.scope, false, &s, NULL,
                    &rep) < 0) {
        log_alert("inbox of %s: no token for Graph: %.400s -- check "
                  "oauth.* and graph.scope in the config ('mailrota "
                  "mailbox test %s')", m->mb.email, rep.text, m->mb.email);
        return NULL;
    }
    return s;
}

/* Reads the listed Graph messages after the cursor's own; -1 only on a
 * database error (ei). */
static int read_graph_items(struct inbox *ib,
                            const struct store_inbound_mailbox *m,
                            struct graph_inbox *g,
                            const struct store_inbound_cursor *cur,
                            const struct graph_item *items, size_t n,
                            struct errinfo *ei)
{
    for (size_t i = 0; i < n; i++) {
        struct store_inbound_cursor nc = *cur;
        struct graph_inbox_error e;
        struct inbox_src src;
        char label[48];
        char *raw;
        size_t len;
        bool cut;
        int r;

        /* The filter is "ge": the cursor's message comes again. */
        if (strcmp(items[i].id, cur->graph_id) == 0)
            continue;
        if (graph_inbox_fetch(g, &items[i], MIME_MAX_BYTES, &raw, &len, &cut,
                              &e) < 0) {
            warn_graph(m, &e, "cannot read a message through");
            return 0;
        }
        snprintf(nc.graph_at, sizeof(nc.graph_at), "%s", items[i].received);
        snprintf(nc.graph_id, sizeof(nc.graph_id), "%s", items[i].id);
        snprintf(label, sizeof(label), "message of %s", items[i].received);
        src = (struct inbox_src){ items[i].id, label, items[i].received_t,
                                  &nc };
        r = read_message(ib, m, &src, raw, len, cut, ei);
        free(raw);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* One Graph mailbox's pass: as read_mailbox. */
static int read_graph(struct inbox *ib, const struct store_inbound_mailbox *m,
                      struct errinfo *ei)
{
    struct store_inbound_cursor cur;
    struct graph_inbox_error e;
    struct graph_item *items = NULL;
    struct graph_inbox *g;
    char since[ISO_TIME_LEN];
    size_t n = 0;
    char *token;
    int ret = 0;

    ib->n.tried++;
    if (store_inbound_cursor(ib->db, m->mb.id, &cur, ei) < 0)
        return -1;
    if (!(token = graph_token(ib, m))) {
        ib->n.failed++;
        return 0;
    }
    if (cur.graph_at[0])
        snprintf(since, sizeof(since), "%s", cur.graph_at);
    else
        time_iso(clock_now() -
                 (int64_t)ib->app->cfg.inbound.lookback_days * 86400, since);
    g = graph_inbox_new(&ib->app->cfg, m->mb.email, token);
    secret_free(token);
    if (graph_inbox_list(g, since, INBOX_MAX_PER_PASS, &items, &n, &e) < 0) {
        warn_graph(m, &e, "cannot list the messages through");
        ib->n.failed++;
    } else {
        ret = read_graph_items(ib, m, g, &cur, items, n, ei);
    }
    free(items);
    graph_inbox_free(g);
    return ret;
}

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
            ret = read_graph(ib, &v[i], ei);
        else
            ret = read_mailbox(ib, &v[i], ei);
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
