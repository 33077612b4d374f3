/*
 * cmd_import.c - `import contacts FILE.csv`: CSV rows -> contacts,
 * companies and enrollments, in one transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "contact.h"
#include "crashpoint.h"
#include "csv.h"
#include "import_cols.h"
#include "log.h"
#include "util.h"

#include "banned.h"

#define CSV_MAX_FIELD  (64 * 1024)
#define CSV_MAX_FIELDS 1024
#define PROGRESS_EVERY 8192

static const char import_usage[] =
    "usage: mailrota import contacts FILE.csv [--campaign NAME] [--strict]\n"
    "                                [--dry-run] [--delimiter C]\n"
    "\n"
    "Imports contacts from an RFC 4180 CSV file ('-' reads stdin): UTF-8\n"
    "with or without BOM, CRLF or LF, a header row naming the columns.\n"
    "'email' is required; first_name, last_name, title, company and domain\n"
    "are known (aliases such as 'E-mail', 'First Name', 'Company Name' are\n"
    "recognised); every other column is kept in fields_json and usable in\n"
    "templates as {{column_name}}.  A header with no comma but semicolons\n"
    "or tabs is read with that delimiter.  A contact already in the database, or\n"
    "earlier in the file, is updated (values are set, never cleared).\n"
    "Bad rows are reported as FILE:LINE: reason and skipped.\n"
    "\n"
    "Options:\n"
    "      --campaign NAME  enrol every imported contact in this campaign\n"
    "      --strict         any bad row fails the import (exit 65), nothing\n"
    "                       is written\n"
    "  -n, --dry-run        check and count, write nothing\n"
    "      --delimiter C    fields are separated by C (one character, or\n"
    "                       'tab'), not detected from the header\n"
    "  -h, --help           this help\n"
    "\n"
    "Ends with: imported N, updated N, skipped N\n";

struct import {
    struct app *app;
    struct db *db;
    const char *name;  /* file name for messages */
    int fd;
    struct import_cols c;
    long long campaign_id;                 /* 0: none */
    char delim;                            /* '\0': detect */
    char now[21];
    long imported, updated, skipped, rows;
    bool progress;
    struct strbuf json;
    sqlite3_stmt *find_contact, *insert_contact, *update_contact;
    sqlite3_stmt *company_by_key, *company_by_domain, *insert_company;
    sqlite3_stmt *company_set_domain, *enroll;
};

static void bad_row(struct import *im, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad_row(struct import *im, long line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (im->progress)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "%s:%ld: %s\n", im->name, line, sanitize(msg));
    im->skipped++;
}

/* A short, printable excerpt of untrusted text for a message. */
static void excerpt(const char *s, char out[64])
{
    size_t n = strlen(s);

    if (n > 60) {
        snprintf(out, 64, "%.57s...", s);
    } else {
        snprintf(out, 64, "%s", s);
    }
    sanitize(out);
}

static int prepare(struct import *im, struct errinfo *ei)
{
    struct db *db = im->db;

    if (db_prepare(db, "SELECT id FROM contacts WHERE email = ?1",
                   &im->find_contact, ei) < 0 ||
        db_prepare(db,
                   "INSERT INTO contacts(email, first_name, last_name, title,"
                   " company_id, fields_json, status, created_at, updated_at,"
                   " company_name)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8)",
                   &im->insert_contact, ei) < 0 ||
        /* Sets what the row has, never clears: a derived company (from
         * the email domain, ?6 = 0) fills only an empty company_id. */
        db_prepare(db,
                   "UPDATE contacts SET"
                   " first_name = COALESCE(?2, first_name),"
                   " last_name = COALESCE(?3, last_name),"
                   " title = COALESCE(?4, title),"
                   " company_id = CASE WHEN ?5 IS NOT NULL AND"
                   "   (?6 OR company_id IS NULL) THEN ?5 ELSE company_id END,"
                   " company_name = COALESCE(?9, company_name),"
                   " fields_json = CASE WHEN ?7 IS NULL THEN fields_json"
                   "   ELSE json_patch(COALESCE(fields_json, '{}'), ?7) END,"
                   " updated_at = ?8"
                   " WHERE id = ?1",
                   &im->update_contact, ei) < 0 ||
        db_prepare(db, "SELECT id, domain FROM companies WHERE name_key = ?1",
                   &im->company_by_key, ei) < 0 ||
        db_prepare(db,
                   "SELECT id FROM companies WHERE domain = ?1 "
                   "ORDER BY id LIMIT 1",
                   &im->company_by_domain, ei) < 0 ||
        db_prepare(db,
                   "INSERT INTO companies(name, domain, name_key, created_at)"
                   " VALUES (?1, ?2, ?3, ?4)",
                   &im->insert_company, ei) < 0 ||
        db_prepare(db, "UPDATE companies SET domain = ?2 WHERE id = ?1",
                   &im->company_set_domain, ei) < 0 ||
        db_prepare(db,
                   "INSERT OR IGNORE INTO enrollments(campaign_id, "
                   "contact_id, enrolled_at) VALUES (?1, ?2, ?3)",
                   &im->enroll, ei) < 0)
        return -1;
    return 0;
}

static void finalize(struct import *im)
{
    sqlite3_finalize(im->find_contact);
    sqlite3_finalize(im->insert_contact);
    sqlite3_finalize(im->update_contact);
    sqlite3_finalize(im->company_by_key);
    sqlite3_finalize(im->company_by_domain);
    sqlite3_finalize(im->insert_company);
    sqlite3_finalize(im->company_set_domain);
    sqlite3_finalize(im->enroll);
}

/* Runs a statement expecting SQLITE_DONE, then resets it. */
static int step_done(struct import *im, sqlite3_stmt *st, struct errinfo *ei)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return db_fail(im->db, ei, "import");
    return 0;
}

static int insert_company(struct import *im, const char *name,
                          const char *domain, const char *key,
                          long long *id, struct errinfo *ei)
{
    sqlite3_stmt *st = im->insert_company;

    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, domain);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, im->now, -1, SQLITE_STATIC);
    if (step_done(im, st, ei) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(im->db->h);
    return 0;
}

/*
 * The company of a row: by normalised name when the row names one, else by
 * domain (the domain column, else the email's), never a free-mail domain.
 * *id is 0 when the contact has no company; *explicit tells whether the row
 * named it.
 */
static int resolve_company(struct import *im, const char *company,
                           const char *domain, long long *id, bool *explicit,
                           struct errinfo *ei)
{
    char *key = company ? contact_company_key(company) : NULL;
    bool free_mail = domain && contact_is_freemail(
                         domain, im->app->cfg.free_mail_domains,
                         im->app->cfg.n_free_mail_domains);
    const char *dom = free_mail ? NULL : domain;
    int rc;

    *id = 0;
    *explicit = false;
    if (key) {
        sqlite3_stmt *st = im->company_by_key;

        *explicit = true;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            bool has_domain = sqlite3_column_type(st, 1) != SQLITE_NULL;
            *id = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            if (!has_domain && dom) {
                sqlite3_bind_int64(im->company_set_domain, 1, *id);
                sqlite3_bind_text(im->company_set_domain, 2, dom, -1,
                                  SQLITE_STATIC);
                if (step_done(im, im->company_set_domain, ei) < 0)
                    goto fail;
            }
        } else {
            sqlite3_reset(st);
            if (rc != SQLITE_DONE) {
                db_fail(im->db, ei, "import");
                goto fail;
            }
            if (insert_company(im, company, dom, key, id, ei) < 0)
                goto fail;
        }
        free(key);
        return 0;
    }
    if (!dom)
        return 0;
    sqlite3_bind_text(im->company_by_domain, 1, dom, -1, SQLITE_STATIC);
    rc = sqlite3_step(im->company_by_domain);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(im->company_by_domain, 0);
    sqlite3_reset(im->company_by_domain);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(im->db, ei, "import");
    /* A domain-derived company's key is the domain itself: it has dots,
     * which a normalised name never has, so the two cannot collide. */
    if (!*id && insert_company(im, dom, dom, dom, id, ei) < 0)
        return -1;
    return 0;
fail:
    free(key);
    return -1;
}

/* The trimmed value of a known field, or NULL when absent or empty. */
static char *field_value(struct import *im, const struct csv_record *rec,
                         enum contact_field f)
{
    long col = im->c.col_of[f];
    char *v;

    if (col < 0 || (size_t)col >= rec->nfields)
        return NULL;
    v = str_trim(xstrdup(rec->fields[col]));
    if (!*v) {
        free(v);
        return NULL;
    }
    return v;
}

/* fields_json for the extra columns with a value, or NULL if none. */
static const char *extras_json(struct import *im,
                               const struct csv_record *rec)
{
    bool any = false;

    sb_reset(&im->json);
    sb_addch(&im->json, '{');
    for (size_t i = 0; i < im->c.ncols && i < rec->nfields; i++) {
        const char *v = rec->fields[i];

        if (!im->c.cols[i].key || str_blank(v))
            continue;
        if (any)
            sb_addch(&im->json, ',');
        sb_add_json_str(&im->json, im->c.cols[i].key);
        sb_addch(&im->json, ':');
        sb_add_json_str(&im->json, v);
        any = true;
    }
    sb_addch(&im->json, '}');
    return any ? im->json.buf : NULL;
}

static bool has_line_break(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* Imports one record; a bad row is reported and counted, not an error. */
static int import_row(struct import *im, const struct csv_record *rec,
                      struct errinfo *ei)
{
    char *v[CONTACT_FIELD_DOMAIN + 1] = { NULL };
    char *email = NULL, *domain = NULL;
    const char *reason = NULL, *json;
    char ex[64];
    long long company_id = 0, contact_id = 0;
    bool explicit = false;
    int rc, ret = -1;

    if (rec->error) {
        bad_row(im, rec->line, "%s", rec->error);
        return 0;
    }
    for (size_t i = im->c.ncols; i < rec->nfields; i++) {
        if (!str_blank(rec->fields[i])) {
            bad_row(im, rec->line, "%zu fields, but the header has %zu",
                    rec->nfields, im->c.ncols);
            return 0;
        }
    }
    for (int f = CONTACT_FIELD_EMAIL; f <= CONTACT_FIELD_DOMAIN; f++)
        v[f] = field_value(im, rec, (enum contact_field)f);
    /* "N/A", "self-employed" ...: no company, so the domain rule applies */
    if (contact_company_placeholder(v[CONTACT_FIELD_COMPANY])) {
        free(v[CONTACT_FIELD_COMPANY]);
        v[CONTACT_FIELD_COMPANY] = NULL;
    }
    if (!v[CONTACT_FIELD_EMAIL]) {
        bad_row(im, rec->line, "missing email");
        ret = 0;
        goto out;
    }
    email = contact_email_normalize(v[CONTACT_FIELD_EMAIL], &reason);
    if (!email) {
        excerpt(v[CONTACT_FIELD_EMAIL], ex);
        bad_row(im, rec->line, "invalid email '%s': %s", ex, reason);
        ret = 0;
        goto out;
    }
    for (int f = CONTACT_FIELD_FIRST_NAME; f <= CONTACT_FIELD_DOMAIN; f++) {
        if (has_line_break(v[f])) {
            bad_row(im, rec->line, "%s contains a line break", import_field_name((enum contact_field)f));
            ret = 0;
            goto out;
        }
    }
    if (v[CONTACT_FIELD_DOMAIN]) {
        domain = contact_domain_normalize(v[CONTACT_FIELD_DOMAIN]);
        if (!domain) {
            excerpt(v[CONTACT_FIELD_DOMAIN], ex);
            bad_row(im, rec->line, "invalid domain '%s'", ex);
            ret = 0;
            goto out;
        }
    } else {
        domain = xstrdup(contact_email_domain(email));
    }
    if (resolve_company(im, v[CONTACT_FIELD_COMPANY], domain, &company_id,
                        &explicit, ei) < 0)
        goto out;
    json = extras_json(im, rec);

    sqlite3_bind_text(im->find_contact, 1, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(im->find_contact);
    if (rc == SQLITE_ROW)
        contact_id = sqlite3_column_int64(im->find_contact, 0);
    sqlite3_reset(im->find_contact);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_fail(im->db, ei, "import");
        goto out;
    }
    if (contact_id) {
        sqlite3_stmt *st = im->update_contact;

        sqlite3_bind_int64(st, 1, contact_id);
        db_bind_text_or_null(st, 2, v[CONTACT_FIELD_FIRST_NAME]);
        db_bind_text_or_null(st, 3, v[CONTACT_FIELD_LAST_NAME]);
        db_bind_text_or_null(st, 4, v[CONTACT_FIELD_TITLE]);
        if (company_id)
            sqlite3_bind_int64(st, 5, company_id);
        sqlite3_bind_int(st, 6, explicit);
        db_bind_text_or_null(st, 7, json);
        sqlite3_bind_text(st, 8, im->now, -1, SQLITE_STATIC);
        /* the row's own spelling, rendered by {{company}} */
        if (explicit)
            db_bind_text_or_null(st, 9, v[CONTACT_FIELD_COMPANY]);
        if (step_done(im, st, ei) < 0)
            goto out;
        im->updated++;
    } else {
        sqlite3_stmt *st = im->insert_contact;

        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
        db_bind_text_or_null(st, 2, v[CONTACT_FIELD_FIRST_NAME]);
        db_bind_text_or_null(st, 3, v[CONTACT_FIELD_LAST_NAME]);
        db_bind_text_or_null(st, 4, v[CONTACT_FIELD_TITLE]);
        if (company_id)
            sqlite3_bind_int64(st, 5, company_id);
        db_bind_text_or_null(st, 6, json);
        sqlite3_bind_text(st, 7, im->now, -1, SQLITE_STATIC);
        if (explicit)
            db_bind_text_or_null(st, 8, v[CONTACT_FIELD_COMPANY]);
        if (step_done(im, st, ei) < 0)
            goto out;
        contact_id = sqlite3_last_insert_rowid(im->db->h);
        im->imported++;
    }
    if (im->campaign_id) {
        sqlite3_bind_int64(im->enroll, 1, im->campaign_id);
        sqlite3_bind_int64(im->enroll, 2, contact_id);
        sqlite3_bind_text(im->enroll, 3, im->now, -1, SQLITE_STATIC);
        if (step_done(im, im->enroll, ei) < 0)
            goto out;
    }
    ret = 0;
out:
    for (int f = 0; f <= CONTACT_FIELD_DOMAIN; f++)
        free(v[f]);
    free(email);
    free(domain);
    return ret;
}

static int find_campaign(struct db *db, const char *name, long long *id,
                         struct errinfo *ei)
{
    if (db_query_int(db, "SELECT COALESCE((SELECT id FROM campaigns "
                         "WHERE name = ?1), 0)",
                     name, id, ei) < 0)
        return -1;
    if (!*id)
        return err_set(ei, ERR_DATA,
                       "unknown campaign '%s': create it with 'mailrota "
                       "campaign add' (see 'mailrota campaign list')",
                       name);
    return 0;
}

static int run_import(struct import *im, bool strict, bool dry_run,
                      struct errinfo *ei)
{
    struct csv_reader *r = NULL;
    struct csv_record rec;
    int rc, ret = -1;

    r = csv_new(app_csv_read_fd, &im->fd, CSV_MAX_FIELD, CSV_MAX_FIELDS);
    csv_set_delimiter(r, im->delim);
    rc = csv_next(r, &rec, ei);
    if (rc < 0) {
        err_prefix(ei, "%s", im->name);
        goto out;
    }
    if (rc == 0) {
        err_set(ei, ERR_DATA, "%s: empty file: expected a header row such "
                "as 'email,first_name,last_name,company'", im->name);
        goto out;
    }
    if (rec.error && csv_utf16(r)) {
        const char *f = im->fd == STDIN_FILENO ? "FILE" : im->name;

        err_set(ei, ERR_DATA, "%s:%ld: header row: %s ('iconv -f UTF-16 "
                "-t UTF-8 %s > %s.utf8' converts it)", im->name, rec.line,
                rec.error, f, f);
        goto out;
    }
    if (rec.error) {
        err_set(ei, ERR_DATA, "%s:%ld: header row: %s", im->name, rec.line,
                rec.error);
        goto out;
    }
    if (!im->delim && csv_delimiter(r) != ',')
        log_warnx("%s:%ld: no comma in the header: reading fields separated "
                  "by %s (--delimiter forces one)", im->name, rec.line,
                  csv_delimiter(r) == '\t' ? "tabs" : "';'");
    if (import_cols_setup(&im->c, im->name, &rec, ei) < 0)
        goto out;
    /* One transaction over a large file evicts and re-reads index pages
     * with SQLite's 2 MB default cache; 32 MiB keeps them (bench/). */
    if (db_exec(im->db, "PRAGMA cache_size = -32768", ei) < 0 ||
        prepare(im, ei) < 0 || db_begin(im->db, true, ei) < 0)
        goto out;
    while ((rc = csv_next(r, &rec, ei)) == 1) {
        if (import_blank_line(csv_delimiter(r), &rec))
            continue;
        if (import_row(im, &rec, ei) < 0)
            goto out;
        crash_point("import.row");
        if (im->progress && ++im->rows % PROGRESS_EVERY == 0)
            fprintf(stderr, "\rimport: %ld rows", im->rows);
    }
    if (im->progress)
        fputs("\r\033[K", stderr);
    if (rc < 0) {
        err_prefix(ei, "%s", im->name);
        goto out;
    }
    if (strict && im->skipped) {
        err_set(ei, ERR_DATA,
                "%s: %ld bad row%s: nothing imported (--strict)", im->name,
                im->skipped, im->skipped == 1 ? "" : "s");
        goto out;
    }
    if (dry_run) {
        db_rollback(im->db);
    } else if (app_store_settings(im->app, im->db, ei) < 0 ||
               db_commit(im->db, ei) < 0) {
        goto out;
    }
    ret = 0;
out:
    finalize(im);
    db_rollback(im->db);
    csv_free(r);
    return ret;
}

static int import_contacts(struct app *app, int argc, char **argv,
                           struct errinfo *ei)
{
    static const struct option opts[] = {
        { "campaign", required_argument, NULL, 'C' },
        { "strict", no_argument, NULL, 'S' },
        { "dry-run", no_argument, NULL, 'n' },
        { "delimiter", required_argument, NULL, 'D' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct import im = { .app = app, .fd = -1 };
    const char *campaign = NULL, *path;
    bool strict = false, dry_run = false;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "import contacts", ":nh", opts,
                           import_usage, ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'C': campaign = optarg; break;
        case 'S': strict = true; break;
        case 'n': dry_run = true; break;
        case 'D':
            if (import_parse_delimiter(optarg, &im.delim, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "import contacts: missing FILE.csv "
                       "(or '-' for stdin)");
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "import contacts: unexpected argument "
                       "'%s'", argv[optind + 1]);
    path = argv[optind];

    if (app_open_db(app, 0, &im.db, ei) < 0)
        return -1;
    if (campaign && find_campaign(im.db, campaign, &im.campaign_id, ei) < 0)
        goto out;
    if (strcmp(path, "-") == 0) {
        im.fd = STDIN_FILENO;
        im.name = "stdin";
    } else {
        im.fd = open(path, O_RDONLY | O_CLOEXEC);
        im.name = path;
        if (im.fd < 0) {
            err_set(ei, ERR_NOINPUT, "cannot open '%s': %s", path,
                    strerror(errno));
            goto out;
        }
    }
    clock_now_iso(im.now);
    im.progress = app_progress(app);
    sb_init(&im.json, 0);
    ret = run_import(&im, strict, dry_run, ei);
    sb_release(&im.json);
    if (ret == 0 && !app->quiet)
        printf("imported %ld, updated %ld, skipped %ld\n", im.imported,
               im.updated, im.skipped);
out:
    import_cols_free(&im.c);
    if (im.fd > STDIN_FILENO)
        close(im.fd);
    db_close(im.db);
    return ret;
}

const struct subcommand import_subs[] = {
    { "contacts", import_contacts, "import contacts from a CSV file" },
    { NULL, NULL, NULL },
};

int cmd_import(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    if (argc >= 2 && strncmp(argv[1], "mailbox", 7) == 0)
        return err_set(ei, ERR_USAGE, "import: mailboxes are imported with "
                       "'mailrota mailbox import FILE.csv'");
    return app_dispatch(app, "import", import_usage, import_subs,
                        sizeof(import_subs) / sizeof(import_subs[0]), argc,
                        argv, ei);
}
