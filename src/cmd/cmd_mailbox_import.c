/*
 * cmd_mailbox_import.c - `mailbox import FILE.csv`: the roster from a CSV
 * file, all rows or none.  Never a password: columns name where it comes
 * from (password_env, password_cmd).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "csv.h"
#include "log.h"
#include "mailbox_cmd.h"
#include "store.h"
#include "util.h"

#include "banned.h"

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
    row->email = mbx_normalize_email(row->v[RC_EMAIL], ERR_DATA, &rei);
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
    if (mbx_check_change(&row->ch, ERR_DATA, &rei) < 0)
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

/* Reads the header row into col[] (-1: absent). */
static int roster_header(const char *path, struct csv_reader *r, int *col,
                         struct errinfo *ei)
{
    struct csv_record rec;
    int rc;

    for (int c = 0; c < RC_COUNT; c++)
        col[c] = -1;
    rc = csv_next(r, &rec, ei);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(ei, ERR_DATA, "%s: empty file: expected a header row "
                       "'email,display_name,status,daily_cap,auth'", path);
    if (rec.error)
        return err_set(ei, ERR_DATA, "%s:1: header row: %s", path,
                       rec.error);
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
            return -1;
        }
        if (c >= 0 && col[c] >= 0) {
            err_set(ei, ERR_DATA, "%s:1: column '%s' given twice", path, h);
            free(h);
            return -1;
        }
        if (c >= 0)
            col[c] = (int)i;
        free(h);
    }
    if (col[RC_EMAIL] < 0)
        return err_set(ei, ERR_DATA, "%s:1: no email column", path);
    return 0;
}

/* Reads every row after the header; *bad counts the bad ones (reported). */
static int roster_rows(const char *path, struct csv_reader *r,
                       const int *col, struct roster_row **rows_out,
                       size_t *n_out, size_t *bad, struct errinfo *ei)
{
    struct csv_record rec;
    struct roster_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;

    while ((rc = csv_next(r, &rec, ei)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, cap * sizeof(*rows));
        }
        memset(&rows[n], 0, sizeof(rows[n]));
        if (roster_row(path, &rec, col, &rows[n]) < 0) {
            (*bad)++;
        } else {
            for (size_t j = 0; j < n; j++)
                if (rows[j].email && str_ieq(rows[j].email, rows[n].email)) {
                    fprintf(stderr, "%s:%ld: mailbox %s already on line "
                            "%ld\n", path, rec.line, rows[n].email,
                            rows[j].line);
                    (*bad)++;
                }
        }
        n++;
    }
    *rows_out = rows;
    *n_out = n;
    if (rc < 0)
        return err_prefix(ei, "%s", path);
    return 0;
}

static int read_roster(const char *path, int fd, struct roster_row **rows_out,
                       size_t *n_out, struct errinfo *ei)
{
    struct csv_reader *r = csv_new(app_csv_read_fd, &fd, 64 * 1024, 64);
    struct roster_row *rows = NULL;
    size_t n = 0, bad = 0;
    int col[RC_COUNT];
    int ret = -1;

    if (roster_header(path, r, col, ei) < 0 ||
        roster_rows(path, r, col, &rows, &n, &bad, ei) < 0)
        goto out;
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

/*
 * A mailbox a run marked auth-failed or blocked keeps that status when
 * the file says cold-ready (SPEC): the row's status is dropped, with a
 * warning.
 */
static int keep_run_status(struct db *db, const char *path, long long id,
                           struct roster_row *row, struct errinfo *ei)
{
    enum mailbox_status want, cur;
    bool found;

    if (!id || !row->ch.status ||
        !mailbox_status_parse(row->ch.status, &want) ||
        want != MBOX_COLD_READY)
        return 0;
    if (store_mailbox_status(db, id, &cur, &found, ei) < 0)
        return -1;
    if (found && (cur == MBOX_AUTH_FAILED || cur == MBOX_BLOCKED)) {
        log_warnx("%s:%ld: mailbox %s stays %s: clear it with "
                  "'mailbox set %s --status cold-ready'",
                  path, row->line, row->email, mailbox_status_name(cur),
                  row->email);
        row->ch.status = NULL;
    }
    return 0;
}

/* Writes the rows in one transaction; *added and *updated count them. */
static int write_roster(struct db *db, const struct config *cfg,
                        const char *path, struct roster_row *rows, size_t n,
                        size_t *added, size_t *updated, struct errinfo *ei)
{
    char now[21];

    clock_now_iso(now);
    if (db_begin(db, true, ei) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct roster_row *row = &rows[i];
        long long id;

        if (store_mailbox_id(db, row->email, &id, ei) < 0)
            return -1;
        if (!id && !row->ch.name)
            return err_set(ei, ERR_DATA, "%s:%ld: new mailbox %s needs a "
                           "display_name: nothing imported", path,
                           row->line, row->email);
        /* a new mailbox starts on rules.ramp */
        row->ch.default_ramp_start = cfg->rules.ramp_start;
        row->ch.default_ramp_step = cfg->rules.ramp_step;
        if (keep_run_status(db, path, id, row, ei) < 0 ||
            mbx_apply(db, id, row->email, &row->ch, NULL, now, ei) < 0)
            return -1;
        if (id)
            (*updated)++;
        else
            (*added)++;
    }
    return db_commit(db, ei);
}

int mailbox_import(struct app *app, int argc, char **argv,
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
    if (read_roster(path, fd, &rows, &n, ei) < 0 ||
        write_roster(db, &app->cfg, path, rows, n, &added, &updated, ei) < 0)
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
