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
#include "erase.h"
#include "import_cols.h"
#include "import_company.h"
#include "log.h"
#include "store.h"
#include "store_forget.h"
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
    "Bad rows are reported as FILE:LINE: reason and skipped.  An address\n"
    "erased with 'contact forget' is skipped too (FILE:LINE: erased on\n"
    "DATE), and is no bad row for --strict.\n"
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
    const char *campaign;                  /* its name, or NULL */
    char delim;                            /* '\0': detect */
    char now[21];
    long imported, updated, skipped, rows;
    long erased;       /* of skipped: erased addresses, not bad rows */
    bool progress;
    bool any_erased;   /* an address was ever erased: check each row */
    struct import_companies companies;
    struct strbuf json;
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

/*
 * Checks a record and reads its known fields into v[] (trimmed, NULL when
 * empty), *email and *domain normalised: 1 when the row is good, else 0
 * (reported and counted).  The caller frees v[], *email and *domain.
 */
static int check_row(struct import *im, const struct csv_record *rec,
                     char **v, char **email, char **domain)
{
    const char *reason = NULL;
    char ex[64];

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
    for (int f = CONTACT_FIELD_EMAIL; f <= CONTACT_FIELD_LAST; f++)
        v[f] = field_value(im, rec, (enum contact_field)f);
    /* "N/A", "self-employed" ...: no company, so the domain rule applies */
    if (contact_company_placeholder(v[CONTACT_FIELD_COMPANY])) {
        free(v[CONTACT_FIELD_COMPANY]);
        v[CONTACT_FIELD_COMPANY] = NULL;
    }
    if (!v[CONTACT_FIELD_EMAIL]) {
        bad_row(im, rec->line, "missing email");
        return 0;
    }
    *email = contact_email_normalize(v[CONTACT_FIELD_EMAIL], &reason);
    if (!*email) {
        excerpt(v[CONTACT_FIELD_EMAIL], ex);
        bad_row(im, rec->line, "invalid email '%s': %s", ex, reason);
        return 0;
    }
    for (int f = CONTACT_FIELD_FIRST_NAME; f <= CONTACT_FIELD_LAST; f++) {
        if (has_line_break(v[f])) {
            bad_row(im, rec->line, "%s contains a line break",
                    import_field_name((enum contact_field)f));
            return 0;
        }
    }
    if (!v[CONTACT_FIELD_DOMAIN]) {
        *domain = xstrdup(contact_email_domain(*email));
        return 1;
    }
    *domain = contact_domain_normalize(v[CONTACT_FIELD_DOMAIN]);
    if (!*domain) {
        excerpt(v[CONTACT_FIELD_DOMAIN], ex);
        bad_row(im, rec->line, "invalid domain '%s'", ex);
        return 0;
    }
    return 1;
}

/*
 * The row's time zone if the zoneinfo database has it; otherwise said
 * (FILE:LINE) and NULL: the contact's windows follow the sender's zone.
 */
static const char *row_zone(struct import *im, long line, const char *tz)
{
    const struct tz *z;
    struct errinfo zei = { ERR_OK, "" };
    char ex[64];

    if (!tz || clock_zone(tz, &z, &zei) == 0)
        return tz;
    excerpt(tz, ex);
    log_warnx("%s:%ld: unknown time zone '%s' (an IANA name such as "
              "America/Chicago): the sender's zone is used for this contact",
              im->name, line, ex);
    return NULL;
}

/*
 * *erased: whether email was erased with `contact forget` (its sha256:
 * suppression exists): then the row is reported with the erasure's date
 * and counted as skipped.  Not a bad row: --strict does not fail on it,
 * since the file is right and skipping the person is what they asked.
 */
static int erased_row(struct import *im, long line, const char *email,
                      bool *erased, struct errinfo *ei)
{
    char value[ERASE_VALUE_LEN], date[11];

    *erased = false;
    if (!im->any_erased)
        return 0;
    if (!erase_value(email, value))
        return err_set(ei, ERR_SOFTWARE, "import: SHA-256 failed");
    if (store_erased_on(im->db, value, erased, date, ei) < 0)
        return -1;
    if (*erased) {
        bad_row(im, line, "erased on %s", date);
        im->erased++;
    }
    return 0;
}

/* Imports one record; a bad row is reported and counted, not an error. */
static int import_row(struct import *im, const struct csv_record *rec,
                      struct errinfo *ei)
{
    char *v[CONTACT_FIELD_LAST + 1] = { NULL };
    char *email = NULL, *domain = NULL;
    struct store_contact c;
    long long contact_id = 0;
    bool erased, inserted;
    int ret = -1;

    memset(&c, 0, sizeof(c));

    if (check_row(im, rec, v, &email, &domain) == 0) {
        ret = 0;
        goto out;
    }
    if (erased_row(im, rec->line, email, &erased, ei) < 0)
        goto out;
    if (erased) {
        ret = 0;
        goto out;
    }
    if (import_company_resolve(&im->companies, im->db,
                               v[CONTACT_FIELD_COMPANY], domain, im->now,
                               &c.company_id, &c.company_explicit, ei) < 0)
        goto out;
    c.email = email;
    c.first_name = v[CONTACT_FIELD_FIRST_NAME];
    c.last_name = v[CONTACT_FIELD_LAST_NAME];
    c.title = v[CONTACT_FIELD_TITLE];
    c.company_name = v[CONTACT_FIELD_COMPANY];
    c.timezone = row_zone(im, rec->line, v[CONTACT_FIELD_TIMEZONE]);
    c.fields_json = extras_json(im, rec);
    if (store_contact_upsert(im->db, &c, im->now,
                             im->campaign_id ? &contact_id : NULL,
                             &inserted, ei) < 0)
        goto out;
    if (inserted)
        im->imported++;
    else
        im->updated++;
    if (im->campaign_id &&
        store_enroll(im->db, im->campaign_id, contact_id, im->now, NULL,
                     ei) < 0)
        goto out;
    ret = 0;
out:
    for (int f = 0; f <= CONTACT_FIELD_LAST; f++)
        free(v[f]);
    free(email);
    free(domain);
    return ret;
}

static int find_campaign(struct db *db, const char *name, long long *id,
                         struct errinfo *ei)
{
    if (store_campaign_id(db, name, id, ei) < 0)
        return -1;
    if (!*id)
        return err_set(ei, ERR_DATA,
                       "unknown campaign '%s': create it with 'mailrota "
                       "campaign add' (see 'mailrota campaign list')",
                       name);
    return 0;
}

/*
 * Begins the import's transaction; the campaign, found before it, is
 * found again inside it, so every key the import writes is one it read
 * or made in this transaction (store_import_begin: own_keys).
 */
static int begin_import(struct import *im, struct errinfo *ei)
{
    long long id = 0;

    if (store_import_begin(im->db, true, ei) < 0)
        return -1;
    if (!im->campaign)
        return 0;
    if (find_campaign(im->db, im->campaign, &id, ei) < 0)
        return -1;
    if (id != im->campaign_id)
        return err_set(ei, ERR_TEMPFAIL, "campaign '%s' was removed or "
                       "replaced while the import started: run it again",
                       im->campaign);
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
    if (begin_import(im, ei) < 0 ||
        store_any_erasure(im->db, &im->any_erased, ei) < 0 ||
        import_companies_load(&im->companies, im->db,
                              im->app->cfg.free_mail_domains,
                              im->app->cfg.n_free_mail_domains, ei) < 0)
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
    if (strict && im->skipped > im->erased) {
        err_set(ei, ERR_DATA,
                "%s: %ld bad row%s: nothing imported (--strict)", im->name,
                im->skipped - im->erased,
                im->skipped - im->erased == 1 ? "" : "s");
        goto out;
    }
    if (dry_run) {
        db_rollback(im->db);
    } else if (db_commit(im->db, ei) < 0) {
        goto out;
    }
    ret = 0;
out:
    db_rollback(im->db);
    store_import_end(im->db);
    import_companies_free(&im->companies);
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
    im.campaign = campaign;
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
