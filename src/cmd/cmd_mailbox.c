/*
 * cmd_mailbox.c - the sender roster: `mailbox add | import | list | set`.
 * Passwords are never printed and never stored in clear: --password-env and
 * --password-cmd store where the password comes from, --password-stdin
 * stores AES-256-GCM ciphertext keyed by key_file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "caps.h"
#include "clock.h"
#include "contact.h"
#include "log.h"
#include "mailbox_cmd.h"
#include "store_inbound.h"
#include "secret.h"
#include "store.h"
#include "table.h"
#include "util.h"

#include "banned.h"

#define NAME_MAX_LEN 200
/* "mailbox add" or "mailbox set", for messages. */
#define MBX_CMD(sub) (strcmp((sub), "add") == 0 ? "mailbox add" : "mailbox set")

const char mailbox_usage[] =
    "usage: mailrota mailbox add EMAIL --name NAME [--status S] "
    "[--daily-cap N]\n"
    "                [--auth plain|login|xoauth2|graph] [--fallback graph]\n"
    "                [--ramp START:STEP] [--inbound imap|graph|none]\n"
    "                [--password-env VAR | --password-cmd CMD | "
    "--password-stdin]\n"
    "   or: mailrota mailbox import FILE.csv\n"
    "   or: mailrota mailbox list [--json]\n"
    "   or: mailrota mailbox set EMAIL [--name N] [--status S] "
    "[--daily-cap N]\n"
    "                [--auth A] [--fallback graph|none]\n"
    "                [--ramp START:STEP|none] [--inbound imap|graph|none]\n"
    "                [--password-env V | --password-cmd C | "
    "--password-stdin]\n"
    "   or: mailrota mailbox test EMAIL | --all [--json]\n"
    "\n"
    "The roster of sender mailboxes.  Status is one of cold-ready (sends),\n"
    "admin, paused, auth-failed or blocked (set by runs; only cold-ready\n"
    "mailboxes send).  Without --daily-cap a mailbox uses rules.daily_cap.\n"
    "--ramp START:STEP ramps a new mailbox up: START + STEP x k a day, k\n"
    "being the earlier days on which it sent, up to its cap (a mailbox\n"
    "added without --ramp takes rules.ramp; 'set --ramp none' ends it).\n"
    "\n"
    "'mailbox test' connects, starts TLS and authenticates (no mail sent)\n"
    "and prints the server's reply with a diagnosis and the fix.\n"
    "\n"
    "Auth plain and login use a password; xoauth2 (SMTP AUTH XOAUTH2) and\n"
    "graph (Microsoft Graph sendMail) use the app registration in the\n"
    "config's oauth section.\n"
    "\n"
    "Passwords (plain/login auth) are never given on the command line:\n"
    "  --password-env VAR   read from environment variable VAR at send time\n"
    "  --password-cmd CMD   first line of CMD's output (e.g. 'pass show "
    "m365/brian')\n"
    "  --password-stdin     read one line from stdin now and store it\n"
    "                       encrypted (AES-256-GCM, key_file); spaces are\n"
    "                       removed, so app passwords can be pasted as shown\n"
    "\n"
    "'mailbox import' reads columns email,display_name,status,daily_cap,auth\n"
    "and optionally password_env, password_cmd, fallback (never a password);\n"
    "it adds new mailboxes and updates existing ones, and writes nothing if\n"
    "any row is bad.  A mailbox a run marked auth-failed or blocked keeps\n"
    "that status on import; clear it with 'mailbox set EMAIL --status\n"
    "cold-ready'.\n";

static const char *const auths[] = {
    "plain", "login", "xoauth2", "graph", NULL,
};
static const char *const fallbacks[] = { "none", "graph", NULL };
static const char *const inbounds[] = { "imap", "graph", "none", NULL };

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static bool valid_env_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
              (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F). */
static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || utf8_is_c1(s))
            return true;
    return false;
}

int mbx_check_change(const struct mbx_change *ch, enum err_code code,
                     struct errinfo *ei)
{
    enum mailbox_status ms;

    if (ch->name) {
        if (!*ch->name || str_blank(ch->name))
            return err_set(ei, code, "display name is empty");
        if (has_control(ch->name) || !utf8_valid(ch->name, strlen(ch->name)))
            return err_set(ei, code, "display name contains control "
                           "characters or invalid UTF-8");
        if (strlen(ch->name) > NAME_MAX_LEN)
            return err_set(ei, code, "display name longer than %d bytes",
                           NAME_MAX_LEN);
    }
    if (ch->status && !mailbox_status_parse(ch->status, &ms))
        return err_set(ei, code, "unknown status '%s' (cold-ready, admin, "
                       "paused, auth-failed, blocked)", ch->status);
    if (ch->auth && !in_list(ch->auth, auths))
        return err_set(ei, code, "unknown auth '%s' (plain, login, xoauth2, "
                       "graph)", ch->auth);
    if (ch->fallback && !in_list(ch->fallback, fallbacks))
        return err_set(ei, code, "unknown fallback '%s' (graph or none)",
                       ch->fallback);
    if (ch->ramp && strcmp(ch->ramp, "none") != 0 &&
        !caps_ramp_parse(ch->ramp, DAILY_CAP_MAX, &(int){0}, &(int){0}))
        return err_set(ei, code, "ramp '%s' is not START:STEP such as 5:2 "
                       "(START 1 to %d, STEP 0 to %d), or none", ch->ramp,
                       DAILY_CAP_MAX, DAILY_CAP_MAX);
    if (ch->inbound && !in_list(ch->inbound, inbounds))
        return err_set(ei, code, "unknown inbound '%s' (imap, graph or "
                       "none)", ch->inbound);
    if (ch->pw == PW_ENV && !valid_env_name(ch->pw_arg))
        return err_set(ei, code, "'%s' is not an environment variable name",
                       ch->pw_arg);
    if (ch->pw == PW_CMD && (!*ch->pw_arg || has_control(ch->pw_arg)))
        return err_set(ei, code, "password command is empty or has control "
                       "characters");
    return 0;
}

/* Reads a password from stdin and encrypts it for this mailbox. */
static int read_stored_secret(struct app *app, const char *email,
                              char **out, struct errinfo *ei)
{
    unsigned char key[SECRET_KEY_LEN];
    char *pw = NULL, *aad = NULL;
    int ret = -1;

    if (!app->cfg.key_file)
        return err_set(ei, ERR_CONFIG, "--password-stdin needs key_file: in "
                       "the config");
    if (secret_key_load(app->cfg.key_file, key, ei) < 0)
        return -1;
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password for %s: ", email);
    if (secret_from_fd(STDIN_FILENO, &pw, ei) < 0)
        goto out;
    if (isatty(STDIN_FILENO))
        fputc('\n', stderr);
    if (secret_clean_password(pw, ei) < 0)
        goto out;
    if (!*pw) {
        err_set(ei, ERR_DATA, "empty password on stdin for %s", email);
        goto out;
    }
    aad = xstrdup(email);
    str_lower(aad);
    ret = secret_encrypt(key, pw, strlen(pw), aad, out, ei);
out:
    secure_wipe(key, sizeof(key));
    secret_free(pw);
    free(aad);
    return ret;
}

static int set_pw_opt(struct mbx_change *ch, enum pw_source src,
                      const char *arg, struct errinfo *ei)
{
    if (ch->pw != PW_UNSET && ch->pw != src)
        return err_set(ei, ERR_USAGE, "give only one of --password-env, "
                       "--password-cmd and --password-stdin");
    ch->pw = src;
    ch->pw_arg = arg;
    return 0;
}

/* Parses the options shared by add and set. */
static int parse_change(int argc, char **argv, struct mbx_change *ch,
                        struct errinfo *ei)
{
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'N' },
        { "status", required_argument, NULL, 'S' },
        { "daily-cap", required_argument, NULL, 'C' },
        { "auth", required_argument, NULL, 'A' },
        { "fallback", required_argument, NULL, 'F' },
        { "inbound", required_argument, NULL, 'B' },
        { "ramp", required_argument, NULL, 'R' },
        { "password-env", required_argument, NULL, 'E' },
        { "password-cmd", required_argument, NULL, 'M' },
        { "password-stdin", no_argument, NULL, 'I' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, MBX_CMD(argv[0]), ":h", opts,
                           mailbox_usage, ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'N': ch->name = optarg; break;
        case 'S': ch->status = optarg; break;
        case 'A': ch->auth = optarg; break;
        case 'F': ch->fallback = optarg; break;
        case 'B': ch->inbound = optarg; break;
        case 'R': ch->ramp = optarg; break;
        case 'C':
            if (app_parse_count("--daily-cap", optarg, DAILY_CAP_MAX,
                                &ch->cap, ei) < 0)
                return -1;
            ch->has_cap = true;
            break;
        case 'E':
            if (set_pw_opt(ch, PW_ENV, optarg, ei) < 0)
                return -1;
            break;
        case 'M':
            if (set_pw_opt(ch, PW_CMD, optarg, ei) < 0)
                return -1;
            break;
        case 'I':
            if (set_pw_opt(ch, PW_STDIN, NULL, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    if (mbx_check_change(ch, ERR_USAGE, ei) < 0)
        return err_prefix(ei, "mailbox %s", argv[0]);
    return 0;
}

/* ch's --ramp, or for a mailbox just added, rules.ramp. */
static int apply_ramp(struct db *db, long long id, bool added,
                      const struct mbx_change *ch, struct errinfo *ei)
{
    int start = added ? ch->default_ramp_start : 0;
    int step = added ? ch->default_ramp_step : 0;

    if (ch->ramp && (strcmp(ch->ramp, "none") == 0 ||
                     !caps_ramp_parse(ch->ramp, DAILY_CAP_MAX, &start,
                                      &step)))
        start = step = 0;
    if (!ch->ramp && !start)
        return 0;
    return store_mailbox_set_ramp(db, id, start, step, ei);
}

int mbx_apply(struct db *db, long long id, const char *email,
              const struct mbx_change *ch, const char *secret,
              const char *now, struct errinfo *ei)
{
    struct store_mailbox_change sc = {
        .name = ch->name, .auth = ch->auth, .fallback = ch->fallback,
        .has_cap = ch->has_cap, .cap = ch->cap,
        .set_password = ch->pw != PW_UNSET, .secret = secret,
        .password_env = ch->pw == PW_ENV ? ch->pw_arg : NULL,
        .password_cmd = ch->pw == PW_CMD ? ch->pw_arg : NULL,
    };
    bool added = id == 0;

    sc.has_status = ch->status && mailbox_status_parse(ch->status,
                                                       &sc.status);
    if (store_mailbox_apply(db, id, email, &sc, now, ei) < 0)
        return -1;
    if (!ch->inbound && !ch->ramp && (!added || !ch->default_ramp_start))
        return 0;
    if (added && store_mailbox_id(db, email, &id, ei) < 0)
        return -1;
    if (ch->inbound && store_inbound_set_reader(db, id, ch->inbound, ei) < 0)
        return -1;
    return apply_ramp(db, id, added, ch, ei);
}

char *mbx_normalize_email(const char *arg, enum err_code code,
                          struct errinfo *ei)
{
    const char *reason = NULL;
    char *email = contact_email_normalize(arg, &reason);

    if (!email) {
        char ex[80];
        snprintf(ex, sizeof(ex), "%s", arg);
        err_set(ei, code, "invalid mailbox address '%s': %s", sanitize(ex),
                reason);
    }
    return email;
}

/* add and set share everything but the existence check. */
static int add_or_set(struct app *app, int argc, char **argv, bool add,
                      struct errinfo *ei)
{
    struct mbx_change ch = { 0 };
    struct db *db = NULL;
    char *email = NULL, *secret = NULL;
    char now[21];
    long long id = 0;
    int r, ret = -1;

    r = parse_change(argc, argv, &ch, ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "mailbox %s: missing EMAIL", argv[0]);
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "mailbox %s: unexpected argument '%s'",
                       argv[0], argv[optind + 1]);
    if (add && !ch.name)
        return err_set(ei, ERR_USAGE, "mailbox add: missing --name (the "
                       "display name, e.g. \"Brian from Exzelon\")");
    email = mbx_normalize_email(argv[optind], ERR_USAGE, ei);
    if (!email)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    ch.default_ramp_start = app->cfg.rules.ramp_start;
    ch.default_ramp_step = app->cfg.rules.ramp_step;
    if (store_mailbox_id(db, email, &id, ei) < 0)
        goto out;
    if (add && id) {
        err_set(ei, ERR_DATA, "mailbox '%s' is already on the roster: "
                "change it with 'mailbox set'", email);
        goto out;
    }
    if (!add && !id) {
        err_set(ei, ERR_DATA, "mailbox '%s' is not on the roster (see "
                "'mailbox list')", email);
        goto out;
    }
    if (ch.pw == PW_STDIN && read_stored_secret(app, email, &secret, ei) < 0)
        goto out;
    if (ch.pw == PW_ENV && !getenv(ch.pw_arg))
        log_warnx("mailbox %s: environment variable %s is not set now; it "
                  "must be when mailrota sends", email, ch.pw_arg);
    clock_now_iso(now);
    if (db_begin(db, true, ei) < 0 ||
        mbx_apply(db, id, email, &ch, secret, now, ei) < 0 ||
        db_commit(db, ei) < 0)
        goto out;
    if (!app->quiet)
        printf("mailbox %s %s\n", email, add ? "added" : "updated");
    ret = 0;
out:
    secret_free(secret);
    free(email);
    db_close(db);
    return ret;
}

/* ---- mailbox list ------------------------------------------------------ */

/* What the rows are gathered into. */
struct listing {
    int default_cap;
    bool json, first;
    struct table t;
    struct strbuf js;
};

static void json_row(struct strbuf *js, bool first,
                     const struct store_mailbox_row *r, const char *cap,
                     const char *sent)
{
    sb_adds(js, first ? "\n  {\"email\": " : ",\n  {\"email\": ");
    sb_add_json_str(js, r->email);
    sb_adds(js, ", \"display_name\": ");
    sb_add_json_str(js, r->display_name);
    sb_adds(js, ", \"status\": ");
    sb_add_json_str(js, r->status);
    sb_addf(js, ", \"daily_cap\": %s, \"sent_today\": %s", cap, sent);
    sb_adds(js, ", \"auth\": ");
    sb_add_json_str(js, r->auth);
    sb_adds(js, ", \"fallback\": ");
    sb_add_json_str(js, r->fallback);
    sb_adds(js, ", \"password_source\": ");
    sb_add_json_str(js, r->password_source);
    sb_adds(js, ", \"last_error\": ");
    sb_add_json_str(js, r->last_error);
    sb_addch(js, '}');
}

static int list_row(void *arg, const struct store_mailbox_row *r)
{
    struct listing *l = arg;
    char sent[24], cap[24];

    snprintf(sent, sizeof(sent), "%d", r->cap.counted);
    snprintf(cap, sizeof(cap), "%d", caps_effective(&r->cap, l->default_cap));
    if (l->json) {
        json_row(&l->js, l->first, r, cap, sent);
        l->first = false;
    } else {
        const char *cell[8] = { r->email, r->display_name, r->status, sent,
                                cap, r->auth, r->password_source,
                                r->last_error };
        table_add(&l->t, cell);
    }
    return 0;
}

static int mailbox_list(struct app *app, int argc, char **argv,
                        struct errinfo *ei)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const hdr[] = {
        "EMAIL", "NAME", "STATUS", "SENT TODAY", "CAP", "AUTH", "PASSWORD",
        "LAST ERROR",
    };
    struct listing l = { .first = true };
    struct db *db = NULL;
    char day[11];
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "mailbox list", ":h", opts,
                           mailbox_usage, ei)) != -1) {
        if (c == -2)
            return 0;
        if (c != 'j')
            return -1;
        l.json = true;
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "mailbox list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (clock_local_day(clock_now(), app->cfg.timezone, day, ei) < 0)
        goto out;
    l.default_cap = app->cfg.rules.daily_cap;
    table_init(&l.t, 8, hdr);
    sb_init(&l.js, 0);
    sb_addch(&l.js, '[');
    if (store_mailbox_list(db, day, list_row, &l, ei) == 0) {
        if (l.json) {
            sb_adds(&l.js, l.first ? "]\n" : "\n]\n");
            fputs(l.js.buf, stdout);
        } else {
            table_print(&l.t, stdout);
        }
        ret = 0;
    }
    table_release(&l.t);
    sb_release(&l.js);
out:
    db_close(db);
    return ret;
}

static int mailbox_add(struct app *app, int argc, char **argv,
                       struct errinfo *ei)
{
    return add_or_set(app, argc, argv, true, ei);
}

static int mailbox_set(struct app *app, int argc, char **argv,
                       struct errinfo *ei)
{
    return add_or_set(app, argc, argv, false, ei);
}

const struct subcommand mailbox_subs[] = {
    { "add", mailbox_add, "add a sender mailbox to the roster" },
    { "import", mailbox_import, "add or update senders from a CSV file" },
    { "list", mailbox_list, "the roster: today's sent count, cap, status" },
    { "set", mailbox_set, "change a sender" },
    { "test", cmd_mailbox_test, "connect, start TLS, authenticate; diagnose" },
    { NULL, NULL, NULL },
};

int cmd_mailbox(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    return app_dispatch(app, "mailbox", mailbox_usage, mailbox_subs,
                        sizeof(mailbox_subs) / sizeof(mailbox_subs[0]), argc,
                        argv, ei);
}
