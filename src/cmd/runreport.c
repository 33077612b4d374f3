/*
 * runreport.c - what the end of a run says on stderr (runreport.h).  The
 * lines go through log_alert, which -q does not silence: cron mails them.
 */
#include "runreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "log.h"
#include "status.h"
#include "store_run.h"
#include "util.h"

#include "banned.h"

/* A cause in the exit-69 message: the start of a last_error (ERROR_MAX),
 * after the status word ("paused for its bounce rate: "). */
#define ERROR_MAX 72
#define CAUSE_MAX (ERROR_MAX + 32)
/* Failure groups printed before "N more failed for other reasons". */
#define FAIL_GROUPS_MAX 5

/* A mailbox as the run left it. */
struct mb_now {
    char *status;        /* NULL: removed from the roster meanwhile */
    char *last_error;
};

struct roster_now {
    const struct runplan *rp;
    struct mb_now *now;
    size_t i;
};

static void roster_row(void *arg, long long id, const char *status,
                       const char *last_error)
{
    struct roster_now *r = arg;

    while (r->i < r->rp->n_mb && r->rp->mb[r->i].id < id)
        r->i++;
    if (r->i < r->rp->n_mb && r->rp->mb[r->i].id == id) {
        r->now[r->i].status = status ? xstrdup(status) : NULL;
        r->now[r->i].last_error = last_error ? xstrdup(last_error) : NULL;
    }
}

/* now[i] for rp->mb[i], both ordered by id. */
static int read_roster(struct db *db, const struct runplan *rp,
                       struct mb_now *now, struct errinfo *ei)
{
    struct roster_now r = { rp, now, 0 };

    return store_run_roster_now(db, roster_row, &r, ei);
}

/* The part of a last_error before its diagnosis (" -- "), shortened. */
static void short_error(const char *err, char *out, size_t n)
{
    const char *end;
    size_t len;

    if (!err || !*err) {
        snprintf(out, n, "no error recorded");
        return;
    }
    end = strstr(err, " -- ");
    len = end ? (size_t)(end - err) : strlen(err);
    if (len >= n)
        snprintf(out, n, "%.*s...", (int)(n - 4), err);
    else
        snprintf(out, n, "%.*s", (int)len, err);
    sanitize(out);
}

static void say_mailbox(const char *email, enum health_status s,
                        const char *last_error)
{
    char *err = xstrdup(last_error && *last_error
                            ? last_error
                            : "no error recorded (cleared when its "
                              "settings changed)");

    sanitize(err);
    if (s == HEALTH_AUTH_FAILED)
        log_alert("mailbox %s is auth-failed: %s; once fixed, check with "
                  "'mailrota mailbox test %s', then 'mailrota mailbox set "
                  "%s --status cold-ready'", email, err, email, email);
    else if (s == HEALTH_BLOCKED)
        log_alert("mailbox %s is blocked: %s; once the provider has lifted "
                  "the block, 'mailrota mailbox set %s --status "
                  "cold-ready'", email, err, email);
    else if (s == HEALTH_BOUNCE_PAUSED)
        log_alert("mailbox %s is paused for its bounce rate: %s; clean the "
                  "contact list, then 'mailrota mailbox set %s --status "
                  "cold-ready'", email, err, email);
    free(err);
}

/* "N contacts wait but no mailbox can send (2 auth-failed, 1 admin)". */
static void say_no_sender(const struct runplan *rp,
                          const struct health_mailbox *hm,
                          const struct mb_now *now, long waiting,
                          bool more)
{
    static const enum mailbox_status words[] = {
        MBOX_AUTH_FAILED, MBOX_BLOCKED, MBOX_PAUSED, MBOX_ADMIN,
    };
    struct strbuf sb;
    long failing = 0;
    enum mailbox_status st;

    sb_init(&sb, 0);
    for (size_t i = 0; i < rp->n_mb; i++)
        if (hm[i].status == HEALTH_READY && hm[i].failed_run)
            failing++;
    if (failing)
        sb_addf(&sb, "%ld failed to connect, start TLS or authenticate",
                failing);
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        long n = 0;

        for (size_t i = 0; i < rp->n_mb; i++)
            if (now[i].status &&
                mailbox_status_parse(now[i].status, &st) && st == words[w])
                n++;
        if (n)
            sb_addf(&sb, "%s%ld %s", sb.len ? ", " : "", n,
                    mailbox_status_name(words[w]));
    }
    if (!rp->n_mb)
        sb_adds(&sb, "the roster is empty: 'mailrota mailbox add'");
    log_alert("%s%ld contact%s wait%s but no mailbox can send (%s): see "
              "'mailrota mailbox list'", more ? "at least " : "", waiting,
              waiting == 1 ? "" : "s", waiting == 1 ? "s" : "",
              sb.buf);
    sb_release(&sb);
}

/*
 * The exit-69 message: every failing mailbox with its cause, mailboxes
 * with the same cause together, so that a roster of ten that one tenant
 * setting broke fits in one line.
 */
static void build_e69(const struct runplan *rp,
                      const struct health_mailbox *hm,
                      const struct mb_now *now, struct errinfo *e69)
{
    static const char head[] = "nothing sent: no mailbox could connect, "
                               "start TLS or authenticate: ";
    static const char tail[] = "; fix each, then check with 'mailrota "
                               "mailbox test --all'";
    size_t n = rp->n_mb ? rp->n_mb : 1;
    char (*cause)[CAUSE_MAX] = xcalloc(n, CAUSE_MAX);
    bool *done = xcalloc(n, sizeof(bool));
    size_t budget = ERR_MSG_MAX - sizeof(head) - sizeof(tail) - 48;
    struct strbuf sb, grp;
    long more = 0;

    for (size_t i = 0; i < rp->n_mb; i++) {
        char err[ERROR_MAX];

        short_error(now[i].last_error, err, sizeof(err));
        if (hm[i].status == HEALTH_READY)
            snprintf(cause[i], CAUSE_MAX, "%s", err);
        else
            snprintf(cause[i], CAUSE_MAX, "%s: %s",
                     health_status_str(hm[i].status), err);
    }
    sb_init(&sb, 0);
    sb_init(&grp, 0);
    for (size_t i = 0; i < rp->n_mb; i++) {
        long members = 0;

        if (done[i] || !health_failing(&hm[i]))
            continue;
        sb_reset(&grp);
        for (size_t j = i; j < rp->n_mb; j++) {
            if (done[j] || !health_failing(&hm[j]) ||
                strcmp(cause[i], cause[j]) != 0)
                continue;
            sb_addf(&grp, "%s%s", members ? ", " : "", rp->mb[j].email);
            done[j] = true;
            members++;
        }
        sb_addf(&grp, " (%s)", cause[i]);
        if (sb.len + grp.len + 2 <= budget)
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", grp.buf);
        else
            more += members;
    }
    if (more)
        sb_addf(&sb, " and %ld more (see 'mailrota mailbox list')", more);
    err_set(e69, ERR_UNAVAILABLE, "%s%s%s", head, sb.buf, tail);
    sb_release(&grp);
    sb_release(&sb);
    free(done);
    free(cause);
}

int runreport_health(struct db *db, const struct runreport_in *in,
                     bool *unavailable, struct errinfo *e69,
                     struct errinfo *ei)
{
    const struct runplan *rp = in->rp;
    size_t n = rp->n_mb ? rp->n_mb : 1;
    struct mb_now *now = xcalloc(n, sizeof(*now));
    struct health_mailbox *hm = xcalloc(n, sizeof(*hm));
    bool *report = xcalloc(n, sizeof(bool));
    struct health_in hin;
    struct health_verdict v;
    int ret = -1;

    *unavailable = false;
    if (read_roster(db, rp, now, ei) < 0)
        goto out;
    for (size_t i = 0; i < rp->n_mb; i++) {
        hm[i].status = health_status_of(now[i].status, now[i].last_error);
        hm[i].changed = now[i].status &&
                        strcmp(now[i].status, rp->mb[i].status) != 0;
        hm[i].failed_run = in->failed_run && in->failed_run[i];
        hm[i].authed_run = in->authed_run && in->authed_run[i];
    }
    hin.mb = hm;
    hin.n_mb = rp->n_mb;
    hin.waiting = in->waiting;
    hin.sent = in->sent;
    health_check(&hin, report, &v);
    for (size_t i = 0; i < rp->n_mb; i++)
        if (report[i])
            say_mailbox(rp->mb[i].email, hm[i].status, now[i].last_error);
    if (v.no_sender)
        say_no_sender(rp, hm, now, in->waiting, in->waiting_more);
    if (v.unavailable) {
        build_e69(rp, hm, now, e69);
        *unavailable = true;
    }
    ret = 0;
out:
    for (size_t i = 0; i < rp->n_mb; i++) {
        free(now[i].status);
        free(now[i].last_error);
    }
    free(now);
    free(hm);
    free(report);
    return ret;
}

/* ---- failed sends ------------------------------------------------------ */

static bool str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void runreport_failures_add(struct runreport_failures *f, long count,
                            const char *campaign, const char *template_path,
                            const char *reason)
{
    struct runreport_failure *g;

    f->total += count;
    for (size_t i = 0; i < f->n; i++) {
        g = &f->v[i];
        if (str_same(g->campaign, campaign) &&
            str_same(g->template_path, template_path) &&
            str_same(g->reason, reason)) {
            g->count += count;
            return;
        }
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
    }
    g = &f->v[f->n++];
    g->count = count;
    g->campaign = campaign ? xstrdup(campaign) : NULL;
    g->template_path = template_path ? xstrdup(template_path) : NULL;
    g->reason = reason ? xstrdup(reason) : NULL;
}

static void failure_row(void *arg, long count, const char *campaign,
                        const char *template_path, const char *reason)
{
    runreport_failures_add(arg, count, campaign, template_path, reason);
}

int runreport_failures_load(struct db *db, const char *run_id,
                            struct runreport_failures *f,
                            struct errinfo *ei)
{
    return store_run_failures(db, run_id, failure_row, f, ei);
}

static int by_count(const void *a, const void *b)
{
    const struct runreport_failure *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->campaign ? x->campaign : "",
                  y->campaign ? y->campaign : "");
}

static void say_failure(const struct runreport_failure *g)
{
    char *campaign = xstrdup(g->campaign ? g->campaign : "?");
    char *reason = xstrdup(g->reason && *g->reason ? g->reason
                                                    : "no reason recorded");
    const char *s = g->count == 1 ? "" : "s";

    sanitize(campaign);
    sanitize(reason);
    if (g->template_path) {
        char *tpl = xstrdup(g->template_path);

        log_alert("%ld message%s failed (campaign %s, template %s): %s",
                  g->count, s, campaign, sanitize(tpl), reason);
        free(tpl);
    } else {
        log_alert("%ld message%s failed (campaign %s): %s", g->count, s,
                  campaign, reason);
    }
    free(campaign);
    free(reason);
}

void runreport_failures_print(struct runreport_failures *f,
                              const char *db_path)
{
    long shown = 0;

    if (!f->total)
        return;
    if (f->n > 1)
        qsort(f->v, f->n, sizeof(*f->v), by_count);
    for (size_t i = 0; i < f->n && i < FAIL_GROUPS_MAX; i++) {
        say_failure(&f->v[i]);
        shown += f->v[i].count;
    }
    if (f->total > shown)
        log_alert("%ld more failed for other reasons", f->total - shown);
    if (db_path)
        log_alert("failed messages are not retried; see them with: sqlite3 "
                  "-header -column '%s' \"select at, mailbox, contact, "
                  "campaign, smtp_code, smtp_text from send_log where "
                  "status = 'failed' limit 50\"", db_path);
    else
        log_alert("dry run: these would fail; nothing was written");
}

void runreport_failures_release(struct runreport_failures *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].campaign);
        free(f->v[i].template_path);
        free(f->v[i].reason);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}
