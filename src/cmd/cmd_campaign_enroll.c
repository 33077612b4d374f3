/*
 * cmd_campaign_enroll.c - `campaign enroll NAME (EMAIL... | --file CSV |
 * --all-active)`: enrol contacts already in the database, in one
 * transaction.  Idempotent: a contact already enrolled is counted, not
 * enrolled twice.  An address that is no contact is reported and skipped;
 * the command fails (65) only when none was a contact.
 *
 * A contact that is not active (bounced, unsubscribed, replied,
 * suppressed) is enrolled all the same, as `import --campaign` does, and
 * said so: the planner never writes to it ('plan -v' gives the reason
 * contact_status), and it is written to if it becomes active again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "campaign_cmd.h"
#include "clock.h"
#include "contact.h"
#include "csv.h"
#include "import_cols.h"
#include "store.h"
#include "util.h"

#include "banned.h"

#define CSV_MAX_FIELD  (64 * 1024)
#define CSV_MAX_FIELDS 1024

struct enroll {
    struct db *db;
    const char *name;          /* the campaign */
    long long campaign_id;
    char now[ISO_TIME_LEN];
    long added, already, unknown, inactive;
};

static void report(const char *where, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One skipped address: "WHERE: reason" on stderr, control chars made safe. */
static void report(const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", where, sanitize(msg));
}

/* Enrols the contact with address raw; where names it for a report. */
static int enroll_one(struct enroll *en, const char *raw, const char *where,
                      struct errinfo *ei)
{
    const char *reason = "not an address";
    enum contact_status status = CONTACT_ACTIVE;
    char *email = contact_email_normalize(raw, &reason);
    long long id = 0;
    bool added = false;
    int ret = -1;

    if (!email) {
        report(where, "invalid email '%.60s': %s", raw, reason);
        en->unknown++;
        return 0;
    }
    if (store_contact_find(en->db, email, &id, &status, ei) < 0)
        goto out;
    if (!id) {
        report(where, "%s is not a contact: import it first ('mailrota "
               "import contacts FILE.csv --campaign %s')", email, en->name);
        en->unknown++;
    } else {
        if (store_enroll(en->db, en->campaign_id, id, en->now, &added,
                         ei) < 0)
            goto out;
        if (added)
            en->added++;
        else
            en->already++;
        if (status != CONTACT_ACTIVE)
            en->inactive++;
    }
    ret = 0;
out:
    free(email);
    return ret;
}

/* The email column of the header row: contact_header_field(), the
 * matching `import contacts` uses ("Email", "E-mail", ...). */
static int email_column(const char *file, const struct csv_record *hdr,
                        size_t *col, struct errinfo *ei)
{
    for (size_t i = 0; i < hdr->nfields; i++) {
        char *h = str_trim(xstrdup(hdr->fields[i]));
        bool found = contact_header_field(h) == CONTACT_FIELD_EMAIL;

        free(h);
        if (found) {
            *col = i;
            return 0;
        }
    }
    return err_set(ei, ERR_DATA, "%s:1: no email column: the header row "
                   "must name one ('email', 'E-mail' or 'Email Address')",
                   file);
}

/* Reads the header row of the CSV into *col; errors name the file. */
static int read_header(struct csv_reader *r, const char *file, size_t *col,
                       struct errinfo *ei)
{
    struct csv_record rec;
    int rc = csv_next(r, &rec, ei);

    if (rc < 0)
        return err_prefix(ei, "%s", file);
    if (rc == 0)
        return err_set(ei, ERR_DATA, "%s: empty file: expected a header row "
                       "with an 'email' column", file);
    if (rec.error)
        return err_set(ei, ERR_DATA, "%s:%ld: header row: %s", file,
                       rec.line, rec.error);
    return email_column(file, &rec, col, ei);
}

static int enroll_rows(struct enroll *en, struct csv_reader *r,
                       const char *file, size_t col, struct errinfo *ei)
{
    struct csv_record rec;
    char where[300];
    int rc;

    while ((rc = csv_next(r, &rec, ei)) == 1) {
        snprintf(where, sizeof(where), "%s:%ld", file, rec.line);
        if (rec.error) {
            report(where, "%s", rec.error);
            en->unknown++;
        } else if (import_blank_line(csv_delimiter(r), &rec)) {
            continue;
        } else if (col >= rec.nfields || str_blank(rec.fields[col])) {
            report(where, "missing email");
            en->unknown++;
        } else if (enroll_one(en, rec.fields[col], where, ei) < 0) {
            return -1;
        }
    }
    return rc < 0 ? err_prefix(ei, "%s", file) : 0;
}

/* --file CSV ('-': stdin): the email column of each row. */
static int enroll_file(struct enroll *en, const char *path,
                       struct errinfo *ei)
{
    bool std = strcmp(path, "-") == 0;
    const char *file = std ? "stdin" : path;
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct csv_reader *r = NULL;
    size_t col = 0;
    int ret = -1;

    if (fd < 0)
        return err_set(ei, ERR_NOINPUT, "cannot open '%s': %s", path,
                       strerror(errno));
    r = csv_new(app_csv_read_fd, &fd, CSV_MAX_FIELD, CSV_MAX_FIELDS);
    csv_set_delimiter(r, '\0');
    if (read_header(r, file, &col, ei) == 0 &&
        enroll_rows(en, r, file, col, ei) == 0)
        ret = 0;
    csv_free(r);
    if (!std)
        close(fd);
    return ret;
}

struct enroll_args {
    const char *name, *file;
    bool all_active;
    char **emails;
    int n_emails;
};

/* argv: "enroll", options, NAME, EMAIL...  1 for --help. */
static int parse_enroll(int argc, char **argv, struct enroll_args *a,
                        struct errinfo *ei)
{
    static const struct option opts[] = {
        { "file", required_argument, NULL, 'f' },
        { "all-active", no_argument, NULL, 'A' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, "campaign enroll", ":f:h", opts,
                           campaign_usage, ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 'f': a->file = optarg; break;
        case 'A': a->all_active = true; break;
        default: return -1;
        }
    }
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "campaign enroll: missing NAME");
    a->name = argv[optind];
    a->emails = argv + optind + 1;
    a->n_emails = argc - optind - 1;
    if ((a->n_emails > 0) + (a->file != NULL) + a->all_active != 1)
        return err_set(ei, ERR_USAGE, "campaign enroll: say whom, one way: "
                       "EMAIL..., --file CSV or --all-active");
    return 0;
}

static int enroll_all(struct enroll *en, const struct enroll_args *a,
                      struct errinfo *ei)
{
    if (a->all_active)
        return store_enroll_active(en->db, en->campaign_id, en->now,
                                   &en->added, &en->already, ei);
    if (a->file)
        return enroll_file(en, a->file, ei);
    for (int i = 0; i < a->n_emails; i++)
        if (enroll_one(en, a->emails[i], "campaign enroll", ei) < 0)
            return -1;
    return 0;
}

/* The counts, a word on contacts that are not active, and the verdict. */
static int enroll_summary(const struct app *app, const struct enroll *en,
                          struct errinfo *ei)
{
    if (!app->quiet)
        printf("campaign %s: enrolled %ld, already enrolled %ld, unknown "
               "%ld\n", en->name, en->added, en->already, en->unknown);
    if (en->inactive)
        fprintf(stderr, "campaign enroll: %ld of them %s not active "
                "(bounced, unsubscribed, replied or suppressed): the planner "
                "skips %s ('plan -v' says contact_status)\n", en->inactive,
                en->inactive == 1 ? "is" : "are",
                en->inactive == 1 ? "it" : "them");
    if (en->unknown && !en->added && !en->already)
        return err_set(ei, ERR_DATA, "campaign enroll: none of the %ld "
                       "address%s is a contact: import them with 'mailrota "
                       "import contacts FILE.csv --campaign %s'", en->unknown,
                       en->unknown == 1 ? "" : "es", en->name);
    return 0;
}

int campaign_enroll(struct app *app, int argc, char **argv,
                    struct errinfo *ei)
{
    struct enroll_args a = { NULL, NULL, false, NULL, 0 };
    struct enroll en;
    int r, ret = -1;

    memset(&en, 0, sizeof(en));
    r = parse_enroll(argc, argv, &a, ei);
    if (r)
        return r > 0 ? 0 : -1;
    en.name = a.name;
    if (app_open_db(app, 0, &en.db, ei) < 0)
        return -1;
    clock_now_iso(en.now);
    if (campaign_find(en.db, "campaign enroll", a.name, &en.campaign_id,
                      ei) < 0 ||
        db_begin(en.db, true, ei) < 0)
        goto out;
    if (enroll_all(&en, &a, ei) < 0 || db_commit(en.db, ei) < 0) {
        db_rollback(en.db);
        goto out;
    }
    ret = enroll_summary(app, &en, ei);
out:
    db_close(en.db);
    return ret;
}
