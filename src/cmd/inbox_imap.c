/*
 * inbox_imap.c - `inbox`'s pass over one mailbox through IMAP (io/imap.c,
 * read-only): from the cursor (or the lookback on a first read or a new
 * UIDVALIDITY), each new message fetched with BODY.PEEK and handed to
 * inbox_read_message().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "creds.h"
#include "imap.h"
#include "inbound_msg.h"
#include "inbox_int.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "util.h"

#include "banned.h"

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

/* A reader's connection to one mailbox's folder. */
struct imap_pass {
    struct imap_opts o;
    struct imap_conn *c;
    struct imap_folder f;
};

/*
 * After a message that ended libcurl's reading of its response early
 * (imap_fetch): a new connection, on which the same folder must still
 * have the same UIDVALIDITY.  False: warned, the pass ends here.
 */
static bool reopen(const struct inbox *ib,
                   const struct store_inbound_mailbox *m,
                   struct imap_pass *p)
{
    struct imap_folder f;
    struct imap_error e;
    struct errinfo iei;

    imap_close(p->c);
    p->c = NULL;
    memset(&iei, 0, sizeof(iei));
    if (imap_open(&p->o, &p->c, &f, &e, &iei) < 0) {
        warn_mailbox(ib, m, &e, "cannot read again from");
        return false;
    }
    return f.uidvalidity == p->f.uidvalidity;
}

static const char ended_early[] =
    "a line of it ended the IMAP reply early (it starts like the "
    "reader's command tag): read in part";

/* Reads the listed messages (*all: every one of them); -1 only on a
 * database error (ei). */
static int read_items(struct inbox *ib, const struct store_inbound_mailbox *m,
                      struct imap_pass *p, const struct imap_item *items,
                      size_t n, bool *all, struct errinfo *ei)
{
    *all = false;
    for (size_t i = 0; i < n; i++) {
        struct store_inbound_cursor cur;
        struct imap_error e;
        struct inbox_src src;
        char source[64], label[32];
        char *raw;
        size_t len;
        bool hdr;
        int f, r;

        f = imap_fetch(p->c, &items[i], MIME_MAX_BYTES, &raw, &len, &hdr, &e,
                       ei);
        if (f < 0) {
            warn_mailbox(ib, m, &e, "lost the connection to");
            return 0;
        }
        memset(&cur, 0, sizeof(cur));
        cur.uidvalidity = p->f.uidvalidity;
        cur.last_uid = items[i].uid;
        snprintf(source, sizeof(source), "%lld:%lld", p->f.uidvalidity,
                 items[i].uid);
        snprintf(label, sizeof(label), "UID %lld", items[i].uid);
        src = (struct inbox_src){ source, label, items[i].internaldate,
                                  &cur, hdr ? inbox_oversize : NULL };
        if (f == IMAP_FETCH_ENDED_EARLY)
            src.partial = ended_early;
        r = inbox_read_message(ib, m, &src, raw, len, ei);
        free(raw);
        if (r < 0)
            return -1;
        if (f == IMAP_FETCH_ENDED_EARLY && !reopen(ib, m, p))
            return 0;
    }
    *all = true;
    return 0;
}

/* After a first pass (since: the lookback) that read every listed
 * message: nothing older than the lookback is read later either. */
static int skip_older(struct inbox *ib, const struct store_inbound_mailbox *m,
                      const struct imap_pass *p, const struct imap_item *items,
                      size_t n, struct errinfo *ei)
{
    struct store_inbound_cursor nc;
    char now[ISO_TIME_LEN];

    if (p->f.uidnext <= 1 || (n > 0 && items[n - 1].uid >= p->f.uidnext - 1))
        return 0;
    memset(&nc, 0, sizeof(nc));
    nc.uidvalidity = p->f.uidvalidity;
    nc.last_uid = p->f.uidnext - 1;
    time_iso(clock_now(), now);
    return store_inbound_cursor_set(ib->db, m->mb.id, &nc, now, ei);
}

/* Lists what is new on p's open folder and reads it. */
static int read_folder(struct inbox *ib, const struct store_inbound_mailbox *m,
                       struct imap_pass *p, struct errinfo *ei)
{
    struct store_inbound_cursor cur;
    struct imap_item *items = NULL;
    struct imap_error e;
    struct errinfo iei;
    size_t n = 0;
    long long above;
    int64_t since;
    bool all = false;
    int ret;

    if (store_inbound_cursor(ib->db, m->mb.id, &cur, ei) < 0)
        return -1;
    pass_start(ib, &cur, &p->f, &above, &since);
    memset(&iei, 0, sizeof(iei));
    if (imap_list(p->c, above, since, INBOX_MAX_PER_PASS, &items, &n, &e,
                  &iei) < 0) {
        warn_mailbox(ib, m, &e, "cannot list the messages on");
        ib->n.failed++;
        return 0;
    }
    ret = read_items(ib, m, p, items, n, &all, ei);
    if (ret == 0 && all && since)
        ret = skip_older(ib, m, p, items, n, ei);
    free(items);
    return ret;
}

int inbox_read_imap(struct inbox *ib, const struct store_inbound_mailbox *m,
                    struct errinfo *ei)
{
    struct imap_pass p;
    struct imap_error e;
    struct errinfo iei;
    char *secret;
    int ret = 0;

    ib->n.tried++;
    if (!(secret = mailbox_secret(ib, m))) {
        ib->n.failed++;
        return 0;
    }
    memset(&p, 0, sizeof(p));
    imap_opts_from_config(&p.o, &ib->app->cfg, m->mb.email, m->xoauth2,
                          secret);
    memset(&iei, 0, sizeof(iei));
    if (imap_open(&p.o, &p.c, &p.f, &e, &iei) < 0) {
        warn_mailbox(ib, m, &e, e.auth ? "login refused by"
                                       : "cannot read from");
        ib->n.failed++;
    } else {
        ret = read_folder(ib, m, &p, ei);
    }
    imap_close(p.c);
    secret_free(secret);
    return ret;
}
