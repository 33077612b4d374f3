/*
 * cmd_mailbox.c - the sender roster: `mailbox add | import | list | set`.
 * Passwords are never printed and never stored in clear: --password-env and
 * --password-cmd store where the password comes from, --password-stdin
 * stores AES-256-GCM ciphertext keyed by key_file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "caps.h"
#include "clock.h"
#include "contact.h"
#include "csv.h"
#include "log.h"
#include "outbox.h"
#include "secret.h"
#include "table.h"
#include "util.h"

#include "banned.h"

#define NAME_MAX_LEN 200
/* The same bound as rules.daily_cap in the config. */
#define DAILY_CAP_MAX CONFIG_DAILY_CAP_MAX
/* "mailbox add" or "mailbox set", for messages. */
#define MBX_CMD(sub) (strcmp((sub), "add") == 0 ? "mailbox add" : "mailbox set")

static const char mailbox_usage[] =
    "usage: mailrota mailbox add EMAIL --name NAME [--status S] "
    "[--daily-cap N]\n"
    "                [--auth plain|login|xoauth2|graph] [--fallback graph]\n"
    "                [--password-env VAR | --password-cmd CMD | "
    "--password-stdin]\n"
    "   or: mailrota mailbox import FILE.csv\n"
    "   or: mailrota mailbox list [--json]\n"
    "   or: mailrota mailbox set EMAIL [--name N] [--status S] "
    "[--daily-cap N]\n"
    "                [--auth A] [--fallback graph|none]\n"
    "                [--password-env V | --password-cmd C | "
    "--password-stdin]\n"
    "   or: mailrota mailbox test EMAIL | --all [--json]\n"
    "\n"
    "The roster of sender mailboxes.  Status is one of cold-ready (sends),\n"
    "admin, paused, auth-failed or blocked (set by runs; only cold-ready\n"
    "mailboxes send).  Without --daily-cap a mailbox uses rules.daily_cap.\n"
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

static const char *const statuses[] = {
    "cold-ready", "admin", "paused", "auth-failed", "blocked", NULL,
};
static const char *const auths[] = {
    "plain", "login", "xoauth2", "graph", NULL,
};
static const char *const fallbacks[] = { "none", "graph", NULL };

enum pw_source { PW_UNSET = 0, PW_ENV, PW_CMD, PW_STDIN };

/* What `add`, `set` and each import row may change; NULL/false = keep. */
struct mbx_change {
    const char *name;
    const char *status;
    const char *auth;
    const char *fallback;
    bool has_cap;
    long long cap;
    enum pw_source pw;
    const char *pw_arg;   /* variable name or command */
};

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

/* Checks a change; the message names what is wrong without a prefix. */
static int check_change(const struct mbx_change *ch, enum err_code code,
                        struct errinfo *ei)
{
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
    if (ch->status && !in_list(ch->status, statuses))
        return err_set(ei, code, "unknown status '%s' (cold-ready, admin, "
                       "paused, auth-failed, blocked)", ch->status);
    if (ch->auth && !in_list(ch->auth, auths))
        return err_set(ei, code, "unknown auth '%s' (plain, login, xoauth2, "
                       "graph)", ch->auth);
    if (ch->fallback && !in_list(ch->fallback, fallbacks))
        return err_set(ei, code, "unknown fallback '%s' (graph or none)",
                       ch->fallback);
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
    if (check_change(ch, ERR_USAGE, ei) < 0)
        return err_prefix(ei, "mailbox %s", argv[0]);
    return 0;
}

static int mailbox_exists(struct db *db, const char *email, long long *id,
                          struct errinfo *ei)
{
    return db_query_int(db, "SELECT COALESCE((SELECT id FROM mailboxes "
                            "WHERE email = ?1), 0)",
                        email, id, ei);
}

/*
 * When an update clears a mailbox's last_error: it fixes what the error
 * was about (new credentials, another auth) or puts the mailbox back to
 * cold-ready from another status.  The parameters are apply_change's; on
 * the right of SET, columns hold the row's values before the update.
 */
#define FIX_CLEARS_ERROR                                                    \
    "((?3 = 'cold-ready' AND status != 'cold-ready')"                     \
    " OR (?12 AND (?7 IS NOT NULL OR ?8 IS NOT password_env"               \
    "     OR ?9 IS NOT password_cmd))"                                     \
    " OR (?5 IS NOT NULL AND ?5 != auth))"

/*
 * Applies ch to mailbox id (0: insert a new one with email).  `secret` is
 * new ciphertext for PW_STDIN.  Setting one password source clears the
 * others; a fix clears last_error (FIX_CLEARS_ERROR).
 */
static int apply_change(struct db *db, long long id, const char *email,
                        const struct mbx_change *ch, const char *secret,
                        const char *now, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    const char *sql_insert =
        "INSERT INTO mailboxes(email, display_name, status, daily_cap, auth,"
        " fallback, secret, password_env, password_cmd, created_at,"
        " updated_at) VALUES (?1, ?2, COALESCE(?3, 'cold-ready'), ?4,"
        " COALESCE(?5, 'plain'), COALESCE(?6, 'none'), ?7, ?8, ?9, ?10,"
        " ?10)";
    const char *sql_update =
        "UPDATE mailboxes SET display_name = COALESCE(?2, display_name),"
        " last_error = CASE WHEN " FIX_CLEARS_ERROR " THEN NULL"
        "   ELSE last_error END,"
        " last_error_at = CASE WHEN " FIX_CLEARS_ERROR " THEN NULL"
        "   ELSE last_error_at END,"
        " status = COALESCE(?3, status),"
        " daily_cap = CASE WHEN ?11 THEN ?4 ELSE daily_cap END,"
        " auth = COALESCE(?5, auth), fallback = COALESCE(?6, fallback),"
        " secret = CASE WHEN ?12 THEN ?7 ELSE secret END,"
        " password_env = CASE WHEN ?12 THEN ?8 ELSE password_env END,"
        " password_cmd = CASE WHEN ?12 THEN ?9 ELSE password_cmd END,"
        " updated_at = ?10 WHERE id = ?1";
    int rc;

    if (db_prepare(db, id ? sql_update : sql_insert, &st, ei) < 0)
        return -1;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, ch->name);
    db_bind_text_or_null(st, 3, ch->status);
    if (ch->has_cap)
        sqlite3_bind_int64(st, 4, ch->cap);
    db_bind_text_or_null(st, 5, ch->auth);
    db_bind_text_or_null(st, 6, ch->fallback);
    db_bind_text_or_null(st, 7, secret);
    db_bind_text_or_null(st, 8, ch->pw == PW_ENV ? ch->pw_arg : NULL);
    db_bind_text_or_null(st, 9, ch->pw == PW_CMD ? ch->pw_arg : NULL);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    if (id) {
        sqlite3_bind_int(st, 11, ch->has_cap);
        sqlite3_bind_int(st, 12, ch->pw != PW_UNSET);
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, id ? "cannot update mailbox"
                                  : "cannot add mailbox");
    return 0;
}

static char *normalize_mailbox_email(const char *arg, enum err_code code,
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
    email = normalize_mailbox_email(argv[optind], ERR_USAGE, ei);
    if (!email)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    if (mailbox_exists(db, email, &id, ei) < 0)
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
        apply_change(db, id, email, &ch, secret, now, ei) < 0 ||
        app_store_settings(app, db, ei) < 0 || db_commit(db, ei) < 0)
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

/* ---- mailbox import ---------------------------------------------------- */

enum roster_col {
    RC_EMAIL, RC_NAME, RC_STATUS, RC_CAP, RC_AUTH, RC_PW_ENV, RC_PW_CMD,
    RC_FALLBACK, RC_COUNT
};

static int roster_column(const char *h)
{
    static const struct { const char *name; int col; } names[] = {
        { "email", RC_EMAIL }, { "e-mail", RC_EMAIL },
        { "display_name", RC_NAME }, { "display name", RC_NAME },
        { "name", RC_NAME }, { "status", RC_STATUS },
        { "daily_cap", RC_CAP }, { "daily cap", RC_CAP }, { "cap", RC_CAP },
        { "auth", RC_AUTH }, { "password_env", RC_PW_ENV },
        { "password_cmd", RC_PW_CMD }, { "fallback", RC_FALLBACK },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (str_ieq(h, names[i].name))
            return names[i].col;
    return -1;
}

struct roster_row {
    long line;
    char *email;
    char *v[RC_COUNT];
    struct mbx_change ch;
};

/* Turns one CSV record into a roster row; reports and returns -1 if bad. */
static int roster_row(const char *file, const struct csv_record *rec,
                      const int *col, struct roster_row *row)
{
    struct errinfo rei = { ERR_OK, "" };
    const char *cell;

    row->line = rec->line;
    if (rec->error) {
        fprintf(stderr, "%s:%ld: %s\n", file, rec->line, rec->error);
        return -1;
    }
    for (int c = 0; c < RC_COUNT; c++) {
        if (col[c] < 0 || (size_t)col[c] >= rec->nfields)
            continue;
        cell = rec->fields[col[c]];
        row->v[c] = str_trim(xstrdup(cell));
        if (!*row->v[c]) {
            free(row->v[c]);
            row->v[c] = NULL;
        }
    }
    if (!row->v[RC_EMAIL]) {
        fprintf(stderr, "%s:%ld: missing email\n", file, rec->line);
        return -1;
    }
    row->email = normalize_mailbox_email(row->v[RC_EMAIL], ERR_DATA, &rei);
    if (!row->email)
        goto bad;
    row->ch.name = row->v[RC_NAME];
    row->ch.status = row->v[RC_STATUS];
    row->ch.auth = row->v[RC_AUTH];
    row->ch.fallback = row->v[RC_FALLBACK];
    if (row->v[RC_CAP]) {
        if (parse_int(row->v[RC_CAP], 0, DAILY_CAP_MAX, &row->ch.cap) < 0) {
            err_set(&rei, ERR_DATA, "daily_cap '%s' is not a whole number "
                    "from 0 to %d", row->v[RC_CAP], DAILY_CAP_MAX);
            goto bad;
        }
        row->ch.has_cap = true;
    }
    if (row->v[RC_PW_ENV] && row->v[RC_PW_CMD]) {
        err_set(&rei, ERR_DATA, "give password_env or password_cmd, not "
                "both");
        goto bad;
    }
    if (row->v[RC_PW_ENV]) {
        row->ch.pw = PW_ENV;
        row->ch.pw_arg = row->v[RC_PW_ENV];
    } else if (row->v[RC_PW_CMD]) {
        row->ch.pw = PW_CMD;
        row->ch.pw_arg = row->v[RC_PW_CMD];
    }
    if (check_change(&row->ch, ERR_DATA, &rei) < 0)
        goto bad;
    return 0;
bad:
    fprintf(stderr, "%s:%ld: %s\n", file, rec->line, sanitize(rei.msg));
    return -1;
}

static void roster_row_release(struct roster_row *row)
{
    free(row->email);
    for (int c = 0; c < RC_COUNT; c++)
        free(row->v[c]);
}

static int read_roster(const char *path, int fd, struct roster_row **rows_out,
                       size_t *n_out, struct errinfo *ei)
{
    struct csv_reader *r = csv_new(app_csv_read_fd, &fd, 64 * 1024, 64);
    struct csv_record rec;
    struct roster_row *rows = NULL;
    size_t n = 0, cap = 0, bad = 0;
    int col[RC_COUNT];
    int rc, ret = -1;

    for (int c = 0; c < RC_COUNT; c++)
        col[c] = -1;
    rc = csv_next(r, &rec, ei);
    if (rc <= 0 || rec.error) {
        if (rc == 0)
            err_set(ei, ERR_DATA, "%s: empty file: expected a header row "
                    "'email,display_name,status,daily_cap,auth'", path);
        else if (rc > 0)
            err_set(ei, ERR_DATA, "%s:1: header row: %s", path, rec.error);
        goto out;
    }
    for (size_t i = 0; i < rec.nfields; i++) {
        char *h = str_trim(xstrdup(rec.fields[i]));
        int c = roster_column(h);

        if (c < 0 && *h) {
            if (str_ieq(h, "password") || str_ieq(h, "secret"))
                err_set(ei, ERR_DATA, "%s:1: column '%s' is not allowed: "
                        "never put passwords in a file; use password_env "
                        "or password_cmd, or 'mailbox set EMAIL "
                        "--password-stdin'", path, h);
            else
                err_set(ei, ERR_DATA, "%s:1: unknown column '%s' (known: "
                        "email, display_name, status, daily_cap, auth, "
                        "password_env, password_cmd, fallback)", path,
                        sanitize(h));
            free(h);
            goto out;
        }
        if (c >= 0 && col[c] >= 0) {
            err_set(ei, ERR_DATA, "%s:1: column '%s' given twice", path, h);
            free(h);
            goto out;
        }
        if (c >= 0)
            col[c] = (int)i;
        free(h);
    }
    if (col[RC_EMAIL] < 0) {
        err_set(ei, ERR_DATA, "%s:1: no email column", path);
        goto out;
    }
    while ((rc = csv_next(r, &rec, ei)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, cap * sizeof(*rows));
        }
        memset(&rows[n], 0, sizeof(rows[n]));
        if (roster_row(path, &rec, col, &rows[n]) < 0) {
            bad++;
        } else {
            for (size_t j = 0; j < n; j++)
                if (rows[j].email && str_ieq(rows[j].email, rows[n].email)) {
                    fprintf(stderr, "%s:%ld: mailbox %s already on line "
                            "%ld\n", path, rec.line, rows[n].email,
                            rows[j].line);
                    bad++;
                }
        }
        n++;
    }
    if (rc < 0) {
        err_prefix(ei, "%s", path);
        goto out;
    }
    if (bad) {
        err_set(ei, ERR_DATA, "%s: %zu bad row%s: nothing imported", path,
                bad, bad == 1 ? "" : "s");
        goto out;
    }
    ret = 0;
out:
    csv_free(r);
    if (ret < 0) {
        for (size_t i = 0; i < n; i++)
            roster_row_release(&rows[i]);
        free(rows);
        rows = NULL;
        n = 0;
    }
    *rows_out = rows;
    *n_out = n;
    return ret;
}

static int mailbox_import(struct app *app, int argc, char **argv,
                          struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct roster_row *rows = NULL;
    struct db *db = NULL;
    size_t n = 0, added = 0, updated = 0;
    const char *path;
    char now[21];
    int c, fd = -1, ret = -1;

    while ((c = app_getopt(argc, argv, "mailbox import", ":h", opts,
                           mailbox_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "mailbox import: missing FILE.csv");
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "mailbox import: unexpected argument "
                       "'%s'", argv[optind + 1]);
    path = argv[optind];
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
        path = "stdin";
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        err_set(ei, ERR_NOINPUT, "cannot open '%s': %s", path,
                strerror(errno));
        goto out;
    }
    if (read_roster(path, fd, &rows, &n, ei) < 0)
        goto out;
    clock_now_iso(now);
    if (db_begin(db, true, ei) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct roster_row *row = &rows[i];
        long long id;
        char *cur = NULL;

        if (mailbox_exists(db, row->email, &id, ei) < 0)
            goto out;
        if (!id && !row->ch.name) {
            err_set(ei, ERR_DATA, "%s:%ld: new mailbox %s needs a "
                    "display_name: nothing imported", path, row->line,
                    row->email);
            goto out;
        }
        if (id && row->ch.status && strcmp(row->ch.status, "cold-ready") == 0) {
            sqlite3_stmt *st = NULL;
            if (db_prepare(db, "SELECT status FROM mailboxes WHERE id = ?1",
                           &st, ei) < 0)
                goto out;
            sqlite3_bind_int64(st, 1, id);
            if (sqlite3_step(st) == SQLITE_ROW)
                cur = db_column_strdup(st, 0);
            sqlite3_finalize(st);
            if (cur && (strcmp(cur, "auth-failed") == 0 ||
                        strcmp(cur, "blocked") == 0)) {
                log_warnx("%s:%ld: mailbox %s stays %s: clear it with "
                          "'mailbox set %s --status cold-ready'",
                          path, row->line, row->email, cur, row->email);
                row->ch.status = NULL;
            }
            free(cur);
        }
        if (apply_change(db, id, row->email, &row->ch, NULL, now, ei) < 0)
            goto out;
        if (id)
            updated++;
        else
            added++;
    }
    if (app_store_settings(app, db, ei) < 0 || db_commit(db, ei) < 0)
        goto out;
    if (!app->quiet)
        printf("added %zu, updated %zu\n", added, updated);
    ret = 0;
out:
    for (size_t i = 0; i < n; i++)
        roster_row_release(&rows[i]);
    free(rows);
    if (fd > STDIN_FILENO)
        close(fd);
    db_close(db);
    return ret;
}

/* ---- mailbox list ------------------------------------------------------ */

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
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    struct table t;
    struct strbuf js;
    bool json = false, first = true;
    char day[11];
    int c, rc, ret = -1;

    while ((c = app_getopt(argc, argv, "mailbox list", ":h", opts,
                           mailbox_usage, ei)) != -1) {
        if (c == -2)
            return 0;
        if (c != 'j')
            return -1;
        json = true;
    }
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "mailbox list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (clock_local_day(clock_now(), app->cfg.timezone, day, ei) < 0)
        goto out;
    if (db_prepare(db,
                   "SELECT m.email, m.display_name, m.status,"
                   " NULL, NULL, m.auth,"   /* sent today, cap: below */
                   " CASE WHEN m.password_env IS NOT NULL"
                   "   THEN 'env:' || m.password_env"
                   "   WHEN m.password_cmd IS NOT NULL THEN 'command'"
                   "   WHEN m.secret IS NOT NULL THEN 'stored' END,"
                   " m.last_error, m.fallback," OUTBOX_CAP_COLUMNS
                   " FROM mailboxes m ORDER BY m.id",
                   &st, ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    table_init(&t, 8, hdr);
    sb_init(&js, 0);
    sb_addch(&js, '[');
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cell[8];
        char sent[24], cap[24];
        struct caps_mailbox cm;

        for (int i = 0; i < 8; i++)
            cell[i] = (const char *)sqlite3_column_text(st, i);
        outbox_cap_read(st, 9, &cm);
        snprintf(sent, sizeof(sent), "%d", cm.counted);
        snprintf(cap, sizeof(cap), "%d",
                 caps_effective(&cm, app->cfg.rules.daily_cap));
        if (json) {
            sb_adds(&js, first ? "\n  {\"email\": " : ",\n  {\"email\": ");
            sb_add_json_str(&js, cell[0]);
            sb_adds(&js, ", \"display_name\": ");
            sb_add_json_str(&js, cell[1]);
            sb_adds(&js, ", \"status\": ");
            sb_add_json_str(&js, cell[2]);
            sb_addf(&js, ", \"daily_cap\": %s, \"sent_today\": %s", cap,
                    sent);
            sb_adds(&js, ", \"auth\": ");
            sb_add_json_str(&js, cell[5]);
            sb_adds(&js, ", \"fallback\": ");
            sb_add_json_str(&js, (const char *)sqlite3_column_text(st, 8));
            sb_adds(&js, ", \"password_source\": ");
            sb_add_json_str(&js, cell[6]);
            sb_adds(&js, ", \"last_error\": ");
            sb_add_json_str(&js, cell[7]);
            sb_addch(&js, '}');
            first = false;
        } else {
            cell[3] = sent;
            cell[4] = cap;
            table_add(&t, cell);
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, ei, "mailbox list");
    } else {
        if (json) {
            sb_adds(&js, first ? "]\n" : "\n]\n");
            fputs(js.buf, stdout);
        } else {
            table_print(&t, stdout);
        }
        ret = 0;
    }
    table_release(&t);
    sb_release(&js);
out:
    sqlite3_finalize(st);
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
