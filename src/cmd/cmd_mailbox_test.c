/*
 * cmd_mailbox_test.c - `mailbox test EMAIL | --all [--json]`: for each
 * mailbox, get a token or password, connect, start TLS, list the AUTH
 * mechanisms, authenticate, and print the reply that decided with a
 * diagnosis and the fix (diagnose.c).  Sends no mail.  Exit 0 when every
 * mailbox passed, 69 otherwise.
 *
 * The steps, by the mailbox's auth:
 *   plain, login  password -> connect -> tls -> auth (NOOP, QUIT)
 *   xoauth2       token (+ SMTP.SendAsApp role) -> connect -> tls -> auth
 *   graph         token (+ Mail.Send role) -> connect -> tls to Graph
 * then, with an inbound: section, its inbound reader
 * (mailbox_test_inbound.c): IMAP login + EXAMINE, or a Graph read.
 * An SMTP mailbox with fallback: graph whose AUTH answers 5.7.139/5.7.30
 * passes when its Graph steps pass, since runs then send through Graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bounce.h"
#include "clock.h"
#include "creds.h"
#include "diagnose.h"
#include "graph.h"
#include "log.h"
#include "mailbox_test_inbound.h"
#include "oauth.h"
#include "runplan.h"
#include "secret.h"
#include "smtp.h"
#include "status.h"
#include "util.h"

#include "banned.h"

static const char test_usage[] =
    "usage: mailrota mailbox test EMAIL | --all [--json]\n"
    "\n"
    "Checks that mailboxes can authenticate, sending no mail: gets the\n"
    "password or OAuth token, connects, starts TLS, lists the AUTH\n"
    "mechanisms offered and authenticates (for auth graph: the token, its\n"
    "Mail.Send permission and TLS to Graph); then its inbound reader\n"
    "(IMAP login and EXAMINE of the folder, or a Graph read of the inbox;\n"
    "with an inbound: section in the config).  Prints the server's reply\n"
    "with a diagnosis and the fix, and warns for mailboxes still on Basic\n"
    "authentication to Microsoft's servers (smtp.host under office365.com\n"
    "or outlook.com), which Microsoft turns off by default at the end of\n"
    "December 2026 (MC786329).\n"
    "\n"
    "Options:\n"
    "      --all   every mailbox on the roster\n"
    "      --json  an array of results, for scripts\n"
    "  -h, --help  this help\n"
    "\n"
    "Exit status: 0 when every mailbox passed, 69 otherwise.\n";

static const char basic_warning[] =
    "uses Basic authentication (a password): Microsoft turns SMTP AUTH "
    "with Basic authentication off by default for existing tenants at the "
    "end of December 2026 (MC786329); move it to OAuth with 'mailbox set "
    "%s --auth xoauth2' (or graph) after the README's Microsoft 365 steps";

/* One mailbox's outcome. */
struct result {
    const struct rp_mailbox *m;
    bool ok;
    const char *failed_step;   /* "password", "token", "connect", ... */
    struct smtp_reply rep;     /* the reply that decided */
    char mechs[256];
    struct diagnosis d;
    bool has_d;
    char warning[600];
    bool graph_fallback;       /* SMTP refused; Graph steps passed */
    bool smtp_refused;         /* ok only through the fallback */
    struct result *fallback;   /* the Graph steps of a fallback, or NULL */
    const char *steps[6];      /* steps passed, in order */
    size_t n_steps;
    struct inbound_check in;   /* the inbound reader's test */
};

struct tester {
    struct app *app;
    struct db *db;
    struct oauth_cache *oauth;
    /* A test asks the endpoint itself, once per scope, rather than trust a
     * stored token: the secret or the consent may have changed since. */
    bool asked_smtp, asked_graph;
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
};

static void passed(struct result *res, const char *step)
{
    if (res->n_steps < sizeof(res->steps) / sizeof(res->steps[0]))
        res->steps[res->n_steps++] = step;
}

/* A local problem (no password, OAuth settings): no server was asked.
 * The reply is shaped as diagnose() expects for that stage. */
static void local_failure(struct result *res, const char *step,
                          enum bounce_stage stage, const char *msg)
{
    res->ok = false;
    res->failed_step = step;
    memset(&res->rep, 0, sizeof(res->rep));
    res->rep.stage = stage;
    res->rep.oauth = stage == STAGE_TOKEN;
    snprintf(res->rep.text, sizeof(res->rep.text), "%s", msg);
}

/* The step a failed reply stopped at. */
static const char *step_of(const struct smtp_reply *r)
{
    switch (r->stage) {
    case STAGE_CONNECT: return "connect";
    case STAGE_TLS:     return "tls";
    case STAGE_TOKEN:   return "token";
    case STAGE_HTTP:    return "graph";
    default:            return "auth";
    }
}

/* Marks the steps before the one that failed as passed. */
static void smtp_steps(struct result *res, const struct smtp_reply *r,
                       bool ok)
{
    if (ok || r->stage > STAGE_CONNECT)
        passed(res, "connect");
    if (ok || r->stage > STAGE_TLS)
        passed(res, "tls");
    if (ok)
        passed(res, "auth");
}

/* A token for scope with the role a sender needs; false (res filled)
 * when there is none. */
static bool token_step(struct tester *t, struct result *res,
                       const char *scope, const char *role, bool refetch,
                       char **tok, bool *fetched)
{
    struct smtp_reply rep;
    bool *asked = strcmp(scope, t->app->cfg.graph.scope) == 0
                      ? &t->asked_graph : &t->asked_smtp;
    int has;

    if (!*asked)
        refetch = true;
    *asked = true;
    if (oauth_token(t->oauth, scope, refetch, tok, fetched, &rep) < 0) {
        res->ok = false;
        res->failed_step = "token";
        res->rep = rep;
        return false;
    }
    has = oauth_token_has_role(*tok, role);
    if (has == 0) {
        secret_free(*tok);
        *tok = NULL;
        res->ok = false;
        res->failed_step = "token";
        memset(&res->rep, 0, sizeof(res->rep));
        res->rep.stage = STAGE_TOKEN;
        res->rep.oauth = true;
        snprintf(res->rep.text, sizeof(res->rep.text), "the token has no "
                 "role %s (the app's application permission)", role);
        return false;
    }
    passed(res, "token");
    return true;
}

static void test_graph(struct tester *t, struct result *res)
{
    const struct config *cfg = &t->app->cfg;
    char *tok = NULL;
    bool fetched;

    if (!token_step(t, res, cfg->graph.scope, "Mail.Send", false, &tok,
                    &fetched))
        return;
    secret_free(tok);
    if (graph_probe(cfg, &res->rep) != 0) {
        res->ok = false;
        res->failed_step = step_of(&res->rep);
        if (res->rep.stage == STAGE_TLS)
            passed(res, "connect");
        return;
    }
    passed(res, "connect");
    passed(res, "tls");
    res->ok = true;
}

static void test_smtp(struct tester *t, struct result *res)
{
    const struct config *cfg = &t->app->cfg;
    const struct rp_mailbox *m = res->m;
    struct errinfo ei = { ERR_OK, "" };
    struct smtp_opts o;
    char *pw = NULL, *tok = NULL;
    bool oauth = creds_uses_oauth(m), fetched = true;
    int rc;

    if (oauth) {
        if (!token_step(t, res, cfg->oauth.scope, "SMTP.SendAsApp", false,
                        &tok, &fetched))
            return;
    } else {
        pw = creds_password(m, t->have_key ? t->key : NULL,
                            t->app->cfg.secret_cmd_timeout_seconds, &ei);
        if (!pw) {
            local_failure(res, "password", STAGE_AUTH, ei.msg);
            return;
        }
        passed(res, "password");
    }
    creds_smtp_opts(cfg, m, pw, tok, &o);
    rc = smtp_probe(&o, res->mechs, sizeof(res->mechs), &res->rep, &ei);
    if (rc > 0 && oauth && !fetched && res->rep.stage == STAGE_AUTH &&
        res->rep.code / 100 == 5) {
        /* The stored token may be stale: ask for a new one, once. */
        secret_free(tok);
        tok = NULL;
        res->n_steps = 0;
        if (!token_step(t, res, cfg->oauth.scope, "SMTP.SendAsApp", true,
                        &tok, &fetched))
            goto out;
        creds_smtp_opts(cfg, m, pw, tok, &o);
        rc = smtp_probe(&o, res->mechs, sizeof(res->mechs), &res->rep, &ei);
    }
    if (rc < 0) {
        local_failure(res, "tls", STAGE_TLS, ei.msg);
        goto out;
    }
    smtp_steps(res, &res->rep, rc == 0);
    res->ok = rc == 0;
    if (!res->ok)
        res->failed_step = step_of(&res->rep);
out:
    secret_free(pw);
    secret_free(tok);
}

static void test_one(struct tester *t, const struct rp_mailbox *m,
                     struct result *res)
{
    struct errinfo ei = { ERR_OK, "" };
    struct diagnose_who who;

    memset(res, 0, sizeof(*res));
    res->m = m;
    creds_diagnose_who(&t->app->cfg, m, &who);
    /* MC786329 is about Microsoft's servers only. */
    if ((strcmp(m->auth, "plain") == 0 || strcmp(m->auth, "login") == 0) &&
        diagnose_microsoft_host(t->app->cfg.smtp.host))
        snprintf(res->warning, sizeof(res->warning), basic_warning,
                 m->email);
    if (creds_uses_oauth(m) && oauth_cache_ready(t->oauth, &ei) < 0) {
        local_failure(res, "token", STAGE_TOKEN, ei.msg);
    } else if (strcmp(m->auth, "graph") == 0) {
        test_graph(t, res);
    } else {
        test_smtp(t, res);
        if (!res->ok && res->rep.stage == STAGE_AUTH && m->fallback &&
            strcmp(m->fallback, "graph") == 0) {
            struct bounce_verdict v;

            bounce_classify(&res->rep, &v);
            if (v.fallback_graph) {
                /* Runs would send through Graph: test that too. */
                struct result *g = xcalloc(1, sizeof(*g));

                g->m = m;
                if (oauth_cache_ready(t->oauth, &ei) == 0) {
                    test_graph(t, g);
                } else {
                    local_failure(g, "token", STAGE_TOKEN, ei.msg);
                }
                if (!g->ok)
                    g->has_d = diagnose_for(&g->rep, &who, &g->d);
                res->fallback = g;
                res->graph_fallback = g->ok;
                res->smtp_refused = true;
                res->ok = g->ok;
            }
        }
    }
    if (!res->ok || res->smtp_refused)
        res->has_d = diagnose_for(&res->rep, &who, &res->d);
}

/* ---- output -------------------------------------------------------------- */

/* A failed step's reply, diagnosis and fix. */
static void print_failure(const struct result *res, FILE *f)
{
    const struct smtp_reply *r = &res->rep;

    fprintf(f, "  %-10s FAILED: ", res->failed_step ? res->failed_step
                                                    : step_of(r));
    if (r->code)
        fprintf(f, "%d ", r->code);
    if (r->enhanced[0] && !str_starts_with(r->text, r->enhanced))
        fprintf(f, "%s ", r->enhanced);
    fprintf(f, "%s\n", r->text);
    if (res->has_d) {
        fprintf(f, "  %-10s %s\n", "diagnosis", res->d.what);
        fprintf(f, "  %-10s %s\n", "fix", res->d.fix);
    }
}

/* Whether runs send from m (its status is cold-ready). */
static bool sends(const struct rp_mailbox *m)
{
    enum mailbox_status s;

    return mailbox_status_parse(m->status, &s) && mailbox_status_sends(s);
}

/* Whether the sending side and the inbound reader both passed. */
static bool all_ok(const struct result *res)
{
    return res->ok && (!res->in.tested || res->in.ok);
}

/* The inbound reader's line(s). */
static void print_inbound(const struct inbound_check *in, FILE *f)
{
    if (!in->tested)
        return;
    if (in->ok) {
        fprintf(f, "  %-10s ok: %s\n", "inbound", in->reply);
        return;
    }
    fprintf(f, "  %-10s FAILED (%s %s): %s\n", "inbound", in->reader,
            in->step, in->reply);
    if (in->fix[0])
        fprintf(f, "  %-10s %s\n", "fix", in->fix);
}

static void print_human(const struct result *res, FILE *f)
{
    const struct rp_mailbox *m = res->m;
    const struct result *g = res->fallback;

    fprintf(f, "%s (auth %s%s%s): %s\n", m->email, m->auth,
            m->fallback && strcmp(m->fallback, "graph") == 0
                ? ", fallback graph" : "",
            sends(m) ? "" : ", not cold-ready",
            !all_ok(res)        ? "FAILED"
            : res->graph_fallback ? "ok through Graph"
                                  : "ok");
    for (size_t i = 0; i < res->n_steps; i++)
        fprintf(f, "  %-10s ok\n", res->steps[i]);
    if (res->mechs[0])
        fprintf(f, "  %-10s %s\n", "mechanisms", res->mechs);
    if (!res->ok || res->smtp_refused)
        print_failure(res, f);
    print_inbound(&res->in, f);
    if (!g)
        return;
    fprintf(f, "  fallback to Graph (fallback: graph):\n");
    for (size_t i = 0; i < g->n_steps; i++)
        fprintf(f, "  %-10s ok\n", g->steps[i]);
    if (g->ok)
        fprintf(f, "  %-10s ok: runs send through Graph\n", "graph");
    else
        print_failure(g, f);
}

/* "steps", "failed_step", "reply", "diagnosis", "problem", "fix". */
static void add_json_outcome(struct strbuf *js, const struct result *res)
{
    const struct smtp_reply *r = &res->rep;
    bool failed = !res->ok || res->smtp_refused;

    sb_adds(js, "\"steps\": [");
    for (size_t i = 0; i < res->n_steps; i++) {
        sb_adds(js, i ? ", " : "");
        sb_add_json_str(js, res->steps[i]);
    }
    sb_adds(js, "], \"failed_step\": ");
    sb_add_json_str(js, !failed ? NULL
                        : res->failed_step ? res->failed_step : step_of(r));
    if (!failed) {
        sb_adds(js, ", \"reply\": null");
    } else {
        sb_adds(js, ", \"reply\": {\"stage\": ");
        sb_add_json_str(js, bounce_stage_str(r->stage));
        sb_addf(js, ", \"code\": %d, \"enhanced\": ", r->code);
        sb_add_json_str(js, r->enhanced[0] ? r->enhanced : NULL);
        sb_adds(js, ", \"text\": ");
        sb_add_json_str(js, r->text);
        sb_addch(js, '}');
    }
    sb_adds(js, ", \"diagnosis\": ");
    sb_add_json_str(js, res->has_d ? res->d.id : NULL);
    sb_adds(js, ", \"problem\": ");
    sb_add_json_str(js, res->has_d ? res->d.what : NULL);
    sb_adds(js, ", \"fix\": ");
    sb_add_json_str(js, res->has_d ? res->d.fix : NULL);
}

static void add_json(struct strbuf *js, const struct result *res)
{
    char buf[300];
    const char *p;
    size_t n;

    sb_adds(js, "{\"mailbox\": ");
    sb_add_json_str(js, res->m->email);
    sb_adds(js, ", \"auth\": ");
    sb_add_json_str(js, res->m->auth);
    sb_adds(js, ", \"status\": ");
    sb_add_json_str(js, res->m->status);
    sb_addf(js, ", \"ok\": %s, \"via_graph\": %s, ",
            all_ok(res) ? "true" : "false",
            res->graph_fallback ? "true" : "false");
    add_json_outcome(js, res);
    sb_adds(js, ", \"mechanisms\": [");
    for (p = res->mechs, n = 0; *p;) {
        size_t len = strcspn(p, " ");
        if (len) {
            snprintf(buf, sizeof(buf), "%.*s", (int)len, p);
            sb_adds(js, n++ ? ", " : "");
            sb_add_json_str(js, buf);
        }
        p += len;
        p += strspn(p, " ");
    }
    sb_adds(js, "], \"fallback\": ");
    if (res->fallback) {
        sb_addf(js, "{\"transport\": \"graph\", \"ok\": %s, ",
                res->fallback->ok ? "true" : "false");
        add_json_outcome(js, res->fallback);
        sb_addch(js, '}');
    } else {
        sb_adds(js, "null");
    }
    sb_adds(js, ", \"warning\": ");
    sb_add_json_str(js, res->warning[0] ? res->warning : NULL);
    sb_adds(js, ", \"inbound\": ");
    if (res->in.tested) {
        sb_adds(js, "{\"reader\": ");
        sb_add_json_str(js, res->in.reader);
        sb_addf(js, ", \"ok\": %s, \"failed_step\": ",
                res->in.ok ? "true" : "false");
        sb_add_json_str(js, res->in.ok ? NULL : res->in.step);
        sb_adds(js, ", \"reply\": ");
        sb_add_json_str(js, res->in.reply);
        sb_adds(js, ", \"fix\": ");
        sb_add_json_str(js, res->in.fix[0] ? res->in.fix : NULL);
        sb_addch(js, '}');
    } else {
        sb_adds(js, "null");
    }
    sb_addch(js, '}');
}

/* What `mailbox test` was asked. */
struct test_args {
    const char *email;   /* NULL with --all */
    bool all, json;
};

/* Parses mailbox test's arguments: 1 for --help. */
static int parse_test(int argc, char **argv, struct test_args *a,
                      struct errinfo *ei)
{
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, "mailbox test", ":h", opts,
                           test_usage, ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'a': a->all = true; break;
        case 'j': a->json = true; break;
        default: return -1;
        }
    }
    if (optind < argc)
        a->email = argv[optind++];
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "mailbox test: unexpected argument "
                       "'%s'", argv[optind]);
    if (!a->email == !a->all)
        return err_set(ei, ERR_USAGE, "mailbox test: give one EMAIL or "
                       "--all");
    return 0;
}

/* Tests the mailboxes a asks for and prints each; *tested, *failed. */
static void test_roster(struct tester *t, const struct runplan *rp,
                        const struct test_args *a, size_t *tested,
                        size_t *failed)
{
    struct errinfo ei = { ERR_OK, "" };
    struct strbuf js;

    sb_init(&js, 0);
    sb_addch(&js, '[');
    for (size_t i = 0; i < rp->n_mb; i++) {
        struct result res;

        if (a->email && !str_ieq(rp->mb[i].email, a->email))
            continue;
        test_one(t, &rp->mb[i], &res);
        if (mailbox_test_inbound(t->app, t->db, t->oauth,
                                 t->have_key ? t->key : NULL,
                                 rp->mb[i].email, &res.in, &ei) < 0)
            log_warnx("mailbox %s: inbound not tested: %s", rp->mb[i].email,
                      ei.msg);
        if (res.warning[0])
            log_warnx("mailbox %s %s", rp->mb[i].email, res.warning);
        if (a->json) {
            sb_adds(&js, *tested ? ",\n  " : "\n  ");
            add_json(&js, &res);
        } else {
            print_human(&res, stdout);
        }
        (*tested)++;
        if (!all_ok(&res))
            (*failed)++;
        free(res.fallback);
    }
    if (a->json) {
        sb_adds(&js, *tested ? "\n]\n" : "]\n");
        fputs(js.buf, stdout);
    } else if (a->all) {
        printf("%zu mailbox%s tested: %zu ok, %zu failed\n", *tested,
               *tested == 1 ? "" : "es", *tested - *failed, *failed);
    }
    fflush(stdout);
    sb_release(&js);
}

static bool on_roster(const struct runplan *rp, const char *email)
{
    for (size_t i = 0; i < rp->n_mb; i++)
        if (str_ieq(rp->mb[i].email, email))
            return true;
    return false;
}

int cmd_mailbox_test(struct app *app, int argc, char **argv,
                     struct errinfo *ei)
{
    struct test_args a = { NULL, false, false };
    struct tester t;
    struct runplan rp;
    struct db *db = NULL;
    size_t tested = 0, failed = 0;
    int r, ret = -1;

    r = parse_test(argc, argv, &a, ei);
    if (r)
        return r > 0 ? 0 : -1;
    memset(&t, 0, sizeof(t));
    memset(&rp, 0, sizeof(rp));
    t.app = app;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    t.db = db;
    if (app_load_key(app, t.key, &t.have_key, ei) < 0)
        goto out;
    t.oauth = oauth_cache_new(&app->cfg, db, t.have_key ? t.key : NULL);
    if (runplan_load_roster(db, &app->cfg, clock_now(), &rp, ei) < 0)
        goto out;
    if (a.email && !on_roster(&rp, a.email)) {
        err_set(ei, ERR_DATA, "mailbox '%s' is not on the roster (see "
                "'mailrota mailbox list'; add it with 'mailrota "
                "mailbox add')", a.email);
        goto out;
    }
    test_roster(&t, &rp, &a, &tested, &failed);
    if (failed) {
        err_set(ei, ERR_UNAVAILABLE, "%zu of %zu mailbox%s failed the "
                "test (see the diagnosis and fix above)", failed, tested,
                tested == 1 ? "" : "es");
        goto out;
    }
    ret = 0;
out:
    runplan_release(&rp);
    oauth_cache_free(t.oauth);
    secure_wipe(t.key, sizeof(t.key));
    db_close(db);
    return ret;
}
